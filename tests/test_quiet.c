/* test_quiet.c: quiet stretches (qc_kernel_quiet and sma_cross's span hook) change nothing: a
 * backtest of sma_cross, which passes the events between its crossings in one call, gives bit for
 * bit what the same strategy run one event at a time gives (curves, exposures, per-symbol P&L,
 * trades, orders, statistics), over one symbol with flat stretches and arbitrary doubles and over
 * a synthetic universe (also crowded: orders resting at nearly every event, partial fills), with
 * next-open and close fills and the risk engine attached as in the CLI; and the kernel takes the
 * quiet path only when nothing can happen at the venue. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "backtest/backtest.h"
#include "backtest/sim_venue.h"
#include "data/synth.h"
#include "features/rolling.h"
#include "risk/risk.h"
#include "strategies/strategies.h"

/* sma_cross wrapped by a strategy of its own: the kernel then ignores the span hook (it belongs to
 * sma_cross, not to the strategy being run), so every event goes through on_bar. */
typedef struct {
    void *inner;
} fwd_state;

static qc_err fwd_init(void *st, const qc_params *p, const qc_ctx *ctx, qc_error *err) {
    fwd_state *s = st;
    s->inner = calloc(1, qc_strategy_sma_cross.state_size);
    if (!s->inner) return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    return qc_strategy_sma_cross.init(s->inner, p, ctx, err);
}

static void fwd_on_bar(void *st, qc_ctx *ctx) { qc_strategy_sma_cross.on_bar(((fwd_state *)st)->inner, ctx); }

static void fwd_free(void *st) {
    fwd_state *s = st;
    if (s->inner) qc_strategy_sma_cross.free_state(s->inner);
    free(s->inner);
    s->inner = NULL;
}

/* ... that also reads the equity after each on_bar (the marks must be there: line replays write
 * them when first read) and keeps it as the run's comparison curve. */
static void eq_on_bar(void *st, qc_ctx *ctx) {
    fwd_on_bar(st, ctx);
    qc_ctx_set_comparison(ctx, "equity", qc_ctx_equity(ctx));
}

static const qc_strategy_def k_equity_reader = {.name = "sma_cross_equity_reader",
                                                .summary = "sma_cross, one event at a time, reading the equity",
                                                .state_size = sizeof(fwd_state),
                                                .init = fwd_init,
                                                .on_bar = eq_on_bar,
                                                .free_state = fwd_free};

static const qc_strategy_def k_per_event = {.name = "sma_cross_per_event",
                                            .summary = "sma_cross, one event at a time",
                                            .state_size = sizeof(fwd_state),
                                            .init = fwd_init,
                                            .on_bar = fwd_on_bar,
                                            .free_state = fwd_free};

/* sma_cross's rules written out plainly, one event at a time, for every symbol (the reference that
 * the strategy's bookkeeping for its hook, its open-buy list and position count, must match). */
typedef struct {
    size_t n;
    qc_sma_pair *sma;
    int *prev, *cmp;
    uint64_t *buy, *sell;
} ref_state;

static void ref_free(void *st) {
    ref_state *r = st;
    for (size_t s = 0; r->sma && s < r->n; s++) qc_sma_pair_free(&r->sma[s]);
    free(r->sma), free(r->prev), free(r->cmp), free(r->buy), free(r->sell);
    memset(r, 0, sizeof *r);
}

static qc_err ref_init(void *st, const qc_params *p, const qc_ctx *ctx, qc_error *err) {
    ref_state *r = st;
    r->n = qc_ctx_n_symbols(ctx);
    r->sma = calloc(r->n, sizeof *r->sma);
    r->prev = calloc(r->n, sizeof *r->prev), r->cmp = calloc(r->n, sizeof *r->cmp);
    r->buy = calloc(r->n, sizeof *r->buy), r->sell = calloc(r->n, sizeof *r->sell);
    if (!r->sma || !r->prev || !r->cmp || !r->buy || !r->sell) return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    for (size_t s = 0; s < r->n; s++) {
        r->prev[s] = r->cmp[s] = QC_SMA_UNDEFINED;
        qc_err rc = qc_sma_pair_init(&r->sma[s], (size_t)qc_params_get(p, "fast"), (size_t)qc_params_get(p, "slow"), err);
        if (rc) return rc;
    }
    return QC_OK;
}

static int ref_open(const qc_ctx *ctx, uint64_t id) {
    const qc_order *o = id ? qc_ctx_order(ctx, id) : NULL;
    return o && qc_order_is_open(o);
}

static double ref_cash_per_buy(const ref_state *r, const qc_ctx *ctx) {
    double cash = qc_ctx_cash(ctx);
    size_t flat = 0;
    for (uint32_t s = 0; s < r->n; s++) {
        const qc_order *o = r->buy[s] ? qc_ctx_order(ctx, r->buy[s]) : NULL;
        if (o && qc_order_is_open(o)) {
            double left = o->req.cash - o->filled_qty * o->avg_price;
            if (left > 0) cash -= left;
        } else if (qc_ctx_position(ctx, s) == 0) {
            flat++;
        }
    }
    return flat ? cash / (double)flat : 0;
}

static void ref_on_bar(void *st, qc_ctx *ctx) {
    ref_state *r = st;
    double per_buy = NAN;
    for (uint32_t s = 0; s < r->n; s++) {
        if (!qc_ctx_has_bar(ctx, s)) continue;
        qc_sma_pair_push(&r->sma[s], qc_ctx_close(ctx, s, 0));
        int prev = r->cmp[s], cmp = qc_sma_pair_cmp(&r->sma[s]);
        r->prev[s] = prev, r->cmp[s] = cmp;
        if (prev == QC_SMA_UNDEFINED || cmp == QC_SMA_UNDEFINED) continue;
        if (cmp > 0 && prev <= 0) {
            if (qc_ctx_position(ctx, s) != 0 || ref_open(ctx, r->buy[s])) continue;
            if (isnan(per_buy)) per_buy = ref_cash_per_buy(r, ctx);
            if (!(per_buy > 0)) continue;
            qc_order_req q = {.symbol = s, .side = QC_BUY, .type = QC_ORD_MARKET, .tif = QC_TIF_DAY, .cash = per_buy};
            r->buy[s] = qc_ctx_submit(ctx, &q);
        } else if (cmp < 0 && prev >= 0) {
            double pos = qc_ctx_position(ctx, s);
            if (!(pos > 0) || ref_open(ctx, r->sell[s])) continue;
            qc_order_req q = {.symbol = s, .side = QC_SELL, .type = QC_ORD_MARKET, .tif = QC_TIF_DAY, .qty = pos,
                              .reduce_only = 1};
            r->sell[s] = qc_ctx_submit(ctx, &q);
        }
    }
}

static const qc_strategy_def k_reference = {.name = "sma_cross_reference",
                                            .summary = "sma_cross's rules, plainly",
                                            .state_size = sizeof(ref_state),
                                            .init = ref_init,
                                            .on_bar = ref_on_bar,
                                            .free_state = ref_free};

static uint64_t rng_next(uint64_t *s) {
    *s ^= *s << 13, *s ^= *s >> 7, *s ^= *s << 17;
    return *s;
}
static double rng_unif(uint64_t *s) { return (double)(rng_next(s) >> 11) * 0x1.0p-53; }

/* Minute bars of one symbol: cents mostly, flat stretches, some prices that are no short decimal. */
static void seeded_symbol(qc_bars *b, size_t n, uint64_t seed) {
    double p = 50;
    int64_t t0 = INT64_C(1262304000) * 1000000000;
    assert_int_equal(qc_bars_reserve(b, n, NULL), QC_OK);
    for (size_t i = 0; i < n; i++) {
        double u = rng_unif(&seed), o = p;
        if (u < 0.75) p = round(p * (1 + 0.004 * (rng_unif(&seed) - 0.5)) * 100) / 100;
        else if (u < 0.97) { /* flat */ }
        else p = p * (1 + 0.004 * (rng_unif(&seed) - 0.5)); /* inexact */
        int64_t ts = t0 + (int64_t)(i + 1) * 60 * 1000000000;
        qc_bars_push(b, ts, ts - 60 * INT64_C(1000000000), o, fmax(o, p) * 1.001, fmin(o, p) * 0.999, p, 1000, NAN, 0,
                     NULL);
    }
}

static void one_symbol(qc_bars *b, size_t n) { seeded_symbol(b, n, 0x5EED); }

static double g_participation = 1.0; /* of each bar's volume: small values make partial fills */
static qc_backtest_result *g_recycle; /* handed to the next run (qc_backtest_opts.recycle) */

static int g_stepped;       /* run through a session, one qc_kernel_event per event (the merge path) */
static double g_loss_limit; /* risk.loss.max_daily: > 0 makes the kernel mark the risk engine every bar */
static double g_slippage;   /* bps: a close fill's price is then not the close (its mark until the next bar) */

/* The run one event at a time (qc_backtest_session: qc_kernel_event with index and presence
 * arrays) rather than qc_backtest_run's qc_kernel_event_line. */
static qc_err run_stepped(const qc_bars *const *series, const char *const *names, size_t n_sym,
                          const qc_backtest_opts *o, qc_backtest_result *r, qc_error *err) {
    qc_venue *v = NULL;
    qc_backtest_session *ses = NULL;
    qc_err rc = qc_backtest_venue_new(o, n_sym, &v, err);
    if (!rc) rc = qc_backtest_session_new(series, names, n_sym, o, v, v, NULL, &ses, err);
    while (!rc && qc_backtest_session_peek(ses) != INT64_MAX) rc = qc_backtest_session_step(ses, err);
    if (!rc) rc = qc_backtest_session_finish(ses, r, err);
    qc_backtest_session_free(ses);
    qc_backtest_venue_free(o->venue.kind, v);
    return rc;
}

static qc_backtest_result run(const qc_bars *const *series, const char *const *names, size_t n_sym,
                              const qc_strategy_def *sd, const char *fast, const char *slow, qc_fill_mode fill,
                              const qc_calendar *cal, int64_t interval_s) {
    qc_error err = {0};
    qc_params p;
    const char *kv[2] = {fast, slow};
    assert_int_equal(qc_params_parse(qc_strategy_sma_cross.params, qc_strategy_sma_cross.n_params, kv, 2, "sma_cross",
                                     &p, &err),
                     QC_OK);
    qc_backtest_opts o;
    qc_backtest_opts_init(&o);
    o.strategy = sd;
    o.params = &p;
    o.sim.fill = fill;
    o.sim.costs.commission_bps = 10;
    o.sim.costs.slippage_bps = g_slippage;
    o.sim.participation = g_participation;
    o.recycle = g_recycle;
    o.cal = cal;
    o.interval_s = interval_s;
    o.keep_exposures = 1;
    o.keep_symbol_curves = 1;
    qc_risk_limits lim;
    qc_risk_limits_init(&lim);
    lim.max_daily_loss = g_loss_limit;
    qc_risk *risk = NULL;
    assert_int_equal(qc_risk_new(&lim, names, n_sym, 1, o.kernel.cash, &risk, &err), QC_OK);
    o.kernel.risk = risk;
    qc_backtest_result r;
    qc_err rc = g_stepped ? run_stepped(series, names, n_sym, &o, &r, &err)
                          : qc_backtest_run(series, names, n_sym, &o, &r, &err);
    qc_risk_free(risk);
    if (rc) fail_msg("backtest: %s", err.msg);
    return r;
}

static void assert_same_doubles(const double *a, const double *b, size_t n) {
    if (!a || !b) {
        assert_true(a == b);
        return;
    }
    assert_memory_equal(a, b, n * sizeof *a);
}

/* Everything a run reports, bit for bit. */
static void assert_same_run(const qc_backtest_result *a, const qc_backtest_result *b) {
    assert_int_equal(a->n, b->n);
    assert_int_equal(a->n_bar_events, b->n_bar_events);
    assert_memory_equal(a->ts, b->ts, a->n * sizeof *a->ts);
    assert_same_doubles(a->equity, b->equity, a->n);
    assert_same_doubles(a->benchmark, b->benchmark, a->n);
    assert_same_doubles(a->gross, b->gross, a->n);
    assert_same_doubles(a->net, b->net, a->n);
    assert_same_doubles(a->symbol_pnl, b->symbol_pnl, a->n * a->n_symbols);
    assert_int_equal(a->n_trades, b->n_trades);
    assert_memory_equal(a->trades, b->trades, a->n_trades * sizeof *a->trades);
    assert_int_equal(a->n_orders, b->n_orders);
    assert_int_equal(a->n_open, b->n_open);
    for (size_t i = 0; i < a->n_open; i++) { /* field by field: the struct has padding */
        const qc_open_position *x = &a->open[i], *y = &b->open[i];
        assert_int_equal(x->symbol, y->symbol);
        assert_true(x->qty == y->qty && x->avg_cost == y->avg_cost && x->last_price == y->last_price &&
                    x->unrealized == y->unrealized);
    }
    assert_memory_equal(&a->metrics, &b->metrics, sizeof a->metrics);
    assert_memory_equal(&a->commission_paid, &b->commission_paid, sizeof a->commission_paid);
    assert_int_equal(a->risk.rejected, b->risk.rejected);
}

static void compare(const qc_bars *const *series, const char *const *names, size_t n_sym, const char *fast,
                    const char *slow, qc_fill_mode fill, const qc_calendar *cal, int64_t interval_s,
                    size_t min_trades) {
    qc_backtest_result quiet = run(series, names, n_sym, &qc_strategy_sma_cross, fast, slow, fill, cal, interval_s);
    qc_backtest_result each = run(series, names, n_sym, &k_per_event, fast, slow, fill, cal, interval_s);
    qc_backtest_result ref = run(series, names, n_sym, &k_reference, fast, slow, fill, cal, interval_s);
    assert_true(quiet.n_trades >= min_trades);
    assert_same_run(&quiet, &each);
    assert_same_run(&quiet, &ref);
    qc_backtest_result_free(&ref);
    qc_backtest_result_free(&quiet);
    qc_backtest_result_free(&each);
}

static void test_one_symbol_same_as_per_event(void **state) {
    (void)state;
    qc_bars b = {0};
    one_symbol(&b, 30000);
    const qc_bars *series[1] = {&b};
    const char *names[1] = {"MIN"};
    const qc_calendar *always = qc_calendar_get("24/7", NULL);
    compare(series, names, 1, "fast=10", "slow=50", QC_FILL_NEXT_OPEN, always, 60, 200);
    compare(series, names, 1, "fast=10", "slow=50", QC_FILL_CLOSE, always, 60, 200);
    compare(series, names, 1, "fast=2", "slow=3", QC_FILL_NEXT_OPEN, always, 60, 1000);
    compare(series, names, 1, "fast=30", "slow=1200", QC_FILL_NEXT_OPEN, always, 60, 5); /* the general scan */
    qc_bars_free(&b);
}

/* A synthetic daily universe of n symbols x bars; *series (caller frees) points at its bars. */
static qc_synth_market *universe(size_t n, size_t bars, const qc_bars ***series) {
    qc_synth_opts so;
    qc_synth_opts_init(&so);
    so.n_symbols = n;
    so.n_bars = bars;
    qc_synth_market *m = NULL;
    qc_error err = {0};
    assert_int_equal(qc_synth_generate(&so, &m, &err), QC_OK);
    *series = malloc(n * sizeof **series);
    assert_non_null(*series);
    for (size_t s = 0; s < n; s++) (*series)[s] = &m->bars[s];
    return m;
}

static void test_universe_same_as_per_event(void **state) {
    (void)state;
    enum { N_SYM = 40 };
    const qc_bars **series;
    qc_synth_market *m = universe(N_SYM, 800, &series);
    const qc_calendar *nyse = qc_calendar_get("NYSE", NULL);
    const char *const *names = (const char *const *)m->symbols;
    compare(series, names, N_SYM, "fast=10", "slow=50", QC_FILL_NEXT_OPEN, nyse, 86400, 100);
    compare(series, names, N_SYM, "fast=5", "slow=20", QC_FILL_CLOSE, nyse, 86400, 100);
    compare(series, names, 3, "fast=3", "slow=7", QC_FILL_NEXT_OPEN, nyse, 86400, 50);
    free(series);
    qc_synth_free(m);
}

/* Many symbols with short windows: some symbol crosses at nearly every event, so orders rest almost
 * always and sma_cross's hook works ahead while they do (the kernel skips on_bar until a crossing
 * is due, and on_bar visits only the symbols crossing then); with a small participation, buys fill
 * over several bars (open buys of held symbols in the cash split). */
static void test_crowded_universe_same_as_per_event(void **state) {
    (void)state;
    enum { N_SYM = 120 };
    const qc_bars **series;
    qc_synth_market *m = universe(N_SYM, 700, &series);
    const qc_calendar *nyse = qc_calendar_get("NYSE", NULL);
    const char *const *names = (const char *const *)m->symbols;
    compare(series, names, N_SYM, "fast=2", "slow=3", QC_FILL_NEXT_OPEN, nyse, 86400, 5000);
    compare(series, names, N_SYM, "fast=2", "slow=5", QC_FILL_CLOSE, nyse, 86400, 3000);
    compare(series, names, N_SYM, "fast=10", "slow=50", QC_FILL_NEXT_OPEN, nyse, 86400, 500);
    g_participation = 1e-5;
    qc_backtest_result r = run(series, names, N_SYM, &qc_strategy_sma_cross, "fast=3", "slow=8",
                               QC_FILL_NEXT_OPEN, nyse, 86400);
    assert_true(r.sim.partial_fills > 100);
    qc_backtest_result_free(&r);
    compare(series, names, N_SYM, "fast=3", "slow=8", QC_FILL_NEXT_OPEN, nyse, 86400, 100);
    g_participation = 1.0;
    free(series);
    qc_synth_free(m);
}

/* Minute bars of several symbols (a DAY order lasts the whole 24/7 day) with a participation cap:
 * buys fill over many bars, so a buy's cash split meets symbols held with their buy still open. */
static void test_partial_buys_same_as_per_event(void **state) {
    (void)state;
    enum { N_SYM = 12, N_BARS = 4000 };
    qc_bars bars[N_SYM];
    const qc_bars *series[N_SYM];
    const char *names[N_SYM] = {"A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L"};
    memset(bars, 0, sizeof bars);
    for (size_t s = 0; s < N_SYM; s++) seeded_symbol(&bars[s], N_BARS, 0x5EED + 977 * s), series[s] = &bars[s];
    const qc_calendar *always = qc_calendar_get("24/7", NULL);
    g_participation = 0.01;
    qc_backtest_result r = run(series, names, N_SYM, &qc_strategy_sma_cross, "fast=5", "slow=20", QC_FILL_NEXT_OPEN,
                               always, 60);
    assert_true(r.sim.partial_fills > 1000);
    qc_backtest_result_free(&r);
    compare(series, names, N_SYM, "fast=5", "slow=20", QC_FILL_NEXT_OPEN, always, 60, 200);
    compare(series, names, N_SYM, "fast=2", "slow=3", QC_FILL_CLOSE, always, 60, 200);
    g_participation = 1.0;
    for (size_t s = 0; s < N_SYM; s++) qc_bars_free(&bars[s]);
}

/* qc_backtest_run replays a universe on one timeline with qc_kernel_event_line (no index or presence
 * arrays, the symbols the venue holds no orders for passed in runs); stepped through a session
 * every event goes through qc_kernel_event: the two give the same run bit for bit, orders resting
 * at nearly every event, with and without the risk engine's per-bar marks, next-open and close
 * fills, partial fills, slippage (a close fill's price is its symbol's mark until the next bar),
 * and with sma_cross's hook or on_bar at every event, also reading the equity after each on_bar. */
static void test_line_events_same_as_stepped(void **state) {
    (void)state;
    enum { N_SYM = 70 };
    const qc_bars **series;
    qc_synth_market *m = universe(N_SYM, 500, &series);
    const qc_calendar *nyse = qc_calendar_get("NYSE", NULL);
    const char *const *names = (const char *const *)m->symbols;
    const qc_strategy_def *strats[3] = {&qc_strategy_sma_cross, &k_per_event, &k_equity_reader};
    const double limits[2] = {0, 1e9}, parts[2] = {1.0, 1e-5};
    for (int k = 0; k < 24; k++) { /* 8-15: one symbol (its benchmark is computed as the run goes) */
        const qc_strategy_def *sd = strats[k < 16 ? k & 1 : 2];
        g_slippage = k & 4 || k >= 16 ? 5 : 0;
        g_loss_limit = limits[(k >> 1) & 1];
        g_participation = parts[(k >> 2) & 1];
        qc_fill_mode fill = k & 2 ? QC_FILL_CLOSE : QC_FILL_NEXT_OPEN;
        size_t n_sym = k < 8 || k >= 16 ? N_SYM : 1;
        qc_backtest_result line = run(series, names, n_sym, sd, "fast=2", "slow=3", fill, nyse, 86400);
        g_stepped = 1;
        qc_backtest_result each = run(series, names, n_sym, sd, "fast=2", "slow=3", fill, nyse, 86400);
        g_stepped = 0;
        assert_true(line.n_trades > (n_sym > 1 ? 100u : 10u) || g_participation < 1);
        assert_true(line.n_orders > (n_sym > 1 ? 1000u : 20u));
        assert_same_run(&line, &each);
        assert_same_doubles(line.comparison, each.comparison, line.n);
        assert_true((line.comparison != NULL) == (sd == &k_equity_reader));
        qc_backtest_result_free(&line);
        qc_backtest_result_free(&each);
    }
    g_loss_limit = 0;
    g_slippage = 0;
    g_participation = 1.0;
    free(series);
    qc_synth_free(m);
}

/* A run that takes over an earlier result's arrays (qc_backtest_opts.recycle) gives what a fresh
 * run gives, whether the arrays fit (taken) or are too small (freed), and empties the old result. */
static void test_recycled_result_arrays(void **state) {
    (void)state;
    qc_bars b = {0}, small = {0};
    one_symbol(&b, 5000);
    one_symbol(&small, 200);
    const qc_bars *series[1] = {&b}, *small_series[1] = {&small};
    const char *names[1] = {"MIN"};
    const qc_calendar *always = qc_calendar_get("24/7", NULL);
    qc_backtest_result fresh = run(series, names, 1, &qc_strategy_sma_cross, "fast=5", "slow=20", QC_FILL_NEXT_OPEN,
                                   always, 60);
    qc_backtest_result old = run(series, names, 1, &qc_strategy_sma_cross, "fast=3", "slow=9", QC_FILL_CLOSE,
                                 always, 60);
    double *old_equity = old.equity;
    g_recycle = &old;
    qc_backtest_result again = run(series, names, 1, &qc_strategy_sma_cross, "fast=5", "slow=20", QC_FILL_NEXT_OPEN,
                                   always, 60);
    assert_true(again.equity == old_equity); /* taken over */
    assert_null(old.equity);
    assert_null(old.symbols);
    assert_same_run(&again, &fresh);
    qc_backtest_result tiny = run(small_series, names, 1, &qc_strategy_sma_cross, "fast=5", "slow=20",
                                  QC_FILL_NEXT_OPEN, always, 60);
    g_recycle = &tiny; /* too small for 5000 events: freed, fresh arrays */
    qc_backtest_result third = run(series, names, 1, &qc_strategy_sma_cross, "fast=5", "slow=20", QC_FILL_NEXT_OPEN,
                                   always, 60);
    g_recycle = NULL;
    assert_null(tiny.equity);
    assert_same_run(&third, &fresh);
    qc_backtest_result_free(&fresh);
    qc_backtest_result_free(&again);
    qc_backtest_result_free(&third);
    qc_bars_free(&b);
    qc_bars_free(&small);
}

static int64_t fixed_now(const qc_clock *c) { (void)c; return 0; }
static void no_signal(void *ctx) { (void)ctx; }

/* Runs events one at a time from the start, at least `min_events` of them and then until an order
 * rests at the venue if `until_active`; then asks for a quiet stretch from the next event (*from).
 * Returns where the kernel says the stretch ends (*from when it declined). */
static size_t quiet_at(const qc_strategy_def *sd, const qc_kernel_opts *ko, const qc_bars *b, size_t min_events,
                       int until_active, size_t *from) {
    qc_error err = {0};
    qc_params p;
    assert_int_equal(qc_params_parse(qc_strategy_sma_cross.params, qc_strategy_sma_cross.n_params, NULL, 0,
                                     "sma_cross", &p, &err),
                     QC_OK);
    qc_sim_opts so;
    qc_sim_opts_init(&so);
    qc_venue *v = NULL;
    assert_int_equal(qc_sim_venue_new(&so, 1, &v, &err), QC_OK);
    qc_clock clk = {fixed_now};
    const char *names[1] = {"MIN"};
    qc_kernel *k = NULL;
    assert_int_equal(qc_kernel_new(ko, names, 1, sd, &p, v, &clk, &k, &err), QC_OK);
    const qc_bars *series[1] = {b};
    uint8_t has[1] = {1};
    size_t e = 0;
    for (; e < b->n; e++) {
        size_t idx[1] = {e};
        assert_int_equal(qc_kernel_event(k, b->ts[e], series, idx, has, &err), QC_OK);
        if (e + 1 >= min_events && (!until_active || v->active)) break;
    }
    assert_true(e + 1 < b->n);
    if (until_active) assert_true(v->active > 0);
    *from = e + 1;
    size_t got = qc_kernel_quiet(k, b->ts, series, e + 1, b->n);
    qc_kernel_finish(k);
    qc_kernel_free(k);
    qc_sim_venue_free(v);
    return got;
}

static void test_kernel_quiet_only_when_idle(void **state) {
    (void)state;
    qc_bars b = {0};
    one_symbol(&b, 3000);
    qc_kernel_opts ko = {.cash = 100000};
    size_t from = 0;
    /* sma_cross with nothing resting: the stretch runs to (not past) its first crossing */
    size_t got = quiet_at(&qc_strategy_sma_cross, &ko, &b, 1, 0, &from);
    assert_true(got > from + 50 && got < b.n);
    /* a resting order (the crossing's market order waits for the next open): declined */
    got = quiet_at(&qc_strategy_sma_cross, &ko, &b, 1, 1, &from);
    assert_int_equal(got, from);
    assert_true(from > 50);
    /* a wrapped strategy, a signal hook, borrow accrual: declined */
    got = quiet_at(&k_per_event, &ko, &b, 60, 0, &from);
    assert_int_equal(got, from);
    qc_kernel_opts hooked = ko;
    hooked.on_signal = no_signal;
    got = quiet_at(&qc_strategy_sma_cross, &hooked, &b, 60, 0, &from);
    assert_int_equal(got, from);
    qc_kernel_opts borrow = ko;
    borrow.borrow_rate = 0.05;
    borrow.periods_per_year = 252;
    got = quiet_at(&qc_strategy_sma_cross, &borrow, &b, 60, 0, &from);
    assert_int_equal(got, from);
    /* the last event alone: passed when it is no crossing */
    got = quiet_at(&qc_strategy_sma_cross, &ko, &b, b.n - 1, 0, &from);
    assert_true(got == from || got == b.n);
    qc_bars_free(&b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_symbol_same_as_per_event),
        cmocka_unit_test(test_universe_same_as_per_event),
        cmocka_unit_test(test_crowded_universe_same_as_per_event),
        cmocka_unit_test(test_partial_buys_same_as_per_event),
        cmocka_unit_test(test_line_events_same_as_stepped),
        cmocka_unit_test(test_recycled_result_arrays),
        cmocka_unit_test(test_kernel_quiet_only_when_idle),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
