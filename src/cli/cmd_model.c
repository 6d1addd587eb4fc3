/* cmd_model.c: `quantcli model train|predict|inspect|compile`. train builds the feature matrix
 * point-in-time from the indicator library (row t uses bars up to t only), labels (fixed-horizon,
 * triple-barrier or meta; row t's label spans [t, t1], purged as such) weighted by uniqueness, fits each learner under purged K-fold or CPCV
 * for out-of-fold metrics, combines them (stack on OOF predictions, or average), refits on every
 * row and writes a .qcm (src/models/model_file.h). predict reapplies a .qcm to new bars with the
 * stored feature spec; inspect prints its metadata and evidence; compile writes a .qcc. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd_cv.h"
#include "cli/cmd_features.h"
#include "features/indicators.h"
#include "models/distillation/distill.h"
#include "models/model_file.h"
#include "models/optimization/compiled.h"

/* ---- the feature matrix ------------------------------------------------------------------------- */

typedef struct {
    qc_ind_spec *items;
    size_t n_items, d;
    char **names;   /* d column names */
    double *F;      /* n x d over every bar (NaN in warm-up) */
} features;

static void features_free(features *f) {
    for (size_t j = 0; f->names && j < f->d; j++) free(f->names[j]);
    free(f->names), free(f->items), free(f->F);
    memset(f, 0, sizeof *f);
}

static qc_err build_features(const char *spec, const qc_bars *b, features *f, qc_error *err) {
    memset(f, 0, sizeof *f);
    qc_err rc = qc_ind_spec_parse(spec, &f->items, &f->n_items, err);
    for (size_t k = 0; !rc && k < f->n_items; k++) {
        if (f->items[k].def->inputs & QC_IND_IN_OTHER)
            rc = qc_err_set(err, QC_ERR_INPUT, "%s: needs a second series, which models do not take yet", f->items[k].label);
        f->d += f->items[k].def->n_outputs;
    }
    double **cols = rc ? NULL : calloc(f->d, sizeof *cols);
    f->names = rc ? NULL : calloc(f->d, sizeof *f->names);
    f->F = rc ? NULL : malloc((b->n * f->d + 1) * sizeof *f->F);
    if (!rc && (!cols || !f->names || !f->F)) rc = qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    for (size_t j = 0; !rc && j < f->d; j++)
        if (!(cols[j] = malloc((b->n + 1) * sizeof(double)))) rc = qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    int has_vol = 1;
    for (size_t i = 0; i < b->n; i++) has_vol = has_vol && isfinite(b->volume[i]);
    qc_ind_cols in = {b->open, b->high, b->low, b->close, has_vol ? b->volume : NULL, NULL};
    size_t col = 0;
    for (size_t k = 0; !rc && k < f->n_items; k++) {
        rc = qc_ind_batch(f->items[k].def, f->items[k].p, &in, b->n, cols + col, err);
        for (size_t o = 0; !rc && o < f->items[k].def->n_outputs; o++) {
            char name[160];
            qc_ind_column_name(&f->items[k], o, name, sizeof name);
            if (!(f->names[col + o] = strdup(name))) rc = qc_err_set(err, QC_ERR_NOMEM, "out of memory");
        }
        col += f->items[k].def->n_outputs;
    }
    for (size_t i = 0; !rc && i < b->n; i++)
        for (size_t j = 0; j < f->d; j++) f->F[i * f->d + j] = cols[j][i];
    for (size_t j = 0; cols && j < f->d; j++) free(cols[j]);
    free(cols);
    return rc;
}

/* ---- model train ---------------------------------------------------------------------------------- */

static const qc_opt_spec k_train_opts[] = {
    {"data", "FILE.csv", "bars from a CSV (OHLCV, or close columns: pick one with --symbol)"},
    {"symbol", "SYM", "a stored symbol; with --data: the close column of a multi-column file"},
    {"features", "SPEC", "indicator spec, e.g. \"rsi(14),roc(10),atr(14)\" (see features list)"},
    {"label", "DEF", "fixed:H, triple_barrier:pt=P,sl=S,h=H,span=N[,min_ret=R] or meta:...,side=K"
                     " (docs/MODELS.md)"},
    {"weights", "KIND", "sample weights: uniqueness (default), returns or none"},
    {"task", "TASK", "binary (default) or regression"},
    {"cv", "SCHEME", "purged (default) or cpcv: out-of-fold scheme, purged by the label horizon"},
    {"folds", "K", "purged: folds (default 5)"},
    {"groups", "N", "cpcv: groups (default 6)"},
    {"test-groups", "k", "cpcv: test groups per split (default 2)"},
    {"embargo", "N", "rows dropped after each test block besides the purge (default 0)"},
    {"learners", "LIST", "comma list of xgb, lgbm_like, rf, linear, lstm (default xgb)"},
    {"param", "LEARNER.NAME=V", "a learner parameter, e.g. xgb.max_depth=4 or lstm.lookback=20 (repeatable)"},
    {"stack", "META", "stack the learners with META (logistic, i.e. the linear learner) on OOF predictions;"
                      " without it several learners are averaged"},
    {"out", "MODEL.qcm", "where to write the model file (required)"},
    {"interval", "IV", "bar interval to load from the store (default: the smallest stored)"},
    {"calendar", "NAME", "exchange calendar for dates (default NYSE) [data.calendar]"},
    {"tz", "ZONE", "zone of CSV date-times without an offset (default UTC) [data.tz]"},
    {"json", NULL, "print the out-of-fold metrics as JSON"},
};

typedef struct {
    size_t n, d;      /* usable rows and features */
    double *X, *y;
    size_t first;     /* bar index of row 0 */
    size_t *bar;      /* bar index of each row */
} dataset;

static void dataset_free(dataset *s) { free(s->X), free(s->y), free(s->bar); }

/* Bars whose features are all known, in time order (the label candidates). */
static qc_err known_bars(const features *f, size_t nb, size_t **out, size_t *n, qc_error *err) {
    size_t *c = malloc((nb + 1) * sizeof *c);
    if (!c) return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    *n = 0;
    for (size_t i = 0; i < nb; i++) {
        int ok = 1;
        for (size_t j = 0; ok && j < f->d; j++) ok = isfinite(f->F[i * f->d + j]);
        if (ok) c[(*n)++] = i;
    }
    *out = c;
    return QC_OK;
}

/* The rows at bars[0..n) (labels y may be NULL: prediction). */
static qc_err make_dataset(const features *f, const size_t *bars, const double *y, size_t n, dataset *s,
                           qc_error *err) {
    memset(s, 0, sizeof *s);
    s->d = f->d;
    s->X = malloc((n * f->d + 1) * sizeof *s->X), s->y = malloc((n + 1) * sizeof *s->y);
    s->bar = malloc((n + 1) * sizeof *s->bar);
    if (!s->X || !s->y || !s->bar) return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    for (size_t r = 0; r < n; r++) {
        memcpy(s->X + r * f->d, f->F + bars[r] * f->d, f->d * sizeof *s->X);
        s->y[r] = y ? y[r] : NAN;
        s->bar[r] = bars[r];
    }
    s->n = n;
    return QC_OK;
}

/* --param xgb.max_depth=4 onto every learner of that kind (and "meta." onto the meta-learner). */
static qc_err apply_params(const qc_args *a, qc_learner **ls, size_t m, qc_learner *meta, qc_error *err) {
    const char *vals[QC_ARGS_MAX_OCC];
    size_t np = qc_args_all(a, "param", vals, QC_ARGS_MAX_OCC);
    for (size_t i = 0; i < np; i++) {
        char buf[400];
        snprintf(buf, sizeof buf, "%s", vals[i]);
        char *dot = strchr(buf, '.'), *eq = strchr(buf, '=');
        if (!dot || !eq || eq < dot) return qc_err_set(err, QC_ERR_INPUT, "--param '%.60s': expected LEARNER.NAME=VALUE", vals[i]);
        *dot = *eq = '\0';
        int hit = 0;
        for (size_t b = 0; b < m; b++)
            if (strcmp(qc_learner_kind(ls[b]), buf) == 0) {
                qc_err rc = qc_learner_set(ls[b], dot + 1, eq + 1, err);
                if (rc) return rc;
                hit = 1;
            }
        if (meta && strcmp(buf, "meta") == 0) {
            qc_err rc = qc_learner_set(meta, dot + 1, eq + 1, err);
            if (rc) return rc;
            hit = 1;
        }
        if (!hit) return qc_err_set(err, QC_ERR_INPUT, "--param: no learner '%s' in this run", buf);
    }
    return QC_OK;
}

static qc_err make_learners(const qc_args *a, qc_task task, qc_learner ***out, size_t *m, qc_learner **meta,
                            qc_error *err) {
    char list[256];
    snprintf(list, sizeof list, "%s", qc_args_get(a, "learners") ? qc_args_get(a, "learners") : "xgb");
    qc_learner **ls = calloc(16, sizeof *ls);
    if (!ls) return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    *out = ls, *m = 0, *meta = NULL;
    qc_err rc = QC_OK;
    for (char *save = NULL, *tok = strtok_r(list, ",", &save); !rc && tok; tok = strtok_r(NULL, ",", &save)) {
        if (*m == 16) return qc_err_set(err, QC_ERR_INPUT, "--learners: at most 16");
        rc = qc_learner_new(tok, task, 0, &ls[(*m)++], err);
    }
    const char *st = qc_args_get(a, "stack");
    if (!rc && st && strcmp(st, "logistic") != 0 && strcmp(st, "linear") != 0)
        rc = qc_err_set(err, QC_ERR_INPUT, "--stack: the meta-learner is 'logistic' (the linear learner)");
    if (!rc && st) rc = qc_learner_new("linear", task, 0, meta, err);
    if (!rc) rc = apply_params(a, ls, *m, *meta, err);
    return rc;
}

static cJSON *metrics_json(qc_task task, const qc_model_metrics *mm) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "n", (double)mm->n);
    const char *names[] = {"accuracy", "log_loss", "auc", "f1", "rmse", "r2", "ic"};
    double v[] = {mm->accuracy, mm->log_loss, mm->auc, mm->f1, mm->rmse, mm->r2, mm->ic};
    for (int k = task == QC_TASK_REGRESSION ? 4 : 0; k < (task == QC_TASK_REGRESSION ? 7 : 4); k++)
        if (isfinite(v[k])) cJSON_AddNumberToObject(o, names[k], round(v[k] * 1e6) / 1e6);
        else cJSON_AddNullToObject(o, names[k]);
    return o;
}

/* Evidence: OOF metrics per learner and for the ensemble, and each learner's importance. */
static qc_err evidence(const qc_ensemble *e, const qc_ens_report *r, const dataset *s, const features *f,
                       cJSON **out, qc_error *err) {
    cJSON *ev = cJSON_CreateObject(), *ls = cJSON_AddArrayToObject(ev, "learners");
    qc_model_metrics mm;
    qc_err rc = QC_OK;
    double *imp = malloc(s->d * sizeof *imp);
    if (!imp) rc = qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    for (size_t b = 0; !rc && b < e->m; b++) {
        rc = qc_model_metrics_compute(e->task, e->n_classes, s->y, r->oof_base + b * s->n * e->width, s->n, &mm, err);
        if (!rc) rc = qc_learner_importance(e->base[b], imp, s->d, err);
        if (rc) break;
        cJSON *lj = cJSON_CreateObject();
        cJSON_AddStringToObject(lj, "kind", qc_learner_kind(e->base[b]));
        cJSON_AddItemToObject(lj, "oof", metrics_json(e->task, &mm));
        cJSON *im = cJSON_AddObjectToObject(lj, "importance");
        for (size_t j = 0; j < s->d; j++) cJSON_AddNumberToObject(im, f->names[j], round(imp[j] * 1e6) / 1e6);
        cJSON_AddItemToArray(ls, lj);
    }
    if (!rc && e->m > 1) {
        rc = qc_model_metrics_compute(e->task, e->n_classes, s->y, r->oof_ens, s->n, &mm, err);
        if (!rc) cJSON_AddItemToObject(ev, qc_ens_method_name(e->method), metrics_json(e->task, &mm));
    }
    free(imp);
    if (rc) cJSON_Delete(ev);
    else *out = ev;
    return rc;
}

/* One row of metrics; fields a (hand-edited) file lacks print as "-". */
static void print_metrics_row(const char *name, const cJSON *o, const char *const *cols, int k0, int k1) {
    const cJSON *n = cJSON_GetObjectItem(o, "n");
    printf("%-12s %8.0f", name, cJSON_IsNumber(n) ? n->valuedouble : 0.0);
    for (int k = k0; k < k1; k++) {
        const cJSON *v = cJSON_GetObjectItem(o, cols[k]);
        if (cJSON_IsNumber(v)) printf(" %9.4f", v->valuedouble);
        else printf(" %9s", "-");
    }
    putchar('\n');
}

static void print_evidence(const cJSON *ev, qc_task task, int json) {
    if (json) {
        char *s = cJSON_Print(ev);
        if (s) puts(s);
        free(s);
        return;
    }
    const char *cols[] = {"accuracy", "log_loss", "auc", "f1", "rmse", "r2", "ic"};
    int k0 = task == QC_TASK_REGRESSION ? 4 : 0, k1 = task == QC_TASK_REGRESSION ? 7 : 4;
    printf("%-12s %8s", "oof", "n");
    for (int k = k0; k < k1; k++) printf(" %9s", cols[k]);
    putchar('\n');
    const cJSON *row;
    cJSON_ArrayForEach(row, cJSON_GetObjectItem(ev, "learners")) {
        const cJSON *kind = cJSON_GetObjectItem(row, "kind");
        print_metrics_row(cJSON_IsString(kind) ? kind->valuestring : "?", cJSON_GetObjectItem(row, "oof"), cols, k0, k1);
    }
    for (const cJSON *x = ev->child; x; x = x->next)
        if (strcmp(x->string, "learners") != 0 && strcmp(x->string, "distillation") != 0)
            print_metrics_row(x->string, x, cols, k0, k1);
}

typedef struct {
    const qc_model_info *info;
    const qc_ensemble *e;
    const cJSON *ev;
} qcm_ctx;

static qc_err write_qcm(FILE *f, void *ctx, qc_error *err) {
    const qcm_ctx *c = ctx;
    return qc_model_file_write(f, c->info, c->e, c->ev, err);
}

typedef struct {
    series_in in;
    features f;
    size_t *cand;
    qc_label_rows_out lr;
    dataset s;
    qc_learner **ls, *meta;
    size_t m;
    qc_cv_plan plan;
    qc_ensemble *e;
    qc_ens_report rep;
    cJSON *ev;
} train_state;

static void train_free(train_state *t) {
    for (size_t b = 0; b < t->m; b++) qc_learner_free(t->ls[b]);
    free(t->ls);
    qc_learner_free(t->meta);
    qc_cv_plan_free(&t->plan);
    qc_ensemble_free(t->e);
    qc_ens_report_free(&t->rep);
    cJSON_Delete(t->ev);
    dataset_free(&t->s);
    free(t->cand);
    qc_label_rows_free(&t->lr);
    features_free(&t->f);
    qc_bars_free(&t->in.bars);
}

static qc_err build_plan(const qc_args *a, size_t n, size_t h, qc_cv_plan *plan, char *desc, size_t dn, qc_error *err) {
    qc_cv_opts o;
    qc_cv_opts_init(&o);
    const char *cv = qc_args_get(a, "cv") ? qc_args_get(a, "cv") : "purged";
    qc_err rc = qc_cv_scheme_parse(cv, &o.scheme, err);
    if (!rc && o.scheme != QC_CV_PURGED && o.scheme != QC_CV_CPCV)
        rc = qc_err_set(err, QC_ERR_INPUT, "--cv: models train under purged or cpcv only");
    if (!rc) rc = qc_cli_cv_opts(a, &o, err);
    o.n = n, o.horizon = h;
    if (!rc) rc = qc_cv_plan_build(&o, plan, err);
    if (o.scheme == QC_CV_PURGED) snprintf(desc, dn, "purged folds=%zu horizon=%zu embargo=%zu", o.folds, h, o.embargo);
    else snprintf(desc, dn, "cpcv groups=%zu test_groups=%zu horizon=%zu embargo=%zu", o.groups, o.test_groups, h, o.embargo);
    return rc;
}

static qc_err train(qc_cli *cli, const qc_args *a, train_state *t, qc_error *err) {
    const char *spec = qc_args_get(a, "features"), *out = qc_args_get(a, "out");
    if (!spec || !out || !qc_args_get(a, "label"))
        return qc_err_set(err, QC_ERR_USAGE, "model train: --features, --label and --out are required");
    qc_label_def ld;
    qc_weight_kind wk = QC_WEIGHTS_UNIQUENESS;
    qc_task task = QC_TASK_BINARY;
    size_t nc = 0;
    qc_err rc = qc_label_def_parse(qc_args_get(a, "label"), &ld, err);
    if (!rc && qc_args_get(a, "weights")) rc = qc_weight_kind_parse(qc_args_get(a, "weights"), &wk, err);
    if (!rc && qc_args_get(a, "task")) rc = qc_task_parse(qc_args_get(a, "task"), &task, err);
    if (!rc && task == QC_TASK_MULTICLASS) rc = qc_err_set(err, QC_ERR_INPUT, "--task: labels are binary or regression");
    if (!rc) rc = make_learners(a, task, &t->ls, &t->m, &t->meta, err);
    if (!rc) rc = qc_cli_series_load(cli, a, &t->in, err);
    if (!rc) rc = build_features(spec, &t->in.bars, &t->f, err);
    if (!rc) rc = known_bars(&t->f, t->in.bars.n, &t->cand, &nc, err);
    if (!rc) rc = qc_label_rows(&ld, task, wk, t->in.bars.close, t->in.bars.n, t->cand, nc, &t->lr, err);
    if (!rc) rc = make_dataset(&t->f, t->lr.bar, t->lr.y, t->lr.n, &t->s, err);
    if (!rc && t->s.n < 50) rc = qc_err_set(err, QC_ERR_INPUT, "%s: %zu rows with features and a label: too few to train", t->in.label, t->s.n);
    char cvdesc[128];
    if (!rc) rc = build_plan(a, t->s.n, t->lr.horizon, &t->plan, cvdesc, sizeof cvdesc, err);
    qc_progress pg;
    qc_progress_init(&pg, cli, "train");
    qc_ens_opts eo;
    qc_ens_opts_init(&eo);
    eo.method = t->meta ? QC_ENS_STACK : QC_ENS_AVERAGE, eo.plan = &t->plan;
    eo.progress = qc_progress_cb, eo.progress_ctx = &pg;
    if (!rc) rc = qc_ensemble_fit(t->ls, t->m, t->meta, t->s.X, t->s.n, t->s.d, t->s.y, wk ? t->lr.w : NULL, &eo, &t->e, &t->rep, err);
    qc_progress_done(&pg);
    if (!rc) rc = evidence(t->e, &t->rep, &t->s, &t->f, &t->ev, err);
    if (rc) return rc;
    char from[40], to[40], label[160], wdesc[96];
    qc_calendar_format_stamp(t->in.cal, t->in.bars.ts[t->s.bar[0]], t->in.interval_s, from, sizeof from);
    qc_calendar_format_stamp(t->in.cal, t->in.bars.ts[t->s.bar[t->s.n - 1]], t->in.interval_s, to, sizeof to);
    qc_label_def_format(&ld, label, sizeof label);
    snprintf(wdesc, sizeof wdesc, "%s (mean 1; average uniqueness %.4f)", qc_weight_kind_name(wk), t->lr.avg_uniqueness);
    qc_model_info info = {spec, (const char *const *)t->f.names, t->f.d, label, t->in.label, from, to, t->s.n, cvdesc,
                          wk ? wdesc : "none (every row weighs 1)"};
    qcm_ctx c = {&info, t->e, t->ev};
    rc = qc_out_file(out, write_qcm, &c, err);
    if (!rc) print_evidence(t->ev, task, qc_args_has(a, "json"));
    return rc;
}

static int cmd_train(qc_cli *cli, qc_args *a) {
    qc_error err = {0};
    train_state t = {0};
    qc_err rc = train(cli, a, &t, &err);
    train_free(&t);
    return rc ? qc_cli_fail(&err) : 0;
}

/* ---- model predict -------------------------------------------------------------------------------- */

static const qc_opt_spec k_predict_opts[] = {
    {"data", "FILE.csv", "bars to predict on"},
    {"symbol", "SYM", "a stored symbol; with --data: the close column of a multi-column file"},
    {"output", "PRED.csv", "where to write date,prediction rows (default: stdout)"},
    {"interval", "IV", "bar interval to load from the store (default: the smallest stored)"},
    {"calendar", "NAME", "exchange calendar for dates (default NYSE) [data.calendar]"},
    {"tz", "ZONE", "zone of CSV date-times without an offset (default UTC) [data.tz]"},
};

typedef struct {
    const series_in *in;
    const dataset *s;
    const double *p;
    size_t width;
} pred_out;

static qc_err write_pred(FILE *f, void *ctx, qc_error *err) {
    const pred_out *o = ctx;
    fputs("date", f);
    for (size_t c = 0; c < o->width; c++) fprintf(f, o->width > 1 ? ",p%zu" : ",prediction", c);
    fputc('\n', f);
    for (size_t r = 0; r < o->s->n; r++) {
        char d[40];
        qc_calendar_format_stamp(o->in->cal, o->in->bars.ts[o->s->bar[r]], o->in->interval_s, d, sizeof d);
        fputs(d, f);
        for (size_t c = 0; c < o->width; c++) fprintf(f, ",%.17g", o->p[r * o->width + c]);
        fputc('\n', f);
    }
    return ferror(f) ? qc_err_set(err, QC_ERR_INTERNAL, "write failed") : QC_OK;
}

static qc_err check_columns(const cJSON *doc, const features *f, qc_error *err) {
    const cJSON *cols = cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "features"), "columns");
    if (!cJSON_IsArray(cols) || (size_t)cJSON_GetArraySize(cols) != f->d)
        return qc_err_set(err, QC_ERR_MODEL, "the model's feature columns do not match its spec");
    size_t j = 0;
    const cJSON *c;
    cJSON_ArrayForEach(c, cols) if (!cJSON_IsString(c) || strcmp(c->valuestring, f->names[j++]) != 0)
        return qc_err_set(err, QC_ERR_MODEL, "feature column %zu is not '%s'", j - 1, f->names[j - 1]);
    return QC_OK;
}

/* A model to predict with: a .qcm's ensemble, or a .qcc's compiled learner (float or quantised). */
typedef struct {
    cJSON *doc; /* the .qcm, or the .qcc's metadata (same "features" object) */
    qc_ensemble *e;
    qc_compiled *c;
    size_t d, width;
} pred_model;

static void pred_model_free(pred_model *pm) {
    qc_ensemble_free(pm->e);
    qc_compiled_free(pm->c);
    cJSON_Delete(pm->doc);
}

static qc_err pred_model_open(const char *path, pred_model *pm, qc_error *err) {
    memset(pm, 0, sizeof *pm);
    if (!qc_compiled_is_qcc(path)) {
        qc_err rc = qc_model_file_read(path, &pm->doc, &pm->e, err);
        if (!rc) pm->d = pm->e->d, pm->width = pm->e->width;
        return rc;
    }
    qc_err rc = qc_compiled_load(path, &pm->c, err);
    if (rc) {
        char msg[sizeof err->msg];
        snprintf(msg, sizeof msg, "%s", err->msg);
        return qc_err_set(err, rc, "%s: %s", path, msg);
    }
    const char *meta = qc_compiled_meta(pm->c);
    if (!meta || !(pm->doc = cJSON_Parse(meta)))
        return qc_err_set(err, QC_ERR_MODEL, "%s: no feature spec in this .qcc (compile it again)", path);
    pm->d = qc_compiled_features(pm->c), pm->width = qc_compiled_width(pm->c);
    return QC_OK;
}

/* n rows of X (n x d doubles) through the compiled model, in float as it evaluates them. */
static qc_err pred_compiled(const qc_compiled *c, const double *X, size_t n, size_t d, double *p, qc_error *err) {
    size_t w = qc_compiled_width(c), bytes = (size_t)qc_compiled_bits(c) / 8;
    float *xf = malloc((n * d + 1) * sizeof *xf), *pf = malloc((n * w + 1) * sizeof *pf);
    void *B = bytes ? malloc(n * d * bytes + 1) : NULL;
    if (!xf || !pf || (bytes && !B)) {
        free(xf), free(pf), free(B);
        return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < n * d; i++) xf[i] = (float)X[i];
    if (bytes) {
        qc_compiled_bin(c, xf, n, B);
        qc_compiled_predict_q(c, B, n, pf);
    } else {
        qc_compiled_predict(c, xf, n, pf);
    }
    for (size_t i = 0; i < n * w; i++) p[i] = pf[i];
    free(xf), free(pf), free(B);
    return QC_OK;
}

static qc_err predict(qc_cli *cli, const qc_args *a, qc_error *err) {
    pred_model pm;
    series_in in = {0};
    features f = {0};
    dataset s = {0};
    double *p = NULL;
    size_t *bars = NULL, nbars = 0;
    qc_err rc = pred_model_open(a->pos[0], &pm, err);
    const cJSON *doc = pm.doc;
    const cJSON *spec = rc ? NULL : cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "features"), "spec");
    if (!rc && !cJSON_IsString(spec)) rc = qc_err_set(err, QC_ERR_MODEL, "%s: no feature spec", a->pos[0]);
    if (!rc) rc = qc_cli_series_load(cli, a, &in, err);
    if (!rc) rc = build_features(spec->valuestring, &in.bars, &f, err);
    if (!rc) rc = check_columns(doc, &f, err);
    if (!rc && f.d != pm.d) rc = qc_err_set(err, QC_ERR_MODEL, "the model has %zu features, its spec gives %zu", pm.d, f.d);
    if (!rc) rc = known_bars(&f, in.bars.n, &bars, &nbars, err);
    if (!rc) rc = make_dataset(&f, bars, NULL, nbars, &s, err);
    if (!rc && !(p = malloc((s.n * pm.width + 1) * sizeof *p))) rc = qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    if (!rc && pm.c) rc = pred_compiled(pm.c, s.X, s.n, s.d, p, err);
    else if (!rc) rc = qc_ensemble_predict(pm.e, s.X, s.n, s.d, p, err);
    pred_out po = {&in, &s, p, pm.width ? pm.width : 1};
    if (!rc) rc = qc_out_file(qc_args_get(a, "output") ? qc_args_get(a, "output") : "-", write_pred, &po, err);
    free(p), free(bars);
    dataset_free(&s);
    features_free(&f);
    qc_bars_free(&in.bars);
    pred_model_free(&pm);
    return rc;
}

static int cmd_predict(qc_cli *cli, qc_args *a) {
    qc_error err = {0};
    qc_err rc = predict(cli, a, &err);
    return rc ? qc_cli_fail(&err) : 0;
}

/* ---- model inspect ---------------------------------------------------------------------------------- */

static const qc_opt_spec k_inspect_opts[] = {{"json", NULL, "print the metadata and evidence as JSON"}};

static const char *str_at(const cJSON *o, const char *k) {
    const cJSON *v = cJSON_GetObjectItem(o, k);
    return cJSON_IsString(v) ? v->valuestring : "-";
}

static void print_distill(const cJSON *ev, qc_task task, int json);

static int cmd_inspect(qc_cli *cli, qc_args *a) {
    (void)cli;
    qc_error err = {0};
    cJSON *doc;
    qc_ensemble *e;
    if (qc_model_file_read(a->pos[0], &doc, &e, &err)) return qc_cli_fail(&err);
    /* the learners' model texts are long: inspect shows kinds and parameters */
    cJSON *l;
    cJSON_ArrayForEach(l, cJSON_GetObjectItem(doc, "learners")) cJSON_DeleteItemFromObject(l, "model");
    cJSON_DeleteItemFromObject(cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "ensemble"), "meta"), "model");
    if (qc_args_has(a, "json")) {
        qc_out_json(stdout, doc);
        qc_ensemble_free(e);
        return 0;
    }
    const cJSON *tr = cJSON_GetObjectItem(doc, "training");
    printf("model       %s\ncode        %s\ntask        %s\nlabel       %s\nfeatures    %s\n", a->pos[0],
           str_at(doc, "code_version"), str_at(doc, "task"), str_at(doc, "label"),
           str_at(cJSON_GetObjectItem(doc, "features"), "spec"));
    printf("training    %s, %s .. %s, %.0f rows\ncv          %s\nweights     %s\nensemble    %s of",
           str_at(tr, "source"), str_at(tr, "from"), str_at(tr, "to"), cJSON_GetObjectItem(tr, "rows")->valuedouble,
           str_at(tr, "cv"), str_at(tr, "weights"), qc_ens_method_name(e->method));
    cJSON_ArrayForEach(l, cJSON_GetObjectItem(doc, "learners")) printf(" %s", str_at(l, "kind"));
    printf("\n\n");
    const cJSON *ev = cJSON_GetObjectItem(doc, "evidence");
    if (cJSON_IsObject(ev)) print_evidence(ev, e->task, 0);
    if (cJSON_IsObject(cJSON_GetObjectItem(ev, "distillation"))) print_distill(ev, e->task, 0);
    const cJSON *row;
    cJSON_ArrayForEach(row, cJSON_GetObjectItem(ev, "learners")) {
        printf("\nimportance (%s):", str_at(row, "kind"));
        const cJSON *im;
        cJSON_ArrayForEach(im, cJSON_GetObjectItem(row, "importance")) printf(" %s=%.3f", im->string, im->valuedouble);
    }
    printf("\n");
    qc_ensemble_free(e);
    cJSON_Delete(doc);
    return 0;
}

/* ---- model compile ---------------------------------------------------------------------------------- */

static const qc_opt_spec k_compile_opts[] = {
    {"out", "MODEL.qcc", "where to write the compiled model (required)"},
    {"int8", NULL, "quantise features to 8-bit bins (the default is float thresholds)"},
    {"int16", NULL, "quantise features to 16-bit bins"},
    {"learner", "I", "which learner of the file to compile (default 0: the first)"},
};

static qc_err write_qcc(FILE *f, void *ctx, qc_error *err) { return qc_compiled_write(ctx, f, err); }

/* What `model predict` needs from the .qcm, kept in the .qcc: task, feature spec and columns. */
static qc_err set_qcc_meta(qc_compiled *c, const cJSON *doc, const char *kind, long long li, qc_error *err) {
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "format", "quantcli-compiled");
    cJSON_AddStringToObject(m, "task", str_at(doc, "task"));
    cJSON_AddStringToObject(m, "learner", kind);
    cJSON_AddNumberToObject(m, "learner_index", (double)li);
    cJSON_AddItemToObject(m, "features", cJSON_Duplicate(cJSON_GetObjectItem(doc, "features"), 1));
    char *text = cJSON_PrintUnformatted(m);
    cJSON_Delete(m);
    if (!text) return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    qc_err rc = qc_compiled_set_meta(c, text, err);
    free(text);
    return rc;
}

static qc_err compile(const qc_args *a, qc_error *err) {
    const char *out = qc_args_get(a, "out");
    if (!out) return qc_err_set(err, QC_ERR_USAGE, "model compile: --out is required");
    long long li = 0;
    qc_err rc = qc_args_int(a, "learner", 0, 63, &li, err);
    cJSON *doc = NULL;
    qc_ensemble *e = NULL;
    qc_compiled *c = NULL;
    if (!rc) rc = qc_model_file_read(a->pos[0], &doc, &e, err);
    const char *kind = NULL, *text = rc ? NULL : qc_model_file_learner_text(doc, (size_t)li, &kind);
    if (!rc && !text) rc = qc_err_set(err, QC_ERR_INPUT, "--learner %lld: the model has %zu learners", li, e->m);
    if (!rc && (strcmp(kind, "linear") == 0 || strcmp(kind, "lstm") == 0))
        rc = qc_err_set(err, QC_ERR_INPUT, "learner %lld is %s: only tree ensembles compile", li, kind);
    if (!rc) rc = qc_compiled_from_json(text, strlen(text), &c, err);
    if (!rc && (qc_args_has(a, "int8") || qc_args_has(a, "int16")))
        rc = qc_compiled_quantize(c, qc_args_has(a, "int8") ? 8 : 16, err);
    if (!rc) rc = set_qcc_meta(c, doc, kind, li, err);
    if (!rc) rc = qc_out_file(out, write_qcc, c, err);
    if (!rc)
        printf("compiled learner %lld (%s): %zu trees, %zu nodes, %s -> %s\n", li, kind, qc_compiled_trees(c),
               qc_compiled_nodes(c), qc_compiled_bits(c) ? (qc_compiled_bits(c) == 8 ? "int8" : "int16") : "float", out);
    qc_compiled_free(c);
    qc_ensemble_free(e);
    cJSON_Delete(doc);
    return rc;
}

static int cmd_compile(qc_cli *cli, qc_args *a) {
    (void)cli;
    qc_error err = {0};
    qc_err rc = compile(a, &err);
    return rc ? qc_cli_fail(&err) : 0;
}

/* ---- model distill ---------------------------------------------------------------------------------- */

static const qc_opt_spec k_distill_opts[] = {
    {"data", "FILE.csv", "the bars to distill over: the teacher's training data (required, or --symbol)"},
    {"symbol", "SYM", "a stored symbol; with --data: the close column of a multi-column file"},
    {"out", "SMALL.qcm", "where to write the student model (required)"},
    {"student", "KIND", "xgb (default: a shallow tree ensemble) or linear"},
    {"max-depth", "N", "xgb student: tree depth (default 2)"},
    {"rounds", "N", "xgb student: boosting rounds (default 50)"},
    {"interval", "IV", "bar interval to load from the store (default: the smallest stored)"},
    {"calendar", "NAME", "exchange calendar for dates (default NYSE) [data.calendar]"},
    {"tz", "ZONE", "zone of CSV date-times without an offset (default UTC) [data.tz]"},
    {"json", NULL, "print the fidelity and accuracy report as JSON"},
};

typedef struct {
    cJSON *doc;
    qc_ensemble *teacher, *se;
    series_in in;
    features f;
    size_t *cand;
    qc_label_rows_out lr;
    dataset s;
    cJSON *ev;
} distill_state;

static void distill_free(distill_state *t) {
    cJSON_Delete(t->doc), cJSON_Delete(t->ev);
    qc_ensemble_free(t->teacher), qc_ensemble_free(t->se);
    dataset_free(&t->s);
    qc_label_rows_free(&t->lr);
    free(t->cand);
    features_free(&t->f);
    qc_bars_free(&t->in.bars);
}

static cJSON *distill_json(const char *teacher, const char *kind, qc_task task, const qc_distill_report *r) {
    cJSON *o = cJSON_CreateObject(), *d = cJSON_AddObjectToObject(o, "distillation");
    cJSON_AddStringToObject(d, "teacher", teacher);
    cJSON_AddStringToObject(d, "student", kind);
    cJSON_AddNumberToObject(d, "rows", (double)r->n);
    cJSON *fi = cJSON_AddObjectToObject(d, "fidelity");
    double v[3] = {r->agreement, r->r2, r->corr};
    const char *names[3] = {"agreement", "r2", "corr"};
    for (int k = 0; k < 3; k++)
        if (isfinite(v[k])) cJSON_AddNumberToObject(fi, names[k], round(v[k] * 1e6) / 1e6);
        else cJSON_AddNullToObject(fi, names[k]);
    cJSON_AddItemToObject(d, "teacher_vs_labels", metrics_json(task, &r->teacher));
    cJSON_AddItemToObject(d, "student_vs_labels", metrics_json(task, &r->student));
    return o;
}

static double num_at(const cJSON *o, const char *k) {
    const cJSON *v = cJSON_GetObjectItem(o, k);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static void print_distill(const cJSON *ev, qc_task task, int json) {
    const cJSON *d = cJSON_GetObjectItem(ev, "distillation");
    if (json) {
        char *txt = cJSON_Print(d);
        if (txt) puts(txt);
        free(txt);
        return;
    }
    const cJSON *fi = cJSON_GetObjectItem(d, "fidelity");
    printf("student %s distilled from %s over %.0f rows\n", str_at(d, "student"), str_at(d, "teacher"), num_at(d, "rows"));
    if (isfinite(num_at(fi, "agreement"))) printf("fidelity   agreement %.4f  r2 %.4f  corr %.4f\n", num_at(fi, "agreement"),
                                                 num_at(fi, "r2"), num_at(fi, "corr"));
    else printf("fidelity   r2 %.4f  corr %.4f\n", num_at(fi, "r2"), num_at(fi, "corr"));
    const char *cols[] = {"accuracy", "log_loss", "auc", "f1", "rmse", "r2", "ic"};
    int k0 = task == QC_TASK_REGRESSION ? 4 : 0, k1 = task == QC_TASK_REGRESSION ? 7 : 4;
    printf("%-10s", "vs labels");
    for (int k = k0; k < k1; k++) printf(" %9s", cols[k]);
    putchar('\n');
    const char *who[2] = {"teacher", "student"};
    for (int w = 0; w < 2; w++) {
        char key[32];
        snprintf(key, sizeof key, "%s_vs_labels", who[w]);
        const cJSON *m = cJSON_GetObjectItem(d, key);
        printf("%-10s", who[w]);
        for (int k = k0; k < k1; k++) printf(" %9.4f", num_at(m, cols[k]));
        putchar('\n');
    }
}

static qc_err distill_opts(const qc_args *a, qc_distill_opts *o, qc_error *err) {
    qc_distill_opts_init(o);
    const char *k = qc_args_get(a, "student");
    if (k && strcmp(k, "xgb") != 0 && strcmp(k, "linear") != 0)
        return qc_err_set(err, QC_ERR_INPUT, "--student: xgb or linear");
    if (k) o->student = k;
    long long v = 2;
    qc_err rc = qc_args_int(a, "max-depth", 1, 16, &v, err);
    o->max_depth = (size_t)v, v = 50;
    if (!rc) rc = qc_args_int(a, "rounds", 1, 10000, &v, err);
    o->rounds = (size_t)v;
    return rc;
}

static qc_err distill(qc_cli *cli, const qc_args *a, distill_state *t, qc_error *err) {
    const char *out = qc_args_get(a, "out");
    if (!out || (!qc_args_get(a, "data") && !qc_args_get(a, "symbol")))
        return qc_err_set(err, QC_ERR_USAGE, "model distill: --out and the training bars (--data or --symbol) are required");
    qc_distill_opts o;
    qc_label_def ld;
    size_t nc = 0;
    qc_err rc = distill_opts(a, &o, err);
    if (!rc) rc = qc_model_file_read(a->pos[0], &t->doc, &t->teacher, err);
    const char *spec = rc ? NULL : str_at(cJSON_GetObjectItem(t->doc, "features"), "spec");
    if (!rc) rc = qc_label_def_parse(str_at(t->doc, "label"), &ld, err) ? qc_err_set(err, QC_ERR_MODEL, "%s: unreadable label", a->pos[0]) : QC_OK;
    if (!rc) rc = qc_cli_series_load(cli, a, &t->in, err);
    if (!rc) rc = build_features(spec, &t->in.bars, &t->f, err);
    if (!rc) rc = check_columns(t->doc, &t->f, err);
    if (!rc) rc = known_bars(&t->f, t->in.bars.n, &t->cand, &nc, err);
    if (!rc) rc = qc_label_rows(&ld, t->teacher->task, QC_WEIGHTS_NONE, t->in.bars.close, t->in.bars.n, t->cand, nc, &t->lr, err);
    if (!rc) rc = make_dataset(&t->f, t->lr.bar, t->lr.y, t->lr.n, &t->s, err);
    if (!rc && t->s.n < 50) rc = qc_err_set(err, QC_ERR_INPUT, "%s: %zu labelled rows: too few to distill", t->in.label, t->s.n);
    qc_learner *st = NULL, **base = NULL;
    qc_distill_report rep;
    if (!rc) rc = qc_distill(t->teacher, t->s.X, t->s.n, t->s.d, t->s.y, &o, &st, &rep, err);
    if (!rc && !(base = malloc(sizeof *base))) rc = qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    if (rc) {
        qc_learner_free(st);
        return rc;
    }
    base[0] = st;
    if ((rc = qc_ensemble_assemble(QC_ENS_AVERAGE, base, 1, NULL, &t->se, err))) return rc;
    t->ev = distill_json(a->pos[0], o.student, t->teacher->task, &rep);
    char from[40], to[40];
    qc_calendar_format_stamp(t->in.cal, t->in.bars.ts[t->s.bar[0]], t->in.interval_s, from, sizeof from);
    qc_calendar_format_stamp(t->in.cal, t->in.bars.ts[t->s.bar[t->s.n - 1]], t->in.interval_s, to, sizeof to);
    qc_model_info info = {spec, (const char *const *)t->f.names, t->f.d, str_at(t->doc, "label"), t->in.label, from, to,
                          t->s.n, "none: distilled in-sample on the teacher's predictions", "none (every row weighs 1)"};
    qcm_ctx c = {&info, t->se, t->ev};
    rc = qc_out_file(out, write_qcm, &c, err);
    if (!rc) print_distill(t->ev, t->teacher->task, qc_args_has(a, "json"));
    return rc;
}

static int cmd_distill(qc_cli *cli, qc_args *a) {
    qc_error err = {0};
    distill_state t = {0};
    qc_err rc = distill(cli, a, &t, &err);
    distill_free(&t);
    return rc ? qc_cli_fail(&err) : 0;
}

#define N_OPTS(x) (sizeof x / sizeof x[0])
const qc_command qc_cmd_model[] = {
    {"model train", "(--data FILE.csv | --symbol SYM) --features SPEC --label DEF --out MODEL.qcm [options]",
     "Train learners on indicator features with out-of-fold (purged/CPCV) metrics; save a .qcm.",
     "Row t's features use bars up to t only; its label spans [t, t1]: fixed:H (t1 = t+H), or the first\n"
     "touch of vol-scaled triple barriers (triple_barrier:pt=2,sl=2,h=20,span=50) or of a momentum\n"
     "bet's barriers (meta:...,side=K). The purge covers the longest label overlap. Rows weigh by\n"
     "average uniqueness (mean 1) unless --weights says otherwise. Rows in a feature's warm-up or\n"
     "without a label are dropped. Prints each learner's out-of-fold metrics and the ensemble's (stack:\n"
     "a logistic meta-learner fit only on out-of-fold predictions). lstm reads each row's previous\n"
     "lookback feature rows (lstm.lookback, default 10; never later rows). See docs/MODELS.md.",
     k_train_opts, N_OPTS(k_train_opts), 0, 0, cmd_train},
    {"model predict", "MODEL.qcm|MODEL.qcc (--data FILE.csv | --symbol SYM) [--output PRED.csv]",
     "Apply a .qcm, or a .qcc from model compile, to bars: its own feature spec, point-in-time.",
     "Writes date,prediction. Rows in the features' warm-up get no prediction. Binary models write P(up).\n"
     "A .qcc holds one learner of its .qcm (model compile --learner): its predictions are that learner's,\n"
     "on the compiled path (float, or INT8/INT16 bins: the same leaves), not the whole ensemble's.", k_predict_opts,
     N_OPTS(k_predict_opts), 1, 1, cmd_predict},
    {"model inspect", "MODEL.qcm [--json]", "Show a .qcm's metadata, out-of-fold evidence and importance.", NULL,
     k_inspect_opts, N_OPTS(k_inspect_opts), 1, 1, cmd_inspect},
    {"model compile", "MODEL.qcm --out MODEL.qcc [--int8|--int16] [--learner I]",
     "Compile a tree learner of a .qcm into a flat array (.qcc) evaluated without XGBoost.",
     "--int8/--int16 bin each feature among the model's own split points: the same leaves as float.",
     k_compile_opts, N_OPTS(k_compile_opts), 1, 1, cmd_compile},
    {"model distill", "MODEL.qcm (--data FILE.csv | --symbol SYM) --out SMALL.qcm [--student xgb|linear] [--json]",
     "Distill a .qcm into one small model trained on its predictions; report fidelity and accuracy.",
     "The student (a shallow XGBoost ensemble, or the linear learner) is fit on the teacher's predictions\n"
     "over the training features rebuilt from the given bars (binary: its decisions P >= 0.5). Prints the\n"
     "fidelity (agreement, R^2 and correlation against the teacher) beside teacher and student accuracy\n"
     "against the labels, on the same rows. The student is an ordinary .qcm (predict, compile, backtest).",
     k_distill_opts, N_OPTS(k_distill_opts), 1, 1, cmd_distill},
};
const size_t qc_cmd_model_n = N_OPTS(qc_cmd_model);
