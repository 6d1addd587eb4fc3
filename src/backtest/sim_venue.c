/* sim_venue.c: the simulated venue (rules in sim_venue.h). Per symbol it keeps the open orders in
 * submission order; a bar with no open orders costs one compare. Positions are tracked here too,
 * from the venue's own fills, for reduce-only orders. */
#include "backtest/sim_venue.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/fminmax.h"

typedef struct {
    qc_order **o;
    size_t n, cap;
} book;

typedef struct {
    qc_venue base;
    qc_sim_opts opt;
    size_t n_sym;
    book *books;      /* resting orders per symbol */
    uint8_t *busy;    /* books[s].n != 0 (qc_venue.busy) */
    book close_q;     /* close mode: market orders to fill at this event's close */
    double *pos;
    size_t resting;   /* orders in the symbol books */
    qc_sim_stats st;
} sim;

void qc_sim_opts_init(qc_sim_opts *o) {
    memset(o, 0, sizeof *o);
    o->fill = QC_FILL_NEXT_OPEN;
    o->participation = 1.0;
    qc_cost_model_init(&o->costs);
    o->interval_s = 86400;
}

static qc_err book_push(book *b, qc_order *o, qc_error *err) {
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 8;
        qc_order **q = realloc(b->o, cap * sizeof *q);
        if (!q) return qc_err_set(err, QC_ERR_NOMEM, "out of memory for resting orders");
        b->o = q;
        b->cap = cap;
    }
    b->o[b->n++] = o;
    return QC_OK;
}

/* Drops orders that are no longer open; returns how many. */
static size_t book_remove_closed(book *b) {
    size_t k = 0, n = b->n;
    for (size_t i = 0; i < n; i++)
        if (qc_order_is_open(b->o[i])) b->o[k++] = b->o[i];
    b->n = k;
    return n - k;
}

/* A symbol book gained an order (or failed to). */
static qc_err rest(sim *v, uint32_t s, qc_order *o, qc_error *err) {
    qc_err rc = book_push(&v->books[s], o, err);
    v->resting += !rc;
    v->busy[s] = v->books[s].n != 0;
    return rc;
}

/* Tells the kernel whether bars and event ends still matter to this venue. */
static void sync_active(sim *v) { v->base.active = v->resting + v->close_q.n; }

static void set_status(sim *v, qc_order *o, qc_order_status to, int64_t ts) {
    if (qc_order_transition(o, to, ts, NULL) == QC_OK && v->base.sink.status) v->base.sink.status(v->base.kernel, o);
}

/* ---- venue interface -------------------------------------------------------------------------- */

static qc_err v_submit(qc_venue *base, qc_order *o, qc_error *err) {
    sim *v = (sim *)base;
    if (o->req.tif == QC_TIF_FOK || o->req.flags) { /* no book here to decide them against */
        set_status(v, o, QC_OS_REJECTED, o->created_ts);
        v->st.rejected++;
        return qc_err_set(err, QC_ERR_EXECUTION, "order %llu: the bar venue takes no FOK, post-only or ISO orders "
                          "(use the exchange venue)", (unsigned long long)o->id);
    }
    qc_err rc = qc_order_transition(o, QC_OS_NEW, o->created_ts, err);
    if (rc) return rc;
    int at_close = v->opt.fill == QC_FILL_CLOSE && o->req.type == QC_ORD_MARKET;
    rc = at_close ? book_push(&v->close_q, o, err) : rest(v, o->req.symbol, o, err);
    if (rc) set_status(v, o, QC_OS_REJECTED, o->created_ts);
    sync_active(v);
    return rc;
}

static qc_err v_cancel(qc_venue *base, qc_order *o, qc_error *err) {
    sim *v = (sim *)base;
    qc_err rc = qc_order_transition(o, QC_OS_CANCELLED, o->updated_ts, err);
    if (!rc) {
        v->st.cancelled++;
        v->resting -= book_remove_closed(&v->books[o->req.symbol]);
        v->busy[o->req.symbol] = v->books[o->req.symbol].n != 0;
        book_remove_closed(&v->close_q);
        sync_active(v);
    }
    return rc;
}

static qc_err v_replace(qc_venue *base, qc_order *o, double qty, double limit, double stop, qc_error *err) {
    (void)base;
    if (!(qty > o->filled_qty) || o->req.cash > 0)
        return qc_err_set(err, QC_ERR_EXECUTION, "replace: new quantity must exceed the filled %g (and not a cash order)",
                          o->filled_qty);
    qc_order_req r = o->req;
    r.qty = qty;
    if (limit > 0) r.limit_price = limit;
    if (stop > 0) r.stop_price = stop;
    qc_err rc = qc_order_req_check(&r, err);
    if (!rc) rc = qc_order_transition(o, QC_OS_REPLACED, o->updated_ts, err);
    if (rc) return rc;
    o->req = r;
    return qc_order_transition(o, o->filled_qty > 0 ? QC_OS_PARTIAL : QC_OS_NEW, o->updated_ts, err);
}

/* ---- matching --------------------------------------------------------------------------------- */

/* Reference price at which o would fill on bar i, or NaN. Updates stop triggers. */
static double fill_ref(sim *v, qc_order *o, const qc_bars *h, size_t i) {
    int buy = o->req.side == QC_BUY, close_only = (h->flags[i] & QC_BAR_CLOSE_ONLY) != 0;
    double open = close_only ? h->close[i] : h->open[i], hi = h->high[i], lo = h->low[i];
    double L = o->req.limit_price, S = o->req.stop_price;
    switch (o->req.type) {
    case QC_ORD_MARKET:
        return v->opt.fill == QC_FILL_CLOSE ? h->close[i] : open;
    case QC_ORD_LIMIT:
        return (buy ? lo <= L : hi >= L) ? L : NAN;
    case QC_ORD_STOP:
        if (!(buy ? hi >= S : lo <= S)) return NAN;
        o->stop_triggered = 1;
        return buy ? fmax(S, open) : fmin(S, open);
    case QC_ORD_STOP_LIMIT:
        if (!o->stop_triggered) {
            if (!(buy ? hi >= S : lo <= S)) return NAN;
            o->stop_triggered = 1;
            double t = buy ? fmax(S, open) : fmin(S, open);
            if (buy ? t <= L : t >= L) return t;
        }
        return (buy ? lo <= L : hi >= L) ? L : NAN; /* resting as a limit */
    }
    return NAN;
}

/* Quantity a cash order buys at exec price: cash / (price * (1 + commission rate)). */
static double cash_qty(const sim *v, const qc_order *o, double ref, const qc_bars *h, size_t ci) {
    double rate = qc_cost_commission_rate(&v->opt.costs), q = o->req.cash / (ref * (1 + rate)), prev = q;
    int settles = v->opt.costs.impact_k > 0; /* without impact the price does not depend on the size */
    for (int it = 0; it < 3; it++) { /* impact grows with size: settle the price */
        qc_costs c;
        double px = qc_cost_apply(&v->opt.costs, o->req.side, prev, ref, h, ci, &c);
        q = o->req.cash / (px * (1 + rate));
        if (q > prev) q = prev;
        prev = q;
        if (!settles && q > 0) break; /* the next steps would give px and q again */
    }
    if (v->opt.integer_shares) q = floor(q);
    /* The account will take q * px + commission from the cash; rounding in the division above can
     * make that exceed the cash by an ulp or two: step q down until it does not. */
    for (int it = 0; it < 64 && q > 0; it++) {
        qc_costs c;
        double px = qc_cost_apply(&v->opt.costs, o->req.side, q, ref, h, ci, &c);
        if (o->req.cash - (q * px + c.commission) >= 0) break;
        q = v->opt.integer_shares ? q - 1 : q * (1 - 0x1p-50);
    }
    return q;
}

/* Fills up to *cap shares of o at ref; returns 1 if anything filled. */
static int fill_order(sim *v, qc_order *o, double ref, const qc_bars *h, size_t i, size_t ci, double *cap) {
    uint32_t s = o->req.symbol;
    if (o->req.cash > 0) { /* resolve a cash order into shares at its first fill */
        o->req.qty = cash_qty(v, o, ref, h, ci);
        o->req.cash = 0;
        if (!(o->req.qty > 0)) {
            set_status(v, o, QC_OS_CANCELLED, h->ts[i]);
            v->st.cancelled++;
            return 0;
        }
    }
    double want = o->req.qty - o->filled_qty;
    if (o->req.reduce_only) {
        double allowed = o->req.side == QC_SELL ? qc_fmax(v->pos[s], 0) : qc_fmax(-v->pos[s], 0);
        if (allowed <= 0) {
            set_status(v, o, QC_OS_CANCELLED, h->ts[i]);
            v->st.cancelled++;
            return 0;
        }
        want = qc_fmin(want, allowed);
    }
    double q = qc_fmin(want, *cap);
    if (!(q > 0)) return 0;
    qc_fill f = {o->id, s, o->req.side, q, 0, ref, h->ts[i], {0, 0, 0, 0}};
    f.price = qc_cost_apply(&v->opt.costs, o->req.side, q, ref, h, ci, &f.costs);
    *cap -= q;
    v->pos[s] += o->req.side * q;
    v->st.fills++;
    v->base.sink.fill(v->base.kernel, &f);
    int done = o->filled_qty >= o->req.qty * (1 - 1e-12) || (o->req.reduce_only && v->pos[s] == 0);
    if (!done) v->st.partial_fills++;
    set_status(v, o, done ? QC_OS_FILLED : QC_OS_PARTIAL, h->ts[i]);
    return 1;
}

static int is_stop(const qc_order *o) { return o->req.type == QC_ORD_STOP || o->req.type == QC_ORD_STOP_LIMIT; }

/* The matching pass an order belongs to: 0 market, 1 stop (or stop-limit), 2 limit. */
static int order_class(const qc_order *o) { return o->req.type == QC_ORD_MARKET ? 0 : is_stop(o) ? 1 : 2; }

/* Counts bars where a stop and a limit of the symbol could both fill (the pessimistic-path case). */
static void count_both(sim *v, const book *b, const qc_bars *h, size_t i) {
    int stop_hit = 0, limit_hit = 0;
    double hi = h->high[i], lo = h->low[i];
    for (size_t k = 0; k < b->n; k++) {
        const qc_order *o = b->o[k];
        int buy = o->req.side == QC_BUY;
        if (is_stop(o) && !o->stop_triggered) stop_hit |= buy ? hi >= o->req.stop_price : lo <= o->req.stop_price;
        if (o->req.type == QC_ORD_LIMIT) limit_hit |= buy ? lo <= o->req.limit_price : hi >= o->req.limit_price;
    }
    if (stop_hit && limit_hit) v->st.stop_and_target_bars++;
}

static int64_t session_end(const sim *v, int64_t ts) {
    if (!v->opt.cal || v->opt.interval_s >= 86400) return ts; /* daily bars: the bar is the session */
    int64_t day = qc_calendar_local_day(v->opt.cal, ts - 1), o, c;
    if (!qc_calendar_session(v->opt.cal, day, &o, &c)) c = qc_calendar_regular_close(v->opt.cal, day);
    return c;
}

/* After matching: IOC remainders are cancelled, DAY orders past their session expire. */
static void age_orders(sim *v, book *b, const qc_bars *h, size_t i) {
    for (size_t k = 0; k < b->n; k++) {
        qc_order *o = b->o[k];
        if (!qc_order_is_open(o)) continue;
        if (o->req.tif == QC_TIF_IOC) {
            set_status(v, o, QC_OS_CANCELLED, h->ts[i]);
            v->st.cancelled++;
        } else if (o->req.tif == QC_TIF_DAY) {
            if (!o->expire_ts) o->expire_ts = session_end(v, h->ts[i]);
            if (h->ts[i] >= o->expire_ts) {
                set_status(v, o, QC_OS_EXPIRED, h->ts[i]);
                v->st.expired++;
            }
        }
    }
}

static void v_on_bar(qc_venue *base, uint32_t s, const qc_bars *h, size_t i) {
    sim *v = (sim *)base;
    book *b = &v->books[s];
    if (b->n == 0) return;
    double vol = h->volume[i];
    double cap = v->opt.participation > 0 && isfinite(vol) && vol > 0 ? v->opt.participation * vol : INFINITY;
    unsigned kinds = 0; /* bit c: the book holds an order of class c (0 market, 1 stop, 2 limit) */
    for (size_t k = 0; k < b->n; k++) kinds |= 1u << order_class(b->o[k]);
    if ((kinds & 6u) == 6u) count_both(v, b, h, i); /* a stop and a limit: both could fill */
    size_t ci = v->opt.fill == QC_FILL_CLOSE || i == 0 ? i : i - 1; /* history known at the fill */
    for (int pass = 0; pass < 3; pass++) { /* market, then stops, then limits: the pessimistic path */
        if (!(kinds >> pass & 1u)) continue; /* no order of this class (fills add none to the book) */
        for (size_t k = 0; k < b->n; k++) {
            qc_order *o = b->o[k];
            int cls = order_class(o);
            if (cls != pass || !qc_order_is_open(o) || o->created_ts >= h->ts[i]) continue;
            double ref = fill_ref(v, o, h, i);
            if (isfinite(ref)) fill_order(v, o, ref, h, i, o->req.type == QC_ORD_MARKET ? ci : i, &cap);
        }
    }
    age_orders(v, b, h, i);
    v->resting -= book_remove_closed(b);
    v->busy[s] = b->n != 0;
    sync_active(v);
}

/* Close mode: market orders submitted at this event fill at this bar's close; a symbol without a
 * bar now keeps its order for its next bar's close. */
static void v_on_event_end(qc_venue *base, int64_t ts) {
    sim *v = (sim *)base;
    if (v->close_q.n == 0) return;
    for (size_t k = 0; k < v->close_q.n; k++) {
        qc_order *o = v->close_q.o[k];
        uint32_t s = o->req.symbol;
        if (!qc_order_is_open(o)) continue;
        const qc_bar_view *w = &v->base.views[s];
        size_t wn = qc_venue_view_n(&v->base, s), i = wn ? wn - 1 : 0;
        if (!w->src || !wn || w->src->ts[i] != ts) { /* no bar of s at this event */
            rest(v, s, o, NULL);
            continue;
        }
        const qc_bars *h = w->src;
        double cap = INFINITY, vol = h->volume[i];
        if (v->opt.participation > 0 && isfinite(vol) && vol > 0) cap = v->opt.participation * vol;
        fill_order(v, o, h->close[i], h, i, i, &cap);
        if (qc_order_is_open(o)) {
            if (o->req.tif == QC_TIF_IOC) set_status(v, o, QC_OS_CANCELLED, ts);
            else rest(v, s, o, NULL);
        }
    }
    v->close_q.n = 0;
    sync_active(v);
}

/* What v_on_bar reads first for symbol s at bar i: its book, the first order in it, the bar. */
static void v_warm(qc_venue *base, uint32_t s, const qc_bars *h, size_t i) {
    const sim *v = (const sim *)base;
    const book *b = &v->books[s];
    if (b->n) {
        const char *o = (const char *)b->o[0];
        __builtin_prefetch(o);
        __builtin_prefetch(o + 64);
    }
    __builtin_prefetch(&h->ts[i]);
    __builtin_prefetch(&h->open[i]);
    __builtin_prefetch(&h->high[i]);
    __builtin_prefetch(&h->low[i]);
    __builtin_prefetch(&h->volume[i]);
}

static const qc_venue_vt k_sim_vt = {v_submit, v_cancel, v_replace, v_on_bar, v_on_event_end, v_warm};

qc_err qc_sim_venue_new(const qc_sim_opts *o, size_t n_symbols, qc_venue **out, qc_error *err) {
    *out = NULL;
    sim *v = calloc(1, sizeof *v);
    if (!v) return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    v->base.vt = &k_sim_vt;
    v->opt = *o;
    v->n_sym = n_symbols;
    size_t n = n_symbols ? n_symbols : 1;
    v->books = calloc(n, sizeof *v->books);
    v->pos = calloc(n, sizeof *v->pos);
    v->busy = calloc(n, 1);
    v->base.busy = v->busy;
    if (!v->books || !v->pos || !v->busy) {
        qc_sim_venue_free(&v->base);
        return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    }
    *out = &v->base;
    return QC_OK;
}

void qc_sim_venue_free(qc_venue *base) {
    sim *v = (sim *)base;
    if (!v) return;
    for (size_t s = 0; v->books && s < v->n_sym; s++) free(v->books[s].o);
    free(v->books);
    free(v->close_q.o);
    free(v->pos);
    free(v->busy);
    free(v);
}

const qc_sim_stats *qc_sim_venue_stats(const qc_venue *base) { return &((const sim *)base)->st; }
