/* bench_backtest.c: backtest engine throughput (make bench). sma_cross(10, 50) over 1M and 10M
 * one-minute bars of one symbol, and over 500 symbols x 2,520 daily bars of the synthetic market:
 * bar events per second of the simulation (indicators, signals, orders, fills, accounting, equity
 * curve; data already in memory), the statistics and report times, and peak memory. Prints the
 * ratio to the anchors in ../shared/ANCHORS.md (backtrader ~20,400 events/s; vectorbt ~10.5M/s;
 * QuantCLI's goal 50M/s). Medians of --runs runs (default 7) of the replay thread's CPU time, so
 * the figures hold on a loaded machine, and the first (cold) run's rate beside them; --verbose
 * prints each run's trades and final equity. Set up as `quantcli backtest` runs: the default risk
 * engine attached and the kernel's leverage limit 1 (--leverage X changes it, 0 = none). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "bench_util.h"
#include "backtest/backtest.h"
#include "risk/risk.h"
#include "backtest/report.h"
#include "data/synth.h"
#include "strategies/strategies.h"

#define GOAL_EVENTS_PER_S 50000000.0

/* A random walk of minute bars (deterministic), in cents like real quotes. */
static void minute_bars(qc_bars *b, size_t n) {
    uint64_t x = 0x9E3779B97F4A7C15ull;
    double p = 100;
    int64_t t0 = INT64_C(1262304000) * 1000000000; /* 2010-01-01 */
    qc_bars_reserve(b, n, NULL);
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        double u = (double)(x >> 11) / 9007199254740992.0 - 0.5;
        double o = p;
        p = round(p * (1 + 0.002 * u) * 100) / 100;
        if (p < 1) p = 1;
        double hi = round(fmax(o, p) * 1.0005 * 100) / 100, lo = round(fmin(o, p) * 0.9995 * 100) / 100;
        int64_t ts = t0 + (int64_t)(i + 1) * 60 * 1000000000;
        qc_bars_push(b, ts, ts - 60 * 1000000000LL, o, hi, lo, p, 1000 + (double)(x % 1000), NAN, 0, NULL);
    }
}

typedef struct {
    double events_per_s, wall_events_per_s, simulate_ms, stats_ms, report_ms;
} run_figs;

static const qc_strategy_def *g_strategy = &qc_strategy_sma_cross;
static int g_verbose; /* --verbose: each run's trade count, final equity and rate */
static double g_leverage = 1.0; /* --leverage: the kernel's leverage limit, the CLI's default */

/* The previous run's result: the next run of the case takes over its curve arrays (opts.recycle), as
 * a sweep would, so only a case's first run pays the first-touch page faults of fresh arrays. */
static qc_backtest_result g_prev;

static int run_once(const qc_bars *const *series, const char *const *names, size_t n_sym, const qc_calendar *cal,
                    int64_t interval_s, run_figs *f) {
    qc_backtest_opts o;
    qc_backtest_opts_init(&o);
    qc_params p;
    const char *kv[] = {"fast=10", "slow=50"};
    qc_error e = {0};
    size_t nkv = g_strategy == &qc_strategy_sma_cross ? 2 : 0;
    if (qc_params_parse(g_strategy->params, g_strategy->n_params, kv, nkv, g_strategy->name, &p, &e))
        return fprintf(stderr, "bench: %s\n", e.msg), -1;
    o.strategy = g_strategy;
    o.params = &p;
    o.cal = cal;
    o.interval_s = interval_s;
    o.sim.costs.commission_bps = 10;
    o.kernel.leverage_limit = g_leverage;
    qc_risk_limits lim; /* the CLI's path: every order passes the default pre-trade checks */
    qc_risk_limits_init(&lim);
    qc_risk *risk = NULL;
    if (qc_risk_new(&lim, names, n_sym, 1, o.kernel.cash, &risk, &e)) return fprintf(stderr, "bench: %s\n", e.msg), -1;
    o.kernel.risk = risk;
    o.recycle = &g_prev;
    qc_backtest_result r;
    qc_err brc = qc_backtest_run(series, names, n_sym, &o, &r, &e);
    qc_risk_free(risk);
    if (brc) return qc_backtest_result_free(&r), fprintf(stderr, "bench: %s\n", e.msg), -1;
    f->simulate_ms = (double)r.simulate_cpu_ns / 1e6;
    f->stats_ms = (double)r.stats_ns / 1e6;
    f->events_per_s = (double)r.n_bar_events / ((double)r.simulate_cpu_ns / 1e9);
    f->wall_events_per_s = (double)r.n_bar_events / ((double)r.simulate_ns / 1e9);
    if (g_verbose)
        printf("  run: %zu trades, %zu orders, final equity %.17g, %.1fM events/s (CPU)\n", r.n_trades, r.n_orders,
               r.n ? r.equity[r.n - 1] : NAN, f->events_per_s / 1e6);
    FILE *dev = fopen("/dev/null", "w");
    int64_t t0 = mono_ns();
    qc_report_input in = {.title = "bench", .ts = r.ts, .equity = r.equity, .benchmark = r.benchmark, .n = r.n,
                          .initial_equity = r.initial_equity, .metrics = &r.metrics, .trades = r.trades,
                          .n_trades = r.n_trades, .symbols = (const char *const *)r.symbols,
                          .n_symbols = r.n_symbols, .interval_s = interval_s, .cal = cal};
    if (dev) qc_report_html(dev, &in, &e);
    f->report_ms = (double)(mono_ns() - t0) / 1e6;
    if (dev) fclose(dev);
    g_prev = r; /* recycled by the next run (or freed at the case's end) */
    return 0;
}

static void bench_case(const char *label, const qc_bars *const *series, const char *const *names, size_t n_sym,
                       const qc_calendar *cal, int64_t interval_s, double load_ms, int runs) {
    double ev[16], wall[16], sim[16], st[16], rep[16], cold = 0;
    for (int k = 0; k < runs; k++) {
        run_figs f;
        if (run_once(series, names, n_sym, cal, interval_s, &f)) return;
        ev[k] = f.events_per_s, wall[k] = f.wall_events_per_s, sim[k] = f.simulate_ms, st[k] = f.stats_ms,
        rep[k] = f.report_ms;
        if (k == 0) cold = f.events_per_s;
    }
    qc_backtest_result_free(&g_prev);
    qsort(ev, (size_t)runs, sizeof(double), cmp_dbl);
    qsort(wall, (size_t)runs, sizeof(double), cmp_dbl);
    qsort(sim, (size_t)runs, sizeof(double), cmp_dbl);
    qsort(st, (size_t)runs, sizeof(double), cmp_dbl);
    qsort(rep, (size_t)runs, sizeof(double), cmp_dbl);
    double med = ev[runs / 2], best = ev[runs - 1];
    printf("%-30s %8.1fM %7.1fM %7.1fM %7.1fM %7.2fx %9.0fx %7.2fx %8.1f %8.1f %8.1f %8.1f  %s\n", label, med / 1e6,
           best / 1e6, cold / 1e6, wall[runs / 2] / 1e6, med / GOAL_EVENTS_PER_S, med / BACKTRADER_EVENTS_PER_S,
           med / VECTORBT_EVENTS_PER_S, load_ms, sim[runs / 2], st[runs / 2], rep[runs / 2],
           med < GOAL_EVENTS_PER_S ? "MISS" : "goal met");
}

int main(int argc, char **argv) {
    int runs = 7;
    const char *only = NULL; /* --only 1m|10m|500: one case, for profiling */
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc) runs = atoi(argv[++i]);
        else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc) only = argv[++i];
        else if (strcmp(argv[i], "--verbose") == 0) g_verbose = 1;
        else if (strcmp(argv[i], "--leverage") == 0 && i + 1 < argc) g_leverage = atof(argv[++i]);
        else if (strcmp(argv[i], "--strategy") == 0 && i + 1 < argc) {
            g_strategy = qc_strategy_find(argv[++i]);
            if (!g_strategy) return fprintf(stderr, "bench: unknown strategy %s\n", argv[i]), 2;
        }
    }
    if (runs < 1 || runs > 15) runs = 7;
    const qc_calendar *always = qc_calendar_get("24/7", NULL), *nyse = qc_calendar_get("NYSE", NULL);
    printf("bench_backtest: %s%s, 10 bps commission, next-open fills, risk engine, leverage limit %g; median of %d "
           "runs\n",
           g_strategy->name, g_strategy == &qc_strategy_sma_cross ? "(10, 50)" : "", g_leverage, runs);
    printf("anchors: backtrader %.0f events/s, vectorbt %.1fM/s, goal %.0fM/s (../shared/ANCHORS.md)\n\n",
           BACKTRADER_EVENTS_PER_S, VECTORBT_EVENTS_PER_S / 1e6, GOAL_EVENTS_PER_S / 1e6);
    printf("%-30s %9s %8s %8s %8s %8s %10s %8s %8s %8s %8s %8s\n", "case", "events/s", "best", "cold", "wall", "vs goal",
           "vs btrader", "vs vbt", "data ms", "sim ms", "stats ms", "report");
    size_t sizes[2] = {1000000, 10000000};
    const char *tags[2] = {"1m", "10m"};
    for (int c = 0; c < 2; c++) {
        if (only && strcmp(only, tags[c]) != 0) continue;
        qc_bars b = {0};
        int64_t t0 = mono_ns();
        minute_bars(&b, sizes[c]);
        double load_ms = (double)(mono_ns() - t0) / 1e6;
        const qc_bars *series[1] = {&b};
        const char *names[1] = {"MIN"};
        char label[64];
        snprintf(label, sizeof label, "1 symbol x %zuM minute bars", sizes[c] / 1000000);
        bench_case(label, series, names, 1, always, 60, load_ms, runs);
        qc_bars_free(&b);
    }
    if (only && strcmp(only, "500") != 0) return 0;
    qc_synth_opts so;
    qc_synth_opts_init(&so);
    so.n_symbols = 500;
    so.n_bars = 2520;
    qc_synth_market *m = NULL;
    qc_error e = {0};
    int64_t t0 = mono_ns();
    if (qc_synth_generate(&so, &m, &e)) return fprintf(stderr, "bench: %s\n", e.msg), 1;
    double gen_ms = (double)(mono_ns() - t0) / 1e6;
    const qc_bars **series = malloc(500 * sizeof *series);
    for (size_t s = 0; s < 500; s++) series[s] = &m->bars[s];
    bench_case("500 symbols x 2,520 days", series, (const char *const *)m->symbols, 500, nyse, 86400, gen_ms, runs);
    free(series);
    qc_synth_free(m);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("\npeak memory (max RSS of the whole benchmark): %.1f MB\n", (double)ru.ru_maxrss / 1024.0);
    printf("events/s: median over runs of bar events / thread CPU time of the replay (steady under load); best: the\n"
           "fastest run; cold: the first run (its result arrays are fresh pages: first-touch faults; later runs\n"
           "take over the previous run's arrays, qc_backtest_opts.recycle, as sweeps can); wall: by the wall clock.\n"
           "data ms: generating the bars in memory (the load step); sim ms: the event loop (CPU); report: HTML\n"
           "to /dev/null. MISS: median below the 50M/s goal.\n");
    return 0;
}
