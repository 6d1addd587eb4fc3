/* cross_sectional.h: features across a panel of symbols at each timestamp (rank, z-score,
 * winsorising, demeaning and neutralising against a group or a market factor) and the
 * information coefficient of a feature against forward returns. Values are laid out as
 * data/series.h's qc_panel: x[s * n_ts + t] for symbol s at timestamp t (symbol-major), NaN =
 * missing; each timestamp's cross-section is the symbols with a value there, missing cells stay
 * NaN in the output. out may be x itself. Every function allocates its scratch once per call
 * (O(n_sym) per tile of timestamps), never per timestamp. Exact conventions: docs/FEATURES.md. */
#ifndef QC_FEATURES_CROSS_SECTIONAL_H
#define QC_FEATURES_CROSS_SECTIONAL_H

#include <stddef.h>

#include "core/error.h"

/* Ranks within each timestamp, ties get their average rank (1-based, as pandas' rank(axis=1));
 * pct: rank / count (pandas' pct=True), in (0, 1]. */
qc_err qc_xs_rank(const double *x, size_t n_sym, size_t n_ts, int pct, double *out, qc_error *err);

/* (x - mean) / sample SD (ddof 1) across the symbols at each timestamp; 0 when the SD is 0, NaN
 * when fewer than 2 values. */
qc_err qc_xs_zscore(const double *x, size_t n_sym, size_t n_ts, double *out, qc_error *err);

/* Clips each cross-section to its lo_q and hi_q quantiles (0 <= lo_q <= hi_q <= 1; linear
 * interpolation between order statistics, numpy's default). */
qc_err qc_xs_winsorize_quantile(const double *x, size_t n_sym, size_t n_ts, double lo_q, double hi_q, double *out,
                                qc_error *err);

/* Clips each cross-section to mean +- k sample SDs (one pass: the mean and SD are those before
 * clipping). k > 0. */
qc_err qc_xs_winsorize_z(const double *x, size_t n_sym, size_t n_ts, double k, double *out, qc_error *err);

/* x - the cross-sectional mean. */
qc_err qc_xs_demean(const double *x, size_t n_sym, size_t n_ts, double *out, qc_error *err);

/* x - the mean of its group at that timestamp (group[s] >= 0 is symbol s's sector, fixed over
 * time; a negative group leaves the symbol NaN). */
qc_err qc_xs_neutralize_group(const double *x, size_t n_sym, size_t n_ts, const int *group, double *out,
                              qc_error *err);

/* Residual of the least-squares fit x = a + b f across the symbols at each timestamp, f in the same
 * layout as x (e.g. each symbol's market beta); cells where x or f is missing are NaN; with fewer
 * than 2 pairs NaN; when f does not vary the residual is x - mean(x). */
qc_err qc_xs_neutralize_factor(const double *x, const double *f, size_t n_sym, size_t n_ts, double *out,
                               qc_error *err);

/* Forward simple returns of each symbol over h timestamps: close[t+h] / close[t] - 1 on the
 * panel's timeline (NaN when either is missing, and for the last h timestamps). */
qc_err qc_xs_forward_returns(const double *close, size_t n_sym, size_t n_ts, size_t h, double *out, qc_error *err);

/* Information coefficient per timestamp: Pearson correlation of the feature and the forward
 * return over the symbols where both are present (rank = 1: Spearman's rank IC, i.e. Pearson of
 * the average ranks of the pairs, as scipy.stats.spearmanr). ic[t] is NaN with fewer than 3 pairs
 * or a constant side. n_pairs (NULL or n_ts values) receives the pair counts. */
qc_err qc_xs_ic(const double *feature, const double *fwd, size_t n_sym, size_t n_ts, int rank, double *ic,
                size_t *n_pairs, qc_error *err);

typedef struct {
    size_t n;      /* timestamps with a finite IC */
    double mean;   /* mean IC */
    double std;    /* sample SD (ddof 1) of the IC series */
    double t_stat; /* mean / (std / sqrt(n)) */
    double ir;     /* IC information ratio: mean / std, per timestamp (not annualised) */
    double hit;    /* fraction of finite ICs > 0 */
} qc_ic_stats;

/* Summary of an IC series (NaN entries skipped); NaN fields when n < 2. */
void qc_xs_ic_summary(const double *ic, size_t n_ts, qc_ic_stats *s);

#endif
