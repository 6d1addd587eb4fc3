/* portfolio_rebalance.c: the portfolio strategy. The whole universe is held at target weights of
 * equity from any portfolio method (portfolio/portfolio.h: minvar, maxsharpe, erc, hrp, ivp, cvar,
 * equal, ...) estimated on a look-back window of simple close-to-close returns. The window is a
 * ring of the last `lookback` events at which every symbol had a bar, filled from qc_ctx_close
 * only (lags 0 and 1), so nothing after the bar that just closed is ever read. A rebalance happens
 * at the first bar of each schedule period on the run's calendar (qc_port_is_rebalance), or when
 * the holdings drift outside the bands around the last targets (qc_port_band_breached); it
 * re-estimates the weights and trades the difference (qc_port_rebalance_trades at the close just
 * seen) with market DAY orders through the backtest's normal order and cost path: the sells
 * first, then, at the first bar after they are done, the buys recomputed at that bar's equity and
 * prices (a long book buys with the cash it has, so a leverage limit of 1 holds). While orders of
 * a rebalance are open, nothing new is decided. The first estimate is made as soon as the window
 * is full, whatever the schedule. A failed
 * estimate (e.g. a singular window) keeps the holdings and is counted. Alongside, the strategy
 * keeps an equal-weight portfolio rebalanced on the same dates (no costs) and publishes its value
 * as the run's comparison curve (qc_ctx_set_comparison). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "portfolio/portfolio.h"
#include "strategies/strategies.h"

/* The choices of the enum parameters are in the order of qc_port_method, qc_port_schedule (plus
 * "none") and qc_port_cov_kind, so a value is the library's code. */
static const qc_param_spec k_params[] = {
    {"method", QC_PARAM_ENUM, "erc", 0, 9,
     "minvar|maxsharpe|target_return|target_risk|ivp|erc|hrp|cvar|kelly|equal: allocation method"},
    {"lookback", QC_PARAM_INT, "60", 2, 100000, "returns window in bars (> number of symbols for covariance methods)"},
    {"schedule", QC_PARAM_ENUM, "monthly", 0, 4,
     "daily|weekly|monthly|quarterly|none: rebalance at the first bar of each period (none: bands only)"},
    {"band", QC_PARAM_DOUBLE, "0", 0, 1, "also rebalance when some |weight - target| exceeds this (0: off)"},
    {"rel_band", QC_PARAM_DOUBLE, "0", 0, 100, "also rebalance when some |weight - target| > rel_band * target (0: off)"},
    {"cov", QC_PARAM_ENUM, "sample", 0, 3, "sample|ewma|ledoit_wolf|ledoit_wolf_id: covariance estimator"},
    {"long_only", QC_PARAM_BOOL, "true", 0, 1, "weights in [0, 1] (false: unbounded, mean-variance methods)"},
    {"target", QC_PARAM_DOUBLE, "0", -1, 1, "target return or volatility per bar (target_return, target_risk)"},
    {"alpha", QC_PARAM_DOUBLE, "0.95", 0.5, 0.999, "CVaR confidence (cvar)"},
    {"invest", QC_PARAM_DOUBLE, "1", 0, 10, "fraction of equity the weights apply to (the rest stays cash)"},
    {"min_trade", QC_PARAM_DOUBLE, "0", 0, 1, "skip trades smaller than this fraction of equity"},
};

#define SCHEDULE_NONE 4

typedef struct {
    size_t n;              /* symbols */
    size_t lookback;
    int schedule;          /* qc_port_schedule or SCHEDULE_NONE */
    double band, rel_band, invest, min_trade;
    qc_port_spec spec;
    double *ring;          /* lookback x n returns, row (head + k) % lookback */
    size_t head, rows;     /* next row to write; rows filled (<= lookback) */
    double *window;        /* lookback x n, oldest first, for the estimate */
    double *target, *w, *holdings, *px, *qty;
    uint64_t *open;        /* orders of the last rebalance */
    size_t n_open;
    int64_t prev_ts;       /* previous event, QC_TS_NONE before the first */
    int has_target, buys_pending;
    size_t rebalances, failures, refused;
    double *ew_units;      /* the equal-weight comparison: units per symbol, and cash before its start */
    double ew_value;
    const char **names;
} pr_state;

static void pr_free(void *state) {
    pr_state *st = state;
    free(st->ring), free(st->window), free(st->target), free(st->w), free(st->holdings);
    free(st->px), free(st->qty), free(st->open), free(st->ew_units), free(st->names);
    memset(st, 0, sizeof *st);
}

static qc_err read_params(pr_state *st, const qc_params *p, size_t n, qc_error *err) {
    qc_port_spec_init(&st->spec);
    st->spec.method = (qc_port_method)qc_params_get(p, "method");
    st->spec.cov = (qc_port_cov_kind)qc_params_get(p, "cov");
    st->spec.alpha = qc_params_get(p, "alpha");
    double target = qc_params_get(p, "target");
    st->spec.target = st->spec.method == QC_PORT_CVAR ? NAN : target;
    if (qc_params_get(p, "long_only") != 0) st->spec.c.lo = 0, st->spec.c.hi = 1;
    st->lookback = (size_t)qc_params_get(p, "lookback");
    st->schedule = (int)qc_params_get(p, "schedule");
    st->band = qc_params_get(p, "band");
    st->rel_band = qc_params_get(p, "rel_band");
    st->invest = qc_params_get(p, "invest");
    st->min_trade = qc_params_get(p, "min_trade");
    if (st->schedule == SCHEDULE_NONE && !(st->band > 0) && !(st->rel_band > 0))
        return qc_err_set(err, QC_ERR_INPUT, "portfolio: schedule=none needs band or rel_band > 0");
    int needs_cov = st->spec.method != QC_PORT_EQUAL && st->spec.method != QC_PORT_CVAR;
    if (needs_cov && st->spec.cov <= QC_PORT_COV_EWMA && st->lookback <= n)
        return qc_err_set(err, QC_ERR_INPUT,
                          "portfolio: lookback (%zu) must exceed the number of symbols (%zu) for a %s covariance",
                          st->lookback, n, qc_port_cov_kind_name(st->spec.cov));
    return QC_OK;
}

static qc_err pr_init(void *state, const qc_params *p, const qc_ctx *ctx, qc_error *err) {
    pr_state *st = state;
    size_t n = qc_ctx_n_symbols(ctx);
    if (n == 0) return qc_err_set(err, QC_ERR_INPUT, "portfolio: no symbols");
    qc_err rc = read_params(st, p, n, err);
    if (rc) return rc;
    st->n = n;
    st->ring = malloc(st->lookback * n * sizeof *st->ring);
    st->window = malloc(st->lookback * n * sizeof *st->window);
    st->target = calloc(n, sizeof *st->target);
    st->w = calloc(n, sizeof *st->w);
    st->holdings = calloc(n, sizeof *st->holdings);
    st->px = calloc(n, sizeof *st->px);
    st->qty = calloc(n, sizeof *st->qty);
    st->open = calloc(n, sizeof *st->open);
    st->ew_units = calloc(n, sizeof *st->ew_units);
    st->names = calloc(n, sizeof *st->names);
    if (!st->ring || !st->window || !st->target || !st->w || !st->holdings || !st->px || !st->qty || !st->open ||
        !st->ew_units || !st->names) {
        pr_free(st);
        return qc_err_set(err, QC_ERR_NOMEM, "portfolio: out of memory");
    }
    for (uint32_t s = 0; s < n; s++) st->names[s] = qc_ctx_symbol(ctx, s);
    st->prev_ts = QC_TS_NONE;
    st->ew_value = NAN;
    return QC_OK;
}

/* Appends this event's returns when every symbol has a bar now and a close before it. */
static void push_returns(pr_state *st, const qc_ctx *ctx) {
    double *row = st->ring + st->head * st->n;
    for (uint32_t s = 0; s < st->n; s++) {
        double c = qc_ctx_close(ctx, s, 0), c1 = qc_ctx_close(ctx, s, 1);
        if (!qc_ctx_has_bar(ctx, s) || !(c > 0) || !(c1 > 0)) return;
        row[s] = c / c1 - 1;
    }
    st->head = (st->head + 1) % st->lookback;
    if (st->rows < st->lookback) st->rows++;
}

static int orders_open(pr_state *st, const qc_ctx *ctx) {
    for (size_t k = 0; k < st->n_open; k++) {
        const qc_order *o = qc_ctx_order(ctx, st->open[k]);
        if (o && qc_order_is_open(o)) return 1;
    }
    st->n_open = 0;
    return 0;
}

/* Holdings, last closes and current weights of equity; 0 when a price is missing. */
static int snapshot(pr_state *st, const qc_ctx *ctx, double *equity) {
    *equity = qc_ctx_equity(ctx);
    for (uint32_t s = 0; s < st->n; s++) {
        st->holdings[s] = qc_ctx_position(ctx, s);
        st->px[s] = qc_ctx_close(ctx, s, 0);
        if (!(st->px[s] > 0)) return 0;
        st->w[s] = *equity > 0 ? st->holdings[s] * st->px[s] / *equity : 0;
    }
    return *equity > 0;
}

static int estimate(pr_state *st) {
    size_t L = st->lookback, n = st->n;
    for (size_t k = 0; k < L; k++) /* oldest first: the row after the newest */
        memcpy(st->window + k * n, st->ring + ((st->head + k) % L) * n, n * sizeof *st->window);
    qc_error err = {0};
    double *w = st->qty; /* scratch: the targets only change on success */
    if (qc_port_weights(st->window, L, n, &st->spec, st->names, w, &err)) return 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(w[i])) return 0;
        st->target[i] = w[i];
    }
    return 1;
}

static uint64_t submit(pr_state *st, qc_ctx *ctx, uint32_t s, double q, int reduce) {
    qc_order_req req = {.symbol = s, .side = q > 0 ? QC_BUY : QC_SELL, .type = QC_ORD_MARKET, .tif = QC_TIF_DAY,
                        .qty = fabs(q), .reduce_only = reduce};
    uint64_t id = qc_ctx_submit(ctx, &req);
    if (id) st->open[st->n_open++] = id;
    else st->refused++;
    return id;
}

/* Phase 1 of a rebalance: the sells (and short sales); returns how many were sent. */
static size_t sell_phase(pr_state *st, qc_ctx *ctx, double equity) {
    for (size_t i = 0; i < st->n; i++) st->w[i] = st->target[i] * st->invest;
    qc_port_rebalance_trades(st->holdings, st->w, st->px, st->n, equity, NULL, NULL, st->qty, NULL);
    size_t sent = 0;
    for (uint32_t s = 0; s < st->n; s++) {
        double q = st->qty[s];
        if (!(q < 0) || fabs(q) * st->px[s] <= st->min_trade * equity) continue;
        sent += submit(st, ctx, s, q, st->holdings[s] > 0 && -q <= st->holdings[s]) != 0;
    }
    return sent;
}

/* Phase 2: the buys, at this bar's prices and equity. A long book (targets summing to at most
 * 1) buys with the cash it has: the buys are scaled down to it, so they pass a leverage limit of
 * 1 whatever the fills of phase 1 left. */
static void buy_phase(pr_state *st, qc_ctx *ctx, double equity) {
    double long_sum = 0, buys = 0, cash = qc_ctx_cash(ctx);
    for (size_t i = 0; i < st->n; i++) {
        st->w[i] = st->target[i] * st->invest;
        long_sum += st->w[i] > 0 ? st->w[i] : 0;
    }
    qc_port_rebalance_trades(st->holdings, st->w, st->px, st->n, equity, NULL, NULL, st->qty, NULL);
    for (size_t i = 0; i < st->n; i++) buys += st->qty[i] > 0 ? st->qty[i] * st->px[i] : 0;
    double scale = long_sum <= 1 + 1e-9 && buys > cash ? (cash > 0 ? cash / buys * (1 - 1e-9) : 0) : 1;
    for (uint32_t s = 0; s < st->n; s++) {
        double q = st->qty[s] * scale;
        if (!(q > 0) || q * st->px[s] <= st->min_trade * equity) continue;
        submit(st, ctx, s, q, 0);
    }
}

/* The equal-weight comparison: rebalanced to 1/n on the schedule's dates (every bar for bands). */
static void comparison(pr_state *st, qc_ctx *ctx, int rebalance_day) {
    int first = isnan(st->ew_value);
    double v = first ? qc_ctx_equity(ctx) : 0;
    for (uint32_t s = 0; !first && s < st->n; s++) v += st->ew_units[s] * st->px[s];
    if (!isfinite(v)) return;
    st->ew_value = v;
    if (rebalance_day || first)
        for (uint32_t s = 0; s < st->n; s++) st->ew_units[s] = v / ((double)st->n * st->px[s]);
    qc_ctx_set_comparison(ctx, "equal weight, rebalanced", v);
}

static void pr_on_bar(void *state, qc_ctx *ctx) {
    pr_state *st = state;
    int64_t now = qc_ctx_now(ctx);
    push_returns(st, ctx);
    int due = st->schedule == SCHEDULE_NONE
                  ? 0
                  : qc_port_is_rebalance(qc_ctx_calendar(ctx), (qc_port_schedule)st->schedule, st->prev_ts, now);
    st->prev_ts = now;
    double equity;
    int priced = snapshot(st, ctx, &equity);
    if (priced) comparison(st, ctx, due || st->schedule == SCHEDULE_NONE);
    if (!priced || orders_open(st, ctx)) return;
    if (st->buys_pending) {
        st->buys_pending = 0;
        buy_phase(st, ctx, equity);
        return;
    }
    if (st->rows < st->lookback) return;
    if (!due && st->has_target) {
        for (size_t i = 0; i < st->n; i++) st->qty[i] = st->target[i] * st->invest;
        due = qc_port_band_breached(st->w, st->qty, st->n, st->band, st->rel_band);
    }
    if (!due && st->has_target) return;
    if (!estimate(st)) {
        st->failures++;
        return;
    }
    st->has_target = 1;
    st->rebalances++;
    if (sell_phase(st, ctx, equity)) st->buys_pending = 1;
    else buy_phase(st, ctx, equity);
}

const qc_strategy_def qc_strategy_portfolio = {
    .name = "portfolio",
    .summary = "holds the universe at a portfolio method's weights, rebalanced on a schedule or bands",
    .params = k_params,
    .n_params = sizeof k_params / sizeof k_params[0],
    .state_size = sizeof(pr_state),
    .init = pr_init,
    .on_bar = pr_on_bar,
    .on_fill = NULL,
    .on_finish = NULL,
    .free_state = pr_free,
};
