/* bench_util.h: what every benchmark program shares: a monotonic clock, sorting for medians, and
 * the peer figures of ../shared/ANCHORS.md that more than one benchmark prints against. */
#ifndef QC_BENCH_UTIL_H
#define QC_BENCH_UTIL_H

#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#define BACKTRADER_EVENTS_PER_S 20400.0  /* sma_cross(10, 50), 1M daily bars */
#define VECTORBT_EVENTS_PER_S 10500000.0 /* the same, signals + Portfolio.from_signals */

static inline int64_t mono_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static inline int cmp_dbl(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median of v[0..n) (sorts v). */
static inline double median_of(double *v, size_t n) {
    qsort(v, n, sizeof *v, cmp_dbl);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

#endif
