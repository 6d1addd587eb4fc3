/* fminmax.h: fmax and fmin as inline code. On baseline x86-64 the C library's are function calls
 * (the compiler may not use maxsd/minsd alone: they differ on NaN), which the risk engine's and the
 * simulated venue's per-order arithmetic call several times an order. These give the library's
 * results bit for bit: a NaN argument yields the other one, and of two equal values (+0 and -0
 * included) the second is returned, as glibc's maxsd/minsd-based versions do. */
#ifndef QC_CORE_FMINMAX_H
#define QC_CORE_FMINMAX_H

static inline double qc_fmax(double a, double b) { return a > b ? a : b != b ? a : b; }
static inline double qc_fmin(double a, double b) { return a < b ? a : b != b ? a : b; }

#endif
