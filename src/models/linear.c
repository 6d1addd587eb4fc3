/* linear.c: regularised linear models over LAPACK. Regression is ridge:
 *   min sum_i w_i (y_i - b0 - x_i'b)^2 + lambda ||b||^2            (sklearn Ridge, alpha = lambda)
 * solved in closed form on weighted-centred data. Binary classification is L2 logistic regression:
 *   min sum_i w_i logloss(y_i, s(b0 + x_i'b)) + lambda/2 ||b||^2   (sklearn LogisticRegression, C = 1/lambda)
 * solved by Newton's method with step halving (the Hessian system by Cholesky, LAPACKE_dposv).
 * Multiclass is one-vs-rest logistic with the k probabilities normalised to sum to 1. The
 * intercept is never penalised; features are used as given (no standardisation), as sklearn does. */
#include <cjson/cJSON.h>
#include <lapacke.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/internal.h"

typedef struct {
    size_t m;        /* outputs: 1, or k for one-vs-rest */
    double *coef;    /* m x d */
    double *b0;      /* m */
    double *std;     /* d: weighted feature std of the training data (importance) */
} linear;

qc_err qc_linear_defaults(qc_learner *l, qc_error *err) {
    qc_err rc = qc_learner_set(l, "lambda", "1", err);
    if (!rc) rc = qc_learner_set(l, "max_iter", "100", err);
    return rc;
}

static void lin_free(qc_learner *l) {
    linear *m = l->impl;
    if (m) free(m->coef), free(m->b0), free(m->std);
    free(m);
    l->impl = NULL;
}

static linear *lin_alloc(size_t m, size_t d) {
    linear *z = calloc(1, sizeof *z);
    if (!z) return NULL;
    z->m = m;
    z->coef = calloc(m * d, sizeof *z->coef);
    z->b0 = calloc(m, sizeof *z->b0);
    z->std = calloc(d, sizeof *z->std);
    if (!z->coef || !z->b0 || !z->std) {
        free(z->coef), free(z->b0), free(z->std), free(z);
        return NULL;
    }
    return z;
}

static qc_err get_lambda(const qc_learner *l, double *lambda, long *iters, qc_error *err) {
    const char *s = qc_learner_get(l, "lambda"), *it = qc_learner_get(l, "max_iter");
    char *end;
    *lambda = strtod(s ? s : "1", &end);
    if (*end || !(*lambda >= 0) || !isfinite(*lambda))
        return qc_err_set(err, QC_ERR_INPUT, "linear: lambda must be a number >= 0");
    if (l->task != QC_TASK_REGRESSION && !(*lambda > 0))
        return qc_err_set(err, QC_ERR_INPUT, "linear: logistic regression needs lambda > 0");
    *iters = strtol(it ? it : "100", &end, 10);
    if (*end || *iters < 1 || *iters > 10000) return qc_err_set(err, QC_ERR_INPUT, "linear: max_iter must be in [1, 10000]");
    return QC_OK;
}

static qc_err ridge(const double *X, size_t n, size_t d, const double *y, const double *w, double lambda,
                    double *b, double *b0, qc_error *err) {
    double sw = 0, my = 0;
    double *mx = calloc(d, sizeof *mx), *A = calloc(d * d, sizeof *A), *r = calloc(d, sizeof *r);
    if (!mx || !A || !r) {
        free(mx), free(A), free(r);
        return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        double wi = w ? w[i] : 1;
        sw += wi, my += wi * y[i];
        for (size_t j = 0; j < d; j++) mx[j] += wi * X[i * d + j];
    }
    qc_err rc = sw > 0 ? QC_OK : qc_err_set(err, QC_ERR_INPUT, "linear: all weights are zero");
    for (size_t j = 0; !rc && j < d; j++) mx[j] /= sw;
    my = rc ? 0 : my / sw;
    for (size_t i = 0; !rc && i < n; i++) {
        double wi = w ? w[i] : 1, yc = y[i] - my;
        for (size_t j = 0; j < d; j++) {
            double xj = X[i * d + j] - mx[j];
            r[j] += wi * xj * yc;
            for (size_t k = 0; k <= j; k++) A[j * d + k] += wi * xj * (X[i * d + k] - mx[k]);
        }
    }
    for (size_t j = 0; !rc && j < d; j++) A[j * d + j] += lambda;
    if (!rc && LAPACKE_dposv(LAPACK_ROW_MAJOR, 'L', (lapack_int)d, 1, A, (lapack_int)d, r, 1) != 0)
        rc = qc_err_set(err, QC_ERR_MODEL, "linear: the normal equations are singular (give lambda > 0)");
    if (!rc) {
        *b0 = my;
        for (size_t j = 0; j < d; j++) b[j] = r[j], *b0 -= r[j] * mx[j];
    }
    free(mx), free(A), free(r);
    return rc;
}

/* Weighted logistic objective at (b0, b) for targets t (0/1). */
static double logit_obj(const double *X, size_t n, size_t d, const double *t, const double *w, double lambda,
                        const double *beta) {
    double f = 0;
    for (size_t i = 0; i < n; i++) {
        double z = beta[0];
        for (size_t j = 0; j < d; j++) z += X[i * d + j] * beta[j + 1];
        /* log(1 + e^z) - t z, computed without overflow */
        double l1p = z > 0 ? z + log1p(exp(-z)) : log1p(exp(z));
        f += (w ? w[i] : 1) * (l1p - t[i] * z);
    }
    for (size_t j = 1; j <= d; j++) f += 0.5 * lambda * beta[j] * beta[j];
    return f;
}

/* One Newton direction at beta into step (p = d + 1 unknowns, intercept first). */
static int newton_step(const double *X, size_t n, size_t d, const double *t, const double *w, double lambda,
                       const double *beta, double *H, double *step) {
    size_t p = d + 1;
    memset(H, 0, p * p * sizeof *H);
    memset(step, 0, p * sizeof *step);
    for (size_t i = 0; i < n; i++) {
        const double *x = X + i * d;
        double z = beta[0];
        for (size_t j = 0; j < d; j++) z += x[j] * beta[j + 1];
        double s = 1 / (1 + exp(-z)), wi = w ? w[i] : 1, g = wi * (s - t[i]), h = wi * s * (1 - s);
        for (size_t j = 0; j < p; j++) {
            double xj = j ? x[j - 1] : 1;
            step[j] -= g * xj;
            for (size_t k = 0; k <= j; k++) H[j * p + k] += h * xj * (k ? x[k - 1] : 1);
        }
    }
    for (size_t j = 1; j < p; j++) step[j] -= lambda * beta[j], H[j * p + j] += lambda;
    H[0] += 1e-12; /* a class absent under the weights leaves the intercept direction flat */
    return LAPACKE_dposv(LAPACK_ROW_MAJOR, 'L', (lapack_int)p, 1, H, (lapack_int)p, step, 1);
}

static qc_err logistic(const double *X, size_t n, size_t d, const double *t, const double *w, double lambda,
                       long iters, double *b, double *b0, qc_error *err) {
    size_t p = d + 1;
    double *beta = calloc(p, sizeof *beta), *H = malloc(p * p * sizeof *H), *step = malloc(p * sizeof *step),
           *trial = malloc(p * sizeof *trial);
    qc_err rc = beta && H && step && trial ? QC_OK : qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    double f = rc ? 0 : logit_obj(X, n, d, t, w, lambda, beta);
    for (long it = 0; !rc && it < iters; it++) {
        if (newton_step(X, n, d, t, w, lambda, beta, H, step) != 0) {
            rc = qc_err_set(err, QC_ERR_MODEL, "linear: singular Hessian in logistic regression");
            break;
        }
        double a = 1, ft = f, size = 0;
        for (int half = 0; half < 60; half++, a *= 0.5) {
            for (size_t j = 0; j < p; j++) trial[j] = beta[j] + a * step[j];
            ft = logit_obj(X, n, d, t, w, lambda, trial);
            if (ft <= f) break;
        }
        for (size_t j = 0; j < p; j++) size = fmax(size, fabs(trial[j] - beta[j])), beta[j] = trial[j];
        f = ft;
        if (size < 1e-12) break;
    }
    if (!rc) {
        *b0 = beta[0];
        memcpy(b, beta + 1, d * sizeof *b);
    }
    free(beta), free(H), free(step), free(trial);
    return rc;
}

static void feature_std(const double *X, size_t n, size_t d, const double *w, double *std) {
    for (size_t j = 0; j < d; j++) {
        double sw = 0, m = 0, v = 0;
        for (size_t i = 0; i < n; i++) sw += w ? w[i] : 1, m += (w ? w[i] : 1) * X[i * d + j];
        m = sw > 0 ? m / sw : 0;
        for (size_t i = 0; i < n; i++) v += (w ? w[i] : 1) * (X[i * d + j] - m) * (X[i * d + j] - m);
        std[j] = sw > 0 ? sqrt(v / sw) : 0;
    }
}

static qc_err lin_fit(qc_learner *l, const double *X, size_t n, size_t d, const double *y, const double *w,
                      qc_error *err) {
    double lambda;
    long iters;
    qc_err rc = get_lambda(l, &lambda, &iters, err);
    if (rc) return rc;
    for (size_t i = 0; i < n * d; i++)
        if (!isfinite(X[i])) return qc_err_set(err, QC_ERR_INPUT, "linear: row %zu has a missing feature", i / d);
    size_t m = l->task == QC_TASK_MULTICLASS ? l->n_classes : 1;
    linear *z = lin_alloc(m, d);
    double *t = malloc(n * sizeof *t);
    if (!z || !t) {
        free(t);
        if (z) free(z->coef), free(z->b0), free(z->std), free(z);
        return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    }
    feature_std(X, n, d, w, z->std);
    if (l->task == QC_TASK_REGRESSION) rc = ridge(X, n, d, y, w, lambda, z->coef, z->b0, err);
    for (size_t c = 0; !rc && l->task != QC_TASK_REGRESSION && c < m; c++) {
        double cls = l->task == QC_TASK_BINARY ? 1.0 : (double)c;
        for (size_t i = 0; i < n; i++) t[i] = y[i] == cls;
        rc = logistic(X, n, d, t, w, lambda, iters, z->coef + c * d, z->b0 + c, err);
    }
    free(t);
    lin_free(l);
    l->impl = z;
    if (rc) lin_free(l);
    return rc;
}

static qc_err lin_predict(const qc_learner *l, const double *X, size_t n, double *out, qc_error *err) {
    (void)err;
    const linear *z = l->impl;
    size_t d = l->d;
    for (size_t i = 0; i < n; i++) {
        double sum = 0;
        for (size_t c = 0; c < z->m; c++) {
            double s = z->b0[c];
            for (size_t j = 0; j < d; j++) s += z->coef[c * d + j] * X[i * d + j];
            if (l->task != QC_TASK_REGRESSION) s = 1 / (1 + exp(-s));
            out[i * z->m + c] = s;
            sum += s;
        }
        for (size_t c = 0; l->task == QC_TASK_MULTICLASS && c < z->m; c++) out[i * z->m + c] /= sum;
    }
    return QC_OK;
}

static qc_err lin_importance(const qc_learner *l, double *imp, qc_error *err) {
    (void)err;
    const linear *z = l->impl;
    for (size_t j = 0; j < l->d; j++) {
        imp[j] = 0;
        for (size_t c = 0; c < z->m; c++) imp[j] += fabs(z->coef[c * l->d + j]) * z->std[j];
    }
    return QC_OK;
}

static qc_err lin_save(const qc_learner *l, char **text, qc_error *err) {
    const linear *z = l->impl;
    size_t cap = 128 + 28 * (z->m * l->d + z->m + l->d);
    char *s = malloc(cap);
    if (!s) return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    size_t k = (size_t)snprintf(s, cap, "{\"format\": \"qc-linear-1\", \"features\": %zu, \"outputs\": %zu", l->d, z->m);
    k = qc_learner_put_array(s, cap, k, "coef", z->coef, z->m * l->d);
    k = qc_learner_put_array(s, cap, k, "intercept", z->b0, z->m);
    k = qc_learner_put_array(s, cap, k, "std", z->std, l->d);
    snprintf(s + k, cap - k, "}");
    *text = s;
    return QC_OK;
}

static int read_array(const cJSON *o, const char *name, double *dst, size_t n) {
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, name);
    if (!cJSON_IsArray(a) || (size_t)cJSON_GetArraySize(a) != n) return -1;
    size_t i = 0;
    const cJSON *v;
    cJSON_ArrayForEach(v, a) {
        if (!cJSON_IsNumber(v)) return -1;
        dst[i++] = v->valuedouble;
    }
    return 0;
}

static qc_err lin_load(qc_learner *l, const char *text, qc_error *err) {
    cJSON *o = cJSON_Parse(text);
    const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(o, "format"),
                *nd = cJSON_GetObjectItemCaseSensitive(o, "features"),
                *nm = cJSON_GetObjectItemCaseSensitive(o, "outputs");
    size_t want_m = l->task == QC_TASK_MULTICLASS ? l->n_classes : 1;
    if (!cJSON_IsString(fmt) || strcmp(fmt->valuestring, "qc-linear-1") != 0 || !cJSON_IsNumber(nd) ||
        !cJSON_IsNumber(nm) || nd->valuedouble < 1 || nd->valuedouble > 65535 || nm->valuedouble != (double)want_m) {
        cJSON_Delete(o);
        return qc_err_set(err, QC_ERR_MODEL, "linear: not a qc-linear-1 model of this task");
    }
    size_t d = (size_t)nd->valuedouble;
    linear *z = lin_alloc(want_m, d);
    qc_err rc = z ? QC_OK : qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    if (!rc && (read_array(o, "coef", z->coef, want_m * d) || read_array(o, "intercept", z->b0, want_m) ||
                read_array(o, "std", z->std, d)))
        rc = qc_err_set(err, QC_ERR_MODEL, "linear: bad coefficient arrays");
    cJSON_Delete(o);
    lin_free(l);
    l->impl = z;
    if (rc) {
        lin_free(l);
        return rc;
    }
    l->d = d;
    return QC_OK;
}

const qc_learner_ops qc_linear_ops = {lin_fit, lin_predict, lin_importance, lin_save, lin_load, lin_free};
