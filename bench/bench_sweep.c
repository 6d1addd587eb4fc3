/* bench_sweep.c: parameter sweep throughput (make bench): sma_cross over a 400-combination grid
 * (fast 1..20 x slow 25..215 step 10, all valid) on 2,520 daily bars of a random walk, on 1 and 2
 * threads: backtests per second and the 1 -> 2 thread scaling; once without cross-validation (one
 * full-sample backtest per combination, plus PBO over 12,870 CSCV splits and the DSR) and once with
 * CPCV N = 6, k = 2 (every contiguous range of the 15 splits backtested: ~29 runs per combination);
 * a first row with S = 2 (2 CSCV splits) shows the backtests alone.
 * ANCHORS.md has no sweep figure; the peers' rates are derived from their bar-event rates on
 * sma_cross (backtrader ~20,400 events/s, vectorbt ~10.5M/s) divided by 2,520 bars. Medians of
 * --runs runs (default 3). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"
#include "backtest/sweep.h"
#include "strategies/strategies.h"

#define N_BARS 2520

static void daily_bars(qc_bars *b) {
    uint64_t x = 0x2545F4914F6CDD1Dull;
    double p = 100;
    for (size_t i = 0; i < N_BARS; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        double u = (double)(x >> 11) / 9007199254740992.0 - 0.5;
        double o = p;
        p *= exp(0.0002 + 0.035 * u);
        int64_t ts = ((int64_t)(14610 + i) * 86400 + 21 * 3600) * 1000000000LL;
        qc_bars_push(b, ts, ts - 23400LL * 1000000000LL, o, fmax(o, p) * 1.002, fmin(o, p) * 0.998, p, 1e6, NAN, 0,
                     NULL);
    }
}

/* median backtests/s over runs; *backtests the count of one run */
static double measure(const qc_bars *b, qc_sweep_opts *o, size_t threads, int runs, size_t *backtests) {
    double rate[16];
    o->threads = threads;
    for (int k = 0; k < runs; k++) {
        qc_sweep_result r;
        qc_error e = {0};
        int64_t t0 = mono_ns();
        if (qc_sweep_run(b, "RW", o, &r, &e)) {
            fprintf(stderr, "bench: %s\n", e.msg);
            exit(1);
        }
        double s = (double)(mono_ns() - t0) / 1e9;
        *backtests = r.n_backtests;
        rate[k] = (double)r.n_backtests / s;
        qc_sweep_result_free(&r);
    }
    qsort(rate, (size_t)runs, sizeof rate[0], cmp_dbl);
    return rate[runs / 2];
}

int main(int argc, char **argv) {
    int runs = 3;
    for (int i = 1; i + 1 < argc; i++)
        if (strcmp(argv[i], "--runs") == 0) runs = atoi(argv[i + 1]);
    if (runs < 1 || runs > 15) runs = 3;
    qc_bars b;
    memset(&b, 0, sizeof b);
    daily_bars(&b);
    qc_sweep_axis ax[2];
    qc_error e = {0};
    qc_sweep_axis_parse("fast=1:20:1", &ax[0], &e);
    qc_sweep_axis_parse("slow=25:215:10", &ax[1], &e);
    qc_sweep_opts o;
    qc_sweep_opts_init(&o);
    o.strategy = qc_strategy_find("sma_cross");
    o.axes = ax;
    o.n_axes = 2;
    o.bt.cal = qc_calendar_get("NYSE", &e);
    o.bt.sim.costs.commission_bps = 10;
    printf("bench_sweep: sma_cross, %zu x %zu = 400 combinations, %d daily bars, 10 bps; median of %d runs\n",
           qc_sweep_axis_count(&ax[0]), qc_sweep_axis_count(&ax[1]), N_BARS, runs);
    printf("peers (derived from ANCHORS.md bar-event rates / %d bars): backtrader ~%.0f backtests/s, vectorbt ~%.0f/s\n\n",
           N_BARS, BACKTRADER_EVENTS_PER_S / N_BARS, VECTORBT_EVENTS_PER_S / N_BARS);
    printf("%-30s %10s %14s %14s %9s %10s %10s\n", "case", "backtests", "1 thread /s", "2 threads /s", "scaling",
           "vs btrader", "vs vbt");
    static const char *labels[3] = {"full sample, PBO S=2 (~runs)", "full sample (+ PBO S=16, DSR)",
                                    "cpcv N=6 k=2 (+ PBO, DSR)"};
    for (int k = 0; k < 3; k++) {
        o.use_cv = k == 2;
        o.pbo_s = k == 0 ? 2 : 16;
        o.cv.scheme = QC_CV_CPCV;
        size_t n1 = 0, n2 = 0;
        double r1 = measure(&b, &o, 1, runs, &n1), r2 = measure(&b, &o, 2, runs, &n2);
        printf("%-30s %10zu %14.0f %14.0f %8.2fx %9.0fx %9.2fx\n", labels[k],
               n2, r1, r2, r2 / r1, r2 / (BACKTRADER_EVENTS_PER_S / N_BARS), r2 / (VECTORBT_EVENTS_PER_S / N_BARS));
    }
    printf("\nbacktests: full-sample runs + range runs of every split (cpcv) + the DSR re-run; a cpcv range run is\n"
           "shorter than 2,520 bars, so its backtests/s is not comparable with the full-sample row.\n");
    qc_bars_free(&b);
    return 0;
}
