/* engine.h: the paper-trading engine (`quantcli trade --mode paper`). It drives the backtest's
 * own objects (backtest/backtest.h session: kernel, strategy, risk engine, simulated venue) one
 * feed event at a time under a wall clock, with a journaling venue in front of the venue: every
 * order, status change and fill is appended to the write-ahead journal (app/journal.h) before it
 * takes effect, and each finished event appends the feed position. Restarting on the same state
 * directory re-executes the journaled prefix of the feed (deterministic) while checking every
 * record against the journal instead of writing it, so nothing is re-sent or doubled, then goes
 * on live. The venue is an interface: another qc_venue (an order-book exchange) plugs in where the
 * simulated one is made. Control: a Unix socket in the state directory (app/control.h); a lock
 * file keeps a second daemon out. docs/TRADING.md. */
#ifndef QC_APP_ENGINE_H
#define QC_APP_ENGINE_H

#include <stdio.h>

#include "app/journal.h"
#include "backtest/backtest.h"

typedef struct {
    uint64_t session_id;
    size_t events, total_events; /* total 0 = unbounded (synthetic feed) */
    double equity, pnl, cash;
    size_t open_positions, orders, open_orders, fills, rejects;
    int killed, recovering, finished, stalled;
    uint64_t journal_records;
    size_t n_venues;                /* fills per venue: the bar venue ("sim"), the exchange, or each routed venue */
    const char *venue_names[16];    /* owned by the engine's venue */
    size_t venue_fills[16];
} qc_engine_status;

typedef struct {
    const qc_bars *const *series;
    const char *const *symbols;
    size_t n_symbols;
    qc_backtest_opts bt;     /* strategy, params, kernel (cash, risk engine), sim, metrics, calendar */
    const char *state_dir;
    const char *run_desc;    /* the run's description: a restart must match the journal's */
    double speed;            /* 0 = as fast as possible; else x real time */
    int pace_by_count;       /* pace one event per second / speed (synthetic feeds), not by bar times */
    int stay;                /* keep serving control commands after the feed ends */
    int live;                /* a feed that never ends (synth, live): out of events = waiting for data */
    double stall_s;          /* live feeds: no event for this long stops trading (QC_ERR_PROVIDER); 0 = wait */
    const char *kill_file;   /* the persisted risk kill switch (risk.kill_switch.file): its global switch
                              * is applied at start (journaled) and written on kill/release; NULL = none */
    qc_journal_sync sync;
    int metrics_port;        /* GET /metrics on 127.0.0.1:port while running (0 = off) */
    void (*on_status)(void *ctx, const qc_engine_status *st); /* ~5 times a second and at the end */
    void *status_ctx;
    /* test hooks */
    qc_journal_write_fn journal_write;
    void *journal_write_ctx;
    /* wraps the simulated venue (a venue that refuses orders); the wrapper forwards to inner and
     * reports through its own sink/kernel, which the engine sets */
    qc_venue *(*venue_wrap)(qc_venue *inner, void *ctx);
    void *venue_wrap_ctx;
} qc_engine_opts;

void qc_engine_opts_init(qc_engine_opts *o);

typedef struct qc_engine qc_engine;

/* Creates the state directory (0700), takes its lock (QC_ERR_EXECUTION when another daemon holds
 * it), opens the journal and recovers from it, and opens the control socket (0600). *torn_bytes
 * says what a torn journal tail lost (the caller warns). */
qc_err qc_engine_open(const qc_engine_opts *o, qc_engine **out, size_t *torn_bytes, qc_error *err);
void qc_engine_close(qc_engine *e);
/* Runs the event loop until the feed ends (without stay), a stop command or a signal (SIGINT,
 * SIGTERM), or a failure (a journal write error stops trading: QC_ERR_STORAGE). */
qc_err qc_engine_run(qc_engine *e, qc_error *err);
/* 1 when the whole feed was processed. */
int qc_engine_complete(const qc_engine *e);
void qc_engine_status_get(const qc_engine *e, qc_engine_status *st);
/* Ends the session's statistics into res (the backtest result document of the events so far). */
qc_err qc_engine_finish(qc_engine *e, qc_backtest_result *res, qc_error *err);
/* The result document: the backtest's keys plus "session", "complete", "cash", "order_log" and
 * "fill_log" (orders with client ids, every fill). */
qc_err qc_engine_write_json(qc_engine *e, FILE *f, const qc_backtest_result *r, const char *run, qc_error *err);

/* One control request line -> one reply line (NUL-terminated, no newline) in reply. */
void qc_engine_control(qc_engine *e, const char *line, size_t len, char *reply, size_t cap);
/* Prometheus text exposition of the engine's counters and latency histograms; thread-safe. Writes
 * at most cap bytes and returns the length the whole text needs (as snprintf). */
size_t qc_engine_metrics_text(qc_engine *e, char *buf, size_t cap);
/* "<session hex>-<order id>". */
void qc_engine_client_id(const qc_engine *e, uint64_t order_id, char *buf, size_t n);

/* A client: sends one request line to the daemon on state_dir and reads the reply line (malloc'd). */
qc_err qc_engine_request(const char *state_dir, const char *line, char **reply, qc_error *err);

#endif
