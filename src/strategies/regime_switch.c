/* regime_switch.c: regime switching on the Gaussian HMM of the feature library (features/regime.h).
 * Per symbol, once `train` log returns have closed, a K-state HMM with diagonal covariances is fitted
 * to x_t = (|r_t|, r_t) of those bars only (seeded restarts; states ordered by mean |r|, so state 0
 * is the calmest), and from then on the streaming forward filter is fed one bar at a time: its
 * P(state | bars so far) never sees a later bar (no smoothing, no refit on the future).
 * Trading, every bar, per symbol, at 1/n of gross:
 *   mode=switch (0): in the calm regime (P(state 0) >= 0.5) follow the trend, sign of the
 *     trend_lookback return; otherwise revert: long when the z-score of the close over z_window is
 *     below -z_entry, short above z_entry (flat with long_only), flat in between;
 *   mode=scale (1): the trend position scaled by P(state 0) (exposure shrinks in turbulent regimes).
 * Positions move through qc_strat_rebalance (market DAY orders, the normal order and risk path). */
#include <math.h>
#include <stdlib.h>

#include "features/regime.h"
#include "strategies/strat_util.h"
#include "strategies/strategies.h"

#define MIN_TRADE 0.001 /* changes below 0.1% of equity are not traded */

static const qc_param_spec k_params[] = {
    {"train", QC_PARAM_INT, "250", 20, 100000, "log returns the HMM is fitted on (the symbol's first)"},
    {"states", QC_PARAM_INT, "2", 2, 4, "HMM states (state 0 = lowest mean |return|)"},
    {"restarts", QC_PARAM_INT, "3", 1, 20, "EM restarts of the fit (seeded)"},
    {"trend_lookback", QC_PARAM_INT, "20", 1, 5000, "bars of the trend signal's return"},
    {"z_window", QC_PARAM_INT, "20", 2, 5000, "bars of the reversion z-score"},
    {"z_entry", QC_PARAM_DOUBLE, "1", 0.01, 10, "reversion entry |z|"},
    {"mode", QC_PARAM_INT, "0", 0, 1, "0: switch trend/reversion by regime; 1: trend scaled by P(calm)"},
    {"long_only", QC_PARAM_BOOL, "0", 0, 1, "1: no short positions"},
    {"gross", QC_PARAM_DOUBLE, "0.95", 0.01, 10, "gross exposure / equity when every symbol is in"},
};

typedef struct {
    qc_hmm *hmm;
    qc_hmm_filter *filter;
    int failed; /* the fit failed (degenerate data): the symbol stays flat */
} sym_state;

typedef struct {
    size_t n_sym, train, states, restarts, trend_lookback, z_window;
    double z_entry, gross;
    int mode, long_only;
    sym_state *sym;
    double *x;   /* train x 2 scratch for the fit */
    double *w;   /* target weights */
    double prob[4];
} rs_state;

static void rs_free(void *state) {
    rs_state *st = state;
    for (size_t s = 0; st->sym && s < st->n_sym; s++) {
        qc_hmm_filter_free(st->sym[s].filter);
        qc_hmm_free(st->sym[s].hmm);
    }
    free(st->sym);
    free(st->x);
    free(st->w);
    *st = (rs_state){0};
}

static qc_err rs_init(void *state, const qc_params *p, const qc_ctx *ctx, qc_error *err) {
    rs_state *st = state;
    st->n_sym = qc_ctx_n_symbols(ctx);
    st->train = (size_t)qc_params_get(p, "train");
    st->states = (size_t)qc_params_get(p, "states");
    st->restarts = (size_t)qc_params_get(p, "restarts");
    st->trend_lookback = (size_t)qc_params_get(p, "trend_lookback");
    st->z_window = (size_t)qc_params_get(p, "z_window");
    st->z_entry = qc_params_get(p, "z_entry");
    st->mode = (int)qc_params_get(p, "mode");
    st->long_only = qc_params_get(p, "long_only") != 0;
    st->gross = qc_params_get(p, "gross");
    if (st->train < 4 * st->states)
        return qc_err_set(err, QC_ERR_INPUT, "regime_switch: train (%zu) must be at least 4 x states (%zu)", st->train,
                          st->states);
    size_t n = st->n_sym ? st->n_sym : 1;
    st->sym = calloc(n, sizeof *st->sym);
    st->x = malloc(st->train * 2 * sizeof *st->x);
    st->w = calloc(n, sizeof *st->w);
    if (!st->sym || !st->x || !st->w) {
        rs_free(st);
        return qc_err_set(err, QC_ERR_NOMEM, "regime_switch: out of memory");
    }
    return QC_OK;
}

/* (|r|, r) of the log return into the bar `lag` bars back; NaN when a close is missing. */
static void features_at(const qc_ctx *ctx, uint32_t s, long lag, double *x) {
    double r = log(qc_ctx_close(ctx, s, lag) / qc_ctx_close(ctx, s, lag + 1));
    x[0] = fabs(r);
    x[1] = r;
}

/* Fits the symbol's HMM on its first `train` returns (all in the past) and filters them. */
static void fit_symbol(rs_state *st, sym_state *y, const qc_ctx *ctx, uint32_t s) {
    for (size_t t = 0; t < st->train; t++) features_at(ctx, s, (long)(st->train - 1 - t), st->x + 2 * t);
    qc_hmm_fit_opts o;
    qc_hmm_fit_opts_init(&o);
    o.k = st->states;
    o.restarts = st->restarts;
    qc_error e = {0};
    qc_hmm_fit_info info;
    if (qc_hmm_fit(st->x, st->train, 2, &o, &y->hmm, &info, &e) || qc_hmm_filter_new(y->hmm, &y->filter, &e)) {
        y->failed = 1;
        return;
    }
    for (size_t t = 0; t < st->train; t++) qc_hmm_filter_update(y->filter, st->x + 2 * t, st->prob);
}

/* z-score of the close over the last z_window closes; NaN without them or with no spread. */
static double zscore(const qc_ctx *ctx, uint32_t s, size_t window) {
    double sum = 0, sq = 0;
    for (size_t i = 0; i < window; i++) {
        double c = qc_ctx_close(ctx, s, (long)i);
        sum += c;
        sq += c * c;
    }
    double m = sum / (double)window, var = (sq - sum * m) / (double)(window - 1);
    return var > 0 ? (qc_ctx_close(ctx, s, 0) - m) / sqrt(var) : NAN;
}

/* The symbol's target direction in [-1, 1] at this bar. */
static double target(const rs_state *st, const qc_ctx *ctx, uint32_t s, double p_calm) {
    double r = qc_strat_return(ctx, s, 0, (long)st->trend_lookback);
    double trend = isfinite(r) && r != 0 ? (r > 0 ? 1.0 : -1.0) : 0.0;
    double dir;
    if (st->mode == 1) {
        dir = trend * p_calm;
    } else if (p_calm >= 0.5) {
        dir = trend;
    } else {
        double z = zscore(ctx, s, st->z_window);
        dir = !isfinite(z) ? 0.0 : z < -st->z_entry ? 1.0 : z > st->z_entry ? -1.0 : 0.0;
    }
    return st->long_only && dir < 0 ? 0.0 : dir;
}

static void rs_on_bar(void *state, qc_ctx *ctx) {
    rs_state *st = state;
    size_t need = st->train + 1 > st->z_window ? st->train + 1 : st->z_window;
    if (st->trend_lookback + 1 > need) need = st->trend_lookback + 1;
    for (uint32_t s = 0; s < st->n_sym; s++) {
        sym_state *y = &st->sym[s];
        if (!qc_ctx_has_bar(ctx, s) || y->failed) continue;
        size_t len = qc_ctx_history_len(ctx, s);
        if (!y->filter) {
            if (len >= st->train + 1) fit_symbol(st, y, ctx, s);
            continue; /* the bar the fit ended on is filtered already */
        }
        double x[2];
        features_at(ctx, s, 0, x);
        qc_hmm_filter_update(y->filter, x, st->prob);
        st->w[s] = len >= need ? target(st, ctx, s, st->prob[0]) * st->gross / (double)st->n_sym : 0.0;
    }
    qc_strat_rebalance(ctx, st->w, st->n_sym, MIN_TRADE);
}

const qc_strategy_def qc_strategy_regime_switch = {
    .name = "regime_switch",
    .summary = "HMM regimes (forward-filtered): trend in calm regimes, reversion in turbulent ones",
    .params = k_params,
    .n_params = sizeof k_params / sizeof k_params[0],
    .state_size = sizeof(rs_state),
    .init = rs_init,
    .on_bar = rs_on_bar,
    .free_state = rs_free,
};
