/* fuzz_book.c: libFuzzer target for the limit order book (src/execution/book.h). The input is a
 * sequence of 6-byte operations (add of any kind/TIF/flags/owner/STP mode, cancel, replace, away
 * quote) on a small book (256 ticks, 64 slots, so the pool fills). After every operation: the
 * book's own check (no crossed book, queues, bitmaps, pool); quantity conservation per order (every
 * fill and cancel takes exactly its quantity off the order's open amount, and a resting order's
 * leaves equal what is left); price-time priority (each fill's maker is the oldest resting order at
 * the best price of its side, and inside the taker's limit). abort() flags a violated invariant. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "execution/book.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_OPS 2048

typedef struct {
    int64_t open;     /* what the order still has open, by our own accounting */
    int64_t px, limit;
    uint64_t stamp;   /* time priority: lower is older */
    uint64_t handle;
    int side, resting;
} model;

static model g_m[MAX_OPS + 1];
static uint64_t g_stamp, g_n; /* g_n: ids in use */

static void check(int ok) {
    if (!ok) abort();
}

static model *at(uint64_t id) { return id >= 1 && id <= MAX_OPS ? &g_m[id] : NULL; }

/* The maker of a fill must be the oldest resting order at the best price of its side. */
static void check_priority(const model *mk, uint64_t maker) {
    for (uint64_t i = 1; i <= g_n; i++) {
        const model *o = &g_m[i];
        if (!o->resting || i == maker || o->side != mk->side) continue;
        check(mk->side > 0 ? o->px <= mk->px : o->px >= mk->px);
        if (o->px == mk->px) check(o->stamp > mk->stamp);
    }
}

static void on_report(void *u, const qc_book_report *r) {
    (void)u;
    model *o = at(r->id), *mk = at(r->maker_id);
    check(o != NULL);
    switch (r->type) {
    case QC_BOOK_EV_FILL:
        check(mk && mk->resting && r->qty > 0 && r->px == mk->px);
        check(o->side > 0 ? r->px <= o->limit : r->px >= o->limit);
        check_priority(mk, r->maker_id);
        o->open -= r->qty;
        mk->open -= r->qty;
        check(o->open == r->leaves && mk->open == r->maker_leaves && o->open >= 0 && mk->open >= 0);
        if (mk->open == 0) mk->resting = 0;
        break;
    case QC_BOOK_EV_REST:
        check(!o->resting && r->qty == o->open && r->qty > 0);
        o->resting = 1;
        o->px = r->px;
        o->handle = r->handle;
        o->stamp = ++g_stamp;
        break;
    case QC_BOOK_EV_CANCEL:
        o->open -= r->qty;
        check(o->open == r->leaves && o->open >= 0 && r->qty > 0);
        if (o->open == 0) o->resting = 0;
        break;
    case QC_BOOK_EV_REJECT:
        break;
    case QC_BOOK_EV_REPLACE: {
        int keeps = r->px == o->px && r->leaves <= o->open;
        o->open = r->leaves;
        o->limit = r->px;
        if (!keeps) { /* re-enters: out of the queue until it rests again */
            o->resting = 0; /* rests again (found after the call) unless it all trades */
            o->px = r->px;
            o->stamp = ++g_stamp;
        }
        break;
    }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    qc_book_opts bo = {0, 255, 64, {0}};
    qc_book *b = NULL;
    if (qc_book_new(&bo, on_report, NULL, &b, NULL)) abort();
    g_stamp = 0;
    uint64_t id = 0;
    for (size_t p = 0; p + 6 <= size && id < MAX_OPS; p += 6) {
        const uint8_t *d = data + p;
        int what = d[0] % 8;
        uint64_t target = 1 + (id ? d[5] % id : 0);
        g_n = id;
        if (what < 4 || !id) {
            memset(&g_m[id + 1], 0, sizeof g_m[0]);
            g_n = id + 1;
            qc_book_order o = {++id, (d[1] & 1) ? 1 : -1, (d[1] & 2) && (d[0] & 8) ? QC_BOOK_KIND_MARKET : QC_BOOK_KIND_LIMIT,
                               (qc_book_tif)((d[1] >> 2) & 3), 0, d[2], d[3], (uint32_t)(d[4] % 4),
                               (qc_stp_mode)((d[1] >> 6) & 3)};
            if (d[1] & 16) o.flags |= QC_BOOK_POST_ONLY;
            if (d[1] & 32) o.flags |= QC_BOOK_ISO;
            model *m = &g_m[id];
            m->open = o.qty;
            m->side = o.side;
            m->limit = o.kind == QC_BOOK_KIND_MARKET ? (o.side > 0 ? INT64_MAX : INT64_MIN) : o.px;
            m->px = o.px;
            uint64_t h = 0;
            qc_book_reason why = qc_book_add(b, &o, &h);
            check(!h == !m->resting);
            if (why) check(!h);
        } else if (what < 6) {
            model *m = &g_m[target];
            int was = m->resting;
            qc_book_reason why = qc_book_cancel(b, m->handle);
            check((why == QC_BOOK_R_NONE) == (was != 0) && !m->resting);
        } else if (what == 6) {
            model *m = &g_m[target];
            if (!m->resting) continue;
            int64_t px = d[2], qty = d[3];
            qc_book_replace(b, m->handle, px, qty);
            int64_t leaves = 0, bpx = 0;
            int alive = qc_book_order_info(b, m->handle, NULL, &bpx, &leaves);
            if (alive && !m->resting) { /* re-entered and rests again: same handle */
                m->resting = 1;
                m->px = bpx;
            }
            check(alive == (m->open > 0));
        } else {
            qc_book_set_away(b, d[2] ? d[2] : QC_BOOK_NO_BID, d[3] ? d[3] : QC_BOOK_NO_ASK);
        }
        check(qc_book_check(b, NULL) == QC_OK);
        /* every order the model says rests is in the book with exactly its open quantity */
        for (uint64_t i = 1; i <= id; i++) {
            model *m = &g_m[i];
            int64_t leaves = 0, px = 0;
            int alive = m->handle && qc_book_order_info(b, m->handle, NULL, &px, &leaves);
            check(alive == (m->resting != 0));
            if (alive) check(leaves == m->open && px == m->px);
        }
    }
    qc_book_free(b);
    return 0;
}
