/* backtest.h: a backtest run: aligned replay of bar series through the shared kernel
 * (execution/kernel.h) with the simulated venue, then statistics, and the run's outputs (JSON,
 * trades CSV, equity CSV). The same strategy and order objects run live with another venue. */
#ifndef QC_BACKTEST_H
#define QC_BACKTEST_H

#include <stdio.h>

#include "backtest/metrics.h"
#include "backtest/sim_venue.h"
#include "core/calendar.h"
#include "execution/kernel.h"
#include "execution/route_venue.h"

typedef struct {
    const qc_strategy_def *strategy;
    const qc_params *params;
    qc_kernel_opts kernel;   /* cash, leverage limit, borrow rate */
    qc_sim_opts sim;         /* fill mode, participation, costs, integer shares */
    qc_venue_setup venue;    /* the venue: the bar venue (sim, default), one exchange, or the router (sor) */
    qc_metrics_opts metrics; /* periods_per_year 0 = derived (qc_backtest_periods_per_year) */
    const qc_calendar *cal;
    int64_t interval_s;
    int keep_symbol_curves;  /* record per-symbol P&L curves (n_events x n_symbols doubles) */
    int keep_exposures;      /* record gross and net exposure per event (the equity CSV's columns) */
    void (*progress)(void *ctx, const char *phase, size_t done, size_t total);
    void *progress_ctx;
    /* A finished result of an earlier run (NULL = none), consumed by qc_backtest_run: its time, equity
     * and benchmark arrays are taken over when large enough (pages already touched: repeated runs
     * skip the first-touch faults), the rest is freed; it is left empty either way. */
    struct qc_backtest_result *recycle;
} qc_backtest_opts;

void qc_backtest_opts_init(qc_backtest_opts *o);

typedef struct {
    uint32_t symbol;
    double qty, avg_cost, last_price, unrealized;
} qc_open_position;

typedef struct qc_backtest_result {
    size_t n_symbols;
    char **symbols;
    size_t n;                 /* events */
    size_t cap;               /* events the curves have room for */
    int64_t *ts;
    double *equity;           /* portfolio equity after each event */
    double *benchmark;        /* equal-weight buy-and-hold of the universe, no costs */
    double *comparison;       /* the strategy's comparison curve (qc_ctx_set_comparison), else NULL */
    const char *comparison_label;
    double *gross, *net;      /* keep_exposures: exposures after each event, else NULL */
    double *symbol_pnl;       /* keep_symbol_curves: [event * n_symbols + s] realised + unrealised */
    double initial_equity, periods_per_year;
    qc_metrics metrics;
    qc_roundtrip *trades;
    size_t n_trades;
    qc_open_position *open;   /* positions open at the end (marked to the last close, not trades) */
    size_t n_open;
    size_t n_orders, n_bar_events;
    qc_kernel_risk_stats risk;    /* what the risk engine refused or engaged (kernel.risk set) */
    double commission_paid, borrow_paid;
    qc_sim_stats sim;         /* sim venue; with another venue only .fills (fills the kernel got) is set */
    qc_venue_kind venue_kind;
    qc_exchange_stats exchange; /* venue exchange */
    qc_route_stats routing;     /* venue sor */
    int64_t simulate_ns, stats_ns;
    int64_t simulate_cpu_ns;  /* CPU time of the replaying thread (steady under machine load) */
} qc_backtest_result;

/* Periods per year for bars of interval_s on cal: 252 for daily bars; otherwise sessions per year
 * times bars per regular session (24/7: 365.25 days of bars). */
double qc_backtest_periods_per_year(const qc_calendar *cal, int64_t interval_s);

qc_err qc_backtest_run(const qc_bars *const *series, const char *const *symbols, size_t n_symbols,
                       const qc_backtest_opts *o, qc_backtest_result *res, qc_error *err);
void qc_backtest_result_free(qc_backtest_result *res);

/* A run driven one event at a time (the paper-trading engine, src/app): the recording, benchmark
 * and statistics of qc_backtest_run over the general merge loop, with the caller's venue `front`
 * in the kernel (it may forward to `sim`, the simulated venue whose statistics the result reports;
 * both caller-owned, sim made with the sim options of o completed by qc_backtest_sim_opts) and the
 * caller's clock. Same series and options give the same result as qc_backtest_run. */
typedef struct qc_backtest_session qc_backtest_session;
void qc_backtest_sim_opts(const qc_backtest_opts *o, qc_sim_opts *out);
qc_err qc_backtest_session_new(const qc_bars *const *series, const char *const *symbols, size_t n_symbols,
                               const qc_backtest_opts *o, qc_venue *sim, qc_venue *front, const qc_clock *clock,
                               qc_backtest_session **out, qc_error *err);
/* Time of the next event; INT64_MAX when the series are exhausted. */
int64_t qc_backtest_session_peek(const qc_backtest_session *s);
size_t qc_backtest_session_events(const qc_backtest_session *s);
qc_err qc_backtest_session_step(qc_backtest_session *s, qc_error *err);
qc_kernel *qc_backtest_session_kernel(qc_backtest_session *s);
/* Ends the run (on_finish, statistics) into res (owned by the caller afterwards). Once only. */
qc_err qc_backtest_session_finish(qc_backtest_session *s, qc_backtest_result *res, qc_error *err);
void qc_backtest_session_free(qc_backtest_session *s);

/* The venue of o->venue (the bar venue of o->sim for sim) for n_symbols; free with
 * qc_backtest_venue_free(o->venue.kind, v). */
qc_err qc_backtest_venue_new(const qc_backtest_opts *o, size_t n_symbols, qc_venue **out, qc_error *err);
void qc_backtest_venue_free(qc_venue_kind kind, qc_venue *v);

/* Outputs. `run` describes the run (strategy and parameters, data, options) for the JSON. */
qc_err qc_backtest_write_json(FILE *f, const qc_backtest_result *r, const char *run, const qc_calendar *cal,
                              int64_t interval_s, qc_error *err);
qc_err qc_backtest_write_trades_csv(FILE *f, const qc_backtest_result *r, const qc_calendar *cal,
                                    int64_t interval_s, qc_error *err);
qc_err qc_backtest_write_equity_csv(FILE *f, const qc_backtest_result *r, const qc_calendar *cal,
                                    int64_t interval_s, qc_error *err);

#endif
