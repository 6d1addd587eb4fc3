/* validation.h: the validation layer of backtests: the cross-validation splitters (data/splits.h,
 * re-exported here), running moments for Sharpe ratios of unions of blocks, and the Probability of
 * Backtest Overfitting by combinatorially symmetric cross-validation (CSCV; Bailey, Borwein,
 * Lopez de Prado & Zhu 2015). The exact rules are in docs/VALIDATION.md. */
#ifndef QC_BACKTEST_VALIDATION_H
#define QC_BACKTEST_VALIDATION_H

#include <stddef.h>

#include "core/error.h"
#include "data/splits.h"

/* ---- moments: the running statistics every Sharpe ratio here is computed from --------------- */

/* Count, mean and sum of squared deviations; merged with Chan et al.'s pairwise update, so the
 * Sharpe ratio of a union of blocks equals the one of the concatenated returns (to rounding). */
typedef struct {
    double n, mean, m2;
} qc_moments;

void qc_moments_add(qc_moments *m, double x);
void qc_moments_merge(qc_moments *into, const qc_moments *b);
/* mean / std (ddof 1), per period; 0 when fewer than 2 values or a zero variance. */
double qc_moments_sharpe(const qc_moments *m);

/* ---- PBO by CSCV ------------------------------------------------------------------------------ */

typedef struct {
    size_t s;             /* submatrices (even) */
    size_t n_trials;      /* M */
    size_t rows_used;     /* T rounded down to a multiple of S (the first T mod S rows are dropped) */
    size_t n_combos;      /* C(S, S/2) */
    double pbo;           /* fraction of logits <= 0 */
    double *logits;       /* n_combos, in the order of the combinations (lexicographic) */
    size_t *selected;     /* n_combos: the in-sample best trial of each combination */
    double *is_sharpe;    /* n_combos: its in-sample per-period Sharpe */
    double *oos_sharpe;   /* n_combos: its out-of-sample per-period Sharpe */
    double slope, intercept, r2; /* performance degradation: OLS of oos_sharpe on is_sharpe */
    double prob_oos_loss; /* fraction of combinations whose selected trial has oos_sharpe < 0 */
} qc_pbo;

/* CSCV over a T x M matrix of per-period trial returns, trial-major: r[m * t_rows + t]. S even,
 * 2 <= S <= 32 and S <= T; M >= 2. Performance is the per-period Sharpe ratio (mean / std, ddof 1;
 * 0 for a zero variance). The in-sample best is the first trial with the highest Sharpe; its
 * out-of-sample relative rank is w = rank / (M + 1), rank in 1..M ascending with ties averaged;
 * logit = ln(w / (1 - w)). */
qc_err qc_pbo_cscv(const double *r, size_t t_rows, size_t m_trials, size_t s, qc_pbo *out, qc_error *err);
/* The same from per-submatrix moments: blocks[m * s + j] for trial m, submatrix j. */
qc_err qc_pbo_from_blocks(const qc_moments *blocks, size_t m_trials, size_t s, qc_pbo *out, qc_error *err);
/* The same on `threads` threads (identical results: each combination has its own slots). */
qc_err qc_pbo_from_blocks_mt(const qc_moments *blocks, size_t m_trials, size_t s, size_t threads, qc_pbo *out,
                             qc_error *err);
void qc_pbo_free(qc_pbo *p);

#endif
