/* parse.c: the risk engine's text inputs: the order string of `quantcli risk check --order`
 * ("BUY 100 AAPL LMT 150.00 DAY") and the JSON state file (cash, positions, marks, per-symbol limits
 * and sectors, open orders, the day's P&L start). Both are outside input: strict, bounded, fuzzed
 * (fuzz/fuzz_order_string.c, fuzz/fuzz_risk_state.c). Grammar and format: docs/RISK.md. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/strutil.h"
#include "risk/risk_int.h"

#define ORDER_TEXT_MAX 256
#define STATE_MAX_ENTRIES 1000000
#define STATE_QTY_MAX 1e12   /* shares: beyond this a number is a typo, and sums lose cents */
#define STATE_PRICE_MAX 1e9

/* ---- the order string ------------------------------------------------------------------------ */

typedef struct {
    const char *p;
    size_t n;
} tok;

static size_t tokenize(const char *s, size_t len, tok *t, size_t max) {
    size_t n = 0, i = 0;
    while (i < len) {
        while (i < len && (s[i] == ' ' || s[i] == '\t')) i++;
        if (i == len) break;
        size_t b = i;
        while (i < len && s[i] != ' ' && s[i] != '\t') i++;
        if (n < max) t[n] = (tok){s + b, i - b};
        n++;
    }
    return n;
}

static int tok_is(tok t, const char *lit) { return qc_strn_ieq(t.p, t.n, lit); }

static int symbol_ok(tok t) {
    if (t.n == 0 || t.n >= sizeof ((qc_risk_order_text *)0)->symbol) return 0;
    for (size_t i = 0; i < t.n; i++) {
        unsigned char c = (unsigned char)t.p[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
              c == '_' || c == '/' || c == '^' || c == '='))
            return 0;
    }
    return 1;
}

static int positive(tok t, double *out) {
    return qc_parse_double(t.p, t.n, out) == 0 && *out > 0 && *out < 1e300;
}

static qc_err bad(qc_error *err, const char *what, tok t) {
    return qc_err_set(err, QC_ERR_INPUT, "order: %s, got '%.*s' (grammar: SIDE QTY SYMBOL [MKT|LMT P|STP P|STP_LMT S L] "
                      "[DAY|GTC|IOC])", what, (int)(t.n > 40 ? 40 : t.n), t.p);
}

/* Reads the optional price part starting at t[*i]. */
static qc_err parse_type(const tok *t, size_t n, size_t *i, qc_risk_order_text *o, qc_error *err) {
    if (*i >= n) return QC_OK;
    tok k = t[*i];
    size_t need = tok_is(k, "MKT") ? 0 : tok_is(k, "LMT") || tok_is(k, "STP") ? 1 : tok_is(k, "STP_LMT") ? 2 : 9;
    if (need == 9) return QC_OK; /* not a type word: maybe a time in force */
    if (need > 0 && *i + need >= n) return bad(err, "missing price after the order type", k);
    if (need == 0) o->type = QC_ORD_MARKET;
    else if (tok_is(k, "LMT")) o->type = QC_ORD_LIMIT;
    else if (tok_is(k, "STP")) o->type = QC_ORD_STOP;
    else o->type = QC_ORD_STOP_LIMIT;
    double a = 0, b = 0;
    if (need >= 1 && !positive(t[*i + 1], &a)) return bad(err, "price must be a positive number", t[*i + 1]);
    if (need == 2 && !positive(t[*i + 2], &b)) return bad(err, "limit price must be a positive number", t[*i + 2]);
    if (o->type == QC_ORD_LIMIT) o->limit_price = a;
    if (o->type == QC_ORD_STOP) o->stop_price = a;
    if (o->type == QC_ORD_STOP_LIMIT) o->stop_price = a, o->limit_price = b;
    *i += need + 1;
    return QC_OK;
}

qc_err qc_risk_parse_order(const char *s, size_t len, qc_risk_order_text *o, qc_error *err) {
    memset(o, 0, sizeof *o);
    o->type = QC_ORD_MARKET;
    o->tif = QC_TIF_DAY;
    if (len > ORDER_TEXT_MAX) return qc_err_set(err, QC_ERR_INPUT, "order: longer than %d characters", ORDER_TEXT_MAX);
    if (memchr(s, '\0', len)) return qc_err_set(err, QC_ERR_INPUT, "order: contains a NUL byte");
    tok t[8];
    size_t n = tokenize(s, len, t, 8);
    if (n < 3) return qc_err_set(err, QC_ERR_INPUT, "order: expected SIDE QTY SYMBOL [TYPE [PRICES]] [TIF], e.g. "
                                 "\"BUY 100 AAPL LMT 150.00\"");
    if (n > 7) return bad(err, "too many words", t[7]);
    if (tok_is(t[0], "BUY")) o->side = QC_BUY;
    else if (tok_is(t[0], "SELL")) o->side = QC_SELL;
    else return bad(err, "side must be BUY or SELL", t[0]);
    if (!positive(t[1], &o->qty)) return bad(err, "quantity must be a positive number", t[1]);
    if (!symbol_ok(t[2])) return bad(err, "symbol must be 1-31 characters of A-Z a-z 0-9 . - _ / ^ =", t[2]);
    memcpy(o->symbol, t[2].p, t[2].n);
    o->symbol[t[2].n] = '\0';
    size_t i = 3;
    qc_err rc = parse_type(t, n, &i, o, err);
    if (rc) return rc;
    if (i < n) {
        if (tok_is(t[i], "DAY")) o->tif = QC_TIF_DAY;
        else if (tok_is(t[i], "GTC")) o->tif = QC_TIF_GTC;
        else if (tok_is(t[i], "IOC")) o->tif = QC_TIF_IOC;
        else return bad(err, "expected MKT, LMT, STP, STP_LMT, DAY, GTC or IOC", t[i]);
        i++;
    }
    if (i < n) return bad(err, "unexpected word after the time in force", t[i]);
    return QC_OK;
}

/* ---- the state file -------------------------------------------------------------------------- */

void qc_risk_state_free(qc_risk_state *st) {
    free(st->sym);
    free(st->ord);
    memset(st, 0, sizeof *st);
}

/* An optional number: NaN when absent; err when present but not a finite number (or < 0 if nonneg). */
static int opt_num(const cJSON *o, const char *key, int nonneg, double *out) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    *out = NAN;
    if (!v) return 0;
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || (nonneg && v->valuedouble < 0)) return -1;
    *out = v->valuedouble;
    return 0;
}

static int opt_str(const cJSON *o, const char *key, char *dst, size_t n) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v) return 0;
    if (!cJSON_IsString(v) || strlen(v->valuestring) >= n) return -1;
    qc_strlcpy(dst, v->valuestring, n);
    return 0;
}

static qc_err parse_symbol(const cJSON *it, size_t k, const char *label, qc_risk_state_symbol *s, qc_error *err) {
    memset(s, 0, sizeof *s);
    const cJSON *rs = cJSON_GetObjectItemCaseSensitive(it, "restricted");
    tok name = {0};
    const cJSON *sv = cJSON_GetObjectItemCaseSensitive(it, "symbol");
    if (cJSON_IsString(sv)) name = (tok){sv->valuestring, strlen(sv->valuestring)};
    if (!cJSON_IsObject(it) || !symbol_ok(name))
        return qc_err_set(err, QC_ERR_INPUT, "%s: symbols[%zu]: needs \"symbol\" (1-31 characters of A-Z a-z 0-9 . - _ / ^ =)",
                          label, k);
    memcpy(s->symbol, name.p, name.n);
    double qty;
    if (opt_num(it, "qty", 0, &qty) || opt_num(it, "avg_cost", 1, &s->avg_cost) || opt_num(it, "mark", 1, &s->mark) ||
        opt_num(it, "max_long", 1, &s->max_long_qty) || opt_num(it, "max_short", 1, &s->max_short_qty) ||
        opt_num(it, "lot_size", 1, &s->lot_size) || opt_num(it, "tick_size", 1, &s->tick_size) ||
        opt_str(it, "sector", s->sector, sizeof s->sector) || (rs && !cJSON_IsBool(rs)))
        return qc_err_set(err, QC_ERR_INPUT, "%s: symbols[%zu] (%s): qty is a number; avg_cost, mark, max_long, max_short, "
                          "lot_size, tick_size numbers >= 0; sector a string under 32 bytes; restricted true/false",
                          label, k, s->symbol);
    s->qty = isnan(qty) ? 0 : qty;
    if (fabs(s->qty) > STATE_QTY_MAX || s->avg_cost > STATE_PRICE_MAX || s->mark > STATE_PRICE_MAX)
        return qc_err_set(err, QC_ERR_INPUT, "%s: symbols[%zu] (%s): |qty| must be <= %g and prices <= %g", label, k,
                          s->symbol, STATE_QTY_MAX, STATE_PRICE_MAX);
    if (s->qty != 0 && !(s->avg_cost > 0))
        return qc_err_set(err, QC_ERR_INPUT, "%s: symbols[%zu] (%s): a position needs \"avg_cost\" > 0", label, k, s->symbol);
    s->restricted = cJSON_IsTrue(rs);
    return QC_OK;
}

static qc_err parse_order(const cJSON *it, size_t k, const char *label, qc_risk_state_order *o, qc_error *err) {
    memset(o, 0, sizeof *o);
    const cJSON *sv = cJSON_GetObjectItemCaseSensitive(it, "symbol");
    const cJSON *sd = cJSON_GetObjectItemCaseSensitive(it, "side");
    tok name = {0};
    if (cJSON_IsString(sv)) name = (tok){sv->valuestring, strlen(sv->valuestring)};
    int side_ok = cJSON_IsString(sd) && (qc_str_ieq(sd->valuestring, "BUY") || qc_str_ieq(sd->valuestring, "SELL"));
    if (!cJSON_IsObject(it) || !symbol_ok(name) || !side_ok || opt_num(it, "qty", 1, &o->qty) || !(o->qty > 0) ||
        opt_num(it, "price", 1, &o->price) || opt_str(it, "strategy", o->strategy, sizeof o->strategy))
        return qc_err_set(err, QC_ERR_INPUT, "%s: open_orders[%zu]: needs \"symbol\", \"side\" BUY|SELL, \"qty\" > 0; "
                          "optional \"price\" >= 0 and \"strategy\" (a name)", label, k);
    memcpy(o->symbol, name.p, name.n);
    if (o->qty > STATE_QTY_MAX || o->price > STATE_PRICE_MAX)
        return qc_err_set(err, QC_ERR_INPUT, "%s: open_orders[%zu]: qty must be <= %g and price <= %g", label, k,
                          STATE_QTY_MAX, STATE_PRICE_MAX);
    o->side = qc_str_ieq(sd->valuestring, "BUY") ? QC_BUY : QC_SELL;
    return QC_OK;
}

static qc_err parse_arrays(const cJSON *root, const char *label, qc_risk_state *st, qc_error *err) {
    const cJSON *sy = cJSON_GetObjectItemCaseSensitive(root, "symbols");
    const cJSON *oo = cJSON_GetObjectItemCaseSensitive(root, "open_orders");
    if ((sy && !cJSON_IsArray(sy)) || (oo && !cJSON_IsArray(oo)))
        return qc_err_set(err, QC_ERR_INPUT, "%s: \"symbols\" and \"open_orders\" must be arrays", label);
    size_t ns = sy ? (size_t)cJSON_GetArraySize(sy) : 0, no = oo ? (size_t)cJSON_GetArraySize(oo) : 0;
    if (ns > STATE_MAX_ENTRIES || no > STATE_MAX_ENTRIES)
        return qc_err_set(err, QC_ERR_INPUT, "%s: more than %d entries", label, STATE_MAX_ENTRIES);
    st->sym = calloc(ns + 1, sizeof *st->sym);
    st->ord = calloc(no + 1, sizeof *st->ord);
    if (!st->sym || !st->ord) return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    qc_err rc = QC_OK;
    for (const cJSON *it = sy ? sy->child : NULL; !rc && it; it = it->next, st->n_sym++) {
        rc = parse_symbol(it, st->n_sym, label, &st->sym[st->n_sym], err);
        for (size_t j = 0; !rc && j < st->n_sym; j++)
            if (strcmp(st->sym[j].symbol, st->sym[st->n_sym].symbol) == 0)
                rc = qc_err_set(err, QC_ERR_INPUT, "%s: symbols[%zu]: %s listed twice", label, st->n_sym, st->sym[j].symbol);
    }
    for (const cJSON *it = oo ? oo->child : NULL; !rc && it; it = it->next, st->n_ord++)
        rc = parse_order(it, st->n_ord, label, &st->ord[st->n_ord], err);
    return rc;
}

qc_err qc_risk_state_parse(const char *text, size_t len, const char *label, qc_risk_state *st, qc_error *err) {
    memset(st, 0, sizeof *st);
    st->cash = st->day_start_pnl = st->day_peak_pnl = NAN;
    cJSON *root = cJSON_ParseWithLength(text, len);
    if (!root) return qc_err_set(err, QC_ERR_INPUT, "%s: not valid JSON", label);
    qc_err rc = QC_OK;
    if (!cJSON_IsObject(root)) rc = qc_err_set(err, QC_ERR_INPUT, "%s: expected a JSON object", label);
    else if (opt_num(root, "cash", 0, &st->cash) || opt_num(root, "day_start_pnl", 0, &st->day_start_pnl) ||
             opt_num(root, "day_peak_pnl", 0, &st->day_peak_pnl))
        rc = qc_err_set(err, QC_ERR_INPUT, "%s: cash, day_start_pnl and day_peak_pnl must be numbers", label);
    if (!rc) rc = parse_arrays(root, label, st, err);
    cJSON_Delete(root);
    if (rc) qc_risk_state_free(st);
    return rc;
}

static qc_err apply_symbol(qc_risk *r, const qc_risk_state_symbol *s, int64_t now, qc_error *err) {
    long i = qc_risk_find_symbol(r, s->symbol);
    if (i < 0) return qc_err_set(err, QC_ERR_INPUT, "state: symbol %s is not in the engine's universe", s->symbol);
    qc_risk_symbol_cfg c;
    qc_risk_symbol_cfg_init(&c);
    c.max_long_qty = s->max_long_qty;
    c.max_short_qty = s->max_short_qty;
    c.lot_size = s->lot_size;
    c.tick_size = s->tick_size;
    c.restricted = s->restricted || r->sym[i].restricted;
    c.sector = s->sector[0] ? qc_risk_add_sector(r, s->sector) : -1;
    if (s->sector[0] && c.sector < 0)
        return qc_err_set(err, QC_ERR_INPUT, "state: more than %d sectors", QC_RISK_MAX_SECTORS);
    qc_err rc = qc_risk_set_symbol(r, (uint32_t)i, &c, err);
    if (rc) return rc;
    if (s->mark > 0) qc_risk_on_mark(r, (uint32_t)i, s->mark, now); /* first: the fill must not set the mark */
    if (s->qty != 0)
        qc_risk_on_fill(r, 0, (uint32_t)i, s->qty > 0 ? QC_BUY : QC_SELL, fabs(s->qty), s->avg_cost, 0, 0, now);
    return QC_OK;
}

qc_err qc_risk_state_apply(qc_risk *r, const qc_risk_state *st, int64_t now_ns, qc_error *err) {
    qc_risk_limits keep = r->lim;
    /* loading is not trading: no loss limit may engage while positions and marks arrive */
    r->lim.max_daily_loss = r->lim.max_drawdown = r->lim.strategy_max_daily_loss = r->lim.strategy_max_drawdown = 0;
    if (st->cash >= 0) r->initial_cash = st->cash;
    qc_err rc = QC_OK;
    for (size_t k = 0; !rc && k < st->n_sym; k++) rc = apply_symbol(r, &st->sym[k], now_ns, err);
    for (size_t k = 0; !rc && k < st->n_ord; k++) {
        const qc_risk_state_order *o = &st->ord[k];
        long i = qc_risk_find_symbol(r, o->symbol);
        if (i < 0) {
            rc = qc_err_set(err, QC_ERR_INPUT, "state: open order on %s, not in the engine's universe", o->symbol);
            break;
        }
        risk_sym *s = &r->sym[i];
        *(o->side == QC_BUY ? &s->open_buy : &s->open_sell) += o->qty;
        if (!(s->val > 0) && o->price > 0) s->val = o->price;
        qc_risk__sym_refresh(r, s);
    }
    r->lim = keep;
    if (rc) return rc;
    qc_risk_day_start(r, now_ns);
    double total = r->realized + r->unreal;
    if (isfinite(st->day_start_pnl)) r->day_start = st->day_start_pnl;
    double peak = isfinite(st->day_peak_pnl) ? st->day_peak_pnl : r->day_start;
    r->day_peak = fmax(fmax(peak, r->day_start), total);
    return QC_OK;
}
