/* exchange_venue.h: a simulated exchange, a qc_venue (kernel.h) with a real limit order book per
 * symbol (book.h). Our orders meet other participants' liquidity, which comes from the market-data
 * feed (rules in docs/EXECUTION.md, tested in tests/test_exchange.c):
 *  - bars (the kernel's on_bar): at each bar a synthetic ladder around the bar's OPEN: `levels`
 *    price levels per side, the best bid/ask at open -/+ spread_bps/2 (rounded outwards to ticks,
 *    at least one tick apart), then one tick apart, each showing depth_frac x volume / levels
 *    shares (default_size when volume is unknown). Orders that arrived since the last bar trade
 *    against it first (takers). Then the bar's path, low first when close >= open else high first,
 *    sweeps our resting orders: a sell sweep to the low fills our bids at >= low, a buy sweep to the
 *    high our asks at <= high, at OUR prices (never better than the limit), up to sweep_frac x
 *    volume each. Then the ladder is withdrawn: between bars only resting orders are in the book.
 *    Fills from bars are stamped with the bar's close time, like the bar venue's;
 *  - ticks (qc_exchange_on_quote/on_trade): a quote replaces the market's displayed bid and ask
 *    (a smaller size at the same price keeps its queue place, anything else re-queues it); a
 *    trade print with a known aggressor trades against our resting orders only when they are ahead
 *    of the market's displayed liquidity (better price, or earlier in the queue at the price);
 *  - hand-built books (qc_exchange_post/pull): other participants' orders placed directly.
 * Latency: every submit, cancel and replace takes effect latency_ns after it was sent (event time);
 * with bars, at the open of the first bar that opens after that. Fees per share, maker and taker
 * (a negative maker fee is a rebate), reported as the fill's commission. Stop orders are refused
 * (no stop book). DAY orders expire at the first bar of a later UTC day than the bar they arrived
 * in (bars only; with ticks DAY is GTC). Reduce-only orders are clipped to the position at arrival. */
#ifndef QC_EXECUTION_EXCHANGE_VENUE_H
#define QC_EXECUTION_EXCHANGE_VENUE_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "data/series.h"
#include "execution/book.h"
#include "execution/kernel.h"

typedef enum { QC_EXCH_FEED_BARS = 0, QC_EXCH_FEED_TICKS } qc_exch_feed;

typedef struct {
    const char *name;          /* for reports ("ARCA"); copied */
    qc_exch_feed feed;
    double tick_size;          /* currency per tick (0.01) */
    double lot_size;           /* shares per lot (1) */
    double max_price;          /* each book's band is [0, max_price] (10,000) */
    uint32_t capacity;         /* resting orders per symbol book (65,536) */
    double maker_fee;          /* currency per share, negative = rebate (-0.002) */
    double taker_fee;          /* currency per share (0.003) */
    int64_t latency_ns;        /* 0 = at once (ticks) / at the next bar's open (bars) */
    qc_stp_mode stp;           /* between our own orders (CANCEL_NEWEST) */
    int levels;                /* synthetic ladder: levels per side (5) */
    double spread_bps;         /* full quoted spread around the open (2) */
    double depth_frac;         /* share of the bar's volume shown per side (0.1) */
    double sweep_frac;         /* share of the bar's volume that sweeps toward the low/high (1.0) */
    double default_size;       /* shares per ladder level when the bar has no volume (100) */
} qc_exchange_opts;

void qc_exchange_opts_init(qc_exchange_opts *o);

typedef struct {
    size_t submitted, rejected, fills, maker_fills, taker_fills, cancelled, expired;
    size_t stp_cancels, trade_through_cancels, post_only_rejects;
    double shares, fees_paid, rebates; /* fees_paid >= 0 taker/maker fees, rebates >= 0 */
    size_t lost_reports;               /* book reports dropped for lack of memory (should stay 0) */
} qc_exchange_stats;

/* Top of one symbol's book in currency and shares (NaN price / 0 size when a side is empty). */
typedef struct {
    double bid, bid_size, ask, ask_size;
} qc_exchange_top;

qc_err qc_exchange_venue_new(const qc_exchange_opts *o, size_t n_symbols, qc_venue **out, qc_error *err);
void qc_exchange_venue_free(qc_venue *v);
const qc_exchange_opts *qc_exchange_venue_opts(const qc_venue *v);
const qc_exchange_stats *qc_exchange_venue_stats(const qc_venue *v);

/* Market data for the ticks feed: first the venue's clock moves to the tick's time (actions due by
 * then take effect against the old liquidity), then the tick applies. */
qc_err qc_exchange_on_quote(qc_venue *v, uint32_t s, const qc_quote *q, qc_error *err);
qc_err qc_exchange_on_trade(qc_venue *v, uint32_t s, const qc_trade *t, qc_error *err);
/* The bars feed in two halves, for a router that trades between them (route_venue.h); the venue's
 * own on_bar is both. bar_open: DAY expiry, the ladder around the open, our orders due by the open;
 * bar_close: the sweeps toward the bar's low and high and the ladder's withdrawal. */
void qc_exchange_bar_open(qc_venue *v, uint32_t s, const qc_bars *h, size_t i);
void qc_exchange_bar_close(qc_venue *v, uint32_t s, const qc_bars *h, size_t i);
/* Every queued submit, cancel and replace of symbol s takes effect now, whatever its latency (a
 * router's children sent at a bar's open reach that bar's ladder; latency is the router's to apply). */
void qc_exchange_flush(qc_venue *v, uint32_t s);
/* Moves the venue's clock to ts: pending submits, cancels and replaces due by then take effect. */
void qc_exchange_advance(qc_venue *v, int64_t ts);
int64_t qc_exchange_now(const qc_venue *v);

/* Another participant's resting limit order (owner must not be 0 or QC_EXCH_OWNER_US), at once. */
#define QC_EXCH_OWNER_US 1u
#define QC_EXCH_OWNER_MARKET 0xffffffffu
qc_book_reason qc_exchange_post(qc_venue *v, uint32_t s, qc_side side, double price, double qty, uint32_t owner,
                                uint64_t *handle);
qc_book_reason qc_exchange_pull(qc_venue *v, uint32_t s, uint64_t handle);
/* Another participant's marketable order (IOC limit at price; NaN = market), at once. */
qc_book_reason qc_exchange_take(qc_venue *v, uint32_t s, qc_side side, double price, double qty, uint32_t owner);

/* The protected best prices at other venues (NaN = none): this venue's non-ISO orders never trade
 * through them (book.h). */
void qc_exchange_set_away(qc_venue *v, uint32_t s, double bid, double ask);
void qc_exchange_get_top(const qc_venue *v, uint32_t s, qc_exchange_top *out);
/* Up to n levels of one side (QC_BUY = bids) from the best, in currency and shares. */
size_t qc_exchange_levels(const qc_venue *v, uint32_t s, qc_side side, size_t n, double *px, double *qty);
const qc_book *qc_exchange_book(const qc_venue *v, uint32_t s);

#endif
