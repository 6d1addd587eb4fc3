/* ln.c: qc_ln_array(), the batch form of qc_ln() (ln.h), one plain loop compiled three times (the
 * SSE2 baseline, AVX2, AVX-512F) and picked at run time by what the CPU supports (the choice is
 * simd.h's, shared by the batch kernels). The loop body is
 * qc_ln() itself and the build forbids contracting to fused multiply-adds, so every path gives the
 * stream's bits (tests/test_ln.c runs each path this machine has against qc_ln). */
#include "features/ln.h"
#include "features/simd.h"

/* y[i] = qc_ln(x[i]), or qc_ln(x[i] / d[i]) when d is not NULL (the division in the same loop). */
#define QC_LN_LOOP                                                                                   \
    if (d)                                                                                           \
        for (size_t i = 0; i < n; i++) y[i] = qc_ln(x[i] / d[i]);                                    \
    else                                                                                             \
        for (size_t i = 0; i < n; i++) y[i] = qc_ln(x[i]);

static void ln_base(const double *x, const double *d, double *y, size_t n) { QC_LN_LOOP }

/* y[i] = qc_ln_div_near_value(x[i], d[i]) for all i (vectorised); returns whether some ratio is far
 * (its y[i] is then replaced by the caller). */
#define QC_LN_DIV_LOOP                                                                               \
    int far = 0;                                                                                     \
    for (size_t i = 0; i < n; i++) {                                                                 \
        far |= !qc_ln_div_near(x[i], d[i]);                                                          \
        y[i] = qc_ln_div_near_value(x[i], d[i]);                                                     \
    }                                                                                                \
    return far;
/* qc_ln_divs_value over rows, one function per k with restrict columns (so the loops vectorise);
 * each returns whether some row is far. */
#define R const double *restrict
#define W double *restrict
#define QC_LN_DIVS_FNS(SUF, ATTR)                                                                    \
    ATTR static int lndivs2_##SUF(R a0, R b0, R a1, R b1, W y0, W y1, size_t n) {                    \
        int far = 0;                                                                                 \
        for (size_t i = 0; i < n; i++) {                                                             \
            far |= !(qc_ln_divs_near1(a0[i], b0[i]) & qc_ln_divs_near1(a1[i], b1[i]));               \
            qc_ln_divs2v(a0[i], b0[i], a1[i], b1[i], y0 + i, y1 + i);                                \
        }                                                                                            \
        return far;                                                                                  \
    }                                                                                                \
    ATTR static int lndivs3_##SUF(R a0, R b0, R a1, R b1, R a2, R b2, W y0, W y1, W y2, size_t n) {  \
        int far = 0;                                                                                 \
        for (size_t i = 0; i < n; i++) {                                                             \
            far |= !(qc_ln_divs_near1(a0[i], b0[i]) & qc_ln_divs_near1(a1[i], b1[i]) &               \
                     qc_ln_divs_near1(a2[i], b2[i]));                                                \
            qc_ln_divs3v(a0[i], b0[i], a1[i], b1[i], a2[i], b2[i], y0 + i, y1 + i, y2 + i);          \
        }                                                                                            \
        return far;                                                                                  \
    }                                                                                                \
    ATTR static int lndivs4_##SUF(R a0, R b0, R a1, R b1, R a2, R b2, R a3, R b3, W y0, W y1, W y2,  \
                                  W y3, size_t n) {                                                  \
        int far = 0;                                                                                 \
        for (size_t i = 0; i < n; i++) {                                                             \
            far |= !(qc_ln_divs_near1(a0[i], b0[i]) & qc_ln_divs_near1(a1[i], b1[i]) &               \
                     qc_ln_divs_near1(a2[i], b2[i]) & qc_ln_divs_near1(a3[i], b3[i]));               \
            qc_ln_divs4v(a0[i], b0[i], a1[i], b1[i], a2[i], b2[i], a3[i], b3[i], y0 + i, y1 + i,     \
                         y2 + i, y3 + i);                                                            \
        }                                                                                            \
        return far;                                                                                  \
    }                                                                                                \
    static int lndivs_##SUF(int k, const double *const *a, const double *const *b, double *const *y, \
                            size_t n) {                                                              \
        if (k == 2) return lndivs2_##SUF(a[0], b[0], a[1], b[1], y[0], y[1], n);                     \
        if (k == 3) return lndivs3_##SUF(a[0], b[0], a[1], b[1], a[2], b[2], y[0], y[1], y[2], n);   \
        return lndivs4_##SUF(a[0], b[0], a[1], b[1], a[2], b[2], a[3], b[3], y[0], y[1], y[2], y[3], n); \
    }
QC_LN_DIVS_FNS(base, )
static int lndiv_base(const double *restrict x, const double *restrict d, double *restrict y, size_t n) { QC_LN_DIV_LOOP }

#if defined(__x86_64__) && defined(__GNUC__)
#define QC_LN_X86 1
__attribute__((target("avx2"))) static void ln_avx2(const double *x, const double *d, double *y, size_t n) {
    QC_LN_LOOP
}
__attribute__((target("avx512f"))) static void ln_avx512(const double *x, const double *d, double *y, size_t n) {
    QC_LN_LOOP
}
QC_LN_DIVS_FNS(avx2, __attribute__((target("avx2"))))
QC_LN_DIVS_FNS(avx512, __attribute__((target("avx512f"))))
__attribute__((target("avx2"))) static int lndiv_avx2(const double *restrict x, const double *restrict d,
                                                      double *restrict y, size_t n) {
    QC_LN_DIV_LOOP
}
__attribute__((target("avx512f"))) static int lndiv_avx512(const double *restrict x, const double *restrict d,
                                                          double *restrict y, size_t n) {
    QC_LN_DIV_LOOP
}
#endif

int qc_feat_simd_has(int path) {
#ifdef QC_LN_X86
    if (path == QC_SIMD_AVX2) return __builtin_cpu_supports("avx2");
    if (path == QC_SIMD_AVX512) return __builtin_cpu_supports("avx512f");
#endif
    return path == QC_SIMD_BASE;
}
static int g_forced = -1, g_best = -1; /* racing threads store the same value */
int qc_feat_simd_path(void) {
    if (g_forced >= 0) return g_forced;
    int b = g_best;
    if (b < 0) g_best = b = qc_feat_simd_has(2) ? 2 : qc_feat_simd_has(1) ? 1 : 0;
    return b;
}
void qc_feat_simd_force(int path) { g_forced = path >= 0 && qc_feat_simd_has(path) ? path : -1; }

int qc_ln_ratio_array_path(int path, const double *x, const double *d, double *y, size_t n) {
    if (!qc_feat_simd_has(path)) return 0;
#ifdef QC_LN_X86
    if (path == 2) return ln_avx512(x, d, y, n), 1;
    if (path == 1) return ln_avx2(x, d, y, n), 1;
#endif
    ln_base(x, d, y, n);
    return 1;
}
int qc_ln_array_path(int path, const double *x, double *y, size_t n) { return qc_ln_ratio_array_path(path, x, NULL, y, n); }

void qc_ln_array(const double *x, double *y, size_t n) { qc_ln_ratio_array_path(qc_feat_simd_path(), x, NULL, y, n); }
void qc_ln_ratio_array(const double *x, const double *d, double *y, size_t n) {
    qc_ln_ratio_array_path(qc_feat_simd_path(), x, d, y, n);
}

int qc_ln_div_array_path(int path, const double *x, const double *d, double *y, size_t n) {
    if (!qc_feat_simd_has(path)) return 0;
    int far;
#ifdef QC_LN_X86
    if (path == 2) far = lndiv_avx512(x, d, y, n);
    else if (path == 1) far = lndiv_avx2(x, d, y, n);
    else
#endif
        far = lndiv_base(x, d, y, n);
    for (size_t i = 0; far && i < n; i++) /* the far ratios: qc_ln_div's other branch */
        if (!qc_ln_div_near(x[i], d[i])) y[i] = qc_ln(x[i] / d[i]);
    return 1;
}
void qc_ln_div_array(const double *x, const double *d, double *y, size_t n) {
    qc_ln_div_array_path(qc_feat_simd_path(), x, d, y, n);
}

int qc_ln_divs_array_path(int path, int k, const double *const *a, const double *const *b, double *const *y,
                          size_t n) {
    if (!qc_feat_simd_has(path) || k < 2 || k > 4) return 0;
    int far;
#ifdef QC_LN_X86
    if (path == 2) far = lndivs_avx512(k, a, b, y, n);
    else if (path == 1) far = lndivs_avx2(k, a, b, y, n);
    else
#endif
        far = lndivs_base(k, a, b, y, n);
    for (size_t i = 0; far && i < n; i++) { /* rows not near: qc_ln_divs' other branch */
        double u[4], v[4];
        for (int j = 0; j < k; j++) u[j] = a[j][i], v[j] = b[j][i];
        if (!qc_ln_divs_near(u, v, k))
            for (int j = 0; j < k; j++) y[j][i] = qc_ln_div(u[j], v[j]);
    }
    return 1;
}
void qc_ln_divs_array(int k, const double *const *a, const double *const *b, double *const *y, size_t n) {
    qc_ln_divs_array_path(qc_feat_simd_path(), k, a, b, y, n);
}
