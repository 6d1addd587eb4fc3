/* metrics.c: performance statistics of an equity curve or a return series, with every convention
 * stated in metrics.h and docs/METRICS.md. One pass for the moments, one for the drawdown, one sort
 * for the historical VaR. PSR, DSR and MinTRL follow Bailey & Lopez de Prado, "The Sharpe Ratio
 * Efficient Frontier" (J. of Risk, 2012) and "The Deflated Sharpe Ratio" (JPM, 2014); the normal
 * quantile is Wichura's AS241 (PPND16, Applied Statistics 37(3), 1988), written out here so the
 * library needs no GSL. */
#include "backtest/metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/time.h"

#define EULER_GAMMA 0.57721566490153286061
#define SQRT1_2 0.70710678118654752440
#define EULER_E 2.71828182845904523536
#define MIN_TRL_PROB 0.95

void qc_metrics_opts_init(qc_metrics_opts *o) {
    memset(o, 0, sizeof *o);
    o->periods_per_year = 0; /* deliberately unset: the caller names the annualisation */
    o->var_level = 0.95;
}

/* ---- the normal distribution ------------------------------------------------------------------ */

double qc_norm_cdf(double x) { return 0.5 * erfc(-x * SQRT1_2); }

/* Horner on 8 coefficients, lowest order first. */
static double poly8(const double c[8], double x) {
    double s = c[7];
    for (int i = 6; i >= 0; i--) s = s * x + c[i];
    return s;
}

double qc_norm_ppf(double p) {
    static const double a[8] = {3.3871328727963666080e0, 1.3314166789178437745e2, 1.9715909503065514427e3,
                                1.3731693765509461125e4, 4.5921953931549871457e4, 6.7265770927008700853e4,
                                3.3430575583588128105e4, 2.5090809287301226727e3};
    static const double b[8] = {1.0, 4.2313330701600911252e1, 6.8718700749205790830e2, 5.3941960214247511077e3,
                                2.1213794301586595867e4, 3.9307895800092710610e4, 2.8729085735721942674e4,
                                5.2264952788528545610e3};
    static const double c[8] = {1.42343711074968357734e0, 4.63033784615654529590e0, 5.76949722146069140550e0,
                                3.64784832476320460504e0, 1.27045825245236838258e0, 2.41780725177450611770e-1,
                                2.27238449892691845833e-2, 7.74545014278341407640e-4};
    static const double d[8] = {1.0, 2.05319162663775882187e0, 1.67638483018380384940e0, 6.89767334985100004550e-1,
                                1.48103976427480074590e-1, 1.51986665636164571966e-2, 5.47593808499534494600e-4,
                                1.05075007164441684324e-9};
    static const double e[8] = {6.65790464350110377720e0, 5.46378491116411436990e0, 1.78482653991729133580e0,
                                2.96560571828504891230e-1, 2.65321895265761230930e-2, 1.24266094738807843860e-3,
                                2.71155556874348757815e-5, 2.01033439929228813265e-7};
    static const double f[8] = {1.0, 5.99832206555887937690e-1, 1.36929880922735805310e-1, 1.48753612908506148525e-2,
                                7.86869131145613259100e-4, 1.84631831751005468180e-5, 1.42151175831644588870e-7,
                                2.04426310338993978564e-15};
    if (isnan(p) || p < 0 || p > 1) return NAN;
    if (p == 0) return -INFINITY;
    if (p == 1) return INFINITY;
    double q = p - 0.5;
    if (fabs(q) <= 0.425) {
        double r = 0.180625 - q * q;
        return q * poly8(a, r) / poly8(b, r);
    }
    double r = sqrt(-log(q < 0 ? p : 1 - p)), v;
    if (r <= 5) {
        r -= 1.6;
        v = poly8(c, r) / poly8(d, r);
    } else {
        r -= 5;
        v = poly8(e, r) / poly8(f, r);
    }
    return q < 0 ? -v : v;
}

/* ---- PSR, DSR, MinTRL ------------------------------------------------------------------------- */

/* 1 - g3 SR + (g4 - 1)/4 SR^2: n-1 times the variance of the Sharpe estimator (Mertens 2002 as
 * used by Bailey & Lopez de Prado). Non-negative for moments of one sample (g4 >= 1 + g3^2). */
static double sr_var_factor(double sr, double skew, double kurtosis) {
    return 1 - skew * sr + (kurtosis - 1) / 4 * sr * sr;
}

double qc_psr(double sr, double sr_benchmark, size_t n, double skew, double kurtosis) {
    double v = sr_var_factor(sr, skew, kurtosis);
    if (n < 2 || !(v > 0) || isnan(sr_benchmark)) return NAN;
    return qc_norm_cdf((sr - sr_benchmark) * sqrt((double)(n - 1)) / sqrt(v));
}

double qc_expected_max_sr(size_t trials, double var) {
    if (!(var >= 0)) return NAN;
    if (trials <= 1) return 0; /* no selection: nothing to deflate */
    double n = (double)trials;
    return sqrt(var) * ((1 - EULER_GAMMA) * qc_norm_ppf(1 - 1 / n) + EULER_GAMMA * qc_norm_ppf(1 - 1 / (n * EULER_E)));
}

double qc_min_trl(double sr, double sr_benchmark, double skew, double kurtosis, double prob) {
    if (isnan(sr) || isnan(sr_benchmark) || isnan(prob)) return NAN;
    if (sr <= sr_benchmark) return INFINITY; /* no track record is long enough */
    double v = sr_var_factor(sr, skew, kurtosis), z = qc_norm_ppf(prob) / (sr - sr_benchmark);
    return v > 0 ? 1 + v * z * z : NAN;
}

/* ---- the statistics --------------------------------------------------------------------------- */

typedef struct {
    const int64_t *ts; /* may be NULL */
    const double *r;   /* n returns */
    const double *eq;  /* n equity values; eq[-1] is `initial` */
    size_t n;
    double initial;
    double *scratch;   /* n doubles for the VaR sort */
} curve;

static qc_err check_opts(const qc_metrics_opts *o, qc_error *err) {
    if (!(o->periods_per_year > 0) || isinf(o->periods_per_year))
        return qc_err_set(err, QC_ERR_INPUT, "periods per year must be a positive number (252 for daily bars), got %g",
                          o->periods_per_year);
    if (!isfinite(o->rf) || !isfinite(o->mar) || !isfinite(o->benchmark_sr))
        return qc_err_set(err, QC_ERR_INPUT, "rf, MAR and benchmark Sharpe must be finite numbers");
    if (!(o->var_level > 0 && o->var_level < 1))
        return qc_err_set(err, QC_ERR_INPUT, "VaR level must be in (0, 1), got %g", o->var_level);
    if (o->trials > 1 && !(o->trials_sr_var >= 0 && isfinite(o->trials_sr_var)))
        return qc_err_set(err, QC_ERR_INPUT, "DSR with %zu trials needs the variance of their Sharpe ratios (>= 0)",
                          o->trials);
    return QC_OK;
}

/* Mean, dispersion and shape of the returns: volatility, Sharpe, Sortino, skew, kurtosis. */
static void return_stats(const curve *c, const qc_metrics_opts *o, qc_metrics *m) {
    size_t n = c->n;
    double s = 0, s_ex = 0, s_mar = 0, down2 = 0;
    for (size_t i = 0; i < n; i++) {
        double x = c->r[i], below = x - o->mar < 0 ? x - o->mar : 0;
        s += x;
        s_ex += x - o->rf;
        s_mar += x - o->mar;
        down2 += below * below;
    }
    double mean = s / (double)n, m2 = 0, m3 = 0, m4 = 0;
    for (size_t i = 0; i < n; i++) {
        double d = c->r[i] - mean, d2 = d * d;
        m2 += d2;
        m3 += d2 * d;
        m4 += d2 * d2;
    }
    double sd = sqrt(m2 / (double)(n - 1)), ann = sqrt(o->periods_per_year);
    m2 /= (double)n;
    m3 /= (double)n;
    m4 /= (double)n;
    m->volatility = sd * ann;
    m->sharpe_per_period = sd > 0 ? s_ex / (double)n / sd : NAN;
    m->sharpe = m->sharpe_per_period * ann;
    double dd = sqrt(down2 / (double)n); /* over ALL periods, not demeaned (TRAPS: Sortino) */
    m->sortino = dd > 0 ? s_mar / (double)n / dd * ann : NAN;
    m->skew = m2 > 0 ? m3 / pow(m2, 1.5) : NAN;
    m->kurtosis = m2 > 0 ? m4 / (m2 * m2) : NAN;
}

/* Deepest peak-to-trough fall with the running peak starting at the initial equity. A value equal
 * to the running peak (a touch) ends a drawdown and becomes the peak of the next one. */
static void drawdown(const curve *c, qc_metrics *m) {
    double peak = c->initial, worst = 0, worst_peak_v = c->initial;
    long peak_i = -1, best_peak = -1, best_trough = -1;
    for (size_t i = 0; i < c->n; i++) {
        double e = c->eq[i];
        if (e >= peak) {
            peak = e;
            peak_i = (long)i;
            continue;
        }
        double dd = 1 - e / peak;
        if (dd > worst) {
            worst = dd;
            best_peak = peak_i;
            best_trough = (long)i;
            worst_peak_v = peak;
        }
    }
    long rec = -1;
    for (size_t i = best_trough < 0 ? c->n : (size_t)best_trough + 1; i < c->n; i++)
        if (c->eq[i] >= worst_peak_v) {
            rec = (long)i;
            break;
        }
    m->max_drawdown = worst;
    m->dd_peak_i = best_peak;
    m->dd_trough_i = best_trough;
    m->dd_recovery_i = rec;
    m->dd_peak_ts = c->ts && best_peak >= 0 ? c->ts[best_peak] : QC_TS_NONE;
    m->dd_trough_ts = c->ts && best_trough >= 0 ? c->ts[best_trough] : QC_TS_NONE;
    m->dd_recovery_ts = c->ts && rec >= 0 ? c->ts[rec] : QC_TS_NONE;
    if (best_trough < 0) m->dd_duration = 0;
    else m->dd_duration = (size_t)((rec >= 0 ? rec : (long)c->n - 1) - best_peak);
}

/* Moves the k-th smallest of x[0..n) to x[k], smaller ones before it (Hoare quickselect,
 * median-of-three pivots): O(n) where a full sort of a 10M-period curve would cost a second. */
static void select_kth(double *x, size_t n, size_t k) {
    size_t lo = 0, hi = n - 1;
    while (hi > lo) {
        size_t mid = lo + (hi - lo) / 2;
        double a = x[lo], b = x[mid], c = x[hi];
        double pivot = a < b ? (b < c ? b : (a < c ? c : a)) : (a < c ? a : (b < c ? c : b));
        size_t i = lo, j = hi;
        while (i <= j) {
            while (x[i] < pivot) i++;
            while (x[j] > pivot) j--;
            if (i <= j) {
                double t = x[i];
                x[i] = x[j];
                x[j] = t;
                i++;
                if (j == 0) break;
                j--;
            }
        }
        if (k <= j) hi = j;
        else if (k >= i) lo = i;
        else return;
    }
}

double qc_quantile_inplace(double *x, size_t n, double q) {
    double h = (double)(n - 1) * q, lo = floor(h);
    size_t k = (size_t)lo;
    select_kth(x, n, k);
    if (k + 1 >= n) return x[k];
    double next = x[k + 1]; /* the next order statistic: the smallest of the upper part */
    for (size_t i = k + 2; i < n; i++)
        if (x[i] < next) next = x[i];
    return x[k] + (h - lo) * (next - x[k]);
}

/* Historical VaR and CVaR: VaR = -quantile(r, 1 - level) with numpy's default (linear
 * interpolation between order statistics, h = (n-1)p); CVaR = -mean(r[r <= -VaR]). */
static void tail_risk(const curve *c, double level, qc_metrics *m) {
    double *x = c->scratch;
    memcpy(x, c->r, c->n * sizeof *x);
    double q = qc_quantile_inplace(x, c->n, 1 - level);
    double s = 0;
    size_t cnt = 0;
    for (size_t i = 0; i < c->n; i++) /* in series order, as numpy's mask-then-mean sums */
        if (c->r[i] <= q) s += c->r[i], cnt++;
    m->var = -q;
    m->cvar = -s / (double)cnt; /* cnt >= 1: q >= x[0] */
}

static void compute_curve(const curve *c, const qc_metrics_opts *o, qc_metrics *m) {
    double ppy = o->periods_per_year, growth = c->eq[c->n - 1] / c->initial;
    m->n_periods = c->n;
    m->periods_per_year = ppy;
    m->initial_equity = c->initial;
    m->final_equity = c->eq[c->n - 1];
    m->total_return = growth - 1;
    /* CAGR from periods / periods-per-year, never calendar days / 252 (TRAPS); a total loss is -1 */
    m->cagr = growth > 0 ? pow(growth, ppy / (double)c->n) - 1 : -1;
    return_stats(c, o, m);
    drawdown(c, m);
    m->calmar = m->max_drawdown > 0 ? m->cagr / m->max_drawdown : NAN;
    tail_risk(c, o->var_level, m);
    /* PSR/DSR/MinTRL from the same excess per-period Sharpe that is reported (TRAPS: Lean #9533) */
    m->psr = qc_psr(m->sharpe_per_period, o->benchmark_sr, c->n, m->skew, m->kurtosis);
    m->dsr_benchmark_sr = o->trials > 1 ? qc_expected_max_sr(o->trials, o->trials_sr_var) : o->benchmark_sr;
    m->dsr = qc_psr(m->sharpe_per_period, m->dsr_benchmark_sr, c->n, m->skew, m->kurtosis);
    m->min_trl = qc_min_trl(m->sharpe_per_period, o->benchmark_sr, m->skew, m->kurtosis, MIN_TRL_PROB);
    m->n_trades = 0;
    m->hit_rate = m->profit_factor = m->avg_win = m->avg_loss = NAN;
    m->turnover = m->exposure = NAN;
}

static void trade_stats(const qc_roundtrip *t, size_t n, qc_metrics *m) {
    m->n_trades = n;
    size_t wins = 0, losses = 0;
    double won = 0, lost = 0;
    for (size_t i = 0; i < n; i++) {
        if (t[i].pnl > 0) {
            wins++;
            won += t[i].pnl;
        } else if (t[i].pnl < 0) {
            losses++;
            lost += t[i].pnl;
        }
    }
    m->hit_rate = n ? (double)wins / (double)n : NAN;
    m->avg_win = wins ? won / (double)wins : NAN;
    m->avg_loss = losses ? lost / (double)losses : NAN;
    /* no losing trade: +inf when something was won (printed as null in JSON), NaN when nothing was */
    m->profit_factor = losses ? won / -lost : wins ? INFINITY : NAN;
}

static qc_err check_n(size_t n, qc_error *err) {
    if (n < 2) return qc_err_set(err, QC_ERR_INPUT, "need at least 2 periods for statistics, got %zu", n);
    return QC_OK;
}

qc_err qc_metrics_compute(const qc_perf_input *in, const qc_metrics_opts *o, qc_metrics *m, qc_error *err) {
    qc_err rc = check_opts(o, err);
    if (rc || (rc = check_n(in->n, err))) return rc;
    if (!(in->initial_equity > 0) || isinf(in->initial_equity))
        return qc_err_set(err, QC_ERR_INPUT, "initial equity must be positive and finite, got %g", in->initial_equity);
    for (size_t i = 0; i < in->n; i++) {
        /* every value but the last is the base of a return, so it must be positive */
        if (!isfinite(in->equity[i]) || (i + 1 < in->n && !(in->equity[i] > 0)))
            return qc_err_set(err, QC_ERR_INPUT, "equity[%zu] = %g: must be finite%s", i, in->equity[i],
                              i + 1 < in->n ? " and positive" : "");
    }
    double *buf = malloc(2 * in->n * sizeof *buf);
    if (!buf) return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < in->n; i++) buf[i] = in->equity[i] / (i ? in->equity[i - 1] : in->initial_equity) - 1;
    curve c = {in->ts, buf, in->equity, in->n, in->initial_equity, buf + in->n};
    memset(m, 0, sizeof *m);
    compute_curve(&c, o, m);
    free(buf);
    if (in->trades) trade_stats(in->trades, in->n_trades, m);
    double years = (double)in->n / o->periods_per_year;
    if (in->gross_exposure) {
        size_t held = 0;
        for (size_t i = 0; i < in->n; i++) held += in->gross_exposure[i] > 0;
        m->exposure = (double)held / (double)in->n;
    }
    if (in->traded_notional) {
        double s = 0;
        for (size_t i = 0; i < in->n; i++) s += in->traded_notional[i] / in->equity[i];
        m->turnover = s / years;
    }
    return QC_OK;
}

qc_err qc_metrics_from_returns(const int64_t *ts, const double *r, size_t n, const qc_metrics_opts *o,
                               qc_metrics *m, qc_error *err) {
    qc_err rc = check_opts(o, err);
    if (rc || (rc = check_n(n, err))) return rc;
    for (size_t i = 0; i < n; i++)
        if (!isfinite(r[i]) || r[i] < -1)
            return qc_err_set(err, QC_ERR_INPUT, "return %zu = %g: must be a finite number >= -1", i + 1, r[i]);
    double *buf = malloc(2 * n * sizeof *buf);
    if (!buf) return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    double e = 1.0;
    for (size_t i = 0; i < n; i++) buf[i] = e *= 1 + r[i];
    curve c = {ts, r, buf, n, 1.0, buf + n};
    memset(m, 0, sizeof *m);
    compute_curve(&c, o, m);
    free(buf);
    return QC_OK;
}
