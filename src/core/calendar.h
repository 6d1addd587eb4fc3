/* calendar.h: trading calendars. NYSE: sessions, holidays (rules plus the special closings) and
 * early closes from 1990 to 2035, checked against R timeDate's holidayNYSE; "24/7" for markets
 * that never close. Used for date-only bar stamps, gap detection, annualisation and scheduling.
 * Days are day numbers (days since 1970-01-01, see core/time.h). */
#ifndef QC_CORE_CALENDAR_H
#define QC_CORE_CALENDAR_H

#include <stdint.h>

#include "core/error.h"
#include "core/time.h"

typedef struct qc_calendar qc_calendar;

#define QC_CAL_FIRST_YEAR 1990
#define QC_CAL_LAST_YEAR 2035

/* Built-in calendars by name ("NYSE", "24/7"); NULL with QC_ERR_INPUT when unknown. Static storage:
 * never freed. */
const qc_calendar *qc_calendar_get(const char *name, qc_error *err);
const char *qc_calendar_name(const qc_calendar *cal);
/* Zone of the calendar's wall clock (America/New_York for NYSE, UTC for 24/7). */
qc_tz qc_calendar_tz(const qc_calendar *cal);

/* Day number of the instant ts on the calendar's wall clock: the session date of a daily bar. */
int64_t qc_calendar_local_day(const qc_calendar *cal, int64_t ts_ns);
/* Formats a bar stamp for people and CSV files: daily bars (interval_s == 86400) as the local
 * session date "2024-01-02", others as the ISO UTC instant, QC_TS_NONE as "-". Returns length. */
size_t qc_calendar_format_stamp(const qc_calendar *cal, int64_t ts_ns, int64_t interval_s, char *buf,
                                size_t n);

/* 1 if the exchange is closed all day for a holiday or special closing (weekends excluded). */
int qc_calendar_is_holiday(const qc_calendar *cal, int64_t day);
/* 1 if `day` is a trading session. */
int qc_calendar_is_session(const qc_calendar *cal, int64_t day);
/* 1 if the session closes early (13:00 New York for NYSE). */
int qc_calendar_is_early_close(const qc_calendar *cal, int64_t day);
/* Session open and close (UTC ns) of `day`; returns 0 when day is not a session. */
int qc_calendar_session(const qc_calendar *cal, int64_t day, int64_t *open_ns, int64_t *close_ns);
/* Regular close of `day` whether or not it is a session (16:00 New York for NYSE). */
int64_t qc_calendar_regular_close(const qc_calendar *cal, int64_t day);
int64_t qc_calendar_regular_open(const qc_calendar *cal, int64_t day);
/* First session strictly after / before `day`. */
int64_t qc_calendar_next_session(const qc_calendar *cal, int64_t day);
int64_t qc_calendar_prev_session(const qc_calendar *cal, int64_t day);
/* Number of sessions in [from_day, to_day] inclusive. */
int64_t qc_calendar_count_sessions(const qc_calendar *cal, int64_t from_day, int64_t to_day);
/* Average sessions per year over the covered years (used for annualisation; NYSE ~252, 24/7 365.25
 * calendar days). */
double qc_calendar_sessions_per_year(const qc_calendar *cal);

#endif
