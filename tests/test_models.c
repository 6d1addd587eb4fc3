/* test_models.c: the learner interface (src/models/models.h): linear models against scikit-learn
 * goldens (tests/golden/gen_models.py), the XGBoost learners against XGBoost's own model (tree
 * shapes of each growth policy read from its JSON, save/load identity, parameters by name, sample
 * weights), fixed-horizon labels, and the metrics against hand-worked values. */
#include <cjson/cJSON.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "features/labels.h"
#include "models/models.h"

/* ---- data ------------------------------------------------------------------------------------- */

static uint64_t rng_state = 88172645463325252ULL;
static double urand(void) {
    rng_state ^= rng_state << 13, rng_state ^= rng_state >> 7, rng_state ^= rng_state << 17;
    return (double)(rng_state >> 11) / 9007199254740992.0;
}

/* n x d uniform features; y per task from a nonlinear signal plus noise. */
static void synth(size_t n, size_t d, qc_task task, double *X, double *y) {
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < d; j++) X[i * d + j] = urand() * 2 - 1;
        double s = sin(3 * X[i * d]) + X[i * d + 1] * X[i * d + 2] + 0.3 * (urand() - 0.5);
        y[i] = task == QC_TASK_REGRESSION ? s : task == QC_TASK_BINARY ? (s > 0) : (s < -0.4 ? 0 : s < 0.4 ? 1 : 2);
    }
}

/* ---- linear models vs sklearn ------------------------------------------------------------------- */

typedef struct {
    size_t n, d;
    double *X, *yr, *yb, *w;
} golden;

static void read_golden(golden *g, FILE *f) {
    assert_int_equal(fscanf(f, "%zu %zu", &g->n, &g->d), 2);
    g->X = malloc(g->n * g->d * sizeof(double));
    g->yr = malloc(g->n * sizeof(double)), g->yb = malloc(g->n * sizeof(double)), g->w = malloc(g->n * sizeof(double));
    for (size_t i = 0; i < g->n; i++) {
        for (size_t j = 0; j < g->d; j++) assert_int_equal(fscanf(f, "%lf", &g->X[i * g->d + j]), 1);
        assert_int_equal(fscanf(f, "%lf %lf %lf", &g->yr[i], &g->yb[i], &g->w[i]), 3);
    }
}

static void check_linear(const golden *g, const char *kind_line, double lambda, double b0, const double *coef) {
    qc_error err = {0};
    qc_learner *l;
    int logistic = strcmp(kind_line, "logistic") == 0;
    assert_int_equal(qc_learner_new("linear", logistic ? QC_TASK_BINARY : QC_TASK_REGRESSION, 0, &l, &err), 0);
    char lam[32];
    snprintf(lam, sizeof lam, "%.17g", lambda);
    assert_int_equal(qc_learner_set(l, "lambda", lam, &err), 0);
    assert_int_equal(qc_learner_fit(l, g->X, g->n, g->d, logistic ? g->yb : g->yr, g->w, &err), 0);
    /* predictions at unit vectors recover the coefficients */
    double *e = calloc((g->d + 1) * g->d, sizeof *e), *p = malloc((g->d + 1) * sizeof *p);
    for (size_t j = 0; j < g->d; j++) e[(j + 1) * g->d + j] = 1;
    assert_int_equal(qc_learner_predict(l, e, g->d + 1, g->d, p, &err), 0);
    double z0 = logistic ? log(p[0] / (1 - p[0])) : p[0];
    if (fabs(z0 - b0) > 1e-8 * (1 + fabs(b0)))
        fail_msg("%s lambda %g intercept: %.12g vs sklearn %.12g", kind_line, lambda, z0, b0);
    for (size_t j = 0; j < g->d; j++) {
        double zj = logistic ? log(p[j + 1] / (1 - p[j + 1])) : p[j + 1];
        if (fabs(zj - z0 - coef[j]) > 1e-8 * (1 + fabs(coef[j])))
            fail_msg("%s lambda %g coef %zu: %.12g vs sklearn %.12g", kind_line, lambda, j, zj - z0, coef[j]);
    }
    free(e), free(p);
    qc_learner_free(l);
}

static void test_linear_vs_sklearn(void **state) {
    (void)state;
    FILE *f = fopen(QC_TEST_DIR "/golden/models_linear.txt", "r");
    assert_non_null(f);
    golden g;
    read_golden(&g, f);
    char kind[16];
    int cases = 0;
    while (fscanf(f, "%15s", kind) == 1) {
        double lambda, b0, coef[16];
        assert_int_equal(fscanf(f, "%lf %lf", &lambda, &b0), 2);
        for (size_t j = 0; j < g.d; j++) assert_int_equal(fscanf(f, "%lf", &coef[j]), 1);
        check_linear(&g, kind, lambda, b0, coef);
        cases++;
    }
    assert_int_equal(cases, 4);
    fclose(f);
    free(g.X), free(g.yr), free(g.yb), free(g.w);
}

/* ---- XGBoost learners ------------------------------------------------------------------------- */

/* Max depth and leaf count of tree t in XGBoost's JSON model. */
static void tree_shape(const cJSON *tree, size_t node, size_t depth, size_t *max_depth, size_t *leaves) {
    const cJSON *l = cJSON_GetObjectItem(tree, "left_children"), *r = cJSON_GetObjectItem(tree, "right_children");
    int left = cJSON_GetArrayItem(l, (int)node)->valueint, right = cJSON_GetArrayItem(r, (int)node)->valueint;
    if (left < 0) {
        (*leaves)++;
        if (depth > *max_depth) *max_depth = depth;
        return;
    }
    tree_shape(tree, (size_t)left, depth + 1, max_depth, leaves);
    tree_shape(tree, (size_t)right, depth + 1, max_depth, leaves);
}

static cJSON *trees_of(const qc_learner *l, cJSON **doc) {
    char *text;
    qc_error err = {0};
    assert_int_equal(qc_learner_save(l, &text, &err), 0);
    *doc = cJSON_Parse(text);
    free(text);
    assert_non_null(*doc);
    cJSON *m = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(*doc, "learner"), "gradient_booster"), "model");
    return cJSON_GetObjectItem(m, "trees");
}

static qc_learner *fit_kind(const char *kind, qc_task task, size_t k, const double *X, size_t n, size_t d,
                            const double *y, const char *const *params) {
    qc_error err = {0};
    qc_learner *l;
    assert_int_equal(qc_learner_new(kind, task, k, &l, &err), 0);
    for (size_t i = 0; params && params[i]; i += 2) assert_int_equal(qc_learner_set(l, params[i], params[i + 1], &err), 0);
    if (qc_learner_fit(l, X, n, d, y, NULL, &err)) fail_msg("%s", err.msg);
    return l;
}

static void test_growth_policies(void **state) {
    (void)state;
    size_t n = 2000, d = 6;
    double *X = malloc(n * d * sizeof *X), *y = malloc(n * sizeof *y);
    synth(n, d, QC_TASK_REGRESSION, X, y);
    const char *dw[] = {"max_depth", "3", "rounds", "10", NULL};
    const char *lg[] = {"max_leaves", "5", "rounds", "10", NULL};
    const char *rf[] = {"num_parallel_tree", "7", NULL};
    qc_learner *a = fit_kind("xgb", QC_TASK_REGRESSION, 0, X, n, d, y, dw);
    qc_learner *b = fit_kind("lgbm_like", QC_TASK_REGRESSION, 0, X, n, d, y, lg);
    qc_learner *c = fit_kind("rf", QC_TASK_REGRESSION, 0, X, n, d, y, rf);
    cJSON *da, *db, *dc;
    cJSON *ta = trees_of(a, &da), *tb = trees_of(b, &db), *tc = trees_of(c, &dc);
    assert_int_equal(cJSON_GetArraySize(ta), 10);
    assert_int_equal(cJSON_GetArraySize(tb), 10);
    assert_int_equal(cJSON_GetArraySize(tc), 7); /* one round of 7 parallel trees */
    size_t deep_a = 0, deep_b = 0;
    for (int t = 0; t < 10; t++) {
        size_t md = 0, lv = 0;
        tree_shape(cJSON_GetArrayItem(ta, t), 0, 0, &md, &lv);
        assert_true(md <= 3 && lv <= 8);
        deep_a = md > deep_a ? md : deep_a;
        md = 0, lv = 0;
        tree_shape(cJSON_GetArrayItem(tb, t), 0, 0, &md, &lv);
        assert_true(lv <= 5);
        deep_b = md > deep_b ? md : deep_b;
    }
    assert_int_equal(deep_a, 3);
    assert_true(deep_b >= 2);
    cJSON_Delete(da), cJSON_Delete(db), cJSON_Delete(dc);
    qc_learner_free(a), qc_learner_free(b), qc_learner_free(c);
    free(X), free(y);
}

static void test_tasks_save_load(void **state) {
    (void)state;
    size_t n = 1500, d = 5, m = 300;
    double *X = malloc((n + m) * d * sizeof *X), *y = malloc((n + m) * sizeof *y);
    const char *kinds[] = {"xgb", "lgbm_like", "rf", "linear"};
    for (int task = 0; task <= QC_TASK_MULTICLASS; task++)
        for (size_t k = 0; k < 4; k++) {
            qc_error err = {0};
            synth(n + m, d, (qc_task)task, X, y);
            const char *small[] = {"rounds", "20", NULL};
            qc_learner *l = fit_kind(kinds[k], (qc_task)task, 3, X, n, d, y, k < 2 ? small : NULL);
            size_t w = qc_task_width((qc_task)task, 3);
            double *p1 = malloc(m * w * sizeof *p1), *p2 = malloc(m * w * sizeof *p2);
            assert_int_equal(qc_learner_predict(l, X + n * d, m, d, p1, &err), 0);
            char *text;
            assert_int_equal(qc_learner_save(l, &text, &err), 0);
            qc_learner *r;
            assert_int_equal(qc_learner_load(kinds[k], (qc_task)task, 3, text, &r, &err), 0);
            assert_int_equal(qc_learner_features(r), d);
            assert_int_equal(qc_learner_predict(r, X + n * d, m, d, p2, &err), 0);
            for (size_t i = 0; i < m * w; i++)
                if (p1[i] != p2[i]) fail_msg("%s task %d: prediction %zu %.17g after load %.17g", kinds[k], task, i, p1[i], p2[i]);
            /* held-out skill: the signal is learnable */
            qc_model_metrics mm;
            assert_int_equal(qc_model_metrics_compute((qc_task)task, 3, y + n, p1, m, &mm, &err), 0);
            if (task == QC_TASK_REGRESSION && k < 3) assert_true(mm.r2 > 0.5);
            if (task == QC_TASK_BINARY && k < 3) assert_true(mm.auc > 0.8);
            if (task == QC_TASK_MULTICLASS) {
                for (size_t i = 0; i < m; i++) assert_true(fabs(p1[i * 3] + p1[i * 3 + 1] + p1[i * 3 + 2] - 1) < 1e-5);
                if (k < 3) assert_true(mm.accuracy > 0.6);
            }
            double imp[5];
            assert_int_equal(qc_learner_importance(l, imp, d, &err), 0);
            double s = 0;
            for (size_t j = 0; j < d; j++) s += imp[j];
            assert_true(fabs(s - 1) < 1e-9);
            if (k < 3) assert_true(imp[0] > imp[3] && imp[0] > imp[4]); /* feature 0 carries the signal */
            /* wrong width */
            assert_int_equal(qc_learner_predict(l, X, 1, d - 1, p2, &err), QC_ERR_MODEL);
            free(text), free(p1), free(p2);
            qc_learner_free(l), qc_learner_free(r);
        }
    free(X), free(y);
}

static void test_params_and_errors(void **state) {
    (void)state;
    qc_error err = {0};
    qc_learner *l, *c;
    assert_int_equal(qc_learner_new("catboost", QC_TASK_BINARY, 0, &l, &err), QC_ERR_INPUT);
    assert_non_null(strstr(err.msg, "xgb, lgbm_like, rf, linear"));
    assert_int_equal(qc_learner_new("xgb", QC_TASK_MULTICLASS, 2, &l, &err), QC_ERR_INPUT);
    assert_int_equal(qc_learner_new("xgb", QC_TASK_BINARY, 0, &l, &err), 0);
    assert_string_equal(qc_learner_get(l, "grow_policy"), "depthwise");
    assert_int_equal(qc_learner_set(l, "max_depth", "2", &err), 0);
    assert_int_equal(qc_learner_clone(l, &c, &err), 0);
    assert_string_equal(qc_learner_get(c, "max_depth"), "2");
    double X[8] = {0, 1, 2, 3, 4, 5, 6, 7}, y[8] = {0, 0, 1, 1, 0, 1, 2, 1}, p[8];
    assert_int_equal(qc_learner_predict(l, X, 1, 1, p, &err), QC_ERR_MODEL); /* not fitted */
    assert_int_equal(qc_learner_fit(l, X, 8, 1, y, NULL, &err), QC_ERR_INPUT); /* label 2 in a binary task */
    assert_non_null(strstr(err.msg, "label 6"));
    y[6] = 0;
    assert_int_equal(qc_learner_set(c, "max_depth", "-4", &err), 0);
    assert_int_equal(qc_learner_fit(c, X, 8, 1, y, NULL, &err), QC_ERR_MODEL); /* XGBoost refuses */
    assert_int_equal(qc_learner_set(c, "rounds", "0", &err), 0);
    assert_int_equal(qc_learner_set(c, "max_depth", "2", &err), 0);
    assert_int_equal(qc_learner_fit(c, X, 8, 1, y, NULL, &err), QC_ERR_INPUT);
    assert_int_equal(qc_learner_set(l, "eta", "0.3\"", &err), QC_ERR_INPUT);
    char *pt = qc_learner_params_text(l);
    assert_non_null(strstr(pt, "max_depth=2"));
    free(pt);
    double w[8] = {1, 1, 1, 1, -1, 1, 1, 1};
    assert_int_equal(qc_learner_fit(l, X, 8, 1, y, w, &err), QC_ERR_INPUT);
    qc_learner_free(l), qc_learner_free(c);
}

/* Weights matter: up-weighting the rows of one regime moves the fit towards it. */
static void test_sample_weights(void **state) {
    (void)state;
    size_t n = 400;
    double *X = malloc(n * sizeof *X), *y = malloc(n * sizeof *y), *w = malloc(n * sizeof *w);
    for (size_t i = 0; i < n; i++) X[i] = (double)(i % 2), y[i] = (i % 4 < 2) ? 1.0 : 3.0, w[i] = (i % 4 < 2) ? 9 : 1;
    /* x alone cannot split the two regimes; the weighted mean is (9*1 + 1*3) / 10 = 1.2 */
    const char *kinds[] = {"xgb", "linear"};
    for (int k = 0; k < 2; k++) {
        qc_error err = {0};
        qc_learner *l;
        assert_int_equal(qc_learner_new(kinds[k], QC_TASK_REGRESSION, 0, &l, &err), 0);
        if (k == 0) qc_learner_set(l, "rounds", "300", &err), qc_learner_set(l, "lambda", "0", &err);
        if (k == 1) qc_learner_set(l, "lambda", "0", &err);
        assert_int_equal(qc_learner_fit(l, X, n, 1, y, w, &err), 0);
        double p[2];
        assert_int_equal(qc_learner_predict(l, X, 2, 1, p, &err), 0);
        assert_true(fabs(p[0] - 1.2) < 1e-3 && fabs(p[1] - 1.2) < 1e-3);
        qc_learner_free(l);
    }
    free(X), free(y), free(w);
}

static void test_labels_and_metrics(void **state) {
    (void)state;
    qc_error err = {0};
    double c[6] = {10, 11, 10.5, 10.5, 12, 11};
    size_t cand[6] = {0, 1, 2, 3, 4, 5};
    qc_label_def d;
    qc_label_rows_out lr;
    assert_int_equal(qc_label_def_parse("fixed:2", &d, &err), 0);
    assert_int_equal(qc_label_rows(&d, QC_TASK_BINARY, QC_WEIGHTS_NONE, c, 6, cand, 6, &lr, &err), 0);
    assert_true(lr.n == 4 && lr.horizon == 2 && lr.bar[3] == 3);
    assert_true(lr.y[0] == 1 && lr.y[1] == 0 && lr.y[2] == 1 && lr.y[3] == 1 && lr.w[0] == 1);
    qc_label_rows_free(&lr);
    assert_int_equal(qc_label_def_parse("fixed:1", &d, &err), 0);
    assert_int_equal(qc_label_rows(&d, QC_TASK_REGRESSION, QC_WEIGHTS_NONE, c, 6, cand, 6, &lr, &err), 0);
    assert_true(lr.n == 5 && fabs(lr.y[0] - 0.1) < 1e-15);
    qc_label_rows_free(&lr);
    assert_int_equal(qc_label_def_parse("fixed:0", &d, &err), QC_ERR_INPUT);
    /* AUC: 3 of 4 positive-negative pairs ordered, one tie -> (3 + 0.5) / 4 */
    double yl[4] = {0, 1, 0, 1}, s[4] = {0.1, 0.4, 0.4, 0.8};
    assert_true(fabs(qc_auc(yl, s, 4) - 0.875) < 1e-15);
    qc_model_metrics m;
    assert_int_equal(qc_model_metrics_compute(QC_TASK_BINARY, 2, yl, s, 4, &m, &err), 0);
    assert_true(fabs(m.accuracy - 0.75) < 1e-15);
    assert_true(fabs(m.log_loss - (-(log(0.9) + log(0.4) + log(0.6) + log(0.8)) / 4)) < 1e-12);
    assert_true(fabs(m.f1 - 2.0 / 3.0) < 1e-15); /* tp 1, fn 1, fp 0 */
    double yr[4] = {1, 2, 3, 4}, pr[4] = {1, 3, 2, 5};
    assert_int_equal(qc_model_metrics_compute(QC_TASK_REGRESSION, 1, yr, pr, 4, &m, &err), 0);
    assert_true(fabs(m.rmse - sqrt(3.0 / 4)) < 1e-15);
    assert_true(fabs(m.r2 - (1 - 3.0 / 5)) < 1e-15);
    assert_true(fabs(m.ic - 0.8) < 1e-12);
}

/* Triple-barrier and meta rows equal the labels module's own events; uniqueness weights have mean 1
 * and follow the events' average uniqueness; the horizon purges the longest overlap; the label
 * definition's text parses back to itself. */
static void test_barrier_rows(void **state) {
    (void)state;
    qc_error err = {0};
    size_t n = 400, *cand = malloc(n * sizeof *cand), nc = 0;
    double *c = malloc(n * sizeof *c), *trg = malloc(n * sizeof *trg);
    c[0] = 100;
    for (size_t i = 1; i < n; i++) c[i] = c[i - 1] * (1 + 0.02 * (urand() - 0.5));
    for (size_t i = 30; i < n; i++) cand[nc++] = i;
    qc_label_def d, d2;
    char txt[160], txt2[160];
    assert_int_equal(qc_label_def_parse("triple_barrier:pt=2,sl=1.5,h=10,span=20", &d, &err), 0);
    qc_label_def_format(&d, txt, sizeof txt);
    assert_string_equal(txt, "triple_barrier:pt=2,sl=1.5,h=10,span=20,min_ret=0");
    assert_int_equal(qc_label_def_parse(txt, &d2, &err), 0);
    qc_label_def_format(&d2, txt2, sizeof txt2);
    assert_string_equal(txt, txt2);
    qc_label_rows_out lr;
    assert_int_equal(qc_label_rows(&d, QC_TASK_BINARY, QC_WEIGHTS_UNIQUENESS, c, n, cand, nc, &lr, &err), 0);
    qc_label_event *ev = malloc(n * sizeof *ev);
    size_t ne;
    qc_tb_opts o;
    qc_tb_opts_init(&o);
    o.pt = 2, o.sl = 1.5, o.max_hold = 10;
    assert_int_equal(qc_label_ewm_vol(c, n, 20, trg, &err), 0);
    assert_int_equal(qc_label_triple_barrier(c, n, cand, nc, trg, NULL, &o, ev, &ne, &err), 0);
    assert_true(lr.n == ne && ne > 300);
    double *u = malloc(ne * sizeof *u), us = 0, ws = 0, avg;
    assert_int_equal(qc_label_uniqueness(ev, ne, n, u, &avg, &err), 0);
    for (size_t i = 0; i < ne; i++) us += u[i], ws += lr.w[i];
    assert_true(fabs(ws / (double)ne - 1) < 1e-12 && fabs(lr.avg_uniqueness - avg) < 1e-15);
    for (size_t i = 0; i < ne; i++) {
        assert_true(lr.bar[i] == ev[i].t0 && lr.y[i] == (ev[i].label > 0 ? 1.0 : 0.0));
        assert_true(fabs(lr.w[i] - u[i] * (double)ne / us) < 1e-12);
    }
    assert_int_equal(lr.horizon, qc_label_cv_horizon(ev, ne));
    assert_true(lr.horizon >= 1 && lr.horizon <= 10);
    qc_label_rows_free(&lr);
    /* meta: side of the 5-bar momentum; labels 0/1 = did the bet pay */
    assert_int_equal(qc_label_def_parse("meta:pt=1,sl=1,h=5,span=20,side=5", &d, &err), 0);
    assert_int_equal(qc_label_rows(&d, QC_TASK_REGRESSION, QC_WEIGHTS_RETURNS, c, n, cand, nc, &lr, &err), 0);
    double *side = malloc(n * sizeof *side);
    for (size_t t = 0; t < n; t++) side[t] = t < 5 ? 0 : c[t] > c[t - 5] ? 1 : -1;
    o.pt = 1, o.sl = 1, o.max_hold = 5;
    assert_int_equal(qc_label_triple_barrier(c, n, cand, nc, trg, side, &o, ev, &ne, &err), 0);
    assert_true(lr.n == ne && ne > 300);
    for (size_t i = 0; i < lr.n; i++) assert_true(lr.bar[i] == ev[i].t0 && lr.y[i] == ev[i].ret && lr.w[i] >= 0);
    free(side);
    qc_label_rows_free(&lr);
    assert_int_equal(qc_label_def_parse("triple_barrier:pt=0,sl=0,h=0", &d, &err), QC_ERR_INPUT);
    assert_int_equal(qc_label_def_parse("triple_barrier:foo=1", &d, &err), QC_ERR_INPUT);
    assert_int_equal(qc_label_def_parse("meta:side=0", &d, &err), QC_ERR_INPUT);
    free(c), free(trg), free(cand), free(ev), free(u);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_linear_vs_sklearn), cmocka_unit_test(test_growth_policies),
        cmocka_unit_test(test_tasks_save_load),   cmocka_unit_test(test_params_and_errors),
        cmocka_unit_test(test_sample_weights),    cmocka_unit_test(test_labels_and_metrics),
        cmocka_unit_test(test_barrier_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
