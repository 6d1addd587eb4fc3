/* test_xsec.c: features/cross_sectional.c.
 * - hand-worked cross-sections: average ranks with ties, z-scores, quantile and z winsorising,
 *   sector and factor neutralising, missing cells staying missing, a symbol without a group;
 * - the pandas/scipy golden (tests/golden/gen_xsec.py): every transform on a 25 x 80 panel with
 *   ties, missing cells, an empty and a 3-value cross-section; IC (Pearson) and rank IC (Spearman)
 *   per timestamp and their summary (mean, SD, t-statistic, IR, hit rate);
 * - in place (out == x) gives the same as out-of-place; a large panel (more timestamps than a tile,
 *   not a multiple of it) matches a per-timestamp naive computation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "features/cross_sectional.h"

#define GOLDEN_DIR QC_TEST_DIR "/golden/"

static void near(double a, double b, double tol) {
    if (isnan(a) && isnan(b)) return;
    if (!(fabs(a - b) <= tol * fmax(1.0, fabs(b)))) fail_msg("%.17g != %.17g", a, b);
}

/* One timestamp, 5 symbols, panel layout with n_ts = 1. */
static void test_small_cross_section(void **st) {
    (void)st;
    const double x[5] = {3, 1, NAN, 3, 2};
    double o[5];
    qc_error err = {0};
    assert_int_equal(qc_xs_rank(x, 5, 1, 0, o, &err), QC_OK);
    near(o[0], 3.5, 0), near(o[1], 1, 0), near(o[3], 3.5, 0), near(o[4], 2, 0);
    assert_true(isnan(o[2]));
    assert_int_equal(qc_xs_rank(x, 5, 1, 1, o, &err), QC_OK);
    near(o[0], 3.5 / 4, 1e-15), near(o[1], 0.25, 1e-15);
    /* mean 9/4, SD sqrt(((.75)^2 * 2 + 1.25^2 + .25^2) / 3) = sqrt(2.75/3) */
    assert_int_equal(qc_xs_zscore(x, 5, 1, o, &err), QC_OK);
    double sd = sqrt(2.75 / 3);
    near(o[0], 0.75 / sd, 1e-15), near(o[1], -1.25 / sd, 1e-15), near(o[4], -0.25 / sd, 1e-15);
    /* quantiles of 1 2 3 3 at 0.25 (pos .75: 1.75) and 0.75 (pos 2.25: 3) */
    assert_int_equal(qc_xs_winsorize_quantile(x, 5, 1, 0.25, 0.75, o, &err), QC_OK);
    near(o[1], 1.75, 1e-15), near(o[0], 3, 0), near(o[4], 2, 0), assert_true(isnan(o[2]));
    assert_int_equal(qc_xs_winsorize_z(x, 5, 1, 1.0, o, &err), QC_OK);
    near(o[1], 2.25 - sd, 1e-15), near(o[0], 3, 0);
    /* sectors {0, 1}: group 0 = symbols 0, 1, 2 (2 missing): mean 2; group 1 = symbol 3; symbol 4 none */
    const int g[5] = {0, 0, 0, 1, -1};
    assert_int_equal(qc_xs_neutralize_group(x, 5, 1, g, o, &err), QC_OK);
    near(o[0], 1, 0), near(o[1], -1, 0), near(o[3], 0, 0);
    assert_true(isnan(o[2]) && isnan(o[4]));
    /* factor exactly explains x = 1 + 0.5 f on the present pairs: residuals 0 */
    const double f[5] = {4, 0, 7, 4, 2};
    assert_int_equal(qc_xs_neutralize_factor(x, f, 5, 1, o, &err), QC_OK);
    near(o[0], 0, 1e-15), near(o[1], 0, 1e-15), near(o[4], 0, 1e-15), assert_true(isnan(o[2]));
    /* a constant factor leaves the demeaned values */
    const double fc[5] = {1, 1, 1, 1, 1};
    assert_int_equal(qc_xs_neutralize_factor(x, fc, 5, 1, o, &err), QC_OK);
    near(o[0], 0.75, 1e-15), near(o[1], -1.25, 1e-15);
    assert_int_equal(qc_xs_winsorize_quantile(x, 5, 1, 0.8, 0.2, o, &err), QC_ERR_INPUT);
    assert_int_equal(qc_xs_winsorize_z(x, 5, 1, 0, o, &err), QC_ERR_INPUT);
}

/* ---- golden ---------------------------------------------------------------------------------------- */

static double *read_rows(const char *name, size_t cols, size_t *rows) {
    char path[512], line[4096];
    snprintf(path, sizeof path, GOLDEN_DIR "%s", name);
    FILE *f = fopen(path, "r");
    if (!f) fail_msg("cannot open %s", path);
    size_t cap = 4096, n = 0;
    double *v = malloc(cap * cols * sizeof *v);
    if (!fgets(line, sizeof line, f)) fail_msg("%s: empty", path);
    while (fgets(line, sizeof line, f)) {
        if (n == cap) v = realloc(v, (cap *= 2) * cols * sizeof *v);
        char *p = line;
        for (size_t c = 0; c < cols; c++) {
            char *end;
            double x = strtod(p, &end);
            v[n * cols + c] = end == p ? NAN : x;
            p = strchr(end, ',');
            p = p ? p + 1 : end;
        }
        n++;
    }
    fclose(f);
    *rows = n;
    return v;
}

enum { C_T, C_S, C_FEAT, C_FWD, C_GROUP, C_FACTOR, C_RANK, C_PCT, C_Z, C_WQ, C_WZ, C_DM, C_GN, C_FN, N_COLS };
#define S_N 25
#define T_N 80


static void golden_panel(double *g, size_t col, double *out) {
    for (size_t r = 0; r < S_N * T_N; r++) {
        size_t t = (size_t)g[r * N_COLS + C_T], s = (size_t)g[r * N_COLS + C_S];
        out[s * T_N + t] = g[r * N_COLS + col];
    }
}

static void expect_col(double *g, size_t col, const double *ours, double tol) {
    double want[S_N * T_N];
    golden_panel(g, col, want);
    for (size_t i = 0; i < S_N * T_N; i++) {
        if (isnan(want[i]) != isnan(ours[i]))
            fail_msg("column %zu, symbol %zu, t %zu: golden %g, ours %g", col, i / T_N, i % T_N, want[i], ours[i]);
        near(ours[i], want[i], tol);
    }
}

static void test_golden_transforms(void **st) {
    (void)st;
    size_t rows;
    double *g = read_rows("xsec_panel.csv", N_COLS, &rows);
    assert_int_equal(rows, S_N * T_N);
    double x[S_N * T_N], f[S_N * T_N], o[S_N * T_N], o2[S_N * T_N];
    int grp[S_N];
    golden_panel(g, C_FEAT, x);
    golden_panel(g, C_FACTOR, f);
    for (size_t r = 0; r < S_N; r++) grp[(size_t)g[r * N_COLS + C_S]] = (int)g[r * N_COLS + C_GROUP];
    qc_error err = {0};
    assert_int_equal(qc_xs_rank(x, S_N, T_N, 0, o, &err), QC_OK), expect_col(g, C_RANK, o, 0);
    assert_int_equal(qc_xs_rank(x, S_N, T_N, 1, o, &err), QC_OK), expect_col(g, C_PCT, o, 1e-15);
    assert_int_equal(qc_xs_zscore(x, S_N, T_N, o, &err), QC_OK), expect_col(g, C_Z, o, 1e-13);
    assert_int_equal(qc_xs_winsorize_quantile(x, S_N, T_N, 0.1, 0.9, o, &err), QC_OK), expect_col(g, C_WQ, o, 1e-14);
    assert_int_equal(qc_xs_winsorize_z(x, S_N, T_N, 2, o, &err), QC_OK), expect_col(g, C_WZ, o, 1e-13);
    assert_int_equal(qc_xs_demean(x, S_N, T_N, o, &err), QC_OK), expect_col(g, C_DM, o, 1e-14);
    assert_int_equal(qc_xs_neutralize_group(x, S_N, T_N, grp, o, &err), QC_OK), expect_col(g, C_GN, o, 1e-14);
    assert_int_equal(qc_xs_neutralize_factor(x, f, S_N, T_N, o, &err), QC_OK), expect_col(g, C_FN, o, 1e-12);
    /* in place gives the same */
    memcpy(o2, x, sizeof x);
    assert_int_equal(qc_xs_zscore(o2, S_N, T_N, o2, &err), QC_OK);
    assert_int_equal(qc_xs_zscore(x, S_N, T_N, o, &err), QC_OK);
    assert_memory_equal(o, o2, sizeof o);
    free(g);
}

static void test_golden_ic(void **st) {
    (void)st;
    size_t rows, nic, nsum;
    double *g = read_rows("xsec_panel.csv", N_COLS, &rows);
    double *gi = read_rows("xsec_ic.csv", 3, &nic);
    double *gs = read_rows("xsec_ic_summary.csv", 7, &nsum); /* kind,n,mean,std,t_stat,ir,hit */
    assert_int_equal(nic, T_N), assert_int_equal(nsum, 2);
    double x[S_N * T_N], y[S_N * T_N], ic[T_N];
    size_t np[T_N];
    golden_panel(g, C_FEAT, x);
    golden_panel(g, C_FWD, y);
    qc_error err = {0};
    for (int rank = 0; rank <= 1; rank++) {
        assert_int_equal(qc_xs_ic(x, y, S_N, T_N, rank, ic, np, &err), QC_OK);
        for (size_t t = 0; t < T_N; t++) near(ic[t], gi[t * 3 + 1 + (size_t)rank], 1e-13);
        assert_int_equal(np[5], 0);
        assert_true(np[6] <= 3);
        qc_ic_stats s;
        qc_xs_ic_summary(ic, T_N, &s);
        const double *w = gs + rank * 7;
        assert_int_equal(s.n, (size_t)w[1]);
        near(s.mean, w[2], 1e-13), near(s.std, w[3], 1e-13), near(s.t_stat, w[4], 1e-12);
        near(s.ir, w[5], 1e-12), near(s.hit, w[6], 1e-15);
    }
    free(g), free(gi), free(gs);
}

/* A panel wider than a tile in time, with a ragged last tile, against a naive per-timestamp z-score
 * and rank computed straight from the symbol-major layout. */
static void test_tiles_match_naive(void **st) {
    (void)st;
    size_t ns = 37, nt = 1003;
    double *x = malloc(ns * nt * sizeof *x), *o = malloc(ns * nt * sizeof *o), *r = malloc(ns * nt * sizeof *r);
    uint64_t k = 99;
    for (size_t i = 0; i < ns * nt; i++) {
        k ^= k << 13, k ^= k >> 7, k ^= k << 17;
        x[i] = (k % 7 == 0) ? NAN : (double)(k % 1000) / 100.0;
    }
    qc_error err = {0};
    assert_int_equal(qc_xs_zscore(x, ns, nt, o, &err), QC_OK);
    assert_int_equal(qc_xs_rank(x, ns, nt, 0, r, &err), QC_OK);
    for (size_t t = 0; t < nt; t++) {
        double sum = 0, ss = 0;
        size_t m = 0;
        for (size_t s = 0; s < ns; s++)
            if (!isnan(x[s * nt + t])) sum += x[s * nt + t], m++;
        double mean = sum / (double)m;
        for (size_t s = 0; s < ns; s++)
            if (!isnan(x[s * nt + t])) ss += (x[s * nt + t] - mean) * (x[s * nt + t] - mean);
        double sd = sqrt(ss / (double)(m - 1));
        for (size_t s = 0; s < ns; s++) {
            double v = x[s * nt + t];
            if (isnan(v)) {
                assert_true(isnan(o[s * nt + t]) && isnan(r[s * nt + t]));
                continue;
            }
            near(o[s * nt + t], (v - mean) / sd, 1e-12);
            double below = 0, eq = 0;
            for (size_t q = 0; q < ns; q++) {
                double u = x[q * nt + t];
                below += !isnan(u) && u < v, eq += !isnan(u) && u == v;
            }
            near(r[s * nt + t], below + (eq + 1) / 2, 0);
        }
    }
    free(x), free(o), free(r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_small_cross_section),
        cmocka_unit_test(test_golden_transforms),
        cmocka_unit_test(test_golden_ic),
        cmocka_unit_test(test_tiles_match_naive),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
