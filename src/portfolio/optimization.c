/* optimization.c: mean-variance portfolios as QPs for qp.c, and the one-call entry for strategies.
 * Every portfolio is fully invested (1'w = 1) with bounds lo <= w <= hi, group rows and an optional
 * turnover bound sum |w - w0| <= T (split w - w0 = p - m, p, m >= 0, with a 1e-10 relative ridge on
 * p and m so the Hessian stays definite; it moves the weights by far less than 1e-8).
 * Max Sharpe is convex after the usual change of variables y = kappa w, kappa = 1'y > 0:
 * min y'Sy s.t. (mu - rf)'y = 1 and every constraint multiplied by kappa (Cornuejols & Tutuncu 8.2).
 * Target risk bisects the frontier's return: volatility grows with return above the min-variance
 * portfolio. Attainable returns come from an LP (GLPK). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portfolio/internal.h"
#include "portfolio/portfolio.h"

void qc_port_constraints_init(qc_port_constraints *c) {
    memset(c, 0, sizeof *c);
    c->lo = -INFINITY;
    c->hi = INFINITY;
    c->max_turnover = INFINITY;
}

void qc_port_evaluate(size_t n, const double *mu, const double *cov, double rf, const double *w,
                      qc_port_stats *s, double *rc) {
    double *sw = malloc(n * sizeof *sw);
    double var = 0, ret = 0;
    if (sw) qc_port_matvec(cov, n, w, sw);
    for (size_t i = 0; i < n; i++) {
        ret += w[i] * mu[i];
        if (sw) var += w[i] * sw[i];
    }
    s->ret = ret;
    s->vol = sqrt(fmax(var, 0));
    s->sharpe = s->vol > 0 ? (ret - rf) / s->vol : NAN;
    for (size_t i = 0; rc && i < n; i++) rc[i] = sw && var > 0 ? w[i] * sw[i] / var : NAN;
    free(sw);
}

/* ---- building the QPs ------------------------------------------------------------------------ */

typedef struct {
    size_t n, nv, m, cap; /* assets, variables, rows, row capacity */
    double *H, *c, *lo, *hi, *A, *bl, *bu;
    qc_qp q;
} qpb;

static void qpb_free(qpb *b) {
    free(b->H), free(b->c), free(b->lo), free(b->hi), free(b->A), free(b->bl), free(b->bu);
    memset(b, 0, sizeof *b);
}

static double lower_of(const qc_port_constraints *c, size_t i) { return c->lower ? c->lower[i] : c->lo; }
static double upper_of(const qc_port_constraints *c, size_t i) { return c->upper ? c->upper[i] : c->hi; }
static int has_turnover(const qc_port_constraints *c) { return c->w0 && isfinite(c->max_turnover); }

static qc_err qpb_alloc(qpb *b, size_t n, size_t nv, size_t cap, qc_error *err) {
    memset(b, 0, sizeof *b);
    b->n = n, b->nv = nv, b->cap = cap;
    b->H = calloc(nv * nv, sizeof(double)), b->c = calloc(nv, sizeof(double));
    b->lo = malloc(nv * sizeof(double)), b->hi = malloc(nv * sizeof(double));
    b->A = calloc(cap * nv + 1, sizeof(double)), b->bl = malloc((cap + 1) * sizeof(double));
    b->bu = malloc((cap + 1) * sizeof(double));
    if (!b->H || !b->c || !b->lo || !b->hi || !b->A || !b->bl || !b->bu) {
        qpb_free(b);
        return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    }
    return QC_OK;
}

static double *qpb_row(qpb *b, double lo, double hi) {
    b->bl[b->m] = lo, b->bu[b->m] = hi;
    return b->A + b->nv * b->m++;
}

static void qpb_finish(qpb *b) {
    b->q = (qc_qp){.n = b->nv, .m = b->m, .H = b->H, .c = b->c, .lo = b->lo, .hi = b->hi, .A = b->A,
                   .bl = b->bl, .bu = b->bu};
}

/* H = cov on the asset block, the ridge on turnover variables. */
static void qpb_hessian(qpb *b, const double *cov) {
    size_t n = b->n, nv = b->nv;
    double dmax = 0;
    for (size_t i = 0; i < n; i++) {
        memcpy(b->H + i * nv, cov + i * n, n * sizeof(double));
        dmax = fmax(dmax, cov[i * n + i]);
    }
    for (size_t i = n; i < nv; i++) b->H[i * nv + i] = 1e-10 * dmax, b->lo[i] = 0, b->hi[i] = INFINITY;
}

static size_t row_capacity(const qc_port_problem *p, int sharpe) {
    return 3 + 2 * p->c.n_groups + (has_turnover(&p->c) ? p->n + 1 : 0) + (sharpe ? 2 * p->n : 0);
}

/* Fully invested weights: budget, bounds, groups, turnover, and mu'w >= target unless NaN. */
static qc_err build_weights(const qc_port_problem *p, double target, qpb *b, qc_error *err) {
    size_t n = p->n, nv = has_turnover(&p->c) ? 3 * n : n;
    qc_err rc = qpb_alloc(b, n, nv, row_capacity(p, 0), err);
    if (rc) return rc;
    qpb_hessian(b, p->cov);
    for (size_t i = 0; i < n; i++) b->lo[i] = lower_of(&p->c, i), b->hi[i] = upper_of(&p->c, i);
    double *row = qpb_row(b, 1, 1);
    for (size_t i = 0; i < n; i++) row[i] = 1;
    for (size_t g = 0; g < p->c.n_groups; g++) {
        row = qpb_row(b, p->c.group_lo ? p->c.group_lo[g] : -INFINITY, p->c.group_hi ? p->c.group_hi[g] : INFINITY);
        for (size_t i = 0; i < n; i++) row[i] = p->c.group[i] == (int)g;
    }
    if (!isnan(target)) {
        row = qpb_row(b, target, INFINITY);
        memcpy(row, p->mu, n * sizeof(double));
    }
    if (nv > n) { /* w_i - p_i + m_i = w0_i; sum(p + m) <= T */
        for (size_t i = 0; i < n; i++) {
            row = qpb_row(b, p->c.w0[i], p->c.w0[i]);
            row[i] = 1, row[n + i] = -1, row[2 * n + i] = 1;
        }
        row = qpb_row(b, -INFINITY, p->c.max_turnover);
        for (size_t i = n; i < nv; i++) row[i] = 1;
    }
    qpb_finish(b);
    return QC_OK;
}

/* The homogenised max-Sharpe problem in y (and turnover variables scaled by kappa = 1'y). */
static qc_err build_sharpe(const qc_port_problem *p, qpb *b, qc_error *err) {
    size_t n = p->n, nv = has_turnover(&p->c) ? 3 * n : n;
    qc_err rc = qpb_alloc(b, n, nv, row_capacity(p, 1), err);
    if (rc) return rc;
    qpb_hessian(b, p->cov);
    int all_nonneg = 1;
    for (size_t i = 0; i < n; i++) all_nonneg &= lower_of(&p->c, i) >= 0;
    double *row = qpb_row(b, 1, 1);
    for (size_t i = 0; i < n; i++) row[i] = p->mu[i] - p->rf;
    row = qpb_row(b, 0, INFINITY); /* kappa >= 0 */
    for (size_t i = 0; i < n; i++) row[i] = 1;
    for (size_t i = 0; i < n; i++) {
        double lo = lower_of(&p->c, i), hi = upper_of(&p->c, i);
        b->lo[i] = lo == 0 ? 0 : -INFINITY, b->hi[i] = INFINITY;
        if (isfinite(lo) && lo != 0) { /* y_i - lo kappa >= 0 */
            row = qpb_row(b, 0, INFINITY);
            for (size_t j = 0; j < n; j++) row[j] = -lo;
            row[i] += 1;
        }
        if (isfinite(hi) && !(all_nonneg && hi >= 1)) { /* y_i - hi kappa <= 0 */
            row = qpb_row(b, -INFINITY, 0);
            for (size_t j = 0; j < n; j++) row[j] = -hi;
            row[i] += 1;
        }
    }
    for (size_t g = 0; g < p->c.n_groups; g++)
        for (int side = 0; side < 2; side++) {
            double lim = side ? (p->c.group_hi ? p->c.group_hi[g] : INFINITY) : (p->c.group_lo ? p->c.group_lo[g] : -INFINITY);
            if (!isfinite(lim)) continue;
            row = side ? qpb_row(b, -INFINITY, 0) : qpb_row(b, 0, INFINITY);
            for (size_t i = 0; i < n; i++) row[i] = (p->c.group[i] == (int)g) - lim;
        }
    if (nv > n) { /* y - kappa w0 - p + m = 0; sum(p + m) - T kappa <= 0 */
        for (size_t i = 0; i < n; i++) {
            row = qpb_row(b, 0, 0);
            for (size_t j = 0; j < n; j++) row[j] = -p->c.w0[i];
            row[i] += 1, row[n + i] = -1, row[2 * n + i] = 1;
        }
        row = qpb_row(b, -INFINITY, 0);
        for (size_t i = 0; i < n; i++) row[i] = -p->c.max_turnover;
        for (size_t i = n; i < nv; i++) row[i] = 1;
    }
    qpb_finish(b);
    return QC_OK;
}

/* ---- checks shared by every method ----------------------------------------------------------- */

static qc_err check_problem(const qc_port_problem *p, qc_error *err) {
    if (p->n == 0) return qc_err_set(err, QC_ERR_INPUT, "no assets");
    for (size_t i = 0; i < p->n; i++)
        if (!isfinite(p->mu[i])) return qc_err_set(err, QC_ERR_INPUT, "expected return of asset %zu is not finite", i + 1);
    double slo = 0, shi = 0;
    for (size_t i = 0; i < p->n; i++) {
        double lo = lower_of(&p->c, i), hi = upper_of(&p->c, i);
        if (isnan(lo) || isnan(hi) || lo > hi)
            return qc_err_set(err, QC_ERR_INPUT, "infeasible constraints: asset %zu has bounds [%g, %g]", i + 1, lo, hi);
        slo += lo, shi += hi;
    }
    if (slo > 1 + 1e-12 || shi < 1 - 1e-12)
        return qc_err_set(err, QC_ERR_INPUT, "infeasible constraints: the weights must sum to 1 but the bounds allow "
                          "only [%g, %g]", slo, shi);
    if (p->c.n_groups && !p->c.group) return qc_err_set(err, QC_ERR_INPUT, "group bounds without group labels");
    if (has_turnover(&p->c) && !(p->c.max_turnover >= 0))
        return qc_err_set(err, QC_ERR_INPUT, "maximum turnover must be >= 0");
    return qc_port_cov_check(p->cov, p->n, p->names, err);
}

static qc_err infeasible(int st, qc_error *err, const char *what) {
    if (st == QC_QP_INFEASIBLE)
        return qc_err_set(err, QC_ERR_INPUT, "infeasible constraints: no fully invested portfolio satisfies the "
                          "bounds, group bounds and turnover limit%s", what);
    return err->code;
}

static qc_err solve_weights(const qc_port_problem *p, double target, double *w, qc_error *err) {
    qpb b;
    qc_err rc = build_weights(p, target, &b, err);
    if (rc) return rc;
    double *x = malloc(b.nv * sizeof *x);
    int st = QC_QP_FAILED;
    rc = x ? qc_qp_solve(&b.q, x, &st, err) : qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    if (!rc) memcpy(w, x, p->n * sizeof(double));
    else if (st == QC_QP_INFEASIBLE) rc = infeasible(st, err, "");
    free(x);
    qpb_free(&b);
    return rc;
}

/* max mu'w (or (mu - rf)'w) over the feasible fully invested set; +inf when unbounded. */
static qc_err max_return(const qc_port_problem *p, double rf, double *best, qc_error *err) {
    qpb b;
    qc_err rc = build_weights(p, NAN, &b, err);
    if (rc) return rc;
    double *c = b.c; /* reuse: the LP objective on the asset block */
    for (size_t i = 0; i < p->n; i++) c[i] = p->mu[i] - rf;
    int st;
    rc = qc_lp_solve(&b.q, c, 1, NULL, best, &st, err);
    if (st == QC_QP_UNBOUNDED) *best = INFINITY, rc = QC_OK, qc_error_clear(err);
    else if (st == QC_QP_INFEASIBLE) rc = infeasible(st, err, "");
    qpb_free(&b);
    return rc;
}

/* ---- the methods ------------------------------------------------------------------------------ */

qc_err qc_port_min_variance(const qc_port_problem *p, double *w, qc_error *err) {
    qc_err rc = check_problem(p, err);
    return rc ? rc : solve_weights(p, NAN, w, err);
}

qc_err qc_port_return_range(const qc_port_problem *p, double *r_minvar, double *r_max, qc_error *err) {
    double *w = malloc(p->n * sizeof *w);
    if (!w) return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    qc_err rc = qc_port_min_variance(p, w, err);
    if (!rc) rc = max_return(p, 0, r_max, err);
    if (!rc) *r_minvar = qc_port_dot(w, p->mu, p->n);
    free(w);
    return rc;
}

qc_err qc_port_target_return(const qc_port_problem *p, double target, double *w, qc_error *err) {
    qc_err rc = check_problem(p, err);
    double rmax;
    if (!rc && !isfinite(target)) rc = qc_err_set(err, QC_ERR_INPUT, "target return must be a finite number");
    if (!rc) rc = max_return(p, 0, &rmax, err);
    if (rc) return rc;
    if (target > rmax + 1e-12 * (1 + fabs(rmax)))
        return qc_err_set(err, QC_ERR_INPUT, "target return %g per period is above the attainable maximum %.6g under "
                          "these constraints", target, rmax);
    return solve_weights(p, fmin(target, rmax), w, err);
}

qc_err qc_port_max_sharpe(const qc_port_problem *p, double *w, qc_error *err) {
    qc_err rc = check_problem(p, err);
    double best;
    if (!rc) rc = max_return(p, p->rf, &best, err);
    if (rc) return rc;
    if (!(best > 1e-14 * (1 + fabs(p->rf))))
        return qc_err_set(err, QC_ERR_INPUT, "max Sharpe is undefined: no feasible portfolio's expected return exceeds "
                          "the risk-free rate %g per period (the best excess is %.6g); lower --rf or use minvar", p->rf, best);
    qpb b;
    if ((rc = build_sharpe(p, &b, err))) return rc;
    double *y = malloc(b.nv * sizeof *y);
    int st = QC_QP_FAILED;
    rc = y ? qc_qp_solve(&b.q, y, &st, err) : qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    double kappa = 0;
    for (size_t i = 0; !rc && i < p->n; i++) kappa += y[i];
    if (!rc && !(kappa > 1e-12 * fabs(y[0]) && kappa > 0))
        rc = qc_err_set(err, QC_ERR_INPUT, "max Sharpe is unbounded: the tangency portfolio needs infinite leverage "
                        "(add bounds)");
    for (size_t i = 0; !rc && i < p->n; i++) w[i] = y[i] / kappa;
    free(y);
    qpb_free(&b);
    return rc;
}

qc_err qc_port_target_risk(const qc_port_problem *p, double target_vol, double *w, qc_error *err) {
    size_t n = p->n;
    double *lo_w = malloc(n * sizeof *lo_w), *hi_w = malloc(n * sizeof *hi_w), rmax;
    qc_err rc = lo_w && hi_w ? qc_port_min_variance(p, lo_w, err) : qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    if (!rc && !(target_vol > 0 && isfinite(target_vol)))
        rc = qc_err_set(err, QC_ERR_INPUT, "target risk must be a positive number, got %g", target_vol);
    if (!rc) rc = max_return(p, 0, &rmax, err);
    qc_port_stats s = {0};
    if (!rc) qc_port_evaluate(n, p->mu, p->cov, p->rf, lo_w, &s, NULL);
    if (!rc && target_vol < s.vol * (1 - 1e-12))
        rc = qc_err_set(err, QC_ERR_INPUT, "target risk %g per period is below the minimum attainable volatility "
                        "%.6g under these constraints", target_vol, s.vol);
    if (rc) goto done;
    double r_lo = s.ret, r_hi = isfinite(rmax) ? rmax : r_lo + 1, step = 1;
    for (;;) { /* the upper end: rmax's portfolio, or expand until its volatility passes the target */
        if ((rc = solve_weights(p, r_hi, hi_w, err))) goto done;
        qc_port_evaluate(n, p->mu, p->cov, p->rf, hi_w, &s, NULL);
        if (s.vol >= target_vol || isfinite(rmax)) break;
        r_lo = r_hi, r_hi += (step *= 2);
    }
    if (s.vol <= target_vol) { /* the whole frontier is inside the risk budget */
        memcpy(w, hi_w, n * sizeof *w);
        goto done;
    }
    for (int it = 0; it < 200 && r_hi - r_lo > 1e-15 * (1 + fabs(r_hi)); it++) {
        double mid = 0.5 * (r_lo + r_hi);
        if ((rc = solve_weights(p, mid, w, err))) goto done;
        qc_port_evaluate(n, p->mu, p->cov, p->rf, w, &s, NULL);
        if (s.vol > target_vol) r_hi = mid;
        else r_lo = mid;
    }
    rc = solve_weights(p, r_lo, w, err);
done:
    free(lo_w), free(hi_w);
    return rc;
}

qc_err qc_port_frontier(const qc_port_problem *p, size_t points, double *W, double *ret, double *vol,
                        qc_error *err) {
    if (points < 2) return qc_err_set(err, QC_ERR_INPUT, "a frontier needs at least 2 points, got %zu", points);
    double rmin, rmax;
    qc_err rc = qc_port_return_range(p, &rmin, &rmax, err);
    if (rc) return rc;
    if (!isfinite(rmax)) {
        rmax = rmin;
        for (size_t i = 0; i < p->n; i++) rmax = fmax(rmax, p->mu[i]);
    }
    for (size_t k = 0; k < points && !rc; k++) {
        double r = k + 1 == points ? rmax : rmin + (rmax - rmin) * (double)k / (double)(points - 1);
        rc = k == 0 ? qc_port_min_variance(p, W, err) : solve_weights(p, fmin(r, rmax), W + k * p->n, err);
        qc_port_stats s;
        if (!rc) qc_port_evaluate(p->n, p->mu, p->cov, p->rf, W + k * p->n, &s, NULL);
        if (!rc) ret[k] = s.ret, vol[k] = s.vol;
    }
    return rc;
}

/* ---- one call for a strategy ----------------------------------------------------------------- */

static const char *const k_methods[] = {"minvar", "maxsharpe", "target_return", "target_risk", "ivp",
                                        "erc",    "hrp",       "cvar",          "kelly",       "equal"};

qc_err qc_port_method_parse(const char *s, qc_port_method *out, qc_error *err) {
    for (size_t i = 0; i < sizeof k_methods / sizeof k_methods[0]; i++)
        if (s && strcmp(s, k_methods[i]) == 0) return *out = (qc_port_method)i, QC_OK;
    return qc_err_set(err, QC_ERR_INPUT, "unknown portfolio method '%.40s' (minvar, maxsharpe, target_return, "
                      "target_risk, ivp, erc, hrp, cvar, kelly, equal)", s ? s : "");
}

const char *qc_port_method_name(qc_port_method m) {
    return (size_t)m < sizeof k_methods / sizeof k_methods[0] ? k_methods[m] : "?";
}

void qc_port_spec_init(qc_port_spec *s) {
    memset(s, 0, sizeof *s);
    s->method = QC_PORT_MINVAR;
    s->cov = QC_PORT_COV_SAMPLE;
    s->ewma_lambda = 0.94;
    s->target = NAN;
    s->alpha = 0.95;
    s->kelly_fraction = 1;
    qc_port_constraints_init(&s->c);
}

static qc_err dispatch(const double *r, size_t t, const qc_port_spec *sp, const qc_port_problem *p, double *w,
                       qc_error *err) {
    size_t n = p->n;
    switch (sp->method) {
    case QC_PORT_MINVAR: return qc_port_min_variance(p, w, err);
    case QC_PORT_MAXSHARPE: return qc_port_max_sharpe(p, w, err);
    case QC_PORT_TARGET_RETURN: return qc_port_target_return(p, sp->target, w, err);
    case QC_PORT_TARGET_RISK: return qc_port_target_risk(p, sp->target, w, err);
    case QC_PORT_IVP: return qc_port_inverse_vol(p->cov, n, 1, w, err);
    case QC_PORT_ERC: return qc_port_erc(p->cov, n, NULL, w, err);
    case QC_PORT_HRP: {
        double *lo = malloc(n * sizeof *lo), *hi = malloc(n * sizeof *hi);
        for (size_t i = 0; lo && hi && i < n; i++) {
            lo[i] = fmax(0, lower_of(&sp->c, i));
            hi[i] = fmin(1, upper_of(&sp->c, i));
        }
        qc_err rc = lo && hi ? qc_port_hrp(p->cov, n, lo, hi, w, NULL, err) : qc_err_set(err, QC_ERR_NOMEM, "out of memory");
        free(lo), free(hi);
        return rc;
    }
    case QC_PORT_CVAR: return qc_port_min_cvar(r, t, n, sp->alpha, &sp->c, sp->target, w, NULL, NULL, err);
    case QC_PORT_KELLY: return qc_port_kelly(p->mu, p->cov, n, sp->rf, sp->kelly_fraction, w, err);
    case QC_PORT_EQUAL:
        for (size_t i = 0; i < n; i++) w[i] = 1.0 / (double)n;
        return QC_OK;
    }
    return qc_err_set(err, QC_ERR_INPUT, "unknown portfolio method");
}

qc_err qc_port_weights(const double *r, size_t t, size_t n, const qc_port_spec *spec,
                       const char *const *names, double *w, qc_error *err) {
    double *mu = malloc(n * sizeof *mu), *cov = malloc(n * n * sizeof *cov);
    qc_err rc = mu && cov ? QC_OK : qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    if (!rc && spec->method != QC_PORT_EQUAL && spec->method != QC_PORT_CVAR)
        rc = qc_port_cov(r, t, n, spec->cov, spec->ewma_lambda, cov, NULL, err);
    if (!rc) {
        qc_port_mean(r, t, n, mu);
        qc_port_problem p = {.n = n, .mu = mu, .cov = cov, .rf = spec->rf, .c = spec->c, .names = names};
        rc = dispatch(r, t, spec, &p, w, err);
    }
    free(mu), free(cov);
    return rc;
}
