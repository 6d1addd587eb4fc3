/* import.c: CSV -> validation -> store, as one transaction (see import.h). The whole file is parsed
 * and validated before the first write, and all series go in under one BEGIN/COMMIT, so a failure
 * or a kill at any point leaves every symbol either absent or complete. */
#include "data/import.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/strutil.h"

void qc_import_opts_init(qc_import_opts *o) {
    memset(o, 0, sizeof *o);
    qc_csv_opts_init(&o->csv);
    qc_vopts_init(&o->v);
    o->calendar = "NYSE";
}

static void progress(const qc_import_opts *o, const char *phase, size_t done, size_t total) {
    if (o->progress) o->progress(o->progress_ctx, phase, done, total);
}

/* Symbols: 1-63 chars of letters, digits and . _ - ^ = / : (tickers like BRK.B, ^GSPC, EUR/USD). */
static int valid_symbol(const char *s) {
    size_t n = strlen(s);
    if (n == 0 || n > 63) return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!(isalnum(c) || strchr("._-^=/:", c))) return 0;
    }
    return 1;
}

/* Names each parsed series: --symbol for an OHLC file or a single close column, else the header. */
static qc_err name_series(const qc_csv_result *csv, const qc_import_opts *o, qc_import_result *res,
                          const char *path, qc_error *err) {
    for (size_t s = 0; s < csv->n_series; s++) {
        const char *name = csv->close_only ? csv->names[s] : o->symbol;
        int single_close = csv->close_only && csv->n_series == 1;
        if (single_close && o->symbol) name = o->symbol;
        if (single_close && !o->symbol && qc_str_ieq(name, "close")) name = NULL;
        if (!name)
            return qc_err_set(err, QC_ERR_USAGE, "%s: --symbol is required (the file has one unnamed series)", path);
        if (!valid_symbol(name))
            return qc_err_set(err, QC_ERR_INPUT, "%s: bad symbol name '%.40s' (1-63 of A-Z a-z 0-9 . _ - ^ = / :)",
                              path, name);
        qc_strlcpy(res->series[s].symbol, name, sizeof res->series[s].symbol);
    }
    return QC_OK;
}

static qc_err validate_all(qc_csv_result *csv, const qc_import_opts *o, qc_import_result *res, qc_error *err) {
    qc_vopts v = o->v;
    if (!v.label || strcmp(v.label, "input") == 0) v.label = o->csv.label;
    qc_err first = qc_validate_bad_rows(csv->bad, csv->n_bad, &v, &res->report, err);
    qc_error e2 = {0};
    for (size_t s = 0; s < csv->n_series; s++) {
        progress(o, "validate", s, csv->n_series);
        res->series[s].rows_in = csv->series[s].n;
        qc_err rc = qc_validate_series(&csv->series[s], csv->lines[s], res->series[s].symbol, csv->interval_s,
                                       &v, &res->report, first ? &e2 : err);
        if (rc && (!first || qc_err_is(rc, QC_ERR_INTERNAL))) {
            if (first) *err = e2;
            first = rc;
        }
    }
    /* one message for the whole file: the first hard finding and the total count */
    if (first == QC_ERR_INPUT && res->report.n_hard) qc_vreport_error(&res->report, v.label, err);
    return first;
}

static qc_err store_all(qc_store *st, const qc_csv_result *csv, const qc_import_opts *o,
                        qc_import_result *res, qc_error *err) {
    qc_err rc = qc_store_begin(st, err);
    for (size_t s = 0; !rc && s < csv->n_series; s++) {
        progress(o, "store", s, csv->n_series);
        if (csv->series[s].n == 0) continue;
        qc_instrument inst = {res->series[s].symbol, o->calendar, csv->close_only};
        rc = qc_store_put_bars(st, &inst, csv->interval_s, &csv->series[s], &res->series[s].put, err);
    }
    if (rc) {
        qc_store_rollback(st);
        return rc;
    }
    return qc_store_commit(st, err);
}

qc_err qc_import_csv(qc_store *st, const char *path, const qc_import_opts *o, qc_import_result *res,
                     qc_error *err) {
    memset(res, 0, sizeof *res);
    qc_vreport_init(&res->report);
    qc_import_opts local = *o;
    if (!local.csv.label || strcmp(local.csv.label, "input") == 0) local.csv.label = path;
    progress(&local, "read", 0, 1);
    qc_csv_result csv;
    qc_err rc = qc_csv_read_file(path, &local.csv, &csv, err);
    if (rc) return rc;
    res->interval_s = csv.interval_s;
    res->close_only = csv.close_only;
    res->n_rows = csv.n_rows;
    res->n_series = csv.n_series;
    res->series = calloc(csv.n_series, sizeof *res->series);
    if (!res->series) rc = qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    if (!rc) rc = name_series(&csv, &local, res, path, err);
    if (!rc) rc = validate_all(&csv, &local, res, err);
    for (size_t s = 0; !rc && s < csv.n_series; s++) {
        qc_bars *b = &csv.series[s];
        res->series[s].rows_stored = local.dry_run ? 0 : b->n;
        res->series[s].first_ts = b->n ? b->ts[0] : QC_TS_NONE;
        res->series[s].last_ts = b->n ? b->ts[b->n - 1] : QC_TS_NONE;
    }
    if (!rc && !local.dry_run) rc = store_all(st, &csv, &local, res, err);
    if (!rc)
        QC_LOG(QC_LOG_INFO, "data", local.dry_run ? "validated" : "imported", QC_KS("file", path),
               QC_KI("series", csv.n_series), QC_KI("rows", csv.n_rows), QC_KI("hard", res->report.n_hard),
               QC_KI("soft", res->report.n_soft));
    progress(&local, "done", 1, 1);
    qc_csv_result_free(&csv);
    return rc;
}

void qc_import_result_free(qc_import_result *res) {
    free(res->series);
    qc_vreport_free(&res->report);
    memset(res, 0, sizeof *res);
}
