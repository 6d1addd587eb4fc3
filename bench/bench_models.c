/* bench_models.c: inference speed of a 500-tree, depth-6 binary XGBoost ensemble over 30 features
 * (trained here on a synthetic nonlinear signal), three ways in one run: XGBoost's own
 * XGBoosterPredictFromDense through a reused proxy DMatrix (one thread), our compiled float path,
 * and our INT8 path (binning the row included), each of ours also forced to portable C (what a CPU
 * without AVX-512 runs). Single-row latency p50/p99 over --calls calls and
 * batch rows/s (median of --runs runs over --rows rows, on the thread's CPU time: the machine is shared), printed next to ANCHORS.md's XGBoost
 * figures, with the goals (single row < 5 us p99, batch >= 1M rows/s, faster than XGBoost). The
 * largest difference to XGBoost's predictions is printed too. A missed goal prints MISS, never
 * fails. Usage: bench_models [--rows N] [--runs K] [--calls N] [--trees T] */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xgboost/c_api.h>

#include "models/models.h"
#include "models/optimization/compiled.h"

#define D 30

/* ANCHORS.md "Model inference": XGBoost 1.7.4, PredictFromDense with a reused proxy, one thread */
static const double k_xgb_p50_us = 21.1, k_xgb_p99_us = 40.8, k_xgb_rows_s = 139900;

static int64_t mono_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static int cmp_dbl(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static uint64_t rng = 0x2545F4914F6CDD1DULL;
static double urand(void) {
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return (double)(rng >> 11) / 9007199254740992.0;
}

static void *xmalloc(size_t n) {
    void *p = malloc(n);
    if (!p) {
        fprintf(stderr, "bench_models: out of memory\n");
        exit(1);
    }
    return p;
}

static void die(const char *what, const qc_error *err) {
    fprintf(stderr, "bench_models: %s: %s\n", what, err ? err->msg : XGBGetLastError());
    exit(1);
}

typedef struct {
    BoosterHandle b;
    DMatrixHandle proxy;
    qc_compiled *c;
    const float *X;
    size_t n;
    uint8_t *B;
    float *out;
} ctx;

static const char k_cfg[] = "{\"type\": 0, \"training\": false, \"iteration_begin\": 0, \"iteration_end\": 0, "
                            "\"strict_shape\": false, \"missing\": NaN, \"cache_id\": 0}";

static void xgb_rows(ctx *c, const float *x, size_t n, float *out) {
    char iface[256];
    snprintf(iface, sizeof iface,
             "{\"data\": [%llu, true], \"shape\": [%zu, %d], \"typestr\": \"<f4\", \"version\": 3}",
             (unsigned long long)(uintptr_t)x, n, D);
    bst_ulong const *shape;
    bst_ulong dim;
    float const *res;
    if (XGBoosterPredictFromDense(c->b, iface, k_cfg, c->proxy, &shape, &dim, &res)) die("xgboost predict", NULL);
    memcpy(out, res, n * sizeof *out);
}

/* Paths: 0 XGBoost, 1/2 float/INT8 on the fastest evaluator, 3/4 the same in portable C. */
#define N_PATHS 5

static void run_path(ctx *c, int path, const float *x, size_t n, float *out) {
    if (path == 0) {
        xgb_rows(c, x, n, out);
        return;
    }
    qc_compiled_set_eval(c->c, path >= 3 ? QC_EVAL_SCALAR : QC_EVAL_AUTO);
    if (path % 2 == 1) qc_compiled_predict(c->c, x, n, out);
    else {
        qc_compiled_bin(c->c, x, n, c->B);
        qc_compiled_predict_q(c->c, c->B, n, out);
    }
}

/* p50 and p99 of single-row calls over rows cycling through X. */
static void latency(ctx *c, int path, size_t calls, double *p50, double *p99) {
    double *t = xmalloc(calls * sizeof *t);
    float out;
    for (size_t i = 0; i < calls; i++) {
        const float *x = c->X + (i % c->n) * D;
        int64_t a = mono_ns();
        run_path(c, path, x, 1, &out);
        t[i] = (double)(mono_ns() - a) / 1e3;
    }
    qsort(t, calls, sizeof *t, cmp_dbl);
    *p50 = t[calls / 2], *p99 = t[calls * 99 / 100];
    free(t);
}

/* Thread CPU time: the bench machine is shared, and waiting for a core is not our cost. */
static int64_t cpu_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static double batch(ctx *c, int path, size_t runs) {
    double best[50];
    for (size_t r = 0; r < runs; r++) {
        int64_t a = cpu_ns();
        run_path(c, path, c->X, c->n, c->out);
        best[r] = (double)c->n / ((double)(cpu_ns() - a) / 1e9);
    }
    qsort(best, runs, sizeof *best, cmp_dbl);
    return best[runs / 2];
}

static qc_learner *train(size_t trees) {
    size_t n = 20000;
    double *X = xmalloc(n * D * sizeof *X), *y = xmalloc(n * sizeof *y);
    for (size_t i = 0; i < n; i++) {
        double *x = X + i * D;
        for (size_t j = 0; j < D; j++) x[j] = urand() * 2 - 1;
        double s = sin(3 * x[0]) + x[1] * x[2] + 0.5 * x[3] * x[3] - x[4] * fabs(x[5]) + 0.8 * (urand() - 0.5);
        y[i] = s > 0.1;
    }
    qc_error err = {0};
    qc_learner *l;
    char nt[32];
    snprintf(nt, sizeof nt, "%zu", trees);
    if (qc_learner_new("xgb", QC_TASK_BINARY, 0, &l, &err) || qc_learner_set(l, "rounds", nt, &err) ||
        qc_learner_set(l, "max_depth", "6", &err) || qc_learner_fit(l, X, n, D, y, NULL, &err))
        die("training", &err);
    free(X), free(y);
    return l;
}

static void setup(ctx *c, const qc_learner *l, size_t rows) {
    qc_error err = {0};
    char *text;
    if (qc_learner_save(l, &text, &err) || qc_compiled_from_json(text, strlen(text), &c->c, &err) ||
        qc_compiled_quantize(c->c, 8, &err))
        die("compile", &err);
    if (XGBoosterCreate(NULL, 0, &c->b) || XGBoosterLoadModelFromBuffer(c->b, text, (bst_ulong)strlen(text)) ||
        XGBoosterSetParam(c->b, "nthread", "1") || XGProxyDMatrixCreate(&c->proxy))
        die("xgboost load", NULL);
    free(text);
    float *X = xmalloc(rows * D * sizeof *X);
    for (size_t i = 0; i < rows * D; i++) X[i] = urand() < 0.01 ? NAN : (float)(urand() * 2 - 1);
    c->X = X, c->n = rows;
    c->B = xmalloc(rows * D);
    c->out = xmalloc(rows * sizeof *c->out);
}

static const char *mark(int ok) { return ok ? "ok" : "MISS"; }

int main(int argc, char **argv) {
    size_t rows = 200000, runs = 3, calls = 20000, trees = 500;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--rows") == 0) rows = strtoull(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--runs") == 0) runs = strtoull(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--calls") == 0) calls = strtoull(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--trees") == 0) trees = strtoull(argv[i + 1], NULL, 10);
    }
    if (rows < 1000 || runs < 1 || runs > 50 || calls < 100 || trees < 1 || trees > 5000) {
        fprintf(stderr, "usage: bench_models [--rows N>=1000] [--runs 1..50] [--calls N>=100] [--trees 1..5000]\n");
        return 2;
    }
    qc_learner *l = train(trees);
    ctx c = {0};
    setup(&c, l, rows);
    /* agreement on the batch rows */
    float *ref = xmalloc(rows * sizeof *ref), *q = xmalloc(rows * sizeof *q);
    run_path(&c, 0, c.X, rows, ref);
    run_path(&c, 1, c.X, rows, c.out);
    run_path(&c, 2, c.X, rows, q);
    double diff = 0;
    size_t same_q = 0, same_p = 0;
    for (size_t i = 0; i < rows; i++) diff = fmax(diff, fabs((double)c.out[i] - ref[i])), same_q += q[i] == c.out[i];
    float *s = xmalloc(rows * sizeof *s);
    for (int p = 3; p < N_PATHS; p++) {
        run_path(&c, p, c.X, rows, s);
        for (size_t i = 0; i < rows; i++) same_p += s[i] == c.out[i];
    }
    free(s);
    printf("model: %zu trees, depth 6, %d features, binary; %zu nodes; INT8 tables\n", qc_compiled_trees(c.c), D,
           qc_compiled_nodes(c.c));
    printf("agreement on %zu rows (1%% missing): max |float - XGBoost| = %.2g; INT8 == float on %zu/%zu rows;\n"
           "portable C == fastest evaluator on %zu/%zu (float and INT8)\n\n",
           rows, diff, same_q, rows, same_p, 2 * rows);
    qc_compiled_eval ev = qc_compiled_set_eval(c.c, QC_EVAL_AUTO);
    const char *names[N_PATHS] = {"XGBoost PredictFromDense (proxy)", "QuantCLI compiled float", "QuantCLI INT8 (incl. binning)",
                                  "  float, portable C", "  INT8, portable C"};
    double p50[N_PATHS], p99[N_PATHS], rps[N_PATHS];
    for (int p = 0; p < N_PATHS; p++) {
        latency(&c, p, calls, &p50[p], &p99[p]);
        rps[p] = batch(&c, p, runs);
    }
    printf("%-34s %9s %9s %14s\n", "path (1 thread)", "p50 us", "p99 us", "batch rows/s");
    for (int p = 0; p < N_PATHS; p++) printf("%-34s %9.2f %9.2f %14.0f\n", names[p], p50[p], p99[p], rps[p]);
    printf("%-34s %9.2f %9.2f %14.0f\n", "ANCHORS.md: XGBoost 1.7.4 (proxy)", k_xgb_p50_us, k_xgb_p99_us, k_xgb_rows_s);
    printf("\nratios vs XGBoost measured here: float p50 %.1fx faster, batch %.1fx; INT8 p50 %.1fx, batch %.1fx\n",
           p50[0] / p50[1], rps[1] / rps[0], p50[0] / p50[2], rps[2] / rps[0]);
    printf("(evaluator on this CPU: %s; single-row calls always walk in portable C)\n",
           ev == QC_EVAL_AVX512 ? "AVX-512 across rows" : ev == QC_EVAL_SCALAR ? "portable C" : "general walker");
    for (int p = 1; p < N_PATHS; p++)
        printf("goals %-28s single row p99 < 5 us: %s (%.2f)   batch >= 1M rows/s: %s (%.0f)   faster than XGBoost: %s\n",
               names[p], mark(p99[p] < 5), p99[p], mark(rps[p] >= 1e6), rps[p],
               mark(p50[p] < p50[0] && rps[p] > rps[0]));
    XGDMatrixFree(c.proxy);
    XGBoosterFree(c.b);
    qc_compiled_free(c.c);
    qc_learner_free(l);
    free((void *)c.X), free(c.B), free(c.out), free(ref), free(q);
    return 0;
}
