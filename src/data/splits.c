/* splits.c: the cross-validation splitters (k-fold, purged k-fold with embargo, walk-forward, CPCV
 * with path assembly). A split's training set is the complement of its test blocks widened by the
 * purge and embargo: for a contiguous test block [a, b] with label horizon h and embargo e, train
 * loses [a - h, a - 1] (labels reaching into the block) and [b + 1, b + h + e] (labels starting
 * inside the block's last label interval, then the embargo). Reference: Lopez de Prado (2018)
 * ch. 7 and 12. */
#include "data/splits.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SPLITS 1000000u

void qc_cv_opts_init(qc_cv_opts *o) {
    memset(o, 0, sizeof *o);
    o->folds = 5;
    o->groups = 6;
    o->test_groups = 2;
}

static const char *const k_scheme_names[] = {"kfold", "purged", "walkforward", "cpcv"};

qc_err qc_cv_scheme_parse(const char *s, qc_cv_scheme *out, qc_error *err) {
    for (size_t i = 0; s && i < sizeof k_scheme_names / sizeof k_scheme_names[0]; i++)
        if (strcmp(s, k_scheme_names[i]) == 0) {
            *out = (qc_cv_scheme)i;
            return QC_OK;
        }
    return qc_err_set(err, QC_ERR_INPUT, "unknown scheme '%.40s' (expected kfold, purged, walkforward or cpcv)",
                      s ? s : "");
}

const char *qc_cv_scheme_name(qc_cv_scheme s) {
    return (unsigned)s < sizeof k_scheme_names / sizeof k_scheme_names[0] ? k_scheme_names[s] : "?";
}

size_t qc_cv_choose(size_t n, size_t k) {
    if (k > n) return 0;
    if (k > n - k) k = n - k;
    size_t r = 1;
    for (size_t i = 1; i <= k; i++) {
        size_t num = n - k + i;
        /* r * num / i stays an integer at every step; guard the product */
        if (r > SIZE_MAX / num) return SIZE_MAX;
        r = r * num / i;
    }
    return r;
}

size_t qc_cv_ranges_count(const qc_cv_range *r, size_t n) {
    size_t c = 0;
    for (size_t i = 0; i < n; i++) c += r[i].last - r[i].first + 1;
    return c;
}

/* ---- plan building ---------------------------------------------------------------------------- */

/* n observations in k contiguous atoms; the first n % k atoms hold one more. */
static void equal_atoms(size_t n, size_t k, qc_cv_range *atoms) {
    size_t base = n / k, extra = n % k, at = 0;
    for (size_t i = 0; i < k; i++) {
        size_t len = base + (i < extra ? 1 : 0);
        atoms[i] = (qc_cv_range){at, at + len - 1};
        at += len;
    }
}

/* Test ranges of the atoms flagged in `in` (ascending), adjacent atoms merged into one block. */
static size_t merge_atoms(const qc_cv_range *atoms, size_t n_atoms, const unsigned char *in, qc_cv_range *out) {
    size_t k = 0;
    for (size_t g = 0; g < n_atoms; g++) {
        if (!in[g]) continue;
        if (k && g > 0 && in[g - 1]) out[k - 1].last = atoms[g].last;
        else out[k++] = atoms[g];
    }
    return k;
}

/* Train = [0, n) minus every test block widened to [a - h, b + h + e] (purge and embargo). The
 * test blocks are sorted and disjoint, so the widened ones are sorted by start. */
static size_t complement(size_t n, const qc_cv_range *test, size_t n_test, size_t h, size_t e, qc_cv_range *out) {
    size_t k = 0, next = 0; /* next: first index not yet excluded or emitted */
    for (size_t i = 0; i < n_test; i++) {
        size_t lo = test[i].first >= h ? test[i].first - h : 0;
        size_t hi = test[i].last + h + e;
        if (hi >= n || hi < test[i].last) hi = n - 1;
        if (lo > next) out[k++] = (qc_cv_range){next, lo - 1};
        if (hi + 1 > next) next = hi + 1;
    }
    if (next < n) out[k++] = (qc_cv_range){next, n - 1};
    return k;
}

static qc_err alloc_split(qc_cv_split *s, size_t n_test, size_t n_train_max, qc_error *err) {
    s->test = malloc((n_test ? n_test : 1) * sizeof *s->test);
    s->train = malloc((n_train_max ? n_train_max : 1) * sizeof *s->train);
    return s->test && s->train ? QC_OK : qc_err_set(err, QC_ERR_NOMEM, "cv: out of memory");
}

/* Fills split i from a mask of test atoms; purging when h or e is non-zero. */
static qc_err make_split(qc_cv_plan *p, size_t i, const unsigned char *in, size_t h, size_t e, qc_error *err) {
    qc_cv_split *s = &p->splits[i];
    qc_err rc = alloc_split(s, p->n_atoms, p->n_atoms + 1, err);
    if (rc) return rc;
    s->n_test = merge_atoms(p->atoms, p->n_atoms, in, s->test);
    s->n_train = complement(p->n, s->test, s->n_test, h, e, s->train);
    if (s->n_train == 0)
        return qc_err_set(err, QC_ERR_INPUT,
                          "cv: split %zu has no training observations left after purging (horizon %zu, embargo %zu)",
                          i, h, e);
    return QC_OK;
}

static qc_err plan_alloc(qc_cv_plan *p, size_t n_splits, size_t n_atoms, qc_error *err) {
    p->splits = calloc(n_splits, sizeof *p->splits);
    p->atoms = calloc(n_atoms, sizeof *p->atoms);
    if (!p->splits || !p->atoms) return qc_err_set(err, QC_ERR_NOMEM, "cv: out of memory");
    p->n_splits = n_splits;
    p->n_atoms = n_atoms;
    return QC_OK;
}

static qc_err build_kfold(const qc_cv_opts *o, qc_cv_plan *p, qc_error *err) {
    size_t k = o->folds;
    if (k < 2) return qc_err_set(err, QC_ERR_INPUT, "cv: --folds must be >= 2, got %zu", k);
    if (k > o->n) return qc_err_set(err, QC_ERR_INPUT, "cv: --folds %zu exceeds the %zu observations", k, o->n);
    int purged = o->scheme == QC_CV_PURGED;
    qc_err rc = plan_alloc(p, k, k, err);
    if (rc) return rc;
    equal_atoms(o->n, k, p->atoms);
    unsigned char *in = calloc(k, 1);
    if (!in) return qc_err_set(err, QC_ERR_NOMEM, "cv: out of memory");
    for (size_t i = 0; i < k && !rc; i++) {
        memset(in, 0, k);
        in[i] = 1;
        rc = make_split(p, i, in, purged ? o->horizon : 0, purged ? o->embargo : 0, err);
    }
    free(in);
    return rc;
}

/* The C(N, k) test-group sets in lexicographic order, then the paths: the j-th split (in split
 * order) that tests group g supplies group g of path j. */
static qc_err build_cpcv(const qc_cv_opts *o, qc_cv_plan *p, qc_error *err) {
    size_t ng = o->groups, kt = o->test_groups;
    if (ng < 2) return qc_err_set(err, QC_ERR_INPUT, "cv: --groups must be >= 2, got %zu", ng);
    if (ng > o->n) return qc_err_set(err, QC_ERR_INPUT, "cv: --groups %zu exceeds the %zu observations", ng, o->n);
    if (kt < 1 || kt >= ng)
        return qc_err_set(err, QC_ERR_INPUT, "cv: --test-groups must be in [1, %zu] for %zu groups, got %zu", ng - 1,
                          ng, kt);
    size_t ns = qc_cv_choose(ng, kt);
    if (ns > MAX_SPLITS)
        return qc_err_set(err, QC_ERR_INPUT, "cv: C(%zu, %zu) splits is more than %u", ng, kt, MAX_SPLITS);
    qc_err rc = plan_alloc(p, ns, ng, err);
    if (rc) return rc;
    equal_atoms(o->n, ng, p->atoms);
    size_t n_paths = qc_cv_choose(ng - 1, kt - 1); /* = k/N * C(N,k): splits testing one group */
    size_t *idx = malloc(kt * sizeof *idx), *seen = calloc(ng, sizeof *seen);
    unsigned char *in = calloc(ng, 1);
    p->paths = malloc(n_paths * ng * sizeof *p->paths);
    if (!idx || !seen || !in || !p->paths) rc = qc_err_set(err, QC_ERR_NOMEM, "cv: out of memory");
    for (size_t j = 0; j < kt && !rc; j++) idx[j] = j;
    p->n_paths = rc ? 0 : n_paths;
    for (size_t s = 0; s < ns && !rc; s++) {
        memset(in, 0, ng);
        for (size_t j = 0; j < kt; j++) {
            in[idx[j]] = 1;
            p->paths[seen[idx[j]]++ * ng + idx[j]] = (qc_cv_path_step){idx[j], s};
        }
        rc = make_split(p, s, in, o->horizon, o->embargo, err);
        /* next combination */
        size_t j = kt;
        while (j > 0 && idx[j - 1] == ng - kt + j - 1) j--;
        if (j == 0) break;
        idx[j - 1]++;
        for (size_t m = j; m < kt; m++) idx[m] = idx[m - 1] + 1;
    }
    free(idx);
    free(seen);
    free(in);
    return rc;
}

/* Test windows of `test` observations aligned to end at n - 1; train ends max(gap, horizon)
 * observations before each test window. */
static qc_err build_walkforward(const qc_cv_opts *o, qc_cv_plan *p, qc_error *err) {
    if (o->train < 1) return qc_err_set(err, QC_ERR_INPUT, "cv: walkforward needs --train T >= 1");
    if (o->test < 1) return qc_err_set(err, QC_ERR_INPUT, "cv: walkforward needs --test T >= 1");
    size_t d = o->gap > o->horizon ? o->gap : o->horizon;
    if (o->train > o->n || d > o->n - o->train || o->test > o->n - o->train - d)
        return qc_err_set(err, QC_ERR_INPUT,
                          "cv: --train %zu + gap %zu + --test %zu is more than the %zu observations", o->train, d,
                          o->test, o->n);
    size_t m = (o->n - o->train - d) / o->test;
    if (m > MAX_SPLITS) return qc_err_set(err, QC_ERR_INPUT, "cv: more than %u walk-forward windows", MAX_SPLITS);
    qc_err rc = plan_alloc(p, m, m, err);
    for (size_t i = 0; i < m && !rc; i++) {
        size_t s0 = o->n - (m - i) * o->test, last = s0 - d - 1;
        p->atoms[i] = (qc_cv_range){s0, s0 + o->test - 1};
        qc_cv_split *s = &p->splits[i];
        rc = alloc_split(s, 1, 1, err);
        if (rc) break;
        s->test[0] = p->atoms[i];
        s->train[0] = (qc_cv_range){o->expanding ? 0 : last + 1 - o->train, last};
        s->n_test = s->n_train = 1;
    }
    return rc;
}

qc_err qc_cv_plan_build(const qc_cv_opts *o, qc_cv_plan *plan, qc_error *err) {
    memset(plan, 0, sizeof *plan);
    plan->scheme = o->scheme;
    plan->n = o->n;
    if (o->n < 2) return qc_err_set(err, QC_ERR_INPUT, "cv: need at least 2 observations, got %zu", o->n);
    qc_err rc;
    switch (o->scheme) {
    case QC_CV_KFOLD:
    case QC_CV_PURGED: rc = build_kfold(o, plan, err); break;
    case QC_CV_CPCV: rc = build_cpcv(o, plan, err); break;
    case QC_CV_WALKFORWARD: rc = build_walkforward(o, plan, err); break;
    default: rc = qc_err_set(err, QC_ERR_INPUT, "cv: unknown scheme %d", (int)o->scheme);
    }
    if (rc) qc_cv_plan_free(plan);
    return rc;
}

void qc_cv_plan_free(qc_cv_plan *plan) {
    for (size_t i = 0; plan->splits && i < plan->n_splits; i++) {
        free(plan->splits[i].train);
        free(plan->splits[i].test);
    }
    free(plan->splits);
    free(plan->atoms);
    free(plan->paths);
    memset(plan, 0, sizeof *plan);
}
