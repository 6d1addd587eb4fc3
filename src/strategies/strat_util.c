/* strat_util.c: shared helpers of the built-in portfolio strategies (see strat_util.h). */
#include "strategies/strat_util.h"

#include <math.h>
#include <stdlib.h>

#include "core/time.h"

double qc_strat_return(const qc_ctx *ctx, uint32_t s, long lag_recent, long lag_old) {
    double a = qc_ctx_close(ctx, s, lag_recent), b = qc_ctx_close(ctx, s, lag_old);
    if (!(a > 0) || !(b > 0)) return NAN;
    return a / b - 1.0;
}

double qc_strat_vol(const qc_ctx *ctx, uint32_t s, size_t window) {
    if (window < 2 || qc_ctx_history_len(ctx, s) < window + 1) return NAN;
    double mean = 0, m2 = 0, prev = qc_ctx_close(ctx, s, (long)window);
    for (size_t k = 0; k < window; k++) { /* Welford, oldest first */
        double c = qc_ctx_close(ctx, s, (long)(window - 1 - k));
        if (!(c > 0) || !(prev > 0)) return NAN;
        double r = log(c / prev), d = r - mean;
        mean += d / (double)(k + 1);
        m2 += d * (r - mean);
        prev = c;
    }
    return sqrt(m2 / (double)(window - 1));
}

void qc_strat_clock_init(qc_strat_clock *c, long every) {
    c->every = every;
    c->count = 0;
    c->month = -1;
}

int qc_strat_clock_due(qc_strat_clock *c, const qc_ctx *ctx) {
    if (c->every > 0) {
        int due = c->month < 0 || c->count + 1 >= c->every;
        c->count = due ? 0 : c->count + 1;
        c->month = 0;
        return due;
    }
    int y, m, d;
    qc_civil_from_days(qc_ts_day(qc_ctx_now(ctx)), &y, &m, &d);
    int64_t ym = (int64_t)y * 12 + m;
    if (ym == c->month) return 0;
    c->month = ym;
    return 1;
}

typedef struct {
    double score;
    size_t idx;
} ranked;

qc_err qc_strat_xs_init(qc_strat_xs *x, size_t n, qc_error *err) {
    size_t m = n ? n : 1;
    x->n = n;
    x->score = calloc(m, sizeof *x->score);
    x->weight = calloc(m, sizeof *x->weight);
    x->order = calloc(m, sizeof(ranked));
    if (x->score && x->weight && x->order) return QC_OK;
    qc_strat_xs_free(x);
    return qc_err_set(err, QC_ERR_NOMEM, "strategy: out of memory");
}

void qc_strat_xs_free(qc_strat_xs *x) {
    free(x->score);
    free(x->weight);
    free(x->order);
    *x = (qc_strat_xs){0};
}

/* Highest score first; equal scores by symbol index (deterministic whatever qsort does). */
static int by_score_desc(const void *pa, const void *pb) {
    const ranked *a = pa, *b = pb;
    if (a->score != b->score) return a->score > b->score ? -1 : 1;
    return a->idx < b->idx ? -1 : a->idx > b->idx;
}

size_t qc_strat_xs_weights(qc_strat_xs *x, double q, int long_only, double gross) {
    ranked *r = x->order;
    size_t m = 0;
    for (size_t s = 0; s < x->n; s++) {
        x->weight[s] = 0;
        if (isfinite(x->score[s])) r[m++] = (ranked){x->score[s], s};
    }
    if (m == 0 || (!long_only && m < 2)) return 0;
    qsort(r, m, sizeof *r, by_score_desc);
    size_t k = (size_t)floor(q * (double)m + 1e-9);
    if (k < 1) k = 1;
    if (!long_only && k > m / 2) k = m / 2;
    if (k > m) k = m;
    double wl = long_only ? gross / (double)k : gross / (2.0 * (double)k);
    for (size_t i = 0; i < k; i++) x->weight[r[i].idx] = wl;
    if (!long_only)
        for (size_t i = 0; i < k; i++) x->weight[r[m - 1 - i].idx] = -wl;
    return k;
}

static uint64_t order(qc_ctx *ctx, uint32_t s, double delta, int shrinks, double pos) {
    if (!(fabs(delta) > 0) || !isfinite(delta)) return 0;
    qc_order_req req = {.symbol = s,
                        .side = delta > 0 ? QC_BUY : QC_SELL,
                        .type = QC_ORD_MARKET,
                        .tif = QC_TIF_DAY,
                        .qty = shrinks && fabs(delta) > fabs(pos) ? fabs(pos) : fabs(delta),
                        .reduce_only = shrinks};
    return qc_ctx_submit(ctx, &req);
}

uint64_t qc_strat_trade(qc_ctx *ctx, uint32_t s, double delta) {
    double pos = qc_ctx_position(ctx, s);
    int shrinks = pos != 0 && (delta > 0) != (pos > 0) && fabs(delta) <= fabs(pos) * (1 + 1e-12);
    return order(ctx, s, delta, shrinks, pos);
}

size_t qc_strat_rebalance(qc_ctx *ctx, const double *w, size_t n, double min_frac) {
    double eq = qc_ctx_equity(ctx);
    if (!(eq > 0)) return 0;
    size_t sent = 0;
    for (uint32_t s = 0; s < n; s++) {
        if (!qc_ctx_has_bar(ctx, s)) continue;
        double px = qc_ctx_close(ctx, s, 0), pos = qc_ctx_position(ctx, s);
        if (!(px > 0)) continue;
        double target = isfinite(w[s]) ? w[s] * eq / px : 0, delta = target - pos;
        if (fabs(delta) * px < min_frac * eq && !(target == 0 && pos != 0)) continue;
        if (pos != 0 && target != 0 && (pos > 0) != (target > 0)) { /* reversal: close, then open */
            sent += order(ctx, s, -pos, 1, pos) != 0;
            sent += order(ctx, s, target, 0, pos) != 0;
        } else {
            sent += qc_strat_trade(ctx, s, delta) != 0;
        }
    }
    return sent;
}
