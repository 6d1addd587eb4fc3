/* onnx_export.h: a fitted model (one learner or an ensemble of them) as an ONNX-ML graph, so other
 * runtimes (onnxruntime, Triton, ...) can score it. Tree learners (xgb, lgbm_like, rf: XGBoost
 * gbtree models) become ai.onnx.ml TreeEnsembleRegressor nodes read from the model's own JSON
 * dump; linear learners become MatMul + Add; probabilities come from explicit Sigmoid /
 * Softmax nodes; averaging, voting and stacking/blending ensembles become a small combiner graph.
 * Input: one float tensor "features" [N, d]. Output: "prediction" [N, 1] (regression),
 * "probability" [N, 1] (binary: P(y = 1)) or "probabilities" [N, k] (multiclass). The file is
 * protobuf written by our own encoder (onnx_export.c says why). docs/MODELS.md has the details. */
#ifndef QC_MODELS_ONNX_EXPORT_H
#define QC_MODELS_ONNX_EXPORT_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "models/ensemble/ensemble.h"

typedef struct {
    const char *const *feature_names; /* n_features column names (metadata), or NULL */
    size_t n_features;
    const char *feature_spec;   /* "rsi(14),roc(10)" (metadata), or NULL */
    const char *label;          /* label definition (metadata), or NULL */
    const char *source_version; /* the code version that trained the model (metadata), or NULL */
    int learner;                /* -1: the whole ensemble; i >= 0: only base learner i */
} qc_onnx_opts;

void qc_onnx_opts_init(qc_onnx_opts *o);

/* The ONNX ModelProto of e (or of its base learner o->learner) in *buf (*len bytes; caller
 * frees). QC_ERR_INPUT naming the learner when it cannot be exported (a kind other than xgb,
 * lgbm_like, rf or linear; a booster other than gbtree; categorical splits); QC_ERR_MODEL for a
 * model whose saved text is inconsistent. */
qc_err qc_onnx_export(const qc_ensemble *e, const qc_onnx_opts *o, uint8_t **buf, size_t *len, qc_error *err);

/* The name of the graph's output for a task ("prediction", "probability", "probabilities"). */
const char *qc_onnx_output_name(qc_task task);

/* Protobuf base-128 varint of v into out (at most 10 bytes); returns the bytes written (tests). */
size_t qc_onnx_varint(uint64_t v, uint8_t *out);

#endif
