/* test_report.c: backtest/report.c, the HTML tear sheet. A hand-built three-year daily run on NYSE
 * session closes (one month constructed to be exactly +10%), checked for: all charts present, no
 * NaN/inf coordinates, no network references, the monthly heatmap, HTML escaping, determinism,
 * the edge cases (one point, flat, NaN, no trades, no benchmark, 200k points), write errors.
 * With QC_REPORT_OUT set, the program only writes the sample report there and exits
 * (tests/scripts/report_chromium.sh renders it in headless Chromium). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h> /* after the four headers it needs */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "backtest/report.h"

#define MAX_DAYS 1000

static const char *const k_symbols[] = {"SPY", "A<B&C", "QQQ"};

/* One sample run, its arrays owned here. */
typedef struct {
    int64_t ts[MAX_DAYS];
    double equity[MAX_DAYS], bench[MAX_DAYS];
    qc_roundtrip trades[8];
    qc_metrics m;
    qc_report_input in;
} sample;

static const qc_calendar *cal_get(const char *name) {
    qc_error err = {0};
    const qc_calendar *cal = qc_calendar_get(name, &err);
    assert_non_null(cal);
    return cal;
}

static uint64_t g_rng;
static double rnd(void) { /* uniform [-1, 1), deterministic */
    g_rng = g_rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(g_rng >> 11) / 4503599627370496.0 - 1.0;
}

static int month_of(const qc_calendar *cal, int64_t ts) {
    int y, m, d;
    qc_civil_from_days(qc_calendar_local_day(cal, ts), &y, &m, &d);
    return y * 100 + m;
}

static void fill_metrics(qc_metrics *m, size_t n, double final_equity) {
    memset(m, 0, sizeof *m);
    m->n_periods = n;
    m->periods_per_year = 252;
    m->initial_equity = 100000;
    m->final_equity = final_equity;
    m->total_return = 0.2534;
    m->cagr = 0.0784;
    m->volatility = 0.1512;
    m->sharpe = 0.871;
    m->sortino = 1.234;
    m->calmar = NAN; /* shown as n/a */
    m->sharpe_per_period = 0.0549;
    m->max_drawdown = 0.1823;
    m->dd_peak_ts = QC_TS_NONE;
    m->dd_trough_ts = QC_TS_NONE;
    m->dd_recovery_ts = QC_TS_NONE;
    m->dd_duration = 57;
    m->skew = -0.31;
    m->kurtosis = 4.2;
    m->var = 0.0151;
    m->cvar = 0.0222;
    m->n_trades = 5;
    m->hit_rate = 0.6;
    m->profit_factor = INFINITY; /* no losing trade: shown as infinity */
    m->avg_win = 1234.5;
    m->avg_loss = -321.0;
    m->turnover = 3.25;
    m->exposure = 0.874;
    m->psr = 0.912;
    m->dsr = 0.655;
    m->min_trl = 812.4;
}

/* Three years of NYSE session closes 2020-2022; a random walk whose March 2021 is exactly +10%. */
static sample *sample_build(void) {
    const qc_calendar *cal = cal_get("NYSE");
    sample *s = calloc(1, sizeof *s);
    assert_non_null(s);
    g_rng = 42;
    size_t n = 0;
    double e = 100000, b = 100000, month_base = e;
    int64_t day = qc_days_from_civil(2019, 12, 31), last = qc_days_from_civil(2022, 12, 31);
    for (day = qc_calendar_next_session(cal, day); day <= last; day = qc_calendar_next_session(cal, day)) {
        int64_t open_ns, close_ns;
        assert_true(qc_calendar_session(cal, day, &open_ns, &close_ns));
        assert_true(n < MAX_DAYS);
        s->ts[n] = close_ns;
        if (n > 0 && month_of(cal, s->ts[n]) != month_of(cal, s->ts[n - 1])) month_base = s->equity[n - 1];
        e *= 1 + 0.0004 + 0.01 * rnd();
        b *= 1 + 0.0003 + 0.012 * rnd();
        int64_t next = qc_calendar_next_session(cal, day);
        int64_t nopen, nclose;
        qc_calendar_session(cal, next, &nopen, &nclose);
        if (month_of(cal, close_ns) == 202103 && month_of(cal, nclose) == 202104) e = month_base * 1.1;
        s->equity[n] = e;
        s->bench[n] = b;
        n++;
    }
    for (int i = 0; i < 5; i++) {
        qc_roundtrip *t = &s->trades[i];
        t->symbol = (uint32_t)(i % 3);
        t->side = i % 2 ? -1 : 1;
        t->qty = 100 + 10 * i;
        t->entry_ts = s->ts[40 * i + 3];
        t->exit_ts = s->ts[40 * i + 20];
        t->entry_price = 100 + i;
        t->exit_price = 101.5 + i * (i % 2 ? -1 : 1);
        t->costs = 1.25;
        t->pnl = t->side * (t->exit_price - t->entry_price) * t->qty - t->costs;
        t->ret = t->pnl / (t->entry_price * t->qty);
        t->bars_held = 17;
    }
    fill_metrics(&s->m, n, e);
    qc_report_input *in = &s->in;
    in->title = "sma_cross(fast=10, slow=50) on <SYN00> & co";
    in->subtitle = "NYSE daily closes; fills next open; costs 1 bps";
    in->ts = s->ts;
    in->equity = s->equity;
    in->benchmark = s->bench;
    in->n = n;
    in->initial_equity = 100000;
    in->metrics = &s->m;
    in->trades = s->trades;
    in->n_trades = 5;
    in->symbols = k_symbols;
    in->n_symbols = 3;
    in->interval_s = 86400;
    in->cal = cal;
    return s;
}

/* Renders into a heap string (caller frees); asserts success. */
static char *render(const qc_report_input *in, size_t *len_out) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    qc_error err = {0};
    qc_err rc = qc_report_html(f, in, &err);
    if (rc != QC_OK) fail_msg("qc_report_html: %s", err.msg);
    assert_int_equal(fclose(f), 0);
    if (len_out) *len_out = len;
    return buf;
}

static size_t count(const char *hay, const char *needle) {
    size_t c = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        c++;
    return c;
}

/* The text of <svg id="id" ...>...</svg> (heap copy), or NULL when absent. */
static char *svg_of(const char *html, const char *id) {
    char key[64];
    snprintf(key, sizeof key, "<svg id=\"%s\"", id);
    const char *a = strstr(html, key);
    if (!a) return NULL;
    const char *b = strstr(a, "</svg>");
    assert_non_null(b);
    size_t n = (size_t)(b - a) + 6;
    char *out = malloc(n + 1);
    assert_non_null(out);
    memcpy(out, a, n);
    out[n] = '\0';
    return out;
}

static int contains_nocase(const char *hay, const char *needle) {
    size_t n = strlen(needle);
    for (; *hay; hay++)
        if (strncasecmp(hay, needle, n) == 0) return 1;
    return 0;
}

static const char *const k_charts[] = {"chart-equity", "chart-underwater", "chart-monthly",
                                       "chart-rolling-sharpe", "chart-histogram"};

/* Every chart present, no NaN/inf anywhere inside an <svg>, no network references. */
static void check_well_formed(const char *html) {
    assert_true(strncmp(html, "<!DOCTYPE html>", 15) == 0);
    assert_non_null(strstr(html, "</html>\n"));
    assert_int_equal(count(html, "<svg "), 5);
    assert_int_equal(count(html, "</svg>"), 5);
    for (size_t i = 0; i < sizeof k_charts / sizeof k_charts[0]; i++) {
        char *svg = svg_of(html, k_charts[i]);
        if (!svg) fail_msg("chart %s missing", k_charts[i]);
        for (char *p = svg; *p; p++) {
            if (strncasecmp(p, "nan", 3) == 0 || strncasecmp(p, "inf", 3) == 0)
                fail_msg("%s: non-finite number near: %.60s", k_charts[i], p > svg + 30 ? p - 30 : svg);
        }
        free(svg);
    }
    assert_non_null(strstr(html, "id=\"trades\""));
    static const char *const net[] = {"http:",   "https:", "//cdn", "src=",    "href=", "url(",
                                      "@import", "<link",  "<img",  "<iframe", "xlink"};
    for (size_t i = 0; i < sizeof net / sizeof net[0]; i++)
        if (contains_nocase(html, net[i])) fail_msg("network reference '%s' in report", net[i]);
}

/* ---- the full report -------------------------------------------------------------------------- */

static void test_full_report(void **state) {
    (void)state;
    sample *s = sample_build();
    assert_true(s->in.n > 750 && s->in.n < 760);
    char *html = render(&s->in, NULL);
    check_well_formed(html);
    /* legend, both lines and year ticks */
    char *eq = svg_of(html, "chart-equity");
    assert_int_equal(count(eq, "class=\"strat\""), 2); /* line + legend */
    assert_int_equal(count(eq, "class=\"bench\""), 2);
    assert_non_null(strstr(eq, ">Buy &amp; hold</text>"));
    assert_non_null(strstr(eq, ">2020</text>"));
    assert_non_null(strstr(eq, ">2021</text>"));
    assert_non_null(strstr(eq, ">2022</text>"));
    free(eq);
    /* metrics: every field, percent and n/a formatting, stamps */
    assert_non_null(strstr(html, "<td>Total return</td><td class=\"v\">25.34%</td>"));
    assert_non_null(strstr(html, "<td>Calmar</td><td class=\"v\">n/a</td>"));
    assert_non_null(strstr(html, "<td>Profit factor</td><td class=\"v\">&infin;</td>"));
    assert_non_null(strstr(html, "<td>Drawdown recovery</td><td class=\"v\">-</td>"));
    assert_non_null(strstr(html, "<td>Periods per year</td><td class=\"v\">252.00</td>"));
    assert_non_null(strstr(html, "<td>Min track record (periods)</td><td class=\"v\">812</td>"));
    assert_int_equal(count(html, "<td class=\"v\">"), 30);
    /* title and symbol escaped */
    assert_non_null(strstr(html, "<h1>sma_cross(fast=10, slow=50) on &lt;SYN00&gt; &amp; co</h1>"));
    assert_non_null(strstr(html, "<td class=\"l\">A&lt;B&amp;C</td>"));
    assert_null(strstr(html, "A<B&C"));
    assert_null(strstr(html, "<SYN00>"));
    /* the constructed +10% day is a far outlier: left out of the histogram's bars, and said so */
    char *hist = svg_of(html, "chart-histogram");
    assert_non_null(strstr(hist, "1 outlier beyond the axis not drawn"));
    assert_int_equal(count(hist, "<rect class=\"bar\""), 40);
    free(hist);
    /* the date range from the calendar formatter */
    assert_non_null(strstr(html, "2020-01-02 &ndash; 2022-12-30"));
    free(html);
    free(s);
}

static void test_heatmap(void **state) {
    (void)state;
    sample *s = sample_build();
    char *html = render(&s->in, NULL);
    char *hm = svg_of(html, "chart-monthly");
    assert_non_null(hm);
    /* 36 months + 3 years, no cell outside the data */
    assert_int_equal(count(hm, "<title>"), 39);
    char key[32];
    for (int y = 2020; y <= 2022; y++)
        for (int m = 1; m <= 12; m++) {
            snprintf(key, sizeof key, "<title>%04d-%02d ", y, m);
            if (!strstr(hm, key)) fail_msg("month %d-%02d missing", y, m);
        }
    assert_null(strstr(hm, "<title>2019-"));
    assert_null(strstr(hm, "<title>2023"));
    assert_non_null(strstr(hm, ">2021</text>"));
    /* the constructed month: exactly +10% */
    const char *mar = strstr(hm, "<title>2021-03 +10.00%</title>");
    assert_non_null(mar);
    const char *cell_end = strstr(mar, "</g>");
    const char *text = strstr(mar, ">10.0%</text>");
    assert_true(text && text < cell_end);
    /* positive: green cell */
    const char *fill = strstr(mar, "fill=\"#");
    assert_true(fill && fill < cell_end);
    unsigned rgb = (unsigned)strtoul(fill + 7, NULL, 16);
    assert_true(((rgb >> 8) & 0xff) > ((rgb >> 16) & 0xff));
    /* the year column chains month-ends: 2021's return = Dec 2021 / Dec 2020 - 1 */
    size_t dec20 = 0, dec21 = 0;
    for (size_t i = 0; i < s->in.n; i++) {
        int mo = month_of(s->in.cal, s->ts[i]);
        if (mo == 202012) dec20 = i;
        if (mo == 202112) dec21 = i;
    }
    snprintf(key, sizeof key, "<title>2021 %+.2f%%</title>", (s->equity[dec21] / s->equity[dec20] - 1) * 100);
    assert_non_null(strstr(hm, key));
    free(hm);
    free(html);
    free(s);
}

static void test_deterministic(void **state) {
    (void)state;
    sample *s = sample_build();
    size_t la, lb;
    char *a = render(&s->in, &la), *b = render(&s->in, &lb);
    assert_int_equal(la, lb);
    assert_memory_equal(a, b, la);
    free(a);
    free(b);
    free(s);
}

/* ---- edge cases ------------------------------------------------------------------------------- */

static void test_single_point(void **state) {
    (void)state;
    sample *s = sample_build();
    s->in.n = 1;
    s->in.n_trades = 0;
    char *html = render(&s->in, NULL);
    check_well_formed(html);
    assert_non_null(strstr(html, "not enough periods for a 126-period window"));
    assert_non_null(strstr(html, "No trades."));
    /* the lone point is drawn as a small ring, not an invisible zero-length line */
    char *eq = svg_of(html, "chart-equity");
    const char *strat = strstr(eq, "<path class=\"strat\" d=\"M");
    assert_non_null(strat);
    assert_non_null(strstr(strat, "a2,2 0 1,0 4,0"));
    free(eq);
    free(html);
    free(s);
}

static void test_flat_no_benchmark_no_trades(void **state) {
    (void)state;
    sample *s = sample_build();
    for (size_t i = 0; i < s->in.n; i++)
        s->equity[i] = 100000;
    s->in.benchmark = NULL;
    s->in.trades = NULL;
    s->in.n_trades = 0;
    s->in.title = NULL;
    s->in.subtitle = NULL;
    char *html = render(&s->in, NULL);
    check_well_formed(html);
    char *eq = svg_of(html, "chart-equity");
    assert_null(strstr(eq, "bench"));
    assert_null(strstr(eq, "Buy &amp; hold"));
    free(eq);
    assert_non_null(strstr(html, "<h1>Backtest report</h1>"));
    assert_non_null(strstr(html, "<title>2021-03 +0.00%</title>"));
    assert_non_null(strstr(html, "undefined: no window with a non-zero deviation"));
    free(html);
    /* flat at zero: the padded axis must still be finite */
    for (size_t i = 0; i < s->in.n; i++)
        s->equity[i] = 0;
    s->in.initial_equity = 0;
    html = render(&s->in, NULL);
    check_well_formed(html);
    free(html);
    free(s);
}

static void test_nan_values(void **state) {
    (void)state;
    sample *s = sample_build();
    for (size_t i = 100; i < 140; i++)
        s->equity[i] = NAN;
    s->equity[300] = INFINITY;
    s->bench[5] = NAN;
    s->equity[0] = NAN;
    s->in.initial_equity = NAN;
    s->trades[0].pnl = NAN;
    s->trades[1].entry_price = INFINITY;
    char *html = render(&s->in, NULL);
    check_well_formed(html);
    /* the gap breaks the strategy line into more than one subpath */
    char *eq = svg_of(html, "chart-equity");
    const char *strat = strstr(eq, "<path class=\"strat\" d=\"");
    assert_non_null(strat);
    const char *end = strchr(strat + 24, '"');
    size_t moves = 0;
    for (const char *p = strat + 24; p < end; p++)
        moves += *p == 'M';
    assert_true(moves >= 2);
    free(eq);
    free(html);
    /* everything NaN */
    for (size_t i = 0; i < s->in.n; i++)
        s->equity[i] = s->bench[i] = NAN;
    html = render(&s->in, NULL);
    check_well_formed(html);
    assert_non_null(strstr(html, "no returns"));
    free(html);
    free(s);
}

static void test_rolling_window(void **state) {
    (void)state;
    sample *s = sample_build();
    s->in.rolling_window = 20;
    char *html = render(&s->in, NULL);
    char *rs = svg_of(html, "chart-rolling-sharpe");
    assert_non_null(strstr(rs, "<path class=\"rs\" d=\"M"));
    assert_non_null(strstr(html, "Rolling Sharpe (20 periods, annualised)"));
    /* the first point is drawn at bar 19 (window full), not before */
    const char *d = strstr(rs, "<path class=\"rs\" d=\"M") + 21;
    double x = strtod(d, NULL), expect = 70 + (900 - 70 - 16) * 19.0 / (double)(s->in.n - 1);
    assert_true(fabs(x - expect) < 0.06);
    free(rs);
    free(html);
    /* window larger than the run */
    s->in.rolling_window = 5000;
    html = render(&s->in, NULL);
    assert_non_null(strstr(html, "not enough periods for a 5000-period window"));
    check_well_formed(html);
    free(html);
    free(s);
}

static void test_many_trades(void **state) {
    (void)state;
    sample *s = sample_build();
    enum { N = 520 };
    qc_roundtrip *t = calloc(N, sizeof *t);
    assert_non_null(t);
    for (size_t i = 0; i < N; i++) {
        t[i] = s->trades[i % 5];
        t[i].symbol = (uint32_t)(i % 4); /* 3 is out of range of the 3 names */
    }
    s->in.trades = t;
    s->in.n_trades = N;
    char *html = render(&s->in, NULL);
    check_well_formed(html);
    const char *table = strstr(html, "id=\"trades\"");
    assert_non_null(table);
    assert_int_equal(count(table, "<tr><td>"), 500);
    assert_non_null(strstr(html, "<p class=\"note\">20 more trades in the trades CSV</p>"));
    assert_non_null(strstr(html, "<td class=\"l\">#3</td>"));
    free(html);
    free(t);
    free(s);
}

/* 200k one-minute bars on the 24/7 calendar: bounded size, bounded points, the spike survives. */
static void test_huge_series(void **state) {
    (void)state;
    enum { N = 200000 };
    int64_t *ts = malloc(N * sizeof *ts);
    double *eq = malloc(N * sizeof *eq), *bh = malloc(N * sizeof *bh);
    assert_true(ts && eq && bh);
    g_rng = 7;
    double e = 1e6, b = 1e6;
    int64_t t0 = qc_days_from_civil(2024, 1, 1) * QC_NS_PER_DAY;
    for (size_t i = 0; i < N; i++) {
        ts[i] = t0 + (int64_t)i * 60 * QC_NS_PER_SEC;
        e *= 1 + 0.0005 * rnd();
        b *= 1 + 0.0005 * rnd();
        eq[i] = e;
        bh[i] = b;
    }
    eq[123457] = e * 3; /* a one-bar spike far above everything else */
    qc_metrics m;
    fill_metrics(&m, N, e);
    m.periods_per_year = 525960;
    qc_report_input in = {0};
    in.ts = ts;
    in.equity = eq;
    in.benchmark = bh;
    in.n = N;
    in.initial_equity = 1e6;
    in.metrics = &m;
    in.interval_s = 60;
    in.cal = cal_get("24/7");
    size_t len;
    char *html = render(&in, &len);
    check_well_formed(html);
    assert_true(len < 2 * 1024 * 1024);
    char *svg = svg_of(html, "chart-equity");
    const char *strat = strstr(svg, "<path class=\"strat\" d=\"M");
    assert_non_null(strat);
    const char *d = strat + 23, *end = strchr(d, '"');
    size_t pts = 1;
    double ymin = 1e9;
    for (const char *p = d; p < end; p++) {
        if (*p == ' ') pts++;
        if (*p == ',') ymin = fmin(ymin, strtod(p + 1, NULL));
    }
    assert_true(pts <= 2000);
    assert_true(ymin < 30); /* the spike reaches the top of the plot (y0 = 14, 5% padding) */
    assert_non_null(strstr(svg, "2024-01-01T00:00:00Z"));
    free(svg);
    free(html);
    free(ts);
    free(eq);
    free(bh);
}

/* ---- errors ----------------------------------------------------------------------------------- */

static void test_errors(void **state) {
    (void)state;
    sample *s = sample_build();
    qc_error err = {0};
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_int_equal(qc_report_html(f, NULL, &err), QC_ERR_INPUT);
    qc_report_input in = s->in;
    in.n = 0;
    assert_int_equal(qc_report_html(f, &in, &err), QC_ERR_INPUT);
    assert_non_null(strstr(err.msg, "empty"));
    in = s->in;
    in.cal = NULL;
    assert_int_equal(qc_report_html(f, &in, &err), QC_ERR_INPUT);
    in = s->in;
    in.metrics = NULL;
    assert_int_equal(qc_report_html(f, &in, &err), QC_ERR_INPUT);
    in = s->in;
    in.trades = NULL;
    assert_int_equal(qc_report_html(f, &in, &err), QC_ERR_INPUT);
    assert_int_equal(qc_report_html(NULL, &s->in, &err), QC_ERR_INPUT);
    fclose(f);
    /* a full disk */
    f = fopen("/dev/full", "w");
    if (f) {
        assert_int_equal(qc_report_html(f, &s->in, &err), QC_ERR_INPUT);
        assert_non_null(strstr(err.msg, "write failed"));
        fclose(f);
    }
    free(s);
}

/* Writes the sample report to $QC_REPORT_OUT for the Chromium rendering check. */
/* Sample mode: writes the sample report to path; returns the exit code. */
static int write_sample(const char *path) {
    sample *s = sample_build();
    FILE *f = fopen(path, "wb");
    qc_error err = {0};
    int ok = f && qc_report_html(f, &s->in, &err) == QC_OK;
    if (f && fclose(f) != 0) ok = 0;
    if (!ok) fprintf(stderr, "test_report: cannot write the sample to %s: %s\n", path, err.msg);
    free(s);
    return ok ? 0 : 1;
}

int main(void) {
    const char *sample_path = getenv("QC_REPORT_OUT");
    if (sample_path && *sample_path) return write_sample(sample_path);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_report),
        cmocka_unit_test(test_heatmap),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_single_point),
        cmocka_unit_test(test_flat_no_benchmark_no_trades),
        cmocka_unit_test(test_nan_values),
        cmocka_unit_test(test_rolling_window),
        cmocka_unit_test(test_many_trades),
        cmocka_unit_test(test_huge_series),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
