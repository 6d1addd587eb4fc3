/* ensemble.c: out-of-fold predictions over a CV plan, and averaging, voting, blending and stacking
 * ensembles (ensemble.h). The meta-learner of a stack sees nothing but out-of-fold predictions. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/ensemble/ensemble.h"

static const char *const k_methods[] = {"average", "vote", "blend", "stack"};

const char *qc_ens_method_name(qc_ens_method m) { return k_methods[m]; }

qc_err qc_ens_method_parse(const char *s, qc_ens_method *out, qc_error *err) {
    for (int i = 0; i < 4; i++)
        if (strcmp(s, k_methods[i]) == 0) {
            *out = (qc_ens_method)i;
            return QC_OK;
        }
    return qc_err_set(err, QC_ERR_INPUT, "unknown ensemble '%.40s' (average, vote, blend, stack)", s);
}

void qc_ens_opts_init(qc_ens_opts *o) {
    memset(o, 0, sizeof *o);
    o->method = QC_ENS_STACK;
    o->holdout = 0.2;
}

void qc_ens_report_free(qc_ens_report *r) {
    free(r->oof_base), free(r->oof_ens), free(r->covered);
    memset(r, 0, sizeof *r);
}

void qc_ensemble_free(qc_ensemble *e) {
    if (!e) return;
    for (size_t b = 0; b < e->m; b++) qc_learner_free(e->base[b]);
    free(e->base);
    qc_learner_free(e->meta);
    free(e);
}

/* ---- subsets ------------------------------------------------------------------------------------ */

typedef struct {
    size_t n;
    double *X, *y, *w;
} subset;

static void subset_free(subset *s) { free(s->X), free(s->y), free(s->w); }

/* Rows of ranges r[0..k) copied out. */
static qc_err take(const qc_cv_range *r, size_t k, const double *X, size_t d, const double *y, const double *w,
                   subset *s, qc_error *err) {
    memset(s, 0, sizeof *s);
    s->n = qc_cv_ranges_count(r, k);
    s->X = malloc((s->n * d + 1) * sizeof *s->X);
    s->y = malloc((s->n + 1) * sizeof *s->y);
    s->w = w ? malloc((s->n + 1) * sizeof *s->w) : NULL;
    if (!s->X || !s->y || (w && !s->w)) {
        subset_free(s);
        return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    }
    size_t at = 0;
    for (size_t j = 0; j < k; j++) {
        size_t len = r[j].last - r[j].first + 1;
        memcpy(s->X + at * d, X + r[j].first * d, len * d * sizeof *X);
        if (y) memcpy(s->y + at, y + r[j].first, len * sizeof *y);
        if (w) memcpy(s->w + at, w + r[j].first, len * sizeof *w);
        at += len;
    }
    return QC_OK;
}

/* Fits a clone of proto on one split's training rows and adds its predictions of the test rows. */
static qc_err oof_split(const qc_learner *proto, const double *X, size_t d, const double *y, const double *w,
                        const qc_cv_split *sp, double *oof, size_t *cov, qc_error *err) {
    subset tr, te;
    qc_learner *l = NULL;
    size_t width = qc_task_width(qc_learner_task(proto), qc_learner_classes(proto));
    qc_err rc = take(sp->train, sp->n_train, X, d, y, w, &tr, err);
    if (rc) return rc;
    rc = take(sp->test, sp->n_test, X, d, NULL, NULL, &te, err);
    double *p = rc ? NULL : malloc((te.n * width + 1) * sizeof *p);
    if (!rc && !p) rc = qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    if (!rc) rc = qc_learner_clone(proto, &l, err);
    if (!rc) rc = qc_learner_fit(l, tr.X, tr.n, d, tr.y, tr.w, err);
    if (!rc) rc = qc_learner_predict(l, te.X, te.n, d, p, err);
    size_t at = 0;
    for (size_t j = 0; !rc && j < sp->n_test; j++)
        for (size_t i = sp->test[j].first; i <= sp->test[j].last; i++, at++) {
            for (size_t c = 0; c < width; c++) oof[i * width + c] += p[at * width + c];
            cov[i]++;
        }
    free(p);
    qc_learner_free(l);
    subset_free(&tr), subset_free(&te);
    return rc;
}

qc_err qc_oof_predict(const qc_learner *proto, const double *X, size_t n, size_t d, const double *y,
                      const double *w, const qc_cv_plan *plan, double *oof, size_t *covered,
                      qc_ens_progress progress, void *progress_ctx, qc_error *err) {
    if (plan->n != n) return qc_err_set(err, QC_ERR_INPUT, "oof: the plan covers %zu rows, the data %zu", plan->n, n);
    size_t width = qc_task_width(qc_learner_task(proto), qc_learner_classes(proto));
    size_t *cov = covered ? covered : calloc(n, sizeof *cov);
    if (!cov) return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    memset(cov, 0, n * sizeof *cov);
    memset(oof, 0, n * width * sizeof *oof);
    qc_err rc = QC_OK;
    for (size_t s = 0; !rc && s < plan->n_splits; s++) {
        rc = oof_split(proto, X, d, y, w, &plan->splits[s], oof, cov, err);
        if (progress) progress(progress_ctx, qc_learner_kind(proto), s + 1, plan->n_splits);
    }
    for (size_t i = 0; !rc && i < n; i++)
        for (size_t c = 0; c < width; c++) oof[i * width + c] = cov[i] ? oof[i * width + c] / (double)cov[i] : NAN;
    if (!covered) free(cov);
    return rc;
}

/* ---- combining ---------------------------------------------------------------------------------- */

void qc_ens_meta_features(qc_task task, size_t width, const double *bp, size_t n, size_t m, double *F) {
    for (size_t i = 0; i < n; i++)
        for (size_t b = 0; b < m; b++)
            for (size_t c = 0; c < width; c++) {
                double v = bp[(b * n + i) * width + c];
                if (task == QC_TASK_BINARY) {
                    v = v < 1e-6 ? 1e-6 : v > 1 - 1e-6 ? 1 - 1e-6 : v;
                    v = log(v / (1 - v));
                }
                F[i * m * width + b * width + c] = v;
            }
}

/* Average or vote of m base predictions for row i into out (width values). */
static void combine_row(qc_ens_method method, qc_task task, size_t width, const double *bp, size_t n, size_t m,
                        size_t i, double *out) {
    for (size_t c = 0; c < width; c++) out[c] = 0;
    for (size_t b = 0; b < m; b++) {
        const double *p = bp + (b * n + i) * width;
        if (method == QC_ENS_AVERAGE || task == QC_TASK_REGRESSION) {
            for (size_t c = 0; c < width; c++) out[c] += p[c] / (double)m;
        } else if (task == QC_TASK_BINARY) {
            out[0] += (p[0] > 0.5) / (double)m; /* the share of votes for class 1 */
        } else {
            size_t best = 0;
            for (size_t c = 1; c < width; c++) best = p[c] > p[best] ? c : best;
            out[best] += 1.0 / (double)m;
        }
    }
}

static qc_err alloc_ens(qc_learner *const *protos, size_t m, qc_ens_method method, size_t d, qc_ensemble **out,
                        qc_error *err) {
    qc_ensemble *e = calloc(1, sizeof *e);
    if (!e || !(e->base = calloc(m, sizeof *e->base))) {
        free(e);
        return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    }
    e->method = method, e->m = m, e->d = d;
    e->task = qc_learner_task(protos[0]), e->n_classes = qc_learner_classes(protos[0]);
    e->width = qc_task_width(e->task, e->n_classes);
    *out = e;
    for (size_t b = 0; b < m; b++) {
        if (qc_learner_task(protos[b]) != e->task || qc_learner_classes(protos[b]) != e->n_classes)
            return qc_err_set(err, QC_ERR_INPUT, "ensemble: every learner needs the same task");
        qc_err rc = qc_learner_clone(protos[b], &e->base[b], err);
        if (rc) return rc;
    }
    return QC_OK;
}

static qc_err base_oof(qc_ensemble *e, const double *X, size_t n, size_t d, const double *y, const double *w,
                       const qc_ens_opts *o, qc_ens_report *rep, qc_error *err) {
    size_t *cov = calloc(n, sizeof *cov);
    if (!cov) return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    qc_err rc = QC_OK;
    for (size_t b = 0; !rc && b < e->m; b++) {
        rc = qc_oof_predict(e->base[b], X, n, d, y, w, o->plan, rep->oof_base + b * n * e->width, cov, o->progress,
                            o->progress_ctx, err);
        for (size_t i = 0; !rc && i < n; i++) rep->covered[i] = cov[i] > 0;
    }
    free(cov);
    return rc;
}

/* Stacking: meta fit on the base OOF predictions of the covered rows; its own OOF predictions by
 * cross-fitting over the same plan on those features. */
static qc_err fit_stack_meta(qc_ensemble *e, const qc_learner *meta_proto, size_t n, const double *y,
                             const double *w, const qc_ens_opts *o, qc_ens_report *rep, qc_error *err) {
    size_t f = e->m * e->width;
    double *F = malloc((n * f + 1) * sizeof *F);
    if (!F) return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    qc_ens_meta_features(e->task, e->width, rep->oof_base, n, e->m, F);
    /* rows without OOF predictions (CPCV always covers all; purged K-fold too) are not used */
    size_t k = 0;
    for (size_t i = 0; i < n; i++) k += rep->covered[i];
    qc_err rc = k == n ? QC_OK : qc_err_set(err, QC_ERR_INPUT, "stack: %zu rows have no out-of-fold prediction", n - k);
    if (!rc) rc = qc_learner_clone(meta_proto, &e->meta, err);
    if (!rc) rc = qc_learner_fit(e->meta, F, n, f, y, w, err);
    if (!rc) rc = qc_oof_predict(meta_proto, F, n, f, y, w, o->plan, rep->oof_ens, NULL, o->progress, o->progress_ctx, err);
    free(F);
    return rc;
}

/* Blending: bases fit on the rows before the holdout (minus a purge of horizon rows), meta on
 * their predictions of the holdout; the bases are then refit on every row. */
static qc_err fit_blend(qc_ensemble *e, const qc_learner *meta_proto, const double *X, size_t n, size_t d,
                        const double *y, const double *w, const qc_ens_opts *o, qc_ens_report *rep, qc_error *err) {
    size_t h0 = (size_t)((1 - o->holdout) * (double)n);
    if (!(o->holdout > 0 && o->holdout < 1) || h0 <= o->horizon + 1 || h0 >= n)
        return qc_err_set(err, QC_ERR_INPUT, "blend: holdout %g leaves no rows to fit on", o->holdout);
    size_t nt = h0 - o->horizon, nh = n - h0, f = e->m * e->width;
    double *bp = malloc((e->m * nh * e->width + 1) * sizeof *bp), *F = malloc((nh * f + 1) * sizeof *F);
    qc_err rc = bp && F ? QC_OK : qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    for (size_t b = 0; !rc && b < e->m; b++) {
        rc = qc_learner_fit(e->base[b], X, nt, d, y, w, err);
        if (!rc) rc = qc_learner_predict(e->base[b], X + h0 * d, nh, d, bp + b * nh * e->width, err);
    }
    if (!rc) qc_ens_meta_features(e->task, e->width, bp, nh, e->m, F);
    if (!rc) rc = qc_learner_clone(meta_proto, &e->meta, err);
    if (!rc) rc = qc_learner_fit(e->meta, F, nh, f, y + h0, w ? w + h0 : NULL, err);
    if (!rc) rc = qc_learner_predict(e->meta, F, nh, f, rep->oof_ens + h0 * e->width, err);
    for (size_t i = h0; !rc && i < n; i++) rep->covered[i] = 1;
    for (size_t i = 0; i < h0 * e->width; i++) rep->oof_ens[i] = NAN;
    for (size_t b = 0; !rc && b < e->m; b++) rc = qc_learner_fit(e->base[b], X, n, d, y, w, err);
    free(bp), free(F);
    return rc;
}

static qc_err report_alloc(qc_ens_report *rep, size_t n, size_t m, size_t width, qc_error *err) {
    memset(rep, 0, sizeof *rep);
    rep->n = n, rep->m = m, rep->width = width;
    rep->oof_base = calloc(m * n * width + 1, sizeof *rep->oof_base);
    rep->oof_ens = calloc(n * width + 1, sizeof *rep->oof_ens);
    rep->covered = calloc(n + 1, 1);
    if (rep->oof_base && rep->oof_ens && rep->covered) return QC_OK;
    qc_ens_report_free(rep);
    return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
}

static qc_err fit_inner(qc_ensemble *e, const qc_learner *meta_proto, const double *X, size_t n, size_t d,
                        const double *y, const double *w, const qc_ens_opts *o, qc_ens_report *rep, qc_error *err) {
    if (o->method == QC_ENS_BLEND) return fit_blend(e, meta_proto, X, n, d, y, w, o, rep, err);
    if (!o->plan) return qc_err_set(err, QC_ERR_INPUT, "ensemble: a CV plan is required");
    qc_err rc = base_oof(e, X, n, d, y, w, o, rep, err);
    if (!rc && o->method == QC_ENS_STACK) rc = fit_stack_meta(e, meta_proto, n, y, w, o, rep, err);
    for (size_t i = 0; !rc && o->method != QC_ENS_STACK && i < n; i++)
        combine_row(o->method, e->task, e->width, rep->oof_base, n, e->m, i, rep->oof_ens + i * e->width);
    for (size_t b = 0; !rc && b < e->m; b++) rc = qc_learner_fit(e->base[b], X, n, d, y, w, err);
    return rc;
}

qc_err qc_ensemble_fit(qc_learner *const *protos, size_t m, const qc_learner *meta_proto, const double *X, size_t n,
                       size_t d, const double *y, const double *w, const qc_ens_opts *o, qc_ensemble **out,
                       qc_ens_report *rep, qc_error *err) {
    *out = NULL;
    memset(rep, 0, sizeof *rep);
    if (m == 0) return qc_err_set(err, QC_ERR_INPUT, "ensemble: no learners");
    if ((o->method == QC_ENS_STACK || o->method == QC_ENS_BLEND) &&
        (!meta_proto || qc_learner_task(meta_proto) != qc_learner_task(protos[0])))
        return qc_err_set(err, QC_ERR_INPUT, "ensemble: %s needs a meta-learner of the same task", k_methods[o->method]);
    qc_ensemble *e = NULL;
    qc_err rc = alloc_ens(protos, m, o->method, d, &e, err);
    if (!rc) rc = report_alloc(rep, n, m, e->width, err);
    if (!rc) rc = fit_inner(e, meta_proto, X, n, d, y, w, o, rep, err);
    if (rc) {
        qc_ensemble_free(e);
        qc_ens_report_free(rep);
        return rc;
    }
    *out = e;
    return QC_OK;
}

qc_err qc_ensemble_combine(const qc_ensemble *e, const double *bp, size_t n, double *F, double *out, qc_error *err) {
    if (e->meta) {
        qc_ens_meta_features(e->task, e->width, bp, n, e->m, F);
        return qc_learner_predict(e->meta, F, n, e->m * e->width, out, err);
    }
    for (size_t i = 0; i < n; i++) combine_row(e->method, e->task, e->width, bp, n, e->m, i, out + i * e->width);
    return QC_OK;
}

qc_err qc_ensemble_predict(const qc_ensemble *e, const double *X, size_t n, size_t d, double *out, qc_error *err) {
    size_t f = e->m * e->width;
    double *bp = malloc((e->m * n * e->width + 1) * sizeof *bp), *F = malloc((n * f + 1) * sizeof *F);
    qc_err rc = bp && F ? QC_OK : qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    for (size_t b = 0; !rc && b < e->m; b++) rc = qc_learner_predict(e->base[b], X, n, d, bp + b * n * e->width, err);
    if (!rc) rc = qc_ensemble_combine(e, bp, n, F, out, err);
    free(bp), free(F);
    return rc;
}

qc_err qc_ensemble_assemble(qc_ens_method method, qc_learner **base, size_t m, qc_learner *meta, qc_ensemble **out,
                            qc_error *err) {
    *out = NULL;
    qc_ensemble *e = calloc(1, sizeof *e);
    qc_err rc = e ? QC_OK : qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    if (!rc && (m == 0 || ((method == QC_ENS_STACK || method == QC_ENS_BLEND) != (meta != NULL))))
        rc = qc_err_set(err, QC_ERR_MODEL, "ensemble: %zu learners and %s meta-learner do not fit '%s'", m,
                        meta ? "a" : "no", k_methods[method]);
    for (size_t b = 1; !rc && b < m; b++)
        if (qc_learner_task(base[b]) != qc_learner_task(base[0]) || qc_learner_features(base[b]) != qc_learner_features(base[0]))
            rc = qc_err_set(err, QC_ERR_MODEL, "ensemble: learners disagree on task or features");
    if (rc) {
        free(e);
        for (size_t b = 0; b < m; b++) qc_learner_free(base[b]);
        free(base);
        qc_learner_free(meta);
        return rc;
    }
    e->method = method, e->base = base, e->m = m, e->meta = meta;
    e->task = qc_learner_task(base[0]), e->n_classes = qc_learner_classes(base[0]);
    e->width = qc_task_width(e->task, e->n_classes), e->d = qc_learner_features(base[0]);
    *out = e;
    return QC_OK;
}
