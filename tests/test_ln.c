/* test_ln.c: our natural logarithm (src/features/ln.h).
 * - special values give log's results: +-0, negatives, -inf, +inf, NaN, 1, the smallest subnormal,
 *   DBL_MIN, DBL_MAX, every power of two (subnormal ones included);
 * - within 1 ulp of glibc's log on millions of values: random bit patterns over all positive doubles,
 *   values within a few million ulps of 1 (the cancellation region), random values in [0.5, 2],
 *   random subnormals, and the neighbours of every power of two;
 * - the batch forms (qc_ln_array, qc_ln_ratio_array) give qc_ln's bits on every path this CPU has
 *   (baseline, AVX2, AVX-512), for every length from 0 to 40 (vector tails) and on all the values
 *   above;
 * - qc_ln_div (ln(a / b) of nearby numbers without forming a / b): within 2 ulps of the exact value
 *   for near ratios (cancellation region, boundaries, magnitudes to 2^+-1000), qc_ln(a / b)'s bits
 *   for far ones and special values, its array form equal on every path;
 * - qc_ln_divs (2 to 4 such logs sharing one division): within 8 ulps for near rows, qc_ln_div's
 *   bits for rows with a far pair (or prices beyond 2^+-250), the array form equal on every path. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "features/ln.h"

static uint64_t g_rng = 0x243F6A8885A308D3ull;
static uint64_t next_u64(void) {
    g_rng ^= g_rng << 13, g_rng ^= g_rng >> 7, g_rng ^= g_rng << 17;
    return g_rng;
}
static double from_bits(uint64_t u) {
    double x;
    memcpy(&x, &u, sizeof x);
    return x;
}
static uint64_t to_bits(double x) {
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}
static int same_bits(double a, double b) { return (isnan(a) && isnan(b)) || to_bits(a) == to_bits(b); }

/* Distance in ulps between two finite doubles of the same sign (or zeros). */
static uint64_t ulps(double a, double b) {
    if (a == b) return 0;
    if ((a < 0) != (b < 0)) return UINT64_MAX;
    uint64_t u = to_bits(fabs(a)), v = to_bits(fabs(b));
    return u > v ? u - v : v - u;
}

/* Checks one value against log; counts it. */
static void check_one(double x, size_t *worst_ulps) {
    double ours = qc_ln(x), ref = log(x);
    if (isnan(ref) || isinf(ref) || ref == 0) {
        if (!same_bits(ours, ref)) fail_msg("qc_ln(%a) = %a, log gives %a", x, ours, ref);
        return;
    }
    uint64_t d = ulps(ours, ref);
    if (d > 1) fail_msg("qc_ln(%a) = %a, log gives %a: %llu ulps apart", x, ours, ref, (unsigned long long)d);
    if (d > *worst_ulps) *worst_ulps = (size_t)d;
}

/* The batch form on every path this machine has: the scalar's bits. */
static void check_array(const double *x, size_t n) {
    double *y = malloc((n ? n : 1) * sizeof *y), *z = malloc((n ? n : 1) * sizeof *z);
    assert_non_null(y);
    assert_non_null(z);
    for (int path = 0; path < 3; path++) {
        memset(y, 0, (n ? n : 1) * sizeof *y);
        if (!qc_ln_array_path(path, x, y, n)) {
            assert_int_not_equal(path, 0); /* the baseline always runs */
            continue;
        }
        for (size_t i = 0; i < n; i++)
            if (!same_bits(y[i], qc_ln(x[i])))
                fail_msg("path %d, x = %a: %a, qc_ln gives %a", path, x[i], y[i], qc_ln(x[i]));
    }
    for (int path = 0; path < 3; path++) { /* ratios: x[i] / x[n - 1 - i] */
        if (!qc_ln_ratio_array_path(path, x, z, y, 0) && path) continue;
        for (size_t i = 0; i < n; i++) z[i] = x[n - 1 - i];
        assert_int_equal(qc_ln_ratio_array_path(path, x, z, y, n), 1);
        for (size_t i = 0; i < n; i++)
            if (!same_bits(y[i], qc_ln(x[i] / z[i])))
                fail_msg("path %d, ratio %a / %a: %a, qc_ln gives %a", path, x[i], z[i], y[i], qc_ln(x[i] / z[i]));
    }
    for (size_t i = 0; i < n; i++) z[i] = x[n - 1 - i];
    qc_ln_ratio_array(x, z, y, n);
    for (size_t i = 0; i < n; i++) assert_true(same_bits(y[i], qc_ln(x[i] / z[i])));
    qc_ln_array(x, z, n);
    for (size_t i = 0; i < n; i++) assert_true(same_bits(z[i], qc_ln(x[i])));
    memcpy(z, x, n * sizeof *z); /* in place */
    qc_ln_array(z, z, n);
    for (size_t i = 0; i < n; i++) assert_true(same_bits(z[i], qc_ln(x[i])));
    free(y), free(z);
}

static void test_special_values(void **st) {
    (void)st;
    static const double v[] = {0.0, -0.0, -1.0, -INFINITY, INFINITY, 1.0, 0x1p-1074, DBL_MIN, DBL_MAX, -DBL_MIN,
                               -0x1p-1074, 2.0, 0.5, 0x1.fffffffffffffp-1, 0x1.0000000000001p0, M_E};
    size_t worst = 0;
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) check_one(v[i], &worst);
    assert_true(isnan(qc_ln(NAN)) && isnan(qc_ln(-NAN)));
    assert_true(qc_ln(0.0) == -INFINITY && qc_ln(-0.0) == -INFINITY && qc_ln(INFINITY) == INFINITY);
    assert_true(isnan(qc_ln(-1.0)) && isnan(qc_ln(-INFINITY)));
    assert_true(qc_ln(1.0) == 0 && !signbit(qc_ln(1.0)));
    for (int e = -1074; e <= 1023; e++) {
        double p = ldexp(1.0, e);
        check_one(p, &worst);
        check_one(nextafter(p, 0), &worst);
        check_one(nextafter(p, INFINITY), &worst);
    }
    double all[sizeof v / sizeof v[0] + 2];
    memcpy(all, v, sizeof v);
    all[sizeof v / sizeof v[0]] = NAN, all[sizeof v / sizeof v[0] + 1] = -NAN;
    check_array(all, sizeof all / sizeof all[0]);
}

/* Millions of values in four families; the worst distance is printed (0 or 1 expected). */
static void test_within_one_ulp(void **st) {
    (void)st;
    enum { N = 1 << 20 };
    double *x = malloc(N * sizeof *x);
    assert_non_null(x);
    size_t worst = 0;
    for (int family = 0; family < 5; family++) {
        for (size_t i = 0; i < N; i++) {
            uint64_t r = next_u64();
            switch (family) {
            case 0: x[i] = from_bits(r >> 1); break;                              /* any positive double or NaN */
            case 1: x[i] = from_bits(to_bits(1.0) + (r % 8000001) - 4000000); break; /* within 4M ulps of 1 */
            case 2: x[i] = 0.5 + 1.5 * (double)(r >> 11) * 0x1p-53; break;           /* [0.5, 2] */
            case 3: x[i] = from_bits(r & 0x000fffffffffffffull); break;           /* subnormals (and 0) */
            default: x[i] = from_bits(to_bits(1.0) + (r % 2001) - 1000) * ldexp(1, (int)(r >> 54) % 64 - 32); break;
            }
        }
        for (size_t i = 0; i < N; i++) check_one(x[i], &worst);
        check_array(x, N);
    }
    print_message("qc_ln vs log: worst %zu ulp over %d values\n", worst, 5 * N);
    assert_true(worst <= 1);
    free(x);
}

/* Vector tails: every length from 0 to 40 at every offset 0..3 of a mixed array. */
static void test_array_lengths(void **st) {
    (void)st;
    double x[44];
    for (size_t i = 0; i < 44; i++) x[i] = i % 7 == 3 ? -1.0 : i % 11 == 5 ? 0.0 : from_bits(next_u64() >> 2);
    for (size_t off = 0; off < 4; off++)
        for (size_t n = 0; n <= 40; n++) check_array(x + off, n);
}

/* ---- qc_ln_div: ln(a / b) of nearby numbers ------------------------------------------------------ */
/* Near ratios within 2 ulps of the exact ln(a / b) = 2 atanh((a - b) / (a + b)), in long double (a - b
 * and a + b of such doubles are exact there); far ones give qc_ln(a / b)'s bits. */
static void check_div(double a, double b, size_t *worst) {
    double ours = qc_ln_div(a, b);
    if (!qc_ln_div_near(a, b)) {
        if (!same_bits(ours, qc_ln(a / b))) fail_msg("qc_ln_div(%a, %a) = %a, qc_ln(a / b) = %a", a, b, ours, qc_ln(a / b));
        return;
    }
    long double s = (long double)(a - b) / ((long double)a + (long double)b);
    double ref = (double)(2 * atanhl(s));
    uint64_t d = ulps(ours, ref);
    if (ref == 0 ? ours != 0 : d > 2) fail_msg("qc_ln_div(%a, %a) = %a, exact %a: %llu ulps apart", a, b, ours, ref, (unsigned long long)d);
    if (ref != 0 && d > *worst) *worst = (size_t)d;
}
/* Every path's array form: the scalar's bits (lengths 0..n at a few offsets). */
static void check_div_array(const double *x, const double *z, size_t n) {
    double *y = malloc((n ? n : 1) * sizeof *y);
    assert_non_null(y);
    for (int path = 0; path < 3; path++) {
        if (!qc_ln_div_array_path(path, x, z, y, n)) {
            assert_int_not_equal(path, 0);
            continue;
        }
        for (size_t i = 0; i < n; i++)
            if (!same_bits(y[i], qc_ln_div(x[i], z[i])))
                fail_msg("path %d, %a / %a: %a, qc_ln_div gives %a", path, x[i], z[i], y[i], qc_ln_div(x[i], z[i]));
    }
    qc_ln_div_array(x, z, y, n);
    for (size_t i = 0; i < n; i++) assert_true(same_bits(y[i], qc_ln_div(x[i], z[i])));
    free(y);
}
static void test_ln_div(void **st) {
    (void)st;
    enum { N = 1 << 19 };
    double *a = malloc(N * sizeof *a), *b = malloc(N * sizeof *b);
    assert_non_null(a);
    assert_non_null(b);
    size_t worst = 0;
    for (int family = 0; family < 4; family++) {
        for (size_t i = 0; i < N; i++) {
            uint64_t r = next_u64();
            double u = (double)(r >> 11) * 0x1p-53, m = ldexp(1 + u, (int)(r % 121) - 60);
            b[i] = m;
            switch (family) {
            case 0: a[i] = m * (0.7 + 0.75 * u * u); break;                               /* near and just beyond 3/4, 4/3 */
            case 1: a[i] = from_bits(to_bits(m) + (r >> 40) % 2001 - 1000); break;         /* within 1000 ulps: cancellation */
            case 2: a[i] = m * (0.5 + 1.5 * u), b[i] = ldexp(m, (int)(r >> 60) * 64 - 500); break; /* magnitudes to 2^+-1000 */
            default: a[i] = from_bits(next_u64() >> 1), b[i] = from_bits(next_u64() >> 1); break; /* anything */
            }
        }
        for (size_t i = 0; i < N; i++) check_div(a[i], b[i], &worst);
        check_div_array(a, b, N);
    }
    static const double v[] = {0.0, -0.0, -1.0, 1.0, 2.0, 0.75, 1.3, INFINITY, -INFINITY, NAN, DBL_MIN, 0x1p-1074,
                               DBL_MAX, 0x1p-1000, 0x1p1000, 0x1.0000000000001p-1000, 0x1.fffffffffffffp999};
    enum { V = sizeof v / sizeof v[0] };
    double x[V * V], z[V * V];
    for (size_t i = 0; i < V; i++)
        for (size_t j = 0; j < V; j++) x[i * V + j] = v[i], z[i * V + j] = v[j], check_div(v[i], v[j], &worst);
    for (size_t off = 0; off < 4; off++)
        for (size_t n = 0; n <= 40; n++) check_div_array(x + off, z + off, n);
    check_div_array(x, z, V * V);
    assert_true(qc_ln_div(1.0, 1.0) == 0 && !signbit(qc_ln_div(1.0, 1.0)));
    assert_true(isnan(qc_ln_div(-1.0, 1.0)) && isnan(qc_ln_div(1.0, -1.0)) && qc_ln_div(0.0, 1.0) == -INFINITY);
    print_message("qc_ln_div vs exact: worst %zu ulp\n", worst);
    free(a), free(b);
}

/* ---- qc_ln_divs: 2..4 logs of ratios sharing one division ------------------------------------------ */
/* Rows of k pairs: near rows within 8 ulps of the exact logs (long double, as check_div), rows with a
 * far pair give qc_ln_div's bits for every pair; the array form equals the scalar on every path. */
static void check_divs_rows(int k, double *const *a, double *const *b, size_t n, size_t *worst) {
    double *y[4], *w[4];
    for (int j = 0; j < 4; j++) y[j] = malloc((n ? n : 1) * sizeof(double)), w[j] = y[j], assert_non_null(y[j]);
    for (size_t i = 0; i < n; i++) {
        double u[4], v[4], o[4];
        for (int j = 0; j < k; j++) u[j] = a[j][i], v[j] = b[j][i];
        qc_ln_divs(u, v, k, o);
        int near = qc_ln_divs_near(u, v, k);
        for (int j = 0; j < k; j++) {
            if (!near) {
                if (!same_bits(o[j], qc_ln_div(u[j], v[j]))) fail_msg("qc_ln_divs far row %zu pair %d: %a", i, j, o[j]);
                continue;
            }
            long double s = (long double)(u[j] - v[j]) / ((long double)u[j] + (long double)v[j]);
            double ref = (double)(2 * atanhl(s));
            uint64_t d = ulps(o[j], ref);
            if (ref == 0 ? o[j] != 0 : d > 8)
                fail_msg("qc_ln_divs(k %d) %a / %a = %a, exact %a: %llu ulps", k, u[j], v[j], o[j], ref, (unsigned long long)d);
            if (ref != 0 && d > *worst) *worst = (size_t)d;
        }
    }
    for (int path = 0; path < 3; path++) {
        if (!qc_ln_divs_array_path(path, k, (const double *const *)a, (const double *const *)b, w, n)) {
            assert_int_not_equal(path, 0);
            continue;
        }
        for (size_t i = 0; i < n; i++) {
            double u[4], v[4], o[4];
            for (int j = 0; j < k; j++) u[j] = a[j][i], v[j] = b[j][i];
            qc_ln_divs(u, v, k, o);
            for (int j = 0; j < k; j++)
                if (!same_bits(y[j][i], o[j])) fail_msg("path %d k %d row %zu pair %d: %a, scalar %a", path, k, i, j, y[j][i], o[j]);
        }
    }
    for (int j = 0; j < 4; j++) free(y[j]);
}
static void test_ln_divs(void **st) {
    (void)st;
    enum { N = 1 << 17 };
    double *a[4], *b[4];
    for (int j = 0; j < 4; j++) a[j] = malloc(N * sizeof(double)), b[j] = malloc(N * sizeof(double));
    size_t worst = 0;
    for (int family = 0; family < 3; family++) {
        for (size_t i = 0; i < N; i++) {
            uint64_t r = next_u64();
            double m = ldexp(1 + (double)(r >> 11) * 0x1p-53, (int)(r % 121) - 60); /* one bar's scale */
            if (family == 2) m = ldexp(1.5, (int)(r % 560) - 280);                   /* to beyond 2^+-250 */
            for (int j = 0; j < 4; j++) {
                double u = (double)(next_u64() >> 11) * 0x1p-53;
                b[j][i] = m * (1 + 0.1 * u);
                a[j][i] = family == 1 ? from_bits(to_bits(b[j][i]) + (next_u64() >> 50) % 2001 - 1000)
                                      : b[j][i] * (0.72 + 0.65 * u * u); /* near, and some far rows */
            }
        }
        for (int k = 2; k <= 4; k++) check_divs_rows(k, a, b, N, &worst);
    }
    static const double v[] = {0.0, -1.0, 1.0, 1.1, INFINITY, NAN, 0x1p-250, 0x1p250, 0x1.0000000000001p-250, 0.7};
    enum { V = sizeof v / sizeof v[0] };
    for (size_t i = 0; i < V * V; i++)
        for (int j = 0; j < 4; j++) a[j][i] = j % 2 ? 1.0 : v[i / V], b[j][i] = j % 2 ? 1.05 : v[i % V];
    for (int k = 2; k <= 4; k++)
        for (size_t n = 0; n <= V * V; n += 7) check_divs_rows(k, a, b, n, &worst);
    print_message("qc_ln_divs vs exact: worst %zu ulp\n", worst);
    for (int j = 0; j < 4; j++) free(a[j]), free(b[j]);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_special_values),
        cmocka_unit_test(test_within_one_ulp),
        cmocka_unit_test(test_array_lengths),
        cmocka_unit_test(test_ln_div),
        cmocka_unit_test(test_ln_divs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
