/* test_coint.c: src/features/coint.c against statsmodels goldens (tests/golden/gen_pairs.py): ADF
 * statistic, p-value, chosen lag and observations for random walks, a stationary AR(1), a real
 * price series (TTR's ttrc) and real small caps, with and without a constant; Engle-Granger on a
 * cointegrated and an independent pair; MacKinnon p-values on a grid; the Kalman hedge ratio against
 * a numpy reference. Plus half-life and OU fits on simulated AR(1) paths, and bad input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "features/coint.h"

#define MAXCOL 16
#define NROW 1000

static char g_names[MAXCOL][16];
static double g_col[MAXCOL][NROW];
static size_t g_ncol;

static void load_series(void) {
    if (g_ncol) return;
    FILE *f = fopen(QC_TEST_DIR "/golden/pairs_series.csv", "r");
    assert_non_null(f);
    char line[4096];
    assert_non_null(fgets(line, sizeof line, f));
    for (char *tok = strtok(line, ",\n"); tok; tok = strtok(NULL, ",\n")) snprintf(g_names[g_ncol++], 16, "%s", tok);
    for (size_t r = 0; r < NROW; r++) {
        assert_non_null(fgets(line, sizeof line, f));
        char *p = line;
        for (size_t c = 0; c < g_ncol; c++) {
            char *end;
            double v = strtod(p, &end);
            g_col[c][r] = end == p ? NAN : v;
            p = strchr(end, ',');
            p = p ? p + 1 : end;
        }
    }
    fclose(f);
}

static const double *col(const char *name) {
    for (size_t c = 0; c < g_ncol; c++)
        if (strcmp(g_names[c], name) == 0) return g_col[c];
    fail_msg("no column %s", name);
    return NULL;
}

static void rel_close(double got, double want, double tol, const char *what) {
    double d = fabs(got - want), scale = fmax(1.0, fabs(want));
    if (!(d <= tol * scale)) fail_msg("%s: got %.17g, want %.17g", what, got, want);
}

static void test_adf_golden(void **state) {
    (void)state;
    load_series();
    FILE *f = fopen(QC_TEST_DIR "/golden/pairs_adf.csv", "r");
    assert_non_null(f);
    char line[512], name[32], reg[8];
    assert_non_null(fgets(line, sizeof line, f));
    size_t cases = 0;
    qc_coint_work w = {0};
    while (fgets(line, sizeof line, f)) {
        size_t n, lag, nobs;
        double stat, p;
        for (char *c = line; *c; c++)
            if (*c == ',') *c = ' ';
        assert_int_equal(sscanf(line, "%31s %zu %7s %lf %lf %zu %zu", name, &n, reg, &stat, &p, &lag, &nobs), 7);
        qc_adf_opts o;
        qc_adf_opts_init(&o);
        o.trend = reg[0] == 'c' ? QC_ADF_CONST : QC_ADF_NONE;
        qc_adf_result r;
        qc_error err = {0};
        assert_int_equal(qc_adf(col(name), n, &o, &r, &w, &err), QC_OK);
        char what[96];
        snprintf(what, sizeof what, "adf %s n=%zu %s stat", name, n, reg);
        assert_int_equal(r.lags, lag);
        assert_int_equal(r.nobs, nobs);
        rel_close(r.stat, stat, 1e-9, what);
        rel_close(r.pvalue, p, 1e-9, what);
        cases++;
    }
    fclose(f);
    qc_coint_work_free(&w);
    assert_true(cases >= 40);
}

static void test_coint_golden(void **state) {
    (void)state;
    load_series();
    FILE *f = fopen(QC_TEST_DIR "/golden/pairs_coint.csv", "r");
    assert_non_null(f);
    char line[512], y[32], x[32];
    assert_non_null(fgets(line, sizeof line, f));
    size_t cases = 0;
    while (fgets(line, sizeof line, f)) {
        size_t n;
        double stat, p, beta, alpha;
        for (char *c = line; *c; c++)
            if (*c == ',') *c = ' ';
        assert_int_equal(sscanf(line, "%31s %31s %zu %lf %lf %lf %lf", y, x, &n, &stat, &p, &beta, &alpha), 7);
        qc_eg_result r;
        qc_error err = {0};
        assert_int_equal(qc_coint_eg(col(y), col(x), n, &r, NULL, &err), QC_OK);
        char what[96];
        snprintf(what, sizeof what, "coint %s~%s n=%zu", y, x, n);
        rel_close(r.adf, stat, 1e-9, what);
        rel_close(r.pvalue, p, 1e-9, what);
        rel_close(r.beta, beta, 1e-10, what);
        rel_close(r.alpha, alpha, 1e-10, what);
        cases++;
    }
    fclose(f);
    assert_int_equal(cases, 9);
}

static void test_mackinnon_golden(void **state) {
    (void)state;
    FILE *f = fopen(QC_TEST_DIR "/golden/pairs_mackinnon.csv", "r");
    assert_non_null(f);
    char line[256], reg[8];
    assert_non_null(fgets(line, sizeof line, f));
    size_t cases = 0;
    while (fgets(line, sizeof line, f)) {
        double t, p;
        int ns;
        for (char *c = line; *c; c++)
            if (*c == ',') *c = ' ';
        assert_int_equal(sscanf(line, "%lf %7s %d %lf", &t, reg, &ns, &p), 4);
        double got = qc_mackinnon_p(t, reg[0] == 'c' ? QC_ADF_CONST : QC_ADF_NONE, ns);
        if (!(fabs(got - p) <= 1e-12)) fail_msg("mackinnon t=%g %s N=%d: %.17g vs %.17g", t, reg, ns, got, p);
        cases++;
    }
    fclose(f);
    assert_int_equal(cases, 828);
    assert_true(isnan(qc_mackinnon_p(NAN, QC_ADF_CONST, 1)));
    assert_true(isnan(qc_mackinnon_p(-3, QC_ADF_CONST, 7)));
}

static void test_kalman_golden(void **state) {
    (void)state;
    load_series();
    const double *x = col("px"), *y = col("py");
    FILE *f = fopen(QC_TEST_DIR "/golden/pairs_kalman.csv", "r");
    assert_non_null(f);
    char line[512];
    assert_non_null(fgets(line, sizeof line, f));
    qc_kalman_hedge k;
    qc_kalman_hedge_init(&k, 1e-4, 1e-3);
    for (size_t t = 0; t < NROW; t++) {
        assert_non_null(fgets(line, sizeof line, f));
        size_t tt;
        double b, a, e, q;
        for (char *c = line; *c; c++)
            if (*c == ',') *c = ' ';
        assert_int_equal(sscanf(line, "%zu %lf %lf %lf %lf", &tt, &b, &a, &e, &q), 5);
        qc_kalman_hedge_update(&k, x[t], y[t]);
        rel_close(k.beta, b, 1e-8, "kalman beta");
        rel_close(k.alpha, a, 1e-8, "kalman alpha");
        rel_close(k.e, e, 1e-8, "kalman e");
        rel_close(k.q, q, 1e-8, "kalman q");
    }
    fclose(f);
    assert_true(fabs(k.beta - 1.3) < 0.1);
}

/* xorshift + Box-Muller: test-local randomness */
static uint64_t g_rs = 88172645463325252ULL;
static double unif(void) {
    g_rs ^= g_rs << 13;
    g_rs ^= g_rs >> 7;
    g_rs ^= g_rs << 17;
    return ((double)(g_rs >> 11) + 0.5) / 9007199254740992.0;
}
static double gauss(void) { return sqrt(-2 * log(unif())) * cos(2 * 3.141592653589793 * unif()); }

static void test_half_life_and_ou(void **state) {
    (void)state;
    enum { N = 20000 };
    double *x = malloc(N * sizeof *x);
    assert_non_null(x);
    double phi = pow(0.5, 1.0 / 10.0); /* half-life 10 bars */
    x[0] = 2;
    for (size_t t = 1; t < N; t++) x[t] = 2 + phi * (x[t - 1] - 2) + 0.01 * gauss();
    double hl = qc_half_life(x, N);
    assert_true(hl > 9 && hl < 11);
    qc_ou_fit f;
    qc_ou_fit_ar1(x, N, 1.0, &f);
    assert_true(f.valid);
    assert_true(fabs(f.half_life - 10) < 1);
    assert_true(fabs(f.mu - 2) < 0.005);
    double sd_eq = 0.01 / sqrt(1 - phi * phi);
    assert_true(fabs(f.sigma_eq / sd_eq - 1) < 0.05);
    assert_true(fabs(f.sigma / (f.resid_sd * sqrt(2 * f.theta / (1 - f.phi * f.phi))) - 1) < 1e-12);
    assert_true(fabs(f.resid_sd / 0.01 - 1) < 0.05);
    /* a random walk has no half-life worth trading; a trending line has none at all */
    for (size_t t = 1; t < N; t++) x[t] = x[t - 1] + 0.01 * gauss();
    qc_ou_fit_ar1(x, 500, 1.0, &f);
    for (size_t t = 0; t < N; t++) x[t] = (double)t;
    assert_true(isinf(qc_half_life(x, 100)));
    qc_ou_fit_ar1(x, 100, 1.0, &f);
    assert_false(f.valid);
    free(x);
}

static void test_bad_input(void **state) {
    (void)state;
    double x[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, c[10] = {3, 3, 3, 3, 3, 3, 3, 3, 3, 3};
    qc_adf_result r;
    qc_eg_result e;
    qc_error err = {0};
    assert_int_equal(qc_adf(x, 3, NULL, &r, NULL, &err), QC_ERR_INPUT);
    assert_int_equal(qc_adf(c, 10, NULL, &r, NULL, &err), QC_ERR_INPUT);
    assert_non_null(strstr(err.msg, "constant"));
    qc_adf_opts o;
    qc_adf_opts_init(&o);
    o.maxlag = 8;
    assert_int_equal(qc_adf(x, 10, &o, &r, NULL, &err), QC_ERR_INPUT);
    x[4] = NAN;
    assert_int_equal(qc_adf(x, 10, NULL, &r, NULL, &err), QC_ERR_INPUT);
    assert_non_null(strstr(err.msg, "not finite"));
    x[4] = 5;
    assert_int_equal(qc_coint_eg(x, c, 10, &e, NULL, &err), QC_ERR_INPUT);
    double y[10];
    for (int i = 0; i < 10; i++) y[i] = 2 * x[i] + 1;
    assert_int_equal(qc_coint_eg(y, x, 10, &e, NULL, &err), QC_ERR_INPUT);
    assert_non_null(strstr(err.msg, "collinear"));
    assert_true(isnan(qc_corr(x, c, 10)));
    assert_true(fabs(qc_corr(x, y, 10) - 1) < 1e-12);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_adf_golden),     cmocka_unit_test(test_coint_golden),
        cmocka_unit_test(test_mackinnon_golden), cmocka_unit_test(test_kalman_golden),
        cmocka_unit_test(test_half_life_and_ou), cmocka_unit_test(test_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
