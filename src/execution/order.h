/* order.h: what backtests and live trading share about orders: types, time in force, the order
 * state machine (pending-new -> new -> partially filled -> filled, with cancel, replace, reject and
 * expiry), fills with their cost breakdown, and order requests made by strategies. */
#ifndef QC_EXECUTION_ORDER_H
#define QC_EXECUTION_ORDER_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

typedef enum { QC_BUY = 1, QC_SELL = -1 } qc_side;
typedef enum { QC_ORD_MARKET = 0, QC_ORD_LIMIT, QC_ORD_STOP, QC_ORD_STOP_LIMIT } qc_order_type;
/* FOK was added after IOC (existing values unchanged); the bar venue of backtests refuses it, the
 * exchange venue (exchange_venue.h) fills it in full at once or cancels it. */
typedef enum { QC_TIF_DAY = 0, QC_TIF_GTC, QC_TIF_IOC, QC_TIF_FOK } qc_tif;

/* Order instructions for venues with a book (qc_order_req.flags). Post-only: a limit order that
 * is rejected when it would trade on arrival. ISO (intermarket sweep): a limit order that may trade
 * through better quotes at other venues, its sender sweeping them at the same time. The bar venue
 * refuses both. */
enum { QC_ORDF_POST_ONLY = 1u << 0, QC_ORDF_ISO = 1u << 1 };

typedef enum {
    QC_OS_PENDING_NEW = 0,
    QC_OS_NEW,
    QC_OS_PARTIAL,
    QC_OS_FILLED,
    QC_OS_PENDING_CANCEL,
    QC_OS_CANCELLED,
    QC_OS_REPLACED,
    QC_OS_REJECTED,
    QC_OS_EXPIRED,
    QC_OS__COUNT
} qc_order_status;

/* What a strategy asks for. Exactly one of qty (shares, > 0) or cash (> 0: a notional order whose
 * quantity is resolved at the fill price as cash / (price * (1 + commission rate))) is set. */
typedef struct {
    uint32_t symbol;       /* index in the run's universe */
    qc_side side;
    qc_order_type type;
    qc_tif tif;
    double qty;
    double cash;
    double limit_price;    /* LIMIT, STOP_LIMIT */
    double stop_price;     /* STOP, STOP_LIMIT */
    int reduce_only;       /* never increases |position| (exits, stop-loss/take-profit pairs) */
    unsigned flags;        /* QC_ORDF_*; last so positional initialisers without it stay valid */
} qc_order_req;

typedef struct {
    uint64_t id;
    qc_order_req req;
    uint32_t strategy;
    qc_order_status status;
    int stop_triggered;
    double filled_qty;
    double avg_price;
    int64_t created_ts, updated_ts;
    int64_t first_eligible_ts; /* a bar must close after this to fill (no same-bar fills) */
    int64_t expire_ts;         /* DAY orders: end of the session they are for (0 until known) */
    double risk_open;          /* shares the risk engine still holds reserved for this order */
} qc_order;

/* Costs of one fill, in account currency (all >= 0 for the trader paying them). */
typedef struct {
    double commission, spread, slippage, impact;
} qc_costs;

typedef struct {
    uint64_t order_id;
    uint32_t symbol;
    qc_side side;
    double qty;        /* > 0 */
    double price;      /* execution price before commission (spread, slippage, impact included) */
    double ref_price;  /* the bar price the fill rule chose, before costs */
    int64_t ts;
    qc_costs costs;
} qc_fill;

/* 1 if the state machine allows from -> to. */
int qc_order_can_transition(qc_order_status from, qc_order_status to);
/* Moves o to `to` at ts; QC_ERR_EXECUTION naming both states when not allowed. */
qc_err qc_order_transition(qc_order *o, qc_order_status to, int64_t ts, qc_error *err);
int qc_order_is_open(const qc_order *o);
const char *qc_order_status_name(qc_order_status s);
const char *qc_order_type_name(qc_order_type t);
const char *qc_tif_name(qc_tif t);
/* Checks a request's own consistency (prices positive where needed, qty xor cash, instructions:
 * post-only needs a GTC/DAY limit, ISO a limit, FOK a market or limit order). */
qc_err qc_order_req_check(const qc_order_req *r, qc_error *err);

#endif
