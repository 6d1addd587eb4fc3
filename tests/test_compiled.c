/* test_compiled.c: compiled inference (src/models/optimization/compiled.h) against XGBoost itself:
 * on held-out rows (with missing values) the float path equals XGBoosterPredictFromDMatrix to 1e-6
 * for regression, binary and multiclass models of every growth policy, reaches the same leaf ids
 * as XGBoost's pred_leaf, and the 8- and 16-bit quantised paths reach exactly the float path's
 * leaves with bit-identical predictions. .qcc files round-trip and corrupt ones are refused. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <xgboost/c_api.h>

#include "models/models.h"
#include "models/optimization/compiled.h"

static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;
static double urand(void) {
    rng_state ^= rng_state << 13, rng_state ^= rng_state >> 7, rng_state ^= rng_state << 17;
    return (double)(rng_state >> 11) / 9007199254740992.0;
}

static void synth(size_t n, size_t d, qc_task task, double *X, double *y, double missing) {
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < d; j++) X[i * d + j] = urand() < missing ? NAN : urand() * 4 - 2;
        double a = isnan(X[i * d]) ? 0.5 : X[i * d], b = isnan(X[i * d + 1]) ? -1 : X[i * d + 1];
        double s = sin(2 * a) + 0.5 * b * fabs(a) + 0.4 * (urand() - 0.5);
        y[i] = task == QC_TASK_REGRESSION ? s : task == QC_TASK_BINARY ? (s > 0) : (s < -0.3 ? 0 : s < 0.3 ? 1 : 2);
    }
}

/* XGBoost's own predictions (type 0) or leaf ids (type 6) for the model text. */
static float *xgb_predict(const char *model, const float *X, size_t n, size_t d, int type, size_t *len) {
    BoosterHandle b;
    DMatrixHandle dm;
    assert_int_equal(XGBoosterCreate(NULL, 0, &b), 0);
    assert_int_equal(XGBoosterLoadModelFromBuffer(b, model, (bst_ulong)strlen(model)), 0);
    assert_int_equal(XGDMatrixCreateFromMat(X, (bst_ulong)n, (bst_ulong)d, NAN, &dm), 0);
    char cfg[200];
    snprintf(cfg, sizeof cfg,
             "{\"type\": %d, \"training\": false, \"iteration_begin\": 0, \"iteration_end\": 0, "
             "\"strict_shape\": false, \"cache_id\": 0}", type);
    bst_ulong const *shape;
    bst_ulong dim;
    float const *res;
    assert_int_equal(XGBoosterPredictFromDMatrix(b, dm, cfg, &shape, &dim, &res), 0);
    *len = 1;
    for (bst_ulong k = 0; k < dim; k++) *len *= shape[k];
    float *out = malloc(*len * sizeof *out);
    memcpy(out, res, *len * sizeof *out);
    XGDMatrixFree(dm);
    XGBoosterFree(b);
    return out;
}

static const qc_compiled_eval k_evals[] = {QC_EVAL_GENERAL, QC_EVAL_SCALAR, QC_EVAL_AVX512, QC_EVAL_AUTO};

static void first_diff(qc_compiled_eval e, const float *p, const float *ref, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (memcmp(&p[i], &ref[i], sizeof *p)) fail_msg("evaluator %d: value %zu is %.9g, want %.9g", (int)e, i, p[i], ref[i]);
}

/* Every evaluator, in one batch and row by row, gives exactly ref (the float path's predictions). */
static void check_paths(qc_compiled *c, const float *X, size_t n, const float *ref) {
    size_t w = qc_compiled_width(c), d = qc_compiled_features(c);
    float *p = malloc(n * w * sizeof *p);
    for (size_t e = 0; e < sizeof k_evals / sizeof k_evals[0]; e++) {
        qc_compiled_set_eval(c, k_evals[e]);
        qc_compiled_predict(c, X, n, p);
        first_diff(k_evals[e], p, ref, n * w);
        for (size_t i = 0; i < n; i += 7) qc_compiled_predict(c, X + i * d, 1, p + i * w);
        for (size_t i = 0; i < n; i += 7) assert_memory_equal(p + i * w, ref + i * w, w * sizeof *p);
        for (size_t i = 0; i + 13 <= n; i += 101) qc_compiled_predict(c, X + i * d, 13, p + i * w); /* a partial block */
        assert_memory_equal(p, ref, n * w * sizeof *p);
    }
    qc_compiled_set_eval(c, QC_EVAL_AUTO);
    free(p);
}

static void check_paths_q(qc_compiled *c, const void *B, size_t n, const float *ref) {
    size_t w = qc_compiled_width(c), row = qc_compiled_features(c) * (size_t)(qc_compiled_bits(c) / 8);
    float *p = malloc(n * w * sizeof *p);
    for (size_t e = 0; e < sizeof k_evals / sizeof k_evals[0]; e++) {
        qc_compiled_set_eval(c, k_evals[e]);
        qc_compiled_predict_q(c, B, n, p);
        first_diff(k_evals[e], p, ref, n * w);
        for (size_t i = 0; i < n; i += 7) qc_compiled_predict_q(c, (const char *)B + i * row, 1, p + i * w);
        for (size_t i = 0; i < n; i += 7) assert_memory_equal(p + i * w, ref + i * w, w * sizeof *p);
    }
    qc_compiled_set_eval(c, QC_EVAL_AUTO);
    free(p);
}

static size_t g_features = 6; /* check_model's feature count */

/* Trains kind on task, compiles, and checks every path on m held-out rows. */
static void check_model(const char *kind, qc_task task, const char *const *params) {
    size_t n = 3000, m = 1000, d = g_features, k = 3;
    double *X = malloc((n + m) * d * sizeof *X), *y = malloc((n + m) * sizeof *y);
    synth(n + m, d, task, X, y, 0.05);
    qc_error err = {0};
    qc_learner *l;
    assert_int_equal(qc_learner_new(kind, task, k, &l, &err), 0);
    for (size_t i = 0; params && params[i]; i += 2) assert_int_equal(qc_learner_set(l, params[i], params[i + 1], &err), 0);
    if (qc_learner_fit(l, X, n, d, y, NULL, &err)) fail_msg("%s", err.msg);
    char *text;
    assert_int_equal(qc_learner_save(l, &text, &err), 0);
    float *Xf = malloc(m * d * sizeof *Xf);
    for (size_t i = 0; i < m * d; i++) Xf[i] = (float)X[n * d + i];
    qc_compiled *c;
    if (qc_compiled_from_json(text, strlen(text), &c, &err)) fail_msg("%s", err.msg);
    size_t w = qc_compiled_width(c), len, nt = qc_compiled_trees(c);
    assert_int_equal(w, qc_task_width(task, k));
    assert_int_equal(qc_compiled_features(c), d);
    float *ref = xgb_predict(text, Xf, m, d, 0, &len), *p = malloc(m * w * sizeof *p), *pq = malloc(m * w * sizeof *pq);
    assert_int_equal(len, m * w);
    qc_compiled_predict(c, Xf, m, p);
    check_paths(c, Xf, m, p);
    double worst = 0;
    for (size_t i = 0; i < m * w; i++) worst = fmax(worst, fabs((double)p[i] - ref[i]));
    if (worst > 1e-6) fail_msg("%s %s: float path differs from XGBoost by %g", kind, qc_task_name(task), worst);
    /* leaves: XGBoost's pred_leaf, the float path and both quantised paths */
    float *ref_leaf = xgb_predict(text, Xf, m, d, 6, &len);
    assert_int_equal(len, m * nt);
    int32_t *lf = malloc(m * nt * sizeof *lf), *lq = malloc(m * nt * sizeof *lq);
    qc_compiled_leaves(c, Xf, m, lf);
    for (size_t i = 0; i < m * nt; i++)
        if ((float)lf[i] != ref_leaf[i]) fail_msg("%s: row %zu tree %zu leaf %d, XGBoost %g", kind, i / nt, i % nt, lf[i], ref_leaf[i]);
    for (int bits = 8; bits <= 16; bits += 8) {
        if (qc_compiled_quantize(c, bits, &err)) fail_msg("%s", err.msg);
        void *B = malloc(m * d * 2), *B2 = malloc(m * d * 2);
        qc_compiled_bin(c, Xf, m, B);
        for (size_t e = 0; e < sizeof k_evals / sizeof k_evals[0]; e++) { /* every binning path */
            qc_compiled_set_eval(c, k_evals[e]);
            qc_compiled_bin(c, Xf, m, B2);
            assert_memory_equal(B, B2, m * d * (size_t)(bits / 8));
        }
        qc_compiled_set_eval(c, QC_EVAL_AUTO);
        free(B2);
        qc_compiled_leaves_q(c, B, m, lq);
        assert_memory_equal(lf, lq, m * nt * sizeof *lf);
        qc_compiled_predict_q(c, B, m, pq);
        assert_memory_equal(p, pq, m * w * sizeof *p);
        check_paths_q(c, B, m, p);
        free(B);
    }
    /* .qcc round trip */
    char *buf;
    size_t blen;
    FILE *f = open_memstream(&buf, &blen);
    assert_int_equal(qc_compiled_write(c, f, &err), 0);
    fclose(f);
    qc_compiled *c2;
    if (qc_compiled_read(buf, blen, &c2, &err)) fail_msg("%s", err.msg);
    assert_int_equal(qc_compiled_bits(c2), 16);
    qc_compiled_predict(c2, Xf, m, pq);
    assert_memory_equal(p, pq, m * w * sizeof *p);
    qc_compiled_free(c2);
    free(buf);
    free(text), free(Xf), free(ref), free(ref_leaf), free(p), free(pq), free(lf), free(lq), free(X), free(y);
    qc_compiled_free(c);
    qc_learner_free(l);
}

static void test_regression(void **state) {
    (void)state;
    const char *p[] = {"rounds", "60", NULL};
    check_model("xgb", QC_TASK_REGRESSION, p);
    check_model("lgbm_like", QC_TASK_REGRESSION, p);
    check_model("rf", QC_TASK_REGRESSION, NULL);
}

static void test_binary(void **state) {
    (void)state;
    const char *p[] = {"rounds", "60", NULL};
    const char *base[] = {"rounds", "30", "base_score", "0.3", NULL};
    check_model("xgb", QC_TASK_BINARY, p);
    check_model("lgbm_like", QC_TASK_BINARY, p);
    check_model("rf", QC_TASK_BINARY, NULL);
    check_model("xgb", QC_TASK_BINARY, base); /* a base score off 0.5 enters as a logit */
}

static void test_multiclass(void **state) {
    (void)state;
    const char *p[] = {"rounds", "30", NULL};
    check_model("xgb", QC_TASK_MULTICLASS, p);
    check_model("lgbm_like", QC_TASK_MULTICLASS, p);
}

/* 70 features: the AVX-512 walker's gather-only form (its first levels compare transposed columns
 * only up to 64 features) against the same references. */
static void test_wide(void **state) {
    (void)state;
    const char *p[] = {"rounds", "20", "colsample_bytree", "1", NULL};
    g_features = 70;
    check_model("xgb", QC_TASK_BINARY, p);
    g_features = 6;
}

/* A feature with more than 254 distinct split points cannot be 8 bits; 16 bits still matches. */
static void test_int8_limit(void **state) {
    (void)state;
    const char *p[] = {"rounds", "400", "max_bin", "1024", "max_depth", "8", "eta", "0.3", NULL};
    qc_error err = {0};
    size_t n = 4000, d = 2;
    double *X = malloc(n * d * sizeof *X), *y = malloc(n * sizeof *y);
    synth(n, d, QC_TASK_REGRESSION, X, y, 0);
    qc_learner *l;
    assert_int_equal(qc_learner_new("xgb", QC_TASK_REGRESSION, 0, &l, &err), 0);
    for (size_t i = 0; p[i]; i += 2) qc_learner_set(l, p[i], p[i + 1], &err);
    assert_int_equal(qc_learner_fit(l, X, n, d, y, NULL, &err), 0);
    char *text;
    assert_int_equal(qc_learner_save(l, &text, &err), 0);
    qc_compiled *c;
    assert_int_equal(qc_compiled_from_json(text, strlen(text), &c, &err), 0);
    assert_int_equal(qc_compiled_quantize(c, 8, &err), QC_ERR_MODEL);
    assert_non_null(strstr(err.msg, "split points"));
    assert_int_equal(qc_compiled_quantize(c, 16, &err), 0);
    assert_int_equal(qc_compiled_quantize(c, 12, &err), QC_ERR_INPUT);
    qc_compiled_free(c);
    qc_learner_free(l);
    free(text), free(X), free(y);
}

static void test_bad_inputs(void **state) {
    (void)state;
    qc_error err = {0};
    qc_compiled *c;
    const char *bad[] = {
        "", "{}", "[1,2]", "{\"learner\": {}}",
        /* a child pointing back at its parent (a cycle) */
        "{\"learner\": {\"learner_model_param\": {\"base_score\": \"0.5\", \"num_class\": \"0\", \"num_feature\": \"1\"},"
        " \"objective\": {\"name\": \"reg:squarederror\"}, \"gradient_booster\": {\"name\": \"gbtree\", \"model\": {"
        " \"tree_info\": [0], \"trees\": [{\"tree_param\": {\"num_nodes\": \"3\"}, \"left_children\": [1, 0, -1],"
        " \"right_children\": [2, -1, -1], \"split_indices\": [0, 0, 0], \"default_left\": [0, 0, 0],"
        " \"split_conditions\": [0.5, 1, 2]}]}}}}",
        /* feature out of range */
        "{\"learner\": {\"learner_model_param\": {\"base_score\": \"0.5\", \"num_class\": \"0\", \"num_feature\": \"1\"},"
        " \"objective\": {\"name\": \"reg:squarederror\"}, \"gradient_booster\": {\"name\": \"gbtree\", \"model\": {"
        " \"tree_info\": [0], \"trees\": [{\"tree_param\": {\"num_nodes\": \"3\"}, \"left_children\": [1, -1, -1],"
        " \"right_children\": [2, -1, -1], \"split_indices\": [7, 0, 0], \"default_left\": [0, 0, 0],"
        " \"split_conditions\": [0.5, 1, 2]}]}}}}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(qc_compiled_from_json(bad[i], strlen(bad[i]), &c, &err), QC_ERR_MODEL);
    /* the smallest good model: x < 0.5 ? 1 : 2, NaN right */
    const char *good =
        "{\"learner\": {\"learner_model_param\": {\"base_score\": \"0.5\", \"num_class\": \"0\", \"num_feature\": \"1\"},"
        " \"objective\": {\"name\": \"reg:squarederror\"}, \"gradient_booster\": {\"name\": \"gbtree\", \"model\": {"
        " \"tree_info\": [0], \"trees\": [{\"tree_param\": {\"num_nodes\": \"3\"}, \"left_children\": [1, -1, -1],"
        " \"right_children\": [2, -1, -1], \"split_indices\": [0, 0, 0], \"default_left\": [0, 0, 0],"
        " \"split_conditions\": [0.5, 1, 2]}]}}}}";
    assert_int_equal(qc_compiled_from_json(good, strlen(good), &c, &err), 0);
    float x[4] = {0.25f, 0.5f, NAN, INFINITY}, p[4];
    qc_compiled_predict(c, x, 4, p);
    assert_true(p[0] == 1.5f && p[1] == 2.5f && p[2] == 2.5f && p[3] == 2.5f);
    assert_int_equal(qc_compiled_quantize(c, 8, &err), 0);
    uint8_t B[4];
    qc_compiled_bin(c, x, 4, B);
    assert_true(B[0] == 0 && B[1] == 1 && B[2] == 255 && B[3] == 1);
    qc_compiled_predict_q(c, B, 4, p);
    assert_true(p[0] == 1.5f && p[1] == 2.5f && p[2] == 2.5f && p[3] == 2.5f);
    /* corrupt .qcc: truncated, bad magic, a node pointing backwards */
    char *buf;
    size_t len;
    FILE *f = open_memstream(&buf, &len);
    qc_compiled_write(c, f, &err);
    fclose(f);
    qc_compiled *c2;
    assert_int_equal(qc_compiled_read(buf, len - 1, &c2, &err), QC_ERR_MODEL);
    buf[0] = 'X';
    assert_int_equal(qc_compiled_read(buf, len, &c2, &err), QC_ERR_MODEL);
    buf[0] = 'Q';
    int32_t back = 0;
    memcpy(buf + len - 3 * 20 + 8, &back, 4); /* node 0's left -> 0 with a finite threshold */
    assert_int_equal(qc_compiled_read(buf, len, &c2, &err), QC_ERR_MODEL);
    free(buf);
    /* metadata: round trip; a cut or overlong trailer is refused */
    assert_int_equal(qc_compiled_set_meta(c, "{\"features\": 1}", &err), 0);
    f = open_memstream(&buf, &len);
    qc_compiled_write(c, f, &err);
    fclose(f);
    assert_int_equal(qc_compiled_read(buf, len, &c2, &err), 0);
    assert_string_equal(qc_compiled_meta(c2), "{\"features\": 1}");
    qc_compiled_free(c2);
    assert_int_equal(qc_compiled_read(buf, len - 1, &c2, &err), QC_ERR_MODEL);
    buf[len - 15 - 4] = 14; /* the length field (15 bytes of text follow it) says 14 */
    assert_int_equal(qc_compiled_read(buf, len, &c2, &err), QC_ERR_MODEL);
    free(buf);
    qc_compiled_free(c);
}

/* Signed zeros, denormals and infinities on both sides of a split, missing values both ways: every
 * evaluator follows XGBoost's `x < t` in float (-0 == +0: the order keys must not split them). */
static void test_zero_and_infinity(void **state) {
    (void)state;
    const char *thr[] = {"0.0", "-0.0", "1e-45", "-1e-45", "3.5"};
    const float x[] = {-0.0f, 0.0f, 1e-45f, -1e-45f, -INFINITY, INFINITY, NAN, 5, -5, 3.5f, -NAN};
    size_t n = sizeof x / sizeof x[0];
    for (size_t k = 0; k < sizeof thr / sizeof thr[0]; k++)
        for (int dl = 0; dl <= 1; dl++) {
            char json[1024];
            snprintf(json, sizeof json,
                     "{\"learner\": {\"learner_model_param\": {\"base_score\": \"0.5\", \"num_class\": \"0\","
                     " \"num_feature\": \"1\"}, \"objective\": {\"name\": \"reg:squarederror\"}, \"gradient_booster\":"
                     " {\"name\": \"gbtree\", \"model\": {\"tree_info\": [0], \"trees\": [{\"tree_param\":"
                     " {\"num_nodes\": \"3\"}, \"left_children\": [1, -1, -1], \"right_children\": [2, -1, -1],"
                     " \"split_indices\": [0, 0, 0], \"default_left\": [%d, 0, 0], \"split_conditions\": [%s, 1, 2]}]}}}}",
                     dl, thr[k]);
            qc_error err = {0};
            qc_compiled *c;
            if (qc_compiled_from_json(json, strlen(json), &c, &err)) fail_msg("%s", err.msg);
            float t = strtof(thr[k], NULL), want[16], p[16];
            for (size_t i = 0; i < n; i++) want[i] = 0.5f + (isnan(x[i]) ? (dl ? 1.0f : 2.0f) : x[i] < t ? 1.0f : 2.0f);
            qc_compiled_predict(c, x, n, p);
            for (size_t i = 0; i < n; i++)
                if (p[i] != want[i]) fail_msg("threshold %s default_left %d: x = %g gives %g, want %g", thr[k], dl, x[i], p[i], want[i]);
            check_paths(c, x, n, want);
            assert_int_equal(qc_compiled_quantize(c, 8, &err), 0);
            uint8_t B[16];
            for (size_t e = 0; e < sizeof k_evals / sizeof k_evals[0]; e++) {
                qc_compiled_set_eval(c, k_evals[e]);
                qc_compiled_bin(c, x, n, B);
                for (size_t i = 0; i < n; i++) assert_int_equal(B[i], isnan(x[i]) ? 255 : x[i] >= t ? 1 : 0);
            }
            qc_compiled_set_eval(c, QC_EVAL_AUTO);
            check_paths_q(c, B, n, want);
            qc_compiled_free(c);
        }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_regression), cmocka_unit_test(test_binary),    cmocka_unit_test(test_multiclass),
        cmocka_unit_test(test_int8_limit), cmocka_unit_test(test_bad_inputs),
        cmocka_unit_test(test_zero_and_infinity), cmocka_unit_test(test_wide),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
