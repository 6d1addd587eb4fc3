/* route_venue.h: the smart order router as a qc_venue (kernel.h), so the kernel's orders go
 * Order -> Router -> child orders -> exchange venues -> fills back as fills of the parent. The
 * routing venue owns N exchange venues (exchange_venue.h, bars feed), each with its own books and
 * fees. Per bar of a symbol: every venue opens the bar (DAY expiry, its ladder, actions due), then
 * each parent due by the open (sent + the largest venue latency <= the bar's open) is routed in
 * rounds with the router's rule (routing.h: ranked displayed levels, one IOC child per venue, ISO
 * when a round spans venues) against those ladders; the children reach their books at once
 * (qc_exchange_flush). What is left of a DAY/GTC limit parent rests as one child on the venue with
 * the lowest maker fee (the largest rebate); market, IOC and FOK remainders are cancelled. Then
 * every venue closes the bar (sweeps over resting children, ladder withdrawn).
 * Order states (parents): NEW at submit; PARTIAL/FILLED as children fill; cancel of a parent that
 * is not routed yet ends it at once, of a resting one cancels its child (with the venue's latency:
 * the child may still fill first); a replace updates the parent at once and, when a child rests,
 * cancels it and routes the new terms again once the child has ended (never both at once). FOK:
 * routed only when the venues display its whole quantity within the limit, else cancelled.
 * Rejected at submit: stop orders, post-only or ISO parents (the router sets its own
 * instructions), unknown symbols; at routing: a market parent when no venue shows any liquidity.
 * Rules and figures: docs/EXECUTION.md. */
#ifndef QC_EXECUTION_ROUTE_VENUE_H
#define QC_EXECUTION_ROUTE_VENUE_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "execution/exchange_venue.h"
#include "execution/routing.h"

typedef struct {
    char name[32];
    size_t fills, maker_fills;  /* child fills at this venue */
    size_t children, iso_children;
    double qty, notional, fees; /* fees: commission, negative when rebated */
} qc_route_per_venue;

typedef struct {
    size_t n_venues;
    size_t parents;             /* parents routed (a re-routed replace counts again) */
    size_t children, iso_children, rounds, fills; /* fills: parent fills handed to the kernel */
    size_t rejected, cancelled;
    double taken_qty;           /* shares filled by the routing rounds (takers) */
    double single_qty;          /* of those, what the lowest taker fee venue alone showed */
    double single_short;        /* shares that venue could not have filled at all */
    double saved;               /* its all-in cost minus ours for single_qty, summed over parents */
    qc_route_per_venue venue[QC_ROUTER_MAX_VENUES];
} qc_route_stats;

/* Makes n_venues exchange venues from vo[] (their feed is forced to bars) and the routing venue
 * over them; all are owned by *out. */
qc_err qc_route_venue_new(const qc_router_opts *ro, const qc_exchange_opts *vo, size_t n_venues, size_t n_symbols,
                          qc_venue **out, qc_error *err);
void qc_route_venue_free(qc_venue *v);
const qc_route_stats *qc_route_venue_stats(const qc_venue *v);
/* The k-th exchange venue (for its own statistics and tests); NULL when out of range. */
qc_venue *qc_route_venue_exchange(qc_venue *v, size_t k);

/* ---- which venue a run trades on (backtest and trade --venue) ---- */

typedef enum { QC_VENUE_SIM = 0, QC_VENUE_EXCHANGE, QC_VENUE_SOR } qc_venue_kind;

typedef struct {
    qc_venue_kind kind;
    size_t n;                                   /* exchange venues (exchange: 1) */
    qc_exchange_opts ex[QC_ROUTER_MAX_VENUES];  /* .name is set from names[] when a venue is made */
    char names[QC_ROUTER_MAX_VENUES][32];
    qc_router_opts router;
} qc_venue_setup;

/* The default venues of kind k. exchange: one "EXCH" with qc_exchange_opts_init's values. sor: the
 * three of QC_VENUES_DEFAULT, whose fields are NAME:maker_fee:taker_fee:latency_us[:spread_bps
 * [:depth_frac]] (fees per share, negative = rebate; the ladder's spread and depth). */
#define QC_VENUES_DEFAULT "A:-0.002:0.003:0:2:0.1,B:-0.001:0.002:250:3:0.05,C:0.0005:0.001:500:4:0.05"
void qc_venue_setup_init(qc_venue_setup *s, qc_venue_kind k);
/* "sim", "exchange" or "sor" (NULL = sim); QC_ERR_USAGE naming the word otherwise. */
qc_err qc_venue_kind_parse(const char *word, qc_venue_kind *out, qc_error *err);
/* The sor venues from a spec as QC_VENUES_DEFAULT (1 to 16 venues); QC_ERR_INPUT naming the field. */
qc_err qc_venue_setup_parse(const char *spec, qc_venue_setup *s, qc_error *err);
/* Makes the exchange (kind exchange) or routing (sor) venue of s for n_symbols; sim is not made
 * here (src/backtest). Free with qc_venue_setup_free(s->kind, v). */
qc_err qc_venue_setup_make(const qc_venue_setup *s, size_t n_symbols, qc_venue **out, qc_error *err);
void qc_venue_setup_free(qc_venue_kind k, qc_venue *v);

#endif
