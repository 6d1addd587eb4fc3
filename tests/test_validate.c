/* test_validate.c: each hard check under each policy, newest-first reversal, soft checks (gaps
 * against the calendar, robust outliers, probable splits), and the reject message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "core/calendar.h"
#include "data/validate.h"

/* Daily bars on consecutive NYSE sessions from 2024-01-02; close[i] given, OHLC around it. */
static void sessions(qc_bars *b, const double *close, size_t n) {
    const qc_calendar *cal = qc_calendar_get("NYSE", NULL);
    int64_t day = qc_days_from_civil(2024, 1, 2);
    for (size_t i = 0; i < n; i++) {
        int64_t o, c;
        assert_true(qc_calendar_session(cal, day, &o, &c));
        qc_bars_push(b, c, o, close[i], close[i] * 1.01, close[i] * 0.99, close[i], 1000, NAN, 0, NULL);
        day = qc_calendar_next_session(cal, day);
    }
}

static qc_vopts opts(qc_policy p) {
    qc_vopts o;
    qc_vopts_init(&o);
    o.policy = p;
    o.cal = qc_calendar_get("NYSE", NULL);
    o.label = "f.csv";
    return o;
}

static void make_dirty(qc_bars *b, uint32_t *lines) {
    double c[8] = {10, 10.1, 10.2, 10.3, 10.4, 10.5, 10.6, 10.7};
    sessions(b, c, 8);
    b->high[1] = 9;        /* OHLC inconsistent */
    b->close[2] = -1;      /* non-positive price */
    b->volume[3] = -5;     /* negative volume */
    b->ts[5] = b->ts[4];   /* duplicate stamp */
    int64_t t = b->ts[6];  /* out of order */
    b->ts[6] = b->ts[7];
    b->ts[7] = t;
    for (uint32_t i = 0; i < 8; i++) lines[i] = i + 2;
}

static void test_reject(void **state) {
    (void)state;
    qc_bars b = {0};
    uint32_t lines[8];
    make_dirty(&b, lines);
    qc_vopts o = opts(QC_POLICY_REJECT);
    qc_vreport r;
    qc_vreport_init(&r);
    qc_error e = {0};
    assert_int_equal(qc_validate_series(&b, lines, "X", 86400, &o, &r, &e), QC_ERR_INPUT);
    assert_int_equal(r.counts[QC_CHK_OHLC], 1);
    assert_int_equal(r.counts[QC_CHK_PRICE], 1);
    assert_int_equal(r.counts[QC_CHK_VOLUME], 1);
    assert_int_equal(r.counts[QC_CHK_DUPLICATE], 1);
    assert_int_equal(r.counts[QC_CHK_ORDER], 1);
    assert_int_equal(b.n, 8); /* nothing removed under reject */
    assert_non_null(strstr(e.msg, "f.csv:9: date: timestamp earlier than line 8"));
    assert_non_null(strstr(e.msg, "5 hard problems; policy reject"));
    qc_vreport_free(&r);
    qc_bars_free(&b);
}

static void test_drop(void **state) {
    (void)state;
    qc_bars b = {0};
    uint32_t lines[8];
    make_dirty(&b, lines);
    qc_vopts o = opts(QC_POLICY_DROP);
    qc_vreport r;
    qc_vreport_init(&r);
    qc_error e = {0};
    assert_int_equal(qc_validate_series(&b, lines, "X", 86400, &o, &r, &e), QC_OK);
    assert_int_equal(b.n, 3); /* rows 0, 4, 6 survive */
    assert_true(qc_bars_is_strictly_increasing(&b));
    assert_int_equal(lines[0], 2);
    assert_int_equal(lines[1], 6);
    assert_int_equal(lines[2], 8);
    assert_int_equal(r.n_dropped, 5);
    qc_vreport_free(&r);
    qc_bars_free(&b);
}

static void test_flag(void **state) {
    (void)state;
    qc_bars b = {0};
    uint32_t lines[8];
    make_dirty(&b, lines);
    qc_vopts o = opts(QC_POLICY_FLAG);
    qc_vreport r;
    qc_vreport_init(&r);
    qc_error e = {0};
    assert_int_equal(qc_validate_series(&b, lines, "X", 86400, &o, &r, &e), QC_OK);
    assert_int_equal(b.n, 7); /* the duplicate cannot be kept twice */
    assert_true(qc_bars_is_strictly_increasing(&b));
    size_t flagged = 0;
    for (size_t i = 0; i < b.n; i++) flagged += (b.flags[i] & QC_BAR_FLAGGED) != 0;
    assert_int_equal(flagged, 4); /* ohlc, price, volume, order */
    qc_vreport_free(&r);
    qc_bars_free(&b);
}

static void test_descending_is_reversed(void **state) {
    (void)state;
    qc_bars b = {0}, d = {0};
    double c[5] = {1, 2, 3, 4, 5};
    sessions(&b, c, 5);
    for (size_t i = 5; i-- > 0;) qc_bars_push_row(&d, &b, i, NULL);
    qc_vopts o = opts(QC_POLICY_REJECT);
    qc_vreport r;
    qc_vreport_init(&r);
    qc_error e = {0};
    assert_int_equal(qc_validate_series(&d, NULL, "D", 86400, &o, &r, &e), QC_OK);
    assert_int_equal(r.n_hard, 0);
    assert_true(d.close[0] == 1 && d.close[4] == 5);
    qc_vreport_free(&r);
    qc_bars_free(&b);
    qc_bars_free(&d);
}

static void test_soft_checks(void **state) {
    (void)state;
    qc_bars b = {0};
    double c[60];
    for (int i = 0; i < 60; i++) c[i] = 100 + 0.3 * sin(i * 1.7);
    c[20] = 140;                                      /* outlier up, then back */
    for (int i = 40; i < 60; i++) c[i] = c[i] / 2.0;  /* unadjusted 2:1 split */
    sessions(&b, c, 60);
    /* drop sessions 30..32 from the series: a gap of 3 sessions */
    uint8_t keep[60];
    memset(keep, 1, sizeof keep);
    keep[30] = keep[31] = keep[32] = 0;
    qc_bars_filter(&b, keep);
    qc_vopts o = opts(QC_POLICY_REJECT);
    qc_vreport r;
    qc_vreport_init(&r);
    qc_error e = {0};
    assert_int_equal(qc_validate_series(&b, NULL, "S", 86400, &o, &r, &e), QC_OK);
    assert_int_equal(r.n_hard, 0);
    assert_int_equal(r.counts[QC_CHK_GAP], 1);
    assert_int_equal(r.counts[QC_CHK_SPLIT], 1);
    assert_int_equal(r.counts[QC_CHK_OUTLIER], 2); /* the jump up and the jump back */
    int saw = 0;
    for (size_t i = 0; i < r.n; i++) {
        if (r.items[i].check == QC_CHK_GAP) saw |= strstr(r.items[i].msg, "3 sessions missing") != NULL;
        if (r.items[i].check == QC_CHK_SPLIT) saw |= (strstr(r.items[i].msg, "2:1 split") != NULL) << 1;
    }
    assert_int_equal(saw, 3);
    qc_vreport_free(&r);
    qc_bars_free(&b);
}

static void test_policy_names(void **state) {
    (void)state;
    qc_policy p;
    qc_error e = {0};
    assert_int_equal(qc_policy_parse("DROP", &p, &e), QC_OK);
    assert_int_equal(p, QC_POLICY_DROP);
    assert_int_equal(qc_policy_parse("maybe", &p, &e), QC_ERR_INPUT);
    assert_string_equal(qc_policy_name(QC_POLICY_FLAG), "flag");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reject),      cmocka_unit_test(test_drop),         cmocka_unit_test(test_flag),
        cmocka_unit_test(test_descending_is_reversed), cmocka_unit_test(test_soft_checks),
        cmocka_unit_test(test_policy_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
