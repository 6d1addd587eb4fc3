/* control.h: the trading daemon's control protocol. One JSON object per line on a Unix-domain
 * socket in the state directory: {"cmd": "status"}, {"cmd": "kill", "reason": "..."}; each
 * request gets one JSON line back: {"ok": true, ...} or {"ok": false, "error": "..."}. This file
 * holds the request parser (outside input: fuzzed) and the command names. docs/TRADING.md. */
#ifndef QC_APP_CONTROL_H
#define QC_APP_CONTROL_H

#include <stddef.h>

#include "core/error.h"

#define QC_CTL_LINE_MAX 4096
#define QC_CTL_REASON_MAX 200

typedef enum {
    QC_CTL_STATUS = 0,
    QC_CTL_ORDERS,
    QC_CTL_POSITIONS,
    QC_CTL_CANCEL_ALL,
    QC_CTL_KILL,
    QC_CTL_RELEASE,
    QC_CTL_STOP,
    QC_CTL__COUNT
} qc_ctl_cmd;

typedef struct {
    qc_ctl_cmd cmd;
    char reason[QC_CTL_REASON_MAX]; /* kill: why (default "operator") */
} qc_ctl_request;

/* Parses one request line (without the newline). QC_ERR_INPUT with a message for anything else
 * than a JSON object with a known "cmd" string and, for kill, an optional "reason" string. */
qc_err qc_ctl_parse(const char *line, size_t len, qc_ctl_request *out, qc_error *err);
const char *qc_ctl_cmd_name(qc_ctl_cmd c);
/* The command named s, or -1. */
int qc_ctl_cmd_find(const char *s);

#endif
