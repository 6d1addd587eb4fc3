/* bench.c: the risk engine's latency benchmark, shared by bench/bench_risk.c and `quantcli risk
 * bench`. Every check is enabled with limits that most orders pass (so the whole suite runs), over
 * a universe where every symbol holds a position. Each qc_risk_check call is timed alone with
 * clock_gettime(CLOCK_MONOTONIC) (vDSO, no system call) and the median back-to-back timer cost is
 * subtracted; latencies go into a 1 ns histogram (exact percentiles, no sample array). Accepted
 * orders are released untimed so the book stays in a steady state. P&L updates are timed in
 * batches (mean ns per fill / per mark), since a per-call timer costs as much as the update. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "risk/risk_int.h"

#define HIST_NS 131072 /* 1 ns buckets up to 131 us; beyond that only the max is exact */
#define POOL 65536     /* pre-generated orders, cycled */
#define N_STRAT 4

static uint64_t rng(uint64_t *s) { /* splitmix64 */
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static double urand(uint64_t *s) { return (double)(rng(s) >> 11) * 0x1.0p-53; }

static inline int64_t mono_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void bench_limits(qc_risk_limits *l) {
    qc_risk_limits_init(l);
    l->max_order_qty = 10000;
    l->max_order_notional = 5e6;
    l->min_order_qty = 1;
    l->lot_size = 1;
    l->tick_size = 0.01;
    l->tick_size_below_1 = 0.0001;
    l->collar_pct = 10;
    l->collar_ticks = 100000;
    l->max_long_qty = 1e6;
    l->max_short_qty = 1e6;
    l->max_gross = 1e12;
    l->max_net = 1e12;
    l->max_daily_loss = 1e12;
    l->max_drawdown = 1e12;
    l->strategy_max_daily_loss = 1e12;
    l->strategy_max_drawdown = 1e12;
    l->orders_per_sec = 1e9;
    l->messages_per_sec = 1e9;
    l->duplicate_window_ns = 1000000;
    l->leverage = 1e6;
}

/* The universe: every symbol with a position and a mark, sectors round-robin. */
static qc_err bench_engine(size_t n_sym, uint64_t *seed, qc_risk **out, qc_error *err) {
    char **names = calloc(n_sym, sizeof *names);
    char *buf = calloc(n_sym, 24);
    if (!names || !buf) {
        free(names);
        free(buf);
        return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < n_sym; i++) {
        names[i] = buf + 24 * i;
        snprintf(names[i], 24, "S%05zu", i);
    }
    qc_risk_limits l;
    bench_limits(&l);
    qc_err rc = qc_risk_new(&l, (const char *const *)names, n_sym, N_STRAT, 1e9, out, err);
    free(names);
    free(buf);
    if (rc) return rc;
    qc_risk *r = *out;
    for (int k = 0; k < 11; k++) {
        char nm[24];
        snprintf(nm, sizeof nm, "sector%d", k);
        qc_risk_add_sector(r, nm);
    }
    for (size_t i = 0; i < n_sym; i++) {
        qc_risk_symbol_cfg c;
        qc_risk_symbol_cfg_init(&c);
        c.sector = (int)(i % 11);
        qc_risk_set_symbol(r, (uint32_t)i, &c, NULL);
        double px = round((10 + 490 * urand(seed)) * 100) / 100;
        qc_risk_on_mark(r, (uint32_t)i, px, 0);
        qc_risk_on_fill(r, (uint32_t)(i % N_STRAT), (uint32_t)i, urand(seed) < 0.5 ? QC_BUY : QC_SELL,
                        (double)(1 + rng(seed) % 1000), px, 0, 0, 0);
    }
    qc_risk_day_start(r, 0);
    return QC_OK;
}

static void make_orders(const qc_risk *r, size_t n_sym, uint64_t *seed, qc_risk_order *pool) {
    for (size_t i = 0; i < POOL; i++) {
        qc_risk_order *o = &pool[i];
        memset(o, 0, sizeof *o);
        o->symbol = (uint32_t)(rng(seed) % n_sym);
        o->strategy = (uint32_t)(rng(seed) % N_STRAT);
        o->side = urand(seed) < 0.5 ? QC_BUY : QC_SELL;
        o->qty = (double)(1 + rng(seed) % 500);
        o->tif = QC_TIF_DAY;
        double mark = r->sym[o->symbol].mark;
        if (urand(seed) < 0.8) {
            o->type = QC_ORD_LIMIT;
            o->limit_price = round(mark * (0.95 + 0.1 * urand(seed)) * 100) / 100;
        } else o->type = QC_ORD_MARKET;
    }
}

static double timer_overhead(void) {
    enum { N = 200000 };
    static uint32_t h[1024];
    memset(h, 0, sizeof h);
    for (int i = 0; i < N; i++) {
        int64_t a = mono_ns(), b = mono_ns();
        int64_t d = b - a;
        h[d < 0 ? 0 : d > 1023 ? 1023 : d]++;
    }
    size_t c = 0;
    for (int i = 0; i < 1024; i++)
        if ((c += h[i]) >= N / 2) return i;
    return 0;
}

static double pct(const uint64_t *h, size_t total, double p) {
    uint64_t want = (uint64_t)ceil(p * (double)total), c = 0;
    for (size_t i = 0; i < HIST_NS; i++)
        if ((c += h[i]) >= want && want) return (double)i;
    return (double)HIST_NS;
}

static void time_checks(qc_risk *r, const qc_risk_order *pool, const qc_risk_bench_opts *o, uint64_t *h,
                        qc_risk_bench_result *res) {
    int64_t ovh = (int64_t)res->timer_overhead_ns, maxv = 0;
    double sum = 0;
    for (size_t i = 0; i < o->orders; i++) {
        const qc_risk_order *q = &pool[i & (POOL - 1)];
        qc_risk_verdict v;
        int64_t t0 = mono_ns();
        qc_err rc = qc_risk_check(r, q, (int64_t)i * 1000, &v);
        int64_t d = mono_ns() - t0 - ovh;
        if (d < 0) d = 0;
        if (d > maxv) maxv = d;
        sum += (double)d;
        h[d < HIST_NS ? d : HIST_NS - 1]++;
        if (!rc) {
            res->accepted++;
            qc_risk_order_done(r, q->symbol, q->side, q->qty);
        }
    }
    res->max_ns = (double)maxv;
    res->mean_ns = o->orders ? sum / (double)o->orders : 0;
}

static void time_pnl(qc_risk *r, size_t n_sym, uint64_t *seed, qc_risk_bench_result *res) {
    enum { N = 1000000 };
    static uint32_t sym[POOL];
    static double px[POOL];
    for (size_t i = 0; i < POOL; i++) {
        sym[i] = (uint32_t)(rng(seed) % n_sym);
        px[i] = r->sym[sym[i]].mark * (0.99 + 0.02 * urand(seed));
    }
    int64_t t0 = mono_ns();
    for (size_t i = 0; i < N; i++) {
        size_t k = i & (POOL - 1);
        qc_risk_on_fill(r, (uint32_t)(i % N_STRAT), sym[k], (i & 1) ? QC_BUY : QC_SELL, (double)(1 + (i & 63)), px[k],
                        0.01, 0, (int64_t)i);
    }
    int64_t t1 = mono_ns();
    for (size_t i = 0; i < N; i++) {
        size_t k = i & (POOL - 1);
        qc_risk_on_mark(r, sym[k], px[k], (int64_t)i);
    }
    int64_t t2 = mono_ns();
    res->fill_ns = (double)(t1 - t0) / N;
    res->mark_ns = (double)(t2 - t1) / N;
}

qc_err qc_risk_bench(const qc_risk_bench_opts *o, qc_risk_bench_result *res, qc_error *err) {
    memset(res, 0, sizeof *res);
    res->timer = "clock_gettime(CLOCK_MONOTONIC) around each check, median back-to-back cost subtracted";
    if (o->symbols < 1 || o->symbols > 10000000) return qc_err_set(err, QC_ERR_INPUT, "bench: symbols must be 1..1e7");
    uint64_t seed = o->seed ? o->seed : 42;
    qc_risk *r = NULL;
    qc_err rc = bench_engine(o->symbols, &seed, &r, err);
    if (rc) return rc;
    uint64_t *h = calloc(HIST_NS, sizeof *h);
    qc_risk_order *pool = malloc(POOL * sizeof *pool);
    if (!h || !pool) {
        free(h);
        free(pool);
        qc_risk_free(r);
        return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    }
    make_orders(r, o->symbols, &seed, pool);
    res->timer_overhead_ns = timer_overhead();
    res->orders = o->orders;
    time_checks(r, pool, o, h, res);
    res->p50_ns = pct(h, o->orders, 0.50);
    res->p99_ns = pct(h, o->orders, 0.99);
    res->p999_ns = pct(h, o->orders, 0.999);
    time_pnl(r, o->symbols, &seed, res);
    free(h);
    free(pool);
    qc_risk_free(r);
    return QC_OK;
}
