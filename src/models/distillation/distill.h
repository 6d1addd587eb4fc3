/* distill.h: distillation of a trained ensemble (the teacher) into one small model (the student: a
 * shallow XGBoost ensemble or the linear learner) trained on the teacher's predictions over the
 * training features. Binary teachers are distilled on their hard decisions (P >= 0.5), so the
 * student is an ordinary binary learner; regression teachers on their predicted values. The report
 * puts fidelity (how well the student reproduces the teacher) beside accuracy (how both do against
 * the true labels), on the same rows. */
#ifndef QC_MODELS_DISTILL_H
#define QC_MODELS_DISTILL_H

#include <stddef.h>

#include "core/error.h"
#include "models/ensemble/ensemble.h"

typedef struct {
    const char *student; /* "xgb" (default: max_depth 2, 50 rounds unless set on the learner) or "linear" */
    size_t max_depth, rounds; /* xgb student shape (0: the defaults above) */
} qc_distill_opts;

void qc_distill_opts_init(qc_distill_opts *o);

typedef struct {
    size_t n;
    /* fidelity of the student to the teacher */
    double agreement; /* binary: share of rows on the same side of 0.5; regression: NaN */
    double r2;        /* 1 - SSE(student - teacher) / SS(teacher - mean teacher), on probabilities or values */
    double corr;      /* Pearson correlation of student and teacher predictions */
    /* against the labels */
    qc_model_metrics teacher, student;
} qc_distill_report;

/* Fits *student on X (n x d) to the teacher's predictions; y are the true labels (for the report
 * only). Multiclass teachers are refused (QC_ERR_INPUT). */
qc_err qc_distill(const qc_ensemble *teacher, const double *X, size_t n, size_t d, const double *y,
                  const qc_distill_opts *o, qc_learner **student, qc_distill_report *rep, qc_error *err);

#endif
