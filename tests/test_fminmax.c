/* test_fminmax.c: qc_fmax and qc_fmin (core/fminmax.h) give the C library's fmax and fmin bit for
 * bit on every pair of signed zeros, NaNs of both signs, infinities, subnormals and ordinary values
 * (the risk engine's and the simulated venue's results must not change by inlining them). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "core/fminmax.h"

static uint64_t bits(double x) {
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

static void test_same_as_libm(void **state) {
    (void)state;
    /* through pointers, so the library's functions run rather than the compiler's folding */
    double (*volatile lib_max)(double, double) = fmax, (*volatile lib_min)(double, double) = fmin;
    const double v[] = {0.0, -0.0, 1.0, -1.0, NAN, -NAN, INFINITY, -INFINITY, 2.5, 1e-310, -1e-310, 100.25};
    const size_t n = sizeof v / sizeof v[0];
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            assert_true(bits(lib_max(v[i], v[j])) == bits(qc_fmax(v[i], v[j])));
            assert_true(bits(lib_min(v[i], v[j])) == bits(qc_fmin(v[i], v[j])));
        }
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_same_as_libm)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
