/* journal.h: the trading engine's write-ahead journal. An append-only file of framed records
 * (u32 payload length, u32 CRC-32 of the payload, then the payload: a type byte and its fields,
 * little-endian) after an 8-byte magic. Every order, order status change, fill, feed position and
 * control action (kill, release, cancel-all) is appended BEFORE it takes effect; the fsync policy
 * (every record, every N records, never) comes from trade.journal.fsync. On open the file is
 * scanned: a torn last record (short header, length past the end, or a bad CRC at the end) is cut
 * off and reported; a bad record followed by more data is corruption and refuses to open. A write
 * or sync error (a full disk) fails the journal for good: the engine must stop trading.
 * Format reference: docs/TRADING.md. */
#ifndef QC_APP_JOURNAL_H
#define QC_APP_JOURNAL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/error.h"
#include "execution/order.h"

#define QC_JOURNAL_MAGIC "QCJRNL1\n"
#define QC_JOURNAL_MAGIC_LEN 8
#define QC_JOURNAL_MAX_PAYLOAD 4096
#define QC_JOURNAL_TEXT_MAX 256

typedef enum {
    QC_JR_SESSION = 1, /* first record: session id, starting cash, run description */
    QC_JR_ORDER,       /* an order about to reach the venue */
    QC_JR_STATUS,      /* an order changed state at the venue (cancelled, expired, rejected) */
    QC_JR_FILL,        /* a fill about to be applied */
    QC_JR_FEED,        /* events of the feed fully processed (the resume point) */
    QC_JR_CONTROL      /* a control action, applied before the next feed event */
} qc_jrec_type;

typedef enum { QC_JCTL_KILL = 1, QC_JCTL_RELEASE, QC_JCTL_CANCEL_ALL } qc_jctl_op;

typedef struct {
    qc_jrec_type type;
    union {
        struct {
            uint64_t id;
            double cash;
            char desc[QC_JOURNAL_TEXT_MAX];
        } session;
        struct {
            uint64_t id;
            qc_order_req req;
            int64_t ts;
        } order;
        struct {
            uint64_t id;
            qc_order_status status;
            double filled_qty;
            int64_t ts;
        } status;
        qc_fill fill;
        struct {
            uint64_t events; /* events done, counted from the feed's start */
            int64_t ts;      /* the last one's time */
        } feed;
        struct {
            qc_jctl_op op;
            uint64_t events; /* applied after this many events */
            char reason[QC_JOURNAL_TEXT_MAX];
            uint8_t scope;   /* kill/release: qc_risk_scope (0 = global, as every older journal) */
            uint32_t id;     /* strategy id or symbol index of a scoped switch */
        } control;
    } u;
} qc_jrec;

/* CRC-32 (IEEE 802.3, reflected, as zlib's crc32). */
uint32_t qc_crc32(const void *data, size_t len);

/* Frames r into buf (header included); returns the bytes written, 0 if cap is too small. */
size_t qc_journal_encode(const qc_jrec *r, uint8_t *buf, size_t cap);
/* Decodes one payload (type byte first); QC_ERR_DATA for an unknown type or wrong length. */
qc_err qc_journal_decode(const uint8_t *p, size_t len, qc_jrec *out, qc_error *err);

/* Scans a journal image (magic included): calls fn for each valid record in order (fn returning
 * non-zero stops the scan with QC_ERR_DATA and fn's message left in err). *valid_len is the length
 * of the valid prefix; *torn the bytes of a torn last record beyond it. A bad record followed by
 * more data, or a bad magic, is QC_ERR_DATA naming the offset. An empty image is valid. */
typedef int (*qc_journal_visit)(void *ctx, const qc_jrec *r, qc_error *err);
qc_err qc_journal_scan(const uint8_t *buf, size_t len, qc_journal_visit fn, void *ctx, size_t *valid_len,
                       size_t *torn, qc_error *err);

/* fsync policy: "every", "batch:N" (N >= 1), "never". */
typedef struct {
    enum { QC_JSYNC_EVERY = 0, QC_JSYNC_BATCH, QC_JSYNC_NEVER } mode;
    unsigned batch;
} qc_journal_sync;
qc_err qc_journal_sync_parse(const char *s, qc_journal_sync *out, qc_error *err);

typedef struct qc_journal qc_journal;

/* Opens (creating, mode 0600) the journal at path, scans it and cuts off a torn tail. The valid
 * image stays readable through qc_journal_image until the journal is closed. */
qc_err qc_journal_open(const char *path, const qc_journal_sync *sync, qc_journal **out, qc_error *err);
void qc_journal_close(qc_journal *j);
void qc_journal_image(const qc_journal *j, const uint8_t **buf, size_t *len);
size_t qc_journal_torn_bytes(const qc_journal *j);
/* Appends one record and syncs per the policy. Once a write or sync failed, every append fails
 * (QC_ERR_STORAGE) and the message says the engine stopped trading. */
qc_err qc_journal_append(qc_journal *j, const qc_jrec *r, qc_error *err);
/* Syncs what was appended (the batch policy's remainder); a failure fails the journal. */
qc_err qc_journal_flush(qc_journal *j, qc_error *err);
int qc_journal_failed(const qc_journal *j);
uint64_t qc_journal_appended(const qc_journal *j);

/* Test hook: replaces write(2) (fault injection: return -1 with errno = ENOSPC). NULL restores. */
typedef ssize_t (*qc_journal_write_fn)(int fd, const void *buf, size_t n, void *ctx);
void qc_journal_set_write_hook(qc_journal *j, qc_journal_write_fn fn, void *ctx);

/* ---- state rebuilt from the records -------------------------------------------------------- */

typedef struct {
    uint64_t id;
    qc_order_req req;
    qc_order_status status;
    double filled_qty;
} qc_jorder;

typedef struct {
    uint64_t session_id;
    char desc[QC_JOURNAL_TEXT_MAX];
    int has_session;
    double initial_cash, cash;
    double *pos_qty, *pos_cost; /* per symbol: signed shares, average cost */
    double realized;            /* realised P&L net of commission */
    size_t n_symbols;
    qc_jorder *orders;          /* index id - 1 */
    size_t n_orders, cap_orders;
    size_t n_fills;
    uint64_t events;            /* feed position */
    int64_t last_ts;
    int killed;
    char kill_reason[QC_JOURNAL_TEXT_MAX];
    size_t n_records;
} qc_jstate;

/* Folds one record into st (n_symbols fixed at init). QC_ERR_DATA for a record that contradicts
 * the state (unknown order, symbol out of range, ids out of sequence). */
qc_err qc_jstate_init(qc_jstate *st, size_t n_symbols, qc_error *err);
qc_err qc_jstate_apply(qc_jstate *st, const qc_jrec *r, qc_error *err);
void qc_jstate_free(qc_jstate *st);

#endif
