/* book.h: a limit order book for one symbol with price-time priority on integer ticks, the core of
 * the simulated exchange venue (exchange_venue.h). Prices are ticks inside a fixed band
 * [min_px, max_px] (one level slot per tick, bitmaps find the next non-empty level), quantities
 * are integer lots. Orders come from a pool preallocated at qc_book_new and wait in intrusive FIFO
 * queues per price level; cancel is O(1) by handle. After qc_book_new nothing allocates: add,
 * cancel, replace and matching only move pool entries (tests/test_book.c proves it with a
 * counting allocator passed through qc_book_alloc and with the process heap statistics).
 *
 * Order kinds and their rules (docs/EXECUTION.md):
 *  - LIMIT rests its remainder (GTC), IOC cancels it, FOK trades in full at once or not at all;
 *  - MARKET trades at any price and never rests (GTC/IOC behave alike; FOK is all-or-none);
 *  - POST_ONLY (limit, GTC only) is REJECTED when it would trade on arrival (never repriced);
 *  - trade-through protection: with an away quote set (qc_book_set_away), an order that is not an
 *    intermarket sweep (ISO) trades only at prices no worse than the away best; when it could trade
 *    further in this book its remainder is cancelled (reason TRADE_THROUGH). An ISO order ignores
 *    the away quote (the sender sweeps the other venues itself);
 *  - self-trade prevention between orders of one owner (owner 0 = none), by the aggressor's mode:
 *    CANCEL_NEWEST cancels the aggressor's remainder, CANCEL_OLDEST cancels the resting order and
 *    goes on matching, CANCEL_BOTH cancels both, DECREMENT reduces both by the smaller quantity
 *    (the smaller one ends) and goes on. Nothing trades between one owner's orders. A FOK order
 *    that would meet its own owner's order before it is complete is cancelled whole;
 *  - replace: a lower quantity at the same price keeps the order's place in the queue; a price
 *    change or a higher quantity loses it (the order re-enters as if new and may trade; a post-only
 *    order that would then trade is refused and stays as it was).
 * Every outcome is reported synchronously through the report callback, in the order it happens. */
#ifndef QC_EXECUTION_BOOK_H
#define QC_EXECUTION_BOOK_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

typedef enum { QC_BOOK_KIND_LIMIT = 0, QC_BOOK_KIND_MARKET } qc_book_kind;
typedef enum { QC_BOOK_GTC = 0, QC_BOOK_IOC, QC_BOOK_FOK } qc_book_tif;
enum { QC_BOOK_POST_ONLY = 1u << 0, QC_BOOK_ISO = 1u << 1 };
typedef enum {
    QC_STP_CANCEL_NEWEST = 0,
    QC_STP_CANCEL_OLDEST,
    QC_STP_CANCEL_BOTH,
    QC_STP_DECREMENT
} qc_stp_mode;

/* What happened to an order. */
typedef enum {
    QC_BOOK_EV_FILL = 0, /* id (aggressor) traded qty at px with maker_id (resting) */
    QC_BOOK_EV_REST,     /* id now rests at px with leaves open (after any fills) */
    QC_BOOK_EV_CANCEL,   /* qty of id cancelled for `reason`; leaves is what is still open */
    QC_BOOK_EV_REJECT,   /* id refused whole for `reason`; nothing changed */
    QC_BOOK_EV_REPLACE   /* id's price/quantity changed to px/leaves (priority as the rules say) */
} qc_book_event;

typedef enum {
    QC_BOOK_R_NONE = 0,
    QC_BOOK_R_USER,          /* qc_book_cancel */
    QC_BOOK_R_IOC,           /* IOC or market remainder */
    QC_BOOK_R_FOK,           /* FOK could not fill in full */
    QC_BOOK_R_STP,           /* self-trade prevention */
    QC_BOOK_R_TRADE_THROUGH, /* would trade through the protected away quote (not ISO) */
    QC_BOOK_R_POST_ONLY,     /* post-only order would have traded */
    QC_BOOK_R_PRICE,         /* limit price outside the book's band */
    QC_BOOK_R_QTY,           /* quantity <= 0 */
    QC_BOOK_R_PARAMS,        /* contradictory kind/tif/flags, unknown side */
    QC_BOOK_R_POOL_FULL,     /* no free order slot: the order would rest but cannot */
    QC_BOOK_R_UNKNOWN,       /* handle does not name a resting order */
    QC_BOOK_R__COUNT
} qc_book_reason;

typedef struct {
    qc_book_event type;
    qc_book_reason reason;
    uint64_t id;           /* the order the event is about (the aggressor of a fill) */
    uint64_t maker_id;     /* fills, and STP events that touch a resting order: the resting order */
    uint32_t owner, maker_owner;
    int side;              /* of id: +1 buy, -1 sell */
    int64_t px;            /* fill price (the resting order's), resting price, new price */
    int64_t qty;           /* traded, cancelled, or resting quantity */
    int64_t leaves;        /* id's open quantity after the event */
    int64_t maker_leaves;  /* maker_id's open quantity after the event (0 = gone) */
    uint64_t handle;       /* REST/REPLACE: id's handle; STP/FILL: maker's handle */
} qc_book_report;

typedef void (*qc_book_report_fn)(void *user, const qc_book_report *r);

/* The only way the book takes memory: used by qc_book_new and qc_book_free, never in between.
 * NULL functions mean malloc/free. */
typedef struct {
    void *(*alloc)(void *user, size_t bytes); /* zeroed memory or NULL */
    void (*release)(void *user, void *p);
    void *user;
} qc_book_alloc;

typedef struct {
    int64_t min_px, max_px;  /* price band in ticks, inclusive (max_px - min_px < 2^26) */
    uint32_t capacity;       /* resting orders the pool holds */
    qc_book_alloc alloc;
} qc_book_opts;

typedef struct {
    uint64_t id;             /* caller's order id, echoed in reports */
    int side;                /* +1 buy, -1 sell */
    qc_book_kind kind;
    qc_book_tif tif;
    unsigned flags;          /* QC_BOOK_POST_ONLY | QC_BOOK_ISO */
    int64_t px;              /* limit price in ticks (ignored for MARKET) */
    int64_t qty;             /* lots, > 0 */
    uint32_t owner;          /* for self-trade prevention; 0 = never prevented */
    qc_stp_mode stp;         /* applied when this order is the aggressor */
} qc_book_order;

#define QC_BOOK_NO_BID INT64_MIN
#define QC_BOOK_NO_ASK INT64_MAX

typedef struct qc_book qc_book;

qc_err qc_book_new(const qc_book_opts *o, qc_book_report_fn fn, void *user, qc_book **out, qc_error *err);
void qc_book_free(qc_book *b);
/* Changes where reports go (the venue and the router re-point a book they drive). */
void qc_book_set_report(qc_book *b, qc_book_report_fn fn, void *user);

/* Enters an order: it matches, then rests, is cancelled or rejected as its kind says. Returns
 * QC_BOOK_R_NONE when accepted (whatever happened next) or the reject reason. *handle (may be
 * NULL) is the resting order's handle when it rests, else 0. */
qc_book_reason qc_book_add(qc_book *b, const qc_book_order *o, uint64_t *handle);
/* Cancels a resting order; QC_BOOK_R_UNKNOWN when the handle is stale or foreign. */
qc_book_reason qc_book_cancel(qc_book *b, uint64_t handle);
/* Replaces a resting order's price and open quantity (rules above). The handle stays valid while
 * the order rests. */
qc_book_reason qc_book_replace(qc_book *b, uint64_t handle, int64_t px, int64_t qty);

/* The protected best prices of other venues (QC_BOOK_NO_BID / QC_BOOK_NO_ASK = none). */
void qc_book_set_away(qc_book *b, int64_t away_bid, int64_t away_ask);

int64_t qc_book_best_bid(const qc_book *b); /* QC_BOOK_NO_BID when empty */
int64_t qc_book_best_ask(const qc_book *b); /* QC_BOOK_NO_ASK when empty */
/* Open quantity and order count at a price on one side (0 when none). */
int64_t qc_book_depth(const qc_book *b, int side, int64_t px, uint32_t *count);
/* Up to n levels of one side from the best outwards; returns how many were written. */
size_t qc_book_levels(const qc_book *b, int side, size_t n, int64_t *px, int64_t *qty);
/* Looks up a resting order; 0 when the handle is stale. */
int qc_book_order_info(const qc_book *b, uint64_t handle, uint64_t *id, int64_t *px, int64_t *leaves);
size_t qc_book_n_orders(const qc_book *b);
int64_t qc_book_min_px(const qc_book *b);
int64_t qc_book_max_px(const qc_book *b);

/* Full internal check (levels, queues, bitmaps, best prices, pool accounting, no crossed book):
 * QC_OK or QC_ERR_INTERNAL with what is wrong. O(band + orders): for tests and fuzzing. */
qc_err qc_book_check(const qc_book *b, qc_error *err);

const char *qc_book_reason_name(qc_book_reason r);

#endif
