/* fuzz_risk_state.c: libFuzzer target for the risk engine's JSON inputs: the state file of
 * `quantcli risk check --state` (qc_risk_state_parse + qc_risk_state_apply) and the persisted kill
 * switch (qc_risk_kill_list_parse). An accepted state must load into an engine over its symbols,
 * and every symbol must then take an order through the whole check suite and a fill, with the
 * incremental totals equal to a re-sum; rejections are QC_ERR_INPUT with a message. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "risk/risk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void use_state(const qc_risk_state *st) {
    const char **names = calloc(st->n_sym + 1, sizeof *names);
    if (!names) return;
    for (size_t i = 0; i < st->n_sym; i++) names[i] = st->sym[i].symbol;
    qc_risk_limits l;
    qc_risk_limits_init(&l);
    l.max_gross = 1e6;
    l.max_long_qty = 1000;
    l.collar_pct = 5;
    l.max_daily_loss = 100;
    qc_risk *r = NULL;
    qc_error err = {0};
    if (qc_risk_new(&l, names, st->n_sym, 1, 1e5, &r, &err)) abort();
    free(names);
    if (qc_risk_state_apply(r, st, 0, &err) == QC_OK) {
        for (uint32_t s = 0; s < st->n_sym && s < 64; s++) {
            qc_risk_order o = {.symbol = s, .side = QC_BUY, .type = QC_ORD_LIMIT, .qty = 10, .limit_price = 10};
            qc_risk_verdict v[QC_RISK_CHK__COUNT], one;
            if (qc_risk_explain(r, &o, 1, v) != qc_risk_check(r, &o, 1, &one)) abort();
            qc_risk_on_fill(r, 0, s, QC_SELL, 5, 10, 0, 0, 2);
        }
        qc_risk_pnl a, b;
        qc_risk_pnl_get(r, -1, &a);
        qc_risk_resync(r);
        qc_risk_pnl_get(r, -1, &b);
        /* incremental sums are exact up to rounding of the largest term they ever held */
        double scale = 1e3;
        for (size_t i = 0; i < st->n_sym; i++) scale += fabs(st->sym[i].qty) * (st->sym[i].avg_cost + st->sym[i].mark);
        for (size_t i = 0; i < st->n_ord; i++) scale += st->ord[i].qty * (st->ord[i].price + 10);
        if (fabs(a.gross - b.gross) > 1e-9 * scale) abort();
    } else if (err.code != QC_ERR_INPUT) abort();
    qc_risk_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    qc_risk_state st;
    qc_error err = {0};
    qc_err rc = qc_risk_state_parse((const char *)data, size, "fuzz", &st, &err);
    if (rc == QC_OK) {
        use_state(&st);
        qc_risk_state_free(&st);
    } else if (rc != QC_ERR_INPUT || !err.msg[0]) abort();
    qc_risk_kill_list kl;
    qc_error_clear(&err);
    rc = qc_risk_kill_list_parse((const char *)data, size, "fuzz", &kl, &err);
    if (rc == QC_OK) qc_risk_kill_list_free(&kl);
    else if (rc != QC_ERR_INPUT || !err.msg[0]) abort();
    return 0;
}
