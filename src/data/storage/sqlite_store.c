/* sqlite_store.c: the embedded store (default) on SQLite in WAL mode.
 * Bars live in columnar chunks: one row per (instrument, interval, bucket) where a bucket spans
 * QC_CHUNK_SPAN intervals of time, holding a BLOB of the chunk's arrays (ts, open_ts, o, h, l, c,
 * v, adj_close as little-endian int64/double, then flags). A load is a few memcpy per chunk instead
 * of one sqlite3_step per bar (>= 5M bars/s); an upsert merges the new bars into the touched
 * chunks and rewrites only chunks whose content changed, so re-importing a file changes nothing.
 * Ticks are plain rows. The schema is versioned; migrations run at open, in a transaction. */
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/strutil.h"
#include "core/time.h"
#include "data/storage/store_impl.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the chunk format stores native little-endian arrays; add byte swapping for this host"
#endif

#define QC_CHUNK_SPAN INT64_C(2048)
#define QC_CHUNK_MAGIC 0x31424351u /* "QCB1" */

typedef struct {
    qc_store base;
    sqlite3 *db;
    int version;
    int in_txn;
} sq_store;

/* ---- schema ----------------------------------------------------------------------------------- */

static const char *const k_migrations[] = {
    /* 1: instruments, bar chunks, ticks */
    "CREATE TABLE instruments("
    "  id INTEGER PRIMARY KEY,"
    "  symbol TEXT NOT NULL UNIQUE,"
    "  calendar TEXT NOT NULL DEFAULT 'NYSE',"
    "  close_only INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE bar_chunks("
    "  instrument_id INTEGER NOT NULL REFERENCES instruments(id) ON DELETE CASCADE,"
    "  interval_s INTEGER NOT NULL,"
    "  bucket INTEGER NOT NULL,"
    "  n INTEGER NOT NULL,"
    "  first_ts INTEGER NOT NULL,"
    "  last_ts INTEGER NOT NULL,"
    "  data BLOB NOT NULL,"
    "  PRIMARY KEY(instrument_id, interval_s, bucket)) WITHOUT ROWID;"
    "CREATE TABLE ticks("
    "  instrument_id INTEGER NOT NULL REFERENCES instruments(id) ON DELETE CASCADE,"
    "  kind INTEGER NOT NULL," /* 0 trade, 1 quote */
    "  ts INTEGER NOT NULL,"
    "  seq INTEGER NOT NULL,"
    "  price REAL, size REAL, side INTEGER,"
    "  bid REAL, ask REAL, bid_size REAL, ask_size REAL,"
    "  PRIMARY KEY(instrument_id, kind, ts, seq)) WITHOUT ROWID;",
    /* 2: the feature store: computed indicator columns and the fingerprint of their input bars */
    "CREATE TABLE feature_cache("
    "  symbol TEXT NOT NULL,"
    "  interval_s INTEGER NOT NULL,"
    "  spec TEXT NOT NULL,"
    "  code_version TEXT NOT NULL,"
    "  n_bars INTEGER NOT NULL,"
    "  n_cols INTEGER NOT NULL,"
    "  fingerprint BLOB NOT NULL,"
    "  data BLOB NOT NULL,"
    "  PRIMARY KEY(symbol, interval_s, spec, code_version)) WITHOUT ROWID;",
};
#define QC_SCHEMA_VERSION ((int)(sizeof k_migrations / sizeof k_migrations[0]))

static qc_err sq_fail(sq_store *s, qc_error *err, const char *what) {
    return qc_err_set(err, QC_ERR_STORAGE, "store '%s': %s: %s", s->base.url ? s->base.url : "?", what,
                      sqlite3_errmsg(s->db));
}

static qc_err exec(sq_store *s, const char *sql, qc_error *err) {
    char *msg = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) == SQLITE_OK) return QC_OK;
    qc_err_set(err, QC_ERR_STORAGE, "store: %s", msg ? msg : sqlite3_errmsg(s->db));
    sqlite3_free(msg);
    return QC_ERR_STORAGE;
}

static qc_err migrate(sq_store *s, qc_error *err) {
    qc_err rc = exec(s, "CREATE TABLE IF NOT EXISTS schema_version(version INTEGER NOT NULL)", err);
    if (rc) return rc;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT max(version) FROM schema_version", -1, &st, NULL))
        return sq_fail(s, err, "reading schema version");
    s->version = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
    sqlite3_finalize(st);
    if (s->version > QC_SCHEMA_VERSION)
        return qc_err_set(err, QC_ERR_STORAGE,
                          "store schema version %d is newer than this quantcli supports (%d): upgrade quantcli",
                          s->version, QC_SCHEMA_VERSION);
    while (s->version < QC_SCHEMA_VERSION) {
        char sql[64];
        snprintf(sql, sizeof sql, "INSERT INTO schema_version VALUES(%d)", s->version + 1);
        if ((rc = exec(s, "BEGIN IMMEDIATE", err))) return rc;
        if ((rc = exec(s, k_migrations[s->version], err)) || (rc = exec(s, sql, err))) {
            exec(s, "ROLLBACK", NULL);
            return rc;
        }
        if ((rc = exec(s, "COMMIT", err))) return rc;
        s->version++;
    }
    return QC_OK;
}

/* ---- transactions ----------------------------------------------------------------------------- */

static qc_err sq_begin(qc_store *st, qc_error *err) {
    sq_store *s = (sq_store *)st;
    if (s->in_txn) return qc_err_set(err, QC_ERR_INTERNAL, "store: nested transaction");
    qc_err rc = exec(s, "BEGIN IMMEDIATE", err);
    if (!rc) s->in_txn = 1;
    return rc;
}

static qc_err sq_commit(qc_store *st, qc_error *err) {
    sq_store *s = (sq_store *)st;
    qc_err rc = exec(s, "COMMIT", err);
    if (rc) exec(s, "ROLLBACK", NULL);
    s->in_txn = 0;
    return rc;
}

static void sq_rollback(qc_store *st) {
    sq_store *s = (sq_store *)st;
    if (s->in_txn) exec(s, "ROLLBACK", NULL);
    s->in_txn = 0;
}

/* Runs fn inside a transaction unless the caller already opened one. */
typedef qc_err (*txn_fn)(sq_store *s, void *ctx, qc_error *err);
static qc_err in_txn(sq_store *s, txn_fn fn, void *ctx, qc_error *err) {
    if (s->in_txn) return fn(s, ctx, err);
    qc_err rc = sq_begin(&s->base, err);
    if (rc) return rc;
    rc = fn(s, ctx, err);
    if (rc) {
        sq_rollback(&s->base);
        return rc;
    }
    return sq_commit(&s->base, err);
}

/* ---- instruments ------------------------------------------------------------------------------ */

static qc_err instrument_id(sq_store *s, const char *symbol, int64_t *id, qc_error *err) {
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT id FROM instruments WHERE symbol = ?", -1, &st, NULL))
        return sq_fail(s, err, "looking up instrument");
    sqlite3_bind_text(st, 1, symbol, -1, SQLITE_STATIC);
    int r = sqlite3_step(st);
    *id = r == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    if (r != SQLITE_ROW && r != SQLITE_DONE) return sq_fail(s, err, "looking up instrument");
    return QC_OK;
}

static qc_err upsert_instrument(sq_store *s, const qc_instrument *inst, int64_t *id, qc_error *err) {
    sqlite3_stmt *st;
    const char *sql = "INSERT INTO instruments(symbol, calendar, close_only) VALUES(?, ?, ?) "
                      "ON CONFLICT(symbol) DO UPDATE SET calendar = excluded.calendar, "
                      "close_only = excluded.close_only";
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL)) return sq_fail(s, err, "writing instrument");
    sqlite3_bind_text(st, 1, inst->symbol, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, inst->calendar ? inst->calendar : "NYSE", -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, inst->close_only ? 1 : 0);
    int r = sqlite3_step(st);
    sqlite3_finalize(st);
    if (r != SQLITE_DONE) return sq_fail(s, err, "writing instrument");
    return instrument_id(s, inst->symbol, id, err);
}

/* ---- chunk codec ------------------------------------------------------------------------------ */

static size_t chunk_bytes(size_t n) { return 8 + n * (8 * 8 + 1); }

static void chunk_encode(const qc_bars *b, size_t from, size_t n, unsigned char *out) {
    uint32_t hdr[2] = {QC_CHUNK_MAGIC, (uint32_t)n};
    memcpy(out, hdr, 8);
    unsigned char *p = out + 8;
    const void *cols[8] = {b->ts + from,  b->open_ts + from, b->open + from,   b->high + from,
                           b->low + from, b->close + from,   b->volume + from, b->adj_close + from};
    for (int c = 0; c < 8; c++, p += n * 8) memcpy(p, cols[c], n * 8);
    memcpy(p, b->flags + from, n);
}

/* Appends the rows of a chunk blob with from_ts <= ts <= to_ts to out. */
static qc_err chunk_decode(const unsigned char *blob, size_t len, int64_t from_ts, int64_t to_ts,
                           qc_bars *out, qc_error *err) {
    uint32_t hdr[2];
    if (len < 8) return qc_err_set(err, QC_ERR_STORAGE, "store: corrupt bar chunk (short)");
    memcpy(hdr, blob, 8);
    size_t n = hdr[1];
    if (hdr[0] != QC_CHUNK_MAGIC || len != chunk_bytes(n))
        return qc_err_set(err, QC_ERR_STORAGE, "store: corrupt bar chunk (bad header)");
    size_t lo = 0, hi = n;
    /* rows are sorted: find the [lo, hi) window by binary search on the ts column */
    while (lo < hi && from_ts != QC_TS_NONE) {
        size_t mid = (lo + hi) / 2;
        int64_t v;
        memcpy(&v, blob + 8 + mid * 8, 8);
        if (v < from_ts) lo = mid + 1;
        else hi = mid;
    }
    size_t a = lo;
    lo = a, hi = n;
    while (lo < hi && to_ts != QC_TS_NONE) {
        size_t mid = (lo + hi) / 2;
        int64_t v;
        memcpy(&v, blob + 8 + mid * 8, 8);
        if (v <= to_ts) lo = mid + 1;
        else hi = mid;
    }
    size_t b = to_ts == QC_TS_NONE ? n : lo, k = b > a ? b - a : 0;
    if (!k) return QC_OK;
    if (out->n + k > out->cap) { /* geometric growth: a load is many chunks */
        qc_err rc = qc_bars_reserve(out, out->n + k > 2 * out->cap ? out->n + k : 2 * out->cap, err);
        if (rc) return rc;
    }
    void *cols[8] = {out->ts, out->open_ts, out->open, out->high, out->low, out->close, out->volume, out->adj_close};
    const unsigned char *p = blob + 8;
    for (int c = 0; c < 8; c++, p += n * 8) memcpy((char *)cols[c] + out->n * 8, p + a * 8, k * 8);
    memcpy(out->flags + out->n, p + a, k);
    out->n += k;
    return QC_OK;
}

/* ---- bars ------------------------------------------------------------------------------------- */

typedef struct {
    const qc_instrument *inst;
    int64_t interval_s;
    const qc_bars *bars;
    qc_put_stats *stats;
} put_ctx;

static int64_t bucket_of(int64_t ts, int64_t interval_s) {
    int64_t span = interval_s * QC_CHUNK_SPAN * QC_NS_PER_SEC;
    return ts >= 0 ? ts / span : -((-ts - 1) / span) - 1;
}

static int same_row(const qc_bars *a, size_t i, const qc_bars *b, size_t j) {
#define EQ(x) (memcmp(&a->x[i], &b->x[j], sizeof a->x[i]) == 0)
    return EQ(open_ts) && EQ(open) && EQ(high) && EQ(low) && EQ(close) && EQ(volume) && EQ(adj_close) &&
           EQ(flags);
#undef EQ
}

/* Merges sorted old and new rows (new wins on equal ts) into m; counts what changed. */
static qc_err merge_rows(const qc_bars *old, const qc_bars *nb, size_t from, size_t to, qc_bars *m,
                         qc_put_stats *d, qc_error *err) {
    size_t i = 0, j = from;
    qc_err rc = QC_OK;
    while (!rc && (i < old->n || j < to)) {
        if (j >= to || (i < old->n && old->ts[i] < nb->ts[j])) {
            rc = qc_bars_push_row(m, old, i++, err);
        } else if (i >= old->n || nb->ts[j] < old->ts[i]) {
            d->inserted++;
            rc = qc_bars_push_row(m, nb, j++, err);
        } else {
            if (same_row(old, i, nb, j)) d->unchanged++;
            else d->updated++;
            rc = qc_bars_push_row(m, nb, j++, err);
            i++;
        }
    }
    return rc;
}

static qc_err load_chunk(sq_store *s, sqlite3_stmt *sel, int64_t id, int64_t iv, int64_t bucket,
                         qc_bars *old, qc_error *err) {
    sqlite3_reset(sel);
    sqlite3_bind_int64(sel, 1, id);
    sqlite3_bind_int64(sel, 2, iv);
    sqlite3_bind_int64(sel, 3, bucket);
    int r = sqlite3_step(sel);
    if (r == SQLITE_DONE) return QC_OK;
    if (r != SQLITE_ROW) return sq_fail(s, err, "reading bar chunk");
    return chunk_decode(sqlite3_column_blob(sel, 0), (size_t)sqlite3_column_bytes(sel, 0), QC_TS_NONE,
                        QC_TS_NONE, old, err);
}

static qc_err write_chunk(sq_store *s, sqlite3_stmt *ins, int64_t id, int64_t iv, int64_t bucket,
                          const qc_bars *m, qc_error *err) {
    size_t len = chunk_bytes(m->n);
    unsigned char *blob = malloc(len);
    if (!blob) return qc_err_set(err, QC_ERR_NOMEM, "out of memory encoding bars");
    chunk_encode(m, 0, m->n, blob);
    sqlite3_reset(ins);
    sqlite3_bind_int64(ins, 1, id);
    sqlite3_bind_int64(ins, 2, iv);
    sqlite3_bind_int64(ins, 3, bucket);
    sqlite3_bind_int64(ins, 4, (sqlite3_int64)m->n);
    sqlite3_bind_int64(ins, 5, m->ts[0]);
    sqlite3_bind_int64(ins, 6, m->ts[m->n - 1]);
    sqlite3_bind_blob(ins, 7, blob, (int)len, free);
    return sqlite3_step(ins) == SQLITE_DONE ? QC_OK : sq_fail(s, err, "writing bar chunk");
}

static qc_err put_bars_txn(sq_store *s, void *vctx, qc_error *err) {
    put_ctx *c = vctx;
    int64_t id;
    qc_err rc = upsert_instrument(s, c->inst, &id, err);
    if (rc) return rc;
    sqlite3_stmt *sel = NULL, *ins = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT data FROM bar_chunks WHERE instrument_id=? AND interval_s=? AND bucket=?",
                           -1, &sel, NULL) ||
        sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO bar_chunks VALUES(?,?,?,?,?,?,?)", -1, &ins, NULL)) {
        rc = sq_fail(s, err, "preparing bar upsert");
    }
    qc_bars old = {0}, merged = {0};
    const qc_bars *b = c->bars;
    for (size_t i = 0; !rc && i < b->n;) {
        int64_t bucket = bucket_of(b->ts[i], c->interval_s);
        size_t j = i;
        while (j < b->n && bucket_of(b->ts[j], c->interval_s) == bucket) j++;
        qc_put_stats d = {0};
        old.n = merged.n = 0;
        rc = load_chunk(s, sel, id, c->interval_s, bucket, &old, err);
        if (!rc) rc = merge_rows(&old, b, i, j, &merged, &d, err);
        if (!rc && (d.inserted || d.updated)) rc = write_chunk(s, ins, id, c->interval_s, bucket, &merged, err);
        if (c->stats) {
            c->stats->inserted += d.inserted;
            c->stats->updated += d.updated;
            c->stats->unchanged += d.unchanged;
        }
        i = j;
    }
    qc_bars_free(&old);
    qc_bars_free(&merged);
    sqlite3_finalize(sel);
    sqlite3_finalize(ins);
    return rc;
}

static qc_err sq_put_bars(qc_store *st, const qc_instrument *inst, int64_t interval_s, const qc_bars *bars,
                          qc_put_stats *stats, qc_error *err) {
    put_ctx c = {inst, interval_s, bars, stats};
    return in_txn((sq_store *)st, put_bars_txn, &c, err);
}

/* The interval to read when the caller passes 0: the symbol's smallest stored interval. */
static qc_err pick_interval(sq_store *s, int64_t id, int64_t *iv, qc_error *err) {
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT min(interval_s) FROM bar_chunks WHERE instrument_id=?", -1, &st, NULL))
        return sq_fail(s, err, "reading intervals");
    sqlite3_bind_int64(st, 1, id);
    *iv = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    return QC_OK;
}

static qc_err sq_load_bars(qc_store *st, const char *symbol, int64_t interval_s, int64_t from_ts,
                           int64_t to_ts, qc_bars *out, qc_error *err) {
    sq_store *s = (sq_store *)st;
    int64_t id;
    qc_err rc = instrument_id(s, symbol, &id, err);
    if (!rc && id >= 0 && interval_s == 0) rc = pick_interval(s, id, &interval_s, err);
    if (rc) return rc;
    if (id < 0 || interval_s == 0) return qc_err_set(err, QC_ERR_NOT_FOUND, "no data for symbol '%s'", symbol);
    sqlite3_stmt *q;
    const char *sql = "SELECT data FROM bar_chunks WHERE instrument_id=? AND interval_s=? "
                      "AND last_ts >= ? AND first_ts <= ? ORDER BY bucket";
    if (sqlite3_prepare_v2(s->db, sql, -1, &q, NULL)) return sq_fail(s, err, "reading bars");
    sqlite3_bind_int64(q, 1, id);
    sqlite3_bind_int64(q, 2, interval_s);
    sqlite3_bind_int64(q, 3, from_ts == QC_TS_NONE ? INT64_MIN : from_ts);
    sqlite3_bind_int64(q, 4, to_ts == QC_TS_NONE ? INT64_MAX : to_ts);
    size_t before = out->n;
    int r;
    while (!rc && (r = sqlite3_step(q)) == SQLITE_ROW)
        rc = chunk_decode(sqlite3_column_blob(q, 0), (size_t)sqlite3_column_bytes(q, 0), from_ts, to_ts, out, err);
    if (!rc && r != SQLITE_DONE) rc = sq_fail(s, err, "reading bars");
    sqlite3_finalize(q);
    if (!rc && out->n == before && from_ts == QC_TS_NONE && to_ts == QC_TS_NONE)
        rc = qc_err_set(err, QC_ERR_NOT_FOUND, "no bars for symbol '%s' at that interval", symbol);
    return rc;
}

static qc_err sq_list(qc_store *st, qc_series_info **items, size_t *n, qc_error *err) {
    sq_store *s = (sq_store *)st;
    *items = NULL;
    *n = 0;
    sqlite3_stmt *q;
    const char *sql = "SELECT i.symbol, c.interval_s, sum(c.n), min(c.first_ts), max(c.last_ts), "
                      "i.close_only, i.calendar FROM bar_chunks c JOIN instruments i ON i.id = c.instrument_id "
                      "GROUP BY i.symbol, c.interval_s ORDER BY i.symbol, c.interval_s";
    if (sqlite3_prepare_v2(s->db, sql, -1, &q, NULL)) return sq_fail(s, err, "listing series");
    size_t cap = 0;
    qc_err rc = QC_OK;
    int r;
    while (!rc && (r = sqlite3_step(q)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            qc_series_info *p = realloc(*items, cap * sizeof *p);
            if (!p) {
                rc = qc_err_set(err, QC_ERR_NOMEM, "out of memory listing series");
                break;
            }
            *items = p;
        }
        qc_series_info *it = &(*items)[(*n)++];
        memset(it, 0, sizeof *it);
        qc_strlcpy(it->symbol, (const char *)sqlite3_column_text(q, 0), sizeof it->symbol);
        it->interval_s = sqlite3_column_int64(q, 1);
        it->rows = (size_t)sqlite3_column_int64(q, 2);
        it->first_ts = sqlite3_column_int64(q, 3);
        it->last_ts = sqlite3_column_int64(q, 4);
        it->close_only = sqlite3_column_int(q, 5);
        qc_strlcpy(it->calendar, (const char *)sqlite3_column_text(q, 6), sizeof it->calendar);
    }
    if (!rc && r != SQLITE_DONE) rc = sq_fail(s, err, "listing series");
    sqlite3_finalize(q);
    if (rc) {
        free(*items);
        *items = NULL;
        *n = 0;
    }
    return rc;
}

static qc_err delete_txn(sq_store *s, void *ctx, qc_error *err) {
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(s->db, "DELETE FROM instruments WHERE symbol = ?", -1, &q, NULL))
        return sq_fail(s, err, "deleting symbol");
    sqlite3_bind_text(q, 1, ctx, -1, SQLITE_STATIC);
    int r = sqlite3_step(q);
    sqlite3_finalize(q);
    return r == SQLITE_DONE ? QC_OK : sq_fail(s, err, "deleting symbol");
}

static qc_err sq_delete_symbol(qc_store *st, const char *symbol, qc_error *err) {
    return in_txn((sq_store *)st, delete_txn, (void *)symbol, err);
}

/* ---- ticks ------------------------------------------------------------------------------------ */

typedef struct {
    const char *symbol;
    int kind;
    const void *rows;
    size_t n;
} tick_ctx;

static qc_err put_ticks_txn(sq_store *s, void *vctx, qc_error *err) {
    tick_ctx *c = vctx;
    qc_instrument inst = {.symbol = c->symbol};
    int64_t id;
    qc_err rc = instrument_id(s, c->symbol, &id, err);
    if (!rc && id < 0) rc = upsert_instrument(s, &inst, &id, err);
    if (rc) return rc;
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO ticks VALUES(?,?,?,?,?,?,?,?,?,?,?)", -1, &q, NULL))
        return sq_fail(s, err, "preparing tick insert");
    int64_t prev = QC_TS_NONE, seq = 0;
    for (size_t i = 0; !rc && i < c->n; i++) {
        const qc_trade *t = c->kind == 0 ? (const qc_trade *)c->rows + i : NULL;
        const qc_quote *qt = c->kind == 1 ? (const qc_quote *)c->rows + i : NULL;
        int64_t ts = t ? t->ts : qt->ts;
        seq = ts == prev ? seq + 1 : 0;
        prev = ts;
        sqlite3_reset(q);
        sqlite3_clear_bindings(q);
        sqlite3_bind_int64(q, 1, id);
        sqlite3_bind_int(q, 2, c->kind);
        sqlite3_bind_int64(q, 3, ts);
        sqlite3_bind_int64(q, 4, seq);
        if (t) {
            sqlite3_bind_double(q, 5, t->price);
            sqlite3_bind_double(q, 6, t->size);
            sqlite3_bind_int(q, 7, t->aggressor);
        } else {
            sqlite3_bind_double(q, 8, qt->bid);
            sqlite3_bind_double(q, 9, qt->ask);
            sqlite3_bind_double(q, 10, qt->bid_size);
            sqlite3_bind_double(q, 11, qt->ask_size);
        }
        if (sqlite3_step(q) != SQLITE_DONE) rc = sq_fail(s, err, "writing ticks");
    }
    sqlite3_finalize(q);
    return rc;
}

static qc_err sq_put_trades(qc_store *st, const char *symbol, const qc_trade *t, size_t n, qc_error *err) {
    tick_ctx c = {symbol, 0, t, n};
    return in_txn((sq_store *)st, put_ticks_txn, &c, err);
}

static qc_err sq_put_quotes(qc_store *st, const char *symbol, const qc_quote *q, size_t n, qc_error *err) {
    tick_ctx c = {symbol, 1, q, n};
    return in_txn((sq_store *)st, put_ticks_txn, &c, err);
}

static qc_err load_ticks(sq_store *s, const char *symbol, int kind, int64_t from_ts, int64_t to_ts,
                         void **out, size_t *n, qc_error *err) {
    *out = NULL;
    *n = 0;
    int64_t id;
    qc_err rc = instrument_id(s, symbol, &id, err);
    if (rc) return rc;
    if (id < 0) return qc_err_set(err, QC_ERR_NOT_FOUND, "no data for symbol '%s'", symbol);
    sqlite3_stmt *q;
    const char *sql = "SELECT ts, price, size, side, bid, ask, bid_size, ask_size FROM ticks "
                      "WHERE instrument_id=? AND kind=? AND ts BETWEEN ? AND ? ORDER BY ts, seq";
    if (sqlite3_prepare_v2(s->db, sql, -1, &q, NULL)) return sq_fail(s, err, "reading ticks");
    sqlite3_bind_int64(q, 1, id);
    sqlite3_bind_int(q, 2, kind);
    sqlite3_bind_int64(q, 3, from_ts == QC_TS_NONE ? INT64_MIN : from_ts);
    sqlite3_bind_int64(q, 4, to_ts == QC_TS_NONE ? INT64_MAX : to_ts);
    size_t cap = 0, sz = kind == 0 ? sizeof(qc_trade) : sizeof(qc_quote);
    int r;
    while ((r = sqlite3_step(q)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 1024;
            void *p = realloc(*out, cap * sz);
            if (!p) {
                rc = qc_err_set(err, QC_ERR_NOMEM, "out of memory reading ticks");
                break;
            }
            *out = p;
        }
        if (kind == 0) {
            qc_trade *t = (qc_trade *)*out + (*n)++;
            *t = (qc_trade){sqlite3_column_int64(q, 0), sqlite3_column_double(q, 1),
                            sqlite3_column_double(q, 2), (int8_t)sqlite3_column_int(q, 3)};
        } else {
            qc_quote *t = (qc_quote *)*out + (*n)++;
            *t = (qc_quote){sqlite3_column_int64(q, 0), sqlite3_column_double(q, 4), sqlite3_column_double(q, 5),
                            sqlite3_column_double(q, 6), sqlite3_column_double(q, 7)};
        }
    }
    if (!rc && r != SQLITE_DONE) rc = sq_fail(s, err, "reading ticks");
    sqlite3_finalize(q);
    if (rc) {
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

static qc_err sq_load_trades(qc_store *st, const char *symbol, int64_t from_ts, int64_t to_ts,
                             qc_trade **out, size_t *n, qc_error *err) {
    return load_ticks((sq_store *)st, symbol, 0, from_ts, to_ts, (void **)out, n, err);
}

static qc_err sq_load_quotes(qc_store *st, const char *symbol, int64_t from_ts, int64_t to_ts,
                             qc_quote **out, size_t *n, qc_error *err) {
    return load_ticks((sq_store *)st, symbol, 1, from_ts, to_ts, (void **)out, n, err);
}

/* ---- feature store ---------------------------------------------------------------------------- */

static qc_err sq_get_features(qc_store *st, const char *symbol, int64_t interval_s, const char *spec,
                              const char *code_version, qc_feature_blob *out, int *found, qc_error *err) {
    sq_store *s = (sq_store *)st;
    memset(out, 0, sizeof *out);
    *found = 0;
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT n_bars, n_cols, fingerprint, data FROM feature_cache WHERE symbol = ? AND "
                           "interval_s = ? AND spec = ? AND code_version = ?",
                           -1, &q, NULL))
        return sq_fail(s, err, "reading features");
    sqlite3_bind_text(q, 1, symbol, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, interval_s);
    sqlite3_bind_text(q, 3, spec, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 4, code_version, -1, SQLITE_STATIC);
    qc_err rc = QC_OK;
    int r = sqlite3_step(q);
    if (r == SQLITE_ROW) {
        sqlite3_int64 nb = sqlite3_column_int64(q, 0), nc = sqlite3_column_int64(q, 1);
        const void *fp = sqlite3_column_blob(q, 2);
        int fpn = sqlite3_column_bytes(q, 2);
        const void *d = sqlite3_column_blob(q, 3);
        size_t dn = (size_t)sqlite3_column_bytes(q, 3);
        /* an entry that does not add up is treated as absent (recomputed and replaced) */
        if (nb >= 0 && nc > 0 && fpn == 16 && dn == (size_t)nb * (size_t)nc * sizeof(double)) {
            out->n_bars = (size_t)nb, out->n_cols = (size_t)nc;
            memcpy(out->fingerprint, fp, 16);
            out->data = malloc(dn ? dn : 1);
            if (!out->data) rc = qc_err_set(err, QC_ERR_NOMEM, "out of memory reading features");
            else if (dn) memcpy(out->data, d, dn);
            *found = !rc;
        }
    } else if (r != SQLITE_DONE) {
        rc = sq_fail(s, err, "reading features");
    }
    sqlite3_finalize(q);
    return rc;
}

static qc_err sq_put_features(qc_store *st, const char *symbol, int64_t interval_s, const char *spec,
                              const char *code_version, const qc_feature_blob *b, qc_error *err) {
    sq_store *s = (sq_store *)st;
    int own = !s->in_txn;
    qc_err rc = own ? exec(s, "BEGIN IMMEDIATE", err) : QC_OK;
    if (rc) return rc;
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "DELETE FROM feature_cache WHERE symbol = ?1 AND interval_s = ?2 AND spec = ?3 AND "
                           "code_version <> ?4",
                           -1, &q, NULL) == SQLITE_OK) {
        sqlite3_bind_text(q, 1, symbol, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 2, interval_s);
        sqlite3_bind_text(q, 3, spec, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 4, code_version, -1, SQLITE_STATIC);
        if (sqlite3_step(q) != SQLITE_DONE) rc = sq_fail(s, err, "writing features");
    } else {
        rc = sq_fail(s, err, "writing features");
    }
    sqlite3_finalize(q);
    q = NULL;
    if (!rc && sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO feature_cache VALUES(?, ?, ?, ?, ?, ?, ?, ?)", -1, &q,
                                  NULL) != SQLITE_OK)
        rc = sq_fail(s, err, "writing features");
    if (!rc) {
        sqlite3_bind_text(q, 1, symbol, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 2, interval_s);
        sqlite3_bind_text(q, 3, spec, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 4, code_version, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 5, (sqlite3_int64)b->n_bars);
        sqlite3_bind_int64(q, 6, (sqlite3_int64)b->n_cols);
        sqlite3_bind_blob(q, 7, b->fingerprint, 16, SQLITE_STATIC);
        sqlite3_bind_blob64(q, 8, b->data ? (const void *)b->data : (const void *)"", 
                            (sqlite3_uint64)(b->n_bars * b->n_cols * sizeof(double)), SQLITE_STATIC);
        if (sqlite3_step(q) != SQLITE_DONE) rc = sq_fail(s, err, "writing features");
    }
    sqlite3_finalize(q);
    if (own) {
        if (rc) exec(s, "ROLLBACK", NULL);
        else rc = exec(s, "COMMIT", err);
    }
    return rc;
}

/* ---- open/close ------------------------------------------------------------------------------- */

static int sq_version(const qc_store *st) { return ((const sq_store *)st)->version; }

static void sq_close(qc_store *st) {
    sq_store *s = (sq_store *)st;
    sq_rollback(st);
    sqlite3_close(s->db);
    free(s);
}

static const qc_store_vt k_sqlite_vt = {
    sq_close,       sq_version,     sq_begin,       sq_commit,     sq_rollback,
    sq_put_bars,    sq_load_bars,   sq_list,        sq_delete_symbol, sq_put_trades,
    sq_put_quotes,  sq_load_trades, sq_load_quotes, sq_get_features, sq_put_features,
};

qc_err qc_sqlite_store_open(const char *path, qc_store **out, qc_error *err) {
    *out = NULL;
    sq_store *s = calloc(1, sizeof *s);
    if (!s) return qc_err_set(err, QC_ERR_NOMEM, "out of memory opening store");
    s->base.vt = &k_sqlite_vt;
    int r = sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    qc_err rc = QC_OK;
    if (r != SQLITE_OK) {
        rc = qc_err_set(err, QC_ERR_STORAGE, "cannot open store '%s': %s", path,
                        s->db ? sqlite3_errmsg(s->db) : "out of memory");
    } else {
        sqlite3_busy_timeout(s->db, 5000);
        qc_error e2 = {0};
        if (exec(s, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON", &e2) ||
            migrate(s, &e2))
            rc = qc_err_set(err, QC_ERR_STORAGE, "cannot open store '%s': %s", path,
                            strncmp(e2.msg, "store: ", 7) == 0 ? e2.msg + 7 : e2.msg);
    }
    if (rc) {
        sqlite3_close(s->db);
        free(s);
        return rc;
    }
    *out = &s->base;
    return QC_OK;
}
