/* test_featstore.c: the feature store (src/features/featstore.h over the SQLite store):
 * - a first request computes and stores, a second with the same bars reuses (no compute) and gives
 *   the same bits;
 * - point in time: one revised close, appended bars, a shorter history, or a changed second series
 *   recompute, and the values returned then equal a fresh computation (never the stale ones);
 * - the key: another spec, symbol or interval is another entry; a new code version replaces the
 *   entry of the old one;
 * - the fingerprint covers every column and the timestamps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "data/store.h"
#include "features/featstore.h"
#include "features/indicators.h"

#define NMAX 4000
typedef struct {
    size_t n;
    int64_t ts[NMAX];
    double o[NMAX], h[NMAX], l[NMAX], c[NMAX], v[NMAX], x[NMAX];
} bars_t;

static void make_bars(bars_t *b, size_t n) {
    uint64_t r = 12345;
    double p = 50;
    b->n = n;
    for (size_t i = 0; i < NMAX; i++) {
        r ^= r << 13, r ^= r >> 7, r ^= r << 17;
        double u = (double)(r >> 11) / 9007199254740992.0;
        b->ts[i] = (int64_t)(i + 1) * 86400000000000LL;
        b->o[i] = p;
        p *= 1 + 0.02 * (u - 0.5);
        b->c[i] = p, b->h[i] = fmax(b->o[i], p) * 1.004, b->l[i] = fmin(b->o[i], p) * 0.996;
        b->v[i] = 1000 + (double)(r % 777), b->x[i] = 100 + u;
    }
}

static const char *k_spec = "sma(20),rsi(14),bbands(20,2),corr(10)";

typedef struct {
    const bars_t *b;
    qc_ind_spec *items;
    size_t n_items, calls;
} ctx_t;

static qc_ind_cols cols_of(const bars_t *b) { return (qc_ind_cols){b->o, b->h, b->l, b->c, b->v, b->x}; }

static qc_err compute(void *vctx, double *const *out, qc_error *err) {
    ctx_t *c = vctx;
    c->calls++;
    qc_ind_cols in = cols_of(c->b);
    size_t col = 0;
    for (size_t k = 0; k < c->n_items; k++) {
        qc_err rc = qc_ind_batch(c->items[k].def, c->items[k].p, &in, c->b->n, out + col, err);
        if (rc) return rc;
        col += c->items[k].def->n_outputs;
    }
    return QC_OK;
}

typedef struct {
    qc_store *st;
    char path[64];
    ctx_t ctx;
    size_t n_cols;
    double *cols[16], *fresh[16];
} fixture;

static int setup(void **state) {
    fixture *f = calloc(1, sizeof *f);
    snprintf(f->path, sizeof f->path, "/tmp/qc_featstore_%d.db", (int)getpid());
    unlink(f->path);
    qc_error err = {0};
    if (qc_store_open(f->path, &f->st, &err)) return -1;
    if (qc_ind_spec_parse(k_spec, &f->ctx.items, &f->ctx.n_items, &err)) return -1;
    for (size_t k = 0; k < f->ctx.n_items; k++) f->n_cols += f->ctx.items[k].def->n_outputs;
    for (size_t k = 0; k < f->n_cols; k++) f->cols[k] = malloc(NMAX * sizeof(double)), f->fresh[k] = malloc(NMAX * sizeof(double));
    *state = f;
    return 0;
}

static int teardown(void **state) {
    fixture *f = *state;
    qc_store_close(f->st);
    unlink(f->path);
    char wal[80];
    snprintf(wal, sizeof wal, "%s-wal", f->path), unlink(wal);
    snprintf(wal, sizeof wal, "%s-shm", f->path), unlink(wal);
    for (size_t k = 0; k < f->n_cols; k++) free(f->cols[k]), free(f->fresh[k]);
    free(f->ctx.items);
    free(f);
    return 0;
}

static qc_featstore_outcome request(fixture *f, const bars_t *b, const char *sym, int64_t iv, const char *spec) {
    f->ctx.b = b;
    qc_ind_cols in = cols_of(b);
    qc_featstore_outcome how;
    qc_error err = {0};
    for (size_t k = 0; k < f->n_cols; k++)
        for (size_t i = 0; i < b->n; i++) f->cols[k][i] = -12345; /* poison: every cell must be written */
    qc_err rc = qc_featstore_get_or_compute(f->st, sym, iv, spec, b->ts, &in, b->n, f->n_cols, f->cols, compute,
                                            &f->ctx, &how, &err);
    if (rc) fail_msg("get_or_compute: %s", err.msg);
    /* whatever the outcome, the values equal a fresh computation bit for bit */
    size_t calls = f->ctx.calls;
    assert_int_equal(compute(&f->ctx, f->fresh, &err), QC_OK);
    f->ctx.calls = calls;
    for (size_t k = 0; k < f->n_cols; k++)
        for (size_t i = 0; i < b->n; i++)
            if (memcmp(&f->cols[k][i], &f->fresh[k][i], sizeof(double)) != 0 &&
                !(isnan(f->cols[k][i]) && isnan(f->fresh[k][i])))
                fail_msg("column %zu row %zu: got %.17g, fresh %.17g (%s)", k, i, f->cols[k][i], f->fresh[k][i],
                         qc_featstore_outcome_name(how));
    return how;
}

static void test_reuse_and_invalidation(void **state) {
    fixture *f = *state;
    static bars_t b;
    make_bars(&b, 3000);
    const int64_t day = 86400;
    assert_int_equal(request(f, &b, "AAA", day, k_spec), QC_FEATSTORE_NEW);
    assert_int_equal(f->ctx.calls, 1);
    assert_int_equal(request(f, &b, "AAA", day, k_spec), QC_FEATSTORE_HIT);
    assert_int_equal(f->ctx.calls, 1); /* reused, not recomputed */
    /* a revised close in the middle: recomputed, no stale value */
    b.c[1500] *= 1 + 1e-12;
    assert_int_equal(request(f, &b, "AAA", day, k_spec), QC_FEATSTORE_CHANGED);
    assert_int_equal(f->ctx.calls, 2);
    assert_int_equal(request(f, &b, "AAA", day, k_spec), QC_FEATSTORE_HIT);
    /* appended bars: extended (recomputed), then reused */
    b.n = 3010;
    assert_int_equal(request(f, &b, "AAA", day, k_spec), QC_FEATSTORE_EXTENDED);
    assert_int_equal(request(f, &b, "AAA", day, k_spec), QC_FEATSTORE_HIT);
    assert_int_equal(f->ctx.calls, 3);
    /* a shorter history is not the stored one */
    b.n = 2990;
    assert_int_equal(request(f, &b, "AAA", day, k_spec), QC_FEATSTORE_CHANGED);
    /* the second series, a volume and a timestamp are part of the data */
    b.x[100] += 1;
    assert_int_equal(request(f, &b, "AAA", day, k_spec), QC_FEATSTORE_CHANGED);
    b.v[7] += 1;
    assert_int_equal(request(f, &b, "AAA", day, k_spec), QC_FEATSTORE_CHANGED);
    b.ts[2000] += 1;
    assert_int_equal(request(f, &b, "AAA", day, k_spec), QC_FEATSTORE_CHANGED);
    assert_int_equal(request(f, &b, "AAA", day, k_spec), QC_FEATSTORE_HIT);
    /* other keys are other entries */
    assert_int_equal(request(f, &b, "BBB", day, k_spec), QC_FEATSTORE_NEW);
    assert_int_equal(request(f, &b, "AAA", 3600, k_spec), QC_FEATSTORE_NEW);
    assert_int_equal(request(f, &b, "AAA", day, "sma(20),rsi(14),bbands(20,2),corr(10)|other=SPY"),
                     QC_FEATSTORE_NEW);
    assert_int_equal(request(f, &b, "AAA", day, k_spec), QC_FEATSTORE_HIT);
}

static void test_code_version_replaces(void **state) {
    fixture *f = *state;
    static bars_t b;
    make_bars(&b, 500);
    qc_error err = {0};
    /* an entry written by another build is not read, and writing ours drops it */
    qc_feature_blob old = {500, f->n_cols, {0}, calloc(500 * f->n_cols, sizeof(double))};
    qc_ind_cols in = cols_of(&b);
    qc_featstore_fingerprint(b.ts, &in, 500, old.fingerprint);
    assert_int_equal(qc_store_put_features(f->st, "CCC", 86400, k_spec, "0.0.0+old/k0", &old, &err), QC_OK);
    free(old.data);
    assert_int_equal(request(f, &b, "CCC", 86400, k_spec), QC_FEATSTORE_NEW);
    int found = 1;
    qc_feature_blob got;
    assert_int_equal(qc_store_get_features(f->st, "CCC", 86400, k_spec, "0.0.0+old/k0", &got, &found, &err), QC_OK);
    assert_false(found);
    assert_int_equal(qc_store_get_features(f->st, "CCC", 86400, k_spec, qc_featstore_code_version(), &got, &found, &err),
                     QC_OK);
    assert_true(found);
    assert_int_equal(got.n_bars, 500);
    free(got.data);
}

static void test_fingerprint(void **state) {
    (void)state;
    static bars_t b;
    make_bars(&b, 1000);
    qc_ind_cols in = cols_of(&b), no_vol = in;
    no_vol.volume = NULL;
    uint8_t a[16], c[16];
    qc_featstore_fingerprint(b.ts, &in, 1000, a);
    qc_featstore_fingerprint(b.ts, &in, 1000, c);
    assert_memory_equal(a, c, 16);
    qc_featstore_fingerprint(b.ts, &no_vol, 1000, c);
    assert_memory_not_equal(a, c, 16);
    qc_featstore_fingerprint(b.ts, &in, 999, c);
    assert_memory_not_equal(a, c, 16);
    double keep = b.h[500];
    b.h[500] = nextafter(keep, 1e9); /* one ulp */
    qc_featstore_fingerprint(b.ts, &in, 1000, c);
    assert_memory_not_equal(a, c, 16);
    b.h[500] = keep;
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_reuse_and_invalidation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_code_version_replaces, setup, teardown),
        cmocka_unit_test(test_fingerprint),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
