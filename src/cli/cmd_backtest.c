/* cmd_backtest.c: `quantcli backtest`: loads bars (a CSV file or symbols from the store), runs a
 * strategy through the backtest engine, prints a one-screen summary and writes the requested
 * outputs (JSON, HTML report, trades and equity CSVs). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backtest/backtest.h"
#include "backtest/report.h"
#include "cli/cli.h"
#include "cli/universe.h"
#include "core/strutil.h"
#include "core/time.h"
#include "data/csv.h"
#include "data/store.h"
#include "data/validate.h"
#include "risk/risk.h"
#include "strategies/plugin.h"
#include "strategies/strategies.h"

#define MAX_SYMBOLS 5000

typedef qc_universe universe;

void qc_cli_universe_free(universe *u) {
    for (size_t s = 0; s < u->n; s++) {
        free(u->names[s]);
        qc_bars_free(&u->bars[s]);
    }
    free(u->names);
    free(u->bars);
    memset(u, 0, sizeof *u);
}

static int64_t mono_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * QC_NS_PER_SEC + t.tv_nsec;
}

static const char *cfg_or(const qc_cli *cli, const qc_args *a, const char *opt, const char *key, const char *def) {
    const char *v = opt ? qc_args_get(a, opt) : NULL;
    if (!v && key) v = qc_config_get(cli->cfg, key);
    return v && *v ? v : def;
}

static void clip(qc_bars *b, int64_t from, int64_t to) {
    uint8_t *keep = malloc(b->n ? b->n : 1);
    if (!keep) return;
    for (size_t i = 0; i < b->n; i++)
        keep[i] = (from == QC_TS_NONE || b->ts[i] >= from) && (to == QC_TS_NONE || b->ts[i] <= to);
    qc_bars_filter(b, keep);
    free(keep);
}

static qc_err universe_alloc(universe *u, size_t n, qc_error *err) {
    u->names = calloc(n, sizeof *u->names);
    u->bars = calloc(n, sizeof *u->bars);
    return u->names && u->bars ? QC_OK : qc_err_set(err, QC_ERR_NOMEM, "out of memory");
}

/* A CSV file: validated under the configured policy, like an import, but not stored. */
static qc_err load_csv(const qc_cli *cli, const qc_args *a, universe *u, qc_error *err) {
    const char *path = qc_args_get(a, "data");
    qc_csv_opts co;
    qc_csv_opts_init(&co);
    co.cal = u->cal;
    co.label = path;
    qc_err rc = qc_tz_parse(cfg_or(cli, a, "tz", "data.tz", "UTC"), &co.tz, err);
    qc_csv_result csv;
    if (!rc) rc = qc_csv_read_file(path, &co, &csv, err);
    if (rc) return rc;
    qc_vopts vo;
    qc_vopts_init(&vo);
    vo.cal = u->cal;
    vo.label = path;
    qc_vreport rep;
    qc_vreport_init(&rep);
    rc = qc_policy_parse(cfg_or(cli, a, NULL, "data.validation.policy", "reject"), &vo.policy, err);
    if (!rc) rc = qc_validate_bad_rows(csv.bad, csv.n_bad, &vo, &rep, err);
    if (!rc) rc = universe_alloc(u, csv.n_series, err);
    const char *sym = qc_args_get(a, "symbol");
    for (size_t s = 0; !rc && s < csv.n_series; s++) {
        const char *name = csv.close_only && !(csv.n_series == 1 && sym) ? csv.names[s] : sym;
        if (!name) { /* OHLC file without --symbol: the file's stem */
            const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
            const char *dot = strrchr(base, '.');
            u->names[s] = qc_strndup(base, dot ? (size_t)(dot - base) : strlen(base));
        } else {
            u->names[s] = qc_strdup(name);
        }
        u->n++;
        rc = qc_validate_series(&csv.series[s], csv.lines[s], u->names[s], csv.interval_s, &vo, &rep, err);
        u->bars[s] = csv.series[s];
        memset(&csv.series[s], 0, sizeof csv.series[s]);
    }
    u->interval_s = csv.interval_s;
    snprintf(u->source, sizeof u->source, "%s", path);
    qc_vreport_free(&rep);
    qc_csv_result_free(&csv);
    return rc;
}

/* Symbols from the store: --symbol A --symbol B or --symbol A,B. */
static qc_err load_store(const qc_cli *cli, const qc_args *a, universe *u, qc_error *err) {
    const char *vals[64];
    size_t nv = qc_args_all(a, "symbol", vals, 64), n = 0;
    if (nv > 64) return qc_err_set(err, QC_ERR_USAGE, "backtest: more than 64 --symbol options (list symbols with commas)");
    char *names[MAX_SYMBOLS];
    int too_many = 0;
    for (size_t i = 0; i < nv; i++)
        for (const char *p = vals[i]; *p;) {
            const char *c = strchr(p, ',');
            size_t len = c ? (size_t)(c - p) : strlen(p);
            if (len && n == MAX_SYMBOLS) too_many = 1;
            else if (len) names[n++] = qc_strndup(p, len);
            p += len + (c ? 1 : 0);
        }
    qc_err rc = too_many ? qc_err_set(err, QC_ERR_USAGE, "backtest: more than %d symbols", MAX_SYMBOLS)
                : n      ? universe_alloc(u, n, err)
                         : qc_err_set(err, QC_ERR_USAGE, "backtest: give --data FILE or --symbol SYM");
    if (rc) {
        for (size_t s = 0; s < n; s++) free(names[s]);
        return rc;
    }
    qc_store *st = NULL;
    if (!rc) rc = qc_store_open(cli->db_url, &st, err);
    int64_t iv = 0;
    const char *ivs = qc_args_get(a, "interval");
    if (!rc && ivs) rc = qc_interval_parse(ivs, &iv, err);
    for (size_t s = 0; s < n; s++) {
        u->names[s] = names[s];
        u->n++;
        if (!rc) rc = qc_store_load_bars(st, names[s], iv, QC_TS_NONE, QC_TS_NONE, &u->bars[s], err);
    }
    if (!rc) {
        qc_series_info *items;
        size_t ni;
        rc = qc_store_list(st, &items, &ni, err);
        for (size_t i = 0; !rc && i < ni; i++)
            if (strcmp(items[i].symbol, names[0]) == 0 && (!iv || items[i].interval_s == iv)) {
                u->interval_s = items[i].interval_s;
                if (!qc_args_get(a, "calendar")) u->cal = qc_calendar_get(items[i].calendar, NULL);
                break;
            }
        if (!rc) free(items);
    }
    snprintf(u->source, sizeof u->source, "store %s", cli->db_url);
    qc_store_close(st);
    return rc;
}

qc_err qc_cli_universe_load(const qc_cli *cli, const qc_args *a, universe *u, qc_error *err) {
    u->cal = qc_calendar_get(cfg_or(cli, a, "calendar", "data.calendar", "NYSE"), err);
    if (!u->cal) return QC_ERR_INPUT;
    qc_err rc = qc_args_has(a, "data") ? load_csv(cli, a, u, err) : load_store(cli, a, u, err);
    int64_t from, to;
    if (!rc) rc = qc_args_time(a, "from", u->cal, 0, &from, err);
    if (!rc) rc = qc_args_time(a, "to", u->cal, 1, &to, err);
    for (size_t s = 0; !rc && s < u->n; s++) clip(&u->bars[s], from, to);
    return rc;
}

/* ---- options ---------------------------------------------------------------------------------- */

static qc_err cost_opts(const qc_args *a, qc_cost_model *m, qc_error *err) {
    static const char *names[] = {"commission-bps", "per-share", "min", "max-pct", "spread-bps", "slippage-bps",
                                  "impact-k"};
    static const char *opts[] = {"commission-bps", "per-share", "min-commission", "max-commission-pct",
                                 "spread-bps", "slippage-bps", "impact-k"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        double v = NAN;
        qc_err rc = qc_args_double(a, opts[i], 0, 1e9, &v, err);
        if (!rc && !isnan(v)) rc = qc_cost_model_set(m, names[i], v, err);
        if (rc) return rc;
    }
    return QC_OK;
}

qc_err qc_cli_backtest_opts(const qc_args *a, const universe *u, qc_backtest_opts *o, qc_error *err) {
    qc_backtest_opts_init(o);
    o->cal = u->cal;
    o->interval_s = u->interval_s ? u->interval_s : 86400;
    o->kernel.leverage_limit = 1.0;
    double periods = 0;
    qc_err rc;
    if ((rc = qc_args_double(a, "cash", 1e-6, 1e15, &o->kernel.cash, err)) ||
        (rc = qc_args_double(a, "leverage", 0, 1000, &o->kernel.leverage_limit, err)) ||
        (rc = qc_args_double(a, "borrow-rate", 0, 10, &o->kernel.borrow_rate, err)) ||
        (rc = qc_args_double(a, "participation", 0, 1e6, &o->sim.participation, err)) ||
        (rc = qc_args_double(a, "periods", 1e-9, 1e9, &periods, err)) || (rc = qc_args_double(a, "rf", -1, 10, &o->metrics.rf, err)) ||
        (rc = qc_args_double(a, "benchmark-sr", -100, 100, &o->metrics.benchmark_sr, err)) || (rc = cost_opts(a, &o->sim.costs, err)))
        return rc;
    const char *fill = qc_args_get(a, "fill");
    if (fill && strcmp(fill, "next_open") && strcmp(fill, "close"))
        return qc_err_set(err, QC_ERR_INPUT, "option '--fill': expected next_open or close, got '%.20s'", fill);
    o->sim.fill = fill && strcmp(fill, "close") == 0 ? QC_FILL_CLOSE : QC_FILL_NEXT_OPEN;
    o->sim.integer_shares = qc_args_has(a, "integer-shares");
    o->metrics.periods_per_year = periods > 0 ? periods : qc_backtest_periods_per_year(u->cal, o->interval_s);
    o->keep_symbol_curves = u->n > 1 && u->n <= 100;
    o->keep_exposures = qc_args_has(a, "equity"); /* the equity CSV's exposure columns */
    return QC_OK;
}

qc_err qc_cli_venue_opts(const qc_cli *cli, const qc_args *a, qc_backtest_opts *o, qc_error *err) {
    qc_venue_kind k;
    qc_err rc = qc_venue_kind_parse(qc_args_get(a, "venue"), &k, err);
    if (rc) return rc;
    qc_venue_setup_init(&o->venue, k);
    const char *spec = k == QC_VENUE_SOR ? qc_config_get(cli->cfg, "execution.venues") : NULL;
    if (spec && *spec && qc_venue_setup_parse(spec, &o->venue, err)) return err->code = QC_ERR_CONFIG;
    return QC_OK;
}

/* ---- outputs ---------------------------------------------------------------------------------- */

typedef struct {
    const qc_backtest_result *r;
    const universe *u;
    const char *run;
    const char *subtitle;
} out_ctx;

static qc_err w_json(FILE *f, void *c, qc_error *err) {
    const out_ctx *o = c;
    return qc_backtest_write_json(f, o->r, o->run, o->u->cal, o->u->interval_s, err);
}
static qc_err w_trades(FILE *f, void *c, qc_error *err) {
    const out_ctx *o = c;
    return qc_backtest_write_trades_csv(f, o->r, o->u->cal, o->u->interval_s, err);
}
static qc_err w_equity(FILE *f, void *c, qc_error *err) {
    const out_ctx *o = c;
    return qc_backtest_write_equity_csv(f, o->r, o->u->cal, o->u->interval_s, err);
}
static qc_err w_report(FILE *f, void *c, qc_error *err) {
    const out_ctx *o = c;
    const qc_backtest_result *r = o->r;
    qc_report_input in = {.title = o->run,
                          .subtitle = o->subtitle,
                          .ts = r->ts,
                          .equity = r->equity,
                          .benchmark = r->benchmark,
                          .comparison = r->comparison,
                          .comparison_label = r->comparison_label,
                          .n = r->n,
                          .initial_equity = r->initial_equity,
                          .metrics = &r->metrics,
                          .trades = r->trades,
                          .n_trades = r->n_trades,
                          .symbols = (const char *const *)r->symbols,
                          .n_symbols = r->n_symbols,
                          .interval_s = o->u->interval_s,
                          .cal = o->u->cal};
    return qc_report_html(f, &in, err);
}

/* "12.34" or "-" for undefined values (no trades, no drawdown). */
static const char *num(char *buf, size_t n, double v, double scale, int decimals) {
    if (!isfinite(v)) snprintf(buf, n, "%s", isinf(v) ? "inf" : "-");
    else snprintf(buf, n, "%.*f", decimals, v * scale);
    return buf;
}

static void summary(FILE *f, const qc_backtest_result *r, const char *run, const universe *u, int64_t load_ns,
                    int64_t report_ns) {
    const qc_metrics *m = &r->metrics;
    char a[48], b[48];
    qc_calendar_format_stamp(u->cal, r->ts[0], u->interval_s, a, sizeof a);
    qc_calendar_format_stamp(u->cal, r->ts[r->n - 1], u->interval_s, b, sizeof b);
    fprintf(f, "%s\n%s, %zu symbol%s, %s .. %s, %zu periods (%.6g per year)\n\n", run, u->source, u->n,
            u->n == 1 ? "" : "s", a, b, r->n, r->periods_per_year);
    char b1[32], b2[32], b3[32];
    fprintf(f, "  final equity   %14s    total return %9s%%   CAGR     %8s%%\n", num(b1, 32, m->final_equity, 1, 2),
            num(b2, 32, m->total_return, 100, 2), num(b3, 32, m->cagr, 100, 2));
    fprintf(f, "  volatility     %13s%%    Sharpe       %9s    Sortino  %9s\n", num(b1, 32, m->volatility, 100, 2),
            num(b2, 32, m->sharpe, 1, 3), num(b3, 32, m->sortino, 1, 3));
    fprintf(f, "  max drawdown   %13s%%    Calmar       %9s    PSR      %9s\n", num(b1, 32, m->max_drawdown, 100, 2),
            num(b2, 32, m->calmar, 1, 3), num(b3, 32, m->psr, 1, 3));
    fprintf(f, "  trades         %14zu    hit rate     %9s%%   exposure %8s%%\n", m->n_trades,
            num(b1, 32, m->hit_rate, 100, 1), num(b2, 32, m->exposure, 100, 1));
    fprintf(f, "  turnover/yr    %14s    costs paid   %9s    open positions %zu\n", num(b1, 32, m->turnover, 1, 2),
            num(b2, 32, r->commission_paid, 1, 2), r->n_open);
    if (r->risk.rejected || r->risk.kills)
        fprintf(f, "  risk: %zu order%s refused (first: %s), %zu kill switch%s engaged\n", r->risk.rejected,
                r->risk.rejected == 1 ? "" : "s", r->risk.rejected ? r->risk.first_reject.msg : "-", r->risk.kills,
                r->risk.kills == 1 ? "" : "es");
    double sim_s = (double)r->simulate_ns / 1e9;
    fprintf(f, "\n  time: load %.1f ms, simulate %.1f ms (%.1fM bar events/s), statistics %.1f ms, outputs %.1f ms\n",
            (double)load_ns / 1e6, sim_s * 1e3, sim_s > 0 ? (double)r->n_bar_events / sim_s / 1e6 : 0,
            (double)r->stats_ns / 1e6, (double)report_ns / 1e6);
}

/* Every requested output is written to a temp file first and renamed only when all succeeded, so
 * a failed run leaves none of them (stdout, "-", is written directly). */
static qc_err write_outputs(const qc_args *a, const out_ctx *oc, qc_error *err) {
    const struct {
        const char *opt;
        qc_out_writer fn;
    } outs[] = {{"json", w_json}, {"report", w_report}, {"trades", w_trades}, {"equity", w_equity}};
    enum { N_OUTS = sizeof outs / sizeof outs[0] };
    char tmp[N_OUTS][4096];
    const char *path[N_OUTS];
    qc_err rc = QC_OK;
    size_t i = 0;
    for (; i < N_OUTS && !rc; i++) {
        path[i] = qc_args_get(a, outs[i].opt);
        tmp[i][0] = '\0';
        if (!path[i]) continue;
        if (strcmp(path[i], "-") == 0) {
            rc = qc_out_file("-", outs[i].fn, (void *)oc, err);
            continue;
        }
        snprintf(tmp[i], sizeof tmp[i], "%s.part%ld", path[i], (long)getpid());
        rc = qc_out_file(tmp[i], outs[i].fn, (void *)oc, err);
        if (rc) { /* name the user's path, not the temp file */
            const char *why = strstr(err->msg, "': ");
            char detail[QC_ERROR_MSG_MAX];
            snprintf(detail, sizeof detail, "%s", why ? why + 3 : err->msg);
            qc_err_set(err, rc, "cannot write '%s': %s", path[i], detail);
            tmp[i][0] = '\0';
        }
    }
    for (size_t k = 0; k < i; k++) {
        if (!tmp[k][0]) continue;
        if (!rc && rename(tmp[k], path[k]) != 0)
            rc = qc_err_set(err, QC_ERR_INPUT, "cannot write '%s': %s", path[k], strerror(errno));
        if (rc) unlink(tmp[k]);
    }
    return rc;
}

void qc_cli_describe_run(const qc_strategy_def *sd, const qc_params *p, const universe *u, char *buf, size_t n) {
    size_t k = (size_t)snprintf(buf, n, "%s(", sd->name);
    for (size_t i = 0; i < p->n && k < n; i++)
    {
        char kv[96];
        qc_params_format(p, i, kv, sizeof kv);
        k += (size_t)snprintf(buf + k, n - k, "%s%s", i ? ", " : "", kv);
    }
    if (k < n) snprintf(buf + k, n - k, ") on %s%s", u->n ? u->names[0] : "", u->n > 1 ? " and others" : "");
}

/* The risk engine of a backtest: the risk.* limits and restricted list of the config, one strategy.
 * The live kill-switch file is neither read nor written: a backtest is a simulation. */
qc_err qc_cli_make_risk(const qc_cli *cli, const universe *u, double cash, qc_risk **out, qc_error *err) {
    qc_risk_limits lim;
    qc_err rc = qc_risk_limits_from_config(cli->cfg, &lim, err);
    if (!rc) rc = qc_risk_new(&lim, (const char *const *)u->names, u->n, 1, cash, out, err);
    if (!rc) {
        const char *restricted = qc_config_get(cli->cfg, "risk.restricted");
        if (restricted && *restricted) qc_risk_set_restricted_list(*out, restricted);
    }
    return rc;
}

static int cmd_backtest(qc_cli *cli, qc_args *a) {
    qc_error err = {0};
    universe u = {0};
    qc_backtest_opts o;
    qc_backtest_result r;
    memset(&r, 0, sizeof r);
    qc_params params;
    const char *sname = qc_args_get(a, "strategy");
    qc_plugin *plugin = NULL;
    const qc_strategy_def *sd = NULL;
    const char *kv[64];
    size_t nkv = qc_args_all(a, "param", kv, 64);
    qc_err rc = QC_OK;
    if (qc_strategy_is_plugin_path(sname)) {
        rc = qc_plugin_load(sname, &plugin, &err);
        if (!rc) sd = qc_plugin_def(plugin);
    } else if (!(sd = qc_strategy_find(sname ? sname : "sma_cross"))) {
        rc = qc_err_set(&err, QC_ERR_INPUT, "unknown strategy '%s' (see quantcli strategies list)", sname);
    }
    if (!rc && nkv > 64) rc = qc_err_set(&err, QC_ERR_USAGE, "backtest: more than 64 --param options");
    if (!rc) rc = qc_params_parse(sd->params, sd->n_params, kv, nkv, sd->name, &params, &err);
    int64_t t0 = mono_ns();
    if (!rc) rc = qc_cli_universe_load(cli, a, &u, &err);
    int64_t load_ns = mono_ns() - t0;
    if (!rc) rc = qc_cli_backtest_opts(a, &u, &o, &err);
    if (!rc) rc = qc_cli_venue_opts(cli, a, &o, &err);
    qc_risk *risk = NULL; /* every order passes the pre-trade checks of the risk.* config */
    if (!rc) rc = qc_cli_make_risk(cli, &u, o.kernel.cash, &risk, &err);
    o.kernel.risk = risk;
    qc_progress prog;
    qc_progress_init(&prog, cli, "backtest");
    o.strategy = sd;
    o.params = &params;
    o.progress = qc_progress_cb;
    o.progress_ctx = &prog;
    const qc_bars **series = rc ? NULL : malloc((u.n ? u.n : 1) * sizeof *series);
    if (!rc && !series) rc = qc_err_set(&err, QC_ERR_NOMEM, "out of memory");
    for (size_t s = 0; !rc && s < u.n; s++) series[s] = &u.bars[s];
    if (!rc) rc = qc_backtest_run(series, (const char *const *)u.names, u.n, &o, &r, &err);
    qc_progress_done(&prog);
    free(series);
    char run[512], sub[512];
    if (!rc) {
        qc_cli_describe_run(sd, &params, &u, run, sizeof run);
        snprintf(sub, sizeof sub, "%s; fills at %s; cash %g; commission %g bps; %g periods/year", u.source,
                 o.sim.fill == QC_FILL_CLOSE ? "the signal bar's close" : "the next bar's open", o.kernel.cash,
                 o.sim.costs.commission_bps, r.periods_per_year);
        out_ctx oc = {&r, &u, run, sub};
        t0 = mono_ns();
        rc = write_outputs(a, &oc, &err);
        int64_t out_ns = mono_ns() - t0;
        const char *json = qc_args_get(a, "json");
        if (!rc && !cli->quiet && !(json && strcmp(json, "-") == 0)) {
            summary(stdout, &r, run, &u, load_ns, out_ns);
            const char *rep = qc_args_get(a, "report");
            if (rep) printf("  report: %s\n", rep);
        }
    }
    qc_cli_universe_free(&u);
    qc_backtest_result_free(&r);
    qc_risk_free(risk);
    qc_plugin_unload(plugin);
    return rc ? qc_cli_fail(&err) : 0;
}

static const qc_opt_spec k_opts[] = {
    {"data", "FILE.csv", "bars from a CSV (OHLCV, or close columns: one symbol each)"},
    {"symbol", "SYM[,SYM]", "symbols from the store (repeatable); with --data: the name of an OHLCV file's series"},
    {"from", "DATE", "first date or date-time (inclusive)"},
    {"to", "DATE", "last date or date-time (inclusive)"},
    {"interval", "IV", "bar interval to load from the store (default: the smallest stored)"},
    {"calendar", "CAL", "trading calendar (default NYSE) [data.calendar]"},
    {"tz", "TZ", "zone of CSV date-times without offset [data.tz]"},
    {"strategy", "NAME|FILE.so", "strategy (default sma_cross; quantcli strategies list) or a plugin (a path)"},
    {"param", "NAME=VALUE", "strategy parameter (repeatable)"},
    {"cash", "X", "starting cash (default 100000)"},
    {"fill", "MODE", "next_open (default): fill at the next bar's open; close: at the signal bar's close"},
    {"venue", "KIND", "sim (the bar venue, default), exchange (an order book from the bars) or sor (the router over execution.venues)"},
    {"commission-bps", "X", "commission in basis points of notional (default 0)"},
    {"per-share", "X", "commission per share (default 0)"},
    {"min-commission", "X", "minimum commission per fill when per-share is set"},
    {"max-commission-pct", "X", "maximum commission per fill as a fraction of notional"},
    {"spread-bps", "X", "half spread paid on every fill, basis points"},
    {"slippage-bps", "X", "fixed adverse slippage, basis points"},
    {"impact-k", "X", "square-root impact: k * sigma * sqrt(qty / ADV) (20-bar sigma, ADV)"},
    {"participation", "X", "max fill per bar as a fraction of its volume (default 1; 0 = no cap)"},
    {"integer-shares", NULL, "round cash orders down to whole shares"},
    {"leverage", "X", "max gross exposure / equity for new orders (default 1; 0 = no limit)"},
    {"borrow-rate", "X", "annual borrow cost on short notional (default 0)"},
    {"periods", "N", "periods per year for annualisation (default: 252 daily, else from the calendar)"},
    {"rf", "X", "risk-free rate PER PERIOD, as in quantcli metrics (default 0; 5%/yr at 252 is 0.000194)"},
    {"benchmark-sr", "X", "per-period Sharpe the PSR tests against (default 0)"},
    {"json", "FILE", "write the result document (metrics, trades, equity) as JSON; - for stdout"},
    {"report", "FILE.html", "write the self-contained HTML tear sheet"},
    {"trades", "FILE.csv", "write the round-trip trades"},
    {"equity", "FILE.csv", "write the equity curve (and per-symbol P&L for up to 100 symbols)"},
};

const qc_command qc_cmd_backtest[] = {
    {"backtest", "(--data FILE.csv | --symbol SYM...) [--strategy NAME] [--param k=v]... [options]",
     "Run a strategy over historical bars and report its performance.",
     "Strategies: buy_and_hold; sma_cross (fast=10, slow=50); momentum: ts_momentum, xs_momentum;\n"
     "pairs; mean reversion: bollinger, zscore_reversion, ou_reversion; factor_composite; portfolio\n"
     "(method=minvar|maxsharpe|erc|hrp|ivp|cvar|equal|..., rebalanced on a schedule or bands).\n"
     "`quantcli strategies list` shows their parameters, docs/STRATEGIES.md and docs/PORTFOLIO.md\n"
     "their rules; a path (./my_strategy.so) loads a user plugin built against\n"
     "include/quantcli/strategy_plugin.h.\n"
     "Fills: market orders at the next bar's open (close-only data: the next close) or, with\n"
     "--fill close, at the signal bar's close; limits fill at their price, never better; stops at\n"
     "the stop or the gap open. Statistics: r_t = E_t/E_{t-1} - 1; Sharpe = mean(r - rf)/std(r)\n"
     "* sqrt(periods); Sortino uses sqrt(mean(min(r - MAR, 0)^2)); the periods per year used are\n"
     "printed in every report. Every order passes the pre-trade checks of the risk.* config (as in\n"
     "live trading; defaults refuse nothing but restricted symbols); refusals and kill switches are\n"
     "counted in the summary and the JSON (\"risk\"). See docs/BACKTEST.md, docs/METRICS.md, docs/RISK.md.",
     k_opts, sizeof k_opts / sizeof k_opts[0], 0, 0, cmd_backtest},
};
const size_t qc_cmd_backtest_n = 1;
