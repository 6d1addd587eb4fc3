/* cmd_pairs.c: `quantcli pairs scan`: candidate pairs of a multi-symbol close CSV (one column per
 * symbol), on the dates every column has: correlation pre-filter, Engle-Granger test of the log
 * prices (hedge ratio, ADF statistic, MacKinnon p-value) and half-life, best p-values first. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/strutil.h"
#include "data/csv.h"
#include "data/validate.h"
#include "strategies/pairs.h"

typedef struct {
    size_t n_sym, len;
    char **names;
    double *logp; /* n_sym x len */
} panel;

static void panel_free(panel *p) {
    for (size_t s = 0; p->names && s < p->n_sym; s++) free(p->names[s]);
    free(p->names);
    free(p->logp);
    memset(p, 0, sizeof *p);
}

/* Dates present in every series (each sorted by validation), as log closes. */
static qc_err align(const qc_csv_result *csv, const char *path, panel *p, qc_error *err) {
    size_t n = csv->n_series, *at = calloc(n, sizeof *at), len = 0, cap = csv->series[0].n;
    p->logp = malloc(n * (cap ? cap : 1) * sizeof *p->logp);
    if (!at || !p->logp) {
        free(at);
        return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    }
    qc_err rc = QC_OK;
    for (size_t i = 0; i < csv->series[0].n && !rc; i++) {
        int64_t ts = csv->series[0].ts[i];
        int all = 1;
        for (size_t s = 1; s < n && all; s++) {
            const qc_bars *b = &csv->series[s];
            while (at[s] < b->n && b->ts[at[s]] < ts) at[s]++;
            all = at[s] < b->n && b->ts[at[s]] == ts;
        }
        if (!all) continue;
        for (size_t s = 0; s < n && !rc; s++) {
            double c = csv->series[s].close[s ? at[s] : i];
            if (!(c > 0))
                rc = qc_err_set(err, QC_ERR_INPUT, "%s: column '%s': close %g is not positive", path, csv->names[s], c);
            else p->logp[s * cap + len] = log(c);
        }
        len++;
    }
    /* compact rows to stride len */
    for (size_t s = 1; !rc && s < n; s++) memmove(p->logp + s * len, p->logp + s * cap, len * sizeof *p->logp);
    p->len = len;
    free(at);
    return rc;
}

static qc_err load(const qc_cli *cli, const char *path, panel *p, qc_error *err) {
    qc_csv_opts co;
    qc_csv_opts_init(&co);
    co.label = path;
    const char *tz = qc_config_get(cli->cfg, "data.tz");
    qc_err rc = qc_tz_parse(tz && *tz ? tz : "UTC", &co.tz, err);
    qc_csv_result csv;
    if (!rc) rc = qc_csv_read_file(path, &co, &csv, err);
    if (rc) return rc;
    if (!csv.close_only || csv.n_series < 2)
        rc = qc_err_set(err, QC_ERR_INPUT, "%s: expected a date column and at least two close columns (one per symbol)",
                        path);
    qc_vopts vo;
    qc_vopts_init(&vo);
    vo.label = path;
    qc_vreport rep;
    qc_vreport_init(&rep);
    const char *pol = qc_config_get(cli->cfg, "data.validation.policy");
    if (!rc) rc = qc_policy_parse(pol && *pol ? pol : "reject", &vo.policy, err);
    if (!rc) rc = qc_validate_bad_rows(csv.bad, csv.n_bad, &vo, &rep, err);
    for (size_t s = 0; !rc && s < csv.n_series; s++)
        rc = qc_validate_series(&csv.series[s], csv.lines[s], csv.names[s], csv.interval_s, &vo, &rep, err);
    if (!rc) {
        p->n_sym = csv.n_series;
        p->names = calloc(p->n_sym, sizeof *p->names);
        if (!p->names) rc = qc_err_set(err, QC_ERR_NOMEM, "out of memory");
        for (size_t s = 0; !rc && s < p->n_sym; s++) p->names[s] = qc_strdup(csv.names[s]);
    }
    if (!rc) rc = align(&csv, path, p, err);
    qc_vreport_free(&rep);
    qc_csv_result_free(&csv);
    return rc;
}

static void print_json(const panel *p, const qc_pair *r, size_t n) {
    cJSON *root = cJSON_CreateObject(), *arr = cJSON_CreateArray();
    cJSON_AddNumberToObject(root, "symbols", (double)p->n_sym);
    cJSON_AddNumberToObject(root, "observations", (double)p->len);
    for (size_t i = 0; i < n; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "y", p->names[r[i].y]);
        cJSON_AddStringToObject(o, "x", p->names[r[i].x]);
        cJSON_AddNumberToObject(o, "hedge_ratio", r[i].beta);
        cJSON_AddNumberToObject(o, "intercept", r[i].alpha);
        cJSON_AddNumberToObject(o, "corr", r[i].corr);
        cJSON_AddNumberToObject(o, "adf", r[i].adf);
        cJSON_AddNumberToObject(o, "pvalue", r[i].pvalue);
        if (isfinite(r[i].half_life)) cJSON_AddNumberToObject(o, "half_life", r[i].half_life);
        else cJSON_AddNullToObject(o, "half_life");
        cJSON_AddNumberToObject(o, "lags", (double)r[i].lags);
        cJSON_AddItemToArray(arr, o);
    }
    cJSON_AddItemToObject(root, "pairs", arr);
    qc_out_json(stdout, root);
}

static void print_table(const panel *p, const qc_pair *r, size_t n) {
    printf("%zu symbols, %zu common dates; log prices: log y = intercept + hedge_ratio log x + spread\n\n", p->n_sym,
           p->len);
    static const char *const hdr[] = {"y", "x", "hedge_ratio", "intercept", "corr", "adf", "pvalue", "half_life", "lags"};
    char **cells = calloc(n * 9 + 1, sizeof *cells);
    if (!cells) return;
    for (size_t i = 0; i < n; i++) {
        char b[7][32];
        snprintf(b[0], 32, "%.4f", r[i].beta);
        snprintf(b[1], 32, "%.4f", r[i].alpha);
        snprintf(b[2], 32, "%.3f", r[i].corr);
        snprintf(b[3], 32, "%.3f", r[i].adf);
        snprintf(b[4], 32, "%.4f", r[i].pvalue);
        if (isfinite(r[i].half_life)) snprintf(b[5], 32, "%.1f", r[i].half_life);
        else snprintf(b[5], 32, "inf");
        snprintf(b[6], 32, "%zu", r[i].lags);
        const char *v[9] = {p->names[r[i].y], p->names[r[i].x], b[0], b[1], b[2], b[3], b[4], b[5], b[6]};
        for (size_t c = 0; c < 9; c++) cells[i * 9 + c] = qc_strdup(v[c]);
    }
    qc_out_table(stdout, hdr, 9, cells, n);
    if (!n) printf("(no pair passes the filters)\n");
    for (size_t i = 0; i < n * 9; i++) free(cells[i]);
    free(cells);
}

static int cmd_pairs_scan(qc_cli *cli, qc_args *a) {
    qc_error err = {0};
    panel p = {0};
    qc_pairs_opts o;
    qc_pairs_opts_init(&o);
    long long top = 10;
    const char *path = qc_args_get(a, "data");
    qc_err rc = path ? QC_OK : qc_err_set(&err, QC_ERR_USAGE, "pairs scan: --data PRICES.csv is required");
    if (!rc) rc = qc_args_int(a, "top", 0, 1000000000, &top, &err);
    if (!rc) rc = qc_args_double(a, "min-corr", -1, 1, &o.min_corr, &err);
    if (!rc) rc = qc_args_double(a, "max-pvalue", 0, 1, &o.max_pvalue, &err);
    if (!rc) rc = qc_args_double(a, "max-half-life", 0, 1e12, &o.max_half_life, &err);
    if (!rc) rc = load(cli, path, &p, &err);
    qc_pair *res = NULL;
    size_t n = 0;
    if (!rc) {
        const double **rows = malloc(p.n_sym * sizeof *rows);
        if (!rows) rc = qc_err_set(&err, QC_ERR_NOMEM, "out of memory");
        for (size_t s = 0; !rc && s < p.n_sym; s++) rows[s] = p.logp + s * p.len;
        if (!rc) rc = qc_pairs_scan(rows, p.n_sym, p.len, &o, &res, &n, &err);
        free(rows);
    }
    if (!rc) {
        size_t shown = top > 0 && (size_t)top < n ? (size_t)top : n;
        if (qc_args_has(a, "json")) print_json(&p, res, shown);
        else print_table(&p, res, shown);
    }
    free(res);
    panel_free(&p);
    return rc ? qc_cli_fail(&err) : 0;
}

static const qc_opt_spec k_opts[] = {
    {"data", "PRICES.csv", "a date column and one close column per symbol"},
    {"top", "N", "show the N best pairs (default 10; 0 = all)"},
    {"min-corr", "X", "pre-filter: correlation of daily log returns (default 0.5)"},
    {"max-pvalue", "X", "keep pairs with an Engle-Granger p-value <= X (default 1)"},
    {"max-half-life", "N", "keep pairs whose spread half-life is <= N bars (default: no limit)"},
    {"json", NULL, "print the pairs as JSON"},
};

const qc_command qc_cmd_pairs[] = {
    {"pairs scan", "--data PRICES.csv [--top N] [--min-corr X] [--max-pvalue X] [--json]",
     "List candidate pairs of a universe: hedge ratio, ADF statistic, p-value, half-life.",
     "On the dates every column has, each pair of log-price series whose daily log returns correlate at\n"
     "least --min-corr is tested both ways by Engle-Granger (OLS of log y on log x with a constant; ADF\n"
     "on the residuals without a constant, lags chosen by AIC up to 12 (n/100)^(1/4), as statsmodels'\n"
     "coint); the direction with the lower MacKinnon p-value is kept. Half-life: AR(1) of the residual\n"
     "spread, -ln 2 / ln(1 + b). Sorted by p-value. See docs/STRATEGIES.md.",
     k_opts, sizeof k_opts / sizeof k_opts[0], 0, 0, cmd_pairs_scan},
};
const size_t qc_cmd_pairs_n = 1;
