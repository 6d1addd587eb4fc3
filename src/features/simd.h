/* simd.h: which vector instruction set the indicator batch kernels use (chosen once at run time
 * from what the CPU supports; every path gives the same bits: the build forbids fused multiply-adds
 * and the kernels use only correctly rounded IEEE operations), and IND_SIMD, which compiles one loop
 * for the SSE2 baseline, AVX2 and AVX-512F and calls the chosen copy. */
#ifndef QC_FEATURES_SIMD_H
#define QC_FEATURES_SIMD_H

#include <math.h>
#include <stdint.h>
#include <string.h>

enum { QC_SIMD_BASE = 0, QC_SIMD_AVX2 = 1, QC_SIMD_AVX512 = 2 };

/* The path in use: the best this CPU has, unless forced. */
int qc_feat_simd_path(void);
/* Whether this CPU and build can run path. */
int qc_feat_simd_has(int path);
/* For tests: force a path (one the CPU has), or -1 for the automatic choice. */
void qc_feat_simd_force(int path);

#if defined(__x86_64__) && defined(__GNUC__)
/* Defines `static void NAME PARAMS` running the body (the last argument, a block reading the
 * parameters) compiled three times; ARGS repeats the parameter names in parentheses. */
#define IND_SIMD(NAME, PARAMS, ARGS, ...)                                                            \
    static inline __attribute__((always_inline)) void NAME##_body PARAMS __VA_ARGS__                \
    static void NAME##_base PARAMS { NAME##_body ARGS; }                                             \
    __attribute__((target("avx2"))) static void NAME##_avx2 PARAMS { NAME##_body ARGS; }             \
    __attribute__((target("avx512f"))) static void NAME##_avx512 PARAMS { NAME##_body ARGS; }        \
    static void NAME PARAMS {                                                                        \
        int p_ = qc_feat_simd_path();                                                                \
        if (p_ == QC_SIMD_AVX512) NAME##_avx512 ARGS;                                                \
        else if (p_ == QC_SIMD_AVX2) NAME##_avx2 ARGS;                                               \
        else NAME##_base ARGS;                                                                       \
    }
#else
#define IND_SIMD(NAME, PARAMS, ARGS, ...) static void NAME PARAMS __VA_ARGS__
#endif

/* c ? a : b by masks, not a branch or a select the compiler may not if-convert (a loop calling it
 * vectorises even where floating-point traps are assumed). */
static inline double ind_pick(int c, double a, double b) {
    uint64_t u, v, m = 0 - (uint64_t)(c != 0);
    memcpy(&u, &a, sizeof u);
    memcpy(&v, &b, sizeof v);
    u = (u & m) | (v & ~m);
    memcpy(&a, &u, sizeof a);
    return a;
}
static inline double ind_nan_unless(int c, double v) { return ind_pick(c, v, NAN); }

#endif
