/* control.c: the control protocol's request parser (control.h), over cJSON. Bounded: a line over
 * QC_CTL_LINE_MAX, an embedded NUL, a non-object, an unknown command or a wrong-typed field is an
 * error with a message, never a crash. */
#include "app/control.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

static const char *const k_names[QC_CTL__COUNT] = {"status", "orders", "positions", "cancel-all",
                                                    "kill", "release", "stop"};

const char *qc_ctl_cmd_name(qc_ctl_cmd c) { return c < QC_CTL__COUNT ? k_names[c] : "?"; }

int qc_ctl_cmd_find(const char *s) {
    for (int i = 0; i < QC_CTL__COUNT; i++)
        if (strcmp(s, k_names[i]) == 0) return i;
    return -1;
}

qc_err qc_ctl_parse(const char *line, size_t len, qc_ctl_request *out, qc_error *err) {
    memset(out, 0, sizeof *out);
    if (len > QC_CTL_LINE_MAX) return qc_err_set(err, QC_ERR_INPUT, "request longer than %d bytes", QC_CTL_LINE_MAX);
    if (memchr(line, '\0', len)) return qc_err_set(err, QC_ERR_INPUT, "request holds a NUL byte");
    cJSON *j = cJSON_ParseWithLength(line, len);
    if (!j) return qc_err_set(err, QC_ERR_INPUT, "request is not JSON");
    qc_err rc = QC_OK;
    const cJSON *cmd = cJSON_IsObject(j) ? cJSON_GetObjectItemCaseSensitive(j, "cmd") : NULL;
    int k = cJSON_IsString(cmd) ? qc_ctl_cmd_find(cmd->valuestring) : -2;
    if (!cJSON_IsObject(j)) rc = qc_err_set(err, QC_ERR_INPUT, "request is not a JSON object");
    else if (k == -2) rc = qc_err_set(err, QC_ERR_INPUT, "request has no \"cmd\" string");
    else if (k < 0) rc = qc_err_set(err, QC_ERR_INPUT, "unknown command '%.40s'", cmd->valuestring);
    if (!rc) {
        out->cmd = (qc_ctl_cmd)k;
        snprintf(out->reason, sizeof out->reason, "operator");
        const cJSON *why = cJSON_GetObjectItemCaseSensitive(j, "reason");
        if (why && !cJSON_IsString(why)) rc = qc_err_set(err, QC_ERR_INPUT, "\"reason\" must be a string");
        else if (why && out->cmd == QC_CTL_KILL && why->valuestring[0])
            snprintf(out->reason, sizeof out->reason, "%s", why->valuestring);
    }
    cJSON_Delete(j);
    return rc;
}
