/* engine.c: the paper-trading engine (engine.h): the journaling venue in front of the simulated
 * one, recovery by checked re-execution of the journaled prefix, the epoll loop (feed pacing,
 * control socket, signals), control commands, status, metrics and the result document. */
#define _GNU_SOURCE
#include "app/engine.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "app/control.h"
#include "app/metrics_http.h"
#include "core/log.h"
#include "core/strutil.h"
#include "core/time.h"
#include "risk/risk.h"

#define MAX_CLIENTS 16
#define N_BUCKETS 14
static const double k_bucket_s[N_BUCKETS] = {1e-6, 2.5e-6, 5e-6, 1e-5, 2.5e-5, 5e-5, 1e-4,
                                             2.5e-4, 5e-4, 1e-3, 1e-2, 1e-1, 1, INFINITY};
enum { LAT_TICK_SIGNAL = 0, LAT_SIGNAL_RISK, LAT_RISK_ORDER, N_LAT };
static const char *const k_lat_names[N_LAT] = {"tick_to_signal", "signal_to_risk", "risk_to_order"};

typedef struct {
    uint64_t count[N_BUCKETS];
    double sum_s;
    uint64_t n;
} histogram;

/* What /metrics shows: copied under the lock once per event (never per order). */
typedef struct {
    uint64_t orders, fills, rejects_venue, events, kills;
    uint64_t rejects_check[QC_RISK_CHK__COUNT]; /* by the risk check that refused */
    double equity, pnl, cash;
    double *pos; /* per symbol */
    size_t n_venues;
    const char *venue_names[16]; /* owned by the venue, which outlives the /metrics thread */
    uint64_t venue_fills[16];
    histogram lat[N_LAT];
} metrics;

typedef struct {
    char buf[QC_CTL_LINE_MAX + 2];
    size_t n;
    int fd;
} client;

typedef struct {
    qc_venue base;
    qc_venue *inner;
    struct qc_engine *e;
} jvenue;

struct qc_engine {
    qc_engine_opts o;
    char dir[1024], sock_path[1100];
    int lock_fd, listen_fd, epoll_fd, signal_fd;
    client clients[MAX_CLIENTS];
    qc_journal *journal;
    qc_jrec *jr;            /* the journal's records at open */
    size_t n_jr, verify_pos;
    qc_jstate js;
    uint64_t session_id;
    qc_venue *sim;
    jvenue jv;
    qc_clock clock;
    qc_backtest_session *sess;
    qc_kernel *k;
    qc_fill *fills;
    size_t n_fills, cap_fills;
    size_t venue_rejects;
    int recovering, stop, failed, finished_feed;
    qc_error fail_err;
    uint64_t resent_orders; /* orders handed to the venue that the journal already held: kept 0 */
    /* latency marks (CLOCK_MONOTONIC ns) */
    int64_t t_tick, t_signal;
    int first_order_of_event;
    metrics m;              /* engine-thread copy */
    metrics shown;          /* /metrics copy */
    pthread_mutex_t mu;
    qc_metrics_http *http;  /* GET /metrics, when metrics_port is set */
    int64_t last_status_ns, pace_t0_wall, pace_ts0;
    int64_t last_event_ns;  /* when the feed last delivered (live feeds: the stall timer) */
    int stalled, kill_file_pending;
    size_t pace_e0;
};

static int64_t mono_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * QC_NS_PER_SEC + t.tv_nsec;
}

static int64_t wall_now(const qc_clock *c) {
    (void)c;
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (int64_t)t.tv_sec * QC_NS_PER_SEC + t.tv_nsec;
}

void qc_engine_opts_init(qc_engine_opts *o) {
    memset(o, 0, sizeof *o);
    qc_backtest_opts_init(&o->bt);
    o->sync.mode = QC_JSYNC_EVERY;
}

void qc_engine_client_id(const qc_engine *e, uint64_t id, char *buf, size_t n) {
    snprintf(buf, n, "%016llx-%llu", (unsigned long long)e->session_id, (unsigned long long)id);
}

static void hist_add(histogram *h, int64_t ns) {
    double s = (double)ns / 1e9;
    for (int b = 0; b < N_BUCKETS; b++)
        if (s <= k_bucket_s[b]) {
            h->count[b]++;
            break;
        }
    h->sum_s += s;
    h->n++;
}

/* ---- journaling: write-ahead, or checked against the journal while recovering ---------------- */

static int fail(qc_engine *e, qc_err code, const char *msg) {
    if (!e->failed) {
        e->failed = 1;
        qc_err_set(&e->fail_err, code, "%s", msg);
    }
    return -1;
}

/* Appends r, or while journaled records remain, checks r equals the next one. 0 on success. */
static int journal(qc_engine *e, const qc_jrec *r) {
    if (e->failed) return -1;
    if (e->verify_pos < e->n_jr) {
        uint8_t a[8 + QC_JOURNAL_MAX_PAYLOAD], b[8 + QC_JOURNAL_MAX_PAYLOAD];
        size_t na = qc_journal_encode(r, a, sizeof a), nb = qc_journal_encode(&e->jr[e->verify_pos], b, sizeof b);
        if (na != nb || memcmp(a, b, na)) {
            char msg[200];
            snprintf(msg, sizeof msg, "journal record %zu differs from the re-executed session (type %d, expected %d): "
                     "the state directory belongs to another run", e->verify_pos + 1, (int)r->type,
                     (int)e->jr[e->verify_pos].type);
            return fail(e, QC_ERR_DATA, msg);
        }
        e->verify_pos++;
        return 0;
    }
    e->recovering = 0;
    qc_error err = {0};
    if (qc_journal_append(e->journal, r, &err)) return fail(e, err.code, err.msg);
    return 0;
}

/* ---- the journaling venue ---------------------------------------------------------------------- */

static void jv_sync(jvenue *v) { v->inner->views = v->base.views, v->inner->views_n = v->base.views_n; }

static void jv_status_rec(qc_engine *e, const qc_order *o);

static qc_err jv_submit(qc_venue *base, qc_order *o, qc_error *err) {
    jvenue *v = (jvenue *)base;
    qc_engine *e = v->e;
    int64_t t = mono_ns();
    if (e->first_order_of_event) hist_add(&e->m.lat[LAT_SIGNAL_RISK], t - e->t_signal);
    qc_jrec r = {.type = QC_JR_ORDER};
    r.u.order.id = o->id;
    r.u.order.req = o->req;
    r.u.order.ts = o->created_ts;
    int was_verifying = e->verify_pos < e->n_jr;
    if (journal(e, &r)) return qc_err_set(err, QC_ERR_STORAGE, "order %llu not sent: %s", (unsigned long long)o->id,
                                          e->fail_err.msg);
    jv_sync(v);
    qc_err rc = v->inner->vt->submit(v->inner, o, err);
    v->base.active = v->inner->active;
    if (!was_verifying) e->m.orders++;
    if (rc && o->status == QC_OS_PENDING_NEW) { /* refused without a report: journal it as rejected */
        qc_order tmp = *o;
        tmp.status = QC_OS_REJECTED;
        jv_status_rec(e, &tmp);
        e->venue_rejects++;
        if (!was_verifying)
            QC_LOG(QC_LOG_WARN, "trade", "venue reject", QC_KI("order", o->id), QC_KS("reason", err->msg));
    }
    if (e->first_order_of_event) {
        hist_add(&e->m.lat[LAT_RISK_ORDER], mono_ns() - t);
        e->first_order_of_event = 0;
    }
    return rc;
}

static void jv_status_rec(qc_engine *e, const qc_order *o) {
    qc_jrec r = {.type = QC_JR_STATUS};
    r.u.status.id = o->id;
    r.u.status.status = o->status;
    r.u.status.filled_qty = o->filled_qty;
    r.u.status.ts = o->updated_ts;
    journal(e, &r);
}

static qc_err jv_cancel(qc_venue *base, qc_order *o, qc_error *err) {
    jvenue *v = (jvenue *)base;
    qc_order tmp = *o;
    tmp.status = QC_OS_PENDING_CANCEL;
    jv_status_rec(v->e, &tmp);
    if (v->e->failed) return qc_err_set(err, QC_ERR_STORAGE, "%s", v->e->fail_err.msg);
    jv_sync(v);
    qc_err rc = v->inner->vt->cancel(v->inner, o, err);
    v->base.active = v->inner->active;
    return rc;
}

static qc_err jv_replace(qc_venue *base, qc_order *o, double qty, double lp, double sp, qc_error *err) {
    jvenue *v = (jvenue *)base;
    qc_order tmp = *o;
    tmp.status = QC_OS_REPLACED;
    tmp.req.qty = qty;
    tmp.filled_qty = o->filled_qty;
    jv_status_rec(v->e, &tmp);
    if (v->e->failed) return qc_err_set(err, QC_ERR_STORAGE, "%s", v->e->fail_err.msg);
    (void)lp, (void)sp;
    jv_sync(v);
    qc_err rc = v->inner->vt->replace(v->inner, o, qty, lp, sp, err);
    v->base.active = v->inner->active;
    return rc;
}

static void jv_on_bar(qc_venue *base, uint32_t s, const qc_bars *hist, size_t i) {
    jvenue *v = (jvenue *)base;
    jv_sync(v);
    v->inner->vt->on_bar(v->inner, s, hist, i);
    v->base.active = v->inner->active;
}

static void jv_on_event_end(qc_venue *base, int64_t ts) {
    jvenue *v = (jvenue *)base;
    jv_sync(v);
    v->inner->vt->on_event_end(v->inner, ts);
    v->base.active = v->inner->active;
}

static const qc_venue_vt k_jv_vt = {jv_submit, jv_cancel, jv_replace, jv_on_bar, jv_on_event_end, NULL};

/* The simulated venue reports here; the record goes to the journal before the kernel sees it. */
static void jv_fill(void *ctx, const qc_fill *f) {
    jvenue *v = ctx;
    qc_engine *e = v->e;
    qc_jrec r = {.type = QC_JR_FILL};
    r.u.fill = *f;
    int was_verifying = e->verify_pos < e->n_jr;
    if (journal(e, &r)) return; /* not applied: the engine stops after this event, unjournaled */
    if (e->n_fills == e->cap_fills) {
        size_t c = e->cap_fills ? e->cap_fills * 2 : 256;
        qc_fill *p = realloc(e->fills, c * sizeof *p);
        if (!p) {
            fail(e, QC_ERR_NOMEM, "out of memory for fills");
            return;
        }
        e->fills = p;
        e->cap_fills = c;
    }
    e->fills[e->n_fills++] = *f;
    if (!was_verifying) e->m.fills++;
    v->base.sink.fill(v->base.kernel, f);
}

static void jv_status(void *ctx, qc_order *o) {
    jvenue *v = ctx;
    if (!qc_order_is_open(o) && o->status != QC_OS_FILLED) {
        jv_status_rec(v->e, o);
        if (o->status == QC_OS_REJECTED) {
            v->e->venue_rejects++;
            if (v->e->verify_pos >= v->e->n_jr) QC_LOG(QC_LOG_WARN, "trade", "venue reject", QC_KI("order", o->id));
        }
    }
    v->base.sink.status(v->base.kernel, o);
}

static void on_signal(void *ctx) {
    qc_engine *e = ctx;
    e->t_signal = mono_ns();
    hist_add(&e->m.lat[LAT_TICK_SIGNAL], e->t_signal - e->t_tick);
    e->first_order_of_event = 1;
}

/* ---- state directory, lock, socket ------------------------------------------------------------- */

static qc_err make_dir(qc_engine *e, qc_error *err) {
    if (mkdir(e->dir, 0700) && errno != EEXIST)
        return qc_err_set(err, QC_ERR_INPUT, "state dir '%s': %s", e->dir, strerror(errno));
    struct stat sb;
    if (stat(e->dir, &sb) || !S_ISDIR(sb.st_mode))
        return qc_err_set(err, QC_ERR_INPUT, "state dir '%s' is not a directory", e->dir);
    if ((sb.st_mode & 0777) != 0700 && chmod(e->dir, 0700))
        return qc_err_set(err, QC_ERR_INPUT, "state dir '%s': chmod 0700: %s", e->dir, strerror(errno));
    char p[1100];
    snprintf(p, sizeof p, "%s/lock", e->dir);
    e->lock_fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (e->lock_fd < 0) return qc_err_set(err, QC_ERR_INPUT, "lock '%s': %s", p, strerror(errno));
    if (flock(e->lock_fd, LOCK_EX | LOCK_NB)) {
        char pid[32] = "";
        ssize_t n = pread(e->lock_fd, pid, sizeof pid - 1, 0);
        pid[n > 0 ? n : 0] = '\0';
        return qc_err_set(err, QC_ERR_EXECUTION, "another trading daemon runs on state dir '%s' (pid %s)", e->dir,
                          pid[0] ? pid : "?");
    }
    char pid[32];
    int n = snprintf(pid, sizeof pid, "%ld", (long)getpid());
    if (ftruncate(e->lock_fd, 0) || pwrite(e->lock_fd, pid, (size_t)n, 0) != n) { /* informative only */
    }
    return QC_OK;
}

static qc_err open_socket(qc_engine *e, qc_error *err) {
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    if (strlen(e->sock_path) >= sizeof a.sun_path)
        return qc_err_set(err, QC_ERR_INPUT, "state dir path too long for a socket: '%s'", e->sock_path);
    strcpy(a.sun_path, e->sock_path);
    unlink(e->sock_path); /* a stale socket of a crashed daemon: we hold the lock */
    e->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    mode_t old = umask(0077);
    int rc = e->listen_fd < 0 || bind(e->listen_fd, (struct sockaddr *)&a, sizeof a) || listen(e->listen_fd, 8);
    umask(old);
    if (rc || chmod(e->sock_path, 0600))
        return qc_err_set(err, QC_ERR_INTERNAL, "control socket '%s': %s", e->sock_path, strerror(errno));
    return QC_OK;
}

/* ---- recovery ---------------------------------------------------------------------------------- */

static int collect_rec(void *ctx, const qc_jrec *r, qc_error *err) {
    qc_engine *e = ctx;
    qc_jrec *p = realloc(e->jr, (e->n_jr + 1) * sizeof *p);
    if (!p) {
        qc_err_set(err, QC_ERR_NOMEM, "out of memory for the journal");
        return 1;
    }
    e->jr = p;
    e->jr[e->n_jr++] = *r;
    return qc_jstate_apply(&e->js, r, err) ? 1 : 0;
}

static qc_err start_session(qc_engine *e, qc_error *err) {
    qc_jrec r = {.type = QC_JR_SESSION};
    if (getrandom(&e->session_id, sizeof e->session_id, 0) != sizeof e->session_id)
        e->session_id = (uint64_t)wall_now(NULL) ^ ((uint64_t)getpid() << 32);
    r.u.session.id = e->session_id;
    r.u.session.cash = e->o.bt.kernel.cash;
    snprintf(r.u.session.desc, sizeof r.u.session.desc, "%s", e->o.run_desc ? e->o.run_desc : "");
    if (qc_journal_append(e->journal, &r, err)) return err->code;
    return qc_jstate_apply(&e->js, &r, err);
}

static qc_err load_journal(qc_engine *e, qc_error *err) {
    const uint8_t *img;
    size_t len, valid, torn;
    qc_journal_image(e->journal, &img, &len);
    qc_err rc = qc_journal_scan(img, len, collect_rec, e, &valid, &torn, err);
    if (rc) return qc_err_prefix(err, "journal in '%s': ", e->dir);
    if (e->n_jr == 0) return start_session(e, err);
    const char *want = e->o.run_desc ? e->o.run_desc : "";
    char w[QC_JOURNAL_TEXT_MAX];
    snprintf(w, sizeof w, "%s", want);
    if (strcmp(e->js.desc, w) || e->js.initial_cash != e->o.bt.kernel.cash)
        return qc_err_set(err, QC_ERR_INPUT, "state dir '%s' holds another session ('%s', cash %g); this run is '%s' "
                          "(use another --state-dir)", e->dir, e->js.desc, e->js.initial_cash, w);
    e->session_id = e->js.session_id;
    e->verify_pos = 1;
    e->recovering = e->n_jr > 1;
    return QC_OK;
}

/* ---- control actions ---------------------------------------------------------------------------- */

static void apply_control(qc_engine *e, qc_jctl_op op, qc_risk_scope scope, uint32_t id, const char *reason) {
    qc_risk *risk = e->o.bt.kernel.risk;
    qc_error err = {0};
    int64_t now = e->js.last_ts;
    if (op == QC_JCTL_KILL && risk) {
        qc_risk_kill(risk, scope, id, reason, now, &err);
        if (scope == QC_RISK_SCOPE_SYMBOL) qc_kernel_cancel_symbol(e->k, id);
        else qc_kernel_cancel_all(e->k); /* global, or this daemon's one strategy */
        e->m.kills++;
    } else if (op == QC_JCTL_RELEASE && risk) {
        qc_risk_release(risk, scope, id, &err);
    } else if (op == QC_JCTL_CANCEL_ALL) {
        qc_kernel_cancel_all(e->k);
    }
}

static void write_kill_file(qc_engine *e, int engage, const char *reason);

/* A control action: journaled first (applied at this point of the feed on every re-execution). */
static int control_action(qc_engine *e, qc_jctl_op op, const char *reason) {
    qc_jrec r = {.type = QC_JR_CONTROL};
    r.u.control.op = op;
    r.u.control.events = qc_backtest_session_events(e->sess);
    snprintf(r.u.control.reason, sizeof r.u.control.reason, "%s", reason);
    if (journal(e, &r)) return -1;
    qc_error err = {0};
    qc_jstate_apply(&e->js, &r, &err);
    apply_control(e, op, QC_RISK_SCOPE_GLOBAL, 0, reason);
    if (op != QC_JCTL_CANCEL_ALL) write_kill_file(e, op == QC_JCTL_KILL, reason);
    return 0;
}

/* The persisted switch's global entry follows the daemon's (other entries are kept as they are). */
static void write_kill_file(qc_engine *e, int engage, const char *reason) {
    if (!e->o.kill_file || !*e->o.kill_file) return;
    qc_risk_kill_list l = {0};
    qc_error err = {0};
    qc_err rc = qc_risk_kill_list_load(e->o.kill_file, &l, &err);
    int changed = rc ? 0 : qc_risk_kill_list_set(&l, QC_RISK_SCOPE_GLOBAL, "", reason, wall_now(NULL), engage, &err);
    if (changed < 0) rc = err.code ? err.code : QC_ERR_INTERNAL;
    if (changed > 0) rc = qc_risk_kill_list_save(e->o.kill_file, &l, &err);
    if (rc) QC_LOG(QC_LOG_ERROR, "trade", "kill switch file not written", QC_KS("file", e->o.kill_file),
                   QC_KS("reason", err.msg));
    qc_risk_kill_list_free(&l);
}

/* A kill or release from the kill switch file, journaled first like a control command. */
static void journal_switch(qc_engine *e, int engage, qc_risk_scope scope, uint32_t id, const char *reason) {
    QC_LOG(QC_LOG_WARN, "trade", engage ? "kill switch engaged by the file" : "kill switch released by the file",
           QC_KS("file", e->o.kill_file), QC_KS("scope", qc_risk_scope_name(scope)), QC_KS("reason", reason));
    qc_jrec r = {.type = QC_JR_CONTROL};
    r.u.control.op = engage ? QC_JCTL_KILL : QC_JCTL_RELEASE;
    r.u.control.scope = (uint8_t)scope;
    r.u.control.id = id;
    r.u.control.events = qc_backtest_session_events(e->sess);
    snprintf(r.u.control.reason, sizeof r.u.control.reason, "%s", reason);
    if (journal(e, &r)) return;
    qc_error err = {0};
    qc_jstate_apply(&e->js, &r, &err);
    apply_control(e, r.u.control.op, scope, id, reason);
}

/* The file's entry for one switch (NULL = not engaged there). */
static const qc_risk_kill_entry *file_entry(const qc_risk_kill_list *l, qc_risk_scope scope, const char *name) {
    for (size_t i = 0; i < l->n; i++)
        if (l->e[i].scope == scope && (scope == QC_RISK_SCOPE_GLOBAL || strcmp(l->e[i].name, name) == 0)) return &l->e[i];
    return NULL;
}

static void sync_switch(qc_engine *e, const qc_risk_kill_list *l, qc_risk_scope scope, uint32_t id, const char *name) {
    const qc_risk_kill_entry *f = file_entry(l, scope, name);
    int killed = qc_risk_is_killed(e->o.bt.kernel.risk, scope, id);
    if (!!f == killed) return;
    journal_switch(e, f != NULL, scope, id, f ? f->reason : "released in the kill switch file");
}

/* At start (once the journal is re-executed): the file's switches win over the journal's, for the
 * global scope, this daemon's strategy (by its risk name) and each symbol of the universe (names
 * the daemon does not trade stay in the file untouched); a difference becomes a journaled kill or
 * release, so a later re-execution applies it at this point. */
static void apply_kill_file(qc_engine *e) {
    e->kill_file_pending = 0;
    qc_risk *risk = e->o.bt.kernel.risk;
    if (!risk) return;
    qc_risk_kill_list l = {0};
    qc_error err = {0};
    if (qc_risk_kill_list_load(e->o.kill_file, &l, &err)) { /* checked at open: changed since */
        QC_LOG(QC_LOG_ERROR, "trade", "kill switch file unreadable", QC_KS("reason", err.msg));
        return;
    }
    uint32_t st = e->o.bt.kernel.risk_strategy;
    sync_switch(e, &l, QC_RISK_SCOPE_GLOBAL, 0, "");
    sync_switch(e, &l, QC_RISK_SCOPE_STRATEGY, st, qc_risk_strategy_name(risk, st));
    for (size_t s = 0; s < e->o.n_symbols; s++) sync_switch(e, &l, QC_RISK_SCOPE_SYMBOL, (uint32_t)s, e->o.symbols[s]);
    qc_risk_kill_list_free(&l);
}

/* A loss or drawdown limit engaged a switch during a live event: the file gets every switch of
 * the risk engine (other names in it are kept), so a restart, even on a new state directory,
 * stays killed. Re-executed events never write: the journal already holds their outcome. */
static void persist_risk_kills(qc_engine *e) {
    qc_error err = {0};
    if (qc_risk_kill_save(e->o.bt.kernel.risk, e->o.kill_file, &err))
        QC_LOG(QC_LOG_ERROR, "trade", "kill switch file not written", QC_KS("file", e->o.kill_file),
               QC_KS("reason", err.msg));
    else
        QC_LOG(QC_LOG_WARN, "trade", "kill switch engaged by a risk limit: written to the file",
               QC_KS("file", e->o.kill_file));
}

/* Journaled control records due before the next event (while re-executing). */
static void replay_controls(qc_engine *e) {
    while (e->verify_pos < e->n_jr && e->jr[e->verify_pos].type == QC_JR_CONTROL) {
        const qc_jrec *r = &e->jr[e->verify_pos++];
        apply_control(e, r->u.control.op, (qc_risk_scope)r->u.control.scope, r->u.control.id, r->u.control.reason);
    }
}

/* ---- one feed event -------------------------------------------------------------------------- */

/* Fills per venue from the venue's own statistics (re-executed ones included: session totals). */
static size_t venue_fills(const qc_engine *e, const char **names, uint64_t *fills) {
    qc_venue_kind kind = e->o.bt.venue.kind;
    if (kind == QC_VENUE_SIM) {
        names[0] = "sim";
        fills[0] = qc_sim_venue_stats(e->sim)->fills;
        return 1;
    }
    if (kind == QC_VENUE_EXCHANGE) {
        names[0] = qc_exchange_venue_opts(e->sim)->name;
        fills[0] = qc_exchange_venue_stats(e->sim)->fills;
        return 1;
    }
    const qc_route_stats *rs = qc_route_venue_stats(e->sim);
    size_t n = rs->n_venues < 16 ? rs->n_venues : 16;
    for (size_t k = 0; k < n; k++) {
        names[k] = rs->venue[k].name;
        fills[k] = rs->venue[k].fills;
    }
    return n;
}

static void publish(qc_engine *e) {
    const qc_account *a = qc_kernel_account(e->k);
    e->m.n_venues = venue_fills(e, e->m.venue_names, e->m.venue_fills);
    e->m.events = qc_backtest_session_events(e->sess);
    e->m.equity = qc_account_equity(a);
    e->m.pnl = e->m.equity - a->initial_cash;
    e->m.cash = a->cash;
    const qc_kernel_risk_stats *rs = qc_kernel_risk(e->k);
    for (int c = 0; c < QC_RISK_CHK__COUNT; c++) e->m.rejects_check[c] = rs->by_check[c];
    e->m.rejects_venue = e->venue_rejects;
    for (size_t s = 0; s < e->o.n_symbols; s++) e->m.pos[s] = a->hold[s].qty;
    pthread_mutex_lock(&e->mu);
    double *keep = e->shown.pos;
    memcpy(keep, e->m.pos, e->o.n_symbols * sizeof *keep);
    e->shown = e->m;
    e->shown.pos = keep;
    pthread_mutex_unlock(&e->mu);
}

static void apply_kill_file(qc_engine *e);

static qc_err step(qc_engine *e, qc_error *err) {
    replay_controls(e);
    if (e->kill_file_pending && e->verify_pos >= e->n_jr) apply_kill_file(e);
    e->last_event_ns = mono_ns();
    int64_t ts = qc_backtest_session_peek(e->sess);
    e->t_tick = mono_ns();
    e->first_order_of_event = 0;
    size_t kills_before = qc_kernel_risk(e->k)->kills;
    int live_before = e->verify_pos >= e->n_jr;
    qc_err rc = qc_backtest_session_step(e->sess, err);
    if (rc) return rc;
    if (live_before && e->o.kill_file && *e->o.kill_file && qc_kernel_risk(e->k)->kills > kills_before)
        persist_risk_kills(e);
    qc_jrec r = {.type = QC_JR_FEED};
    r.u.feed.events = qc_backtest_session_events(e->sess);
    r.u.feed.ts = ts;
    int live = e->verify_pos >= e->n_jr;
    if (!journal(e, &r) && live) {
        qc_error e2 = {0};
        qc_jstate_apply(&e->js, &r, &e2);
    }
    if (e->failed) {
        *err = e->fail_err;
        return e->fail_err.code ? e->fail_err.code : QC_ERR_STORAGE;
    }
    publish(e);
    return QC_OK;
}

static qc_err recover(qc_engine *e, qc_error *err) {
    while (e->js.events > qc_backtest_session_events(e->sess)) {
        if (qc_backtest_session_peek(e->sess) == INT64_MAX)
            return qc_err_set(err, QC_ERR_INPUT, "the journal in '%s' is %llu events into a feed of %zu: not this feed",
                              e->dir, (unsigned long long)e->js.events, qc_backtest_session_events(e->sess));
        qc_err rc = step(e, err);
        if (rc) return rc;
    }
    replay_controls(e);
    /* cross-check: the re-executed account against the journal's own fold */
    const qc_account *a = qc_kernel_account(e->k);
    if (e->verify_pos >= e->n_jr && fabs(a->cash - e->js.cash) > 1e-6 * fmax(1, fabs(e->js.cash)))
        return qc_err_set(err, QC_ERR_DATA, "recovery: cash %.10g differs from the journal's %.10g", a->cash, e->js.cash);
    for (size_t s = 0; e->verify_pos >= e->n_jr && s < e->o.n_symbols; s++)
        if (fabs(a->hold[s].qty - e->js.pos_qty[s]) > 1e-9 * fmax(1, fabs(e->js.pos_qty[s])))
            return qc_err_set(err, QC_ERR_DATA, "recovery: position of %s differs from the journal", e->o.symbols[s]);
    if (e->n_jr > 1)
        QC_LOG(QC_LOG_INFO, "trade", "recovered", QC_KI("events", e->js.events), QC_KI("orders", e->js.n_orders),
               QC_KI("fills", e->js.n_fills), QC_KI("resent", e->resent_orders));
    return QC_OK;
}

/* ---- open / close ------------------------------------------------------------------------------- */

static qc_err build(qc_engine *e, qc_error *err) {
    /* the venue of --venue: the bar venue, an exchange, or the router over several */
    qc_err rc = qc_backtest_venue_new(&e->o.bt, e->o.n_symbols, &e->sim, err);
    if (rc) return rc;
    e->jv.base.vt = &k_jv_vt;
    e->jv.inner = e->sim;
    e->jv.e = e;
    if (e->o.venue_wrap) {
        e->jv.inner = e->o.venue_wrap(e->sim, e->o.venue_wrap_ctx);
        if (!e->jv.inner) return qc_err_set(err, QC_ERR_INTERNAL, "the venue wrapper failed");
        e->jv.inner->sink.fill = jv_fill;
        e->jv.inner->sink.status = jv_status;
        e->jv.inner->kernel = &e->jv;
    }
    e->sim->sink.fill = jv_fill;
    e->sim->sink.status = jv_status;
    e->sim->kernel = &e->jv;
    e->clock.now = wall_now;
    qc_backtest_opts bo = e->o.bt;
    bo.kernel.on_signal = on_signal;
    bo.kernel.hook_ctx = e;
    rc = qc_backtest_session_new(e->o.series, e->o.symbols, e->o.n_symbols, &bo, e->sim, &e->jv.base, &e->clock,
                                 &e->sess, err);
    if (!rc) e->k = qc_backtest_session_kernel(e->sess);
    return rc;
}

qc_err qc_engine_open(const qc_engine_opts *o, qc_engine **out, size_t *torn_bytes, qc_error *err) {
    *out = NULL;
    *torn_bytes = 0;
    qc_engine *e = calloc(1, sizeof *e);
    if (!e) return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    e->o = *o;
    e->lock_fd = e->listen_fd = e->epoll_fd = e->signal_fd = -1;
    for (int i = 0; i < MAX_CLIENTS; i++) e->clients[i].fd = -1;
    pthread_mutex_init(&e->mu, NULL);
    snprintf(e->dir, sizeof e->dir, "%s", o->state_dir ? o->state_dir : ".");
    snprintf(e->sock_path, sizeof e->sock_path, "%s/control.sock", e->dir);
    e->m.pos = calloc(o->n_symbols ? o->n_symbols : 1, sizeof(double));
    e->shown.pos = calloc(o->n_symbols ? o->n_symbols : 1, sizeof(double));
    qc_err rc = !e->m.pos || !e->shown.pos ? qc_err_set(err, QC_ERR_NOMEM, "out of memory") : make_dir(e, err);
    char jp[1100];
    snprintf(jp, sizeof jp, "%s/journal", e->dir);
    if (!rc) rc = qc_jstate_init(&e->js, o->n_symbols, err);
    if (!rc) rc = qc_journal_open(jp, &o->sync, &e->journal, err);
    if (!rc) {
        *torn_bytes = qc_journal_torn_bytes(e->journal);
        if (o->journal_write) qc_journal_set_write_hook(e->journal, o->journal_write, o->journal_write_ctx);
    }
    if (!rc) rc = build(e, err);
    if (!rc) rc = load_journal(e, err);
    if (!rc) rc = recover(e, err);
    if (!rc && o->kill_file && *o->kill_file && o->bt.kernel.risk) {
        qc_risk_kill_list l = {0}; /* a malformed file refuses to start: never read as "released" */
        rc = qc_risk_kill_list_load(o->kill_file, &l, err);
        qc_risk_kill_list_free(&l);
        e->kill_file_pending = !rc;
        if (!rc && e->verify_pos >= e->n_jr) apply_kill_file(e);
    }
    if (!rc) rc = open_socket(e, err);
    if (rc) {
        qc_engine_close(e);
        return rc;
    }
    publish(e);
    *out = e;
    return QC_OK;
}

void qc_engine_close(qc_engine *e) {
    if (!e) return;
    qc_metrics_http_stop(e->http); /* first: its thread reads the engine */
    for (int i = 0; i < MAX_CLIENTS; i++)
        if (e->clients[i].fd >= 0) close(e->clients[i].fd);
    if (e->listen_fd >= 0) {
        close(e->listen_fd);
        unlink(e->sock_path);
    }
    if (e->epoll_fd >= 0) close(e->epoll_fd);
    if (e->signal_fd >= 0) close(e->signal_fd);
    qc_backtest_session_free(e->sess);
    qc_backtest_venue_free(e->o.bt.venue.kind, e->sim);
    if (e->journal) {
        qc_error err = {0};
        qc_journal_flush(e->journal, &err);
        qc_journal_close(e->journal);
    }
    qc_jstate_free(&e->js);
    free(e->jr);
    free(e->fills);
    free(e->m.pos);
    free(e->shown.pos);
    if (e->lock_fd >= 0) close(e->lock_fd); /* releases the lock */
    pthread_mutex_destroy(&e->mu);
    free(e);
}

/* ---- status, control, metrics ---------------------------------------------------------------- */

void qc_engine_status_get(const qc_engine *e, qc_engine_status *st) {
    memset(st, 0, sizeof *st);
    const qc_account *a = qc_kernel_account(e->k);
    st->session_id = e->session_id;
    st->events = qc_backtest_session_events(e->sess);
    st->total_events = e->o.pace_by_count ? 0 : st->events;
    if (!e->o.pace_by_count)
        for (size_t s = 0; s < e->o.n_symbols; s++) st->total_events = e->o.series[s]->n > st->total_events
                                                                           ? e->o.series[s]->n : st->total_events;
    st->equity = qc_account_equity(a);
    st->cash = a->cash;
    st->pnl = st->equity - a->initial_cash;
    for (size_t s = 0; s < e->o.n_symbols; s++) st->open_positions += a->hold[s].qty != 0;
    st->orders = qc_kernel_n_orders(e->k);
    for (uint64_t id = 1; id <= st->orders; id++) st->open_orders += qc_order_is_open(qc_kernel_order(e->k, id));
    st->fills = e->n_fills;
    st->rejects = qc_kernel_risk(e->k)->rejected + e->venue_rejects;
    st->killed = e->o.bt.kernel.risk && qc_risk_is_killed(e->o.bt.kernel.risk, QC_RISK_SCOPE_GLOBAL, 0);
    st->recovering = e->recovering;
    st->finished = e->finished_feed;
    st->stalled = e->stalled;
    st->journal_records = qc_journal_appended(e->journal) + e->n_jr;
    uint64_t f[16];
    st->n_venues = venue_fills(e, st->venue_names, f);
    for (size_t k = 0; k < st->n_venues; k++) st->venue_fills[k] = (size_t)f[k];
}

static size_t reply_status(qc_engine *e, char *r, size_t cap) {
    qc_engine_status st;
    qc_engine_status_get(e, &st);
    int n = snprintf(r, cap,
                     "{\"ok\": true, \"session\": \"%016llx\", \"events\": %zu, \"total_events\": %zu, "
                     "\"equity\": %.10g, \"pnl\": %.10g, \"cash\": %.10g, \"open_positions\": %zu, \"orders\": %zu, "
                     "\"open_orders\": %zu, \"fills\": %zu, \"rejects\": %zu, \"killed\": %s, \"finished\": %s, "
                     "\"venue_fills\": {",
                     (unsigned long long)st.session_id, st.events, st.total_events, st.equity, st.pnl, st.cash,
                     st.open_positions, st.orders, st.open_orders, st.fills, st.rejects,
                     st.killed ? "true" : "false", st.finished ? "true" : "false");
    size_t k = n > 0 ? (size_t)n : 0;
    for (size_t v = 0; v < st.n_venues && k < cap; v++) /* venue names are config words: no escaping needed */
        k += (size_t)snprintf(r + k, cap - k, "%s\"%s\": %zu", v ? ", " : "", st.venue_names[v], st.venue_fills[v]);
    if (k < cap) k += (size_t)snprintf(r + k, cap - k, "}}");
    return k;
}

/* Appends with snprintf semantics, never past cap; *k counts what the whole text needs. */
static void app(char *r, size_t cap, size_t *k, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void app(char *r, size_t cap, size_t *k, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = *k < cap ? vsnprintf(r + *k, cap - *k, fmt, ap) : vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    *k += n > 0 ? (size_t)n : 0;
}

static void reply_orders(qc_engine *e, char *r, size_t cap) {
    size_t k = 0, n = qc_kernel_n_orders(e->k), shown = 0;
    app(r, cap, &k, "{\"ok\": true, \"orders\": [");
    uint64_t first = n > 50 ? n - 49 : 1; /* the last 50 */
    for (uint64_t id = first; id <= n; id++) {
        const qc_order *o = qc_kernel_order(e->k, id);
        char cid[48];
        qc_engine_client_id(e, id, cid, sizeof cid);
        app(r, cap, &k, "%s{\"client_id\": \"%s\", \"symbol\": \"%s\", \"side\": \"%s\", \"type\": \"%s\", \"status\": \"%s\", "
            "\"filled_qty\": %.10g}", shown++ ? ", " : "", cid, e->o.symbols[o->req.symbol],
            o->req.side == QC_BUY ? "buy" : "sell", qc_order_type_name(o->req.type), qc_order_status_name(o->status),
            o->filled_qty);
    }
    app(r, cap, &k, "], \"total\": %zu}", n);
    if (k >= cap) snprintf(r, cap, "{\"ok\": true, \"orders\": [], \"total\": %zu, \"truncated\": true}", n);
}

static void reply_positions(qc_engine *e, char *r, size_t cap) {
    const qc_account *a = qc_kernel_account(e->k);
    size_t k = 0, shown = 0;
    app(r, cap, &k, "{\"ok\": true, \"cash\": %.10g, \"positions\": [", a->cash);
    for (size_t s = 0; s < e->o.n_symbols; s++) {
        const qc_holding *h = &a->hold[s];
        if (h->qty == 0) continue;
        app(r, cap, &k, "%s{\"symbol\": \"%s\", \"qty\": %.10g, \"avg_cost\": %.10g, \"last_price\": %.10g}",
            shown++ ? ", " : "", e->o.symbols[s], h->qty, a->pos[s].avg_cost, h->last_price);
    }
    app(r, cap, &k, "]}");
    if (k >= cap) snprintf(r, cap, "{\"ok\": false, \"error\": \"too many positions for one reply\"}");
}

static void reply_error(char *r, size_t cap, const char *msg) {
    char esc[QC_ERROR_MSG_MAX * 2];
    qc_json_escape(msg, esc, sizeof esc);
    snprintf(r, cap, "{\"ok\": false, \"error\": %s}", esc);
}

void qc_engine_control(qc_engine *e, const char *line, size_t len, char *reply, size_t cap) {
    qc_ctl_request q;
    qc_error err = {0};
    if (qc_ctl_parse(line, len, &q, &err)) {
        reply_error(reply, cap, err.msg);
        return;
    }
    QC_LOG(QC_LOG_INFO, "trade", "control", QC_KS("cmd", qc_ctl_cmd_name(q.cmd)));
    switch (q.cmd) {
    case QC_CTL_STATUS:
        reply_status(e, reply, cap);
        return;
    case QC_CTL_ORDERS:
        reply_orders(e, reply, cap);
        return;
    case QC_CTL_POSITIONS:
        reply_positions(e, reply, cap);
        return;
    case QC_CTL_STOP:
        e->stop = 1;
        snprintf(reply, cap, "{\"ok\": true, \"stopping\": true}");
        return;
    case QC_CTL_CANCEL_ALL:
    case QC_CTL_KILL:
    case QC_CTL_RELEASE: {
        size_t before = 0, n = qc_kernel_n_orders(e->k);
        for (uint64_t id = 1; id <= n; id++) before += qc_order_is_open(qc_kernel_order(e->k, id));
        qc_jctl_op op = q.cmd == QC_CTL_KILL ? QC_JCTL_KILL : q.cmd == QC_CTL_RELEASE ? QC_JCTL_RELEASE : QC_JCTL_CANCEL_ALL;
        if (e->finished_feed && !e->o.stay) {
            reply_error(reply, cap, "the session has ended");
            return;
        }
        if (control_action(e, op, q.reason)) {
            reply_error(reply, cap, e->fail_err.msg);
            return;
        }
        size_t after = 0;
        for (uint64_t id = 1; id <= n; id++) after += qc_order_is_open(qc_kernel_order(e->k, id));
        publish(e);
        snprintf(reply, cap, "{\"ok\": true, \"cmd\": \"%s\", \"cancelled\": %zu}", qc_ctl_cmd_name(q.cmd),
                 before - after);
        return;
    }
    case QC_CTL__COUNT:
        break;
    }
    reply_error(reply, cap, "unknown command");
}

size_t qc_engine_metrics_text(qc_engine *e, char *buf, size_t cap) {
    size_t k = 0;
    pthread_mutex_lock(&e->mu);
    const metrics *m = &e->shown;
    app(buf, cap, &k, "# HELP quantcli_orders_total Orders sent to the venue (journaled first).\n"
        "# TYPE quantcli_orders_total counter\nquantcli_orders_total %llu\n", (unsigned long long)m->orders);
    app(buf, cap, &k, "# HELP quantcli_fills_total Fills received.\n# TYPE quantcli_fills_total counter\n"
        "quantcli_fills_total %llu\n", (unsigned long long)m->fills);
    app(buf, cap, &k, "# HELP quantcli_venue_fills_total Fills per venue (sim, the exchange, or each venue of the "
        "router: child fills).\n# TYPE quantcli_venue_fills_total counter\n");
    for (size_t v = 0; v < m->n_venues; v++)
        app(buf, cap, &k, "quantcli_venue_fills_total{venue=\"%s\"} %llu\n", m->venue_names[v],
            (unsigned long long)m->venue_fills[v]);
    app(buf, cap, &k, "# HELP quantcli_rejects_total Orders refused, by the pre-trade risk check that refused them "
        "(check=\"venue\": refused by the venue).\n# TYPE quantcli_rejects_total counter\n");
    for (int c = 1; c < QC_RISK_CHK__COUNT; c++)
        app(buf, cap, &k, "quantcli_rejects_total{check=\"%s\"} %llu\n", qc_risk_check_name((qc_risk_check_id)c),
            (unsigned long long)m->rejects_check[c]);
    app(buf, cap, &k, "quantcli_rejects_total{check=\"venue\"} %llu\n", (unsigned long long)m->rejects_venue);
    app(buf, cap, &k, "# HELP quantcli_events_total Feed events processed.\n# TYPE quantcli_events_total counter\n"
        "quantcli_events_total %llu\n", (unsigned long long)m->events);
    app(buf, cap, &k, "# HELP quantcli_equity Account equity.\n# TYPE quantcli_equity gauge\nquantcli_equity %.10g\n"
        "# HELP quantcli_pnl Equity minus starting cash.\n# TYPE quantcli_pnl gauge\nquantcli_pnl %.10g\n"
        "# HELP quantcli_cash Cash.\n# TYPE quantcli_cash gauge\nquantcli_cash %.10g\n", m->equity, m->pnl, m->cash);
    app(buf, cap, &k, "# HELP quantcli_position Signed position in shares.\n# TYPE quantcli_position gauge\n");
    for (size_t s = 0; s < e->o.n_symbols; s++)
        app(buf, cap, &k, "quantcli_position{symbol=\"%s\"} %.10g\n", e->o.symbols[s], m->pos[s]);
    for (int l = 0; l < N_LAT; l++) {
        const histogram *h = &m->lat[l];
        app(buf, cap, &k, "# HELP quantcli_%s_seconds Latency %s (first order of an event).\n"
            "# TYPE quantcli_%s_seconds histogram\n", k_lat_names[l], k_lat_names[l], k_lat_names[l]);
        uint64_t cum = 0;
        for (int b = 0; b < N_BUCKETS; b++) {
            cum += h->count[b];
            if (isinf(k_bucket_s[b]))
                app(buf, cap, &k, "quantcli_%s_seconds_bucket{le=\"+Inf\"} %llu\n", k_lat_names[l], (unsigned long long)cum);
            else
                app(buf, cap, &k, "quantcli_%s_seconds_bucket{le=\"%g\"} %llu\n", k_lat_names[l], k_bucket_s[b],
                    (unsigned long long)cum);
        }
        app(buf, cap, &k, "quantcli_%s_seconds_sum %.9g\nquantcli_%s_seconds_count %llu\n", k_lat_names[l], h->sum_s,
            k_lat_names[l], (unsigned long long)h->n);
    }
    pthread_mutex_unlock(&e->mu);
    return k;
}

static size_t render_metrics(void *ctx, char *buf, size_t cap) { return qc_engine_metrics_text(ctx, buf, cap); }

/* ---- the event loop -------------------------------------------------------------------------- */

static void client_drop(qc_engine *e, client *c) {
    epoll_ctl(e->epoll_fd, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    c->fd = -1;
    c->n = 0;
}

static void send_line(int fd, const char *s) {
    size_t n = strlen(s), done = 0;
    while (done < n) {
        ssize_t k = send(fd, s + done, n - done, MSG_NOSIGNAL);
        if (k <= 0) return; /* a client that does not read loses its reply */
        done += (size_t)k;
    }
    if (send(fd, "\n", 1, MSG_NOSIGNAL) < 0) return;
}

static void client_read(qc_engine *e, client *c) {
    ssize_t k = recv(c->fd, c->buf + c->n, sizeof c->buf - 1 - c->n, 0);
    if (k <= 0) {
        client_drop(e, c);
        return;
    }
    c->n += (size_t)k;
    static char reply[65536];
    for (;;) {
        char *nl = memchr(c->buf, '\n', c->n);
        if (!nl) break;
        size_t len = (size_t)(nl - c->buf);
        qc_engine_control(e, c->buf, len, reply, sizeof reply);
        send_line(c->fd, reply);
        memmove(c->buf, nl + 1, c->n - len - 1);
        c->n -= len + 1;
    }
    if (c->n >= sizeof c->buf - 1) { /* a line too long: answer and hang up */
        reply_error(reply, sizeof reply, "request line too long");
        send_line(c->fd, reply);
        client_drop(e, c);
    }
}

static void accept_client(qc_engine *e) {
    int fd = accept4(e->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;
    for (int i = 0; i < MAX_CLIENTS; i++)
        if (e->clients[i].fd < 0) {
            e->clients[i].fd = fd;
            e->clients[i].n = 0;
            struct epoll_event ev = {.events = EPOLLIN, .data.u64 = (uint64_t)(i + 2)};
            if (epoll_ctl(e->epoll_fd, EPOLL_CTL_ADD, fd, &ev)) client_drop(e, &e->clients[i]);
            return;
        }
    send_line(fd, "{\"ok\": false, \"error\": \"too many control clients\"}");
    close(fd);
}

static qc_err loop_setup(qc_engine *e, qc_error *err) {
    e->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    e->signal_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    struct epoll_event a = {.events = EPOLLIN, .data.u64 = 0}, b = {.events = EPOLLIN, .data.u64 = 1};
    if (e->epoll_fd < 0 || e->signal_fd < 0 || epoll_ctl(e->epoll_fd, EPOLL_CTL_ADD, e->listen_fd, &a) ||
        epoll_ctl(e->epoll_fd, EPOLL_CTL_ADD, e->signal_fd, &b))
        return qc_err_set(err, QC_ERR_INTERNAL, "event loop: %s", strerror(errno));
    return QC_OK;
}

/* Milliseconds until the next event is due (0 = now, -1 = no more events). */
static int due_ms(qc_engine *e) {
    int64_t ts = qc_backtest_session_peek(e->sess);
    if (ts == INT64_MAX) return -1;
    if (e->o.speed <= 0) return 0;
    size_t done = qc_backtest_session_events(e->sess);
    if (!e->pace_t0_wall) {
        e->pace_t0_wall = mono_ns();
        e->pace_ts0 = ts;
        e->pace_e0 = done;
    }
    double off_ns = e->o.pace_by_count ? (double)(done - e->pace_e0) * 1e9 / e->o.speed
                                       : (double)(ts - e->pace_ts0) / e->o.speed;
    int64_t wait = e->pace_t0_wall + (int64_t)off_ns - mono_ns();
    if (wait <= 0) return 0;
    return (int)(wait / 1000000 + 1 > 1000 ? 1000 : wait / 1000000 + 1);
}

static void handle(qc_engine *e, const struct epoll_event *ev) {
    uint64_t id = ev->data.u64;
    if (id == 0) {
        accept_client(e);
    } else if (id == 1) {
        struct signalfd_siginfo si;
        while (read(e->signal_fd, &si, sizeof si) == sizeof si) e->stop = 1;
    } else if (id - 2 < MAX_CLIENTS && e->clients[id - 2].fd >= 0) {
        client_read(e, &e->clients[id - 2]);
    }
}

/* A live feed without data: QC_ERR_PROVIDER once it has been silent for stall_s (trading stops);
 * otherwise *wait_ms is how long to wait for it. */
static qc_err check_stall(qc_engine *e, int *wait_ms, qc_error *err) {
    *wait_ms = 1000;
    if (!(e->o.stall_s > 0)) return QC_OK;
    int64_t left = e->last_event_ns + (int64_t)(e->o.stall_s * 1e9) - mono_ns();
    if (left > 0) {
        *wait_ms = (int)(left / 1000000 + 1 < 1000 ? left / 1000000 + 1 : 1000);
        return QC_OK;
    }
    e->stalled = 1;
    return qc_err_set(err, QC_ERR_PROVIDER, "feed stalled: no market data for %g s (trade.feed.stall_s) after %zu "
                      "events: trading stopped (restart with the same --state-dir to resume)", e->o.stall_s,
                      qc_backtest_session_events(e->sess));
}

static void maybe_status(qc_engine *e, int force) {
    if (!e->o.on_status) return;
    int64_t now = mono_ns();
    if (!force && now - e->last_status_ns < 200000000) return;
    e->last_status_ns = now;
    qc_engine_status st;
    qc_engine_status_get(e, &st);
    e->o.on_status(e->o.status_ctx, &st);
}

qc_err qc_engine_run(qc_engine *e, qc_error *err) {
    qc_err rc = loop_setup(e, err);
    if (!rc && e->o.metrics_port > 0 && !e->http) {
        rc = qc_metrics_http_start((uint16_t)e->o.metrics_port, render_metrics, e, &e->http, err);
        if (!rc) QC_LOG(QC_LOG_INFO, "trade", "metrics", QC_KI("port", e->o.metrics_port));
    }
    struct epoll_event evs[8];
    e->last_event_ns = mono_ns();
    while (!rc && !e->stop) {
        int wait = due_ms(e);
        if (wait < 0 && e->o.live) { /* no data yet: wait for it, up to the stall timeout */
            rc = check_stall(e, &wait, err);
            if (rc) break;
        } else if (wait < 0 && !e->finished_feed) {
            e->finished_feed = 1;
            QC_LOG(QC_LOG_INFO, "trade", "feed ended", QC_KI("events", qc_backtest_session_events(e->sess)));
            if (!e->o.stay) break;
        }
        int n = epoll_wait(e->epoll_fd, evs, 8, wait);
        for (int i = 0; i < n; i++) handle(e, &evs[i]);
        if (e->stop) break;
        /* as fast as possible: a batch of events between polls of the socket */
        for (int b = 0; b < (e->o.speed <= 0 ? 64 : 1) && !rc && due_ms(e) == 0; b++) rc = step(e, err);
        maybe_status(e, 0);
    }
    maybe_status(e, 1);
    if (rc) QC_LOG(QC_LOG_ERROR, "trade", "stopped", QC_KS("reason", err->msg));
    qc_error e2 = {0};
    if (!rc && qc_journal_flush(e->journal, &e2)) {
        *err = e2;
        rc = e2.code;
    }
    return rc;
}

int qc_engine_complete(const qc_engine *e) { return qc_backtest_session_peek(e->sess) == INT64_MAX; }

qc_err qc_engine_finish(qc_engine *e, qc_backtest_result *res, qc_error *err) {
    return qc_backtest_session_finish(e->sess, res, err);
}

/* ---- the result document ----------------------------------------------------------------------- */

static void jnum(FILE *f, double v) {
    if (!isfinite(v)) {
        fputs("null", f);
        return;
    }
    char b[32];
    for (int p = 15; p <= 17; p++) {
        snprintf(b, sizeof b, "%.*g", p, v);
        if (strtod(b, NULL) == v) break;
    }
    fputs(b, f);
}

static void write_extra(qc_engine *e, FILE *f, const qc_backtest_result *r) {
    fprintf(f, "  \"session\": \"%016llx\", \"complete\": %s, \"cash\": ", (unsigned long long)e->session_id,
            qc_engine_complete(e) ? "true" : "false");
    jnum(f, qc_kernel_account(e->k)->cash);
    fputs(",\n  \"order_log\": [", f);
    size_t n = qc_kernel_n_orders(e->k);
    for (uint64_t id = 1; id <= n; id++) {
        const qc_order *o = qc_kernel_order(e->k, id);
        char cid[48], t[40];
        qc_engine_client_id(e, id, cid, sizeof cid);
        qc_time_format_iso(o->created_ts, t, sizeof t);
        fprintf(f, "%s\n    {\"client_id\": \"%s\", \"symbol\": \"%s\", \"side\": \"%s\", \"type\": \"%s\", \"tif\": \"%s\", "
                "\"time\": \"%s\", \"status\": \"%s\", \"qty\": ", id > 1 ? "," : "", cid, r->symbols[o->req.symbol],
                o->req.side == QC_BUY ? "buy" : "sell", qc_order_type_name(o->req.type), qc_tif_name(o->req.tif), t,
                qc_order_status_name(o->status));
        jnum(f, o->req.qty);
        fputs(", \"cash_amount\": ", f);
        jnum(f, o->req.cash);
        fputs(", \"filled_qty\": ", f);
        jnum(f, o->filled_qty);
        fputs(", \"avg_price\": ", f);
        jnum(f, o->filled_qty > 0 ? o->avg_price : NAN);
        fputs("}", f);
    }
    fputs(n ? "\n  ],\n  \"fill_log\": [" : "],\n  \"fill_log\": [", f);
    for (size_t i = 0; i < e->n_fills; i++) {
        const qc_fill *x = &e->fills[i];
        char cid[48], t[40];
        qc_engine_client_id(e, x->order_id, cid, sizeof cid);
        qc_time_format_iso(x->ts, t, sizeof t);
        fprintf(f, "%s\n    {\"client_id\": \"%s\", \"symbol\": \"%s\", \"side\": \"%s\", \"time\": \"%s\", \"qty\": ",
                i ? "," : "", cid, r->symbols[x->symbol], x->side == QC_BUY ? "buy" : "sell", t);
        jnum(f, x->qty);
        fputs(", \"price\": ", f);
        jnum(f, x->price);
        fputs(", \"commission\": ", f);
        jnum(f, x->costs.commission);
        fputs("}", f);
    }
    fputs(e->n_fills ? "\n  ]\n}\n" : "]\n}\n", f);
}

qc_err qc_engine_write_json(qc_engine *e, FILE *f, const qc_backtest_result *r, const char *run, qc_error *err) {
    char *doc = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&doc, &len);
    if (!m) return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    qc_err rc = qc_backtest_write_json(m, r, run, e->o.bt.cal, e->o.bt.interval_s, err);
    fclose(m);
    if (!rc && (len < 2 || strcmp(doc + len - 2, "}\n") != 0))
        rc = qc_err_set(err, QC_ERR_INTERNAL, "result document: unexpected end");
    if (!rc) { /* the backtest document without its closing brace, then the session's keys */
        fwrite(doc, 1, len - 2, f);
        fputs(",\n", f);
        write_extra(e, f, r);
    }
    free(doc);
    if (!rc && ferror(f)) rc = qc_err_set(err, QC_ERR_INPUT, "writing the JSON result failed");
    return rc;
}

/* ---- the client side ---------------------------------------------------------------------------- */

qc_err qc_engine_request(const char *state_dir, const char *line, char **reply, qc_error *err) {
    *reply = NULL;
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    int n = snprintf(a.sun_path, sizeof a.sun_path, "%s/control.sock", state_dir);
    if (n < 0 || (size_t)n >= sizeof a.sun_path) return qc_err_set(err, QC_ERR_INPUT, "state dir path too long");
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a)) {
        int e = errno;
        if (fd >= 0) close(fd);
        return qc_err_set(err, QC_ERR_EXECUTION, "no trading daemon on '%s' (%s)", state_dir, strerror(e));
    }
    struct timeval tv = {10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    send_line(fd, line);
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (len + 1 == cap) {
            char *p = realloc(buf, cap *= 2);
            if (!p) break;
            buf = p;
        }
        ssize_t k = recv(fd, buf + len, cap - 1 - len, 0);
        if (k <= 0) break;
        len += (size_t)k;
        if (memchr(buf, '\n', len)) break;
    }
    close(fd);
    char *nl = buf ? memchr(buf, '\n', len) : NULL;
    if (!nl) {
        free(buf);
        return qc_err_set(err, QC_ERR_EXECUTION, "the daemon on '%s' did not answer", state_dir);
    }
    *nl = '\0';
    *reply = buf;
    return QC_OK;
}
