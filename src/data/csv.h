/* csv.h: market-data CSV import and export. Accepts
 *   date,open,high,low,close,volume[,adj_close]   (any column order, case-insensitive header;
 *                                                 "timestamp"/"time"/"datetime" name the date)
 *   date,close  or  date,SYM1,SYM2,...           (close-only: one series per close column)
 * Dates are YYYY-MM-DD (the session close of that day), ISO 8601 date-times (UTC unless a tz is
 * given) or epoch seconds. Tolerates a UTF-8 BOM, CRLF and RFC 4180 quotes. Hand-written rather than
 * libcsv: the import path needs >= 2M rows/s and file:line:field diagnostics for every bad cell. */
#ifndef QC_DATA_CSV_H
#define QC_DATA_CSV_H

#include <stdio.h>

#include "core/calendar.h"
#include "core/error.h"
#include "core/time.h"
#include "data/series.h"

typedef struct {
    const char *label;          /* file name used in messages */
    qc_tz tz;                   /* zone of date-times without an offset (default UTC) */
    const qc_calendar *cal;     /* maps date-only rows to the session close (default NYSE) */
    int stamp_open;             /* date-time stamps are bar open times: shift to close by interval */
    int64_t interval_s;         /* 0 = infer from the data */
} qc_csv_opts;

void qc_csv_opts_init(qc_csv_opts *o);

/* A row that could not be parsed. */
typedef struct {
    size_t line;        /* 1-based physical line */
    char field[32];     /* column name, or "" for the whole row */
    char msg[160];
} qc_csv_bad_row;

typedef struct {
    int close_only;     /* the file had no open/high/low columns */
    int has_volume, has_adj_close;
    qc_time_kind time_kind; /* of the first data row */
    int64_t interval_s; /* given or inferred (median spacing; 86400 for date-only files) */
    size_t n_rows;      /* data rows read (excluding header and blank lines) */
    size_t n_series;
    char **names;       /* close-column names for close-only multi-symbol files; NULL otherwise */
    qc_bars *series;    /* n_series series in file order (not yet validated or sorted) */
    uint32_t **lines;   /* lines[s][i]: source line of series s row i */
    qc_csv_bad_row *bad;
    size_t n_bad, cap_bad;
} qc_csv_result;

/* Parses a whole buffer. Structural problems (empty input, no/unknown header, NUL bytes,
 * unterminated quote, no valid rows) fail with QC_ERR_INPUT naming label:line. Row-level problems
 * land in out->bad for the validation policy to decide. */
qc_err qc_csv_parse(const char *buf, size_t len, const qc_csv_opts *opts, qc_csv_result *out,
                    qc_error *err);
qc_err qc_csv_read_file(const char *path, const qc_csv_opts *opts, qc_csv_result *out, qc_error *err);
void qc_csv_result_free(qc_csv_result *r);

/* Writes bars with the import header (date,open,high,low,close,volume[,adj_close]); daily bars as
 * YYYY-MM-DD of their session date in the calendar zone, others as ISO UTC close stamps. */
qc_err qc_csv_write_bars(FILE *f, const qc_bars *b, int64_t interval_s, const qc_calendar *cal,
                         qc_error *err);

#endif
