/* cmd_sweep.c: `quantcli sweep`: a strategy's parameter grid over one bar series (a CSV file),
 * optionally cross-validated (kfold, purged, walkforward, cpcv), in parallel threads with a
 * progress bar and ETA on stderr; prints a summary and writes the JSON document and the HTML
 * report (backtest/sweep.h). The JSON does not depend on the thread count. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backtest/sweep.h"
#include "cli/cmd_cv.h"
#include "core/time.h"
#include "data/csv.h"
#include "strategies/plugin.h"
#include "strategies/strategies.h"

static int64_t mono_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * QC_NS_PER_SEC + t.tv_nsec;
}

/* ---- progress with ETA ------------------------------------------------------------------------ */

typedef struct {
    int on;
    int64_t start_ns, last_ns;
} eta_bar;

static void eta_cb(void *ctx, size_t done, size_t total) {
    eta_bar *p = ctx;
    if (!p->on) return;
    int64_t now = mono_ns();
    if (now - p->last_ns < 100 * 1000000LL && done < total) return;
    p->last_ns = now;
    double el = (double)(now - p->start_ns) / 1e9, eta = done ? el * (double)(total - done) / (double)done : 0;
    int pct = total ? (int)(100.0 * (double)done / (double)total) : 0, fill = pct * 30 / 100;
    char bar[31];
    for (int i = 0; i < 30; i++) bar[i] = i < fill ? '#' : '.';
    bar[30] = '\0';
    fprintf(stderr, "\rsweep [%s] %3d%% %zu/%zu ETA %.0fs  ", bar, pct, done, total, eta);
    fflush(stderr);
}

/* ---- input ------------------------------------------------------------------------------------ */

static qc_err load_bars(const char *path, const qc_calendar *cal, qc_bars *out, int64_t *interval_s, qc_error *err) {
    qc_csv_opts co;
    qc_csv_opts_init(&co);
    co.cal = cal;
    co.label = path;
    qc_csv_result csv;
    qc_err rc = qc_csv_read_file(path, &co, &csv, err);
    if (rc) return rc;
    if (csv.n_bad)
        rc = qc_err_set(err, QC_ERR_INPUT, "%s:%zu: %s%s%s", path, csv.bad[0].line, csv.bad[0].field,
                        csv.bad[0].field[0] ? ": " : "", csv.bad[0].msg);
    else if (csv.n_series != 1)
        rc = qc_err_set(err, QC_ERR_INPUT, "%s: a sweep runs on one series, the file has %zu", path, csv.n_series);
    else if (!qc_bars_is_strictly_increasing(&csv.series[0]))
        rc = qc_err_set(err, QC_ERR_INPUT, "%s: dates must be strictly increasing", path);
    if (!rc) {
        *out = csv.series[0];
        memset(&csv.series[0], 0, sizeof csv.series[0]);
        *interval_s = csv.interval_s ? csv.interval_s : 86400;
    }
    qc_csv_result_free(&csv);
    return rc;
}

static qc_err read_opts(const qc_args *a, qc_sweep_opts *o, qc_sweep_axis *axes, qc_error *err) {
    const char *g[QC_SWEEP_MAX_AXES + 1];
    size_t ng = qc_args_all(a, "grid", g, QC_SWEEP_MAX_AXES + 1);
    if (ng == 0) return qc_err_set(err, QC_ERR_USAGE, "sweep: give at least one --grid NAME=FROM:TO:STEP");
    if (ng > QC_SWEEP_MAX_AXES) return qc_err_set(err, QC_ERR_USAGE, "sweep: more than %d --grid axes", QC_SWEEP_MAX_AXES);
    for (size_t i = 0; i < ng; i++) {
        qc_err rc = qc_sweep_axis_parse(g[i], &axes[i], err);
        if (rc) return rc;
    }
    o->axes = axes;
    o->n_axes = ng;
    const char *cv = qc_args_get(a, "cv");
    o->use_cv = cv && strcmp(cv, "none") != 0;
    qc_err rc = o->use_cv ? qc_cv_scheme_parse(cv, &o->cv.scheme, err) : QC_OK;
    if (rc) return qc_err_prefix(err, "option '--cv': ");
    long long s = (long long)o->pbo_s, w = 0, th = 1;
    double periods = 0;
    if ((rc = qc_cli_cv_opts(a, &o->cv, err)) || (rc = qc_args_int(a, "pbo-s", 2, 32, &s, err)) ||
        (rc = qc_args_int(a, "warmup", 0, 1000000000, &w, err)) || (rc = qc_args_int(a, "threads", 1, 256, &th, err)) ||
        (rc = qc_args_double(a, "cash", 1e-6, 1e15, &o->bt.kernel.cash, err)) ||
        (rc = qc_args_double(a, "commission-bps", 0, 1e4, &o->bt.sim.costs.commission_bps, err)) ||
        (rc = qc_args_double(a, "periods", 1e-9, 1e9, &periods, err)))
        return rc;
    if (s % 2) return qc_err_set(err, QC_ERR_INPUT, "option '--pbo-s': must be even, got %lld", s);
    o->pbo_s = (size_t)s;
    o->warmup = (size_t)w;
    o->threads = (size_t)th;
    o->bt.metrics.periods_per_year = periods;
    const char *fill = qc_args_get(a, "fill");
    if (fill && strcmp(fill, "next_open") && strcmp(fill, "close"))
        return qc_err_set(err, QC_ERR_INPUT, "option '--fill': expected next_open or close, got '%.20s'", fill);
    o->bt.sim.fill = fill && strcmp(fill, "close") == 0 ? QC_FILL_CLOSE : QC_FILL_NEXT_OPEN;
    return QC_OK;
}

/* ---- outputs ---------------------------------------------------------------------------------- */

typedef struct {
    const qc_sweep_result *r;
    const char *strategy, *run;
} out_ctx;

static qc_err w_json(FILE *f, void *c, qc_error *err) {
    const out_ctx *o = c;
    return qc_sweep_write_json(f, o->r, o->strategy, o->run, err);
}

static qc_err w_report(FILE *f, void *c, qc_error *err) {
    const out_ctx *o = c;
    return qc_sweep_report_html(f, o->r, o->run, err);
}

static void fmt_params(const qc_sweep_result *r, const qc_sweep_combo *c, char *buf, size_t n) {
    size_t k = 0;
    buf[0] = '\0';
    for (size_t a = 0; a < r->n_axes && k < n; a++)
        k += (size_t)snprintf(buf + k, n - k, "%s%s=%g", a ? ", " : "", r->axes[a].name, c->value[a]);
}

static void summary(FILE *f, const qc_sweep_result *r, const char *run, double secs, size_t threads) {
    fprintf(f, "%s\n%zu combinations: %zu trials, %zu skipped; %zu bars; %s\n", run, r->n_combos, r->n_trials,
            r->n_combos - r->n_trials, r->n_bars, r->use_cv ? qc_cv_scheme_name(r->plan.scheme) : "no cross-validation");
    for (size_t i = 0, shown = 0; i < r->n_combos && shown < 3; i++)
        if (r->combos[i].skipped) {
            char p[256];
            fmt_params(r, &r->combos[i], p, sizeof p);
            fprintf(f, "  skipped (%s): %s\n", p, r->combos[i].reason);
            shown++;
        }
    if (r->use_cv) fprintf(f, "  splits %zu, paths %zu\n", r->plan.n_splits, r->n_paths);
    const qc_sweep_combo *c = &r->combos[r->selected];
    char p[256];
    fmt_params(r, c, p, sizeof p);
    fprintf(f, "\n  selected       %s\n  Sharpe         in-sample %.3f, full sample %.3f\n", p, c->is_sharpe,
            c->full_sharpe);
    if (r->use_cv) fprintf(f, "  out-of-sample  mean over paths %.3f (std %.3f, min %.3f, max %.3f)\n", c->oos_sharpe,
                           c->oos_std, c->oos_min, c->oos_max);
    if (r->use_cv) fprintf(f, "  procedure OOS  %.3f (picking the best on each split's train set)\n", r->procedure_oos_sharpe);
    fprintf(f, "  DSR            %.4f over %zu trials (PSR %.4f; trial Sharpe variance %.3g per period)\n",
            r->selected_dsr, r->n_trials, r->selected_psr, r->trials_sr_var);
    if (r->has_pbo) fprintf(f, "  PBO            %.4f (CSCV, S = %zu, %zu combinations; P(OOS loss) %.3f)\n", r->pbo.pbo,
                            r->pbo.s, r->pbo.n_combos, r->pbo.prob_oos_loss);
    else fprintf(f, "  PBO            not computed (needs 2 trials and at least S bars)\n");
    fprintf(f, "\n  time: %.2f s, %zu backtests (%.0f/s), %zu bar events, %zu thread%s\n", secs, r->n_backtests,
            secs > 0 ? (double)r->n_backtests / secs : 0, r->n_bar_events, threads, threads == 1 ? "" : "s");
}

static int cmd_sweep(qc_cli *cli, qc_args *a) {
    qc_error err = {0};
    qc_sweep_opts o;
    qc_sweep_opts_init(&o);
    qc_sweep_axis axes[QC_SWEEP_MAX_AXES];
    const char *path = qc_args_get(a, "data"), *sname = qc_args_get(a, "strategy");
    const char *fixed[64];
    size_t nfixed = qc_args_all(a, "param", fixed, 64);
    qc_err rc = path ? QC_OK : qc_err_set(&err, QC_ERR_USAGE, "sweep: --data FILE.csv is required");
    if (!rc && !sname) rc = qc_err_set(&err, QC_ERR_USAGE, "sweep: --strategy NAME is required");
    qc_plugin *plugin = NULL;
    if (!rc && qc_strategy_is_plugin_path(sname)) {
        rc = qc_plugin_load(sname, &plugin, &err);
        if (!rc) o.strategy = qc_plugin_def(plugin);
    } else if (!rc && !(o.strategy = qc_strategy_find(sname))) {
        rc = qc_err_set(&err, QC_ERR_INPUT, "unknown strategy '%s' (see quantcli strategies list)", sname);
    }
    if (!rc && nfixed > 64) rc = qc_err_set(&err, QC_ERR_USAGE, "sweep: more than 64 --param options");
    o.fixed = fixed;
    o.n_fixed = nfixed;
    if (!rc) rc = read_opts(a, &o, axes, &err);
    const char *cal_name = qc_args_get(a, "calendar");
    if (!cal_name) cal_name = qc_config_get(cli->cfg, "data.calendar");
    if (!rc && !(o.bt.cal = qc_calendar_get(cal_name && *cal_name ? cal_name : "NYSE", &err))) rc = QC_ERR_INPUT;
    qc_bars bars;
    memset(&bars, 0, sizeof bars);
    if (!rc) rc = load_bars(path, o.bt.cal, &bars, &o.bt.interval_s, &err);
    eta_bar bar = {.on = cli->progress && !cli->quiet && isatty(STDERR_FILENO), .start_ns = mono_ns()};
    o.progress = eta_cb;
    o.progress_ctx = &bar;
    qc_sweep_result r;
    memset(&r, 0, sizeof r);
    int64_t t0 = mono_ns();
    if (!rc) rc = qc_sweep_run(&bars, "X", &o, &r, &err);
    double secs = (double)(mono_ns() - t0) / 1e9;
    if (bar.on) fprintf(stderr, "\r%-70s\r", "");
    char run[512];
    snprintf(run, sizeof run, "%s sweep on %s", sname ? sname : "", path ? path : "");
    out_ctx oc = {&r, sname, run};
    const char *json = qc_args_get(a, "json"), *rep = qc_args_get(a, "report");
    if (!rc && json) rc = qc_out_file(json, w_json, &oc, &err);
    if (!rc && rep) rc = qc_out_file(rep, w_report, &oc, &err);
    if (!rc && !cli->quiet && !(json && strcmp(json, "-") == 0)) {
        summary(stdout, &r, run, secs, o.threads);
        if (rep) printf("  report: %s\n", rep);
    }
    qc_sweep_result_free(&r);
    qc_bars_free(&bars);
    qc_plugin_unload(plugin);
    return rc ? qc_cli_fail(&err) : 0;
}

static const qc_opt_spec k_opts[] = {
    {"data", "FILE.csv", "bars of one series (OHLCV, or one close column)"},
    {"strategy", "NAME|FILE.so", "strategy to sweep (quantcli strategies list) or a plugin (a path)"},
    {"grid", "NAME=FROM:TO:STEP", "a parameter axis (repeatable; NAME=VALUE for one value)"},
    {"param", "NAME=VALUE", "a parameter held fixed (repeatable)"},
    {"cv", "SCHEME", "none (default), kfold, purged, walkforward or cpcv"},
    QC_CLI_CV_SPECS,
    {"pbo-s", "S", "CSCV submatrices for PBO (even, 2..32; default 16)"},
    {"warmup", "W", "warm-up bars before each range (default: the combination's largest integer parameter)"},
    {"threads", "N", "worker threads (default 1); the output does not depend on it"},
    {"cash", "X", "starting cash of every run (default 100000)"},
    {"commission-bps", "X", "commission in basis points of notional (default 0)"},
    {"fill", "MODE", "next_open (default) or close"},
    {"periods", "N", "periods per year for annualisation (default: 252 for daily bars)"},
    {"calendar", "CAL", "trading calendar (default NYSE) [data.calendar]"},
    {"json", "FILE", "write the result document as JSON; - for stdout"},
    {"report", "FILE.html", "write the self-contained HTML report (Sharpe heatmap, PBO logits)"},
};

const qc_command qc_cmd_sweep[] = {
    {"sweep", "--data FILE.csv --strategy NAME --grid NAME=FROM:TO:STEP... [--cv SCHEME ...] [--threads N] [--json F]",
     "Backtest every combination of a parameter grid, cross-validated, with DSR and PBO.",
     "Every combination is run (those the strategy rejects, e.g. fast >= slow, are reported as skipped).\n"
     "A full-sample run per combination gives its full Sharpe and the returns behind PBO (CSCV over S\n"
     "submatrices; the first bars mod S are dropped). With --cv each contiguous range of a split is run\n"
     "on its own, starting flat: test ranges warm up on up to W bars before them, train ranges of kfold,\n"
     "purged and cpcv on none (the bar before them is a test, purged or embargoed bar), walk-forward\n"
     "train windows on the unused bars before them; warm-up returns never count. in-sample Sharpe = mean\n"
     "over splits of the train Sharpe; out-of-sample = per path (cpcv: K/N C(N,K) paths) and their mean.\n"
     "The selected combination has the highest in-sample Sharpe; its DSR deflates its full-sample Sharpe\n"
     "by the number of trials and the variance of their Sharpe ratios. walkforward also picks the best on\n"
     "each train window and stitches the picks' test windows into one equity curve. Sharpe ratios are\n"
     "annualised with the periods per year. See docs/VALIDATION.md.",
     k_opts, sizeof k_opts / sizeof k_opts[0], 0, 0, cmd_sweep},
};
const size_t qc_cmd_sweep_n = 1;
