/* test_time.c: core/time.c. Civil-date round trips over 1900..2100, known epoch values, New York
 * DST transitions (checked against the system tz database when present), local->UTC in the DST
 * gap and overlap, every accepted parse form, malformed inputs (all QC_ERR_INPUT, none crash),
 * int64 range edges, and format/parse round trips down to the nanosecond. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h> /* after the four headers it needs */

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/time.h"

static const qc_tz k_utc = {QC_TZ_FIXED, 0};
static const qc_tz k_ny = {QC_TZ_NEW_YORK, 0};

/* UTC instant of a civil date-time, built only from qc_days_from_civil. */
static int64_t utc(int y, int m, int d, int hh, int mi, int ss) {
    return qc_days_from_civil(y, m, d) * QC_NS_PER_DAY + hh * QC_NS_PER_HOUR + mi * QC_NS_PER_MIN +
           ss * QC_NS_PER_SEC;
}

/* ---- civil dates ----------------------------------------------------------------------------- */

static void test_civil_round_trip_1900_2100(void **state) {
    (void)state;
    int64_t expect = qc_days_from_civil(1900, 1, 1);
    int wd = qc_weekday(expect);
    for (int y = 1900; y <= 2100; y++) {
        for (int m = 1; m <= 12; m++) {
            for (int d = 1; d <= qc_days_in_month(y, m); d++) {
                int64_t days = qc_days_from_civil(y, m, d);
                assert_int_equal(days, expect);
                int yy, mm, dd;
                qc_civil_from_days(days, &yy, &mm, &dd);
                assert_int_equal(yy, y);
                assert_int_equal(mm, m);
                assert_int_equal(dd, d);
                assert_int_equal(qc_weekday(days), wd);
                expect++;
                wd = (wd + 1) % 7;
            }
        }
    }
    assert_int_equal(expect, qc_days_from_civil(2101, 1, 1));
}

static void test_civil_far_range(void **state) {
    (void)state;
    /* Every 997th day over +-1 million days (about +-2700 years) round-trips. */
    for (int64_t days = -1000000; days <= 1000000; days += 997) {
        int y, m, d;
        qc_civil_from_days(days, &y, &m, &d);
        assert_true(m >= 1 && m <= 12 && d >= 1 && d <= qc_days_in_month(y, m));
        assert_int_equal(qc_days_from_civil(y, m, d), days);
    }
}

static void test_known_epochs(void **state) {
    (void)state;
    assert_int_equal(qc_days_from_civil(1970, 1, 1), 0);
    assert_int_equal(qc_days_from_civil(1969, 12, 31), -1);
    assert_int_equal(qc_days_from_civil(2000, 1, 1), 10957);
    assert_int_equal(qc_days_from_civil(2000, 3, 1), 11017);
    assert_int_equal(qc_days_from_civil(2024, 1, 2), 19724);
    assert_int_equal(qc_days_from_civil(1900, 1, 1), -25567);
    assert_int_equal(qc_days_from_civil(1, 1, 1), -719162);
    assert_int_equal(utc(2023, 11, 14, 22, 13, 20), INT64_C(1700000000) * QC_NS_PER_SEC);
    assert_int_equal(qc_weekday(0), 4);                              /* Thursday */
    assert_int_equal(qc_weekday(qc_days_from_civil(2024, 1, 2)), 2); /* Tuesday */
    assert_int_equal(qc_weekday(-1), 3);
    assert_int_equal(qc_weekday(-7), 4);
    assert_int_equal(qc_weekday(qc_days_from_civil(1900, 1, 1)), 1); /* Monday */
}

static void test_ts_day_floor(void **state) {
    (void)state;
    assert_int_equal(qc_ts_day(0), 0);
    assert_int_equal(qc_ts_day(QC_NS_PER_DAY - 1), 0);
    assert_int_equal(qc_ts_day(QC_NS_PER_DAY), 1);
    assert_int_equal(qc_ts_day(-1), -1);
    assert_int_equal(qc_ts_day(-QC_NS_PER_DAY), -1);
    assert_int_equal(qc_ts_day(-QC_NS_PER_DAY - 1), -2);
    assert_int_equal(qc_ts_day(INT64_MIN), -106752);
    assert_int_equal(qc_ts_day(INT64_MAX), 106751);
}

static void test_days_in_month(void **state) {
    (void)state;
    assert_int_equal(qc_days_in_month(2023, 2), 28);
    assert_int_equal(qc_days_in_month(2024, 2), 29);
    assert_int_equal(qc_days_in_month(1900, 2), 28);
    assert_int_equal(qc_days_in_month(2000, 2), 29);
    assert_int_equal(qc_days_in_month(2024, 4), 30);
    assert_int_equal(qc_days_in_month(2024, 12), 31);
    assert_int_equal(qc_days_in_month(2024, 0), 0);
    assert_int_equal(qc_days_in_month(2024, 13), 0);
}

/* ---- time zones ------------------------------------------------------------------------------ */

static void test_tz_parse_accepts(void **state) {
    (void)state;
    static const struct {
        const char *name;
        qc_tz_kind kind;
        int32_t off;
    } ok[] = {
        {"UTC", QC_TZ_FIXED, 0},
        {"utc", QC_TZ_FIXED, 0},
        {"Z", QC_TZ_FIXED, 0},
        {"GMT", QC_TZ_FIXED, 0},
        {"+05:30", QC_TZ_FIXED, 19800},
        {"-0400", QC_TZ_FIXED, -14400},
        {"+05", QC_TZ_FIXED, 18000},
        {"-09:30", QC_TZ_FIXED, -34200},
        {"+00:00", QC_TZ_FIXED, 0},
        {"America/New_York", QC_TZ_NEW_YORK, 0},
        {"US/Eastern", QC_TZ_NEW_YORK, 0},
        {"EST5EDT", QC_TZ_NEW_YORK, 0},
        {"america/new_york", QC_TZ_NEW_YORK, 0},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        qc_tz tz = {QC_TZ_FIXED, 12345};
        qc_error err = {0};
        assert_int_equal(qc_tz_parse(ok[i].name, &tz, &err), QC_OK);
        assert_int_equal(tz.kind, ok[i].kind);
        if (tz.kind == QC_TZ_FIXED) assert_int_equal(tz.offset_s, ok[i].off);
    }
}

static void test_tz_parse_rejects(void **state) {
    (void)state;
    static const char *const bad[] = {"",          "EST",    "+5",
                                      "+05:3",     "+24:00", "05:00",
                                      "+05:60",    "UTC+1",  "America/Chicago",
                                      "+05:30 ",   "z",      "+0530x",
                                      "-05:30:00", "++05"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        qc_tz tz;
        qc_error err = {0};
        assert_int_equal(qc_tz_parse(bad[i], &tz, &err), QC_ERR_INPUT);
        assert_int_equal(err.code, QC_ERR_INPUT);
    }
    qc_tz tz;
    qc_error err = {0};
    assert_int_equal(qc_tz_parse("Mars/Olympus", &tz, &err), QC_ERR_INPUT);
    assert_string_equal(err.msg,
                        "unknown time zone 'Mars/Olympus' (use UTC, +HH:MM or America/New_York)");
    assert_int_equal(qc_tz_parse(NULL, &tz, &err), QC_ERR_INPUT);
}

/* Offset just before and at a switch instant (UTC). */
static void expect_switch(int64_t at_ns, int32_t before_s, int32_t after_s) {
    assert_int_equal(qc_tz_offset_at(&k_ny, at_ns - QC_NS_PER_SEC), before_s);
    assert_int_equal(qc_tz_offset_at(&k_ny, at_ns - 1), before_s);
    assert_int_equal(qc_tz_offset_at(&k_ny, at_ns), after_s);
}

static void test_dst_transitions(void **state) {
    (void)state;
    const int32_t est = -18000, edt = -14400;
    /* 1987-2006 rule: first Sunday of April, last Sunday of October. */
    expect_switch(utc(2006, 4, 2, 7, 0, 0), est, edt);
    expect_switch(utc(2006, 10, 29, 6, 0, 0), edt, est);
    /* 2007 on: second Sunday of March, first Sunday of November. */
    expect_switch(utc(2007, 3, 11, 7, 0, 0), est, edt);
    expect_switch(utc(2007, 11, 4, 6, 0, 0), edt, est);
    expect_switch(utc(2024, 3, 10, 7, 0, 0), est, edt);
    expect_switch(utc(2024, 11, 3, 6, 0, 0), edt, est);
    /* Before 1987: last Sunday of April. */
    expect_switch(utc(1986, 4, 27, 7, 0, 0), est, edt);
    expect_switch(utc(1986, 10, 26, 6, 0, 0), edt, est);
    assert_int_equal(qc_tz_offset_at(&k_ny, utc(2024, 1, 2, 12, 0, 0)), est);
    assert_int_equal(qc_tz_offset_at(&k_ny, utc(2024, 7, 1, 12, 0, 0)), edt);
    /* Negative timestamps floor correctly (1969-07-01 is summer). */
    assert_int_equal(qc_tz_offset_at(&k_ny, utc(1969, 7, 1, 12, 0, 0)), edt);
    assert_int_equal(qc_tz_offset_at(&k_ny, utc(1969, 12, 31, 23, 59, 59) + 1), est);
    qc_tz fixed = {QC_TZ_FIXED, 19800};
    assert_int_equal(qc_tz_offset_at(&fixed, 0), 19800);
}

/* Cross-check against the system tz database, hourly (and one second before each hour) from 1967
 * to 2037, skipping 1974-75 (energy-crisis DST, deliberately not modelled). */
static void test_dst_vs_system_tzdata(void **state) {
    (void)state;
    if (access("/usr/share/zoneinfo/America/New_York", R_OK) != 0) skip();
    char *old = getenv("TZ") ? strdup(getenv("TZ")) : NULL;
    setenv("TZ", "America/New_York", 1);
    tzset();
    for (int64_t s = utc(1967, 1, 1, 0, 0, 0) / QC_NS_PER_SEC;
         s < utc(2038, 1, 1, 0, 0, 0) / QC_NS_PER_SEC; s += 1800) {
        time_t t = (time_t)s;
        struct tm tm;
        localtime_r(&t, &tm);
        if (tm.tm_year + 1900 == 1974 || tm.tm_year + 1900 == 1975) continue;
        if (qc_tz_offset_at(&k_ny, s * QC_NS_PER_SEC) != tm.tm_gmtoff)
            fail_msg("offset mismatch at %lld: tzdata %ld", (long long)s, tm.tm_gmtoff);
        int64_t back = qc_tz_local_to_utc(&k_ny, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                                          tm.tm_hour, tm.tm_min, tm.tm_sec);
        /* The second (standard-time) copy of an ambiguous hour maps to its first, daylight copy. */
        if (back == s * QC_NS_PER_SEC) continue;
        if (tm.tm_isdst || back != (s - 3600) * QC_NS_PER_SEC ||
            qc_tz_offset_at(&k_ny, back) != -14400)
            fail_msg("local_to_utc mismatch at %lld", (long long)s);
    }
    if (old) {
        setenv("TZ", old, 1);
        free(old);
    } else {
        unsetenv("TZ");
    }
    tzset();
}

static void test_local_to_utc(void **state) {
    (void)state;
    assert_int_equal(qc_tz_local_to_utc(&k_ny, 2024, 1, 2, 16, 0, 0), utc(2024, 1, 2, 21, 0, 0));
    assert_int_equal(qc_tz_local_to_utc(&k_ny, 2024, 7, 1, 16, 0, 0), utc(2024, 7, 1, 20, 0, 0));
    /* Spring forward 2024-03-10: 02:00-02:59 does not exist; shifted forward by the hour. */
    assert_int_equal(qc_tz_local_to_utc(&k_ny, 2024, 3, 10, 1, 59, 59),
                     utc(2024, 3, 10, 6, 59, 59));
    assert_int_equal(qc_tz_local_to_utc(&k_ny, 2024, 3, 10, 2, 0, 0), utc(2024, 3, 10, 7, 0, 0));
    assert_int_equal(qc_tz_local_to_utc(&k_ny, 2024, 3, 10, 2, 30, 0), utc(2024, 3, 10, 7, 30, 0));
    assert_int_equal(qc_tz_local_to_utc(&k_ny, 2024, 3, 10, 3, 0, 0), utc(2024, 3, 10, 7, 0, 0));
    /* Fall back 2024-11-03: 01:00-01:59 happens twice; the first (EDT) occurrence wins. */
    assert_int_equal(qc_tz_local_to_utc(&k_ny, 2024, 11, 3, 0, 59, 0), utc(2024, 11, 3, 4, 59, 0));
    assert_int_equal(qc_tz_local_to_utc(&k_ny, 2024, 11, 3, 1, 0, 0), utc(2024, 11, 3, 5, 0, 0));
    assert_int_equal(qc_tz_local_to_utc(&k_ny, 2024, 11, 3, 1, 30, 0), utc(2024, 11, 3, 5, 30, 0));
    assert_int_equal(qc_tz_local_to_utc(&k_ny, 2024, 11, 3, 2, 0, 0), utc(2024, 11, 3, 7, 0, 0));
    /* 2006 and 2007 rules. */
    assert_int_equal(qc_tz_local_to_utc(&k_ny, 2006, 4, 2, 2, 30, 0), utc(2006, 4, 2, 7, 30, 0));
    assert_int_equal(qc_tz_local_to_utc(&k_ny, 2006, 10, 29, 1, 30, 0),
                     utc(2006, 10, 29, 5, 30, 0));
    assert_int_equal(qc_tz_local_to_utc(&k_ny, 2007, 3, 11, 2, 30, 0), utc(2007, 3, 11, 7, 30, 0));
    assert_int_equal(qc_tz_local_to_utc(&k_ny, 2007, 11, 4, 1, 30, 0), utc(2007, 11, 4, 5, 30, 0));
    qc_tz ist = {QC_TZ_FIXED, 19800};
    assert_int_equal(qc_tz_local_to_utc(&ist, 2024, 1, 2, 5, 30, 0), utc(2024, 1, 2, 0, 0, 0));
    assert_int_equal(qc_tz_local_to_utc(&k_utc, 2024, 1, 2, 5, 30, 0), utc(2024, 1, 2, 5, 30, 0));
    /* Out of the int64 ns range. */
    assert_int_equal(qc_tz_local_to_utc(&k_utc, 9999, 1, 1, 0, 0, 0), QC_TS_NONE);
    assert_int_equal(qc_tz_local_to_utc(&k_utc, 1000, 1, 1, 0, 0, 0), QC_TS_NONE);
}

/* ---- parsing --------------------------------------------------------------------------------- */

static int64_t parse_ok(const char *s, const qc_tz *tz, qc_time_kind want_kind) {
    int64_t ts = 0;
    qc_time_kind kind = 0;
    qc_error err = {0};
    qc_err rc = qc_time_parse(s, strlen(s), tz, &ts, &kind, &err);
    if (rc != QC_OK) fail_msg("'%s' rejected: %s", s, err.msg);
    assert_int_equal(kind, want_kind);
    return ts;
}

static void test_parse_dates(void **state) {
    (void)state;
    int64_t d = utc(2024, 1, 2, 0, 0, 0);
    assert_int_equal(parse_ok("2024-01-02", NULL, QC_TIME_DATE), d);
    assert_int_equal(parse_ok("2024-01-02", &k_ny, QC_TIME_DATE), d); /* dates are not shifted */
    assert_int_equal(parse_ok("20240102", NULL, QC_TIME_DATE), d);
    assert_int_equal(parse_ok("2024-02-29", NULL, QC_TIME_DATE), utc(2024, 2, 29, 0, 0, 0));
    assert_int_equal(parse_ok("2000-02-29", NULL, QC_TIME_DATE), utc(2000, 2, 29, 0, 0, 0));
    assert_int_equal(parse_ok("1969-12-31", NULL, QC_TIME_DATE), -QC_NS_PER_DAY);
    assert_int_equal(parse_ok("1677-09-22", NULL, QC_TIME_DATE), -106751 * QC_NS_PER_DAY);
    assert_int_equal(parse_ok("2262-04-11", NULL, QC_TIME_DATE), 106751 * QC_NS_PER_DAY);
}

static void test_parse_datetimes(void **state) {
    (void)state;
    int64_t t = utc(2024, 1, 2, 21, 0, 0);
    assert_int_equal(parse_ok("2024-01-02T21:00:00Z", NULL, QC_TIME_DATETIME), t);
    assert_int_equal(parse_ok("2024-01-02T21:00:00Z", &k_ny, QC_TIME_DATETIME), t);
    assert_int_equal(parse_ok("2024-01-02 21:00:00", NULL, QC_TIME_DATETIME), t);
    assert_int_equal(parse_ok("2024-01-02T21:00", NULL, QC_TIME_DATETIME), t);
    assert_int_equal(parse_ok("2024-01-02T21:00Z", NULL, QC_TIME_DATETIME), t);
    assert_int_equal(parse_ok("2024-01-02 16:00:00", &k_ny, QC_TIME_DATETIME), t);
    assert_int_equal(parse_ok("2024-07-01 16:00", &k_ny, QC_TIME_DATETIME),
                     utc(2024, 7, 1, 20, 0, 0));
    assert_int_equal(parse_ok("2024-01-02T16:00:00-05:00", &k_ny, QC_TIME_DATETIME), t);
    assert_int_equal(parse_ok("2024-01-02T16:00:00-0500", NULL, QC_TIME_DATETIME), t);
    assert_int_equal(parse_ok("2024-01-02T16:00:00-05", NULL, QC_TIME_DATETIME), t);
    assert_int_equal(parse_ok("2024-01-03T02:30:00+05:30", NULL, QC_TIME_DATETIME), t);
    assert_int_equal(parse_ok("2024-01-02T16:00-05:00", NULL, QC_TIME_DATETIME), t);
    qc_tz ist = {QC_TZ_FIXED, 19800};
    assert_int_equal(parse_ok("2024-01-03 02:30:00", &ist, QC_TIME_DATETIME), t);
    /* Fractions: 1 to 9 digits. */
    assert_int_equal(parse_ok("2024-01-02T21:00:00.5Z", NULL, QC_TIME_DATETIME), t + 500000000);
    assert_int_equal(parse_ok("2024-01-02T21:00:00.123", NULL, QC_TIME_DATETIME), t + 123000000);
    assert_int_equal(parse_ok("2024-01-02T21:00:00.123456+00:00", NULL, QC_TIME_DATETIME),
                     t + 123456000);
    assert_int_equal(parse_ok("2024-01-02T21:00:00.123456789Z", NULL, QC_TIME_DATETIME),
                     t + 123456789);
    assert_int_equal(parse_ok("2024-01-02T21:00:00.000000001Z", NULL, QC_TIME_DATETIME), t + 1);
    /* Gap and overlap through the parser. */
    assert_int_equal(parse_ok("2024-03-10 02:30", &k_ny, QC_TIME_DATETIME),
                     utc(2024, 3, 10, 7, 30, 0));
    assert_int_equal(parse_ok("2024-11-03 01:30", &k_ny, QC_TIME_DATETIME),
                     utc(2024, 11, 3, 5, 30, 0));
    /* The int64 ns edges. */
    assert_int_equal(parse_ok("2262-04-11T23:47:16.854775807Z", NULL, QC_TIME_DATETIME), INT64_MAX);
    assert_int_equal(parse_ok("1677-09-21T00:12:43.145224193Z", NULL, QC_TIME_DATETIME),
                     INT64_MIN + 1);
}

static void test_parse_epochs(void **state) {
    (void)state;
    const int64_t s = QC_NS_PER_SEC;
    assert_int_equal(parse_ok("1700000000", NULL, QC_TIME_EPOCH), INT64_C(1700000000) * s);
    assert_int_equal(parse_ok("1700000000", &k_ny, QC_TIME_EPOCH), INT64_C(1700000000) * s);
    assert_int_equal(parse_ok("1700000000.5", NULL, QC_TIME_EPOCH),
                     INT64_C(1700000000) * s + s / 2);
    assert_int_equal(parse_ok("1700000000.000000001", NULL, QC_TIME_EPOCH),
                     INT64_C(1700000000) * s + 1);
    assert_int_equal(parse_ok("-1700000000", NULL, QC_TIME_EPOCH), INT64_C(-1700000000) * s);
    assert_int_equal(parse_ok("-100000000.25", NULL, QC_TIME_EPOCH),
                     INT64_C(-100000000) * s - s / 4);
    assert_int_equal(parse_ok("100000000", NULL, QC_TIME_EPOCH), INT64_C(100000000) * s);
    assert_int_equal(parse_ok("000000000", NULL, QC_TIME_EPOCH), 0);
    assert_int_equal(parse_ok("9223372036.854775807", NULL, QC_TIME_EPOCH), INT64_MAX);
    assert_int_equal(parse_ok("-9223372036.854775807", NULL, QC_TIME_EPOCH), -INT64_MAX);
}

static void test_parse_rejects(void **state) {
    (void)state;
    static const char *const bad[] = {
        "",
        "2023-02-29",
        "1900-02-29",
        "2024-13-01",
        "2024-00-10",
        "2024-01-00",
        "2024-01-32",
        "2024-04-31",
        "2024-1-02",
        "2024/01/02",
        "24-01-02",
        "2024-01-02T24:00:00",
        "2024-01-02T23:60",
        "2024-01-02T23:59:60", /* leap seconds are rejected */
        "2024-01-02T12:00:00.",
        "2024-01-02T12:00:00.1234567890",
        "2024-01-02T12:00:00+5",
        "2024-01-02T12:00:00+05:3",
        "2024-01-02T12:00:00+24:00",
        "2024-01-02T12:00:00+05:30x",
        "2024-01-02T12:00:00ZZ",
        "2024-01-02T12:00:00 Z",
        "2024-01-02T12:00:00z",
        "2024-01-02X12:00",
        "2024-01-02T12",
        "2024-01-02T12:00.5",
        "2024-01-02T1:00:00",
        "2024-01-02T12:00:0",
        "2024-01-02T",
        " 2024-01-02",
        "2024-01-02 ",
        "20240230",
        "2024010",
        "12345678",
        "17000000",
        "1700000000.",
        "1700000000.1234567891",
        ".5",
        "-",
        "-5",
        "1e9",
        "+1700000000",
        "--170000000",
        "1700000000x",
        "abc",
        "99999999999",   /* 11 digits: beyond 2262 */
        "1700000000000", /* milliseconds read as seconds: absurd */
        "170000000000000000000000000000",
        "9223372036.854775808",  /* INT64_MAX + 1 ns */
        "-9223372036.854775808", /* INT64_MIN is QC_TS_NONE */
        "2262-04-12",
        "1677-09-21",
        "2262-04-11T23:47:16.854775808Z",
        "1677-09-21T00:12:43.145224192Z",
        "9999-12-31T23:59:59Z",
        "0000-01-01T00:00:00Z",
        "2024-01-02T12:00:00\x01",
        "\xff\xfe\x00\x01",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t ts = 0;
        qc_time_kind kind = 0;
        qc_error err = {0};
        qc_err rc = qc_time_parse(bad[i], strlen(bad[i]), &k_ny, &ts, &kind, &err);
        if (rc != QC_ERR_INPUT) fail_msg("'%s' accepted (ts %lld)", bad[i], (long long)ts);
        assert_int_equal(err.code, QC_ERR_INPUT);
        assert_memory_equal(err.msg, "bad date/time '", 15);
    }
    /* A span that is not NUL-terminated is read only up to len. */
    int64_t ts;
    qc_time_kind kind;
    qc_error err = {0};
    assert_int_equal(qc_time_parse("2024-01-02T21:00:00Zjunk", 20, NULL, &ts, &kind, &err), QC_OK);
    assert_int_equal(qc_time_parse("2024-01-0299", 10, NULL, &ts, &kind, &err), QC_OK);
    assert_int_equal(ts, utc(2024, 1, 2, 0, 0, 0));
    assert_int_equal(qc_time_parse(NULL, 0, NULL, &ts, &kind, &err), QC_ERR_INPUT);
}

static void test_parse_error_message(void **state) {
    (void)state;
    int64_t ts;
    qc_time_kind kind;
    qc_error err = {0};
    const char *s = "2024-02-30";
    assert_int_equal(qc_time_parse(s, strlen(s), NULL, &ts, &kind, &err), QC_ERR_INPUT);
    assert_string_equal(err.msg, "bad date/time '2024-02-30'");
    s = "20\x01\n24";
    assert_int_equal(qc_time_parse(s, strlen(s), NULL, &ts, &kind, &err), QC_ERR_INPUT);
    assert_string_equal(err.msg, "bad date/time '20??24'");
    s = "this is a very long value that is certainly not a date at all";
    assert_int_equal(qc_time_parse(s, strlen(s), NULL, &ts, &kind, &err), QC_ERR_INPUT);
    assert_string_equal(err.msg, "bad date/time 'this is a very long value that is certai...'");
}

/* Speed of the CSV hot path; the bound is loose because this also runs under sanitizers. */
static void test_parse_speed(void **state) {
    (void)state;
    const char *s = "2024-01-02";
    const int n = 2000000;
    uint64_t sum = 0; /* keeps the loop from being optimised away; wraps by design */
    int64_t ts;
    qc_time_kind kind;
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int i = 0; i < n; i++) {
        if (qc_time_parse(s, 10, NULL, &ts, &kind, NULL) != QC_OK) fail();
        sum += (uint64_t)ts;
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    double ns = ((double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec)) / n;
    print_message("qc_time_parse(YYYY-MM-DD): %.1f ns/call\n", ns);
    assert_true(sum == (uint64_t)n * (uint64_t)utc(2024, 1, 2, 0, 0, 0));
    assert_true(ns < 2000.0);
}

/* ---- formatting ------------------------------------------------------------------------------ */

static void expect_iso(int64_t ts, const char *want) {
    char buf[64];
    size_t n = qc_time_format_iso(ts, buf, sizeof buf);
    assert_string_equal(buf, want);
    assert_int_equal(n, strlen(want));
}

static void test_format_iso(void **state) {
    (void)state;
    int64_t t = utc(2024, 1, 2, 21, 0, 0);
    expect_iso(0, "1970-01-01T00:00:00Z");
    expect_iso(t, "2024-01-02T21:00:00Z");
    expect_iso(t + 123000000, "2024-01-02T21:00:00.123Z");
    expect_iso(t + 100000000, "2024-01-02T21:00:00.100Z");
    expect_iso(t + 123456000, "2024-01-02T21:00:00.123456Z");
    expect_iso(t + 120000, "2024-01-02T21:00:00.000120Z");
    expect_iso(t + 123456789, "2024-01-02T21:00:00.123456789Z");
    expect_iso(t + 1, "2024-01-02T21:00:00.000000001Z");
    expect_iso(-1, "1969-12-31T23:59:59.999999999Z");
    expect_iso(-QC_NS_PER_SEC, "1969-12-31T23:59:59Z");
    expect_iso(INT64_MAX, "2262-04-11T23:47:16.854775807Z");
    expect_iso(INT64_MIN, "1677-09-21T00:12:43.145224192Z");
    char small[5];
    assert_int_equal(qc_time_format_iso(t, small, sizeof small), 20);
    assert_string_equal(small, "2024");
    assert_int_equal(qc_time_format_iso(t, NULL, 0), 20);
}

static void test_format_date(void **state) {
    (void)state;
    char buf[16];
    assert_int_equal(qc_time_format_date(utc(2024, 1, 2, 21, 0, 0), buf, sizeof buf), 10);
    assert_string_equal(buf, "2024-01-02");
    qc_time_format_date(-1, buf, sizeof buf);
    assert_string_equal(buf, "1969-12-31");
    qc_time_format_date(INT64_MIN, buf, sizeof buf);
    assert_string_equal(buf, "1677-09-21");
}

/* format -> parse gives back the same instant over the whole int64 range, at every precision. */
static void test_format_parse_round_trip(void **state) {
    (void)state;
    uint64_t x = 0x9E3779B97F4A7C15u;
    for (int i = 0; i < 200000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        int64_t ts = (int64_t)x;
        if (i % 4 == 1) ts -= ts % 1000;    /* microsecond precision */
        if (i % 4 == 2) ts -= ts % 1000000; /* millisecond precision */
        if (i % 4 == 3) ts -= ts % QC_NS_PER_SEC;
        if (ts == QC_TS_NONE) continue;
        char buf[64], dbuf[16];
        size_t n = qc_time_format_iso(ts, buf, sizeof buf);
        assert_int_equal(parse_ok(buf, &k_ny, QC_TIME_DATETIME), ts);
        assert_int_equal(n, strlen(buf));
        qc_time_format_date(ts, dbuf, sizeof dbuf);
        if (qc_ts_day(ts) == -106752) continue; /* 1677-09-21 00:00 itself is before INT64_MIN */
        assert_int_equal(parse_ok(dbuf, NULL, QC_TIME_DATE), qc_ts_day(ts) * QC_NS_PER_DAY);
    }
}

static void test_now(void **state) {
    (void)state;
    int64_t now = qc_time_now_ns();
    assert_true(now > utc(2020, 1, 1, 0, 0, 0));
    assert_true(now < utc(2100, 1, 1, 0, 0, 0));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_civil_round_trip_1900_2100),
        cmocka_unit_test(test_civil_far_range),
        cmocka_unit_test(test_known_epochs),
        cmocka_unit_test(test_ts_day_floor),
        cmocka_unit_test(test_days_in_month),
        cmocka_unit_test(test_tz_parse_accepts),
        cmocka_unit_test(test_tz_parse_rejects),
        cmocka_unit_test(test_dst_transitions),
        cmocka_unit_test(test_dst_vs_system_tzdata),
        cmocka_unit_test(test_local_to_utc),
        cmocka_unit_test(test_parse_dates),
        cmocka_unit_test(test_parse_datetimes),
        cmocka_unit_test(test_parse_epochs),
        cmocka_unit_test(test_parse_rejects),
        cmocka_unit_test(test_parse_error_message),
        cmocka_unit_test(test_parse_speed),
        cmocka_unit_test(test_format_iso),
        cmocka_unit_test(test_format_date),
        cmocka_unit_test(test_format_parse_round_trip),
        cmocka_unit_test(test_now),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
