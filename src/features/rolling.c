/* rolling.c: the streaming simple moving average (see rolling.h). Per value: the change x - old is
 * split exactly into a double and its rounding error (TwoSum), added to the running sum with the
 * sum's own rounding error kept in a compensation term (Neumaier's scheme, branch-free form); every
 * n updates the window is re-summed from scratch in window order, so error cannot build up over a
 * long series. A window whose n values are all equal returns that value itself, so two averages of
 * a flat stretch are exactly equal (no spurious crossover from rounding). The batch form runs the
 * very same steps reading the old value and the window from the input array instead of the ring,
 * so it equals the stream bit for bit. Ref: A. Neumaier, ZAMM 54 (1974); Knuth TAOCP 2, 4.2.2. */
#include "features/rolling.h"

#include <math.h>
#include <stdlib.h>

/* a + b == result + *e exactly (Knuth's TwoSum: no branch, no magnitude precondition). Needs strict
 * IEEE evaluation: the build never uses -ffast-math, and ISO C mode keeps -ffp-contract=off. */
static inline double two_sum(double a, double b, double *e) {
    double s = a + b;
    double bb = s - a;
    *e = (a - (s - bb)) + (b - bb);
    return s;
}

/* Compensated sum of a[0..na) then b[0..nb), from zero. A non-finite sum drops its compensation
 * (NaN from inf - inf) so a window holding an infinity averages to that infinity. */
static void resum(const double *a, size_t na, const double *b, size_t nb, double *sum, double *comp) {
    double s = 0.0, c = 0.0, e;
    for (size_t i = 0; i < na; i++) {
        s = two_sum(s, a[i], &e);
        c += e;
    }
    for (size_t i = 0; i < nb; i++) {
        s = two_sum(s, b[i], &e);
        c += e;
    }
    *sum = s;
    *comp = isfinite(s) ? c : 0.0;
}

/* sum + comp += x - old, compensated. */
static inline void slide(double *sum, double *comp, double x, double old) {
    double ed, e;
    double d = two_sum(x, -old, &ed);
    *sum = two_sum(*sum, d, &e);
    *comp += e + ed;
}

qc_err qc_sma_init(qc_sma *s, size_t n, qc_error *err) {
    *s = (qc_sma){0};
    if (n == 0) return qc_err_set(err, QC_ERR_INPUT, "sma: window length must be >= 1");
    s->ring = calloc(n, sizeof *s->ring); /* zeros: warm-up values slide in against old = 0 */
    if (!s->ring) return qc_err_set(err, QC_ERR_NOMEM, "sma: out of memory for a window of %zu", n);
    s->n = n;
    return QC_OK;
}

void qc_sma_free(qc_sma *s) {
    free(s->ring);
    *s = (qc_sma){0};
}

double qc_sma_update(qc_sma *s, double x) {
    size_t n = s->n, h = s->head;
    double prev = s->ring[h ? h - 1 : n - 1];
    double old = s->ring[h];
    s->ring[h] = x;
    h = h + 1 == n ? 0 : h + 1;
    s->head = h; /* now the oldest value of the window */
    s->run = x == prev ? s->run + 1 : 1;
    slide(&s->sum, &s->comp, x, old);
    if (++s->since_exact == n) {
        resum(s->ring + h, n - h, s->ring, h, &s->sum, &s->comp);
        s->since_exact = 0;
    }
    if (++s->count < n) return NAN;
    double m = (s->sum + s->comp) / (double)n;
    if (!isfinite(m)) { /* rare: a NaN or infinity is in the window or has just left it */
        resum(s->ring + h, n - h, s->ring, h, &s->sum, &s->comp);
        m = (s->sum + s->comp) / (double)n;
    }
    return s->run >= n ? x : m;
}

void qc_sma_batch(const double *x, size_t len, size_t n, double *out) {
    if (n == 0) {
        for (size_t i = 0; i < len; i++) out[i] = NAN;
        return;
    }
    double sum = 0.0, comp = 0.0, prev = 0.0;
    size_t run = 0, since = 0, i = 0;
    size_t warm = len < n - 1 ? len : n - 1;
    for (; i < warm; i++) { /* the stream's ring holds zeros here: prev and old are 0 */
        double xi = x[i];
        run = xi == prev ? run + 1 : 1;
        slide(&sum, &comp, xi, 0.0);
        since++; /* < n: the first re-sum comes when the window is full */
        prev = xi;
        out[i] = NAN;
    }
    for (; i < len; i++) {
        double xi = x[i];
        double old = i >= n ? x[i - n] : 0.0;
        run = xi == prev ? run + 1 : 1;
        slide(&sum, &comp, xi, old);
        if (++since == n) {
            resum(x + i + 1 - n, n, NULL, 0, &sum, &comp);
            since = 0;
        }
        double m = (sum + comp) / (double)n;
        if (!isfinite(m)) {
            resum(x + i + 1 - n, n, NULL, 0, &sum, &comp);
            m = (sum + comp) / (double)n;
        }
        prev = xi;
        out[i] = run >= n ? xi : m;
    }
}
