/* onnx_export.c: fitted learners and ensembles -> an ONNX-ML ModelProto (onnx_export.h).
 *
 * Why our own protobuf encoder: Debian 12's libonnx-dev ships only C++ (the protobuf-generated
 * classes of onnx-ml.pb.h and a C++ checker); there is no C API, and libquantcli is C. Writing
 * protobuf is simple (we write, never parse): base-128 varints, length-delimited submessages and
 * strings, little-endian 32-bit floats. Field numbers are those of onnx.proto / onnx-ml.proto as
 * Debian installs them (/usr/include/onnx/onnx.proto from libonnx-dev 1.12 and
 * /usr/lib/python3/dist-packages/onnx/onnx-ml.proto from python3-onnx 1.12; the two agree on
 * every message used here). Repeated numbers are written packed, which every protobuf parser
 * accepts for repeated scalars whether or not the .proto (proto2 here) declares them packed.
 *
 * Trees: XGBoost goes left iff x < threshold and sends a missing value (NaN) the node's default
 * way; ONNX's BRANCH_LT takes the "true" branch iff x < value, and nodes_missing_value_tracks_true
 * sends NaN to the true branch when 1. So true = left child, false = right child and
 * missing_value_tracks_true = default_left. Only nodes reachable from each root are exported,
 * renumbered in preorder (ONNX wants ids 0, 1, 2, ... per tree; XGBoost may keep deleted nodes).
 * The base margin goes into base_values exactly as XGBoost computes it (in float). */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/onnx_export.h"
#include "models/optimization/compiled_int.h"

#define ONNX_IR_VERSION 8 /* onnx 1.12 */
#define OPSET_AI_ONNX 13
#define OPSET_AI_ONNX_ML 3
#define MAX_NODES (1u << 26)

/* ---- protobuf wire format ------------------------------------------------------------------------ */

typedef struct {
    uint8_t *p;
    size_t n, cap;
    int oom;
} pb;

enum { WT_VARINT = 0, WT_LEN = 2, WT_I32 = 5 };

static void pb_free(pb *b) {
    free(b->p);
    memset(b, 0, sizeof *b);
}

static void pb_raw(pb *b, const void *v, size_t n) {
    if (b->oom) return;
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->n + n) cap *= 2;
        uint8_t *np = realloc(b->p, cap);
        if (!np) {
            b->oom = 1;
            return;
        }
        b->p = np, b->cap = cap;
    }
    memcpy(b->p + b->n, v, n);
    b->n += n;
}

size_t qc_onnx_varint(uint64_t v, uint8_t *out) {
    size_t k = 0;
    while (v >= 0x80) {
        out[k++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    out[k++] = (uint8_t)v;
    return k;
}

static void pb_varint(pb *b, uint64_t v) {
    uint8_t tmp[10];
    pb_raw(b, tmp, qc_onnx_varint(v, tmp));
}

static void pb_key(pb *b, unsigned field, unsigned wt) { pb_varint(b, (uint64_t)field << 3 | wt); }

/* int32/int64/enum fields: negative values are ten-byte two's complement varints. */
static void pb_int(pb *b, unsigned field, int64_t v) {
    pb_key(b, field, WT_VARINT);
    pb_varint(b, (uint64_t)v);
}

static void pb_bytes(pb *b, unsigned field, const void *v, size_t n) {
    pb_key(b, field, WT_LEN);
    pb_varint(b, n);
    pb_raw(b, v, n);
}

static void pb_str(pb *b, unsigned field, const char *s) { pb_bytes(b, field, s, strlen(s)); }

/* Appends sub as a length-delimited field and frees it. */
static void pb_sub(pb *b, unsigned field, pb *sub) {
    if (sub->oom) b->oom = 1;
    pb_bytes(b, field, sub->p, sub->n);
    pb_free(sub);
}

static void float_le(float f, uint8_t out[4]) {
    uint32_t u;
    memcpy(&u, &f, 4);
    for (int k = 0; k < 4; k++) out[k] = (uint8_t)(u >> (8 * k));
}

static void pb_packed_ints(pb *b, unsigned field, const int64_t *v, size_t n) {
    uint8_t tmp[10];
    size_t len = 0;
    for (size_t i = 0; i < n; i++) len += qc_onnx_varint((uint64_t)v[i], tmp);
    pb_key(b, field, WT_LEN);
    pb_varint(b, len);
    for (size_t i = 0; i < n; i++) pb_varint(b, (uint64_t)v[i]);
}

static void pb_packed_floats(pb *b, unsigned field, const float *v, size_t n) {
    pb_key(b, field, WT_LEN);
    pb_varint(b, 4 * n);
    for (size_t i = 0; i < n; i++) {
        uint8_t le[4];
        float_le(v[i], le);
        pb_raw(b, le, 4);
    }
}

/* ---- ONNX messages (field numbers from onnx-ml.proto) ---------------------------------------------- */

enum { MODEL_IR = 1, MODEL_PRODUCER = 2, MODEL_PRODUCER_VERSION = 3, MODEL_DOMAIN = 4, MODEL_VERSION = 5,
       MODEL_DOC = 6, MODEL_GRAPH = 7, MODEL_OPSET = 8, MODEL_METADATA = 14 };
enum { OPSET_DOMAIN = 1, OPSET_VERSION = 2 };
enum { KV_KEY = 1, KV_VALUE = 2 };
enum { GRAPH_NODE = 1, GRAPH_NAME = 2, GRAPH_INIT = 5, GRAPH_DOC = 10, GRAPH_INPUT = 11, GRAPH_OUTPUT = 12 };
enum { NODE_INPUT = 1, NODE_OUTPUT = 2, NODE_NAME = 3, NODE_OP = 4, NODE_ATTR = 5, NODE_DOMAIN = 7 };
enum { ATTR_NAME = 1, ATTR_F = 2, ATTR_I = 3, ATTR_S = 4, ATTR_FLOATS = 7, ATTR_INTS = 8, ATTR_STRINGS = 9,
       ATTR_TYPE = 20 };
enum { AT_FLOAT = 1, AT_INT = 2, AT_STRING = 3, AT_FLOATS = 6, AT_INTS = 7, AT_STRINGS = 8 };
enum { VI_NAME = 1, VI_TYPE = 2 };
enum { TYPE_TENSOR = 1, TT_ELEM = 1, TT_SHAPE = 2, SHAPE_DIM = 1, DIM_VALUE = 1, DIM_PARAM = 2 };
enum { TENSOR_DIMS = 1, TENSOR_TYPE = 2, TENSOR_NAME = 8, TENSOR_RAW = 9 };
enum { ELEM_FLOAT = 1, ELEM_INT64 = 7 };

static void attr_begin(pb *a, const char *name, int type) {
    memset(a, 0, sizeof *a);
    pb_str(a, ATTR_NAME, name);
    pb_int(a, ATTR_TYPE, type);
}

static void attr_int(pb *node, const char *name, int64_t v) {
    pb a;
    attr_begin(&a, name, AT_INT);
    pb_int(&a, ATTR_I, v);
    pb_sub(node, NODE_ATTR, &a);
}

static void attr_str(pb *node, const char *name, const char *s) {
    pb a;
    attr_begin(&a, name, AT_STRING);
    pb_str(&a, ATTR_S, s);
    pb_sub(node, NODE_ATTR, &a);
}

static void attr_ints(pb *node, const char *name, const int64_t *v, size_t n) {
    pb a;
    attr_begin(&a, name, AT_INTS);
    pb_packed_ints(&a, ATTR_INTS, v, n);
    pb_sub(node, NODE_ATTR, &a);
}

static void attr_floats(pb *node, const char *name, const float *v, size_t n) {
    pb a;
    attr_begin(&a, name, AT_FLOATS);
    pb_packed_floats(&a, ATTR_FLOATS, v, n);
    pb_sub(node, NODE_ATTR, &a);
}

/* n copies of one string (nodes_modes). */
static void attr_strs(pb *node, const char *name, const char *const *s, size_t n) {
    pb a;
    attr_begin(&a, name, AT_STRINGS);
    for (size_t i = 0; i < n; i++) pb_str(&a, ATTR_STRINGS, s[i]);
    pb_sub(node, NODE_ATTR, &a);
}

/* ---- the graph under construction ---------------------------------------------------------------- */

typedef struct {
    pb graph;      /* GraphProto fields: nodes and initializers, in any order */
    size_t n_node; /* for unique node names */
    qc_task task;
    size_t width;
} gbuild;

static void node_begin(pb *n, gbuild *g, const char *op, const char *domain, const char *const *in, size_t nin,
                       const char *out) {
    char name[48];
    memset(n, 0, sizeof *n);
    for (size_t i = 0; i < nin; i++) pb_str(n, NODE_INPUT, in[i]);
    pb_str(n, NODE_OUTPUT, out);
    snprintf(name, sizeof name, "%s_%zu", op, g->n_node++);
    pb_str(n, NODE_NAME, name);
    pb_str(n, NODE_OP, op);
    if (domain) pb_str(n, NODE_DOMAIN, domain);
}

static void node_end(gbuild *g, pb *n) { pb_sub(&g->graph, GRAPH_NODE, n); }

/* A node of the default domain with no attributes. */
static void simple(gbuild *g, const char *op, const char *const *in, size_t nin, const char *out) {
    pb n;
    node_begin(&n, g, op, NULL, in, nin, out);
    node_end(g, &n);
}

static void one_in(gbuild *g, const char *op, const char *in, const char *out) { simple(g, op, &in, 1, out); }

static void two_in(gbuild *g, const char *op, const char *a, const char *b, const char *out) {
    const char *in[2] = {a, b};
    simple(g, op, in, 2, out);
}

/* A float initializer of shape dims[0..nd) (nd = 0: a scalar). */
static void init_floats(gbuild *g, const char *name, const int64_t *dims, size_t nd, const float *v, size_t n) {
    pb t = {0};
    if (nd) pb_packed_ints(&t, TENSOR_DIMS, dims, nd);
    pb_int(&t, TENSOR_TYPE, ELEM_FLOAT);
    pb_str(&t, TENSOR_NAME, name);
    pb_key(&t, TENSOR_RAW, WT_LEN);
    pb_varint(&t, 4 * n);
    for (size_t i = 0; i < n; i++) {
        uint8_t le[4];
        float_le(v[i], le);
        pb_raw(&t, le, 4);
    }
    pb_sub(&g->graph, GRAPH_INIT, &t);
}

static void init_float(gbuild *g, const char *name, float v) { init_floats(g, name, NULL, 0, &v, 1); }

static void init_int64s(gbuild *g, const char *name, const int64_t *v, size_t n) {
    pb t = {0};
    int64_t dim = (int64_t)n;
    pb_packed_ints(&t, TENSOR_DIMS, &dim, 1);
    pb_int(&t, TENSOR_TYPE, ELEM_INT64);
    pb_str(&t, TENSOR_NAME, name);
    uint8_t *raw = malloc(8 * n + 1);
    if (!raw) t.oom = 1;
    for (size_t i = 0; raw && i < n; i++)
        for (int k = 0; k < 8; k++) raw[8 * i + (size_t)k] = (uint8_t)((uint64_t)v[i] >> (8 * k));
    if (raw) pb_bytes(&t, TENSOR_RAW, raw, 8 * n);
    free(raw);
    pb_sub(&g->graph, GRAPH_INIT, &t);
}

/* ValueInfoProto of a float tensor [N, cols]. */
static void value_info(pb *graph, unsigned field, const char *name, size_t cols) {
    pb vi = {0}, type = {0}, tt = {0}, shape = {0}, d0 = {0}, d1 = {0};
    pb_str(&d0, DIM_PARAM, "N");
    pb_int(&d1, DIM_VALUE, (int64_t)cols);
    pb_sub(&shape, SHAPE_DIM, &d0);
    pb_sub(&shape, SHAPE_DIM, &d1);
    pb_int(&tt, TT_ELEM, ELEM_FLOAT);
    pb_sub(&tt, TT_SHAPE, &shape);
    pb_sub(&type, TYPE_TENSOR, &tt);
    pb_str(&vi, VI_NAME, name);
    pb_sub(&vi, VI_TYPE, &type);
    pb_sub(graph, field, &vi);
}

/* ---- XGBoost trees -> TreeEnsembleRegressor ------------------------------------------------------ */

typedef struct {
    size_t n, cap;        /* nodes */
    int64_t *tree, *id, *feat, *tid, *fid, *miss;
    float *thr;
    const char **mode;
    size_t nl;            /* leaves */
    int64_t *ltree, *lid, *ltarget;
    float *lw;
} tree_arrays;

static void tree_arrays_free(tree_arrays *t) {
    free(t->tree), free(t->id), free(t->feat), free(t->tid), free(t->fid), free(t->miss), free(t->thr);
    free(t->mode), free(t->ltree), free(t->lid), free(t->ltarget), free(t->lw);
    memset(t, 0, sizeof *t);
}

static int tree_arrays_alloc(tree_arrays *t, size_t cap) {
    memset(t, 0, sizeof *t);
    t->cap = cap;
    t->tree = malloc(cap * 8), t->id = malloc(cap * 8), t->feat = malloc(cap * 8), t->tid = malloc(cap * 8);
    t->fid = malloc(cap * 8), t->miss = malloc(cap * 8), t->thr = malloc(cap * 4), t->mode = malloc(cap * sizeof *t->mode);
    t->ltree = malloc(cap * 8), t->lid = malloc(cap * 8), t->ltarget = malloc(cap * 8), t->lw = malloc(cap * 4);
    return t->tree && t->id && t->feat && t->tid && t->fid && t->miss && t->thr && t->mode && t->ltree && t->lid &&
                   t->ltarget && t->lw
               ? 0
               : -1;
}

static qc_err bad_json(qc_error *err, const char *what) {
    return qc_err_set(err, QC_ERR_MODEL, "onnx: XGBoost model JSON: %s", what);
}


/* The JSON array name of exactly n numbers (booleans read as 0/1) into dst. */
static int json_array(const cJSON *o, const char *name, size_t n, double *dst) {
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, name), *v;
    if (!cJSON_IsArray(a) || (size_t)cJSON_GetArraySize(a) != n) return -1;
    size_t i = 0;
    cJSON_ArrayForEach(v, a) {
        if (cJSON_IsBool(v)) dst[i++] = cJSON_IsTrue(v);
        else if (cJSON_IsNumber(v) && isfinite(v->valuedouble)) dst[i++] = v->valuedouble;
        else return -1;
    }
    return 0;
}

typedef struct {
    double *left, *right, *feat, *cond, *dl, *stype;
    int64_t *newid, *stack;
} tree_json;

static void tree_json_free(tree_json *j) {
    free(j->left), free(j->right), free(j->feat), free(j->cond), free(j->dl), free(j->stype), free(j->newid);
    free(j->stack);
}

static int tree_json_alloc(tree_json *j, size_t n) {
    j->left = malloc(n * 8), j->right = malloc(n * 8), j->feat = malloc(n * 8), j->cond = malloc(n * 8);
    j->dl = malloc(n * 8), j->stype = calloc(n, 8), j->newid = malloc(n * 8), j->stack = malloc(n * 8);
    return j->left && j->right && j->feat && j->cond && j->dl && j->stype && j->newid && j->stack ? 0 : -1;
}

/* Preorder renumbering of the nodes reachable from 0 (newid[o] = -1 elsewhere); checks that
 * children come after their parent and that no node is reached twice. Returns the count or -1. */
static long renumber(const tree_json *j, size_t n) {
    for (size_t i = 0; i < n; i++) j->newid[i] = -1;
    size_t top = 0, next = 0;
    j->stack[top++] = 0;
    while (top) {
        int64_t o = j->stack[--top];
        if (j->newid[o] != -1) return -1;
        j->newid[o] = (int64_t)next++;
        if (j->left[o] == -1) continue;
        double l = j->left[o], r = j->right[o];
        if (!(l > (double)o && r > (double)o && l < (double)n && r < (double)n && l != r) || top + 2 > n) return -1;
        j->stack[top++] = (int64_t)r; /* left first in preorder */
        j->stack[top++] = (int64_t)l;
    }
    return (long)next;
}

/* Appends the reachable nodes of tree_id (already parsed into j) to t. */
static qc_err emit_tree(tree_arrays *t, const tree_json *j, size_t n, int64_t tree_id, int64_t target, size_t d,
                        qc_error *err) {
    for (size_t o = 0; o < n; o++) {
        if (j->newid[o] < 0) continue;
        size_t k = t->n++;
        t->tree[k] = tree_id, t->id[k] = j->newid[o];
        if (j->left[o] == -1) {
            t->feat[k] = 0, t->tid[k] = 0, t->fid[k] = 0, t->miss[k] = 0, t->thr[k] = 0, t->mode[k] = "LEAF";
            size_t q = t->nl++;
            t->ltree[q] = tree_id, t->lid[q] = j->newid[o], t->ltarget[q] = target, t->lw[q] = (float)j->cond[o];
            continue;
        }
        if (j->stype[o] != 0)
            return qc_err_set(err, QC_ERR_INPUT, "onnx: categorical splits are not supported (numerical splits only)");
        if (!(j->feat[o] >= 0 && j->feat[o] < (double)d)) return bad_json(err, "split feature out of range");
        t->feat[k] = (int64_t)j->feat[o], t->thr[k] = (float)j->cond[o], t->mode[k] = "BRANCH_LT";
        t->tid[k] = j->newid[(size_t)j->left[o]], t->fid[k] = j->newid[(size_t)j->right[o]];
        t->miss[k] = j->dl[o] != 0;
    }
    return QC_OK;
}

static qc_err parse_tree(tree_arrays *t, const cJSON *tree, int64_t tree_id, int64_t target, size_t d, qc_error *err) {
    double nn;
    if (qc_xgb_json_number(cJSON_GetObjectItemCaseSensitive(tree, "tree_param"), "num_nodes", &nn) || !(nn >= 1) ||
        nn != floor(nn) || t->n + (size_t)nn > t->cap)
        return bad_json(err, "bad num_nodes");
    size_t n = (size_t)nn;
    tree_json j = {0};
    qc_err rc = tree_json_alloc(&j, n) ? qc_err_set(err, QC_ERR_NOMEM, "out of memory") : QC_OK;
    if (!rc && (json_array(tree, "left_children", n, j.left) || json_array(tree, "right_children", n, j.right) ||
                json_array(tree, "split_indices", n, j.feat) || json_array(tree, "split_conditions", n, j.cond) ||
                json_array(tree, "default_left", n, j.dl)))
        rc = bad_json(err, "tree arrays missing or of the wrong length");
    if (!rc && cJSON_GetObjectItemCaseSensitive(tree, "split_type") && json_array(tree, "split_type", n, j.stype))
        rc = bad_json(err, "bad split_type");
    if (!rc && renumber(&j, n) < 0) rc = bad_json(err, "bad child indices");
    if (!rc) rc = emit_tree(t, &j, n, tree_id, target, d, err);
    tree_json_free(&j);
    return rc;
}

/* The base margin XGBoost starts from (XGBoost's ProbToMargin for logistic, in float). */
static qc_err base_margin(const cJSON *learner, double base_score, qc_task task, float *out, qc_error *err) {
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(learner, "objective"), "name");
    if (!cJSON_IsString(name)) return bad_json(err, "no objective");
    const char *s = name->valuestring;
    int ok = task == QC_TASK_REGRESSION ? strcmp(s, "reg:squarederror") == 0
             : task == QC_TASK_BINARY   ? strcmp(s, "binary:logistic") == 0
                                        : strcmp(s, "multi:softprob") == 0;
    if (!ok) return qc_err_set(err, QC_ERR_INPUT, "onnx: objective '%.40s' is not supported for a %s model", s, qc_task_name(task));
    float bs = (float)base_score;
    if (task == QC_TASK_BINARY) {
        if (!(bs > 0 && bs < 1)) return bad_json(err, "base_score must be in (0, 1)");
        *out = -logf(1.0f / bs - 1.0f);
    } else {
        *out = bs;
    }
    return isfinite(*out) ? QC_OK : bad_json(err, "base_score");
}

static void emit_tree_node(gbuild *g, const tree_arrays *t, float margin, const char *input, const char *out) {
    pb n;
    float *base = malloc(g->width * sizeof *base);
    node_begin(&n, g, "TreeEnsembleRegressor", "ai.onnx.ml", &input, 1, out);
    if (!base) n.oom = 1;
    for (size_t c = 0; base && c < g->width; c++) base[c] = margin;
    attr_str(&n, "aggregate_function", "SUM");
    if (base) attr_floats(&n, "base_values", base, g->width);
    attr_int(&n, "n_targets", (int64_t)g->width);
    attr_ints(&n, "nodes_falsenodeids", t->fid, t->n);
    attr_ints(&n, "nodes_featureids", t->feat, t->n);
    attr_ints(&n, "nodes_missing_value_tracks_true", t->miss, t->n);
    attr_strs(&n, "nodes_modes", t->mode, t->n);
    attr_ints(&n, "nodes_nodeids", t->id, t->n);
    attr_ints(&n, "nodes_treeids", t->tree, t->n);
    attr_ints(&n, "nodes_truenodeids", t->tid, t->n);
    attr_floats(&n, "nodes_values", t->thr, t->n);
    attr_str(&n, "post_transform", "NONE");
    attr_ints(&n, "target_ids", t->ltarget, t->nl);
    attr_ints(&n, "target_nodeids", t->lid, t->nl);
    attr_ints(&n, "target_treeids", t->ltree, t->nl);
    attr_floats(&n, "target_weights", t->lw, t->nl);
    free(base);
    node_end(g, &n);
}

static qc_err parse_trees(const cJSON *learner, size_t d, tree_arrays *t, qc_error *err) {
    const cJSON *model = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(learner, "gradient_booster"), "model");
    const cJSON *trees = cJSON_GetObjectItemCaseSensitive(model, "trees"), *info = cJSON_GetObjectItemCaseSensitive(model, "tree_info");
    if (!cJSON_IsArray(trees) || !cJSON_IsArray(info) || cJSON_GetArraySize(trees) != cJSON_GetArraySize(info) ||
        cJSON_GetArraySize(trees) < 1)
        return bad_json(err, "no trees");
    size_t total = 0;
    const cJSON *tr, *g = info->child;
    cJSON_ArrayForEach(tr, trees) {
        double nn;
        if (qc_xgb_json_number(cJSON_GetObjectItemCaseSensitive(tr, "tree_param"), "num_nodes", &nn) || !(nn >= 1) ||
            nn > MAX_NODES || (total += (size_t)nn) > MAX_NODES)
            return bad_json(err, "bad num_nodes");
    }
    if (tree_arrays_alloc(t, total)) return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    int64_t id = 0;
    cJSON_ArrayForEach(tr, trees) {
        if (!cJSON_IsNumber(g) || !(g->valuedouble >= 0 && g->valuedouble < 65536) || g->valuedouble != floor(g->valuedouble))
            return bad_json(err, "tree_info");
        qc_err rc = parse_tree(t, tr, id++, (int64_t)g->valuedouble, d, err);
        if (rc) return rc;
        g = g->next;
    }
    return QC_OK;
}

/* The TreeEnsembleRegressor of one XGBoost learner: input [N, d] -> out [N, width] margins. */
static qc_err emit_xgb(gbuild *g, const char *text, const char *kind, size_t d, const char *input, const char *out,
                       qc_error *err) {
    cJSON *root = cJSON_Parse(text);
    const cJSON *learner = cJSON_GetObjectItemCaseSensitive(root, "learner");
    const cJSON *booster = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(learner, "gradient_booster"), "name");
    const cJSON *mp = cJSON_GetObjectItemCaseSensitive(learner, "learner_model_param");
    double bs, nc, nf;
    float margin = 0;
    tree_arrays t = {0};
    qc_err rc = QC_OK;
    if (!cJSON_IsString(booster)) rc = bad_json(err, "no gradient_booster");
    else if (strcmp(booster->valuestring, "gbtree") != 0)
        rc = qc_err_set(err, QC_ERR_INPUT, "onnx: learner %s uses booster '%.20s': only gbtree (tree) boosters export", kind,
                        booster->valuestring);
    if (!rc && (qc_xgb_json_number(mp, "base_score", &bs) || qc_xgb_json_number(mp, "num_class", &nc) || qc_xgb_json_number(mp, "num_feature", &nf)))
        rc = bad_json(err, "learner_model_param");
    if (!rc && (nf != (double)d || (g->width > 1 ? nc != (double)g->width : nc > 1)))
        rc = bad_json(err, "num_feature or num_class disagrees with the model file");
    if (!rc) rc = base_margin(learner, bs, g->task, &margin, err);
    if (!rc) rc = parse_trees(learner, d, &t, err);
    for (size_t k = 0; !rc && k < t.nl; k++)
        if ((size_t)t.ltarget[k] >= g->width) rc = bad_json(err, "tree_info out of range");
    if (!rc) emit_tree_node(g, &t, margin, input, out);
    tree_arrays_free(&t);
    cJSON_Delete(root);
    return rc;
}

/* ---- linear models -> MatMul + Add --------------------------------------------------------------- */

/* x W + b with W [d, m] and b [m] as initializers. Standard MatMul and Add rather than
 * ai.onnx.ml LinearRegressor: onnx 1.12 infers no output type for LinearRegressor, so its
 * checker (full_check) rejects any node after it, and every runtime implements MatMul. */
static qc_err emit_linear(gbuild *g, const char *text, size_t d, size_t m, const char *input, const char *prefix,
                          const char *out, qc_error *err) {
    cJSON *o = cJSON_Parse(text);
    double *coef = malloc((m * d + 1) * sizeof *coef), *b0 = malloc((m + 1) * sizeof *b0);
    float *W = malloc((m * d + 1) * sizeof *W), *B = malloc((m + 1) * sizeof *B);
    qc_err rc = coef && b0 && W && B ? QC_OK : qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    if (!rc && (json_array(o, "coef", m * d, coef) || json_array(o, "intercept", m, b0)))
        rc = qc_err_set(err, QC_ERR_MODEL, "onnx: linear model: bad coefficient arrays");
    if (!rc) {
        char wn[64], bn[64], xw[64];
        snprintf(wn, sizeof wn, "%s_W", prefix), snprintf(bn, sizeof bn, "%s_B", prefix);
        snprintf(xw, sizeof xw, "%s_xW", prefix);
        for (size_t j = 0; j < d; j++)
            for (size_t c = 0; c < m; c++) W[j * m + c] = (float)coef[c * d + j]; /* ours is m x d */
        for (size_t c = 0; c < m; c++) B[c] = (float)b0[c];
        init_floats(g, wn, (const int64_t[]){(int64_t)d, (int64_t)m}, 2, W, m * d);
        init_floats(g, bn, (const int64_t[]){(int64_t)m}, 1, B, m);
        two_in(g, "MatMul", input, wn, xw);
        two_in(g, "Add", xw, bn, out);
    }
    free(coef), free(b0), free(W), free(B);
    cJSON_Delete(o);
    return rc;
}

/* ---- one learner's predictions ------------------------------------------------------------------- */

static int is_tree_kind(const char *k) {
    return strcmp(k, "xgb") == 0 || strcmp(k, "lgbm_like") == 0 || strcmp(k, "rf") == 0;
}

/* Learner l on input [N, d] -> out [N, width], the values qc_learner_predict gives. prefix names
 * its intermediate tensors. */
static qc_err emit_learner(gbuild *g, const qc_learner *l, const char *input, const char *prefix, const char *out,
                           qc_error *err) {
    const char *kind = qc_learner_kind(l);
    int tree = is_tree_kind(kind);
    if (!tree && strcmp(kind, "linear") != 0)
        return qc_err_set(err, QC_ERR_INPUT, "onnx: learner '%s' cannot be exported (xgb, lgbm_like, rf and linear can)", kind);
    char *text = NULL, margin[64], sig[64], sum[64], axes[64];
    qc_err rc = qc_learner_save(l, &text, err);
    snprintf(margin, sizeof margin, "%s_margin", prefix);
    const char *raw = g->task == QC_TASK_REGRESSION ? out : margin;
    size_t d = qc_learner_features(l), m = tree || g->task == QC_TASK_MULTICLASS ? g->width : 1;
    if (!rc) rc = tree ? emit_xgb(g, text, kind, d, input, raw, err) : emit_linear(g, text, d, m, input, prefix, raw, err);
    free(text);
    if (rc || g->task == QC_TASK_REGRESSION) return rc;
    if (g->task == QC_TASK_BINARY) {
        one_in(g, "Sigmoid", margin, out);
    } else if (tree) { /* multi:softprob */
        pb n;
        node_begin(&n, g, "Softmax", NULL, (const char *[]){margin}, 1, out);
        attr_int(&n, "axis", 1);
        node_end(g, &n);
    } else { /* one-vs-rest probabilities normalised to sum 1 */
        snprintf(sig, sizeof sig, "%s_sig", prefix), snprintf(sum, sizeof sum, "%s_sum", prefix);
        snprintf(axes, sizeof axes, "%s_axes", prefix);
        one_in(g, "Sigmoid", margin, sig);
        init_int64s(g, axes, (const int64_t[]){1}, 1);
        pb n;
        node_begin(&n, g, "ReduceSum", NULL, (const char *[]){sig, axes}, 2, sum);
        attr_int(&n, "keepdims", 1);
        node_end(g, &n);
        two_in(g, "Div", sig, sum, out);
    }
    return QC_OK;
}

/* ---- ensembles ----------------------------------------------------------------------------------- */

/* Average or vote: the mean of the base predictions (binary vote: of their p > 0.5). */
static void emit_mean(gbuild *g, const qc_ensemble *e, char (*names)[32], const char *out) {
    const char **in = malloc(e->m * sizeof *in);
    if (!in) {
        g->graph.oom = 1;
        return;
    }
    int vote = e->method == QC_ENS_VOTE && e->task == QC_TASK_BINARY;
    if (vote) init_float(g, "half", 0.5f);
    for (size_t b = 0; b < e->m; b++) {
        in[b] = names[b];
        if (!vote) continue;
        char gt[40];
        snprintf(gt, sizeof gt, "%s_gt", names[b]);
        two_in(g, "Greater", names[b], "half", gt);
        snprintf(names[b], 32, "l%zu_vote", b);
        pb n;
        node_begin(&n, g, "Cast", NULL, (const char *[]){gt}, 1, names[b]);
        attr_int(&n, "to", ELEM_FLOAT);
        node_end(g, &n);
    }
    init_float(g, "n_learners", (float)e->m);
    simple(g, "Sum", in, e->m, "ens_sum");
    two_in(g, "Div", "ens_sum", "n_learners", out);
    free(in);
}

/* Stack or blend: the meta-learner on the base predictions (binary: their clipped logits, as
 * qc_ens_meta_features computes them). */
static qc_err emit_meta(gbuild *g, const qc_ensemble *e, char (*names)[32], const char *out, qc_error *err) {
    const char **in = malloc(e->m * sizeof *in);
    if (!in) return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    int logit = e->task == QC_TASK_BINARY;
    if (logit) init_float(g, "clip_lo", 1e-6f), init_float(g, "clip_hi", (float)(1 - 1e-6)), init_float(g, "one", 1.0f);
    for (size_t b = 0; b < e->m; b++) {
        in[b] = names[b];
        if (!logit) continue;
        char c[40], q[40], r[40];
        snprintf(c, sizeof c, "l%zu_clip", b), snprintf(q, sizeof q, "l%zu_1mp", b), snprintf(r, sizeof r, "l%zu_odds", b);
        simple(g, "Clip", (const char *[]){names[b], "clip_lo", "clip_hi"}, 3, c);
        two_in(g, "Sub", "one", c, q);
        two_in(g, "Div", c, q, r);
        snprintf(names[b], 32, "l%zu_logit", b);
        one_in(g, "Log", r, names[b]);
    }
    pb n;
    node_begin(&n, g, "Concat", NULL, in, e->m, "meta_features");
    attr_int(&n, "axis", 1);
    node_end(g, &n);
    free(in);
    return emit_learner(g, e->meta, "meta_features", "meta", out, err);
}

static qc_err emit_ensemble(gbuild *g, const qc_ensemble *e, const char *out, qc_error *err) {
    if (e->method == QC_ENS_VOTE && e->task == QC_TASK_MULTICLASS)
        return qc_err_set(err, QC_ERR_INPUT, "onnx: a multiclass vote cannot be exported: pick one learner with --learner");
    char (*names)[32] = calloc(e->m, sizeof *names);
    if (!names) return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    qc_err rc = QC_OK;
    for (size_t b = 0; !rc && b < e->m; b++) {
        char prefix[24];
        snprintf(prefix, sizeof prefix, "l%zu", b), snprintf(names[b], 32, "l%zu_pred", b);
        rc = emit_learner(g, e->base[b], "features", prefix, names[b], err);
        if (rc) qc_err_prefix(err, "learner %zu: ", b);
    }
    if (!rc && e->meta) rc = emit_meta(g, e, names, out, err);
    else if (!rc) emit_mean(g, e, names, out);
    free(names);
    return rc;
}

/* ---- the model ----------------------------------------------------------------------------------- */

void qc_onnx_opts_init(qc_onnx_opts *o) {
    memset(o, 0, sizeof *o);
    o->learner = -1;
}

const char *qc_onnx_output_name(qc_task task) {
    return task == QC_TASK_REGRESSION ? "prediction" : task == QC_TASK_BINARY ? "probability" : "probabilities";
}

static void metadata(pb *model, const char *key, const char *value) {
    if (!value) return;
    pb kv = {0};
    pb_str(&kv, KV_KEY, key);
    pb_str(&kv, KV_VALUE, value);
    pb_sub(model, MODEL_METADATA, &kv);
}

static void opset(pb *model, const char *domain, int64_t version) {
    pb o = {0};
    pb_str(&o, OPSET_DOMAIN, domain);
    pb_int(&o, OPSET_VERSION, version);
    pb_sub(model, MODEL_OPSET, &o);
}

/* "xgb,linear" (+ "; meta linear") of what was exported. */
static void describe(const qc_ensemble *e, const qc_onnx_opts *o, char *buf, size_t n) {
    size_t k = 0;
    buf[0] = '\0';
    for (size_t b = 0; b < e->m && k < n; b++)
        if (o->learner < 0 || (size_t)o->learner == b)
            k += (size_t)snprintf(buf + k, n - k, "%s%s", k ? "," : "", qc_learner_kind(e->base[b]));
    if (o->learner < 0 && e->meta && k < n) snprintf(buf + k, n - k, "; meta %s", qc_learner_kind(e->meta));
}

static void add_metadata(pb *model, const qc_ensemble *e, const qc_onnx_opts *o) {
    char learners[256], width[32];
    describe(e, o, learners, sizeof learners);
    snprintf(width, sizeof width, "%zu", e->width);
    metadata(model, "task", qc_task_name(e->task));
    metadata(model, "ensemble", o->learner >= 0 || e->m == 1 ? "single" : qc_ens_method_name(e->method));
    metadata(model, "learners", learners);
    metadata(model, "input", "features");
    metadata(model, "output", qc_onnx_output_name(e->task));
    metadata(model, "output_width", width);
    metadata(model, "feature_spec", o->feature_spec);
    metadata(model, "label", o->label);
    metadata(model, "quantcli_version", o->source_version);
    if (!o->feature_names) return;
    cJSON *a = cJSON_CreateStringArray(o->feature_names, (int)o->n_features);
    char *s = a ? cJSON_PrintUnformatted(a) : NULL;
    if (!s) model->oom = 1;
    metadata(model, "feature_names", s);
    free(s);
    cJSON_Delete(a);
}

static qc_err build_graph(gbuild *g, const qc_ensemble *e, const qc_onnx_opts *o, qc_error *err) {
    const char *out = qc_onnx_output_name(e->task);
    qc_err rc;
    if (o->learner >= 0) {
        if ((size_t)o->learner >= e->m)
            return qc_err_set(err, QC_ERR_INPUT, "onnx: learner %d: the model has %zu", o->learner, e->m);
        rc = emit_learner(g, e->base[o->learner], "features", "l0", out, err);
    } else if (e->m == 1) {
        rc = emit_learner(g, e->base[0], "features", "l0", out, err);
    } else {
        rc = emit_ensemble(g, e, out, err);
    }
    if (rc) return rc;
    pb_str(&g->graph, GRAPH_NAME, "quantcli_model");
    pb_str(&g->graph, GRAPH_DOC, "QuantCLI model: features [N, d] float -> predictions (docs/MODELS.md)");
    value_info(&g->graph, GRAPH_INPUT, "features", e->d);
    value_info(&g->graph, GRAPH_OUTPUT, out, e->width);
    return QC_OK;
}

qc_err qc_onnx_export(const qc_ensemble *e, const qc_onnx_opts *o, uint8_t **buf, size_t *len, qc_error *err) {
    *buf = NULL, *len = 0;
    if (o->feature_names && o->n_features != e->d)
        return qc_err_set(err, QC_ERR_MODEL, "onnx: %zu feature names for a model of %zu features", o->n_features, e->d);
    gbuild g = {{0}, 0, e->task, e->width};
    pb model = {0};
    qc_err rc = build_graph(&g, e, o, err);
    if (rc) {
        pb_free(&g.graph);
        return rc;
    }
    pb_int(&model, MODEL_IR, ONNX_IR_VERSION);
    opset(&model, "", OPSET_AI_ONNX);
    opset(&model, "ai.onnx.ml", OPSET_AI_ONNX_ML);
    pb_str(&model, MODEL_PRODUCER, "quantcli");
    if (o->source_version) pb_str(&model, MODEL_PRODUCER_VERSION, o->source_version);
    pb_str(&model, MODEL_DOMAIN, "quantcli");
    pb_int(&model, MODEL_VERSION, 1);
    pb_str(&model, MODEL_DOC, "Exported by `quantcli model export`; input 'features', see metadata_props");
    pb_sub(&model, MODEL_GRAPH, &g.graph);
    add_metadata(&model, e, o);
    if (model.oom) {
        pb_free(&model);
        return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    }
    *buf = model.p, *len = model.n;
    return QC_OK;
}
