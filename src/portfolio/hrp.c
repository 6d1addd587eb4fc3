/* hrp.c: Hierarchical Risk Parity (Lopez de Prado, "Building diversified portfolios that outperform
 * out of sample", 2016) with conventions stated so users can reproduce it elsewhere:
 *   - distance d_ij = sqrt((1 - rho_ij) / 2), fed directly to single linkage;
 *   - single linkage as SciPy computes it: Prim's minimum spanning tree from asset 0 (ties go to
 *     the lowest index), edges stably sorted by distance, merges labelled with a union-find; the
 *     k-th merge creates cluster n + k and lists the smaller id first (SciPy and R's hclust agree);
 *   - quasi-diagonal order: the leaves of that tree, left (first) child before right;
 *   - recursive bisection: a list of m items splits into its first floor(m/2) items and the rest;
 *     each half's variance is w'S w with inverse-variance weights inside the half; the left half
 *     gets alpha = 1 - v_L / (v_L + v_R) of the parent's weight.
 * Weight bounds are honoured by clipping alpha so that each half's weight stays within the sums of
 * its members' bounds (the fix skfolio adopted for its issue #141): the result always respects them. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "portfolio/portfolio.h"

typedef struct {
    size_t a, b;
    double d;
} edge;

static int edge_cmp(const void *x, const void *y) {
    const edge *p = x, *q = y;
    return p->d < q->d ? -1 : p->d > q->d ? 1 : 0;
}

static double dist(const double *cov, size_t n, size_t i, size_t j) {
    double rho = cov[i * n + j] / sqrt(cov[i * n + i] * cov[j * n + j]);
    return sqrt(fmax(0.0, (1 - rho) / 2));
}

static size_t uf_find(size_t *parent, size_t x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
}

qc_err qc_port_single_linkage(const double *cov, size_t n, double *z, qc_error *err) {
    if (n < 2) return qc_err_set(err, QC_ERR_INPUT, "a tree needs at least 2 assets");
    edge *e = malloc((n - 1) * sizeof *e);
    double *D = malloc(n * sizeof *D);
    size_t *parent = malloc(2 * n * sizeof *parent), *size = malloc(2 * n * sizeof *size);
    unsigned char *merged = calloc(n, 1);
    if (!e || !D || !parent || !size || !merged) {
        free(e), free(D), free(parent), free(size), free(merged);
        return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++) D[i] = INFINITY;
    size_t x = 0;
    for (size_t k = 0; k + 1 < n; k++) { /* Prim, recording (last added, next) as SciPy does */
        double best = INFINITY;
        size_t y = 0;
        merged[x] = 1;
        for (size_t i = 0; i < n; i++) {
            if (merged[i]) continue;
            double d = dist(cov, n, x, i);
            if (D[i] > d) D[i] = d;
            if (D[i] < best) best = D[i], y = i;
        }
        e[k] = (edge){x, y, best};
        x = y;
    }
    {
        /* a stable merge sort by distance (qsort is not stable; SciPy uses a mergesort) */
        edge *tmp = malloc((n - 1) * sizeof *tmp);
        if (!tmp) {
            free(e), free(D), free(parent), free(size), free(merged);
            return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
        }
        size_t m = n - 1;
        for (size_t w = 1; w < m; w *= 2) {
            for (size_t lo = 0; lo < m; lo += 2 * w) {
                size_t mid = lo + w < m ? lo + w : m, hi = lo + 2 * w < m ? lo + 2 * w : m, i = lo, j = mid, o = lo;
                while (i < mid && j < hi) tmp[o++] = edge_cmp(&e[j], &e[i]) < 0 ? e[j++] : e[i++];
                while (i < mid) tmp[o++] = e[i++];
                while (j < hi) tmp[o++] = e[j++];
            }
            memcpy(e, tmp, m * sizeof *e);
        }
        free(tmp);
    }
    for (size_t i = 0; i < 2 * n; i++) parent[i] = i, size[i] = 1;
    for (size_t k = 0; k + 1 < n; k++) {
        size_t ra = uf_find(parent, e[k].a), rb = uf_find(parent, e[k].b), id = n + k;
        z[4 * k + 0] = (double)(ra < rb ? ra : rb);
        z[4 * k + 1] = (double)(ra < rb ? rb : ra);
        z[4 * k + 2] = e[k].d;
        z[4 * k + 3] = (double)(size[ra] + size[rb]);
        parent[ra] = parent[rb] = id;
        size[id] = size[ra] + size[rb];
    }
    free(e), free(D), free(parent), free(size), free(merged);
    return QC_OK;
}

/* Leaves of the tree rooted at the last merge, first child first. */
static int leaf_order(const double *z, size_t n, size_t *order) {
    size_t *stack = malloc(2 * n * sizeof *stack), sp = 0, k = 0;
    if (!stack) return 0;
    stack[sp++] = 2 * n - 2;
    while (sp) {
        size_t c = stack[--sp];
        if (c < n) {
            order[k++] = c;
            continue;
        }
        const double *row = z + 4 * (c - n);
        stack[sp++] = (size_t)row[1]; /* pushed first, visited second */
        stack[sp++] = (size_t)row[0];
    }
    free(stack);
    return 1;
}

/* Variance of the inverse-variance portfolio of items[0..m). */
static double cluster_var(const double *cov, size_t n, const size_t *items, size_t m) {
    double s = 0, v = 0;
    for (size_t a = 0; a < m; a++) s += 1 / cov[items[a] * n + items[a]];
    for (size_t a = 0; a < m; a++)
        for (size_t b = 0; b < m; b++)
            v += cov[items[a] * n + items[b]] / (cov[items[a] * n + items[a]] * cov[items[b] * n + items[b]]);
    return v / (s * s);
}

static void sum_bounds(const size_t *items, size_t m, const double *lo, const double *hi, double *slo, double *shi) {
    *slo = *shi = 0;
    for (size_t a = 0; a < m; a++) *slo += lo[items[a]], *shi += hi[items[a]];
}

/* Splits weight W of items[0..m) between its halves, recursively (depth log2 n). */
static void bisect(const double *cov, size_t n, const size_t *items, size_t m, double W, const double *lo,
                   const double *hi, double *w) {
    if (m == 1) {
        w[items[0]] = W;
        return;
    }
    size_t ml = m / 2;
    double vl = cluster_var(cov, n, items, ml), vr = cluster_var(cov, n, items + ml, m - ml);
    double alpha = 1 - vl / (vl + vr);
    if (W > 0) {
        double llo, lhi, rlo, rhi;
        sum_bounds(items, ml, lo, hi, &llo, &lhi);
        sum_bounds(items + ml, m - ml, lo, hi, &rlo, &rhi);
        double amin = fmax(llo / W, 1 - rhi / W), amax = fmin(lhi / W, 1 - rlo / W);
        alpha = fmin(fmax(alpha, amin), amax);
    }
    bisect(cov, n, items, ml, W * alpha, lo, hi, w);
    bisect(cov, n, items + ml, m - ml, W * (1 - alpha), lo, hi, w);
}

static qc_err hrp_checks(const double *cov, size_t n, const double *lower, const double *upper, qc_error *err) {
    if (n == 0) return qc_err_set(err, QC_ERR_INPUT, "no assets");
    double slo = 0, shi = 0, vmax = 0;
    for (size_t i = 0; i < n; i++) vmax = fmax(vmax, cov[i * n + i]);
    for (size_t i = 0; i < n; i++) {
        if (!(cov[i * n + i] > 1e-20 * vmax) || !isfinite(cov[i * n + i])) /* as qc_port_cov_check */
            return qc_err_set(err, QC_ERR_INPUT, "HRP: asset %zu has zero (or undefined) variance", i + 1);
        double lo = lower ? lower[i] : 0, hi = upper ? upper[i] : 1;
        if (!(lo <= hi)) return qc_err_set(err, QC_ERR_INPUT, "infeasible constraints: asset %zu has bounds [%g, %g]", i + 1, lo, hi);
        slo += lo, shi += hi;
    }
    if (slo > 1 + 1e-12 || shi < 1 - 1e-12)
        return qc_err_set(err, QC_ERR_INPUT, "infeasible constraints: the weights must sum to 1 but the bounds allow "
                          "only [%g, %g]", slo, shi);
    return QC_OK;
}

qc_err qc_port_hrp(const double *cov, size_t n, const double *lower, const double *upper, double *w,
                   size_t *order, qc_error *err) {
    qc_err rc = hrp_checks(cov, n, lower, upper, err);
    if (rc) return rc;
    double *z = malloc((n > 1 ? n - 1 : 1) * 4 * sizeof *z), *lo = malloc(n * sizeof *lo), *hi = malloc(n * sizeof *hi);
    size_t *items = malloc(n * sizeof *items);
    if (!z || !lo || !hi || !items) rc = qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    for (size_t i = 0; !rc && i < n; i++) lo[i] = lower ? lower[i] : 0, hi[i] = upper ? upper[i] : 1;
    if (!rc && n == 1) items[0] = 0;
    else if (!rc) rc = qc_port_single_linkage(cov, n, z, err);
    if (!rc && n > 1 && !leaf_order(z, n, items)) rc = qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    if (!rc) {
        bisect(cov, n, items, n, 1.0, lo, hi, w);
        if (order) memcpy(order, items, n * sizeof *order);
    }
    free(z), free(lo), free(hi), free(items);
    return rc;
}
