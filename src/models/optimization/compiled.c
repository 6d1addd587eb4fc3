/* compiled.c: XGBoost JSON model -> flat breadth-first node arrays; the float and the quantised
 * evaluators; .qcc files. See compiled.h for the ideas and docs/MODELS.md for the file layout.
 * Every tree occupies a contiguous node range; a node's children are adjacent and come after it
 * (left > own index), which the parser and the .qcc reader both check, so walks always end. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/optimization/compiled_int.h"

#define LANES 8              /* trees walked together */
#define MAX_DEPTH 1000       /* deeper trees are refused */
#define MAX_NODES (1u << 26) /* per model */

void qc_compiled_free(qc_compiled *m) {
    if (!m) return;
    free(m->root), free(m->group), free(m->depth), free(m->block_depth);
    free(m->nodes), free(m->val), free(m->orig);
    free(m->qnodes), free(m->cut_off), free(m->cuts);
    qc_fast_free(m);
    free(m->meta);
    free(m);
}

size_t qc_compiled_features(const qc_compiled *m) { return m->d; }
size_t qc_compiled_width(const qc_compiled *m) { return m->width; }
size_t qc_compiled_trees(const qc_compiled *m) { return m->n_trees; }
size_t qc_compiled_nodes(const qc_compiled *m) { return m->n_nodes; }
qc_compiled_obj qc_compiled_objective(const qc_compiled *m) { return m->obj; }
int qc_compiled_bits(const qc_compiled *m) { return m->bits; }

/* ---- building ---------------------------------------------------------------------------------- */

static qc_err bad(qc_error *err, const char *what) {
    return qc_err_set(err, QC_ERR_MODEL, "model JSON: %s", what);
}

static qc_compiled *alloc_model(size_t n_slots, size_t n_nodes) {
    qc_compiled *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    m->root = calloc(n_slots, sizeof *m->root);
    m->group = calloc(n_slots, sizeof *m->group);
    m->depth = calloc(n_slots, sizeof *m->depth);
    m->block_depth = calloc(n_slots / LANES + 1, sizeof *m->block_depth);
    m->nodes = calloc(n_nodes + 1, sizeof *m->nodes);
    m->val = calloc(n_nodes + 1, sizeof *m->val);
    m->orig = calloc(n_nodes + 1, sizeof *m->orig);
    if (!m->root || !m->group || !m->depth || !m->block_depth || !m->nodes || !m->val || !m->orig) {
        qc_compiled_free(m);
        return NULL;
    }
    m->n_slots = n_slots;
    m->fdepth = -1;
    return m;
}

static void set_leaf(qc_compiled *m, size_t at, float value, int32_t orig) {
    m->nodes[at] = (qc_cnode){NAN, 0, 0, 0, (int32_t)at};
    m->val[at] = value;
    m->orig[at] = orig;
}

/* Pads the tree list with one-leaf zero trees and fills the per-block depths. */
static void finish_blocks(qc_compiled *m) {
    for (size_t s = m->n_trees; s < m->n_slots; s++) {
        set_leaf(m, m->n_nodes, 0.0f, 0);
        m->root[s] = (int32_t)m->n_nodes++;
        m->group[s] = 0, m->depth[s] = 0;
    }
    for (size_t b = 0; b < m->n_slots / LANES; b++) {
        uint16_t md = 0;
        for (size_t k = 0; k < LANES; k++) md = m->depth[b * LANES + k] > md ? m->depth[b * LANES + k] : md;
        m->block_depth[b] = md;
    }
}

/* A JSON array of n numbers into dst (float or int32 by is_int); -1 if it is not one. */
static int num_array(const cJSON *tree, const char *name, size_t n, float *fdst, int32_t *idst) {
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(tree, name);
    if (!cJSON_IsArray(a)) return -1;
    size_t i = 0;
    const cJSON *v;
    cJSON_ArrayForEach(v, a) {
        if (i == n || !cJSON_IsNumber(v)) return -1;
        if (fdst) fdst[i] = (float)v->valuedouble;
        if (idst) {
            double x = v->valuedouble;
            if (!(x >= -1 && x <= 2147483647.0) || x != floor(x)) return -1;
            idst[i] = (int32_t)x;
        }
        i++;
    }
    return i == n ? 0 : -1;
}

/* A number stored as a JSON string ("5E-1") or a number; onnx_export.c reads the same dump. */
int qc_xgb_json_number(const cJSON *o, const char *name, double *out) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    if (cJSON_IsNumber(v)) {
        *out = v->valuedouble;
        return 0;
    }
    if (!cJSON_IsString(v)) return -1;
    char *end;
    *out = strtod(v->valuestring, &end);
    return *end || end == v->valuestring ? -1 : 0;
}

typedef struct {
    int32_t *left, *right, *feat, *dl, *stype, *queue;
    uint16_t *qdepth;
    float *cond;
} tree_buf;

static void tree_buf_free(tree_buf *b) {
    free(b->left), free(b->right), free(b->feat), free(b->dl), free(b->stype), free(b->queue), free(b->qdepth);
    free(b->cond);
}

static int tree_buf_alloc(tree_buf *b, size_t n) {
    memset(b, 0, sizeof *b);
    b->left = malloc(n * sizeof(int32_t)), b->right = malloc(n * sizeof(int32_t));
    b->feat = malloc(n * sizeof(int32_t)), b->dl = malloc(n * sizeof(int32_t));
    b->stype = calloc(n, sizeof(int32_t)), b->queue = malloc(n * sizeof(int32_t));
    b->qdepth = malloc(n * sizeof(uint16_t)), b->cond = malloc(n * sizeof(float));
    return b->left && b->right && b->feat && b->dl && b->stype && b->queue && b->qdepth && b->cond ? 0 : -1;
}

/* Breadth-first relayout of one parsed tree into m at m->n_nodes. */
static qc_err relayout(qc_compiled *m, const tree_buf *b, size_t n, size_t slot, qc_error *err) {
    size_t base = m->n_nodes, head = 0, tail = 1;
    uint16_t maxd = 0;
    b->queue[0] = 0, b->qdepth[0] = 0;
    while (head < tail) {
        int32_t o = b->queue[head];
        size_t at = base + head;
        uint16_t dep = b->qdepth[head++];
        maxd = dep > maxd ? dep : maxd;
        if (b->left[o] == -1) {
            if (b->right[o] != -1 || !isfinite(b->cond[o])) return bad(err, "bad leaf");
            set_leaf(m, at, b->cond[o], o);
            continue;
        }
        int32_t l = b->left[o], r = b->right[o];
        if (l <= o || r <= o || l == r || (size_t)l >= n || (size_t)r >= n) return bad(err, "bad child index");
        if ((size_t)b->feat[o] >= m->d || b->feat[o] < 0) return bad(err, "split feature out of range");
        if (b->stype[o] != 0) return bad(err, "categorical splits are not supported");
        if (!isfinite(b->cond[o])) return bad(err, "split condition is not finite");
        if (tail + 2 > n || dep + 1 > MAX_DEPTH) return bad(err, "a node is reached twice or the tree is too deep");
        m->nodes[at] = (qc_cnode){b->cond[o], (uint16_t)b->feat[o], (uint8_t)!b->dl[o], 0, (int32_t)(base + tail)};
        m->val[at] = 0, m->orig[at] = o;
        b->queue[tail] = l, b->qdepth[tail++] = (uint16_t)(dep + 1);
        b->queue[tail] = r, b->qdepth[tail++] = (uint16_t)(dep + 1);
    }
    m->root[slot] = (int32_t)base;
    m->depth[slot] = maxd;
    m->n_nodes += tail;
    return QC_OK;
}

static qc_err parse_tree(qc_compiled *m, const cJSON *tree, size_t slot, qc_error *err) {
    double nn;
    const cJSON *tp = cJSON_GetObjectItemCaseSensitive(tree, "tree_param");
    if (qc_xgb_json_number(tp, "num_nodes", &nn) || !(nn >= 1) || nn > MAX_NODES || nn != floor(nn))
        return bad(err, "bad num_nodes");
    size_t n = (size_t)nn;
    if (m->n_nodes + n + m->n_slots > MAX_NODES) return bad(err, "too many nodes");
    tree_buf b;
    qc_err rc = QC_OK;
    if (tree_buf_alloc(&b, n)) rc = qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    if (!rc && (num_array(tree, "left_children", n, NULL, b.left) || num_array(tree, "right_children", n, NULL, b.right) ||
                num_array(tree, "split_indices", n, NULL, b.feat) || num_array(tree, "default_left", n, NULL, b.dl) ||
                num_array(tree, "split_conditions", n, b.cond, NULL)))
        rc = bad(err, "tree arrays missing or of the wrong length");
    if (!rc && cJSON_GetObjectItemCaseSensitive(tree, "split_type") &&
        num_array(tree, "split_type", n, NULL, b.stype))
        rc = bad(err, "bad split_type");
    if (!rc) rc = relayout(m, &b, n, slot, err);
    tree_buf_free(&b);
    return rc;
}

static qc_err parse_objective(qc_compiled *m, const cJSON *learner, double base_score, qc_error *err) {
    const cJSON *obj = cJSON_GetObjectItemCaseSensitive(learner, "objective");
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(obj, "name");
    if (!cJSON_IsString(name)) return bad(err, "no objective name");
    const char *s = name->valuestring;
    if (strcmp(s, "reg:squarederror") == 0 || strcmp(s, "reg:linear") == 0) m->obj = QC_OBJ_REGRESSION;
    else if (strcmp(s, "binary:logistic") == 0 || strcmp(s, "reg:logistic") == 0) m->obj = QC_OBJ_LOGISTIC;
    else if (strcmp(s, "binary:logitraw") == 0) m->obj = QC_OBJ_LOGITRAW;
    else if (strcmp(s, "multi:softprob") == 0) m->obj = QC_OBJ_SOFTPROB;
    else return qc_err_set(err, QC_ERR_MODEL, "model JSON: objective '%.40s' is not supported", s);
    if ((m->obj == QC_OBJ_SOFTPROB) != (m->width > 1)) return bad(err, "objective and num_class disagree");
    float bs = (float)base_score;
    if (m->obj == QC_OBJ_LOGISTIC) {
        if (!(bs > 0 && bs < 1)) return bad(err, "base_score must be in (0, 1)");
        m->base_margin = -logf(1.0f / bs - 1.0f); /* XGBoost's ProbToMargin, in float */
    } else {
        m->base_margin = bs;
    }
    return isfinite(m->base_margin) ? QC_OK : bad(err, "base_score");
}

static qc_err parse_model(const cJSON *root, qc_compiled **out, qc_error *err) {
    const cJSON *learner = cJSON_GetObjectItemCaseSensitive(root, "learner");
    const cJSON *mp = cJSON_GetObjectItemCaseSensitive(learner, "learner_model_param");
    const cJSON *gb = cJSON_GetObjectItemCaseSensitive(learner, "gradient_booster");
    const cJSON *gname = cJSON_GetObjectItemCaseSensitive(gb, "name");
    const cJSON *model = cJSON_GetObjectItemCaseSensitive(gb, "model");
    const cJSON *trees = cJSON_GetObjectItemCaseSensitive(model, "trees");
    const cJSON *info = cJSON_GetObjectItemCaseSensitive(model, "tree_info");
    double bs, nc, nf;
    if (!cJSON_IsString(gname) || strcmp(gname->valuestring, "gbtree") != 0)
        return bad(err, "only gbtree boosters are supported");
    if (qc_xgb_json_number(mp, "base_score", &bs) || qc_xgb_json_number(mp, "num_class", &nc) || qc_xgb_json_number(mp, "num_feature", &nf))
        return bad(err, "learner_model_param");
    if (!(nf >= 1 && nf <= 65535) || nf != floor(nf) || !(nc >= 0 && nc <= 1000) || nc != floor(nc) || nc == 1)
        return bad(err, "num_feature or num_class out of range");
    if (!cJSON_IsArray(trees) || !cJSON_IsArray(info)) return bad(err, "no trees");
    size_t nt = (size_t)cJSON_GetArraySize(trees);
    if (nt == 0 || nt > 1000000 || (size_t)cJSON_GetArraySize(info) != nt) return bad(err, "tree count");
    size_t slots = (nt + LANES - 1) / LANES * LANES;
    qc_compiled *m = alloc_model(slots, 0);
    if (!m) return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    m->d = (size_t)nf, m->width = nc > 1 ? (size_t)nc : 1, m->n_trees = nt;
    qc_err rc = parse_objective(m, learner, bs, err);
    /* node arrays grow per tree: count first */
    size_t total = 0;
    const cJSON *t;
    cJSON_ArrayForEach(t, trees) {
        double nn;
        if (rc || qc_xgb_json_number(cJSON_GetObjectItemCaseSensitive(t, "tree_param"), "num_nodes", &nn) || !(nn >= 1) ||
            nn > MAX_NODES || (total += (size_t)nn) > MAX_NODES) {
            if (!rc) rc = bad(err, "bad num_nodes");
            break;
        }
    }
    if (!rc) {
        free(m->nodes), free(m->val), free(m->orig);
        m->nodes = calloc(total + slots, sizeof *m->nodes);
        m->val = calloc(total + slots, sizeof *m->val);
        m->orig = calloc(total + slots, sizeof *m->orig);
        if (!m->nodes || !m->val || !m->orig) rc = qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    }
    size_t s = 0;
    const cJSON *g = info->child;
    cJSON_ArrayForEach(t, trees) {
        if (rc) break;
        if (!cJSON_IsNumber(g) || g->valuedouble < 0 || g->valuedouble >= (double)m->width) rc = bad(err, "tree_info");
        if (!rc) m->group[s] = (uint32_t)g->valuedouble;
        if (!rc) rc = parse_tree(m, t, s++, err);
        g = g->next;
    }
    if (rc) {
        qc_compiled_free(m);
        return rc;
    }
    finish_blocks(m);
    if (qc_fast_build(m)) {
        qc_compiled_free(m);
        return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    }
    *out = m;
    return QC_OK;
}

qc_err qc_compiled_from_json(const char *json, size_t len, qc_compiled **out, qc_error *err) {
    *out = NULL;
    cJSON *root = cJSON_ParseWithLength(json, len);
    if (!root) return bad(err, "not valid JSON");
    qc_err rc = parse_model(root, out, err);
    cJSON_Delete(root);
    return rc;
}

/* ---- float evaluation -------------------------------------------------------------------------- */

/* Walks the LANES trees of block b for one row; idx gets the leaves reached. */
static inline void walk_f(const qc_compiled *m, const float *x, size_t b, int32_t *idx) {
    const qc_cnode *nd = m->nodes;
    for (size_t k = 0; k < LANES; k++) idx[k] = m->root[b * LANES + k];
    for (unsigned l = 0; l < m->block_depth[b]; l++)
        for (size_t k = 0; k < LANES; k++) {
            const qc_cnode *p = &nd[idx[k]];
            float v = x[p->feat];
            idx[k] = p->left + ((v >= p->thr) | ((v != v) & p->ndl));
        }
}

/* The objective's transform of the margins s[0..width), in float as XGBoost computes it. */
void qc_compiled_transform(const qc_compiled *m, float *s) {
    if (m->obj == QC_OBJ_LOGISTIC) {
        s[0] = 1.0f / (1.0f + expf(-s[0]));
    } else if (m->obj == QC_OBJ_SOFTPROB) {
        float mx = s[0], sum = 0;
        for (size_t c = 1; c < m->width; c++) mx = s[c] > mx ? s[c] : mx;
        for (size_t c = 0; c < m->width; c++) sum += (s[c] = expf(s[c] - mx));
        for (size_t c = 0; c < m->width; c++) s[c] /= sum;
    }
}

/* Rows go through in chunks: for each block of LANES trees every row of the chunk is walked, so a
 * block's nodes stay in L1 while the chunk's rows stream past them. Each row's sum still adds its
 * trees in model order, as XGBoost does. */
#define CHUNK 64

static void init_sums(const qc_compiled *m, float *out, size_t r) {
    for (size_t i = 0; i < r * m->width; i++) out[i] = m->base_margin;
}

/* The complete-tree evaluators (compiled_fast.c) unless the model has a tree too deep for them or
 * the general walker was asked for. */
static int use_fast(const qc_compiled *m) { return m->fdepth >= 0 && m->eval != QC_EVAL_GENERAL; }

qc_compiled_eval qc_compiled_set_eval(qc_compiled *m, qc_compiled_eval e) {
    m->eval = e;
    if (m->fdepth < 0 || e == QC_EVAL_GENERAL) return QC_EVAL_GENERAL;
    return e == QC_EVAL_SCALAR ? QC_EVAL_SCALAR : qc_fast_eval_auto(m);
}

void qc_compiled_predict(const qc_compiled *m, const float *X, size_t n, float *out) {
    if (use_fast(m)) {
        qc_fast_predict(m, X, n, out);
        return;
    }
    int32_t idx[LANES];
    for (size_t i0 = 0; i0 < n; i0 += CHUNK) {
        size_t r = n - i0 < CHUNK ? n - i0 : CHUNK;
        init_sums(m, out + i0 * m->width, r);
        for (size_t b = 0; b < m->n_slots / LANES; b++)
            for (size_t i = i0; i < i0 + r; i++) {
                walk_f(m, X + i * m->d, b, idx);
                float *s = out + i * m->width;
                for (size_t k = 0; k < LANES; k++) s[m->group[b * LANES + k]] += m->val[idx[k]];
            }
        for (size_t i = i0; i < i0 + r; i++) qc_compiled_transform(m, out + i * m->width);
    }
}

void qc_compiled_leaves(const qc_compiled *m, const float *X, size_t n, int32_t *leaves) {
    if (use_fast(m)) {
        qc_fast_leaves(m, X, n, leaves);
        return;
    }
    int32_t idx[LANES];
    for (size_t i = 0; i < n; i++)
        for (size_t b = 0; b < m->n_slots / LANES; b++) {
            walk_f(m, X + i * m->d, b, idx);
            for (size_t k = 0; k < LANES && b * LANES + k < m->n_trees; k++)
                leaves[i * m->n_trees + b * LANES + k] = m->orig[idx[k]];
        }
}

/* ---- quantised ---------------------------------------------------------------------------------- */

static int cmp_float(const void *a, const void *b) {
    float x = *(const float *)a, y = *(const float *)b;
    return x < y ? -1 : x > y ? 1 : 0;
}

/* Sorted distinct split points per feature into m->cut_off / m->cuts. */
static qc_err collect_cuts(qc_compiled *m, qc_error *err) {
    size_t *cnt = calloc(m->d + 1, sizeof *cnt);
    float *cuts = malloc((m->n_nodes + 1) * sizeof *cuts);
    if (!cnt || !cuts) {
        free(cnt), free(cuts);
        return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < m->n_nodes; i++)
        if (m->nodes[i].left != (int32_t)i) cnt[m->nodes[i].feat + 1]++;
    for (size_t j = 0; j < m->d; j++) cnt[j + 1] += cnt[j];
    size_t *fill = calloc(m->d, sizeof *fill);
    if (!fill) {
        free(cnt), free(cuts);
        return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < m->n_nodes; i++)
        if (m->nodes[i].left != (int32_t)i) cuts[cnt[m->nodes[i].feat] + fill[m->nodes[i].feat]++] = m->nodes[i].thr;
    /* sort and dedupe each feature's run, compacting in place */
    size_t w = 0;
    for (size_t j = 0; j < m->d; j++) {
        size_t a = cnt[j], b = cnt[j + 1], start = w;
        qsort(cuts + a, b - a, sizeof *cuts, cmp_float);
        for (size_t k = a; k < b; k++)
            if (k == a || cuts[k] != cuts[k - 1]) cuts[w++] = cuts[k];
        cnt[j] = start;
    }
    cnt[m->d] = w;
    free(fill);
    free(m->cut_off), free(m->cuts);
    m->cut_off = cnt, m->cuts = cuts;
    return QC_OK;
}

/* bin(x) = how many of feature j's split points are <= x. */
uint32_t qc_fast_bin_of(const qc_compiled *m, size_t j, float x) {
    const float *c = m->cuts + m->cut_off[j], *b = c;
    size_t len = m->cut_off[j + 1] - m->cut_off[j];
    if (len == 0) return 0;
    while (len > 1) { /* the answer stays in [b - c, b - c + len]; no branch on the data */
        size_t half = len / 2;
        b += (size_t)(b[half - 1] <= x) * half; /* arithmetic, not a select: compilers keep it branch-free */
        len -= half;
    }
    return (uint32_t)(b - c) + (*b <= x);
}

qc_err qc_compiled_quantize(qc_compiled *m, int bits, qc_error *err) {
    if (bits != 8 && bits != 16) return qc_err_set(err, QC_ERR_INPUT, "quantise: bits must be 8 or 16");
    qc_err rc = collect_cuts(m, err);
    if (rc) return rc;
    size_t maxc = bits == 8 ? 254 : 65534;
    for (size_t j = 0; j < m->d; j++)
        if (m->cut_off[j + 1] - m->cut_off[j] > maxc)
            return qc_err_set(err, QC_ERR_MODEL, "quantise: feature %zu has %zu split points, more than %zu for %d bits",
                              j, m->cut_off[j + 1] - m->cut_off[j], maxc, bits);
    qc_qnode *q = malloc((m->n_nodes + 1) * sizeof *q);
    if (!q) return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    uint32_t mask = bits == 8 ? 0xFFu : 0xFFFFu;
    for (size_t i = 0; i < m->n_nodes; i++) {
        const qc_cnode *p = &m->nodes[i];
        if (p->left == (int32_t)i) {
            q[i] = (qc_qnode){p->left, 0, 0, mask + 1};
            continue;
        }
        /* x >= t_k (0-based k among the sorted cuts) iff bin(x) >= k + 1 */
        uint32_t tb = qc_fast_bin_of(m, p->feat, p->thr);
        uint16_t dl = (uint16_t)!p->ndl;
        q[i] = (qc_qnode){p->left, p->feat, dl, tb + dl};
    }
    free(m->qnodes);
    m->qnodes = q;
    m->bits = bits;
    return qc_fast_quantize(m) ? qc_err_set(err, QC_ERR_NOMEM, "out of memory") : QC_OK;
}

void qc_compiled_bin(const qc_compiled *m, const float *X, size_t n, void *B) {
    if (qc_fast_bin(m, X, n, B)) return;
    uint8_t *b8 = B;
    uint16_t *b16 = B;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < m->d; j++) {
            float x = X[i * m->d + j];
            uint32_t v = x != x ? (m->bits == 8 ? 0xFFu : 0xFFFFu) : qc_fast_bin_of(m, j, x);
            if (m->bits == 8) b8[i * m->d + j] = (uint8_t)v;
            else b16[i * m->d + j] = (uint16_t)v;
        }
}

#define WALK_Q(TYPE, MASK)                                                                     \
    static inline void walk_q##TYPE(const qc_compiled *m, const TYPE *x, size_t b, int32_t *idx) { \
        const qc_qnode *nd = m->qnodes;                                                           \
        for (size_t k = 0; k < LANES; k++) idx[k] = m->root[b * LANES + k];                     \
        for (unsigned l = 0; l < m->block_depth[b]; l++)                                        \
            for (size_t k = 0; k < LANES; k++) {                                                \
                const qc_qnode *p = &nd[idx[k]];                                                   \
                uint32_t v = ((uint32_t)x[p->feat] + p->dl) & (MASK);                           \
                idx[k] = p->left + (v >= p->tq);                                                \
            }                                                                                   \
    }
WALK_Q(uint8_t, 0xFFu)
WALK_Q(uint16_t, 0xFFFFu)

static void walk_q(const qc_compiled *m, const void *B, size_t i, size_t b, int32_t *idx) {
    if (m->bits == 8) walk_quint8_t(m, (const uint8_t *)B + i * m->d, b, idx);
    else walk_quint16_t(m, (const uint16_t *)B + i * m->d, b, idx);
}

void qc_compiled_predict_q(const qc_compiled *m, const void *B, size_t n, float *out) {
    if (use_fast(m)) {
        qc_fast_predict_q(m, B, n, out);
        return;
    }
    int32_t idx[LANES];
    for (size_t i0 = 0; i0 < n; i0 += CHUNK) {
        size_t r = n - i0 < CHUNK ? n - i0 : CHUNK;
        init_sums(m, out + i0 * m->width, r);
        for (size_t b = 0; b < m->n_slots / LANES; b++)
            for (size_t i = i0; i < i0 + r; i++) {
                walk_q(m, B, i, b, idx);
                float *s = out + i * m->width;
                for (size_t k = 0; k < LANES; k++) s[m->group[b * LANES + k]] += m->val[idx[k]];
            }
        for (size_t i = i0; i < i0 + r; i++) qc_compiled_transform(m, out + i * m->width);
    }
}

void qc_compiled_leaves_q(const qc_compiled *m, const void *B, size_t n, int32_t *leaves) {
    if (use_fast(m)) {
        qc_fast_leaves_q(m, B, n, leaves);
        return;
    }
    int32_t idx[LANES];
    for (size_t i = 0; i < n; i++)
        for (size_t b = 0; b < m->n_slots / LANES; b++) {
            walk_q(m, B, i, b, idx);
            for (size_t k = 0; k < LANES && b * LANES + k < m->n_trees; k++)
                leaves[i * m->n_trees + b * LANES + k] = m->orig[idx[k]];
        }
}

/* ---- .qcc files ------------------------------------------------------------------------------ */

/* Layout (little-endian, as the host writes it): "QCC1", then u32 d, width, objective, bits,
 * n_trees, n_nodes, f32 base_margin; per tree u32 first node, u32 group; per node f32 thr,
 * u16 feat, u8 ndl, u8 0, i32 left, f32 value, i32 XGBoost node id; optionally "META", u32 length
 * and that many bytes of text. The reader checks every index and rebuilds depths, quantised tables
 * and the complete-tree layout. */
#define META_MAX (1u << 20)
typedef struct {
    char magic[4];
    uint32_t d, width, obj, bits, n_trees, n_nodes;
    float base_margin;
} qcc_header;

qc_err qc_compiled_write(const qc_compiled *m, FILE *f, qc_error *err) {
    size_t real_nodes = m->n_nodes - (m->n_slots - m->n_trees);
    qcc_header h = {{'Q', 'C', 'C', '1'}, (uint32_t)m->d, (uint32_t)m->width, (uint32_t)m->obj, (uint32_t)m->bits,
                    (uint32_t)m->n_trees, (uint32_t)real_nodes, m->base_margin};
    fwrite(&h, sizeof h, 1, f);
    for (size_t t = 0; t < m->n_trees; t++) {
        uint32_t tr[2] = {(uint32_t)m->root[t], m->group[t]};
        fwrite(tr, sizeof tr, 1, f);
    }
    for (size_t i = 0; i < real_nodes; i++) {
        fwrite(&m->nodes[i], sizeof m->nodes[i], 1, f);
        fwrite(&m->val[i], sizeof m->val[i], 1, f);
        fwrite(&m->orig[i], sizeof m->orig[i], 1, f);
    }
    if (m->meta) {
        uint32_t ml = (uint32_t)strlen(m->meta);
        fwrite("META", 4, 1, f);
        fwrite(&ml, sizeof ml, 1, f);
        fwrite(m->meta, 1, ml, f);
    }
    return ferror(f) ? qc_err_set(err, QC_ERR_INTERNAL, "write failed") : QC_OK;
}

/* Checks tree t's node range [a, b) and fills its depth. */
static qc_err check_tree(qc_compiled *m, size_t t, size_t a, size_t b, uint16_t *dep, qc_error *err) {
    uint16_t md = 0;
    for (size_t i = a; i < b; i++) dep[i] = 0;
    for (size_t i = a; i < b; i++) {
        const qc_cnode *p = &m->nodes[i];
        if (p->left == (int32_t)i) {
            if (!isnan(p->thr) || p->ndl || p->feat || !isfinite(m->val[i])) return bad(err, "qcc: bad leaf");
            continue;
        }
        if (p->left <= (int32_t)i || (size_t)p->left + 1 >= b || p->feat >= m->d || p->ndl > 1 || !isfinite(p->thr))
            return bad(err, "qcc: bad node");
        if (dep[i] + 1 > MAX_DEPTH) return bad(err, "qcc: tree too deep");
        for (int c = 0; c < 2; c++)
            if (dep[p->left + c] < dep[i] + 1) dep[p->left + c] = (uint16_t)(dep[i] + 1);
        md = dep[i] + 1 > md ? (uint16_t)(dep[i] + 1) : md;
    }
    m->depth[t] = md;
    return QC_OK;
}

static qc_err read_body(qc_compiled *m, const unsigned char *p, const qcc_header *h, qc_error *err) {
    for (size_t t = 0; t < m->n_trees; t++) {
        uint32_t tr[2];
        memcpy(tr, p + t * sizeof tr, sizeof tr);
        if (tr[1] >= m->width || tr[0] >= h->n_nodes || (t == 0 && tr[0] != 0) || (t > 0 && tr[0] <= (uint32_t)m->root[t - 1]))
            return bad(err, "qcc: bad tree table");
        m->root[t] = (int32_t)tr[0], m->group[t] = tr[1];
    }
    p += m->n_trees * 8;
    for (size_t i = 0; i < h->n_nodes; i++, p += sizeof(qc_cnode) + 8) {
        memcpy(&m->nodes[i], p, sizeof(qc_cnode));
        memcpy(&m->val[i], p + sizeof(qc_cnode), 4);
        memcpy(&m->orig[i], p + sizeof(qc_cnode) + 4, 4);
    }
    m->n_nodes = h->n_nodes;
    uint16_t *dep = malloc(h->n_nodes * sizeof *dep);
    if (!dep) return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    qc_err rc = QC_OK;
    for (size_t t = 0; !rc && t < m->n_trees; t++)
        rc = check_tree(m, t, (size_t)m->root[t], t + 1 < m->n_trees ? (size_t)m->root[t + 1] : h->n_nodes, dep, err);
    free(dep);
    return rc;
}

qc_err qc_compiled_read(const void *buf, size_t len, qc_compiled **out, qc_error *err) {
    *out = NULL;
    qcc_header h;
    if (len < sizeof h || memcmp(buf, "QCC1", 4) != 0) return bad(err, "qcc: not a .qcc file");
    memcpy(&h, buf, sizeof h);
    if (h.d < 1 || h.d > 65535 || h.width < 1 || h.width > 1000 || h.obj > QC_OBJ_SOFTPROB ||
        (h.bits != 0 && h.bits != 8 && h.bits != 16) || h.n_trees < 1 || h.n_trees > 1000000 ||
        h.n_nodes < h.n_trees || h.n_nodes > MAX_NODES || !isfinite(h.base_margin) ||
        (h.obj == QC_OBJ_SOFTPROB) != (h.width > 1))
        return bad(err, "qcc: bad header");
    size_t body = sizeof h + (size_t)h.n_trees * 8 + (size_t)h.n_nodes * (sizeof(qc_cnode) + 8);
    const unsigned char *tail = (const unsigned char *)buf + body;
    uint32_t ml = 0;
    if (len >= body + 8 && memcmp(tail, "META", 4) == 0) memcpy(&ml, tail + 4, 4);
    if (len != body && (len < body + 8 || memcmp(tail, "META", 4) != 0 || ml > META_MAX || len - body - 8 != ml ||
                        memchr(tail + 8, 0, ml)))
        return bad(err, "qcc: wrong size");
    size_t slots = (h.n_trees + LANES - 1) / LANES * LANES;
    qc_compiled *m = alloc_model(slots, h.n_nodes + slots);
    if (!m) return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    m->d = h.d, m->width = h.width, m->obj = (qc_compiled_obj)h.obj, m->n_trees = h.n_trees;
    m->base_margin = h.base_margin;
    qc_err rc = read_body(m, (const unsigned char *)buf + sizeof h, &h, err);
    if (!rc) finish_blocks(m);
    if (!rc && qc_fast_build(m)) rc = qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    if (!rc && h.bits) rc = qc_compiled_quantize(m, (int)h.bits, err);
    if (!rc && len > body && !(m->meta = malloc(ml + 1))) rc = qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    if (!rc && m->meta) memcpy(m->meta, tail + 8, ml), m->meta[ml] = '\0';
    if (rc) {
        qc_compiled_free(m);
        return rc;
    }
    *out = m;
    return QC_OK;
}

qc_err qc_compiled_set_meta(qc_compiled *m, const char *text, qc_error *err) {
    size_t n = strlen(text);
    if (n > META_MAX) return qc_err_set(err, QC_ERR_INPUT, "qcc: metadata longer than 1 MiB");
    char *c = malloc(n + 1);
    if (!c) return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    memcpy(c, text, n + 1);
    free(m->meta);
    m->meta = c;
    return QC_OK;
}

const char *qc_compiled_meta(const qc_compiled *m) { return m->meta; }

int qc_compiled_is_qcc(const char *path) {
    char magic[4];
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    int ok = fread(magic, 1, 4, f) == 4 && memcmp(magic, "QCC1", 4) == 0;
    fclose(f);
    return ok;
}

qc_err qc_compiled_load(const char *path, qc_compiled **out, qc_error *err) {
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) return qc_err_set(err, QC_ERR_INPUT, "%s: cannot open", path);
    size_t cap = 1 << 16, n = 0, r;
    unsigned char *buf = malloc(cap);
    while (buf && (r = fread(buf + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap) {
            unsigned char *nb = cap > ((size_t)1 << 31) ? NULL : realloc(buf, cap *= 2);
            if (!nb) free(buf);
            buf = nb;
        }
    }
    fclose(f);
    if (!buf) return qc_err_set(err, QC_ERR_NOMEM, "%s: out of memory", path);
    qc_err rc = qc_compiled_read(buf, n, out, err);
    free(buf);
    return rc;
}
