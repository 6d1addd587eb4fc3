/* exchange_venue.c: the simulated exchange (rules in exchange_venue.h). Our orders live in the
 * caller's table (kernel or router); the venue keeps an entry per open order of ours (its book id is
 * the entry index with bit 62 set, so a book report finds it in O(1)), a FIFO of actions waiting
 * for their latency, and buffers the book's reports during each book call, handing them to the sink
 * only after the call returned (a sink may call back into the venue: such calls only queue). */
#include "execution/exchange_venue.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OURS_BIT (1ull << 62)
#define MKT_BIT (1ull << 61)
#define QC_NS_DAY 86400000000000LL

typedef enum { ACT_SUBMIT = 0, ACT_CANCEL, ACT_REPLACE } act_kind;

typedef struct {
    act_kind kind;
    uint32_t entry;
    const qc_order *o;   /* the entry must still hold this order */
    int64_t eff_ts;
    double qty, limit;
} action;

typedef struct {
    qc_order *o;         /* NULL = free slot */
    uint64_t handle;     /* in the book while resting, else 0 */
    int64_t day;         /* DAY orders: UTC day of the bar they arrived in (-1 before) */
    uint32_t next_free;
    uint32_t gen;        /* bumped when the slot is freed: stale book ids miss */
    int arrived;
} entry;

typedef struct {
    uint32_t s;
    qc_book_report r;
} buffered;

typedef struct {
    uint64_t h[64];      /* the market's displayed orders (ladder or quote) on one side */
    size_t n;
    int64_t quote_px;    /* ticks feed: the quoted price of the displayed order */
} mside;

typedef struct {
    qc_venue base;
    qc_exchange_opts opt;
    char name[32];
    size_t n_sym;
    qc_book **books;
    mside (*mkt)[2];     /* per symbol: [0] bid, [1] ask */
    double *pos;         /* our position per symbol, from our fills */
    entry *ent;
    uint32_t n_ent, cap_ent, free_ent;
    size_t n_open;       /* entries holding an order: the kernel's `active` */
    action *q;           /* pending actions, FIFO */
    size_t q_head, q_n, q_cap;
    buffered *rep;       /* reports of the current book call */
    size_t n_rep, cap_rep;
    int pumping, draining;
    int64_t now;
    uint64_t mkt_seq;
    int64_t bar_day;     /* UTC day of the bar being traded (bars feed) */
    qc_exchange_stats st;
} exch;

void qc_exchange_opts_init(qc_exchange_opts *o) {
    memset(o, 0, sizeof *o);
    o->name = "EXCH";
    o->feed = QC_EXCH_FEED_BARS;
    o->tick_size = 0.01;
    o->lot_size = 1;
    o->max_price = 10000;
    o->capacity = 65536;
    o->maker_fee = -0.002;
    o->taker_fee = 0.003;
    o->stp = QC_STP_CANCEL_NEWEST;
    o->levels = 5;
    o->spread_bps = 2;
    o->depth_frac = 0.1;
    o->sweep_frac = 1.0;
    o->default_size = 100;
}

/* ---- units ------------------------------------------------------------------------------------ */

static int64_t ticks_down(const exch *v, double px) { return (int64_t)floor(px / v->opt.tick_size + 1e-9); }
static int64_t ticks_up(const exch *v, double px) { return (int64_t)ceil(px / v->opt.tick_size - 1e-9); }
static double price_of(const exch *v, int64_t t) { return (double)t * v->opt.tick_size; }
static int64_t lots_of(const exch *v, double qty) { return (int64_t)floor(qty / v->opt.lot_size + 1e-9); }
static double shares_of(const exch *v, int64_t lots) { return (double)lots * v->opt.lot_size; }

/* ---- book reports ------------------------------------------------------------------------------- */

static void on_report(void *u, const qc_book_report *r);

static int push_report(exch *v, uint32_t s, const qc_book_report *r) {
    if (v->n_rep == v->cap_rep) {
        size_t cap = v->cap_rep ? v->cap_rep * 2 : 256;
        buffered *p = realloc(v->rep, cap * sizeof *p);
        if (!p) return -1;
        v->rep = p;
        v->cap_rep = cap;
    }
    v->rep[v->n_rep].s = s;
    v->rep[v->n_rep].r = *r;
    v->n_rep++;
    return 0;
}

/* The book tells its symbol through the user pointer: books[s] reports with &sym_tag[s]. */
typedef struct {
    exch *v;
    uint32_t s;
} tag;

static void on_report(void *u, const qc_book_report *r) {
    tag *t = u;
    if (push_report(t->v, t->s, r)) t->v->st.lost_reports++; /* out of memory: counted, never silent */
}

static uint64_t book_id(const exch *v, const entry *e) {
    return OURS_BIT | ((uint64_t)(e->gen & 0x3fffffffu) << 32) | (uint64_t)(e - v->ent);
}

static entry *entry_of(exch *v, uint64_t id) {
    if (!(id & OURS_BIT)) return NULL;
    uint32_t i = (uint32_t)(id & 0xffffffffu);
    if (i >= v->n_ent || !v->ent[i].o || book_id(v, &v->ent[i]) != id) return NULL;
    return &v->ent[i];
}

static void sync_active(exch *v) { v->base.active = v->n_open; }

static void entry_free(exch *v, entry *e) {
    e->o = NULL;
    e->handle = 0;
    e->gen++;
    v->n_open--;
    e->next_free = v->free_ent;
    v->free_ent = (uint32_t)(e - v->ent);
}

static void set_status(exch *v, qc_order *o, qc_order_status to) {
    if (qc_order_transition(o, to, v->now, NULL) == QC_OK && v->base.sink.status) v->base.sink.status(v->base.kernel, o);
}

/* The order left the venue for good. */
static void finish(exch *v, entry *e, qc_order_status to) {
    qc_order *o = e->o;
    entry_free(v, e);
    set_status(v, o, to);
}

static void our_fill(exch *v, uint32_t s, entry *e, int64_t px, int64_t lots, int64_t leaves, int maker) {
    qc_order *o = e->o;
    double q = shares_of(v, lots), price = price_of(v, px), fee = maker ? v->opt.maker_fee : v->opt.taker_fee;
    qc_fill f = {o->id, s, o->req.side, q, price, price, v->now, {fee * q, 0, 0, 0}};
    v->pos[s] += o->req.side * q;
    v->st.fills++;
    v->st.shares += q;
    if (maker) v->st.maker_fills++;
    else v->st.taker_fills++;
    if (fee >= 0) v->st.fees_paid += fee * q;
    else v->st.rebates -= fee * q;
    if (v->base.sink.fill) v->base.sink.fill(v->base.kernel, &f);
    if (leaves == 0) {
        finish(v, e, QC_OS_FILLED);
    } else {
        set_status(v, o, QC_OS_PARTIAL);
    }
}

static void our_cancel(exch *v, entry *e, const qc_book_report *r) {
    if (r->reason == QC_BOOK_R_STP) v->st.stp_cancels++;
    if (r->reason == QC_BOOK_R_TRADE_THROUGH) v->st.trade_through_cancels++;
    if (r->leaves > 0) { /* decremented by STP: the order is smaller now */
        e->o->req.qty -= shares_of(v, r->qty);
        return;
    }
    v->st.cancelled++;
    finish(v, e, QC_OS_CANCELLED);
}

static void dispatch(exch *v, uint32_t s, const qc_book_report *r) {
    entry *e = entry_of(v, r->id), *m = entry_of(v, r->maker_id);
    switch (r->type) {
    case QC_BOOK_EV_FILL:
        if (m) our_fill(v, s, m, r->px, r->qty, r->maker_leaves, 1);
        if (e) our_fill(v, s, e, r->px, r->qty, r->leaves, 0);
        break;
    case QC_BOOK_EV_REST:
        if (e) e->handle = r->handle;
        break;
    case QC_BOOK_EV_CANCEL:
        if (e) our_cancel(v, e, r);
        break;
    case QC_BOOK_EV_REJECT:
        if (!e) break;
        if (r->reason == QC_BOOK_R_POST_ONLY) v->st.post_only_rejects++;
        if (e->handle) break; /* a refused replace: the order stays as it was */
        v->st.rejected++;
        finish(v, e, QC_OS_REJECTED);
        break;
    case QC_BOOK_EV_REPLACE:
        break;
    }
}

/* Hands the reports of the last book call to the sink, in order. A sink may call back into the
 * venue (a strategy cancelling from on_fill): book calls made then append their reports, which this
 * same loop hands over after the ones before them; a nested drain returns at once. Each report is
 * copied out first because appending may move the buffer. */
static void drain(exch *v) {
    if (v->draining) return;
    v->draining = 1;
    for (size_t i = 0; i < v->n_rep; i++) {
        buffered b = v->rep[i];
        dispatch(v, b.s, &b.r);
    }
    v->n_rep = 0;
    v->draining = 0;
}

/* ---- our orders at arrival ----------------------------------------------------------------------- */

static qc_book_tif book_tif(qc_tif t) { return t == QC_TIF_IOC ? QC_BOOK_IOC : t == QC_TIF_FOK ? QC_BOOK_FOK : QC_BOOK_GTC; }

/* A cash order's quantity: what the displayed book sells (buys) for the cash, fees included. */
static double cash_qty(exch *v, uint32_t s, const qc_order *o) {
    double px[64], q[64], cash = o->req.cash, got = 0, fee = v->opt.taker_fee > 0 ? v->opt.taker_fee : 0;
    size_t n = qc_exchange_levels(&v->base, s, o->req.side == QC_BUY ? QC_SELL : QC_BUY, 64, px, q);
    if (o->req.type == QC_ORD_LIMIT || n == 0) {
        double p = o->req.type == QC_ORD_LIMIT ? o->req.limit_price : NAN;
        return isfinite(p) && p > 0 ? floor(cash / (p + fee) / v->opt.lot_size) * v->opt.lot_size : 0;
    }
    for (size_t k = 0; k < n && cash > 0; k++) {
        double unit = o->req.side == QC_BUY ? px[k] + fee : px[k], take = fmin(q[k], floor(cash / unit / v->opt.lot_size) * v->opt.lot_size);
        got += take;
        cash -= take * unit;
        if (take < q[k]) break;
    }
    return got;
}

static void arrive_submit(exch *v, entry *e) {
    qc_order *o = e->o;
    uint32_t s = o->req.symbol;
    if (!qc_order_is_open(o) || o->status == QC_OS_PENDING_CANCEL) { /* cancelled on the way */
        if (o->status == QC_OS_PENDING_CANCEL) set_status(v, o, QC_OS_CANCELLED);
        entry_free(v, e);
        return;
    }
    e->arrived = 1;
    if (o->req.cash > 0) {
        o->req.qty = cash_qty(v, s, o);
        o->req.cash = 0;
    }
    if (o->req.reduce_only) {
        double allowed = o->req.side == QC_SELL ? fmax(v->pos[s], 0) : fmax(-v->pos[s], 0);
        o->req.qty = fmin(o->req.qty, allowed);
    }
    qc_book_order b = {book_id(v, e), o->req.side, QC_BOOK_KIND_LIMIT, book_tif(o->req.tif), 0, 0,
                       lots_of(v, o->req.qty), QC_EXCH_OWNER_US, v->opt.stp};
    if (o->req.type == QC_ORD_MARKET) b.kind = QC_BOOK_KIND_MARKET;
    else b.px = o->req.side == QC_BUY ? ticks_down(v, o->req.limit_price) : ticks_up(v, o->req.limit_price);
    if (o->req.flags & QC_ORDF_POST_ONLY) b.flags |= QC_BOOK_POST_ONLY;
    if (o->req.flags & QC_ORDF_ISO) b.flags |= QC_BOOK_ISO;
    if (b.qty <= 0) { /* nothing left to trade (cash too small, reduce-only with no position) */
        v->st.cancelled++;
        finish(v, e, QC_OS_CANCELLED);
        return;
    }
    qc_book_add(v->books[s], &b, NULL);
    drain(v);
}

static void arrive_cancel(exch *v, entry *e) {
    if (!e->arrived) return; /* handled when the submit arrives */
    if (e->handle) qc_book_cancel(v->books[e->o->req.symbol], e->handle);
    drain(v);
}

static void arrive_replace(exch *v, entry *e, double qty, double limit) {
    qc_order *o = e->o;
    if (!e->handle || !qc_order_is_open(o) || o->status == QC_OS_PENDING_CANCEL) return;
    int64_t leaves = lots_of(v, qty - o->filled_qty);
    double lim = limit > 0 ? limit : o->req.limit_price;
    int64_t px = o->req.side == QC_BUY ? ticks_down(v, lim) : ticks_up(v, lim);
    if (leaves <= 0) return;
    qc_order_status back = o->filled_qty > 0 ? QC_OS_PARTIAL : QC_OS_NEW;
    qc_order_req old = o->req;
    o->req.qty = qty;
    o->req.limit_price = lim;
    if (qc_book_replace(v->books[o->req.symbol], e->handle, px, leaves) != QC_BOOK_R_NONE) {
        o->req = old;
        drain(v);
        return;
    }
    if (qc_order_transition(o, QC_OS_REPLACED, v->now, NULL) == QC_OK) qc_order_transition(o, back, v->now, NULL);
    drain(v);
}

/* ---- the action queue ---------------------------------------------------------------------------- */

static qc_err enqueue(exch *v, act_kind k, uint32_t ent, double qty, double limit, qc_error *err) {
    const qc_order *o = v->ent[ent].o;
    if (v->q_n == v->q_cap) {
        size_t cap = v->q_cap ? v->q_cap * 2 : 64;
        action *p = malloc(cap * sizeof *p);
        if (!p) return qc_err_set(err, QC_ERR_NOMEM, "%s: out of memory for pending orders", v->name);
        for (size_t i = 0; i < v->q_n; i++) p[i] = v->q[(v->q_head + i) % v->q_cap];
        free(v->q);
        v->q = p;
        v->q_cap = cap;
        v->q_head = 0;
    }
    v->q[(v->q_head + v->q_n) % v->q_cap] = (action){k, ent, o, v->now + v->opt.latency_ns, qty, limit};
    v->q_n++;
    return QC_OK;
}

static void run_action(exch *v, const action *a) {
    entry *e = &v->ent[a->entry];
    if (e->o != a->o) return; /* the order ended meanwhile */
    if (a->kind == ACT_SUBMIT) arrive_submit(v, e);
    else if (a->kind == ACT_CANCEL) arrive_cancel(v, e);
    else arrive_replace(v, e, a->qty, a->limit);
}

/* Runs the queued actions due by ts (of symbol s only when s != UINT32_MAX), in order; actions a
 * sink queues meanwhile run in the same loop when due. */
static void pump(exch *v, int64_t ts, uint32_t s) {
    if (v->pumping) return;
    v->pumping = 1;
    size_t i = 0;
    while (i < v->q_n) {
        action *a = &v->q[(v->q_head + i) % v->q_cap];
        if (a->eff_ts > ts) break; /* constant latency: later entries are due later */
        uint32_t as = a->o->req.symbol;
        if (s != UINT32_MAX && as != s) {
            i++;
            continue;
        }
        action run = *a;
        for (size_t j = i; j > 0; j--) /* drop it, keeping the order of the others */
            v->q[(v->q_head + j) % v->q_cap] = v->q[(v->q_head + j - 1) % v->q_cap];
        v->q_head = (v->q_head + 1) % v->q_cap;
        v->q_n--;
        run_action(v, &run);
    }
    v->pumping = 0;
    sync_active(v);
}

/* ---- venue interface ----------------------------------------------------------------------------- */

static qc_err take_entry(exch *v, qc_order *o, uint32_t *out, qc_error *err) {
    if (v->free_ent == UINT32_MAX) {
        if (v->n_ent == v->cap_ent) {
            uint32_t cap = v->cap_ent ? v->cap_ent * 2 : 64;
            entry *p = realloc(v->ent, cap * sizeof *p);
            if (!p) return qc_err_set(err, QC_ERR_NOMEM, "%s: out of memory for orders", v->name);
            v->ent = p;
            v->cap_ent = cap;
        }
        v->ent[v->n_ent].next_free = UINT32_MAX;
        v->ent[v->n_ent].gen = 0;
        v->free_ent = v->n_ent++;
    }
    uint32_t i = v->free_ent;
    v->free_ent = v->ent[i].next_free;
    v->ent[i] = (entry){o, 0, -1, UINT32_MAX, v->ent[i].gen, 0};
    v->n_open++;
    *out = i;
    return QC_OK;
}

/* O(open orders): the venue is a simulator around the O(1) book; a kernel's cancel is rare next
 * to book traffic. */
static entry *find_entry(exch *v, const qc_order *o) {
    for (uint32_t i = 0; i < v->n_ent; i++)
        if (v->ent[i].o == o) return &v->ent[i];
    return NULL;
}

static int immediate(const exch *v) { return v->opt.feed == QC_EXCH_FEED_TICKS; }

static qc_err x_submit(qc_venue *base, qc_order *o, qc_error *err) {
    exch *v = (exch *)base;
    qc_err rc = QC_OK;
    if (o->req.symbol >= v->n_sym) rc = qc_err_set(err, QC_ERR_EXECUTION, "%s: unknown symbol index %u", v->name, o->req.symbol);
    else if (o->req.type == QC_ORD_STOP || o->req.type == QC_ORD_STOP_LIMIT)
        rc = qc_err_set(err, QC_ERR_EXECUTION, "%s: order %llu: stop orders are not taken (no stop book)", v->name,
                        (unsigned long long)o->id);
    else if (o->req.type == QC_ORD_LIMIT && !(o->req.limit_price <= v->opt.max_price))
        rc = qc_err_set(err, QC_ERR_EXECUTION, "%s: order %llu: limit %g outside the price band [0, %g]", v->name,
                        (unsigned long long)o->id, o->req.limit_price, v->opt.max_price);
    if (rc) {
        v->st.rejected++;
        set_status(v, o, QC_OS_REJECTED);
        return rc;
    }
    if (o->created_ts > v->now) v->now = o->created_ts;
    uint32_t ei;
    rc = take_entry(v, o, &ei, err);
    if (!rc) rc = qc_order_transition(o, QC_OS_NEW, v->now, err); /* accepted at the gateway */
    if (!rc) rc = enqueue(v, ACT_SUBMIT, ei, 0, 0, err);
    if (rc) {
        entry_free(v, &v->ent[ei]);
        set_status(v, o, QC_OS_REJECTED);
        return rc;
    }
    v->st.submitted++;
    if (immediate(v)) pump(v, v->now, UINT32_MAX);
    sync_active(v);
    return QC_OK;
}

static qc_err x_cancel(qc_venue *base, qc_order *o, qc_error *err) {
    exch *v = (exch *)base;
    entry *e = find_entry(v, o);
    if (!e) return qc_err_set(err, QC_ERR_EXECUTION, "%s: cancel: order %llu is not open here", v->name,
                              (unsigned long long)o->id);
    qc_err rc = qc_order_transition(o, QC_OS_PENDING_CANCEL, v->now, err);
    if (!rc) rc = enqueue(v, ACT_CANCEL, (uint32_t)(e - v->ent), 0, 0, err);
    if (!rc && immediate(v)) pump(v, v->now, UINT32_MAX);
    return rc;
}

static qc_err x_replace(qc_venue *base, qc_order *o, double qty, double limit, double stop, qc_error *err) {
    exch *v = (exch *)base;
    (void)stop;
    entry *e = find_entry(v, o);
    if (!e || o->req.type != QC_ORD_LIMIT || o->req.cash > 0)
        return qc_err_set(err, QC_ERR_EXECUTION, "%s: replace: order %llu is not an open limit order here", v->name,
                          (unsigned long long)o->id);
    if (!(qty > o->filled_qty) || !(limit >= 0) || limit > v->opt.max_price)
        return qc_err_set(err, QC_ERR_EXECUTION, "%s: replace: quantity must exceed the filled %g and the limit lie in the band",
                          v->name, o->filled_qty);
    qc_err rc = enqueue(v, ACT_REPLACE, (uint32_t)(e - v->ent), qty, limit, err);
    if (!rc && immediate(v)) pump(v, v->now, UINT32_MAX);
    return rc;
}

/* ---- bars: the synthetic book -------------------------------------------------------------------- */

static void market_clear(exch *v, uint32_t s, int side) {
    mside *m = &v->mkt[s][side];
    for (size_t k = 0; k < m->n; k++) qc_book_cancel(v->books[s], m->h[k]);
    m->n = 0;
    m->quote_px = 0;
    drain(v);
}

/* Adds a market order (resting remainder remembered for clearing). */
static void market_add(exch *v, uint32_t s, int side, qc_book_kind kind, qc_book_tif tif, int64_t px, int64_t lots,
                       qc_stp_mode stp) {
    qc_book_order o = {MKT_BIT | ++v->mkt_seq, side, kind, tif, QC_BOOK_ISO, px, lots, QC_EXCH_OWNER_MARKET, stp};
    uint64_t h = 0;
    if (px < qc_book_min_px(v->books[s]) || px > qc_book_max_px(v->books[s])) return;
    qc_book_add(v->books[s], &o, &h);
    mside *m = &v->mkt[s][side > 0 ? 0 : 1];
    if (h && m->n < 64) m->h[m->n++] = h;
    else if (h) qc_book_cancel(v->books[s], h);
    drain(v);
}

static void ladder(exch *v, uint32_t s, double open, double volume) {
    double shown = isfinite(volume) && volume > 0 ? v->opt.depth_frac * volume : v->opt.default_size * v->opt.levels;
    int levels = v->opt.levels > 0 ? (v->opt.levels < 32 ? v->opt.levels : 32) : 1;
    int64_t lots = lots_of(v, shown / levels);
    if (lots < 1) lots = 1;
    double half = open * v->opt.spread_bps / 2e4;
    int64_t bid = ticks_down(v, open - half), ask = ticks_up(v, open + half);
    if (ask <= bid) ask = bid + 1;
    for (int k = 0; k < levels; k++) {
        market_add(v, s, 1, QC_BOOK_KIND_LIMIT, QC_BOOK_GTC, bid - k, lots, QC_STP_CANCEL_OLDEST);
        market_add(v, s, -1, QC_BOOK_KIND_LIMIT, QC_BOOK_GTC, ask + k, lots, QC_STP_CANCEL_OLDEST);
    }
}

/* The bar's flow toward its low (side -1) or high (+1): trades our resting orders at their prices. */
static void sweep(exch *v, uint32_t s, int side, double to, double volume) {
    int64_t lots = isfinite(volume) && volume > 0 ? lots_of(v, v->opt.sweep_frac * volume) : INT64_MAX / 4;
    if (lots < 1) return;
    int64_t px = side > 0 ? ticks_down(v, to) : ticks_up(v, to);
    if (px < qc_book_min_px(v->books[s])) px = qc_book_min_px(v->books[s]);
    if (px > qc_book_max_px(v->books[s])) px = qc_book_max_px(v->books[s]);
    qc_book_order o = {MKT_BIT | ++v->mkt_seq, side, QC_BOOK_KIND_LIMIT, QC_BOOK_IOC, QC_BOOK_ISO, px, lots,
                       QC_EXCH_OWNER_MARKET, QC_STP_CANCEL_OLDEST};
    qc_book_add(v->books[s], &o, NULL);
    drain(v);
}

static int64_t utc_day(int64_t ts) { return ts >= 0 ? ts / QC_NS_DAY : -((-ts - 1) / QC_NS_DAY) - 1; }

/* DAY orders that just arrived belong to the current bar's day. */
static void mark_day(exch *v, uint32_t s) {
    for (uint32_t k = 0; k < v->n_ent; k++)
        if (v->ent[k].o && v->ent[k].arrived && v->ent[k].day < 0 && v->ent[k].o->req.symbol == s)
            v->ent[k].day = v->bar_day;
}

/* DAY orders resting from an earlier UTC day's bar expire before the new bar trades. */
static void expire_day(exch *v, uint32_t s, int64_t day) {
    for (uint32_t i = 0; i < v->n_ent; i++) {
        entry *e = &v->ent[i];
        if (!e->o || e->o->req.symbol != s || !e->arrived) continue;
        if (e->o->req.tif != QC_TIF_DAY) continue;
        if (e->day < 0) e->day = day;
        if (day <= e->day) continue;
        if (e->handle) {
            qc_book_cancel(v->books[s], e->handle);
            v->n_rep = 0; /* its one report, a cancel: the status says expired instead */
        }
        v->st.expired++;
        finish(v, e, QC_OS_EXPIRED);
    }
}

/* The bar's open: DAY expiry, the ladder, and our orders that arrived since the last bar. */
void qc_exchange_bar_open(qc_venue *base, uint32_t s, const qc_bars *h, size_t i) {
    exch *v = (exch *)base;
    if (s >= v->n_sym) return;
    int close_only = (h->flags[i] & QC_BAR_CLOSE_ONLY) != 0;
    double open = close_only ? h->close[i] : h->open[i], vol = h->volume[i];
    int64_t open_ts = h->open_ts[i] < h->ts[i] ? h->open_ts[i] : h->ts[i];
    if (h->ts[i] > v->now) v->now = h->ts[i]; /* fills are stamped when the bar is known, like the bar venue's */
    v->bar_day = utc_day(open_ts);
    expire_day(v, s, v->bar_day);
    ladder(v, s, open, vol);
    pump(v, open_ts, s); /* what arrived since the last bar trades against the open */
    mark_day(v, s);
}

/* The rest of the bar: the sweeps toward its low and high, then the ladder is withdrawn. */
void qc_exchange_bar_close(qc_venue *base, uint32_t s, const qc_bars *h, size_t i) {
    exch *v = (exch *)base;
    if (s >= v->n_sym) return;
    int close_only = (h->flags[i] & QC_BAR_CLOSE_ONLY) != 0;
    double open = close_only ? h->close[i] : h->open[i], vol = h->volume[i];
    int low_first = h->close[i] >= open;
    sweep(v, s, low_first ? -1 : 1, low_first ? h->low[i] : h->high[i], vol);
    sweep(v, s, low_first ? 1 : -1, low_first ? h->high[i] : h->low[i], vol);
    market_clear(v, s, 0);
    market_clear(v, s, 1);
    sync_active(v);
}

void qc_exchange_flush(qc_venue *base, uint32_t s) {
    exch *v = (exch *)base;
    pump(v, INT64_MAX, s);
    mark_day(v, s);
}

static void x_on_bar(qc_venue *base, uint32_t s, const qc_bars *h, size_t i) {
    qc_exchange_bar_open(base, s, h, i);
    qc_exchange_bar_close(base, s, h, i);
}

static void x_on_event_end(qc_venue *base, int64_t ts) {
    exch *v = (exch *)base;
    if (ts > v->now) v->now = ts;
}

static const qc_venue_vt k_exch_vt = {x_submit, x_cancel, x_replace, x_on_bar, x_on_event_end, NULL};

/* ---- ticks ----------------------------------------------------------------------------------------- */

void qc_exchange_advance(qc_venue *base, int64_t ts) {
    exch *v = (exch *)base;
    if (ts > v->now) v->now = ts;
    pump(v, v->now, UINT32_MAX);
}

int64_t qc_exchange_now(const qc_venue *base) { return ((const exch *)base)->now; }

/* One side of a new quote: same price and no more size keeps the displayed order's place. */
static void quote_side(exch *v, uint32_t s, int side, double price, double size) {
    mside *m = &v->mkt[s][side > 0 ? 0 : 1];
    int64_t px = side > 0 ? ticks_down(v, price) : ticks_up(v, price), lots = lots_of(v, size);
    int ok = isfinite(price) && price > 0 && lots > 0;
    if (ok && m->n == 1 && m->quote_px == px) {
        int64_t have = 0;
        if (qc_book_order_info(v->books[s], m->h[0], NULL, NULL, &have) && lots <= have) {
            qc_book_replace(v->books[s], m->h[0], px, lots);
            drain(v);
            return;
        }
    }
    market_clear(v, s, side > 0 ? 0 : 1);
    if (!ok) return;
    market_add(v, s, side, QC_BOOK_KIND_LIMIT, QC_BOOK_GTC, px, lots, QC_STP_CANCEL_OLDEST);
    m->quote_px = px;
}

qc_err qc_exchange_on_quote(qc_venue *base, uint32_t s, const qc_quote *q, qc_error *err) {
    exch *v = (exch *)base;
    if (s >= v->n_sym) return qc_err_set(err, QC_ERR_INPUT, "%s: quote for unknown symbol index %u", v->name, s);
    qc_exchange_advance(base, q->ts);
    quote_side(v, s, 1, q->bid, q->bid_size);
    quote_side(v, s, -1, q->ask, q->ask_size);
    sync_active(v);
    return QC_OK;
}

qc_err qc_exchange_on_trade(qc_venue *base, uint32_t s, const qc_trade *t, qc_error *err) {
    exch *v = (exch *)base;
    if (s >= v->n_sym) return qc_err_set(err, QC_ERR_INPUT, "%s: trade for unknown symbol index %u", v->name, s);
    qc_exchange_advance(base, t->ts);
    int64_t lots = lots_of(v, t->size);
    if (t->aggressor == 0 || lots <= 0 || !(t->price > 0)) return QC_OK;
    int64_t px = t->aggressor > 0 ? ticks_down(v, t->price) : ticks_up(v, t->price);
    if (px < qc_book_min_px(v->books[s]) || px > qc_book_max_px(v->books[s])) return QC_OK;
    /* stops at the market's own displayed liquidity: we fill only when ahead of it */
    qc_book_order o = {MKT_BIT | ++v->mkt_seq, t->aggressor > 0 ? 1 : -1, QC_BOOK_KIND_LIMIT, QC_BOOK_IOC, QC_BOOK_ISO,
                       px, lots, QC_EXCH_OWNER_MARKET, QC_STP_CANCEL_NEWEST};
    qc_book_add(v->books[s], &o, NULL);
    drain(v);
    sync_active(v);
    return QC_OK;
}

/* ---- other participants and queries ------------------------------------------------------------------ */

qc_book_reason qc_exchange_post(qc_venue *base, uint32_t s, qc_side side, double price, double qty, uint32_t owner,
                                uint64_t *handle) {
    exch *v = (exch *)base;
    if (handle) *handle = 0;
    if (s >= v->n_sym || owner == 0 || owner == QC_EXCH_OWNER_US) return QC_BOOK_R_PARAMS;
    qc_book_order o = {MKT_BIT | ++v->mkt_seq, side, QC_BOOK_KIND_LIMIT, QC_BOOK_GTC, QC_BOOK_ISO,
                       side == QC_BUY ? ticks_down(v, price) : ticks_up(v, price), lots_of(v, qty), owner,
                       QC_STP_CANCEL_OLDEST};
    qc_book_reason r = qc_book_add(v->books[s], &o, handle);
    drain(v);
    sync_active(v);
    return r;
}

qc_book_reason qc_exchange_pull(qc_venue *base, uint32_t s, uint64_t handle) {
    exch *v = (exch *)base;
    if (s >= v->n_sym) return QC_BOOK_R_PARAMS;
    qc_book_reason r = qc_book_cancel(v->books[s], handle);
    drain(v);
    return r;
}

qc_book_reason qc_exchange_take(qc_venue *base, uint32_t s, qc_side side, double price, double qty, uint32_t owner) {
    exch *v = (exch *)base;
    if (s >= v->n_sym || owner == 0 || owner == QC_EXCH_OWNER_US) return QC_BOOK_R_PARAMS;
    int mkt = !isfinite(price);
    qc_book_order o = {MKT_BIT | ++v->mkt_seq, side, mkt ? QC_BOOK_KIND_MARKET : QC_BOOK_KIND_LIMIT, QC_BOOK_IOC,
                       QC_BOOK_ISO, mkt ? 0 : side == QC_BUY ? ticks_down(v, price) : ticks_up(v, price),
                       lots_of(v, qty), owner, QC_STP_CANCEL_OLDEST};
    qc_book_reason r = qc_book_add(v->books[s], &o, NULL);
    drain(v);
    sync_active(v);
    return r;
}

void qc_exchange_set_away(qc_venue *base, uint32_t s, double bid, double ask) {
    exch *v = (exch *)base;
    if (s >= v->n_sym) return;
    qc_book_set_away(v->books[s], isfinite(bid) ? ticks_down(v, bid) : QC_BOOK_NO_BID,
                     isfinite(ask) ? ticks_up(v, ask) : QC_BOOK_NO_ASK);
}

void qc_exchange_get_top(const qc_venue *base, uint32_t s, qc_exchange_top *out) {
    const exch *v = (const exch *)base;
    *out = (qc_exchange_top){NAN, 0, NAN, 0};
    if (s >= v->n_sym) return;
    int64_t b = qc_book_best_bid(v->books[s]), a = qc_book_best_ask(v->books[s]);
    if (b != QC_BOOK_NO_BID) out->bid = price_of(v, b), out->bid_size = shares_of(v, qc_book_depth(v->books[s], 1, b, NULL));
    if (a != QC_BOOK_NO_ASK) out->ask = price_of(v, a), out->ask_size = shares_of(v, qc_book_depth(v->books[s], -1, a, NULL));
}

size_t qc_exchange_levels(const qc_venue *base, uint32_t s, qc_side side, size_t n, double *px, double *qty) {
    const exch *v = (const exch *)base;
    if (s >= v->n_sym) return 0;
    int64_t p[64], q[64];
    size_t k = qc_book_levels(v->books[s], side, n < 64 ? n : 64, p, q);
    for (size_t j = 0; j < k; j++) px[j] = price_of(v, p[j]), qty[j] = shares_of(v, q[j]);
    return k;
}

const qc_book *qc_exchange_book(const qc_venue *base, uint32_t s) {
    const exch *v = (const exch *)base;
    return s < v->n_sym ? v->books[s] : NULL;
}

const qc_exchange_opts *qc_exchange_venue_opts(const qc_venue *base) { return &((const exch *)base)->opt; }
const qc_exchange_stats *qc_exchange_venue_stats(const qc_venue *base) { return &((const exch *)base)->st; }

/* ---- lifecycle ------------------------------------------------------------------------------------ */

typedef struct {
    exch v;
    tag tags[];
} exch_block;

qc_err qc_exchange_venue_new(const qc_exchange_opts *o, size_t n_symbols, qc_venue **out, qc_error *err) {
    *out = NULL;
    if (!(o->tick_size > 0) || !(o->lot_size > 0) || !(o->max_price > o->tick_size) ||
        o->max_price / o->tick_size >= (double)(1 << 26) || o->latency_ns < 0 || o->capacity == 0)
        return qc_err_set(err, QC_ERR_INPUT, "exchange venue: tick %g, lot %g, max price %g (at most 2^26 ticks), latency "
                          ">= 0 and a capacity are needed", o->tick_size, o->lot_size, o->max_price);
    size_t n = n_symbols ? n_symbols : 1;
    exch_block *blk = calloc(1, sizeof *blk + n * sizeof(tag));
    if (!blk) return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    exch *v = &blk->v;
    v->base.vt = &k_exch_vt;
    v->opt = *o;
    snprintf(v->name, sizeof v->name, "%s", o->name ? o->name : "EXCH");
    v->opt.name = v->name;
    v->n_sym = n_symbols;
    v->free_ent = UINT32_MAX;
    v->books = calloc(n, sizeof *v->books);
    v->mkt = calloc(n, sizeof *v->mkt);
    v->pos = calloc(n, sizeof *v->pos);
    v->cap_rep = 1024; /* grows only when one book call reports more than this */
    v->rep = malloc(v->cap_rep * sizeof *v->rep);
    qc_err rc = (!v->books || !v->mkt || !v->pos || !v->rep) ? qc_err_set(err, QC_ERR_NOMEM, "out of memory") : QC_OK;
    qc_book_opts bo = {0, ticks_up(v, o->max_price), o->capacity, {0}};
    for (size_t s = 0; !rc && s < n_symbols; s++) {
        blk->tags[s] = (tag){v, (uint32_t)s};
        rc = qc_book_new(&bo, on_report, &blk->tags[s], &v->books[s], err);
    }
    if (rc) {
        qc_exchange_venue_free(&v->base);
        return rc;
    }
    *out = &v->base;
    return QC_OK;
}

void qc_exchange_venue_free(qc_venue *base) {
    exch *v = (exch *)base;
    if (!v) return;
    for (size_t s = 0; v->books && s < v->n_sym; s++) qc_book_free(v->books[s]);
    free(v->books);
    free(v->mkt);
    free(v->pos);
    free(v->ent);
    free(v->q);
    free(v->rep);
    free(v);
}
