/* sizing.c: position sizing: Kelly fractions (Gaussian single asset, binary bet, multi-asset
 * S^-1 (mu - rf)) with a fraction for fractional Kelly, and volatility targeting. */
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "portfolio/internal.h"
#include "portfolio/portfolio.h"

double qc_port_kelly_single(double mu, double var, double rf, double fraction) {
    return var > 0 ? fraction * (mu - rf) / var : NAN;
}

double qc_port_kelly_binary(double p, double b, double fraction) {
    return b > 0 && p >= 0 && p <= 1 ? fraction * (p - (1 - p) / b) : NAN;
}

qc_err qc_port_kelly(const double *mu, const double *cov, size_t n, double rf, double fraction, double *w,
                     qc_error *err) {
    if (!(fraction > 0) || !isfinite(fraction))
        return qc_err_set(err, QC_ERR_INPUT, "Kelly fraction must be > 0, got %g", fraction);
    qc_err rc = n ? qc_port_cov_check(cov, n, NULL, err) : qc_err_set(err, QC_ERR_INPUT, "no assets");
    if (rc) return rc;
    double *a = malloc(n * n * sizeof *a), *x = malloc(n * sizeof *x);
    if (!a || !x) {
        free(a), free(x);
        return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    }
    memcpy(a, cov, n * n * sizeof *a);
    for (size_t i = 0; i < n; i++) x[i] = mu[i] - rf;
    if (LAPACKE_dposv(LAPACK_ROW_MAJOR, 'L', (int)n, 1, a, (int)n, x, 1) != 0)
        rc = qc_err_set(err, QC_ERR_INPUT, "singular covariance: Kelly weights need an invertible covariance");
    for (size_t i = 0; !rc && i < n; i++) w[i] = fraction * x[i];
    free(a), free(x);
    return rc;
}

double qc_port_vol_target_scale(double vol, double target_vol, double max_leverage) {
    if (!(vol > 0) || !isfinite(vol) || !(target_vol >= 0)) return 0;
    double s = target_vol / vol;
    return max_leverage > 0 && s > max_leverage ? max_leverage : s;
}

double qc_port_vol_target(const double *cov, size_t n, double target_vol, double max_leverage, double *w) {
    double *sw = malloc(n * sizeof *sw);
    if (!sw) return NAN;
    qc_port_matvec(cov, n, w, sw);
    double vol = sqrt(fmax(0, qc_port_dot(w, sw, n)));
    free(sw);
    double s = qc_port_vol_target_scale(vol, target_vol, max_leverage);
    for (size_t i = 0; i < n; i++) w[i] *= s;
    return s;
}
