/* test_store.c: the store interface on the embedded SQLite backend: URL handling, upsert counts,
 * range loads across chunk boundaries, a randomized merge property against a reference, ticks,
 * transactions that roll back to nothing, schema version, and errors for bad paths. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <sqlite3.h>
#include <string.h>

#include "core/time.h"
#include "data/store.h"
#include "test_util.h"

static char g_dir[256];
static char g_db[300];

static int setup(void **state) {
    (void)state;
    test_tmpdir(g_dir, sizeof g_dir);
    snprintf(g_db, sizeof g_db, "sqlite:%s/t.db", g_dir);
    return g_dir[0] ? 0 : -1;
}

static int teardown(void **state) {
    (void)state;
    test_rmdir(g_dir);
    return 0;
}

/* Minute bars from minute index a to b (exclusive); value encodes the index plus a version. */
static void make_bars(qc_bars *b, int64_t a, int64_t z, double version) {
    qc_bars_clear(b);
    for (int64_t i = a; i < z; i++) {
        int64_t ts = INT64_C(1700000000) * QC_NS_PER_SEC + i * QC_NS_PER_MIN;
        double p = 100.0 + (double)i + version;
        assert_int_equal(qc_bars_push(b, ts, ts - QC_NS_PER_MIN, p, p + 1, p - 1, p, (double)i, NAN, 0, NULL), QC_OK);
    }
}

static void test_urls(void **state) {
    (void)state;
    qc_store *st = NULL;
    qc_error e = {0};
    assert_int_equal(qc_store_open("postgresql://u@127.0.0.1/db", &st, &e), QC_ERR_STORAGE);
    assert_non_null(strstr(e.msg, "PostgreSQL"));
    assert_int_equal(qc_store_open("redis://x", &st, &e), QC_ERR_STORAGE);
    assert_int_equal(qc_store_open("", &st, &e), QC_ERR_STORAGE);
    assert_int_equal(qc_store_open("/nonexistent-dir/x/y.db", &st, &e), QC_ERR_STORAGE);
    assert_non_null(strstr(e.msg, "cannot open store"));
    assert_null(st);
    assert_int_equal(qc_store_open(g_db, &st, &e), QC_OK);
    assert_int_equal(qc_store_schema_version(st), 2);
    assert_string_equal(qc_store_url(st), g_db);
    qc_store_close(st);
    /* a plain path is SQLite too, and reopening keeps the schema */
    assert_int_equal(qc_store_open(g_db + 7, &st, &e), QC_OK);
    assert_int_equal(qc_store_schema_version(st), 2);
    qc_store_close(st);
}

/* A store written by a newer quantcli (higher schema version) is refused, not silently used. */
static void test_newer_schema_refused(void **state) {
    (void)state;
    char path[300], cmd[400];
    snprintf(path, sizeof path, "%s/newer.db", g_dir);
    qc_store *st = NULL;
    qc_error e = {0};
    assert_int_equal(qc_store_open(path, &st, &e), QC_OK);
    qc_store_close(st);
    snprintf(cmd, sizeof cmd, "sqlite:%s", path);
    /* bump the version with SQLite itself through a second store handle's raw file */
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "INSERT INTO schema_version VALUES(99)", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(qc_store_open(cmd, &st, &e), QC_ERR_STORAGE);
    assert_non_null(strstr(e.msg, "newer than this quantcli"));
    assert_null(st);
}

static void test_upsert_counts_and_ranges(void **state) {
    (void)state;
    qc_store *st;
    qc_error e = {0};
    qc_bars b = {0}, got = {0};
    assert_int_equal(qc_store_open(g_db, &st, &e), QC_OK);
    qc_instrument inst = {"MIN", "24/7", 0};
    /* 10,000 minute bars span several 2048-minute chunks */
    make_bars(&b, 0, 10000, 0);
    qc_put_stats s = {0};
    assert_int_equal(qc_store_put_bars(st, &inst, 60, &b, &s, &e), QC_OK);
    assert_int_equal(s.inserted, 10000);
    memset(&s, 0, sizeof s);
    assert_int_equal(qc_store_put_bars(st, &inst, 60, &b, &s, &e), QC_OK);
    assert_int_equal(s.unchanged, 10000);
    assert_int_equal(s.inserted + s.updated, 0);
    /* overlap: 5000..12000 with new values */
    make_bars(&b, 5000, 12000, 0.5);
    memset(&s, 0, sizeof s);
    assert_int_equal(qc_store_put_bars(st, &inst, 60, &b, &s, &e), QC_OK);
    assert_int_equal(s.updated, 5000);
    assert_int_equal(s.inserted, 2000);
    assert_int_equal(qc_store_load_bars(st, "MIN", 60, QC_TS_NONE, QC_TS_NONE, &got, &e), QC_OK);
    assert_int_equal(got.n, 12000);
    assert_true(qc_bars_is_strictly_increasing(&got));
    assert_true(got.close[4999] == 100.0 + 4999);
    assert_true(got.close[5000] == 100.5 + 5000);
    assert_true(got.volume[11999] == 11999);
    assert_true(isnan(got.adj_close[7]));
    /* an inclusive range that crosses chunk boundaries */
    int64_t t0 = got.ts[2040], t1 = got.ts[6200];
    qc_bars_clear(&got);
    assert_int_equal(qc_store_load_bars(st, "MIN", 60, t0, t1, &got, &e), QC_OK);
    assert_int_equal(got.n, 6200 - 2040 + 1);
    assert_true(got.ts[0] == t0 && got.ts[got.n - 1] == t1);
    /* interval 0 = the smallest stored */
    qc_bars_clear(&got);
    assert_int_equal(qc_store_load_bars(st, "MIN", 0, t0, t0, &got, &e), QC_OK);
    assert_int_equal(got.n, 1);
    qc_bars_clear(&got);
    assert_int_equal(qc_store_load_bars(st, "NOPE", 0, QC_TS_NONE, QC_TS_NONE, &got, &e), QC_ERR_NOT_FOUND);
    qc_series_info *items;
    size_t n;
    assert_int_equal(qc_store_list(st, &items, &n, &e), QC_OK);
    assert_int_equal(n, 1);
    assert_string_equal(items[0].symbol, "MIN");
    assert_int_equal(items[0].rows, 12000);
    assert_string_equal(items[0].calendar, "24/7");
    free(items);
    assert_int_equal(qc_store_delete_symbol(st, "MIN", &e), QC_OK);
    assert_int_equal(qc_store_list(st, &items, &n, &e), QC_OK);
    assert_int_equal(n, 0);
    free(items);
    qc_bars_free(&b);
    qc_bars_free(&got);
    qc_store_close(st);
}

/* Random batches upserted in random order equal a reference merge (last write wins). */
static void test_random_merge_property(void **state) {
    (void)state;
    qc_store *st;
    qc_error e = {0};
    assert_int_equal(qc_store_open(g_db, &st, &e), QC_OK);
    enum { N = 9000 };
    static double ref[N];
    for (int i = 0; i < N; i++) ref[i] = NAN;
    qc_instrument inst = {"RND", NULL, 0};
    qc_bars b = {0}, got = {0};
    uint64_t x = 12345;
    for (int round = 0; round < 40; round++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        int64_t a = (int64_t)(x % N), len = (int64_t)(x >> 20) % 1500 + 1;
        int64_t z = a + len > N ? N : a + len;
        make_bars(&b, a, z, round);
        for (int64_t i = a; i < z; i++) ref[i] = 100.0 + (double)i + round;
        assert_int_equal(qc_store_put_bars(st, &inst, 60, &b, NULL, &e), QC_OK);
    }
    assert_int_equal(qc_store_load_bars(st, "RND", 60, QC_TS_NONE, QC_TS_NONE, &got, &e), QC_OK);
    size_t k = 0;
    for (int i = 0; i < N; i++) {
        if (isnan(ref[i])) continue;
        assert_true(k < got.n);
        assert_true(got.close[k] == ref[i]);
        k++;
    }
    assert_int_equal(k, got.n);
    qc_bars_free(&b);
    qc_bars_free(&got);
    qc_store_close(st);
}

static void test_transaction_rollback(void **state) {
    (void)state;
    qc_store *st;
    qc_error e = {0};
    qc_bars b = {0};
    assert_int_equal(qc_store_open(g_db, &st, &e), QC_OK);
    make_bars(&b, 0, 100, 0);
    qc_instrument a = {"TXA", NULL, 0}, c = {"TXB", NULL, 1};
    assert_int_equal(qc_store_begin(st, &e), QC_OK);
    assert_int_equal(qc_store_put_bars(st, &a, 60, &b, NULL, &e), QC_OK);
    assert_int_equal(qc_store_put_bars(st, &c, 60, &b, NULL, &e), QC_OK);
    qc_store_rollback(st);
    qc_series_info *items;
    size_t n;
    assert_int_equal(qc_store_list(st, &items, &n, &e), QC_OK);
    for (size_t i = 0; i < n; i++) assert_true(strncmp(items[i].symbol, "TX", 2) != 0);
    free(items);
    assert_int_equal(qc_store_begin(st, &e), QC_OK);
    assert_int_equal(qc_store_put_bars(st, &c, 60, &b, NULL, &e), QC_OK);
    assert_int_equal(qc_store_commit(st, &e), QC_OK);
    assert_int_equal(qc_store_list(st, &items, &n, &e), QC_OK);
    int found = 0;
    for (size_t i = 0; i < n; i++) found |= strcmp(items[i].symbol, "TXB") == 0 && items[i].close_only;
    assert_true(found);
    free(items);
    /* unsorted bars are refused before any write */
    double t = b.ts[0];
    b.ts[0] = b.ts[1];
    assert_int_not_equal(qc_store_put_bars(st, &a, 60, &b, NULL, &e), QC_OK);
    (void)t;
    qc_bars_free(&b);
    qc_store_close(st);
}

static void test_ticks(void **state) {
    (void)state;
    qc_store *st;
    qc_error e = {0};
    assert_int_equal(qc_store_open(g_db, &st, &e), QC_OK);
    qc_trade tr[3] = {{1000, 10.0, 5, 1}, {1000, 10.01, 3, -1}, {2000, 10.02, 1, 1}};
    qc_quote qu[2] = {{900, 9.99, 10.01, 100, 200}, {1900, 10.0, 10.02, 50, 60}};
    assert_int_equal(qc_store_put_trades(st, "TCK", tr, 3, &e), QC_OK);
    assert_int_equal(qc_store_put_trades(st, "TCK", tr, 3, &e), QC_OK); /* idempotent */
    assert_int_equal(qc_store_put_quotes(st, "TCK", qu, 2, &e), QC_OK);
    qc_trade *t;
    qc_quote *q;
    size_t n;
    assert_int_equal(qc_store_load_trades(st, "TCK", QC_TS_NONE, QC_TS_NONE, &t, &n, &e), QC_OK);
    assert_int_equal(n, 3);
    assert_memory_equal(&t[1].price, &tr[1].price, sizeof(double));
    assert_int_equal(t[1].aggressor, -1);
    free(t);
    assert_int_equal(qc_store_load_trades(st, "TCK", 1500, 2500, &t, &n, &e), QC_OK);
    assert_int_equal(n, 1);
    free(t);
    assert_int_equal(qc_store_load_quotes(st, "TCK", QC_TS_NONE, QC_TS_NONE, &q, &n, &e), QC_OK);
    assert_int_equal(n, 2);
    assert_true(q[1].ask == 10.02 && q[1].bid_size == 50);
    free(q);
    qc_store_close(st);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_urls), cmocka_unit_test(test_newer_schema_refused),
        cmocka_unit_test(test_upsert_counts_and_ranges),
        cmocka_unit_test(test_random_merge_property), cmocka_unit_test(test_transaction_rollback),
        cmocka_unit_test(test_ticks),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
