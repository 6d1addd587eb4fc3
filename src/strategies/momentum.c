/* momentum.c: time-series and cross-sectional momentum (docs/STRATEGIES.md has the exact rules).
 * ts_momentum: at each rebalance, every symbol with lookback + 1 closes gets weight
 *   sign(close[t-skip] / close[t-lookback] - 1) * (target_vol / sqrt(252)) / vol_s / n_symbols,
 *   vol_s the daily std of its last vol_window log returns (volatility-scaled, Moskowitz-Ooi-Pedersen
 *   2012 style); long_only drops the shorts; the book is scaled down when its gross exceeds gross.
 * xs_momentum: at each rebalance, symbols are ranked by close[t-skip] / close[t-lookback] - 1 (12-1
 *   month style with the defaults) and the top quantile is bought, the bottom one sold short, equal
 *   weight (strat_util.h: qc_strat_xs_weights). */
#include <math.h>
#include <stdlib.h>

#include "strategies/strat_util.h"
#include "strategies/strategies.h"

#define MIN_TRADE 0.001 /* changes below 0.1% of equity are not traded */

typedef struct {
    long lookback, skip, vol_window;
    double target_vol, quantile, gross;
    int long_only;
    qc_strat_clock clock;
    qc_strat_xs xs;
} mom_state;

static void mom_free(void *state) {
    mom_state *st = state;
    qc_strat_xs_free(&st->xs);
}

static qc_err mom_init_common(mom_state *st, const qc_params *p, const qc_ctx *ctx, const char *name,
                              qc_error *err) {
    st->lookback = (long)qc_params_get(p, "lookback");
    st->skip = (long)qc_params_get(p, "skip");
    st->gross = qc_params_get(p, "gross");
    st->long_only = qc_params_get(p, "long_only") != 0;
    if (st->skip >= st->lookback)
        return qc_err_set(err, QC_ERR_INPUT, "%s: skip (%ld) must be < lookback (%ld)", name, st->skip, st->lookback);
    qc_strat_clock_init(&st->clock, (long)qc_params_get(p, "rebalance"));
    return qc_strat_xs_init(&st->xs, qc_ctx_n_symbols(ctx), err);
}

/* ---- time-series momentum --------------------------------------------------------------------- */

static const qc_param_spec k_ts_params[] = {
    {"lookback", QC_PARAM_INT, "252", 2, 5000, "trailing return window in bars"},
    {"skip", QC_PARAM_INT, "0", 0, 4999, "most recent bars left out of the return (< lookback)"},
    {"vol_window", QC_PARAM_INT, "60", 2, 5000, "bars of log returns for each symbol's volatility"},
    {"target_vol", QC_PARAM_DOUBLE, "0.4", 0.001, 10, "annualised volatility target per symbol (252 bars/yr), before / n"},
    {"rebalance", QC_PARAM_INT, "21", 0, 5000, "bars between rebalances (0: first bar of each month)"},
    {"long_only", QC_PARAM_BOOL, "0", 0, 1, "1: no short positions (negative signals go flat)"},
    {"gross", QC_PARAM_DOUBLE, "0.95", 0.01, 100, "cap on gross exposure / equity"},
};

static qc_err ts_init(void *state, const qc_params *p, const qc_ctx *ctx, qc_error *err) {
    mom_state *st = state;
    st->vol_window = (long)qc_params_get(p, "vol_window");
    st->target_vol = qc_params_get(p, "target_vol");
    return mom_init_common(st, p, ctx, "ts_momentum", err);
}

static void ts_on_bar(void *state, qc_ctx *ctx) {
    mom_state *st = state;
    if (!qc_strat_clock_due(&st->clock, ctx)) return;
    size_t n = st->xs.n;
    double *w = st->xs.weight, gross = 0, per_bar = st->target_vol / sqrt(252.0);
    for (uint32_t s = 0; s < n; s++) {
        w[s] = 0;
        if (!qc_ctx_has_bar(ctx, s)) continue;
        double r = qc_strat_return(ctx, s, st->skip, st->lookback);
        double vol = qc_strat_vol(ctx, s, (size_t)st->vol_window);
        if (!isfinite(r) || !(vol > 0) || r == 0) continue;
        if (st->long_only && r < 0) continue;
        w[s] = (r > 0 ? 1.0 : -1.0) * per_bar / vol / (double)n;
        gross += fabs(w[s]);
    }
    if (gross > st->gross)
        for (size_t s = 0; s < n; s++) w[s] *= st->gross / gross;
    qc_strat_rebalance(ctx, w, n, MIN_TRADE);
}

const qc_strategy_def qc_strategy_ts_momentum = {
    .name = "ts_momentum",
    .summary = "time-series momentum: sign of the trailing return, volatility-scaled positions",
    .params = k_ts_params,
    .n_params = sizeof k_ts_params / sizeof k_ts_params[0],
    .state_size = sizeof(mom_state),
    .init = ts_init,
    .on_bar = ts_on_bar,
    .free_state = mom_free,
};

/* ---- cross-sectional momentum ----------------------------------------------------------------- */

static const qc_param_spec k_xs_params[] = {
    {"lookback", QC_PARAM_INT, "252", 2, 5000, "ranking return from close[t-lookback] ..."},
    {"skip", QC_PARAM_INT, "21", 0, 4999, "... to close[t-skip] (12-1 months: 252 and 21)"},
    {"quantile", QC_PARAM_DOUBLE, "0.2", 0.01, 1, "share of ranked symbols in each of the long and short books"},
    {"rebalance", QC_PARAM_INT, "21", 0, 5000, "bars between rebalances (0: first bar of each month)"},
    {"long_only", QC_PARAM_BOOL, "0", 0, 1, "1: hold the top quantile only"},
    {"gross", QC_PARAM_DOUBLE, "0.95", 0.01, 100, "gross exposure / equity of the book"},
};

static qc_err xs_init(void *state, const qc_params *p, const qc_ctx *ctx, qc_error *err) {
    mom_state *st = state;
    st->quantile = qc_params_get(p, "quantile");
    return mom_init_common(st, p, ctx, "xs_momentum", err);
}

static void xs_on_bar(void *state, qc_ctx *ctx) {
    mom_state *st = state;
    if (!qc_strat_clock_due(&st->clock, ctx)) return;
    for (uint32_t s = 0; s < st->xs.n; s++)
        st->xs.score[s] = qc_ctx_has_bar(ctx, s) ? qc_strat_return(ctx, s, st->skip, st->lookback) : NAN;
    qc_strat_xs_weights(&st->xs, st->quantile, st->long_only, st->gross);
    qc_strat_rebalance(ctx, st->xs.weight, st->xs.n, MIN_TRADE);
}

const qc_strategy_def qc_strategy_xs_momentum = {
    .name = "xs_momentum",
    .summary = "cross-sectional momentum: long the top, short the bottom quantile of trailing returns",
    .params = k_xs_params,
    .n_params = sizeof k_xs_params / sizeof k_xs_params[0],
    .state_size = sizeof(mom_state),
    .init = xs_init,
    .on_bar = xs_on_bar,
    .free_state = mom_free,
};
