/* cmd_risk.c: `quantcli risk check|limits|kill|release|bench` over src/risk/risk.h. `check` builds
 * an engine from the risk.* config, an optional JSON state file (positions, marks, open orders) and
 * the persisted kill switch, and explains every check's verdict for one order string (exit 7 when
 * any rejects); `limits` shows the configured limits with current usage; `kill`/`release` edit the
 * persisted kill switch (risk.kill_switch.file); `bench` runs the latency benchmark. docs/RISK.md. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/time.h"
#include "risk/risk.h"

#define STATE_FILE_MAX (64u << 20)

static const char *kill_path(const qc_cli *cli) {
    const char *p = qc_config_get(cli->cfg, "risk.kill_switch.file");
    return p && *p ? p : "./quantcli-kill.json";
}

static qc_err read_file(const char *path, char **out, size_t *len, qc_error *err) {
    FILE *f = fopen(path, "rb");
    if (!f) return qc_err_set(err, QC_ERR_INPUT, "cannot open '%s'", path);
    char *buf = malloc(STATE_FILE_MAX);
    size_t n = buf ? fread(buf, 1, STATE_FILE_MAX, f) : 0;
    int bad = !buf || ferror(f) || n == STATE_FILE_MAX;
    fclose(f);
    if (bad) {
        free(buf);
        return qc_err_set(err, buf ? QC_ERR_INPUT : QC_ERR_NOMEM, "cannot read '%s' (error or over 64 MiB)", path);
    }
    *out = buf;
    *len = n;
    return QC_OK;
}

/* An engine over the state's symbols plus `extra`, with the config's limits and restricted list,
 * the state applied and the persisted kill switch loaded. */
static qc_err build_engine(qc_cli *cli, const qc_args *a, const char *extra, const char *strategy, qc_risk **out,
                           qc_error *err) {
    *out = NULL;
    qc_risk_limits l;
    qc_err rc = qc_risk_limits_from_config(cli->cfg, &l, err);
    if (rc) return rc;
    qc_risk_state st = {0};
    const char *path = qc_args_get(a, "state");
    if (path) {
        char *text;
        size_t n;
        if ((rc = read_file(path, &text, &n, err))) return rc;
        rc = qc_risk_state_parse(text, n, path, &st, err);
        free(text);
        if (rc) return rc;
    }
    const char **names = calloc(st.n_sym + 1, sizeof *names);
    if (!names) {
        qc_risk_state_free(&st);
        return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    }
    size_t n = 0;
    for (size_t i = 0; i < st.n_sym; i++) names[n++] = st.sym[i].symbol;
    int have = !extra;
    for (size_t i = 0; extra && i < n; i++) have |= strcmp(names[i], extra) == 0;
    if (!have) names[n++] = extra;
    rc = qc_risk_new(&l, names, n, 1, isfinite(st.cash) ? st.cash : 0, out, err);
    free(names);
    if (!rc) rc = qc_risk_set_strategy_name(*out, 0, strategy, err);
    if (!rc) {
        qc_risk_set_restricted_list(*out, qc_config_get(cli->cfg, "risk.restricted"));
        rc = qc_risk_state_apply(*out, &st, qc_time_now_ns(), err);
    }
    if (!rc) rc = qc_risk_kill_load(*out, kill_path(cli), err);
    qc_risk_state_free(&st);
    if (rc) {
        qc_risk_free(*out);
        *out = NULL;
    }
    return rc;
}

/* ---- risk check ------------------------------------------------------------------------------ */

static void limit_text(const qc_risk_limits *l, qc_risk_check_id id, char *buf, size_t n) {
    switch (id) {
    case QC_RISK_CHK_MAX_QTY: snprintf(buf, n, "%.10g", l->max_order_qty); break;
    case QC_RISK_CHK_MAX_NOTIONAL: snprintf(buf, n, "%.10g", l->max_order_notional); break;
    case QC_RISK_CHK_MIN_QTY: snprintf(buf, n, "%.10g", l->min_order_qty); break;
    case QC_RISK_CHK_LOT: snprintf(buf, n, "%.10g", l->lot_size); break;
    case QC_RISK_CHK_TICK: snprintf(buf, n, "%.10g (<1: %.10g)", l->tick_size, l->tick_size_below_1); break;
    case QC_RISK_CHK_COLLAR: snprintf(buf, n, "%.10g%% / %.10g ticks", l->collar_pct, l->collar_ticks); break;
    case QC_RISK_CHK_POS_LONG: snprintf(buf, n, "%.10g", l->max_long_qty); break;
    case QC_RISK_CHK_POS_SHORT: snprintf(buf, n, "%.10g", l->max_short_qty); break;
    case QC_RISK_CHK_GROSS: snprintf(buf, n, "%.10g", l->max_gross); break;
    case QC_RISK_CHK_NET: snprintf(buf, n, "%.10g", l->max_net); break;
    case QC_RISK_CHK_DAILY_LOSS: snprintf(buf, n, "%.10g / strategy %.10g", l->max_daily_loss, l->strategy_max_daily_loss); break;
    case QC_RISK_CHK_DRAWDOWN: snprintf(buf, n, "%.10g / strategy %.10g", l->max_drawdown, l->strategy_max_drawdown); break;
    case QC_RISK_CHK_ORDER_RATE: snprintf(buf, n, "%.10g/s burst %.10g", l->orders_per_sec, l->order_burst > 0 ? l->order_burst : l->orders_per_sec); break;
    case QC_RISK_CHK_MSG_RATE: snprintf(buf, n, "%.10g/s burst %.10g", l->messages_per_sec, l->message_burst > 0 ? l->message_burst : l->messages_per_sec); break;
    case QC_RISK_CHK_DUPLICATE: snprintf(buf, n, "%.10g ms", (double)l->duplicate_window_ns * 1e-6); break;
    case QC_RISK_CHK_BUYING_POWER: snprintf(buf, n, "equity x %.10g", l->leverage); break;
    default: snprintf(buf, n, "-");
    }
}

static const char *status_of(const qc_risk *r, const qc_risk_verdict *v, qc_risk_check_id id) {
    if (v->check != QC_RISK_PASS) return "reject";
    return qc_risk_limits_check_enabled(qc_risk_get_limits(r), id) ? "pass" : "off";
}

static void print_check_json(const qc_risk *r, const qc_risk_order_text *t, const qc_risk_verdict *v) {
    cJSON *root = cJSON_CreateObject(), *oj = cJSON_CreateObject(), *arr = cJSON_CreateArray();
    cJSON_AddStringToObject(oj, "side", t->side == QC_BUY ? "BUY" : "SELL");
    cJSON_AddNumberToObject(oj, "qty", t->qty);
    cJSON_AddStringToObject(oj, "symbol", t->symbol);
    cJSON_AddStringToObject(oj, "type", qc_order_type_name(t->type));
    if (t->limit_price > 0) cJSON_AddNumberToObject(oj, "limit_price", t->limit_price);
    if (t->stop_price > 0) cJSON_AddNumberToObject(oj, "stop_price", t->stop_price);
    cJSON_AddStringToObject(oj, "tif", qc_tif_name(t->tif));
    cJSON_AddItemToObject(root, "order", oj);
    cJSON_AddBoolToObject(root, "accepted", v[0].check == QC_RISK_PASS);
    char msg[QC_ERROR_MSG_MAX];
    if (v[0].check == QC_RISK_PASS) {
        cJSON_AddNullToObject(root, "rejected_by");
        cJSON_AddNullToObject(root, "error");
    } else {
        cJSON_AddStringToObject(root, "rejected_by", qc_risk_check_name(v[0].check));
        cJSON_AddStringToObject(root, "error", qc_err_name(v[0].code));
    }
    for (int i = 1; i < QC_RISK_CHK__COUNT; i++) {
        cJSON *c = cJSON_CreateObject();
        char lim[96];
        cJSON_AddStringToObject(c, "check", qc_risk_check_name((qc_risk_check_id)i));
        cJSON_AddStringToObject(c, "status", status_of(r, &v[i], (qc_risk_check_id)i));
        limit_text(qc_risk_get_limits(r), (qc_risk_check_id)i, lim, sizeof lim);
        cJSON_AddStringToObject(c, "limit", lim);
        if (v[i].check != QC_RISK_PASS) {
            qc_risk_verdict_format(r, &v[i], msg, sizeof msg);
            cJSON_AddStringToObject(c, "message", msg);
            if (isfinite(v[i].value)) cJSON_AddNumberToObject(c, "value", v[i].value);
            else cJSON_AddNullToObject(c, "value");
        }
        cJSON_AddItemToArray(arr, c);
    }
    cJSON_AddItemToObject(root, "checks", arr);
    qc_out_json(stdout, root);
}

static void print_check_table(const qc_risk *r, const qc_risk_verdict *v) {
    enum { N = QC_RISK_CHK__COUNT, W = 200 };
    static const char *hdr[] = {"check", "status", "limit", "detail"};
    char names[N][32], st[N][16], lim[N][96], det[N][W];
    char *cells[N * 4];
    size_t rows = 0;
    for (int i = 1; i < N; i++, rows++) {
        snprintf(names[rows], sizeof names[rows], "%s", qc_risk_check_name((qc_risk_check_id)i));
        snprintf(st[rows], sizeof st[rows], "%s", status_of(r, &v[i], (qc_risk_check_id)i));
        limit_text(qc_risk_get_limits(r), (qc_risk_check_id)i, lim[rows], sizeof lim[rows]);
        if (v[i].check != QC_RISK_PASS) qc_risk_verdict_format(r, &v[i], det[rows], W);
        else snprintf(det[rows], W, "-");
        cells[4 * rows] = names[rows];
        cells[4 * rows + 1] = st[rows];
        cells[4 * rows + 2] = lim[rows];
        cells[4 * rows + 3] = det[rows];
    }
    qc_out_table(stdout, hdr, 4, cells, rows);
    char msg[QC_ERROR_MSG_MAX];
    qc_risk_verdict_format(r, &v[0], msg, sizeof msg);
    printf("result: %s\n", v[0].check == QC_RISK_PASS ? "ACCEPTED" : "REJECTED");
}

static int cmd_check(qc_cli *cli, qc_args *a) {
    qc_error err = {0};
    const char *text = qc_args_get(a, "order");
    if (!text) {
        qc_err_set(&err, QC_ERR_USAGE, "risk check: --order \"SIDE QTY SYMBOL [TYPE PRICES] [TIF]\" is required");
        return qc_cli_fail(&err);
    }
    qc_risk_order_text t;
    if (qc_risk_parse_order(text, strlen(text), &t, &err)) return qc_cli_fail(&err);
    const char *strategy = qc_args_get(a, "strategy");
    qc_risk *r;
    if (build_engine(cli, a, t.symbol, strategy ? strategy : "0", &r, &err)) return qc_cli_fail(&err);
    qc_risk_order o = {.symbol = (uint32_t)qc_risk_find_symbol(r, t.symbol), .strategy = 0, .side = t.side,
                       .type = t.type, .tif = t.tif, .qty = t.qty, .limit_price = t.limit_price,
                       .stop_price = t.stop_price};
    qc_risk_verdict v[QC_RISK_CHK__COUNT];
    qc_risk_explain(r, &o, qc_time_now_ns(), v);
    if (qc_args_has(a, "json")) print_check_json(r, &t, v);
    else print_check_table(r, v);
    int rc = 0;
    if (v[0].check != QC_RISK_PASS) {
        qc_risk_verdict_error(r, &v[0], &err);
        qc_err_prefix(&err, "order rejected: ");
        rc = qc_cli_fail(&err);
    }
    qc_risk_free(r);
    return rc;
}

/* ---- risk limits ----------------------------------------------------------------------------- */

static const char *const k_keys[QC_RISK_CHK__COUNT] = {
    [QC_RISK_CHK_VALID] = "-",
    [QC_RISK_CHK_KILL_SWITCH] = "risk.kill_switch.file",
    [QC_RISK_CHK_RESTRICTED] = "risk.restricted",
    [QC_RISK_CHK_MAX_QTY] = "risk.order.max_qty",
    [QC_RISK_CHK_MAX_NOTIONAL] = "risk.order.max_notional",
    [QC_RISK_CHK_MIN_QTY] = "risk.order.min_qty",
    [QC_RISK_CHK_LOT] = "risk.order.lot_size",
    [QC_RISK_CHK_TICK] = "risk.order.tick_size(_below_1)",
    [QC_RISK_CHK_COLLAR] = "risk.collar.pct / .ticks",
    [QC_RISK_CHK_POS_LONG] = "risk.position.max_long",
    [QC_RISK_CHK_POS_SHORT] = "risk.position.max_short",
    [QC_RISK_CHK_GROSS] = "risk.exposure.max_gross",
    [QC_RISK_CHK_NET] = "risk.exposure.max_net",
    [QC_RISK_CHK_DAILY_LOSS] = "risk.loss.(strategy_)max_daily",
    [QC_RISK_CHK_DRAWDOWN] = "risk.loss.(strategy_)max_drawdown",
    [QC_RISK_CHK_ORDER_RATE] = "risk.rate.orders_per_sec, order_burst",
    [QC_RISK_CHK_MSG_RATE] = "risk.rate.messages_per_sec, message_burst",
    [QC_RISK_CHK_DUPLICATE] = "risk.duplicate.window_ms",
    [QC_RISK_CHK_BUYING_POWER] = "risk.buying_power.leverage",
};

/* Current usage of an account-level limit; "" when the limit is per order or per symbol. */
static void usage_text(const qc_risk *r, const qc_risk_pnl *p, qc_risk_check_id id, char *buf, size_t n) {
    const qc_risk_limits *l = qc_risk_get_limits(r);
    buf[0] = '\0';
    switch (id) {
    case QC_RISK_CHK_KILL_SWITCH:
        snprintf(buf, n, "%s", qc_risk_is_killed(r, QC_RISK_SCOPE_GLOBAL, 0) ? "GLOBAL ENGAGED" : "global released");
        break;
    case QC_RISK_CHK_GROSS: snprintf(buf, n, "%.10g", p->gross_with_orders); break;
    case QC_RISK_CHK_NET:
        snprintf(buf, n, "%.10g", fmax(p->net_long_with_orders, -p->net_short_with_orders));
        break;
    case QC_RISK_CHK_DAILY_LOSS: snprintf(buf, n, "%.10g", p->day_pnl < 0 ? -p->day_pnl : 0.0); break;
    case QC_RISK_CHK_DRAWDOWN: snprintf(buf, n, "%.10g", p->drawdown); break;
    case QC_RISK_CHK_BUYING_POWER:
        snprintf(buf, n, "%.10g of %.10g", p->gross_with_orders, p->equity * l->leverage);
        break;
    default: break;
    }
}

static void print_limits_json(const qc_risk *r, const qc_risk_pnl *p, const qc_risk_kill_list *kl) {
    cJSON *root = cJSON_CreateObject(), *arr = cJSON_CreateArray(), *acct = cJSON_CreateObject();
    cJSON_AddBoolToObject(root, "enabled", qc_risk_get_limits(r)->enabled);
    for (int i = 1; i < QC_RISK_CHK__COUNT; i++) {
        cJSON *c = cJSON_CreateObject();
        char lim[96], use[96];
        limit_text(qc_risk_get_limits(r), (qc_risk_check_id)i, lim, sizeof lim);
        usage_text(r, p, (qc_risk_check_id)i, use, sizeof use);
        cJSON_AddStringToObject(c, "check", qc_risk_check_name((qc_risk_check_id)i));
        cJSON_AddStringToObject(c, "key", k_keys[i]);
        cJSON_AddBoolToObject(c, "enabled", qc_risk_limits_check_enabled(qc_risk_get_limits(r), (qc_risk_check_id)i));
        cJSON_AddStringToObject(c, "limit", lim);
        cJSON_AddStringToObject(c, "usage", use);
        cJSON_AddItemToArray(arr, c);
    }
    cJSON_AddItemToObject(root, "limits", arr);
    const struct {
        const char *k;
        double v;
    } kv[] = {{"equity", p->equity},          {"realized", p->realized},   {"unrealized", p->unrealized},
              {"day_pnl", p->day_pnl},        {"drawdown", p->drawdown},   {"gross", p->gross},
              {"net", p->net},                {"gross_with_orders", p->gross_with_orders}};
    for (size_t i = 0; i < sizeof kv / sizeof kv[0]; i++) cJSON_AddNumberToObject(acct, kv[i].k, kv[i].v);
    cJSON_AddItemToObject(root, "account", acct);
    cJSON *ks = cJSON_CreateArray();
    for (size_t i = 0; i < kl->n; i++) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "scope", qc_risk_scope_name(kl->e[i].scope));
        cJSON_AddStringToObject(e, "name", kl->e[i].name);
        cJSON_AddStringToObject(e, "reason", kl->e[i].reason);
        cJSON_AddItemToArray(ks, e);
    }
    cJSON_AddItemToObject(root, "kill_switches", ks);
    qc_out_json(stdout, root);
}

static void print_limits_table(const qc_risk *r, const qc_risk_pnl *p, const qc_risk_kill_list *kl) {
    enum { N = QC_RISK_CHK__COUNT };
    static const char *hdr[] = {"check", "key", "limit", "usage"};
    char names[N][32], lim[N][96], use[N][96];
    char *cells[N * 4];
    size_t rows = 0;
    for (int i = 1; i < N; i++, rows++) {
        qc_risk_check_id id = (qc_risk_check_id)i;
        snprintf(names[rows], sizeof names[rows], "%s", qc_risk_check_name(id));
        if (qc_risk_limits_check_enabled(qc_risk_get_limits(r), id)) limit_text(qc_risk_get_limits(r), id, lim[rows], 96);
        else snprintf(lim[rows], 96, "off");
        usage_text(r, p, id, use[rows], 96);
        if (!use[rows][0]) snprintf(use[rows], 96, "-");
        cells[4 * rows] = names[rows];
        cells[4 * rows + 1] = (char *)k_keys[i];
        cells[4 * rows + 2] = lim[rows];
        cells[4 * rows + 3] = use[rows];
    }
    if (!qc_risk_get_limits(r)->enabled) printf("risk.enabled is false: every order passes\n");
    qc_out_table(stdout, hdr, 4, cells, rows);
    printf("account: equity %.10g, realized %.10g, unrealized %.10g, day P&L %.10g, gross %.10g, net %.10g\n",
           p->equity, p->realized, p->unrealized, p->day_pnl, p->gross, p->net);
    if (!kl->n) printf("kill switches: none engaged\n");
    for (size_t i = 0; i < kl->n; i++)
        printf("kill switch engaged: %s%s%s%s%s\n", qc_risk_scope_name(kl->e[i].scope), kl->e[i].name[0] ? " " : "",
               kl->e[i].name, kl->e[i].reason[0] ? ": " : "", kl->e[i].reason);
}

static int cmd_limits(qc_cli *cli, qc_args *a) {
    qc_error err = {0};
    qc_risk *r;
    if (build_engine(cli, a, NULL, "0", &r, &err)) return qc_cli_fail(&err);
    qc_risk_kill_list kl;
    if (qc_risk_kill_list_load(kill_path(cli), &kl, &err)) {
        qc_risk_free(r);
        return qc_cli_fail(&err);
    }
    qc_risk_pnl p;
    qc_risk_pnl_get(r, -1, &p);
    if (qc_args_has(a, "json")) print_limits_json(r, &p, &kl);
    else print_limits_table(r, &p, &kl);
    qc_risk_kill_list_free(&kl);
    qc_risk_free(r);
    return 0;
}

/* ---- risk kill / release --------------------------------------------------------------------- */

static qc_err scope_of(const qc_args *a, qc_risk_scope *scope, const char **name, qc_error *err) {
    const char *sym = qc_args_get(a, "symbol"), *st = qc_args_get(a, "strategy");
    if (sym && st) return qc_err_set(err, QC_ERR_USAGE, "risk: give --symbol or --strategy, not both");
    *scope = sym ? QC_RISK_SCOPE_SYMBOL : st ? QC_RISK_SCOPE_STRATEGY : QC_RISK_SCOPE_GLOBAL;
    *name = sym ? sym : st ? st : "";
    return QC_OK;
}

static int switch_cmd(qc_cli *cli, qc_args *a, int engage) {
    qc_error err = {0};
    qc_risk_scope scope;
    const char *name, *path = kill_path(cli);
    if (scope_of(a, &scope, &name, &err)) return qc_cli_fail(&err);
    int all = !engage && qc_args_has(a, "all");
    if (all && scope != QC_RISK_SCOPE_GLOBAL) {
        qc_err_set(&err, QC_ERR_USAGE, "risk release: --all takes no --symbol or --strategy");
        return qc_cli_fail(&err);
    }
    qc_risk_kill_list kl;
    if (qc_risk_kill_list_load(path, &kl, &err)) return qc_cli_fail(&err);
    const char *reason = qc_args_get(a, "reason");
    int changed = all ? kl.n > 0 : qc_risk_kill_list_set(&kl, scope, name, reason ? reason : "by command",
                                                        qc_time_now_ns(), engage, &err);
    if (all) kl.n = 0;
    qc_err rc = changed < 0 ? err.code : qc_risk_kill_list_save(path, &kl, &err);
    qc_risk_kill_list_free(&kl);
    if (rc) return qc_cli_fail(&err);
    const char *what = all ? "all" : qc_risk_scope_name(scope);
    if (qc_args_has(a, "json")) {
        cJSON *root = cJSON_CreateObject();
        cJSON_AddStringToObject(root, "action", engage ? "kill" : "release");
        cJSON_AddStringToObject(root, "scope", what);
        cJSON_AddStringToObject(root, "name", name);
        cJSON_AddBoolToObject(root, "changed", changed > 0);
        cJSON_AddStringToObject(root, "file", path);
        qc_out_json(stdout, root);
    } else
        printf("kill switch %s: %s%s%s%s (%s)\n", engage ? "engaged" : "released", what, *name ? " " : "", name,
               changed ? "" : " (no change)", path);
    return 0;
}

static int cmd_kill(qc_cli *cli, qc_args *a) { return switch_cmd(cli, a, 1); }
static int cmd_release(qc_cli *cli, qc_args *a) { return switch_cmd(cli, a, 0); }

/* ---- risk bench ------------------------------------------------------------------------------ */

static int cmd_bench(qc_cli *cli, qc_args *a) {
    (void)cli;
    qc_error err = {0};
    long long orders = 10000000, symbols = 1000;
    if (qc_args_int(a, "orders", 1, 1000000000, &orders, &err) || qc_args_int(a, "symbols", 1, 1000000, &symbols, &err))
        return qc_cli_fail(&err);
    qc_risk_bench_opts o = {.orders = (size_t)orders, .symbols = (size_t)symbols, .seed = 42};
    qc_risk_bench_result res;
    if (qc_risk_bench(&o, &res, &err)) return qc_cli_fail(&err);
    if (qc_args_has(a, "json")) {
        cJSON *root = cJSON_CreateObject();
        cJSON_AddNumberToObject(root, "orders", (double)res.orders);
        cJSON_AddNumberToObject(root, "symbols", (double)o.symbols);
        cJSON_AddNumberToObject(root, "accepted", (double)res.accepted);
        cJSON_AddNumberToObject(root, "p50_ns", res.p50_ns);
        cJSON_AddNumberToObject(root, "p99_ns", res.p99_ns);
        cJSON_AddNumberToObject(root, "p999_ns", res.p999_ns);
        cJSON_AddNumberToObject(root, "max_ns", res.max_ns);
        cJSON_AddNumberToObject(root, "mean_ns", res.mean_ns);
        cJSON_AddNumberToObject(root, "timer_overhead_ns", res.timer_overhead_ns);
        cJSON_AddNumberToObject(root, "pnl_fill_ns", res.fill_ns);
        cJSON_AddNumberToObject(root, "pnl_mark_ns", res.mark_ns);
        cJSON_AddStringToObject(root, "timer", res.timer);
        qc_out_json(stdout, root);
        return 0;
    }
    printf("orders %zu (%zu accepted), %lld symbols with positions, every check enabled\n", res.orders, res.accepted,
           symbols);
    printf("check latency ns: p50 %.0f  p99 %.0f  p99.9 %.0f  max %.0f  mean %.1f\n", res.p50_ns, res.p99_ns,
           res.p999_ns, res.max_ns, res.mean_ns);
    printf("P&L update ns: per fill %.1f  per mark %.1f\n", res.fill_ns, res.mark_ns);
    printf("timer: %s (%.0f ns)\n", res.timer, res.timer_overhead_ns);
    return 0;
}

/* ---- the table ------------------------------------------------------------------------------- */

static const qc_opt_spec k_check_opts[] = {
    {"order", "TEXT", "the order: SIDE QTY SYMBOL [MKT|LMT P|STP P|STP_LMT S L] [DAY|GTC|IOC]"},
    {"state", "FILE", "JSON state: cash, symbols (positions, marks, limits, sectors), open orders"},
    {"strategy", "NAME", "the strategy placing the order (default 0)"},
    {"json", NULL, "print the verdicts as JSON"},
};
static const qc_opt_spec k_limits_opts[] = {
    {"state", "FILE", "JSON state to measure usage against"},
    {"json", NULL, "print as JSON"},
};
static const qc_opt_spec k_kill_opts[] = {
    {"symbol", "SYM", "engage for one symbol"},
    {"strategy", "NAME", "engage for one strategy"},
    {"reason", "TEXT", "why (kept in the file)"},
    {"json", NULL, "print the result as JSON"},
};
static const qc_opt_spec k_release_opts[] = {
    {"symbol", "SYM", "release one symbol"},
    {"strategy", "NAME", "release one strategy"},
    {"all", NULL, "release every switch"},
    {"json", NULL, "print the result as JSON"},
};
static const qc_opt_spec k_bench_opts[] = {
    {"orders", "N", "orders to time (default 10000000)"},
    {"symbols", "N", "symbols, each with a position (default 1000)"},
    {"json", NULL, "print p50_ns, p99_ns, p999_ns, max_ns, orders, ... as JSON"},
};

#define NOPTS(x) (sizeof x / sizeof x[0])

const qc_command qc_cmd_risk[] = {
    {"risk check", "--order \"BUY 100 AAPL LMT 150.00\" [--state FILE] [--strategy NAME] [--json]",
     "Explain every pre-trade check's verdict for one order; exit 7 if any rejects.",
     "Checks run in order: valid_order, kill_switch, restricted, max_qty, max_notional, min_qty,\n"
     "lot_size, tick_size, price_collar, position_long, position_short, gross_exposure,\n"
     "net_exposure, daily_loss, drawdown, order_rate, message_rate, duplicate, buying_power.\n"
     "Limits come from the risk.* config keys (0 = off); the kill switch from risk.kill_switch.file.\n"
     "Exposure and position limits count open orders as filled. See docs/RISK.md.",
     k_check_opts, NOPTS(k_check_opts), 0, 0, cmd_check},
    {"risk limits", "[--state FILE] [--json]", "Show the configured risk limits, current usage and kill switches.",
     NULL, k_limits_opts, NOPTS(k_limits_opts), 0, 0, cmd_limits},
    {"risk kill", "[--symbol SYM | --strategy NAME] [--reason TEXT] [--json]",
     "Engage the kill switch (global by default); persisted, so it survives restarts.",
     "The switch is written atomically to risk.kill_switch.file; every engine loads it at start.", k_kill_opts,
     NOPTS(k_kill_opts), 0, 0, cmd_kill},
    {"risk release", "[--symbol SYM | --strategy NAME | --all] [--json]",
     "Release a kill switch (global by default) and persist the release.", NULL, k_release_opts,
     NOPTS(k_release_opts), 0, 0, cmd_release},
    {"risk bench", "[--orders N] [--symbols N] [--json]",
     "Latency of the full pre-trade check suite and of P&L updates.",
     "Every check enabled, every symbol holding a position. Each check call is timed with\n"
     "clock_gettime(CLOCK_MONOTONIC), the median timer cost subtracted; P&L updates are timed in batches.",
     k_bench_opts, NOPTS(k_bench_opts), 0, 0, cmd_bench},
};
const size_t qc_cmd_risk_n = NOPTS(qc_cmd_risk);
