/* store_impl.h: internal to src/data: the function table each store implementation fills in, so
 * qc_store_* callers never see which backend they talk to (SQLite now, PostgreSQL later). */
#ifndef QC_DATA_STORE_IMPL_H
#define QC_DATA_STORE_IMPL_H

#include "data/store.h"

typedef struct {
    void (*close)(qc_store *st);
    int (*schema_version)(const qc_store *st);
    qc_err (*begin)(qc_store *st, qc_error *err);
    qc_err (*commit)(qc_store *st, qc_error *err);
    void (*rollback)(qc_store *st);
    qc_err (*put_bars)(qc_store *st, const qc_instrument *inst, int64_t interval_s, const qc_bars *bars,
                       qc_put_stats *stats, qc_error *err);
    qc_err (*load_bars)(qc_store *st, const char *symbol, int64_t interval_s, int64_t from_ts,
                        int64_t to_ts, qc_bars *out, qc_error *err);
    qc_err (*list)(qc_store *st, qc_series_info **items, size_t *n, qc_error *err);
    qc_err (*delete_symbol)(qc_store *st, const char *symbol, qc_error *err);
    qc_err (*put_trades)(qc_store *st, const char *symbol, const qc_trade *t, size_t n, qc_error *err);
    qc_err (*put_quotes)(qc_store *st, const char *symbol, const qc_quote *q, size_t n, qc_error *err);
    qc_err (*load_trades)(qc_store *st, const char *symbol, int64_t from_ts, int64_t to_ts,
                          qc_trade **out, size_t *n, qc_error *err);
    qc_err (*load_quotes)(qc_store *st, const char *symbol, int64_t from_ts, int64_t to_ts,
                          qc_quote **out, size_t *n, qc_error *err);
    qc_err (*get_features)(qc_store *st, const char *symbol, int64_t interval_s, const char *spec,
                           const char *code_version, qc_feature_blob *out, int *found, qc_error *err);
    qc_err (*put_features)(qc_store *st, const char *symbol, int64_t interval_s, const char *spec,
                           const char *code_version, const qc_feature_blob *b, qc_error *err);
} qc_store_vt;

/* Every implementation's struct starts with this. */
struct qc_store {
    const qc_store_vt *vt;
    char *url;
};

/* SQLite implementation: path is a file path (":memory:" allowed). */
qc_err qc_sqlite_store_open(const char *path, qc_store **out, qc_error *err);

#endif
