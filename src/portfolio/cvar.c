/* cvar.c: minimum Conditional Value-at-Risk over historical scenarios (Rockafellar & Uryasev 2000)
 * as a linear programme for GLPK:
 *   min z + 1/((1-alpha) T) sum_t u_t   s.t.  u_t >= -r_t'w - z,  u_t >= 0,  1'w = 1,
 *   bounds, group bounds, and mu'w >= target when a target is given.
 * Variables are ordered w (n), z (free), u (T). The scenario rows are dense (n + 2 entries each). */
#include <glpk.h>
#include <math.h>
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

static void set_row(glp_prob *lp, int row, double lo, double hi) {
    glp_set_row_bnds(lp, row, bnd_type(lo, hi), isinf(lo) ? 0 : lo, isinf(hi) ? 0 : hi);
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

/* Loads the constraint matrix: T scenario rows, then budget, groups, target. */
static int load_rows(glp_prob *lp, const double *r, size_t t, size_t n, const qc_port_constraints *c,
                     const double *mu, int has_target) {
    size_t rows = t + 1 + c->n_groups + (has_target ? 1 : 0);
    size_t cap = t * (n + 2) + (rows - t) * n + 1;
    int *ia = malloc(cap * sizeof *ia), *ja = malloc(cap * sizeof *ja);
    double *ar = malloc(cap * sizeof *ar);
    if (!ia || !ja || !ar) {
        free(ia), free(ja), free(ar);
        return 0;
    }
    size_t k = 1;
#define PUT(row, col, v) (ia[k] = (int)(row), ja[k] = (int)(col), ar[k++] = (v))
    for (size_t s = 0; s < t; s++) {
        for (size_t i = 0; i < n; i++)
            if (r[s * n + i] != 0) PUT(s + 1, i + 1, r[s * n + i]);
        PUT(s + 1, n + 1, 1.0);
        PUT(s + 1, n + 2 + s, 1.0);
    }
    size_t row = t + 1;
    for (size_t i = 0; i < n; i++) PUT(row, i + 1, 1.0);
    for (size_t g = 0; g < c->n_groups; g++) {
        row++;
        for (size_t i = 0; i < n; i++)
            if (c->group[i] == (int)g) PUT(row, i + 1, 1.0);
    }
    if (has_target) {
        row++;
        for (size_t i = 0; i < n; i++)
            if (mu[i] != 0) PUT(row, i + 1, mu[i]);
    }
#undef PUT
    glp_load_matrix(lp, (int)(k - 1), ia, ja, ar);
    free(ia), free(ja), free(ar);
    return 1;
}

static glp_prob *build(const double *r, size_t t, size_t n, double alpha, const qc_port_constraints *c,
                       const double *mu, double target) {
    glp_prob *lp = glp_create_prob();
    glp_set_obj_dir(lp, GLP_MIN);
    glp_add_cols(lp, (int)(n + 1 + t));
    for (size_t i = 0; i < n; i++) {
        double lo = c->lower ? c->lower[i] : c->lo, hi = c->upper ? c->upper[i] : c->hi;
        glp_set_col_bnds(lp, (int)i + 1, bnd_type(lo, hi), isinf(lo) ? 0 : lo, isinf(hi) ? 0 : hi);
    }
    glp_set_col_bnds(lp, (int)n + 1, GLP_FR, 0, 0);
    glp_set_obj_coef(lp, (int)n + 1, 1.0);
    double cu = 1 / ((1 - alpha) * (double)t);
    for (size_t s = 0; s < t; s++) {
        glp_set_col_bnds(lp, (int)(n + 2 + s), GLP_LO, 0, 0);
        glp_set_obj_coef(lp, (int)(n + 2 + s), cu);
    }
    size_t rows = t + 1 + c->n_groups + (isnan(target) ? 0 : 1);
    glp_add_rows(lp, (int)rows);
    for (size_t s = 0; s < t; s++) set_row(lp, (int)s + 1, 0, INFINITY);
    set_row(lp, (int)t + 1, 1, 1);
    for (size_t g = 0; g < c->n_groups; g++)
        set_row(lp, (int)(t + 2 + g), c->group_lo ? c->group_lo[g] : -INFINITY, c->group_hi ? c->group_hi[g] : INFINITY);
    if (!isnan(target)) set_row(lp, (int)rows, target, INFINITY);
    if (!load_rows(lp, r, t, n, c, mu, !isnan(target))) {
        glp_delete_prob(lp);
        return NULL;
    }
    return lp;
}

qc_err qc_port_min_cvar(const double *r, size_t t, size_t n, double alpha, const qc_port_constraints *c,
                        double target_return, double *w, double *var, double *cvar, qc_error *err) {
    qc_err rc = check_inputs(t, n, alpha, c, err);
    if (rc) return rc;
    double *mu = malloc(n * sizeof *mu);
    if (!mu) return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    qc_port_mean(r, t, n, mu);
    glp_prob *lp = build(r, t, n, alpha, c, mu, target_return);
    if (!lp) {
        free(mu);
        return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    }
    glp_smcp parm;
    glp_init_smcp(&parm);
    parm.msg_lev = GLP_MSG_OFF;
    parm.meth = GLP_DUALP;
    parm.presolve = GLP_ON;
    glp_term_out(GLP_OFF);
    int grc = glp_simplex(lp, &parm), st = glp_get_status(lp);
    if (grc == GLP_ENOPFS || st == GLP_NOFEAS)
        rc = qc_err_set(err, QC_ERR_INPUT, isnan(target_return)
                        ? "infeasible constraints: no fully invested portfolio satisfies the bounds and group bounds"
                        : "infeasible constraints: no portfolio within the bounds reaches the target return %g",
                        target_return);
    else if (grc != 0 || st != GLP_OPT)
        rc = qc_err_set(err, QC_ERR_INPUT, "the CVaR LP solver (GLPK) failed (code %d, status %d)", grc, st);
    for (size_t i = 0; !rc && i < n; i++) w[i] = glp_get_col_prim(lp, (int)i + 1);
    if (!rc) qc_port_cvar_of(r, t, n, alpha, w, var, cvar);
    glp_delete_prob(lp);
    free(mu);
    return rc;
}
