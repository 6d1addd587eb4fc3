/* labeling.c: the label definitions `model train` accepts (fixed:H, triple_barrier:..., meta:...),
 * parsed from text and turned into training rows through the labels module (features/labels.h):
 * one event per candidate bar, its label interval [t0, t1], the label, a sample weight (average
 * uniqueness, return attribution or none) and the CV horizon that purges every overlap. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "features/labels.h"
#include "models/models.h"

static void label_def_init(qc_label_def *d, qc_label_kind k) {
    memset(d, 0, sizeof *d);
    d->kind = k;
    d->pt = 1, d->sl = 1, d->h = 20, d->span = 50, d->min_ret = 0, d->side_n = 20;
}

static qc_err parse_num(const char *key, const char *v, double lo, double hi, double *out, qc_error *err) {
    char *end;
    double x = strtod(v, &end);
    if (end == v || *end || !(x >= lo && x <= hi))
        return qc_err_set(err, QC_ERR_INPUT, "--label: %s=%s: expected a number in [%g, %g]", key, v, lo, hi);
    *out = x;
    return QC_OK;
}

/* One key=value of triple_barrier / meta. */
static qc_err parse_kv(qc_label_def *d, char *kv, qc_error *err) {
    char *eq = strchr(kv, '=');
    if (!eq) return qc_err_set(err, QC_ERR_INPUT, "--label: '%.40s': expected key=value", kv);
    *eq = '\0';
    const char *k = kv, *v = eq + 1;
    double x;
    qc_err rc;
    if (!strcmp(k, "pt")) return parse_num(k, v, 0, 1e6, &d->pt, err);
    if (!strcmp(k, "sl")) return parse_num(k, v, 0, 1e6, &d->sl, err);
    if (!strcmp(k, "span")) return parse_num(k, v, 1, 1e6, &d->span, err);
    if (!strcmp(k, "min_ret")) return parse_num(k, v, 0, 1e6, &d->min_ret, err);
    if (!strcmp(k, "h") || (!strcmp(k, "side") && d->kind == QC_LABEL_META)) {
        if ((rc = parse_num(k, v, k[0] == 'h' ? 0 : 1, 10000, &x, err))) return rc;
        if (x != floor(x)) return qc_err_set(err, QC_ERR_INPUT, "--label: %s=%s: expected a whole number", k, v);
        *(k[0] == 'h' ? &d->h : &d->side_n) = (size_t)x;
        return QC_OK;
    }
    return qc_err_set(err, QC_ERR_INPUT, "--label: unknown key '%.20s' (pt, sl, h, span, min_ret%s)", k,
                      d->kind == QC_LABEL_META ? ", side" : "");
}

qc_err qc_label_def_parse(const char *s, qc_label_def *d, qc_error *err) {
    const char *usage = "--label: expected fixed:H, triple_barrier:pt=P,sl=S,h=H,span=N or meta:...,side=N";
    if (!s) return qc_err_set(err, QC_ERR_INPUT, "%s", usage);
    if (!strncmp(s, "fixed:", 6)) {
        char *end;
        long v = strtol(s + 6, &end, 10);
        if (end == s + 6 || *end || v < 1 || v > 10000) return qc_err_set(err, QC_ERR_INPUT, "--label fixed:H needs H in [1, 10000]");
        label_def_init(d, QC_LABEL_FIXED);
        d->h = (size_t)v;
        return QC_OK;
    }
    const char *colon = strchr(s, ':');
    size_t kl = colon ? (size_t)(colon - s) : strlen(s);
    if (kl == 14 && !strncmp(s, "triple_barrier", 14)) label_def_init(d, QC_LABEL_TRIPLE_BARRIER);
    else if (kl == 4 && !strncmp(s, "meta", 4)) label_def_init(d, QC_LABEL_META);
    else return qc_err_set(err, QC_ERR_INPUT, "%s", usage);
    char buf[256];
    if (colon && strlen(colon + 1) >= sizeof buf) return qc_err_set(err, QC_ERR_INPUT, "--label: too long");
    snprintf(buf, sizeof buf, "%s", colon ? colon + 1 : "");
    qc_err rc = QC_OK;
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); !rc && tok; tok = strtok_r(NULL, ",", &save))
        rc = parse_kv(d, tok, err);
    if (!rc && d->pt == 0 && d->sl == 0 && d->h == 0)
        rc = qc_err_set(err, QC_ERR_INPUT, "--label: every barrier is off (pt = sl = 0 and h = 0)");
    return rc;
}

void qc_label_def_format(const qc_label_def *d, char *buf, size_t n) {
    if (d->kind == QC_LABEL_FIXED) {
        snprintf(buf, n, "fixed:%zu", d->h);
        return;
    }
    int k = snprintf(buf, n, "%s:pt=%g,sl=%g,h=%zu,span=%g,min_ret=%g",
                     d->kind == QC_LABEL_META ? "meta" : "triple_barrier", d->pt, d->sl, d->h, d->span, d->min_ret);
    if (d->kind == QC_LABEL_META && k > 0 && (size_t)k < n) snprintf(buf + k, n - (size_t)k, ",side=%zu", d->side_n);
}

const char *qc_weight_kind_name(qc_weight_kind k) {
    return k == QC_WEIGHTS_UNIQUENESS ? "uniqueness" : k == QC_WEIGHTS_RETURNS ? "returns" : "none";
}

qc_err qc_weight_kind_parse(const char *s, qc_weight_kind *out, qc_error *err) {
    for (int k = QC_WEIGHTS_NONE; k <= QC_WEIGHTS_RETURNS; k++)
        if (s && !strcmp(s, qc_weight_kind_name((qc_weight_kind)k))) return *out = (qc_weight_kind)k, QC_OK;
    return qc_err_set(err, QC_ERR_INPUT, "--weights: expected uniqueness, returns or none");
}

/* Fixed-horizon events: [t, t + h] with the simple forward return (NaN ends: no event). */
static qc_err fixed_events(const qc_label_def *d, const double *close, size_t nb, const size_t *cand, size_t nc,
                           qc_label_event *ev, size_t *ne, qc_error *err) {
    double *r = malloc((nb + 1) * sizeof *r);
    if (!r) return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    qc_err rc = qc_label_forward_return(close, nb, d->h, 0, r, err);
    *ne = 0;
    for (size_t i = 0; !rc && i < nc; i++) {
        size_t t = cand[i];
        if (!isfinite(r[t])) continue;
        qc_label_event *e = &ev[(*ne)++];
        memset(e, 0, sizeof *e);
        e->t0 = t, e->t1 = t + d->h, e->target = 1, e->ret = r[t];
        e->label = r[t] > 0 ? 1 : r[t] < 0 ? -1 : 0;
        e->barrier = QC_BARRIER_VERTICAL;
    }
    free(r);
    return rc;
}

/* Triple-barrier / meta events: EWMA-vol barriers, the momentum side for meta-labels. */
static qc_err barrier_events(const qc_label_def *d, const double *close, size_t nb, const size_t *cand, size_t nc,
                             qc_label_event *ev, size_t *ne, qc_error *err) {
    double *trg = malloc((2 * nb + 1) * sizeof *trg), *side = trg + nb;
    if (!trg) return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    qc_err rc = qc_label_ewm_vol(close, nb, d->span, trg, err);
    for (size_t t = 0; t < nb; t++) {
        double m = t >= d->side_n ? close[t] / close[t - d->side_n] - 1.0 : NAN;
        side[t] = m > 0 ? 1.0 : m < 0 ? -1.0 : 0.0; /* 0 and NaN: no bet, skipped */
    }
    qc_tb_opts o;
    qc_tb_opts_init(&o);
    o.pt = d->pt, o.sl = d->sl, o.max_hold = d->h, o.min_ret = d->min_ret;
    if (!rc)
        rc = qc_label_triple_barrier(close, nb, cand, nc, trg, d->kind == QC_LABEL_META ? side : NULL, &o, ev, ne, err);
    free(trg);
    return rc;
}

static qc_err row_weights(qc_weight_kind wk, const qc_label_event *ev, size_t ne, const double *close, size_t nb,
                          double *w, double *avg_uniq, qc_error *err) {
    qc_err rc = qc_label_uniqueness(ev, ne, nb, w, avg_uniq, err);
    if (rc || wk == QC_WEIGHTS_NONE) {
        for (size_t i = 0; !rc && i < ne; i++) w[i] = 1.0;
        return rc;
    }
    if (wk == QC_WEIGHTS_RETURNS) return qc_label_return_weights(ev, ne, close, nb, w, err);
    double s = 0;
    for (size_t i = 0; i < ne; i++) s += w[i];
    for (size_t i = 0; i < ne && s > 0; i++) w[i] *= (double)ne / s; /* mean 1: learners' defaults hold */
    return QC_OK;
}

qc_err qc_label_rows(const qc_label_def *d, qc_task task, qc_weight_kind wk, const double *close, size_t nb,
                     const size_t *cand, size_t nc, qc_label_rows_out *o, qc_error *err) {
    memset(o, 0, sizeof *o);
    if (task == QC_TASK_MULTICLASS) return qc_err_set(err, QC_ERR_INPUT, "labels are binary or regression");
    qc_label_event *ev = malloc((nc + 1) * sizeof *ev);
    o->bar = malloc((nc + 1) * sizeof *o->bar);
    o->y = malloc((2 * nc + 1) * sizeof *o->y);
    if (!ev || !o->bar || !o->y) {
        free(ev);
        qc_label_rows_free(o);
        return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    }
    o->w = o->y + nc;
    size_t ne = 0;
    qc_err rc = d->kind == QC_LABEL_FIXED ? fixed_events(d, close, nb, cand, nc, ev, &ne, err)
                                          : barrier_events(d, close, nb, cand, nc, ev, &ne, err);
    if (!rc) rc = row_weights(wk, ev, ne, close, nb, o->w, &o->avg_uniqueness, err);
    for (size_t i = 0; !rc && i < ne; i++) {
        o->bar[i] = ev[i].t0;
        if (task == QC_TASK_REGRESSION) o->y[i] = ev[i].ret;
        else o->y[i] = d->kind == QC_LABEL_META ? (double)ev[i].label : (ev[i].label > 0 ? 1.0 : 0.0);
    }
    if (!rc) o->n = ne, o->horizon = qc_label_cv_horizon(ev, ne);
    free(ev);
    if (rc) qc_label_rows_free(o);
    return rc;
}

void qc_label_rows_free(qc_label_rows_out *o) {
    free(o->bar), free(o->y);
    memset(o, 0, sizeof *o);
}
