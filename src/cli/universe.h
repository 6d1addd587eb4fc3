/* universe.h: what `backtest` and `trade` share in the CLI: loading the bars of a run (a CSV file
 * or symbols from the store, validated like an import), the run options (cash, costs, fills), the
 * risk engine of the risk.* config, and the one-line description of a run. */
#ifndef QC_CLI_UNIVERSE_H
#define QC_CLI_UNIVERSE_H

#include "backtest/backtest.h"
#include "cli/cli.h"
#include "risk/risk.h"

typedef struct {
    size_t n;
    char **names;
    qc_bars *bars;
    const qc_calendar *cal;
    int64_t interval_s;
    char source[256];
} qc_universe;

void qc_cli_universe_free(qc_universe *u);
/* --data FILE.csv or --symbol SYM... (with --from/--to/--calendar/--tz/--interval when given). */
qc_err qc_cli_universe_load(const qc_cli *cli, const qc_args *a, qc_universe *u, qc_error *err);
/* The backtest options of a (the options a command does not define keep their defaults). */
qc_err qc_cli_backtest_opts(const qc_args *a, const qc_universe *u, qc_backtest_opts *o, qc_error *err);
/* --venue sim|exchange|sor into o->venue (sor: the venues of execution.venues, QC_ERR_CONFIG when
 * malformed). */
qc_err qc_cli_venue_opts(const qc_cli *cli, const qc_args *a, qc_backtest_opts *o, qc_error *err);
qc_err qc_cli_make_risk(const qc_cli *cli, const qc_universe *u, double cash, qc_risk **out, qc_error *err);
void qc_cli_describe_run(const qc_strategy_def *sd, const qc_params *p, const qc_universe *u, char *buf, size_t n);

#endif
