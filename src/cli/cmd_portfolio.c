/* cmd_portfolio.c: `quantcli portfolio optimize`: portfolio weights from a returns (or prices) table
 * through src/portfolio: weights keyed by column name, expected return, volatility, Sharpe, risk
 * contributions, and with --svg the efficient frontier with the assets and the chosen portfolio.
 * Every figure is per period (per row). Conventions: docs/PORTFOLIO.md. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/calendar.h"
#include "core/strutil.h"
#include "data/csv.h"
#include "portfolio/portfolio.h"

#define SVG_POINTS 40

typedef struct {
    const char *path;
    size_t t, n;
    double *r;           /* t x n returns */
    const char **names;  /* n, views into the CSV result */
} table;

typedef struct {
    qc_port_spec sp;
    const char *method_name;
    size_t points;
    double lohi[2];
    int bounded;
    double *w0;            /* --current (n), for --turnover */
    qc_port_groups groups; /* --group / --groups */
} opts;

typedef struct {
    const table *tb;
    const opts *o;
    double *mu, *cov, *w, *rc, shrink, var, cvar;
    qc_port_stats st;
    double geo;               /* historical geometric mean per period, rebalanced every period */
    size_t nf;                /* frontier points (frontier method or --svg) */
    double *fw, *fret, *fvol;
} result;

/* ---- input --------------------------------------------------------------------------------------- */

static qc_err check_columns(const qc_csv_result *r, const char *path, qc_error *err) {
    if (!r->names)
        return qc_err_set(err, QC_ERR_INPUT, "%s: needs a table of returns or prices: date,ASSET1,ASSET2,... (an OHLC "
                          "file holds one asset)", path);
    if (r->n_bad) {
        const qc_csv_bad_row *b = &r->bad[0];
        return qc_err_set(err, QC_ERR_INPUT, "%s:%zu: %s%s%s", path, b->line, b->field, b->field[0] ? ": " : "", b->msg);
    }
    for (size_t s = 1; s < r->n_series; s++) {
        const qc_bars *a = &r->series[0], *b = &r->series[s];
        size_t i = 0;
        while (i < a->n && i < b->n && a->ts[i] == b->ts[i]) i++;
        if (i < a->n || i < b->n) { /* the series lacking the earlier of the two stamps has the hole */
            int b_lacks = i < a->n && (i >= b->n || a->ts[i] < b->ts[i]);
            uint32_t line = b_lacks ? r->lines[0][i] : r->lines[s][i];
            return qc_err_set(err, QC_ERR_INPUT, "%s:%u: column '%s' has a missing value (every asset needs a value on "
                              "every row)", path, line, r->names[b_lacks ? s : 0]);
        }
    }
    if (!qc_bars_is_strictly_increasing(&r->series[0]))
        return qc_err_set(err, QC_ERR_INPUT, "%s: dates must be strictly increasing", path);
    return QC_OK;
}

static qc_err fill_matrix(const qc_csv_result *r, int prices, table *tb, qc_error *err) {
    size_t rows = r->series[0].n, n = r->n_series, t = prices ? (rows ? rows - 1 : 0) : rows;
    if (t < 2)
        return qc_err_set(err, QC_ERR_INPUT, "%s: need at least 2 returns, got %zu", tb->path, t);
    tb->r = malloc(t * n * sizeof *tb->r);
    tb->names = calloc(n, sizeof *tb->names); /* filled with copies by read_table */
    if (!tb->r || !tb->names) return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    tb->t = t, tb->n = n;
    for (size_t i = 0; i < n; i++) {
        const double *c = r->series[i].close;
        for (size_t s = 0; s < t; s++) {
            double v = prices ? c[s + 1] / c[s] - 1 : c[s];
            size_t bad = prices ? (c[s] > 0 ? (c[s + 1] > 0 ? SIZE_MAX : s + 1) : s) : (c[s] >= -1 ? SIZE_MAX : s);
            if (bad != SIZE_MAX)
                return qc_err_set(err, QC_ERR_INPUT, "%s:%u: %s: %s, got %g", tb->path, r->lines[i][bad], r->names[i],
                                  prices ? "a price must be positive" : "a return must be >= -1", c[bad]);
            tb->r[s * n + i] = v;
        }
    }
    return QC_OK;
}

static qc_err read_table(const qc_cli *cli, const qc_args *a, table *tb, qc_error *err) {
    const char *cal_name = qc_config_get(cli->cfg, "data.calendar");
    const qc_calendar *cal = qc_calendar_get(cal_name && *cal_name ? cal_name : "NYSE", err);
    if (!cal) return QC_ERR_INPUT;
    qc_csv_opts co;
    qc_csv_opts_init(&co);
    co.cal = cal;
    co.label = tb->path;
    qc_csv_result res;
    qc_err rc = qc_csv_read_file(tb->path, &co, &res, err);
    if (rc) return rc;
    rc = check_columns(&res, tb->path, err);
    if (!rc) rc = fill_matrix(&res, qc_args_has(a, "prices"), tb, err);
    /* keep the names: move them out of the result before freeing it */
    if (!rc)
        for (size_t i = 0; i < tb->n; i++) tb->names[i] = strdup(res.names[i]);
    for (size_t i = 0; !rc && i < tb->n; i++)
        if (!tb->names[i]) rc = qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    qc_csv_result_free(&res);
    return rc;
}

static void table_free(table *tb) {
    for (size_t i = 0; tb->names && i < tb->n; i++) free((void *)tb->names[i]);
    free(tb->r), free(tb->names);
}

/* ---- options ------------------------------------------------------------------------------------- */

static qc_err parse_bounds(const char *v, double out[2], qc_error *err) {
    const char *comma = strchr(v, ',');
    if (!comma || qc_parse_double(v, (size_t)(comma - v), &out[0]) ||
        qc_parse_double(comma + 1, strlen(comma + 1), &out[1]) || !(out[0] <= out[1]))
        return qc_err_set(err, QC_ERR_INPUT, "option '--bounds': expected LO,HI with LO <= HI, got '%.40s'", v);
    return QC_OK;
}

static qc_err read_opts(const qc_args *a, opts *o, qc_error *err) {
    memset(o, 0, sizeof *o);
    qc_port_spec_init(&o->sp);
    o->points = 20;
    o->method_name = qc_args_get(a, "method");
    if (!o->method_name) return qc_err_set(err, QC_ERR_USAGE, "portfolio optimize: --method is required");
    qc_err rc = QC_OK;
    if (strcmp(o->method_name, "frontier") == 0) o->sp.method = QC_PORT_MINVAR;
    else if ((rc = qc_port_method_parse(o->method_name, &o->sp.method, err))) return rc;
    const char *cov = qc_args_get(a, "cov");
    if (cov && (rc = qc_port_cov_kind_parse(cov, &o->sp.cov, err))) return rc;
    const double inf = INFINITY;
    long long pts = 20;
    if ((rc = qc_args_double(a, "rf", -1, inf, &o->sp.rf, err)) || (rc = qc_args_double(a, "alpha", 0, 1, &o->sp.alpha, err)) ||
        (rc = qc_args_double(a, "lambda", 0, 1, &o->sp.ewma_lambda, err)) ||
        (rc = qc_args_double(a, "kelly-fraction", 0, 100, &o->sp.kelly_fraction, err)) ||
        (rc = qc_args_int(a, "points", 2, 1000, &pts, err)))
        return rc;
    o->points = (size_t)pts;
    if (o->sp.alpha <= 0 || o->sp.alpha >= 1)
        return qc_err_set(err, QC_ERR_INPUT, "option '--alpha': must be strictly between 0 and 1, got %g", o->sp.alpha);
    const char *tk = o->sp.method == QC_PORT_TARGET_RISK ? "target-risk" : "target-return";
    if ((rc = qc_args_double(a, tk, -inf, inf, &o->sp.target, err))) return rc;
    if ((o->sp.method == QC_PORT_TARGET_RETURN || o->sp.method == QC_PORT_TARGET_RISK) && isnan(o->sp.target))
        return qc_err_set(err, QC_ERR_USAGE, "portfolio optimize: --method %s needs --%s X", o->method_name, tk);
    if (qc_args_has(a, "long-only")) o->lohi[0] = 0, o->lohi[1] = 1, o->bounded = 1;
    const char *b = qc_args_get(a, "bounds");
    if (b && (rc = parse_bounds(b, o->lohi, err))) return rc;
    if (b) o->bounded = 1;
    if (o->bounded) o->sp.c.lo = o->lohi[0], o->sp.c.hi = o->lohi[1];
    if (o->bounded && (((o->sp.method == QC_PORT_IVP || o->sp.method == QC_PORT_ERC) && b) || o->sp.method == QC_PORT_KELLY))
        return qc_err_set(err, QC_ERR_INPUT, "--bounds/--long-only do not apply to --method %s (its weights follow from the "
                          "method alone); use minvar, maxsharpe, hrp or cvar", o->method_name);
    return QC_OK;
}

/* Mean-variance methods take every constraint; cvar takes bounds and groups. */
static int is_mean_variance(const opts *o) {
    qc_port_method m = o->sp.method;
    return m == QC_PORT_MINVAR || m == QC_PORT_MAXSHARPE || m == QC_PORT_TARGET_RETURN || m == QC_PORT_TARGET_RISK;
}

static qc_err read_file_text(const char *path, char **text, size_t *len, qc_error *err) {
    FILE *f = fopen(path, "rb");
    if (!f) return qc_err_set(err, QC_ERR_INPUT, "cannot read '%s': %s", path, strerror(errno));
    size_t cap = 4096, n = 0, got;
    char *buf = malloc(cap);
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap && n < (1u << 24)) {
            char *b = realloc(buf, cap *= 2);
            if (!b) free(buf);
            buf = b;
        } else if (n == cap) break;
    }
    int bad = ferror(f);
    fclose(f);
    if (!buf) return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    if (bad || n == cap) {
        free(buf);
        return qc_err_set(err, QC_ERR_INPUT, "cannot read '%s': %s", path, bad ? "read error" : "larger than 16 MiB");
    }
    *text = buf, *len = n;
    return QC_OK;
}

static qc_err read_groups(const qc_args *a, const table *tb, opts *o, qc_error *err) {
    const char *specs[64], *file = qc_args_get(a, "groups");
    size_t ns = qc_args_all(a, "group", specs, 64);
    if (ns > 64) return qc_err_set(err, QC_ERR_USAGE, "portfolio optimize: at most 64 --group options (use --groups FILE)");
    if (!ns && !file) return QC_OK;
    if (!is_mean_variance(o) && o->sp.method != QC_PORT_CVAR)
        return qc_err_set(err, QC_ERR_INPUT, "--group/--groups do not apply to --method %s; use minvar, maxsharpe, "
                          "target_return, target_risk, frontier or cvar", o->method_name);
    qc_err rc = qc_port_groups_init(&o->groups, tb->n, err);
    if (!rc && file) {
        char *text = NULL;
        size_t len = 0;
        rc = read_file_text(file, &text, &len, err);
        if (!rc) rc = qc_port_groups_read(&o->groups, text, len, tb->names, file, err);
        free(text);
    }
    for (size_t i = 0; !rc && i < ns; i++) rc = qc_port_groups_add(&o->groups, specs[i], tb->names, err);
    if (!rc) qc_port_groups_apply(&o->groups, &o->sp.c);
    return rc;
}

/* --turnover MAX with --current W1,...,Wn (in column order); then --group/--groups. */
static qc_err read_constraints(const qc_args *a, const table *tb, opts *o, qc_error *err) {
    const char *cur = qc_args_get(a, "current");
    int has_t = qc_args_has(a, "turnover");
    if (has_t != (cur != NULL))
        return qc_err_set(err, QC_ERR_USAGE, "portfolio optimize: --turnover and --current go together");
    if (has_t) {
        double max = NAN;
        qc_err rc = qc_args_double(a, "turnover", 0, 2 * tb->n + 2.0, &max, err);
        if (rc) return rc;
        if (!is_mean_variance(o))
            return qc_err_set(err, QC_ERR_INPUT, "--turnover does not apply to --method %s; use minvar, maxsharpe, "
                              "target_return, target_risk or frontier", o->method_name);
        o->w0 = malloc(tb->n * sizeof *o->w0);
        if (!o->w0) return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
        if ((rc = qc_port_parse_list(cur, tb->n, o->w0, err))) return qc_err_prefix(err, "option '--current': ");
        o->sp.c.w0 = o->w0;
        o->sp.c.max_turnover = max;
    }
    return read_groups(a, tb, o, err);
}

static void opts_free(opts *o) {
    free(o->w0);
    qc_port_groups_free(&o->groups);
}

/* ---- computing ------------------------------------------------------------------------------------ */

static qc_err run_frontier(result *R, size_t points, qc_error *err) {
    const table *tb = R->tb;
    R->nf = points;
    R->fw = malloc(points * tb->n * sizeof *R->fw);
    R->fret = malloc(points * sizeof *R->fret), R->fvol = malloc(points * sizeof *R->fvol);
    if (!R->fw || !R->fret || !R->fvol) return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    qc_port_problem p = {.n = tb->n, .mu = R->mu, .cov = R->cov, .rf = R->o->sp.rf, .c = R->o->sp.c, .names = tb->names};
    return qc_port_frontier(&p, points, R->fw, R->fret, R->fvol, err);
}

static qc_err compute(result *R, int want_svg, qc_error *err) {
    const table *tb = R->tb;
    const opts *o = R->o;
    size_t n = tb->n;
    R->mu = malloc(n * sizeof *R->mu), R->cov = malloc(n * n * sizeof *R->cov);
    R->w = malloc(n * sizeof *R->w), R->rc = malloc(n * sizeof *R->rc);
    if (!R->mu || !R->cov || !R->w || !R->rc) return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    R->var = R->cvar = NAN;
    qc_port_mean(tb->r, tb->t, n, R->mu);
    qc_err rc = qc_port_cov(tb->r, tb->t, n, o->sp.cov, o->sp.ewma_lambda, R->cov, &R->shrink, err);
    if (rc) return rc;
    int frontier = strcmp(o->method_name, "frontier") == 0;
    if (frontier || want_svg) {
        if ((rc = run_frontier(R, frontier ? o->points : SVG_POINTS, err))) return rc;
    }
    if (o->sp.method == QC_PORT_CVAR)
        rc = qc_port_min_cvar(tb->r, tb->t, n, o->sp.alpha, &o->sp.c, o->sp.target, R->w, &R->var, &R->cvar, err);
    else if (frontier) {
        /* the chosen point of a frontier: the one with the best Sharpe ratio */
        size_t best = 0;
        for (size_t k = 1; k < R->nf; k++)
            if ((R->fret[k] - o->sp.rf) / R->fvol[k] > (R->fret[best] - o->sp.rf) / R->fvol[best]) best = k;
        memcpy(R->w, R->fw + best * n, n * sizeof *R->w);
    } else rc = qc_port_weights(tb->r, tb->t, n, &o->sp, tb->names, R->w, err);
    if (rc) return rc;
    for (size_t i = 0; i < n; i++)
        if (!isfinite(R->w[i])) return qc_err_set(err, QC_ERR_INTERNAL, "internal: non-finite weight for '%s'", tb->names[i]);
    qc_port_evaluate(n, R->mu, R->cov, o->sp.rf, R->w, &R->st, R->rc);
    if (isnan(R->cvar)) qc_port_cvar_of(tb->r, tb->t, n, o->sp.alpha, R->w, &R->var, &R->cvar);
    double lg = 0;
    for (size_t s = 0; s < tb->t; s++) {
        double rp = 0;
        for (size_t i = 0; i < n; i++) rp += tb->r[s * n + i] * R->w[i];
        lg += log1p(rp);
    }
    R->geo = expm1(lg / (double)tb->t);
    return QC_OK;
}

static void result_free(result *R) {
    free(R->mu), free(R->cov), free(R->w), free(R->rc), free(R->fw), free(R->fret), free(R->fvol);
}

/* ---- output ---------------------------------------------------------------------------------------- */

static void add_num(cJSON *o, const char *k, double v) {
    if (isfinite(v)) cJSON_AddNumberToObject(o, k, v);
    else cJSON_AddNullToObject(o, k);
}

static cJSON *weights_json(const table *tb, const double *w) {
    cJSON *o = cJSON_CreateObject();
    for (size_t i = 0; i < tb->n; i++) add_num(o, tb->names[i], w[i]);
    return o;
}

static double weight_sum(const result *R) {
    double s = 0;
    for (size_t i = 0; i < R->tb->n; i++) s += R->w[i];
    return s;
}

static void print_json(const result *R) {
    const opts *o = R->o;
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "file", R->tb->path);
    cJSON_AddStringToObject(root, "method", o->method_name);
    cJSON_AddStringToObject(root, "cov", qc_port_cov_kind_name(o->sp.cov));
    if (o->sp.cov == QC_PORT_COV_LW_CC || o->sp.cov == QC_PORT_COV_LW_ID) add_num(root, "shrinkage", R->shrink);
    cJSON_AddNumberToObject(root, "observations", (double)R->tb->t);
    cJSON_AddStringToObject(root, "units", "per period (per row); expected_return is the arithmetic mean");
    add_num(root, "rf", o->sp.rf);
    cJSON_AddItemToObject(root, "weights", weights_json(R->tb, R->w));
    cJSON_AddItemToObject(root, "risk_contributions", weights_json(R->tb, R->rc));
    add_num(root, "cash", 1 - weight_sum(R));
    add_num(root, "expected_return", R->st.ret);
    add_num(root, "volatility", R->st.vol);
    add_num(root, "sharpe", R->st.sharpe);
    add_num(root, "geometric_return", R->geo);
    add_num(root, "alpha", o->sp.alpha);
    add_num(root, "var", R->var);
    add_num(root, "cvar", R->cvar);
    if (strcmp(o->method_name, "frontier") == 0) {
        cJSON *arr = cJSON_AddArrayToObject(root, "frontier");
        for (size_t k = 0; k < R->nf; k++) {
            cJSON *pt = cJSON_CreateObject();
            add_num(pt, "expected_return", R->fret[k]);
            add_num(pt, "volatility", R->fvol[k]);
            add_num(pt, "sharpe", (R->fret[k] - o->sp.rf) / R->fvol[k]);
            cJSON_AddItemToObject(pt, "weights", weights_json(R->tb, R->fw + k * R->tb->n));
            cJSON_AddItemToArray(arr, pt);
        }
    }
    qc_out_json(stdout, root);
}

static void print_table(const result *R) {
    const table *tb = R->tb;
    size_t n = tb->n;
    static const char *hdr[] = {"asset", "weight", "risk_contribution"};
    char **cells = calloc(3 * n, sizeof *cells), (*buf)[32] = calloc(3 * n, sizeof *buf);
    if (!cells || !buf) {
        free(cells), free(buf);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        snprintf(buf[3 * i], 32, "%s", tb->names[i]);
        snprintf(buf[3 * i + 1], 32, "%.6f", R->w[i]);
        snprintf(buf[3 * i + 2], 32, "%.6f", R->rc[i]);
        for (size_t c = 0; c < 3; c++) cells[3 * i + c] = buf[3 * i + c];
    }
    qc_out_table(stdout, hdr, 3, cells, n);
    free(cells), free(buf);
    const opts *o = R->o;
    printf("\nmethod            %s (cov %s", o->method_name, qc_port_cov_kind_name(o->sp.cov));
    if (o->sp.cov == QC_PORT_COV_LW_CC || o->sp.cov == QC_PORT_COV_LW_ID) printf(", shrinkage %.6g", R->shrink);
    printf(", %zu observations)\n", tb->t);
    printf("expected_return   %.8g per period (arithmetic mean)\n", R->st.ret);
    printf("volatility        %.8g per period\n", R->st.vol);
    printf("sharpe            %.8g per period (rf %g)\n", R->st.sharpe, o->sp.rf);
    printf("geometric_return  %.8g per period (historical, rebalanced every period)\n", R->geo);
    printf("cvar              %.8g at alpha %g (var %.8g; historical, loss = -r'w)\n", R->cvar, o->sp.alpha, R->var);
    if (fabs(1 - weight_sum(R)) > 1e-9) printf("cash              %.8g\n", 1 - weight_sum(R));
    if (strcmp(o->method_name, "frontier") == 0) {
        printf("\nfrontier (%zu points; the weights above are the best-Sharpe point)\n", R->nf);
        for (size_t k = 0; k < R->nf; k++)
            printf("  %3zu  return %.8g  volatility %.8g  sharpe %.6g\n", k, R->fret[k], R->fvol[k],
                   (R->fret[k] - o->sp.rf) / R->fvol[k]);
    }
}

/* ---- SVG: frontier, assets, chosen portfolio ---------------------------------------------------- */

typedef struct {
    double x0, x1, y0, y1;
} box;

static double sx(const box *b, double v) { return 70 + (v - b->x0) / (b->x1 - b->x0) * 540; }
static double sy(const box *b, double v) { return 370 - (v - b->y0) / (b->y1 - b->y0) * 330; }

static box svg_box(const result *R) {
    box b = {0, R->st.vol, R->st.ret, R->st.ret};
    for (size_t i = 0; i < R->tb->n; i++) {
        b.x1 = fmax(b.x1, sqrt(R->cov[i * R->tb->n + i]));
        b.y0 = fmin(b.y0, R->mu[i]), b.y1 = fmax(b.y1, R->mu[i]);
    }
    for (size_t k = 0; k < R->nf; k++) b.x1 = fmax(b.x1, R->fvol[k]), b.y0 = fmin(b.y0, R->fret[k]), b.y1 = fmax(b.y1, R->fret[k]);
    double pad = (b.y1 - b.y0) * 0.08 + 1e-12;
    b.y0 -= pad, b.y1 += pad, b.x1 *= 1.08;
    if (!(b.x1 > 0)) b.x1 = 1;
    return b;
}

static qc_err write_svg(FILE *f, void *ctx, qc_error *err) {
    (void)err;
    const result *R = ctx;
    box b = svg_box(R);
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"640\" height=\"420\" viewBox=\"0 0 640 420\" "
               "font-family=\"sans-serif\" font-size=\"11\">\n<rect width=\"640\" height=\"420\" fill=\"white\"/>\n");
    fprintf(f, "<title>Efficient frontier (%s)</title>\n", R->o->method_name);
    fprintf(f, "<line x1=\"70\" y1=\"370\" x2=\"610\" y2=\"370\" stroke=\"black\"/>\n"
               "<line x1=\"70\" y1=\"40\" x2=\"70\" y2=\"370\" stroke=\"black\"/>\n");
    for (int k = 0; k <= 4; k++) {
        double xv = b.x0 + (b.x1 - b.x0) * k / 4, yv = b.y0 + (b.y1 - b.y0) * k / 4;
        fprintf(f, "<text x=\"%.1f\" y=\"386\" text-anchor=\"middle\">%.3g</text>\n", sx(&b, xv), xv);
        fprintf(f, "<text x=\"64\" y=\"%.1f\" text-anchor=\"end\">%.3g</text>\n", sy(&b, yv) + 4, yv);
    }
    fprintf(f, "<text x=\"340\" y=\"408\" text-anchor=\"middle\">volatility per period</text>\n"
               "<text x=\"16\" y=\"205\" transform=\"rotate(-90 16 205)\" text-anchor=\"middle\">expected return "
               "per period</text>\n");
    if (R->nf) {
        fprintf(f, "<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"2\" points=\"");
        for (size_t k = 0; k < R->nf; k++) fprintf(f, "%.1f,%.1f ", sx(&b, R->fvol[k]), sy(&b, R->fret[k]));
        fprintf(f, "\"/>\n");
    }
    for (size_t i = 0; i < R->tb->n; i++) {
        double x = sx(&b, sqrt(R->cov[i * R->tb->n + i])), y = sy(&b, R->mu[i]);
        fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"#7f7f7f\"/><text x=\"%.1f\" y=\"%.1f\">", x, y,
                x + 5, y - 4);
        for (const char *p = R->tb->names[i]; *p; p++) /* XML text: escape the markup characters */
            if (*p == '<') fputs("&lt;", f);
            else if (*p == '>') fputs("&gt;", f);
            else if (*p == '&') fputs("&amp;", f);
            else fputc(*p, f);
        fputs("</text>\n", f);
    }
    fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"6\" fill=\"#d62728\"/><text x=\"%.1f\" y=\"%.1f\" "
               "fill=\"#d62728\">%s</text>\n</svg>\n",
            sx(&b, R->st.vol), sy(&b, R->st.ret), sx(&b, R->st.vol) + 8, sy(&b, R->st.ret) + 14, R->o->method_name);
    return ferror(f) ? qc_err_set(err, QC_ERR_INTERNAL, "write failed") : QC_OK;
}

static int cmd_optimize(qc_cli *cli, qc_args *a) {
    qc_error err = {0};
    table tb = {.path = qc_args_get(a, "returns")};
    opts o;
    qc_err rc = tb.path ? read_opts(a, &o, &err)
                        : qc_err_set(&err, QC_ERR_USAGE, "portfolio optimize: --returns FILE.csv is required");
    if (!rc) rc = read_table(cli, a, &tb, &err);
    if (!rc) rc = read_constraints(a, &tb, &o, &err);
    result R = {.tb = &tb, .o = &o};
    const char *svg = qc_args_get(a, "svg");
    if (!rc) rc = compute(&R, svg != NULL, &err);
    if (!rc && svg) rc = qc_out_file(svg, write_svg, &R, &err);
    if (!rc && qc_args_has(a, "json")) print_json(&R);
    else if (!rc && !(svg && strcmp(svg, "-") == 0)) print_table(&R);
    result_free(&R);
    if (tb.path) opts_free(&o);
    table_free(&tb);
    return rc ? qc_cli_fail(&err) : 0;
}

static const qc_opt_spec k_opts[] = {
    {"returns", "FILE.csv", "table of returns: date,ASSET1,ASSET2,... (prices with --prices)"},
    {"prices", NULL, "the columns hold prices: returns are P_t / P_t-1 - 1"},
    {"method", "M", "minvar, maxsharpe, target_return, target_risk, frontier, ivp, erc, hrp, cvar, kelly, equal"},
    {"long-only", NULL, "weights in [0, 1] (default for mean-variance and CVaR: unbounded, shorts allowed)"},
    {"bounds", "LO,HI", "every weight in [LO, HI] (minvar, maxsharpe, target_*, frontier, hrp, cvar)"},
    {"target-return", "X", "target_return: mu'w >= X per period (cvar: an optional return floor)"},
    {"target-risk", "X", "target_risk: volatility <= X per period (the highest-return such portfolio)"},
    {"alpha", "A", "CVaR confidence (default 0.95: the mean of the worst 5% of losses)"},
    {"cov", "K", "sample (ddof=1, default), ewma, ledoit_wolf (constant correlation), ledoit_wolf_id"},
    {"lambda", "L", "EWMA decay (default 0.94)"},
    {"turnover", "MAX", "sum |w - current| <= MAX (mean-variance methods; needs --current)"},
    {"current", "W1,W2,...", "current weights, one per column in file order (for --turnover)"},
    {"group", "NAME=A,B:LO,HI", "LO <= sum of the weights of assets A, B <= HI (repeatable; mean-variance, cvar)"},
    {"groups", "FILE", "group bounds, one NAME=A,B,...:LO,HI per line ('#' comments)"},
    {"rf", "X", "risk-free rate PER PERIOD for Sharpe, max Sharpe and Kelly (default 0)"},
    {"kelly-fraction", "F", "kelly: fraction of full Kelly (default 1)"},
    {"points", "N", "frontier: number of points (default 20)"},
    {"svg", "OUT.svg", "draw the frontier, the assets and the chosen portfolio (self-contained SVG)"},
    {"json", NULL, "print the result as JSON"},
};

const qc_command qc_cmd_portfolio[] = {
    {"portfolio optimize", "--returns FILE.csv --method M [options] [--json] [--svg OUT.svg]",
     "Portfolio weights: mean-variance, risk parity, HRP, min CVaR, Kelly.",
     "Every figure is per period (per row), not annualised. mu = arithmetic mean of each column,\n"
     "S = covariance (--cov; sample uses ddof=1; Ledoit-Wolf shrinks the ddof=0 covariance and prints\n"
     "the intensity). expected_return = w'mu, volatility = sqrt(w'Sw), sharpe = (w'mu - rf) / vol,\n"
     "risk_contribution_i = w_i (Sw)_i / w'Sw. geometric_return = the historical per-period geometric\n"
     "mean of the portfolio rebalanced every row (not w'mu). Mean-variance weights sum to 1; minvar,\n"
     "maxsharpe (tangency, an error when no portfolio beats rf), target_return (min variance with\n"
     "w'mu >= X), target_risk (max return with vol <= X), frontier (N points evenly spaced in return\n"
     "from min variance to the maximum return; the best-Sharpe point is reported). ivp: w ~ 1/sigma.\n"
     "erc: equal risk contributions (long-only). hrp: Lopez de Prado 2016 with d = sqrt((1-rho)/2)\n"
     "fed to single linkage, SciPy/R hclust leaf order, bisection giving the first floor(m/2) items\n"
     "to the left half, inverse-variance cluster variances; --bounds clip each split. cvar: min CVaR\n"
     "at --alpha over the historical rows (Rockafellar-Uryasev LP; loss = -r'w; CVaR = VaR + mean\n"
     "excess loss / (1 - alpha)), no return constraint unless --target-return. kelly: w =\n"
     "fraction S^-1 (mu - rf), the rest is cash. Solvers: GLPK (LPs), an active-set QP (docs/PORTFOLIO.md).",
     k_opts, sizeof k_opts / sizeof k_opts[0], 0, 0, cmd_optimize},
};
const size_t qc_cmd_portfolio_n = 1;
