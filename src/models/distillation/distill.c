/* distill.c: teacher predictions -> student targets -> student fit -> fidelity and accuracy
 * (see distill.h). */
#include "models/distillation/distill.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void qc_distill_opts_init(qc_distill_opts *o) {
    o->student = "xgb";
    o->max_depth = 2, o->rounds = 50;
}

static qc_err make_student(const qc_ensemble *t, const qc_distill_opts *o, qc_learner **out, qc_error *err) {
    qc_err rc = qc_learner_new(o->student, t->task, t->n_classes, out, err);
    char v[32];
    if (!rc && strcmp(o->student, "linear") != 0) {
        snprintf(v, sizeof v, "%zu", o->max_depth ? o->max_depth : 2);
        rc = qc_learner_set(*out, "max_depth", v, err);
        snprintf(v, sizeof v, "%zu", o->rounds ? o->rounds : 50);
        if (!rc) rc = qc_learner_set(*out, "rounds", v, err);
    }
    return rc;
}

static void fidelity(const double *pt, const double *ps, size_t n, int binary, qc_distill_report *r) {
    double mt = 0, ms = 0, sse = 0, stt = 0, sss = 0, sts = 0;
    size_t agree = 0;
    for (size_t i = 0; i < n; i++) mt += pt[i] / (double)n, ms += ps[i] / (double)n;
    for (size_t i = 0; i < n; i++) {
        double a = pt[i] - mt, b = ps[i] - ms;
        sse += (ps[i] - pt[i]) * (ps[i] - pt[i]), stt += a * a, sss += b * b, sts += a * b;
        agree += (pt[i] >= 0.5) == (ps[i] >= 0.5);
    }
    r->n = n;
    r->agreement = binary ? (double)agree / (double)n : NAN;
    r->r2 = stt > 0 ? 1 - sse / stt : NAN;
    r->corr = stt > 0 && sss > 0 ? sts / sqrt(stt * sss) : NAN;
}

qc_err qc_distill(const qc_ensemble *teacher, const double *X, size_t n, size_t d, const double *y,
                  const qc_distill_opts *o, qc_learner **student, qc_distill_report *rep, qc_error *err) {
    *student = NULL;
    memset(rep, 0, sizeof *rep);
    if (teacher->task == QC_TASK_MULTICLASS) return qc_err_set(err, QC_ERR_INPUT, "distill: multiclass teachers are not supported");
    if (n < 2) return qc_err_set(err, QC_ERR_INPUT, "distill: need at least 2 rows");
    int binary = teacher->task == QC_TASK_BINARY;
    double *pt = malloc((3 * n + 1) * sizeof *pt), *target = pt + n, *ps = target + n;
    if (!pt) return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    qc_err rc = qc_ensemble_predict(teacher, X, n, d, pt, err);
    for (size_t i = 0; !rc && i < n; i++) target[i] = binary ? (pt[i] >= 0.5) : pt[i];
    if (!rc) rc = make_student(teacher, o, student, err);
    if (!rc) rc = qc_learner_fit(*student, X, n, d, target, NULL, err);
    if (!rc) rc = qc_learner_predict(*student, X, n, d, ps, err);
    if (!rc) fidelity(pt, ps, n, binary, rep);
    if (!rc) rc = qc_model_metrics_compute(teacher->task, teacher->n_classes, y, pt, n, &rep->teacher, err);
    if (!rc) rc = qc_model_metrics_compute(teacher->task, teacher->n_classes, y, ps, n, &rep->student, err);
    free(pt);
    if (rc) {
        qc_learner_free(*student);
        *student = NULL;
    }
    return rc;
}
