/* bench_risk.c: latency of the risk engine (make bench). The full pre-trade suite (every check
 * enabled, 1,000 symbols each holding a position) timed per order over 10M orders: p50, p99,
 * p99.9 and max in ns (clock_gettime around each call, the median timer cost subtracted; see
 * src/risk/bench.c), and the mean P&L update per fill and per mark. Prints the figures beside the
 * seed's target (10 us per check, ../shared/ANCHORS.md) and ours (p99 < 1 us, P&L < 100 ns).
 * Medians over --runs runs (default 3); `quantcli risk bench` runs the same library function.
 * Usage: bench_risk [--orders N] [--symbols N] [--runs N] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "risk/risk.h"

#define SEED_TARGET_NS 10000.0
#define OUR_P99_TARGET_NS 1000.0
#define OUR_PNL_TARGET_NS 100.0

int main(int argc, char **argv) {
    qc_risk_bench_opts o = {.orders = 10000000, .symbols = 1000, .seed = 42};
    int runs = 3;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--orders") == 0) o.orders = (size_t)strtoull(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--symbols") == 0) o.symbols = (size_t)strtoull(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--runs") == 0) runs = atoi(argv[i + 1]);
    }
    if (runs < 1 || runs > 99) runs = 3;
    enum { F = 7 };
    double fig[F][99];
    qc_risk_bench_result r = {0};
    for (int k = 0; k < runs; k++) {
        qc_error err = {0};
        o.seed = 42 + (uint64_t)k;
        if (qc_risk_bench(&o, &r, &err)) {
            fprintf(stderr, "bench_risk: %s\n", err.msg);
            return 1;
        }
        double v[F] = {r.p50_ns, r.p99_ns, r.p999_ns, r.max_ns, r.mean_ns, r.fill_ns, r.mark_ns};
        for (int j = 0; j < F; j++) fig[j][k] = v[j];
    }
    double m[F];
    for (int j = 0; j < F; j++) m[j] = median_of(fig[j], runs);
    printf("risk pre-trade suite: %zu orders, %zu symbols with positions, every check enabled, %d runs (medians)\n",
           o.orders, o.symbols, runs);
    printf("timer: %s (overhead %.0f ns); accepted %zu of %zu in the last run\n", r.timer, r.timer_overhead_ns,
           r.accepted, r.orders);
    printf("%-22s %10s %14s %14s\n", "figure", "ns", "seed target", "our target");
    printf("%-22s %10.0f\n", "check p50", m[0]);
    printf("%-22s %10.0f %9.0f (x%.0f) %9.0f (x%.1f)\n", "check p99", m[1], SEED_TARGET_NS, SEED_TARGET_NS / m[1],
           OUR_P99_TARGET_NS, OUR_P99_TARGET_NS / m[1]);
    printf("%-22s %10.0f\n", "check p99.9", m[2]);
    printf("%-22s %10.0f\n", "check max", m[3]);
    printf("%-22s %10.1f\n", "check mean", m[4]);
    printf("%-22s %10.1f %14s %9.0f (x%.1f)\n", "P&L update per fill", m[5], "", OUR_PNL_TARGET_NS,
           OUR_PNL_TARGET_NS / m[5]);
    printf("%-22s %10.1f %14s %9.0f (x%.1f)\n", "P&L update per mark", m[6], "", OUR_PNL_TARGET_NS,
           OUR_PNL_TARGET_NS / m[6]);
    return 0;
}
