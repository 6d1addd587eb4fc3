/* buy_and_hold.c: the benchmark strategy. At the first event every symbol with a bar gets a market
 * cash order of equity / n_symbols; a symbol whose first bar comes later gets the same share of the
 * equity then, capped at the cash still available (cash minus what this strategy's open buy orders
 * have reserved). One order per symbol, long only, never sells; no parameters. Once every symbol
 * has been bought, on_bar is a single compare. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "strategies/strategies.h"

typedef struct {
    size_t n_sym;
    uint32_t *pending;  /* symbols not yet bought (unordered; swap-removed) */
    size_t n_pending;
    uint64_t *order_id; /* the buy order of each symbol, 0 before it */
} bh_state;

static void bh_free(void *state) {
    bh_state *st = state;
    free(st->pending);
    free(st->order_id);
    *st = (bh_state){0};
}

static qc_err bh_init(void *state, const qc_params *p, const qc_ctx *ctx, qc_error *err) {
    (void)p;
    bh_state *st = state;
    size_t n = qc_ctx_n_symbols(ctx);
    st->n_sym = n;
    st->pending = malloc((n ? n : 1) * sizeof *st->pending);
    st->order_id = calloc(n ? n : 1, sizeof *st->order_id);
    if (!st->pending || !st->order_id) {
        bh_free(st);
        return qc_err_set(err, QC_ERR_NOMEM, "buy_and_hold: out of memory");
    }
    for (size_t s = 0; s < n; s++) st->pending[s] = (uint32_t)s;
    st->n_pending = n;
    return QC_OK;
}

/* Cash not yet promised to this strategy's open buy orders. */
static double available_cash(const bh_state *st, const qc_ctx *ctx) {
    double cash = qc_ctx_cash(ctx);
    for (size_t s = 0; s < st->n_sym; s++) {
        const qc_order *o = st->order_id[s] ? qc_ctx_order(ctx, st->order_id[s]) : NULL;
        if (o && qc_order_is_open(o)) {
            double left = o->req.cash - o->filled_qty * o->avg_price;
            if (left > 0) cash -= left;
        }
    }
    return cash;
}

static void bh_on_bar(void *state, qc_ctx *ctx) {
    bh_state *st = state;
    if (st->n_pending == 0) return;
    double avail = NAN, target = 0;
    for (size_t k = 0; k < st->n_pending;) {
        uint32_t s = st->pending[k];
        if (!qc_ctx_has_bar(ctx, s)) {
            k++;
            continue;
        }
        st->pending[k] = st->pending[--st->n_pending]; /* one attempt per symbol */
        if (isnan(avail)) {
            avail = available_cash(st, ctx);
            target = qc_ctx_equity(ctx) / (double)st->n_sym;
        }
        double amount = target < avail ? target : avail;
        if (!(amount > 0)) continue;
        qc_order_req req = {
            .symbol = s, .side = QC_BUY, .type = QC_ORD_MARKET, .tif = QC_TIF_DAY, .cash = amount};
        st->order_id[s] = qc_ctx_submit(ctx, &req);
        if (st->order_id[s]) avail -= amount;
    }
}

const qc_strategy_def qc_strategy_buy_and_hold = {
    .name = "buy_and_hold",
    .summary = "buy every symbol with an equal share of equity on its first bar and hold",
    .params = NULL,
    .n_params = 0,
    .state_size = sizeof(bh_state),
    .init = bh_init,
    .on_bar = bh_on_bar,
    .on_fill = NULL,
    .on_finish = NULL,
    .free_state = bh_free,
};
