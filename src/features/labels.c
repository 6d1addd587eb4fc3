/* labels.c: forward returns, sign labels, the EWMA volatility target, triple-barrier and meta
 * labels, and the overlap statistics of label intervals (concurrency, average uniqueness, return
 * attribution) of AFML ch. 3-4. Overlap sums use a difference array and prefix sums, so every event
 * costs O(1) after one O(n_bars) pass; the triple barrier scans each event's path until its first
 * touch (bounded by max_hold when a vertical barrier is set). */
#include "features/labels.h"

#include <math.h>
#include <stdlib.h>

static qc_err check_series(const double *close, size_t n, qc_error *err) {
    if (!close && n) return qc_err_set(err, QC_ERR_INPUT, "labels: no prices");
    return QC_OK;
}

qc_err qc_label_forward_return(const double *close, size_t n, size_t h, int log_ret, double *out, qc_error *err) {
    if (h < 1) return qc_err_set(err, QC_ERR_INPUT, "labels: horizon must be >= 1");
    qc_err rc = check_series(close, n, err);
    if (rc) return rc;
    for (size_t t = 0; t < n; t++) {
        if (t + h >= n) {
            out[t] = NAN;
            continue;
        }
        double a = close[t], b = close[t + h];
        out[t] = log_ret ? log(b / a) : b / a - 1.0;
    }
    return QC_OK;
}

qc_err qc_label_sign(const double *close, size_t n, size_t h, double dead_zone, double *out, qc_error *err) {
    if (!(dead_zone >= 0)) return qc_err_set(err, QC_ERR_INPUT, "labels: the dead zone must be >= 0");
    qc_err rc = qc_label_forward_return(close, n, h, 0, out, err);
    if (rc) return rc;
    for (size_t t = 0; t < n; t++) {
        double r = out[t];
        if (isnan(r)) continue;
        out[t] = r > dead_zone ? 1.0 : r < -dead_zone ? -1.0 : 0.0;
    }
    return QC_OK;
}

/* Weighted Welford over the returns with weights (1-alpha)^age: `w` is the total weight of the
 * past, the new value weighs 1; sw and sw2 are the sums of weights and squared weights for the
 * unbiased factor sw^2 / (sw^2 - sw2). */
qc_err qc_label_ewm_vol(const double *close, size_t n, double span, double *out, qc_error *err) {
    if (!(span >= 1)) return qc_err_set(err, QC_ERR_INPUT, "labels: the EWMA span must be >= 1");
    qc_err rc = check_series(close, n, err);
    if (rc) return rc;
    double decay = 1.0 - 2.0 / (span + 1.0);
    double mean = 0, var = 0, w = 0, sw = 0, sw2 = 0;
    for (size_t t = 0; t < n; t++) {
        if (t == 0) {
            out[0] = NAN;
            continue;
        }
        double r = close[t] / close[t - 1] - 1.0;
        w *= decay, sw *= decay, sw2 *= decay * decay;
        double m0 = mean;
        mean = (w * m0 + r) / (w + 1.0);
        var = (w * (var + (m0 - mean) * (m0 - mean)) + (r - mean) * (r - mean)) / (w + 1.0);
        w += 1.0, sw += 1.0, sw2 += 1.0;
        double num = sw * sw, den = num - sw2;
        out[t] = t >= 2 && den > 0 ? sqrt(var * num / den) : NAN;
    }
    return QC_OK;
}

/* ---- triple barrier ------------------------------------------------------------------------------ */

void qc_tb_opts_init(qc_tb_opts *o) {
    o->pt = 1.0, o->sl = 1.0;
    o->max_hold = 0;
    o->min_ret = 0.0;
    o->vertical_sign = 1;
}

static qc_err tb_check(const double *close, size_t n, const size_t *t_events, size_t n_events,
                       const qc_tb_opts *o, qc_error *err) {
    qc_err rc = check_series(close, n, err);
    if (rc) return rc;
    if (!(o->pt >= 0) || !(o->sl >= 0)) return qc_err_set(err, QC_ERR_INPUT, "triple barrier: pt and sl must be >= 0");
    if (o->pt == 0 && o->sl == 0 && o->max_hold == 0)
        return qc_err_set(err, QC_ERR_INPUT, "triple barrier: every barrier is off (pt = sl = 0, no max hold)");
    for (size_t i = 0; t_events && i < n_events; i++) {
        if (t_events[i] >= n) return qc_err_set(err, QC_ERR_INPUT, "triple barrier: event %zu at bar %zu of %zu", i, t_events[i], n);
        if (i && t_events[i] <= t_events[i - 1])
            return qc_err_set(err, QC_ERR_INPUT, "triple barrier: event bars must be strictly increasing (event %zu)", i);
    }
    return QC_OK;
}

/* Scans the path of one event; 0 when nothing is touched and the vertical barrier is not in the
 * data (the label is unknown). */
static int tb_touch(const double *close, size_t n, size_t t0, double up, double dn, double side, size_t max_hold,
                    size_t *t1, qc_barrier *which) {
    size_t end = max_hold ? t0 + max_hold : n - 1;
    size_t last = end < n ? end : n - 1;
    double c0 = close[t0];
    for (size_t t = t0 + 1; t <= last; t++) {
        double r = side * (close[t] / c0 - 1.0);
        if (r >= up) return *t1 = t, *which = QC_BARRIER_UPPER, 1;
        if (r <= dn) return *t1 = t, *which = QC_BARRIER_LOWER, 1;
    }
    if (!max_hold || end >= n) return 0;
    return *t1 = end, *which = QC_BARRIER_VERTICAL, 1;
}

static int sign_of(double x) { return x > 0 ? 1 : x < 0 ? -1 : 0; }

qc_err qc_label_triple_barrier(const double *close, size_t n, const size_t *t_events, size_t n_events,
                               const double *target, const double *side, const qc_tb_opts *o,
                               qc_label_event *out, size_t *n_out, qc_error *err) {
    *n_out = 0;
    if (!t_events) n_events = n;
    qc_err rc = tb_check(close, n, t_events, n_events, o, err);
    if (rc) return rc;
    for (size_t i = 0; i < n_events; i++) {
        size_t t0 = t_events ? t_events[i] : i;
        double trg = target ? target[t0] : 1.0, sd = 1.0;
        if (!(trg >= o->min_ret) || isnan(trg)) continue;
        if (side) {
            sd = side[t0];
            if (!(sd == 1.0 || sd == -1.0)) continue;
        }
        double up = o->pt > 0 ? o->pt * trg : INFINITY, dn = o->sl > 0 ? -o->sl * trg : -INFINITY;
        size_t t1;
        qc_barrier which;
        if (!tb_touch(close, n, t0, up, dn, sd, o->max_hold, &t1, &which)) continue;
        qc_label_event *e = &out[(*n_out)++];
        e->t0 = t0, e->t1 = t1, e->target = trg;
        e->ret = sd * (close[t1] / close[t0] - 1.0);
        e->side = side ? (int)sd : 0;
        e->barrier = which;
        if (side) e->label = e->ret > 0;
        else e->label = which == QC_BARRIER_VERTICAL && !o->vertical_sign ? 0 : sign_of(e->ret);
    }
    return QC_OK;
}

/* ---- overlap --------------------------------------------------------------------------------------- */

static qc_err check_events(const qc_label_event *ev, size_t n_ev, size_t n_bars, qc_error *err) {
    for (size_t i = 0; i < n_ev; i++)
        if (ev[i].t1 < ev[i].t0 || ev[i].t1 >= n_bars)
            return qc_err_set(err, QC_ERR_INPUT, "labels: event %zu spans [%zu, %zu], outside %zu bars or reversed", i,
                              ev[i].t0, ev[i].t1, n_bars);
    return QC_OK;
}

qc_err qc_label_concurrency(const qc_label_event *ev, size_t n_ev, size_t n_bars, double *conc, qc_error *err) {
    qc_err rc = check_events(ev, n_ev, n_bars, err);
    if (rc) return rc;
    for (size_t t = 0; t < n_bars; t++) conc[t] = 0;
    /* difference array: +1 at t0, -1 after t1 (counts are exact in doubles) */
    for (size_t i = 0; i < n_ev; i++) {
        conc[ev[i].t0] += 1;
        if (ev[i].t1 + 1 < n_bars) conc[ev[i].t1 + 1] -= 1;
    }
    for (size_t t = 1; t < n_bars; t++) conc[t] += conc[t - 1];
    return QC_OK;
}

/* prefix[t + 1] = sum over s <= t of f(s) / conc[s] (0 where conc is 0). */
static void prefix_over_conc(const double *conc, const double *f, size_t n_bars, double *prefix) {
    prefix[0] = 0;
    for (size_t t = 0; t < n_bars; t++) {
        double v = conc[t] > 0 ? (f ? f[t] : 1.0) / conc[t] : 0.0;
        prefix[t + 1] = prefix[t] + v;
    }
}

qc_err qc_label_uniqueness(const qc_label_event *ev, size_t n_ev, size_t n_bars, double *uniq, double *avg,
                           qc_error *err) {
    double *conc = malloc((2 * n_bars + 1) * sizeof *conc);
    if (!conc) return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    double *pre = conc + n_bars;
    qc_err rc = qc_label_concurrency(ev, n_ev, n_bars, conc, err);
    double sum = 0;
    if (!rc) {
        prefix_over_conc(conc, NULL, n_bars, pre);
        for (size_t i = 0; i < n_ev; i++) {
            uniq[i] = (pre[ev[i].t1 + 1] - pre[ev[i].t0]) / (double)(ev[i].t1 - ev[i].t0 + 1);
            sum += uniq[i];
        }
        if (avg) *avg = n_ev ? sum / (double)n_ev : NAN;
    }
    free(conc);
    return rc;
}

qc_err qc_label_return_weights(const qc_label_event *ev, size_t n_ev, const double *close, size_t n_bars,
                               double *w, qc_error *err) {
    double *conc = malloc((3 * n_bars + 1) * sizeof *conc);
    if (!conc) return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    double *lr = conc + n_bars, *pre = lr + n_bars;
    qc_err rc = qc_label_concurrency(ev, n_ev, n_bars, conc, err);
    if (!rc) {
        for (size_t t = 0; t < n_bars; t++) lr[t] = t ? log(close[t] / close[t - 1]) : 0.0;
        prefix_over_conc(conc, lr, n_bars, pre);
        double sum = 0;
        for (size_t i = 0; i < n_ev; i++) {
            w[i] = fabs(pre[ev[i].t1 + 1] - pre[ev[i].t0 + 1]);
            sum += w[i];
        }
        for (size_t i = 0; i < n_ev && sum > 0; i++) w[i] *= (double)n_ev / sum;
    }
    free(conc);
    return rc;
}

size_t qc_label_cv_horizon(const qc_label_event *ev, size_t n_ev) {
    size_t h = 0, k = 0;
    for (size_t i = 0; i < n_ev; i++) {
        if (k < i) k = i;
        while (k + 1 < n_ev && ev[k + 1].t0 <= ev[i].t1) k++;
        if (k - i > h) h = k - i;
    }
    return h;
}
