/* cross_sectional.c: per-timestamp operations over a symbol-major panel. The panel is walked in
 * tiles of TILE timestamps: a tile is transposed into contiguous cross-sections (one cache line per
 * symbol read instead of one per value), each cross-section is processed by a column function,
 * and the results are scattered back. Ranks sort (value, index) pairs with a bottom-up merge sort
 * (stable, no recursion, scratch allocated once). */
#include "features/cross_sectional.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define TILE 8

typedef struct {
    double v;
    size_t i;
} pair;

typedef struct {
    size_t n_sym;
    double *a, *b, *o;  /* tiles: TILE cross-sections of n_sym values */
    pair *pairs, *tmp;  /* sort scratch */
    double *ra, *rb;    /* compacted values / ranks for the IC */
    double *gsum, *gcnt; /* per-group sums */
    size_t n_groups;
} ws;

typedef struct {
    int pct;
    double lo, hi, k;
    const int *group;
} params;

/* One cross-section: a (and b for two-input functions) in, o out (may be NULL for scalar-only
 * functions); returns a scalar (the IC) or 0. */
typedef double (*col_fn)(ws *w, const double *a, const double *b, double *o, const params *p);

static void ws_free(ws *w) {
    free(w->a), free(w->b), free(w->o), free(w->pairs), free(w->tmp), free(w->ra), free(w->rb), free(w->gsum);
}

static qc_err ws_alloc(ws *w, size_t n_sym, size_t n_groups, qc_error *err) {
    memset(w, 0, sizeof *w);
    size_t m = n_sym ? n_sym : 1;
    w->n_sym = n_sym;
    w->n_groups = n_groups;
    w->a = malloc(TILE * m * sizeof(double)), w->b = malloc(TILE * m * sizeof(double));
    w->o = malloc(TILE * m * sizeof(double));
    w->pairs = malloc(m * sizeof(pair)), w->tmp = malloc(m * sizeof(pair));
    w->ra = malloc(2 * m * sizeof(double)), w->rb = malloc(2 * m * sizeof(double));
    w->gsum = malloc(2 * (n_groups + 1) * sizeof(double));
    w->gcnt = w->gsum ? w->gsum + n_groups + 1 : NULL;
    if (w->a && w->b && w->o && w->pairs && w->tmp && w->ra && w->rb && w->gsum) return QC_OK;
    ws_free(w);
    return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
}

static void gather(const double *x, size_t n_sym, size_t n_ts, size_t t0, size_t nb, double *tile) {
    for (size_t s = 0; s < n_sym; s++) {
        const double *row = x + s * n_ts + t0;
        for (size_t j = 0; j < nb; j++) tile[j * n_sym + s] = row[j];
    }
}

static void scatter(const double *tile, size_t n_sym, size_t n_ts, size_t t0, size_t nb, double *out) {
    for (size_t s = 0; s < n_sym; s++) {
        double *row = out + s * n_ts + t0;
        for (size_t j = 0; j < nb; j++) row[j] = tile[j * n_sym + s];
    }
}

/* Runs fn over every timestamp; out (panel) and/or scal (n_ts) receive the results. */
static qc_err drive(const double *x, const double *f, size_t n_sym, size_t n_ts, double *out, double *scal,
                    col_fn fn, const params *p, size_t n_groups, qc_error *err) {
    if ((!x && n_sym && n_ts) || (n_sym && n_ts > SIZE_MAX / n_sym))
        return qc_err_set(err, QC_ERR_INPUT, "cross-section: no values");
    ws w;
    qc_err rc = ws_alloc(&w, n_sym, n_groups, err);
    if (rc) return rc;
    for (size_t t0 = 0; t0 < n_ts; t0 += TILE) {
        size_t nb = n_ts - t0 < TILE ? n_ts - t0 : TILE;
        gather(x, n_sym, n_ts, t0, nb, w.a);
        if (f) gather(f, n_sym, n_ts, t0, nb, w.b);
        for (size_t j = 0; j < nb; j++) {
            double r = fn(&w, w.a + j * n_sym, f ? w.b + j * n_sym : NULL, w.o + j * n_sym, p);
            if (scal) scal[t0 + j] = r;
        }
        if (out) scatter(w.o, n_sym, n_ts, t0, nb, out);
    }
    ws_free(&w);
    return QC_OK;
}

/* ---- sorting and ranks ---------------------------------------------------------------------------- */

/* Runs of RUN sorted by insertion, then bottom-up merges (stable either way). */
#define RUN 16
static void merge_sort(pair *a, pair *tmp, size_t n) {
    for (size_t lo = 0; lo < n; lo += RUN) {
        size_t hi = lo + RUN < n ? lo + RUN : n;
        for (size_t i = lo + 1; i < hi; i++) {
            pair p = a[i];
            size_t j = i;
            for (; j > lo && p.v < a[j - 1].v; j--) a[j] = a[j - 1];
            a[j] = p;
        }
    }
    pair *src = a, *dst = tmp;
    for (size_t width = RUN; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n, hi = lo + 2 * width < n ? lo + 2 * width : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi) dst[k++] = src[j].v < src[i].v ? src[j++] : src[i++];
            while (i < mid) dst[k++] = src[i++];
            while (j < hi) dst[k++] = src[j++];
        }
        pair *t = src;
        src = dst, dst = t;
    }
    if (src != a) memcpy(a, src, n * sizeof *a);
}

/* Sorts the finite values of v (n entries) into w->pairs; returns their count. */
static size_t sort_finite(ws *w, const double *v, size_t n) {
    size_t m = 0;
    for (size_t s = 0; s < n; s++)
        if (!isnan(v[s])) w->pairs[m].v = v[s], w->pairs[m++].i = s;
    merge_sort(w->pairs, w->tmp, m);
    return m;
}

/* Average 1-based ranks of the m sorted pairs into r[pairs[k].i]. */
static void average_ranks(const pair *p, size_t m, double *r) {
    for (size_t k = 0; k < m;) {
        size_t e = k + 1;
        while (e < m && p[e].v == p[k].v) e++;
        double avg = 0.5 * (double)(k + 1 + e); /* mean of k+1 .. e */
        for (size_t j = k; j < e; j++) r[p[j].i] = avg;
        k = e;
    }
}

static double col_rank(ws *w, const double *a, const double *b, double *o, const params *p) {
    (void)b;
    size_t n = w->n_sym;
    for (size_t s = 0; s < n; s++) o[s] = NAN;
    size_t m = sort_finite(w, a, n);
    average_ranks(w->pairs, m, o);
    if (p->pct)
        for (size_t k = 0; k < m; k++) o[w->pairs[k].i] /= (double)m;
    return 0;
}

qc_err qc_xs_rank(const double *x, size_t n_sym, size_t n_ts, int pct, double *out, qc_error *err) {
    params p = {.pct = pct};
    return drive(x, NULL, n_sym, n_ts, out, NULL, col_rank, &p, 0, err);
}

/* ---- moments ----------------------------------------------------------------------------------------- */

/* Mean and sample SD of the finite values; returns their count. */
static size_t moments(const double *a, size_t n, double *mean, double *sd) {
    size_t m = 0;
    double sum = 0;
    for (size_t s = 0; s < n; s++)
        if (!isnan(a[s])) sum += a[s], m++;
    *mean = m ? sum / (double)m : NAN;
    double ss = 0;
    for (size_t s = 0; s < n; s++)
        if (!isnan(a[s])) ss += (a[s] - *mean) * (a[s] - *mean);
    *sd = m > 1 ? sqrt(ss / (double)(m - 1)) : NAN;
    return m;
}

static double col_zscore(ws *w, const double *a, const double *b, double *o, const params *p) {
    (void)b, (void)p;
    double mean, sd;
    size_t m = moments(a, w->n_sym, &mean, &sd);
    for (size_t s = 0; s < w->n_sym; s++)
        o[s] = isnan(a[s]) || m < 2 ? NAN : sd > 0 ? (a[s] - mean) / sd : 0.0;
    return 0;
}

qc_err qc_xs_zscore(const double *x, size_t n_sym, size_t n_ts, double *out, qc_error *err) {
    params p = {0};
    return drive(x, NULL, n_sym, n_ts, out, NULL, col_zscore, &p, 0, err);
}

static double clip(double v, double lo, double hi) { return v < lo ? lo : v > hi ? hi : v; }

static double quantile_sorted(const pair *p, size_t m, double q) {
    double pos = q * (double)(m - 1);
    size_t i = (size_t)pos;
    if (i + 1 >= m) return p[m - 1].v;
    double frac = pos - (double)i;
    return p[i].v + frac * (p[i + 1].v - p[i].v);
}

static double col_winsor_q(ws *w, const double *a, const double *b, double *o, const params *p) {
    (void)b;
    size_t m = sort_finite(w, a, w->n_sym);
    double lo = m ? quantile_sorted(w->pairs, m, p->lo) : NAN, hi = m ? quantile_sorted(w->pairs, m, p->hi) : NAN;
    for (size_t s = 0; s < w->n_sym; s++) o[s] = isnan(a[s]) ? NAN : clip(a[s], lo, hi);
    return 0;
}

qc_err qc_xs_winsorize_quantile(const double *x, size_t n_sym, size_t n_ts, double lo_q, double hi_q, double *out,
                                qc_error *err) {
    if (!(lo_q >= 0 && lo_q <= hi_q && hi_q <= 1))
        return qc_err_set(err, QC_ERR_INPUT, "winsorize: quantiles must satisfy 0 <= lo <= hi <= 1 (got %g, %g)", lo_q, hi_q);
    params p = {.lo = lo_q, .hi = hi_q};
    return drive(x, NULL, n_sym, n_ts, out, NULL, col_winsor_q, &p, 0, err);
}

static double col_winsor_z(ws *w, const double *a, const double *b, double *o, const params *p) {
    (void)b;
    double mean, sd;
    size_t m = moments(a, w->n_sym, &mean, &sd);
    for (size_t s = 0; s < w->n_sym; s++)
        o[s] = isnan(a[s]) ? NAN : m < 2 ? a[s] : clip(a[s], mean - p->k * sd, mean + p->k * sd);
    return 0;
}

qc_err qc_xs_winsorize_z(const double *x, size_t n_sym, size_t n_ts, double k, double *out, qc_error *err) {
    if (!(k > 0)) return qc_err_set(err, QC_ERR_INPUT, "winsorize: the z limit must be > 0");
    params p = {.k = k};
    return drive(x, NULL, n_sym, n_ts, out, NULL, col_winsor_z, &p, 0, err);
}

static double col_demean(ws *w, const double *a, const double *b, double *o, const params *p) {
    (void)b, (void)p;
    double mean, sd;
    moments(a, w->n_sym, &mean, &sd);
    for (size_t s = 0; s < w->n_sym; s++) o[s] = a[s] - mean;
    return 0;
}

qc_err qc_xs_demean(const double *x, size_t n_sym, size_t n_ts, double *out, qc_error *err) {
    params p = {0};
    return drive(x, NULL, n_sym, n_ts, out, NULL, col_demean, &p, 0, err);
}

static double col_group(ws *w, const double *a, const double *b, double *o, const params *p) {
    (void)b;
    memset(w->gsum, 0, 2 * (w->n_groups + 1) * sizeof(double));
    for (size_t s = 0; s < w->n_sym; s++)
        if (p->group[s] >= 0 && !isnan(a[s])) w->gsum[p->group[s]] += a[s], w->gcnt[p->group[s]] += 1;
    for (size_t s = 0; s < w->n_sym; s++)
        o[s] = p->group[s] < 0 ? NAN : a[s] - w->gsum[p->group[s]] / w->gcnt[p->group[s]];
    return 0;
}

qc_err qc_xs_neutralize_group(const double *x, size_t n_sym, size_t n_ts, const int *group, double *out,
                              qc_error *err) {
    if (!group && n_sym) return qc_err_set(err, QC_ERR_INPUT, "neutralize: no groups");
    int g_max = -1;
    for (size_t s = 0; s < n_sym; s++) g_max = group[s] > g_max ? group[s] : g_max;
    params p = {.group = group};
    return drive(x, NULL, n_sym, n_ts, out, NULL, col_group, &p, (size_t)(g_max + 1), err);
}

static double col_factor(ws *w, const double *a, const double *f, double *o, const params *p) {
    (void)p;
    size_t m = 0;
    double sx = 0, sf = 0;
    for (size_t s = 0; s < w->n_sym; s++)
        if (!isnan(a[s]) && !isnan(f[s])) sx += a[s], sf += f[s], m++;
    double mx = sx / (double)m, mf = sf / (double)m, sff = 0, sxf = 0;
    for (size_t s = 0; s < w->n_sym; s++)
        if (!isnan(a[s]) && !isnan(f[s])) sff += (f[s] - mf) * (f[s] - mf), sxf += (f[s] - mf) * (a[s] - mx);
    double beta = sff > 0 ? sxf / sff : 0.0;
    for (size_t s = 0; s < w->n_sym; s++)
        o[s] = m < 2 || isnan(a[s]) || isnan(f[s]) ? NAN : (a[s] - mx) - beta * (f[s] - mf);
    return 0;
}

qc_err qc_xs_neutralize_factor(const double *x, const double *f, size_t n_sym, size_t n_ts, double *out,
                               qc_error *err) {
    if (!f && n_sym && n_ts) return qc_err_set(err, QC_ERR_INPUT, "neutralize: no factor");
    params p = {0};
    return drive(x, f, n_sym, n_ts, out, NULL, col_factor, &p, 0, err);
}

qc_err qc_xs_forward_returns(const double *close, size_t n_sym, size_t n_ts, size_t h, double *out, qc_error *err) {
    if (h < 1) return qc_err_set(err, QC_ERR_INPUT, "forward returns: horizon must be >= 1");
    for (size_t s = 0; s < n_sym; s++) {
        const double *c = close + s * n_ts;
        double *o = out + s * n_ts;
        for (size_t t = 0; t < n_ts; t++) o[t] = t + h < n_ts ? c[t + h] / c[t] - 1.0 : NAN;
    }
    return QC_OK;
}

/* ---- information coefficient -------------------------------------------------------------------------- */

static double pearson(const double *x, const double *y, size_t m) {
    double mx = 0, my = 0;
    for (size_t k = 0; k < m; k++) mx += x[k], my += y[k];
    mx /= (double)m, my /= (double)m;
    double sxx = 0, syy = 0, sxy = 0;
    for (size_t k = 0; k < m; k++) {
        double dx = x[k] - mx, dy = y[k] - my;
        sxx += dx * dx, syy += dy * dy, sxy += dx * dy;
    }
    if (!(sxx > 0 && syy > 0)) return NAN;
    return sxy / sqrt(sxx * syy);
}

/* Average ranks of v[0..m) in place (pairs scratch). */
static void rank_in_place(ws *w, double *v, size_t m) {
    for (size_t k = 0; k < m; k++) w->pairs[k].v = v[k], w->pairs[k].i = k;
    merge_sort(w->pairs, w->tmp, m);
    average_ranks(w->pairs, m, v);
}

static double col_ic(ws *w, const double *a, const double *b, double *o, const params *p) {
    (void)o;
    size_t m = 0;
    for (size_t s = 0; s < w->n_sym; s++)
        if (isfinite(a[s]) && isfinite(b[s])) w->ra[m] = a[s], w->rb[m++] = b[s];
    if (m < 3) return NAN;
    if (p->pct) rank_in_place(w, w->ra, m), rank_in_place(w, w->rb, m);
    return pearson(w->ra, w->rb, m);
}

/* The pair counts need their own pass; cheap next to the IC itself. */
static void count_pairs(const double *a, const double *b, size_t n_sym, size_t n_ts, size_t *n_pairs) {
    for (size_t t = 0; t < n_ts; t++) n_pairs[t] = 0;
    for (size_t s = 0; s < n_sym; s++)
        for (size_t t = 0; t < n_ts; t++)
            n_pairs[t] += isfinite(a[s * n_ts + t]) && isfinite(b[s * n_ts + t]);
}

qc_err qc_xs_ic(const double *feature, const double *fwd, size_t n_sym, size_t n_ts, int rank, double *ic,
                size_t *n_pairs, qc_error *err) {
    if (!fwd && n_sym && n_ts) return qc_err_set(err, QC_ERR_INPUT, "ic: no forward returns");
    params p = {.pct = rank};
    qc_err rc = drive(feature, fwd, n_sym, n_ts, NULL, ic, col_ic, &p, 0, err);
    if (!rc && n_pairs) count_pairs(feature, fwd, n_sym, n_ts, n_pairs);
    return rc;
}

void qc_xs_ic_summary(const double *ic, size_t n_ts, qc_ic_stats *s) {
    size_t n = 0, pos = 0;
    double sum = 0;
    for (size_t t = 0; t < n_ts; t++)
        if (isfinite(ic[t])) sum += ic[t], n++, pos += ic[t] > 0;
    s->n = n;
    s->mean = n ? sum / (double)n : NAN;
    s->hit = n ? (double)pos / (double)n : NAN;
    double ss = 0;
    for (size_t t = 0; t < n_ts; t++)
        if (isfinite(ic[t])) ss += (ic[t] - s->mean) * (ic[t] - s->mean);
    s->std = n > 1 ? sqrt(ss / (double)(n - 1)) : NAN;
    s->ir = n > 1 && s->std > 0 ? s->mean / s->std : NAN;
    s->t_stat = n > 1 && s->std > 0 ? s->ir * sqrt((double)n) : NAN;
}
