/* volume.c: volume indicators: on-balance volume, accumulation/distribution, close location value,
 * Chaikin money flow, money flow index, volume z-score, ease of movement (rolling VWAP and VWMA live
 * in trend.c beside the other averages). Cumulative sums (OBV, A/D) are Neumaier-compensated, so
 * they stay exact to the last bit over any length. TTR conventions; docs/FEATURES.md. */
#include "features/ind_internal.h"

/* Neumaier's compensated running sum. */
typedef struct { double s, c; } ksum;
static inline double ksum_add(ksum *k, double x) {
    double t = k->s + x;
    k->c += fabs(k->s) >= fabs(x) ? (k->s - t) + x : (x - t) + k->s;
    k->s = t;
    return t + k->c;
}

/* Close location value ((C - L) - (H - C)) / (H - L), 0 when H == L (TTR CLV). */
static inline double clv_of(double h, double l, double c) { return h != l ? ((c - l) - (h - c)) / (h - l) : 0; }

static size_t lb_zero(const double *p, size_t k) { (void)p, (void)k; return 0; }
static size_t lb_n(const double *p, size_t k) { (void)k; return P(0); }
static size_t lb_n1(const double *p, size_t k) { (void)k; return P(0) - 1; }

/* ---- obv: cumulative +volume on up closes, -volume on down closes (TTR: the first bar adds its
 * volume; a change within sqrt(eps) relative counts as none) --------------------------------------- */
typedef struct { ksum k; double pc; size_t t; } obv_st;
static qc_err obv_init(obv_st *s, const double *p, qc_error *e) { (void)p, (void)e; memset(s, 0, sizeof *s); return QC_OK; }
static void obv_free(obv_st *s) { (void)s; }
IND_STEP obv_step(obv_st *s, const qc_ind_cols *c, size_t i, double *o) {
    double x = c->close[i], v = c->volume[i], pc = s->pc;
    s->pc = x;
    double add = v;
    if (s->t++) {
        double d = x - pc, tol = 1.4901161193847656e-08 * pc;
        /* (0 or 1) x v: no branch on the direction (random, so mispredicted half the time) */
        add = (double)((d > tol) - (d < -tol)) * v; /* v, -v, or +0 as before */
    }
    o[0] = ksum_add(&s->k, add);
}
IND_GLUE(obv, 1)

/* ---- ad: accumulation/distribution, cumulative CLV x volume ------------------------------------- */
typedef struct { ksum k; } ad_st;
static qc_err ad_init(ad_st *s, const double *p, qc_error *e) { (void)p, (void)e; memset(s, 0, sizeof *s); return QC_OK; }
static void ad_free(ad_st *s) { (void)s; }
IND_STEP ad_step(ad_st *s, const qc_ind_cols *c, size_t i, double *o) {
    o[0] = ksum_add(&s->k, clv_of(c->high[i], c->low[i], c->close[i]) * c->volume[i]);
}
IND_GLUE(ad, 1)

/* ---- clv: the close location value itself ------------------------------------------------------- */
typedef struct { int unused; } clv_st;
static qc_err clv_init(clv_st *s, const double *p, qc_error *e) { (void)s, (void)p, (void)e; return QC_OK; }
static void clv_free(clv_st *s) { (void)s; }
IND_STEP clv_step(clv_st *s, const qc_ind_cols *c, size_t i, double *o) {
    (void)s;
    o[0] = clv_of(c->high[i], c->low[i], c->close[i]);
}
IND_GLUE(clv, 1)

/* ---- cmf(n): sum(CLV x volume) / sum(volume) over n bars ---------------------------------------- */
typedef struct { wsum mv, v; } cmf_st;
static qc_err cmf_init(cmf_st *s, const double *p, qc_error *e) {
    memset(s, 0, sizeof *s);
    if (!wsum_init(&s->mv, P(0)) || !wsum_init(&s->v, P(0))) {
        wsum_free(&s->mv), wsum_free(&s->v);
        return ind_nomem(e, "cmf");
    }
    return QC_OK;
}
static void cmf_free(cmf_st *s) { wsum_free(&s->mv), wsum_free(&s->v); }
IND_STEP cmf_step(cmf_st *s, const qc_ind_cols *c, size_t i, double *o) {
    double v = c->volume[i];
    wsum_push(&s->mv, clv_of(c->high[i], c->low[i], c->close[i]) * v);
    o[0] = wsum_push(&s->v, v) ? s->mv.sum / s->v.sum : NAN;
}
IND_GLUE(cmf, 1)

/* ---- mfi(n): 100 - 100 / (1 + positive / negative money flow) over n bars of the typical price;
 * 100 when there is no negative flow, 50 when there is no flow at all (TTR) ----------------------- */
typedef struct { wsum pos, neg; double ptp; size_t t; } mfi_st;
static qc_err mfi_init(mfi_st *s, const double *p, qc_error *e) {
    memset(s, 0, sizeof *s);
    if (!wsum_init(&s->pos, P(0)) || !wsum_init(&s->neg, P(0))) {
        wsum_free(&s->pos), wsum_free(&s->neg);
        return ind_nomem(e, "mfi");
    }
    return QC_OK;
}
static void mfi_free(mfi_st *s) { wsum_free(&s->pos), wsum_free(&s->neg); }
IND_STEP mfi_step(mfi_st *s, const qc_ind_cols *c, size_t i, double *o) {
    /* one division per bar, not three: / 3 as * (1/3), and 100 - 100 / (1 + num/den) as
     * 100 - 100 den / (den + num) (equal up to rounding; TTR goldens hold to 1e-9) */
    double tp = (c->high[i] + c->low[i] + c->close[i]) * (1.0 / 3), ptp = s->ptp, mf = tp * c->volume[i];
    s->ptp = tp;
    o[0] = NAN;
    if (s->t++ == 0) return;
    /* the same typical price reached through different sums of decimals (10.1 + 9.9 + 10 vs
     * 10 + 10 + 10) can differ in the last bit: within 1e-12 relative it is no change */
    double d = tp - ptp, tie = 1e-12 * fabs(tp);
    wsum_push(&s->pos, d > tie ? mf : 0);
    if (!wsum_push(&s->neg, d < -tie ? mf : 0)) return;
    double num = s->pos.sum, den = s->neg.sum;
    o[0] = den == 0 ? (num == 0 ? 50 : 100) : 100 - 100 * den / (den + num);
}
IND_GLUE(mfi, 1)

/* ---- volz(n): (volume - mean) / sample SD of volume over n bars --------------------------------- */
typedef struct { wmom w; } volz_st;
static qc_err volz_init(volz_st *s, const double *p, qc_error *e) {
    return wmom_init(&s->w, P(0), 2) ? QC_OK : ind_nomem(e, "volz");
}
static void volz_free(volz_st *s) { wmom_free(&s->w); }
IND_STEP volz_step(volz_st *s, const qc_ind_cols *c, size_t i, double *o) {
    double v = c->volume[i];
    o[0] = wmom_push(&s->w, v) ? (v - wmom_mean(&s->w)) / sqrt(wmom_var(&s->w, 1)) : NAN;
}
IND_GLUE_STREAM(volz)
IND_MOM_BATCH(volz, 1, volume, (xi - mom_mean(k, s1, inv)) / sqrt(mom_var(s1, s2, inv, inv1)))
static const char *n2_check(const double *p) { return p[0] >= 2 ? NULL : "n must be >= 2"; }

/* ---- emv(n, div): ease of movement: change of the midpoint x (high - low) / (volume / div), and
 * its SMA over n (TTR EMV) ------------------------------------------------------------------------ */
typedef struct { wsum w; double pmid, div, inv; size_t t; } emv_st;
static qc_err emv_init(emv_st *s, const double *p, qc_error *e) {
    memset(s, 0, sizeof *s);
    s->div = p[1];
    s->inv = 1.0 / p[0];
    return wsum_init(&s->w, P(0)) ? QC_OK : ind_nomem(e, "emv");
}
static void emv_free(emv_st *s) { wsum_free(&s->w); }
IND_STEP emv_step(emv_st *s, const qc_ind_cols *c, size_t i, double *o) {
    double h = c->high[i], l = c->low[i], mid = (h + l) / 2, pm = s->pmid;
    s->pmid = mid;
    o[0] = o[1] = NAN;
    if (s->t++ == 0) return;
    double v = (mid - pm) / (c->volume[i] / s->div / (h - l));
    o[0] = v;
    if (wsum_push(&s->w, v)) o[1] = s->w.sum * s->inv;
}
IND_GLUE(emv, 2)
static size_t lb_emv(const double *p, size_t k) { return k == 0 ? 1 : P(0); }

#define NPAR(def, lo, hi) {"n", def, lo, hi, 1}
#define HLC (QC_IND_IN_HIGH | QC_IND_IN_LOW | QC_IND_IN_CLOSE)
const qc_ind_def qc_ind_volume_defs[] = {
    {"obv", "volume", "on-balance volume (cumulative, compensated sum)", QC_IND_IN_CLOSE | QC_IND_IN_VOLUME, 0, {{0}},
     1, {"obv"}, 0, lb_zero, NULL, IND_FNS(obv)},
    {"ad", "volume", "Chaikin accumulation/distribution line: cumulative CLV x volume", HLC | QC_IND_IN_VOLUME, 0,
     {{0}}, 1, {"ad"}, 0, lb_zero, NULL, IND_FNS(ad)},
    {"clv", "volume", "close location value ((C - L) - (H - C)) / (H - L)", HLC, 0, {{0}}, 1, {"clv"}, 0, lb_zero, NULL,
     IND_FNS(clv)},
    {"cmf", "volume", "Chaikin money flow: sum(CLV x volume) / sum(volume) over n", HLC | QC_IND_IN_VOLUME, 1,
     {NPAR(20, 1, 1e6)}, 1, {"cmf"}, 0, lb_n1, NULL, IND_FNS(cmf)},
    {"mfi", "volume", "money flow index of the typical price (0..100)", HLC | QC_IND_IN_VOLUME, 1, {NPAR(14, 1, 1e6)},
     1, {"mfi"}, 0, lb_n, NULL, IND_FNS(mfi)},
    {"volz", "volume", "volume z-score: (volume - mean) / sample SD over n", QC_IND_IN_VOLUME, 1, {NPAR(20, 2, 1e6)}, 1,
     {"volz"}, 0, lb_n1, n2_check, IND_FNS(volz)},
    {"emv", "volume", "ease of movement and its SMA (volume divided by div)",
     QC_IND_IN_HIGH | QC_IND_IN_LOW | QC_IND_IN_VOLUME, 2, {NPAR(9, 1, 1e6), {"div", 10000, 1e-9, 1e15, 0}}, 2,
     {"emv", "ma"}, 0, lb_emv, NULL, IND_FNS(emv)},
};
const size_t qc_ind_volume_n = sizeof qc_ind_volume_defs / sizeof qc_ind_volume_defs[0];
