/* store.h: the market-data store interface. qc_store_open() picks the implementation from a URL:
 * a plain path or sqlite:PATH is the embedded SQLite store (the default, ./quantcli.db); later
 * postgresql://... (TimescaleDB) slots in behind the same calls. Writes are upserts keyed by
 * (symbol, interval, close timestamp), so re-importing a file changes nothing; a caller can group
 * several writes into one transaction with qc_store_begin/commit, and nothing is half-written. */
#ifndef QC_DATA_STORE_H
#define QC_DATA_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "data/series.h"

typedef struct qc_store qc_store;

typedef struct {
    const char *symbol;
    const char *calendar;   /* "NYSE" by default */
    int close_only;
} qc_instrument;

typedef struct {
    char symbol[64];
    int64_t interval_s;
    size_t rows;
    int64_t first_ts, last_ts;
    int close_only;
    char calendar[16];
} qc_series_info;

typedef struct {
    size_t inserted, updated, unchanged;
} qc_put_stats;

/* Opens (creating and migrating as needed) the store at url. */
qc_err qc_store_open(const char *url, qc_store **out, qc_error *err);
void qc_store_close(qc_store *st);
const char *qc_store_url(const qc_store *st);
int qc_store_schema_version(const qc_store *st);

qc_err qc_store_begin(qc_store *st, qc_error *err);
qc_err qc_store_commit(qc_store *st, qc_error *err);
void qc_store_rollback(qc_store *st);

/* Upserts bars (strictly increasing ts) of one instrument and interval. Adds to stats if non-NULL. */
qc_err qc_store_put_bars(qc_store *st, const qc_instrument *inst, int64_t interval_s,
                         const qc_bars *bars, qc_put_stats *stats, qc_error *err);
/* Loads bars with from_ts <= ts <= to_ts (QC_TS_NONE for open ends) into out (appended).
 * QC_ERR_NOT_FOUND when the symbol/interval has no data at all. */
qc_err qc_store_load_bars(qc_store *st, const char *symbol, int64_t interval_s, int64_t from_ts,
                          int64_t to_ts, qc_bars *out, qc_error *err);
/* Every stored series, sorted by symbol then interval. Caller frees *items with free(). */
qc_err qc_store_list(qc_store *st, qc_series_info **items, size_t *n, qc_error *err);
/* Removes a symbol (all intervals and ticks). */
qc_err qc_store_delete_symbol(qc_store *st, const char *symbol, qc_error *err);

/* Ticks: upserted by (symbol, ts, sequence within equal ts). */
qc_err qc_store_put_trades(qc_store *st, const char *symbol, const qc_trade *t, size_t n,
                           qc_error *err);
qc_err qc_store_put_quotes(qc_store *st, const char *symbol, const qc_quote *q, size_t n,
                           qc_error *err);
/* Loads trades/quotes in [from_ts, to_ts]; *out is malloc'ed, caller frees. */
qc_err qc_store_load_trades(qc_store *st, const char *symbol, int64_t from_ts, int64_t to_ts,
                            qc_trade **out, size_t *n, qc_error *err);
qc_err qc_store_load_quotes(qc_store *st, const char *symbol, int64_t from_ts, int64_t to_ts,
                            qc_quote **out, size_t *n, qc_error *err);

/* Feature store: computed indicator columns of one stored series, one entry per (symbol, interval,
 * spec, code version), with the fingerprint of the input bars they were computed from (callers
 * decide reuse: src/features/featstore.h). data is n_cols x n_bars doubles, column after column. */
typedef struct {
    size_t n_bars, n_cols;
    uint8_t fingerprint[16];
    double *data;
} qc_feature_blob;
/* *found = 0 when there is no entry; else out->data is caller-owned (free()). */
qc_err qc_store_get_features(qc_store *st, const char *symbol, int64_t interval_s, const char *spec,
                             const char *code_version, qc_feature_blob *out, int *found, qc_error *err);
/* Replaces the entry of that key and drops the same (symbol, interval, spec) of other code versions. */
qc_err qc_store_put_features(qc_store *st, const char *symbol, int64_t interval_s, const char *spec,
                             const char *code_version, const qc_feature_blob *b, qc_error *err);

#endif
