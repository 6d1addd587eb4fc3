/* cmd_cv.c: `quantcli cv`: prints the train/test index ranges of a cross-validation scheme over n
 * observations (backtest/validation.h) as a table or as JSON
 * {"splits": [{"train": [[first, last], ...], "test": [[first, last], ...]}, ...],
 *  "paths": [[{"group": g, "split": s}, ...], ...]} (paths for cpcv only), so users can inspect
 * and reuse them. Ranges are inclusive and 0-based. */
#include <stdlib.h>
#include <string.h>

#include "cli/cmd_cv.h"

qc_err qc_cli_cv_opts(const qc_args *a, qc_cv_opts *o, qc_error *err) {
    static const char *names[] = {"folds", "groups", "test-groups", "horizon", "embargo", "train", "test", "gap"};
    size_t *dst[] = {&o->folds, &o->groups, &o->test_groups, &o->horizon,
                     &o->embargo, &o->train, &o->test, &o->gap};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        long long v = (long long)*dst[i];
        qc_err rc = qc_args_int(a, names[i], 0, 1000000000000LL, &v, err);
        if (rc) return rc;
        *dst[i] = (size_t)v;
    }
    if (qc_args_has(a, "expanding")) o->expanding = 1;
    return QC_OK;
}

static void print_ranges(FILE *f, const qc_cv_range *r, size_t n) {
    fputc('[', f);
    for (size_t i = 0; i < n; i++) fprintf(f, "%s[%zu, %zu]", i ? ", " : "", r[i].first, r[i].last);
    fputc(']', f);
}

/* Written directly (one split per line): plans can hold many splits. */
static void print_json(FILE *f, const qc_cv_plan *p) {
    fprintf(f, "{\"splits\": [");
    for (size_t i = 0; i < p->n_splits; i++) {
        fprintf(f, "%s\n  {\"train\": ", i ? "," : "");
        print_ranges(f, p->splits[i].train, p->splits[i].n_train);
        fprintf(f, ", \"test\": ");
        print_ranges(f, p->splits[i].test, p->splits[i].n_test);
        fputc('}', f);
    }
    fprintf(f, "\n]");
    if (p->scheme == QC_CV_CPCV) {
        fprintf(f, ",\n\"paths\": [");
        for (size_t q = 0; q < p->n_paths; q++) {
            fprintf(f, "%s\n  [", q ? "," : "");
            for (size_t g = 0; g < p->n_atoms; g++) {
                const qc_cv_path_step *s = &p->paths[q * p->n_atoms + g];
                fprintf(f, "%s{\"group\": %zu, \"split\": %zu}", g ? ", " : "", s->group, s->split);
            }
            fputc(']', f);
        }
        fprintf(f, "\n]");
    }
    fprintf(f, "}\n");
}

/* "0-3 7-9" */
static char *ranges_text(const qc_cv_range *r, size_t n) {
    size_t cap = n * 44 + 1, k = 0;
    char *s = malloc(cap);
    if (!s) return NULL;
    s[0] = '\0';
    for (size_t i = 0; i < n; i++) k += (size_t)snprintf(s + k, cap - k, "%s%zu-%zu", i ? " " : "", r[i].first, r[i].last);
    return s;
}

static qc_err print_table(FILE *f, const qc_cv_plan *p, qc_error *err) {
    static const char *hdr[] = {"split", "n_train", "n_test", "train", "test"};
    size_t rows = p->n_splits;
    char **cells = calloc(rows * 5, sizeof *cells);
    qc_err rc = cells ? QC_OK : qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    for (size_t i = 0; !rc && i < rows; i++) {
        const qc_cv_split *s = &p->splits[i];
        char **c = &cells[i * 5];
        for (int k = 0; k < 3; k++) c[k] = malloc(24);
        c[3] = ranges_text(s->train, s->n_train);
        c[4] = ranges_text(s->test, s->n_test);
        if (!c[0] || !c[1] || !c[2] || !c[3] || !c[4]) {
            rc = qc_err_set(err, QC_ERR_NOMEM, "out of memory");
            break;
        }
        snprintf(c[0], 24, "%zu", i);
        snprintf(c[1], 24, "%zu", qc_cv_ranges_count(s->train, s->n_train));
        snprintf(c[2], 24, "%zu", qc_cv_ranges_count(s->test, s->n_test));
    }
    if (!rc) {
        fprintf(f, "%s over %zu observations: %zu splits (ranges inclusive, 0-based)\n", qc_cv_scheme_name(p->scheme),
                p->n, p->n_splits);
        qc_out_table(f, hdr, 5, cells, rows);
    }
    for (size_t i = 0; cells && i < rows * 5; i++) free(cells[i]);
    free(cells);
    if (rc || !p->n_paths) return rc;
    fprintf(f, "\n%zu paths (the split supplying each group):\n", p->n_paths);
    for (size_t q = 0; q < p->n_paths; q++) {
        fprintf(f, "path %zu:", q);
        for (size_t g = 0; g < p->n_atoms; g++) fprintf(f, " g%zu=s%zu", g, p->paths[q * p->n_atoms + g].split);
        fputc('\n', f);
    }
    return QC_OK;
}

static int cmd_cv(qc_cli *cli, qc_args *a) {
    (void)cli;
    qc_error err = {0};
    qc_cv_opts o;
    qc_cv_opts_init(&o);
    const char *scheme = qc_args_get(a, "scheme");
    long long n = -1;
    qc_err rc = scheme ? QC_OK : qc_err_set(&err, QC_ERR_USAGE, "cv: --scheme kfold|purged|walkforward|cpcv is required");
    if (!rc && !qc_args_has(a, "n")) rc = qc_err_set(&err, QC_ERR_USAGE, "cv: --n N (number of observations) is required");
    if (!rc) rc = qc_cv_scheme_parse(scheme, &o.scheme, &err);
    if (!rc) rc = qc_args_int(a, "n", 2, 1000000000000LL, &n, &err);
    if (!rc) rc = qc_cli_cv_opts(a, &o, &err);
    o.n = (size_t)n;
    qc_cv_plan p;
    memset(&p, 0, sizeof p);
    if (!rc) rc = qc_cv_plan_build(&o, &p, &err);
    if (!rc && qc_args_has(a, "json")) print_json(stdout, &p);
    else if (!rc) rc = print_table(stdout, &p, &err);
    qc_cv_plan_free(&p);
    return rc ? qc_cli_fail(&err) : 0;
}

static const qc_opt_spec k_opts[] = {
    {"scheme", "NAME", "kfold, purged, walkforward or cpcv"},
    {"n", "N", "number of observations (>= 2)"},
    QC_CLI_CV_SPECS,
    {"json", NULL, "print {\"splits\": [{\"train\": [[a, b], ...], \"test\": [...]}, ...], \"paths\": [...]}"},
};

const qc_command qc_cmd_cv[] = {
    {"cv", "--scheme kfold|purged|walkforward|cpcv --n N [--folds K | --groups N --test-groups K] [options] [--json]",
     "Print the train/test index ranges of a cross-validation scheme (purging, embargo, CPCV paths).",
     "Ranges are inclusive and 0-based. kfold: K contiguous folds (the first n mod K one longer), each\n"
     "tested once. purged: the same, and each observation t carries the label interval [t, t+H]: a\n"
     "training observation whose interval meets a test observation's is purged, and after each test\n"
     "block ending at b the embargo drops training observations up to b + H + E. cpcv: N contiguous\n"
     "groups, every set of K test groups (C(N,K) splits, lexicographic), purged and embargoed the same\n"
     "way; adjacent test groups form one block. Its K/N C(N,K) paths each take every group once: path j\n"
     "uses, for group g, the j-th split that tests g. walkforward: test windows of --test observations\n"
     "ending at the last observation; each train window (--train long, or from 0 with --expanding) ends\n"
     "max(G, H) observations before its test window. See docs/VALIDATION.md.",
     k_opts, sizeof k_opts / sizeof k_opts[0], 0, 0, cmd_cv},
};
const size_t qc_cmd_cv_n = 1;
