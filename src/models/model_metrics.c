/* model_metrics.c: out-of-fold scores of predictions against labels: accuracy, log-loss, AUC
 * (Mann-Whitney with average ranks) and F1 for classification; RMSE, R^2 and the information
 * coefficient (Spearman rank correlation) for regression. Conventions in models.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/models.h"

typedef struct {
    double v;
    size_t i;
} keyed;

static int cmp_keyed(const void *a, const void *b) {
    double x = ((const keyed *)a)->v, y = ((const keyed *)b)->v;
    return x < y ? -1 : x > y ? 1 : 0;
}

/* Average ranks (1-based, ties averaged) of v into r; -1 on allocation failure. */
static int ranks(const double *v, size_t n, double *r) {
    keyed *k = malloc((n ? n : 1) * sizeof *k);
    if (!k) return -1;
    for (size_t i = 0; i < n; i++) k[i] = (keyed){v[i], i};
    qsort(k, n, sizeof *k, cmp_keyed);
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j + 1 < n && k[j + 1].v == k[i].v) j++;
        double avg = 0.5 * (double)(i + j) + 1.0;
        for (size_t m = i; m <= j; m++) r[k[m].i] = avg;
        i = j + 1;
    }
    free(k);
    return 0;
}

double qc_auc(const double *y, const double *s, size_t n) {
    double *r = malloc((n ? n : 1) * sizeof *r);
    if (!r || ranks(s, n, r)) {
        free(r);
        return NAN;
    }
    double n1 = 0, sum1 = 0;
    for (size_t i = 0; i < n; i++)
        if (y[i] == 1.0) n1++, sum1 += r[i];
    free(r);
    double n0 = (double)n - n1;
    if (n1 == 0 || n0 == 0) return NAN;
    return (sum1 - n1 * (n1 + 1) / 2) / (n1 * n0);
}

static double pearson(const double *a, const double *b, size_t n) {
    double ma = 0, mb = 0;
    for (size_t i = 0; i < n; i++) ma += a[i], mb += b[i];
    ma /= (double)n, mb /= (double)n;
    double sab = 0, saa = 0, sbb = 0;
    for (size_t i = 0; i < n; i++) {
        sab += (a[i] - ma) * (b[i] - mb);
        saa += (a[i] - ma) * (a[i] - ma);
        sbb += (b[i] - mb) * (b[i] - mb);
    }
    return saa > 0 && sbb > 0 ? sab / sqrt(saa * sbb) : NAN;
}

static qc_err regression(const double *y, const double *p, size_t n, qc_model_metrics *m, qc_error *err) {
    double my = 0, sse = 0, sst = 0;
    for (size_t i = 0; i < n; i++) my += y[i];
    my /= (double)n;
    for (size_t i = 0; i < n; i++) {
        sse += (y[i] - p[i]) * (y[i] - p[i]);
        sst += (y[i] - my) * (y[i] - my);
    }
    m->rmse = sqrt(sse / (double)n);
    m->r2 = sst > 0 ? 1 - sse / sst : NAN;
    double *ry = malloc(n * sizeof *ry), *rp = malloc(n * sizeof *rp);
    if (!ry || !rp || ranks(y, n, ry) || ranks(p, n, rp)) {
        free(ry), free(rp);
        return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    }
    m->ic = pearson(ry, rp, n);
    free(ry), free(rp);
    return QC_OK;
}

static double clip_p(double p) { return p < 1e-15 ? 1e-15 : p > 1 - 1e-15 ? 1 - 1e-15 : p; }

static void binary(const double *y, const double *p, size_t n, qc_model_metrics *m) {
    double ok = 0, ll = 0, tp = 0, fp = 0, fn = 0;
    for (size_t i = 0; i < n; i++) {
        int pred = p[i] > 0.5, truth = y[i] == 1.0;
        ok += pred == truth;
        tp += pred && truth, fp += pred && !truth, fn += !pred && truth;
        double q = clip_p(p[i]);
        ll -= truth ? log(q) : log(1 - q);
    }
    m->accuracy = ok / (double)n;
    m->log_loss = ll / (double)n;
    m->f1 = tp > 0 ? 2 * tp / (2 * tp + fp + fn) : 0;
    m->auc = qc_auc(y, p, n);
}

static qc_err multiclass(const double *y, const double *p, size_t n, size_t k, qc_model_metrics *m,
                         qc_error *err) {
    double *yk = malloc(n * sizeof *yk), *pk = malloc(n * sizeof *pk);
    if (!yk || !pk) {
        free(yk), free(pk);
        return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    }
    double ok = 0, ll = 0;
    for (size_t i = 0; i < n; i++) {
        size_t best = 0;
        for (size_t c = 1; c < k; c++)
            if (p[i * k + c] > p[i * k + best]) best = c;
        ok += (double)best == y[i];
        ll -= log(clip_p(p[i * k + (size_t)y[i]]));
    }
    double f1 = 0, auc = 0, n_auc = 0;
    for (size_t c = 0; c < k; c++) {
        double tp = 0, fp = 0, fn = 0;
        for (size_t i = 0; i < n; i++) {
            size_t best = 0;
            for (size_t j = 1; j < k; j++)
                if (p[i * k + j] > p[i * k + best]) best = j;
            int pred = best == c, truth = (size_t)y[i] == c;
            tp += pred && truth, fp += pred && !truth, fn += !pred && truth;
            yk[i] = truth, pk[i] = p[i * k + c];
        }
        f1 += tp > 0 ? 2 * tp / (2 * tp + fp + fn) : 0;
        double a = qc_auc(yk, pk, n);
        if (isfinite(a)) auc += a, n_auc++;
    }
    free(yk), free(pk);
    m->accuracy = ok / (double)n;
    m->log_loss = ll / (double)n;
    m->f1 = f1 / (double)k;
    m->auc = n_auc > 0 ? auc / n_auc : NAN;
    return QC_OK;
}

qc_err qc_model_metrics_compute(qc_task task, size_t n_classes, const double *y, const double *p, size_t n,
                                qc_model_metrics *m, qc_error *err) {
    memset(m, 0, sizeof *m);
    m->accuracy = m->log_loss = m->auc = m->f1 = m->rmse = m->r2 = m->ic = NAN;
    m->n = n;
    if (n == 0) return qc_err_set(err, QC_ERR_INPUT, "metrics: no predictions");
    if (task == QC_TASK_REGRESSION) return regression(y, p, n, m, err);
    if (task == QC_TASK_BINARY) {
        binary(y, p, n, m);
        return QC_OK;
    }
    return multiclass(y, p, n, n_classes, m, err);
}
