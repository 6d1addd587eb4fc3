/* test_ensemble.c: out-of-fold predictions and ensembles (src/models/ensemble/ensemble.h):
 * stacking trained on purged out-of-fold predictions beats its best base learner on a signal
 * with a nonlinear and a many-term linear part, and does not on pure noise; a base learner that
 * memorises noise fools an in-sample stack but not ours; a model trained on a random walk's
 * fixed-horizon labels has out-of-fold AUC near 0.5 under purged K-fold and CPCV; averaging,
 * voting and blending combine as documented. */
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
#include "models/ensemble/ensemble.h"

static uint64_t rng_state = 0xD1B54A32D192ED03ULL;
static double urand(void) {
    rng_state ^= rng_state << 13, rng_state ^= rng_state >> 7, rng_state ^= rng_state << 17;
    return (double)(rng_state >> 11) / 9007199254740992.0;
}
static double nrand(void) { return sqrt(-2 * log(urand() + 1e-300)) * cos(6.283185307179586 * urand()); }

#define D 10

/* signal = 1: nonlinear part in x0, x1 plus eight small linear terms; 0: labels are coin flips */
static void synth(size_t n, int signal, double *X, double *y) {
    for (size_t i = 0; i < n; i++) {
        double *x = X + i * D;
        for (size_t j = 0; j < D; j++) x[j] = urand() * 2 - 1;
        double s = 1.2 * sin(4 * x[0]) * (x[1] > 0) + 0.4 * (x[2] + x[3] + x[4] + x[5] + x[6] + x[7] + x[8] + x[9]) +
                   0.8 * nrand();
        y[i] = signal ? s > 0 : urand() < 0.5;
    }
}

static qc_learner *mk(const char *kind, const char *const *params) {
    qc_error err = {0};
    qc_learner *l;
    assert_int_equal(qc_learner_new(kind, QC_TASK_BINARY, 0, &l, &err), 0);
    for (size_t i = 0; params && params[i]; i += 2) assert_int_equal(qc_learner_set(l, params[i], params[i + 1], &err), 0);
    return l;
}

static void plan_of(qc_cv_scheme s, size_t n, size_t horizon, qc_cv_plan *plan) {
    qc_cv_opts o;
    qc_cv_opts_init(&o);
    o.scheme = s, o.n = n, o.folds = 5, o.groups = 6, o.test_groups = 2, o.horizon = horizon, o.embargo = horizon;
    qc_error err = {0};
    assert_int_equal(qc_cv_plan_build(&o, plan, &err), 0);
}

static double oof_auc(const qc_ens_report *r, const double *y, int base) {
    return qc_auc(y, base < 0 ? r->oof_ens : r->oof_base + (size_t)base * r->n, r->n);
}

static void stack_case(int signal, double *best_base, double *stack) {
    size_t n = 3000;
    double *X = malloc(n * D * sizeof *X), *y = malloc(n * sizeof *y);
    synth(n, signal, X, y);
    const char *xp[] = {"rounds", "25", "max_depth", "2", NULL};
    qc_learner *protos[2] = {mk("xgb", xp), mk("linear", NULL)}, *meta = mk("linear", NULL);
    qc_cv_plan plan;
    plan_of(QC_CV_PURGED, n, 0, &plan);
    qc_ens_opts o;
    qc_ens_opts_init(&o);
    o.plan = &plan;
    qc_ensemble *e;
    qc_ens_report r;
    qc_error err = {0};
    if (qc_ensemble_fit(protos, 2, meta, X, n, D, y, NULL, &o, &e, &r, &err)) fail_msg("%s", err.msg);
    *best_base = fmax(oof_auc(&r, y, 0), oof_auc(&r, y, 1));
    *stack = oof_auc(&r, y, -1);
    printf("# signal %d: OOF AUC xgb %.4f linear %.4f stack %.4f\n", signal, oof_auc(&r, y, 0), oof_auc(&r, y, 1), *stack);
    qc_ens_report_free(&r);
    qc_ensemble_free(e);
    qc_cv_plan_free(&plan);
    qc_learner_free(protos[0]), qc_learner_free(protos[1]), qc_learner_free(meta);
    free(X), free(y);
}

static void test_stack_signal_and_noise(void **state) {
    (void)state;
    double best, st;
    stack_case(1, &best, &st);
    assert_true(best > 0.7);
    assert_true(st > best + 0.005); /* combines the trees' nonlinear part with the linear terms */
    stack_case(0, &best, &st);
    assert_true(fabs(best - 0.5) < 0.05 && fabs(st - 0.5) < 0.05);
    assert_true(st < best + 0.02); /* nothing to gain on noise */
}

/* A memoriser (deep trees, no regularisation) on noise next to a weak honest linear model. */
static void test_oof_stacking_resists_memoriser(void **state) {
    (void)state;
    size_t n = 2000, m = 2000;
    double *X = malloc((n + m) * D * sizeof *X), *y = malloc((n + m) * sizeof *y);
    for (size_t i = 0; i < n + m; i++) {
        for (size_t j = 0; j < D; j++) X[i * D + j] = urand() * 2 - 1;
        y[i] = 0.8 * X[i * D] + nrand() > 0; /* weak linear signal in x0, the rest noise */
    }
    const char *memo_p[] = {"rounds", "200", "max_depth", "12", "eta", "1", "lambda", "0", "min_child_weight", "0", NULL};
    qc_learner *protos[2] = {mk("xgb", memo_p), mk("linear", NULL)}, *meta = mk("linear", NULL);
    qc_cv_plan plan;
    plan_of(QC_CV_PURGED, n, 0, &plan);
    qc_ens_opts o;
    qc_ens_opts_init(&o);
    o.plan = &plan;
    qc_ensemble *e;
    qc_ens_report r;
    qc_error err = {0};
    assert_int_equal(qc_ensemble_fit(protos, 2, meta, X, n, D, y, NULL, &o, &e, &r, &err), 0);
    double *p = malloc((n + m) * 2 * sizeof *p), *F = malloc((n + m) * 2 * sizeof *F);
    /* the memoriser is perfect in-sample, useless out of fold */
    assert_int_equal(qc_learner_predict(e->base[0], X, n, D, p, &err), 0);
    assert_true(qc_auc(y, p, n) > 0.99);
    assert_true(oof_auc(&r, y, 0) < oof_auc(&r, y, 1));
    /* the in-sample stack a careless pipeline would build: meta on in-sample base predictions */
    assert_int_equal(qc_learner_predict(e->base[1], X, n, D, p + n, &err), 0);
    qc_ens_meta_features(QC_TASK_BINARY, 1, p, n, 2, F);
    qc_learner *naive = mk("linear", NULL);
    assert_int_equal(qc_learner_fit(naive, F, n, 2, y, NULL, &err), 0);
    /* both on fresh data */
    double *pn = malloc(m * sizeof *pn), *po = malloc(m * sizeof *po);
    assert_int_equal(qc_learner_predict(e->base[0], X + n * D, m, D, p, &err), 0);
    assert_int_equal(qc_learner_predict(e->base[1], X + n * D, m, D, p + m, &err), 0);
    qc_ens_meta_features(QC_TASK_BINARY, 1, p, m, 2, F);
    assert_int_equal(qc_learner_predict(naive, F, m, 2, pn, &err), 0);
    assert_int_equal(qc_ensemble_predict(e, X + n * D, m, D, po, &err), 0);
    double auc_naive = qc_auc(y + n, pn, m), auc_oof = qc_auc(y + n, po, m), auc_lin = qc_auc(y + n, p + m, m);
    printf("# fresh data AUC: in-sample stack %.4f, OOF stack %.4f, linear alone %.4f\n", auc_naive, auc_oof, auc_lin);
    assert_true(auc_oof > auc_naive + 0.03);
    assert_true(auc_oof > auc_lin - 0.01);
    free(p), free(F), free(pn), free(po), free(X), free(y);
    qc_learner_free(naive);
    qc_ens_report_free(&r);
    qc_ensemble_free(e);
    qc_cv_plan_free(&plan);
    qc_learner_free(protos[0]), qc_learner_free(protos[1]), qc_learner_free(meta);
}

/* A random walk: features are past returns, labels the sign of the next H-bar return. */
static void test_noise_oof_auc(void **state) {
    (void)state;
    size_t n = 8000, H = 5, lags[4] = {1, 5, 10, 20}, d = 4, first = 20;
    double *c = malloc(n * sizeof *c), *lab = malloc(n * sizeof *lab);
    c[0] = 100;
    for (size_t i = 1; i < n; i++) c[i] = c[i - 1] * exp(0.01 * nrand());
    qc_error err = {0};
    assert_int_equal(qc_label_forward_return(c, n, H, 0, lab, &err), 0);
    for (size_t t = 0; t < n; t++) lab[t] = isnan(lab[t]) ? NAN : lab[t] > 0; /* fixed:H binary */
    size_t rows = n - first - H;
    double *X = malloc(rows * d * sizeof *X), *y = malloc(rows * sizeof *y);
    for (size_t r = 0; r < rows; r++) {
        size_t t = first + r;
        for (size_t j = 0; j < d; j++) X[r * d + j] = c[t] / c[t - lags[j]] - 1;
        y[r] = lab[t];
    }
    const char *xp[] = {"rounds", "50", NULL};
    qc_learner *l = mk("xgb", xp);
    for (int s = 0; s < 2; s++) {
        qc_cv_plan plan;
        plan_of(s ? QC_CV_CPCV : QC_CV_PURGED, rows, H, &plan);
        double *oof = malloc(rows * sizeof *oof);
        size_t *cov = malloc(rows * sizeof *cov);
        assert_int_equal(qc_oof_predict(l, X, rows, d, y, NULL, &plan, oof, cov, NULL, NULL, &err), 0);
        for (size_t i = 0; i < rows; i++) assert_true(cov[i] == (s ? 5u : 1u)); /* CPCV N=6 k=2 tests each row 5 times */
        double auc = qc_auc(y, oof, rows);
        printf("# random walk, %s: OOF AUC %.4f\n", s ? "cpcv" : "purged", auc);
        assert_true(fabs(auc - 0.5) < 0.05);
        free(oof), free(cov);
        qc_cv_plan_free(&plan);
    }
    qc_learner_free(l);
    free(c), free(lab), free(X), free(y);
}

static void test_average_vote_blend(void **state) {
    (void)state;
    size_t n = 1200;
    double *X = malloc(n * D * sizeof *X), *y = malloc(n * sizeof *y);
    synth(n, 1, X, y);
    const char *xp[] = {"rounds", "20", NULL};
    qc_learner *protos[3] = {mk("xgb", xp), mk("linear", NULL), mk("lgbm_like", xp)}, *meta = mk("linear", NULL);
    qc_cv_plan plan;
    plan_of(QC_CV_PURGED, n, 0, &plan);
    qc_error err = {0};
    for (int method = QC_ENS_AVERAGE; method <= QC_ENS_BLEND; method++) {
        qc_ens_opts o;
        qc_ens_opts_init(&o);
        o.plan = &plan, o.method = (qc_ens_method)method, o.horizon = 5;
        qc_ensemble *e;
        qc_ens_report r;
        if (qc_ensemble_fit(protos, 3, meta, X, n, D, y, NULL, &o, &e, &r, &err)) fail_msg("%s", err.msg);
        for (size_t i = 0; method != QC_ENS_BLEND && i < n; i++) {
            double a = r.oof_base[i], b = r.oof_base[n + i], c = r.oof_base[2 * n + i];
            double want = method == QC_ENS_AVERAGE ? (a + b + c) / 3 : ((a > 0.5) + (b > 0.5) + (c > 0.5)) / 3.0;
            assert_true(fabs(r.oof_ens[i] - want) < 1e-12);
        }
        if (method == QC_ENS_BLEND) assert_true(!r.covered[0] && r.covered[n - 1] && isnan(r.oof_ens[0]));
        double p[4];
        assert_int_equal(qc_ensemble_predict(e, X, 4, D, p, &err), 0);
        for (int i = 0; i < 4; i++) assert_true(p[i] >= 0 && p[i] <= 1);
        qc_ens_report_free(&r);
        qc_ensemble_free(e);
    }
    /* a stack without a meta-learner is refused */
    qc_ens_opts o;
    qc_ens_opts_init(&o);
    o.plan = &plan;
    qc_ensemble *e;
    qc_ens_report r;
    assert_int_equal(qc_ensemble_fit(protos, 3, NULL, X, n, D, y, NULL, &o, &e, &r, &err), QC_ERR_INPUT);
    qc_cv_plan_free(&plan);
    for (int i = 0; i < 3; i++) qc_learner_free(protos[i]);
    qc_learner_free(meta);
    free(X), free(y);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stack_signal_and_noise),
        cmocka_unit_test(test_oof_stacking_resists_memoriser),
        cmocka_unit_test(test_noise_oof_auc),
        cmocka_unit_test(test_average_vote_blend),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
