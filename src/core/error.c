/* error.c: the error hierarchy as a parent table, message formatting and exit-code mapping. */
#include "core/error.h"

#include <stdio.h>
#include <string.h>

static const struct {
    qc_err parent;
    const char *name;
} k_errs[QC_ERR__COUNT] = {
    [QC_OK] = {QC_OK, "OK"},
    [QC_ERR_BASE] = {QC_OK, "QuantCLIError"},
    [QC_ERR_INTERNAL] = {QC_ERR_BASE, "InternalError"},
    [QC_ERR_NOMEM] = {QC_ERR_INTERNAL, "OutOfMemoryError"},
    [QC_ERR_USAGE] = {QC_ERR_BASE, "UsageError"},
    [QC_ERR_VALIDATION] = {QC_ERR_BASE, "ValidationError"},
    [QC_ERR_INPUT] = {QC_ERR_VALIDATION, "InputError"},
    [QC_ERR_CONFIG] = {QC_ERR_BASE, "ConfigError"},
    [QC_ERR_DATA] = {QC_ERR_BASE, "DataError"},
    [QC_ERR_RATE_LIMIT] = {QC_ERR_DATA, "RateLimitError"},
    [QC_ERR_PROVIDER] = {QC_ERR_DATA, "ProviderError"},
    [QC_ERR_STORAGE] = {QC_ERR_DATA, "StorageError"},
    [QC_ERR_NOT_FOUND] = {QC_ERR_DATA, "NotFoundError"},
    [QC_ERR_MODEL] = {QC_ERR_BASE, "ModelError"},
    [QC_ERR_EXECUTION] = {QC_ERR_BASE, "ExecutionError"},
    [QC_ERR_RISK] = {QC_ERR_BASE, "RiskError"},
    [QC_ERR_KILL_SWITCH] = {QC_ERR_RISK, "KillSwitchError"},
    [QC_ERR_POSITION_LIMIT] = {QC_ERR_RISK, "PositionLimitError"},
    [QC_ERR_PRETRADE] = {QC_ERR_RISK, "PreTradeCheckError"},
};

void qc_error_clear(qc_error *e) {
    if (!e) return;
    e->code = QC_OK;
    e->msg[0] = '\0';
}

qc_err qc_err_vset(qc_error *e, qc_err code, const char *fmt, va_list ap) {
    if (!e) return code;
    e->code = code;
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    return code;
}

qc_err qc_err_set(qc_error *e, qc_err code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    qc_err_vset(e, code, fmt, ap);
    va_end(ap);
    return code;
}

qc_err qc_err_prefix(qc_error *e, const char *fmt, ...) {
    if (!e) return QC_ERR_INTERNAL;
    char pre[QC_ERROR_MSG_MAX], old[QC_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(pre, sizeof pre, fmt, ap);
    va_end(ap);
    memcpy(old, e->msg, sizeof old);
    /* Truncation is intended: the message stays one bounded line. */
    size_t lp = strlen(pre), lo = strlen(old);
    if (lp > sizeof e->msg - 1) lp = sizeof e->msg - 1;
    if (lo > sizeof e->msg - 1 - lp) lo = sizeof e->msg - 1 - lp;
    memcpy(e->msg, pre, lp);
    memcpy(e->msg + lp, old, lo);
    e->msg[lp + lo] = '\0';
    return e->code;
}

static int valid(qc_err c) { return (int)c >= 0 && c < QC_ERR__COUNT; }

qc_err qc_err_parent(qc_err code) { return valid(code) ? k_errs[code].parent : QC_OK; }

int qc_err_is(qc_err code, qc_err ancestor) {
    if (!valid(code) || !valid(ancestor)) return 0;
    if (ancestor == QC_OK) return code == QC_OK;
    for (qc_err c = code; c != QC_OK; c = k_errs[c].parent)
        if (c == ancestor) return 1;
    return 0;
}

const char *qc_err_name(qc_err code) { return valid(code) ? k_errs[code].name : "UnknownError"; }

int qc_err_exit_code(qc_err code) {
    if (code == QC_OK) return 0;
    if (qc_err_is(code, QC_ERR_USAGE)) return 2;
    if (qc_err_is(code, QC_ERR_VALIDATION)) return 3;
    if (qc_err_is(code, QC_ERR_CONFIG)) return 4;
    if (qc_err_is(code, QC_ERR_DATA)) return 5;
    if (qc_err_is(code, QC_ERR_MODEL)) return 6;
    if (qc_err_is(code, QC_ERR_EXECUTION) || qc_err_is(code, QC_ERR_RISK)) return 7;
    return 1;
}
