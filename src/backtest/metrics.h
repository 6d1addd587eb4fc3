/* metrics.h: performance statistics of a return series or an equity curve, with stated
 * conventions: r_t = P_t / P_{t-1} - 1 (the first return from the initial equity); Sharpe =
 * mean(r - rf) / std(r, ddof=1) * sqrt(periods); Sortino's downside deviation
 * sqrt(mean(min(r - MAR, 0)^2)) over all periods, annualised the same way; max drawdown as a
 * positive fraction with the running peak starting at the initial equity; CAGR from periods /
 * periods-per-year; PSR, DSR and minimum track record length (Bailey & Lopez de Prado 2012, 2014)
 * from the non-annualised excess Sharpe, sample skewness and non-excess kurtosis. */
#ifndef QC_BACKTEST_METRICS_H
#define QC_BACKTEST_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "execution/account.h"

typedef struct {
    double periods_per_year; /* e.g. 252 for daily bars; required (> 0) */
    double rf;               /* risk-free rate per period (default 0) */
    double mar;              /* minimum acceptable return per period for Sortino (default 0) */
    double benchmark_sr;     /* per-period Sharpe the PSR tests against (default 0) */
    size_t trials;           /* DSR: number of trials (0 or 1: DSR = PSR against benchmark_sr) */
    double trials_sr_var;    /* DSR: variance of the trials' per-period Sharpe ratios */
    double var_level;        /* VaR/CVaR confidence (default 0.95) */
} qc_metrics_opts;

void qc_metrics_opts_init(qc_metrics_opts *o);

typedef struct {
    size_t n_periods;
    double periods_per_year;
    double initial_equity, final_equity;
    double total_return, cagr, volatility;   /* volatility annualised */
    double sharpe, sortino, calmar;          /* annualised */
    double sharpe_per_period;                /* the non-annualised excess Sharpe PSR/DSR use */
    double max_drawdown;                     /* positive fraction */
    int64_t dd_peak_ts, dd_trough_ts, dd_recovery_ts; /* QC_TS_NONE: not recovered / no drawdown */
    size_t dd_duration;                      /* periods from peak to recovery (or to the end) */
    /* The same points as period indexes 0..n-1: dd_peak_i == -1 when the peak is the
     * initial equity (then dd_peak_ts is QC_TS_NONE: it has no stamp), dd_recovery_i == -1 when
     * not recovered by the end; all three -1 when there is no drawdown. */
    long dd_peak_i, dd_trough_i, dd_recovery_i;
    double skew, kurtosis;                   /* sample skewness, non-excess kurtosis */
    double var, cvar;                        /* historical, per period, as positive losses */
    size_t n_trades;
    double hit_rate, profit_factor, avg_win, avg_loss; /* from round trips */
    double turnover;                         /* annualised: sum(traded notional / equity) / years */
    double exposure;                         /* fraction of periods with a non-zero position */
    double psr, dsr, min_trl;                /* min_trl in periods at the PSR's 95% level */
    double dsr_benchmark_sr;                 /* per-period SR* the DSR tested against */
} qc_metrics;

/* Inputs of a backtest's statistics; the optional arrays may be NULL. */
typedef struct {
    const int64_t *ts;
    const double *equity;          /* n equity values at the end of each period */
    size_t n;
    double initial_equity;         /* equity before the first period */
    const double *gross_exposure;  /* optional: per-period gross exposure in currency */
    const double *traded_notional; /* optional: per-period traded notional */
    const qc_roundtrip *trades;
    size_t n_trades;
} qc_perf_input;

qc_err qc_metrics_compute(const qc_perf_input *in, const qc_metrics_opts *o, qc_metrics *m, qc_error *err);
/* From a plain return series (ts may be NULL). */
qc_err qc_metrics_from_returns(const int64_t *ts, const double *r, size_t n, const qc_metrics_opts *o,
                               qc_metrics *m, qc_error *err);

/* The q-quantile of x[0..n) with numpy's default linear interpolation (h = (n-1)q), found by
 * selection in O(n); x is reordered. n >= 1. */
double qc_quantile_inplace(double *x, size_t n, double q);

/* Probabilistic Sharpe Ratio: P(SR* > sr_benchmark) for an observed per-period Sharpe sr over n
 * observations with the given skewness and (non-excess) kurtosis. */
double qc_psr(double sr, double sr_benchmark, size_t n, double skew, double kurtosis);
/* Expected maximum Sharpe of `trials` unskilled trials with variance var (the DSR's benchmark). */
double qc_expected_max_sr(size_t trials, double var);
/* Minimum track record length (periods) for P(SR > sr_benchmark) >= prob. */
double qc_min_trl(double sr, double sr_benchmark, double skew, double kurtosis, double prob);

/* Standard normal CDF (from erfc) and its inverse (Wichura's AS241, ~1e-16 relative);
 * qc_norm_ppf(0) = -INFINITY, qc_norm_ppf(1) = INFINITY, NaN outside [0, 1]. */
double qc_norm_cdf(double x);
double qc_norm_ppf(double p);

#endif
