/* out.c: what the CLI shows: aligned tables, JSON documents (cJSON), progress bars on stderr, and
 * the one-line error with its exit code. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/time.h"

int qc_cli_fail(const qc_error *err) {
    fprintf(stderr, "quantcli: error: %s\n", err->msg[0] ? err->msg : qc_err_name(err->code));
    return qc_err_exit_code(err->code ? err->code : QC_ERR_INTERNAL);
}

void qc_out_table(FILE *f, const char *const *headers, size_t ncols, char **cells, size_t nrows) {
    size_t w[32] = {0};
    if (ncols > 32) ncols = 32;
    for (size_t c = 0; c < ncols; c++) w[c] = strlen(headers[c]);
    for (size_t r = 0; r < nrows; r++)
        for (size_t c = 0; c < ncols; c++) {
            size_t l = strlen(cells[r * ncols + c]);
            if (l > w[c]) w[c] = l;
        }
    /* the last column is not padded: no trailing blanks */
    for (size_t c = 0; c < ncols; c++)
        fprintf(f, "%-*s%s", c + 1 < ncols ? (int)w[c] : 0, headers[c], c + 1 < ncols ? "  " : "\n");
    for (size_t r = 0; r < nrows; r++)
        for (size_t c = 0; c < ncols; c++)
            fprintf(f, "%-*s%s", c + 1 < ncols ? (int)w[c] : 0, cells[r * ncols + c], c + 1 < ncols ? "  " : "\n");
}

void qc_out_json(FILE *f, cJSON *root) {
    char *s = cJSON_Print(root);
    if (s) {
        fputs(s, f);
        fputc('\n', f);
        free(s);
    }
    cJSON_Delete(root);
}

qc_err qc_out_file(const char *path, qc_out_writer fn, void *ctx, qc_error *err) {
    if (strcmp(path, "-") == 0) {
        qc_err rc = fn(stdout, ctx, err);
        return rc ? rc : fflush(stdout) ? qc_err_set(err, QC_ERR_INPUT, "writing to stdout failed") : QC_OK;
    }
    size_t n = strlen(path) + 32;
    char *tmp = malloc(n);
    if (!tmp) return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    snprintf(tmp, n, "%s.tmp%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    qc_err rc = f ? fn(f, ctx, err) : qc_err_set(err, QC_ERR_INPUT, "cannot write '%s': %s", path, strerror(errno));
    if (f) {
        int bad = ferror(f) != 0;
        bad |= fclose(f) != 0;
        if (!rc && (bad || rename(tmp, path) != 0))
            rc = qc_err_set(err, QC_ERR_INPUT, "cannot write '%s': %s", path, strerror(errno));
        if (rc) unlink(tmp);
    }
    free(tmp);
    return rc;
}

static qc_err put_text(FILE *f, void *ctx, qc_error *err) {
    (void)err;
    fputs(ctx, f);
    return QC_OK;
}

qc_err qc_out_text(const char *path, const char *text, qc_error *err) {
    return qc_out_file(path, put_text, (void *)text, err);
}

void qc_progress_init(qc_progress *p, const qc_cli *cli, const char *label) {
    p->on = cli->progress && !cli->quiet && isatty(STDERR_FILENO);
    p->last_ns = 0;
    p->label = label;
}

void qc_progress_update(qc_progress *p, const char *phase, size_t done, size_t total) {
    if (!p->on) return;
    int64_t now = qc_time_now_ns();
    if (now - p->last_ns < 100 * 1000000LL && done < total) return; /* at most 10 redraws/s */
    p->last_ns = now;
    int pct = total ? (int)(100.0 * (double)done / (double)total) : 0, fill = pct * 30 / 100;
    char bar[31];
    for (int i = 0; i < 30; i++) bar[i] = i < fill ? '#' : '.';
    bar[30] = '\0';
    fprintf(stderr, "\r%s [%s] %3d%% %-10s", p->label, bar, pct, phase);
    fflush(stderr);
}

void qc_progress_done(qc_progress *p) {
    if (p->on) fprintf(stderr, "\r%-60s\r", "");
}

void qc_progress_cb(void *ctx, const char *phase, size_t done, size_t total) {
    qc_progress_update(ctx, phase, done, total);
}

void qc_cli_print_help(FILE *f, const qc_command *c) {
    fprintf(f, "Usage: quantcli %s %s\n\n%s\n", c->name, c->args, c->summary);
    if (c->n_opts) fprintf(f, "\nOptions:\n");
    for (size_t i = 0; i < c->n_opts; i++) {
        char left[64];
        snprintf(left, sizeof left, "--%s%s%s", c->opts[i].name, c->opts[i].arg ? " " : "",
                 c->opts[i].arg ? c->opts[i].arg : "");
        fprintf(f, "  %-24s %s\n", left, c->opts[i].help);
    }
    fprintf(f, "  %-24s %s\n", "-h, --help", "show this help");
    if (c->details) fprintf(f, "\n%s\n", c->details);
}

void qc_out_csv_cell(FILE *f, const char *s) {
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"') fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

void qc_out_csv_number(FILE *f, double v) {
    char buf[40];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, v);
        if (prec == 17 || strtod(buf, NULL) == v) break;
    }
    fputs(buf, f);
}
