/* internal.h: what the learner implementations (xgb.c, linear.c, lstm.c) share with learner.c: the
 * learner struct, its operations table and the parameter list. Not for use outside src/models. */
#ifndef QC_MODELS_INTERNAL_H
#define QC_MODELS_INTERNAL_H

#include "models/models.h"

#define QC_LEARNER_MAX_PARAMS 32

typedef struct {
    /* fit replaces any previous model; predict writes n * width values */
    qc_err (*fit)(qc_learner *l, const double *X, size_t n, size_t d, const double *y, const double *w,
                  qc_error *err);
    qc_err (*predict)(const qc_learner *l, const double *X, size_t n, double *out, qc_error *err);
    qc_err (*importance)(const qc_learner *l, double *imp, qc_error *err);
    qc_err (*save)(const qc_learner *l, char **text, qc_error *err);
    qc_err (*load)(qc_learner *l, const char *text, qc_error *err);
    void (*free_impl)(qc_learner *l);
} qc_learner_ops;

struct qc_learner {
    const qc_learner_ops *ops;
    char kind[16];
    qc_task task;
    size_t n_classes; /* 2 for binary, 1 for regression */
    size_t d;         /* features of the fitted model; 0 before fit */
    size_t n_params;
    char *pname[QC_LEARNER_MAX_PARAMS], *pvalue[QC_LEARNER_MAX_PARAMS];
    void *impl;
};

extern const qc_learner_ops qc_xgb_ops;
extern const qc_learner_ops qc_linear_ops;
extern const qc_learner_ops qc_lstm_ops;

/* Sets the defaults of a kind (called once by qc_learner_new). */
qc_err qc_xgb_defaults(qc_learner *l, qc_error *err);
qc_err qc_linear_defaults(qc_learner *l, qc_error *err);
qc_err qc_lstm_defaults(qc_learner *l, qc_error *err);

/* lstm.c. Parameters of a net with d inputs and H hidden units, one flat vector theta: W (d x 4H),
 * U (H x 4H), b (4H), v (H), c0; gate order i, f, g, o. */
size_t qc_lstm_param_count(size_t d, size_t H);
/* The training objective (weighted mean log-loss for binary, half squared error for regression, no
 * weight decay) of B standardised sequences seqs[(b * L + t) * d + j] and its gradient (grad NULL:
 * loss only), through the same minibatch code the fit uses: for the gradient check. */
qc_err qc_lstm_loss_grad(qc_task task, size_t d, size_t H, size_t L, const double *theta, const double *seqs,
                         size_t B, const double *y, const double *w, double *loss, double *grad, qc_error *err);
/* Rows a prediction reads (the lookback); doubles of scratch qc_lstm_predict_last needs. */
size_t qc_lstm_lookback(const qc_learner *l);
size_t qc_lstm_scratch_size(const qc_learner *l);
/* The prediction of the last of k raw feature rows (oldest first) of a fitted lstm, equal to what
 * predict gives that row with the same rows before it; allocates nothing. */
void qc_lstm_predict_last(const qc_learner *l, const double *rows, size_t k, double *scratch, double *out);

/* Labels checked against the task: finite; 0/1 for binary; 0..k-1 integers for multiclass. */
qc_err qc_learner_check_labels(const qc_learner *l, const double *y, const double *w, size_t n, qc_error *err);

/* Appends , "name": [v0, ...] to s at k (%.17g: a loaded model predicts identically); returns the
 * new length. cap must hold it (callers size the buffer from n). */
size_t qc_learner_put_array(char *s, size_t cap, size_t k, const char *name, const double *v, size_t n);

#endif
