/* cmd_features.h: the one-series loader `features` and `model` share: --data FILE.csv (validated
 * like an import, not stored) or --symbol SYM from the store, with --calendar, --tz, --interval. */
#ifndef QC_CLI_CMD_FEATURES_H
#define QC_CLI_CMD_FEATURES_H

#include "cli/cli.h"
#include "core/calendar.h"
#include "data/series.h"

typedef struct {
    qc_bars bars;
    const qc_calendar *cal;
    int64_t interval_s;
    char label[256];
} series_in;

/* Loads the series the options name; QC_ERR_USAGE if neither --data nor --symbol is given. */
qc_err qc_cli_series_load(const qc_cli *cli, const qc_args *a, series_in *in, qc_error *err);

#endif
