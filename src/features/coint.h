/* coint.h: unit-root and cointegration statistics for pairs trading and mean reversion: the
 * augmented Dickey-Fuller test with lag selection by AIC (the rules of statsmodels' adfuller, so the
 * numbers agree with it), MacKinnon's approximate p-values, the Engle-Granger two-step test (OLS
 * hedge ratio, ADF on its residuals without deterministic terms, p-value from MacKinnon's
 * cointegration surfaces for 2 series), the half-life of mean reversion from an AR(1) fit, an
 * Ornstein-Uhlenbeck fit, and a Kalman filter for a time-varying hedge ratio.
 * References: Said & Dickey (1984); MacKinnon (1994) "Approximate asymptotic distribution functions
 * for unit-root and cointegration tests", JBES 12(2) (the p-value surfaces statsmodels also uses);
 * Engle & Granger (1987). docs/STRATEGIES.md states every rule. */
#ifndef QC_FEATURES_COINT_H
#define QC_FEATURES_COINT_H

#include <stddef.h>

#include "core/error.h"

/* Deterministic terms in the ADF regression: none ("n") or a constant ("c"). */
typedef enum { QC_ADF_NONE = 0, QC_ADF_CONST = 1 } qc_adf_trend;

typedef struct {
    qc_adf_trend trend; /* default QC_ADF_CONST */
    long maxlag;        /* < 0: ceil(12 (n/100)^(1/4)), capped at n/2 - 1 - (terms) (statsmodels' default) */
    int autolag;        /* 1 (default): the lag 0..maxlag with the lowest AIC on a common sample; 0: maxlag */
} qc_adf_opts;

void qc_adf_opts_init(qc_adf_opts *o);

typedef struct {
    double stat;    /* t statistic of the lagged level */
    double pvalue;  /* MacKinnon (1994), one series */
    size_t lags;    /* lagged differences used */
    size_t nobs;    /* observations in the final regression */
    double aic;     /* of the chosen lag on the common sample (NaN without autolag) */
} qc_adf_result;

/* Reusable scratch (grown on demand, so repeated tests allocate only when a series is longer). */
typedef struct {
    double *buf;
    size_t cap;
} qc_coint_work;
void qc_coint_work_free(qc_coint_work *w);

/* ADF test of x[0..n). QC_ERR_INPUT for a series too short for the lags asked (or for any
 * regression), a non-finite value, or a constant series. w may be NULL (allocates per call). */
qc_err qc_adf(const double *x, size_t n, const qc_adf_opts *o, qc_adf_result *r, qc_coint_work *w, qc_error *err);

/* MacKinnon's (1994) approximate p-value of an ADF / Engle-Granger t statistic with n_series
 * integrated series (1 for ADF, 2 for a pair), n_series in 1..6: Phi of a polynomial in the
 * statistic (cubic above the cut-off tau*, quadratic below), 0 or 1 outside the fitted range. */
double qc_mackinnon_p(double stat, qc_adf_trend trend, int n_series);

typedef struct {
    double beta, alpha;  /* y = alpha + beta x + e (OLS) */
    double r2;
    double adf;          /* ADF statistic of e (no constant, AIC lags) */
    double pvalue;       /* MacKinnon, constant, 2 series */
    size_t lags;
    double half_life;    /* of e, bars (qc_half_life) */
    size_t nobs;
} qc_eg_result;

/* Engle-Granger test that y and x (n values each) are cointegrated, as statsmodels' coint(y, x):
 * OLS of y on (x, 1), then ADF of the residuals with trend none and AIC lags, p-value for 2
 * series with a constant. QC_ERR_INPUT for short, non-finite or (almost) collinear input. */
qc_err qc_coint_eg(const double *y, const double *x, size_t n, qc_eg_result *r, qc_coint_work *w, qc_error *err);

/* Half-life in bars of a mean-reverting series: OLS of s[t] - s[t-1] on (1, s[t-1]) gives slope
 * b; half-life = -ln 2 / ln(1 + b) for -1 < b < 0, else +inf (no reversion). */
double qc_half_life(const double *s, size_t n);

/* Pearson correlation of a and b (n values); NaN when n < 2 or a variance is 0. */
double qc_corr(const double *a, const double *b, size_t n);

/* Ornstein-Uhlenbeck fit by the exact AR(1) discretisation: x[t] = a + phi x[t-1] + eps,
 * OLS; phi in (0, 1) gives theta = -ln(phi) / dt, mu = a / (1 - phi),
 * sigma = sd(eps) sqrt(2 theta / (1 - phi^2)), the stationary sd sigma_eq = sd(eps) / sqrt(1 - phi^2)
 * and half_life = ln 2 / theta in units of dt; sd(eps) divides the residual sum of squares by
 * n - 3 (n - 1 pairs, two coefficients). valid = 0 when phi is outside (0, 1) or n < 4. */
typedef struct {
    double phi, a, theta, mu, sigma, sigma_eq, half_life, resid_sd;
    int valid;
} qc_ou_fit;
void qc_ou_fit_ar1(const double *x, size_t n, double dt, qc_ou_fit *f);

/* Kalman filter for y[t] = beta_t x[t] + alpha_t + v, (beta, alpha) a random walk with covariance
 * delta / (1 - delta) I, observation variance ve; starts at beta = alpha = 0 with zero covariance.
 * Each update first predicts: e = y - (beta x + alpha) with variance q, then corrects. */
typedef struct {
    double delta, ve;
    double beta, alpha;
    double p00, p01, p11; /* state covariance */
    double e, q;          /* last prediction error and its variance */
    size_t n;
} qc_kalman_hedge;
void qc_kalman_hedge_init(qc_kalman_hedge *k, double delta, double ve);
void qc_kalman_hedge_update(qc_kalman_hedge *k, double x, double y);

/* sum a[i] b[i] over i < n with four partial sums (the compiler vectorises it; the order of the
 * additions is fixed, so results are reproducible). */
double qc_coint_dot(const double *a, const double *b, size_t n);

#endif
