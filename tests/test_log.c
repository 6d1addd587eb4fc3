/* test_log.c: structured logging. Captures the sink in a tmpfile() and checks the text and JSON
 * forms (JSON lines parsed back with cJSON), the UTC millisecond timestamp, redaction of secret
 * keys, the threshold (a disabled QC_LOG evaluates nothing and writes nothing), truncation of long
 * records that keeps JSON valid, appending to a log file and the level/format parsers. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/log.h"

static FILE *g_sink;
static char g_out[65536];

static int setup_sink(void **state) {
    (void)state;
    g_sink = tmpfile();
    if (!g_sink) return -1;
    qc_log_setup(QC_LOG_TRACE, QC_LOG_FMT_TEXT, g_sink);
    return 0;
}

static int teardown_sink(void **state) {
    (void)state;
    qc_log_setup(QC_LOG_WARN, QC_LOG_FMT_TEXT, NULL);
    fclose(g_sink);
    return 0;
}

/* Everything written to the sink so far. */
static const char *captured(void) {
    fflush(g_sink);
    rewind(g_sink);
    size_t n = fread(g_out, 1, sizeof g_out - 1, g_sink);
    g_out[n] = '\0';
    return g_out;
}

static int count_lines(const char *s) {
    int n = 0;
    for (; *s; s++) n += *s == '\n';
    return n;
}

/* "2026-11-24T06:27:31.123Z": UTC, milliseconds. */
static void assert_timestamp(const char *ts) {
    static const char shape[] = "dddd-dd-ddTdd:dd:dd.dddZ";
    for (size_t i = 0; i < sizeof shape - 1; i++) {
        if (shape[i] == 'd')
            assert_true(isdigit((unsigned char)ts[i]));
        else
            assert_int_equal(ts[i], shape[i]);
    }
}

static cJSON *parse_line(const char *line) {
    cJSON *j = cJSON_Parse(line);
    if (!j) fail_msg("not JSON: %s", line);
    return j;
}

static void test_text_format(void **state) {
    (void)state;
    qc_log_setup(QC_LOG_TRACE, QC_LOG_FMT_TEXT, g_sink);
    int line = __LINE__ + 1;
    QC_LOG(QC_LOG_INFO, "data", "imported", QC_KS("symbol", "AAPL"), QC_KI("rows", 5000),
           QC_KD("px", 101.25), QC_KS("note", "two words"), QC_KS("empty", ""));
    const char *out = captured();
    assert_int_equal(count_lines(out), 1);
    assert_timestamp(out);
    char want[256];
    snprintf(want, sizeof want,
             " INFO  data test_text_format:%d imported symbol=AAPL rows=5000 px=101.25 "
             "note=\"two words\" empty=\"\"\n",
             line);
    assert_string_equal(out + 24, want);
}

static void test_text_levels_and_numbers(void **state) {
    (void)state;
    qc_log_setup(QC_LOG_TRACE, QC_LOG_FMT_TEXT, g_sink);
    QC_LOG(QC_LOG_ERROR, "risk", "multi\nline msg", QC_KD("nan", NAN), QC_KD("inf", -INFINITY),
           QC_KD("tenth", 0.1), QC_KI("neg", -3), QC_KS("q", "say \"hi\"=x"));
    QC_LOG(QC_LOG_TRACE, "m", "no pairs");
    const char *out = captured();
    assert_int_equal(count_lines(out), 2);
    assert_non_null(strstr(out, " ERROR risk "));
    assert_non_null(strstr(out, "multi line msg nan=nan inf=-inf tenth=0.1 neg=-3 "
                                "q=\"say \\\"hi\\\"=x\"\n"));
    assert_non_null(strstr(out, " TRACE m test_text_levels_and_numbers:"));
    assert_non_null(strstr(out, " no pairs\n"));
}

static void test_json_format(void **state) {
    (void)state;
    qc_log_setup(QC_LOG_DEBUG, QC_LOG_FMT_JSON, g_sink);
    int line = __LINE__ + 1;
    QC_LOG(QC_LOG_WARN, "data", "gap \"found\"\n", QC_KS("symbol", "AAPL"), QC_KI("rows", 5000),
           QC_KD("ratio", 0.25), QC_KD("bad", NAN), QC_KD("big", INFINITY), QC_KS("none", NULL));
    const char *out = captured();
    assert_int_equal(count_lines(out), 1);
    cJSON *j = parse_line(out);
    cJSON *ts = cJSON_GetObjectItemCaseSensitive(j, "ts");
    assert_true(cJSON_IsString(ts));
    assert_int_equal(strlen(ts->valuestring), 24);
    assert_timestamp(ts->valuestring);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(j, "level")->valuestring, "warn");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(j, "module")->valuestring, "data");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(j, "func")->valuestring,
                        "test_json_format");
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(j, "line")->valueint, line);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(j, "msg")->valuestring, "gap \"found\"\n");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(j, "symbol")->valuestring, "AAPL");
    cJSON *rows = cJSON_GetObjectItemCaseSensitive(j, "rows");
    assert_true(cJSON_IsNumber(rows));
    assert_int_equal(rows->valueint, 5000);
    cJSON *ratio = cJSON_GetObjectItemCaseSensitive(j, "ratio");
    assert_true(cJSON_IsNumber(ratio));
    assert_true(ratio->valuedouble == 0.25);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(j, "bad")->valuestring, "nan");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(j, "big")->valuestring, "inf");
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(j, "none")));
    /* Numbers are written unquoted. */
    assert_non_null(strstr(out, "\"rows\":5000"));
    cJSON_Delete(j);
}

/* Doubles round-trip exactly. */
static void test_json_double_roundtrip(void **state) {
    (void)state;
    qc_log_setup(QC_LOG_TRACE, QC_LOG_FMT_JSON, g_sink);
    const double vals[] = {0.1, 1.0 / 3.0, 123456789.123456789, -2.5e-300, 1e21};
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++)
        QC_LOG(QC_LOG_INFO, "t", "v", QC_KD("x", vals[i]));
    const char *out = captured();
    const char *p = out;
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        const char *nl = strchr(p, '\n');
        assert_non_null(nl);
        char line[512];
        memcpy(line, p, (size_t)(nl - p));
        line[nl - p] = '\0';
        cJSON *j = parse_line(line);
        assert_true(cJSON_GetObjectItemCaseSensitive(j, "x")->valuedouble == vals[i]);
        cJSON_Delete(j);
        p = nl + 1;
    }
}

static void test_secret_redaction(void **state) {
    (void)state;
    qc_log_setup(QC_LOG_TRACE, QC_LOG_FMT_TEXT, g_sink);
    QC_LOG(QC_LOG_INFO, "net", "login", QC_KS("api_key", "s3cr3t-1"), QC_KS("user", "bob"),
           QC_KS("Broker.Password", "s3cr3t-2"), QC_KI("session_token", 987654321));
    qc_log_setup(QC_LOG_TRACE, QC_LOG_FMT_JSON, g_sink);
    QC_LOG(QC_LOG_INFO, "net", "login", QC_KS("api_key", "s3cr3t-1"), QC_KS("user", "bob"),
           QC_KD("client_secret", 42.5));
    const char *out = captured();
    assert_null(strstr(out, "s3cr3t"));
    assert_null(strstr(out, "987654321"));
    assert_null(strstr(out, "42.5"));
    assert_non_null(strstr(out, " api_key=*** user=bob Broker.Password=*** session_token=***\n"));
    const char *json = strchr(out, '\n') + 1;
    cJSON *j = parse_line(json);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(j, "api_key")->valuestring, "***");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(j, "client_secret")->valuestring, "***");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(j, "user")->valuestring, "bob");
    cJSON_Delete(j);
}

static int g_evaluated;
static long long side_effect(void) { return ++g_evaluated; }

static void test_threshold_skip(void **state) {
    (void)state;
    qc_log_setup(QC_LOG_WARN, QC_LOG_FMT_TEXT, g_sink);
    g_evaluated = 0;
    QC_LOG(QC_LOG_INFO, "t", "hidden", QC_KI("n", side_effect()));
    QC_LOG(QC_LOG_DEBUG, "t", "hidden", QC_KI("n", side_effect()));
    assert_int_equal(g_evaluated, 0);
    assert_string_equal(captured(), "");
    QC_LOG(QC_LOG_WARN, "t", "shown", QC_KI("n", side_effect()));
    assert_int_equal(g_evaluated, 1);
    assert_int_equal(count_lines(captured()), 1);
    qc_log_setup(QC_LOG_OFF, QC_LOG_FMT_TEXT, g_sink);
    QC_LOG(QC_LOG_ERROR, "t", "hidden", QC_KI("n", side_effect()));
    assert_int_equal(g_evaluated, 1);
    /* OFF is a threshold, not a level to log at; emit ignores it and bad levels. */
    qc_log_setup(QC_LOG_TRACE, QC_LOG_FMT_TEXT, g_sink);
    qc_log_emit(QC_LOG_OFF, "t", "f", 1, "never", NULL, 0);
    qc_log_emit((qc_log_level)99, "t", "f", 1, "never", NULL, 0);
    assert_int_equal(count_lines(captured()), 1);
    assert_int_equal(qc_log_threshold, QC_LOG_TRACE);
}

/* A huge message and many huge values: one bounded line, JSON still valid and marked. */
static void test_truncation(void **state) {
    (void)state;
    static char big[20000];
    memset(big, 'x', sizeof big - 1);
    qc_kv kv[40];
    for (size_t i = 0; i < 40; i++) kv[i] = QC_KS("field", big);
    kv[0] = QC_KS("first", "\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n");
    qc_log_setup(QC_LOG_TRACE, QC_LOG_FMT_JSON, g_sink);
    qc_log_emit(QC_LOG_INFO, "t", "f", 1, big, kv, 40);
    const char *out = captured();
    assert_int_equal(count_lines(out), 1);
    assert_true(strlen(out) <= 8192);
    cJSON *j = parse_line(out);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "truncated")));
    const char *msg = cJSON_GetObjectItemCaseSensitive(j, "msg")->valuestring;
    assert_true(strlen(msg) <= 1024);
    assert_string_equal(msg + strlen(msg) - 3, "...");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(j, "first")->valuestring,
                        "\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n");
    cJSON_Delete(j);

    rewind(g_sink);
    assert_int_equal(ftruncate(fileno(g_sink), 0), 0);
    qc_log_setup(QC_LOG_TRACE, QC_LOG_FMT_TEXT, g_sink);
    qc_log_emit(QC_LOG_INFO, "t", "f", 1, big, kv + 1, 39);
    out = captured();
    assert_int_equal(count_lines(out), 1);
    assert_true(strlen(out) <= 8192);
    assert_non_null(strstr(out, " [truncated]\n"));
}

/* A value cut at the limit is never cut inside a UTF-8 character. */
static void test_truncation_utf8(void **state) {
    (void)state;
    static char big[3001];
    /* "é" is 0xc3 0xa9: byte 1021, where a plain cut would fall, is a continuation byte. */
    for (size_t i = 0; i + 1 < sizeof big; i += 2) memcpy(big + i, "\xc3\xa9", 2);
    qc_log_setup(QC_LOG_TRACE, QC_LOG_FMT_JSON, g_sink);
    QC_LOG(QC_LOG_INFO, "t", "utf8", QC_KS("v", big));
    cJSON *j = parse_line(captured());
    const char *v = cJSON_GetObjectItemCaseSensitive(j, "v")->valuestring;
    size_t n = strlen(v);
    assert_string_equal(v + n - 3, "...");
    assert_int_equal((unsigned char)v[n - 4], 0xa9); /* a whole é before the mark */
    cJSON_Delete(j);
}

static void test_log_file(void **state) {
    (void)state;
    char dir[] = "/tmp/qc_test_log_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[128];
    snprintf(path, sizeof path, "%s/app.log", dir);
    qc_error err = {0};
    qc_log_setup(QC_LOG_INFO, QC_LOG_FMT_TEXT, NULL);
    for (int run = 0; run < 2; run++) {
        assert_int_equal(qc_log_open_file(path, &err), QC_OK);
        QC_LOG(QC_LOG_INFO, "t", "run", QC_KI("n", run));
        qc_log_close();
    }
    qc_log_close(); /* closing twice is harmless */
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char buf[1024];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    assert_int_equal(count_lines(buf), 2);
    assert_non_null(strstr(buf, " run n=0\n"));
    assert_non_null(strstr(buf, " run n=1\n"));
    unlink(path);
    rmdir(dir);
    assert_int_equal(qc_log_open_file("/nonexistent-dir/x/app.log", &err), QC_ERR_CONFIG);
    assert_non_null(strstr(err.msg, "cannot open log file '/nonexistent-dir/x/app.log': "));
    assert_non_null(strstr(err.msg, "No such file"));
    qc_log_setup(QC_LOG_TRACE, QC_LOG_FMT_TEXT, g_sink);
}

static void test_parsers(void **state) {
    (void)state;
    static const char *names[] = {"trace", "DEBUG", "Info", "warn", "error", "OFF"};
    qc_error err = {0};
    for (int i = 0; i < 6; i++) {
        qc_log_level l = QC_LOG_WARN;
        assert_int_equal(qc_log_level_parse(names[i], &l, &err), QC_OK);
        assert_int_equal(l, i);
        assert_true(strcasecmp(qc_log_level_name(l), names[i]) == 0);
    }
    qc_log_level l;
    assert_int_equal(qc_log_level_parse("warning", &l, &err), QC_ERR_CONFIG);
    assert_non_null(strstr(err.msg, "'warning'"));
    assert_int_equal(qc_log_level_parse(NULL, &l, &err), QC_ERR_CONFIG);
    qc_log_format f = QC_LOG_FMT_TEXT;
    assert_int_equal(qc_log_format_parse("Json", &f, &err), QC_OK);
    assert_int_equal(f, QC_LOG_FMT_JSON);
    assert_int_equal(qc_log_format_parse("TEXT", &f, &err), QC_OK);
    assert_int_equal(f, QC_LOG_FMT_TEXT);
    assert_int_equal(qc_log_format_parse("xml", &f, &err), QC_ERR_CONFIG);
    assert_string_equal(qc_log_level_name((qc_log_level)42), "unknown");
}

static int reset_sink(void **state) {
    (void)state;
    rewind(g_sink);
    return ftruncate(fileno(g_sink), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_text_format, reset_sink),
        cmocka_unit_test_setup(test_text_levels_and_numbers, reset_sink),
        cmocka_unit_test_setup(test_json_format, reset_sink),
        cmocka_unit_test_setup(test_json_double_roundtrip, reset_sink),
        cmocka_unit_test_setup(test_secret_redaction, reset_sink),
        cmocka_unit_test_setup(test_threshold_skip, reset_sink),
        cmocka_unit_test_setup(test_truncation, reset_sink),
        cmocka_unit_test_setup(test_truncation_utf8, reset_sink),
        cmocka_unit_test_setup(test_log_file, reset_sink),
        cmocka_unit_test_setup(test_parsers, reset_sink),
    };
    return cmocka_run_group_tests(tests, setup_sink, teardown_sink);
}
