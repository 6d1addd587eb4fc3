/* test_series.c: bar series growth and filtering, interval names, the aligned panel, and session
 * resampling (5-minute bars to hours and days, including an NYSE early close). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "core/calendar.h"
#include "data/series.h"

static void test_push_filter(void **state) {
    (void)state;
    qc_bars b = {0};
    for (int i = 0; i < 1000; i++) assert_int_equal(qc_bars_push(&b, i, i - 1, i, i, i, i, i, NAN, 0, NULL), QC_OK);
    assert_int_equal(b.n, 1000);
    assert_true(qc_bars_is_strictly_increasing(&b));
    uint8_t keep[1000];
    for (int i = 0; i < 1000; i++) keep[i] = i % 3 == 0;
    qc_bars_filter(&b, keep);
    assert_int_equal(b.n, 334);
    assert_true(b.close[1] == 3 && b.ts[333] == 999);
    qc_bars_free(&b);
    assert_int_equal(b.n, 0);
}

static void test_intervals(void **state) {
    (void)state;
    int64_t s;
    qc_error e = {0};
    const char *ok[] = {"1d", "5m", "1h", "30s", "1w"};
    int64_t want[] = {86400, 300, 3600, 30, 604800};
    for (int i = 0; i < 5; i++) {
        assert_int_equal(qc_interval_parse(ok[i], &s, &e), QC_OK);
        assert_true(s == want[i]);
        char buf[16];
        qc_interval_format(s, buf, sizeof buf);
        assert_string_equal(buf, ok[i]);
    }
    const char *bad[] = {"", "d", "0d", "-1d", "5x", "1.5h", "99999999d"};
    for (int i = 0; i < 7; i++) assert_int_equal(qc_interval_parse(bad[i], &s, &e), QC_ERR_INPUT);
}

static void test_panel(void **state) {
    (void)state;
    qc_bars a = {0}, b = {0};
    for (int i = 0; i < 5; i++) qc_bars_push(&a, 10 * i, 0, 1, 1, 1, 100 + i, 1, NAN, 0, NULL);
    for (int i = 0; i < 4; i++) qc_bars_push(&b, 15 * i, 0, 1, 1, 1, 200 + i, 1, NAN, 0, NULL);
    const qc_bars *ser[2] = {&a, &b};
    const char *names[2] = {"A", "B"};
    qc_panel p;
    qc_error e = {0};
    assert_int_equal(qc_panel_build(&p, ser, names, 2, &e), QC_OK);
    /* union of {0,10,20,30,40} and {0,15,30,45} */
    int64_t want[] = {0, 10, 15, 20, 30, 40, 45};
    assert_int_equal(p.n_ts, 7);
    for (int t = 0; t < 7; t++) assert_true(p.ts[t] == want[t]);
    assert_true(p.close[0 * 7 + 4] == 103);
    assert_true(isnan(p.close[0 * 7 + 2]));
    assert_true(p.close[1 * 7 + 2] == 201 && p.close[1 * 7 + 6] == 203);
    assert_string_equal(p.symbols[1], "B");
    qc_panel_free(&p);
    qc_bars_free(&a);
    qc_bars_free(&b);
}

/* 5-minute bars over the regular session of the NYSE day `day`; close = minute index. */
static void five_minute_day(qc_bars *b, int64_t day) {
    const qc_calendar *cal = qc_calendar_get("NYSE", NULL);
    int64_t o, c;
    assert_true(qc_calendar_session(cal, day, &o, &c));
    for (int64_t t = o; t < c; t += 5 * QC_NS_PER_MIN) {
        double k = (double)((t - o) / QC_NS_PER_MIN);
        qc_bars_push(b, t + 5 * QC_NS_PER_MIN, t, 100 + k, 100.5 + k, 99.5 + k, 100.2 + k, 10, NAN, 0, NULL);
    }
}

static void test_resample_sessions(void **state) {
    (void)state;
    const qc_calendar *cal = qc_calendar_get("NYSE", NULL);
    qc_bars m5 = {0}, d = {0}, h = {0};
    int64_t wed = qc_days_from_civil(2024, 11, 27), fri = qc_days_from_civil(2024, 11, 29);
    five_minute_day(&m5, wed); /* 78 bars */
    five_minute_day(&m5, fri); /* early close: 42 bars */
    assert_int_equal(m5.n, 78 + 42);
    qc_error e = {0};
    assert_int_equal(qc_bars_resample(&m5, 86400, cal, &d, &e), QC_OK);
    assert_int_equal(d.n, 2);
    int64_t o, c;
    qc_calendar_session(cal, fri, &o, &c);
    assert_true(d.ts[1] == c && d.open_ts[1] == o);
    assert_true(d.ts[1] - d.open_ts[1] == (int64_t)(3.5 * 3600) * QC_NS_PER_SEC);
    assert_true(d.open[0] == 100 && d.close[0] == 100.2 + 385 && d.high[0] == 100.5 + 385 && d.low[0] == 99.5);
    assert_true(d.volume[0] == 780 && d.volume[1] == 420);
    assert_int_equal(qc_bars_resample(&m5, 3600, cal, &h, &e), QC_OK);
    assert_int_equal(h.n, 7 + 4); /* 9:30-10:30 ... 15:30-16:00; 9:30 ... 12:30-13:00 */
    assert_true(h.ts[6] - h.open_ts[6] == 30 * QC_NS_PER_MIN);
    assert_true(h.volume[0] == 120 && h.volume[6] == 60);
    assert_true(h.ts[10] == c);
    qc_bars_free(&m5);
    qc_bars_free(&d);
    qc_bars_free(&h);
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_push_filter), cmocka_unit_test(test_intervals),
                                       cmocka_unit_test(test_panel), cmocka_unit_test(test_resample_sessions)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
