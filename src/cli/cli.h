/* cli.h: the thin command-line layer over libquantcli: the command table, option parsing, and the
 * shared context (effective config, store URL, output mode). Only src/cli prints or exits. */
#ifndef QC_CLI_H
#define QC_CLI_H

#include <stdio.h>

#include "core/config.h"
#include "core/error.h"

#define QC_ARGS_MAX_OPTS 40
#define QC_ARGS_MAX_POS 16
#define QC_ARGS_MAX_OCC 256

typedef struct {
    const char *name; /* long name without dashes */
    const char *arg;  /* metavar ("FILE"), or NULL for a boolean flag */
    const char *help;
} qc_opt_spec;

typedef struct {
    const qc_opt_spec *spec;
    size_t n_spec;
    const char *value[QC_ARGS_MAX_OPTS];
    int present[QC_ARGS_MAX_OPTS];
    const char *pos[QC_ARGS_MAX_POS];
    size_t n_pos;
    int help;
    /* every occurrence, in order, for repeatable options (--param a=1 --param b=2) */
    int occ_opt[QC_ARGS_MAX_OCC];
    const char *occ_val[QC_ARGS_MAX_OCC];
    size_t n_occ;
} qc_args;

typedef struct {
    qc_config *cfg;
    const char *db_url; /* effective storage.url */
    int quiet;
    int progress;       /* draw progress bars on stderr */
} qc_cli;

typedef struct {
    const char *name;    /* "data import" */
    const char *args;    /* "FILE.csv --symbol SYM [options]" */
    const char *summary; /* one line */
    const char *details; /* paragraph(s) after the options, or NULL */
    const qc_opt_spec *opts;
    size_t n_opts;
    size_t min_pos, max_pos;
    int (*run)(qc_cli *cli, qc_args *a);
} qc_command;

/* Parses argv (after the command words) against spec. */
qc_err qc_args_parse(qc_args *a, const qc_opt_spec *spec, size_t n_spec, int argc, char **argv,
                     const char *cmd, qc_error *err);
const char *qc_args_get(const qc_args *a, const char *name);
int qc_args_has(const qc_args *a, const char *name);
/* Values of a repeatable option, in order (comma-separated values are not split): fills at most
 * max and returns how many there are, so a caller can refuse more than it can hold. */
size_t qc_args_all(const qc_args *a, const char *name, const char **out, size_t max);
/* Typed option values with a usage error naming the option. */
qc_err qc_args_int(const qc_args *a, const char *name, long long lo, long long hi, long long *out,
                   qc_error *err);

/* A number option in [lo, hi]: QC_ERR_INPUT naming the option otherwise; *out untouched if absent. */
qc_err qc_args_double(const qc_args *a, const char *name, double lo, double hi, double *out, qc_error *err);
/* A --from/--to style option as an instant: a date means that whole local day of cal (its start,
 * or its last nanosecond when end_of_day); QC_TS_NONE when absent. */
struct qc_calendar;
qc_err qc_args_time(const qc_args *a, const char *name, const struct qc_calendar *cal, int end_of_day,
                    int64_t *ts, qc_error *err);

/* Command tables of each command group. */
extern const qc_command qc_cmd_data[];
extern const size_t qc_cmd_data_n;
extern const qc_command qc_cmd_config[];
extern const size_t qc_cmd_config_n;
extern const qc_command qc_cmd_metrics[];
extern const size_t qc_cmd_metrics_n;
extern const qc_command qc_cmd_backtest[];
extern const size_t qc_cmd_backtest_n;
extern const qc_command qc_cmd_portfolio[];
extern const size_t qc_cmd_portfolio_n;
extern const qc_command qc_cmd_features[];
extern const size_t qc_cmd_features_n;
extern const qc_command qc_cmd_risk[];
extern const size_t qc_cmd_risk_n;
extern const qc_command qc_cmd_features_xsec[];
extern const size_t qc_cmd_features_xsec_n;
extern const qc_command qc_cmd_cv[];
extern const size_t qc_cmd_cv_n;
extern const qc_command qc_cmd_sweep[];
extern const size_t qc_cmd_sweep_n;
extern const qc_command qc_cmd_model[];
extern const size_t qc_cmd_model_n;
extern const qc_command qc_cmd_model_export[];
extern const size_t qc_cmd_model_export_n;
extern const qc_command qc_cmd_trade[];
extern const size_t qc_cmd_trade_n;
extern const qc_command qc_cmd_strategies[];
extern const size_t qc_cmd_strategies_n;
extern const qc_command qc_cmd_pairs[];
extern const size_t qc_cmd_pairs_n;

void qc_cli_print_help(FILE *f, const qc_command *c);

/* Prints "quantcli: error: MSG" to stderr and returns the documented exit code. */
int qc_cli_fail(const qc_error *err);

/* Output helpers (out.c). */
void qc_out_table(FILE *f, const char *const *headers, size_t ncols, char **cells, size_t nrows);
/* Prints a cJSON tree (takes ownership, frees it). */
struct cJSON;
void qc_out_json(FILE *f, struct cJSON *root);

/* Writes a file through fn atomically (temp file in the same directory, then rename), so a reader
 * never sees half a file and a failed run leaves no partial output; "-" writes to stdout. */
typedef qc_err (*qc_out_writer)(FILE *f, void *ctx, qc_error *err);
qc_err qc_out_file(const char *path, qc_out_writer fn, void *ctx, qc_error *err);
/* One CSV cell, quoted when it holds a comma, quote or line break (RFC 4180). */
void qc_out_csv_cell(FILE *f, const char *s);
/* A number with the fewest of 15..17 significant digits that read back as the same double. */
void qc_out_csv_number(FILE *f, double v);
/* qc_out_file for a ready string. */
qc_err qc_out_text(const char *path, const char *text, qc_error *err);

/* A progress bar on stderr (only when it is a terminal and not --quiet). */
typedef struct {
    int on;
    int64_t last_ns;
    const char *label;
} qc_progress;
void qc_progress_init(qc_progress *p, const qc_cli *cli, const char *label);
void qc_progress_update(qc_progress *p, const char *phase, size_t done, size_t total);
void qc_progress_done(qc_progress *p);
/* Adapter for library callbacks: ctx is a qc_progress. */
void qc_progress_cb(void *ctx, const char *phase, size_t done, size_t total);

#endif
