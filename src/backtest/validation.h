/* validation.h: cross-validation splitters over n time-ordered observations, and the Probability of
 * Backtest Overfitting by combinatorially symmetric cross-validation (CSCV).
 * One plan type serves every scheme: a list of splits, each a set of train and test index ranges
 * (inclusive, 0-based [first, last], sorted, disjoint), plus for CPCV the assembled backtest paths.
 * Definitions follow Lopez de Prado, Advances in Financial Machine Learning (2018) ch. 7 (purged
 * K-fold, embargo) and ch. 12 (CPCV), and Bailey, Borwein, Lopez de Prado & Zhu (2015) for PBO.
 * The exact rules are in docs/VALIDATION.md. */
#ifndef QC_BACKTEST_VALIDATION_H
#define QC_BACKTEST_VALIDATION_H

#include <stddef.h>

#include "core/error.h"

typedef enum {
    QC_CV_KFOLD = 0,   /* K contiguous folds, no purging */
    QC_CV_PURGED,      /* K contiguous folds, purge by label interval + embargo */
    QC_CV_WALKFORWARD, /* time-series split: rolling or expanding train, fixed test, gap */
    QC_CV_CPCV         /* combinatorial purged CV: N groups, k test groups */
} qc_cv_scheme;

typedef struct {
    qc_cv_scheme scheme;
    size_t n;           /* observations */
    size_t folds;       /* kfold, purged: K >= 2 */
    size_t groups;      /* cpcv: N >= 2 */
    size_t test_groups; /* cpcv: 1 <= k < N */
    size_t horizon;     /* label interval of obs t is [t, t + horizon] (purged, cpcv, walkforward) */
    size_t embargo;     /* purged, cpcv: after a test block ending at b, train drops up to b+horizon+embargo */
    size_t train;       /* walkforward: train window length (also the minimum for expanding) */
    size_t test;        /* walkforward: test window length */
    size_t gap;         /* walkforward: observations skipped between train end and test start */
    int expanding;      /* walkforward: train from index 0 instead of a rolling window */
} qc_cv_opts;

/* Zero everything, K = 5, N = 6, k = 2. */
void qc_cv_opts_init(qc_cv_opts *o);
/* "kfold", "purged", "walkforward", "cpcv"; QC_ERR_INPUT listing them otherwise. */
qc_err qc_cv_scheme_parse(const char *s, qc_cv_scheme *out, qc_error *err);
const char *qc_cv_scheme_name(qc_cv_scheme s);

typedef struct {
    size_t first, last; /* inclusive */
} qc_cv_range;

typedef struct {
    qc_cv_range *train, *test;
    size_t n_train, n_test;
} qc_cv_split;

typedef struct {
    size_t group, split;
} qc_cv_path_step;

typedef struct {
    qc_cv_scheme scheme;
    size_t n;
    size_t n_splits;
    qc_cv_split *splits;
    /* The atoms test sets are made of: folds (kfold, purged), groups (cpcv), test windows
     * (walkforward); atoms[g] is an inclusive range. */
    size_t n_atoms;
    qc_cv_range *atoms;
    /* cpcv only: n_paths = k/N * C(N,k) paths of n_atoms steps each: paths[p * n_atoms + g] is
     * group g's step (group g tested in split `split`). Other schemes: 0 paths. */
    size_t n_paths;
    qc_cv_path_step *paths;
} qc_cv_plan;

/* Builds the splits; QC_ERR_INPUT with a message naming the option for impossible arguments
 * (K < 2 or > n, k >= N, windows longer than the data, purge/embargo leaving a split without
 * training observations, more than 1,000,000 splits). The plan owns its memory. */
qc_err qc_cv_plan_build(const qc_cv_opts *o, qc_cv_plan *plan, qc_error *err);
void qc_cv_plan_free(qc_cv_plan *plan);

/* Observations in a list of ranges. */
size_t qc_cv_ranges_count(const qc_cv_range *r, size_t n);
/* Binomial coefficient C(n, k); SIZE_MAX when it overflows. */
size_t qc_cv_choose(size_t n, size_t k);

/* ---- moments: the running statistics every Sharpe ratio here is computed from --------------- */

/* Count, mean and sum of squared deviations; merged with Chan et al.'s pairwise update, so the
 * Sharpe ratio of a union of blocks equals the one of the concatenated returns (to rounding). */
typedef struct {
    double n, mean, m2;
} qc_moments;

void qc_moments_add(qc_moments *m, double x);
void qc_moments_merge(qc_moments *into, const qc_moments *b);
/* mean / std (ddof 1), per period; 0 when fewer than 2 values or a zero variance. */
double qc_moments_sharpe(const qc_moments *m);

/* ---- PBO by CSCV ------------------------------------------------------------------------------ */

typedef struct {
    size_t s;             /* submatrices (even) */
    size_t n_trials;      /* M */
    size_t rows_used;     /* T rounded down to a multiple of S (the first T mod S rows are dropped) */
    size_t n_combos;      /* C(S, S/2) */
    double pbo;           /* fraction of logits <= 0 */
    double *logits;       /* n_combos, in the order of the combinations (lexicographic) */
    size_t *selected;     /* n_combos: the in-sample best trial of each combination */
    double *is_sharpe;    /* n_combos: its in-sample per-period Sharpe */
    double *oos_sharpe;   /* n_combos: its out-of-sample per-period Sharpe */
    double slope, intercept, r2; /* performance degradation: OLS of oos_sharpe on is_sharpe */
    double prob_oos_loss; /* fraction of combinations whose selected trial has oos_sharpe < 0 */
} qc_pbo;

/* CSCV over a T x M matrix of per-period trial returns, trial-major: r[m * t_rows + t]. S even,
 * 2 <= S <= 32 and S <= T; M >= 2. Performance is the per-period Sharpe ratio (mean / std, ddof 1;
 * 0 for a zero variance). The in-sample best is the first trial with the highest Sharpe; its
 * out-of-sample relative rank is w = rank / (M + 1), rank in 1..M ascending with ties averaged;
 * logit = ln(w / (1 - w)). */
qc_err qc_pbo_cscv(const double *r, size_t t_rows, size_t m_trials, size_t s, qc_pbo *out, qc_error *err);
/* The same from per-submatrix moments: blocks[m * s + j] for trial m, submatrix j. */
qc_err qc_pbo_from_blocks(const qc_moments *blocks, size_t m_trials, size_t s, qc_pbo *out, qc_error *err);
/* The same on `threads` threads (identical results: each combination has its own slots). */
qc_err qc_pbo_from_blocks_mt(const qc_moments *blocks, size_t m_trials, size_t s, size_t threads, qc_pbo *out,
                             qc_error *err);
void qc_pbo_free(qc_pbo *p);

#endif
