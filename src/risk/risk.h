/* risk.h: the risk engine every order passes through (backtest, paper, live): an ordered suite of
 * pre-trade checks (SEC Rule 15c3-5 style market-access controls), real-time P&L and exposure
 * updated in O(1) per fill and per mark, loss/drawdown limits that engage the kill switch on their
 * own, and the persisted kill switch. Everything a check needs lives in tables sized when the
 * engine is made: the check path allocates nothing, takes no lock, makes no system call, and is
 * given the time. A rejection is a verdict (check id + limit + value), formatted only on demand.
 * One engine is driven from one thread (the kernel's). Reference: docs/RISK.md. */
#ifndef QC_RISK_RISK_H
#define QC_RISK_RISK_H

#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "core/error.h"
#include "execution/order.h"

/* ---- checks, in the order they run --------------------------------------------------------- */

typedef enum {
    QC_RISK_PASS = 0,
    QC_RISK_CHK_VALID,        /* well-formed: known symbol/strategy, qty > 0, prices, a reference price */
    QC_RISK_CHK_KILL_SWITCH,  /* global, strategy or symbol switch engaged (KillSwitchError) */
    QC_RISK_CHK_RESTRICTED,   /* symbol on the restricted list / not tradable */
    QC_RISK_CHK_MAX_QTY,      /* fat finger: shares per order */
    QC_RISK_CHK_MAX_NOTIONAL, /* fat finger: qty x price per order */
    QC_RISK_CHK_MIN_QTY,      /* minimum size */
    QC_RISK_CHK_LOT,          /* qty a multiple of the lot size */
    QC_RISK_CHK_TICK,         /* prices multiples of the tick size */
    QC_RISK_CHK_COLLAR,       /* limit price within the collar around the reference price */
    QC_RISK_CHK_POS_LONG,     /* position + open buys + this order <= max long (PositionLimitError) */
    QC_RISK_CHK_POS_SHORT,    /* -(position - open sells - this order) <= max short (PositionLimitError) */
    QC_RISK_CHK_GROSS,        /* gross exposure with open orders filled (PositionLimitError) */
    QC_RISK_CHK_NET,          /* |net exposure| with open orders filled (PositionLimitError) */
    QC_RISK_CHK_DAILY_LOSS,   /* today's realised + unrealised loss, total then strategy */
    QC_RISK_CHK_DRAWDOWN,     /* drop from today's P&L peak, total then strategy */
    QC_RISK_CHK_ORDER_RATE,   /* order token bucket */
    QC_RISK_CHK_MSG_RATE,     /* message token bucket (new + replace + cancel) */
    QC_RISK_CHK_DUPLICATE,    /* same order of the same strategy within the window */
    QC_RISK_CHK_BUYING_POWER, /* gross exposure with open orders <= equity x leverage */
    QC_RISK_CHK__COUNT
} qc_risk_check_id;

/* Scope of a kill switch or a loss limit. */
typedef enum { QC_RISK_SCOPE_GLOBAL = 0, QC_RISK_SCOPE_STRATEGY, QC_RISK_SCOPE_SYMBOL } qc_risk_scope;

/* What to do when a loss or drawdown limit engages the kill switch. */
typedef enum { QC_RISK_ACT_NONE = 0, QC_RISK_ACT_CANCEL_ALL, QC_RISK_ACT_FLATTEN } qc_risk_action;

/* Stable check name ("max_notional") and the error code a rejection by it carries. */
const char *qc_risk_check_name(qc_risk_check_id id);
qc_err qc_risk_check_code(qc_risk_check_id id);
const char *qc_risk_scope_name(qc_risk_scope s);
const char *qc_risk_action_name(qc_risk_action a);

/* ---- limits (from config keys risk.*; 0 disables a numeric limit) -------------------------- */

typedef struct {
    int enabled;                 /* risk.enabled: 0 = every order passes (P&L still tracked) */
    double max_order_qty;        /* risk.order.max_qty */
    double max_order_notional;   /* risk.order.max_notional */
    double min_order_qty;        /* risk.order.min_qty */
    double lot_size;             /* risk.order.lot_size */
    double tick_size;            /* risk.order.tick_size (prices >= 1) */
    double tick_size_below_1;    /* risk.order.tick_size_below_1 (prices < 1; 0 = tick_size) */
    double collar_pct;           /* risk.collar.pct: |limit/ref - 1| <= pct/100 */
    double collar_ticks;         /* risk.collar.ticks: |limit - ref| <= ticks x tick */
    double max_long_qty;         /* risk.position.max_long (per symbol, shares) */
    double max_short_qty;        /* risk.position.max_short (per symbol, shares, positive) */
    double max_gross;            /* risk.exposure.max_gross (currency) */
    double max_net;              /* risk.exposure.max_net (currency, |net|) */
    double max_daily_loss;       /* risk.loss.max_daily (total, currency, positive) */
    double max_drawdown;         /* risk.loss.max_drawdown (total, from today's peak) */
    double strategy_max_daily_loss; /* risk.loss.strategy_max_daily */
    double strategy_max_drawdown;   /* risk.loss.strategy_max_drawdown */
    qc_risk_action loss_action;  /* risk.loss.action */
    double orders_per_sec;       /* risk.rate.orders_per_sec */
    double order_burst;          /* risk.rate.order_burst (0 = orders_per_sec) */
    double messages_per_sec;     /* risk.rate.messages_per_sec */
    double message_burst;        /* risk.rate.message_burst (0 = messages_per_sec) */
    int64_t duplicate_window_ns; /* risk.duplicate.window_ms */
    double leverage;             /* risk.buying_power.leverage */
    int kill_allows_reduce_only; /* risk.kill_switch.allow_reduce_only */
} qc_risk_limits;

/* Everything off except risk.enabled (a transparent engine). */
void qc_risk_limits_init(qc_risk_limits *l);
/* 1 if check id is switched on by the limits (the validity and kill switch checks always are). */
int qc_risk_limits_check_enabled(const qc_risk_limits *l, qc_risk_check_id id);
/* Reads the risk.* keys (types are checked by the config). */
qc_err qc_risk_limits_from_config(const qc_config *cfg, qc_risk_limits *l, qc_error *err);

/* ---- the engine ---------------------------------------------------------------------------- */

typedef struct qc_risk qc_risk;

/* Per-symbol overrides (a NaN or negative field keeps the engine-wide limit). */
typedef struct {
    double max_long_qty, max_short_qty, lot_size, tick_size;
    int restricted;  /* 1 = not tradable */
    int sector;      /* index from qc_risk_add_sector, -1 none */
} qc_risk_symbol_cfg;

#define QC_RISK_MAX_STRATEGIES 64
#define QC_RISK_MAX_SECTORS 64
#define QC_RISK_EVENT_RING 64

/* Names are copied. n_strategies in 1..QC_RISK_MAX_STRATEGIES; strategy ids are 0..n-1 and are
 * named by their number unless qc_risk_set_strategy_name says otherwise. initial_cash is the
 * account's equity at the start (buying power). Free with qc_risk_free. */
qc_err qc_risk_new(const qc_risk_limits *l, const char *const *symbols, size_t n_symbols,
                   size_t n_strategies, double initial_cash, qc_risk **out, qc_error *err);
void qc_risk_free(qc_risk *r);
const qc_risk_limits *qc_risk_get_limits(const qc_risk *r);
size_t qc_risk_n_symbols(const qc_risk *r);
size_t qc_risk_n_strategies(const qc_risk *r);
const char *qc_risk_symbol_name(const qc_risk *r, uint32_t s);
const char *qc_risk_strategy_name(const qc_risk *r, uint32_t st);
/* Index of a symbol / strategy name; -1 if unknown (linear: not for the hot path). */
long qc_risk_find_symbol(const qc_risk *r, const char *name);
long qc_risk_find_strategy(const qc_risk *r, const char *name);
qc_err qc_risk_set_strategy_name(qc_risk *r, uint32_t st, const char *name, qc_error *err);
qc_err qc_risk_set_symbol(qc_risk *r, uint32_t s, const qc_risk_symbol_cfg *c, qc_error *err);
void qc_risk_symbol_cfg_init(qc_risk_symbol_cfg *c);
/* Applies risk.restricted ("AAPL,GME"): names not in the universe are ignored. */
void qc_risk_set_restricted_list(qc_risk *r, const char *csv);
/* A sector by name (created when new); -1 when QC_RISK_MAX_SECTORS are used. */
int qc_risk_add_sector(qc_risk *r, const char *name);
const char *qc_risk_sector_name(const qc_risk *r, int k);
size_t qc_risk_n_sectors(const qc_risk *r);

/* ---- pre-trade ----------------------------------------------------------------------------- */

/* An order as the checks see it: shares only (resolve a cash order first, qc_risk_order_from_req). */
typedef struct {
    uint32_t symbol, strategy;
    qc_side side;
    qc_order_type type;
    qc_tif tif;
    double qty;
    double limit_price, stop_price;
    int reduce_only;
    /* A replace: the open quantity and side of the order being replaced (its reservation is
     * released and this order's taken instead); 0 for a new order. */
    int is_replace;
    double replaced_qty;
} qc_risk_order;

typedef struct {
    qc_risk_check_id check; /* QC_RISK_PASS when accepted */
    qc_err code;            /* QC_OK, QC_ERR_KILL_SWITCH, QC_ERR_POSITION_LIMIT or QC_ERR_PRETRADE */
    qc_risk_scope scope;    /* kill switch and loss checks: which one fired */
    uint32_t symbol, strategy;
    double limit, value;    /* the limit and the value that broke it (units per check) */
} qc_risk_verdict;

/* From a kernel request: a cash order's qty is cash / reference price (the mark). */
void qc_risk_order_from_req(const qc_risk *r, const qc_order_req *req, uint32_t strategy, qc_risk_order *out);

/* The hot path: runs the suite in order and stops at the first rejection. On acceptance it
 * reserves the order (open buy/sell quantity, rate tokens, duplicate memory); the caller must later
 * report what happened to that reservation (qc_risk_on_fill / qc_risk_order_done). Returns the
 * verdict's code (QC_OK on acceptance). */
qc_err qc_risk_check(qc_risk *r, const qc_risk_order *o, int64_t now_ns, qc_risk_verdict *out);
/* Explains: runs every check (no early stop, nothing reserved) into out[QC_RISK_CHK__COUNT]
 * (out[0] is the overall verdict, out[id] the verdict of check id). Returns the first failure's code. */
qc_err qc_risk_explain(const qc_risk *r, const qc_risk_order *o, int64_t now_ns, qc_risk_verdict *out);
/* "max_notional: order notional 1.5e+07 > limit 1e+07 (AAPL)". */
size_t qc_risk_verdict_format(const qc_risk *r, const qc_risk_verdict *v, char *buf, size_t n);
/* Sets err (code and formatted message) from a rejection; returns v->code. */
qc_err qc_risk_verdict_error(const qc_risk *r, const qc_risk_verdict *v, qc_error *err);

/* An accepted order left the book with `remaining` shares unfilled (cancelled, rejected by the
 * venue, expired): its reservation is released. */
void qc_risk_order_done(qc_risk *r, uint32_t symbol, qc_side side, double remaining);
/* Reserves qty without checks (restoring an old order's reservation when a venue refuses its
 * replace, or loading open orders at start). */
void qc_risk_order_reserve(qc_risk *r, uint32_t symbol, qc_side side, double qty);
/* A cancel request was sent (it costs a message token; cancels are never refused). */
void qc_risk_note_cancel(qc_risk *r, int64_t now_ns);

/* ---- P&L and exposure (O(1) per fill; O(strategies holding the symbol) per mark) ----------- */

/* A fill of an accepted order (from_open_order = 1 releases that much reservation) or an outside
 * fill (0). fee >= 0 is charged to realised P&L. May engage the kill switch (see events). */
void qc_risk_on_fill(qc_risk *r, uint32_t strategy, uint32_t symbol, qc_side side, double qty, double price,
                     double fee, int from_open_order, int64_t now_ns);
/* A new reference price (last trade or mid). */
void qc_risk_on_mark(qc_risk *r, uint32_t symbol, double price, int64_t now_ns);
/* A hint that a fill or check of (strategy, symbol) comes soon: starts fetching their records. */
void qc_risk_warm(const qc_risk *r, uint32_t strategy, uint32_t symbol);
/* Starts a trading day: today's loss and drawdown are measured from the P&L now. */
void qc_risk_day_start(qc_risk *r, int64_t now_ns);
/* Re-sums the incremental totals from the per-symbol tables (removes floating drift). */
void qc_risk_resync(qc_risk *r);

typedef struct {
    double qty, avg_cost, mark, realized, unrealized;
    double open_buy, open_sell; /* reserved by accepted open orders */
    int sector;
} qc_risk_position;

typedef struct {
    double realized, unrealized, total;  /* total = realized + unrealized (fees in realized) */
    double day_pnl, day_peak, drawdown;  /* today: total - start, peak of total, peak - total */
    double gross, net;                   /* exposure at marks */
    double gross_with_orders;            /* open orders counted as filled */
    double net_long_with_orders;         /* net with every open buy filled (account only) */
    double net_short_with_orders;        /* net with every open sell filled (account only) */
    double equity;                       /* initial cash + total */
} qc_risk_pnl;

void qc_risk_position_get(const qc_risk *r, uint32_t symbol, qc_risk_position *out);
/* Account (strategy < 0) or one strategy. Strategy exposures are not kept (gross/net = 0). */
void qc_risk_pnl_get(const qc_risk *r, long strategy, qc_risk_pnl *out);
/* One strategy's position in a symbol. */
void qc_risk_strategy_position(const qc_risk *r, uint32_t strategy, uint32_t symbol, double *qty,
                               double *avg_cost, double *realized);
void qc_risk_sector_exposure(const qc_risk *r, int sector, double *gross, double *net);

/* ---- kill switch --------------------------------------------------------------------------- */

typedef enum { QC_RISK_EV_KILL_ENGAGED = 1 } qc_risk_event_type;

/* Raised when a loss or drawdown limit engages a switch; the caller carries out `action`
 * (cancel the scope's open orders / flatten its positions) and persists the switch. */
typedef struct {
    qc_risk_event_type type;
    qc_risk_scope scope;
    uint32_t id;            /* strategy id for QC_RISK_SCOPE_STRATEGY */
    qc_risk_check_id check; /* QC_RISK_CHK_DAILY_LOSS or QC_RISK_CHK_DRAWDOWN */
    qc_risk_action action;
    double limit, value;
    int64_t ts_ns;
} qc_risk_event;

/* Pops the oldest pending event; 0 when none. The ring holds QC_RISK_EVENT_RING (older dropped, counted). */
int qc_risk_poll_event(qc_risk *r, qc_risk_event *out);
size_t qc_risk_events_dropped(const qc_risk *r);

/* Engage or release a switch. id: strategy id or symbol index (ignored for GLOBAL). */
qc_err qc_risk_kill(qc_risk *r, qc_risk_scope scope, uint32_t id, const char *reason, int64_t now_ns,
                    qc_error *err);
qc_err qc_risk_release(qc_risk *r, qc_risk_scope scope, uint32_t id, qc_error *err);
int qc_risk_is_killed(const qc_risk *r, qc_risk_scope scope, uint32_t id);
/* 1 when a switch changed since the last qc_risk_kill_save. */
int qc_risk_kill_dirty(const qc_risk *r);

/* The persisted switch: a JSON file of engaged switches keyed by name (docs/RISK.md). */
typedef struct {
    qc_risk_scope scope;
    char name[64];    /* symbol or strategy name; "" for global */
    char reason[160];
    int64_t ts_ns;
} qc_risk_kill_entry;

typedef struct {
    qc_risk_kill_entry *e;
    size_t n, cap;
} qc_risk_kill_list;

/* A missing file is an empty list; a malformed one is QC_ERR_INPUT (never read as "released"). */
qc_err qc_risk_kill_list_load(const char *path, qc_risk_kill_list *l, qc_error *err);
qc_err qc_risk_kill_list_parse(const char *text, size_t len, const char *label, qc_risk_kill_list *l,
                               qc_error *err);
/* Written atomically (temp file, fsync, rename). */
qc_err qc_risk_kill_list_save(const char *path, const qc_risk_kill_list *l, qc_error *err);
/* Adds or replaces (engage) or removes (release) an entry; returns 1 if the list changed. */
int qc_risk_kill_list_set(qc_risk_kill_list *l, qc_risk_scope scope, const char *name, const char *reason,
                          int64_t ts_ns, int engage, qc_error *err);
void qc_risk_kill_list_free(qc_risk_kill_list *l);
/* Engine <-> file: load sets the engine's switches to the file's (names outside the universe are
 * kept in the file); save writes the engine's switches into the file, keeping unknown names. */
qc_err qc_risk_kill_load(qc_risk *r, const char *path, qc_error *err);
qc_err qc_risk_kill_save(qc_risk *r, const char *path, qc_error *err);
const char *qc_risk_kill_reason(const qc_risk *r, qc_risk_scope scope, uint32_t id);

/* ---- text inputs: the order string and the state file (docs/RISK.md) ------------------------ */

typedef struct {
    qc_side side;
    double qty;
    char symbol[32];
    qc_order_type type;
    double limit_price, stop_price;
    qc_tif tif;
} qc_risk_order_text;

/* "BUY 100 AAPL LMT 150.00 DAY": side qty symbol [MKT|LMT p|STP p|STP_LMT stop limit] [DAY|GTC|IOC]. */
qc_err qc_risk_parse_order(const char *s, size_t len, qc_risk_order_text *out, qc_error *err);

/* The state file: cash, per-symbol position/mark/limits/sector, open orders, today's P&L start. */
typedef struct {
    char symbol[32];
    double qty, avg_cost, mark;
    double max_long_qty, max_short_qty, lot_size, tick_size; /* NaN = engine-wide */
    int restricted;
    char sector[32];
} qc_risk_state_symbol;

typedef struct {
    char symbol[32];
    char strategy[64];
    qc_side side;
    double qty, price;
} qc_risk_state_order;

typedef struct {
    double cash;                 /* initial cash; NaN when absent */
    double day_start_pnl;        /* NaN when absent: the day starts at the loaded P&L */
    double day_peak_pnl;         /* NaN when absent */
    qc_risk_state_symbol *sym;
    size_t n_sym;
    qc_risk_state_order *ord;
    size_t n_ord;
} qc_risk_state;

qc_err qc_risk_state_parse(const char *text, size_t len, const char *label, qc_risk_state *st, qc_error *err);
void qc_risk_state_free(qc_risk_state *st);
/* Loads positions (as outside fills at avg_cost), marks, overrides, open orders (as reservations)
 * and the day's start/peak into a fresh engine whose universe holds the state's symbols. */
qc_err qc_risk_state_apply(qc_risk *r, const qc_risk_state *st, int64_t now_ns, qc_error *err);

/* ---- benchmark (shared by bench/bench_risk.c and `quantcli risk bench`) ---------------------- */

typedef struct {
    size_t orders;      /* timed check calls */
    size_t symbols;     /* universe, every symbol with a position */
    uint64_t seed;
} qc_risk_bench_opts;

typedef struct {
    size_t orders, accepted;
    double p50_ns, p99_ns, p999_ns, max_ns, mean_ns;
    double timer_overhead_ns; /* subtracted from every sample */
    double fill_ns, mark_ns;  /* mean P&L update per fill / per mark (batches, no per-call timer) */
    const char *timer;        /* "clock_gettime(CLOCK_MONOTONIC)" */
} qc_risk_bench_result;

qc_err qc_risk_bench(const qc_risk_bench_opts *o, qc_risk_bench_result *res, qc_error *err);

#endif
