/* time.h: QuantCLI's time model. Every instant is int64 nanoseconds since the Unix epoch, UTC.
 * Civil-date arithmetic (proleptic Gregorian, Hinnant's days_from_civil), ISO 8601 parse/format,
 * epoch seconds, and the time zones QuantCLI knows without a tz database: UTC, fixed offsets
 * (+05:30) and America/New_York (US DST rules of 1987-2006 and 2007 on). */
#ifndef QC_CORE_TIME_H
#define QC_CORE_TIME_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

#define QC_NS_PER_SEC INT64_C(1000000000)
#define QC_NS_PER_MIN (INT64_C(60) * QC_NS_PER_SEC)
#define QC_NS_PER_HOUR (INT64_C(3600) * QC_NS_PER_SEC)
#define QC_NS_PER_DAY (INT64_C(86400) * QC_NS_PER_SEC)
#define QC_TS_NONE INT64_MIN

/* Days since 1970-01-01 for a civil date, and back. m in 1..12, d in 1..31. */
int64_t qc_days_from_civil(int y, int m, int d);
void qc_civil_from_days(int64_t days, int *y, int *m, int *d);
/* 0 = Sunday ... 6 = Saturday. */
int qc_weekday(int64_t days);
/* Floor division of a timestamp into its UTC day number. */
int64_t qc_ts_day(int64_t ts_ns);
int qc_days_in_month(int y, int m);
/* Day number of the n-th (1-based) weekday wd (0 = Sunday) of month m in year y; n = -1 is the last. */
int64_t qc_nth_weekday(int y, int m, int wd, int n);

/* A time zone: UTC, a fixed offset, or a rule-based zone. */
typedef enum { QC_TZ_FIXED = 0, QC_TZ_NEW_YORK = 1 } qc_tz_kind;
typedef struct {
    qc_tz_kind kind;
    int32_t offset_s; /* for QC_TZ_FIXED */
} qc_tz;

/* Parses "UTC", "Z", "+05:30", "-0400", "America/New_York" (also "US/Eastern", "EST5EDT"). */
qc_err qc_tz_parse(const char *name, qc_tz *tz, qc_error *err);
/* UTC offset in seconds in force at the instant utc_ns. */
int32_t qc_tz_offset_at(const qc_tz *tz, int64_t utc_ns);
/* UTC instant of a local wall-clock time. Wall times in a spring-forward gap are shifted forward
 * by the gap; ambiguous fall-back times take the first (daylight) occurrence. */
int64_t qc_tz_local_to_utc(const qc_tz *tz, int y, int m, int d, int hh, int mi, int ss);

/* What qc_time_parse found. */
typedef enum {
    QC_TIME_DATE = 1,     /* YYYY-MM-DD only: *ts_ns is 00:00 UTC of that day; caller maps it */
    QC_TIME_DATETIME = 2, /* date and time; offset applied (or tz if none) */
    QC_TIME_EPOCH = 3     /* epoch seconds (integer or fractional) */
} qc_time_kind;

/* Parses s[0..len): YYYY-MM-DD, YYYYMMDD, YYYY-MM-DD[T ]HH:MM[:SS[.fraction]][Z|+HH:MM|+HHMM],
 * or epoch seconds (9 to 10+ digits, optional fraction). A date-time without an offset is read in
 * tz (UTC when tz is NULL). Returns QC_ERR_INPUT with a message naming the text on failure. */
qc_err qc_time_parse(const char *s, size_t len, const qc_tz *tz, int64_t *ts_ns, qc_time_kind *kind,
                     qc_error *err);

/* Formats "2024-01-02T21:00:00Z" (".123" added when sub-second, down to ns). Returns length. */
size_t qc_time_format_iso(int64_t ts_ns, char *buf, size_t n);
/* Formats the UTC date "2024-01-02". */
size_t qc_time_format_date(int64_t ts_ns, char *buf, size_t n);

/* Wall clock, for logs and reports only: engine code takes time from an injected clock. */
int64_t qc_time_now_ns(void);

#endif
