/* test_labels.c: features/labels.c.
 * - hand-worked small cases: forward returns and sign labels with a dead zone, each barrier of the
 *   triple barrier (upper, lower, vertical, none-yet), meta-labels, concurrency, uniqueness and
 *   return weights on three overlapping intervals worked on paper;
 * - the numpy/pandas golden (tests/golden/gen_labels.py): forward returns, sign labels, pandas'
 *   ewm(span).std(), triple-barrier and meta-label events, uniqueness, weights, cv horizon;
 * - the label intervals feed backtest/validation.h's purged k-fold: with qc_label_cv_horizon no
 *   training event's [t0, t1] meets a test event's (TRAPS.md, mlfinlab #295);
 * - no look-ahead: labels at t0 never read bars after t1, and an event whose vertical barrier lies
 *   past the data is skipped, not guessed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backtest/validation.h"
#include "features/labels.h"

#define GOLDEN_DIR QC_TEST_DIR "/golden/"

static void near(double a, double b, double tol) {
    if (isnan(a) && isnan(b)) return;
    if (!(fabs(a - b) <= tol * fmax(1.0, fabs(b)))) fail_msg("%.17g != %.17g", a, b);
}

/* ---- hand-worked ------------------------------------------------------------------------------ */

static void test_forward_and_sign(void **st) {
    (void)st;
    const double c[] = {100, 101, 99, 99.2, 110};
    double out[5];
    qc_error err = {0};
    assert_int_equal(qc_label_forward_return(c, 5, 2, 0, out, &err), QC_OK);
    near(out[0], -0.01, 1e-15), near(out[1], 99.2 / 101 - 1, 1e-15), near(out[2], 110.0 / 99 - 1, 1e-15);
    assert_true(isnan(out[3]) && isnan(out[4]));
    assert_int_equal(qc_label_forward_return(c, 5, 1, 1, out, &err), QC_OK);
    near(out[0], log(1.01), 1e-15);
    assert_true(isnan(out[4]));
    /* h = 1 returns: +1%, -1.98%, +0.202%, +10.9%; dead zone 0.5%: 1, -1, 0, 1, NaN */
    assert_int_equal(qc_label_sign(c, 5, 1, 0.005, out, &err), QC_OK);
    assert_true(out[0] == 1 && out[1] == -1 && out[2] == 0 && out[3] == 1 && isnan(out[4]));
    assert_int_equal(qc_label_sign(c, 5, 0, 0, out, &err), QC_ERR_INPUT);
    assert_int_equal(qc_label_sign(c, 5, 1, -1, out, &err), QC_ERR_INPUT);
}

static void test_triple_barrier_small(void **st) {
    (void)st;
    /* target 0.02 everywhere, pt = 1, sl = 0.5, vertical after 3 bars */
    const double c[] = {100, 101, 102.5, 100, 98.9, 99, 99.5, 99.6, 99.7, 100};
    double trg[10];
    for (int i = 0; i < 10; i++) trg[i] = 0.02;
    qc_tb_opts o;
    qc_tb_opts_init(&o);
    o.pt = 1, o.sl = 0.5, o.max_hold = 3;
    const size_t ev[] = {0, 2, 4, 8};
    qc_label_event out[4];
    size_t n_out;
    qc_error err = {0};
    assert_int_equal(qc_label_triple_barrier(c, 10, ev, 4, trg, NULL, &o, out, &n_out, &err), QC_OK);
    /* event 0: +1% at 1, +2.5% at 2 >= 2%: upper at bar 2 */
    assert_int_equal(n_out, 3);
    assert_int_equal(out[0].t0, 0), assert_int_equal(out[0].t1, 2);
    assert_int_equal(out[0].barrier, QC_BARRIER_UPPER), assert_int_equal(out[0].label, 1);
    near(out[0].ret, 0.025, 1e-15);
    /* event 2 (102.5): 100 is -2.44% <= -1%: lower at bar 3 */
    assert_int_equal(out[1].t1, 3), assert_int_equal(out[1].barrier, QC_BARRIER_LOWER);
    assert_int_equal(out[1].label, -1);
    /* event 4 (98.9): 99, 99.5, 99.6 stay within (-1%, +2%): vertical at bar 7, +0.71% -> +1 */
    assert_int_equal(out[2].t1, 7), assert_int_equal(out[2].barrier, QC_BARRIER_VERTICAL);
    assert_int_equal(out[2].label, 1);
    /* event 8: vertical at 11 is past the data and nothing touched by bar 9: skipped (unknown) */
    o.vertical_sign = 0;
    assert_int_equal(qc_label_triple_barrier(c, 10, ev, 4, trg, NULL, &o, out, &n_out, &err), QC_OK);
    assert_int_equal(out[2].label, 0);
    /* meta-labels: a short bet on event 0 loses (lower barrier at -1%: bar 1), a long one wins */
    double side[10] = {-1, 0, 1, 0, 1, 0, 0, 0, 0, 0};
    assert_int_equal(qc_label_triple_barrier(c, 10, ev, 4, trg, side, &o, out, &n_out, &err), QC_OK);
    assert_int_equal(n_out, 3); /* event 8 has side 0 */
    assert_int_equal(out[0].t1, 1), assert_int_equal(out[0].barrier, QC_BARRIER_LOWER);
    assert_int_equal(out[0].label, 0), near(out[0].ret, -0.01, 1e-15), assert_int_equal(out[0].side, -1);
    assert_int_equal(out[1].label, 0), assert_int_equal(out[2].label, 1);
    /* bad input */
    const size_t bad[] = {3, 2};
    assert_int_equal(qc_label_triple_barrier(c, 10, bad, 2, trg, NULL, &o, out, &n_out, &err), QC_ERR_INPUT);
    o.pt = o.sl = 0, o.max_hold = 0;
    assert_int_equal(qc_label_triple_barrier(c, 10, ev, 4, trg, NULL, &o, out, &n_out, &err), QC_ERR_INPUT);
}

/* Intervals [0,2], [1,3], [3,4] over 5 bars: concurrency 1 2 2 2 1; uniqueness
 * (1 + 1/2 + 1/2)/3 = 2/3, (1/2 + 1/2 + 1/2)/3 = 1/2, (1/2 + 1)/2 = 3/4. */
static void test_overlap_small(void **st) {
    (void)st;
    qc_label_event ev[3] = {{.t0 = 0, .t1 = 2}, {.t0 = 1, .t1 = 3}, {.t0 = 3, .t1 = 4}};
    double conc[5], u[3], avg, w[3];
    qc_error err = {0};
    assert_int_equal(qc_label_concurrency(ev, 3, 5, conc, &err), QC_OK);
    const double ce[] = {1, 2, 2, 2, 1};
    for (int t = 0; t < 5; t++) near(conc[t], ce[t], 0);
    assert_int_equal(qc_label_uniqueness(ev, 3, 5, u, &avg, &err), QC_OK);
    near(u[0], 2.0 / 3, 1e-15), near(u[1], 0.5, 1e-15), near(u[2], 0.75, 1e-15);
    near(avg, (2.0 / 3 + 0.5 + 0.75) / 3, 1e-15);
    /* log returns l1..l4 = ln 2 each (prices doubling): raw weights |l1/2 + l2/2| = ln 2,
     * |l2/2 + l3/2| = ln 2, |l4/1| = ln 2: equal, scaled to sum 3 */
    const double c[] = {1, 2, 4, 8, 16};
    assert_int_equal(qc_label_return_weights(ev, 3, c, 5, w, &err), QC_OK);
    near(w[0], 1, 1e-15), near(w[1], 1, 1e-15), near(w[2], 1, 1e-15);
    /* one event's interval reaches the next: horizon 1 in event positions */
    assert_int_equal(qc_label_cv_horizon(ev, 3), 1);
    ev[0].t1 = 3; /* now event 0 reaches event 2 (t0 = 3) */
    assert_int_equal(qc_label_cv_horizon(ev, 3), 2);
    ev[2].t1 = 9;
    assert_int_equal(qc_label_concurrency(ev, 3, 5, conc, &err), QC_ERR_INPUT);
}

/* ---- golden ------------------------------------------------------------------------------------ */

typedef struct {
    size_t rows, cols;
    double *v; /* row-major, NaN for empty cells */
} csv_table;

static csv_table read_csv(const char *name) {
    char path[512], line[4096];
    snprintf(path, sizeof path, GOLDEN_DIR "%s", name);
    FILE *f = fopen(path, "r");
    if (!f) fail_msg("cannot open %s", path);
    csv_table t = {0};
    size_t cap = 0;
    if (!fgets(line, sizeof line, f)) fail_msg("%s: empty", path);
    for (char *p = line; *p; p++) t.cols += *p == ',';
    t.cols++;
    while (fgets(line, sizeof line, f)) {
        if (t.rows * t.cols + t.cols > cap) {
            cap = cap ? 2 * cap : 1024 * t.cols;
            t.v = realloc(t.v, cap * sizeof *t.v);
            assert_non_null(t.v);
        }
        char *p = line;
        for (size_t c = 0; c < t.cols; c++) {
            char *end;
            double x = strtod(p, &end);
            t.v[t.rows * t.cols + c] = end == p ? NAN : x;
            p = strchr(end, ',');
            p = p ? p + 1 : end;
        }
        t.rows++;
    }
    fclose(f);
    return t;
}

static double cell(const csv_table *t, size_t r, size_t c) { return t->v[r * t->cols + c]; }

static void test_golden_series(void **st) {
    (void)st;
    csv_table s = read_csv("labels_series.csv"); /* t,close,fwd5,logfwd5,sign5,vol20,side */
    size_t n = s.rows;
    assert_int_equal(n, 400);
    double *c = malloc(n * sizeof *c), *out = malloc(n * sizeof *out);
    for (size_t i = 0; i < n; i++) c[i] = cell(&s, i, 1);
    qc_error err = {0};
    assert_int_equal(qc_label_forward_return(c, n, 5, 0, out, &err), QC_OK);
    for (size_t i = 0; i < n; i++) near(out[i], cell(&s, i, 2), 1e-14);
    assert_int_equal(qc_label_forward_return(c, n, 5, 1, out, &err), QC_OK);
    for (size_t i = 0; i < n; i++) near(out[i], cell(&s, i, 3), 1e-14);
    assert_int_equal(qc_label_sign(c, n, 5, 0.004, out, &err), QC_OK);
    for (size_t i = 0; i < n; i++) near(out[i], cell(&s, i, 4), 0);
    assert_int_equal(qc_label_ewm_vol(c, n, 20, out, &err), QC_OK);
    for (size_t i = 0; i < n; i++) near(out[i], cell(&s, i, 5), 1e-12);
    free(c), free(out), free(s.v);
}

static void check_events_golden(const char *file, int meta) {
    csv_table s = read_csv("labels_series.csv"), g = read_csv(file);
    size_t n = s.rows;
    double *c = malloc(n * sizeof *c), *vol = malloc(n * sizeof *vol), *side = malloc(n * sizeof *side);
    for (size_t i = 0; i < n; i++) c[i] = cell(&s, i, 1), side[i] = cell(&s, i, 6);
    qc_error err = {0};
    assert_int_equal(qc_label_ewm_vol(c, n, 20, vol, &err), QC_OK);
    size_t tev[400], k = 0;
    for (size_t t = 5; t < n; t += 3) tev[k++] = t;
    qc_tb_opts o;
    qc_tb_opts_init(&o);
    o.pt = 2, o.sl = 1, o.max_hold = 10;
    qc_label_event *ev = malloc(k * sizeof *ev);
    size_t m;
    assert_int_equal(qc_label_triple_barrier(c, n, tev, k, vol, meta ? side : NULL, &o, ev, &m, &err), QC_OK);
    assert_int_equal(m, g.rows);
    double *u = malloc(m * sizeof *u), *w = malloc(m * sizeof *w), avg;
    assert_int_equal(qc_label_uniqueness(ev, m, n, u, &avg, &err), QC_OK);
    assert_int_equal(qc_label_return_weights(ev, m, c, n, w, &err), QC_OK);
    for (size_t i = 0; i < m; i++) { /* t0,t1,target,ret,label,barrier,uniq,w,avg_uniq,cv_horizon */
        assert_int_equal(ev[i].t0, (size_t)cell(&g, i, 0));
        assert_int_equal(ev[i].t1, (size_t)cell(&g, i, 1));
        near(ev[i].target, cell(&g, i, 2), 1e-12);
        near(ev[i].ret, cell(&g, i, 3), 1e-14);
        assert_int_equal(ev[i].label, (int)cell(&g, i, 4));
        assert_int_equal(ev[i].barrier, (int)cell(&g, i, 5));
        near(u[i], cell(&g, i, 6), 1e-13);
        near(w[i], cell(&g, i, 7), 1e-12);
    }
    near(avg, cell(&g, 0, 8), 1e-13);
    assert_int_equal(qc_label_cv_horizon(ev, m), (size_t)cell(&g, 0, 9));
    free(c), free(vol), free(side), free(ev), free(u), free(w), free(s.v), free(g.v);
}

static void test_golden_events(void **st) {
    (void)st;
    check_events_golden("labels_events.csv", 0);
}

static void test_golden_meta(void **st) {
    (void)st;
    check_events_golden("labels_meta.csv", 1);
}

/* ---- purged cross-validation consumes the intervals ---------------------------------------------- */

static int overlaps(const qc_label_event *a, const qc_label_event *b) { return a->t0 <= b->t1 && b->t0 <= a->t1; }

static void test_purged_cv_on_label_intervals(void **st) {
    (void)st;
    /* a random walk, events every 2nd bar, barriers of varying reach */
    size_t n = 3000;
    double *c = malloc(n * sizeof *c), *vol = malloc(n * sizeof *vol);
    uint64_t x = 12345;
    c[0] = 100;
    for (size_t i = 1; i < n; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        c[i] = c[i - 1] * (1 + 0.02 * ((double)(x >> 11) / 9007199254740992.0 - 0.5));
    }
    qc_error err = {0};
    assert_int_equal(qc_label_ewm_vol(c, n, 50, vol, &err), QC_OK);
    size_t *tev = malloc(n * sizeof *tev), k = 0;
    for (size_t t = 10; t < n; t += 2) tev[k++] = t;
    qc_label_event *ev = malloc(k * sizeof *ev);
    size_t m;
    qc_tb_opts o;
    qc_tb_opts_init(&o);
    o.pt = 3, o.sl = 2, o.max_hold = 40;
    assert_int_equal(qc_label_triple_barrier(c, n, tev, k, vol, NULL, &o, ev, &m, &err), QC_OK);
    qc_cv_opts co;
    qc_cv_opts_init(&co);
    co.scheme = QC_CV_PURGED;
    co.n = m;
    co.folds = 5;
    co.horizon = qc_label_cv_horizon(ev, m);
    co.embargo = 3;
    assert_true(co.horizon >= 1 && co.horizon <= 20);
    qc_cv_plan p;
    assert_int_equal(qc_cv_plan_build(&co, &p, &err), QC_OK);
    size_t checked = 0;
    for (size_t s = 0; s < p.n_splits; s++)
        for (size_t a = 0; a < p.splits[s].n_train; a++)
            for (size_t i = p.splits[s].train[a].first; i <= p.splits[s].train[a].last; i++)
                for (size_t b = 0; b < p.splits[s].n_test; b++)
                    for (size_t j = p.splits[s].test[b].first; j <= p.splits[s].test[b].last; j++, checked++)
                        if (overlaps(&ev[i], &ev[j]))
                            fail_msg("split %zu: train event %zu [%zu,%zu] meets test event %zu [%zu,%zu]", s, i,
                                     ev[i].t0, ev[i].t1, j, ev[j].t0, ev[j].t1);
    assert_true(checked > 100000);
    qc_cv_plan_free(&p);
    free(c), free(vol), free(tev), free(ev);
}

/* Changing bars after t1 changes no earlier event's label (no look-ahead). */
static void test_no_lookahead(void **st) {
    (void)st;
    double c[60], c2[60];
    for (int i = 0; i < 60; i++) c[i] = c2[i] = 100 + 3 * sin(i * 0.7) + 0.1 * i;
    qc_tb_opts o;
    qc_tb_opts_init(&o);
    o.pt = 0.02, o.sl = 0.02, o.max_hold = 5;
    qc_label_event a[60], b[60];
    size_t na, nb;
    qc_error err = {0};
    assert_int_equal(qc_label_triple_barrier(c, 60, NULL, 0, NULL, NULL, &o, a, &na, &err), QC_OK);
    for (int i = 40; i < 60; i++) c2[i] = 1000 - i;
    assert_int_equal(qc_label_triple_barrier(c2, 60, NULL, 0, NULL, NULL, &o, b, &nb, &err), QC_OK);
    size_t same = 0;
    for (size_t i = 0; i < na && a[i].t1 < 40; i++, same++) {
        assert_int_equal(a[i].t1, b[i].t1);
        assert_int_equal(a[i].label, b[i].label);
    }
    assert_true(same > 20);
    /* the last events have no vertical barrier inside the data and touch nothing: skipped */
    assert_true(a[na - 1].t1 <= 59);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_forward_and_sign),
        cmocka_unit_test(test_triple_barrier_small),
        cmocka_unit_test(test_overlap_small),
        cmocka_unit_test(test_golden_series),
        cmocka_unit_test(test_golden_events),
        cmocka_unit_test(test_golden_meta),
        cmocka_unit_test(test_purged_cv_on_label_intervals),
        cmocka_unit_test(test_no_lookahead),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
