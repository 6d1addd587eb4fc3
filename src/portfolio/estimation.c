/* estimation.c: expected returns and covariance estimators for the portfolio module.
 * Sample covariance with ddof = 1 (a centred copy and one BLAS dsyrk); EWMA around the sample mean
 * with weights lambda^(T-1-t) normalised to sum 1 (pandas ewm(adjust=True).cov's last value without
 * the bias correction, PyPortfolioOpt's exp_cov); Ledoit-Wolf shrinkage of the ddof = 0 covariance
 * towards constant correlation (Ledoit & Wolf 2004, "Honey, I shrunk the sample covariance matrix")
 * or a scaled identity (Ledoit & Wolf 2004, "A well-conditioned estimator...", as sklearn), with the
 * intensity returned; positive-definiteness check and spectral repair (LAPACK dsyevd). */
#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/strutil.h"
#include "portfolio/internal.h"
#include "portfolio/portfolio.h"

static const struct {
    const char *name;
    qc_port_cov_kind kind;
} k_cov_names[] = {{"sample", QC_PORT_COV_SAMPLE},
                   {"ewma", QC_PORT_COV_EWMA},
                   {"ledoit_wolf", QC_PORT_COV_LW_CC},
                   {"ledoit_wolf_cc", QC_PORT_COV_LW_CC},
                   {"ledoit_wolf_id", QC_PORT_COV_LW_ID}};

qc_err qc_port_cov_kind_parse(const char *s, qc_port_cov_kind *out, qc_error *err) {
    for (size_t i = 0; i < sizeof k_cov_names / sizeof k_cov_names[0]; i++)
        if (s && strcmp(s, k_cov_names[i].name) == 0) return *out = k_cov_names[i].kind, QC_OK;
    return qc_err_set(err, QC_ERR_INPUT, "unknown covariance estimator '%.40s' (sample, ewma, ledoit_wolf, "
                      "ledoit_wolf_cc, ledoit_wolf_id)", s ? s : "");
}

const char *qc_port_cov_kind_name(qc_port_cov_kind k) {
    for (size_t i = 0; i < sizeof k_cov_names / sizeof k_cov_names[0]; i++)
        if (k_cov_names[i].kind == k) return k == QC_PORT_COV_LW_CC ? "ledoit_wolf_cc" : k_cov_names[i].name;
    return "?";
}

void qc_port_mean(const double *r, size_t t, size_t n, double *mu) {
    memset(mu, 0, n * sizeof(double));
    for (size_t s = 0; s < t; s++)
        for (size_t i = 0; i < n; i++) mu[i] += r[s * n + i];
    for (size_t i = 0; i < n; i++) mu[i] /= (double)t;
}

/* X = r - mean, scaled row-wise by sqrt(weight) when w is given. */
static double *centred(const double *r, size_t t, size_t n, const double *w) {
    double *x = malloc(t * n * sizeof *x), *mu = malloc(n * sizeof *mu);
    if (!x || !mu) {
        free(x), free(mu);
        return NULL;
    }
    qc_port_mean(r, t, n, mu);
    for (size_t s = 0; s < t; s++) {
        double sw = w ? sqrt(w[s]) : 1.0;
        for (size_t i = 0; i < n; i++) x[s * n + i] = (r[s * n + i] - mu[i]) * sw;
    }
    free(mu);
    return x;
}

/* cov = alpha X'X, both triangles. */
static void gram(const double *x, size_t t, size_t n, double alpha, double *cov) {
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)n, (int)t, alpha, x, (int)n, 0.0, cov, (int)n);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < i; j++) cov[i * n + j] = cov[j * n + i];
}

/* Ledoit-Wolf towards constant correlation: pi (sum of asymptotic variances of S), rho (the part
 * explained by the target), gamma (misspecification); intensity = max(0, min(1, (pi-rho)/gamma/T)). */
static double lw_constant_correlation(const double *x, size_t t, size_t n, double *S) {
    double *sd = malloc(n * sizeof *sd), *y2 = malloc(t * n * sizeof *y2), *pimat = malloc(n * n * sizeof *pimat);
    double *th_ii = malloc(n * n * sizeof *th_ii);
    if (!sd || !y2 || !pimat || !th_ii) {
        free(sd), free(y2), free(pimat), free(th_ii);
        return NAN;
    }
    for (size_t i = 0; i < n; i++) sd[i] = sqrt(S[i * n + i]);
    double rbar = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            if (i != j) rbar += S[i * n + j] / (sd[i] * sd[j]);
    rbar /= (double)n * (double)(n - 1);
    for (size_t k = 0; k < t * n; k++) y2[k] = x[k] * x[k];
    /* pimat_ij = mean((x_i x_j - s_ij)^2) = mean(x_i^2 x_j^2) - s_ij^2 */
    gram(y2, t, n, 1.0 / (double)t, pimat);
    double pi = 0;
    for (size_t k = 0; k < n * n; k++) pi += pimat[k] - S[k] * S[k];
    /* theta_ii,ij = mean((x_i^2 - s_ii)(x_i x_j - s_ij)) = mean(x_i^3 x_j) - s_ii s_ij */
    for (size_t k = 0; k < t * n; k++) y2[k] *= x[k]; /* y2 = x^3 */
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)n, (int)n, (int)t, 1.0 / (double)t, y2, (int)n, x,
                (int)n, 0.0, th_ii, (int)n);
    double rho_diag = 0, rho_off = 0;
    for (size_t i = 0; i < n; i++) rho_diag += pimat[i * n + i] - S[i * n + i] * S[i * n + i];
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            if (i == j) continue;
            double tii = th_ii[i * n + j] - S[i * n + i] * S[i * n + j];
            double tjj = th_ii[j * n + i] - S[j * n + j] * S[i * n + j];
            rho_off += sd[j] / sd[i] * tii + sd[i] / sd[j] * tjj;
        }
    double rho = rho_diag + rbar / 2 * rho_off, gamma = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            double f = i == j ? S[i * n + i] : rbar * sd[i] * sd[j], d = f - S[i * n + j];
            gamma += d * d;
        }
    double kappa = gamma > 0 ? (pi - rho) / gamma : 0, delta = fmax(0.0, fmin(1.0, kappa / (double)t));
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            double f = i == j ? S[i * n + i] : rbar * sd[i] * sd[j];
            S[i * n + j] = delta * f + (1 - delta) * S[i * n + j];
        }
    free(sd), free(y2), free(pimat), free(th_ii);
    return delta;
}

/* Ledoit-Wolf towards mu I, mu = trace(S)/n: delta = min(1, b2/d2), d2 = ||S - mu I||^2,
 * b2 = sum_t ||x_t x_t' - S||^2 / T^2 (sklearn's ledoit_wolf_shrinkage without blocks). */
static double lw_identity(const double *x, size_t t, size_t n, double *S) {
    double *y2 = malloc(t * n * sizeof *y2), *p = malloc(n * n * sizeof *p);
    if (!y2 || !p) {
        free(y2), free(p);
        return NAN;
    }
    double mu = 0;
    for (size_t i = 0; i < n; i++) mu += S[i * n + i];
    mu /= (double)n;
    for (size_t k = 0; k < t * n; k++) y2[k] = x[k] * x[k];
    gram(y2, t, n, 1.0 / (double)t, p); /* mean(x_i^2 x_j^2) */
    double beta = 0, delta2 = 0, ss = 0;
    for (size_t k = 0; k < n * n; k++) beta += p[k], ss += S[k] * S[k];
    beta = (beta - ss) / (double)t; /* (1/T^2) sum_t ||x x' - S||^2 = (mean ||xx'||^2 - ||S||^2) / T */
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            double d = S[i * n + j] - (i == j ? mu : 0);
            delta2 += d * d;
        }
    double shrink = delta2 > 0 ? fmin(beta, delta2) / delta2 : 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) S[i * n + j] = (1 - shrink) * S[i * n + j] + (i == j ? shrink * mu : 0);
    free(y2), free(p);
    return shrink;
}

static qc_err cov_ewma_weights(size_t t, double lambda, double **w, qc_error *err) {
    if (!(lambda > 0 && lambda < 1))
        return qc_err_set(err, QC_ERR_INPUT, "EWMA decay lambda must be in (0, 1), got %g", lambda);
    *w = malloc(t * sizeof **w);
    if (!*w) return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    double sum = 0, v = 1;
    for (size_t s = t; s-- > 0; v *= lambda) (*w)[s] = v, sum += v;
    for (size_t s = 0; s < t; s++) (*w)[s] /= sum;
    return QC_OK;
}

qc_err qc_port_cov(const double *r, size_t t, size_t n, qc_port_cov_kind kind, double lambda, double *cov,
                   double *shrinkage, qc_error *err) {
    int lw = kind == QC_PORT_COV_LW_CC || kind == QC_PORT_COV_LW_ID;
    if (shrinkage) *shrinkage = 0;
    if (n == 0) return qc_err_set(err, QC_ERR_INPUT, "no assets");
    if (t < 2) return qc_err_set(err, QC_ERR_INPUT, "need at least 2 observations, got %zu", t);
    if (!lw && t <= n)
        return qc_err_set(err, QC_ERR_INPUT, "%zu observations for %zu assets: fewer observations than assets "
                          "make the %s covariance singular (use more rows or --cov ledoit_wolf)", t, n,
                          kind == QC_PORT_COV_EWMA ? "EWMA" : "sample");
    for (size_t k = 0; k < t * n; k++)
        if (!isfinite(r[k]))
            return qc_err_set(err, QC_ERR_INPUT, "return at row %zu, asset %zu is not finite", k / n + 1, k % n + 1);
    double *w = NULL;
    qc_err rc = kind == QC_PORT_COV_EWMA ? cov_ewma_weights(t, lambda, &w, err) : QC_OK;
    if (rc) return rc;
    double *x = centred(r, t, n, w);
    free(w);
    if (!x) return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    double scale = kind == QC_PORT_COV_SAMPLE ? 1.0 / (double)(t - 1) : kind == QC_PORT_COV_EWMA ? 1.0 : 1.0 / (double)t;
    gram(x, t, n, scale, cov);
    double d = 0;
    if (kind == QC_PORT_COV_LW_CC) d = n > 1 ? lw_constant_correlation(x, t, n, cov) : 0;
    else if (kind == QC_PORT_COV_LW_ID) d = lw_identity(x, t, n, cov);
    free(x);
    if (isnan(d)) return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    if (shrinkage) *shrinkage = d;
    return QC_OK;
}

qc_err qc_port_min_eigen(const double *cov, size_t n, double *min_eig, qc_error *err) {
    double *a = malloc(n * n * sizeof *a), *ev = malloc(n * sizeof *ev);
    if (!a || !ev) {
        free(a), free(ev);
        return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    }
    memcpy(a, cov, n * n * sizeof *a);
    int info = LAPACKE_dsyevd(LAPACK_ROW_MAJOR, 'N', 'U', (int)n, a, (int)n, ev);
    if (!info) *min_eig = ev[0];
    free(a), free(ev);
    return info ? qc_err_set(err, QC_ERR_INPUT, "eigenvalues of the covariance did not converge") : QC_OK;
}

static const char *name_of(const char *const *names, size_t i, char *buf, size_t n) {
    if (names) return names[i];
    snprintf(buf, n, "#%zu", i + 1);
    return buf;
}

qc_err qc_port_cov_check(const double *cov, size_t n, const char *const *names, qc_error *err) {
    char b1[24], b2[24];
    double vmax = 0;
    for (size_t i = 0; i < n; i++) vmax = fmax(vmax, cov[i * n + i]);
    for (size_t i = 0; i < n; i++) {
        double v = cov[i * n + i];
        if (!isfinite(v) || !(v > 1e-20 * vmax)) /* a constant column's variance is rounding noise */
            return qc_err_set(err, QC_ERR_INPUT, "singular covariance: asset '%s' has zero (or undefined) variance",
                              name_of(names, i, b1, sizeof b1));
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < i; j++) {
            double c = cov[i * n + j] / sqrt(cov[i * n + i] * cov[j * n + j]);
            if (fabs(c) > 1 - 1e-12)
                return qc_err_set(err, QC_ERR_INPUT, "singular covariance: assets '%s' and '%s' are perfectly "
                                  "correlated (%+.0f)", name_of(names, j, b1, sizeof b1), name_of(names, i, b2, sizeof b2), c);
        }
    double *a = malloc(n * n * sizeof *a);
    if (!a) return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    memcpy(a, cov, n * n * sizeof *a);
    int info = LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'L', (int)n, a, (int)n);
    double dmin = INFINITY, dmax = 0;
    for (size_t i = 0; !info && i < n; i++) dmin = fmin(dmin, a[i * n + i]), dmax = fmax(dmax, a[i * n + i]);
    free(a);
    /* a Cholesky pivot below 1e-7 of the largest: condition number above ~1e14, numerically singular */
    if (info || !(dmin > 1e-7 * dmax))
        return qc_err_set(err, QC_ERR_INPUT, "singular covariance: the matrix is not positive definite (some "
                          "assets are linear combinations of others; try --cov ledoit_wolf)");
    return QC_OK;
}

qc_err qc_port_cov_repair(double *cov, size_t n, double floor, int *changed, qc_error *err) {
    double *a = malloc(n * n * sizeof *a), *ev = malloc(n * sizeof *ev), *b = malloc(n * n * sizeof *b);
    *changed = 0;
    if (!a || !ev || !b) {
        free(a), free(ev), free(b);
        return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) a[i * n + j] = 0.5 * (cov[i * n + j] + cov[j * n + i]);
    int info = LAPACKE_dsyevd(LAPACK_ROW_MAJOR, 'V', 'U', (int)n, a, (int)n, ev);
    if (info) {
        free(a), free(ev), free(b);
        return qc_err_set(err, QC_ERR_INPUT, "eigenvalues of the covariance did not converge");
    }
    double lo = fmax(floor, 1e-15) * fmax(ev[n - 1], 1e-300);
    for (size_t k = 0; k < n; k++)
        if (ev[k] < lo) ev[k] = lo, *changed = 1;
    if (*changed) { /* cov = V diag(ev) V' : columns of a are eigenvectors */
        for (size_t i = 0; i < n; i++)
            for (size_t k = 0; k < n; k++) b[i * n + k] = a[i * n + k] * ev[k];
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)n, (int)n, 1.0, b, (int)n, a, (int)n, 0.0,
                    cov, (int)n);
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < i; j++) cov[i * n + j] = cov[j * n + i] = 0.5 * (cov[i * n + j] + cov[j * n + i]);
    }
    free(a), free(ev), free(b);
    return QC_OK;
}
