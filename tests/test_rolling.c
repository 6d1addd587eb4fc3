/* test_rolling.c: the streaming SMA: warm-up NaNs, batch == stream bit for bit, agreement with an
 * exact (long double, re-summed per window) mean on a long random walk, NaN/inf recovery, and exact
 * ties of two SMAs on flat series (the spurious-crossover bug of plain running sums).
 * The long-walk check runs on 2M points here; QC_ROLLING_POINTS=10000000 runs the 10M-point version
 * (run by hand: max relative error 2.2e-16 for n = 10, 50 and 200). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "features/rolling.h"

/* ---- helpers ---------------------------------------------------------------------------------- */

static uint64_t rng_next(uint64_t *s) { /* splitmix64 */
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static double rng_unif(uint64_t *s) { return (double)(rng_next(s) >> 11) * 0x1.0p-53; }

static double rng_norm(uint64_t *s) {
    double u = rng_unif(s), v = rng_unif(s);
    if (u < 1e-300) u = 1e-300;
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

/* Geometric random walk from 100 with 2% daily volatility. */
static double *make_walk(size_t len, uint64_t seed) {
    double *x = malloc(len * sizeof *x);
    assert_non_null(x);
    double p = 100.0;
    for (size_t i = 0; i < len; i++) {
        p *= exp(0.02 * rng_norm(&seed));
        x[i] = p;
    }
    return x;
}

/* The reference: each window summed from scratch in long double (64-bit mantissa). */
static double naive_mean(const double *x, size_t i, size_t n) {
    long double s = 0;
    for (size_t j = i + 1 - n; j <= i; j++) s += x[j];
    return (double)(s / (long double)n);
}

static double *stream_all(const double *x, size_t len, size_t n) {
    double *out = malloc((len ? len : 1) * sizeof *out);
    assert_non_null(out);
    qc_sma s;
    qc_error err = {0};
    assert_int_equal(qc_sma_init(&s, n, &err), QC_OK);
    for (size_t i = 0; i < len; i++) out[i] = qc_sma_update(&s, x[i]);
    qc_sma_free(&s);
    return out;
}

static void assert_bits_equal(const double *a, const double *b, size_t len, size_t n) {
    for (size_t i = 0; i < len; i++) {
        if (memcmp(&a[i], &b[i], sizeof(double)) != 0) {
            fprintf(stderr, "n=%zu i=%zu: %.17g vs %.17g\n", n, i, a[i], b[i]);
            fail();
        }
    }
}

/* ---- cases ------------------------------------------------------------------------------------ */

static void test_init_and_warmup(void **state) {
    (void)state;
    qc_sma s;
    qc_error err = {0};
    assert_int_equal(qc_sma_init(&s, 0, &err), QC_ERR_INPUT);
    assert_non_null(strstr(err.msg, "window"));
    qc_sma_free(&s); /* safe on a failed init */

    assert_int_equal(qc_sma_init(&s, 4, &err), QC_OK);
    const double x[] = {1, 2, 3, 4, 5, 6};
    for (int i = 0; i < 3; i++) assert_true(isnan(qc_sma_update(&s, x[i])));
    assert_true(qc_sma_update(&s, x[3]) == 2.5);
    assert_true(qc_sma_update(&s, x[4]) == 3.5);
    assert_true(qc_sma_update(&s, x[5]) == 4.5);
    qc_sma_free(&s);
    qc_sma_free(&s);

    double out[6];
    qc_sma_batch(x, 6, 4, out);
    for (int i = 0; i < 3; i++) assert_true(isnan(out[i]));
    assert_true(out[3] == 2.5 && out[5] == 4.5);
    qc_sma_batch(x, 6, 0, out);
    for (int i = 0; i < 6; i++) assert_true(isnan(out[i]));
    qc_sma_batch(x, 2, 4, out); /* shorter than the window */
    assert_true(isnan(out[0]) && isnan(out[1]));
    qc_sma_batch(x, 6, 1, out);
    for (int i = 0; i < 6; i++) assert_true(out[i] == x[i]);
}

static void test_batch_equals_stream(void **state) {
    (void)state;
    const size_t len = 1000000;
    uint64_t seed = 42;
    double *x = malloc(len * sizeof *x), *b = malloc(len * sizeof *b);
    assert_non_null(x);
    assert_non_null(b);
    /* a mix of scales and signs, with repeats so the flat-window path is taken too */
    for (size_t i = 0; i < len; i++) {
        double u = rng_unif(&seed);
        x[i] =
            u < 0.2 && i ? x[i - 1] : (rng_unif(&seed) - 0.3) * pow(10.0, (double)(rng_next(&seed) % 7) - 2);
    }
    const size_t ns[] = {1, 2, 3, 7, 10, 50, 200, 1000, 4096};
    for (size_t k = 0; k < sizeof ns / sizeof ns[0]; k++) {
        double *s = stream_all(x, len, ns[k]);
        qc_sma_batch(x, len, ns[k], b);
        assert_bits_equal(s, b, len, ns[k]);
        free(s);
    }
    /* stretches of exact cents and of arbitrary doubles (and a few NaN/inf), so windows keep
     * turning from the exact path to the float path and back */
    double p = 100;
    for (size_t i = 0; i < len; i++) {
        if (rng_unif(&seed) < 0.002) p = 100 + 50 * rng_unif(&seed);
        int exact = (i / 700) % 2 == 0;
        double step = p * 0.01 * (rng_unif(&seed) - 0.5);
        p += exact ? round(step * 100) / 100 : step;
        if (exact) p = round(p * 100) / 100;
        double u = rng_unif(&seed);
        x[i] = u < 0.0005 ? NAN : u < 0.001 ? INFINITY : p;
    }
    for (size_t k = 0; k < sizeof ns / sizeof ns[0]; k++) {
        double *s = stream_all(x, len, ns[k]);
        qc_sma_batch(x, len, ns[k], b);
        assert_bits_equal(s, b, len, ns[k]);
        free(s);
    }
    free(x);
    free(b);
}

static void test_matches_exact_mean(void **state) {
    (void)state;
    size_t len = 2000000;
    const char *env = getenv("QC_ROLLING_POINTS");
    if (env && atol(env) > 0) len = (size_t)atol(env);
    double *x = make_walk(len, 7);
    double *out = malloc(len * sizeof *out);
    assert_non_null(out);
    const size_t ns[] = {10, 50, 200};
    for (size_t k = 0; k < sizeof ns / sizeof ns[0]; k++) {
        size_t n = ns[k];
        qc_sma_batch(x, len, n, out);
        double worst = 0;
        for (size_t i = n - 1; i < len; i++) {
            double ref = naive_mean(x, i, n);
            double rel = fabs(out[i] - ref) / fabs(ref);
            if (rel > worst) worst = rel;
        }
        if (env) fprintf(stderr, "n=%zu points=%zu max relative error %.3g\n", n, len, worst);
        assert_true(worst <= 1e-12);
    }
    free(out);
    free(x);
}

/* A plain running sum drifts: error made while prices were high stays in the sum as they fall four
 * orders of magnitude. Ours stays at rounding level. */
static void test_no_drift_on_falling_series(void **state) {
    (void)state;
    const size_t len = 1000000, n = 20;
    uint64_t seed = 99;
    double *x = malloc(len * sizeof *x), *out = malloc(len * sizeof *out);
    assert_non_null(x);
    assert_non_null(out);
    for (size_t i = 0; i < len; i++)
        x[i] = 1e4 * exp(-9.2 * (double)i / (double)len) * (1 + 0.01 * rng_norm(&seed));
    qc_sma_batch(x, len, n, out);
    double plain = 0, worst = 0, worst_plain = 0;
    for (size_t i = 0; i < len; i++) {
        plain += x[i];
        if (i >= n) plain -= x[i - n];
        if (i + 1 < n) continue;
        double ref = naive_mean(x, i, n);
        worst = fmax(worst, fabs(out[i] - ref) / ref);
        worst_plain = fmax(worst_plain, fabs(plain / (double)n - ref) / ref);
    }
    /* the float path's bound: about n ulps of the window (re-summed every n values), never growing */
    if (worst > 1e-14) fail_msg("worst relative error %g", worst);
    assert_true(worst_plain > 1e-12); /* the fixture does expose drift */
    free(x);
    free(out);
}

static void test_nan_and_inf_recover(void **state) {
    (void)state;
    const size_t len = 2000, n = 10;
    double *x = make_walk(len, 11), *b = malloc(len * sizeof *b);
    assert_non_null(b);
    x[100] = NAN;
    x[500] = INFINITY;
    x[900] = INFINITY;
    x[903] = -INFINITY;
    x[1500] = NAN;
    x[1503] = INFINITY;
    double *s = stream_all(x, len, n);
    qc_sma_batch(x, len, n, b);
    assert_bits_equal(s, b, len, n);
    for (size_t i = n - 1; i < len; i++) {
        int bad = 0, pinf = 0, ninf = 0;
        for (size_t j = i + 1 - n; j <= i; j++) {
            bad |= isnan(x[j]);
            pinf |= x[j] == INFINITY;
            ninf |= x[j] == -INFINITY;
        }
        if (bad || (pinf && ninf)) assert_true(isnan(s[i]));
        else if (pinf) assert_true(s[i] == INFINITY);
        else if (ninf) assert_true(s[i] == -INFINITY);
        else assert_true(fabs(s[i] - naive_mean(x, i, n)) <= 1e-12 * naive_mean(x, i, n));
    }
    free(s);
    free(b);
    free(x);
}

/* SMA(10) and SMA(50) of a constant must be equal at every bar: with plain sums, ten 0.1s average
 * to 0.09999999999999999 and fifty to 0.10000000000000002, a crossover out of nothing. */
static void test_constant_series_tie(void **state) {
    (void)state;
    const size_t len = 20000;
    double *x = malloc(len * sizeof *x);
    assert_non_null(x);
    for (size_t i = 0; i < len; i++) x[i] = 0.1;
    double *f = stream_all(x, len, 10), *s = stream_all(x, len, 50);
    double *fb = malloc(len * sizeof *fb), *sb = malloc(len * sizeof *sb);
    assert_non_null(fb);
    assert_non_null(sb);
    qc_sma_batch(x, len, 10, fb);
    qc_sma_batch(x, len, 50, sb);
    for (size_t i = 0; i < len; i++) {
        assert_true(i < 9 ? isnan(f[i]) : f[i] == 0.1);
        if (i < 49) {
            assert_true(isnan(s[i]));
            continue;
        }
        assert_true(f[i] == s[i]);
        assert_true(fb[i] == sb[i] && fb[i] == 0.1);
    }
    /* the fixture has teeth: plain sums of these windows do differ */
    double p10 = 0, p50 = 0;
    for (int i = 0; i < 10; i++) p10 += 0.1;
    for (int i = 0; i < 50; i++) p50 += 0.1;
    assert_true(p10 / 10 != p50 / 50);
    free(x);
    free(f);
    free(s);
    free(fb);
    free(sb);
}

/* Prices in cents with long flat stretches (a halted or illiquid name): wherever both windows are
 * flat the averages are equal, and crossover signals agree with those of exact means wherever the
 * exact means are not themselves (near) tied. */
static void test_flat_stretches_no_spurious_cross(void **state) {
    (void)state;
    const size_t len = 300000, nf = 10, ns = 50;
    uint64_t seed = 2024;
    double *x = malloc(len * sizeof *x);
    assert_non_null(x);
    double p = 37.21;
    size_t i = 0;
    while (i < len) {
        if (rng_unif(&seed) < 0.02) { /* a flat stretch of 20..400 bars */
            size_t k = 20 + rng_next(&seed) % 381;
            for (; k-- && i < len; i++) x[i] = p;
            continue;
        }
        p = round(p * exp(0.015 * rng_norm(&seed)) * 100.0) / 100.0;
        if (p < 0.05) p = 0.05;
        x[i++] = p;
    }
    double *f = stream_all(x, len, nf), *s = stream_all(x, len, ns);
    size_t flat_bars = 0, checked = 0, cross = 0;
    for (i = ns; i < len; i++) {
        int flat = 1; /* x[i-ns..i] all equal: both windows flat at i and at i-1 */
        for (size_t j = i - ns; j < i && flat; j++) flat = x[j] == x[i];
        if (flat) {
            flat_bars++;
            assert_true(f[i] == s[i] && f[i] == x[i] && f[i - 1] == s[i - 1]);
        }
        int up = f[i] > s[i] && f[i - 1] <= s[i - 1], down = f[i] < s[i] && f[i - 1] >= s[i - 1];
        if (flat) assert_false(up || down);
        cross += (size_t)(up + down);
        double ef = naive_mean(x, i, nf), es = naive_mean(x, i, ns);
        double ef1 = naive_mean(x, i - 1, nf), es1 = naive_mean(x, i - 1, ns);
        double tol = 1e-12 * es;
        if ((fabs(ef - es) > tol || ef == es) && (fabs(ef1 - es1) > tol || ef1 == es1)) {
            checked++;
            assert_int_equal(up, ef > es && ef1 <= es1);
            assert_int_equal(down, ef < es && ef1 >= es1);
        }
    }
    assert_true(flat_bars > 10000);
    assert_true(cross > 1000);
    assert_true(checked > len - len / 100);
    free(f);
    free(s);
    free(x);
}

/* Same bits: NaN equals NaN here, everything else compares with ==. */
static int same_value(double a, double b) { return (isnan(a) && isnan(b)) || a == b; }

/* The pair gives exactly what two separate SMAs give, values and comparisons, on streams mixing
 * exact decimals, arbitrary doubles, flat stretches, NaN and infinities, for many window pairs. */
static void test_pair_equals_two_smas(void **state) {
    (void)state;
    const size_t len = 60000;
    const size_t pairs[][2] = {{1, 2}, {2, 3}, {3, 7}, {10, 50}, {13, 29}, {49, 50}, {5, 200}};
    uint64_t seed = 77;
    double *x = malloc(len * sizeof *x);
    assert_non_null(x);
    double p = 100;
    for (size_t i = 0; i < len; i++) {
        double u = rng_unif(&seed);
        if (u < 0.6) p = round(p * exp(0.01 * rng_norm(&seed)) * 100) / 100; /* cents */
        else if (u < 0.8) { /* flat */ }
        else if (u < 0.995) p = p * exp(0.01 * rng_norm(&seed)); /* inexact */
        x[i] = u < 0.997 ? p : u < 0.998 ? NAN : u < 0.999 ? INFINITY : -INFINITY;
    }
    qc_error err = {0};
    for (size_t k = 0; k < sizeof pairs / sizeof pairs[0]; k++) {
        qc_sma f, sl;
        qc_sma_pair pr;
        assert_int_equal(qc_sma_init(&f, pairs[k][0], &err), QC_OK);
        assert_int_equal(qc_sma_init(&sl, pairs[k][1], &err), QC_OK);
        assert_int_equal(qc_sma_pair_init(&pr, pairs[k][0], pairs[k][1], &err), QC_OK);
        for (size_t i = 0; i < len; i++) {
            qc_sma_push(&f, x[i]);
            qc_sma_push(&sl, x[i]);
            qc_sma_pair_push(&pr, x[i]);
            assert_true(same_value(qc_sma_value(&f), qc_sma_pair_fast(&pr)));
            assert_true(same_value(qc_sma_value(&sl), qc_sma_pair_slow(&pr)));
            assert_int_equal(qc_sma_cmp(&f, &sl), qc_sma_pair_cmp(&pr));
        }
        qc_sma_free(&f);
        qc_sma_free(&sl);
        qc_sma_pair_free(&pr);
    }
    qc_sma_pair pr;
    assert_int_equal(qc_sma_pair_init(&pr, 5, 5, &err), QC_ERR_INPUT);
    assert_int_equal(qc_sma_pair_init(&pr, 0, 5, &err), QC_ERR_INPUT);
    qc_sma_pair_free(&pr); /* safe after a failed init */
    free(x);
}

/* The whole state of two pairs is the same (ring contents by bytes, so NaNs compare too). */
static void assert_same_pair(const qc_sma_pair *a, const qc_sma_pair *b) {
    assert_int_equal(a->count, b->count);
    assert_int_equal(a->head, b->head);
    assert_int_equal(a->run, b->run);
    assert_true(a->isum_f == b->isum_f && a->isum_s == b->isum_s);
    assert_int_equal(a->inexact_f, b->inexact_f);
    assert_int_equal(a->inexact_s, b->inexact_s);
    assert_int_equal(a->float_f, b->float_f);
    assert_int_equal(a->float_s, b->float_s);
    assert_int_equal(a->since_f, b->since_f);
    assert_int_equal(a->since_s, b->since_s);
    assert_memory_equal(&a->sum_f, &b->sum_f, sizeof a->sum_f);
    assert_memory_equal(&a->sum_s, &b->sum_s, sizeof a->sum_s);
    assert_memory_equal(a->ring, b->ring, a->ns * sizeof *a->ring);
    assert_memory_equal(a->qring, b->qring, a->ns * sizeof *a->qring);
    assert_memory_equal(a->inexact, b->inexact, a->ns);
}

/* A stream for the scan: cents with whipsaws, flat stretches, arbitrary doubles, NaN and
 * infinities, and a stretch of large prices whose window sums pass 2^53 1e-8 units (the exact
 * path's limit) and come back. */
static double *scan_stream(size_t len, uint64_t seed) {
    double *x = malloc(len * sizeof *x), p = 100;
    assert_non_null(x);
    for (size_t i = 0; i < len; i++) {
        double u = rng_unif(&seed);
        int big = i % 20000 >= 15000 && i % 20000 < 16000; /* ~1.9e6 x 50 values > 2^53 / 1e8 */
        if (u < 0.7) p = round(p * exp(0.004 * rng_norm(&seed)) * 100) / 100;
        else if (u < 0.85) { /* flat */ }
        else if (u < 0.995) p = p * exp(0.004 * rng_norm(&seed)); /* inexact */
        double v = big ? round(p * 19000) / 100 : p;
        x[i] = u < 0.997 ? v : u < 0.998 ? NAN : u < 0.999 ? INFINITY : -INFINITY;
        if (i % 50000 > 45000) x[i] = round(p * 100) / 100; /* long exact stretches */
    }
    return x;
}

/* The reference for a scan that consumed `got` of the n values it was given: pushes x[0..got) one
 * at a time into `one` (*p1, *c1: its last two comparisons) and checks that the scan stopped at the
 * first crossing and only there; returns the crossings (0 or 1). */
static size_t push_and_check(qc_sma_pair *one, const double *x, size_t got, size_t n, int *p1, int *c1) {
    assert_true(got >= 1 && got <= n);
    size_t crossings = 0;
    for (size_t j = 0; j < got; j++) {
        qc_sma_pair_push(one, x[j]);
        *p1 = *c1;
        *c1 = qc_sma_pair_cmp(one);
        int crossed = *p1 != QC_SMA_UNDEFINED && *c1 != QC_SMA_UNDEFINED && *c1 != 0 && *c1 != *p1;
        if (j + 1 < got) assert_false(crossed); /* it stops at the first crossing */
        else if (got < n) assert_true(crossed);  /* and only there */
        crossings += (size_t)crossed;
    }
    return crossings;
}

/* qc_sma_pair_scan is pushing one value at a time, bit for bit: it stops exactly after each
 * crossing, leaves the same comparisons and the same state, for windows on the exact fast path
 * (ns < 1024) and off it, fed in chunks of many sizes. */
static void test_pair_scan_equals_push(void **state) {
    (void)state;
    const size_t len = 100000;
    const size_t pairs[][2] = {{1, 2}, {3, 7}, {10, 50}, {49, 50}, {5, 200}, {20, 1500}};
    double *x = scan_stream(len, 4242);
    qc_error err = {0};
    uint64_t seed = 9;
    for (size_t k = 0; k < sizeof pairs / sizeof pairs[0]; k++) {
        qc_sma_pair one, scan;
        assert_int_equal(qc_sma_pair_init(&one, pairs[k][0], pairs[k][1], &err), QC_OK);
        assert_int_equal(qc_sma_pair_init(&scan, pairs[k][0], pairs[k][1], &err), QC_OK);
        int p1 = QC_SMA_UNDEFINED, c1 = QC_SMA_UNDEFINED, p2 = QC_SMA_UNDEFINED, c2 = QC_SMA_UNDEFINED;
        size_t i = 0, crossings = 0;
        while (i < len) {
            size_t chunk = 1 + (size_t)(rng_unif(&seed) * 300), n = chunk < len - i ? chunk : len - i;
            size_t got = qc_sma_pair_scan(&scan, x + i, n, &p2, &c2);
            crossings += push_and_check(&one, x + i, got, n, &p1, &c1);
            i += got;
            assert_int_equal(p1, p2);
            assert_int_equal(c1, c2);
            assert_int_equal(c1, qc_sma_pair_cmp(&scan));
            assert_true(same_value(qc_sma_pair_fast(&one), qc_sma_pair_fast(&scan)));
            assert_true(same_value(qc_sma_pair_slow(&one), qc_sma_pair_slow(&scan)));
            assert_same_pair(&one, &scan);
        }
        print_message("fast %zu slow %zu: %zu crossings\n", pairs[k][0], pairs[k][1], crossings);
        assert_true(crossings > (pairs[k][1] < 1000 ? 100u : 0u));
        qc_sma_pair_free(&one);
        qc_sma_pair_free(&scan);
    }
    free(x);
}

/* qc_sma_pair_scan_line (prefix sums over the whole series, the pair detached while the line holds
 * the state) consumes the same values and gives the same comparisons as pushing one at a time, and
 * an attached pair is in the very state the pushes leave: over the mixed stream (inexact values,
 * NaN, infinities, windows too large for the line, long exact stretches) and over plain cents with
 * flat stretches, for many window pairs, in calls of many lengths (some across chunk edges), with
 * the pair attached after some calls and left detached across others. */
static void pair_scan_line_equals_push(void) {
    const size_t len = 60000;
    const size_t pairs[][2] = {{1, 2}, {3, 7}, {10, 50}, {49, 50}, {5, 200}, {20, 1500}};
    qc_error err = {0};
    for (int kind = 0; kind < 2; kind++) {
        double *x = scan_stream(len, 777 + (uint64_t)kind);
        if (kind == 1) /* cents only, flat stretches */
            for (size_t i = 0; i < len; i++) x[i] = isfinite(x[i]) && x[i] < 1e5 ? round(x[i] * 100) / 100 : 100.25;
        uint64_t seed = 11;
        for (size_t k = 0; k < sizeof pairs / sizeof pairs[0]; k++) {
            qc_sma_pair one, scan;
            qc_sma_line line = {0};
            assert_int_equal(qc_sma_pair_init(&one, pairs[k][0], pairs[k][1], &err), QC_OK);
            assert_int_equal(qc_sma_pair_init(&scan, pairs[k][0], pairs[k][1], &err), QC_OK);
            int p1 = QC_SMA_UNDEFINED, c1 = QC_SMA_UNDEFINED, p2 = QC_SMA_UNDEFINED, c2 = QC_SMA_UNDEFINED;
            size_t i = 0, crossings = 0;
            while (i < len) {
                size_t chunk = 1 + (size_t)(rng_unif(&seed) * (rng_unif(&seed) < 0.1 ? 3000 : 300));
                size_t n = chunk < len - i ? chunk : len - i;
                size_t got = qc_sma_pair_scan_line(&scan, &line, x, i, i + n, &p2, &c2);
                crossings += push_and_check(&one, x + i, got, n, &p1, &c1);
                i += got;
                assert_int_equal(p1, p2);
                assert_int_equal(c1, c2);
                if (rng_unif(&seed) < 0.3 || i == len) {
                    qc_sma_pair_attach(&scan, &line, x, i);
                    assert_int_equal(c1, qc_sma_pair_cmp(&scan));
                    assert_same_pair(&one, &scan);
                }
            }
            print_message("line, stream %d, fast %zu slow %zu: %zu crossings\n", kind, pairs[k][0], pairs[k][1],
                          crossings);
            assert_true(crossings > (pairs[k][1] < 1000 ? 50u : 0u));
            qc_sma_line_free(&line);
            qc_sma_pair_free(&one);
            qc_sma_pair_free(&scan);
        }
        free(x);
    }
}

/* ... on every conversion path this build and CPU have (scalar, SSE2, AVX2). */
static void test_pair_scan_line_equals_push(void **state) {
    (void)state;
    int ran = 0;
    for (int path = QC_SMA_LINE_SCALAR; path <= QC_SMA_LINE_AVX2; path++) {
        if (!qc_sma_line_has(path)) continue;
        qc_sma_line_force(path);
        print_message("line conversion path %d\n", path);
        pair_scan_line_equals_push();
        ran++;
    }
    qc_sma_line_force(-1);
    assert_true(ran >= 1);
}

/* A pair's warm-up (its first ns values) is taken at once when those values qualify for the line
 * (cents), and pushed when one does not (an inexact value, a value too large for the line): either
 * way the same comparisons and, attached, the same state as pushing one at a time, whether the pair
 * starts fresh or after a few pushes (as sma_cross pushes the first bar), and whether the first call
 * ends before, at or after value ns. */
static void test_pair_scan_line_warmup(void **state) {
    (void)state;
    const size_t len = 400;
    const size_t pairs[][2] = {{1, 2}, {3, 7}, {10, 50}, {49, 50}, {5, 200}};
    double x[400];
    qc_error err = {0};
    for (int kind = 0; kind < 3; kind++) {
        for (size_t i = 0; i < len; i++) x[i] = 100 + (double)((i * 37 + (i / 9) * 11) % 23) / 4; /* quarters */
        for (size_t k = 0; k < sizeof pairs / sizeof pairs[0]; k++) {
            const size_t ns = pairs[k][1];
            if (kind == 1) x[ns / 2] = 100.0 / 3; /* inexact: no warm-up at once */
            if (kind == 2) x[ns - 1] = 1e12;      /* too large for the line */
            const size_t firsts[] = {ns - 1, ns, ns + 1, 2 * ns + 3, len};
            for (size_t m = 0; m < sizeof firsts / sizeof firsts[0]; m++) {
                qc_sma_pair one, scan;
                qc_sma_line line = {0};
                assert_int_equal(qc_sma_pair_init(&one, pairs[k][0], ns, &err), QC_OK);
                assert_int_equal(qc_sma_pair_init(&scan, pairs[k][0], ns, &err), QC_OK);
                int p1 = QC_SMA_UNDEFINED, c1 = QC_SMA_UNDEFINED, p2 = QC_SMA_UNDEFINED, c2 = QC_SMA_UNDEFINED;
                size_t i = 0, pushed = m % 3 < ns ? m % 3 : 0; /* pushes before the first call */
                for (; i < pushed; i++) {
                    qc_sma_pair_push(&one, x[i]), qc_sma_pair_push(&scan, x[i]);
                    p1 = c1, c1 = qc_sma_pair_cmp(&one);
                    p2 = c2, c2 = qc_sma_pair_cmp(&scan);
                }
                while (i < len) {
                    size_t n = i == pushed ? firsts[m] - pushed : (len - i < 17 ? len - i : 17);
                    size_t got = qc_sma_pair_scan_line(&scan, &line, x, i, i + n, &p2, &c2);
                    push_and_check(&one, x + i, got, n, &p1, &c1);
                    i += got;
                    assert_int_equal(p1, p2);
                    assert_int_equal(c1, c2);
                }
                qc_sma_pair_attach(&scan, &line, x, len);
                assert_same_pair(&one, &scan);
                qc_sma_line_free(&line);
                qc_sma_pair_free(&one);
                qc_sma_pair_free(&scan);
            }
        }
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_and_warmup),
        cmocka_unit_test(test_batch_equals_stream),
        cmocka_unit_test(test_matches_exact_mean),
        cmocka_unit_test(test_no_drift_on_falling_series),
        cmocka_unit_test(test_nan_and_inf_recover),
        cmocka_unit_test(test_constant_series_tie),
        cmocka_unit_test(test_pair_equals_two_smas),
        cmocka_unit_test(test_flat_stretches_no_spurious_cross),
        cmocka_unit_test(test_pair_scan_equals_push),
        cmocka_unit_test(test_pair_scan_line_equals_push),
        cmocka_unit_test(test_pair_scan_line_warmup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
