/* xgb.c: the tree learners over XGBoost's C API (libxgboost 1.7). Three presets of one learner:
 * "xgb" grows depth-wise (XGBoost's own style), "lgbm_like" grows loss-guided, leaf by leaf up to
 * max_leaves (LightGBM's style: grow_policy=lossguide), "rf" is a random forest (one round of
 * num_parallel_tree trees on row and column subsamples, learning rate 1). All use the histogram
 * method, one thread and seed 0 by default, so a fit is reproducible. "rounds" is ours (boosting
 * rounds); every other parameter goes to XGBoosterSetParam as given. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xgboost/c_api.h>

#include "models/internal.h"

static const char *const k_defaults[][2] = {
    /* common */
    {"tree_method", "hist"}, {"nthread", "1"}, {"seed", "0"}, {"verbosity", "0"}, {"eta", "0.1"},
    {"max_bin", "254"}, {"lambda", "1"}, {"min_child_weight", "1"}};

static qc_err set_all(qc_learner *l, const char *const (*kv)[2], size_t n, qc_error *err) {
    for (size_t i = 0; i < n; i++) {
        qc_err rc = qc_learner_set(l, kv[i][0], kv[i][1], err);
        if (rc) return rc;
    }
    return QC_OK;
}

qc_err qc_xgb_defaults(qc_learner *l, qc_error *err) {
    static const char *const xgb[][2] = {{"grow_policy", "depthwise"}, {"max_depth", "6"}, {"rounds", "100"}};
    static const char *const lgbm[][2] = {
        {"grow_policy", "lossguide"}, {"max_leaves", "31"}, {"max_depth", "0"}, {"rounds", "100"}};
    static const char *const rf[][2] = {{"grow_policy", "depthwise"}, {"max_depth", "8"},      {"rounds", "1"},
                                        {"eta", "1"},                 {"num_parallel_tree", "100"},
                                        {"subsample", "0.632"},       {"colsample_bynode", "0.5"}};
    qc_err rc = set_all(l, k_defaults, sizeof k_defaults / sizeof k_defaults[0], err);
    if (rc) return rc;
    if (strcmp(l->kind, "lgbm_like") == 0) return set_all(l, lgbm, sizeof lgbm / sizeof lgbm[0], err);
    if (strcmp(l->kind, "rf") == 0) return set_all(l, rf, sizeof rf / sizeof rf[0], err);
    return set_all(l, xgb, sizeof xgb / sizeof xgb[0], err);
}

static qc_err xgb_fail(qc_error *err, const char *what) {
    const char *m = XGBGetLastError();
    qc_err rc = qc_err_set(err, QC_ERR_MODEL, "xgboost: %s: %.300s", what, m && *m ? m : "failed");
    for (char *c = err ? err->msg : NULL; c && *c; c++) /* XGBoost's messages span lines: keep one */
        if (*c == '\n' || *c == '\r') *c = ' ';
    return rc;
}

static void xgb_free(qc_learner *l) {
    if (l->impl) XGBoosterFree((BoosterHandle)l->impl);
    l->impl = NULL;
}

/* A DMatrix over X as floats (NaN = missing). */
static qc_err make_dmatrix(const double *X, size_t n, size_t d, DMatrixHandle *out, qc_error *err) {
    float *f = malloc(n * d * sizeof *f);
    if (!f) return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n * d; i++) f[i] = (float)X[i];
    int rc = XGDMatrixCreateFromMat(f, (bst_ulong)n, (bst_ulong)d, NAN, out);
    free(f);
    return rc ? xgb_fail(err, "DMatrix") : QC_OK;
}

static qc_err set_info(DMatrixHandle dm, const char *field, const double *v, size_t n, qc_error *err) {
    float *f = malloc(n * sizeof *f);
    if (!f) return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) f[i] = (float)v[i];
    int rc = XGDMatrixSetFloatInfo(dm, field, f, (bst_ulong)n);
    free(f);
    return rc ? xgb_fail(err, field) : QC_OK;
}

static qc_err set_params(const qc_learner *l, BoosterHandle b, long *rounds, qc_error *err) {
    const char *obj = l->task == QC_TASK_REGRESSION ? "reg:squarederror"
                      : l->task == QC_TASK_BINARY   ? "binary:logistic"
                                                    : "multi:softprob";
    if (XGBoosterSetParam(b, "objective", obj)) return xgb_fail(err, "objective");
    char k[32];
    snprintf(k, sizeof k, "%zu", l->n_classes);
    if (l->task == QC_TASK_MULTICLASS && XGBoosterSetParam(b, "num_class", k)) return xgb_fail(err, "num_class");
    for (size_t i = 0; i < l->n_params; i++) {
        if (strcmp(l->pname[i], "rounds") == 0) {
            char *end;
            *rounds = strtol(l->pvalue[i], &end, 10);
            if (*end || *rounds < 1 || *rounds > 100000)
                return qc_err_set(err, QC_ERR_INPUT, "rounds must be an integer in [1, 100000], not '%s'",
                                  l->pvalue[i]);
            continue;
        }
        if (XGBoosterSetParam(b, l->pname[i], l->pvalue[i])) return xgb_fail(err, l->pname[i]);
    }
    return QC_OK;
}

static qc_err xgb_fit(qc_learner *l, const double *X, size_t n, size_t d, const double *y, const double *w,
                      qc_error *err) {
    xgb_free(l);
    DMatrixHandle dm = NULL;
    BoosterHandle b = NULL;
    long rounds = 100;
    qc_err rc = make_dmatrix(X, n, d, &dm, err);
    if (!rc) rc = set_info(dm, "label", y, n, err);
    if (!rc && w) rc = set_info(dm, "weight", w, n, err);
    if (!rc && XGBoosterCreate(&dm, 1, &b)) rc = xgb_fail(err, "booster");
    if (!rc) rc = set_params(l, b, &rounds, err);
    for (long it = 0; !rc && it < rounds; it++)
        if (XGBoosterUpdateOneIter(b, (int)it, dm)) rc = xgb_fail(err, "training");
    if (dm) XGDMatrixFree(dm);
    if (rc) {
        if (b) XGBoosterFree(b);
        return rc;
    }
    l->impl = b;
    return QC_OK;
}

static const char k_predict_cfg[] = "{\"type\": 0, \"training\": false, \"iteration_begin\": 0, "
                                    "\"iteration_end\": 0, \"strict_shape\": false, \"cache_id\": 0}";

static qc_err xgb_predict(const qc_learner *l, const double *X, size_t n, double *out, qc_error *err) {
    DMatrixHandle dm;
    qc_err rc = make_dmatrix(X, n, l->d, &dm, err);
    if (rc) return rc;
    bst_ulong const *shape;
    bst_ulong dim;
    float const *res;
    if (XGBoosterPredictFromDMatrix((BoosterHandle)l->impl, dm, k_predict_cfg, &shape, &dim, &res))
        rc = xgb_fail(err, "predict");
    size_t width = qc_task_width(l->task, l->n_classes);
    for (size_t i = 0; !rc && i < n * width; i++) out[i] = res[i];
    XGDMatrixFree(dm);
    return rc;
}

static qc_err xgb_importance(const qc_learner *l, double *imp, qc_error *err) {
    bst_ulong nf, dim;
    const char **names;
    bst_ulong const *shape;
    float const *scores;
    for (size_t j = 0; j < l->d; j++) imp[j] = 0;
    if (XGBoosterFeatureScore((BoosterHandle)l->impl, "{\"importance_type\": \"total_gain\"}", &nf, &names, &dim,
                              &shape, &scores))
        return xgb_fail(err, "importance");
    for (bst_ulong i = 0; i < nf; i++) {
        unsigned long j;
        if (sscanf(names[i], "f%lu", &j) == 1 && j < l->d) imp[j] = scores[i];
    }
    return QC_OK;
}

static qc_err xgb_save(const qc_learner *l, char **text, qc_error *err) {
    bst_ulong len;
    const char *buf;
    if (XGBoosterSaveModelToBuffer((BoosterHandle)l->impl, "{\"format\": \"json\"}", &len, &buf))
        return xgb_fail(err, "save");
    char *s = malloc(len + 1);
    if (!s) return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    memcpy(s, buf, len);
    s[len] = '\0';
    *text = s;
    return QC_OK;
}

static qc_err xgb_load(qc_learner *l, const char *text, qc_error *err) {
    BoosterHandle b;
    bst_ulong nf;
    if (XGBoosterCreate(NULL, 0, &b)) return xgb_fail(err, "booster");
    if (XGBoosterLoadModelFromBuffer(b, text, (bst_ulong)strlen(text)) || XGBoosterGetNumFeature(b, &nf)) {
        XGBoosterFree(b);
        return xgb_fail(err, "load");
    }
    if (nf == 0 || nf > 65535) {
        XGBoosterFree(b);
        return qc_err_set(err, QC_ERR_MODEL, "xgboost: the model has %llu features", (unsigned long long)nf);
    }
    xgb_free(l);
    l->impl = b;
    l->d = (size_t)nf;
    return QC_OK;
}

const qc_learner_ops qc_xgb_ops = {xgb_fit, xgb_predict, xgb_importance, xgb_save, xgb_load, xgb_free};
