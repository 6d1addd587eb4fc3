/* pairs.c: the `pairs` statistical-arbitrage strategy. Every `reselect` bars (first when `formation`
 * bars exist) it scans the universe's last `formation` log closes (pairs.h: correlation pre-filter,
 * Engle-Granger p <= max_pvalue, half-life <= max_half_life) and keeps the best `max_pairs` pairs
 * that share no symbol; a pair that drops out is closed. Per bar and pair, the spread
 * log y - alpha - beta log x is scored:
 *   hedge=0: OLS of log y on log x over the last `formation` bars (the current one included);
 *            z = today's residual / sd of the window's residuals (ddof 2);
 *   hedge=1: a Kalman filter (features/coint.h, delta, ve) warmed up on the formation window at
 *            selection; e = the prediction error of log y before the filter sees the bar;
 *            z = e / sqrt(mean of e^2 over the last `formation` errors, this one included) (the
 *            filter's own variance q depends on ve's scale, the realised errors do not).
 * Trading: z < -entry_z buys the spread (long y, short x), z > entry_z sells it; each leg is
 * gross * equity / (2 max_pairs) in notional (dollar-neutral legs; legs=1 splits the same gross as
 * N on y and beta N on x, the hedge ratio's proportion). A long spread exits when
 * z >= -exit_z, a short one when z <= exit_z; |z| >= stop_z closes it and blocks re-entry until
 * |z| <= exit_z. */
#include <math.h>
#include <stdlib.h>

#include "features/coint.h"
#include "strategies/pairs.h"
#include "strategies/strat_util.h"
#include "strategies/strategies.h"

static const qc_param_spec k_params[] = {
    {"formation", QC_PARAM_INT, "250", 30, 5000, "bars of log closes for selection and the OLS hedge ratio"},
    {"reselect", QC_PARAM_INT, "63", 1, 100000, "bars between pair selections"},
    {"max_pairs", QC_PARAM_INT, "2", 1, 100, "pairs traded at once (no shared symbols)"},
    {"min_corr", QC_PARAM_DOUBLE, "0.7", -1, 1, "pre-filter: correlation of daily log returns"},
    {"max_pvalue", QC_PARAM_DOUBLE, "0.05", 0, 1, "Engle-Granger p-value to accept a pair"},
    {"max_half_life", QC_PARAM_DOUBLE, "60", 1, 1e6, "longest spread half-life accepted, bars"},
    {"hedge", QC_PARAM_INT, "0", 0, 1, "hedge ratio: 0 rolling OLS, 1 Kalman filter"},
    {"delta", QC_PARAM_DOUBLE, "0.000001", 1e-12, 0.5, "Kalman: state noise delta / (1 - delta)"},
    {"ve", QC_PARAM_DOUBLE, "0.001", 1e-12, 1000, "Kalman: observation noise variance"},
    {"entry_z", QC_PARAM_DOUBLE, "2", 0.1, 50, "open when |z| exceeds this"},
    {"exit_z", QC_PARAM_DOUBLE, "0.5", 0, 50, "close when z is back within this (< entry_z)"},
    {"stop_z", QC_PARAM_DOUBLE, "4", 0.2, 100, "stop out when |z| reaches this (> entry_z)"},
    {"gross", QC_PARAM_DOUBLE, "0.95", 0.01, 100, "gross exposure / equity with every pair open"},
    {"legs", QC_PARAM_INT, "0", 0, 1, "0: dollar-neutral legs; 1: x leg = hedge ratio x the y leg's notional"},
};

typedef struct {
    int active, pos, blocked; /* pos: +1 long spread, -1 short, 0 flat */
    double beta;              /* the hedge ratio at the last score */
    size_t y, x;
    qc_kalman_hedge kf;
    double *e2;          /* ring of the last `formation` squared errors (Kalman) */
    size_t e_head, e_n;
    double e2_sum;
} slot;

typedef struct {
    long formation, reselect, since;
    size_t max_pairs, n_sym;
    int kalman, hedged_legs;
    double delta, ve, entry, exit, stop, gross;
    qc_pairs_opts scan;
    double *buf;          /* n_sym x formation log closes, oldest first (the scan's input) */
    const double **rows;
    double *ring;         /* n_sym x formation: the latest log closes, ring per symbol */
    size_t *head, *count; /* per symbol: next write position, values seen */
    double *lx, *ly;      /* one pair's window */
    slot *slots;
    double *e2_buf;       /* max_pairs x formation */
} pairs_state;

static void pairs_free(void *state) {
    pairs_state *st = state;
    free(st->buf);
    free(st->rows);
    free(st->ring);
    free(st->head);
    free(st->count);
    free(st->lx);
    free(st->slots);
    free(st->e2_buf);
    *st = (pairs_state){0};
}

static qc_err pairs_init(void *state, const qc_params *p, const qc_ctx *ctx, qc_error *err) {
    pairs_state *st = state;
    st->formation = (long)qc_params_get(p, "formation");
    st->reselect = (long)qc_params_get(p, "reselect");
    st->max_pairs = (size_t)qc_params_get(p, "max_pairs");
    st->kalman = qc_params_get(p, "hedge") == 1;
    st->delta = qc_params_get(p, "delta");
    st->ve = qc_params_get(p, "ve");
    st->entry = qc_params_get(p, "entry_z");
    st->exit = qc_params_get(p, "exit_z");
    st->stop = qc_params_get(p, "stop_z");
    st->gross = qc_params_get(p, "gross");
    st->hedged_legs = qc_params_get(p, "legs") == 1;
    qc_pairs_opts_init(&st->scan);
    st->scan.min_corr = qc_params_get(p, "min_corr");
    st->scan.max_pvalue = qc_params_get(p, "max_pvalue");
    st->scan.max_half_life = qc_params_get(p, "max_half_life");
    if (!(st->exit < st->entry && st->entry < st->stop))
        return qc_err_set(err, QC_ERR_INPUT, "pairs: need exit_z (%g) < entry_z (%g) < stop_z (%g)", st->exit, st->entry,
                          st->stop);
    st->n_sym = qc_ctx_n_symbols(ctx);
    size_t n = st->n_sym ? st->n_sym : 1, f = (size_t)st->formation;
    st->buf = malloc(n * f * sizeof *st->buf);
    st->rows = malloc(n * sizeof *st->rows);
    st->lx = malloc(2 * f * sizeof *st->lx);
    st->slots = calloc(st->max_pairs, sizeof *st->slots);
    st->ring = malloc(n * f * sizeof *st->ring);
    st->head = calloc(n, sizeof *st->head);
    st->count = calloc(n, sizeof *st->count);
    st->e2_buf = malloc(st->max_pairs * f * sizeof *st->e2_buf);
    if (!st->e2_buf || !st->buf || !st->rows || !st->lx || !st->slots || !st->ring || !st->head || !st->count) {
        pairs_free(st);
        return qc_err_set(err, QC_ERR_NOMEM, "pairs: out of memory");
    }
    st->ly = st->lx + f;
    for (size_t s = 0; s < n; s++) st->rows[s] = st->buf + s * f;
    st->since = -1;
    return QC_OK;
}

/* log close of s `lag` bars back (lag < formation and < values seen). */
static double lc(const pairs_state *st, size_t s, size_t lag) {
    size_t f = (size_t)st->formation, i = (st->head[s] + f - 1 - lag) % f;
    return st->ring[s * f + i];
}

static void push_closes(pairs_state *st, const qc_ctx *ctx) {
    size_t f = (size_t)st->formation;
    for (uint32_t s = 0; s < st->n_sym; s++) {
        if (!qc_ctx_has_bar(ctx, s)) continue;
        double c = qc_ctx_close(ctx, s, 0);
        st->ring[(size_t)s * f + st->head[s]] = c > 0 ? log(c) : NAN;
        st->head[s] = st->head[s] + 1 == f ? 0 : st->head[s] + 1;
        st->count[s]++;
    }
}

static void close_pair(qc_ctx *ctx, slot *p) {
    qc_strat_trade(ctx, (uint32_t)p->y, -qc_ctx_position(ctx, (uint32_t)p->y));
    qc_strat_trade(ctx, (uint32_t)p->x, -qc_ctx_position(ctx, (uint32_t)p->x));
    p->pos = 0;
}

static void open_pair(pairs_state *st, qc_ctx *ctx, slot *p, int dir) {
    double leg = st->gross * qc_ctx_equity(ctx) / (2.0 * (double)st->max_pairs), ly = leg, lx = leg;
    double py = qc_ctx_close(ctx, (uint32_t)p->y, 0), px = qc_ctx_close(ctx, (uint32_t)p->x, 0);
    if (!(leg > 0) || !(py > 0) || !(px > 0)) return;
    if (st->hedged_legs) { /* y: N, x: beta N, with N + |beta| N = the pair's gross */
        double b = fabs(p->beta);
        if (!(b > 0) || !isfinite(b)) return;
        ly = 2 * leg / (1 + b);
        lx = b * ly;
    }
    qc_strat_trade(ctx, (uint32_t)p->y, dir * ly / py);
    qc_strat_trade(ctx, (uint32_t)p->x, -dir * lx / px);
    p->pos = dir;
}

/* One Kalman step; returns z (NaN until the error ring holds two values). */
static double kalman_step(pairs_state *st, slot *p, double x, double y) {
    size_t f = (size_t)st->formation;
    qc_kalman_hedge_update(&p->kf, x, y);
    double e2 = p->kf.e * p->kf.e;
    if (p->e_n == f) p->e2_sum -= p->e2[p->e_head];
    else p->e_n++;
    p->e2[p->e_head] = e2;
    p->e_head = p->e_head + 1 == f ? 0 : p->e_head + 1;
    p->e2_sum += e2;
    if (p->e_head == 0) { /* re-sum once per lap so the running sum never drifts */
        p->e2_sum = 0;
        for (size_t i = 0; i < p->e_n; i++) p->e2_sum += p->e2[i];
    }
    return p->e_n >= 2 && p->e2_sum > 0 ? p->kf.e / sqrt(p->e2_sum / (double)p->e_n) : NAN;
}

static void warm_kalman(pairs_state *st, slot *p, size_t i) {
    qc_kalman_hedge_init(&p->kf, st->delta, st->ve);
    p->e2 = st->e2_buf + i * (size_t)st->formation;
    p->e_head = p->e_n = 0;
    p->e2_sum = 0;
    for (size_t lag = (size_t)st->formation - 1; lag >= 1; lag--) kalman_step(st, p, lc(st, p->x, lag), lc(st, p->y, lag));
}

static int uses(const slot *slots, size_t n, size_t s) {
    for (size_t i = 0; i < n; i++)
        if (slots[i].active && (slots[i].y == s || slots[i].x == s)) return 1;
    return 0;
}

/* Scans the formation window and replaces pairs that dropped out. */
static void reselect(pairs_state *st, qc_ctx *ctx) {
    size_t f = (size_t)st->formation;
    for (size_t s = 0; s < st->n_sym; s++) {
        double *r = st->buf + s * f;
        int ok = st->count[s] >= f && qc_ctx_has_bar(ctx, (uint32_t)s);
        for (size_t k = 0; k < f; k++) r[k] = ok ? lc(st, s, f - 1 - k) : NAN;
    }
    qc_pair *found = NULL;
    size_t n_found = 0, want = 0;
    qc_error err = {0};
    if (qc_pairs_scan(st->rows, st->n_sym, f, &st->scan, &found, &n_found, &err)) n_found = 0;
    /* the picks: best p-values first, no symbol twice */
    slot pick[100];
    for (size_t i = 0; i < n_found && want < st->max_pairs; i++) {
        if (uses(pick, want, found[i].y) || uses(pick, want, found[i].x)) continue;
        pick[want++] = (slot){.active = 1, .y = found[i].y, .x = found[i].x};
    }
    free(found);
    for (size_t i = 0; i < st->max_pairs; i++) { /* keep pairs picked again, close the others */
        slot *p = &st->slots[i];
        if (!p->active) continue;
        size_t k = 0;
        while (k < want && !(pick[k].y == p->y && pick[k].x == p->x)) k++;
        if (k < want) {
            pick[k].active = 0; /* already held */
            continue;
        }
        if (p->pos) close_pair(ctx, p);
        p->active = 0;
    }
    for (size_t k = 0, i = 0; k < want; k++) {
        if (!pick[k].active) continue;
        while (i < st->max_pairs && st->slots[i].active) i++;
        if (i == st->max_pairs) break;
        st->slots[i] = pick[k];
        if (st->kalman) warm_kalman(st, &st->slots[i], i);
    }
}

/* z-score of the pair's spread at this bar (NaN when undefined). */
static double spread_z(pairs_state *st, slot *p) {
    double x0 = lc(st, p->x, 0), y0 = lc(st, p->y, 0);
    if (st->kalman) {
        p->beta = p->kf.beta; /* the prediction's hedge ratio */
        return kalman_step(st, p, x0, y0);
    }
    size_t f = (size_t)st->formation;
    double mx = 0, my = 0;
    for (size_t k = 0; k < f; k++) {
        st->lx[k] = lc(st, p->x, k);
        st->ly[k] = lc(st, p->y, k);
        mx += st->lx[k];
        my += st->ly[k];
    }
    mx /= (double)f;
    my /= (double)f;
    double sxx = 0, sxy = 0, syy = 0;
    for (size_t k = 0; k < f; k++) {
        double dx = st->lx[k] - mx, dy = st->ly[k] - my;
        sxx += dx * dx;
        sxy += dx * dy;
        syy += dy * dy;
    }
    if (!(sxx > 0)) return NAN;
    double beta = sxy / sxx, ssr = syy - beta * sxy;
    p->beta = beta;
    double e0 = (st->ly[0] - my) - beta * (st->lx[0] - mx);
    return ssr > 0 ? e0 / sqrt(ssr / (double)(f - 2)) : NAN;
}

static void trade_pair(pairs_state *st, qc_ctx *ctx, slot *p, double z) {
    double a = fabs(z);
    if (p->blocked && a <= st->exit) p->blocked = 0;
    if (p->pos && a >= st->stop) {
        close_pair(ctx, p);
        p->blocked = 1;
    } else if ((p->pos > 0 && z >= -st->exit) || (p->pos < 0 && z <= st->exit)) {
        close_pair(ctx, p);
    } else if (!p->pos && !p->blocked && a > st->entry && a < st->stop) {
        open_pair(st, ctx, p, z < 0 ? 1 : -1);
    }
}

static void pairs_on_bar(void *state, qc_ctx *ctx) {
    pairs_state *st = state;
    if (st->n_sym < 2) return;
    push_closes(st, ctx);
    if (st->since < 0) { /* the first selection waits for two symbols with a full formation window */
        size_t ready = 0;
        for (size_t s = 0; s < st->n_sym && ready < 2; s++) ready += st->count[s] >= (size_t)st->formation;
        if (ready < 2) return;
    }
    if (st->since < 0 || ++st->since >= st->reselect) {
        reselect(st, ctx);
        st->since = 0;
    }
    for (size_t i = 0; i < st->max_pairs; i++) {
        slot *p = &st->slots[i];
        if (!p->active || !qc_ctx_has_bar(ctx, (uint32_t)p->y) || !qc_ctx_has_bar(ctx, (uint32_t)p->x)) continue;
        double z = spread_z(st, p);
        if (isfinite(z)) trade_pair(st, ctx, p, z);
    }
}

const qc_strategy_def qc_strategy_pairs = {
    .name = "pairs",
    .summary = "statistical arbitrage: Engle-Granger pairs traded on the spread z-score, dollar-neutral legs",
    .params = k_params,
    .n_params = sizeof k_params / sizeof k_params[0],
    .state_size = sizeof(pairs_state),
    .init = pairs_init,
    .on_bar = pairs_on_bar,
    .free_state = pairs_free,
};
