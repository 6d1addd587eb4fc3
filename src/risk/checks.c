/* checks.c: the pre-trade check suite. Each check is a small function over one precomputed order
 * context (price, valuation price, reservations after the order) that either passes or fills the
 * verdict with its id, limit and value. qc_risk_check runs them in the documented order, stops at
 * the first rejection and, on acceptance, reserves the order; qc_risk_explain runs all of them
 * without changing anything. No allocation, lock, system call or formatting on this path. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/fminmax.h"
#include "risk/risk_int.h"

/* Limits are compared with a relative tolerance of 1e-9, so that a value equal to its limit up to
 * binary rounding (165 / 150 - 1 vs 10%) passes: "value > limit" means beyond that tolerance. */
static inline int over(double x, double lim) { return x > lim + 1e-9 * fabs(lim); }

typedef struct {
    const qc_risk_order *o;
    const risk_sym *s;
    const risk_strat *st;
    double px;        /* order price: limit, else stop, else the reference */
    double ref;       /* reference price (mark), NaN when none */
    double val;       /* valuation price for exposures */
    double open_buy, open_sell; /* the symbol's reservations with this order */
    double wgross, nlong, nshort; /* the symbol's worst-case contributions with this order */
    int64_t now;
    uint64_t dup_key;
} cctx;

static inline int has_limit(qc_order_type t) { return t == QC_ORD_LIMIT || t == QC_ORD_STOP_LIMIT; }
static inline int has_stop(qc_order_type t) { return t == QC_ORD_STOP || t == QC_ORD_STOP_LIMIT; }

static inline int reject(qc_risk_verdict *v, qc_risk_check_id id, double limit, double value) {
    v->check = id;
    v->limit = limit;
    v->value = value;
    return 1;
}

static inline int valid_price(double p) { return p > 0 && p < 1e300; }

/* 0 or a reason: 1 bad symbol/strategy, 2 bad qty, 3 bad price, 4 no reference price. */
static int bad_order(const qc_risk *r, const qc_risk_order *o) {
    if (o->symbol >= r->n_sym || o->strategy >= r->n_strat) return 1;
    if (!(o->qty > 0 && o->qty < 1e300) || (o->side != QC_BUY && o->side != QC_SELL)) return 2;
    if ((unsigned)o->type > QC_ORD_STOP_LIMIT || (unsigned)o->tif > QC_TIF_FOK) return 3;
    if (o->is_replace && !(o->replaced_qty >= 0 && o->replaced_qty < 1e300)) return 2;
    if (has_limit(o->type) && !valid_price(o->limit_price)) return 3;
    if (has_stop(o->type) && !valid_price(o->stop_price)) return 3;
    if (o->type == QC_ORD_MARKET && !(r->sym[o->symbol].val > 0)) return 4;
    return 0;
}

static uint64_t mix(uint64_t h, uint64_t x) {
    h ^= x + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    return h * 0xff51afd7ed558ccdULL;
}

static uint64_t dbits(double d) {
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return u;
}

static uint64_t dup_key(const qc_risk_order *o) {
    uint64_t h = mix(0x51ed270b27a4e1f3ULL, ((uint64_t)o->strategy << 8) | ((uint64_t)(o->side + 1) << 4) | o->type);
    h = mix(h, dbits(o->qty));
    h = mix(h, has_limit(o->type) ? dbits(o->limit_price) : 0);
    h = mix(h, has_stop(o->type) ? dbits(o->stop_price) : 0);
    return h | 1; /* 0 marks an empty slot */
}

static void make_ctx(const qc_risk *r, const qc_risk_order *o, int64_t now, cctx *c) {
    const risk_sym *s = &r->sym[o->symbol];
    c->o = o;
    c->s = s;
    c->st = &r->strat[o->strategy];
    c->now = now;
    c->ref = s->mark;
    c->px = has_limit(o->type) ? o->limit_price : has_stop(o->type) ? o->stop_price : s->val;
    c->val = s->val > 0 ? s->val : c->px;
    double release = o->is_replace ? o->replaced_qty : 0;
    c->open_buy = s->open_buy + (o->side == QC_BUY ? o->qty - release : 0);
    c->open_sell = s->open_sell + (o->side == QC_SELL ? o->qty - release : 0);
    double bl = s->qty + c->open_buy, bs = s->qty - c->open_sell;
    c->wgross = qc_fmax(fabs(bl), fabs(bs)) * c->val;
    c->nlong = bl * c->val;
    c->nshort = bs * c->val;
    c->dup_key = 0;
}

/* ---- the checks ------------------------------------------------------------------------------ */

/* A reduce-only order that truly reduces the position, open orders on its side included. */
static inline int truly_reduces(const cctx *c) {
    double q = c->s->qty;
    if (!c->o->reduce_only) return 0;
    return c->o->side == QC_BUY ? q < 0 && !over(c->open_buy, -q) : q > 0 && !over(c->open_sell, q);
}

static int c_kill(const qc_risk *r, const cctx *c, qc_risk_verdict *v) {
    const risk_sym *s = c->s;
    if (!r->killed_global && !c->st->killed && !s->killed) return 0;
    if (r->lim.kill_allows_reduce_only && truly_reduces(c)) return 0;
    v->scope = r->killed_global ? QC_RISK_SCOPE_GLOBAL : c->st->killed ? QC_RISK_SCOPE_STRATEGY : QC_RISK_SCOPE_SYMBOL;
    return reject(v, QC_RISK_CHK_KILL_SWITCH, 0, 1);
}

static int c_restricted(const qc_risk *r, const cctx *c, qc_risk_verdict *v) {
    (void)r;
    return c->s->restricted ? reject(v, QC_RISK_CHK_RESTRICTED, 0, 1) : 0;
}

static int c_max_qty(const qc_risk *r, const cctx *c, qc_risk_verdict *v) {
    double lim = r->lim.max_order_qty;
    return lim > 0 && over(c->o->qty, lim) ? reject(v, QC_RISK_CHK_MAX_QTY, lim, c->o->qty) : 0;
}

static int c_max_notional(const qc_risk *r, const cctx *c, qc_risk_verdict *v) {
    double lim = r->lim.max_order_notional, n = c->o->qty * c->px;
    return lim > 0 && over(n, lim) ? reject(v, QC_RISK_CHK_MAX_NOTIONAL, lim, n) : 0;
}

static int c_min_qty(const qc_risk *r, const cctx *c, qc_risk_verdict *v) {
    double lim = r->lim.min_order_qty;
    return lim > 0 && over(lim, c->o->qty) ? reject(v, QC_RISK_CHK_MIN_QTY, lim, c->o->qty) : 0;
}

/* x is a whole number up to a relative 1e-9 (prices and sizes as decimals). */
static inline int whole(double x) { return fabs(x - nearbyint(x)) <= 1e-9 * fmax(1.0, fabs(x)); }

static int c_lot(const qc_risk *r, const cctx *c, qc_risk_verdict *v) {
    (void)r;
    const risk_sym *s = c->s;
    return s->lot > 0 && !whole(c->o->qty * s->inv_lot) ? reject(v, QC_RISK_CHK_LOT, s->lot, c->o->qty) : 0;
}

static inline double tick_for(const qc_risk *r, const risk_sym *s, double price) {
    return price < 1.0 && r->tick_below_1 > 0 ? r->tick_below_1 : s->tick;
}

static int c_tick(const qc_risk *r, const cctx *c, qc_risk_verdict *v) {
    const qc_risk_order *o = c->o;
    if (has_limit(o->type)) {
        double t = tick_for(r, c->s, o->limit_price);
        if (t > 0 && !whole(o->limit_price / t)) return reject(v, QC_RISK_CHK_TICK, t, o->limit_price);
    }
    if (has_stop(o->type)) {
        double t = tick_for(r, c->s, o->stop_price);
        if (t > 0 && !whole(o->stop_price / t)) return reject(v, QC_RISK_CHK_TICK, t, o->stop_price);
    }
    return 0;
}

/* Percent: |limit / ref - 1| x 100 <= pct; ticks: |limit - ref| / tick <= ticks. Value in the
 * limit's unit; NaN when there is no reference price to compare with. */
static int c_collar(const qc_risk *r, const cctx *c, qc_risk_verdict *v) {
    double pct = r->lim.collar_pct, ticks = r->lim.collar_ticks;
    if (!has_limit(c->o->type) || (pct <= 0 && ticks <= 0)) return 0;
    double ref = c->ref, lp = c->o->limit_price;
    if (!(ref > 0)) return reject(v, QC_RISK_CHK_COLLAR, pct > 0 ? pct : ticks, NAN);
    double dev = fabs(lp - ref);
    if (pct > 0 && over(dev, ref * pct * 0.01)) return reject(v, QC_RISK_CHK_COLLAR, pct, dev / ref * 100.0);
    double t = tick_for(r, c->s, ref);
    if (ticks > 0 && t > 0 && over(dev, ticks * t)) return reject(v, QC_RISK_CHK_COLLAR, ticks, dev / t);
    return 0;
}

/* Worst case with every open order filled: buys can only raise the long side, sells the short side;
 * an order that does not raise its side (a smaller replace) always passes. */
static int c_pos_long(const qc_risk *r, const cctx *c, qc_risk_verdict *v) {
    (void)r;
    const risk_sym *s = c->s;
    double lim = s->max_long, after = s->qty + c->open_buy;
    if (lim <= 0 || c->o->side != QC_BUY || !over(after, lim) || !(c->open_buy > s->open_buy)) return 0;
    return reject(v, QC_RISK_CHK_POS_LONG, lim, after);
}

static int c_pos_short(const qc_risk *r, const cctx *c, qc_risk_verdict *v) {
    (void)r;
    const risk_sym *s = c->s;
    double lim = s->max_short, after = c->open_sell - s->qty;
    if (lim <= 0 || c->o->side != QC_SELL || !over(after, lim) || !(c->open_sell > s->open_sell)) return 0;
    return reject(v, QC_RISK_CHK_POS_SHORT, lim, after);
}

static int c_gross(const qc_risk *r, const cctx *c, qc_risk_verdict *v) {
    double lim = r->lim.max_gross, after = r->wgross - c->s->wgross + c->wgross;
    return lim > 0 && c->wgross > c->s->wgross && over(after, lim) ? reject(v, QC_RISK_CHK_GROSS, lim, after) : 0;
}

static int c_net(const qc_risk *r, const cctx *c, qc_risk_verdict *v) {
    double lim = r->lim.max_net;
    if (lim <= 0) return 0;
    if (c->o->side == QC_BUY) {
        double after = r->nlong - c->s->nlong + c->nlong;
        return c->nlong > c->s->nlong && over(after, lim) ? reject(v, QC_RISK_CHK_NET, lim, after) : 0;
    }
    double after = r->nshort - c->s->nshort + c->nshort;
    return c->nshort < c->s->nshort && over(-after, lim) ? reject(v, QC_RISK_CHK_NET, lim, -after) : 0;
}

/* Loss and drawdown checks refuse new risk once a limit is broken; orders that truly reduce a
 * position (the flatten action's orders) pass. */
static int c_daily_loss(const qc_risk *r, const cctx *c, qc_risk_verdict *v) {
    double lim = r->lim.max_daily_loss, slim = r->lim.strategy_max_daily_loss;
    if (truly_reduces(c)) return 0;
    double loss = r->day_start - (r->realized + r->unreal);
    if (lim > 0 && over(loss, lim)) {
        v->scope = QC_RISK_SCOPE_GLOBAL;
        return reject(v, QC_RISK_CHK_DAILY_LOSS, lim, loss);
    }
    double sloss = c->st->day_start - (c->st->realized + c->st->unreal);
    if (slim > 0 && over(sloss, slim)) {
        v->scope = QC_RISK_SCOPE_STRATEGY;
        return reject(v, QC_RISK_CHK_DAILY_LOSS, slim, sloss);
    }
    return 0;
}

static int c_drawdown(const qc_risk *r, const cctx *c, qc_risk_verdict *v) {
    double lim = r->lim.max_drawdown, slim = r->lim.strategy_max_drawdown;
    if (truly_reduces(c)) return 0;
    double dd = r->day_peak - (r->realized + r->unreal);
    if (lim > 0 && over(dd, lim)) {
        v->scope = QC_RISK_SCOPE_GLOBAL;
        return reject(v, QC_RISK_CHK_DRAWDOWN, lim, dd);
    }
    double sdd = c->st->day_peak - (c->st->realized + c->st->unreal);
    if (slim > 0 && over(sdd, slim)) {
        v->scope = QC_RISK_SCOPE_STRATEGY;
        return reject(v, QC_RISK_CHK_DRAWDOWN, slim, sdd);
    }
    return 0;
}

/* Tokens a bucket would hold at now (time never runs backwards for a bucket). */
static inline double bucket_peek(const risk_bucket *b, int64_t now) {
    if (b->last_ns == INT64_MIN || now <= b->last_ns) return b->tokens;
    double t = b->tokens + (double)(now - b->last_ns) * b->rate_per_ns;
    return t < b->burst ? t : b->burst;
}

void qc_risk__bucket_refill(risk_bucket *b, int64_t now_ns) {
    b->tokens = bucket_peek(b, now_ns);
    if (b->last_ns == INT64_MIN || now_ns > b->last_ns) b->last_ns = now_ns;
}

static int c_order_rate(const qc_risk *r, const cctx *c, qc_risk_verdict *v) {
    if (r->lim.orders_per_sec <= 0 || c->o->is_replace) return 0;
    double t = bucket_peek(&r->order_bucket, c->now);
    return t < 1.0 - 1e-9 ? reject(v, QC_RISK_CHK_ORDER_RATE, r->lim.orders_per_sec, t) : 0;
}

static int c_msg_rate(const qc_risk *r, const cctx *c, qc_risk_verdict *v) {
    if (r->lim.messages_per_sec <= 0) return 0;
    double t = bucket_peek(&r->msg_bucket, c->now);
    return t < 1.0 - 1e-9 ? reject(v, QC_RISK_CHK_MSG_RATE, r->lim.messages_per_sec, t) : 0;
}

/* The same order (strategy, side, type, qty, prices) seen on this symbol less than the window ago. */
static int c_duplicate(const qc_risk *r, cctx *c, qc_risk_verdict *v) {
    int64_t w = r->lim.duplicate_window_ns;
    if (w <= 0 || c->o->is_replace) return 0;
    c->dup_key = dup_key(c->o);
    for (int i = 0; i < QC_RISK_DUP_SLOTS; i++) {
        const risk_dup_slot *d = &c->s->dup[i];
        if (d->key == c->dup_key && c->now >= d->ts_ns && c->now - d->ts_ns < w)
            return reject(v, QC_RISK_CHK_DUPLICATE, (double)w * 1e-6, (double)(c->now - d->ts_ns) * 1e-6);
    }
    return 0;
}

static int c_buying_power(const qc_risk *r, const cctx *c, qc_risk_verdict *v) {
    double lev = r->lim.leverage;
    if (lev <= 0 || !(c->wgross > c->s->wgross)) return 0;
    double equity = r->initial_cash + r->realized + r->unreal;
    double after = r->wgross - c->s->wgross + c->wgross, lim = equity * lev;
    return over(after, lim) ? reject(v, QC_RISK_CHK_BUYING_POWER, lim, after) : 0;
}

/* ---- the suite ------------------------------------------------------------------------------- */

static void verdict_init(const qc_risk_order *o, qc_risk_verdict *v) {
    v->check = QC_RISK_PASS;
    v->code = QC_OK;
    v->scope = QC_RISK_SCOPE_GLOBAL;
    v->symbol = o->symbol;
    v->strategy = o->strategy;
    v->limit = v->value = 0;
}

static qc_err finish(qc_risk_verdict *v) {
    v->code = qc_risk_check_code(v->check);
    return v->code;
}

static int c_valid(const qc_risk *r, const qc_risk_order *o, qc_risk_verdict *v) {
    int why = bad_order(r, o);
    return why ? reject(v, QC_RISK_CHK_VALID, 0, why) : 0;
}

/* Takes the accepted order's reservation, tokens and duplicate slot. */
static void commit(qc_risk *r, const qc_risk_order *o, const cctx *c) {
    risk_sym *s = &r->sym[o->symbol];
    s->open_buy = c->open_buy;
    s->open_sell = c->open_sell;
    if (!(s->val > 0)) s->val = c->px;
    qc_risk__sym_refresh(r, s);
    if (r->lim.messages_per_sec > 0) {
        qc_risk__bucket_refill(&r->msg_bucket, c->now);
        r->msg_bucket.tokens -= 1.0;
    }
    if (o->is_replace) return;
    if (r->lim.orders_per_sec > 0) {
        qc_risk__bucket_refill(&r->order_bucket, c->now);
        r->order_bucket.tokens -= 1.0;
    }
    if (c->dup_key) {
        risk_dup_slot *d = &s->dup[s->dup_next];
        d->key = c->dup_key;
        d->ts_ns = c->now;
        s->dup_next = (uint8_t)((s->dup_next + 1) % QC_RISK_DUP_SLOTS);
    }
}

qc_err qc_risk_check(qc_risk *r, const qc_risk_order *o, int64_t now_ns, qc_risk_verdict *v) {
    verdict_init(o, v);
    if (c_valid(r, o, v)) return finish(v);
    cctx c;
    make_ctx(r, o, now_ns, &c);
    if (r->lim.enabled &&
        (c_kill(r, &c, v) || c_restricted(r, &c, v) || c_max_qty(r, &c, v) || c_max_notional(r, &c, v) ||
         c_min_qty(r, &c, v) || c_lot(r, &c, v) || c_tick(r, &c, v) || c_collar(r, &c, v) || c_pos_long(r, &c, v) ||
         c_pos_short(r, &c, v) || c_gross(r, &c, v) || c_net(r, &c, v) || c_daily_loss(r, &c, v) ||
         c_drawdown(r, &c, v) || c_order_rate(r, &c, v) || c_msg_rate(r, &c, v) || c_duplicate(r, &c, v) ||
         c_buying_power(r, &c, v)))
        return finish(v);
    commit(r, o, &c);
    return QC_OK;
}

qc_err qc_risk_explain(const qc_risk *r, const qc_risk_order *o, int64_t now_ns, qc_risk_verdict *out) {
    for (int i = 0; i < QC_RISK_CHK__COUNT; i++) verdict_init(o, &out[i]);
    qc_err first = QC_OK;
    if (c_valid(r, o, &out[QC_RISK_CHK_VALID])) {
        out[0] = out[QC_RISK_CHK_VALID];
        return finish(&out[0]);
    }
    cctx c;
    make_ctx(r, o, now_ns, &c);
    typedef int (*chk_fn)(const qc_risk *, const cctx *, qc_risk_verdict *);
    static const chk_fn k_fns[QC_RISK_CHK__COUNT] = {
        [QC_RISK_CHK_KILL_SWITCH] = c_kill,      [QC_RISK_CHK_RESTRICTED] = c_restricted,
        [QC_RISK_CHK_MAX_QTY] = c_max_qty,       [QC_RISK_CHK_MAX_NOTIONAL] = c_max_notional,
        [QC_RISK_CHK_MIN_QTY] = c_min_qty,       [QC_RISK_CHK_LOT] = c_lot,
        [QC_RISK_CHK_TICK] = c_tick,             [QC_RISK_CHK_COLLAR] = c_collar,
        [QC_RISK_CHK_POS_LONG] = c_pos_long,     [QC_RISK_CHK_POS_SHORT] = c_pos_short,
        [QC_RISK_CHK_GROSS] = c_gross,           [QC_RISK_CHK_NET] = c_net,
        [QC_RISK_CHK_DAILY_LOSS] = c_daily_loss, [QC_RISK_CHK_DRAWDOWN] = c_drawdown,
        [QC_RISK_CHK_ORDER_RATE] = c_order_rate, [QC_RISK_CHK_MSG_RATE] = c_msg_rate,
        [QC_RISK_CHK_BUYING_POWER] = c_buying_power,
    };
    for (int i = QC_RISK_CHK_KILL_SWITCH; i < QC_RISK_CHK__COUNT && r->lim.enabled; i++) {
        int bad = i == QC_RISK_CHK_DUPLICATE ? c_duplicate(r, &c, &out[i]) : k_fns[i](r, &c, &out[i]);
        if (bad && !first) {
            first = finish(&out[i]);
            out[0] = out[i];
        } else if (bad) finish(&out[i]);
    }
    return first;
}

/* ---- formatting (off the hot path) ----------------------------------------------------------- */

static const char *k_valid_why[] = {"", "unknown symbol or strategy", "quantity must be a positive number",
                                    "missing or non-positive price for the order type",
                                    "market order without a reference price"};

size_t qc_risk_verdict_format(const qc_risk *r, const qc_risk_verdict *v, char *buf, size_t n) {
    const char *sym = qc_risk_symbol_name(r, v->symbol), *name = qc_risk_check_name(v->check);
    int k;
    switch (v->check) {
    case QC_RISK_PASS: k = snprintf(buf, n, "accepted (%s)", sym); break;
    case QC_RISK_CHK_VALID: {
        int why = v->value >= 1 && v->value <= 4 ? (int)v->value : 1;
        k = snprintf(buf, n, "%s: %s (%s)", name, k_valid_why[why], sym);
        break;
    }
    case QC_RISK_CHK_KILL_SWITCH:
        k = snprintf(buf, n, "%s: %s kill switch engaged%s%s (%s)", name, qc_risk_scope_name(v->scope),
                     v->scope == QC_RISK_SCOPE_STRATEGY ? " for strategy " : "",
                     v->scope == QC_RISK_SCOPE_STRATEGY ? qc_risk_strategy_name(r, v->strategy) : "", sym);
        break;
    case QC_RISK_CHK_RESTRICTED: k = snprintf(buf, n, "%s: %s is on the restricted list", name, sym); break;
    case QC_RISK_CHK_LOT:
        k = snprintf(buf, n, "%s: quantity %.10g is not a multiple of the lot size %.10g (%s)", name, v->value, v->limit, sym);
        break;
    case QC_RISK_CHK_TICK:
        k = snprintf(buf, n, "%s: price %.10g is not a multiple of the tick size %.10g (%s)", name, v->value, v->limit, sym);
        break;
    case QC_RISK_CHK_COLLAR:
        if (isnan(v->value)) k = snprintf(buf, n, "%s: no reference price for %s to collar against", name, sym);
        else k = snprintf(buf, n, "%s: limit price %.10g %s from the reference > limit %.10g (%s)", name, v->value,
                          r->lim.collar_pct > 0 && v->limit == r->lim.collar_pct ? "% away" : "ticks away", v->limit, sym);
        break;
    case QC_RISK_CHK_ORDER_RATE:
    case QC_RISK_CHK_MSG_RATE:
        k = snprintf(buf, n, "%s: throttled: %.3g tokens < 1 at limit %.10g per second (%s)", name, v->value, v->limit,
                     sym);
        break;
    case QC_RISK_CHK_DUPLICATE:
        k = snprintf(buf, n, "%s: same order %.6g ms ago, window %.10g ms (%s)", name, v->value, v->limit, sym);
        break;
    case QC_RISK_CHK_DAILY_LOSS:
    case QC_RISK_CHK_DRAWDOWN:
        k = snprintf(buf, n, "%s: %s%s %.10g > limit %.10g (%s)", name,
                     v->scope == QC_RISK_SCOPE_STRATEGY ? "strategy " : "total",
                     v->scope == QC_RISK_SCOPE_STRATEGY ? qc_risk_strategy_name(r, v->strategy) : "", v->value, v->limit, sym);
        break;
    default: {
        static const char *what[QC_RISK_CHK__COUNT] = {
            [QC_RISK_CHK_MAX_QTY] = "order quantity", [QC_RISK_CHK_MAX_NOTIONAL] = "order notional",
            [QC_RISK_CHK_MIN_QTY] = "order quantity", [QC_RISK_CHK_POS_LONG] = "long position with open orders",
            [QC_RISK_CHK_POS_SHORT] = "short position with open orders",
            [QC_RISK_CHK_GROSS] = "gross exposure with open orders", [QC_RISK_CHK_NET] = "net exposure with open orders",
            [QC_RISK_CHK_BUYING_POWER] = "gross exposure with open orders vs equity x leverage"};
        const char *rel = v->check == QC_RISK_CHK_MIN_QTY ? "<" : ">";
        k = snprintf(buf, n, "%s: %s %.10g %s limit %.10g (%s)", name, what[v->check] ? what[v->check] : "value",
                     v->value, rel, v->limit, sym);
    }
    }
    return k < 0 ? 0 : (size_t)k;
}

qc_err qc_risk_verdict_error(const qc_risk *r, const qc_risk_verdict *v, qc_error *err) {
    char buf[QC_ERROR_MSG_MAX];
    qc_risk_verdict_format(r, v, buf, sizeof buf);
    if (v->code == QC_OK) return QC_OK;
    return qc_err_set(err, v->code, "%s", buf);
}
