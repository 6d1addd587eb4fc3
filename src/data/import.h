/* import.h: the import pipeline: CSV -> validation (policy) -> one store transaction. Either every
 * series of the file is stored completely or the store is left as it was. */
#ifndef QC_DATA_IMPORT_H
#define QC_DATA_IMPORT_H

#include "data/csv.h"
#include "data/store.h"
#include "data/validate.h"

typedef struct {
    const char *symbol;   /* name for an OHLC file (required there); ignored for close-column files
                             unless the file has a single "close" column */
    const char *calendar; /* instrument calendar name, default "NYSE" */
    qc_csv_opts csv;
    qc_vopts v;
    int dry_run;          /* validate only (quantcli data validate) */
    /* optional progress callback: phase "read", "validate" or "store", done of total units */
    void (*progress)(void *ctx, const char *phase, size_t done, size_t total);
    void *progress_ctx;
} qc_import_opts;

typedef struct {
    char symbol[64];
    size_t rows_in, rows_stored;
    int64_t first_ts, last_ts;
    qc_put_stats put;
} qc_import_series;

typedef struct {
    size_t n_series;
    qc_import_series *series;
    int64_t interval_s;
    int close_only;
    size_t n_rows;
    qc_vreport report;
} qc_import_result;

void qc_import_opts_init(qc_import_opts *o);
/* st may be NULL when dry_run. The result is filled even on a validation failure, so the caller
 * can print the report; free it with qc_import_result_free(). */
qc_err qc_import_csv(qc_store *st, const char *path, const qc_import_opts *o, qc_import_result *res,
                     qc_error *err);
void qc_import_result_free(qc_import_result *res);

#endif
