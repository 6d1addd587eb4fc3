/* fuzz_sweep_grid.c: libFuzzer target for the sweep's --grid parser (qc_sweep_axis_parse), which
 * reads text a user types. An accepted axis must have a name, finite bounds, a non-negative step
 * and a count whose first and last values lie within [from, to] (values are rounded to 12
 * significant digits, so within that relative tolerance); a rejection must be QC_ERR_INPUT
 * with a message. abort() flags a violated invariant. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backtest/sweep.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char buf[256];
    if (size >= sizeof buf) size = sizeof buf - 1;
    memcpy(buf, data, size);
    buf[size] = '\0';
    qc_sweep_axis ax;
    qc_error err = {0};
    qc_err rc = qc_sweep_axis_parse(buf, &ax, &err);
    if (rc) {
        if (rc != QC_ERR_INPUT || err.msg[0] == '\0') abort();
        return 0;
    }
    if (ax.name[0] == '\0' || !isfinite(ax.from) || !isfinite(ax.to) || !(ax.step >= 0)) abort();
    size_t n = qc_sweep_axis_count(&ax);
    if (n == 0) abort();
    double first = qc_sweep_axis_value(&ax, 0), last = qc_sweep_axis_value(&ax, n - 1);
    double tol_from = fabs(ax.from) * 1e-11, tol_to = fabs(ax.to) * 1e-11 + ax.step * 1e-9;
    if (fabs(first - ax.from) > tol_from || last > ax.to + tol_to || last < ax.from - tol_from) abort();
    return 0;
}
