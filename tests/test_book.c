/* test_book.c: the limit order book (src/execution/book.h): price-time priority, partial fills,
 * every order kind (market, limit, IOC, FOK, post-only, ISO with trade-through protection),
 * self-trade prevention in all four modes, cancel/replace priority rules, the pool limit, no
 * allocation after init (a counting allocator and the heap statistics), and a seeded differential
 * test against a naive reference book (sorted arrays) over millions of random operations whose
 * reports must match event for event, with qc_book_check run along the way. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "execution/book.h"

/* ---- collecting reports ------------------------------------------------------------------------ */

#define MAX_EV 4096
typedef struct {
    qc_book_report ev[MAX_EV];
    size_t n;
} evlog;

static void collect(void *u, const qc_book_report *r) {
    evlog *l = u;
    if (l->n < MAX_EV) l->ev[l->n++] = *r;
}

static evlog g_log;

static qc_book *mk(int64_t lo, int64_t hi, uint32_t cap) {
    qc_book_opts o = {lo, hi, cap, {0}};
    qc_book *b = NULL;
    qc_error err = {0};
    assert_int_equal(qc_book_new(&o, collect, &g_log, &b, &err), QC_OK);
    g_log.n = 0;
    return b;
}

static qc_book_order lim(uint64_t id, int side, int64_t px, int64_t qty) {
    return (qc_book_order){id, side, QC_BOOK_KIND_LIMIT, QC_BOOK_GTC, 0, px, qty, 0, QC_STP_CANCEL_NEWEST};
}

static uint64_t add(qc_book *b, qc_book_order o) {
    uint64_t h = 0;
    qc_book_add(b, &o, &h);
    qc_error err = {0};
    if (qc_book_check(b, &err)) fail_msg("%s", err.msg);
    return h;
}

static const qc_book_report *last(void) { return g_log.n ? &g_log.ev[g_log.n - 1] : NULL; }

static void test_priority_and_partials(void **st) {
    (void)st;
    qc_book *b = mk(0, 1000, 64);
    add(b, lim(1, -1, 101, 10));
    add(b, lim(2, -1, 100, 5));
    add(b, lim(3, -1, 100, 7)); /* same price, later: behind 2 */
    add(b, lim(4, 1, 98, 3));
    assert_int_equal(qc_book_best_ask(b), 100);
    assert_int_equal(qc_book_best_bid(b), 98);
    g_log.n = 0;
    add(b, lim(9, 1, 101, 15)); /* takes 2 (5), 3 (7), then 3 of 1 at 101 */
    assert_int_equal(g_log.n, 3);
    assert_true(g_log.ev[0].type == QC_BOOK_EV_FILL && g_log.ev[0].maker_id == 2 && g_log.ev[0].qty == 5 &&
                g_log.ev[0].px == 100 && g_log.ev[0].leaves == 10 && g_log.ev[0].maker_leaves == 0);
    assert_true(g_log.ev[1].maker_id == 3 && g_log.ev[1].qty == 7 && g_log.ev[1].px == 100);
    assert_true(g_log.ev[2].maker_id == 1 && g_log.ev[2].qty == 3 && g_log.ev[2].px == 101 &&
                g_log.ev[2].leaves == 0 && g_log.ev[2].maker_leaves == 7);
    assert_int_equal(qc_book_best_ask(b), 101);
    assert_int_equal(qc_book_depth(b, -1, 101, NULL), 7);
    /* a limit that crosses partly rests its remainder at its own price */
    g_log.n = 0;
    uint64_t h = add(b, lim(10, 1, 101, 10));
    assert_true(h != 0);
    assert_true(g_log.ev[0].type == QC_BOOK_EV_FILL && g_log.ev[0].qty == 7);
    assert_true(g_log.ev[1].type == QC_BOOK_EV_REST && g_log.ev[1].px == 101 && g_log.ev[1].qty == 3);
    assert_int_equal(qc_book_best_bid(b), 101);
    assert_int_equal(qc_book_best_ask(b), QC_BOOK_NO_ASK);
    qc_book_free(b);
}

static void test_market_ioc_fok(void **st) {
    (void)st;
    qc_book *b = mk(0, 1000, 64);
    add(b, lim(1, -1, 100, 5));
    add(b, lim(2, -1, 102, 5));
    qc_book_order m = {3, 1, QC_BOOK_KIND_MARKET, QC_BOOK_GTC, 0, 0, 20, 0, 0};
    g_log.n = 0;
    assert_int_equal(add(b, m), 0); /* a market order never rests */
    assert_int_equal(g_log.n, 3);
    assert_true(g_log.ev[2].type == QC_BOOK_EV_CANCEL && g_log.ev[2].reason == QC_BOOK_R_IOC && g_log.ev[2].qty == 10);
    add(b, lim(4, -1, 100, 5));
    add(b, lim(5, -1, 101, 5));
    qc_book_order ioc = {6, 1, QC_BOOK_KIND_LIMIT, QC_BOOK_IOC, 0, 100, 8, 0, 0};
    g_log.n = 0;
    assert_int_equal(add(b, ioc), 0);
    assert_true(g_log.ev[0].qty == 5 && g_log.ev[1].type == QC_BOOK_EV_CANCEL && g_log.ev[1].qty == 3);
    /* FOK: 10 wanted within 101, only 5 there: killed whole, book untouched */
    qc_book_order fok = {7, 1, QC_BOOK_KIND_LIMIT, QC_BOOK_FOK, 0, 101, 10, 0, 0};
    g_log.n = 0;
    add(b, fok);
    assert_int_equal(g_log.n, 1);
    assert_true(g_log.ev[0].type == QC_BOOK_EV_CANCEL && g_log.ev[0].reason == QC_BOOK_R_FOK);
    assert_int_equal(qc_book_depth(b, -1, 101, NULL), 5);
    add(b, lim(8, -1, 101, 5));
    fok.id = 9;
    g_log.n = 0;
    add(b, fok); /* now exactly 10 within 101 */
    assert_int_equal(g_log.n, 2);
    assert_true(g_log.ev[1].type == QC_BOOK_EV_FILL && g_log.ev[1].leaves == 0);
    assert_int_equal(qc_book_n_orders(b), 0);
    /* a market FOK on an empty side */
    qc_book_order mf = {10, -1, QC_BOOK_KIND_MARKET, QC_BOOK_FOK, 0, 0, 1, 0, 0};
    g_log.n = 0;
    add(b, mf);
    assert_true(last()->reason == QC_BOOK_R_FOK);
    qc_book_free(b);
}

static void test_post_only(void **st) {
    (void)st;
    qc_book *b = mk(0, 1000, 64);
    add(b, lim(1, -1, 100, 5));
    qc_book_order po = {2, 1, QC_BOOK_KIND_LIMIT, QC_BOOK_GTC, QC_BOOK_POST_ONLY, 100, 5, 0, 0};
    uint64_t h = 0;
    g_log.n = 0;
    assert_int_equal(qc_book_add(b, &po, &h), QC_BOOK_R_POST_ONLY);
    assert_true(h == 0 && g_log.n == 1 && g_log.ev[0].type == QC_BOOK_EV_REJECT);
    assert_int_equal(qc_book_depth(b, -1, 100, NULL), 5); /* rejected, never repriced */
    po.px = 99;
    assert_int_equal(qc_book_add(b, &po, &h), QC_BOOK_R_NONE);
    assert_int_equal(qc_book_best_bid(b), 99);
    /* replacing it to a crossing price is refused; the order stays */
    assert_int_equal(qc_book_replace(b, h, 100, 5), QC_BOOK_R_POST_ONLY);
    assert_int_equal(qc_book_best_bid(b), 99);
    /* post-only with IOC or as market is contradictory */
    po.tif = QC_BOOK_IOC;
    assert_int_equal(qc_book_add(b, &po, NULL), QC_BOOK_R_PARAMS);
    qc_book_free(b);
}

static void test_iso_and_trade_through(void **st) {
    (void)st;
    qc_book *b = mk(0, 1000, 64);
    add(b, lim(1, -1, 100, 5));
    add(b, lim(2, -1, 101, 5));
    qc_book_set_away(b, QC_BOOK_NO_BID, 100); /* another venue offers at 100 */
    qc_book_order o = lim(3, 1, 101, 10);
    g_log.n = 0;
    add(b, o); /* trades 5 at 100 (not worse than away), then 101 would trade through: cancelled */
    assert_int_equal(g_log.n, 2);
    assert_true(g_log.ev[0].type == QC_BOOK_EV_FILL && g_log.ev[0].px == 100);
    assert_true(g_log.ev[1].type == QC_BOOK_EV_CANCEL && g_log.ev[1].reason == QC_BOOK_R_TRADE_THROUGH &&
                g_log.ev[1].qty == 5);
    assert_int_equal(qc_book_depth(b, -1, 101, NULL), 5);
    o.id = 4;
    o.flags = QC_BOOK_ISO; /* the sender sweeps the other venue itself */
    g_log.n = 0;
    add(b, o);
    assert_true(g_log.ev[0].type == QC_BOOK_EV_FILL && g_log.ev[0].px == 101 && g_log.ev[0].qty == 5);
    assert_true(g_log.ev[1].type == QC_BOOK_EV_REST && g_log.ev[1].qty == 5);
    /* a non-ISO limit that does not reach the book rests normally even above the away ask */
    qc_book_free(b);
}

static qc_book_order own(uint64_t id, int side, int64_t px, int64_t qty, uint32_t owner, qc_stp_mode m) {
    qc_book_order o = lim(id, side, px, qty);
    o.owner = owner;
    o.stp = m;
    return o;
}

static void test_stp_modes(void **st) {
    (void)st;
    /* newest: the aggressor's remainder is cancelled when it meets its own order */
    qc_book *b = mk(0, 1000, 64);
    add(b, own(1, -1, 100, 5, 0, 0));
    add(b, own(2, -1, 100, 5, 7, 0));
    add(b, own(3, -1, 100, 5, 0, 0));
    g_log.n = 0;
    add(b, own(4, 1, 100, 12, 7, QC_STP_CANCEL_NEWEST));
    assert_int_equal(g_log.n, 2);
    assert_true(g_log.ev[0].type == QC_BOOK_EV_FILL && g_log.ev[0].maker_id == 1);
    assert_true(g_log.ev[1].type == QC_BOOK_EV_CANCEL && g_log.ev[1].reason == QC_BOOK_R_STP &&
                g_log.ev[1].id == 4 && g_log.ev[1].qty == 7 && g_log.ev[1].maker_id == 2);
    assert_int_equal(qc_book_depth(b, -1, 100, NULL), 10);
    /* oldest: the resting order goes and matching continues */
    g_log.n = 0;
    add(b, own(5, 1, 100, 5, 7, QC_STP_CANCEL_OLDEST));
    assert_true(g_log.ev[0].type == QC_BOOK_EV_CANCEL && g_log.ev[0].id == 2 && g_log.ev[0].leaves == 0);
    assert_true(g_log.ev[1].type == QC_BOOK_EV_FILL && g_log.ev[1].maker_id == 3 && g_log.ev[1].leaves == 0);
    assert_int_equal(qc_book_n_orders(b), 0);
    /* both */
    add(b, own(6, -1, 100, 5, 7, 0));
    add(b, own(7, -1, 100, 5, 0, 0));
    g_log.n = 0;
    add(b, own(8, 1, 100, 9, 7, QC_STP_CANCEL_BOTH));
    assert_int_equal(g_log.n, 2);
    assert_true(g_log.ev[0].id == 6 && g_log.ev[1].id == 8 && g_log.ev[1].qty == 9);
    assert_int_equal(qc_book_depth(b, -1, 100, NULL), 5);
    /* decrement: both shrink by the smaller; no trade between them */
    add(b, own(9, -1, 101, 4, 7, 0));
    qc_book_cancel(b, 0); /* a zero handle is never valid */
    g_log.n = 0;
    add(b, own(10, 1, 101, 12, 7, QC_STP_DECREMENT)); /* fills 5 of 7 at 100, then meets 9: -4 each, rests 3 */
    assert_true(g_log.ev[0].type == QC_BOOK_EV_FILL && g_log.ev[0].qty == 5);
    assert_true(g_log.ev[1].type == QC_BOOK_EV_CANCEL && g_log.ev[1].id == 9 && g_log.ev[1].qty == 4 &&
                g_log.ev[1].leaves == 0);
    assert_true(g_log.ev[2].type == QC_BOOK_EV_CANCEL && g_log.ev[2].id == 10 && g_log.ev[2].qty == 4 &&
                g_log.ev[2].leaves == 3);
    assert_true(g_log.ev[3].type == QC_BOOK_EV_REST && g_log.ev[3].qty == 3 && g_log.ev[3].px == 101);
    /* FOK meeting its own order before it is complete is killed whole */
    add(b, own(11, -1, 102, 5, 0, 0));
    add(b, own(12, -1, 102, 5, 8, 0));
    add(b, own(13, -1, 102, 5, 0, 0));
    qc_book_order f = own(14, 1, 102, 8, 8, QC_STP_CANCEL_OLDEST);
    f.tif = QC_BOOK_FOK;
    g_log.n = 0;
    add(b, f);
    assert_true(g_log.n == 1 && g_log.ev[0].reason == QC_BOOK_R_FOK);
    f.qty = 5; /* satisfied by the first order alone */
    f.id = 15;
    g_log.n = 0;
    add(b, f);
    assert_true(g_log.n == 1 && g_log.ev[0].type == QC_BOOK_EV_FILL && g_log.ev[0].maker_id == 11);
    qc_book_free(b);
}

static void test_cancel_replace(void **st) {
    (void)st;
    qc_book *b = mk(0, 1000, 64);
    uint64_t h1 = add(b, lim(1, 1, 100, 10));
    uint64_t h2 = add(b, lim(2, 1, 100, 10));
    add(b, lim(3, 1, 100, 10));
    /* reducing keeps the place: 1 still trades first */
    assert_int_equal(qc_book_replace(b, h1, 100, 4), QC_BOOK_R_NONE);
    g_log.n = 0;
    add(b, lim(4, -1, 100, 1));
    assert_int_equal(g_log.ev[0].maker_id, 1);
    /* increasing loses it: 1 goes behind 3 */
    assert_int_equal(qc_book_replace(b, h1, 100, 20), QC_BOOK_R_NONE);
    g_log.n = 0;
    add(b, lim(5, -1, 100, 25)); /* 2 (10), 3 (10), then 1 */
    assert_true(g_log.ev[0].maker_id == 2 && g_log.ev[1].maker_id == 3 && g_log.ev[2].maker_id == 1 &&
                g_log.ev[2].qty == 5);
    /* a price change loses it too, and may trade */
    uint64_t h6 = add(b, lim(6, 1, 99, 5));
    add(b, lim(7, 1, 99, 5));
    assert_int_equal(qc_book_replace(b, h6, 98, 5), QC_BOOK_R_NONE);
    assert_int_equal(qc_book_replace(b, h6, 99, 5), QC_BOOK_R_NONE);
    g_log.n = 0;
    add(b, lim(8, -1, 99, 1)); /* 1 still has 15 at 100 */
    add(b, lim(9, -1, 99, 16));
    assert_int_equal(g_log.ev[g_log.n - 1].maker_id, 7);
    add(b, lim(10, -1, 105, 5));
    g_log.n = 0;
    assert_int_equal(qc_book_replace(b, h6, 105, 8), QC_BOOK_R_NONE); /* crosses: trades 5, rests 3 */
    assert_true(g_log.ev[0].type == QC_BOOK_EV_REPLACE && g_log.ev[1].type == QC_BOOK_EV_FILL &&
                g_log.ev[1].qty == 5);
    int64_t px, lv;
    assert_true(qc_book_order_info(b, h6, NULL, &px, &lv) && px == 105 && lv == 3);
    /* cancel: O(1) by handle; a stale handle is unknown */
    assert_int_equal(qc_book_cancel(b, h6), QC_BOOK_R_NONE);
    assert_int_equal(qc_book_cancel(b, h6), QC_BOOK_R_UNKNOWN);
    assert_int_equal(qc_book_replace(b, h2, 100, 1), QC_BOOK_R_UNKNOWN); /* h2 filled away */
    assert_int_equal(qc_book_replace(b, h1, 100, 1), QC_BOOK_R_UNKNOWN); /* h1 too */
    uint64_t h11 = add(b, lim(11, 1, 90, 2));
    assert_int_equal(qc_book_replace(b, h11, 90, 0), QC_BOOK_R_QTY);
    assert_int_equal(qc_book_replace(b, h11, 5000, 1), QC_BOOK_R_PRICE);
    qc_book_free(b);
}

static void test_bad_orders_and_pool(void **st) {
    (void)st;
    qc_book *b = mk(100, 200, 2);
    qc_book_order o = lim(1, 1, 99, 1);
    assert_int_equal(qc_book_add(b, &o, NULL), QC_BOOK_R_PRICE);
    o.px = 150, o.qty = 0;
    assert_int_equal(qc_book_add(b, &o, NULL), QC_BOOK_R_QTY);
    o.qty = 1, o.side = 0;
    assert_int_equal(qc_book_add(b, &o, NULL), QC_BOOK_R_PARAMS);
    o.side = 1;
    add(b, o);
    o.id = 2;
    add(b, o);
    o.id = 3;
    g_log.n = 0;
    assert_int_equal(qc_book_add(b, &o, NULL), QC_BOOK_R_POOL_FULL); /* counted reject, no growth */
    assert_true(last()->type == QC_BOOK_EV_REJECT);
    /* a marketable order still trades when the pool is full */
    qc_book_order s = lim(4, -1, 150, 3);
    g_log.n = 0;
    assert_int_equal(qc_book_add(b, &s, NULL), QC_BOOK_R_NONE);
    assert_true(g_log.ev[0].type == QC_BOOK_EV_FILL && g_log.ev[1].type == QC_BOOK_EV_FILL);
    assert_true(g_log.ev[2].type == QC_BOOK_EV_REST); /* its slot freed by the fills */
    /* the band edges are usable */
    qc_book_free(b);
    b = mk(0, 130, 8); /* bitmap words across the end */
    add(b, lim(1, 1, 0, 1));
    add(b, lim(2, -1, 130, 1));
    add(b, lim(3, 1, 64, 1));
    add(b, lim(4, 1, 63, 1));
    qc_book_order m = {5, -1, QC_BOOK_KIND_MARKET, QC_BOOK_IOC, 0, 0, 3, 0, 0};
    add(b, m);
    assert_int_equal(qc_book_best_bid(b), QC_BOOK_NO_BID);
    qc_book_order m2 = {6, 1, QC_BOOK_KIND_MARKET, QC_BOOK_IOC, 0, 0, 3, 0, 0};
    add(b, m2);
    assert_int_equal(qc_book_best_ask(b), QC_BOOK_NO_ASK);
    qc_error err = {0};
    qc_book_opts bad = {10, 5, 4, {0}};
    qc_book *x = NULL;
    assert_int_equal(qc_book_new(&bad, NULL, NULL, &x, &err), QC_ERR_INPUT);
    qc_book_free(b);
}

static void test_levels(void **st) {
    (void)st;
    qc_book *b = mk(0, 100000, 64);
    add(b, lim(1, -1, 5, 1));
    add(b, lim(2, -1, 70000, 2));
    add(b, lim(3, -1, 200, 3));
    add(b, lim(4, -1, 200, 4));
    add(b, lim(5, 1, 4, 9));
    int64_t px[8], q[8];
    assert_int_equal(qc_book_levels(b, -1, 8, px, q), 3);
    assert_true(px[0] == 5 && px[1] == 200 && q[1] == 7 && px[2] == 70000);
    assert_int_equal(qc_book_levels(b, 1, 8, px, q), 1);
    qc_book_order m = {6, 1, QC_BOOK_KIND_MARKET, QC_BOOK_IOC, 0, 0, 8, 0, 0};
    add(b, m); /* empties 5 and 200 */
    assert_int_equal(qc_book_best_ask(b), 70000); /* found through the summary bitmap */
    qc_book_free(b);
}

/* ---- no allocation after init -------------------------------------------------------------------- */

static size_t g_allocs, g_frees;
static void *count_alloc(void *u, size_t n) {
    (void)u;
    g_allocs++;
    return calloc(1, n);
}
static void count_free(void *u, void *p) {
    (void)u;
    g_frees++;
    free(p);
}

static uint64_t rng_next(uint64_t *s) {
    uint64_t x = *s += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

static void quiet(void *u, const qc_book_report *r) {
    (void)r;
    (*(size_t *)u)++;
}

static void test_no_allocation(void **st) {
    (void)st;
    size_t nrep = 0;
    qc_book_opts o = {0, 4095, 4096, {count_alloc, count_free, NULL}};
    qc_book *b = NULL;
    qc_error err = {0};
    assert_int_equal(qc_book_new(&o, quiet, &nrep, &b, &err), QC_OK);
    size_t after_init = g_allocs;
    assert_true(after_init > 0);
    static uint64_t handles[4096];
    size_t nh = 0;
    uint64_t seed = 7;
    struct mallinfo2 m0 = mallinfo2();
    for (int k = 0; k < 1000000; k++) {
        uint64_t r = rng_next(&seed);
        int side = (r & 1) ? 1 : -1;
        int64_t px = 2048 + (int64_t)((r >> 8) % 41) - 20;
        if ((r >> 40) % 10 < 3 && nh) {
            size_t j = (r >> 20) % nh;
            qc_book_cancel(b, handles[j]);
            handles[j] = handles[--nh];
        } else {
            qc_book_order ord = {(uint64_t)k, side, QC_BOOK_KIND_LIMIT, (r >> 50) % 5 ? QC_BOOK_GTC : QC_BOOK_IOC, 0, px,
                                 1 + (int64_t)((r >> 32) % 50), (uint32_t)((r >> 56) % 3), QC_STP_CANCEL_OLDEST};
            uint64_t h = 0;
            qc_book_add(b, &ord, &h);
            if (h && nh < 4096) handles[nh++] = h;
            if (h && nh > 2000) qc_book_replace(b, h, px, 1);
        }
    }
    struct mallinfo2 m1 = mallinfo2();
    assert_int_equal(g_allocs, after_init); /* nothing through the book's allocator */
    assert_true(m1.uordblks == m0.uordblks); /* nor anywhere else on the heap (0 == 0 under ASan) */
    assert_true(nrep > 1000000);
    assert_int_equal(qc_book_check(b, &err), QC_OK);
    qc_book_free(b);
    assert_int_equal(g_frees, g_allocs);
}

/* ---- the reference book: naive sorted arrays --------------------------------------------------------- */

#define REF_CAP 256
typedef struct {
    uint64_t id;
    int side;
    int64_t px, qty;
    uint32_t owner;
    unsigned flags;
    qc_stp_mode stp;
} rord;

typedef struct {
    rord side[2][REF_CAP]; /* [0] bids best first, [1] asks best first; FIFO within a price */
    size_t n[2];
    int64_t lo, hi, away_bid, away_ask;
    size_t cap;
    evlog *log;
} ref_book;

static void r_emit(ref_book *r, qc_book_event t, qc_book_reason why, uint64_t id, uint64_t mid, uint32_t ow,
                   uint32_t mow, int side, int64_t px, int64_t q, int64_t leaves, int64_t mleaves) {
    qc_book_report e = {t, why, id, mid, ow, mow, side, px, q, leaves, mleaves, 0};
    collect(r->log, &e);
}

static size_t r_total(const ref_book *r) { return r->n[0] + r->n[1]; }
static int r_si(int side) { return side > 0 ? 0 : 1; }

/* inserts behind every order of equal or better price */
static void r_insert(ref_book *r, rord o) {
    int s = r_si(o.side);
    size_t k = 0;
    while (k < r->n[s] && (o.side > 0 ? r->side[s][k].px >= o.px : r->side[s][k].px <= o.px)) k++;
    memmove(&r->side[s][k + 1], &r->side[s][k], (r->n[s] - k) * sizeof(rord));
    r->side[s][k] = o;
    r->n[s]++;
}

static void r_remove(ref_book *r, int s, size_t k) {
    memmove(&r->side[s][k], &r->side[s][k + 1], (r->n[s] - k - 1) * sizeof(rord));
    r->n[s]--;
}

static int r_cross(int side, const ref_book *r, int64_t lim) {
    int o = r_si(-side);
    if (!r->n[o]) return 0;
    int64_t p = r->side[o][0].px;
    return side > 0 ? p <= lim : p >= lim;
}

typedef struct {
    uint64_t id;
    int side;
    int64_t px, qty, rpx;
    uint32_t owner;
    qc_stp_mode stp;
    unsigned flags;
} rtaker;

/* 1 if stopped by STP */
static int r_match(ref_book *r, rtaker *t, int64_t lim) {
    int o = r_si(-t->side);
    while (t->qty > 0 && r_cross(t->side, r, lim)) {
        rord *m = &r->side[o][0];
        if (t->owner && m->owner == t->owner) {
            if (t->stp == QC_STP_CANCEL_NEWEST) {
                r_emit(r, QC_BOOK_EV_CANCEL, QC_BOOK_R_STP, t->id, m->id, t->owner, 0, t->side, t->rpx, t->qty, 0, 0);
                t->qty = 0;
                return 1;
            }
            if (t->stp == QC_STP_DECREMENT) {
                int64_t d = t->qty < m->qty ? t->qty : m->qty;
                m->qty -= d;
                t->qty -= d;
                uint64_t mid = m->id;
                r_emit(r, QC_BOOK_EV_CANCEL, QC_BOOK_R_STP, m->id, t->id, m->owner, 0, m->side, m->px, d, m->qty, 0);
                if (!m->qty) r_remove(r, o, 0);
                r_emit(r, QC_BOOK_EV_CANCEL, QC_BOOK_R_STP, t->id, mid, t->owner, 0, t->side, t->rpx, d, t->qty, 0);
                if (!t->qty) return 1;
                continue;
            }
            uint64_t mid = m->id;
            r_emit(r, QC_BOOK_EV_CANCEL, QC_BOOK_R_STP, m->id, t->id, m->owner, 0, m->side, m->px, m->qty, 0, 0);
            r_remove(r, o, 0);
            if (t->stp == QC_STP_CANCEL_BOTH) {
                r_emit(r, QC_BOOK_EV_CANCEL, QC_BOOK_R_STP, t->id, mid, t->owner, 0, t->side, t->rpx, t->qty, 0, 0);
                t->qty = 0;
                return 1;
            }
            continue;
        }
        int64_t q = t->qty < m->qty ? t->qty : m->qty;
        m->qty -= q;
        t->qty -= q;
        r_emit(r, QC_BOOK_EV_FILL, QC_BOOK_R_NONE, t->id, m->id, t->owner, m->owner, t->side, m->px, q, t->qty, m->qty);
        if (!m->qty) r_remove(r, o, 0);
    }
    return 0;
}

static int64_t r_limit(const ref_book *r, const rtaker *t) {
    if (t->flags & QC_BOOK_ISO) return t->px;
    if (t->side > 0) return r->away_ask < t->px ? r->away_ask : t->px;
    return r->away_bid > t->px ? r->away_bid : t->px;
}

static int r_fok(const ref_book *r, const rtaker *t, int64_t lim) {
    int o = r_si(-t->side);
    int64_t need = t->qty;
    for (size_t k = 0; k < r->n[o]; k++) {
        const rord *m = &r->side[o][k];
        if (t->side > 0 ? m->px > lim : m->px < lim) return 0;
        if (t->owner && m->owner == t->owner) return 0;
        need -= m->qty;
        if (need <= 0) return 1;
    }
    return 0;
}

/* remainder handling; 1 = rest */
static int r_after(ref_book *r, rtaker *t, int stopped, int64_t lim, int may_rest) {
    if (stopped || !t->qty) return 0;
    if (lim != t->px && r_cross(t->side, r, t->px)) {
        r_emit(r, QC_BOOK_EV_CANCEL, QC_BOOK_R_TRADE_THROUGH, t->id, 0, t->owner, 0, t->side, t->rpx, t->qty, 0, 0);
        return 0;
    }
    if (!may_rest) {
        r_emit(r, QC_BOOK_EV_CANCEL, QC_BOOK_R_IOC, t->id, 0, t->owner, 0, t->side, t->rpx, t->qty, 0, 0);
        return 0;
    }
    return 1;
}

static qc_book_reason r_add(ref_book *r, const qc_book_order *o) {
    qc_book_reason why = QC_BOOK_R_NONE;
    int mkt = o->kind == QC_BOOK_KIND_MARKET;
    if ((o->side != 1 && o->side != -1) || (unsigned)o->kind > 1 || (unsigned)o->tif > 2 || (unsigned)o->stp > 3 ||
        (o->flags & ~3u) || ((o->flags & QC_BOOK_POST_ONLY) && (mkt || o->tif != QC_BOOK_GTC)))
        why = QC_BOOK_R_PARAMS;
    else if (o->qty <= 0) why = QC_BOOK_R_QTY;
    else if (!mkt && (o->px < r->lo || o->px > r->hi)) why = QC_BOOK_R_PRICE;
    rtaker t = {o->id, o->side, mkt ? (o->side > 0 ? INT64_MAX - 1 : INT64_MIN + 1) : o->px, o->qty, mkt ? 0 : o->px,
                o->owner, o->stp, o->flags};
    if (!why && (o->flags & QC_BOOK_POST_ONLY) && r_cross(o->side, r, t.px)) why = QC_BOOK_R_POST_ONLY;
    int64_t lim = r_limit(r, &t);
    int may_rest = !mkt && o->tif == QC_BOOK_GTC;
    if (!why && may_rest && r_total(r) == r->cap && !r_cross(o->side, r, lim)) why = QC_BOOK_R_POOL_FULL;
    if (why) {
        r_emit(r, QC_BOOK_EV_REJECT, why, o->id, 0, o->owner, 0, o->side, mkt ? 0 : o->px, o->qty, 0, 0);
        return why;
    }
    if (o->tif == QC_BOOK_FOK && !r_fok(r, &t, lim)) {
        r_emit(r, QC_BOOK_EV_CANCEL, QC_BOOK_R_FOK, t.id, 0, t.owner, 0, t.side, t.rpx, t.qty, 0, 0);
        return QC_BOOK_R_NONE;
    }
    int stopped = r_match(r, &t, lim);
    if (!r_after(r, &t, stopped, lim, may_rest)) return QC_BOOK_R_NONE;
    if (r_total(r) == r->cap) {
        r_emit(r, QC_BOOK_EV_CANCEL, QC_BOOK_R_POOL_FULL, t.id, 0, t.owner, 0, t.side, t.rpx, t.qty, 0, 0);
        return QC_BOOK_R_NONE;
    }
    r_insert(r, (rord){t.id, t.side, t.px, t.qty, t.owner, o->flags, o->stp});
    r_emit(r, QC_BOOK_EV_REST, QC_BOOK_R_NONE, t.id, 0, t.owner, 0, t.side, t.px, t.qty, t.qty, 0);
    return QC_BOOK_R_NONE;
}

static int r_find(const ref_book *r, uint64_t id, int *s, size_t *k) {
    for (int x = 0; x < 2; x++)
        for (size_t j = 0; j < r->n[x]; j++)
            if (r->side[x][j].id == id) {
                *s = x, *k = j;
                return 1;
            }
    return 0;
}

static qc_book_reason r_cancel(ref_book *r, uint64_t id) {
    int s;
    size_t k;
    if (!r_find(r, id, &s, &k)) return QC_BOOK_R_UNKNOWN;
    rord *m = &r->side[s][k];
    r_emit(r, QC_BOOK_EV_CANCEL, QC_BOOK_R_USER, m->id, 0, m->owner, 0, m->side, m->px, m->qty, 0, 0);
    r_remove(r, s, k);
    return QC_BOOK_R_NONE;
}

static qc_book_reason r_replace(ref_book *r, uint64_t id, int64_t px, int64_t qty) {
    int s;
    size_t k;
    if (!r_find(r, id, &s, &k)) return QC_BOOK_R_UNKNOWN;
    rord m = r->side[s][k];
    qc_book_reason why = qty <= 0 ? QC_BOOK_R_QTY : (px < r->lo || px > r->hi) ? QC_BOOK_R_PRICE : QC_BOOK_R_NONE;
    if (!why && (m.flags & QC_BOOK_POST_ONLY) && px != m.px && r_cross(m.side, r, px)) why = QC_BOOK_R_POST_ONLY;
    if (why) {
        r_emit(r, QC_BOOK_EV_REJECT, why, m.id, 0, m.owner, 0, m.side, px, qty, m.qty, 0);
        return why;
    }
    r_emit(r, QC_BOOK_EV_REPLACE, QC_BOOK_R_NONE, m.id, 0, m.owner, 0, m.side, px, qty, qty, 0);
    if (px == m.px && qty <= m.qty) {
        r->side[s][k].qty = qty;
        return QC_BOOK_R_NONE;
    }
    r_remove(r, s, k);
    rtaker t = {m.id, m.side, px, qty, px, m.owner, m.stp, m.flags};
    int64_t lim = r_limit(r, &t);
    int stopped = r_match(r, &t, lim);
    if (!r_after(r, &t, stopped, lim, 1)) return QC_BOOK_R_NONE;
    m.px = px;
    m.qty = t.qty;
    r_insert(r, m);
    return QC_BOOK_R_NONE;
}

/* ---- the differential test --------------------------------------------------------------------- */

static evlog g_fast, g_ref;

static int same_report(const qc_book_report *a, const qc_book_report *b) {
    return a->type == b->type && a->reason == b->reason && a->id == b->id && a->maker_id == b->maker_id &&
           a->owner == b->owner && a->side == b->side && a->px == b->px && a->qty == b->qty && a->leaves == b->leaves &&
           (a->type != QC_BOOK_EV_FILL || (a->maker_owner == b->maker_owner && a->maker_leaves == b->maker_leaves));
}

#if defined(__SANITIZE_ADDRESS__)
#define DIFF_OPS 300000
#else
#define DIFF_OPS 3000000
#endif

typedef struct {
    uint64_t id, h;
} live_ref;

static qc_book_order random_order(uint64_t *seed, uint64_t id, int64_t mid) {
    uint64_t r = rng_next(seed), r2 = rng_next(seed);
    qc_book_order o = {id, (r & 1) ? 1 : -1, QC_BOOK_KIND_LIMIT, QC_BOOK_GTC, 0, 0, 0, 0, 0};
    int u = (int)((r >> 1) % 100);
    o.kind = u < 8 ? QC_BOOK_KIND_MARKET : QC_BOOK_KIND_LIMIT;
    int t = (int)((r >> 8) % 100);
    o.tif = t < 70 ? QC_BOOK_GTC : t < 88 ? QC_BOOK_IOC : QC_BOOK_FOK;
    if (o.kind == QC_BOOK_KIND_LIMIT && o.tif == QC_BOOK_GTC && (r >> 16) % 8 == 0) o.flags |= QC_BOOK_POST_ONLY;
    if ((r >> 20) % 5 == 0) o.flags |= QC_BOOK_ISO;
    o.px = mid + o.side * (3 - (int64_t)((r >> 24) % 16)); /* mostly passive: the book builds depth */
    o.qty = 1 + (int64_t)((r >> 32) % 60);
    o.owner = (r >> 40) % 3 == 0 ? 0 : (uint32_t)(1 + (r >> 42) % 4);
    o.stp = (qc_stp_mode)((r >> 46) % 4);
    if (r2 % 500 == 0) o.qty = 0;                 /* bad quantity */
    if (r2 % 500 == 1) o.px = 5000;               /* outside the band */
    if (r2 % 1000 == 2) o.flags |= 4;             /* unknown flag */
    return o;
}

static void test_differential(void **st) {
    (void)st;
    static ref_book ref;
    memset(&ref, 0, sizeof ref);
    ref.lo = 0, ref.hi = 2000, ref.cap = 80, ref.log = &g_ref; /* small: the pool fills up now and then */
    ref.away_bid = QC_BOOK_NO_BID, ref.away_ask = QC_BOOK_NO_ASK;
    qc_book_opts bo = {0, 2000, 80, {0}};
    qc_book *b = NULL;
    qc_error err = {0};
    assert_int_equal(qc_book_new(&bo, collect, &g_fast, &b, &err), QC_OK);
    static live_ref live[1 << 16];
    size_t nl = 0;
    uint64_t seed = 20240611, next_id = 1;
    int64_t mid = 1000;
    size_t fills = 0, full = 0, deep = 0;
    for (long op = 0; op < DIFF_OPS; op++) {
        g_fast.n = g_ref.n = 0;
        uint64_t r = rng_next(&seed);
        int what = (int)(r % 100);
        qc_book_reason a, c;
        if (what < 1) { /* move the away quote */
            int64_t ab = (r >> 8) % 3 ? mid - 1 - (int64_t)((r >> 12) % 6) : QC_BOOK_NO_BID;
            int64_t aa = (r >> 16) % 3 ? mid + 1 + (int64_t)((r >> 20) % 6) : QC_BOOK_NO_ASK;
            qc_book_set_away(b, ab, aa);
            ref.away_bid = ab, ref.away_ask = aa;
            a = c = QC_BOOK_R_NONE;
        } else if (what < 2) {
            mid += (r >> 8) % 2 ? 1 : -1;
            if (mid < 100) mid = 100;
            if (mid > 1900) mid = 1900;
            a = c = QC_BOOK_R_NONE;
        } else if (what < 32 && nl) { /* cancel */
            size_t j = (r >> 8) % nl;
            a = qc_book_cancel(b, live[j].h);
            c = r_cancel(&ref, live[j].id);
            live[j] = live[--nl];
        } else if (what < 42 && nl) { /* replace */
            size_t j = (r >> 8) % nl;
            int64_t px = 0, lv = 0;
            int alive = qc_book_order_info(b, live[j].h, NULL, &px, &lv);
            int k = (int)((r >> 20) % 3);
            int64_t npx = k == 0 ? px : mid + (int64_t)((r >> 24) % 21) - 10;
            int64_t nq = k == 1 ? lv + 1 + (int64_t)((r >> 32) % 20) : 1 + (int64_t)((r >> 32) % (lv > 0 ? lv : 1));
            if (!alive) npx = mid, nq = 1;
            a = qc_book_replace(b, live[j].h, npx, nq);
            c = r_replace(&ref, live[j].id, npx, nq);
            if (!alive || !qc_book_order_info(b, live[j].h, NULL, NULL, NULL)) live[j] = live[--nl];
        } else {
            qc_book_order o = random_order(&seed, next_id++, mid);
            uint64_t h = 0;
            a = qc_book_add(b, &o, &h);
            c = r_add(&ref, &o);
            if (h && nl < (1 << 16)) live[nl++] = (live_ref){o.id, h};
        }
        if (a != c) fail_msg("op %ld: fast returned %s, reference %s", op, qc_book_reason_name(a), qc_book_reason_name(c));
        if (g_fast.n != g_ref.n) fail_msg("op %ld: %zu reports vs %zu", op, g_fast.n, g_ref.n);
        for (size_t e = 0; e < g_fast.n; e++) {
            if (!same_report(&g_fast.ev[e], &g_ref.ev[e]))
                fail_msg("op %ld report %zu: type %d/%d id %llu/%llu qty %lld/%lld", op, e, g_fast.ev[e].type,
                         g_ref.ev[e].type, (unsigned long long)g_fast.ev[e].id, (unsigned long long)g_ref.ev[e].id,
                         (long long)g_fast.ev[e].qty, (long long)g_ref.ev[e].qty);
            fills += g_fast.ev[e].type == QC_BOOK_EV_FILL;
            full += g_fast.ev[e].reason == QC_BOOK_R_POOL_FULL;
            deep = qc_book_n_orders(b) > deep ? qc_book_n_orders(b) : deep;
        }
        int64_t rb = ref.n[0] ? ref.side[0][0].px : QC_BOOK_NO_BID, ra = ref.n[1] ? ref.side[1][0].px : QC_BOOK_NO_ASK;
        if (qc_book_best_bid(b) != rb || qc_book_best_ask(b) != ra || qc_book_n_orders(b) != r_total(&ref))
            fail_msg("op %ld: top of book differs", op);
        if (op % 10007 == 0 && qc_book_check(b, &err)) fail_msg("op %ld: %s", op, err.msg);
        /* prune handles of orders that have gone */
        if (op % 4096 == 0) {
            for (size_t j = 0; j < nl;) {
                if (!qc_book_order_info(b, live[j].h, NULL, NULL, NULL)) live[j] = live[--nl];
                else j++;
            }
        }
    }
    assert_int_equal(qc_book_check(b, &err), QC_OK);
    assert_true(fills > (size_t)DIFF_OPS / 10); /* the mix trades a lot */
    if (getenv("QC_BOOK_VERBOSE")) print_message("%zu fills, %zu pool-full, max %zu resting\n", fills, full, deep);
    qc_book_free(b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_priority_and_partials),
        cmocka_unit_test(test_market_ioc_fok),
        cmocka_unit_test(test_post_only),
        cmocka_unit_test(test_iso_and_trade_through),
        cmocka_unit_test(test_stp_modes),
        cmocka_unit_test(test_cancel_replace),
        cmocka_unit_test(test_bad_orders_and_pool),
        cmocka_unit_test(test_levels),
        cmocka_unit_test(test_no_allocation),
        cmocka_unit_test(test_differential),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
