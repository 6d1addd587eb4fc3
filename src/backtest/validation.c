/* validation.c: running moments and PBO by CSCV (Bailey, Borwein, Lopez de Prado & Zhu 2015); the
 * splitters are in data/splits.c. */
#include "backtest/validation.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- moments ---------------------------------------------------------------------------------- */

void qc_moments_add(qc_moments *m, double x) {
    m->n += 1;
    double d = x - m->mean;
    m->mean += d / m->n;
    m->m2 += d * (x - m->mean);
}

void qc_moments_merge(qc_moments *into, const qc_moments *b) {
    if (b->n == 0) return;
    if (into->n == 0) {
        *into = *b;
        return;
    }
    double n = into->n + b->n, d = b->mean - into->mean;
    into->mean += d * b->n / n;
    into->m2 += b->m2 + d * d * into->n * b->n / n;
    into->n = n;
}

double qc_moments_sharpe(const qc_moments *m) {
    if (m->n < 2) return 0;
    double var = m->m2 / (m->n - 1);
    return var > 0 ? m->mean / sqrt(var) : 0;
}

/* ---- PBO by CSCV ------------------------------------------------------------------------------ */

void qc_pbo_free(qc_pbo *p) {
    free(p->logits);
    free(p->selected);
    free(p->is_sharpe);
    free(p->oos_sharpe);
    memset(p, 0, sizeof *p);
}

static qc_err pbo_check(size_t m_trials, size_t s, qc_error *err) {
    if (s < 2 || s > 32 || s % 2)
        return qc_err_set(err, QC_ERR_INPUT, "pbo: S (submatrices) must be even and in [2, 32], got %zu", s);
    if (m_trials < 2) return qc_err_set(err, QC_ERR_INPUT, "pbo: need at least 2 trials, got %zu", m_trials);
    return QC_OK;
}

qc_err qc_pbo_cscv(const double *r, size_t t_rows, size_t m_trials, size_t s, qc_pbo *out, qc_error *err) {
    memset(out, 0, sizeof *out);
    qc_err rc = pbo_check(m_trials, s, err);
    if (rc) return rc;
    if (t_rows < s) return qc_err_set(err, QC_ERR_INPUT, "pbo: %zu rows is fewer than S = %zu submatrices", t_rows, s);
    size_t len = t_rows / s, skip = t_rows % s;
    qc_moments *blocks = calloc(m_trials * s, sizeof *blocks);
    if (!blocks) return qc_err_set(err, QC_ERR_NOMEM, "pbo: out of memory");
    for (size_t m = 0; m < m_trials; m++)
        for (size_t j = 0; j < s; j++)
            for (size_t t = 0; t < len; t++) qc_moments_add(&blocks[m * s + j], r[m * t_rows + skip + j * len + t]);
    rc = qc_pbo_from_blocks(blocks, m_trials, s, out, err);
    out->rows_used = len * s;
    free(blocks);
    return rc;
}

/* Relative rank of trial k among v[0..m) (ascending, ties averaged) as rank / (m + 1). */
static double relative_rank(const double *v, size_t m, size_t k) {
    double less = 0, equal = 0;
    for (size_t i = 0; i < m; i++) {
        less += v[i] < v[k];
        equal += v[i] == v[k];
    }
    return (less + (equal + 1) / 2) / ((double)m + 1);
}

static void degradation(qc_pbo *p) {
    double n = (double)p->n_combos, mx = 0, my = 0, sxx = 0, sxy = 0, syy = 0, loss = 0;
    for (size_t c = 0; c < p->n_combos; c++) {
        mx += p->is_sharpe[c] / n;
        my += p->oos_sharpe[c] / n;
        loss += p->oos_sharpe[c] < 0;
    }
    for (size_t c = 0; c < p->n_combos; c++) {
        double dx = p->is_sharpe[c] - mx, dy = p->oos_sharpe[c] - my;
        sxx += dx * dx;
        sxy += dx * dy;
        syy += dy * dy;
    }
    p->slope = sxx > 0 ? sxy / sxx : NAN;
    p->intercept = sxx > 0 ? my - p->slope * mx : NAN;
    p->r2 = sxx > 0 && syy > 0 ? sxy * sxy / (sxx * syy) : NAN;
    p->prob_oos_loss = loss / n;
}

/* One combination (bit j of mask set: submatrix j is in-sample): logit of its selected trial. */
static void pbo_one(const qc_moments *blocks, size_t m_trials, size_t s, uint32_t mask, double *is, double *oos,
                    qc_pbo *p, size_t c) {
    for (size_t m = 0; m < m_trials; m++) {
        qc_moments a = {0}, b = {0};
        for (size_t j = 0; j < s; j++) qc_moments_merge((mask >> j) & 1 ? &a : &b, &blocks[m * s + j]);
        is[m] = qc_moments_sharpe(&a);
        oos[m] = qc_moments_sharpe(&b);
    }
    size_t best = 0;
    for (size_t m = 1; m < m_trials; m++)
        if (is[m] > is[best]) best = m;
    double w = relative_rank(oos, m_trials, best);
    p->logits[c] = log(w / (1 - w));
    p->selected[c] = best;
    p->is_sharpe[c] = is[best];
    p->oos_sharpe[c] = oos[best];
}

/* Worker t of nt evaluates the combinations c with c % nt == t (each into its own slots). */
typedef struct {
    const qc_moments *blocks;
    size_t m_trials, s, t, nt;
    qc_pbo *out;
    double *scratch; /* 2 * m_trials */
} pbo_job;

static void *pbo_worker(void *arg) {
    pbo_job *j = arg;
    size_t idx[32], h = j->s / 2, c = 0;
    for (size_t k = 0; k < h; k++) idx[k] = k;
    for (;;) { /* combinations of S/2 of S submatrices in lexicographic order of their index lists */
        if (c % j->nt == j->t) {
            uint32_t mask = 0;
            for (size_t k = 0; k < h; k++) mask |= 1u << idx[k];
            pbo_one(j->blocks, j->m_trials, j->s, mask, j->scratch, j->scratch + j->m_trials, j->out, c);
        }
        c++;
        size_t k = h;
        while (k > 0 && idx[k - 1] == j->s - h + k - 1) k--;
        if (k == 0) break;
        idx[k - 1]++;
        for (size_t m = k; m < h; m++) idx[m] = idx[m - 1] + 1;
    }
    return NULL;
}

qc_err qc_pbo_from_blocks(const qc_moments *blocks, size_t m_trials, size_t s, qc_pbo *out, qc_error *err) {
    return qc_pbo_from_blocks_mt(blocks, m_trials, s, 1, out, err);
}

qc_err qc_pbo_from_blocks_mt(const qc_moments *blocks, size_t m_trials, size_t s, size_t threads, qc_pbo *out,
                             qc_error *err) {
    memset(out, 0, sizeof *out);
    qc_err rc = pbo_check(m_trials, s, err);
    if (rc) return rc;
    size_t nc = qc_cv_choose(s, s / 2);
    out->s = s;
    out->n_trials = m_trials;
    out->n_combos = nc;
    out->logits = malloc(nc * sizeof *out->logits);
    out->selected = malloc(nc * sizeof *out->selected);
    out->is_sharpe = malloc(nc * sizeof *out->is_sharpe);
    out->oos_sharpe = malloc(nc * sizeof *out->oos_sharpe);
    size_t nt = threads < 1 ? 1 : threads > 64 ? 64 : threads;
    double *is = malloc(2 * m_trials * nt * sizeof *is);
    if (!out->logits || !out->selected || !out->is_sharpe || !out->oos_sharpe || !is) {
        free(is);
        qc_pbo_free(out);
        return qc_err_set(err, QC_ERR_NOMEM, "pbo: out of memory");
    }
    pbo_job jobs[64];
    pthread_t th[64];
    size_t started = 0;
    for (size_t t = 0; t < nt; t++) jobs[t] = (pbo_job){blocks, m_trials, s, t, nt, out, is + 2 * m_trials * t};
    for (size_t t = 1; t < nt && pthread_create(&th[t], NULL, pbo_worker, &jobs[t]) == 0; t++) started = t;
    for (size_t t = started + 1; t < nt; t++) pbo_worker(&jobs[t]); /* threads that failed to start */
    pbo_worker(&jobs[0]);
    for (size_t t = 1; t <= started; t++) pthread_join(th[t], NULL);
    free(is);
    size_t below = 0;
    for (size_t c = 0; c < nc; c++) below += out->logits[c] <= 0;
    out->pbo = (double)below / (double)nc;
    degradation(out);
    return QC_OK;
}
