/* calendar.c: built-in trading calendars, "NYSE" (alias "XNYS") and "24/7" (alias "ALWAYS").
 * NYSE holidays come from the exchange's holiday rules plus its special closings; they are
 * checked day by day against tests/golden/nyse_holidays.csv (R timeDate, with two closings timeDate
 * lacks). Days 1990..2035 are served from a table built once on first use; other years are
 * computed on demand from the same rules, without special closings (see ny_year_holidays). */
#include "core/calendar.h"

#include <stdio.h>

#include <stdatomic.h>
#include <stddef.h>

#include "core/strutil.h"

typedef enum { CAL_NYSE, CAL_ALWAYS } cal_kind;

struct qc_calendar {
    cal_kind kind;
    const char *name;
};

static const qc_calendar g_nyse = {CAL_NYSE, "NYSE"};
static const qc_calendar g_always = {CAL_ALWAYS, "24/7"};

enum { MON = 1, TUE, WED, THU, FRI, SAT };
#define DAY_HOLIDAY 1u
#define DAY_EARLY 2u
#define DAY_DST 4u /* New York is on daylight time from 02:00 that day on (switches are at 02:00) */
#define MAX_YEAR_HOLIDAYS 24

/* ---- NYSE rules ------------------------------------------------------------------------------ */

/* Full-day closings not given by a rule (NYSE notices); timeDate lacks the last two. */
static const struct {
    short y, m, d;
} k_special_closings[] = {
    {1994, 4, 27},                                                /* President Nixon's funeral */
    {2001, 9, 11},  {2001, 9, 12},  {2001, 9, 13}, {2001, 9, 14}, /* 9/11 attacks */
    {2004, 6, 11},                                                /* President Reagan's funeral */
    {2007, 1, 2},                                                 /* President Ford's funeral */
    {2012, 10, 29}, {2012, 10, 30},                               /* Hurricane Sandy */
    {2018, 12, 5},                                                /* President G.H.W. Bush */
    {2025, 1, 9},                                                 /* President Carter */
};

/* Early closes (13:00) outside the rules in ny_early_rule: Fridays after Christmas. */
static const struct { short y, m, d; } k_special_early[] = {{1997, 12, 26}, {2003, 12, 26}};

/* Easter Sunday, anonymous Gregorian algorithm (Meeus/Jones/Butcher); y >= 1583. */
static int64_t easter(int y) {
    int a = y % 19, b = y / 100, c = y % 100, d = b / 4, e = b % 4;
    int f = (b + 8) / 25, g = (b - f + 1) / 3, h = (19 * a + b - d - g + 15) % 30;
    int i = c / 4, k = c % 4, l = (32 + 2 * e + 2 * i - h - k) % 7;
    int m = (a + 11 * h + 22 * l) / 451;
    int month = (h + l - 7 * m + 114) / 31, day = (h + l - 7 * m + 114) % 31 + 1;
    return qc_days_from_civil(y, month, day);
}

/* A fixed-date holiday moves to Friday when on Saturday, to Monday when on Sunday. */
static int64_t observed(int y, int m, int d) {
    int64_t day = qc_days_from_civil(y, m, d);
    int wd = qc_weekday(day);
    return wd == SAT ? day - 1 : wd == 0 ? day + 1 : day;
}

/* Special closings of year y (1990..2035 only) appended to out; returns the new count. */
static int add_special_closings(int y, int64_t *out, int n) {
    if (y < QC_CAL_FIRST_YEAR || y > QC_CAL_LAST_YEAR) return n;
    for (size_t i = 0; i < sizeof k_special_closings / sizeof k_special_closings[0]; i++)
        if (k_special_closings[i].y == y)
            out[n++] = qc_days_from_civil(y, k_special_closings[i].m, k_special_closings[i].d);
    return n;
}

/* NYSE full-day closings of year y (all weekdays). Modern rules: New Year's Day (Sunday -> Monday;
 * a Saturday New Year's is not observed on Friday Dec 31), MLK Day from 1998, Washington's
 * Birthday, Good Friday, Memorial Day, Juneteenth from 2022, Independence Day, Labor Day,
 * Thanksgiving, Christmas. Years before 1990 get these modern rules too (the real pre-1971 calendar
 * differed). */
static int ny_year_holidays(int y, int64_t out[MAX_YEAR_HOLIDAYS]) {
    int n = 0;
    int64_t ny = qc_days_from_civil(y, 1, 1);
    if (qc_weekday(ny) != SAT) out[n++] = qc_weekday(ny) == 0 ? ny + 1 : ny;
    if (y >= 1998) out[n++] = qc_nth_weekday(y, 1, MON, 3);
    out[n++] = qc_nth_weekday(y, 2, MON, 3);
    if (y >= 1583) out[n++] = easter(y) - 2;
    out[n++] = qc_nth_weekday(y, 5, MON, -1);
    if (y >= 2022) out[n++] = observed(y, 6, 19);
    out[n++] = observed(y, 7, 4);
    out[n++] = qc_nth_weekday(y, 9, MON, 1);
    out[n++] = qc_nth_weekday(y, 11, THU, 4);
    out[n++] = observed(y, 12, 25);
    return add_special_closings(y, out, n);
}

/* 13:00 early-close rule for a date already known to be a session. Follows the NYSE closings
 * history as collected by pandas_market_calendars / exchange_calendars:
 *  - July 3 on Mon, Tue or Thu since 1995; on Wed since 2013 (1996-2012 closed early on Friday
 *    July 5 instead when July 4 was a Thursday, and July 3 was a full day);
 *  - the day after Thanksgiving since 1993 (1992 closed at 14:00, not modelled);
 *  - Christmas Eve since 1993 (the 1990-1992 Christmas Eves closed at 14:00, not modelled);
 *  - ad hoc: 1997-12-26 and 2003-12-26. */
static int ny_early_rule(int y, int m, int d, int wd) {
    if (m == 7 && d == 3) return (y >= 1995 && wd != WED) || y >= 2013;
    if (m == 7 && d == 5) return wd == FRI && y >= 1996 && y <= 2012;
    if (m == 11) return wd == FRI && d >= 23 && d <= 29 && y >= 1993;
    if (m == 12 && d == 24) return y >= 1993;
    for (size_t i = 0; i < sizeof k_special_early / sizeof k_special_early[0]; i++)
        if (k_special_early[i].y == y && k_special_early[i].m == m && k_special_early[i].d == d)
            return 1;
    return 0;
}

/* DAY_HOLIDAY / DAY_EARLY flags of a weekday, computed from the rules. */
static unsigned ny_flags_slow(int64_t day) {
    int y, m, d, wd = qc_weekday(day);
    if (wd == 0 || wd == SAT) return 0;
    qc_civil_from_days(day, &y, &m, &d);
    int64_t hol[MAX_YEAR_HOLIDAYS];
    int n = ny_year_holidays(y, hol);
    for (int i = 0; i < n; i++)
        if (hol[i] == day) return DAY_HOLIDAY;
    return ny_early_rule(y, m, d, wd) ? DAY_EARLY : 0;
}

/* ---- NYSE table for 1990..2035 --------------------------------------------------------------- */

#define TABLE_DAYS 16801 /* 1990-01-01 .. 2035-12-31: 46 * 365 + 11 leap days */

static int64_t table_first_day(void) { return qc_days_from_civil(QC_CAL_FIRST_YEAR, 1, 1); }

/* Built once: the first caller to move the state from 0 to 1 fills the table and publishes it
 * (state 2, release); callers that find it not ready use ny_flags_slow, so concurrent first calls
 * never wait and never race. g_cum[i] = sessions before table day i. */
static uint8_t g_flags[TABLE_DAYS];
static int32_t g_cum[TABLE_DAYS + 1];
static atomic_int g_table_state;

static void build_table(void) {
    int64_t first = table_first_day();
    int32_t sessions = 0;
    for (int i = 0; i < TABLE_DAYS; i++) {
        int64_t day = first + i;
        int wd = qc_weekday(day);
        qc_tz ny = {QC_TZ_NEW_YORK, 0};
        int dst = qc_tz_offset_at(&ny, day * QC_NS_PER_DAY + 17 * QC_NS_PER_HOUR) == -4 * 3600;
        g_flags[i] = (uint8_t)(ny_flags_slow(day) | (dst ? DAY_DST : 0));
        g_cum[i] = sessions;
        sessions += wd != 0 && wd != SAT && !(g_flags[i] & DAY_HOLIDAY);
    }
    g_cum[TABLE_DAYS] = sessions;
}

static int table_ready(void) {
    int state = atomic_load_explicit(&g_table_state, memory_order_acquire);
    if (state == 2) return 1;
    int expected = 0;
    if (state != 0 || !atomic_compare_exchange_strong_explicit(
                          &g_table_state, &expected, 1, memory_order_acq_rel, memory_order_acquire))
        return 0;
    build_table();
    atomic_store_explicit(&g_table_state, 2, memory_order_release);
    return 1;
}

/* Table index of day, or -1 when outside 1990..2035 or the table is not ready yet. */
static int64_t table_index(int64_t day) {
    int64_t i = day - table_first_day();
    if (i < 0 || i >= TABLE_DAYS || !table_ready()) return -1;
    return i;
}

static unsigned ny_flags(int64_t day) {
    int64_t i = table_index(day);
    return i >= 0 ? g_flags[i] : ny_flags_slow(day);
}

/* ---- session counting ------------------------------------------------------------------------ */

/* Weekdays in [day 4 .. n) (day 4 = 1970-01-05, a Monday), negative for n < 4: closed form. */
static int64_t weekdays_before(int64_t n) {
    int64_t a = n - 4;
    int64_t q = a / 7 - (a % 7 < 0), r = a - 7 * q;
    return 5 * q + (r < 5 ? r : 5);
}

/* Sessions in [from, to] by the rules: weekdays minus the holidays of each year in the range. */
static int64_t ny_count_slow(int64_t from, int64_t to) {
    int y0, y1, m, d;
    qc_civil_from_days(from, &y0, &m, &d);
    qc_civil_from_days(to, &y1, &m, &d);
    int64_t count = weekdays_before(to + 1) - weekdays_before(from);
    for (int y = y0; y <= y1; y++) {
        int64_t hol[MAX_YEAR_HOLIDAYS];
        int n = ny_year_holidays(y, hol);
        for (int i = 0; i < n; i++)
            count -= hol[i] >= from && hol[i] <= to;
    }
    return count;
}

static int64_t ny_count(int64_t from, int64_t to) {
    int64_t i = table_index(from), j = table_index(to);
    if (i >= 0 && j >= 0) return g_cum[j + 1] - g_cum[i];
    return ny_count_slow(from, to);
}

/* ---- public API ------------------------------------------------------------------------------ */

const qc_calendar *qc_calendar_get(const char *name, qc_error *err) {
    if (name && (qc_str_ieq(name, "NYSE") || qc_str_ieq(name, "XNYS"))) return &g_nyse;
    if (name && (qc_str_ieq(name, "24/7") || qc_str_ieq(name, "ALWAYS"))) return &g_always;
    qc_err_set(err, QC_ERR_INPUT, "unknown calendar '%.40s' (use NYSE or 24/7)", name ? name : "");
    return NULL;
}

const char *qc_calendar_name(const qc_calendar *cal) { return cal->name; }

qc_tz qc_calendar_tz(const qc_calendar *cal) {
    qc_tz tz = {cal->kind == CAL_NYSE ? QC_TZ_NEW_YORK : QC_TZ_FIXED, 0};
    return tz;
}

int64_t qc_calendar_local_day(const qc_calendar *cal, int64_t ts_ns) {
    qc_tz tz = qc_calendar_tz(cal);
    return qc_ts_day(ts_ns + (int64_t)qc_tz_offset_at(&tz, ts_ns) * QC_NS_PER_SEC);
}

size_t qc_calendar_format_stamp(const qc_calendar *cal, int64_t ts_ns, int64_t interval_s, char *buf,
                                size_t n) {
    if (ts_ns == QC_TS_NONE) {
        if (n) snprintf(buf, n, "-");
        return 1;
    }
    if (interval_s != 86400) return qc_time_format_iso(ts_ns, buf, n);
    return qc_time_format_date(qc_calendar_local_day(cal, ts_ns) * QC_NS_PER_DAY, buf, n);
}

int qc_calendar_is_holiday(const qc_calendar *cal, int64_t day) {
    return cal->kind == CAL_NYSE && (ny_flags(day) & DAY_HOLIDAY) != 0;
}

int qc_calendar_is_session(const qc_calendar *cal, int64_t day) {
    if (cal->kind == CAL_ALWAYS) return 1;
    int wd = qc_weekday(day);
    return wd != 0 && wd != SAT && !(ny_flags(day) & DAY_HOLIDAY);
}

int qc_calendar_is_early_close(const qc_calendar *cal, int64_t day) {
    return cal->kind == CAL_NYSE && (ny_flags(day) & DAY_EARLY) != 0;
}

/* Wall-clock time hh:mm (hh >= 3, after any DST switch of that day) of `day` in New York, as UTC
 * ns. The table's DST flag makes this a few adds on the CSV import path. */
static int64_t ny_at(int64_t day, int hh, int mi) {
    int64_t i = table_index(day);
    if (i >= 0) {
        int64_t offset_s = (g_flags[i] & DAY_DST) ? -4 * 3600 : -5 * 3600;
        return day * QC_NS_PER_DAY + ((int64_t)hh * 3600 + mi * 60 - offset_s) * QC_NS_PER_SEC;
    }
    qc_tz tz = {QC_TZ_NEW_YORK, 0};
    int y, m, d;
    qc_civil_from_days(day, &y, &m, &d);
    return qc_tz_local_to_utc(&tz, y, m, d, hh, mi, 0);
}

int64_t qc_calendar_regular_open(const qc_calendar *cal, int64_t day) {
    return cal->kind == CAL_NYSE ? ny_at(day, 9, 30) : day * QC_NS_PER_DAY;
}

/* 24/7 closes at 24:00 UTC, i.e. the next day's 00:00. */
int64_t qc_calendar_regular_close(const qc_calendar *cal, int64_t day) {
    return cal->kind == CAL_NYSE ? ny_at(day, 16, 0) : (day + 1) * QC_NS_PER_DAY;
}

int qc_calendar_session(const qc_calendar *cal, int64_t day, int64_t *open_ns, int64_t *close_ns) {
    if (!qc_calendar_is_session(cal, day)) return 0;
    *open_ns = qc_calendar_regular_open(cal, day);
    *close_ns = qc_calendar_is_early_close(cal, day) ? ny_at(day, 13, 0)
                                                     : qc_calendar_regular_close(cal, day);
    return 1;
}

/* NYSE never has more than four closed days in a row, so these loops are short. */
int64_t qc_calendar_next_session(const qc_calendar *cal, int64_t day) {
    do
        day++;
    while (!qc_calendar_is_session(cal, day));
    return day;
}

int64_t qc_calendar_prev_session(const qc_calendar *cal, int64_t day) {
    do
        day--;
    while (!qc_calendar_is_session(cal, day));
    return day;
}

/* O(1) inside 1990..2035, O(years) outside. */
int64_t qc_calendar_count_sessions(const qc_calendar *cal, int64_t from_day, int64_t to_day) {
    if (from_day > to_day) return 0;
    if (cal->kind == CAL_ALWAYS) return to_day - from_day + 1;
    return ny_count(from_day, to_day);
}

double qc_calendar_sessions_per_year(const qc_calendar *cal) {
    if (cal->kind == CAL_ALWAYS) return 365.25;
    int64_t from = qc_days_from_civil(QC_CAL_FIRST_YEAR, 1, 1);
    int64_t to = qc_days_from_civil(QC_CAL_LAST_YEAR, 12, 31);
    return (double)ny_count(from, to) / (QC_CAL_LAST_YEAR - QC_CAL_FIRST_YEAR + 1);
}
