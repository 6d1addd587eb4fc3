/* test_synth.c: the synthetic market generator. Determinism (bit-identical arrays), bar and tick
 * invariants, calendar-exact timestamps, option validation, the manifest round trip, and recovery
 * of every planted structure (pair hedge ratios and half-lives, mean reversion, momentum, regime
 * volatility, order-flow imbalance) on the default options. Tolerances are justified where set. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/time.h"
#include "data/synth.h"

/* ---- helpers ------------------------------------------------------------------------------------- */

static qc_synth_market *gen(const qc_synth_opts *o) {
    qc_synth_market *m = NULL;
    qc_error e = {0};
    qc_err rc = qc_synth_generate(o, &m, &e);
    if (rc) fail_msg("generate: %s", e.msg);
    assert_non_null(m);
    return m;
}

static qc_synth_market *gen_default(uint64_t seed) {
    qc_synth_opts o;
    qc_synth_opts_init(&o);
    o.seed = seed;
    return gen(&o);
}

/* Slope and intercept of y on x. */
static double ols(const double *x, const double *y, size_t n, double *icpt) {
    double mx = 0, my = 0, sxy = 0, sxx = 0;
    for (size_t i = 0; i < n; i++) mx += x[i], my += y[i];
    mx /= (double)n, my /= (double)n;
    for (size_t i = 0; i < n; i++) sxy += (x[i] - mx) * (y[i] - my), sxx += (x[i] - mx) * (x[i] - mx);
    if (icpt) *icpt = my - sxy / sxx * mx;
    return sxy / sxx;
}

static double corr(const double *x, const double *y, size_t n) {
    double mx = 0, my = 0, sxy = 0, sxx = 0, syy = 0;
    for (size_t i = 0; i < n; i++) mx += x[i], my += y[i];
    mx /= (double)n, my /= (double)n;
    for (size_t i = 0; i < n; i++) {
        sxy += (x[i] - mx) * (y[i] - my);
        sxx += (x[i] - mx) * (x[i] - mx);
        syy += (y[i] - my) * (y[i] - my);
    }
    return sxy / sqrt(sxx * syy);
}

/* AR(1) coefficient of y_t on (1, t, y_{t-1}): mean reversion around a linear trend. */
static double ar1_with_trend(const double *y, size_t n) {
    double a[3][4] = {{0}}, b[3];
    for (size_t t = 1; t < n; t++) {
        double x[3] = {1.0, (double)t, y[t - 1]};
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) a[i][j] += x[i] * x[j];
            a[i][3] += x[i] * y[t];
        }
    }
    for (int i = 0; i < 3; i++)
        for (int k = i + 1; k < 3; k++)
            for (int j = 3; j >= i; j--) a[k][j] -= a[k][i] / a[i][i] * a[i][j];
    for (int i = 2; i >= 0; i--) {
        b[i] = a[i][3];
        for (int j = i + 1; j < 3; j++) b[i] -= a[i][j] * b[j];
        b[i] /= a[i][i];
    }
    return b[2];
}

static double half_life(double phi) { return -log(2.0) / log(phi); }

static double *log_closes(const qc_synth_market *m, size_t i) {
    double *y = malloc(m->n_bars * sizeof *y);
    assert_non_null(y);
    for (size_t t = 0; t < m->n_bars; t++) y[t] = log(m->bars[i].close[t]);
    return y;
}

static size_t count_role(const qc_synth_market *m, qc_synth_role r) {
    size_t n = 0;
    for (size_t i = 0; i < m->n_symbols; i++) n += m->role[i] == r;
    return n;
}

/* ---- determinism ----------------------------------------------------------------------------------- */

static int trades_equal(const qc_trade *x, const qc_trade *y) {
    return x->ts == y->ts && !memcmp(&x->price, &y->price, sizeof x->price) &&
           !memcmp(&x->size, &y->size, sizeof x->size) && x->aggressor == y->aggressor;
}

static int markets_equal(const qc_synth_market *a, const qc_synth_market *b) {
    size_t n = a->n_bars, nd = n * sizeof(double);
    if (a->n_symbols != b->n_symbols || n != b->n_bars) return 0;
    if (memcmp(a->regime, b->regime, n) || memcmp(a->market_return, b->market_return, nd)) return 0;
    for (size_t i = 0; i < a->n_symbols; i++) {
        const qc_bars *x = &a->bars[i], *y = &b->bars[i];
        if (memcmp(x->ts, y->ts, n * 8) || memcmp(x->open_ts, y->open_ts, n * 8) ||
            memcmp(x->open, y->open, nd) ||
            memcmp(x->high, y->high, nd) || memcmp(x->low, y->low, nd) || memcmp(x->close, y->close, nd) ||
            memcmp(x->volume, y->volume, nd) || memcmp(x->adj_close, y->adj_close, nd))
            return 0;
    }
    for (size_t i = 0; i < a->n_tick_symbols; i++) {
        if (a->n_trades[i] != b->n_trades[i] ||
            memcmp(a->quotes[i], b->quotes[i], a->n_quotes[i] * sizeof(qc_quote)))
            return 0;
        for (size_t j = 0; j < a->n_trades[i]; j++) /* field by field: qc_trade has padding */
            if (!trades_equal(&a->trades[i][j], &b->trades[i][j])) return 0;
    }
    return 1;
}

static void test_determinism(void **state) {
    (void)state;
    qc_synth_opts o;
    qc_synth_opts_init(&o);
    o.n_bars = 300;
    o.ticks_per_bar = 20;
    o.tick_symbols = 2;
    qc_synth_market *a = gen(&o), *b = gen(&o);
    assert_true(markets_equal(a, b));
    o.seed++;
    qc_synth_market *c = gen(&o);
    assert_false(markets_equal(a, c));
    assert_true(memcmp(a->bars[5].close, c->bars[5].close, 300 * sizeof(double)) != 0);
    qc_synth_free(a);
    qc_synth_free(b);
    qc_synth_free(c);
}

/* A symbol's bars do not depend on ticks being on or on the symbols after it (closes only: with
 * ticks on, high/low widen to cover trades and volume becomes the sum of trade sizes). */
static void test_stream_independence(void **state) {
    (void)state;
    qc_synth_opts o;
    qc_synth_opts_init(&o);
    o.n_bars = 500;
    qc_synth_market *a = gen(&o);
    o.n_symbols = 30;
    o.ticks_per_bar = 10;
    qc_synth_market *b = gen(&o);
    for (size_t i = 0; i < 8; i++) /* SYN00..SYN07 have the same role in both */
        assert_memory_equal(a->bars[i].close, b->bars[i].close, 500 * sizeof(double));
    qc_synth_free(a);
    qc_synth_free(b);
}

/* ---- roles, bars, timestamps ----------------------------------------------------------------------- */

static void test_defaults_and_roles(void **state) {
    (void)state;
    qc_synth_market *m = gen_default(42);
    assert_int_equal(m->n_symbols, 12);
    assert_int_equal(m->n_bars, 2520);
    assert_string_equal(m->symbols[0], "SYN00");
    assert_string_equal(m->symbols[11], "SYN11");
    assert_int_equal(count_role(m, QC_SYNTH_ROLE_PAIR_LEG), 4);
    assert_int_equal(count_role(m, QC_SYNTH_ROLE_MEAN_REVERT), 2);
    assert_int_equal(count_role(m, QC_SYNTH_ROLE_MOMENTUM), 3);
    assert_int_equal(count_role(m, QC_SYNTH_ROLE_MARKET), 3);
    assert_int_equal(m->role[4], QC_SYNTH_ROLE_MEAN_REVERT);
    assert_int_equal(m->role[6], QC_SYNTH_ROLE_MOMENTUM);
    assert_int_equal(m->role[11], QC_SYNTH_ROLE_MARKET);
    for (size_t p = 0; p < 2; p++) {
        assert_int_equal(m->pairs[p].a, 2 * p);
        assert_int_equal(m->pairs[p].b, 2 * p + 1);
        assert_true(m->pairs[p].beta >= 0.6 && m->pairs[p].beta <= 1.5);
    }
    for (size_t i = 0; i < 12; i++) {
        assert_true(m->bars[i].close[0] > 15.0 && m->bars[i].close[0] < 400.0);
        assert_true((m->momentum_loading[i] > 0) == (m->role[i] == QC_SYNTH_ROLE_MOMENTUM));
        assert_true((m->reversion_half_life[i] > 0) == (m->role[i] == QC_SYNTH_ROLE_MEAN_REVERT));
    }
    assert_string_equal(qc_synth_role_name(QC_SYNTH_ROLE_MEAN_REVERT), "mean_revert");
    qc_synth_free(m);
    qc_synth_opts o;
    qc_synth_opts_init(&o);
    o.n_symbols = 101;
    o.n_bars = 2;
    m = gen(&o);
    assert_string_equal(m->symbols[0], "SYN000");
    assert_string_equal(m->symbols[100], "SYN100");
    qc_synth_free(m);
}

static void check_bars(const qc_synth_market *m) {
    for (size_t i = 0; i < m->n_symbols; i++) {
        const qc_bars *b = &m->bars[i];
        assert_int_equal(b->n, m->n_bars);
        assert_true(qc_bars_is_strictly_increasing(b));
        assert_memory_equal(b->ts, m->bars[0].ts, m->n_bars * sizeof(int64_t));
        for (size_t t = 0; t < b->n; t++) {
            assert_true(b->low[t] > 0.0);
            assert_true(b->low[t] <= b->open[t] && b->low[t] <= b->close[t]);
            assert_true(b->high[t] >= b->open[t] && b->high[t] >= b->close[t]);
            assert_true(b->volume[t] >= 0.0 && b->volume[t] == floor(b->volume[t]));
            assert_true(b->adj_close[t] == b->close[t]);
            assert_true(b->open_ts[t] < b->ts[t]);
        }
    }
}

static void test_bars_consistent(void **state) {
    (void)state;
    qc_synth_market *m = gen_default(42);
    check_bars(m);
    qc_synth_free(m);
}

static void test_daily_timestamps(void **state) {
    (void)state;
    qc_synth_market *m = gen_default(42);
    const qc_calendar *cal = m->opts.cal;
    int64_t day = qc_days_from_civil(2015, 1, 2), open_ns, close_ns;
    assert_true(qc_calendar_is_session(cal, day));
    for (size_t t = 0; t < m->n_bars; t++, day = qc_calendar_next_session(cal, day)) {
        assert_true(qc_calendar_session(cal, day, &open_ns, &close_ns));
        assert_true(m->bars[0].ts[t] == close_ns);
        assert_true(m->bars[0].open_ts[t] == open_ns);
    }
    qc_synth_free(m);
    /* a start on a holiday (2015-01-01) moves to the next session */
    qc_synth_opts o;
    qc_synth_opts_init(&o);
    o.start_day = qc_days_from_civil(2015, 1, 1);
    o.n_bars = 5;
    m = gen(&o);
    qc_calendar_session(cal, qc_days_from_civil(2015, 1, 2), &open_ns, &close_ns);
    assert_true(m->bars[0].ts[0] == close_ns);
    qc_synth_free(m);
}

/* 5-minute bars over Thanksgiving week 2019 (Friday 29 Nov closes at 13:00). */
static void test_intraday_timestamps(void **state) {
    (void)state;
    qc_synth_opts o;
    qc_synth_opts_init(&o);
    o.interval_s = 300;
    o.start_day = qc_days_from_civil(2019, 11, 27);
    o.n_bars = 78 + 42 + 78 + 10; /* Wed full, Fri early close, Mon full, Tue partial */
    qc_synth_market *m = gen(&o);
    check_bars(m);
    const qc_calendar *cal = m->opts.cal;
    const qc_bars *b = &m->bars[0];
    size_t t = 0;
    for (int64_t day = o.start_day; t < m->n_bars; day = qc_calendar_next_session(cal, day)) {
        int64_t open_ns, close_ns;
        assert_true(qc_calendar_session(cal, day, &open_ns, &close_ns));
        assert_true(b->open_ts[t] == open_ns);
        for (; t < m->n_bars && b->ts[t] <= close_ns; t++) {
            assert_true(b->open_ts[t] >= open_ns);
            assert_true(b->ts[t] - b->open_ts[t] == 300 * QC_NS_PER_SEC);
            if (t + 1 < m->n_bars && b->ts[t] < close_ns) assert_true(b->open_ts[t + 1] == b->ts[t]);
        }
        if (t < m->n_bars) assert_true(b->ts[t - 1] == close_ns);
    }
    int y, mo, d;
    qc_civil_from_days(qc_ts_day(b->ts[78 + 41]), &y, &mo, &d);
    assert_int_equal(d, 29);
    assert_true(m->bars_per_session == 78.0);
    qc_synth_free(m);
}

/* Hourly bars: a regular session holds six full hours and a closing half hour. */
static void test_intraday_partial_bar(void **state) {
    (void)state;
    qc_synth_opts o;
    qc_synth_opts_init(&o);
    o.interval_s = 3600;
    o.n_bars = 21;
    o.ticks_per_bar = 50;
    qc_synth_market *m = gen(&o);
    check_bars(m);
    assert_true(m->bars[0].ts[6] - m->bars[0].open_ts[6] == 1800 * QC_NS_PER_SEC);
    assert_true(m->bars_per_session == 7.0);
    qc_synth_free(m);
}

/* The 24/7 calendar: hourly bars run round the clock, 24 to a session. */
static void test_always_open_calendar(void **state) {
    (void)state;
    qc_error e = {0};
    qc_synth_opts o;
    qc_synth_opts_init(&o);
    o.cal = qc_calendar_get("24/7", &e);
    assert_non_null(o.cal);
    o.interval_s = 3600;
    o.n_bars = 24 * 9;
    qc_synth_market *m = gen(&o);
    check_bars(m);
    const qc_bars *b = &m->bars[0];
    assert_true(b->open_ts[0] == o.start_day * QC_NS_PER_DAY);
    for (size_t t = 1; t < m->n_bars; t++) assert_true(b->open_ts[t] == b->ts[t - 1]);
    assert_true(m->bars_per_session == 24.0 && m->sessions_per_year == 365.25);
    qc_synth_free(m);
}

/* ---- validation -------------------------------------------------------------------------------------- */

static void expect_input_error(const qc_synth_opts *o, const char *needle) {
    qc_synth_market *m = (qc_synth_market *)1;
    qc_error e = {0};
    assert_int_equal(qc_synth_generate(o, &m, &e), QC_ERR_INPUT);
    assert_null(m);
    if (!strstr(e.msg, needle)) fail_msg("message '%s' lacks '%s'", e.msg, needle);
}

static void test_validation(void **state) {
    (void)state;
    qc_synth_opts o;
    qc_synth_opts_init(&o);
    o.n_symbols = 5;
    expect_input_error(&o, "n_mean_revert");
    qc_synth_opts_init(&o);
    o.n_bars = 1;
    expect_input_error(&o, "n_bars");
    qc_synth_opts_init(&o);
    o.interval_s = 7;
    expect_input_error(&o, "interval_s");
    o.interval_s = 172800;
    expect_input_error(&o, "interval_s");
    qc_synth_opts_init(&o);
    o.momentum_share = 1.5;
    expect_input_error(&o, "momentum_share");
    qc_synth_opts_init(&o);
    o.ticks_per_bar = 5;
    o.tick_symbols = 13;
    expect_input_error(&o, "tick_symbols");
    qc_synth_opts_init(&o);
    o.start_day = qc_days_from_civil(2035, 6, 1);
    expect_input_error(&o, "last year");
    o.start_day = qc_days_from_civil(1980, 1, 1);
    expect_input_error(&o, "start_day");
    qc_synth_opts_init(&o);
    o.n_pairs = SIZE_MAX / 2 + 1;
    expect_input_error(&o, "n_pairs");
    qc_error e = {0};
    assert_int_equal(qc_synth_generate(NULL, NULL, &e), QC_ERR_INPUT);
}

/* ---- planted structure -------------------------------------------------------------------------------- */

/* Hedge ratio: OLS on cointegrated levels is super-consistent; its standard error is about
 * spread_sigma / (sd(log P_a) * sqrt(effective n)) ~ 0.04 / (0.3 * 6) ~ 0.02, and over 60 seeds the
 * worst error was 0.067, so 0.15 leaves a wide margin. Half-life: the AR(1) slope has standard
 * error sqrt((1 - phi^2) / n) ~ 0.004 for half-life 30; factor 2 covers >5 standard errors. */
static void test_pairs_recovered(void **state) {
    (void)state;
    qc_synth_market *m = gen_default(42);
    size_t n = m->n_bars;
    double *res = malloc(n * sizeof *res);
    for (size_t p = 0; p < m->n_pairs; p++) {
        const qc_synth_pair *pr = &m->pairs[p];
        double *la = log_closes(m, pr->a), *lb = log_closes(m, pr->b), alpha;
        double beta = ols(la, lb, n, &alpha);
        assert_true(fabs(beta - pr->beta) < 0.15);
        for (size_t t = 0; t < n; t++) res[t] = lb[t] - alpha - beta * la[t];
        double hl = half_life(ols(res, res + 1, n - 1, NULL));
        assert_true(hl > pr->half_life_bars / 2 && hl < pr->half_life_bars * 2);
        double sd = 0;
        for (size_t t = 0; t < n; t++) sd += res[t] * res[t];
        sd = sqrt(sd / (double)n);
        assert_true(sd > pr->spread_sigma / 2 && sd < pr->spread_sigma * 2);
        free(la);
        free(lb);
    }
    free(res);
    qc_synth_free(m);
}

/* Same standard-error argument as the pairs; the slow trend is absorbed by the time regressor. */
static void test_mean_reversion_recovered(void **state) {
    (void)state;
    qc_synth_market *m = gen_default(42);
    for (size_t i = 0; i < m->n_symbols; i++) {
        if (m->role[i] != QC_SYNTH_ROLE_MEAN_REVERT) continue;
        double *y = log_closes(m, i), hl = half_life(ar1_with_trend(y, m->n_bars));
        double planted = m->reversion_half_life[i];
        assert_true(planted >= 5.0 && planted <= 20.0);
        assert_true(hl > planted / 2 && hl < planted * 2);
        free(y);
    }
    qc_synth_free(m);
}

/* Log returns net of the planted market exposure. */
static double *hedged_returns(const qc_synth_market *m, size_t i) {
    double *r = calloc(m->n_bars, sizeof *r);
    assert_non_null(r);
    for (size_t t = 1; t < m->n_bars; t++)
        r[t] = log(m->bars[i].close[t] / m->bars[i].close[t - 1]) - m->beta_market[i] * m->market_return[t];
    return r;
}

/* Annualised Sharpe of holding sign(trailing `lookback` return) over the next bar. */
static double tsmom_sharpe(const double *r, size_t n, size_t lookback) {
    double s = 0, s2 = 0, trail = 0;
    size_t k = 0;
    for (size_t t = 1; t < n; t++) {
        if (t > lookback) {
            double pnl = (trail > 0 ? 1.0 : -1.0) * r[t];
            s += pnl, s2 += pnl * pnl, k++;
            trail -= r[t - lookback];
        }
        trail += r[t];
    }
    double mu = s / (double)k;
    return mu / sqrt(s2 / (double)k - mu * mu) * sqrt(252.0);
}

/* Exposure: the loading's standard error is ~ idio_vol / mom_vol / sqrt(n) ~ 0.3 / 0.1 / 50 = 0.06,
 * so 0.3 is five of them. */
static void test_momentum_exposure(void **state) {
    (void)state;
    qc_synth_market *m = gen_default(42);
    size_t n = m->n_bars;
    for (size_t i = 0; i < m->n_symbols; i++) {
        if (m->role[i] != QC_SYNTH_ROLE_MOMENTUM && m->role[i] != QC_SYNTH_ROLE_MARKET) continue;
        double *r = hedged_returns(m, i), loading = ols(m->momentum_return + 1, r + 1, n - 1, NULL);
        assert_true(fabs(loading - m->momentum_loading[i]) < 0.3);
        free(r);
    }
    qc_synth_free(m);
}

/* Predictability: time-series momentum (60-bar lookback) on loaded names beats unloaded names.
 * One 10-year sample has a Sharpe standard error of ~0.32, so the test averages 8 seeds x 3 names:
 * over 100 such groups the loaded-minus-unloaded Sharpe had mean 0.67, sd 0.12, minimum 0.32. */
static void test_momentum_predicts(void **state) {
    (void)state;
    double loaded = 0, unloaded = 0, factor = 0;
    for (uint64_t seed = 1; seed <= 8; seed++) {
        qc_synth_market *m = gen_default(seed);
        for (size_t i = 0; i < m->n_symbols; i++) {
            if (m->role[i] != QC_SYNTH_ROLE_MOMENTUM && m->role[i] != QC_SYNTH_ROLE_MARKET) continue;
            double *r = hedged_returns(m, i), sr = tsmom_sharpe(r, m->n_bars, 60);
            *(m->role[i] == QC_SYNTH_ROLE_MOMENTUM ? &loaded : &unloaded) += sr / 24.0;
            free(r);
        }
        factor += tsmom_sharpe(m->momentum_return, m->n_bars, 60) / 8.0;
        qc_synth_free(m);
    }
    assert_true(factor > 1.0); /* ~2.4 on average, per-seed standard error ~0.32 */
    assert_true(loaded - unloaded > 0.25);
    assert_true(loaded > 0.25);
    /* the bundled data (default seed) shows it too */
    qc_synth_market *m = gen_default(42);
    assert_true(tsmom_sharpe(m->momentum_return, m->n_bars, 60) > 0.5);
    qc_synth_free(m);
}

/* Realised variance per symbol: turbulent bars (35% market vol, idiosyncratic x1.5) vs calm. Over
 * 800 seeds the smallest per-symbol ratio was 1.18 (a pair's leg b, whose spread noise is constant);
 * the market factor's own ratio is ~8. */
static void test_regime_volatility(void **state) {
    (void)state;
    qc_synth_market *m = gen_default(42);
    size_t turb = 0;
    for (size_t t = 0; t < m->n_bars; t++) turb += m->regime[t];
    assert_true(turb > 100 && turb < m->n_bars - 100);
    double mv[2] = {0, 0};
    for (size_t t = 0; t < m->n_bars; t++) mv[m->regime[t]] += m->market_return[t] * m->market_return[t];
    assert_true(mv[1] / (double)turb > 4.0 * mv[0] / (double)(m->n_bars - turb));
    for (size_t i = 0; i < m->n_symbols; i++) {
        double v[2] = {0, 0};
        size_t c[2] = {0, 0};
        for (size_t t = 1; t < m->n_bars; t++) {
            double r = log(m->bars[i].close[t] / m->bars[i].close[t - 1]);
            v[m->regime[t]] += r * r;
            c[m->regime[t]]++;
        }
        assert_true(v[1] / (double)c[1] > 1.1 * v[0] / (double)c[0]);
    }
    qc_synth_free(m);
}

/* ---- ticks ------------------------------------------------------------------------------------------- */

static void check_tick_stream(const qc_synth_market *m, size_t i) {
    const qc_bars *b = &m->bars[i];
    size_t per = m->opts.ticks_per_bar;
    assert_int_equal(m->n_trades[i], m->n_bars * per);
    assert_int_equal(m->n_quotes[i], m->n_bars * per);
    for (size_t j = 0; j < m->n_trades[i]; j++) {
        const qc_quote *q = &m->quotes[i][j];
        const qc_trade *tr = &m->trades[i][j];
        size_t t = j / per;
        assert_true(q->bid > 0 && q->bid < q->ask && q->bid_size > 0 && q->ask_size > 0);
        assert_true(q->ts < tr->ts && q->ts > b->open_ts[t] && tr->ts < b->ts[t]);
        if (j + 1 < m->n_trades[i]) assert_true(tr->ts < m->quotes[i][j + 1].ts);
        assert_true(tr->price == (tr->aggressor > 0 ? q->ask : q->bid));
        assert_true(tr->aggressor == 1 || tr->aggressor == -1);
        assert_true(tr->size >= 1.0);
        assert_true(tr->price <= b->high[t] && tr->price >= b->low[t]);
        if (j % per == per - 1) assert_true(fabs(tr->price / b->close[t] - 1.0) < 0.005);
    }
}

/* OFI proxy (signed trade volume over 10 trades) against the next 10-quote mid return. */
static double ofi_correlation(const qc_synth_market *m, size_t i) {
    const size_t w = 10;
    size_t n = m->n_trades[i] / w;
    if (n < 3) fail_msg("too few trades");
    n--;
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    assert_true(x && y);
    const qc_quote *q = m->quotes[i];
    for (size_t k = 0; k < n; k++) {
        size_t j0 = k * w;
        x[k] = 0;
        for (size_t j = j0; j < j0 + w; j++) x[k] += m->trades[i][j].aggressor * m->trades[i][j].size;
        const qc_quote *q0 = &q[j0 + w - 1], *q1 = &q[j0 + 2 * w - 1];
        y[k] = log((q1->bid + q1->ask) / (q0->bid + q0->ask));
    }
    double c = corr(x, y, n);
    free(x);
    free(y);
    return c;
}

/* 2 symbols x 500 days x 100 events: 50000 windows, so a correlation's standard error is ~0.005. */
static void test_ticks(void **state) {
    (void)state;
    qc_synth_opts o;
    qc_synth_opts_init(&o);
    o.n_bars = 500;
    o.ticks_per_bar = 100;
    o.tick_symbols = 2;
    qc_synth_market *m = gen(&o);
    check_bars(m);
    assert_int_equal(m->n_tick_symbols, 2);
    for (size_t i = 0; i < 2; i++) {
        check_tick_stream(m, i);
        assert_true(ofi_correlation(m, i) > 0.05);
    }
    qc_synth_free(m);
}

/* ---- manifest ------------------------------------------------------------------------------------------ */

static cJSON *item(const cJSON *o, const char *key) {
    cJSON *x = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!x) fail_msg("manifest lacks '%s'", key);
    return x;
}

static void check_manifest_symbols(const qc_synth_market *m, const cJSON *syms) {
    assert_int_equal(cJSON_GetArraySize(syms), (int)m->n_symbols);
    for (size_t i = 0; i < m->n_symbols; i++) {
        const cJSON *s = cJSON_GetArrayItem(syms, (int)i);
        assert_string_equal(item(s, "symbol")->valuestring, m->symbols[i]);
        assert_string_equal(item(s, "role")->valuestring, qc_synth_role_name(m->role[i]));
        assert_true(item(s, "beta_market")->valuedouble == m->beta_market[i]);
        assert_true(item(s, "momentum_loading")->valuedouble == m->momentum_loading[i]);
        assert_true(item(s, "half_life_bars")->valuedouble == m->reversion_half_life[i]);
        assert_true(item(s, "idio_vol")->valuedouble == m->idio_vol[i]);
        assert_true(item(s, "start_price")->valuedouble == m->start_price[i]);
    }
}

static void check_manifest_pairs(const qc_synth_market *m, const cJSON *pairs) {
    assert_int_equal(cJSON_GetArraySize(pairs), (int)m->n_pairs);
    for (size_t p = 0; p < m->n_pairs; p++) {
        const cJSON *j = cJSON_GetArrayItem(pairs, (int)p);
        const qc_synth_pair *pr = &m->pairs[p];
        assert_string_equal(item(j, "a")->valuestring, m->symbols[pr->a]);
        assert_string_equal(item(j, "b")->valuestring, m->symbols[pr->b]);
        assert_true(item(j, "hedge_ratio")->valuedouble == pr->beta);
        assert_true(item(j, "intercept")->valuedouble == pr->alpha);
        assert_true(item(j, "half_life_bars")->valuedouble == pr->half_life_bars);
        assert_true(item(j, "spread_sigma")->valuedouble == pr->spread_sigma);
    }
}

static void check_manifest_regime(const qc_synth_market *m, const cJSON *reg) {
    const char *path = item(reg, "path")->valuestring;
    assert_int_equal(strlen(path), m->n_bars);
    for (size_t t = 0; t < m->n_bars; t++) assert_int_equal(path[t] - '0', m->regime[t]);
    for (int k = 0; k < 2; k++) {
        assert_true(cJSON_GetArrayItem(item(reg, "vol"), k)->valuedouble == m->regime_vol[k]);
        assert_true(cJSON_GetArrayItem(item(reg, "drift"), k)->valuedouble == m->regime_drift[k]);
        assert_true(cJSON_GetArrayItem(item(reg, "p_stay"), k)->valuedouble == m->p_stay[k]);
    }
}

static void test_manifest(void **state) {
    (void)state;
    qc_synth_opts o;
    qc_synth_opts_init(&o);
    o.n_bars = 400;
    o.ticks_per_bar = 10;
    qc_synth_market *m = gen(&o);
    char *json = NULL, ts[64];
    qc_error e = {0};
    assert_int_equal(qc_synth_manifest_json(m, &json, &e), QC_OK);
    cJSON *root = cJSON_Parse(json);
    assert_non_null(root);
    assert_true(item(root, "seed")->valuedouble == 42.0);
    assert_true(item(item(root, "options"), "n_bars")->valuedouble == 400.0);
    assert_string_equal(item(item(root, "options"), "calendar")->valuestring, "NYSE");
    assert_string_equal(item(item(root, "options"), "start_day")->valuestring, "2015-01-02");
    qc_time_format_iso(m->bars[0].ts[0], ts, sizeof ts);
    assert_string_equal(item(root, "first_ts")->valuestring, ts);
    qc_time_format_iso(m->bars[0].ts[399], ts, sizeof ts);
    assert_string_equal(item(root, "last_ts")->valuestring, ts);
    check_manifest_symbols(m, item(root, "symbols"));
    check_manifest_pairs(m, item(root, "pairs"));
    check_manifest_regime(m, item(root, "regime"));
    const cJSON *tk = cJSON_GetArrayItem(item(item(root, "ticks"), "symbols"), 0);
    assert_true(item(tk, "n_trades")->valuedouble == 4000.0);
    const cJSON *mom = item(root, "momentum_factor");
    assert_true(item(mom, "half_life_bars")->valuedouble == m->momentum_half_life_bars);
    cJSON_Delete(root);
    free(json);
    qc_synth_free(m);
}

/* A seed above 2^53 is written as an exact integer literal. */
static void test_manifest_big_seed(void **state) {
    (void)state;
    qc_synth_opts o;
    qc_synth_opts_init(&o);
    o.n_bars = 2;
    o.seed = UINT64_MAX;
    qc_synth_market *m = gen(&o);
    char *json = NULL;
    qc_error e = {0};
    assert_int_equal(qc_synth_manifest_json(m, &json, &e), QC_OK);
    assert_non_null(strstr(json, "\"seed\":\t18446744073709551615"));
    free(json);
    qc_synth_free(m);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_determinism),
        cmocka_unit_test(test_stream_independence),
        cmocka_unit_test(test_defaults_and_roles),
        cmocka_unit_test(test_bars_consistent),
        cmocka_unit_test(test_daily_timestamps),
        cmocka_unit_test(test_intraday_timestamps),
        cmocka_unit_test(test_intraday_partial_bar),
        cmocka_unit_test(test_always_open_calendar),
        cmocka_unit_test(test_validation),
        cmocka_unit_test(test_pairs_recovered),
        cmocka_unit_test(test_mean_reversion_recovered),
        cmocka_unit_test(test_momentum_exposure),
        cmocka_unit_test(test_momentum_predicts),
        cmocka_unit_test(test_regime_volatility),
        cmocka_unit_test(test_ticks),
        cmocka_unit_test(test_manifest),
        cmocka_unit_test(test_manifest_big_seed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
