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
    qc_route_single single; /* the lowest-fee venue's far side at arrival */
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
static size_t gather(qc_venue *const *v, size_t n_v, const qc_parent_order *p, size_t depth, cand *out, size_t cap) {
    size_t n = 0;
    depth = depth < 64 ? depth : 64;
    qc_side far = p->side == QC_BUY ? QC_SELL : QC_BUY;
    for (uint32_t k = 0; k < n_v; k++) {
        double px[64], q[64];
        const qc_exchange_opts *vo = qc_exchange_venue_opts(v[k]);
        size_t m = qc_exchange_levels(v[k], p->symbol, far, depth, px, q);
        for (size_t j = 0; j < m && n < cap && within(p, px[j]); j++)
            out[n++] = (cand){far == QC_SELL ? px[j] : -px[j], px[j], q[j], vo->taker_fee, vo->latency_ns, k};
    }
    return n;
}

size_t qc_route_plan(qc_venue *const *v, size_t n_v, const qc_parent_order *p, double qty, size_t depth,
                     qc_route_child *out) {
    cand cs[QC_ROUTER_MAX_VENUES * 64];
    if (n_v > QC_ROUTER_MAX_VENUES) n_v = QC_ROUTER_MAX_VENUES;
    size_t n = gather(v, n_v, p, depth, cs, sizeof cs / sizeof cs[0]);
    if (!n || qty <= 1e-9) return 0;
    qsort(cs, n, sizeof cs[0], cand_cmp);
    int slot[QC_ROUTER_MAX_VENUES];
    for (size_t k = 0; k < QC_ROUTER_MAX_VENUES; k++) slot[k] = -1;
    size_t n_out = 0;
    double left = qty;
    for (size_t i = 0; i < n && left > 1e-9; i++) {
        double q = fmin(left, cs[i].qty);
        uint32_t k = cs[i].venue;
        if (slot[k] < 0) {
            slot[k] = (int)n_out;
            out[n_out++] = (qc_route_child){k, 0, 0};
        }
        out[slot[k]].qty += q;
        out[slot[k]].limit = cs[i].px;
        left -= q;
    }
    return n_out;
}

double qc_route_displayed(qc_venue *const *v, size_t n_v, const qc_parent_order *p, size_t depth) {
    cand cs[QC_ROUTER_MAX_VENUES * 64];
    if (n_v > QC_ROUTER_MAX_VENUES) n_v = QC_ROUTER_MAX_VENUES;
    size_t n = gather(v, n_v, p, depth, cs, sizeof cs / sizeof cs[0]);
    double q = 0;
    for (size_t i = 0; i < n; i++) q += cs[i].qty;
    return q;
}

/* Every venue's protected away quote = the best of the others'. */
void qc_route_set_away(qc_venue *const *v, size_t n_v, uint32_t s) {
    qc_exchange_top t[QC_ROUTER_MAX_VENUES];
    if (n_v > QC_ROUTER_MAX_VENUES) n_v = QC_ROUTER_MAX_VENUES;
    for (size_t k = 0; k < n_v; k++) qc_exchange_get_top(v[k], s, &t[k]);
    for (size_t k = 0; k < n_v; k++) {
        double bid = NAN, ask = NAN;
        for (size_t j = 0; j < n_v; j++) {
            if (j == k) continue;
            if (isfinite(t[j].bid) && !(bid >= t[j].bid)) bid = t[j].bid;
            if (isfinite(t[j].ask) && !(ask <= t[j].ask)) ask = t[j].ask;
        }
        qc_exchange_set_away(v[k], s, bid, ask);
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
    qc_route_child plan[QC_ROUTER_MAX_VENUES];
    size_t n_order = qc_route_plan(r->v, r->n_v, &r->parent, r->remaining, r->opt.depth, plan);
    if (!n_order) return 0;
    qc_route_set_away(r->v, r->n_v, r->parent.symbol);
    int iso = r->opt.use_iso && n_order > 1;
    r->res.rounds++;
    for (size_t j = 0; j < n_order; j++) send_child(r, plan[j].venue, plan[j].qty, plan[j].limit, iso);
    return n_order;
}

int qc_route_single_snapshot(qc_venue *const *v, size_t n_v, const qc_parent_order *p, qc_route_single *out) {
    uint32_t best = 0;
    for (uint32_t k = 1; k < n_v; k++)
        if (qc_exchange_venue_opts(v[k])->taker_fee < qc_exchange_venue_opts(v[best])->taker_fee) best = k;
    out->venue = (int)best;
    out->fee = qc_exchange_venue_opts(v[best])->taker_fee;
    out->buy = p->side == QC_BUY;
    qc_side far = p->side == QC_BUY ? QC_SELL : QC_BUY;
    size_t m = qc_exchange_levels(v[best], p->symbol, far, 64, out->px, out->q);
    out->n = 0;
    while (out->n < m && within(p, out->px[out->n])) out->n++;
    return out->venue;
}

double qc_route_single_cost(const qc_route_single *sv, double qty, double *got) {
    double left = qty, cost = 0;
    for (size_t j = 0; j < sv->n && left > 1e-9; j++) {
        double t = fmin(left, sv->q[j]);
        cost += t * (sv->px[j] + (sv->buy ? sv->fee : -sv->fee));
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
    s->single_cost = qc_route_single_cost(&r->single, s->filled, &s->single_qty);
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
    r->res.single_venue = qc_route_single_snapshot(r->v, r->n_v, &r->parent, &r->single);
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
