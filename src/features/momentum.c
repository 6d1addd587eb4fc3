/* momentum.c: momentum indicators: RSI, MACD, PPO, stochastic, Williams %R, CCI, ROC, momentum, TSI,
 * ADX (+DI, -DI, DX), ultimate oscillator, TRIX, CMO. TTR conventions (Wilder smoothing for RSI and
 * ADX's average, TTR's wilderSum for the DIs, MACD in price units); see docs/FEATURES.md. */
#include "features/ind_internal.h"
#include "features/simd.h"

static size_t lb_n(const double *p, size_t k) { (void)k; return P(0); }
static size_t lb_n1(const double *p, size_t k) { (void)k; return P(0) - 1; }

/* ---- rsi(n): Wilder-smoothed gains over gains + losses (x100) ----------------------------------- */
typedef struct { ema_core up, dn; double prev; size_t t; } rsi_st;
static qc_err rsi_init(rsi_st *s, const double *p, qc_error *e) {
    (void)e;
    memset(s, 0, sizeof *s);
    ema_core_init(&s->up, P(0), 1.0 / p[0]);
    ema_core_init(&s->dn, P(0), 1.0 / p[0]);
    return QC_OK;
}
static void rsi_free(rsi_st *s) { (void)s; }
IND_STEP rsi_step(rsi_st *s, const qc_ind_cols *c, size_t i, double *o) {
    double x = c->close[i], d = x - s->prev;
    s->prev = x;
    if (s->t++ == 0) {
        o[0] = NAN;
        return;
    }
    double ad = fabs(d);
    double u = ema_core_push(&s->up, (d + ad) * 0.5), v = ema_core_push(&s->dn, (ad - d) * 0.5);
    double tot = u + v;
    o[0] = tot > 0 ? 100 * u / tot : (tot == 0 ? 50 : NAN);
}
IND_GLUE(rsi, 1)

/* ---- macd(fast, slow, signal) in price units; ppo the same in percent of the slow EMA ----------- */
typedef struct { ema_core f, s, sig; int pct; } macd_st;
typedef macd_st ppo_st;
static qc_err macd_init(macd_st *s, const double *p, qc_error *e) {
    (void)e;
    ema_core_init(&s->f, P(0), 2.0 / (p[0] + 1));
    ema_core_init(&s->s, P(1), 2.0 / (p[1] + 1));
    ema_core_init(&s->sig, P(2), 2.0 / (p[2] + 1));
    s->pct = 0;
    return QC_OK;
}
static qc_err ppo_init(ppo_st *s, const double *p, qc_error *e) {
    macd_init(s, p, e);
    s->pct = 1;
    return QC_OK;
}
static void macd_free(macd_st *s) { (void)s; }
static void ppo_free(ppo_st *s) { (void)s; }
IND_STEP macd_step(macd_st *s, const qc_ind_cols *c, size_t i, double *o) {
    double x = c->close[i];
    double a = ema_core_push(&s->f, x), b = ema_core_push(&s->s, x);
    double m = s->pct ? 100 * (a / b - 1) : a - b;
    double g = ema_core_push_valid(&s->sig, m);
    o[0] = m, o[1] = g, o[2] = m - g;
}
IND_STEP ppo_step(ppo_st *s, const qc_ind_cols *c, size_t i, double *o) { macd_step(s, c, i, o); }
IND_GLUE(macd, 3)
IND_GLUE(ppo, 3)
static size_t lb_macd(const double *p, size_t k) { return k == 0 ? P(1) - 1 : P(1) + P(2) - 2; }
static const char *macd_check(const double *p) { return p[0] < p[1] ? NULL : "fast must be < slow"; }

/* ---- stoch(k, d, slow_d): fast %K = (C - LL) / (HH - LL) as a fraction (0.5 when HH == LL) ------ */
typedef struct { wext hi, lo; wsum d, sd; size_t t, n; double inv_d, inv_sd; } stoch_st;
static qc_err stoch_init(stoch_st *s, const double *p, qc_error *e) {
    memset(s, 0, sizeof *s);
    s->n = P(0);
    s->inv_d = 1.0 / p[1], s->inv_sd = 1.0 / p[2];
    if (!wext_init(&s->hi, P(0), 1) || !wext_init(&s->lo, P(0), -1) || !wsum_init(&s->d, P(1)) ||
        !wsum_init(&s->sd, P(2))) {
        wext_free(&s->hi), wext_free(&s->lo), wsum_free(&s->d), wsum_free(&s->sd);
        return ind_nomem(e, "stoch");
    }
    return QC_OK;
}
static void stoch_free(stoch_st *s) { wext_free(&s->hi), wext_free(&s->lo), wsum_free(&s->d), wsum_free(&s->sd); }
/* Fast %K (the division unconditional, its result discarded on a flat window: no branch around it). */
static inline double stoch_k(double hh, double ll, double cl) {
    double den = hh - ll, r = (cl - ll) / den;
    return den != 0 ? r : 0.5;
}
IND_STEP stoch_core(stoch_st *s, double k, double *o0, double *o1, double *o2) {
    *o0 = *o1 = *o2 = NAN;
    if (++s->t < s->n) return;
    *o0 = k;
    if (!wsum_push(&s->d, k)) return;
    double d = s->d.sum * s->inv_d;
    *o1 = d;
    if (wsum_push(&s->sd, d)) *o2 = s->sd.sum * s->inv_sd;
}
IND_STEP stoch_step(stoch_st *s, const qc_ind_cols *c, size_t i, double *o) {
    double hh = wext_push(&s->hi, c->high[i]), ll = wext_push(&s->lo, c->low[i]);
    stoch_core(s, stoch_k(hh, ll, c->close[i]), o, o + 1, o + 2);
}
IND_GLUE_STREAM(stoch)
/* stoch_core's two window sums once both are full, over rows [i, i1) of the output columns k (fast
 * %K, already written), d and sd: one loop with both add chains (separate passes measured slower),
 * the leaving values read from the columns themselves (k[i - n], d[i - n]: no ring, no branch in the
 * steady loop), each sum re-summed on wsum_push's schedule (the same operations, so the same bits). */
static inline __attribute__((always_inline)) void stoch_sums(stoch_st *s, const double *k, double *d, double *sd,
                                                             size_t i, size_t i1) {
    const size_t n1 = s->d.n, n2 = s->sd.n, e1 = s->d.every, e2 = s->sd.every;
    const double v1 = s->inv_d, v2 = s->inv_sd;
    double a = s->d.sum, b = s->sd.sum;
    size_t c1 = s->d.since, c2 = s->sd.since;
    while (i < i1) {
        size_t p1 = e1 - c1 - 1, p2 = e2 - c2 - 1, plain = p1 < p2 ? p1 : p2;
        size_t end = i1 - i < plain ? i1 : i + plain;
        c1 += end - i, c2 += end - i;
        for (; i < end; i++) {
            a += k[i] - k[i - n1];
            d[i] = a * v1;
            b += d[i] - d[i - n2];
            sd[i] = b * v2;
        }
        if (i == i1) break;
        if (++c1 == e1) { /* wsum_resum: the window oldest first */
            a = 0, c1 = 0;
            for (size_t q = i + 1 - n1; q <= i; q++) a += k[q];
        } else {
            a += k[i] - k[i - n1];
        }
        d[i] = a * v1;
        if (++c2 == e2) {
            b = 0, c2 = 0;
            for (size_t q = i + 1 - n2; q <= i; q++) b += d[q];
        } else {
            b += d[i] - d[i - n2];
        }
        sd[i] = b * v2;
        i++;
    }
    s->d.sum = a, s->sd.sum = b, s->d.since = c1, s->sd.since = c2;
}
/* The window extreme of n <= SEXT_MAX ending at each position of a chunk: ext(row[j - back], row[j])
 * of the doubling levels' row (the newer on ties, as the deque). */
static inline __attribute__((always_inline)) void sext_window(const sext *x, size_t n, size_t m, double *restrict o) {
    size_t back;
    const double *restrict v = sext_pick(x, n, &back), *restrict vb = v - back;
    if (x->is_min)
        for (size_t j = 0; j < m; j++) o[j] = vb[j] < v[j] ? vb[j] : v[j];
    else
        for (size_t j = 0; j < m; j++) o[j] = vb[j] > v[j] ? vb[j] : v[j];
}
/* stoch's highest high and lowest low of a chunk by the doubling levels (n <= SEXT_MAX), compiled
 * per path: vectorised, no serial chain (rext2's blocks run four compare chains). */
IND_SIMD(stoch_levels, (sext *hi, sext *lo, size_t n, const qc_ind_cols *c, size_t i0, size_t m, double *hb, double *lb),
         (hi, lo, n, c, i0, m, hb, lb), {
             sext_load(hi, c->high + i0, m, i0 == 0);
             sext_load(lo, c->low + i0, m, i0 == 0);
             sext_window(hi, n, m, hb);
             sext_window(lo, n, m, lb);
             sext_next(hi, m), sext_next(lo, m);
         })
static qc_err stoch_batch(const double *p, const qc_ind_cols *c, size_t len, double *const *out, qc_error *e) {
    stoch_st s0;
    rext2 x = {0};
    sext sh = {0}, sl = {0};
    int lv = P(0) <= SEXT_MAX && qc_feat_simd_path() != QC_SIMD_BASE; /* the levels; SSE2 keeps rext2 */
    qc_err rc = stoch_init(&s0, p, e);
    if (!rc && lv && !(sext_init(&sh, P(0), 0) && sext_init(&sl, P(0), 1))) {
        sext_free(&sh), sext_free(&sl), stoch_free(&s0);
        return ind_nomem(e, "stoch");
    }
    if (!rc && !lv && (rc = rext2_init(&x, P(0), len, 0, "stoch", e))) stoch_free(&s0);
    if (rc) return rc;
    stoch_st s = s0;
    _Alignas(64) double hb[IND_CHUNK], lb[IND_CHUNK];
    double *o0 = out[0], *o1 = out[1], *o2 = out[2];
    const size_t chunk = lv ? SEXT_CHUNK : IND_CHUNK;
    size_t uh = 0, ul = 0, m = ind_first_chunk(o0, chunk); /* later chunks start on the output's lines */
    for (size_t i0 = 0; i0 < len; i0 += m, m = chunk) {
        m = len - i0 < m ? len - i0 : m;
        size_t i1 = i0 + m;
        if (lv) stoch_levels(&sh, &sl, P(0), c, i0, i1 - i0, hb, lb);
        else rext2_run(&x, c->high, c->low, i0, i1, hb, lb, NULL, NULL);
        ind_ext_nan(c->high, i0, i1, P(0), ind_any_nan(c->high + i0, i1 - i0), &uh, hb, NULL);
        ind_ext_nan(c->low, i0, i1, P(0), ind_any_nan(c->low + i0, i1 - i0), &ul, lb, NULL);
        size_t i = i0; /* the stream's steps until both window sums are full (the first chunk) */
        for (; i < i1 && !(s.d.count == s.d.n && s.sd.count == s.sd.n); i++)
            stoch_core(&s, stoch_k(hb[i - i0], lb[i - i0], c->close[i]), o0 + i, o1 + i, o2 + i);
        if (i == i1) continue;
        ind_ratio_or(c->close + i, lb + (i - i0), hb + (i - i0), lb + (i - i0), 0.5, o0 + i, i1 - i); /* stoch_k */
        stoch_sums(&s, o0, o1, o2, i, i1);
    }
    s0 = s;
    stoch_free(&s0), rext2_free(&x), sext_free(&sh), sext_free(&sl);
    return QC_OK;
}
static size_t lb_stoch(const double *p, size_t k) {
    return P(0) - 1 + (k >= 1 ? P(1) - 1 : 0) + (k >= 2 ? P(2) - 1 : 0);
}

/* ---- willr(n): TTR's WPR: (HH - C) / (HH - LL), 0..1 with 1 at the low (0.5 when HH == LL) ------- */
typedef struct { wext hi, lo; size_t t, n; } willr_st;
static qc_err willr_init(willr_st *s, const double *p, qc_error *e) {
    memset(s, 0, sizeof *s);
    s->n = P(0);
    if (!wext_init(&s->hi, P(0), 1) || !wext_init(&s->lo, P(0), -1)) {
        wext_free(&s->hi), wext_free(&s->lo);
        return ind_nomem(e, "willr");
    }
    return QC_OK;
}
static void willr_free(willr_st *s) { wext_free(&s->hi), wext_free(&s->lo); }
/* The division is unconditional (its result is discarded when den is 0), so the batch loop has no
 * branch around it and vectorises. */
static inline double willr_of(double hh, double ll, double cl) {
    double den = hh - ll, r = (hh - cl) / den;
    return den != 0 ? r : 0.5;
}
IND_STEP willr_step(willr_st *s, const qc_ind_cols *c, size_t i, double *o) {
    double hh = wext_push(&s->hi, c->high[i]), ll = wext_push(&s->lo, c->low[i]);
    o[0] = ++s->t < s->n ? NAN : willr_of(hh, ll, c->close[i]);
}
IND_GLUE_STREAM(willr)
static qc_err willr_batch(const double *p, const qc_ind_cols *c, size_t len, double *const *out, qc_error *e) {
    rext2 x;
    qc_err rc = rext2_init(&x, P(0), len, 0, "willr", e);
    if (rc) return rc;
    double hb[IND_CHUNK], lb[IND_CHUNK], *o = out[0];
    size_t uh = 0, ul = 0;
    for (size_t i0 = 0; i0 < len; i0 += IND_CHUNK) {
        size_t i1 = len - i0 < IND_CHUNK ? len : i0 + IND_CHUNK;
        rext2_run(&x, c->high, c->low, i0, i1, hb, lb, NULL, NULL);
        ind_ext_nan(c->high, i0, i1, P(0), ind_any_nan(c->high + i0, i1 - i0), &uh, hb, NULL);
        ind_ext_nan(c->low, i0, i1, P(0), ind_any_nan(c->low + i0, i1 - i0), &ul, lb, NULL);
        ind_ratio_or(hb, c->close + i0, hb, lb, 0.5, o + i0, i1 - i0); /* willr_of */
    }
    for (size_t i = 0; i < len && i + 1 < P(0); i++) o[i] = NAN;
    rext2_free(&x);
    return QC_OK;
}

/* ---- cci(n, c): (tp - SMA(tp)) / (c x mean |tp - SMA(tp)|); the mean deviation scans the window -- */
typedef struct { wsum w; double inv, cc; } cci_st;
static qc_err cci_init(cci_st *s, const double *p, qc_error *e) {
    s->inv = 1.0 / p[0];
    s->cc = p[1];
    return wsum_init(&s->w, P(0)) ? QC_OK : ind_nomem(e, "cci");
}
static void cci_free(cci_st *s) { wsum_free(&s->w); }
IND_STEP cci_step(cci_st *s, const qc_ind_cols *c, size_t i, double *o) {
    double tp = (c->high[i] + c->low[i] + c->close[i]) / 3;
    if (!wsum_push(&s->w, tp)) {
        o[0] = NAN;
        return;
    }
    double m = s->w.sum * s->inv, md = 0;
    for (size_t j = 0; j < s->w.n; j++) md += fabs(s->w.buf[j] - m);
    md *= s->inv;
    o[0] = (tp - m) / (s->cc * md);
}
IND_GLUE(cci, 1)

/* ---- roc(n) = x / x[t-n] - 1; mom(n) = x - x[t-n] ----------------------------------------------- */
typedef struct { lagbuf l; } roc_st;
typedef roc_st mom_st;
static qc_err roc_init(roc_st *s, const double *p, qc_error *e) {
    return lagbuf_init(&s->l, P(0)) ? QC_OK : ind_nomem(e, "roc");
}
static qc_err mom_init(mom_st *s, const double *p, qc_error *e) { return roc_init(s, p, e); }
static void roc_free(roc_st *s) { lagbuf_free(&s->l); }
static void mom_free(mom_st *s) { lagbuf_free(&s->l); }
IND_STEP roc_step(roc_st *s, const qc_ind_cols *c, size_t i, double *o) {
    double x = c->close[i];
    o[0] = x / lagbuf_push(&s->l, x) - 1;
}
IND_STEP mom_step(mom_st *s, const qc_ind_cols *c, size_t i, double *o) {
    double x = c->close[i];
    o[0] = x - lagbuf_push(&s->l, x);
}
IND_GLUE(roc, 1)
IND_GLUE(mom, 1)

/* ---- tsi(r, s) = 100 EMA_s(EMA_r(m)) / EMA_s(EMA_r(|m|)), m = x - x[t-1] ------------------------- */
typedef struct { ema_core a1, a2, b1, b2; double prev; size_t t; } tsi_st;
static qc_err tsi_init(tsi_st *s, const double *p, qc_error *e) {
    (void)e;
    memset(s, 0, sizeof *s);
    ema_core_init(&s->a1, P(0), 2.0 / (p[0] + 1));
    ema_core_init(&s->b1, P(0), 2.0 / (p[0] + 1));
    ema_core_init(&s->a2, P(1), 2.0 / (p[1] + 1));
    ema_core_init(&s->b2, P(1), 2.0 / (p[1] + 1));
    return QC_OK;
}
static void tsi_free(tsi_st *s) { (void)s; }
IND_STEP tsi_step(tsi_st *s, const qc_ind_cols *c, size_t i, double *o) {
    double x = c->close[i], m = x - s->prev;
    s->prev = x;
    o[0] = NAN;
    if (s->t++ == 0) return;
    double a = ema_core_push_valid(&s->a2, ema_core_push(&s->a1, m));
    double b = ema_core_push_valid(&s->b2, ema_core_push(&s->b1, fabs(m)));
    o[0] = 100 * a / b;
}
IND_GLUE(tsi, 1)
static size_t lb_tsi(const double *p, size_t k) { (void)k; return P(0) + P(1) - 1; }

/* ---- adx(n): TTR: DI = 100 wilderSum(DM) / wilderSum(TR) (the plain sum of the first n - 1 changes,
 * then s = x + s (n - 1) / n), DX = 100 |DI+ - DI-| / (DI+ + DI-), ADX = Wilder EMA of DX --------------------- */
typedef struct { double k, sp, sn, str, ph, pl, pc; ema_core adx; size_t t, n; } adx_st;
static qc_err adx_init(adx_st *s, const double *p, qc_error *e) {
    (void)e;
    memset(s, 0, sizeof *s);
    s->n = P(0);
    s->k = (p[0] - 1) / p[0];
    ema_core_init(&s->adx, P(0), 1.0 / p[0]);
    return QC_OK;
}
static void adx_free(adx_st *s) { (void)s; }
/* The Wilder sums after row i into q[0..3) (DM+, DM-, TR); 0 during the first n rows (no output). */
IND_STEP adx_sums(adx_st *s, const qc_ind_cols *c, size_t i, double *q, int *ok) {
    double h = c->high[i], l = c->low[i], cl = c->close[i];
    size_t t = s->t++;
    double dh = h - s->ph, dl = s->pl - l;
    double tr = dmax(h, s->pc) - dmin(l, s->pc);
    s->ph = h, s->pl = l, s->pc = cl;
    *ok = 0;
    if (t == 0) return;
    int none = dh == dl || (dh < 0 && dl < 0);
    double dp = !none && dh > dl ? dh : 0, dn = !none && dh < dl ? dl : 0;
    if (t < s->n) { /* TTR's wilderSum starts from the plain sum of its first n - 1 values */
        s->sp += dp, s->sn += dn, s->str += tr;
        return;
    }
    s->sp = dp + s->sp * s->k;
    s->sn = dn + s->sn * s->k;
    s->str = tr + s->str * s->k;
    q[0] = s->sp, q[1] = s->sn, q[2] = s->str, *ok = 1;
}
/* +DI, -DI, DX from the sums: two divisions per bar, not three (the true range cancels from DX:
 * 100 |DM+ - DM-| / (DM+ + DM-)). */
static inline void adx_of(double sp, double sn, double str, double *pdi, double *ndi, double *dx) {
    double r = 100 / str;
    *pdi = sp * r, *ndi = sn * r;
    *dx = 100 * fabs(sp - sn) / (sp + sn);
}
IND_STEP adx_step(adx_st *s, const qc_ind_cols *c, size_t i, double *o) {
    double q[3];
    int ok;
    adx_sums(s, c, i, q, &ok);
    o[0] = o[1] = o[2] = o[3] = NAN;
    if (!ok) return;
    adx_of(q[0], q[1], q[2], o, o + 1, o + 2);
    o[3] = ema_core_push(&s->adx, o[2]);
}
IND_GLUE_STREAM(adx)
/* adx_sums' moves and true ranges for a chunk (h, l at its first row, pc one row before; compiled
 * for SSE2, AVX2 and AVX-512, simd.h). */
IND_SIMD(adx_moves, (const double *h, const double *l, const double *pc, double (*a)[IND_CHUNK], size_t m),
         (h, l, pc, a, m), {
             for (size_t j = 0; j < m; j++) {
                 double dh = h[j] - h[j - 1], dl = l[j - 1] - l[j];
                 int none = (dh == dl) | ((dh < 0) & (dl < 0));
                 a[0][j] = ind_pick(!none & (dh > dl), dh, 0), a[1][j] = ind_pick(!none & (dh < dl), dl, 0);
                 a[2][j] = dmax(h[j], pc[j]) - dmin(l[j], pc[j]);
             }
         })
/* adx_of over a chunk's sums (a[0..3), from adx_moves' rows), vectorised for the widest path. */
IND_SIMD(adx_dis, (const double (*a)[IND_CHUNK], double *restrict o0, double *restrict o1, double *restrict o2, size_t m),
         (a, o0, o1, o2, m), {
             const double *restrict sp = a[0], *restrict sn = a[1], *restrict str = a[2];
             for (size_t j = 0; j < m; j++) adx_of(sp[j], sn[j], str[j], o0 + j, o1 + j, o2 + j);
         })
/* The stream's steps until the sums and the EMA are seeded (2n rows), then per chunk of 48 on the
 * AVX-512 path, 32 on the others (the first up to the output's next line): the directional moves
 * and true ranges (no serial dependency: vectorised), one loop of the three Wilder sums beside the
 * ADX EMA of the previous chunk's DX (four chains of a multiply and an add), then the DIs and DX
 * (adx_dis: the two divisions a point vectorised, where the one loop took them scalar). The chunks
 * are short so the core runs a chunk's divisions under the next one's chains (10M points: 5.5 ->
 * 5.15 ns/point with 32; 64: 5.6, 128: 6.1, 16: 5.2; the EMA in a loop of its own after the
 * divisions: 5.9). Eighth round, 10M points, AVX-512: 48 -> 4.75 (40: 4.9, 56: 5.5, 64: 5.7-6.3: a
 * cliff past 48); on AVX2 48 is no faster and on SSE2 slower (7.75 vs 7.45), so they keep 32. The
 * same operations as adx_step's steady state. */
static size_t adx_chunk(void) { return qc_feat_simd_path() == QC_SIMD_AVX512 ? 48 : 32; }
static qc_err adx_batch(const double *p, const qc_ind_cols *c, size_t len, double *const *out, qc_error *e) {
    adx_st s;
    qc_err rc = adx_init(&s, p, e);
    if (rc) return rc;
    size_t i = 0;
    for (double o[4]; i < len && i < 2 * s.n; i++) {
        adx_step(&s, c, i, o);
        for (int k = 0; k < 4; k++) out[k][i] = o[k];
    }
    double sp = s.sp, sn = s.sn, str = s.str, k = s.k, v = s.adx.v, ek = s.adx.k, ek1 = s.adx.k1;
    _Alignas(64) double a[3][IND_CHUNK];
    const double *pd = NULL; /* the previous chunk's DX, whose EMA runs beside this chunk's sums */
    double *pe = NULL;
    const size_t chunk = adx_chunk();
    size_t pm = 0, m = ind_first_chunk(out[0] + i, chunk);
    for (size_t i0 = i; i0 < len; i0 += m, m = chunk) {
        m = len - i0 < m ? len - i0 : m;
        adx_moves(c->high + i0, c->low + i0, c->close + i0 - 1, a, m);
        size_t both = m < pm ? m : pm, j = 0;
        for (; j < both; j++) {
            sp = a[0][j] + sp * k, sn = a[1][j] + sn * k, str = a[2][j] + str * k;
            a[0][j] = sp, a[1][j] = sn, a[2][j] = str;
            v = pd[j] * ek + v * ek1, pe[j] = v;
        }
        for (size_t q = j; q < pm; q++) v = pd[q] * ek + v * ek1, pe[q] = v;
        for (; j < m; j++) {
            sp = a[0][j] + sp * k, sn = a[1][j] + sn * k, str = a[2][j] + str * k;
            a[0][j] = sp, a[1][j] = sn, a[2][j] = str;
        }
        adx_dis(a, out[0] + i0, out[1] + i0, out[2] + i0, m);
        pd = out[2] + i0, pe = out[3] + i0, pm = m;
    }
    for (size_t q = 0; q < pm; q++) v = pd[q] * ek + v * ek1, pe[q] = v;
    adx_free(&s);
    return QC_OK;
}
static size_t lb_adx(const double *p, size_t k) { return k < 3 ? P(0) : 2 * P(0) - 1; }

/* ---- ultosc(n1, n2, n3): 100 (4 BP/TR_n1 + 2 BP/TR_n2 + BP/TR_n3) / 7 ---------------------------- */
typedef struct { wsum bp[3], tr[3]; double pc; size_t t; } ultosc_st;
static qc_err ultosc_init(ultosc_st *s, const double *p, qc_error *e) {
    memset(s, 0, sizeof *s);
    int ok = 1;
    for (int j = 0; j < 3; j++) ok &= wsum_init(&s->bp[j], P(j)) & wsum_init(&s->tr[j], P(j));
    if (!ok) {
        for (int j = 0; j < 3; j++) wsum_free(&s->bp[j]), wsum_free(&s->tr[j]);
        return ind_nomem(e, "ultosc");
    }
    return QC_OK;
}
static void ultosc_free(ultosc_st *s) {
    for (int j = 0; j < 3; j++) wsum_free(&s->bp[j]), wsum_free(&s->tr[j]);
}
/* 100 (4 b1/t1 + 2 b2/t2 + b3/t3) / 7 over one division (a division costs more than the rest of
 * the update; the rounding moves by an ulp or so: the TTR goldens hold to 1e-9). */
static inline double ultosc_of(double b1, double t1, double b2, double t2, double b3, double t3) {
    double t23 = t2 * t3;
    return (100.0 / 7) * (4 * b1 * t23 + (2 * b2 * t3 + b3 * t2) * t1) / (t1 * t23);
}
IND_STEP ultosc_step(ultosc_st *s, const qc_ind_cols *c, size_t i, double *o) {
    double h = c->high[i], l = c->low[i], cl = c->close[i], pc = s->pc;
    s->pc = cl;
    o[0] = NAN;
    if (s->t++ == 0) return;
    double tl = dmin(l, pc), bp = cl - tl, tr = dmax(h, pc) - tl;
    int full = 1;
    for (int j = 0; j < 3; j++) {
        wsum_push(&s->bp[j], bp);
        full &= wsum_push(&s->tr[j], tr);
    }
    if (full)
        o[0] = ultosc_of(s->bp[0].sum, s->tr[0].sum, s->bp[1].sum, s->tr[1].sum, s->bp[2].sum, s->tr[2].sum);
}
IND_GLUE_STREAM(ultosc)
/* The stream's sums by wsum_run6 over buying pressure and true range kept in a buffer of the last
 * nmax = h values plus a chunk; then the stream's expression over the six sums. The chunk loop is
 * compiled per path (simd.h): the terms and the divisions vectorise wider. */
#define ULTOSC_CHUNK 64
IND_SIMD(ultosc_chunks, (ultosc_st *s, const qc_ind_cols *c, size_t len, size_t h, double *buf, double *o),
         (s, c, len, h, buf, o), {
             double sb[6][IND_CHUNK];
             double *bp = buf + h, *tr = buf + 2 * h + IND_CHUNK; /* chunk values at [0, m), history before */
             wsum *w[6] = {&s->bp[0], &s->tr[0], &s->bp[1], &s->tr[1], &s->bp[2], &s->tr[2]};
             const double *x[6] = {bp, tr, bp, tr, bp, tr};
             /* chunks of 64 (10M points: 5.15 -> 4.55 ns/point; 32: 4.8, 128: 5.4, 256: 5.15; 512 on 2M
              * points: 5.7), starting on o's lines */
             size_t m = ind_first_chunk(o + 1, ULTOSC_CHUNK);
             for (size_t i0 = 1; i0 < len; i0 += m, m = ULTOSC_CHUNK) { /* row 0 has no previous close: no push */
                 m = len - i0 < m ? len - i0 : m;
                 const double *hi = c->high + i0, *lo = c->low + i0, *cl = c->close + i0, *pc = c->close + i0 - 1;
                 for (size_t j = 0; j < m; j++) { /* ultosc_step's expressions */
                     double tl = dmin(lo[j], pc[j]);
                     bp[j] = cl[j] - tl, tr[j] = dmax(hi[j], pc[j]) - tl;
                 }
                 wsum_run6(w, x, m, sb);
                 double *restrict oo = o + i0; /* the warm-up is overwritten by the caller */
                 for (size_t j = 0; j < m; j++)
                     oo[j] = ultosc_of(sb[0][j], sb[1][j], sb[2][j], sb[3][j], sb[4][j], sb[5][j]);
                 memmove(bp - h, bp + m - h, h * sizeof *bp), memmove(tr - h, tr + m - h, h * sizeof *tr);
             }
         })
static qc_err ultosc_batch(const double *p, const qc_ind_cols *c, size_t len, double *const *out, qc_error *e) {
    ultosc_st s;
    qc_err rc = ultosc_init(&s, p, e);
    if (rc) return rc;
    size_t h = P(0) > P(1) ? P(0) : P(1);
    h = h > P(2) ? h : P(2);
    double *buf = calloc(2 * (h + IND_CHUNK), sizeof *buf), *o = out[0];
    if (!buf) {
        ultosc_free(&s);
        return ind_nomem(e, "ultosc");
    }
    ultosc_chunks(&s, c, len, h, buf, o);
    for (size_t i = 0; i < len && i < h; i++) o[i] = NAN; /* row i has pushed i values: full from h */
    free(buf);
    ultosc_free(&s);
    return QC_OK;
}
static size_t lb_ultosc(const double *p, size_t k) {
    (void)k;
    size_t m = P(0) > P(1) ? P(0) : P(1);
    return m > P(2) ? m : P(2);
}

/* ---- trix(n, sig) = 100 (E3 / E3[t-1] - 1), E3 the triple EMA; signal = EMA(trix, sig) ----------- */
typedef struct { ema_core e1, e2, e3, sig; double prev; } trix_st;
static qc_err trix_init(trix_st *s, const double *p, qc_error *e) {
    (void)e;
    double k = 2.0 / (p[0] + 1);
    ema_core_init(&s->e1, P(0), k);
    ema_core_init(&s->e2, P(0), k);
    ema_core_init(&s->e3, P(0), k);
    ema_core_init(&s->sig, P(1), 2.0 / (p[1] + 1));
    s->prev = NAN;
    return QC_OK;
}
static void trix_free(trix_st *s) { (void)s; }
IND_STEP trix_step(trix_st *s, const qc_ind_cols *c, size_t i, double *o) {
    double e3 = ema_core_push_valid(&s->e3, ema_core_push_valid(&s->e2, ema_core_push(&s->e1, c->close[i])));
    double tr = 100 * (e3 / s->prev - 1);
    if (e3 == e3) s->prev = e3;
    o[0] = tr;
    o[1] = ema_core_push_valid(&s->sig, tr);
}
IND_GLUE(trix, 2)
static size_t lb_trix(const double *p, size_t k) { return 3 * (P(0) - 1) + 1 + (k ? P(1) - 1 : 0); }

/* ---- cmo(n) = 100 (sum up - sum down) / (sum up + sum down) over n changes ----------------------- */
typedef struct { wsum up, dn; double prev; size_t t; } cmo_st;
static qc_err cmo_init(cmo_st *s, const double *p, qc_error *e) {
    memset(s, 0, sizeof *s);
    if (!wsum_init(&s->up, P(0)) || !wsum_init(&s->dn, P(0))) {
        wsum_free(&s->up), wsum_free(&s->dn);
        return ind_nomem(e, "cmo");
    }
    return QC_OK;
}
static void cmo_free(cmo_st *s) { wsum_free(&s->up), wsum_free(&s->dn); }
IND_STEP cmo_step(cmo_st *s, const qc_ind_cols *c, size_t i, double *o) {
    double x = c->close[i], d = x - s->prev, ad = fabs(d);
    s->prev = x;
    o[0] = NAN;
    if (s->t++ == 0) return;
    wsum_push(&s->up, (d + ad) * 0.5);
    if (wsum_push(&s->dn, (ad - d) * 0.5)) o[0] = 100 * (s->up.sum - s->dn.sum) / (s->up.sum + s->dn.sum);
}
IND_GLUE(cmo, 1)

#define NPAR(def, lo, hi) {"n", def, lo, hi, 1}
#define HLC (QC_IND_IN_HIGH | QC_IND_IN_LOW | QC_IND_IN_CLOSE)
const qc_ind_def qc_ind_momentum_defs[] = {
    {"rsi", "momentum", "relative strength index, Wilder smoothing (0..100)", QC_IND_IN_CLOSE, 1, {NPAR(14, 1, 1e6)},
     1, {"rsi"}, 0, lb_n, NULL, IND_FNS(rsi)},
    {"macd", "momentum", "MACD in price units: EMA(fast) - EMA(slow), signal EMA, histogram", QC_IND_IN_CLOSE, 3,
     {{"fast", 12, 1, 1e6, 1}, {"slow", 26, 2, 1e6, 1}, {"signal", 9, 1, 1e6, 1}}, 3, {"macd", "signal", "hist"}, 0,
     lb_macd, macd_check, IND_FNS(macd)},
    {"ppo", "momentum", "percentage price oscillator: 100 (EMA(fast) / EMA(slow) - 1), signal, histogram",
     QC_IND_IN_CLOSE, 3, {{"fast", 12, 1, 1e6, 1}, {"slow", 26, 2, 1e6, 1}, {"signal", 9, 1, 1e6, 1}}, 3,
     {"ppo", "signal", "hist"}, 0, lb_macd, macd_check, IND_FNS(ppo)},
    {"stoch", "momentum", "stochastic oscillator as fractions: fast %K, fast %D = SMA(%K), slow %D = SMA(fast %D)", HLC,
     3, {{"k", 14, 1, 1e6, 1}, {"d", 3, 1, 1e6, 1}, {"slow_d", 3, 1, 1e6, 1}}, 3, {"fast_k", "fast_d", "slow_d"}, 0,
     lb_stoch, NULL, IND_FNS(stoch)},
    {"willr", "momentum", "Williams %R as TTR's WPR: (HH - close) / (HH - LL), 0..1", HLC, 1, {NPAR(14, 1, 1e6)}, 1,
     {"willr"}, 0, lb_n1, NULL, IND_FNS(willr)},
    {"cci", "momentum", "commodity channel index of the typical price (mean deviation scans the window)", HLC, 2,
     {NPAR(20, 1, 1e6), {"c", 0.015, 1e-9, 1e9, 0}}, 1, {"cci"}, 1, lb_n1, NULL, IND_FNS(cci)},
    {"roc", "momentum", "rate of change: close / close[t-n] - 1 (TTR type = discrete)", QC_IND_IN_CLOSE, 1,
     {NPAR(1, 1, 1e6)}, 1, {"roc"}, 0, lb_n, NULL, IND_FNS(roc)},
    {"mom", "momentum", "momentum: close - close[t-n]", QC_IND_IN_CLOSE, 1, {NPAR(1, 1, 1e6)}, 1, {"mom"}, 0, lb_n, NULL,
     IND_FNS(mom)},
    {"tsi", "momentum", "true strength index: 100 EMA_s(EMA_r(change)) / EMA_s(EMA_r(|change|))", QC_IND_IN_CLOSE, 2,
     {{"r", 25, 1, 1e6, 1}, {"s", 13, 1, 1e6, 1}}, 1, {"tsi"}, 0, lb_tsi, NULL, IND_FNS(tsi)},
    {"adx", "momentum", "directional movement: +DI, -DI, DX and ADX (Wilder)", HLC, 1, {NPAR(14, 1, 1e6)}, 4,
     {"plus_di", "minus_di", "dx", "adx"}, 0, lb_adx, NULL, IND_FNS(adx)},
    {"ultosc", "momentum", "ultimate oscillator with weights 4, 2, 1", HLC, 3,
     {{"n1", 7, 1, 1e6, 1}, {"n2", 14, 1, 1e6, 1}, {"n3", 28, 1, 1e6, 1}}, 1, {"ultosc"}, 0, lb_ultosc, NULL,
     IND_FNS(ultosc)},
    {"trix", "momentum", "TRIX: 1-bar percent change of the triple EMA, and its EMA signal", QC_IND_IN_CLOSE, 2,
     {NPAR(20, 1, 1e6), {"signal", 9, 1, 1e6, 1}}, 2, {"trix", "signal"}, 0, lb_trix, NULL, IND_FNS(trix)},
    {"cmo", "momentum", "Chande momentum oscillator over n changes (-100..100)", QC_IND_IN_CLOSE, 1, {NPAR(14, 1, 1e6)},
     1, {"cmo"}, 0, lb_n, NULL, IND_FNS(cmo)},
};
const size_t qc_ind_momentum_n = sizeof qc_ind_momentum_defs / sizeof qc_ind_momentum_defs[0];
