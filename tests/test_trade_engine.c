/* test_trade_engine.c: app/engine.c and app/control.c in-process. The engine at full speed gives
 * qc_backtest_run's result; a full disk on the journal (injected ENOSPC) stops trading with a
 * message saying so and an unjournaled fill is never applied; a restart on the same directory
 * finishes equal to the uninterrupted run; a second engine on one directory is refused; the
 * control parser and the control replies for malformed lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "app/control.h"
#include "app/engine.h"
#include "data/synth.h"
#include "strategies/strategies.h"
#include "test_util.h"

typedef struct {
    qc_synth_market *m;
    qc_params p;
    const qc_bars *series[1];
    const char *names[1];
} fixture;

static void fixture_init(fixture *f) {
    qc_synth_opts so;
    qc_synth_opts_init(&so);
    so.n_symbols = 2;
    so.n_pairs = 0;
    so.n_mean_revert = 0;
    so.n_bars = 300;
    qc_error err = {0};
    assert_int_equal(qc_synth_generate(&so, &f->m, &err), QC_OK);
    const qc_strategy_def *sd = qc_strategy_find("sma_cross");
    const char *kv[] = {"fast=3", "slow=8"};
    assert_int_equal(qc_params_parse(sd->params, sd->n_params, kv, 2, sd->name, &f->p, &err), QC_OK);
    f->series[0] = &f->m->bars[0];
    f->names[0] = f->m->symbols[0];
}

static void engine_opts(fixture *f, const char *dir, qc_engine_opts *o) {
    qc_engine_opts_init(o);
    o->bt.strategy = qc_strategy_find("sma_cross");
    o->bt.params = &f->p;
    o->bt.cal = qc_calendar_get("NYSE", NULL);
    o->series = f->series;
    o->symbols = f->names;
    o->n_symbols = 1;
    o->state_dir = dir;
    o->run_desc = "test";
    o->sync.mode = QC_JSYNC_NEVER;
}

static void run_backtest(fixture *f, qc_backtest_result *r) {
    qc_backtest_opts o;
    qc_backtest_opts_init(&o);
    o.strategy = qc_strategy_find("sma_cross");
    o.params = &f->p;
    o.cal = qc_calendar_get("NYSE", NULL);
    qc_error err = {0};
    assert_int_equal(qc_backtest_run(f->series, f->names, 1, &o, r, &err), QC_OK);
}

typedef struct {
    int left;
} full_disk;

static ssize_t full_write(int fd, const void *buf, size_t n, void *ctx) {
    full_disk *d = ctx;
    if (d->left-- > 0) return write(fd, buf, n);
    errno = ENOSPC;
    return -1;
}

static void test_parity_full_disk_restart(void **s) {
    (void)s;
    fixture f;
    fixture_init(&f);
    qc_backtest_result want;
    run_backtest(&f, &want);
    assert_true(want.sim.fills > 4);
    char dir[64];
    test_tmpdir(dir, sizeof dir);
    /* the disk fills up after 40 records: the engine stops and says why */
    qc_engine_opts o;
    engine_opts(&f, dir, &o);
    full_disk d = {40};
    o.journal_write = full_write;
    o.journal_write_ctx = &d;
    qc_engine *e;
    size_t torn;
    qc_error err = {0};
    assert_int_equal(qc_engine_open(&o, &e, &torn, &err), QC_OK);
    /* a second engine on the same directory is refused while the first holds the lock */
    qc_engine *e2;
    qc_engine_opts o2;
    engine_opts(&f, dir, &o2);
    assert_int_equal(qc_engine_open(&o2, &e2, &torn, &err), QC_ERR_EXECUTION);
    assert_non_null(strstr(err.msg, "another trading daemon"));
    assert_int_equal(qc_engine_run(e, &err), QC_ERR_STORAGE);
    assert_non_null(strstr(err.msg, "No space left"));
    assert_non_null(strstr(err.msg, "trading stopped"));
    qc_engine_status st;
    qc_engine_status_get(e, &st);
    assert_true(st.events < 300);
    /* nothing applied beyond the journal: fills applied == fill records written */
    size_t fills_at_failure = st.fills;
    qc_engine_close(e);
    /* restart: recovery re-executes the journaled prefix, then runs to the end */
    engine_opts(&f, dir, &o);
    assert_int_equal(qc_engine_open(&o, &e, &torn, &err), QC_OK);
    qc_engine_status_get(e, &st);
    assert_true(st.fills >= fills_at_failure);
    assert_int_equal(qc_engine_run(e, &err), QC_OK);
    assert_true(qc_engine_complete(e));
    qc_backtest_result got;
    assert_int_equal(qc_engine_finish(e, &got, &err), QC_OK);
    assert_int_equal(got.n, want.n);
    assert_int_equal(got.n_orders, want.n_orders);
    assert_int_equal(got.sim.fills, want.sim.fills);
    assert_int_equal(got.metrics.n_trades, want.metrics.n_trades);
    assert_true(got.metrics.final_equity == want.metrics.final_equity);
    assert_memory_equal(got.equity, want.equity, want.n * sizeof(double));
    /* control replies */
    char reply[4096];
    qc_engine_control(e, "nonsense", 8, reply, sizeof reply);
    assert_non_null(strstr(reply, "\"ok\": false"));
    qc_engine_control(e, "{\"cmd\": \"status\"}", 17, reply, sizeof reply);
    assert_non_null(strstr(reply, "\"events\": 300"));
    char metrics[16384];
    size_t n = qc_engine_metrics_text(e, metrics, sizeof metrics);
    assert_true(n > 100);
    assert_non_null(strstr(metrics, "quantcli_fills_total"));
    assert_non_null(strstr(metrics, "quantcli_tick_to_signal_seconds_bucket{le=\"+Inf\"}"));
    assert_true(n < sizeof metrics);
    assert_non_null(strstr(metrics, "quantcli_rejects_total{check=\"max_notional\"} 0"));
    char small[64];
    assert_int_equal(qc_engine_metrics_text(e, small, sizeof small), n); /* the length it needs */
    assert_int_equal(strlen(small), sizeof small - 1);
    qc_backtest_result_free(&got);
    qc_engine_close(e);
    qc_backtest_result_free(&want);
    qc_synth_free(f.m);
    test_rmdir(dir);
}

static void test_control_parse(void **s) {
    (void)s;
    qc_ctl_request q;
    qc_error err = {0};
    const char *ok = "{\"cmd\": \"kill\", \"reason\": \"drill\"}";
    assert_int_equal(qc_ctl_parse(ok, strlen(ok), &q, &err), QC_OK);
    assert_int_equal(q.cmd, QC_CTL_KILL);
    assert_string_equal(q.reason, "drill");
    const char *bad[] = {"", "{", "[]", "{\"cmd\": 1}", "{\"cmd\": \"reboot\"}", "{\"cmd\": \"kill\", \"reason\": []}",
                         "\"status\"", "null"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(qc_ctl_parse(bad[i], strlen(bad[i]), &q, &err), QC_ERR_INPUT);
        assert_true(err.msg[0] != '\0');
    }
    assert_int_equal(qc_ctl_parse("{\"cmd\":\"status\"}\0x", 18, &q, &err), QC_ERR_INPUT); /* embedded NUL */
    for (int c = 0; c < QC_CTL__COUNT; c++) assert_int_equal(qc_ctl_cmd_find(qc_ctl_cmd_name((qc_ctl_cmd)c)), c);
}

/* A venue in front of the simulated one that refuses every third order: odd ids reported through
 * the sink (an asynchronous reject), even ids only by the submit's error (a synchronous refusal). */
typedef struct {
    qc_venue base;
    qc_venue *sim;
    size_t refused;
} refusing;

static void rf_sync(refusing *v) { v->sim->views = v->base.views; }
static qc_err rf_submit(qc_venue *b, qc_order *o, qc_error *err) {
    refusing *v = (refusing *)b;
    if (o->id % 3 == 0) {
        v->refused++;
        if (o->id % 2) {
            qc_order_transition(o, QC_OS_REJECTED, o->created_ts, NULL);
            b->sink.status(b->kernel, o);
        }
        return qc_err_set(err, QC_ERR_EXECUTION, "venue: order %llu refused", (unsigned long long)o->id);
    }
    rf_sync(v);
    qc_err rc = v->sim->vt->submit(v->sim, o, err);
    b->active = v->sim->active;
    return rc;
}
static qc_err rf_cancel(qc_venue *b, qc_order *o, qc_error *err) {
    refusing *v = (refusing *)b;
    rf_sync(v);
    qc_err rc = v->sim->vt->cancel(v->sim, o, err);
    b->active = v->sim->active;
    return rc;
}
static qc_err rf_replace(qc_venue *b, qc_order *o, double q, double l, double sp, qc_error *err) {
    refusing *v = (refusing *)b;
    rf_sync(v);
    return v->sim->vt->replace(v->sim, o, q, l, sp, err);
}
static void rf_on_bar(qc_venue *b, uint32_t sy, const qc_bars *h, size_t i) {
    refusing *v = (refusing *)b;
    rf_sync(v);
    v->sim->vt->on_bar(v->sim, sy, h, i);
    b->active = v->sim->active;
}
static void rf_on_event_end(qc_venue *b, int64_t ts) {
    refusing *v = (refusing *)b;
    rf_sync(v);
    v->sim->vt->on_event_end(v->sim, ts);
    b->active = v->sim->active;
}
static const qc_venue_vt k_rf_vt = {rf_submit, rf_cancel, rf_replace, rf_on_bar, rf_on_event_end, NULL};
static qc_venue *rf_wrap(qc_venue *inner, void *ctx) {
    refusing *v = ctx;
    memset(v, 0, sizeof *v);
    v->base.vt = &k_rf_vt;
    v->sim = inner;
    return &v->base;
}

typedef struct {
    size_t rejected_status, orders;
} jcount;

static int count_rec(void *ctx, const qc_jrec *r, qc_error *err) {
    (void)err;
    jcount *c = ctx;
    c->orders += r->type == QC_JR_ORDER;
    c->rejected_status += r->type == QC_JR_STATUS && r->u.status.status == QC_OS_REJECTED;
    return 0;
}

static void count_journal(const char *dir, jcount *c) {
    char p[128];
    snprintf(p, sizeof p, "%s/journal", dir);
    FILE *fp = fopen(p, "rb");
    assert_non_null(fp);
    static char img[1 << 20];
    size_t len = fread(img, 1, sizeof img, fp);
    fclose(fp);
    assert_true(len > 8 && len < sizeof img);
    size_t valid, torn;
    qc_error err = {0};
    memset(c, 0, sizeof *c);
    assert_int_equal(qc_journal_scan((const uint8_t *)img, len, count_rec, c, &valid, &torn, &err), QC_OK);
    assert_int_equal(torn, 0);
}

static void test_venue_reject(void **s) {
    (void)s;
    fixture f;
    fixture_init(&f);
    char dir[64];
    test_tmpdir(dir, sizeof dir);
    refusing rv;
    qc_engine_opts o;
    engine_opts(&f, dir, &o);
    o.venue_wrap = rf_wrap;
    o.venue_wrap_ctx = &rv;
    qc_engine *e;
    size_t torn;
    qc_error err = {0};
    assert_int_equal(qc_engine_open(&o, &e, &torn, &err), QC_OK);
    assert_int_equal(qc_engine_run(e, &err), QC_OK); /* the engine goes on after each refusal */
    assert_true(qc_engine_complete(e));
    qc_engine_status st;
    qc_engine_status_get(e, &st);
    assert_true(rv.refused >= 2);
    assert_int_equal(st.rejects, rv.refused);
    assert_true(st.orders > rv.refused && st.fills > 0); /* orders after the refusals still trade */
    char metrics[16384], want[96];
    qc_engine_metrics_text(e, metrics, sizeof metrics);
    snprintf(want, sizeof want, "quantcli_rejects_total{check=\"venue\"} %zu\n", rv.refused);
    assert_non_null(strstr(metrics, want));
    char reply[4096];
    qc_engine_control(e, "{\"cmd\": \"orders\"}", 17, reply, sizeof reply);
    assert_non_null(strstr(reply, "\"status\": \"rejected\""));
    qc_engine_close(e);
    jcount c;
    count_journal(dir, &c); /* every refusal reached the journal, once */
    assert_int_equal(c.rejected_status, rv.refused);
    assert_int_equal(c.orders, st.orders);
    /* a restart re-executes the journal with the refusals in it: nothing differs, nothing is resent */
    size_t refused_first = rv.refused;
    assert_int_equal(qc_engine_open(&o, &e, &torn, &err), QC_OK);
    assert_int_equal(qc_engine_run(e, &err), QC_OK);
    qc_engine_status st2;
    qc_engine_status_get(e, &st2);
    assert_int_equal(st2.rejects, refused_first);
    assert_int_equal(st2.orders, st.orders);
    qc_engine_close(e);
    count_journal(dir, &c);
    assert_int_equal(c.rejected_status, refused_first);
    assert_int_equal(c.orders, st.orders);
    qc_synth_free(f.m);
    test_rmdir(dir);
}

/* The router as the venue: backtest and the engine give the same orders, fills and equity, and
 * the engine reports per-venue fills in its status, its control reply and /metrics. */
static void sor_setup(qc_venue_setup *v) {
    qc_venue_setup_init(v, QC_VENUE_SOR);
    for (size_t k = 0; k < v->n; k++) v->ex[k].depth_frac = 0.0002 + 0.0001 * (double)k; /* shallow: parents split */
}

static void test_sor_parity_metrics(void **s) {
    (void)s;
    fixture f;
    fixture_init(&f);
    qc_backtest_opts bo;
    qc_backtest_opts_init(&bo);
    bo.strategy = qc_strategy_find("sma_cross");
    bo.params = &f.p;
    bo.cal = qc_calendar_get("NYSE", NULL);
    sor_setup(&bo.venue);
    qc_backtest_result want, got;
    qc_error err = {0};
    assert_int_equal(qc_backtest_run(f.series, f.names, 1, &bo, &want, &err), QC_OK);
    assert_int_equal(want.venue_kind, QC_VENUE_SOR);
    assert_true(want.routing.children > want.routing.parents && want.routing.iso_children > 0);
    char dir[64];
    test_tmpdir(dir, sizeof dir);
    qc_engine_opts o;
    engine_opts(&f, dir, &o);
    sor_setup(&o.bt.venue);
    qc_engine *e;
    size_t torn;
    assert_int_equal(qc_engine_open(&o, &e, &torn, &err), QC_OK);
    assert_int_equal(qc_engine_run(e, &err), QC_OK);
    assert_int_equal(qc_engine_finish(e, &got, &err), QC_OK);
    assert_int_equal(got.n_orders, want.n_orders);
    assert_int_equal(got.sim.fills, want.sim.fills);
    assert_int_equal(got.routing.children, want.routing.children);
    assert_true(got.routing.saved == want.routing.saved);
    assert_memory_equal(got.equity, want.equity, want.n * sizeof(double));
    qc_engine_status st;
    qc_engine_status_get(e, &st);
    assert_int_equal(st.n_venues, 3);
    size_t sum = 0;
    for (size_t k = 0; k < 3; k++) sum += st.venue_fills[k];
    assert_int_equal(sum, want.routing.fills);
    assert_string_equal(st.venue_names[0], "A");
    char reply[4096], metrics[16384], want_line[128];
    qc_engine_control(e, "{\"cmd\": \"status\"}", 17, reply, sizeof reply);
    assert_non_null(strstr(reply, "\"venue_fills\": {\"A\": "));
    qc_engine_metrics_text(e, metrics, sizeof metrics);
    snprintf(want_line, sizeof want_line, "quantcli_venue_fills_total{venue=\"B\"} %zu\n", st.venue_fills[1]);
    assert_non_null(strstr(metrics, want_line));
    qc_backtest_result_free(&got);
    qc_backtest_result_free(&want);
    qc_engine_close(e);
    qc_synth_free(f.m);
    test_rmdir(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parity_full_disk_restart),
        cmocka_unit_test(test_control_parse),
        cmocka_unit_test(test_venue_reject),
        cmocka_unit_test(test_sor_parity_metrics),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
