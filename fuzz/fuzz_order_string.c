/* fuzz_order_string.c: libFuzzer target for the order string of `quantcli risk check --order`
 * (qc_risk_parse_order). An accepted order must be well-formed (side, qty > 0, a symbol, the prices
 * its type needs), survive printing and re-parsing unchanged, and go through the whole check suite
 * (qc_risk_explain and qc_risk_check) of an engine with every check on; a rejection must be
 * QC_ERR_INPUT with a message. abort() flags a violated invariant. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "risk/risk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static qc_risk *engine(const char *sym) {
    qc_risk_limits l;
    qc_risk_limits_init(&l);
    l.max_order_qty = 1000;
    l.max_order_notional = 1e6;
    l.min_order_qty = 1;
    l.lot_size = 1;
    l.tick_size = 0.01;
    l.collar_pct = 10;
    l.max_long_qty = l.max_short_qty = 500;
    l.max_gross = l.max_net = 1e6;
    l.max_daily_loss = l.max_drawdown = 1e4;
    l.orders_per_sec = l.messages_per_sec = 100;
    l.duplicate_window_ns = 1000000;
    l.leverage = 1;
    qc_risk *r = NULL;
    if (qc_risk_new(&l, &sym, 1, 1, 1e5, &r, NULL)) abort();
    qc_risk_on_mark(r, 0, 100, 0);
    return r;
}

static void run_checks(const qc_risk_order_text *t) {
    qc_risk *r = engine(t->symbol);
    qc_risk_order o = {.symbol = 0, .side = t->side, .type = t->type, .tif = t->tif, .qty = t->qty,
                       .limit_price = t->limit_price, .stop_price = t->stop_price};
    qc_risk_verdict v[QC_RISK_CHK__COUNT], one;
    qc_err a = qc_risk_explain(r, &o, 1, v);
    qc_err b = qc_risk_check(r, &o, 1, &one);
    if (a != b || v[0].check != one.check) abort();
    char buf[512];
    if (qc_risk_verdict_format(r, &one, buf, sizeof buf) == 0) abort();
    qc_risk_free(r);
}

static void round_trip(const qc_risk_order_text *t) {
    static const char *types[] = {"MKT", "LMT", "STP", "STP_LMT"}, *tifs[] = {"DAY", "GTC", "IOC"};
    char buf[256];
    int n;
    if (t->type == QC_ORD_STOP_LIMIT)
        n = snprintf(buf, sizeof buf, "%s %.17g %s %s %.17g %.17g %s", t->side == QC_BUY ? "BUY" : "SELL", t->qty,
                     t->symbol, types[t->type], t->stop_price, t->limit_price, tifs[t->tif]);
    else
        n = snprintf(buf, sizeof buf, "%s %.17g %s %s %.17g %s", t->side == QC_BUY ? "BUY" : "SELL", t->qty, t->symbol,
                     types[t->type], t->type == QC_ORD_LIMIT ? t->limit_price : t->stop_price, tifs[t->tif]);
    if (t->type == QC_ORD_MARKET)
        n = snprintf(buf, sizeof buf, "%s %.17g %s MKT %s", t->side == QC_BUY ? "BUY" : "SELL", t->qty, t->symbol,
                     tifs[t->tif]);
    qc_risk_order_text u;
    qc_error err = {0};
    if (n <= 0 || qc_risk_parse_order(buf, (size_t)n, &u, &err) != QC_OK) abort();
    if (u.side != t->side || u.qty != t->qty || strcmp(u.symbol, t->symbol) != 0 || u.type != t->type ||
        u.tif != t->tif || u.limit_price != t->limit_price || u.stop_price != t->stop_price)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    qc_risk_order_text t;
    qc_error err = {0};
    qc_err rc = qc_risk_parse_order((const char *)data, size, &t, &err);
    if (rc) {
        if (rc != QC_ERR_INPUT || !err.msg[0]) abort();
        return 0;
    }
    if ((t.side != QC_BUY && t.side != QC_SELL) || !(t.qty > 0) || !isfinite(t.qty) || !t.symbol[0]) abort();
    int lim = t.type == QC_ORD_LIMIT || t.type == QC_ORD_STOP_LIMIT, stp = t.type == QC_ORD_STOP || t.type == QC_ORD_STOP_LIMIT;
    if (lim != (t.limit_price > 0) || stp != (t.stop_price > 0)) abort();
    round_trip(&t);
    run_checks(&t);
    return 0;
}
