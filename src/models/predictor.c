/* predictor.c: a .qcm applied to streaming bars (see predictor.h): spec -> streaming indicator
 * states per symbol, tree learners compiled to the float path, linear learners as they are, the
 * ensemble's own combination. */
#include "models/predictor.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/internal.h"
#include "models/model_file.h"
#include "models/optimization/compiled.h"

struct qc_predictor {
    qc_ensemble *e;
    qc_compiled **comp; /* per base learner; NULL for linear ones */
    qc_ind_spec *items;
    size_t n_items, d;
    size_t window, scratch; /* lstm bases: feature rows kept per stream, scratch doubles */
};

struct qc_predictor_stream {
    const qc_predictor *p;
    qc_ind **ind;
    double *row, *bp, *F;
    float *rowf, *outf;
    double *hist, *scratch; /* the last window known feature rows, oldest first (lstm bases) */
    size_t n_hist;
};

static qc_err check_spec(qc_predictor *p, const cJSON *doc, qc_error *err) {
    const cJSON *fs = cJSON_GetObjectItem(doc, "features");
    const cJSON *spec = cJSON_GetObjectItem(fs, "spec"), *cols = cJSON_GetObjectItem(fs, "columns");
    if (!cJSON_IsString(spec) || !cJSON_IsArray(cols)) return qc_err_set(err, QC_ERR_MODEL, "the model has no feature spec");
    qc_err rc = qc_ind_spec_parse(spec->valuestring, &p->items, &p->n_items, err);
    for (size_t k = 0; !rc && k < p->n_items; k++) p->d += p->items[k].def->n_outputs;
    if (!rc && (p->d != p->e->d || (size_t)cJSON_GetArraySize(cols) != p->d))
        return qc_err_set(err, QC_ERR_MODEL, "the model has %zu features, its spec gives %zu", p->e->d, p->d);
    size_t j = 0;
    for (size_t k = 0; !rc && k < p->n_items; k++)
        for (size_t o = 0; o < p->items[k].def->n_outputs; o++, j++) {
            char name[160];
            qc_ind_column_name(&p->items[k], o, name, sizeof name);
            const cJSON *c = cJSON_GetArrayItem(cols, (int)j);
            if (!cJSON_IsString(c) || strcmp(c->valuestring, name) != 0)
                return qc_err_set(err, QC_ERR_MODEL, "feature column %zu is not '%s'", j, name);
        }
    return rc;
}

static qc_err compile_trees(qc_predictor *p, const cJSON *doc, qc_error *err) {
    if (!(p->comp = calloc(p->e->m, sizeof *p->comp))) return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    for (size_t b = 0; b < p->e->m; b++) {
        const char *kind = NULL, *text = qc_model_file_learner_text(doc, b, &kind);
        if (!text) return qc_err_set(err, QC_ERR_MODEL, "learner %zu has no model", b);
        if (strcmp(kind, "linear") == 0) continue;
        if (strcmp(kind, "lstm") == 0) {
            size_t w = qc_learner_window(p->e->base[b]), sc = qc_lstm_scratch_size(p->e->base[b]);
            p->window = w > p->window ? w : p->window, p->scratch = sc > p->scratch ? sc : p->scratch;
            continue;
        }
        qc_err rc = qc_compiled_from_json(text, strlen(text), &p->comp[b], err);
        if (!rc && (qc_compiled_features(p->comp[b]) != p->d || qc_compiled_width(p->comp[b]) != p->e->width))
            rc = qc_err_set(err, QC_ERR_MODEL, "learner %zu: the compiled model does not fit the features", b);
        if (rc) return rc;
    }
    return QC_OK;
}

qc_err qc_predictor_open(const char *path, qc_predictor **out, qc_error *err) {
    *out = NULL;
    qc_predictor *p = calloc(1, sizeof *p);
    if (!p) return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    cJSON *doc = NULL;
    qc_err rc = qc_model_file_read(path, &doc, &p->e, err);
    if (!rc) rc = check_spec(p, doc, err);
    if (!rc) rc = compile_trees(p, doc, err);
    cJSON_Delete(doc);
    if (rc) qc_predictor_free(p);
    else *out = p;
    return rc;
}

void qc_predictor_free(qc_predictor *p) {
    if (!p) return;
    for (size_t b = 0; p->comp && b < p->e->m; b++) qc_compiled_free(p->comp[b]);
    free(p->comp), free(p->items);
    qc_ensemble_free(p->e);
    free(p);
}

qc_task qc_predictor_task(const qc_predictor *p) { return p->e->task; }
size_t qc_predictor_width(const qc_predictor *p) { return p->e->width; }
size_t qc_predictor_features(const qc_predictor *p) { return p->d; }

qc_err qc_predictor_stream_new(const qc_predictor *p, qc_predictor_stream **out, qc_error *err) {
    *out = NULL;
    qc_predictor_stream *s = calloc(1, sizeof *s);
    size_t mw = p->e->m * p->e->width;
    if (s) {
        s->p = p;
        s->ind = calloc(p->n_items + 1, sizeof *s->ind);
        s->row = malloc((p->d + 2 * mw + 1) * sizeof *s->row);
        s->rowf = malloc((p->d + p->e->width + 1) * sizeof *s->rowf);
        s->hist = malloc((p->window * p->d + p->scratch + 1) * sizeof *s->hist);
    }
    if (!s || !s->ind || !s->row || !s->rowf || !s->hist) {
        qc_predictor_stream_free(s);
        return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    }
    s->bp = s->row + p->d, s->F = s->bp + mw, s->outf = s->rowf + p->d, s->scratch = s->hist + p->window * p->d;
    for (size_t k = 0; k < p->n_items; k++) {
        qc_err rc = qc_ind_new(p->items[k].def, p->items[k].p, &s->ind[k], err);
        if (rc) {
            qc_predictor_stream_free(s);
            return rc;
        }
    }
    *out = s;
    return QC_OK;
}

void qc_predictor_stream_free(qc_predictor_stream *s) {
    if (!s) return;
    for (size_t k = 0; s->ind && k < s->p->n_items; k++) qc_ind_free(s->ind[k]);
    free(s->ind), free(s->row), free(s->rowf), free(s->hist);
    free(s);
}

const double *qc_predictor_stream_row(const qc_predictor_stream *s) { return s->row; }

/* Keeps the last window known rows for lstm bases: their prediction reads those rows, as `model
 * predict` reads the rows before a bar (the first known row repeated while there are fewer). */
static void push_hist(qc_predictor_stream *s) {
    size_t d = s->p->d, W = s->p->window;
    if (!W) return;
    if (s->n_hist == W) memmove(s->hist, s->hist + d, (W - 1) * d * sizeof *s->hist), s->n_hist--;
    memcpy(s->hist + s->n_hist++ * d, s->row, d * sizeof *s->hist);
}

int qc_predictor_stream_push(qc_predictor_stream *s, const qc_ind_bar *bar, double *pred) {
    const qc_predictor *p = s->p;
    size_t col = 0, w = p->e->width;
    for (size_t k = 0; k < p->n_items; k++) {
        qc_ind_update(s->ind[k], bar, s->row + col);
        col += p->items[k].def->n_outputs;
    }
    int known = 1;
    for (size_t j = 0; j < p->d; j++) known &= isfinite(s->row[j]) != 0;
    if (!known) return 0;
    for (size_t j = 0; j < p->d; j++) s->rowf[j] = (float)s->row[j];
    push_hist(s);
    qc_error err = {0};
    for (size_t b = 0; b < p->e->m; b++) {
        if (!p->comp[b] && strcmp(qc_learner_kind(p->e->base[b]), "lstm") == 0) {
            qc_lstm_predict_last(p->e->base[b], s->hist, s->n_hist, s->scratch, s->bp + b * w);
            continue;
        }
        if (!p->comp[b]) {
            if (qc_learner_predict(p->e->base[b], s->row, 1, p->d, s->bp + b * w, &err)) return -1;
            continue;
        }
        qc_compiled_predict(p->comp[b], s->rowf, 1, s->outf);
        for (size_t c = 0; c < w; c++) s->bp[b * w + c] = s->outf[c];
    }
    return qc_ensemble_combine(p->e, s->bp, 1, s->F, pred, &err) ? -1 : 1;
}
