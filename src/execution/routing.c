/* routing.c: the smart order router (rules in routing.h). A parent runs in rounds: read the
 * venues' displayed levels, rank them, allocate, send one IOC child per venue (ISO when the round
 * spans venues), and when every child of the round has ended, route what is left. Child orders
 * live in an array sized at qc_router_new (max_rounds x venues), so the pointers the venues hold
 * stay valid. */
#include "execution/routing.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    qc_order o;
    uint32_t venue;
} child;

struct qc_router {
    qc_router_opts opt;
    qc_venue *v[QC_ROUTER_MAX_VENUES];
    size_t n_v;
    child *ch;
    size_t n_ch, cap_ch;
    size_t open_children;   /* of the current round */
    int working;
    qc_parent_order parent;
    double remaining;
    int64_t now;
    qc_route_result res;
    double single_px[64], single_q[64], single_fee; /* the lowest-fee venue's far side at arrival */
    size_t n_single;
};

void qc_router_opts_init(qc_router_opts *o) {
    o->max_rounds = 4;
    o->depth = 32;
    o->use_iso = 1;
}

/* ---- child reports -------------------------------------------------------------------------------- */

static child *child_of(qc_router *r, uint64_t id) { return id >= 1 && id <= r->n_ch ? &r->ch[id - 1] : NULL; }

static void on_fill(void *u, const qc_fill *f) {
    qc_router *r = u;
    child *c = child_of(r, f->order_id);
    if (!c) return;
    c->o.filled_qty += f->qty;
    qc_route_venue_fills *vf = &r->res.venue[c->venue];
    vf->qty += f->qty;
    vf->notional += f->qty * f->price;
    vf->fees += f->costs.commission;
    r->remaining -= f->qty;
}

static void on_status(void *u, qc_order *o) {
    qc_router *r = u;
    if (!qc_order_is_open(o) && r->open_children) r->open_children--;
}

/* ---- ranking ---------------------------------------------------------------------------------------- */

typedef struct {
    double key;          /* price, negated for sells: lower is better either way */
    double px, qty, fee;
    int64_t latency;
    uint32_t venue;
} cand;

static int cand_cmp(const void *a, const void *b) {
    const cand *x = a, *y = b;
    if (x->key != y->key) return x->key < y->key ? -1 : 1;
    if (x->qty != y->qty) return x->qty > y->qty ? -1 : 1;
    if (x->fee != y->fee) return x->fee < y->fee ? -1 : 1;
    if (x->latency != y->latency) return x->latency < y->latency ? -1 : 1;
    return x->venue < y->venue ? -1 : x->venue > y->venue;
}

static int within(const qc_parent_order *p, double px) {
    if (!isfinite(p->limit)) return 1;
    return p->side == QC_BUY ? px <= p->limit + 1e-9 : px >= p->limit - 1e-9;
}

/* The far side's displayed levels of every venue within the limit; returns how many. */
static size_t gather(const qc_router *r, cand *out, size_t cap) {
    size_t n = 0, depth = r->opt.depth < 64 ? r->opt.depth : 64;
    qc_side far = r->parent.side == QC_BUY ? QC_SELL : QC_BUY;
    for (uint32_t k = 0; k < r->n_v; k++) {
        double px[64], q[64];
        const qc_exchange_opts *vo = qc_exchange_venue_opts(r->v[k]);
        size_t m = qc_exchange_levels(r->v[k], r->parent.symbol, far, depth, px, q);
        for (size_t j = 0; j < m && n < cap && within(&r->parent, px[j]); j++)
            out[n++] = (cand){far == QC_SELL ? px[j] : -px[j], px[j], q[j], vo->taker_fee, vo->latency_ns, k};
    }
    return n;
}

/* Every venue's protected away quote = the best of the others'. */
static void set_away(qc_router *r) {
    qc_exchange_top t[QC_ROUTER_MAX_VENUES];
    for (size_t k = 0; k < r->n_v; k++) qc_exchange_get_top(r->v[k], r->parent.symbol, &t[k]);
    for (size_t k = 0; k < r->n_v; k++) {
        double bid = NAN, ask = NAN;
        for (size_t j = 0; j < r->n_v; j++) {
            if (j == k) continue;
            if (isfinite(t[j].bid) && !(bid >= t[j].bid)) bid = t[j].bid;
            if (isfinite(t[j].ask) && !(ask <= t[j].ask)) ask = t[j].ask;
        }
        qc_exchange_set_away(r->v[k], r->parent.symbol, bid, ask);
    }
}

/* ---- rounds ---------------------------------------------------------------------------------------- */

static void send_child(qc_router *r, uint32_t venue, double qty, double limit, int iso) {
    if (r->n_ch == r->cap_ch) return;
    child *c = &r->ch[r->n_ch++];
    memset(c, 0, sizeof *c);
    c->venue = venue;
    c->o.id = r->n_ch;
    c->o.req = (qc_order_req){.symbol = r->parent.symbol, .side = r->parent.side, .type = QC_ORD_LIMIT,
                              .tif = QC_TIF_IOC, .qty = qty, .limit_price = limit, .flags = iso ? QC_ORDF_ISO : 0};
    c->o.status = QC_OS_PENDING_NEW;
    c->o.created_ts = c->o.updated_ts = r->now;
    r->res.children++;
    r->res.venue[venue].children++;
    if (iso) r->res.venue[venue].iso_children++;
    r->open_children++;
    qc_error err = {0};
    if (r->v[venue]->vt->submit(r->v[venue], &c->o, &err) && qc_order_is_open(&c->o)) r->open_children--;
}

/* Routes the remaining quantity once; returns the number of children sent. */
static size_t route_round(qc_router *r) {
    cand cs[QC_ROUTER_MAX_VENUES * 64];
    size_t n = gather(r, cs, sizeof cs / sizeof cs[0]);
    if (!n || r->remaining <= 1e-9) return 0;
    qsort(cs, n, sizeof cs[0], cand_cmp);
    double take[QC_ROUTER_MAX_VENUES] = {0}, worst[QC_ROUTER_MAX_VENUES] = {0};
    uint32_t order[QC_ROUTER_MAX_VENUES];
    size_t n_order = 0;
    double left = r->remaining;
    for (size_t i = 0; i < n && left > 1e-9; i++) {
        double q = fmin(left, cs[i].qty);
        uint32_t k = cs[i].venue;
        if (take[k] == 0) order[n_order++] = k;
        take[k] += q;
        worst[k] = cs[i].px;
        left -= q;
    }
    set_away(r);
    int iso = r->opt.use_iso && n_order > 1;
    r->res.rounds++;
    for (size_t j = 0; j < n_order; j++) send_child(r, order[j], take[order[j]], worst[order[j]], iso);
    return n_order;
}

/* The lowest-fee venue's far side as it stood when the parent arrived. */
static void single_venue_snapshot(qc_router *r) {
    uint32_t best = 0;
    for (uint32_t k = 1; k < r->n_v; k++)
        if (qc_exchange_venue_opts(r->v[k])->taker_fee < qc_exchange_venue_opts(r->v[best])->taker_fee) best = k;
    r->res.single_venue = (int)best;
    r->single_fee = qc_exchange_venue_opts(r->v[best])->taker_fee;
    qc_side far = r->parent.side == QC_BUY ? QC_SELL : QC_BUY;
    size_t m = qc_exchange_levels(r->v[best], r->parent.symbol, far, 64, r->single_px, r->single_q);
    r->n_single = 0;
    while (r->n_single < m && within(&r->parent, r->single_px[r->n_single])) r->n_single++;
}

/* All-in cost (buys) or proceeds (sells) of up to qty shares there; *got = how many it had. */
static double single_cost(const qc_router *r, double qty, double *got) {
    int buy = r->parent.side == QC_BUY;
    double left = qty, cost = 0;
    for (size_t j = 0; j < r->n_single && left > 1e-9; j++) {
        double t = fmin(left, r->single_q[j]);
        cost += t * (r->single_px[j] + (buy ? r->single_fee : -r->single_fee));
        left -= t;
    }
    *got = qty - left;
    return cost;
}

/* Fills in the totals and the comparison once the parent is done. */
static void finish(qc_router *r) {
    qc_route_result *s = &r->res;
    s->filled = s->notional = s->fees = 0;
    for (size_t k = 0; k < r->n_v; k++) {
        s->filled += s->venue[k].qty;
        s->notional += s->venue[k].notional;
        s->fees += s->venue[k].fees;
    }
    s->unfilled = r->parent.qty - s->filled;
    s->avg_price = s->filled > 0 ? s->notional / s->filled : NAN;
    int buy = r->parent.side == QC_BUY;
    double all_in = s->filled > 0 ? (buy ? s->notional + s->fees : s->notional - s->fees) / s->filled : 0;
    s->single_cost = single_cost(r, s->filled, &s->single_qty);
    s->single_short = s->filled - s->single_qty;
    s->routed_cost = all_in * s->single_qty;
    s->saved = buy ? s->single_cost - s->routed_cost : s->routed_cost - s->single_cost;
    r->working = 0;
}

/* ---- public ------------------------------------------------------------------------------------------ */

qc_err qc_router_new(const qc_router_opts *o, qc_venue *const *venues, size_t n, qc_router **out, qc_error *err) {
    *out = NULL;
    if (n == 0 || n > QC_ROUTER_MAX_VENUES || o->max_rounds == 0 || o->max_rounds > 64 || o->depth == 0)
        return qc_err_set(err, QC_ERR_INPUT, "router: 1 to %d venues, 1 to 64 rounds and a depth are needed",
                          QC_ROUTER_MAX_VENUES);
    qc_router *r = calloc(1, sizeof *r);
    if (!r) return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    r->opt = *o;
    r->n_v = n;
    r->cap_ch = o->max_rounds * n;
    r->ch = calloc(r->cap_ch, sizeof *r->ch);
    if (!r->ch) {
        free(r);
        return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    }
    for (size_t k = 0; k < n; k++) {
        r->v[k] = venues[k];
        r->v[k]->sink.fill = on_fill;
        r->v[k]->sink.status = on_status;
        r->v[k]->kernel = r;
    }
    *out = r;
    return QC_OK;
}

void qc_router_free(qc_router *r) {
    if (!r) return;
    free(r->ch);
    free(r);
}

qc_err qc_router_submit(qc_router *r, const qc_parent_order *p, int64_t ts, qc_error *err) {
    if (r->working) return qc_err_set(err, QC_ERR_EXECUTION, "router: a parent order is still working");
    if ((p->side != QC_BUY && p->side != QC_SELL) || !(p->qty > 0) || !isfinite(p->qty) ||
        (isfinite(p->limit) && !(p->limit > 0)))
        return qc_err_set(err, QC_ERR_EXECUTION, "router: parent needs a side, a positive quantity and a positive or no limit");
    memset(&r->res, 0, sizeof r->res);
    r->parent = *p;
    r->remaining = p->qty;
    r->n_ch = 0;
    r->open_children = 0;
    r->now = ts;
    r->working = 1;
    for (size_t k = 0; k < r->n_v; k++) qc_exchange_advance(r->v[k], ts);
    single_venue_snapshot(r);
    if (!route_round(r)) finish(r);
    return QC_OK;
}

int qc_router_advance(qc_router *r, int64_t ts) {
    if (!r->working) return 1;
    if (ts > r->now) r->now = ts;
    for (size_t k = 0; k < r->n_v; k++) qc_exchange_advance(r->v[k], r->now);
    if (r->open_children) return 0;
    /* the round is over: route what is left, if there is anything to route it to */
    if (r->remaining <= 1e-9 || r->res.rounds >= r->opt.max_rounds || !route_round(r)) {
        finish(r);
        return 1;
    }
    return 0;
}

qc_err qc_router_execute(qc_router *r, const qc_parent_order *p, int64_t ts, qc_route_result *out, qc_error *err) {
    qc_err rc = qc_router_submit(r, p, ts, err);
    if (rc) return rc;
    int64_t step = 1;
    for (size_t k = 0; k < r->n_v; k++) {
        int64_t l = qc_exchange_venue_opts(r->v[k])->latency_ns;
        if (l > step) step = l;
    }
    for (size_t i = 0; i < 4 * (r->opt.max_rounds + 1) && !qc_router_advance(r, ts); i++) ts += step;
    if (r->working) {
        finish(r);
        return qc_err_set(err, QC_ERR_INTERNAL, "router: children still open after %zu rounds", r->res.rounds);
    }
    if (out) *out = r->res;
    return QC_OK;
}

void qc_router_result(const qc_router *r, qc_route_result *out) { *out = r->res; }
