/* sma_cross.c: the moving-average crossover, long only. Per symbol, at bar t's close: when
 * SMA(fast) crosses above SMA(slow) (fast[t] > slow[t] and fast[t-1] <= slow[t-1], both defined at
 * t-1) and the symbol is flat with no open buy order, a market DAY buy for cash; when it crosses
 * below and the symbol is long with no open sell order, a market DAY sell of the whole position
 * (reduce-only). Cash per buy = (cash - cash reserved by this strategy's open buy orders) / (symbols
 * flat with no open buy order), taken once per event before its first buy, so symbols signalling
 * together share equally; with one symbol a buy is for all the cash. The SMAs are compensated and
 * re-summed (features/rolling.h), so equal averages on flat prices never fake a crossover.
 * Between crossings nothing happens, so in a replay's quiet stretches (kernel.h, qc_kernel_quiet)
 * each symbol scans ahead to its next crossing in one call (qc_sma_pair_scan) and on_bar runs only
 * at crossings; a symbol's state may then be ahead of the event, which on_bar allows for. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "features/rolling.h"
#include "strategies/strategies.h"

static const qc_param_spec k_params[] = {
    {"fast", QC_PARAM_INT, "10", 1, 100000, "fast SMA window in bars"},
    {"slow", QC_PARAM_INT, "50", 2, 100000, "slow SMA window in bars (> fast)"},
};

typedef struct {
    qc_sma_pair sma;             /* SMA(fast) and SMA(slow) over one ring */
    int prev_cmp, cmp;           /* sign of fast - slow at the last two bars pushed, QC_SMA_UNDEFINED until defined */
    size_t seen;                 /* bars pushed: may run ahead of the event in a quiet stretch */
    int pending;                 /* the last bar pushed is a crossing that on_bar has not handled yet */
    uint64_t buy_id, sell_id;    /* latest orders, 0 = none */
} sym_state;

typedef struct {
    size_t n_sym;
    sym_state *sym;
} sc_state;

static void sc_free(void *state) {
    sc_state *st = state;
    for (size_t s = 0; st->sym && s < st->n_sym; s++) {
        qc_sma_pair_free(&st->sym[s].sma);
    }
    free(st->sym);
    *st = (sc_state){0};
}

static qc_err sc_init(void *state, const qc_params *p, const qc_ctx *ctx, qc_error *err) {
    sc_state *st = state;
    double fast = qc_params_get(p, "fast"), slow = qc_params_get(p, "slow");
    if (!(fast >= 1 && slow >= 2))
        return qc_err_set(err, QC_ERR_INPUT, "sma_cross: fast (%g) and slow (%g) must be set", fast, slow);
    if (fast >= slow)
        return qc_err_set(err, QC_ERR_INPUT, "sma_cross: fast (%.0f) must be < slow (%.0f)", fast, slow);
    size_t n = qc_ctx_n_symbols(ctx);
    st->sym = calloc(n ? n : 1, sizeof *st->sym); /* a zeroed qc_sma_pair frees safely */
    if (!st->sym) return qc_err_set(err, QC_ERR_NOMEM, "sma_cross: out of memory");
    st->n_sym = n;
    for (size_t s = 0; s < n; s++) {
        sym_state *y = &st->sym[s];
        y->prev_cmp = y->cmp = QC_SMA_UNDEFINED;
        qc_err rc = qc_sma_pair_init(&y->sma, (size_t)fast, (size_t)slow, err);
        if (rc) {
            sc_free(st);
            return rc;
        }
    }
    return QC_OK;
}

static int is_open(const qc_ctx *ctx, uint64_t id) {
    const qc_order *o = id ? qc_ctx_order(ctx, id) : NULL;
    return o && qc_order_is_open(o);
}

/* The cash each buy of this event gets (see the top of the file). */
static double cash_per_buy(const sc_state *st, const qc_ctx *ctx) {
    double cash = qc_ctx_cash(ctx);
    size_t flat = 0;
    for (uint32_t s = 0; s < st->n_sym; s++) {
        const qc_order *o = st->sym[s].buy_id ? qc_ctx_order(ctx, st->sym[s].buy_id) : NULL;
        if (o && qc_order_is_open(o)) {
            double left = o->req.cash - o->filled_qty * o->avg_price;
            if (left > 0) cash -= left;
        } else if (qc_ctx_position(ctx, s) == 0) {
            flat++;
        }
    }
    return flat ? cash / (double)flat : 0;
}

/* Whether symbol y has a crossing at the bar that just closed (history length len): pushes the bar
 * unless a quiet stretch already did; a symbol ahead of the event had no crossing here. */
static int crossing_now(sym_state *y, const qc_ctx *ctx, uint32_t s, size_t len) {
    if (y->seen + 1 == len) {
        qc_sma_pair_push(&y->sma, qc_ctx_close(ctx, s, 0));
        y->seen = len;
        y->prev_cmp = y->cmp;
        /* the exact sign of fast - slow (see qc_sma_cmp); no signal until both are defined at t-1 */
        y->cmp = qc_sma_pair_cmp(&y->sma);
        return 1;
    }
    if (y->seen != len || !y->pending) return 0;
    y->pending = 0;
    return 1;
}

static void sc_on_bar(void *state, qc_ctx *ctx) {
    sc_state *st = state;
    double per_buy = NAN; /* taken at the event's first buy */
    for (uint32_t s = 0; s < st->n_sym; s++) {
        if (!qc_ctx_has_bar(ctx, s)) continue;
        sym_state *y = &st->sym[s];
        if (!crossing_now(y, ctx, s, qc_ctx_history_len(ctx, s))) continue;
        int cmp = y->cmp, prev = y->prev_cmp;
        if (prev == QC_SMA_UNDEFINED || cmp == QC_SMA_UNDEFINED) continue;
        if (cmp > 0 && prev <= 0) {
            if (qc_ctx_position(ctx, s) != 0 || is_open(ctx, y->buy_id)) continue;
            if (isnan(per_buy)) per_buy = cash_per_buy(st, ctx);
            if (!(per_buy > 0)) continue;
            qc_order_req req = {
                .symbol = s, .side = QC_BUY, .type = QC_ORD_MARKET, .tif = QC_TIF_DAY, .cash = per_buy};
            y->buy_id = qc_ctx_submit(ctx, &req);
        } else if (cmp < 0 && prev >= 0) {
            double pos = qc_ctx_position(ctx, s);
            if (!(pos > 0) || is_open(ctx, y->sell_id)) continue;
            qc_order_req req = {.symbol = s,
                                .side = QC_SELL,
                                .type = QC_ORD_MARKET,
                                .tif = QC_TIF_DAY,
                                .qty = pos,
                                .reduce_only = 1};
            y->sell_id = qc_ctx_submit(ctx, &req);
        }
    }
}

/* The batch form (qc_on_span_fn): each symbol runs ahead to its next crossing (on_bar acts only at
 * crossings) or the span's end, once; the first pending crossing is where on_bar must run again. */
static size_t sc_on_span(void *state, qc_ctx *ctx, const qc_span *span) {
    (void)ctx;
    sc_state *st = state;
    size_t stop = span->to;
    for (size_t s = 0; s < st->n_sym; s++) {
        sym_state *y = &st->sym[s];
        if (!y->pending && y->seen < span->to) {
            size_t k = qc_sma_pair_scan(&y->sma, span->series[s]->close + y->seen, span->to - y->seen, &y->prev_cmp,
                                        &y->cmp);
            y->seen += k;
            y->pending = y->cmp != QC_SMA_UNDEFINED && y->prev_cmp != QC_SMA_UNDEFINED && y->cmp != 0 &&
                         y->cmp != y->prev_cmp;
        }
        if (y->pending && y->seen - 1 < stop) stop = y->seen - 1;
    }
    return stop;
}

static qc_err sc_init_all(void *state, const qc_params *p, const qc_ctx *ctx, qc_error *err) {
    qc_err rc = sc_init(state, p, ctx, err);
    if (!rc) qc_ctx_set_on_span(ctx, &qc_strategy_sma_cross, sc_on_span);
    return rc;
}

const qc_strategy_def qc_strategy_sma_cross = {
    .name = "sma_cross",
    .summary = "long when SMA(fast) crosses above SMA(slow), flat when it crosses below",
    .params = k_params,
    .n_params = sizeof k_params / sizeof k_params[0],
    .state_size = sizeof(sc_state),
    .init = sc_init_all,
    .on_bar = sc_on_bar,
    .on_fill = NULL,
    .on_finish = NULL,
    .free_state = sc_free,
};
