/* fuzz_hmm_model.c: libFuzzer target for the HMM model loader (features/regime.h), which reads
 * user files from `quantcli features regime --load`. Every rejection must be QC_ERR_INPUT with a
 * message; every accepted model must run the filter and Viterbi on a few bars with finite
 * probabilities summing to 1, and survive a save/load round trip unchanged. abort() flags a violated
 * invariant. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "features/regime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void exercise(qc_hmm *m) {
    enum { N = 16 };
    double x[N * QC_HMM_MAX_DIMS], p[N * QC_HMM_MAX_STATES], ll;
    int path[N];
    for (size_t t = 0; t < N * m->d; t++) x[t] = sin((double)t * 0.37) * 2;
    qc_error err = {0};
    if (qc_hmm_filter_batch(m, x, N, p, &ll, &err) != QC_OK) abort();
    for (size_t t = 0; t < N; t++) {
        double s = 0;
        for (size_t i = 0; i < m->k; i++) {
            if (!(p[t * m->k + i] >= 0 && p[t * m->k + i] <= 1 + 1e-9)) abort();
            s += p[t * m->k + i];
        }
        if (fabs(s - 1) > 1e-9) abort();
    }
    if (qc_hmm_viterbi(m, x, N, path, NULL, &err) != QC_OK) abort();
    for (size_t t = 0; t < N; t++)
        if (path[t] < 0 || (size_t)path[t] >= m->k) abort();
    char *text;
    qc_hmm *r;
    if (qc_hmm_to_json(m, NAN, &text, &err) != QC_OK) abort();
    if (qc_hmm_from_json(text, strlen(text), &r, &err) != QC_OK) abort();
    if (memcmp(r->mean, m->mean, m->k * m->d * sizeof(double)) != 0) abort();
    if (memcmp(r->trans, m->trans, m->k * m->k * sizeof(double)) != 0) abort();
    free(text);
    qc_hmm_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    qc_hmm *m = NULL;
    qc_error err = {0};
    qc_err rc = qc_hmm_from_json((const char *)data, size, &m, &err);
    if (rc != QC_OK) {
        if (rc != QC_ERR_INPUT || !err.msg[0] || m) abort();
        return 0;
    }
    exercise(m);
    qc_hmm_free(m);
    return 0;
}
