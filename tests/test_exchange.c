/* test_exchange.c: the simulated exchange venue (src/execution/exchange_venue.h) on hand-built
 * books, quotes/trades and bars (the synthetic ladder and the bar's sweep, driven by the kernel):
 * taker fees and maker rebates, latency of orders and cancels, post-only, FOK, ISO against the away
 * quote, queue position on quote updates and trade prints, DAY expiry, refused stop orders, and
 * the new FOK/post-only/ISO checks of order.h (the bar venue refuses them). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "backtest/sim_venue.h"
#include "data/synth.h"
#include "strategies/strategies.h"
#include "core/time.h"
#include "execution/exchange_venue.h"
#include "execution/kernel.h"

/* ---- a sink standing in for the kernel ---------------------------------------------------------- */

typedef struct {
    qc_fill f[64];
    size_t n_fill, n_status;
    qc_order *orders; /* to update filled_qty like the kernel */
    size_t n_orders;
} sink;

static void s_fill(void *u, const qc_fill *f) {
    sink *k = u;
    if (k->n_fill < 64) k->f[k->n_fill++] = *f;
    for (size_t i = 0; i < k->n_orders; i++)
        if (k->orders[i].id == f->order_id) k->orders[i].filled_qty += f->qty;
}
static void s_status(void *u, qc_order *o) {
    (void)o;
    ((sink *)u)->n_status++;
}

static qc_order g_ord[16];
static sink g_sink;

static qc_venue *mk_venue(qc_exch_feed feed, int64_t latency) {
    qc_exchange_opts o;
    qc_exchange_opts_init(&o);
    o.feed = feed;
    o.latency_ns = latency;
    o.max_price = 1000;
    o.capacity = 1024;
    qc_venue *v = NULL;
    qc_error err = {0};
    assert_int_equal(qc_exchange_venue_new(&o, 2, &v, &err), QC_OK);
    memset(&g_sink, 0, sizeof g_sink);
    memset(g_ord, 0, sizeof g_ord);
    g_sink.orders = g_ord;
    g_sink.n_orders = 16;
    v->sink.fill = s_fill;
    v->sink.status = s_status;
    v->kernel = &g_sink;
    return v;
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

static void test_taker_maker_fees(void **st) {
    (void)st;
    qc_venue *v = mk_venue(QC_EXCH_FEED_TICKS, 0);
    assert_int_equal(qc_exchange_post(v, 0, QC_SELL, 10.00, 100, 5, NULL), QC_BOOK_R_NONE);
    assert_int_equal(qc_exchange_post(v, 0, QC_SELL, 10.01, 100, 5, NULL), QC_BOOK_R_NONE);
    qc_order *m = order(0, QC_BUY, QC_ORD_MARKET, QC_TIF_DAY, 150, 0, 0);
    assert_int_equal(submit(v, m), QC_OK);
    assert_int_equal(g_sink.n_fill, 2);
    assert_true(g_sink.f[0].price == 10.00 && g_sink.f[0].qty == 100);
    assert_true(fabs(g_sink.f[1].price - 10.01) < 1e-12 && g_sink.f[1].qty == 50);
    assert_true(fabs(g_sink.f[0].costs.commission - 0.3) < 1e-12); /* taker 0.003/share */
    assert_int_equal(m->status, QC_OS_FILLED);
    assert_int_equal(v->active, 0);
    /* our resting bid is hit by a participant: maker rebate, a negative commission */
    qc_order *l = order(1, QC_BUY, QC_ORD_LIMIT, QC_TIF_GTC, 40, 9.99, 0);
    submit(v, l);
    assert_int_equal(l->status, QC_OS_NEW);
    assert_int_equal(v->active, 1);
    assert_int_equal(qc_exchange_take(v, 0, QC_SELL, NAN, 30, 6), QC_BOOK_R_NONE);
    assert_int_equal(g_sink.n_fill, 3);
    assert_true(g_sink.f[2].price == 9.99 && g_sink.f[2].qty == 30 && fabs(g_sink.f[2].costs.commission + 0.06) < 1e-12);
    assert_int_equal(l->status, QC_OS_PARTIAL);
    const qc_exchange_stats *s = qc_exchange_venue_stats(v);
    assert_true(s->maker_fills == 1 && s->taker_fills == 2 && fabs(s->rebates - 0.06) < 1e-12);
    qc_error err = {0};
    assert_int_equal(v->vt->cancel(v, l, &err), QC_OK);
    assert_int_equal(l->status, QC_OS_CANCELLED);
    assert_int_equal(v->active, 0);
    qc_exchange_venue_free(v);
}

static void test_latency(void **st) {
    (void)st;
    qc_venue *v = mk_venue(QC_EXCH_FEED_TICKS, 1000000); /* 1 ms */
    qc_exchange_post(v, 0, QC_SELL, 10.00, 100, 5, NULL);
    qc_order *m = order(0, QC_BUY, QC_ORD_LIMIT, QC_TIF_IOC, 50, 10.00, 0);
    submit(v, m);
    assert_int_equal(m->status, QC_OS_NEW); /* accepted at the gateway, not yet at the book */
    qc_exchange_advance(v, 999999);
    assert_int_equal(g_sink.n_fill, 0);
    qc_exchange_advance(v, 1000000);
    assert_int_equal(g_sink.n_fill, 1);
    assert_int_equal(g_sink.f[0].ts, 1000000);
    assert_int_equal(m->status, QC_OS_FILLED);
    /* a cancel sent after a resting order: it is filled before the cancel arrives */
    qc_order *l = order(1, QC_SELL, QC_ORD_LIMIT, QC_TIF_GTC, 20, 10.00, 1000000);
    submit(v, l);
    qc_exchange_advance(v, 2000000); /* rests behind the participant's 50 */
    assert_int_equal(l->status, QC_OS_NEW);
    qc_error err = {0};
    assert_int_equal(v->vt->cancel(v, l, &err), QC_OK);
    assert_int_equal(l->status, QC_OS_PENDING_CANCEL);
    qc_exchange_take(v, 0, QC_BUY, 10.00, 70, 6); /* takes 50 + our 20 */
    assert_int_equal(l->status, QC_OS_FILLED);
    qc_exchange_advance(v, 3000000); /* the cancel arrives too late: nothing happens */
    assert_int_equal(l->status, QC_OS_FILLED);
    /* a cancel that overtakes nothing: the order is pulled at arrival */
    qc_order *x = order(2, QC_SELL, QC_ORD_LIMIT, QC_TIF_GTC, 20, 11.00, 3000000);
    submit(v, x);
    v->vt->cancel(v, x, &err);
    qc_exchange_advance(v, 5000000);
    assert_int_equal(x->status, QC_OS_CANCELLED);
    assert_int_equal(v->active, 0);
    qc_exchange_venue_free(v);
}

static void test_kinds(void **st) {
    (void)st;
    qc_venue *v = mk_venue(QC_EXCH_FEED_TICKS, 0);
    qc_exchange_post(v, 0, QC_SELL, 10.00, 100, 5, NULL);
    qc_exchange_post(v, 0, QC_SELL, 10.02, 100, 5, NULL);
    /* post-only crossing: rejected */
    qc_order *p = order(0, QC_BUY, QC_ORD_LIMIT, QC_TIF_GTC, 10, 10.00, 0);
    p->req.flags = QC_ORDF_POST_ONLY;
    submit(v, p);
    assert_int_equal(p->status, QC_OS_REJECTED);
    assert_int_equal(qc_exchange_venue_stats(v)->post_only_rejects, 1);
    /* FOK for more than there is within the limit: cancelled whole */
    qc_order *f = order(1, QC_BUY, QC_ORD_LIMIT, QC_TIF_FOK, 150, 10.01, 0);
    submit(v, f);
    assert_int_equal(f->status, QC_OS_CANCELLED);
    assert_int_equal(g_sink.n_fill, 0);
    /* away quote at 10.01: a non-ISO sweep stops at 10.00, an ISO goes through */
    qc_exchange_set_away(v, 0, NAN, 10.01);
    qc_order *n = order(2, QC_BUY, QC_ORD_LIMIT, QC_TIF_IOC, 150, 10.02, 0);
    submit(v, n);
    assert_int_equal(g_sink.n_fill, 1);
    assert_int_equal(n->status, QC_OS_CANCELLED);
    assert_int_equal(qc_exchange_venue_stats(v)->trade_through_cancels, 1);
    qc_order *i = order(3, QC_BUY, QC_ORD_LIMIT, QC_TIF_IOC, 50, 10.02, 0);
    i->req.flags = QC_ORDF_ISO;
    submit(v, i);
    assert_int_equal(g_sink.n_fill, 2);
    assert_int_equal(i->status, QC_OS_FILLED);
    /* stop orders and symbols out of range are refused */
    qc_order *s = order(4, QC_BUY, QC_ORD_STOP, QC_TIF_GTC, 1, 0, 0);
    s->req.stop_price = 11;
    assert_int_equal(submit(v, s), QC_ERR_EXECUTION);
    assert_int_equal(s->status, QC_OS_REJECTED);
    qc_order *u = order(5, QC_BUY, QC_ORD_MARKET, QC_TIF_DAY, 1, 0, 0);
    u->req.symbol = 9;
    assert_int_equal(submit(v, u), QC_ERR_EXECUTION);
    /* self-trade prevention between our own orders (cancel newest) */
    qc_order *a = order(6, QC_SELL, QC_ORD_LIMIT, QC_TIF_GTC, 10, 9.00, 0);
    submit(v, a);
    qc_order *b = order(7, QC_BUY, QC_ORD_LIMIT, QC_TIF_GTC, 10, 9.00, 0);
    submit(v, b);
    assert_int_equal(b->status, QC_OS_CANCELLED);
    assert_int_equal(a->status, QC_OS_NEW);
    assert_int_equal(qc_exchange_venue_stats(v)->stp_cancels, 1);
    qc_exchange_venue_free(v);
}

static void test_quotes_and_trades(void **st) {
    (void)st;
    qc_venue *v = mk_venue(QC_EXCH_FEED_TICKS, 0);
    qc_error err = {0};
    qc_quote q = {1, 9.99, 10.01, 500, 300};
    assert_int_equal(qc_exchange_on_quote(v, 0, &q, &err), QC_OK);
    qc_exchange_top t;
    qc_exchange_get_top(v, 0, &t);
    assert_true(t.bid == 9.99 && t.bid_size == 500 && fabs(t.ask - 10.01) < 1e-12 && t.ask_size == 300);
    qc_order *b = order(0, QC_BUY, QC_ORD_LIMIT, QC_TIF_GTC, 100, 9.99, 1);
    submit(v, b); /* joins behind the displayed 500 */
    qc_trade tr = {2, 9.99, 200, -1};
    qc_exchange_on_trade(v, 0, &tr, &err);
    assert_int_equal(g_sink.n_fill, 0); /* the print went to the queue ahead of us */
    q.ts = 3, q.bid_size = 400;          /* smaller at the same price: still ahead of us */
    qc_exchange_on_quote(v, 0, &q, &err);
    qc_exchange_on_trade(v, 0, &tr, &err);
    assert_int_equal(g_sink.n_fill, 0);
    q.ts = 4, q.bid = 9.98, q.bid_size = 500; /* the market leaves 9.99: we are alone there */
    qc_exchange_on_quote(v, 0, &q, &err);
    tr.ts = 5, tr.size = 60;
    qc_exchange_on_trade(v, 0, &tr, &err);
    assert_int_equal(g_sink.n_fill, 1);
    assert_true(g_sink.f[0].qty == 60 && g_sink.f[0].price == 9.99);
    /* a quote that crosses our resting bid trades it at our price */
    q.ts = 6, q.bid = 9.97, q.ask = 9.98, q.ask_size = 1000;
    qc_exchange_on_quote(v, 0, &q, &err);
    assert_int_equal(g_sink.n_fill, 2);
    assert_true(g_sink.f[1].qty == 40 && g_sink.f[1].price == 9.99);
    assert_int_equal(b->status, QC_OS_FILLED);
    assert_int_equal(qc_exchange_on_quote(v, 7, &q, &err), QC_ERR_INPUT);
    qc_exchange_venue_free(v);
}

/* A sink that cancels another order from inside a fill callback (as a strategy's on_fill may, through
 * the kernel): the venue must not hand any report over twice. */
static qc_order *g_cancel_in_fill;
static void s_fill_cancel(void *u, const qc_fill *f) {
    s_fill(u, f);
    if (g_cancel_in_fill) {
        qc_order *o = g_cancel_in_fill;
        g_cancel_in_fill = NULL;
        qc_error err = {0};
        extern qc_venue *g_reentry_venue;
        assert_int_equal(g_reentry_venue->vt->cancel(g_reentry_venue, o, &err), QC_OK);
    }
}
qc_venue *g_reentry_venue;

static void test_reentrant_sink(void **st) {
    (void)st;
    qc_venue *v = mk_venue(QC_EXCH_FEED_TICKS, 0);
    g_reentry_venue = v;
    v->sink.fill = s_fill_cancel;
    qc_order *a = order(0, QC_BUY, QC_ORD_LIMIT, QC_TIF_GTC, 10, 9.99, 0);
    qc_order *b = order(1, QC_BUY, QC_ORD_LIMIT, QC_TIF_GTC, 10, 9.98, 0);
    qc_order *c = order(2, QC_BUY, QC_ORD_LIMIT, QC_TIF_GTC, 10, 9.97, 0);
    submit(v, a);
    submit(v, b);
    submit(v, c);
    /* the take fills a and b inside one book call; a's fill report cancels b, which is already
     * filled in the book: the cancel misses and b's own fill still arrives, once */
    g_cancel_in_fill = b;
    assert_int_equal(qc_exchange_take(v, 0, QC_SELL, 9.97, 20, 6), QC_BOOK_R_NONE);
    assert_int_equal(g_sink.n_fill, 2);
    assert_true(g_sink.f[0].order_id == 1 && g_sink.f[1].order_id == 2);
    assert_int_equal(a->status, QC_OS_FILLED);
    assert_int_equal(b->status, QC_OS_FILLED); /* pending cancel -> filled */
    assert_int_equal(c->status, QC_OS_NEW);
    /* now a cancel from a fill callback that does reach a resting order */
    qc_order *d = order(3, QC_BUY, QC_ORD_LIMIT, QC_TIF_GTC, 10, 9.96, 0);
    submit(v, d);
    g_cancel_in_fill = d;
    qc_exchange_take(v, 0, QC_SELL, 9.97, 10, 6); /* fills c only */
    assert_int_equal(g_sink.n_fill, 3);
    assert_int_equal(c->status, QC_OS_FILLED);
    assert_int_equal(d->status, QC_OS_CANCELLED);
    assert_int_equal(qc_exchange_venue_stats(v)->fills, 3);
    assert_int_equal(v->active, 0);
    qc_exchange_venue_free(v);
}

/* ---- bars through the kernel ---------------------------------------------------------------------- */

typedef struct {
    size_t n;
    size_t event[8];
    qc_order_req req[8];
    uint64_t id[8];
    size_t replace_at[8]; /* event (from 1) at which step k's order is replaced to replace_limit[k] */
    double replace_limit[8];
    qc_err replace_rc[8];
    size_t cur;
} script;
static script g_sc;

static qc_err sc_init(void *st, const qc_params *p, const qc_ctx *c, qc_error *e) {
    (void)st, (void)p, (void)c, (void)e;
    g_sc.cur = 0;
    return QC_OK;
}
static void sc_bar(void *st, qc_ctx *c) {
    (void)st;
    size_t e = g_sc.cur++;
    for (size_t k = 0; k < g_sc.n; k++) {
        if (g_sc.event[k] == e) g_sc.id[k] = qc_ctx_submit(c, &g_sc.req[k]);
        if (g_sc.replace_at[k] == e + 1 && e > 0)
            g_sc.replace_rc[k] = qc_ctx_replace(c, g_sc.id[k], g_sc.req[k].qty, g_sc.replace_limit[k], 0);
    }
}
static const qc_strategy_def k_sc = {"script", "test", NULL, 0, 1, sc_init, sc_bar, NULL, NULL, NULL};

static qc_bars g_bars;
static void bar(double o, double h, double l, double c, double vol) {
    int64_t day = qc_days_from_civil(2024, 1, 2) + (int64_t)g_bars.n;
    int64_t ts = day * QC_NS_PER_DAY + 21 * QC_NS_PER_HOUR;
    qc_bars_push(&g_bars, ts, ts - 6 * QC_NS_PER_HOUR - 30 * QC_NS_PER_MIN, o, h, l, c, vol, NAN, 0, NULL);
}

static qc_kernel *run_bars(qc_venue *v) {
    qc_kernel_opts ko = {.cash = 100000};
    const char *sym[] = {"X"};
    qc_params p = {0};
    qc_kernel *k = NULL;
    qc_error err = {0};
    assert_int_equal(qc_kernel_new(&ko, sym, 1, &k_sc, &p, v, NULL, &k, &err), QC_OK);
    const qc_bars *series[1] = {&g_bars};
    uint8_t has[1] = {1};
    for (size_t i = 0; i < g_bars.n; i++) {
        size_t idx[1] = {i};
        assert_int_equal(qc_kernel_event(k, g_bars.ts[i], series, idx, has, &err), QC_OK);
    }
    return k;
}

static void test_bars_synthetic_book(void **st) {
    (void)st;
    memset(&g_sc, 0, sizeof g_sc);
    qc_bars_free(&g_bars);
    bar(100, 101, 99, 100, 10000);
    bar(100, 102, 99.5, 101, 10000); /* market buy fills on this open's ladder */
    bar(101, 101.5, 98, 99, 10000);  /* the resting buy at 98.5 fills at its limit */
    bar(99, 100, 98, 99, 10000);     /* the DAY order from bar 2 expired before this */
    bar(99, 99.5, 97, 98, 10000);
    g_sc.n = 4;
    g_sc.event[0] = 0;
    g_sc.req[0] = (qc_order_req){.side = QC_BUY, .type = QC_ORD_MARKET, .tif = QC_TIF_DAY, .qty = 300};
    g_sc.event[1] = 1;
    g_sc.req[1] = (qc_order_req){.side = QC_BUY, .type = QC_ORD_LIMIT, .tif = QC_TIF_GTC, .qty = 10, .limit_price = 98.5};
    g_sc.event[2] = 1;
    g_sc.req[2] = (qc_order_req){.side = QC_SELL, .type = QC_ORD_LIMIT, .tif = QC_TIF_DAY, .qty = 10, .limit_price = 150};
    g_sc.event[3] = 2;
    g_sc.req[3] = (qc_order_req){.side = QC_SELL, .type = QC_ORD_STOP, .tif = QC_TIF_GTC, .qty = 10, .stop_price = 90};
    qc_exchange_opts o;
    qc_exchange_opts_init(&o);
    o.max_price = 1000;
    o.capacity = 1024;
    qc_venue *v = NULL;
    qc_error err = {0};
    assert_int_equal(qc_exchange_venue_new(&o, 1, &v, &err), QC_OK);
    qc_kernel *k = run_bars(v);
    /* ladder at the open 100: best ask ceil(100 * 1.0001) = 100.01, 200 shares a level (10% of 10000 / 5) */
    const qc_order *m = qc_kernel_order(k, g_sc.id[0]);
    assert_int_equal(m->status, QC_OS_FILLED);
    assert_true(fabs(m->avg_price - (200 * 100.01 + 100 * 100.02) / 300) < 1e-9);
    const qc_order *l = qc_kernel_order(k, g_sc.id[1]);
    assert_int_equal(l->status, QC_OS_FILLED);
    assert_true(l->avg_price == 98.5); /* at the limit, never better */
    const qc_order *d = qc_kernel_order(k, g_sc.id[2]);
    assert_int_equal(d->status, QC_OS_EXPIRED);
    assert_int_equal(qc_kernel_order(k, g_sc.id[3])->status, QC_OS_REJECTED); /* no stop book */
    const qc_exchange_stats *s = qc_exchange_venue_stats(v);
    assert_true(s->taker_fills == 2 && s->maker_fills == 1 && s->expired == 1);
    const qc_account *a = qc_kernel_account(k);
    assert_true(fabs(a->hold[0].qty - 310) < 1e-9);
    double fees = 300 * 0.003 - 10 * 0.002;
    assert_true(fabs(a->cash - (100000 - 200 * 100.01 - 100 * 100.02 - 10 * 98.5 - fees)) < 1e-6);
    qc_kernel_free(k);
    qc_exchange_venue_free(v);
    qc_bars_free(&g_bars);
}

/* A bid resting before a gap down is crossed by the new ladder and fills at its limit (maker), never
 * at the better gap price (TRAPS.md: limits filled better than the limit, Lean #963); the same order
 * arriving after the gap (latency) takes the ladder's ask (taker). */
static const qc_order *gap_run(int64_t latency, qc_venue **vout, qc_kernel **kout) {
    memset(&g_sc, 0, sizeof g_sc);
    qc_bars_free(&g_bars);
    bar(100, 101, 99, 100, 10000);
    bar(100, 101, 99, 100, 10000);
    bar(95, 96, 94, 95, 10000);
    g_sc.n = 1;
    g_sc.req[0] = (qc_order_req){.side = QC_BUY, .type = QC_ORD_LIMIT, .tif = QC_TIF_GTC, .qty = 10, .limit_price = 98};
    qc_exchange_opts o;
    qc_exchange_opts_init(&o);
    o.max_price = 1000;
    o.capacity = 64;
    o.latency_ns = latency;
    qc_error err = {0};
    assert_int_equal(qc_exchange_venue_new(&o, 1, vout, &err), QC_OK);
    *kout = run_bars(*vout);
    return qc_kernel_order(*kout, g_sc.id[0]);
}

static void test_bars_gap_and_latency(void **st) {
    (void)st;
    qc_venue *v;
    qc_kernel *k;
    const qc_order *l = gap_run(0, &v, &k);
    assert_int_equal(l->status, QC_OS_FILLED);
    assert_true(l->avg_price == 98);
    assert_int_equal(qc_exchange_venue_stats(v)->maker_fills, 1);
    qc_kernel_free(k);
    qc_exchange_venue_free(v);
    l = gap_run(20 * QC_NS_PER_HOUR, &v, &k); /* due inside bar 1: reaches the book at bar 2's open */
    assert_int_equal(l->status, QC_OS_FILLED);
    assert_true(fabs(l->avg_price - 95.01) < 1e-9);
    assert_int_equal(qc_exchange_venue_stats(v)->taker_fills, 1);
    assert_int_equal(l->updated_ts, g_bars.ts[2]);
    qc_kernel_free(k);
    qc_exchange_venue_free(v);
    qc_bars_free(&g_bars);
}

/* A replace travels like an order: sent after bar 1, it moves the bid from 95 to 99 at bar 2's
 * open, and bar 2's low (98.5) then fills it at 99; the same order left at 95 never fills. */
static void test_bars_replace(void **st) {
    (void)st;
    for (int rep = 0; rep < 2; rep++) {
        memset(&g_sc, 0, sizeof g_sc);
        qc_bars_free(&g_bars);
        bar(100, 101, 99, 100, 10000);
        bar(100, 101, 99, 100, 10000);
        bar(100, 100.5, 98.5, 99, 10000);
        g_sc.n = 1;
        g_sc.req[0] = (qc_order_req){.side = QC_BUY, .type = QC_ORD_LIMIT, .tif = QC_TIF_GTC, .qty = 10, .limit_price = 95};
        if (rep) g_sc.replace_at[0] = 2, g_sc.replace_limit[0] = 99;
        qc_exchange_opts o;
        qc_exchange_opts_init(&o);
        o.max_price = 1000;
        o.capacity = 64;
        qc_venue *v = NULL;
        qc_error err = {0};
        assert_int_equal(qc_exchange_venue_new(&o, 1, &v, &err), QC_OK);
        qc_kernel *k = run_bars(v);
        const qc_order *l = qc_kernel_order(k, g_sc.id[0]);
        assert_int_equal(g_sc.replace_rc[0], QC_OK);
        assert_int_equal(l->status, rep ? QC_OS_FILLED : QC_OS_NEW);
        if (rep) assert_true(l->avg_price == 99 && l->req.limit_price == 99);
        qc_kernel_free(k);
        qc_exchange_venue_free(v);
    }
    qc_bars_free(&g_bars);
}

/* ---- integration: sma_cross on synthetic bars, and a synthetic quote/trade stream -------------- */

static qc_kernel *run_strategy(const qc_synth_market *m, qc_venue *v, const qc_strategy_def *sd) {
    qc_kernel_opts ko = {.cash = 100000};
    qc_params p;
    qc_error err = {0};
    const char *kv[] = {"fast=5", "slow=20"};
    assert_int_equal(qc_params_parse(sd->params, sd->n_params, kv, 2, sd->name, &p, &err), QC_OK);
    qc_kernel *k = NULL;
    assert_int_equal(qc_kernel_new(&ko, (const char *const *)m->symbols, m->n_symbols, sd, &p, v, NULL, &k, &err), QC_OK);
    const qc_bars *series[8];
    size_t idx[8];
    uint8_t has[8];
    for (size_t s = 0; s < m->n_symbols; s++) series[s] = &m->bars[s], has[s] = 1;
    for (size_t t = 0; t < m->n_bars; t++) {
        for (size_t s = 0; s < m->n_symbols; s++) idx[s] = t;
        assert_int_equal(qc_kernel_event(k, m->bars[0].ts[t], series, idx, has, &err), QC_OK);
    }
    qc_kernel_finish(k);
    return k;
}

/* The same strategy on the same bars through the bar venue and the exchange venue: the same
 * orders (signals do not depend on the venue here), every exchange fill inside the next open's
 * ladder, no overdrawn cash, no short from reduce-only exits. */
static void test_sma_cross_on_exchange(void **st) {
    (void)st;
    qc_synth_opts so;
    qc_synth_opts_init(&so);
    so.n_symbols = 4, so.n_pairs = 0, so.n_mean_revert = 0, so.n_bars = 600, so.seed = 3;
    qc_synth_market *m = NULL;
    qc_error err = {0};
    assert_int_equal(qc_synth_generate(&so, &m, &err), QC_OK);
    const qc_strategy_def *sd = qc_strategy_find("sma_cross");
    assert_non_null(sd);
    qc_sim_opts sim;
    qc_sim_opts_init(&sim);
    qc_venue *bv = NULL;
    assert_int_equal(qc_sim_venue_new(&sim, m->n_symbols, &bv, &err), QC_OK);
    qc_kernel *kb = run_strategy(m, bv, sd);
    qc_exchange_opts xo;
    qc_exchange_opts_init(&xo);
    qc_venue *xv = NULL;
    assert_int_equal(qc_exchange_venue_new(&xo, m->n_symbols, &xv, &err), QC_OK);
    qc_kernel *kx = run_strategy(m, xv, sd);
    assert_true(qc_kernel_n_orders(kx) > 10);
    assert_int_equal(qc_kernel_n_orders(kx), qc_kernel_n_orders(kb));
    for (uint64_t id = 1; id <= qc_kernel_n_orders(kx); id++) {
        const qc_order *a = qc_kernel_order(kx, id), *b = qc_kernel_order(kb, id);
        assert_true(a->req.symbol == b->req.symbol && a->req.side == b->req.side && a->created_ts == b->created_ts);
        if (a->status != QC_OS_FILLED) continue;
        /* filled at the open of the bar after it was sent, on the ladder's first levels */
        const qc_bars *h = &m->bars[a->req.symbol];
        size_t i = 0;
        while (i < h->n && h->ts[i] <= a->created_ts) i++;
        assert_true(i < h->n);
        double open = h->open[i];
        if (a->req.side == QC_BUY) assert_true(a->avg_price >= open && a->avg_price <= open * 1.0001 + 0.05 + 1e-9);
        else assert_true(a->avg_price <= open && a->avg_price >= open * 0.9999 - 0.05 - 1e-9);
    }
    const qc_account *acct = qc_kernel_account(kx);
    assert_true(acct->cash > -1e-6);
    for (size_t s = 0; s < m->n_symbols; s++) assert_true(acct->hold[s].qty >= 0);
    assert_true(qc_exchange_venue_stats(xv)->taker_fills > 10);
    qc_kernel_free(kb);
    qc_kernel_free(kx);
    qc_sim_venue_free(bv);
    qc_exchange_venue_free(xv);
    qc_synth_free(m);
}

/* Resting orders at the touch on a synthetic quote/trade stream: every fill is at our own limit,
 * the book is never crossed, and nothing fills while the market's queue is ahead. */
static void test_tick_stream(void **st) {
    (void)st;
    qc_synth_opts so;
    qc_synth_opts_init(&so);
    so.n_symbols = 2, so.n_pairs = 0, so.n_mean_revert = 0, so.n_bars = 40, so.seed = 5;
    so.ticks_per_bar = 50, so.tick_symbols = 1;
    qc_synth_market *m = NULL;
    qc_error err = {0};
    assert_int_equal(qc_synth_generate(&so, &m, &err), QC_OK);
    qc_venue *v = mk_venue(QC_EXCH_FEED_TICKS, 0);
    static qc_order ords[4096];
    g_sink.orders = ords;
    g_sink.n_orders = 0;
    size_t nq = m->n_quotes[0], nt = m->n_trades[0], iq = 0, it = 0, fills_seen = 0;
    assert_true(nq > 100 && nt > 100);
    while (iq < nq || it < nt) {
        int quote = it >= nt || (iq < nq && m->quotes[0][iq].ts <= m->trades[0][it].ts);
        if (quote) {
            const qc_quote *q = &m->quotes[0][iq++];
            qc_exchange_on_quote(v, 0, q, &err);
            if (iq % 25 == 0 && g_sink.n_orders + 2 <= 4096) { /* join both sides of the touch */
                for (int k = 0; k < 2; k++) {
                    qc_order *o = &ords[g_sink.n_orders++];
                    memset(o, 0, sizeof *o);
                    o->id = g_sink.n_orders;
                    o->req = (qc_order_req){.side = k ? QC_SELL : QC_BUY, .type = QC_ORD_LIMIT, .tif = QC_TIF_GTC,
                                            .qty = 10, .limit_price = k ? q->ask : q->bid};
                    o->status = QC_OS_PENDING_NEW;
                    o->created_ts = q->ts;
                    submit(v, o);
                }
            }
        } else {
            qc_exchange_on_trade(v, 0, &m->trades[0][it++], &err);
        }
        assert_int_equal(qc_book_check(qc_exchange_book(v, 0), &err), QC_OK);
        for (; fills_seen < g_sink.n_fill && fills_seen < 64; fills_seen++) {
            const qc_fill *f = &g_sink.f[fills_seen];
            const qc_order *o = &ords[f->order_id - 1];
            assert_true(fabs(f->price - (o->req.side == QC_BUY ? floor(o->req.limit_price * 100 + 1e-6) / 100
                                                               : ceil(o->req.limit_price * 100 - 1e-6) / 100)) < 1e-9);
        }
    }
    const qc_exchange_stats *s = qc_exchange_venue_stats(v);
    assert_true(s->fills > 0);
    assert_int_equal(s->taker_fills, 0); /* joined at the touch: never took */
    for (size_t i = 0; i < g_sink.n_orders; i++) assert_true(ords[i].filled_qty <= ords[i].req.qty);
    qc_exchange_venue_free(v);
    qc_synth_free(m);
}

/* ---- order.h additions ---------------------------------------------------------------------------- */

static void test_order_instructions(void **st) {
    (void)st;
    qc_error err = {0};
    qc_order_req r = {.side = QC_BUY, .type = QC_ORD_LIMIT, .tif = QC_TIF_FOK, .qty = 1, .limit_price = 10};
    assert_int_equal(qc_order_req_check(&r, &err), QC_OK);
    assert_string_equal(qc_tif_name(QC_TIF_FOK), "fok");
    r.type = QC_ORD_STOP, r.stop_price = 9;
    assert_int_equal(qc_order_req_check(&r, &err), QC_ERR_EXECUTION);
    r.type = QC_ORD_LIMIT, r.tif = QC_TIF_IOC, r.flags = QC_ORDF_POST_ONLY;
    assert_int_equal(qc_order_req_check(&r, &err), QC_ERR_EXECUTION);
    r.tif = QC_TIF_GTC;
    assert_int_equal(qc_order_req_check(&r, &err), QC_OK);
    r.type = QC_ORD_MARKET, r.flags = QC_ORDF_ISO;
    assert_int_equal(qc_order_req_check(&r, &err), QC_ERR_EXECUTION);
    r.flags = 8;
    assert_int_equal(qc_order_req_check(&r, &err), QC_ERR_EXECUTION);
    /* the state machine table is unchanged: terminal states stay terminal */
    for (int s = 0; s < QC_OS__COUNT; s++) {
        int terminal = s == QC_OS_FILLED || s == QC_OS_CANCELLED || s == QC_OS_REJECTED || s == QC_OS_EXPIRED;
        int any = 0;
        for (int t = 0; t < QC_OS__COUNT; t++) any |= qc_order_can_transition(s, t);
        assert_int_equal(any, !terminal);
    }
    /* the bar venue refuses what it cannot decide */
    qc_sim_opts so;
    qc_sim_opts_init(&so);
    qc_venue *v = NULL;
    assert_int_equal(qc_sim_venue_new(&so, 1, &v, &err), QC_OK);
    qc_order o = {.id = 1, .status = QC_OS_PENDING_NEW};
    o.req = (qc_order_req){.side = QC_BUY, .type = QC_ORD_LIMIT, .tif = QC_TIF_FOK, .qty = 1, .limit_price = 10};
    assert_int_equal(v->vt->submit(v, &o, &err), QC_ERR_EXECUTION);
    assert_int_equal(o.status, QC_OS_REJECTED);
    qc_sim_venue_free(v);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_taker_maker_fees),
        cmocka_unit_test(test_latency),
        cmocka_unit_test(test_kinds),
        cmocka_unit_test(test_quotes_and_trades),
        cmocka_unit_test(test_reentrant_sink),
        cmocka_unit_test(test_bars_synthetic_book),
        cmocka_unit_test(test_bars_gap_and_latency),
        cmocka_unit_test(test_bars_replace),
        cmocka_unit_test(test_sma_cross_on_exchange),
        cmocka_unit_test(test_tick_stream),
        cmocka_unit_test(test_order_instructions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
