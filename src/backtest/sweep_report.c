/* sweep_report.c: a sweep's outputs: the JSON document (every combination with its in- and
 * out-of-sample Sharpe and CPCV path distribution, then the sweep as a whole: trials, Sharpe
 * variance, selected combination with its DSR, PBO with its logits, the selection procedure's
 * paths and the walk-forward equity) and a self-contained HTML page with inline SVG: a heatmap of
 * out-of-sample Sharpe over the first two grid axes and the histogram of the PBO logits. Both are
 * deterministic (numbers printed with 17 significant digits, no clocks). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "backtest/sweep.h"
#include "core/strutil.h"

/* ---- JSON ------------------------------------------------------------------------------------- */

static void jnum(FILE *f, double v) {
    if (isfinite(v)) fprintf(f, "%.17g", v);
    else fputs("null", f);
}

static void jstr(FILE *f, const char *s) {
    char buf[1024];
    qc_json_escape(s ? s : "", buf, sizeof buf);
    fputs(buf, f); /* qc_json_escape adds the quotes */
}

static void jarr(FILE *f, const double *v, size_t n) {
    fputc('[', f);
    for (size_t i = 0; i < n; i++) {
        if (i) fputs(", ", f);
        jnum(f, v[i]);
    }
    fputc(']', f);
}

static void jparams(FILE *f, const qc_sweep_result *r, const qc_sweep_combo *c) {
    fputc('{', f);
    for (size_t a = 0; a < r->n_axes; a++) {
        fprintf(f, "%s", a ? ", " : "");
        jstr(f, r->axes[a].name);
        fputs(": ", f);
        jnum(f, c->value[a]);
    }
    fputc('}', f);
}

static void json_combo(FILE *f, const qc_sweep_result *r, size_t i) {
    const qc_sweep_combo *c = &r->combos[i];
    fprintf(f, "    {\"index\": %zu, \"params\": ", i);
    jparams(f, r, c);
    if (c->skipped) {
        fputs(", \"status\": \"skipped\", \"reason\": ", f);
        jstr(f, c->reason);
        fputc('}', f);
        return;
    }
    fprintf(f, ", \"status\": \"ok\", \"trades\": %zu, \"full_sharpe\": ", c->n_trades);
    jnum(f, c->full_sharpe);
    fputs(", \"is_sharpe\": ", f);
    jnum(f, c->is_sharpe);
    fputs(", \"oos_sharpe\": ", f);
    jnum(f, r->use_cv ? c->oos_sharpe : NAN);
    if (r->use_cv) {
        fputs(", \"oos_paths\": ", f);
        jarr(f, c->path_sharpe, r->n_paths);
        fputs(", \"oos_distribution\": {\"mean\": ", f);
        jnum(f, c->oos_sharpe);
        fputs(", \"std\": ", f);
        jnum(f, c->oos_std);
        fputs(", \"min\": ", f);
        jnum(f, c->oos_min);
        fputs(", \"max\": ", f);
        jnum(f, c->oos_max);
        fputc('}', f);
    }
    fputc('}', f);
}

static void json_cv(FILE *f, const qc_sweep_result *r) {
    if (!r->use_cv) {
        fputs("  \"cv\": null,\n", f);
        return;
    }
    const qc_cv_plan *p = &r->plan;
    fprintf(f, "  \"cv\": {\"scheme\": \"%s\", \"splits\": %zu, \"paths\": %zu, \"split_ranges\": [",
            qc_cv_scheme_name(p->scheme), p->n_splits, r->n_paths);
    for (size_t s = 0; s < p->n_splits; s++) {
        fprintf(f, "%s{\"train\": [", s ? ", " : "");
        for (size_t k = 0; k < p->splits[s].n_train; k++)
            fprintf(f, "%s[%zu, %zu]", k ? ", " : "", p->splits[s].train[k].first, p->splits[s].train[k].last);
        fputs("], \"test\": [", f);
        for (size_t k = 0; k < p->splits[s].n_test; k++)
            fprintf(f, "%s[%zu, %zu]", k ? ", " : "", p->splits[s].test[k].first, p->splits[s].test[k].last);
        fputs("]}", f);
    }
    fputs("]},\n", f);
}

static void json_selection(FILE *f, const qc_sweep_result *r) {
    if (!r->use_cv) return;
    fputs(",\n  \"selection\": {\"split_best\": [", f);
    for (size_t s = 0; s < r->plan.n_splits; s++) fprintf(f, "%s%zu", s ? ", " : "", r->split_best[s]);
    fputs("], \"oos_paths\": ", f);
    jarr(f, r->procedure_path_sharpe, r->n_paths);
    fputs(", \"oos_sharpe\": ", f);
    jnum(f, r->procedure_oos_sharpe);
    fputc('}', f);
    if (!r->n_stitched) return;
    fputs(",\n  \"walkforward\": {\"index\": [", f);
    for (size_t i = 0; i < r->n_stitched; i++) fprintf(f, "%s%zu", i ? ", " : "", r->stitched_index[i]);
    fputs("], \"equity\": ", f);
    jarr(f, r->stitched_equity, r->n_stitched);
    fputc('}', f);
}

static void json_pbo(FILE *f, const qc_sweep_result *r) {
    if (!r->has_pbo) {
        fputs("null", f);
        return;
    }
    const qc_pbo *p = &r->pbo;
    fprintf(f, "{\"s\": %zu, \"combinations\": %zu, \"rows_used\": %zu, \"pbo\": ", p->s, p->n_combos, p->rows_used);
    jnum(f, p->pbo);
    fputs(", \"degradation\": {\"slope\": ", f);
    jnum(f, p->slope);
    fputs(", \"intercept\": ", f);
    jnum(f, p->intercept);
    fputs(", \"r2\": ", f);
    jnum(f, p->r2);
    fputs(", \"prob_oos_loss\": ", f);
    jnum(f, p->prob_oos_loss);
    fputs("},\n    \"logits\": ", f);
    jarr(f, p->logits, p->n_combos);
    fputc('}', f);
}

qc_err qc_sweep_write_json(FILE *f, const qc_sweep_result *r, const char *strategy, const char *run, qc_error *err) {
    fputs("{\n  \"strategy\": ", f);
    jstr(f, strategy);
    fputs(",\n  \"run\": ", f);
    jstr(f, run);
    fprintf(f, ",\n  \"bars\": %zu,\n  \"periods_per_year\": ", r->n_bars);
    jnum(f, r->periods_per_year);
    fputs(",\n  \"grid\": [", f);
    for (size_t a = 0; a < r->n_axes; a++) {
        fprintf(f, "%s{\"name\": ", a ? ", " : "");
        jstr(f, r->axes[a].name);
        fputs(", \"from\": ", f);
        jnum(f, r->axes[a].from);
        fputs(", \"to\": ", f);
        jnum(f, r->axes[a].to);
        fputs(", \"step\": ", f);
        jnum(f, r->axes[a].step);
        fprintf(f, ", \"values\": %zu}", qc_sweep_axis_count(&r->axes[a]));
    }
    fputs("],\n", f);
    json_cv(f, r);
    fputs("  \"combinations\": [\n", f);
    for (size_t i = 0; i < r->n_combos; i++) {
        json_combo(f, r, i);
        fputs(i + 1 < r->n_combos ? ",\n" : "\n", f);
    }
    fprintf(f, "  ],\n  \"summary\": {\"combinations\": %zu, \"trials\": %zu, \"skipped\": %zu, \"backtests\": %zu,\n",
            r->n_combos, r->n_trials, r->n_combos - r->n_trials, r->n_backtests);
    fputs("    \"trial_sharpe_var\": ", f);
    jnum(f, r->trials_sr_var);
    fputs(", \"expected_max_sharpe\": ", f);
    jnum(f, r->expected_max_sr);
    if (r->selected >= 0) {
        const qc_sweep_combo *c = &r->combos[r->selected];
        fprintf(f, ",\n    \"selected\": {\"index\": %ld, \"params\": ", r->selected);
        jparams(f, r, c);
        fputs(", \"is_sharpe\": ", f);
        jnum(f, c->is_sharpe);
        fputs(", \"oos_sharpe\": ", f);
        jnum(f, r->use_cv ? c->oos_sharpe : NAN);
        fputs(", \"full_sharpe\": ", f);
        jnum(f, c->full_sharpe);
        fputs(", \"psr\": ", f);
        jnum(f, r->selected_psr);
        fputs(", \"dsr\": ", f);
        jnum(f, r->selected_dsr);
        fputc('}', f);
    }
    fputs(",\n    \"pbo\": ", f);
    json_pbo(f, r);
    fputc('}', f);
    json_selection(f, r);
    fputs("\n}\n", f);
    if (fflush(f) != 0 || ferror(f)) return qc_err_set(err, QC_ERR_INPUT, "sweep: writing the JSON failed");
    return QC_OK;
}

/* ---- HTML ------------------------------------------------------------------------------------- */

static void put_esc(FILE *f, const char *s) {
    for (; s && *s; s++) {
        if (*s == '<') fputs("&lt;", f);
        else if (*s == '>') fputs("&gt;", f);
        else if (*s == '&') fputs("&amp;", f);
        else if (*s == '"') fputs("&quot;", f);
        else fputc(*s, f);
    }
}

static const char k_css[] =
    "body{font:14px/1.4 system-ui,-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;color:#222;"
    "background:#fff;max-width:940px;margin:24px auto;padding:0 12px}\n"
    "h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:26px 0 8px;padding-bottom:4px;"
    "border-bottom:1px solid #ddd}.sub{color:#555;margin:2px 0}\n"
    "svg.chart{display:block;max-width:100%;height:auto;font-size:11px}svg text{fill:#555}\n"
    ".axis{stroke:#999;fill:none}.bar{fill:#1f77b4}.zero{stroke:#444;stroke-dasharray:4 3;fill:none}\n"
    ".eq{stroke:#1f77b4;stroke-width:1.6;fill:none}.hm text{text-anchor:middle;fill:#222;font-size:10px}\n"
    "table{border-collapse:collapse}td,th{padding:3px 10px;border-bottom:1px solid #eee;text-align:right;"
    "font-variant-numeric:tabular-nums}.note{color:#666;font-size:12px}\n";

/* the value a heatmap cell shows: out-of-sample Sharpe with cv, else the full-sample one */
static double shown(const qc_sweep_result *r, const qc_sweep_combo *c) {
    return c->skipped ? NAN : r->use_cv ? c->oos_sharpe : c->full_sharpe;
}

/* diverging red-white-green colour of v in [-scale, scale] */
static void color_of(double v, double scale, char *buf, size_t n) {
    double t = scale > 0 ? v / scale : 0;
    if (t > 1) t = 1;
    if (t < -1) t = -1;
    int w = (int)(255 * (1 - fabs(t)));
    if (t >= 0) snprintf(buf, n, "rgb(%d,%d,%d)", w, 160 + (int)(95 * (1 - t)), w);
    else snprintf(buf, n, "rgb(%d,%d,%d)", 200 + (int)(55 * (1 + t)), w, w);
}

/* One row per value of axis 0, one column per value of axis 1; other axes at the best cell. */
static void heatmap(FILE *f, const qc_sweep_result *r) {
    size_t nx = r->n_axes > 1 ? qc_sweep_axis_count(&r->axes[1]) : 1, ny = qc_sweep_axis_count(&r->axes[0]);
    size_t rest = r->n_combos / (nx * ny);
    double *cell = malloc(nx * ny * sizeof *cell), scale = 0;
    if (!cell) return;
    for (size_t k = 0; k < nx * ny; k++) {
        cell[k] = NAN;
        for (size_t j = 0; j < rest; j++) {
            double v = shown(r, &r->combos[k * rest + j]);
            if (isfinite(v) && (isnan(cell[k]) || v > cell[k])) cell[k] = v;
        }
        if (isfinite(cell[k]) && fabs(cell[k]) > scale) scale = fabs(cell[k]);
    }
    int cw = nx > 40 ? 16 : 34, ch = ny > 40 ? 12 : 20, x0 = 60, y0 = 20;
    int w = x0 + (int)nx * cw + 20, h = y0 + (int)ny * ch + 40;
    fprintf(f, "<svg class=\"chart hm\" id=\"chart-heatmap\" viewBox=\"0 0 %d %d\" role=\"img\">\n<g class=\"data\">\n", w, h);
    for (size_t y = 0; y < ny; y++)
        for (size_t x = 0; x < nx; x++) {
            double v = cell[y * nx + x];
            char col[40] = "#f4f4f4";
            if (isfinite(v)) color_of(v, scale, col, sizeof col);
            fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"><title>", x0 + (int)x * cw,
                    y0 + (int)y * ch, cw - 1, ch - 1, col);
            put_esc(f, r->axes[0].name);
            fprintf(f, "=%g", qc_sweep_axis_value(&r->axes[0], y));
            if (r->n_axes > 1) {
                fputs(", ", f);
                put_esc(f, r->axes[1].name);
                fprintf(f, "=%g", qc_sweep_axis_value(&r->axes[1], x));
            }
            if (isfinite(v)) fprintf(f, ": %.3f</title></rect>\n", v);
            else fputs(": skipped</title></rect>\n", f);
            if (isfinite(v) && cw >= 30)
                fprintf(f, "<text x=\"%d\" y=\"%d\">%.2f</text>\n", x0 + (int)x * cw + cw / 2, y0 + (int)y * ch + ch / 2 + 4, v);
        }
    fputs("</g>\n", f);
    for (size_t y = 0; y < ny; y += ny > 20 ? 5 : 1)
        fprintf(f, "<text x=\"%d\" y=\"%d\" style=\"text-anchor:end\">%g</text>\n", x0 - 4, y0 + (int)y * ch + ch / 2 + 4,
                qc_sweep_axis_value(&r->axes[0], y));
    for (size_t x = 0; r->n_axes > 1 && x < nx; x += nx > 20 ? 5 : 1)
        fprintf(f, "<text x=\"%d\" y=\"%d\">%g</text>\n", x0 + (int)x * cw + cw / 2, y0 + (int)ny * ch + 14,
                qc_sweep_axis_value(&r->axes[1], x));
    fprintf(f, "<text x=\"%d\" y=\"%d\">", x0 + (int)nx * cw / 2, y0 + (int)ny * ch + 32);
    put_esc(f, r->n_axes > 1 ? r->axes[1].name : "");
    fprintf(f, "</text><text x=\"12\" y=\"%d\" transform=\"rotate(-90 12 %d)\">", y0 + (int)ny * ch / 2, y0 + (int)ny * ch / 2);
    put_esc(f, r->axes[0].name);
    fputs("</text>\n</svg>\n", f);
    free(cell);
}

/* Histogram of the logits, 20 bins over their range, a dashed line at 0 (left of it: overfit). */
static void logit_histogram(FILE *f, const qc_sweep_result *r) {
    const qc_pbo *p = &r->pbo;
    double lo = INFINITY, hi = -INFINITY;
    for (size_t c = 0; c < p->n_combos; c++)
        if (isfinite(p->logits[c])) {
            if (p->logits[c] < lo) lo = p->logits[c];
            if (p->logits[c] > hi) hi = p->logits[c];
        }
    if (!(lo <= hi)) return;
    if (lo > 0) lo = 0;
    if (hi < 0) hi = 0;
    if (hi - lo < 1e-9) hi = lo + 1;
    enum { BINS = 20 };
    size_t cnt[BINS] = {0}, top = 1;
    for (size_t c = 0; c < p->n_combos; c++) {
        if (!isfinite(p->logits[c])) continue;
        int b = (int)((p->logits[c] - lo) / (hi - lo) * BINS);
        cnt[b < 0 ? 0 : b >= BINS ? BINS - 1 : b]++;
    }
    for (int b = 0; b < BINS; b++)
        if (cnt[b] > top) top = cnt[b];
    int x0 = 50, y0 = 10, w = 820, h = 200;
    fprintf(f, "<svg class=\"chart\" id=\"chart-logits\" viewBox=\"0 0 %d %d\" role=\"img\">\n<g class=\"data\">\n", x0 + w + 20, y0 + h + 40);
    for (int b = 0; b < BINS; b++) {
        double bh = (double)h * (double)cnt[b] / (double)top;
        fprintf(f, "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"><title>%zu</title></rect>\n",
                x0 + b * (double)w / BINS, y0 + h - bh, (double)w / BINS - 1, bh, cnt[b]);
    }
    fputs("</g>\n", f);
    double zx = x0 + (0 - lo) / (hi - lo) * w;
    fprintf(f, "<path class=\"zero\" d=\"M%.1f %d V%d\"/>\n<path class=\"axis\" d=\"M%d %d H%d\"/>\n", zx, y0, y0 + h, x0,
            y0 + h, x0 + w);
    fprintf(f, "<text x=\"%d\" y=\"%d\">%.2f</text><text x=\"%d\" y=\"%d\" style=\"text-anchor:end\">%.2f</text>\n", x0,
            y0 + h + 16, lo, x0 + w, y0 + h + 16, hi);
    fprintf(f, "<text x=\"%d\" y=\"%d\" style=\"text-anchor:end\">%zu</text>\n", x0 - 4, y0 + 10, top);
    fprintf(f, "<text x=\"%d\" y=\"%d\" style=\"text-anchor:middle\">logit of the in-sample best's out-of-sample rank</text>\n</svg>\n",
            x0 + w / 2, y0 + h + 34);
}

static void equity_chart(FILE *f, const qc_sweep_result *r) {
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < r->n_stitched; i++) {
        if (r->stitched_equity[i] < lo) lo = r->stitched_equity[i];
        if (r->stitched_equity[i] > hi) hi = r->stitched_equity[i];
    }
    if (!(hi > lo)) hi = lo + 1e-9;
    int x0 = 50, y0 = 10, w = 820, h = 200;
    fprintf(f, "<svg class=\"chart\" id=\"chart-walkforward\" viewBox=\"0 0 %d %d\" role=\"img\">\n<g class=\"data\"><path class=\"eq\" d=\"",
            x0 + w + 20, y0 + h + 30);
    size_t step = r->n_stitched > 2000 ? r->n_stitched / 1000 : 1;
    for (size_t i = 0; i < r->n_stitched; i += step)
        fprintf(f, "%s%.1f %.1f", i ? " L" : "M", x0 + (double)w * (double)i / (double)(r->n_stitched > 1 ? r->n_stitched - 1 : 1),
                y0 + h - (r->stitched_equity[i] - lo) / (hi - lo) * h);
    fprintf(f, "\"/></g>\n<text x=\"%d\" y=\"%d\" style=\"text-anchor:end\">%.3f</text><text x=\"%d\" y=\"%d\" "
               "style=\"text-anchor:end\">%.3f</text>\n</svg>\n",
            x0 - 4, y0 + 10, hi, x0 - 4, y0 + h, lo);
}

static void top_table(FILE *f, const qc_sweep_result *r) {
    enum { TOP = 10 };
    size_t best[TOP], nb = 0;
    for (size_t i = 0; i < r->n_combos; i++) { /* insertion into the 10 highest is_sharpe */
        if (r->combos[i].skipped) continue;
        size_t k = nb < TOP ? nb++ : TOP;
        while (k > 0 && r->combos[best[k - 1]].is_sharpe < r->combos[i].is_sharpe) {
            if (k < TOP) best[k] = best[k - 1];
            k--;
        }
        if (k < TOP) best[k] = i;
    }
    fputs("<table><tr><th>#</th><th>parameters</th><th>in-sample Sharpe</th><th>out-of-sample Sharpe</th>"
          "<th>full-sample Sharpe</th><th>trades</th></tr>\n", f);
    for (size_t k = 0; k < nb; k++) {
        const qc_sweep_combo *c = &r->combos[best[k]];
        fprintf(f, "<tr><td>%zu</td><td>", best[k]);
        for (size_t a = 0; a < r->n_axes; a++) {
            fputs(a ? ", " : "", f);
            put_esc(f, r->axes[a].name);
            fprintf(f, "=%g", c->value[a]);
        }
        fprintf(f, "</td><td>%.3f</td><td>", c->is_sharpe);
        if (r->use_cv) fprintf(f, "%.3f", c->oos_sharpe);
        else fputs("-", f);
        fprintf(f, "</td><td>%.3f</td><td>%zu</td></tr>\n", c->full_sharpe, c->n_trades);
    }
    fputs("</table>\n", f);
}

qc_err qc_sweep_report_html(FILE *f, const qc_sweep_result *r, const char *title, qc_error *err) {
    if (!r->n_combos) return qc_err_set(err, QC_ERR_INPUT, "sweep report: no combinations");
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>", f);
    put_esc(f, title ? title : "Parameter sweep");
    fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<h1>", k_css);
    put_esc(f, title ? title : "Parameter sweep");
    fprintf(f, "</h1>\n<p class=\"sub\">%zu combinations, %zu trials, %zu skipped; %zu bars; %s</p>\n", r->n_combos,
            r->n_trials, r->n_combos - r->n_trials, r->n_bars,
            r->use_cv ? qc_cv_scheme_name(r->plan.scheme) : "no cross-validation");
    if (r->selected >= 0)
        fprintf(f, "<p class=\"sub\">selected #%ld: in-sample Sharpe %.3f, DSR %.3f over %zu trials (PSR %.3f)%s</p>\n",
                r->selected, r->combos[r->selected].is_sharpe, r->selected_dsr, r->n_trials, r->selected_psr,
                r->has_pbo ? "" : "; PBO not computed");
    if (r->has_pbo)
        fprintf(f, "<p class=\"sub\">PBO (CSCV, S = %zu, %zu combinations): %.3f; P(out-of-sample loss) %.3f</p>\n",
                r->pbo.s, r->pbo.n_combos, r->pbo.pbo, r->pbo.prob_oos_loss);
    fprintf(f, "<h2>%s Sharpe by parameters</h2>\n", r->use_cv ? "Out-of-sample" : "Full-sample");
    heatmap(f, r);
    if (r->n_axes > 2) fputs("<p class=\"note\">Each cell shows the best over the other axes.</p>\n", f);
    if (r->has_pbo) {
        fputs("<h2>PBO: logits of the in-sample best's out-of-sample rank</h2>\n", f);
        logit_histogram(f, r);
    }
    if (r->n_stitched) {
        fputs("<h2>Walk-forward: stitched out-of-sample equity</h2>\n", f);
        equity_chart(f, r);
    }
    fputs("<h2>Top combinations by in-sample Sharpe</h2>\n", f);
    top_table(f, r);
    fputs("</body>\n</html>\n", f);
    if (fflush(f) != 0 || ferror(f)) return qc_err_set(err, QC_ERR_INPUT, "sweep report: write failed");
    return QC_OK;
}
