/* internal.h: helpers shared inside src/portfolio: the active-set QP (qp.c), a GLPK LP wrapper
 * (qp.c) and small dense kernels (estimation.c). Not part of the public API. */
#ifndef QC_PORTFOLIO_INTERNAL_H
#define QC_PORTFOLIO_INTERNAL_H

#include <stddef.h>

#include "core/error.h"

/* min 0.5 x'Hx + c'x  s.t.  lo <= x <= hi,  bl <= A x <= bu  (A is m x n row-major; bl == bu is an
 * equality; infinite bounds allowed). H must be positive definite on the free variables. */
typedef struct {
    size_t n, m;
    const double *H, *c;     /* c may be NULL */
    const double *lo, *hi;
    const double *A, *bl, *bu;
} qc_qp;

/* Status of a QP or LP solve beyond qc_err: which condition failed, for callers to word. */
enum { QC_QP_OK = 0, QC_QP_INFEASIBLE, QC_QP_UNBOUNDED, QC_QP_FAILED };

/* Solves q into x (n); *status is one of the above. Returns QC_ERR_INPUT with a generic message on
 * failure (callers usually replace it with one in their own words). */
qc_err qc_qp_solve(const qc_qp *q, double *x, int *status, qc_error *err);

/* max (or min) c'x over the QP's feasible set with GLPK; x optional. */
qc_err qc_lp_solve(const qc_qp *q, const double *c, int maximise, double *x, double *obj, int *status,
                   qc_error *err);

/* y = M x for an n x n row-major M (OpenBLAS dsymv/dgemv). */
void qc_port_matvec(const double *M, size_t n, const double *x, double *y);
double qc_port_dot(const double *a, const double *b, size_t n);

#endif
