/* reversion.c: mean-reversion strategies on each symbol alone (docs/STRATEGIES.md has the rules).
 * Each scores the bar that just closed with a z and runs one state machine per symbol: flat ->
 * long when z < -entry (short when z > entry and shorts are allowed); a long exits when
 * z >= -exit, a short when z <= exit; |z| >= stop exits and blocks re-entry until |z| <= exit.
 * A position is gross / n_symbols of equity at the signal close (market DAY order).
 *   bollinger:         z = (close - SMA(window)) / SD(window) (population SD, as TTR's BBands),
 *                      entry = k (the bands), exit = 0 (the middle band), no stop;
 *   zscore_reversion:  z of the log close against the mean and sample SD of the last `window`
 *                      log closes, with entry/exit/stop thresholds;
 *   ou_reversion:      an Ornstein-Uhlenbeck fit (the AR(1) of features/coint.h qc_ou_fit_ar1 on the last `window` log
 *                      closes) gives mu and the stationary sd; z = (log close - mu) / sd; trades
 *                      only while 0 < phi < 1 and the half-life <= max_half_life (else it exits);
 *                      entry at entry_sigma stationary sds (a sigma multiple: the documented rule),
 *                      exit at exit_sigma.
 * Each symbol keeps its last `window` values in a ring with running sums (sum, sum of squares, sum of
 * products of neighbours; values taken relative to the symbol's first one so the sums stay small),
 * re-summed exactly once per lap so they never drift: O(1) per bar. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "strategies/strat_util.h"
#include "strategies/strategies.h"

typedef enum { REV_BOLL = 0, REV_Z, REV_OU } rev_kind;

typedef struct {
    rev_kind kind;
    size_t window, n_sym;
    double entry, exit, stop, gross, max_hl;
    int allow_short;
    signed char *pos, *blocked;
    double *ring;  /* n_sym x window values, relative to ref */
    double *sums;  /* n_sym x 3: sum, sum of squares, sum of neighbour products */
    double *ref;   /* per symbol: its first value */
    size_t *head, *count;
} rev_state;

static void rev_free(void *state) {
    rev_state *st = state;
    free(st->pos);
    free(st->blocked);
    free(st->ring);
    free(st->sums);
    free(st->ref);
    free(st->head);
    free(st->count);
    *st = (rev_state){0};
}

static qc_err rev_alloc(rev_state *st, const qc_ctx *ctx, const char *name, qc_error *err) {
    if (!(st->exit < st->entry && st->entry < st->stop))
        return qc_err_set(err, QC_ERR_INPUT, "%s: need exit = %g < entry = %g < stop = %g", name, st->exit, st->entry,
                          st->stop);
    st->n_sym = qc_ctx_n_symbols(ctx);
    size_t n = st->n_sym ? st->n_sym : 1;
    st->pos = calloc(n, 1);
    st->blocked = calloc(n, 1);
    st->ring = malloc(n * st->window * sizeof *st->ring);
    st->sums = calloc(n * 3, sizeof *st->sums);
    st->ref = calloc(n, sizeof *st->ref);
    st->head = calloc(n, sizeof *st->head);
    st->count = calloc(n, sizeof *st->count);
    if (st->pos && st->blocked && st->ring && st->sums && st->ref && st->head && st->count) return QC_OK;
    rev_free(st);
    return qc_err_set(err, QC_ERR_NOMEM, "%s: out of memory", name);
}

/* Adds v to symbol s's window (ring value at index head is the oldest once full). */
static void window_push(rev_state *st, size_t s, double v) {
    size_t w = st->window, *head = &st->head[s], *count = &st->count[s];
    double *r = st->ring + s * w, *sm = st->sums + 3 * s;
    if (*count == 0) st->ref[s] = v;
    v -= st->ref[s];
    if (*count >= w) { /* evict the oldest and its product with the next */
        double old = r[*head], next = r[(*head + 1) % w];
        sm[0] -= old;
        sm[1] -= old * old;
        sm[2] -= old * next;
    }
    if (*count) sm[2] += r[(*head + w - 1) % w] * v;
    sm[0] += v;
    sm[1] += v * v;
    r[*head] = v;
    *head = *head + 1 == w ? 0 : *head + 1;
    (*count)++;
    if (*head == 0 && *count >= w) { /* once per lap: exact sums, oldest first */
        sm[0] = sm[1] = sm[2] = 0;
        for (size_t k = 0; k < w; k++) {
            sm[0] += r[k];
            sm[1] += r[k] * r[k];
            if (k) sm[2] += r[k - 1] * r[k];
        }
    }
}

/* z of the bar that just closed for symbol s; NaN when undefined (warm-up, flat window, bad fit). */
static double rev_score(rev_state *st, const qc_ctx *ctx, uint32_t s) {
    size_t w = st->window;
    double c = qc_ctx_close(ctx, s, 0);
    if (!(c > 0)) return NAN;
    window_push(st, s, st->kind == REV_BOLL ? c : log(c));
    if (st->count[s] < w) return NAN;
    const double *r = st->ring + (size_t)s * w, *sm = st->sums + 3 * (size_t)s;
    double last = r[(st->head[s] + w - 1) % w], first = r[st->head[s]], nw = (double)w;
    if (st->kind == REV_OU) { /* AR(1) of x[t] on x[t-1] over the w - 1 neighbour pairs */
        double np = nw - 1, mx = (sm[0] - last) / np, my = (sm[0] - first) / np;
        double sxx = sm[1] - last * last - np * mx * mx, syy = sm[1] - first * first - np * my * my;
        double sxy = sm[2] - np * mx * my;
        if (!(sxx > 0)) return NAN;
        double phi = sxy / sxx, a = my - phi * mx, ssr = syy - phi * sxy;
        if (!(phi > 0 && phi < 1) || !(ssr > 0) || -log(2.0) / log(phi) > st->max_hl) return NAN;
        double sd_eq = sqrt(ssr / (np - 2)) / sqrt(1 - phi * phi), mu = a / (1 - phi);
        return (last - mu) / sd_eq;
    }
    double mean = sm[0] / nw, ss = sm[1] - nw * mean * mean;
    double sd = ss > 0 ? sqrt(ss / (st->kind == REV_BOLL ? nw : nw - 1)) : 0;
    return sd > 1e-12 * (fabs(mean + st->ref[s]) + 1e-300) ? (last - mean) / sd : NAN;
}

static void rev_on_bar(void *state, qc_ctx *ctx) {
    rev_state *st = state;
    double eq = qc_ctx_equity(ctx);
    for (uint32_t s = 0; s < st->n_sym; s++) {
        if (!qc_ctx_has_bar(ctx, s)) continue;
        double z = rev_score(st, ctx, s), a = fabs(z), px = qc_ctx_close(ctx, s, 0);
        signed char *pos = &st->pos[s];
        if (isnan(z)) { /* no valid score: an OU position whose fit broke down is closed */
            if (*pos && st->kind == REV_OU) {
                qc_strat_trade(ctx, s, -qc_ctx_position(ctx, s));
                *pos = 0;
            }
            continue;
        }
        if (st->blocked[s] && a <= st->exit) st->blocked[s] = 0;
        if ((*pos && a >= st->stop) || (*pos > 0 && z >= -st->exit) || (*pos < 0 && z <= st->exit)) {
            if (*pos && a >= st->stop) st->blocked[s] = 1;
            qc_strat_trade(ctx, s, -qc_ctx_position(ctx, s));
            *pos = 0;
        } else if (!*pos && !st->blocked[s] && a > st->entry && a < st->stop && (z < 0 || st->allow_short)) {
            double qty = st->gross * eq / (double)st->n_sym / px;
            if (qty > 0 && qc_strat_trade(ctx, s, z < 0 ? qty : -qty)) *pos = z < 0 ? 1 : -1;
        }
    }
}

/* ---- bollinger -------------------------------------------------------------------------------- */
static const qc_param_spec k_boll_params[] = {
    {"window", QC_PARAM_INT, "20", 2, 5000, "SMA and SD window in bars"},
    {"k", QC_PARAM_DOUBLE, "2", 0.1, 20, "band width in SDs: long below the lower band, short above the upper"},
    {"allow_short", QC_PARAM_BOOL, "1", 0, 1, "0: long only"},
    {"gross", QC_PARAM_DOUBLE, "0.95", 0.01, 100, "gross exposure / equity with every symbol in a position"},
};

static qc_err boll_init(void *state, const qc_params *p, const qc_ctx *ctx, qc_error *err) {
    rev_state *st = state;
    *st = (rev_state){.kind = REV_BOLL, .window = (size_t)qc_params_get(p, "window"), .entry = qc_params_get(p, "k"),
                      .exit = 0, .stop = INFINITY, .gross = qc_params_get(p, "gross"),
                      .allow_short = qc_params_get(p, "allow_short") != 0};
    return rev_alloc(st, ctx, "bollinger", err);
}

const qc_strategy_def qc_strategy_bollinger = {
    .name = "bollinger",
    .summary = "Bollinger-band reversion: enter outside the bands, exit at the middle band",
    .params = k_boll_params,
    .n_params = sizeof k_boll_params / sizeof k_boll_params[0],
    .state_size = sizeof(rev_state),
    .init = boll_init,
    .on_bar = rev_on_bar,
    .free_state = rev_free,
};

/* ---- zscore_reversion ------------------------------------------------------------------------- */
static const qc_param_spec k_z_params[] = {
    {"window", QC_PARAM_INT, "60", 3, 5000, "bars of log closes for the mean and SD"},
    {"entry", QC_PARAM_DOUBLE, "2", 0.1, 50, "open when |z| exceeds this"},
    {"exit", QC_PARAM_DOUBLE, "0.5", 0, 50, "close when z is back within this (< entry)"},
    {"stop", QC_PARAM_DOUBLE, "4", 0.2, 100, "stop out at |z| >= this (> entry)"},
    {"allow_short", QC_PARAM_BOOL, "1", 0, 1, "0: long only"},
    {"gross", QC_PARAM_DOUBLE, "0.95", 0.01, 100, "gross exposure / equity with every symbol in a position"},
};

static qc_err z_init(void *state, const qc_params *p, const qc_ctx *ctx, qc_error *err) {
    rev_state *st = state;
    *st = (rev_state){.kind = REV_Z, .window = (size_t)qc_params_get(p, "window"), .entry = qc_params_get(p, "entry"),
                      .exit = qc_params_get(p, "exit"), .stop = qc_params_get(p, "stop"),
                      .gross = qc_params_get(p, "gross"), .allow_short = qc_params_get(p, "allow_short") != 0};
    return rev_alloc(st, ctx, "zscore_reversion", err);
}

const qc_strategy_def qc_strategy_zscore_reversion = {
    .name = "zscore_reversion",
    .summary = "z-score reversion of the log close to its rolling mean, with exit and stop bands",
    .params = k_z_params,
    .n_params = sizeof k_z_params / sizeof k_z_params[0],
    .state_size = sizeof(rev_state),
    .init = z_init,
    .on_bar = rev_on_bar,
    .free_state = rev_free,
};

/* ---- ou_reversion ----------------------------------------------------------------------------- */
static const qc_param_spec k_ou_params[] = {
    {"window", QC_PARAM_INT, "120", 10, 5000, "bars of log closes for the AR(1) / OU fit"},
    {"entry_sigma", QC_PARAM_DOUBLE, "1.5", 0.1, 50, "open beyond this many stationary SDs from mu"},
    {"exit_sigma", QC_PARAM_DOUBLE, "0", 0, 50, "close within this many (< entry_sigma)"},
    {"stop_sigma", QC_PARAM_DOUBLE, "4", 0.2, 100, "stop out at this many (> entry_sigma)"},
    {"max_half_life", QC_PARAM_DOUBLE, "30", 0.5, 1e6, "trade only while the fitted half-life is at most this, bars"},
    {"allow_short", QC_PARAM_BOOL, "1", 0, 1, "0: long only"},
    {"gross", QC_PARAM_DOUBLE, "0.95", 0.01, 100, "gross exposure / equity with every symbol in a position"},
};

static qc_err ou_init(void *state, const qc_params *p, const qc_ctx *ctx, qc_error *err) {
    rev_state *st = state;
    *st = (rev_state){.kind = REV_OU, .window = (size_t)qc_params_get(p, "window"),
                      .entry = qc_params_get(p, "entry_sigma"), .exit = qc_params_get(p, "exit_sigma"),
                      .stop = qc_params_get(p, "stop_sigma"), .max_hl = qc_params_get(p, "max_half_life"),
                      .gross = qc_params_get(p, "gross"), .allow_short = qc_params_get(p, "allow_short") != 0};
    return rev_alloc(st, ctx, "ou_reversion", err);
}

const qc_strategy_def qc_strategy_ou_reversion = {
    .name = "ou_reversion",
    .summary = "Ornstein-Uhlenbeck reversion: AR(1) fit of log prices, entry at a multiple of the stationary SD",
    .params = k_ou_params,
    .n_params = sizeof k_ou_params / sizeof k_ou_params[0],
    .state_size = sizeof(rev_state),
    .init = ou_init,
    .on_bar = rev_on_bar,
    .free_state = rev_free,
};
