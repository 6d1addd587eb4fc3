/* coint.c: ADF, MacKinnon p-values, Engle-Granger, half-life, OU fit and the Kalman hedge ratio
 * (see coint.h). Regressions use Householder QR: one factorisation of the widest ADF design gives
 * the residual sum of squares of every nested lag model (the tail of Q'y), which is what AIC lag
 * selection on a common sample needs; the t statistic of the level, placed last, is
 * (Q'y)_k / s up to the sign of R_kk. */
#include "features/coint.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* MacKinnon (1994), Table 3 as published (the columns scaled by 1, 1, 1e-2 below tau*, and by
 * 1, 1e-1, 1e-1, 1e-2 above it): p = Phi(g0 + g1 t + g2 t^2 [+ g3 t^3]); rows N = 1..6. */
static const double k_small[2][6][3] = {
    {/* no constant */
     {0.6344, 1.2378, 3.2496}, {1.9129, 1.3857, 3.5322}, {2.7648, 1.4502, 3.4186},
     {3.4336, 1.4835, 3.19}, {4.0999, 1.5533, 3.59}, {4.5388, 1.5344, 2.9807}},
    {/* constant */
     {2.1659, 1.4412, 3.8269}, {2.92, 1.5012, 3.9796}, {3.4699, 1.4856, 3.164},
     {3.9673, 1.4777, 2.6315}, {4.5509, 1.5338, 2.9545}, {5.1399, 1.6036, 3.4445}}};
static const double k_large[2][6][4] = {
    {{0.4797, 9.3557, -0.6999, 3.3066}, {1.5578, 8.558, -2.083, -3.3549}, {2.2268, 6.8093, -3.2362, -5.4448},
     {2.7654, 6.4502, -3.0811, -4.4946}, {3.2684, 6.8051, -2.6778, -3.4972}, {3.7268, 7.167, -2.3648, -2.8288}},
    {{1.7339, 9.3202, -1.2745, -1.0368}, {2.1945, 6.4695, -2.9198, -4.2377}, {2.5893, 4.5168, -3.6529, -5.0074},
     {3.0387, 4.5452, -3.3666, -4.1921}, {3.5049, 5.2098, -2.9158, -3.3468}, {3.9489, 5.8933, -2.5359, -2.721}}};
/* the cut-off tau* between the two polynomials, and the range outside which p is 0 or 1 */
static const double k_star[2][6] = {{-1.04, -1.53, -2.68, -3.09, -3.07, -3.77},
                                    {-1.61, -2.62, -3.13, -3.47, -3.78, -3.93}};
static const double k_min[2][6] = {{-19.04, -19.62, -21.21, -23.25, -21.63, -25.74},
                                   {-18.83, -18.86, -23.48, -28.07, -25.96, -23.27}};
static const double k_max[2][6] = {{INFINITY, 1.51, 0.86, 0.88, 1.05, 1.24}, {2.74, 0.92, 0.55, 0.61, 0.79, 1}};

double qc_mackinnon_p(double t, qc_adf_trend trend, int n_series) {
    if (isnan(t) || n_series < 1 || n_series > 6) return NAN;
    int r = trend == QC_ADF_CONST, k = n_series - 1;
    if (t > k_max[r][k]) return 1.0;
    if (t < k_min[r][k]) return 0.0;
    double z;
    if (t <= k_star[r][k]) {
        const double *g = k_small[r][k];
        z = g[0] + g[1] * t + g[2] * 1e-2 * t * t;
    } else {
        const double *g = k_large[r][k];
        z = g[0] + g[1] * 1e-1 * t + g[2] * 1e-1 * t * t + g[3] * 1e-2 * t * t * t;
    }
    return 0.5 * erfc(-z / sqrt(2.0));
}

void qc_adf_opts_init(qc_adf_opts *o) {
    o->trend = QC_ADF_CONST;
    o->maxlag = -1;
    o->autolag = 1;
}

void qc_coint_work_free(qc_coint_work *w) {
    free(w->buf);
    w->buf = NULL;
    w->cap = 0;
}

static double *work_get(qc_coint_work *w, size_t n) {
    if (n <= w->cap) return w->buf;
    double *b = realloc(w->buf, n * sizeof *b);
    if (!b) return NULL;
    w->buf = b;
    w->cap = n;
    return b;
}

double qc_coint_dot(const double *a, const double *b, size_t n) {
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        s0 += a[i] * b[i];
        s1 += a[i + 1] * b[i + 1];
        s2 += a[i + 2] * b[i + 2];
        s3 += a[i + 3] * b[i + 3];
    }
    for (; i < n; i++) s0 += a[i] * b[i];
    return (s0 + s1) + (s2 + s3);
}

/* Householder QR of A (n x k, column-major, overwritten) applied to y (overwritten by Q'y);
 * rdiag[j] = R_jj. Returns 0 if a column is (numerically) dependent on the ones before it. */
static int qr_apply(double *A, size_t n, size_t k, double *y, double *rdiag) {
    for (size_t j = 0; j < k; j++) {
        double *a = A + j * n, head = 0, norm2 = 0;
        /* reflections keep a column's norm: a remaining norm tiny against the whole means the column
         * is (numerically) a combination of the earlier ones. No rescaling: regression inputs here
         * (log prices, their differences, residuals) are far from overflow; a non-finite sum fails. */
        head = qc_coint_dot(a, a, j);
        norm2 = qc_coint_dot(a + j, a + j, n - j);
        if (!isfinite(head + norm2) || !(norm2 > 1e-24 * (head + norm2))) return 0;
        double norm = sqrt(norm2);
        double alpha = a[j] > 0 ? -norm : norm; /* R_jj */
        double v0 = a[j] - alpha, vnorm2 = norm2 - a[j] * a[j] + v0 * v0;
        a[j] = v0;
        for (size_t c = j + 1; c <= k; c++) { /* reflect the later columns and, as column k, y */
            double *b = c < k ? A + c * n : y;
            double f = 2.0 * qc_coint_dot(a + j, b + j, n - j) / vnorm2;
            for (size_t i = j; i < n; i++) b[i] -= f * a[i];
        }
        rdiag[j] = alpha;
    }
    return 1;
}

static size_t default_maxlag(size_t n, int terms) {
    size_t ml = (size_t)ceil(12.0 * pow((double)n / 100.0, 0.25));
    long cap = (long)(n / 2) - terms - 1;
    if (cap < 0) return (size_t)-1;
    return ml < (size_t)cap ? ml : (size_t)cap;
}

/* Fills the design for d[t] = [const] + gamma x[t] + sum_l c_l d[t-l], t = p..n-2, with columns in
 * the order given by level_last: 0 -> [const, level, lags 1..p] (statsmodels' autolag order),
 * 1 -> [lags, const, level]. Returns the rows. */
static size_t adf_design(const double *x, size_t n, size_t p, int cnst, int level_last, double *A, double *y) {
    size_t rows = n - 1 - p;
    for (size_t r = 0; r < rows; r++) {
        size_t t = p + r;
        y[r] = x[t + 1] - x[t];
        size_t col = 0;
        if (!level_last) {
            if (cnst) A[(col++) * rows + r] = 1.0;
            A[(col++) * rows + r] = x[t];
        }
        for (size_t l = 1; l <= p; l++) A[(col++) * rows + r] = x[t + 1 - l] - x[t - l];
        if (level_last) {
            if (cnst) A[(col++) * rows + r] = 1.0;
            A[(col++) * rows + r] = x[t];
        }
    }
    return rows;
}

static double aic_of(double ssr, size_t nobs, size_t k) {
    double nn = (double)nobs;
    return nn * (log(2.0 * 3.14159265358979323846) + log(ssr / nn) + 1.0) + 2.0 * (double)k;
}

/* The lag (0..maxlag) with the lowest AIC, all models fitted on the rows of the maxlag design. */
static int select_lag(const double *x, size_t n, size_t maxlag, int cnst, double *buf, size_t *best, double *aic) {
    size_t rows = n - 1 - maxlag, k = maxlag + 1 + (size_t)cnst;
    double *A = buf, *y = A + rows * k, *rd = y + rows, *ssr = rd + k;
    adf_design(x, n, maxlag, cnst, 0, A, y);
    if (!qr_apply(A, rows, k, y, rd)) return 0;
    double tail = 0; /* sum of (Q'y)_i^2 for i >= k: the full model's SSR */
    for (size_t i = k; i < rows; i++) tail += y[i] * y[i];
    ssr[k] = tail;
    for (size_t j = k; j-- > 0;) ssr[j] = ssr[j + 1] + y[j] * y[j];
    size_t first = (size_t)cnst + 1; /* smallest model: [const,] level */
    *aic = INFINITY;
    for (size_t j = first; j <= k; j++) {
        double a = aic_of(ssr[j], rows, j);
        if (a < *aic) {
            *aic = a;
            *best = j - first;
        }
    }
    return 1;
}

qc_err qc_adf(const double *x, size_t n, const qc_adf_opts *o, qc_adf_result *r, qc_coint_work *w, qc_error *err) {
    qc_adf_opts def;
    if (!o) {
        qc_adf_opts_init(&def);
        o = &def;
    }
    int cnst = o->trend == QC_ADF_CONST;
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i])) return qc_err_set(err, QC_ERR_INPUT, "adf: value %zu is not finite", i);
    size_t maxlag = o->maxlag < 0 ? default_maxlag(n, cnst) : (size_t)o->maxlag;
    if (maxlag == (size_t)-1 || n < 4 || maxlag > n / 2 - (size_t)cnst - 1 || n / 2 < (size_t)cnst + 1)
        return qc_err_set(err, QC_ERR_INPUT, "adf: %zu observations are too few for %ld lags", n, o->maxlag);
    size_t rows = n - 1, kmax = maxlag + 1 + (size_t)cnst;
    qc_coint_work own = {0};
    double *buf = work_get(w ? w : &own, rows * (kmax + 1) + 3 * (kmax + 2));
    if (!buf) return qc_err_set(err, QC_ERR_NOMEM, "adf: out of memory");
    size_t lag = maxlag;
    r->aic = NAN;
    qc_err rc = QC_OK;
    if (o->autolag && !select_lag(x, n, maxlag, cnst, buf, &lag, &r->aic))
        rc = qc_err_set(err, QC_ERR_INPUT, "adf: the series is constant or its regression is singular");
    size_t k = lag + 1 + (size_t)cnst;
    if (!rc) {
        rows = n - 1 - lag;
        double *A = buf, *y = A + rows * k, *rd = y + rows;
        adf_design(x, n, lag, cnst, 1, A, y);
        if (rows <= k || !qr_apply(A, rows, k, y, rd)) {
            rc = qc_err_set(err, QC_ERR_INPUT, "adf: the series is constant or its regression is singular");
        } else {
            double ssr = 0;
            for (size_t i = k; i < rows; i++) ssr += y[i] * y[i];
            double s = sqrt(ssr / (double)(rows - k));
            r->stat = (rd[k - 1] > 0 ? 1.0 : -1.0) * y[k - 1] / s;
            r->lags = lag;
            r->nobs = rows;
            r->pvalue = qc_mackinnon_p(r->stat, o->trend, 1);
        }
    }
    qc_coint_work_free(&own);
    return rc;
}

/* OLS of y on (1, x): slope, intercept, R^2 (centred sums, two passes). 0 if x is constant. */
static int ols2(const double *y, const double *x, size_t n, double *beta, double *alpha, double *r2) {
    double mx = 0, my = 0;
    for (size_t i = 0; i < n; i++) {
        mx += x[i];
        my += y[i];
    }
    mx /= (double)n;
    my /= (double)n;
    double sxx = 0, sxy = 0, syy = 0;
    for (size_t i = 0; i < n; i++) {
        double dx = x[i] - mx, dy = y[i] - my;
        sxx += dx * dx;
        sxy += dx * dy;
        syy += dy * dy;
    }
    if (!(sxx > 0)) return 0;
    *beta = sxy / sxx;
    *alpha = my - *beta * mx;
    *r2 = syy > 0 ? sxy * sxy / (sxx * syy) : 1.0;
    return 1;
}

double qc_corr(const double *a, const double *b, size_t n) {
    if (n < 2) return NAN;
    double ma = 0, mb = 0, saa = 0, sbb = 0, sab = 0;
    for (size_t i = 0; i < n; i++) {
        ma += a[i];
        mb += b[i];
    }
    ma /= (double)n;
    mb /= (double)n;
    for (size_t i = 0; i < n; i++) {
        saa += (a[i] - ma) * (a[i] - ma);
        sbb += (b[i] - mb) * (b[i] - mb);
        sab += (a[i] - ma) * (b[i] - mb);
    }
    return saa > 0 && sbb > 0 ? sab / sqrt(saa * sbb) : NAN;
}

double qc_half_life(const double *s, size_t n) {
    if (n < 3) return NAN;
    double mx = 0, my = 0;
    for (size_t t = 1; t < n; t++) {
        mx += s[t - 1];
        my += s[t] - s[t - 1];
    }
    mx /= (double)(n - 1);
    my /= (double)(n - 1);
    double sxx = 0, sxy = 0;
    for (size_t t = 1; t < n; t++) {
        double dx = s[t - 1] - mx;
        sxx += dx * dx;
        sxy += dx * (s[t] - s[t - 1] - my);
    }
    if (!(sxx > 0)) return NAN;
    double b = sxy / sxx;
    return b < 0 && b > -1 ? -log(2.0) / log1p(b) : INFINITY;
}

qc_err qc_coint_eg(const double *y, const double *x, size_t n, qc_eg_result *r, qc_coint_work *w, qc_error *err) {
    for (size_t i = 0; i < n; i++)
        if (!isfinite(y[i]) || !isfinite(x[i])) return qc_err_set(err, QC_ERR_INPUT, "coint: value %zu is not finite", i);
    if (n < 8) return qc_err_set(err, QC_ERR_INPUT, "coint: %zu observations are too few", n);
    if (!ols2(y, x, n, &r->beta, &r->alpha, &r->r2))
        return qc_err_set(err, QC_ERR_INPUT, "coint: the regressor is constant");
    if (r->r2 >= 1 - 100 * 1.4901161193847656e-08) /* statsmodels' collinearity guard */
        return qc_err_set(err, QC_ERR_INPUT, "coint: the series are (almost) perfectly collinear");
    qc_coint_work own = {0};
    qc_coint_work *ww = w ? w : &own;
    double *e = malloc(n * sizeof *e);
    if (!e) return qc_err_set(err, QC_ERR_NOMEM, "coint: out of memory");
    for (size_t i = 0; i < n; i++) e[i] = y[i] - (r->alpha + r->beta * x[i]);
    qc_adf_opts o = {.trend = QC_ADF_NONE, .maxlag = -1, .autolag = 1};
    qc_adf_result a;
    qc_err rc = qc_adf(e, n, &o, &a, ww, err);
    if (!rc) {
        r->adf = a.stat;
        r->lags = a.lags;
        r->pvalue = qc_mackinnon_p(a.stat, QC_ADF_CONST, 2);
        r->half_life = qc_half_life(e, n);
        r->nobs = n;
    }
    free(e);
    qc_coint_work_free(&own);
    return rc;
}

void qc_ou_fit_ar1(const double *x, size_t n, double dt, qc_ou_fit *f) {
    memset(f, 0, sizeof *f);
    if (n < 4 || !(dt > 0)) return;
    double mx = 0, my = 0;
    for (size_t t = 1; t < n; t++) {
        mx += x[t - 1];
        my += x[t];
    }
    mx /= (double)(n - 1);
    my /= (double)(n - 1);
    double sxx = 0, sxy = 0;
    for (size_t t = 1; t < n; t++) {
        sxx += (x[t - 1] - mx) * (x[t - 1] - mx);
        sxy += (x[t - 1] - mx) * (x[t] - my);
    }
    if (!(sxx > 0)) return;
    f->phi = sxy / sxx;
    f->a = my - f->phi * mx;
    double ssr = 0;
    for (size_t t = 1; t < n; t++) {
        double e = x[t] - f->a - f->phi * x[t - 1];
        ssr += e * e;
    }
    f->resid_sd = sqrt(ssr / (double)(n - 3));
    if (!(f->phi > 0 && f->phi < 1)) return;
    f->theta = -log(f->phi) / dt;
    f->mu = f->a / (1 - f->phi);
    f->sigma_eq = f->resid_sd / sqrt(1 - f->phi * f->phi);
    f->sigma = f->resid_sd * sqrt(2 * f->theta / (1 - f->phi * f->phi));
    f->half_life = log(2.0) / f->theta;
    f->valid = 1;
}

void qc_kalman_hedge_init(qc_kalman_hedge *k, double delta, double ve) {
    memset(k, 0, sizeof *k);
    k->delta = delta;
    k->ve = ve;
}

void qc_kalman_hedge_update(qc_kalman_hedge *k, double x, double y) {
    double wv = k->delta / (1 - k->delta);
    /* predict: R = P + W */
    double r00 = k->p00 + wv, r01 = k->p01, r11 = k->p11 + wv;
    double yhat = k->beta * x + k->alpha;
    /* H = [x, 1]; R H' */
    double rh0 = r00 * x + r01, rh1 = r01 * x + r11;
    double q = x * rh0 + rh1 + k->ve;
    double e = y - yhat;
    double g0 = rh0 / q, g1 = rh1 / q;
    k->beta += g0 * e;
    k->alpha += g1 * e;
    /* P = R - K H R = R - g (R H')' */
    k->p00 = r00 - g0 * rh0;
    k->p01 = r01 - g0 * rh1;
    k->p11 = r11 - g1 * rh1;
    k->e = e;
    k->q = q;
    k->n++;
}
