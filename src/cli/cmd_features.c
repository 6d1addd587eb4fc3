/* cmd_features.c: `quantcli features`: computes technical indicators (src/features/indicators.h)
 * from a spec over one series (a CSV file or a stored symbol) and writes a CSV with the date and
 * one column per output (name(args) or name(args).field; warm-up cells empty; header cells with
 * commas quoted as RFC 4180 says). `quantcli features list` prints the indicator table. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd_features.h"
#include "core/strutil.h"
#include "data/csv.h"
#include "data/store.h"
#include "data/validate.h"
#include "features/indicators.h"
#include "features/sets.h"
#include "features/featstore.h"
#include "core/log.h"


static const char *cfg_or(const qc_cli *cli, const qc_args *a, const char *opt, const char *key, const char *def) {
    const char *v = opt ? qc_args_get(a, opt) : NULL;
    if (!v && key) v = qc_config_get(cli->cfg, key);
    return v && *v ? v : def;
}

/* One series from a CSV: the only one, or the close column named sym of a multi-column file;
 * validated under the configured policy like an import, but not stored. */
static qc_err load_csv(const qc_cli *cli, const qc_args *a, const char *path, const char *sym, series_in *in,
                       qc_error *err) {
    qc_csv_opts co;
    qc_csv_opts_init(&co);
    co.cal = in->cal;
    co.label = path;
    qc_err rc = qc_tz_parse(cfg_or(cli, a, "tz", "data.tz", "UTC"), &co.tz, err);
    qc_csv_result csv;
    if (!rc) rc = qc_csv_read_file(path, &co, &csv, err);
    if (rc) return rc;
    size_t s = 0;
    if (csv.n_series > 1) {
        for (s = 0; sym && s < csv.n_series; s++)
            if (qc_str_ieq(csv.names[s], sym)) break;
        if (!sym || s == csv.n_series)
            rc = qc_err_set(err, QC_ERR_INPUT, "%s: %zu close columns: pick one with --symbol NAME%s%.60s%s", path,
                            csv.n_series, sym ? " (no column '" : "", sym ? sym : "", sym ? "')" : "");
    }
    qc_vopts vo;
    qc_vopts_init(&vo);
    vo.cal = in->cal;
    vo.label = path;
    qc_vreport rep;
    qc_vreport_init(&rep);
    if (!rc) rc = qc_policy_parse(cfg_or(cli, a, NULL, "data.validation.policy", "reject"), &vo.policy, err);
    if (!rc) rc = qc_validate_bad_rows(csv.bad, csv.n_bad, &vo, &rep, err);
    if (!rc) rc = qc_validate_series(&csv.series[s], csv.lines[s], sym ? sym : path, csv.interval_s, &vo, &rep, err);
    if (!rc) {
        in->bars = csv.series[s];
        memset(&csv.series[s], 0, sizeof csv.series[s]);
        in->interval_s = csv.interval_s;
        snprintf(in->label, sizeof in->label, "%s", path);
    }
    qc_vreport_free(&rep);
    qc_csv_result_free(&csv);
    return rc;
}

static qc_err load_store(const qc_cli *cli, const qc_args *a, const char *sym, series_in *in, qc_error *err) {
    qc_store *st = NULL;
    int64_t iv = 0;
    const char *ivs = qc_args_get(a, "interval");
    qc_err rc = ivs ? qc_interval_parse(ivs, &iv, err) : QC_OK;
    if (!rc) rc = qc_store_open(cli->db_url, &st, err);
    if (!rc) rc = qc_store_load_bars(st, sym, iv, QC_TS_NONE, QC_TS_NONE, &in->bars, err);
    if (!rc) {
        qc_series_info *items;
        size_t ni;
        rc = qc_store_list(st, &items, &ni, err);
        for (size_t i = 0; !rc && i < ni; i++)
            if (strcmp(items[i].symbol, sym) == 0 && (!iv || items[i].interval_s == iv)) {
                in->interval_s = items[i].interval_s;
                if (!qc_args_get(a, "calendar")) in->cal = qc_calendar_get(items[i].calendar, NULL);
                break;
            }
        if (!rc) free(items);
    }
    snprintf(in->label, sizeof in->label, "%s", sym);
    qc_store_close(st);
    return rc;
}

/* A file path (has a slash or a .csv ending) or a stored symbol. */
static int looks_like_file(const char *s) {
    size_t n = strlen(s);
    return strchr(s, '/') || (n > 4 && qc_str_ieq(s + n - 4, ".csv"));
}

/* The other series' closes on the main series' dates; every date must be there. */
static qc_err align_other(const series_in *main, const series_in *o, double *out, qc_error *err) {
    size_t j = 0;
    for (size_t i = 0; i < main->bars.n; i++) {
        int64_t ts = main->bars.ts[i];
        while (j < o->bars.n && o->bars.ts[j] < ts) j++;
        if (j == o->bars.n || o->bars.ts[j] != ts) {
            char d[40];
            qc_calendar_format_stamp(main->cal, ts, main->interval_s, d, sizeof d);
            return qc_err_set(err, QC_ERR_INPUT, "--other %s: no value for %s", o->label, d);
        }
        out[i] = o->bars.close[j];
    }
    return QC_OK;
}

typedef struct {
    const series_in *in;
    const qc_ind_spec *items;
    size_t n_items;
    double **cols; /* one per output, in column order */
    size_t n_cols;
} table;


static qc_err write_table(FILE *f, void *ctx, qc_error *err) {
    const table *t = ctx;
    fputs("date", f);
    for (size_t k = 0; k < t->n_items; k++)
        for (size_t o = 0; o < t->items[k].def->n_outputs; o++) {
            char name[160];
            qc_ind_column_name(&t->items[k], o, name, sizeof name);
            fputc(',', f);
            qc_out_csv_cell(f, name);
        }
    fputc('\n', f);
    for (size_t i = 0; i < t->in->bars.n; i++) {
        char d[40];
        qc_calendar_format_stamp(t->in->cal, t->in->bars.ts[i], t->in->interval_s, d, sizeof d);
        fputs(d, f);
        for (size_t c = 0; c < t->n_cols; c++) {
            double v = t->cols[c][i];
            if (isfinite(v)) fputc(',', f), qc_out_csv_number(f, v);
            else fputc(',', f);
        }
        fputc('\n', f);
    }
    return ferror(f) ? qc_err_set(err, QC_ERR_INTERNAL, "write failed") : QC_OK;
}

/* Runs every item; an indicator whose inputs the series lacks is an error naming both. */
static qc_err compute(table *t, const double *other, qc_error *err) {
    const qc_bars *b = &t->in->bars;
    int has_volume = 1;
    for (size_t i = 0; i < b->n && has_volume; i++) has_volume = isfinite(b->volume[i]);
    qc_ind_cols c = {b->open, b->high, b->low, b->close, has_volume ? b->volume : NULL, other};
    size_t col = 0;
    for (size_t k = 0; k < t->n_items; k++) {
        const qc_ind_spec *s = &t->items[k];
        if ((s->def->inputs & QC_IND_IN_VOLUME) && !has_volume)
            return qc_err_set(err, QC_ERR_INPUT, "%s: needs volume, and %s has none (or a bar without it)", s->label,
                              t->in->label);
        if ((s->def->inputs & QC_IND_IN_OTHER) && !other)
            return qc_err_set(err, QC_ERR_INPUT, "%s: needs a second series: give --other FILE.csv|SYM", s->label);
        qc_err rc = qc_ind_batch(s->def, s->p, &c, b->n, t->cols + col, err);
        if (rc) return rc;
        col += s->def->n_outputs;
    }
    return QC_OK;
}

typedef struct {
    table *t;
    const double *other;
} compute_ctx;
static qc_err compute_cb(void *ctx, double *const *out, qc_error *err) {
    compute_ctx *c = ctx;
    (void)out; /* the same arrays as c->t->cols */
    return compute(c->t, c->other, err);
}

/* The feature store (--symbol, unless --no-cache or features.cache: false): the spec key is every
 * canonical label, plus the second series' name when there is one (its bars are fingerprinted). */
static qc_err compute_cached(const qc_cli *cli, table *t, const double *other, const char *other_label,
                             qc_error *err) {
    const qc_bars *b = &t->in->bars;
    size_t len = 0, cap = 64;
    for (size_t k = 0; k < t->n_items; k++) cap += strlen(t->items[k].label) + 1;
    if (other_label) cap += strlen(other_label);
    char *key = malloc(cap);
    if (!key) return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    for (size_t k = 0; k < t->n_items; k++) len += (size_t)snprintf(key + len, cap - len, "%s%s", k ? "," : "", t->items[k].label);
    if (other_label) snprintf(key + len, cap - len, "|other=%s", other_label);
    int has_volume = 1;
    for (size_t i = 0; i < b->n && has_volume; i++) has_volume = isfinite(b->volume[i]);
    qc_ind_cols c = {b->open, b->high, b->low, b->close, has_volume ? b->volume : NULL, other};
    qc_store *st = NULL;
    qc_featstore_outcome how = QC_FEATSTORE_NEW;
    compute_ctx ctx = {t, other};
    qc_err rc = qc_store_open(cli->db_url, &st, err);
    if (!rc)
        rc = qc_featstore_get_or_compute(st, t->in->label, t->in->interval_s, key, b->ts, &c, b->n, t->n_cols, t->cols,
                                         compute_cb, &ctx, &how, err);
    if (!rc)
        QC_LOG(QC_LOG_INFO, "features", "feature store", QC_KS("symbol", t->in->label),
               QC_KS("outcome", qc_featstore_outcome_name(how)), QC_KI("bars", b->n), QC_KI("columns", t->n_cols));
    qc_store_close(st);
    free(key);
    return rc;
}

static int cache_on(const qc_cli *cli, const qc_args *a) {
    if (qc_args_get(a, "data") || qc_args_has(a, "no-cache")) return 0;
    int on = 1;
    qc_error e = {0};
    if (qc_config_get_bool(cli->cfg, "features.cache", &on, &e)) on = 1;
    return on;
}

qc_err qc_cli_series_load(const qc_cli *cli, const qc_args *a, series_in *in, qc_error *err) {
    in->cal = qc_calendar_get(cfg_or(cli, a, "calendar", "data.calendar", "NYSE"), err);
    if (!in->cal) return QC_ERR_INPUT;
    const char *data = qc_args_get(a, "data"), *sym = qc_args_get(a, "symbol");
    if (!data && !sym) return qc_err_set(err, QC_ERR_USAGE, "give --data FILE.csv or --symbol SYM");
    qc_err rc = data ? load_csv(cli, a, data, sym, in, err) : load_store(cli, a, sym, in, err);
    if (!rc && in->bars.n == 0) rc = qc_err_set(err, QC_ERR_INPUT, "%s: no bars", in->label);
    return rc;
}

/* --spec, or the spec of --set NAME (exactly one of them). */
static qc_err spec_of(const qc_cli *cli, const qc_args *a, const char **spec, qc_error *err) {
    const char *sp = qc_args_get(a, "spec"), *set = qc_args_get(a, "set");
    if (sp && set) return qc_err_set(err, QC_ERR_USAGE, "features: give --spec or --set, not both");
    if (!sp && !set)
        return qc_err_set(err, QC_ERR_USAGE,
                          "features: give --spec SPEC (e.g. \"sma(20),rsi(14)\") or --set NAME (see features sets)");
    *spec = sp;
    if (sp) return QC_OK;
    qc_featset fs;
    qc_err rc = qc_featset_get(cli->cfg, set, &fs, err);
    if (!rc) *spec = fs.spec;
    return rc;
}

static qc_err run(const qc_cli *cli, const qc_args *a, qc_error *err) {
    const char *spec = NULL;
    qc_err rc0 = spec_of(cli, a, &spec, err);
    if (rc0) return rc0;
    table t = {0};
    qc_ind_spec *items = NULL;
    size_t n_items = 0;
    qc_err rc = qc_ind_spec_parse(spec, &items, &n_items, err);
    if (rc) return rc;
    series_in in = {0}, oth = {0};
    double *other = NULL;
    rc = qc_cli_series_load(cli, a, &in, err);
    const char *o = qc_args_get(a, "other");
    if (!rc && o) {
        oth.cal = in.cal;
        rc = looks_like_file(o) ? load_csv(cli, a, o, NULL, &oth, err) : load_store(cli, a, o, &oth, err);
        if (!rc && !(other = malloc(in.bars.n * sizeof *other))) rc = qc_err_set(err, QC_ERR_NOMEM, "out of memory");
        if (!rc) rc = align_other(&in, &oth, other, err);
    }
    t.in = &in, t.items = items, t.n_items = n_items;
    for (size_t k = 0; k < n_items; k++) t.n_cols += items[k].def->n_outputs;
    if (!rc && !(t.cols = calloc(t.n_cols, sizeof *t.cols))) rc = qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    for (size_t c = 0; !rc && c < t.n_cols; c++)
        if (!(t.cols[c] = malloc(in.bars.n * sizeof(double)))) rc = qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    if (!rc) rc = cache_on(cli, a) ? compute_cached(cli, &t, other, o ? oth.label : NULL, err) : compute(&t, other, err);
    if (!rc) rc = qc_out_file(cfg_or(cli, a, "output", NULL, "-"), write_table, &t, err);
    for (size_t c = 0; t.cols && c < t.n_cols; c++) free(t.cols[c]);
    free(t.cols);
    free(other);
    free(items);
    qc_bars_free(&in.bars);
    qc_bars_free(&oth.bars);
    return rc;
}

static int cmd_features(qc_cli *cli, qc_args *a) {
    qc_error err = {0};
    qc_err rc = run(cli, a, &err);
    return rc ? qc_cli_fail(&err) : 0;
}

/* ---- features sets ------------------------------------------------------------------------------ */
/* Items and columns of a spec; 0 columns when it does not parse (then *why says why). */
static size_t spec_columns(const char *spec, size_t *items, char *why, size_t n) {
    qc_ind_spec *it = NULL;
    qc_error e = {0};
    size_t k = 0, cols = 0;
    why[0] = '\0';
    if (qc_ind_spec_parse(spec, &it, &k, &e)) {
        snprintf(why, n, "%s", e.msg);
        *items = 0;
        return 0;
    }
    for (size_t i = 0; i < k; i++) cols += it[i].def->n_outputs;
    free(it);
    *items = k;
    return cols;
}

static int cmd_features_sets(qc_cli *cli, qc_args *a) {
    qc_error err = {0};
    qc_featset *sets = NULL;
    size_t n = 0;
    if (qc_featset_list(cli->cfg, &sets, &n, &err)) return qc_cli_fail(&err);
    int json = qc_args_has(a, "json");
    cJSON *root = json ? cJSON_CreateArray() : NULL;
    char **cells = json ? NULL : calloc(n * 5 + 1, sizeof *cells);
    for (size_t i = 0; i < n; i++) {
        char why[256], num[2][24];
        size_t items, cols = spec_columns(sets[i].spec, &items, why, sizeof why);
        snprintf(num[0], sizeof num[0], "%zu", items);
        snprintf(num[1], sizeof num[1], "%zu", cols);
        if (json) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "name", sets[i].name);
            cJSON_AddStringToObject(o, "source", sets[i].source);
            cJSON_AddNumberToObject(o, "items", (double)items);
            cJSON_AddNumberToObject(o, "columns", (double)cols);
            cJSON_AddStringToObject(o, "spec", sets[i].spec);
            if (why[0]) cJSON_AddStringToObject(o, "error", why);
            cJSON_AddItemToArray(root, o);
        } else if (cells) {
            const char *v[5] = {sets[i].name, sets[i].source, num[0], why[0] ? "invalid" : num[1],
                                why[0] ? why : sets[i].spec};
            for (size_t c = 0; c < 5; c++) cells[i * 5 + c] = qc_strdup(v[c]);
        }
    }
    if (json) {
        qc_out_json(stdout, root);
    } else if (cells) {
        static const char *const headers[] = {"name", "source", "items", "columns", "spec"};
        qc_out_table(stdout, headers, 5, cells, n);
        for (size_t i = 0; i < n * 5; i++) free(cells[i]);
    }
    free(cells);
    free(sets);
    return 0;
}

/* ---- features list ------------------------------------------------------------------------------ */
static void param_text(const qc_ind_def *d, char *buf, size_t n) {
    size_t len = 0;
    buf[0] = '\0';
    for (size_t j = 0; j < d->n_params && len < n; j++)
        len += (size_t)snprintf(buf + len, n - len, "%s%s=%g", j ? " " : "", d->params[j].name, d->params[j].def);
    if (!d->n_params) snprintf(buf, n, "-");
}

static void outputs_text(const qc_ind_def *d, char *buf, size_t n) {
    size_t len = 0;
    buf[0] = '\0';
    for (size_t k = 0; k < d->n_outputs && len < n; k++)
        len += (size_t)snprintf(buf + len, n - len, "%s%s", k ? "," : "", d->outputs[k]);
}

static void list_json(void) {
    cJSON *root = cJSON_CreateArray();
    for (size_t i = 0; i < qc_ind_count(); i++) {
        const qc_ind_def *d = qc_ind_at(i);
        cJSON *o = cJSON_CreateObject(), *ps = cJSON_CreateArray(), *outs = cJSON_CreateArray();
        cJSON_AddStringToObject(o, "name", d->name);
        cJSON_AddStringToObject(o, "group", d->group);
        cJSON_AddStringToObject(o, "inputs", qc_ind_inputs_name(d->inputs));
        for (size_t j = 0; j < d->n_params; j++) {
            cJSON *p = cJSON_CreateObject();
            cJSON_AddStringToObject(p, "name", d->params[j].name);
            cJSON_AddNumberToObject(p, "default", d->params[j].def);
            cJSON_AddNumberToObject(p, "min", d->params[j].min);
            cJSON_AddNumberToObject(p, "max", d->params[j].max);
            cJSON_AddBoolToObject(p, "integer", d->params[j].is_int);
            cJSON_AddItemToArray(ps, p);
        }
        cJSON_AddItemToObject(o, "params", ps);
        for (size_t k = 0; k < d->n_outputs; k++) cJSON_AddItemToArray(outs, cJSON_CreateString(d->outputs[k]));
        cJSON_AddItemToObject(o, "outputs", outs);
        cJSON_AddBoolToObject(o, "window_scan", d->window_scan);
        cJSON_AddStringToObject(o, "description", d->desc);
        cJSON_AddItemToArray(root, o);
    }
    qc_out_json(stdout, root);
}

static int cmd_features_list(qc_cli *cli, qc_args *a) {
    (void)cli;
    if (qc_args_has(a, "json")) {
        list_json();
        return 0;
    }
    size_t n = qc_ind_count();
    char **cells = calloc(n * 6, sizeof *cells);
    if (!cells) {
        qc_error err = {0};
        qc_err_set(&err, QC_ERR_NOMEM, "out of memory");
        return qc_cli_fail(&err);
    }
    for (size_t i = 0; i < n; i++) {
        const qc_ind_def *d = qc_ind_at(i);
        char p[160], o[160];
        param_text(d, p, sizeof p);
        outputs_text(d, o, sizeof o);
        const char *v[6] = {d->name, d->group, qc_ind_inputs_name(d->inputs), p, o, d->desc};
        for (size_t c = 0; c < 6; c++) cells[i * 6 + c] = qc_strdup(v[c]);
    }
    static const char *const headers[] = {"name", "group", "inputs", "parameters", "outputs", "description"};
    qc_out_table(stdout, headers, 6, cells, n);
    for (size_t i = 0; i < n * 6; i++) free(cells[i]);
    free(cells);
    return 0;
}

static const qc_opt_spec k_opts[] = {
    {"data", "FILE.csv", "bars from a CSV (OHLCV, or close columns: pick one with --symbol)"},
    {"symbol", "SYM", "a stored symbol; with --data: the close column of a multi-column file"},
    {"spec", "SPEC", "indicators, e.g. \"sma(20),rsi(14),macd(12,26,9),bbands(20,2),atr(14)\""},
    {"set", "NAME", "a named feature set instead of --spec (built-in or features.sets.NAME; see features sets)"},
    {"output", "OUT.csv", "where to write the CSV (default: stdout)"},
    {"other", "FILE.csv|SYM", "the second series of corr, beta and cov (its close on the same dates)"},
    {"interval", "IV", "bar interval to load from the store (default: the smallest stored)"},
    {"no-cache", NULL, "with --symbol: compute afresh, neither reading nor writing the feature store [features.cache]"},
    {"calendar", "NAME", "exchange calendar for dates (default NYSE) [data.calendar]"},
    {"tz", "ZONE", "zone of CSV date-times without an offset (default UTC) [data.tz]"},
};
static const qc_opt_spec k_list_opts[] = {
    {"json", NULL, "print the table as JSON (parameters with default, min, max)"},
};

static const qc_opt_spec k_sets_opts[] = {
    {"json", NULL, "print the sets as JSON"},
};

const qc_command qc_cmd_features[] = {
    {"features", "(--data FILE.csv | --symbol SYM) (--spec SPEC | --set NAME) [--output OUT.csv] [options]",
     "Technical indicators of one series as a CSV: one column per indicator output.",
     "SPEC is a comma-separated list of name or name(arg,...) (missing trailing arguments take their\n"
     "defaults; see `quantcli features list`); --set NAME uses a named set's spec instead (`features sets`).\n"
     "Columns are named name(args) with every argument, or\n"
     "name(args).field for indicators with several outputs (macd(12,26,9).signal); header cells with\n"
     "commas are quoted (RFC 4180). Warm-up cells are empty. Values print in the fewest digits (15 to 17) that read back exactly.\n"
     "Conventions follow R's TTR (EMA seeded with the SMA of the first n, Wilder smoothing for RSI,\n"
     "ATR and ADX, MACD in price units); differences are listed in docs/FEATURES.md. A bad spec is one\n"
     "error line naming the item and its position (exit 3).\n"
     "With --symbol the columns persist in the store's feature cache, keyed by symbol, interval, spec and\n"
     "code version with a fingerprint of the input bars: they are reused only while those bars are\n"
     "unchanged (new or revised bars recompute). --no-cache or features.cache: false turns it off;\n"
     "log.level info reports hit/new/extended/changed.",
     k_opts, sizeof k_opts / sizeof k_opts[0], 0, 0, cmd_features},
    {"features list", "[--json]", "List the indicators: parameters, inputs, outputs, description.", NULL, k_list_opts,
     sizeof k_list_opts / sizeof k_list_opts[0], 0, 0, cmd_features_list},
    {"features sets", "[--json]", "List the named feature sets: built-in and features.sets.NAME from config.",
     "A set names a spec: `features.sets.NAME: \"sma(20),rsi(14)\"` in a YAML config file (or a YAML list of\n"
     "items), or QUANTCLI_FEATURES__SETS__NAME in the environment. A configured set with a built-in's name\n"
     "replaces it. The built-in \"default\" set is 30 scale-free columns (returns, oscillators, annualised\n"
     "volatilities, z-scores). A set whose spec does not parse is listed as invalid with the reason.",
     k_sets_opts, sizeof k_sets_opts / sizeof k_sets_opts[0], 0, 0, cmd_features_sets},
};
const size_t qc_cmd_features_n = 3;
