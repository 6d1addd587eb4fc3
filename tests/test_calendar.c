/* test_calendar.c: core/calendar.c. Every day 1990-2035 against tests/golden/nyse_holidays.csv
 * (R timeDate holidayNYSE plus 2018-12-05 and 2025-01-09, which timeDate lacks: see
 * gen_nyse_calendar.R), early closes, session times in UTC across DST, next/prev/count across
 * year ends, holidays and the edges of the 1990..2035 table, and the 24/7 calendar. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h> /* after the four headers it needs */

#include <stdio.h>
#include <string.h>

#include "core/calendar.h"

#define GOLDEN QC_TEST_DIR "/golden/nyse_holidays.csv"
#define MAX_GOLDEN 1000

static int64_t day(int y, int m, int d) { return qc_days_from_civil(y, m, d); }

static const qc_calendar *nyse(void) {
    qc_error err = {0};
    const qc_calendar *cal = qc_calendar_get("NYSE", &err);
    assert_non_null(cal);
    return cal;
}

static int is_weekday(int64_t d) { return qc_weekday(d) != 0 && qc_weekday(d) != 6; }

/* Reads the golden day numbers (sorted) into out; returns the count. */
static int load_golden(int64_t *out) {
    FILE *f = fopen(GOLDEN, "r");
    if (!f) fail_msg("cannot open %s", GOLDEN);
    char line[128];
    int n = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#' || strncmp(line, "date,", 5) == 0) continue;
        int64_t ts;
        qc_time_kind kind;
        qc_error err = {0};
        if (qc_time_parse(line, 10, NULL, &ts, &kind, &err) != QC_OK || kind != QC_TIME_DATE)
            fail_msg("bad golden line: %s", line);
        assert_true(n < MAX_GOLDEN);
        out[n++] = qc_ts_day(ts);
        if (n > 1) assert_true(out[n - 1] > out[n - 2]);
    }
    fclose(f);
    return n;
}

/* ---- NYSE holidays --------------------------------------------------------------------------- */

static void test_golden_every_day(void **state) {
    (void)state;
    static int64_t golden[MAX_GOLDEN];
    const qc_calendar *cal = nyse();
    int n = load_golden(golden);
    assert_int_equal(n, 424); /* 422 from timeDate 4022.108 + 2 added */
    int g = 0;
    for (int64_t d = day(1990, 1, 1); d <= day(2035, 12, 31); d++) {
        int in_golden = g < n && golden[g] == d;
        if (in_golden) g++;
        if (!is_weekday(d)) {
            assert_false(in_golden);
            assert_false(qc_calendar_is_holiday(cal, d));
            assert_false(qc_calendar_is_session(cal, d));
            continue;
        }
        if (qc_calendar_is_holiday(cal, d) != in_golden) {
            char buf[16];
            qc_time_format_date(d * QC_NS_PER_DAY, buf, sizeof buf);
            fail_msg("%s: calendar says holiday=%d, golden says %d", buf,
                     qc_calendar_is_holiday(cal, d), in_golden);
        }
        assert_int_equal(qc_calendar_is_session(cal, d), !in_golden);
    }
    assert_int_equal(g, n);
}

/* The rules one by one, with the cases that make them interesting. */
static void test_holiday_rules(void **state) {
    (void)state;
    const qc_calendar *cal = nyse();
    static const int closed[][3] = {
        {2023, 1, 2},   /* New Year's Day on Sunday -> Monday */
        {2024, 1, 15},  /* Martin Luther King Jr. Day */
        {2024, 2, 19},  /* Washington's Birthday */
        {2024, 3, 29},  /* Good Friday */
        {2000, 4, 21},  /* Good Friday (Easter April 23) */
        {2024, 5, 27},  /* Memorial Day */
        {2022, 6, 20},  /* Juneteenth on Sunday -> Monday */
        {2027, 6, 18},  /* Juneteenth on Saturday -> Friday */
        {2020, 7, 3},   /* Independence Day on Saturday -> Friday */
        {2021, 7, 5},   /* Independence Day on Sunday -> Monday */
        {2024, 9, 2},   /* Labor Day */
        {2024, 11, 28}, /* Thanksgiving */
        {2021, 12, 24}, /* Christmas on Saturday -> Friday */
        {2022, 12, 26}, /* Christmas on Sunday -> Monday */
        {1994, 4, 27},  /* special closings from here on */
        {2001, 9, 11},
        {2001, 9, 14},
        {2004, 6, 11},
        {2007, 1, 2},
        {2012, 10, 29},
        {2012, 10, 30},
        {2018, 12, 5},
        {2025, 1, 9},
    };
    static const int open[][3] = {
        {1997, 1, 20},  /* MLK Day only from 1998 */
        {2021, 12, 31}, /* New Year's Day on Saturday is not observed on the Friday */
        {2010, 12, 31}, /* same */
        {1999, 12, 31}, /* same */
        {2021, 6, 18},  /* Juneteenth only from 2022 */
        {2001, 9, 17},  /* reopened after 9/11 */
        {2024, 12, 24}, /* Christmas Eve: an (early-close) session */
        {2024, 12, 26},
    };
    for (size_t i = 0; i < sizeof closed / sizeof closed[0]; i++)
        assert_true(qc_calendar_is_holiday(cal, day(closed[i][0], closed[i][1], closed[i][2])));
    for (size_t i = 0; i < sizeof open / sizeof open[0]; i++)
        assert_true(qc_calendar_is_session(cal, day(open[i][0], open[i][1], open[i][2])));
    assert_true(qc_calendar_is_holiday(cal, day(1998, 1, 19))); /* first MLK Day closing */
    /* Weekends are neither holidays nor sessions. */
    assert_false(qc_calendar_is_holiday(cal, day(2024, 1, 6)));
    assert_false(qc_calendar_is_session(cal, day(2024, 1, 6)));
}

/* Outside 1990..2035 the rules apply, the special closings do not. */
static void test_outside_table(void **state) {
    (void)state;
    const qc_calendar *cal = nyse();
    assert_true(qc_calendar_is_holiday(cal, day(1989, 12, 25)));
    assert_true(qc_calendar_is_holiday(cal, day(1989, 3, 24))); /* Good Friday 1989 */
    assert_true(qc_calendar_is_session(cal, day(1989, 12, 29)));
    /* Hurricane Gloria (1985-09-27) closed the NYSE, but special closings stop at 1990. */
    assert_false(qc_calendar_is_holiday(cal, day(1985, 9, 27)));
    assert_true(qc_calendar_is_holiday(cal, day(2036, 1, 1)));
    assert_true(qc_calendar_is_holiday(cal, day(2036, 6, 19)));
    assert_true(qc_calendar_is_holiday(cal, day(2040, 3, 30)));  /* Easter 2040 is April 1 */
    assert_true(qc_calendar_is_holiday(cal, day(2100, 12, 24))); /* Christmas 2100 on Saturday */
    assert_true(qc_calendar_is_session(cal, day(2036, 1, 2)));
    assert_true(qc_calendar_is_early_close(cal, day(2036, 11, 28)));
}

/* ---- early closes ---------------------------------------------------------------------------- */

static void test_early_closes(void **state) {
    (void)state;
    const qc_calendar *cal = nyse();
    static const int early[][3] = {
        {2019, 7, 3},   {2019, 11, 29}, {2019, 12, 24}, {2020, 11, 27}, {2023, 7, 3},
        {2024, 12, 24}, {2024, 7, 3},   {2018, 7, 3},   {2013, 7, 3},   {2020, 12, 24},
        {2002, 7, 5},   {1996, 7, 5},   {1995, 7, 3},   {1997, 12, 26}, {2003, 12, 26},
        {1993, 11, 26}, {1996, 12, 24}, {2035, 11, 23},
    };
    static const int full[][3] = {
        {2022, 7, 1},   {2019, 7, 5},   {2013, 7, 5},   {2002, 7, 3}, {1996, 7, 3}, {2024, 12, 31},
        {2024, 12, 26}, {1999, 12, 31}, {1992, 11, 27}, {1994, 7, 1}, {2024, 7, 5},
    };
    for (size_t i = 0; i < sizeof early / sizeof early[0]; i++) {
        int64_t d = day(early[i][0], early[i][1], early[i][2]);
        if (!qc_calendar_is_early_close(cal, d)) fail_msg("early close expected, case %zu", i);
        assert_true(qc_calendar_is_session(cal, d));
    }
    for (size_t i = 0; i < sizeof full / sizeof full[0]; i++)
        if (qc_calendar_is_early_close(cal, day(full[i][0], full[i][1], full[i][2])))
            fail_msg("full day expected, case %zu", i);
    /* Holidays are not early closes (Christmas Eve 2021 was the observed Christmas). */
    assert_false(qc_calendar_is_early_close(cal, day(2021, 12, 24)));
    assert_false(qc_calendar_is_early_close(cal, day(2020, 7, 3)));
    /* Every early close is a session; at most 4 a year; 2 in 2023 (Christmas Eve was a Sunday),
     * 3 in 2024. */
    for (int y = 1990; y <= 2035; y++) {
        int count = 0;
        for (int64_t d = day(y, 1, 1); d < day(y + 1, 1, 1); d++) {
            if (!qc_calendar_is_early_close(cal, d)) continue;
            assert_true(qc_calendar_is_session(cal, d));
            count++;
        }
        assert_true(count <= 4);
        if (y == 2023) assert_int_equal(count, 2);
        if (y == 2024) assert_int_equal(count, 3);
    }
}

/* ---- session times --------------------------------------------------------------------------- */

static int64_t utc(int y, int m, int d, int hh, int mi) {
    return day(y, m, d) * QC_NS_PER_DAY + hh * QC_NS_PER_HOUR + mi * QC_NS_PER_MIN;
}

static void test_session_times(void **state) {
    (void)state;
    const qc_calendar *cal = nyse();
    int64_t open, close;
    assert_true(qc_calendar_session(cal, day(2024, 1, 2), &open, &close)); /* winter: EST */
    assert_int_equal(open, utc(2024, 1, 2, 14, 30));
    assert_int_equal(close, utc(2024, 1, 2, 21, 0));
    assert_true(qc_calendar_session(cal, day(2024, 7, 1), &open, &close)); /* summer: EDT */
    assert_int_equal(open, utc(2024, 7, 1, 13, 30));
    assert_int_equal(close, utc(2024, 7, 1, 20, 0));
    assert_true(qc_calendar_session(cal, day(2024, 12, 24), &open, &close)); /* 13:00 EST */
    assert_int_equal(close, utc(2024, 12, 24, 18, 0));
    assert_true(qc_calendar_session(cal, day(2024, 7, 3), &open, &close)); /* 13:00 EDT */
    assert_int_equal(close, utc(2024, 7, 3, 17, 0));
    assert_true(qc_calendar_session(cal, day(2024, 3, 11), &open, &close)); /* first EDT day */
    assert_int_equal(open, utc(2024, 3, 11, 13, 30));
    assert_true(qc_calendar_session(cal, day(2024, 3, 8), &open, &close)); /* last EST day */
    assert_int_equal(open, utc(2024, 3, 8, 14, 30));
    assert_false(qc_calendar_session(cal, day(2024, 1, 1), &open, &close));
    assert_false(qc_calendar_session(cal, day(2024, 1, 6), &open, &close));
    assert_int_equal(qc_calendar_regular_close(cal, day(2024, 12, 25)), utc(2024, 12, 25, 21, 0));
    assert_int_equal(qc_calendar_regular_close(cal, day(2024, 12, 24)), utc(2024, 12, 24, 21, 0));
    assert_int_equal(qc_calendar_regular_open(cal, day(2024, 7, 4)), utc(2024, 7, 4, 13, 30));
    qc_tz tz = qc_calendar_tz(cal);
    assert_int_equal(tz.kind, QC_TZ_NEW_YORK);
    assert_string_equal(qc_calendar_name(cal), "NYSE");
}

/* ---- navigation and counting ----------------------------------------------------------------- */

static void test_next_prev(void **state) {
    (void)state;
    const qc_calendar *cal = nyse();
    assert_int_equal(qc_calendar_next_session(cal, day(2024, 12, 31)), day(2025, 1, 2));
    assert_int_equal(qc_calendar_prev_session(cal, day(2025, 1, 2)), day(2024, 12, 31));
    assert_int_equal(qc_calendar_next_session(cal, day(2023, 12, 29)), day(2024, 1, 2));
    assert_int_equal(qc_calendar_prev_session(cal, day(2024, 1, 1)), day(2023, 12, 29));
    assert_int_equal(qc_calendar_next_session(cal, day(2024, 12, 24)), day(2024, 12, 26));
    assert_int_equal(qc_calendar_next_session(cal, day(2001, 9, 10)), day(2001, 9, 17));
    assert_int_equal(qc_calendar_prev_session(cal, day(2001, 9, 17)), day(2001, 9, 10));
    assert_int_equal(qc_calendar_next_session(cal, day(2024, 3, 28)), day(2024, 4, 1));
    assert_int_equal(qc_calendar_next_session(cal, day(2035, 12, 31)), day(2036, 1, 2));
    assert_int_equal(qc_calendar_prev_session(cal, day(1990, 1, 2)), day(1989, 12, 29));
    /* Brute force over 1989..2036: next/prev are the nearest sessions (the longest gap, 9/11, is a
     * week). */
    for (int64_t d = day(1989, 1, 1); d <= day(2036, 12, 31); d++) {
        int64_t nx = qc_calendar_next_session(cal, d), pv = qc_calendar_prev_session(cal, d);
        assert_true(nx > d && nx - d <= 7 && pv < d && d - pv <= 7);
        assert_true(qc_calendar_is_session(cal, nx) && qc_calendar_is_session(cal, pv));
        for (int64_t k = d + 1; k < nx; k++)
            assert_false(qc_calendar_is_session(cal, k));
        for (int64_t k = pv + 1; k < d; k++)
            assert_false(qc_calendar_is_session(cal, k));
    }
}

static int64_t brute_count(const qc_calendar *cal, int64_t from, int64_t to) {
    int64_t n = 0;
    for (int64_t d = from; d <= to; d++)
        n += qc_calendar_is_session(cal, d);
    return n;
}

static void test_count_sessions(void **state) {
    (void)state;
    const qc_calendar *cal = nyse();
    assert_int_equal(qc_calendar_count_sessions(cal, day(2023, 1, 1), day(2023, 12, 31)), 250);
    assert_int_equal(qc_calendar_count_sessions(cal, day(2024, 1, 1), day(2024, 12, 31)), 252);
    assert_int_equal(qc_calendar_count_sessions(cal, day(2001, 1, 1), day(2001, 12, 31)), 248);
    assert_int_equal(qc_calendar_count_sessions(cal, day(2024, 1, 2), day(2024, 1, 2)), 1);
    assert_int_equal(qc_calendar_count_sessions(cal, day(2024, 1, 1), day(2024, 1, 1)), 0);
    assert_int_equal(qc_calendar_count_sessions(cal, day(2024, 1, 5), day(2024, 1, 2)), 0);
    assert_int_equal(qc_calendar_count_sessions(cal, day(2023, 12, 29), day(2024, 1, 2)), 2);
    /* Ranges inside, across and outside the table agree with counting day by day. */
    uint32_t x = 12345;
    int64_t lo = day(1985, 1, 1), span = day(2041, 1, 1) - lo;
    for (int i = 0; i < 3000; i++) {
        x = x * 1664525u + 1013904223u;
        int64_t a = lo + (int64_t)(x >> 8) % span;
        x = x * 1664525u + 1013904223u;
        int64_t b = a + (int64_t)(x >> 8) % (i % 10 == 0 ? 6000 : 40);
        assert_int_equal(qc_calendar_count_sessions(cal, a, b), brute_count(cal, a, b));
    }
    int64_t a = day(1900, 3, 1), b = day(2100, 10, 31);
    assert_int_equal(qc_calendar_count_sessions(cal, a, b), brute_count(cal, a, b));
}

static void test_sessions_per_year(void **state) {
    (void)state;
    static int64_t golden[MAX_GOLDEN];
    const qc_calendar *cal = nyse();
    int n = load_golden(golden);
    int64_t weekdays = 0;
    for (int64_t d = day(1990, 1, 1); d <= day(2035, 12, 31); d++)
        weekdays += is_weekday(d);
    double want = (double)(weekdays - n) / 46.0;
    assert_true(qc_calendar_sessions_per_year(cal) == want);
    assert_true(want > 251.0 && want < 253.0);
    print_message("NYSE sessions per year 1990-2035: %.4f\n", want);
}

/* ---- lookup and 24/7 ------------------------------------------------------------------------- */

static void test_get(void **state) {
    (void)state;
    qc_error err = {0};
    const qc_calendar *n = nyse();
    assert_ptr_equal(qc_calendar_get("nyse", &err), n);
    assert_ptr_equal(qc_calendar_get("XNYS", &err), n);
    assert_ptr_equal(qc_calendar_get("xnys", &err), n);
    const qc_calendar *a = qc_calendar_get("24/7", &err);
    assert_non_null(a);
    assert_ptr_equal(qc_calendar_get("always", &err), a);
    assert_null(qc_calendar_get("LSE", &err));
    assert_int_equal(err.code, QC_ERR_INPUT);
    assert_string_equal(err.msg, "unknown calendar 'LSE' (use NYSE or 24/7)");
    assert_null(qc_calendar_get(NULL, &err));
    assert_null(qc_calendar_get("", NULL));
}

static void test_always(void **state) {
    (void)state;
    qc_error err = {0};
    const qc_calendar *cal = qc_calendar_get("24/7", &err);
    assert_string_equal(qc_calendar_name(cal), "24/7");
    qc_tz tz = qc_calendar_tz(cal);
    assert_int_equal(tz.kind, QC_TZ_FIXED);
    assert_int_equal(tz.offset_s, 0);
    for (int64_t d = day(2023, 12, 20); d <= day(2024, 1, 10); d++) {
        assert_true(qc_calendar_is_session(cal, d));
        assert_false(qc_calendar_is_holiday(cal, d));
        assert_false(qc_calendar_is_early_close(cal, d));
        assert_int_equal(qc_calendar_next_session(cal, d), d + 1);
        assert_int_equal(qc_calendar_prev_session(cal, d), d - 1);
        int64_t open, close;
        assert_true(qc_calendar_session(cal, d, &open, &close));
        assert_int_equal(open, d * QC_NS_PER_DAY);
        assert_int_equal(close, (d + 1) * QC_NS_PER_DAY);
    }
    assert_int_equal(qc_calendar_count_sessions(cal, day(2024, 1, 1), day(2024, 12, 31)), 366);
    assert_int_equal(qc_calendar_count_sessions(cal, day(2024, 1, 2), day(2024, 1, 1)), 0);
    assert_true(qc_calendar_sessions_per_year(cal) == 365.25);
    assert_int_equal(qc_calendar_regular_open(cal, day(2024, 12, 25)), utc(2024, 12, 25, 0, 0));
    assert_int_equal(qc_calendar_regular_close(cal, day(2024, 12, 25)), utc(2024, 12, 26, 0, 0));
}

/* The table's cached DST flag gives the same open/close instants as the zone rules, every day. */
static void test_table_times_match_rules(void **state) {
    (void)state;
    const qc_calendar *cal = qc_calendar_get("NYSE", NULL);
    qc_tz ny;
    assert_int_equal(qc_tz_parse("America/New_York", &ny, NULL), QC_OK);
    for (int64_t day = qc_days_from_civil(1989, 12, 25); day <= qc_days_from_civil(2036, 1, 5); day++) {
        int y, m, d;
        qc_civil_from_days(day, &y, &m, &d);
        assert_true(qc_calendar_regular_open(cal, day) == qc_tz_local_to_utc(&ny, y, m, d, 9, 30, 0));
        assert_true(qc_calendar_regular_close(cal, day) == qc_tz_local_to_utc(&ny, y, m, d, 16, 0, 0));
        int64_t o, c;
        if (qc_calendar_session(cal, day, &o, &c) && qc_calendar_is_early_close(cal, day))
            assert_true(c == qc_tz_local_to_utc(&ny, y, m, d, 13, 0, 0));
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden_every_day),
        cmocka_unit_test(test_holiday_rules),
        cmocka_unit_test(test_outside_table),
        cmocka_unit_test(test_early_closes),
        cmocka_unit_test(test_session_times),
        cmocka_unit_test(test_next_prev),
        cmocka_unit_test(test_count_sessions),
        cmocka_unit_test(test_sessions_per_year),
        cmocka_unit_test(test_get),
        cmocka_unit_test(test_always),
        cmocka_unit_test(test_table_times_match_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
