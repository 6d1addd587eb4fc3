/* test_sweep.c: backtest/sweep.c over synthetic random-walk bars: the JSON is byte-identical on 1,
 * 2 and 4 threads (TRAPS.md: results must not depend on the thread count); walk-forward never reads
 * a bar of a test window while optimising for it (every bar from the window on is replaced and the
 * window's train Sharpe of every combination stays bit-identical, while its out-of-sample result
 * changes); the DSR of the same selected combination falls as trials are added; CPCV gives 5 paths
 * for N = 6, k = 2; invalid combinations are skipped with the strategy's reason; bad grids fail. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backtest/sweep.h"
#include "core/calendar.h"
#include "strategies/strategies.h"

static uint64_t g_rng;
static double unif(void) {
    uint64_t z = (g_rng += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    return ((double)(z >> 11) + 0.5) / 9007199254740992.0;
}
static double normal(void) { return sqrt(-2 * log(unif())) * cos(6.283185307179586 * unif()); }

/* n daily bars of a geometric random walk from index `from` on (earlier bars copied from base) */
static void walk(qc_bars *b, size_t n, uint64_t seed, const qc_bars *base, size_t from) {
    qc_error err = {0};
    memset(b, 0, sizeof *b);
    g_rng = seed;
    double c = 100;
    for (size_t i = 0; i < n; i++) {
        int64_t ts = ((int64_t)(14000 + i) * 86400 + 21 * 3600) * 1000000000LL;
        if (base && i < from) {
            assert_int_equal(qc_bars_push_row(b, base, i, &err), QC_OK);
            c = base->close[i];
            continue;
        }
        double o = c * exp(0.002 * normal());
        c = c * exp(0.0003 + 0.012 * normal());
        double hi = fmax(o, c) * 1.002, lo = fmin(o, c) * 0.998;
        assert_int_equal(qc_bars_push(b, ts, ts - 23400LL * 1000000000LL, o, hi, lo, c, 1e6, NAN, 0, &err), QC_OK);
    }
}

static qc_sweep_axis g_axes[2];

static void opts_for(qc_sweep_opts *o, const char *g1, const char *g2) {
    qc_error err = {0};
    qc_sweep_opts_init(o);
    o->strategy = qc_strategy_find("sma_cross");
    o->bt.cal = qc_calendar_get("NYSE", &err);
    o->bt.interval_s = 86400;
    assert_int_equal(qc_sweep_axis_parse(g1, &g_axes[0], &err), QC_OK);
    o->n_axes = 1;
    if (g2) {
        assert_int_equal(qc_sweep_axis_parse(g2, &g_axes[1], &err), QC_OK);
        o->n_axes = 2;
    }
    o->axes = g_axes;
}

static void run(const qc_bars *b, const qc_sweep_opts *o, qc_sweep_result *r) {
    qc_error err = {0};
    if (qc_sweep_run(b, "SYN", o, r, &err)) fail_msg("sweep: %s", err.msg);
}

static char *json_of(const qc_sweep_result *r) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    qc_error err = {0};
    assert_int_equal(qc_sweep_write_json(f, r, "sma_cross", "test", &err), QC_OK);
    fclose(f);
    return buf;
}

static void test_threads_identical(void **st) {
    (void)st;
    qc_bars b;
    walk(&b, 900, 11, NULL, 0);
    char *first = NULL;
    for (size_t th = 1; th <= 4; th *= 2) {
        qc_sweep_opts o;
        opts_for(&o, "fast=4:20:4", "slow=10:60:10");
        o.use_cv = 1;
        o.cv.scheme = QC_CV_CPCV;
        o.cv.horizon = 2;
        o.cv.embargo = 5;
        o.threads = th;
        qc_sweep_result r;
        run(&b, &o, &r);
        char *j = json_of(&r);
        if (!first) first = j;
        else {
            assert_string_equal(j, first);
            free(j);
        }
        qc_sweep_result_free(&r);
    }
    free(first);
    qc_bars_free(&b);
}

/* The train Sharpe of window s, for every combination, must not change when every bar from the
 * start of its test window on is replaced by another random walk. */
static void check_no_peek(int expanding, size_t gap) {
    qc_bars b;
    walk(&b, 1000, 21, NULL, 0);
    qc_sweep_opts o;
    opts_for(&o, "fast=3:15:3", "slow=10:50:10");
    o.use_cv = 1;
    o.cv.scheme = QC_CV_WALKFORWARD;
    o.cv.train = 250;
    o.cv.test = 150;
    o.cv.gap = gap;
    o.cv.expanding = expanding;
    o.threads = 2;
    qc_sweep_result r0;
    run(&b, &o, &r0);
    assert_true(r0.plan.n_splits >= 4);
    assert_true(r0.n_stitched == r0.plan.n_splits * 150);
    for (size_t s = 0; s < r0.plan.n_splits; s++) {
        size_t t0 = r0.plan.splits[s].test[0].first;
        qc_bars p;
        walk(&p, 1000, 1000 + s, &b, t0);
        qc_sweep_result r1;
        run(&p, &o, &r1);
        size_t nc = r0.n_combos;
        for (size_t i = 0; i < nc; i++) {
            double a = r0.split_train_sharpe[s * nc + i], c = r1.split_train_sharpe[s * nc + i];
            if (!(a == c || (isnan(a) && isnan(c)))) fail_msg("window %zu combo %zu: train Sharpe %.17g -> %.17g", s, i, a, c);
        }
        assert_int_equal(r1.split_best[s], r0.split_best[s]);
        /* the perturbation is real: the window's stitched out-of-sample equity changed */
        size_t k = s * 150 + 149;
        assert_true(r1.stitched_equity[k] / r1.stitched_equity[s * 150] != r0.stitched_equity[k] / r0.stitched_equity[s * 150]);
        qc_sweep_result_free(&r1);
        qc_bars_free(&p);
    }
    qc_sweep_result_free(&r0);
    qc_bars_free(&b);
}

static void test_walkforward_never_peeks(void **st) {
    (void)st;
    check_no_peek(0, 0);
    check_no_peek(1, 3);
}

/* Same selected combination, more trials: a higher bar E[max SR], a lower DSR. */
static void test_dsr_falls_with_trials(void **st) {
    (void)st;
    qc_bars b;
    walk(&b, 1500, 5, NULL, 0);
    qc_sweep_opts o;
    opts_for(&o, "fast=2:40:2", "slow=10:200:10");
    qc_sweep_result big;
    run(&b, &o, &big);
    const qc_sweep_combo *best = &big.combos[big.selected];
    char g1[64], g2[64];
    snprintf(g1, sizeof g1, "fast=%g", best->value[0]);
    snprintf(g2, sizeof g2, "slow=%g", best->value[1]);
    qc_sweep_result one, mid;
    opts_for(&o, g1, g2);
    run(&b, &o, &one);
    snprintf(g2, sizeof g2, "slow=10:200:10");
    opts_for(&o, g1, g2);
    run(&b, &o, &mid);
    assert_int_equal(one.n_trials, 1);
    assert_true(mid.n_trials > 5 && mid.n_trials < big.n_trials);
    /* the same combination wins each grid */
    assert_true(one.combos[one.selected].full_sharpe == best->full_sharpe);
    assert_true(mid.combos[mid.selected].full_sharpe == best->full_sharpe);
    assert_true(one.selected_dsr == one.selected_psr); /* one trial: DSR = PSR */
    assert_true(mid.expected_max_sr > 0 && big.expected_max_sr > mid.expected_max_sr);
    assert_true(one.selected_dsr > mid.selected_dsr);
    assert_true(mid.selected_dsr > big.selected_dsr);
    qc_sweep_result_free(&big);
    qc_sweep_result_free(&one);
    qc_sweep_result_free(&mid);
    qc_bars_free(&b);
}

static void test_cpcv_paths_and_skips(void **st) {
    (void)st;
    qc_bars b;
    walk(&b, 800, 3, NULL, 0);
    qc_sweep_opts o;
    opts_for(&o, "fast=10:30:10", "slow=10:40:10");
    o.use_cv = 1;
    o.cv.scheme = QC_CV_CPCV;
    qc_sweep_result r;
    run(&b, &o, &r);
    assert_int_equal(r.plan.n_splits, 15);
    assert_int_equal(r.n_paths, 5);
    size_t skipped = 0;
    for (size_t i = 0; i < r.n_combos; i++) {
        const qc_sweep_combo *c = &r.combos[i];
        if (c->skipped) {
            assert_true(c->value[0] >= c->value[1]);
            assert_non_null(strstr(c->reason, "must be < slow"));
            skipped++;
            continue;
        }
        double mean = 0;
        for (size_t q = 0; q < 5; q++) {
            assert_true(isfinite(c->path_sharpe[q]));
            mean += c->path_sharpe[q] / 5;
        }
        assert_true(fabs(mean - c->oos_sharpe) < 1e-12);
        assert_true(c->oos_min <= c->oos_sharpe && c->oos_sharpe <= c->oos_max);
    }
    assert_int_equal(skipped, 6); /* (10,10) (20,10) (20,20) (30,10) (30,20) (30,30) */
    assert_int_equal(r.n_trials, 6);
    assert_true(r.has_pbo);
    assert_int_equal(r.pbo.n_combos, 12870);
    char *j = json_of(&r);
    assert_non_null(strstr(j, "\"status\": \"skipped\", \"reason\": \"sma_cross: fast (10) must be < slow (10)\""));
    assert_non_null(strstr(j, "\"oos_paths\": ["));
    free(j);
    qc_sweep_result_free(&r);
    qc_bars_free(&b);
}

static void test_bad_grids(void **st) {
    (void)st;
    qc_sweep_axis ax;
    qc_error err = {0};
    assert_int_equal(qc_sweep_axis_parse("fast=5:50:5", &ax, &err), QC_OK);
    assert_int_equal(qc_sweep_axis_count(&ax), 10);
    assert_true(qc_sweep_axis_value(&ax, 9) == 50);
    assert_int_equal(qc_sweep_axis_parse("x=0.1:0.3:0.1", &ax, &err), QC_OK);
    assert_int_equal(qc_sweep_axis_count(&ax), 3);
    assert_true(qc_sweep_axis_value(&ax, 2) == 0.3);
    assert_int_equal(qc_sweep_axis_parse("fast", &ax, &err), QC_ERR_INPUT);
    assert_int_equal(qc_sweep_axis_parse("fast=5:1:1", &ax, &err), QC_ERR_INPUT);
    assert_int_equal(qc_sweep_axis_parse("fast=5:10:0", &ax, &err), QC_ERR_INPUT);
    assert_int_equal(qc_sweep_axis_parse("fast=a:b:c", &ax, &err), QC_ERR_INPUT);
    qc_bars b;
    walk(&b, 300, 1, NULL, 0);
    qc_sweep_opts o;
    opts_for(&o, "speed=1:3:1", NULL);
    qc_sweep_result r;
    assert_int_equal(qc_sweep_run(&b, "S", &o, &r, &err), QC_ERR_INPUT);
    assert_non_null(strstr(err.msg, "has no parameter 'speed'"));
    opts_for(&o, "fast=20:30:5", "slow=5:10:5"); /* every combination invalid */
    assert_int_equal(qc_sweep_run(&b, "S", &o, &r, &err), QC_ERR_INPUT);
    assert_non_null(strstr(err.msg, "no valid combination"));
    opts_for(&o, "fast=2:4:1", "slow=10");
    o.use_cv = 1;
    o.cv.scheme = QC_CV_WALKFORWARD; /* no --train / --test */
    assert_int_equal(qc_sweep_run(&b, "S", &o, &r, &err), QC_ERR_INPUT);
    assert_non_null(strstr(err.msg, "--train"));
    qc_bars_free(&b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_threads_identical),
        cmocka_unit_test(test_walkforward_never_peeks),
        cmocka_unit_test(test_dsr_falls_with_trials),
        cmocka_unit_test(test_cpcv_paths_and_skips),
        cmocka_unit_test(test_bad_grids),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
