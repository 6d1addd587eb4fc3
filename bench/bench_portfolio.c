/* bench_portfolio.c: time to solve the portfolio problems of ANCHORS.md ("Portfolio optimisation")
 * at 50, 200 and 500 assets with 1,000 observations: sample covariance, long-only min variance and
 * max Sharpe, ERC, HRP (covariance included), and the min-CVaR LP over 500 scenarios; median of
 * several runs, next to the peer figures (Python: numpy, cvxopt, HiGHS, scipy) with ratios.
 * Returns are synthetic: a deterministic 3-factor model plus noise, so the covariance is full rank. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "portfolio/portfolio.h"

#define T_OBS 1000
#define T_CVAR 500

static uint64_t g_rng = 0x9E3779B97F4A7C15ull;
static double uniform(void) {
    g_rng ^= g_rng << 13, g_rng ^= g_rng >> 7, g_rng ^= g_rng << 17;
    return ((double)(g_rng >> 11) + 0.5) / 9007199254740992.0;
}
static double gauss(void) { return sqrt(-2 * log(uniform())) * cos(6.283185307179586 * uniform()); }

static double clock_ms(clockid_t id) {
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}
static double now_ms(void) { return clock_ms(CLOCK_MONOTONIC); }
static double g_cpu_ms; /* CPU time of the last run_once: what a busy machine distorts least */

/* The machine's load, printed with the figures: on a loaded 2-core machine wall times stretch. */
static void print_load(const char *when) {
    FILE *f = fopen("/proc/loadavg", "r");
    char buf[64] = "?";
    if (f) {
        if (!fgets(buf, sizeof buf, f)) buf[0] = 0;
        fclose(f);
    }
    buf[strcspn(buf, "\n")] = 0;
    printf("load average %s: %s\n", when, buf);
}

static int cmp_d(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void make_returns(double *r, size_t t, size_t n) {
    double beta[3][600], drift[600];
    for (size_t i = 0; i < n; i++) {
        for (int f = 0; f < 3; f++) beta[f][i] = (f == 0 ? 1.0 : 0.5) * gauss();
        drift[i] = 0.0003 + 0.0004 * gauss();
    }
    for (size_t s = 0; s < t; s++) {
        double fac[3] = {0.01 * gauss(), 0.006 * gauss(), 0.004 * gauss()};
        for (size_t i = 0; i < n; i++)
            r[s * n + i] = drift[i] + beta[0][i] * fac[0] + beta[1][i] * fac[1] + beta[2][i] * fac[2] + 0.015 * gauss();
    }
}

typedef enum { B_COV, B_MINVAR, B_MAXSHARPE, B_ERC, B_HRP, B_HRP_TREE, B_CVAR } bench_kind;

/* One timed solve; returns ms, or -1 on error (printed). */
static double run_once(bench_kind k, const double *r, size_t n, double *cov, double *mu, double *w) {
    qc_error err = {0};
    qc_err rc = QC_OK;
    double t0 = now_ms(), c0 = clock_ms(CLOCK_PROCESS_CPUTIME_ID);
    if (k != B_CVAR && k != B_HRP_TREE) rc = qc_port_cov(r, T_OBS, n, QC_PORT_COV_SAMPLE, 0, cov, NULL, &err);
    qc_port_problem p = {.n = n, .mu = mu, .cov = cov};
    qc_port_constraints_init(&p.c);
    p.c.lo = 0, p.c.hi = 1;
    if (!rc && (k == B_MINVAR || k == B_MAXSHARPE)) qc_port_mean(r, T_OBS, n, mu);
    if (!rc) switch (k) {
        case B_COV: break;
        case B_MINVAR: rc = qc_port_min_variance(&p, w, &err); break;
        case B_MAXSHARPE: rc = qc_port_max_sharpe(&p, w, &err); break;
        case B_ERC: rc = qc_port_erc(cov, n, NULL, w, &err); break;
        case B_HRP:
        case B_HRP_TREE: rc = qc_port_hrp(cov, n, NULL, NULL, w, NULL, &err); break;
        case B_CVAR: rc = qc_port_min_cvar(r + (T_OBS - T_CVAR) * n, T_CVAR, n, 0.95, &p.c, NAN, w, NULL, NULL, &err); break;
        }
    double ms = now_ms() - t0;
    g_cpu_ms = clock_ms(CLOCK_PROCESS_CPUTIME_ID) - c0;
    if (rc) {
        fprintf(stderr, "bench_portfolio: %s\n", err.msg);
        return -1;
    }
    return ms;
}

static double median_ms(bench_kind k, const double *r, size_t n, int runs, double *cpu_ms) {
    double *cov = malloc(n * n * sizeof *cov), *mu = malloc(n * sizeof *mu), *w = malloc(n * sizeof *w), t[16],
           c[16];
    if (k == B_HRP_TREE) {
        qc_error err = {0};
        qc_port_cov(r, T_OBS, n, QC_PORT_COV_SAMPLE, 0, cov, NULL, &err);
    }
    for (int i = 0; i < runs; i++) t[i] = run_once(k, r, n, cov, mu, w), c[i] = g_cpu_ms;
    free(cov), free(mu), free(w);
    qsort(t, (size_t)runs, sizeof t[0], cmp_d);
    qsort(c, (size_t)runs, sizeof c[0], cmp_d);
    *cpu_ms = c[runs / 2];
    return t[0] < 0 ? -1 : t[runs / 2];
}

int main(void) {
    static const size_t sizes[3] = {50, 200, 500};
    /* ANCHORS.md, Portfolio optimisation (ms): numpy cov, cvxopt min-var, HiGHS min-CVaR, scipy linkage */
    static const double a_cov[3] = {1.4, 12.6, 72}, a_mv[3] = {1.4, 30, 372}, a_cvar[3] = {38, 176, 949},
                        a_hrp[3] = {0.1, 0.4, 1.5};
    static const struct {
        const char *name;
        bench_kind k;
        const double *anchor;
        const char *peer;
    } rows[] = {{"sample covariance", B_COV, a_cov, "numpy cov"},
                {"min variance, long-only (cov incl.)", B_MINVAR, a_mv, "cvxopt QP"},
                {"max Sharpe, long-only (cov incl.)", B_MAXSHARPE, NULL, "-"},
                {"ERC (cov incl.)", B_ERC, NULL, "-"},
                {"HRP (cov incl.)", B_HRP, NULL, "-"},
                {"HRP from cov (linkage+bisection)", B_HRP_TREE, a_hrp, "scipy linkage only"},
                {"min CVaR LP, 500 scenarios", B_CVAR, a_cvar, "HiGHS LP"}};
    double *r = malloc(T_OBS * 500 * sizeof *r);
    if (!r) return 1;
    printf("portfolio: %d observations, median of 5 runs (3 at 500 assets); peer = ANCHORS.md; cpu = our\n"
           "process CPU time (wall time stretches on a loaded machine; the ratio uses wall time)\n", T_OBS);
    print_load("before");
    printf("%-38s %6s %11s %9s %11s %8s  %s\n", "problem", "assets", "ours ms", "cpu ms", "peer ms", "speedup", "peer");
    for (size_t s = 0; s < 3; s++) {
        size_t n = sizes[s];
        g_rng = 0x9E3779B97F4A7C15ull + n;
        make_returns(r, T_OBS, n);
        for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
            double cpu, ms = median_ms(rows[i].k, r, n, n >= 500 ? 3 : 5, &cpu);
            if (rows[i].anchor)
                printf("%-38s %6zu %11.3f %9.3f %11.1f %7.1fx  %s\n", rows[i].name, n, ms, cpu, rows[i].anchor[s],
                       rows[i].anchor[s] / ms, rows[i].peer);
            else printf("%-38s %6zu %11.3f %9.3f %11s %8s  %s\n", rows[i].name, n, ms, cpu, "-", "-", rows[i].peer);
            fflush(stdout);
        }
    }
    print_load("after");
    free(r);
    return 0;
}
