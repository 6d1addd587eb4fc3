/* costs.c: transaction cost models (see costs.h). The execution price moves against the trader by
 * half spread + slippage (basis points) + square-root impact k * sigma * sqrt(qty / ADV), where
 * sigma is the sample standard deviation of the close-to-close simple returns of the last
 * `impact_lookback` bars ending at bar i (each return uses the close before it, as
 * pandas' close.pct_change().rolling(L).std()) and ADV the mean volume of the same bars.
 * Commission is charged on the notional at the execution price, so a cash order sized with
 * qc_cost_commission_rate spends exactly its cash on the basis-point part.
 * Ref: Almgren et al., "Direct estimation of equity market impact" (2005) for the square-root law. */
#include "backtest/costs.h"

#include <math.h>
#include <string.h>

void qc_cost_model_init(qc_cost_model *m) {
    memset(m, 0, sizeof *m);
    m->impact_lookback = 20;
}

double qc_cost_commission_rate(const qc_cost_model *m) { return m->commission_bps * 1e-4; }

/* sigma * sqrt(qty / ADV) as a fraction of price; 0 when it cannot be estimated: fewer than two
 * returns, no positive ADV, a non-finite sigma (a missing close in the window). */
static double impact_fraction(const qc_cost_model *m, double qty, const qc_bars *h, size_t i) {
    if (!(m->impact_k > 0) || !h || i >= h->n || m->impact_lookback == 0) return 0.0;
    size_t lo = i + 1 >= m->impact_lookback ? i + 1 - m->impact_lookback : 0;
    size_t r0 = lo ? lo : 1; /* first bar with a previous close */
    if (i < r0 + 1) return 0.0;
    size_t nr = i + 1 - r0;
    double vol = 0, mean = 0, ss = 0;
    for (size_t j = lo; j <= i; j++) vol += h->volume[j];
    double adv = vol / (double)(i + 1 - lo);
    if (!(adv > 0) || !isfinite(adv)) return 0.0;
    for (size_t j = r0; j <= i; j++) mean += h->close[j] / h->close[j - 1] - 1.0;
    mean /= (double)nr;
    for (size_t j = r0; j <= i; j++) {
        double d = h->close[j] / h->close[j - 1] - 1.0 - mean;
        ss += d * d;
    }
    double sigma = sqrt(ss / (double)(nr - 1));
    double f = m->impact_k * sigma * sqrt(qty / adv);
    return isfinite(f) ? f : 0.0;
}

static double commission(const qc_cost_model *m, double qty, double notional) {
    double c = 0.0;
    if (m->per_share > 0) {
        c = m->per_share * qty;
        if (c < m->per_order_min) c = m->per_order_min;
    }
    if (m->per_order_max_pct > 0 && c > m->per_order_max_pct * notional) c = m->per_order_max_pct * notional;
    return c + m->commission_bps * 1e-4 * notional;
}

double qc_cost_apply(const qc_cost_model *m, qc_side side, double qty, double ref, const qc_bars *hist,
                     size_t i, qc_costs *out) {
    memset(out, 0, sizeof *out);
    if (!(qty > 0) || !(ref > 0)) return ref;
    double spread = m->half_spread_bps * 1e-4, slip = m->slippage_bps * 1e-4;
    double impact = impact_fraction(m, qty, hist, i);
    double price = ref * (1.0 + (double)side * (spread + slip + impact));
    out->spread = qty * ref * spread;
    out->slippage = qty * ref * slip;
    out->impact = qty * ref * impact;
    out->commission = commission(m, qty, qty * price);
    return price;
}

typedef struct {
    const char *name;
    size_t off;      /* offsetof the double field, or SIZE_MAX for the lookback */
    double max;
    const char *what;
} cost_option;

#define LOOKBACK ((size_t)-1)
static const cost_option k_options[] = {
    {"commission-bps", offsetof(qc_cost_model, commission_bps), 10000, "basis points of notional"},
    {"impact-k", offsetof(qc_cost_model, impact_k), 100, "square-root impact coefficient"},
    {"impact-lookback", LOOKBACK, 1000000, "bars (an integer >= 2)"},
    {"max-pct", offsetof(qc_cost_model, per_order_max_pct), 1, "fraction of notional (0.01 = 1%; 0 = none)"},
    {"min", offsetof(qc_cost_model, per_order_min), 1e9, "currency per order"},
    {"per-share", offsetof(qc_cost_model, per_share), 1e6, "currency per share"},
    {"slippage-bps", offsetof(qc_cost_model, slippage_bps), 10000, "basis points"},
    {"spread-bps", offsetof(qc_cost_model, half_spread_bps), 10000, "half spread in basis points"},
};

qc_err qc_cost_model_set(qc_cost_model *m, const char *name, double value, qc_error *err) {
    const cost_option *o = NULL;
    for (size_t k = 0; k < sizeof k_options / sizeof k_options[0]; k++)
        if (strcmp(k_options[k].name, name) == 0) o = &k_options[k];
    if (!o)
        return qc_err_set(
            err, QC_ERR_INPUT,
            "costs: unknown option '%.40s' (options: commission-bps, impact-k, impact-lookback, "
            "max-pct, min, per-share, slippage-bps, spread-bps)",
            name);
    if (isnan(value) || value < 0 || value > o->max)
        return qc_err_set(err, QC_ERR_INPUT, "costs: %s = %g is out of range [0, %g] (%s)", o->name, value,
                          o->max, o->what);
    if (o->off == LOOKBACK) {
        if (value < 2 || value != floor(value))
            return qc_err_set(err, QC_ERR_INPUT, "costs: impact-lookback = %g must be an integer >= 2",
                              value);
        m->impact_lookback = (size_t)value;
        return QC_OK;
    }
    memcpy((char *)m + o->off, &value, sizeof value);
    return QC_OK;
}
