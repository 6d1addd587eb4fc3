/* costs.h: transaction cost models applied by the simulated venue to every fill: commission
 * (per share with a minimum and maximum per order, like a broker's fixed tier, plus basis points of
 * notional), half the bid-ask spread, fixed slippage, and square-root market impact
 * cost = k * sigma * sqrt(qty / ADV) (fraction of price; sigma = daily return volatility and ADV =
 * average daily volume over a lookback). Each fill records its breakdown. */
#ifndef QC_BACKTEST_COSTS_H
#define QC_BACKTEST_COSTS_H

#include <stddef.h>

#include "core/error.h"
#include "data/series.h"
#include "execution/order.h"

typedef struct {
    double per_share;        /* currency per share */
    double per_order_min;    /* minimum commission per fill when per_share > 0 */
    double per_order_max_pct;/* maximum per fill as a fraction of notional (0 = none) */
    double commission_bps;   /* basis points of notional */
    double half_spread_bps;  /* paid on every fill */
    double slippage_bps;     /* fixed adverse slippage */
    double impact_k;         /* square-root impact coefficient (0 = off) */
    size_t impact_lookback;  /* bars for sigma and ADV (default 20) */
} qc_cost_model;

void qc_cost_model_init(qc_cost_model *m); /* all zero, lookback 20 */

/* Commission rate used to size cash orders: qty = cash / (price * (1 + rate)). The bps part only
 * (per-share fees are charged on top and can make cash slightly negative: said in the docs). */
double qc_cost_commission_rate(const qc_cost_model *m);

/* Execution price and cost breakdown for qty shares on `side` at reference price ref, given the
 * symbol's history up to and including bar i (for sigma/ADV). The price moves against the trader
 * by spread + slippage + impact; commission is separate. */
double qc_cost_apply(const qc_cost_model *m, qc_side side, double qty, double ref, const qc_bars *hist,
                     size_t i, qc_costs *out);

/* Parses "commission-bps=1,per-share=0.005,min=1,..." style options (used by the CLI). */
qc_err qc_cost_model_set(qc_cost_model *m, const char *name, double value, qc_error *err);

#endif
