/* sim_venue.h: the simulated venue of backtests, a qc_venue (execution/kernel.h) that fills orders
 * on bars. Fill rules (documented in docs/BACKTEST.md and tested):
 *  - market: next_open mode fills at the next bar's open (close-only data: the next close); close
 *    mode fills at the close of the bar on which it was submitted;
 *  - limit: fills inside a later bar when the bar trades through the limit (buy: low <= L), always
 *    AT the limit price, never better, also when the bar gaps through it;
 *  - stop: triggers when the bar trades through the stop (buy: high >= S) and fills at the stop or
 *    at the open when the bar gaps beyond it (buy: max(S, open));
 *  - stop-limit: triggers like a stop; fills at the trigger price if it is within the limit, else
 *    rests as a limit;
 *  - within one bar a symbol's orders are processed pessimistically: market, then stops, then
 *    limits, so when a bar could hit both a stop-loss and a take-profit the stop fills first; such
 *    bars are counted; reduce-only orders never increase the position (clipped or cancelled);
 *  - fills per bar and symbol are capped at participation x bar volume (when volume is known);
 *    the rest stays open (GTC), expires at the session's end (DAY) or is cancelled (IOC);
 *  - costs (backtest/costs.h) move the execution price and add commission. */
#ifndef QC_BACKTEST_SIM_VENUE_H
#define QC_BACKTEST_SIM_VENUE_H

#include <stddef.h>

#include "backtest/costs.h"
#include "core/calendar.h"
#include "execution/kernel.h"

typedef enum { QC_FILL_NEXT_OPEN = 0, QC_FILL_CLOSE } qc_fill_mode;

typedef struct {
    qc_fill_mode fill;
    double participation;     /* max fraction of a bar's volume filled per symbol (0 = no cap) */
    int integer_shares;       /* cash orders round down to whole shares */
    qc_cost_model costs;
    const qc_calendar *cal;   /* DAY expiry: the session of the first bar an order could fill on */
    int64_t interval_s;
} qc_sim_opts;

void qc_sim_opts_init(qc_sim_opts *o);

typedef struct {
    size_t fills, partial_fills, expired, cancelled, rejected;
    size_t stop_and_target_bars; /* bars where a stop and a limit of one symbol both could fill */
} qc_sim_stats;

qc_err qc_sim_venue_new(const qc_sim_opts *o, size_t n_symbols, qc_venue **out, qc_error *err);
void qc_sim_venue_free(qc_venue *v);
const qc_sim_stats *qc_sim_venue_stats(const qc_venue *v);

#endif
