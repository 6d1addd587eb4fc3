/* journal.c: the write-ahead journal (journal.h): record codec with CRC-32 framing, the scanner
 * that tells a torn tail from corruption, the appender with its fsync policy and fault hook, and
 * the fold that rebuilds orders, positions, cash, P&L, the feed position and the kill switch. */
#include "app/journal.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/strutil.h"

/* ---- CRC-32 ---------------------------------------------------------------------------------- */

static uint32_t k_crc[256];
static int k_crc_ready;

static void crc_init(void) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int b = 0; b < 8; b++) c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        k_crc[i] = c;
    }
    k_crc_ready = 1;
}

uint32_t qc_crc32(const void *data, size_t len) {
    if (!k_crc_ready) crc_init(); /* idempotent: a race writes the same table */
    const uint8_t *p = data;
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < len; i++) c = k_crc[(c ^ p[i]) & 0xFF] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

/* ---- little-endian field codec -------------------------------------------------------------- */

typedef struct {
    uint8_t *p;
    size_t n, cap;
} wbuf;

static void put(wbuf *w, const void *v, size_t k) {
    if (w->n + k <= w->cap) memcpy(w->p + w->n, v, k); /* the host is little-endian (x86-64, arm64) */
    w->n += k;
}
static void put_u8(wbuf *w, unsigned v) {
    uint8_t b = (uint8_t)v;
    put(w, &b, 1);
}
static void put_u32(wbuf *w, uint32_t v) { put(w, &v, 4); }
static void put_u64(wbuf *w, uint64_t v) { put(w, &v, 8); }
static void put_i64(wbuf *w, int64_t v) { put(w, &v, 8); }
static void put_f64(wbuf *w, double v) { put(w, &v, 8); }
static void put_text(wbuf *w, const char *s) {
    size_t n = strnlen(s, QC_JOURNAL_TEXT_MAX - 1);
    put_u32(w, (uint32_t)n);
    put(w, s, n);
}

typedef struct {
    const uint8_t *p;
    size_t n, at;
    int bad;
} rbuf;

static void get(rbuf *r, void *v, size_t k) {
    if (r->bad || r->at + k > r->n) {
        r->bad = 1;
        memset(v, 0, k);
        return;
    }
    memcpy(v, r->p + r->at, k);
    r->at += k;
}
static unsigned get_u8(rbuf *r) {
    uint8_t b;
    get(r, &b, 1);
    return b;
}
static uint32_t get_u32(rbuf *r) {
    uint32_t v;
    get(r, &v, 4);
    return v;
}
static uint64_t get_u64(rbuf *r) {
    uint64_t v;
    get(r, &v, 8);
    return v;
}
static int64_t get_i64(rbuf *r) {
    int64_t v;
    get(r, &v, 8);
    return v;
}
static double get_f64(rbuf *r) {
    double v;
    get(r, &v, 8);
    return v;
}
static void get_text(rbuf *r, char *out) {
    uint32_t n = get_u32(r);
    if (n >= QC_JOURNAL_TEXT_MAX) r->bad = 1;
    if (r->bad) {
        out[0] = '\0';
        return;
    }
    get(r, out, n);
    out[r->bad ? 0 : n] = '\0';
}

static void put_req(wbuf *w, const qc_order_req *q) {
    put_u32(w, q->symbol);
    put_u8(w, q->side == QC_BUY ? 1 : 2);
    put_u8(w, (unsigned)q->type);
    put_u8(w, (unsigned)q->tif);
    put_u8(w, q->reduce_only ? 1 : 0);
    put_f64(w, q->qty);
    put_f64(w, q->cash);
    put_f64(w, q->limit_price);
    put_f64(w, q->stop_price);
}

static void get_req(rbuf *r, qc_order_req *q) {
    memset(q, 0, sizeof *q);
    q->symbol = get_u32(r);
    unsigned side = get_u8(r), type = get_u8(r), tif = get_u8(r), ro = get_u8(r);
    if (side < 1 || side > 2 || type > QC_ORD_STOP_LIMIT || tif > QC_TIF_IOC || ro > 1) r->bad = 1;
    q->side = side == 1 ? QC_BUY : QC_SELL;
    q->type = (qc_order_type)type;
    q->tif = (qc_tif)tif;
    q->reduce_only = (int)ro;
    q->qty = get_f64(r);
    q->cash = get_f64(r);
    q->limit_price = get_f64(r);
    q->stop_price = get_f64(r);
}

static void encode_payload(const qc_jrec *r, wbuf *w) {
    put_u8(w, (unsigned)r->type);
    switch (r->type) {
    case QC_JR_SESSION:
        put_u64(w, r->u.session.id);
        put_f64(w, r->u.session.cash);
        put_text(w, r->u.session.desc);
        break;
    case QC_JR_ORDER:
        put_u64(w, r->u.order.id);
        put_req(w, &r->u.order.req);
        put_i64(w, r->u.order.ts);
        break;
    case QC_JR_STATUS:
        put_u64(w, r->u.status.id);
        put_u8(w, (unsigned)r->u.status.status);
        put_f64(w, r->u.status.filled_qty);
        put_i64(w, r->u.status.ts);
        break;
    case QC_JR_FILL: {
        const qc_fill *f = &r->u.fill;
        put_u64(w, f->order_id);
        put_u32(w, f->symbol);
        put_u8(w, f->side == QC_BUY ? 1 : 2);
        put_f64(w, f->qty);
        put_f64(w, f->price);
        put_f64(w, f->ref_price);
        put_i64(w, f->ts);
        put_f64(w, f->costs.commission);
        put_f64(w, f->costs.spread);
        put_f64(w, f->costs.slippage);
        put_f64(w, f->costs.impact);
        break;
    }
    case QC_JR_FEED:
        put_u64(w, r->u.feed.events);
        put_i64(w, r->u.feed.ts);
        break;
    case QC_JR_CONTROL:
        /* the scope rides in the op byte's high nibble; a scoped switch appends its id, so a
         * global record is byte for byte what older journals hold */
        put_u8(w, (unsigned)r->u.control.op | (unsigned)(r->u.control.scope & 0xf) << 4);
        put_u64(w, r->u.control.events);
        put_text(w, r->u.control.reason);
        if (r->u.control.scope) put_u32(w, r->u.control.id);
        break;
    }
}

size_t qc_journal_encode(const qc_jrec *r, uint8_t *buf, size_t cap) {
    if (cap < 8) return 0;
    wbuf w = {buf + 8, 0, cap - 8};
    encode_payload(r, &w);
    if (w.n > w.cap || w.n > QC_JOURNAL_MAX_PAYLOAD) return 0;
    uint32_t len = (uint32_t)w.n, crc = qc_crc32(buf + 8, w.n);
    memcpy(buf, &len, 4);
    memcpy(buf + 4, &crc, 4);
    return 8 + w.n;
}

static void decode_fill(rbuf *b, qc_fill *f) {
    memset(f, 0, sizeof *f);
    f->order_id = get_u64(b);
    f->symbol = get_u32(b);
    unsigned side = get_u8(b);
    if (side < 1 || side > 2) b->bad = 1;
    f->side = side == 1 ? QC_BUY : QC_SELL;
    f->qty = get_f64(b);
    f->price = get_f64(b);
    f->ref_price = get_f64(b);
    f->ts = get_i64(b);
    f->costs.commission = get_f64(b);
    f->costs.spread = get_f64(b);
    f->costs.slippage = get_f64(b);
    f->costs.impact = get_f64(b);
}

qc_err qc_journal_decode(const uint8_t *p, size_t len, qc_jrec *out, qc_error *err) {
    memset(out, 0, sizeof *out);
    rbuf b = {p, len, 0, 0};
    out->type = (qc_jrec_type)get_u8(&b);
    switch (out->type) {
    case QC_JR_SESSION:
        out->u.session.id = get_u64(&b);
        out->u.session.cash = get_f64(&b);
        get_text(&b, out->u.session.desc);
        break;
    case QC_JR_ORDER:
        out->u.order.id = get_u64(&b);
        get_req(&b, &out->u.order.req);
        out->u.order.ts = get_i64(&b);
        break;
    case QC_JR_STATUS: {
        out->u.status.id = get_u64(&b);
        unsigned s = get_u8(&b);
        if (s >= QC_OS__COUNT) b.bad = 1;
        out->u.status.status = (qc_order_status)s;
        out->u.status.filled_qty = get_f64(&b);
        out->u.status.ts = get_i64(&b);
        break;
    }
    case QC_JR_FILL:
        decode_fill(&b, &out->u.fill);
        break;
    case QC_JR_FEED:
        out->u.feed.events = get_u64(&b);
        out->u.feed.ts = get_i64(&b);
        break;
    case QC_JR_CONTROL: {
        unsigned byte = get_u8(&b), op = byte & 0xf, scope = byte >> 4;
        if (op < QC_JCTL_KILL || op > QC_JCTL_CANCEL_ALL || scope > 2) b.bad = 1;
        out->u.control.op = (qc_jctl_op)op;
        out->u.control.scope = (uint8_t)scope;
        out->u.control.events = get_u64(&b);
        get_text(&b, out->u.control.reason);
        out->u.control.id = scope ? get_u32(&b) : 0;
        break;
    }
    default:
        return qc_err_set(err, QC_ERR_DATA, "journal: unknown record type %u", (unsigned)out->type);
    }
    if (b.bad || b.at != len) return qc_err_set(err, QC_ERR_DATA, "journal: malformed record of type %u", (unsigned)out->type);
    return QC_OK;
}

/* ---- scanning -------------------------------------------------------------------------------- */

qc_err qc_journal_scan(const uint8_t *buf, size_t len, qc_journal_visit fn, void *ctx, size_t *valid_len,
                       size_t *torn, qc_error *err) {
    *valid_len = 0;
    *torn = 0;
    if (len == 0) return QC_OK;
    if (len < QC_JOURNAL_MAGIC_LEN) { /* a crash while writing the magic */
        if (memcmp(buf, QC_JOURNAL_MAGIC, len)) return qc_err_set(err, QC_ERR_DATA, "journal: not a QuantCLI journal");
        *torn = len;
        return QC_OK;
    }
    if (memcmp(buf, QC_JOURNAL_MAGIC, QC_JOURNAL_MAGIC_LEN))
        return qc_err_set(err, QC_ERR_DATA, "journal: not a QuantCLI journal (bad magic)");
    size_t at = QC_JOURNAL_MAGIC_LEN;
    while (at < len) {
        uint32_t n, crc;
        if (len - at < 8) break; /* torn header */
        memcpy(&n, buf + at, 4);
        memcpy(&crc, buf + at + 4, 4);
        int too_long = n == 0 || n > QC_JOURNAL_MAX_PAYLOAD;
        if (!too_long && len - at - 8 < n) break; /* torn payload */
        if (too_long || qc_crc32(buf + at + 8, n) != crc) {
            if (!too_long && at + 8 + n == len) break; /* the last record, half written */
            return qc_err_set(err, QC_ERR_DATA, "journal: corrupt record at offset %zu (bad %s) followed by more data",
                              at, too_long ? "length" : "checksum");
        }
        qc_jrec r;
        qc_err rc = qc_journal_decode(buf + at + 8, n, &r, err);
        if (rc) return qc_err_prefix(err, "offset %zu: ", at);
        if (fn && fn(ctx, &r, err)) return err->code ? err->code : qc_err_set(err, QC_ERR_DATA, "journal: rejected record");
        at += 8 + n;
    }
    *valid_len = at < len ? at : len;
    /* at stopped on a torn record: everything from there on is the torn tail */
    *torn = len - *valid_len;
    return QC_OK;
}

qc_err qc_journal_sync_parse(const char *s, qc_journal_sync *out, qc_error *err) {
    memset(out, 0, sizeof *out);
    if (strcmp(s, "every") == 0) return QC_OK;
    if (strcmp(s, "never") == 0) {
        out->mode = QC_JSYNC_NEVER;
        return QC_OK;
    }
    int64_t n;
    if (strncmp(s, "batch:", 6) == 0 && !qc_parse_i64(s + 6, strlen(s + 6), &n) && n >= 1 && n <= 1000000) {
        out->mode = QC_JSYNC_BATCH;
        out->batch = (unsigned)n;
        return QC_OK;
    }
    return qc_err_set(err, QC_ERR_INPUT, "trade.journal.fsync: expected every, batch:N (1..1000000) or never, got '%.40s'", s);
}

/* ---- the appender ------------------------------------------------------------------------- */

struct qc_journal {
    int fd;
    qc_journal_sync sync;
    uint8_t *image;
    size_t image_len, torn;
    off_t size;
    unsigned unsynced;
    uint64_t appended;
    int failed;
    qc_error fail_err;
    qc_journal_write_fn write_fn;
    void *write_ctx;
};

static ssize_t sys_write(int fd, const void *buf, size_t n, void *ctx) {
    (void)ctx;
    return write(fd, buf, n);
}

static qc_err read_all(int fd, uint8_t **out, size_t *len, qc_error *err) {
    struct stat sb;
    if (fstat(fd, &sb)) return qc_err_set(err, QC_ERR_STORAGE, "journal: %s", strerror(errno));
    size_t n = (size_t)sb.st_size, got = 0;
    uint8_t *b = malloc(n ? n : 1);
    if (!b) return qc_err_set(err, QC_ERR_NOMEM, "journal: out of memory for %zu bytes", n);
    while (got < n) {
        ssize_t k = pread(fd, b + got, n - got, (off_t)got);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) {
            free(b);
            return qc_err_set(err, QC_ERR_STORAGE, "journal: read failed: %s", k < 0 ? strerror(errno) : "short file");
        }
        got += (size_t)k;
    }
    *out = b;
    *len = n;
    return QC_OK;
}

static qc_err write_magic(qc_journal *j, qc_error *err) {
    if (pwrite(j->fd, QC_JOURNAL_MAGIC, QC_JOURNAL_MAGIC_LEN, 0) != QC_JOURNAL_MAGIC_LEN || fdatasync(j->fd))
        return qc_err_set(err, QC_ERR_STORAGE, "journal: cannot write: %s", strerror(errno));
    j->size = QC_JOURNAL_MAGIC_LEN;
    return QC_OK;
}

qc_err qc_journal_open(const char *path, const qc_journal_sync *sync, qc_journal **out, qc_error *err) {
    *out = NULL;
    qc_journal *j = calloc(1, sizeof *j);
    if (!j) return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    j->sync = *sync;
    j->write_fn = sys_write;
    j->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (j->fd < 0) {
        free(j);
        return qc_err_set(err, QC_ERR_STORAGE, "journal '%s': %s", path, strerror(errno));
    }
    size_t len = 0, valid = 0;
    qc_err rc = read_all(j->fd, &j->image, &len, err);
    if (!rc) rc = qc_journal_scan(j->image, len, NULL, NULL, &valid, &j->torn, err);
    if (!rc && j->torn && ftruncate(j->fd, (off_t)valid))
        rc = qc_err_set(err, QC_ERR_STORAGE, "journal: cannot cut the torn tail: %s", strerror(errno));
    j->image_len = valid;
    j->size = (off_t)valid;
    if (!rc && valid < QC_JOURNAL_MAGIC_LEN) rc = write_magic(j, err);
    if (!rc && lseek(j->fd, j->size, SEEK_SET) < 0)
        rc = qc_err_set(err, QC_ERR_STORAGE, "journal: seek: %s", strerror(errno));
    if (rc) {
        if (rc != QC_ERR_NOMEM) qc_err_prefix(err, "'%s': ", path);
        qc_journal_close(j);
        return rc;
    }
    *out = j;
    return QC_OK;
}

void qc_journal_close(qc_journal *j) {
    if (!j) return;
    if (j->fd >= 0) close(j->fd);
    free(j->image);
    free(j);
}

void qc_journal_image(const qc_journal *j, const uint8_t **buf, size_t *len) {
    *buf = j->image;
    *len = j->image_len;
}
size_t qc_journal_torn_bytes(const qc_journal *j) { return j->torn; }
int qc_journal_failed(const qc_journal *j) { return j->failed; }
uint64_t qc_journal_appended(const qc_journal *j) { return j->appended; }

void qc_journal_set_write_hook(qc_journal *j, qc_journal_write_fn fn, void *ctx) {
    j->write_fn = fn ? fn : sys_write;
    j->write_ctx = ctx;
}

static qc_err fail(qc_journal *j, const char *what, int e, qc_error *err) {
    j->failed = 1;
    qc_err_set(&j->fail_err, QC_ERR_STORAGE, "journal %s failed (%s): trading stopped, nothing is traded without the journal",
               what, strerror(e));
    /* best effort: drop a partial record so the file ends on a record boundary */
    if (ftruncate(j->fd, j->size) || lseek(j->fd, j->size, SEEK_SET) < 0) {
        /* the scan on the next start cuts it instead */
    }
    *err = j->fail_err;
    return QC_ERR_STORAGE;
}

qc_err qc_journal_flush(qc_journal *j, qc_error *err) {
    if (j->failed) {
        *err = j->fail_err;
        return QC_ERR_STORAGE;
    }
    if (j->unsynced && j->sync.mode != QC_JSYNC_NEVER && fdatasync(j->fd)) return fail(j, "sync", errno, err);
    j->unsynced = 0;
    return QC_OK;
}

qc_err qc_journal_append(qc_journal *j, const qc_jrec *r, qc_error *err) {
    if (j->failed) {
        *err = j->fail_err;
        return QC_ERR_STORAGE;
    }
    uint8_t buf[8 + QC_JOURNAL_MAX_PAYLOAD];
    size_t n = qc_journal_encode(r, buf, sizeof buf), done = 0;
    if (!n) return qc_err_set(err, QC_ERR_INTERNAL, "journal: record too large");
    while (done < n) {
        ssize_t k = j->write_fn(j->fd, buf + done, n - done, j->write_ctx);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) return fail(j, "write", k < 0 ? errno : ENOSPC, err);
        done += (size_t)k;
    }
    j->size += (off_t)n;
    j->appended++;
    j->unsynced++;
    if (j->sync.mode == QC_JSYNC_EVERY || (j->sync.mode == QC_JSYNC_BATCH && j->unsynced >= j->sync.batch))
        return qc_journal_flush(j, err);
    return QC_OK;
}

/* ---- the fold ---------------------------------------------------------------------------------- */

qc_err qc_jstate_init(qc_jstate *st, size_t n_symbols, qc_error *err) {
    memset(st, 0, sizeof *st);
    st->n_symbols = n_symbols;
    st->pos_qty = calloc(n_symbols ? n_symbols : 1, sizeof(double));
    st->pos_cost = calloc(n_symbols ? n_symbols : 1, sizeof(double));
    if (!st->pos_qty || !st->pos_cost) return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    return QC_OK;
}

void qc_jstate_free(qc_jstate *st) {
    free(st->pos_qty);
    free(st->pos_cost);
    free(st->orders);
    memset(st, 0, sizeof *st);
}

static qc_err apply_order(qc_jstate *st, const qc_jrec *r, qc_error *err) {
    if (r->u.order.id != st->n_orders + 1)
        return qc_err_set(err, QC_ERR_DATA, "journal: order %llu out of sequence (expected %zu)",
                          (unsigned long long)r->u.order.id, st->n_orders + 1);
    if (r->u.order.req.symbol >= st->n_symbols)
        return qc_err_set(err, QC_ERR_DATA, "journal: order %llu on unknown symbol %u",
                          (unsigned long long)r->u.order.id, r->u.order.req.symbol);
    if (st->n_orders == st->cap_orders) {
        size_t c = st->cap_orders ? st->cap_orders * 2 : 64;
        qc_jorder *o = realloc(st->orders, c * sizeof *o);
        if (!o) return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
        st->orders = o;
        st->cap_orders = c;
    }
    st->orders[st->n_orders++] = (qc_jorder){r->u.order.id, r->u.order.req, QC_OS_NEW, 0};
    return QC_OK;
}

static qc_err apply_fill(qc_jstate *st, const qc_fill *f, qc_error *err) {
    if (f->order_id < 1 || f->order_id > st->n_orders || f->symbol >= st->n_symbols || !(f->qty > 0) ||
        !isfinite(f->price))
        return qc_err_set(err, QC_ERR_DATA, "journal: fill of unknown order %llu", (unsigned long long)f->order_id);
    qc_jorder *o = &st->orders[f->order_id - 1];
    o->filled_qty += f->qty;
    o->status = o->req.qty > 0 && o->filled_qty < o->req.qty ? QC_OS_PARTIAL : QC_OS_FILLED;
    double s = f->side == QC_BUY ? 1 : -1, *q = &st->pos_qty[f->symbol], *c = &st->pos_cost[f->symbol];
    st->cash -= s * f->qty * f->price + f->costs.commission;
    st->realized -= f->costs.commission;
    double d = s * f->qty;
    if (*q == 0 || (*q > 0) == (d > 0)) { /* opening or adding */
        *c = (*c * fabs(*q) + f->price * f->qty) / (fabs(*q) + f->qty);
        *q += d;
    } else { /* reducing, maybe flipping */
        double closed = fmin(fabs(*q), f->qty);
        st->realized += closed * (f->price - *c) * (*q > 0 ? 1 : -1);
        *q += d;
        if (fabs(*q) < 1e-12) *q = 0, *c = 0;
        else if ((*q > 0) == (d > 0)) *c = f->price; /* flipped: the rest opened at this price */
    }
    st->n_fills++;
    return QC_OK;
}

qc_err qc_jstate_apply(qc_jstate *st, const qc_jrec *r, qc_error *err) {
    st->n_records++;
    if (r->type != QC_JR_SESSION && !st->has_session)
        return qc_err_set(err, QC_ERR_DATA, "journal: records before the session record");
    switch (r->type) {
    case QC_JR_SESSION:
        if (st->has_session) return qc_err_set(err, QC_ERR_DATA, "journal: a second session record");
        st->has_session = 1;
        st->session_id = r->u.session.id;
        st->initial_cash = st->cash = r->u.session.cash;
        snprintf(st->desc, sizeof st->desc, "%s", r->u.session.desc);
        return QC_OK;
    case QC_JR_ORDER:
        return apply_order(st, r, err);
    case QC_JR_STATUS:
        if (r->u.status.id < 1 || r->u.status.id > st->n_orders)
            return qc_err_set(err, QC_ERR_DATA, "journal: status of unknown order %llu", (unsigned long long)r->u.status.id);
        st->orders[r->u.status.id - 1].status = r->u.status.status;
        return QC_OK;
    case QC_JR_FILL:
        return apply_fill(st, &r->u.fill, err);
    case QC_JR_FEED:
        if (r->u.feed.events != st->events + 1)
            return qc_err_set(err, QC_ERR_DATA, "journal: feed position %llu out of sequence",
                              (unsigned long long)r->u.feed.events);
        st->events = r->u.feed.events;
        st->last_ts = r->u.feed.ts;
        return QC_OK;
    case QC_JR_CONTROL:
        if (r->u.control.scope) return QC_OK; /* the state's switch is the global one */
        if (r->u.control.op == QC_JCTL_KILL) {
            st->killed = 1;
            snprintf(st->kill_reason, sizeof st->kill_reason, "%s", r->u.control.reason);
        } else if (r->u.control.op == QC_JCTL_RELEASE) {
            st->killed = 0;
            st->kill_reason[0] = '\0';
        }
        return QC_OK;
    }
    return qc_err_set(err, QC_ERR_DATA, "journal: unknown record type");
}
