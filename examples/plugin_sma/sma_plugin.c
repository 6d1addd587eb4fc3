/* sma_plugin.c: an example QuantCLI strategy plugin: the moving-average crossover, long only, as a
 * shared object that includes only quantcli/strategy_plugin.h. At bar t's close, when SMA(fast)
 * crosses above SMA(slow) (fast > slow now, fast <= slow at t-1) and the symbol is flat, buy with an
 * equal share of the cash (one symbol: all of it); when it crosses below and the symbol is long,
 * sell the whole position. Build:
 *   cc -shared -fPIC -I<quantcli>/include sma_plugin.c -o sma_plugin.so
 * Run:
 *   quantcli backtest --data prices.csv --strategy ./sma_plugin.so --param fast=10 --param slow=50
 * Building with -DSMA_PLUGIN_API_VERSION=N claims interface version N instead (the tests use it to
 * check that QuantCLI refuses a plugin built for another version). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "quantcli/strategy_plugin.h"

#ifndef SMA_PLUGIN_API_VERSION
#define SMA_PLUGIN_API_VERSION QC_PLUGIN_API_VERSION
#endif

static const qc_plugin_host *g_host; /* QuantCLI's services: set once at load, read-only after */

static const qc_plugin_param k_params[] = {
    {"fast", QC_PLUGIN_PARAM_INT, "10", 1, 100000, "fast SMA window in bars"},
    {"slow", QC_PLUGIN_PARAM_INT, "50", 2, 100000, "slow SMA window in bars (> fast)"},
};

typedef struct {
    long fast, slow;
    size_t n_sym;
    signed char *prev; /* per symbol: sign of fast - slow at t-1, 2 = undefined */
} sma_state;

/* Mean of the last n closes of s (lag 0..n-1); NaN without n bars. */
static double sma(const qc_plugin_ctx *c, uint32_t s, long n) {
    if (g_host->history_len(c, s) < (size_t)n) return NAN;
    double sum = 0;
    for (long k = 0; k < n; k++) sum += g_host->close(c, s, k);
    return sum / (double)n;
}

static int sma_init(void *state, const double *p, const qc_plugin_ctx *c, char *err, size_t err_len) {
    sma_state *st = state;
    st->fast = (long)p[0];
    st->slow = (long)p[1];
    if (st->fast >= st->slow) {
        snprintf(err, err_len, "fast (%ld) must be < slow (%ld)", st->fast, st->slow);
        return 1;
    }
    st->n_sym = g_host->n_symbols(c);
    st->prev = malloc(st->n_sym ? st->n_sym : 1);
    if (!st->prev) {
        snprintf(err, err_len, "out of memory");
        return 1;
    }
    for (size_t s = 0; s < st->n_sym; s++) st->prev[s] = 2;
    return 0;
}

static void sma_on_bar(void *state, qc_plugin_ctx *c) {
    sma_state *st = state;
    size_t flat = 0;
    for (uint32_t s = 0; s < st->n_sym; s++) flat += g_host->position(c, s) == 0;
    double per_buy = flat ? g_host->cash(c) / (double)flat : 0;
    for (uint32_t s = 0; s < st->n_sym; s++) {
        if (!g_host->has_bar(c, s)) continue;
        double f = sma(c, s, st->fast), sl = sma(c, s, st->slow);
        signed char cmp = isnan(f) || isnan(sl) ? 2 : (f > sl) - (f < sl), prev = st->prev[s];
        st->prev[s] = cmp;
        if (prev == 2 || cmp == 2) continue;
        double pos = g_host->position(c, s);
        if (cmp > 0 && prev <= 0 && pos == 0 && per_buy > 0) {
            qc_plugin_order o = {.symbol = s, .side = QC_PLUGIN_BUY, .type = QC_PLUGIN_MARKET, .tif = QC_PLUGIN_DAY,
                                 .cash = per_buy};
            g_host->submit(c, &o);
        } else if (cmp < 0 && prev >= 0 && pos > 0) {
            qc_plugin_order o = {.symbol = s, .side = QC_PLUGIN_SELL, .type = QC_PLUGIN_MARKET, .tif = QC_PLUGIN_DAY,
                                 .qty = pos, .reduce_only = 1};
            g_host->submit(c, &o);
        }
    }
}

static void sma_free(void *state) {
    sma_state *st = state;
    free(st->prev);
    st->prev = NULL;
}

static const qc_plugin_strategy k_strategy = {
    .api_version = SMA_PLUGIN_API_VERSION,
    .name = "plugin_sma",
    .summary = "example plugin: long when SMA(fast) crosses above SMA(slow), flat when it crosses below",
    .params = k_params,
    .n_params = sizeof k_params / sizeof k_params[0],
    .state_size = sizeof(sma_state),
    .init = sma_init,
    .on_bar = sma_on_bar,
    .on_finish = NULL,
    .free_state = sma_free,
};

QC_PLUGIN_EXPORT const qc_plugin_strategy *qc_plugin_entry(const qc_plugin_host *host) {
    if (!host || host->api_version != QC_PLUGIN_API_VERSION) return NULL; /* an older or newer host */
    g_host = host;
    return &k_strategy;
}
