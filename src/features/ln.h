/* ln.h: our own natural logarithm, for the indicators that take logs per bar (logret, vol_*): the
 * streaming form calls qc_ln() on one value, the batch kernels qc_ln_array() on a chunk, and both
 * give the same bits (the same IEEE operations in the same order, no fused multiply-add: src/features
 * builds with -ffp-contract=off), so batch == stream holds. qc_ln_array() runs a vectorised loop
 * (AVX-512, AVX2 or the SSE2 baseline, picked at run time; every path gives the same bits).
 *
 * Method: x = 2^k m with m in [sqrt(1/2), sqrt(2)), f = m - 1 (exact), s = f / (2 + f), and
 * ln(1 + f) = 2 atanh(s) = f - (f^2/2 - s (f^2/2 + R(s^2))), R(z) = 2z/3 + 2z^2/5 + ... approximated
 * by z times a degree-6 polynomial fitted at Chebyshev nodes on [0, 0.0295] (|s| <= 0.172; the
 * error is below 2^-56 absolute, 2^-57 relative to the result); k ln 2 in two parts (the high part
 * has 32 significant bits, so k ln2_hi is exact). Within 1 ulp of glibc's log over the positive
 * doubles (tests/test_ln.c checks millions of values, subnormals included). Special values as log:
 * ln(+-0) = -inf, ln(x < 0) = NaN, ln(+inf) = +inf, ln(NaN) = NaN, ln(1) = +0. No branches: the
 * special cases are selects, so the batch loop vectorises. */
#ifndef QC_FEATURES_LN_H
#define QC_FEATURES_LN_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline uint64_t qc_ln_bits(double x) {
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}
static inline double qc_ln_dbl(uint64_t u) {
    double x;
    memcpy(&x, &u, sizeof x);
    return x;
}

static inline double qc_ln(double x) {
    const double ln2_hi = 0x1.62e42feep-1, ln2_lo = 0x1.a39ef35793c76p-33;
    int sub = x < 0x1p-1022;              /* subnormal (or not positive: fixed below): scale by 2^54 */
    double xs = x * (sub ? 0x1p54 : 1.0); /* both operations unconditional: the loop vectorises */
    uint64_t ix = qc_ln_bits(xs);
    /* k = floor((ix - bits(sqrt(1/2))) / 2^52), offset by 1024 so the shift is of a positive number */
    uint64_t u = ix - 0x3fe6a09e667f3bcdull + (1024ull << 52), hk = u & 0xfff0000000000000ull;
    double m = qc_ln_dbl(ix - hk + (1024ull << 52)); /* x / 2^k, in [sqrt(1/2), sqrt(2)) */
    double k = (qc_ln_dbl((hk >> 52) | 0x4330000000000000ull) - 0x1p52) - 1024; /* exact */
    k = k - (sub ? 54 : 0);
    double f = m - 1, s = f / (2 + f), z = s * s, hfsq = 0.5 * f * f;
    double r = 0x1.2b584aae78a57p-3; /* R(z) / z by a degree-6 polynomial (tests/golden/gen_ln_poly.py) */
    r = 0x1.39fe606542ddep-3 + z * r, r = 0x1.7462b4ab2ef6bp-3 + z * r, r = 0x1.c71c62e5800a1p-3 + z * r;
    r = 0x1.2492492df148dp-2 + z * r, r = 0x1.99999999952e2p-2 + z * r;
    r = z * (0x1.5555555555558p-1 + z * r);
    double y = k * ln2_hi - ((hfsq - (s * (hfsq + r) + k * ln2_lo)) - f);
    y = x == INFINITY ? x : y;
    y = x == 0 ? -INFINITY : y;
    int bad = (x < 0) | (x != x); /* negative or NaN */
    return bad ? NAN : y;
}

/* ln(a / b) of two nearby positive numbers (prices of one bar, consecutive closes), without
 * forming a / b: for 3/4 <= a / b <= 4/3 (b normal and far from overflow), 2 atanh(s) with s = (a -
 * b) / (a + b) (a - b exact by Sterbenz's lemma) = 2 s + s R(s^2), qc_ln's polynomial R (|s| <=
 * 1/7, inside its range). One division where qc_ln(a / b) takes two (the ratio's and its own s),
 * none of the reduction's work, and more accurate near 1: the ratio's rounding costs qc_ln(a / b)
 * up to 2^-53 absolute, relative 2^-53 / |ln(a / b)|, where this is within 2 ulps of the exact
 * ln(a / b) (tests/test_ln.c). Otherwise (far ratios, zeros, negatives, NaN, infinities): qc_ln(a /
 * b), the same special values. */
static inline int qc_ln_div_near(double a, double b) {
    return (b > 0x1p-1000) & (b < 0x1p1000) & (a >= 0.75 * b) & (a <= 0x1.5555555555555p+0 * b);
}
/* 2 atanh(s) for |s| <= 1/7: 2 s + s R(s^2). */
static inline double qc_ln_atanh2(double s) {
    double z = s * s;
    double r = 0x1.2b584aae78a57p-3; /* qc_ln's R(z) / z */
    r = 0x1.39fe606542ddep-3 + z * r, r = 0x1.7462b4ab2ef6bp-3 + z * r, r = 0x1.c71c62e5800a1p-3 + z * r;
    r = 0x1.2492492df148dp-2 + z * r, r = 0x1.99999999952e2p-2 + z * r;
    r = z * (0x1.5555555555558p-1 + z * r);
    return 2 * s + s * r;
}
static inline double qc_ln_div_near_value(double a, double b) { return qc_ln_atanh2((a - b) / (a + b)); }
static inline double qc_ln_div(double a, double b) {
    return qc_ln_div_near(a, b) ? qc_ln_div_near_value(a, b) : qc_ln(a / b);
}

/* Several logs of ratios of one bar's prices with one division among them (the divider bounds the
 * range-volatility kernels): y[j] = ln(a[j] / b[j]), j < k (2 <= k <= 4), by 2 atanh(s_j) with s_j =
 * (a_j - b_j) / d_j, d_j = a_j + b_j, all from q = 1 / (d_0 ... d_k-1): s_j = (a_j - b_j) (the other
 * d's) q. When every ratio is within [3/4, 4/3] and every b_j within 2^+-250 (the products of up to
 * four sums stay normal); otherwise each is qc_ln_div(a_j, b_j). Within 8 ulps of the exact logs
 * (up to seven roundings before the polynomial, where qc_ln_div has two; relative 1e-15, nothing
 * next to a volatility estimate; tests/test_ln.c). */
static inline int qc_ln_divs_near1(double a, double b) {
    return (b > 0x1p-250) & (b < 0x1p250) & (a >= 0.75 * b) & (a <= 0x1.5555555555555p+0 * b);
}
static inline int qc_ln_divs_near(const double *a, const double *b, int k) {
    int ok = 1;
    for (int j = 0; j < k; j++) ok &= qc_ln_divs_near1(a[j], b[j]);
    return ok;
}
/* The shared-division values for k = 2, 3, 4 pairs (inputs assumed near), scalar arguments so the
 * batch loop vectorises. */
static inline void qc_ln_divs2v(double a0, double b0, double a1, double b1, double *y0, double *y1) {
    double d0 = a0 + b0, d1 = a1 + b1, q = 1 / (d0 * d1);
    *y0 = qc_ln_atanh2((a0 - b0) * d1 * q), *y1 = qc_ln_atanh2((a1 - b1) * d0 * q);
}
static inline void qc_ln_divs3v(double a0, double b0, double a1, double b1, double a2, double b2, double *y0,
                                double *y1, double *y2) {
    double d0 = a0 + b0, d1 = a1 + b1, d2 = a2 + b2, d01 = d0 * d1, q = 1 / (d01 * d2);
    *y0 = qc_ln_atanh2((a0 - b0) * (d1 * d2) * q), *y1 = qc_ln_atanh2((a1 - b1) * (d0 * d2) * q);
    *y2 = qc_ln_atanh2((a2 - b2) * d01 * q);
}
static inline void qc_ln_divs4v(double a0, double b0, double a1, double b1, double a2, double b2, double a3,
                                double b3, double *y0, double *y1, double *y2, double *y3) {
    double d0 = a0 + b0, d1 = a1 + b1, d2 = a2 + b2, d3 = a3 + b3, d01 = d0 * d1, d23 = d2 * d3;
    double q = 1 / (d01 * d23);
    *y0 = qc_ln_atanh2((a0 - b0) * (d1 * d23) * q), *y1 = qc_ln_atanh2((a1 - b1) * (d0 * d23) * q);
    *y2 = qc_ln_atanh2((a2 - b2) * (d01 * d3) * q), *y3 = qc_ln_atanh2((a3 - b3) * (d01 * d2) * q);
}
static inline void qc_ln_divs_value(const double *a, const double *b, int k, double *y) {
    if (k == 2) qc_ln_divs2v(a[0], b[0], a[1], b[1], y, y + 1);
    else if (k == 3) qc_ln_divs3v(a[0], b[0], a[1], b[1], a[2], b[2], y, y + 1, y + 2);
    else qc_ln_divs4v(a[0], b[0], a[1], b[1], a[2], b[2], a[3], b[3], y, y + 1, y + 2, y + 3);
}
static inline void qc_ln_divs(const double *a, const double *b, int k, double *y) {
    if (qc_ln_divs_near(a, b, k)) qc_ln_divs_value(a, b, k, y);
    else
        for (int j = 0; j < k; j++) y[j] = qc_ln_div(a[j], b[j]);
}
/* The batch form: y[j][i] = ln(a[j][i] / b[j][i]) as qc_ln_divs on row i's pairs, bit for bit (one
 * vectorised pass, then the rows not near by qc_ln_div). y must not overlap a or b. */
void qc_ln_divs_array(int k, const double *const *a, const double *const *b, double *const *y, size_t n);
int qc_ln_divs_array_path(int path, int k, const double *const *a, const double *const *b, double *const *y, size_t n);

/* y[i] = qc_ln(x[i]) for i < n, bit for bit, by the fastest path this CPU runs. y may equal x. */
void qc_ln_array(const double *x, double *y, size_t n);

/* y[i] = qc_ln(x[i] / d[i]) for i < n (the division in the same vector loop). y may equal x or d. */
void qc_ln_ratio_array(const double *x, const double *d, double *y, size_t n);

/* y[i] = qc_ln_div(x[i], d[i]) for i < n, bit for bit (one vectorised pass, then qc_ln(x / d) for
 * the few far ratios). y must not overlap x or d. */
void qc_ln_div_array(const double *x, const double *d, double *y, size_t n);

/* For tests: path 0 = the baseline, 1 = AVX2, 2 = AVX-512; returns 0 (doing nothing) when this
 * CPU or build lacks the path. */
int qc_ln_array_path(int path, const double *x, double *y, size_t n);
int qc_ln_ratio_array_path(int path, const double *x, const double *d, double *y, size_t n);
int qc_ln_div_array_path(int path, const double *x, const double *d, double *y, size_t n);

#endif
