/* cmd_features_xsec.c: `quantcli features ic`: the information coefficient (Pearson) or rank IC
 * (Spearman) of indicator features against forward returns across a panel of symbols
 * (features/cross_sectional.h): the panel comes from a multi-column close CSV or several stored
 * symbols; prints each feature's IC summary (mean, SD, t-statistic, IR, hit rate) and writes the IC
 * time series with --output. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/strutil.h"
#include "data/csv.h"
#include "data/store.h"
#include "data/validate.h"
#include "features/cross_sectional.h"
#include "features/indicators.h"

#define MAX_SYMBOLS 4096

typedef struct {
    qc_panel p;
    const qc_calendar *cal;
    int64_t interval_s;
    char label[256];
} panel_in;

static const char *cfg_or(const qc_cli *cli, const qc_args *a, const char *opt, const char *key, const char *def) {
    const char *v = opt ? qc_args_get(a, opt) : NULL;
    if (!v && key) v = qc_config_get(cli->cfg, key);
    return v && *v ? v : def;
}

/* Every series of a CSV (one OHLCV series, or one per close column), validated under the configured
 * policy like an import, as a panel. */
static qc_err panel_from_csv(const qc_cli *cli, const qc_args *a, const char *path, panel_in *in, qc_error *err) {
    qc_csv_opts co;
    qc_csv_opts_init(&co);
    co.cal = in->cal;
    co.label = path;
    qc_err rc = qc_tz_parse(cfg_or(cli, a, "tz", "data.tz", "UTC"), &co.tz, err);
    qc_csv_result csv;
    if (rc || (rc = qc_csv_read_file(path, &co, &csv, err))) return rc;
    qc_vopts vo;
    qc_vopts_init(&vo);
    vo.cal = in->cal;
    vo.label = path;
    qc_vreport rep;
    qc_vreport_init(&rep);
    const qc_bars **ser = calloc(csv.n_series ? csv.n_series : 1, sizeof *ser);
    const char **names = calloc(csv.n_series ? csv.n_series : 1, sizeof *names);
    if (!ser || !names) rc = qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    if (!rc) rc = qc_policy_parse(cfg_or(cli, a, NULL, "data.validation.policy", "reject"), &vo.policy, err);
    if (!rc) rc = qc_validate_bad_rows(csv.bad, csv.n_bad, &vo, &rep, err);
    for (size_t s = 0; !rc && s < csv.n_series; s++) {
        names[s] = csv.names ? csv.names[s] : path;
        ser[s] = &csv.series[s];
        rc = qc_validate_series(&csv.series[s], csv.lines[s], names[s], csv.interval_s, &vo, &rep, err);
    }
    if (!rc) rc = qc_panel_build(&in->p, ser, names, csv.n_series, err);
    in->interval_s = csv.interval_s;
    snprintf(in->label, sizeof in->label, "%s", path);
    free(ser), free(names);
    qc_vreport_free(&rep);
    qc_csv_result_free(&csv);
    return rc;
}

/* Stored symbols (repeatable --symbol, or comma-separated) on the union of their timestamps. */
static qc_err panel_from_store(const qc_cli *cli, const qc_args *a, panel_in *in, qc_error *err) {
    const char *vals[QC_ARGS_MAX_OCC];
    size_t nv = qc_args_all(a, "symbol", vals, QC_ARGS_MAX_OCC);
    char *buf = NULL, *names[MAX_SYMBOLS];
    size_t n = 0, len = 0;
    for (size_t i = 0; i < nv && i < QC_ARGS_MAX_OCC; i++) len += strlen(vals[i]) + 1;
    if (!(buf = malloc(len + 1))) return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    char *w = buf;
    for (size_t i = 0; i < nv && i < QC_ARGS_MAX_OCC; i++) w += sprintf(w, "%s,", vals[i]);
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ","))
        if (*tok && n < MAX_SYMBOLS) names[n++] = tok;
    qc_bars *bars = calloc(n ? n : 1, sizeof *bars);
    const qc_bars **ptrs = calloc(n ? n : 1, sizeof *ptrs);
    qc_store *st = NULL;
    int64_t iv = 0;
    const char *ivs = qc_args_get(a, "interval");
    qc_err rc = !bars || !ptrs ? qc_err_set(err, QC_ERR_NOMEM, "out of memory") : QC_OK;
    if (!rc && ivs) rc = qc_interval_parse(ivs, &iv, err);
    if (!rc) rc = qc_store_open(cli->db_url, &st, err);
    for (size_t s = 0; !rc && s < n; s++) {
        ptrs[s] = &bars[s];
        rc = qc_store_load_bars(st, names[s], iv, QC_TS_NONE, QC_TS_NONE, &bars[s], err);
    }
    if (!rc) {
        qc_series_info *items;
        size_t ni;
        rc = qc_store_list(st, &items, &ni, err);
        for (size_t i = 0; !rc && i < ni; i++)
            if (strcmp(items[i].symbol, names[0]) == 0 && (!iv || items[i].interval_s == iv)) {
                in->interval_s = items[i].interval_s;
                break;
            }
        if (!rc) free(items);
    }
    if (!rc) rc = qc_panel_build(&in->p, ptrs, (const char *const *)names, n, err);
    snprintf(in->label, sizeof in->label, "%s%s", n ? names[0] : "", n > 1 ? ",..." : "");
    for (size_t s = 0; bars && s < n; s++) qc_bars_free(&bars[s]);
    free(bars), free(ptrs), free(buf);
    qc_store_close(st);
    return rc;
}

static qc_err load_panel(const qc_cli *cli, const qc_args *a, const char *cmd, panel_in *in, qc_error *err) {
    in->cal = qc_calendar_get(cfg_or(cli, a, "calendar", "data.calendar", "NYSE"), err);
    if (!in->cal) return QC_ERR_INPUT;
    const char *data = qc_args_get(a, "data");
    if (!data && !qc_args_has(a, "symbol")) return qc_err_set(err, QC_ERR_USAGE, "%s: give --data FILE.csv or --symbol SYM", cmd);
    qc_err rc = data ? panel_from_csv(cli, a, data, in, err) : panel_from_store(cli, a, in, err);
    if (!rc && in->p.n_ts == 0) rc = qc_err_set(err, QC_ERR_INPUT, "%s: no bars", in->label);
    return rc;
}

/* ---- features on a panel ----------------------------------------------------------------------------- */

/* Scratch for one symbol's compacted bars and outputs. */
typedef struct {
    size_t *idx;
    double *o, *h, *l, *c, *v, *out[QC_IND_MAX_OUTPUTS];
} compact;

static void compact_free(compact *k) {
    free(k->idx), free(k->o), free(k->h), free(k->l), free(k->c), free(k->v);
    for (size_t j = 0; j < QC_IND_MAX_OUTPUTS; j++) free(k->out[j]);
}

static qc_err compact_alloc(compact *k, size_t n, qc_error *err) {
    memset(k, 0, sizeof *k);
    int ok = (k->idx = malloc(n * sizeof *k->idx)) && (k->o = malloc(n * sizeof(double))) &&
             (k->h = malloc(n * sizeof(double))) && (k->l = malloc(n * sizeof(double))) &&
             (k->c = malloc(n * sizeof(double))) && (k->v = malloc(n * sizeof(double)));
    for (size_t j = 0; ok && j < QC_IND_MAX_OUTPUTS; j++) ok = (k->out[j] = malloc(n * sizeof(double))) != NULL;
    if (ok) return QC_OK;
    compact_free(k);
    return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
}

/* The indicator over each symbol's own bars (the timestamps where its close exists), scattered back
 * onto the panel: a symbol listed late or missing a day is computed over the bars it has. */
static qc_err feature_panel(const qc_panel *p, const qc_ind_spec *it, compact *k, double *const *outs, qc_error *err) {
    size_t nt = p->n_ts;
    if (it->def->inputs & QC_IND_IN_OTHER)
        return qc_err_set(err, QC_ERR_INPUT, "%s: needs a second series, which features ic does not take", it->label);
    for (size_t s = 0; s < p->n_sym; s++) {
        size_t m = 0;
        const double *c = p->close + s * nt;
        for (size_t t = 0; t < nt; t++) {
            if (!isfinite(c[t])) continue;
            size_t i = s * nt + t;
            if ((it->def->inputs & QC_IND_IN_VOLUME) && !isfinite(p->volume[i]))
                return qc_err_set(err, QC_ERR_INPUT, "%s: needs volume, and %s has none (or a bar without it)", it->label,
                                  p->symbols[s]);
            k->idx[m] = t, k->o[m] = p->open[i], k->h[m] = p->high[i], k->l[m] = p->low[i], k->c[m] = c[t];
            k->v[m++] = p->volume[i];
        }
        qc_ind_cols cols = {k->o, k->h, k->l, k->c, k->v, NULL};
        qc_err rc = qc_ind_batch(it->def, it->p, &cols, m, k->out, err);
        if (rc) return rc;
        for (size_t j = 0; j < it->def->n_outputs; j++) {
            double *dst = outs[j] + s * nt;
            for (size_t t = 0; t < nt; t++) dst[t] = NAN;
            for (size_t q = 0; q < m; q++) dst[k->idx[q]] = k->out[j][q];
        }
    }
    return QC_OK;
}

/* ---- features ic --------------------------------------------------------------------------------------- */

typedef struct {
    const panel_in *in;
    size_t n_cols;
    char (*names)[160];
    double **ic; /* n_cols series of n_ts */
} ic_table;

static void put_cell(FILE *f, const char *s) {
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"') fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static void put_number(FILE *f, double v) {
    char buf[40];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, v);
        if (prec == 17 || strtod(buf, NULL) == v) break;
    }
    fputs(buf, f);
}

static qc_err write_ic(FILE *f, void *ctx, qc_error *err) {
    const ic_table *t = ctx;
    fputs("date", f);
    for (size_t c = 0; c < t->n_cols; c++) fputc(',', f), put_cell(f, t->names[c]);
    fputc('\n', f);
    for (size_t i = 0; i < t->in->p.n_ts; i++) {
        char d[40];
        qc_calendar_format_stamp(t->in->cal, t->in->p.ts[i], t->in->interval_s, d, sizeof d);
        fputs(d, f);
        for (size_t c = 0; c < t->n_cols; c++) {
            fputc(',', f);
            if (isfinite(t->ic[c][i])) put_number(f, t->ic[c][i]);
        }
        fputc('\n', f);
    }
    return ferror(f) ? qc_err_set(err, QC_ERR_INTERNAL, "write failed") : QC_OK;
}

static cJSON *num_or_null(double v) { return isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull(); }

static void print_ic_summary(const ic_table *t, const qc_args *a, long long h) {
    int rank = qc_args_has(a, "rank");
    qc_ic_stats *st = calloc(t->n_cols ? t->n_cols : 1, sizeof *st);
    if (!st) return;
    for (size_t c = 0; c < t->n_cols; c++) qc_xs_ic_summary(t->ic[c], t->in->p.n_ts, &st[c]);
    if (qc_args_has(a, "json")) {
        cJSON *root = cJSON_CreateObject(), *arr = cJSON_CreateArray();
        cJSON_AddStringToObject(root, "kind", rank ? "rank_ic" : "ic");
        cJSON_AddNumberToObject(root, "horizon", (double)h);
        cJSON_AddNumberToObject(root, "symbols", (double)t->in->p.n_sym);
        cJSON_AddNumberToObject(root, "timestamps", (double)t->in->p.n_ts);
        for (size_t c = 0; c < t->n_cols; c++) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "feature", t->names[c]);
            cJSON_AddNumberToObject(o, "n", (double)st[c].n);
            cJSON_AddItemToObject(o, "mean", num_or_null(st[c].mean));
            cJSON_AddItemToObject(o, "std", num_or_null(st[c].std));
            cJSON_AddItemToObject(o, "t_stat", num_or_null(st[c].t_stat));
            cJSON_AddItemToObject(o, "ir", num_or_null(st[c].ir));
            cJSON_AddItemToObject(o, "hit_rate", num_or_null(st[c].hit));
            cJSON_AddItemToArray(arr, o);
        }
        cJSON_AddItemToObject(root, "features", arr);
        qc_out_json(stdout, root);
        free(st);
        return;
    }
    char **cells = calloc(t->n_cols * 7 + 1, sizeof *cells);
    for (size_t c = 0; cells && c < t->n_cols; c++) {
        char b[6][40];
        snprintf(b[0], 40, "%zu", st[c].n);
        const double v[5] = {st[c].mean, st[c].std, st[c].t_stat, st[c].ir, st[c].hit};
        for (int j = 0; j < 5; j++) snprintf(b[j + 1], 40, "%.4f", v[j]);
        cells[c * 7] = qc_strdup(t->names[c]);
        for (int j = 0; j < 6; j++) cells[c * 7 + 1 + j] = qc_strdup(b[j]);
    }
    static const char *const hdr_ic[] = {"feature", "n", "mean_ic", "std", "t_stat", "ir", "hit_rate"};
    static const char *const hdr_rk[] = {"feature", "n", "mean_rank_ic", "std", "t_stat", "ir", "hit_rate"};
    if (cells) qc_out_table(stdout, rank ? hdr_rk : hdr_ic, 7, cells, t->n_cols);
    for (size_t i = 0; cells && i < t->n_cols * 7; i++) free(cells[i]);
    free(cells), free(st);
}

static qc_err ic_compute(const panel_in *in, const qc_ind_spec *items, size_t n_items, long long h, int rank,
                         ic_table *t, qc_error *err) {
    size_t cells = in->p.n_sym * in->p.n_ts;
    double *fwd = malloc(cells * sizeof *fwd), *feat[QC_IND_MAX_OUTPUTS] = {0};
    compact k;
    qc_err rc = fwd ? compact_alloc(&k, in->p.n_ts, err) : qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    if (rc) {
        free(fwd);
        return rc;
    }
    for (size_t j = 0; j < QC_IND_MAX_OUTPUTS && !rc; j++)
        if (!(feat[j] = malloc(cells * sizeof(double)))) rc = qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    if (!rc) rc = qc_xs_forward_returns(in->p.close, in->p.n_sym, in->p.n_ts, (size_t)h, fwd, err);
    size_t col = 0;
    for (size_t i = 0; !rc && i < n_items; i++) {
        rc = feature_panel(&in->p, &items[i], &k, feat, err);
        for (size_t j = 0; !rc && j < items[i].def->n_outputs; j++, col++) {
            qc_ind_column_name(&items[i], j, t->names[col], sizeof t->names[col]);
            rc = qc_xs_ic(feat[j], fwd, in->p.n_sym, in->p.n_ts, rank, t->ic[col], NULL, err);
        }
    }
    for (size_t j = 0; j < QC_IND_MAX_OUTPUTS; j++) free(feat[j]);
    compact_free(&k);
    free(fwd);
    return rc;
}

static qc_err run_ic(const qc_cli *cli, const qc_args *a, qc_error *err) {
    const char *spec = qc_args_get(a, "spec");
    if (!spec) return qc_err_set(err, QC_ERR_USAGE, "features ic: --spec is required (e.g. --spec \"roc(5),rsi(14)\")");
    if (!qc_args_has(a, "horizon")) return qc_err_set(err, QC_ERR_USAGE, "features ic: --horizon H is required");
    long long h = 1;
    qc_err rc = qc_args_int(a, "horizon", 1, 100000, &h, err);
    qc_ind_spec *items = NULL;
    size_t n_items = 0;
    if (!rc) rc = qc_ind_spec_parse(spec, &items, &n_items, err);
    if (rc) return rc;
    panel_in in = {0};
    ic_table t = {.in = &in};
    rc = load_panel(cli, a, "features ic", &in, err);
    if (!rc && in.p.n_sym < 3)
        rc = qc_err_set(err, QC_ERR_INPUT, "features ic: %s holds %zu symbol%s; an IC needs at least 3 (give a "
                        "multi-column close CSV or several --symbol)", in.label, in.p.n_sym, in.p.n_sym == 1 ? "" : "s");
    for (size_t i = 0; i < n_items; i++) t.n_cols += items[i].def->n_outputs;
    if (!rc && (!(t.names = calloc(t.n_cols, sizeof *t.names)) || !(t.ic = calloc(t.n_cols, sizeof *t.ic))))
        rc = qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    for (size_t c = 0; !rc && c < t.n_cols; c++)
        if (!(t.ic[c] = malloc(in.p.n_ts * sizeof(double)))) rc = qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    if (!rc) rc = ic_compute(&in, items, n_items, h, qc_args_has(a, "rank"), &t, err);
    const char *out = qc_args_get(a, "output");
    if (!rc && out) rc = qc_out_file(out, write_ic, &t, err);
    if (!rc && !(out && strcmp(out, "-") == 0)) print_ic_summary(&t, a, h);
    for (size_t c = 0; t.ic && c < t.n_cols; c++) free(t.ic[c]);
    free(t.ic), free(t.names), free(items);
    qc_panel_free(&in.p);
    return rc;
}

static int cmd_ic(qc_cli *cli, qc_args *a) {
    qc_error err = {0};
    qc_err rc = run_ic(cli, a, &err);
    return rc ? qc_cli_fail(&err) : 0;
}

static const qc_opt_spec k_ic_opts[] = {
    {"data", "FILE.csv", "a close column per symbol (date,AAA,BBB,...; empty cells = no bar)"},
    {"symbol", "SYM", "a stored symbol (repeat, or comma-separated, for the panel)"},
    {"spec", "SPEC", "features, e.g. \"roc(5),rsi(14),zscore(20)\" (see features list)"},
    {"horizon", "H", "forward return over H bars: close[t+H] / close[t] - 1"},
    {"rank", NULL, "rank IC (Spearman) instead of the IC (Pearson)"},
    {"output", "IC.csv", "write the IC time series (date, one column per feature)"},
    {"json", NULL, "print the summary as JSON"},
    {"interval", "IV", "bar interval to load from the store (default: the smallest stored)"},
    {"calendar", "NAME", "exchange calendar for dates (default NYSE) [data.calendar]"},
    {"tz", "ZONE", "zone of CSV date-times without an offset (default UTC) [data.tz]"},
};

const qc_command qc_cmd_features_xsec[] = {
    {"features ic", "(--data FILE.csv | --symbol SYM...) --spec SPEC --horizon H [--rank] [--output IC.csv] [--json]",
     "Information coefficient of features against forward returns across symbols.",
     "Each feature (an indicator output, computed over each symbol's own bars) is correlated at every\n"
     "date with the H-bar forward return across the symbols that have both (at least 3; otherwise\n"
     "that date's IC is empty): Pearson, or Spearman's rank correlation with --rank (average ranks\n"
     "for ties). Prints per feature: dates with an IC, mean, SD (ddof 1), t-statistic\n"
     "mean / (SD / sqrt(n)), IR = mean / SD (per date, not annualised) and the share of positive ICs.\n"
     "--output writes the IC series; with --output - the series goes to stdout instead of the summary.",
     k_ic_opts, sizeof k_ic_opts / sizeof k_ic_opts[0], 0, 0, cmd_ic},
};
const size_t qc_cmd_features_xsec_n = sizeof qc_cmd_features_xsec / sizeof qc_cmd_features_xsec[0];
