/* test_csv.c: the CSV reader and writer: layouts, stamps (session close for dates), numbers
 * (exactly strtod's), bad rows reported with line and field, structural errors, round trip. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/time.h"
#include "data/csv.h"

#define S(x) x, strlen(x)
#define NS(sec) ((int64_t)(sec) * QC_NS_PER_SEC)

static qc_err parse(const char *text, qc_csv_result *r, qc_error *e) {
    qc_csv_opts o;
    qc_csv_opts_init(&o);
    o.label = "t.csv";
    return qc_csv_parse(text, strlen(text), &o, r, e);
}

static void test_ohlc_daily_session_close(void **state) {
    (void)state;
    qc_csv_result r;
    qc_error e = {0};
    assert_int_equal(parse("\xEF\xBB\xBF" "Date,Open,High,Low,Close,Volume,Adj_Close\r\n"
                           "2024-01-02,10,11,9,10.5,1000,10.4\r\n"
                           "2024-07-01,10,11,9,10.5,,10.4\r\n"
                           "2024-11-29,1,2,0.5,1.5,3,\r\n",
                           &r, &e),
                     QC_OK);
    assert_int_equal(r.n_series, 1);
    assert_false(r.close_only);
    assert_int_equal(r.interval_s, 86400);
    qc_bars *b = &r.series[0];
    assert_int_equal(b->n, 3);
    assert_true(b->ts[0] == NS(1704229200));       /* 16:00 EST = 21:00Z */
    assert_true(b->open_ts[0] == NS(1704229200 - 6 * 3600 - 1800)); /* 09:30 EST */
    assert_true(b->ts[1] == NS(1719864000));       /* 16:00 EDT = 20:00Z */
    assert_true(b->ts[2] == NS(1732903200));       /* early close 13:00 EST */
    assert_true(b->close[0] == 10.5 && b->adj_close[0] == 10.4);
    assert_true(isnan(b->volume[1]) && (b->flags[1] & QC_BAR_NO_VOLUME));
    assert_true(isnan(b->adj_close[2]));
    assert_int_equal(r.lines[0][2], 4);
    qc_csv_result_free(&r);
}

static void test_datetimes_and_epoch(void **state) {
    (void)state;
    qc_csv_result r;
    qc_error e = {0};
    assert_int_equal(parse("timestamp,open,high,low,close,volume\n"
                           "2024-01-02T14:31:00Z,1,1,1,1,1\n"
                           "2024-01-02 14:32:00,1,1,1,1,1\n"
                           "2024-01-02T09:33:00-05:00,1,1,1,1,1\n",
                           &r, &e),
                     QC_OK);
    assert_int_equal(r.interval_s, 60);
    assert_true(r.series[0].ts[1] - r.series[0].ts[0] == NS(60));
    assert_true(r.series[0].ts[2] - r.series[0].ts[1] == NS(60));
    assert_true(r.series[0].open_ts[0] == r.series[0].ts[0] - NS(60));
    qc_csv_result_free(&r);
    assert_int_equal(parse("time,close\n1704205860,5\n1704205920,6\n", &r, &e), QC_OK);
    assert_true(r.series[0].ts[0] == NS(1704205860));
    assert_int_equal(r.time_kind, QC_TIME_EPOCH);
    qc_csv_result_free(&r);
    /* a zone for stamps without offset, and --stamp open */
    qc_csv_opts o;
    qc_csv_opts_init(&o);
    assert_int_equal(qc_tz_parse("America/New_York", &o.tz, &e), QC_OK);
    o.stamp_open = 1;
    const char *t = "date,close\n2024-01-02 09:30,1\n2024-01-02 09:35,1\n2024-01-02 09:40,1\n";
    assert_int_equal(qc_csv_parse(t, strlen(t), &o, &r, &e), QC_OK);
    assert_int_equal(r.interval_s, 300);
    assert_true(r.series[0].open_ts[0] == NS(1704205800)); /* 14:30Z */
    assert_true(r.series[0].ts[0] == NS(1704205800 + 300));
    qc_csv_result_free(&r);
}

static void test_close_only_columns(void **state) {
    (void)state;
    qc_csv_result r;
    qc_error e = {0};
    assert_int_equal(parse("date,AAPL,\"MSFT\",BRK.B\n2024-01-02,1,2,3\n2024-01-03,,2.5,\"3.5\"\n", &r, &e), QC_OK);
    assert_true(r.close_only);
    assert_int_equal(r.n_series, 3);
    assert_string_equal(r.names[1], "MSFT");
    assert_int_equal(r.series[0].n, 1);
    assert_int_equal(r.series[1].n, 2);
    assert_true(r.series[2].close[1] == 3.5 && r.series[2].open[1] == 3.5 && r.series[2].high[1] == 3.5);
    assert_true(r.series[1].flags[0] & QC_BAR_CLOSE_ONLY);
    qc_csv_result_free(&r);
}

static void test_numbers_match_strtod(void **state) {
    (void)state;
    /* random decimals of every shape; the fast path must equal strtod bit for bit */
    size_t n = 20000, cap = n * 64 + 64, len = 0;
    char *buf = malloc(cap);
    double *want = malloc(n * sizeof *want);
    len += (size_t)snprintf(buf, cap, "date,AAA\n");
    uint64_t x = 88172645463325252ull;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        char num[48];
        int kind = (int)(x % 6);
        uint64_t m = (x >> 8) % 100000000000000000ull;
        if (kind == 0) snprintf(num, sizeof num, "%llu", (unsigned long long)(m % 100000));
        else if (kind == 1) snprintf(num, sizeof num, "%llu.%02llu", (unsigned long long)(m % 10000), (unsigned long long)(x % 100));
        else if (kind == 2) snprintf(num, sizeof num, "0.%017llu", (unsigned long long)m);
        else if (kind == 3) snprintf(num, sizeof num, "%llu.%llu", (unsigned long long)m, (unsigned long long)(x % 1000));
        else if (kind == 4) snprintf(num, sizeof num, "%.6e", (double)m * 1.37e-9);
        else snprintf(num, sizeof num, "%llu.%06llu", (unsigned long long)(m % 1000), (unsigned long long)(x % 1000000));
        want[i] = strtod(num, NULL);
        /* each row on its own minute so every value is kept */
        len += (size_t)snprintf(buf + len, cap - len, "%lld,%s\n", 1700000000LL + 60 * (long long)i, num);
    }
    qc_csv_result r;
    qc_error e = {0};
    qc_csv_opts o;
    qc_csv_opts_init(&o);
    assert_int_equal(qc_csv_parse(buf, len, &o, &r, &e), QC_OK);
    assert_int_equal(r.series[0].n, n);
    for (size_t i = 0; i < n; i++) assert_memory_equal(&r.series[0].close[i], &want[i], sizeof(double));
    qc_csv_result_free(&r);
    free(buf);
    free(want);
}

static void test_bad_rows_named(void **state) {
    (void)state;
    qc_csv_result r;
    qc_error e = {0};
    assert_int_equal(parse("date,open,high,low,close,volume\n"
                           "2024-01-02,1,1,1,1,1\n"
                           "2024-01-03,1,1,1,x,1\n"
                           "2024-13-01,1,1,1,1,1\n"
                           "2024-01-05,1,1,1,1\n"
                           "\n"
                           "2024-01-08,1e400,1,1,1,1\n"
                           "2024-01-09,nan,1,1,1,1\n"
                           "2024-01-10,1,1,1,1,1\n",
                           &r, &e),
                     QC_OK);
    assert_int_equal(r.series[0].n, 2);
    assert_int_equal(r.n_bad, 5);
    assert_int_equal(r.bad[0].line, 3);
    assert_string_equal(r.bad[0].field, "close");
    assert_int_equal(r.bad[1].line, 4);
    assert_string_equal(r.bad[1].field, "date");
    assert_int_equal(r.bad[2].line, 5);
    assert_non_null(strstr(r.bad[2].msg, "expected 6 fields, got 5"));
    assert_int_equal(r.bad[3].line, 7);
    assert_string_equal(r.bad[3].field, "open");
    assert_int_equal(r.bad[4].line, 8);
    qc_csv_result_free(&r);
}

static void test_structural_errors(void **state) {
    (void)state;
    struct {
        const char *text;
        size_t len;
        const char *msg;
    } t[] = {
        {S(""), "empty file"},
        {S("\n\n"), "empty file"},
        {S("open,high,low,close\n1,2,3,4\n"), "no date column"},
        {S("date,open,close\n2024-01-02,1,1\n"), "some of open/high/low"},
        {S("date,close,close\n2024-01-02,1,1\n"), "header names 'close' twice"},
        {S("date,open,high,low,close\n\"2024-01-02,1,1,1,1\n"), "t.csv:2: unterminated"},
        {"date,close\n2024-01-02,1\0\n", 26, "t.csv:2: NUL byte"},
        {S("date,close\n"), "no data rows"},
        {S("date,close\nxx,1\nyy,2\n"), "no valid rows"},
        {S("date,open,high,low,close\n2024-01-02,1,1,1,1\n2024-01-03T10:00:00Z,1,1,1,1\n"), NULL},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        qc_csv_result r;
        qc_error e = {0};
        qc_csv_opts o;
        qc_csv_opts_init(&o);
        o.label = "t.csv";
        qc_err rc = qc_csv_parse(t[i].text, t[i].len, &o, &r, &e);
        if (!t[i].msg) { /* mixing dates and date-times is a row problem */
            assert_int_equal(rc, QC_OK);
            assert_int_equal(r.n_bad, 1);
            qc_csv_result_free(&r);
            continue;
        }
        assert_int_equal(rc, QC_ERR_INPUT);
        if (!strstr(e.msg, t[i].msg)) fail_msg("case %zu: '%s' lacks '%s'", i, e.msg, t[i].msg);
    }
}

static void test_write_roundtrip(void **state) {
    (void)state;
    const char *text = "date,open,high,low,close,volume,adj_close\n"
                       "2024-01-02,185.64,188.44,183.885,185.64,82488700,184.73\n"
                       "2024-01-03,184.22,185.88,183.43,184.25,58414500,\n";
    qc_csv_result r;
    qc_error e = {0};
    assert_int_equal(parse(text, &r, &e), QC_OK);
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    assert_int_equal(qc_csv_write_bars(f, &r.series[0], 86400, qc_calendar_get("NYSE", NULL), &e), QC_OK);
    fclose(f);
    assert_string_equal(out, text);
    free(out);
    qc_csv_result_free(&r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ohlc_daily_session_close), cmocka_unit_test(test_datetimes_and_epoch),
        cmocka_unit_test(test_close_only_columns),       cmocka_unit_test(test_numbers_match_strtod),
        cmocka_unit_test(test_bad_rows_named),           cmocka_unit_test(test_structural_errors),
        cmocka_unit_test(test_write_roundtrip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
