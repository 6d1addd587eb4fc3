/* risk_int.h: the risk engine's insides, shared by its files (engine.c, checks.c, pnl.c,
 * killswitch.c). The per-symbol record holds everything one check needs about its symbol, so an
 * order touches the engine header, one symbol record and one strategy record. */
#ifndef QC_RISK_INT_H
#define QC_RISK_INT_H

#include "risk/risk.h"

#define QC_RISK_DUP_SLOTS 4 /* recent orders remembered per symbol for duplicate detection */

typedef struct {
    uint64_t key;      /* hash of strategy, side, type, qty, prices; 0 = empty */
    int64_t ts_ns;
} risk_dup_slot;

typedef struct {
    /* limits (engine-wide values copied in, overrides applied) */
    double max_long, max_short, lot, inv_lot, tick;
    uint8_t restricted, killed;
    int16_t sector;
    uint8_t dup_next;
    /* state */
    double qty, avg_cost, mark, realized;
    double val;                 /* valuation price: the mark, else the last accepted order's price, else 0 */
    double open_buy, open_sell; /* reserved by accepted open orders (shares) */
    double unreal;              /* qty x (mark - avg_cost), as last added to the totals */
    double gross, net;          /* |qty| x mark, qty x mark, as last added */
    double wgross;              /* max(|qty + open_buy|, |qty - open_sell|) x mark, as last added */
    double nlong, nshort;       /* (qty + open_buy) x mark, (qty - open_sell) x mark, as last added */
    uint64_t strat_mask;        /* strategies with a position in this symbol */
    risk_dup_slot dup[QC_RISK_DUP_SLOTS];
} risk_sym;

typedef struct {
    double qty, avg_cost, realized, unreal;
} risk_cell; /* one strategy's position in one symbol */

/* Why a switch is engaged: a command's text, or the limit that engaged it automatically. */
typedef struct {
    char text[160];
    int64_t ts_ns;
    qc_risk_check_id auto_check; /* QC_RISK_PASS for a command */
    double auto_limit, auto_value;
} risk_reason;

typedef struct {
    double realized, unreal;
    double day_start, day_peak;
    uint8_t killed;
    char name[64];
    risk_reason why;
} risk_strat;

typedef struct {
    double tokens, rate_per_ns, burst;
    int64_t last_ns;
} risk_bucket;

struct qc_risk {
    qc_risk_limits lim;
    double tick_below_1;
    size_t n_sym, n_strat;
    risk_sym *sym;
    risk_cell *cell;   /* [strategy * n_sym + symbol] */
    risk_strat strat[QC_RISK_MAX_STRATEGIES];
    char **sym_name;
    /* account totals, updated incrementally */
    double initial_cash;
    double realized, unreal, gross, net, wgross, nlong, nshort;
    double day_start, day_peak;
    double sec_gross[QC_RISK_MAX_SECTORS], sec_net[QC_RISK_MAX_SECTORS];
    char sec_name[QC_RISK_MAX_SECTORS][32];
    size_t n_sec;
    risk_bucket order_bucket, msg_bucket;
    /* kill switch */
    uint8_t killed_global, kill_dirty;
    risk_reason why_global;
    risk_reason *why_sym; /* [n_sym] */
    /* events */
    qc_risk_event ev[QC_RISK_EVENT_RING];
    size_t ev_head, ev_n, ev_dropped;
};

/* Limits of a symbol record from the engine-wide values and an override. */
void qc_risk__sym_limits(qc_risk *r, risk_sym *s, const qc_risk_symbol_cfg *c);
/* Recomputes the symbol's contributions to the totals after its qty, reservations or mark changed. */
void qc_risk__sym_refresh(qc_risk *r, risk_sym *s);
/* The loss and drawdown limits after a P&L change; engages switches and queues events. */
void qc_risk__check_loss(qc_risk *r, uint64_t strat_mask, int64_t now_ns);
void qc_risk__bucket_refill(risk_bucket *b, int64_t now_ns);

#endif
