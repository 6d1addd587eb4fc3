/* routing.h: smart order routing of one parent order across several exchange venues
 * (exchange_venue.h). Each round reads every venue's displayed book on the far side within the
 * parent's limit and ranks the levels: best price first; at one price the larger displayed size,
 * then the lower taker fee, then the lower latency, then the venue's position in the list. The
 * remaining quantity is allocated down that ranking and sent as one IOC limit child per venue
 * (limit = the worst price allocated there). When a round sends children to more than one venue
 * the top of book is spread across venues: the children are intermarket sweeps (ISO), so no venue
 * cancels them for trading through another's quote, which the router is taking at the same time.
 * Before each round every venue gets the best of the other venues as its protected away quote.
 * When children come back short (liquidity gone while they travelled, a cancelled remainder) the
 * remainder is routed again, up to max_rounds. The result reports fills per venue and the cost
 * saved against sending everything to the one venue with the lowest taker fee (walked on the books
 * as they stood when the parent arrived). Rules and figures: docs/EXECUTION.md. */
#ifndef QC_EXECUTION_ROUTING_H
#define QC_EXECUTION_ROUTING_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "execution/exchange_venue.h"

#define QC_ROUTER_MAX_VENUES 16

typedef struct {
    size_t max_rounds; /* routing rounds per parent (4) */
    size_t depth;      /* levels read per venue and round (32, at most 64) */
    int use_iso;       /* 1: multi-venue rounds are sent as ISO (default); 0: plain IOC */
} qc_router_opts;

void qc_router_opts_init(qc_router_opts *o);

typedef struct {
    uint32_t symbol;
    qc_side side;
    double qty;        /* shares, > 0 */
    double limit;      /* worst acceptable price; NaN = none (a market parent) */
} qc_parent_order;

typedef struct {
    double qty, notional, fees; /* fees: commission, negative when rebated */
    size_t children, iso_children;
} qc_route_venue_fills;

typedef struct {
    double filled, unfilled;
    double avg_price;          /* before fees */
    double notional, fees;
    size_t rounds, children;
    qc_route_venue_fills venue[QC_ROUTER_MAX_VENUES];
    /* the single-venue comparison */
    int single_venue;          /* index of the lowest taker fee venue */
    double single_qty;         /* of our filled quantity, what that venue alone showed within the limit */
    double single_cost;        /* its notional + fees for single_qty */
    double routed_cost;        /* ours for the same quantity (our average all-in price x single_qty) */
    double saved;              /* buys: single - routed; sells: routed - single (> 0 = routing won) */
    double single_short;       /* shares of our fill that venue could not have filled at all */
} qc_route_result;

typedef struct qc_router qc_router;

/* The router takes over the venues' sinks (fills and status of its child orders come to it); the
 * venues are not owned and must outlive the router. */
qc_err qc_router_new(const qc_router_opts *o, qc_venue *const *venues, size_t n_venues, qc_router **out,
                     qc_error *err);
void qc_router_free(qc_router *r);

/* Starts a parent at ts: the first round's children are sent. QC_ERR_EXECUTION while a parent is
 * still working or for a bad parent. */
qc_err qc_router_submit(qc_router *r, const qc_parent_order *p, int64_t ts, qc_error *err);
/* Moves every venue's clock to ts (children arrive, fills come back) and routes the remainder when
 * a round has ended. Returns 1 once the parent is done (filled, nothing left within the limit, or
 * out of rounds). */
int qc_router_advance(qc_router *r, int64_t ts);
/* Submit, then advance in steps of the largest venue latency until done. */
qc_err qc_router_execute(qc_router *r, const qc_parent_order *p, int64_t ts, qc_route_result *out, qc_error *err);
void qc_router_result(const qc_router *r, qc_route_result *out);

/* ---- the routing rule, shared with the routing venue (route_venue.h) ---- */

typedef struct {
    uint32_t venue;
    double qty, limit; /* the child's quantity and limit (the worst price allocated at the venue) */
} qc_route_child;

/* One round's plan for qty shares of p: the venues' displayed far sides within the limit (depth
 * levels each, at most 64) ranked as above and allocated; one child per venue, in the order the
 * ranking first reached each venue. Returns the number of children (0: nothing within the limit). */
size_t qc_route_plan(qc_venue *const *v, size_t n_v, const qc_parent_order *p, double qty, size_t depth,
                     qc_route_child *out);
/* Shares displayed on the far side within p's limit over all venues (depth levels each). */
double qc_route_displayed(qc_venue *const *v, size_t n_v, const qc_parent_order *p, size_t depth);
/* Gives every venue the best bid and ask of the others as its protected away quote for symbol s. */
void qc_route_set_away(qc_venue *const *v, size_t n_v, uint32_t s);

/* The single-venue comparison: the lowest taker fee venue's far side within the limit, as it stood
 * when the parent arrived. */
typedef struct {
    int venue, buy;
    double fee;
    double px[64], q[64];
    size_t n;
} qc_route_single;
int qc_route_single_snapshot(qc_venue *const *v, size_t n_v, const qc_parent_order *p, qc_route_single *out);
/* All-in cost (buys) or proceeds (sells) of up to qty shares there; *got = how many it showed. */
double qc_route_single_cost(const qc_route_single *sv, double qty, double *got);

#endif
