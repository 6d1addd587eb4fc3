/* rolling.h: streaming rolling-window statistics in O(1) per value with no allocation after init:
 * the simple moving average, exact for windows of short decimals (int64 sums of 1e-8 units), else
 * a running float sum re-summed from the window every window length of updates, so it never
 * drifts; a window whose values are all equal returns that value exactly, so two averages of a
 * flat stretch are equal (no spurious crossover).
 * The feature library grows from here. */
#ifndef QC_FEATURES_ROLLING_H
#define QC_FEATURES_ROLLING_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

typedef struct {
    size_t n;        /* window length */
    size_t count;    /* values seen */
    size_t head;     /* ring position */
    double *ring;    /* last n values */
    int64_t *qring;  /* their 1e-8 counts (0 when inexact) */
    uint8_t *inexact;/* 1 where the value is not a short decimal */
    double sum;      /* float path: running sum, re-summed from the window every n updates */
    int64_t isum;    /* exact sum of the window in 1e-8 units (values that are exactly such) */
    size_t n_inexact;/* values in the window that are not exact multiples of 1e-8 */
    size_t since;    /* updates since the float sum was re-summed */
    int float_on;    /* the float sum is live (the window is not exact) */
    size_t run;      /* how many of the latest values are equal: a flat window returns its value */
} qc_sma;

/* QC_ERR_INPUT when n == 0, QC_ERR_NOMEM. */
qc_err qc_sma_init(qc_sma *s, size_t n, qc_error *err);
void qc_sma_free(qc_sma *s);
/* Adds x; returns the mean of the last n values, NaN until n values were seen. */
double qc_sma_update(qc_sma *s, double x);
/* The same in two steps, for callers that compare averages rather than read them. */
void qc_sma_push(qc_sma *s, double x);
double qc_sma_value(const qc_sma *s);
/* Compares two averages exactly when both windows are exact decimals (a.sum * b.n vs b.sum * a.n
 * in 128-bit integers), else as doubles: -1, 0 or 1; QC_SMA_UNDEFINED while either is warming up
 * or NaN. */
#define QC_SMA_UNDEFINED 2
int qc_sma_cmp(const qc_sma *a, const qc_sma *b);
/* Two averages of one stream (a fast window nf < slow window ns), sharing one ring: one push
 * updates both. Gives exactly what two qc_sma of nf and ns fed the same values give (values and
 * comparisons, bit for bit), at about the cost of one; the crossover strategies' kernel. */
typedef struct {
    size_t nf, ns;    /* window lengths, nf < ns */
    size_t count, head;
    double *ring;     /* last ns values */
    int64_t *qring;
    uint8_t *inexact;
    int64_t isum_f, isum_s;
    size_t inexact_f, inexact_s;
    double sum_f, sum_s;
    size_t since_f, since_s;
    int float_f, float_s;
    size_t run;
} qc_sma_pair;

/* QC_ERR_INPUT unless 1 <= nf < ns, QC_ERR_NOMEM. */
qc_err qc_sma_pair_init(qc_sma_pair *p, size_t nf, size_t ns, qc_error *err);
void qc_sma_pair_free(qc_sma_pair *p);
void qc_sma_pair_push(qc_sma_pair *p, double x);
/* The fast and slow means (NaN while warming up), and qc_sma_cmp(fast, slow). */
double qc_sma_pair_fast(const qc_sma_pair *p);
double qc_sma_pair_slow(const qc_sma_pair *p);
int qc_sma_pair_cmp(const qc_sma_pair *p);
/* Pushes x[0..n) in order and stops right after the first value at which the comparison crosses:
 * both the comparison before it and after it defined, the new one non-zero and different from the
 * old (fast - slow changed sign, or left 0). *prev and *cmp hold qc_sma_pair_cmp after the last two
 * values pushed (QC_SMA_UNDEFINED before any) and are updated. Returns how many values were pushed
 * (n when no crossing); the same as pushing them one at a time. */
size_t qc_sma_pair_scan(qc_sma_pair *p, const double *x, size_t n, int *prev, int *cmp);

/* The scan over a whole series by prefix sums (the crossover strategy's quiet stretches). While
 * the windows hold exact decimals small enough that no window sum can reach 2^53, the comparison at
 * value t is the sign of (P[t] - P[t-nf]) ns - (P[t] - P[t-ns]) nf over prefix sums P of the
 * fixed-point values, which the line keeps for a chunk of the series at a time: no ring, and no
 * per-value test but the crossing's. The pair is then left behind (detached) until
 * qc_sma_pair_attach brings it to the state the pushes would have left. */
typedef struct {
    int64_t *P;         /* prefix sums of positions base - ns - 1 .. base + QC_SMA_LINE_CHUNK - 1 */
    size_t base, end;   /* P holds the sums of positions [base, end) of the chunk (and the ns + 1 before base) */
    size_t qend;        /* and the fixed-point values of positions [end, qend), converted ahead */
    size_t retry_at;    /* no new attempt before this position (a value there did not qualify) */
    int on;             /* the pair is detached: the line holds the state */
} qc_sma_line;
#define QC_SMA_LINE_CHUNK 128
void qc_sma_line_free(qc_sma_line *l);
/* qc_sma_pair_scan(p, x + from, to - from, prev, cmp) for a pair that was fed x[0..from) (its
 * count is from, or the line holds it at from): the same values consumed and comparisons. The pair
 * may be detached afterwards; QC_ERR_NOMEM is never returned: without memory the pair scans. */
size_t qc_sma_pair_scan_line(qc_sma_pair *p, qc_sma_line *l, const double *x, size_t from, size_t to, int *prev,
                             int *cmp);
/* Attaches the pair when the line holds it (fed x[0..count)): afterwards the pair's state is
 * exactly what pushing x[0..count) one at a time leaves. Call before any other use of the pair. */
void qc_sma_pair_attach(qc_sma_pair *p, qc_sma_line *l, const double *x, size_t count);
/* Asks the cache for what a scan from position `at` (< to) will read first: the line's recent sums
 * and the next values. A hint only (no effect on results), for a caller that knows which lines it
 * will scan a little later. */
void qc_sma_line_warm(const qc_sma_pair *p, const qc_sma_line *l, const double *x, size_t at, size_t to);
/* The line's conversion paths (every one gives the same bits): the scalar steps, two values at a
 * time with SSE2 (every x86-64 build), four with AVX2 (chosen at run time when the CPU has it). */
enum { QC_SMA_LINE_SCALAR = 0, QC_SMA_LINE_SSE2 = 1, QC_SMA_LINE_AVX2 = 2 };
/* Whether this build and CPU can run path. */
int qc_sma_line_has(int path);
/* For tests: force a path this CPU has, or -1 for the automatic choice. */
void qc_sma_line_force(int path);

/* Batch form over an array: out[i] = mean(x[i-n+1..i]), NaN for i < n-1 (all NaN when n == 0).
 * Bit for bit equal to the stream. */
void qc_sma_batch(const double *x, size_t len, size_t n, double *out);

#endif
