/* strategy_plugin.h: the C interface of QuantCLI user strategies (plugins), version 1.
 * A plugin is a shared object that includes only this header and exports one function,
 * qc_plugin_entry. `quantcli backtest --strategy ./my_strategy.so` (and `sweep`) dlopen it, call
 * qc_plugin_entry once with the host's function table, and run the strategy it describes through
 * the same kernel as the built-ins. The plugin reaches QuantCLI only through that table (never
 * through QuantCLI's own symbols), so it does not link against QuantCLI at all.
 *
 * Versioning: QC_PLUGIN_API_VERSION changes whenever a struct below changes layout or meaning. A
 * plugin reports the version it was built with in qc_plugin_strategy.api_version; QuantCLI refuses
 * a plugin whose version differs from its own, with an error naming both. The host table carries
 * the host's version too, so a plugin can refuse an old host.
 *
 * Rules (the same as for built-in strategies, docs/STRATEGIES.md):
 *   - on_bar runs at each event (all bars closing at one timestamp) after fills and marking; price
 *     accessors take a lag >= 0 counting back from the bar that just closed; a negative lag (the
 *     future) or one beyond the history returns NaN;
 *   - orders submitted in on_bar are queued and reach the venue after on_bar returns;
 *   - keep all mutable data in the state block (state_size bytes, zeroed, owned by QuantCLI): a
 *     sweep runs several copies of the strategy at once on different threads;
 *   - parameters arrive as doubles in declaration order, already checked against type and range.
 * Build: cc -shared -fPIC -I<quantcli>/include my_strategy.c -o my_strategy.so (see
 * examples/plugin_sma). */
#ifndef QUANTCLI_STRATEGY_PLUGIN_H
#define QUANTCLI_STRATEGY_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#define QC_PLUGIN_API_VERSION 1u
#define QC_PLUGIN_ENTRY_NAME "qc_plugin_entry"

#if defined(__GNUC__)
#define QC_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define QC_PLUGIN_EXPORT
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* The run as a plugin sees it: opaque, valid during the callback it is passed to. */
typedef struct qc_plugin_ctx qc_plugin_ctx;

enum { QC_PLUGIN_PARAM_INT = 0, QC_PLUGIN_PARAM_DOUBLE = 1, QC_PLUGIN_PARAM_BOOL = 2 };

typedef struct {
    const char *name;    /* [a-z0-9_]+, for --param name=value and --grid */
    int type;            /* QC_PLUGIN_PARAM_* */
    const char *def;     /* default as text ("20", "0.5", "1") */
    double min, max;     /* inclusive range (ignored for bool) */
    const char *help;    /* one line */
} qc_plugin_param;

enum { QC_PLUGIN_BUY = 1, QC_PLUGIN_SELL = -1 };
enum { QC_PLUGIN_MARKET = 0, QC_PLUGIN_LIMIT = 1, QC_PLUGIN_STOP = 2, QC_PLUGIN_STOP_LIMIT = 3 };
enum { QC_PLUGIN_DAY = 0, QC_PLUGIN_GTC = 1, QC_PLUGIN_IOC = 2 };

/* An order request: exactly one of qty (shares) or cash (a notional resolved at the fill) > 0. */
typedef struct {
    uint32_t symbol;     /* 0 .. n_symbols - 1 */
    int side;            /* QC_PLUGIN_BUY / QC_PLUGIN_SELL */
    int type;            /* QC_PLUGIN_MARKET, ... */
    int tif;             /* QC_PLUGIN_DAY, ... */
    double qty, cash;
    double limit_price, stop_price;
    int reduce_only;     /* never increases |position| */
} qc_plugin_order;

/* QuantCLI's services, handed to the plugin at load; valid until it is unloaded. */
typedef struct qc_plugin_host {
    uint32_t api_version; /* QC_PLUGIN_API_VERSION of the host */
    uint32_t size;        /* sizeof(qc_plugin_host) of the host */
    int64_t (*now)(const qc_plugin_ctx *c); /* ns since 1970 UTC (the event's bar close) */
    size_t (*n_symbols)(const qc_plugin_ctx *c);
    const char *(*symbol)(const qc_plugin_ctx *c, uint32_t s);
    int (*has_bar)(const qc_plugin_ctx *c, uint32_t s);       /* 1 if s has a bar at this event */
    size_t (*history_len)(const qc_plugin_ctx *c, uint32_t s); /* bars of s so far, this one included */
    double (*open)(const qc_plugin_ctx *c, uint32_t s, long lag);
    double (*high)(const qc_plugin_ctx *c, uint32_t s, long lag);
    double (*low)(const qc_plugin_ctx *c, uint32_t s, long lag);
    double (*close)(const qc_plugin_ctx *c, uint32_t s, long lag);
    double (*volume)(const qc_plugin_ctx *c, uint32_t s, long lag);
    double (*position)(const qc_plugin_ctx *c, uint32_t s);   /* signed shares */
    double (*cash)(const qc_plugin_ctx *c);
    double (*equity)(const qc_plugin_ctx *c);
    /* Queues an order: its id (> 0), or 0 when refused (last_error says why). */
    uint64_t (*submit)(qc_plugin_ctx *c, const qc_plugin_order *o);
    int (*cancel)(qc_plugin_ctx *c, uint64_t order_id);       /* 0 ok */
    int (*order_is_open)(const qc_plugin_ctx *c, uint64_t order_id);
    const char *(*last_error)(const qc_plugin_ctx *c);
} qc_plugin_host;

/* What the plugin is. Static storage in the plugin; read once at load. */
typedef struct qc_plugin_strategy {
    uint32_t api_version;          /* set to QC_PLUGIN_API_VERSION */
    const char *name;              /* shown in reports */
    const char *summary;
    const qc_plugin_param *params; /* up to 32 */
    size_t n_params;
    size_t state_size;             /* bytes of zeroed state per run */
    /* Checks parameters together and prepares state; returns 0, or non-zero with a message in err. */
    int (*init)(void *state, const double *params, const qc_plugin_ctx *c, char *err, size_t err_len);
    void (*on_bar)(void *state, qc_plugin_ctx *c);
    void (*on_finish)(void *state, qc_plugin_ctx *c); /* may be NULL */
    void (*free_state)(void *state);                  /* may be NULL: frees what init allocated */
} qc_plugin_strategy;

/* The exported entry point (name QC_PLUGIN_ENTRY_NAME). */
typedef const qc_plugin_strategy *(*qc_plugin_entry_fn)(const qc_plugin_host *host);
QC_PLUGIN_EXPORT const qc_plugin_strategy *qc_plugin_entry(const qc_plugin_host *host);

#ifdef __cplusplus
}
#endif

#endif
