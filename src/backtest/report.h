/* report.h: the tear sheet: one self-contained HTML file (no network) with inline SVG charts:
 * equity vs buy-and-hold (and an optional second comparison), underwater drawdown, monthly returns heatmap, rolling Sharpe, return
 * histogram, and the trade list, plus the metrics table. */
#ifndef QC_BACKTEST_REPORT_H
#define QC_BACKTEST_REPORT_H

#include <stdio.h>

#include "backtest/metrics.h"
#include "core/calendar.h"
#include "core/error.h"
#include "execution/account.h"

typedef struct {
    const char *title;         /* e.g. "sma_cross(fast=10, slow=50) on SYN00" */
    const char *subtitle;      /* run details: data, fills, costs */
    const int64_t *ts;
    const double *equity;
    const double *benchmark;   /* buy-and-hold equity on the same ts, or NULL */
    size_t n;
    double initial_equity;
    const qc_metrics *metrics;
    const qc_roundtrip *trades;
    size_t n_trades;
    const char *const *symbols; /* names for trades[i].symbol */
    int64_t interval_s;
    const qc_calendar *cal;
    size_t rolling_window;     /* rolling Sharpe window in periods (default 126 when 0) */
    size_t n_symbols;          /* entries in symbols; 0: not checked (trades[i].symbol trusted) */
    const double *comparison;  /* optional second comparison curve on the same ts (e.g. the
                                * strategy's equal weight rebalanced), drawn with its label */
    const char *comparison_label;
} qc_report_input;

/* Writes the whole document to f. Requires ts, equity (n >= 1), cal and metrics; the benchmark
 * and trades may be absent. Deterministic: the same input gives the same bytes. Non-finite values
 * are drawn as gaps; series longer than ~1000 pixel buckets are reduced to each bucket's min and
 * max. Errors: QC_ERR_INPUT (missing input, or the write or final flush failed), QC_ERR_NOMEM. */
qc_err qc_report_html(FILE *f, const qc_report_input *in, qc_error *err);

#endif
