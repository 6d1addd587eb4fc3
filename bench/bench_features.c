/* bench_features.c: ns per input point of every indicator's batch kernel (src/features) on 10M
 * points of a random OHLCV walk, default parameters, outputs preallocated, timed through the public
 * qc_ind_batch() users call; each kernel runs --runs times (default 5) and the MEDIAN and the MIN
 * are printed, with the machine's load average before and after (a loaded 2-core machine inflates
 * medians; the min is the least disturbed run). Printed next to the TA-Lib 0.6.4 and Tulip 0.9.2 figures of ../shared/ANCHORS.md
 * (same machine class, same units) with the ratio to TA-Lib, and checked against the goals: no
 * slower than TA-Lib, and <= 5 ns/point for every indicator with an O(1) update (window-scan ones,
 * marked "scan", report theirs). A missed goal prints MISS but never fails (exit 0); an engine error
 * exits 1. Usage: bench_features [--points N] [--runs K] [--only NAME] */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "features/indicators.h"

/* ANCHORS.md, "Indicators: ns per input point": TA-Lib -O2, Tulip -O2, QuantCLI goal. */
static const struct {
    const char *name;
    double talib, tulip, goal;
} k_anchor[] = {
    {"sma", 1.68, 1.67, 1.0},   {"ema", 2.50, 2.49, 2.5},     {"wma", 1.66, 1.67, 1.7},
    {"rsi", 7.22, 6.50, 3.0},   {"macd", 16.27, 2.88, 3.0},   {"bbands", 6.47, 2.63, 2.7},
    {"atr", 10.74, 2.52, 2.6},  {"adx", 11.36, 8.92, 6.0},    {"stoch", 16.89, 13.32, 8.0},
    {"cci", 26.76, 10.55, 10.0}, {"obv", 5.37, 5.28, 2.0},    {"mfi", 10.12, 9.58, 6.0},
    {"stdev", 5.02, 2.51, 2.6}, {"linreg", 11.73, 1.78, 2.5},
};
#define N_ANCHOR (sizeof k_anchor / sizeof k_anchor[0])

static int64_t mono_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static int cmp_dbl(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double *alloc_or_die(size_t n) {
    double *p = malloc(n * sizeof *p);
    if (!p) {
        fprintf(stderr, "bench_features: out of memory for %zu points\n", n);
        exit(1);
    }
    return p;
}

int main(int argc, char **argv) {
    size_t n = 10000000, runs = 5;
    const char *only = NULL;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--points") == 0) n = strtoull(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--runs") == 0) runs = strtoull(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--only") == 0) only = argv[i + 1];
    }
    if (n < 1000 || runs < 1 || runs > 50) {
        fprintf(stderr, "usage: bench_features [--points N>=1000] [--runs 1..50] [--only NAME]\n");
        return 2;
    }
    double *o = alloc_or_die(n), *h = alloc_or_die(n), *l = alloc_or_die(n), *c = alloc_or_die(n);
    double *v = alloc_or_die(n), *x = alloc_or_die(n);
    uint64_t r = 0x9E3779B97F4A7C15ull;
    double p = 100, q = 100;
    for (size_t i = 0; i < n; i++) {
        r ^= r << 13, r ^= r >> 7, r ^= r << 17;
        double u = (double)(r >> 11) / 9007199254740992.0;
        o[i] = p;
        p = fmax(1, p * (1 + 0.02 * (u - 0.5)));
        q = fmax(1, q * (1 + 0.01 * (0.5 - u) + 0.001 * (double)(r & 7)));
        c[i] = p, h[i] = fmax(o[i], p) * 1.003, l[i] = fmin(o[i], p) * 0.997;
        v[i] = 1000 + (double)(r % 5000), x[i] = q;
    }
    double *out[QC_IND_MAX_OUTPUTS];
    for (int k = 0; k < QC_IND_MAX_OUTPUTS; k++) {
        out[k] = alloc_or_die(n);
        memset(out[k], 0, n * sizeof(double)); /* fault the pages in before timing */
    }
    qc_ind_cols cols = {o, h, l, c, v, x};
    double la[3] = {0};
    getloadavg(la, 3);
    printf("indicators: ns per point, %zu points, median and min of %zu runs, default parameters; load average %.2f "
           "%.2f %.2f\n",
           n, runs, la[0], la[1], la[2]);
    printf("%-14s %-16s %9s %8s %8s %8s %9s %6s  %s\n", "indicator", "spec", "median", "min", "TA-Lib", "Tulip",
           "vs TA-Lib", "goal", "status");
    int misses = 0;
    for (size_t i = 0; i < qc_ind_count(); i++) {
        const qc_ind_def *d = qc_ind_at(i);
        if (only && strcmp(only, d->name) != 0) continue;
        double pr[QC_IND_MAX_PARAMS];
        for (size_t j = 0; j < d->n_params; j++) pr[j] = d->params[j].def;
        double t[50];
        for (size_t k = 0; k < runs; k++) {
            qc_error err = {0};
            int64_t t0 = mono_ns();
            if (qc_ind_batch(d, pr, &cols, n, out, &err)) {
                fprintf(stderr, "bench_features: %s: %s\n", d->name, err.msg);
                return 1;
            }
            t[k] = (double)(mono_ns() - t0) / (double)n;
        }
        qsort(t, runs, sizeof t[0], cmp_dbl);
        double ns = t[runs / 2], ns_min = t[0];
        char spec[64];
        size_t len = (size_t)snprintf(spec, sizeof spec, "%s", d->name);
        for (size_t j = 0; j < d->n_params && len < sizeof spec; j++)
            len += (size_t)snprintf(spec + len, sizeof spec - len, "%s%g", j ? "," : "(", pr[j]);
        if (d->n_params && len < sizeof spec) snprintf(spec + len, sizeof spec - len, ")");
        size_t a = 0;
        while (a < N_ANCHOR && strcmp(k_anchor[a].name, d->name) != 0) a++;
        char ta[16] = "-", tu[16] = "-", ratio[16] = "-", goal[16] = "5.0";
        int ok = d->window_scan || ns <= 5.0;
        if (a < N_ANCHOR) {
            snprintf(ta, sizeof ta, "%.2f", k_anchor[a].talib);
            snprintf(tu, sizeof tu, "%.2f", k_anchor[a].tulip);
            snprintf(ratio, sizeof ratio, "%.2fx", ns / k_anchor[a].talib);
            snprintf(goal, sizeof goal, "%.1f", k_anchor[a].goal);
            ok = ok && ns <= k_anchor[a].talib;
        }
        if (d->window_scan) snprintf(goal, sizeof goal, "scan");
        misses += !ok;
        printf("%-14s %-16s %9.2f %8.2f %8s %8s %9s %6s  %s%s\n", d->name, spec, ns, ns_min, ta, tu, ratio, goal,
               ok ? "ok" : "MISS",
               a < N_ANCHOR && ns > k_anchor[a].goal ? " (above the ANCHORS goal)" : "");
    }
    printf("%d indicator(s) miss the goal (O(1) ones <= 5 ns/point and no slower than TA-Lib; judged on the median)\n",
           misses);
    getloadavg(la, 3);
    printf("load average after: %.2f %.2f %.2f\n", la[0], la[1], la[2]);
    for (int k = 0; k < QC_IND_MAX_OUTPUTS; k++) free(out[k]);
    free(o), free(h), free(l), free(c), free(v), free(x);
    return 0;
}
