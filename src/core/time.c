/* time.c: QuantCLI's clock arithmetic. Civil dates use Howard Hinnant's days_from_civil /
 * civil_from_days (http://howardhinnant.github.io/date_algorithms.html); America/New_York follows
 * the US DST rules written out below, so no tz database is needed. qc_time_parse is on the CSV
 * import hot path: it hand-parses digits (no sscanf/strptime/mktime) and checks every range.
 * Internally instants are whole seconds plus a nanosecond fraction so nothing overflows int64. */
#include "core/time.h"

#include <string.h>
#include <time.h>

#include "core/strutil.h"

#define SEC_PER_DAY INT64_C(86400)
#define NY_EST_S (-5 * 3600)
#define NY_EDT_S (-4 * 3600)
/* Clamp for day numbers so the year always fits an int (about +-1.9 billion years). */
#define DAYS_LIMIT INT64_C(700000000000)

/* ---- civil calendar -------------------------------------------------------------------------- */

int64_t qc_days_from_civil(int y, int m, int d) {
    int64_t yy = (int64_t)y - (m <= 2);
    int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
    int64_t yoe = yy - era * 400;                                          /* [0, 399] */
    int64_t doy = (153 * ((int64_t)m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1; /* [0, 365] */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;                   /* [0, 146096] */
    return era * 146097 + doe - 719468;
}

void qc_civil_from_days(int64_t days, int *y, int *m, int *d) {
    if (days > DAYS_LIMIT) days = DAYS_LIMIT;
    if (days < -DAYS_LIMIT) days = -DAYS_LIMIT;
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int mm = (int)(mp < 10 ? mp + 3 : mp - 9);
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = mm;
    *y = (int)(yoe + era * 400 + (mm <= 2));
}

int qc_weekday(int64_t days) {
    int r = (int)(days % 7); /* 1970-01-01 was a Thursday (4) */
    return (r + 11) % 7;
}

int64_t qc_ts_day(int64_t ts_ns) {
    int64_t q = ts_ns / QC_NS_PER_DAY;
    return (ts_ns % QC_NS_PER_DAY < 0) ? q - 1 : q;
}

static int is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int qc_days_in_month(int y, int m) {
    static const int len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12) return 0;
    return (m == 2 && is_leap(y)) ? 29 : len[m - 1];
}

/* Whole seconds * 1e9 + frac_ns (0 <= frac_ns < 1e9) without intermediate overflow; -1 if it does
 * not fit or would equal QC_TS_NONE. */
static int secs_to_ns(int64_t secs, int64_t frac_ns, int64_t *out) {
    if (secs < 0 && frac_ns > 0) {
        secs += 1;
        frac_ns -= QC_NS_PER_SEC;
    }
    int64_t ns;
    if (__builtin_mul_overflow(secs, QC_NS_PER_SEC, &ns)) return -1;
    if (__builtin_add_overflow(ns, frac_ns, &ns)) return -1;
    if (ns == QC_TS_NONE) return -1;
    *out = ns;
    return 0;
}

static int64_t floor_div(int64_t a, int64_t b) { return a / b - (a % b < 0); }

/* ---- time zones ------------------------------------------------------------------------------ */

int64_t qc_nth_weekday(int y, int m, int wd, int n) {
    if (n < 0) {
        int64_t last = qc_days_from_civil(y, m, qc_days_in_month(y, m));
        return last - (qc_weekday(last) - wd + 7) % 7;
    }
    int64_t first = qc_days_from_civil(y, m, 1);
    return first + (wd - qc_weekday(first) + 7) % 7 + 7 * (n - 1);
}

/* US DST for New York: [start, end) in UTC seconds of year y. Since 2007: second Sunday of March to
 * first Sunday of November; 1987-2006: first Sunday of April to last Sunday of October; earlier
 * years use the 1967-1986 rule (last Sunday of April), ignoring the 1974-75 energy-crisis years.
 * Switches happen at 02:00 local: 07:00 UTC in spring (EST), 06:00 UTC in autumn (EDT). */
static void ny_dst_utc_s(int y, int64_t *start_s, int64_t *end_s) {
    int64_t start, end;
    if (y >= 2007) {
        start = qc_nth_weekday(y, 3, 0, 2);
        end = qc_nth_weekday(y, 11, 0, 1);
    } else if (y >= 1987) {
        start = qc_nth_weekday(y, 4, 0, 1);
        end = qc_nth_weekday(y, 10, 0, -1);
    } else {
        start = qc_nth_weekday(y, 4, 0, -1);
        end = qc_nth_weekday(y, 10, 0, -1);
    }
    *start_s = start * SEC_PER_DAY + 7 * 3600;
    *end_s = end * SEC_PER_DAY + 6 * 3600;
}

static int32_t tz_offset_at_s(const qc_tz *tz, int64_t utc_s) {
    if (!tz) return 0;
    if (tz->kind != QC_TZ_NEW_YORK) return tz->offset_s;
    int y, m, d;
    qc_civil_from_days(floor_div(utc_s + NY_EST_S, SEC_PER_DAY), &y, &m, &d);
    int64_t start, end;
    ny_dst_utc_s(y, &start, &end);
    return (utc_s >= start && utc_s < end) ? NY_EDT_S : NY_EST_S;
}

/* A NULL tz is UTC, here and in qc_tz_local_to_utc. */
int32_t qc_tz_offset_at(const qc_tz *tz, int64_t utc_ns) {
    return tz_offset_at_s(tz, floor_div(utc_ns, QC_NS_PER_SEC));
}

/* Local wall-clock seconds to UTC seconds. For New York: take the daylight reading if daylight time
 * is in force then (this picks the first occurrence of an ambiguous fall-back time), else the
 * standard reading (which moves a spring-forward gap time forward by the hour). */
static int64_t tz_local_to_utc_s(const qc_tz *tz, int64_t local_s) {
    if (!tz) return local_s;
    if (tz->kind != QC_TZ_NEW_YORK) return local_s - tz->offset_s;
    int64_t as_daylight = local_s - NY_EDT_S;
    if (tz_offset_at_s(tz, as_daylight) == NY_EDT_S) return as_daylight;
    return local_s - NY_EST_S;
}

/* QC_TS_NONE when the instant does not fit int64 ns (before 1677 or after 2262). */
int64_t qc_tz_local_to_utc(const qc_tz *tz, int y, int m, int d, int hh, int mi, int ss) {
    int64_t local_s =
        qc_days_from_civil(y, m, d) * SEC_PER_DAY + (int64_t)hh * 3600 + (int64_t)mi * 60 + ss;
    int64_t ns;
    if (secs_to_ns(tz_local_to_utc_s(tz, local_s), 0, &ns)) return QC_TS_NONE;
    return ns;
}

static int is_digit(char c) { return c >= '0' && c <= '9'; }

/* Two digits at s; -1 if not digits. */
static int two_digits(const char *s) {
    if (!is_digit(s[0]) || !is_digit(s[1])) return -1;
    return (s[0] - '0') * 10 + (s[1] - '0');
}

/* Offset "+HH", "+HH:MM" or "+HHMM" (sign required) filling the whole span; HH <= 23, MM <= 59. */
static int parse_offset(const char *s, size_t len, int32_t *offset_s) {
    if (len != 3 && len != 5 && len != 6) return -1;
    if (s[0] != '+' && s[0] != '-') return -1;
    int hh = two_digits(s + 1), mm = 0;
    if (len == 5) mm = two_digits(s + 3);
    if (len == 6) mm = s[3] == ':' ? two_digits(s + 4) : -1;
    if (hh < 0 || hh > 23 || mm < 0 || mm > 59) return -1;
    int32_t off = hh * 3600 + mm * 60;
    *offset_s = s[0] == '-' ? -off : off;
    return 0;
}

qc_err qc_tz_parse(const char *name, qc_tz *tz, qc_error *err) {
    static const char *const ny[] = {"America/New_York", "US/Eastern", "EST5EDT"};
    if (!name) return qc_err_set(err, QC_ERR_INPUT, "no time zone given");
    if (qc_str_ieq(name, "UTC") || strcmp(name, "Z") == 0 || qc_str_ieq(name, "GMT")) {
        tz->kind = QC_TZ_FIXED;
        tz->offset_s = 0;
        return QC_OK;
    }
    for (size_t i = 0; i < sizeof ny / sizeof ny[0]; i++) {
        if (qc_str_ieq(name, ny[i])) {
            tz->kind = QC_TZ_NEW_YORK;
            tz->offset_s = 0;
            return QC_OK;
        }
    }
    int32_t off;
    if (parse_offset(name, strlen(name), &off) == 0) {
        tz->kind = QC_TZ_FIXED;
        tz->offset_s = off;
        return QC_OK;
    }
    return qc_err_set(err, QC_ERR_INPUT,
                      "unknown time zone '%.40s' (use UTC, +HH:MM or America/New_York)", name);
}

/* ---- parsing --------------------------------------------------------------------------------- */

/* Error naming the text: at most 40 bytes, non-printable bytes shown as '?'. */
static qc_err bad_time(const char *s, size_t len, qc_error *err) {
    char shown[48];
    size_t n = len < 40 ? len : 40;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        shown[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    shown[n] = '\0';
    return qc_err_set(err, QC_ERR_INPUT, "bad date/time '%s%s'", shown, len > n ? "..." : "");
}

/* Validated civil date from digit fields; -1 when a field is out of range. */
static int make_date(int y, int m, int d, int64_t *days) {
    if (y < 0 || m < 1 || m > 12 || d < 1 || d > qc_days_in_month(y, m)) return -1;
    *days = qc_days_from_civil(y, m, d);
    return 0;
}

/* "YYYY-MM-DD" at s (10 bytes available). */
static int parse_ymd(const char *s, int64_t *days) {
    if (s[4] != '-' || s[7] != '-') return -1;
    int y1 = two_digits(s), y2 = two_digits(s + 2), m = two_digits(s + 5), d = two_digits(s + 8);
    if (y1 < 0 || y2 < 0 || m < 0 || d < 0) return -1;
    return make_date(y1 * 100 + y2, m, d, days);
}

/* ".fraction" of 1..9 digits at s; returns bytes consumed (0 when none) or -1. */
static int parse_fraction(const char *s, size_t len, int64_t *frac_ns) {
    static const int64_t scale[10] = {0,     100000000, 10000000, 1000000, 100000,
                                      10000, 1000,      100,      10,      1};
    *frac_ns = 0;
    if (len == 0 || s[0] != '.') return 0;
    size_t i = 1;
    int64_t v = 0;
    while (i < len && is_digit(s[i]) && i <= 9)
        v = v * 10 + (s[i++] - '0');
    if (i == 1 || (i < len && is_digit(s[i]))) return -1;
    *frac_ns = v * scale[i - 1];
    return (int)i;
}

/* "HH:MM[:SS[.fff]][offset]" at s[0..len): local seconds of day, fraction, offset if present. */
static int parse_clock(const char *s, size_t len, int64_t *sod, int64_t *frac_ns, int *has_off,
                       int32_t *off_s) {
    if (len < 5 || s[2] != ':') return -1;
    int hh = two_digits(s), mi = two_digits(s + 3), ss = 0;
    size_t i = 5;
    if (len >= 8 && s[5] == ':') {
        ss = two_digits(s + 6);
        i = 8;
    }
    if (hh < 0 || hh > 23 || mi < 0 || mi > 59 || ss < 0 || ss > 59) return -1; /* no leap second */
    *frac_ns = 0;
    if (i == 8) {
        int used = parse_fraction(s + i, len - i, frac_ns);
        if (used < 0) return -1;
        i += (size_t)used;
    }
    *sod = hh * 3600 + mi * 60 + ss;
    *has_off = i < len;
    *off_s = 0;
    if (i == len) return 0;
    if (len - i == 1 && s[i] == 'Z') return 0;
    return parse_offset(s + i, len - i, off_s);
}

static int parse_datetime(const char *s, size_t len, const qc_tz *tz, int64_t *ts_ns) {
    int64_t days, sod, frac, utc_s;
    int has_off;
    int32_t off;
    if (s[10] != 'T' && s[10] != ' ') return -1;
    if (parse_ymd(s, &days) || parse_clock(s + 11, len - 11, &sod, &frac, &has_off, &off))
        return -1;
    int64_t local_s = days * SEC_PER_DAY + sod;
    if (has_off || !tz)
        utc_s = local_s - off;
    else
        utc_s = tz_local_to_utc_s(tz, local_s);
    return secs_to_ns(utc_s, frac, ts_ns);
}

/* Epoch seconds: optional '-', at least 9 integer digits, optional .fraction (1-9 digits). */
static int parse_epoch(const char *s, size_t len, int64_t *ts_ns) {
    size_t i = s[0] == '-';
    int64_t secs = 0, frac = 0;
    size_t start = i;
    for (; i < len && is_digit(s[i]); i++) {
        if (secs > INT64_C(9300000000)) return -1; /* beyond the int64 ns range already */
        secs = secs * 10 + (s[i] - '0');
    }
    if (i - start < 9) return -1;
    int used = parse_fraction(s + i, len - i, &frac);
    if (used < 0 || i + (size_t)used != len) return -1;
    if (start == 0) return secs_to_ns(secs, frac, ts_ns);
    /* Negative: build the magnitude, then negate (|INT64_MIN| itself is QC_TS_NONE: rejected). */
    int64_t mag;
    if (secs_to_ns(secs, frac, &mag)) return -1;
    *ts_ns = -mag;
    return 0;
}

/* YYYYMMDD (exactly 8 digits). */
static int parse_compact_date(const char *s, int64_t *days) {
    int y1 = two_digits(s), y2 = two_digits(s + 2), m = two_digits(s + 4), d = two_digits(s + 6);
    if (y1 < 0 || y2 < 0 || m < 0 || d < 0) return -1;
    return make_date(y1 * 100 + y2, m, d, days);
}

static int all_digits(const char *s, size_t len) {
    for (size_t i = 0; i < len; i++)
        if (!is_digit(s[i])) return 0;
    return 1;
}

/* Dispatch on shape: 10 bytes with '-' -> date, 16+ with '-' -> date-time, 8 digits -> YYYYMMDD,
 * anything else -> epoch seconds. Leap seconds (:60) are rejected, as are instants outside int64 ns
 * (1677-09-21 .. 2262-04-11), so epoch milliseconds given by mistake fail instead of misreading. */
qc_err qc_time_parse(const char *s, size_t len, const qc_tz *tz, int64_t *ts_ns, qc_time_kind *kind,
                     qc_error *err) {
    int64_t days, ts;
    if (!s || len == 0) return qc_err_set(err, QC_ERR_INPUT, "bad date/time '' (empty)");
    if (len == 10 && s[4] == '-') {
        if (parse_ymd(s, &days) || secs_to_ns(days * SEC_PER_DAY, 0, &ts))
            return bad_time(s, len, err);
        *kind = QC_TIME_DATE;
    } else if (len >= 16 && s[4] == '-') {
        if (parse_datetime(s, len, tz, &ts)) return bad_time(s, len, err);
        *kind = QC_TIME_DATETIME;
    } else if (len == 8 && all_digits(s, len)) {
        if (parse_compact_date(s, &days) || secs_to_ns(days * SEC_PER_DAY, 0, &ts))
            return bad_time(s, len, err);
        *kind = QC_TIME_DATE;
    } else {
        if (parse_epoch(s, len, &ts)) return bad_time(s, len, err);
        *kind = QC_TIME_EPOCH;
    }
    *ts_ns = ts;
    return QC_OK;
}

/* ---- formatting ------------------------------------------------------------------------------ */

static void put_digits(char *p, int64_t v, int width) {
    for (int i = width - 1; i >= 0; i--) {
        p[i] = (char)('0' + v % 10);
        v /= 10;
    }
}

/* Copies the formatted text like snprintf: truncated and terminated, returns the full length. */
static size_t emit(const char *tmp, size_t len, char *buf, size_t n) {
    if (n) {
        size_t c = len < n - 1 ? len : n - 1;
        memcpy(buf, tmp, c);
        buf[c] = '\0';
    }
    return len;
}

/* "YYYY-MM-DD" into p (10 bytes); years of int64 ns always have four digits (1677..2262). */
static void put_date(char *p, int64_t days) {
    int y, m, d;
    qc_civil_from_days(days, &y, &m, &d);
    put_digits(p, y, 4);
    p[4] = '-';
    put_digits(p + 5, m, 2);
    p[7] = '-';
    put_digits(p + 8, d, 2);
}

size_t qc_time_format_iso(int64_t ts_ns, char *buf, size_t n) {
    char tmp[32];
    int64_t days = qc_ts_day(ts_ns);
    int64_t in_day = ts_ns % QC_NS_PER_DAY; /* no days * NS_PER_DAY: it overflows near INT64_MIN */
    if (in_day < 0) in_day += QC_NS_PER_DAY;
    int64_t sod = in_day / QC_NS_PER_SEC, frac = in_day % QC_NS_PER_SEC;
    put_date(tmp, days);
    tmp[10] = 'T';
    put_digits(tmp + 11, sod / 3600, 2);
    tmp[13] = ':';
    put_digits(tmp + 14, sod / 60 % 60, 2);
    tmp[16] = ':';
    put_digits(tmp + 17, sod % 60, 2);
    size_t len = 19;
    if (frac) {
        int digits = frac % 1000000 == 0 ? 3 : frac % 1000 == 0 ? 6 : 9;
        int64_t v = digits == 3 ? frac / 1000000 : digits == 6 ? frac / 1000 : frac;
        tmp[len++] = '.';
        put_digits(tmp + len, v, digits);
        len += (size_t)digits;
    }
    tmp[len++] = 'Z';
    return emit(tmp, len, buf, n);
}

size_t qc_time_format_date(int64_t ts_ns, char *buf, size_t n) {
    char tmp[12];
    put_date(tmp, qc_ts_day(ts_ns));
    return emit(tmp, 10, buf, n);
}

int64_t qc_time_now_ns(void) {
    struct timespec t;
    if (clock_gettime(CLOCK_REALTIME, &t) != 0) return 0;
    return (int64_t)t.tv_sec * QC_NS_PER_SEC + t.tv_nsec;
}
