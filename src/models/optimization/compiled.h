/* compiled.h: tree ensembles compiled from XGBoost's JSON model into a flat node array evaluated
 * without XGBoost, in two precisions:
 *  - float: the model's own float thresholds, the comparison XGBoost makes (go left iff x < t,
 *    a missing value (NaN) goes the node's default way), leaf values summed in float in tree order
 *    from the base margin, then the objective's transform: predictions equal XGBoost's;
 *  - quantised (8 or 16 bits): each feature is mapped once per row to its bin among the model's
 *    own split points for that feature (bin = how many of them are <= x, NaN = the top code), so
 *    every node compares two small integers and a row follows exactly the leaves of the float path.
 * Layout: when no tree is deeper than 8, complete trees as implicit arrays walked in fixed steps,
 * one integer compare per node (compiled_fast.c), with AVX-512 across rows where the CPU has it;
 * otherwise (and for .qcc files) each tree breadth-first with siblings adjacent, a leaf looping to
 * itself. docs/MODELS.md has the details. */
#ifndef QC_MODELS_COMPILED_H
#define QC_MODELS_COMPILED_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/error.h"

typedef struct qc_compiled qc_compiled;

typedef enum { QC_OBJ_REGRESSION = 0, QC_OBJ_LOGISTIC, QC_OBJ_LOGITRAW, QC_OBJ_SOFTPROB } qc_compiled_obj;

/* Parses XGBoost's JSON model (XGBoosterSaveModelToBuffer with {"format": "json"}, 1.x layout):
 * gbtree boosters of numerical splits with objective reg:squarederror, binary:logistic,
 * binary:logitraw, reg:logistic or multi:softprob. QC_ERR_MODEL for anything else or any
 * inconsistency (the input is untrusted: fuzz/fuzz_model_json.c). */
qc_err qc_compiled_from_json(const char *json, size_t len, qc_compiled **out, qc_error *err);
void qc_compiled_free(qc_compiled *m);

size_t qc_compiled_features(const qc_compiled *m);
size_t qc_compiled_width(const qc_compiled *m); /* outputs per row: 1, or the classes */
size_t qc_compiled_trees(const qc_compiled *m);
size_t qc_compiled_nodes(const qc_compiled *m);
qc_compiled_obj qc_compiled_objective(const qc_compiled *m);

/* Float path: X is n rows x features floats (NaN = missing); out gets n * width floats. */
void qc_compiled_predict(const qc_compiled *m, const float *X, size_t n, float *out);
/* The leaf each row reaches in each tree, as XGBoost's node id: leaves[i * trees + t]. */
void qc_compiled_leaves(const qc_compiled *m, const float *X, size_t n, int32_t *leaves);

/* Which evaluator runs (tests and benchmarks; the default QC_EVAL_AUTO takes the fastest this CPU
 * and model allow): the general node-array walker, the complete-tree walker in portable C, or the
 * complete-tree walker with AVX-512 across rows. All give identical results. Returns the one that
 * will run: a model with a tree deeper than 8 always uses the general walker, and AVX-512 falls
 * back to portable C on a CPU without it or for multi-output models. */
typedef enum { QC_EVAL_AUTO = 0, QC_EVAL_GENERAL, QC_EVAL_SCALAR, QC_EVAL_AVX512 } qc_compiled_eval;
qc_compiled_eval qc_compiled_set_eval(qc_compiled *m, qc_compiled_eval e);

/* ---- quantised path ---------------------------------------------------------------------------- */

/* Builds the integer tables: bits 8 (at most 254 distinct split points per feature) or 16 (at
 * most 65534); QC_ERR_MODEL naming the feature when a feature has more. */
qc_err qc_compiled_quantize(qc_compiled *m, int bits, qc_error *err);
int qc_compiled_bits(const qc_compiled *m); /* 0 before qc_compiled_quantize */
/* Bins n rows of X into B: n * features codes of bits/8 bytes each. */
void qc_compiled_bin(const qc_compiled *m, const float *X, size_t n, void *B);
/* Predictions and leaves from binned rows (identical to the float path on the same X). */
void qc_compiled_predict_q(const qc_compiled *m, const void *B, size_t n, float *out);
void qc_compiled_leaves_q(const qc_compiled *m, const void *B, size_t n, int32_t *leaves);

/* ---- .qcc files: the compiled model as a small binary (docs/MODELS.md) ------------------------- */
qc_err qc_compiled_write(const qc_compiled *m, FILE *f, qc_error *err);
qc_err qc_compiled_read(const void *buf, size_t len, qc_compiled **out, qc_error *err);
/* Reads a .qcc file (QC_ERR_INPUT if it cannot be opened, QC_ERR_MODEL if it is not a good one). */
qc_err qc_compiled_load(const char *path, qc_compiled **out, qc_error *err);
/* Whether the file at path starts like a .qcc (0 if it cannot be read). */
int qc_compiled_is_qcc(const char *path);
/* Text carried along in the .qcc (the CLI keeps the feature spec there, as JSON): copied; at most
 * 1 MiB, no NUL. qc_compiled_meta: borrowed, NULL if none. */
qc_err qc_compiled_set_meta(qc_compiled *m, const char *text, qc_error *err);
const char *qc_compiled_meta(const qc_compiled *m);

#endif
