/* log.c: structured log records as text or JSON lines. A record is built in a stack buffer (no
 * malloc) and written with one fwrite plus fflush, so records from one process never interleave
 * and an appended log file gets whole lines. Long fields are cut: a value at LOG_VALUE_MAX bytes,
 * and key=value pairs that no longer fit the line are dropped and the line is marked truncated, so
 * a JSON line stays one valid object. Values under secret-looking keys are written as "***". */
#include "core/log.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/strutil.h"

#define LOG_LINE_MAX 8192
#define LOG_RESERVE 32     /* kept free for the truncation mark and the line end */
#define LOG_VALUE_MAX 1024 /* string values and the message */
#define LOG_NAME_MAX 64    /* module and function names */

qc_log_level qc_log_threshold = QC_LOG_WARN;
static qc_log_format g_format = QC_LOG_FMT_TEXT;
static FILE *g_sink;  /* NULL: stderr */
static FILE *g_owned; /* opened by qc_log_open_file */

static const char *const k_level_names[] = {"trace", "debug", "info", "warn", "error", "off"};
static const char *const k_level_text[] = {"TRACE", "DEBUG", "INFO ", "WARN ", "ERROR", "OFF  "};
#define LOG_NLEVELS (sizeof k_level_names / sizeof k_level_names[0])

/* ---- setup ----------------------------------------------------------------------------------- */

void qc_log_setup(qc_log_level level, qc_log_format fmt, FILE *sink) {
    qc_log_threshold = level;
    g_format = fmt;
    g_sink = sink;
}

qc_err qc_log_open_file(const char *path, qc_error *err) {
    FILE *f = path ? fopen(path, "a") : NULL;
    if (!f)
        return qc_err_set(err, QC_ERR_CONFIG, "cannot open log file '%s': %s", path ? path : "",
                          path ? strerror(errno) : "no path");
    qc_log_close();
    g_owned = g_sink = f;
    return QC_OK;
}

void qc_log_close(void) {
    if (!g_owned) return;
    if (g_sink == g_owned) g_sink = NULL;
    fclose(g_owned);
    g_owned = NULL;
}

qc_err qc_log_level_parse(const char *s, qc_log_level *out, qc_error *err) {
    for (size_t i = 0; s && i < LOG_NLEVELS; i++)
        if (qc_str_ieq(s, k_level_names[i])) return *out = (qc_log_level)i, QC_OK;
    return qc_err_set(err, QC_ERR_CONFIG,
                      "unknown log level '%.64s' (expected trace|debug|info|warn|error|off)",
                      s ? s : "");
}

qc_err qc_log_format_parse(const char *s, qc_log_format *out, qc_error *err) {
    if (s && qc_str_ieq(s, "text")) return *out = QC_LOG_FMT_TEXT, QC_OK;
    if (s && qc_str_ieq(s, "json")) return *out = QC_LOG_FMT_JSON, QC_OK;
    return qc_err_set(err, QC_ERR_CONFIG, "unknown log format '%.64s' (expected text|json)",
                      s ? s : "");
}

const char *qc_log_level_name(qc_log_level level) {
    return (unsigned)level < LOG_NLEVELS ? k_level_names[level] : "unknown";
}

/* ---- the line buffer ------------------------------------------------------------------------- */

typedef struct {
    char *buf;
    size_t len, cap; /* cap leaves LOG_RESERVE bytes of the buffer free */
    int full;        /* an append did not fit; everything after it is refused */
} log_line;

static void put(log_line *w, const char *s, size_t n) {
    if (w->full || n > w->cap - w->len) {
        w->full = 1;
        return;
    }
    memcpy(w->buf + w->len, s, n);
    w->len += n;
}

static void puts_(log_line *w, const char *s) { put(w, s, strlen(s)); }

__attribute__((format(printf, 2, 3))) static void putf(log_line *w, const char *fmt, ...) {
    char tmp[64];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof tmp)
        w->full = 1;
    else
        put(w, tmp, (size_t)n);
}

/* s as a JSON string literal (also the quoted form of text values). */
static void put_json(log_line *w, const char *s) {
    if (w->full) return;
    size_t room = w->cap - w->len + 1; /* the NUL qc_json_escape adds may use the reserve */
    size_t need = qc_json_escape(s, w->buf + w->len, room);
    if (need >= room)
        w->full = 1;
    else
        w->len += need;
}

/* Text without control bytes, so a text record stays on one line. */
static void put_clean(log_line *w, const char *s) {
    for (; *s && !w->full; s++) {
        char c = (unsigned char)*s < 0x20 || *s == 0x7f ? ' ' : *s;
        put(w, &c, 1);
    }
}

/* s, or a copy in tmp cut at max bytes (on a UTF-8 boundary) and ending in "...". */
static const char *clip(const char *s, char *tmp, size_t max) {
    if (!s) return "";
    if (strnlen(s, max + 1) <= max) return s;
    size_t cut = max - 3;
    while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80) cut--;
    memcpy(tmp, s, cut);
    memcpy(tmp + cut, "...", 4);
    return tmp;
}

/* Shortest of %.15g / %.17g that reads back as the same double; "nan", "inf", "-inf" otherwise. */
static void fmt_double(double d, char *buf, size_t n) {
    if (isnan(d))
        qc_strlcpy(buf, "nan", n);
    else if (isinf(d))
        qc_strlcpy(buf, d > 0 ? "inf" : "-inf", n);
    else {
        snprintf(buf, n, "%.15g", d);
        if (strtod(buf, NULL) != d) snprintf(buf, n, "%.17g", d);
    }
}

static void fmt_time(char *buf, size_t n) {
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    size_t k = strftime(buf, n, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + k, n - k, ".%03dZ", (int)(ts.tv_nsec / 1000000));
}

/* ---- the two forms --------------------------------------------------------------------------- */

/* Text values are bare unless they hold something that would make the line ambiguous. */
static int text_needs_quotes(const char *s) {
    if (!*s) return 1;
    for (; *s; s++)
        if ((unsigned char)*s <= ' ' || *s == '"' || *s == '=' || *s == '\\' || *s == 0x7f)
            return 1;
    return 0;
}

/* The value of a pair as text: "***" for secrets, numbers bare, strings quoted when needed. */
static void text_value(log_line *w, const qc_kv *kv) {
    char tmp[LOG_VALUE_MAX + 4], num[40];
    if (kv->key && qc_is_secret_key(kv->key)) {
        puts_(w, "***");
    } else if (kv->type == QC_KV_INT) {
        putf(w, "%lld", kv->i);
    } else if (kv->type == QC_KV_DBL) {
        fmt_double(kv->d, num, sizeof num);
        puts_(w, num);
    } else {
        const char *s = clip(kv->s ? kv->s : "(null)", tmp, LOG_VALUE_MAX);
        if (text_needs_quotes(s))
            put_json(w, s);
        else
            puts_(w, s);
    }
}

/* The value of a pair as JSON: NaN and infinities (not JSON numbers) become strings. */
static void json_value(log_line *w, const qc_kv *kv) {
    char tmp[LOG_VALUE_MAX + 4], num[40];
    if (kv->key && qc_is_secret_key(kv->key)) {
        put_json(w, "***");
    } else if (kv->type == QC_KV_INT) {
        putf(w, "%lld", kv->i);
    } else if (kv->type == QC_KV_DBL) {
        fmt_double(kv->d, num, sizeof num);
        if (isfinite(kv->d))
            puts_(w, num);
        else
            put_json(w, num);
    } else if (!kv->s) {
        puts_(w, "null");
    } else {
        put_json(w, clip(kv->s, tmp, LOG_VALUE_MAX));
    }
}

static void text_kv(log_line *w, const qc_kv *kv) {
    put(w, " ", 1);
    put_clean(w, kv->key ? kv->key : "?");
    put(w, "=", 1);
    text_value(w, kv);
}

static void json_kv(log_line *w, const qc_kv *kv) {
    put(w, ",", 1);
    put_json(w, kv->key ? kv->key : "?");
    put(w, ":", 1);
    json_value(w, kv);
}

static void text_head(log_line *w, qc_log_level level, const char *module, const char *func,
                      int line, const char *msg) {
    char ts[40], tm[LOG_NAME_MAX + 4], tf[LOG_NAME_MAX + 4], tmsg[LOG_VALUE_MAX + 4];
    fmt_time(ts, sizeof ts);
    putf(w, "%s %s ", ts, k_level_text[level]);
    put_clean(w, clip(module, tm, LOG_NAME_MAX));
    put(w, " ", 1);
    put_clean(w, clip(func, tf, LOG_NAME_MAX));
    putf(w, ":%d ", line);
    put_clean(w, clip(msg, tmsg, LOG_VALUE_MAX));
}

static void json_head(log_line *w, qc_log_level level, const char *module, const char *func,
                      int line, const char *msg) {
    char ts[40], tm[LOG_NAME_MAX + 4], tf[LOG_NAME_MAX + 4], tmsg[LOG_VALUE_MAX + 4];
    fmt_time(ts, sizeof ts);
    putf(w, "{\"ts\":\"%s\",\"level\":\"%s\",\"module\":", ts, k_level_names[level]);
    put_json(w, clip(module, tm, LOG_NAME_MAX));
    puts_(w, ",\"func\":");
    put_json(w, clip(func, tf, LOG_NAME_MAX));
    putf(w, ",\"line\":%d,\"msg\":", line);
    put_json(w, clip(msg, tmsg, LOG_VALUE_MAX));
}

/* Appends pairs while they fit; a pair that does not fit is taken back whole. */
static int put_pairs(log_line *w, const qc_kv *kv, size_t nkv, int json) {
    for (size_t i = 0; i < nkv; i++) {
        if (kv[i].type == QC_KV_NONE) continue;
        size_t mark = w->len;
        if (json)
            json_kv(w, &kv[i]);
        else
            text_kv(w, &kv[i]);
        if (w->full) {
            w->len = mark;
            return 1;
        }
    }
    return 0;
}

void qc_log_emit(qc_log_level level, const char *module, const char *func, int line,
                 const char *msg, const qc_kv *kv, size_t nkv) {
    if (level < qc_log_threshold || (unsigned)level >= QC_LOG_OFF) return;
    char buf[LOG_LINE_MAX];
    log_line w = {.buf = buf, .cap = sizeof buf - LOG_RESERVE};
    int json = g_format == QC_LOG_FMT_JSON;
    if (json)
        json_head(&w, level, module, func, line, msg);
    else
        text_head(&w, level, module, func, line, msg);
    /* The head is bounded by the clip limits, so only pairs can overflow. */
    int cut = !w.full && kv ? put_pairs(&w, kv, nkv, json) : w.full;
    const char *end =
        json ? (cut ? ",\"truncated\":true}\n" : "}\n") : (cut ? " [truncated]\n" : "\n");
    size_t n = strlen(end);
    memcpy(buf + w.len, end, n); /* fits: LOG_RESERVE bytes are always free */
    FILE *out = g_sink ? g_sink : stderr;
    fwrite(buf, 1, w.len + n, out);
    fflush(out);
}
