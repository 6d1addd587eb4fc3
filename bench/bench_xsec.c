/* bench_xsec.c: speed of the cross-sectional transforms, the IC and the regime HMM.
 * - rank (pct), z-score and rank IC over a 500-symbol x 2,520-day panel (1.26M cells), ms per call
 *   and ns per cell;
 * - HMM forward filter (streaming update) ns per bar for K = 2 and 3 states, 2 features, diagonal
 *   and full covariance;
 * - Baum-Welch fit on 2,520 bars (K = 2 and 3, 2 features, 1 restart, up to 200 iterations).
 * Medians of 5 runs. ANCHORS.md has no peer figure for these yet; the seed's feature-calculation
 * target (< 100 ms for a whole universe) is the yardstick printed beside the panel figures. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "features/cross_sectional.h"
#include "features/regime.h"

#define RUNS 5

static uint64_t g_rng = 0x9E3779B97F4A7C15ull;
static double uniform(void) {
    g_rng ^= g_rng << 13, g_rng ^= g_rng >> 7, g_rng ^= g_rng << 17;
    return ((double)(g_rng >> 11) + 0.5) / 9007199254740992.0;
}
static double gauss(void) { return sqrt(-2 * log(uniform())) * cos(6.283185307179586 * uniform()); }

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_d(const void *a, const void *b) {
    double u = *(const double *)a, v = *(const double *)b;
    return u < v ? -1 : u > v;
}

static double median(double *v, size_t n) {
    qsort(v, n, sizeof *v, cmp_d);
    return v[n / 2];
}

enum { NS = 500, NT = 2520 };

static void bench_panel(void) {
    size_t cells = (size_t)NS * NT;
    double *x = malloc(cells * sizeof *x), *y = malloc(cells * sizeof *y), *o = malloc(cells * sizeof *o);
    double *ic = malloc(NT * sizeof *ic);
    for (size_t i = 0; i < cells; i++) x[i] = gauss(), y[i] = 0.1 * x[i] + gauss();
    for (size_t i = 0; i < cells; i += 17) x[i] = NAN; /* some missing cells */
    qc_error err = {0};
    const char *names[] = {"rank (pct)", "zscore", "winsorize q", "rank IC", "IC"};
    printf("cross-section over %d symbols x %d days (%zu cells)\n", NS, NT, cells);
    printf("  %-12s %10s %10s %16s\n", "op", "ms", "ns/cell", "seed target ms");
    for (int k = 0; k < 5; k++) {
        double t[RUNS];
        for (int r = 0; r < RUNS; r++) {
            double t0 = now_ms();
            qc_err rc = k == 0   ? qc_xs_rank(x, NS, NT, 1, o, &err)
                        : k == 1 ? qc_xs_zscore(x, NS, NT, o, &err)
                        : k == 2 ? qc_xs_winsorize_quantile(x, NS, NT, 0.01, 0.99, o, &err)
                        : k == 3 ? qc_xs_ic(x, y, NS, NT, 1, ic, NULL, &err)
                                 : qc_xs_ic(x, y, NS, NT, 0, ic, NULL, &err);
            t[r] = now_ms() - t0;
            if (rc) fprintf(stderr, "error: %s\n", err.msg);
        }
        double m = median(t, RUNS);
        printf("  %-12s %10.2f %10.2f %16s\n", names[k], m, m * 1e6 / (double)cells, "< 100 (whole set)");
    }
    free(x), free(y), free(o), free(ic);
}

/* A model with k states over 2 features and n bars drawn from it. */
static qc_hmm *model(size_t k, qc_hmm_cov cov) {
    qc_hmm *m;
    qc_error err = {0};
    if (qc_hmm_new(k, 2, cov, &m, &err)) return NULL;
    for (size_t i = 0; i < k; i++) {
        m->start[i] = 1.0 / (double)k;
        for (size_t j = 0; j < k; j++) m->trans[i * k + j] = i == j ? 0.95 : 0.05 / (double)(k - 1);
        m->mean[i * 2] = 0.001 * ((double)i - 1), m->mean[i * 2 + 1] = 0.01 * (double)(i + 1);
        if (cov == QC_HMM_DIAG) m->covar[i * 2] = 1e-4 * (double)(i + 1), m->covar[i * 2 + 1] = 1e-5;
        else {
            double *c = m->covar + i * 4;
            c[0] = 1e-4 * (double)(i + 1), c[3] = 1e-5, c[1] = c[2] = 0.3 * sqrt(c[0] * c[3]);
        }
    }
    if (qc_hmm_prepare(m, &err)) {
        qc_hmm_free(m);
        return NULL;
    }
    return m;
}

static void sample(const qc_hmm *m, double *x, size_t n) {
    size_t s = 0, k = m->k;
    for (size_t t = 0; t < n; t++) {
        if (uniform() > m->trans[s * k + s]) s = (s + 1 + (size_t)(uniform() * (double)(k - 1))) % k;
        x[t * 2] = m->mean[s * 2] + gauss() * 0.01 * sqrt((double)(s + 1));
        x[t * 2 + 1] = m->mean[s * 2 + 1] + gauss() * 0.003;
    }
}

static void bench_hmm(void) {
    enum { NF = 1000000, NB = 2520 };
    double *x = malloc((size_t)NF * 2 * sizeof *x), prob[8], sink = 0;
    printf("HMM, 2 features\n  %-28s %10s\n", "forward filter (streaming)", "ns/bar");
    for (size_t k = 2; k <= 3; k++)
        for (int c = 0; c < 2; c++) {
            qc_hmm *m = model(k, c ? QC_HMM_FULL : QC_HMM_DIAG);
            qc_hmm_filter *f;
            qc_error err = {0};
            if (!m || qc_hmm_filter_new(m, &f, &err)) return;
            sample(m, x, NF);
            double t[RUNS];
            for (int r = 0; r < RUNS; r++) {
                qc_hmm_filter_reset(f);
                double t0 = now_ms();
                for (size_t i = 0; i < NF; i++) sink += qc_hmm_filter_update(f, x + i * 2, prob);
                t[r] = now_ms() - t0;
            }
            printf("  K=%zu %-24s %10.1f\n", k, c ? "full" : "diag", median(t, RUNS) * 1e6 / NF);
            qc_hmm_filter_free(f);
            qc_hmm_free(m);
        }
    printf("  %-28s %10s %8s %10s\n", "Baum-Welch, 2,520 bars", "ms", "iters", "ms/iter");
    for (size_t k = 2; k <= 3; k++)
        for (int c = 0; c < 2; c++) {
            qc_hmm *truth = model(k, c ? QC_HMM_FULL : QC_HMM_DIAG);
            if (!truth) return;
            sample(truth, x, NB);
            qc_hmm_fit_opts o;
            qc_hmm_fit_opts_init(&o);
            o.k = k, o.cov = c ? QC_HMM_FULL : QC_HMM_DIAG, o.restarts = 1;
            double t[RUNS];
            size_t iters = 0;
            for (int r = 0; r < RUNS; r++) {
                qc_hmm *m;
                qc_hmm_fit_info info;
                qc_error err = {0};
                double t0 = now_ms();
                if (qc_hmm_fit(x, NB, 2, &o, &m, &info, &err)) {
                    fprintf(stderr, "fit: %s\n", err.msg);
                    return;
                }
                t[r] = now_ms() - t0;
                iters = info.iterations;
                qc_hmm_free(m);
            }
            double md = median(t, RUNS);
            printf("  K=%zu %-24s %10.2f %8zu %10.3f\n", k, c ? "full" : "diag", md, iters, md / (double)(iters + 1));
            qc_hmm_free(truth);
        }
    if (sink == 12345) printf("%g\n", sink);
    free(x);
}

int main(void) {
    bench_panel();
    bench_hmm();
    return 0;
}
