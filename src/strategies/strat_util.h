/* strat_util.h: what the built-in portfolio strategies share (internal to src/strategies): trailing
 * returns and volatility read through the qc_ctx accessors (so never past the bar that just
 * closed), the rebalancing clock (every N events, or the first event of each calendar month), the
 * cross-sectional ranking into top/bottom quantiles, and the order logic that moves positions to
 * target weights of equity. */
#ifndef QC_STRATEGIES_STRAT_UTIL_H
#define QC_STRATEGIES_STRAT_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "execution/kernel.h"

/* close[lag_recent] / close[lag_old] - 1; NaN when either is missing or not positive. */
double qc_strat_return(const qc_ctx *ctx, uint32_t s, long lag_recent, long lag_old);
/* Sample standard deviation (ddof 1) of the last `window` log returns of s; NaN without
 * window + 1 closes. */
double qc_strat_vol(const qc_ctx *ctx, uint32_t s, size_t window);

/* Rebalancing clock: every > 0 rebalances on the first event and then every `every` events (an
 * event is one bar close of the universe: a session on daily data); every == 0 on the first event of
 * each calendar month (UTC date of the event). */
typedef struct {
    long every;
    long count;      /* events since the last rebalance */
    int64_t month;   /* year * 12 + month of the last rebalance, -1 before */
} qc_strat_clock;

void qc_strat_clock_init(qc_strat_clock *c, long every);
/* 1 when this event is a rebalance; call once per event. */
int qc_strat_clock_due(qc_strat_clock *c, const qc_ctx *ctx);

/* Scratch for ranking n symbols (allocated once at init). */
typedef struct {
    size_t n;
    double *score;   /* caller fills: NaN = not ranked */
    double *weight;  /* output target weights */
    void *order;     /* internal: (score, index) pairs */
} qc_strat_xs;

qc_err qc_strat_xs_init(qc_strat_xs *x, size_t n, qc_error *err);
void qc_strat_xs_free(qc_strat_xs *x);
/* Target weights from x->score: with m ranked symbols and k = max(1, floor(q * m)) (k <= m / 2 for
 * long-short), the k highest get +gross / k (long only) or +gross / (2k) and the k lowest
 * -gross / (2k) (long-short); everything else 0. Ties rank by symbol index. A long-short book
 * needs m >= 2; with fewer every weight is 0. Returns k. */
size_t qc_strat_xs_weights(qc_strat_xs *x, double q, int long_only, double gross);

/* Moves every symbol that has a bar now towards weight w[s] of equity at the bar's close with
 * market DAY orders; a change smaller than min_frac of equity is skipped. Shrinking a position
 * (without crossing zero) is reduce_only, so the leverage check never refuses it; a reversal is a
 * reduce_only close plus an opening order. Returns the number of orders submitted. */
size_t qc_strat_rebalance(qc_ctx *ctx, const double *w, size_t n, double min_frac);

/* Market DAY order for a signed quantity change of s (reduce_only when it only shrinks the
 * position); returns the order id or 0. */
uint64_t qc_strat_trade(qc_ctx *ctx, uint32_t s, double delta_qty);

#endif
