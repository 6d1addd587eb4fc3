/* stats.c: rolling statistics and returns: mean, variance, z-score, skewness, kurtosis, min, max,
 * percent rank, correlation / beta / covariance against a second series, autocorrelation, the Hurst
 * exponent, the vertical horizontal filter, and simple and log returns over any horizon.
 * Moments come from shifted power sums re-summed at intervals (ind_internal.h); min/max from
 * monotonic deques; rank scans its window (O(n) per bar); hurst keeps per-lag sums (O(maxlag)). */
#include "features/ind_internal.h"
#include "features/ln.h"
#include "features/simd.h"

static size_t lb_n1(const double *p, size_t k) { (void)k; return P(0) - 1; }
static size_t lb_n(const double *p, size_t k) { (void)k; return P(0); }
static const char *n2_check(const double *p) { return p[0] >= 2 ? NULL : "n must be >= 2"; }

/* ---- mean, var, zscore ------------------------------------------------------------------------- */
typedef struct { wblk w; double inv; } mean_st;
static qc_err mean_init(mean_st *s, const double *p, qc_error *e) {
    s->inv = 1.0 / p[0];
    return wblk_init(&s->w, P(0), 0) ? QC_OK : ind_nomem(e, "mean");
}
static void mean_free(mean_st *s) { wblk_free(&s->w); }
IND_STEP mean_step(mean_st *s, const qc_ind_cols *c, size_t i, double *o) {
    o[0] = wblk_push(&s->w, c->close[i]) ? s->w.sum * s->inv : NAN;
}
IND_GLUE_STREAM(mean)
static qc_err mean_batch(const double *p, const qc_ind_cols *c, size_t len, double *const *out, qc_error *e) {
    return wblk_ma_batch(P(0), 0, 1.0 / p[0], c->close, len, out[0], len >= WBLK_NT_MIN, "mean", e);
}

typedef struct { wmom w; } var_st;
typedef var_st zscore_st;
static qc_err var_init(var_st *s, const double *p, qc_error *e) {
    return wmom_init(&s->w, P(0), 2) ? QC_OK : ind_nomem(e, "var");
}
static qc_err zscore_init(zscore_st *s, const double *p, qc_error *e) { return var_init(s, p, e); }
static void var_free(var_st *s) { wmom_free(&s->w); }
static void zscore_free(zscore_st *s) { wmom_free(&s->w); }
IND_STEP var_step(var_st *s, const qc_ind_cols *c, size_t i, double *o) {
    o[0] = wmom_push(&s->w, c->close[i]) ? wmom_var(&s->w, 1) : NAN;
}
IND_STEP zscore_step(zscore_st *s, const qc_ind_cols *c, size_t i, double *o) {
    double x = c->close[i];
    o[0] = wmom_push(&s->w, x) ? (x - wmom_mean(&s->w)) / sqrt(wmom_var(&s->w, 1)) : NAN;
}
IND_GLUE_STREAM(var)
IND_GLUE_STREAM(zscore)
IND_MOM_BATCH(var, 1, close, mom_var(s1, s2, inv, inv1))
IND_MOM_BATCH(zscore, 1, close, (xi - mom_mean(k, s1, inv)) / sqrt(mom_var(s1, s2, inv, inv1)))

/* ---- skew(n), kurt(n): bias-adjusted sample skewness G1 and excess kurtosis G2 (pandas) --------- */
/* The per-window constants (1/n and the bias factors) are computed once; skew_of/kurt_of take the
 * sums, so the batch kernel's second pass evaluates the very same expressions over arrays. */
typedef struct { wmom w; double inv, cs, ck; } skew_st;
typedef skew_st kurt_st;
static qc_err skew_init(skew_st *s, const double *p, qc_error *e) {
    double n = p[0];
    s->inv = 1.0 / n;
    s->cs = sqrt(n * (n - 1)) / (n - 2);
    s->ck = (n - 1) / ((n - 2) * (n - 3));
    return wmom_init(&s->w, P(0), 4) ? QC_OK : ind_nomem(e, "skew");
}
static qc_err kurt_init(kurt_st *s, const double *p, qc_error *e) { return skew_init(s, p, e); }
static void skew_free(skew_st *s) { wmom_free(&s->w); }
static void kurt_free(kurt_st *s) { wmom_free(&s->w); }
/* Central moments m2, m3, m4 (population) of the window from its shifted sums. */
static inline void central(double s1, double s2, double s3, double s4, double inv, double *m2, double *m3,
                           double *m4) {
    double a = s1 * inv, e2 = s2 * inv, e3 = s3 * inv, e4 = s4 * inv;
    *m2 = e2 - a * a;
    *m3 = e3 - 3 * a * e2 + 2 * a * a * a;
    *m4 = e4 - 4 * a * e3 + 6 * a * a * e2 - 3 * a * a * a * a;
}
static inline double skew_of(double s1, double s2, double s3, double s4, const skew_st *s) {
    double m2, m3, m4;
    central(s1, s2, s3, s4, s->inv, &m2, &m3, &m4);
    return ind_nan_unless(m2 > 0, s->cs * m3 / (m2 * sqrt(m2))); /* no branch: the batch loop vectorises */
}
static inline double kurt_of(double s1, double s2, double s3, double s4, const kurt_st *s) {
    double m2, m3, m4;
    central(s1, s2, s3, s4, s->inv, &m2, &m3, &m4);
    double g2 = m4 / (m2 * m2) - 3;
    return ind_nan_unless(m2 > 0, ((s->w.n + 1.0) * g2 + 6) * s->ck);
}
IND_STEP skew_step(skew_st *s, const qc_ind_cols *c, size_t i, double *o) {
    o[0] = wmom_push(&s->w, c->close[i]) ? skew_of(s->w.s1, s->w.s2, s->w.s3, s->w.s4, s) : NAN;
}
IND_STEP kurt_step(kurt_st *s, const qc_ind_cols *c, size_t i, double *o) {
    o[0] = wmom_push(&s->w, c->close[i]) ? kurt_of(s->w.s1, s->w.s2, s->w.s3, s->w.s4, s) : NAN;
}
IND_GLUE_STREAM(skew)
IND_GLUE_STREAM(kurt)
/* Batch in two passes per chunk: the four sums after each push (serial), then skew_of / kurt_of
 * over them (no dependency between points: vectorised, AVX-512 or AVX2 where the CPU has them). */
#define MOM4_PARAMS                                                                                  \
    (const double *b1, const double *b2, const double *b3, const double *b4, const skew_st *s,       \
     double *restrict o, size_t m)
IND_SIMD(skew_pass, MOM4_PARAMS, (b1, b2, b3, b4, s, o, m), { /* skew needs no fourth-power sum */
    (void)b4;
    for (size_t j = 0; j < m; j++) o[j] = skew_of(b1[j], b2[j], b3[j], 0, s);
})
IND_SIMD(kurt_pass, MOM4_PARAMS, (b1, b2, b3, b4, s, o, m),
         { for (size_t j = 0; j < m; j++) o[j] = kurt_of(b1[j], b2[j], b3[j], b4[j], s); })
static qc_err mom4_batch(const double *p, const qc_ind_cols *c, size_t len, double *out, int kurt, qc_error *e) {
    skew_st s;
    qc_err rc = skew_init(&s, p, e);
    if (rc) return rc;
    double b1[IND_CHUNK], b2[IND_CHUNK], b3[IND_CHUNK], b4[IND_CHUNK];
    for (size_t i0 = 0; i0 < len; i0 += IND_CHUNK) {
        size_t i1 = len - i0 < IND_CHUNK ? len : i0 + IND_CHUNK, m = i1 - i0;
        wmom34_run(&s.w, c->close, i0, i1, b1, b2, b3, b4, kurt); /* skew: no fourth powers */
        if (kurt) kurt_pass(b1, b2, b3, b4, &s, out + i0, m);
        else skew_pass(b1, b2, b3, b4, &s, out + i0, m);
    }
    for (size_t i = 0; i < len && i + 1 < s.w.n; i++) out[i] = NAN;
    skew_free(&s);
    return QC_OK;
}
static qc_err skew_batch(const double *p, const qc_ind_cols *c, size_t len, double *const *out, qc_error *e) {
    return mom4_batch(p, c, len, out[0], 0, e);
}
static qc_err kurt_batch(const double *p, const qc_ind_cols *c, size_t len, double *const *out, qc_error *e) {
    return mom4_batch(p, c, len, out[0], 1, e);
}
static const char *n3_check(const double *p) { return p[0] >= 3 ? NULL : "n must be >= 3"; }
static const char *n4_check(const double *p) { return p[0] >= 4 ? NULL : "n must be >= 4"; }

/* ---- min(n), max(n) ---------------------------------------------------------------------------- */
typedef struct { wext q; size_t t, n; } max_st;
typedef max_st min_st;
static qc_err max_init(max_st *s, const double *p, qc_error *e) {
    s->t = 0, s->n = P(0);
    return wext_init(&s->q, P(0), 1) ? QC_OK : ind_nomem(e, "max");
}
static qc_err min_init(min_st *s, const double *p, qc_error *e) {
    s->t = 0, s->n = P(0);
    return wext_init(&s->q, P(0), -1) ? QC_OK : ind_nomem(e, "min");
}
static void max_free(max_st *s) { wext_free(&s->q); }
static void min_free(min_st *s) { wext_free(&s->q); }
IND_STEP max_step(max_st *s, const qc_ind_cols *c, size_t i, double *o) {
    double v = wext_push(&s->q, c->close[i]);
    o[0] = ++s->t >= s->n ? v : NAN;
}
IND_STEP min_step(min_st *s, const qc_ind_cols *c, size_t i, double *o) { max_step(s, c, i, o); }
IND_GLUE_STREAM(max)
IND_GLUE_STREAM(min)
/* Batch: block extremes (ind_internal.h rext), the same values as the deque. */
static qc_err ext_batch(const double *p, const qc_ind_cols *c, size_t len, double *out, int is_min, qc_error *e) {
    rext r;
    if (!rext_init(&r, P(0), is_min)) {
        rext_free(&r);
        return ind_nomem(e, is_min ? "min" : "max");
    }
    size_t until = 0;
    for (size_t i0 = 0; i0 < len; i0 += IND_CHUNK) {
        size_t i1 = len - i0 < IND_CHUNK ? len : i0 + IND_CHUNK;
        if (is_min) rext_min_run(&r, c->close, i0, i1, out + i0, NULL);
        else rext_max_run(&r, c->close, i0, i1, out + i0, NULL);
        ind_ext_nan(c->close, i0, i1, P(0), ind_any_nan(c->close + i0, i1 - i0), &until, out + i0, NULL);
    }
    for (size_t i = 0; i < len && i + 1 < P(0); i++) out[i] = NAN;
    rext_free(&r);
    return QC_OK;
}
static qc_err max_batch(const double *p, const qc_ind_cols *c, size_t len, double *const *out, qc_error *e) {
    return ext_batch(p, c, len, out[0], 0, e);
}
static qc_err min_batch(const double *p, const qc_ind_cols *c, size_t len, double *const *out, qc_error *e) {
    return ext_batch(p, c, len, out[0], 1, e);
}

/* ---- rank(n): (count below + 0.5 x count equal, itself included) / n (TTR runPercentRank) ------- */
typedef struct { lagbuf l; size_t t, n; } rank_st;
static qc_err rank_init(rank_st *s, const double *p, qc_error *e) {
    s->t = 0, s->n = P(0);
    return lagbuf_init(&s->l, P(0)) ? QC_OK : ind_nomem(e, "rank");
}
static void rank_free(rank_st *s) { lagbuf_free(&s->l); }
IND_STEP rank_step(rank_st *s, const qc_ind_cols *c, size_t i, double *o) {
    double x = c->close[i];
    lagbuf_push(&s->l, x);
    if (++s->t < s->n) {
        o[0] = NAN;
        return;
    }
    double below = 0, equal = 0;
    for (size_t j = 0; j < s->n; j++) {
        double v = s->l.buf[j];
        below += v < x;
        equal += v == x;
    }
    o[0] = (below + 0.5 * equal) / (double)s->n;
}
IND_GLUE(rank, 1)

/* ---- corr(n), beta(n), cov(n) of the close against the other series ----------------------------- */
typedef struct { wcov w; } corr_st;
typedef corr_st beta_st;
typedef corr_st cov_st;
static qc_err corr_init(corr_st *s, const double *p, qc_error *e) {
    return wcov_init(&s->w, P(0)) ? QC_OK : ind_nomem(e, "corr");
}
static qc_err beta_init(beta_st *s, const double *p, qc_error *e) { return corr_init(s, p, e); }
static qc_err cov_init(cov_st *s, const double *p, qc_error *e) { return corr_init(s, p, e); }
static void corr_free(corr_st *s) { wcov_free(&s->w); }
static void beta_free(beta_st *s) { wcov_free(&s->w); }
static void cov_free(cov_st *s) { wcov_free(&s->w); }
IND_STEP corr_step(corr_st *s, const qc_ind_cols *c, size_t i, double *o) {
    o[0] = wcov_push(&s->w, c->close[i], c->other[i]) ? wcov_cxy(&s->w) / sqrt(wcov_cxx(&s->w) * wcov_cyy(&s->w)) : NAN;
}
IND_STEP beta_step(beta_st *s, const qc_ind_cols *c, size_t i, double *o) {
    o[0] = wcov_push(&s->w, c->close[i], c->other[i]) ? wcov_cxy(&s->w) / wcov_cyy(&s->w) : NAN;
}
IND_STEP cov_step(cov_st *s, const qc_ind_cols *c, size_t i, double *o) {
    o[0] = wcov_push(&s->w, c->close[i], c->other[i]) ? wcov_cxy(&s->w) / (double)(s->w.n - 1) : NAN;
}
IND_GLUE_STREAM(corr)
/* The correlation wcov_cxy / sqrt(wcov_cxx wcov_cyy) over a chunk's sums (the same expressions;
 * the clamps at 0 by masks), vectorised for the widest path (simd.h). */
IND_SIMD(corr_pass,
         (double *restrict o, const double *bx, const double *by, const double *bxx, const double *byy,
          const double *bxy, double inv, size_t m),
         (o, bx, by, bxx, byy, bxy, inv, m), {
             for (size_t j = 0; j < m; j++) {
                 double cxy = bxy[j] - bx[j] * by[j] * inv, vx = bxx[j] - bx[j] * bx[j] * inv;
                 double vy = byy[j] - by[j] * by[j] * inv;
                 o[j] = cxy / sqrt(ind_pick(vx > 0, vx, 0) * ind_pick(vy > 0, vy, 0));
             }
         })
/* Batch for corr and autocorr: the correlation of the pairs (x[t], y[t]), t < len, into o[t] (NaN
 * until n pairs): per chunk the sums by wcov_run, then corr_pass. */
IND_SIMD(corr_chunks, (wcov *w, const double *x, const double *y, size_t len, double *o), (w, x, y, len, o), {
    double bx[IND_CHUNK], by[IND_CHUNK], bxx[IND_CHUNK], byy[IND_CHUNK], bxy[IND_CHUNK];
    size_t m = ind_first_chunk(o, IND_CHUNK); /* later chunks start on o's lines */
    for (size_t i0 = 0; i0 < len; i0 += m, m = IND_CHUNK) {
        size_t i1 = len - i0 < m ? len : i0 + m;
        wcov_run(w, x, y, i0, i1, bx, by, bxx, byy, bxy);
        corr_pass(o + i0, bx, by, bxx, byy, bxy, w->inv, i1 - i0);
    }
})
static void corr_cols(wcov *w, const double *x, const double *y, size_t len, double *o) {
    corr_chunks(w, x, y, len, o); /* the whole chunk loop compiled per path: wcov_run's increments vectorise */
    for (size_t i = 0; i < len && i + 1 < w->n; i++) o[i] = NAN;
}
static qc_err corr_batch(const double *p, const qc_ind_cols *c, size_t len, double *const *out, qc_error *e) {
    corr_st s;
    qc_err rc = corr_init(&s, p, e);
    if (rc) return rc;
    corr_cols(&s.w, c->close, c->other, len, out[0]);
    corr_free(&s);
    return QC_OK;
}
IND_GLUE(beta, 1)
IND_GLUE(cov, 1)

/* ---- autocorr(n, lag): correlation of (x_t, x_{t-lag}) over the last n pairs (TTR runCor(x, lag(x))) */
typedef struct { wcov w; lagbuf l; } autocorr_st;
static qc_err autocorr_init(autocorr_st *s, const double *p, qc_error *e) {
    memset(s, 0, sizeof *s);
    if (!wcov_init(&s->w, P(0)) || !lagbuf_init(&s->l, P(1))) {
        wcov_free(&s->w), lagbuf_free(&s->l);
        return ind_nomem(e, "autocorr");
    }
    return QC_OK;
}
static void autocorr_free(autocorr_st *s) { wcov_free(&s->w), lagbuf_free(&s->l); }
IND_STEP autocorr_step(autocorr_st *s, const qc_ind_cols *c, size_t i, double *o) {
    double x = c->close[i], y = lagbuf_push(&s->l, x);
    o[0] = NAN;
    if (s->l.count <= s->l.n) return; /* no lagged value yet (a NaN input is a value: it propagates) */
    if (wcov_push(&s->w, x, y)) o[0] = wcov_cxy(&s->w) / sqrt(wcov_cxx(&s->w) * wcov_cyy(&s->w));
}
IND_GLUE_STREAM(autocorr)
/* Batch: the pairs (close[t + lag], close[t]) as corr's two columns. */
static qc_err autocorr_batch(const double *p, const qc_ind_cols *c, size_t len, double *const *out, qc_error *e) {
    autocorr_st s;
    qc_err rc = autocorr_init(&s, p, e);
    if (rc) return rc;
    size_t lag = P(1);
    for (size_t i = 0; i < len && i < lag; i++) out[0][i] = NAN;
    if (len > lag) corr_cols(&s.w, c->close + lag, c->close, len - lag, out[0] + lag);
    autocorr_free(&s);
    return QC_OK;
}
static size_t lb_autocorr(const double *p, size_t k) { (void)k; return P(0) + P(1) - 1; }

/* ---- hurst(n, maxlag): slope of log SD(x_t - x_{t-l}) on log l, l = 2..maxlag, over the differences
 * inside the last n values (population SD). Per-lag sums of the differences: O(maxlag) per bar. ---- */
typedef struct {
    double *ring, *s1, *s2, *lx;
    size_t n, cap, pos, count, since, every, L;
    double lxbar, sxx;
} hurst_st;
static void hurst_free(hurst_st *s) {
    free(s->ring), free(s->s1), free(s->s2), free(s->lx);
    s->ring = s->s1 = s->s2 = s->lx = NULL;
}
static qc_err hurst_init(hurst_st *s, const double *p, qc_error *e) {
    memset(s, 0, sizeof *s);
    s->n = P(0), s->L = P(1);
    s->cap = 1;
    while (s->cap < s->n + 1) s->cap *= 2; /* the last n + 1 values; a power of two: positions by mask */
    s->every = ind_resum_every(s->n);
    s->ring = calloc(s->cap, sizeof *s->ring);
    s->s1 = calloc(s->L + 1, sizeof *s->s1);
    s->s2 = calloc(s->L + 1, sizeof *s->s2);
    s->lx = calloc(s->L + 1, sizeof *s->lx);
    if (!s->ring || !s->s1 || !s->s2 || !s->lx) {
        hurst_free(s);
        return ind_nomem(e, "hurst");
    }
    for (size_t l = 2; l <= s->L; l++) s->lx[l] = log((double)l), s->lxbar += s->lx[l];
    s->lxbar /= (double)(s->L - 1);
    for (size_t l = 2; l <= s->L; l++) s->sxx += (s->lx[l] - s->lxbar) * (s->lx[l] - s->lxbar);
    return QC_OK;
}
/* x_{t-j} for the newest t. */
static inline double hurst_back(const hurst_st *s, size_t j) {
    size_t newest = s->pos ? s->pos - 1 : s->cap - 1;
    return s->ring[(newest + s->cap - j) & (s->cap - 1)];
}
static void hurst_resum(hurst_st *s) {
    for (size_t l = 2; l <= s->L; l++) {
        double a = 0, b = 0;
        for (size_t j = 0; j + l < s->n; j++) {
            double d = hurst_back(s, j) - hurst_back(s, j + l);
            a += d, b += d * d;
        }
        s->s1[l] = a, s->s2[l] = b;
    }
    s->since = 0;
}
IND_STEP hurst_step(hurst_st *s, const qc_ind_cols *c, size_t i, double *o) {
    s->ring[s->pos] = c->close[i];
    s->pos = s->pos + 1 == s->cap ? 0 : s->pos + 1;
    size_t t = s->count++;
    for (size_t l = 2; l <= s->L && l <= t; l++) {
        double d = hurst_back(s, 0) - hurst_back(s, l);
        s->s1[l] += d, s->s2[l] += d * d;
        if (t >= s->n) { /* the pair (x_{t-n+l}, x_{t-n}) left the window */
            double q = hurst_back(s, s->n - l) - hurst_back(s, s->n);
            s->s1[l] -= q, s->s2[l] -= q * q;
        }
    }
    o[0] = NAN;
    if (t + 1 < s->n) return;
    if (t >= s->n && ++s->since == s->every) hurst_resum(s);
    double sxy = 0;
    for (size_t l = 2; l <= s->L; l++) {
        double m = (double)(s->n - l), mu = s->s1[l] / m, v = s->s2[l] / m - mu * mu;
        sxy += (s->lx[l] - s->lxbar) * 0.5 * log(v);
    }
    o[0] = sxy / s->sxx;
}
IND_GLUE(hurst, 1)
static const char *hurst_check(const double *p) {
    return p[1] < 3 ? "maxlag must be >= 3" : p[1] + 2 > p[0] ? "maxlag must be <= n - 2" : NULL;
}

/* ---- vhf(n): (max - min of n closes) / sum of n absolute changes (TTR VHF on a close) ----------- */
typedef struct { wext hi, lo; wsum ch; double pc; size_t t; } vhf_st;
static qc_err vhf_init(vhf_st *s, const double *p, qc_error *e) {
    memset(s, 0, sizeof *s);
    if (!wext_init(&s->hi, P(0), 1) || !wext_init(&s->lo, P(0), -1) || !wsum_init(&s->ch, P(0))) {
        wext_free(&s->hi), wext_free(&s->lo), wsum_free(&s->ch);
        return ind_nomem(e, "vhf");
    }
    return QC_OK;
}
static void vhf_free(vhf_st *s) { wext_free(&s->hi), wext_free(&s->lo), wsum_free(&s->ch); }
IND_STEP vhf_core(vhf_st *s, double x, double h, double l, double *o) {
    double pc = s->pc;
    s->pc = x;
    o[0] = NAN;
    if (s->t++ == 0) return;
    if (wsum_push(&s->ch, fabs(x - pc))) o[0] = (h - l) / s->ch.sum;
}
IND_STEP vhf_step(vhf_st *s, const qc_ind_cols *c, size_t i, double *o) {
    double x = c->close[i];
    double h = wext_push(&s->hi, x), l = wext_push(&s->lo, x);
    vhf_core(s, x, h, l, o);
}
IND_GLUE_STREAM(vhf)
static qc_err vhf_batch(const double *p, const qc_ind_cols *c, size_t len, double *const *out, qc_error *e) {
    vhf_st s0;
    rext2 x;
    qc_err rc = vhf_init(&s0, p, e);
    if (!rc && (rc = rext2_init(&x, P(0), len, 0, "vhf", e))) vhf_free(&s0);
    if (rc) return rc;
    vhf_st s = s0;
    double hb[IND_CHUNK], lb[IND_CHUNK], *o = out[0];
    size_t uh = 0, ul = 0;
    for (size_t i0 = 0; i0 < len; i0 += IND_CHUNK) {
        size_t i1 = len - i0 < IND_CHUNK ? len : i0 + IND_CHUNK;
        rext2_run(&x, c->close, c->close, i0, i1, hb, lb, NULL, NULL);
        int nan = ind_any_nan(c->close + i0, i1 - i0);
        ind_ext_nan(c->close, i0, i1, P(0), nan, &uh, hb, NULL);
        ind_ext_nan(c->close, i0, i1, P(0), nan, &ul, lb, NULL);
        for (size_t i = i0; i < i1; i++) vhf_core(&s, c->close[i], hb[i - i0], lb[i - i0], o + i);
    }
    s0 = s;
    vhf_free(&s0), rext2_free(&x);
    return QC_OK;
}

/* ---- ret(h) = x / x[t-h] - 1, logret(h) = log(x / x[t-h]) --------------------------------------- */
typedef struct { lagbuf l; } ret_st;
typedef ret_st logret_st;
static qc_err ret_init(ret_st *s, const double *p, qc_error *e) {
    return lagbuf_init(&s->l, P(0)) ? QC_OK : ind_nomem(e, "ret");
}
static qc_err logret_init(logret_st *s, const double *p, qc_error *e) { return ret_init(s, p, e); }
static void ret_free(ret_st *s) { lagbuf_free(&s->l); }
static void logret_free(logret_st *s) { lagbuf_free(&s->l); }
IND_STEP ret_step(ret_st *s, const qc_ind_cols *c, size_t i, double *o) {
    double x = c->close[i];
    o[0] = x / lagbuf_push(&s->l, x) - 1;
}
IND_STEP logret_step(logret_st *s, const qc_ind_cols *c, size_t i, double *o) {
    double x = c->close[i];
    o[0] = qc_ln_div(x, lagbuf_push(&s->l, x));
}
IND_GLUE(ret, 1)
IND_GLUE_STREAM(logret)
/* The stream's logs of ratios (qc_ln_div) in one vectorised loop per chunk. */
static qc_err logret_batch(const double *p, const qc_ind_cols *c, size_t len, double *const *out, qc_error *e) {
    (void)e;
    size_t h = P(0);
    const double *x = c->close;
    double *o = out[0];
    for (size_t i = 0; i < len && i < h; i++) o[i] = NAN;
    for (size_t i0 = h; i0 < len; i0 += IND_CHUNK) {
        size_t m = len - i0 < IND_CHUNK ? len - i0 : IND_CHUNK;
        qc_ln_div_array(x + i0, x + i0 - h, o + i0, m);
    }
    return QC_OK;
}

#define NPAR(def, lo, hi) {"n", def, lo, hi, 1}
#define C QC_IND_IN_CLOSE
#define CO (QC_IND_IN_CLOSE | QC_IND_IN_OTHER)
const qc_ind_def qc_ind_stats_defs[] = {
    {"mean", "statistics", "rolling mean (the same kernel as sma)", C, 1, {NPAR(20, 1, 1e6)}, 1, {"mean"}, 0, lb_n1,
     NULL, IND_FNS(mean)},
    {"var", "statistics", "rolling sample variance", C, 1, {NPAR(20, 2, 1e6)}, 1, {"var"}, 0, lb_n1, n2_check,
     IND_FNS(var)},
    {"zscore", "statistics", "(x - rolling mean) / rolling sample SD", C, 1, {NPAR(20, 2, 1e6)}, 1, {"zscore"}, 0,
     lb_n1, n2_check, IND_FNS(zscore)},
    {"skew", "statistics", "rolling skewness, bias-adjusted (G1, as pandas)", C, 1, {NPAR(20, 3, 1e6)}, 1, {"skew"}, 0,
     lb_n1, n3_check, IND_FNS(skew)},
    {"kurt", "statistics", "rolling excess kurtosis, bias-adjusted (G2, as pandas)", C, 1, {NPAR(20, 4, 1e6)}, 1,
     {"kurt"}, 0, lb_n1, n4_check, IND_FNS(kurt)},
    {"min", "statistics", "rolling minimum", C, 1, {NPAR(20, 1, 1e6)}, 1, {"min"}, 0, lb_n1, NULL, IND_FNS(min)},
    {"max", "statistics", "rolling maximum", C, 1, {NPAR(20, 1, 1e6)}, 1, {"max"}, 0, lb_n1, NULL, IND_FNS(max)},
    {"rank", "statistics", "percent rank of x in its window: (below + 0.5 equal) / n (scans the window)", C, 1,
     {NPAR(20, 1, 1e6)}, 1, {"rank"}, 1, lb_n1, NULL, IND_FNS(rank)},
    {"corr", "statistics", "rolling Pearson correlation with the other series", CO, 1, {NPAR(20, 2, 1e6)}, 1, {"corr"},
     0, lb_n1, n2_check, IND_FNS(corr)},
    {"beta", "statistics", "rolling beta on the other series: cov(x, y) / var(y)", CO, 1, {NPAR(20, 2, 1e6)}, 1,
     {"beta"}, 0, lb_n1, n2_check, IND_FNS(beta)},
    {"cov", "statistics", "rolling sample covariance with the other series", CO, 1, {NPAR(20, 2, 1e6)}, 1, {"cov"}, 0,
     lb_n1, n2_check, IND_FNS(cov)},
    {"autocorr", "statistics", "rolling autocorrelation: correlation of (x_t, x_t-lag) over n pairs", C, 2,
     {NPAR(20, 2, 1e6), {"lag", 1, 1, 1e6, 1}}, 1, {"autocorr"}, 0, lb_autocorr, n2_check, IND_FNS(autocorr)},
    {"hurst", "statistics", "Hurst exponent: slope of log SD of l-differences on log l, l = 2..maxlag (O(maxlag))", C,
     2, {NPAR(100, 5, 1e6), {"maxlag", 20, 3, 1e6, 1}}, 1, {"hurst"}, 1, lb_n1, hurst_check, IND_FNS(hurst)},
    {"vhf", "statistics", "vertical horizontal filter: (max - min) / sum |change| over n", C, 1, {NPAR(28, 1, 1e6)}, 1,
     {"vhf"}, 0, lb_n, NULL, IND_FNS(vhf)},
    {"ret", "returns", "simple return over h bars: x / x[t-h] - 1", C, 1, {{"h", 1, 1, 1e6, 1}}, 1, {"ret"}, 0, lb_n,
     NULL, IND_FNS(ret)},
    {"logret", "returns", "log return over h bars: log(x / x[t-h])", C, 1, {{"h", 1, 1, 1e6, 1}}, 1, {"logret"}, 0,
     lb_n, NULL, IND_FNS(logret)},
};
const size_t qc_ind_stats_n = sizeof qc_ind_stats_defs / sizeof qc_ind_stats_defs[0];
