/* test_lstm.c: the "lstm" learner (src/models/lstm.c): backpropagation through time against
 * central differences for every parameter block; a sequence task a per-row model cannot see (the
 * label is the sign of a feature three rows back) learnt out of fold, and nothing learnt on noise;
 * no look-ahead (a later row never changes an earlier prediction); save/load identity;
 * determinism over runs and OpenBLAS thread counts; sample weights; parameter and input errors;
 * the model strategy's streaming predictor equal to batch prediction over the same rows. */
#include <cblas.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "data/splits.h"
#include "models/ensemble/ensemble.h"
#include "models/internal.h"
#include "models/model_file.h"
#include "models/models.h"
#include "models/predictor.h"
#include "test_util.h"

static uint64_t rng_state = 0x243F6A8885A308D3ULL;
static double urand(void) {
    rng_state ^= rng_state << 13, rng_state ^= rng_state >> 7, rng_state ^= rng_state << 17;
    return (double)(rng_state >> 11) / 9007199254740992.0;
}

/* ---- gradient check --------------------------------------------------------------------------- */

static void grad_check(qc_task task) {
    enum { D = 3, H = 4, L = 5, B = 6 };
    size_t P = qc_lstm_param_count(D, H);
    double *theta = malloc(P * sizeof *theta), *g = malloc(P * sizeof *g), seqs[B * L * D], y[B], w[B];
    for (size_t k = 0; k < P; k++) theta[k] = urand() - 0.5;
    for (size_t k = 0; k < B * L * D; k++) seqs[k] = 2 * urand() - 1;
    for (size_t b = 0; b < B; b++) y[b] = task == QC_TASK_BINARY ? (double)(b % 2) : urand() * 2 - 1, w[b] = 0.5 + urand();
    qc_error err = {0};
    double f, fp, fm;
    assert_int_equal(qc_lstm_loss_grad(task, D, H, L, theta, seqs, B, y, w, &f, g, &err), 0);
    /* blocks: W (D x 4H), U (H x 4H), b (4H), v (H), c0 */
    size_t ends[5] = {D * 4 * H, D * 4 * H + H * 4 * H, D * 4 * H + H * 4 * H + 4 * H, P - 1, P};
    const char *names[5] = {"W", "U", "b", "v", "c0"};
    size_t k = 0;
    for (int blk = 0; blk < 5; blk++) {
        double worst = 0;
        for (; k < ends[blk]; k++) {
            double keep = theta[k], h = 1e-4;
            theta[k] = keep + h;
            assert_int_equal(qc_lstm_loss_grad(task, D, H, L, theta, seqs, B, y, w, &fp, NULL, &err), 0);
            theta[k] = keep - h;
            assert_int_equal(qc_lstm_loss_grad(task, D, H, L, theta, seqs, B, y, w, &fm, NULL, &err), 0);
            theta[k] = keep;
            double num = (fp - fm) / (2 * h), rel = fabs(num - g[k]) / fmax(fmax(fabs(num), fabs(g[k])), 1e-4);
            worst = fmax(worst, rel);
        }
        printf("# %s gradient %s: max relative error %.2e\n", qc_task_name(task), names[blk], worst);
        assert_true(worst < 1e-6);
    }
    free(theta), free(g);
}

static void test_gradient_check(void **state) {
    (void)state;
    grad_check(QC_TASK_BINARY);
    grad_check(QC_TASK_REGRESSION);
}

/* ---- learning a lagged signal ------------------------------------------------------------------ */

#define LAG 3

/* n x 2 features in [-1, 1]; signal: y_i = 1 if x0 of row i - LAG > 0 (the first rows: coin flips). */
static void lagged(size_t n, int signal, double *X, double *y) {
    for (size_t i = 0; i < n; i++) X[i * 2] = 2 * urand() - 1, X[i * 2 + 1] = 2 * urand() - 1;
    for (size_t i = 0; i < n; i++) y[i] = signal && i >= LAG ? X[(i - LAG) * 2] > 0 : urand() < 0.5;
}

static qc_learner *mk(const char *kind, qc_task task) {
    qc_error err = {0};
    qc_learner *l;
    assert_int_equal(qc_learner_new(kind, task, 0, &l, &err), 0);
    if (strcmp(kind, "lstm") == 0) {
        const char *p[] = {"hidden", "8", "lookback", "6", "epochs", "25", "batch", "32", "lr", "0.02"};
        for (size_t i = 0; i < 10; i += 2) assert_int_equal(qc_learner_set(l, p[i], p[i + 1], &err), 0);
    }
    return l;
}

static double oof_auc(const char *kind, const double *X, const double *y, size_t n) {
    qc_cv_opts o;
    qc_cv_opts_init(&o);
    o.scheme = QC_CV_PURGED, o.n = n, o.folds = 5, o.horizon = 0, o.embargo = 0;
    qc_cv_plan plan;
    qc_error err = {0};
    assert_int_equal(qc_cv_plan_build(&o, &plan, &err), 0);
    qc_learner *l = mk(kind, QC_TASK_BINARY);
    double *oof = malloc(n * sizeof *oof);
    assert_int_equal(qc_oof_predict(l, X, n, 2, y, NULL, &plan, oof, NULL, NULL, NULL, &err), 0);
    double auc = qc_auc(y, oof, n);
    free(oof);
    qc_learner_free(l);
    qc_cv_plan_free(&plan);
    return auc;
}

static void test_learns_sequence(void **state) {
    (void)state;
    size_t n = 1000;
    double *X = malloc(n * 2 * sizeof *X), *y = malloc(n * sizeof *y);
    lagged(n, 1, X, y);
    double a_lstm = oof_auc("lstm", X, y, n), a_lin = oof_auc("linear", X, y, n);
    printf("# lagged sign: OOF AUC lstm %.3f, linear %.3f\n", a_lstm, a_lin);
    assert_true(a_lstm > 0.8);
    assert_true(fabs(a_lin - 0.5) < 0.08);
    lagged(n, 0, X, y);
    double a_noise = oof_auc("lstm", X, y, n);
    printf("# noise: OOF AUC lstm %.3f\n", a_noise);
    assert_true(fabs(a_noise - 0.5) < 0.07);
    free(X), free(y);
}

/* In-sample weighted log-loss after 1 epoch and after 25: training lowers it well below log 2. */
static double insample_logloss(size_t epochs, const double *X, const double *y, size_t n) {
    qc_learner *l = mk("lstm", QC_TASK_BINARY);
    qc_error err = {0};
    char e[16];
    snprintf(e, sizeof e, "%zu", epochs);
    assert_int_equal(qc_learner_set(l, "epochs", e, &err), 0);
    assert_int_equal(qc_learner_fit(l, X, n, 2, y, NULL, &err), 0);
    double *p = malloc(n * sizeof *p);
    assert_int_equal(qc_learner_predict(l, X, n, 2, p, &err), 0);
    qc_model_metrics m;
    assert_int_equal(qc_model_metrics_compute(QC_TASK_BINARY, 2, y, p, n, &m, &err), 0);
    free(p);
    qc_learner_free(l);
    return m.log_loss;
}

static void test_loss_decreases(void **state) {
    (void)state;
    size_t n = 600;
    double *X = malloc(n * 2 * sizeof *X), *y = malloc(n * sizeof *y);
    lagged(n, 1, X, y);
    double l1 = insample_logloss(1, X, y, n), l25 = insample_logloss(25, X, y, n);
    printf("# in-sample log-loss: 1 epoch %.4f, 25 epochs %.4f\n", l1, l25);
    assert_true(l25 < l1);
    assert_true(l25 < 0.5 * log(2.0));
    free(X), free(y);
}

/* ---- no look-ahead, save/load, determinism ------------------------------------------------------- */

static qc_learner *fitted(size_t n, const double *X, const double *y, qc_task task) {
    qc_learner *l = mk("lstm", task);
    qc_error err = {0};
    assert_int_equal(qc_learner_set(l, "epochs", "3", &err), 0);
    assert_int_equal(qc_learner_fit(l, X, n, 2, y, NULL, &err), 0);
    return l;
}

static void test_no_lookahead(void **state) {
    (void)state;
    size_t n = 300, k = 200;
    double *X = malloc(n * 2 * sizeof *X), *y = malloc(n * sizeof *y), *p1 = malloc(n * sizeof *p1),
           *p2 = malloc(n * sizeof *p2), scratch[64];
    lagged(n, 1, X, y);
    qc_learner *l = fitted(n, X, y, QC_TASK_BINARY);
    qc_error err = {0};
    assert_int_equal(qc_learner_window(l), 6);
    assert_true(qc_lstm_scratch_size(l) <= 64);
    assert_int_equal(qc_learner_predict(l, X, n, 2, p1, &err), 0);
    /* a prefix predicts its rows exactly as the whole matrix does; so does the streaming form */
    assert_int_equal(qc_learner_predict(l, X, k, 2, p2, &err), 0);
    for (size_t i = 0; i < k; i++) assert_true(p2[i] == p1[i]);
    for (size_t i = 0; i < n; i++) {
        double q;
        size_t first = i >= 5 ? i - 5 : 0; /* the last lookback rows, or all there are */
        qc_lstm_predict_last(l, X + first * 2, i - first + 1, scratch, &q);
        assert_true(q == p1[i]);
    }
    /* a future row changed: every earlier prediction is unchanged, that row's and the next 5 change */
    X[k * 2] += 50, X[k * 2 + 1] -= 50;
    assert_int_equal(qc_learner_predict(l, X, n, 2, p2, &err), 0);
    for (size_t i = 0; i < k; i++) assert_true(p2[i] == p1[i]);
    for (size_t i = k; i < k + 6; i++) assert_true(p2[i] != p1[i]);
    for (size_t i = k + 6; i < n; i++) assert_true(p2[i] == p1[i]);
    qc_learner_free(l);
    free(X), free(y), free(p1), free(p2);
}

static void test_save_load_determinism(void **state) {
    (void)state;
    size_t n = 300;
    double *X = malloc(n * 2 * sizeof *X), *y = malloc(n * sizeof *y), *p1 = malloc(n * sizeof *p1),
           *p2 = malloc(n * sizeof *p2);
    lagged(n, 1, X, y);
    for (int t = 0; t < 2; t++) {
        qc_task task = t ? QC_TASK_REGRESSION : QC_TASK_BINARY;
        if (task == QC_TASK_REGRESSION)
            for (size_t i = 0; i < n; i++) y[i] = X[i * 2 + 1] + 0.1 * (urand() - 0.5);
        openblas_set_num_threads(1);
        qc_learner *a = fitted(n, X, y, task);
        openblas_set_num_threads(2);
        qc_learner *b = fitted(n, X, y, task), *c;
        qc_error err = {0};
        char *ta, *tb;
        assert_int_equal(qc_learner_save(a, &ta, &err), 0);
        assert_int_equal(qc_learner_save(b, &tb, &err), 0);
        assert_string_equal(ta, tb); /* same model whatever the run and the thread count */
        assert_int_equal(qc_learner_load("lstm", task, 0, ta, &c, &err), 0);
        assert_string_equal(qc_learner_get(c, "lookback"), "6");
        assert_int_equal(qc_learner_predict(a, X, n, 2, p1, &err), 0);
        assert_int_equal(qc_learner_predict(c, X, n, 2, p2, &err), 0);
        assert_memory_equal(p1, p2, n * sizeof *p1);
        double imp[2];
        assert_int_equal(qc_learner_importance(c, imp, 2, &err), 0);
        assert_true(fabs(imp[0] + imp[1] - 1) < 1e-12 && imp[0] > 0 && imp[1] > 0);
        qc_learner *s;
        assert_int_equal(qc_learner_set(b, "seed", "7", &err), 0);
        assert_int_equal(qc_learner_clone(b, &s, &err), 0);
        assert_int_equal(qc_learner_fit(s, X, n, 2, y, NULL, &err), 0);
        free(tb);
        assert_int_equal(qc_learner_save(s, &tb, &err), 0);
        assert_true(strcmp(ta, tb) != 0); /* another seed, another model */
        free(ta), free(tb);
        qc_learner_free(a), qc_learner_free(b), qc_learner_free(c), qc_learner_free(s);
    }
    free(X), free(y), free(p1), free(p2);
}

/* ---- weights, early stopping, errors ------------------------------------------------------------ */

/* Half the rows carry the opposite label at weight 0: the fit follows the weighted rows. */
static void test_weights_and_early_stop(void **state) {
    (void)state;
    size_t n = 800;
    double *X = malloc(n * 2 * sizeof *X), *y = malloc(n * sizeof *y), *yt = malloc(n * sizeof *yt),
           *w = malloc(n * sizeof *w), *p = malloc(n * sizeof *p);
    lagged(n, 1, X, yt);
    for (size_t i = 0; i < n; i++) w[i] = i % 2 ? 0 : 1, y[i] = i % 2 ? 1 - yt[i] : yt[i];
    qc_learner *l = mk("lstm", QC_TASK_BINARY);
    qc_error err = {0};
    assert_int_equal(qc_learner_fit(l, X, n, 2, y, w, &err), 0);
    assert_int_equal(qc_learner_predict(l, X, n, 2, p, &err), 0);
    double auc_w = qc_auc(yt, p, n);
    assert_int_equal(qc_learner_set(l, "valid", "0.25", &err), 0);
    assert_int_equal(qc_learner_set(l, "patience", "3", &err), 0);
    assert_int_equal(qc_learner_fit(l, X, n, 2, yt, NULL, &err), 0);
    assert_int_equal(qc_learner_predict(l, X + 600 * 2, 200, 2, p, &err), 0);
    double auc_es = qc_auc(yt + 600, p, 200);
    printf("# weighted fit AUC on the true labels %.3f; early-stopped fit, tail AUC %.3f\n", auc_w, auc_es);
    assert_true(auc_w > 0.8);
    assert_true(auc_es > 0.7);
    qc_learner_free(l);
    free(X), free(y), free(yt), free(w), free(p);
}

static void test_errors(void **state) {
    (void)state;
    qc_error err = {0};
    qc_learner *l;
    assert_int_equal(qc_learner_new("lstm", QC_TASK_MULTICLASS, 3, &l, &err), QC_ERR_INPUT);
    assert_non_null(strstr(err.msg, "multiclass"));
    assert_int_equal(qc_learner_new("lstm", QC_TASK_BINARY, 0, &l, &err), 0);
    double X[20], y[10];
    for (int i = 0; i < 20; i++) X[i] = i;
    for (int i = 0; i < 10; i++) y[i] = i % 2;
    assert_int_equal(qc_learner_set(l, "hidden", "0", &err), 0);
    assert_int_equal(qc_learner_fit(l, X, 10, 2, y, NULL, &err), QC_ERR_INPUT);
    assert_non_null(strstr(err.msg, "hidden"));
    assert_int_equal(qc_learner_set(l, "hidden", "4", &err), 0);
    assert_int_equal(qc_learner_set(l, "lr", "abc", &err), 0);
    assert_int_equal(qc_learner_fit(l, X, 10, 2, y, NULL, &err), QC_ERR_INPUT);
    assert_int_equal(qc_learner_set(l, "lr", "0.01", &err), 0);
    assert_int_equal(qc_learner_set(l, "dropout", "0.5", &err), 0);
    assert_int_equal(qc_learner_fit(l, X, 10, 2, y, NULL, &err), QC_ERR_INPUT);
    assert_non_null(strstr(err.msg, "unknown parameter 'dropout'"));
    qc_learner_free(l);
    assert_int_equal(qc_learner_new("lstm", QC_TASK_BINARY, 0, &l, &err), 0);
    assert_int_equal(qc_learner_fit(l, X, 10, 2, y, NULL, &err), 0); /* the defaults fit 10 rows */
    X[5] = NAN;
    assert_int_equal(qc_learner_fit(l, X, 10, 2, y, NULL, &err), QC_ERR_INPUT);
    assert_non_null(strstr(err.msg, "missing"));
    qc_learner *b;
    assert_int_equal(qc_learner_load("lstm", QC_TASK_BINARY, 0, "{\"format\": \"qc-lstm-1\", \"features\": 2}", &b, &err),
                     QC_ERR_MODEL);
    /* forged sizes with short arrays: refused before allocating for them (no 1 GB theta) */
    const char *forged = "{\"format\": \"qc-lstm-1\", \"features\": 65535, \"hidden\": 512, \"lookback\": 1000,"
                         " \"mean\": [0], \"std\": [1], \"theta\": [0, 1, 2]}";
    assert_int_equal(qc_learner_load("lstm", QC_TASK_BINARY, 0, forged, &b, &err), QC_ERR_MODEL);
    assert_non_null(strstr(err.msg, "bad parameter arrays"));
    qc_learner_free(l);
}

/* A .qcm holding a stack of linear + lstm on "roc(1),roc(2)": the predictor fed bar by bar gives, at
 * every bar, exactly what batch prediction gives on the known feature rows up to that bar. */
static void test_predictor_stream(void **state) {
    (void)state;
    size_t n = 300, nb = 400;
    double *X = malloc(n * 2 * sizeof *X), *y = malloc(n * sizeof *y);
    lagged(n, 1, X, y);
    qc_error err = {0};
    qc_learner *protos[2] = {mk("linear", QC_TASK_BINARY), mk("lstm", QC_TASK_BINARY)}, *meta = mk("linear", QC_TASK_BINARY);
    assert_int_equal(qc_learner_set(protos[1], "epochs", "3", &err), 0);
    qc_cv_opts o;
    qc_cv_opts_init(&o);
    o.scheme = QC_CV_PURGED, o.n = n, o.folds = 3;
    qc_cv_plan plan;
    assert_int_equal(qc_cv_plan_build(&o, &plan, &err), 0);
    qc_ens_opts eo;
    qc_ens_opts_init(&eo);
    eo.method = QC_ENS_STACK, eo.plan = &plan;
    qc_ensemble *e;
    qc_ens_report rep = {0};
    assert_int_equal(qc_ensemble_fit(protos, 2, meta, X, n, 2, y, NULL, &eo, &e, &rep, &err), 0);
    char dir[64], path[96];
    test_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/m.qcm", dir);
    const char *cols[] = {"roc(1)", "roc(2)"};
    qc_model_info info = {"roc(1),roc(2)", cols, 2, "fixed:1", "synthetic", "a", "b", n, "purged", "none"};
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(qc_model_file_write(f, &info, e, NULL, &err), 0);
    fclose(f);
    qc_predictor *p;
    qc_predictor_stream *st;
    assert_int_equal(qc_predictor_open(path, &p, &err), 0);
    assert_int_equal(qc_predictor_stream_new(p, &st, &err), 0);
    double *rows = malloc(nb * 2 * sizeof *rows), *ps = malloc(nb * sizeof *ps), *pb = malloc(nb * sizeof *pb), c = 100;
    size_t k = 0;
    for (size_t i = 0; i < nb; i++) {
        c *= exp(0.01 * (urand() - 0.5));
        qc_ind_bar bar = {c, c * 1.01, c * 0.99, c, 1000, 0};
        int r = qc_predictor_stream_push(st, &bar, ps + k);
        assert_true(r >= 0);
        if (r == 1) memcpy(rows + 2 * k++, qc_predictor_stream_row(st), 2 * sizeof *rows);
    }
    assert_true(k > nb - 5);
    assert_int_equal(qc_ensemble_predict(e, rows, k, 2, pb, &err), 0);
    for (size_t i = 0; i < k; i++) assert_true(ps[i] == pb[i]);
    qc_predictor_stream_free(st);
    qc_predictor_free(p);
    test_rmdir(dir);
    qc_ensemble_free(e);
    qc_ens_report_free(&rep);
    qc_cv_plan_free(&plan);
    qc_learner_free(protos[0]), qc_learner_free(protos[1]), qc_learner_free(meta);
    free(X), free(y), free(rows), free(ps), free(pb);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gradient_check), cmocka_unit_test(test_learns_sequence),
        cmocka_unit_test(test_loss_decreases), cmocka_unit_test(test_no_lookahead),
        cmocka_unit_test(test_save_load_determinism), cmocka_unit_test(test_weights_and_early_stop),
        cmocka_unit_test(test_errors),          cmocka_unit_test(test_predictor_stream),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
