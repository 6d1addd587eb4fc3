/* regime.h: a Gaussian hidden Markov model for market regimes over one or several features (e.g.
 * log returns and realised volatility). K states, D features, emissions N(mean_k, covar_k) with a
 * diagonal or a full covariance per state. Fitting is Baum-Welch (EM) with Rabiner's scaled
 * forward-backward (emission densities shifted by their per-bar maximum in log space, so nothing
 * underflows), several seeded restarts keeping the best log-likelihood; decoding is Viterbi in log
 * space; forward filtering gives the online, no-look-ahead state probabilities P(s_t | x_1..x_t)
 * with a streaming update of O(K^2 + K D^2) per bar. Models save to and load from JSON.
 * Observations are row-major: x[t * d + j] is feature j at bar t; every value must be finite.
 * The exact rules are in docs/FEATURES.md ("Regime"). */
#ifndef QC_FEATURES_REGIME_H
#define QC_FEATURES_REGIME_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

#define QC_HMM_MAX_STATES 32
#define QC_HMM_MAX_DIMS 32

typedef enum { QC_HMM_DIAG = 0, QC_HMM_FULL = 1 } qc_hmm_cov;

/* The parameters are public; after changing them call qc_hmm_prepare, which checks them and
 * refreshes the derived factors every other function reads. */
typedef struct {
    size_t k, d;
    qc_hmm_cov cov;
    double *start; /* k: P(s_0 = i) */
    double *trans; /* k*k: trans[i*k + j] = P(s_t+1 = j | s_t = i), rows sum to 1 */
    double *mean;  /* k*d */
    double *covar; /* diag: k*d variances; full: k*d*d covariance matrices (row-major, symmetric) */
    char names[QC_HMM_MAX_DIMS][32]; /* feature names ("" when unnamed), saved with the model */
    /* derived by qc_hmm_prepare (do not edit) */
    double *log_start, *log_trans; /* k, k*k */
    double *chol;                  /* full: k*d*d lower Cholesky factors; diag: k*d 1/sqrt(var) */
    double *log_norm;              /* k: -(d ln(2 pi) + ln det covar) / 2 */
} qc_hmm;

/* A model with zeroed parameters (caller fills them, then qc_hmm_prepare). 1 <= k <= 32,
 * 1 <= d <= 32. */
qc_err qc_hmm_new(size_t k, size_t d, qc_hmm_cov cov, qc_hmm **out, qc_error *err);
void qc_hmm_free(qc_hmm *m);
/* Checks (finite, probabilities >= 0 with rows summing to 1 within 1e-6, kept as given;
 * variances > 0; full covariances symmetric positive definite) and derives the factors. */
qc_err qc_hmm_prepare(qc_hmm *m, qc_error *err);
/* Free parameters: (k-1) + k(k-1) + k d + k d (diag) or k d (d+1)/2 (full). */
size_t qc_hmm_n_params(const qc_hmm *m);

/* ---- inference --------------------------------------------------------------------------------- */

/* ln p(x_1..x_n) by the scaled forward pass. */
qc_err qc_hmm_loglik(const qc_hmm *m, const double *x, size_t n, double *ll, qc_error *err);
/* Filtered probabilities P(s_t = i | x_1..x_t) into prob[t * k + i] (bar t never sees t+1); *ll
 * (may be NULL) = ln p(x_1..x_n). Equal, bit for bit, to a qc_hmm_filter fed the same bars. */
qc_err qc_hmm_filter_batch(const qc_hmm *m, const double *x, size_t n, double *prob, double *ll, qc_error *err);
/* Smoothed posteriors P(s_t = i | x_1..x_n) (forward-backward: uses the future; for research). */
qc_err qc_hmm_smooth(const qc_hmm *m, const double *x, size_t n, double *prob, double *ll, qc_error *err);
/* The most likely state path; *logp (may be NULL) = ln p(path, x). */
qc_err qc_hmm_viterbi(const qc_hmm *m, const double *x, size_t n, int *path, double *logp, qc_error *err);

/* Streaming forward filter: all memory at creation, then one O(K^2 + K D^2) update per bar. */
typedef struct qc_hmm_filter qc_hmm_filter;
qc_err qc_hmm_filter_new(const qc_hmm *m, qc_hmm_filter **out, qc_error *err);
/* Back to before the first bar. */
void qc_hmm_filter_reset(qc_hmm_filter *f);
/* Feeds bar x (d values); writes P(s_t = i | x_1..x_t) to prob (k values, may be NULL) and
 * returns ln p(x_t | x_1..x_t-1) (the log-likelihood increment). */
double qc_hmm_filter_update(qc_hmm_filter *f, const double *x, double *prob);
/* The running ln p(x_1..x_t) and the number of bars seen. */
double qc_hmm_filter_loglik(const qc_hmm_filter *f);
size_t qc_hmm_filter_count(const qc_hmm_filter *f);
void qc_hmm_filter_free(qc_hmm_filter *f);

/* ---- fitting ------------------------------------------------------------------------------------- */

/* One Baum-Welch iteration in place: the E-step under the current parameters (whose
 * log-likelihood goes to *ll_before, may be NULL), then the M-step: start = posterior at t = 0,
 * trans = expected transitions / expected visits, mean and covariance weighted by the posteriors
 * plus reg[j] on the variance of feature j (reg may be NULL for none). */
qc_err qc_hmm_em_step(qc_hmm *m, const double *x, size_t n, const double *reg, double *ll_before, qc_error *err);

typedef struct {
    size_t k;          /* states (default 2) */
    qc_hmm_cov cov;    /* default QC_HMM_DIAG */
    size_t restarts;   /* EM runs from different starts, the best log-likelihood kept (default 5) */
    size_t max_iter;   /* per run (default 200) */
    double tol;        /* stop when the log-likelihood gains less than this (default 1e-6) */
    uint64_t seed;     /* restarts after the first draw their means from the data (default 42) */
    double reg;        /* variance floor: reg x the feature's sample variance (default 1e-6) */
} qc_hmm_fit_opts;

void qc_hmm_fit_opts_init(qc_hmm_fit_opts *o);

typedef struct {
    double loglik;      /* of the returned model */
    size_t iterations;  /* of the winning run */
    int converged;      /* the winning run stopped on tol, not max_iter */
    size_t best_restart;
    double restart_ll[64]; /* final log-likelihood of each run (the first 64) */
    size_t n_restarts;
    double aic, bic;    /* -2 ll + 2 p, -2 ll + p ln n */
} qc_hmm_fit_info;

/* Fits a model to n bars of d features. Run 0 starts from the data's quantiles of feature 0 (state i
 * at the (i + 0.5) / k quantile), run r > 0 from k distinct bars drawn with the seed; every run
 * starts with the data's covariance, a uniform start and 0.9 on the transition diagonal. The
 * states of the result are ordered by the mean of feature 0 (state 0 lowest), so labels are stable.
 * QC_ERR_INPUT when n < 2 k or the data are degenerate. */
qc_err qc_hmm_fit(const double *x, size_t n, size_t d, const qc_hmm_fit_opts *o, qc_hmm **out, qc_hmm_fit_info *info,
                  qc_error *err);

/* Puts the states in ascending order of the mean of feature 0 (permutes every parameter). */
void qc_hmm_sort_states(qc_hmm *m);

/* ---- persistence (JSON) ------------------------------------------------------------------------------ */

/* {"model": "quantcli-hmm", "version": 1, "states": K, "dims": D, "covariance": "diag"|"full",
 *  "features": [names], "start": [K], "transition": [[K] x K], "means": [[D] x K],
 *  "covars": [[D] x K] (diag) or [[[D] x D] x K] (full), "log_likelihood": ll (optional)}.
 * *out is a malloc'ed string. ll may be NaN (omitted). */
qc_err qc_hmm_to_json(const qc_hmm *m, double ll, char **out, qc_error *err);
/* Parses and checks a model (shapes, finite numbers, probabilities, positive definite covariances);
 * QC_ERR_INPUT naming what is wrong. Never trusts the text: any input is safe (fuzzed). */
qc_err qc_hmm_from_json(const char *text, size_t len, qc_hmm **out, qc_error *err);
/* Files, written atomically by the caller's choice of path (qc_hmm_save writes a temp file and
 * renames it). */
qc_err qc_hmm_save(const qc_hmm *m, double ll, const char *path, qc_error *err);
qc_err qc_hmm_load(const char *path, qc_hmm **out, qc_error *err);

#endif
