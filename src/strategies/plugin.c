/* plugin.c: user strategy plugins (plugin.h). The host table's functions forward to the qc_ctx_*
 * accessors (a qc_plugin_ctx is the run's qc_ctx under an opaque name), so a plugin sees exactly
 * what a built-in sees: no look-ahead, queued orders. The adapter's state holds the plugin's own
 * state block; the adapter finds its plugin around the definition it runs (qc_ctx_strategy(ctx) is
 * the def embedded in a struct qc_plugin). */
#include "strategies/plugin.h"

#include <dlfcn.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quantcli/strategy_plugin.h"
#include "core/strutil.h"

struct qc_plugin {
    void *handle;
    const qc_plugin_strategy *ps;
    qc_param_spec spec[QC_MAX_PARAMS];
    qc_strategy_def def;
    char *path;
};

/* ---- the host table --------------------------------------------------------------------------- */
#define CTX(c) ((const qc_ctx *)(const void *)(c))
static int64_t h_now(const qc_plugin_ctx *c) { return qc_ctx_now(CTX(c)); }
static size_t h_n_symbols(const qc_plugin_ctx *c) { return qc_ctx_n_symbols(CTX(c)); }
static const char *h_symbol(const qc_plugin_ctx *c, uint32_t s) { return qc_ctx_symbol(CTX(c), s); }
static int h_has_bar(const qc_plugin_ctx *c, uint32_t s) { return qc_ctx_has_bar(CTX(c), s); }
static size_t h_history_len(const qc_plugin_ctx *c, uint32_t s) { return qc_ctx_history_len(CTX(c), s); }
static double h_open(const qc_plugin_ctx *c, uint32_t s, long lag) { return qc_ctx_open(CTX(c), s, lag); }
static double h_high(const qc_plugin_ctx *c, uint32_t s, long lag) { return qc_ctx_high(CTX(c), s, lag); }
static double h_low(const qc_plugin_ctx *c, uint32_t s, long lag) { return qc_ctx_low(CTX(c), s, lag); }
static double h_close(const qc_plugin_ctx *c, uint32_t s, long lag) { return qc_ctx_close(CTX(c), s, lag); }
static double h_volume(const qc_plugin_ctx *c, uint32_t s, long lag) { return qc_ctx_volume(CTX(c), s, lag); }
static double h_position(const qc_plugin_ctx *c, uint32_t s) { return qc_ctx_position(CTX(c), s); }
static double h_cash(const qc_plugin_ctx *c) { return qc_ctx_cash(CTX(c)); }
static double h_equity(const qc_plugin_ctx *c) { return qc_ctx_equity(CTX(c)); }

static uint64_t h_submit(qc_plugin_ctx *c, const qc_plugin_order *o) {
    qc_ctx *ctx = (qc_ctx *)(void *)c;
    if (!o || (o->side != QC_PLUGIN_BUY && o->side != QC_PLUGIN_SELL) || o->type < QC_PLUGIN_MARKET ||
        o->type > QC_PLUGIN_STOP_LIMIT || o->tif < QC_PLUGIN_DAY || o->tif > QC_PLUGIN_IOC)
        return 0; /* the kernel's checks cover the rest (qty xor cash, prices, symbol) */
    qc_order_req r = {.symbol = o->symbol,
                      .side = o->side == QC_PLUGIN_BUY ? QC_BUY : QC_SELL,
                      .type = (qc_order_type)o->type,
                      .tif = (qc_tif)o->tif,
                      .qty = o->qty,
                      .cash = o->cash,
                      .limit_price = o->limit_price,
                      .stop_price = o->stop_price,
                      .reduce_only = o->reduce_only != 0};
    return qc_ctx_submit(ctx, &r);
}
static int h_cancel(qc_plugin_ctx *c, uint64_t id) { return (int)qc_ctx_cancel((qc_ctx *)(void *)c, id); }
static int h_order_is_open(const qc_plugin_ctx *c, uint64_t id) {
    const qc_order *o = qc_ctx_order(CTX(c), id);
    return o && qc_order_is_open(o);
}
static const char *h_last_error(const qc_plugin_ctx *c) { return qc_ctx_last_error(CTX(c))->msg; }

static const qc_plugin_host k_host = {
    .api_version = QC_PLUGIN_API_VERSION, .size = sizeof(qc_plugin_host), .now = h_now, .n_symbols = h_n_symbols,
    .symbol = h_symbol, .has_bar = h_has_bar, .history_len = h_history_len, .open = h_open, .high = h_high,
    .low = h_low, .close = h_close, .volume = h_volume, .position = h_position, .cash = h_cash, .equity = h_equity,
    .submit = h_submit, .cancel = h_cancel, .order_is_open = h_order_is_open, .last_error = h_last_error,
};

/* ---- the adapter ------------------------------------------------------------------------------ */
typedef struct {
    const qc_plugin_strategy *ps;
    void *state;
    int ready; /* init succeeded: free_state may run */
} adapter;

static void ad_free(void *state) {
    adapter *a = state;
    if (a->ready && a->ps->free_state) a->ps->free_state(a->state);
    free(a->state);
    *a = (adapter){0};
}

static qc_err ad_init(void *state, const qc_params *p, const qc_ctx *ctx, qc_error *err) {
    adapter *a = state;
    const qc_plugin *pl = (const qc_plugin *)(const void *)((const char *)qc_ctx_strategy(ctx) - offsetof(qc_plugin, def));
    a->ps = pl->ps;
    a->state = calloc(1, a->ps->state_size ? a->ps->state_size : 1);
    if (!a->state) return qc_err_set(err, QC_ERR_NOMEM, "%s: out of memory", a->ps->name);
    char msg[256] = "";
    if (a->ps->init && a->ps->init(a->state, p->value, (const qc_plugin_ctx *)(const void *)ctx, msg, sizeof msg)) {
        msg[sizeof msg - 1] = '\0';
        return qc_err_set(err, QC_ERR_INPUT, "%s: %s", a->ps->name, msg[0] ? msg : "init failed");
    }
    a->ready = 1;
    return QC_OK;
}

static void ad_on_bar(void *state, qc_ctx *ctx) {
    adapter *a = state;
    a->ps->on_bar(a->state, (qc_plugin_ctx *)(void *)ctx);
}

static void ad_on_finish(void *state, qc_ctx *ctx) {
    adapter *a = state;
    if (a->ps->on_finish) a->ps->on_finish(a->state, (qc_plugin_ctx *)(void *)ctx);
}

/* ---- loading ---------------------------------------------------------------------------------- */
int qc_strategy_is_plugin_path(const char *name) {
    size_t n = name ? strlen(name) : 0;
    return n && (strchr(name, '/') || (n > 3 && strcmp(name + n - 3, ".so") == 0));
}

static qc_err check_params(qc_plugin *pl, const char *path, qc_error *err) {
    const qc_plugin_strategy *ps = pl->ps;
    if (ps->n_params > QC_MAX_PARAMS)
        return qc_err_set(err, QC_ERR_INPUT, "plugin '%s': %zu parameters (at most %d)", path, ps->n_params, QC_MAX_PARAMS);
    if (ps->n_params && !ps->params) return qc_err_set(err, QC_ERR_INPUT, "plugin '%s': parameters missing", path);
    for (size_t i = 0; i < ps->n_params; i++) {
        const qc_plugin_param *q = &ps->params[i];
        if (!q->name || !q->def || q->type < QC_PLUGIN_PARAM_INT || q->type > QC_PLUGIN_PARAM_BOOL)
            return qc_err_set(err, QC_ERR_INPUT, "plugin '%s': parameter %zu has no name, default or valid type", path, i);
        pl->spec[i] = (qc_param_spec){.name = q->name,
                                      .type = q->type == QC_PLUGIN_PARAM_INT      ? QC_PARAM_INT
                                              : q->type == QC_PLUGIN_PARAM_DOUBLE ? QC_PARAM_DOUBLE
                                                                                  : QC_PARAM_BOOL,
                                      .def = q->def,
                                      .min = q->type == QC_PLUGIN_PARAM_BOOL ? 0 : q->min,
                                      .max = q->type == QC_PLUGIN_PARAM_BOOL ? 1 : q->max,
                                      .help = q->help ? q->help : ""};
    }
    qc_params probe; /* the defaults must parse */
    qc_err rc = qc_params_parse(pl->spec, ps->n_params, NULL, 0, ps->name, &probe, err);
    return rc ? qc_err_prefix(err, "plugin '%s': ", path) : QC_OK;
}

qc_err qc_plugin_load(const char *path, qc_plugin **out, qc_error *err) {
    *out = NULL;
    qc_plugin *pl = calloc(1, sizeof *pl);
    if (!pl) return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    qc_err rc = QC_OK;
    pl->handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!pl->handle) rc = qc_err_set(err, QC_ERR_INPUT, "cannot load plugin '%s': %s", path, dlerror());
    qc_plugin_entry_fn entry = NULL;
    if (!rc) {
        void *sym = dlsym(pl->handle, QC_PLUGIN_ENTRY_NAME);
        memcpy(&entry, &sym, sizeof entry); /* object to function pointer without a pedantic warning */
        if (!entry) rc = qc_err_set(err, QC_ERR_INPUT, "plugin '%s' does not export %s()", path, QC_PLUGIN_ENTRY_NAME);
    }
    if (!rc && !(pl->ps = entry(&k_host)))
        rc = qc_err_set(err, QC_ERR_INPUT, "plugin '%s': %s() returned NULL", path, QC_PLUGIN_ENTRY_NAME);
    if (!rc && pl->ps->api_version != QC_PLUGIN_API_VERSION)
        rc = qc_err_set(err, QC_ERR_INPUT,
                        "plugin '%s' was built for strategy plugin interface version %u; this quantcli provides "
                        "version %u (rebuild it against include/quantcli/strategy_plugin.h)",
                        path, pl->ps->api_version, QC_PLUGIN_API_VERSION);
    if (!rc && (!pl->ps->name || !pl->ps->name[0] || !pl->ps->on_bar))
        rc = qc_err_set(err, QC_ERR_INPUT, "plugin '%s': the strategy needs a name and on_bar", path);
    if (!rc) rc = check_params(pl, path, err);
    if (!rc && !(pl->path = qc_strdup(path))) rc = qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    if (rc) {
        qc_plugin_unload(pl);
        return rc;
    }
    pl->def = (qc_strategy_def){.name = pl->ps->name,
                                .summary = pl->ps->summary ? pl->ps->summary : "",
                                .params = pl->spec,
                                .n_params = pl->ps->n_params,
                                .state_size = sizeof(adapter),
                                .init = ad_init,
                                .on_bar = ad_on_bar,
                                .on_finish = ad_on_finish,
                                .free_state = ad_free};
    *out = pl;
    return QC_OK;
}

const qc_strategy_def *qc_plugin_def(const qc_plugin *p) { return &p->def; }

void qc_plugin_unload(qc_plugin *p) {
    if (!p) return;
    if (p->handle) dlclose(p->handle);
    free(p->path);
    free(p);
}
