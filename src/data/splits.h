/* splits.h: cross-validation splitters over n time-ordered observations, one plan type for every
 * scheme: a list of splits, each a set of train and test index ranges (inclusive, 0-based
 * [first, last], sorted, disjoint), plus for CPCV the assembled backtest paths. Definitions follow
 * Lopez de Prado, Advances in Financial Machine Learning (2018) ch. 7 (purged K-fold, embargo) and
 * ch. 12 (CPCV); the exact rules are in docs/VALIDATION.md. They sit with the data services so that
 * strategy sweeps (src/backtest, which re-exports them in backtest/validation.h) and model training
 * (src/models) share them without models reaching into the application layer. */
#ifndef QC_DATA_SPLITS_H
#define QC_DATA_SPLITS_H

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

#endif
