/* strutil.c: strict number parsing, bounded string helpers, secret-key detection, JSON escaping. */
#include "core/strutil.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t qc_strlcpy(char *dst, const char *src, size_t n) {
    size_t len = strlen(src);
    if (n) {
        size_t c = len < n - 1 ? len : n - 1;
        memcpy(dst, src, c);
        dst[c] = '\0';
    }
    return len;
}

int qc_strn_ieq(const char *s, size_t len, const char *lit) {
    size_t i = 0;
    for (; i < len && lit[i]; i++)
        if (tolower((unsigned char)s[i]) != tolower((unsigned char)lit[i])) return 0;
    return i == len && lit[i] == '\0';
}

int qc_str_ieq(const char *a, const char *b) { return qc_strn_ieq(a, strlen(a), b); }

/* Copies the span to a NUL-terminated scratch buffer for strtod/strtoll. */
static int span_copy(const char *s, size_t len, char *buf, size_t n) {
    if (len == 0 || len >= n) return -1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    return 0;
}

int qc_parse_double(const char *s, size_t len, double *out) {
    char buf[128];
    if (span_copy(s, len, buf, sizeof buf)) return -1;
    /* Only plain decimal syntax: no hex floats, no inf/nan words, no leading spaces. */
    for (size_t i = 0; i < len; i++) {
        char c = buf[i];
        if (!(isdigit((unsigned char)c) || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E'))
            return -1;
    }
    char *end;
    errno = 0;
    double v = strtod(buf, &end);
    if (end != buf + len) return -1;
    if (!isfinite(v) || (errno == ERANGE && fabs(v) > 1.0)) return -1;
    *out = v;
    return 0;
}

int qc_parse_i64(const char *s, size_t len, int64_t *out) {
    char buf[32];
    if (span_copy(s, len, buf, sizeof buf)) return -1;
    if (!(isdigit((unsigned char)buf[0]) || buf[0] == '-' || buf[0] == '+')) return -1;
    char *end;
    errno = 0;
    long long v = strtoll(buf, &end, 10);
    if (end != buf + len || errno == ERANGE) return -1;
    *out = (int64_t)v;
    return 0;
}

int qc_parse_bool(const char *s, size_t len, int *out) {
    static const char *yes[] = {"true", "yes", "on", "1"}, *no[] = {"false", "no", "off", "0"};
    for (size_t i = 0; i < 4; i++) {
        if (qc_strn_ieq(s, len, yes[i])) return *out = 1, 0;
        if (qc_strn_ieq(s, len, no[i])) return *out = 0, 0;
    }
    return -1;
}

char *qc_strndup(const char *s, size_t n) {
    char *p = malloc(n + 1);
    if (!p) return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *qc_strdup(const char *s) { return qc_strndup(s, strlen(s)); }

static int contains_nocase(const char *hay, const char *needle) {
    size_t n = strlen(needle);
    for (; *hay; hay++)
        if (qc_strn_ieq(hay, strlen(hay) < n ? strlen(hay) : n, needle)) return 1;
    return 0;
}

int qc_is_secret_key(const char *key) {
    static const char *words[] = {"key", "secret", "password", "token"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (contains_nocase(key, words[i])) return 1;
    return 0;
}

size_t qc_json_escape(const char *s, char *buf, size_t n) {
    size_t o = 0;
#define PUT(c)                  \
    do {                        \
        if (o + 1 < n) buf[o] = (c); \
        o++;                    \
    } while (0)
    PUT('"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char c = *p;
        if (c == '"' || c == '\\') {
            PUT('\\');
            PUT((char)c);
        } else if (c == '\n') {
            PUT('\\');
            PUT('n');
        } else if (c == '\t') {
            PUT('\\');
            PUT('t');
        } else if (c == '\r') {
            PUT('\\');
            PUT('r');
        } else if (c < 0x20) {
            char hex[8];
            snprintf(hex, sizeof hex, "\\u%04x", c);
            for (int k = 0; hex[k]; k++) PUT(hex[k]);
        } else {
            PUT((char)c);
        }
    }
    PUT('"');
#undef PUT
    if (n) buf[o < n ? o : n - 1] = '\0';
    return o;
}
