/* ensemble.h: out-of-fold predictions under a cross-validation plan (data/splits.h) and
 * ensembles of learners: averaging, voting, blending on a time-ordered holdout, and stacking whose
 * meta-learner is trained ONLY on out-of-fold predictions (purged K-fold or CPCV): a base learner
 * that memorises its training rows looks perfect in-sample and is worth nothing out of fold, and
 * only the second is what the meta-learner may see (tests/test_ensemble.c proves the difference).
 * Meta features are the base predictions: logits of the probabilities for binary tasks, the k
 * probabilities for multiclass, the values for regression. */
#ifndef QC_MODELS_ENSEMBLE_H
#define QC_MODELS_ENSEMBLE_H

#include <stddef.h>

#include "data/splits.h"
#include "core/error.h"
#include "models/models.h"

typedef void (*qc_ens_progress)(void *ctx, const char *phase, size_t done, size_t total);

/* Each row's prediction from the split(s) that tested it: fits a clone of proto on every split's
 * training rows and predicts its test rows; with CPCV a row tested in several splits gets the mean.
 * oof holds n * width values (NaN for rows no split tests); covered (n, may be NULL) counts how
 * many splits tested each row. */
qc_err qc_oof_predict(const qc_learner *proto, const double *X, size_t n, size_t d, const double *y,
                      const double *w, const qc_cv_plan *plan, double *oof, size_t *covered,
                      qc_ens_progress progress, void *progress_ctx, qc_error *err);

typedef enum { QC_ENS_AVERAGE = 0, QC_ENS_VOTE, QC_ENS_BLEND, QC_ENS_STACK } qc_ens_method;
const char *qc_ens_method_name(qc_ens_method m);
qc_err qc_ens_method_parse(const char *s, qc_ens_method *out, qc_error *err);

typedef struct {
    qc_ens_method method;
    const qc_cv_plan *plan; /* average, vote, stack: the out-of-fold scheme (required) */
    double holdout;         /* blend: the last fraction of rows the meta-learner is fit on (0.2) */
    size_t horizon;         /* blend: rows dropped before the holdout (label overlap), like a purge */
    qc_ens_progress progress;
    void *progress_ctx;
} qc_ens_opts;

void qc_ens_opts_init(qc_ens_opts *o);

typedef struct {
    qc_ens_method method;
    qc_task task;
    size_t n_classes, width, d;
    size_t m;           /* base learners */
    qc_learner **base;  /* fitted on every row */
    qc_learner *meta;   /* blend, stack; NULL otherwise */
} qc_ensemble;

/* Evidence from fitting: out-of-fold predictions of every base learner (oof_base[(b * n + i) *
 * width + c]) and of the ensemble (oof_ens, n * width; for stacking the meta-learner is
 * cross-fitted over the same plan on the base OOF predictions; for blending only the holdout rows
 * are filled); covered[i] = 1 where row i has them. */
typedef struct {
    size_t n, m, width;
    double *oof_base, *oof_ens;
    unsigned char *covered;
} qc_ens_report;

void qc_ens_report_free(qc_ens_report *r);

/* Fits the ensemble of clones of protos[0..m) (and of meta_proto for blend/stack) on X, y, w. */
qc_err qc_ensemble_fit(qc_learner *const *protos, size_t m, const qc_learner *meta_proto, const double *X, size_t n,
                       size_t d, const double *y, const double *w, const qc_ens_opts *o, qc_ensemble **out,
                       qc_ens_report *rep, qc_error *err);
/* out: n * width. */
qc_err qc_ensemble_predict(const qc_ensemble *e, const double *X, size_t n, size_t d, double *out, qc_error *err);
/* Combines base predictions bp (bp[(b * n + i) * width + c], e.g. from compiled models) into out
 * (n * width) the way qc_ensemble_predict does: the meta-learner on their meta features (F: scratch
 * of n * m * width doubles), or the average / vote. */
qc_err qc_ensemble_combine(const qc_ensemble *e, const double *bp, size_t n, double *F, double *out, qc_error *err);
/* Meta features of m base predictions per row (bp[(b * n + i) * width + c]) into F (n x m*width). */
void qc_ens_meta_features(qc_task task, size_t width, const double *bp, size_t n, size_t m, double *F);
/* An ensemble from its parts (takes ownership of base[] and meta); used by the model file reader. */
qc_err qc_ensemble_assemble(qc_ens_method method, qc_learner **base, size_t m, qc_learner *meta, qc_ensemble **out,
                            qc_error *err);
void qc_ensemble_free(qc_ensemble *e);

#endif
