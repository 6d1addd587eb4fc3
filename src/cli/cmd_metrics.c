/* cmd_metrics.c: `quantcli metrics`: performance statistics of one column of a CSV file, read as
 * returns or (with --prices) as prices, through backtest/metrics.h. Prints a metric/value table or
 * JSON; the periods-per-year used for annualisation is always printed. Definitions: docs/METRICS.md. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "backtest/metrics.h"
#include "cli/cli.h"
#include "core/calendar.h"
#include "core/strutil.h"
#include "data/csv.h"

/* The chosen column as a series ready for the library. */
typedef struct {
    const char *path, *column;
    const qc_bars *bars;
    const uint32_t *lines;
    int prices;
    int64_t interval_s;
    const qc_calendar *cal;
    double periods;
    const char *periods_from; /* "--periods" or the default's reason */
} input;

static qc_err read_opts(const qc_args *a, qc_metrics_opts *o, qc_error *err) {
    qc_metrics_opts_init(o);
    long long trials = 1;
    qc_err rc;
    const double inf = INFINITY;
    if ((rc = qc_args_double(a, "rf", -inf, inf, &o->rf, err)) || (rc = qc_args_double(a, "mar", -inf, inf, &o->mar, err)) ||
        (rc = qc_args_double(a, "benchmark-sr", -inf, inf, &o->benchmark_sr, err)) ||
        (rc = qc_args_double(a, "trials-sr-var", -inf, inf, &o->trials_sr_var, err)) ||
        (rc = qc_args_int(a, "trials", 1, 1000000000, &trials, err)))
        return rc;
    o->trials = (size_t)trials;
    if (o->trials > 1 && !qc_args_has(a, "trials-sr-var"))
        return qc_err_set(err, QC_ERR_USAGE, "metrics: --trials %lld needs --trials-sr-var V (the variance of the "
                          "trials' per-period Sharpe ratios)", trials);
    if (o->trials_sr_var < 0)
        return qc_err_set(err, QC_ERR_INPUT, "option '--trials-sr-var': must be >= 0, got %g", o->trials_sr_var);
    return QC_OK;
}

/* Periods per year: --periods, else from the row spacing: 252 sessions a year for daily rows,
 * 52 weekly, 12 monthly, and 252 sessions x bars per 6.5-hour NYSE session for intraday rows. */
static qc_err periods_of(const qc_args *a, input *in, qc_error *err) {
    const char *v = qc_args_get(a, "periods");
    if (v) {
        if (qc_parse_double(v, strlen(v), &in->periods) || !(in->periods > 0) || isinf(in->periods))
            return qc_err_set(err, QC_ERR_INPUT, "option '--periods': expected a positive number, got '%.40s'", v);
        in->periods_from = "--periods";
        return QC_OK;
    }
    static const struct {
        int64_t min_s;
        double periods;
        const char *why;
    } k_by_spacing[] = {{28 * 86400, 12, "default for monthly rows"},
                        {7 * 86400, 52, "default for weekly rows"},
                        {86400, 252, "default for daily rows"}};
    for (size_t i = 0; i < sizeof k_by_spacing / sizeof k_by_spacing[0]; i++)
        if (in->interval_s >= k_by_spacing[i].min_s) {
            in->periods = k_by_spacing[i].periods;
            in->periods_from = k_by_spacing[i].why;
            return QC_OK;
        }
    in->periods = 252.0 * 23400.0 / (double)(in->interval_s > 0 ? in->interval_s : 1);
    in->periods_from = "default for intraday rows: 252 x 6.5 h / interval";
    return QC_OK;
}

/* Picks --column (default: the first numeric column) and checks the rows that feed it. */
static qc_err pick_column(const qc_args *a, const qc_csv_result *r, input *in, qc_error *err) {
    const char *want = qc_args_get(a, "column");
    size_t s = 0;
    if (r->names) {
        for (s = 0; want && s < r->n_series; s++)
            if (qc_str_ieq(r->names[s], want)) break;
        if (s == r->n_series) {
            char list[256] = "";
            for (size_t k = 0; k < r->n_series; k++)
                snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", k ? ", " : "", r->names[k]);
            return qc_err_set(err, QC_ERR_INPUT, "%s: no column '%.60s' (columns: %s)", in->path, want, list);
        }
        in->column = r->names[s];
    } else {
        if (want && !qc_str_ieq(want, "close"))
            return qc_err_set(err, QC_ERR_INPUT, "%s: no column '%.60s' (an OHLC file: only 'close' is used)",
                              in->path, want);
        in->column = "close";
    }
    /* a bad cell in this column, or a bad date or row, is an error: statistics over holes mislead */
    for (size_t i = 0; i < r->n_bad; i++) {
        const qc_csv_bad_row *b = &r->bad[i];
        int other = 0;
        for (size_t k = 0; r->names && k < r->n_series; k++) other |= k != s && strcmp(b->field, r->names[k]) == 0;
        if (!other)
            return qc_err_set(err, QC_ERR_INPUT, "%s:%zu: %s%s%s", in->path, b->line, b->field,
                              b->field[0] ? ": " : "", b->msg);
    }
    in->bars = &r->series[s];
    in->lines = r->lines[s];
    if (!qc_bars_is_strictly_increasing(in->bars))
        return qc_err_set(err, QC_ERR_INPUT, "%s: dates must be strictly increasing", in->path);
    return QC_OK;
}

/* Values the library would reject, reported with their line. */
static qc_err check_values(const input *in, qc_error *err) {
    const qc_bars *b = in->bars;
    size_t need = in->prices ? 3 : 2;
    if (b->n < need)
        return qc_err_set(err, QC_ERR_INPUT, "%s: need at least 2 returns (%zu %s), got %zu %s", in->path, need,
                          in->prices ? "prices" : "rows", b->n, in->prices ? "prices" : "rows");
    for (size_t i = 0; i < b->n; i++) {
        double v = b->close[i];
        if (in->prices ? !(v > 0) : !(v >= -1))
            return qc_err_set(err, QC_ERR_INPUT, "%s:%u: %s: %s must be %s, got %g", in->path, in->lines[i], in->column,
                              in->prices ? "a price" : "a return", in->prices ? "positive" : ">= -1", v);
    }
    return QC_OK;
}

static qc_err compute(const input *in, const qc_metrics_opts *o, qc_metrics *m, qc_error *err) {
    const qc_bars *b = in->bars;
    if (!in->prices) return qc_metrics_from_returns(b->ts, b->close, b->n, o, m, err);
    qc_perf_input p = {.ts = b->ts + 1, .equity = b->close + 1, .n = b->n - 1, .initial_equity = b->close[0]};
    return qc_metrics_compute(&p, o, m, err);
}

/* Stamp of a drawdown point; the peak may be the initial equity (index -1): the first price row
 * with --prices, no row at all for a return series. */
static int point_date(const input *in, int is_peak, long i, int64_t ts, char *buf, size_t n) {
    if (is_peak && i == -1 && in->prices) ts = in->bars->ts[0];
    if (ts == QC_TS_NONE) return 0;
    qc_calendar_format_stamp(in->cal, ts, in->interval_s, buf, n);
    return 1;
}

typedef struct {
    const char *key;
    double v;
} kv;

/* The metrics in output order; NaN for undefined, +-inf for unbounded. */
static size_t metric_list(const qc_metrics *m, kv *out) {
    const kv k[] = {{"total_return", m->total_return},
                    {"cagr", m->cagr},
                    {"volatility", m->volatility},
                    {"sharpe", m->sharpe},
                    {"sharpe_per_period", m->sharpe_per_period},
                    {"sortino", m->sortino},
                    {"calmar", m->calmar},
                    {"max_drawdown", m->max_drawdown}};
    memcpy(out, k, sizeof k);
    return sizeof k / sizeof k[0];
}

static size_t tail_list(const qc_metrics *m, kv *out) {
    const kv k[] = {{"skew", m->skew},   {"kurtosis", m->kurtosis}, {"var_95", m->var},
                    {"cvar_95", m->cvar}, {"psr", m->psr},           {"dsr", m->dsr},
                    {"min_trl", m->min_trl}};
    memcpy(out, k, sizeof k);
    return sizeof k / sizeof k[0];
}

static void add_num(cJSON *o, const char *key, double v) {
    if (isfinite(v)) cJSON_AddNumberToObject(o, key, v);
    else cJSON_AddNullToObject(o, key);
}

/* The drawdown's three points, named as in the output. */
typedef struct {
    const char *key;
    long i;
    int64_t ts;
} dd_point;

static void dd_points(const qc_metrics *m, dd_point pts[3]) {
    pts[0] = (dd_point){"max_drawdown_peak", m->dd_peak_i, m->dd_peak_ts};
    pts[1] = (dd_point){"max_drawdown_trough", m->dd_trough_i, m->dd_trough_ts};
    pts[2] = (dd_point){"max_drawdown_recovery", m->dd_recovery_i, m->dd_recovery_ts};
}

static void print_json(const input *in, const qc_metrics *m) {
    cJSON *root = cJSON_CreateObject(), *mj = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "file", in->path);
    cJSON_AddStringToObject(root, "column", in->column);
    cJSON_AddStringToObject(root, "input", in->prices ? "prices" : "returns");
    cJSON_AddNumberToObject(root, "periods_per_year", m->periods_per_year);
    cJSON_AddNumberToObject(root, "n", (double)m->n_periods);
    kv list[16];
    size_t n = metric_list(m, list);
    for (size_t i = 0; i < n; i++) add_num(mj, list[i].key, list[i].v);
    dd_point pts[3];
    dd_points(m, pts);
    for (size_t i = 0; i < 3; i++) {
        char d[40];
        if (m->max_drawdown > 0 && point_date(in, i == 0, pts[i].i, pts[i].ts, d, sizeof d))
            cJSON_AddStringToObject(mj, pts[i].key, d);
        else cJSON_AddNullToObject(mj, pts[i].key);
    }
    cJSON_AddNumberToObject(mj, "drawdown_duration", (double)m->dd_duration);
    n = tail_list(m, list);
    for (size_t i = 0; i < n; i++) add_num(mj, list[i].key, list[i].v);
    cJSON_AddItemToObject(root, "metrics", mj);
    qc_out_json(stdout, root);
}

static void fmt_num(double v, char *buf, size_t n) {
    if (isnan(v)) snprintf(buf, n, "-");
    else if (isinf(v)) snprintf(buf, n, "%sinf", v < 0 ? "-" : "");
    else snprintf(buf, n, "%.6g", v);
}

static void print_table(const input *in, const qc_metrics *m) {
    enum { ROWS = 32, W = 64 };
    static const char *hdr[] = {"metric", "value"};
    char keys[ROWS][W], vals[ROWS][W];
    char *cells[ROWS * 2];
    size_t r = 0;
#define ROW(k, ...) (snprintf(keys[r], W, "%s", k), snprintf(vals[r], W, __VA_ARGS__), r++)
    ROW("column", "%s (%s)", in->column, in->prices ? "prices" : "returns");
    ROW("periods_per_year", "%g (%s)", m->periods_per_year, in->periods_from);
    ROW("n", "%zu", m->n_periods);
    kv list[16];
    size_t n = metric_list(m, list);
    for (size_t i = 0; i < n; i++, r++) {
        snprintf(keys[r], W, "%s", list[i].key);
        fmt_num(list[i].v, vals[r], W);
    }
    dd_point pts[3];
    dd_points(m, pts);
    for (size_t i = 0; i < 3; i++) {
        char d[40];
        if (m->max_drawdown <= 0) ROW(pts[i].key, "-");
        else if (point_date(in, i == 0, pts[i].i, pts[i].ts, d, sizeof d)) ROW(pts[i].key, "%s", d);
        else ROW(pts[i].key, "%s", i == 0 ? "start (before the first row)" : "not recovered");
    }
    ROW("drawdown_duration", "%zu", m->dd_duration);
#undef ROW
    n = tail_list(m, list);
    for (size_t i = 0; i < n; i++, r++) {
        snprintf(keys[r], W, "%s", list[i].key);
        fmt_num(list[i].v, vals[r], W);
    }
    for (size_t i = 0; i < r; i++) {
        cells[2 * i] = keys[i];
        cells[2 * i + 1] = vals[i];
    }
    qc_out_table(stdout, hdr, 2, cells, r);
}

static int cmd_metrics(qc_cli *cli, qc_args *a) {
    qc_error err = {0};
    input in = {.path = qc_args_get(a, "returns"), .prices = qc_args_has(a, "prices")};
    if (!in.path) {
        qc_err_set(&err, QC_ERR_USAGE, "metrics: --returns FILE.csv is required");
        return qc_cli_fail(&err);
    }
    qc_metrics_opts o;
    qc_err rc = read_opts(a, &o, &err);
    const char *cal_name = qc_config_get(cli->cfg, "data.calendar");
    if (!rc && !(in.cal = qc_calendar_get(cal_name && *cal_name ? cal_name : "NYSE", &err))) rc = QC_ERR_INPUT;
    if (rc) return qc_cli_fail(&err);
    qc_csv_opts co;
    qc_csv_opts_init(&co);
    co.cal = in.cal;
    co.label = in.path;
    qc_csv_result res;
    rc = qc_csv_read_file(in.path, &co, &res, &err);
    if (!rc) {
        in.interval_s = res.interval_s;
        rc = pick_column(a, &res, &in, &err);
    }
    if (!rc) rc = periods_of(a, &in, &err);
    if (!rc) rc = check_values(&in, &err);
    o.periods_per_year = in.periods;
    qc_metrics m;
    if (!rc) rc = compute(&in, &o, &m, &err);
    if (!rc && qc_args_has(a, "json")) print_json(&in, &m);
    else if (!rc) print_table(&in, &m);
    qc_csv_result_free(&res);
    return rc ? qc_cli_fail(&err) : 0;
}

static const qc_opt_spec k_opts[] = {
    {"returns", "FILE.csv", "CSV: a date column and numeric columns (returns; prices with --prices)"},
    {"column", "NAME", "the column to use (default: the first numeric column)"},
    {"prices", NULL, "the column holds prices: returns are P_t / P_t-1 - 1"},
    {"periods", "N", "periods per year (default from the row spacing: 252 for daily rows)"},
    {"rf", "X", "risk-free rate PER PERIOD (default 0)"},
    {"mar", "X", "minimum acceptable return per period for Sortino (default 0)"},
    {"benchmark-sr", "X", "per-period Sharpe the PSR and MinTRL test against (default 0)"},
    {"trials", "N", "DSR: number of strategy variants tried (default 1: DSR = PSR)"},
    {"trials-sr-var", "V", "DSR: variance of the trials' per-period Sharpe ratios"},
    {"json", NULL, "print the result as JSON (undefined or infinite values as null)"},
};

const qc_command qc_cmd_metrics[] = {
    {"metrics", "--returns FILE.csv [--column NAME] [--prices] [--periods N] [options] [--json]",
     "Performance statistics of returns or prices: Sharpe, Sortino, drawdown, VaR, PSR, DSR.",
     "r_t = E_t / E_t-1 - 1; with --prices E is the price and the first price is the initial equity,\n"
     "otherwise E = prod(1 + r) from 1.0. n = number of returns, ppy = periods per year (printed).\n"
     "total_return = E_end / E_0 - 1; cagr = (1 + total_return)^(ppy / n) - 1 (periods, not days).\n"
     "volatility = std(r, ddof=1) sqrt(ppy); sharpe = mean(r - rf) / std(r, ddof=1) sqrt(ppy), rf per\n"
     "period; sharpe_per_period is the same without sqrt(ppy). sortino = mean(r - mar) /\n"
     "sqrt(mean(min(r - mar, 0)^2)) sqrt(ppy), the downside over ALL periods. calmar = cagr /\n"
     "max_drawdown. Drawdown: running peak from the initial equity, depth a positive fraction;\n"
     "recovery = the first period at or above the old peak (touching it counts), else none (null);\n"
     "drawdown_duration = periods from the peak to the recovery or to the end. skew, kurtosis:\n"
     "sample moment coefficients m3/m2^1.5 and m4/m2^2 (non-excess, as Bailey & Lopez de Prado).\n"
     "var_95 = -quantile(r, 0.05) (numpy's linear interpolation); cvar_95 = -mean(r <= -var_95).\n"
     "psr = Phi((SR - SR*) sqrt(n-1) / sqrt(1 - skew SR + (kurtosis-1)/4 SR^2)), SR = sharpe_per_period,\n"
     "SR* = --benchmark-sr. dsr = psr against E[max SR] = sqrt(V)((1-g)Phi^-1(1-1/N) + g Phi^-1(1-1/(Ne)))\n"
     "for N = --trials, V = --trials-sr-var, g = Euler's gamma (N = 1: against --benchmark-sr).\n"
     "min_trl = periods needed for psr >= 0.95 (inf, null in JSON, when SR <= SR*). rf, mar and the\n"
     "Sharpe ratios are per period (an annual 5% is --rf 0.000194 at 252). Empty cells are skipped;\n"
     "a non-numeric cell is an error. Undefined values print as - (null in JSON). See docs/METRICS.md.",
     k_opts, sizeof k_opts / sizeof k_opts[0], 0, 0, cmd_metrics},
};
const size_t qc_cmd_metrics_n = 1;
