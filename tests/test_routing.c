/* test_routing.c: smart order routing (src/execution/routing.h) over three hand-built exchange
 * venues: a sweep across venues with ISO children and the cost saved against the lowest-fee venue
 * (figures worked out by hand in the comments), the same sweep without ISO (trade-through
 * protection cuts it, the remainder is routed again), re-routing when liquidity vanishes while a
 * child travels (latency), the tie-breaks (size, fee, latency) on the sell side, the limit, and bad
 * parents. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "execution/routing.h"

static qc_venue *g_v[3];

static void venues(const double fee[3], const int64_t lat[3]) {
    for (int k = 0; k < 3; k++) {
        qc_exchange_opts o;
        qc_exchange_opts_init(&o);
        o.name = k == 0 ? "A" : k == 1 ? "B" : "C";
        o.feed = QC_EXCH_FEED_TICKS;
        o.taker_fee = fee[k];
        o.latency_ns = lat[k];
        o.max_price = 1000;
        o.capacity = 256;
        qc_error err = {0};
        assert_int_equal(qc_exchange_venue_new(&o, 1, &g_v[k], &err), QC_OK);
    }
}

static void free_venues(void) {
    for (int k = 0; k < 3; k++) qc_exchange_venue_free(g_v[k]);
}

static void post(int k, qc_side side, double px, double qty) {
    assert_int_equal(qc_exchange_post(g_v[k], 0, side, px, qty, 5, NULL), QC_BOOK_R_NONE);
}

static qc_router *router(int iso) {
    qc_router_opts o;
    qc_router_opts_init(&o);
    o.use_iso = iso;
    qc_router *r = NULL;
    qc_error err = {0};
    assert_int_equal(qc_router_new(&o, g_v, 3, &r, &err), QC_OK);
    return r;
}

#define NEAR(a, b) assert_true(fabs((a) - (b)) < 1e-6)

/* A: 10.00x100, 10.02x500 (taker 0.003); B: 10.01x200 (0.0025); C: 10.00x50, 10.03x1000 (0.001).
 * Buy 400 within 10.05: rank 10.00 A (larger) then C, 10.01 B, 10.02 A. Children A 150 <= 10.02,
 * C 50 <= 10.00, B 200 <= 10.01, all ISO. Notional 1000 + 501 + 500 + 2002 = 4003, fees 0.45 +
 * 0.05 + 0.5 = 1.0. All at C (lowest fee): 50 x 10.001 + 350 x 10.031 = 4010.9; saved 6.9. */
static void book_abc(void) {
    const double fee[3] = {0.003, 0.0025, 0.001};
    const int64_t lat[3] = {0, 0, 0};
    venues(fee, lat);
    post(0, QC_SELL, 10.00, 100);
    post(0, QC_SELL, 10.02, 500);
    post(1, QC_SELL, 10.01, 200);
    post(2, QC_SELL, 10.00, 50);
    post(2, QC_SELL, 10.03, 1000);
}

static void test_sweep_with_iso(void **st) {
    (void)st;
    book_abc();
    qc_router *r = router(1);
    qc_parent_order p = {0, QC_BUY, 400, 10.05};
    qc_route_result res;
    qc_error err = {0};
    assert_int_equal(qc_router_execute(r, &p, 0, &res, &err), QC_OK);
    NEAR(res.filled, 400);
    assert_int_equal(res.rounds, 1);
    assert_int_equal(res.children, 3);
    NEAR(res.venue[0].qty, 150);
    NEAR(res.venue[0].notional, 1501);
    NEAR(res.venue[0].fees, 0.45);
    NEAR(res.venue[1].qty, 200);
    NEAR(res.venue[2].qty, 50);
    assert_true(res.venue[0].iso_children == 1 && res.venue[1].iso_children == 1 && res.venue[2].iso_children == 1);
    NEAR(res.notional, 4003);
    NEAR(res.fees, 1.0);
    assert_int_equal(res.single_venue, 2);
    NEAR(res.single_cost, 4010.9);
    NEAR(res.routed_cost, 4004.0);
    NEAR(res.saved, 6.9);
    NEAR(res.single_short, 0);
    /* a second parent while none is working is fine; the books are now thinner */
    p.qty = 5000;
    assert_int_equal(qc_router_execute(r, &p, 1, &res, &err), QC_OK);
    NEAR(res.filled, 450 + 1000); /* A's 10.02 rest and C's 10.03 */
    NEAR(res.unfilled, 5000 - 1450);
    qc_router_free(r);
    free_venues();
}

/* Without ISO each venue protects the others' quotes as they stood when the round was sent: round 1
 * fills A 100 (its 10.02 would trade through C's 10.00: cut) and C 50, and B's child is cancelled
 * (10.01 through 10.00); round 2 sends B 200 and A 50, and A's is cut by B's 10.01; round 3 fills
 * A 50 at 10.02. Same fills, three trade-through cancels and three rounds instead of one. */
static void test_sweep_without_iso(void **st) {
    (void)st;
    book_abc();
    qc_router *r = router(0);
    qc_parent_order p = {0, QC_BUY, 400, 10.05};
    qc_route_result res;
    qc_error err = {0};
    assert_int_equal(qc_router_execute(r, &p, 0, &res, &err), QC_OK);
    NEAR(res.filled, 400);
    assert_int_equal(res.rounds, 3);
    NEAR(res.notional, 4003);
    size_t tt = 0;
    for (int k = 0; k < 3; k++) tt += qc_exchange_venue_stats(g_v[k])->trade_through_cancels;
    assert_int_equal(tt, 3);
    assert_int_equal(res.venue[0].iso_children + res.venue[1].iso_children + res.venue[2].iso_children, 0);
    qc_router_free(r);
    free_venues();
}

/* A (1 ms away) shows the best price but a competitor takes most of it while our child travels:
 * the child gets 50, and the remaining 250 go to B (100 at 10.01) and C (150 at 10.02). */
static void test_reroute_after_latency(void **st) {
    (void)st;
    const double fee[3] = {0.003, 0.002, 0.001};
    const int64_t lat[3] = {1000000, 0, 0};
    venues(fee, lat);
    post(0, QC_SELL, 10.00, 300);
    post(1, QC_SELL, 10.01, 100);
    post(2, QC_SELL, 10.02, 500);
    qc_router *r = router(1);
    qc_parent_order p = {0, QC_BUY, 300, 10.05};
    qc_error err = {0};
    assert_int_equal(qc_router_submit(r, &p, 0, &err), QC_OK);
    assert_int_equal(qc_router_submit(r, &p, 0, &err), QC_ERR_EXECUTION); /* one parent at a time */
    assert_int_equal(qc_router_advance(r, 500000), 0);
    qc_exchange_take(g_v[0], 0, QC_BUY, 10.00, 250, 9); /* the competitor */
    int done = 0;
    for (int i = 0; i < 10 && !done; i++) done = qc_router_advance(r, 1000000 + i);
    assert_true(done);
    qc_route_result res;
    qc_router_result(r, &res);
    NEAR(res.filled, 300);
    assert_int_equal(res.rounds, 2);
    NEAR(res.venue[0].qty, 50);
    NEAR(res.venue[1].qty, 100);
    NEAR(res.venue[2].qty, 150);
    /* all at C: 300 x 10.021 = 3006.3; ours 3004 + 0.5 */
    NEAR(res.single_cost, 3006.3);
    NEAR(res.saved, 1.8);
    qc_router_free(r);
    free_venues();
}

/* Sell side: at one bid price the larger size wins, then the lower fee, then the lower latency. */
static void test_ties_sell_side(void **st) {
    (void)st;
    const double fee[3] = {0.003, 0.002, 0.002};
    const int64_t lat[3] = {0, 0, 5};
    venues(fee, lat);
    post(0, QC_BUY, 9.99, 100);
    post(1, QC_BUY, 9.99, 100);
    post(2, QC_BUY, 9.99, 100);
    post(0, QC_BUY, 9.97, 1000); /* beyond the limit */
    qc_router *r = router(1);
    qc_parent_order p = {0, QC_SELL, 150, 9.98};
    qc_route_result res;
    qc_error err = {0};
    assert_int_equal(qc_router_execute(r, &p, 0, &res, &err), QC_OK);
    NEAR(res.venue[0].qty, 0);
    NEAR(res.venue[1].qty, 100); /* fee 0.002, no latency */
    NEAR(res.venue[2].qty, 50);  /* fee 0.002, 5 ns */
    NEAR(res.filled, 150);
    /* the rest is outside the limit: unfilled */
    p.qty = 300;
    assert_int_equal(qc_router_execute(r, &p, 100, &res, &err), QC_OK);
    NEAR(res.filled, 150);
    NEAR(res.unfilled, 150);
    post(2, QC_BUY, 9.99, 500); /* now C is bigger at the best bid: it goes first */
    post(0, QC_BUY, 9.99, 100);
    p.qty = 50;
    assert_int_equal(qc_router_execute(r, &p, 200, &res, &err), QC_OK);
    NEAR(res.venue[2].qty, 50);
    /* sells: proceeds minus fees; all at the lowest-fee venue (B, empty now) would have sold none */
    NEAR(res.single_qty, 0);
    NEAR(res.single_short, 50);
    qc_parent_order bad = {0, QC_SELL, -1, NAN};
    assert_int_equal(qc_router_submit(r, &bad, 300, &err), QC_ERR_EXECUTION);
    qc_router_free(r);
    free_venues();
}

/* The outcome does not depend on the order the venues are listed in when the ranking does not tie
 * (TRAPS.md: fills that depend on registration order): book_abc listed as C, A, B. */
static void test_listing_order(void **st) {
    (void)st;
    const double fee[3] = {0.001, 0.003, 0.0025}; /* C, A, B */
    const int64_t lat[3] = {0, 0, 0};
    venues(fee, lat);
    post(1, QC_SELL, 10.00, 100);
    post(1, QC_SELL, 10.02, 500);
    post(2, QC_SELL, 10.01, 200);
    post(0, QC_SELL, 10.00, 50);
    post(0, QC_SELL, 10.03, 1000);
    qc_router *r = router(1);
    qc_parent_order p = {0, QC_BUY, 400, 10.05};
    qc_route_result res;
    qc_error err = {0};
    assert_int_equal(qc_router_execute(r, &p, 0, &res, &err), QC_OK);
    NEAR(res.venue[1].qty, 150); /* A */
    NEAR(res.venue[2].qty, 200); /* B */
    NEAR(res.venue[0].qty, 50);  /* C */
    NEAR(res.venue[1].notional, 1501);
    assert_int_equal(res.single_venue, 0);
    NEAR(res.saved, 6.9);
    qc_router_free(r);
    free_venues();
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sweep_with_iso),
        cmocka_unit_test(test_sweep_without_iso),
        cmocka_unit_test(test_reroute_after_latency),
        cmocka_unit_test(test_ties_sell_side),
        cmocka_unit_test(test_listing_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
