/* pairs.h: pair selection for statistical arbitrage. Over a universe of aligned log-price series:
 * a correlation pre-filter on log returns, then the Engle-Granger test (features/coint.h) in both
 * directions of every surviving pair, keeping the direction with the lower p-value, then filters on
 * the p-value and the spread's half-life, ranked by p-value. The `pairs` strategy (pairs.c) trades
 * the best non-overlapping pairs on the z-score of their spread; `quantcli pairs scan` prints the
 * list. */
#ifndef QC_STRATEGIES_PAIRS_H
#define QC_STRATEGIES_PAIRS_H

#include <stddef.h>

#include "core/error.h"

typedef struct {
    double min_corr;       /* of log returns (default 0.5) */
    double max_pvalue;     /* keep pairs with p <= this (default 1: all that pass the filter) */
    double min_half_life;  /* bars (default 1) */
    double max_half_life;  /* bars (default +inf) */
} qc_pairs_opts;

void qc_pairs_opts_init(qc_pairs_opts *o);

typedef struct {
    size_t y, x;           /* series indices: log y = alpha + beta log x + spread */
    double corr;           /* of log returns */
    double beta, alpha;
    double adf, pvalue;    /* Engle-Granger statistic and MacKinnon p-value (2 series, constant) */
    double half_life;      /* bars, AR(1) of the residual spread */
    size_t lags, nobs;
} qc_pair;

/* Scans every pair of the n_sym series logp[s][0..len) (log prices on common timestamps; a series
 * with a non-finite value is skipped). Result sorted by p-value, then ADF statistic, then indices;
 * *out is caller-owned (free()), NULL when nothing passes. QC_ERR_INPUT when len < 20. */
qc_err qc_pairs_scan(const double *const *logp, size_t n_sym, size_t len, const qc_pairs_opts *o, qc_pair **out,
                     size_t *n_out, qc_error *err);

#endif
