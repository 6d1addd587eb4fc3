/* args.c: option parsing for subcommands: --name VALUE, --name=VALUE, boolean --flag, "--" to end
 * options, positionals; unknown or incomplete options are usage errors naming the command. */
#include <stdlib.h>
#include <string.h>

#include <math.h>

#include "cli/cli.h"
#include "core/calendar.h"
#include "core/strutil.h"
#include "core/time.h"

static int find(const qc_opt_spec *spec, size_t n, const char *name, size_t len) {
    for (size_t i = 0; i < n; i++)
        if (strlen(spec[i].name) == len && strncmp(spec[i].name, name, len) == 0) return (int)i;
    return -1;
}

static qc_err parse_opt(qc_args *a, int argc, char **argv, int *i, const char *cmd, qc_error *err) {
    const char *s = argv[*i] + 2, *eq = strchr(s, '=');
    size_t len = eq ? (size_t)(eq - s) : strlen(s);
    int k = find(a->spec, a->n_spec, s, len);
    if (k < 0)
        return qc_err_set(err, QC_ERR_USAGE, "unknown option '--%.*s' for '%s' (see quantcli help %s)", (int)len, s,
                          cmd, cmd);
    if (!a->spec[k].arg) {
        if (eq) return qc_err_set(err, QC_ERR_USAGE, "option '--%s' takes no value", a->spec[k].name);
        a->present[k] = 1;
        a->value[k] = "1";
        return QC_OK;
    }
    const char *v = eq ? eq + 1 : NULL;
    if (!v) {
        if (*i + 1 >= argc)
            return qc_err_set(err, QC_ERR_USAGE, "option '--%s' needs a value (%s)", a->spec[k].name, a->spec[k].arg);
        v = argv[++*i];
    }
    a->present[k] = 1;
    a->value[k] = v;
    if (a->n_occ == QC_ARGS_MAX_OCC) return qc_err_set(err, QC_ERR_USAGE, "too many options");
    a->occ_opt[a->n_occ] = k;
    a->occ_val[a->n_occ++] = v;
    return QC_OK;
}

qc_err qc_args_parse(qc_args *a, const qc_opt_spec *spec, size_t n_spec, int argc, char **argv,
                     const char *cmd, qc_error *err) {
    memset(a, 0, sizeof *a);
    a->spec = spec;
    a->n_spec = n_spec < QC_ARGS_MAX_OPTS ? n_spec : QC_ARGS_MAX_OPTS;
    int only_pos = 0;
    for (int i = 0; i < argc; i++) {
        const char *s = argv[i];
        if (!only_pos && (strcmp(s, "-h") == 0 || strcmp(s, "--help") == 0)) {
            a->help = 1;
            continue;
        }
        if (!only_pos && strcmp(s, "--") == 0) {
            only_pos = 1;
            continue;
        }
        if (!only_pos && s[0] == '-' && s[1] == '-') {
            qc_err rc = parse_opt(a, argc, argv, &i, cmd, err);
            if (rc) return rc;
            continue;
        }
        if (!only_pos && s[0] == '-' && s[1] && s[1] != '.' && (s[1] < '0' || s[1] > '9'))
            return qc_err_set(err, QC_ERR_USAGE, "unknown option '%s' for '%s' (see quantcli help %s)", s, cmd, cmd);
        if (a->n_pos == QC_ARGS_MAX_POS) return qc_err_set(err, QC_ERR_USAGE, "too many arguments for '%s'", cmd);
        a->pos[a->n_pos++] = s;
    }
    return QC_OK;
}

const char *qc_args_get(const qc_args *a, const char *name) {
    if (!name) return NULL;
    int k = find(a->spec, a->n_spec, name, strlen(name));
    return k >= 0 && a->present[k] ? a->value[k] : NULL;
}

int qc_args_has(const qc_args *a, const char *name) { return qc_args_get(a, name) != NULL; }

size_t qc_args_all(const qc_args *a, const char *name, const char **out, size_t max) {
    int k = find(a->spec, a->n_spec, name, strlen(name));
    size_t n = 0;
    for (size_t i = 0; k >= 0 && i < a->n_occ; i++)
        if (a->occ_opt[i] == k) {
            if (n < max) out[n] = a->occ_val[i];
            n++;
        }
    return n;
}

qc_err qc_args_int(const qc_args *a, const char *name, long long lo, long long hi, long long *out, qc_error *err) {
    const char *v = qc_args_get(a, name);
    if (!v) return QC_OK;
    int64_t x;
    if (qc_parse_i64(v, strlen(v), &x) || x < lo || x > hi)
        return qc_err_set(err, QC_ERR_INPUT, "option '--%s': expected an integer in [%lld, %lld], got '%.40s'", name, lo,
                          hi, v);
    *out = x;
    return QC_OK;
}

qc_err qc_args_double(const qc_args *a, const char *name, double lo, double hi, double *out, qc_error *err) {
    const char *v = qc_args_get(a, name);
    if (!v) return QC_OK;
    double x;
    if (qc_parse_double(v, strlen(v), &x) || !isfinite(x) || x < lo || x > hi) {
        if (isinf(lo) && isinf(hi))
            return qc_err_set(err, QC_ERR_INPUT, "option '--%s': expected a number, got '%.40s'", name, v);
        return qc_err_set(err, QC_ERR_INPUT, "option '--%s': expected a number in [%g, %g], got '%.40s'", name, lo,
                          hi, v);
    }
    *out = x;
    return QC_OK;
}

qc_err qc_args_time(const qc_args *a, const char *name, const qc_calendar *cal, int end_of_day, int64_t *ts,
                    qc_error *err) {
    *ts = QC_TS_NONE;
    const char *v = qc_args_get(a, name);
    if (!v) return QC_OK;
    qc_time_kind kind;
    if (qc_time_parse(v, strlen(v), NULL, ts, &kind, err)) return qc_err_prefix(err, "option '--%s': ", name);
    if (kind != QC_TIME_DATE) return QC_OK;
    int y, m, d;
    qc_tz tz = qc_calendar_tz(cal);
    qc_civil_from_days(qc_ts_day(*ts) + (end_of_day ? 1 : 0), &y, &m, &d);
    *ts = qc_tz_local_to_utc(&tz, y, m, d, 0, 0, 0) - (end_of_day ? 1 : 0);
    return QC_OK;
}
