/* csv.c: the market-data CSV reader and writer. One pass over an in-memory buffer: the header picks
 * the layout (OHLC or close columns), each line is split into field views (quoted fields are
 * unescaped into a scratch buffer), numbers go through an exact fast path (Clinger: <= 2^53
 * mantissa and |exp10| <= 22 is one correctly rounded multiply or divide) with strtod as fallback.
 * Row problems are collected for the validation policy; structural problems stop the parse. */
#include "data/csv.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/strutil.h"

#define MAX_FILE_BYTES ((size_t)8 << 30)
#define MAX_COLUMNS 100000

typedef struct {
    const char *p;
    size_t len;
} span;

/* Column roles in an OHLC file. */
enum { COL_DATE, COL_OPEN, COL_HIGH, COL_LOW, COL_CLOSE, COL_VOLUME, COL_ADJ, COL__N };

typedef struct {
    const qc_csv_opts *o;
    qc_csv_result *r;
    int col[COL__N];     /* field index of each role, -1 if absent */
    size_t n_cols;
    int *sym_col;        /* close-only: series s reads field sym_col[s] */
    span *f;             /* field views of the current line */
    char *scratch;       /* unescaped quoted fields of the current line */
    size_t scratch_cap;
    size_t line;
    int date_only;
} parser;

void qc_csv_opts_init(qc_csv_opts *o) {
    memset(o, 0, sizeof *o);
    o->label = "input";
    o->tz.kind = QC_TZ_FIXED;
    o->tz.offset_s = 0;
}

/* ---- numbers ---------------------------------------------------------------------------------- */

static const double k_pow10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                   1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* Parses a decimal number exactly; returns 0 on success. Falls back to strtod for long mantissas
 * or large exponents so results always equal strtod's correctly rounded value. */
static int parse_num(const char *s, size_t len, double *out) {
    const char *p = s, *end = s + len;
    int neg = 0;
    if (p < end && (*p == '-' || *p == '+')) neg = (*p++ == '-');
    uint64_t mant = 0;
    int digits = 0, frac = 0, any = 0;
    while (p < end && (unsigned)(*p - '0') < 10) {
        if (digits < 19) mant = mant * 10 + (uint64_t)(*p - '0');
        if (mant || digits) digits++;
        if (digits > 19) return qc_parse_double(s, len, out);
        p++;
        any = 1;
    }
    if (p < end && *p == '.') {
        p++;
        while (p < end && (unsigned)(*p - '0') < 10) {
            if (digits < 19) mant = mant * 10 + (uint64_t)(*p - '0');
            if (mant || digits) digits++;
            if (digits > 19) return qc_parse_double(s, len, out);
            frac++;
            p++;
            any = 1;
        }
    }
    if (!any) return -1;
    int exp10 = 0;
    if (p < end && (*p == 'e' || *p == 'E')) return qc_parse_double(s, len, out);
    if (p != end) return -1;
    exp10 -= frac;
    if (mant > (UINT64_C(1) << 53) || exp10 < -22 || exp10 > 22) return qc_parse_double(s, len, out);
    double v = (double)mant;
    v = exp10 < 0 ? v / k_pow10[-exp10] : v * k_pow10[exp10];
    *out = neg ? -v : v;
    return 0;
}

/* ---- line splitting --------------------------------------------------------------------------- */

/* Splits the line [p, eol) into at most cap fields (counting all in *n). Quoted fields are
 * unescaped into ps->scratch. Returns -1 on an unterminated or misplaced quote. */
static int split_line(parser *ps, const char *p, const char *eol, size_t cap, size_t *n) {
    size_t k = 0, sc = 0;
    /* unescaped quoted fields never exceed the line's length, so size the scratch once per line */
    size_t need = (size_t)(eol - p) + 1;
    if (memchr(p, '"', (size_t)(eol - p)) && need > ps->scratch_cap) {
        char *q = realloc(ps->scratch, need);
        if (!q) return -2;
        ps->scratch = q;
        ps->scratch_cap = need;
    }
    for (;;) {
        const char *start = p;
        span v;
        if (p < eol && *p == '"') {
            char *dst = ps->scratch + sc;
            size_t dl = 0;
            p++;
            for (;;) {
                if (p >= eol) return -1;
                if (*p == '"') {
                    if (p + 1 < eol && p[1] == '"') {
                        dst[dl++] = '"';
                        p += 2;
                        continue;
                    }
                    p++;
                    break;
                }
                dst[dl++] = *p++;
            }
            if (p < eol && *p != ',') return -1;
            v.p = dst;
            v.len = dl;
            sc += dl;
        } else {
            while (p < eol && *p != ',') p++;
            v.p = start;
            v.len = (size_t)(p - start);
            /* trim surrounding blanks: hand-edited files have them */
            while (v.len && (v.p[0] == ' ' || v.p[0] == '\t')) v.p++, v.len--;
            while (v.len && (v.p[v.len - 1] == ' ' || v.p[v.len - 1] == '\t')) v.len--;
        }
        if (k < cap) ps->f[k] = v;
        k++;
        if (p >= eol) break;
        p++; /* the comma */
    }
    *n = k;
    return 0;
}

/* End of the physical line starting at p (excluding CR LF), and the start of the next. */
static const char *line_end(const char *p, const char *end, const char **next) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    const char *eol = nl ? nl : end;
    *next = nl ? nl + 1 : end;
    if (eol > p && eol[-1] == '\r') eol--;
    return eol;
}

/* ---- header ----------------------------------------------------------------------------------- */

static int role_of(span h) {
    static const struct {
        const char *name;
        int role;
    } names[] = {{"date", COL_DATE},       {"timestamp", COL_DATE}, {"time", COL_DATE},
                 {"datetime", COL_DATE},   {"open", COL_OPEN},      {"high", COL_HIGH},
                 {"low", COL_LOW},         {"close", COL_CLOSE},    {"volume", COL_VOLUME},
                 {"adj_close", COL_ADJ},   {"adj close", COL_ADJ},  {"adjclose", COL_ADJ},
                 {"adjusted_close", COL_ADJ}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (qc_strn_ieq(h.p, h.len, names[i].name)) return names[i].role;
    return -1;
}

static qc_err header_ohlc(parser *ps, qc_error *err) {
    qc_csv_result *r = ps->r;
    int has_o = ps->col[COL_OPEN] >= 0, has_h = ps->col[COL_HIGH] >= 0, has_l = ps->col[COL_LOW] >= 0;
    if (!(has_o && has_h && has_l))
        return qc_err_set(err, QC_ERR_INPUT, "%s:%zu: header has some of open/high/low but not all",
                          ps->o->label, ps->line);
    if (ps->col[COL_CLOSE] < 0)
        return qc_err_set(err, QC_ERR_INPUT, "%s:%zu: header has open/high/low but no close column",
                          ps->o->label, ps->line);
    r->n_series = 1;
    return QC_OK;
}

static qc_err header_close_only(parser *ps, qc_error *err) {
    qc_csv_result *r = ps->r;
    r->close_only = 1;
    size_t n = 0;
    ps->sym_col = calloc(ps->n_cols, sizeof *ps->sym_col);
    r->names = calloc(ps->n_cols, sizeof *r->names);
    if (!ps->sym_col || !r->names) return qc_err_set(err, QC_ERR_NOMEM, "out of memory reading header");
    for (size_t c = 0; c < ps->n_cols; c++) {
        int role = role_of(ps->f[c]);
        if ((int)c == ps->col[COL_DATE] || role == COL_VOLUME || role == COL_ADJ) continue;
        if (ps->f[c].len == 0)
            return qc_err_set(err, QC_ERR_INPUT, "%s:%zu: column %zu has an empty name", ps->o->label,
                              ps->line, c + 1);
        r->names[n] = qc_strndup(ps->f[c].p, ps->f[c].len);
        if (!r->names[n]) return qc_err_set(err, QC_ERR_NOMEM, "out of memory reading header");
        r->n_series = n + 1; /* so qc_csv_result_free releases the names on any later error */
        for (size_t k = 0; k < n; k++)
            if (strcmp(r->names[k], r->names[n]) == 0)
                return qc_err_set(err, QC_ERR_INPUT, "%s:%zu: duplicate column '%s'", ps->o->label,
                                  ps->line, r->names[n]);
        ps->sym_col[n++] = (int)c;
    }
    if (n == 0)
        return qc_err_set(err, QC_ERR_INPUT, "%s:%zu: header has a date column but no price column",
                          ps->o->label, ps->line);
    /* volume/adj_close belong to a single close series only */
    if (n > 1 && (ps->col[COL_VOLUME] >= 0 || ps->col[COL_ADJ] >= 0))
        return qc_err_set(err, QC_ERR_INPUT,
                          "%s:%zu: volume/adj_close columns need a single close column", ps->o->label,
                          ps->line);
    r->n_series = n;
    return QC_OK;
}

static qc_err parse_header(parser *ps, const char *p, const char *eol, qc_error *err) {
    size_t n = 0;
    size_t cap = 1;
    for (const char *q = p; q < eol; q++) cap += *q == ',';
    if (cap > MAX_COLUMNS)
        return qc_err_set(err, QC_ERR_INPUT, "%s:%zu: too many columns (%zu)", ps->o->label, ps->line, cap);
    ps->f = calloc(cap + 1, sizeof *ps->f);
    if (!ps->f) return qc_err_set(err, QC_ERR_NOMEM, "out of memory reading header");
    if (split_line(ps, p, eol, cap, &n))
        return qc_err_set(err, QC_ERR_INPUT, "%s:%zu: header: unterminated quote", ps->o->label, ps->line);
    ps->n_cols = n;
    for (int i = 0; i < COL__N; i++) ps->col[i] = -1;
    for (size_t c = 0; c < n; c++) {
        int role = role_of(ps->f[c]);
        if (role < 0) continue;
        if (ps->col[role] >= 0)
            return qc_err_set(err, QC_ERR_INPUT, "%s:%zu: header names '%.*s' twice", ps->o->label,
                              ps->line, (int)ps->f[c].len, ps->f[c].p);
        ps->col[role] = (int)c;
    }
    if (ps->col[COL_DATE] < 0)
        return qc_err_set(err, QC_ERR_INPUT,
                          "%s:%zu: header has no date column (expected date, timestamp or time)",
                          ps->o->label, ps->line);
    ps->r->has_volume = ps->col[COL_VOLUME] >= 0;
    ps->r->has_adj_close = ps->col[COL_ADJ] >= 0;
    int any_ohl = ps->col[COL_OPEN] >= 0 || ps->col[COL_HIGH] >= 0 || ps->col[COL_LOW] >= 0;
    return any_ohl ? header_ohlc(ps, err) : header_close_only(ps, err);
}

/* ---- rows ------------------------------------------------------------------------------------- */

static qc_err add_bad(parser *ps, const char *field, const char *fmt, const char *val, size_t vlen,
                      qc_error *err) {
    qc_csv_result *r = ps->r;
    if (r->n_bad == r->cap_bad) {
        size_t nc = r->cap_bad ? r->cap_bad * 2 : 16;
        qc_csv_bad_row *q = realloc(r->bad, nc * sizeof *q);
        if (!q) return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
        r->bad = q;
        r->cap_bad = nc;
    }
    qc_csv_bad_row *b = &r->bad[r->n_bad++];
    b->line = ps->line;
    qc_strlcpy(b->field, field, sizeof b->field);
    char shown[48];
    size_t k = 0;
    for (size_t i = 0; i < vlen && k < sizeof shown - 4; i++) {
        unsigned char c = (unsigned char)val[i];
        shown[k++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    if (vlen > k) shown[k++] = '.', shown[k++] = '.', shown[k++] = '.';
    shown[k] = '\0';
    snprintf(b->msg, sizeof b->msg, fmt, shown);
    return QC_OK;
}

static qc_err ensure_line_cap(qc_csv_result *r, size_t s, qc_error *err) {
    qc_bars *b = &r->series[s];
    if (b->n < b->cap) return QC_OK;
    size_t nc = b->cap ? b->cap * 2 : 1024;
    qc_err rc = qc_bars_reserve(b, nc, err);
    if (rc) return rc;
    uint32_t *q = realloc(r->lines[s], nc * sizeof *q);
    if (!q) return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    r->lines[s] = q;
    return QC_OK;
}

/* Stamp of a row: date-only rows map to the calendar's session close of that day. */
static int row_time(parser *ps, span d, int64_t *ts, int64_t *open_ts, qc_time_kind *kind) {
    if (qc_time_parse(d.p, d.len, &ps->o->tz, ts, kind, NULL) != QC_OK) return -1;
    if (*kind == QC_TIME_DATE) {
        int64_t day = qc_ts_day(*ts);
        if (!qc_calendar_session(ps->o->cal, day, open_ts, ts)) {
            *open_ts = qc_calendar_regular_open(ps->o->cal, day);
            *ts = qc_calendar_regular_close(ps->o->cal, day);
        }
    } else {
        *open_ts = QC_TS_NONE; /* set once the interval is known */
    }
    return 0;
}

static int cell(parser *ps, int col, double *v) {
    span s = ps->f[col];
    return parse_num(s.p, s.len, v);
}

static const char *col_name(int role) {
    static const char *n[COL__N] = {"date", "open", "high", "low", "close", "volume", "adj_close"};
    return n[role];
}

static qc_err row_ohlc(parser *ps, int64_t ts, int64_t open_ts, qc_error *err) {
    double v[COL__N] = {0};
    v[COL_VOLUME] = NAN;
    v[COL_ADJ] = NAN;
    uint8_t flags = ps->col[COL_VOLUME] < 0 ? QC_BAR_NO_VOLUME : 0;
    for (int role = COL_OPEN; role < COL__N; role++) {
        int c = ps->col[role];
        if (c < 0) continue;
        if ((role == COL_VOLUME || role == COL_ADJ) && ps->f[c].len == 0) {
            if (role == COL_VOLUME) flags |= QC_BAR_NO_VOLUME;
            continue;
        }
        if (cell(ps, c, &v[role]))
            return add_bad(ps, col_name(role), "not a number: '%s'", ps->f[c].p, ps->f[c].len, err);
    }
    qc_err rc = ensure_line_cap(ps->r, 0, err);
    if (rc) return rc;
    ps->r->lines[0][ps->r->series[0].n] = (uint32_t)(ps->line > UINT32_MAX ? UINT32_MAX : ps->line);
    return qc_bars_push(&ps->r->series[0], ts, open_ts, v[COL_OPEN], v[COL_HIGH], v[COL_LOW],
                        v[COL_CLOSE], v[COL_VOLUME], v[COL_ADJ], flags, err);
}

static qc_err row_close_only(parser *ps, int64_t ts, int64_t open_ts, qc_error *err) {
    qc_csv_result *r = ps->r;
    double vol = NAN, adj = NAN;
    if (ps->col[COL_VOLUME] >= 0 && ps->f[ps->col[COL_VOLUME]].len &&
        cell(ps, ps->col[COL_VOLUME], &vol))
        return add_bad(ps, "volume", "not a number: '%s'", ps->f[ps->col[COL_VOLUME]].p,
                       ps->f[ps->col[COL_VOLUME]].len, err);
    if (ps->col[COL_ADJ] >= 0 && ps->f[ps->col[COL_ADJ]].len && cell(ps, ps->col[COL_ADJ], &adj))
        return add_bad(ps, "adj_close", "not a number: '%s'", ps->f[ps->col[COL_ADJ]].p,
                       ps->f[ps->col[COL_ADJ]].len, err);
    uint8_t flags = QC_BAR_CLOSE_ONLY | (isnan(vol) ? QC_BAR_NO_VOLUME : 0);
    for (size_t s = 0; s < r->n_series; s++) {
        span f = ps->f[ps->sym_col[s]];
        if (f.len == 0) continue; /* no price for this symbol on this row */
        double c;
        if (parse_num(f.p, f.len, &c)) {
            qc_err rc = add_bad(ps, r->names[s], "not a number: '%s'", f.p, f.len, err);
            if (rc) return rc;
            continue;
        }
        qc_err rc = ensure_line_cap(r, s, err);
        if (rc) return rc;
        r->lines[s][r->series[s].n] = (uint32_t)(ps->line > UINT32_MAX ? UINT32_MAX : ps->line);
        rc = qc_bars_push(&r->series[s], ts, open_ts, c, c, c, c, vol, adj, flags, err);
        if (rc) return rc;
    }
    return QC_OK;
}

static qc_err parse_row(parser *ps, const char *p, const char *eol, qc_error *err) {
    size_t n = 0;
    int rc = split_line(ps, p, eol, ps->n_cols, &n);
    if (rc == -2) return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    if (rc) return qc_err_set(err, QC_ERR_INPUT, "%s:%zu: unterminated or misplaced quote", ps->o->label, ps->line);
    ps->r->n_rows++;
    if (n != ps->n_cols) {
        char msg[64];
        snprintf(msg, sizeof msg, "expected %zu fields, got %zu", ps->n_cols, n);
        return add_bad(ps, "", "%s", msg, strlen(msg), err);
    }
    int64_t ts, open_ts;
    qc_time_kind kind;
    span d = ps->f[ps->col[COL_DATE]];
    if (row_time(ps, d, &ts, &open_ts, &kind))
        return add_bad(ps, col_name(COL_DATE), "bad date/time '%s'", d.p, d.len, err);
    if (ps->r->n_rows == 1 || ps->r->time_kind == 0) ps->r->time_kind = kind;
    if ((kind == QC_TIME_DATE) != (ps->r->time_kind == QC_TIME_DATE))
        return add_bad(ps, col_name(COL_DATE), "mixes dates and date-times: '%s'", d.p, d.len, err);
    return ps->r->close_only ? row_close_only(ps, ts, open_ts, err) : row_ohlc(ps, ts, open_ts, err);
}

/* ---- interval and open times ------------------------------------------------------------------ */

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Median positive spacing of the first rows of the longest series, in seconds. */
static int64_t infer_interval(const qc_csv_result *r) {
    const qc_bars *b = NULL;
    for (size_t s = 0; s < r->n_series; s++)
        if (!b || r->series[s].n > b->n) b = &r->series[s];
    if (!b || b->n < 2) return 86400;
    int64_t d[512];
    size_t k = 0;
    for (size_t i = 1; i < b->n && k < 512; i++)
        if (b->ts[i] > b->ts[i - 1]) d[k++] = b->ts[i] - b->ts[i - 1];
    if (k == 0) return 86400;
    qsort(d, k, sizeof d[0], cmp_i64);
    int64_t sec = d[k / 2] / QC_NS_PER_SEC;
    return sec > 0 ? sec : 1;
}

static void set_open_times(qc_csv_result *r, const qc_csv_opts *o) {
    int64_t iv_ns = r->interval_s * QC_NS_PER_SEC;
    for (size_t s = 0; s < r->n_series; s++) {
        qc_bars *b = &r->series[s];
        for (size_t i = 0; i < b->n; i++) {
            if (b->open_ts[i] != QC_TS_NONE) continue;
            if (o->stamp_open) {
                b->open_ts[i] = b->ts[i];
                b->ts[i] += iv_ns;
            } else {
                b->open_ts[i] = b->ts[i] - iv_ns;
            }
        }
    }
}

/* ---- entry points ----------------------------------------------------------------------------- */

static qc_err alloc_series(qc_csv_result *r, qc_error *err) {
    r->series = calloc(r->n_series, sizeof *r->series);
    r->lines = calloc(r->n_series, sizeof *r->lines);
    if (!r->series || !r->lines) return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    return QC_OK;
}

static qc_err check_binary(const char *buf, size_t len, const char *label, qc_error *err) {
    const char *z = memchr(buf, '\0', len);
    if (!z) return QC_OK;
    size_t line = 1;
    for (const char *q = buf; q < z; q++) line += *q == '\n';
    return qc_err_set(err, QC_ERR_INPUT, "%s:%zu: NUL byte in input (binary file?)", label, line);
}

static qc_err parse_body(parser *ps, const char *p, const char *end, qc_error *err) {
    while (p < end) {
        const char *next, *eol = line_end(p, end, &next);
        ps->line++;
        if (eol > p) {
            qc_err rc = parse_row(ps, p, eol, err);
            if (rc) return rc;
        }
        p = next;
    }
    return QC_OK;
}

static qc_err finish(parser *ps, qc_error *err) {
    qc_csv_result *r = ps->r;
    size_t good = 0;
    for (size_t s = 0; s < r->n_series; s++) good += r->series[s].n;
    if (good == 0) {
        if (r->n_bad)
            return qc_err_set(err, QC_ERR_INPUT, "%s:%zu: %s: %s (no valid rows in the file)",
                              ps->o->label, r->bad[0].line, r->bad[0].field[0] ? r->bad[0].field : "row",
                              r->bad[0].msg);
        return qc_err_set(err, QC_ERR_INPUT, "%s: no data rows after the header", ps->o->label);
    }
    r->interval_s = ps->o->interval_s ? ps->o->interval_s
                    : r->time_kind == QC_TIME_DATE ? 86400 : infer_interval(r);
    set_open_times(r, ps->o);
    return QC_OK;
}

qc_err qc_csv_parse(const char *buf, size_t len, const qc_csv_opts *opts, qc_csv_result *out,
                    qc_error *err) {
    memset(out, 0, sizeof *out);
    qc_csv_opts defaults;
    if (!opts) {
        qc_csv_opts_init(&defaults);
        opts = &defaults;
    }
    parser ps = {.o = opts, .r = out};
    qc_csv_opts local = *opts;
    if (!local.cal && !(local.cal = qc_calendar_get("NYSE", err))) return QC_ERR_INTERNAL;
    ps.o = &local;
    qc_err rc = check_binary(buf, len, local.label, err);
    if (rc) return rc;
    const char *p = buf, *end = buf + len;
    if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) p += 3;
    /* header: the first non-blank line */
    const char *next, *eol;
    for (;;) {
        if (p >= end) return qc_err_set(err, QC_ERR_INPUT, "%s: empty file (no header)", local.label);
        eol = line_end(p, end, &next);
        ps.line++;
        if (eol > p) break;
        p = next;
    }
    rc = parse_header(&ps, p, eol, err);
    if (!rc) rc = alloc_series(out, err);
    if (!rc) rc = parse_body(&ps, next, end, err);
    if (!rc) rc = finish(&ps, err);
    free(ps.f);
    free(ps.sym_col);
    free(ps.scratch);
    if (rc) qc_csv_result_free(out);
    return rc;
}

qc_err qc_csv_read_file(const char *path, const qc_csv_opts *opts, qc_csv_result *out, qc_error *err) {
    memset(out, 0, sizeof *out);
    int fd = open(path, O_RDONLY);
    if (fd < 0) return qc_err_set(err, QC_ERR_INPUT, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
        close(fd);
        return qc_err_set(err, QC_ERR_INPUT, "%s: not a regular file", path);
    }
    if ((size_t)st.st_size > MAX_FILE_BYTES) {
        close(fd);
        return qc_err_set(err, QC_ERR_INPUT, "%s: file too large (%lld bytes)", path, (long long)st.st_size);
    }
    size_t len = (size_t)st.st_size, got = 0;
    char *buf = malloc(len ? len : 1);
    if (!buf) {
        close(fd);
        return qc_err_set(err, QC_ERR_NOMEM, "%s: out of memory reading file", path);
    }
    while (got < len) {
        ssize_t k = read(fd, buf + got, len - got);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) break;
        got += (size_t)k;
    }
    close(fd);
    qc_csv_opts o;
    if (opts) o = *opts;
    else qc_csv_opts_init(&o);
    if (!o.label || strcmp(o.label, "input") == 0) o.label = path;
    qc_err rc = got == len ? qc_csv_parse(buf, len, &o, out, err)
                           : qc_err_set(err, QC_ERR_INPUT, "%s: short read", path);
    free(buf);
    return rc;
}

void qc_csv_result_free(qc_csv_result *r) {
    if (r->series)
        for (size_t s = 0; s < r->n_series; s++) qc_bars_free(&r->series[s]);
    if (r->names)
        for (size_t s = 0; s < r->n_series; s++) free(r->names[s]);
    if (r->lines)
        for (size_t s = 0; s < r->n_series; s++) free(r->lines[s]);
    free(r->series);
    free(r->names);
    free(r->lines);
    free(r->bad);
    memset(r, 0, sizeof *r);
}

/* ---- export ----------------------------------------------------------------------------------- */

/* Shortest text that reads back to the same double (%.17g is exact but noisy). */
static int fmt_num(char *buf, size_t n, double v) {
    if (isnan(v)) return snprintf(buf, n, "%s", "");
    if (v == floor(v) && fabs(v) < 1e15) return snprintf(buf, n, "%.0f", v); /* volumes, round prices */
    for (int prec = 6; prec <= 17; prec++) {
        int k = snprintf(buf, n, "%.*g", prec, v);
        if (strtod(buf, NULL) == v) return k;
    }
    return snprintf(buf, n, "%.17g", v);
}

qc_err qc_csv_write_bars(FILE *f, const qc_bars *b, int64_t interval_s, const qc_calendar *cal,
                         qc_error *err) {
    int has_adj = 0;
    for (size_t i = 0; i < b->n && !has_adj; i++) has_adj = !isnan(b->adj_close[i]);
    fputs(has_adj ? "date,open,high,low,close,volume,adj_close\n" : "date,open,high,low,close,volume\n", f);
    for (size_t i = 0; i < b->n; i++) {
        char d[48], o[32], h[32], l[32], c[32], v[32], a[32];
        qc_calendar_format_stamp(cal, b->ts[i], interval_s, d, sizeof d);
        fmt_num(o, sizeof o, b->open[i]);
        fmt_num(h, sizeof h, b->high[i]);
        fmt_num(l, sizeof l, b->low[i]);
        fmt_num(c, sizeof c, b->close[i]);
        fmt_num(v, sizeof v, b->volume[i]);
        if (has_adj) {
            fmt_num(a, sizeof a, b->adj_close[i]);
            fprintf(f, "%s,%s,%s,%s,%s,%s,%s\n", d, o, h, l, c, v, a);
        } else {
            fprintf(f, "%s,%s,%s,%s,%s,%s\n", d, o, h, l, c, v);
        }
    }
    if (fflush(f) || ferror(f)) return qc_err_set(err, QC_ERR_INPUT, "write failed: %s", strerror(errno));
    return QC_OK;
}
