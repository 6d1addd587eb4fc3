/* fuzz_journal.c: libFuzzer target for the journal reader (qc_journal_scan + qc_journal_decode +
 * the state fold). Any byte string must scan without crashing; the valid prefix plus the torn
 * tail is the whole input; every accepted record re-encodes to the same bytes; the fold either
 * accepts a record or refuses it with QC_ERR_DATA. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "app/journal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct {
    qc_jstate st;
    size_t n;
} fold_ctx;

static int visit(void *ctx, const qc_jrec *r, qc_error *err) {
    fold_ctx *f = ctx;
    uint8_t buf[8 + QC_JOURNAL_MAX_PAYLOAD];
    size_t n = qc_journal_encode(r, buf, sizeof buf);
    qc_jrec back;
    qc_error e2 = {0};
    if (!n || qc_journal_decode(buf + 8, n - 8, &back, &e2)) abort();
    f->n++;
    qc_err rc = qc_jstate_apply(&f->st, r, err);
    if (rc && rc != QC_ERR_DATA && rc != QC_ERR_NOMEM) abort();
    return 0; /* keep folding: the fold's refusals are checked above */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    /* the fuzzer may omit the magic: prepend it half of the time to reach the records */
    uint8_t *buf = malloc(size + QC_JOURNAL_MAGIC_LEN + 1);
    if (!buf) return 0;
    size_t len = size;
    if (size && (data[0] & 1)) {
        memcpy(buf, QC_JOURNAL_MAGIC, QC_JOURNAL_MAGIC_LEN);
        memcpy(buf + QC_JOURNAL_MAGIC_LEN, data + 1, size - 1);
        len = size - 1 + QC_JOURNAL_MAGIC_LEN;
    } else if (size) {
        memcpy(buf, data, size);
    }
    fold_ctx f;
    qc_error err = {0};
    if (qc_jstate_init(&f.st, 4, &err)) abort();
    f.n = 0;
    size_t valid = 0, torn = 0;
    qc_err rc = qc_journal_scan(buf, len, visit, &f, &valid, &torn, &err);
    if (!rc && valid + torn != len) abort();
    if (rc && rc != QC_ERR_DATA) abort();
    qc_jstate_free(&f.st);
    free(buf);
    return 0;
}
