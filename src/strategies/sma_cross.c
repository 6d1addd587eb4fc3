/* sma_cross.c: the moving-average crossover, long only. Per symbol, at bar t's close: when
 * SMA(fast) crosses above SMA(slow) (fast[t] > slow[t] and fast[t-1] <= slow[t-1], both defined at
 * t-1) and the symbol is flat with no open buy order, a market DAY buy for cash; when it crosses
 * below and the symbol is long with no open sell order, a market DAY sell of the whole position
 * (reduce-only). Cash per buy = (cash - cash reserved by this strategy's open buy orders) / (symbols
 * flat with no open buy order), taken once per event before its first buy, so symbols signalling
 * together share equally; with one symbol a buy is for all the cash. The SMAs are compensated and
 * re-summed (features/rolling.h), so equal averages on flat prices never fake a crossover.
 * Between crossings nothing happens, so in a replay's quiet stretches (kernel.h, qc_kernel_quiet)
 * each symbol scans ahead to its next crossing in one call (qc_sma_pair_scan_line: prefix sums over
 * the series while its windows are exact decimals) and on_bar runs only at crossings; a symbol's
 * state may then be ahead of the event, which on_bar allows for. */
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
    qc_sma_line line;            /* the span hook's scan by prefix sums (holds the state while detached) */
    const double *xs;            /* the closes the line scanned (the span's series) */
    int prev_cmp, cmp;           /* sign of fast - slow at the last two bars pushed, QC_SMA_UNDEFINED until defined */
    size_t seen;                 /* bars pushed: may run ahead of the event in a quiet stretch */
    int pending;                 /* the last bar pushed is a crossing that on_bar has not handled yet */
    uint64_t buy_id, sell_id;    /* latest orders, 0 = none */
} sym_state;

typedef struct {
    uint64_t key; /* event index of the crossing << 32 | symbol: orders by (event, symbol) in one compare */
} cross_at;

/* (event index, symbol) as a heap key; event indices fit in 32 bits (sc_on_span declines longer spans). */
static cross_at cross_key(size_t ev, uint32_t s) { return (cross_at){(uint64_t)ev << 32 | s}; }
static size_t cross_ev(cross_at c) { return (size_t)(c.key >> 32); }
static uint32_t cross_sym(cross_at c) { return (uint32_t)c.key; }

typedef struct {
    size_t n_sym;
    sym_state *sym;
    /* Span hook bookkeeping (one timeline). While `hooked`, every symbol is either pending or has
     * pushed its bars up to span_to, so on_bar visits only the crossings due at its event (the
     * heap) instead of every symbol, and the hook rescans only the symbols on_bar handled (due). */
    int hooked;
    size_t span_to;
    cross_at *heap;              /* pending crossings, least (event, symbol) first */
    size_t n_heap;
    uint32_t *due, *obuy;        /* handled since the last hook call; symbols whose latest buy may be open, ascending */
    size_t n_due, n_obuy;
} sc_state;

static void sc_free(void *state) {
    sc_state *st = state;
    for (size_t s = 0; st->sym && s < st->n_sym; s++) {
        qc_sma_pair_free(&st->sym[s].sma);
        qc_sma_line_free(&st->sym[s].line);
    }
    free(st->sym);
    free(st->heap);
    free(st->due);
    free(st->obuy);
    *st = (sc_state){0};
}

static qc_err sc_init(void *state, const qc_params *p, const qc_ctx *ctx, qc_error *err) {
    sc_state *st = state;
    double fast = qc_params_get(p, "fast"), slow = qc_params_get(p, "slow");
    if (!(fast >= 1 && slow >= 2))
        return qc_err_set(err, QC_ERR_INPUT, "sma_cross: fast (%g) and slow (%g) must be set", fast, slow);
    if (fast >= slow)
        return qc_err_set(err, QC_ERR_INPUT, "sma_cross: fast (%.0f) must be < slow (%.0f)", fast, slow);
    size_t n = qc_ctx_n_symbols(ctx), c = n ? n : 1;
    st->sym = calloc(c, sizeof *st->sym); /* a zeroed qc_sma_pair frees safely */
    st->heap = malloc((c + 1) * sizeof *st->heap); /* and a slot for heap_pop's sentinel */
    st->due = malloc(c * sizeof *st->due);
    st->obuy = malloc(c * sizeof *st->obuy);
    st->n_sym = n;
    if (!st->sym || !st->heap || !st->due || !st->obuy) {
        sc_free(st);
        return qc_err_set(err, QC_ERR_NOMEM, "sma_cross: out of memory");
    }
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

/* The cash each buy of this event gets (see the top of the file): the cash less what open buys still
 * hold (subtracted in symbol order), over the symbols flat with no open buy. Only the symbols on the
 * open-buy list are visited; the flat count comes from the number of positions. */
static double cash_per_buy(sc_state *st, const qc_ctx *ctx) {
    double cash = qc_ctx_cash(ctx);
    size_t open = 0, open_held = 0, k = 0;
    for (size_t j = 0; j < st->n_obuy; j++) {
        uint32_t s = st->obuy[j];
        const qc_order *o = qc_ctx_order(ctx, st->sym[s].buy_id);
        if (!o || !qc_order_is_open(o)) continue; /* closed for good: off the list */
        st->obuy[k++] = s;
        double left = o->req.cash - o->filled_qty * o->avg_price;
        if (left > 0) cash -= left;
        open++;
        open_held += qc_ctx_position(ctx, s) != 0;
    }
    st->n_obuy = k;
    size_t flat = st->n_sym - open - (qc_ctx_n_positions(ctx) - open_held);
    return flat ? cash / (double)flat : 0;
}

/* Symbol s's latest buy may be open: onto the ascending list (once). */
static void note_buy(sc_state *st, uint32_t s) {
    size_t j = st->n_obuy;
    while (j > 0 && st->obuy[j - 1] > s) j--;
    if (j > 0 && st->obuy[j - 1] == s) return;
    for (size_t m = st->n_obuy; m > j; m--) st->obuy[m] = st->obuy[m - 1];
    st->obuy[j] = s;
    st->n_obuy++;
}

/* Whether symbol y has a crossing at the bar that just closed (history length len): pushes the bar
 * unless a quiet stretch already did; a symbol ahead of the event had no crossing here. */
static int crossing_now(sym_state *y, const qc_ctx *ctx, uint32_t s, size_t len) {
    if (y->seen + 1 == len) {
        qc_sma_pair_attach(&y->sma, &y->line, y->xs, y->seen); /* the pair takes over from the line */
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

/* What on_bar does for symbol s at a bar that may be a crossing. */
static void act(sc_state *st, qc_ctx *ctx, uint32_t s, double *per_buy) {
    sym_state *y = &st->sym[s];
    int cmp = y->cmp, prev = y->prev_cmp;
    if (prev == QC_SMA_UNDEFINED || cmp == QC_SMA_UNDEFINED) return;
    if (cmp > 0 && prev <= 0) {
        if (qc_ctx_position(ctx, s) != 0 || is_open(ctx, y->buy_id)) return;
        if (isnan(*per_buy)) *per_buy = cash_per_buy(st, ctx);
        if (!(*per_buy > 0)) return;
        qc_order_req req = {.symbol = s, .side = QC_BUY, .type = QC_ORD_MARKET, .tif = QC_TIF_DAY, .cash = *per_buy};
        y->buy_id = qc_ctx_submit(ctx, &req);
        if (y->buy_id) note_buy(st, s);
    } else if (cmp < 0 && prev >= 0) {
        double pos = qc_ctx_position(ctx, s);
        if (!(pos > 0) || is_open(ctx, y->sell_id)) return;
        qc_order_req req = {.symbol = s,
                            .side = QC_SELL,
                            .type = QC_ORD_MARKET,
                            .tif = QC_TIF_DAY,
                            .qty = pos,
                            .reduce_only = 1};
        y->sell_id = qc_ctx_submit(ctx, &req);
    }
}

/* ---- the pending-crossing heap, least (event, symbol) on top ---- */

static int before(cross_at a, cross_at b) { return a.key < b.key; }

static void heap_push(sc_state *st, cross_at c) {
    size_t i = st->n_heap++;
    while (i > 0 && before(c, st->heap[(i - 1) / 2])) {
        st->heap[i] = st->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    st->heap[i] = c;
}

/* The smaller child is chosen without a branch (which one is a coin toss the predictor would miss
 * at every level): a sentinel greater than every key sits right after the heap, so the right child
 * of the last parent always exists. */
static cross_at heap_pop(sc_state *st) {
    cross_at top = st->heap[0], last = st->heap[--st->n_heap];
    size_t i = 0, n = st->n_heap;
    st->heap[n].key = UINT64_MAX;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n) break;
        c += (size_t)before(st->heap[c + 1], st->heap[c]);
        if (!before(st->heap[c], last)) break;
        st->heap[i] = st->heap[c];
        i = c;
    }
    if (n) st->heap[i] = last;
    return top;
}

/* Every symbol with a bar, in symbol order (events the span hook did not prepare). */
static void on_bar_all(sc_state *st, qc_ctx *ctx) {
    double per_buy = NAN; /* taken at the event's first buy */
    st->hooked = 0;       /* the heap may go stale: the next hook call rebuilds it */
    for (uint32_t s = 0; s < st->n_sym; s++) {
        if (!qc_ctx_has_bar(ctx, s)) continue;
        if (crossing_now(&st->sym[s], ctx, s, qc_ctx_history_len(ctx, s))) act(st, ctx, s, &per_buy);
    }
}

static void sc_on_bar(void *state, qc_ctx *ctx) {
    sc_state *st = state;
    size_t len = st->n_sym ? qc_ctx_history_len(ctx, 0) : 0;
    if (!st->hooked || len == 0 || len > st->span_to) {
        on_bar_all(st, ctx);
        return;
    }
    /* one timeline, prepared by the hook: only the crossings due now, in symbol order */
    double per_buy = NAN;
    while (st->n_heap && cross_ev(st->heap[0]) < len) {
        uint32_t s = cross_sym(heap_pop(st));
        sym_state *y = &st->sym[s];
        if (!crossing_now(y, ctx, s, len)) continue; /* (a crossing of an event on_bar missed: as on_bar_all) */
        st->due[st->n_due++] = s;
        qc_sma_line_warm(&y->sma, &y->line, y->xs, y->seen, st->span_to); /* rescanned after on_bar */
        act(st, ctx, s, &per_buy);
    }
}

/* Runs symbol s ahead to its next crossing or the span's end; a crossing goes onto the heap. */
static void scan_symbol(sc_state *st, uint32_t s, const qc_span *span) {
    sym_state *y = &st->sym[s];
    if (!y->pending && y->seen < span->to) {
        y->xs = span->series[s]->close;
        size_t k = qc_sma_pair_scan_line(&y->sma, &y->line, y->xs, y->seen, span->to, &y->prev_cmp, &y->cmp);
        y->seen += k;
        y->pending = y->cmp != QC_SMA_UNDEFINED && y->prev_cmp != QC_SMA_UNDEFINED && y->cmp != 0 &&
                     y->cmp != y->prev_cmp;
        if (y->pending) heap_push(st, cross_key(y->seen - 1, s));
    }
}

/* The batch form (qc_on_span_fn): each symbol runs ahead to its next crossing (on_bar acts only at
 * crossings) or the span's end, once; the first pending crossing is where on_bar must run again.
 * After the first call only the symbols on_bar handled since need scanning (the others are pending
 * or at the span's end), unless the span grew. */
static size_t sc_on_span(void *state, qc_ctx *ctx, const qc_span *span) {
    (void)ctx;
    sc_state *st = state;
    if (span->to > UINT32_MAX) { /* event indices beyond the heap key's 32 bits: on_bar at every event */
        st->hooked = 0;
        return span->from;
    }
    if (!st->hooked || span->to != st->span_to) {
        st->n_heap = 0;
        for (uint32_t s = 0; s < st->n_sym; s++) {
            sym_state *y = &st->sym[s];
            if (y->pending) heap_push(st, cross_key(y->seen - 1, s));
            else scan_symbol(st, s, span);
        }
        st->hooked = 1;
        st->span_to = span->to;
    } else {
        for (size_t j = 0; j < st->n_due; j++) scan_symbol(st, st->due[j], span);
    }
    st->n_due = 0;
    return st->n_heap && cross_ev(st->heap[0]) < span->to ? cross_ev(st->heap[0]) : span->to;
}

static qc_err sc_init_all(void *state, const qc_params *p, const qc_ctx *ctx, qc_error *err) {
    qc_err rc = sc_init(state, p, ctx, err);
    if (!rc) qc_ctx_set_on_span_always(ctx, &qc_strategy_sma_cross, sc_on_span);
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
