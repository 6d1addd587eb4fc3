/* cmd_features_xsec.c: `quantcli features ic`: the information coefficient (Pearson) or rank IC
 * (Spearman) of indicator features against forward returns across a panel of symbols
 * (features/cross_sectional.h): the panel comes from a multi-column close CSV or several stored
 * symbols; prints each feature's IC summary (mean, SD, t-statistic, IR, hit rate) and writes the IC
 * time series with --output; `quantcli features regime`: a Gaussian HMM (features/regime.h) fitted
 * to (or loaded for) one series' return features, with the Viterbi states and the online filtered
 * state probabilities per date. */
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
#include "features/regime.h"

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


static qc_err write_ic(FILE *f, void *ctx, qc_error *err) {
    const ic_table *t = ctx;
    fputs("date", f);
    for (size_t c = 0; c < t->n_cols; c++) fputc(',', f), qc_out_csv_cell(f, t->names[c]);
    fputc('\n', f);
    for (size_t i = 0; i < t->in->p.n_ts; i++) {
        char d[40];
        qc_calendar_format_stamp(t->in->cal, t->in->p.ts[i], t->in->interval_s, d, sizeof d);
        fputs(d, f);
        for (size_t c = 0; c < t->n_cols; c++) {
            fputc(',', f);
            if (isfinite(t->ic[c][i])) qc_out_csv_number(f, t->ic[c][i]);
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

/* ---- features regime ------------------------------------------------------------------------------------ */

typedef struct {
    const panel_in *in;
    const size_t *row_t; /* panel timestamp of each feature row */
    size_t n;
    const qc_hmm *m;
    const int *path;
    const double *filt;
} regime_out;

/* The series: the only one, or the --symbol column of a multi-column file. */
static qc_err pick_series(const panel_in *in, const qc_args *a, size_t *s, qc_error *err) {
    const char *sym = qc_args_get(a, "symbol");
    *s = 0;
    if (in->p.n_sym == 1) return QC_OK;
    for (*s = 0; sym && *s < in->p.n_sym; ++*s)
        if (qc_str_ieq(in->p.symbols[*s], sym)) return QC_OK;
    return qc_err_set(err, QC_ERR_INPUT, "%s: %zu close columns: pick one with --symbol NAME%s%.60s%s", in->label,
                      in->p.n_sym, sym ? " (no column '" : "", sym ? sym : "", sym ? "')" : "");
}

/* Splits "ret,vol" into known feature names. */
static qc_err parse_features(const char *spec, char names[][32], size_t *d, qc_error *err) {
    *d = 0;
    const char *p = spec;
    while (*p) {
        size_t len = strcspn(p, ",");
        if (len == 0 || len >= 32 || *d == 8)
            return qc_err_set(err, QC_ERR_INPUT, "--features: expected up to 8 of ret, absret, vol, got '%.60s'", spec);
        snprintf(names[*d], 32, "%.*s", (int)len, p);
        if (strcmp(names[*d], "ret") && strcmp(names[*d], "absret") && strcmp(names[*d], "vol"))
            return qc_err_set(err, QC_ERR_INPUT, "--features: unknown feature '%s' (known: ret, absret, vol)", names[*d]);
        ++*d;
        p += len + (p[len] == ',');
    }
    return *d ? QC_OK : qc_err_set(err, QC_ERR_INPUT, "--features: empty");
}

/* Feature rows from the closes c[0..nt) (NaN = no bar): one row per bar with every feature defined;
 * ret = ln(c_t / c_prev), vol = sample SD of the last w log returns. row_t maps rows to bars. */
static size_t feature_rows(const double *c, size_t nt, char names[][32], size_t d, size_t w, double *x, size_t *row_t) {
    size_t n = 0, nr = 0, prev = SIZE_MAX;
    double *r = x + nt * d; /* the spare tail holds the returns seen so far */
    for (size_t t = 0; t < nt; t++) {
        if (!isfinite(c[t])) continue;
        if (prev == SIZE_MAX) {
            prev = t;
            continue;
        }
        double ret = log(c[t] / c[prev]);
        prev = t;
        r[nr++] = ret;
        double vol = NAN;
        if (nr >= w) {
            double mean = 0, ss = 0;
            for (size_t q = nr - w; q < nr; q++) mean += r[q];
            mean /= (double)w;
            for (size_t q = nr - w; q < nr; q++) ss += (r[q] - mean) * (r[q] - mean);
            vol = sqrt(ss / (double)(w - 1));
        }
        if (isnan(vol) && d > 0) {
            int need = 0;
            for (size_t j = 0; j < d; j++) need |= strcmp(names[j], "vol") == 0;
            if (need) continue;
        }
        for (size_t j = 0; j < d; j++)
            x[n * d + j] = strcmp(names[j], "ret") == 0 ? ret : strcmp(names[j], "absret") == 0 ? fabs(ret) : vol;
        row_t[n++] = t;
    }
    return n;
}

static qc_err write_states(FILE *f, void *ctx, qc_error *err) {
    const regime_out *o = ctx;
    size_t k = o->m->k;
    fputs("date,viterbi,filtered", f);
    for (size_t i = 0; i < k; i++) fprintf(f, ",p%zu", i);
    fputc('\n', f);
    for (size_t r = 0; r < o->n; r++) {
        char d[40];
        qc_calendar_format_stamp(o->in->cal, o->in->p.ts[o->row_t[r]], o->in->interval_s, d, sizeof d);
        const double *p = o->filt + r * k;
        size_t best = 0;
        for (size_t i = 1; i < k; i++) best = p[i] > p[best] ? i : best;
        fprintf(f, "%s,%d,%zu", d, o->path[r], best);
        for (size_t i = 0; i < k; i++) fputc(',', f), qc_out_csv_number(f, p[i]);
        fputc('\n', f);
    }
    return ferror(f) ? qc_err_set(err, QC_ERR_INTERNAL, "write failed") : QC_OK;
}

static void print_regime(const qc_args *a, const qc_hmm *m, const qc_hmm_fit_info *info, int fitted, double ll,
                         const int *path, size_t n) {
    size_t k = m->k, d = m->d, cw = m->cov == QC_HMM_FULL ? d * d : d;
    double share[QC_HMM_MAX_STATES] = {0};
    for (size_t t = 0; t < n; t++) share[path[t]] += 1.0 / (double)n;
    if (qc_args_has(a, "json")) {
        cJSON *root = cJSON_CreateObject(), *states = cJSON_CreateArray();
        char *mj = NULL;
        qc_error e = {0};
        cJSON_AddNumberToObject(root, "bars", (double)n);
        cJSON_AddNumberToObject(root, "states", (double)k);
        cJSON_AddStringToObject(root, "covariance", m->cov == QC_HMM_FULL ? "full" : "diag");
        cJSON_AddNumberToObject(root, "log_likelihood", ll);
        if (fitted) {
            cJSON_AddNumberToObject(root, "aic", info->aic);
            cJSON_AddNumberToObject(root, "bic", info->bic);
            cJSON_AddNumberToObject(root, "iterations", (double)info->iterations);
            cJSON_AddBoolToObject(root, "converged", info->converged);
            cJSON_AddNumberToObject(root, "best_restart", (double)info->best_restart);
            cJSON *rl = cJSON_CreateArray();
            for (size_t r = 0; r < info->n_restarts && r < 64; r++) cJSON_AddItemToArray(rl, num_or_null(info->restart_ll[r]));
            cJSON_AddItemToObject(root, "restart_log_likelihoods", rl);
        }
        for (size_t i = 0; i < k; i++) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddNumberToObject(o, "share", share[i]);
            cJSON_AddNumberToObject(o, "expected_duration", 1.0 / fmax(1e-300, 1.0 - m->trans[i * k + i]));
            cJSON_AddItemToArray(states, o);
        }
        cJSON_AddItemToObject(root, "state_summary", states);
        if (!qc_hmm_to_json(m, NAN, &mj, &e)) cJSON_AddItemToObject(root, "model", cJSON_Parse(mj));
        free(mj);
        qc_out_json(stdout, root);
        return;
    }
    printf("bars %zu  states %zu  covariance %s  log-likelihood %.6f", n, k, m->cov == QC_HMM_FULL ? "full" : "diag", ll);
    if (fitted)
        printf("  aic %.4f  bic %.4f  iterations %zu%s  best of %zu restarts", info->aic, info->bic, info->iterations,
               info->converged ? "" : " (not converged)", info->n_restarts);
    printf("\n");
    char **cells = calloc(k * (2 + 2 * d) + 1, sizeof *cells);
    const char *hdr[2 + 2 * QC_HMM_MAX_DIMS];
    char hbuf[2 * QC_HMM_MAX_DIMS][48];
    hdr[0] = "state", hdr[1] = "share";
    for (size_t j = 0; j < d; j++) {
        snprintf(hbuf[2 * j], 48, "mean_%s", m->names[j][0] ? m->names[j] : "x");
        snprintf(hbuf[2 * j + 1], 48, "sd_%s", m->names[j][0] ? m->names[j] : "x");
        hdr[2 + 2 * j] = hbuf[2 * j], hdr[3 + 2 * j] = hbuf[2 * j + 1];
    }
    size_t nc = 2 + 2 * d;
    for (size_t i = 0; cells && i < k; i++) {
        char b[40];
        snprintf(b, sizeof b, "%zu", i), cells[i * nc] = qc_strdup(b);
        snprintf(b, sizeof b, "%.4f", share[i]), cells[i * nc + 1] = qc_strdup(b);
        for (size_t j = 0; j < d; j++) {
            double v = m->cov == QC_HMM_FULL ? m->covar[i * cw + j * d + j] : m->covar[i * cw + j];
            snprintf(b, sizeof b, "%.6g", m->mean[i * d + j]), cells[i * nc + 2 + 2 * j] = qc_strdup(b);
            snprintf(b, sizeof b, "%.6g", sqrt(v)), cells[i * nc + 3 + 2 * j] = qc_strdup(b);
        }
    }
    if (cells) qc_out_table(stdout, hdr, nc, cells, k);
    for (size_t i = 0; cells && i < k * nc; i++) free(cells[i]);
    free(cells);
}

typedef struct {
    long long k, restarts, window, seed;
    qc_hmm_cov cov;
} regime_opts;

static qc_err regime_opts_read(const qc_args *a, regime_opts *o, qc_error *err) {
    o->k = 2, o->restarts = 5, o->window = 20, o->seed = 42, o->cov = QC_HMM_DIAG;
    qc_err rc;
    if ((rc = qc_args_int(a, "states", 1, QC_HMM_MAX_STATES, &o->k, err)) ||
        (rc = qc_args_int(a, "restarts", 1, 64, &o->restarts, err)) ||
        (rc = qc_args_int(a, "window", 2, 10000, &o->window, err)) ||
        (rc = qc_args_int(a, "seed", 0, 1LL << 62, &o->seed, err)))
        return rc;
    const char *cv = qc_args_get(a, "cov");
    if (cv && strcmp(cv, "diag") && strcmp(cv, "full"))
        return qc_err_set(err, QC_ERR_INPUT, "option '--cov': expected diag or full, got '%.40s'", cv);
    if (cv && strcmp(cv, "full") == 0) o->cov = QC_HMM_FULL;
    if (!qc_args_has(a, "states") && !qc_args_has(a, "load"))
        return qc_err_set(err, QC_ERR_USAGE, "features regime: --states K is required (or --load MODEL.json)");
    return QC_OK;
}

/* Fits (or loads) the model over the rows; fills path and filtered probabilities. */
static qc_err regime_model(const qc_args *a, const regime_opts *ro, const double *x, size_t n, char names[][32],
                           size_t d, qc_hmm **m, qc_hmm_fit_info *info, qc_error *err) {
    const char *ld = qc_args_get(a, "load");
    if (ld) return qc_hmm_load(ld, m, err);
    qc_hmm_fit_opts fo;
    qc_hmm_fit_opts_init(&fo);
    fo.k = (size_t)ro->k, fo.cov = ro->cov, fo.restarts = (size_t)ro->restarts, fo.seed = (uint64_t)ro->seed;
    qc_err rc = qc_hmm_fit(x, n, d, &fo, m, info, err);
    for (size_t j = 0; !rc && j < d; j++) snprintf((*m)->names[j], sizeof (*m)->names[j], "%s", names[j]);
    return rc;
}

static qc_err run_regime(const qc_cli *cli, const qc_args *a, qc_error *err) {
    regime_opts ro;
    qc_err rc = regime_opts_read(a, &ro, err);
    if (rc) return rc;
    char names[8][32];
    size_t d = 0, s = 0;
    const char *ld = qc_args_get(a, "load");
    rc = parse_features(cfg_or(NULL, a, "features", NULL, "ret"), names, &d, err);
    panel_in in = {0};
    if (!rc) rc = load_panel(cli, a, "features regime", &in, err);
    if (!rc) rc = pick_series(&in, a, &s, err);
    size_t nt = in.p.n_ts, n = 0;
    double *x = NULL, *filt = NULL;
    size_t *row_t = NULL;
    int *path = NULL;
    qc_hmm *m = NULL;
    qc_hmm_fit_info info = {0};
    if (!rc && (!(x = malloc((nt * d + nt + 1) * sizeof *x)) || !(row_t = malloc((nt + 1) * sizeof *row_t))))
        rc = qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    if (!rc) n = feature_rows(in.p.close + s * nt, nt, names, d, (size_t)ro.window, x, row_t);
    if (!rc && n < 2) rc = qc_err_set(err, QC_ERR_INPUT, "%s: %zu bars of features; too few for a model", in.label, n);
    if (!rc) rc = regime_model(a, &ro, x, n, names, d, &m, &info, err);
    if (!rc && ld && m->d != d)
        rc = qc_err_set(err, QC_ERR_INPUT, "%s: the model has %zu features, --features gives %zu", ld, m->d, d);
    for (size_t j = 0; !rc && ld && j < d; j++)
        if (m->names[j][0] && strcmp(m->names[j], names[j]))
            rc = qc_err_set(err, QC_ERR_INPUT, "%s: feature %zu is '%s' in the model, '%s' here (give --features)", ld, j,
                            m->names[j], names[j]);
    if (!rc && (!(path = malloc(n * sizeof *path)) || !(filt = malloc(n * m->k * sizeof *filt))))
        rc = qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    double ll = NAN;
    if (!rc) rc = qc_hmm_viterbi(m, x, n, path, NULL, err);
    if (!rc) rc = qc_hmm_filter_batch(m, x, n, filt, &ll, err);
    const char *save = qc_args_get(a, "save"), *out = qc_args_get(a, "output");
    if (!rc && save) rc = qc_hmm_save(m, ll, save, err);
    regime_out ro2 = {&in, row_t, n, m, path, filt};
    if (!rc && out) rc = qc_out_file(out, write_states, &ro2, err);
    if (!rc && !(out && strcmp(out, "-") == 0)) print_regime(a, m, &info, ld == NULL, ll, path, n);
    qc_hmm_free(m);
    free(x), free(row_t), free(path), free(filt);
    qc_panel_free(&in.p);
    return rc;
}

static int cmd_regime(qc_cli *cli, qc_args *a) {
    qc_error err = {0};
    qc_err rc = run_regime(cli, a, &err);
    return rc ? qc_cli_fail(&err) : 0;
}

static const qc_opt_spec k_regime_opts[] = {
    {"data", "FILE.csv", "bars from a CSV (OHLCV, or close columns: pick one with --symbol)"},
    {"symbol", "SYM", "a stored symbol; with --data: the close column of a multi-column file"},
    {"states", "K", "hidden states (1..32)"},
    {"features", "LIST", "comma-separated: ret (log return), absret, vol (SD of the last --window returns); default ret"},
    {"window", "W", "bars in the vol feature (default 20)"},
    {"cov", "diag|full", "covariance of each state (default diag)"},
    {"restarts", "N", "EM runs from different starts; the best log-likelihood is kept (default 5)"},
    {"seed", "S", "seed of the restarts' starting points (default 42)"},
    {"load", "MODEL.json", "use a saved model instead of fitting (its feature names must match)"},
    {"save", "MODEL.json", "save the fitted model (JSON)"},
    {"output", "STATES.csv", "write date, Viterbi state, filtered state and filtered probabilities"},
    {"json", NULL, "print the fit and the model as JSON"},
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
    {"features regime", "(--data FILE.csv | --symbol SYM) --states K [--features ret,vol] [--restarts N] [--save MODEL.json] [--output STATES.csv] [--json]",
     "Market regimes: a Gaussian HMM over return features, with states per date.",
     "Fits a K-state Gaussian HMM (Baum-Welch, the best of --restarts seeded runs; states numbered by\n"
     "the mean of the first feature, 0 lowest) to the features of one series, or applies a saved one\n"
     "(--load). Bars where a feature is not yet defined (the first, and the first W for vol) are left\n"
     "out. --output writes per date the Viterbi state (the best path given all the data: look-ahead,\n"
     "for research) and the filtered state and probabilities P(state | bars up to that date), which\n"
     "use no later bar (what live trading sees). Prints the log-likelihood, AIC, BIC and each state's\n"
     "share of time, means and SDs. See docs/FEATURES.md (Regime).",
     k_regime_opts, sizeof k_regime_opts / sizeof k_regime_opts[0], 0, 0, cmd_regime},
};
const size_t qc_cmd_features_xsec_n = sizeof qc_cmd_features_xsec / sizeof qc_cmd_features_xsec[0];
