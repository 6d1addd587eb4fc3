/* route_venue.c: the routing venue (rules in route_venue.h). Parents are the kernel's orders;
 * children live in chunks that never move (the exchange venues hold pointers to them) and are
 * found from a fill by their id (index + 1). Parents are kept in an append-only table (children
 * point to them by index) and an open list in submission order, which fixes the routing order. */
#include "execution/route_venue.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK 1024
#define EPS 1e-9

typedef struct {
    qc_order o;
    uint32_t parent;  /* index in the parent table */
    uint32_t venue;
    int resting;      /* the parent's resting remainder (not a routing round's IOC child) */
} rchild;

typedef struct {
    qc_order *o;
    int64_t eligible_ts; /* routed at the first bar opening at or after this */
    int routed;
    int reroute;         /* a replace waits for the resting child to end */
    double filled;
    double take_cost;    /* all-in cost (buys) or proceeds (sells) of the routing rounds' fills */
    double take_qty;
    rchild *rest;
} parent;

typedef struct {
    qc_venue base;
    qc_router_opts ro;
    qc_venue *x[QC_ROUTER_MAX_VENUES];
    size_t n_x, n_sym;
    int64_t max_latency, now;
    uint32_t home;       /* venue of resting remainders: lowest maker fee */
    double *pos;         /* our position per symbol, from fills (reduce-only clipping) */
    parent *par;
    size_t n_par, cap_par;
    uint32_t *open;      /* open parents, submission order */
    size_t n_open, cap_open;
    uint32_t *scratch;   /* parents due at a bar, room for every open one */
    size_t cap_scratch;
    rchild **chunks;
    size_t n_ch, n_chunks;
    qc_route_stats st;
} rvenue;

/* ---- tables ---------------------------------------------------------------------------------- */

static rchild *child_at(rvenue *v, uint64_t id) {
    if (id < 1 || id > v->n_ch) return NULL;
    size_t i = id - 1;
    return &v->chunks[i / CHUNK][i % CHUNK];
}

static rchild *child_new(rvenue *v, qc_error *err) {
    if (v->n_ch == v->n_chunks * CHUNK) {
        rchild **p = realloc(v->chunks, (v->n_chunks + 1) * sizeof *p);
        if (!p) return qc_err_set(err, QC_ERR_NOMEM, "router: out of memory for child orders"), NULL;
        v->chunks = p;
        if (!(p[v->n_chunks] = calloc(CHUNK, sizeof(rchild))))
            return qc_err_set(err, QC_ERR_NOMEM, "router: out of memory for child orders"), NULL;
        v->n_chunks++;
    }
    rchild *c = &v->chunks[v->n_ch / CHUNK][v->n_ch % CHUNK];
    v->n_ch++;
    memset(c, 0, sizeof *c);
    c->o.id = v->n_ch;
    return c;
}

static int grow(void **p, size_t *cap, size_t need, size_t elem) {
    if (need <= *cap) return 0;
    size_t c = *cap ? *cap * 2 : 64;
    while (c < need) c *= 2;
    void *q = realloc(*p, c * elem);
    if (!q) return -1;
    *p = q;
    *cap = c;
    return 0;
}

static void sync_active(rvenue *v) { v->base.active = v->n_open; }

static void open_remove(rvenue *v, uint32_t pi) {
    for (size_t i = 0; i < v->n_open; i++)
        if (v->open[i] == pi) {
            memmove(&v->open[i], &v->open[i + 1], (v->n_open - i - 1) * sizeof *v->open);
            v->n_open--;
            break;
        }
    sync_active(v);
}

static parent *parent_of(rvenue *v, const qc_order *o, uint32_t *pi) {
    for (size_t i = 0; i < v->n_open; i++)
        if (v->par[v->open[i]].o == o) {
            if (pi) *pi = v->open[i];
            return &v->par[v->open[i]];
        }
    return NULL;
}

/* ---- parent state ------------------------------------------------------------------------------ */

static void set_status(rvenue *v, qc_order *o, qc_order_status to) {
    if (qc_order_transition(o, to, v->now, NULL) == QC_OK && v->base.sink.status) v->base.sink.status(v->base.kernel, o);
}

static void parent_end(rvenue *v, uint32_t pi, qc_order_status to) {
    parent *p = &v->par[pi];
    qc_order *o = p->o;
    if (to == QC_OS_REJECTED && o->filled_qty > 0) to = QC_OS_CANCELLED;
    if (to == QC_OS_CANCELLED) v->st.cancelled++;
    if (to == QC_OS_REJECTED) v->st.rejected++;
    p->o = NULL;
    p->rest = NULL;
    open_remove(v, pi);
    set_status(v, o, to);
}

static double remaining(const parent *p) { return p->o->req.qty - p->filled; }

/* ---- reports from the exchange venues ------------------------------------------------------------ */

static void on_child_fill(void *u, const qc_fill *f) {
    rvenue *v = u;
    rchild *c = child_at(v, f->order_id);
    if (!c) return;
    c->o.filled_qty += f->qty;
    qc_route_per_venue *vs = &v->st.venue[c->venue];
    vs->fills++;
    if (c->resting) vs->maker_fills++;
    vs->qty += f->qty;
    vs->notional += f->qty * f->price;
    vs->fees += f->costs.commission;
    v->pos[f->symbol] += f->side * f->qty;
    parent *p = &v->par[c->parent];
    if (!p->o) return; /* cannot happen: a parent ends only after its children */
    if (!c->resting) {
        p->take_qty += f->qty;
        p->take_cost += f->qty * f->price + (f->side == QC_BUY ? 1 : -1) * f->costs.commission;
    }
    p->filled += f->qty;
    qc_fill pf = *f;
    pf.order_id = p->o->id;
    v->st.fills++;
    if (v->base.sink.fill) v->base.sink.fill(v->base.kernel, &pf);
    if (remaining(p) <= EPS && !p->reroute) {
        parent_end(v, c->parent, QC_OS_FILLED);
        return;
    }
    if (p->o->status != QC_OS_PENDING_CANCEL) set_status(v, p->o, QC_OS_PARTIAL);
}

/* A resting child ended: the parent ends with it, or routes again after a replace. */
static void on_child_status(void *u, qc_order *o) {
    rvenue *v = u;
    rchild *c = child_at(v, o->id);
    if (!c || &c->o != o || qc_order_is_open(o) || !c->resting) return;
    parent *p = &v->par[c->parent];
    if (!p->o || p->rest != c) return;
    p->rest = NULL;
    if (p->reroute && p->o->status != QC_OS_PENDING_CANCEL) {
        p->reroute = 0;
        if (remaining(p) <= EPS) parent_end(v, c->parent, QC_OS_FILLED);
        else p->routed = 0; /* the new terms are routed at the next bar due */
        return;
    }
    if (o->status == QC_OS_FILLED) return; /* the fill ended the parent */
    parent_end(v, c->parent, o->status == QC_OS_EXPIRED ? QC_OS_EXPIRED
                             : o->status == QC_OS_REJECTED ? QC_OS_REJECTED : QC_OS_CANCELLED);
}

/* ---- routing a parent ----------------------------------------------------------------------------- */

typedef struct {
    double px, unit, qty;
} lvl;

static int lvl_cmp(const void *a, const void *b) {
    const lvl *x = a, *y = b;
    return x->unit < y->unit ? -1 : x->unit > y->unit;
}

/* A cash parent's quantity: what all venues' displayed far sides sell for the cash (cheapest
 * all-in first, taker fees included), or cash / (limit + the largest fee) for a limit order. */
static double cash_qty(rvenue *v, const qc_order *o) {
    double fee_max = 0;
    for (size_t k = 0; k < v->n_x; k++) fee_max = fmax(fee_max, qc_exchange_venue_opts(v->x[k])->taker_fee);
    if (o->req.type == QC_ORD_LIMIT) return floor(o->req.cash / (o->req.limit_price + fee_max));
    lvl ls[QC_ROUTER_MAX_VENUES * 64];
    size_t n = 0;
    int buy = o->req.side == QC_BUY;
    for (size_t k = 0; k < v->n_x; k++) {
        double px[64], q[64], fee = fmax(0, qc_exchange_venue_opts(v->x[k])->taker_fee);
        size_t m = qc_exchange_levels(v->x[k], o->req.symbol, buy ? QC_SELL : QC_BUY, 64, px, q);
        for (size_t j = 0; j < m; j++) ls[n++] = (lvl){px[j], buy ? px[j] + fee : -px[j], q[j]};
    }
    qsort(ls, n, sizeof ls[0], lvl_cmp);
    double cash = o->req.cash, got = 0;
    for (size_t j = 0; j < n && cash > 0; j++) {
        double unit = buy ? ls[j].unit : ls[j].px, take = fmin(ls[j].qty, floor(cash / unit));
        got += take;
        cash -= take * unit;
        if (take < ls[j].qty) break;
    }
    return got;
}

static qc_err send_child(rvenue *v, uint32_t pi, uint32_t venue, double qty, double limit, qc_tif tif, unsigned flags,
                         int resting, qc_error *err) {
    parent *p = &v->par[pi];
    rchild *c = child_new(v, err);
    if (!c) return err->code;
    c->parent = pi;
    c->venue = venue;
    c->resting = resting;
    c->o.req = (qc_order_req){.symbol = p->o->req.symbol, .side = p->o->req.side, .type = QC_ORD_LIMIT, .tif = tif,
                              .qty = qty, .limit_price = limit, .flags = flags};
    c->o.status = QC_OS_PENDING_NEW;
    c->o.created_ts = c->o.updated_ts = v->now;
    if (resting) p->rest = c;
    v->st.children++;
    v->st.venue[venue].children++;
    if (flags & QC_ORDF_ISO) v->st.iso_children++, v->st.venue[venue].iso_children++;
    qc_error e2 = {0};
    qc_err rc = v->x[venue]->vt->submit(v->x[venue], &c->o, &e2); /* a refusal reports the child's status */
    (void)rc;
    return QC_OK;
}

/* The routing rounds: IOC (ISO across venues) children against the open's ladders. */
static qc_err route_rounds(rvenue *v, uint32_t pi, qc_parent_order *po, qc_error *err) {
    parent *p = &v->par[pi];
    for (size_t round = 0; round < v->ro.max_rounds && p->o && remaining(p) > EPS; round++) {
        qc_route_child plan[QC_ROUTER_MAX_VENUES];
        po->qty = remaining(p);
        size_t n = qc_route_plan(v->x, v->n_x, po, po->qty, v->ro.depth, plan);
        if (!n) break;
        qc_route_set_away(v->x, v->n_x, po->symbol);
        unsigned flags = v->ro.use_iso && n > 1 ? QC_ORDF_ISO : 0;
        v->st.rounds++;
        for (size_t j = 0; j < n; j++) {
            qc_err rc = send_child(v, pi, plan[j].venue, plan[j].qty, plan[j].limit, QC_TIF_IOC, flags, 0, err);
            if (rc) return rc;
        }
        for (size_t k = 0; k < v->n_x; k++) qc_exchange_flush(v->x[k], po->symbol);
    }
    return QC_OK;
}

static void account_saving(rvenue *v, const parent *p, const qc_route_single *sv) {
    if (!(p->take_qty > 0)) return;
    double got = 0, single = qc_route_single_cost(sv, p->take_qty, &got);
    double routed = p->take_cost / p->take_qty * got;
    v->st.taken_qty += p->take_qty;
    v->st.single_qty += got;
    v->st.single_short += p->take_qty - got;
    v->st.saved += sv->buy ? single - routed : routed - single;
}

/* The parent's quantity as it stands at routing: cash resolved, reduce-only clipped. */
static void resolve_qty(rvenue *v, parent *p) {
    qc_order *o = p->o;
    if (o->req.cash > 0) {
        o->req.qty = cash_qty(v, o);
        o->req.cash = 0;
    }
    if (o->req.reduce_only) {
        double pos = v->pos[o->req.symbol], allowed = o->req.side == QC_SELL ? fmax(pos, 0) : fmax(-pos, 0);
        o->req.qty = fmin(o->req.qty, p->filled + allowed);
    }
}

static qc_err route_parent(rvenue *v, uint32_t pi, qc_error *err) {
    parent *p = &v->par[pi];
    qc_order *o = p->o;
    p->routed = 1;
    resolve_qty(v, p);
    if (remaining(p) <= EPS) {
        parent_end(v, pi, p->filled > 0 ? QC_OS_FILLED : QC_OS_CANCELLED);
        return QC_OK;
    }
    int limit = o->req.type == QC_ORD_LIMIT;
    qc_parent_order po = {o->req.symbol, o->req.side, remaining(p), limit ? o->req.limit_price : NAN};
    if (!limit && qc_route_displayed(v->x, v->n_x, &po, v->ro.depth) <= EPS) {
        parent_end(v, pi, QC_OS_REJECTED); /* nothing can route: no venue shows liquidity */
        return QC_OK;
    }
    if (o->req.tif == QC_TIF_FOK && qc_route_displayed(v->x, v->n_x, &po, v->ro.depth) < remaining(p) - EPS) {
        parent_end(v, pi, QC_OS_CANCELLED);
        return QC_OK;
    }
    v->st.parents++;
    qc_route_single sv;
    qc_route_single_snapshot(v->x, v->n_x, &po, &sv);
    p->take_qty = p->take_cost = 0;
    qc_err rc = route_rounds(v, pi, &po, err);
    account_saving(v, p, &sv);
    if (rc || !p->o) return rc;
    if (remaining(p) <= EPS) {
        parent_end(v, pi, QC_OS_FILLED);
        return QC_OK;
    }
    if (!limit || o->req.tif == QC_TIF_IOC || o->req.tif == QC_TIF_FOK) {
        parent_end(v, pi, QC_OS_CANCELLED);
        return QC_OK;
    }
    rc = send_child(v, pi, v->home, remaining(p), o->req.limit_price, o->req.tif, 0, 1, err);
    if (!rc) qc_exchange_flush(v->x[v->home], o->req.symbol);
    return rc;
}

/* ---- venue interface ---------------------------------------------------------------------------- */

static qc_err reject(rvenue *v, qc_order *o, qc_error *err, const char *why) {
    v->st.rejected++;
    set_status(v, o, QC_OS_REJECTED);
    return qc_err_set(err, QC_ERR_EXECUTION, "router: order %llu: %s", (unsigned long long)o->id, why);
}

static qc_err r_submit(qc_venue *base, qc_order *o, qc_error *err) {
    rvenue *v = (rvenue *)base;
    if (o->req.symbol >= v->n_sym) return reject(v, o, err, "unknown symbol");
    if (o->req.type == QC_ORD_STOP || o->req.type == QC_ORD_STOP_LIMIT)
        return reject(v, o, err, "stop orders are not routed (no stop book)");
    if (o->req.flags) return reject(v, o, err, "post-only and ISO parents are not routed (the router sets its own)");
    if (o->created_ts > v->now) v->now = o->created_ts;
    if (grow((void **)&v->par, &v->cap_par, v->n_par + 1, sizeof *v->par) ||
        grow((void **)&v->open, &v->cap_open, v->n_open + 1, sizeof *v->open) ||
        grow((void **)&v->scratch, &v->cap_scratch, v->n_open + 1, sizeof *v->scratch))
        return reject(v, o, err, "out of memory");
    qc_err rc = qc_order_transition(o, QC_OS_NEW, v->now, err);
    if (rc) return rc;
    uint32_t pi = (uint32_t)v->n_par++;
    v->par[pi] = (parent){o, v->now + v->max_latency, 0, 0, 0, 0, 0, NULL};
    v->open[v->n_open++] = pi;
    sync_active(v);
    return QC_OK;
}

static qc_err r_cancel(qc_venue *base, qc_order *o, qc_error *err) {
    rvenue *v = (rvenue *)base;
    uint32_t pi;
    parent *p = parent_of(v, o, &pi);
    if (!p || o->status == QC_OS_PENDING_CANCEL)
        return qc_err_set(err, QC_ERR_EXECUTION, "router: cancel: order %llu is not open here", (unsigned long long)o->id);
    qc_err rc = qc_order_transition(o, QC_OS_PENDING_CANCEL, v->now, err);
    if (rc) return rc;
    if (!p->rest) { /* still at the router: nothing was sent */
        parent_end(v, pi, QC_OS_CANCELLED);
        return QC_OK;
    }
    p->reroute = 0;
    if (p->rest->o.status == QC_OS_PENDING_CANCEL) return QC_OK; /* a replace's cancel is on its way */
    qc_error e2 = {0};
    return v->x[p->rest->venue]->vt->cancel(v->x[p->rest->venue], &p->rest->o, &e2);
}

static qc_err r_replace(qc_venue *base, qc_order *o, double qty, double limit, double stop, qc_error *err) {
    rvenue *v = (rvenue *)base;
    (void)stop;
    parent *p = parent_of(v, o, NULL);
    if (!p || o->req.type != QC_ORD_LIMIT || o->req.cash > 0 || o->status == QC_OS_PENDING_CANCEL)
        return qc_err_set(err, QC_ERR_EXECUTION, "router: replace: order %llu is not an open limit order here",
                          (unsigned long long)o->id);
    if (!(qty > p->filled) || !(limit > 0))
        return qc_err_set(err, QC_ERR_EXECUTION, "router: replace: quantity must exceed the filled %g and the limit be positive",
                          p->filled);
    qc_order_status back = p->filled > 0 ? QC_OS_PARTIAL : QC_OS_NEW;
    qc_err rc = qc_order_transition(o, QC_OS_REPLACED, v->now, err);
    if (!rc) rc = qc_order_transition(o, back, v->now, err);
    if (rc) return rc;
    o->req.qty = qty;
    o->req.limit_price = limit;
    if (!p->rest) return QC_OK; /* not routed yet: routed with the new terms */
    p->reroute = 1;
    p->eligible_ts = v->now + v->max_latency;
    if (p->rest->o.status == QC_OS_PENDING_CANCEL) return QC_OK;
    qc_error e2 = {0};
    return v->x[p->rest->venue]->vt->cancel(v->x[p->rest->venue], &p->rest->o, &e2);
}

static void r_on_bar(qc_venue *base, uint32_t s, const qc_bars *h, size_t i) {
    rvenue *v = (rvenue *)base;
    if (s >= v->n_sym) return;
    if (h->ts[i] > v->now) v->now = h->ts[i];
    int64_t open_ts = h->open_ts[i] < h->ts[i] ? h->open_ts[i] : h->ts[i];
    for (size_t k = 0; k < v->n_x; k++) qc_exchange_bar_open(v->x[k], s, h, i);
    size_t n = 0; /* the parents due, in submission order, before routing changes the open list */
    for (size_t j = 0; j < v->n_open; j++) {
        const parent *p = &v->par[v->open[j]];
        if (!p->routed && !p->rest && p->o->req.symbol == s && p->eligible_ts <= open_ts) v->scratch[n++] = v->open[j];
    }
    for (size_t j = 0; j < n; j++) {
        qc_error err = {0};
        if (v->par[v->scratch[j]].o) route_parent(v, v->scratch[j], &err);
    }
    for (size_t k = 0; k < v->n_x; k++) qc_exchange_bar_close(v->x[k], s, h, i);
    sync_active(v);
}

static void r_on_event_end(qc_venue *base, int64_t ts) {
    rvenue *v = (rvenue *)base;
    if (ts > v->now) v->now = ts;
    for (size_t k = 0; k < v->n_x; k++) v->x[k]->vt->on_event_end(v->x[k], ts);
}

static const qc_venue_vt k_route_vt = {r_submit, r_cancel, r_replace, r_on_bar, r_on_event_end, NULL};

/* ---- lifecycle ------------------------------------------------------------------------------------ */

qc_err qc_route_venue_new(const qc_router_opts *ro, const qc_exchange_opts *vo, size_t n, size_t n_symbols,
                          qc_venue **out, qc_error *err) {
    *out = NULL;
    if (n == 0 || n > QC_ROUTER_MAX_VENUES || ro->max_rounds == 0 || ro->max_rounds > 64 || ro->depth == 0)
        return qc_err_set(err, QC_ERR_INPUT, "router: 1 to %d venues, 1 to 64 rounds and a depth are needed",
                          QC_ROUTER_MAX_VENUES);
    rvenue *v = calloc(1, sizeof *v);
    if (!v) return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    v->base.vt = &k_route_vt;
    v->ro = *ro;
    v->n_sym = n_symbols;
    v->st.n_venues = n;
    v->pos = calloc(n_symbols ? n_symbols : 1, sizeof *v->pos);
    qc_err rc = v->pos ? QC_OK : qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    for (size_t k = 0; !rc && k < n; k++) {
        qc_exchange_opts o = vo[k];
        o.feed = QC_EXCH_FEED_BARS;
        rc = qc_exchange_venue_new(&o, n_symbols, &v->x[k], err);
        if (rc) break;
        v->n_x++;
        v->x[k]->sink.fill = on_child_fill;
        v->x[k]->sink.status = on_child_status;
        v->x[k]->kernel = v;
        const qc_exchange_opts *xo = qc_exchange_venue_opts(v->x[k]);
        snprintf(v->st.venue[k].name, sizeof v->st.venue[k].name, "%s", xo->name);
        if (xo->latency_ns > v->max_latency) v->max_latency = xo->latency_ns;
        const qc_exchange_opts *h = qc_exchange_venue_opts(v->x[v->home]);
        if (xo->maker_fee < h->maker_fee || (xo->maker_fee == h->maker_fee && xo->latency_ns < h->latency_ns))
            v->home = (uint32_t)k;
    }
    if (rc) {
        qc_route_venue_free(&v->base);
        return rc;
    }
    *out = &v->base;
    return QC_OK;
}

void qc_route_venue_free(qc_venue *base) {
    rvenue *v = (rvenue *)base;
    if (!v) return;
    for (size_t k = 0; k < v->n_x; k++) qc_exchange_venue_free(v->x[k]);
    for (size_t c = 0; c < v->n_chunks; c++) free(v->chunks[c]);
    free(v->chunks);
    free(v->par);
    free(v->open);
    free(v->scratch);
    free(v->pos);
    free(v);
}

const qc_route_stats *qc_route_venue_stats(const qc_venue *v) { return &((const rvenue *)v)->st; }

qc_venue *qc_route_venue_exchange(qc_venue *base, size_t k) {
    rvenue *v = (rvenue *)base;
    return k < v->n_x ? v->x[k] : NULL;
}

/* ---- venue setups ---------------------------------------------------------------------------- */

qc_err qc_venue_kind_parse(const char *w, qc_venue_kind *out, qc_error *err) {
    *out = QC_VENUE_SIM;
    if (!w || strcmp(w, "sim") == 0) return QC_OK;
    if (strcmp(w, "exchange") == 0) *out = QC_VENUE_EXCHANGE;
    else if (strcmp(w, "sor") == 0) *out = QC_VENUE_SOR;
    else return qc_err_set(err, QC_ERR_USAGE, "option '--venue': expected sim, exchange or sor, got '%.20s'", w);
    return QC_OK;
}

/* One venue "NAME:maker:taker:latency_us[:spread_bps[:depth_frac]]" of a spec (len bytes). */
static qc_err parse_one(const char *p, size_t len, size_t k, qc_venue_setup *s, qc_error *err) {
    char buf[160];
    if (len == 0 || len >= sizeof buf) return qc_err_set(err, QC_ERR_INPUT, "execution.venues: venue %zu: empty or too long", k + 1);
    memcpy(buf, p, len);
    buf[len] = '\0';
    if (strstr(buf, "::") || buf[0] == ':' || buf[len - 1] == ':')
        return qc_err_set(err, QC_ERR_INPUT, "execution.venues: venue %zu: an empty field in '%.60s'", k + 1, buf);
    char *f[7], *save = NULL;
    size_t n = 0;
    for (char *t = strtok_r(buf, ":", &save); t && n < 7; t = strtok_r(NULL, ":", &save)) f[n++] = t;
    if (n < 4 || n > 6 || strlen(f[0]) >= sizeof s->names[k])
        return qc_err_set(err, QC_ERR_INPUT, "execution.venues: venue %zu: expected NAME:maker_fee:taker_fee:latency_us"
                          "[:spread_bps[:depth_frac]], got '%.60s'", k + 1, p);
    for (const char *c = f[0]; *c; c++)
        if (!(isalnum((unsigned char)*c) || *c == '_' || *c == '-' || *c == '.'))
            return qc_err_set(err, QC_ERR_INPUT, "execution.venues: venue %zu: a name of letters, digits, '_', '-', '.', "
                              "got '%.31s'", k + 1, f[0]);
    double x[5] = {0, 0, 0, 2, 0.1};
    for (size_t i = 1; i < n; i++) {
        char *end = NULL;
        x[i - 1] = strtod(f[i], &end);
        if (!end || *end || !isfinite(x[i - 1]))
            return qc_err_set(err, QC_ERR_INPUT, "execution.venues: venue '%s': field %zu is not a number: '%.20s'", f[0],
                              i + 1, f[i]);
    }
    if (fabs(x[0]) > 1 || x[1] < 0 || x[1] > 1 || x[2] < 0 || x[2] > 1e7 || x[3] < 0 || x[3] > 1000 || x[4] <= 0 || x[4] > 1)
        return qc_err_set(err, QC_ERR_INPUT, "execution.venues: venue '%s': fees within [-1, 1] (taker >= 0), latency "
                          "0..1e7 us, spread 0..1000 bps, depth in (0, 1]", f[0]);
    qc_exchange_opts_init(&s->ex[k]);
    snprintf(s->names[k], sizeof s->names[k], "%s", f[0]);
    s->ex[k].maker_fee = x[0];
    s->ex[k].taker_fee = x[1];
    s->ex[k].latency_ns = (int64_t)llround(x[2] * 1e3);
    if (n > 4) s->ex[k].spread_bps = x[3];
    if (n > 5) s->ex[k].depth_frac = x[4];
    return QC_OK;
}

qc_err qc_venue_setup_parse(const char *spec, qc_venue_setup *s, qc_error *err) {
    s->n = 0;
    const char *p = spec ? spec : "";
    while (*p) {
        const char *c = strchr(p, ',');
        size_t len = c ? (size_t)(c - p) : strlen(p);
        if (s->n == QC_ROUTER_MAX_VENUES)
            return qc_err_set(err, QC_ERR_INPUT, "execution.venues: at most %d venues", QC_ROUTER_MAX_VENUES);
        qc_err rc = parse_one(p, len, s->n, s, err);
        if (rc) return rc;
        s->n++;
        p += len + (c ? 1 : 0);
        if (c && !*p) return qc_err_set(err, QC_ERR_INPUT, "execution.venues: a venue after the last ','");
    }
    if (!s->n) return qc_err_set(err, QC_ERR_INPUT, "execution.venues: no venue given");
    for (size_t i = 0; i < s->n; i++)
        for (size_t j = 0; j < i; j++)
            if (!strcmp(s->names[i], s->names[j]))
                return qc_err_set(err, QC_ERR_INPUT, "execution.venues: venue '%s' given twice", s->names[i]);
    return QC_OK;
}

void qc_venue_setup_init(qc_venue_setup *s, qc_venue_kind k) {
    memset(s, 0, sizeof *s);
    s->kind = k;
    qc_router_opts_init(&s->router);
    if (k == QC_VENUE_SOR) {
        qc_venue_setup_parse(QC_VENUES_DEFAULT, s, NULL);
        return;
    }
    s->n = 1;
    qc_exchange_opts_init(&s->ex[0]);
    snprintf(s->names[0], sizeof s->names[0], "EXCH");
}

qc_err qc_venue_setup_make(const qc_venue_setup *s, size_t n_symbols, qc_venue **out, qc_error *err) {
    *out = NULL;
    qc_exchange_opts ex[QC_ROUTER_MAX_VENUES];
    size_t n = s->n < QC_ROUTER_MAX_VENUES ? s->n : QC_ROUTER_MAX_VENUES;
    for (size_t k = 0; k < n; k++) {
        ex[k] = s->ex[k];
        ex[k].name = s->names[k];
        ex[k].feed = QC_EXCH_FEED_BARS;
    }
    if (s->kind == QC_VENUE_EXCHANGE) {
        if (!n) return qc_err_set(err, QC_ERR_INPUT, "exchange venue: no options");
        return qc_exchange_venue_new(&ex[0], n_symbols, out, err);
    }
    if (s->kind == QC_VENUE_SOR) return qc_route_venue_new(&s->router, ex, n, n_symbols, out, err);
    return qc_err_set(err, QC_ERR_INTERNAL, "venue setup: the bar venue is made by the backtest");
}

void qc_venue_setup_free(qc_venue_kind k, qc_venue *v) {
    if (k == QC_VENUE_EXCHANGE) qc_exchange_venue_free(v);
    else if (k == QC_VENUE_SOR) qc_route_venue_free(v);
}
