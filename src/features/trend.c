/* trend.c: trend indicators: moving averages (SMA, EMA, WMA, DEMA, TEMA, KAMA, HMA, ZLEMA, VWMA),
 * the normalised MA, linear regression, Aroon, Parabolic SAR and Ichimoku. One step function per
 * indicator serves the stream and the batch kernel (ind_internal.h). TTR conventions: EMA seeded
 * with the mean of its first n inputs; formulas and differences in docs/FEATURES.md. */
#include "features/ind_internal.h"
#include "features/simd.h"

static size_t lb_n1(const double *p, size_t k) { (void)k; return P(0) - 1; }

/* ---- sma(n) ------------------------------------------------------------------------------------- */
typedef struct { wblk w; double inv; } sma_st;
static qc_err sma_init(sma_st *s, const double *p, qc_error *e) {
    s->inv = 1.0 / p[0];
    return wblk_init(&s->w, P(0), 0) ? QC_OK : ind_nomem(e, "sma");
}
static void sma_free(sma_st *s) { wblk_free(&s->w); }
IND_STEP sma_step(sma_st *s, const qc_ind_cols *c, size_t i, double *o) {
    o[0] = wblk_push(&s->w, c->close[i]) ? s->w.sum * s->inv : NAN;
}
IND_GLUE_STREAM(sma)
static qc_err sma_batch(const double *p, const qc_ind_cols *c, size_t len, double *const *out, qc_error *e) {
    return wblk_ma_batch(P(0), 0, 1.0 / p[0], c->close, len, out[0], len >= WBLK_NT_MIN, "sma", e);
}

/* ---- ema(n) ------------------------------------------------------------------------------------- */
typedef struct { ema_core e; } ema_st;
static qc_err ema_init(ema_st *s, const double *p, qc_error *e) {
    (void)e;
    ema_core_init(&s->e, P(0), 2.0 / (p[0] + 1));
    return QC_OK;
}
static void ema_free(ema_st *s) { (void)s; }
IND_STEP ema_step(ema_st *s, const qc_ind_cols *c, size_t i, double *o) {
    o[0] = ema_core_push(&s->e, c->close[i]);
}
IND_GLUE_STREAM(ema)
/* Batch: the seed through ema_core_push, then the recursion alone (the same expression). */
static qc_err ema_batch(const double *p, const qc_ind_cols *c, size_t len, double *const *out, qc_error *e) {
    ema_st s;
    qc_err rc = ema_init(&s, p, e);
    if (rc) return rc;
    const double *x = c->close;
    double *o = out[0];
    size_t i = 0;
    for (; i < len && s.e.count < s.e.n; i++) o[i] = ema_core_push(&s.e, x[i]);
    double v = s.e.v, k = s.e.k, k1 = s.e.k1;
    for (; i < len; i++) {
        v = x[i] * k + v * k1;
        o[i] = v;
    }
    return QC_OK;
}

/* ---- wma(n): weights 1..n, newest heaviest ------------------------------------------------------ */
typedef struct { wblk w; double inv; } wma_st; /* inv = 1 / (n (n + 1) / 2), the weights' total */
static qc_err wma_init(wma_st *s, const double *p, qc_error *e) {
    s->inv = 1.0 / (p[0] * (p[0] + 1) / 2);
    return wblk_init(&s->w, P(0), 1) ? QC_OK : ind_nomem(e, "wma");
}
static void wma_free(wma_st *s) { wblk_free(&s->w); }
IND_STEP wma_step(wma_st *s, const qc_ind_cols *c, size_t i, double *o) {
    o[0] = wblk_push(&s->w, c->close[i]) ? s->w.sum * s->inv : NAN;
}
IND_GLUE_STREAM(wma)
static qc_err wma_batch(const double *p, const qc_ind_cols *c, size_t len, double *const *out, qc_error *e) {
    return wblk_ma_batch(P(0), 1, 1.0 / (p[0] * (p[0] + 1) / 2), c->close, len, out[0], len >= WBLK_NT_MIN, "wma", e);
}

/* ---- dema(n) = 2 EMA - EMA(EMA); tema(n) = 3 EMA - 3 EMA2 + EMA3 --------------------------------- */
typedef struct { ema_core e1, e2, e3; } dema_st;
typedef dema_st tema_st;
static qc_err dema_init(dema_st *s, const double *p, qc_error *e) {
    (void)e;
    double k = 2.0 / (p[0] + 1);
    ema_core_init(&s->e1, P(0), k);
    ema_core_init(&s->e2, P(0), k);
    ema_core_init(&s->e3, P(0), k);
    return QC_OK;
}
static qc_err tema_init(tema_st *s, const double *p, qc_error *e) { return dema_init(s, p, e); }
static void dema_free(dema_st *s) { (void)s; }
static void tema_free(tema_st *s) { (void)s; }
IND_STEP dema_step(dema_st *s, const qc_ind_cols *c, size_t i, double *o) {
    double a = ema_core_push(&s->e1, c->close[i]);
    double b = ema_core_push_valid(&s->e2, a);
    o[0] = 2 * a - b;
}
IND_STEP tema_step(tema_st *s, const qc_ind_cols *c, size_t i, double *o) {
    double a = ema_core_push(&s->e1, c->close[i]);
    double b = ema_core_push_valid(&s->e2, a);
    double d = ema_core_push_valid(&s->e3, b);
    o[0] = 3 * a - 3 * b + d;
}
IND_GLUE(dema, 1)
IND_GLUE(tema, 1)
static size_t lb_dema(const double *p, size_t k) { (void)k; return 2 * (P(0) - 1); }
static size_t lb_tema(const double *p, size_t k) { (void)k; return 3 * (P(0) - 1); }

/* ---- kama(n, fast, slow): Kaufman's adaptive MA --------------------------------------------------- */
typedef struct {
    lagbuf lag;
    wsum vol; /* sum of |x_t - x_{t-1}| over n */
    double prev, kama, fast, slow;
    size_t t, n;
} kama_st;
static qc_err kama_init(kama_st *s, const double *p, qc_error *e) {
    memset(s, 0, sizeof *s);
    s->n = P(0);
    s->fast = 2.0 / (p[1] + 1);
    s->slow = 2.0 / (p[2] + 1);
    if (!lagbuf_init(&s->lag, s->n) || !wsum_init(&s->vol, s->n)) {
        lagbuf_free(&s->lag);
        wsum_free(&s->vol);
        return ind_nomem(e, "kama");
    }
    return QC_OK;
}
static void kama_free(kama_st *s) { lagbuf_free(&s->lag); wsum_free(&s->vol); }
IND_STEP kama_step(kama_st *s, const qc_ind_cols *c, size_t i, double *o) {
    double x = c->close[i];
    double back = lagbuf_push(&s->lag, x);
    int full = s->t > 0 && wsum_push(&s->vol, fabs(x - s->prev));
    s->prev = x;
    o[0] = NAN;
    if (s->t++ < s->n) {
        if (s->t == s->n) s->kama = x; /* seed: the n-th value; first output at index n */
        return;
    }
    (void)full;
    double er = s->vol.sum > 0 ? fabs(x - back) / s->vol.sum : 0;
    double sc = er * (s->fast - s->slow) + s->slow;
    s->kama += sc * sc * (x - s->kama);
    o[0] = s->kama;
}
IND_GLUE(kama, 1)
static size_t lb_kama(const double *p, size_t k) { (void)k; return P(0); }
static const char *kama_check(const double *p) { return p[1] < p[2] ? NULL : "fast must be < slow"; }

/* ---- hma(n) = WMA(2 WMA(x, n/2) - WMA(x, n), floor(sqrt n)) --------------------------------------- */
typedef struct { wlin half, full, out; } hma_st;
static size_t hma_m(double n) { return (size_t)floor(sqrt(n)); }
static qc_err hma_init(hma_st *s, const double *p, qc_error *e) {
    memset(s, 0, sizeof *s);
    if (!wlin_init(&s->half, P(0) / 2) || !wlin_init(&s->full, P(0)) || !wlin_init(&s->out, hma_m(p[0]))) {
        wlin_free(&s->half), wlin_free(&s->full), wlin_free(&s->out);
        return ind_nomem(e, "hma");
    }
    return QC_OK;
}
static void hma_free(hma_st *s) { wlin_free(&s->half), wlin_free(&s->full), wlin_free(&s->out); }
IND_STEP hma_step(hma_st *s, const qc_ind_cols *c, size_t i, double *o) {
    double x = c->close[i];
    int h = wlin_push(&s->half, x);
    o[0] = NAN;
    if (!wlin_push(&s->full, x)) return;
    (void)h;
    double d = 2 * wlin_wma(&s->half) - wlin_wma(&s->full);
    if (wlin_push(&s->out, d)) o[0] = wlin_wma(&s->out);
}
IND_GLUE_STREAM(hma)
/* A full wlin's registers for hma_fused: wlin_run's steady step and its re-summation. */
typedef struct { double k, s, w, dn, inv; size_t n, since, every; } hma_reg;
static inline hma_reg hma_reg_of(const wlin *w) {
    return (hma_reg){w->k, w->s, w->w, (double)w->n, w->inv, w->n, w->since, w->every};
}
static inline void hma_reg_back(const hma_reg *r, wlin *w) { w->k = r->k, w->s = r->s, w->w = r->w, w->since = r->since; }
static inline __attribute__((always_inline)) double hma_reg_step(hma_reg *r, double x, double old) {
    double d = x - r->k;
    r->w += r->dn * d - r->s;
    r->s += d - (old - r->k);
    return r->k + r->w * r->inv;
}
/* The push of x (the newest of the n values win[0 .. n - 1]) by wlin_push: a plain step, or the
 * re-summation (re-centred on x) on the push that completes `every`. */
static inline __attribute__((always_inline)) double hma_reg_push(hma_reg *r, double x, const double *win) {
    if (++r->since < r->every) return hma_reg_step(r, x, win[-1]);
    double s = 0, ww = 0;
    for (size_t j = 0; j < r->n; j++) {
        double d = win[j] - x;
        s += d;
        ww += (double)(j + 1) * d;
    }
    r->k = x, r->s = s, r->w = ww, r->since = 0;
    return r->k + r->w * r->inv;
}
/* Rows [i0, i0 + m) once all three WMAs are full: their three chains in one loop (three wlin_run
 * passes each waited on one add chain), the same operations in the same order as hma_step. d points
 * at the chunk's differences with floor(sqrt n) of history before, o at the chunk's outputs. */
static void hma_fused(hma_st *st, const double *x, size_t i0, size_t m, double *d, double *o) {
    hma_reg h = hma_reg_of(&st->half), f = hma_reg_of(&st->full), g = hma_reg_of(&st->out);
    const size_t nh = h.n, nf = f.n, ng = g.n;
    size_t j = 0;
    while (j < m) {
        size_t ph = h.every - h.since - 1, pf = f.every - f.since - 1, pg = g.every - g.since - 1;
        size_t plain = ph < pf ? ph : pf;
        plain = plain < pg ? plain : pg;
        size_t end = m - j < plain ? m : j + plain;
        h.since += end - j, f.since += end - j, g.since += end - j;
#ifdef __SSE2__
        /* the two WMAs of the close as the lanes of one vector [half, full]: hma_reg_step's
         * operations lane by lane (the same values), half the instructions */
        __m128d K = _mm_set_pd(f.k, h.k), S = _mm_set_pd(f.s, h.s), W = _mm_set_pd(f.w, h.w);
        const __m128d DN = _mm_set_pd(f.dn, h.dn), INV = _mm_set_pd(f.inv, h.inv);
        for (; j < end; j++) {
            size_t i = i0 + j;
            __m128d d0 = _mm_sub_pd(_mm_set1_pd(x[i]), K);
            __m128d old = _mm_loadh_pd(_mm_load_sd(x + i - nh), x + i - nf);
            W = _mm_add_pd(W, _mm_sub_pd(_mm_mul_pd(DN, d0), S));
            S = _mm_add_pd(S, _mm_sub_pd(d0, _mm_sub_pd(old, K)));
            __m128d wv = _mm_add_pd(K, _mm_mul_pd(W, INV));
            double dv = 2 * _mm_cvtsd_f64(wv) - _mm_cvtsd_f64(_mm_unpackhi_pd(wv, wv));
            d[j] = dv;
            o[j] = hma_reg_step(&g, dv, d[j - ng]);
        }
        h.s = _mm_cvtsd_f64(S), f.s = _mm_cvtsd_f64(_mm_unpackhi_pd(S, S));
        h.w = _mm_cvtsd_f64(W), f.w = _mm_cvtsd_f64(_mm_unpackhi_pd(W, W));
#else
        for (; j < end; j++) {
            size_t i = i0 + j;
            double wh = hma_reg_step(&h, x[i], x[i - nh]), wf = hma_reg_step(&f, x[i], x[i - nf]);
            double dv = 2 * wh - wf;
            d[j] = dv;
            o[j] = hma_reg_step(&g, dv, d[j - ng]);
        }
#endif
        if (j == m) break;
        size_t i = i0 + j;
        double wh = hma_reg_push(&h, x[i], x + i + 1 - nh), wf = hma_reg_push(&f, x[i], x + i + 1 - nf);
        d[j] = 2 * wh - wf;
        o[j] = hma_reg_push(&g, d[j], d + j + 1 - ng);
        j++;
    }
    hma_reg_back(&h, &st->half), hma_reg_back(&f, &st->full), hma_reg_back(&g, &st->out);
}
/* Batch per chunk: while a window fills, the two WMAs of the close by wlin_run, their difference
 * into a buffer that keeps the last floor(sqrt n) values before the chunk, and its WMA by wlin_run;
 * once all three are full, hma_fused. Warm-up NaNs last. */
static qc_err hma_batch(const double *p, const qc_ind_cols *c, size_t len, double *const *out, qc_error *e) {
    hma_st s;
    qc_err rc = hma_init(&s, p, e);
    if (rc) return rc;
    size_t n = s.full.n, m2 = s.out.n, rd = n - 1; /* the first row with a difference */
    double *buf = calloc(m2 + IND_CHUNK, sizeof *buf), wh[IND_CHUNK], wf[IND_CHUNK], *o = out[0];
    if (!buf) {
        hma_free(&s);
        return ind_nomem(e, "hma");
    }
    for (size_t i0 = 0; i0 < len; i0 += IND_CHUNK) {
        size_t i1 = len - i0 < IND_CHUNK ? len : i0 + IND_CHUNK, m = i1 - i0;
        double *d = buf + m2;
        if (s.half.count == s.half.n && s.full.count == n && s.out.count == m2) {
            hma_fused(&s, c->close, i0, m, d, o + i0);
        } else {
            wlin_run(&s.half, c->close, i0, i1, wh);
            wlin_run(&s.full, c->close, i0, i1, wf);
            size_t jd = rd > i0 ? (rd - i0 < m ? rd - i0 : m) : 0;
            for (size_t j = jd; j < m; j++) d[j] = 2 * wh[j] - wf[j]; /* hma_step's expression */
            wlin_run(&s.out, buf, m2 + jd, m2 + m, o + i0 + jd);
        }
        memmove(buf, d + m - m2, m2 * sizeof *buf);
    }
    for (size_t i = 0; i < len && i < rd + m2 - 1; i++) o[i] = NAN;
    free(buf);
    hma_free(&s);
    return QC_OK;
}
static size_t lb_hma(const double *p, size_t k) { (void)k; return P(0) - 1 + hma_m(p[0]) - 1; }

/* ---- zlema(n): EMA of 2 x_t - x_{t - lag}, lag = (n + 1) / 2 interpolated (TTR) ------------------- */
typedef struct {
    double *ring;
    size_t cap, t, n, ilag;
    double k, w1, wt, sum, v, lag;
} zlema_st;
static qc_err zlema_init(zlema_st *s, const double *p, qc_error *e) {
    memset(s, 0, sizeof *s);
    s->n = P(0);
    s->k = 2.0 / (p[0] + 1);
    double lag = 1.0 / s->k;
    s->wt = fmod(lag, 1.0);
    s->w1 = 1.0 - s->wt;
    s->lag = lag; /* 1 / k, once (the same value the per-bar expression gave) */
    s->ilag = (size_t)ceil(lag); /* x[t - ilag] and x[t - ilag + 1] (or x[t - lag] when integral) */
    s->cap = 1;
    while (s->cap < s->ilag + 2) s->cap *= 2; /* a power of two: ring positions by mask, not modulo */
    s->ring = calloc(s->cap, sizeof *s->ring);
    return s->ring ? QC_OK : ind_nomem(e, "zlema");
}
static void zlema_free(zlema_st *s) { free(s->ring); s->ring = NULL; }
IND_STEP zlema_step(zlema_st *s, const qc_ind_cols *c, size_t i, double *o) {
    double x = c->close[i];
    size_t t = s->t++;
    size_t mask = s->cap - 1;
    s->ring[t & mask] = x;
    if (t < s->n) {
        s->sum += x;
        o[0] = t + 1 == s->n ? (s->v = s->sum / (double)s->n) : NAN;
        return;
    }
    /* TTR: loc = (int)(t - lag); value = 2 x - (w1 x[loc] + wt x[loc + 1]) */
    size_t loc = (size_t)((double)t - s->lag);
    double v = 2 * x - (s->w1 * s->ring[loc & mask] + s->wt * s->ring[(loc + 1) & mask]);
    s->v = s->k * v + (1 - s->k) * s->v;
    o[0] = s->v;
}
IND_GLUE(zlema, 1)

/* ---- vwma(n) = sum(close * volume) / sum(volume); vwap(n) the same on the typical price ---------- */
typedef struct { wsum pv, v; int typical; } vwma_st;
typedef vwma_st vwap_st;
static qc_err vwma_init(vwma_st *s, const double *p, qc_error *e) {
    memset(s, 0, sizeof *s);
    if (!wsum_init(&s->pv, P(0)) || !wsum_init(&s->v, P(0))) {
        wsum_free(&s->pv), wsum_free(&s->v);
        return ind_nomem(e, "vwma");
    }
    return QC_OK;
}
static qc_err vwap_init(vwap_st *s, const double *p, qc_error *e) {
    qc_err rc = vwma_init(s, p, e);
    s->typical = 1;
    return rc;
}
static void vwma_free(vwma_st *s) { wsum_free(&s->pv), wsum_free(&s->v); }
static void vwap_free(vwap_st *s) { vwma_free(s); }
IND_STEP vwma_step(vwma_st *s, const qc_ind_cols *c, size_t i, double *o) {
    double px = c->close[i], v = c->volume[i];
    wsum_push(&s->pv, px * v);
    o[0] = wsum_push(&s->v, v) ? s->pv.sum / s->v.sum : NAN;
}
IND_STEP vwap_step(vwap_st *s, const qc_ind_cols *c, size_t i, double *o) {
    double px = (c->high[i] + c->low[i] + c->close[i]) / 3, v = c->volume[i];
    wsum_push(&s->pv, px * v);
    o[0] = wsum_push(&s->v, v) ? s->pv.sum / s->v.sum : NAN;
}
IND_GLUE(vwma, 1)
IND_GLUE(vwap, 1)

/* ---- nma(n) = close / SMA(n) - 1 ---------------------------------------------------------------- */
/* A running sum re-summed at intervals (wsum): its one loop, the division included, measured faster
 * here than the sma's block sums followed by a pass for the ratio (2.7 vs 1.9 ns/point on 10M). */
typedef struct { wsum w; double inv; } nma_st;
static qc_err nma_init(nma_st *s, const double *p, qc_error *e) {
    s->inv = 1.0 / p[0];
    return wsum_init(&s->w, P(0)) ? QC_OK : ind_nomem(e, "nma");
}
static void nma_free(nma_st *s) { wsum_free(&s->w); }
IND_STEP nma_step(nma_st *s, const qc_ind_cols *c, size_t i, double *o) {
    double x = c->close[i];
    o[0] = wsum_push(&s->w, x) ? x / (s->w.sum * s->inv) - 1 : NAN;
}
IND_GLUE(nma, 1)

/* ---- linreg(n): least squares of the last n closes on t = 0 (oldest) .. n-1 (newest) -------------- */
typedef struct { wlin w; double n, sxx; } linreg_st;
static qc_err linreg_init(linreg_st *s, const double *p, qc_error *e) {
    s->n = p[0];
    s->sxx = s->n * (s->n * s->n - 1) / 12; /* sum (t - tbar)^2 */
    return wlin_init(&s->w, P(0)) ? QC_OK : ind_nomem(e, "linreg");
}
static void linreg_free(linreg_st *s) { wlin_free(&s->w); }
IND_STEP linreg_step(linreg_st *s, const qc_ind_cols *c, size_t i, double *o) {
    if (!wlin_push(&s->w, c->close[i])) {
        o[0] = o[1] = o[2] = NAN;
        return;
    }
    /* with weights j = t + 1: sum (t - tbar) d = W - S (n + 1) / 2 */
    double n = s->n, mean = s->w.s / n;
    double slope = (s->w.w - s->w.s * (n + 1) / 2) / s->sxx;
    double icpt = s->w.k + mean - slope * (n - 1) / 2;
    o[0] = slope;
    o[1] = icpt;
    o[2] = icpt + slope * (n - 1);
}
IND_GLUE(linreg, 3)
static const char *linreg_check(const double *p) { return p[0] >= 2 ? NULL : "n must be >= 2"; }

/* ---- aroon(n): 100 (n - bars since the highest high / lowest low of the last n + 1 bars) / n ----- */
typedef struct { wext hi, lo; double n; size_t t, n1; } aroon_st;
static qc_err aroon_init(aroon_st *s, const double *p, qc_error *e) {
    memset(s, 0, sizeof *s);
    s->n = p[0];
    s->n1 = P(0) - 1;
    if (!wext_init(&s->hi, P(0) + 1, 1) || !wext_init(&s->lo, P(0) + 1, -1)) {
        wext_free(&s->hi), wext_free(&s->lo);
        return ind_nomem(e, "aroon");
    }
    return QC_OK;
}
static void aroon_free(aroon_st *s) { wext_free(&s->hi), wext_free(&s->lo); }
static inline void aroon_of(double n, double age_hi, double age_lo, double *up, double *dn, double *osc) {
    double u = 100.0 * (n - age_hi) / n, d = 100.0 * (n - age_lo) / n;
    *up = u, *dn = d, *osc = u - d;
}
IND_STEP aroon_step(aroon_st *s, const qc_ind_cols *c, size_t i, double *o) {
    wext_push(&s->hi, c->high[i]);
    wext_push(&s->lo, c->low[i]);
    if (s->t++ < s->n1) {
        o[0] = o[1] = o[2] = NAN;
        return;
    }
    aroon_of(s->n, wext_age(&s->hi), wext_age(&s->lo), o, o + 1, o + 2);
}
IND_GLUE_STREAM(aroon)
/* Per chunk: the extremes' ages by rext2, then the stream's aroon_of over them (vectorised: the
 * chunk loop is compiled for SSE2, AVX2 and AVX-512, simd.h). */
IND_SIMD(aroon_chunks, (rext2 *x, double n, const qc_ind_cols *c, size_t len, double *const *out),
         (x, n, c, len, out), {
             double xb[IND_CHUNK], yb[IND_CHUNK], *up = out[0], *dn = out[1], *osc = out[2];
             size_t uh = 0, ul = 0; /* ind_ext_nan: NaN ages where a window holds a NaN */
             for (size_t i0 = 0; i0 < len; i0 += IND_CHUNK) {
                 size_t i1 = len - i0 < IND_CHUNK ? len : i0 + IND_CHUNK;
                 rext2_run(x, c->high, c->low, i0, i1, xb, yb, up + i0, dn + i0);
                 ind_ext_nan(c->high, i0, i1, x->n, ind_any_nan(c->high + i0, i1 - i0), &uh, xb, up + i0);
                 ind_ext_nan(c->low, i0, i1, x->n, ind_any_nan(c->low + i0, i1 - i0), &ul, yb, dn + i0);
                 for (size_t i = i0; i < i1; i++) aroon_of(n, up[i], dn[i], up + i, dn + i, osc + i);
             }
         })
/* One window N <= SEXT_MAX from a sext with indices: the age of the window's extreme (bars since it)
 * at every position of the chunk, into ages[0..m). */
static inline __attribute__((always_inline)) void aroon_ages(const sext *x, size_t N, size_t m, double *restrict ages) {
    size_t back, q = 0;
    const double *v = sext_pick(x, N, &back);
    while (((size_t)1 << (q + 1)) <= N) q++;
    const double *restrict vb = v - back, *restrict vn = v, *restrict ib = x->irow[q] - back, *restrict in = x->irow[q];
    const double *restrict J = x->irow[0];
    if (x->is_min)
        for (size_t j = 0; j < m; j++) ages[j] = J[j] - ind_pick(vb[j] < vn[j], ib[j], in[j]);
    else
        for (size_t j = 0; j < m; j++) ages[j] = J[j] - ind_pick(vb[j] > vn[j], ib[j], in[j]);
}
/* Windows of N = n + 1 <= SEXT_MAX on the AVX2 and AVX-512 paths: one chunk by the doubling levels
 * with indices (vectorised, no serial chain): the ages of high's max and low's min, the NaN rule,
 * then aroon_of. The next chunk's output lines are fetched first (the outputs are written in one
 * burst at the end). With chunks of SEXT_CHUNK = 64, 2M points: 4.6 ns/point on AVX-512 and 5.7 on
 * AVX2, where rext2 takes 7.5-8.3; the SSE2 path keeps rext2 (its index selects do not vectorise
 * there). */
IND_SIMD(aroon_chunk_lv, (sext *hi, sext *lo, size_t N, double n, const qc_ind_cols *c, size_t i0, size_t m,
                          size_t *u, double *const *out),
         (hi, lo, N, n, c, i0, m, u, out), {
             _Alignas(64) double ah[SEXT_CHUNK], al[SEXT_CHUNK];
             for (size_t j = 0; j < m; j += 8) /* the next chunk's output lines, fetched while this one computes */
                 for (int k = 0; k < 3; k++) __builtin_prefetch(out[k] + i0 + m + j, 1, 3);
             sext_load_idx(hi, c->high + i0, m, i0 == 0);
             sext_load_idx(lo, c->low + i0, m, i0 == 0);
             aroon_ages(hi, N, m, ah);
             aroon_ages(lo, N, m, al);
             sext_next(hi, m), sext_next(lo, m);
             ind_ext_nan(c->high, i0, i0 + m, N, ind_any_nan(c->high + i0, m), &u[0], ah, NULL);
             ind_ext_nan(c->low, i0, i0 + m, N, ind_any_nan(c->low + i0, m), &u[1], al, NULL);
             double *restrict up = out[0] + i0, *restrict dn = out[1] + i0, *restrict osc = out[2] + i0;
             for (size_t j = 0; j < m; j++) aroon_of(n, ah[j], al[j], up + j, dn + j, osc + j);
         })
static qc_err aroon_batch_short(size_t N, double n, const qc_ind_cols *c, size_t len, double *const *out, qc_error *e) {
    sext hi, lo;
    int ok = sext_init_idx(&hi, N, 0);
    ok = ok && sext_init_idx(&lo, N, 1);
    if (!ok) {
        sext_free(&hi);
        return ind_nomem(e, "aroon");
    }
    size_t u[2] = {0}, m = ind_first_chunk(out[0], SEXT_CHUNK);
    for (size_t i0 = 0; i0 < len; i0 += m, m = SEXT_CHUNK) {
        m = len - i0 < m ? len - i0 : m;
        aroon_chunk_lv(&hi, &lo, N, n, c, i0, m, u, out);
    }
    sext_free(&hi), sext_free(&lo);
    return QC_OK;
}
static qc_err aroon_batch(const double *p, const qc_ind_cols *c, size_t len, double *const *out, qc_error *e) {
    if (P(0) + 1 <= SEXT_MAX && qc_feat_simd_path() != QC_SIMD_BASE) {
        qc_err rc = aroon_batch_short(P(0) + 1, p[0], c, len, out, e);
        for (size_t i = 0; !rc && i < len && i + 1 < P(0); i++) out[0][i] = out[1][i] = out[2][i] = NAN;
        return rc;
    }
    rext2 x;
    qc_err rc = rext2_init(&x, P(0) + 1, len, 1, "aroon", e);
    if (rc) return rc;
    aroon_chunks(&x, p[0], c, len, out);
    for (size_t i = 0; i < len && i + 1 < P(0); i++) out[0][i] = out[1][i] = out[2][i] = NAN;
    rext2_free(&x);
    return QC_OK;
}

/* ---- sar(accel, max): Wilder's parabolic stop and reverse, TTR's recursion; the first bar starts
 * long at low - (high - low) (TTR subtracts the whole sample's sd of high - low: look-ahead) ------- */
typedef struct {
    double af0, afmax, sar, xpt, af, phi, plo;
    int sig;
    size_t t;
} sar_st;
static qc_err sar_init(sar_st *s, const double *p, qc_error *e) {
    (void)e;
    memset(s, 0, sizeof *s);
    s->af0 = p[0];
    s->afmax = p[1];
    return QC_OK;
}
static void sar_free(sar_st *s) { (void)s; }
/* dmin / dmax as one instruction (minsd(a, b) is a < b ? a : b, NaN included), never a branch. */
static inline double ind_min1(double a, double b) {
#ifdef __SSE2__
    return _mm_cvtsd_f64(_mm_min_sd(_mm_set_sd(a), _mm_set_sd(b)));
#else
    return dmin(a, b);
#endif
}
static inline double ind_max1(double a, double b) {
#ifdef __SSE2__
    return _mm_cvtsd_f64(_mm_max_sd(_mm_set_sd(a), _mm_set_sd(b)));
#else
    return dmax(a, b);
#endif
}
/* The step's prev (1 - af) + xpt af as one correctly rounded fused multiply-add (C's fma: one
 * rounding, the same bits on every machine; glibc runs the FMA instruction where there is one). */
IND_STEP sar_step(sar_st *s, const qc_ind_cols *c, size_t i, double *o) {
    double hi = c->high[i], lo = c->low[i];
    if (s->t++ == 0) {
        s->sig = 1, s->xpt = hi, s->af = s->af0;
        s->sar = lo - (hi - lo);
    } else {
        double lmin = dmin(s->plo, lo), lmax = dmax(s->phi, hi);
        int sig1 = s->sig;
        double xpt1 = s->xpt, af1 = s->af, prev = s->sar;
        if (sig1 == 1) {
            s->sig = lo > prev ? 1 : -1;
            s->xpt = dmax(lmax, xpt1);
        } else {
            s->sig = hi < prev ? -1 : 1;
            s->xpt = dmin(lmin, xpt1);
        }
        if (s->sig == sig1) {
            s->sar = fma(prev, 1 - af1, xpt1 * af1); /* chain: one fma and a min */
            double af = af1 == s->afmax ? s->afmax : s->af0 + af1;
            if (s->sig == 1) {
                s->af = ind_pick(s->xpt > xpt1, af, af1);
                s->sar = ind_min1(s->sar, lmin);
            } else {
                s->af = ind_pick(s->xpt < xpt1, af, af1);
                s->sar = ind_max1(s->sar, lmax);
            }
        } else {
            s->af = s->af0;
            s->sar = s->xpt;
        }
    }
    s->phi = hi, s->plo = lo;
    o[0] = s->sar;
}
IND_GLUE_STREAM(sar)
/* The batch: the stream's step over the column. On the AVX2 and AVX-512 paths of a CPU with FMA the
 * loop is compiled with the FMA instruction for fma() (no call; the same correctly rounded result),
 * so the serial chain is an fma and a min (8 cycles a bar, was a multiply, an add and a min: 12). */
static void sar_loop(sar_st *s, const qc_ind_cols *c, size_t len, double *out) {
    sar_st t = *s; /* a private copy: the state stays in registers */
    for (size_t i = 0; i < len; i++) sar_step(&t, c, i, out + i);
    *s = t;
}
#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target("fma"))) static void sar_loop_fma(sar_st *s, const qc_ind_cols *c, size_t len, double *out) {
    sar_st t = *s;
    for (size_t i = 0; i < len; i++) sar_step(&t, c, i, out + i);
    *s = t;
}
#endif
static qc_err sar_batch(const double *p, const qc_ind_cols *c, size_t len, double *const *out, qc_error *e) {
    sar_st s;
    qc_err rc = sar_init(&s, p, e);
    if (rc) return rc;
#if defined(__x86_64__) && defined(__GNUC__)
    if (qc_feat_simd_path() != QC_SIMD_BASE && __builtin_cpu_supports("fma")) sar_loop_fma(&s, c, len, out[0]);
    else sar_loop(&s, c, len, out[0]);
#else
    sar_loop(&s, c, len, out[0]);
#endif
    sar_free(&s);
    return QC_OK;
}

static size_t lb_zero(const double *p, size_t k) { (void)p, (void)k; return 0; }
static const char *sar_check(const double *p) { return p[0] <= p[1] ? NULL : "accel must be <= max"; }

/* ---- ichimoku(tenkan, kijun, senkou): midpoints of rolling high/low ranges, not displaced -------- */
typedef struct { wext h1, l1, h2, l2, h3, l3; size_t t, n1, n2, n3; } ichimoku_st;
static qc_err ichimoku_init(ichimoku_st *s, const double *p, qc_error *e) {
    memset(s, 0, sizeof *s);
    s->n1 = P(0), s->n2 = P(1), s->n3 = P(2);
    if (!wext_init(&s->h1, s->n1, 1) || !wext_init(&s->l1, s->n1, -1) || !wext_init(&s->h2, s->n2, 1) ||
        !wext_init(&s->l2, s->n2, -1) || !wext_init(&s->h3, s->n3, 1) || !wext_init(&s->l3, s->n3, -1)) {
        wext_free(&s->h1), wext_free(&s->l1), wext_free(&s->h2), wext_free(&s->l2), wext_free(&s->h3),
            wext_free(&s->l3);
        return ind_nomem(e, "ichimoku");
    }
    return QC_OK;
}
static void ichimoku_free(ichimoku_st *s) {
    wext_free(&s->h1), wext_free(&s->l1), wext_free(&s->h2), wext_free(&s->l2), wext_free(&s->h3), wext_free(&s->l3);
}
IND_STEP ichimoku_step(ichimoku_st *s, const qc_ind_cols *c, size_t i, double *o) {
    double hi = c->high[i], lo = c->low[i];
    size_t t = ++s->t;
    double a = (wext_push(&s->h1, hi) + wext_push(&s->l1, lo)) / 2;
    double b = (wext_push(&s->h2, hi) + wext_push(&s->l2, lo)) / 2;
    double d = (wext_push(&s->h3, hi) + wext_push(&s->l3, lo)) / 2;
    o[0] = t >= s->n1 ? a : NAN;
    o[1] = t >= s->n2 ? b : NAN;
    o[2] = t >= s->n1 && t >= s->n2 ? (a + b) / 2 : NAN;
    o[3] = t >= s->n3 ? d : NAN;
}
IND_GLUE_STREAM(ichimoku)
/* The warm-up: NaN where a window is not yet full (the stream's conditions). */
static void ichimoku_nan(const size_t *n, size_t len, double *const *out) {
    for (size_t i = 0; i < len; i++) {
        size_t t = i + 1;
        if (t >= n[0] && t >= n[1] && t >= n[2]) break;
        if (t < n[0]) out[0][i] = NAN;
        if (t < n[1]) out[1][i] = NAN;
        if (t < n[0] || t < n[1]) out[2][i] = NAN;
        if (t < n[2]) out[3][i] = NAN;
    }
}
/* The NaN rule (ind_ext_nan) on the midpoints of tenkan, kijun and span B over [i0, i1): a window
 * holding a NaN high or low has a NaN midpoint (as the stream's (NaN + low) / 2). Returns whether it
 * may have written any (then span A, computed from the midpoints before, is recomputed). */
static int ichimoku_nan_windows(const size_t *n, const qc_ind_cols *c, size_t i0, size_t i1, size_t *u,
                                double *const *out) {
    int nh = ind_any_nan(c->high + i0, i1 - i0), nl = ind_any_nan(c->low + i0, i1 - i0), any = nh || nl;
    for (int k = 0; k < 3; k++) {
        double *o = out[k == 2 ? 3 : k] + i0;
        any |= u[2 * k] > i0 || u[2 * k + 1] > i0;
        ind_ext_nan(c->high, i0, i1, n[k], nh, &u[2 * k], o, NULL);
        ind_ext_nan(c->low, i0, i1, n[k], nl, &u[2 * k + 1], o, NULL);
    }
    return any;
}
/* ichimoku's four outputs over m points from the picked level rows into o0..o3:
 * window k is the max of hb[k][j], ha[k][j] (the older entry first, so the newer wins ties) and the
 * min of lb[k][j], la[k][j] (restrict parameters, so the loop vectorises after inlining). */
static inline __attribute__((always_inline)) void ichimoku_mid(
    const double *restrict h0b, const double *restrict h0, const double *restrict l0b, const double *restrict l0,
    const double *restrict h1b, const double *restrict h1, const double *restrict l1b, const double *restrict l1,
    const double *restrict h2b, const double *restrict h2, const double *restrict l2b, const double *restrict l2,
    size_t m, double *restrict o0, double *restrict o1, double *restrict o2, double *restrict o3) {
    for (size_t j = 0; j < m; j++) {
        double a0 = h0b[j] > h0[j] ? h0b[j] : h0[j], c0 = l0b[j] < l0[j] ? l0b[j] : l0[j];
        double a1 = h1b[j] > h1[j] ? h1b[j] : h1[j], c1 = l1b[j] < l1[j] ? l1b[j] : l1[j];
        double a2 = h2b[j] > h2[j] ? h2b[j] : h2[j], c2 = l2b[j] < l2[j] ? l2b[j] : l2[j];
        double t = (a0 + c0) / 2, k = (a1 + c1) / 2;
        o0[j] = t, o1[j] = k, o2[j] = (t + k) / 2, o3[j] = (a2 + c2) / 2;
    }
}
/* One chunk of m (<= SEXT_CHUNK) values of high h and low l for windows n[0..2] <= SEXT_MAX: the
 * doubling levels of both, then the four outputs into ob[k][0..m) in one pass. Compiled per vector path
 * (simd.h): only maxpd / minpd selects, adds and exact halvings, so every path has the same bits. */
IND_SIMD(ichimoku_chunk, (sext *hi, sext *lo, const size_t *n, const double *h, const double *l, size_t m,
                          int first, double *const *ob),
         (hi, lo, n, h, l, m, first, ob), {
             sext_load(hi, h, m, first);
             sext_load(lo, l, m, first);
             size_t b[6];
             const double *r[6];
             for (int k = 0; k < 3; k++) r[2 * k] = sext_pick(hi, n[k], &b[2 * k]), r[2 * k + 1] = sext_pick(lo, n[k], &b[2 * k + 1]);
             ichimoku_mid(r[0] - b[0], r[0], r[1] - b[1], r[1], r[2] - b[2], r[2], r[3] - b[3], r[3], r[4] - b[4], r[4],
                          r[5] - b[5], r[5], m, ob[0], ob[1], ob[2], ob[3]);
             sext_next(hi, m), sext_next(lo, m);
         })
/* Windows up to SEXT_MAX: the doubling levels of high and low, shared by the three windows, and the
 * outputs written once, straight from the levels. The chunks start on tenkan's 64-byte lines (the
 * first one is shorter), so the vector stores do not straddle lines (when the columns share their
 * alignment, as columns from malloc do): a wide store across two lines measured twice as slow. */
static qc_err ichimoku_batch_short(const size_t *n, const qc_ind_cols *c, size_t len, double *const *out,
                                   qc_error *e) {
    size_t mx = n[0] > n[1] ? n[0] : n[1];
    mx = mx > n[2] ? mx : n[2];
    sext hi, lo;
    int ok = sext_init(&hi, mx, 0);
    ok &= sext_init(&lo, mx, 1);
    if (!ok) {
        sext_free(&hi), sext_free(&lo);
        return ind_nomem(e, "ichimoku");
    }
    size_t u[6] = {0}, m = ind_first_chunk(out[0], SEXT_CHUNK);
    for (size_t i0 = 0; i0 < len; i0 += m, m = SEXT_CHUNK) {
        m = len - i0 < m ? len - i0 : m;
        double *o[4] = {out[0] + i0, out[1] + i0, out[2] + i0, out[3] + i0};
        ichimoku_chunk(&hi, &lo, n, c->high + i0, c->low + i0, m, i0 == 0, o);
        if (ichimoku_nan_windows(n, c, i0, i0 + m, u, out))
            for (size_t j = 0; j < m; j++) o[2][j] = (o[0][j] + o[1][j]) / 2;
    }
    sext_free(&hi), sext_free(&lo);
    return QC_OK;
}
static qc_err ichimoku_batch(const double *p, const qc_ind_cols *c, size_t len, double *const *out, qc_error *e) {
    rext r[6]; /* high and low trackers of the three windows */
    size_t n[3] = {P(0), P(1), P(2)};
    if (n[0] <= SEXT_MAX && n[1] <= SEXT_MAX && n[2] <= SEXT_MAX) {
        qc_err rc = ichimoku_batch_short(n, c, len, out, e);
        if (rc) return rc;
        ichimoku_nan(n, len, out);
        return QC_OK;
    }
    qc_err rc = QC_OK;
    int ok = 0;
    for (; ok < 3 && !rc; ok++) rc = rext_pair_init(&r[2 * ok], &r[2 * ok + 1], n[ok], "ichimoku", e);
    if (rc) ok--;
    for (int k = 0; rc && k < ok; k++) rext_free(&r[2 * k]), rext_free(&r[2 * k + 1]);
    if (rc) return rc;
    double hb[IND_CHUNK], lb[IND_CHUNK];
    size_t u[6] = {0};
    for (size_t i0 = 0; i0 < len; i0 += IND_CHUNK) {
        size_t i1 = len - i0 < IND_CHUNK ? len : i0 + IND_CHUNK, m = i1 - i0;
        for (int k = 0; k < 3; k++) {
            double *o = out[k == 2 ? 3 : k] + i0;
            rext_max_run(&r[2 * k], c->high, i0, i1, hb, NULL);
            rext_min_run(&r[2 * k + 1], c->low, i0, i1, lb, NULL);
            for (size_t j = 0; j < m; j++) o[j] = (hb[j] + lb[j]) / 2;
        }
        ichimoku_nan_windows(n, c, i0, i1, u, out);
        for (size_t i = i0; i < i1; i++) out[2][i] = (out[0][i] + out[1][i]) / 2;
    }
    ichimoku_nan(n, len, out);
    for (int k = 0; k < 6; k++) rext_free(&r[k]);
    return QC_OK;
}
static size_t lb_ichimoku(const double *p, size_t k) {
    size_t a = P(0) - 1, b = P(1) - 1, d = P(2) - 1;
    return k == 0 ? a : k == 1 ? b : k == 2 ? (a > b ? a : b) : d;
}

/* ---- the table ---------------------------------------------------------------------------------- */
#define NPAR(def, lo, hi) {"n", def, lo, hi, 1}
const qc_ind_def qc_ind_trend_defs[] = {
    {"sma", "trend", "simple moving average of the close", QC_IND_IN_CLOSE, 1, {NPAR(20, 1, 1e6)}, 1, {"sma"}, 0,
     lb_n1, NULL, IND_FNS(sma)},
    {"ema", "trend", "exponential moving average, k = 2/(n+1), seeded with the SMA of the first n", QC_IND_IN_CLOSE, 1,
     {NPAR(20, 1, 1e6)}, 1, {"ema"}, 0, lb_n1, NULL, IND_FNS(ema)},
    {"wma", "trend", "linearly weighted moving average (weights 1..n, newest heaviest)", QC_IND_IN_CLOSE, 1,
     {NPAR(20, 1, 1e6)}, 1, {"wma"}, 0, lb_n1, NULL, IND_FNS(wma)},
    {"dema", "trend", "double EMA: 2 EMA - EMA(EMA)", QC_IND_IN_CLOSE, 1, {NPAR(20, 1, 1e6)}, 1, {"dema"}, 0, lb_dema,
     NULL, IND_FNS(dema)},
    {"tema", "trend", "triple EMA: 3 EMA - 3 EMA(EMA) + EMA(EMA(EMA))", QC_IND_IN_CLOSE, 1, {NPAR(20, 1, 1e6)}, 1,
     {"tema"}, 0, lb_tema, NULL, IND_FNS(tema)},
    {"kama", "trend", "Kaufman adaptive MA (efficiency ratio over n, fast/slow EMA periods)", QC_IND_IN_CLOSE, 3,
     {NPAR(10, 1, 1e6), {"fast", 2, 1, 1e6, 1}, {"slow", 30, 1, 1e6, 1}}, 1, {"kama"}, 0, lb_kama, kama_check,
     IND_FNS(kama)},
    {"hma", "trend", "Hull MA: WMA(2 WMA(n/2) - WMA(n), sqrt n)", QC_IND_IN_CLOSE, 1, {NPAR(20, 2, 1e6)}, 1, {"hma"},
     0, lb_hma, NULL, IND_FNS(hma)},
    {"zlema", "trend", "zero-lag EMA of 2 x - x[t - (n+1)/2] (TTR)", QC_IND_IN_CLOSE, 1, {NPAR(20, 1, 1e6)}, 1,
     {"zlema"}, 0, lb_n1, NULL, IND_FNS(zlema)},
    {"vwma", "trend", "volume-weighted MA of the close over n bars", QC_IND_IN_CLOSE | QC_IND_IN_VOLUME, 1,
     {NPAR(10, 1, 1e6)}, 1, {"vwma"}, 0, lb_n1, NULL, IND_FNS(vwma)},
    {"nma", "trend", "normalised MA: close / SMA(n) - 1", QC_IND_IN_CLOSE, 1, {NPAR(20, 1, 1e6)}, 1, {"nma"}, 0, lb_n1,
     NULL, IND_FNS(nma)},
    {"linreg", "trend", "least-squares line over n closes: slope per bar, intercept (oldest bar), value (newest)",
     QC_IND_IN_CLOSE, 1, {NPAR(14, 2, 1e6)}, 3, {"slope", "intercept", "value"}, 0, lb_n1, linreg_check,
     IND_FNS(linreg)},
    {"aroon", "trend", "Aroon up/down/oscillator over the last n+1 bars (TTR)", QC_IND_IN_HIGH | QC_IND_IN_LOW, 1,
     {NPAR(20, 1, 1e6)}, 3, {"up", "down", "osc"}, 0, lb_n1, NULL, IND_FNS(aroon)},
    {"sar", "trend", "parabolic stop and reverse (acceleration step and maximum)", QC_IND_IN_HIGH | QC_IND_IN_LOW, 2,
     {{"accel", 0.02, 1e-6, 1, 0}, {"max", 0.2, 1e-6, 1, 0}}, 1, {"sar"}, 0, lb_zero, sar_check, IND_FNS(sar)},
    {"ichimoku", "trend", "Ichimoku tenkan, kijun, senkou span A and B (not displaced forward)",
     QC_IND_IN_HIGH | QC_IND_IN_LOW, 3,
     {{"tenkan", 9, 1, 1e6, 1}, {"kijun", 26, 1, 1e6, 1}, {"senkou", 52, 1, 1e6, 1}}, 4,
     {"tenkan", "kijun", "span_a", "span_b"}, 0, lb_ichimoku, NULL, IND_FNS(ichimoku)},
    {"vwap", "volume", "rolling VWAP: sum(typical price x volume) / sum(volume) over n bars",
     QC_IND_IN_HIGH | QC_IND_IN_LOW | QC_IND_IN_CLOSE | QC_IND_IN_VOLUME, 1, {NPAR(10, 1, 1e6)}, 1, {"vwap"}, 0,
     lb_n1, NULL, IND_FNS(vwap)},
};
const size_t qc_ind_trend_n = sizeof qc_ind_trend_defs / sizeof qc_ind_trend_defs[0];
