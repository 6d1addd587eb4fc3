/* bench_book.c: the limit order book's speed (make bench). A realistic mix on one book of about
 * 20,000 resting orders: 60% limit adds near the top (1-20 ticks behind the best on their own
 * side), 30% cancels of a random resting order, 10% marketable IOC orders that take 1-800 lots (the book stays near its start size).
 * Throughput over the whole stream untimed per operation, then per-operation latency (clock_gettime
 * around each call, the median timer cost subtracted) as p50/p99/p99.9. Medians of --runs runs,
 * printed beside the targets (>= 5M operations/s, p99 < 1 us) and exchange-core's ~5M
 * operations/s (../shared/STYLE.md), with the machine's load.
 * Usage: bench_book [--ops N] [--runs N] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "execution/book.h"

#define TARGET_OPS_S 5e6
#define TARGET_P99_NS 1000.0
#define EXCHANGE_CORE_OPS_S 5e6

typedef struct {
    size_t fills, reports;
} counts;

static void on_report(void *u, const qc_book_report *r) {
    counts *c = u;
    c->reports++;
    c->fills += r->type == QC_BOOK_EV_FILL;
}

static uint64_t rng(uint64_t *s) {
    uint64_t x = *s += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

static double now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

typedef struct {
    uint8_t kind;  /* 0 add, 1 cancel, 2 marketable */
    int8_t side;
    uint16_t off;  /* ticks behind the best / index seed */
    uint32_t qty;
    uint32_t pick;
} op;

#define BAND 1000000
#define MID 500000
#define CAP (1u << 21)

typedef struct {
    qc_book *b;
    uint64_t *live;
    size_t n_live;
    uint64_t next_id;
} state;

static void apply(state *s, const op *o) {
    if (o->kind == 1) {
        if (!s->n_live) return;
        size_t j = o->pick % s->n_live;
        qc_book_cancel(s->b, s->live[j]); /* stale when filled meanwhile: an O(1) miss */
        s->live[j] = s->live[--s->n_live];
        return;
    }
    int64_t bb = qc_book_best_bid(s->b), ba = qc_book_best_ask(s->b);
    if (bb == QC_BOOK_NO_BID) bb = ba != QC_BOOK_NO_ASK ? ba - 1 : MID - 1;
    if (ba == QC_BOOK_NO_ASK) ba = bb + 1;
    qc_book_order q = {s->next_id++, o->side, QC_BOOK_KIND_LIMIT, QC_BOOK_GTC, 0, 0, o->qty, 0, QC_STP_CANCEL_NEWEST};
    if (o->kind == 0) {
        q.px = o->side > 0 ? ba - 1 - o->off : bb + 1 + o->off;
        uint64_t h = 0;
        qc_book_add(s->b, &q, &h);
        if (h && s->n_live < CAP) s->live[s->n_live++] = h;
    } else {
        q.tif = QC_BOOK_IOC;
        q.px = o->side > 0 ? ba + 5 : bb - 5;
        qc_book_add(s->b, &q, NULL);
    }
}

static void gen(op *ops, size_t n, uint64_t seed) {
    for (size_t i = 0; i < n; i++) {
        uint64_t r = rng(&seed);
        unsigned u = (unsigned)(r % 100);
        ops[i].kind = u < 60 ? 0 : u < 90 ? 1 : 2;
        ops[i].side = (r >> 8) & 1 ? 1 : -1;
        ops[i].off = (uint16_t)((r >> 16) % 20);
        ops[i].qty = ops[i].kind == 2 ? 1 + (uint32_t)((r >> 24) % 800) : 1 + (uint32_t)((r >> 24) % 100);
        ops[i].pick = (uint32_t)(r >> 32);
    }
}

static int new_state(state *s, counts *c) {
    qc_book_opts o = {0, BAND, CAP, {0}};
    qc_error err = {0};
    memset(s, 0, sizeof *s);
    s->live = malloc(CAP * sizeof *s->live);
    if (!s->live || qc_book_new(&o, on_report, c, &s->b, &err)) return -1;
    s->next_id = 1;
    /* warm book: 10,000 orders a side over 50 ticks */
    for (int i = 0; i < 20000; i++) {
        qc_book_order q = {s->next_id++, i % 2 ? 1 : -1, QC_BOOK_KIND_LIMIT, QC_BOOK_GTC, 0,
                           i % 2 ? MID - 1 - (i / 2) % 50 : MID + 1 + (i / 2) % 50, 50, 0, 0};
        uint64_t h = 0;
        qc_book_add(s->b, &q, &h);
        if (h) s->live[s->n_live++] = h;
    }
    return 0;
}

static void free_state(state *s) {
    qc_book_free(s->b);
    free(s->live);
}

static int cmp_dbl(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, cmp_dbl);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Latency histogram: 1 ns buckets up to 100 us. */
#define HBUCKETS 100000
static uint32_t g_hist[HBUCKETS + 1];

static double pct(size_t n, double p) {
    size_t want = (size_t)(p * (double)n), acc = 0;
    for (size_t i = 0; i <= HBUCKETS; i++) {
        acc += g_hist[i];
        if (acc > want) return (double)i;
    }
    return HBUCKETS;
}

static double timer_overhead(void) {
    double d[1001];
    for (int i = 0; i < 1001; i++) {
        double a = now_ns();
        d[i] = now_ns() - a;
    }
    return median(d, 1001);
}

int main(int argc, char **argv) {
    size_t n = 10000000;
    int runs = 3;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--ops") == 0) n = (size_t)strtoull(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--runs") == 0) runs = atoi(argv[i + 1]);
    }
    if (runs < 1 || runs > 99) runs = 3;
    if (n < 1000) n = 1000;
    op *ops = malloc(n * sizeof *ops);
    if (!ops) return 1;
    double thr[99], p50[99], p99[99], p999[99], resting = 0, fills_per_op = 0;
    double ovh = timer_overhead();
    for (int k = 0; k < runs; k++) {
        gen(ops, n, 42 + (uint64_t)k);
        counts c = {0, 0};
        state s;
        if (new_state(&s, &c)) return 1;
        double t0 = now_ns();
        for (size_t i = 0; i < n; i++) apply(&s, &ops[i]);
        thr[k] = (double)n / ((now_ns() - t0) / 1e9);
        resting = (double)qc_book_n_orders(s.b);
        fills_per_op = (double)c.fills / (double)n;
        free_state(&s);
        /* the same stream again, each operation timed */
        if (new_state(&s, &c)) return 1;
        memset(g_hist, 0, sizeof g_hist);
        for (size_t i = 0; i < n; i++) {
            double a = now_ns();
            apply(&s, &ops[i]);
            double d = now_ns() - a - ovh;
            size_t b = d <= 0 ? 0 : d >= HBUCKETS ? HBUCKETS : (size_t)d;
            g_hist[b]++;
        }
        p50[k] = pct(n, 0.50), p99[k] = pct(n, 0.99), p999[k] = pct(n, 0.999);
        free_state(&s);
    }
    free(ops);
    double load[3] = {0, 0, 0};
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        if (fscanf(f, "%lf %lf %lf", &load[0], &load[1], &load[2]) != 3) load[0] = -1;
        fclose(f);
    }
    double m_thr = median(thr, runs), m50 = median(p50, runs), m99 = median(p99, runs), m999 = median(p999, runs);
    printf("order book: %zu operations (60%% adds near the top, 30%% cancels, 10%% marketable IOC), ~20k resting at "
           "start, %d runs (medians)\n", n, runs);
    printf("machine load (1/5/15 min): %.2f %.2f %.2f; timer overhead %.0f ns subtracted\n", load[0], load[1], load[2],
           ovh);
    printf("resting at the end %.0f, fills per operation %.2f\n", resting, fills_per_op);
    printf("%-24s %14s %22s %22s\n", "figure", "ours", "target", "exchange-core");
    printf("%-24s %14.2f %14.1f (x%.2f) %14.1f (x%.2f)\n", "throughput (M ops/s)", m_thr / 1e6, TARGET_OPS_S / 1e6,
           m_thr / TARGET_OPS_S, EXCHANGE_CORE_OPS_S / 1e6, m_thr / EXCHANGE_CORE_OPS_S);
    printf("%-24s %14.0f\n", "latency p50 (ns)", m50);
    printf("%-24s %14.0f %14.0f (x%.1f)\n", "latency p99 (ns)", m99, TARGET_P99_NS, TARGET_P99_NS / (m99 > 0 ? m99 : 1));
    printf("%-24s %14.0f\n", "latency p99.9 (ns)", m999);
    return 0;
}
