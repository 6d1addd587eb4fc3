/* test_portfolio_strategy.c: the portfolio strategy (strategies/portfolio_rebalance.c) on the
 * synthetic market, driven through the kernel and the simulated venue: enum parameters (names,
 * codes, errors, formatting), the holdings right after the first rebalance equal the inverse-vol
 * weights of the same window (computed here from the closes) within costs, costs are charged, the
 * orders up to a bar are identical when everything after it is altered (no look-ahead), the
 * equal-weight rebalanced comparison curve against a loop written here, and bad parameters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "backtest/backtest.h"
#include "backtest/sim_venue.h"
#include "data/synth.h"
#include "portfolio/portfolio.h"
#include "strategies/strategies.h"

#define N_SYM 5
#define N_BARS 300

typedef struct {
    qc_clock base;
    int64_t t;
} test_clock;

static int64_t clock_now(const qc_clock *c) { return ((const test_clock *)c)->t; }

static qc_synth_market *market(void) {
    qc_synth_opts o;
    qc_synth_opts_init(&o);
    o.n_symbols = N_SYM;
    o.n_bars = N_BARS;
    o.n_pairs = 1;
    o.n_mean_revert = 1;
    qc_synth_market *m = NULL;
    qc_error err = {0};
    assert_int_equal(qc_synth_generate(&o, &m, &err), QC_OK);
    return m;
}

typedef struct {
    qc_kernel *k;
    qc_venue *v;
    qc_params params;
} run;

/* Runs the portfolio strategy over events 0..last of series (all on one timeline). */
static qc_err drive(run *r, const qc_bars *const *series, const char *const *names, const char *const *kv, size_t nkv,
                    qc_fill_mode fill, double bps, size_t last, test_clock *clk, qc_error *err) {
    memset(r, 0, sizeof *r);
    const qc_strategy_def *sd = qc_strategy_find("portfolio");
    assert_non_null(sd);
    qc_err rc = qc_params_parse(sd->params, sd->n_params, kv, nkv, sd->name, &r->params, err);
    if (rc) return rc;
    qc_sim_opts so;
    qc_sim_opts_init(&so);
    so.fill = fill;
    so.costs.commission_bps = bps;
    so.cal = qc_calendar_get("NYSE", NULL);
    so.interval_s = 86400;
    assert_int_equal(qc_sim_venue_new(&so, N_SYM, &r->v, err), QC_OK);
    qc_kernel_opts ko = {.cash = 100000, .leverage_limit = 1, .periods_per_year = 252, .cal = so.cal};
    clk->base.now = clock_now;
    rc = qc_kernel_new(&ko, names, N_SYM, sd, &r->params, r->v, &clk->base, &r->k, err);
    if (rc) {
        qc_sim_venue_free(r->v);
        return rc;
    }
    size_t idx[N_SYM];
    uint8_t has[N_SYM];
    memset(has, 1, sizeof has);
    for (size_t e = 0; e <= last; e++) {
        for (size_t s = 0; s < N_SYM; s++) idx[s] = e;
        clk->t = series[0]->ts[e];
        rc = qc_kernel_event(r->k, clk->t, series, idx, has, err);
        assert_int_equal(rc, QC_OK);
    }
    return QC_OK;
}

static void run_free(run *r) {
    qc_kernel_free(r->k);
    qc_sim_venue_free(r->v);
}

static void series_of(qc_synth_market *m, const qc_bars **ser) {
    for (size_t s = 0; s < N_SYM; s++) ser[s] = &m->bars[s];
}

/* ---- parameters ------------------------------------------------------------------------------- */

static void test_enum_params(void **state) {
    (void)state;
    const qc_strategy_def *sd = qc_strategy_find("portfolio");
    assert_non_null(sd);
    qc_params p;
    qc_error err = {0};
    const char *kv[] = {"method=hrp", "schedule=weekly", "cov=ledoit_wolf"};
    assert_int_equal(qc_params_parse(sd->params, sd->n_params, kv, 3, "portfolio", &p, &err), QC_OK);
    assert_true(qc_params_get(&p, "method") == QC_PORT_HRP);
    assert_true(qc_params_get(&p, "schedule") == QC_PORT_WEEKLY);
    assert_true(qc_params_get(&p, "cov") == QC_PORT_COV_LW_CC);
    assert_true(qc_params_get(&p, "lookback") == 60); /* default */
    char buf[64];
    qc_params_format(&p, 0, buf, sizeof buf);
    assert_string_equal(buf, "method=hrp");
    qc_params_format(&p, 1, buf, sizeof buf);
    assert_string_equal(buf, "lookback=60");
    /* every method name is the library's own name for that code */
    for (size_t i = 0; i < 10; i++) {
        assert_true(qc_param_choice(&sd->params[0], i, buf, sizeof buf) > 0);
        assert_string_equal(buf, qc_port_method_name((qc_port_method)i));
    }
    assert_int_equal(qc_param_choice(&sd->params[0], 10, buf, sizeof buf), 0);
    assert_int_equal(qc_param_choice(&sd->params[1], 0, buf, sizeof buf), 0); /* not an enum */
    /* a code works as well as the name (sweeps walk codes) */
    const char *code[] = {"method=4"};
    assert_int_equal(qc_params_parse(sd->params, sd->n_params, code, 1, "portfolio", &p, &err), QC_OK);
    assert_true(qc_params_get(&p, "method") == QC_PORT_IVP);
    const char *bad[] = {"method=hrpp"}, *range[] = {"method=10"}, *prefix[] = {"method=hr"};
    assert_int_equal(qc_params_parse(sd->params, sd->n_params, bad, 1, "portfolio", &p, &err), QC_ERR_INPUT);
    assert_non_null(strstr(err.msg, "expected one of minvar|maxsharpe"));
    assert_non_null(strstr(err.msg, "'hrpp'"));
    assert_int_equal(qc_params_parse(sd->params, sd->n_params, range, 1, "portfolio", &p, &err), QC_ERR_INPUT);
    assert_int_equal(qc_params_parse(sd->params, sd->n_params, prefix, 1, "portfolio", &p, &err), QC_ERR_INPUT);
}

static void test_bad_params(void **state) {
    (void)state;
    qc_synth_market *m = market();
    const qc_bars *ser[N_SYM];
    series_of(m, ser);
    test_clock clk;
    run r;
    qc_error err = {0};
    const char *none[] = {"schedule=none"};
    assert_int_equal(drive(&r, ser, (const char *const *)m->symbols, none, 1, QC_FILL_CLOSE, 0, 0, &clk, &err),
                     QC_ERR_INPUT);
    assert_non_null(strstr(err.msg, "band"));
    const char *short_window[] = {"method=minvar", "lookback=5"};
    assert_int_equal(
        drive(&r, ser, (const char *const *)m->symbols, short_window, 2, QC_FILL_CLOSE, 0, 0, &clk, &err),
        QC_ERR_INPUT);
    assert_non_null(strstr(err.msg, "lookback (5) must exceed the number of symbols (5)"));
    /* HRP needs a covariance too, equal weight needs none */
    const char *eq[] = {"method=equal", "lookback=5"};
    assert_int_equal(drive(&r, ser, (const char *const *)m->symbols, eq, 2, QC_FILL_CLOSE, 0, 10, &clk, &err), QC_OK);
    run_free(&r);
    qc_synth_free(m);
}

/* ---- weights, costs ----------------------------------------------------------------------------- */

/* Inverse-vol weights of the window the strategy sees at event e: returns of events e-L+1..e. */
static void ivp_at(const qc_bars *const *ser, size_t e, size_t L, double *w) {
    double *r = malloc(L * N_SYM * sizeof *r), cov[N_SYM * N_SYM];
    for (size_t t = 0; t < L; t++)
        for (size_t s = 0; s < N_SYM; s++) {
            size_t i = e - L + 1 + t;
            r[t * N_SYM + s] = ser[s]->close[i] / ser[s]->close[i - 1] - 1;
        }
    qc_error err = {0};
    assert_int_equal(qc_port_cov(r, L, N_SYM, QC_PORT_COV_SAMPLE, 0, cov, NULL, &err), QC_OK);
    assert_int_equal(qc_port_inverse_vol(cov, N_SYM, 1, w, &err), QC_OK);
    free(r);
}

static void test_ivp_holdings(void **state) {
    (void)state;
    qc_synth_market *m = market();
    const qc_bars *ser[N_SYM];
    series_of(m, ser);
    const size_t L = 60, e0 = L; /* rows come from events 1..: the window is full at event L */
    test_clock clk;
    run r;
    qc_error err = {0};
    const char *kv[] = {"method=ivp", "lookback=60", "schedule=monthly"};
    assert_int_equal(drive(&r, ser, (const char *const *)m->symbols, kv, 3, QC_FILL_CLOSE, 5, e0 - 1, &clk, &err),
                     QC_OK);
    assert_int_equal(qc_kernel_n_orders(r.k), 0); /* nothing before the window is full */
    size_t idx[N_SYM];
    uint8_t has[N_SYM];
    memset(has, 1, sizeof has);
    for (size_t s = 0; s < N_SYM; s++) idx[s] = e0;
    clk.t = ser[0]->ts[e0];
    assert_int_equal(qc_kernel_event(r.k, clk.t, ser, idx, has, &err), QC_OK);
    assert_int_equal(qc_kernel_n_orders(r.k), N_SYM); /* one buy each, filled at this close */
    const qc_account *a = qc_kernel_account(r.k);
    double w[N_SYM], eq = qc_account_equity(a), costs = 0;
    ivp_at(ser, e0, L, w);
    for (size_t s = 0; s < N_SYM; s++) {
        const qc_order *o = qc_kernel_order(r.k, s + 1);
        assert_int_equal(o->status, QC_OS_FILLED);
        assert_true(o->created_ts == ser[0]->ts[e0]);
        double held = a->hold[s].qty * ser[s]->close[e0] / eq;
        assert_true(fabs(held - w[s]) < 1e-3); /* 5 bps of costs move the weights by ~5e-4 */
        costs += a->pos[s].costs;
    }
    assert_true(fabs(costs - 5e-4 * 100000) < 1); /* 5 bps of the whole book, charged */
    assert_true(eq < 100000 - 40);
    run_free(&r);
    qc_synth_free(m);
}

/* ---- no look-ahead ------------------------------------------------------------------------------ */

static void test_no_lookahead(void **state) {
    (void)state;
    qc_synth_market *m = market(), *alt = market();
    const qc_bars *ser[N_SYM], *ser_alt[N_SYM];
    series_of(m, ser);
    series_of(alt, ser_alt);
    const size_t K = 170;
    for (size_t s = 0; s < N_SYM; s++) /* a different future: every bar after K rescaled per symbol */
        for (size_t i = K + 1; i < N_BARS; i++) {
            double f = 1 + 0.03 * sin((double)(i * (s + 3)));
            qc_bars *b = &alt->bars[s];
            b->open[i] *= f, b->high[i] *= f, b->low[i] *= f, b->close[i] *= f;
        }
    const char *methods[] = {"method=hrp", "method=minvar", "method=erc", "method=cvar"};
    for (size_t k = 0; k < 4; k++) {
        const char *kv[] = {methods[k], "lookback=40", "schedule=weekly", "band=0.02"};
        test_clock c1, c2;
        run a, b;
        qc_error err = {0};
        assert_int_equal(drive(&a, ser, (const char *const *)m->symbols, kv, 4, QC_FILL_NEXT_OPEN, 5, N_BARS - 1, &c1, &err),
                         QC_OK);
        assert_int_equal(
            drive(&b, ser_alt, (const char *const *)m->symbols, kv, 4, QC_FILL_NEXT_OPEN, 5, N_BARS - 1, &c2, &err),
            QC_OK);
        size_t same = 0, na = qc_kernel_n_orders(a.k), nb = qc_kernel_n_orders(b.k);
        while (same < na && qc_kernel_order(a.k, same + 1)->created_ts <= ser[0]->ts[K]) same++;
        assert_true(same > 10);
        assert_true(nb >= same);
        for (size_t i = 1; i <= same; i++) {
            const qc_order *x = qc_kernel_order(a.k, i), *y = qc_kernel_order(b.k, i);
            assert_true(x->created_ts == y->created_ts);
            assert_int_equal(x->req.symbol, y->req.symbol);
            assert_int_equal(x->req.side, y->req.side);
            assert_memory_equal(&x->req.qty, &y->req.qty, sizeof(double));
        }
        if (nb > same) /* the order after K belongs to the altered future */
            assert_true(qc_kernel_order(b.k, same + 1)->created_ts > ser[0]->ts[K]);
        /* and the future did change what was traded after K */
        int differs = na != nb;
        for (size_t i = same + 1; !differs && i <= na; i++)
            differs = qc_kernel_order(a.k, i)->req.qty != qc_kernel_order(b.k, i)->req.qty;
        assert_true(differs);
        run_free(&a);
        run_free(&b);
    }
    qc_synth_free(m);
    qc_synth_free(alt);
}

/* ---- through qc_backtest_run: costs and the comparison curve ------------------------------------ */

static void backtest(qc_synth_market *m, const char *const *kv, size_t nkv, double bps, qc_backtest_result *res) {
    const qc_strategy_def *sd = qc_strategy_find("portfolio");
    static qc_params p;
    qc_error err = {0};
    assert_int_equal(qc_params_parse(sd->params, sd->n_params, kv, nkv, sd->name, &p, &err), QC_OK);
    qc_backtest_opts o;
    qc_backtest_opts_init(&o);
    o.strategy = sd;
    o.params = &p;
    o.cal = qc_calendar_get("NYSE", NULL);
    o.interval_s = 86400;
    o.sim.costs.commission_bps = bps;
    const qc_bars *ser[N_SYM];
    series_of(m, ser);
    assert_int_equal(qc_backtest_run(ser, (const char *const *)m->symbols, N_SYM, &o, res, &err), QC_OK);
}

static void test_backtest_costs_and_comparison(void **state) {
    (void)state;
    qc_synth_market *m = market();
    const char *kv[] = {"method=hrp", "lookback=120", "schedule=monthly"};
    qc_backtest_result free_run, paid;
    backtest(m, kv, 3, 0, &free_run);
    backtest(m, kv, 3, 10, &paid);
    assert_true(free_run.n_orders > N_SYM && paid.n_orders == free_run.n_orders);
    assert_true(free_run.commission_paid == 0);
    assert_true(paid.commission_paid > 0);
    assert_true(paid.equity[paid.n - 1] < free_run.equity[free_run.n - 1]);
    /* the comparison: equal weight from the first close, back to 1/n at each month's first session */
    assert_non_null(paid.comparison);
    assert_string_equal(paid.comparison_label, "equal weight, rebalanced");
    const qc_calendar *cal = qc_calendar_get("NYSE", NULL);
    double units[N_SYM], v = 100000;
    for (size_t e = 0; e < paid.n; e++) {
        if (e) {
            v = 0;
            for (size_t s = 0; s < N_SYM; s++) v += units[s] * m->bars[s].close[e];
        }
        if (e == 0 || qc_port_is_rebalance(cal, QC_PORT_MONTHLY, m->bars[0].ts[e - 1], m->bars[0].ts[e]))
            for (size_t s = 0; s < N_SYM; s++) units[s] = v / N_SYM / m->bars[s].close[e];
        assert_true(fabs(paid.comparison[e] - v) <= 1e-9 * v);
    }
    /* strategies without a comparison leave it out */
    qc_backtest_result bh;
    qc_backtest_opts o;
    qc_backtest_opts_init(&o);
    o.strategy = qc_strategy_find("buy_and_hold");
    qc_params none = {0};
    o.params = &none;
    o.cal = cal;
    o.interval_s = 86400;
    const qc_bars *ser[N_SYM];
    series_of(m, ser);
    qc_error err = {0};
    assert_int_equal(qc_backtest_run(ser, (const char *const *)m->symbols, N_SYM, &o, &bh, &err), QC_OK);
    assert_null(bh.comparison);
    qc_backtest_result_free(&bh);
    qc_backtest_result_free(&free_run);
    qc_backtest_result_free(&paid);
    qc_synth_free(m);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_enum_params),
        cmocka_unit_test(test_bad_params),
        cmocka_unit_test(test_ivp_holdings),
        cmocka_unit_test(test_no_lookahead),
        cmocka_unit_test(test_backtest_costs_and_comparison),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
