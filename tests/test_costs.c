/* test_costs.c: cost models: a broker's fixed per-share tier (minimum and percent-of-notional cap),
 * basis-point commission and cash-order sizing, spread and slippage against the trader on both
 * sides, square-root impact against a hand computation, breakdowns that add up, option parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "backtest/costs.h"

#define CLOSE(a, b, tol) assert_true(fabs((a) - (b)) <= (tol))

static void test_defaults(void **state) {
    (void)state;
    qc_cost_model m;
    memset(&m, 0x7f, sizeof m);
    qc_cost_model_init(&m);
    assert_true(m.per_share == 0 && m.per_order_min == 0 && m.per_order_max_pct == 0 &&
                m.commission_bps == 0);
    assert_true(m.half_spread_bps == 0 && m.slippage_bps == 0 && m.impact_k == 0);
    assert_int_equal(m.impact_lookback, 20);
    assert_true(qc_cost_commission_rate(&m) == 0);
    qc_costs c;
    assert_true(qc_cost_apply(&m, QC_BUY, 100, 25.5, NULL, 0, &c) == 25.5);
    assert_true(c.commission == 0 && c.spread == 0 && c.slippage == 0 && c.impact == 0);
    assert_true(qc_cost_apply(&m, QC_SELL, 100, 25.5, NULL, 0, &c) == 25.5);
}

/* 0.005 per share, at least 1.00 per order, at most 1% of the trade value. */
static void test_fixed_tier(void **state) {
    (void)state;
    qc_cost_model m;
    qc_cost_model_init(&m);
    m.per_share = 0.005;
    m.per_order_min = 1.00;
    m.per_order_max_pct = 0.01;
    qc_costs c;
    assert_true(qc_cost_apply(&m, QC_BUY, 100, 50.0, NULL, 0, &c) == 50.0);
    CLOSE(c.commission, 1.00, 1e-12); /* 0.50 raised to the minimum */
    qc_cost_apply(&m, QC_SELL, 1000, 50.0, NULL, 0, &c);
    CLOSE(c.commission, 5.00, 1e-12); /* per share */
    qc_cost_apply(&m, QC_BUY, 300, 50.0, NULL, 0, &c);
    CLOSE(c.commission, 1.50, 1e-12);
    qc_cost_apply(&m, QC_BUY, 1, 2.0, NULL, 0, &c);
    CLOSE(c.commission, 0.02, 1e-12); /* the 1.00 minimum capped at 1% of $2 */
    assert_true(c.spread == 0 && c.slippage == 0 && c.impact == 0);
    m.per_order_max_pct = 0; /* no cap */
    qc_cost_apply(&m, QC_BUY, 1, 2.0, NULL, 0, &c);
    CLOSE(c.commission, 1.00, 1e-12);
    m.per_share = 0; /* the minimum applies only to a per-share tier */
    qc_cost_apply(&m, QC_BUY, 1, 2.0, NULL, 0, &c);
    assert_true(c.commission == 0);
}

static void test_bps_commission(void **state) {
    (void)state;
    qc_cost_model m;
    qc_cost_model_init(&m);
    m.commission_bps = 10;
    CLOSE(qc_cost_commission_rate(&m), 0.001, 1e-15);
    qc_costs c;
    qc_cost_apply(&m, QC_BUY, 1000, 50.0, NULL, 0, &c);
    CLOSE(c.commission, 50.0, 1e-9);
    m.per_share = 0.005; /* tier + bps: 5.00 + 50.00 */
    m.per_order_min = 1;
    m.per_order_max_pct = 0.01;
    qc_cost_apply(&m, QC_SELL, 1000, 50.0, NULL, 0, &c);
    CLOSE(c.commission, 55.0, 1e-9);

    /* on the execution price's notional: a cash order sized with the rate spends its cash exactly */
    qc_cost_model_init(&m);
    m.commission_bps = 10;
    m.half_spread_bps = 5;
    double px = qc_cost_apply(&m, QC_BUY, 1, 50.0, NULL, 0, &c);
    CLOSE(px, 50.025, 1e-12);
    double cash = 100000, qty = cash / (px * (1 + qc_cost_commission_rate(&m)));
    px = qc_cost_apply(&m, QC_BUY, qty, 50.0, NULL, 0, &c);
    CLOSE(qty * px + c.commission, cash, 1e-8);
    CLOSE(c.commission, 0.001 * qty * 50.025, 1e-9);
}

static void test_spread_slippage_direction(void **state) {
    (void)state;
    qc_cost_model m;
    qc_cost_model_init(&m);
    m.half_spread_bps = 5;
    m.slippage_bps = 2;
    qc_costs c;
    double buy = qc_cost_apply(&m, QC_BUY, 200, 100.0, NULL, 0, &c);
    CLOSE(buy, 100.07, 1e-12);
    CLOSE(c.spread, 200 * 100 * 5e-4, 1e-9);
    CLOSE(c.slippage, 200 * 100 * 2e-4, 1e-9);
    assert_true(c.impact == 0 && c.commission == 0);
    double sell = qc_cost_apply(&m, QC_SELL, 200, 100.0, NULL, 0, &c);
    CLOSE(sell, 99.93, 1e-12);
    CLOSE(c.spread, 10.0, 1e-9); /* costs are positive amounts on both sides */
    CLOSE(c.slippage, 4.0, 1e-9);
    assert_true(buy > 100.0 && sell < 100.0);
}

static void bars_fixture(qc_bars *b) {
    static const double close[] = {100, 101, 99, 102, 100, 103, 104};
    static const double vol[] = {1000, 2000, 1500, 3000, 2500, 500, 1500};
    qc_error err = {0};
    memset(b, 0, sizeof *b);
    for (int i = 0; i < 7; i++)
        assert_int_equal(qc_bars_push(b, (int64_t)(i + 1) * 86400000000000LL, (int64_t)i * 86400000000000LL,
                                      close[i], close[i], close[i], close[i], vol[i], NAN, 0, &err),
                         QC_OK);
}

/* Hand computation (lookback 5 at bar 6): returns of bars 2..6 = -0.0198020, 0.0303030, -0.0196078,
 * 0.0300000, 0.0097087; sample std 0.0250091151543772; ADV = (1500+3000+2500+500+1500)/5 = 1800;
 * impact = 0.5 * 0.0250091 * sqrt(400/1800) = 0.00589470497237846. */
static void test_impact(void **state) {
    (void)state;
    qc_bars b;
    bars_fixture(&b);
    qc_cost_model m;
    qc_cost_model_init(&m);
    m.impact_k = 0.5;
    m.impact_lookback = 5;
    qc_costs c;
    double px = qc_cost_apply(&m, QC_BUY, 400, 100.0, &b, 6, &c);
    CLOSE(px, 100.58947049723785, 1e-10);
    CLOSE(c.impact, 235.78819889513838, 1e-8);
    px = qc_cost_apply(&m, QC_SELL, 400, 100.0, &b, 6, &c);
    CLOSE(px, 100 * (1 - 0.00589470497237846), 1e-10);
    CLOSE(c.impact, 235.78819889513838, 1e-8);
    /* a short history: bar 2 has two returns (bars 1, 2) and ADV over bars 0..2 */
    qc_cost_apply(&m, QC_BUY, 400, 100.0, &b, 2, &c);
    CLOSE(c.impact, 400 * 100 * 0.005441072270925912, 1e-8);
    /* fewer than two returns, no history, impact off */
    qc_cost_apply(&m, QC_BUY, 400, 100.0, &b, 1, &c);
    assert_true(c.impact == 0);
    qc_cost_apply(&m, QC_BUY, 400, 100.0, &b, 0, &c);
    assert_true(c.impact == 0);
    assert_true(qc_cost_apply(&m, QC_BUY, 400, 100.0, NULL, 6, &c) == 100.0 && c.impact == 0);
    assert_true(qc_cost_apply(&m, QC_BUY, 400, 100.0, &b, 7, &c) == 100.0); /* beyond the history */
    /* no volume or unknown volume -> no ADV -> no impact */
    for (size_t i = 2; i <= 6; i++) b.volume[i] = 0;
    qc_cost_apply(&m, QC_BUY, 400, 100.0, &b, 6, &c);
    assert_true(c.impact == 0);
    b.volume[4] = NAN;
    b.volume[5] = 1e6;
    qc_cost_apply(&m, QC_BUY, 400, 100.0, &b, 6, &c);
    assert_true(c.impact == 0);
    m.impact_k = 0;
    b.volume[4] = 1e6;
    qc_cost_apply(&m, QC_BUY, 400, 100.0, &b, 6, &c);
    assert_true(c.impact == 0);
    qc_bars_free(&b);
}

/* The price moved by exactly spread + slippage + impact; commission apart. */
static void test_breakdown_sums(void **state) {
    (void)state;
    qc_bars b;
    bars_fixture(&b);
    qc_cost_model m;
    qc_cost_model_init(&m);
    m.per_share = 0.01;
    m.per_order_min = 2;
    m.commission_bps = 3;
    m.half_spread_bps = 4.5;
    m.slippage_bps = 1.25;
    m.impact_k = 0.8;
    m.impact_lookback = 4;
    const double qtys[] = {1, 37, 400, 12345.5};
    for (int side = -1; side <= 1; side += 2)
        for (size_t q = 0; q < 4; q++)
            for (size_t i = 0; i < 7; i++) {
                qc_costs c;
                double ref = 20 + (double)i, qty = qtys[q];
                double px = qc_cost_apply(&m, (qc_side)side, qty, ref, &b, i, &c);
                assert_true(c.spread >= 0 && c.slippage >= 0 && c.impact >= 0 && c.commission >= 0);
                assert_true(side > 0 ? px >= ref : px <= ref);
                double moved = qty * fabs(px - ref), parts = c.spread + c.slippage + c.impact;
                CLOSE(moved, parts, 1e-12 * qty * ref);
                double tier = fmax(0.01 * qty, 2);
                CLOSE(c.commission, tier + 3e-4 * qty * px, 1e-9);
            }
    qc_bars_free(&b);
}

static void test_set(void **state) {
    (void)state;
    qc_cost_model m;
    qc_cost_model_init(&m);
    qc_error err = {0};
    assert_int_equal(qc_cost_model_set(&m, "per-share", 0.005, &err), QC_OK);
    assert_int_equal(qc_cost_model_set(&m, "min", 1, &err), QC_OK);
    assert_int_equal(qc_cost_model_set(&m, "max-pct", 0.01, &err), QC_OK);
    assert_int_equal(qc_cost_model_set(&m, "commission-bps", 1.5, &err), QC_OK);
    assert_int_equal(qc_cost_model_set(&m, "spread-bps", 2, &err), QC_OK);
    assert_int_equal(qc_cost_model_set(&m, "slippage-bps", 3, &err), QC_OK);
    assert_int_equal(qc_cost_model_set(&m, "impact-k", 0.7, &err), QC_OK);
    assert_int_equal(qc_cost_model_set(&m, "impact-lookback", 60, &err), QC_OK);
    assert_true(m.per_share == 0.005 && m.per_order_min == 1 && m.per_order_max_pct == 0.01);
    assert_true(m.commission_bps == 1.5 && m.half_spread_bps == 2 && m.slippage_bps == 3 &&
                m.impact_k == 0.7);
    assert_int_equal(m.impact_lookback, 60);
    assert_int_equal(qc_cost_model_set(&m, "commission-bps", 0, &err), QC_OK);
    assert_true(m.commission_bps == 0);

    const char *names[] = {"per-share", "min", "max-pct", "commission-bps", "spread-bps", "slippage-bps",
                           "impact-k", "impact-lookback"};
    for (size_t i = 0; i < 8; i++) {
        qc_cost_model before = m;
        qc_error_clear(&err);
        assert_int_equal(qc_cost_model_set(&m, names[i], -1, &err), QC_ERR_INPUT);
        assert_non_null(strstr(err.msg, names[i]));
        assert_int_equal(qc_cost_model_set(&m, names[i], NAN, &err), QC_ERR_INPUT);
        assert_int_equal(qc_cost_model_set(&m, names[i], INFINITY, &err), QC_ERR_INPUT);
        assert_memory_equal(&before, &m, sizeof m); /* untouched on error */
    }
    assert_int_equal(qc_cost_model_set(&m, "max-pct", 1.5, &err), QC_ERR_INPUT); /* a fraction */
    assert_int_equal(qc_cost_model_set(&m, "impact-lookback", 1, &err), QC_ERR_INPUT);
    assert_int_equal(qc_cost_model_set(&m, "impact-lookback", 20.5, &err), QC_ERR_INPUT);
    assert_int_equal(qc_cost_model_set(&m, "spread-bps", 20000, &err), QC_ERR_INPUT);
    assert_int_equal(qc_cost_model_set(&m, "fee", 1, &err), QC_ERR_INPUT);
    assert_non_null(strstr(err.msg, "unknown option 'fee'"));
    assert_non_null(strstr(err.msg, "per-share"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),       cmocka_unit_test(test_fixed_tier),
        cmocka_unit_test(test_bps_commission), cmocka_unit_test(test_spread_slippage_direction),
        cmocka_unit_test(test_impact),         cmocka_unit_test(test_breakdown_sums),
        cmocka_unit_test(test_set),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
