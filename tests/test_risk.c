/* test_risk.c: the risk engine (src/risk): every pre-trade check passes, rejects, and behaves at
 * its exact boundary (a value equal to the limit passes); replace and release of reservations;
 * the check and explain paths agree; a seeded property test of random orders, fills and cancels
 * in which no accepted order ever leaves a limit exceeded; P&L by hand; the kill switch survives a
 * restart and fails closed on a bad file; loss and drawdown breaches engage it with an event; the
 * order-string and state-file parsers; limits from config. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "risk/risk.h"
#include "test_util.h"

#define MS 1000000LL

static const char *k_syms[] = {"AAPL", "MSFT", "GME", "PENNY"};
enum { AAPL, MSFT, GME, PENNY };

static qc_risk *mk(const qc_risk_limits *l, double cash) {
    qc_risk *r = NULL;
    qc_error err = {0};
    assert_int_equal(qc_risk_new(l, k_syms, 4, 2, cash, &r, &err), QC_OK);
    qc_risk_on_mark(r, AAPL, 150, 0);
    qc_risk_on_mark(r, MSFT, 100, 0);
    qc_risk_on_mark(r, PENNY, 0.5, 0);
    qc_risk_day_start(r, 0);
    return r;
}

static qc_risk_order ord(uint32_t sym, qc_side side, double qty, double limit) {
    qc_risk_order o = {0};
    o.symbol = sym;
    o.side = side;
    o.qty = qty;
    o.type = limit > 0 ? QC_ORD_LIMIT : QC_ORD_MARKET;
    o.limit_price = limit;
    return o;
}

/* The check that rejects o (explain: nothing reserved), QC_RISK_PASS if none. */
static qc_risk_check_id why(const qc_risk *r, qc_risk_order o, int64_t now) {
    qc_risk_verdict v[QC_RISK_CHK__COUNT];
    qc_risk_explain(r, &o, now, v);
    return v[0].check;
}

/* qc_risk_check (reserving on acceptance). */
static qc_risk_check_id chk(qc_risk *r, qc_risk_order o, int64_t now) {
    qc_risk_verdict v;
    qc_err rc = qc_risk_check(r, &o, now, &v);
    assert_int_equal(rc, v.code);
    assert_int_equal(rc, qc_risk_check_code(v.check));
    return v.check;
}

static void test_valid(void **state) {
    (void)state;
    qc_risk_limits l;
    qc_risk_limits_init(&l);
    qc_risk *r = mk(&l, 1e6);
    assert_int_equal(why(r, ord(AAPL, QC_BUY, 1, 0), 0), QC_RISK_PASS);
    assert_int_equal(why(r, ord(9, QC_BUY, 1, 0), 0), QC_RISK_CHK_VALID);
    assert_int_equal(why(r, ord(AAPL, QC_BUY, 0, 0), 0), QC_RISK_CHK_VALID);
    assert_int_equal(why(r, ord(AAPL, QC_BUY, NAN, 0), 0), QC_RISK_CHK_VALID);
    assert_int_equal(why(r, ord(AAPL, QC_BUY, INFINITY, 0), 0), QC_RISK_CHK_VALID);
    qc_risk_order o = ord(AAPL, QC_BUY, 1, 0);
    o.type = QC_ORD_LIMIT; /* no limit price */
    assert_int_equal(why(r, o, 0), QC_RISK_CHK_VALID);
    o = ord(AAPL, QC_BUY, 1, 0);
    o.strategy = 2; /* two strategies: 0 and 1 */
    assert_int_equal(why(r, o, 0), QC_RISK_CHK_VALID);
    /* a market order needs a reference price; GME has none */
    assert_int_equal(why(r, ord(GME, QC_BUY, 1, 0), 0), QC_RISK_CHK_VALID);
    assert_int_equal(why(r, ord(GME, QC_BUY, 1, 20), 0), QC_RISK_PASS);
    qc_risk_free(r);
}

static void test_kill_switch(void **state) {
    (void)state;
    qc_risk_limits l;
    qc_risk_limits_init(&l);
    qc_risk *r = mk(&l, 1e6);
    qc_error err = {0};
    assert_int_equal(qc_risk_kill(r, QC_RISK_SCOPE_GLOBAL, 0, "test", 1, &err), QC_OK);
    qc_risk_order o = ord(AAPL, QC_BUY, 10, 150);
    qc_risk_verdict v;
    assert_int_equal(qc_risk_check(r, &o, 0, &v), QC_ERR_KILL_SWITCH);
    assert_true(qc_err_is(v.code, QC_ERR_RISK));
    assert_int_equal(v.scope, QC_RISK_SCOPE_GLOBAL);
    char msg[256];
    qc_risk_verdict_format(r, &v, msg, sizeof msg);
    assert_non_null(strstr(msg, "kill_switch: global kill switch engaged"));
    assert_int_equal(qc_risk_release(r, QC_RISK_SCOPE_GLOBAL, 0, &err), QC_OK);
    assert_int_equal(why(r, o, 0), QC_RISK_PASS);
    /* per strategy: only strategy 1 */
    qc_risk_kill(r, QC_RISK_SCOPE_STRATEGY, 1, "s1", 1, &err);
    assert_int_equal(why(r, o, 0), QC_RISK_PASS);
    o.strategy = 1;
    assert_int_equal(why(r, o, 0), QC_RISK_CHK_KILL_SWITCH);
    qc_risk_release(r, QC_RISK_SCOPE_STRATEGY, 1, &err);
    /* per symbol: only MSFT */
    qc_risk_kill(r, QC_RISK_SCOPE_SYMBOL, MSFT, "halt", 1, &err);
    assert_int_equal(why(r, o, 0), QC_RISK_PASS);
    assert_int_equal(why(r, ord(MSFT, QC_BUY, 1, 100), 0), QC_RISK_CHK_KILL_SWITCH);
    assert_int_equal(qc_risk_kill(r, QC_RISK_SCOPE_SYMBOL, 99, "x", 1, &err), QC_ERR_INPUT);
    /* reduce-only orders that truly reduce pass an engaged switch */
    qc_risk_on_fill(r, 0, MSFT, QC_BUY, 100, 100, 0, 0, 2);
    qc_risk_order ro = ord(MSFT, QC_SELL, 100, 100);
    ro.reduce_only = 1;
    assert_int_equal(why(r, ro, 0), QC_RISK_PASS);
    ro.qty = 101; /* would go short: not reducing */
    assert_int_equal(why(r, ro, 0), QC_RISK_CHK_KILL_SWITCH);
    ro.qty = 60;
    assert_int_equal(chk(r, ro, 0), QC_RISK_PASS);
    ro.qty = 41; /* 60 already reserved: 60 + 41 > 100 */
    assert_int_equal(why(r, ro, 0), QC_RISK_CHK_KILL_SWITCH);
    ro.qty = 40;
    assert_int_equal(why(r, ro, 0), QC_RISK_PASS);
    ro.side = QC_BUY; /* a buy does not reduce a long */
    assert_int_equal(why(r, ro, 0), QC_RISK_CHK_KILL_SWITCH);
    qc_risk_free(r);
    l.kill_allows_reduce_only = 0;
    r = mk(&l, 1e6);
    qc_risk_on_fill(r, 0, MSFT, QC_BUY, 100, 100, 0, 0, 2);
    qc_risk_kill(r, QC_RISK_SCOPE_GLOBAL, 0, "all", 1, &err);
    ro = ord(MSFT, QC_SELL, 10, 100);
    ro.reduce_only = 1;
    assert_int_equal(why(r, ro, 0), QC_RISK_CHK_KILL_SWITCH);
    qc_risk_free(r);
}

static void test_restricted(void **state) {
    (void)state;
    qc_risk_limits l;
    qc_risk_limits_init(&l);
    qc_risk *r = mk(&l, 1e6);
    qc_risk_set_restricted_list(r, " GME , AAPL,UNKNOWN");
    assert_int_equal(why(r, ord(AAPL, QC_BUY, 1, 150), 0), QC_RISK_CHK_RESTRICTED);
    assert_int_equal(why(r, ord(GME, QC_SELL, 1, 20), 0), QC_RISK_CHK_RESTRICTED);
    assert_int_equal(why(r, ord(MSFT, QC_BUY, 1, 100), 0), QC_RISK_PASS);
    qc_risk_free(r);
}

static void test_size_and_notional(void **state) {
    (void)state;
    qc_risk_limits l;
    qc_risk_limits_init(&l);
    l.max_order_qty = 1000;
    l.max_order_notional = 15000;
    l.min_order_qty = 10;
    qc_risk *r = mk(&l, 1e6);
    assert_int_equal(why(r, ord(MSFT, QC_BUY, 150, 100), 0), QC_RISK_PASS);   /* 15000: at the limit */
    assert_int_equal(why(r, ord(MSFT, QC_BUY, 150, 100.01), 0), QC_RISK_CHK_MAX_NOTIONAL);
    assert_int_equal(why(r, ord(AAPL, QC_BUY, 100, 0), 0), QC_RISK_PASS);     /* market: at the mark 150 */
    assert_int_equal(why(r, ord(AAPL, QC_BUY, 101, 0), 0), QC_RISK_CHK_MAX_NOTIONAL);
    assert_int_equal(why(r, ord(PENNY, QC_BUY, 1000, 0.5), 0), QC_RISK_PASS); /* max qty at the limit */
    assert_int_equal(why(r, ord(PENNY, QC_BUY, 1001, 0.5), 0), QC_RISK_CHK_MAX_QTY);
    assert_int_equal(why(r, ord(PENNY, QC_BUY, 10, 0.5), 0), QC_RISK_PASS);
    assert_int_equal(why(r, ord(PENNY, QC_BUY, 9.99, 0.5), 0), QC_RISK_CHK_MIN_QTY);
    qc_risk_verdict v[QC_RISK_CHK__COUNT];
    qc_risk_order o = ord(MSFT, QC_BUY, 150, 100.01);
    qc_risk_explain(r, &o, 0, v);
    assert_int_equal(v[0].check, QC_RISK_CHK_MAX_NOTIONAL);
    assert_true(v[0].limit == 15000 && fabs(v[0].value - 15001.5) < 1e-9);
    char msg[256];
    qc_risk_verdict_format(r, &v[0], msg, sizeof msg);
    assert_string_equal(msg, "max_notional: order notional 15001.5 > limit 15000 (MSFT)");
    qc_risk_free(r);
}

static void test_lot_and_tick(void **state) {
    (void)state;
    qc_risk_limits l;
    qc_risk_limits_init(&l);
    l.lot_size = 100;
    l.tick_size = 0.01;
    l.tick_size_below_1 = 0.0001;
    qc_risk *r = mk(&l, 1e6);
    assert_int_equal(why(r, ord(AAPL, QC_BUY, 200, 150.01), 0), QC_RISK_PASS);
    assert_int_equal(why(r, ord(AAPL, QC_BUY, 150, 150.01), 0), QC_RISK_CHK_LOT);
    assert_int_equal(why(r, ord(AAPL, QC_BUY, 100, 150.005), 0), QC_RISK_CHK_TICK);
    assert_int_equal(why(r, ord(AAPL, QC_BUY, 100, 0.29), 0), QC_RISK_PASS); /* 0.1 + 0.2 style decimals */
    assert_int_equal(why(r, ord(PENNY, QC_BUY, 100, 0.1234), 0), QC_RISK_PASS);
    assert_int_equal(why(r, ord(PENNY, QC_BUY, 100, 0.12345), 0), QC_RISK_CHK_TICK);
    /* boundaries: one lot exactly, a hair under; the sub-dollar tick applies below 1, not at 1 */
    assert_int_equal(why(r, ord(AAPL, QC_BUY, 100, 150), 0), QC_RISK_PASS);
    assert_int_equal(why(r, ord(AAPL, QC_BUY, 99.99, 150), 0), QC_RISK_CHK_LOT);
    assert_int_equal(why(r, ord(PENNY, QC_BUY, 100, 0.9999), 0), QC_RISK_PASS);
    assert_int_equal(why(r, ord(PENNY, QC_BUY, 100, 1.0), 0), QC_RISK_PASS);
    assert_int_equal(why(r, ord(PENNY, QC_BUY, 100, 1.0001), 0), QC_RISK_CHK_TICK);
    qc_risk_order o = ord(AAPL, QC_SELL, 100, 0);
    o.type = QC_ORD_STOP;
    o.stop_price = 140.001;
    assert_int_equal(why(r, o, 0), QC_RISK_CHK_TICK);
    o.stop_price = 140.01;
    assert_int_equal(why(r, o, 0), QC_RISK_PASS);
    /* a per-symbol override */
    qc_risk_symbol_cfg c;
    qc_risk_symbol_cfg_init(&c);
    c.lot_size = 1;
    c.tick_size = 0.05;
    qc_risk_set_symbol(r, MSFT, &c, NULL);
    assert_int_equal(why(r, ord(MSFT, QC_BUY, 7, 100.05), 0), QC_RISK_PASS);
    assert_int_equal(why(r, ord(MSFT, QC_BUY, 7, 100.01), 0), QC_RISK_CHK_TICK);
    qc_risk_free(r);
}

static void test_collar(void **state) {
    (void)state;
    qc_risk_limits l;
    qc_risk_limits_init(&l);
    l.collar_pct = 10;
    qc_risk *r = mk(&l, 1e6);
    assert_int_equal(why(r, ord(AAPL, QC_BUY, 1, 165), 0), QC_RISK_PASS); /* exactly 10% */
    assert_int_equal(why(r, ord(AAPL, QC_BUY, 1, 165.01), 0), QC_RISK_CHK_COLLAR);
    assert_int_equal(why(r, ord(AAPL, QC_SELL, 1, 135), 0), QC_RISK_PASS);
    assert_int_equal(why(r, ord(AAPL, QC_SELL, 1, 134.99), 0), QC_RISK_CHK_COLLAR);
    assert_int_equal(why(r, ord(AAPL, QC_BUY, 1, 0), 0), QC_RISK_PASS); /* market orders have no limit */
    assert_int_equal(why(r, ord(GME, QC_BUY, 1, 20), 0), QC_RISK_CHK_COLLAR); /* no reference price */
    qc_risk_free(r);
    qc_risk_limits_init(&l);
    l.collar_ticks = 5;
    l.tick_size = 0.01;
    r = mk(&l, 1e6);
    assert_int_equal(why(r, ord(AAPL, QC_BUY, 1, 150.05), 0), QC_RISK_PASS);
    assert_int_equal(why(r, ord(AAPL, QC_BUY, 1, 150.06), 0), QC_RISK_CHK_COLLAR);
    assert_int_equal(why(r, ord(AAPL, QC_SELL, 1, 149.95), 0), QC_RISK_PASS);
    assert_int_equal(why(r, ord(AAPL, QC_SELL, 1, 149.94), 0), QC_RISK_CHK_COLLAR);
    qc_risk_free(r);
}

static void test_position_limits(void **state) {
    (void)state;
    qc_risk_limits l;
    qc_risk_limits_init(&l);
    l.max_long_qty = 500;
    l.max_short_qty = 300;
    qc_risk *r = mk(&l, 1e6);
    qc_risk_on_fill(r, 0, AAPL, QC_BUY, 200, 150, 0, 0, 0);
    assert_int_equal(chk(r, ord(AAPL, QC_BUY, 100, 150), 0), QC_RISK_PASS); /* open buy 100 */
    /* 200 held + 100 open + 200 = 500: at the limit */
    assert_int_equal(why(r, ord(AAPL, QC_BUY, 200, 150), 0), QC_RISK_PASS);
    qc_risk_order o = ord(AAPL, QC_BUY, 201, 150);
    qc_risk_verdict v;
    assert_int_equal(qc_risk_check(r, &o, 0, &v), QC_ERR_POSITION_LIMIT);
    assert_int_equal(v.check, QC_RISK_CHK_POS_LONG);
    assert_true(v.limit == 500 && v.value == 501);
    /* short side: 200 held, selling 500 reaches -300 */
    assert_int_equal(why(r, ord(AAPL, QC_SELL, 500, 150), 0), QC_RISK_PASS);
    assert_int_equal(why(r, ord(AAPL, QC_SELL, 501, 150), 0), QC_RISK_CHK_POS_SHORT);
    /* the open buy fills: the worst case is unchanged */
    qc_risk_on_fill(r, 0, AAPL, QC_BUY, 100, 150, 0, 1, 1);
    assert_int_equal(why(r, ord(AAPL, QC_BUY, 200, 150), 0), QC_RISK_PASS);
    assert_int_equal(why(r, ord(AAPL, QC_BUY, 201, 150), 0), QC_RISK_CHK_POS_LONG);
    /* a replace that grows an open order: 300 held + open 100 -> 200 = 500 ok, 201 no */
    assert_int_equal(chk(r, ord(AAPL, QC_BUY, 100, 150), 0), QC_RISK_PASS);
    o = ord(AAPL, QC_BUY, 200, 150);
    o.is_replace = 1;
    o.replaced_qty = 100;
    assert_int_equal(why(r, o, 0), QC_RISK_PASS);
    o.qty = 201;
    assert_int_equal(why(r, o, 0), QC_RISK_CHK_POS_LONG);
    /* a venue refusing the replace: undo the swap */
    assert_int_equal(why(r, ord(AAPL, QC_BUY, 150, 150), 0), QC_RISK_CHK_POS_LONG); /* 300 + 100 + 150 > 500 */
    o = ord(AAPL, QC_BUY, 150, 150);
    o.is_replace = 1;
    o.replaced_qty = 100;
    assert_int_equal(chk(r, o, 0), QC_RISK_PASS); /* open buy now 150 */
    qc_risk_order_done(r, AAPL, QC_BUY, 150);
    qc_risk_order_reserve(r, AAPL, QC_BUY, 100);
    assert_int_equal(why(r, ord(AAPL, QC_BUY, 100, 150), 0), QC_RISK_PASS);
    assert_int_equal(why(r, ord(AAPL, QC_BUY, 101, 150), 0), QC_RISK_CHK_POS_LONG);
    /* releasing the open order frees its room */
    qc_risk_order_done(r, AAPL, QC_BUY, 100);
    assert_int_equal(why(r, ord(AAPL, QC_BUY, 200, 150), 0), QC_RISK_PASS);
    qc_risk_position p;
    qc_risk_position_get(r, AAPL, &p);
    assert_true(p.qty == 300 && p.open_buy == 0 && p.open_sell == 0);
    /* a per-symbol override */
    qc_risk_symbol_cfg c;
    qc_risk_symbol_cfg_init(&c);
    c.max_long_qty = 10;
    qc_risk_set_symbol(r, MSFT, &c, NULL);
    assert_int_equal(why(r, ord(MSFT, QC_BUY, 10, 100), 0), QC_RISK_PASS);
    assert_int_equal(why(r, ord(MSFT, QC_BUY, 11, 100), 0), QC_RISK_CHK_POS_LONG);
    qc_risk_free(r);
}

static void test_exposure_limits(void **state) {
    (void)state;
    qc_risk_limits l;
    qc_risk_limits_init(&l);
    l.max_gross = 30000;
    qc_risk *r = mk(&l, 1e6);
    assert_int_equal(chk(r, ord(AAPL, QC_BUY, 100, 150), 0), QC_RISK_PASS); /* 15000 open */
    assert_int_equal(why(r, ord(MSFT, QC_SELL, 150, 100), 0), QC_RISK_PASS); /* 30000: at the limit */
    qc_risk_order o = ord(MSFT, QC_SELL, 151, 100);
    qc_risk_verdict v;
    assert_int_equal(qc_risk_check(r, &o, 0, &v), QC_ERR_POSITION_LIMIT);
    assert_int_equal(v.check, QC_RISK_CHK_GROSS);
    assert_true(v.value == 30100 && v.limit == 30000);
    /* over the limit after a mark rise, an order that does not add exposure still passes */
    qc_risk_on_fill(r, 0, AAPL, QC_BUY, 100, 150, 0, 1, 0);
    qc_risk_on_mark(r, AAPL, 400, 0);
    assert_int_equal(why(r, ord(AAPL, QC_SELL, 100, 400), 0), QC_RISK_PASS);
    assert_int_equal(why(r, ord(AAPL, QC_BUY, 1, 400), 0), QC_RISK_CHK_GROSS);
    qc_risk_free(r);

    qc_risk_limits_init(&l);
    l.max_net = 20000;
    r = mk(&l, 1e6);
    assert_int_equal(chk(r, ord(AAPL, QC_BUY, 100, 150), 0), QC_RISK_PASS); /* +15000 */
    assert_int_equal(why(r, ord(MSFT, QC_BUY, 50, 100), 0), QC_RISK_PASS);  /* +20000 */
    assert_int_equal(why(r, ord(MSFT, QC_BUY, 51, 100), 0), QC_RISK_CHK_NET);
    /* the short side counts open sells: -(20000) at the limit */
    assert_int_equal(why(r, ord(MSFT, QC_SELL, 200, 100), 0), QC_RISK_PASS);
    assert_int_equal(why(r, ord(MSFT, QC_SELL, 201, 100), 0), QC_RISK_CHK_NET);
    qc_risk_free(r);
}

static void test_buying_power(void **state) {
    (void)state;
    qc_risk_limits l;
    qc_risk_limits_init(&l);
    l.leverage = 1;
    qc_risk *r = mk(&l, 30000);
    assert_int_equal(why(r, ord(AAPL, QC_BUY, 200, 150), 0), QC_RISK_PASS);
    assert_int_equal(why(r, ord(AAPL, QC_BUY, 201, 150), 0), QC_RISK_CHK_BUYING_POWER);
    /* a loss shrinks buying power: hold 100, mark falls 10 -> equity 29000 */
    qc_risk_on_fill(r, 0, AAPL, QC_BUY, 100, 150, 0, 0, 0);
    qc_risk_on_mark(r, AAPL, 140, 0);
    /* gross 14000 + 15000 (150 MSFT) = 29000: at equity */
    assert_int_equal(why(r, ord(MSFT, QC_BUY, 150, 100), 0), QC_RISK_PASS);
    assert_int_equal(why(r, ord(MSFT, QC_BUY, 151, 100), 0), QC_RISK_CHK_BUYING_POWER);
    qc_risk_free(r);
}

static void test_loss_checks_and_auto_kill(void **state) {
    (void)state;
    qc_risk_limits l;
    qc_risk_limits_init(&l);
    l.max_daily_loss = 1000;
    l.loss_action = QC_RISK_ACT_FLATTEN;
    qc_risk *r = mk(&l, 1e6);
    qc_risk_on_fill(r, 0, AAPL, QC_BUY, 100, 150, 0, 0, 0);
    qc_risk_on_mark(r, AAPL, 140, 5); /* loss 1000: at the limit */
    qc_risk_event ev;
    assert_int_equal(qc_risk_poll_event(r, &ev), 0);
    assert_int_equal(why(r, ord(MSFT, QC_BUY, 1, 100), 0), QC_RISK_PASS);
    qc_risk_on_mark(r, AAPL, 139.99, 6); /* loss 1001 */
    assert_int_equal(qc_risk_poll_event(r, &ev), 1);
    assert_int_equal(ev.type, QC_RISK_EV_KILL_ENGAGED);
    assert_int_equal(ev.scope, QC_RISK_SCOPE_GLOBAL);
    assert_int_equal(ev.check, QC_RISK_CHK_DAILY_LOSS);
    assert_int_equal(ev.action, QC_RISK_ACT_FLATTEN);
    assert_true(ev.limit == 1000 && fabs(ev.value - 1001) < 1e-6 && ev.ts_ns == 6);
    assert_int_equal(qc_risk_poll_event(r, &ev), 0); /* once */
    assert_true(qc_risk_is_killed(r, QC_RISK_SCOPE_GLOBAL, 0));
    assert_true(qc_risk_kill_dirty(r));
    qc_risk_verdict v[QC_RISK_CHK__COUNT];
    qc_risk_order o = ord(MSFT, QC_BUY, 1, 100);
    qc_risk_explain(r, &o, 0, v);
    assert_int_equal(v[0].check, QC_RISK_CHK_KILL_SWITCH);
    assert_int_equal(v[QC_RISK_CHK_DAILY_LOSS].check, QC_RISK_CHK_DAILY_LOSS);
    assert_string_equal(qc_risk_kill_reason(r, QC_RISK_SCOPE_GLOBAL, 0), "auto: daily_loss 1001 > limit 1000");
    /* flattening passes the switch (reduce-only) */
    o = ord(AAPL, QC_SELL, 100, 140);
    o.reduce_only = 1;
    assert_int_equal(why(r, o, 0), QC_RISK_PASS);
    o.qty = 101; /* more than flattening: refused */
    assert_int_equal(why(r, o, 0), QC_RISK_CHK_KILL_SWITCH);
    o.reduce_only = 0;
    o.qty = 50;
    qc_risk_release(r, QC_RISK_SCOPE_GLOBAL, 0, NULL);
    assert_int_equal(why(r, o, 0), QC_RISK_CHK_DAILY_LOSS); /* released, but the loss is still over */
    qc_risk_free(r);

    /* drawdown from today's peak, per strategy */
    qc_risk_limits_init(&l);
    l.strategy_max_drawdown = 500;
    r = mk(&l, 1e6);
    qc_risk_on_fill(r, 1, AAPL, QC_BUY, 100, 150, 0, 0, 0);
    qc_risk_on_mark(r, AAPL, 160, 1); /* strategy 1 peak +1000 */
    qc_risk_on_mark(r, AAPL, 155, 2); /* drawdown 500: at the limit */
    assert_int_equal(qc_risk_poll_event(r, &ev), 0);
    qc_risk_on_mark(r, AAPL, 154.99, 3);
    assert_int_equal(qc_risk_poll_event(r, &ev), 1);
    assert_int_equal(ev.scope, QC_RISK_SCOPE_STRATEGY);
    assert_int_equal(ev.id, 1);
    assert_int_equal(ev.check, QC_RISK_CHK_DRAWDOWN);
    assert_int_equal(ev.action, QC_RISK_ACT_CANCEL_ALL);
    assert_false(qc_risk_is_killed(r, QC_RISK_SCOPE_GLOBAL, 0));
    o = ord(MSFT, QC_BUY, 1, 100);
    assert_int_equal(why(r, o, 0), QC_RISK_PASS);
    o.strategy = 1;
    assert_int_equal(why(r, o, 0), QC_RISK_CHK_KILL_SWITCH);
    qc_risk_free(r);
}

static void test_rate_limits(void **state) {
    (void)state;
    qc_risk_limits l;
    qc_risk_limits_init(&l);
    l.orders_per_sec = 10;
    l.order_burst = 3;
    qc_risk *r = mk(&l, 1e6);
    for (int i = 0; i < 3; i++) assert_int_equal(chk(r, ord(AAPL, QC_BUY, 1 + i, 150), 0), QC_RISK_PASS);
    assert_int_equal(chk(r, ord(AAPL, QC_BUY, 9, 150), 0), QC_RISK_CHK_ORDER_RATE);
    assert_int_equal(chk(r, ord(AAPL, QC_BUY, 9, 150), 99 * MS), QC_RISK_CHK_ORDER_RATE); /* 0.99 token */
    assert_int_equal(chk(r, ord(AAPL, QC_BUY, 9, 150), 100 * MS), QC_RISK_PASS);         /* 1 token */
    assert_int_equal(chk(r, ord(AAPL, QC_BUY, 9, 150), 100 * MS), QC_RISK_CHK_ORDER_RATE);
    /* rejected orders take no token; the bucket never holds more than the burst */
    assert_int_equal(chk(r, ord(AAPL, QC_BUY, 9, 150), 10000 * MS), QC_RISK_PASS);
    assert_int_equal(chk(r, ord(AAPL, QC_BUY, 8, 150), 10000 * MS), QC_RISK_PASS);
    assert_int_equal(chk(r, ord(AAPL, QC_BUY, 7, 150), 10000 * MS), QC_RISK_PASS);
    assert_int_equal(chk(r, ord(AAPL, QC_BUY, 6, 150), 10000 * MS), QC_RISK_CHK_ORDER_RATE);
    /* time running backwards refills nothing */
    assert_int_equal(chk(r, ord(AAPL, QC_BUY, 6, 150), 5000 * MS), QC_RISK_CHK_ORDER_RATE);
    qc_risk_free(r);

    qc_risk_limits_init(&l);
    l.messages_per_sec = 2; /* burst = 2 */
    r = mk(&l, 1e6);
    assert_int_equal(chk(r, ord(AAPL, QC_BUY, 1, 150), 0), QC_RISK_PASS);
    qc_risk_note_cancel(r, 0); /* a cancel spends a message */
    assert_int_equal(chk(r, ord(AAPL, QC_BUY, 2, 150), 0), QC_RISK_CHK_MSG_RATE);
    qc_risk_order o = ord(AAPL, QC_BUY, 2, 150);
    o.is_replace = 1;
    o.replaced_qty = 1;
    assert_int_equal(chk(r, o, 500 * MS), QC_RISK_PASS); /* one message refilled; a replace is a message */
    assert_int_equal(chk(r, o, 500 * MS), QC_RISK_CHK_MSG_RATE);
    qc_risk_free(r);
}

static void test_duplicate(void **state) {
    (void)state;
    qc_risk_limits l;
    qc_risk_limits_init(&l);
    l.duplicate_window_ns = 1000 * MS;
    qc_risk *r = mk(&l, 1e6);
    qc_risk_order o = ord(AAPL, QC_BUY, 100, 150);
    assert_int_equal(chk(r, o, 0), QC_RISK_PASS);
    assert_int_equal(chk(r, o, 999 * MS), QC_RISK_CHK_DUPLICATE);
    assert_int_equal(chk(r, ord(AAPL, QC_BUY, 101, 150), 999 * MS), QC_RISK_PASS);  /* another qty */
    assert_int_equal(chk(r, ord(AAPL, QC_SELL, 100, 150), 999 * MS), QC_RISK_PASS); /* another side */
    assert_int_equal(chk(r, ord(MSFT, QC_BUY, 100, 150), 999 * MS), QC_RISK_PASS);  /* another symbol */
    o.strategy = 1;
    assert_int_equal(chk(r, o, 999 * MS), QC_RISK_PASS); /* another strategy */
    o.strategy = 0;
    assert_int_equal(chk(r, o, 1000 * MS), QC_RISK_PASS); /* age == window: outside */
    qc_risk_verdict v;
    assert_int_equal(qc_risk_check(r, &o, 1500 * MS, &v), QC_ERR_PRETRADE);
    char msg[256];
    qc_risk_verdict_format(r, &v, msg, sizeof msg);
    assert_string_equal(msg, "duplicate: same order 500 ms ago, window 1000 ms (AAPL)");
    qc_risk_free(r);
}

static void test_disabled_engine(void **state) {
    (void)state;
    qc_risk_limits l;
    qc_risk_limits_init(&l);
    l.max_order_qty = 1;
    l.enabled = 0;
    qc_risk *r = mk(&l, 1e6);
    assert_int_equal(chk(r, ord(AAPL, QC_BUY, 100, 150), 0), QC_RISK_PASS);
    assert_int_equal(chk(r, ord(AAPL, QC_BUY, 0, 150), 0), QC_RISK_CHK_VALID); /* garbage never passes */
    qc_risk_free(r);
}

/* P&L by hand: average cost, partial close, reversal, fees; strategy and account agree; resync. */
static void test_pnl(void **state) {
    (void)state;
    qc_risk_limits l;
    qc_risk_limits_init(&l);
    qc_risk *r = mk(&l, 1e5);
    int tech = qc_risk_add_sector(r, "tech");
    qc_risk_symbol_cfg c;
    qc_risk_symbol_cfg_init(&c);
    c.sector = tech;
    qc_risk_set_symbol(r, MSFT, &c, NULL);
    qc_risk_on_fill(r, 0, MSFT, QC_BUY, 100, 10, 1, 0, 0);
    qc_risk_on_fill(r, 0, MSFT, QC_BUY, 100, 12, 1, 0, 0);
    qc_risk_position p;
    qc_risk_position_get(r, MSFT, &p);
    assert_true(p.qty == 200 && fabs(p.avg_cost - 11) < 1e-12 && fabs(p.realized + 2) < 1e-12);
    qc_risk_on_fill(r, 0, MSFT, QC_SELL, 150, 13, 1, 0, 0); /* realise 150 x 2 = 300, fee 1 */
    qc_risk_on_mark(r, MSFT, 14, 0);                        /* unrealised 50 x 3 = 150 */
    qc_risk_pnl a;
    qc_risk_pnl_get(r, -1, &a);
    assert_true(fabs(a.realized - 297) < 1e-9 && fabs(a.unrealized - 150) < 1e-9);
    assert_true(fabs(a.gross - 700) < 1e-9 && fabs(a.net - 700) < 1e-9 && fabs(a.equity - 100447) < 1e-9);
    qc_risk_on_fill(r, 0, MSFT, QC_SELL, 100, 15, 0, 0, 0); /* close 50 (+200), open short 50 at 15 */
    qc_risk_position_get(r, MSFT, &p);
    assert_true(p.qty == -50 && p.avg_cost == 15);
    qc_risk_on_mark(r, MSFT, 16, 0);
    qc_risk_pnl_get(r, -1, &a);
    assert_true(fabs(a.realized - 497) < 1e-9 && fabs(a.unrealized + 50) < 1e-9);
    assert_true(fabs(a.gross - 800) < 1e-9 && fabs(a.net + 800) < 1e-9);
    double g, n;
    qc_risk_sector_exposure(r, tech, &g, &n);
    assert_true(fabs(g - 800) < 1e-9 && fabs(n + 800) < 1e-9);
    qc_risk_pnl s;
    qc_risk_pnl_get(r, 0, &s);
    assert_true(fabs(s.realized - 497) < 1e-9 && fabs(s.unrealized + 50) < 1e-9);
    /* a second strategy on another symbol: account = sum of strategies */
    qc_risk_on_fill(r, 1, AAPL, QC_SELL, 10, 150, 0, 0, 0);
    qc_risk_on_mark(r, AAPL, 149, 0);
    qc_risk_pnl s1;
    qc_risk_pnl_get(r, 1, &s1);
    qc_risk_pnl_get(r, 0, &s);
    qc_risk_pnl_get(r, -1, &a);
    assert_true(fabs(s1.unrealized - 10) < 1e-9);
    assert_true(fabs(a.total - s.total - s1.total) < 1e-9);
    double before = a.unrealized;
    qc_risk_resync(r);
    qc_risk_pnl_get(r, -1, &a);
    assert_true(fabs(a.unrealized - before) < 1e-9);
    /* a full round trip leaves no dust */
    qc_risk_on_fill(r, 1, AAPL, QC_BUY, 0.1 + 0.2, 150, 0, 0, 0);
    qc_risk_on_fill(r, 1, AAPL, QC_BUY, 10 - 0.3, 150, 0, 0, 0);
    qc_risk_position_get(r, AAPL, &p);
    assert_true(p.qty == 0 && p.avg_cost == 0);
    qc_risk_free(r);
}

/* Incremental totals equal a re-sum after many random fills and marks. */
static void test_pnl_incremental_matches_resync(void **state) {
    (void)state;
    qc_risk_limits l;
    qc_risk_limits_init(&l);
    qc_risk *r = mk(&l, 1e6);
    uint64_t x = 7;
    for (int i = 0; i < 20000; i++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        uint32_t s = (uint32_t)((x >> 33) % 4);
        double px = 1 + (double)((x >> 20) % 10000) / 100;
        if ((x >> 60) & 1) qc_risk_on_mark(r, s, px, i);
        else qc_risk_on_fill(r, (uint32_t)((x >> 40) & 1), s, (x >> 61) & 1 ? QC_BUY : QC_SELL,
                             (double)(1 + (x >> 50) % 100), px, 0.5, 0, i);
    }
    qc_risk_pnl a, s0, s1;
    qc_risk_pnl_get(r, -1, &a);
    qc_risk_pnl_get(r, 0, &s0);
    qc_risk_pnl_get(r, 1, &s1);
    assert_true(fabs(a.total - s0.total - s1.total) < 1e-6 * (1 + fabs(a.total)));
    qc_risk_resync(r);
    qc_risk_pnl b;
    qc_risk_pnl_get(r, -1, &b);
    assert_true(fabs(a.unrealized - b.unrealized) < 1e-6 * (1 + fabs(b.unrealized)));
    assert_true(fabs(a.gross - b.gross) < 1e-6 * (1 + b.gross));
    assert_true(fabs(a.gross_with_orders - b.gross_with_orders) < 1e-6 * (1 + b.gross));
    qc_risk_free(r);
}

static double urand(uint64_t *x) {
    *x = *x * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(*x >> 11) * 0x1.0p-53;
}

/* Random orders, fills, cancels and marks under random limits: whatever the engine accepted, no
 * limit is ever exceeded by the accepted book, and check and explain always agree. */
static void test_property_no_order_over_a_limit(void **state) {
    (void)state;
    uint64_t x = 20240611;
#define RND() urand(&x)
    for (int rep = 0; rep < 20; rep++) {
        qc_risk_limits l;
        qc_risk_limits_init(&l);
        l.max_order_qty = 50 + 500 * RND();
        l.max_order_notional = 5000 + 50000 * RND();
        l.min_order_qty = 1;
        l.lot_size = 1;
        l.tick_size = 0.01;
        l.collar_pct = 5;
        l.max_long_qty = 100 + 1000 * RND();
        l.max_short_qty = 100 + 1000 * RND();
        l.max_gross = 20000 + 100000 * RND();
        l.max_net = 10000 + 50000 * RND();
        l.leverage = 2;
        l.orders_per_sec = 1000;
        l.duplicate_window_ns = 5 * MS;
        double cash = 50000;
        qc_risk *r = mk(&l, cash);
        qc_risk_on_mark(r, GME, 20, 0);
        qc_risk_day_start(r, 0);
        for (int i = 0; i < 5000; i++) {
            int64_t now = (int64_t)i * MS;
            uint32_t sym = (uint32_t)(RND() * 4);
            qc_side side = RND() < 0.5 ? QC_BUY : QC_SELL;
            qc_risk_order o = ord(sym, side, floor(1 + 800 * RND()), 0);
            qc_risk_position p;
            qc_risk_position_get(r, o.symbol, &p);
            if (RND() < 0.7) {
                o.type = QC_ORD_LIMIT;
                o.limit_price = round(p.mark * (0.93 + 0.14 * RND()) * 100) / 100;
                if (o.limit_price <= 0) o.limit_price = 0.01;
            }
            qc_risk_verdict ex[QC_RISK_CHK__COUNT], v;
            qc_risk_explain(r, &o, now, ex);
            qc_err rc = qc_risk_check(r, &o, now, &v);
            assert_int_equal(ex[0].check, v.check);
            if (!rc) {
                double px = o.type == QC_ORD_LIMIT ? o.limit_price : p.mark;
                assert_true(o.qty <= l.max_order_qty && o.qty * px <= l.max_order_notional * (1 + 1e-9));
                assert_true(fabs(o.limit_price - p.mark) <= p.mark * 0.05 * (1 + 1e-9) || o.type == QC_ORD_MARKET);
                qc_risk_position_get(r, o.symbol, &p);
                assert_true(p.qty + p.open_buy <= l.max_long_qty * (1 + 1e-9));
                assert_true(p.open_sell - p.qty <= l.max_short_qty * (1 + 1e-9));
                qc_risk_pnl a;
                qc_risk_pnl_get(r, -1, &a);
                assert_true(a.gross_with_orders <= l.max_gross * (1 + 1e-9) + 1e-6);
                assert_true(a.gross_with_orders <= a.equity * l.leverage * (1 + 1e-9) + 1e-6);
                /* then: fill it at the mark, or half of it, or cancel it */
                double u = RND(), m = p.mark;
                if (u < 0.4) qc_risk_on_fill(r, 0, o.symbol, o.side, o.qty, m, 0, 1, now);
                else if (u < 0.7) {
                    qc_risk_on_fill(r, 0, o.symbol, o.side, floor(o.qty / 2), m, 0, 1, now);
                    qc_risk_order_done(r, o.symbol, o.side, o.qty - floor(o.qty / 2));
                } else if (u < 0.85) qc_risk_order_done(r, o.symbol, o.side, o.qty);
                /* else it stays open */
            }
        }
        /* every reservation accounted for: the worst case never broke the long/short limits */
        for (uint32_t s = 0; s < 4; s++) {
            qc_risk_position p;
            qc_risk_position_get(r, s, &p);
            assert_true(p.qty + p.open_buy <= l.max_long_qty * (1 + 1e-9));
            assert_true(p.open_sell - p.qty <= l.max_short_qty * (1 + 1e-9));
        }
        qc_risk_free(r);
    }
#undef RND
}

static void test_kill_switch_survives_restart(void **state) {
    (void)state;
    char dir[64], path[128];
    test_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/kill.json", dir);
    qc_risk_limits l;
    qc_risk_limits_init(&l);
    l.max_daily_loss = 100;
    qc_error err = {0};
    qc_risk *r = mk(&l, 1e6);
    qc_risk_set_strategy_name(r, 1, "momentum", &err);
    assert_int_equal(qc_risk_kill_load(r, path, &err), QC_OK); /* no file: nothing engaged */
    assert_false(qc_risk_is_killed(r, QC_RISK_SCOPE_GLOBAL, 0));
    qc_risk_kill(r, QC_RISK_SCOPE_SYMBOL, GME, "halted by exchange", 1700000000000000000LL, &err);
    qc_risk_kill(r, QC_RISK_SCOPE_STRATEGY, 1, "runaway", 1700000000000000000LL, &err);
    qc_risk_on_fill(r, 0, AAPL, QC_BUY, 100, 150, 0, 0, 0);
    qc_risk_on_mark(r, AAPL, 148, 7); /* loss 200 > 100: auto */
    assert_true(qc_risk_kill_dirty(r));
    assert_int_equal(qc_risk_kill_save(r, path, &err), QC_OK);
    assert_false(qc_risk_kill_dirty(r));
    qc_risk_free(r);

    /* a new process: the same switches */
    r = mk(&l, 1e6);
    qc_risk_set_strategy_name(r, 1, "momentum", &err);
    assert_int_equal(qc_risk_kill_load(r, path, &err), QC_OK);
    assert_true(qc_risk_is_killed(r, QC_RISK_SCOPE_GLOBAL, 0));
    assert_true(qc_risk_is_killed(r, QC_RISK_SCOPE_SYMBOL, GME));
    assert_true(qc_risk_is_killed(r, QC_RISK_SCOPE_STRATEGY, 1));
    assert_false(qc_risk_is_killed(r, QC_RISK_SCOPE_SYMBOL, AAPL));
    assert_string_equal(qc_risk_kill_reason(r, QC_RISK_SCOPE_SYMBOL, GME), "halted by exchange");
    assert_string_equal(qc_risk_kill_reason(r, QC_RISK_SCOPE_GLOBAL, 0), "auto: daily_loss 200 > limit 100");
    assert_int_equal(why(r, ord(MSFT, QC_BUY, 1, 100), 0), QC_RISK_CHK_KILL_SWITCH);
    /* release the global one by command: persisted too */
    qc_risk_release(r, QC_RISK_SCOPE_GLOBAL, 0, &err);
    assert_int_equal(qc_risk_kill_save(r, path, &err), QC_OK);
    qc_risk_free(r);
    /* an engine with another universe keeps entries it does not know */
    const char *other[] = {"TSLA"};
    assert_int_equal(qc_risk_new(&l, other, 1, 1, 1e6, &r, &err), QC_OK);
    assert_int_equal(qc_risk_kill_load(r, path, &err), QC_OK);
    assert_false(qc_risk_is_killed(r, QC_RISK_SCOPE_GLOBAL, 0));
    assert_int_equal(qc_risk_kill_save(r, path, &err), QC_OK);
    qc_risk_free(r);
    qc_risk_kill_list kl;
    assert_int_equal(qc_risk_kill_list_load(path, &kl, &err), QC_OK);
    assert_int_equal(kl.n, 2); /* GME and momentum survive */
    qc_risk_kill_list_free(&kl);

    /* a corrupt file fails closed: an error, never "released" */
    test_write(path, "{\"switches\": [", 14);
    r = mk(&l, 1e6);
    assert_int_equal(qc_risk_kill_load(r, path, &err), QC_ERR_INPUT);
    qc_risk_free(r);
    const char *moon = "{\"switches\": [{\"scope\": \"moon\"}]}";
    test_write(path, moon, strlen(moon));
    assert_int_equal(qc_risk_kill_list_load(path, &kl, &err), QC_ERR_INPUT);
    test_rmdir(dir);
}

static void test_order_string(void **state) {
    (void)state;
    qc_risk_order_text o;
    qc_error err = {0};
    const char *s = "BUY 100 AAPL LMT 150.00";
    assert_int_equal(qc_risk_parse_order(s, strlen(s), &o, &err), QC_OK);
    assert_true(o.side == QC_BUY && o.qty == 100 && o.type == QC_ORD_LIMIT && o.limit_price == 150 && o.tif == QC_TIF_DAY);
    assert_string_equal(o.symbol, "AAPL");
    s = "  sell\t2.5 BRK.B stp_lmt 300 299.5 gtc ";
    assert_int_equal(qc_risk_parse_order(s, strlen(s), &o, &err), QC_OK);
    assert_true(o.side == QC_SELL && o.qty == 2.5 && o.type == QC_ORD_STOP_LIMIT && o.stop_price == 300 &&
                o.limit_price == 299.5 && o.tif == QC_TIF_GTC);
    assert_string_equal(o.symbol, "BRK.B");
    s = "SELL 10 MSFT";
    assert_int_equal(qc_risk_parse_order(s, strlen(s), &o, &err), QC_OK);
    assert_true(o.type == QC_ORD_MARKET && o.tif == QC_TIF_DAY);
    s = "BUY 1 X IOC";
    assert_int_equal(qc_risk_parse_order(s, strlen(s), &o, &err), QC_OK);
    assert_true(o.type == QC_ORD_MARKET && o.tif == QC_TIF_IOC);
    s = "BUY 1 X STP 5 DAY";
    assert_int_equal(qc_risk_parse_order(s, strlen(s), &o, &err), QC_OK);
    assert_true(o.type == QC_ORD_STOP && o.stop_price == 5);
    const char *bad[] = {"", "BUY", "BUY 100", "HOLD 100 AAPL", "BUY -1 AAPL", "BUY 0 AAPL", "BUY nan AAPL",
                         "BUY 1e999 AAPL", "BUY 100 AA$PL", "BUY 100 AAPL LMT", "BUY 100 AAPL LMT x",
                         "BUY 100 AAPL LMT -5", "BUY 100 AAPL STP_LMT 5", "BUY 100 AAPL LMT 5 FOK",
                         "BUY 100 AAPL LMT 5 DAY extra", "BUY 100 AAPL MKT 5",
                         "BUY 100 ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        qc_error_clear(&err);
        assert_int_equal(qc_risk_parse_order(bad[i], strlen(bad[i]), &o, &err), QC_ERR_INPUT);
        assert_true(err.msg[0] != '\0');
    }
    assert_int_equal(qc_risk_parse_order("BUY 1 A\0B", 9, &o, &err), QC_ERR_INPUT);
}

static void test_state_file(void **state) {
    (void)state;
    const char *js = "{\"cash\": 50000, \"day_start_pnl\": 100,"
                     " \"symbols\": [{\"symbol\": \"AAPL\", \"qty\": 100, \"avg_cost\": 140, \"mark\": 150,"
                     " \"sector\": \"tech\", \"max_long\": 300},"
                     " {\"symbol\": \"GME\", \"restricted\": true},"
                     " {\"symbol\": \"MSFT\", \"qty\": -20, \"avg_cost\": 100, \"mark\": 90}],"
                     " \"open_orders\": [{\"symbol\": \"AAPL\", \"side\": \"BUY\", \"qty\": 150, \"price\": 149}]}";
    qc_risk_state st;
    qc_error err = {0};
    assert_int_equal(qc_risk_state_parse(js, strlen(js), "state.json", &st, &err), QC_OK);
    assert_int_equal(st.n_sym, 3);
    assert_int_equal(st.n_ord, 1);
    qc_risk_limits l;
    qc_risk_limits_init(&l);
    qc_risk *r = mk(&l, 0);
    assert_int_equal(qc_risk_state_apply(r, &st, 0, &err), QC_OK);
    qc_risk_pnl a;
    qc_risk_pnl_get(r, -1, &a);
    assert_true(fabs(a.unrealized - 1200) < 1e-9 && fabs(a.equity - 51200) < 1e-9);
    assert_true(fabs(a.day_pnl - 1100) < 1e-9);
    assert_true(fabs(a.gross - (15000 + 1800)) < 1e-9);
    assert_int_equal(why(r, ord(AAPL, QC_BUY, 50, 150), 0), QC_RISK_PASS); /* 100 + 150 + 50 = 300 */
    assert_int_equal(why(r, ord(AAPL, QC_BUY, 51, 150), 0), QC_RISK_CHK_POS_LONG);
    assert_int_equal(why(r, ord(GME, QC_BUY, 1, 10), 0), QC_RISK_CHK_RESTRICTED);
    qc_risk_free(r);
    qc_risk_state_free(&st);
    const char *bad[] = {"", "[]", "{\"cash\": \"x\"}", "{\"symbols\": {}}", "{\"symbols\": [{\"qty\": 1}]}",
                         "{\"symbols\": [{\"symbol\": \"A\", \"qty\": 1}]}",
                         "{\"symbols\": [{\"symbol\": \"A\"}, {\"symbol\": \"A\"}]}",
                         "{\"symbols\": [{\"symbol\": \"A\", \"mark\": -1}]}",
                         "{\"open_orders\": [{\"symbol\": \"A\", \"side\": \"HOLD\", \"qty\": 1}]}",
                         "{\"open_orders\": [{\"symbol\": \"A\", \"side\": \"BUY\", \"qty\": 0}]}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(qc_risk_state_parse(bad[i], strlen(bad[i]), "s", &st, &err), QC_ERR_INPUT);
}

static void test_limits_from_config(void **state) {
    (void)state;
    qc_config *cfg = qc_config_new();
    qc_error err = {0};
    assert_int_equal(qc_config_set(cfg, "risk.order.max_notional", "1e6", QC_CFG_YAML, "t", &err), QC_OK);
    assert_int_equal(qc_config_set(cfg, "risk.duplicate.window_ms", "250", QC_CFG_YAML, "t", &err), QC_OK);
    assert_int_equal(qc_config_set(cfg, "risk.loss.action", "FLATTEN", QC_CFG_YAML, "t", &err), QC_OK);
    assert_int_equal(qc_config_set(cfg, "risk.enabled", "no", QC_CFG_YAML, "t", &err), QC_OK);
    assert_int_equal(qc_config_set(cfg, "risk.collar.pct", "abc", QC_CFG_YAML, "t", &err), QC_ERR_CONFIG);
    qc_risk_limits l;
    assert_int_equal(qc_risk_limits_from_config(cfg, &l, &err), QC_OK);
    assert_true(l.max_order_notional == 1e6 && l.duplicate_window_ns == 250 * MS);
    assert_int_equal(l.loss_action, QC_RISK_ACT_FLATTEN);
    assert_int_equal(l.enabled, 0);
    assert_int_equal(l.kill_allows_reduce_only, 1);
    assert_int_equal(qc_config_set(cfg, "risk.order.max_qty", "-5", QC_CFG_YAML, "t", &err), QC_OK);
    assert_int_equal(qc_risk_limits_from_config(cfg, &l, &err), QC_ERR_CONFIG);
    qc_config_free(cfg);
    /* every check has a name and the error code of its family */
    for (int i = 1; i < QC_RISK_CHK__COUNT; i++) {
        assert_true(strcmp(qc_risk_check_name((qc_risk_check_id)i), "unknown") != 0);
        assert_true(qc_err_is(qc_risk_check_code((qc_risk_check_id)i), QC_ERR_RISK));
    }
    assert_int_equal(qc_risk_check_code(QC_RISK_CHK_GROSS), QC_ERR_POSITION_LIMIT);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_kill_switch),
        cmocka_unit_test(test_restricted),
        cmocka_unit_test(test_size_and_notional),
        cmocka_unit_test(test_lot_and_tick),
        cmocka_unit_test(test_collar),
        cmocka_unit_test(test_position_limits),
        cmocka_unit_test(test_exposure_limits),
        cmocka_unit_test(test_buying_power),
        cmocka_unit_test(test_loss_checks_and_auto_kill),
        cmocka_unit_test(test_rate_limits),
        cmocka_unit_test(test_duplicate),
        cmocka_unit_test(test_disabled_engine),
        cmocka_unit_test(test_pnl),
        cmocka_unit_test(test_pnl_incremental_matches_resync),
        cmocka_unit_test(test_property_no_order_over_a_limit),
        cmocka_unit_test(test_kill_switch_survives_restart),
        cmocka_unit_test(test_order_string),
        cmocka_unit_test(test_state_file),
        cmocka_unit_test(test_limits_from_config),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
