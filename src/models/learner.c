/* learner.c: the learner interface of models.h: kinds, parameters by name, argument checks, and
 * dispatch to the implementations (xgb.c for tree learners, linear.c for linear models, lstm.c). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/internal.h"

const char *qc_task_name(qc_task t) {
    switch (t) {
    case QC_TASK_REGRESSION: return "regression";
    case QC_TASK_BINARY: return "binary";
    case QC_TASK_MULTICLASS: return "multiclass";
    }
    return "?";
}

qc_err qc_task_parse(const char *s, qc_task *out, qc_error *err) {
    for (int t = 0; t <= QC_TASK_MULTICLASS; t++)
        if (strcmp(s, qc_task_name((qc_task)t)) == 0) {
            *out = (qc_task)t;
            return QC_OK;
        }
    return qc_err_set(err, QC_ERR_INPUT, "unknown task '%.40s' (regression, binary, multiclass)", s);
}

size_t qc_task_width(qc_task t, size_t n_classes) { return t == QC_TASK_MULTICLASS ? n_classes : 1; }

static const struct {
    const char *kind;
    const qc_learner_ops *ops;
    qc_err (*defaults)(qc_learner *, qc_error *);
} k_kinds[] = {{"xgb", &qc_xgb_ops, qc_xgb_defaults},
               {"lgbm_like", &qc_xgb_ops, qc_xgb_defaults},
               {"rf", &qc_xgb_ops, qc_xgb_defaults},
               {"linear", &qc_linear_ops, qc_linear_defaults},
               {"lstm", &qc_lstm_ops, qc_lstm_defaults}};
#define N_KINDS (sizeof k_kinds / sizeof k_kinds[0])

static qc_err alloc_learner(const char *kind, qc_task task, size_t n_classes, qc_learner **out, size_t *which,
                            qc_error *err) {
    size_t k = 0;
    while (k < N_KINDS && strcmp(k_kinds[k].kind, kind) != 0) k++;
    if (k == N_KINDS)
        return qc_err_set(err, QC_ERR_INPUT, "unknown learner '%.40s' (xgb, lgbm_like, rf, linear, lstm)", kind);
    if (task == QC_TASK_MULTICLASS && (n_classes < 3 || n_classes > 1000))
        return qc_err_set(err, QC_ERR_INPUT, "multiclass needs 3 to 1000 classes, not %zu", n_classes);
    qc_learner *l = calloc(1, sizeof *l);
    if (!l) return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    l->ops = k_kinds[k].ops;
    snprintf(l->kind, sizeof l->kind, "%s", kind);
    l->task = task;
    l->n_classes = task == QC_TASK_MULTICLASS ? n_classes : task == QC_TASK_BINARY ? 2 : 1;
    *which = k;
    *out = l;
    return QC_OK;
}

qc_err qc_learner_new(const char *kind, qc_task task, size_t n_classes, qc_learner **out, qc_error *err) {
    size_t k;
    qc_learner *l;
    *out = NULL;
    qc_err rc = alloc_learner(kind, task, n_classes, &l, &k, err);
    if (rc) return rc;
    rc = k_kinds[k].defaults(l, err);
    if (rc) {
        qc_learner_free(l);
        return rc;
    }
    *out = l;
    return QC_OK;
}

void qc_learner_free(qc_learner *l) {
    if (!l) return;
    if (l->impl) l->ops->free_impl(l);
    for (size_t i = 0; i < l->n_params; i++) {
        free(l->pname[i]);
        free(l->pvalue[i]);
    }
    free(l);
}

qc_err qc_learner_clone(const qc_learner *l, qc_learner **out, qc_error *err) {
    size_t k;
    qc_learner *c;
    *out = NULL;
    qc_err rc = alloc_learner(l->kind, l->task, l->n_classes, &c, &k, err);
    for (size_t i = 0; !rc && i < l->n_params; i++) rc = qc_learner_set(c, l->pname[i], l->pvalue[i], err);
    if (rc) {
        qc_learner_free(c);
        return rc;
    }
    *out = c;
    return QC_OK;
}

const char *qc_learner_kind(const qc_learner *l) { return l->kind; }
qc_task qc_learner_task(const qc_learner *l) { return l->task; }
size_t qc_learner_classes(const qc_learner *l) { return l->n_classes; }
size_t qc_learner_features(const qc_learner *l) { return l->d; }

qc_err qc_learner_set(qc_learner *l, const char *name, const char *value, qc_error *err) {
    if (!*name || strlen(name) > 64 || strlen(value) > 256 || strpbrk(name, "\"\\= ,"))
        return qc_err_set(err, QC_ERR_INPUT, "bad parameter name or value '%.64s'", name);
    if (strpbrk(value, "\"\\"))
        return qc_err_set(err, QC_ERR_INPUT, "parameter %s: quotes and backslashes are not allowed", name);
    char *v = strdup(value);
    if (!v) return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < l->n_params; i++)
        if (strcmp(l->pname[i], name) == 0) {
            free(l->pvalue[i]);
            l->pvalue[i] = v;
            return QC_OK;
        }
    if (l->n_params == QC_LEARNER_MAX_PARAMS) {
        free(v);
        return qc_err_set(err, QC_ERR_INPUT, "more than %d parameters", QC_LEARNER_MAX_PARAMS);
    }
    char *nm = strdup(name);
    if (!nm) {
        free(v);
        return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    }
    l->pname[l->n_params] = nm;
    l->pvalue[l->n_params++] = v;
    return QC_OK;
}

const char *qc_learner_get(const qc_learner *l, const char *name) {
    for (size_t i = 0; i < l->n_params; i++)
        if (strcmp(l->pname[i], name) == 0) return l->pvalue[i];
    return NULL;
}

char *qc_learner_params_text(const qc_learner *l) {
    size_t cap = 1;
    for (size_t i = 0; i < l->n_params; i++) cap += strlen(l->pname[i]) + strlen(l->pvalue[i]) + 2;
    char *s = malloc(cap);
    if (!s) return NULL;
    size_t k = 0;
    s[0] = '\0';
    for (size_t i = 0; i < l->n_params; i++)
        k += (size_t)snprintf(s + k, cap - k, "%s%s=%s", i ? " " : "", l->pname[i], l->pvalue[i]);
    return s;
}

qc_err qc_learner_check_labels(const qc_learner *l, const double *y, const double *w, size_t n, qc_error *err) {
    for (size_t i = 0; i < n; i++) {
        double v = y[i];
        if (!isfinite(v)) return qc_err_set(err, QC_ERR_INPUT, "label %zu is not a finite number", i);
        if (w && (!isfinite(w[i]) || w[i] < 0))
            return qc_err_set(err, QC_ERR_INPUT, "weight %zu must be finite and >= 0", i);
        if (l->task == QC_TASK_REGRESSION) continue;
        if (v != floor(v) || v < 0 || v >= (double)l->n_classes)
            return qc_err_set(err, QC_ERR_INPUT, "label %zu is %g: a %s task needs labels 0..%zu", i, v,
                              qc_task_name(l->task), l->n_classes - 1);
    }
    return QC_OK;
}

qc_err qc_learner_fit(qc_learner *l, const double *X, size_t n, size_t d, const double *y, const double *w,
                      qc_error *err) {
    if (n == 0 || d == 0) return qc_err_set(err, QC_ERR_INPUT, "fit: no rows or no features");
    if (d > 65535) return qc_err_set(err, QC_ERR_INPUT, "fit: more than 65535 features");
    qc_err rc = qc_learner_check_labels(l, y, w, n, err);
    if (rc) return rc;
    rc = l->ops->fit(l, X, n, d, y, w, err);
    if (!rc) l->d = d;
    return rc;
}

qc_err qc_learner_predict(const qc_learner *l, const double *X, size_t n, size_t d, double *out, qc_error *err) {
    if (!l->impl || !l->d) return qc_err_set(err, QC_ERR_MODEL, "predict: the %s learner is not fitted", l->kind);
    if (d != l->d)
        return qc_err_set(err, QC_ERR_MODEL, "predict: the model has %zu features, the data %zu", l->d, d);
    if (n == 0) return QC_OK;
    return l->ops->predict(l, X, n, out, err);
}

size_t qc_learner_window(const qc_learner *l) {
    return l->ops == &qc_lstm_ops ? qc_lstm_lookback(l) : 1;
}

qc_err qc_learner_importance(const qc_learner *l, double *imp, size_t d, qc_error *err) {
    if (!l->impl || !l->d) return qc_err_set(err, QC_ERR_MODEL, "importance: the %s learner is not fitted", l->kind);
    if (d != l->d) return qc_err_set(err, QC_ERR_MODEL, "importance: the model has %zu features, not %zu", l->d, d);
    qc_err rc = l->ops->importance(l, imp, err);
    if (rc) return rc;
    double s = 0;
    for (size_t j = 0; j < d; j++) s += imp[j];
    for (size_t j = 0; s > 0 && j < d; j++) imp[j] /= s;
    return QC_OK;
}

qc_err qc_learner_save(const qc_learner *l, char **text, qc_error *err) {
    *text = NULL;
    if (!l->impl || !l->d) return qc_err_set(err, QC_ERR_MODEL, "save: the %s learner is not fitted", l->kind);
    return l->ops->save(l, text, err);
}

qc_err qc_learner_load(const char *kind, qc_task task, size_t n_classes, const char *text, qc_learner **out,
                       qc_error *err) {
    qc_learner *l;
    qc_err rc = qc_learner_new(kind, task, n_classes, &l, err);
    if (rc) return rc;
    rc = l->ops->load(l, text, err);
    if (rc) {
        qc_learner_free(l);
        return rc;
    }
    *out = l;
    return QC_OK;
}

/* %.17g: cJSON's own printer compares with a relative epsilon and may drop the last bit, and a
 * loaded model must predict identically. */
size_t qc_learner_put_array(char *s, size_t cap, size_t k, const char *name, const double *v, size_t n) {
    k += (size_t)snprintf(s + k, cap - k, ", \"%s\": [", name);
    for (size_t i = 0; i < n; i++) k += (size_t)snprintf(s + k, cap - k, "%s%.17g", i ? ", " : "", v[i]);
    return k + (size_t)snprintf(s + k, cap - k, "]");
}
