/* validate.c: data-quality checks on bar series and the policy that acts on them (see validate.h).
 * Hard checks: order, duplicates, OHLC consistency, positive prices, non-negative volume. Soft
 * checks: missing sessions (gaps), session stamps, outlier log returns by robust z-score
 * (median / 1.4826 * MAD), and jumps whose ratio is close to a split ratio (probable unadjusted
 * split). A report keeps every count and the first QC_VREPORT_MAX_ITEMS findings. */
#include "data/validate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/strutil.h"

#define QC_VREPORT_MAX_ITEMS 10000

static const char *k_check_names[QC_CHK__COUNT] = {
    "parse", "ohlc", "price", "volume", "duplicate", "order", "gap", "outlier", "split", "session"};

const char *qc_check_name(qc_check c) { return (unsigned)c < QC_CHK__COUNT ? k_check_names[c] : "?"; }

void qc_vopts_init(qc_vopts *o) {
    memset(o, 0, sizeof *o);
    o->policy = QC_POLICY_REJECT;
    o->outlier_z = 10.0;
    o->split_tolerance = 0.03;
    o->label = "input";
}

qc_err qc_policy_parse(const char *s, qc_policy *out, qc_error *err) {
    static const char *names[] = {"reject", "drop", "flag"};
    for (int i = 0; i < 3; i++)
        if (s && qc_str_ieq(s, names[i])) return *out = (qc_policy)i, QC_OK;
    return qc_err_set(err, QC_ERR_INPUT, "bad validation policy '%s' (reject, drop or flag)", s ? s : "");
}

const char *qc_policy_name(qc_policy p) {
    return p == QC_POLICY_DROP ? "drop" : p == QC_POLICY_FLAG ? "flag" : "reject";
}

void qc_vreport_init(qc_vreport *r) { memset(r, 0, sizeof *r); }

void qc_vreport_free(qc_vreport *r) {
    free(r->items);
    memset(r, 0, sizeof *r);
}

/* Records a finding; returns the stored item or NULL when only counted (cap reached / OOM). */
static qc_finding *add(qc_vreport *r, qc_check chk, int hard, const char *sym, size_t line, int64_t ts,
                       const char *field, int action) {
    r->counts[chk]++;
    if (hard) r->n_hard++;
    else r->n_soft++;
    if (action == 1) r->n_dropped++;
    if (action == 2) r->n_flagged++;
    if (r->n >= QC_VREPORT_MAX_ITEMS) return NULL;
    if (r->n == r->cap) {
        size_t nc = r->cap ? r->cap * 2 : 64;
        qc_finding *q = realloc(r->items, nc * sizeof *q);
        if (!q) return NULL;
        r->items = q;
        r->cap = nc;
    }
    qc_finding *f = &r->items[r->n++];
    memset(f, 0, sizeof *f);
    f->check = chk;
    f->hard = hard;
    f->line = line;
    f->ts = ts;
    f->action = action;
    qc_strlcpy(f->symbol, sym ? sym : "", sizeof f->symbol);
    qc_strlcpy(f->field, field ? field : "", sizeof f->field);
    return f;
}

#define NOTE(f, ...)                                                                                 \
    do {                                                                                           \
        if (f) snprintf((f)->msg, sizeof (f)->msg, __VA_ARGS__);                                      \
    } while (0)

qc_err qc_vreport_error(const qc_vreport *r, const char *label, qc_error *err) {
    const qc_finding *f = NULL;
    for (size_t i = 0; i < r->n; i++)
        if (r->items[i].hard) {
            f = &r->items[i];
            break;
        }
    if (!f) return qc_err_set(err, QC_ERR_INPUT, "%s: rejected (hard validation findings)", label);
    char where[64] = "";
    if (f->line) snprintf(where, sizeof where, ":%zu", f->line);
    return qc_err_set(err, QC_ERR_INPUT, "%s%s: %s%s%s (%zu hard problem%s; policy reject)", label,
                      where, f->field, f->field[0] ? ": " : "", f->msg, r->n_hard,
                      r->n_hard == 1 ? "" : "s");
}

qc_err qc_validate_bad_rows(const qc_csv_bad_row *bad, size_t n_bad, const qc_vopts *o,
                            qc_vreport *rep, qc_error *err) {
    size_t hard_before = rep->n_hard;
    for (size_t i = 0; i < n_bad; i++) {
        qc_finding *f = add(rep, QC_CHK_PARSE, 1, "", bad[i].line, QC_TS_NONE, bad[i].field,
                            o->policy == QC_POLICY_REJECT ? 0 : 1);
        NOTE(f, "%s", bad[i].msg);
    }
    if (o->policy == QC_POLICY_REJECT && rep->n_hard > hard_before) return qc_vreport_error(rep, o->label, err);
    return QC_OK;
}

/* ---- ordering --------------------------------------------------------------------------------- */

static int is_descending(const qc_bars *b) {
    if (b->n < 2) return 0;
    for (size_t i = 1; i < b->n; i++)
        if (b->ts[i] >= b->ts[i - 1]) return 0;
    return 1;
}

static void swap_rows(qc_bars *b, uint32_t *lines, size_t i, size_t j) {
#define SW(T, a)        \
    do {                \
        T t_ = a[i];    \
        a[i] = a[j];    \
        a[j] = t_;      \
    } while (0)
    SW(int64_t, b->ts);
    SW(int64_t, b->open_ts);
    SW(double, b->open);
    SW(double, b->high);
    SW(double, b->low);
    SW(double, b->close);
    SW(double, b->volume);
    SW(double, b->adj_close);
    SW(uint8_t, b->flags);
    if (lines) SW(uint32_t, lines);
#undef SW
}

static void reverse(qc_bars *b, uint32_t *lines) {
    for (size_t i = 0, j = b->n - 1; i < j; i++, j--) swap_rows(b, lines, i, j);
}

/* Stable sort by ts: pairs of (ts, original index) so equal stamps keep file order and "first
 * occurrence wins" is well defined; no global state, so validation is reentrant. */
typedef struct {
    int64_t ts;
    size_t i;
} ts_idx;

static int cmp_ts_idx(const void *a, const void *b) {
    const ts_idx *x = a, *y = b;
    if (x->ts != y->ts) return x->ts < y->ts ? -1 : 1;
    return (x->i > y->i) - (x->i < y->i);
}

static qc_err sort_rows(qc_bars *b, uint32_t *lines, qc_error *err) {
    ts_idx *idx = malloc(b->n * sizeof *idx);
    qc_bars tmp = {0};
    uint32_t *tl = lines ? malloc(b->n * sizeof *tl) : NULL;
    if (!idx || qc_bars_reserve(&tmp, b->n, err) || (lines && !tl)) {
        free(idx);
        free(tl);
        qc_bars_free(&tmp);
        return qc_err_set(err, QC_ERR_NOMEM, "out of memory sorting bars");
    }
    for (size_t i = 0; i < b->n; i++) idx[i] = (ts_idx){b->ts[i], i};
    qsort(idx, b->n, sizeof *idx, cmp_ts_idx);
    for (size_t i = 0; i < b->n; i++) {
        qc_bars_push_row(&tmp, b, idx[i].i, NULL);
        if (tl) tl[i] = lines[idx[i].i];
    }
    size_t n = b->n;
    qc_bars_free(b);
    *b = tmp;
    b->n = n;
    if (tl) memcpy(lines, tl, n * sizeof *tl);
    free(tl);
    free(idx);
    return QC_OK;
}

static size_t line_of(const uint32_t *lines, size_t i) { return lines ? lines[i] : 0; }

/* Out-of-order rows and duplicate stamps. keep[] marks rows that survive. */
static qc_err check_order(qc_bars *b, uint32_t *lines, const char *sym, const qc_vopts *o,
                          qc_vreport *rep, uint8_t *keep, qc_error *err) {
    if (is_descending(b)) {
        reverse(b, lines); /* newest-first files are common and unambiguous */
        return QC_OK;
    }
    int act = o->policy == QC_POLICY_REJECT ? 0 : o->policy == QC_POLICY_DROP ? 1 : 2;
    int64_t max_ts = INT64_MIN;
    size_t max_i = 0;
    int unsorted = 0;
    for (size_t i = 0; i < b->n; i++) {
        if (b->ts[i] < max_ts) {
            unsorted = 1;
            qc_finding *f = add(rep, QC_CHK_ORDER, 1, sym, line_of(lines, i), b->ts[i], "date", act);
            NOTE(f, "timestamp earlier than line %zu's", line_of(lines, max_i));
            if (act == 1) keep[i] = 0;
            if (act == 2) b->flags[i] |= QC_BAR_FLAGGED;
        } else {
            max_ts = b->ts[i];
            max_i = i;
        }
    }
    if (unsorted && act == 2) {
        qc_err rc = sort_rows(b, lines, err);
        if (rc) return rc;
    }
    /* duplicates among rows still kept: the first occurrence (in time order) wins */
    size_t prev = SIZE_MAX;
    for (size_t i = 0; i < b->n; i++) {
        if (!keep[i]) continue;
        if (prev != SIZE_MAX && b->ts[i] == b->ts[prev]) {
            qc_finding *f = add(rep, QC_CHK_DUPLICATE, 1, sym, line_of(lines, i), b->ts[i], "date",
                                act ? 1 : 0);
            NOTE(f, "duplicate timestamp (first at line %zu)%s", line_of(lines, prev),
                 act == 2 ? "; cannot be kept twice: dropped" : "");
            if (act) keep[i] = 0;
            continue;
        }
        prev = i;
    }
    return QC_OK;
}

/* ---- per-row values --------------------------------------------------------------------------- */

static void check_values(qc_bars *b, const uint32_t *lines, const char *sym, const qc_vopts *o,
                         qc_vreport *rep, uint8_t *keep) {
    int act = o->policy == QC_POLICY_REJECT ? 0 : o->policy == QC_POLICY_DROP ? 1 : 2;
    for (size_t i = 0; i < b->n; i++) {
        if (!keep[i]) continue;
        double op = b->open[i], hi = b->high[i], lo = b->low[i], cl = b->close[i];
        qc_finding *f = NULL;
        if (!(op > 0 && hi > 0 && lo > 0 && cl > 0)) {
            const char *fld = !(op > 0) ? "open" : !(hi > 0) ? "high" : !(lo > 0) ? "low" : "close";
            double v = !(op > 0) ? op : !(hi > 0) ? hi : !(lo > 0) ? lo : cl;
            f = add(rep, QC_CHK_PRICE, 1, sym, line_of(lines, i), b->ts[i], fld, act);
            NOTE(f, "non-positive price %g", v);
        } else if (hi < fmax(op, cl) || lo > fmin(op, cl) || hi < lo) {
            f = add(rep, QC_CHK_OHLC, 1, sym, line_of(lines, i), b->ts[i], hi < lo ? "low" : "high", act);
            NOTE(f, "inconsistent OHLC: open %g high %g low %g close %g", op, hi, lo, cl);
        } else if (b->volume[i] < 0) {
            f = add(rep, QC_CHK_VOLUME, 1, sym, line_of(lines, i), b->ts[i], "volume", act);
            NOTE(f, "negative volume %g", b->volume[i]);
        } else {
            continue;
        }
        if (act == 1) keep[i] = 0;
        if (act == 2) b->flags[i] |= QC_BAR_FLAGGED;
    }
}

/* ---- soft checks ------------------------------------------------------------------------------ */

static void check_sessions(const qc_bars *b, const uint32_t *lines, const char *sym, int64_t interval_s,
                           const qc_vopts *o, qc_vreport *rep) {
    if (!o->cal || interval_s != 86400) return;
    for (size_t i = 0; i < b->n; i++) {
        int64_t day = qc_calendar_local_day(o->cal, b->ts[i]);
        if (!qc_calendar_is_session(o->cal, day)) {
            char d[16];
            qc_calendar_format_stamp(o->cal, b->ts[i], 86400, d, sizeof d);
            qc_finding *f = add(rep, QC_CHK_SESSION, 0, sym, line_of(lines, i), b->ts[i], "date", 0);
            NOTE(f, "%s is not a %s session", d, qc_calendar_name(o->cal));
        }
        if (i == 0) continue;
        int64_t prev = qc_calendar_local_day(o->cal, b->ts[i - 1]);
        if (day - prev < 2) continue;
        int64_t missing = qc_calendar_count_sessions(o->cal, prev + 1, day - 1);
        if (missing <= 0) continue;
        char d0[16], d1[16];
        qc_calendar_format_stamp(o->cal, b->ts[i - 1], 86400, d0, sizeof d0);
        qc_calendar_format_stamp(o->cal, b->ts[i], 86400, d1, sizeof d1);
        qc_finding *f = add(rep, QC_CHK_GAP, 0, sym, line_of(lines, i), b->ts[i], "date", 0);
        NOTE(f, "gap: %lld session%s missing between %s and %s", (long long)missing,
             missing == 1 ? "" : "s", d0, d1);
    }
}

static int cmp_dbl(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median_of(double *v, size_t n) {
    qsort(v, n, sizeof *v, cmp_dbl);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* The split ratio (2, 3, 1/2, 3/2, ...) that ratio is within tol of, or 0. */
static double split_ratio(double ratio, double tol) {
    static const double k[] = {2, 3, 4, 5, 8, 10, 20, 1.5};
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
        if (fabs(ratio * k[i] - 1.0) <= tol) return k[i];        /* forward split: price / k */
        if (fabs(ratio / k[i] - 1.0) <= tol) return 1.0 / k[i]; /* reverse split: price * k */
    }
    return 0;
}

static qc_err check_returns(const qc_bars *b, const uint32_t *lines, const char *sym,
                            const qc_vopts *o, qc_vreport *rep, qc_error *err) {
    if (b->n < 10) return QC_OK;
    size_t m = b->n - 1;
    double *r = malloc(m * sizeof *r), *tmp = malloc(m * sizeof *tmp);
    if (!r || !tmp) {
        free(r);
        free(tmp);
        return qc_err_set(err, QC_ERR_NOMEM, "out of memory checking returns");
    }
    for (size_t i = 0; i < m; i++) r[i] = log(b->close[i + 1] / b->close[i]);
    memcpy(tmp, r, m * sizeof *r);
    double med = median_of(tmp, m);
    for (size_t i = 0; i < m; i++) tmp[i] = fabs(r[i] - med);
    double scale = 1.4826 * median_of(tmp, m);
    for (size_t i = 0; scale > 0 && i < m; i++) {
        double z = (r[i] - med) / scale;
        if (fabs(z) < o->outlier_z) continue;
        double ratio = b->close[i + 1] / b->close[i], k = split_ratio(ratio, o->split_tolerance);
        qc_finding *f = add(rep, k ? QC_CHK_SPLIT : QC_CHK_OUTLIER, 0, sym, line_of(lines, i + 1),
                            b->ts[i + 1], "close", 0);
        if (k >= 1) NOTE(f, "probable unadjusted %g:1 split (close %g -> %g)", k, b->close[i], b->close[i + 1]);
        else if (k > 0) NOTE(f, "probable unadjusted 1:%g reverse split (close %g -> %g)", 1 / k, b->close[i], b->close[i + 1]);
        else NOTE(f, "outlier return %+.2f%% (robust z %.1f)", 100 * (ratio - 1), z);
    }
    free(r);
    free(tmp);
    return QC_OK;
}

qc_err qc_validate_series(qc_bars *b, uint32_t *lines, const char *symbol, int64_t interval_s,
                          const qc_vopts *o, qc_vreport *rep, qc_error *err) {
    if (b->n == 0) return QC_OK;
    size_t hard_before = rep->n_hard;
    uint8_t *keep = malloc(b->n);
    if (!keep) return qc_err_set(err, QC_ERR_NOMEM, "out of memory validating");
    memset(keep, 1, b->n);
    qc_err rc = check_order(b, lines, symbol, o, rep, keep, err);
    if (!rc) check_values(b, lines, symbol, o, rep, keep);
    if (!rc && o->policy != QC_POLICY_REJECT) {
        qc_bars_filter(b, keep);
        if (lines) { /* keep lines[] parallel to the rows */
            size_t k = 0;
            for (size_t i = 0; k < b->n; i++)
                if (keep[i]) lines[k++] = lines[i];
        }
    }
    free(keep);
    if (rc) return rc;
    if (o->policy == QC_POLICY_REJECT && rep->n_hard > hard_before) {
        /* soft findings still help the user fix the file */
        if (qc_bars_is_strictly_increasing(b)) check_sessions(b, lines, symbol, interval_s, o, rep);
        return qc_vreport_error(rep, o->label, err);
    }
    check_sessions(b, lines, symbol, interval_s, o, rep);
    return check_returns(b, lines, symbol, o, rep, err);
}
