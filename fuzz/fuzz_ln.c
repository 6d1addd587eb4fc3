/* fuzz_ln.c: libFuzzer property target for our logarithm (src/features/ln.h). The input is read as
 * doubles (any bit pattern: NaNs, infinities, subnormals, negatives); for each, qc_ln must be within
 * 1 ulp of log (the same special values: NaN, -inf, +inf, 0), and qc_ln_array on every path this CPU
 * has must give qc_ln's bits for the whole array (vector bodies and tails). The same doubles as pairs
 * (a, b): qc_ln_div within 2 ulps of the exact ln(a / b) where it takes the near branch, qc_ln(a / b)'s
 * bits elsewhere, and its array form equal on every path; as rows of k = 2..4 pairs, qc_ln_divs'
 * array form equal to the scalar on every path. abort() flags a failure. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "features/ln.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok) {
    if (!ok) abort();
}

static uint64_t bits(double x) {
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

static int same(double a, double b) { return (isnan(a) && isnan(b)) || bits(a) == bits(b); }

static void check_ulp(double x) {
    double ours = qc_ln(x), ref = log(x);
    if (isnan(ref) || isinf(ref) || ref == 0) {
        check(same(ours, ref));
        return;
    }
    check((ours < 0) == (ref < 0));
    uint64_t a = bits(fabs(ours)), b = bits(fabs(ref));
    check((a > b ? a - b : b - a) <= 1);
}

static void check_div(double a, double b) {
    double ours = qc_ln_div(a, b);
    if (!qc_ln_div_near(a, b)) {
        check(same(ours, qc_ln(a / b)));
        return;
    }
    double ref = (double)(2 * atanhl((long double)(a - b) / ((long double)a + (long double)b)));
    if (ref == 0) {
        check(ours == 0);
        return;
    }
    check((ours < 0) == (ref < 0));
    uint64_t u = bits(fabs(ours)), v = bits(fabs(ref));
    check((u > v ? u - v : v - u) <= 2);
}

/* The pairs of x: a = x[2i], b = x[2i + 1]. */
static void check_pairs(const double *x, size_t n) {
    static double a[2048], b[2048], y[2048], w[4][512];
    size_t m = n / 2;
    for (size_t i = 0; i < m; i++) a[i] = x[2 * i], b[i] = x[2 * i + 1], check_div(a[i], b[i]);
    for (int path = 0; path < 3; path++) {
        if (!qc_ln_div_array_path(path, a, b, y, m)) continue;
        for (size_t i = 0; i < m; i++) check(same(y[i], qc_ln_div(a[i], b[i])));
    }
    for (int k = 2; k <= 4; k++) { /* rows of k pairs: column j of row r is pair r k + j */
        size_t rows = m / (size_t)k;
        rows = rows > 512 ? 512 : rows;
        const double *ac[4], *bc[4];
        double ca[4][512], cb[4][512];
        for (int j = 0; j < k; j++) {
            for (size_t r = 0; r < rows; r++) ca[j][r] = a[r * (size_t)k + (size_t)j], cb[j][r] = b[r * (size_t)k + (size_t)j];
            ac[j] = ca[j], bc[j] = cb[j];
        }
        double *yc[4] = {w[0], w[1], w[2], w[3]};
        for (int path = 0; path < 3; path++) {
            if (!qc_ln_divs_array_path(path, k, ac, bc, yc, rows)) continue;
            for (size_t r = 0; r < rows; r++) {
                double u[4], v[4], o[4];
                for (int j = 0; j < k; j++) u[j] = ca[j][r], v[j] = cb[j][r];
                qc_ln_divs(u, v, k, o);
                for (int j = 0; j < k; j++) check(same(yc[j][r], o[j]));
            }
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    size_t n = size / sizeof(double);
    if (n > 4096) n = 4096;
    double x[4096], y[4096];
    memcpy(x, data, n * sizeof(double));
    for (size_t i = 0; i < n; i++) check_ulp(x[i]);
    for (int path = 0; path < 3; path++) {
        if (!qc_ln_array_path(path, x, y, n)) continue;
        for (size_t i = 0; i < n; i++) check(same(y[i], qc_ln(x[i])));
    }
    check_pairs(x, n);
    return 0;
}
