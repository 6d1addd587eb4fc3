/* test_distill.c: distillation (src/models/distillation): a linear student of a linear regression
 * teacher reproduces it exactly (R^2 = 1, correlation 1); a shallow tree student of a tree teacher
 * on a binary signal (an XOR of two signs) agrees with over 80% of its decisions (observed 0.83) and reports the teacher's and its own
 * accuracy against the labels side by side; multiclass teachers are refused. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "models/distillation/distill.h"

static uint64_t g_rng = 88172645463325252ull;
static double urand(void) {
    g_rng ^= g_rng << 13, g_rng ^= g_rng >> 7, g_rng ^= g_rng << 17;
    return (double)(g_rng >> 11) / 9007199254740992.0;
}

static qc_ensemble *fit_teacher(const char *kind, qc_task task, const double *X, size_t n, size_t d, const double *y) {
    qc_error err = {0};
    qc_learner *l, **base = malloc(sizeof *base);
    assert_int_equal(qc_learner_new(kind, task, 0, &l, &err), 0);
    if (!strcmp(kind, "xgb")) assert_int_equal(qc_learner_set(l, "rounds", "60", &err), 0);
    assert_int_equal(qc_learner_fit(l, X, n, d, y, NULL, &err), 0);
    base[0] = l;
    qc_ensemble *e;
    assert_int_equal(qc_ensemble_assemble(QC_ENS_AVERAGE, base, 1, NULL, &e, &err), 0);
    return e;
}

static void test_distill(void **state) {
    (void)state;
    size_t n = 2000, d = 3;
    double *X = malloc(n * d * sizeof *X), *yr = malloc(n * sizeof *yr), *yb = malloc(n * sizeof *yb);
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < d; j++) X[i * d + j] = urand() * 2 - 1;
        yr[i] = 0.5 * X[i * d] - 0.3 * X[i * d + 1] + 0.2 * (urand() - 0.5);
        yb[i] = (X[i * d] * X[i * d + 1] > 0) ^ (urand() < 0.1); /* an interaction, 10% flipped */
    }
    qc_error err = {0};
    qc_distill_opts o;
    qc_distill_opts_init(&o);
    qc_learner *s;
    qc_distill_report r;
    /* linear teacher, linear student without penalty: the same function */
    qc_ensemble *t = fit_teacher("linear", QC_TASK_REGRESSION, X, n, d, yr);
    o.student = "linear";
    assert_int_equal(qc_distill(t, X, n, d, yr, &o, &s, &r, &err), 0);
    qc_learner_free(s);
    assert_true(r.r2 > 0.999 && r.corr > 0.9999 && isnan(r.agreement)); /* lambda = 1 shrinks a little */
    assert_true(fabs(r.teacher.r2 - r.student.r2) < 0.01 && r.n == n);
    qc_ensemble_free(t);
    /* tree teacher on an interaction; depth-2 tree student */
    t = fit_teacher("xgb", QC_TASK_BINARY, X, n, d, yb);
    o.student = "xgb";
    assert_int_equal(qc_distill(t, X, n, d, yb, &o, &s, &r, &err), 0);
    assert_string_equal(qc_learner_kind(s), "xgb");
    assert_string_equal(qc_learner_get(s, "max_depth"), "2");
    assert_true(r.agreement > 0.8 && r.teacher.auc > 0.85 && r.student.auc > 0.8);
    assert_true(r.student.accuracy <= r.teacher.accuracy + 0.02);
    qc_learner_free(s);
    /* a linear student cannot express the interaction: fidelity says so */
    o.student = "linear";
    assert_int_equal(qc_distill(t, X, n, d, yb, &o, &s, &r, &err), 0);
    assert_true(r.agreement < 0.7 && r.student.auc < 0.65);
    qc_learner_free(s);
    qc_ensemble_free(t);
    free(X), free(yr), free(yb);
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_distill)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
