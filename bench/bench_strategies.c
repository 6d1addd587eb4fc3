/* bench_strategies.c: throughput of every built-in strategy (make bench) over 500 symbols x 2,520
 * daily bars of the synthetic market (1.26M bar events; data in memory): bar events per second of
 * the whole simulation (the strategy's signals, orders, fills, accounting), median of --runs runs
 * (default 3), next to the ANCHORS.md figures for a universe of this size (vectorbt ~8M events/s:
 * 99 ms of signals + 59 ms of simulation for sma_cross; QuantCLI's goal for sma_cross < 30 ms).
 * Also the run's CPU time (this thread), which a loaded machine does not inflate as it does the wall
 * clock. --only NAME runs one strategy. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backtest/backtest.h"
#include "data/synth.h"
#include "strategies/strategies.h"

#define VECTORBT_UNIVERSE_S (0.099 + 0.059) /* signals + simulation, 1.26M bar events */
#define BAR_EVENTS 1260000.0

static int cmp_dbl(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double cpu_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Simulated (wall) seconds of one run, or -1; *cpu = CPU seconds of the whole run. */
static double run_once(const qc_strategy_def *sd, const qc_synth_market *m, size_t *trades, double *cpu) {
    qc_params p;
    qc_error e = {0};
    if (qc_params_parse(sd->params, sd->n_params, NULL, 0, sd->name, &p, &e)) return fprintf(stderr, "bench: %s\n", e.msg), -1;
    const qc_bars **series = malloc(m->n_symbols * sizeof *series);
    if (!series) return -1;
    for (size_t s = 0; s < m->n_symbols; s++) series[s] = &m->bars[s];
    qc_backtest_opts o;
    qc_backtest_opts_init(&o);
    o.strategy = sd;
    o.params = &p;
    o.cal = qc_calendar_get("NYSE", NULL);
    o.kernel.leverage_limit = 1.0;
    o.sim.costs.commission_bps = 10;
    qc_backtest_result r;
    memset(&r, 0, sizeof r);
    double c0 = cpu_s();
    qc_err rc = qc_backtest_run(series, (const char *const *)m->symbols, m->n_symbols, &o, &r, &e);
    *cpu = cpu_s() - c0;
    free(series);
    if (rc) return fprintf(stderr, "bench: %s: %s\n", sd->name, e.msg), -1;
    double secs = (double)r.simulate_ns / 1e9;
    *trades = r.n_trades + r.n_open;
    qc_backtest_result_free(&r);
    return secs;
}

int main(int argc, char **argv) {
    size_t runs = 3;
    const char *only = NULL;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--runs") == 0) runs = (size_t)atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--only") == 0) only = argv[i + 1];
    }
    if (runs < 1 || runs > 50) runs = 3;
    qc_synth_opts so;
    qc_synth_opts_init(&so);
    so.n_symbols = 500;
    so.n_bars = 2520;
    qc_synth_market *m;
    qc_error e = {0};
    if (qc_synth_generate(&so, &m, &e)) return fprintf(stderr, "bench: %s\n", e.msg), 1;
    printf("strategies: 500 symbols x 2,520 daily bars (synthetic market, default parameters, 10 bps), median of %zu\n",
           runs);
    printf("%-18s %12s %14s %8s %14s %10s %22s\n", "strategy", "simulate ms", "bar events/s", "CPU ms", "events/CPU s",
           "trades", "vs vectorbt sma_cross");
    size_t n;
    const qc_strategy_def *const *all = qc_strategies_all(&n);
    for (size_t i = 0; i < n; i++) {
        if (only && strcmp(only, all[i]->name)) continue;
        if (!only && strcmp(all[i]->name, "model") == 0) continue; /* needs a trained model: bench_models */
        double t[50], c[50];
        size_t trades = 0;
        for (size_t k = 0; k < runs; k++)
            if ((t[k] = run_once(all[i], m, &trades, &c[k])) < 0) return 1;
        qsort(t, runs, sizeof t[0], cmp_dbl);
        qsort(c, runs, sizeof c[0], cmp_dbl);
        double med = t[runs / 2], cmed = c[runs / 2];
        printf("%-18s %12.1f %14.3g %8.1f %14.3g %10zu %21.2fx\n", all[i]->name, med * 1e3, BAR_EVENTS / med,
               cmed * 1e3, BAR_EVENTS / cmed, trades, VECTORBT_UNIVERSE_S / med);
    }
    printf("(vectorbt 0.25.5: sma_cross on this universe %.0f ms = %.3g events/s; the ratio is its time over ours)\n",
           VECTORBT_UNIVERSE_S * 1e3, BAR_EVENTS / VECTORBT_UNIVERSE_S);
    qc_synth_free(m);
    return 0;
}
