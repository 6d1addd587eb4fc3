/* models.h: QuantCLI's learners behind one interface (fit with sample weights, predict, feature
 * importance, save/load, parameters by name), the label definitions training uses, and the out-of-fold metrics
 * every model reports. Learners: gradient-boosted trees through XGBoost's C API ("xgb" depth-wise,
 * "lgbm_like" loss-guided leaf-wise, "rf" random forest; all on the histogram method) and a
 * regularised linear/logistic regression over LAPACK ("linear") and a one-layer LSTM over BLAS
 * ("lstm": row i's input is the sequence of feature rows i-lookback+1..i, so rows must be given in
 * time order). The exact objectives are in docs/MODELS.md. Feature matrices are row-major doubles (n rows x d columns), NaN = missing. */
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

/* A new unfitted learner: kind "xgb", "lgbm_like", "rf", "linear" or "lstm" (binary and regression
 * only); n_classes >= 3 for
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
/* Feature rows one prediction reads: 1 for per-row learners; lookback for "lstm", whose prediction
 * for row i of a matrix reads rows i-lookback+1..i (never later rows; the first row repeated before
 * the start). */
size_t qc_learner_window(const qc_learner *l);
/* Importance per feature (d values, summing to 1 unless all zero): total gain for trees,
 * |coefficient| x feature std for linear models, mean |input weight| over the gate units for lstm
 * (features are standardised inside the net). */
qc_err qc_learner_importance(const qc_learner *l, double *imp, size_t d, qc_error *err);

/* The fitted model as text (XGBoost's own JSON model for trees; a small JSON object for linear
 * models); caller frees. Loading gives a learner whose predictions are identical. */
qc_err qc_learner_save(const qc_learner *l, char **text, qc_error *err);
qc_err qc_learner_load(const char *kind, qc_task task, size_t n_classes, const char *text, qc_learner **out,
                       qc_error *err);

/* ---- labels for training ------------------------------------------------------------------------- */

/* What `model train --label` accepts (features/labels.h computes them; docs/MODELS.md has the rules):
 *  fixed:H                 the H-bar forward return (regression) or its sign (binary: 1 if > 0);
 *  triple_barrier:pt=P,sl=S,h=H,span=N[,min_ret=R]
 *                          barriers at +P / -S times the EWMA(span N) volatility of returns, vertical
 *                          barrier H bars on (h=0: none); binary: 1 when the label is +1; regression:
 *                          the return at the first touch;
 *  meta:pt=..,sl=..,h=..,span=..,side=K
 *                          meta-labels of a K-bar momentum primary model (side = sign of the K-bar
 *                          return): 1 when that bet made money (binary), its signed return (regression).
 * Defaults: pt = sl = 1, h = 20, span = 50, min_ret = 0, side = 20. */
typedef enum { QC_LABEL_FIXED = 0, QC_LABEL_TRIPLE_BARRIER, QC_LABEL_META } qc_label_kind;

typedef struct {
    qc_label_kind kind;
    double pt, sl, span, min_ret;
    size_t h, side_n;
} qc_label_def;

qc_err qc_label_def_parse(const char *s, qc_label_def *d, qc_error *err);
/* The canonical text of d (what model files record; parses back to d). */
void qc_label_def_format(const qc_label_def *d, char *buf, size_t n);

/* Sample weights: uniqueness = AFML average uniqueness scaled to mean 1 (so learners' defaults such
 * as XGBoost's min_child_weight keep their meaning), returns = return attribution (mean 1), none. */
typedef enum { QC_WEIGHTS_NONE = 0, QC_WEIGHTS_UNIQUENESS, QC_WEIGHTS_RETURNS } qc_weight_kind;
const char *qc_weight_kind_name(qc_weight_kind k);
qc_err qc_weight_kind_parse(const char *s, qc_weight_kind *out, qc_error *err);

typedef struct {
    size_t n;              /* rows with a label */
    size_t *bar;           /* each row's bar (its event start t0), increasing */
    double *y, *w;         /* label and weight per row */
    size_t horizon;        /* purge horizon in rows (features/labels.h qc_label_cv_horizon) */
    double avg_uniqueness; /* mean average-uniqueness of the rows' label intervals */
} qc_label_rows_out;

/* Labels the candidate bars cand[0..nc) (increasing: the bars whose features are known) of closes
 * close[0..nb); rows whose label is not known (end of data, skipped by the barrier rules) are
 * dropped. The caller frees with qc_label_rows_free. */
qc_err qc_label_rows(const qc_label_def *d, qc_task task, qc_weight_kind wk, const double *close, size_t nb,
                     const size_t *cand, size_t nc, qc_label_rows_out *out, qc_error *err);
void qc_label_rows_free(qc_label_rows_out *o);

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
