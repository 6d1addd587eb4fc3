/* test_validation.c: backtest/validation.c. Hand-computed splits for every scheme (AFML ch. 7 and
 * 12 definitions worked by hand on small n), property checks over many argument sets (no train
 * observation's label interval meets a test label interval, the embargo follows the purge, every
 * observation tested the expected number of times, CPCV paths cover every group once), bad
 * arguments rejected, and PBO by CSCV: the numpy golden (tests/golden/gen_pbo.py), ~0.5 on noise
 * trials over a random walk, ~0 with one planted edge. */
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

#define GOLDEN_DIR QC_TEST_DIR "/golden/"

static qc_cv_plan build(qc_cv_opts *o) {
    qc_cv_plan p;
    qc_error err = {0};
    if (qc_cv_plan_build(o, &p, &err)) fail_msg("build: %s", err.msg);
    return p;
}

/* "[0,3] [7,9]" */
static void fmt_ranges(const qc_cv_range *r, size_t n, char *buf, size_t cap) {
    size_t k = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && k < cap; i++)
        k += (size_t)snprintf(buf + k, cap - k, "%s[%zu,%zu]", i ? " " : "", r[i].first, r[i].last);
}

static void expect_split(const qc_cv_plan *p, size_t i, const char *train, const char *test) {
    char b[512];
    assert_true(i < p->n_splits);
    fmt_ranges(p->splits[i].train, p->splits[i].n_train, b, sizeof b);
    assert_string_equal(b, train);
    fmt_ranges(p->splits[i].test, p->splits[i].n_test, b, sizeof b);
    assert_string_equal(b, test);
}

/* ---- hand-computed cases ---------------------------------------------------------------------- */

static void test_kfold_small(void **st) {
    (void)st;
    qc_cv_opts o;
    qc_cv_opts_init(&o);
    o.scheme = QC_CV_KFOLD;
    o.n = 10;
    o.folds = 3; /* sizes 4, 3, 3: the first n % K folds get one more */
    qc_cv_plan p = build(&o);
    assert_int_equal(p.n_splits, 3);
    expect_split(&p, 0, "[4,9]", "[0,3]");
    expect_split(&p, 1, "[0,3] [7,9]", "[4,6]");
    expect_split(&p, 2, "[0,6]", "[7,9]");
    assert_int_equal(p.n_paths, 0);
    qc_cv_plan_free(&p);
}

/* n = 20, K = 4, horizon 2, embargo 1. Fold [5,9]: its labels span [5,11]; train 3 ([3,5]) and 4
 * are purged, 2 ([2,4]) is kept; after the fold, 10 and 11 are purged (labels start inside
 * [5,11]) and the embargo then drops one more, 12 = last_test + h + e; 13 is kept. */
static void test_purged_small(void **st) {
    (void)st;
    qc_cv_opts o;
    qc_cv_opts_init(&o);
    o.scheme = QC_CV_PURGED;
    o.n = 20;
    o.folds = 4;
    o.horizon = 2;
    o.embargo = 1;
    qc_cv_plan p = build(&o);
    expect_split(&p, 0, "[8,19]", "[0,4]");
    expect_split(&p, 1, "[0,2] [13,19]", "[5,9]");
    expect_split(&p, 2, "[0,7] [18,19]", "[10,14]");
    expect_split(&p, 3, "[0,12]", "[15,19]");
    qc_cv_plan_free(&p);
    /* the embargo counts from the end of the purge, not from the test block: with h = 0 it is e */
    o.horizon = 0;
    o.embargo = 3;
    p = build(&o);
    expect_split(&p, 1, "[0,4] [13,19]", "[5,9]");
    qc_cv_plan_free(&p);
}

/* N = 6, k = 2 over 60 observations: 15 splits in lexicographic order, 5 paths. */
static void test_cpcv_small(void **st) {
    (void)st;
    qc_cv_opts o;
    qc_cv_opts_init(&o);
    o.scheme = QC_CV_CPCV;
    o.n = 60;
    o.groups = 6;
    o.test_groups = 2;
    qc_cv_plan p = build(&o);
    assert_int_equal(p.n_splits, 15);
    assert_int_equal(p.n_paths, 5);
    expect_split(&p, 0, "[20,59]", "[0,19]");           /* groups 0,1 adjacent: one block */
    expect_split(&p, 1, "[10,19] [30,59]", "[0,9] [20,29]");
    expect_split(&p, 14, "[0,39]", "[40,59]");          /* groups 4,5 */
    /* path 0: group 0 and 1 from split (0,1), then 2..5 from (0,2), (0,3), (0,4), (0,5) */
    static const size_t path0[6] = {0, 0, 1, 2, 3, 4};
    /* path 1: group 0 from (0,2) = 1; group 1 from (1,2) = 5; 2 from (1,2) = 5; 3 from (1,3) = 6 ... */
    static const size_t path1[6] = {1, 5, 5, 6, 7, 8};
    static const size_t path4[6] = {4, 8, 11, 13, 14, 14};
    for (size_t g = 0; g < 6; g++) {
        assert_int_equal(p.paths[0 * 6 + g].split, path0[g]);
        assert_int_equal(p.paths[1 * 6 + g].split, path1[g]);
        assert_int_equal(p.paths[4 * 6 + g].split, path4[g]);
        assert_int_equal(p.paths[4 * 6 + g].group, g);
    }
    qc_cv_plan_free(&p);
    /* with purging: groups 0 and 2 tested, h = 2, e = 1: [0,9] widens to [0,12], [20,29] to [18,32] */
    o.horizon = 2;
    o.embargo = 1;
    p = build(&o);
    expect_split(&p, 1, "[13,17] [33,59]", "[0,9] [20,29]");
    qc_cv_plan_free(&p);
}

static void test_walkforward_small(void **st) {
    (void)st;
    qc_cv_opts o;
    qc_cv_opts_init(&o);
    o.scheme = QC_CV_WALKFORWARD;
    o.n = 20;
    o.train = 5;
    o.test = 4;
    o.gap = 1; /* m = (20 - 5 - 1) / 4 = 3 windows, aligned to end at 19 */
    qc_cv_plan p = build(&o);
    assert_int_equal(p.n_splits, 3);
    expect_split(&p, 0, "[2,6]", "[8,11]");
    expect_split(&p, 1, "[6,10]", "[12,15]");
    expect_split(&p, 2, "[10,14]", "[16,19]");
    qc_cv_plan_free(&p);
    o.expanding = 1;
    o.gap = 0;
    o.horizon = 2; /* labels of train obs must end before the test window: train ends 3 before it */
    p = build(&o);
    expect_split(&p, 0, "[0,5]", "[8,11]");
    expect_split(&p, 2, "[0,13]", "[16,19]");
    qc_cv_plan_free(&p);
}

/* ---- properties ------------------------------------------------------------------------------- */

static void check_ranges(const qc_cv_range *r, size_t n, size_t n_obs) {
    for (size_t i = 0; i < n; i++) {
        assert_true(r[i].first <= r[i].last);
        assert_true(r[i].last < n_obs);
        if (i) assert_true(r[i].first > r[i - 1].last + 1); /* sorted, disjoint, maximal */
    }
}

/* No train obs j has [j, j+h] meeting any test [i, i+h]; none lies in (b, b+h+e] after a test
 * block ending at b; kfold without purging: train and test partition [0, n). */
static void check_split(const qc_cv_plan *p, const qc_cv_split *s, size_t h, size_t e, int purged) {
    size_t n = p->n;
    unsigned char *label = calloc(n + h + 1, 1), *test = calloc(n, 1), *emb = calloc(n + h + e + 1, 1);
    assert_non_null(label);
    check_ranges(s->train, s->n_train, n);
    check_ranges(s->test, s->n_test, n);
    for (size_t k = 0; k < s->n_test; k++) {
        for (size_t i = s->test[k].first; i <= s->test[k].last; i++) {
            test[i] = 1;
            for (size_t d = 0; d <= h; d++) label[i + d] = 1;
        }
        for (size_t j = s->test[k].last + 1; j <= s->test[k].last + h + e; j++) emb[j] = 1;
    }
    size_t covered = 0;
    for (size_t k = 0; k < s->n_train; k++)
        for (size_t j = s->train[k].first; j <= s->train[k].last; j++) {
            covered++;
            assert_false(test[j]);
            for (size_t d = 0; d <= h; d++) assert_false(label[j + d]);
            assert_false(emb[j]);
        }
    if (!purged) assert_int_equal(covered + qc_cv_ranges_count(s->test, s->n_test), n);
    free(label);
    free(test);
    free(emb);
}

static void check_tested_times(const qc_cv_plan *p, size_t times) {
    size_t *c = calloc(p->n, sizeof *c);
    for (size_t i = 0; i < p->n_splits; i++)
        for (size_t k = 0; k < p->splits[i].n_test; k++)
            for (size_t j = p->splits[i].test[k].first; j <= p->splits[i].test[k].last; j++) c[j]++;
    for (size_t j = 0; j < p->n; j++) assert_int_equal(c[j], times);
    free(c);
}

static int split_tests_atom(const qc_cv_split *s, const qc_cv_range *a) {
    for (size_t k = 0; k < s->n_test; k++)
        if (s->test[k].first <= a->first && a->last <= s->test[k].last) return 1;
    return 0;
}

/* every path has each group once, from a split that tests it; each (group, split) used once */
static void check_paths(const qc_cv_plan *p) {
    size_t ng = p->n_atoms;
    unsigned char *used = calloc(ng * p->n_splits, 1);
    for (size_t q = 0; q < p->n_paths; q++)
        for (size_t g = 0; g < ng; g++) {
            const qc_cv_path_step *st = &p->paths[q * ng + g];
            assert_int_equal(st->group, g);
            assert_true(st->split < p->n_splits);
            assert_true(split_tests_atom(&p->splits[st->split], &p->atoms[g]));
            assert_false(used[g * p->n_splits + st->split]);
            used[g * p->n_splits + st->split] = 1;
        }
    free(used);
}

static void test_properties_kfold_purged(void **st) {
    (void)st;
    for (size_t n = 7; n <= 61; n += 9)
        for (size_t k = 2; k <= 6 && k <= n; k++)
            for (size_t h = 0; h <= 3; h++)
                for (size_t e = 0; e <= 2; e++) {
                    qc_cv_opts o;
                    qc_cv_opts_init(&o);
                    o.scheme = h || e ? QC_CV_PURGED : QC_CV_KFOLD;
                    o.n = n;
                    o.folds = k;
                    o.horizon = h;
                    o.embargo = e;
                    qc_cv_plan p;
                    qc_error err = {0};
                    if (qc_cv_plan_build(&o, &p, &err)) continue; /* too small to leave a train set */
                    assert_int_equal(p.n_splits, k);
                    for (size_t i = 0; i < p.n_splits; i++) check_split(&p, &p.splits[i], h, e, h || e);
                    check_tested_times(&p, 1);
                    qc_cv_plan_free(&p);
                }
}

static void test_properties_cpcv(void **st) {
    (void)st;
    for (size_t ng = 2; ng <= 8; ng++)
        for (size_t kt = 1; kt < ng; kt++)
            for (size_t h = 0; h <= 2; h += 2) {
                qc_cv_opts o;
                qc_cv_opts_init(&o);
                o.scheme = QC_CV_CPCV;
                o.n = 97;
                o.groups = ng;
                o.test_groups = kt;
                o.horizon = h;
                o.embargo = h / 2;
                qc_cv_plan p;
                qc_error err = {0};
                if (qc_cv_plan_build(&o, &p, &err)) {
                    assert_int_equal(kt, ng - 1); /* only "all but one group" can run out of train */
                    continue;
                }
                size_t phi = qc_cv_choose(ng - 1, kt - 1);
                assert_int_equal(p.n_splits, qc_cv_choose(ng, kt));
                assert_int_equal(p.n_paths, phi);
                assert_int_equal(p.n_paths * ng, kt * p.n_splits); /* phi = k/N C(N,k) */
                for (size_t i = 0; i < p.n_splits; i++) check_split(&p, &p.splits[i], h, h / 2, h > 0);
                check_tested_times(&p, phi);
                check_paths(&p);
                qc_cv_plan_free(&p);
            }
}

static void test_properties_walkforward(void **st) {
    (void)st;
    for (size_t tr = 1; tr <= 9; tr += 4)
        for (size_t te = 1; te <= 7; te += 3)
            for (size_t gap = 0; gap <= 2; gap++) {
                qc_cv_opts o;
                qc_cv_opts_init(&o);
                o.scheme = QC_CV_WALKFORWARD;
                o.n = 40;
                o.train = tr;
                o.test = te;
                o.gap = gap;
                o.expanding = (int)(gap & 1);
                qc_cv_plan p = build(&o);
                for (size_t i = 0; i < p.n_splits; i++) {
                    const qc_cv_split *s = &p.splits[i];
                    assert_int_equal(s->n_test, 1);
                    assert_int_equal(s->test[0].last - s->test[0].first + 1, te);
                    assert_int_equal(s->train[0].last + gap + 1, s->test[0].first); /* train strictly before */
                    if (!o.expanding) assert_int_equal(s->train[0].last - s->train[0].first + 1, tr);
                    if (i) assert_int_equal(s->test[0].first, p.splits[i - 1].test[0].last + 1);
                }
                assert_int_equal(p.splits[p.n_splits - 1].test[0].last, 39);
                qc_cv_plan_free(&p);
            }
}

static void expect_error(qc_cv_opts *o, const char *needle) {
    qc_cv_plan p;
    qc_error err = {0};
    assert_int_equal(qc_cv_plan_build(o, &p, &err), QC_ERR_INPUT);
    if (!strstr(err.msg, needle)) fail_msg("error '%s' does not mention '%s'", err.msg, needle);
    assert_null(p.splits);
}

static void test_bad_arguments(void **st) {
    (void)st;
    qc_cv_opts o;
    qc_cv_opts_init(&o);
    o.n = 10;
    o.folds = 1;
    expect_error(&o, "--folds must be >= 2");
    o.folds = 11;
    expect_error(&o, "exceeds the 10 observations");
    o.scheme = QC_CV_PURGED;
    o.folds = 2;
    o.horizon = 5;
    o.embargo = 1;
    expect_error(&o, "no training observations");
    o.scheme = QC_CV_CPCV;
    o.horizon = o.embargo = 0;
    o.groups = 6;
    o.test_groups = 6;
    expect_error(&o, "--test-groups must be in [1, 5]");
    o.test_groups = 0;
    expect_error(&o, "--test-groups");
    o.groups = 11;
    o.test_groups = 2;
    expect_error(&o, "--groups 11 exceeds");
    o.groups = 40;
    o.test_groups = 20;
    o.n = 100;
    expect_error(&o, "splits is more than");
    o.scheme = QC_CV_WALKFORWARD;
    o.n = 10;
    expect_error(&o, "--train");
    o.train = 6;
    o.test = 4;
    o.gap = 1;
    expect_error(&o, "more than the 10 observations");
    o.n = 1;
    expect_error(&o, "at least 2 observations");
    qc_cv_scheme s;
    qc_error err = {0};
    assert_int_equal(qc_cv_scheme_parse("kfold", &s, &err), QC_OK);
    assert_int_equal(s, QC_CV_KFOLD);
    assert_int_equal(qc_cv_scheme_parse("cpcv", &s, &err), QC_OK);
    assert_int_equal(s, QC_CV_CPCV);
    assert_int_equal(qc_cv_scheme_parse("kfolds", &s, &err), QC_ERR_INPUT);
    assert_non_null(strstr(err.msg, "expected kfold, purged, walkforward or cpcv"));
}

static void test_choose(void **st) {
    (void)st;
    assert_int_equal(qc_cv_choose(6, 2), 15);
    assert_int_equal(qc_cv_choose(16, 8), 12870);
    assert_int_equal(qc_cv_choose(5, 0), 1);
    assert_int_equal(qc_cv_choose(3, 4), 0);
    assert_int_equal(qc_cv_choose(60, 30), 118264581564861424ULL);
    assert_int_equal(qc_cv_choose(200, 100), SIZE_MAX);
}

/* ---- moments and PBO -------------------------------------------------------------------------- */

static void test_moments_merge(void **st) {
    (void)st;
    double x[9] = {0.01, -0.02, 0.005, 0.03, -0.01, 0.0, 0.02, -0.015, 0.007};
    qc_moments all = {0}, a = {0}, b = {0};
    for (int i = 0; i < 9; i++) {
        qc_moments_add(&all, x[i]);
        qc_moments_add(i < 4 ? &a : &b, x[i]);
    }
    qc_moments_merge(&a, &b);
    assert_true(fabs(a.mean - all.mean) < 1e-17);
    assert_true(fabs(a.m2 - all.m2) < 1e-17);
    assert_true(fabs(qc_moments_sharpe(&a) - qc_moments_sharpe(&all)) < 1e-14);
    qc_moments zero = {0};
    for (int i = 0; i < 5; i++) qc_moments_add(&zero, 0.0);
    assert_true(qc_moments_sharpe(&zero) == 0.0);
}

/* splitmix64 + Box-Muller: a deterministic normal stream */
static uint64_t g_rng = 0x9E3779B97F4A7C15ULL;
static double unif(void) {
    uint64_t z = (g_rng += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    return ((double)(z >> 11) + 0.5) / 9007199254740992.0;
}
static double normal(void) { return sqrt(-2 * log(unif())) * cos(6.283185307179586 * unif()); }

static void test_pbo_golden(void **st) {
    (void)st;
    enum { T = 50, M = 6 };
    double *r = malloc(T * M * sizeof *r);
    FILE *f = fopen(GOLDEN_DIR "pbo_returns.csv", "r");
    assert_non_null(f);
    char line[4096];
    assert_non_null(fgets(line, sizeof line, f));
    for (int t = 0; t < T; t++) {
        assert_non_null(fgets(line, sizeof line, f));
        char *p = line;
        for (int m = 0; m < M; m++) {
            r[m * T + t] = strtod(p, &p);
            p++;
        }
    }
    fclose(f);
    f = fopen(GOLDEN_DIR "pbo_logits.csv", "r");
    assert_non_null(f);
    assert_non_null(fgets(line, sizeof line, f));
    qc_pbo pb = {0};
    size_t cur_s = 0, rows = 0;
    qc_error err = {0};
    while (fgets(line, sizeof line, f)) {
        size_t s = strtoul(line, NULL, 10);
        if (s != cur_s) {
            qc_pbo_free(&pb);
            assert_int_equal(qc_pbo_cscv(r, T, M, s, &pb, &err), QC_OK);
            cur_s = s;
        }
        char *c = strchr(line, ',') + 1;
        if (strncmp(c, "pbo,", 4) == 0) {
            double want = strtod(strrchr(line, ',') + 1, NULL);
            assert_true(fabs(pb.pbo - want) < 1e-12);
            continue;
        }
        size_t combo = strtoul(c, &c, 10);
        c = strchr(c + 1, ',') + 1; /* skip in_sample */
        size_t sel = strtoul(c, &c, 10);
        double is = strtod(c + 1, &c), oos = strtod(c + 1, &c), lg = strtod(c + 1, &c);
        assert_true(combo < pb.n_combos);
        assert_int_equal(pb.selected[combo], sel);
        if (fabs(pb.is_sharpe[combo] - is) > 1e-12 || fabs(pb.oos_sharpe[combo] - oos) > 1e-12 ||
            fabs(pb.logits[combo] - lg) > 1e-12)
            fail_msg("S=%zu combo %zu: got %.17g %.17g %.17g, golden %.17g %.17g %.17g", s, combo,
                     pb.is_sharpe[combo], pb.oos_sharpe[combo], pb.logits[combo], is, oos, lg);
        rows++;
    }
    assert_int_equal(rows, 20 + 6); /* C(6,3) + C(4,2) */
    assert_int_equal(pb.rows_used, 48);
    qc_pbo_free(&pb);
    fclose(f);
    free(r);
}

/* Trials that hold random +-1 positions on a random walk's increments are pure noise: the in-sample
 * winner is a coin flip out of sample. With one trial given a real edge, it wins both halves. */
static void test_pbo_noise_and_edge(void **st) {
    (void)st;
    enum { T = 1600, M = 40 };
    double *r = malloc(T * M * sizeof *r), *dp = malloc(T * sizeof *dp);
    double avg = 0;
    for (int rep = 0; rep < 4; rep++) {
        for (int t = 0; t < T; t++) dp[t] = 0.01 * normal();
        for (int m = 0; m < M; m++)
            for (int t = 0; t < T; t++) r[m * T + t] = (unif() < 0.5 ? -1 : 1) * dp[t];
        qc_pbo pb;
        qc_error err = {0};
        assert_int_equal(qc_pbo_cscv(r, T, M, 16, &pb, &err), QC_OK);
        assert_int_equal(pb.n_combos, 12870);
        assert_true(pb.pbo > 0.2 && pb.pbo < 0.8);
        avg += pb.pbo / 4;
        qc_pbo_free(&pb);
    }
    assert_true(avg > 0.35 && avg < 0.65);
    /* plant an edge in trial 17: it is long on most up days */
    for (int t = 0; t < T; t++) r[17 * T + t] = (unif() < 0.6 ? 1 : -1) * fabs(dp[t]);
    qc_pbo pb;
    qc_error err = {0};
    assert_int_equal(qc_pbo_cscv(r, T, M, 16, &pb, &err), QC_OK);
    assert_true(pb.pbo < 0.02);
    assert_true(pb.prob_oos_loss < 0.02);
    qc_pbo_free(&pb);
    assert_int_equal(qc_pbo_cscv(r, T, M, 15, &pb, &err), QC_ERR_INPUT);
    assert_non_null(strstr(err.msg, "must be even"));
    assert_int_equal(qc_pbo_cscv(r, T, 1, 16, &pb, &err), QC_ERR_INPUT);
    assert_int_equal(qc_pbo_cscv(r, 10, M, 16, &pb, &err), QC_ERR_INPUT);
    free(r);
    free(dp);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kfold_small),
        cmocka_unit_test(test_purged_small),
        cmocka_unit_test(test_cpcv_small),
        cmocka_unit_test(test_walkforward_small),
        cmocka_unit_test(test_properties_kfold_purged),
        cmocka_unit_test(test_properties_cpcv),
        cmocka_unit_test(test_properties_walkforward),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_choose),
        cmocka_unit_test(test_moments_merge),
        cmocka_unit_test(test_pbo_golden),
        cmocka_unit_test(test_pbo_noise_and_edge),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
