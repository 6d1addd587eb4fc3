/* test_kernel.c: the shared kernel, the simulated venue and the account, driven by small scripted
 * strategies over hand-made bars: fill timing (next open, close, close-only fallback), no
 * look-ahead (a peeking strategy gets nothing), limit/stop rules including gaps, the pessimistic
 * stop-vs-target path, participation caps with GTC/DAY/IOC, cash orders, shorts, reversals,
 * borrow cost, the leverage check and the order state machine. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "backtest/backtest.h"
#include "backtest/sim_venue.h"
#include "execution/kernel.h"

/* ---- a scripted strategy: at event e, submit every order scripted for e ---------------------- */

#define MAX_STEPS 16
typedef struct {
    size_t n;
    size_t event[MAX_STEPS];
    qc_order_req req[MAX_STEPS];
    uint64_t ids[MAX_STEPS];
    int peek;                 /* tries to read the future */
    double peeked;            /* what it got */
    size_t hist_len[MAX_STEPS];
    size_t cur;
    /* cancel or replace step k's order at event act_at[k] (0 = never; events count from 1 here) */
    size_t cancel_at[MAX_STEPS], replace_at[MAX_STEPS];
    double replace_qty[MAX_STEPS], replace_limit[MAX_STEPS];
    qc_err act_rc[MAX_STEPS];
} script;

static script g_script;

static qc_err s_init(void *st, const qc_params *p, const qc_ctx *ctx, qc_error *err) {
    (void)st, (void)p, (void)ctx, (void)err;
    g_script.cur = 0;
    return QC_OK;
}

static void s_on_bar(void *st, qc_ctx *ctx) {
    (void)st;
    script *s = &g_script;
    size_t e = s->cur++;
    if (e < MAX_STEPS) s->hist_len[e] = qc_ctx_history_len(ctx, 0);
    if (s->peek) s->peeked = qc_ctx_close(ctx, 0, -1);
    for (size_t k = 0; k < s->n; k++) {
        if (s->event[k] == e) s->ids[k] = qc_ctx_submit(ctx, &s->req[k]);
        if (s->cancel_at[k] == e + 1) s->act_rc[k] = qc_ctx_cancel(ctx, s->ids[k]);
        if (s->replace_at[k] == e + 1)
            s->act_rc[k] = qc_ctx_replace(ctx, s->ids[k], s->replace_qty[k], s->replace_limit[k], 0);
    }
}

static const qc_strategy_def k_script = {"script", "test", NULL, 0, 1, s_init, s_on_bar, NULL, NULL, NULL};

static qc_bars g_bars;

static void bar(double o, double h, double l, double c, double v) {
    int64_t day = qc_days_from_civil(2024, 1, 2) + (int64_t)g_bars.n;
    int64_t ts = day * QC_NS_PER_DAY + 21 * QC_NS_PER_HOUR;
    qc_bars_push(&g_bars, ts, ts - 6 * QC_NS_PER_HOUR - 30 * QC_NS_PER_MIN, o, h, l, c, v, NAN, 0, NULL);
}

static void reset(void) {
    memset(&g_script, 0, sizeof g_script);
    qc_bars_free(&g_bars);
}

/* Scripts an order at event e; returns its step index. */
static size_t at(size_t e, qc_side side, qc_order_type type, qc_tif tif, double qty, double cash, double limit,
                 double stop) {
    size_t k = g_script.n++;
    g_script.event[k] = e;
    g_script.req[k] = (qc_order_req){0, side, type, tif, qty, cash, limit, stop, 0, 0};
    return k;
}

/* Runs the scripted strategy over g_bars; returns the result (caller frees). */
static qc_backtest_result run(qc_fill_mode fill, double participation, double commission_bps, double leverage) {
    qc_backtest_opts o;
    qc_backtest_opts_init(&o);
    o.strategy = &k_script;
    qc_params p = {0};
    o.params = &p;
    o.cal = qc_calendar_get("24/7", NULL);
    o.sim.fill = fill;
    o.sim.participation = participation;
    o.sim.costs.commission_bps = commission_bps;
    o.kernel.cash = 10000;
    o.kernel.leverage_limit = leverage;
    o.metrics.periods_per_year = 252;
    const qc_bars *series[1] = {&g_bars};
    const char *names[1] = {"T"};
    qc_backtest_result r;
    qc_error e = {0};
    qc_err rc = qc_backtest_run(series, names, 1, &o, &r, &e);
    if (rc) fail_msg("backtest failed: %s", e.msg);
    return r;
}

static void test_next_open_and_close_fills(void **state) {
    (void)state;
    reset();
    bar(10, 11, 9, 10, 1e6);
    bar(12, 13, 11, 12.5, 1e6);
    bar(13, 14, 12, 13, 1e6);
    at(0, QC_BUY, QC_ORD_MARKET, QC_TIF_DAY, 100, 0, 0, 0);
    at(1, QC_SELL, QC_ORD_MARKET, QC_TIF_DAY, 100, 0, 0, 0);
    qc_backtest_result r = run(QC_FILL_NEXT_OPEN, 0, 0, 0);
    assert_int_equal(r.n_trades, 1);
    assert_true(r.trades[0].entry_price == 12); /* bar 1's open, not bar 0's close */
    assert_true(r.trades[0].exit_price == 13);  /* bar 2's open */
    assert_true(fabs(r.trades[0].pnl - 100) < 1e-9);
    assert_true(r.trades[0].entry_ts == g_bars.ts[1]);
    qc_backtest_result_free(&r);
    r = run(QC_FILL_CLOSE, 0, 0, 0);
    assert_int_equal(r.n_trades, 1);
    assert_true(r.trades[0].entry_price == 10 && r.trades[0].exit_price == 12.5);
    assert_true(fabs(r.equity[1] - (10000 + 250)) < 1e-9);
    qc_backtest_result_free(&r);
}

static void test_close_only_falls_back_to_close(void **state) {
    (void)state;
    reset();
    bar(10, 10, 10, 10, NAN);
    bar(11, 11, 11, 11, NAN);
    for (size_t i = 0; i < g_bars.n; i++) g_bars.flags[i] |= QC_BAR_CLOSE_ONLY;
    g_bars.open[1] = 999; /* a close-only bar's open is meaningless: must not be used */
    at(0, QC_BUY, QC_ORD_MARKET, QC_TIF_DAY, 1, 0, 0, 0);
    qc_backtest_result r = run(QC_FILL_NEXT_OPEN, 1, 0, 0);
    assert_int_equal(r.n_open, 1);
    assert_true(r.open[0].avg_cost == 11);
    qc_backtest_result_free(&r);
}

/* The strategy that peeks at tomorrow gets NaN: the future is not reachable. */
static void test_no_lookahead(void **state) {
    (void)state;
    reset();
    for (int i = 0; i < 6; i++) bar(10 + i, 11 + i, 9 + i, 10.5 + i, 1e6);
    g_script.peek = 1;
    qc_backtest_result r = run(QC_FILL_NEXT_OPEN, 0, 0, 0);
    assert_true(isnan(g_script.peeked));
    for (size_t e = 0; e < 6; e++) assert_int_equal(g_script.hist_len[e], e + 1);
    assert_true(r.ts[0] == g_bars.ts[0]); /* events fire at the bar's close stamp */
    qc_backtest_result_free(&r);
}

static void test_limit_never_better(void **state) {
    (void)state;
    reset();
    bar(10, 10.5, 9.5, 10, 1e6);
    bar(9, 9.2, 8.5, 9, 1e6);  /* gaps below the 9.8 limit: fills AT 9.8, not 9 or 8.5 */
    bar(9, 9.5, 8.8, 9.1, 1e6);
    at(0, QC_BUY, QC_ORD_LIMIT, QC_TIF_GTC, 10, 0, 9.8, 0);
    qc_backtest_result r = run(QC_FILL_NEXT_OPEN, 0, 0, 0);
    assert_true(r.open[0].avg_cost == 9.8);
    qc_backtest_result_free(&r);
    /* a sell limit above the range never fills */
    reset();
    bar(10, 10.5, 9.5, 10, 1e6);
    bar(10, 10.4, 9.5, 10, 1e6);
    at(0, QC_SELL, QC_ORD_LIMIT, QC_TIF_GTC, 10, 0, 10.5, 0);
    r = run(QC_FILL_NEXT_OPEN, 0, 0, 0);
    assert_int_equal(r.n_open, 0);
    assert_int_equal(r.sim.fills, 0);
    qc_backtest_result_free(&r);
}

static void test_stop_trigger_and_gap(void **state) {
    (void)state;
    reset();
    bar(10, 10.5, 9.5, 10, 1e6);
    bar(10.2, 11.5, 10, 11, 1e6); /* trades through 11: fills at the stop */
    bar(11, 11.5, 10.8, 11, 1e6);
    at(0, QC_BUY, QC_ORD_STOP, QC_TIF_GTC, 1, 0, 0, 11);
    qc_backtest_result r = run(QC_FILL_NEXT_OPEN, 0, 0, 0);
    assert_true(r.open[0].avg_cost == 11);
    qc_backtest_result_free(&r);
    reset();
    bar(10, 10.5, 9.5, 10, 1e6);
    bar(12, 12.5, 11.8, 12, 1e6); /* gaps over the 11 stop: fills at the 12 open */
    at(0, QC_BUY, QC_ORD_STOP, QC_TIF_GTC, 1, 0, 0, 11);
    r = run(QC_FILL_NEXT_OPEN, 0, 0, 0);
    assert_true(r.open[0].avg_cost == 12);
    qc_backtest_result_free(&r);
    /* stop-limit that gaps beyond its limit rests as a limit */
    reset();
    bar(10, 10.5, 9.5, 10, 1e6);
    bar(12, 12.5, 11.8, 12, 1e6);
    bar(11.8, 12, 11.4, 11.6, 1e6);
    at(0, QC_BUY, QC_ORD_STOP_LIMIT, QC_TIF_GTC, 1, 0, 11.5, 11);
    r = run(QC_FILL_NEXT_OPEN, 0, 0, 0);
    assert_true(r.open[0].avg_cost == 11.5);
    assert_int_equal(r.n_trades, 0);
    qc_backtest_result_free(&r);
}

/* Long 10 with a stop-loss at 9 and a take-profit at 11; one bar spans both: the stop wins, the
 * reduce-only target is cancelled, and the bar is counted. */
static void test_stop_and_target_pessimistic(void **state) {
    (void)state;
    reset();
    bar(10, 10.2, 9.8, 10, 1e6);
    bar(10, 10.2, 9.8, 10, 1e6);
    bar(10, 11.5, 8.5, 10, 1e6);
    bar(10, 10.2, 9.8, 10, 1e6);
    at(0, QC_BUY, QC_ORD_MARKET, QC_TIF_DAY, 10, 0, 0, 0);
    size_t target = at(1, QC_SELL, QC_ORD_LIMIT, QC_TIF_GTC, 10, 0, 11, 0); /* placed first on purpose */
    size_t stop = at(1, QC_SELL, QC_ORD_STOP, QC_TIF_GTC, 10, 0, 0, 9);
    g_script.req[target].reduce_only = g_script.req[stop].reduce_only = 1;
    qc_backtest_result r = run(QC_FILL_NEXT_OPEN, 0, 0, 0);
    assert_int_equal(r.n_trades, 1);
    assert_true(r.trades[0].exit_price == 9);
    assert_int_equal(r.n_open, 0);
    assert_int_equal(r.sim.stop_and_target_bars, 1);
    qc_backtest_result_free(&r);
}

static void test_participation_and_tif(void **state) {
    (void)state;
    reset();
    bar(10, 10, 10, 10, 1000);
    bar(10, 10, 10, 10, 300);
    bar(10, 10, 10, 10, 300);
    bar(10, 10, 10, 10, 300);
    bar(10, 10, 10, 10, 300);
    size_t gtc = at(0, QC_BUY, QC_ORD_MARKET, QC_TIF_GTC, 500, 0, 0, 0);
    qc_backtest_result r = run(QC_FILL_NEXT_OPEN, 1.0, 0, 0); /* 300 then 200 */
    assert_true(r.open[0].qty == 500);
    assert_int_equal(r.sim.partial_fills, 1);
    qc_backtest_result_free(&r);
    g_script.req[gtc].tif = QC_TIF_DAY; /* daily bars: the rest expires after its bar */
    r = run(QC_FILL_NEXT_OPEN, 1.0, 0, 0);
    assert_true(r.open[0].qty == 300);
    assert_int_equal(r.sim.expired, 1);
    qc_backtest_result_free(&r);
    g_script.req[gtc].tif = QC_TIF_IOC;
    r = run(QC_FILL_NEXT_OPEN, 0.5, 0, 0); /* half of 300 */
    assert_true(r.open[0].qty == 150);
    qc_backtest_result_free(&r);
}

/* All-in cash order: qty = cash / (price * (1 + commission rate)); cash never goes negative. */
static void test_cash_order_commission(void **state) {
    (void)state;
    reset();
    bar(10, 10, 10, 10, 1e9);
    bar(20, 21, 19, 20, 1e9);
    bar(20, 21, 19, 20, 1e9);
    at(0, QC_BUY, QC_ORD_MARKET, QC_TIF_DAY, 0, 10000, 0, 0);
    qc_backtest_result r = run(QC_FILL_NEXT_OPEN, 0, 10, 0); /* 10 bps */
    double qty = 10000 / (20 * 1.001);
    assert_true(fabs(r.open[0].qty - qty) < 1e-9);
    double cash_left = r.equity[1] - qty * 20;
    assert_true(cash_left >= -1e-9 && cash_left < 1e-6);
    qc_backtest_result_free(&r);
}

static void test_short_reversal_and_borrow(void **state) {
    (void)state;
    reset();
    bar(10, 10, 10, 10, 1e9);
    bar(10, 10, 10, 10, 1e9);
    bar(8, 8, 8, 8, 1e9);
    bar(9, 9, 9, 9, 1e9);
    bar(9, 9, 9, 9, 1e9);
    at(0, QC_SELL, QC_ORD_MARKET, QC_TIF_DAY, 100, 0, 0, 0); /* short 100 at 10 */
    at(1, QC_BUY, QC_ORD_MARKET, QC_TIF_DAY, 150, 0, 0, 0);  /* cover at 8 and go long 50 */
    qc_backtest_result r = run(QC_FILL_NEXT_OPEN, 0, 0, 0);
    assert_int_equal(r.n_trades, 1);
    assert_int_equal(r.trades[0].side, -1);
    assert_true(fabs(r.trades[0].pnl - 200) < 1e-9);
    assert_true(r.open[0].qty == 50 && r.open[0].avg_cost == 8);
    assert_true(fabs(r.equity[4] - (10000 + 200 + 50)) < 1e-9);
    qc_backtest_result_free(&r);
}

static void test_leverage_limit(void **state) {
    (void)state;
    reset();
    bar(10, 10, 10, 10, 1e9);
    bar(10, 10, 10, 10, 1e9);
    size_t big = at(0, QC_BUY, QC_ORD_MARKET, QC_TIF_DAY, 2000, 0, 0, 0); /* 20,000 > 1 x 10,000 */
    qc_backtest_result r = run(QC_FILL_NEXT_OPEN, 0, 0, 1.0);
    assert_int_equal(g_script.ids[big], 0);
    assert_int_equal(r.n_open, 0);
    qc_backtest_result_free(&r);
    r = run(QC_FILL_NEXT_OPEN, 0, 0, 2.0);
    assert_true(g_script.ids[big] > 0);
    qc_backtest_result_free(&r);
}

/* The leverage check sums equity and exposure once per change of the account: a mark that moves
 * the price between two checks (no fill between them) must reach the second. */
static void test_leverage_after_marks(void **state) {
    (void)state;
    reset();
    bar(10, 10, 10, 10, 1e9);
    bar(10, 10, 10, 10, 1e9);
    bar(10, 10, 5, 5, 1e9); /* the position halves in value at this close */
    bar(5, 5, 5, 5, 1e9);
    size_t first = at(0, QC_BUY, QC_ORD_MARKET, QC_TIF_DAY, 1000, 0, 0, 0);  /* 10,000 at event 1's open */
    size_t probe = at(1, QC_BUY, QC_ORD_MARKET, QC_TIF_DAY, 1e5, 0, 0, 0);   /* refused: sums at event 1 */
    size_t late = at(2, QC_BUY, QC_ORD_MARKET, QC_TIF_DAY, 750, 0, 0, 0);    /* (5,000 + 3,750) / 5,000 */
    qc_backtest_result r = run(QC_FILL_NEXT_OPEN, 0, 0, 1.5); /* 1.75 > 1.5 (at event 1's marks: 1.375) */
    assert_true(g_script.ids[first] > 0);
    assert_int_equal(g_script.ids[probe], 0);
    assert_int_equal(g_script.ids[late], 0);
    qc_backtest_result_free(&r);
    r = run(QC_FILL_NEXT_OPEN, 0, 0, 2.0);
    assert_true(g_script.ids[late] > 0);
    qc_backtest_result_free(&r);
}

/* A resting limit is cancelled before it can fill; another is replaced to a marketable price and
 * larger size, keeping its id. */
static void test_cancel_and_replace(void **state) {
    (void)state;
    reset();
    bar(10, 10.2, 9.9, 10, 1e9);
    bar(10, 10.2, 9.9, 10, 1e9);
    bar(10, 10.2, 9.0, 9.5, 1e9); /* would fill a 9.5 buy limit */
    bar(10, 10.2, 9.0, 9.5, 1e9);
    size_t a = at(0, QC_BUY, QC_ORD_LIMIT, QC_TIF_GTC, 10, 0, 9.5, 0);
    g_script.cancel_at[a] = 2; /* at event 1, before bar 2 */
    qc_backtest_result r = run(QC_FILL_NEXT_OPEN, 0, 0, 0);
    assert_int_equal(g_script.act_rc[a], QC_OK);
    assert_int_equal(r.n_open, 0);
    assert_int_equal(r.sim.cancelled, 1);
    qc_backtest_result_free(&r);
    reset();
    bar(10, 10.2, 9.9, 10, 1e9);
    bar(10, 10.2, 9.9, 10, 1e9);
    bar(10, 10.2, 9.6, 9.8, 1e9);
    size_t b = at(0, QC_BUY, QC_ORD_LIMIT, QC_TIF_GTC, 10, 0, 9.0, 0);
    g_script.replace_at[b] = 2;
    g_script.replace_qty[b] = 25;
    g_script.replace_limit[b] = 9.7;
    r = run(QC_FILL_NEXT_OPEN, 0, 0, 0);
    assert_int_equal(g_script.act_rc[b], QC_OK);
    assert_true(r.open[0].qty == 25 && r.open[0].avg_cost == 9.7);
    assert_int_equal(r.n_orders, 1); /* same order, same id */
    qc_backtest_result_free(&r);
}

/* Borrow cost accrues on short notional each period at the annual rate / periods per year. */
static void test_borrow_cost(void **state) {
    (void)state;
    reset();
    for (int i = 0; i < 12; i++) bar(10, 10, 10, 10, 1e9);
    at(0, QC_SELL, QC_ORD_MARKET, QC_TIF_DAY, 100, 0, 0, 0); /* short $1,000 from bar 1 */
    qc_backtest_opts o;
    qc_backtest_opts_init(&o);
    qc_params p = {0};
    o.strategy = &k_script;
    o.params = &p;
    o.cal = qc_calendar_get("24/7", NULL);
    o.kernel.cash = 10000;
    o.kernel.borrow_rate = 0.252; /* 0.1% of notional per period at 252 periods */
    o.metrics.periods_per_year = 252;
    const qc_bars *series[1] = {&g_bars};
    const char *names[1] = {"T"};
    qc_backtest_result r;
    qc_error e = {0};
    assert_int_equal(qc_backtest_run(series, names, 1, &o, &r, &e), QC_OK);
    /* the short exists after bar 1's fill; events 1..11 each charge 1.0 */
    assert_true(fabs(r.borrow_paid - 11.0) < 1e-9);
    assert_true(fabs(r.equity[11] - (10000 - 11.0)) < 1e-9);
    qc_backtest_result_free(&r);
}

static void test_order_state_machine(void **state) {
    (void)state;
    assert_true(qc_order_can_transition(QC_OS_PENDING_NEW, QC_OS_NEW));
    assert_true(qc_order_can_transition(QC_OS_NEW, QC_OS_PARTIAL));
    assert_true(qc_order_can_transition(QC_OS_PARTIAL, QC_OS_FILLED));
    assert_true(qc_order_can_transition(QC_OS_PENDING_CANCEL, QC_OS_FILLED));
    assert_true(qc_order_can_transition(QC_OS_REPLACED, QC_OS_NEW));
    assert_false(qc_order_can_transition(QC_OS_FILLED, QC_OS_CANCELLED));
    assert_false(qc_order_can_transition(QC_OS_CANCELLED, QC_OS_NEW));
    assert_false(qc_order_can_transition(QC_OS_PENDING_NEW, QC_OS_FILLED));
    assert_false(qc_order_can_transition(QC_OS_EXPIRED, QC_OS_PARTIAL));
    qc_order o = {0};
    o.status = QC_OS_FILLED;
    qc_error e = {0};
    assert_int_equal(qc_order_transition(&o, QC_OS_NEW, 0, &e), QC_ERR_EXECUTION);
    assert_non_null(strstr(e.msg, "filled -> new"));
    qc_order_req bad = {0, QC_BUY, QC_ORD_LIMIT, QC_TIF_DAY, 1, 0, 0, 0, 0, 0};
    assert_int_equal(qc_order_req_check(&bad, &e), QC_ERR_EXECUTION);
    bad.limit_price = 10;
    bad.cash = 5;
    assert_int_equal(qc_order_req_check(&bad, &e), QC_ERR_EXECUTION);
}

/* The account's sums visit only held symbols (a bit set over words of 64): equity, gross exposure and
 * the snapshot equal a loop over every symbol in symbol order, bit for bit, with positions across
 * word edges (63, 64, 127, 128, 199), shorts, marks, a NaN mark and positions closed again. */
static void test_account_sums_over_held(void **state) {
    (void)state;
    enum { N = 200 };
    qc_account a;
    qc_error e = {0};
    assert_int_equal(qc_account_init(&a, N, 1e6, &e), QC_OK);
    const uint32_t syms[] = {0, 5, 63, 64, 127, 128, 199, 64, 5};
    for (size_t k = 0; k < sizeof syms / sizeof syms[0]; k++) {
        int close = k >= 7; /* the last two sell what 64 and 5 bought */
        qc_fill f = {k + 1, syms[k], close || k == 4 ? QC_SELL : QC_BUY, 10 + (double)k / 3, 0, 0, 0, {0.1, 0, 0, 0}};
        f.price = 20 + 0.37 * (double)syms[k];
        f.qty = close ? a.hold[syms[k]].qty : f.qty;
        assert_int_equal(qc_account_apply_fill(&a, &f, k, &e), QC_OK);
        if (k % 2) qc_account_mark(&a, syms[k], f.price * 1.013);
    }
    qc_account_mark(&a, 128, NAN); /* ignored: a held symbol's mark stays finite */
    double eq = a.cash, g = 0, v = 0;
    size_t held = 0;
    for (size_t s = 0; s < N; s++) {
        const qc_holding *h = &a.hold[s];
        if (h->qty == 0) continue;
        assert_true(isfinite(h->last_price));
        double x = h->qty * h->last_price;
        eq += x, v += x, g += fabs(x), held++;
    }
    assert_int_equal(held, 5);
    assert_int_equal(a.n_held, 5);
    double eq2, g2, n2;
    qc_account_snapshot(&a, &eq2, &g2, &n2);
    double snap_eq = a.cash + v; /* the snapshot adds the cash last, qc_account_equity first */
    assert_memory_equal(&snap_eq, &eq2, sizeof eq);
    assert_memory_equal(&g, &g2, sizeof g);
    assert_memory_equal(&v, &n2, sizeof v);
    double eq3 = qc_account_equity(&a), g3 = qc_account_gross_exposure(&a);
    assert_memory_equal(&eq, &eq3, sizeof eq);
    assert_memory_equal(&g, &g3, sizeof g);
    qc_account_free(&a);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_account_sums_over_held),
        cmocka_unit_test(test_next_open_and_close_fills), cmocka_unit_test(test_close_only_falls_back_to_close),
        cmocka_unit_test(test_no_lookahead),              cmocka_unit_test(test_limit_never_better),
        cmocka_unit_test(test_stop_trigger_and_gap),      cmocka_unit_test(test_stop_and_target_pessimistic),
        cmocka_unit_test(test_participation_and_tif),     cmocka_unit_test(test_cash_order_commission),
        cmocka_unit_test(test_short_reversal_and_borrow), cmocka_unit_test(test_leverage_limit),
        cmocka_unit_test(test_leverage_after_marks),
        cmocka_unit_test(test_cancel_and_replace),        cmocka_unit_test(test_borrow_cost),
        cmocka_unit_test(test_order_state_machine),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    qc_bars_free(&g_bars);
    return rc;
}
