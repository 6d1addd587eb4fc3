/* store.c: qc_store dispatch. Picks the backend from the URL and forwards each call through the
 * backend's function table. */
#include "data/store.h"

#include <stdlib.h>
#include <string.h>

#include "core/strutil.h"
#include "data/storage/store_impl.h"

static int has_prefix(const char *s, const char *p) { return strncmp(s, p, strlen(p)) == 0; }

qc_err qc_store_open(const char *url, qc_store **out, qc_error *err) {
    *out = NULL;
    if (!url || !*url) return qc_err_set(err, QC_ERR_STORAGE, "empty store URL (set --db or storage.url)");
    if (has_prefix(url, "postgresql://") || has_prefix(url, "postgres://"))
        return qc_err_set(err, QC_ERR_STORAGE,
                          "store '%s': the PostgreSQL/TimescaleDB store is not in this build yet; "
                          "use a file path or sqlite:PATH", url);
    const char *path = url;
    if (has_prefix(url, "sqlite://")) path = url + 9;
    else if (has_prefix(url, "sqlite:")) path = url + 7;
    else if (strstr(url, "://"))
        return qc_err_set(err, QC_ERR_STORAGE, "store '%s': unknown URL scheme (use a path or sqlite:PATH)", url);
    if (!*path) return qc_err_set(err, QC_ERR_STORAGE, "store '%s': empty path", url);
    qc_err rc = qc_sqlite_store_open(path, out, err);
    if (rc) return rc;
    (*out)->url = qc_strdup(url);
    if (!(*out)->url) {
        qc_store_close(*out);
        *out = NULL;
        return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    }
    return QC_OK;
}

void qc_store_close(qc_store *st) {
    if (!st) return;
    char *url = st->url;
    st->vt->close(st);
    free(url);
}

const char *qc_store_url(const qc_store *st) { return st->url ? st->url : ""; }
int qc_store_schema_version(const qc_store *st) { return st->vt->schema_version(st); }
qc_err qc_store_begin(qc_store *st, qc_error *err) { return st->vt->begin(st, err); }
qc_err qc_store_commit(qc_store *st, qc_error *err) { return st->vt->commit(st, err); }
void qc_store_rollback(qc_store *st) { st->vt->rollback(st); }

qc_err qc_store_put_bars(qc_store *st, const qc_instrument *inst, int64_t interval_s,
                         const qc_bars *bars, qc_put_stats *stats, qc_error *err) {
    if (!qc_bars_is_strictly_increasing(bars))
        return qc_err_set(err, QC_ERR_INTERNAL, "put_bars: %s bars are not strictly increasing", inst->symbol);
    if (interval_s <= 0) return qc_err_set(err, QC_ERR_INTERNAL, "put_bars: bad interval");
    return st->vt->put_bars(st, inst, interval_s, bars, stats, err);
}

qc_err qc_store_load_bars(qc_store *st, const char *symbol, int64_t interval_s, int64_t from_ts,
                          int64_t to_ts, qc_bars *out, qc_error *err) {
    return st->vt->load_bars(st, symbol, interval_s, from_ts, to_ts, out, err);
}

qc_err qc_store_list(qc_store *st, qc_series_info **items, size_t *n, qc_error *err) {
    return st->vt->list(st, items, n, err);
}

qc_err qc_store_delete_symbol(qc_store *st, const char *symbol, qc_error *err) {
    return st->vt->delete_symbol(st, symbol, err);
}

qc_err qc_store_put_trades(qc_store *st, const char *symbol, const qc_trade *t, size_t n, qc_error *err) {
    return st->vt->put_trades(st, symbol, t, n, err);
}

qc_err qc_store_put_quotes(qc_store *st, const char *symbol, const qc_quote *q, size_t n, qc_error *err) {
    return st->vt->put_quotes(st, symbol, q, n, err);
}

qc_err qc_store_load_trades(qc_store *st, const char *symbol, int64_t from_ts, int64_t to_ts,
                            qc_trade **out, size_t *n, qc_error *err) {
    return st->vt->load_trades(st, symbol, from_ts, to_ts, out, n, err);
}

qc_err qc_store_load_quotes(qc_store *st, const char *symbol, int64_t from_ts, int64_t to_ts,
                            qc_quote **out, size_t *n, qc_error *err) {
    return st->vt->load_quotes(st, symbol, from_ts, to_ts, out, n, err);
}

qc_err qc_store_get_features(qc_store *st, const char *symbol, int64_t interval_s, const char *spec,
                             const char *code_version, qc_feature_blob *out, int *found, qc_error *err) {
    return st->vt->get_features(st, symbol, interval_s, spec, code_version, out, found, err);
}

qc_err qc_store_put_features(qc_store *st, const char *symbol, int64_t interval_s, const char *spec,
                             const char *code_version, const qc_feature_blob *b, qc_error *err) {
    if (b->n_bars && b->n_cols > SIZE_MAX / sizeof(double) / b->n_bars)
        return qc_err_set(err, QC_ERR_INTERNAL, "put_features: too large");
    return st->vt->put_features(st, symbol, interval_s, spec, code_version, b, err);
}
