/* series.c: growable struct-of-arrays bar series, interval names, and the aligned panel. */
#include "data/series.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/strutil.h"
#include "core/time.h"

/* Grows one column to cap elements of size sz. */
static int grow(void **p, size_t cap, size_t sz) {
    void *q = realloc(*p, cap * sz);
    if (!q) return -1;
    *p = q;
    return 0;
}

qc_err qc_bars_reserve(qc_bars *b, size_t cap, qc_error *err) {
    if (cap <= b->cap) return QC_OK;
    if (cap > SIZE_MAX / sizeof(double) / 2) return qc_err_set(err, QC_ERR_NOMEM, "bar series too large");
    if (grow((void **)&b->ts, cap, sizeof *b->ts) || grow((void **)&b->open_ts, cap, sizeof *b->open_ts) ||
        grow((void **)&b->open, cap, sizeof *b->open) || grow((void **)&b->high, cap, sizeof *b->high) ||
        grow((void **)&b->low, cap, sizeof *b->low) || grow((void **)&b->close, cap, sizeof *b->close) ||
        grow((void **)&b->volume, cap, sizeof *b->volume) ||
        grow((void **)&b->adj_close, cap, sizeof *b->adj_close) || grow((void **)&b->flags, cap, sizeof *b->flags))
        return qc_err_set(err, QC_ERR_NOMEM, "out of memory growing a bar series to %zu rows", cap);
    b->cap = cap;
    return QC_OK;
}

qc_err qc_bars_push(qc_bars *b, int64_t ts, int64_t open_ts, double open, double high, double low,
                    double close, double volume, double adj_close, uint8_t flags, qc_error *err) {
    if (b->n == b->cap) {
        qc_err rc = qc_bars_reserve(b, b->cap ? b->cap * 2 : 256, err);
        if (rc) return rc;
    }
    size_t i = b->n++;
    b->ts[i] = ts;
    b->open_ts[i] = open_ts;
    b->open[i] = open;
    b->high[i] = high;
    b->low[i] = low;
    b->close[i] = close;
    b->volume[i] = volume;
    b->adj_close[i] = adj_close;
    b->flags[i] = flags;
    return QC_OK;
}

qc_err qc_bars_push_row(qc_bars *dst, const qc_bars *s, size_t i, qc_error *err) {
    return qc_bars_push(dst, s->ts[i], s->open_ts[i], s->open[i], s->high[i], s->low[i], s->close[i],
                        s->volume[i], s->adj_close[i], s->flags[i], err);
}

void qc_bars_filter(qc_bars *b, const uint8_t *keep) {
    size_t o = 0;
    for (size_t i = 0; i < b->n; i++) {
        if (!keep[i]) continue;
        if (o != i) {
            b->ts[o] = b->ts[i];
            b->open_ts[o] = b->open_ts[i];
            b->open[o] = b->open[i];
            b->high[o] = b->high[i];
            b->low[o] = b->low[i];
            b->close[o] = b->close[i];
            b->volume[o] = b->volume[i];
            b->adj_close[o] = b->adj_close[i];
            b->flags[o] = b->flags[i];
        }
        o++;
    }
    b->n = o;
}

void qc_bars_clear(qc_bars *b) { b->n = 0; }

void qc_bars_free(qc_bars *b) {
    free(b->ts);
    free(b->open_ts);
    free(b->open);
    free(b->high);
    free(b->low);
    free(b->close);
    free(b->volume);
    free(b->adj_close);
    free(b->flags);
    memset(b, 0, sizeof *b);
}

int qc_bars_is_strictly_increasing(const qc_bars *b) {
    for (size_t i = 1; i < b->n; i++)
        if (b->ts[i] <= b->ts[i - 1]) return 0;
    return 1;
}

static const struct {
    char unit;
    int64_t seconds;
} k_units[] = {{'w', 604800}, {'d', 86400}, {'h', 3600}, {'m', 60}, {'s', 1}};

qc_err qc_interval_parse(const char *s, int64_t *seconds, qc_error *err) {
    size_t len = s ? strlen(s) : 0;
    int64_t n = 0;
    if (len >= 2 && qc_parse_i64(s, len - 1, &n) == 0 && n > 0 && n <= 100000) {
        for (size_t i = 0; i < sizeof k_units / sizeof k_units[0]; i++) {
            if (s[len - 1] == k_units[i].unit) {
                *seconds = n * k_units[i].seconds;
                return QC_OK;
            }
        }
    }
    return qc_err_set(err, QC_ERR_INPUT, "bad interval '%s' (use e.g. 1d, 1h, 5m, 30s, 1w)", s ? s : "");
}

size_t qc_interval_format(int64_t seconds, char *buf, size_t n) {
    for (size_t i = 0; i < sizeof k_units / sizeof k_units[0]; i++)
        if (seconds > 0 && seconds % k_units[i].seconds == 0)
            return (size_t)snprintf(buf, n, "%lld%c", (long long)(seconds / k_units[i].seconds),
                                    k_units[i].unit);
    return (size_t)snprintf(buf, n, "%llds", (long long)seconds);
}

/* Session bounds of the local day of ts (regular hours when the day is not a session). */
static void session_of(const qc_calendar *cal, int64_t ts, int64_t *open_ns, int64_t *close_ns) {
    int64_t day = qc_calendar_local_day(cal, ts);
    if (!qc_calendar_session(cal, day, open_ns, close_ns)) {
        *open_ns = qc_calendar_regular_open(cal, day);
        *close_ns = qc_calendar_regular_close(cal, day);
    }
    if (ts < *open_ns) { /* pre-market bars belong to their own day's session window */
        *open_ns = qc_ts_day(ts) * QC_NS_PER_DAY;
    }
}

qc_err qc_bars_resample(const qc_bars *in, int64_t out_interval_s, const qc_calendar *cal, qc_bars *out,
                        qc_error *err) {
    if (out_interval_s <= 0) return qc_err_set(err, QC_ERR_INPUT, "resample: bad interval");
    int64_t iv = out_interval_s * QC_NS_PER_SEC;
    for (size_t i = 0; i < in->n;) {
        int64_t s_open, s_close, g_open, g_close;
        session_of(cal, in->open_ts[i], &s_open, &s_close);
        if (out_interval_s == 86400) {
            g_open = s_open;
            g_close = s_close;
        } else {
            int64_t k = (in->open_ts[i] - s_open) / iv;
            g_open = s_open + k * iv;
            g_close = g_open + iv < s_close ? g_open + iv : s_close;
        }
        double hi = in->high[i], lo = in->low[i], vol = in->volume[i];
        uint8_t flags = in->flags[i];
        int64_t day = qc_calendar_local_day(cal, in->open_ts[i]);
        size_t j = i + 1;
        for (; j < in->n; j++) {
            int in_group = out_interval_s == 86400 ? qc_calendar_local_day(cal, in->open_ts[j]) == day
                                                   : in->open_ts[j] >= g_open && in->open_ts[j] < g_close;
            if (!in_group) break;
            hi = fmax(hi, in->high[j]);
            lo = fmin(lo, in->low[j]);
            vol += in->volume[j];
            flags |= in->flags[j];
        }
        int64_t end = in->ts[j - 1] > g_close ? in->ts[j - 1] : g_close;
        qc_err rc = qc_bars_push(out, end, g_open, in->open[i], hi, lo, in->close[j - 1], vol,
                                 in->adj_close[j - 1], flags, err);
        if (rc) return rc;
        i = j;
    }
    return QC_OK;
}

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Sorted union of every series' timestamps. */
static qc_err union_ts(qc_panel *p, const qc_bars *const *series, size_t n_sym, qc_error *err) {
    size_t total = 0;
    for (size_t s = 0; s < n_sym; s++) total += series[s]->n;
    p->ts = malloc((total ? total : 1) * sizeof *p->ts);
    if (!p->ts) return qc_err_set(err, QC_ERR_NOMEM, "out of memory building a panel");
    size_t k = 0;
    for (size_t s = 0; s < n_sym; s++) {
        memcpy(p->ts + k, series[s]->ts, series[s]->n * sizeof *p->ts);
        k += series[s]->n;
    }
    qsort(p->ts, total, sizeof *p->ts, cmp_i64);
    size_t u = 0;
    for (size_t i = 0; i < total; i++)
        if (u == 0 || p->ts[i] != p->ts[u - 1]) p->ts[u++] = p->ts[i];
    p->n_ts = u;
    return QC_OK;
}

static void fill_symbol(qc_panel *p, size_t s, const qc_bars *b) {
    double *cols[5] = {p->open, p->high, p->low, p->close, p->volume};
    const double *src[5] = {b->open, b->high, b->low, b->close, b->volume};
    size_t j = 0;
    for (size_t t = 0; t < p->n_ts; t++) {
        while (j < b->n && b->ts[j] < p->ts[t]) j++;
        int hit = j < b->n && b->ts[j] == p->ts[t];
        for (int c = 0; c < 5; c++) cols[c][s * p->n_ts + t] = hit ? src[c][j] : NAN;
    }
}

qc_err qc_panel_build(qc_panel *p, const qc_bars *const *series, const char *const *symbols,
                      size_t n_sym, qc_error *err) {
    memset(p, 0, sizeof *p);
    qc_err rc = union_ts(p, series, n_sym, err);
    if (rc) return rc;
    p->n_sym = n_sym;
    size_t cells = (p->n_ts ? p->n_ts : 1) * (n_sym ? n_sym : 1);
    p->symbols = calloc(n_sym ? n_sym : 1, sizeof *p->symbols);
    p->open = malloc(cells * sizeof(double));
    p->high = malloc(cells * sizeof(double));
    p->low = malloc(cells * sizeof(double));
    p->close = malloc(cells * sizeof(double));
    p->volume = malloc(cells * sizeof(double));
    if (!p->symbols || !p->open || !p->high || !p->low || !p->close || !p->volume) {
        qc_panel_free(p);
        return qc_err_set(err, QC_ERR_NOMEM, "out of memory building a panel");
    }
    for (size_t s = 0; s < n_sym; s++) {
        if (!qc_bars_is_strictly_increasing(series[s])) {
            qc_panel_free(p);
            return qc_err_set(err, QC_ERR_INPUT, "panel: series '%s' is not sorted by time", symbols[s]);
        }
        p->symbols[s] = qc_strdup(symbols[s]);
        if (!p->symbols[s]) {
            qc_panel_free(p);
            return qc_err_set(err, QC_ERR_NOMEM, "out of memory building a panel");
        }
        fill_symbol(p, s, series[s]);
    }
    return QC_OK;
}

void qc_panel_free(qc_panel *p) {
    if (p->symbols)
        for (size_t s = 0; s < p->n_sym; s++) free(p->symbols[s]);
    free(p->symbols);
    free(p->ts);
    free(p->open);
    free(p->high);
    free(p->low);
    free(p->close);
    free(p->volume);
    memset(p, 0, sizeof *p);
}
