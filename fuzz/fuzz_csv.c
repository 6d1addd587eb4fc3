/* fuzz_csv.c: libFuzzer target for the market-data CSV reader and the validation that follows it:
 * any bytes must parse or fail cleanly (no crash, no leak, no UB), and a successful parse must
 * validate under every policy, leaving strictly increasing series under drop and flag. */
#include <stdint.h>
#include <stdlib.h>

#include "data/csv.h"
#include "data/validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    qc_csv_opts o;
    qc_csv_opts_init(&o);
    o.stamp_open = size & 1;
    qc_csv_result r;
    qc_error e = {0};
    if (qc_csv_parse((const char *)data, size, &o, &r, &e) != QC_OK) return 0;
    for (int policy = 0; policy < 3; policy++) {
        qc_vopts v;
        qc_vopts_init(&v);
        v.policy = (qc_policy)policy;
        v.cal = qc_calendar_get("NYSE", NULL);
        qc_vreport rep;
        qc_vreport_init(&rep);
        qc_validate_bad_rows(r.bad, r.n_bad, &v, &rep, &e);
        for (size_t s = 0; s < r.n_series; s++) {
            qc_bars copy = {0};
            uint32_t *lines = malloc((r.series[s].n + 1) * sizeof *lines);
            for (size_t i = 0; i < r.series[s].n; i++) {
                qc_bars_push_row(&copy, &r.series[s], i, NULL);
                lines[i] = r.lines[s][i];
            }
            qc_err rc = qc_validate_series(&copy, lines, "F", r.interval_s, &v, &rep, &e);
            if (rc == QC_OK && policy != QC_POLICY_REJECT && !qc_bars_is_strictly_increasing(&copy)) abort();
            qc_bars_free(&copy);
            free(lines);
        }
        qc_vreport_free(&rep);
    }
    qc_csv_result_free(&r);
    return 0;
}
