/* report.c: the backtest tear sheet as one self-contained HTML file: inline CSS, inline SVG charts
 * drawn here, no reference to anything outside the file. A chart is a linear scale from data to
 * pixels with "nice" ticks; long series are downsampled to the min and max of each pixel bucket so
 * a 200k-bar run stays small and its spikes survive. Non-finite values are gaps, never coordinates.
 * A small inline script measures the drawn charts (tests/scripts/report_chromium.sh reads it). */
#include "backtest/report.h"

#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/time.h"

#define CHART_W 900
#define CHART_H 280
#define M_LEFT 70
#define M_RIGHT 16
#define M_TOP 14
#define M_BOTTOM 30
#define MAX_BUCKETS 1000 /* min/max per bucket: at most 2000 points per line */
#define HIST_BINS 40
#define MAX_TRADE_ROWS 500
#define MAX_TICKS 16
#define MAX_YEARS 600    /* int64 ns spans 585 years */
#define PLOT_LIMIT 1e100 /* values beyond this are not plotted (treated as gaps) */
#define DEFAULT_WINDOW 126

/* The plot area in pixels and the y range it shows; x is the bar index (0..n-1), or a value range
 * for the histogram. */
typedef struct {
    double x0, y0, w, h;
    double lo, hi;   /* y range */
    double xlo, xhi; /* x range when x is a value */
    size_t n;        /* points on an index x axis */
} plot;

typedef struct {
    int n;
    size_t at[MAX_TICKS];
    char label[MAX_TICKS][40];
} xticks;

/* ---- numbers and text ------------------------------------------------------------------------- */

static int plottable(double v) { return isfinite(v) && fabs(v) < PLOT_LIMIT; }

/* A pixel coordinate fit for "%.1f": never NaN or inf (0 instead: a bug, not data), no "-0.0". */
static double px(double v) {
    if (!isfinite(v) || fabs(v) < 0.05) return 0.0;
    if (v > 1e6) return 1e6;
    if (v < -1e6) return -1e6;
    return v;
}

static void put_esc(FILE *f, const char *s) {
    for (; s && *s; s++) {
        switch (*s) {
        case '&':
            fputs("&amp;", f);
            break;
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        case '\'':
            fputs("&#39;", f);
            break;
        default:
            fputc(*s, f);
        }
    }
}

/* Formats v with printf format fmt (one double) or "n/a" / infinity for non-finite values. */
static void fmt_val(char *buf, size_t n, const char *fmt, double v) {
    if (isnan(v))
        snprintf(buf, n, "n/a");
    else if (isinf(v))
        snprintf(buf, n, "%s&infin;", v < 0 ? "-" : "");
    else
        snprintf(buf, n, fmt, v);
}

/* Day number of an instant on the calendar's wall clock, clamped away from int64 overflow. */
static int64_t local_day(const qc_calendar *cal, int64_t ts_ns) {
    const int64_t lim = INT64_MAX - 2 * QC_NS_PER_DAY;
    if (ts_ns > lim) ts_ns = lim;
    if (ts_ns < -lim) ts_ns = -lim;
    return qc_calendar_local_day(cal, ts_ns);
}

/* Local civil date of an instant; the cache skips the civil conversion while the day repeats
 * (intraday curves have hundreds of points a day). */
typedef struct {
    int64_t day;
    int y, m, d, valid;
} ymd_cache;

static void local_ymd(const qc_calendar *cal, int64_t ts_ns, int *y, int *m, int *d, ymd_cache *c) {
    int64_t day = local_day(cal, ts_ns);
    if (!c->valid || c->day != day) {
        qc_civil_from_days(day, &c->y, &c->m, &c->d);
        c->day = day;
        c->valid = 1;
    }
    *y = c->y, *m = c->m, *d = c->d;
}

/* ---- scales and axes -------------------------------------------------------------------------- */

static void range_add(double *lo, double *hi, const double *v, size_t n) {
    for (size_t i = 0; v && i < n; i++) {
        if (!plottable(v[i])) continue;
        if (v[i] < *lo) *lo = v[i];
        if (v[i] > *hi) *hi = v[i];
    }
}

/* Pads [lo, hi] by pad_frac of its span; a zero span (flat series) is widened around its value and
 * an empty range (no plottable values) becomes [0, 1]. */
static void range_finish(double *lo, double *hi, double pad_frac) {
    if (!(*lo <= *hi)) {
        *lo = 0;
        *hi = 1;
        return;
    }
    double span = *hi - *lo, mag = fmax(fabs(*lo), fabs(*hi));
    if (span <= mag * 1e-9 || span <= 0) {
        double pad = mag > 0 ? mag * 0.01 : 1.0;
        *lo -= pad;
        *hi += pad;
        return;
    }
    *lo -= span * pad_frac;
    *hi += span * pad_frac;
}

/* Ticks at multiples of 1, 2 or 5 x 10^k inside [lo, hi], about `target` of them. */
static int nice_ticks(double lo, double hi, int target, double *t, double *step_out) {
    double raw = (hi - lo) / target;
    if (!(raw > 0) || !isfinite(raw)) {
        t[0] = lo;
        *step_out = 1;
        return 1;
    }
    double mag = pow(10, floor(log10(raw))), f = raw / mag;
    double step = (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * mag;
    double first = ceil(lo / step) * step;
    int k = 0;
    for (; k < MAX_TICKS; k++) {
        double v = first + k * step;
        if (v > hi + step * 1e-6) break;
        t[k] = fabs(v) < step * 1e-9 ? 0.0 : v;
    }
    *step_out = step;
    return k;
}

/* An axis label: enough decimals for the step; k/M/B suffixes when `short_units` (currency). */
static void fmt_tick(char *buf, size_t n, double v, double step, double maxabs, int short_units,
                     const char *suffix) {
    double div = 1;
    const char *unit = "";
    if (short_units && maxabs >= 1e9)
        div = 1e9, unit = "B";
    else if (short_units && maxabs >= 1e6)
        div = 1e6, unit = "M";
    else if (short_units && maxabs >= 1e4)
        div = 1e3, unit = "k";
    double s = step / div;
    int dec = s >= 1 ? 0 : (int)ceil(-log10(s) - 1e-9);
    if (dec < 0) dec = 0;
    if (dec > 8) dec = 8;
    if (fabs(v) < step * 1e-9) {
        snprintf(buf, n, "0%s", suffix); /* not "0M" or "0.00" */
        return;
    }
    snprintf(buf, n, "%.*f%s%s", dec, v / div, unit, suffix);
}

static double py(const plot *p, double v) {
    double y = p->y0 + p->h * (p->hi - v) / (p->hi - p->lo);
    if (y < p->y0) y = p->y0;
    if (y > p->y0 + p->h) y = p->y0 + p->h;
    return y;
}

static double px_index(const plot *p, size_t i) {
    if (p->n < 2) return p->x0 + p->w / 2;
    return p->x0 + p->w * (double)i / (double)(p->n - 1);
}

static double px_value(const plot *p, double v) { return p->x0 + p->w * (v - p->xlo) / (p->xhi - p->xlo); }

static plot plot_area(size_t n, int height) {
    plot p = {0};
    p.x0 = M_LEFT;
    p.y0 = M_TOP;
    p.w = CHART_W - M_LEFT - M_RIGHT;
    p.h = height - M_TOP - M_BOTTOM;
    p.n = n;
    return p;
}

static void svg_open(FILE *f, const char *id, int w, int h, const char *label) {
    fprintf(f,
            "<svg id=\"%s\" class=\"chart\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\" "
            "aria-label=\"",
            id, w, h, w, h);
    put_esc(f, label);
    fputs("\">\n", f);
}

static void draw_y_axis(FILE *f, const plot *p, int short_units, const char *suffix) {
    double t[MAX_TICKS], step;
    int k = nice_ticks(p->lo, p->hi, 5, t, &step);
    double maxabs = fmax(fabs(p->lo), fabs(p->hi));
    fputs("<path class=\"grid\" d=\"", f);
    for (int j = 0; j < k; j++)
        fprintf(f, "M%.1f,%.1fh%.1f", px(p->x0), px(py(p, t[j])), px(p->w));
    fputs("\"/>\n", f);
    for (int j = 0; j < k; j++) {
        char label[48];
        fmt_tick(label, sizeof label, t[j], step, maxabs, short_units, suffix);
        fprintf(f, "<text class=\"yl\" x=\"%.1f\" y=\"%.1f\">%s</text>", px(p->x0 - 6), px(py(p, t[j]) + 4),
                label);
    }
    fputc('\n', f);
}

/* Labels under the plot at pixel positions x[], kept inside the chart at the edges. */
static void draw_x_labels(FILE *f, const plot *p, const double *x, char (*label)[40], int k) {
    fputs("<path class=\"grid\" d=\"", f);
    for (int j = 0; j < k; j++)
        fprintf(f, "M%.1f,%.1fv%.1f", px(x[j]), px(p->y0), px(p->h));
    fprintf(f, "\"/>\n<path class=\"axis\" d=\"M%.1f,%.1fh%.1f\"/>\n", px(p->x0), px(p->y0 + p->h), px(p->w));
    for (int j = 0; j < k; j++) {
        const char *anchor = x[j] < p->x0 + 40 ? "start" : x[j] > p->x0 + p->w - 40 ? "end" : "middle";
        fprintf(f, "<text class=\"xl\" text-anchor=\"%s\" x=\"%.1f\" y=\"%.1f\">", anchor, px(x[j]),
                px(p->y0 + p->h + 18));
        put_esc(f, label[j]);
        fputs("</text>", f);
    }
    fputc('\n', f);
}

static void draw_time_axis(FILE *f, const plot *p, xticks *xt) {
    double x[MAX_TICKS];
    for (int j = 0; j < xt->n; j++)
        x[j] = px_index(p, xt->at[j]);
    draw_x_labels(f, p, x, xt->label, xt->n);
}

/* Year boundaries as ticks (every k-th year when there are more than 12); 0 when fewer than two. */
static int year_ticks(const qc_report_input *in, xticks *xt) {
    static const int max_shown = 12;
    size_t at[MAX_YEARS];
    int year[MAX_YEARS], cnt = 0, prev = INT_MIN;
    ymd_cache ymd_c = {0};
    for (size_t i = 0; i < in->n; i++) {
        int y, m, d;
        local_ymd(in->cal, in->ts[i], &y, &m, &d, &ymd_c);
        if (y == prev) continue;
        prev = y;
        /* the first bar starts a year only if it is in the year's first week */
        if ((i > 0 || (m == 1 && d <= 7)) && cnt < MAX_YEARS) {
            at[cnt] = i;
            year[cnt++] = y;
        }
    }
    if (cnt < 2) return 0;
    int step = (cnt + max_shown - 1) / max_shown;
    xt->n = 0;
    for (int j = 0; j < cnt && xt->n < MAX_TICKS; j += step) {
        xt->at[xt->n] = at[j];
        snprintf(xt->label[xt->n++], sizeof xt->label[0], "%d", year[j]);
    }
    return 1;
}

/* Years for multi-year daily data, otherwise up to six stamps from the calendar's formatter. */
static void xticks_build(const qc_report_input *in, xticks *xt) {
    size_t n = in->n;
    xt->n = 0;
    int64_t days = local_day(in->cal, in->ts[n - 1]) - local_day(in->cal, in->ts[0]);
    if (in->interval_s == 86400 && days >= 730 && year_ticks(in, xt)) return;
    /* as many as fit with 1.5 label widths between them (~7.5 px a character at 11 px) */
    char probe[40];
    size_t len = qc_calendar_format_stamp(in->cal, in->ts[0], in->interval_s, probe, sizeof probe);
    int k = 1 + (int)((CHART_W - M_LEFT - M_RIGHT) / (1.5 * 7.5 * (double)(len ? len : 1)));
    k = k > 6 ? 6 : k < 2 ? 2 : k;
    if ((size_t)k > n) k = (int)n;
    for (int j = 0; j < k; j++) {
        size_t i = k > 1 ? (size_t)((double)(n - 1) * j / (k - 1) + 0.5) : 0;
        xt->at[j] = i;
        qc_calendar_format_stamp(in->cal, in->ts[i], in->interval_s, xt->label[j], sizeof xt->label[0]);
    }
    xt->n = k;
}

/* ---- paths ------------------------------------------------------------------------------------ */

/* Writes the points of a path, skipping repeats of the same rounded point. */
typedef struct {
    FILE *f;
    int down;         /* inside a subpath */
    size_t pts;       /* points in the current subpath */
    long long lx, ly; /* last point in tenths of a pixel */
} pen;

static void pen_point(pen *pn, double x, double y) {
    long long ix = llround(px(x) * 10), iy = llround(px(y) * 10);
    if (pn->down && ix == pn->lx && iy == pn->ly) return;
    fprintf(pn->f, pn->down ? " %.1f,%.1f" : "M%.1f,%.1f", (double)ix / 10, (double)iy / 10);
    pn->down = 1;
    pn->pts++;
    pn->lx = ix;
    pn->ly = iy;
}

/* Ends a subpath; a lone point (one bar, or one between gaps) becomes a small ring to be seen. */
static void pen_lift(pen *pn, int dots) {
    if (dots && pn->down && pn->pts == 1) fputs("m-2,0a2,2 0 1,0 4,0a2,2 0 1,0 -4,0", pn->f);
    pn->down = 0;
    pn->pts = 0;
}

/* The points of v[0..n) as line segments; with `gaps` a non-plottable value breaks the line,
 * otherwise it is skipped. Long series: per bucket of indices, the min and the max in index order. */
static void emit_series(pen *pn, const plot *p, const double *v, size_t n, int gaps) {
    size_t buckets = n <= 2 * MAX_BUCKETS ? n : MAX_BUCKETS;
    for (size_t b = 0; b < buckets; b++) {
        size_t from = b * n / buckets, to = (b + 1) * n / buckets;
        size_t imin = SIZE_MAX, imax = SIZE_MAX;
        for (size_t i = from; i < to; i++) {
            if (!plottable(v[i])) continue;
            if (imin == SIZE_MAX || v[i] < v[imin]) imin = i;
            if (imax == SIZE_MAX || v[i] > v[imax]) imax = i;
        }
        if (imin == SIZE_MAX) {
            if (gaps) pen_lift(pn, 1);
            continue;
        }
        size_t a = imin < imax ? imin : imax, c = imin < imax ? imax : imin;
        pen_point(pn, px_index(p, a), py(p, v[a]));
        if (c != a) pen_point(pn, px_index(p, c), py(p, v[c]));
    }
}

static void path_line(FILE *f, const plot *p, const char *cls, const double *v, size_t n) {
    pen pn = {f, 0, 0, 0, 0};
    fprintf(f, "<path class=\"%s\" d=\"", cls);
    emit_series(&pn, p, v, n, 1);
    pen_lift(&pn, 1);
    fputs("\"/>\n", f);
}

/* The area between v and zero (non-plottable values skipped). */
static void path_area(FILE *f, const plot *p, const char *cls, const double *v, size_t n) {
    size_t first = SIZE_MAX, last = 0;
    for (size_t i = 0; i < n; i++) {
        if (!plottable(v[i])) continue;
        if (first == SIZE_MAX) first = i;
        last = i;
    }
    if (first == SIZE_MAX) return;
    pen pn = {f, 0, 0, 0, 0};
    fprintf(f, "<path class=\"%s\" d=\"", cls);
    pen_point(&pn, px_index(p, first), py(p, 0));
    emit_series(&pn, p, v, n, 0);
    pen_point(&pn, px_index(p, last), py(p, 0));
    fputs("Z\"/>\n", f);
}

static void no_data(FILE *f, const plot *p, const char *msg) {
    fprintf(f, "<text class=\"msg\" x=\"%.1f\" y=\"%.1f\">", px(p->x0 + p->w / 2), px(p->y0 + p->h * 0.3));
    put_esc(f, msg);
    fputs("</text>\n", f);
}

/* ---- derived series --------------------------------------------------------------------------- */

/* r_t = e_t / e_{t-1} - 1, the first from the initial equity; NaN where undefined. */
static void periodic_returns(const qc_report_input *in, double *r) {
    double prev = in->initial_equity;
    for (size_t i = 0; i < in->n; i++) {
        double e = in->equity[i];
        r[i] = plottable(e) && plottable(prev) && prev != 0 ? e / prev - 1 : NAN;
        if (!plottable(r[i])) r[i] = NAN;
        prev = e;
    }
}

/* Drawdown in percent from the running peak, which starts at the initial equity. */
static void drawdown_pct(const qc_report_input *in, double *dd) {
    double peak = plottable(in->initial_equity) ? in->initial_equity : -INFINITY;
    for (size_t i = 0; i < in->n; i++) {
        double e = in->equity[i];
        if (!plottable(e)) {
            dd[i] = NAN;
            continue;
        }
        if (e > peak) peak = e;
        dd[i] = peak > 0 ? (e / peak - 1) * 100 : NAN;
    }
}

/* Rolling Sharpe over w periods, annualised by sqrt(ppy); NaN until the window is full, when it
 * holds a NaN, or when its deviation is zero. Running sums, recomputed every w steps against drift. */
static void rolling_sharpe(const double *r, size_t n, size_t w, double ppy, double *out) {
    for (size_t i = 0; i < n; i++)
        out[i] = NAN;
    if (w < 2 || n < w) return;
    double ann = ppy > 0 && isfinite(ppy) ? sqrt(ppy) : 1.0, s = 0, s2 = 0;
    size_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(r[i]))
            bad++;
        else
            s += r[i], s2 += r[i] * r[i];
        if (i >= w) {
            if (isnan(r[i - w]))
                bad--;
            else
                s -= r[i - w], s2 -= r[i - w] * r[i - w];
        }
        if (i + 1 < w) continue;
        if ((i + 1) % w == 0) {
            s = s2 = 0;
            bad = 0;
            for (size_t j = i + 1 - w; j <= i; j++) {
                if (isnan(r[j]))
                    bad++;
                else
                    s += r[j], s2 += r[j] * r[j];
            }
        }
        if (bad) continue;
        double mean = s / (double)w, var = (s2 - s * mean) / (double)(w - 1);
        if (!(var > 1e-14 * mean * mean + 1e-30)) continue;
        double v = mean / sqrt(var) * ann;
        out[i] = plottable(v) ? v : NAN;
    }
}

/* ---- charts ----------------------------------------------------------------------------------- */

static void chart_equity(FILE *f, const qc_report_input *in, xticks *xt) {
    plot p = plot_area(in->n, CHART_H);
    double lo = INFINITY, hi = -INFINITY;
    range_add(&lo, &hi, in->equity, in->n);
    range_add(&lo, &hi, in->benchmark, in->n);
    range_add(&lo, &hi, in->comparison, in->n);
    range_finish(&lo, &hi, 0.05);
    p.lo = lo;
    p.hi = hi;
    svg_open(f, "chart-equity", CHART_W, CHART_H, "Equity curve vs buy-and-hold");
    draw_y_axis(f, &p, 1, "");
    draw_time_axis(f, &p, xt);
    fputs("<g class=\"data\">\n", f);
    if (in->benchmark) path_line(f, &p, "bench", in->benchmark, in->n);
    if (in->comparison) path_line(f, &p, "cmp", in->comparison, in->n);
    path_line(f, &p, "strat", in->equity, in->n);
    fputs("</g>\n", f);
    double lx = p.x0 + 10, ly = p.y0 + 12;
    fprintf(f, "<path class=\"strat\" d=\"M%.1f,%.1fh18\"/><text x=\"%.1f\" y=\"%.1f\">Strategy</text>",
            px(lx), px(ly), px(lx + 24), px(ly + 4));
    if (in->benchmark)
        fprintf(
            f, "<path class=\"bench\" d=\"M%.1f,%.1fh18\"/><text x=\"%.1f\" y=\"%.1f\">Buy &amp; hold</text>",
            px(lx + 100), px(ly), px(lx + 124), px(ly + 4));
    if (in->comparison) {
        fprintf(f, "<path class=\"cmp\" d=\"M%.1f,%.1fh18\"/><text x=\"%.1f\" y=\"%.1f\">", px(lx + 220), px(ly),
                px(lx + 244), px(ly + 4));
        put_esc(f, in->comparison_label ? in->comparison_label : "Comparison");
        fputs("</text>", f);
    }
    fputs("\n</svg>\n", f);
}

static void chart_underwater(FILE *f, const qc_report_input *in, const double *dd, xticks *xt) {
    plot p = plot_area(in->n, 220);
    double lo = 0, hi = 0;
    range_add(&lo, &hi, dd, in->n);
    if (lo == hi) lo = -1;
    double span = hi - lo;
    p.lo = lo - span * 0.05;
    p.hi = hi + span * 0.03;
    svg_open(f, "chart-underwater", CHART_W, 220, "Underwater (drawdown, percent)");
    draw_y_axis(f, &p, 0, "%");
    draw_time_axis(f, &p, xt);
    fputs("<g class=\"data\">\n", f);
    path_area(f, &p, "dd-area", dd, in->n);
    path_line(f, &p, "dd-line", dd, in->n);
    fputs("</g>\n</svg>\n", f);
}

static void chart_rolling(FILE *f, const qc_report_input *in, const double *rs, size_t w, xticks *xt) {
    plot p = plot_area(in->n, 240);
    double lo = 0, hi = 0; /* zero is always in view */
    range_add(&lo, &hi, rs, in->n);
    range_finish(&lo, &hi, 0.05);
    p.lo = lo;
    p.hi = hi;
    char label[96];
    snprintf(label, sizeof label, "Rolling Sharpe (%zu periods, annualised)", w);
    svg_open(f, "chart-rolling-sharpe", CHART_W, 240, label);
    draw_y_axis(f, &p, 0, "");
    draw_time_axis(f, &p, xt);
    fprintf(f, "<path class=\"zero\" d=\"M%.1f,%.1fh%.1f\"/>\n", px(p.x0), px(py(&p, 0)), px(p.w));
    size_t drawn = 0;
    for (size_t i = 0; i < in->n; i++)
        drawn += !isnan(rs[i]);
    if (drawn) {
        fputs("<g class=\"data\">\n", f);
        path_line(f, &p, "rs", rs, in->n);
        fputs("</g>\n", f);
    } else {
        if (in->n < w)
            snprintf(label, sizeof label, "not enough periods for a %zu-period window", w);
        else
            snprintf(label, sizeof label, "undefined: no window with a non-zero deviation");
        no_data(f, &p, label);
    }
    fputs("</svg>\n", f);
}

/* The histogram's bins. The axis spans every return unless a few far outliers (at most 1% of the
 * values, beyond Tukey's 3 x IQR fences) would squash the rest into a bin or two: those are left
 * out of the bars and named in a note. Zero and the mean are always in view. */
typedef struct {
    size_t cnt, outside, bins[HIST_BINS], top;
    double lo, hi, mean, min, max; /* percent */
} histogram;


static void hist_build(const double *r, size_t n, double *scratch, histogram *hg) {
    memset(hg, 0, sizeof *hg);
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(r[i])) sum += scratch[hg->cnt++] = r[i] * 100;
    double lo = 0, hi = 0;
    if (hg->cnt) {
        hg->mean = sum / (double)hg->cnt;
        hg->min = hg->max = scratch[0];
        for (size_t i = 1; i < hg->cnt; i++) {
            hg->min = fmin(hg->min, scratch[i]);
            hg->max = fmax(hg->max, scratch[i]);
        }
        double q1 = qc_quantile_inplace(scratch, hg->cnt, 0.25), q3 = qc_quantile_inplace(scratch, hg->cnt, 0.75);
        double iqr = q3 - q1;
        double flo = q1 - 3 * iqr, fhi = q3 + 3 * iqr, kept_lo = INFINITY, kept_hi = -INFINITY;
        size_t out = 0;
        for (size_t i = 0; i < hg->cnt; i++) {
            if (scratch[i] < flo || scratch[i] > fhi) {
                out++;
                continue;
            }
            kept_lo = fmin(kept_lo, scratch[i]);
            kept_hi = fmax(kept_hi, scratch[i]);
        }
        int clip = iqr > 0 && out * 100 <= hg->cnt;
        lo = fmin(fmin(0, hg->mean), clip ? kept_lo : hg->min);
        hi = fmax(fmax(0, hg->mean), clip ? kept_hi : hg->max);
    }
    range_finish(&lo, &hi, 0.0);
    hg->lo = lo;
    hg->hi = hi;
    double width = (hi - lo) / HIST_BINS;
    for (size_t i = 0; i < hg->cnt; i++) {
        double v = scratch[i];
        if (v < lo || v > hi) {
            hg->outside++;
            continue;
        }
        long b = (long)((v - lo) / width);
        b = b < 0 ? 0 : b >= HIST_BINS ? HIST_BINS - 1 : b;
        if (++hg->bins[b] > hg->top) hg->top = hg->bins[b];
    }
}

static void hist_bars(FILE *f, const plot *p, const histogram *hg) {
    fputs("<g class=\"data\">\n", f);
    double bw = p->w / HIST_BINS;
    for (int b = 0; b < HIST_BINS; b++) {
        if (!hg->bins[b]) continue;
        double yb = py(p, (double)hg->bins[b]);
        fprintf(f, "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>",
                px(p->x0 + b * bw), px(yb), px(bw > 2 ? bw - 1 : bw), px(p->y0 + p->h - yb));
    }
    double xm = px_value(p, hg->mean), xz = px_value(p, 0);
    fprintf(
        f, "\n</g>\n<path class=\"zero\" d=\"M%.1f,%.1fv%.1f\"/><path class=\"mean\" d=\"M%.1f,%.1fv%.1f\"/>",
        px(xz), px(p->y0), px(p->h), px(xm), px(p->y0), px(p->h));
    /* notes in the strip above the plot: the mean (legend of the dotted line) and any outliers */
    char note[160];
    double ys = p->y0 - 8;
    fmt_val(note, sizeof note, "mean %.3f%%", hg->mean);
    fprintf(f, "<path class=\"mean\" d=\"M%.1f,%.1fv12\"/><text x=\"%.1f\" y=\"%.1f\">%s</text>\n",
            px(p->x0 + 4), px(ys - 8), px(p->x0 + 10), px(ys + 2), note);
    if (hg->outside) {
        snprintf(note, sizeof note, "%zu outlier%s beyond the axis not drawn (min %.2f%%, max %.2f%%)",
                 hg->outside, hg->outside == 1 ? "" : "s", hg->min, hg->max);
        fprintf(f, "<text class=\"outl\" x=\"%.1f\" y=\"%.1f\">%s</text>\n", px(p->x0 + p->w), px(ys + 2),
                note);
    }
}

static void chart_histogram(FILE *f, const double *r, size_t n, double *scratch) {
    histogram hg;
    hist_build(r, n, scratch, &hg);
    plot p = plot_area(0, 240);
    p.y0 += 18; /* a strip for the notes */
    p.h -= 18;
    p.xlo = hg.lo;
    p.xhi = hg.hi;
    p.lo = 0;
    p.hi = hg.top ? (double)hg.top * 1.05 : 1;
    svg_open(f, "chart-histogram", CHART_W, 240, "Histogram of periodic returns (percent)");
    draw_y_axis(f, &p, 0, "");
    double t[MAX_TICKS], x[MAX_TICKS], step;
    char labels[MAX_TICKS][40];
    int k = nice_ticks(hg.lo, hg.hi, 8, t, &step);
    for (int j = 0; j < k; j++) {
        x[j] = px_value(&p, t[j]);
        fmt_tick(labels[j], sizeof labels[0], t[j], step, 0, 0, "%");
    }
    draw_x_labels(f, &p, x, labels, k);
    if (hg.cnt)
        hist_bars(f, &p, &hg);
    else
        no_data(f, &p, "no returns");
    fputs("</svg>\n", f);
}

/* ---- monthly heatmap -------------------------------------------------------------------------- */

typedef struct {
    int first_year, years;
    double *end; /* years x 12 month-end equities (NaN: no data) */
    double *ret; /* years x 13: monthly returns and the year's (NaN: none) */
} monthly;

static qc_err monthly_build(const qc_report_input *in, monthly *mo, qc_error *err) {
    int ymin = INT_MAX, ymax = INT_MIN;
    ymd_cache ymd_c = {0};
    for (size_t i = 0; i < in->n; i++) {
        if (!plottable(in->equity[i])) continue;
        int y, m, d;
        local_ymd(in->cal, in->ts[i], &y, &m, &d, &ymd_c);
        ymin = y < ymin ? y : ymin;
        ymax = y > ymax ? y : ymax;
    }
    mo->first_year = ymin;
    mo->years = ymin <= ymax ? ymax - ymin + 1 : 0;
    size_t cells = (size_t)mo->years;
    mo->end = malloc((cells * 25 + 1) * sizeof(double));
    if (!mo->end) return qc_err_set(err, QC_ERR_NOMEM, "report: out of memory");
    mo->ret = mo->end + cells * 12;
    for (size_t c = 0; c < cells * 25; c++)
        mo->end[c] = NAN;
    ymd_c.valid = 0;
    for (size_t i = 0; i < in->n; i++) {
        if (!plottable(in->equity[i])) continue;
        int y, m, d;
        local_ymd(in->cal, in->ts[i], &y, &m, &d, &ymd_c);
        mo->end[(size_t)(y - ymin) * 12 + (size_t)(m - 1)] = in->equity[i];
    }
    /* returns chain month-end to month-end (and year-end to year-end) from the initial equity */
    double base = in->initial_equity, ybase = in->initial_equity;
    for (size_t yi = 0; yi < cells; yi++) {
        double last = NAN;
        for (size_t m = 0; m < 12; m++) {
            double e = mo->end[yi * 12 + m];
            if (isnan(e)) continue;
            double r = plottable(base) && base != 0 ? e / base - 1 : NAN;
            mo->ret[yi * 13 + m] = plottable(r) ? r : NAN;
            base = last = e;
        }
        if (isnan(last)) continue;
        double r = plottable(ybase) && ybase != 0 ? last / ybase - 1 : NAN;
        mo->ret[yi * 13 + 12] = plottable(r) ? r : NAN;
        ybase = last;
    }
    return QC_OK;
}

/* White to green (positive) or red (negative) by |r| / scale. */
static void heat_color(double r, double scale, char *buf, size_t n, int *dark) {
    double t = scale > 0 ? fmin(1.0, fabs(r) / scale) : 0;
    int tr = r >= 0 ? 26 : 215, tg = r >= 0 ? 152 : 48, tb = r >= 0 ? 80 : 39;
    int c[3] = {tr, tg, tb};
    for (int k = 0; k < 3; k++)
        c[k] = (int)lround(255 + (c[k] - 255) * t * 0.9);
    snprintf(buf, n, "#%02x%02x%02x", c[0], c[1], c[2]);
    *dark = t > 0.65;
}

static void chart_monthly(FILE *f, const monthly *mo) {
    static const char *const names[13] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul",
                                          "Aug", "Sep", "Oct", "Nov", "Dec", "Year"};
    const int cw = 58, ch = 24, left = 56, head = 22;
    int w = left + 13 * cw + 8, h = head + (mo->years ? mo->years : 1) * ch + 6;
    double scale_m = 0, scale_y = 0;
    for (int yi = 0; yi < mo->years; yi++)
        for (int m = 0; m < 13; m++) {
            double r = fabs(mo->ret[yi * 13 + m]);
            if (isnan(r)) continue;
            if (m < 12)
                scale_m = fmax(scale_m, r);
            else
                scale_y = fmax(scale_y, r);
        }
    svg_open(f, "chart-monthly", w, h, "Monthly returns (percent)");
    fputs("<g class=\"hm\">", f);
    for (int m = 0; m < 13; m++)
        fprintf(f, "<text x=\"%d\" y=\"%d\">%s</text>", left + m * cw + cw / 2, head - 7, names[m]);
    fputs("\n<g class=\"data\">\n", f);
    for (int yi = 0; yi < mo->years; yi++) {
        int y = mo->first_year + yi, top = head + yi * ch;
        fprintf(f, "<text class=\"yr\" x=\"%d\" y=\"%d\">%d</text>", left - 8, top + ch / 2 + 4, y);
        for (int m = 0; m < 13; m++) {
            double r = mo->ret[yi * 13 + m];
            int x = left + m * cw + (m == 12 ? 4 : 0), dark = 0;
            if (isnan(r)) {
                fprintf(f, "<rect class=\"empty\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"/>", x, top,
                        cw - 2, ch - 2);
                continue;
            }
            char color[16];
            heat_color(r, m < 12 ? scale_m : scale_y, color, sizeof color, &dark);
            if (m < 12)
                fprintf(f, "<g><title>%04d-%02d %+.2f%%</title>", y, m + 1, r * 100);
            else
                fprintf(f, "<g><title>%04d %+.2f%%</title>", y, r * 100);
            fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"/>", x, top, cw - 2,
                    ch - 2, color);
            fprintf(f, "<text%s x=\"%d\" y=\"%d\">%.1f%%</text></g>", dark ? " class=\"dk\"" : "",
                    x + cw / 2 - 1, top + ch / 2 + 3, r * 100);
        }
        fputc('\n', f);
    }
    fputs("</g></g>\n</svg>\n", f);
}

/* ---- tables ----------------------------------------------------------------------------------- */

typedef enum {
    MF_COUNT,
    MF_PCT,
    MF_NUM2,
    MF_NUM3,
    MF_NUM4,
    MF_MONEY,
    MF_TIMES,
    MF_TS,
    MF_PERIODS
} metric_kind;

typedef struct {
    const char *label;
    size_t off;
    metric_kind kind;
} metric_row;

/* Every field of qc_metrics, in the struct's order. */
static const metric_row k_metric_rows[] = {
    {"Periods", offsetof(qc_metrics, n_periods), MF_COUNT},
    {"Periods per year", offsetof(qc_metrics, periods_per_year), MF_NUM2},
    {"Initial equity", offsetof(qc_metrics, initial_equity), MF_MONEY},
    {"Final equity", offsetof(qc_metrics, final_equity), MF_MONEY},
    {"Total return", offsetof(qc_metrics, total_return), MF_PCT},
    {"CAGR", offsetof(qc_metrics, cagr), MF_PCT},
    {"Volatility (ann.)", offsetof(qc_metrics, volatility), MF_PCT},
    {"Sharpe (ann.)", offsetof(qc_metrics, sharpe), MF_NUM3},
    {"Sortino (ann.)", offsetof(qc_metrics, sortino), MF_NUM3},
    {"Calmar", offsetof(qc_metrics, calmar), MF_NUM3},
    {"Sharpe per period", offsetof(qc_metrics, sharpe_per_period), MF_NUM4},
    {"Max drawdown", offsetof(qc_metrics, max_drawdown), MF_PCT},
    {"Drawdown peak", offsetof(qc_metrics, dd_peak_ts), MF_TS},
    {"Drawdown trough", offsetof(qc_metrics, dd_trough_ts), MF_TS},
    {"Drawdown recovery", offsetof(qc_metrics, dd_recovery_ts), MF_TS},
    {"Drawdown duration", offsetof(qc_metrics, dd_duration), MF_COUNT},
    {"Skewness", offsetof(qc_metrics, skew), MF_NUM3},
    {"Kurtosis", offsetof(qc_metrics, kurtosis), MF_NUM3},
    {"VaR (per period)", offsetof(qc_metrics, var), MF_PCT},
    {"CVaR (per period)", offsetof(qc_metrics, cvar), MF_PCT},
    {"Trades", offsetof(qc_metrics, n_trades), MF_COUNT},
    {"Hit rate", offsetof(qc_metrics, hit_rate), MF_PCT},
    {"Profit factor", offsetof(qc_metrics, profit_factor), MF_NUM3},
    {"Average win", offsetof(qc_metrics, avg_win), MF_MONEY},
    {"Average loss", offsetof(qc_metrics, avg_loss), MF_MONEY},
    {"Turnover (ann.)", offsetof(qc_metrics, turnover), MF_TIMES},
    {"Exposure", offsetof(qc_metrics, exposure), MF_PCT},
    {"PSR", offsetof(qc_metrics, psr), MF_PCT},
    {"DSR", offsetof(qc_metrics, dsr), MF_PCT},
    {"Min track record (periods)", offsetof(qc_metrics, min_trl), MF_PERIODS},
};

static void metric_text(const qc_report_input *in, const metric_row *row, char *buf, size_t n) {
    const char *base = (const char *)in->metrics + row->off;
    double v = 0;
    if (row->kind == MF_COUNT) {
        size_t c;
        memcpy(&c, base, sizeof c);
        snprintf(buf, n, "%zu", c);
        return;
    }
    if (row->kind == MF_TS) {
        int64_t ts;
        memcpy(&ts, base, sizeof ts);
        qc_calendar_format_stamp(in->cal, ts, in->interval_s, buf, n);
        return;
    }
    memcpy(&v, base, sizeof v);
    switch (row->kind) {
    case MF_PCT:
        fmt_val(buf, n, "%.2f%%", v * 100);
        break;
    case MF_NUM2:
        fmt_val(buf, n, "%.2f", v);
        break;
    case MF_NUM3:
        fmt_val(buf, n, "%.3f", v);
        break;
    case MF_NUM4:
        fmt_val(buf, n, "%.4f", v);
        break;
    case MF_MONEY:
        fmt_val(buf, n, "%.2f", v);
        break;
    case MF_TIMES:
        fmt_val(buf, n, "%.2fx", v);
        break;
    default:
        fmt_val(buf, n, "%.0f", v);
        break;
    }
}

static void metrics_table(FILE *f, const qc_report_input *in) {
    const size_t rows = sizeof k_metric_rows / sizeof k_metric_rows[0], half = (rows + 1) / 2;
    fputs("<table class=\"metrics\" id=\"metrics\">\n", f);
    for (size_t r = 0; r < half; r++) {
        fputs("<tr>", f);
        for (size_t c = r; c < rows; c += half) {
            char v[64];
            metric_text(in, &k_metric_rows[c], v, sizeof v);
            fprintf(f, "<td>%s</td><td class=\"v\">%s</td>", k_metric_rows[c].label, v);
        }
        fputs("</tr>\n", f);
    }
    fputs("</table>\n", f);
}

static void trade_row(FILE *f, const qc_report_input *in, size_t i) {
    const qc_roundtrip *t = &in->trades[i];
    char a[64], b[64];
    fprintf(f, "<tr><td>%zu</td><td class=\"l\">", i + 1);
    if (in->symbols && (in->n_symbols == 0 || t->symbol < in->n_symbols) && in->symbols[t->symbol])
        put_esc(f, in->symbols[t->symbol]);
    else
        fprintf(f, "#%u", (unsigned)t->symbol);
    fmt_val(a, sizeof a, "%.6g", t->qty);
    fprintf(f, "</td><td class=\"l\">%s</td><td>%s</td>",
            t->side > 0   ? "long"
            : t->side < 0 ? "short"
                          : "-",
            a);
    qc_calendar_format_stamp(in->cal, t->entry_ts, in->interval_s, a, sizeof a);
    qc_calendar_format_stamp(in->cal, t->exit_ts, in->interval_s, b, sizeof b);
    fprintf(f, "<td>%s</td><td>%s</td>", a, b);
    fmt_val(a, sizeof a, "%.4f", t->entry_price);
    fmt_val(b, sizeof b, "%.4f", t->exit_price);
    fprintf(f, "<td>%s</td><td>%s</td>", a, b);
    fmt_val(a, sizeof a, "%.2f", t->costs);
    fmt_val(b, sizeof b, "%.2f", t->pnl);
    const char *cls = t->pnl > 0 ? " class=\"pos\"" : t->pnl < 0 ? " class=\"neg\"" : "";
    fprintf(f, "<td>%s</td><td%s>%s</td>", a, cls, b);
    fmt_val(a, sizeof a, "%.2f%%", t->ret * 100);
    fprintf(f, "<td%s>%s</td><td>%zu</td></tr>\n", cls, a, t->bars_held);
}

static void trades_table(FILE *f, const qc_report_input *in) {
    if (in->n_trades == 0) {
        fputs("<p id=\"trades\" class=\"note\">No trades.</p>\n", f);
        return;
    }
    size_t shown = in->n_trades < MAX_TRADE_ROWS ? in->n_trades : MAX_TRADE_ROWS;
    fputs("<div class=\"scroll\"><table class=\"trades\" id=\"trades\">\n<tr><th>#</th><th "
          "class=\"l\">Symbol</th>"
          "<th class=\"l\">Side</th><th>Qty</th><th>Entry time</th><th>Exit time</th><th>Entry price</th>"
          "<th>Exit price</th><th>Costs</th><th>P&amp;L</th><th>Return</th><th>Bars</th></tr>\n",
          f);
    for (size_t i = 0; i < shown; i++)
        trade_row(f, in, i);
    fputs("</table></div>\n", f);
    if (in->n_trades > shown)
        fprintf(f, "<p class=\"note\">%zu more trades in the trades CSV</p>\n", in->n_trades - shown);
}

/* ---- the document ----------------------------------------------------------------------------- */

static const char k_css[] =
    "body{font:14px/1.4 system-ui,-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;color:#222;"
    "background:#fff;max-width:940px;margin:24px auto;padding:0 12px}\n"
    "h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:26px 0 8px;padding-bottom:4px;"
    "border-bottom:1px solid #ddd}.sub{color:#555;margin:2px 0}\n"
    "svg.chart{display:block;max-width:100%;height:auto;font-size:11px}svg text{fill:#555}\n"
    ".grid{stroke:#e8e8e8;fill:none}.axis{stroke:#999;fill:none}.yl{text-anchor:end}\n"
    ".strat{stroke:#1f77b4;stroke-width:1.6;fill:none;stroke-linejoin:round;stroke-linecap:round}\n"
    ".bench{stroke:#ff7f0e;stroke-width:1.2;fill:none;stroke-linejoin:round;stroke-linecap:round}\n"
    ".cmp{stroke:#2ca02c;stroke-width:1.2;fill:none;stroke-dasharray:4 2;stroke-linejoin:round}\n"
    ".dd-area{fill:#d62728;fill-opacity:.3;stroke:none}.dd-line{stroke:#d62728;fill:none;stroke-linecap:"
    "round}\n"
    ".rs{stroke:#2ca02c;stroke-width:1.4;fill:none;stroke-linecap:round}\n"
    ".zero{stroke:#444;stroke-dasharray:4 3;fill:none}.mean{stroke:#d62728;stroke-dasharray:2 2;fill:none}\n"
    ".bar{fill:#1f77b4}.msg{text-anchor:middle;font-size:13px}.outl{text-anchor:end}\n"
    ".hm text{text-anchor:middle;fill:#222}.hm text.dk{fill:#fff}.hm text.yr{text-anchor:end;fill:#555}"
    ".hm rect.empty{fill:#f4f4f4}\n"
    "table{border-collapse:collapse}.metrics td{padding:3px 10px;border-bottom:1px solid #eee}"
    ".metrics td.v{text-align:right;font-variant-numeric:tabular-nums;padding-right:28px}\n"
    ".scroll{overflow-x:auto}.trades{font-size:12px;width:100%}.trades th,.trades td{padding:2px 6px;"
    "border-bottom:1px solid #eee;text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}"
    ".trades .l{text-align:left}\n"
    ".pos{color:#1a7f37}.neg{color:#c62828}.note{color:#666;font-size:12px}"
    "#render-check{color:#aaa;font-size:11px}\n";

/* Measures every chart once laid out: its plotted group must have a non-empty box (the trade list:
 * its element). Read by tests/scripts/report_chromium.sh from Chromium's --dump-dom. */
static const char k_check_js[] =
    "(function(){var ids=['chart-equity','chart-underwater','chart-monthly','chart-rolling-sharpe',"
    "'chart-histogram','trades'],ok=0;ids.forEach(function(id){var e=document.getElementById(id);"
    "if(!e)return;var g=e.querySelector('g.data'),b;if(e.tagName.toLowerCase()==='svg'){if(!g)return;"
    "b=g.getBBox();}else{b=e.getBoundingClientRect();}if(b.width>0&&b.height>0)ok++;});"
    "document.getElementById('render-check').textContent='charts-drawn: '+ok+'/'+ids.length;})();";

static void header(FILE *f, const qc_report_input *in) {
    const char *title = in->title && *in->title ? in->title : "Backtest report";
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
          f);
    put_esc(f, title);
    fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<h1>", k_css);
    put_esc(f, title);
    fputs("</h1>\n", f);
    if (in->subtitle && *in->subtitle) {
        fputs("<p class=\"sub\">", f);
        put_esc(f, in->subtitle);
        fputs("</p>\n", f);
    }
    char a[48], b[48];
    qc_calendar_format_stamp(in->cal, in->ts[0], in->interval_s, a, sizeof a);
    qc_calendar_format_stamp(in->cal, in->ts[in->n - 1], in->interval_s, b, sizeof b);
    fprintf(f, "<p class=\"sub\">%s &ndash; %s &middot; %zu periods &middot; %zu trades &middot; calendar ",
            a, b, in->n, in->n_trades);
    put_esc(f, qc_calendar_name(in->cal));
    fputs("</p>\n", f);
}

static qc_err check_input(const qc_report_input *in, qc_error *err) {
    if (!in) return qc_err_set(err, QC_ERR_INPUT, "report: no input");
    if (in->n == 0 || !in->ts || !in->equity)
        return qc_err_set(err, QC_ERR_INPUT, "report: empty equity curve");
    if (!in->cal) return qc_err_set(err, QC_ERR_INPUT, "report: no calendar");
    if (!in->metrics) return qc_err_set(err, QC_ERR_INPUT, "report: no metrics");
    if (in->n_trades && !in->trades)
        return qc_err_set(err, QC_ERR_INPUT, "report: %zu trades but no list", in->n_trades);
    if (in->n > SIZE_MAX / (4 * sizeof(double)))
        return qc_err_set(err, QC_ERR_NOMEM, "report: series too long");
    return QC_OK;
}

/* The series derived from the equity curve, n each. */
typedef struct {
    double *r;       /* periodic returns */
    double *dd;      /* drawdown, percent */
    double *rs;      /* rolling Sharpe */
    double *scratch; /* sorted returns for the histogram */
    size_t window;
} derived;

static void write_body(FILE *f, const qc_report_input *in, const derived *dv, const monthly *mo) {
    xticks xt;
    xticks_build(in, &xt);
    header(f, in);
    fputs("<h2>Summary</h2>\n", f);
    metrics_table(f, in);
    fputs(in->benchmark ? "<h2>Equity vs buy-and-hold</h2>\n" : "<h2>Equity</h2>\n", f);
    chart_equity(f, in, &xt);
    fputs("<h2>Underwater (drawdown from the running peak)</h2>\n", f);
    chart_underwater(f, in, dv->dd, &xt);
    fputs("<h2>Monthly returns</h2>\n", f);
    chart_monthly(f, mo);
    fprintf(f, "<h2>Rolling Sharpe (%zu periods, annualised)</h2>\n", dv->window);
    chart_rolling(f, in, dv->rs, dv->window, &xt);
    fputs("<h2>Distribution of periodic returns</h2>\n", f);
    chart_histogram(f, dv->r, in->n, dv->scratch);
    fprintf(f, "<h2>Trades (%zu)</h2>\n", in->n_trades);
    trades_table(f, in);
    fprintf(
        f,
        "<pre id=\"render-check\">charts-drawn: not measured</pre>\n<script>%s</script>\n</body>\n</html>\n",
        k_check_js);
}

qc_err qc_report_html(FILE *f, const qc_report_input *in, qc_error *err) {
    if (!f) return qc_err_set(err, QC_ERR_INPUT, "report: no output stream");
    qc_err rc = check_input(in, err);
    if (rc) return rc;
    size_t n = in->n;
    double *buf = malloc(4 * n * sizeof(double));
    if (!buf) return qc_err_set(err, QC_ERR_NOMEM, "report: out of memory for %zu periods", n);
    derived dv = {buf, buf + n, buf + 2 * n, buf + 3 * n,
                  in->rolling_window ? in->rolling_window : DEFAULT_WINDOW};
    periodic_returns(in, dv.r);
    drawdown_pct(in, dv.dd);
    rolling_sharpe(dv.r, n, dv.window, in->metrics->periods_per_year, dv.rs);
    monthly mo = {0};
    rc = monthly_build(in, &mo, err);
    if (rc == QC_OK) {
        write_body(f, in, &dv, &mo);
        if (fflush(f) != 0 || ferror(f)) rc = qc_err_set(err, QC_ERR_INPUT, "report: write failed");
    }
    free(mo.end);
    free(buf);
    return rc;
}
