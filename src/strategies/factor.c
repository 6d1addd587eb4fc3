/* factor.c: the multi-factor composite (docs/STRATEGIES.md). At each rebalance, for every symbol
 * with lookback + 1 closes: momentum = close[t-skip] / close[t-lookback] - 1, low volatility = -SD of
 * the last vol_window log returns, short-term reversal = -(close[t] / close[t-rev_window] - 1). Each
 * factor is z-scored across the symbols that have all three (mean, sample SD), clipped at
 * +-winsor, and the composite w_mom z_mom + w_lowvol z_lowvol + w_rev z_rev is ranked: the top
 * quantile long and the bottom quantile short (or the top only, long_only), equal weight. */
#include <math.h>
#include <stdlib.h>

#include "strategies/strat_util.h"
#include "strategies/strategies.h"

static const qc_param_spec k_params[] = {
    {"lookback", QC_PARAM_INT, "252", 2, 5000, "momentum from close[t-lookback] ..."},
    {"skip", QC_PARAM_INT, "21", 0, 4999, "... to close[t-skip]"},
    {"vol_window", QC_PARAM_INT, "60", 2, 5000, "bars of log returns for the volatility factor"},
    {"rev_window", QC_PARAM_INT, "5", 1, 5000, "bars of the short-term reversal return"},
    {"w_mom", QC_PARAM_DOUBLE, "1", -100, 100, "weight of the momentum z-score"},
    {"w_lowvol", QC_PARAM_DOUBLE, "0.5", -100, 100, "weight of the low-volatility z-score"},
    {"w_rev", QC_PARAM_DOUBLE, "0.5", -100, 100, "weight of the short-term reversal z-score"},
    {"winsor", QC_PARAM_DOUBLE, "3", 0.1, 100, "z-scores are clipped to +-winsor"},
    {"quantile", QC_PARAM_DOUBLE, "0.2", 0.01, 1, "share of ranked symbols in each book"},
    {"rebalance", QC_PARAM_INT, "21", 0, 5000, "bars between rebalances (0: first bar of each month)"},
    {"long_only", QC_PARAM_BOOL, "0", 0, 1, "1: hold the top quantile only"},
    {"gross", QC_PARAM_DOUBLE, "0.95", 0.01, 100, "gross exposure / equity of the book"},
};

enum { F_MOM = 0, F_VOL, F_REV, N_F };

typedef struct {
    long lookback, skip, vol_window, rev_window;
    double w[N_F], winsor, quantile, gross;
    int long_only;
    qc_strat_clock clock;
    qc_strat_xs xs;
    double *raw; /* N_F x n */
} factor_state;

static void factor_free(void *state) {
    factor_state *st = state;
    qc_strat_xs_free(&st->xs);
    free(st->raw);
    st->raw = NULL;
}

static qc_err factor_init(void *state, const qc_params *p, const qc_ctx *ctx, qc_error *err) {
    factor_state *st = state;
    st->lookback = (long)qc_params_get(p, "lookback");
    st->skip = (long)qc_params_get(p, "skip");
    st->vol_window = (long)qc_params_get(p, "vol_window");
    st->rev_window = (long)qc_params_get(p, "rev_window");
    st->w[F_MOM] = qc_params_get(p, "w_mom");
    st->w[F_VOL] = qc_params_get(p, "w_lowvol");
    st->w[F_REV] = qc_params_get(p, "w_rev");
    st->winsor = qc_params_get(p, "winsor");
    st->quantile = qc_params_get(p, "quantile");
    st->long_only = qc_params_get(p, "long_only") != 0;
    st->gross = qc_params_get(p, "gross");
    if (st->skip >= st->lookback)
        return qc_err_set(err, QC_ERR_INPUT, "factor_composite: skip (%ld) must be < lookback (%ld)", st->skip,
                          st->lookback);
    qc_strat_clock_init(&st->clock, (long)qc_params_get(p, "rebalance"));
    size_t n = qc_ctx_n_symbols(ctx);
    st->raw = malloc(N_F * (n ? n : 1) * sizeof *st->raw);
    if (!st->raw) return qc_err_set(err, QC_ERR_NOMEM, "factor_composite: out of memory");
    qc_err rc = qc_strat_xs_init(&st->xs, n, err);
    if (rc) factor_free(st);
    return rc;
}

/* z-scores of raw[0..n) in place over the finite values, clipped at +-lim; 0 when the SD is 0. */
static void zscore(double *v, size_t n, double lim) {
    double mean = 0, ss = 0;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(v[i])) {
            mean += v[i];
            m++;
        }
    if (m == 0) return;
    mean /= (double)m;
    for (size_t i = 0; i < n; i++)
        if (isfinite(v[i])) ss += (v[i] - mean) * (v[i] - mean);
    double sd = m > 1 ? sqrt(ss / (double)(m - 1)) : 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(v[i])) continue;
        double z = sd > 0 ? (v[i] - mean) / sd : 0;
        v[i] = z > lim ? lim : z < -lim ? -lim : z;
    }
}

static void factor_on_bar(void *state, qc_ctx *ctx) {
    factor_state *st = state;
    if (!qc_strat_clock_due(&st->clock, ctx)) return;
    size_t n = st->xs.n;
    double *mom = st->raw, *vol = st->raw + n, *rev = st->raw + 2 * n;
    for (uint32_t s = 0; s < n; s++) {
        mom[s] = vol[s] = rev[s] = NAN;
        if (!qc_ctx_has_bar(ctx, s)) continue;
        double m = qc_strat_return(ctx, s, st->skip, st->lookback);
        double v = qc_strat_vol(ctx, s, (size_t)st->vol_window);
        double r = qc_strat_return(ctx, s, 0, st->rev_window);
        if (!isfinite(m) || !isfinite(v) || !isfinite(r)) continue;
        mom[s] = m;
        vol[s] = -v;
        rev[s] = -r;
    }
    for (size_t f = 0; f < N_F; f++) zscore(st->raw + f * n, n, st->winsor);
    for (size_t s = 0; s < n; s++)
        st->xs.score[s] = isfinite(mom[s]) ? st->w[F_MOM] * mom[s] + st->w[F_VOL] * vol[s] + st->w[F_REV] * rev[s] : NAN;
    qc_strat_xs_weights(&st->xs, st->quantile, st->long_only, st->gross);
    qc_strat_rebalance(ctx, st->xs.weight, n, 0.001);
}

const qc_strategy_def qc_strategy_factor_composite = {
    .name = "factor_composite",
    .summary = "multi-factor composite (momentum, low volatility, short-term reversal) ranked long-short",
    .params = k_params,
    .n_params = sizeof k_params / sizeof k_params[0],
    .state_size = sizeof(factor_state),
    .init = factor_init,
    .on_bar = factor_on_bar,
    .free_state = factor_free,
};
