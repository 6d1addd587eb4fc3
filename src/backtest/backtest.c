/* backtest.c: replays aligned bar series through the kernel with the simulated venue, records the
 * equity curve, exposures and an equal-weight buy-and-hold benchmark, computes the statistics and
 * writes the run's JSON and CSV outputs. Events are the union of the series' timestamps; a symbol
 * without a bar at an event is simply absent from it. */
#include "backtest/backtest.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/mem.h"
#include "core/strutil.h"
#include "core/time.h"

void qc_backtest_opts_init(qc_backtest_opts *o) {
    memset(o, 0, sizeof *o);
    o->kernel.cash = 100000;
    qc_sim_opts_init(&o->sim);
    qc_metrics_opts_init(&o->metrics);
    o->metrics.periods_per_year = 0;
    o->interval_s = 86400;
    qc_venue_setup_init(&o->venue, QC_VENUE_SIM);
}

double qc_backtest_periods_per_year(const qc_calendar *cal, int64_t interval_s) {
    if (interval_s >= 86400) return interval_s == 86400 ? (strcmp(qc_calendar_name(cal), "24/7") ? 252.0 : 365.25)
                                                        : 252.0 * 86400.0 / (double)interval_s;
    /* bars per regular session, from a normal (not early-close) session */
    int64_t day = qc_days_from_civil(2024, 1, 3), open, close;
    if (!qc_calendar_session(cal, day, &open, &close)) return 252.0;
    double per_session = ceil((double)(close - open) / ((double)interval_s * QC_NS_PER_SEC));
    return qc_calendar_sessions_per_year(cal) * per_session;
}

static int64_t clock_ns(clockid_t id) {
    struct timespec t;
    clock_gettime(id, &t);
    return (int64_t)t.tv_sec * QC_NS_PER_SEC + t.tv_nsec;
}

static int64_t mono_ns(void) { return clock_ns(CLOCK_MONOTONIC); }

/* A replay clock: its time is the event being replayed. */
typedef struct {
    qc_clock base;
    int64_t t;
} replay_clock;

static int64_t replay_now(const qc_clock *c) { return ((const replay_clock *)c)->t; }

/* Checks every series; *one_line tells whether all share the first one's stamps (one timeline),
 * compared right after each series' time-order check read its stamps. */
static qc_err check_series(const qc_bars *const *series, const char *const *symbols, size_t n, int *one_line,
                           qc_error *err) {
    if (n == 0) return qc_err_set(err, QC_ERR_INPUT, "backtest: no data");
    *one_line = 1;
    for (size_t s = 0; s < n; s++) {
        const qc_bars *b = series[s];
        if (b->n < 2) return qc_err_set(err, QC_ERR_INPUT, "backtest: %s has %zu bar%s (need at least 2)",
                                        symbols[s], b->n, b->n == 1 ? "" : "s");
        if (!qc_bars_is_strictly_increasing(b))
            return qc_err_set(err, QC_ERR_INPUT, "backtest: %s bars are not in time order", symbols[s]);
        if (*one_line && s > 0)
            *one_line = b->n == series[0]->n && memcmp(b->ts, series[0]->ts, b->n * sizeof *b->ts) == 0;
        for (size_t i = 0; i < b->n; i++)
            if (!(isfinite(b->open[i]) && isfinite(b->high[i]) && isfinite(b->low[i]) && isfinite(b->close[i]) &&
                  b->close[i] > 0)) {
                char when[40];
                qc_time_format_iso(b->ts[i], when, sizeof when);
                return qc_err_set(err, QC_ERR_INPUT, "backtest: %s has a missing or non-positive price at %s (bar %zu)",
                                  symbols[s], when, i + 1);
            }
    }
    return QC_OK;
}

static qc_err alloc_result(qc_backtest_result *r, const char *const *symbols, size_t n_sym, size_t cap, int curves,
                           int exposures, qc_error *err) {
    r->n_symbols = n_sym;
    r->symbols = calloc(n_sym, sizeof *r->symbols);
    if (!r->ts) r->ts = qc_alloc_large(cap * sizeof *r->ts); /* unless recycled (run_begin) */
    if (!r->equity) r->equity = qc_alloc_large(cap * sizeof(double));
    if (!r->benchmark) r->benchmark = qc_alloc_large(cap * sizeof(double));
    r->cap = cap; /* the comparison curve is allocated when a strategy first sets one */
    r->gross = exposures ? qc_alloc_large(cap * sizeof(double)) : NULL;
    r->net = exposures ? qc_alloc_large(cap * sizeof(double)) : NULL;
    r->symbol_pnl = curves ? qc_alloc_large(cap * n_sym * sizeof(double)) : NULL;
    if (!r->symbols || !r->ts || !r->equity || !r->benchmark || (exposures && (!r->gross || !r->net)) ||
        (curves && !r->symbol_pnl))
        return qc_err_set(err, QC_ERR_NOMEM, "out of memory for the equity curve");
    for (size_t s = 0; s < n_sym; s++)
        if (!(r->symbols[s] = qc_strdup(symbols[s]))) return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    return QC_OK;
}

/* Equal-weight buy-and-hold: each symbol gets cash/n at its first close, no costs. */
typedef struct {
    double *units, *first;
    double idle;
} bench_state;

static double bench_update(bench_state *b, const qc_bars *const *series, const size_t *idx, const uint8_t *has,
                           size_t n_sym, double cash, const double *last) {
    double v = b->idle;
    for (size_t s = 0; s < n_sym; s++) {
        if (has[s] && b->units[s] == 0 && b->first[s] == 0) {
            b->first[s] = series[s]->close[idx[s]];
            b->units[s] = cash / (double)n_sym / b->first[s];
            b->idle -= cash / (double)n_sym;
            v -= cash / (double)n_sym;
        }
        if (b->units[s] > 0) v += b->units[s] * last[s];
    }
    return v;
}

static void record_symbol_pnl(qc_backtest_result *r, const qc_account *a, size_t e) {
    for (size_t s = 0; s < r->n_symbols; s++)
        r->symbol_pnl[e * r->n_symbols + s] = a->pos[s].realized + qc_account_unrealized(a, (uint32_t)s);
}

typedef struct {
    qc_kernel *k;
    qc_venue *venue;
    qc_venue_kind kind;
    size_t *idx;
    uint8_t *has;
    double *last;
    size_t *held;   /* scratch: symbols held through a quiet stretch */
    bench_state bench;
    int one_line;   /* the series share one timeline (check_series) */
} run_state;

static void run_state_free(run_state *st) {
    qc_kernel_free(st->k);
    qc_backtest_venue_free(st->kind, st->venue);
    free(st->idx);
    free(st->has);
    free(st->last);
    free(st->held);
    free(st->bench.units);
    free(st->bench.first);
}

/* What the statistics need of exposure and trading, summed as the run goes (the metrics' exposure
 * and turnover, without a per-event array of each). */
typedef struct {
    double traded_before; /* the account's traded notional at the previous event */
    double turnover;      /* sum over events of notional traded / equity */
    size_t exposed;       /* events with a non-zero gross exposure */
} run_sums;

/* The curves of event e, after the kernel handled it. */
static inline void record(qc_backtest_result *r, qc_kernel *k, size_t e, int64_t ts, run_sums *sums) {
    const qc_account *a = qc_kernel_account(k);
    double eq, gross, net;
    qc_kernel_snapshot(k, &eq, &gross, &net); /* often summed already, for the event's leverage checks */
    r->ts[e] = ts;
    r->equity[e] = eq;
    if (r->gross) r->gross[e] = gross, r->net[e] = net;
    sums->exposed += gross > 0;
    double traded = a->traded_notional - sums->traded_before;
    if (traded != 0) { /* adding 0 / equity would change nothing */
        sums->turnover += traded / eq;
        sums->traded_before = a->traded_notional;
    }
    if (r->symbol_pnl) record_symbol_pnl(r, a, e);
}

/* The strategy's comparison value at event e, once it keeps one (earlier events are NaN); -1 when
 * out of memory. Runs without a comparison never allocate the curve. */
static inline int record_comparison(qc_backtest_result *r, const qc_kernel *k, size_t e) {
    if (!r->comparison) {
        if (!qc_kernel_comparison_label(k)) return 0;
        r->comparison = qc_alloc_large(r->cap * sizeof(double));
        if (!r->comparison) return -1;
        for (size_t i = 0; i < e; i++) r->comparison[i] = NAN;
    }
    r->comparison[e] = qc_kernel_comparison(k);
    return 0;
}

/* Counts bars toward the progress callback. */
static inline void progress(const qc_backtest_opts *o, size_t bars, size_t done, size_t total, size_t every,
                            size_t *countdown) {
    if (*countdown <= bars) {
        *countdown = every;
        if (o->progress) o->progress(o->progress_ctx, "simulate", done, total);
    } else {
        *countdown -= bars;
    }
}

/* The benchmark of events 1.. on one timeline, after the run: every symbol was bought at event 0,
 * so each value is the idle cash plus units x close, summed in symbol order as bench_update does. */
static void bench_after(const bench_state *b, const qc_bars *const *series, size_t n_sym, double *out, size_t n) {
    const double idle = b->idle, u0 = b->units[0], *c0 = series[0]->close;
    for (size_t e = 1; e < n; e++) out[e] = idle + u0 * c0[e]; /* the first symbol with the idle cash: one pass less */
    size_t s = 1;
    for (; s + 4 <= n_sym; s += 4) { /* four symbols a pass, added in symbol order: the same sums */
        const double *c1 = series[s]->close, *c2 = series[s + 1]->close, *c3 = series[s + 2]->close,
                     *c4 = series[s + 3]->close;
        const double u1 = b->units[s], u2 = b->units[s + 1], u3 = b->units[s + 2], u4 = b->units[s + 3];
        for (size_t e = 1; e < n; e++) out[e] = out[e] + u1 * c1[e] + u2 * c2[e] + u3 * c3[e] + u4 * c4[e];
    }
    for (; s < n_sym; s++) {
        const double *c = series[s]->close, u = b->units[s];
        for (size_t e = 1; e < n; e++) out[e] += u * c[e];
    }
}

/* record_quiet's curves for one held symbol of qty shares with closes c: the same operations
 * (v = 0 + x, g = 0 + |x|), with nothing the stores could change reloaded. With bench (a
 * one-symbol run) also the benchmark's values from the same closes, as bench_after computes them. */
static void record_quiet_one(qc_backtest_result *r, double cash, double qty, const double *c, size_t from,
                             size_t to, const bench_state *bench, run_sums *sums) {
    double *eq = r->equity, *gross = r->gross, *net = r->net, *bm = bench ? r->benchmark : NULL;
    const double idle = bench ? bench->idle : 0, u = bench ? bench->units[0] : 0;
    size_t exposed = 0;
    if (bm) {
        for (size_t e = from; e < to; e++) {
            double x = qty * c[e], v = 0.0 + x, g = 0.0 + fabs(x);
            eq[e] = cash + v;
            bm[e] = idle + u * c[e];
            exposed += g > 0;
        }
    } else {
        for (size_t e = from; e < to; e++) {
            double x = qty * c[e], v = 0.0 + x, g = 0.0 + fabs(x);
            eq[e] = cash + v;
            exposed += g > 0;
        }
    }
    for (size_t e = from; gross && e < to; e++) {
        double x = qty * c[e];
        gross[e] = 0.0 + fabs(x), net[e] = 0.0 + x;
    }
    sums->exposed += exposed;
}

/* The curves of the quiet events [from, to) the kernel passed: positions and cash are those after
 * event from - 1 and each event marks at its own closes (finite: check_series), so every value is
 * what record() computes there, in the same order of operations (qc_account_snapshot over the held
 * symbols; turnover unchanged: nothing traded). */
static qc_err record_quiet(qc_backtest_result *r, const qc_kernel *k, const qc_bars *const *series, size_t from,
                           size_t to, const int64_t *stamps, const bench_state *bench, run_sums *sums, size_t *held,
                           qc_error *err) {
    const qc_account *a = qc_kernel_account(k);
    size_t nh = 0;
    for (size_t s = 0; s < r->n_symbols; s++)
        if (a->hold[s].qty != 0) held[nh++] = s;
    memcpy(r->ts + from, stamps + from, (to - from) * sizeof *stamps);
    if (nh == 0) { /* flat: the equity is the cash */
        const double eq = a->cash + 0.0;
        for (size_t e = from; e < to; e++) r->equity[e] = eq;
        if (r->gross)
            for (size_t e = from; e < to; e++) r->gross[e] = 0, r->net[e] = 0;
    }
    if (nh == 1) { /* one held symbol (a one-symbol run): the loop below, its values in registers */
        record_quiet_one(r, a->cash, a->hold[held[0]].qty, series[held[0]]->close, from, to, bench, sums);
        nh = 0;
        bench = NULL; /* done */
    }
    for (size_t e = from; bench && e < to; e++) r->benchmark[e] = bench->idle + bench->units[0] * series[0]->close[e];
    for (size_t e = from; nh && e < to; e++) {
        double g = 0, v = 0;
        for (size_t j = 0; j < nh; j++) {
            double x = a->hold[held[j]].qty * series[held[j]]->close[e];
            v += x;
            g += fabs(x);
        }
        r->equity[e] = a->cash + v;
        if (r->gross) r->gross[e] = g, r->net[e] = v;
        sums->exposed += g > 0;
    }
    for (size_t e = from; r->symbol_pnl && e < to; e++)
        for (size_t s = 0; s < r->n_symbols; s++) {
            const qc_position *p = &a->pos[s];
            double q = a->hold[s].qty, un = q == 0 ? 0 : q * (series[s]->close[e] - p->avg_cost);
            r->symbol_pnl[e * r->n_symbols + s] = p->realized + un;
        }
    if (!r->comparison && !qc_kernel_comparison_label(k)) return QC_OK; /* no comparison curve */
    for (size_t e = from; e < to; e++)
        if (record_comparison(r, k, e)) return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    return QC_OK;
}

static qc_err replay_one_timeline(run_state *st, const qc_bars *const *series, size_t n_sym,
                                  const qc_backtest_opts *o, replay_clock *clk, qc_backtest_result *r,
                                  run_sums *sums, qc_error *err) {
    const int64_t *stamps = series[0]->ts;
    size_t n = series[0]->n, total = n * n_sym, every = total / 100 + 1, countdown = every;
    memset(st->has, 1, n_sym);
    const bench_state *bench = n_sym == 1 ? &st->bench : NULL; /* one symbol: the benchmark as the run goes */
    for (size_t e = 0; e < n; e++) {
        /* quiet events (the strategy's span hook) pass in one call; event 0 starts the benchmark */
        size_t q = e ? qc_kernel_quiet(st->k, stamps, series, e, n) : e;
        if (q > e) {
            qc_err rc = record_quiet(r, st->k, series, e, q, stamps, bench, sums, st->held, err);
            if (rc) return rc;
            progress(o, (q - e) * n_sym, q * n_sym, total, every, &countdown);
            if (q == n) break;
            e = q;
        }
        clk->t = stamps[e];
        qc_err rc = qc_kernel_event_line(st->k, stamps[e], series, e, err);
        if (rc) return rc;
        record(r, st->k, e, stamps[e], sums);
        if (record_comparison(r, st->k, e)) return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
        if (e == 0) { /* st->idx is all zeros */
            for (size_t s = 0; s < n_sym; s++) st->last[s] = series[s]->close[0];
            r->benchmark[0] = bench_update(&st->bench, series, st->idx, st->has, n_sym, o->kernel.cash, st->last);
        } else if (bench) {
            r->benchmark[e] = bench->idle + bench->units[0] * series[0]->close[e];
        }
        progress(o, n_sym, (e + 1) * n_sym, total, every, &countdown);
    }
    r->n = n;
    r->n_bar_events = total;
    if (!bench) bench_after(&st->bench, series, n_sym, r->benchmark, n);
    return QC_OK;
}

static int64_t next_ts(const run_state *st, const qc_bars *const *series, size_t n_sym) {
    int64_t ts = INT64_MAX;
    for (size_t s = 0; s < n_sym; s++)
        if (st->idx[s] < series[s]->n && series[s]->ts[st->idx[s]] < ts) ts = series[s]->ts[st->idx[s]];
    return ts;
}

/* One event of the merge: the bars of every symbol closing at ts. */
static qc_err merge_event(run_state *st, const qc_bars *const *series, size_t n_sym, const qc_backtest_opts *o,
                          replay_clock *clk, qc_backtest_result *r, run_sums *sums, int64_t ts, size_t *bars,
                          qc_error *err) {
    for (size_t s = 0; s < n_sym; s++) {
        st->has[s] = st->idx[s] < series[s]->n && series[s]->ts[st->idx[s]] == ts;
        if (st->has[s]) st->last[s] = series[s]->close[st->idx[s]];
    }
    clk->t = ts;
    qc_err rc = qc_kernel_event(st->k, ts, series, st->idx, st->has, err);
    if (rc) return rc;
    size_t e = r->n++;
    record(r, st->k, e, ts, sums);
    if (record_comparison(r, st->k, e)) return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    r->benchmark[e] = bench_update(&st->bench, series, st->idx, st->has, n_sym, o->kernel.cash, st->last);
    *bars = 0;
    for (size_t s = 0; s < n_sym; s++) {
        st->idx[s] += st->has[s];
        *bars += st->has[s];
    }
    r->n_bar_events += *bars;
    return QC_OK;
}

/* The replay loop: one kernel event per distinct timestamp. */
static qc_err replay(run_state *st, const qc_bars *const *series, size_t n_sym, const qc_backtest_opts *o,
                     replay_clock *clk, qc_backtest_result *r, run_sums *sums, qc_error *err) {
    if (st->one_line) return replay_one_timeline(st, series, n_sym, o, clk, r, sums, err);
    size_t total = 0, every, countdown;
    for (size_t s = 0; s < n_sym; s++) total += series[s]->n;
    countdown = every = total / 100 + 1;
    for (;;) {
        int64_t ts = next_ts(st, series, n_sym);
        if (ts == INT64_MAX) break;
        size_t bars;
        qc_err rc = merge_event(st, series, n_sym, o, clk, r, sums, ts, &bars, err);
        if (rc) return rc;
        progress(o, bars, r->n_bar_events, total, every, &countdown);
    }
    return QC_OK;
}

static qc_err collect(const run_state *st, qc_backtest_result *r, qc_error *err) {
    const qc_account *a = qc_kernel_account(st->k);
    r->comparison_label = qc_kernel_comparison_label(st->k);
    if (!r->comparison_label) { /* the strategy keeps no comparison */
        free(r->comparison);
        r->comparison = NULL;
    }
    r->n_orders = qc_kernel_n_orders(st->k);
    r->risk = *qc_kernel_risk(st->k);
    r->venue_kind = st->kind;
    if (st->kind == QC_VENUE_SIM) r->sim = *qc_sim_venue_stats(st->venue);
    if (st->kind == QC_VENUE_EXCHANGE) r->exchange = *qc_exchange_venue_stats(st->venue);
    if (st->kind == QC_VENUE_EXCHANGE) r->sim.fills = r->exchange.fills;
    if (st->kind == QC_VENUE_SOR) r->routing = *qc_route_venue_stats(st->venue);
    if (st->kind == QC_VENUE_SOR) r->sim.fills = r->routing.fills;
    r->borrow_paid = a->borrow_paid;
    r->n_trades = a->n_trades;
    r->trades = malloc((a->n_trades ? a->n_trades : 1) * sizeof *r->trades);
    r->open = malloc(r->n_symbols * sizeof *r->open);
    if (!r->trades || !r->open) return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    if (a->n_trades) memcpy(r->trades, a->trades, a->n_trades * sizeof *r->trades);
    for (size_t s = 0; s < r->n_symbols; s++) {
        const qc_position *p = &a->pos[s];
        r->commission_paid += p->costs;
        const qc_holding *h = &a->hold[s];
        if (h->qty == 0) continue;
        r->open[r->n_open++] = (qc_open_position){(uint32_t)s, h->qty, p->avg_cost, h->last_price,
                                                  qc_account_unrealized(a, (uint32_t)s)};
    }
    return QC_OK;
}

/* Options the run derives: periods per year for the statistics and the kernel's borrow accrual. */
static void derive_opts(const qc_backtest_opts *o, qc_metrics_opts *mo, qc_kernel_opts *ko) {
    *mo = o->metrics;
    if (!(mo->periods_per_year > 0)) mo->periods_per_year = qc_backtest_periods_per_year(o->cal, o->interval_s);
    *ko = o->kernel;
    ko->periods_per_year = mo->periods_per_year;
    ko->cal = o->cal;
}

void qc_backtest_sim_opts(const qc_backtest_opts *o, qc_sim_opts *so) {
    *so = o->sim;
    so->cal = o->cal;
    so->interval_s = o->interval_s;
}

qc_err qc_backtest_venue_new(const qc_backtest_opts *o, size_t n_sym, qc_venue **out, qc_error *err) {
    if (o->venue.kind != QC_VENUE_SIM) return qc_venue_setup_make(&o->venue, n_sym, out, err);
    qc_sim_opts so;
    qc_backtest_sim_opts(o, &so);
    return qc_sim_venue_new(&so, n_sym, out, err);
}

void qc_backtest_venue_free(qc_venue_kind kind, qc_venue *v) {
    if (kind == QC_VENUE_SIM) qc_sim_venue_free(v);
    else qc_venue_setup_free(kind, v);
}

/* Takes over the curve arrays of a finished result when they hold cap events; frees the rest. */
static void recycle_arrays(qc_backtest_result *old, size_t cap, qc_backtest_result *r) {
    if (old->cap >= cap && old->ts && old->equity && old->benchmark) {
        r->ts = old->ts, r->equity = old->equity, r->benchmark = old->benchmark;
        old->ts = NULL, old->equity = old->benchmark = NULL;
    }
    qc_backtest_result_free(old);
}

/* Checks the series, allocates the run state and the result, makes the kernel over `venue`. */
static qc_err run_begin(const qc_bars *const *series, const char *const *symbols, size_t n_sym,
                        const qc_backtest_opts *o, run_state *st, qc_venue *venue, const qc_clock *clock,
                        qc_backtest_result *r, qc_error *err) {
    memset(r, 0, sizeof *r);
    size_t cap = 0;
    for (size_t s = 0; s < n_sym; s++) cap += series[s]->n;
    if (o->recycle) recycle_arrays(o->recycle, cap, r); /* consumed even when the run fails */
    qc_err rc = check_series(series, symbols, n_sym, &st->one_line, err);
    if (rc) return rc;
    qc_metrics_opts mo;
    qc_kernel_opts ko;
    derive_opts(o, &mo, &ko);
    r->periods_per_year = mo.periods_per_year;
    r->initial_equity = o->kernel.cash;
    st->idx = calloc(n_sym, sizeof *st->idx);
    st->has = calloc(n_sym, 1);
    st->last = calloc(n_sym, sizeof *st->last);
    st->held = calloc(n_sym, sizeof *st->held);
    st->bench.units = calloc(n_sym, sizeof(double));
    st->bench.first = calloc(n_sym, sizeof(double));
    st->bench.idle = o->kernel.cash;
    if (!st->idx || !st->has || !st->last || !st->held || !st->bench.units || !st->bench.first)
        return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    rc = alloc_result(r, symbols, n_sym, cap, o->keep_symbol_curves, o->keep_exposures, err);
    if (!rc) rc = qc_kernel_new(&ko, symbols, n_sym, o->strategy, o->params, venue, clock, &st->k, err);
    return rc;
}

/* on_finish, what the kernel and venue hold, then the statistics. */
static qc_err run_end(run_state *st, const qc_backtest_opts *o, const run_sums *sums, qc_backtest_result *r,
                      qc_error *err) {
    qc_kernel_finish(st->k);
    qc_err rc = collect(st, r, err);
    if (rc) return rc;
    int64_t t0 = mono_ns();
    qc_metrics_opts mo;
    qc_kernel_opts ko;
    derive_opts(o, &mo, &ko);
    qc_perf_input in = {r->ts, r->equity, r->n, r->initial_equity, NULL, NULL, r->trades, r->n_trades};
    rc = qc_metrics_compute(&in, &mo, &r->metrics, err);
    if (!rc) { /* the formulas of qc_metrics_compute, from the sums */
        r->metrics.exposure = (double)sums->exposed / (double)r->n;
        r->metrics.turnover = sums->turnover / ((double)r->n / mo.periods_per_year);
    }
    r->stats_ns = mono_ns() - t0;
    return rc;
}

qc_err qc_backtest_run(const qc_bars *const *series, const char *const *symbols, size_t n_sym,
                       const qc_backtest_opts *o, qc_backtest_result *r, qc_error *err) {
    run_state st = {0};
    replay_clock clk = {{replay_now}, 0};
    st.kind = o->venue.kind;
    qc_err rc = qc_backtest_venue_new(o, n_sym, &st.venue, err);
    if (!rc) rc = run_begin(series, symbols, n_sym, o, &st, st.venue, &clk.base, r, err);
    int64_t t0 = mono_ns(), c0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
    run_sums sums = {0};
    if (!rc) rc = replay(&st, series, n_sym, o, &clk, r, &sums, err);
    r->simulate_ns = mono_ns() - t0;
    r->simulate_cpu_ns = clock_ns(CLOCK_THREAD_CPUTIME_ID) - c0;
    if (!rc) rc = run_end(&st, o, &sums, r, err);
    run_state_free(&st);
    return rc;
}

/* ---- a run driven one event at a time ----------------------------------------------------------- */

struct qc_backtest_session {
    run_state st;
    replay_clock clk;
    const qc_bars *const *series;
    size_t n_sym;
    qc_backtest_opts o;
    qc_backtest_result r;
    run_sums sums;
    int finished;
    size_t n_finished; /* events, once the result moved out */
};

qc_err qc_backtest_session_new(const qc_bars *const *series, const char *const *symbols, size_t n_sym,
                               const qc_backtest_opts *o, qc_venue *sim, qc_venue *front, const qc_clock *clock,
                               qc_backtest_session **out, qc_error *err) {
    *out = NULL;
    qc_backtest_session *s = calloc(1, sizeof *s);
    if (!s) return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    s->clk.base.now = replay_now;
    s->series = series;
    s->n_sym = n_sym;
    s->o = *o;
    s->st.venue = sim; /* for its statistics; not freed here */
    s->st.kind = o->venue.kind;
    qc_err rc = run_begin(series, symbols, n_sym, o, &s->st, front, clock ? clock : &s->clk.base, &s->r, err);
    if (rc) {
        qc_backtest_session_free(s);
        return rc;
    }
    *out = s;
    return QC_OK;
}

int64_t qc_backtest_session_peek(const qc_backtest_session *s) { return next_ts(&s->st, s->series, s->n_sym); }
size_t qc_backtest_session_events(const qc_backtest_session *s) { return s->finished ? s->n_finished : s->r.n; }
qc_kernel *qc_backtest_session_kernel(qc_backtest_session *s) { return s->st.k; }

qc_err qc_backtest_session_step(qc_backtest_session *s, qc_error *err) {
    int64_t ts = next_ts(&s->st, s->series, s->n_sym);
    if (ts == INT64_MAX || s->finished) return qc_err_set(err, QC_ERR_INTERNAL, "session: no more events");
    size_t bars;
    return merge_event(&s->st, s->series, s->n_sym, &s->o, &s->clk, &s->r, &s->sums, ts, &bars, err);
}

qc_err qc_backtest_session_finish(qc_backtest_session *s, qc_backtest_result *res, qc_error *err) {
    if (s->finished) return qc_err_set(err, QC_ERR_INTERNAL, "session: finished twice");
    s->finished = 1;
    s->n_finished = s->r.n;
    qc_err rc = run_end(&s->st, &s->o, &s->sums, &s->r, err);
    *res = s->r;
    memset(&s->r, 0, sizeof s->r);
    return rc;
}

void qc_backtest_session_free(qc_backtest_session *s) {
    if (!s) return;
    s->st.venue = NULL; /* caller-owned */
    run_state_free(&s->st);
    qc_backtest_result_free(&s->r);
    free(s);
}

void qc_backtest_result_free(qc_backtest_result *r) {
    for (size_t s = 0; r->symbols && s < r->n_symbols; s++) free(r->symbols[s]);
    free(r->symbols);
    free(r->ts);
    free(r->equity);
    free(r->benchmark);
    free(r->comparison);
    free(r->gross);
    free(r->net);
    free(r->symbol_pnl);
    free(r->trades);
    free(r->open);
    memset(r, 0, sizeof *r);
}

/* ---- outputs ---------------------------------------------------------------------------------- */

/* JSON number: shortest text that reads back; null for NaN/inf. */
static void jnum(FILE *f, double v) {
    if (!isfinite(v)) {
        fputs("null", f);
        return;
    }
    char buf[32];
    for (int p = 15; p <= 17; p++) {
        snprintf(buf, sizeof buf, "%.*g", p, v);
        if (strtod(buf, NULL) == v) break;
    }
    fputs(buf, f);
}

static void jstr(FILE *f, const char *s) {
    char buf[512];
    size_t need = qc_json_escape(s, buf, sizeof buf);
    if (need < sizeof buf) {
        fputs(buf, f);
        return;
    }
    char *big = malloc(need + 1);
    if (!big) return;
    qc_json_escape(s, big, need + 1);
    fputs(big, f);
    free(big);
}

static void jstamp(FILE *f, const qc_calendar *cal, int64_t ts, int64_t iv) {
    char buf[48];
    qc_calendar_format_stamp(cal, ts, iv, buf, sizeof buf);
    if (ts == QC_TS_NONE) fputs("null", f);
    else jstr(f, buf);
}

static void json_metrics(FILE *f, const qc_metrics *m, const qc_calendar *cal, int64_t iv) {
    const struct {
        const char *k;
        double v;
    } nums[] = {{"total_return", m->total_return}, {"cagr", m->cagr},           {"volatility", m->volatility},
                {"sharpe", m->sharpe},             {"sortino", m->sortino},     {"calmar", m->calmar},
                {"max_drawdown", m->max_drawdown}, {"skew", m->skew},           {"kurtosis", m->kurtosis},
                {"var_95", m->var},                {"cvar_95", m->cvar},        {"hit_rate", m->hit_rate},
                {"profit_factor", m->profit_factor}, {"avg_win", m->avg_win},   {"avg_loss", m->avg_loss},
                {"turnover", m->turnover},         {"exposure", m->exposure},   {"psr", m->psr},
                {"dsr", m->dsr},                   {"min_trl", m->min_trl},     {"final_equity", m->final_equity},
                {"sharpe_per_period", m->sharpe_per_period}, {"periods_per_year", m->periods_per_year}};
    fputs("{", f);
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
        fprintf(f, "%s\"%s\": ", i ? ", " : "", nums[i].k);
        jnum(f, nums[i].v);
    }
    fprintf(f, ", \"n_trades\": %zu, \"n_periods\": %zu, \"drawdown_duration\": %zu", m->n_trades, m->n_periods,
            m->dd_duration);
    fputs(", \"max_drawdown_peak\": ", f);
    jstamp(f, cal, m->dd_peak_ts, iv);
    fputs(", \"max_drawdown_trough\": ", f);
    jstamp(f, cal, m->dd_trough_ts, iv);
    fputs(", \"max_drawdown_recovery\": ", f);
    jstamp(f, cal, m->dd_recovery_ts, iv);
    fputs("}", f);
}

static void json_trades(FILE *f, const qc_backtest_result *r, const qc_calendar *cal, int64_t iv) {
    fputs("[", f);
    for (size_t i = 0; i < r->n_trades; i++) {
        const qc_roundtrip *t = &r->trades[i];
        fprintf(f, "%s\n    {\"symbol\": ", i ? "," : "");
        jstr(f, r->symbols[t->symbol]);
        fprintf(f, ", \"side\": \"%s\", \"qty\": ", t->side > 0 ? "long" : "short");
        jnum(f, t->qty);
        fputs(", \"entry_time\": ", f);
        jstamp(f, cal, t->entry_ts, iv);
        fputs(", \"exit_time\": ", f);
        jstamp(f, cal, t->exit_ts, iv);
        const double v[] = {t->entry_price, t->exit_price, t->costs, t->pnl, t->ret};
        const char *k[] = {"entry_price", "exit_price", "costs", "pnl", "return"};
        for (int j = 0; j < 5; j++) {
            fprintf(f, ", \"%s\": ", k[j]);
            jnum(f, v[j]);
        }
        fprintf(f, ", \"bars_held\": %zu}", t->bars_held);
    }
    fputs(r->n_trades ? "\n  ]" : "]", f);
}

/* With an exchange or the router: "venue" and its statistics ("exchange" or "routing"). */
static void json_venue(FILE *f, const qc_backtest_result *r) {
    if (r->venue_kind == QC_VENUE_EXCHANGE) {
        const qc_exchange_stats *x = &r->exchange;
        fprintf(f, "  \"venue\": \"exchange\",\n  \"exchange\": {\"fills\": %zu, \"maker_fills\": %zu, \"taker_fills\": %zu, "
                   "\"shares\": %.10g, \"fees_paid\": %.10g, \"rebates\": %.10g, \"cancelled\": %zu, \"expired\": %zu},\n",
                x->fills, x->maker_fills, x->taker_fills, x->shares, x->fees_paid, x->rebates, x->cancelled, x->expired);
        return;
    }
    if (r->venue_kind != QC_VENUE_SOR) return;
    const qc_route_stats *g = &r->routing;
    fprintf(f, "  \"venue\": \"sor\",\n  \"routing\": {\"parents\": %zu, \"rounds\": %zu, \"children\": %zu, "
               "\"iso_children\": %zu, \"fills\": %zu, \"taken_qty\": %.10g, \"single_venue_qty\": %.10g, "
               "\"single_venue_short\": %.10g, \"cost_saved\": %.10g,\n    \"venues\": [",
            g->parents, g->rounds, g->children, g->iso_children, g->fills, g->taken_qty, g->single_qty, g->single_short,
            g->saved);
    for (size_t k = 0; k < g->n_venues; k++) {
        const qc_route_per_venue *v = &g->venue[k];
        fprintf(f, "%s{\"name\": ", k ? ", " : "");
        jstr(f, v->name);
        fprintf(f, ", \"fills\": %zu, \"maker_fills\": %zu, \"children\": %zu, \"iso_children\": %zu, \"qty\": %.10g, "
                   "\"notional\": %.10g, \"fees\": %.10g}",
                v->fills, v->maker_fills, v->children, v->iso_children, v->qty, v->notional, v->fees);
    }
    fputs("]},\n", f);
}

qc_err qc_backtest_write_json(FILE *f, const qc_backtest_result *r, const char *run, const qc_calendar *cal,
                              int64_t iv, qc_error *err) {
    fputs("{\n  \"run\": ", f);
    jstr(f, run);
    fputs(",\n  \"symbols\": [", f);
    for (size_t s = 0; s < r->n_symbols; s++) {
        if (s) fputs(", ", f);
        jstr(f, r->symbols[s]);
    }
    fputs("],\n  \"initial_equity\": ", f);
    jnum(f, r->initial_equity);
    fputs(",\n  \"metrics\": ", f);
    json_metrics(f, &r->metrics, cal, iv);
    fputs(",\n  \"trades\": ", f);
    json_trades(f, r, cal, iv);
    fputs(",\n  \"open_positions\": [", f);
    for (size_t i = 0; i < r->n_open; i++) {
        const qc_open_position *p = &r->open[i];
        fprintf(f, "%s{\"symbol\": ", i ? ", " : "");
        jstr(f, r->symbols[p->symbol]);
        const double v[] = {p->qty, p->avg_cost, p->last_price, p->unrealized};
        const char *k[] = {"qty", "avg_cost", "last_price", "unrealized_pnl"};
        for (int j = 0; j < 4; j++) {
            fprintf(f, ", \"%s\": ", k[j]);
            jnum(f, v[j]);
        }
        fputs("}", f);
    }
    fprintf(f, "],\n  \"orders\": %zu, \"fills\": %zu, \"partial_fills\": %zu, \"expired\": %zu, "
               "\"stop_and_target_bars\": %zu,\n",
            r->n_orders, r->sim.fills, r->sim.partial_fills, r->sim.expired, r->sim.stop_and_target_bars);
    fprintf(f, "  \"risk\": {\"rejected\": %zu, \"kills\": %zu, \"kill_cancels\": %zu, \"kill_flattens\": %zu, "
               "\"first_reject\": ",
            r->risk.rejected, r->risk.kills, r->risk.kill_cancels, r->risk.kill_flattens);
    if (r->risk.rejected) jstr(f, r->risk.first_reject.msg);
    else fputs("null", f);
    fputs("},\n", f);
    json_venue(f, r);
    fputs("  \"equity\": {\"time\": [", f);
    for (size_t i = 0; i < r->n; i++) {
        if (i) fputc(',', f);
        jstamp(f, cal, r->ts[i], iv);
    }
    fputs("],\n    \"equity\": [", f);
    for (size_t i = 0; i < r->n; i++) {
        if (i) fputc(',', f);
        jnum(f, r->equity[i]);
    }
    fputs("],\n    \"benchmark\": [", f);
    for (size_t i = 0; i < r->n; i++) {
        if (i) fputc(',', f);
        jnum(f, r->benchmark[i]);
    }
    if (r->comparison) {
        fputs("],\n    \"comparison_label\": ", f);
        jstr(f, r->comparison_label);
        fputs(",\n    \"comparison\": [", f);
        for (size_t i = 0; i < r->n; i++) {
            if (i) fputc(',', f);
            jnum(f, r->comparison[i]);
        }
    }
    fputs("]}\n}\n", f);
    return ferror(f) ? qc_err_set(err, QC_ERR_INPUT, "writing the JSON result failed") : QC_OK;
}

qc_err qc_backtest_write_trades_csv(FILE *f, const qc_backtest_result *r, const qc_calendar *cal, int64_t iv,
                                    qc_error *err) {
    fputs("symbol,side,qty,entry_time,exit_time,entry_price,exit_price,costs,pnl,return,bars_held\n", f);
    for (size_t i = 0; i < r->n_trades; i++) {
        const qc_roundtrip *t = &r->trades[i];
        char a[48], b[48];
        qc_calendar_format_stamp(cal, t->entry_ts, iv, a, sizeof a);
        qc_calendar_format_stamp(cal, t->exit_ts, iv, b, sizeof b);
        fprintf(f, "%s,%s,%.10g,%s,%s,%.10g,%.10g,%.10g,%.10g,%.10g,%zu\n", r->symbols[t->symbol],
                t->side > 0 ? "long" : "short", t->qty, a, b, t->entry_price, t->exit_price, t->costs, t->pnl, t->ret,
                t->bars_held);
    }
    return ferror(f) ? qc_err_set(err, QC_ERR_INPUT, "writing the trades CSV failed") : QC_OK;
}

qc_err qc_backtest_write_equity_csv(FILE *f, const qc_backtest_result *r, const qc_calendar *cal, int64_t iv,
                                    qc_error *err) {
    fputs(r->gross ? "date,equity,benchmark,gross_exposure,net_exposure" : "date,equity,benchmark", f);
    if (r->comparison) fputs(",comparison", f);
    for (size_t s = 0; r->symbol_pnl && s < r->n_symbols; s++) fprintf(f, ",pnl_%s", r->symbols[s]);
    fputc('\n', f);
    for (size_t i = 0; i < r->n; i++) {
        char d[48];
        qc_calendar_format_stamp(cal, r->ts[i], iv, d, sizeof d);
        fprintf(f, "%s,%.10g,%.10g", d, r->equity[i], r->benchmark[i]);
        if (r->gross) fprintf(f, ",%.10g,%.10g", r->gross[i], r->net[i]);
        if (r->comparison) fprintf(f, ",%.10g", r->comparison[i]);
        for (size_t s = 0; r->symbol_pnl && s < r->n_symbols; s++)
            fprintf(f, ",%.10g", r->symbol_pnl[i * r->n_symbols + s]);
        fputc('\n', f);
    }
    return ferror(f) ? qc_err_set(err, QC_ERR_INPUT, "writing the equity CSV failed") : QC_OK;
}
