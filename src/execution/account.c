/* account.c: cash, positions with average cost, realised P&L and round trips, from fills.
 * Fill prices already include spread, slippage and impact (the venue applies them); commission is
 * charged to cash separately. A round trip runs from flat to flat; a reversal fill is split into a
 * closing part and an opening part, its commission shared pro rata. */
#include "execution/account.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

qc_err qc_account_init(qc_account *a, size_t n_symbols, double cash, qc_error *err) {
    memset(a, 0, sizeof *a);
    a->pos = calloc(n_symbols ? n_symbols : 1, sizeof *a->pos);
    a->hold = calloc(n_symbols ? n_symbols : 1, sizeof *a->hold);
    a->held = calloc(n_symbols / 64 + 1, sizeof *a->held);
    if (!a->pos || !a->hold || !a->held) {
        qc_account_free(a);
        return qc_err_set(err, QC_ERR_NOMEM, "out of memory for positions");
    }
    a->n_symbols = n_symbols;
    a->initial_cash = a->cash = cash;
    a->gen = 1; /* 0 never matches: a zeroed cache is stale */
    for (size_t s = 0; s < n_symbols; s++) a->hold[s].last_price = NAN;
    return QC_OK;
}

void qc_account_free(qc_account *a) {
    free(a->pos);
    free(a->hold);
    free(a->held);
    free(a->trades);
    memset(a, 0, sizeof *a);
}

static void open_leg(qc_position *p, qc_holding *h, int sign, double qty, double price, double commission,
                     double costs, int64_t ts, size_t bar) {
    if (h->qty == 0) {
        p->entry_ts = ts;
        p->entry_bar = bar;
        p->rt_entry_qty = p->rt_entry_notional = p->rt_exit_qty = p->rt_exit_notional = 0;
        p->rt_gross = p->rt_commission = p->rt_costs = 0;
        p->avg_cost = price;
    } else {
        p->avg_cost = (fabs(h->qty) * p->avg_cost + qty * price) / (fabs(h->qty) + qty);
    }
    h->qty += sign * qty;
    p->rt_entry_qty += qty;
    p->rt_entry_notional += qty * price;
    p->rt_commission += commission;
    p->rt_costs += costs;
}

static qc_err push_trade(qc_account *a, uint32_t s, const qc_position *p, int side, int64_t ts, size_t bar,
                         qc_error *err) {
    if (a->n_trades == a->cap_trades) {
        size_t cap = a->cap_trades ? a->cap_trades * 2 : 64;
        qc_roundtrip *t = realloc(a->trades, cap * sizeof *t);
        if (!t) return qc_err_set(err, QC_ERR_NOMEM, "out of memory recording trades");
        a->trades = t;
        a->cap_trades = cap;
    }
    qc_roundtrip *t = &a->trades[a->n_trades++];
    t->symbol = s;
    t->side = side;
    t->qty = p->rt_entry_qty;
    t->entry_ts = p->entry_ts;
    t->exit_ts = ts;
    t->entry_price = p->rt_entry_notional / p->rt_entry_qty;
    t->exit_price = p->rt_exit_notional / p->rt_exit_qty;
    t->costs = p->rt_costs;
    t->pnl = p->rt_gross - p->rt_commission;
    t->ret = t->pnl / p->rt_entry_notional;
    t->bars_held = bar - p->entry_bar;
    return QC_OK;
}

static qc_err apply_fill(qc_account *a, const qc_fill *f, size_t bar, qc_error *err);

qc_err qc_account_apply_fill(qc_account *a, const qc_fill *f, size_t bar, qc_error *err) {
    if (f->symbol >= a->n_symbols) return apply_fill(a, f, bar, err);
    uint32_t s = f->symbol;
    a->gen++;
    int was = a->hold[s].qty != 0;
    qc_err rc = apply_fill(a, f, bar, err);
    int now = a->hold[s].qty != 0;
    a->n_held += (size_t)now - (size_t)was;
    uint64_t bit = UINT64_C(1) << (s % 64);
    a->held[s / 64] = now ? a->held[s / 64] | bit : a->held[s / 64] & ~bit;
    return rc;
}

static qc_err apply_fill(qc_account *a, const qc_fill *f, size_t bar, qc_error *err) {
    if (f->symbol >= a->n_symbols || !(f->qty > 0) || !isfinite(f->price))
        return qc_err_set(err, QC_ERR_EXECUTION, "bad fill (symbol %u, qty %g, price %g)", f->symbol, f->qty, f->price);
    qc_position *p = &a->pos[f->symbol];
    qc_holding *h = &a->hold[f->symbol];
    int sign = f->side == QC_BUY ? 1 : -1;
    double all_costs = f->costs.commission + f->costs.spread + f->costs.slippage + f->costs.impact;
    a->cash -= sign * f->qty * f->price + f->costs.commission;
    a->traded_notional += f->qty * f->price;
    p->costs += all_costs;
    p->realized -= f->costs.commission;
    h->last_price = f->price;
    if (h->qty == 0 || (h->qty > 0) == (sign > 0)) {
        open_leg(p, h, sign, f->qty, f->price, f->costs.commission, all_costs, f->ts, bar);
        return QC_OK;
    }
    /* reducing, closing or reversing */
    double held = fabs(h->qty), closed = f->qty < held ? f->qty : held, share = closed / f->qty;
    int pos_sign = h->qty > 0 ? 1 : -1;
    double gross = closed * (f->price - p->avg_cost) * pos_sign;
    p->realized += gross;
    p->rt_gross += gross;
    p->rt_exit_qty += closed;
    p->rt_exit_notional += closed * f->price;
    p->rt_commission += f->costs.commission * share;
    p->rt_costs += all_costs * share;
    h->qty += sign * closed;
    if (fabs(h->qty) <= 1e-12 * held) { /* flat: the round trip is complete */
        h->qty = 0;
        qc_err rc = push_trade(a, f->symbol, p, pos_sign, f->ts, bar, err);
        if (rc) return rc;
    }
    double rest = f->qty - closed;
    if (rest > 0)
        open_leg(p, h, sign, rest, f->price, f->costs.commission * (1 - share), all_costs * (1 - share), f->ts, bar);
    return QC_OK;
}

void qc_account_mark(qc_account *a, uint32_t s, double price) {
    if (s < a->n_symbols && isfinite(price)) a->hold[s].last_price = price, a->gen++;
}

/* A held symbol's mark: its last price, always finite (the fill that opened the position set it,
 * and marks are finite: qc_account_mark checks, the kernel's line marks take finite closes). */
static double mark_of(const qc_account *a, size_t s) { return a->hold[s].last_price; }

/* The held symbols' words: bit j of word i is symbol 64 i + j, so visiting words and bits in order
 * visits the held symbols in symbol order (sums add in the order of a loop over every symbol that
 * skips flat ones). */
#define HELD_WORDS(a) ((a)->n_symbols / 64 + 1)
#define HELD_SYM(i, w) ((i) * 64 + (size_t)__builtin_ctzll(w))

void qc_account_accrue_borrow(qc_account *a, double years) {
    if (a->borrow_rate <= 0) return;
    double short_notional = 0;
    for (size_t i = 0; i < HELD_WORDS(a); i++)
        for (uint64_t w = a->held[i]; w; w &= w - 1) {
            size_t s = HELD_SYM(i, w);
            if (a->hold[s].qty < 0) short_notional += -a->hold[s].qty * mark_of(a, s);
        }
    double charge = short_notional * a->borrow_rate * years;
    a->gen++;
    a->cash -= charge;
    a->borrow_paid += charge;
}

double qc_account_equity(const qc_account *a) {
    double e = a->cash;
    for (size_t i = 0; i < HELD_WORDS(a); i++)
        for (uint64_t w = a->held[i]; w; w &= w - 1) {
            size_t s = HELD_SYM(i, w);
            e += a->hold[s].qty * mark_of(a, s);
        }
    return e;
}

/* qc_account_snapshot's pass; with close (closes per symbol), each held symbol is first marked at
 * close[s][i]: the same operations in the same order, the sums reading the mark just written. */
static inline __attribute__((always_inline)) void held_sums(const qc_account *a, const double *const *close,
                                                            size_t i, double *equity, double *gross, double *net) {
    qc_holding *h = a->hold;
    double g = 0, v = 0;
    for (size_t wi = 0, nw = HELD_WORDS(a); wi < nw; wi++)
        for (uint64_t w = a->held[wi]; w; w &= w - 1) {
            size_t s = HELD_SYM(wi, w);
            if (close) h[s].last_price = close[s][i];
            double x = h[s].qty * mark_of(a, s);
            v += x;
            g += fabs(x);
        }
    *equity = a->cash + v;
    *gross = g;
    *net = v;
}

void qc_account_snapshot(const qc_account *a, double *equity, double *gross, double *net) {
    held_sums(a, NULL, 0, equity, gross, net);
}

void qc_account_mark_held(qc_account *a, const double *const *close, size_t i, double *equity, double *gross,
                          double *net) {
    a->gen++;
    held_sums(a, close, i, equity, gross, net);
}

double qc_account_gross_exposure(const qc_account *a) {
    double e, g, v;
    qc_account_snapshot(a, &e, &g, &v);
    return g;
}

double qc_account_unrealized(const qc_account *a, uint32_t s) {
    if (s >= a->n_symbols || a->hold[s].qty == 0) return 0;
    return a->hold[s].qty * (mark_of(a, s) - a->pos[s].avg_cost);
}
