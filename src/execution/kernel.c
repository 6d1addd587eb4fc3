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
};

/* ---- parameters ------------------------------------------------------------------------------- */

static qc_err param_value(const qc_param_spec *sp, const char *v, const char *strategy, double *out,
                          qc_error *err) {
    int64_t i;
    int b;
    double d;
    size_t len = strlen(v);
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
    }
    return QC_OK;
}

double qc_params_get(const qc_params *p, const char *name) {
    int k = find_param(p->spec, p->n, name, strlen(name));
    return k >= 0 ? p->value[k] : NAN;
}

/* ---- ctx services ----------------------------------------------------------------------------- */

/* The clock's time (replayed in a backtest, the wall clock live); the event time without a clock. */
int64_t qc_ctx_now(const qc_ctx *c) { return c->k->clock ? c->k->clock->now(c->k->clock) : c->k->now; }
size_t qc_ctx_n_symbols(const qc_ctx *c) { return c->k->n_sym; }
const qc_strategy_def *qc_ctx_strategy(const qc_ctx *c) { return c->k->strat; }
const char *qc_ctx_symbol(const qc_ctx *c, uint32_t s) { return s < c->k->n_sym ? c->k->symbols[s] : ""; }
int qc_ctx_has_bar(const qc_ctx *c, uint32_t s) { return s < c->k->n_sym && c->k->has[s]; }
size_t qc_ctx_history_len(const qc_ctx *c, uint32_t s) { return s < c->k->n_sym ? c->k->hist[s].n : 0; }

/* The only way a strategy reads prices: lag >= 0 into what has closed; the future is not there. */
static double hist_field(const qc_ctx *c, uint32_t s, long lag, size_t field) {
    if (s >= c->k->n_sym || lag < 0) return NAN;
    const qc_bar_view *h = &c->k->hist[s];
    if ((size_t)lag >= h->n) return NAN;
    const double *col[5] = {h->src->open, h->src->high, h->src->low, h->src->close, h->src->volume};
    return col[field][h->n - 1 - (size_t)lag];
}

double qc_ctx_open(const qc_ctx *c, uint32_t s, long lag) { return hist_field(c, s, lag, 0); }
double qc_ctx_high(const qc_ctx *c, uint32_t s, long lag) { return hist_field(c, s, lag, 1); }
double qc_ctx_low(const qc_ctx *c, uint32_t s, long lag) { return hist_field(c, s, lag, 2); }
double qc_ctx_close(const qc_ctx *c, uint32_t s, long lag) { return hist_field(c, s, lag, 3); }
double qc_ctx_volume(const qc_ctx *c, uint32_t s, long lag) { return hist_field(c, s, lag, 4); }
double qc_ctx_position(const qc_ctx *c, uint32_t s) { return s < c->k->n_sym ? c->k->acct.pos[s].qty : 0; }
double qc_ctx_cash(const qc_ctx *c) { return c->k->acct.cash; }
double qc_ctx_equity(const qc_ctx *c) { return qc_account_equity(&c->k->acct); }
const qc_error *qc_ctx_last_error(const qc_ctx *c) { return &c->k->last_err; }

#define ORDER_BLOCK 1024

static qc_order *order_at(const qc_kernel *k, uint64_t id) {
    if (id < 1 || id > k->n_orders) return NULL;
    return &k->blocks[(id - 1) / ORDER_BLOCK][(id - 1) % ORDER_BLOCK];
}

const qc_order *qc_ctx_order(const qc_ctx *c, uint64_t id) { return order_at(c->k, id); }

/* Gross exposure after the order, over equity: the leverage check for orders that add exposure. */
static int breaches_leverage(const qc_kernel *k, const qc_order_req *r) {
    if (k->opts.leverage_limit <= 0 || r->reduce_only) return 0;
    const qc_position *p = &k->acct.pos[r->symbol];
    const qc_bar_view *h = &k->hist[r->symbol];
    double px = h->n ? h->src->close[h->n - 1] : p->avg_cost;
    double notional = r->cash > 0 ? r->cash : r->qty * px;
    double signed_after = p->qty * px + (r->side == QC_BUY ? notional : -notional);
    double gross = qc_account_gross_exposure(&k->acct) - fabs(p->qty * px) + fabs(signed_after);
    double eq = qc_account_equity(&k->acct);
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

static qc_err send_to_venue(qc_kernel *k, qc_order *o, qc_error *err) {
    qc_err rc = k->venue->vt->submit(k->venue, o, err);
    if (rc && o->status == QC_OS_PENDING_NEW) qc_order_transition(o, QC_OS_REJECTED, k->now, NULL);
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
    if (k->in_handler) {
        if (grow((void **)&k->queue, &k->cap_queue, k->n_queue + 1, sizeof *k->queue, &k->last_err)) {
            o->status = QC_OS_REJECTED;
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
    if (o->status == QC_OS_PENDING_NEW) /* still queued: never reached the venue */
        return qc_order_transition(o, QC_OS_CANCELLED, k->now, &k->last_err);
    return k->venue->vt->cancel(k->venue, o, &k->last_err);
}

qc_err qc_ctx_replace(qc_ctx *c, uint64_t id, double qty, double limit_price, double stop_price) {
    qc_kernel *k = c->k;
    qc_order *o = (qc_order *)qc_ctx_order(c, id);
    if (!o || !qc_order_is_open(o) || o->status == QC_OS_PENDING_CANCEL)
        return qc_err_set(&k->last_err, QC_ERR_EXECUTION, "replace: order %llu is not open", (unsigned long long)id);
    return k->venue->vt->replace(k->venue, o, qty, limit_price, stop_price, &k->last_err);
}

/* ---- venue callbacks -------------------------------------------------------------------------- */

static void on_venue_fill(void *vk, const qc_fill *f) {
    qc_kernel *k = vk;
    qc_order *o = order_at(k, f->order_id);
    if (!o) return;
    double prev = o->filled_qty;
    o->filled_qty += f->qty;
    o->avg_price = (prev * o->avg_price + f->qty * f->price) / o->filled_qty;
    o->updated_ts = f->ts;
    qc_account_apply_fill(&k->acct, f, k->event_index, NULL);
    if (k->strat->on_fill) {
        int was = k->in_handler;
        k->in_handler = 1;
        k->strat->on_fill(k->state, &k->ctx, f);
        k->in_handler = was;
    }
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
    k->symbols = calloc(n_symbols ? n_symbols : 1, sizeof *k->symbols);
    k->hist = calloc(n_symbols ? n_symbols : 1, sizeof *k->hist);
    k->has = calloc(n_symbols ? n_symbols : 1, 1);
    k->state = calloc(1, strat->state_size ? strat->state_size : 1);
    qc_err rc = (!k->symbols || !k->hist || !k->has || !k->state) ? qc_err_set(err, QC_ERR_NOMEM, "out of memory")
                                                                  : qc_account_init(&k->acct, n_symbols, o->cash, err);
    for (size_t s = 0; !rc && s < n_symbols; s++) {
        k->symbols[s] = qc_strdup(symbols[s]);
        if (!k->symbols[s]) rc = qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    }
    k->acct.borrow_rate = o->borrow_rate;
    venue->sink.fill = on_venue_fill;
    venue->sink.status = NULL; /* statuses live in the order table; a journal hooks in here later */
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
    for (size_t b = 0; b < k->n_blocks; b++) free(k->blocks[b]);
    free(k->blocks);
    free(k->queue);
    qc_account_free(&k->acct);
    free(k);
}

/* Hands queued orders to the venue, in submission order. */
static void flush_queue(qc_kernel *k) {
    for (size_t i = 0; i < k->n_queue; i++) {
        qc_order *o = order_at(k, k->queue[i]);
        if (o->status == QC_OS_PENDING_NEW) send_to_venue(k, o, &k->last_err);
    }
    k->n_queue = 0;
}

qc_err qc_kernel_event(qc_kernel *k, int64_t ts, const qc_bars *const *series, const size_t *idx,
                       const uint8_t *has, qc_error *err) {
    (void)err; /* nothing here fails while histories are views; kept for venues that can */
    k->now = ts; /* event time: the close of the bars in this event */
    int match = k->venue->active != 0; /* resting orders: the venue matches them on the new bars */
    for (size_t s = 0; s < k->n_sym; s++) {
        k->has[s] = has[s];
        if (!has[s]) continue;
        k->hist[s].src = series[s];
        k->hist[s].n = idx[s] + 1;
        if (match) k->venue->vt->on_bar(k->venue, (uint32_t)s, series[s], idx[s]); /* fills at old marks */
        qc_account_mark(&k->acct, (uint32_t)s, series[s]->close[idx[s]]);
    }
    if (k->opts.borrow_rate > 0 && k->opts.periods_per_year > 0)
        qc_account_accrue_borrow(&k->acct, 1.0 / k->opts.periods_per_year);
    k->in_handler = 1;
    k->strat->on_bar(k->state, &k->ctx);
    k->in_handler = 0;
    if (k->n_queue) flush_queue(k);
    if (k->venue->active) {
        k->venue->vt->on_event_end(k->venue, ts);
        if (k->n_queue) flush_queue(k); /* orders placed from on_fill during close fills */
    }
    k->event_index++;
    return QC_OK;
}

void qc_kernel_finish(qc_kernel *k) {
    if (k->strat->on_finish) {
        k->in_handler = 1;
        k->strat->on_finish(k->state, &k->ctx);
        k->in_handler = 0;
    }
}

const qc_account *qc_kernel_account(const qc_kernel *k) { return &k->acct; }

size_t qc_kernel_n_orders(const qc_kernel *k) { return k->n_orders; }
const qc_order *qc_kernel_order(const qc_kernel *k, uint64_t id) { return order_at(k, id); }
