/* book.c: the limit order book (rules in book.h). Layout: one level slot per tick of the band
 * ({head, tail, count, qty}), a node pool with a free list, and per side a two-level bitmap of
 * non-empty levels, so the next best price after a level empties is a couple of count-zeros away.
 * The level array is left as allocated (zeroed): a level with count 0 is empty. Handles are
 * (generation << 32 | slot + 1): a cancelled order's handle goes stale when its slot is
 * reused. Nothing here allocates after qc_book_new. */
#include "execution/book.h"

#include <stdlib.h>
#include <string.h>

#define NIL UINT32_MAX

typedef struct {
    uint64_t id;
    int64_t px, qty;
    uint32_t next, prev;
    uint32_t owner, gen;
    int8_t side;
    uint8_t flags, stp, live;
} node;

typedef struct {
    uint32_t head, tail, count;
    int64_t qty;
} level;

struct qc_book {
    int64_t min_px, max_px;
    uint32_t n_px, n_words, n_sum;
    level *lv;
    uint64_t *bits[2], *sum[2]; /* [0] bids, [1] asks */
    node *pool;
    uint32_t cap, free_head, n_live;
    int64_t best_bid, best_ask;
    int64_t away_bid, away_ask;
    qc_book_report_fn fn;
    void *user;
    qc_book_alloc alloc;
};

static void *b_alloc(const qc_book_alloc *a, size_t bytes) {
    return a->alloc ? a->alloc(a->user, bytes) : calloc(1, bytes);
}
static void b_release(const qc_book_alloc *a, void *p) {
    if (!p) return;
    if (a->release) a->release(a->user, p);
    else free(p);
}

/* ---- bitmaps ------------------------------------------------------------------------------------ */

static inline int sidx(int side) { return side > 0 ? 0 : 1; }

static inline void bit_set(qc_book *b, int s, uint32_t i) {
    uint32_t w = i >> 6;
    b->bits[s][w] |= 1ull << (i & 63);
    b->sum[s][w >> 6] |= 1ull << (w & 63);
}

static inline void bit_clear(qc_book *b, int s, uint32_t i) {
    uint32_t w = i >> 6;
    b->bits[s][w] &= ~(1ull << (i & 63));
    if (!b->bits[s][w]) b->sum[s][w >> 6] &= ~(1ull << (w & 63));
}

/* Lowest set index >= i, or n_px. */
static uint32_t find_up(const qc_book *b, int s, uint32_t i) {
    if (i >= b->n_px) return b->n_px;
    uint32_t w = i >> 6;
    uint64_t m = b->bits[s][w] & (~0ull << (i & 63));
    if (m) return (w << 6) + (uint32_t)__builtin_ctzll(m);
    uint32_t nw = w + 1;
    if (nw >= b->n_words) return b->n_px;
    uint32_t sw = nw >> 6;
    uint64_t sm = b->sum[s][sw] & (~0ull << (nw & 63));
    while (!sm) {
        if (++sw >= b->n_sum) return b->n_px;
        sm = b->sum[s][sw];
    }
    w = (sw << 6) + (uint32_t)__builtin_ctzll(sm);
    return (w << 6) + (uint32_t)__builtin_ctzll(b->bits[s][w]);
}

/* Highest set index <= i, or NIL. */
static uint32_t find_down(const qc_book *b, int s, uint32_t i) {
    uint32_t w = i >> 6;
    uint64_t m = b->bits[s][w] & (~0ull >> (63 - (i & 63)));
    if (m) return (w << 6) + 63 - (uint32_t)__builtin_clzll(m);
    if (w == 0) return NIL;
    uint32_t pw = w - 1, sw = pw >> 6;
    uint64_t sm = b->sum[s][sw] & (~0ull >> (63 - (pw & 63)));
    while (!sm) {
        if (sw == 0) return NIL;
        sm = b->sum[s][--sw];
    }
    w = (sw << 6) + 63 - (uint32_t)__builtin_clzll(sm);
    return (w << 6) + 63 - (uint32_t)__builtin_clzll(b->bits[s][w]);
}

/* ---- lifecycle ---------------------------------------------------------------------------------- */

qc_err qc_book_new(const qc_book_opts *o, qc_book_report_fn fn, void *user, qc_book **out, qc_error *err) {
    *out = NULL;
    if (o->max_px < o->min_px || o->max_px - o->min_px >= (1 << 26) || o->capacity == 0 ||
        o->capacity >= NIL - 1)
        return qc_err_set(err, QC_ERR_INPUT, "book: price band [%lld, %lld] must hold 1 to 2^26 ticks and capacity be positive",
                          (long long)o->min_px, (long long)o->max_px);
    qc_book *b = b_alloc(&o->alloc, sizeof *b);
    if (!b) return qc_err_set(err, QC_ERR_NOMEM, "book: out of memory");
    memset(b, 0, sizeof *b);
    b->alloc = o->alloc;
    b->min_px = o->min_px;
    b->max_px = o->max_px;
    b->n_px = (uint32_t)(o->max_px - o->min_px + 1);
    b->n_words = (b->n_px + 63) / 64;
    b->n_sum = (b->n_words + 63) / 64;
    b->cap = o->capacity;
    b->lv = b_alloc(&b->alloc, (size_t)b->n_px * sizeof *b->lv);
    b->pool = b_alloc(&b->alloc, (size_t)b->cap * sizeof *b->pool);
    for (int s = 0; s < 2; s++) {
        b->bits[s] = b_alloc(&b->alloc, (size_t)b->n_words * 8);
        b->sum[s] = b_alloc(&b->alloc, (size_t)b->n_sum * 8);
    }
    if (!b->lv || !b->pool || !b->bits[0] || !b->bits[1] || !b->sum[0] || !b->sum[1]) {
        qc_book_free(b);
        return qc_err_set(err, QC_ERR_NOMEM, "book: out of memory for %u ticks and %u orders", b->n_px, b->cap);
    }
    memset(b->bits[0], 0, (size_t)b->n_words * 8);
    memset(b->bits[1], 0, (size_t)b->n_words * 8);
    memset(b->sum[0], 0, (size_t)b->n_sum * 8);
    memset(b->sum[1], 0, (size_t)b->n_sum * 8);
    /* levels stay as allocated (zero): an empty level is count == 0 whatever head/tail say, so a
     * wide band costs address space only until its prices are used */
    for (uint32_t i = 0; i < b->cap; i++) {
        memset(&b->pool[i], 0, sizeof b->pool[i]);
        b->pool[i].next = i + 1 < b->cap ? i + 1 : NIL;
        b->pool[i].gen = 1;
    }
    b->free_head = 0;
    b->best_bid = QC_BOOK_NO_BID;
    b->best_ask = QC_BOOK_NO_ASK;
    b->away_bid = QC_BOOK_NO_BID;
    b->away_ask = QC_BOOK_NO_ASK;
    b->fn = fn;
    b->user = user;
    *out = b;
    return QC_OK;
}

void qc_book_free(qc_book *b) {
    if (!b) return;
    qc_book_alloc a = b->alloc;
    b_release(&a, b->lv);
    b_release(&a, b->pool);
    for (int s = 0; s < 2; s++) {
        b_release(&a, b->bits[s]);
        b_release(&a, b->sum[s]);
    }
    b_release(&a, b);
}

void qc_book_set_report(qc_book *b, qc_book_report_fn fn, void *user) {
    b->fn = fn;
    b->user = user;
}

void qc_book_set_away(qc_book *b, int64_t away_bid, int64_t away_ask) {
    b->away_bid = away_bid;
    b->away_ask = away_ask;
}

/* ---- queues ------------------------------------------------------------------------------------- */

static inline uint64_t handle_of(const qc_book *b, uint32_t i) { return ((uint64_t)b->pool[i].gen << 32) | (i + 1); }

static inline uint32_t slot_of(const qc_book *b, uint64_t h) {
    uint32_t i = (uint32_t)(h & 0xffffffffu) - 1;
    if (i >= b->cap || !b->pool[i].live || b->pool[i].gen != (uint32_t)(h >> 32)) return NIL;
    return i;
}

static inline void emit(qc_book *b, const qc_book_report *r) {
    if (b->fn) b->fn(b->user, r);
}

static uint32_t node_take(qc_book *b) {
    uint32_t i = b->free_head;
    if (i == NIL) return NIL;
    b->free_head = b->pool[i].next;
    b->pool[i].live = 1;
    b->n_live++;
    return i;
}

static void node_give(qc_book *b, uint32_t i) {
    node *n = &b->pool[i];
    n->live = 0;
    n->gen++;
    if (n->gen == 0) n->gen = 1;
    n->next = b->free_head;
    b->free_head = i;
    b->n_live--;
}

/* Appends node i at the tail of its price level. */
static void level_push(qc_book *b, uint32_t i) {
    node *n = &b->pool[i];
    uint32_t li = (uint32_t)(n->px - b->min_px);
    level *l = &b->lv[li];
    n->next = NIL;
    n->prev = l->count ? l->tail : NIL;
    if (l->count) b->pool[l->tail].next = i;
    else {
        l->head = i;
        bit_set(b, sidx(n->side), li);
    }
    l->tail = i;
    l->count++;
    l->qty += n->qty;
    if (n->side > 0 && n->px > b->best_bid) b->best_bid = n->px;
    if (n->side < 0 && n->px < b->best_ask) b->best_ask = n->px;
}

/* Takes node i out of its level (the node itself stays live); fixes the best price. */
static void level_unlink(qc_book *b, uint32_t i) {
    node *n = &b->pool[i];
    uint32_t li = (uint32_t)(n->px - b->min_px);
    level *l = &b->lv[li];
    if (n->prev != NIL) b->pool[n->prev].next = n->next;
    else l->head = n->next;
    if (n->next != NIL) b->pool[n->next].prev = n->prev;
    else l->tail = n->prev;
    l->count--;
    l->qty -= n->qty;
    if (l->count) return;
    int s = sidx(n->side);
    bit_clear(b, s, li);
    if (n->side > 0 && n->px == b->best_bid) {
        uint32_t d = li ? find_down(b, s, li - 1) : NIL;
        b->best_bid = d == NIL ? QC_BOOK_NO_BID : b->min_px + d;
    } else if (n->side < 0 && n->px == b->best_ask) {
        uint32_t u = find_up(b, s, li + 1);
        b->best_ask = u >= b->n_px ? QC_BOOK_NO_ASK : b->min_px + u;
    }
}

/* ---- matching ----------------------------------------------------------------------------------- */

/* The aggressor while it matches. */
typedef struct {
    uint64_t id;
    int side;
    int64_t px;      /* limit (market: the far end of the band) */
    int64_t qty;     /* open */
    uint32_t owner;
    qc_stp_mode stp;
    unsigned flags;
    int64_t report_px;
} taker;

/* Worst price the taker may trade at in this book: its limit, clipped to the away quote unless ISO. */
static int64_t trade_limit(const qc_book *b, const taker *t) {
    if (t->flags & QC_BOOK_ISO) return t->px;
    if (t->side > 0) return b->away_ask < t->px ? b->away_ask : t->px;
    return b->away_bid > t->px ? b->away_bid : t->px;
}

static inline int64_t opp_best(const qc_book *b, int side) { return side > 0 ? b->best_ask : b->best_bid; }
static inline int crosses(int side, int64_t best, int64_t lim) {
    return side > 0 ? (best != QC_BOOK_NO_ASK && best <= lim) : (best != QC_BOOK_NO_BID && best >= lim);
}

static void report_cancel(qc_book *b, uint64_t id, uint32_t owner, int side, int64_t px, int64_t qty, int64_t leaves,
                          uint64_t other, qc_book_reason why) {
    qc_book_report r = {QC_BOOK_EV_CANCEL, why, id, other, owner, 0, side, px, qty, leaves, 0, 0};
    emit(b, &r);
}

/* Removes resting node i (already emptied or cancelled) from the book. */
static void drop(qc_book *b, uint32_t i) {
    level_unlink(b, i);
    node_give(b, i);
}

/* Self-trade between taker t and resting node i. Returns 1 if the taker must stop. */
static int self_trade(qc_book *b, taker *t, uint32_t i) {
    node *n = &b->pool[i];
    uint64_t mid = n->id;
    switch (t->stp) {
    case QC_STP_CANCEL_OLDEST:
    case QC_STP_CANCEL_BOTH: {
        int64_t q = n->qty;
        report_cancel(b, mid, n->owner, n->side, n->px, q, 0, t->id, QC_BOOK_R_STP);
        drop(b, i);
        if (t->stp == QC_STP_CANCEL_OLDEST) return 0;
        report_cancel(b, t->id, t->owner, t->side, t->report_px, t->qty, 0, mid, QC_BOOK_R_STP);
        t->qty = 0;
        return 1;
    }
    case QC_STP_DECREMENT: {
        int64_t d = t->qty < n->qty ? t->qty : n->qty;
        uint32_t li = (uint32_t)(n->px - b->min_px);
        n->qty -= d;
        b->lv[li].qty -= d;
        report_cancel(b, mid, n->owner, n->side, n->px, d, n->qty, t->id, QC_BOOK_R_STP);
        if (n->qty == 0) drop(b, i);
        t->qty -= d;
        report_cancel(b, t->id, t->owner, t->side, t->report_px, d, t->qty, mid, QC_BOOK_R_STP);
        return t->qty == 0;
    }
    default:
        report_cancel(b, t->id, t->owner, t->side, t->report_px, t->qty, 0, mid, QC_BOOK_R_STP);
        t->qty = 0;
        return 1;
    }
}

/* Trades taker t against resting node i. */
static void trade(qc_book *b, taker *t, uint32_t i) {
    node *n = &b->pool[i];
    int64_t q = t->qty < n->qty ? t->qty : n->qty;
    uint32_t li = (uint32_t)(n->px - b->min_px);
    n->qty -= q;
    b->lv[li].qty -= q;
    t->qty -= q;
    qc_book_report r = {QC_BOOK_EV_FILL, QC_BOOK_R_NONE, t->id, n->id, t->owner, n->owner, t->side,
                        n->px, q, t->qty, n->qty, handle_of(b, i)};
    emit(b, &r);
    if (n->qty == 0) drop(b, i);
}

/* Matches t against the other side down to lim. Returns 1 when the taker was stopped by
 * self-trade prevention (its remainder already cancelled). */
static int match(qc_book *b, taker *t, int64_t lim) {
    while (t->qty > 0) {
        int64_t best = opp_best(b, t->side);
        if (!crosses(t->side, best, lim)) return 0;
        level *l = &b->lv[best - b->min_px];
        uint32_t i = l->head;
        node *n = &b->pool[i];
        if (t->owner && n->owner == t->owner) {
            if (self_trade(b, t, i)) return 1;
        } else {
            trade(b, t, i);
        }
    }
    return 0;
}

/* FOK: is there enough of other owners' liquidity within lim before any of the taker's own? */
static int fok_ok(const qc_book *b, const taker *t, int64_t lim) {
    int s = sidx(-t->side);
    int64_t need = t->qty, best = opp_best(b, t->side);
    while (crosses(t->side, best, lim)) {
        uint32_t li = (uint32_t)(best - b->min_px);
        for (uint32_t i = b->lv[li].head; i != NIL; i = b->pool[i].next) {
            if (t->owner && b->pool[i].owner == t->owner) return 0;
            need -= b->pool[i].qty;
            if (need <= 0) return 1;
        }
        uint32_t nx = t->side > 0 ? find_up(b, s, li + 1) : (li ? find_down(b, s, li - 1) : NIL);
        if (nx == NIL || nx >= b->n_px) return 0;
        best = b->min_px + nx;
    }
    return 0;
}

static qc_book_reason check_order(const qc_book *b, const qc_book_order *o) {
    if ((o->side != 1 && o->side != -1) || (unsigned)o->kind > QC_BOOK_KIND_MARKET || (unsigned)o->tif > QC_BOOK_FOK ||
        (unsigned)o->stp > QC_STP_DECREMENT || (o->flags & ~(unsigned)(QC_BOOK_POST_ONLY | QC_BOOK_ISO)))
        return QC_BOOK_R_PARAMS;
    if ((o->flags & QC_BOOK_POST_ONLY) && (o->kind != QC_BOOK_KIND_LIMIT || o->tif != QC_BOOK_GTC))
        return QC_BOOK_R_PARAMS;
    if (o->qty <= 0) return QC_BOOK_R_QTY;
    if (o->kind == QC_BOOK_KIND_LIMIT && (o->px < b->min_px || o->px > b->max_px)) return QC_BOOK_R_PRICE;
    return QC_BOOK_R_NONE;
}

static void reject(qc_book *b, const qc_book_order *o, qc_book_reason why) {
    qc_book_report r = {QC_BOOK_EV_REJECT, why, o->id, 0, o->owner, 0, o->side, o->kind == QC_BOOK_KIND_LIMIT ? o->px : 0,
                        o->qty, 0, 0, 0};
    emit(b, &r);
}

/* Rests the taker's remainder in node i (taken from the pool by the caller). */
static void rest(qc_book *b, uint32_t i, const taker *t, int8_t side, uint8_t flags, uint8_t stp) {
    node *n = &b->pool[i];
    n->id = t->id;
    n->px = t->px;
    n->qty = t->qty;
    n->owner = t->owner;
    n->side = side;
    n->flags = flags;
    n->stp = stp;
    level_push(b, i);
    qc_book_report r = {QC_BOOK_EV_REST, QC_BOOK_R_NONE, t->id, 0, t->owner, 0, side, t->px, t->qty, t->qty, 0,
                        handle_of(b, i)};
    emit(b, &r);
}

/* After matching a limit order that may rest: trade-through and IOC remainders are cancelled. 1 if
 * the remainder should rest. */
static int after_match(qc_book *b, taker *t, int stopped, int64_t lim, int may_rest) {
    if (stopped || t->qty == 0) return 0;
    if (lim != t->px && crosses(t->side, opp_best(b, t->side), t->px)) {
        report_cancel(b, t->id, t->owner, t->side, t->report_px, t->qty, 0, 0, QC_BOOK_R_TRADE_THROUGH);
        return 0;
    }
    if (!may_rest) {
        report_cancel(b, t->id, t->owner, t->side, t->report_px, t->qty, 0, 0, QC_BOOK_R_IOC);
        return 0;
    }
    return 1;
}

qc_book_reason qc_book_add(qc_book *b, const qc_book_order *o, uint64_t *handle) {
    if (handle) *handle = 0;
    qc_book_reason why = check_order(b, o);
    if (why) {
        reject(b, o, why);
        return why;
    }
    int market = o->kind == QC_BOOK_KIND_MARKET;
    taker t = {o->id, o->side, market ? (o->side > 0 ? INT64_MAX - 1 : INT64_MIN + 1) : o->px, o->qty, o->owner,
               o->stp, o->flags, market ? 0 : o->px};
    if (o->flags & QC_BOOK_POST_ONLY) {
        if (crosses(t.side, opp_best(b, t.side), t.px)) {
            reject(b, o, QC_BOOK_R_POST_ONLY);
            return QC_BOOK_R_POST_ONLY;
        }
    }
    int64_t lim = trade_limit(b, &t);
    if (o->tif == QC_BOOK_FOK && !fok_ok(b, &t, lim)) {
        report_cancel(b, t.id, t.owner, t.side, t.report_px, t.qty, 0, 0, QC_BOOK_R_FOK);
        return QC_BOOK_R_NONE;
    }
    int may_rest = !market && o->tif == QC_BOOK_GTC;
    if (may_rest && b->free_head == NIL && !crosses(t.side, opp_best(b, t.side), lim)) {
        reject(b, o, QC_BOOK_R_POOL_FULL); /* would rest at once and cannot */
        return QC_BOOK_R_POOL_FULL;
    }
    int stopped = match(b, &t, lim);
    if (!after_match(b, &t, stopped, lim, may_rest)) return QC_BOOK_R_NONE;
    uint32_t i = node_take(b);
    if (i == NIL) {
        report_cancel(b, t.id, t.owner, t.side, t.report_px, t.qty, 0, 0, QC_BOOK_R_POOL_FULL);
        return QC_BOOK_R_NONE;
    }
    rest(b, i, &t, (int8_t)o->side, (uint8_t)o->flags, (uint8_t)o->stp);
    if (handle) *handle = handle_of(b, i);
    return QC_BOOK_R_NONE;
}

qc_book_reason qc_book_cancel(qc_book *b, uint64_t h) {
    uint32_t i = slot_of(b, h);
    if (i == NIL) return QC_BOOK_R_UNKNOWN;
    node *n = &b->pool[i];
    report_cancel(b, n->id, n->owner, n->side, n->px, n->qty, 0, 0, QC_BOOK_R_USER);
    drop(b, i);
    return QC_BOOK_R_NONE;
}

qc_book_reason qc_book_replace(qc_book *b, uint64_t h, int64_t px, int64_t qty) {
    uint32_t i = slot_of(b, h);
    if (i == NIL) return QC_BOOK_R_UNKNOWN;
    node *n = &b->pool[i];
    qc_book_reason why = qty <= 0 ? QC_BOOK_R_QTY : (px < b->min_px || px > b->max_px) ? QC_BOOK_R_PRICE : QC_BOOK_R_NONE;
    if (!why && (n->flags & QC_BOOK_POST_ONLY) && px != n->px && crosses(n->side, opp_best(b, n->side), px))
        why = QC_BOOK_R_POST_ONLY;
    if (why) {
        qc_book_report r = {QC_BOOK_EV_REJECT, why, n->id, 0, n->owner, 0, n->side, px, qty, n->qty, 0, h};
        emit(b, &r);
        return why;
    }
    if (px == n->px && qty <= n->qty) { /* a reduction keeps its place */
        b->lv[px - b->min_px].qty -= n->qty - qty;
        n->qty = qty;
        qc_book_report r = {QC_BOOK_EV_REPLACE, QC_BOOK_R_NONE, n->id, 0, n->owner, 0, n->side, px, qty, qty, 0, h};
        emit(b, &r);
        return QC_BOOK_R_NONE;
    }
    level_unlink(b, i); /* re-enters behind everyone at its (new) price, and may trade */
    qc_book_report r = {QC_BOOK_EV_REPLACE, QC_BOOK_R_NONE, n->id, 0, n->owner, 0, n->side, px, qty, qty, 0, h};
    emit(b, &r);
    taker t = {n->id, n->side, px, qty, n->owner, (qc_stp_mode)n->stp, n->flags, px};
    int64_t lim = trade_limit(b, &t);
    int stopped = match(b, &t, lim);
    if (!after_match(b, &t, stopped, lim, 1)) {
        node_give(b, i);
        return QC_BOOK_R_NONE;
    }
    n->px = px;
    n->qty = t.qty;
    level_push(b, i);
    return QC_BOOK_R_NONE;
}

/* ---- queries ------------------------------------------------------------------------------------ */

int64_t qc_book_best_bid(const qc_book *b) { return b->best_bid; }
int64_t qc_book_best_ask(const qc_book *b) { return b->best_ask; }
size_t qc_book_n_orders(const qc_book *b) { return b->n_live; }
int64_t qc_book_min_px(const qc_book *b) { return b->min_px; }
int64_t qc_book_max_px(const qc_book *b) { return b->max_px; }

int64_t qc_book_depth(const qc_book *b, int side, int64_t px, uint32_t *count) {
    if (count) *count = 0;
    if (px < b->min_px || px > b->max_px) return 0;
    uint32_t li = (uint32_t)(px - b->min_px);
    const level *l = &b->lv[li];
    if (!l->count || b->pool[l->head].side != side) return 0;
    if (count) *count = l->count;
    return l->qty;
}

size_t qc_book_levels(const qc_book *b, int side, size_t n, int64_t *px, int64_t *qty) {
    int s = sidx(side);
    int64_t best = side > 0 ? b->best_bid : b->best_ask;
    if (best == QC_BOOK_NO_BID || best == QC_BOOK_NO_ASK) return 0;
    uint32_t li = (uint32_t)(best - b->min_px);
    size_t k = 0;
    while (k < n && li != NIL && li < b->n_px) {
        px[k] = b->min_px + li;
        qty[k] = b->lv[li].qty;
        k++;
        li = side > 0 ? (li ? find_down(b, s, li - 1) : NIL) : find_up(b, s, li + 1);
    }
    return k;
}

int qc_book_order_info(const qc_book *b, uint64_t h, uint64_t *id, int64_t *px, int64_t *leaves) {
    uint32_t i = slot_of(b, h);
    if (i == NIL) return 0;
    if (id) *id = b->pool[i].id;
    if (px) *px = b->pool[i].px;
    if (leaves) *leaves = b->pool[i].qty;
    return 1;
}

/* ---- the internal check --------------------------------------------------------------------------- */

static qc_err check_level(const qc_book *b, uint32_t li, size_t *seen, qc_error *err) {
    const level *l = &b->lv[li];
    int64_t px = b->min_px + li, q = 0;
    uint32_t c = 0, prev = NIL;
    int bid = (b->bits[0][li >> 6] >> (li & 63)) & 1, ask = (b->bits[1][li >> 6] >> (li & 63)) & 1;
    if (!l->count) {
        if (l->qty || bid || ask)
            return qc_err_set(err, QC_ERR_INTERNAL, "book: empty level %lld not clean", (long long)px);
        return QC_OK;
    }
    int side = b->pool[l->head].side;
    if (bid + ask != 1 || (side > 0) != bid)
        return qc_err_set(err, QC_ERR_INTERNAL, "book: level %lld bitmap wrong", (long long)px);
    for (uint32_t i = l->head; i != NIL; i = b->pool[i].next) {
        const node *n = &b->pool[i];
        if (!n->live || n->px != px || n->side != side || n->qty <= 0 || n->prev != prev || c > b->cap)
            return qc_err_set(err, QC_ERR_INTERNAL, "book: level %lld has a bad order", (long long)px);
        q += n->qty;
        c++;
        prev = i;
    }
    if (prev != l->tail || c != l->count || q != l->qty)
        return qc_err_set(err, QC_ERR_INTERNAL, "book: level %lld totals wrong", (long long)px);
    if (side > 0 && px > b->best_bid) return qc_err_set(err, QC_ERR_INTERNAL, "book: bid above best");
    if (side < 0 && px < b->best_ask) return qc_err_set(err, QC_ERR_INTERNAL, "book: ask below best");
    *seen += c;
    return QC_OK;
}

qc_err qc_book_check(const qc_book *b, qc_error *err) {
    size_t seen = 0;
    for (uint32_t li = 0; li < b->n_px; li++) {
        qc_err rc = check_level(b, li, &seen, err);
        if (rc) return rc;
    }
    for (int s = 0; s < 2; s++)
        for (uint32_t w = 0; w < b->n_words; w++)
            if (((b->sum[s][w >> 6] >> (w & 63)) & 1) != (b->bits[s][w] != 0))
                return qc_err_set(err, QC_ERR_INTERNAL, "book: summary bitmap wrong at word %u", w);
    if (seen != b->n_live) return qc_err_set(err, QC_ERR_INTERNAL, "book: %zu queued orders, %u live", seen, b->n_live);
    size_t free_n = 0;
    for (uint32_t i = b->free_head; i != NIL && free_n <= b->cap; i = b->pool[i].next) free_n++;
    if (free_n + b->n_live != b->cap) return qc_err_set(err, QC_ERR_INTERNAL, "book: pool leak");
    if (b->best_bid != QC_BOOK_NO_BID && qc_book_depth(b, 1, b->best_bid, NULL) == 0)
        return qc_err_set(err, QC_ERR_INTERNAL, "book: best bid level empty");
    if (b->best_ask != QC_BOOK_NO_ASK && qc_book_depth(b, -1, b->best_ask, NULL) == 0)
        return qc_err_set(err, QC_ERR_INTERNAL, "book: best ask level empty");
    if (b->best_bid != QC_BOOK_NO_BID && b->best_ask != QC_BOOK_NO_ASK && b->best_bid >= b->best_ask)
        return qc_err_set(err, QC_ERR_INTERNAL, "book: crossed (%lld >= %lld)", (long long)b->best_bid,
                          (long long)b->best_ask);
    return QC_OK;
}

const char *qc_book_reason_name(qc_book_reason r) {
    static const char *n[QC_BOOK_R__COUNT] = {"none", "user", "ioc", "fok", "stp", "trade_through", "post_only",
                                              "price", "qty", "params", "pool_full", "unknown"};
    return (unsigned)r < QC_BOOK_R__COUNT ? n[r] : "?";
}
