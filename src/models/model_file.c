/* model_file.c: .qcm writer and reader (model_file.h). */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "core/version.h"
#include "models/model_file.h"

static cJSON *learner_json(const qc_learner *l, qc_error *err) {
    char *text = NULL, *params = qc_learner_params_text(l);
    cJSON *o = cJSON_CreateObject();
    if (!params || !o || qc_learner_save(l, &text, err)) {
        free(params), free(text), cJSON_Delete(o);
        return NULL;
    }
    cJSON_AddStringToObject(o, "kind", qc_learner_kind(l));
    cJSON_AddStringToObject(o, "params", params);
    cJSON_AddStringToObject(o, "model", text);
    free(params), free(text);
    return o;
}

static void add_str(cJSON *o, const char *k, const char *v) {
    if (v) cJSON_AddStringToObject(o, k, v);
    else cJSON_AddNullToObject(o, k);
}

static cJSON *build(const qc_model_info *info, const qc_ensemble *e, const cJSON *evidence, qc_error *err) {
    cJSON *d = cJSON_CreateObject();
    cJSON_AddStringToObject(d, "format", QC_MODEL_FORMAT);
    cJSON_AddNumberToObject(d, "version", QC_MODEL_VERSION);
    cJSON_AddStringToObject(d, "code_version", QC_VERSION_STRING " (" QC_GIT_REV ")");
    cJSON_AddStringToObject(d, "task", qc_task_name(e->task));
    cJSON_AddNumberToObject(d, "classes", (double)e->n_classes);
    cJSON *f = cJSON_AddObjectToObject(d, "features");
    add_str(f, "spec", info->feature_spec);
    cJSON_AddItemToObject(f, "columns", cJSON_CreateStringArray(info->columns, (int)info->n_columns));
    add_str(d, "label", info->label);
    cJSON *t = cJSON_AddObjectToObject(d, "training");
    add_str(t, "source", info->source);
    add_str(t, "from", info->train_from);
    add_str(t, "to", info->train_to);
    cJSON_AddNumberToObject(t, "rows", (double)info->rows);
    add_str(t, "cv", info->cv);
    add_str(t, "weights", info->weights);
    cJSON *en = cJSON_AddObjectToObject(d, "ensemble");
    cJSON_AddStringToObject(en, "method", qc_ens_method_name(e->method));
    cJSON *ls = cJSON_AddArrayToObject(d, "learners");
    int ok = 1;
    for (size_t b = 0; ok && b < e->m; b++) {
        cJSON *lj = learner_json(e->base[b], err);
        ok = lj != NULL;
        if (ok) cJSON_AddItemToArray(ls, lj);
    }
    cJSON *meta = ok && e->meta ? learner_json(e->meta, err) : NULL;
    if (ok && e->meta && !meta) ok = 0;
    if (meta) cJSON_AddItemToObject(en, "meta", meta);
    if (evidence) cJSON_AddItemToObject(d, "evidence", cJSON_Duplicate(evidence, 1));
    if (!ok) {
        cJSON_Delete(d);
        return NULL;
    }
    return d;
}

qc_err qc_model_file_write(FILE *f, const qc_model_info *info, const qc_ensemble *e, const cJSON *evidence,
                           qc_error *err) {
    cJSON *d = build(info, e, evidence, err);
    if (!d) return err && err->code ? err->code : qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    char *s = cJSON_Print(d);
    cJSON_Delete(d);
    if (!s) return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    fputs(s, f);
    fputc('\n', f);
    free(s);
    return ferror(f) ? qc_err_set(err, QC_ERR_INTERNAL, "write failed") : QC_OK;
}

static char *slurp(const char *path, qc_error *err) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        qc_err_set(err, QC_ERR_INPUT, "%s: cannot open", path);
        return NULL;
    }
    size_t cap = 1 << 16, n = 0, r;
    char *buf = malloc(cap);
    while (buf && (r = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += r;
        if (n + 1 == cap) {
            char *nb = realloc(buf, cap *= 2);
            if (!nb) free(buf);
            buf = nb;
        }
    }
    fclose(f);
    if (!buf) qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    else buf[n] = '\0';
    return buf;
}

static qc_err load_one(const cJSON *lj, qc_task task, size_t classes, qc_learner **out, qc_error *err) {
    const cJSON *kind = cJSON_GetObjectItemCaseSensitive(lj, "kind"), *model = cJSON_GetObjectItemCaseSensitive(lj, "model");
    if (!cJSON_IsString(kind) || !cJSON_IsString(model)) return qc_err_set(err, QC_ERR_MODEL, "a learner without kind or model");
    qc_err rc = qc_learner_load(kind->valuestring, task, classes, model->valuestring, out, err);
    return rc ? (qc_err_is(rc, QC_ERR_MODEL) ? rc : qc_err_set(err, QC_ERR_MODEL, "%s", err->msg)) : QC_OK;
}

static qc_err read_doc(const cJSON *d, qc_ensemble **e, qc_error *err) {
    const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(d, "format"), *ver = cJSON_GetObjectItemCaseSensitive(d, "version");
    const cJSON *task = cJSON_GetObjectItemCaseSensitive(d, "task"), *cls = cJSON_GetObjectItemCaseSensitive(d, "classes");
    const cJSON *en = cJSON_GetObjectItemCaseSensitive(d, "ensemble"), *ls = cJSON_GetObjectItemCaseSensitive(d, "learners");
    const cJSON *method = cJSON_GetObjectItemCaseSensitive(en, "method");
    if (!cJSON_IsString(fmt) || strcmp(fmt->valuestring, QC_MODEL_FORMAT) != 0)
        return qc_err_set(err, QC_ERR_MODEL, "not a QuantCLI model file");
    if (!cJSON_IsNumber(ver) || ver->valuedouble != QC_MODEL_VERSION)
        return qc_err_set(err, QC_ERR_MODEL, "model file version %g is not %d", cJSON_IsNumber(ver) ? ver->valuedouble : -1.0,
                          QC_MODEL_VERSION);
    qc_task t;
    qc_ens_method m;
    if (!cJSON_IsString(task) || qc_task_parse(task->valuestring, &t, err) || !cJSON_IsNumber(cls) ||
        !cJSON_IsString(method) || qc_ens_method_parse(method->valuestring, &m, err) || !cJSON_IsArray(ls) ||
        cJSON_GetArraySize(ls) < 1 || cJSON_GetArraySize(ls) > 64 || cls->valuedouble < 1 || cls->valuedouble > 1000)
        return qc_err_set(err, QC_ERR_MODEL, "model file: bad task, ensemble or learners");
    size_t nb = (size_t)cJSON_GetArraySize(ls), k = 0;
    qc_learner **base = calloc(nb, sizeof *base), *meta = NULL;
    qc_err rc = base ? QC_OK : qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    const cJSON *lj;
    cJSON_ArrayForEach(lj, ls) {
        if (!rc) rc = load_one(lj, t, (size_t)cls->valuedouble, &base[k++], err);
    }
    const cJSON *mj = cJSON_GetObjectItemCaseSensitive(en, "meta");
    if (!rc && mj) rc = load_one(mj, t, (size_t)cls->valuedouble, &meta, err);
    if (rc) {
        for (size_t b = 0; base && b < nb; b++) qc_learner_free(base[b]);
        free(base);
        qc_learner_free(meta);
        return rc;
    }
    return qc_ensemble_assemble(m, base, nb, meta, e, err);
}

qc_err qc_model_file_read(const char *path, cJSON **doc, qc_ensemble **e, qc_error *err) {
    *doc = NULL, *e = NULL;
    char *text = slurp(path, err);
    if (!text) return err->code;
    cJSON *d = cJSON_Parse(text);
    free(text);
    if (!d) return qc_err_set(err, QC_ERR_MODEL, "%s: not a JSON model file", path);
    qc_err rc = read_doc(d, e, err);
    if (rc) {
        cJSON_Delete(d);
        return qc_err_prefix(err, "%s: ", path);
    }
    *doc = d;
    return QC_OK;
}

const char *qc_model_file_learner_text(const cJSON *doc, size_t i, const char **kind) {
    const cJSON *lj = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(doc, "learners"), (int)i);
    const cJSON *k = cJSON_GetObjectItemCaseSensitive(lj, "kind"), *m = cJSON_GetObjectItemCaseSensitive(lj, "model");
    if (!cJSON_IsString(k) || !cJSON_IsString(m)) return NULL;
    *kind = k->valuestring;
    return m->valuestring;
}
