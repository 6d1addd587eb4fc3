/* kernel.c: the event loop shared by backtests and live trading (see kernel.h), strategy
 * parameters, and the qc_ctx services strategies call. One thread dispatches; orders a strategy
 * submits inside a handler are queued and reach the venue after the handler returns. The hot path
 * (qc_kernel_event) allocates only when the order table or the trade list grows. */
#include "execution/kernel.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/strutil.h"
#include "core/time.h"
#include "risk/risk.h"

struct qc_ctx {
    qc_kernel *k;
};

/* A symbol's strategy-visible history is a qc_bar_view (kernel.h): the accessors below never
 * index at or past its n, so the future is unreachable through the API. */

struct qc_kernel {
    qc_ctx ctx;
    qc_kernel_opts opts;
    size_t n_sym;
    char **symbols;
    qc_bar_view *hist;      /* closed bars seen so far, per symbol: a bounded view of the caller's series */
    uint8_t *has;           /* symbol has a bar at the current event */
    qc_account acct;
    qc_order **blocks;      /* orders in fixed blocks, so pointers stay valid: id = index + 1 */
    size_t n_orders, n_blocks, cap_blocks;
    uint64_t *queue;        /* submitted inside a handler, not yet at the venue */
    size_t n_queue, cap_queue;
    const qc_strategy_def *strat;
    void *state;
    qc_params params;
    qc_venue *venue;
    const qc_clock *clock;
    int64_t now;
    size_t event_index;
    int in_handler;
    qc_error last_err;
    int risk_marks;          /* the engine's limits need marks every bar (loss, exposure, leverage) */
    int64_t risk_day;        /* UTC day of the last event, for the engine's day start */
    qc_kernel_risk_stats risk_stats;
    qc_on_span_fn on_span;   /* the strategy's batch hook (qc_ctx_set_on_span), NULL = none */
    int span_always;         /* the hook holds while orders rest (qc_ctx_set_on_span_always) */
    size_t act_at;           /* on_bar runs from this event index on (the hook's answer while orders rest) */
    int has_all;             /* has[] is all ones (qc_kernel_event_line set it; qc_kernel_event clears) */
    const qc_bars *const *line_src; /* every hist[s].src is line_src[s] (the last line event's series) */
    const qc_bars *const *close_src; /* line_close[s] is close_src[s]->close */
    const double **line_close; /* per symbol, its closes in a line replay: one dense array to read marks from */
    uint64_t snap_gen;       /* the account's gen when snap_* were summed (qc_kernel_snapshot) */
    double snap_equity, snap_gross, snap_net;
    size_t line_n;           /* nonzero: every history's length is line_n (a line replay's lazy lengths:
                              * hist[s].n is left behind; hist_n reads, hist_write_n catches up) */
    size_t marks_due;        /* nonzero: the held symbols' marks are their closes at line bar marks_due - 1,
                              * not yet written (marks_flush writes them; see line_marks) */
    int in_line_fills;       /* bars_in_line_split's fills run: each is followed by its symbol's mark */
    double comparison;      /* qc_ctx_set_comparison */
    const char *comparison_label;
};

/* ---- parameters ------------------------------------------------------------------------------- */

size_t qc_param_choice(const qc_param_spec *sp, size_t i, char *buf, size_t n) {
    if (n) buf[0] = 0;
    if (!sp || sp->type != QC_PARAM_ENUM || !sp->help) return 0;
    const char *p = sp->help, *end = p + strcspn(p, ":");
    for (size_t k = 0; k < i && p < end; k++) {
        p += strcspn(p, "|:");
        if (*p == '|') p++;
    }
    size_t len = p < end ? strcspn(p, "|:") : 0;
    if (n) snprintf(buf, n, "%.*s", (int)len, p);
    return len;
}

/* Index of name v among an enum's choices, or a number that is one; -1 when neither. */
static double enum_value(const qc_param_spec *sp, const char *v, size_t len) {
    char name[64];
    for (size_t i = 0; qc_param_choice(sp, i, name, sizeof name); i++)
        if (strlen(name) == len && strncmp(name, v, len) == 0) return (double)i;
    int64_t code;
    return qc_parse_i64(v, len, &code) == 0 && code >= sp->min && code <= sp->max ? (double)code : -1;
}

static qc_err param_value(const qc_param_spec *sp, const char *v, const char *strategy, double *out,
                          qc_error *err) {
    int64_t i;
    int b;
    double d;
    size_t len = strlen(v);
    if (sp->type == QC_PARAM_STRING) {
        *out = 0;
        return QC_OK;
    }
    if (sp->type == QC_PARAM_ENUM) {
        *out = enum_value(sp, v, len);
        if (*out < 0)
            return qc_err_set(err, QC_ERR_INPUT, "%s: parameter %s: expected one of %.*s, got '%.40s'", strategy,
                              sp->name, (int)strcspn(sp->help, ":"), sp->help, v);
        return QC_OK;
    }
    if (sp->type == QC_PARAM_BOOL) {
        if (qc_parse_bool(v, len, &b))
            return qc_err_set(err, QC_ERR_INPUT, "%s: parameter %s: expected true or false, got '%.40s'", strategy,
                              sp->name, v);
        *out = b;
        return QC_OK;
    }
    if (sp->type == QC_PARAM_INT ? qc_parse_i64(v, len, &i) : qc_parse_double(v, len, &d))
        return qc_err_set(err, QC_ERR_INPUT, "%s: parameter %s: expected %s, got '%.40s'", strategy, sp->name,
                          sp->type == QC_PARAM_INT ? "an integer" : "a number", v);
    *out = sp->type == QC_PARAM_INT ? (double)i : d;
    if (*out < sp->min || *out > sp->max)
        return qc_err_set(err, QC_ERR_INPUT, "%s: parameter %s = %s is out of range [%g, %g]", strategy, sp->name, v,
                          sp->min, sp->max);
    return QC_OK;
}

static int find_param(const qc_param_spec *spec, size_t n, const char *name, size_t len) {
    for (size_t i = 0; i < n; i++)
        if (strlen(spec[i].name) == len && strncmp(spec[i].name, name, len) == 0) return (int)i;
    return -1;
}

qc_err qc_params_parse(const qc_param_spec *spec, size_t n_spec, const char *const *kv, size_t n_kv,
                       const char *strategy, qc_params *p, qc_error *err) {
    memset(p, 0, sizeof *p);
    if (n_spec > QC_MAX_PARAMS) return qc_err_set(err, QC_ERR_INTERNAL, "%s: too many parameters", strategy);
    p->spec = spec;
    p->n = n_spec;
    for (size_t i = 0; i < n_spec; i++) {
        qc_err rc = param_value(&spec[i], spec[i].def, strategy, &p->value[i], err);
        if (rc) return qc_err_prefix(err, "(default) ");
        if (spec[i].type == QC_PARAM_STRING) p->text[i] = spec[i].def;
    }
    for (size_t j = 0; j < n_kv; j++) {
        const char *eq = strchr(kv[j], '=');
        if (!eq) return qc_err_set(err, QC_ERR_INPUT, "%s: parameter '%.40s': expected name=value", strategy, kv[j]);
        int k = find_param(spec, n_spec, kv[j], (size_t)(eq - kv[j]));
        if (k < 0) {
            char names[256] = "";
            for (size_t i = 0; i < n_spec; i++) {
                size_t l = strlen(names);
                snprintf(names + l, sizeof names - l, "%s%s", i ? ", " : "", spec[i].name);
            }
            return qc_err_set(err, QC_ERR_INPUT, "%s: unknown parameter '%.*s' (parameters: %s)", strategy,
                              (int)(eq - kv[j]), kv[j], n_spec ? names : "none");
        }
        qc_err rc = param_value(&spec[k], eq + 1, strategy, &p->value[k], err);
        if (rc) return rc;
        if (spec[k].type == QC_PARAM_STRING) p->text[k] = eq + 1;
    }
    return QC_OK;
}

double qc_params_get(const qc_params *p, const char *name) {
    int k = find_param(p->spec, p->n, name, strlen(name));
    return k >= 0 ? p->value[k] : NAN;
}

const char *qc_params_text(const qc_params *p, const char *name) {
    int k = find_param(p->spec, p->n, name, strlen(name));
    return k >= 0 && p->spec[k].type == QC_PARAM_STRING ? p->text[k] : NULL;
}

size_t qc_params_format(const qc_params *p, size_t i, char *buf, size_t n) {
    if (i >= p->n) return n ? (buf[0] = 0) : 0;
    char name[64];
    int len = p->spec[i].type == QC_PARAM_STRING ? snprintf(buf, n, "%s=%s", p->spec[i].name, p->text[i] ? p->text[i] : "")
            : qc_param_choice(&p->spec[i], (size_t)p->value[i], name, sizeof name)
                  ? snprintf(buf, n, "%s=%s", p->spec[i].name, name)
                  : snprintf(buf, n, "%s=%g", p->spec[i].name, p->value[i]);
    return len < 0 ? 0 : (size_t)len;
}

/* ---- ctx services ----------------------------------------------------------------------------- */

/* The clock's time (replayed in a backtest, the wall clock live); the event time without a clock. */
int64_t qc_ctx_now(const qc_ctx *c) { return c->k->clock ? c->k->clock->now(c->k->clock) : c->k->now; }
size_t qc_ctx_n_symbols(const qc_ctx *c) { return c->k->n_sym; }
const qc_calendar *qc_ctx_calendar(const qc_ctx *c) {
    return c->k->opts.cal ? c->k->opts.cal : qc_calendar_get("24/7", NULL);
}
const qc_strategy_def *qc_ctx_strategy(const qc_ctx *c) { return c->k->strat; }
const char *qc_ctx_symbol(const qc_ctx *c, uint32_t s) { return s < c->k->n_sym ? c->k->symbols[s] : ""; }
int qc_ctx_has_bar(const qc_ctx *c, uint32_t s) { return s < c->k->n_sym && c->k->has[s]; }
/* Symbol s's history length (the bars replayed so far). */
static inline size_t hist_n(const qc_kernel *k, size_t s) { return k->line_n ? k->line_n : k->hist[s].n; }

/* Leaves lazy lengths: every history's n written, before code that sets some of them one by one. */
static void hist_write_n(qc_kernel *k) {
    if (!k->line_n) return;
    for (size_t s = 0; s < k->n_sym; s++) k->hist[s].n = k->line_n;
    k->line_n = 0;
    k->venue->views_n = 0;
}

size_t qc_ctx_history_len(const qc_ctx *c, uint32_t s) { return s < c->k->n_sym ? hist_n(c->k, s) : 0; }

/* The only way a strategy reads prices: lag >= 0 into what has closed; the future is not there. */
static double hist_field(const qc_ctx *c, uint32_t s, long lag, size_t field) {
    if (s >= c->k->n_sym || lag < 0) return NAN;
    const qc_bar_view *h = &c->k->hist[s];
    size_t n = hist_n(c->k, s);
    if ((size_t)lag >= n) return NAN;
    const double *col[5] = {h->src->open, h->src->high, h->src->low, h->src->close, h->src->volume};
    return col[field][n - 1 - (size_t)lag];
}

double qc_ctx_open(const qc_ctx *c, uint32_t s, long lag) { return hist_field(c, s, lag, 0); }
double qc_ctx_high(const qc_ctx *c, uint32_t s, long lag) { return hist_field(c, s, lag, 1); }
double qc_ctx_low(const qc_ctx *c, uint32_t s, long lag) { return hist_field(c, s, lag, 2); }
double qc_ctx_close(const qc_ctx *c, uint32_t s, long lag) { return hist_field(c, s, lag, 3); }
double qc_ctx_volume(const qc_ctx *c, uint32_t s, long lag) { return hist_field(c, s, lag, 4); }
double qc_ctx_position(const qc_ctx *c, uint32_t s) { return s < c->k->n_sym ? c->k->acct.hold[s].qty : 0; }
double qc_ctx_cash(const qc_ctx *c) { return c->k->acct.cash; }
size_t qc_ctx_n_positions(const qc_ctx *c) { return c->k->acct.n_held; }
static void marks_flush(qc_kernel *k);
double qc_ctx_equity(const qc_ctx *c) {
    marks_flush(c->k);
    return qc_account_equity(&c->k->acct);
}
const qc_error *qc_ctx_last_error(const qc_ctx *c) { return &c->k->last_err; }
void qc_ctx_set_comparison(qc_ctx *c, const char *label, double value) {
    c->k->comparison = value;
    c->k->comparison_label = label;
}
const char *qc_kernel_comparison_label(const qc_kernel *k) { return k->comparison_label; }
double qc_kernel_comparison(const qc_kernel *k) { return k->comparison; }

#define ORDER_BLOCK 1024

static qc_order *order_at(const qc_kernel *k, uint64_t id) {
    if (id < 1 || id > k->n_orders) return NULL;
    return &k->blocks[(id - 1) / ORDER_BLOCK][(id - 1) % ORDER_BLOCK];
}

const qc_order *qc_ctx_order(const qc_ctx *c, uint64_t id) { return order_at(c->k, id); }

/* Writes the marks a line event left due (see line_marks) and, in the same pass, the snapshot after
 * them for qc_kernel_snapshot's cache. */
static void marks_flush(qc_kernel *k) {
    if (!k->marks_due) return;
    qc_account_mark_held(&k->acct, k->line_close, k->marks_due - 1, &k->snap_equity, &k->snap_gross, &k->snap_net);
    k->snap_gen = k->acct.gen;
    k->marks_due = 0;
}

void qc_kernel_snapshot(qc_kernel *k, double *equity, double *gross, double *net) {
    marks_flush(k);
    if (k->snap_gen != k->acct.gen) { /* the sums change only with the account */
        qc_account_snapshot(&k->acct, &k->snap_equity, &k->snap_gross, &k->snap_net);
        k->snap_gen = k->acct.gen;
    }
    *equity = k->snap_equity, *gross = k->snap_gross, *net = k->snap_net;
}

/* Gross exposure after the order, over equity: the leverage check for orders that add exposure. */
static int breaches_leverage(qc_kernel *k, const qc_order_req *r) {
    if (k->opts.leverage_limit <= 0 || r->reduce_only) return 0;
    double eq, gross_now, net;
    qc_kernel_snapshot(k, &eq, &gross_now, &net);
    const qc_bar_view *h = &k->hist[r->symbol];
    double q = k->acct.hold[r->symbol].qty;
    size_t hn = hist_n(k, r->symbol);
    double px = hn ? h->src->close[hn - 1] : k->acct.pos[r->symbol].avg_cost;
    double notional = r->cash > 0 ? r->cash : r->qty * px;
    double signed_after = q * px + (r->side == QC_BUY ? notional : -notional);
    double gross = gross_now - fabs(q * px) + fabs(signed_after);
    return eq <= 0 || gross / eq > k->opts.leverage_limit * (1 + 1e-12);
}

static qc_err grow(void **p, size_t *cap, size_t need, size_t sz, qc_error *err) {
    if (need <= *cap) return QC_OK;
    size_t c = *cap ? *cap * 2 : 64;
    while (c < need) c *= 2;
    void *q = realloc(*p, c * sz);
    if (!q) return qc_err_set(err, QC_ERR_NOMEM, "out of memory for orders");
    *p = q;
    *cap = c;
    return QC_OK;
}

/* ---- the risk engine's side of an order -------------------------------------------------------- */

/* The bar's close of s as the engine's reference price, when it is not marking every bar. */
static void risk_mark_for_order(qc_kernel *k, uint32_t s) {
    const qc_bar_view *h = &k->hist[s];
    size_t n = hist_n(k, s);
    if (!k->risk_marks && n) qc_risk_on_mark(k->opts.risk, s, h->src->close[n - 1], k->now);
}

static void risk_refused(qc_kernel *k, const qc_risk_verdict *v) {
    qc_risk_verdict_error(k->opts.risk, v, &k->last_err);
    if (k->risk_stats.rejected++ == 0) k->risk_stats.first_reject = k->last_err;
    if ((unsigned)v->check < QC_KERNEL_RISK_CHECKS) k->risk_stats.by_check[v->check]++;
}
_Static_assert(QC_RISK_CHK__COUNT <= QC_KERNEL_RISK_CHECKS, "QC_KERNEL_RISK_CHECKS too small");

/* Runs the checks for a new order; on acceptance *reserved is what the engine holds for it. */
static int risk_admit(qc_kernel *k, const qc_order_req *req, double *reserved) {
    qc_risk_order ro;
    qc_risk_verdict v;
    risk_mark_for_order(k, req->symbol);
    qc_risk_order_from_req(k->opts.risk, req, k->opts.risk_strategy, &ro);
    if (qc_risk_check(k->opts.risk, &ro, k->now, &v)) {
        risk_refused(k, &v);
        return 0;
    }
    *reserved = ro.qty;
    return 1;
}

/* The order left the book (or part of it filled): hand back up to qty of its reservation. */
static void risk_release(qc_kernel *k, qc_order *o, double qty) {
    if (!k->opts.risk || !(o->risk_open > 0)) return;
    double rel = qty < o->risk_open ? qty : o->risk_open;
    qc_risk_order_done(k->opts.risk, o->req.symbol, o->req.side, rel);
    o->risk_open -= rel;
}

static qc_err send_to_venue(qc_kernel *k, qc_order *o, qc_error *err) {
    qc_err rc = k->venue->vt->submit(k->venue, o, err);
    if (rc && o->status == QC_OS_PENDING_NEW) qc_order_transition(o, QC_OS_REJECTED, k->now, NULL);
    if (rc) risk_release(k, o, INFINITY);
    return rc;
}

uint64_t qc_ctx_submit(qc_ctx *c, const qc_order_req *req) {
    qc_kernel *k = c->k;
    qc_error_clear(&k->last_err);
    if (req->symbol >= k->n_sym) {
        qc_err_set(&k->last_err, QC_ERR_EXECUTION, "order: unknown symbol index %u", req->symbol);
        return 0;
    }
    if (qc_order_req_check(req, &k->last_err)) return 0;
    if (breaches_leverage(k, req)) {
        qc_err_set(&k->last_err, QC_ERR_PRETRADE, "order on %s refused: gross exposure would exceed leverage limit %g",
                   k->symbols[req->symbol], k->opts.leverage_limit);
        return 0;
    }
    double reserved = 0;
    if (k->opts.risk && !risk_admit(k, req, &reserved)) return 0;
    if (k->n_orders == k->n_blocks * ORDER_BLOCK) {
        if (grow((void **)&k->blocks, &k->cap_blocks, k->n_blocks + 1, sizeof *k->blocks, &k->last_err)) return 0;
        k->blocks[k->n_blocks] = malloc(ORDER_BLOCK * sizeof(qc_order));
        if (!k->blocks[k->n_blocks]) {
            qc_err_set(&k->last_err, QC_ERR_NOMEM, "out of memory for orders");
            return 0;
        }
        k->n_blocks++;
    }
    k->n_orders++;
    qc_order *o = order_at(k, k->n_orders);
    memset(o, 0, sizeof *o);
    o->id = k->n_orders;
    o->req = *req;
    o->status = QC_OS_PENDING_NEW;
    o->created_ts = o->updated_ts = o->first_eligible_ts = k->now;
    o->strategy = k->opts.risk_strategy;
    o->risk_open = reserved;
    if (k->in_handler) {
        if (grow((void **)&k->queue, &k->cap_queue, k->n_queue + 1, sizeof *k->queue, &k->last_err)) {
            o->status = QC_OS_REJECTED;
            risk_release(k, o, INFINITY);
            return 0;
        }
        k->queue[k->n_queue++] = o->id;
        return o->id;
    }
    return send_to_venue(k, o, &k->last_err) ? 0 : o->id;
}

qc_err qc_ctx_cancel(qc_ctx *c, uint64_t id) {
    qc_kernel *k = c->k;
    qc_order *o = (qc_order *)qc_ctx_order(c, id);
    if (!o || !qc_order_is_open(o))
        return qc_err_set(&k->last_err, QC_ERR_EXECUTION, "cancel: order %llu is not open", (unsigned long long)id);
    qc_err rc;
    if (o->status == QC_OS_PENDING_NEW) { /* still queued: never reached the venue */
        rc = qc_order_transition(o, QC_OS_CANCELLED, k->now, &k->last_err);
    } else {
        if (k->opts.risk) qc_risk_note_cancel(k->opts.risk, k->now);
        rc = k->venue->vt->cancel(k->venue, o, &k->last_err);
    }
    if (!rc) risk_release(k, o, INFINITY);
    return rc;
}

qc_err qc_ctx_replace(qc_ctx *c, uint64_t id, double qty, double limit_price, double stop_price) {
    qc_kernel *k = c->k;
    qc_order *o = (qc_order *)qc_ctx_order(c, id);
    if (!o || !qc_order_is_open(o) || o->status == QC_OS_PENDING_CANCEL)
        return qc_err_set(&k->last_err, QC_ERR_EXECUTION, "replace: order %llu is not open", (unsigned long long)id);
    if (!k->opts.risk) return k->venue->vt->replace(k->venue, o, qty, limit_price, stop_price, &k->last_err);
    /* the replacement is checked as an order of its own that takes over the old reservation */
    qc_order_req r = o->req;
    r.qty = qty - o->filled_qty;
    if (limit_price > 0) r.limit_price = limit_price;
    if (stop_price > 0) r.stop_price = stop_price;
    qc_risk_order ro;
    qc_risk_verdict v;
    risk_mark_for_order(k, r.symbol);
    qc_risk_order_from_req(k->opts.risk, &r, k->opts.risk_strategy, &ro);
    ro.is_replace = 1;
    ro.replaced_qty = o->risk_open;
    if (qc_risk_check(k->opts.risk, &ro, k->now, &v)) {
        risk_refused(k, &v);
        return k->last_err.code;
    }
    double old = o->risk_open;
    qc_err rc = k->venue->vt->replace(k->venue, o, qty, limit_price, stop_price, &k->last_err);
    if (rc) { /* the venue kept the old order: restore its reservation */
        qc_risk_order_done(k->opts.risk, r.symbol, r.side, ro.qty);
        qc_risk_order_reserve(k->opts.risk, r.symbol, r.side, old);
    } else {
        o->risk_open = ro.qty;
    }
    return rc;
}

/* ---- venue callbacks -------------------------------------------------------------------------- */

static void on_venue_fill(void *vk, const qc_fill *f) {
    qc_kernel *k = vk;
    qc_order *o = order_at(k, f->order_id);
    if (!o) return;
    if (!k->in_line_fills) marks_flush(k); /* the fill's price is its symbol's mark until the next bar */
    double prev = o->filled_qty;
    o->filled_qty += f->qty;
    o->avg_price = (prev * o->avg_price + f->qty * f->price) / o->filled_qty;
    o->updated_ts = f->ts;
    qc_account_apply_fill(&k->acct, f, k->event_index, NULL);
    if (k->opts.risk) { /* the fill price carries spread, slippage and impact; commission is the fee */
        qc_risk_on_fill(k->opts.risk, o->strategy, f->symbol, f->side, f->qty, f->price, f->costs.commission, 0,
                        f->ts);
        risk_release(k, o, f->qty);
        if (o->filled_qty >= o->req.qty && o->req.qty > 0) risk_release(k, o, INFINITY);
    }
    if (k->strat->on_fill) {
        int was = k->in_handler;
        k->in_handler = 1;
        k->strat->on_fill(k->state, &k->ctx, f);
        k->in_handler = was;
    }
}

/* An order changed state at the venue (expired, cancelled, rejected, filled): a closed order hands
 * back what the risk engine still holds for it. */
static void on_venue_status(void *vk, qc_order *o) {
    qc_kernel *k = vk;
    if (!qc_order_is_open(o)) risk_release(k, o, INFINITY);
}

/* ---- lifecycle -------------------------------------------------------------------------------- */

qc_err qc_kernel_new(const qc_kernel_opts *o, const char *const *symbols, size_t n_symbols,
                     const qc_strategy_def *strat, const qc_params *params, qc_venue *venue,
                     const qc_clock *clock, qc_kernel **out, qc_error *err) {
    *out = NULL;
    qc_kernel *k = calloc(1, sizeof *k);
    if (!k) return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    k->ctx.k = k;
    k->opts = *o;
    k->n_sym = n_symbols;
    k->strat = strat;
    k->params = *params;
    k->venue = venue;
    k->clock = clock;
    k->comparison = NAN;
    k->symbols = calloc(n_symbols ? n_symbols : 1, sizeof *k->symbols);
    k->hist = calloc(n_symbols ? n_symbols : 1, sizeof *k->hist);
    k->has = calloc(n_symbols ? n_symbols : 1, 1);
    k->line_close = calloc(n_symbols ? n_symbols : 1, sizeof *k->line_close);
    k->state = calloc(1, strat->state_size ? strat->state_size : 1);
    qc_err rc = (!k->symbols || !k->hist || !k->has || !k->line_close || !k->state)
                    ? qc_err_set(err, QC_ERR_NOMEM, "out of memory")
                    : qc_account_init(&k->acct, n_symbols, o->cash, err);
    for (size_t s = 0; !rc && s < n_symbols; s++) {
        k->symbols[s] = qc_strdup(symbols[s]);
        if (!k->symbols[s]) rc = qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    }
    k->acct.borrow_rate = o->borrow_rate;
    venue->sink.fill = on_venue_fill;
    venue->sink.status = on_venue_status;
    if (o->risk) {
        const qc_risk_limits *l = qc_risk_get_limits(o->risk);
        k->risk_marks = l->enabled && (l->max_gross > 0 || l->max_net > 0 || l->max_daily_loss > 0 ||
                                       l->max_drawdown > 0 || l->strategy_max_daily_loss > 0 ||
                                       l->strategy_max_drawdown > 0 || l->leverage > 0);
        k->risk_day = INT64_MIN;
    }
    venue->kernel = k;
    venue->views = k->hist;
    if (!rc) rc = strat->init(k->state, &k->params, &k->ctx, err);
    if (rc) {
        if (k->state && strat->free_state) strat->free_state(k->state);
        k->strat = NULL;
        qc_kernel_free(k);
        return rc;
    }
    *out = k;
    return QC_OK;
}

void qc_kernel_free(qc_kernel *k) {
    if (!k) return;
    if (k->strat && k->strat->free_state) k->strat->free_state(k->state);
    free(k->state);
    for (size_t s = 0; s < k->n_sym; s++) {
        if (k->symbols) free(k->symbols[s]);
    }
    free(k->symbols);
    free(k->hist);
    free(k->has);
    free(k->line_close);
    for (size_t b = 0; b < k->n_blocks; b++) free(k->blocks[b]);
    free(k->blocks);
    free(k->queue);
    qc_account_free(&k->acct);
    free(k);
}

/* The engine's trading day starts at the first event of each UTC day. */
static void risk_new_day(qc_kernel *k, int64_t ts) {
    int64_t day = ts >= 0 ? ts / QC_NS_PER_DAY : -((-ts - 1) / QC_NS_PER_DAY) - 1;
    if (day == k->risk_day) return;
    k->risk_day = day;
    qc_risk_day_start(k->opts.risk, ts);
}

/* Carries out what kill switches engaged during the event asked for: cancel every open order, and
 * for flatten also close every position with reduce-only market orders (they pass the switch). */
static void risk_actions(qc_kernel *k) {
    qc_risk_event ev;
    while (qc_risk_poll_event(k->opts.risk, &ev)) {
        k->risk_stats.kills++;
        if (ev.action == QC_RISK_ACT_NONE) continue;
        for (uint64_t id = 1; id <= k->n_orders; id++) {
            qc_order *o = order_at(k, id);
            if (qc_order_is_open(o) && o->status != QC_OS_PENDING_CANCEL && qc_ctx_cancel(&k->ctx, id) == QC_OK)
                k->risk_stats.kill_cancels++;
        }
        if (ev.action != QC_RISK_ACT_FLATTEN) continue;
        for (uint32_t s = 0; s < k->n_sym; s++) {
            double q = k->acct.hold[s].qty;
            if (q == 0) continue;
            qc_order_req r = {.symbol = s, .side = q > 0 ? QC_SELL : QC_BUY, .type = QC_ORD_MARKET,
                              .tif = QC_TIF_DAY, .qty = fabs(q), .reduce_only = 1};
            if (qc_ctx_submit(&k->ctx, &r)) k->risk_stats.kill_flattens++;
        }
    }
}

/* Hands queued orders to the venue, in submission order. */
static void flush_queue(qc_kernel *k) {
    for (size_t i = 0; i < k->n_queue; i++) {
        qc_order *o = order_at(k, k->queue[i]);
        if (o->status == QC_OS_PENDING_NEW) send_to_venue(k, o, &k->last_err);
    }
    k->n_queue = 0;
}

/* An event's bars reach histories, the venue and the marks, symbol by symbol: the venue first fills
 * what rests on s (at the old marks), then s is marked at its close (qc_account_mark, written out so
 * that the loop keeps its pointers in registers across the venue calls). */
static void bars_in(qc_kernel *k, int64_t ts, const qc_bars *const *series, const size_t *idx, const uint8_t *has) {
    qc_venue *v = k->venue;
    const uint8_t *busy = v->busy;
    int match = v->active != 0, marks = k->risk_marks; /* resting orders: the venue matches them on the new bars */
    qc_bar_view *hist = k->hist;
    uint8_t *khas = k->has;
    qc_holding *pos = k->acct.hold;
    k->acct.gen++; /* the marks below */
    for (size_t s = 0, n = k->n_sym; s < n; s++) {
        uint8_t h = has[s];
        khas[s] = h;
        if (!h) continue;
        const qc_bars *b = series[s];
        size_t i = idx[s];
        hist[s].src = b;
        hist[s].n = i + 1;
        if (match && (!busy || busy[s])) v->vt->on_bar(v, (uint32_t)s, b, i);
        double c = b->close[i];
        if (isfinite(c)) pos[s].last_price = c;
        if (marks) qc_risk_on_mark(k->opts.risk, (uint32_t)s, c, ts);
    }
}

/* The rest of an event once its bars are in: borrow, on_bar, the queue, the venue's end, kills. */
static void event_rest(qc_kernel *k, int64_t ts) {
    if (k->opts.borrow_rate > 0 && k->opts.periods_per_year > 0) {
        marks_flush(k);
        qc_account_accrue_borrow(&k->acct, 1.0 / k->opts.periods_per_year);
    }
    if (k->event_index >= k->act_at) { /* before act_at the span hook consumed this event's bars */
        k->in_handler = 1;
        k->strat->on_bar(k->state, &k->ctx);
        k->in_handler = 0;
    }
    if (k->opts.on_signal) marks_flush(k), k->opts.on_signal(k->opts.hook_ctx);
    if (k->n_queue) flush_queue(k);
    if (k->venue->active) {
        k->venue->vt->on_event_end(k->venue, ts);
        if (k->n_queue) flush_queue(k); /* orders placed from on_fill during close fills */
    }
    if (k->opts.risk) risk_actions(k);
    marks_flush(k); /* the event ends with its marks written (and summed for its record) */
    k->event_index++;
}

qc_err qc_kernel_event(qc_kernel *k, int64_t ts, const qc_bars *const *series, const size_t *idx,
                       const uint8_t *has, qc_error *err) {
    (void)err; /* nothing here fails while histories are views; kept for venues that can */
    k->now = ts; /* event time: the close of the bars in this event */
    if (k->opts.risk) risk_new_day(k, ts);
    k->has_all = 0;
    k->line_src = NULL;
    hist_write_n(k);
    bars_in(k, ts, series, idx, has);
    event_rest(k, ts);
    return QC_OK;
}

/* Symbols s0..s1-1 take bar i (none of them busy at the venue): histories and marks. The account
 * marks only the held symbols: a flat symbol's last_price is read by nothing (equity, exposure and
 * the open positions visit held symbols; a fill sets the price before the symbol is held), so
 * leaving it behind changes no result. Closes are finite (qc_kernel_event_line's contract), so a
 * held symbol's mark stays finite. Histories keep their src while the line's series array stays the
 * same (k->line_src): only n moves. With defer (s0..s1 every symbol, no fill before the marks are
 * read but those followed by their own symbol's mark: bars_in_line_split, or no fills at all), the
 * held marks wait for their first reader: marks_flush runs before every reader of marks (equity,
 * borrow, the signal hook, a fill outside the split's loop, the snapshot) and at the event's end,
 * where it sums the snapshot in the same pass; every reader sees the marks written now would give.
 * The histories' lengths are then lazy too (line_n, read through hist_n and the venue's views_n). */
static void held_marks(qc_kernel *k, size_t i, size_t s0, size_t s1);
static void line_marks(qc_kernel *k, int64_t ts, const qc_bars *const *series, size_t i, size_t s0, size_t s1,
                       int defer) {
    qc_bar_view *hist = k->hist;
    k->acct.gen++; /* the marks below */
    if (s1 - s0 <= 4) { /* a few symbols (one busy symbol, a one-symbol line): the same steps, one by one */
        int same = k->line_src == series;
        for (size_t s = s0; s < s1; s++) {
            if (!same) hist[s].src = series[s];
            hist[s].n = i + 1;
            double c = series[s]->close[i];
            if (k->acct.held[s / 64] >> (s % 64) & 1) k->acct.hold[s].last_price = c;
        }
        if (k->risk_marks)
            for (size_t s = s0; s < s1; s++) qc_risk_on_mark(k->opts.risk, (uint32_t)s, series[s]->close[i], ts);
        return;
    }
    if (k->line_src == series && defer) { /* every symbol: the lengths are lazy (hist_n) */
        k->line_n = k->venue->views_n = i + 1;
    } else if (k->line_src == series) {
        size_t s = s0;
        for (; s + 4 <= s1; s += 4) /* four at a time: one store each, the loop's test once */
            hist[s].n = hist[s + 1].n = hist[s + 2].n = hist[s + 3].n = i + 1;
        for (; s < s1; s++) hist[s].n = i + 1;
    } else {
        hist_write_n(k);
        for (size_t s = s0; s < s1; s++) hist[s].src = series[s], hist[s].n = i + 1;
    }
    if (defer)
        k->marks_due = i + 1;
    else
        held_marks(k, i, s0, s1);
    if (k->risk_marks)
        for (size_t s = s0; s < s1; s++) qc_risk_on_mark(k->opts.risk, (uint32_t)s, series[s]->close[i], ts);
}

/* The held symbols among s0..s1-1 marked at their closes at bar i. */
static void held_marks(qc_kernel *k, size_t i, size_t s0, size_t s1) {
    qc_holding *pos = k->acct.hold;
    const uint64_t *held = k->acct.held;
    const double **close = k->line_close;
    for (size_t wi = s0 / 64; s0 < s1 && wi <= (s1 - 1) / 64; wi++) {
        uint64_t w = held[wi];
        if (wi == s0 / 64) w &= ~UINT64_C(0) << (s0 % 64);
        if (wi == (s1 - 1) / 64 && (s1 % 64)) w &= ~(~UINT64_C(0) << (s1 % 64));
        for (; w; w &= w - 1) {
            size_t s = wi * 64 + (size_t)__builtin_ctzll(w);
            pos[s].last_price = close[s][i]; /* finite: the line's contract */
        }
    }
}

/* The first symbol at or after s the venue holds orders for (n when none). */
static size_t next_busy(const uint8_t *busy, size_t s, size_t n) {
    while (s + 8 <= n) {
        uint64_t w;
        memcpy(&w, busy + s, sizeof w);
        if (w) return s + (size_t)__builtin_ctzll(w) / 8; /* little-endian: the lowest byte first */
        s += 8;
    }
    while (s < n && !busy[s]) s++;
    return s;
}

/* Fetch hints for a symbol whose fills come soon: the venue's book and bar, the account's and the
 * risk engine's records of it. */
static void warm_symbol(qc_kernel *k, uint32_t s, const qc_bars *h, size_t i) {
    if (k->venue->vt->warm) k->venue->vt->warm(k->venue, s, h, i);
    __builtin_prefetch(&k->acct.hold[s], 1);
    __builtin_prefetch(&k->acct.pos[s], 1);
    __builtin_prefetch((const char *)&k->acct.pos[s] + 64, 1);
    if (k->opts.risk) qc_risk_warm(k->opts.risk, k->opts.risk_strategy, s);
}

/* bars_in_line's steps in another order, where nothing can tell them apart (no strategy on_fill to
 * read other symbols' bars or the account during fills, no risk-engine marks whose running sums
 * depend on their order): every symbol's history and the held marks first, each in one pass, then
 * the busy symbols' fills, each followed by its own mark. The final state is the same: fills read
 * no marks (they set their symbol's price) and a fill changes only its own symbol. One pass instead
 * of a run of marks between every two busy symbols: no loop exits to mispredict per run. */
static void bars_in_line_split(qc_kernel *k, int64_t ts, const qc_bars *const *series, size_t i) {
    qc_venue *v = k->venue;
    size_t n = k->n_sym;
    line_marks(k, ts, series, i, 0, n, 1);
    k->line_src = series;
    k->in_line_fills = 1;
    for (size_t b = next_busy(v->busy, 0, n); b < n;) {
        size_t nb = next_busy(v->busy, b + 1, n); /* fetched while b's fills run (see bars_in_line) */
        if (nb < n) warm_symbol(k, (uint32_t)nb, series[nb], i);
        v->vt->on_bar(v, (uint32_t)b, series[b], i);
        line_marks(k, ts, series, i, b, b + 1, 0);
        b = nb;
    }
    k->in_line_fills = 0;
}

/* bars_in for an event at which every symbol has bar i: the same steps in the same order (for each
 * symbol the venue's fills, then its marks), with the symbols the venue does not hold orders for
 * passed in runs. */
static void bars_in_line(qc_kernel *k, int64_t ts, const qc_bars *const *series, size_t i) {
    qc_venue *v = k->venue;
    size_t n = k->n_sym;
    if (k->close_src != series) {
        for (size_t s = 0; s < n; s++) k->line_close[s] = series[s]->close;
        k->close_src = series;
    }
    if (!k->has_all) {
        memset(k->has, 1, n);
        k->has_all = 1;
    }
    if (!v->active) {
        line_marks(k, ts, series, i, 0, n, 1);
        k->line_src = series;
        return;
    }
    if (v->busy && !k->risk_marks && !k->strat->on_fill) {
        bars_in_line_split(k, ts, series, i);
        return;
    }
    hist_write_n(k); /* runs of symbols take their bar in turn: lengths one by one */
    size_t b = v->busy ? next_busy(v->busy, 0, n) : 0;
    for (size_t s = 0; s < n;) {
        line_marks(k, ts, series, i, s, b, 0);
        if (b == n) break;
        /* the next busy symbol (on_bar of b changes no other symbol's busy flag): its state is
         * asked for now, so it arrives while b's fills run */
        size_t nb = v->busy ? next_busy(v->busy, b + 1, n) : b + 1;
        if (nb < n) warm_symbol(k, (uint32_t)nb, series[nb], i);
        k->hist[b].src = series[b];
        k->hist[b].n = i + 1;
        v->vt->on_bar(v, (uint32_t)b, series[b], i);
        line_marks(k, ts, series, i, b, b + 1, 0);
        s = b + 1;
        b = nb;
    }
    k->line_src = series;
}

qc_err qc_kernel_event_line(qc_kernel *k, int64_t ts, const qc_bars *const *series, size_t i, qc_error *err) {
    (void)err;
    k->now = ts;
    if (k->opts.risk) risk_new_day(k, ts);
    bars_in_line(k, ts, series, i);
    event_rest(k, ts);
    return QC_OK;
}

void qc_ctx_set_on_span(const qc_ctx *ctx, const qc_strategy_def *self, qc_on_span_fn fn) {
    if (self == ctx->k->strat) ctx->k->on_span = fn, ctx->k->span_always = 0;
}

void qc_ctx_set_on_span_always(const qc_ctx *ctx, const qc_strategy_def *self, qc_on_span_fn fn) {
    if (self == ctx->k->strat) ctx->k->on_span = fn, ctx->k->span_always = 1;
}

/* Orders rest, but the hook's answer holds regardless: on_bar can wait for the event it returns. */
static void look_ahead(qc_kernel *k, const qc_bars *const *series, size_t from, size_t to) {
    if (!k->on_span || !k->span_always || k->opts.on_signal || k->act_at > from) return;
    qc_span span = {series, from, to};
    k->in_handler = 1;
    size_t stop = k->on_span(k->state, &k->ctx, &span);
    k->in_handler = 0;
    k->act_at = stop < from ? from : stop;
}

/* Nothing can happen at a quiet event but the strategy's reading of its bars. */
static int quiet_possible(const qc_kernel *k) {
    return k->on_span && k->venue->active == 0 && k->n_queue == 0 && !k->opts.on_signal && !k->risk_marks &&
           !(k->opts.borrow_rate > 0 && k->opts.periods_per_year > 0);
}

size_t qc_kernel_quiet(qc_kernel *k, const int64_t *ts, const qc_bars *const *series, size_t from, size_t to) {
    if (from >= to) return from;
    if (!quiet_possible(k)) {
        if (from == k->event_index) look_ahead(k, series, from, to);
        return from;
    }
    qc_span span = {series, from, to};
    k->in_handler = 1;
    size_t stop = k->on_span(k->state, &k->ctx, &span);
    k->in_handler = 0;
    k->act_at = stop; /* on_bar runs again at stop (an earlier look-ahead said the same) */
    if (stop <= from) return from;
    if (stop > to) stop = to;
    /* the state qc_kernel_event leaves after event stop - 1: the latest finite close is the mark */
    k->line_src = NULL;
    k->line_n = 0, k->venue->views_n = 0; /* every length written below */
    for (size_t s = 0; s < k->n_sym; s++) {
        const double *c = series[s]->close;
        k->has[s] = 1;
        k->hist[s].src = series[s];
        k->hist[s].n = stop;
        size_t i = stop;
        while (i > from && !isfinite(c[i - 1])) i--;
        if (i > from) qc_account_mark(&k->acct, (uint32_t)s, c[i - 1]);
    }
    k->now = ts[stop - 1];
    /* The engine's day start reads only its P&L, which no quiet event changes (no fills, and no
     * marks: risk_marks is 0), so starting the last new day of the span is the same as starting each. */
    if (k->opts.risk) risk_new_day(k, k->now);
    k->event_index += stop - from;
    return stop;
}

size_t qc_kernel_cancel_symbol(qc_kernel *k, uint32_t s) {
    size_t n = 0;
    for (uint64_t id = 1; id <= k->n_orders; id++) {
        qc_order *o = order_at(k, id);
        if (s != UINT32_MAX && o->req.symbol != s) continue;
        if (qc_order_is_open(o) && o->status != QC_OS_PENDING_CANCEL && qc_ctx_cancel(&k->ctx, id) == QC_OK) n++;
    }
    return n;
}

size_t qc_kernel_cancel_all(qc_kernel *k) { return qc_kernel_cancel_symbol(k, UINT32_MAX); }

void qc_kernel_finish(qc_kernel *k) {
    if (k->strat->on_finish) {
        k->in_handler = 1;
        k->strat->on_finish(k->state, &k->ctx);
        k->in_handler = 0;
    }
}

const qc_account *qc_kernel_account(const qc_kernel *k) { return &k->acct; }
const qc_kernel_risk_stats *qc_kernel_risk(const qc_kernel *k) { return &k->risk_stats; }

size_t qc_kernel_n_orders(const qc_kernel *k) { return k->n_orders; }
const qc_order *qc_kernel_order(const qc_kernel *k, uint64_t id) { return order_at(k, id); }
