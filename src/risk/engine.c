/* engine.c: the risk engine's lifetime and set-up: limits from the risk.* config keys, the
 * preallocated per-symbol and per-strategy tables, per-symbol overrides, sectors, the restricted
 * list and the names of checks, scopes and actions. Nothing here runs on the check path. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/strutil.h"
#include "risk/risk_int.h"

static const struct {
    const char *name;
    qc_err code;
} k_checks[QC_RISK_CHK__COUNT] = {
    [QC_RISK_PASS] = {"pass", QC_OK},
    [QC_RISK_CHK_VALID] = {"valid_order", QC_ERR_PRETRADE},
    [QC_RISK_CHK_KILL_SWITCH] = {"kill_switch", QC_ERR_KILL_SWITCH},
    [QC_RISK_CHK_RESTRICTED] = {"restricted", QC_ERR_PRETRADE},
    [QC_RISK_CHK_MAX_QTY] = {"max_qty", QC_ERR_PRETRADE},
    [QC_RISK_CHK_MAX_NOTIONAL] = {"max_notional", QC_ERR_PRETRADE},
    [QC_RISK_CHK_MIN_QTY] = {"min_qty", QC_ERR_PRETRADE},
    [QC_RISK_CHK_LOT] = {"lot_size", QC_ERR_PRETRADE},
    [QC_RISK_CHK_TICK] = {"tick_size", QC_ERR_PRETRADE},
    [QC_RISK_CHK_COLLAR] = {"price_collar", QC_ERR_PRETRADE},
    [QC_RISK_CHK_POS_LONG] = {"position_long", QC_ERR_POSITION_LIMIT},
    [QC_RISK_CHK_POS_SHORT] = {"position_short", QC_ERR_POSITION_LIMIT},
    [QC_RISK_CHK_GROSS] = {"gross_exposure", QC_ERR_POSITION_LIMIT},
    [QC_RISK_CHK_NET] = {"net_exposure", QC_ERR_POSITION_LIMIT},
    [QC_RISK_CHK_DAILY_LOSS] = {"daily_loss", QC_ERR_PRETRADE},
    [QC_RISK_CHK_DRAWDOWN] = {"drawdown", QC_ERR_PRETRADE},
    [QC_RISK_CHK_ORDER_RATE] = {"order_rate", QC_ERR_PRETRADE},
    [QC_RISK_CHK_MSG_RATE] = {"message_rate", QC_ERR_PRETRADE},
    [QC_RISK_CHK_DUPLICATE] = {"duplicate", QC_ERR_PRETRADE},
    [QC_RISK_CHK_BUYING_POWER] = {"buying_power", QC_ERR_PRETRADE},
};

const char *qc_risk_check_name(qc_risk_check_id id) {
    return (unsigned)id < QC_RISK_CHK__COUNT ? k_checks[id].name : "unknown";
}

qc_err qc_risk_check_code(qc_risk_check_id id) {
    return (unsigned)id < QC_RISK_CHK__COUNT ? k_checks[id].code : QC_ERR_PRETRADE;
}

const char *qc_risk_scope_name(qc_risk_scope s) {
    return s == QC_RISK_SCOPE_STRATEGY ? "strategy" : s == QC_RISK_SCOPE_SYMBOL ? "symbol" : "global";
}

const char *qc_risk_action_name(qc_risk_action a) {
    return a == QC_RISK_ACT_CANCEL_ALL ? "cancel_all" : a == QC_RISK_ACT_FLATTEN ? "flatten" : "none";
}

/* ---- limits ---------------------------------------------------------------------------------- */

int qc_risk_limits_check_enabled(const qc_risk_limits *l, qc_risk_check_id id) {
    if (id == QC_RISK_CHK_VALID) return 1;
    if (!l->enabled) return 0;
    switch (id) {
    case QC_RISK_CHK_KILL_SWITCH:
    case QC_RISK_CHK_RESTRICTED: return 1;
    case QC_RISK_CHK_MAX_QTY: return l->max_order_qty > 0;
    case QC_RISK_CHK_MAX_NOTIONAL: return l->max_order_notional > 0;
    case QC_RISK_CHK_MIN_QTY: return l->min_order_qty > 0;
    case QC_RISK_CHK_LOT: return l->lot_size > 0; /* per-symbol overrides may switch it on too */
    case QC_RISK_CHK_TICK: return l->tick_size > 0 || l->tick_size_below_1 > 0;
    case QC_RISK_CHK_COLLAR: return l->collar_pct > 0 || l->collar_ticks > 0;
    case QC_RISK_CHK_POS_LONG: return l->max_long_qty > 0;
    case QC_RISK_CHK_POS_SHORT: return l->max_short_qty > 0;
    case QC_RISK_CHK_GROSS: return l->max_gross > 0;
    case QC_RISK_CHK_NET: return l->max_net > 0;
    case QC_RISK_CHK_DAILY_LOSS: return l->max_daily_loss > 0 || l->strategy_max_daily_loss > 0;
    case QC_RISK_CHK_DRAWDOWN: return l->max_drawdown > 0 || l->strategy_max_drawdown > 0;
    case QC_RISK_CHK_ORDER_RATE: return l->orders_per_sec > 0;
    case QC_RISK_CHK_MSG_RATE: return l->messages_per_sec > 0;
    case QC_RISK_CHK_DUPLICATE: return l->duplicate_window_ns > 0;
    case QC_RISK_CHK_BUYING_POWER: return l->leverage > 0;
    default: return 0;
    }
}

void qc_risk_limits_init(qc_risk_limits *l) {
    memset(l, 0, sizeof *l);
    l->enabled = 1;
    l->loss_action = QC_RISK_ACT_CANCEL_ALL;
    l->kill_allows_reduce_only = 1;
}

static qc_err get_d(const qc_config *cfg, const char *key, double *out, qc_error *err) {
    if (!qc_config_get(cfg, key)) return QC_OK; /* absent: keep the default */
    qc_err rc = qc_config_get_double(cfg, key, out, err);
    if (rc) return rc;
    if (!(*out >= 0)) return qc_err_set(err, QC_ERR_CONFIG, "%s: must be >= 0, got %g", key, *out);
    return QC_OK;
}

static qc_err get_action(const qc_config *cfg, qc_risk_action *out, qc_error *err) {
    const char *v = qc_config_get(cfg, "risk.loss.action");
    if (!v) return QC_OK;
    if (qc_str_ieq(v, "none")) *out = QC_RISK_ACT_NONE;
    else if (qc_str_ieq(v, "cancel_all")) *out = QC_RISK_ACT_CANCEL_ALL;
    else if (qc_str_ieq(v, "flatten")) *out = QC_RISK_ACT_FLATTEN;
    else return qc_err_set(err, QC_ERR_CONFIG, "risk.loss.action: expected none|cancel_all|flatten, got '%.40s'", v);
    return QC_OK;
}

qc_err qc_risk_limits_from_config(const qc_config *cfg, qc_risk_limits *l, qc_error *err) {
    qc_risk_limits_init(l);
    const struct {
        const char *key;
        double *dst;
    } k_d[] = {
        {"risk.order.max_qty", &l->max_order_qty},
        {"risk.order.max_notional", &l->max_order_notional},
        {"risk.order.min_qty", &l->min_order_qty},
        {"risk.order.lot_size", &l->lot_size},
        {"risk.order.tick_size", &l->tick_size},
        {"risk.order.tick_size_below_1", &l->tick_size_below_1},
        {"risk.collar.pct", &l->collar_pct},
        {"risk.collar.ticks", &l->collar_ticks},
        {"risk.position.max_long", &l->max_long_qty},
        {"risk.position.max_short", &l->max_short_qty},
        {"risk.exposure.max_gross", &l->max_gross},
        {"risk.exposure.max_net", &l->max_net},
        {"risk.loss.max_daily", &l->max_daily_loss},
        {"risk.loss.max_drawdown", &l->max_drawdown},
        {"risk.loss.strategy_max_daily", &l->strategy_max_daily_loss},
        {"risk.loss.strategy_max_drawdown", &l->strategy_max_drawdown},
        {"risk.rate.orders_per_sec", &l->orders_per_sec},
        {"risk.rate.order_burst", &l->order_burst},
        {"risk.rate.messages_per_sec", &l->messages_per_sec},
        {"risk.rate.message_burst", &l->message_burst},
        {"risk.buying_power.leverage", &l->leverage},
    };
    qc_err rc;
    for (size_t i = 0; i < sizeof k_d / sizeof k_d[0]; i++)
        if ((rc = get_d(cfg, k_d[i].key, k_d[i].dst, err))) return rc;
    double window_ms = 0;
    if ((rc = get_d(cfg, "risk.duplicate.window_ms", &window_ms, err))) return rc;
    l->duplicate_window_ns = (int64_t)(window_ms * 1e6);
    if (qc_config_get(cfg, "risk.enabled") && (rc = qc_config_get_bool(cfg, "risk.enabled", &l->enabled, err)))
        return rc;
    if (qc_config_get(cfg, "risk.kill_switch.allow_reduce_only") &&
        (rc = qc_config_get_bool(cfg, "risk.kill_switch.allow_reduce_only", &l->kill_allows_reduce_only, err)))
        return rc;
    return get_action(cfg, &l->loss_action, err);
}

/* ---- the engine ------------------------------------------------------------------------------ */

void qc_risk_symbol_cfg_init(qc_risk_symbol_cfg *c) {
    c->max_long_qty = c->max_short_qty = c->lot_size = c->tick_size = NAN;
    c->restricted = 0;
    c->sector = -1;
}

static double pick(double override, double def) { return override >= 0 ? override : def; }

void qc_risk__sym_limits(qc_risk *r, risk_sym *s, const qc_risk_symbol_cfg *c) {
    s->max_long = pick(c->max_long_qty, r->lim.max_long_qty);
    s->max_short = pick(c->max_short_qty, r->lim.max_short_qty);
    s->lot = pick(c->lot_size, r->lim.lot_size);
    s->inv_lot = s->lot > 0 ? 1.0 / s->lot : 0;
    s->tick = pick(c->tick_size, r->lim.tick_size);
    s->restricted = c->restricted != 0;
    s->sector = (int16_t)(c->sector >= 0 && (size_t)c->sector < r->n_sec ? c->sector : -1);
}

static void bucket_init(risk_bucket *b, double per_sec, double burst) {
    b->rate_per_ns = per_sec * 1e-9;
    b->burst = burst > 0 ? burst : per_sec;
    b->tokens = b->burst;
    b->last_ns = INT64_MIN;
}

qc_err qc_risk_new(const qc_risk_limits *l, const char *const *symbols, size_t n_symbols, size_t n_strategies,
                   double initial_cash, qc_risk **out, qc_error *err) {
    *out = NULL;
    if (n_strategies < 1 || n_strategies > QC_RISK_MAX_STRATEGIES)
        return qc_err_set(err, QC_ERR_INPUT, "risk: strategies must be 1..%d, got %zu", QC_RISK_MAX_STRATEGIES,
                          n_strategies);
    if (n_symbols > UINT32_MAX / 2) return qc_err_set(err, QC_ERR_INPUT, "risk: too many symbols");
    qc_risk *r = calloc(1, sizeof *r);
    if (!r) return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    r->lim = *l;
    r->tick_below_1 = l->tick_size_below_1 > 0 ? l->tick_size_below_1 : 0;
    r->n_sym = n_symbols;
    r->n_strat = n_strategies;
    r->initial_cash = initial_cash;
    r->sym = calloc(n_symbols ? n_symbols : 1, sizeof *r->sym);
    r->cell = calloc(n_symbols * n_strategies + 1, sizeof *r->cell);
    r->sym_name = calloc(n_symbols + 1, sizeof *r->sym_name);
    r->why_sym = calloc(n_symbols + 1, sizeof *r->why_sym);
    if (!r->sym || !r->cell || !r->sym_name || !r->why_sym) {
        qc_risk_free(r);
        return qc_err_set(err, QC_ERR_NOMEM, "out of memory for %zu symbols", n_symbols);
    }
    qc_risk_symbol_cfg def;
    qc_risk_symbol_cfg_init(&def);
    for (size_t i = 0; i < n_symbols; i++) {
        r->sym_name[i] = qc_strdup(symbols[i] ? symbols[i] : "");
        if (!r->sym_name[i]) {
            qc_risk_free(r);
            return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
        }
        r->sym[i].mark = NAN;
        qc_risk__sym_limits(r, &r->sym[i], &def);
    }
    for (size_t i = 0; i < n_strategies; i++) snprintf(r->strat[i].name, sizeof r->strat[i].name, "%zu", i);
    bucket_init(&r->order_bucket, l->orders_per_sec, l->order_burst);
    bucket_init(&r->msg_bucket, l->messages_per_sec, l->message_burst);
    *out = r;
    return QC_OK;
}

void qc_risk_free(qc_risk *r) {
    if (!r) return;
    for (size_t i = 0; r->sym_name && i < r->n_sym; i++) free(r->sym_name[i]);
    free(r->sym_name);
    free(r->why_sym);
    free(r->sym);
    free(r->cell);
    free(r);
}

const qc_risk_limits *qc_risk_get_limits(const qc_risk *r) { return &r->lim; }
size_t qc_risk_n_symbols(const qc_risk *r) { return r->n_sym; }
size_t qc_risk_n_strategies(const qc_risk *r) { return r->n_strat; }

const char *qc_risk_symbol_name(const qc_risk *r, uint32_t s) { return s < r->n_sym ? r->sym_name[s] : "?"; }

const char *qc_risk_strategy_name(const qc_risk *r, uint32_t st) { return st < r->n_strat ? r->strat[st].name : "?"; }

long qc_risk_find_symbol(const qc_risk *r, const char *name) {
    for (size_t i = 0; i < r->n_sym; i++)
        if (strcmp(r->sym_name[i], name) == 0) return (long)i;
    return -1;
}

long qc_risk_find_strategy(const qc_risk *r, const char *name) {
    for (size_t i = 0; i < r->n_strat; i++)
        if (strcmp(r->strat[i].name, name) == 0) return (long)i;
    return -1;
}

qc_err qc_risk_set_strategy_name(qc_risk *r, uint32_t st, const char *name, qc_error *err) {
    if (st >= r->n_strat) return qc_err_set(err, QC_ERR_INPUT, "risk: no strategy %u", st);
    if (strlen(name) >= sizeof r->strat[st].name)
        return qc_err_set(err, QC_ERR_INPUT, "risk: strategy name longer than %zu bytes", sizeof r->strat[st].name - 1);
    qc_strlcpy(r->strat[st].name, name, sizeof r->strat[st].name);
    return QC_OK;
}

qc_err qc_risk_set_symbol(qc_risk *r, uint32_t s, const qc_risk_symbol_cfg *c, qc_error *err) {
    if (s >= r->n_sym) return qc_err_set(err, QC_ERR_INPUT, "risk: no symbol index %u", s);
    risk_sym *y = &r->sym[s];
    int old = y->sector;
    qc_risk__sym_limits(r, y, c);
    if (old != y->sector) { /* move the symbol's exposure to its new sector */
        if (old >= 0) r->sec_gross[old] -= y->gross, r->sec_net[old] -= y->net;
        if (y->sector >= 0) r->sec_gross[y->sector] += y->gross, r->sec_net[y->sector] += y->net;
    }
    return QC_OK;
}

void qc_risk_set_restricted_list(qc_risk *r, const char *csv) {
    const char *p = csv;
    while (p && *p) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        while (n && (*p == ' ' || *p == '\t')) p++, n--;
        while (n && (p[n - 1] == ' ' || p[n - 1] == '\t')) n--;
        for (size_t i = 0; n && i < r->n_sym; i++)
            if (strlen(r->sym_name[i]) == n && memcmp(r->sym_name[i], p, n) == 0) r->sym[i].restricted = 1;
        p = e ? e + 1 : NULL;
    }
}

int qc_risk_add_sector(qc_risk *r, const char *name) {
    for (size_t k = 0; k < r->n_sec; k++)
        if (strcmp(r->sec_name[k], name) == 0) return (int)k;
    if (r->n_sec == QC_RISK_MAX_SECTORS) return -1;
    qc_strlcpy(r->sec_name[r->n_sec], name, sizeof r->sec_name[0]);
    return (int)r->n_sec++;
}

const char *qc_risk_sector_name(const qc_risk *r, int k) {
    return k >= 0 && (size_t)k < r->n_sec ? r->sec_name[k] : "";
}

size_t qc_risk_n_sectors(const qc_risk *r) { return r->n_sec; }

void qc_risk_order_from_req(const qc_risk *r, const qc_order_req *req, uint32_t strategy, qc_risk_order *out) {
    memset(out, 0, sizeof *out);
    out->symbol = req->symbol;
    out->strategy = strategy;
    out->side = req->side;
    out->type = req->type;
    out->tif = req->tif;
    out->qty = req->qty;
    if (!(req->qty > 0) && req->cash > 0) {
        double ref = req->symbol < r->n_sym ? r->sym[req->symbol].mark : NAN;
        if (!(ref > 0)) ref = req->type == QC_ORD_LIMIT || req->type == QC_ORD_STOP_LIMIT ? req->limit_price
                                                                                           : req->stop_price;
        out->qty = ref > 0 ? req->cash / ref : NAN; /* NaN: refused as invalid */
    }
    out->limit_price = req->limit_price;
    out->stop_price = req->stop_price;
    out->reduce_only = req->reduce_only;
}
