/* model_file.h: .qcm model files: one JSON document carrying everything needed to reapply a model
 * point-in-time: the feature spec and column names, the label definition, the training window and
 * source, the CV scheme, the code version, the out-of-fold evidence (metrics, importance), and the
 * learners themselves (each learner's saved text as a JSON string: XGBoost's own JSON model for
 * trees, qc-linear-1 for linear models). Layout in docs/MODELS.md. */
#ifndef QC_MODELS_MODEL_FILE_H
#define QC_MODELS_MODEL_FILE_H

#include <stdio.h>

#include "core/error.h"
#include "models/ensemble/ensemble.h"

struct cJSON;

typedef struct {
    const char *feature_spec;  /* "sma(20),rsi(14)" */
    const char *const *columns; /* n_columns feature column names, in matrix order */
    size_t n_columns;
    const char *label;   /* "fixed:5" */
    const char *source;  /* file or symbol trained on */
    const char *train_from, *train_to; /* first and last row's date */
    size_t rows;
    const char *cv;      /* "purged folds=5 horizon=5 embargo=5" */
    const char *weights; /* how rows were weighted */
} qc_model_info;

#define QC_MODEL_FORMAT "quantcli-model"
#define QC_MODEL_VERSION 1

/* Writes the document; evidence (borrowed, may be NULL) is stored under "evidence". */
qc_err qc_model_file_write(FILE *f, const qc_model_info *info, const qc_ensemble *e, const struct cJSON *evidence,
                           qc_error *err);
/* Reads path: *doc is the whole document (caller cJSON_Delete()s it), *e the ensemble (caller
 * frees). QC_ERR_MODEL for anything that is not a readable .qcm of this version. */
qc_err qc_model_file_read(const char *path, struct cJSON **doc, qc_ensemble **e, qc_error *err);
/* The saved text of learner i (for `model compile`), or NULL. */
const char *qc_model_file_learner_text(const struct cJSON *doc, size_t i, const char **kind);

#endif
