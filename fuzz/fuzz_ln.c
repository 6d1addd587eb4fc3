/* fuzz_ln.c: libFuzzer property target for our logarithm (src/features/ln.h). The input is read as
 * doubles (any bit pattern: NaNs, infinities, subnormals, negatives); for each, qc_ln must be within
 * 1 ulp of log (the same special values: NaN, -inf, +inf, 0), and qc_ln_array on every path this CPU
 * has must give qc_ln's bits for the whole array (vector bodies and tails). abort() flags a failure. */
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
    return 0;
}
