/* regime.c: the Gaussian HMM of regime.h. Emission log-densities come from a Cholesky factor per
 * state (or inverse SDs for diagonal covariances); the forward step multiplies the predicted state
 * probabilities by exp(log density - the bar's largest log density) and normalises, so the scale
 * c_t and the shift together give ln p(x_t | past) without underflow (Rabiner 1989, scaled
 * forward-backward). The batch filter and the streaming filter call the same step in the same
 * order, hence equal bit for bit. Baum-Welch keeps one workspace per fit (no allocation per
 * iteration). JSON through cJSON; the loader checks everything it reads. */
#include "features/regime.h"

#include <cjson/cJSON.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOG_2PI 1.8378770664093454836

qc_err qc_hmm_new(size_t k, size_t d, qc_hmm_cov cov, qc_hmm **out, qc_error *err) {
    *out = NULL;
    if (k < 1 || k > QC_HMM_MAX_STATES) return qc_err_set(err, QC_ERR_INPUT, "hmm: states must be 1..%d (got %zu)", QC_HMM_MAX_STATES, k);
    if (d < 1 || d > QC_HMM_MAX_DIMS) return qc_err_set(err, QC_ERR_INPUT, "hmm: features must be 1..%d (got %zu)", QC_HMM_MAX_DIMS, d);
    if (cov != QC_HMM_DIAG && cov != QC_HMM_FULL) return qc_err_set(err, QC_ERR_INPUT, "hmm: unknown covariance type");
    qc_hmm *m = calloc(1, sizeof *m);
    if (!m) return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    size_t cv = cov == QC_HMM_FULL ? k * d * d : k * d;
    m->k = k, m->d = d, m->cov = cov;
    m->start = calloc(k, sizeof(double)), m->trans = calloc(k * k, sizeof(double));
    m->mean = calloc(k * d, sizeof(double)), m->covar = calloc(cv, sizeof(double));
    m->log_start = calloc(k, sizeof(double)), m->log_trans = calloc(k * k, sizeof(double));
    m->chol = calloc(cv, sizeof(double)), m->log_norm = calloc(k, sizeof(double));
    if (!m->start || !m->trans || !m->mean || !m->covar || !m->log_start || !m->log_trans || !m->chol || !m->log_norm) {
        qc_hmm_free(m);
        return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    }
    *out = m;
    return QC_OK;
}

void qc_hmm_free(qc_hmm *m) {
    if (!m) return;
    free(m->start), free(m->trans), free(m->mean), free(m->covar);
    free(m->log_start), free(m->log_trans), free(m->chol), free(m->log_norm);
    free(m);
}

size_t qc_hmm_n_params(const qc_hmm *m) {
    size_t k = m->k, d = m->d;
    return (k - 1) + k * (k - 1) + k * d + (m->cov == QC_HMM_FULL ? k * d * (d + 1) / 2 : k * d);
}

/* Checks a probability vector (kept as given: renormalising would move a saved model by an ulp on
 * every load; the filter normalises each step anyway). */
static qc_err check_probs(double *p, size_t n, const char *what, size_t row, qc_error *err) {
    double s = 0;
    for (size_t i = 0; i < n; i++) {
        if (!(p[i] >= 0 && p[i] <= 1.000001))
            return qc_err_set(err, QC_ERR_INPUT, "hmm: %s %zu: entry %zu is %g, not a probability", what, row, i, p[i]);
        s += p[i];
    }
    if (fabs(s - 1) > 1e-6) return qc_err_set(err, QC_ERR_INPUT, "hmm: %s %zu sums to %.9g, not 1", what, row, s);
    return QC_OK;
}

/* Lower Cholesky factor of the d x d matrix a into l; 0 if not positive definite. */
static int cholesky(const double *a, size_t d, double *l) {
    for (size_t r = 0; r < d; r++)
        for (size_t c = 0; c <= r; c++) {
            double s = a[r * d + c];
            for (size_t q = 0; q < c; q++) s -= l[r * d + q] * l[c * d + q];
            if (r == c) {
                if (!(s > 0) || !isfinite(s)) return 0;
                l[r * d + r] = sqrt(s);
            } else {
                l[r * d + c] = s / l[c * d + c];
            }
        }
    for (size_t r = 0; r < d; r++)
        for (size_t c = r + 1; c < d; c++) l[r * d + c] = 0;
    return 1;
}

static qc_err prepare_state(qc_hmm *m, size_t i, qc_error *err) {
    size_t d = m->d;
    for (size_t j = 0; j < d; j++)
        if (!isfinite(m->mean[i * d + j])) return qc_err_set(err, QC_ERR_INPUT, "hmm: state %zu: mean %zu is not finite", i, j);
    double logdet = 0;
    if (m->cov == QC_HMM_DIAG) {
        for (size_t j = 0; j < d; j++) {
            double v = m->covar[i * d + j];
            if (!(v > 0) || !isfinite(v)) return qc_err_set(err, QC_ERR_INPUT, "hmm: state %zu: variance %zu is %g, not > 0", i, j, v);
            m->chol[i * d + j] = 1.0 / sqrt(v);
            logdet += log(v);
        }
    } else {
        const double *a = m->covar + i * d * d;
        for (size_t r = 0; r < d; r++)
            for (size_t c = 0; c < r; c++)
                if (!(fabs(a[r * d + c] - a[c * d + r]) <= 1e-9 * (fabs(a[r * d + c]) + fabs(a[c * d + r])) + 1e-300))
                    return qc_err_set(err, QC_ERR_INPUT, "hmm: state %zu: covariance is not symmetric", i);
        double *l = m->chol + i * d * d;
        if (!cholesky(a, d, l)) return qc_err_set(err, QC_ERR_INPUT, "hmm: state %zu: covariance is not positive definite", i);
        for (size_t r = 0; r < d; r++) logdet += 2 * log(l[r * d + r]);
    }
    m->log_norm[i] = -0.5 * ((double)d * LOG_2PI + logdet);
    return QC_OK;
}

qc_err qc_hmm_prepare(qc_hmm *m, qc_error *err) {
    size_t k = m->k;
    qc_err rc = check_probs(m->start, k, "start probabilities", 0, err);
    for (size_t i = 0; !rc && i < k; i++) rc = check_probs(m->trans + i * k, k, "transition row", i, err);
    for (size_t i = 0; !rc && i < k; i++) rc = prepare_state(m, i, err);
    if (rc) return rc;
    for (size_t i = 0; i < k; i++) m->log_start[i] = log(m->start[i]);
    for (size_t i = 0; i < k * k; i++) m->log_trans[i] = log(m->trans[i]);
    return QC_OK;
}

/* ---- the forward step ------------------------------------------------------------------------------ */

static double log_emission(const qc_hmm *m, size_t i, const double *x) {
    size_t d = m->d;
    const double *mu = m->mean + i * d;
    double q = 0;
    if (m->cov == QC_HMM_DIAG) {
        const double *is = m->chol + i * d;
        for (size_t j = 0; j < d; j++) {
            double u = (x[j] - mu[j]) * is[j];
            q += u * u;
        }
    } else {
        const double *l = m->chol + i * d * d;
        double z[QC_HMM_MAX_DIMS];
        for (size_t r = 0; r < d; r++) {
            double s = x[r] - mu[r];
            for (size_t c = 0; c < r; c++) s -= l[r * d + c] * z[c];
            z[r] = s / l[r * d + r];
            q += z[r] * z[r];
        }
    }
    return m->log_norm[i] - 0.5 * q;
}

/* All states' log densities of bar x into lb; returns their maximum. */
static double log_emissions(const qc_hmm *m, const double *x, double *lb) {
    double mx = -INFINITY;
    for (size_t i = 0; i < m->k; i++) {
        lb[i] = log_emission(m, i, x);
        if (lb[i] > mx) mx = lb[i];
    }
    return mx;
}

/* alpha = normalised (prior x exp(lb - mx)), prior = start (prev NULL) or prev x trans. sb (may be
 * NULL) receives exp(lb - mx), *scale the normaliser. Returns ln p(x_t | past). */
static double forward_step(const qc_hmm *m, const double *lb, double mx, const double *prev, double *alpha, double *sb,
                           double *scale) {
    size_t k = m->k;
    double c = 0;
    for (size_t j = 0; j < k; j++) {
        double prior = 0;
        if (prev)
            for (size_t i = 0; i < k; i++) prior += prev[i] * m->trans[i * k + j];
        else
            prior = m->start[j];
        double b = exp(lb[j] - mx);
        if (sb) sb[j] = b;
        alpha[j] = prior * b;
        c += alpha[j];
    }
    if (scale) *scale = c;
    if (!(c > 0) || !isfinite(mx)) {
        for (size_t j = 0; j < k; j++) alpha[j] = 1.0 / (double)k;
        return -INFINITY;
    }
    double inv = 1.0 / c;
    if (isfinite(inv))
        for (size_t j = 0; j < k; j++) alpha[j] *= inv;
    else /* c subnormal (a start or transition mass of ~1e-316): 1 / c overflows, divide instead */
        for (size_t j = 0; j < k; j++) alpha[j] /= c;
    return log(c) + mx;
}

static qc_err check_x(const double *x, size_t n, size_t d, qc_error *err) {
    for (size_t i = 0; i < n * d; i++)
        if (!isfinite(x[i])) return qc_err_set(err, QC_ERR_INPUT, "hmm: bar %zu, feature %zu is not finite", i / d, i % d);
    return QC_OK;
}

qc_err qc_hmm_filter_batch(const qc_hmm *m, const double *x, size_t n, double *prob, double *ll, qc_error *err) {
    qc_err rc = check_x(x, n, m->d, err);
    if (rc) return rc;
    double lb[QC_HMM_MAX_STATES], sum = 0;
    for (size_t t = 0; t < n; t++) {
        double mx = log_emissions(m, x + t * m->d, lb);
        sum += forward_step(m, lb, mx, t ? prob + (t - 1) * m->k : NULL, prob + t * m->k, NULL, NULL);
    }
    if (ll) *ll = sum;
    return QC_OK;
}

qc_err qc_hmm_loglik(const qc_hmm *m, const double *x, size_t n, double *ll, qc_error *err) {
    qc_err rc = check_x(x, n, m->d, err);
    if (rc) return rc;
    double lb[QC_HMM_MAX_STATES], a[2][QC_HMM_MAX_STATES], sum = 0;
    for (size_t t = 0; t < n; t++) {
        double mx = log_emissions(m, x + t * m->d, lb);
        sum += forward_step(m, lb, mx, t ? a[(t - 1) & 1] : NULL, a[t & 1], NULL, NULL);
    }
    *ll = sum;
    return QC_OK;
}

/* ---- streaming filter ---------------------------------------------------------------------------------- */

struct qc_hmm_filter {
    const qc_hmm *m;
    size_t t;
    double ll;
    double alpha[QC_HMM_MAX_STATES], next[QC_HMM_MAX_STATES], lb[QC_HMM_MAX_STATES];
};

qc_err qc_hmm_filter_new(const qc_hmm *m, qc_hmm_filter **out, qc_error *err) {
    *out = calloc(1, sizeof **out);
    if (!*out) return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    (*out)->m = m;
    return QC_OK;
}

void qc_hmm_filter_reset(qc_hmm_filter *f) {
    f->t = 0;
    f->ll = 0;
}

double qc_hmm_filter_update(qc_hmm_filter *f, const double *x, double *prob) {
    const qc_hmm *m = f->m;
    double mx = log_emissions(m, x, f->lb);
    double inc = forward_step(m, f->lb, mx, f->t ? f->alpha : NULL, f->next, NULL, NULL);
    memcpy(f->alpha, f->next, m->k * sizeof(double));
    if (prob) memcpy(prob, f->alpha, m->k * sizeof(double));
    f->t++;
    f->ll += inc;
    return inc;
}

double qc_hmm_filter_loglik(const qc_hmm_filter *f) { return f->ll; }
size_t qc_hmm_filter_count(const qc_hmm_filter *f) { return f->t; }
void qc_hmm_filter_free(qc_hmm_filter *f) { free(f); }

/* ---- forward-backward ---------------------------------------------------------------------------------- */

typedef struct {
    size_t n, k, d;
    double *alpha, *beta, *sb, *scale; /* n*k, n*k, n*k, n */
    double *xi;                        /* k*k expected transitions */
} fb_ws;

static void fb_free(fb_ws *w) { free(w->alpha), free(w->beta), free(w->sb), free(w->scale), free(w->xi); }

static qc_err fb_alloc(fb_ws *w, size_t n, size_t k, size_t d, qc_error *err) {
    memset(w, 0, sizeof *w);
    w->n = n, w->k = k, w->d = d;
    if (n > SIZE_MAX / (k * sizeof(double)) / 2) return qc_err_set(err, QC_ERR_NOMEM, "hmm: too many bars");
    w->alpha = malloc(n * k * sizeof(double)), w->beta = malloc(n * k * sizeof(double));
    w->sb = malloc(n * k * sizeof(double)), w->scale = malloc((n ? n : 1) * sizeof(double));
    w->xi = malloc(k * k * sizeof(double));
    if (w->alpha && w->beta && w->sb && w->scale && w->xi) return QC_OK;
    fb_free(w);
    return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
}

/* Forward and backward passes; alpha becomes the posteriors gamma; xi the summed expected
 * transitions. Returns ln p(x), -inf when some bar is impossible under the model. */
static double forward_backward(const qc_hmm *m, const double *x, fb_ws *w) {
    size_t n = w->n, k = m->k;
    double lb[QC_HMM_MAX_STATES], ll = 0;
    for (size_t t = 0; t < n; t++) {
        double mx = log_emissions(m, x + t * m->d, lb);
        ll += forward_step(m, lb, mx, t ? w->alpha + (t - 1) * k : NULL, w->alpha + t * k, w->sb + t * k, w->scale + t);
    }
    if (!isfinite(ll)) return -INFINITY;
    for (size_t i = 0; i < k; i++) w->beta[(n - 1) * k + i] = 1.0;
    memset(w->xi, 0, k * k * sizeof(double));
    for (size_t t = n - 1; t-- > 0;) {
        const double *bn = w->beta + (t + 1) * k, *sbn = w->sb + (t + 1) * k, *a = w->alpha + t * k;
        /* c subnormal: 1 / c overflows, so each term is divided by c after the transition mass
         * (as small as c) has scaled it down, and capped at DBL_MAX: a state the forward pass gave
         * no mass (alpha 0) may get an unbounded beta, and 0 x inf would be NaN */
        double c = w->scale[t + 1], inv = 1.0 / c, tmp[QC_HMM_MAX_STATES];
        int tiny = !isfinite(inv);
        for (size_t j = 0; j < k; j++) tmp[j] = tiny ? sbn[j] * bn[j] : sbn[j] * bn[j] * inv;
        for (size_t i = 0; i < k; i++) {
            double s = 0;
            for (size_t j = 0; j < k; j++) {
                double v = tiny ? fmin(m->trans[i * k + j] * tmp[j] / c, DBL_MAX) : m->trans[i * k + j] * tmp[j];
                s += v;
                w->xi[i * k + j] += a[i] * v;
            }
            w->beta[t * k + i] = tiny ? fmin(s, DBL_MAX) : s;
        }
    }
    for (size_t t = 0; t < n; t++) {
        double *g = w->alpha + t * k, s = 0;
        for (size_t i = 0; i < k; i++) g[i] *= w->beta[t * k + i], s += g[i];
        for (size_t i = 0; i < k; i++) g[i] /= s;
    }
    return ll;
}

qc_err qc_hmm_smooth(const qc_hmm *m, const double *x, size_t n, double *prob, double *ll, qc_error *err) {
    qc_err rc = check_x(x, n, m->d, err);
    if (rc || n == 0) return rc;
    fb_ws w;
    if ((rc = fb_alloc(&w, n, m->k, m->d, err))) return rc;
    double l = forward_backward(m, x, &w);
    if (!isfinite(l)) rc = qc_err_set(err, QC_ERR_INPUT, "hmm: the data are impossible under the model");
    else memcpy(prob, w.alpha, n * m->k * sizeof(double));
    if (ll) *ll = l;
    fb_free(&w);
    return rc;
}

qc_err qc_hmm_viterbi(const qc_hmm *m, const double *x, size_t n, int *path, double *logp, qc_error *err) {
    qc_err rc = check_x(x, n, m->d, err);
    if (rc || n == 0) return rc;
    size_t k = m->k;
    unsigned char *psi = malloc(n * k);
    if (!psi) return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    double d0[QC_HMM_MAX_STATES], d1[QC_HMM_MAX_STATES], lb[QC_HMM_MAX_STATES];
    double *cur = d0, *nxt = d1;
    log_emissions(m, x, lb);
    for (size_t j = 0; j < k; j++) cur[j] = m->log_start[j] + lb[j], psi[j] = 0;
    for (size_t t = 1; t < n; t++) {
        log_emissions(m, x + t * m->d, lb);
        for (size_t j = 0; j < k; j++) {
            size_t best = 0;
            double bv = cur[0] + m->log_trans[j];
            for (size_t i = 1; i < k; i++) {
                double v = cur[i] + m->log_trans[i * k + j];
                if (v > bv) bv = v, best = i;
            }
            nxt[j] = bv + lb[j];
            psi[t * k + j] = (unsigned char)best;
        }
        double *s = cur;
        cur = nxt, nxt = s;
    }
    size_t last = 0;
    for (size_t j = 1; j < k; j++)
        if (cur[j] > cur[last]) last = j;
    if (logp) *logp = cur[last];
    for (size_t t = n; t-- > 0;) {
        path[t] = (int)last;
        last = psi[t * k + last];
    }
    free(psi);
    return QC_OK;
}

/* ---- Baum-Welch ------------------------------------------------------------------------------------------- */

static void m_step_state(qc_hmm *m, const double *x, const fb_ws *w, size_t i, const double *reg) {
    size_t n = w->n, k = m->k, d = m->d;
    double g = 0, mu[QC_HMM_MAX_DIMS] = {0};
    for (size_t t = 0; t < n; t++) {
        double p = w->alpha[t * k + i];
        g += p;
        for (size_t j = 0; j < d; j++) mu[j] += p * x[t * d + j];
    }
    if (!(g > 1e-300)) return; /* an unvisited state keeps its emission */
    for (size_t j = 0; j < d; j++) m->mean[i * d + j] = mu[j] /= g;
    size_t cw = m->cov == QC_HMM_FULL ? d * d : d;
    double *cv = m->covar + i * cw;
    memset(cv, 0, cw * sizeof(double));
    for (size_t t = 0; t < n; t++) {
        double p = w->alpha[t * k + i], dx[QC_HMM_MAX_DIMS];
        for (size_t j = 0; j < d; j++) dx[j] = x[t * d + j] - mu[j];
        if (m->cov == QC_HMM_DIAG)
            for (size_t j = 0; j < d; j++) cv[j] += p * dx[j] * dx[j];
        else
            for (size_t r = 0; r < d; r++)
                for (size_t c = 0; c <= r; c++) cv[r * d + c] += p * dx[r] * dx[c];
    }
    for (size_t r = 0; r < d; r++) {
        if (m->cov == QC_HMM_DIAG) {
            cv[r] = cv[r] / g + (reg ? reg[r] : 0);
            continue;
        }
        for (size_t c = 0; c <= r; c++) cv[r * d + c] /= g, cv[c * d + r] = cv[r * d + c];
        cv[r * d + r] += reg ? reg[r] : 0;
    }
}

static void m_step(qc_hmm *m, const double *x, const fb_ws *w, const double *reg) {
    size_t k = m->k;
    for (size_t i = 0; i < k; i++) m->start[i] = w->alpha[i];
    for (size_t i = 0; i < k; i++) {
        double s = 0;
        for (size_t j = 0; j < k; j++) s += w->xi[i * k + j];
        if (!(s > 0)) continue; /* never left state i: keep the row */
        for (size_t j = 0; j < k; j++) m->trans[i * k + j] = w->xi[i * k + j] / s;
    }
    for (size_t i = 0; i < k; i++) m_step_state(m, x, w, i, reg);
}

static qc_err em_iter(qc_hmm *m, const double *x, fb_ws *w, const double *reg, double *ll, qc_error *err) {
    *ll = forward_backward(m, x, w);
    if (!isfinite(*ll)) return qc_err_set(err, QC_ERR_INPUT, "hmm: the data are impossible under the model");
    m_step(m, x, w, reg);
    return qc_hmm_prepare(m, err);
}

qc_err qc_hmm_em_step(qc_hmm *m, const double *x, size_t n, const double *reg, double *ll_before, qc_error *err) {
    qc_err rc = check_x(x, n, m->d, err);
    if (rc) return rc;
    if (n < 2) return qc_err_set(err, QC_ERR_INPUT, "hmm: EM needs at least 2 bars");
    fb_ws w;
    if ((rc = fb_alloc(&w, n, m->k, m->d, err))) return rc;
    double ll;
    rc = em_iter(m, x, &w, reg, &ll, err);
    if (ll_before) *ll_before = ll;
    fb_free(&w);
    return rc;
}

void qc_hmm_fit_opts_init(qc_hmm_fit_opts *o) {
    o->k = 2;
    o->cov = QC_HMM_DIAG;
    o->restarts = 5;
    o->max_iter = 200;
    o->tol = 1e-6;
    o->seed = 42;
    o->reg = 1e-6;
}

static uint64_t splitmix(uint64_t *s) {
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Sample mean and covariance (ddof 0) of the data into mu and cv (d*d). */
static void data_moments(const double *x, size_t n, size_t d, double *mu, double *cv) {
    memset(mu, 0, d * sizeof(double));
    memset(cv, 0, d * d * sizeof(double));
    for (size_t t = 0; t < n; t++)
        for (size_t j = 0; j < d; j++) mu[j] += x[t * d + j];
    for (size_t j = 0; j < d; j++) mu[j] /= (double)n;
    for (size_t t = 0; t < n; t++)
        for (size_t r = 0; r < d; r++)
            for (size_t c = 0; c < d; c++) cv[r * d + c] += (x[t * d + r] - mu[r]) * (x[t * d + c] - mu[c]);
    for (size_t j = 0; j < d * d; j++) cv[j] /= (double)n;
}

typedef struct {
    double v;
    size_t i;
} keyed;

static int cmp_keyed(const void *a, const void *b) {
    const keyed *u = a, *v = b;
    return u->v < v->v ? -1 : u->v > v->v ? 1 : (u->i > v->i) - (u->i < v->i);
}

/* The starting point of run r (see qc_hmm_fit). */
static void init_run(qc_hmm *m, const double *x, size_t n, const double *cv, const size_t *order, size_t r,
                     uint64_t *rng) {
    size_t k = m->k, d = m->d;
    size_t pick[QC_HMM_MAX_STATES];
    for (size_t i = 0; i < k; i++) {
        if (r == 0) {
            pick[i] = order[(size_t)(((double)i + 0.5) / (double)k * (double)n)];
            continue;
        }
        int dup;
        size_t tries = 0;
        do { /* distinct bars (and distinct values when the data allow) */
            pick[i] = (size_t)(splitmix(rng) % n);
            dup = 0;
            for (size_t q = 0; q < i; q++) dup |= pick[q] == pick[i] || memcmp(x + pick[q] * d, x + pick[i] * d, d * sizeof(double)) == 0;
        } while (dup && ++tries < 100);
    }
    for (size_t i = 0; i < k; i++) {
        memcpy(m->mean + i * d, x + pick[i] * d, d * sizeof(double));
        m->start[i] = 1.0 / (double)k;
        for (size_t j = 0; j < k; j++) m->trans[i * k + j] = k == 1 ? 1.0 : i == j ? 0.9 : 0.1 / (double)(k - 1);
        for (size_t a = 0; a < d; a++) {
            if (m->cov == QC_HMM_DIAG) m->covar[i * d + a] = cv[a * d + a];
            else memcpy(m->covar + i * d * d, cv, d * d * sizeof(double));
        }
    }
}

/* One EM run from m's current parameters: returns the final log-likelihood (-inf on failure). */
static double em_run(qc_hmm *m, const double *x, fb_ws *w, const double *reg, const qc_hmm_fit_opts *o, size_t *iters,
                     int *converged) {
    qc_error e = {0};
    double prev = -INFINITY, ll = -INFINITY;
    *converged = 0;
    for (*iters = 0; *iters < o->max_iter; ++*iters) {
        if (em_iter(m, x, w, reg, &ll, &e)) return -INFINITY;
        if (ll - prev < o->tol && *iters > 0) {
            *converged = 1;
            break;
        }
        prev = ll;
    }
    double final = forward_backward(m, x, w); /* the log-likelihood of the parameters returned */
    return final;
}

static void copy_params(qc_hmm *dst, const qc_hmm *src) {
    size_t k = src->k, d = src->d, cv = src->cov == QC_HMM_FULL ? k * d * d : k * d;
    memcpy(dst->start, src->start, k * sizeof(double));
    memcpy(dst->trans, src->trans, k * k * sizeof(double));
    memcpy(dst->mean, src->mean, k * d * sizeof(double));
    memcpy(dst->covar, src->covar, cv * sizeof(double));
}

static qc_err fit_check(const double *x, size_t n, size_t d, const qc_hmm_fit_opts *o, qc_error *err) {
    if (o->k < 1 || o->k > QC_HMM_MAX_STATES) return qc_err_set(err, QC_ERR_INPUT, "hmm: states must be 1..%d", QC_HMM_MAX_STATES);
    if (n < 2 * o->k) return qc_err_set(err, QC_ERR_INPUT, "hmm: %zu bars are too few for %zu states (need >= %zu)", n, o->k, 2 * o->k);
    if (o->restarts < 1 || o->max_iter < 1) return qc_err_set(err, QC_ERR_INPUT, "hmm: restarts and iterations must be >= 1");
    if (!(o->reg >= 0)) return qc_err_set(err, QC_ERR_INPUT, "hmm: reg must be >= 0");
    if (d < 1 || d > QC_HMM_MAX_DIMS) return qc_err_set(err, QC_ERR_INPUT, "hmm: features must be 1..%d", QC_HMM_MAX_DIMS);
    return check_x(x, n, d, err);
}

static void fill_info(qc_hmm_fit_info *info, const qc_hmm *m, size_t n) {
    double p = (double)qc_hmm_n_params(m);
    info->aic = -2 * info->loglik + 2 * p;
    info->bic = -2 * info->loglik + p * log((double)n);
}

qc_err qc_hmm_fit(const double *x, size_t n, size_t d, const qc_hmm_fit_opts *o, qc_hmm **out, qc_hmm_fit_info *info,
                  qc_error *err) {
    *out = NULL;
    memset(info, 0, sizeof *info);
    qc_err rc = fit_check(x, n, d, o, err);
    if (rc) return rc;
    qc_hmm *m = NULL, *best = NULL;
    fb_ws w = {0};
    double mu[QC_HMM_MAX_DIMS], *cv = malloc(d * d * sizeof(double)), reg[QC_HMM_MAX_DIMS];
    size_t *order = malloc(n * sizeof(size_t));
    keyed *keys = malloc(n * sizeof(keyed));
    if (!cv || !order || !keys) rc = qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    if (!rc) rc = qc_hmm_new(o->k, d, o->cov, &m, err);
    if (!rc) rc = qc_hmm_new(o->k, d, o->cov, &best, err);
    if (!rc) rc = fb_alloc(&w, n, o->k, d, err);
    if (!rc) {
        data_moments(x, n, d, mu, cv);
        for (size_t j = 0; j < d; j++) reg[j] = o->reg * cv[j * d + j];
        for (size_t t = 0; t < n; t++) keys[t].v = x[t * d], keys[t].i = t;
        qsort(keys, n, sizeof *keys, cmp_keyed);
        for (size_t t = 0; t < n; t++) order[t] = keys[t].i;
        for (size_t j = 0; j < d; j++)
            if (!(cv[j * d + j] > 0)) rc = qc_err_set(err, QC_ERR_INPUT, "hmm: feature %zu is constant", j);
    }
    uint64_t rng = o->seed;
    info->loglik = -INFINITY;
    for (size_t r = 0; !rc && r < o->restarts; r++) {
        init_run(m, x, n, cv, order, r, &rng);
        for (size_t i = 0; i < o->k && o->cov == QC_HMM_FULL; i++)
            for (size_t j = 0; j < d; j++) m->covar[i * d * d + j * d + j] += reg[j];
        qc_error e = {0};
        size_t iters = 0;
        int conv = 0;
        double ll = qc_hmm_prepare(m, &e) ? -INFINITY : em_run(m, x, &w, reg, o, &iters, &conv);
        if (r < 64) info->restart_ll[r] = ll;
        info->n_restarts = r + 1;
        if (ll > info->loglik) {
            info->loglik = ll, info->iterations = iters, info->converged = conv, info->best_restart = r;
            copy_params(best, m);
        }
    }
    if (!rc && !isfinite(info->loglik)) rc = qc_err_set(err, QC_ERR_INPUT, "hmm: no run converged to a finite likelihood");
    if (!rc) rc = qc_hmm_prepare(best, err);
    if (!rc) {
        qc_hmm_sort_states(best);
        fill_info(info, best, n);
        *out = best, best = NULL;
    }
    qc_hmm_free(m), qc_hmm_free(best);
    fb_free(&w);
    free(cv), free(order), free(keys);
    return rc;
}

void qc_hmm_sort_states(qc_hmm *m) {
    size_t k = m->k, d = m->d, perm[QC_HMM_MAX_STATES];
    for (size_t i = 0; i < k; i++) perm[i] = i;
    for (size_t i = 1; i < k; i++) /* stable insertion sort by mean of feature 0 */
        for (size_t j = i; j > 0 && m->mean[perm[j] * d] < m->mean[perm[j - 1] * d]; j--) {
            size_t t = perm[j];
            perm[j] = perm[j - 1], perm[j - 1] = t;
        }
    size_t cw = m->cov == QC_HMM_FULL ? d * d : d;
    double *tmp = malloc((k + k * k + k * d + k * cw) * sizeof(double));
    if (!tmp) return; /* left unsorted; the model is still valid */
    double *st = tmp, *tr = st + k, *mu = tr + k * k, *cv = mu + k * d;
    for (size_t a = 0; a < k; a++) {
        st[a] = m->start[perm[a]];
        for (size_t b = 0; b < k; b++) tr[a * k + b] = m->trans[perm[a] * k + perm[b]];
        memcpy(mu + a * d, m->mean + perm[a] * d, d * sizeof(double));
        memcpy(cv + a * cw, m->covar + perm[a] * cw, cw * sizeof(double));
    }
    memcpy(m->start, st, k * sizeof(double));
    memcpy(m->trans, tr, k * k * sizeof(double));
    memcpy(m->mean, mu, k * d * sizeof(double));
    memcpy(m->covar, cv, k * cw * sizeof(double));
    free(tmp);
    qc_error e = {0};
    qc_hmm_prepare(m, &e); /* a permutation of valid parameters stays valid */
}

/* ---- JSON ------------------------------------------------------------------------------------------------- */

/* A number in the fewest digits (15 to 17) that read back as the same double: cJSON's own printer
 * accepts 15 digits within an epsilon, which moves a saved model by an ulp. */
static cJSON *exact_number(double v) {
    char buf[40];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, v);
        if (prec == 17 || strtod(buf, NULL) == v) break;
    }
    return cJSON_CreateRaw(buf);
}

static cJSON *num_array(const double *v, size_t n) {
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; a && i < n; i++) cJSON_AddItemToArray(a, exact_number(v[i]));
    return a;
}

qc_err qc_hmm_to_json(const qc_hmm *m, double ll, char **out, qc_error *err) {
    size_t k = m->k, d = m->d;
    cJSON *root = cJSON_CreateObject(), *feat = cJSON_CreateArray(), *tr = cJSON_CreateArray();
    cJSON *mu = cJSON_CreateArray(), *cv = cJSON_CreateArray();
    cJSON_AddStringToObject(root, "model", "quantcli-hmm");
    cJSON_AddNumberToObject(root, "version", 1);
    cJSON_AddNumberToObject(root, "states", (double)k);
    cJSON_AddNumberToObject(root, "dims", (double)d);
    cJSON_AddStringToObject(root, "covariance", m->cov == QC_HMM_FULL ? "full" : "diag");
    for (size_t j = 0; j < d; j++) cJSON_AddItemToArray(feat, cJSON_CreateString(m->names[j]));
    cJSON_AddItemToObject(root, "features", feat);
    cJSON_AddItemToObject(root, "start", num_array(m->start, k));
    for (size_t i = 0; i < k; i++) {
        cJSON_AddItemToArray(tr, num_array(m->trans + i * k, k));
        cJSON_AddItemToArray(mu, num_array(m->mean + i * d, d));
        if (m->cov == QC_HMM_DIAG) {
            cJSON_AddItemToArray(cv, num_array(m->covar + i * d, d));
            continue;
        }
        cJSON *mat = cJSON_CreateArray();
        for (size_t r = 0; r < d; r++) cJSON_AddItemToArray(mat, num_array(m->covar + i * d * d + r * d, d));
        cJSON_AddItemToArray(cv, mat);
    }
    cJSON_AddItemToObject(root, "transition", tr);
    cJSON_AddItemToObject(root, "means", mu);
    cJSON_AddItemToObject(root, "covars", cv);
    if (isfinite(ll)) cJSON_AddItemToObject(root, "log_likelihood", exact_number(ll));
    *out = cJSON_Print(root);
    cJSON_Delete(root);
    return *out ? QC_OK : qc_err_set(err, QC_ERR_NOMEM, "out of memory");
}

/* Reads a JSON array of exactly n finite numbers into v. */
static qc_err read_nums(const cJSON *a, size_t n, double *v, const char *what, qc_error *err) {
    if (!cJSON_IsArray(a) || (size_t)cJSON_GetArraySize(a) != n)
        return qc_err_set(err, QC_ERR_INPUT, "hmm model: '%s' must be an array of %zu numbers", what, n);
    size_t i = 0;
    for (const cJSON *e = a->child; e; e = e->next, i++) {
        if (!cJSON_IsNumber(e) || !isfinite(e->valuedouble))
            return qc_err_set(err, QC_ERR_INPUT, "hmm model: '%s' entry %zu is not a finite number", what, i);
        v[i] = e->valuedouble;
    }
    return QC_OK;
}

/* An array of `rows` arrays of `cols` numbers into v (row-major). */
static qc_err read_matrix(const cJSON *a, size_t rows, size_t cols, double *v, const char *what, qc_error *err) {
    if (!cJSON_IsArray(a) || (size_t)cJSON_GetArraySize(a) != rows)
        return qc_err_set(err, QC_ERR_INPUT, "hmm model: '%s' must be an array of %zu rows", what, rows);
    size_t r = 0;
    qc_err rc = QC_OK;
    for (const cJSON *e = a->child; e && !rc; e = e->next, r++) rc = read_nums(e, cols, v + r * cols, what, err);
    return rc;
}

static qc_err read_size(const cJSON *root, const char *key, size_t max, size_t *out, qc_error *err) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, key);
    if (!cJSON_IsNumber(v) || !(v->valuedouble >= 1 && v->valuedouble <= (double)max) || v->valuedouble != floor(v->valuedouble))
        return qc_err_set(err, QC_ERR_INPUT, "hmm model: '%s' must be a whole number in 1..%zu", key, max);
    *out = (size_t)v->valuedouble;
    return QC_OK;
}

static qc_err read_header(const cJSON *root, size_t *k, size_t *d, qc_hmm_cov *cov, qc_error *err) {
    const cJSON *kind = cJSON_GetObjectItemCaseSensitive(root, "model");
    if (!cJSON_IsObject(root) || !cJSON_IsString(kind) || strcmp(kind->valuestring, "quantcli-hmm") != 0)
        return qc_err_set(err, QC_ERR_INPUT, "hmm model: not a quantcli-hmm model (\"model\": \"quantcli-hmm\" missing)");
    const cJSON *ver = cJSON_GetObjectItemCaseSensitive(root, "version");
    if (!cJSON_IsNumber(ver) || ver->valuedouble != 1)
        return qc_err_set(err, QC_ERR_INPUT, "hmm model: unsupported version (this build reads version 1)");
    qc_err rc = read_size(root, "states", QC_HMM_MAX_STATES, k, err);
    if (!rc) rc = read_size(root, "dims", QC_HMM_MAX_DIMS, d, err);
    if (rc) return rc;
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(root, "covariance");
    if (!cJSON_IsString(c) || (strcmp(c->valuestring, "diag") != 0 && strcmp(c->valuestring, "full") != 0))
        return qc_err_set(err, QC_ERR_INPUT, "hmm model: 'covariance' must be \"diag\" or \"full\"");
    *cov = strcmp(c->valuestring, "full") == 0 ? QC_HMM_FULL : QC_HMM_DIAG;
    return QC_OK;
}

static qc_err read_names(const cJSON *root, qc_hmm *m, qc_error *err) {
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(root, "features");
    if (!f) return QC_OK;
    if (!cJSON_IsArray(f) || (size_t)cJSON_GetArraySize(f) != m->d)
        return qc_err_set(err, QC_ERR_INPUT, "hmm model: 'features' must be an array of %zu names", m->d);
    size_t j = 0;
    for (const cJSON *e = f->child; e; e = e->next, j++) {
        if (!cJSON_IsString(e) || strlen(e->valuestring) >= sizeof m->names[0])
            return qc_err_set(err, QC_ERR_INPUT, "hmm model: feature name %zu must be a string under %zu characters", j,
                              sizeof m->names[0]);
        snprintf(m->names[j], sizeof m->names[j], "%s", e->valuestring);
    }
    return QC_OK;
}

static qc_err read_params(const cJSON *root, qc_hmm *m, qc_error *err) {
    size_t k = m->k, d = m->d;
    qc_err rc = read_nums(cJSON_GetObjectItemCaseSensitive(root, "start"), k, m->start, "start", err);
    if (!rc) rc = read_matrix(cJSON_GetObjectItemCaseSensitive(root, "transition"), k, k, m->trans, "transition", err);
    if (!rc) rc = read_matrix(cJSON_GetObjectItemCaseSensitive(root, "means"), k, d, m->mean, "means", err);
    const cJSON *cv = cJSON_GetObjectItemCaseSensitive(root, "covars");
    if (!rc && m->cov == QC_HMM_DIAG) rc = read_matrix(cv, k, d, m->covar, "covars", err);
    if (!rc && m->cov == QC_HMM_FULL) {
        if (!cJSON_IsArray(cv) || (size_t)cJSON_GetArraySize(cv) != k)
            return qc_err_set(err, QC_ERR_INPUT, "hmm model: 'covars' must hold %zu matrices", k);
        size_t i = 0;
        for (const cJSON *e = cv->child; e && !rc; e = e->next, i++)
            rc = read_matrix(e, d, d, m->covar + i * d * d, "covars", err);
    }
    if (!rc) rc = read_names(root, m, err);
    return rc ? rc : qc_hmm_prepare(m, err);
}

qc_err qc_hmm_from_json(const char *text, size_t len, qc_hmm **out, qc_error *err) {
    *out = NULL;
    cJSON *root = cJSON_ParseWithLength(text, len);
    if (!root) return qc_err_set(err, QC_ERR_INPUT, "hmm model: not valid JSON");
    size_t k = 0, d = 0;
    qc_hmm_cov cov = QC_HMM_DIAG;
    qc_hmm *m = NULL;
    qc_err rc = read_header(root, &k, &d, &cov, err);
    if (!rc) rc = qc_hmm_new(k, d, cov, &m, err);
    if (!rc) rc = read_params(root, m, err);
    cJSON_Delete(root);
    if (rc) {
        qc_hmm_free(m);
        return rc;
    }
    *out = m;
    return QC_OK;
}

qc_err qc_hmm_save(const qc_hmm *m, double ll, const char *path, qc_error *err) {
    char *text = NULL, tmp[4096];
    qc_err rc = qc_hmm_to_json(m, ll, &text, err);
    if (rc) return rc;
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "wb");
    if (!f) rc = qc_err_set(err, QC_ERR_INPUT, "%s: cannot write", tmp);
    if (!rc) {
        int ok = fputs(text, f) >= 0 && fputc('\n', f) != EOF;
        ok = (fclose(f) == 0) && ok;
        if (!ok || rename(tmp, path) != 0) {
            remove(tmp);
            rc = qc_err_set(err, QC_ERR_INPUT, "%s: write failed", path);
        }
    }
    free(text);
    return rc;
}

qc_err qc_hmm_load(const char *path, qc_hmm **out, qc_error *err) {
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) return qc_err_set(err, QC_ERR_INPUT, "%s: cannot open", path);
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    qc_err rc = buf ? QC_OK : qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    while (!rc) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap) break;
        if (cap >= (size_t)64 << 20) rc = qc_err_set(err, QC_ERR_INPUT, "%s: larger than 64 MB, not a model", path);
        char *nb = rc ? NULL : realloc(buf, cap *= 2);
        if (!rc && !nb) rc = qc_err_set(err, QC_ERR_NOMEM, "out of memory");
        if (nb) buf = nb;
    }
    fclose(f);
    if (!rc && (rc = qc_hmm_from_json(buf, n, out, err))) qc_err_prefix(err, "%s: ", path);
    free(buf);
    return rc;
}
