/* registry.c: the table of built-in strategies, kept sorted by name (a unit test checks the order),
 * which `backtest --strategy`, `strategies list` and the docs all read. */
#include "strategies/strategies.h"

#include <string.h>

static const qc_strategy_def *const k_all[] = {
    &qc_strategy_bollinger,
    &qc_strategy_buy_and_hold,
    &qc_strategy_factor_composite,
    &qc_strategy_model,
    &qc_strategy_ou_reversion,
    &qc_strategy_pairs,
    &qc_strategy_portfolio,
    &qc_strategy_regime_switch,
    &qc_strategy_sma_cross,
    &qc_strategy_ts_momentum,
    &qc_strategy_xs_momentum,
    &qc_strategy_zscore_reversion,
};

const qc_strategy_def *const *qc_strategies_all(size_t *n) {
    *n = sizeof k_all / sizeof k_all[0];
    return k_all;
}

const qc_strategy_def *qc_strategy_find(const char *name) {
    if (!name) return NULL;
    for (size_t i = 0; i < sizeof k_all / sizeof k_all[0]; i++)
        if (strcmp(k_all[i]->name, name) == 0) return k_all[i];
    return NULL;
}
