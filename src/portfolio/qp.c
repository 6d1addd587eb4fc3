/* qp.c: the convex QP and LP solvers behind the mean-variance methods.
 *
 * LPs go to GLPK (simplex). QPs use a primal active-set method written here, because none of the
 * Debian solvers fits: GLPK has no quadratic objective, NLopt's SLSQP is a quasi-Newton NLP method
 * (approximate Hessian, ~1e-6 accuracy, O(n^3) per step) and Ipopt is an interior-point method whose
 * answers stop short of the active bounds unless pushed to tight tolerances. Portfolio QPs are small
 * and dense with an exact Hessian, and their solutions sit on many bounds (long-only minimum variance
 * holds few assets), which is the case active-set methods are made for (Nocedal & Wright, ch. 16.5):
 *   1. a feasible vertex from GLPK (phase 1; infeasible constraints are reported from here);
 *   2. working set = the vertex's active bounds and rows; free variables F;
 *   3. each step solves the equality QP on F by the range-space method: a Cholesky factor L of H_FF,
 *      kept up to date in O(|F|^2) when a variable is freed (append a row) or fixed (delete a row,
 *      Givens rotations restore the triangle), and the Schur complement of the active rows;
 *   4. a blocked step adds the blocking bound or row; at an equality-QP minimum the most negative
 *      multiplier is released; none negative means optimal (the problem is convex).
 * Linear algebra through CBLAS/LAPACKE (OpenBLAS). */
#include <cblas.h>
#include <glpk.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "portfolio/internal.h"

void qc_port_matvec(const double *M, size_t n, const double *x, double *y) {
    cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)n, (int)n, 1.0, M, (int)n, x, 1, 0.0, y, 1);
}

double qc_port_dot(const double *a, const double *b, size_t n) {
    return cblas_ddot((int)n, a, 1, b, 1);
}

/* ---- GLPK ------------------------------------------------------------------------------------- */

static int glpk_type(double lo, double hi) {
    if (isinf(lo) && isinf(hi)) return GLP_FR;
    if (isinf(hi)) return GLP_LO;
    if (isinf(lo)) return GLP_UP;
    return lo == hi ? GLP_FX : GLP_DB;
}

/* The QP's feasible set as a GLPK problem with objective c (NULL: zero). */
static glp_prob *glpk_build(const qc_qp *q, const double *c, int maximise) {
    glp_prob *lp = glp_create_prob();
    glp_set_obj_dir(lp, maximise ? GLP_MAX : GLP_MIN);
    glp_add_cols(lp, (int)q->n);
    for (size_t j = 0; j < q->n; j++) {
        glp_set_col_bnds(lp, (int)j + 1, glpk_type(q->lo[j], q->hi[j]), isinf(q->lo[j]) ? 0 : q->lo[j],
                         isinf(q->hi[j]) ? 0 : q->hi[j]);
        glp_set_obj_coef(lp, (int)j + 1, c ? c[j] : 0.0);
    }
    if (q->m == 0) return lp;
    glp_add_rows(lp, (int)q->m);
    size_t nz = 0;
    for (size_t i = 0; i < q->m * q->n; i++) nz += q->A[i] != 0;
    int *ia = malloc((nz + 1) * sizeof *ia), *ja = malloc((nz + 1) * sizeof *ja);
    double *ar = malloc((nz + 1) * sizeof *ar);
    if (!ia || !ja || !ar) {
        free(ia), free(ja), free(ar);
        glp_delete_prob(lp);
        return NULL;
    }
    size_t k = 1;
    for (size_t i = 0; i < q->m; i++) {
        glp_set_row_bnds(lp, (int)i + 1, glpk_type(q->bl[i], q->bu[i]), isinf(q->bl[i]) ? 0 : q->bl[i],
                         isinf(q->bu[i]) ? 0 : q->bu[i]);
        for (size_t j = 0; j < q->n; j++)
            if (q->A[i * q->n + j] != 0) ia[k] = (int)i + 1, ja[k] = (int)j + 1, ar[k++] = q->A[i * q->n + j];
    }
    glp_load_matrix(lp, (int)nz, ia, ja, ar);
    free(ia), free(ja), free(ar);
    return lp;
}

/* Runs the simplex; returns QC_QP_* . */
static int glpk_run(glp_prob *lp) {
    glp_smcp parm;
    glp_init_smcp(&parm);
    parm.msg_lev = GLP_MSG_OFF;
    glp_term_out(GLP_OFF);
    glp_adv_basis(lp, 0);
    int rc = glp_simplex(lp, &parm);
    if (rc != 0 && rc != GLP_EITLIM) return QC_QP_FAILED;
    switch (glp_get_status(lp)) {
    case GLP_OPT: return QC_QP_OK;
    case GLP_NOFEAS: return QC_QP_INFEASIBLE;
    case GLP_UNBND: return QC_QP_UNBOUNDED;
    default: break;
    }
    /* an unbounded primal is reported through the dual status by some GLPK paths */
    if (glp_get_prim_stat(lp) == GLP_NOFEAS) return QC_QP_INFEASIBLE;
    if (glp_get_dual_stat(lp) == GLP_NOFEAS) return QC_QP_UNBOUNDED;
    return QC_QP_FAILED;
}

static qc_err lp_status_err(int st, qc_error *err) {
    if (st == QC_QP_INFEASIBLE) return qc_err_set(err, QC_ERR_INPUT, "the constraints are infeasible");
    if (st == QC_QP_UNBOUNDED) return qc_err_set(err, QC_ERR_INPUT, "the problem is unbounded");
    return qc_err_set(err, QC_ERR_INPUT, "the LP solver (GLPK) failed");
}

static qc_err check_bounds(const qc_qp *q, qc_error *err) {
    for (size_t j = 0; j < q->n; j++)
        if (!(q->lo[j] <= q->hi[j]) || q->lo[j] == INFINITY || q->hi[j] == -INFINITY)
            return qc_err_set(err, QC_ERR_INPUT, "the constraints are infeasible: a lower bound above its upper bound");
    for (size_t i = 0; i < q->m; i++)
        if (!(q->bl[i] <= q->bu[i]) || q->bl[i] == INFINITY || q->bu[i] == -INFINITY)
            return qc_err_set(err, QC_ERR_INPUT, "the constraints are infeasible: a row's lower bound above its upper");
    return QC_OK;
}

qc_err qc_lp_solve(const qc_qp *q, const double *c, int maximise, double *x, double *obj, int *status,
                   qc_error *err) {
    qc_err rc = check_bounds(q, err);
    if (rc) return *status = QC_QP_INFEASIBLE, rc;
    glp_prob *lp = glpk_build(q, c, maximise);
    if (!lp) return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    *status = glpk_run(lp);
    if (*status == QC_QP_OK) {
        for (size_t j = 0; x && j < q->n; j++) x[j] = glp_get_col_prim(lp, (int)j + 1);
        if (obj) *obj = glp_get_obj_val(lp);
    }
    glp_delete_prob(lp);
    return *status == QC_QP_OK ? QC_OK : lp_status_err(*status, err);
}

/* ---- the active-set QP ------------------------------------------------------------------------ */

enum { WS_FREE = 0, WS_LO = 1, WS_HI = 2, WS_FIXED = 3 };

typedef struct {
    const qc_qp *q;
    size_t n, m, k, r; /* variables, rows, free count, active row count */
    double *x, *g, *p, *L, *Y, *S, *lam, *z, *tmp, *hp; /* hp = H p after each equality QP */
    size_t *F, *R;     /* free variables in factor order; active rows */
    int *vs, *rs;      /* variable and row states (WS_*) */
    double scale;      /* size of H and c, for tolerances */
} qp_state;

static double *dalloc(size_t n) { return calloc(n ? n : 1, sizeof(double)); }

static int qp_alloc(qp_state *s, const qc_qp *q, double *x) {
    size_t n = q->n, m = q->m, mr = m + 2;
    s->q = q, s->n = n, s->m = m, s->k = s->r = 0, s->x = x;
    s->g = dalloc(n), s->p = dalloc(n), s->L = dalloc(n * n), s->Y = dalloc(mr * n);
    s->S = dalloc(mr * mr), s->lam = dalloc(mr), s->z = dalloc(n), s->tmp = dalloc(n > mr ? n : mr);
    s->hp = dalloc(n);
    s->F = calloc(n + 1, sizeof *s->F), s->R = calloc(mr, sizeof *s->R);
    s->vs = calloc(n + 1, sizeof *s->vs), s->rs = calloc(mr, sizeof *s->rs);
    return s->g && s->p && s->L && s->Y && s->S && s->lam && s->z && s->tmp && s->hp && s->F && s->R && s->vs &&
           s->rs;
}

static void qp_free(qp_state *s) {
    free(s->g), free(s->p), free(s->L), free(s->Y), free(s->S), free(s->lam), free(s->z), free(s->tmp), free(s->hp);
    free(s->F), free(s->R), free(s->vs), free(s->rs);
}

/* Appends variable j to F and the factor: O(k^2). 0 if H_FF would stop being positive definite. */
static int chol_append(qp_state *s, size_t j) {
    size_t n = s->n, k = s->k;
    double *row = s->L + k * n;
    for (size_t t = 0; t < k; t++) row[t] = s->q->H[s->F[t] * n + j];
    if (k) cblas_dtrsv(CblasRowMajor, CblasLower, CblasNoTrans, CblasNonUnit, (int)k, s->L, (int)n, row, 1);
    double hjj = s->q->H[j * n + j], d2 = hjj - (k ? cblas_ddot((int)k, row, 1, row, 1) : 0.0);
    if (!(d2 > 1e-14 * (fabs(hjj) + 1e-300))) return 0;
    row[k] = sqrt(d2);
    s->F[k] = j;
    s->k = k + 1;
    s->vs[j] = WS_FREE;
    return 1;
}

/* Removes the variable at factor position pos: shift rows up, Givens rotations on column pairs. */
static void chol_delete(qp_state *s, size_t pos) {
    size_t n = s->n, k = s->k;
    double *L = s->L;
    for (size_t i = pos; i + 1 < k; i++) {
        memcpy(L + i * n, L + (i + 1) * n, (i + 2) * sizeof(double));
        s->F[i] = s->F[i + 1];
    }
    for (size_t j = pos; j + 1 < k; j++) {
        double a = L[j * n + j], b = L[j * n + j + 1], h = hypot(a, b);
        double c = a / h, sn = b / h;
        for (size_t i = j; i + 1 < k; i++) {
            double t1 = L[i * n + j], t2 = L[i * n + j + 1];
            L[i * n + j] = c * t1 + sn * t2;
            L[i * n + j + 1] = -sn * t1 + c * t2;
        }
        L[j * n + j + 1] = 0;
    }
    for (size_t i = 0; i + 1 < k; i++) L[i * n + k - 1] = 0;
    s->k = k - 1;
}

/* y = H v for v zero off F: a sum of the free variables' rows (H is symmetric), O(n k) instead of
 * O(n^2); the step p of an equality QP is such a vector. */
static void h_times_free(const qp_state *s, const double *v, double *y) {
    size_t n = s->n;
    memset(y, 0, n * sizeof *y);
    for (size_t t = 0; t < s->k; t++) {
        double a = v[s->F[t]];
        if (a == 0) continue;
        const double *h = s->q->H + s->F[t] * n;
        for (size_t i = 0; i < n; i++) y[i] += a * h[i];
    }
}

/* g = H x + c */
static void qp_gradient(qp_state *s) {
    qc_port_matvec(s->q->H, s->n, s->x, s->g);
    if (s->q->c)
        for (size_t i = 0; i < s->n; i++) s->g[i] += s->q->c[i];
}

/* Solves the equality-QP KKT system on F [H_FF A_RF'; A_RF 0][dp; dl] = [r1; r2] with the factor
 * L and the factored Schur complement S = Y Y', Y = L^-1 A_RF' (rows of s->Y):
 * dl = S^-1 (Y L^-1 r1 - r2), dp = L^-T (L^-1 r1 - Y' dl). r1 is overwritten by dp. */
static void kkt_solve(qp_state *s, double *r1, double *r2) {
    size_t n = s->n, k = s->k, r = s->r;
    if (k) cblas_dtrsv(CblasRowMajor, CblasLower, CblasNoTrans, CblasNonUnit, (int)k, s->L, (int)n, r1, 1);
    if (r) {
        cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)r, (int)k, 1.0, s->Y, (int)n, r1, 1, -1.0, r2, 1);
        LAPACKE_dpotrs(LAPACK_ROW_MAJOR, 'L', (int)r, 1, s->S, (int)r, r2, 1);
        cblas_dgemv(CblasRowMajor, CblasTrans, (int)r, (int)k, -1.0, s->Y, (int)n, r2, 1, 1.0, r1, 1);
    }
    if (k) cblas_dtrsv(CblasRowMajor, CblasLower, CblasTrans, CblasNonUnit, (int)k, s->L, (int)n, r1, 1);
}

/* Equality QP step on F: p (full n, zero off F) and the active rows' multipliers lam, with one
 * round of iterative refinement (H can be ill-conditioned: the turnover variables carry only a
 * ridge). 0 on a singular Schur complement (dependent active rows). */
static int qp_eqp(qp_state *s) {
    size_t n = s->n, k = s->k, r = s->r;
    for (size_t a = 0; a < r; a++) {
        const double *row = s->q->A + s->R[a] * n;
        double *y = s->Y + a * n;
        for (size_t t = 0; t < k; t++) y[t] = row[s->F[t]];
        if (k) cblas_dtrsv(CblasRowMajor, CblasLower, CblasNoTrans, CblasNonUnit, (int)k, s->L, (int)n, y, 1);
    }
    if (r) {
        if (k == 0) return 0;
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)r, (int)r, (int)k, 1.0, s->Y, (int)n, s->Y,
                    (int)n, 0.0, s->S, (int)r);
        if (LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'L', (int)r, s->S, (int)r) != 0) return 0;
    }
    for (size_t t = 0; t < k; t++) s->z[t] = -s->g[s->F[t]];
    memset(s->lam, 0, r * sizeof(double));
    kkt_solve(s, s->z, s->lam);
    memset(s->p, 0, n * sizeof(double));
    for (size_t t = 0; t < k; t++) s->p[s->F[t]] = s->z[t];
    /* refinement: residuals of the KKT system at (p, lam), solved again and added */
    double *hp = s->hp, *r1 = s->z, *r2 = s->Y + r * n; /* spare row of Y */
    h_times_free(s, s->p, hp);
    for (size_t t = 0; t < k; t++) r1[t] = -s->g[s->F[t]] - hp[s->F[t]];
    for (size_t a = 0; a < r; a++) {
        const double *row = s->q->A + s->R[a] * n;
        for (size_t t = 0; t < k; t++) r1[t] -= row[s->F[t]] * s->lam[a];
        r2[a] = -cblas_ddot((int)n, row, 1, s->p, 1);
    }
    kkt_solve(s, r1, r2);
    for (size_t t = 0; t < k; t++) s->p[s->F[t]] += r1[t];
    for (size_t a = 0; a < r; a++) s->lam[a] += r2[a];
    h_times_free(s, s->p, s->hp); /* for the gradient update after the step */
    return 1;
}

/* The most violated multiplier sign: a row (returns 1, *which = position in R) or a bound (returns
 * 2, *which = variable); 0 when the point is optimal. */
static int qp_worst_multiplier(qp_state *s, size_t *which) {
    size_t n = s->n;
    double tol = 1e-11 * s->scale, worst = tol;
    int kind = 0;
    for (size_t a = 0; a < s->r; a++) {
        int st = s->rs[s->R[a]];
        double v = st == WS_HI ? -s->lam[a] : st == WS_LO ? s->lam[a] : 0;
        if (v > worst) worst = v, kind = 1, *which = a;
    }
    /* residual gradient of the bounded variables: g + A_R' lam */
    memcpy(s->tmp, s->g, n * sizeof(double));
    for (size_t a = 0; a < s->r; a++) cblas_daxpy((int)n, s->lam[a], s->q->A + s->R[a] * n, 1, s->tmp, 1);
    for (size_t i = 0; i < n; i++) {
        double v = s->vs[i] == WS_LO ? -s->tmp[i] : s->vs[i] == WS_HI ? s->tmp[i] : 0;
        if (v > worst) worst = v, kind = 2, *which = i;
    }
    return kind;
}

/* Longest step in [0, 1] along p; *block: -1 none, else variable index, or n + row. */
static double qp_step_length(qp_state *s, long *block) {
    const qc_qp *q = s->q;
    double alpha = 1.0;
    *block = -1;
    for (size_t t = 0; t < s->k; t++) {
        size_t i = s->F[t];
        double pi = s->p[i], a = INFINITY;
        if (pi < 0 && !isinf(q->lo[i])) a = (q->lo[i] - s->x[i]) / pi;
        else if (pi > 0 && !isinf(q->hi[i])) a = (q->hi[i] - s->x[i]) / pi;
        if (a < alpha) alpha = a < 0 ? 0 : a, *block = (long)i;
    }
    for (size_t j = 0; j < s->m; j++) {
        if (s->rs[j] != WS_FREE) continue;
        const double *row = q->A + j * s->n;
        double ap = cblas_ddot((int)s->n, row, 1, s->p, 1), ax, a = INFINITY;
        double eps = 1e-14 * cblas_dnrm2((int)s->n, row, 1) * cblas_dnrm2((int)s->n, s->p, 1);
        if (ap > eps && !isinf(q->bu[j])) ax = cblas_ddot((int)s->n, row, 1, s->x, 1), a = (q->bu[j] - ax) / ap;
        else if (ap < -eps && !isinf(q->bl[j])) ax = cblas_ddot((int)s->n, row, 1, s->x, 1), a = (q->bl[j] - ax) / ap;
        if (a < alpha) alpha = a < 0 ? 0 : a, *block = (long)(s->n + j);
    }
    return alpha;
}

/* Phase 1: a vertex of the feasible set from GLPK, its active set as the working set. */
static int qp_start(qp_state *s) {
    const qc_qp *q = s->q;
    double *d = dalloc(s->n);
    if (!d) return QC_QP_FAILED;
    for (size_t i = 0; i < s->n; i++) d[i] = q->H[i * s->n + i] + (q->c ? q->c[i] : 0);
    glp_prob *lp = glpk_build(q, d, 0);
    int st = lp ? glpk_run(lp) : QC_QP_FAILED;
    if (st == QC_QP_UNBOUNDED) { /* any vertex will do */
        for (size_t j = 0; j < s->n; j++) glp_set_obj_coef(lp, (int)j + 1, 0.0);
        st = glpk_run(lp);
    }
    free(d);
    if (st != QC_QP_OK) {
        if (lp) glp_delete_prob(lp);
        return st;
    }
    for (size_t j = 0; j < s->n; j++) {
        int cs = glp_get_col_stat(lp, (int)j + 1);
        s->x[j] = glp_get_col_prim(lp, (int)j + 1);
        s->vs[j] = cs == GLP_NL ? WS_LO : cs == GLP_NU ? WS_HI : cs == GLP_NS ? WS_FIXED : WS_FREE;
        if (s->vs[j] == WS_LO || s->vs[j] == WS_FIXED) s->x[j] = q->lo[j];
        if (s->vs[j] == WS_HI) s->x[j] = q->hi[j];
    }
    for (size_t i = 0; i < s->m; i++) {
        int rs = glp_get_row_stat(lp, (int)i + 1);
        s->rs[i] = rs == GLP_NL ? WS_LO : rs == GLP_NU ? WS_HI : rs == GLP_NS ? WS_FIXED : WS_FREE;
        if (s->rs[i] != WS_FREE) s->R[s->r++] = i;
    }
    glp_delete_prob(lp);
    for (size_t j = 0; j < s->n; j++)
        if (s->vs[j] == WS_FREE && !chol_append(s, j)) return QC_QP_FAILED;
    return QC_QP_OK;
}

/* Warm start for the common portfolio QP: one row, sum x = b, finite lower bounds. The budget-only
 * minimiser z ~ H^-1 1 (one Cholesky, BLAS-3) guesses which variables end above their lower bound;
 * the start puts the rest of the budget equally on the guessed set, which is feasible and already
 * near the final working set, so the iterations only correct the guess (instead of adding the
 * held assets one by one from a vertex). Returns 0 (nothing changed) when the shape does not fit,
 * H is not positive definite or the start would break an upper bound. */
static int qp_start_budget(qp_state *s) {
    const qc_qp *q = s->q;
    size_t n = s->n;
    if (q->m != 1 || !(q->bl[0] == q->bu[0]) || n < 2) return 0;
    double low = 0;
    for (size_t j = 0; j < n; j++) {
        if (q->A[j] != 1 || isinf(q->lo[j])) return 0;
        low += q->lo[j];
    }
    double rest = q->bl[0] - low, *z = s->z, *L = s->L;
    if (!(rest > 0)) return 0;
    for (size_t i = 0; i < n; i++) memcpy(L + i * n, q->H + i * n, (i + 1) * sizeof *L);
    if (LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'L', (int)n, L, (int)n) != 0) return 0;
    for (size_t j = 0; j < n; j++) z[j] = 1;
    LAPACKE_dpotrs(LAPACK_ROW_MAJOR, 'L', (int)n, 1, L, (int)n, z, 1);
    size_t k = 0;
    for (size_t j = 0; j < n; j++) k += z[j] > 0;
    if (k == 0) return 0;
    for (size_t j = 0; j < n; j++)
        if (z[j] > 0 && !(q->lo[j] + rest / (double)k < q->hi[j])) return 0;
    if (k < n) { /* refactor H on the guessed set */
        size_t t = 0;
        for (size_t j = 0; j < n; j++)
            if (z[j] > 0) s->F[t++] = j;
        for (size_t a = 0; a < k; a++)
            for (size_t b = 0; b <= a; b++) L[a * n + b] = q->H[s->F[a] * n + s->F[b]];
        if (LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'L', (int)k, L, (int)n) != 0) return 0;
    } else {
        for (size_t j = 0; j < n; j++) s->F[j] = j;
    }
    for (size_t a = 0; a < k; a++) memset(L + a * n + a + 1, 0, (n - a - 1) * sizeof *L); /* clear above */
    for (size_t j = 0; j < n; j++) {
        int in = z[j] > 0;
        s->vs[j] = in ? WS_FREE : WS_LO;
        s->x[j] = q->lo[j] + (in ? rest / (double)k : 0);
    }
    s->k = k;
    s->rs[0] = WS_FIXED;
    s->R[0] = 0;
    s->r = 1;
    return 1;
}

static void qp_scale(qp_state *s) {
    double h = 0, c = 0;
    for (size_t i = 0; i < s->n * s->n; i++) h = fmax(h, fabs(s->q->H[i]));
    for (size_t i = 0; s->q->c && i < s->n; i++) c = fmax(c, fabs(s->q->c[i]));
    s->scale = h + c > 0 ? h + c : 1.0;
}

/* Frees the released constraint; 0 if the factor cannot take the variable. */
static int qp_release(qp_state *s, int kind, size_t which) {
    if (kind == 1) {
        s->rs[s->R[which]] = WS_FREE;
        memmove(s->R + which, s->R + which + 1, (s->r - which - 1) * sizeof *s->R);
        s->r--;
        return 1;
    }
    return chol_append(s, which);
}

static void qp_block(qp_state *s, long b) {
    const qc_qp *q = s->q;
    if (b < (long)s->n) {
        size_t i = (size_t)b, pos = 0;
        while (s->F[pos] != i) pos++;
        int lo = s->p[i] < 0;
        s->x[i] = lo ? q->lo[i] : q->hi[i];
        s->vs[i] = lo ? WS_LO : WS_HI;
        chol_delete(s, pos);
        return;
    }
    size_t j = (size_t)b - s->n;
    double ap = cblas_ddot((int)s->n, q->A + j * s->n, 1, s->p, 1);
    s->rs[j] = ap > 0 ? WS_HI : WS_LO;
    s->R[s->r++] = j;
}

/* The gradient follows the steps (g += alpha H p, O(n k)); it is recomputed from x every 32 steps
 * and before optimality is declared, so rounding never decides the answer. */
static int qp_iterate(qp_state *s) {
    size_t max_iter = 20 * (s->n + s->m) + 200, since = 0;
    int at_min = 0, fresh = 0;
    for (size_t it = 0; it < max_iter; it++) {
        if (!fresh && (since >= 32 || it == 0)) qp_gradient(s), fresh = 1, since = 0;
        if (!qp_eqp(s)) return QC_QP_FAILED;
        double pmax = 0, xmax = 1;
        for (size_t i = 0; i < s->n; i++) pmax = fmax(pmax, fabs(s->p[i])), xmax = fmax(xmax, fabs(s->x[i]));
        if (at_min || pmax <= 1e-13 * xmax) {
            size_t which = 0;
            int kind = qp_worst_multiplier(s, &which);
            if (!kind && !fresh) { /* confirm on an exact gradient */
                qp_gradient(s), fresh = 1, since = 0;
                continue;
            }
            if (!kind) return QC_QP_OK;
            if (!qp_release(s, kind, which)) return QC_QP_FAILED;
            at_min = 0;
            continue;
        }
        long b;
        double alpha = qp_step_length(s, &b);
        cblas_daxpy((int)s->n, alpha, s->p, 1, s->x, 1);
        cblas_daxpy((int)s->n, alpha, s->hp, 1, s->g, 1);
        fresh = 0, since++;
        if (b >= 0) qp_block(s, b);
        else at_min = 1;
    }
    return QC_QP_FAILED;
}

qc_err qc_qp_solve(const qc_qp *q, double *x, int *status, qc_error *err) {
    qc_err rc = check_bounds(q, err);
    if (rc) return *status = QC_QP_INFEASIBLE, rc;
    qp_state s;
    double *xs = dalloc(q->n);
    if (!xs || !qp_alloc(&s, q, xs)) {
        if (xs) qp_free(&s);
        free(xs);
        *status = QC_QP_FAILED;
        return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    }
    qp_scale(&s);
    int st = QC_QP_OK;
    if (!qp_start_budget(&s)) {
        memset(s.L, 0, q->n * q->n * sizeof *s.L);
        st = qp_start(&s);
    }
    if (st == QC_QP_OK) st = qp_iterate(&s);
    if (st == QC_QP_OK) memcpy(x, xs, q->n * sizeof(double));
    qp_free(&s);
    free(xs);
    *status = st;
    if (st == QC_QP_OK) return QC_OK;
    if (st == QC_QP_FAILED)
        return qc_err_set(err, QC_ERR_INPUT, "the QP solver failed: the covariance is singular on the free assets "
                          "or the constraints are degenerate");
    return lp_status_err(st, err);
}
