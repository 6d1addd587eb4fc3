/* model.c: the model strategy: trades on a .qcm's predictions (models/predictor.h). Per symbol, at
 * bar t's close the model's features are updated from the bars up to t only (streaming indicator
 * states), the compiled model predicts, and the position goes to its target through the normal
 * order path (qc_strat_rebalance: market DAY orders, reduce-only closes, the kernel's risk checks):
 *   binary models (p = P(up)):  long when p > threshold; short when short=1 and p < 1 - threshold;
 *   regression models (p = predicted return): long when p > threshold; short when short=1 and
 *   p < -threshold;
 *   flat otherwise, and during the features' warm-up.
 * Each long or short position is gross / n_symbols of equity. Orders go out only when a symbol's
 * target changes, so a held position is not resized every bar. */
#include <math.h>
#include <stdlib.h>

#include "models/predictor.h"
#include "strategies/strat_util.h"
#include "strategies/strategies.h"

static const qc_param_spec k_params[] = {
    {"model", QC_PARAM_STRING, "", 0, 0, "the .qcm model file (quantcli model train)"},
    {"threshold", QC_PARAM_DOUBLE, "0.55", -1e9, 1e9,
     "long when P(up) > threshold (binary) or the predicted return > threshold (regression)"},
    {"short", QC_PARAM_BOOL, "0", 0, 1, "1: short when P(up) < 1 - threshold (binary) or the prediction < -threshold"},
    {"gross", QC_PARAM_DOUBLE, "0.95", 0.01, 10, "gross exposure / equity when every symbol is in a position"},
};

typedef struct {
    qc_predictor *pred;
    qc_predictor_stream **st; /* per symbol */
    double *target, *w, *out;  /* per symbol: target sign; weights; one prediction */
    size_t n;
    double threshold, gross;
    int allow_short;
} md_state;

static void md_free(void *state) {
    md_state *m = state;
    for (size_t s = 0; m->st && s < m->n; s++) qc_predictor_stream_free(m->st[s]);
    free(m->st), free(m->target);
    qc_predictor_free(m->pred);
    *m = (md_state){0};
}

static qc_err md_init(void *state, const qc_params *p, const qc_ctx *ctx, qc_error *err) {
    md_state *m = state;
    const char *path = qc_params_text(p, "model");
    if (!path || !*path) return qc_err_set(err, QC_ERR_INPUT, "model: parameter model=FILE.qcm is required");
    m->threshold = qc_params_get(p, "threshold"), m->gross = qc_params_get(p, "gross");
    m->allow_short = qc_params_get(p, "short") != 0;
    qc_err rc = qc_predictor_open(path, &m->pred, err);
    if (!rc && qc_predictor_task(m->pred) == QC_TASK_MULTICLASS)
        rc = qc_err_set(err, QC_ERR_INPUT, "model: %s is multiclass; the strategy trades binary or regression models", path);
    m->n = qc_ctx_n_symbols(ctx);
    size_t w = rc ? 1 : qc_predictor_width(m->pred);
    if (!rc && (!(m->st = calloc(m->n + 1, sizeof *m->st)) || !(m->target = calloc(2 * m->n + w + 1, sizeof(double)))))
        rc = qc_err_set(err, QC_ERR_NOMEM, "model: out of memory");
    if (!rc) m->w = m->target + m->n, m->out = m->w + m->n;
    for (size_t s = 0; !rc && s < m->n; s++) rc = qc_predictor_stream_new(m->pred, &m->st[s], err);
    if (rc) md_free(m);
    return rc;
}

/* -1, 0 or +1 from one prediction. */
static double side_of(const md_state *m, double p) {
    int binary = qc_predictor_task(m->pred) == QC_TASK_BINARY;
    if (p > m->threshold) return 1;
    if (m->allow_short && p < (binary ? 1 - m->threshold : -m->threshold)) return -1;
    return 0;
}

static void md_on_bar(void *state, qc_ctx *ctx) {
    md_state *m = state;
    int changed = 0;
    for (uint32_t s = 0; s < m->n; s++) {
        if (!qc_ctx_has_bar(ctx, s)) continue;
        qc_ind_bar b = {qc_ctx_open(ctx, s, 0), qc_ctx_high(ctx, s, 0), qc_ctx_low(ctx, s, 0),
                        qc_ctx_close(ctx, s, 0), qc_ctx_volume(ctx, s, 0), 0};
        if (!isfinite(b.volume)) b.volume = 0; /* streaming states need finite inputs */
        double t = qc_predictor_stream_push(m->st[s], &b, m->out) == 1 ? side_of(m, m->out[0]) : 0;
        changed |= t != m->target[s];
        m->target[s] = t;
    }
    if (!changed) return;
    for (uint32_t s = 0; s < m->n; s++) m->w[s] = m->target[s] * m->gross / (double)m->n;
    qc_strat_rebalance(ctx, m->w, m->n, 0.0);
}

const qc_strategy_def qc_strategy_model = {
    .name = "model",
    .summary = "trades a .qcm model's point-in-time predictions against a threshold",
    .params = k_params,
    .n_params = sizeof k_params / sizeof k_params[0],
    .state_size = sizeof(md_state),
    .init = md_init,
    .on_bar = md_on_bar,
    .free_state = md_free,
};
