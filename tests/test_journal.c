/* test_journal.c: app/journal.c. CRC-32 against its check value; every record type round-trips
 * the codec; a journal reopens with its records; every possible truncation of the last record is
 * a torn tail cut off with the earlier records intact; a flipped byte before the end is corruption;
 * a full disk (injected ENOSPC) fails the journal for good and leaves it readable; the fold
 * rebuilds orders, positions, cash, P&L, the feed position and the kill switch; fsync policies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "app/journal.h"
#include "test_util.h"

static void test_crc(void **s) {
    (void)s;
    assert_int_equal(qc_crc32("123456789", 9), 0xCBF43926u); /* the standard check value */
    assert_int_equal(qc_crc32("", 0), 0);
}

static qc_jrec session_rec(void) {
    qc_jrec r = {.type = QC_JR_SESSION};
    r.u.session.id = 0xABCDEF12345ull;
    r.u.session.cash = 100000;
    snprintf(r.u.session.desc, sizeof r.u.session.desc, "sma_cross(fast=5, slow=20) on SYN00");
    return r;
}

static qc_jrec order_rec(uint64_t id, qc_side side, double qty) {
    qc_jrec r = {.type = QC_JR_ORDER};
    r.u.order.id = id;
    r.u.order.req = (qc_order_req){.symbol = 0, .side = side, .type = QC_ORD_MARKET, .tif = QC_TIF_GTC, .qty = qty};
    r.u.order.ts = 1000 + (int64_t)id;
    return r;
}

static qc_jrec fill_rec(uint64_t id, qc_side side, double qty, double px, double comm) {
    qc_jrec r = {.type = QC_JR_FILL};
    r.u.fill = (qc_fill){.order_id = id, .symbol = 0, .side = side, .qty = qty, .price = px, .ref_price = px,
                         .ts = 2000 + (int64_t)id, .costs = {comm, 0, 0, 0}};
    return r;
}

static qc_jrec feed_rec(uint64_t n) {
    qc_jrec r = {.type = QC_JR_FEED};
    r.u.feed.events = n;
    r.u.feed.ts = (int64_t)n * 86400;
    return r;
}

static void test_codec_roundtrip(void **s) {
    (void)s;
    qc_jrec recs[6] = {session_rec(), order_rec(1, QC_BUY, 10), fill_rec(1, QC_BUY, 10, 101.5, 0.25), feed_rec(7)};
    recs[4] = (qc_jrec){.type = QC_JR_STATUS};
    recs[4].u.status.id = 3;
    recs[4].u.status.status = QC_OS_EXPIRED;
    recs[4].u.status.filled_qty = 2.5;
    recs[5] = (qc_jrec){.type = QC_JR_CONTROL};
    recs[5].u.control.op = QC_JCTL_KILL;
    recs[5].u.control.events = 9;
    snprintf(recs[5].u.control.reason, sizeof recs[5].u.control.reason, "operator");
    for (int i = 0; i < 6; i++) {
        uint8_t buf[512];
        size_t n = qc_journal_encode(&recs[i], buf, sizeof buf);
        assert_true(n > 8);
        qc_jrec back;
        qc_error err = {0};
        assert_int_equal(qc_journal_decode(buf + 8, n - 8, &back, &err), QC_OK);
        uint8_t buf2[512];
        assert_int_equal(qc_journal_encode(&back, buf2, sizeof buf2), n);
        assert_memory_equal(buf, buf2, n);
        /* a payload one byte short or long is malformed, never read past */
        assert_int_not_equal(qc_journal_decode(buf + 8, n - 9, &back, &err), QC_OK);
    }
}

/* A scoped kill carries scope and id; a global one is what older journals hold (the op byte with
 * no scope bits, no id: 4 bytes shorter), and an unknown scope is malformed. */
static void test_codec_scoped_control(void **s) {
    (void)s;
    qc_jrec r = {.type = QC_JR_CONTROL}, back;
    r.u.control.op = QC_JCTL_RELEASE;
    r.u.control.scope = 2; /* symbol */
    r.u.control.id = 7;
    r.u.control.events = 3;
    snprintf(r.u.control.reason, sizeof r.u.control.reason, "file");
    uint8_t buf[512], g[512];
    qc_error err = {0};
    size_t n = qc_journal_encode(&r, buf, sizeof buf);
    assert_int_equal(qc_journal_decode(buf + 8, n - 8, &back, &err), QC_OK);
    assert_int_equal(back.u.control.op, QC_JCTL_RELEASE);
    assert_int_equal(back.u.control.scope, 2);
    assert_int_equal(back.u.control.id, 7);
    r.u.control.scope = 0;
    size_t ng = qc_journal_encode(&r, g, sizeof g);
    assert_int_equal(ng + 4, n);
    assert_int_equal(g[9], QC_JCTL_RELEASE); /* after the record type */
    assert_int_equal(qc_journal_decode(g + 8, ng - 8, &back, &err), QC_OK);
    assert_int_equal(back.u.control.scope, 0);
    assert_int_equal(back.u.control.id, 0);
    buf[9] = (uint8_t)(QC_JCTL_KILL | 3 << 4);
    assert_int_not_equal(qc_journal_decode(buf + 8, n - 8, &back, &err), QC_OK);
}

static void path_in(char *out, size_t n, const char *dir) { snprintf(out, n, "%s/journal", dir); }

static void write_sample(const char *path, int n_orders) {
    qc_journal_sync sy = {QC_JSYNC_EVERY, 0};
    qc_journal *j;
    qc_error err = {0};
    assert_int_equal(qc_journal_open(path, &sy, &j, &err), QC_OK);
    qc_jrec r = session_rec();
    assert_int_equal(qc_journal_append(j, &r, &err), QC_OK);
    for (int i = 1; i <= n_orders; i++) {
        r = order_rec((uint64_t)i, i % 2 ? QC_BUY : QC_SELL, 10);
        assert_int_equal(qc_journal_append(j, &r, &err), QC_OK);
        r = fill_rec((uint64_t)i, i % 2 ? QC_BUY : QC_SELL, 10, 100 + i, 1);
        assert_int_equal(qc_journal_append(j, &r, &err), QC_OK);
        r = feed_rec((uint64_t)i);
        assert_int_equal(qc_journal_append(j, &r, &err), QC_OK);
    }
    qc_journal_close(j);
}

static int count_visit(void *ctx, const qc_jrec *r, qc_error *err) {
    (void)r, (void)err;
    (*(size_t *)ctx)++;
    return 0;
}

static size_t count_records(const char *path, size_t *torn) {
    qc_journal_sync sy = {QC_JSYNC_NEVER, 0};
    qc_journal *j;
    qc_error err = {0};
    assert_int_equal(qc_journal_open(path, &sy, &j, &err), QC_OK);
    const uint8_t *b;
    size_t len, valid, t2, n = 0;
    qc_journal_image(j, &b, &len);
    assert_int_equal(qc_journal_scan(b, len, count_visit, &n, &valid, &t2, &err), QC_OK);
    assert_int_equal(t2, 0);
    *torn = qc_journal_torn_bytes(j);
    qc_journal_close(j);
    return n;
}

static void test_reopen_and_torn_tail(void **s) {
    (void)s;
    char dir[64], path[128];
    test_tmpdir(dir, sizeof dir);
    path_in(path, sizeof path, dir);
    write_sample(path, 4);
    size_t torn;
    assert_int_equal(count_records(path, &torn), 13);
    assert_int_equal(torn, 0);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    off_t full = sb.st_size;
    /* the last record is a FEED record of 1 + 8 + 8 payload bytes, 25 framed: every cut inside it */
    for (off_t cut = 1; cut < 25; cut++) {
        write_sample(path, 4);
        assert_int_equal(truncate(path, full - cut), 0);
        assert_int_equal(count_records(path, &torn), 12);
        assert_int_equal(torn, 25 - cut);
        assert_int_equal(stat(path, &sb), 0);
        assert_int_equal(sb.st_size, full - 25); /* the tail was cut off on disk */
        unlink(path);
    }
    test_rmdir(dir);
}

static void test_corruption_refused(void **s) {
    (void)s;
    char dir[64], path[128];
    test_tmpdir(dir, sizeof dir);
    path_in(path, sizeof path, dir);
    write_sample(path, 3);
    int fd = open(path, O_RDWR);
    assert_true(fd >= 0);
    uint8_t b = 0;
    assert_int_equal(pread(fd, &b, 1, 40), 1);
    b ^= 0x55;
    assert_int_equal(pwrite(fd, &b, 1, 40), 1);
    close(fd);
    qc_journal_sync sy = {QC_JSYNC_NEVER, 0};
    qc_journal *j;
    qc_error err = {0};
    assert_int_equal(qc_journal_open(path, &sy, &j, &err), QC_ERR_DATA);
    assert_non_null(strstr(err.msg, "corrupt record"));
    /* a file that is not a journal */
    assert_int_equal(test_write(path, "hello world, not a journal", 26), 0);
    assert_int_equal(qc_journal_open(path, &sy, &j, &err), QC_ERR_DATA);
    test_rmdir(dir);
}

typedef struct {
    int left; /* writes that succeed before the disk is full */
    int calls;
} full_disk;

static ssize_t full_write(int fd, const void *buf, size_t n, void *ctx) {
    full_disk *d = ctx;
    d->calls++;
    if (d->left-- > 0) return write(fd, buf, n);
    if (d->left == -1 && n > 4) return write(fd, buf, 4); /* a short write first, then ENOSPC */
    errno = ENOSPC;
    return -1;
}

static void test_full_disk(void **s) {
    (void)s;
    char dir[64], path[128];
    test_tmpdir(dir, sizeof dir);
    path_in(path, sizeof path, dir);
    qc_journal_sync sy = {QC_JSYNC_EVERY, 0};
    qc_journal *j;
    qc_error err = {0};
    assert_int_equal(qc_journal_open(path, &sy, &j, &err), QC_OK);
    full_disk d = {2, 0};
    qc_journal_set_write_hook(j, full_write, &d);
    qc_jrec r = session_rec();
    assert_int_equal(qc_journal_append(j, &r, &err), QC_OK);
    r = order_rec(1, QC_BUY, 5);
    assert_int_equal(qc_journal_append(j, &r, &err), QC_OK);
    r = fill_rec(1, QC_BUY, 5, 10, 0);
    assert_int_equal(qc_journal_append(j, &r, &err), QC_ERR_STORAGE);
    assert_non_null(strstr(err.msg, "No space left"));
    assert_non_null(strstr(err.msg, "trading stopped"));
    assert_true(qc_journal_failed(j));
    int calls = d.calls;
    r = feed_rec(1);
    assert_int_equal(qc_journal_append(j, &r, &err), QC_ERR_STORAGE); /* failed for good: no retry */
    assert_int_equal(d.calls, calls);
    qc_journal_close(j);
    size_t torn;
    assert_int_equal(count_records(path, &torn), 2); /* the records before the failure, no partial one */
    test_rmdir(dir);
}

static void test_fold(void **s) {
    (void)s;
    qc_jstate st;
    qc_error err = {0};
    assert_int_equal(qc_jstate_init(&st, 1, &err), QC_OK);
    qc_jrec r = order_rec(1, QC_BUY, 10);
    assert_int_equal(qc_jstate_apply(&st, &r, &err), QC_ERR_DATA); /* before the session record */
    r = session_rec();
    assert_int_equal(qc_jstate_apply(&st, &r, &err), QC_OK);
    r = order_rec(1, QC_BUY, 10);
    assert_int_equal(qc_jstate_apply(&st, &r, &err), QC_OK);
    r = fill_rec(1, QC_BUY, 10, 100, 1);
    assert_int_equal(qc_jstate_apply(&st, &r, &err), QC_OK);
    r = order_rec(2, QC_SELL, 10);
    assert_int_equal(qc_jstate_apply(&st, &r, &err), QC_OK);
    r = fill_rec(2, QC_SELL, 4, 110, 1);
    assert_int_equal(qc_jstate_apply(&st, &r, &err), QC_OK);
    r = feed_rec(1);
    assert_int_equal(qc_jstate_apply(&st, &r, &err), QC_OK);
    r = feed_rec(3);
    assert_int_equal(qc_jstate_apply(&st, &r, &err), QC_ERR_DATA); /* a gap in the feed position */
    r = order_rec(5, QC_BUY, 1);
    assert_int_equal(qc_jstate_apply(&st, &r, &err), QC_ERR_DATA); /* ids out of sequence */
    r = (qc_jrec){.type = QC_JR_CONTROL};
    r.u.control.op = QC_JCTL_KILL;
    snprintf(r.u.control.reason, sizeof r.u.control.reason, "ops");
    assert_int_equal(qc_jstate_apply(&st, &r, &err), QC_OK);
    assert_float_equal(st.cash, 100000 - 1000 - 1 + 440 - 1, 1e-9);
    assert_float_equal(st.pos_qty[0], 6, 0);
    assert_float_equal(st.pos_cost[0], 100, 0);
    assert_float_equal(st.realized, 40 - 2, 1e-9);
    assert_int_equal(st.orders[0].status, QC_OS_FILLED);
    assert_int_equal(st.orders[1].status, QC_OS_PARTIAL);
    assert_int_equal(st.events, 1);
    assert_true(st.killed);
    assert_string_equal(st.kill_reason, "ops");
    qc_jstate_free(&st);
}

static void test_sync_parse(void **s) {
    (void)s;
    qc_journal_sync y;
    qc_error err = {0};
    assert_int_equal(qc_journal_sync_parse("every", &y, &err), QC_OK);
    assert_int_equal(y.mode, QC_JSYNC_EVERY);
    assert_int_equal(qc_journal_sync_parse("batch:64", &y, &err), QC_OK);
    assert_int_equal(y.mode, QC_JSYNC_BATCH);
    assert_int_equal(y.batch, 64);
    assert_int_equal(qc_journal_sync_parse("never", &y, &err), QC_OK);
    assert_int_equal(y.mode, QC_JSYNC_NEVER);
    assert_int_equal(qc_journal_sync_parse("batch:0", &y, &err), QC_ERR_INPUT);
    assert_int_equal(qc_journal_sync_parse("batch:", &y, &err), QC_ERR_INPUT);
    assert_int_equal(qc_journal_sync_parse("sometimes", &y, &err), QC_ERR_INPUT);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc),           cmocka_unit_test(test_codec_roundtrip),
        cmocka_unit_test(test_codec_scoped_control),
        cmocka_unit_test(test_reopen_and_torn_tail), cmocka_unit_test(test_corruption_refused),
        cmocka_unit_test(test_full_disk),     cmocka_unit_test(test_fold),
        cmocka_unit_test(test_sync_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
