/* bench_lstm.c: speed of the "lstm" learner (src/models/lstm.c) on synthetic rows: training time per
 * epoch (minibatch forward + BPTT + AdamW over dgemm) and prediction, single row (the model
 * strategy's streaming call, qc_lstm_predict_last: p50/p99 over --calls calls) and batch rows/s.
 * Times are the measured thread's CPU time, medians of --runs runs, with OpenBLAS on one thread so
 * that CPU time is the whole work. ANCHORS.md has no peer figure for sequence models: our figures
 * are printed alone. Usage: bench_lstm [--rows N] [--runs K] [--calls N] [--hidden H] [--lookback L] */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"
#include "models/internal.h"
#include "models/models.h"

#define D 8

static double thread_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static uint64_t rng = 0x9E3779B97F4A7C15ULL;
static double urand(void) {
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return (double)(rng >> 11) / 9007199254740992.0;
}

static long arg(int argc, char **argv, const char *name, long def) {
    for (int i = 1; i + 1 < argc; i++)
        if (strcmp(argv[i], name) == 0) return strtol(argv[i + 1], NULL, 10);
    return def;
}

static qc_learner *make(const char *hidden, const char *lookback, const char *epochs) {
    qc_error err = {0};
    qc_learner *l = NULL;
    if (qc_learner_new("lstm", QC_TASK_BINARY, 0, &l, &err) || qc_learner_set(l, "hidden", hidden, &err) ||
        qc_learner_set(l, "lookback", lookback, &err) || qc_learner_set(l, "epochs", epochs, &err)) {
        fprintf(stderr, "bench_lstm: %s\n", err.msg);
        exit(1);
    }
    return l;
}

int main(int argc, char **argv) {
    size_t n = (size_t)arg(argc, argv, "--rows", 4000), runs = (size_t)arg(argc, argv, "--runs", 3);
    size_t calls = (size_t)arg(argc, argv, "--calls", 5000);
    char hs[16], ls[16];
    snprintf(hs, sizeof hs, "%ld", arg(argc, argv, "--hidden", 16));
    snprintf(ls, sizeof ls, "%ld", arg(argc, argv, "--lookback", 10));
    openblas_set_num_threads(1);
    double *X = malloc(n * D * sizeof *X), *y = malloc(n * sizeof *y), *p = malloc(n * sizeof *p);
    double *fit_s = malloc(runs * sizeof *fit_s), *pred_s = malloc(runs * sizeof *pred_s);
    double *lat = malloc(calls * sizeof *lat);
    if (!X || !y || !p || !fit_s || !pred_s || !lat) return 1;
    for (size_t i = 0; i < n * D; i++) X[i] = 2 * urand() - 1;
    for (size_t i = 0; i < n; i++) y[i] = i >= 3 && X[(i - 3) * D] > 0;
    qc_error err = {0};
    qc_learner *l = NULL;
    const size_t epochs = 5;
    for (size_t r = 0; r < runs; r++) {
        qc_learner_free(l);
        l = make(hs, ls, "5");
        double t0 = thread_s();
        if (qc_learner_fit(l, X, n, D, y, NULL, &err)) return fprintf(stderr, "bench_lstm: %s\n", err.msg), 1;
        fit_s[r] = (thread_s() - t0) / (double)epochs;
        t0 = thread_s();
        if (qc_learner_predict(l, X, n, D, p, &err)) return fprintf(stderr, "bench_lstm: %s\n", err.msg), 1;
        pred_s[r] = thread_s() - t0;
    }
    size_t L = qc_learner_window(l);
    double *scratch = malloc(qc_lstm_scratch_size(l) * sizeof *scratch), sink = 0;
    for (size_t c = 0; c < calls; c++) {
        size_t i = L + c % (n - L);
        int64_t t0 = mono_ns();
        double q;
        qc_lstm_predict_last(l, X + (i + 1 - L) * D, L, scratch, &q);
        lat[c] = (double)(mono_ns() - t0) / 1e3;
        sink += q;
    }
    double epoch = median_of(fit_s, runs), batch = median_of(pred_s, runs);
    qsort(lat, calls, sizeof *lat, cmp_dbl);
    printf("bench_lstm: %zu rows x %d features, hidden %s, lookback %s, batch 64, OpenBLAS 1 thread\n", n, D, hs, ls);
    printf("  train (forward + BPTT + AdamW): %.1f ms per epoch, %.0f rows/s (thread CPU, median of %zu)\n",
           epoch * 1e3, (double)n / epoch, runs);
    printf("  predict batch: %.0f rows/s (thread CPU, median of %zu)\n", (double)n / batch, runs);
    printf("  predict single row (streaming): p50 %.1f us, p99 %.1f us over %zu calls\n", lat[calls / 2],
           lat[calls * 99 / 100], calls);
    printf("  ANCHORS.md: no peer figure for sequence models (checksum %.3f)\n", sink / (double)calls);
    qc_learner_free(l);
    free(X), free(y), free(p), free(fit_s), free(pred_s), free(lat), free(scratch);
    return 0;
}
