/* compiled_int.h: the inside of qc_compiled, shared by compiled.c (parsing, the general walker,
 * .qcc files) and compiled_fast.c (the complete-tree layout and its evaluators); onnx_export.c
 * uses the JSON number reader. Not a public header. */
#ifndef QC_MODELS_COMPILED_INT_H
#define QC_MODELS_COMPILED_INT_H

#include <stddef.h>
#include <stdint.h>

#include "models/optimization/compiled.h"

#define QC_FAST_MAX_DEPTH 8   /* deeper trees keep the general walker */
#define QC_FAST_MAX_COLS 4096 /* 2 x features: the expanded row block lives on the stack */

typedef struct {
    float thr;     /* go right iff x >= thr, or x is NaN and ndl; leaves: NaN */
    uint16_t feat; /* leaves: 0 */
    uint8_t ndl;   /* 1: a missing value goes right (default_left == 0); leaves: 0 */
    uint8_t pad;
    int32_t left;  /* right = left + 1; leaves: own index */
} qc_cnode;

typedef struct {
    int32_t left;
    uint16_t feat;
    uint16_t dl;  /* default_left: added to the bin so NaN's top code wraps to 0 (left) */
    uint32_t tq;  /* go right iff ((bin + dl) & mask) >= tq; leaves: mask + 1 (never) */
} qc_qnode;

/* One node of the complete-tree layout: compare column col of the expanded row with thr. */
typedef struct {
    int32_t thr; /* float path: order key of the threshold; quantised: the bin threshold */
    int32_t col; /* 2 * feature + (1 if a missing value goes right) */
} qc_fnode;

struct qc_compiled {
    size_t d, width, n_trees, n_slots, n_nodes;
    qc_compiled_obj obj;
    float base_margin;
    int32_t *root;         /* n_slots (trees padded to a multiple of LANES with one-leaf zero trees) */
    uint32_t *group;       /* n_slots */
    uint16_t *depth;       /* n_slots */
    uint16_t *block_depth; /* n_slots / LANES */
    qc_cnode *nodes;
    float *val;    /* n_nodes: leaf values */
    int32_t *orig; /* n_nodes: XGBoost's node id */
    /* quantised */
    int bits;
    qc_qnode *qnodes;
    size_t *cut_off; /* d + 1 */
    float *cuts;     /* sorted distinct split points per feature */
    qc_compiled_eval eval; /* qc_compiled_set_eval */
    char *meta;            /* qc_compiled_set_meta, or NULL */
    /* complete-tree layout (compiled_fast.c); fdepth < 0 when not built (a tree too deep) */
    int fdepth;
    qc_fnode *fnodes; /* n_trees x 2^fdepth, slot 0 of each tree unused (root at 1) */
    qc_fnode *fqnodes; /* the same with bin thresholds, once quantised */
    float *fleaf;     /* n_trees x 2^fdepth leaf values */
    float *bin_tab;   /* d x BIN_TAB floats for the AVX-512 binning (every feature <= 255 cuts), or NULL */
    int32_t *forig;   /* n_trees x 2^fdepth XGBoost leaf ids */
};

/* compiled_fast.c */
void qc_fast_free(qc_compiled *m);
int qc_fast_build(qc_compiled *m);          /* 0, or -1 out of memory; fdepth = -1 if not eligible */
int qc_fast_quantize(qc_compiled *m);       /* after the cuts exist; 0 or -1 */
uint32_t qc_fast_bin_of(const qc_compiled *m, size_t j, float x);
int qc_fast_bin(const qc_compiled *m, const float *X, size_t n, void *B); /* 0: not taken */
void qc_fast_predict(const qc_compiled *m, const float *X, size_t n, float *out);
void qc_fast_leaves(const qc_compiled *m, const float *X, size_t n, int32_t *leaves);
void qc_fast_predict_q(const qc_compiled *m, const void *B, size_t n, float *out);
void qc_fast_leaves_q(const qc_compiled *m, const void *B, size_t n, int32_t *leaves);
void qc_compiled_transform(const qc_compiled *m, float *s);
qc_compiled_eval qc_fast_eval_auto(const qc_compiled *m);

/* compiled.c: o[name] of XGBoost's JSON dump, a number or a string holding one; 0 or -1. */
struct cJSON;
int qc_xgb_json_number(const struct cJSON *o, const char *name, double *out);

#endif
