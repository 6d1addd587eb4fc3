/* test_portfolio.c: src/portfolio on real returns (fPortfolio's LPP2005 and SMALLCAP data sets):
 * mean-variance weights against quadprog, min-CVaR against Rglpk (tests/golden/gen_portfolio.R),
 * covariance estimators, HRP tree/order/weights, ERC and IVP against numpy/scipy/pandas/sklearn
 * (gen_portfolio.py); sizing and rebalancing rules; every bad-input case ends in a named error with
 * the weights untouched (never NaN); and the Portfolio traps of the shared TRAPS.md (max Sharpe with
 * every mean below rf, HRP with bounds). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h> /* after the four headers it needs */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/calendar.h"
#include "core/time.h"
#include "portfolio/portfolio.h"

#define GOLDEN_DIR QC_TEST_DIR "/golden/"
#define MAXN 24
#define MAXT 400

/* ---- data --------------------------------------------------------------------------------------- */

typedef struct {
    size_t t, n;
    char names[MAXN][16];
    const char *pnames[MAXN];
    double r[MAXT * MAXN];
    double mu[MAXN], cov[MAXN * MAXN];
} dataset;

static dataset g_lpp, g_sc;

static void load_returns(const char *file, dataset *d) {
    if (d->t) return;
    FILE *f = fopen(file, "r");
    if (!f) fail_msg("cannot open %s", file);
    char line[4096];
    if (!fgets(line, sizeof line, f)) fail_msg("empty %s", file);
    char *tok = strtok(line, ",\r\n");
    while ((tok = strtok(NULL, ",\r\n"))) {
        snprintf(d->names[d->n], sizeof d->names[0], "%s", tok);
        d->pnames[d->n] = d->names[d->n];
        d->n++;
    }
    while (fgets(line, sizeof line, f)) {
        char *p = strchr(line, ',');
        for (size_t i = 0; p && i < d->n; i++) {
            d->r[d->t * d->n + i] = strtod(p + 1, &p);
        }
        d->t++;
    }
    fclose(f);
    qc_error err = {0};
    qc_port_mean(d->r, d->t, d->n, d->mu);
    if (qc_port_cov(d->r, d->t, d->n, QC_PORT_COV_SAMPLE, 0, d->cov, NULL, &err)) fail_msg("%s", err.msg);
}

static dataset *lpp(void) {
    load_returns(GOLDEN_DIR "lpp2005_returns.csv", &g_lpp);
    return &g_lpp;
}
static dataset *sc(void) {
    load_returns(GOLDEN_DIR "smallcap_returns.csv", &g_sc);
    return &g_sc;
}

typedef struct {
    char c[40], k[24];
    double v;
} grow;
static grow *g_rows;
static size_t g_nrows;

static void load_golden(const char *file) {
    FILE *f = fopen(file, "r");
    if (!f) fail_msg("cannot open %s", file);
    char line[256];
    while (fgets(line, sizeof line, f)) {
        grow g;
        if (sscanf(line, "%39[^,],%23[^,],%lf", g.c, g.k, &g.v) != 3) continue;
        g_rows = realloc(g_rows, (g_nrows + 1) * sizeof *g_rows);
        g_rows[g_nrows++] = g;
    }
    fclose(f);
}

static double gold(const char *c, const char *k) {
    if (!g_nrows) {
        load_golden(GOLDEN_DIR "portfolio_golden.csv");
        load_golden(GOLDEN_DIR "portfolio_golden_py.csv");
    }
    for (size_t i = 0; i < g_nrows; i++)
        if (strcmp(g_rows[i].c, c) == 0 && strcmp(g_rows[i].k, k) == 0) return g_rows[i].v;
    fail_msg("no golden %s/%s", c, k);
    return NAN;
}

static void check_weights(const dataset *d, const char *c, const double *w, double tol) {
    double sum = 0;
    for (size_t i = 0; i < d->n; i++) {
        double g = gold(c, d->names[i]);
        if (!(fabs(w[i] - g) <= tol)) fail_msg("%s %s: %.12g, golden %.12g (tol %g)", c, d->names[i], w[i], g, tol);
        sum += w[i];
    }
    if (fabs(sum - 1) > 1e-9) fail_msg("%s: weights sum to %.15g", c, sum);
    qc_port_stats s;
    qc_port_evaluate(d->n, d->mu, d->cov, 0, w, &s, NULL);
    /* risk figures to the accuracy the weight tolerance allows */
    double mabs = 0, smax = 0;
    for (size_t i = 0; i < d->n; i++) mabs += fabs(d->mu[i]), smax = fmax(smax, sqrt(d->cov[i * d->n + i]));
    if (fabs(s.ret - gold(c, "ret")) > tol * mabs + 1e-15)
        fail_msg("%s ret %.15g golden %.15g", c, s.ret, gold(c, "ret"));
    if (fabs(s.vol - gold(c, "vol")) > tol * smax * (double)d->n + 1e-15)
        fail_msg("%s vol %.15g golden %.15g", c, s.vol, gold(c, "vol"));
}

static qc_port_problem problem(const dataset *d, double lo, double hi) {
    qc_port_problem p = {.n = d->n, .mu = d->mu, .cov = d->cov, .names = d->pnames};
    qc_port_constraints_init(&p.c);
    p.c.lo = lo, p.c.hi = hi;
    return p;
}

/* ---- estimation --------------------------------------------------------------------------------- */

static void check_matrix(const dataset *d, const char *c, const double *m, double rtol) {
    char k[48];
    for (size_t i = 0; i < d->n; i++)
        for (size_t j = 0; j < d->n; j++) {
            snprintf(k, sizeof k, "c%zu_%zu", i, j);
            double g = gold(c, k), v = m[i * d->n + j];
            if (!(fabs(v - g) <= rtol * fabs(g) + 1e-20)) fail_msg("%s %s: %.17g, golden %.17g", c, k, v, g);
        }
}

static void test_covariances(void **state) {
    (void)state;
    dataset *sets[] = {lpp(), sc()};
    const char *tags[] = {"lpp", "sc"};
    for (size_t s = 0; s < 2; s++) {
        dataset *d = sets[s];
        double *cov = malloc(d->n * d->n * sizeof *cov), shrink;
        char c[40];
        qc_error err = {0};
        snprintf(c, sizeof c, "%s_cov_sample", tags[s]);
        check_matrix(d, c, d->cov, 1e-12);
        assert_int_equal(qc_port_cov(d->r, d->t, d->n, QC_PORT_COV_EWMA, 0.94, cov, &shrink, &err), QC_OK);
        snprintf(c, sizeof c, "%s_cov_ewma", tags[s]);
        check_matrix(d, c, cov, 1e-9);
        assert_int_equal(qc_port_cov(d->r, d->t, d->n, QC_PORT_COV_LW_ID, 0, cov, &shrink, &err), QC_OK);
        snprintf(c, sizeof c, "%s_cov_lw_id", tags[s]);
        check_matrix(d, c, cov, 1e-10);
        assert_true(fabs(shrink - gold(c, "shrinkage")) < 1e-12);
        assert_int_equal(qc_port_cov(d->r, d->t, d->n, QC_PORT_COV_LW_CC, 0, cov, &shrink, &err), QC_OK);
        snprintf(c, sizeof c, "%s_cov_lw_cc", tags[s]);
        check_matrix(d, c, cov, 1e-10);
        assert_true(fabs(shrink - gold(c, "shrinkage")) < 1e-12);
        assert_true(shrink > 0 && shrink < 1);
        free(cov);
    }
}

static void test_pd_check_and_repair(void **state) {
    (void)state;
    /* a correlation "matrix" with inconsistent pairs: not PSD */
    double m[9] = {1, 0.9, -0.9, 0.9, 1, 0.9, -0.9, 0.9, 1}, ev;
    qc_error err = {0};
    assert_int_equal(qc_port_cov_check(m, 3, NULL, &err), QC_ERR_INPUT);
    assert_non_null(strstr(err.msg, "not positive definite"));
    assert_int_equal(qc_port_min_eigen(m, 3, &ev, &err), QC_OK);
    assert_true(ev < 0);
    int changed = 0;
    assert_int_equal(qc_port_cov_repair(m, 3, 1e-8, &changed, &err), QC_OK);
    assert_true(changed);
    assert_int_equal(qc_port_min_eigen(m, 3, &ev, &err), QC_OK);
    assert_true(ev > 0);
    assert_int_equal(qc_port_cov_check(m, 3, NULL, &err), QC_OK);
}

/* ---- mean-variance ---------------------------------------------------------------------------- */

static void test_minvar(void **state) {
    (void)state;
    dataset *d = lpp();
    double w[MAXN];
    qc_error err = {0};
    qc_port_problem p = problem(d, 0, 1);
    assert_int_equal(qc_port_min_variance(&p, w, &err), QC_OK);
    check_weights(d, "lpp_minvar_long", w, 1e-6);
    p = problem(d, -INFINITY, INFINITY);
    assert_int_equal(qc_port_min_variance(&p, w, &err), QC_OK);
    check_weights(d, "lpp_minvar_short", w, 1e-6);
    p = problem(d, 0.05, 0.4);
    assert_int_equal(qc_port_min_variance(&p, w, &err), QC_OK);
    check_weights(d, "lpp_minvar_box", w, 1e-6);
    p = problem(d, 0, 1);
    int grp[6] = {0, 1, -1, 0, 1, -1};
    double glo[2] = {-INFINITY, 0.2}, ghi[2] = {0.6, INFINITY};
    p.c.n_groups = 2, p.c.group = grp, p.c.group_lo = glo, p.c.group_hi = ghi;
    assert_int_equal(qc_port_min_variance(&p, w, &err), QC_OK);
    check_weights(d, "lpp_minvar_groups", w, 1e-6);
    p = problem(d, 0, 1);
    double w0[6] = {1. / 6, 1. / 6, 1. / 6, 1. / 6, 1. / 6, 1. / 6}, turn = 0;
    p.c.w0 = w0, p.c.max_turnover = 0.3;
    assert_int_equal(qc_port_min_variance(&p, w, &err), QC_OK);
    check_weights(d, "lpp_minvar_turnover", w, 1e-6);
    for (size_t i = 0; i < 6; i++) turn += fabs(w[i] - w0[i]);
    if (!(turn <= 0.3 + 1e-9)) fail_msg("turnover %.15g", turn);
    dataset *s = sc();
    p = problem(s, 0, 1);
    assert_int_equal(qc_port_min_variance(&p, w, &err), QC_OK);
    check_weights(s, "sc_minvar_long", w, 1e-6);
}

static void test_target_and_frontier(void **state) {
    (void)state;
    dataset *d = lpp();
    double w[MAXN];
    qc_error err = {0};
    qc_port_problem p = problem(d, 0, 1);
    assert_int_equal(qc_port_target_return(&p, gold("lpp_target_long", "target"), w, &err), QC_OK);
    check_weights(d, "lpp_target_long", w, 1e-6);
    double W[5 * MAXN], ret[5], vol[5];
    assert_int_equal(qc_port_frontier(&p, 5, W, ret, vol, &err), QC_OK);
    for (size_t k = 0; k < 5; k++) {
        char c[32];
        snprintf(c, sizeof c, "lpp_frontier_%zu", k);
        check_weights(d, c, W + k * d->n, 1e-6);
        if (k) assert_true(vol[k] > vol[k - 1] && ret[k] > ret[k - 1]);
    }
    /* target risk at a frontier point's volatility gives that point back */
    assert_int_equal(qc_port_target_risk(&p, gold("lpp_frontier_2", "vol"), w, &err), QC_OK);
    check_weights(d, "lpp_frontier_2", w, 1e-6);
    /* a risk budget above the riskiest frontier point: the max-return portfolio */
    assert_int_equal(qc_port_target_risk(&p, 1.0, w, &err), QC_OK);
    check_weights(d, "lpp_frontier_4", w, 1e-9);
}

static void test_max_sharpe(void **state) {
    (void)state;
    dataset *d = lpp();
    double w[MAXN];
    qc_error err = {0};
    qc_port_problem p = problem(d, 0, 1);
    assert_int_equal(qc_port_max_sharpe(&p, w, &err), QC_OK);
    check_weights(d, "lpp_maxsharpe_long", w, 1e-6);
    p = problem(d, 0, 0.3);
    p.rf = gold("lpp_maxsharpe_rf_capped", "rf");
    assert_int_equal(qc_port_max_sharpe(&p, w, &err), QC_OK);
    check_weights(d, "lpp_maxsharpe_rf_capped", w, 1e-6);
    dataset *s = sc();
    p = problem(s, 0, 1);
    assert_int_equal(qc_port_max_sharpe(&p, w, &err), QC_OK);
    check_weights(s, "sc_maxsharpe_long", w, 1e-6);
}

/* ---- risk-based ------------------------------------------------------------------------------- */

static void test_hrp(void **state) {
    (void)state;
    dataset *sets[] = {lpp(), sc()};
    const char *tags[] = {"lpp", "sc"};
    for (size_t s = 0; s < 2; s++) {
        dataset *d = sets[s];
        double w[MAXN], z[4 * MAXN];
        size_t order[MAXN];
        char c[40], k[48];
        qc_error err = {0};
        assert_int_equal(qc_port_hrp(d->cov, d->n, NULL, NULL, w, order, &err), QC_OK);
        snprintf(c, sizeof c, "%s_hrp", tags[s]);
        for (size_t i = 0; i < d->n; i++) assert_true(fabs(w[i] - gold(c, d->names[i])) < 1e-12);
        snprintf(c, sizeof c, "%s_hrp_order", tags[s]);
        for (size_t i = 0; i < d->n; i++) {
            snprintf(k, sizeof k, "%zu", i);
            assert_int_equal(order[i], (size_t)gold(c, k));
        }
        assert_int_equal(qc_port_single_linkage(d->cov, d->n, z, &err), QC_OK);
        snprintf(c, sizeof c, "%s_hrp_tree", tags[s]);
        for (size_t m = 0; m + 1 < d->n; m++) {
            snprintf(k, sizeof k, "a%zu", m);
            assert_int_equal((size_t)z[4 * m], (size_t)gold(c, k));
            snprintf(k, sizeof k, "b%zu", m);
            assert_int_equal((size_t)z[4 * m + 1], (size_t)gold(c, k));
            snprintf(k, sizeof k, "d%zu", m);
            assert_true(fabs(z[4 * m + 2] - gold(c, k)) < 1e-14);
        }
    }
}

/* TRAPS.md: HRP with weight bounds that violates them (skfolio #141) */
static void test_hrp_respects_bounds(void **state) {
    (void)state;
    dataset *d = sc();
    double lo[MAXN], hi[MAXN], w[MAXN], sum = 0;
    qc_error err = {0};
    for (size_t i = 0; i < d->n; i++) lo[i] = 0.02, hi[i] = 0.08;
    assert_int_equal(qc_port_hrp(d->cov, d->n, lo, hi, w, NULL, &err), QC_OK);
    for (size_t i = 0; i < d->n; i++) {
        assert_true(w[i] >= 0.02 - 1e-12 && w[i] <= 0.08 + 1e-12);
        sum += w[i];
    }
    assert_true(fabs(sum - 1) < 1e-12);
    /* unbounded HRP on this data leaves some asset outside [0.02, 0.08]: the bounds did work */
    double wu[MAXN];
    int outside = 0;
    assert_int_equal(qc_port_hrp(d->cov, d->n, NULL, NULL, wu, NULL, &err), QC_OK);
    for (size_t i = 0; i < d->n; i++) outside |= wu[i] < 0.02 || wu[i] > 0.08;
    assert_true(outside);
    for (size_t i = 0; i < d->n; i++) lo[i] = 0.06;
    double keep = w[0];
    assert_int_equal(qc_port_hrp(d->cov, d->n, lo, hi, w, NULL, &err), QC_ERR_INPUT);
    assert_non_null(strstr(err.msg, "infeasible"));
    assert_true(w[0] == keep);
}

static void test_erc_ivp(void **state) {
    (void)state;
    dataset *sets[] = {lpp(), sc()};
    const char *tags[] = {"lpp", "sc"};
    for (size_t s = 0; s < 2; s++) {
        dataset *d = sets[s];
        double w[MAXN], rc[MAXN];
        char c[40];
        qc_error err = {0};
        assert_int_equal(qc_port_erc(d->cov, d->n, NULL, w, &err), QC_OK);
        snprintf(c, sizeof c, "%s_erc", tags[s]);
        for (size_t i = 0; i < d->n; i++)
            if (!(fabs(w[i] - gold(c, d->names[i])) < 1e-9)) fail_msg("%s %s %.15g golden %.15g", c, d->names[i], w[i], gold(c, d->names[i]));
        qc_port_stats st;
        qc_port_evaluate(d->n, d->mu, d->cov, 0, w, &st, rc);
        for (size_t i = 0; i < d->n; i++) assert_true(fabs(rc[i] - 1.0 / (double)d->n) < 1e-12);
        assert_int_equal(qc_port_inverse_vol(d->cov, d->n, 1, w, &err), QC_OK);
        snprintf(c, sizeof c, "%s_ivp", tags[s]);
        for (size_t i = 0; i < d->n; i++) assert_true(fabs(w[i] - gold(c, d->names[i])) < 1e-14);
    }
    /* risk budgets: contributions follow them */
    dataset *d = lpp();
    double b[6] = {1, 2, 3, 1, 2, 3}, w[6], rc[6];
    qc_error err = {0};
    assert_int_equal(qc_port_erc(d->cov, 6, b, w, &err), QC_OK);
    qc_port_stats st;
    qc_port_evaluate(6, d->mu, d->cov, 0, w, &st, rc);
    for (size_t i = 0; i < 6; i++) assert_true(fabs(rc[i] - b[i] / 12) < 1e-12);
}

/* ---- CVaR --------------------------------------------------------------------------------------- */

static void test_min_cvar(void **state) {
    (void)state;
    dataset *d = lpp();
    double w[MAXN], var, cvar;
    qc_error err = {0};
    qc_port_constraints c;
    qc_port_constraints_init(&c);
    c.lo = 0, c.hi = 1;
    assert_int_equal(qc_port_min_cvar(d->r, d->t, d->n, 0.95, &c, NAN, w, &var, &cvar, &err), QC_OK);
    check_weights(d, "lpp_cvar95_long", w, 1e-6);
    assert_true(fabs(cvar - gold("lpp_cvar95_long", "cvar")) < 1e-12);
    double t = gold("lpp_cvar95_target", "target");
    assert_int_equal(qc_port_min_cvar(d->r, d->t, d->n, 0.95, &c, t, w, &var, &cvar, &err), QC_OK);
    check_weights(d, "lpp_cvar95_target", w, 1e-6);
    assert_true(fabs(cvar - gold("lpp_cvar95_target", "cvar")) < 1e-12);
    /* the definition on a tiny case: losses 1..20, alpha 0.9: VaR = 18th loss, CVaR = mean of 19, 20 */
    double r[20], one = 1;
    for (size_t i = 0; i < 20; i++) r[i] = -(double)(i + 1);
    qc_port_cvar_of(r, 20, 1, 0.9, &one, &var, &cvar);
    assert_true(var == 18 && fabs(cvar - 19.5) < 1e-12);
}

/* ---- bad input ---------------------------------------------------------------------------------- */

#define SENTINEL 7.0
static void fill(double *w, size_t n) {
    for (size_t i = 0; i < n; i++) w[i] = SENTINEL;
}
static void untouched(const double *w, size_t n) {
    for (size_t i = 0; i < n; i++) assert_true(w[i] == SENTINEL);
}
#define EXPECT_ERR(call, text)                                                                           \
    do {                                                                                                 \
        qc_error e_ = {0};                                                                               \
        qc_error *err = &e_;                                                                             \
        qc_err rc_ = (call);                                                                             \
        if (rc_ != QC_ERR_INPUT) fail_msg("%s: rc %d (%s)", #call, rc_, e_.msg);                         \
        if (!strstr(e_.msg, text)) fail_msg("%s: message '%s' lacks '%s'", #call, e_.msg, text);         \
    } while (0)

static void test_bad_input(void **state) {
    (void)state;
    dataset *d = lpp();
    double w[MAXN], cov[MAXN * MAXN], r[MAXT * 7];
    /* a duplicated column: singular covariance, named */
    for (size_t s = 0; s < d->t; s++) {
        memcpy(r + s * 7, d->r + s * 6, 6 * sizeof(double));
        r[s * 7 + 6] = d->r[s * 6 + 1];
    }
    qc_error e = {0};
    assert_int_equal(qc_port_cov(r, d->t, 7, QC_PORT_COV_SAMPLE, 0, cov, NULL, &e), QC_OK);
    const char *names7[7] = {"SBI", "SPI", "SII", "LMI", "MPI", "ALT", "SPI2"};
    qc_port_problem p = {.n = 7, .mu = d->mu, .cov = cov, .names = names7};
    double mu7[7];
    qc_port_mean(r, d->t, 7, mu7);
    p.mu = mu7;
    qc_port_constraints_init(&p.c);
    p.c.lo = 0, p.c.hi = 1;
    fill(w, 7);
    EXPECT_ERR(qc_port_min_variance(&p, w, err), "'SPI' and 'SPI2' are perfectly correlated");
    EXPECT_ERR(qc_port_max_sharpe(&p, w, err), "singular covariance");
    EXPECT_ERR(qc_port_erc(cov, 7, NULL, w, err), "singular covariance");
    EXPECT_ERR(qc_port_kelly(mu7, cov, 7, 0, 1, w, err), "singular covariance");
    /* a zero-variance column */
    for (size_t s = 0; s < d->t; s++) r[s * 7 + 6] = 0.001;
    assert_int_equal(qc_port_cov(r, d->t, 7, QC_PORT_COV_SAMPLE, 0, cov, NULL, &e), QC_OK);
    EXPECT_ERR(qc_port_min_variance(&p, w, err), "'SPI2' has zero");
    EXPECT_ERR(qc_port_hrp(cov, 7, NULL, NULL, w, NULL, err), "zero");
    EXPECT_ERR(qc_port_inverse_vol(cov, 7, 1, w, err), "zero");
    untouched(w, 7);
    /* fewer observations than assets */
    EXPECT_ERR(qc_port_cov(d->r, 5, 6, QC_PORT_COV_SAMPLE, 0, cov, NULL, err), "fewer observations than assets");
    EXPECT_ERR(qc_port_cov(d->r, 6, 6, QC_PORT_COV_EWMA, 0.94, cov, NULL, err), "fewer observations than assets");
    assert_int_equal(qc_port_cov(d->r, 5, 6, QC_PORT_COV_LW_ID, 0, cov, NULL, &e), QC_OK); /* shrinkage copes */
    /* infeasible constraints: bounds, groups */
    qc_port_problem q = problem(d, 0.2, 1);
    fill(w, 6);
    EXPECT_ERR(qc_port_min_variance(&q, w, err), "infeasible constraints");
    EXPECT_ERR(qc_port_max_sharpe(&q, w, err), "infeasible constraints");
    EXPECT_ERR(qc_port_min_cvar(d->r, d->t, 6, 0.95, &q.c, NAN, w, NULL, NULL, err), "infeasible constraints");
    q = problem(d, 0, 1);
    int grp[6] = {0, 0, 0, 1, 1, 1};
    double glo[2] = {0.6, 0.6}, ghi[2] = {1, 1};
    q.c.n_groups = 2, q.c.group = grp, q.c.group_lo = glo, q.c.group_hi = ghi;
    EXPECT_ERR(qc_port_min_variance(&q, w, err), "infeasible constraints");
    EXPECT_ERR(qc_port_max_sharpe(&q, w, err), "infeasible constraints");
    EXPECT_ERR(qc_port_min_cvar(d->r, d->t, 6, 0.95, &q.c, NAN, w, NULL, NULL, err), "infeasible constraints");
    /* target return above the attainable maximum; target risk below the minimum */
    q = problem(d, 0, 1);
    EXPECT_ERR(qc_port_target_return(&q, 0.01, w, err), "above the attainable maximum");
    EXPECT_ERR(qc_port_min_cvar(d->r, d->t, 6, 0.95, &q.c, 0.01, w, NULL, NULL, err), "target return");
    /* a feasible set of one point (bounds summing to exactly 1) whose return misses the target by
     * far more than a solver tolerance: refused (the primal simplex once returned the point) */
    {
        q = problem(d, 0, 1.0 / 6);
        double eq = 0;
        for (size_t i = 0; i < 6; i++) eq += d->mu[i] / 6;
        EXPECT_ERR(qc_port_min_cvar(d->r, d->t, 6, 0.95, &q.c, eq + 1e-4, w, NULL, NULL, err), "target return");
        assert_int_equal(qc_port_min_cvar(d->r, d->t, 6, 0.95, &q.c, eq - 1e-4, w, NULL, NULL, &e), QC_OK);
        for (size_t i = 0; i < 6; i++) assert_true(fabs(w[i] - 1.0 / 6) < 1e-12);
        fill(w, 6);
    }
    EXPECT_ERR(qc_port_target_risk(&q, 1e-5, w, err), "below the minimum attainable volatility");
    /* TRAPS.md: max Sharpe when no asset beats rf (PyPortfolioOpt #88): said in words */
    q.rf = 0.01;
    EXPECT_ERR(qc_port_max_sharpe(&q, w, err), "no feasible portfolio's expected return exceeds the risk-free rate");
    untouched(w, 6);
}

/* ---- sizing and rebalancing ------------------------------------------------------------------- */

static void test_sizing(void **state) {
    (void)state;
    assert_true(fabs(qc_port_kelly_single(0.05, 0.04, 0.01, 1) - 1.0) < 1e-15);
    assert_true(fabs(qc_port_kelly_single(0.05, 0.04, 0.01, 0.5) - 0.5) < 1e-15);
    assert_true(fabs(qc_port_kelly_binary(0.6, 1, 1) - 0.2) < 1e-15);
    assert_true(fabs(qc_port_kelly_binary(0.5, 2, 0.5) - 0.125) < 1e-15);
    dataset *d = lpp();
    double w[6], sw[6];
    qc_error err = {0};
    assert_int_equal(qc_port_kelly(d->mu, d->cov, 6, 0, 0.5, w, &err), QC_OK);
    for (size_t i = 0; i < 6; i++) {
        sw[i] = 0;
        for (size_t j = 0; j < 6; j++) sw[i] += d->cov[i * 6 + j] * w[j];
        assert_true(fabs(sw[i] - 0.5 * d->mu[i]) < 1e-12 * fabs(d->mu[i]) + 1e-16);
    }
    assert_true(qc_port_vol_target_scale(0.2, 0.1, 2) == 0.5);
    assert_true(qc_port_vol_target_scale(0.02, 0.1, 2) == 2);
    assert_true(qc_port_vol_target_scale(0, 0.1, 2) == 0);
    double e[6] = {1. / 6, 1. / 6, 1. / 6, 1. / 6, 1. / 6, 1. / 6};
    qc_port_vol_target(d->cov, 6, 0.001, 10, e);
    qc_port_stats st;
    qc_port_evaluate(6, d->mu, d->cov, 0, e, &st, NULL);
    assert_true(fabs(st.vol - 0.001) < 1e-15);
}

static int64_t close_of(const qc_calendar *cal, int y, int m, int dd) {
    int64_t o, c;
    assert_true(qc_calendar_session(cal, qc_days_from_civil(y, m, dd), &o, &c));
    return c;
}

static double flat_cost(void *ctx, size_t asset, double qty, double price) {
    (void)asset;
    return *(double *)ctx * fabs(qty) * price;
}

static void test_rebalancing(void **state) {
    (void)state;
    qc_error err = {0};
    const qc_calendar *cal = qc_calendar_get("NYSE", &err);
    assert_non_null(cal);
    /* 2024-03-28 Thu; 03-29 Good Friday (closed); 04-01 Mon starts a week, a month and a quarter */
    int64_t thu = close_of(cal, 2024, 3, 28), mon = close_of(cal, 2024, 4, 1), tue = close_of(cal, 2024, 4, 2);
    assert_true(qc_port_is_rebalance(cal, QC_PORT_MONTHLY, QC_TS_NONE, thu));
    assert_true(qc_port_is_rebalance(cal, QC_PORT_MONTHLY, thu, mon));
    assert_true(qc_port_is_rebalance(cal, QC_PORT_QUARTERLY, thu, mon));
    assert_true(qc_port_is_rebalance(cal, QC_PORT_WEEKLY, thu, mon));
    assert_false(qc_port_is_rebalance(cal, QC_PORT_WEEKLY, mon, tue));
    assert_false(qc_port_is_rebalance(cal, QC_PORT_MONTHLY, mon, tue));
    assert_true(qc_port_is_rebalance(cal, QC_PORT_DAILY, mon, tue));
    /* 2024-05-31 Fri -> 06-03 Mon: new month, same quarter */
    int64_t fri = close_of(cal, 2024, 5, 31), mon2 = close_of(cal, 2024, 6, 3);
    assert_true(qc_port_is_rebalance(cal, QC_PORT_MONTHLY, fri, mon2));
    assert_false(qc_port_is_rebalance(cal, QC_PORT_QUARTERLY, fri, mon2));
    qc_port_schedule s;
    assert_int_equal(qc_port_schedule_parse("quarterly", &s, &err), QC_OK);
    assert_int_equal(s, QC_PORT_QUARTERLY);
    assert_int_equal(qc_port_schedule_parse("yearly", &s, &err), QC_ERR_INPUT);
    /* bands */
    double w[3] = {0.5, 0.3, 0.2}, t[3] = {0.45, 0.33, 0.22};
    assert_false(qc_port_band_breached(w, t, 3, 0.05, 0));
    assert_true(qc_port_band_breached(w, t, 3, 0.04, 0));
    assert_true(qc_port_band_breached(w, t, 3, 0, 0.1)); /* 0.05 > 0.1 * 0.45 */
    assert_false(qc_port_band_breached(w, t, 3, 0, 0.2));
    /* trades to targets at prices, 10 bps cost */
    double hold[3] = {10, 0, 5}, px[3] = {50, 20, 10}, qty[3], bps = 0.001, cost;
    qc_port_rebalance_trades(hold, t, px, 3, 1000, flat_cost, &bps, qty, &cost);
    assert_true(fabs(qty[0] - -1) < 1e-12 && fabs(qty[1] - 16.5) < 1e-12 && fabs(qty[2] - 17) < 1e-12);
    assert_true(fabs(cost - 0.001 * (50 + 330 + 170)) < 1e-12);
}

static void test_weights_entry(void **state) {
    (void)state;
    dataset *d = lpp();
    qc_port_spec sp;
    qc_port_spec_init(&sp);
    sp.c.lo = 0, sp.c.hi = 1;
    double w[6];
    qc_error err = {0};
    assert_int_equal(qc_port_weights(d->r, d->t, 6, &sp, d->pnames, w, &err), QC_OK);
    check_weights(d, "lpp_minvar_long", w, 1e-6);
    sp.method = QC_PORT_HRP;
    assert_int_equal(qc_port_weights(d->r, d->t, 6, &sp, d->pnames, w, &err), QC_OK);
    assert_true(fabs(w[0] - gold("lpp_hrp", "SBI")) < 1e-12);
    sp.method = QC_PORT_CVAR;
    assert_int_equal(qc_port_weights(d->r, d->t, 6, &sp, d->pnames, w, &err), QC_OK);
    check_weights(d, "lpp_cvar95_long", w, 1e-6);
    qc_port_method m;
    assert_int_equal(qc_port_method_parse("erc", &m, &err), QC_OK);
    assert_int_equal(m, QC_PORT_ERC);
    assert_int_equal(qc_port_method_parse("best", &m, &err), QC_ERR_INPUT);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_covariances),    cmocka_unit_test(test_pd_check_and_repair),
        cmocka_unit_test(test_minvar),         cmocka_unit_test(test_target_and_frontier),
        cmocka_unit_test(test_max_sharpe),     cmocka_unit_test(test_hrp),
        cmocka_unit_test(test_hrp_respects_bounds), cmocka_unit_test(test_erc_ivp),
        cmocka_unit_test(test_min_cvar),       cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_sizing),         cmocka_unit_test(test_rebalancing),
        cmocka_unit_test(test_weights_entry),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    free(g_rows);
    return rc;
}
