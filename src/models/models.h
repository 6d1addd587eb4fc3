/* models.h: QuantCLI's learners behind one interface (fit with sample weights, predict, feature
 * importance, save/load, parameters by name), fixed-horizon labels, and the out-of-fold metrics
 * every model reports. Learners: gradient-boosted trees through XGBoost's C API ("xgb" depth-wise,
 * "lgbm_like" loss-guided leaf-wise, "rf" random forest; all on the histogram method) and a
 * regularised linear/logistic regression over LAPACK ("linear"). The exact objectives are in
 * docs/MODELS.md. Feature matrices are row-major doubles (n rows x d columns), NaN = missing. */
#ifndef QC_MODELS_MODELS_H
#define QC_MODELS_MODELS_H

#include <stddef.h>

#include "core/error.h"

typedef enum {
    QC_TASK_REGRESSION = 0, /* predict: the value */
    QC_TASK_BINARY,         /* labels 0/1; predict: P(y = 1) */
    QC_TASK_MULTICLASS      /* labels 0..k-1; predict: k probabilities per row (row-major) */
} qc_task;

const char *qc_task_name(qc_task t);
qc_err qc_task_parse(const char *s, qc_task *out, qc_error *err);

/* Values predict writes per row: 1, or k for multiclass. */
size_t qc_task_width(qc_task t, size_t n_classes);

typedef struct qc_learner qc_learner;

/* A new unfitted learner: kind "xgb", "lgbm_like", "rf" or "linear"; n_classes >= 3 for
 * multiclass (ignored otherwise). QC_ERR_INPUT naming the kinds for an unknown one. */
qc_err qc_learner_new(const char *kind, qc_task task, size_t n_classes, qc_learner **out, qc_error *err);
void qc_learner_free(qc_learner *l);
/* A fresh unfitted learner with the same kind, task and parameters (for cross-validation). */
qc_err qc_learner_clone(const qc_learner *l, qc_learner **out, qc_error *err);

const char *qc_learner_kind(const qc_learner *l);
qc_task qc_learner_task(const qc_learner *l);
size_t qc_learner_classes(const qc_learner *l);
/* Features of the fitted model (0 before fit). */
size_t qc_learner_features(const qc_learner *l);

/* Sets a parameter by name ("max_depth", "eta", "rounds", "lambda", ...): tree learners pass
 * unknown names to XGBoost, which rejects what it does not know at fit time. */
qc_err qc_learner_set(qc_learner *l, const char *name, const char *value, qc_error *err);
/* The value of a parameter as set or defaulted; NULL if not set. */
const char *qc_learner_get(const qc_learner *l, const char *name);
/* "name=value name=value ..." of every parameter (caller frees). */
char *qc_learner_params_text(const qc_learner *l);

/* Fits on X (n x d, row-major), y (n), w (n non-negative weights, or NULL for 1). Refits from
 * scratch if called again. QC_ERR_INPUT for labels that do not fit the task, n == 0, d == 0. */
qc_err qc_learner_fit(qc_learner *l, const double *X, size_t n, size_t d, const double *y, const double *w,
                      qc_error *err);
/* out holds n * qc_task_width() values. QC_ERR_MODEL before fit or for a column-count mismatch. */
qc_err qc_learner_predict(const qc_learner *l, const double *X, size_t n, size_t d, double *out, qc_error *err);
/* Importance per feature (d values, summing to 1 unless all zero): total gain for trees,
 * |coefficient| x feature std for linear models. */
qc_err qc_learner_importance(const qc_learner *l, double *imp, size_t d, qc_error *err);

/* The fitted model as text (XGBoost's own JSON model for trees; a small JSON object for linear
 * models); caller frees. Loading gives a learner whose predictions are identical. */
qc_err qc_learner_save(const qc_learner *l, char **text, qc_error *err);
qc_err qc_learner_load(const char *kind, qc_task task, size_t n_classes, const char *text, qc_learner **out,
                       qc_error *err);

/* ---- labels ------------------------------------------------------------------------------------ */

/* Fixed-horizon labels over closes c[0..n): the forward return r_t = c[t+H] / c[t] - 1 (regression)
 * or its sign (binary: 1 if r_t > 0 else 0). The last H rows have no label (NaN). The label of row t
 * spans the interval [t, t+H]: that is what purged CV must purge (qc_cv_opts.horizon = H).
 * TODO(labels module): triple-barrier labels and uniqueness weights plug in here, as another
 * label kind filling y and an interval end per row. */
qc_err qc_label_fixed(const double *close, size_t n, size_t horizon, qc_task task, double *y, qc_error *err);

/* ---- metrics ----------------------------------------------------------------------------------- */

typedef struct {
    size_t n;
    /* classification */
    double accuracy, log_loss, auc, f1;
    /* regression */
    double rmse, r2, ic; /* ic: Spearman rank correlation of prediction and label */
} qc_model_metrics;

/* p holds n * width predictions as from qc_learner_predict. Binary: threshold 0.5, AUC by ranks
 * (ties averaged), log-loss with p clipped to [1e-15, 1 - 1e-15], F1 of class 1. Multiclass:
 * argmax accuracy, multinomial log-loss, macro F1, AUC = mean one-vs-rest AUC. */
qc_err qc_model_metrics_compute(qc_task task, size_t n_classes, const double *y, const double *p, size_t n,
                                qc_model_metrics *m, qc_error *err);
/* AUC of scores s for 0/1 labels y (Mann-Whitney with average ranks); NaN if one class is absent. */
double qc_auc(const double *y, const double *s, size_t n);

#endif
