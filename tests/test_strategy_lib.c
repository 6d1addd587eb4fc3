/* test_strategy_lib.c: the strategy library on the synthetic market (data/synth.h), whose planted
 * structure each strategy must find: pairs trades the cointegrated legs and earns; time-series
 * momentum earns on momentum-loaded names and not on plain ones; cross-sectional momentum earns on a
 * universe half loaded on the momentum factor; the three reversion strategies earn on the
 * mean-reverting names. On pure random walks no strategy's PSR is significant. Plus: no look-ahead
 * (a run on truncated data gives the same equity up to the cut), results independent of the order
 * of the symbols, every parameter table is valid,
 * the helpers (ranking, rebalancing clock) and bad parameter combinations. Figures are averaged over
 * several seeds where one 10-year sample is too noisy (docs/SYNTH.md). QC_STRAT_PRINT=1 prints them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backtest/backtest.h"
#include "data/synth.h"
#include "strategies/strat_util.h"
#include "strategies/strategies.h"

typedef struct {
    double sharpe, psr, final_equity;
    size_t n_trades, n_events;
    size_t trades_on[64]; /* round trips per symbol index */
    double *equity;       /* copy of the curve (caller frees) */
} run_out;

static int g_print;

/* Runs strategy `name` with kv parameters on symbols idx[0..n) of m (or all when idx NULL). */
static run_out run(const char *name, const char *const *kv, size_t nkv, const qc_bars *bars, char **names,
                   const size_t *idx, size_t n, size_t cut) {
    const qc_strategy_def *sd = qc_strategy_find(name);
    assert_non_null(sd);
    qc_params p;
    qc_error err = {0};
    assert_int_equal(qc_params_parse(sd->params, sd->n_params, kv, nkv, name, &p, &err), QC_OK);
    const qc_bars *series[64];
    const char *syms[64];
    qc_bars cutb[64];
    for (size_t i = 0; i < n; i++) {
        const qc_bars *b = &bars[idx ? idx[i] : i];
        if (cut) { /* a view of the first `cut` bars */
            cutb[i] = *b;
            cutb[i].n = cut;
            b = &cutb[i];
        }
        series[i] = b;
        syms[i] = names[idx ? idx[i] : i];
    }
    qc_backtest_opts o;
    qc_backtest_opts_init(&o);
    o.strategy = sd;
    o.params = &p;
    o.cal = qc_calendar_get("NYSE", NULL);
    o.kernel.leverage_limit = 1.0;
    o.metrics.periods_per_year = 252;
    qc_backtest_result r;
    memset(&r, 0, sizeof r);
    qc_err rc = qc_backtest_run(series, syms, n, &o, &r, &err);
    if (rc) fail_msg("%s: %s", name, err.msg);
    run_out out = {.sharpe = r.metrics.sharpe, .psr = r.metrics.psr, .final_equity = r.metrics.final_equity,
                   .n_trades = r.n_trades, .n_events = r.n};
    for (size_t t = 0; t < r.n_trades; t++)
        if (r.trades[t].symbol < 64) out.trades_on[r.trades[t].symbol]++;
    out.equity = malloc(r.n * sizeof *out.equity);
    assert_non_null(out.equity);
    memcpy(out.equity, r.equity, r.n * sizeof *out.equity);
    qc_backtest_result_free(&r);
    return out;
}

static qc_synth_market *synth(uint64_t seed, size_t n_sym, size_t pairs, size_t mr, double mom_share) {
    qc_synth_opts o;
    qc_synth_opts_init(&o);
    o.seed = seed;
    o.n_symbols = n_sym;
    o.n_pairs = pairs;
    o.n_mean_revert = mr;
    o.momentum_share = mom_share;
    qc_synth_market *m = NULL;
    qc_error err = {0};
    assert_int_equal(qc_synth_generate(&o, &m, &err), QC_OK);
    return m;
}

/* Symbols of a role. */
static size_t by_role(const qc_synth_market *m, qc_synth_role role, size_t *idx) {
    size_t n = 0;
    for (size_t s = 0; s < m->n_symbols; s++)
        if (m->role[s] == role) idx[n++] = s;
    return n;
}

/* ---- pairs ------------------------------------------------------------------------------------ */
static void test_pairs_trades_the_planted_pairs(void **state) {
    (void)state;
    double sum_sr = 0;
    size_t on_legs = 0, total = 0, earned = 0;
    const uint64_t seeds[] = {42, 7, 11};
    for (size_t k = 0; k < 3; k++) {
        qc_synth_market *m = synth(seeds[k], 12, 2, 2, 0.5);
        run_out r = run("pairs", NULL, 0, m->bars, m->symbols, NULL, m->n_symbols, 0);
        for (size_t s = 0; s < m->n_symbols; s++) {
            total += r.trades_on[s];
            if (m->role[s] == QC_SYNTH_ROLE_PAIR_LEG) on_legs += r.trades_on[s];
        }
        if (g_print) printf("pairs seed %llu: sharpe %.3f psr %.3f trades %zu\n", (unsigned long long)seeds[k], r.sharpe, r.psr, r.n_trades);
        sum_sr += r.sharpe;
        earned += r.final_equity > 100000;
        free(r.equity);
        qc_synth_free(m);
    }
    if (g_print) printf("pairs: %zu of %zu trades on pair legs, mean sharpe %.3f\n", on_legs, total, sum_sr / 3);
    assert_true(total >= 30);
    assert_true(on_legs >= 0.9 * (double)total);
    assert_true(earned >= 2);
    assert_true(sum_sr / 3 > 0.5);
}

static void test_pairs_kalman_and_hedged_legs(void **state) {
    (void)state;
    qc_synth_market *m = synth(42, 12, 2, 2, 0.5);
    const char *kv[] = {"hedge=1", "legs=1"};
    run_out r = run("pairs", kv, 2, m->bars, m->symbols, NULL, m->n_symbols, 0);
    if (g_print) printf("pairs kalman: sharpe %.3f trades %zu\n", r.sharpe, r.n_trades);
    size_t legs = r.trades_on[0] + r.trades_on[1] + r.trades_on[2] + r.trades_on[3];
    assert_true(r.n_trades >= 10 && legs >= 0.9 * (double)r.n_trades);
    assert_true(r.final_equity > 100000);
    free(r.equity);
    qc_synth_free(m);
}

/* ---- momentum --------------------------------------------------------------------------------- */
static void test_ts_momentum_on_momentum_names(void **state) {
    (void)state;
    const char *kv[] = {"lookback=60", "rebalance=5"};
    double mom = 0, plain = 0;
    const uint64_t seeds[] = {1, 2, 3, 4};
    for (size_t k = 0; k < 4; k++) {
        qc_synth_market *m = synth(seeds[k], 20, 0, 0, 0.5);
        size_t im[20], ip[20];
        size_t nm = by_role(m, QC_SYNTH_ROLE_MOMENTUM, im), np = by_role(m, QC_SYNTH_ROLE_MARKET, ip);
        run_out a = run("ts_momentum", kv, 2, m->bars, m->symbols, im, nm, 0);
        run_out b = run("ts_momentum", kv, 2, m->bars, m->symbols, ip, np, 0);
        if (g_print) printf("ts_momentum seed %llu: momentum %.3f plain %.3f\n", (unsigned long long)seeds[k], a.sharpe, b.sharpe);
        mom += a.sharpe / 4;
        plain += b.sharpe / 4;
        free(a.equity);
        free(b.equity);
        qc_synth_free(m);
    }
    assert_true(mom > 0.4);
    assert_true(mom > plain + 0.3);
}

static void test_xs_momentum_on_a_momentum_universe(void **state) {
    (void)state;
    const char *kv[] = {"lookback=60", "skip=0", "rebalance=5"};
    double sr = 0;
    const uint64_t seeds[] = {1, 2, 3, 4};
    for (size_t k = 0; k < 4; k++) {
        qc_synth_market *m = synth(seeds[k], 30, 0, 0, 0.5);
        run_out a = run("xs_momentum", kv, 3, m->bars, m->symbols, NULL, m->n_symbols, 0);
        if (g_print) printf("xs_momentum seed %llu: %.3f\n", (unsigned long long)seeds[k], a.sharpe);
        sr += a.sharpe / 4;
        free(a.equity);
        qc_synth_free(m);
    }
    if (g_print) printf("xs_momentum mean %.3f\n", sr);
    assert_true(sr > 0.3);
}

static void test_factor_composite_on_a_momentum_universe(void **state) {
    (void)state;
    const char *kv[] = {"lookback=60", "skip=0", "rebalance=5", "w_lowvol=0.25", "w_rev=0.25"};
    double sr = 0;
    const uint64_t seeds[] = {1, 2, 3, 4};
    for (size_t k = 0; k < 4; k++) {
        qc_synth_market *m = synth(seeds[k], 30, 0, 0, 0.5);
        run_out a = run("factor_composite", kv, 5, m->bars, m->symbols, NULL, m->n_symbols, 0);
        if (g_print) printf("factor_composite seed %llu: %.3f\n", (unsigned long long)seeds[k], a.sharpe);
        sr += a.sharpe / 4;
        free(a.equity);
        qc_synth_free(m);
    }
    if (g_print) printf("factor_composite mean %.3f\n", sr);
    assert_true(sr > 0.2);
}

/* ---- mean reversion --------------------------------------------------------------------------- */
static void test_reversion_on_mean_reverting_names(void **state) {
    (void)state;
    const char *names[] = {"bollinger", "zscore_reversion", "ou_reversion"};
    for (size_t j = 0; j < 3; j++) {
        double mr = 0, plain = 0;
        for (uint64_t seed = 1; seed <= 3; seed++) {
            qc_synth_market *m = synth(seed, 12, 0, 4, 0.0);
            size_t im[12], ip[12];
            size_t nm = by_role(m, QC_SYNTH_ROLE_MEAN_REVERT, im), np = by_role(m, QC_SYNTH_ROLE_MARKET, ip);
            run_out a = run(names[j], NULL, 0, m->bars, m->symbols, im, nm, 0);
            run_out b = run(names[j], NULL, 0, m->bars, m->symbols, ip, np > 4 ? 4 : np, 0);
            mr += a.sharpe / 3;
            plain += b.sharpe / 3;
            free(a.equity);
            free(b.equity);
            qc_synth_free(m);
        }
        if (g_print) printf("%s: mean-reverting %.3f plain %.3f\n", names[j], mr, plain);
        assert_true(mr > 1.0);
        assert_true(mr > plain + 0.7);
    }
}

/* ---- random walks: nothing significant -------------------------------------------------------- */
static uint64_t g_rs;
static double unif(void) {
    g_rs ^= g_rs << 13;
    g_rs ^= g_rs >> 7;
    g_rs ^= g_rs << 17;
    return ((double)(g_rs >> 11) + 0.5) / 9007199254740992.0;
}
static double gauss(void) { return sqrt(-2 * log(unif())) * cos(2 * 3.141592653589793 * unif()); }

/* Geometric random walks (no drift, 25%/yr) on the synthetic market's timestamps. */
static void random_walks(const qc_synth_market *m, qc_bars *out, uint64_t seed) {
    g_rs = seed * 2654435761u + 1;
    qc_error err = {0};
    for (size_t s = 0; s < m->n_symbols; s++) {
        memset(&out[s], 0, sizeof out[s]);
        double px = 50;
        for (size_t i = 0; i < m->n_bars; i++) {
            double open = px;
            px *= exp(0.25 / sqrt(252.0) * gauss() - 0.5 * 0.25 * 0.25 / 252);
            double hi = fmax(open, px) * 1.002, lo = fmin(open, px) * 0.998;
            assert_int_equal(qc_bars_push(&out[s], m->bars[s].ts[i], m->bars[s].open_ts[i], open, hi, lo, px, 1e6, px, 0, &err),
                             QC_OK);
        }
    }
}

/* Each strategy's PSR (the probability that its true Sharpe exceeds 0) stays below 1 - 0.05 / k over
 * the k strategies tested (Bonferroni: a 5% family-wise false-positive rate). */
static void test_nothing_on_random_walks(void **state) {
    (void)state;
    qc_synth_market *m = synth(5, 20, 0, 0, 0.0);
    qc_bars rw[20];
    random_walks(m, rw, 99);
    size_t n;
    const qc_strategy_def *const *all = qc_strategies_all(&n);
    double limit = 1 - 0.05 / (double)(n - 1);
    for (size_t i = 0; i < n; i++) {
        if (strcmp(all[i]->name, "buy_and_hold") == 0) continue; /* a benchmark, not a signal */
        if (strcmp(all[i]->name, "model") == 0) continue; /* needs a trained model: tests/cli/model_strategy.t */
        run_out a = run(all[i]->name, NULL, 0, rw, m->symbols, NULL, m->n_symbols, 0);
        if (g_print) printf("random walk %s: sharpe %.3f psr %.3f trades %zu\n", all[i]->name, a.sharpe, a.psr, a.n_trades);
        if (!(isnan(a.psr) || a.psr < limit)) fail_msg("%s: PSR %.4f on random walks", all[i]->name, a.psr);
        free(a.equity);
    }
    for (size_t s = 0; s < 20; s++) qc_bars_free(&rw[s]);
    qc_synth_free(m);
}

/* ---- no look-ahead ---------------------------------------------------------------------------- */
static void test_no_look_ahead(void **state) {
    (void)state;
    qc_synth_market *m = synth(42, 12, 2, 2, 0.5);
    size_t n, cut = 1500;
    const qc_strategy_def *const *all = qc_strategies_all(&n);
    for (size_t i = 0; i < n; i++) {
        const char *kv[] = {"lookback=60", "rebalance=5"};
        if (strcmp(all[i]->name, "model") == 0) continue; /* tests/cli/model_strategy.t cuts the future too */
        int mom = strstr(all[i]->name, "momentum") != NULL;
        run_out a = run(all[i]->name, kv, mom ? 2 : 0, m->bars, m->symbols, NULL, m->n_symbols, 0);
        run_out b = run(all[i]->name, kv, mom ? 2 : 0, m->bars, m->symbols, NULL, m->n_symbols, cut);
        assert_int_equal(b.n_events, cut);
        for (size_t t = 0; t < cut; t++)
            if (a.equity[t] != b.equity[t]) fail_msg("%s: equity differs at event %zu when later bars are cut", all[i]->name, t);
        free(a.equity);
        free(b.equity);
    }
    qc_synth_free(m);
}

/* ---- symbol order: results must not depend on the order symbols are registered (TRAPS.md,
 * nautilus_trader #4891, Lean #4008) ---------------------------------------------------------- */
static void test_symbol_order_does_not_matter(void **state) {
    (void)state;
    qc_synth_market *m = synth(42, 12, 2, 2, 0.5);
    size_t fwd[12], rev[12];
    for (size_t s = 0; s < 12; s++) {
        fwd[s] = s;
        rev[s] = 11 - s;
    }
    const char *names[] = {"xs_momentum", "factor_composite", "pairs", "ts_momentum", "zscore_reversion"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        run_out a = run(names[i], NULL, 0, m->bars, m->symbols, fwd, 12, 0);
        run_out b = run(names[i], NULL, 0, m->bars, m->symbols, rev, 12, 0);
        assert_int_equal(a.n_trades, b.n_trades);
        if (!(fabs(a.final_equity - b.final_equity) <= 1e-9 * a.final_equity))
            fail_msg("%s: final equity %.10f forward, %.10f with the symbols reversed", names[i], a.final_equity,
                     b.final_equity);
        free(a.equity);
        free(b.equity);
    }
    qc_synth_free(m);
}

/* ---- tables, helpers, bad parameters ---------------------------------------------------------- */
static void test_param_tables(void **state) {
    (void)state;
    size_t n;
    const qc_strategy_def *const *all = qc_strategies_all(&n);
    const char *want[] = {"bollinger", "factor_composite", "ou_reversion", "pairs", "ts_momentum", "xs_momentum", "zscore_reversion"};
    for (size_t w = 0; w < sizeof want / sizeof want[0]; w++) assert_non_null(qc_strategy_find(want[w]));
    for (size_t i = 0; i < n; i++) {
        const qc_strategy_def *d = all[i];
        qc_params p;
        qc_error err = {0};
        assert_true(d->n_params <= QC_MAX_PARAMS);
        assert_int_equal(qc_params_parse(d->params, d->n_params, NULL, 0, d->name, &p, &err), QC_OK); /* defaults valid */
        for (size_t j = 0; j < d->n_params; j++) {
            assert_non_null(d->params[j].help);
            assert_true(d->params[j].min <= d->params[j].max);
            for (size_t k = 0; k < j; k++) assert_string_not_equal(d->params[j].name, d->params[k].name);
        }
    }
}

static void test_bad_combinations(void **state) {
    (void)state;
    qc_synth_market *m = synth(1, 4, 1, 0, 0.5);
    struct {
        const char *strategy, *kv[2], *needle;
    } bad[] = {
        {"xs_momentum", {"lookback=20", "skip=20"}, "skip (20) must be < lookback (20)"},
        {"ts_momentum", {"lookback=10", "skip=12"}, "skip (12) must be < lookback (10)"},
        {"factor_composite", {"lookback=10", "skip=10"}, "skip (10) must be < lookback"},
        {"pairs", {"entry_z=2", "exit_z=3"}, "need exit_z (3) < entry_z (2)"},
        {"zscore_reversion", {"entry=5", "stop=4"}, "need exit = 0.5 < entry = 5 < stop = 4"},
        {"ou_reversion", {"entry_sigma=1", "exit_sigma=1"}, "need exit = 1 < entry = 1"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const qc_strategy_def *sd = qc_strategy_find(bad[i].strategy);
        qc_params p;
        qc_error err = {0};
        assert_int_equal(qc_params_parse(sd->params, sd->n_params, bad[i].kv, 2, sd->name, &p, &err), QC_OK);
        qc_backtest_opts o;
        qc_backtest_opts_init(&o);
        o.strategy = sd;
        o.params = &p;
        o.cal = qc_calendar_get("NYSE", NULL);
        const qc_bars *series[4] = {&m->bars[0], &m->bars[1], &m->bars[2], &m->bars[3]};
        qc_backtest_result r;
        memset(&r, 0, sizeof r);
        assert_int_equal(qc_backtest_run(series, (const char *const *)m->symbols, 4, &o, &r, &err), QC_ERR_INPUT);
        if (!strstr(err.msg, bad[i].needle)) fail_msg("%s: '%s' lacks '%s'", bad[i].strategy, err.msg, bad[i].needle);
        qc_backtest_result_free(&r);
    }
    qc_synth_free(m);
}

static void test_xs_weights(void **state) {
    (void)state;
    qc_strat_xs x;
    qc_error err = {0};
    assert_int_equal(qc_strat_xs_init(&x, 6, &err), QC_OK);
    double sc[6] = {0.1, NAN, 0.3, -0.2, 0.3, 0.0};
    memcpy(x.score, sc, sizeof sc);
    /* 5 ranked, q 0.4 -> k 2: longs 2 and 4 (0.3, tie by index), shorts 3 and 5 */
    assert_int_equal(qc_strat_xs_weights(&x, 0.4, 0, 1.0), 2);
    double want[6] = {0, 0, 0.25, -0.25, 0.25, -0.25};
    for (size_t i = 0; i < 6; i++) assert_true(x.weight[i] == want[i]);
    assert_int_equal(qc_strat_xs_weights(&x, 0.2, 1, 0.9), 1);
    assert_true(x.weight[2] == 0.9 && x.weight[4] == 0);
    /* long-short needs two ranked symbols */
    for (size_t i = 0; i < 6; i++) x.score[i] = i == 3 ? 1.0 : NAN;
    assert_int_equal(qc_strat_xs_weights(&x, 0.5, 0, 1.0), 0);
    assert_int_equal(qc_strat_xs_weights(&x, 0.5, 1, 1.0), 1);
    qc_strat_xs_free(&x);
}

int main(void) {
    g_print = getenv("QC_STRAT_PRINT") != NULL;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_param_tables),
        cmocka_unit_test(test_xs_weights),
        cmocka_unit_test(test_bad_combinations),
        cmocka_unit_test(test_pairs_trades_the_planted_pairs),
        cmocka_unit_test(test_pairs_kalman_and_hedged_legs),
        cmocka_unit_test(test_ts_momentum_on_momentum_names),
        cmocka_unit_test(test_xs_momentum_on_a_momentum_universe),
        cmocka_unit_test(test_factor_composite_on_a_momentum_universe),
        cmocka_unit_test(test_reversion_on_mean_reverting_names),
        cmocka_unit_test(test_nothing_on_random_walks),
        cmocka_unit_test(test_no_look_ahead),
        cmocka_unit_test(test_symbol_order_does_not_matter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
