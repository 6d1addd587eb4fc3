/* strategies.h: the built-in strategy registry. Each strategy is a qc_strategy_def (see
 * execution/kernel.h) with typed, ranged parameters, usable in backtests and, later, live. */
#ifndef QC_STRATEGIES_H
#define QC_STRATEGIES_H

#include <stddef.h>

#include "execution/kernel.h"

/* Every built-in, sorted by name. */
const qc_strategy_def *const *qc_strategies_all(size_t *n);
/* By name; NULL when unknown. */
const qc_strategy_def *qc_strategy_find(const char *name);

extern const qc_strategy_def qc_strategy_bollinger;
extern const qc_strategy_def qc_strategy_buy_and_hold;
extern const qc_strategy_def qc_strategy_factor_composite;
extern const qc_strategy_def qc_strategy_ou_reversion;
extern const qc_strategy_def qc_strategy_pairs;
extern const qc_strategy_def qc_strategy_sma_cross;
extern const qc_strategy_def qc_strategy_ts_momentum;
extern const qc_strategy_def qc_strategy_xs_momentum;
extern const qc_strategy_def qc_strategy_portfolio;
extern const qc_strategy_def qc_strategy_regime_switch;
extern const qc_strategy_def qc_strategy_zscore_reversion;
extern const qc_strategy_def qc_strategy_model;

#endif
