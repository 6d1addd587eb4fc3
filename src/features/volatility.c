/* volatility.c: volatility indicators: true range, ATR (Wilder), NATR, Bollinger bands, Keltner and
 * Donchian channels, rolling standard deviation, Chaikin volatility, and the range-based estimators
 * of TTR's volatility(): close-to-close, Parkinson, Garman-Klass, Rogers-Satchell, Yang-Zhang,
 * annualised with N periods a year (default 252 here, 260 in TTR). docs/FEATURES.md. */
#include "features/ind_internal.h"
#include "features/ln.h"
#include "features/simd.h"

static size_t lb_n(const double *p, size_t k) { (void)k; return P(0); }
static size_t lb_n1(const double *p, size_t k) { (void)k; return P(0) - 1; }

/* ---- tr: max(high, prev close) - min(low, prev close); NaN on the first bar (TTR) -------------- */
typedef struct { double pc; size_t t; } tr_st;
static qc_err tr_init(tr_st *s, const double *p, qc_error *e) { (void)p, (void)e; memset(s, 0, sizeof *s); return QC_OK; }
static void tr_free(tr_st *s) { (void)s; }
IND_STEP tr_step(tr_st *s, const qc_ind_cols *c, size_t i, double *o) {
    double pc = s->pc;
    s->pc = c->close[i];
    o[0] = s->t++ ? dmax(c->high[i], pc) - dmin(c->low[i], pc) : NAN;
}
IND_GLUE(tr, 1)
static size_t lb_one(const double *p, size_t k) { (void)p, (void)k; return 1; }

/* ---- atr(n): Wilder EMA of the true range seeded with the mean of the first n; natr = 100 atr/close */
typedef struct { ema_core e; double pc; size_t t; int pct; } atr_st;
typedef atr_st natr_st;
static qc_err atr_init(atr_st *s, const double *p, qc_error *e) {
    (void)e;
    memset(s, 0, sizeof *s);
    ema_core_init(&s->e, P(0), 1.0 / p[0]);
    return QC_OK;
}
static qc_err natr_init(natr_st *s, const double *p, qc_error *e) {
    atr_init(s, p, e);
    s->pct = 1;
    return QC_OK;
}
static void atr_free(atr_st *s) { (void)s; }
static void natr_free(natr_st *s) { (void)s; }
IND_STEP atr_step(atr_st *s, const qc_ind_cols *c, size_t i, double *o) {
    double pc = s->pc, cl = c->close[i];
    s->pc = cl;
    if (s->t++ == 0) {
        o[0] = NAN;
        return;
    }
    double a = ema_core_push(&s->e, dmax(c->high[i], pc) - dmin(c->low[i], pc));
    o[0] = s->pct ? 100 * a / cl : a;
}
IND_STEP natr_step(natr_st *s, const qc_ind_cols *c, size_t i, double *o) { atr_step(s, c, i, o); }
IND_GLUE(atr, 1)
IND_GLUE(natr, 1)

/* ---- bbands(n, k): SMA +- k population SD of the close; %B and bandwidth ------------------------ */
/* Mean and population variance from the shifted sums with one reciprocal of n (no division by n:
 * the stream and the batch share these expressions). */
typedef struct { wmom w; double k, inv; } bbands_st;
static qc_err bbands_init(bbands_st *s, const double *p, qc_error *e) {
    s->k = p[1];
    s->inv = 1.0 / p[0];
    return wmom_init(&s->w, P(0), 2) ? QC_OK : ind_nomem(e, "bbands");
}
static void bbands_free(bbands_st *s) { wmom_free(&s->w); }
static inline void bbands_of(double x, double k, double s1, double s2, double inv, double kk, double *o) {
    double m1 = s1 * inv, m = k + m1, v = (s2 - s1 * m1) * inv, sd = sqrt(v > 0 ? v : 0);
    double lo = m - kk * sd, hi = m + kk * sd;
    o[0] = lo, o[1] = m, o[2] = hi, o[3] = (x - lo) / (hi - lo), o[4] = (hi - lo) / m;
}
IND_STEP bbands_step(bbands_st *s, const qc_ind_cols *c, size_t i, double *o) {
    double x = c->close[i];
    if (!wmom_push(&s->w, x)) {
        o[0] = o[1] = o[2] = o[3] = o[4] = NAN;
        return;
    }
    bbands_of(x, s->w.k, s->w.s1, s->w.s2, s->inv, s->k, o);
}
IND_GLUE_STREAM(bbands)
/* Batch: the sums per chunk (wmom2_run), then bbands_of's expressions two at a time (SSE2: the same
 * IEEE operations, so the same bits; max(v, 0) returns 0 for v <= 0 like v > 0 ? v : 0). Chunks of
 * 32: the sums' add chain (latency-bound) and the output pass (bound by the divider: two divisions
 * and a root a point) are short enough for the core to run one chunk's chain under the previous
 * one's divisions (10M points: 5.5 -> 4.75 ns/point; 64: 5.1, 16: 5.1, 512: 5.5). */
#define BB_CHUNK 32
static qc_err bbands_batch(const double *p, const qc_ind_cols *c, size_t len, double *const *out, qc_error *e) {
    bbands_st s;
    qc_err rc = bbands_init(&s, p, e);
    if (rc) return rc;
    double kb[BB_CHUNK], ab[BB_CHUNK], bb[BB_CHUNK], inv = s.inv, kk = s.k;
    for (size_t i0 = 0; i0 < len; i0 += BB_CHUNK) {
        size_t i1 = len - i0 < BB_CHUNK ? len : i0 + BB_CHUNK, m = i1 - i0;
        wmom2_run(&s.w, c->close, i0, i1, kb, ab, bb);
        const double *restrict x = c->close + i0;
        double *restrict lo = out[0] + i0, *restrict mid = out[1] + i0, *restrict hi = out[2] + i0;
        double *restrict pb = out[3] + i0, *restrict bw = out[4] + i0;
        size_t j = 0;
#ifdef __SSE2__
        __m128d k2 = _mm_set1_pd(kk), iv = _mm_set1_pd(inv), zero = _mm_setzero_pd();
        for (; j + 2 <= m; j += 2) {
            __m128d s1 = _mm_loadu_pd(ab + j), m1 = _mm_mul_pd(s1, iv), mm = _mm_add_pd(_mm_loadu_pd(kb + j), m1);
            __m128d v = _mm_mul_pd(_mm_sub_pd(_mm_loadu_pd(bb + j), _mm_mul_pd(s1, m1)), iv);
            __m128d ks = _mm_mul_pd(k2, _mm_sqrt_pd(_mm_max_pd(v, zero)));
            __m128d l = _mm_sub_pd(mm, ks), h = _mm_add_pd(mm, ks), w = _mm_sub_pd(h, l);
            _mm_storeu_pd(lo + j, l), _mm_storeu_pd(mid + j, mm), _mm_storeu_pd(hi + j, h);
            _mm_storeu_pd(pb + j, _mm_div_pd(_mm_sub_pd(_mm_loadu_pd(x + j), l), w));
            _mm_storeu_pd(bw + j, _mm_div_pd(w, mm));
        }
#endif
        for (; j < m; j++) {
            double o[5];
            bbands_of(x[j], kb[j], ab[j], bb[j], inv, kk, o);
            lo[j] = o[0], mid[j] = o[1], hi[j] = o[2], pb[j] = o[3], bw[j] = o[4];
        }
    }
    for (size_t i = 0; i < len && i + 1 < s.w.n; i++) out[0][i] = out[1][i] = out[2][i] = out[3][i] = out[4][i] = NAN;
    bbands_free(&s);
    return QC_OK;
}

/* ---- keltner(n, k): EMA(typical price, n) +- k ATR(n) (TTR keltnerChannels) ---------------------- */
typedef struct { ema_core mid; atr_st atr; double k; } keltner_st;
static qc_err keltner_init(keltner_st *s, const double *p, qc_error *e) {
    s->k = p[1];
    ema_core_init(&s->mid, P(0), 2.0 / (p[0] + 1));
    return atr_init(&s->atr, p, e);
}
static void keltner_free(keltner_st *s) { (void)s; }
IND_STEP keltner_step(keltner_st *s, const qc_ind_cols *c, size_t i, double *o) {
    double a;
    atr_step(&s->atr, c, i, &a);
    double m = ema_core_push(&s->mid, (c->high[i] + c->low[i] + c->close[i]) / 3);
    o[0] = m - s->k * a, o[1] = m, o[2] = m + s->k * a;
}
IND_GLUE(keltner, 3)
static size_t lb_keltner(const double *p, size_t k) { return k == 1 ? P(0) - 1 : P(0); }

/* ---- donchian(n): highest high, midpoint, lowest low of the last n bars ------------------------- */
typedef struct { wext hi, lo; size_t t, n; } donchian_st;
static qc_err donchian_init(donchian_st *s, const double *p, qc_error *e) {
    memset(s, 0, sizeof *s);
    s->n = P(0);
    if (!wext_init(&s->hi, P(0), 1) || !wext_init(&s->lo, P(0), -1)) {
        wext_free(&s->hi), wext_free(&s->lo);
        return ind_nomem(e, "donchian");
    }
    return QC_OK;
}
static void donchian_free(donchian_st *s) { wext_free(&s->hi), wext_free(&s->lo); }
IND_STEP donchian_step(donchian_st *s, const qc_ind_cols *c, size_t i, double *o) {
    double h = wext_push(&s->hi, c->high[i]), l = wext_push(&s->lo, c->low[i]);
    if (++s->t < s->n) {
        o[0] = o[1] = o[2] = NAN;
        return;
    }
    o[0] = h, o[1] = (h + l) / 2, o[2] = l;
}
IND_GLUE_STREAM(donchian)
static qc_err donchian_batch(const double *p, const qc_ind_cols *c, size_t len, double *const *out, qc_error *e) {
    rext2 x;
    qc_err rc = rext2_init(&x, P(0), len, 0, "donchian", e);
    if (rc) return rc;
    double *up = out[0], *mid = out[1], *dn = out[2];
    size_t uh = 0, ul = 0;
    for (size_t i0 = 0; i0 < len; i0 += IND_CHUNK) { /* chunks: each value crosses memory once */
        size_t i1 = len - i0 < IND_CHUNK ? len : i0 + IND_CHUNK;
        rext2_run(&x, c->high, c->low, i0, i1, up + i0, dn + i0, NULL, NULL);
        ind_ext_nan(c->high, i0, i1, P(0), ind_any_nan(c->high + i0, i1 - i0), &uh, up + i0, NULL);
        ind_ext_nan(c->low, i0, i1, P(0), ind_any_nan(c->low + i0, i1 - i0), &ul, dn + i0, NULL);
        for (size_t i = i0; i < i1; i++) mid[i] = (up[i] + dn[i]) / 2;
    }
    for (size_t i = 0; i < len && i + 1 < P(0); i++) up[i] = mid[i] = dn[i] = NAN;
    rext2_free(&x);
    return QC_OK;
}

/* ---- stdev(n): sample standard deviation of the close (TTR runSD) ------------------------------- */
typedef struct { wmom w; } stdev_st;
static qc_err stdev_init(stdev_st *s, const double *p, qc_error *e) {
    return wmom_init(&s->w, P(0), 2) ? QC_OK : ind_nomem(e, "stdev");
}
static void stdev_free(stdev_st *s) { wmom_free(&s->w); }
IND_STEP stdev_step(stdev_st *s, const qc_ind_cols *c, size_t i, double *o) {
    o[0] = wmom_push(&s->w, c->close[i]) ? sqrt(wmom_var(&s->w, 1)) : NAN;
}
IND_GLUE_STREAM(stdev)
static qc_err stdev_batch(const double *p, const qc_ind_cols *c, size_t len, double *const *out, qc_error *e) {
    stdev_st s;
    qc_err rc = stdev_init(&s, p, e);
    if (rc) return rc;
    double kb[IND_CHUNK], ab[IND_CHUNK], bb[IND_CHUNK], inv = s.w.inv, inv1 = s.w.inv1;
    for (size_t i0 = 0; i0 < len; i0 += IND_CHUNK) {
        size_t i1 = len - i0 < IND_CHUNK ? len : i0 + IND_CHUNK, m = i1 - i0;
        wmom2_run(&s.w, c->close, i0, i1, kb, ab, bb);
        double *o = out[0] + i0;
        for (size_t j = 0; j < m; j++) o[j] = sqrt(mom_var(ab[j], bb[j], inv, inv1));
    }
    for (size_t i = 0; i < len && i + 1 < s.w.n; i++) out[0][i] = NAN;
    stdev_free(&s);
    return QC_OK;
}
static const char *n2_check(const double *p) { return p[0] >= 2 ? NULL : "n must be >= 2"; }

/* ---- vol_cc(n, N): sqrt(N) x sample SD of the last n - 1 log returns ---------------------------- */
typedef struct { wmom w; double pc, ann; size_t t; } vol_cc_st;
static qc_err vol_cc_init(vol_cc_st *s, const double *p, qc_error *e) {
    memset(s, 0, sizeof *s);
    s->ann = sqrt(p[1]);
    return wmom_init(&s->w, P(0) - 1, 2) ? QC_OK : ind_nomem(e, "vol_cc");
}
static void vol_cc_free(vol_cc_st *s) { wmom_free(&s->w); }
IND_STEP vol_cc_core(vol_cc_st *s, double lr, double *o) {
    o[0] = wmom_push(&s->w, lr) ? s->ann * sqrt(wmom_var(&s->w, 1)) : NAN;
}
IND_STEP vol_cc_step(vol_cc_st *s, const qc_ind_cols *c, size_t i, double *o) {
    double x = c->close[i], pc = s->pc;
    s->pc = x;
    o[0] = NAN;
    if (s->t++ == 0) return;
    vol_cc_core(s, qc_ln_div(x, pc), o);
}
IND_GLUE_STREAM(vol_cc)
/* vol_cc_core's expression over a chunk's sums (vectorised for the widest path, simd.h). */
IND_SIMD(cc_roots, (double *restrict o, const vol_cc_st *s, const double *s1, const double *s2, size_t m),
         (o, s, s1, s2, m), { for (size_t j = 0; j < m; j++) o[j] = s->ann * sqrt(mom_var(s1[j], s2[j], s->w.inv, s->w.inv1)); })
static qc_err vol_cc_batch(const double *p, const qc_ind_cols *c, size_t len, double *const *out, qc_error *e) {
    vol_cc_st s;
    qc_err rc = vol_cc_init(&s, p, e);
    if (rc) return rc;
    size_t n = s.w.n; /* the log returns, with the last n before the chunk kept for wmom2_run */
    double *buf = calloc(n + IND_CHUNK, sizeof *buf), *o = out[0], k[IND_CHUNK], s1[IND_CHUNK], s2[IND_CHUNK];
    if (!buf) {
        vol_cc_free(&s);
        return ind_nomem(e, "vol_cc");
    }
    for (size_t i0 = 1; i0 < len; i0 += IND_CHUNK) { /* row 0 has no return */
        size_t m = len - i0 < IND_CHUNK ? len - i0 : IND_CHUNK;
        const double *x = c->close + i0;
        double *r = buf + n;
        qc_ln_div_array(x, x - 1, r, m);
        wmom2_run(&s.w, buf, n, n + m, k, s1, s2);
        cc_roots(o + i0, &s, s1, s2, m);
        memmove(buf, r + m - n, n * sizeof *buf);
    }
    for (size_t i = 0; i < len && i < n; i++) o[i] = NAN; /* row i holds i returns: full from n */
    free(buf);
    vol_cc_free(&s);
    return QC_OK;
}
static const char *n3_check(const double *p) { return p[0] >= 3 ? NULL : "n must be >= 3"; }

/* ---- sum-of-squares estimators: sqrt(N / n x sum over n of a per-bar term) ---------------------- */
/* Their window sum in two halves: pushes alternate between two running sums (s[0] takes the 1st,
 * 3rd, ... push, s[1] the 2nd, 4th, ...; each moves by new - leaving term), the window's sum is s[0]
 * + s[1]. Each chain then waits on an add every other bar, half the latency of one running sum,
 * which bounds the batch loop once the logs are cheap. Re-summed from the ring every max(n, QC_RESUM)
 * pushes (s[0] = the window in order, s[1] = 0), as wsum. */
typedef struct {
    double *buf;
    size_t n, pos, count, since, every, par; /* par: the sum the next push moves */
    double s[2];
} wsum2;
static inline int wsum2_init(wsum2 *w, size_t n) {
    memset(w, 0, sizeof *w);
    w->n = n;
    w->every = ind_resum_every(n);
    w->buf = calloc(n, sizeof *w->buf);
    return w->buf != NULL;
}
static inline void wsum2_free(wsum2 *w) { free(w->buf), w->buf = NULL; }
static inline double wsum2_sum(const wsum2 *w) { return w->s[0] + w->s[1]; }
/* Adds x; returns 1 once the window is full. */
static inline int wsum2_push(wsum2 *w, double x) {
    double old = w->buf[w->pos];
    w->buf[w->pos] = x;
    w->pos = w->pos + 1 == w->n ? 0 : w->pos + 1;
    size_t p = w->par;
    w->par ^= 1;
    if (w->count < w->n) {
        w->s[p] += x;
        return ++w->count == w->n;
    }
    w->s[p] += x - old;
    if (++w->since == w->every) {
        double t = 0;
        for (size_t j = 0, q = w->pos; j < w->n; j++, q = q + 1 == w->n ? 0 : q + 1) t += w->buf[q];
        w->s[0] = t, w->s[1] = 0, w->since = 0;
    }
    return 1;
}
/* The batch form over a buffer x[0, m) with the last n values before it: o[j] = the window's sum
 * after pushing x[j], wsum2_push's operations (the leaving value read from x[j - n]); the ring is
 * left stale. */
static inline __attribute__((always_inline)) void wsum2_run(wsum2 *w, const double *x, size_t m, double *o) {
    size_t j = 0;
    for (; j < m && w->count < w->n; j++) wsum2_push(w, x[j]), o[j] = wsum2_sum(w);
    const size_t n = w->n;
    const double *old = x - n;
    double s[2] = {w->s[0], w->s[1]};
    size_t since = w->since, p = w->par;
    while (j < m) {
        size_t plain = w->every - since - 1, end = m - j < plain ? m : j + plain;
        since += end - j;
        double a = s[p], b = s[p ^ 1]; /* a moves at j, b at j + 1, ... */
        for (; j + 2 <= end; j += 2) {
            a += x[j] - old[j], o[j] = a + b;
            b += x[j + 1] - old[j + 1], o[j + 1] = a + b;
        }
        s[p] = a, s[p ^ 1] = b;
        if (j < end) s[p] += x[j] - old[j], o[j] = s[0] + s[1], p ^= 1, j++;
        if (j == m) break;
        s[p] += x[j] - old[j]; /* this push re-sums */
        p ^= 1;
        double t = 0;
        for (size_t q = 1; q <= n; q++) t += old[j + q];
        s[0] = t, s[1] = 0, since = 0, o[j] = s[0] + s[1];
        j++;
    }
    w->s[0] = s[0], w->s[1] = s[1], w->since = since, w->par = p;
}
typedef struct { wsum2 w; double mul; } vol_parkinson_st; /* mul: what multiplies the sum under the root */
typedef vol_parkinson_st vol_gk_st;
typedef vol_parkinson_st vol_rs_st;
static qc_err vol_ss_init(vol_parkinson_st *s, const double *p, double mul, qc_error *e) {
    s->mul = mul;
    return wsum2_init(&s->w, P(0)) ? QC_OK : ind_nomem(e, "volatility");
}
static qc_err vol_parkinson_init(vol_parkinson_st *s, const double *p, qc_error *e) {
    return vol_ss_init(s, p, p[1] / p[0] / (4 * M_LN2), e);
}
static qc_err vol_gk_init(vol_gk_st *s, const double *p, qc_error *e) { return vol_ss_init(s, p, p[1] / p[0], e); }
static qc_err vol_rs_init(vol_rs_st *s, const double *p, qc_error *e) { return vol_ss_init(s, p, p[1] / p[0], e); }
static void vol_parkinson_free(vol_parkinson_st *s) { wsum2_free(&s->w); }
static void vol_gk_free(vol_gk_st *s) { wsum2_free(&s->w); }
static void vol_rs_free(vol_rs_st *s) { wsum2_free(&s->w); }
/* Rogers-Satchell's log(h/c) log(h/o) + log(l/c) log(l/o) from hc = log(h/c), lc = log(l/c) and co
 * = log(c/o): log(h/o) is hc + co and log(l/o) is lc + co (three logs, not four; co is also
 * Yang-Zhang's open-to-close log). Every log of a ratio of two prices here (and in vol_cc, logret)
 * is taken without forming the ratio (ln.h): qc_ln_div for one per bar (one division and a short
 * polynomial; within 2 ulps of the exact log, where the log of a rounded ratio near 1 loses relative
 * 1e-14), qc_ln_divs for a bar's two (gk), three (rs) or four (yz) logs with one division among them
 * (within 8 ulps): the divider (divisions and the final square root) bounds these kernels. */
static inline double rs_term(double hc, double lc, double co) { return hc * (hc + co) + lc * (lc + co); }
static inline double gk_term(double hl, double co) { return 0.5 * hl * hl - (2 * M_LN2 - 1) * co * co; }
/* The logs of nk ratios num[k][j] / den[k][j], j < m (pointers at the chunk's first row), into
 * r + k IND_CHUNK (each on a 64-byte line when r is): one by qc_ln_div_array, several of a bar by
 * qc_ln_divs_array (one division per bar; the batch kernels' first pass, the stream takes qc_ln_div /
 * qc_ln_divs of the same pairs). */
static inline void ln_ratios(double *r, int nk, const double *const *num, const double *const *den, size_t m) {
    if (nk == 1) {
        qc_ln_div_array(num[0], den[0], r, m);
        return;
    }
    double *y[4] = {r, r + IND_CHUNK, r + 2 * IND_CHUNK, r + 3 * IND_CHUNK};
    qc_ln_divs_array(nk, num, den, y, m);
}
IND_STEP vol_ss_core(vol_parkinson_st *s, double term, double *o) {
    o[0] = wsum2_push(&s->w, term) ? sqrt(s->mul * wsum2_sum(&s->w)) : NAN;
}
IND_STEP vol_parkinson_step(vol_parkinson_st *s, const qc_ind_cols *c, size_t i, double *o) {
    double hl = qc_ln_div(c->high[i], c->low[i]);
    vol_ss_core(s, hl * hl, o);
}
IND_STEP vol_gk_step(vol_gk_st *s, const qc_ind_cols *c, size_t i, double *o) {
    double a[2] = {c->high[i], c->close[i]}, b[2] = {c->low[i], c->open[i]}, y[2];
    qc_ln_divs(a, b, 2, y);
    vol_ss_core(s, gk_term(y[0], y[1]), o);
}
IND_STEP vol_rs_step(vol_rs_st *s, const qc_ind_cols *c, size_t i, double *o) {
    double cl = c->close[i], a[3] = {c->high[i], c->low[i], cl}, b[3] = {cl, cl, c->open[i]}, y[3];
    qc_ln_divs(a, b, 3, y);
    vol_ss_core(s, rs_term(y[0], y[1], y[2]), o);
}
IND_GLUE_STREAM(vol_parkinson)
IND_GLUE_STREAM(vol_gk)
IND_GLUE_STREAM(vol_rs)
/* o[j] = sqrt(mul o[j]) (vol_ss_core's root), vectorised for the widest path (simd.h). */
IND_SIMD(vol_roots, (double *restrict o, double mul, size_t m), (o, mul, m),
         { for (size_t j = 0; j < m; j++) o[j] = sqrt(mul * o[j]); })
/* Batch: per chunk the logs (ln_ratios), the terms into a buffer that keeps the last n before the
 * chunk, the stream's window sums by wsum_run (no ring, no branch), then the roots (vectorised). */
#define VOL_SS_BATCH(NAME, NK, NUM, DEN, TERM)                                                       \
    static qc_err NAME##_batch(const double *p, const qc_ind_cols *c, size_t len, double *const *out, \
                               qc_error *e) {                                                        \
        NAME##_st s;                                                                                 \
        qc_err rc = NAME##_init(&s, p, e);                                                           \
        if (rc) return rc;                                                                           \
        size_t n = s.w.n, hn = (n + 7) & ~(size_t)7; /* the terms' chunk on a 64-byte line */        \
        double *buf = aligned_alloc(64, (hn + IND_CHUNK) * sizeof *buf), *t = buf + hn;             \
        _Alignas(64) double r[(NK) * IND_CHUNK];                                                    \
        if (!buf) {                                                                                  \
            NAME##_free(&s);                                                                         \
            return ind_nomem(e, #NAME);                                                              \
        }                                                                                            \
        memset(buf, 0, (hn + IND_CHUNK) * sizeof *buf);                                              \
        size_t m = ind_first_chunk(out[0], IND_CHUNK); /* later chunks start on the output's lines */ \
        for (size_t i0 = 0; i0 < len; i0 += m, m = IND_CHUNK) {                                      \
            m = len - i0 < m ? len - i0 : m;                                                         \
            const double *num[] = NUM, *den[] = DEN;                                                 \
            ln_ratios(r, NK, num, den, m);                                                           \
            for (size_t j = 0; j < m; j++) t[j] = (TERM);                                            \
            double *restrict o = out[0] + i0;                                                        \
            wsum2_run(&s.w, t, m, o);                                                                \
            vol_roots(o, s.mul, m);                                                                  \
            memmove(t - n, t + m - n, n * sizeof *buf);                                              \
        }                                                                                            \
        for (size_t i = 0; i + 1 < n && i < len; i++) out[0][i] = NAN;                               \
        free(buf);                                                                                   \
        NAME##_free(&s);                                                                             \
        return QC_OK;                                                                                \
    }
#define VOL_L(...) {__VA_ARGS__}
VOL_SS_BATCH(vol_parkinson, 1, VOL_L(c->high + i0), VOL_L(c->low + i0), r[j] * r[j])
VOL_SS_BATCH(vol_gk, 2, VOL_L(c->high + i0, c->close + i0), VOL_L(c->low + i0, c->open + i0),
             gk_term(r[j], r[IND_CHUNK + j]))
VOL_SS_BATCH(vol_rs, 3, VOL_L(c->high + i0, c->low + i0, c->close + i0),
             VOL_L(c->close + i0, c->close + i0, c->open + i0), rs_term(r[j], r[IND_CHUNK + j], r[2 * IND_CHUNK + j]))

/* ---- vol_yz(n, N): Yang-Zhang: N var(log open/prev close) + k N var(log close/open) + (1-k) RS^2,
 * k = 0.34 / (1.34 + (n + 1) / (n - 1)), sample variances over n bars (TTR) ----------------------- */
typedef struct { wmom ov, co; wsum rs; double pc, N, k, scale; size_t t; } vol_yz_st;
static qc_err vol_yz_init(vol_yz_st *s, const double *p, qc_error *e) {
    memset(s, 0, sizeof *s);
    s->N = p[1];
    s->scale = p[1] / p[0];
    s->k = 0.34 / (1.34 + (p[0] + 1) / (p[0] - 1));
    if (!wmom_init(&s->ov, P(0), 2) || !wmom_init(&s->co, P(0), 2) || !wsum_init(&s->rs, P(0))) {
        wmom_free(&s->ov), wmom_free(&s->co), wsum_free(&s->rs);
        return ind_nomem(e, "vol_yz");
    }
    return QC_OK;
}
static void vol_yz_free(vol_yz_st *s) { wmom_free(&s->ov), wmom_free(&s->co), wsum_free(&s->rs); }
/* One bar from its logs: co = ln(C/O), hc = ln(H/C), lc = ln(L/C), ov = ln(O/prev C) (unused on the
 * first bar). */
IND_STEP vol_yz_core(vol_yz_st *s, double co, double hc, double lc, double ov, double *o) {
    int full_c = wmom_push(&s->co, co);
    int full_r = wsum_push(&s->rs, rs_term(hc, lc, co));
    o[0] = NAN;
    if (s->t++ == 0) return;
    if (wmom_push(&s->ov, ov) && full_c && full_r) {
        double v = s->N * wmom_var(&s->ov, 1) + s->k * s->N * wmom_var(&s->co, 1) + (1 - s->k) * s->scale * s->rs.sum;
        o[0] = sqrt(v);
    }
}
IND_STEP vol_yz_step(vol_yz_st *s, const qc_ind_cols *c, size_t i, double *o) {
    double op = c->open[i], cl = c->close[i], a[4] = {cl, c->high[i], c->low[i], op}, b[4] = {op, cl, cl, s->pc}, y[4];
    s->pc = cl;
    qc_ln_divs(a, b, s->t ? 4 : 3, y); /* the first bar has no overnight log */
    vol_yz_core(s, y[0], y[1], y[2], s->t ? y[3] : 0, o);
}
IND_GLUE_STREAM(vol_yz)
/* vol_yz_core's expression over a chunk's sums (vectorised for the widest path, simd.h). */
IND_SIMD(yz_combine,
         (double *restrict o, const vol_yz_st *s, const double *a1, const double *b1, const double *a2, const double *b2,
          const double *rsum, size_t m),
         (o, s, a1, b1, a2, b2, rsum, m), {
             double inv = s->co.inv, inv1 = s->co.inv1;
             for (size_t j = 0; j < m; j++)
                 o[j] = sqrt(s->N * mom_var(a2[j], b2[j], inv, inv1) + s->k * s->N * mom_var(a1[j], b1[j], inv, inv1) +
                             (1 - s->k) * s->scale * rsum[j]);
         })
/* Row j's step of a window's moment sums about k (m1 = sum of x - k, m2 = of its squares; cur[j]
 * enters, hist[j] = cur[j - n] leaves): every `every` pushes re-summed from the window, re-centred on
 * this value (as wmom_resum), else updated (as wmom2_run). */
static inline void yz_mom_step(double *m1, double *m2, double *k, size_t *count, size_t every, const double *cur,
                               const double *hist, size_t j, size_t n) {
    if (++*count == every) {
        double a = 0, b = 0;
        *k = cur[j], *count = 0;
        for (size_t q = j + 1; q <= j + n; q++) { /* hist[q] = cur[q - n]: no unsigned wrap early in a chunk */
            double d = hist[q] - *k, d2 = d * d;
            a += d, b += d2;
        }
        *m1 = a, *m2 = b;
    } else {
        double dn = cur[j] - *k, dold = hist[j] - *k;
        *m1 += dn - dold, *m2 += dn * dn - dold * dold;
    }
}

/* The same for a plain window sum (as wsum_resum and wsum_run). */
static inline void yz_sum_step(double *sum, size_t *count, size_t every, const double *cur, const double *hist,
                               size_t j, size_t n) {
    if (++*count == every) {
        double a = 0;
        *count = 0;
        for (size_t q = j + 1; q <= j + n; q++) a += hist[q];
        *sum = a;
    } else {
        *sum += cur[j] - hist[j];
    }
}

/* The three window sums of a chunk (positions [0, m); co, rs, ov point at the chunk's first row, with
 * n values of history before; ov's first value is position st): while a window fills, wmom2_run /
 * wsum_run alone; once all three are full, one loop with their five add chains overlapping (three
 * passes wait on one chain each), the same operations and re-summations as those runs (all three
 * re-sum every max(n, QC_RESUM) pushes, each on its own count). */
static inline __attribute__((always_inline)) void yz_sums(vol_yz_st *s, const double *co, const double *rs,
                                                          const double *ov, size_t st, size_t m, double *a1,
                                                          double *b1, double *rsum, double *a2, double *b2) {
    const size_t n = s->co.n, every = s->co.every;
    size_t j = s->co.count < n ? n - s->co.count : 0;
    if (s->ov.count < n) j = st + n - s->ov.count > j ? st + n - s->ov.count : j;
    j = j < m ? j : m;
    if (j) {
        double kb[IND_CHUNK];
        wmom2_run(&s->co, co - n, n, n + j, kb, a1, b1);
        wsum_run(&s->rs, rs, j, rsum);
        if (j > st) wmom2_run(&s->ov, ov - n, n + st, n + j, kb, a2 + st, b2 + st);
    }
    double kc = s->co.k, c1 = s->co.s1, c2 = s->co.s2, r = s->rs.sum, ko = s->ov.k, o1 = s->ov.s1, o2 = s->ov.s2;
    size_t sc = s->co.since, sr = s->rs.since, so = s->ov.since;
    const double *hc = co - n, *hr = rs - n, *ho = ov - n; /* the same rows, indexed from the history */
    while (j < m) {
        size_t mx = sc > sr ? sc : sr, plain = every - (mx > so ? mx : so) - 1;
        size_t end = m - j < plain ? m : j + plain;
        sc += end - j, sr += end - j, so += end - j;
        for (; j < end; j++) {
            double dn = co[j] - kc, dold = hc[j] - kc, en = ov[j] - ko, eold = ho[j] - ko;
            c1 += dn - dold, c2 += dn * dn - dold * dold;
            r += rs[j] - hr[j];
            o1 += en - eold, o2 += en * en - eold * eold;
            a1[j] = c1, b1[j] = c2, rsum[j] = r, a2[j] = o1, b2[j] = o2;
        }
        if (j == m) break;
        yz_mom_step(&c1, &c2, &kc, &sc, every, co, hc, j, n);
        yz_sum_step(&r, &sr, every, rs, hr, j, n);
        yz_mom_step(&o1, &o2, &ko, &so, every, ov, ho, j, n);
        a1[j] = c1, b1[j] = c2, rsum[j] = r, a2[j] = o1, b2[j] = o2;
        j++;
    }
    s->co.k = kc, s->co.s1 = c1, s->co.s2 = c2, s->co.since = sc, s->rs.sum = r, s->rs.since = sr;
    s->ov.k = ko, s->ov.s1 = o1, s->ov.s2 = o2, s->ov.since = so;
}
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define YZ_PACKED 1
/* yz_sums once all three windows are full, on the AVX2 and AVX-512 paths: the four moment chains
 * as one vector [c1, c2, o1, o2] (one add a row instead of four; the increments [dn - dold, dn^2 -
 * dold^2, en - eold, en^2 - eold^2] as d [1, d, 1, d] - e [1, e, 1, e], x 1 being exact: the same
 * values as the scalar operations), stored to q4 (row j at 4 j); the Rogers-Satchell sum beside it;
 * the re-summations as yz_sums. */
__attribute__((target("avx2"))) static void yz_sums4(vol_yz_st *s, const double *co, const double *rs,
                                                    const double *ov, size_t m, double *q4, double *rsum) {
    const size_t n = s->co.n, every = s->co.every;
    double r = s->rs.sum, kc = s->co.k, ko = s->ov.k;
    size_t sc = s->co.since, sr = s->rs.since, so = s->ov.since, j = 0;
    const double *hc = co - n, *hr = rs - n, *ho = ov - n;
    __m256d S = _mm256_setr_pd(s->co.s1, s->co.s2, s->ov.s1, s->ov.s2), one = _mm256_set1_pd(1);
    __m256d K = _mm256_setr_pd(kc, kc, ko, ko);
    while (j < m) {
        size_t mx = sc > sr ? sc : sr, plain = every - (mx > so ? mx : so) - 1;
        size_t end = m - j < plain ? m : j + plain;
        sc += end - j, sr += end - j, so += end - j;
        for (; j < end; j++) {
            __m256d x = _mm256_blend_pd(_mm256_broadcast_sd(co + j), _mm256_broadcast_sd(ov + j), 0xC);
            __m256d y = _mm256_blend_pd(_mm256_broadcast_sd(hc + j), _mm256_broadcast_sd(ho + j), 0xC);
            __m256d d = _mm256_sub_pd(x, K), e = _mm256_sub_pd(y, K);
            __m256d inc = _mm256_sub_pd(_mm256_mul_pd(d, _mm256_blend_pd(one, d, 0xA)),
                                        _mm256_mul_pd(e, _mm256_blend_pd(one, e, 0xA)));
            S = _mm256_add_pd(S, inc);
            _mm256_store_pd(q4 + 4 * j, S);
            r += rs[j] - hr[j];
            rsum[j] = r;
        }
        if (j == m) break;
        double t[4];
        _mm256_storeu_pd(t, S);
        double c1 = t[0], c2 = t[1], o1 = t[2], o2 = t[3];
        yz_mom_step(&c1, &c2, &kc, &sc, every, co, hc, j, n);
        yz_sum_step(&r, &sr, every, rs, hr, j, n);
        yz_mom_step(&o1, &o2, &ko, &so, every, ov, ho, j, n);
        S = _mm256_setr_pd(c1, c2, o1, o2), K = _mm256_setr_pd(kc, kc, ko, ko);
        _mm256_store_pd(q4 + 4 * j, S);
        rsum[j] = r;
        j++;
    }
    double t[4];
    _mm256_storeu_pd(t, S);
    s->co.k = kc, s->co.s1 = t[0], s->co.s2 = t[1], s->co.since = sc, s->rs.sum = r, s->rs.since = sr;
    s->ov.k = ko, s->ov.s1 = t[2], s->ov.s2 = t[3], s->ov.since = so;
}
/* yz_combine over yz_sums4's rows: four rows' [c1, c2, o1, o2] transposed into columns, then the same
 * expression (max(v, 0) is v > 0 ? v : 0, NaN included). */
__attribute__((target("avx2"))) static void yz_combine4(double *o, const vol_yz_st *s, const double *q4,
                                                       const double *rsum, size_t m) {
    const double inv = s->co.inv, inv1 = s->co.inv1, N = s->N, kN = s->k * s->N, ks = (1 - s->k) * s->scale;
    const __m256d vi = _mm256_set1_pd(inv), vi1 = _mm256_set1_pd(inv1), zero = _mm256_setzero_pd();
    const __m256d vN = _mm256_set1_pd(N), vkN = _mm256_set1_pd(kN), vks = _mm256_set1_pd(ks);
    size_t j = 0;
    for (; j + 4 <= m; j += 4) {
        const double *q = q4 + 4 * j;
        __m256d r0 = _mm256_load_pd(q), r1 = _mm256_load_pd(q + 4), r2 = _mm256_load_pd(q + 8);
        __m256d r3 = _mm256_load_pd(q + 12);
        __m256d t0 = _mm256_unpacklo_pd(r0, r1), t1 = _mm256_unpackhi_pd(r0, r1);
        __m256d t2 = _mm256_unpacklo_pd(r2, r3), t3 = _mm256_unpackhi_pd(r2, r3);
        __m256d a1 = _mm256_permute2f128_pd(t0, t2, 0x20), a2 = _mm256_permute2f128_pd(t0, t2, 0x31);
        __m256d b1 = _mm256_permute2f128_pd(t1, t3, 0x20), b2 = _mm256_permute2f128_pd(t1, t3, 0x31);
        __m256d v1 = _mm256_mul_pd(_mm256_sub_pd(b1, _mm256_mul_pd(a1, _mm256_mul_pd(a1, vi))), vi1);
        __m256d v2 = _mm256_mul_pd(_mm256_sub_pd(b2, _mm256_mul_pd(a2, _mm256_mul_pd(a2, vi))), vi1);
        v1 = _mm256_max_pd(v1, zero), v2 = _mm256_max_pd(v2, zero);
        __m256d v = _mm256_add_pd(_mm256_add_pd(_mm256_mul_pd(vN, v2), _mm256_mul_pd(vkN, v1)),
                                  _mm256_mul_pd(vks, _mm256_loadu_pd(rsum + j)));
        _mm256_storeu_pd(o + j, _mm256_sqrt_pd(v));
    }
    for (; j < m; j++) {
        const double *q = q4 + 4 * j;
        o[j] = sqrt(N * mom_var(q[2], q[3], inv, inv1) + kN * mom_var(q[0], q[1], inv, inv1) + ks * rsum[j]);
    }
}
#endif
/* Batch: per chunk the four logs of ratios (qc_ln_div_array: the open-to-close and overnight ones
 * straight into the buffers), the Rogers-Satchell terms, all in buffers that keep the last n values before the chunk, the three
 * window sums (yz_sums; the overnight ones from row 1), then the combination (vectorised). Once the
 * windows are full, the AVX2 and AVX-512 paths take the sums as one vector chain (yz_sums4,
 * yz_combine4: 10M points 8.0 -> 7.25 ns/point; the same bits). */
static qc_err vol_yz_batch(const double *p, const qc_ind_cols *c, size_t len, double *const *out, qc_error *e) {
    vol_yz_st s;
    qc_err rc = vol_yz_init(&s, p, e);
    if (rc) return rc;
    /* the buffers' chunk parts start on 64-byte lines (the history before them rounded up to whole
     * lines), and the chunks on the output's lines: wide vector stores straddling two lines are slow */
    size_t n = s.co.n, hn = (n + 7) & ~(size_t)7, w = hn + IND_CHUNK;
    double *buf = aligned_alloc(64, 3 * w * sizeof *buf), *bco = buf + hn, *brs = buf + w + hn, *bov = buf + 2 * w + hn;
    if (!buf) {
        vol_yz_free(&s);
        return ind_nomem(e, "vol_yz");
    }
    memset(buf, 0, 3 * w * sizeof *buf);
    _Alignas(64) double r[2 * IND_CHUNK], a1[IND_CHUNK], b1[IND_CHUNK], rsum[IND_CHUNK];
    _Alignas(64) double a2[IND_CHUNK] = {0}, b2[IND_CHUNK] = {0};
    double *r2 = r + IND_CHUNK;
#ifdef YZ_PACKED
    _Alignas(64) double q4[4 * (IND_CHUNK / 2)];
    int packed = qc_feat_simd_path() != QC_SIMD_BASE;
#endif
    size_t m = ind_first_chunk(out[0], IND_CHUNK / 2); /* chunks of half the buffers: 8.2 -> 7.4-7.8 */
    for (size_t i0 = 0; i0 < len; i0 += m, m = IND_CHUNK / 2) {
        m = len - i0 < m ? len - i0 : m;
        size_t st = i0 == 0; /* row 0 has no overnight log */
        const double *op = c->open + i0, *hi = c->high + i0, *lo = c->low + i0, *cl = c->close + i0;
        if (st) { /* row 0: three logs (vol_yz_step) */
            double a[3] = {cl[0], hi[0], lo[0]}, b[3] = {op[0], cl[0], cl[0]}, y[3];
            qc_ln_divs(a, b, 3, y);
            bco[0] = y[0], r[0] = y[1], r2[0] = y[2], bov[0] = 0;
        }
        const double *num[4] = {cl + st, hi + st, lo + st, op + st}, *den[4] = {op + st, cl + st, cl + st, cl + st - 1};
        double *y[4] = {bco + st, r + st, r2 + st, bov + st};
        qc_ln_divs_array(4, num, den, y, m - st);
        for (size_t j = 0; j < m; j++) brs[j] = rs_term(r[j], r2[j], bco[j]);
#ifdef YZ_PACKED
        if (packed && s.co.count == n && s.ov.count == n && s.rs.count == n) {
            yz_sums4(&s, bco, brs, bov, m, q4, rsum);
            yz_combine4(out[0] + i0, &s, q4, rsum, m);
        } else
#endif
        {
            yz_sums(&s, bco, brs, bov, st, m, a1, b1, rsum, a2, b2);
            yz_combine(out[0] + i0, &s, a1, b1, a2, b2, rsum, m);
        }
        memmove(bco - n, bco + m - n, n * sizeof *buf), memmove(brs - n, brs + m - n, n * sizeof *buf);
        memmove(bov - n, bov + m - n, n * sizeof *buf);
    }
    for (size_t i = 0; i < len && i < n; i++) out[0][i] = NAN; /* full from row n (n overnight logs) */
    free(buf);
    vol_yz_free(&s);
    return QC_OK;
}

/* ---- chaikin_vol(n): n-bar percent change (fraction) of the EMA of high - low ------------------- */
typedef struct { ema_core e; lagbuf l; } chaikin_vol_st;
static qc_err chaikin_vol_init(chaikin_vol_st *s, const double *p, qc_error *e) {
    ema_core_init(&s->e, P(0), 2.0 / (p[0] + 1));
    return lagbuf_init(&s->l, P(0)) ? QC_OK : ind_nomem(e, "chaikin_vol");
}
static void chaikin_vol_free(chaikin_vol_st *s) { lagbuf_free(&s->l); }
IND_STEP chaikin_vol_step(chaikin_vol_st *s, const qc_ind_cols *c, size_t i, double *o) {
    double m = ema_core_push(&s->e, c->high[i] - c->low[i]);
    o[0] = NAN;
    if (m != m) return;
    o[0] = m / lagbuf_push(&s->l, m) - 1;
}
IND_GLUE(chaikin_vol, 1)
static size_t lb_chaikin_vol(const double *p, size_t k) { (void)k; return 2 * P(0) - 1; }

#define NPAR(def, lo, hi) {"n", def, lo, hi, 1}
#define ANN {"N", 252, 1, 1e7, 0}
#define HL (QC_IND_IN_HIGH | QC_IND_IN_LOW)
#define HLC (QC_IND_IN_HIGH | QC_IND_IN_LOW | QC_IND_IN_CLOSE)
#define OHLC (QC_IND_IN_OPEN | HLC)
const qc_ind_def qc_ind_volatility_defs[] = {
    {"tr", "volatility", "true range: max(high, prev close) - min(low, prev close)", HLC, 0, {{0}}, 1, {"tr"}, 0,
     lb_one, NULL, IND_FNS(tr)},
    {"atr", "volatility", "average true range, Wilder smoothing", HLC, 1, {NPAR(14, 1, 1e6)}, 1, {"atr"}, 0, lb_n, NULL,
     IND_FNS(atr)},
    {"natr", "volatility", "normalised ATR: 100 ATR / close", HLC, 1, {NPAR(14, 1, 1e6)}, 1, {"natr"}, 0, lb_n, NULL,
     IND_FNS(natr)},
    {"bbands", "volatility", "Bollinger bands: SMA +- k population SD; %B and bandwidth (upper - lower) / middle",
     QC_IND_IN_CLOSE, 2, {NPAR(20, 1, 1e6), {"k", 2, 0, 1e3, 0}}, 5, {"lower", "middle", "upper", "pctb", "bandwidth"},
     0, lb_n1, NULL, IND_FNS(bbands)},
    {"keltner", "volatility", "Keltner channel: EMA(typical price, n) +- k ATR(n)", HLC, 2,
     {NPAR(20, 1, 1e6), {"k", 2, 0, 1e3, 0}}, 3, {"lower", "middle", "upper"}, 0, lb_keltner, NULL, IND_FNS(keltner)},
    {"donchian", "volatility", "Donchian channel: highest high, midpoint, lowest low of n bars", HL, 1,
     {NPAR(10, 1, 1e6)}, 3, {"upper", "middle", "lower"}, 0, lb_n1, NULL, IND_FNS(donchian)},
    {"stdev", "volatility", "rolling sample standard deviation of the close", QC_IND_IN_CLOSE, 1, {NPAR(20, 2, 1e6)}, 1,
     {"stdev"}, 0, lb_n1, n2_check, IND_FNS(stdev)},
    {"vol_cc", "volatility", "close-to-close volatility: sqrt(N) x SD of the n-1 log returns in n bars",
     QC_IND_IN_CLOSE, 2, {NPAR(10, 3, 1e6), ANN}, 1, {"vol_cc"}, 0, lb_n1, n3_check, IND_FNS(vol_cc)},
    {"vol_parkinson", "volatility", "Parkinson high-low volatility, annualised", HL, 2, {NPAR(10, 1, 1e6), ANN}, 1,
     {"vol_parkinson"}, 0, lb_n1, NULL, IND_FNS(vol_parkinson)},
    {"vol_gk", "volatility", "Garman-Klass OHLC volatility, annualised", OHLC, 2, {NPAR(10, 1, 1e6), ANN}, 1,
     {"vol_gk"}, 0, lb_n1, NULL, IND_FNS(vol_gk)},
    {"vol_rs", "volatility", "Rogers-Satchell drift-independent volatility, annualised", OHLC, 2,
     {NPAR(10, 1, 1e6), ANN}, 1, {"vol_rs"}, 0, lb_n1, NULL, IND_FNS(vol_rs)},
    {"vol_yz", "volatility", "Yang-Zhang volatility (overnight, open-to-close and Rogers-Satchell), annualised", OHLC,
     2, {NPAR(10, 2, 1e6), ANN}, 1, {"vol_yz"}, 0, lb_n, n2_check, IND_FNS(vol_yz)},
    {"chaikin_vol", "volatility", "Chaikin volatility: n-bar change of the EMA(n) of high - low (fraction)", HL, 1,
     {NPAR(10, 1, 1e6)}, 1, {"chaikin_vol"}, 0, lb_chaikin_vol, NULL, IND_FNS(chaikin_vol)},
};
const size_t qc_ind_volatility_n = sizeof qc_ind_volatility_defs / sizeof qc_ind_volatility_defs[0];
