/* fuzz_control.c: libFuzzer target for the trading daemon's control request parser (qc_ctl_parse):
 * any line is either a known command or QC_ERR_INPUT with a message, never a crash; an accepted
 * request names a command in range with a NUL-terminated reason. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "app/control.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    qc_ctl_request q;
    qc_error err = {0};
    qc_err rc = qc_ctl_parse((const char *)data, size, &q, &err);
    if (rc && (rc != QC_ERR_INPUT || !err.msg[0])) abort();
    if (!rc && (q.cmd >= QC_CTL__COUNT || !memchr(q.reason, '\0', sizeof q.reason))) abort();
    return 0;
}
