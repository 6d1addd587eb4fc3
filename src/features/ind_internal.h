/* ind_internal.h: building blocks shared by the indicator files (trend.c, momentum.c, ...):
 * windowed sums with periodic exact re-summation (running sums drift; ANCHORS.md), block-split
 * window sums for the moving averages (wblk: no running sum at all), shifted moment
 * sums for variances, a weighted (linear) window sum, monotonic deques for rolling min/max, the
 * TTR-seeded EMA, and the macro that turns one per-bar step function into both the streaming
 * update and the batch kernel (so the two agree bit for bit by construction).
 * Re-summation: every max(n, QC_RESUM) updates a window's sums are recomputed from its ring in
 * order (and the shift re-centred on the newest value), so rounding error never accumulates beyond
 * one interval: O(1) amortised. */
#ifndef QC_FEATURES_IND_INTERNAL_H
#define QC_FEATURES_IND_INTERNAL_H

#include <math.h>
#include <stdlib.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "features/indicators.h"
#include "features/simd.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define QC_RESUM 256
#define IND_CHUNK 512 /* batch kernels work in chunks of this many points (each value crosses memory once) */

static inline size_t ind_resum_every(size_t n) { return n > QC_RESUM ? n : QC_RESUM; }

static inline qc_err ind_nomem(qc_error *err, const char *what) {
    return qc_err_set(err, QC_ERR_NOMEM, "%s: out of memory for its window", what);
}

/* ---- plain windowed sum ------------------------------------------------------------------------ */
typedef struct {
    double *buf;
    size_t n, pos, count, since, every;
    double sum;
} wsum;

static inline int wsum_init(wsum *w, size_t n) {
    memset(w, 0, sizeof *w);
    w->n = n;
    w->every = ind_resum_every(n);
    w->buf = calloc(n, sizeof *w->buf);
    return w->buf != NULL;
}
static inline void wsum_free(wsum *w) { free(w->buf); w->buf = NULL; }

static inline void wsum_resum(wsum *w) {
    double s = 0;
    for (size_t j = 0, q = w->pos; j < w->n; j++, q = q + 1 == w->n ? 0 : q + 1) s += w->buf[q];
    w->sum = s;
    w->since = 0;
}

/* Adds x; returns 1 once the window is full (w->sum then covers the last n values). */
static inline int wsum_push(wsum *w, double x) {
    double old = w->buf[w->pos];
    w->buf[w->pos] = x;
    w->pos = w->pos + 1 == w->n ? 0 : w->pos + 1;
    if (w->count < w->n) {
        w->sum += x;
        return ++w->count == w->n;
    }
    w->sum += x - old;
    if (++w->since == w->every) wsum_resum(w);
    return 1;
}

/* The batch form of wsum_push over a column: sb[j] = the sum after pushing x[j], j < m, the same
 * operations in the same order (the value leaving the window read from x[j - n], which must exist
 * once the window is full; a re-summation adds x[j - n + 1 .. j], oldest first, as wsum_resum reads
 * the ring). No ring stores and no branch in the steady loop; the ring is left stale, so the state
 * may only continue with wsum_run over the same values. */
static inline __attribute__((always_inline)) void wsum_run(wsum *w, const double *x, size_t m, double *sb) {
    size_t j = 0;
    for (; j < m && w->count < w->n; j++) sb[j] = (wsum_push(w, x[j]), w->sum);
    const size_t n = w->n;
    const double *old = x - n; /* old[j] = x[j - n]: before x, within the caller's history */
    double s = w->sum;
    size_t since = w->since;
    while (j < m) {
        size_t plain = w->every - since - 1, end = m - j < plain ? m : j + plain;
        since += end - j;
        for (; j < end; j++) s += x[j] - old[j], sb[j] = s;
        if (j == m) break;
        s = 0; /* this push re-sums (wsum_resum): old[j + 1 .. j + n] = x[j + 1 - n .. j] */
        for (size_t q = 1; q <= n; q++) s += old[j + q];
        since = 0, sb[j++] = s;
    }
    w->sum = s, w->since = since;
}

/* Six wsum_run at once (ultosc: three windows of two columns), so their six add chains overlap: w[k]
 * over x[k] into sb[k], the same operations and re-summations as six wsum_run calls. */
static inline __attribute__((always_inline)) void wsum_run6(wsum *const *w, const double *const *x, size_t m,
                                                            double (*sb)[IND_CHUNK]) {
    size_t j = 0;
    for (int k = 0; k < 6; k++) j = w[k]->count < w[k]->n ? (w[k]->n > j ? w[k]->n : j) : j;
    j = j < m ? j : m; /* before j some window is still filling: one at a time */
    for (int k = 0; j && k < 6; k++) wsum_run(w[k], x[k], j, sb[k]);
    double s[6];
    size_t since[6], n[6];
    const double *old[6]; /* old[k][j] = x[k][j - n[k]]: the caller's history */
    for (int k = 0; k < 6; k++) s[k] = w[k]->sum, since[k] = w[k]->since, n[k] = w[k]->n, old[k] = x[k] - n[k];
    while (j < m) {
        size_t end = m;
        for (int k = 0; k < 6; k++) {
            size_t plain = w[k]->every - since[k] - 1;
            end = end - j < plain ? end : j + plain;
        }
        for (int k = 0; k < 6; k++) since[k] += end - j;
        for (; j < end; j++)
            for (int k = 0; k < 6; k++) s[k] += x[k][j] - old[k][j], sb[k][j] = s[k];
        if (j == m) break;
        for (int k = 0; k < 6; k++) {
            if (++since[k] == w[k]->every) { /* wsum_resum */
                s[k] = 0, since[k] = 0;
                for (size_t q = 1; q <= n[k]; q++) s[k] += old[k][j + q];
            } else {
                s[k] += x[k][j] - old[k][j];
            }
            sb[k][j] = s[k];
        }
        j++;
    }
    for (int k = 0; k < 6; k++) w[k]->sum = s[k], w[k]->since = since[k];
}

/* ---- shifted moment sums: sum of d, d^2 (and d^3, d^4) with d = x - k --------------------------- */
typedef struct {
    double *buf;
    size_t n, pos, count, since, every;
    int order; /* 2 or 4 */
    double k, s1, s2, s3, s4;
    double inv, inv1; /* 1 / n and 1 / (n - 1) */
} wmom;

static inline int wmom_init(wmom *w, size_t n, int order) {
    memset(w, 0, sizeof *w);
    w->n = n;
    w->order = order;
    /* third and fourth powers cancel badly when the window wanders far from the shift: re-centre
     * every window length for them (O(1) amortised still) */
    w->every = order > 2 ? n : ind_resum_every(n);
    w->inv = 1.0 / (double)n;
    w->inv1 = n > 1 ? 1.0 / ((double)n - 1) : NAN;
    w->buf = calloc(n, sizeof *w->buf);
    return w->buf != NULL;
}
static inline void wmom_free(wmom *w) { free(w->buf); w->buf = NULL; }

static inline void wmom_resum(wmom *w, double newk) {
    double s1 = 0, s2 = 0, s3 = 0, s4 = 0;
    size_t m = w->count;
    size_t start = w->count < w->n ? 0 : w->pos;
    /* oldest to newest without a modulo per value: [start, n) then [0, start) */
    for (size_t j = 0, q = start; j < m; j++, q = q + 1 == w->n ? 0 : q + 1) {
        double d = w->buf[q] - newk, d2 = d * d;
        s1 += d, s2 += d2;
        if (w->order > 2) s3 += d2 * d, s4 += d2 * d2;
    }
    w->k = newk, w->s1 = s1, w->s2 = s2, w->s3 = s3, w->s4 = s4;
    w->since = 0;
}

static inline void wmom_add(wmom *w, double d, double sign) {
    double d2 = d * d;
    w->s1 += sign * d, w->s2 += sign * d2;
    if (w->order > 2) w->s3 += sign * d2 * d, w->s4 += sign * d2 * d2;
}

static inline int wmom_push(wmom *w, double x) {
    double old = w->buf[w->pos];
    w->buf[w->pos] = x;
    w->pos = w->pos + 1 == w->n ? 0 : w->pos + 1;
    if (w->count == 0) w->k = x; /* centre on the first value */
    if (w->count < w->n) {
        w->count++;
        wmom_add(w, x - w->k, 1);
        return w->count == w->n;
    }
    if (w->order > 2) { /* each sum moves once by (new term - old term): one add on each chain */
        double dn = x - w->k, dold = old - w->k, dn2 = dn * dn, dold2 = dold * dold;
        w->s1 += dn - dold;
        w->s2 += dn2 - dold2;
        w->s3 += dn2 * dn - dold2 * dold;
        w->s4 += dn2 * dn2 - dold2 * dold2;
    } else {
        double dn = x - w->k, dold = old - w->k;
        w->s1 += dn - dold;
        w->s2 += dn * dn - dold * dold;
    }
    if (++w->since == w->every) wmom_resum(w, x);
    return 1;
}

/* Mean and variance of the full window (sample: over n - 1; population: over n), from the shift
 * and sums (mom_*: the same expressions for batch kernels that keep the sums in arrays). inv = 1/n,
 * invd = 1/(n - 1) or 1/n: reciprocals computed once, multiplied per bar (no division per bar). */
static inline double mom_mean(double k, double s1, double inv) { return k + s1 * inv; }
static inline double mom_var(double s1, double s2, double inv, double invd) {
    double m = s1 * inv;
    double v = (s2 - s1 * m) * invd;
    return v > 0 ? v : 0;
}
static inline double wmom_mean(const wmom *w) { return mom_mean(w->k, w->s1, w->inv); }
static inline double wmom_var(const wmom *w, int sample) {
    return mom_var(w->s1, w->s2, w->inv, sample ? w->inv1 : w->inv);
}

/* The batch kernels' first pass for order-2 sums over the whole column x (i0, i1 index x): wmom_push's
 * operations in the same order, but once the window is full the value leaving it is read from
 * x[i - n] and a re-summation reads x[i - n + 1 .. i] (oldest first, as the ring holds them), so the
 * steady loop has no ring stores and no branches (it runs in segments between re-summations). The
 * ring is left stale: the state may only continue with wmom2_run over the same x. */
static inline __attribute__((always_inline)) void wmom2_run(wmom *w, const double *x, size_t i0, size_t i1,
                                                            double *kb, double *s1b, double *s2b) {
    size_t i = i0;
    for (; i < i1 && w->count < w->n; i++) {
        wmom_push(w, x[i]);
        kb[i - i0] = w->k, s1b[i - i0] = w->s1, s2b[i - i0] = w->s2;
    }
    const size_t n = w->n, every = w->every;
    double k = w->k, s1 = w->s1, s2 = w->s2;
    size_t since = w->since;
    while (i < i1) {
        size_t plain = every - since - 1; /* pushes before the one that re-sums */
        size_t end = i1 - i < plain ? i1 : i + plain;
        since += end - i;
        for (; i < end; i++) {
            double dn = x[i] - k, dold = x[i - n] - k;
            s1 += dn - dold;
            s2 += dn * dn - dold * dold;
            kb[i - i0] = k, s1b[i - i0] = s1, s2b[i - i0] = s2;
        }
        if (i == i1) break;
        double nk = x[i], a = 0, b = 0; /* this push re-sums: the update is discarded (wmom_resum) */
        for (size_t q = i + 1 - n; q <= i; q++) {
            double d = x[q] - nk, d2 = d * d;
            a += d, b += d2;
        }
        k = nk, s1 = a, s2 = b, since = 0;
        kb[i - i0] = k, s1b[i - i0] = s1, s2b[i - i0] = s2;
        i++;
    }
    w->k = k, w->s1 = s1, w->s2 = s2, w->since = since;
}

/* wmom4_run (below); with four == 0 (skew) the fourth-power sum is left alone (b4 unused, s4 stale: s1..s3
 * do not depend on it, so they keep the stream's bits; the state may then only continue with
 * wmom34_run(..., 0)). */
static inline __attribute__((always_inline)) void wmom34_run(wmom *w, const double *x, size_t i0, size_t i1,
                                                             double *restrict b1, double *restrict b2,
                                                             double *restrict b3, double *restrict b4, int four) {
    size_t i = i0;
    for (; i < i1 && w->count < w->n; i++) {
        wmom_push(w, x[i]);
        b1[i - i0] = w->s1, b2[i - i0] = w->s2, b3[i - i0] = w->s3, b4[i - i0] = w->s4;
    }
    const size_t n = w->n, every = w->every;
    double k = w->k, s1 = w->s1, s2 = w->s2, s3 = w->s3, s4 = w->s4;
    size_t since = w->since;
    while (i < i1) {
        size_t plain = every - since - 1;
        size_t end = i1 - i < plain ? i1 : i + plain;
        since += end - i;
        for (; i < end; i++) {
            double dn = x[i] - k, dold = x[i - n] - k, dn2 = dn * dn, dold2 = dold * dold;
            s1 += dn - dold;
            s2 += dn2 - dold2;
            s3 += dn2 * dn - dold2 * dold;
            if (four) s4 += dn2 * dn2 - dold2 * dold2, b4[i - i0] = s4;
            b1[i - i0] = s1, b2[i - i0] = s2, b3[i - i0] = s3;
        }
        if (i == i1) break;
        double nk = x[i], a1 = 0, a2 = 0, a3 = 0, a4 = 0;
        for (size_t q = i + 1 - n; q <= i; q++) {
            double d = x[q] - nk, d2 = d * d;
            a1 += d, a2 += d2;
            a3 += d2 * d;
            if (four) a4 += d2 * d2;
        }
        k = nk, s1 = a1, s2 = a2, s3 = a3, s4 = a4, since = 0;
        b1[i - i0] = s1, b2[i - i0] = s2, b3[i - i0] = s3;
        if (four) b4[i - i0] = s4;
        i++;
    }
    w->k = k, w->s1 = s1, w->s2 = s2, w->s3 = s3, w->s4 = s4, w->since = since;
}
/* wmom2_run for order-4 sums (skew, kurt): the four sums after each push, the same operations as
 * wmom_push and wmom_resum (every n pushes for order 4) with the leaving value read from x. */
static inline __attribute__((always_inline)) void wmom4_run(wmom *w, const double *x, size_t i0, size_t i1,
                                                            double *restrict b1, double *restrict b2,
                                                            double *restrict b3, double *restrict b4) {
    wmom34_run(w, x, i0, i1, b1, b2, b3, b4, 1);
}
/* A batch kernel in two passes per chunk: the moment sums of x, then out[i] = EXPR with k, s1, s2
 * (the shift and sums after pushing x[i]), inv and inv1 (1/n, 1/(n-1)) and xi = x[i] in scope; NaN
 * for the first n - 1 positions. EXPR must be the stream's expression over the same sums. */
#define IND_MOM_BATCH(NAME, SAMPLE_UNUSED, COL, EXPR)                                                  \
    static qc_err NAME##_batch(const double *p, const qc_ind_cols *c, size_t len, double *const *out, \
                               qc_error *e) {                                                        \
        NAME##_st st;                                                                                \
        qc_err rc = NAME##_init(&st, p, e);                                                          \
        if (rc) return rc;                                                                           \
        double kb[IND_CHUNK], ab[IND_CHUNK], bb[IND_CHUNK], inv = st.w.inv, inv1 = st.w.inv1;        \
        const double *xs = c->COL;                                                                   \
        for (size_t i0 = 0; i0 < len; i0 += IND_CHUNK) {                                             \
            size_t i1 = len - i0 < IND_CHUNK ? len : i0 + IND_CHUNK, m = i1 - i0;                    \
            wmom2_run(&st.w, xs, i0, i1, kb, ab, bb);                                                \
            double *restrict o = out[0] + i0;                                                        \
            const double *restrict xx = xs + i0;                                                     \
            for (size_t j = 0; j < m; j++) {                                                         \
                double k = kb[j], s1 = ab[j], s2 = bb[j], xi = xx[j];                                \
                (void)k, (void)xi, (void)inv, (void)inv1;                                            \
                o[j] = (EXPR);                                                                       \
            }                                                                                        \
        }                                                                                            \
        for (size_t i = 0; i < len && i + 1 < st.w.n; i++) out[0][i] = NAN;                          \
        NAME##_free(&st);                                                                            \
        return QC_OK;                                                                                \
    }

/* ---- two series: shifted sums for covariance and correlation ----------------------------------- */
typedef struct {
    double *bx, *by;
    size_t n, pos, count, since, every;
    double kx, ky, sx, sy, sxx, syy, sxy, inv; /* inv = 1 / n */
} wcov;

static inline int wcov_init(wcov *w, size_t n) {
    memset(w, 0, sizeof *w);
    w->n = n;
    w->every = ind_resum_every(n);
    w->inv = 1.0 / (double)n;
    w->bx = calloc(n, sizeof *w->bx);
    w->by = calloc(n, sizeof *w->by);
    return w->bx && w->by;
}
static inline void wcov_free(wcov *w) { free(w->bx); free(w->by); w->bx = w->by = NULL; }

static inline void wcov_resum(wcov *w, double kx, double ky) {
    double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
    for (size_t j = 0, q = w->pos; j < w->n; j++, q = q + 1 == w->n ? 0 : q + 1) {
        double dx = w->bx[q] - kx, dy = w->by[q] - ky;
        sx += dx, sy += dy, sxx += dx * dx, syy += dy * dy, sxy += dx * dy;
    }
    w->kx = kx, w->ky = ky, w->sx = sx, w->sy = sy, w->sxx = sxx, w->syy = syy, w->sxy = sxy;
    w->since = 0;
}

static inline int wcov_push(wcov *w, double x, double y) {
    double ox = w->bx[w->pos], oy = w->by[w->pos];
    w->bx[w->pos] = x, w->by[w->pos] = y;
    w->pos = w->pos + 1 == w->n ? 0 : w->pos + 1;
    if (w->count == 0) w->kx = x, w->ky = y;
    double dx = x - w->kx, dy = y - w->ky;
    if (w->count < w->n) {
        w->sx += dx, w->sy += dy, w->sxx += dx * dx, w->syy += dy * dy, w->sxy += dx * dy;
        return ++w->count == w->n;
    }
    /* a full window: each sum moves once by (new term - old term), one add on each chain */
    double ex = ox - w->kx, ey = oy - w->ky;
    w->sx += dx - ex, w->sy += dy - ey, w->sxx += dx * dx - ex * ex, w->syy += dy * dy - ey * ey;
    w->sxy += dx * dy - ex * ey;
    if (++w->since == w->every) wcov_resum(w, x, y);
    return 1;
}

/* Co-moments of the full window: n * cov and n * var (divide as needed); 1/n multiplies (one
 * reciprocal at init instead of three divisions per bar). */
static inline double wcov_cxy(const wcov *w) { return w->sxy - w->sx * w->sy * w->inv; }
static inline double wcov_cxx(const wcov *w) { double v = w->sxx - w->sx * w->sx * w->inv; return v > 0 ? v : 0; }
static inline double wcov_cyy(const wcov *w) { double v = w->syy - w->sy * w->sy * w->inv; return v > 0 ? v : 0; }

/* The batch form of wcov_push over the columns x, y (i0, i1 index them): the five sums after each
 * push into bx..bxy[i - i0], wcov_push's operations in the same order, but once the window is full
 * the leaving pair is read from x[i - n], y[i - n] and a re-summation (re-centred on the new pair)
 * from x[i - n + 1 .. i], so the steady loop has no ring stores and no branch (wmom2_run's scheme).
 * The ring is left stale: the state may only continue with wcov_run over the same columns. */
static inline __attribute__((always_inline)) void wcov_run(wcov *w, const double *x, const double *y, size_t i0,
                                                           size_t i1, double *restrict bx, double *restrict by,
                                                           double *restrict bxx, double *restrict byy,
                                                           double *restrict bxy) {
    size_t i = i0;
    for (; i < i1 && w->count < w->n; i++) {
        wcov_push(w, x[i], y[i]);
        bx[i - i0] = w->sx, by[i - i0] = w->sy, bxx[i - i0] = w->sxx, byy[i - i0] = w->syy, bxy[i - i0] = w->sxy;
    }
    const size_t n = w->n, every = w->every;
    double kx = w->kx, ky = w->ky, sx = w->sx, sy = w->sy, sxx = w->sxx, syy = w->syy, sxy = w->sxy;
    size_t since = w->since;
    while (i < i1) {
        size_t plain = every - since - 1, end = i1 - i < plain ? i1 : i + plain;
        since += end - i;
        for (size_t q = i; q < end; q++) { /* the increments first: no dependency, vectorised */
            double dx = x[q] - kx, dy = y[q] - ky, ex = x[q - n] - kx, ey = y[q - n] - ky;
            bx[q - i0] = dx - ex, by[q - i0] = dy - ey, bxx[q - i0] = dx * dx - ex * ex;
            byy[q - i0] = dy * dy - ey * ey, bxy[q - i0] = dx * dy - ex * ey;
        }
        for (; i < end; i++) { /* then one add per chain per point: s += (new term - old term) */
            sx += bx[i - i0], sy += by[i - i0], sxx += bxx[i - i0], syy += byy[i - i0], sxy += bxy[i - i0];
            bx[i - i0] = sx, by[i - i0] = sy, bxx[i - i0] = sxx, byy[i - i0] = syy, bxy[i - i0] = sxy;
        }
        if (i == i1) break;
        kx = x[i], ky = y[i], sx = sy = sxx = syy = sxy = 0, since = 0; /* this push re-sums (wcov_resum) */
        for (size_t q = i + 1 - n; q <= i; q++) {
            double dx = x[q] - kx, dy = y[q] - ky;
            sx += dx, sy += dy, sxx += dx * dx, syy += dy * dy, sxy += dx * dy;
        }
        bx[i - i0] = sx, by[i - i0] = sy, bxx[i - i0] = sxx, byy[i - i0] = syy, bxy[i - i0] = sxy;
        i++;
    }
    w->kx = kx, w->ky = ky, w->sx = sx, w->sy = sy, w->sxx = sxx, w->syy = syy, w->sxy = sxy, w->since = since;
}

/* ---- linear-weighted window: S = sum d_j, W = sum j * d_j (j = 1 oldest .. n newest), d = x - k ---- */
typedef struct {
    double *buf;
    size_t n, pos, count, since, every;
    double k, s, w, inv; /* inv = 1 / (n (n + 1) / 2), the weights' total */
} wlin;

static inline int wlin_init(wlin *w, size_t n) {
    memset(w, 0, sizeof *w);
    w->n = n;
    w->every = ind_resum_every(n);
    w->inv = 1.0 / ((double)n * ((double)n + 1) / 2);
    w->buf = calloc(n, sizeof *w->buf);
    return w->buf != NULL;
}
static inline void wlin_free(wlin *w) { free(w->buf); w->buf = NULL; }

static inline void wlin_resum(wlin *w, double k) {
    double s = 0, ww = 0;
    for (size_t j = 0, q = w->pos; j < w->n; j++, q = q + 1 == w->n ? 0 : q + 1) {
        double d = w->buf[q] - k;
        s += d;
        ww += (double)(j + 1) * d;
    }
    w->k = k, w->s = s, w->w = ww;
    w->since = 0;
}

static inline int wlin_push(wlin *w, double x) {
    double old = w->buf[w->pos];
    w->buf[w->pos] = x;
    w->pos = w->pos + 1 == w->n ? 0 : w->pos + 1;
    if (w->count == 0) w->k = x;
    double d = x - w->k;
    if (w->count < w->n) {
        w->count++;
        w->s += d;
        w->w += (double)w->count * d;
        return w->count == w->n;
    }
    w->w += (double)w->n * d - w->s; /* every weight drops by one, the oldest leaves with weight 0 */
    w->s += d - (old - w->k);
    if (++w->since == w->every) wlin_resum(w, x);
    return 1;
}

/* Weighted mean with weights 1..n: sum(j * x_j) / (n (n + 1) / 2), as a multiplication by the
 * reciprocal computed once (a division per bar costs more than the rest of the update). */
static inline double wlin_wma(const wlin *w) { return w->k + w->w * w->inv; }

/* The batch form of wlin_push over x (i0, i1 index x): wb[i - i0] = the WMA after pushing x[i], by
 * wlin_push's operations in the same order, but once the window is full the leaving value is read
 * from x[i - n] and a re-summation (re-centred on x[i]) from x[i - n + 1 .. i], so the steady loop
 * has no ring stores and no branch. The ring is left stale: continue only with wlin_run over x. */
static inline __attribute__((always_inline)) void wlin_run(wlin *w, const double *x, size_t i0, size_t i1,
                                                           double *wb) {
    size_t i = i0;
    for (; i < i1 && w->count < w->n; i++) wlin_push(w, x[i]), wb[i - i0] = wlin_wma(w);
    const size_t n = w->n;
    const double dn = (double)n, inv = w->inv;
    double k = w->k, s = w->s, ww = w->w;
    size_t since = w->since;
    while (i < i1) {
        size_t plain = w->every - since - 1, end = i1 - i < plain ? i1 : i + plain;
        since += end - i;
        for (; i < end; i++) {
            double d = x[i] - k;
            ww += dn * d - s;
            s += d - (x[i - n] - k);
            wb[i - i0] = k + ww * inv;
        }
        if (i == i1) break;
        k = x[i], s = 0, ww = 0, since = 0; /* this push re-sums (wlin_resum) */
        for (size_t j = 0, q = i + 1 - n; j < n; j++, q++) {
            double d = x[q] - k;
            s += d;
            ww += (double)(j + 1) * d;
        }
        wb[i - i0] = k + ww * inv;
        i++;
    }
    w->k = k, w->s = s, w->w = ww, w->since = since;
}

/* ---- block-split window sums (sma, mean; wma with weights 1..n) --------------------------------- */
/* The series is cut into blocks of n values, the first starting with the first push. The window
 * ending at offset r of block b starts at offset r + 1 of block b - 1 (r = n - 1: the block itself),
 * so its sum is Suf(r + 1) + P(r): P(r) = x_b[0] + ... + x_b[r] added left to right as the block
 * arrives, Suf(j) = x_{b-1}[j] + ... + x_{b-1}[n - 1] added right to left once block b - 1 is
 * complete, Suf(n) = 0. Every window sum is a fresh sum of its n values: nothing drifts and nothing
 * is re-summed. Weighted (weights 1 oldest .. n newest, wma): with PP(r) = P(0) + ... + P(r) and
 * SS(j) = Suf(j) + ... + Suf(n - 1) (sums of the sums, no multiplications), the weighted sum is
 * ((n + 1) P(r) - PP(r)) + SS(r + 1): the first part is the window's values in block b with weights
 * n - r .. n (their two terms are positive and cancel by at most half), SS(r + 1) those in block
 * b - 1 with weights 1 .. n - 1 - r. The stream turns a completed block's values into Suf (or SS) in
 * place (one backward pass per block: O(1) amortised); the batch (wblk_batch) runs the forward and
 * backward chains of several blocks at once, so it is not bound by one add chain's latency, with the
 * same operations in the same order (the same bits). */
typedef struct {
    double *b; /* n + 1: [0, r) the current block's values, [r + 1, n) the previous block's Suf (SS), [n] = 0 */
    size_t n, r;
    int weighted, full;
    double p, pp, sum; /* sum: the last window's sum (weighted: sum of weights x values) */
} wblk;

static inline int wblk_init(wblk *w, size_t n, int weighted) {
    memset(w, 0, sizeof *w);
    w->n = n, w->weighted = weighted;
    w->b = calloc(n + 1, sizeof *w->b);
    return w->b != NULL;
}
static inline void wblk_free(wblk *w) { free(w->b); w->b = NULL; }

/* b[1 .. n) holds a block's values: replaces them by Suf (or SS), right to left. */
static inline void wblk_close(double *b, size_t n, int weighted) {
    if (n < 2) return;
    double t = b[n - 1], ss = t;
    if (weighted) b[n - 1] = ss;
    for (size_t j = n - 2; j >= 1; j--) {
        t = b[j] + t;
        if (weighted) ss = t + ss, b[j] = ss;
        else b[j] = t;
    }
}

/* Adds x; returns 1 once the window is full (w->sum then covers the last n values). */
static inline int wblk_push(wblk *w, double x) {
    size_t r = w->r;
    w->b[r] = x;
    double p = r ? w->p + x : x;
    w->p = p;
    if (w->weighted) {
        double pp = r ? w->pp + p : p;
        w->pp = pp;
        w->sum = ((double)(w->n + 1) * p - pp) + w->b[r + 1];
    } else {
        w->sum = w->b[r + 1] + p;
    }
    if (r + 1 < w->n) {
        w->r = r + 1;
        return w->full;
    }
    wblk_close(w->b, w->n, w->weighted);
    w->r = 0;
    return w->full = 1;
}

/* Lanes of whole blocks for wblk_batch: lane l (< WBLK_LANES) runs the m blocks starting at
 * x + l m n, writing out[i] = sum * inv. The lanes' Suf (SS) of the block before are interleaved,
 * slot j of lane l at ta[j WBLK_LANES + l] (slot n = 0); each block reads its predecessor's from ta
 * and writes its own to tb, then the two swap. The forward chains of a block and the backward chains
 * of the same block (for the next one) run in one loop: 2 (weighted 4) add chains a lane,
 * independent across lanes. */
#define WBLK_LANES 4
#define WBLK_WLANES 3
#define WBLK_NT_MIN ((size_t)1 << 22) /* from this length on, the lanes' outputs bypass the caches */
/* *o = v, by a non-temporal store when nt (x86-64: movnti of v's bits; the value is the same). */
static inline __attribute__((always_inline)) void wblk_store(double *o, double v, int nt) {
#if defined(__SSE2__) && defined(__x86_64__)
    if (nt) {
        long long bits;
        memcpy(&bits, &v, sizeof bits);
        _mm_stream_si64((long long *)(void *)o, bits);
        return;
    }
#endif
    (void)nt;
    *o = v;
}
static inline __attribute__((always_inline)) void wblk_lanes(const double *x, size_t n, size_t m, double inv,
                                                             int weighted, int nt, double *out, double *ta,
                                                             double *tb) {
    enum { LMAX = WBLK_LANES };
    const int L = weighted ? WBLK_WLANES : WBLK_LANES; /* weighted: 4 chains a lane, 16 registers */
    const size_t S = m * n; /* lane stride */
    const double n1 = (double)(n + 1);
    for (size_t blk = 0; blk < m; blk++, x += n, out += n) {
        const double *restrict tp = blk & 1 ? tb : ta;
        double *restrict tc = blk & 1 ? ta : tb;
        double p[LMAX], pp[LMAX], tt[LMAX], ss[LMAX];
        for (int l = 0; l < L; l++) {
            p[l] = pp[l] = x[l * S], tt[l] = ss[l] = x[l * S + n - 1];
            double v = weighted ? (n1 * p[l] - pp[l]) + tp[L + l] : tp[L + l] + p[l];
            wblk_store(out + l * S, v * inv, nt);
            tc[(n - 1) * L + l] = weighted ? ss[l] : tt[l];
        }
        for (size_t r = 1; r < n; r++) {
            size_t q = n - 1 - r;
            for (int l = 0; l < L; l++) {
                p[l] = p[l] + x[l * S + r];
                tt[l] = x[l * S + q] + tt[l];
                double v;
                if (weighted) {
                    pp[l] = pp[l] + p[l], ss[l] = tt[l] + ss[l], tc[q * L + l] = ss[l];
                    v = (n1 * p[l] - pp[l]) + tp[(r + 1) * L + l];
                } else {
                    tc[q * L + l] = tt[l];
                    v = tp[(r + 1) * L + l] + p[l];
                }
                wblk_store(out + l * S + r, v * inv, nt);
            }
        }
    }
}

/* The batch form of wblk_push over a whole column from its first value: out[i] = (the window sum
 * after pushing x[i]) * inv, NaN for i < n - 1; w is a fresh state (wblk_init) and t holds
 * (2 WBLK_LANES + 1) (n + 1) doubles (unused, may be NULL, unless len / n > the lanes); nt: the
 * lanes store past the caches (for long outputs nothing reads next: WBLK_NT_MIN). Block 0, the blocks left over by the lanes and the last partial
 * block go through wblk_push; the lanes' first predecessors and the state before the leftovers are
 * set up by wblk_close on copies of the blocks. */
static inline __attribute__((always_inline)) void wblk_batch(wblk *w, const double *x, size_t len, double inv,
                                                             double *out, double *t, int nt) {
    const size_t n = w->n, L = w->weighted ? WBLK_WLANES : WBLK_LANES;
    const int weighted = w->weighted;
    size_t i = 0;
    for (; i < len && i < n; i++) out[i] = wblk_push(w, x[i]) ? w->sum * inv : NAN;
    /* the whole blocks after block 0 in L lanes of g blocks (lanes far apart: each reads and writes
     * one sequential stream; lanes of nearby blocks, with the predecessors re-summed per chunk,
     * measured slower); the leftovers after them go through wblk_push */
    size_t nb = len / n, b = 1, g = nb > 1 ? (nb - 1) / L : 0;
    for (; g > 0 && b + L * g <= nb; b += L * g) {
        double *ta = t, *tb = t + L * (n + 1), *tmp = t + 2 * L * (n + 1);
        for (size_t l = 0; l < L; l++) {
            memcpy(tmp, x + (b - 1 + l * g) * n, n * sizeof *x); /* the block before the lane's first */
            wblk_close(tmp, n, weighted);
            for (size_t j = 1; j < n; j++) ta[j * L + l] = tmp[j];
            ta[n * L + l] = 0, tb[n * L + l] = 0;
        }
        if (weighted && nt) wblk_lanes(x + b * n, n, g, inv, 1, 1, out + b * n, ta, tb);
        else if (weighted) wblk_lanes(x + b * n, n, g, inv, 1, 0, out + b * n, ta, tb);
        else if (nt) wblk_lanes(x + b * n, n, g, inv, 0, 1, out + b * n, ta, tb);
        else wblk_lanes(x + b * n, n, g, inv, 0, 0, out + b * n, ta, tb);
    }
#if defined(__SSE2__) && defined(__x86_64__)
    if (nt) _mm_sfence(); /* the streamed stores are ordered before anything after the kernel */
#endif
    if (b > 1) { /* the state continues after the lanes' last block */
        i = b * n;
        memcpy(w->b, x + i - n, n * sizeof *x);
        w->b[n] = 0;
        wblk_close(w->b, n, weighted);
        w->r = 0, w->full = 1;
    }
    for (; i < len; i++) out[i] = wblk_push(w, x[i]) ? w->sum * inv : NAN;
}

/* A moving average's batch kernel: out = wblk_batch of x times inv (sma, mean, wma, nma). */
static inline qc_err wblk_ma_batch(size_t n, int weighted, double inv, const double *x, size_t len, double *out,
                                   int nt, const char *what, qc_error *e) {
    wblk w;
    size_t lanes = weighted ? WBLK_WLANES : WBLK_LANES; /* scratch only when the lanes run (wblk_batch) */
    double *t = len / n > lanes ? malloc((2 * WBLK_LANES + 1) * (n + 1) * sizeof *t) : NULL;
    if ((len / n > lanes && !t) || !wblk_init(&w, n, weighted)) {
        free(t);
        return ind_nomem(e, what);
    }
    wblk_batch(&w, x, len, inv, out, t, nt);
    wblk_free(&w);
    free(t);
    return QC_OK;
}

/* ---- monotonic deque: rolling max (sign +1) or min (sign -1) of the last n values --------------- */
typedef struct {
    double *val;
    size_t *idx;
    size_t n, cap, head, len, t;
    size_t nan_until; /* windows ending before this index hold a NaN (0: none seen) */
    double sign;
} wext;

static inline int wext_init(wext *q, size_t n, double sign) {
    memset(q, 0, sizeof *q);
    q->n = n;
    q->cap = n + 1;
    q->sign = sign;
    q->val = malloc(q->cap * sizeof *q->val);
    q->idx = malloc(q->cap * sizeof *q->idx);
    return q->val && q->idx;
}
static inline void wext_free(wext *q) { free(q->val); free(q->idx); q->val = NULL; q->idx = NULL; }

/* Adds x; returns the extreme of the last min(n, seen) values. Equal values: the newest is kept,
 * so wext_age() counts bars since the most recent extreme (TTR's aroon). Ring positions wrap by
 * comparison, not modulo (a division per bar would cost more than the rest).
 * NaN rule (the batch kernels follow it: ind_ext_nan): a window holding a NaN has a NaN extreme
 * (and no age); a NaN is not queued, it only marks the next n windows, so the windows after it are
 * the extremes of their numbers. */
static inline double wext_push(wext *q, double x) {
    double v = q->sign * x;
    if (x != x) {
        q->nan_until = q->t + q->n;
    } else {
        size_t b = q->head + q->len;
        if (b >= q->cap) b -= q->cap;
        while (q->len) {
            size_t last = b ? b - 1 : q->cap - 1;
            if (q->val[last] > v) break;
            q->len--;
            b = last;
        }
        q->val[b] = v;
        q->idx[b] = q->t;
        q->len++;
    }
    if (q->len && q->idx[q->head] + q->n <= q->t) {
        q->head = q->head + 1 == q->cap ? 0 : q->head + 1;
        q->len--;
    }
    q->t++;
    return q->t <= q->nan_until ? NAN : q->sign * q->val[q->head];
}
/* Whether the newest window holds a NaN (its extreme is NaN, its age meaningless). */
static inline int wext_nan(const wext *q) { return q->t <= q->nan_until; }
/* Bars since the current extreme (0 = the newest bar); NaN when the window holds a NaN. */
static inline double wext_age(const wext *q) { return wext_nan(q) ? NAN : (double)(q->t - 1 - q->idx[q->head]); }

/* ---- batch rolling extremes: van Herk / Gil-Werman blocks, no data-dependent branches --------- */
/* The batch kernels' replacement for wext: the same values (the extreme of the last min(n, seen)
 * inputs; among equal extremes the newest, so ages agree with wext_age) at ~3 compares per point
 * instead of a deque's unpredictable pops. Inputs are split into blocks of n; the window ending at
 * i is a suffix of the previous block (s[], computed once per block, backwards) plus a prefix of
 * the current one (p). Runs over consecutive index ranges, so callers work in small chunks. */
typedef struct {
    double *s;  /* s[k]: extreme of prev block [k, n); s[n] = the identity (-inf for max, +inf for min) */
    size_t *si; /* its index (newest among equals) */
    size_t n, j, b0; /* position in the current block and the block's first index */
    double p;
    size_t pi;
} rext;

static inline int rext_init(rext *r, size_t n, int is_min) {
    memset(r, 0, sizeof *r);
    r->n = n;
    r->j = 0;
    r->s = malloc((n + 1) * sizeof *r->s);
    r->si = calloc(n + 1, sizeof *r->si);
    if (!r->s || !r->si) return 0;
    for (size_t k = 0; k <= n; k++) r->s[k] = is_min ? INFINITY : -INFINITY;
    return 1;
}
static inline void rext_free(rext *r) { free(r->s); free(r->si); r->s = NULL; r->si = NULL; }

/* GT(a, b): a strictly beats b. Writes ext[i - i0] and, when age is not NULL, age[i - i0] = bars
 * since the extreme (i - its index), for i in [i0, i1). */
#define IND_REXT_RUN(NAME, GT)                                                                       \
    static inline __attribute__((always_inline)) void NAME(rext *r, const double *x, size_t i0,     \
                                                           size_t i1, double *ext, double *age) {   \
        const size_t n = r->n;                                                                       \
        double p = r->p;                                                                             \
        size_t pi = r->pi, j = r->j, b0 = r->b0;                                                     \
        double *s = r->s;                                                                            \
        size_t *si = r->si;                                                                          \
        size_t i = i0;                                                                               \
        while (i < i1) {                                                                             \
            if (j == n) { /* the block [b0, b0 + n) is complete: its suffix extremes */              \
                double m = s[n];                                                                     \
                size_t mi = 0;                                                                       \
                for (size_t k = n; k-- > 0;) {                                                       \
                    double v = x[b0 + k];                                                            \
                    int c = GT(v, m);                                                                \
                    m = c ? v : m;                                                                   \
                    mi = c ? b0 + k : mi;                                                            \
                    s[k] = m, si[k] = mi;                                                            \
                }                                                                                    \
                b0 += n, j = 0;                                                                      \
            }                                                                                        \
            if (j == 0) p = x[i], pi = i; /* a new block: its prefix starts here */                 \
            size_t end = i1 - i < n - j ? i1 : i + (n - j);                                          \
            const double *sj = s + j + 1 - i;                                                        \
            const size_t *sij = si + j + 1 - i;                                                      \
            for (; i < end; i++) {                                                                   \
                double v = x[i];                                                                     \
                int c = !GT(p, v); /* ties: the newer value */                                       \
                p = c ? v : p;                                                                       \
                pi = c ? i : pi;                                                                     \
                int q = !GT(sj[i], p);                                                               \
                ext[i - i0] = q ? p : sj[i];                                                         \
                if (age) age[i - i0] = (double)(i - (q ? pi : sij[i]));                              \
            }                                                                                        \
            j = i - b0;                                                                              \
        }                                                                                            \
        r->p = p, r->pi = pi, r->j = j, r->b0 = b0;                                                  \
    }
/* Whether x[0..m) holds a NaN: one pass, four values per unordered compare under SSE2 (a compare
 * of two vectors is unordered when either holds a NaN), no early exit. */
static inline int ind_any_nan(const double *x, size_t m) {
    size_t j = 0;
    int any = 0;
#ifdef __SSE2__
    __m128d a = _mm_setzero_pd(), b = _mm_setzero_pd();
    for (; j + 8 <= m; j += 8) {
        a = _mm_or_pd(a, _mm_cmpunord_pd(_mm_loadu_pd(x + j), _mm_loadu_pd(x + j + 2)));
        b = _mm_or_pd(b, _mm_cmpunord_pd(_mm_loadu_pd(x + j + 4), _mm_loadu_pd(x + j + 6)));
    }
    any = _mm_movemask_pd(_mm_or_pd(a, b)) != 0;
#endif
    for (; j < m; j++) any |= x[j] != x[j];
    return any;
}
/* The stream's NaN rule (wext_push) for the batch extremes: ext[i - i0] (and age[i - i0] when not
 * NULL) become NaN where the window of n ending at i holds a NaN of x, i in [i0, i1). The block and
 * level kernels need no care inside: a NaN only disturbs the windows that hold it. *until (0 at the
 * start, carried over consecutive chunks) is the first index whose window no longer holds the last
 * NaN seen; has_nan = ind_any_nan(x + i0, i1 - i0), so a chunk without NaN costs one pass. */
static inline void ind_ext_nan(const double *x, size_t i0, size_t i1, size_t n, int has_nan, size_t *until,
                               double *ext, double *age) {
    size_t u = *until;
    if (!has_nan && u <= i0) return;
    for (size_t i = i0; i < i1; i++) {
        u = x[i] != x[i] ? i + n : u;
        if (i < u) {
            ext[i - i0] = NAN;
            if (age) age[i - i0] = NAN;
        }
    }
    *until = u;
}

/* A max and a min tracker of window n (both freed on failure). */
static inline qc_err rext_pair_init(rext *hi, rext *lo, size_t n, const char *what, qc_error *e) {
    int ok = rext_init(hi, n, 0);
    ok &= rext_init(lo, n, 1);
    if (ok) return QC_OK;
    rext_free(hi), rext_free(lo);
    return ind_nomem(e, what);
}
#define IND_GT_MAX(a, b) ((a) > (b))
#define IND_GT_MIN(a, b) ((a) < (b))
IND_REXT_RUN(rext_max_run, IND_GT_MAX)
IND_REXT_RUN(rext_min_run, IND_GT_MIN)

/* ---- batch rolling max of one column and min of another, fused, looking one block ahead ------- */
/* rext's blocks for a max/min pair of one window n (willr, donchian, stoch, aroon, vhf, ichimoku).
 * The batch holds the whole column, so when a block of n starts, one loop computes the block's
 * prefix extremes (forward) and its suffix extremes (backward, kept for the next block) of both
 * columns: four independent running extremes whose compare latencies overlap, where rext runs each
 * chain alone (one compare latency per point per chain: ~16 cycles a point for a max and a min).
 * The window ending at b0 + j is ext(previous block's suffix from j + 1, this block's prefix to j),
 * the newer on ties (a suffix entry is older than a prefix entry), so the values, and with `ages`
 * the bars since the extreme, are the deque's (wext) bit for bit. Chunks must be consecutive. */
typedef struct {
    double *mem;
    double *sh, *sl, *nh, *nl, *ph, *pl;       /* suffixes of the previous block, of this one, prefixes; [n]: identity */
    double *shi, *sli, *nhi, *nli, *phi, *pli; /* their indices as doubles (exact below 2^53; ages only) */
    size_t n, len, b0, nb;                     /* this block's start and the next one's */
    int ages;
} rext2;

static inline void rext2_free(rext2 *r) {
    free(r->mem);
    r->mem = NULL;
}
/* len: the whole column's length (the fill reads up to a block ahead of the chunk). */
static inline qc_err rext2_init(rext2 *r, size_t n, size_t len, int ages, const char *what, qc_error *e) {
    memset(r, 0, sizeof *r);
    size_t w = n + 1;
    r->n = n, r->len = len, r->ages = ages;
    r->mem = calloc((ages ? 12 : 6) * w, sizeof *r->mem);
    if (!r->mem) return ind_nomem(e, what);
    double **a[12] = {&r->sh, &r->sl, &r->nh, &r->nl, &r->ph, &r->pl, &r->shi, &r->sli, &r->nhi, &r->nli, &r->phi, &r->pli};
    for (size_t k = 0; k < (ages ? 12u : 6u); k++) *a[k] = r->mem + k * w;
    for (size_t k = 0; k < w; k++) r->sh[k] = r->nh[k] = -INFINITY, r->sl[k] = r->nl[k] = INFINITY;
    return QC_OK;
}

#define IND_SWAP(T, a, b) do { T t_ = (a); (a) = (b); (b) = t_; } while (0)
/* Starts the block at r->nb: the last block's suffixes become the previous ones, then this block's
 * prefixes and suffixes in one loop. */
static inline __attribute__((always_inline)) void rext2_fill(rext2 *r, const double *hcol, const double *lcol) {
    IND_SWAP(double *, r->sh, r->nh);
    IND_SWAP(double *, r->sl, r->nl);
    r->b0 = r->nb, r->nb += r->n;
    size_t m = r->len - r->b0 < r->n ? r->len - r->b0 : r->n, b0 = r->b0;
    const double *x = hcol + b0, *y = lcol + b0;
    double *restrict ph = r->ph, *restrict pl = r->pl, *restrict nh = r->nh, *restrict nl = r->nl;
    double a = -INFINITY, b = INFINITY, c = -INFINITY, d = INFINITY;
    if (!r->ages) {
        for (size_t k = 0; k < m; k++) {
            size_t q = m - 1 - k;
            double u = x[k], v = y[k], s = x[q], t = y[q];
            a = a > u ? a : u, b = b < v ? b : v; /* prefix: the newer on ties */
            c = s > c ? s : c, d = t < d ? t : d; /* suffix, backwards: an older value only if strictly beyond */
            ph[k] = a, pl[k] = b, nh[q] = c, nl[q] = d;
        }
        return;
    }
    IND_SWAP(double *, r->shi, r->nhi);
    IND_SWAP(double *, r->sli, r->nli);
    double *restrict phi = r->phi, *restrict pli = r->pli, *restrict nhi = r->nhi, *restrict nli = r->nli;
    double ai = 0, bi = 0, ci = 0, di = 0, f = (double)b0, g = (double)(b0 + m - 1);
    for (size_t k = 0; k < m; k++, f += 1, g -= 1) {
        size_t q = m - 1 - k;
        double u = x[k], v = y[k], s = x[q], t = y[q];
        ai = a > u ? ai : f, bi = b < v ? bi : f, ci = s > c ? g : ci, di = t < d ? g : di;
        a = a > u ? a : u, b = b < v ? b : v, c = s > c ? s : c, d = t < d ? t : d;
        ph[k] = a, pl[k] = b, nh[q] = c, nl[q] = d;
        phi[k] = ai, pli[k] = bi, nhi[q] = ci, nli[q] = di;
    }
}

/* hb[i - i0] = max of hcol, lb[i - i0] = min of lcol over the window of n ending at i, for i in
 * [i0, i1); with ages (rext2_init), ha/la = bars since each extreme (doubles), else NULL. */
static inline __attribute__((always_inline)) void rext2_run(rext2 *r, const double *hcol, const double *lcol,
                                                            size_t i0, size_t i1, double *hb, double *lb,
                                                            double *ha, double *la) {
    size_t i = i0;
    while (i < i1) {
        if (i == r->nb) rext2_fill(r, hcol, lcol);
        size_t end = i1 < r->nb ? i1 : r->nb, j = i - r->b0, m = end - i;
        const double *sh = r->sh + j + 1, *sl = r->sl + j + 1, *ph = r->ph + j, *pl = r->pl + j;
        double *restrict oh = hb + (i - i0), *restrict ol = lb + (i - i0);
        size_t k = 0;
        if (r->ages) {
            const double *shi = r->shi + j + 1, *sli = r->sli + j + 1, *phi = r->phi + j, *pli = r->pli + j;
            double *restrict ah = ha + (i - i0), *restrict al = la + (i - i0);
#ifdef __SSE2__
            __m128d t = _mm_set_pd((double)(i + 1), (double)i), two = _mm_set1_pd(2);
            for (; k + 2 <= m; k += 2, t = _mm_add_pd(t, two)) { /* the scalar loop below, two at a time */
                __m128d a = _mm_loadu_pd(sh + k), b = _mm_loadu_pd(ph + k), ch = _mm_cmpgt_pd(a, b);
                __m128d u = _mm_loadu_pd(sl + k), v = _mm_loadu_pd(pl + k), cl = _mm_cmplt_pd(u, v);
                _mm_storeu_pd(oh + k, _mm_max_pd(a, b));
                _mm_storeu_pd(ol + k, _mm_min_pd(u, v));
                __m128d ih = _mm_or_pd(_mm_and_pd(ch, _mm_loadu_pd(shi + k)), _mm_andnot_pd(ch, _mm_loadu_pd(phi + k)));
                __m128d il = _mm_or_pd(_mm_and_pd(cl, _mm_loadu_pd(sli + k)), _mm_andnot_pd(cl, _mm_loadu_pd(pli + k)));
                _mm_storeu_pd(ah + k, _mm_sub_pd(t, ih));
                _mm_storeu_pd(al + k, _mm_sub_pd(t, il));
            }
#endif
            for (; k < m; k++) {
                oh[k] = sh[k] > ph[k] ? sh[k] : ph[k], ol[k] = sl[k] < pl[k] ? sl[k] : pl[k];
                ah[k] = (double)(i + k) - (sh[k] > ph[k] ? shi[k] : phi[k]);
                al[k] = (double)(i + k) - (sl[k] < pl[k] ? sli[k] : pli[k]);
            }
        } else {
#ifdef __SSE2__
            for (; k + 2 <= m; k += 2) { /* maxpd(s, p) = s > p ? s : p, the scalar expression below */
                _mm_storeu_pd(oh + k, _mm_max_pd(_mm_loadu_pd(sh + k), _mm_loadu_pd(ph + k)));
                _mm_storeu_pd(ol + k, _mm_min_pd(_mm_loadu_pd(sl + k), _mm_loadu_pd(pl + k)));
            }
#endif
            for (; k < m; k++) oh[k] = sh[k] > ph[k] ? sh[k] : ph[k], ol[k] = sl[k] < pl[k] ? sl[k] : pl[k];
        }
        i = end;
    }
}

/* ---- batch rolling extremes of several short windows of one column: doubling levels ------------- */
/* For windows up to SEXT_MAX (ichimoku's three): level l holds the extreme of the last 2^l values,
 * L_l[i] = ext(L_{l-1}[i - 2^(l-1)], L_{l-1}[i]), and window n is ext(L_q[i - (n - 2^q)], L_q[i]) with
 * 2^q <= n the largest power of two. Every step is one compare of two arrays (no branch, no
 * dependency between points: vectorised), and the levels are shared by all the windows, where a
 * deque or van Herk's blocks pay per window. ext(older, newer) keeps the newer of equal values,
 * like the deque, so the values agree bit for bit (zeros of either sign included). The levels are
 * built per chunk of SEXT_CHUNK values, small enough that the rows of a high and a low column stay
 * in L1 and the outputs leave in short bursts between the level passes; row l >= 1 keeps the 2^l values before the chunk (rounded
 * up to whole cache lines; the identity before the first input), all a later level or window reads,
 * and each row's chunk starts on a 64-byte line; level 0 is the input column itself (a copy with the
 * identity before it for the first chunk). */
#define SEXT_MAX 64
#define SEXT_LEVELS 7 /* 2^0 .. 2^6 = SEXT_MAX */
#define SEXT_CHUNK 64 /* 2M points, AVX-512: ichimoku 5.3 / 5.0 / 4.8 with 256 / 128 / 64 (32: 5.5), aroon 6.8 / 4.5 / 4.5 */
typedef struct {
    double *mem;
    double *row[SEXT_LEVELS]; /* row l's chunk; its hist[l] values of history just before it */
    const double *r0;         /* level 0 of this chunk: row[0], or the input column itself */
    double *imem, *irow[SEXT_LEVELS]; /* with indices (sext_init_idx): where each extreme is, relative to
                                       * the chunk's start (exact doubles; irow[0][j] = j) */
    size_t hist[SEXT_LEVELS];
    size_t nl; /* levels in use */
    int is_min;
} sext;

static inline int sext_init(sext *x, size_t max_n, int is_min) {
    memset(x, 0, sizeof *x);
    x->nl = 1;
    while (((size_t)1 << (x->nl - 1)) * 2 <= max_n) x->nl++;
    x->is_min = is_min;
    size_t total = 0;
    for (size_t l = 0; l < x->nl; l++) x->hist[l] = (((size_t)1 << l) + 7) & ~(size_t)7, total += x->hist[l] + SEXT_CHUNK;
    x->mem = aligned_alloc(64, total * sizeof *x->mem); /* total is a multiple of 8 doubles */
    if (!x->mem) return 0;
    for (size_t k = 0; k < total; k++) x->mem[k] = is_min ? INFINITY : -INFINITY;
    for (size_t l = 0, at = 0; l < x->nl; at += x->hist[l] + SEXT_CHUNK, l++) x->row[l] = x->mem + at + x->hist[l];
    x->r0 = x->row[0];
    return 1;
}
static inline void sext_free(sext *x) {
    free(x->mem), free(x->imem);
    x->mem = x->imem = NULL;
}
/* sext_init plus index rows (aroon's ages): level l's extreme of the window ending at chunk position j
 * sits at chunk position irow[l][j] (negative: an earlier chunk), the newest among equals. */
static inline int sext_init_idx(sext *x, size_t max_n, int is_min) {
    if (!sext_init(x, max_n, is_min)) return 0;
    size_t total = 0;
    for (size_t l = 0; l < x->nl; l++) total += x->hist[l] + SEXT_CHUNK;
    x->imem = aligned_alloc(64, total * sizeof *x->imem);
    if (!x->imem) return sext_free(x), 0;
    for (size_t l = 0, at = 0; l < x->nl; at += x->hist[l] + SEXT_CHUNK, l++) {
        x->irow[l] = x->imem + at + x->hist[l];
        for (size_t k = 0; k < x->hist[l] + SEXT_CHUNK; k++) x->irow[l][(ptrdiff_t)k - (ptrdiff_t)x->hist[l]] = (double)k - (double)x->hist[l];
    }
    return 1;
}
static inline const double *sext_row(const sext *x, size_t l) { return l ? x->row[l] : x->r0; }

/* Loads v[0..m) (m <= SEXT_CHUNK) as the next chunk and builds its levels. first: v is the column's
 * start (level 0 then needs the identity before it: a copy); otherwise level 0 is v itself, whose
 * value before it is the history level 1 reads. */
static inline __attribute__((always_inline)) void sext_level0(sext *x, const double *v, size_t m, int first) {
    if (first) {
        for (size_t j = 0; j < m; j++) x->row[0][j] = v[j];
        x->r0 = x->row[0];
    } else {
        x->r0 = v;
    }
}
static inline __attribute__((always_inline)) void sext_load(sext *x, const double *v, size_t m, int first) {
    sext_level0(x, v, m, first);
    for (size_t l = 1; l < x->nl; l++) {
        const double *restrict a = sext_row(x, l - 1);
        double *restrict b = __builtin_assume_aligned(x->row[l], 64);
        size_t h = (size_t)1 << (l - 1);
        const double *restrict ah = a - h;
        if (x->is_min)
            for (size_t j = 0; j < m; j++) b[j] = ah[j] < a[j] ? ah[j] : a[j];
        else
            for (size_t j = 0; j < m; j++) b[j] = ah[j] > a[j] ? ah[j] : a[j];
    }
}
/* Window n (<= SEXT_MAX) ending at chunk position j is ext(row[j - back], row[j]) of the returned row. */
static inline const double *sext_pick(const sext *x, size_t n, size_t *back) {
    size_t q = 0;
    while (((size_t)1 << (q + 1)) <= n) q++;
    *back = n - ((size_t)1 << q);
    return sext_row(x, q);
}
/* After a chunk of m values: the last values of every level become its history. */
static inline void sext_next(sext *x, size_t m) {
    for (size_t l = 1; l < x->nl; l++) { /* level 0 of the next chunk is the input column */
        double *r = x->row[l];
        size_t h = x->hist[l];
        memmove(r - h, r + m - h, h * sizeof *r); /* m < h: the history shifts by m */
        if (!x->imem) continue;
        double *q = x->irow[l] - h, dm = (double)m; /* positions move by -m; forward: the source is ahead */
        for (size_t k = 0; k < h; k++) q[k] = q[k + m] - dm;
    }
}
/* sext_load for a state with indices (sext_init_idx): the levels' values and where each extreme is. */
static inline __attribute__((always_inline)) void sext_load_idx(sext *x, const double *v, size_t m, int first) {
    sext_level0(x, v, m, first);
    for (size_t l = 1; l < x->nl; l++) {
        const double *restrict a = sext_row(x, l - 1), *restrict ai = x->irow[l - 1];
        double *restrict b = __builtin_assume_aligned(x->row[l], 64), *restrict bi = __builtin_assume_aligned(x->irow[l], 64);
        size_t h = (size_t)1 << (l - 1);
        const double *restrict ah = a - h, *restrict aih = ai - h;
        if (x->is_min)
            for (size_t j = 0; j < m; j++) {
                int c = ah[j] < a[j]; /* the older only if strictly beyond: the newer on ties */
                b[j] = ah[j] < a[j] ? ah[j] : a[j], bi[j] = ind_pick(c, aih[j], ai[j]);
            }
        else
            for (size_t j = 0; j < m; j++) {
                int c = ah[j] > a[j];
                b[j] = ah[j] > a[j] ? ah[j] : a[j], bi[j] = ind_pick(c, aih[j], ai[j]);
            }
    }
}

/* The first chunk's length for a kernel writing column o in chunks of `chunk` values: up to o's
 * next 64-byte line (or a whole chunk when o starts on one), so that the later chunks start on
 * lines and wide vector stores do not straddle two (measured twice as slow for AVX-512 stores);
 * columns from malloc share their alignment, so one column decides for all. */
static inline size_t ind_first_chunk(const double *o, size_t chunk) {
    size_t m = ((64 - ((uintptr_t)o & 63)) & 63) / sizeof(double);
    return m ? m : chunk;
}

/* ---- a branch-free ratio over arrays ---------------------------------------------------------- */
/* out[j] = (a[j] - b[j]) / (c[j] - d[j]), or alt where c[j] == d[j]: the oscillators' "(x - low) /
 * (high - low), 0.5 on a flat window". Two at a time under SSE2 with the same IEEE operations as the
 * scalar form (which the streams use), so the same bits; gcc does not vectorise the select itself. */
static inline void ind_ratio_or(const double *a, const double *b, const double *c, const double *d, double alt,
                                double *out, size_t m) {
    size_t j = 0;
#ifdef __SSE2__
    __m128d va = _mm_set1_pd(alt), z = _mm_setzero_pd();
    for (; j + 2 <= m; j += 2) {
        __m128d den = _mm_sub_pd(_mm_loadu_pd(c + j), _mm_loadu_pd(d + j));
        __m128d r = _mm_div_pd(_mm_sub_pd(_mm_loadu_pd(a + j), _mm_loadu_pd(b + j)), den);
        __m128d flat = _mm_cmpeq_pd(den, z);
        _mm_storeu_pd(out + j, _mm_or_pd(_mm_andnot_pd(flat, r), _mm_and_pd(flat, va)));
    }
#endif
    for (; j < m; j++) {
        double den = c[j] - d[j], r = (a[j] - b[j]) / den;
        out[j] = den != 0 ? r : alt;
    }
}

/* ---- EMA seeded with the mean of its first n inputs (TTR); k = 2/(n+1), or 1/n for Wilder ------- */
/* The step is TTR's own form, v = x k + v (1 - k): the serial chain is one multiply and one add
 * (x k is off the chain), where v += (x - v) k chains a subtract, a multiply and an add. */
typedef struct {
    double k, k1, sum, v; /* k1 = 1 - k */
    size_t n, count;
} ema_core;

static inline void ema_core_init(ema_core *e, size_t n, double k) {
    memset(e, 0, sizeof *e);
    e->n = n;
    e->k = k;
    e->k1 = 1 - k;
    e->v = NAN;
}

static inline double ema_core_push(ema_core *e, double x) {
    if (e->count >= e->n) {
        e->v = x * e->k + e->v * e->k1;
        return e->v;
    }
    e->sum += x;
    if (++e->count < e->n) return NAN;
    e->v = e->sum / (double)e->n;
    return e->v;
}
/* Feeds x only once it is a number: an EMA of a series that starts with NaN (TTR skips them). */
static inline double ema_core_push_valid(ema_core *e, double x) {
    return x == x ? ema_core_push(e, x) : NAN;
}

/* ---- a ring of the last n values, for lags ------------------------------------------------------ */
typedef struct {
    double *buf;
    size_t n, pos, count;
} lagbuf;

static inline int lagbuf_init(lagbuf *l, size_t n) {
    memset(l, 0, sizeof *l);
    l->n = n ? n : 1;
    l->buf = calloc(l->n, sizeof *l->buf);
    return l->buf != NULL;
}
static inline void lagbuf_free(lagbuf *l) { free(l->buf); l->buf = NULL; }
/* Pushes x and returns the value n steps back (NaN until there is one). */
static inline double lagbuf_push(lagbuf *l, double x) {
    double old = l->count >= l->n ? l->buf[l->pos] : NAN;
    l->buf[l->pos] = x;
    l->pos = l->pos + 1 == l->n ? 0 : l->pos + 1;
    l->count++;
    return old;
}

/* ---- glue: one step function -> the streaming update and the batch kernel ----------------------- */
/* Each indicator NAME defines: a state type NAME_st, NAME_init(NAME_st *, const double *p,
 * qc_error *), NAME_free(NAME_st *), and static inline NAME_step(NAME_st *, const qc_ind_cols *,
 * size_t i, double *out) reading row i. The stream calls the step on a one-row view of the bar. */
/* The batch loop runs on a private copy of the state whose address never leaves inlined code, so
 * the compiler keeps running sums in registers (output stores cannot alias them). */
#define IND_GLUE(NAME, NOUT)                                                                         \
    static void NAME##_update_v(void *s, const qc_ind_cols *c, size_t i, double *o) {                \
        NAME##_step((NAME##_st *)s, c, i, o);                                                        \
    }                                                                                                \
    static void NAME##_free_v(void *s) { NAME##_free((NAME##_st *)s); }                              \
    static qc_err NAME##_init_v(void *s, const double *p, qc_error *e) {                             \
        return NAME##_init((NAME##_st *)s, p, e);                                                    \
    }                                                                                                \
    static qc_err NAME##_batch(const double *p, const qc_ind_cols *c, size_t len, double *const *out, \
                               qc_error *e) {                                                        \
        NAME##_st s0;                                                                                \
        qc_err rc = NAME##_init(&s0, p, e);                                                          \
        if (rc) return rc;                                                                           \
        {                                                                                            \
            NAME##_st s = s0;                                                                        \
            qc_ind_cols cc = *c;                                                                     \
            double *outk[NOUT];                                                                      \
            for (size_t k = 0; k < (NOUT); k++) outk[k] = out[k];                                    \
            double o[NOUT];                                                                          \
            for (size_t i = 0; i < len; i++) {                                                       \
                NAME##_step(&s, &cc, i, o);                                                          \
                for (size_t k = 0; k < (NOUT); k++) outk[k][i] = o[k];                               \
            }                                                                                        \
            s0 = s;                                                                                  \
        }                                                                                            \
        NAME##_free(&s0);                                                                            \
        return QC_OK;                                                                                \
    }

/* The streaming half of IND_GLUE, for indicators whose batch kernel NAME##_batch is written by
 * hand (a tighter loop giving the same numbers: tests/test_indicators.c checks every bit). */
#define IND_GLUE_STREAM(NAME)                                                                        \
    static void NAME##_update_v(void *s, const qc_ind_cols *c, size_t i, double *o) {                \
        NAME##_step((NAME##_st *)s, c, i, o);                                                        \
    }                                                                                                \
    static void NAME##_free_v(void *s) { NAME##_free((NAME##_st *)s); }                              \
    static qc_err NAME##_init_v(void *s, const double *p, qc_error *e) {                             \
        return NAME##_init((NAME##_st *)s, p, e);                                                    \
    }

/* The descriptor's function fields for NAME. */
#define IND_FNS(NAME)                                                                                \
    .state_size = sizeof(NAME##_st), .init = NAME##_init_v, .update = NAME##_update_v,               \
    .free = NAME##_free_v, .batch = NAME##_batch

#define P(i) ((size_t)p[i])

/* Step functions must inline into the batch loop. */
#define IND_STEP static inline __attribute__((always_inline)) void

static inline double dmax(double a, double b) { return a > b ? a : b; }
static inline double dmin(double a, double b) { return a < b ? a : b; }

#endif
