/* test_backtest_golden.c: the backtest engine (kernel + simulated venue + sma_cross) against an
 * independent reference on real data: R TTR's ttrc (5550 daily OHLCV bars), trade lists written by
 * a plain-Python loop from the rule text (tests/golden/gen_sma_cross.py). Every round trip must
 * agree (dates exactly, qty and prices to 1e-9 relative, pnl to 1e-6 absolute) and so must the final
 * equity. Also the TRAPS.md backtesting items that apply here: fills do not depend on instrument
 * registration order, and "size 100%" means all available cash (cash >= 0 and ~0 after a buy). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backtest/backtest.h"
#include "core/calendar.h"
#include "data/csv.h"
#include "strategies/strategies.h"

#define GOLDEN QC_TEST_DIR "/golden/"
#define TTRC_BARS 5550
#define MAX_TRADES 512

static qc_bars g_ttrc;
static const qc_calendar *g_nyse;

/* ---- data and golden files -------------------------------------------------------------------- */

static int load_ttrc(void **state) {
    (void)state;
    g_nyse = qc_calendar_get("NYSE", NULL);
    qc_csv_opts co;
    qc_csv_opts_init(&co);
    co.cal = g_nyse;
    co.label = "ttrc_ohlcv.csv";
    qc_csv_result csv;
    qc_error err = {0};
    if (qc_csv_read_file(GOLDEN "ttrc_ohlcv.csv", &co, &csv, &err)) {
        fprintf(stderr, "cannot read ttrc: %s\n", err.msg);
        return -1;
    }
    int ok = csv.n_series == 1 && csv.n_bad == 0 && !csv.close_only && csv.interval_s == 86400;
    if (ok) {
        g_ttrc = csv.series[0];
        memset(&csv.series[0], 0, sizeof csv.series[0]);
    }
    qc_csv_result_free(&csv);
    return ok && g_ttrc.n == TTRC_BARS ? 0 : -1;
}

static int free_ttrc(void **state) {
    (void)state;
    qc_bars_free(&g_ttrc);
    return 0;
}

typedef struct {
    char entry[16], exit[16];
    double qty, entry_price, exit_price, pnl;
} golden_trade;

typedef struct {
    size_t n_trades;
    double open_qty, cash, final_equity;
} golden_final;

/* Reads sma_cross_ttrc_<name>.csv; returns the number of trades. */
static size_t read_trades(const char *name, golden_trade *t, size_t cap) {
    char path[512], line[512];
    snprintf(path, sizeof path, GOLDEN "sma_cross_ttrc_%s.csv", name);
    FILE *f = fopen(path, "r");
    if (!f) fail_msg("cannot open %s", path);
    size_t n = 0;
    if (!fgets(line, sizeof line, f)) fail_msg("%s: empty", path);
    assert_string_equal(line, "entry_date,exit_date,qty,entry_price,exit_price,pnl\n");
    while (fgets(line, sizeof line, f) && n < cap) {
        golden_trade *g = &t[n++];
        if (sscanf(line, "%15[^,],%15[^,],%lf,%lf,%lf,%lf", g->entry, g->exit, &g->qty, &g->entry_price,
                   &g->exit_price, &g->pnl) != 6)
            fail_msg("%s:%zu: bad line '%s'", path, n + 1, line);
    }
    fclose(f);
    return n;
}

static golden_final read_final(const char *name) {
    char line[512], cname[64];
    FILE *f = fopen(GOLDEN "sma_cross_ttrc_final.csv", "r");
    if (!f) fail_msg("cannot open sma_cross_ttrc_final.csv");
    golden_final g = {0};
    int found = 0;
    while (!found && fgets(line, sizeof line, f)) {
        int fast, slow, bps;
        char fill[16];
        if (sscanf(line, "%63[^,],%d,%d,%15[^,],%d,%zu,%lf,%lf,%lf", cname, &fast, &slow, fill, &bps, &g.n_trades,
                   &g.open_qty, &g.cash, &g.final_equity) == 9 &&
            strcmp(cname, name) == 0)
            found = 1;
    }
    fclose(f);
    if (!found) fail_msg("no final line for %s", name);
    return g;
}

/* ---- runs ------------------------------------------------------------------------------------- */

static void opts_for(qc_backtest_opts *o, const qc_strategy_def *sd, const qc_params *p, qc_fill_mode fill,
                     double bps, double leverage) {
    qc_backtest_opts_init(o);
    o->strategy = sd;
    o->params = p;
    o->sim.fill = fill;
    o->sim.costs.commission_bps = bps;
    o->kernel.cash = 100000;
    o->kernel.leverage_limit = leverage;
    o->cal = g_nyse;
    o->interval_s = 86400;
    o->metrics.periods_per_year = 252;
}

static qc_backtest_result run_sma(const qc_bars *const *series, const char *const *names, size_t n, const char *fast,
                                  const char *slow, const qc_strategy_def *sd, qc_fill_mode fill, double bps,
                                  double leverage) {
    qc_error err = {0};
    qc_params p;
    const char *kv[2] = {fast, slow};
    if (qc_params_parse(qc_strategy_sma_cross.params, qc_strategy_sma_cross.n_params, kv, 2, "sma_cross", &p, &err))
        fail_msg("params: %s", err.msg);
    qc_backtest_opts o;
    opts_for(&o, sd, &p, fill, bps, leverage);
    qc_backtest_result r;
    if (qc_backtest_run(series, names, n, &o, &r, &err)) fail_msg("backtest failed: %s", err.msg);
    return r;
}

static int rel_close(double a, double b, double tol) { return fabs(a - b) <= tol * fmax(fabs(a), fabs(b)); }

static void stamp(int64_t ts, char *buf, size_t n) { qc_calendar_format_stamp(g_nyse, ts, 86400, buf, n); }

/* Compares every round trip with the golden list; prints each disagreement, then asserts none. */
static void check_case(const char *name, const char *fast, const char *slow, qc_fill_mode fill, double bps,
                       double leverage) {
    static golden_trade want[MAX_TRADES];
    size_t n_want = read_trades(name, want, MAX_TRADES);
    golden_final fin = read_final(name);
    assert_int_equal(n_want, fin.n_trades);
    const qc_bars *series[1] = {&g_ttrc};
    const char *names[1] = {"TTRC"};
    qc_backtest_result r = run_sma(series, names, 1, fast, slow, &qc_strategy_sma_cross, fill, bps, leverage);
    assert_int_equal(r.n, TTRC_BARS);
    size_t bad = 0, n = r.n_trades < n_want ? r.n_trades : n_want;
    for (size_t i = 0; i < n; i++) {
        const qc_roundtrip *t = &r.trades[i];
        const golden_trade *g = &want[i];
        char a[48], b[48];
        stamp(t->entry_ts, a, sizeof a);
        stamp(t->exit_ts, b, sizeof b);
        if (strcmp(a, g->entry) || strcmp(b, g->exit) || t->side != 1 || t->symbol != 0 ||
            !rel_close(t->qty, g->qty, 1e-9) || !rel_close(t->entry_price, g->entry_price, 1e-9) ||
            !rel_close(t->exit_price, g->exit_price, 1e-9) || !(fabs(t->pnl - g->pnl) <= 1e-6)) {
            if (bad++ < 10)
                print_message("%s trade %zu: engine %s..%s qty %.17g %.17g->%.17g pnl %.17g; reference %s..%s qty "
                              "%.17g %.17g->%.17g pnl %.17g\n",
                              name, i + 1, a, b, t->qty, t->entry_price, t->exit_price, t->pnl, g->entry, g->exit,
                              g->qty, g->entry_price, g->exit_price, g->pnl);
        }
    }
    if (r.n_trades != n_want) print_message("%s: engine %zu trades, reference %zu\n", name, r.n_trades, n_want);
    double eq = r.equity[r.n - 1];
    if (!(fabs(eq - fin.final_equity) <= 1e-6))
        print_message("%s: final equity engine %.17g, reference %.17g\n", name, eq, fin.final_equity);
    assert_int_equal(bad, 0);
    assert_int_equal(r.n_trades, n_want);
    assert_true(fabs(eq - fin.final_equity) <= 1e-6);
    assert_true(fabs(r.metrics.final_equity - fin.final_equity) <= 1e-6);
    assert_int_equal(r.metrics.n_trades, n_want);
    /* the position still open at the end is reported, not counted as a trade */
    if (fin.open_qty > 0) {
        assert_int_equal(r.n_open, 1);
        assert_true(rel_close(r.open[0].qty, fin.open_qty, 1e-9));
        assert_true(r.open[0].last_price == g_ttrc.close[g_ttrc.n - 1]);
    } else {
        assert_int_equal(r.n_open, 0);
    }
    qc_backtest_result_free(&r);
}

/* leverage 1 (the CLI's default) and 0 (no limit): an all-in long never reaches the limit. */
static void test_golden_10_50_next_open_10bps(void **state) {
    (void)state;
    check_case("10_50_next_open_10bps", "fast=10", "slow=50", QC_FILL_NEXT_OPEN, 10, 1);
    check_case("10_50_next_open_10bps", "fast=10", "slow=50", QC_FILL_NEXT_OPEN, 10, 0);
}

static void test_golden_10_50_close_10bps(void **state) {
    (void)state;
    check_case("10_50_close_10bps", "fast=10", "slow=50", QC_FILL_CLOSE, 10, 1);
    check_case("10_50_close_10bps", "fast=10", "slow=50", QC_FILL_CLOSE, 10, 0);
}

static void test_golden_5_20_next_open_0bps(void **state) {
    (void)state;
    check_case("5_20_next_open_0bps", "fast=5", "slow=20", QC_FILL_NEXT_OPEN, 0, 1);
    check_case("5_20_next_open_0bps", "fast=5", "slow=20", QC_FILL_NEXT_OPEN, 0, 0);
}

/* ---- TRAPS: registration order ---------------------------------------------------------------- */

/* B: ttrc x 2 (same signals as A, so buys and sells coincide and share the cash) for the first 2500
 * bars, then ttrc 250 bars later x 1.5 with every 97th bar missing (B absent from those events). */
static void make_b(qc_bars *b) {
    memset(b, 0, sizeof *b);
    for (size_t i = 0; i + 250 < g_ttrc.n; i++) {
        size_t j = i < 2500 ? i : i + 250;
        double k = i < 2500 ? 2.0 : 1.5;
        if (i >= 2500 && i % 97 == 0) continue;
        assert_int_equal(qc_bars_push(b, g_ttrc.ts[i], g_ttrc.open_ts[i], k * g_ttrc.open[j], k * g_ttrc.high[j],
                                      k * g_ttrc.low[j], k * g_ttrc.close[j], g_ttrc.volume[j], NAN, 0, NULL),
                         QC_OK);
    }
}

/* Trades of `sym` in r, in order. */
static size_t trades_of(const qc_backtest_result *r, const char *sym, const qc_roundtrip **out, size_t cap) {
    size_t n = 0;
    for (size_t i = 0; i < r->n_trades && n < cap; i++)
        if (strcmp(r->symbols[r->trades[i].symbol], sym) == 0) out[n++] = &r->trades[i];
    return n;
}

static void check_order_independent(qc_fill_mode fill) {
    qc_bars b;
    make_b(&b);
    const qc_bars *ab[2] = {&g_ttrc, &b}, *ba[2] = {&b, &g_ttrc};
    const char *nab[2] = {"A", "B"}, *nba[2] = {"B", "A"};
    qc_backtest_result r1 = run_sma(ab, nab, 2, "fast=10", "slow=50", &qc_strategy_sma_cross, fill, 10, 1);
    qc_backtest_result r2 = run_sma(ba, nba, 2, "fast=10", "slow=50", &qc_strategy_sma_cross, fill, 10, 1);
    assert_int_equal(r1.n_trades, r2.n_trades);
    assert_true(r1.n_trades > 40);
    static const qc_roundtrip *t1[MAX_TRADES], *t2[MAX_TRADES];
    for (int k = 0; k < 2; k++) {
        size_t n1 = trades_of(&r1, nab[k], t1, MAX_TRADES), n2 = trades_of(&r2, nab[k], t2, MAX_TRADES);
        assert_int_equal(n1, n2);
        assert_true(n1 > 20);
        for (size_t i = 0; i < n1; i++) {
            assert_true(t1[i]->entry_ts == t2[i]->entry_ts && t1[i]->exit_ts == t2[i]->exit_ts);
            assert_true(t1[i]->entry_price == t2[i]->entry_price && t1[i]->exit_price == t2[i]->exit_price);
            if (t1[i]->qty != t2[i]->qty || t1[i]->pnl != t2[i]->pnl)
                print_message("%s trade %zu: qty %.17g vs %.17g, pnl %.17g vs %.17g\n", nab[k], i + 1, t1[i]->qty,
                              t2[i]->qty, t1[i]->pnl, t2[i]->pnl);
            assert_true(t1[i]->qty == t2[i]->qty); /* identical, not merely close */
            assert_true(t1[i]->pnl == t2[i]->pnl);
        }
    }
    assert_int_equal(r1.n, r2.n);
    /* The equity curve sums cash + qty x mark over symbols in registration order, so it may differ
     * in the last bit (measured: a few dozen of the 5550 events, at most 2.2e-16 relative); the
     * fills above are identical. */
    for (size_t e = 0; e < r1.n; e++) assert_true(rel_close(r1.equity[e], r2.equity[e], 1e-15));
    /* the first half really shares the cash: A's first trade got half of it */
    const qc_roundtrip *first = NULL;
    for (size_t i = 0; i < r1.n_trades && !first; i++)
        if (r1.trades[i].symbol == 0) first = &r1.trades[i];
    assert_non_null(first);
    assert_true(rel_close(first->qty * first->entry_price * 1.001, 50000, 1e-12));
    qc_backtest_result_free(&r1);
    qc_backtest_result_free(&r2);
    qc_bars_free(&b);
}

static void test_registration_order_next_open(void **state) {
    (void)state;
    check_order_independent(QC_FILL_NEXT_OPEN);
}

static void test_registration_order_close(void **state) {
    (void)state;
    check_order_independent(QC_FILL_CLOSE);
}

/* ---- TRAPS: "size 100%" is all the available cash --------------------------------------------- */

/* sma_cross wrapped to watch the account right after each buy fill. */
typedef struct {
    void *inner;
} spy_state;

static struct {
    size_t buys, negative, too_much;
    double worst_cash;
    qc_fill first_negative; /* the first buy that left cash < 0 */
    double first_negative_cash;
} g_spy;

static qc_err spy_init(void *st, const qc_params *p, const qc_ctx *ctx, qc_error *err) {
    spy_state *s = st;
    s->inner = calloc(1, qc_strategy_sma_cross.state_size);
    if (!s->inner) return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    return qc_strategy_sma_cross.init(s->inner, p, ctx, err);
}

static void spy_on_bar(void *st, qc_ctx *ctx) { qc_strategy_sma_cross.on_bar(((spy_state *)st)->inner, ctx); }

static void spy_on_fill(void *st, qc_ctx *ctx, const qc_fill *f) {
    (void)st;
    if (f->side != QC_BUY) return;
    double cash = qc_ctx_cash(ctx), eq = qc_ctx_equity(ctx);
    g_spy.buys++;
    if (cash < 0 && g_spy.negative++ == 0) {
        g_spy.first_negative = *f;
        g_spy.first_negative_cash = cash;
    }
    if (!(cash < 1e-6 * eq)) g_spy.too_much++;
    if (cash < g_spy.worst_cash) g_spy.worst_cash = cash;
}

static void spy_free(void *st) {
    spy_state *s = st;
    if (s->inner) qc_strategy_sma_cross.free_state(s->inner);
    free(s->inner);
    s->inner = NULL;
}

static const qc_strategy_def k_spy = {"spy", "sma_cross watched", NULL, 0, sizeof(spy_state), spy_init,
                                      spy_on_bar, spy_on_fill, NULL, spy_free};

/* Runs the watched strategy on ttrc at 10 bps; returns how many buys left the cash negative. */
static size_t check_all_in(qc_fill_mode fill, const char *fast, const char *slow) {
    memset(&g_spy, 0, sizeof g_spy);
    const qc_bars *series[1] = {&g_ttrc};
    const char *names[1] = {"TTRC"};
    qc_backtest_result r = run_sma(series, names, 1, fast, slow, &k_spy, fill, 10, 1);
    assert_true(g_spy.buys > 60);
    if (g_spy.negative || g_spy.too_much) {
        char d[48];
        stamp(g_spy.first_negative.ts, d, sizeof d);
        print_message("%s %s %s: all-in buys %zu, cash < 0 after %zu (worst %.17g; first %s at %.17g, qty %.17g, "
                      "commission %.17g, cash after %.17g), cash >= 1e-6 x equity after %zu\n",
                      fill == QC_FILL_CLOSE ? "close" : "next_open", fast, slow, g_spy.buys, g_spy.negative,
                      g_spy.worst_cash, d, g_spy.first_negative.price, g_spy.first_negative.qty,
                      g_spy.first_negative.costs.commission, g_spy.first_negative_cash, g_spy.too_much);
    }
    assert_int_equal(g_spy.too_much, 0); /* all the cash is used */
    qc_backtest_result_free(&r);
    return g_spy.negative;
}

static void test_all_in_uses_all_cash(void **state) {
    (void)state;
    size_t negative = check_all_in(QC_FILL_NEXT_OPEN, "fast=10", "slow=50") +
                      check_all_in(QC_FILL_CLOSE, "fast=10", "slow=50") +
                      check_all_in(QC_FILL_NEXT_OPEN, "fast=5", "slow=20") +
                      check_all_in(QC_FILL_CLOSE, "fast=5", "slow=20");
    /* Regression: sizing qty = cash / (price * (1 + rate)) alone let rounding overdraw the cash by
     * an ulp or two (the first ttrc buy left -1.46e-11); the venue now steps qty down until
     * qty * price + commission fits. Cash must never go below 0. */
    assert_int_equal(negative, 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden_10_50_next_open_10bps),
        cmocka_unit_test(test_golden_10_50_close_10bps),
        cmocka_unit_test(test_golden_5_20_next_open_0bps),
        cmocka_unit_test(test_registration_order_next_open),
        cmocka_unit_test(test_registration_order_close),
        cmocka_unit_test(test_all_in_uses_all_cash),
    };
    return cmocka_run_group_tests(tests, load_ttrc, free_ttrc);
}
