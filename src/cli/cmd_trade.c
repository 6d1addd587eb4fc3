/* cmd_trade.c: `quantcli trade --mode paper` (the paper-trading daemon over app/engine.h) and its
 * control commands `trade status|orders|positions|cancel-all|kill|release|stop`, which talk to a
 * running daemon over the Unix socket in its state directory. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "app/engine.h"
#include "cli/cli.h"
#include "cli/universe.h"
#include "core/log.h"
#include "core/strutil.h"
#include "data/synth.h"
#include "strategies/strategies.h"

static const char *state_dir(const qc_cli *cli, const qc_args *a) {
    const char *d = qc_args_get(a, "state-dir");
    if (!d) d = qc_config_get(cli->cfg, "trade.state_dir");
    return d && *d ? d : "./quantcli-trade";
}

/* ---- the feed ---------------------------------------------------------------------------------- */

/* replay:FILE.csv | replay:SYM (the store) through the backtest's loader. */
static const qc_opt_spec k_load_spec[] = {{"data", "F", ""}, {"symbol", "S", ""}, {"calendar", "C", ""}, {"tz", "Z", ""}};

static qc_err load_replay(const qc_cli *cli, const qc_args *a, const char *what, qc_universe *u, qc_error *err) {
    qc_args la;
    memset(&la, 0, sizeof la);
    la.spec = k_load_spec;
    la.n_spec = 4;
    int is_file = strchr(what, '/') || strstr(what, ".csv") || access(what, R_OK) == 0;
    if (is_file) la.value[0] = what, la.present[0] = 1;
    const char *sym = is_file ? qc_args_get(a, "symbol") : what;
    if (sym) {
        la.value[1] = sym, la.present[1] = 1;
        la.occ_opt[0] = 1, la.occ_val[0] = sym, la.n_occ = 1;
    }
    const char *c = qc_args_get(a, "calendar"), *z = qc_args_get(a, "tz");
    if (c) la.value[2] = c, la.present[2] = 1;
    if (z) la.value[3] = z, la.present[3] = 1;
    if (!*what) return qc_err_set(err, QC_ERR_USAGE, "trade: --feed replay: needs a file or a symbol");
    return qc_cli_universe_load(cli, &la, u, err);
}

/* synth[:N]: one synthetic symbol, N minute bars (default 100,000), deterministic. It stands for a
 * live feed: when its bars run out it goes silent instead of ending (trade.feed.stall_s). */
static qc_err load_synth(const char *spec, qc_universe *u, qc_error *err) {
    size_t n_bars = 100000;
    if (*spec) {
        int64_t v;
        if (*spec != ':' || qc_parse_i64(spec + 1, strlen(spec + 1), &v) || v < 1 || v > 1000000)
            return qc_err_set(err, QC_ERR_USAGE, "trade: --feed synth:N: N is a bar count in 1..1000000, got '%.40s'", spec);
        n_bars = (size_t)v;
    }
    qc_synth_opts so;
    qc_synth_opts_init(&so);
    so.n_symbols = 1;
    so.n_pairs = 0;
    so.n_mean_revert = 0;
    so.n_bars = n_bars;
    so.interval_s = 60; /* minute bars: 100,000 daily bars would run past the calendar */
    qc_synth_market *m = NULL;
    qc_err rc = qc_synth_generate(&so, &m, err);
    if (rc) return rc;
    u->cal = so.cal ? so.cal : qc_calendar_get("NYSE", NULL);
    u->interval_s = m->interval_s;
    u->n = 1;
    u->names = calloc(1, sizeof *u->names);
    u->bars = calloc(1, sizeof *u->bars);
    if (!u->names || !u->bars || !(u->names[0] = qc_strdup(m->symbols[0]))) {
        qc_synth_free(m);
        return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    }
    u->bars[0] = m->bars[0];
    memset(&m->bars[0], 0, sizeof m->bars[0]);
    snprintf(u->source, sizeof u->source, "synth");
    qc_synth_free(m);
    return QC_OK;
}

static qc_err load_feed(const qc_cli *cli, const qc_args *a, qc_universe *u, int *synth, qc_error *err) {
    const char *feed = qc_args_get(a, "feed");
    *synth = 0;
    if (!feed) return qc_err_set(err, QC_ERR_USAGE, "trade: give --feed replay:FILE.csv, replay:SYM or synth");
    if (strncmp(feed, "replay:", 7) == 0) return load_replay(cli, a, feed + 7, u, err);
    if (strncmp(feed, "synth", 5) == 0 && (feed[5] == '\0' || feed[5] == ':')) {
        *synth = 1;
        return load_synth(feed + 5, u, err);
    }
    return qc_err_set(err, QC_ERR_USAGE, "trade: --feed: expected replay:FILE.csv, replay:SYM or synth[:N], got '%.40s'",
                      feed);
}

static qc_err parse_speed(const char *s, double *out, qc_error *err) {
    *out = 0;
    if (!s || strcmp(s, "max") == 0) return QC_OK;
    size_t n = strlen(s);
    double v;
    if (n < 2 || s[n - 1] != 'x' || qc_parse_double(s, n - 1, &v) || !(v > 0) || v > 1e9)
        return qc_err_set(err, QC_ERR_USAGE, "option '--speed': expected 1x, 10x, Nx or max, got '%.20s'", s);
    *out = v;
    return QC_OK;
}

/* ---- the daemon ----------------------------------------------------------------------------------- */

static void status_line(void *ctx, const qc_engine_status *st) {
    (void)ctx;
    char tot[32] = "";
    if (st->total_events) snprintf(tot, sizeof tot, "/%zu", st->total_events);
    char per[256] = "";
    size_t k = 0;
    for (size_t v = 0; st->n_venues > 1 && v < st->n_venues && k < sizeof per; v++) /* the router: per venue */
        k += (size_t)snprintf(per + k, sizeof per - k, "%s%s %zu", v ? ", " : " (", st->venue_names[v], st->venue_fills[v]);
    if (k && k + 1 < sizeof per) per[k] = ')', per[k + 1] = '\0';
    fprintf(stderr, "\r\033[K[trade %s] events %zu%s  equity %.2f  P&L %+.2f  positions %zu  orders %zu (%zu open)  "
            "fills %zu%s  rejects %zu%s", st->recovering ? "recovering" : st->finished ? "done" : "paper", st->events, tot,
            st->equity, st->pnl, st->open_positions, st->orders, st->open_orders, st->fills, per, st->rejects,
            st->killed ? "  KILLED" : "");
    fflush(stderr);
}

typedef struct {
    qc_engine *e;
    const qc_backtest_result *r;
    const char *run;
} json_ctx;

static qc_err w_json(FILE *f, void *c, qc_error *err) {
    const json_ctx *j = c;
    return qc_engine_write_json(j->e, f, j->r, j->run, err);
}

typedef struct {
    qc_universe u;
    qc_params params;
    qc_risk *risk;
    qc_engine *e;
    qc_backtest_result r;
    const qc_bars **series;
    char run[512];
} trade_run;

static void daemon_free(trade_run *d) {
    qc_engine_close(d->e);
    qc_backtest_result_free(&d->r);
    qc_risk_free(d->risk);
    free(d->series);
    qc_cli_universe_free(&d->u);
}

/* --metrics-port N, else trade.metrics.port; 0 = no endpoint. */
static qc_err metrics_port(const qc_cli *cli, const qc_args *a, int *port, qc_error *err) {
    int64_t cfg = 0;
    qc_err rc = qc_config_get_int(cli->cfg, "trade.metrics.port", &cfg, err);
    if (rc) return rc;
    if (cfg < 0 || cfg > 65535) return qc_err_set(err, QC_ERR_CONFIG, "trade.metrics.port: expected 0..65535, got %lld", (long long)cfg);
    long long v = cfg;
    rc = qc_args_int(a, "metrics-port", 0, 65535, &v, err);
    *port = (int)v;
    return rc;
}

static qc_err engine_opts(const qc_cli *cli, const qc_args *a, trade_run *d, int synth, qc_engine_opts *eo, qc_error *err) {
    qc_engine_opts_init(eo);
    qc_err rc = qc_cli_backtest_opts(a, &d->u, &eo->bt, err);
    if (!rc) rc = qc_cli_venue_opts(cli, a, &eo->bt, err);
    if (!rc) rc = parse_speed(qc_args_get(a, "speed"), &eo->speed, err);
    const char *fs = qc_config_get(cli->cfg, "trade.journal.fsync");
    if (!rc) rc = qc_journal_sync_parse(fs && *fs ? fs : "every", &eo->sync, err);
    if (!rc) rc = metrics_port(cli, a, &eo->metrics_port, err);
    if (!rc) rc = qc_config_get_double(cli->cfg, "trade.feed.stall_s", &eo->stall_s, err);
    if (!rc && !(eo->stall_s >= 0)) rc = qc_err_set(err, QC_ERR_CONFIG, "trade.feed.stall_s: expected >= 0 seconds");
    if (!rc) rc = qc_cli_make_risk(cli, &d->u, eo->bt.kernel.cash, &d->risk, err);
    if (rc) return rc;
    eo->bt.kernel.risk = d->risk;
    eo->bt.keep_symbol_curves = 0; /* as backtest for one symbol; the document has no curves of its own */
    d->series = malloc(d->u.n * sizeof *d->series);
    if (!d->series) return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    for (size_t s = 0; s < d->u.n; s++) d->series[s] = &d->u.bars[s];
    eo->series = d->series;
    eo->symbols = (const char *const *)d->u.names;
    eo->n_symbols = d->u.n;
    eo->state_dir = state_dir(cli, a);
    eo->run_desc = d->run;
    eo->pace_by_count = synth;
    eo->live = synth;
    eo->kill_file = qc_config_get(cli->cfg, "risk.kill_switch.file"); /* paper trading only: backtests never */
    eo->stay = qc_args_has(a, "stay");
    if (isatty(2) && !cli->quiet) eo->on_status = status_line;
    return QC_OK;
}

static int cmd_trade(qc_cli *cli, qc_args *a) {
    qc_error err = {0};
    trade_run d;
    memset(&d, 0, sizeof d);
    const char *mode = qc_args_get(a, "mode");
    const char *sname = qc_args_get(a, "strategy");
    const qc_strategy_def *sd = qc_strategy_find(sname ? sname : "sma_cross");
    const char *kv[64];
    size_t nkv = qc_args_all(a, "param", kv, 64);
    qc_err rc = !mode ? qc_err_set(&err, QC_ERR_USAGE, "trade: give --mode paper (live trading is not built yet)")
                : strcmp(mode, "paper") ? qc_err_set(&err, QC_ERR_USAGE, "trade: --mode: only paper exists, got '%.20s'", mode)
                : !sd ? qc_err_set(&err, QC_ERR_INPUT, "unknown strategy '%s'", sname)
                : nkv > 64 ? qc_err_set(&err, QC_ERR_USAGE, "trade: more than 64 --param options")
                           : QC_OK;
    if (!rc) rc = qc_params_parse(sd->params, sd->n_params, kv, nkv, sd->name, &d.params, &err);
    int synth = 0;
    if (!rc) rc = load_feed(cli, a, &d.u, &synth, &err);
    qc_engine_opts eo;
    if (!rc) {
        qc_cli_describe_run(sd, &d.params, &d.u, d.run, sizeof d.run);
        rc = engine_opts(cli, a, &d, synth, &eo, &err);
        /* the kill switch file names strategy switches by the strategy's name */
        if (!rc && d.risk) rc = qc_risk_set_strategy_name(d.risk, 0, sd->name, &err);
    }
    eo.bt.strategy = sd;
    eo.bt.params = &d.params;
    size_t torn = 0;
    if (!rc) rc = qc_engine_open(&eo, &d.e, &torn, &err);
    if (torn) fprintf(stderr, "quantcli: warning: the journal's last record was torn (%zu bytes): discarded\n", torn);
    if (!rc) QC_LOG(QC_LOG_INFO, "trade", "started", QC_KS("run", d.run), QC_KS("state_dir", eo.state_dir));
    if (!rc) rc = qc_engine_run(d.e, &err);
    if (eo.on_status && d.e) fputc('\n', stderr);
    if (!rc) rc = qc_engine_finish(d.e, &d.r, &err);
    const char *json = rc ? NULL : qc_args_get(a, "json");
    json_ctx jc = {d.e, &d.r, d.run};
    if (json) rc = qc_out_file(json, w_json, &jc, &err);
    if (!rc && !cli->quiet && !(json && strcmp(json, "-") == 0)) {
        const qc_metrics *m = &d.r.metrics;
        printf("%s\n%s: %zu events, %zu orders, %zu fills, final equity %.2f, %zu trades%s\n", d.run,
               qc_engine_complete(d.e) ? "feed complete" : "stopped", d.r.n, d.r.n_orders, d.r.sim.fills,
               m->final_equity, m->n_trades, qc_engine_complete(d.e) ? "" : " (resume with the same --state-dir)");
    }
    daemon_free(&d);
    return rc ? qc_cli_fail(&err) : 0;
}

/* ---- control commands -------------------------------------------------------------------------- */

static void print_human(const cJSON *j) {
    for (const cJSON *it = j->child; it; it = it->next) {
        if (strcmp(it->string, "ok") == 0) continue;
        if (cJSON_IsArray(it)) {
            printf("%s:\n", it->string);
            for (const cJSON *row = it->child; row; row = row->next) {
                char *s = cJSON_PrintUnformatted(row);
                if (s) printf("  %s\n", s);
                free(s);
            }
            continue;
        }
        char *s = cJSON_PrintUnformatted(it);
        if (s) printf("%-15s %s\n", it->string, s);
        free(s);
    }
}

static int control(qc_cli *cli, qc_args *a, const char *cmd) {
    qc_error err = {0};
    char line[512], why[256] = "";
    const char *reason = qc_args_get(a, "reason");
    if (reason) qc_json_escape(reason, why, sizeof why);
    snprintf(line, sizeof line, reason ? "{\"cmd\": \"%s\", \"reason\": %s}" : "{\"cmd\": \"%s\"}", cmd, why);
    char *reply = NULL;
    qc_err rc = qc_engine_request(state_dir(cli, a), line, &reply, &err);
    if (rc) return qc_cli_fail(&err);
    cJSON *j = cJSON_Parse(reply);
    const cJSON *ok = j ? cJSON_GetObjectItemCaseSensitive(j, "ok") : NULL;
    int good = cJSON_IsTrue(ok);
    if (!good) {
        const cJSON *e = j ? cJSON_GetObjectItemCaseSensitive(j, "error") : NULL;
        qc_err_set(&err, QC_ERR_EXECUTION, "trade %s: %s", cmd, cJSON_IsString(e) ? e->valuestring : "bad reply");
    } else if (qc_args_has(a, "json")) {
        printf("%s\n", reply);
    } else {
        print_human(j);
    }
    cJSON_Delete(j);
    free(reply);
    return good ? 0 : qc_cli_fail(&err);
}

static int c_status(qc_cli *c, qc_args *a) { return control(c, a, "status"); }
static int c_orders(qc_cli *c, qc_args *a) { return control(c, a, "orders"); }
static int c_positions(qc_cli *c, qc_args *a) { return control(c, a, "positions"); }
static int c_cancel_all(qc_cli *c, qc_args *a) { return control(c, a, "cancel-all"); }
static int c_kill(qc_cli *c, qc_args *a) { return control(c, a, "kill"); }
static int c_release(qc_cli *c, qc_args *a) { return control(c, a, "release"); }
static int c_stop(qc_cli *c, qc_args *a) { return control(c, a, "stop"); }

static const qc_opt_spec k_opts[] = {
    {"mode", "MODE", "paper (the only mode so far; simulated venues, see --venue)"},
    {"strategy", "NAME", "strategy (default sma_cross), as in backtest"},
    {"param", "NAME=VALUE", "strategy parameter (repeatable)"},
    {"feed", "FEED", "replay:FILE.csv, replay:SYM (from the store) or synth[:N] (N minute bars, then silent)"},
    {"symbol", "SYM", "with replay:FILE.csv: the name of an OHLCV file's series"},
    {"calendar", "CAL", "trading calendar (default NYSE) [data.calendar]"},
    {"tz", "TZ", "zone of CSV date-times without offset [data.tz]"},
    {"speed", "SPEED", "1x (bar times in real time), 10x, Nx, or max (default: as fast as possible)"},
    {"state-dir", "DIR", "journal, lock and control socket (default ./quantcli-trade) [trade.state_dir]"},
    {"cash", "X", "starting cash (default 100000)"},
    {"commission-bps", "X", "commission in basis points of notional (default 0)"},
    {"fill", "MODE", "next_open (default) or close, as in backtest"},
    {"venue", "KIND", "sim (default), exchange or sor (the router over execution.venues), as in backtest"},
    {"json", "FILE", "write the session's result document (backtest keys + order and fill logs)"},
    {"stay", NULL, "keep serving control commands after a replay feed ends (until trade stop)"},
    {"metrics-port", "N", "serve Prometheus GET /metrics on 127.0.0.1:N (default 0 = off) [trade.metrics.port]"},
};

static const qc_opt_spec k_ctl_opts[] = {
    {"state-dir", "DIR", "the daemon's state directory (default ./quantcli-trade) [trade.state_dir]"},
    {"json", NULL, "print the daemon's JSON reply"},
};
static const qc_opt_spec k_kill_opts[] = {
    {"state-dir", "DIR", "the daemon's state directory (default ./quantcli-trade) [trade.state_dir]"},
    {"json", NULL, "print the daemon's JSON reply"},
    {"reason", "TEXT", "why (kept in the journal)"},
};

#define CTL(name, fn, summary) {"trade " name, "[--state-dir DIR] [--json]", summary, NULL, k_ctl_opts, 2, 0, 0, fn}

const qc_command qc_cmd_trade[] = {
    {"trade", "--mode paper --feed FEED [--strategy NAME] [--param k=v]... [options]",
     "Run a strategy as a paper-trading daemon with a crash-safe journal.",
     "The same strategy, risk checks and simulated venue as backtest, driven event by event under\n"
     "a wall clock: --speed max on a replay feed gives the backtest's orders, fills and metrics.\n"
     "Every order and fill is journaled (write-ahead, checksummed; fsync per trade.journal.fsync)\n"
     "in --state-dir before it takes effect; restarting on the same directory resumes where the\n"
     "journal ends and never re-sends an order. A replay feed ends the session (exit 0); synth runs\n"
     "until `trade stop`. Control: trade status|orders|positions|cancel-all|kill|release|stop over a\n"
     "Unix socket in the state directory; a second daemon on one directory refuses to start.\n"
     "See docs/TRADING.md.",
     k_opts, sizeof k_opts / sizeof k_opts[0], 0, 0, cmd_trade},
    CTL("status", c_status, "Show the trading daemon's equity, P&L, orders and feed position."),
    CTL("orders", c_orders, "List the trading daemon's last 50 orders with their client ids."),
    CTL("positions", c_positions, "List the trading daemon's open positions and cash."),
    CTL("cancel-all", c_cancel_all, "Cancel every open order of the trading daemon (journaled)."),
    {"trade kill", "[--state-dir DIR] [--reason TEXT] [--json]",
     "Engage the daemon's kill switch: cancel open orders, refuse new ones (journaled).", NULL, k_kill_opts, 3, 0, 0,
     c_kill},
    CTL("release", c_release, "Release the trading daemon's kill switch (journaled)."),
    CTL("stop", c_stop, "Stop the trading daemon (it can resume from its state directory)."),
};
const size_t qc_cmd_trade_n = sizeof qc_cmd_trade / sizeof qc_cmd_trade[0];
