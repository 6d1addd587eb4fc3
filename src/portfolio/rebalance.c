/* rebalance.c: when to rebalance and what it trades: calendar schedules (first session of each
 * day/ISO week/month/quarter in the calendar's local dates), threshold bands around the targets,
 * and the trade list with costs priced by a caller's cost function (the backtest cost model). */
#include <math.h>
#include <string.h>

#include "core/time.h"
#include "portfolio/portfolio.h"

qc_err qc_port_schedule_parse(const char *s, qc_port_schedule *out, qc_error *err) {
    static const char *const names[] = {"daily", "weekly", "monthly", "quarterly"};
    for (size_t i = 0; i < 4; i++)
        if (s && strcmp(s, names[i]) == 0) return *out = (qc_port_schedule)i, QC_OK;
    return qc_err_set(err, QC_ERR_INPUT, "unknown rebalancing schedule '%.40s' (daily, weekly, monthly, quarterly)",
                      s ? s : "");
}

/* The period a local day belongs to: days since the epoch, ISO weeks (1970-01-01 was a Thursday,
 * so day + 3 counts from a Monday), months, quarters. */
static int64_t period_of(qc_port_schedule s, int64_t day) {
    if (s == QC_PORT_DAILY) return day;
    if (s == QC_PORT_WEEKLY) return (day + 3 >= 0 ? day + 3 : day + 3 - 6) / 7;
    int y, m, d;
    qc_civil_from_days(day, &y, &m, &d);
    return s == QC_PORT_MONTHLY ? (int64_t)y * 12 + (m - 1) : (int64_t)y * 4 + (m - 1) / 3;
}

int qc_port_is_rebalance(const qc_calendar *cal, qc_port_schedule s, int64_t prev_ts_ns, int64_t ts_ns) {
    if (prev_ts_ns == QC_TS_NONE) return 1;
    return period_of(s, qc_calendar_local_day(cal, prev_ts_ns)) != period_of(s, qc_calendar_local_day(cal, ts_ns));
}

int qc_port_band_breached(const double *w, const double *target, size_t n, double abs_band, double rel_band) {
    for (size_t i = 0; i < n; i++) {
        double d = fabs(w[i] - target[i]);
        if (abs_band > 0 && d > abs_band) return 1;
        if (rel_band > 0 && d > rel_band * fabs(target[i])) return 1;
    }
    return 0;
}

void qc_port_rebalance_trades(const double *holdings, const double *target, const double *px, size_t n,
                              double equity, qc_port_cost_fn cost, void *ctx, double *qty, double *total_cost) {
    double total = 0;
    for (size_t i = 0; i < n; i++) {
        qty[i] = px[i] > 0 ? target[i] * equity / px[i] - holdings[i] : 0;
        if (cost && qty[i] != 0) total += cost(ctx, i, qty[i], px[i]);
    }
    if (total_cost) *total_cost = total;
}
