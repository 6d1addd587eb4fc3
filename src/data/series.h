/* series.h: in-memory market data. Bars are columnar (struct of arrays) per symbol; a panel aligns
 * many symbols on the union of their timestamps; tick types (trade, quote, book level update) are
 * plain records for microstructure work. A bar is stamped with its close time (ts) and also
 * carries its open time (open_ts): events fire at ts, so nothing trades on a bar before it closed. */
#ifndef QC_DATA_SERIES_H
#define QC_DATA_SERIES_H

#include <stddef.h>
#include <stdint.h>

#include "core/calendar.h"
#include "core/error.h"

/* Per-bar flags. */
enum {
    QC_BAR_CLOSE_ONLY = 1u << 0, /* only a close was known: open = high = low = close, no volume */
    QC_BAR_FLAGGED = 1u << 1,    /* kept under policy "flag" despite a hard validation finding */
    QC_BAR_NO_VOLUME = 1u << 2   /* volume unknown (NaN) */
};

typedef struct {
    size_t n, cap;
    int64_t *ts;      /* close time, UTC ns: the bar's stamp */
    int64_t *open_ts; /* open time, UTC ns */
    double *open, *high, *low, *close, *volume;
    double *adj_close; /* NaN when the source had none */
    uint8_t *flags;
} qc_bars;

/* A zeroed qc_bars is a valid empty series. */
qc_err qc_bars_reserve(qc_bars *b, size_t cap, qc_error *err);
qc_err qc_bars_push(qc_bars *b, int64_t ts, int64_t open_ts, double open, double high, double low,
                    double close, double volume, double adj_close, uint8_t flags, qc_error *err);
/* Copies row i of src onto the end of dst. */
qc_err qc_bars_push_row(qc_bars *dst, const qc_bars *src, size_t i, qc_error *err);
/* Keeps rows whose keep[i] is non-zero, in order. */
void qc_bars_filter(qc_bars *b, const uint8_t *keep);
void qc_bars_clear(qc_bars *b);
void qc_bars_free(qc_bars *b);
/* 1 if ts is strictly increasing. */
int qc_bars_is_strictly_increasing(const qc_bars *b);

/* Bar intervals in seconds; "1d" = 86400. Parses "1d", "1h", "30m", "15s", "1w". */
qc_err qc_interval_parse(const char *s, int64_t *seconds, qc_error *err);
/* Formats the canonical name ("1d", "5m"); returns length. */
size_t qc_interval_format(int64_t seconds, char *buf, size_t n);

/* Aggregates sorted bars into coarser bars along the calendar's sessions. out_interval_s == 86400
 * groups by session (the local date of each bar's open); shorter intervals group by
 * floor((open_ts - session open) / out_interval) within a session, so a group never spans two
 * sessions. Open = first open, high = max, low = min, close = last close, adj_close = last,
 * volume = sum (NaN if any is unknown), flags OR-ed; open_ts = group start, ts = min(group end,
 * session close) (13:00 on NYSE early closes). Appends to out. */
qc_err qc_bars_resample(const qc_bars *in, int64_t out_interval_s, const qc_calendar *cal, qc_bars *out,
                        qc_error *err);

/* Aligned multi-symbol panel: value[s * n_ts + t] for symbol s at ts[t]; NaN where a symbol has no
 * bar. Symbol-major so each symbol's series is contiguous for indicator kernels. */
typedef struct {
    size_t n_ts, n_sym;
    int64_t *ts;
    char **symbols;
    double *open, *high, *low, *close, *volume;
} qc_panel;

qc_err qc_panel_build(qc_panel *p, const qc_bars *const *series, const char *const *symbols,
                      size_t n_sym, qc_error *err);
void qc_panel_free(qc_panel *p);

/* Ticks. Sides: +1 buy (bid side / buyer-initiated), -1 sell (ask side / seller-initiated), 0 unknown. */
typedef struct {
    int64_t ts;
    double price, size;
    int8_t aggressor;
} qc_trade;

typedef struct {
    int64_t ts;
    double bid, ask, bid_size, ask_size;
} qc_quote;

typedef enum { QC_BOOK_ADD = 0, QC_BOOK_UPDATE = 1, QC_BOOK_DELETE = 2 } qc_book_action;
typedef struct {
    int64_t ts;
    double price, size;
    uint16_t level;
    int8_t side;
    uint8_t action; /* qc_book_action */
} qc_book_update;

#endif
