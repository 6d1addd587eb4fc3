/* cmd_model_export.c: `quantcli model export MODEL.qcm --onnx OUT.onnx`: a .qcm as an ONNX-ML
 * graph (src/models/onnx_export.h), written all or nothing. The whole ensemble is exported with
 * its combiner; --learner picks one base learner by index or kind. */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "models/model_file.h"
#include "models/onnx_export.h"

static const qc_opt_spec k_export_opts[] = {
    {"onnx", "OUT.onnx", "where to write the ONNX model (required)"},
    {"learner", "NAME|I", "export only this base learner: its kind (xgb, lgbm_like, rf, linear) or index"},
    {"json", NULL, "print what was exported as JSON"},
};

typedef struct {
    const uint8_t *buf;
    size_t len;
} blob;

static qc_err write_blob(FILE *f, void *ctx, qc_error *err) {
    const blob *b = ctx;
    if (fwrite(b->buf, 1, b->len, f) != b->len) return qc_err_set(err, QC_ERR_INTERNAL, "write failed");
    return QC_OK;
}

/* --learner as an index, or the only base learner of that kind. */
static qc_err pick_learner(const char *s, const qc_ensemble *e, int *out, qc_error *err) {
    char *end;
    long i = strtol(s, &end, 10);
    if (*s && !*end) {
        if (i < 0 || (size_t)i >= e->m) return qc_err_set(err, QC_ERR_INPUT, "--learner %s: the model has %zu learners", s, e->m);
        *out = (int)i;
        return QC_OK;
    }
    int hit = -1;
    for (size_t b = 0; b < e->m; b++) {
        if (strcmp(qc_learner_kind(e->base[b]), s) != 0) continue;
        if (hit >= 0) return qc_err_set(err, QC_ERR_INPUT, "--learner %.40s: several learners of that kind: give an index", s);
        hit = (int)b;
    }
    if (hit < 0) return qc_err_set(err, QC_ERR_INPUT, "--learner %.40s: no such learner in this model", s);
    *out = hit;
    return QC_OK;
}

static const char *doc_str(const cJSON *o, const char *k) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The model's column names (borrowed from doc) into a new array. */
static const char **column_names(const cJSON *doc, size_t *n) {
    const cJSON *cols = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(doc, "features"), "columns"), *c;
    *n = 0;
    if (!cJSON_IsArray(cols)) return NULL;
    const char **names = malloc(((size_t)cJSON_GetArraySize(cols) + 1) * sizeof *names);
    cJSON_ArrayForEach(c, cols) {
        if (!names || !cJSON_IsString(c)) break;
        names[(*n)++] = c->valuestring;
    }
    if (names && *n != (size_t)cJSON_GetArraySize(cols)) *n = 0;
    return names;
}

static void print_result(const qc_ensemble *e, int learner, const char *path, size_t len, int json) {
    char kinds[256] = "";
    size_t k = 0;
    for (size_t b = 0; b < e->m; b++)
        if (learner < 0 || (size_t)learner == b)
            k += (size_t)snprintf(kinds + k, sizeof kinds - k, "%s%s", k ? "," : "", qc_learner_kind(e->base[b]));
    const char *method = learner >= 0 || e->m == 1 ? "single" : qc_ens_method_name(e->method);
    if (!json) {
        printf("exported %s (%s) of %zu features -> %s (%zu bytes): input 'features' [N, %zu], output '%s' [N, %zu]\n",
               kinds, method, e->d, path, len, e->d, qc_onnx_output_name(e->task), e->width);
        return;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "onnx", path);
    cJSON_AddNumberToObject(o, "bytes", (double)len);
    cJSON_AddStringToObject(o, "task", qc_task_name(e->task));
    cJSON_AddStringToObject(o, "ensemble", method);
    cJSON_AddStringToObject(o, "learners", kinds);
    cJSON_AddNumberToObject(o, "features", (double)e->d);
    cJSON_AddStringToObject(o, "output", qc_onnx_output_name(e->task));
    cJSON_AddNumberToObject(o, "output_width", (double)e->width);
    qc_out_json(stdout, o);
}

static qc_err export_model(const qc_args *a, qc_error *err) {
    const char *out = qc_args_get(a, "onnx");
    if (!out) return qc_err_set(err, QC_ERR_USAGE, "model export: --onnx OUT.onnx is required");
    cJSON *doc = NULL;
    qc_ensemble *e = NULL;
    uint8_t *buf = NULL;
    size_t len = 0, nn = 0;
    qc_onnx_opts o;
    qc_onnx_opts_init(&o);
    qc_err rc = qc_model_file_read(a->pos[0], &doc, &e, err);
    if (!rc && qc_args_get(a, "learner")) rc = pick_learner(qc_args_get(a, "learner"), e, &o.learner, err);
    const char **names = rc ? NULL : column_names(doc, &nn);
    if (!rc && nn) o.feature_names = names, o.n_features = nn;
    if (!rc) {
        o.feature_spec = doc_str(cJSON_GetObjectItemCaseSensitive(doc, "features"), "spec");
        o.label = doc_str(doc, "label"), o.source_version = doc_str(doc, "code_version");
        rc = qc_onnx_export(e, &o, &buf, &len, err);
    }
    blob b = {buf, len};
    if (!rc) rc = qc_out_file(out, write_blob, &b, err);
    if (!rc) print_result(e, o.learner, out, len, qc_args_has(a, "json"));
    free(buf), free(names);
    qc_ensemble_free(e);
    cJSON_Delete(doc);
    return rc;
}

static int cmd_export(qc_cli *cli, qc_args *a) {
    (void)cli;
    qc_error err = {0};
    qc_err rc = export_model(a, &err);
    return rc ? qc_cli_fail(&err) : 0;
}

const qc_command qc_cmd_model_export[] = {
    {"model export", "MODEL.qcm --onnx OUT.onnx [--learner NAME|I] [--json]",
     "Export a .qcm as an ONNX-ML model (tree ensembles and linear models, with their combiner).",
     "Input: one float tensor 'features' [N, d] in the model's column order (stored in metadata_props\n"
     "with the feature spec). Output: 'prediction' [N, 1] (regression), 'probability' [N, 1] (binary:\n"
     "P(y = 1)) or 'probabilities' [N, k]. Trees become ai.onnx.ml TreeEnsembleRegressor (opset 3) with\n"
     "XGBoost's base score and missing-value directions; linear models MatMul + Add; Sigmoid/Softmax\n"
     "(opset 13) give probabilities. Averages, votes and stacks export their combiner; a learner ONNX\n"
     "cannot express is refused (exit 3) naming it: export another with --learner. See docs/MODELS.md.",
     k_export_opts, sizeof k_export_opts / sizeof k_export_opts[0], 1, 1, cmd_export},
};
const size_t qc_cmd_model_export_n = 1;
