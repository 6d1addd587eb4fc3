/* bench_trade.c: the trading engine's hot paths (make bench).
 * 1. Tick-to-order latency in-process: a market event goes into the backtest session the paper
 *    trader drives (qc_backtest_session_step) -> the strategy's on_bar -> the pre-trade risk suite
 *    with every check enabled -> the order arrives at the venue interface (a front venue that
 *    stamps the time and forwards to the simulated venue). The strategy sends one market order on
 *    every bar (alternating buy/sell), so every event gives a sample. p50/p99/p99.9 per run, the
 *    median of --runs runs, against our target (p99 < 50 us) and the seed's (< 50 ms submission).
 * 2. Journal append throughput (FILL records, app/journal.h) with fdatasync every record, every 64
 *    records and never, in a directory on the disk the state directory would use (--dir, default
 *    the current directory; not /tmp, which may be a RAM file system).
 * 3. The same tick-to-order path with the smart order router as the venue (--venue sor, the three
 *    default venues of execution.venues): the order at the router's interface, and tick -> the
 *    parent sent at the previous event routed at this bar's open (ladders of three venues, ranking,
 *    IOC/ISO children, their fills back at the kernel and the strategy) -> done.
 * Prints the machine load (/proc/loadavg) first: the figures mean little on a busy machine.
 * Usage: bench_trade [--bars N] [--runs N] [--records N] [--dir DIR] */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "app/journal.h"
#include "backtest/backtest.h"
#include "backtest/sim_venue.h"
#include "bench_util.h"
#include "data/synth.h"
#include "execution/route_venue.h"
#include "risk/risk.h"

#define OUR_P99_TARGET_US 50.0
#define SEED_SUBMIT_TARGET_US 50000.0

/* ---- a strategy that orders on every bar -------------------------------------------------------- */

typedef struct {
    double sum; /* running SMA(20) of closes: some real work per bar */
    long n;
    int side;
} flip_state;

static void flip_on_bar(void *state, qc_ctx *ctx) {
    flip_state *st = state;
    double c = qc_ctx_close(ctx, 0, 0);
    st->sum += c;
    if (++st->n > 20) st->sum -= qc_ctx_close(ctx, 0, 20);
    qc_order_req r = {.symbol = 0, .type = QC_ORD_MARKET, .tif = QC_TIF_DAY, .qty = 10};
    r.side = st->side ? QC_SELL : QC_BUY; /* flat -> long 10 -> flat: every check passes */
    st->side ^= 1;
    qc_ctx_submit(ctx, &r);
}

static qc_err flip_init(void *state, const qc_params *p, const qc_ctx *ctx, qc_error *err) {
    (void)state, (void)p, (void)ctx, (void)err;
    return QC_OK;
}

static const qc_strategy_def k_flip = {.name = "flip", .summary = "buy 10 / sell 10 on every bar",
                                       .state_size = sizeof(flip_state), .init = flip_init, .on_bar = flip_on_bar};

/* ---- the front venue: stamps the order's arrival, forwards to the simulated venue -------------- */

typedef struct {
    qc_venue base;
    qc_venue *sim;
    int64_t t_event, *lat_ns;
    size_t n_lat;
    int first;
    int sor;             /* sim is the routing venue: time the routing in on_bar */
    int64_t *route_ns;
    size_t n_route;
} front;

static void sync_views(front *f) { f->sim->views = f->base.views; }

static qc_err f_submit(qc_venue *b, qc_order *o, qc_error *err) {
    front *f = (front *)b;
    if (f->first) {
        f->lat_ns[f->n_lat++] = mono_ns() - f->t_event;
        f->first = 0;
    }
    sync_views(f);
    qc_err rc = f->sim->vt->submit(f->sim, o, err);
    b->active = f->sim->active;
    return rc;
}
static qc_err f_cancel(qc_venue *b, qc_order *o, qc_error *err) {
    front *f = (front *)b;
    sync_views(f);
    qc_err rc = f->sim->vt->cancel(f->sim, o, err);
    b->active = f->sim->active;
    return rc;
}
static qc_err f_replace(qc_venue *b, qc_order *o, double q, double l, double s, qc_error *err) {
    front *f = (front *)b;
    sync_views(f);
    return f->sim->vt->replace(f->sim, o, q, l, s, err);
}
static void f_on_bar(qc_venue *b, uint32_t s, const qc_bars *h, size_t i) {
    front *f = (front *)b;
    sync_views(f);
    size_t before = f->sor ? qc_route_venue_stats(f->sim)->children : 0;
    f->sim->vt->on_bar(f->sim, s, h, i);
    if (f->sor && qc_route_venue_stats(f->sim)->children > before) f->route_ns[f->n_route++] = mono_ns() - f->t_event;
    b->active = f->sim->active;
}
static void f_on_event_end(qc_venue *b, int64_t ts) {
    front *f = (front *)b;
    sync_views(f);
    f->sim->vt->on_event_end(f->sim, ts);
    b->active = f->sim->active;
}
static const qc_venue_vt k_front_vt = {f_submit, f_cancel, f_replace, f_on_bar, f_on_event_end, NULL};
static void fwd_fill(void *ctx, const qc_fill *x) {
    front *f = ctx;
    f->base.sink.fill(f->base.kernel, x);
}
static void fwd_status(void *ctx, qc_order *o) {
    front *f = ctx;
    f->base.sink.status(f->base.kernel, o);
}

static int64_t wall(const qc_clock *c) {
    (void)c;
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* Every check on, with limits the flip strategy passes (as src/risk/bench.c). */
static void all_checks(qc_risk_limits *l) {
    qc_risk_limits_init(l);
    l->max_order_qty = 10000;
    l->max_order_notional = 5e6;
    l->min_order_qty = 1;
    l->lot_size = 1;
    l->tick_size = 0.01;
    l->collar_pct = 10;
    l->max_long_qty = 1e6;
    l->max_short_qty = 1e6;
    l->max_gross = 1e12;
    l->max_net = 1e12;
    l->max_daily_loss = 1e12;
    l->max_drawdown = 1e12;
    l->strategy_max_daily_loss = 1e12;
    l->strategy_max_drawdown = 1e12;
    l->orders_per_sec = 1e9;
    l->messages_per_sec = 1e9;
    l->duplicate_window_ns = 1000000;
    l->leverage = 1e6;
}

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static void pcts(int64_t *v, size_t n, double p[3]) {
    qsort(v, n, sizeof *v, cmp_i64);
    double q[3] = {0.5, 0.99, 0.999};
    for (int k = 0; k < 3; k++) p[k] = (double)v[(size_t)(q[k] * (double)(n - 1))] / 1000.0;
}

/* One run over the bars: fills p[0..3) with p50, p99, p99.9 in us (and r[] with the routing's when
 * kind is sor); returns the sample count. */
static size_t tick_to_order(const qc_bars *bars, const char *name, qc_venue_kind kind, double p[3], double r[3],
                            qc_error *err) {
    const qc_bars *series[1] = {bars};
    const char *names[1] = {name};
    qc_risk_limits lim;
    all_checks(&lim);
    for (int c = QC_RISK_CHK_VALID; c < QC_RISK_CHK__COUNT; c++)
        if (!qc_risk_limits_check_enabled(&lim, (qc_risk_check_id)c)) {
            qc_err_set(err, QC_ERR_INTERNAL, "check %s is not enabled", qc_risk_check_name((qc_risk_check_id)c));
            return 0;
        }
    qc_risk *risk = NULL;
    qc_backtest_opts bo;
    qc_backtest_opts_init(&bo);
    bo.strategy = &k_flip;
    qc_params params = {0};
    bo.params = &params;
    bo.cal = qc_calendar_get("NYSE", NULL);
    qc_venue_setup_init(&bo.venue, kind);
    front f = {.base.vt = &k_front_vt, .first = 0, .sor = kind == QC_VENUE_SOR};
    f.lat_ns = malloc(bars->n * sizeof *f.lat_ns);
    f.route_ns = malloc(bars->n * sizeof *f.route_ns);
    qc_clock clock = {.now = wall};
    qc_backtest_session *s = NULL;
    size_t n = 0;
    qc_err rc = f.lat_ns && f.route_ns ? qc_risk_new(&lim, names, 1, 1, bo.kernel.cash, &risk, err)
                         : qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    bo.kernel.risk = risk;
    if (!rc) rc = qc_backtest_venue_new(&bo, 1, &f.sim, err);
    if (!rc) {
        f.sim->sink.fill = fwd_fill;
        f.sim->sink.status = fwd_status;
        f.sim->kernel = &f;
        rc = qc_backtest_session_new(series, names, 1, &bo, f.sim, &f.base, &clock, &s, err);
    }
    while (!rc && qc_backtest_session_peek(s) != INT64_MAX) {
        f.first = 1;
        f.t_event = mono_ns();
        rc = qc_backtest_session_step(s, err);
    }
    if (!rc && qc_kernel_risk(qc_backtest_session_kernel(s))->rejected)
        rc = qc_err_set(err, QC_ERR_INTERNAL, "the risk engine refused %zu orders",
                        qc_kernel_risk(qc_backtest_session_kernel(s))->rejected);
    if (!rc && f.sor && !f.n_route) rc = qc_err_set(err, QC_ERR_INTERNAL, "the router routed nothing");
    if (!rc && f.n_lat) {
        pcts(f.lat_ns, f.n_lat, p);
        if (f.sor) pcts(f.route_ns, f.n_route, r);
        n = f.n_lat;
    }
    qc_backtest_session_free(s);
    qc_backtest_venue_free(kind, f.sim);
    qc_risk_free(risk);
    free(f.lat_ns);
    free(f.route_ns);
    return n;
}

/* ---- journal appends ---------------------------------------------------------------------------- */

/* Records per second appending n FILL records under the policy; < 0 on failure. */
static double journal_rate(const char *dir, qc_journal_sync sync, size_t n, qc_error *err) {
    char path[4096];
    snprintf(path, sizeof path, "%s/bench_trade_journal.%ld", dir, (long)getpid());
    unlink(path);
    qc_journal *j = NULL;
    if (qc_journal_open(path, &sync, &j, err)) return -1;
    qc_jrec r = {.type = QC_JR_FILL};
    r.u.fill.symbol = 0;
    r.u.fill.side = QC_BUY;
    r.u.fill.qty = 10;
    r.u.fill.price = 100.25;
    int64_t t0 = mono_ns();
    qc_err rc = QC_OK;
    for (size_t i = 0; i < n && !rc; i++) {
        r.u.fill.order_id = i + 1;
        r.u.fill.ts = (int64_t)i;
        rc = qc_journal_append(j, &r, err);
    }
    if (!rc) rc = qc_journal_flush(j, err);
    double sec = (double)(mono_ns() - t0) / 1e9;
    qc_journal_close(j);
    unlink(path);
    return rc ? -1 : (double)n / sec;
}

static void print_load(void) {
    char buf[128] = "?";
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        if (!fgets(buf, sizeof buf, f)) snprintf(buf, sizeof buf, "?\n");
        fclose(f);
    }
    printf("machine: %ld cores, load average %s", sysconf(_SC_NPROCESSORS_ONLN), buf);
}

int main(int argc, char **argv) {
    size_t bars = 200000, records = 100000;
    int runs = 5;
    const char *dir = ".";
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--bars") == 0) bars = (size_t)strtoull(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--runs") == 0) runs = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--records") == 0) records = (size_t)strtoull(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--dir") == 0) dir = argv[i + 1];
    }
    if (runs < 1 || runs > 99) runs = 5;
    if (bars < 100) bars = 100;
    if (records < 100) records = 100;
    print_load();
    qc_error err = {0};
    qc_synth_opts so;
    qc_synth_opts_init(&so);
    so.n_symbols = 1;
    so.n_pairs = 0;
    so.n_mean_revert = 0;
    so.n_bars = bars;
    so.interval_s = 60; /* minute bars: 200,000 of them stay inside the calendar */
    qc_synth_market *m = NULL;
    if (qc_synth_generate(&so, &m, &err)) {
        fprintf(stderr, "bench_trade: %s\n", err.msg);
        return 1;
    }
    double fig[3][99], sor_fig[6][99];
    size_t samples = 0;
    for (int k = 0; k < runs; k++) {
        double p[3], r[3], ps[3];
        samples = tick_to_order(&m->bars[0], m->symbols[0], QC_VENUE_SIM, p, r, &err);
        if (samples) samples = tick_to_order(&m->bars[0], m->symbols[0], QC_VENUE_SOR, ps, r, &err);
        if (!samples) {
            fprintf(stderr, "bench_trade: %s\n", err.msg[0] ? err.msg : "no orders");
            qc_synth_free(m);
            return 1;
        }
        for (int j = 0; j < 3; j++) fig[j][k] = p[j], sor_fig[j][k] = ps[j], sor_fig[3 + j][k] = r[j];
    }
    qc_synth_free(m);
    double p50 = median_of(fig[0], (size_t)runs), p99 = median_of(fig[1], (size_t)runs),
           p999 = median_of(fig[2], (size_t)runs);
    printf("\ntick -> strategy -> risk (all %d checks on) -> order at the venue interface, in-process\n",
           QC_RISK_CHK__COUNT - 1);
    printf("%zu events with one order each, %d runs (medians)\n", samples, runs);
    printf("%-14s %10s %22s %22s\n", "figure", "us", "our target", "seed (submission)");
    printf("%-14s %10.2f\n", "p50", p50);
    printf("%-14s %10.2f %12.0f (x%.1f) %14.0f (x%.0f)\n", "p99", p99, OUR_P99_TARGET_US, OUR_P99_TARGET_US / p99,
           SEED_SUBMIT_TARGET_US, SEED_SUBMIT_TARGET_US / p99);
    printf("%-14s %10.2f\n", "p99.9", p999);
    double sf[6];
    for (int j = 0; j < 6; j++) sf[j] = median_of(sor_fig[j], (size_t)runs);
    printf("\nthe same through the smart order router (--venue sor, 3 default venues), medians of %d runs\n", runs);
    printf("%-14s %16s %24s %22s\n", "figure", "order at router us", "tick -> routed+filled us", "seed (end-to-end)");
    printf("%-14s %16.2f %24.2f\n", "p50", sf[0], sf[3]);
    printf("%-14s %16.2f %24.2f %12.0f (x%.0f)\n", "p99", sf[1], sf[4], 200000.0, 200000.0 / sf[4]);
    printf("%-14s %16.2f %24.2f\n", "p99.9", sf[2], sf[5]);

    struct statfs fs;
    const char *fstype = statfs(dir, &fs) ? "?" : fs.f_type == 0x01021994 ? "tmpfs (fsync is free)"
                                                                          : fs.f_type == 0xEF53 ? "ext4" : "other";
    printf("\njournal appends (FILL records, %zu bytes each framed) in '%s' (%s), medians of %d runs\n",
           qc_journal_encode(&(qc_jrec){.type = QC_JR_FILL}, (uint8_t[256]){0}, 256), dir, fstype, runs < 3 ? runs : 3);
    printf("%-22s %10s %14s\n", "fsync", "records", "records/s");
    struct {
        const char *label;
        qc_journal_sync s;
        size_t n;
    } pol[] = {{"every record", {QC_JSYNC_EVERY, 1}, records / 50 < 2000 ? records / 50 : 2000},
               {"every 64 records", {QC_JSYNC_BATCH, 64}, records / 5},
               {"never", {QC_JSYNC_NEVER, 0}, records}};
    int jr = runs < 3 ? runs : 3;
    for (size_t p = 0; p < sizeof pol / sizeof pol[0]; p++) {
        double v[3];
        for (int k = 0; k < jr; k++) {
            v[k] = journal_rate(dir, pol[p].s, pol[p].n, &err);
            if (v[k] < 0) {
                fprintf(stderr, "bench_trade: journal: %s\n", err.msg);
                return 1;
            }
        }
        printf("%-22s %10zu %14.0f\n", pol[p].label, pol[p].n, median_of(v, (size_t)jr));
    }
    return 0;
}
