/* riskbased.c: allocations from risk alone: inverse volatility (or variance) and equal risk
 * contribution. ERC solves Spinu's (2013) convex problem min 0.5 y'Sy - sum b_i ln y_i, whose
 * optimum has y_i (Sy)_i = b_i, by cyclical coordinate descent (Griveau-Billion, Richard & Roncalli
 * 2013): each coordinate is the positive root of a quadratic and (Sy) is updated in O(n), so a sweep
 * is O(n^2) and no factorisation is needed; w = y / 1'y. Weights are long-only by construction. */
#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "portfolio/portfolio.h"

qc_err qc_port_inverse_vol(const double *cov, size_t n, double power, double *w, qc_error *err) {
    if (n == 0) return qc_err_set(err, QC_ERR_INPUT, "no assets");
    double sum = 0, vmax = 0;
    for (size_t i = 0; i < n; i++) vmax = fmax(vmax, cov[i * n + i]);
    for (size_t i = 0; i < n; i++) {
        double v = cov[i * n + i];
        if (!(v > 1e-20 * vmax) || !isfinite(v)) /* as qc_port_cov_check */
            return qc_err_set(err, QC_ERR_INPUT, "inverse volatility: asset %zu has zero (or undefined) variance", i + 1);
        sum += pow(v, -0.5 * power);
    }
    for (size_t i = 0; i < n; i++) w[i] = pow(cov[i * n + i], -0.5 * power) / sum;
    return QC_OK;
}

/* The largest relative miss |y_i (Sy)_i - b_i| / b_i. */
static double erc_gap(const double *y, const double *sy, const double *b, size_t n) {
    double gap = 0;
    for (size_t i = 0; i < n; i++) gap = fmax(gap, fabs(y[i] * sy[i] - b[i]) / b[i]);
    return gap;
}

static void erc_sweep(const double *cov, size_t n, const double *b, double *y, double *sy) {
    for (size_t i = 0; i < n; i++) {
        double sii = cov[i * n + i], rest = sy[i] - sii * y[i];
        double yi = (-rest + sqrt(rest * rest + 4 * sii * b[i])) / (2 * sii), d = yi - y[i];
        for (size_t j = 0; j < n; j++) sy[j] += cov[i * n + j] * d;
        y[i] = yi;
    }
}

/* Newton on Spinu's function: gradient Sy - b/y, Hessian S + diag(b/y^2); the step is halved until
 * y stays positive and the gap shrinks. Leaves y, sy as they were if a step cannot be taken. */
static void erc_newton(const double *cov, size_t n, const double *b, double *y, double *sy) {
    double *h = malloc(n * n * sizeof *h), *d = malloc(n * sizeof *d), *yn = malloc(n * sizeof *yn),
           *sn = malloc(n * sizeof *sn);
    for (int it = 0; h && d && yn && sn && it < 30 && erc_gap(y, sy, b, n) > 1e-14; it++) {
        memcpy(h, cov, n * n * sizeof *h);
        for (size_t i = 0; i < n; i++) h[i * n + i] += b[i] / (y[i] * y[i]), d[i] = b[i] / y[i] - sy[i];
        if (LAPACKE_dposv(LAPACK_ROW_MAJOR, 'L', (int)n, 1, h, (int)n, d, 1) != 0) break;
        double t = 1, g0 = erc_gap(y, sy, b, n);
        int moved = 0;
        for (int k = 0; k < 40 && !moved; k++, t *= 0.5) {
            int pos = 1;
            for (size_t i = 0; i < n; i++) yn[i] = y[i] + t * d[i], pos &= yn[i] > 0;
            if (!pos) continue;
            cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)n, (int)n, 1.0, cov, (int)n, yn, 1, 0.0, sn, 1);
            if (erc_gap(yn, sn, b, n) < g0) moved = 1;
        }
        if (!moved) break;
        memcpy(y, yn, n * sizeof *y), memcpy(sy, sn, n * sizeof *sy);
    }
    free(h), free(d), free(yn), free(sn);
}

qc_err qc_port_erc(const double *cov, size_t n, const double *budget, double *w, qc_error *err) {
    qc_err rc = n ? qc_port_cov_check(cov, n, NULL, err) : qc_err_set(err, QC_ERR_INPUT, "no assets");
    if (rc) return rc;
    double *y = malloc(n * sizeof *y), *sy = calloc(n, sizeof *sy), *b = malloc(n * sizeof *b), bs = 0;
    if (!y || !sy || !b) {
        free(y), free(sy), free(b);
        return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        b[i] = budget ? budget[i] : 1.0;
        if (!(b[i] > 0) || !isfinite(b[i])) rc = qc_err_set(err, QC_ERR_INPUT, "risk budget %zu must be > 0", i + 1);
        bs += b[i];
    }
    for (size_t i = 0; i < n; i++) b[i] /= bs, y[i] = 1 / sqrt(cov[i * n + i] * (double)n);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) sy[i] += cov[i * n + j] * y[j];
    size_t sweep = 0;
    /* coordinate descent to 1e-4, then Newton's method (a few O(n^3) steps) to full precision */
    if (!rc && n > 1) while (sweep < 100000 && erc_gap(y, sy, b, n) > 1e-4) erc_sweep(cov, n, b, y, sy), sweep++;
    if (!rc && n > 1) erc_newton(cov, n, b, y, sy);
    for (; !rc && sweep < 100000 && erc_gap(y, sy, b, n) > 1e-13; sweep++)
        for (size_t i = 0; i < n; i++) {
            double sii = cov[i * n + i], rest = sy[i] - sii * y[i];
            double yi = (-rest + sqrt(rest * rest + 4 * sii * b[i])) / (2 * sii), d = yi - y[i];
            const double *col = cov + i * n; /* symmetric: row i is column i */
            for (size_t j = 0; j < n; j++) sy[j] += col[j] * d;
            y[i] = yi;
        }
    if (!rc && sweep == 100000) rc = qc_err_set(err, QC_ERR_INPUT, "risk parity did not converge");
    double ys = 0;
    for (size_t i = 0; i < n; i++) ys += y[i];
    for (size_t i = 0; !rc && i < n; i++) w[i] = y[i] / ys;
    free(y), free(sy), free(b);
    return rc;
}
