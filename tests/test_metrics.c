/* test_metrics.c: backtest/metrics.c. Every statistic against numpy/scipy/pandas goldens on a real
 * price series (TTR's ttrc, tests/golden/gen_metrics.py) at 1e-9 relative; Phi and its inverse
 * against scipy at 1e-14; the Deflated Sharpe Ratio paper's numerical example; and one regression
 * test per "Statistics" trap of the shared TRAPS.md (CAGR units, a first-period loss, an open or
 * touched drawdown, Sortino over all periods, rf per period, PSR from the reported Sharpe). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h> /* after the four headers it needs */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backtest/metrics.h"
#include "core/time.h"

#define GOLDEN_DIR QC_TEST_DIR "/golden/"
#define MAX_CLOSES 6000
#define MAX_ROWS 1200
#define GOLDEN_RTOL 1e-9

/* ---- helpers ---------------------------------------------------------------------------------- */

static int close_enough(double got, double want, double rtol) {
    if (isnan(want)) return isnan(got);
    if (isinf(want)) return got == want;
    return fabs(got - want) <= rtol * fabs(want) + 1e-300;
}

#define ASSERT_NEAR(got, want, rtol)                                                                     \
    do {                                                                                                 \
        double g_ = (got), w_ = (want);                                                                  \
        if (!close_enough(g_, w_, rtol)) fail_msg("%s = %.17g, expected %.17g (rtol %g)", #got, g_, w_, rtol); \
    } while (0)

static qc_metrics_opts daily(void) {
    qc_metrics_opts o;
    qc_metrics_opts_init(&o);
    o.periods_per_year = 252;
    return o;
}

static qc_metrics from_returns(const double *r, size_t n, const qc_metrics_opts *o) {
    qc_metrics m;
    qc_error err = {0};
    if (qc_metrics_from_returns(NULL, r, n, o, &m, &err) != QC_OK) fail_msg("from_returns: %s", err.msg);
    return m;
}

static qc_metrics from_equity(const int64_t *ts, const double *eq, size_t n, double initial) {
    qc_metrics_opts o = daily();
    qc_perf_input in = {.ts = ts, .equity = eq, .n = n, .initial_equity = initial};
    qc_metrics m;
    qc_error err = {0};
    if (qc_metrics_compute(&in, &o, &m, &err) != QC_OK) fail_msg("compute: %s", err.msg);
    return m;
}

/* ---- goldens ---------------------------------------------------------------------------------- */

static double g_close[MAX_CLOSES];
static size_t g_n_close;

static void load_closes(void) {
    if (g_n_close) return;
    FILE *f = fopen(GOLDEN_DIR "ttrc_close.csv", "r");
    if (!f) fail_msg("cannot open ttrc_close.csv");
    char line[128];
    while (fgets(line, sizeof line, f)) {
        char date[16];
        double c;
        if (sscanf(line, "%15[^,],%lf", date, &c) != 2) continue; /* the header */
        assert_true(g_n_close < MAX_CLOSES);
        g_close[g_n_close++] = c;
    }
    fclose(f);
    assert_int_equal(g_n_close, 5550);
}

typedef struct {
    char name[32], key[40], val[40];
} golden_row;

static golden_row g_rows[MAX_ROWS];
static size_t g_n_rows;

/* Reads "case,key,value" (or "key,value" when two_cols) lines, skipping comments and the header. */
static size_t load_rows(const char *file, int two_cols) {
    char path[512];
    snprintf(path, sizeof path, "%s%s", GOLDEN_DIR, file);
    FILE *f = fopen(path, "r");
    if (!f) fail_msg("cannot open %s", path);
    char line[256];
    g_n_rows = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#' || strncmp(line, "case,", 5) == 0 || strncmp(line, "key,", 4) == 0 ||
            strncmp(line, "kind,", 5) == 0)
            continue;
        golden_row *g = &g_rows[g_n_rows];
        g->name[0] = '\0';
        int k = two_cols ? sscanf(line, "%39[^,],%39[^\n]", g->key, g->val) + 1
                         : sscanf(line, "%31[^,],%39[^,],%39[^\n]", g->name, g->key, g->val);
        if (k != 3) fail_msg("bad golden line in %s: %s", file, line);
        assert_true(++g_n_rows < MAX_ROWS);
    }
    fclose(f);
    return g_n_rows;
}

static const char *gs(const char *name, const char *key) {
    for (size_t i = 0; i < g_n_rows; i++)
        if (strcmp(g_rows[i].name, name) == 0 && strcmp(g_rows[i].key, key) == 0) return g_rows[i].val;
    fail_msg("golden %s/%s missing", name, key);
    return NULL;
}

static double gd(const char *name, const char *key) { return strtod(gs(name, key), NULL); }

static const struct {
    const char *key;
    size_t off;
} k_doubles[] = {
    {"final_equity", offsetof(qc_metrics, final_equity)},
    {"total_return", offsetof(qc_metrics, total_return)},
    {"cagr", offsetof(qc_metrics, cagr)},
    {"volatility", offsetof(qc_metrics, volatility)},
    {"sharpe", offsetof(qc_metrics, sharpe)},
    {"sharpe_per_period", offsetof(qc_metrics, sharpe_per_period)},
    {"sortino", offsetof(qc_metrics, sortino)},
    {"calmar", offsetof(qc_metrics, calmar)},
    {"max_drawdown", offsetof(qc_metrics, max_drawdown)},
    {"skew", offsetof(qc_metrics, skew)},
    {"kurtosis", offsetof(qc_metrics, kurtosis)},
    {"var", offsetof(qc_metrics, var)},
    {"cvar", offsetof(qc_metrics, cvar)},
    {"psr", offsetof(qc_metrics, psr)},
    {"dsr", offsetof(qc_metrics, dsr)},
    {"dsr_benchmark_sr", offsetof(qc_metrics, dsr_benchmark_sr)},
    {"min_trl", offsetof(qc_metrics, min_trl)},
};
static const char *k_extras[] = {"hit_rate", "avg_win", "avg_loss", "profit_factor", "exposure", "turnover"};

static double extra_field(const qc_metrics *m, const char *k) {
    if (!strcmp(k, "hit_rate")) return m->hit_rate;
    if (!strcmp(k, "avg_win")) return m->avg_win;
    if (!strcmp(k, "avg_loss")) return m->avg_loss;
    if (!strcmp(k, "profit_factor")) return m->profit_factor;
    if (!strcmp(k, "exposure")) return m->exposure;
    return m->turnover;
}

/* Runs one golden case the way gen_metrics.py built it and compares every statistic. */
static void run_case(const char *name) {
    size_t first = (size_t)gd(name, "in.first"), last = (size_t)gd(name, "in.last"), step = (size_t)gd(name, "in.step");
    int mode = (int)gd(name, "in.mode"), extras = (int)gd(name, "in.extras");
    qc_metrics_opts o;
    qc_metrics_opts_init(&o);
    o.periods_per_year = gd(name, "opt.ppy");
    o.rf = gd(name, "opt.rf");
    o.mar = gd(name, "opt.mar");
    o.benchmark_sr = gd(name, "opt.benchmark_sr");
    o.trials = (size_t)gd(name, "opt.trials");
    o.trials_sr_var = gd(name, "opt.trials_sr_var");
    o.var_level = gd(name, "opt.var_level");

    static double px[MAX_CLOSES], r[MAX_CLOSES], gross[MAX_CLOSES], traded[MAX_CLOSES];
    static qc_roundtrip trades[50];
    size_t npx = 0;
    for (size_t i = first; i <= last; i += step) px[npx++] = g_close[i];
    size_t n = npx - 1;
    qc_metrics m;
    qc_error err = {0};
    if (mode == 0) {
        qc_perf_input in = {.equity = px + 1, .n = n, .initial_equity = px[0]};
        if (extras) {
            for (size_t i = 0; i < n; i++) {
                gross[i] = i % 5 == 0 ? 0.0 : px[i + 1] * 10;
                traded[i] = (double)(i % 7) * 1000.0;
            }
            for (size_t k = 0; k < 50; k++)
                trades[k] = (qc_roundtrip){.pnl = g_close[first + 10 * k + 10] - g_close[first + 10 * k]};
            in.gross_exposure = gross;
            in.traded_notional = traded;
            in.trades = trades;
            in.n_trades = 50;
        }
        if (qc_metrics_compute(&in, &o, &m, &err) != QC_OK) fail_msg("%s: %s", name, err.msg);
    } else {
        for (size_t i = 0; i < n; i++) r[i] = px[i + 1] / px[i] - 1;
        if (qc_metrics_from_returns(NULL, r, n, &o, &m, &err) != QC_OK) fail_msg("%s: %s", name, err.msg);
    }
    assert_int_equal(m.n_periods, (size_t)gd(name, "n"));
    assert_true(m.periods_per_year == o.periods_per_year);
    for (size_t k = 0; k < sizeof k_doubles / sizeof k_doubles[0]; k++) {
        double got = *(const double *)((const char *)&m + k_doubles[k].off), want = gd(name, k_doubles[k].key);
        if (!close_enough(got, want, GOLDEN_RTOL))
            fail_msg("%s: %s = %.17g, golden %.17g", name, k_doubles[k].key, got, want);
    }
    assert_int_equal(m.dd_peak_i, (long)gd(name, "dd_peak_i"));
    assert_int_equal(m.dd_trough_i, (long)gd(name, "dd_trough_i"));
    assert_int_equal(m.dd_recovery_i, (long)gd(name, "dd_recovery_i"));
    assert_int_equal(m.dd_duration, (size_t)gd(name, "dd_duration"));
    if (!extras) {
        assert_true(isnan(m.exposure) && isnan(m.turnover) && isnan(m.hit_rate));
        return;
    }
    assert_int_equal(m.n_trades, (size_t)gd(name, "n_trades"));
    for (size_t k = 0; k < sizeof k_extras / sizeof k_extras[0]; k++) {
        double got = extra_field(&m, k_extras[k]), want = gd(name, k_extras[k]);
        if (!close_enough(got, want, GOLDEN_RTOL)) fail_msg("%s: %s = %.17g, golden %.17g", name, k_extras[k], got, want);
    }
}

static void test_golden_ttrc(void **state) {
    (void)state;
    load_closes();
    load_rows("metrics_ttrc.csv", 0);
    static const char *cases[] = {"prices", "returns", "prices_to_2005", "prices_opts", "returns_weekly_2000"};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) run_case(cases[i]);
    /* the cases cover a recovered and an open drawdown on real data */
    assert_true(gd("prices", "dd_recovery_i") >= 0);
    assert_true(gd("prices_to_2005", "dd_recovery_i") < 0);
}

/* The equity path and the return path of the same data agree (to rounding). */
static void test_prices_and_returns_agree(void **state) {
    (void)state;
    load_closes();
    static double r[MAX_CLOSES];
    size_t n = g_n_close - 1;
    for (size_t i = 0; i < n; i++) r[i] = g_close[i + 1] / g_close[i] - 1;
    qc_metrics_opts o = daily();
    qc_metrics a = from_equity(NULL, g_close + 1, n, g_close[0]), b = from_returns(r, n, &o);
    ASSERT_NEAR(a.total_return, b.total_return, 1e-12);
    ASSERT_NEAR(a.sharpe, b.sharpe, 1e-15);
    ASSERT_NEAR(a.max_drawdown, b.max_drawdown, 1e-12);
    assert_int_equal(a.dd_trough_i, b.dd_trough_i);
}

/* ---- the normal distribution ------------------------------------------------------------------ */

static void test_norm_golden(void **state) {
    (void)state;
    load_rows("metrics_norm.csv", 0);
    size_t n_cdf = 0, n_ppf = 0;
    for (size_t i = 0; i < g_n_rows; i++) {
        double x = strtod(g_rows[i].key, NULL), want = strtod(g_rows[i].val, NULL);
        int cdf = strcmp(g_rows[i].name, "cdf") == 0;
        double got = cdf ? qc_norm_cdf(x) : qc_norm_ppf(x);
        /* beyond |x| = 8 the rounding of x / sqrt(2) alone costs ~2 x^2 ulp in erfc */
        double rtol = cdf && fabs(x) > 8 ? 1e-12 : 1e-14;
        if (!close_enough(got, want, rtol)) fail_msg("%s(%.17g) = %.17g, scipy %.17g", g_rows[i].name, x, got, want);
        cdf ? n_cdf++ : n_ppf++;
    }
    assert_true(n_cdf >= 15 && n_ppf >= 25);
}

static void test_norm_edges(void **state) {
    (void)state;
    assert_true(qc_norm_ppf(0) == -INFINITY);
    assert_true(qc_norm_ppf(1) == INFINITY);
    assert_true(isnan(qc_norm_ppf(-0.1)) && isnan(qc_norm_ppf(1.5)) && isnan(qc_norm_ppf(NAN)));
    assert_true(qc_norm_ppf(0.5) == 0);
    assert_true(qc_norm_cdf(0) == 0.5);
    assert_true(qc_norm_cdf(-INFINITY) == 0 && qc_norm_cdf(INFINITY) == 1);
    /* round trips across all three AS241 branches */
    static const double ps[] = {1e-200, 1e-15, 1e-9, 0.003, 0.07, 0.08, 0.3, 0.5, 0.77, 0.93, 0.999};
    for (size_t i = 0; i < sizeof ps / sizeof ps[0]; i++) {
        ASSERT_NEAR(qc_norm_cdf(qc_norm_ppf(ps[i])), ps[i], ps[i] < 1e-15 ? 1e-11 : 1e-13);
        if (ps[i] >= 1e-3) ASSERT_NEAR(qc_norm_ppf(1 - ps[i]), -qc_norm_ppf(ps[i]), 1e-12);
    }
}

/* ---- PSR, DSR, MinTRL ------------------------------------------------------------------------- */

/* Bailey & Lopez de Prado (2014), "The Deflated Sharpe Ratio", numerical example: 100 trials with
 * annualised Sharpe variance 1/2, best annualised Sharpe 2.5 over 1250 daily returns (250 a
 * year), skewness -3, kurtosis 10. The paper: SR0 = 0.1132 per period, DSR = 0.9004. */
static void test_dsr_paper_example(void **state) {
    (void)state;
    load_rows("metrics_paper.csv", 1);
    double sr = 2.5 / sqrt(250.0), sr0 = qc_expected_max_sr(100, 0.5 / 250.0);
    double dsr = qc_psr(sr, sr0, 1250, -3.0, 10.0);
    assert_true(fabs(sr0 - 0.1132) < 5e-5);
    assert_true(fabs(dsr - 0.9004) < 5e-5);
    ASSERT_NEAR(sr0, gd("", "sr0"), 1e-12);
    ASSERT_NEAR(sr0 * sqrt(250.0), gd("", "sr0_annual"), 1e-12);
    ASSERT_NEAR(dsr, gd("", "dsr"), 1e-12);
    ASSERT_NEAR(qc_psr(sr, 0, 1250, -3.0, 10.0), gd("", "psr_vs_0"), 1e-12);
    ASSERT_NEAR(qc_min_trl(sr, sr0, -3.0, 10.0, 0.95), gd("", "min_trl_vs_sr0"), 1e-12);
}

static void test_psr_properties(void **state) {
    (void)state;
    /* at the benchmark: a coin flip */
    assert_true(qc_psr(0.1, 0.1, 500, -1, 6) == 0.5);
    /* normal returns: Phi(SR sqrt(n-1) / sqrt(1 + SR^2 / 2)) */
    double sr = 0.08;
    ASSERT_NEAR(qc_psr(sr, 0, 400, 0, 3), qc_norm_cdf(sr * sqrt(399.0) / sqrt(1 + sr * sr / 2)), 1e-15);
    /* negative skew and fat tails lower the PSR of a positive Sharpe */
    assert_true(qc_psr(sr, 0, 400, -2, 12) < qc_psr(sr, 0, 400, 0, 3));
    assert_true(isnan(qc_psr(sr, 0, 1, 0, 3)));
    /* MinTRL: at exactly that many observations the PSR reaches the probability */
    double trl = qc_min_trl(sr, 0.02, -1, 7, 0.95), v = 1 + sr + 6.0 / 4 * sr * sr;
    ASSERT_NEAR(qc_norm_cdf((sr - 0.02) * sqrt(trl - 1) / sqrt(v)), 0.95, 1e-12);
    assert_true(qc_min_trl(0.02, 0.02, 0, 3, 0.95) == INFINITY);
    assert_true(qc_min_trl(-0.1, 0, 0, 3, 0.95) == INFINITY);
    /* expected maximum Sharpe: none without selection, growing with the number of trials */
    assert_true(qc_expected_max_sr(0, 1) == 0 && qc_expected_max_sr(1, 1) == 0);
    assert_true(isnan(qc_expected_max_sr(10, -1)));
    assert_true(qc_expected_max_sr(10, 1) < qc_expected_max_sr(100, 1));
    assert_true(qc_expected_max_sr(100, 1) < qc_expected_max_sr(1000, 1));
}

/* DSR with trials <= 1 is the PSR against benchmark_sr; with trials it is against E[max SR]. */
static void test_dsr_in_metrics(void **state) {
    (void)state;
    static const double r[] = {0.01, -0.004, 0.007, 0.002, -0.011, 0.013, 0.004, -0.002, 0.006, 0.001};
    qc_metrics_opts o = daily();
    o.benchmark_sr = 0.05;
    qc_metrics a = from_returns(r, 10, &o);
    assert_true(a.dsr == a.psr && a.dsr_benchmark_sr == 0.05);
    o.trials = 20;
    o.trials_sr_var = 0.01;
    qc_metrics b = from_returns(r, 10, &o);
    ASSERT_NEAR(b.dsr_benchmark_sr, qc_expected_max_sr(20, 0.01), 1e-15);
    ASSERT_NEAR(b.dsr, qc_psr(b.sharpe_per_period, b.dsr_benchmark_sr, 10, b.skew, b.kurtosis), 1e-15);
    assert_true(b.psr == a.psr); /* the PSR keeps its own benchmark */
    assert_true(b.dsr < b.psr);
}

/* ---- TRAPS: Statistics ------------------------------------------------------------------------ */

/* quantstats #458: years = calendar days / 252 understates CAGR on daily data. Here 504 daily
 * periods that grow 21% are 2 years at 252 a year: CAGR 10%, whatever the calendar dates say. */
static void test_trap_cagr_units(void **state) {
    (void)state;
    static double r[504];
    static int64_t ts[504];
    double g = pow(1.21, 1.0 / 504);
    for (size_t i = 0; i < 504; i++) {
        r[i] = g - 1;
        ts[i] = (int64_t)(i * 7 / 5) * QC_NS_PER_DAY; /* ~706 calendar days of weekdays */
    }
    qc_metrics_opts o = daily();
    qc_metrics m;
    qc_error err = {0};
    assert_int_equal(qc_metrics_from_returns(ts, r, 504, &o, &m, &err), QC_OK);
    ASSERT_NEAR(m.total_return, 0.21, 1e-12);
    ASSERT_NEAR(m.cagr, 0.10, 1e-12);
    /* the trap's answer, 1.21^(252/706) - 1 ~ 7.0%, is far away */
    assert_true(fabs(m.cagr - (pow(1.21, 252.0 / 706) - 1)) > 0.02);
    /* weekly: 104 periods at 52 a year are the same two years */
    o.periods_per_year = 52;
    g = pow(1.21, 1.0 / 104);
    for (size_t i = 0; i < 104; i++) r[i] = g - 1;
    m = from_returns(r, 104, &o);
    ASSERT_NEAR(m.cagr, 0.10, 1e-12);
}

/* quantstats #438, pyfolio #179: a loss in the first period is a drawdown from the initial equity. */
static void test_trap_dd_first_period_loss(void **state) {
    (void)state;
    static const int64_t ts[] = {100, 200, 300};
    static const double eq[] = {90, 95, 110};
    qc_metrics m = from_equity(ts, eq, 3, 100);
    ASSERT_NEAR(m.max_drawdown, 0.10, 1e-15);
    assert_int_equal(m.dd_peak_i, -1);
    assert_true(m.dd_peak_ts == QC_TS_NONE); /* the initial equity has no stamp */
    assert_int_equal(m.dd_trough_i, 0);
    assert_true(m.dd_trough_ts == 100);
    assert_int_equal(m.dd_recovery_i, 2);
    assert_true(m.dd_recovery_ts == 300);
    assert_int_equal(m.dd_duration, 3);
    /* the same through the return path (equity from 1.0) */
    static const double r[] = {-0.10, 0.05, 0.12};
    qc_metrics_opts o = daily();
    qc_metrics mr = from_returns(r, 3, &o);
    ASSERT_NEAR(mr.max_drawdown, 0.10, 1e-15);
    assert_int_equal(mr.dd_peak_i, -1);
    assert_int_equal(mr.dd_trough_i, 0);
}

/* quantstats #233: a drawdown that lasts to the end has no recovery and runs to the last period. */
static void test_trap_dd_open_at_end(void **state) {
    (void)state;
    static const int64_t ts[] = {10, 20, 30, 40, 50};
    static const double eq[] = {110, 120, 90, 100, 110};
    qc_metrics m = from_equity(ts, eq, 5, 100);
    ASSERT_NEAR(m.max_drawdown, 0.25, 1e-15);
    assert_int_equal(m.dd_peak_i, 1);
    assert_true(m.dd_peak_ts == 20);
    assert_int_equal(m.dd_trough_i, 2);
    assert_int_equal(m.dd_recovery_i, -1);
    assert_true(m.dd_recovery_ts == QC_TS_NONE);
    assert_int_equal(m.dd_duration, 3); /* periods from the peak to the end */
    ASSERT_NEAR(m.calmar, m.cagr / 0.25, 1e-15);
}

/* quantstats #354: touching the old peak exactly counts as recovered; the touch is also the peak
 * of the next drawdown. Values are exact in binary so the touch is exact. */
static void test_trap_dd_touch_counts(void **state) {
    (void)state;
    static const int64_t ts[] = {1, 2, 3, 4};
    static const double eq[] = {0.5, 1.0, 0.875, 1.0};
    qc_metrics m = from_equity(ts, eq, 4, 1.0);
    ASSERT_NEAR(m.max_drawdown, 0.5, 0);
    assert_int_equal(m.dd_peak_i, -1);
    assert_int_equal(m.dd_trough_i, 0);
    assert_int_equal(m.dd_recovery_i, 1); /* 1.0 == the old peak */
    assert_true(m.dd_recovery_ts == 2);
    assert_int_equal(m.dd_duration, 2);
    /* the second, shallower drawdown starts at the touch: make it the deepest */
    static const double eq2[] = {0.75, 1.0, 0.5, 1.0};
    m = from_equity(ts, eq2, 4, 1.0);
    ASSERT_NEAR(m.max_drawdown, 0.5, 0);
    assert_int_equal(m.dd_peak_i, 1);
    assert_int_equal(m.dd_trough_i, 2);
    assert_int_equal(m.dd_recovery_i, 3); /* touched in the last period: recovered */
    assert_int_equal(m.dd_duration, 2);
    /* a touch from below that stays a hair under is not a recovery */
    static const double eq3[] = {0.75, 0.9999999999};
    m = from_equity(ts, eq3, 2, 1.0);
    assert_int_equal(m.dd_recovery_i, -1);
    assert_int_equal(m.dd_duration, 2);
}

/* zipline #747, pyfolio #158: the downside deviation is sqrt(mean(min(r - MAR, 0)^2)) over all
 * periods: not the standard deviation of the negative returns, not demeaned. */
static void test_trap_sortino_definition(void **state) {
    (void)state;
    static const double r[] = {0.02, 0.01, 0.03, -0.01, 0.015, 0.025, -0.03, 0.01, 0.02, 0.005};
    const size_t n = 10;
    qc_metrics_opts o = daily();
    for (int pass = 0; pass < 2; pass++) {
        o.mar = pass ? 0.004 : 0;
        double mean = 0, d2 = 0, neg_mean = 0, neg2 = 0;
        size_t n_neg = 0;
        for (size_t i = 0; i < n; i++) {
            double x = r[i] - o.mar;
            mean += x / (double)n;
            d2 += (x < 0 ? x * x : 0) / (double)n;
            if (x < 0) n_neg++, neg_mean += x;
        }
        neg_mean /= (double)n_neg;
        for (size_t i = 0; i < n; i++)
            if (r[i] - o.mar < 0) neg2 += (r[i] - o.mar - neg_mean) * (r[i] - o.mar - neg_mean);
        double want = mean / sqrt(d2) * sqrt(252.0);
        double naive = mean / sqrt(neg2 / (double)(n_neg - 1)) * sqrt(252.0); /* std of the negatives */
        qc_metrics m = from_returns(r, n, &o);
        ASSERT_NEAR(m.sortino, want, 1e-13);
        assert_true(fabs(m.sortino - naive) > 0.1 * fabs(want)); /* 29% and 18% apart */
    }
}

/* empyrical #108, quantstats #71: rf is a per-period rate and it is applied. */
static void test_trap_rf_per_period(void **state) {
    (void)state;
    static const double r[] = {0.004, -0.002, 0.006, 0.001, -0.003, 0.005, 0.002, 0.0};
    qc_metrics_opts o = daily();
    qc_metrics m0 = from_returns(r, 8, &o);
    o.rf = 0.0002; /* per period (about 5% a year at 252) */
    qc_metrics m1 = from_returns(r, 8, &o);
    double mean = 0, ss = 0;
    for (size_t i = 0; i < 8; i++) mean += r[i] / 8;
    for (size_t i = 0; i < 8; i++) ss += (r[i] - mean) * (r[i] - mean);
    double sd = sqrt(ss / 7);
    ASSERT_NEAR(m1.sharpe_per_period, (mean - 0.0002) / sd, 1e-12);
    ASSERT_NEAR(m1.sharpe, (mean - 0.0002) / sd * sqrt(252.0), 1e-12);
    ASSERT_NEAR(m0.sharpe - m1.sharpe, 0.0002 / sd * sqrt(252.0), 1e-9);
    assert_true(m1.volatility == m0.volatility); /* rf moves the mean, not the dispersion */
}

/* Lean #9533: PSR must use the reported (excess) Sharpe, not a gross one. */
static void test_trap_psr_same_sharpe(void **state) {
    (void)state;
    static const double r[] = {0.004, -0.002, 0.006, 0.001, -0.003, 0.005, 0.002, 0.0, 0.003, -0.001};
    qc_metrics_opts o = daily();
    o.rf = 0.001;
    o.benchmark_sr = 0.05;
    qc_metrics m = from_returns(r, 10, &o);
    ASSERT_NEAR(m.sharpe, m.sharpe_per_period * sqrt(252.0), 1e-15);
    ASSERT_NEAR(m.psr, qc_psr(m.sharpe_per_period, 0.05, 10, m.skew, m.kurtosis), 1e-15);
    ASSERT_NEAR(m.min_trl, qc_min_trl(m.sharpe_per_period, 0.05, m.skew, m.kurtosis, 0.95), 1e-15);
    o.rf = 0;
    qc_metrics gross = from_returns(r, 10, &o);
    assert_true(fabs(m.psr - gross.psr) > 0.05); /* so the test would notice a gross Sharpe */
}

/* ---- the other statistics --------------------------------------------------------------------- */

/* numpy's default quantile: linear between order statistics at h = (n-1)(1-level). */
static void test_var_cvar(void **state) {
    (void)state;
    static const double r[] = {0.05, -0.01, 0.02, -0.03, 0.0};
    qc_metrics_opts o = daily();
    qc_metrics m = from_returns(r, 5, &o);
    ASSERT_NEAR(m.var, 0.026, 1e-12); /* h = 0.2: -0.03 + 0.2 * 0.02 */
    ASSERT_NEAR(m.cvar, 0.03, 1e-12); /* only -0.03 lies at or below -VaR */
    o.var_level = 0.5;
    m = from_returns(r, 5, &o);
    ASSERT_NEAR(m.var, 0.0, 0); /* the median */
    ASSERT_NEAR(m.cvar, 0.04 / 3, 1e-12);
}

static void test_moments(void **state) {
    (void)state;
    /* symmetric: skew 0; two-point: kurtosis 1 (non-excess) */
    static const double sym[] = {-0.02, -0.01, 0.0, 0.01, 0.02};
    static const double two[] = {-0.01, 0.01, -0.01, 0.01};
    qc_metrics_opts o = daily();
    qc_metrics m = from_returns(sym, 5, &o);
    assert_true(fabs(m.skew) < 1e-12);
    ASSERT_NEAR(m.kurtosis, 1.7, 1e-12); /* m2 = 2e-4, m4 = 6.8e-8 */
    m = from_returns(two, 4, &o);
    ASSERT_NEAR(m.kurtosis, 1.0, 1e-12);
}

static void test_trades_exposure_turnover(void **state) {
    (void)state;
    static const double eq[] = {100, 102, 101, 104};
    static const double gross[] = {0, 50, 0, 80};
    static const double traded[] = {0, 51, 101, 0};
    qc_roundtrip t[4] = {{.pnl = 5}, {.pnl = -2}, {.pnl = 0}, {.pnl = 3}};
    qc_metrics_opts o = daily();
    qc_perf_input in = {.equity = eq, .n = 4, .initial_equity = 100, .gross_exposure = gross,
                        .traded_notional = traded, .trades = t, .n_trades = 4};
    qc_metrics m;
    qc_error err = {0};
    assert_int_equal(qc_metrics_compute(&in, &o, &m, &err), QC_OK);
    assert_int_equal(m.n_trades, 4);
    ASSERT_NEAR(m.hit_rate, 0.5, 0); /* the flat trade counts, but is no win */
    ASSERT_NEAR(m.avg_win, 4, 0);
    ASSERT_NEAR(m.avg_loss, -2, 0);
    ASSERT_NEAR(m.profit_factor, 4, 0);
    ASSERT_NEAR(m.exposure, 0.5, 0);
    ASSERT_NEAR(m.turnover, (0.5 + 1.0) / (4.0 / 252), 1e-12);
    /* no losing trade: +inf; no trades: NaN; no arrays: NaN */
    qc_roundtrip w[2] = {{.pnl = 1}, {.pnl = 2}};
    in.trades = w;
    in.n_trades = 2;
    in.gross_exposure = in.traded_notional = NULL;
    assert_int_equal(qc_metrics_compute(&in, &o, &m, &err), QC_OK);
    assert_true(m.profit_factor == INFINITY && m.avg_win == 1.5 && isnan(m.avg_loss));
    assert_true(isnan(m.exposure) && isnan(m.turnover));
    in.n_trades = 0;
    assert_int_equal(qc_metrics_compute(&in, &o, &m, &err), QC_OK);
    assert_true(isnan(m.hit_rate) && isnan(m.profit_factor));
}

static void test_flat_and_degenerate(void **state) {
    (void)state;
    static const double flat[] = {0.001, 0.001, 0.001};
    qc_metrics_opts o = daily();
    qc_metrics m = from_returns(flat, 3, &o);
    assert_true(isnan(m.sharpe) && isnan(m.psr) && isnan(m.skew));
    assert_true(isnan(m.sortino)); /* no period below MAR */
    assert_true(m.max_drawdown == 0 && isnan(m.calmar));
    assert_int_equal(m.dd_peak_i, -1);
    assert_int_equal(m.dd_trough_i, -1);
    assert_int_equal(m.dd_recovery_i, -1);
    assert_int_equal(m.dd_duration, 0);
    assert_true(m.dd_trough_ts == QC_TS_NONE);
    /* a total loss: CAGR -1, drawdown 100% */
    static const double bust[] = {0.1, -1.0, 0.0};
    m = from_returns(bust, 3, &o);
    assert_true(m.cagr == -1 && m.max_drawdown == 1 && m.total_return == -1);
    /* a last equity of zero is allowed (it is no base of a return) */
    static const double eq[] = {50, 0};
    m = from_equity(NULL, eq, 2, 100);
    assert_true(m.total_return == -1 && m.cagr == -1);
}

static void test_bad_input(void **state) {
    (void)state;
    static const double r[] = {0.01, NAN, 0.02};
    static const double eq[] = {100, 0, 120};
    qc_metrics_opts o = daily();
    qc_metrics m;
    qc_error err = {0};
    assert_int_equal(qc_metrics_from_returns(NULL, r, 1, &o, &m, &err), QC_ERR_INPUT);
    assert_non_null(strstr(err.msg, "at least 2"));
    assert_int_equal(qc_metrics_from_returns(NULL, r, 3, &o, &m, &err), QC_ERR_INPUT);
    assert_non_null(strstr(err.msg, "return 2"));
    static const double below[] = {0.01, -1.5};
    assert_int_equal(qc_metrics_from_returns(NULL, below, 2, &o, &m, &err), QC_ERR_INPUT);
    qc_perf_input in = {.equity = eq, .n = 3, .initial_equity = 100};
    assert_int_equal(qc_metrics_compute(&in, &o, &m, &err), QC_ERR_INPUT);
    assert_non_null(strstr(err.msg, "equity[1]"));
    in.initial_equity = 0;
    assert_int_equal(qc_metrics_compute(&in, &o, &m, &err), QC_ERR_INPUT);
    static const double ok[] = {0.01, 0.02};
    qc_metrics_opts bad;
    qc_metrics_opts_init(&bad); /* leaves periods_per_year unset on purpose */
    assert_int_equal(qc_metrics_from_returns(NULL, ok, 2, &bad, &m, &err), QC_ERR_INPUT);
    assert_non_null(strstr(err.msg, "periods per year"));
    bad = o;
    bad.var_level = 1;
    assert_int_equal(qc_metrics_from_returns(NULL, ok, 2, &bad, &m, &err), QC_ERR_INPUT);
    bad = o;
    bad.trials = 10;
    bad.trials_sr_var = NAN;
    assert_int_equal(qc_metrics_from_returns(NULL, ok, 2, &bad, &m, &err), QC_ERR_INPUT);
    bad = o;
    bad.rf = INFINITY;
    assert_int_equal(qc_metrics_from_returns(NULL, ok, 2, &bad, &m, &err), QC_ERR_INPUT);
}

static int cmp_dbl_q(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Selection-based quantile equals numpy's linear interpolation over a sorted copy, with ties. */
static void test_quantile_selection(void **state) {
    (void)state;
    uint64_t x = 7;
    double a[257], b[257];
    for (size_t n = 1; n <= 257; n += 8) {
        for (int round = 0; round < 20; round++) {
            for (size_t i = 0; i < n; i++) {
                x ^= x << 13, x ^= x >> 7, x ^= x << 17;
                a[i] = round % 2 ? (double)(x % 5) : (double)(x >> 11) / 9007199254740992.0 - 0.5;
                b[i] = a[i];
            }
            qsort(b, n, sizeof b[0], cmp_dbl_q);
            const double qs[] = {0, 0.05, 0.25, 0.5, 0.75, 0.95, 1};
            for (size_t k = 0; k < 7; k++) {
                double h = (double)(n - 1) * qs[k];
                size_t i = (size_t)h;
                double want = i + 1 < n ? b[i] + (h - (double)i) * (b[i + 1] - b[i]) : b[i];
                double c[257];
                memcpy(c, a, n * sizeof c[0]);
                assert_true(qc_quantile_inplace(c, n, qs[k]) == want);
            }
        }
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quantile_selection),
        cmocka_unit_test(test_golden_ttrc),
        cmocka_unit_test(test_prices_and_returns_agree),
        cmocka_unit_test(test_norm_golden),
        cmocka_unit_test(test_norm_edges),
        cmocka_unit_test(test_dsr_paper_example),
        cmocka_unit_test(test_psr_properties),
        cmocka_unit_test(test_dsr_in_metrics),
        cmocka_unit_test(test_trap_cagr_units),
        cmocka_unit_test(test_trap_dd_first_period_loss),
        cmocka_unit_test(test_trap_dd_open_at_end),
        cmocka_unit_test(test_trap_dd_touch_counts),
        cmocka_unit_test(test_trap_sortino_definition),
        cmocka_unit_test(test_trap_rf_per_period),
        cmocka_unit_test(test_trap_psr_same_sharpe),
        cmocka_unit_test(test_var_cvar),
        cmocka_unit_test(test_moments),
        cmocka_unit_test(test_trades_exposure_turnover),
        cmocka_unit_test(test_flat_and_degenerate),
        cmocka_unit_test(test_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
