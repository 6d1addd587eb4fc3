/* error.h: QuantCLI's error values. Functions return a qc_err (QC_OK == 0) and fill a caller-owned
 * qc_error with a one-line message carrying context (file:line:field). Codes form the seed's
 * exception hierarchy through a parent relation, so qc_err_is(QC_ERR_KILL_SWITCH, QC_ERR_RISK) holds,
 * and each category maps to one documented CLI exit code. */
#ifndef QC_CORE_ERROR_H
#define QC_CORE_ERROR_H

#include <stdarg.h>
#include <stddef.h>

typedef enum {
    QC_OK = 0,
    QC_ERR_BASE,           /* QuantCLIError: root of every error */
    QC_ERR_INTERNAL,       /*   a bug or an unexpected system failure (exit 1) */
    QC_ERR_NOMEM,          /*     allocation failed */
    QC_ERR_USAGE,          /*   bad command line: unknown flag, missing argument (exit 2) */
    QC_ERR_VALIDATION,     /*   ValidationError: invalid input the user gave (exit 3) */
    QC_ERR_INPUT,          /*     a malformed or missing input file, a bad value */
    QC_ERR_CONFIG,         /*   configuration: YAML syntax, wrong-typed value (exit 4) */
    QC_ERR_DATA,           /*   DataError: data or provider failure (exit 5) */
    QC_ERR_RATE_LIMIT,     /*     RateLimitError */
    QC_ERR_PROVIDER,       /*     a data provider is down or answered garbage */
    QC_ERR_STORAGE,        /*     the store cannot be opened, read or written */
    QC_ERR_NOT_FOUND,      /*     asked for data that is not there */
    QC_ERR_MODEL,          /*   ModelError (exit 6) */
    QC_ERR_EXECUTION,      /*   ExecutionError (exit 7) */
    QC_ERR_RISK,           /*   RiskError (exit 7) */
    QC_ERR_KILL_SWITCH,    /*     KillSwitchError */
    QC_ERR_POSITION_LIMIT, /*     PositionLimitError */
    QC_ERR_PRETRADE,       /*     PreTradeCheckError */
    QC_ERR__COUNT
} qc_err;

#define QC_ERROR_MSG_MAX 512

/* Caller-owned error detail; zero-initialise or qc_error_clear() before use. */
typedef struct {
    qc_err code;
    char msg[QC_ERROR_MSG_MAX];
} qc_error;

void qc_error_clear(qc_error *e);

/* Sets code and printf-style message (if e is non-NULL) and returns code, so callers can write
 * `return qc_err_set(err, QC_ERR_INPUT, "line %d: ...", n);`. */
qc_err qc_err_set(qc_error *e, qc_err code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
qc_err qc_err_vset(qc_error *e, qc_err code, const char *fmt, va_list ap);

/* Prepends context ("prices.csv: ") to an already-set message; returns e->code. */
qc_err qc_err_prefix(qc_error *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* True if code is ancestor or equal to code (QC_ERR_BASE is an ancestor of every error). */
int qc_err_is(qc_err code, qc_err ancestor);
qc_err qc_err_parent(qc_err code);

/* Stable names as in the seed ("KillSwitchError", "DataError", ...). */
const char *qc_err_name(qc_err code);

/* CLI exit code of a category: 0 ok, 1 internal, 2 usage, 3 invalid input, 4 config,
 * 5 data/provider, 6 model, 7 risk/execution. */
int qc_err_exit_code(qc_err code);

#endif
