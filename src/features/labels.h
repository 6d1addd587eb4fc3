/* labels.h: supervised-learning labels over one price series and the sample weights that go with
 * them, after Lopez de Prado, Advances in Financial Machine Learning (2018), ch. 3 (fixed-horizon
 * and triple-barrier labels, meta-labels) and ch. 4 (concurrency, average uniqueness, return
 * attribution). Everything works on bar indices: an event starts at bar t0 and its label is known
 * at bar t1 >= t0 (the label interval [t0, t1], inclusive), which is what purging needs.
 * Prices must be finite and positive; the exact rules are in docs/FEATURES.md ("Labels"). */
#ifndef QC_FEATURES_LABELS_H
#define QC_FEATURES_LABELS_H

#include <stddef.h>

#include "core/error.h"

/* ---- fixed horizon ------------------------------------------------------------------------------ */

/* out[t] = close[t+h] / close[t] - 1 (ln(close[t+h] / close[t]) when log_ret); the last h values,
 * whose future is not in the data, are NaN (as are values touching a NaN close). h >= 1. */
qc_err qc_label_forward_return(const double *close, size_t n, size_t h, int log_ret, double *out, qc_error *err);

/* Fixed-horizon sign label of the h-bar simple forward return r: +1 if r > dead_zone, -1 if
 * r < -dead_zone, 0 otherwise (dead_zone >= 0; 0 gives a pure sign, 0 only for r == 0); NaN where
 * r is NaN. */
qc_err qc_label_sign(const double *close, size_t n, size_t h, double dead_zone, double *out, qc_error *err);

/* ---- volatility target ---------------------------------------------------------------------------- */

/* The barrier unit of AFML's getDailyVol: r_t = close[t] / close[t-1] - 1, and out[t] the
 * exponentially weighted standard deviation of r_1..r_t with alpha = 2 / (span + 1), adjusted
 * weights (1-alpha)^(t-i) and the unbiased correction, equal to pandas'
 * r.ewm(span=span).std(). NaN for t < 2 (fewer than two returns). span >= 1. O(1) per bar. */
qc_err qc_label_ewm_vol(const double *close, size_t n, double span, double *out, qc_error *err);

/* ---- triple barrier --------------------------------------------------------------------------------- */

typedef enum {
    QC_BARRIER_UPPER = 1,   /* profit taking: side * (close[t]/close[t0] - 1) >= pt * target */
    QC_BARRIER_LOWER = 2,   /* stop loss:     side * (close[t]/close[t0] - 1) <= -sl * target */
    QC_BARRIER_VERTICAL = 3 /* t0 + max_hold reached with neither touched */
} qc_barrier;

typedef struct {
    double pt, sl;    /* barrier widths in units of the target; 0 switches that barrier off */
    size_t max_hold;  /* vertical barrier at t0 + max_hold bars; 0 = none (until a touch) */
    double min_ret;   /* events whose target is below this are skipped (AFML minRet) */
    int vertical_sign; /* 1 (AFML): a vertical touch is labelled by the sign of its return;
                          0: a vertical touch is labelled 0 */
} qc_tb_opts;

/* pt = sl = 1, max_hold = 0, min_ret = 0, vertical_sign = 1. */
void qc_tb_opts_init(qc_tb_opts *o);

typedef struct {
    size_t t0;          /* bar of the event (features known at its close) */
    size_t t1;          /* bar of the first touch: the label interval is [t0, t1] */
    double target;      /* the barrier unit at t0 (e.g. qc_label_ewm_vol) */
    double ret;         /* close[t1] / close[t0] - 1, times side when a side was given */
    int side;           /* the primary model's side (+1 / -1), or 0 without one */
    int label;          /* without side: -1, 0, +1; with side (meta-label): 1 if ret > 0 else 0 */
    qc_barrier barrier; /* which barrier was touched first */
} qc_label_event;

/* Triple-barrier labels. Events start at the bars listed in t_events (strictly increasing; NULL =
 * every bar). target[t] is the barrier unit (NULL: 1, i.e. pt and sl are plain returns). side (NULL
 * or n values of +1 / -1 / 0) turns the call into meta-labelling: barriers apply to the side-signed
 * return, ret is side-signed and label is 1 when the bet made money, else 0; an event whose side is
 * 0 or not finite is skipped. The path is the closes after t0 (bar t0 itself never touches); a
 * barrier is touched when the close reaches it (>= / <=). Skipped, never guessed: events whose
 * target is NaN or below min_ret, and events that touch nothing before the data ends while their
 * vertical barrier lies beyond it (their label is not known yet). At least one barrier must be on.
 * Writes at most n_events (or n) events to out in t0 order; *n_out says how many. */
qc_err qc_label_triple_barrier(const double *close, size_t n, const size_t *t_events, size_t n_events,
                               const double *target, const double *side, const qc_tb_opts *o,
                               qc_label_event *out, size_t *n_out, qc_error *err);

/* ---- overlap: concurrency, uniqueness, weights (AFML ch. 4) ---------------------------------------- */

/* conc[t] (n_bars values) = number of events whose interval [t0, t1] contains bar t. Events must
 * lie inside [0, n_bars). */
qc_err qc_label_concurrency(const qc_label_event *ev, size_t n_ev, size_t n_bars, double *conc, qc_error *err);

/* uniq[i] = mean of 1 / conc[t] over t in [t0_i, t1_i] (AFML's average uniqueness of event i);
 * *avg (may be NULL) = mean of uniq over the events, the fraction of "independent" samples a bagger
 * should draw. Allocates n_bars scratch values. */
qc_err qc_label_uniqueness(const qc_label_event *ev, size_t n_ev, size_t n_bars, double *uniq, double *avg,
                           qc_error *err);

/* Return-attribution weights: w_i = | sum over t in (t0_i, t1_i] of ln(close[t]/close[t-1]) / conc[t] |,
 * then scaled so they sum to n_ev (AFML's mpSampleW; we attribute only the returns inside the
 * label, i.e. from t0 + 1 on, where AFML also counts the return into t0). All zero stays zero. */
qc_err qc_label_return_weights(const qc_label_event *ev, size_t n_ev, const double *close, size_t n_bars,
                               double *w, qc_error *err);

/* ---- intervals for purged cross-validation ----------------------------------------------------------- */

/* The label horizon, in event positions, to give backtest/validation.h's purged k-fold and CPCV
 * (qc_cv_opts.horizon) when the observations are these events in order: the largest k - i over
 * events i and k > i with t0_k <= t1_i, i.e. how many later events an event's label interval
 * reaches. Then "observation i's label spans [i, i + horizon]" covers every true overlap, so no
 * training event whose interval meets a test interval survives the purge (conservative: events with
 * shorter intervals are purged as if they had the longest). When the events are every bar this is
 * the longest t1 - t0. Events must be in t0 order. */
size_t qc_label_cv_horizon(const qc_label_event *ev, size_t n_ev);

#endif
