/* portfolio.h: portfolio construction. Estimation (sample/EWMA/Ledoit-Wolf covariance, PD check and
 * repair), mean-variance optimisation (min variance, max Sharpe, target return/risk, frontier) under
 * bounds, group bounds and turnover, risk-based allocation (inverse volatility, ERC, HRP), min-CVaR,
 * Kelly and volatility-target sizing, rebalancing schedules and bands. Conventions: docs/PORTFOLIO.md.
 *
 * Layout: a returns matrix is T observations x n assets, row-major (r[t * n + i]); a covariance is
 * n x n row-major; every figure is PER PERIOD (per row of the returns), arithmetic means. All
 * outputs are caller-owned arrays of n doubles. On any error the weights are left untouched (never
 * NaN) and err names the cause. */
#ifndef QC_PORTFOLIO_H
#define QC_PORTFOLIO_H

#include <stddef.h>
#include <stdint.h>

#include "core/calendar.h"
#include "core/error.h"

/* ---- estimation (estimation.c) -------------------------------------------------------------- */

typedef enum {
    QC_PORT_COV_SAMPLE,   /* ddof = 1 */
    QC_PORT_COV_EWMA,     /* weights lambda^(T-1-t) normalised to 1, around the sample mean */
    QC_PORT_COV_LW_CC,    /* Ledoit-Wolf (2004) towards constant correlation, from the ddof=0 cov */
    QC_PORT_COV_LW_ID     /* Ledoit-Wolf (2004) towards a scaled identity (sklearn's LedoitWolf) */
} qc_port_cov_kind;

/* Parses "sample", "ewma", "ledoit_wolf" (= constant correlation), "ledoit_wolf_cc", "ledoit_wolf_id". */
qc_err qc_port_cov_kind_parse(const char *s, qc_port_cov_kind *out, qc_error *err);
const char *qc_port_cov_kind_name(qc_port_cov_kind k);

/* Sample means (arithmetic, per period). */
void qc_port_mean(const double *r, size_t t, size_t n, double *mu);

/* Covariance of kind into cov (n x n). lambda is the EWMA decay (0 < lambda < 1; ignored
 * otherwise). *shrinkage receives the Ledoit-Wolf intensity in [0, 1] (0 for the other kinds).
 * Sample and EWMA need t > n (else the matrix is singular: QC_ERR_INPUT saying so); LW needs t >= 2. */
qc_err qc_port_cov(const double *r, size_t t, size_t n, qc_port_cov_kind kind, double lambda, double *cov,
                   double *shrinkage, qc_error *err);

/* Smallest eigenvalue of a symmetric matrix (LAPACK dsyevd). */
qc_err qc_port_min_eigen(const double *cov, size_t n, double *min_eig, qc_error *err);
/* Checks that cov is symmetric positive definite (a Cholesky succeeds and no variance is zero);
 * QC_ERR_INPUT naming the cause otherwise (a zero-variance column, a non-PD matrix). names may be NULL. */
qc_err qc_port_cov_check(const double *cov, size_t n, const char *const *names, qc_error *err);
/* Repairs a symmetric matrix in place: eigenvalues below floor * max eigenvalue are raised to it
 * (spectral clipping); *changed tells whether anything moved. */
qc_err qc_port_cov_repair(double *cov, size_t n, double floor, int *changed, qc_error *err);

/* ---- constraints and problems (optimization.c) --------------------------------------------- */

typedef struct {
    double lo, hi;               /* bounds of every asset (default -inf, +inf; long-only is 0, 1) */
    const double *lower, *upper; /* optional per-asset bounds (n each), override lo/hi */
    size_t n_groups;             /* group (sector) bounds: */
    const int *group;            /*   n entries, the group of each asset (-1: none) */
    const double *group_lo, *group_hi; /* n_groups each: lo <= sum of the group's weights <= hi */
    const double *w0;            /* current weights for the turnover bound (NULL: none) */
    double max_turnover;         /* sum |w - w0| <= max_turnover (used when w0 != NULL) */
} qc_port_constraints;

void qc_port_constraints_init(qc_port_constraints *c); /* fully invested, unbounded, no groups */

typedef struct {
    size_t n;
    const double *mu;  /* n expected returns per period */
    const double *cov; /* n x n */
    double rf;         /* risk-free rate per period (for the Sharpe ratio) */
    qc_port_constraints c;
    const char *const *names; /* optional asset names for messages */
} qc_port_problem;

/* Every mean-variance portfolio is fully invested (sum w = 1). */
qc_err qc_port_min_variance(const qc_port_problem *p, double *w, qc_error *err);
/* Tangency portfolio: max (mu - rf)'w / sqrt(w'Sw); an error in words when no feasible portfolio
 * earns more than rf. */
qc_err qc_port_max_sharpe(const qc_port_problem *p, double *w, qc_error *err);
/* Min variance subject to mu'w >= target (binding above the min-variance return); an error when the
 * target is above the attainable maximum. */
qc_err qc_port_target_return(const qc_port_problem *p, double target, double *w, qc_error *err);
/* Max return subject to sqrt(w'Sw) <= target_vol (bisection on the frontier's return). */
qc_err qc_port_target_risk(const qc_port_problem *p, double target_vol, double *w, qc_error *err);
/* The attainable return range: the min-variance portfolio's return and the maximum (LP; +inf when
 * unbounded). */
qc_err qc_port_return_range(const qc_port_problem *p, double *r_minvar, double *r_max, qc_error *err);
/* points >= 2 frontier portfolios, evenly spaced in return from the min-variance portfolio to the
 * maximum-return one (to max(mu) when returns are unbounded): W is points x n, ret/vol points each. */
qc_err qc_port_frontier(const qc_port_problem *p, size_t points, double *W, double *ret, double *vol,
                        qc_error *err);

typedef struct {
    double ret;    /* w'mu, arithmetic per period */
    double vol;    /* sqrt(w'Sw) per period */
    double sharpe; /* (ret - rf) / vol per period (NaN when vol = 0) */
} qc_port_stats;

/* Statistics of w; rc (optional, n) receives the risk contributions as fractions of the variance:
 * rc_i = w_i (Sw)_i / w'Sw (they sum to 1). */
void qc_port_evaluate(size_t n, const double *mu, const double *cov, double rf, const double *w,
                      qc_port_stats *s, double *rc);

/* ---- risk-based (riskbased.c, hrp.c) --------------------------------------------------------- */

/* w_i proportional to sigma_i^-power: power 1 inverse volatility, 2 inverse variance. */
qc_err qc_port_inverse_vol(const double *cov, size_t n, double power, double *w, qc_error *err);
/* Equal risk contribution (risk parity): w_i (Sw)_i equal for all i, w > 0, sum 1. budget (NULL:
 * equal) gives risk budgets b_i > 0 instead. Cyclical coordinate descent on Spinu's convex form. */
qc_err qc_port_erc(const double *cov, size_t n, const double *budget, double *w, qc_error *err);
/* Hierarchical Risk Parity (Lopez de Prado 2016) with the conventions of docs/PORTFOLIO.md; lower,
 * upper (NULL: 0, 1) are enforced by clipping each bisection's split; order (optional, n) receives
 * the quasi-diagonal leaf order. */
qc_err qc_port_hrp(const double *cov, size_t n, const double *lower, const double *upper, double *w,
                   size_t *order, qc_error *err);
/* The single-linkage tree HRP uses, SciPy's layout: z is (n-1) x 4 (a, b, distance, size). */
qc_err qc_port_single_linkage(const double *cov, size_t n, double *z, qc_error *err);

/* ---- tail risk (cvar.c) ------------------------------------------------------------------------ */

/* Minimum CVaR at confidence alpha (e.g. 0.95) over the t historical scenarios r (t x n): loss is
 * -r'w, CVaR = min_z z + sum(max(loss - z, 0)) / ((1 - alpha) t) (Rockafellar-Uryasev), an LP
 * solved with GLPK. target_return (NaN: none) adds mu'w >= target. Bounds and groups apply; a
 * turnover bound is refused. var/cvar (optional) receive the optimum's VaR (z) and CVaR. */
qc_err qc_port_min_cvar(const double *r, size_t t, size_t n, double alpha, const qc_port_constraints *c,
                        double target_return, double *w, double *var, double *cvar, qc_error *err);
/* Historical VaR/CVaR of w over the scenarios, with the same definition (the LP's z and objective). */
void qc_port_cvar_of(const double *r, size_t t, size_t n, double alpha, const double *w, double *var,
                     double *cvar);

/* ---- sizing (sizing.c) --------------------------------------------------------------------------- */

/* Kelly fraction of one asset with Gaussian returns: fraction * (mu - rf) / var. */
double qc_port_kelly_single(double mu, double var, double rf, double fraction);
/* Kelly fraction of a binary bet: win probability p, net odds b (win b per 1 staked): p - (1-p)/b. */
double qc_port_kelly_binary(double p, double b, double fraction);
/* Multi-asset Kelly: w = fraction * S^-1 (mu - rf); weights need not sum to 1 (the rest is cash). */
qc_err qc_port_kelly(const double *mu, const double *cov, size_t n, double rf, double fraction, double *w,
                     qc_error *err);
/* Volatility targeting: scale = min(target_vol / vol, max_leverage) (0 when vol is 0 or NaN). */
double qc_port_vol_target_scale(double vol, double target_vol, double max_leverage);
/* Scales w in place to a portfolio volatility of target_vol under cov, leverage capped. */
double qc_port_vol_target(const double *cov, size_t n, double target_vol, double max_leverage, double *w);

/* ---- rebalancing (rebalance.c) --------------------------------------------------------------- */

typedef enum { QC_PORT_DAILY, QC_PORT_WEEKLY, QC_PORT_MONTHLY, QC_PORT_QUARTERLY } qc_port_schedule;

qc_err qc_port_schedule_parse(const char *s, qc_port_schedule *out, qc_error *err);
/* True when the bar closing at ts_ns starts a new period of the schedule relative to the previous
 * bar prev_ts_ns (QC_TS_NONE: the first bar, always true). Periods are those of the calendar's local
 * session dates: ISO weeks (Monday start), calendar months and quarters; so the rebalance falls on
 * the first session of each period, whatever holidays do. */
int qc_port_is_rebalance(const qc_calendar *cal, qc_port_schedule s, int64_t prev_ts_ns, int64_t ts_ns);
/* Threshold bands: true when some |w_i - target_i| > abs_band, or > rel_band * |target_i| (a band
 * <= 0 is off). */
int qc_port_band_breached(const double *w, const double *target, size_t n, double abs_band, double rel_band);
/* Trades that take holdings to target weights of equity at prices px: qty[i] (signed shares). cost
 * (optional) prices one trade, e.g. the backtest cost model; the total is returned in *total_cost. */
typedef double (*qc_port_cost_fn)(void *ctx, size_t asset, double qty, double price);
void qc_port_rebalance_trades(const double *holdings, const double *target, const double *px, size_t n,
                              double equity, qc_port_cost_fn cost, void *ctx, double *qty, double *total_cost);

/* ---- constraints as text (groups.c) ---------------------------------------------------------------- */

/* Group (sector) bounds built from "NAME=ASSET,ASSET,...:LO,HI" specs, assets by name; an asset is
 * in at most one group. Arrays are n_assets long (there are never more groups than assets). */
typedef struct {
    size_t n_assets, n_groups;
    int *group;         /* per asset: its group, -1 none */
    double *lo, *hi;    /* per group */
    char (*names)[32];  /* per group */
} qc_port_groups;

qc_err qc_port_groups_init(qc_port_groups *g, size_t n_assets, qc_error *err);
void qc_port_groups_free(qc_port_groups *g);
/* Adds one group; QC_ERR_INPUT naming the problem (syntax, unknown or repeated asset, LO > HI,
 * a repeated group name), g unchanged then. */
qc_err qc_port_groups_add(qc_port_groups *g, const char *spec, const char *const *names, qc_error *err);
/* One spec per line; blank lines and lines starting with '#' are skipped; errors say label:line. */
qc_err qc_port_groups_read(qc_port_groups *g, const char *text, size_t len, const char *const *names,
                           const char *label, qc_error *err);
/* Points c's group fields at g (which must outlive c's use); no-op without groups. */
void qc_port_groups_apply(const qc_port_groups *g, qc_port_constraints *c);
/* Exactly n comma-separated numbers into out; QC_ERR_INPUT otherwise. */
qc_err qc_port_parse_list(const char *s, size_t n, double *out, qc_error *err);

/* ---- one call for a strategy: weights from a returns window (portfolio.c in optimization.c) --- */

typedef enum {
    QC_PORT_MINVAR, QC_PORT_MAXSHARPE, QC_PORT_TARGET_RETURN, QC_PORT_TARGET_RISK, QC_PORT_IVP,
    QC_PORT_ERC, QC_PORT_HRP, QC_PORT_CVAR, QC_PORT_KELLY, QC_PORT_EQUAL
} qc_port_method;

qc_err qc_port_method_parse(const char *s, qc_port_method *out, qc_error *err);
const char *qc_port_method_name(qc_port_method m);

typedef struct {
    qc_port_method method;
    qc_port_cov_kind cov;
    double ewma_lambda;    /* default 0.94 */
    double rf;             /* per period, default 0 */
    double target;         /* target return / risk per period (TARGET_*; CVaR: NaN = none) */
    double alpha;          /* CVaR confidence, default 0.95 */
    double kelly_fraction; /* default 1 */
    qc_port_constraints c;
} qc_port_spec;

void qc_port_spec_init(qc_port_spec *s);
/* Weights of spec's method from the returns window r (t x n); optional names for messages. */
qc_err qc_port_weights(const double *r, size_t t, size_t n, const qc_port_spec *spec,
                       const char *const *names, double *w, qc_error *err);

#endif
