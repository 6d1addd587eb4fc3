/* account.h: accounting shared by backtests and live trading: cash, per-symbol positions with
 * average cost, realised and unrealised P&L, exposures, short borrow cost, and the round-trip trade
 * list. Updated in O(1) per fill and per mark; no allocation except when the trade list grows. */
#ifndef QC_EXECUTION_ACCOUNT_H
#define QC_EXECUTION_ACCOUNT_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "execution/order.h"

/* What every event reads or writes of a symbol (marks, equity, exposure): kept apart from the rest
 * of its position in a dense array, so a pass over the held symbols touches 16 bytes each. */
typedef struct {
    double qty;          /* signed: > 0 long, < 0 short */
    double last_price;   /* latest mark (NaN until the first fill or mark; finite while held) */
} qc_holding;

/* The rest of a symbol's position: read and written at its fills. */
typedef struct {
    double avg_cost;     /* average entry price of the open quantity */
    double realized;     /* realised P&L, net of costs */
    double costs;        /* all costs paid on this symbol */
    /* the open round trip (flat -> flat) */
    int64_t entry_ts;
    size_t entry_bar;
    double rt_entry_qty, rt_entry_notional; /* shares and notional entered */
    double rt_exit_qty, rt_exit_notional;   /* shares and notional exited so far */
    double rt_gross;                        /* realised P&L from fill prices so far */
    double rt_commission, rt_costs;         /* commissions, and all costs (for the record) */
} qc_position;

/* A closed round trip: from flat to flat (a reversal closes one and opens another). */
typedef struct {
    uint32_t symbol;
    int side;            /* +1 long, -1 short */
    double qty;          /* shares entered */
    int64_t entry_ts, exit_ts;
    double entry_price, exit_price; /* average prices */
    double costs;        /* entry and exit costs */
    double pnl;          /* net of costs */
    double ret;          /* pnl / (entry_price * qty) */
    size_t bars_held;
} qc_roundtrip;

typedef struct {
    size_t n_symbols;
    double initial_cash;
    double cash;
    double borrow_rate;  /* annual rate on short notional */
    double borrow_paid;
    qc_holding *hold;       /* per symbol: quantity and mark */
    qc_position *pos;       /* per symbol: cost, P&L and the open round trip */
    qc_roundtrip *trades;
    size_t n_trades, cap_trades;
    double traded_notional; /* cumulative */
    size_t n_held;          /* symbols with a non-zero position */
    uint64_t *held;         /* bit s set while symbol s has a non-zero position (sums visit only those) */
    uint64_t gen;           /* moves with every change of cash, a position or a mark: the qc_account_*
                             * functions move it, code writing a field directly must too (caches of
                             * equity and exposure compare it) */
} qc_account;

qc_err qc_account_init(qc_account *a, size_t n_symbols, double cash, qc_error *err);
void qc_account_free(qc_account *a);
/* Applies a fill: cash moves by -side*qty*price - commission; position, average cost, realised
 * P&L and round trips update. */
qc_err qc_account_apply_fill(qc_account *a, const qc_fill *f, size_t bar_index, qc_error *err);
void qc_account_mark(qc_account *a, uint32_t symbol, double price);
/* Charges borrow cost on short notional for a period of `years`. */
void qc_account_accrue_borrow(qc_account *a, double years);
double qc_account_equity(const qc_account *a);
/* Equity, gross and net exposure in one pass. */
void qc_account_snapshot(const qc_account *a, double *equity, double *gross, double *net);
/* Marks every held symbol s at close[s][i] (finite) and gives the snapshot after, in one pass: the
 * same bits as qc_account_mark of each, then qc_account_snapshot. */
void qc_account_mark_held(qc_account *a, const double *const *close, size_t i, double *equity, double *gross,
                          double *net);
double qc_account_gross_exposure(const qc_account *a);
double qc_account_unrealized(const qc_account *a, uint32_t symbol);

#endif
