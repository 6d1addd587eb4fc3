/* cvar.c: minimum Conditional Value-at-Risk over historical scenarios (Rockafellar & Uryasev 2000)
 * as a linear programme for GLPK. The primal LP
 *   min z + c sum_t u_t   s.t.  u_t + r_t'w + z >= 0,  u_t >= 0,  1'w = 1,  lo <= w <= hi,
 *   glo <= G w <= ghi (groups),  mu'w >= target (when given);   c = 1/((1-alpha) T)
 * has a row per scenario, so its simplex basis is T x T whatever the number of assets. GLPK solves
 * its LP dual instead, which has a row per asset (plus one):
 *   max beta + sum_i (lo_i a_i - hi_i b_i) + sum_g (glo_g p_g - ghi_g s_g) + target theta
 *   s.t.  sum_t q_t = 1,  0 <= q_t <= c,
 *         for each asset i:  sum_t r_ti q_t + beta + sum_g G_gi (p_g - s_g) + mu_i theta + a_i - b_i = 0,
 *   a, b, p, s, theta >= 0 (a_i, b_i exist only for finite bounds; beta free)
 * (q is the worst-case probability of each scenario: the dual of CVaR). The weights are the
 * multipliers of the asset rows (GLPK's row duals), exact at the optimal basis. Primal infeasibility
 * shows as an unbounded dual. Few q_t are positive at the optimum (the tail), so the scenario
 * columns are generated: the LP starts with the worst equal-weight scenarios and takes in the
 * columns that price out at its duals, a bounded number per round, until none does. */
#include <glpk.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "portfolio/portfolio.h"

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

void qc_port_cvar_of(const double *r, size_t t, size_t n, double alpha, const double *w, double *var,
                     double *cvar) {
    double *loss = malloc(t * sizeof *loss);
    if (!loss || t == 0) {
        free(loss);
        if (var) *var = NAN;
        if (cvar) *cvar = NAN;
        return;
    }
    for (size_t s = 0; s < t; s++) {
        double l = 0;
        for (size_t i = 0; i < n; i++) l -= r[s * n + i] * w[i];
        loss[s] = l;
    }
    qsort(loss, t, sizeof *loss, cmp_double);
    /* the smallest minimiser of z + E[(L - z)+] / (1 - alpha): the ceil(alpha T)-th smallest loss */
    size_t k = (size_t)ceil(alpha * (double)t - 1e-9);
    if (k < 1) k = 1;
    double z = loss[k - 1], tail = 0;
    for (size_t s = 0; s < t; s++) tail += fmax(0, loss[s] - z);
    if (var) *var = z;
    if (cvar) *cvar = z + tail / ((1 - alpha) * (double)t);
    free(loss);
}

static int bnd_type(double lo, double hi) {
    if (isinf(lo) && isinf(hi)) return GLP_FR;
    if (isinf(hi)) return GLP_LO;
    if (isinf(lo)) return GLP_UP;
    return lo == hi ? GLP_FX : GLP_DB;
}

static qc_err check_inputs(size_t t, size_t n, double alpha, const qc_port_constraints *c, qc_error *err) {
    if (n == 0 || t == 0) return qc_err_set(err, QC_ERR_INPUT, "min CVaR needs scenarios and assets");
    if (!(alpha > 0 && alpha < 1)) return qc_err_set(err, QC_ERR_INPUT, "CVaR confidence must be in (0, 1), got %g", alpha);
    if (c->w0 && isfinite(c->max_turnover))
        return qc_err_set(err, QC_ERR_INPUT, "min CVaR does not take a turnover limit (use a mean-variance method)");
    double slo = 0, shi = 0;
    for (size_t i = 0; i < n; i++) {
        double lo = c->lower ? c->lower[i] : c->lo, hi = c->upper ? c->upper[i] : c->hi;
        if (!(lo <= hi)) return qc_err_set(err, QC_ERR_INPUT, "infeasible constraints: asset %zu has bounds [%g, %g]", i + 1, lo, hi);
        slo += lo, shi += hi;
    }
    if (slo > 1 + 1e-12 || shi < 1 - 1e-12)
        return qc_err_set(err, QC_ERR_INPUT, "infeasible constraints: the weights must sum to 1 but the bounds allow "
                          "only [%g, %g]", slo, shi);
    return QC_OK;
}

/* Column bookkeeping of the dual LP: q (T), beta, theta (when a target is given), then per asset
 * a_i and b_i for finite bounds, then per group p_g and s_g for finite group bounds. */
typedef struct {
    glp_prob *lp;
    int *ia, *ja;
    double *ar;
    size_t k, cap;
    int col;
} dual_lp;

static int put(dual_lp *d, int row, int col, double v) {
    if (d->k >= d->cap) return 0; /* cannot happen: build() counts every entry */
    d->ia[d->k] = row, d->ja[d->k] = col, d->ar[d->k++] = v;
    return 1;
}

/* A new column with bounds [lo, hi] (hi = inf: none) and objective coefficient obj. */
static int add_col(dual_lp *d, double lo, double hi, double obj) {
    int j = ++d->col;
    glp_add_cols(d->lp, 1);
    glp_set_col_bnds(d->lp, j, bnd_type(lo, hi), isinf(lo) ? 0 : lo, isinf(hi) ? 0 : hi);
    glp_set_obj_coef(d->lp, j, obj);
    return j;
}

static int build_cols(dual_lp *d, size_t n, const qc_port_constraints *c, const double *mu, double target) {
    int ok = 1;
    int beta = add_col(d, -INFINITY, INFINITY, 1.0);
    for (size_t i = 0; ok && i < n; i++) ok = put(d, (int)i + 1, beta, 1.0);
    if (!isnan(target)) {
        int th = add_col(d, 0, INFINITY, target);
        for (size_t i = 0; ok && i < n; i++)
            if (mu[i] != 0) ok = put(d, (int)i + 1, th, mu[i]);
    }
    for (size_t i = 0; ok && i < n; i++) {
        double lo = c->lower ? c->lower[i] : c->lo, hi = c->upper ? c->upper[i] : c->hi;
        if (isfinite(lo)) ok = put(d, (int)i + 1, add_col(d, 0, INFINITY, lo), 1.0);
        if (ok && isfinite(hi)) ok = put(d, (int)i + 1, add_col(d, 0, INFINITY, -hi), -1.0);
    }
    for (size_t g = 0; ok && g < c->n_groups; g++) {
        double glo = c->group_lo ? c->group_lo[g] : -INFINITY, ghi = c->group_hi ? c->group_hi[g] : INFINITY;
        int jp = isfinite(glo) ? add_col(d, 0, INFINITY, glo) : 0, js = isfinite(ghi) ? add_col(d, 0, INFINITY, -ghi) : 0;
        for (size_t i = 0; ok && i < n; i++) {
            if (c->group[i] != (int)g) continue;
            if (jp) ok = put(d, (int)i + 1, jp, 1.0);
            if (ok && js) ok = put(d, (int)i + 1, js, -1.0);
        }
    }
    return ok;
}

/* The dual LP without scenario columns (they are added by add_scenarios). */
static glp_prob *build(size_t n, const qc_port_constraints *c, const double *mu, double target) {
    dual_lp d = {.lp = glp_create_prob(), .cap = 6 * n + 2};
    d.ia = malloc(d.cap * sizeof *d.ia), d.ja = malloc(d.cap * sizeof *d.ja), d.ar = malloc(d.cap * sizeof *d.ar);
    glp_set_obj_dir(d.lp, GLP_MAX);
    glp_add_rows(d.lp, (int)n + 1);
    for (size_t i = 0; i < n; i++) glp_set_row_bnds(d.lp, (int)i + 1, GLP_FX, 0, 0);
    glp_set_row_bnds(d.lp, (int)n + 1, GLP_FX, 1, 1);
    d.k = 1; /* GLPK's arrays start at 1 */
    int ok = d.ia && d.ja && d.ar && build_cols(&d, n, c, mu, target);
    if (ok) glp_load_matrix(d.lp, (int)(d.k - 1), d.ia, d.ja, d.ar);
    free(d.ia), free(d.ja), free(d.ar);
    if (!ok) {
        glp_delete_prob(d.lp);
        return NULL;
    }
    return d.lp;
}

/* Scenario columns q_s (bounds [0, cu]) for the flagged scenarios with want[s] && !in[s]. */
static size_t add_scenarios(glp_prob *lp, const double *r, size_t n, size_t t, double cu, const uint8_t *want,
                            uint8_t *in, int *ind, double *val) {
    size_t count = 0;
    for (size_t s = 0; s < t; s++) count += want[s] && !in[s];
    if (!count) return 0;
    int j = glp_add_cols(lp, (int)count);
    for (size_t s = 0; s < t; s++) {
        if (!want[s] || in[s]) continue;
        int len = 0;
        for (size_t i = 0; i < n; i++)
            if (r[s * n + i] != 0) ++len, ind[len] = (int)i + 1, val[len] = r[s * n + i];
        ++len, ind[len] = (int)n + 1, val[len] = 1.0;
        glp_set_col_bnds(lp, j, GLP_DB, 0, cu);
        glp_set_mat_col(lp, j++, len, ind, val);
        in[s] = 1;
    }
    return count;
}

typedef struct {
    double loss;
    size_t s;
} ranked;

static int cmp_ranked(const void *a, const void *b) {
    double x = ((const ranked *)a)->loss, y = ((const ranked *)b)->loss;
    return x > y ? -1 : x < y;
}

/* The first columns: the scenarios with the largest equal-weight losses, four times as many as the
 * tail holds (plus a margin): the CVaR optimum's worst-case probabilities sit on few scenarios. */
static void first_scenarios(const double *r, size_t t, size_t n, double alpha, uint8_t *want, ranked *rk) {
    size_t tail = (size_t)ceil((1 - alpha) * (double)t - 1e-9), k = 4 * tail + 16;
    for (size_t s = 0; s < t; s++) {
        double l = 0;
        for (size_t i = 0; i < n; i++) l -= r[s * n + i];
        rk[s] = (ranked){l, s};
    }
    qsort(rk, t, sizeof *rk, cmp_ranked);
    for (size_t s = 0; s < t; s++) want[rk[s].s] = s < k;
}

/* Flags the scenarios whose columns price out at the current duals (reduced cost
 * -(r_s'pi + pi_{n+1}) > 0 in this maximisation), at most `most` of them, the best first; returns
 * how many. */
static size_t price(glp_prob *lp, const double *r, size_t t, size_t n, const uint8_t *in, uint8_t *want, double *pi,
                    ranked *rk, size_t most) {
    for (size_t i = 0; i <= n; i++) pi[i] = glp_get_row_dual(lp, (int)i + 1);
    double scale = 0;
    for (size_t i = 0; i <= n; i++) scale = fmax(scale, fabs(pi[i]));
    size_t k = 0;
    for (size_t s = 0; s < t; s++) {
        want[s] = 0;
        if (in[s]) continue;
        double d = -pi[n];
        for (size_t i = 0; i < n; i++) d -= r[s * n + i] * pi[i];
        if (d > 1e-12 * (1 + scale)) rk[k++] = (ranked){d, s};
    }
    if (k > most) qsort(rk, k, sizeof *rk, cmp_ranked), k = most;
    for (size_t j = 0; j < k; j++) want[rk[j].s] = 1;
    return k;
}

/* Column generation on the scenario columns: solve with a subset, add the columns that price out,
 * re-solve from the last basis (primal simplex: the new columns enter at 0, the basis stays
 * feasible), until none does; then the basis is optimal for the whole LP. Returns glp_simplex's code. */
static int solve_dual(glp_prob *lp, const double *r, size_t t, size_t n, double alpha, int *ind, double *val,
                      uint8_t *in, uint8_t *want, ranked *rk, double *pi) {
    double cu = 1 / ((1 - alpha) * (double)t);
    size_t per_round = 2 * (size_t)ceil((1 - alpha) * (double)t) + 8; /* measured: ~best at 50-500 assets */
    glp_smcp parm;
    glp_init_smcp(&parm);
    parm.msg_lev = GLP_MSG_OFF;
    parm.meth = GLP_DUALP;
    glp_term_out(GLP_OFF);
    first_scenarios(r, t, n, alpha, want, rk);
    add_scenarios(lp, r, n, t, cu, want, in, ind, val);
    int grc = glp_simplex(lp, &parm);
    parm.meth = GLP_PRIMAL;
    for (size_t round = 0; round < t; round++) {
        if (grc != 0 || glp_get_status(lp) != GLP_OPT) { /* decide on the whole LP */
            memset(want, 1, t);
            if (add_scenarios(lp, r, n, t, cu, want, in, ind, val) == 0) return grc;
            parm.meth = GLP_DUALP;
            return glp_simplex(lp, &parm);
        }
        if (price(lp, r, t, n, in, want, pi, rk, per_round) == 0) return grc;
        add_scenarios(lp, r, n, t, cu, want, in, ind, val);
        grc = glp_simplex(lp, &parm);
    }
    return grc;
}

qc_err qc_port_min_cvar(const double *r, size_t t, size_t n, double alpha, const qc_port_constraints *c,
                        double target_return, double *w, double *var, double *cvar, qc_error *err) {
    qc_err rc = check_inputs(t, n, alpha, c, err);
    if (rc) return rc;
    double *mu = malloc(n * sizeof *mu), *val = malloc((n + 2) * sizeof *val), *pi = malloc((n + 1) * sizeof *pi);
    int *ind = malloc((n + 2) * sizeof *ind);
    uint8_t *in = calloc(t, 1), *want = calloc(t, 1);
    ranked *rk = malloc(t * sizeof *rk);
    glp_prob *lp = NULL;
    if (mu && val && pi && ind && in && want && rk) {
        qc_port_mean(r, t, n, mu);
        lp = build(n, c, mu, target_return);
    }
    int grc = lp ? solve_dual(lp, r, t, n, alpha, ind, val, in, want, rk, pi) : 0;
    free(val), free(pi), free(ind), free(in), free(want), free(rk);
    if (!lp) {
        free(mu);
        return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    }
    int st = glp_get_status(lp);
    /* the LP here is the dual: without a feasible point the CVaR problem is unbounded (or infeasible);
     * unbounded (no dual-feasible point: the dual simplex's way of saying it) the CVaR problem is infeasible */
    int unbounded = st == GLP_UNBND || (st != GLP_OPT && glp_get_dual_stat(lp) == GLP_NOFEAS);
    if (grc == 0 && st == GLP_NOFEAS)
        rc = qc_err_set(err, QC_ERR_INPUT, "min CVaR: the problem is unbounded or infeasible (free weights with no bound)");
    else if (grc == 0 && unbounded)
        rc = qc_err_set(err, QC_ERR_INPUT, isnan(target_return)
                        ? "infeasible constraints: no fully invested portfolio satisfies the bounds and group bounds"
                        : "infeasible constraints: no portfolio within the bounds reaches the target return %g",
                        target_return);
    else if (grc != 0 || st != GLP_OPT)
        rc = qc_err_set(err, QC_ERR_INPUT, "the CVaR LP solver (GLPK) failed (code %d, status %d)", grc, st);
    for (size_t i = 0; !rc && i < n; i++) w[i] = glp_get_row_dual(lp, (int)i + 1);
    if (!rc) qc_port_cvar_of(r, t, n, alpha, w, var, cvar);
    glp_delete_prob(lp);
    free(mu);
    return rc;
}
