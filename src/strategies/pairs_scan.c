/* pairs_scan.c: pair selection (pairs.h): correlation pre-filter on standardised log returns (one
 * dot product per pair), then Engle-Granger in both directions for the survivors. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "features/coint.h"
#include "strategies/pairs.h"

void qc_pairs_opts_init(qc_pairs_opts *o) {
    o->min_corr = 0.5;
    o->max_pvalue = 1.0;
    o->min_half_life = 1.0;
    o->max_half_life = INFINITY;
}

/* z[s] = standardised log returns of series s (len - 1 values, unit sum of squares); 0 when the
 * series is unusable (non-finite or constant). */
static int standardise(const double *lp, size_t len, double *z) {
    size_t m = len - 1;
    double mean = 0, ss = 0;
    for (size_t i = 0; i < len; i++)
        if (!isfinite(lp[i])) return 0;
    for (size_t i = 0; i < m; i++) mean += lp[i + 1] - lp[i];
    mean /= (double)m;
    for (size_t i = 0; i < m; i++) {
        z[i] = lp[i + 1] - lp[i] - mean;
        ss += z[i] * z[i];
    }
    if (!(ss > 0)) return 0;
    double k = 1.0 / sqrt(ss);
    for (size_t i = 0; i < m; i++) z[i] *= k;
    return 1;
}

static int by_pvalue(const void *pa, const void *pb) {
    const qc_pair *a = pa, *b = pb;
    if (a->pvalue != b->pvalue) return a->pvalue < b->pvalue ? -1 : 1;
    if (a->adf != b->adf) return a->adf < b->adf ? -1 : 1;
    if (a->y != b->y) return a->y < b->y ? -1 : 1;
    return a->x < b->x ? -1 : a->x > b->x;
}

/* Engle-Granger both ways; the lower p-value wins (ties: y = the later series). 0 if neither ran. */
static int test_pair(const double *const *logp, size_t i, size_t j, size_t len, qc_coint_work *w, qc_pair *p) {
    qc_eg_result r1, r2;
    qc_error e = {0};
    int ok1 = qc_coint_eg(logp[j], logp[i], len, &r1, w, &e) == QC_OK;
    int ok2 = qc_coint_eg(logp[i], logp[j], len, &r2, w, &e) == QC_OK;
    if (!ok1 && !ok2) return 0;
    int second = ok2 && (!ok1 || r2.pvalue < r1.pvalue);
    const qc_eg_result *r = second ? &r2 : &r1;
    *p = (qc_pair){.y = second ? i : j, .x = second ? j : i, .beta = r->beta, .alpha = r->alpha, .adf = r->adf,
                   .pvalue = r->pvalue, .half_life = r->half_life, .lags = r->lags, .nobs = r->nobs};
    return 1;
}

static int keep(const qc_pair *p, const qc_pairs_opts *o) {
    return p->pvalue <= o->max_pvalue && p->half_life >= o->min_half_life && p->half_life <= o->max_half_life;
}

qc_err qc_pairs_scan(const double *const *logp, size_t n_sym, size_t len, const qc_pairs_opts *o, qc_pair **out,
                     size_t *n_out, qc_error *err) {
    *out = NULL;
    *n_out = 0;
    if (len < 20) return qc_err_set(err, QC_ERR_INPUT, "pairs: %zu observations are too few (need 20)", len);
    qc_pairs_opts def;
    if (!o) {
        qc_pairs_opts_init(&def);
        o = &def;
    }
    size_t m = len - 1, cap = 0, n = 0;
    double *z = malloc((n_sym ? n_sym : 1) * m * sizeof *z);
    unsigned char *ok = calloc(n_sym ? n_sym : 1, 1);
    qc_pair *res = NULL;
    qc_coint_work w = {0};
    qc_err rc = z && ok ? QC_OK : qc_err_set(err, QC_ERR_NOMEM, "pairs: out of memory");
    for (size_t s = 0; !rc && s < n_sym; s++) ok[s] = (unsigned char)standardise(logp[s], len, z + s * m);
    for (size_t i = 0; !rc && i < n_sym; i++) {
        if (!ok[i]) continue;
        for (size_t j = i + 1; !rc && j < n_sym; j++) {
            if (!ok[j]) continue;
            double c = qc_coint_dot(z + i * m, z + j * m, m);
            qc_pair p;
            if (c < o->min_corr || !test_pair(logp, i, j, len, &w, &p)) continue;
            p.corr = c;
            if (!keep(&p, o)) continue;
            if (n == cap) {
                size_t nc = cap ? cap * 2 : 64;
                qc_pair *q = realloc(res, nc * sizeof *q);
                if (!q) {
                    rc = qc_err_set(err, QC_ERR_NOMEM, "pairs: out of memory");
                    break;
                }
                res = q;
                cap = nc;
            }
            res[n++] = p;
        }
    }
    free(z);
    free(ok);
    qc_coint_work_free(&w);
    if (rc) {
        free(res);
        return rc;
    }
    if (n) qsort(res, n, sizeof *res, by_pvalue);
    *out = res;
    *n_out = n;
    return QC_OK;
}
