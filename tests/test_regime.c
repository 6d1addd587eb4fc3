/* test_regime.c: features/regime.c, the Gaussian HMM.
 * - the numpy golden (tests/golden/gen_hmm.py, an independent log-space implementation): forward
 *   log-likelihood, filtered and smoothed probabilities, Viterbi path and log probability for a
 *   fixed 3-state 2-feature model with diagonal and with full covariances, and three Baum-Welch
 *   steps from it (log-likelihood before each, parameters after the third);
 * - synthetic data drawn from known 2- and 3-state HMMs: the fit recovers the parameters and the
 *   Viterbi path recovers the states;
 * - no look-ahead: the filtered probabilities at bar t are bit-identical when every bar after t is
 *   changed; the streaming filter equals the batch filter bit for bit;
 * - model JSON: save/load round trip exact; malformed models refused with a clear message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "features/regime.h"

#define GOLDEN_DIR QC_TEST_DIR "/golden/"

static void near(double a, double b, double tol) {
    if (!(fabs(a - b) <= tol * fmax(1.0, fabs(b)))) fail_msg("%.17g != %.17g (tol %g)", a, b, tol);
}

static double *read_csv(const char *name, size_t cols, size_t *rows) {
    char path[512], line[4096];
    snprintf(path, sizeof path, GOLDEN_DIR "%s", name);
    FILE *f = fopen(path, "r");
    if (!f) fail_msg("cannot open %s", path);
    size_t cap = 1024, n = 0;
    double *v = malloc(cap * cols * sizeof *v);
    if (!fgets(line, sizeof line, f)) fail_msg("%s: empty", path);
    while (fgets(line, sizeof line, f)) {
        if (n == cap) v = realloc(v, (cap *= 2) * cols * sizeof *v);
        char *p = line;
        for (size_t c = 0; c < cols; c++) {
            char *end;
            v[n * cols + c] = strtod(p, &end);
            p = strchr(end, ',');
            p = p ? p + 1 : end;
        }
        n++;
    }
    fclose(f);
    *rows = n;
    return v;
}

static qc_hmm *load(const char *name) {
    char path[512];
    snprintf(path, sizeof path, GOLDEN_DIR "%s", name);
    qc_hmm *m;
    qc_error err = {0};
    if (qc_hmm_load(path, &m, &err)) fail_msg("%s", err.msg);
    return m;
}

/* cov,loglik,viterbi_logp,em_ll0,em_ll1,em_ll2 ; row 0 diag, row 1 full */
static void check_golden(const char *kind, size_t row) {
    size_t n, ns, ne;
    double *x = read_csv("hmm_data.csv", 2, &n);
    double *sc = read_csv("hmm_scalars.csv", 6, &ns);
    char name[64];
    snprintf(name, sizeof name, "hmm_eval_%s.csv", kind);
    double *ev = read_csv(name, 8, &ne); /* t,f0,f1,f2,s0,s1,s2,viterbi */
    assert_int_equal(n, 400), assert_int_equal(ne, 400);
    snprintf(name, sizeof name, "hmm_model_%s.json", kind);
    qc_hmm *m = load(name);
    assert_int_equal(m->cov, strcmp(kind, "full") == 0 ? QC_HMM_FULL : QC_HMM_DIAG);
    assert_string_equal(m->names[1], "x1");
    qc_error err = {0};
    double ll, *p = malloc(n * 3 * sizeof *p), vlp;
    int *path = malloc(n * sizeof *path);
    assert_int_equal(qc_hmm_loglik(m, x, n, &ll, &err), QC_OK);
    near(ll, sc[row * 6 + 1], 1e-12);
    assert_int_equal(qc_hmm_filter_batch(m, x, n, p, &ll, &err), QC_OK);
    near(ll, sc[row * 6 + 1], 1e-12);
    for (size_t t = 0; t < n; t++)
        for (size_t i = 0; i < 3; i++) near(p[t * 3 + i], ev[t * 8 + 1 + i], 1e-10);
    assert_int_equal(qc_hmm_smooth(m, x, n, p, NULL, &err), QC_OK);
    for (size_t t = 0; t < n; t++)
        for (size_t i = 0; i < 3; i++) near(p[t * 3 + i], ev[t * 8 + 4 + i], 1e-9);
    assert_int_equal(qc_hmm_viterbi(m, x, n, path, &vlp, &err), QC_OK);
    near(vlp, sc[row * 6 + 2], 1e-12);
    for (size_t t = 0; t < n; t++) assert_int_equal(path[t], (int)ev[t * 8 + 7]);
    /* three EM steps from the same model, variance floor 1e-4 */
    const double reg[2] = {1e-4, 1e-4};
    for (int s = 0; s < 3; s++) {
        assert_int_equal(qc_hmm_em_step(m, x, n, reg, &ll, &err), QC_OK);
        near(ll, sc[row * 6 + 3 + s], 1e-11);
    }
    snprintf(name, sizeof name, "hmm_em3_%s.json", kind);
    qc_hmm *g = load(name);
    size_t cw = m->cov == QC_HMM_FULL ? 4 : 2;
    for (size_t i = 0; i < 3; i++) {
        near(m->start[i], g->start[i], 1e-9);
        for (size_t j = 0; j < 3; j++) near(m->trans[i * 3 + j], g->trans[i * 3 + j], 1e-9);
        for (size_t j = 0; j < 2; j++) near(m->mean[i * 2 + j], g->mean[i * 2 + j], 1e-9);
        for (size_t j = 0; j < cw; j++) near(m->covar[i * cw + j], g->covar[i * cw + j], 1e-9);
    }
    qc_hmm_free(m), qc_hmm_free(g);
    free(x), free(sc), free(ev), free(p), free(path);
}

static void test_golden_diag(void **st) {
    (void)st;
    check_golden("diag", 0);
}

static void test_golden_full(void **st) {
    (void)st;
    check_golden("full", 1);
}

/* ---- synthetic -------------------------------------------------------------------------------------- */

static uint64_t g_rng = 0x2545F4914F6CDD1Dull;
static double urand(void) {
    g_rng ^= g_rng << 13, g_rng ^= g_rng >> 7, g_rng ^= g_rng << 17;
    return ((double)(g_rng >> 11) + 0.5) / 9007199254740992.0;
}
static double nrand(void) { return sqrt(-2 * log(urand())) * cos(6.283185307179586 * urand()); }

/* n bars from model `truth` (diag or full via its Cholesky factors); states into s. */
static void sample(const qc_hmm *truth, size_t n, double *x, int *s) {
    size_t k = truth->k, d = truth->d;
    int cur = 0;
    for (size_t t = 0; t < n; t++) {
        double u = urand(), acc = 0;
        const double *row = t ? truth->trans + (size_t)cur * k : truth->start;
        int nxt = (int)k - 1;
        for (size_t j = 0; j < k; j++)
            if (u < (acc += row[j])) {
                nxt = (int)j;
                break;
            }
        cur = nxt, s[t] = cur;
        double z[QC_HMM_MAX_DIMS];
        for (size_t j = 0; j < d; j++) z[j] = nrand();
        for (size_t r = 0; r < d; r++) {
            double v = truth->mean[(size_t)cur * d + r];
            if (truth->cov == QC_HMM_DIAG) v += z[r] / truth->chol[(size_t)cur * d + r];
            else
                for (size_t c = 0; c <= r; c++) v += truth->chol[(size_t)cur * d * d + r * d + c] * z[c];
            x[t * d + r] = v;
        }
    }
}

/* Two regimes of daily returns: calm (+0.05%, 0.7%) and stressed (-0.1%, 2%). */
static void test_recover_two_states(void **st) {
    (void)st;
    qc_hmm *truth;
    qc_error err = {0};
    assert_int_equal(qc_hmm_new(2, 1, QC_HMM_DIAG, &truth, &err), QC_OK);
    const double tr[4] = {0.98, 0.02, 0.05, 0.95};
    memcpy(truth->trans, tr, sizeof tr);
    truth->start[0] = 0, truth->start[1] = 1;
    truth->mean[0] = -0.001, truth->mean[1] = 0.0005;
    truth->covar[0] = 0.02 * 0.02, truth->covar[1] = 0.007 * 0.007;
    assert_int_equal(qc_hmm_prepare(truth, &err), QC_OK);
    size_t n = 5000;
    double *x = malloc(n * sizeof *x);
    int *s = malloc(n * sizeof *s), *path = malloc(n * sizeof *path);
    sample(truth, n, x, s);
    qc_hmm_fit_opts o;
    qc_hmm_fit_opts_init(&o);
    o.restarts = 4;
    qc_hmm *m;
    qc_hmm_fit_info info;
    assert_int_equal(qc_hmm_fit(x, n, 1, &o, &m, &info, &err), QC_OK);
    assert_int_equal(info.n_restarts, 4);
    for (size_t r = 0; r < 4; r++) assert_true(info.loglik >= info.restart_ll[r] - 1e-9);
    double ll_true;
    assert_int_equal(qc_hmm_loglik(truth, x, n, &ll_true, &err), QC_OK);
    assert_true(info.loglik >= ll_true - 1.0); /* the MLE is at least as likely as the truth */
    /* states sorted by mean: state 0 the stressed one */
    near(sqrt(m->covar[0]), 0.02, 0.1 * 0.02 / fmax(1, 0.02)), near(sqrt(m->covar[1]), 0.007, 0.1 * 0.007);
    near(m->trans[0], 0.98, 0.02), near(m->trans[3], 0.95, 0.03);
    assert_true(fabs(m->mean[1] - 0.0005) < 0.0005);
    assert_int_equal(qc_hmm_viterbi(m, x, n, path, NULL, &err), QC_OK);
    size_t ok = 0;
    for (size_t t = 0; t < n; t++) ok += path[t] == (s[t] == 0 ? 0 : 1);
    assert_true(ok > n * 92 / 100);
    assert_true(info.aic > -2 * info.loglik && info.bic > info.aic);
    qc_hmm_free(m), qc_hmm_free(truth);
    free(x), free(s), free(path);
}

/* Three states in two correlated features (full covariances). */
static void test_recover_three_states_full(void **st) {
    (void)st;
    qc_hmm *truth;
    qc_error err = {0};
    assert_int_equal(qc_hmm_new(3, 2, QC_HMM_FULL, &truth, &err), QC_OK);
    const double tr[9] = {0.95, 0.04, 0.01, 0.03, 0.94, 0.03, 0.02, 0.04, 0.94};
    memcpy(truth->trans, tr, sizeof tr);
    truth->start[0] = truth->start[1] = truth->start[2] = 1.0 / 3;
    const double mu[6] = {-2, 1, 0, 0, 2, -1};
    const double cv[12] = {0.5, 0.2, 0.2, 0.4, 0.3, -0.1, -0.1, 0.3, 0.6, 0.3, 0.3, 0.5};
    memcpy(truth->mean, mu, sizeof mu), memcpy(truth->covar, cv, sizeof cv);
    assert_int_equal(qc_hmm_prepare(truth, &err), QC_OK);
    size_t n = 4000;
    double *x = malloc(n * 2 * sizeof *x);
    int *s = malloc(n * sizeof *s), *path = malloc(n * sizeof *path);
    sample(truth, n, x, s);
    qc_hmm_fit_opts o;
    qc_hmm_fit_opts_init(&o);
    o.k = 3, o.cov = QC_HMM_FULL, o.restarts = 3;
    qc_hmm *m;
    qc_hmm_fit_info info;
    assert_int_equal(qc_hmm_fit(x, n, 2, &o, &m, &info, &err), QC_OK);
    for (size_t i = 0; i < 6; i++) assert_true(fabs(m->mean[i] - mu[i]) < 0.08);
    for (size_t i = 0; i < 12; i++) assert_true(fabs(m->covar[i] - cv[i]) < 0.08);
    for (size_t i = 0; i < 9; i++) assert_true(fabs(m->trans[i] - tr[i]) < 0.03);
    assert_int_equal(qc_hmm_viterbi(m, x, n, path, NULL, &err), QC_OK);
    size_t ok = 0;
    for (size_t t = 0; t < n; t++) ok += path[t] == s[t];
    assert_true(ok > n * 97 / 100);
    qc_hmm_free(m), qc_hmm_free(truth);
    free(x), free(s), free(path);
}

/* ---- no look-ahead ----------------------------------------------------------------------------------- */

static void test_filter_no_lookahead(void **st) {
    (void)st;
    size_t n;
    double *x = read_csv("hmm_data.csv", 2, &n);
    qc_hmm *m = load("hmm_model_full.json");
    qc_error err = {0};
    double *p = malloc(n * 3 * sizeof *p), *q = malloc(n * 3 * sizeof *q), *y = malloc(n * 2 * sizeof *y);
    assert_int_equal(qc_hmm_filter_batch(m, x, n, p, NULL, &err), QC_OK);
    for (size_t cut = 1; cut < n; cut += 37) {
        memcpy(y, x, n * 2 * sizeof *y);
        for (size_t t = cut; t < n; t++) y[t * 2] = -y[t * 2] * 3 + 1, y[t * 2 + 1] += 5;
        assert_int_equal(qc_hmm_filter_batch(m, y, n, q, NULL, &err), QC_OK);
        assert_memory_equal(p, q, cut * 3 * sizeof *p);             /* bars before cut: identical */
        assert_true(memcmp(p + cut * 3, q + cut * 3, 3 * sizeof *p) != 0); /* the changed bar moves */
    }
    /* streaming == batch, bit for bit, and the running log-likelihood too */
    qc_hmm_filter *f;
    assert_int_equal(qc_hmm_filter_new(m, &f, &err), QC_OK);
    double ll_batch, prob[3];
    assert_int_equal(qc_hmm_filter_batch(m, x, n, p, &ll_batch, &err), QC_OK);
    for (size_t t = 0; t < n; t++) {
        qc_hmm_filter_update(f, x + t * 2, prob);
        assert_memory_equal(prob, p + t * 3, sizeof prob);
    }
    assert_true(qc_hmm_filter_loglik(f) == ll_batch);
    assert_int_equal(qc_hmm_filter_count(f), n);
    qc_hmm_filter_reset(f);
    qc_hmm_filter_update(f, x, prob);
    assert_memory_equal(prob, p, sizeof prob);
    qc_hmm_filter_free(f);
    qc_hmm_free(m);
    free(x), free(p), free(q), free(y);
}

/* ---- JSON ------------------------------------------------------------------------------------------ */

static void test_json_roundtrip(void **st) {
    (void)st;
    const char *kinds[2] = {"hmm_em3_diag.json", "hmm_em3_full.json"};
    for (int k = 0; k < 2; k++) {
        qc_hmm *m = load(kinds[k]), *r;
        char *text;
        qc_error err = {0};
        assert_int_equal(qc_hmm_to_json(m, -12.5, &text, &err), QC_OK);
        assert_non_null(strstr(text, "\"log_likelihood\":\t-12.5"));
        assert_int_equal(qc_hmm_from_json(text, strlen(text), &r, &err), QC_OK);
        size_t cw = m->cov == QC_HMM_FULL ? m->d * m->d : m->d;
        assert_memory_equal(m->start, r->start, m->k * sizeof(double));
        assert_memory_equal(m->trans, r->trans, m->k * m->k * sizeof(double));
        assert_memory_equal(m->mean, r->mean, m->k * m->d * sizeof(double));
        assert_memory_equal(m->covar, r->covar, m->k * cw * sizeof(double));
        assert_string_equal(r->names[0], "x0");
        free(text);
        qc_hmm_free(m), qc_hmm_free(r);
    }
}

static void expect_bad(const char *json, const char *msg) {
    qc_hmm *m = (qc_hmm *)1;
    qc_error err = {0};
    assert_int_equal(qc_hmm_from_json(json, strlen(json), &m, &err), QC_ERR_INPUT);
    assert_null(m);
    if (!strstr(err.msg, msg)) fail_msg("'%s' does not say '%s'", err.msg, msg);
}

#define HDR "{\"model\":\"quantcli-hmm\",\"version\":1,\"states\":2,\"dims\":1,"
static void test_json_bad(void **st) {
    (void)st;
    expect_bad("{", "not valid JSON");
    expect_bad("[1,2]", "not a quantcli-hmm model");
    expect_bad("{\"model\":\"quantcli-hmm\",\"version\":2}", "unsupported version");
    expect_bad(HDR "\"covariance\":\"tied\"}", "'covariance' must be");
    expect_bad("{\"model\":\"quantcli-hmm\",\"version\":1,\"states\":0,\"dims\":1}", "'states' must be");
    expect_bad("{\"model\":\"quantcli-hmm\",\"version\":1,\"states\":2.5,\"dims\":1}", "'states' must be");
    expect_bad("{\"model\":\"quantcli-hmm\",\"version\":1,\"states\":99,\"dims\":1}", "'states' must be");
    expect_bad(HDR "\"covariance\":\"diag\",\"start\":[1]}", "'start' must be an array of 2");
    expect_bad(HDR "\"covariance\":\"diag\",\"start\":[0.5,0.5],\"transition\":[[1,0],[0.5,0.6]],"
                   "\"means\":[[0],[1]],\"covars\":[[1],[1]]}",
               "transition row 1 sums to");
    expect_bad(HDR "\"covariance\":\"diag\",\"start\":[0.5,0.5],\"transition\":[[1,0],[0.5,0.5]],"
                   "\"means\":[[0],[\"a\"]],\"covars\":[[1],[1]]}",
               "'means' entry 0 is not a finite number");
    expect_bad(HDR "\"covariance\":\"diag\",\"start\":[0.5,0.5],\"transition\":[[1,0],[0.5,0.5]],"
                   "\"means\":[[0],[1]],\"covars\":[[1],[-1]]}",
               "variance 0 is -1");
    expect_bad("{\"model\":\"quantcli-hmm\",\"version\":1,\"states\":1,\"dims\":2,\"covariance\":\"full\","
               "\"start\":[1],\"transition\":[[1]],\"means\":[[0,0]],\"covars\":[[[1,2],[2,1]]]}",
               "not positive definite");
    expect_bad("{\"model\":\"quantcli-hmm\",\"version\":1,\"states\":1,\"dims\":2,\"covariance\":\"full\","
               "\"start\":[1],\"transition\":[[1]],\"means\":[[0,0]],\"covars\":[[[1,0.5],[0.2,1]]]}",
               "not symmetric");
    expect_bad(HDR "\"covariance\":\"diag\",\"start\":[0.5,0.5],\"transition\":[[1,0],[0.5,0.5]],"
                   "\"means\":[[0],[1]],\"covars\":[[1],[1]],\"features\":[1]}",
               "feature name 0 must be a string");
    qc_hmm *m;
    qc_error err = {0};
    assert_int_equal(qc_hmm_load("/nonexistent/m.json", &m, &err), QC_ERR_INPUT);
    assert_non_null(strstr(err.msg, "cannot open"));
}

/* A start or transition mass so small (subnormal) that 1 / the step's normaliser overflows: the
 * filter and the smoother still give probabilities (found by fuzz_hmm_model: NaN and inf). */
static void test_subnormal_mass(void **st) {
    (void)st;
    const char *json = HDR "\"covariance\":\"diag\",\"start\":[1,0],\"transition\":[[1,1e-316],[0,1]],"
                           "\"means\":[[0],[1e6]],\"covars\":[[1],[1]]}";
    qc_hmm *m;
    qc_error err = {0};
    assert_int_equal(qc_hmm_from_json(json, strlen(json), &m, &err), QC_OK);
    double x[2] = {0, 1e6}, p[4], ll;
    assert_int_equal(qc_hmm_filter_batch(m, x, 2, p, &ll, &err), QC_OK);
    near(p[0], 1, 1e-12), near(p[1], 0, 1e-12), near(p[2], 0, 1e-12), near(p[3], 1, 1e-12);
    assert_int_equal(qc_hmm_smooth(m, x, 2, p, &ll, &err), QC_OK);
    near(p[0], 1, 1e-12), near(p[1], 0, 1e-12), near(p[2], 0, 1e-12), near(p[3], 1, 1e-12);
    qc_hmm_free(m);
}

static void test_fit_bad_input(void **st) {
    (void)st;
    double x[6] = {1, 2, NAN, 4, 5, 6};
    qc_hmm_fit_opts o;
    qc_hmm_fit_opts_init(&o);
    qc_hmm *m;
    qc_hmm_fit_info info;
    qc_error err = {0};
    assert_int_equal(qc_hmm_fit(x, 6, 1, &o, &m, &info, &err), QC_ERR_INPUT);
    assert_non_null(strstr(err.msg, "bar 2"));
    x[2] = 3;
    o.k = 4;
    assert_int_equal(qc_hmm_fit(x, 6, 1, &o, &m, &info, &err), QC_ERR_INPUT);
    const double c[6] = {1, 1, 1, 1, 1, 1};
    o.k = 2;
    assert_int_equal(qc_hmm_fit(c, 6, 1, &o, &m, &info, &err), QC_ERR_INPUT);
    assert_non_null(strstr(err.msg, "constant"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden_diag),
        cmocka_unit_test(test_golden_full),
        cmocka_unit_test(test_recover_two_states),
        cmocka_unit_test(test_recover_three_states_full),
        cmocka_unit_test(test_filter_no_lookahead),
        cmocka_unit_test(test_json_roundtrip),
        cmocka_unit_test(test_json_bad),
        cmocka_unit_test(test_subnormal_mass),
        cmocka_unit_test(test_fit_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
