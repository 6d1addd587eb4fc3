/* test_route_venue.c: the router as a venue (src/execution/route_venue.h) over three exchange
 * venues fed bars: the split of a parent across the venues' ladders with ISO children, per-venue
 * fills and the cost saved against the lowest taker fee venue (worked by hand below), the remainder
 * of a limit parent resting on the lowest maker fee venue and filling as a maker on later bars,
 * cancel and replace of a working parent (never doubled), IOC/FOK/DAY semantics, rejects, cash
 * parents and the latency rule. The three venues (2 levels of 100 shares per side, open 100):
 *   A maker -0.002 taker 0.003, spread 2 bps: asks 100.01, 100.02
 *   B maker -0.001 taker 0.002, spread 4 bps: asks 100.02, 100.03
 *   C maker +0.0005 taker 0.001, spread 2 bps: asks 100.01, 100.02 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "core/time.h"
#include "execution/route_venue.h"

#define DAY (86400 * QC_NS_PER_SEC)

typedef struct {
    qc_fill f[64];
    size_t n_fill;
    qc_order_status seen[64];
    size_t n_status;
} sink;

static sink g_sink;
static qc_order g_ord[8];
static qc_bars g_bars;

static void s_fill(void *u, const qc_fill *f) {
    sink *k = u;
    if (k->n_fill < 64) k->f[k->n_fill++] = *f;
    for (size_t i = 0; i < 8; i++)
        if (g_ord[i].id == f->order_id) g_ord[i].filled_qty += f->qty; /* as the kernel does */
}

static void s_status(void *u, qc_order *o) {
    sink *k = u;
    if (k->n_status < 64) k->seen[k->n_status++] = o->status;
}

static qc_venue *mk(int64_t lat_b, int64_t lat_c, double max_price) {
    qc_venue_setup s;
    qc_venue_setup_init(&s, QC_VENUE_SOR);
    qc_error err = {0};
    assert_int_equal(qc_venue_setup_parse("A:-0.002:0.003:0:2,B:-0.001:0.002:0:4,C:0.0005:0.001:0:2", &s, &err), QC_OK);
    for (size_t k = 0; k < 3; k++) {
        s.ex[k].levels = 2;
        s.ex[k].default_size = 100;
        s.ex[k].max_price = max_price;
        s.ex[k].capacity = 1024;
    }
    s.ex[1].latency_ns = lat_b;
    s.ex[2].latency_ns = lat_c;
    qc_venue *v = NULL;
    assert_int_equal(qc_venue_setup_make(&s, 1, &v, &err), QC_OK);
    memset(&g_sink, 0, sizeof g_sink);
    memset(g_ord, 0, sizeof g_ord);
    v->sink.fill = s_fill;
    v->sink.status = s_status;
    v->kernel = &g_sink;
    qc_bars_free(&g_bars);
    return v;
}

/* Day d's bar: opens 14:30 UTC, closes 21:00 UTC; no volume (ladder of default sizes, sweeps
 * without limit). */
static int64_t close_ts(int d) { return (int64_t)d * DAY + 21 * 3600 * QC_NS_PER_SEC; }
static int64_t open_ts(int d) { return close_ts(d) - 6 * 3600 * QC_NS_PER_SEC - 30 * 60 * QC_NS_PER_SEC; }

static void bar(qc_venue *v, int d, double o, double h, double l, double c) {
    qc_bars_push(&g_bars, close_ts(d), open_ts(d), o, h, l, c, 0, NAN, 0, NULL);
    v->vt->on_bar(v, 0, &g_bars, g_bars.n - 1);
    v->vt->on_event_end(v, close_ts(d));
}

static qc_order *order(int k, qc_side side, qc_order_type type, qc_tif tif, double qty, double limit, int64_t ts) {
    qc_order *o = &g_ord[k];
    memset(o, 0, sizeof *o);
    o->id = (uint64_t)k + 1;
    o->req = (qc_order_req){.symbol = 0, .side = side, .type = type, .tif = tif, .qty = qty, .limit_price = limit};
    o->status = QC_OS_PENDING_NEW;
    o->created_ts = o->updated_ts = ts;
    return o;
}

static qc_err submit(qc_venue *v, qc_order *o) {
    qc_error err = {0};
    return v->vt->submit(v, o, &err);
}

static void done(qc_venue *v) {
    qc_route_venue_free(v);
    qc_bars_free(&g_bars);
}

static void test_split_iso_saving(void **st) {
    (void)st;
    qc_venue *v = mk(0, 0, 1000);
    qc_order *o = order(0, QC_BUY, QC_ORD_MARKET, QC_TIF_DAY, 300, 0, close_ts(0));
    assert_int_equal(submit(v, o), QC_OK);
    assert_int_equal(o->status, QC_OS_NEW);
    assert_int_equal(v->active, 1);
    bar(v, 1, 100, 100.5, 99.5, 100.2);
    /* at 100.01: C (lower taker fee) then A; at 100.02: C first. Children C 200 (<= 100.02) and
     * A 100 (<= 100.01), both ISO, one round. */
    assert_int_equal(o->status, QC_OS_FILLED);
    assert_int_equal(v->active, 0);
    assert_int_equal(g_sink.n_fill, 3);
    double qty = 0, notional = 0, fees = 0;
    for (size_t i = 0; i < g_sink.n_fill; i++) {
        assert_int_equal(g_sink.f[i].order_id, 1); /* fills of the parent */
        qty += g_sink.f[i].qty;
        notional += g_sink.f[i].qty * g_sink.f[i].price;
        fees += g_sink.f[i].costs.commission;
    }
    assert_float_equal(qty, 300, 1e-9);
    assert_float_equal(notional, 30004, 1e-6);
    assert_float_equal(fees, 0.5, 1e-9);
    const qc_route_stats *rs = qc_route_venue_stats(v);
    assert_int_equal(rs->parents, 1);
    assert_int_equal(rs->rounds, 1);
    assert_int_equal(rs->children, 2);
    assert_int_equal(rs->iso_children, 2);
    assert_int_equal(rs->venue[0].fills, 1);
    assert_int_equal(rs->venue[1].fills, 0);
    assert_int_equal(rs->venue[2].fills, 2);
    assert_float_equal(rs->venue[2].qty, 200, 1e-9);
    /* C alone showed 200 (100 at 100.011 all-in, 100 at 100.021): 20,003.20 against our
     * 30,004.50 / 300 x 200 = 20,003.00: saved 0.20; 100 shares it could not have filled */
    assert_float_equal(rs->single_qty, 200, 1e-9);
    assert_float_equal(rs->single_short, 100, 1e-9);
    assert_float_equal(rs->saved, 0.2, 1e-6);
    done(v);
}

static void test_limit_rests_on_home_venue(void **st) {
    (void)st;
    qc_venue *v = mk(0, 0, 1000);
    qc_order *o = order(0, QC_BUY, QC_ORD_LIMIT, QC_TIF_GTC, 500, 99.95, close_ts(0));
    submit(v, o);
    bar(v, 1, 100, 100.5, 99.97, 100.2); /* nothing within 99.95; the bar's low stays above it */
    assert_int_equal(o->status, QC_OS_NEW);
    assert_int_equal(g_sink.n_fill, 0);
    assert_int_equal(v->active, 1);
    const qc_exchange_stats *a = qc_exchange_venue_stats(qc_route_venue_exchange(v, 0));
    assert_int_equal(a->submitted, 1); /* resting at A, the largest rebate */
    /* day 2 opens at 99.90: A's ladder (asks 99.91, 99.92, 100 each) crosses our bid: 2 x 100 at
     * OUR 99.95 as the maker; the sweep to the low 99.90 takes the other 300 */
    bar(v, 2, 99.90, 100.0, 99.90, 99.95);
    assert_int_equal(o->status, QC_OS_FILLED);
    assert_int_equal(g_sink.n_fill, 3);
    assert_float_equal(g_sink.f[0].qty, 100, 1e-9);
    assert_float_equal(g_sink.f[1].qty, 100, 1e-9);
    assert_float_equal(g_sink.f[2].qty, 300, 1e-9);
    for (size_t i = 0; i < 3; i++) assert_float_equal(g_sink.f[i].price, 99.95, 1e-9);
    assert_int_equal(g_sink.seen[0], QC_OS_PARTIAL);
    const qc_route_stats *rs = qc_route_venue_stats(v);
    assert_int_equal(rs->venue[0].maker_fills, 3);
    assert_float_equal(rs->venue[0].fees, -1.0, 1e-9);
    assert_float_equal(o->filled_qty, 500, 1e-9);
    done(v);
}

static void test_cancel(void **st) {
    (void)st;
    qc_venue *v = mk(0, 0, 1000);
    qc_error err = {0};
    qc_order *a = order(0, QC_BUY, QC_ORD_LIMIT, QC_TIF_GTC, 100, 99.95, close_ts(0));
    qc_order *b = order(1, QC_BUY, QC_ORD_LIMIT, QC_TIF_GTC, 100, 99.95, close_ts(0));
    submit(v, a);
    submit(v, b);
    assert_int_equal(v->vt->cancel(v, b, &err), QC_OK); /* still at the router: ends at once */
    assert_int_equal(b->status, QC_OS_CANCELLED);
    assert_int_not_equal(v->vt->cancel(v, b, &err), QC_OK);
    bar(v, 1, 100, 100.5, 99.97, 100.2);
    assert_int_equal(v->vt->cancel(v, a, &err), QC_OK); /* resting: its child's cancel travels */
    assert_int_equal(a->status, QC_OS_PENDING_CANCEL);
    assert_int_not_equal(v->vt->cancel(v, a, &err), QC_OK);
    bar(v, 2, 100, 100.5, 99.5, 100.2); /* the cancel arrives at the open, before the sweep */
    assert_int_equal(a->status, QC_OS_CANCELLED);
    assert_int_equal(g_sink.n_fill, 0);
    assert_int_equal(v->active, 0);
    done(v);
}

static void test_replace_reroutes_once(void **st) {
    (void)st;
    qc_venue *v = mk(0, 0, 1000);
    qc_error err = {0};
    qc_order *o = order(0, QC_BUY, QC_ORD_LIMIT, QC_TIF_GTC, 500, 99.95, close_ts(0));
    submit(v, o);
    bar(v, 1, 100, 100.5, 99.97, 100.2);
    assert_int_equal(v->vt->replace(v, o, 400, 100.02, 0, &err), QC_OK);
    assert_int_equal(o->status, QC_OS_NEW);
    assert_float_equal(o->req.qty, 400, 0);
    assert_int_not_equal(v->vt->replace(v, o, 0, 100.02, 0, &err), QC_OK);
    /* day 2: the old child's cancel arrives at the open, then the new terms route: 200 at 100.01
     * (C, A) and 200 at 100.02 (C, B by taker fee) */
    bar(v, 2, 100, 100.5, 99.97, 100.2);
    assert_int_equal(o->status, QC_OS_FILLED);
    assert_float_equal(o->filled_qty, 400, 1e-9);
    double notional = 0;
    for (size_t i = 0; i < g_sink.n_fill; i++) notional += g_sink.f[i].qty * g_sink.f[i].price;
    assert_float_equal(notional, 200 * 100.01 + 200 * 100.02, 1e-6);
    assert_int_equal(qc_exchange_venue_stats(qc_route_venue_exchange(v, 0))->cancelled, 1);
    assert_int_equal(v->active, 0);
    done(v);
}

static void test_ioc_fok_day(void **st) {
    (void)st;
    qc_venue *v = mk(0, 0, 1000);
    qc_order *ioc = order(0, QC_BUY, QC_ORD_LIMIT, QC_TIF_IOC, 500, 100.01, close_ts(0));
    qc_order *fok_big = order(1, QC_SELL, QC_ORD_MARKET, QC_TIF_FOK, 700, 0, close_ts(0));
    qc_order *fok = order(2, QC_SELL, QC_ORD_MARKET, QC_TIF_FOK, 600, 0, close_ts(0));
    qc_order *day = order(3, QC_BUY, QC_ORD_LIMIT, QC_TIF_DAY, 100, 99.90, close_ts(0));
    submit(v, ioc);
    submit(v, fok_big);
    submit(v, fok);
    submit(v, day);
    bar(v, 1, 100, 100.5, 99.95, 100.2);
    assert_int_equal(ioc->status, QC_OS_CANCELLED); /* 200 within 100.01, the rest cancelled */
    assert_float_equal(ioc->filled_qty, 200, 1e-9);
    assert_int_equal(fok_big->status, QC_OS_CANCELLED); /* 600 displayed: nothing traded */
    assert_float_equal(fok_big->filled_qty, 0, 0);
    assert_int_equal(fok->status, QC_OS_FILLED);
    assert_int_equal(day->status, QC_OS_NEW); /* resting at A; the low stayed above 99.90 */
    bar(v, 2, 100, 100.5, 99.95, 100.2);    /* a later day: the DAY child expires */
    assert_int_equal(day->status, QC_OS_EXPIRED);
    assert_int_equal(v->active, 0);
    done(v);
}

static void test_rejects(void **st) {
    (void)st;
    qc_venue *v = mk(0, 0, 50); /* the bars open at 100: above every venue's band, no ladder */
    qc_order *stop = order(0, QC_BUY, QC_ORD_STOP, QC_TIF_GTC, 100, 0, close_ts(0));
    stop->req.stop_price = 101;
    assert_int_not_equal(submit(v, stop), QC_OK);
    assert_int_equal(stop->status, QC_OS_REJECTED);
    qc_order *po = order(1, QC_BUY, QC_ORD_LIMIT, QC_TIF_GTC, 100, 10, close_ts(0));
    po->req.flags = QC_ORDF_POST_ONLY;
    assert_int_not_equal(submit(v, po), QC_OK);
    assert_int_equal(po->status, QC_OS_REJECTED);
    qc_order *m = order(2, QC_BUY, QC_ORD_MARKET, QC_TIF_DAY, 100, 0, close_ts(0));
    assert_int_equal(submit(v, m), QC_OK);
    bar(v, 1, 100, 100.5, 99.5, 100.2);
    assert_int_equal(m->status, QC_OS_REJECTED); /* nothing can route: no venue shows liquidity */
    assert_int_equal(qc_route_venue_stats(v)->rejected, 3);
    done(v);
}

static void test_cash_parent(void **st) {
    (void)st;
    qc_venue *v = mk(0, 0, 1000);
    qc_order *o = order(0, QC_BUY, QC_ORD_MARKET, QC_TIF_DAY, 0, 0, close_ts(0));
    o->req.cash = 20000;
    submit(v, o);
    bar(v, 1, 100, 100.5, 99.5, 100.2);
    /* cheapest all-in first: 100 at 100.011 (C) = 10,001.10, then 99 at 100.013 (A) */
    assert_int_equal(o->status, QC_OS_FILLED);
    assert_float_equal(o->filled_qty, 199, 1e-9);
    double spent = 0;
    for (size_t i = 0; i < g_sink.n_fill; i++) spent += g_sink.f[i].qty * g_sink.f[i].price + g_sink.f[i].costs.commission;
    assert_true(spent <= 20000);
    done(v);
}

static void test_latency(void **st) {
    (void)st;
    qc_venue *v = mk(250000, 500000, 1000); /* B 250 us, C 500 us */
    qc_order *late = order(0, QC_BUY, QC_ORD_MARKET, QC_TIF_DAY, 100, 0, open_ts(1) - 100000);
    qc_order *early = order(1, QC_BUY, QC_ORD_MARKET, QC_TIF_DAY, 100, 0, open_ts(1) - 600000);
    submit(v, early);
    submit(v, late);
    bar(v, 1, 100, 100.5, 99.5, 100.2);
    assert_int_equal(early->status, QC_OS_FILLED); /* reached every venue by the open */
    assert_int_equal(late->status, QC_OS_NEW);     /* due 400 us after it: the next bar */
    bar(v, 2, 100, 100.5, 99.5, 100.2);
    assert_int_equal(late->status, QC_OS_FILLED);
    done(v);
}

static void test_setup_parse(void **st) {
    (void)st;
    qc_venue_setup s;
    qc_error err = {0};
    qc_venue_setup_init(&s, QC_VENUE_SOR);
    assert_int_equal(s.n, 3);
    assert_string_equal(s.names[2], "C");
    assert_int_equal(s.ex[1].latency_ns, 250000);
    assert_float_equal(s.ex[2].spread_bps, 4, 0);
    assert_int_equal(qc_venue_setup_parse("X:0:0.001:10", &s, &err), QC_OK);
    assert_int_equal(s.n, 1);
    const char *bad[] = {"", "X", "X:a:0.001:0", "X:0:0.001:0,", "X:0:-1:0", "X:0:0:0,X:0:0:0", "X:0:0:0:1:2", "X::0:0:0", "X:0:0:0:", "X\"y:0:0:0"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        qc_error_clear(&err);
        assert_int_equal(qc_venue_setup_parse(bad[i], &s, &err), QC_ERR_INPUT);
        assert_true(strstr(err.msg, "execution.venues") != NULL);
    }
    qc_venue_kind k;
    assert_int_equal(qc_venue_kind_parse("sor", &k, &err), QC_OK);
    assert_int_equal(k, QC_VENUE_SOR);
    assert_int_equal(qc_venue_kind_parse("nyse", &k, &err), QC_ERR_USAGE);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split_iso_saving),   cmocka_unit_test(test_limit_rests_on_home_venue),
        cmocka_unit_test(test_cancel),             cmocka_unit_test(test_replace_reroutes_once),
        cmocka_unit_test(test_ioc_fok_day),        cmocka_unit_test(test_rejects),
        cmocka_unit_test(test_cash_parent),        cmocka_unit_test(test_latency),
        cmocka_unit_test(test_setup_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
