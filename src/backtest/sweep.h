/* sweep.h: parameter sweeps: every combination of a strategy's parameter grid backtested on one
 * bar series, on every split of a cross-validation plan (validation.h), in parallel threads, with
 * the statistics that say whether the best combination is real: in- and out-of-sample Sharpe per
 * combination (per CPCV path), the selection procedure's own out-of-sample paths (walk-forward:
 * the stitched out-of-sample equity), the Deflated Sharpe Ratio of the selected combination over
 * all trials, and PBO by CSCV. Results do not depend on the thread count: each combination is
 * computed alone into its own slot and everything is aggregated in combination order.
 * Run rule (docs/VALIDATION.md): a full causal run per combination gives the full-sample and CSCV
 * returns; each contiguous range of a split is then backtested as its own run, starting flat, with
 * a warm-up of up to W bars before the range that are never test or excluded bars of that split:
 * test ranges warm up on the bars before them (their past), train ranges of kfold/purged/cpcv get
 * none (the bar before them is a test, purged or embargoed bar), walk-forward train windows warm up
 * on the unused bars before them. Warm-up bars' returns are never counted. */
#ifndef QC_BACKTEST_SWEEP_H
#define QC_BACKTEST_SWEEP_H

#include <stdio.h>

#include "backtest/backtest.h"
#include "backtest/validation.h"

#define QC_SWEEP_MAX_AXES 8
#define QC_SWEEP_MAX_COMBOS 1000000

typedef struct {
    char name[32];
    double from, to, step; /* values from, from + step, ... <= to (+1e-9 step); one value if step 0 */
} qc_sweep_axis;

/* "fast=5:50:5" (from:to:step) or "fast=10" (one value); QC_ERR_INPUT naming the problem. */
qc_err qc_sweep_axis_parse(const char *spec, qc_sweep_axis *ax, qc_error *err);
size_t qc_sweep_axis_count(const qc_sweep_axis *ax);
double qc_sweep_axis_value(const qc_sweep_axis *ax, size_t i);

typedef struct {
    const qc_strategy_def *strategy;
    const qc_sweep_axis *axes;
    size_t n_axes;
    const char *const *fixed; /* extra "name=value" parameters held fixed */
    size_t n_fixed;
    qc_backtest_opts bt;      /* cash, costs, fills, calendar, interval; strategy/params/progress ignored */
    int use_cv;               /* 0: full sample only (no out-of-sample figures) */
    qc_cv_opts cv;            /* the plan's options; cv.n is set to the number of bars */
    size_t pbo_s;             /* CSCV submatrices (even, default 16) */
    size_t warmup;            /* W; 0: per combination its largest integer parameter */
    size_t threads;           /* 0 or 1: one thread */
    /* Called after each combination under the sweep's lock (from a worker thread). */
    void (*progress)(void *ctx, size_t done, size_t total);
    void *progress_ctx;
} qc_sweep_opts;

void qc_sweep_opts_init(qc_sweep_opts *o);

typedef struct {
    double value[QC_SWEEP_MAX_AXES]; /* grid values, in axes order */
    int skipped;                     /* invalid combination (e.g. fast >= slow) */
    char reason[160];
    size_t n_trades;
    double full_sharpe;  /* annualised Sharpe of the full-sample run */
    double is_sharpe;    /* mean over splits of the annualised train Sharpe (= full_sharpe without cv) */
    double oos_sharpe;   /* mean over paths of the annualised out-of-sample Sharpe (NaN without cv) */
    double oos_std, oos_min, oos_max; /* over paths */
    double *path_sharpe; /* n_paths values (cpcv: one per path; other schemes: one) */
} qc_sweep_combo;

typedef struct {
    size_t n_bars;
    double periods_per_year;
    size_t n_axes;
    qc_sweep_axis axes[QC_SWEEP_MAX_AXES];
    size_t n_combos, n_trials;  /* trials = combinations not skipped */
    qc_sweep_combo *combos;
    size_t n_backtests;         /* runs executed (full runs + range runs) */
    size_t n_bar_events;
    int use_cv;
    qc_cv_plan plan;
    size_t n_paths;
    /* the sweep as a whole */
    double trials_sr_var;       /* variance (ddof 1) of the trials' per-period full-sample Sharpe */
    long selected;              /* highest is_sharpe (first on ties); -1 when no trial */
    double expected_max_sr;     /* per period, the DSR's benchmark */
    double selected_psr, selected_dsr;
    int has_pbo;
    qc_pbo pbo;                 /* pbo.selected[] indexes trials: see trial_combo */
    size_t *trial_combo;        /* n_trials: combination index of each trial */
    /* selection procedure (use_cv): the combination picked on each split's train set, and the
     * out-of-sample Sharpe (annualised) of the picks, per path */
    size_t *split_best;         /* plan.n_splits */
    double *split_train_sharpe; /* [split * n_combos + combo]: per-period train Sharpe (NaN: skipped) */
    double *procedure_path_sharpe; /* n_paths */
    double procedure_oos_sharpe;   /* mean over paths */
    /* walk-forward: the picks' test windows stitched into one equity curve from 1.0 */
    size_t n_stitched;
    size_t *stitched_index;     /* bar index of each point */
    double *stitched_equity;
} qc_sweep_result;

/* Runs the sweep. Errors: QC_ERR_INPUT for a bad grid (unknown parameter, more than
 * QC_SWEEP_MAX_COMBOS combinations), a plan that does not fit the data, no valid combination;
 * a failing backtest other than a rejected combination stops the sweep with its error. */
qc_err qc_sweep_run(const qc_bars *bars, const char *symbol, const qc_sweep_opts *o, qc_sweep_result *res,
                    qc_error *err);
void qc_sweep_result_free(qc_sweep_result *res);

/* The result as JSON (docs/VALIDATION.md); `run` describes the inputs. Deterministic bytes. */
qc_err qc_sweep_write_json(FILE *f, const qc_sweep_result *r, const char *strategy, const char *run, qc_error *err);
/* Self-contained HTML: OOS (or full-sample) Sharpe heatmap over the first two axes, the PBO logit
 * histogram, the walk-forward equity, the top combinations. */
qc_err qc_sweep_report_html(FILE *f, const qc_sweep_result *r, const char *title, qc_error *err);

#endif
