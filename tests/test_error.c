/* test_error.c: the error hierarchy (parent relation), names, messages and CLI exit codes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/error.h"

static void test_hierarchy(void **state) {
    (void)state;
    assert_true(qc_err_is(QC_ERR_KILL_SWITCH, QC_ERR_RISK));
    assert_true(qc_err_is(QC_ERR_POSITION_LIMIT, QC_ERR_RISK));
    assert_true(qc_err_is(QC_ERR_PRETRADE, QC_ERR_RISK));
    assert_true(qc_err_is(QC_ERR_RATE_LIMIT, QC_ERR_DATA));
    assert_true(qc_err_is(QC_ERR_KILL_SWITCH, QC_ERR_BASE));
    assert_false(qc_err_is(QC_ERR_RISK, QC_ERR_KILL_SWITCH));
    assert_false(qc_err_is(QC_ERR_MODEL, QC_ERR_DATA));
    assert_false(qc_err_is(QC_ERR_EXECUTION, QC_ERR_RISK));
    for (int c = QC_ERR_BASE; c < QC_ERR__COUNT; c++) assert_true(qc_err_is((qc_err)c, QC_ERR_BASE));
    assert_false(qc_err_is(QC_OK, QC_ERR_BASE));
    assert_string_equal(qc_err_name(QC_ERR_KILL_SWITCH), "KillSwitchError");
    assert_string_equal(qc_err_name(QC_ERR_VALIDATION), "ValidationError");
}

static void test_exit_codes(void **state) {
    (void)state;
    struct { qc_err e; int code; } t[] = {
        {QC_OK, 0}, {QC_ERR_INTERNAL, 1}, {QC_ERR_NOMEM, 1}, {QC_ERR_USAGE, 2}, {QC_ERR_INPUT, 3},
        {QC_ERR_VALIDATION, 3}, {QC_ERR_CONFIG, 4}, {QC_ERR_DATA, 5}, {QC_ERR_RATE_LIMIT, 5},
        {QC_ERR_STORAGE, 5}, {QC_ERR_PROVIDER, 5}, {QC_ERR_MODEL, 6}, {QC_ERR_EXECUTION, 7},
        {QC_ERR_RISK, 7}, {QC_ERR_KILL_SWITCH, 7}, {QC_ERR_PRETRADE, 7}, {QC_ERR_BASE, 1}};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) assert_int_equal(qc_err_exit_code(t[i].e), t[i].code);
}

static void test_messages(void **state) {
    (void)state;
    qc_error e = {0};
    assert_int_equal(qc_err_set(&e, QC_ERR_INPUT, "line %d: field '%s'", 101, "close"), QC_ERR_INPUT);
    assert_string_equal(e.msg, "line 101: field 'close'");
    qc_err_prefix(&e, "%s:", "prices.csv");
    assert_string_equal(e.msg, "prices.csv:line 101: field 'close'");
    char big[2000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    qc_err_set(&e, QC_ERR_INPUT, "%s", big);
    qc_err_prefix(&e, "%s", big);
    assert_int_equal(strlen(e.msg), QC_ERROR_MSG_MAX - 1);
    assert_int_equal(qc_err_set(NULL, QC_ERR_MODEL, "ignored"), QC_ERR_MODEL);
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_hierarchy), cmocka_unit_test(test_exit_codes),
                                       cmocka_unit_test(test_messages)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
