/* kernel.h: the event loop that backtests and live trading share, and the interfaces it drives.
 * A qc_kernel owns the account, the order table and the per-symbol history of closed bars; a
 * qc_clock says when it is, a qc_venue executes orders (simulated in src/backtest, a broker later),
 * and a qc_strategy_def is user logic. Per event (all bars closing at one timestamp):
 *   1. each new bar extends its symbol's history, and the venue sees it before the strategy does
 *      and fills resting orders on it (fills -> account, on_fill); positions are marked at the
 *      bar's close;
 *   2. the strategy's on_bar runs; it sees only history up to now (no look-ahead: the history is
 *      a bounded view of the caller's series, and the qc_ctx accessors never reach past the bar
 *      that just closed), and submits orders through qc_ctx_* calls;
 *   3. the venue's end-of-event hook fills orders meant for this close; the equity point for the event is recorded.
 * Orders submitted in on_bar are queued and handed to the venue after on_bar returns, never
 * re-entering the strategy while it is inside its handler. */
#ifndef QC_EXECUTION_KERNEL_H
#define QC_EXECUTION_KERNEL_H

#include <stddef.h>
#include <stdint.h>

#include "core/calendar.h"
#include "core/error.h"
#include "data/series.h"
#include "execution/account.h"
#include "execution/order.h"

/* ---- parameters ------------------------------------------------------------------------------- */

/* QC_PARAM_ENUM: a choice among names listed at the start of the help text, separated by '|' and
 * ended by ':' (e.g. "minvar|erc|hrp: the allocation method"). Its value is the index of the name;
 * a value is given as the name or as that index (so sweeps can walk the codes), and min/max should
 * be 0 and the number of names - 1. */
/* QC_PARAM_STRING: free text (a file name, ...): qc_params_text gives it, its number is 0; the text
 * is borrowed from the "name=value" string given to qc_params_parse (or the spec's default), which
 * must outlive the parameters. Sweeps hold strings fixed (never a grid axis). */
typedef enum { QC_PARAM_INT = 0, QC_PARAM_DOUBLE, QC_PARAM_BOOL, QC_PARAM_ENUM, QC_PARAM_STRING } qc_param_type;

typedef struct {
    const char *name;
    qc_param_type type;
    const char *def;     /* default as text */
    double min, max;     /* inclusive range for numbers */
    const char *help;
} qc_param_spec;

#define QC_MAX_PARAMS 32
typedef struct {
    const qc_param_spec *spec;
    size_t n;
    double value[QC_MAX_PARAMS];
    const char *text[QC_MAX_PARAMS]; /* QC_PARAM_STRING values (borrowed), NULL for other types */
} qc_params;

/* Fills p from "name=value" strings over the defaults; QC_ERR_INPUT naming the parameter for an
 * unknown name, a wrong type or a value out of range. */
qc_err qc_params_parse(const qc_param_spec *spec, size_t n_spec, const char *const *kv, size_t n_kv,
                       const char *strategy, qc_params *p, qc_error *err);
double qc_params_get(const qc_params *p, const char *name);
/* The text of a string parameter; NULL for an unknown name or another type. */
const char *qc_params_text(const qc_params *p, const char *name);
/* The i-th name of an enum parameter into buf (NUL-terminated, truncated to n - 1); returns its
 * length, 0 when sp is not an enum or i is out of range. */
size_t qc_param_choice(const qc_param_spec *sp, size_t i, char *buf, size_t n);
/* "name=value" of parameter i as text (an enum's name, a string as is, numbers as %g) into buf;
 * returns length. */
size_t qc_params_format(const qc_params *p, size_t i, char *buf, size_t n);

/* ---- strategy interface ----------------------------------------------------------------------- */

typedef struct qc_ctx qc_ctx;

typedef struct {
    const char *name;
    const char *summary;
    const qc_param_spec *params;
    size_t n_params;
    size_t state_size; /* bytes of zeroed state the kernel allocates for the strategy */
    /* Checks parameters together (e.g. fast < slow) and prepares state; may reserve memory. */
    qc_err (*init)(void *state, const qc_params *p, const qc_ctx *ctx, qc_error *err);
    void (*on_bar)(void *state, qc_ctx *ctx);
    void (*on_fill)(void *state, qc_ctx *ctx, const qc_fill *fill);     /* may be NULL */
    void (*on_finish)(void *state, qc_ctx *ctx);                       /* may be NULL */
    void (*free_state)(void *state);                                   /* may be NULL */
} qc_strategy_def;

/* What a strategy may ask of the kernel while it runs. Symbols are indices 0..n-1. */
int64_t qc_ctx_now(const qc_ctx *ctx);
/* The definition of the strategy being run (an adapter finds its own data around it). */
const qc_strategy_def *qc_ctx_strategy(const qc_ctx *ctx);
size_t qc_ctx_n_symbols(const qc_ctx *ctx);
/* The run's trading calendar (qc_kernel_opts.cal; the 24/7 calendar when none was given). */
const qc_calendar *qc_ctx_calendar(const qc_ctx *ctx);
const char *qc_ctx_symbol(const qc_ctx *ctx, uint32_t s);
/* 1 if symbol s has a bar closing at the current event. */
int qc_ctx_has_bar(const qc_ctx *ctx, uint32_t s);
/* Bars seen so far for s (the current one included). */
size_t qc_ctx_history_len(const qc_ctx *ctx, uint32_t s);
/* Field of the bar `lag` bars back (0 = the bar that just closed); NaN when lag < 0 (the future is
 * never available) or beyond the history. */
double qc_ctx_close(const qc_ctx *ctx, uint32_t s, long lag);
double qc_ctx_open(const qc_ctx *ctx, uint32_t s, long lag);
double qc_ctx_high(const qc_ctx *ctx, uint32_t s, long lag);
double qc_ctx_low(const qc_ctx *ctx, uint32_t s, long lag);
double qc_ctx_volume(const qc_ctx *ctx, uint32_t s, long lag);
double qc_ctx_position(const qc_ctx *ctx, uint32_t s);
double qc_ctx_cash(const qc_ctx *ctx);
/* How many symbols have a non-zero position. */
size_t qc_ctx_n_positions(const qc_ctx *ctx);
double qc_ctx_equity(const qc_ctx *ctx);
/* Queues an order; returns its id (> 0), or 0 when refused (the reason via qc_ctx_last_error). */
uint64_t qc_ctx_submit(qc_ctx *ctx, const qc_order_req *req);
qc_err qc_ctx_cancel(qc_ctx *ctx, uint64_t order_id);
/* Replaces quantity and prices of an open order (cancel/replace semantics, the id is kept). */
qc_err qc_ctx_replace(qc_ctx *ctx, uint64_t order_id, double qty, double limit_price, double stop_price);
const qc_order *qc_ctx_order(const qc_ctx *ctx, uint64_t order_id);
const qc_error *qc_ctx_last_error(const qc_ctx *ctx);
/* A strategy's own comparison portfolio (e.g. equal weight rebalanced on its dates): its value at
 * this event, which a backtest records beside the equity (NaN until first set). label names it
 * for reports and must have static storage. */
void qc_ctx_set_comparison(qc_ctx *ctx, const char *label, double value);

/* ---- quiet stretches (batch replay) ----------------------------------------------------------- */

/* Events from..to-1 of a replay on one timeline: event i closes bar i of every symbol's series. */
typedef struct {
    const qc_bars *const *series;
    size_t from, to;
} qc_span;
/* A strategy's batch form of on_bar, for stretches in which no order rests at the venue or waits
 * in the queue (so positions, cash and orders cannot change). It reads the span's bars in event
 * order and returns the first event i in [from, to] at which its on_bar might act (to when none):
 * at events from..i-1 on_bar would have submitted, cancelled and set nothing. The kernel then
 * passes those events without calling on_bar and runs event i as usual; on_bar must then accept
 * bars that the hook already consumed (a symbol's state may be ahead of the event). The hook may
 * read its ctx (positions, orders, cash: those before the span) but never submit. */
typedef size_t (*qc_on_span_fn)(void *state, qc_ctx *ctx, const qc_span *span);
/* Registers the hook of strategy `self`; call from init. Honoured only when self is the strategy the
 * kernel runs: a strategy wrapped by another (whose on_bar must see every event) keeps the
 * per-event path. */
void qc_ctx_set_on_span(const qc_ctx *ctx, const qc_strategy_def *self, qc_on_span_fn fn);
/* Like qc_ctx_set_on_span, for a hook whose answer holds whatever happens at the venue meanwhile:
 * on_bar acts at no event before the one the hook returns however orders fill and positions or cash
 * change (the hook reads only bars). The kernel then also asks it while orders rest: qc_kernel_quiet
 * still passes nothing then, but the events it declined run their venue work as usual and skip
 * on_bar before the event the hook returned. */
void qc_ctx_set_on_span_always(const qc_ctx *ctx, const qc_strategy_def *self, qc_on_span_fn fn);

/* ---- clock and venue -------------------------------------------------------------------------- */

/* Time source: replayed bar times in a backtest, the wall clock live. */
typedef struct qc_clock {
    int64_t (*now)(const struct qc_clock *c);
} qc_clock;

/* What the kernel has replayed of one symbol: the first n bars of src (the caller's series), the
 * last of them the bar that just closed. Strategies see it through qc_ctx_*, venues directly. */
typedef struct {
    const qc_bars *src;
    size_t n;
} qc_bar_view;

typedef struct qc_venue qc_venue;
/* Callbacks a venue uses to report back to the kernel. */
typedef struct {
    void (*fill)(void *kernel, const qc_fill *f);
    void (*status)(void *kernel, qc_order *o); /* order changed state (expired, rejected, ...) */
} qc_venue_sink;

typedef struct {
    /* Accepts an order (status NEW) or rejects it. The order lives in the kernel's table. */
    qc_err (*submit)(qc_venue *v, qc_order *o, qc_error *err);
    qc_err (*cancel)(qc_venue *v, qc_order *o, qc_error *err);
    qc_err (*replace)(qc_venue *v, qc_order *o, double qty, double limit_price, double stop_price,
                      qc_error *err);
    /* Market data: a bar of symbol s closed. A simulated venue matches resting orders on it
     * (before the strategy sees it); a live venue may ignore it. */
    void (*on_bar)(qc_venue *v, uint32_t s, const qc_bars *hist, size_t i);
    /* The event's strategy calls are done: a simulated venue fills close-mode orders now. */
    void (*on_event_end)(qc_venue *v, int64_t ts);
    /* Optional (NULL: none): on_bar(v, s, hist, i) comes soon; a hint to start fetching what it
     * will read (no effect on results). A line replay sends it one busy symbol ahead. */
    void (*warm)(qc_venue *v, uint32_t s, const qc_bars *hist, size_t i);
} qc_venue_vt;

struct qc_venue {
    const qc_venue_vt *vt;
    qc_venue_sink sink;
    void *kernel;
    const qc_bar_view *views; /* per symbol, set by the kernel: what has been replayed */
    size_t views_n;           /* nonzero: every view's length is views_n (a line replay leaves the
                               * views' own n behind); read lengths through qc_venue_view_n */
    /* Orders the venue holds that wait for market data or the event's end; while 0 the kernel
     * skips on_bar and on_event_end (the venue keeps it current). */
    size_t active;
    /* Per symbol, nonzero while the venue holds orders of that symbol that wait for its bars; the
     * kernel then sends on_bar only for those symbols. NULL (the default): every bar is sent. */
    const uint8_t *busy;
};
/* The number of symbol s's replayed bars as its venue view says. */
static inline size_t qc_venue_view_n(const qc_venue *v, uint32_t s) { return v->views_n ? v->views_n : v->views[s].n; }

/* ---- the kernel ------------------------------------------------------------------------------- */

typedef struct qc_kernel qc_kernel;

struct qc_risk;

typedef struct {
    double cash;
    double leverage_limit;   /* max gross exposure / equity for new orders (0 = no limit) */
    double borrow_rate;      /* annual, on short notional */
    double periods_per_year; /* for borrow accrual per event */
    /* The pre-trade risk engine (src/risk, not owned; NULL = none): every new order and replace
     * passes its checks before the venue; fills, marks and order ends keep its P&L and
     * reservations; a kill it engages is carried out (cancel all, or cancel and flatten) after
     * the event. Its symbol indices are the kernel's. */
    struct qc_risk *risk;
    uint32_t risk_strategy;  /* this kernel's strategy id at the risk engine */
    const qc_calendar *cal; /* for strategies that schedule by session dates (NULL: 24/7) */
    /* Called when the strategy's on_bar returned, before its orders go to the risk checks (the
     * trading engine's tick->signal latency); NULL = none. */
    void (*on_signal)(void *ctx);
    void *hook_ctx;
} qc_kernel_opts;

/* What the risk engine did during a run. */
#define QC_KERNEL_RISK_CHECKS 32 /* >= QC_RISK_CHK__COUNT (checked in kernel.c) */
typedef struct {
    size_t rejected;         /* orders and replaces refused by a check */
    size_t kills;            /* kill switches engaged by loss or drawdown limits */
    size_t kill_cancels;     /* orders cancelled by a kill action */
    size_t kill_flattens;    /* flattening orders sent by a kill action */
    qc_error first_reject;   /* the first refusal's reason */
    size_t by_check[QC_KERNEL_RISK_CHECKS]; /* refusals per qc_risk_check_id */
} qc_kernel_risk_stats;
const qc_kernel_risk_stats *qc_kernel_risk(const qc_kernel *k);

/* The strategy's state is allocated and owned by the kernel. Symbols are copied. */
qc_err qc_kernel_new(const qc_kernel_opts *o, const char *const *symbols, size_t n_symbols,
                     const qc_strategy_def *strat, const qc_params *params,
                     qc_venue *venue, const qc_clock *clock, qc_kernel **out, qc_error *err);
void qc_kernel_free(qc_kernel *k);
/* One event: the bars (bar idx[s] of series[s] for each s with has[s] != 0) closing at ts. A
 * symbol's series must be the same object at every event, holding at least bars 0..idx[s] (a live
 * feed appends to it); bars before idx[s] are the history strategies may read. */
qc_err qc_kernel_event(qc_kernel *k, int64_t ts, const qc_bars *const *series, const size_t *idx,
                       const uint8_t *has, qc_error *err);
/* qc_kernel_event for an event at which every symbol has bar i of its series (a replay on one
 * timeline): the same work in the same order, without per-symbol index and presence arrays. The
 * series array passed to consecutive line events must not change in content while its address
 * stays the same, nor may the series' arrays move (histories keep their src, and the marks read
 * each symbol's closes through a pointer taken at the first such event). Every close must be finite
 * (the marks take them unchecked). The account marks only held symbols: a flat symbol's last_price
 * is left at its latest fill or mark (nothing reads it). */
qc_err qc_kernel_event_line(qc_kernel *k, int64_t ts, const qc_bars *const *series, size_t i, qc_error *err);
/* Passes the quiet events of [from, to) of a replay on one timeline (every symbol has bar i at event
 * i, stamped ts[i]; closes finite) in one call: when the strategy registered a span hook, nothing
 * rests at the venue or waits in the queue, and no per-event work is configured (risk marks, borrow
 * accrual, the signal hook), the hook finds the first event it might act at, and the kernel moves
 * to just before it exactly as qc_kernel_event would have (histories, marks, event count, the risk
 * engine's day). Positions, cash and orders do not change. Returns the first event not passed
 * (from when none were: run it with qc_kernel_event). With a hook registered by
 * qc_ctx_set_on_span_always and orders resting, it passes nothing but asks the hook anyway, and the
 * following qc_kernel_event calls skip on_bar until the event it returned (the strategy's bars were
 * consumed by the hook). */
size_t qc_kernel_quiet(qc_kernel *k, const int64_t *ts, const qc_bars *const *series, size_t from, size_t to);
/* Cancels every open order (a control command between events); returns how many. */
size_t qc_kernel_cancel_all(qc_kernel *k);
/* Cancels the open orders of symbol s (a symbol's kill switch); returns how many. */
size_t qc_kernel_cancel_symbol(qc_kernel *k, uint32_t s);
/* Calls on_finish. */
void qc_kernel_finish(qc_kernel *k);
const qc_account *qc_kernel_account(const qc_kernel *k);
/* qc_account_snapshot of the kernel's account, summed once per change of the account (its gen): the
 * leverage check of the event's orders and the curves recorded after the event share one pass. */
void qc_kernel_snapshot(qc_kernel *k, double *equity, double *gross, double *net);
/* Orders ever created: ids 1..qc_kernel_n_orders(); order pointers stay valid for the kernel's life. */
size_t qc_kernel_n_orders(const qc_kernel *k);
const qc_order *qc_kernel_order(const qc_kernel *k, uint64_t id);
/* The strategy's latest qc_ctx_set_comparison value; NaN when it never set one. */
double qc_kernel_comparison(const qc_kernel *k);
const char *qc_kernel_comparison_label(const qc_kernel *k); /* NULL when never set */

#endif
