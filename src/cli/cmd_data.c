/* cmd_data.c: `quantcli data synth|import|export|list|validate`: argument handling and printing
 * over the data module (import pipeline, store, synthetic market). */
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/calendar.h"
#include "core/strutil.h"
#include "core/time.h"
#include "data/csv.h"
#include "data/import.h"
#include "data/store.h"
#include "data/synth.h"

/* ---- shared helpers --------------------------------------------------------------------------- */

static qc_err open_store(qc_cli *cli, qc_store **st, qc_error *err) {
    return qc_store_open(cli->db_url, st, err);
}

/* Option value, else config key, else fallback. */
static const char *opt_or_cfg(const qc_cli *cli, const qc_args *a, const char *opt, const char *key,
                              const char *fallback) {
    const char *v = opt ? qc_args_get(a, opt) : NULL;
    if (!v && key) v = qc_config_get(cli->cfg, key);
    return v && *v ? v : fallback;
}

static qc_err calendar_of(const qc_cli *cli, const qc_args *a, const qc_calendar **cal, qc_error *err) {
    *cal = qc_calendar_get(opt_or_cfg(cli, a, "calendar", "data.calendar", "NYSE"), err);
    return *cal ? QC_OK : QC_ERR_INPUT;
}

/* ---- validation options from flags and config ------------------------------------------------- */

static qc_err import_opts(const qc_cli *cli, const qc_args *a, qc_import_opts *o, qc_error *err) {
    qc_import_opts_init(o);
    o->symbol = qc_args_get(a, "symbol");
    const qc_calendar *cal;
    qc_err rc = calendar_of(cli, a, &cal, err);
    if (rc) return rc;
    o->calendar = qc_calendar_name(cal);
    o->csv.cal = cal;
    o->v.cal = cal;
    if ((rc = qc_tz_parse(opt_or_cfg(cli, a, "tz", "data.tz", "UTC"), &o->csv.tz, err))) return rc;
    if ((rc = qc_policy_parse(opt_or_cfg(cli, a, "policy", "data.validation.policy", "reject"), &o->v.policy, err)))
        return rc;
    double z = 10, tol = 0.03;
    if (qc_config_get(cli->cfg, "data.validation.outlier_z") &&
        (rc = qc_config_get_double(cli->cfg, "data.validation.outlier_z", &z, err)))
        return rc;
    if (qc_config_get(cli->cfg, "data.validation.split_tolerance") &&
        (rc = qc_config_get_double(cli->cfg, "data.validation.split_tolerance", &tol, err)))
        return rc;
    o->v.outlier_z = z;
    o->v.split_tolerance = tol;
    const char *iv = qc_args_get(a, "interval");
    if (iv && (rc = qc_interval_parse(iv, &o->csv.interval_s, err))) return rc;
    const char *stamp = qc_args_get(a, "stamp");
    if (stamp && strcmp(stamp, "open") && strcmp(stamp, "close"))
        return qc_err_set(err, QC_ERR_INPUT, "option '--stamp': expected open or close, got '%.20s'", stamp);
    o->csv.stamp_open = stamp && strcmp(stamp, "open") == 0;
    return QC_OK;
}

static const char *k_action[] = {"reported", "dropped", "flagged"};

static cJSON *report_json(const qc_vreport *r, const qc_calendar *cal, int64_t interval_s) {
    cJSON *o = cJSON_CreateObject(), *counts = cJSON_CreateObject(), *items = cJSON_CreateArray();
    cJSON_AddNumberToObject(o, "hard", (double)r->n_hard);
    cJSON_AddNumberToObject(o, "soft", (double)r->n_soft);
    cJSON_AddNumberToObject(o, "dropped", (double)r->n_dropped);
    cJSON_AddNumberToObject(o, "flagged", (double)r->n_flagged);
    for (int c = 0; c < QC_CHK__COUNT; c++)
        if (r->counts[c]) cJSON_AddNumberToObject(counts, qc_check_name((qc_check)c), (double)r->counts[c]);
    cJSON_AddItemToObject(o, "counts", counts);
    for (size_t i = 0; i < r->n; i++) {
        const qc_finding *f = &r->items[i];
        cJSON *j = cJSON_CreateObject();
        char when[40];
        qc_calendar_format_stamp(cal, f->ts, interval_s, when, sizeof when);
        cJSON_AddStringToObject(j, "check", qc_check_name(f->check));
        cJSON_AddStringToObject(j, "severity", f->hard ? "hard" : "soft");
        cJSON_AddStringToObject(j, "symbol", f->symbol);
        if (f->line) cJSON_AddNumberToObject(j, "line", (double)f->line);
        if (f->ts != QC_TS_NONE) cJSON_AddStringToObject(j, "date", when);
        cJSON_AddStringToObject(j, "field", f->field);
        cJSON_AddStringToObject(j, "message", f->msg);
        cJSON_AddStringToObject(j, "action", k_action[f->action]);
        cJSON_AddItemToArray(items, j);
    }
    cJSON_AddItemToObject(o, "findings", items);
    cJSON_AddBoolToObject(o, "truncated", r->n < r->n_hard + r->n_soft);
    return o;
}

static void print_report(FILE *f, const qc_vreport *r, const char *label, size_t max_items) {
    fprintf(f, "%s: %zu hard, %zu soft finding%s", label, r->n_hard, r->n_soft, r->n_soft == 1 ? "" : "s");
    if (r->n_dropped) fprintf(f, ", %zu row%s dropped", r->n_dropped, r->n_dropped == 1 ? "" : "s");
    if (r->n_flagged) fprintf(f, ", %zu flagged", r->n_flagged);
    fputc('\n', f);
    for (int c = 0; c < QC_CHK__COUNT; c++)
        if (r->counts[c]) fprintf(f, "  %-10s %zu\n", qc_check_name((qc_check)c), r->counts[c]);
    size_t shown = r->n < max_items ? r->n : max_items;
    for (size_t i = 0; i < shown; i++) {
        const qc_finding *x = &r->items[i];
        char where[32] = "";
        if (x->line) snprintf(where, sizeof where, "line %zu", x->line);
        fprintf(f, "  [%s] %-9s %-8s %-10s %-6s %s%s%s\n", x->hard ? "hard" : "soft", qc_check_name(x->check),
                x->symbol[0] ? x->symbol : "-", where[0] ? where : "-", x->field[0] ? x->field : "-", x->msg,
                x->action ? " -> " : "", x->action ? k_action[x->action] : "");
    }
    if (r->n_hard + r->n_soft > shown) fprintf(f, "  ... %zu more (use --json for all)\n", r->n_hard + r->n_soft - shown);
}

/* ---- data import / validate ------------------------------------------------------------------- */

static cJSON *import_json(const char *path, const qc_import_result *res, const qc_calendar *cal, int dry) {
    cJSON *o = cJSON_CreateObject(), *arr = cJSON_CreateArray();
    char iv[16];
    qc_interval_format(res->interval_s, iv, sizeof iv);
    cJSON_AddStringToObject(o, "file", path);
    cJSON_AddStringToObject(o, "interval", iv);
    cJSON_AddBoolToObject(o, "close_only", res->close_only);
    cJSON_AddNumberToObject(o, "rows", (double)res->n_rows);
    cJSON_AddBoolToObject(o, "stored", !dry);
    for (size_t s = 0; s < res->n_series; s++) {
        const qc_import_series *x = &res->series[s];
        cJSON *j = cJSON_CreateObject();
        char a[40], b[40];
        qc_calendar_format_stamp(cal, x->first_ts, res->interval_s, a, sizeof a);
        qc_calendar_format_stamp(cal, x->last_ts, res->interval_s, b, sizeof b);
        cJSON_AddStringToObject(j, "symbol", x->symbol);
        cJSON_AddNumberToObject(j, "rows_in", (double)x->rows_in);
        cJSON_AddNumberToObject(j, "rows_stored", (double)x->rows_stored);
        cJSON_AddNumberToObject(j, "inserted", (double)x->put.inserted);
        cJSON_AddNumberToObject(j, "updated", (double)x->put.updated);
        cJSON_AddNumberToObject(j, "unchanged", (double)x->put.unchanged);
        cJSON_AddStringToObject(j, "first", a);
        cJSON_AddStringToObject(j, "last", b);
        cJSON_AddItemToArray(arr, j);
    }
    cJSON_AddItemToObject(o, "series", arr);
    cJSON_AddItemToObject(o, "report", report_json(&res->report, cal, res->interval_s));
    return o;
}

static void import_table(const qc_import_result *res, const qc_calendar *cal) {
    static const char *hdr[] = {"symbol", "rows", "inserted", "updated", "unchanged", "first", "last"};
    char **cells = calloc(res->n_series * 7 + 1, sizeof *cells);
    if (!cells) return;
    for (size_t s = 0; s < res->n_series; s++) {
        const qc_import_series *x = &res->series[s];
        char buf[7][72];
        snprintf(buf[0], 72, "%s", x->symbol);
        snprintf(buf[1], 72, "%zu", x->rows_stored);
        snprintf(buf[2], 72, "%zu", x->put.inserted);
        snprintf(buf[3], 72, "%zu", x->put.updated);
        snprintf(buf[4], 72, "%zu", x->put.unchanged);
        qc_calendar_format_stamp(cal, x->first_ts, res->interval_s, buf[5], 72);
        qc_calendar_format_stamp(cal, x->last_ts, res->interval_s, buf[6], 72);
        for (int c = 0; c < 7; c++) cells[s * 7 + c] = qc_strdup(buf[c]);
    }
    qc_out_table(stdout, hdr, 7, cells, res->n_series);
    for (size_t i = 0; i < res->n_series * 7; i++) free(cells[i]);
    free(cells);
}

static int run_import_like(qc_cli *cli, qc_args *a, int dry) {
    qc_error err = {0};
    qc_import_opts o;
    qc_store *st = NULL;
    qc_progress prog;
    qc_progress_init(&prog, cli, dry ? "validate" : "import");
    qc_err rc = import_opts(cli, a, &o, &err);
    o.dry_run = dry;
    o.progress = qc_progress_cb;
    o.progress_ctx = &prog;
    if (!rc && !dry) rc = open_store(cli, &st, &err);
    qc_import_result res;
    memset(&res, 0, sizeof res);
    if (!rc) rc = qc_import_csv(st, a->pos[0], &o, &res, &err);
    qc_progress_done(&prog);
    int json = qc_args_has(a, "json");
    int show = !rc || (dry && res.n_series && qc_err_is(rc, QC_ERR_VALIDATION));
    if (show && json) qc_out_json(stdout, import_json(a->pos[0], &res, o.csv.cal, dry));
    else if (show && dry) print_report(stdout, &res.report, a->pos[0], 50);
    else if (show) {
        if (!cli->quiet) import_table(&res, o.csv.cal);
        if (!cli->quiet && res.report.n_hard + res.report.n_soft) print_report(stderr, &res.report, a->pos[0], 10);
    }
    qc_import_result_free(&res);
    qc_store_close(st);
    return rc ? qc_cli_fail(&err) : 0;
}

static int cmd_import(qc_cli *cli, qc_args *a) { return run_import_like(cli, a, 0); }
static int cmd_validate(qc_cli *cli, qc_args *a) { return run_import_like(cli, a, 1); }

/* ---- data export ------------------------------------------------------------------------------ */

/* The stored series of symbol to read for interval want (0 = the smallest stored): the exact
 * interval if stored, else the largest stored interval that divides it (then resampled). */
static qc_err pick_series(qc_store *st, const char *symbol, int64_t want, qc_series_info *out, qc_error *err) {
    qc_series_info *items;
    size_t n;
    qc_err rc = qc_store_list(st, &items, &n, err);
    if (rc) return rc;
    int found = 0, exact = 0;
    for (size_t i = 0; i < n && !exact; i++) {
        const qc_series_info *x = &items[i];
        if (strcmp(x->symbol, symbol) != 0) continue;
        if (!want || x->interval_s == want) {
            *out = *x;
            found = exact = 1;
        } else if (want % x->interval_s == 0 && (!found || x->interval_s > out->interval_s)) {
            *out = *x;
            found = 1;
        }
    }
    free(items);
    if (found) return QC_OK;
    return qc_err_set(err, QC_ERR_NOT_FOUND,
                      want ? "no data for symbol '%s' at an interval that divides the one asked for"
                           : "no data for symbol '%s'",
                      symbol);
}

typedef struct {
    const qc_bars *bars;
    int64_t interval_s;
    const qc_calendar *cal;
} bars_out;

static qc_err write_bars(FILE *f, void *ctx, qc_error *err) {
    const bars_out *o = ctx;
    return qc_csv_write_bars(f, o->bars, o->interval_s, o->cal, err);
}

static int cmd_export(qc_cli *cli, qc_args *a) {
    qc_error err = {0};
    qc_store *st = NULL;
    qc_bars bars = {0}, coarse = {0};
    qc_series_info info;
    const char *sym = qc_args_get(a, "symbol");
    const qc_calendar *cal = NULL;
    int64_t from, to, iv = 0;
    qc_err rc = sym ? QC_OK : qc_err_set(&err, QC_ERR_USAGE, "data export: --symbol is required");
    if (!rc && qc_args_get(a, "interval")) rc = qc_interval_parse(qc_args_get(a, "interval"), &iv, &err);
    if (!rc) rc = open_store(cli, &st, &err);
    if (!rc) rc = pick_series(st, sym, iv, &info, &err);
    if (!rc && !(cal = qc_calendar_get(info.calendar, &err))) rc = QC_ERR_INPUT;
    if (!rc) rc = qc_args_time(a, "from", cal, 0, &from, &err);
    if (!rc) rc = qc_args_time(a, "to", cal, 1, &to, &err);
    if (!rc) rc = qc_store_load_bars(st, sym, info.interval_s, from, to, &bars, &err);
    if (!iv) iv = info.interval_s;
    if (!rc && iv != info.interval_s) rc = qc_bars_resample(&bars, iv, cal, &coarse, &err);
    bars_out out = {iv != info.interval_s ? &coarse : &bars, iv, cal};
    const char *path = qc_args_get(a, "output");
    if (!rc) rc = qc_out_file(path ? path : "-", write_bars, &out, &err);
    qc_bars_free(&bars);
    qc_bars_free(&coarse);
    qc_store_close(st);
    return rc ? qc_cli_fail(&err) : 0;
}

/* ---- data list -------------------------------------------------------------------------------- */

static int cmd_list(qc_cli *cli, qc_args *a) {
    qc_error err = {0};
    qc_store *st = NULL;
    qc_series_info *items = NULL;
    size_t n = 0;
    qc_err rc = open_store(cli, &st, &err);
    if (!rc) rc = qc_store_list(st, &items, &n, &err);
    if (rc) {
        qc_store_close(st);
        return qc_cli_fail(&err);
    }
    cJSON *arr = cJSON_CreateArray();
    static const char *hdr[] = {"symbol", "interval", "rows", "first", "last", "kind", "calendar"};
    char **cells = calloc(n * 7 + 1, sizeof *cells);
    for (size_t i = 0; i < n && cells; i++) {
        const qc_series_info *x = &items[i];
        const qc_calendar *cal = qc_calendar_get(x->calendar, NULL);
        if (!cal) cal = qc_calendar_get("NYSE", NULL);
        char buf[7][72];
        snprintf(buf[0], 72, "%s", x->symbol);
        qc_interval_format(x->interval_s, buf[1], 72);
        snprintf(buf[2], 72, "%zu", x->rows);
        qc_calendar_format_stamp(cal, x->first_ts, x->interval_s, buf[3], 72);
        qc_calendar_format_stamp(cal, x->last_ts, x->interval_s, buf[4], 72);
        snprintf(buf[5], 72, "%s", x->close_only ? "close" : "ohlcv");
        snprintf(buf[6], 72, "%s", x->calendar);
        for (int c = 0; c < 7; c++) cells[i * 7 + c] = qc_strdup(buf[c]);
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "symbol", buf[0]);
        cJSON_AddStringToObject(j, "interval", buf[1]);
        cJSON_AddNumberToObject(j, "rows", (double)x->rows);
        cJSON_AddStringToObject(j, "first", buf[3]);
        cJSON_AddStringToObject(j, "last", buf[4]);
        cJSON_AddBoolToObject(j, "close_only", x->close_only);
        cJSON_AddStringToObject(j, "calendar", buf[6]);
        cJSON_AddItemToArray(arr, j);
    }
    if (qc_args_has(a, "json")) {
        cJSON *root = cJSON_CreateObject();
        cJSON_AddStringToObject(root, "store", qc_store_url(st));
        cJSON_AddItemToObject(root, "series", arr);
        qc_out_json(stdout, root);
    } else {
        cJSON_Delete(arr);
        if (n) qc_out_table(stdout, hdr, 7, cells, n);
        else if (!cli->quiet) fprintf(stderr, "store '%s' holds no series (try: quantcli data synth)\n", qc_store_url(st));
    }
    for (size_t i = 0; cells && i < n * 7; i++) free(cells[i]);
    free(cells);
    free(items);
    qc_store_close(st);
    return 0;
}

/* ---- data synth ------------------------------------------------------------------------------- */

static qc_err synth_opts(const qc_cli *cli, const qc_args *a, qc_synth_opts *o, qc_error *err) {
    qc_synth_opts_init(o);
    long long seed = 42, syms = (long long)o->n_symbols, bars = (long long)o->n_bars;
    long long pairs = (long long)o->n_pairs, mr = (long long)o->n_mean_revert;
    long long ticks = 0, tsyms = (long long)o->tick_symbols;
    int64_t v;
    if (!qc_config_get_int(cli->cfg, "synth.seed", &v, NULL)) seed = v;
    if (!qc_config_get_int(cli->cfg, "synth.symbols", &v, NULL)) syms = v;
    if (!qc_config_get_int(cli->cfg, "synth.bars", &v, NULL)) bars = v;
    qc_err rc;
    if ((rc = qc_args_int(a, "seed", 0, INT64_MAX, &seed, err)) || (rc = qc_args_int(a, "symbols", 2, 5000, &syms, err)) ||
        (rc = qc_args_int(a, "bars", 2, 50000000, &bars, err)) || (rc = qc_args_int(a, "pairs", 0, 1000, &pairs, err)) ||
        (rc = qc_args_int(a, "mean-revert", 0, 1000, &mr, err)) || (rc = qc_args_int(a, "ticks", 0, 10000, &ticks, err)) ||
        (rc = qc_args_int(a, "tick-symbols", 0, 5000, &tsyms, err)))
        return rc;
    o->seed = (uint64_t)seed;
    o->n_symbols = (size_t)syms;
    o->n_bars = (size_t)bars;
    o->n_pairs = (size_t)pairs;
    o->n_mean_revert = (size_t)mr;
    o->ticks_per_bar = (size_t)ticks;
    o->tick_symbols = (size_t)tsyms;
    const char *iv = opt_or_cfg(cli, a, "interval", "synth.interval", "1d");
    if ((rc = qc_interval_parse(iv, &o->interval_s, err))) return rc;
    const char *start = opt_or_cfg(cli, a, "start", "synth.start", "2015-01-02");
    int64_t ts;
    qc_time_kind kind;
    if (qc_time_parse(start, strlen(start), NULL, &ts, &kind, err)) return qc_err_prefix(err, "option '--start': ");
    o->start_day = qc_ts_day(ts);
    const qc_calendar *cal;
    if ((rc = calendar_of(cli, a, &cal, err))) return rc;
    o->cal = cal;
    return QC_OK;
}

static qc_err synth_store(qc_cli *cli, const qc_synth_market *m, qc_progress *prog, qc_error *err) {
    qc_store *st;
    qc_err rc = open_store(cli, &st, err);
    if (rc) return rc;
    rc = qc_store_begin(st, err);
    for (size_t s = 0; !rc && s < m->n_symbols; s++) {
        qc_progress_update(prog, "store", s, m->n_symbols);
        qc_instrument inst = {m->symbols[s], qc_calendar_name(m->opts.cal), 0};
        rc = qc_store_put_bars(st, &inst, m->interval_s, &m->bars[s], NULL, err);
    }
    for (size_t s = 0; !rc && s < m->n_tick_symbols; s++) {
        rc = qc_store_put_trades(st, m->symbols[s], m->trades[s], m->n_trades[s], err);
        if (!rc) rc = qc_store_put_quotes(st, m->symbols[s], m->quotes[s], m->n_quotes[s], err);
    }
    if (rc) qc_store_rollback(st);
    else rc = qc_store_commit(st, err);
    qc_store_close(st);
    return rc;
}

static qc_err synth_csvs(const qc_synth_market *m, const char *dir, qc_error *err) {
    if (mkdir(dir, 0777) && errno != EEXIST)
        return qc_err_set(err, QC_ERR_INPUT, "cannot create directory '%s': %s", dir, strerror(errno));
    qc_err rc = QC_OK;
    for (size_t s = 0; !rc && s < m->n_symbols; s++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s.csv", dir, m->symbols[s]);
        bars_out out = {&m->bars[s], m->interval_s, m->opts.cal};
        rc = qc_out_file(path, write_bars, &out, err);
    }
    return rc;
}

static const char *k_roles[] = {"market", "momentum", "mean_revert", "pair_leg"};

static void synth_print(const qc_synth_market *m, const char *manifest, int json) {
    if (json) {
        cJSON *o = cJSON_CreateObject(), *arr = cJSON_CreateArray();
        for (size_t s = 0; s < m->n_symbols; s++) cJSON_AddItemToArray(arr, cJSON_CreateString(m->symbols[s]));
        cJSON_AddItemToObject(o, "symbols", arr);
        cJSON_AddNumberToObject(o, "bars", (double)m->n_bars);
        cJSON_AddStringToObject(o, "manifest", manifest ? manifest : "");
        qc_out_json(stdout, o);
        return;
    }
    static const char *hdr[] = {"symbol", "role", "bars", "first", "last", "close"};
    char **cells = calloc(m->n_symbols * 6 + 1, sizeof *cells);
    for (size_t s = 0; cells && s < m->n_symbols; s++) {
        const qc_bars *b = &m->bars[s];
        char buf[6][72];
        snprintf(buf[0], 72, "%s", m->symbols[s]);
        snprintf(buf[1], 72, "%s", k_roles[m->role[s]]);
        snprintf(buf[2], 72, "%zu", b->n);
        qc_calendar_format_stamp(m->opts.cal, b->ts[0], m->interval_s, buf[3], 72);
        qc_calendar_format_stamp(m->opts.cal, b->ts[b->n - 1], m->interval_s, buf[4], 72);
        snprintf(buf[5], 72, "%.2f", b->close[b->n - 1]);
        for (int c = 0; c < 6; c++) cells[s * 6 + c] = qc_strdup(buf[c]);
    }
    if (cells) qc_out_table(stdout, hdr, 6, cells, m->n_symbols);
    for (size_t i = 0; cells && i < m->n_symbols * 6; i++) free(cells[i]);
    free(cells);
    if (manifest) printf("manifest: %s\n", manifest);
}

static int cmd_synth(qc_cli *cli, qc_args *a) {
    qc_error err = {0};
    qc_synth_opts o;
    qc_synth_market *m = NULL;
    char *json = NULL;
    qc_progress prog;
    qc_progress_init(&prog, cli, "synth");
    const char *manifest = qc_args_get(a, "manifest"), *csv_dir = qc_args_get(a, "csv-dir");
    if (!manifest) manifest = "quantcli-synth.json";
    if (strcmp(manifest, "none") == 0) manifest = NULL;
    qc_err rc = synth_opts(cli, a, &o, &err);
    if (!rc) {
        qc_progress_update(&prog, "generate", 0, 1);
        rc = qc_synth_generate(&o, &m, &err);
    }
    if (!rc && !qc_args_has(a, "no-store")) rc = synth_store(cli, m, &prog, &err);
    if (!rc && manifest) rc = qc_synth_manifest_json(m, &json, &err);
    if (!rc && manifest) rc = qc_out_text(manifest, json, &err);
    if (!rc && csv_dir) rc = synth_csvs(m, csv_dir, &err);
    qc_progress_done(&prog);
    if (!rc && !cli->quiet) synth_print(m, manifest, qc_args_has(a, "json"));
    free(json);
    qc_synth_free(m);
    return rc ? qc_cli_fail(&err) : 0;
}

/* ---- the table -------------------------------------------------------------------------------- */

static const qc_opt_spec k_import_opts[] = {
    {"symbol", "SYM", "symbol for an OHLC file or a single close column"},
    {"policy", "P", "on hard findings: reject (default), drop, flag [data.validation.policy]"},
    {"calendar", "CAL", "trading calendar: NYSE (default) or 24/7 [data.calendar]"},
    {"tz", "TZ", "zone of date-times without offset: UTC (default), +HH:MM, America/New_York [data.tz]"},
    {"interval", "IV", "bar interval (1d, 1h, 5m, ...); default: inferred"},
    {"stamp", "open|close", "date-time stamps mark bar open or close (default close)"},
    {"json", NULL, "print the result as JSON"},
};

static const qc_opt_spec k_export_opts[] = {
    {"symbol", "SYM", "symbol to export (required)"},
    {"from", "DATE", "first date or date-time (inclusive)"},
    {"to", "DATE", "last date or date-time (inclusive)"},
    {"interval", "IV", "bar interval (default: the smallest stored; coarser ones are resampled by session)"},
    {"output", "FILE", "write to FILE (atomically) instead of stdout"},
};

static const qc_opt_spec k_list_opts[] = {{"json", NULL, "print the result as JSON"}};

static const qc_opt_spec k_synth_opts[] = {
    {"seed", "N", "random seed (default 42) [synth.seed]"},
    {"symbols", "N", "number of symbols (default 12) [synth.symbols]"},
    {"bars", "N", "bars per symbol (default 2520) [synth.bars]"},
    {"interval", "IV", "1d (default) or an intraday interval such as 5m [synth.interval]"},
    {"start", "DATE", "first session on/after DATE (default 2015-01-02) [synth.start]"},
    {"calendar", "CAL", "session calendar (default NYSE)"},
    {"pairs", "N", "cointegrated pairs to plant (default 2)"},
    {"mean-revert", "N", "mean-reverting names to plant (default 2)"},
    {"ticks", "N", "trades and quotes per bar for tick symbols (default 0: none)"},
    {"tick-symbols", "N", "how many symbols get ticks (default 1)"},
    {"manifest", "FILE", "where to write the manifest (default quantcli-synth.json; none to skip)"},
    {"csv-dir", "DIR", "also write one CSV per symbol into DIR"},
    {"no-store", NULL, "do not write to the store"},
    {"json", NULL, "print the result as JSON"},
};

#define N(a) (sizeof a / sizeof a[0])

const qc_command qc_cmd_data[] = {
    {"data synth", "[options]",
     "Generate the deterministic synthetic market into the store and write its manifest.",
     "The market is regime-switching (calm/turbulent), correlated through a market factor, with\n"
     "jumps and planted structure: cointegrated pairs, a momentum factor, mean-reverting names.\n"
     "The manifest (JSON) records what was planted. Same seed and options, same bytes.", k_synth_opts, N(k_synth_opts), 0, 0, cmd_synth},
    {"data import", "FILE.csv [--symbol SYM] [options]",
     "Import a CSV of bars or closes into the store, validated, in one transaction.",
     "Accepted headers: date,open,high,low,close,volume[,adj_close] (any order, any case;\n"
     "timestamp/time also name the date), or close-only: date,close or date,SYM1,SYM2,...\n"
     "(each close column becomes its own symbol, flagged close-only).\n"
     "Dates: YYYY-MM-DD (that day's session close), ISO 8601 date-times, or epoch seconds.\n"
     "Re-importing the same file changes nothing (upsert). Under policy reject any hard finding\n"
     "refuses the whole file and leaves the store as it was.",
     k_import_opts, N(k_import_opts), 1, 1, cmd_import},
    {"data export", "--symbol SYM [--from DATE] [--to DATE] [options]",
     "Write a symbol's bars as CSV (the import header) to stdout or a file.", NULL, k_export_opts,
     N(k_export_opts), 0, 0, cmd_export},
    {"data list", "[--json]", "List stored series with row counts and date ranges.", NULL, k_list_opts,
     N(k_list_opts), 0, 0, cmd_list},
    {"data validate", "FILE.csv [--symbol SYM] [options]",
     "Check a CSV without storing it and print every finding.",
     "Exits 3 when there are hard findings under policy reject; soft findings (gaps, outliers,\n"
     "probable splits, non-session dates) never fail.", k_import_opts, N(k_import_opts), 1, 1, cmd_validate},
};
const size_t qc_cmd_data_n = N(qc_cmd_data);
