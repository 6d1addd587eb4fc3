/* pnl.c: real-time P&L and exposure. Each symbol record keeps its last contributions to the account
 * totals (unrealised, gross, net, worst-case gross/net with open orders, sector sums), so a fill or
 * a mark changes the totals by the difference: O(1) per fill, and per mark O(1) plus one step per
 * strategy holding the symbol. Positions use average cost: adding moves the average, reducing
 * realises (price - average) x closed qty, crossing zero opens the rest at the fill price. After
 * every change the loss and drawdown limits are checked; a breach engages the kill switch and queues
 * an event for the caller (cancel all / flatten). qc_risk_resync re-sums everything from scratch. */
#include <math.h>
#include <string.h>

#include "core/fminmax.h"
#include "risk/risk_int.h"

void qc_risk__sym_refresh(qc_risk *r, risk_sym *s) {
    double v = s->val > 0 ? s->val : 0;
    double un = s->qty != 0 && s->mark > 0 ? s->qty * (s->mark - s->avg_cost) : 0;
    double g = fabs(s->qty) * v, n = s->qty * v;
    double bl = s->qty + s->open_buy, bs = s->qty - s->open_sell;
    double w = qc_fmax(fabs(bl), fabs(bs)) * v, nl = bl * v, ns = bs * v;
    r->unreal += un - s->unreal;
    r->gross += g - s->gross;
    r->net += n - s->net;
    r->wgross += w - s->wgross;
    r->nlong += nl - s->nlong;
    r->nshort += ns - s->nshort;
    if (s->sector >= 0) {
        r->sec_gross[s->sector] += g - s->gross;
        r->sec_net[s->sector] += n - s->net;
    }
    s->unreal = un;
    s->gross = g;
    s->net = n;
    s->wgross = w;
    s->nlong = nl;
    s->nshort = ns;
}

/* Average-cost position update by a signed quantity; returns the realised P&L (before fees). */
static double apply_qty(double *qty, double *avg, double sq, double price) {
    double q = *qty;
    if (q == 0 || (q > 0) == (sq > 0)) {
        double nq = q + sq;
        *avg = (fabs(q) * *avg + fabs(sq) * price) / fabs(nq);
        *qty = nq;
        return 0;
    }
    double closed = qc_fmin(fabs(sq), fabs(q));
    double realized = closed * (price - *avg) * (q > 0 ? 1.0 : -1.0);
    double nq = q + sq;
    if (fabs(nq) <= 1e-12 * qc_fmax(fabs(q), fabs(sq))) nq = 0; /* fractional dust is flat */
    if (nq == 0) *avg = 0;
    else if ((nq > 0) != (q > 0)) *avg = price; /* crossed zero: the rest opens here */
    *qty = nq;
    return realized;
}

static void push_event(qc_risk *r, const qc_risk_event *e) {
    if (r->ev_n == QC_RISK_EVENT_RING) {
        r->ev_head = (r->ev_head + 1) % QC_RISK_EVENT_RING; /* drop the oldest */
        r->ev_n--;
        r->ev_dropped++;
    }
    r->ev[(r->ev_head + r->ev_n) % QC_RISK_EVENT_RING] = *e;
    r->ev_n++;
}

int qc_risk_poll_event(qc_risk *r, qc_risk_event *out) {
    if (!r->ev_n) return 0;
    *out = r->ev[r->ev_head];
    r->ev_head = (r->ev_head + 1) % QC_RISK_EVENT_RING;
    r->ev_n--;
    return 1;
}

size_t qc_risk_events_dropped(const qc_risk *r) { return r->ev_dropped; }

static void auto_engage(qc_risk *r, qc_risk_scope scope, uint32_t id, qc_risk_check_id chk, double lim, double val,
                        int64_t now) {
    risk_reason *why = scope == QC_RISK_SCOPE_GLOBAL ? &r->why_global : &r->strat[id].why;
    if (scope == QC_RISK_SCOPE_GLOBAL) r->killed_global = 1;
    else r->strat[id].killed = 1;
    why->text[0] = '\0';
    why->ts_ns = now;
    why->auto_check = chk;
    why->auto_limit = lim;
    why->auto_value = val;
    r->kill_dirty = 1;
    qc_risk_event e = {QC_RISK_EV_KILL_ENGAGED, scope, id, chk, r->lim.loss_action, lim, val, now};
    push_event(r, &e);
}

/* Limits are compared as in the checks: beyond a relative 1e-9. */
static inline int over(double x, double lim) { return lim > 0 && x > lim + 1e-9 * lim; }

void qc_risk__check_loss(qc_risk *r, uint64_t mask, int64_t now) {
    double total = r->realized + r->unreal;
    if (total > r->day_peak) r->day_peak = total;
    if (!r->killed_global) {
        double loss = r->day_start - total, dd = r->day_peak - total;
        if (over(loss, r->lim.max_daily_loss))
            auto_engage(r, QC_RISK_SCOPE_GLOBAL, 0, QC_RISK_CHK_DAILY_LOSS, r->lim.max_daily_loss, loss, now);
        else if (over(dd, r->lim.max_drawdown))
            auto_engage(r, QC_RISK_SCOPE_GLOBAL, 0, QC_RISK_CHK_DRAWDOWN, r->lim.max_drawdown, dd, now);
    }
    while (mask) {
        uint32_t k = (uint32_t)__builtin_ctzll(mask);
        mask &= mask - 1;
        risk_strat *st = &r->strat[k];
        double t = st->realized + st->unreal;
        if (t > st->day_peak) st->day_peak = t;
        if (st->killed) continue;
        if (over(st->day_start - t, r->lim.strategy_max_daily_loss))
            auto_engage(r, QC_RISK_SCOPE_STRATEGY, k, QC_RISK_CHK_DAILY_LOSS, r->lim.strategy_max_daily_loss,
                        st->day_start - t, now);
        else if (over(st->day_peak - t, r->lim.strategy_max_drawdown))
            auto_engage(r, QC_RISK_SCOPE_STRATEGY, k, QC_RISK_CHK_DRAWDOWN, r->lim.strategy_max_drawdown,
                        st->day_peak - t, now);
    }
}

static inline int good_num(double x) { return x > 0 && x < 1e300; }

void qc_risk_on_fill(qc_risk *r, uint32_t strategy, uint32_t symbol, qc_side side, double qty, double price,
                     double fee, int from_open_order, int64_t now_ns) {
    if (symbol >= r->n_sym || strategy >= r->n_strat || !good_num(qty) || !good_num(price)) return;
    if (!(fee >= 0 && fee < 1e300)) fee = 0;
    risk_sym *s = &r->sym[symbol];
    double sq = side == QC_BUY ? qty : -qty;
    if (from_open_order) {
        double *open = side == QC_BUY ? &s->open_buy : &s->open_sell;
        *open = *open > qty ? *open - qty : 0;
    }
    if (!(s->mark > 0)) s->mark = price;
    if (!(s->val > 0)) s->val = price;
    double rz = apply_qty(&s->qty, &s->avg_cost, sq, price) - fee;
    s->realized += rz;
    r->realized += rz;
    qc_risk__sym_refresh(r, s);
    risk_cell *c = &r->cell[(size_t)strategy * r->n_sym + symbol];
    risk_strat *st = &r->strat[strategy];
    double crz = apply_qty(&c->qty, &c->avg_cost, sq, price) - fee;
    double un = c->qty * (s->mark - c->avg_cost);
    c->realized += crz;
    st->realized += crz;
    st->unreal += un - c->unreal;
    c->unreal = un;
    uint64_t bit = 1ULL << strategy;
    s->strat_mask = c->qty != 0 ? s->strat_mask | bit : s->strat_mask & ~bit;
    qc_risk__check_loss(r, bit, now_ns);
}

void qc_risk_on_mark(qc_risk *r, uint32_t symbol, double price, int64_t now_ns) {
    if (symbol >= r->n_sym || !good_num(price)) return;
    risk_sym *s = &r->sym[symbol];
    s->mark = price;
    s->val = price;
    qc_risk__sym_refresh(r, s);
    for (uint64_t m = s->strat_mask; m; m &= m - 1) {
        uint32_t k = (uint32_t)__builtin_ctzll(m);
        risk_cell *c = &r->cell[(size_t)k * r->n_sym + symbol];
        double un = c->qty * (price - c->avg_cost);
        r->strat[k].unreal += un - c->unreal;
        c->unreal = un;
    }
    qc_risk__check_loss(r, s->strat_mask, now_ns);
}

void qc_risk_warm(const qc_risk *r, uint32_t strategy, uint32_t symbol) {
    if (symbol >= r->n_sym || strategy >= r->n_strat) return;
    __builtin_prefetch(&r->sym[symbol], 1);
    __builtin_prefetch(&r->cell[(size_t)strategy * r->n_sym + symbol], 1);
}

void qc_risk_order_done(qc_risk *r, uint32_t symbol, qc_side side, double remaining) {
    if (symbol >= r->n_sym || !(remaining > 0)) return;
    risk_sym *s = &r->sym[symbol];
    double *open = side == QC_BUY ? &s->open_buy : &s->open_sell;
    *open = *open > remaining ? *open - remaining : 0;
    qc_risk__sym_refresh(r, s);
}

void qc_risk_order_reserve(qc_risk *r, uint32_t symbol, qc_side side, double qty) {
    if (symbol >= r->n_sym || !(qty > 0 && qty < 1e300)) return;
    risk_sym *s = &r->sym[symbol];
    *(side == QC_BUY ? &s->open_buy : &s->open_sell) += qty;
    qc_risk__sym_refresh(r, s);
}

void qc_risk_note_cancel(qc_risk *r, int64_t now_ns) {
    if (r->lim.messages_per_sec <= 0) return;
    qc_risk__bucket_refill(&r->msg_bucket, now_ns);
    r->msg_bucket.tokens = r->msg_bucket.tokens >= 1.0 ? r->msg_bucket.tokens - 1.0 : 0.0;
}

void qc_risk_day_start(qc_risk *r, int64_t now_ns) {
    (void)now_ns;
    r->day_start = r->day_peak = r->realized + r->unreal;
    for (size_t k = 0; k < r->n_strat; k++) {
        risk_strat *st = &r->strat[k];
        st->day_start = st->day_peak = st->realized + st->unreal;
    }
}

void qc_risk_resync(qc_risk *r) {
    r->realized = r->unreal = r->gross = r->net = r->wgross = r->nlong = r->nshort = 0;
    memset(r->sec_gross, 0, sizeof r->sec_gross);
    memset(r->sec_net, 0, sizeof r->sec_net);
    for (size_t i = 0; i < r->n_sym; i++) {
        risk_sym *s = &r->sym[i];
        s->unreal = s->gross = s->net = s->wgross = s->nlong = s->nshort = 0;
        r->realized += s->realized;
        qc_risk__sym_refresh(r, s);
    }
    for (size_t k = 0; k < r->n_strat; k++) {
        risk_strat *st = &r->strat[k];
        st->realized = st->unreal = 0;
        for (size_t i = 0; i < r->n_sym; i++) {
            risk_cell *c = &r->cell[k * r->n_sym + i];
            st->realized += c->realized;
            c->unreal = c->qty != 0 && r->sym[i].mark > 0 ? c->qty * (r->sym[i].mark - c->avg_cost) : 0;
            st->unreal += c->unreal;
        }
    }
}

/* ---- read-outs ------------------------------------------------------------------------------- */

void qc_risk_position_get(const qc_risk *r, uint32_t symbol, qc_risk_position *out) {
    memset(out, 0, sizeof *out);
    out->sector = -1;
    out->mark = NAN;
    if (symbol >= r->n_sym) return;
    const risk_sym *s = &r->sym[symbol];
    *out = (qc_risk_position){s->qty, s->avg_cost, s->mark, s->realized, s->unreal, s->open_buy, s->open_sell, s->sector};
}

void qc_risk_pnl_get(const qc_risk *r, long strategy, qc_risk_pnl *out) {
    memset(out, 0, sizeof *out);
    double start, peak;
    if (strategy < 0) {
        out->realized = r->realized;
        out->unrealized = r->unreal;
        out->gross = r->gross;
        out->net = r->net;
        out->gross_with_orders = r->wgross;
        out->net_long_with_orders = r->nlong;
        out->net_short_with_orders = r->nshort;
        start = r->day_start;
        peak = r->day_peak;
    } else if ((size_t)strategy < r->n_strat) {
        const risk_strat *st = &r->strat[strategy];
        out->realized = st->realized;
        out->unrealized = st->unreal;
        start = st->day_start;
        peak = st->day_peak;
    } else return;
    out->total = out->realized + out->unrealized;
    out->day_pnl = out->total - start;
    out->day_peak = peak > out->total ? peak : out->total;
    out->drawdown = out->day_peak - out->total;
    out->equity = r->initial_cash + out->total;
}

void qc_risk_strategy_position(const qc_risk *r, uint32_t strategy, uint32_t symbol, double *qty, double *avg_cost,
                               double *realized) {
    *qty = *avg_cost = *realized = 0;
    if (strategy >= r->n_strat || symbol >= r->n_sym) return;
    const risk_cell *c = &r->cell[(size_t)strategy * r->n_sym + symbol];
    *qty = c->qty;
    *avg_cost = c->avg_cost;
    *realized = c->realized;
}

void qc_risk_sector_exposure(const qc_risk *r, int sector, double *gross, double *net) {
    *gross = *net = 0;
    if (sector < 0 || (size_t)sector >= r->n_sec) return;
    *gross = r->sec_gross[sector];
    *net = r->sec_net[sector];
}
