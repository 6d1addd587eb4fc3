/* compiled_fast.c: the complete-tree layout of a compiled ensemble and its evaluators.
 * Every tree of depth <= QC_FAST_MAX_DEPTH is padded to the model's largest depth D and stored as
 * an implicit array: root at 1, children of i at 2i and 2i+1, leaves at 2^D..2^(D+1)-1. A leaf
 * above the last level becomes a node that always goes left, with the leaf copied below it. A walk
 * is then D fixed steps `i = 2i + (row[col[i]] >= thr[i])`: no branches, no per-node child index.
 * XGBoost's comparison (right iff x >= t, a missing value goes the node's default way) becomes one
 * integer compare: each row is expanded once into 2 columns per feature, both holding the order
 * key of x (the float's bits made monotone as a signed integer, -0 taken as +0), and for a missing
 * value INT32_MIN in the "default left" column and INT32_MAX in the "default right" one; a node
 * reads the column of its own default. The quantised path expands bins the same way (missing: 0
 * and the top code), so both paths share one walker and reach the same leaves. Rows go in blocks
 * (<= 64, expanded on the stack), trees outer, rows inner: independent rows overlap in the
 * pipeline; each row still adds its trees in model order, as XGBoost does. With AVX-512 (checked
 * at run time) a block's rows are vector lanes: the first three levels compare transposed columns,
 * deeper ones gather; binning uses two 16-wide compares. Portable C gives the same bits. */
#include <math.h>
#include <stdlib.h>
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define HAVE_X86 1
#endif
#include <string.h>

#include "models/optimization/compiled_int.h"

#define LANES 8         /* trees walked side by side for a single row */
#define BLOCK_ROWS 64   /* also the AVX-512 walker's limit (four registers of sums) */
#define SIMD_MIN_ROWS 8 /* fewer rows (a single one) walk in scalar code: interleaved trees win there */
#define TAIL 64 /* zeroed slots after the node and leaf arrays: the AVX-512 walker loads 64 per tree */
#define PAD_THR INT32_MAX /* a padding node: no column value reaches it (read from a "left" column) */

/* The order key of a non-NaN float: a < b iff key(a) < key(b), key(-0) = key(+0) = 0. */
static inline int32_t key_of(float x) {
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    u = x == 0 ? 0 : u;
    return (int32_t)(u ^ ((uint32_t)((int32_t)u >> 31) >> 1));
}

static inline float float_of_key(int32_t k) {
    uint32_t u = (uint32_t)k ^ ((uint32_t)(k >> 31) >> 1);
    float x;
    memcpy(&x, &u, sizeof x);
    return x;
}

void qc_fast_free(qc_compiled *m) {
    free(m->fnodes), free(m->fqnodes), free(m->fleaf), free(m->forig), free(m->bin_tab);
    m->fnodes = m->fqnodes = NULL, m->fleaf = m->bin_tab = NULL, m->forig = NULL;
    m->fdepth = -1;
}

/* Copies the subtree at node src of tree t to implicit position pos at the given level. */
static void fill(qc_compiled *m, size_t t, int32_t src, size_t pos, int level) {
    size_t S = (size_t)1 << m->fdepth;
    const qc_cnode *p = &m->nodes[src];
    int leaf = p->left == src;
    if (level == m->fdepth) { /* depth <= fdepth: a leaf */
        m->fleaf[t * S + pos - S] = m->val[src];
        m->forig[t * S + pos - S] = m->orig[src];
        return;
    }
    qc_fnode *T = m->fnodes + t * S;
    T[pos] = leaf ? (qc_fnode){PAD_THR, 0} : (qc_fnode){key_of(p->thr), 2 * (int32_t)p->feat + p->ndl};
    fill(m, t, leaf ? src : p->left, 2 * pos, level + 1);
    fill(m, t, leaf ? src : p->left + 1, 2 * pos + 1, level + 1);
}

int qc_fast_build(qc_compiled *m) {
    qc_fast_free(m);
    int D = 0;
    for (size_t t = 0; t < m->n_trees; t++) {
        if (m->depth[t] > QC_FAST_MAX_DEPTH) return 0;
        D = m->depth[t] > D ? m->depth[t] : D;
    }
    if (2 * m->d > QC_FAST_MAX_COLS) return 0;
    size_t n = m->n_trees << D;
    m->fnodes = calloc(n + TAIL, sizeof *m->fnodes), m->fleaf = calloc(n + TAIL, sizeof *m->fleaf);
    m->forig = malloc(n * sizeof *m->forig);
    if (!m->fnodes || !m->fleaf || !m->forig) {
        qc_fast_free(m);
        return -1;
    }
    m->fdepth = D;
    for (size_t t = 0; t < m->n_trees; t++) {
        m->fnodes[t << D] = (qc_fnode){PAD_THR, 0}; /* slot 0: unused */
        fill(m, t, m->root[t], 1, 0);
    }
    return 0;
}

#define BIN_TAB 272 /* per feature: 16 block tops, then 256 cuts; NaN pads (never <= x) */

/* The binning table: feature j's cuts in blocks of 16 and each block's last cut. */
static int build_bin_tab(qc_compiled *m) {
    free(m->bin_tab);
    m->bin_tab = NULL;
    for (size_t j = 0; j < m->d; j++)
        if (m->cut_off[j + 1] - m->cut_off[j] > 255) return 0;
    float *tab = malloc(m->d * BIN_TAB * sizeof *tab);
    if (!tab) return -1;
    for (size_t j = 0; j < m->d; j++) {
        float *row = tab + j * BIN_TAB;
        const float *c = m->cuts + m->cut_off[j];
        size_t K = m->cut_off[j + 1] - m->cut_off[j];
        for (size_t k = 0; k < 256; k++) row[16 + k] = k < K ? c[k] : NAN;
        for (size_t k = 0; k < 16; k++) row[k] = 16 * k + 15 < K ? c[16 * k + 15] : NAN;
    }
    m->bin_tab = tab;
    return 0;
}

int qc_fast_quantize(qc_compiled *m) {
    if (build_bin_tab(m)) return -1;
    if (m->fdepth < 0) return 0;
    size_t n = m->n_trees << m->fdepth;
    qc_fnode *q = calloc(n + TAIL, sizeof *q);
    if (!q) return -1;
    for (size_t i = 0; i < n; i++) {
        const qc_fnode *p = &m->fnodes[i];
        q[i] = p->thr == PAD_THR ? *p
                                 : (qc_fnode){(int32_t)qc_fast_bin_of(m, (size_t)p->col / 2, float_of_key(p->thr)), p->col};
    }
    free(m->fqnodes);
    m->fqnodes = q;
    return 0;
}

/* ---- expanding rows ------------------------------------------------------------------------------ */

static void expand_f(size_t d, const float *X, size_t rows, int32_t *xk) {
    for (size_t i = 0; i < rows * d; i++) {
        float x = X[i];
        int nan = x != x;
        int32_t k = key_of(x);
        xk[2 * i] = nan ? INT32_MIN : k;
        xk[2 * i + 1] = nan ? INT32_MAX : k;
    }
}

static void expand_q(const qc_compiled *m, const void *B, size_t rows, int32_t *xk) {
    size_t n = rows * m->d;
    if (m->bits == 8) {
        const uint8_t *b = B;
        for (size_t i = 0; i < n; i++) xk[2 * i] = b[i] == 0xFF ? 0 : b[i], xk[2 * i + 1] = b[i];
    } else {
        const uint16_t *b = B;
        for (size_t i = 0; i < n; i++) xk[2 * i] = b[i] == 0xFFFF ? 0 : b[i], xk[2 * i + 1] = b[i];
    }
}

/* ---- walking ------------------------------------------------------------------------------------- */

/* Adds every tree's leaf to out (rows x width, already holding the base margin). D is a constant
 * in each instantiation below, so the level loop unrolls. */
static inline __attribute__((always_inline)) void walk_rows(const qc_compiled *m, const qc_fnode *nodes,
                                                            const int32_t *xk, size_t rows, float *out,
                                                            const int D) {
    const size_t S = (size_t)1 << D, w = m->width, cols = 2 * m->d;
    if (rows == 1 && w == 1) { /* one row: LANES trees walked side by side, the sum in a register */
        float s = out[0];
        size_t t = 0;
        for (; t + LANES <= m->n_trees; t += LANES) {
            const qc_fnode *T = nodes + t * S;
            size_t i[LANES];
            for (int k = 0; k < LANES; k++) i[k] = 1;
            for (int l = 0; l < D; l++)
                for (int k = 0; k < LANES; k++) i[k] = 2 * i[k] + (xk[T[k * S + i[k]].col] >= T[k * S + i[k]].thr);
            for (int k = 0; k < LANES; k++) s += m->fleaf[(t + k) * S + i[k] - S];
        }
        for (; t < m->n_trees; t++) {
            const qc_fnode *T = nodes + t * S;
            size_t i = 1;
            for (int l = 0; l < D; l++) i = 2 * i + (xk[T[i].col] >= T[i].thr);
            s += m->fleaf[t * S + i - S];
        }
        out[0] = s;
        return;
    }
    for (size_t t = 0; t < m->n_trees; t++) {
        const qc_fnode *T = nodes + t * S;
        const float *L = m->fleaf + t * S - S;
        float *o = out + m->group[t];
        size_t r = 0;
        for (; r + LANES <= rows; r += LANES) { /* LANES rows side by side: independent chains */
            const int32_t *x = xk + r * cols;
            size_t i[LANES];
            for (int k = 0; k < LANES; k++) i[k] = 1;
            for (int l = 0; l < D; l++)
                for (int k = 0; k < LANES; k++) i[k] = 2 * i[k] + (x[k * cols + T[i[k]].col] >= T[i[k]].thr);
            for (int k = 0; k < LANES; k++) o[(r + k) * w] += L[i[k]];
        }
        for (; r < rows; r++) {
            const int32_t *x = xk + r * cols;
            size_t i = 1;
            for (int l = 0; l < D; l++) i = 2 * i + (x[T[i].col] >= T[i].thr);
            o[r * w] += L[i];
        }
    }
}

#define WALK_D(D)                                                                                           \
    static void walk_d##D(const qc_compiled *m, const qc_fnode *nodes, const int32_t *xk, size_t rows, float *out) { \
        walk_rows(m, nodes, xk, rows, out, D);                                                              \
    }
WALK_D(0)
WALK_D(1)
WALK_D(2)
WALK_D(3)
WALK_D(4)
WALK_D(5)
WALK_D(6)
WALK_D(7)
WALK_D(8)

typedef void (*walk_fn)(const qc_compiled *, const qc_fnode *, const int32_t *, size_t, float *);
static const walk_fn k_walk[QC_FAST_MAX_DEPTH + 1] = {walk_d0, walk_d1, walk_d2, walk_d3, walk_d4,
                                                      walk_d5, walk_d6, walk_d7, walk_d8};

#ifdef HAVE_X86
#define SIMD_MAX_DEPTH 6
#define TOP3_MAX_COLS 128 /* up to 64 features the first three levels compare transposed columns */ /* the node tables of levels 0..5 fit in eight registers */

/* One tree level for 16 rows: the lanes' node index i picks thr/col from the level's registers,
 * a gather fetches each row's column, and i moves to 2i or 2i+1. */
#define SIMD_STEP(TH, CO)                                                                           \
    do {                                                                                           \
        __m512i t_ = (TH), c_ = (CO);                                                              \
        __mmask16 r_ = _mm512_cmpge_epi32_mask(_mm512_i32gather_epi32(_mm512_add_epi32(off, c_), xk, 4), t_); \
        i = _mm512_add_epi32(i, i);                                                                \
        i = _mm512_mask_add_epi32(i, r_, i, one);                                                  \
    } while (0)

/* Deinterleaves 16 nodes {thr, col} from p into two registers. */
__attribute__((target("avx512f"))) static inline void load16(const int32_t *p, __m512i *thr, __m512i *col) {
    const __m512i ev = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i od = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
    __m512i a = _mm512_loadu_si512(p), b = _mm512_loadu_si512(p + 16);
    *thr = _mm512_permutex2var_epi32(a, ev, b);
    *col = _mm512_permutex2var_epi32(a, od, b);
}

/* The walker across rows: lanes are rows (up to 64 per block, four registers of sums kept across
 * all trees), a tree's nodes sit in registers while every row of the block goes through it. Levels
 * 0-3 index the first 16 nodes by i itself, level 4 the next 16 by i mod 16, level 5 two tables by
 * i mod 32 (vpermi2d). Same adds in the same order as walk_rows: identical sums. */
__attribute__((target("avx512f"))) static void walk_avx512(const qc_compiled *m, const qc_fnode *nodes,
                                                            const int32_t *xk, size_t rows, float *out) {
    const int D = m->fdepth;
    const size_t S = (size_t)1 << D;
    const __m512i one = _mm512_set1_epi32(1), lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    size_t nv = (rows + 15) / 16, cols = 2 * m->d;
    int top3 = D >= 3 && cols <= TOP3_MAX_COLS;
    int32_t xt[TOP3_MAX_COLS * 64]; /* the block transposed: column c of row r at c * 64 + r */
    for (size_t c = 0; c < cols && top3; c++)
        for (size_t r = 0; r < 64; r++) xt[c * 64 + r] = r < rows ? xk[r * cols + c] : 0;
    __m512i roff[4];
    __m512 acc[4];
    __mmask16 valid[4];
    for (size_t v = 0; v < nv; v++) {
        size_t left = rows - 16 * v;
        valid[v] = left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1);
        __m512i row = _mm512_add_epi32(lane, _mm512_set1_epi32((int)(16 * v)));
        roff[v] = _mm512_maskz_mullo_epi32(valid[v], row, _mm512_set1_epi32((int)(2 * m->d)));
        acc[v] = _mm512_maskz_loadu_ps(valid[v], out + 16 * v);
    }
    for (size_t t = 0; t < m->n_trees; t++) {
        const int32_t *p = (const int32_t *)(nodes + t * S);
        const float *L = m->fleaf + t * S;
        __m512i tA, cA, tB, cB, tC, cC, tE, cE;
        load16(p, &tA, &cA), load16(p + 32, &tB, &cB), load16(p + 64, &tC, &cC), load16(p + 96, &tE, &cE);
        __m512 L0 = _mm512_loadu_ps(L), L1 = _mm512_loadu_ps(L + 16), L2 = _mm512_loadu_ps(L + 32),
               L3 = _mm512_loadu_ps(L + 48);
        const int32_t *col[8];
        __m512i th[8];
        for (int k = 1; k < 8 && top3; k++) col[k] = xt + (size_t)p[2 * k + 1] * 64, th[k] = _mm512_set1_epi32(p[2 * k]);
        for (size_t v = 0; v < nv; v++) {
            __m512i i = one, off = roff[v];
            int l = 0;
            if (top3) { /* levels 0-2: all seven nodes compared on contiguous columns, no gathers */
                size_t o = 16 * v;
                __mmask16 m1 = _mm512_cmpge_epi32_mask(_mm512_loadu_si512(col[1] + o), th[1]);
                __mmask16 m2 = _mm512_cmpge_epi32_mask(_mm512_loadu_si512(col[2] + o), th[2]);
                __mmask16 m3 = _mm512_cmpge_epi32_mask(_mm512_loadu_si512(col[3] + o), th[3]);
                __mmask16 b1 = (__mmask16)((m1 & m3) | (~m1 & m2));
                __mmask16 m4 = _mm512_cmpge_epi32_mask(_mm512_loadu_si512(col[4] + o), th[4]);
                __mmask16 m5 = _mm512_cmpge_epi32_mask(_mm512_loadu_si512(col[5] + o), th[5]);
                __mmask16 m6 = _mm512_cmpge_epi32_mask(_mm512_loadu_si512(col[6] + o), th[6]);
                __mmask16 m7 = _mm512_cmpge_epi32_mask(_mm512_loadu_si512(col[7] + o), th[7]);
                __mmask16 b2 = (__mmask16)((~m1 & ~b1 & m4) | (~m1 & b1 & m5) | (m1 & ~b1 & m6) | (m1 & b1 & m7));
                i = _mm512_set1_epi32(8);
                i = _mm512_mask_add_epi32(i, m1, i, _mm512_set1_epi32(4));
                i = _mm512_mask_add_epi32(i, b1, i, _mm512_set1_epi32(2));
                i = _mm512_mask_add_epi32(i, b2, i, one);
                l = 3;
            }
            for (; l < D && l < 4; l++) SIMD_STEP(_mm512_permutexvar_epi32(i, tA), _mm512_permutexvar_epi32(i, cA));
            if (D > 4) SIMD_STEP(_mm512_permutexvar_epi32(i, tB), _mm512_permutexvar_epi32(i, cB));
            if (D > 5) SIMD_STEP(_mm512_permutex2var_epi32(tC, i, tE), _mm512_permutex2var_epi32(cC, i, cE));
            __m512i j = _mm512_sub_epi32(i, _mm512_set1_epi32((int)S));
            __m512 lo = _mm512_permutex2var_ps(L0, j, L1), hi = _mm512_permutex2var_ps(L2, j, L3);
            __m512 leaf = _mm512_mask_blend_ps(_mm512_test_epi32_mask(j, _mm512_set1_epi32(32)), lo, hi);
            acc[v] = _mm512_add_ps(acc[v], leaf);
        }
    }
    for (size_t v = 0; v < nv; v++) _mm512_mask_storeu_ps(out + 16 * v, valid[v], acc[v]);
}

static int cpu_avx512(void) {
    static int known = -1;
    if (known < 0) {
        __builtin_cpu_init();
        known = __builtin_cpu_supports("avx512f") ? 1 : 0;
    }
    return known;
}

/* Whether this model, this CPU and the requested evaluator take the AVX-512 walker. */
static int simd_ok(const qc_compiled *m) {
    return (m->eval == QC_EVAL_AUTO || m->eval == QC_EVAL_AVX512) && m->fdepth <= SIMD_MAX_DEPTH && m->width == 1 &&
           cpu_avx512();
}
#else
static int simd_ok(const qc_compiled *m) { (void)m; return 0; }
#endif

#ifdef HAVE_X86
/* count of feature j's cuts <= x: which blocks of 16 lie wholly at or below x (one compare with
 * the block tops), then how much of the next block does (a second compare). */
__attribute__((target("avx512f"))) static void bin_avx512(const qc_compiled *m, const float *X, size_t n, void *B) {
    uint32_t top = m->bits == 8 ? 0xFFu : 0xFFFFu;
    for (size_t i = 0, j = 0; i < n * m->d; i++, j = j + 1 == m->d ? 0 : j + 1) {
        float x = X[i];
        const float *row = m->bin_tab + j * BIN_TAB;
        __m512 xv = _mm512_set1_ps(x);
        uint32_t nb = (uint32_t)__builtin_popcount(_mm512_cmp_ps_mask(_mm512_loadu_ps(row), xv, _CMP_LE_OQ));
        __m512 blk = _mm512_loadu_ps(row + 16 + 16 * nb);
        uint32_t v = 16 * nb + (uint32_t)__builtin_popcount(_mm512_cmp_ps_mask(blk, xv, _CMP_LE_OQ));
        v = x != x ? top : v;
        if (m->bits == 8) ((uint8_t *)B)[i] = (uint8_t)v;
        else ((uint16_t *)B)[i] = (uint16_t)v;
    }
}
#endif

int qc_fast_bin(const qc_compiled *m, const float *X, size_t n, void *B) {
#ifdef HAVE_X86
    if (m->bin_tab && (m->eval == QC_EVAL_AUTO || m->eval == QC_EVAL_AVX512) && cpu_avx512()) {
        bin_avx512(m, X, n, B);
        return 1;
    }
#endif
    (void)m, (void)X, (void)n, (void)B;
    return 0;
}

static size_t block_rows(const qc_compiled *m) {
    size_t rb = QC_FAST_MAX_COLS / (2 * m->d);
    return rb > BLOCK_ROWS ? BLOCK_ROWS : rb;
}

/* One block: base margins, every tree, the objective's transform. */
static void predict_block(const qc_compiled *m, const qc_fnode *nodes, const int32_t *xk, size_t rows, float *out) {
    for (size_t i = 0; i < rows * m->width; i++) out[i] = m->base_margin;
#ifdef HAVE_X86
    if (rows >= SIMD_MIN_ROWS && simd_ok(m)) walk_avx512(m, nodes, xk, rows, out);
    else
#endif
        k_walk[m->fdepth](m, nodes, xk, rows, out);
    for (size_t r = 0; r < rows; r++) qc_compiled_transform(m, out + r * m->width);
}

static void leaves_block(const qc_compiled *m, const qc_fnode *nodes, const int32_t *xk, size_t rows, int32_t *leaves) {
    const size_t S = (size_t)1 << m->fdepth, cols = 2 * m->d;
    for (size_t r = 0; r < rows; r++)
        for (size_t t = 0; t < m->n_trees; t++) {
            const qc_fnode *T = nodes + t * S;
            size_t i = 1;
            for (int l = 0; l < m->fdepth; l++) i = 2 * i + (xk[r * cols + T[i].col] >= T[i].thr);
            leaves[r * m->n_trees + t] = m->forig[t * S + i - S];
        }
}

void qc_fast_predict(const qc_compiled *m, const float *X, size_t n, float *out) {
    int32_t xk[QC_FAST_MAX_COLS];
    size_t rb = block_rows(m);
    for (size_t i0 = 0; i0 < n; i0 += rb) {
        size_t r = n - i0 < rb ? n - i0 : rb;
        expand_f(m->d, X + i0 * m->d, r, xk);
        predict_block(m, m->fnodes, xk, r, out + i0 * m->width);
    }
}

void qc_fast_leaves(const qc_compiled *m, const float *X, size_t n, int32_t *leaves) {
    int32_t xk[QC_FAST_MAX_COLS];
    size_t rb = block_rows(m);
    for (size_t i0 = 0; i0 < n; i0 += rb) {
        size_t r = n - i0 < rb ? n - i0 : rb;
        expand_f(m->d, X + i0 * m->d, r, xk);
        leaves_block(m, m->fnodes, xk, r, leaves + i0 * m->n_trees);
    }
}

static const void *row_at(const qc_compiled *m, const void *B, size_t i) {
    return (const unsigned char *)B + i * m->d * (size_t)(m->bits / 8);
}

void qc_fast_predict_q(const qc_compiled *m, const void *B, size_t n, float *out) {
    int32_t xk[QC_FAST_MAX_COLS];
    size_t rb = block_rows(m);
    for (size_t i0 = 0; i0 < n; i0 += rb) {
        size_t r = n - i0 < rb ? n - i0 : rb;
        expand_q(m, row_at(m, B, i0), r, xk);
        predict_block(m, m->fqnodes, xk, r, out + i0 * m->width);
    }
}

void qc_fast_leaves_q(const qc_compiled *m, const void *B, size_t n, int32_t *leaves) {
    int32_t xk[QC_FAST_MAX_COLS];
    size_t rb = block_rows(m);
    for (size_t i0 = 0; i0 < n; i0 += rb) {
        size_t r = n - i0 < rb ? n - i0 : rb;
        expand_q(m, row_at(m, B, i0), r, xk);
        leaves_block(m, m->fqnodes, xk, r, leaves + i0 * m->n_trees);
    }
}

qc_compiled_eval qc_fast_eval_auto(const qc_compiled *m) { return simd_ok(m) ? QC_EVAL_AVX512 : QC_EVAL_SCALAR; }
