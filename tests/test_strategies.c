/* test_strategies.c: the built-in strategy registry (sorted, lookup), parameter tables and their
 * parsing errors, and end-to-end runs through qc_kernel with a tiny venue written here (market
 * orders fill at the next bar's open, no costs): the exact bars where sma_cross(3, 5) buys and
 * sells on a hand-made series (crossovers out of exact ties on flat stretches included), cash split
 * between symbols, no second buy while one is open, and buy_and_hold's late-listed symbol. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "execution/kernel.h"
#include "strategies/strategies.h"

#define DAY_NS 86400000000000LL
#define CLOSE(a, b, tol) assert_true(fabs((a) - (b)) <= (tol))

/* ---- registry and parameters ------------------------------------------------------------------ */

static void test_registry(void **state) {
    (void)state;
    size_t n = 0;
    const qc_strategy_def *const *all = qc_strategies_all(&n);
    assert_true(n >= 3); /* others add strategies: each built-in is checked by name below */
    for (size_t i = 0; i < n; i++) {
        assert_non_null(all[i]->name);
        assert_non_null(all[i]->summary);
        assert_non_null(all[i]->init);
        assert_non_null(all[i]->on_bar);
        assert_true(all[i]->state_size > 0);
        assert_ptr_equal(qc_strategy_find(all[i]->name), all[i]);
        if (i) assert_true(strcmp(all[i - 1]->name, all[i]->name) < 0);
    }
    assert_ptr_equal(qc_strategy_find("sma_cross"), &qc_strategy_sma_cross);
    assert_ptr_equal(qc_strategy_find("buy_and_hold"), &qc_strategy_buy_and_hold);
    assert_null(qc_strategy_find("sma_crossover"));
    assert_null(qc_strategy_find(""));
    assert_null(qc_strategy_find("SMA_CROSS"));
    assert_null(qc_strategy_find(NULL));
}

static void test_param_specs(void **state) {
    (void)state;
    const qc_strategy_def *d = &qc_strategy_sma_cross;
    assert_int_equal(d->n_params, 2);
    assert_string_equal(d->params[0].name, "fast");
    assert_int_equal(d->params[0].type, QC_PARAM_INT);
    assert_string_equal(d->params[0].def, "10");
    assert_true(d->params[0].min == 1 && d->params[0].max == 100000);
    assert_non_null(d->params[0].help);
    assert_string_equal(d->params[1].name, "slow");
    assert_int_equal(d->params[1].type, QC_PARAM_INT);
    assert_string_equal(d->params[1].def, "50");
    assert_true(d->params[1].min == 2 && d->params[1].max == 100000);
    assert_non_null(d->params[1].help);
    assert_int_equal(qc_strategy_buy_and_hold.n_params, 0);

    qc_params p;
    qc_error err = {0};
    assert_int_equal(qc_params_parse(d->params, d->n_params, NULL, 0, d->name, &p, &err), QC_OK);
    assert_true(qc_params_get(&p, "fast") == 10 && qc_params_get(&p, "slow") == 50);
    const char *kv[] = {"slow=200", "fast=20"};
    assert_int_equal(qc_params_parse(d->params, d->n_params, kv, 2, d->name, &p, &err), QC_OK);
    assert_true(qc_params_get(&p, "fast") == 20 && qc_params_get(&p, "slow") == 200);
    assert_int_equal(qc_params_parse(qc_strategy_buy_and_hold.params, 0, NULL, 0, "buy_and_hold", &p, &err),
                     QC_OK);
}

/* A string parameter: its text is borrowed from the given "name=value" (or the default), its number
 * is 0, it formats as is; other types have no text. */
static void test_param_string(void **state) {
    (void)state;
    static const qc_param_spec spec[] = {
        {"model", QC_PARAM_STRING, "none.qcm", 0, 0, "a file"},
        {"threshold", QC_PARAM_DOUBLE, "0.5", 0, 1, "a number"},
    };
    qc_params p;
    qc_error err = {0};
    assert_int_equal(qc_params_parse(spec, 2, NULL, 0, "t", &p, &err), QC_OK);
    assert_string_equal(qc_params_text(&p, "model"), "none.qcm");
    assert_null(qc_params_text(&p, "threshold"));
    assert_null(qc_params_text(&p, "nothere"));
    const char *kv[] = {"model=dir/m=1.qcm", "threshold=0.6"};
    assert_int_equal(qc_params_parse(spec, 2, kv, 2, "t", &p, &err), QC_OK);
    assert_string_equal(qc_params_text(&p, "model"), "dir/m=1.qcm");
    assert_true(qc_params_get(&p, "model") == 0 && qc_params_get(&p, "threshold") == 0.6);
    char buf[64];
    qc_params_format(&p, 0, buf, sizeof buf);
    assert_string_equal(buf, "model=dir/m=1.qcm");
    const char *empty[] = {"model="};
    assert_int_equal(qc_params_parse(spec, 2, empty, 1, "t", &p, &err), QC_OK);
    assert_string_equal(qc_params_text(&p, "model"), "");
}

static void test_param_errors(void **state) {
    (void)state;
    const qc_strategy_def *d = &qc_strategy_sma_cross;
    struct {
        const char *kv, *needle;
    } bad[] = {
        {"speed=3", "speed"}, {"fast=0", "fast"},        {"fast=100001", "fast"}, {"slow=1", "slow"},
        {"slow=100001", "slow"}, {"fast=2.5", "fast"},  {"slow=abc", "slow"},    {"fast", "fast"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        qc_params p;
        qc_error err = {0};
        assert_int_equal(qc_params_parse(d->params, d->n_params, &bad[i].kv, 1, d->name, &p, &err),
                         QC_ERR_INPUT);
        assert_non_null(strstr(err.msg, bad[i].needle));
        assert_non_null(strstr(err.msg, "sma_cross"));
    }
    qc_params p;
    qc_error err = {0};
    const char *one[] = {"x=1"};
    assert_int_equal(qc_params_parse(NULL, 0, one, 1, "buy_and_hold", &p, &err), QC_ERR_INPUT);
    assert_non_null(strstr(err.msg, "unknown parameter 'x'"));
}

/* ---- a venue for the tests: market orders fill at the open of the symbol's next bar ----------- */

#define MAX_REC 64
typedef struct {
    uint64_t id;
    uint32_t symbol;
    qc_side side;
    double qty, cash;
    int reduce_only;
    qc_tif tif;
    qc_order_type type;
    size_t event;
} order_rec;

typedef struct {
    uint64_t order_id;
    uint32_t symbol;
    qc_side side;
    double qty, price;
    size_t event;
} fill_rec;

typedef struct {
    qc_venue base; /* first: the kernel hands back &base */
    int fills_enabled;
    size_t event;  /* set by the test loop */
    qc_order *open[MAX_REC];
    size_t n_open;
    order_rec orders[MAX_REC];
    size_t n_orders;
    fill_rec fills[MAX_REC];
    size_t n_fills;
} test_venue;

static qc_err tv_submit(qc_venue *v, qc_order *o, qc_error *err) {
    test_venue *tv = (test_venue *)v;
    if (tv->n_open == MAX_REC || tv->n_orders == MAX_REC) return qc_err_set(err, QC_ERR_EXECUTION, "full");
    qc_err rc = qc_order_transition(o, QC_OS_NEW, o->created_ts, err);
    if (rc) return rc;
    tv->open[tv->n_open++] = o;
    v->active = tv->n_open; /* the kernel's cue to deliver bars */
    tv->orders[tv->n_orders++] = (order_rec){o->id, o->req.symbol, o->req.side, o->req.qty, o->req.cash,
                                             o->req.reduce_only, o->req.tif, o->req.type, tv->event};
    return QC_OK;
}

static qc_err tv_cancel(qc_venue *v, qc_order *o, qc_error *err) {
    (void)v;
    return qc_order_transition(o, QC_OS_CANCELLED, o->updated_ts, err);
}

static qc_err tv_replace(qc_venue *v, qc_order *o, double qty, double limit_price, double stop_price,
                         qc_error *err) {
    (void)v, (void)o, (void)qty, (void)limit_price, (void)stop_price;
    return qc_err_set(err, QC_ERR_EXECUTION, "replace not supported by the test venue");
}

static void tv_on_bar(qc_venue *v, uint32_t s, const qc_bars *hist, size_t i) {
    test_venue *tv = (test_venue *)v;
    if (!tv->fills_enabled) return;
    for (size_t k = 0; k < tv->n_open;) {
        qc_order *o = tv->open[k];
        if (o->req.symbol != s || o->status != QC_OS_NEW || hist->ts[i] <= o->first_eligible_ts) {
            k++;
            continue;
        }
        double px = hist->open[i];
        qc_fill f = {.order_id = o->id, .symbol = s, .side = o->req.side, .price = px, .ref_price = px,
                     .ts = hist->ts[i]};
        f.qty = o->req.qty > 0 ? o->req.qty : o->req.cash / px;
        assert_int_equal(qc_order_transition(o, QC_OS_FILLED, f.ts, NULL), QC_OK);
        assert_true(tv->n_fills < MAX_REC);
        tv->fills[tv->n_fills++] = (fill_rec){o->id, s, f.side, f.qty, px, tv->event};
        tv->open[k] = tv->open[--tv->n_open];
        v->active = tv->n_open;
        v->sink.fill(v->kernel, &f);
    }
}

static void tv_on_event_end(qc_venue *v, int64_t ts) { (void)v, (void)ts; }

static const qc_venue_vt k_tv_vt = {tv_submit, tv_cancel, tv_replace, tv_on_bar, tv_on_event_end, NULL};

static void tv_init(test_venue *tv, int fills_enabled) {
    memset(tv, 0, sizeof *tv);
    tv->base.vt = &k_tv_vt;
    tv->fills_enabled = fills_enabled;
}

/* ---- the hand-made series ----------------------------------------------------------------------- */

/* Closes chosen so that sma(3) and sma(5) cross at known bars (exact rational arithmetic):
 *   t:  6 BUY (out of a flat 10.1 stretch where both SMAs are exactly equal), 11 SELL,
 *      21 BUY (out of a flat 8.1 stretch), 25 SELL, 28 BUY.
 * Opens are the previous close + 0.05, so a fill's price tells which bar it came from. */
static const double k_close[] = {10.1, 10.1, 10.1, 10.1, 10.1, 10.1, 10.6, 11.1, 11.6, 12.1,
                                  11.1, 10.1, 9.1,  8.1,  8.1,  8.1,  8.1,  8.1,  8.1,  8.1,
                                  8.1,  9.0,  10.0, 9.0,  8.0,  7.0,  7.0,  7.5,  8.5,  9.5};
#define N_BARS (sizeof k_close / sizeof k_close[0])

static double open_at(size_t t) { return t ? k_close[t - 1] + 0.05 : k_close[0]; }

/* The series of one symbol whose bar t sits at event t + shift. */
static void make_bars(qc_bars *b, size_t shift) {
    qc_error err = {0};
    memset(b, 0, sizeof *b);
    for (size_t t = 0; t < N_BARS; t++) {
        double o = open_at(t), c = k_close[t];
        int64_t ts = (int64_t)(t + shift + 1) * DAY_NS;
        assert_int_equal(
            qc_bars_push(b, ts, ts - DAY_NS / 4, o, fmax(o, c), fmin(o, c), c, 1000, NAN, 0, &err), QC_OK);
    }
}

typedef struct {
    size_t n_sym;
    qc_bars bars[2];
    size_t shift[2];
    size_t n_events;
    test_venue venue;
    qc_kernel *k;
} run;

/* Runs strategy `d` over symbols whose bars start at events shift[s]. */
static qc_err run_strategy(run *r, const qc_strategy_def *d, const char *const *kv, size_t n_kv, size_t n_sym,
                           const size_t *shift, int fills_enabled, qc_error *err) {
    static const char *const names[] = {"AAA", "BBB"};
    memset(r, 0, sizeof *r);
    r->n_sym = n_sym;
    for (size_t s = 0; s < n_sym; s++) {
        r->shift[s] = shift[s];
        make_bars(&r->bars[s], shift[s]);
        if (N_BARS + shift[s] > r->n_events) r->n_events = N_BARS + shift[s];
    }
    tv_init(&r->venue, fills_enabled);
    qc_params p;
    qc_err rc = qc_params_parse(d->params, d->n_params, kv, n_kv, d->name, &p, err);
    if (rc) return rc;
    qc_kernel_opts o = {.cash = 100000};
    rc = qc_kernel_new(&o, names, n_sym, d, &p, &r->venue.base, NULL, &r->k, err);
    if (rc) return rc;
    for (size_t e = 0; e < r->n_events; e++) {
        const qc_bars *series[2] = {&r->bars[0], &r->bars[1]};
        size_t idx[2] = {0, 0};
        uint8_t has[2] = {0, 0};
        for (size_t s = 0; s < n_sym; s++) {
            has[s] = e >= r->shift[s] && e - r->shift[s] < N_BARS;
            idx[s] = has[s] ? e - r->shift[s] : 0;
        }
        r->venue.event = e;
        rc = qc_kernel_event(r->k, (int64_t)(e + 1) * DAY_NS, series, idx, has, err);
        if (rc) return rc;
    }
    qc_kernel_finish(r->k);
    return QC_OK;
}

static void run_free(run *r) {
    qc_kernel_free(r->k);
    for (size_t s = 0; s < r->n_sym; s++) qc_bars_free(&r->bars[s]);
}

/* Cash before the strategy's handler at `event`: the start minus every fill up to that event. */
static double ledger_cash(const run *r, size_t event) {
    double cash = 100000;
    for (size_t i = 0; i < r->venue.n_fills; i++)
        if (r->venue.fills[i].event <= event)
            cash -= (double)r->venue.fills[i].side * r->venue.fills[i].qty * r->venue.fills[i].price;
    return cash;
}

/* ---- end to end --------------------------------------------------------------------------------- */

static void test_sma_cross_init_rejects(void **state) {
    (void)state;
    run r;
    qc_error err = {0};
    const char *kv[] = {"fast=50", "slow=50"};
    const size_t shift[] = {0};
    assert_int_equal(run_strategy(&r, &qc_strategy_sma_cross, kv, 2, 1, shift, 1, &err), QC_ERR_INPUT);
    assert_string_equal(err.msg, "sma_cross: fast (50) must be < slow (50)");
    assert_null(r.k);
    run_free(&r);
    const char *kv2[] = {"fast=60"};
    assert_int_equal(run_strategy(&r, &qc_strategy_sma_cross, kv2, 1, 1, shift, 1, &err), QC_ERR_INPUT);
    assert_string_equal(err.msg, "sma_cross: fast (60) must be < slow (50)");
    run_free(&r);
}

static void test_sma_cross_exact_bars(void **state) {
    (void)state;
    run r;
    qc_error err = {0};
    const char *kv[] = {"fast=3", "slow=5"};
    const size_t shift[] = {0};
    assert_int_equal(run_strategy(&r, &qc_strategy_sma_cross, kv, 2, 1, shift, 1, &err), QC_OK);
    static const struct {
        size_t event;
        qc_side side;
    } want[] = {{6, QC_BUY}, {11, QC_SELL}, {21, QC_BUY}, {25, QC_SELL}, {28, QC_BUY}};
    assert_int_equal(r.venue.n_orders, 5);
    assert_int_equal(r.venue.n_fills, 5);
    double pos = 0;
    for (size_t i = 0; i < 5; i++) {
        const order_rec *o = &r.venue.orders[i];
        const fill_rec *f = &r.venue.fills[i];
        assert_int_equal(o->event, want[i].event);
        assert_int_equal(o->side, want[i].side);
        assert_int_equal(o->type, QC_ORD_MARKET);
        assert_int_equal(o->tif, QC_TIF_DAY);
        assert_int_equal(f->event, want[i].event + 1); /* next bar's open */
        assert_true(f->price == open_at(want[i].event + 1));
        if (want[i].side == QC_BUY) {
            CLOSE(o->cash, ledger_cash(&r, o->event), 1e-9); /* all the cash */
            assert_true(o->qty == 0 && !o->reduce_only);
            assert_true(pos == 0);
        } else {
            assert_true(o->qty == pos && o->cash == 0 && o->reduce_only); /* the whole position */
        }
        pos += (double)f->side * f->qty;
    }
    CLOSE(r.venue.orders[0].cash, 100000, 0);
    assert_int_equal(qc_kernel_n_orders(r.k), 5);
    for (uint64_t id = 1; id <= 5; id++) assert_int_equal(qc_kernel_order(r.k, id)->status, QC_OS_FILLED);
    const qc_account *a = qc_kernel_account(r.k);
    CLOSE(a->hold[0].qty, pos, 1e-9);
    CLOSE(a->cash, ledger_cash(&r, r.n_events), 1e-6);
    CLOSE(a->cash, 0, 1e-6);
    run_free(&r);
}

/* Two symbols on the same closes, the second listed three events later: its signals come three
 * events later. Cash per buy = cash / symbols flat with no open buy at that event. */
static void test_sma_cross_two_symbols(void **state) {
    (void)state;
    run r;
    qc_error err = {0};
    const char *kv[] = {"fast=3", "slow=5"};
    const size_t shift[] = {0, 3};
    assert_int_equal(run_strategy(&r, &qc_strategy_sma_cross, kv, 2, 2, shift, 1, &err), QC_OK);
    static const struct {
        size_t event;
        uint32_t sym;
        qc_side side;
        double flat; /* symbols flat with no open buy when a buy is sized */
    } want[] = {{6, 0, QC_BUY, 2},   {9, 1, QC_BUY, 1},   {11, 0, QC_SELL, 0}, {14, 1, QC_SELL, 0},
                {21, 0, QC_BUY, 2},  {24, 1, QC_BUY, 1},  {25, 0, QC_SELL, 0}, {28, 0, QC_BUY, 1},
                {28, 1, QC_SELL, 0}, {31, 1, QC_BUY, 1}};
    size_t n = sizeof want / sizeof want[0];
    assert_int_equal(r.venue.n_orders, n);
    for (size_t i = 0; i < n; i++) {
        const order_rec *o = &r.venue.orders[i];
        assert_int_equal(o->event, want[i].event);
        assert_int_equal(o->symbol, want[i].sym);
        assert_int_equal(o->side, want[i].side);
        if (o->side == QC_BUY) CLOSE(o->cash, ledger_cash(&r, o->event) / want[i].flat, 1e-6);
    }
    assert_true(r.venue.orders[0].cash == 50000);
    run_free(&r);
}

/* While a buy is open (this venue never fills) no second buy is sent; nothing to sell. */
static void test_sma_cross_no_second_buy(void **state) {
    (void)state;
    run r;
    qc_error err = {0};
    const char *kv[] = {"fast=3", "slow=5"};
    const size_t shift[] = {0};
    assert_int_equal(run_strategy(&r, &qc_strategy_sma_cross, kv, 2, 1, shift, 0, &err), QC_OK);
    assert_int_equal(r.venue.n_orders, 1);
    assert_int_equal(r.venue.orders[0].event, 6);
    assert_int_equal(r.venue.n_fills, 0);
    assert_int_equal(qc_kernel_n_orders(r.k), 1);
    assert_int_equal(qc_kernel_order(r.k, 1)->status, QC_OS_NEW);
    run_free(&r);
}

/* Symbol A from event 0 gets equity / 2; B, listed at event 9 when A has risen, would get
 * equity / 2 > cash and is capped at the cash left. Never sells. */
static void test_buy_and_hold(void **state) {
    (void)state;
    run r;
    qc_error err = {0};
    const size_t shift[] = {0, 9};
    assert_int_equal(run_strategy(&r, &qc_strategy_buy_and_hold, NULL, 0, 2, shift, 1, &err), QC_OK);
    assert_int_equal(r.venue.n_orders, 2);
    const order_rec *a = &r.venue.orders[0], *b = &r.venue.orders[1];
    assert_int_equal(a->event, 0);
    assert_int_equal(a->symbol, 0);
    assert_int_equal(a->side, QC_BUY);
    assert_true(a->cash == 50000);
    assert_int_equal(b->event, 9);
    assert_int_equal(b->symbol, 1);
    assert_int_equal(b->side, QC_BUY);
    double qa = r.venue.fills[0].qty, equity9 = ledger_cash(&r, 9) + qa * k_close[9];
    assert_true(equity9 / 2 > ledger_cash(&r, 9));
    CLOSE(b->cash, ledger_cash(&r, 9), 1e-6);
    assert_int_equal(r.venue.n_fills, 2);
    const qc_account *acct = qc_kernel_account(r.k);
    assert_true(acct->hold[0].qty > 0 && acct->hold[1].qty > 0);
    CLOSE(acct->cash, 0, 1e-6);
    run_free(&r);

    /* both listed at once: equal halves at the first event */
    const size_t shift0[] = {0, 0};
    assert_int_equal(run_strategy(&r, &qc_strategy_buy_and_hold, NULL, 0, 2, shift0, 1, &err), QC_OK);
    assert_int_equal(r.venue.n_orders, 2);
    assert_true(r.venue.orders[0].cash == 50000 && r.venue.orders[1].cash == 50000);
    assert_int_equal(r.venue.orders[1].event, 0);
    run_free(&r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry),
        cmocka_unit_test(test_param_specs),
        cmocka_unit_test(test_param_errors),
        cmocka_unit_test(test_param_string),
        cmocka_unit_test(test_sma_cross_init_rejects),
        cmocka_unit_test(test_sma_cross_exact_bars),
        cmocka_unit_test(test_sma_cross_two_symbols),
        cmocka_unit_test(test_sma_cross_no_second_buy),
        cmocka_unit_test(test_buy_and_hold),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
