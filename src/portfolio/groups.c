/* groups.c: the text forms of portfolio constraints a user types: group (sector) bounds
 * "NAME=A,B,...:LO,HI" (assets by name, each in at most one group), a file of such lines, and a
 * list of exactly n numbers "W1,W2,..." (current weights for the turnover bound). Whitespace
 * around items is ignored; every rejection names the problem. Fuzzed by fuzz/fuzz_port_lists.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/strutil.h"
#include "portfolio/portfolio.h"

qc_err qc_port_groups_init(qc_port_groups *g, size_t n_assets, qc_error *err) {
    memset(g, 0, sizeof *g);
    size_t n = n_assets ? n_assets : 1;
    g->group = malloc(n * sizeof *g->group);
    g->lo = malloc(n * sizeof *g->lo);
    g->hi = malloc(n * sizeof *g->hi);
    g->names = calloc(n, sizeof *g->names);
    if (!g->group || !g->lo || !g->hi || !g->names) {
        qc_port_groups_free(g);
        return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < n_assets; i++) g->group[i] = -1;
    g->n_assets = n_assets;
    return QC_OK;
}

void qc_port_groups_free(qc_port_groups *g) {
    free(g->group), free(g->lo), free(g->hi), free(g->names);
    memset(g, 0, sizeof *g);
}

/* [s, e) without surrounding blanks. */
static void trim(const char **s, const char **e) {
    while (*s < *e && (**s == ' ' || **s == '\t')) (*s)++;
    while (*e > *s && ((*e)[-1] == ' ' || (*e)[-1] == '\t' || (*e)[-1] == '\r')) (*e)--;
}

static qc_err number(const char *s, const char *e, const char *what, double *out, qc_error *err) {
    trim(&s, &e);
    if (s == e || qc_parse_double(s, (size_t)(e - s), out))
        return qc_err_set(err, QC_ERR_INPUT, "%s: '%.*s' is not a number", what, (int)(e - s > 40 ? 40 : e - s), s);
    return QC_OK;
}

qc_err qc_port_parse_list(const char *s, size_t n, double *out, qc_error *err) {
    size_t k = 0;
    const char *p = s;
    for (;;) {
        const char *e = p + strcspn(p, ",");
        if (k == n) return qc_err_set(err, QC_ERR_INPUT, "expected %zu comma-separated numbers, got more", n);
        qc_err rc = number(p, e, "list", &out[k++], err);
        if (rc) return rc;
        if (!*e) break;
        p = e + 1;
    }
    if (k != n) return qc_err_set(err, QC_ERR_INPUT, "expected %zu comma-separated numbers, got %zu", n, k);
    return QC_OK;
}

static int asset_index(const char *s, const char *e, const char *const *names, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (strlen(names[i]) == (size_t)(e - s) && strncmp(names[i], s, (size_t)(e - s)) == 0) return (int)i;
    return -1;
}

static void unmark(qc_port_groups *g) {
    for (size_t i = 0; i < g->n_assets; i++)
        if (g->group[i] == -2) g->group[i] = -1;
}

/* The assets of "A,B,..." (between s and e) into group gi; nothing is changed on an error. The
 * members are first marked -2, so an asset listed twice is caught before anything is assigned. */
static qc_err group_assets(qc_port_groups *g, const char *s, const char *e, int gi, const char *const *names,
                           qc_error *err) {
    for (const char *p = s; p <= e;) {
        const char *q = p;
        while (q < e && *q != ',') q++;
        const char *a = p, *b = q;
        trim(&a, &b);
        int i = asset_index(a, b, names, g->n_assets);
        qc_err rc = QC_OK;
        if (i < 0)
            rc = qc_err_set(err, QC_ERR_INPUT, "group '%s': unknown asset '%.*s'", g->names[gi],
                            (int)(b - a > 40 ? 40 : b - a), a);
        else if (g->group[i] == -2)
            rc = qc_err_set(err, QC_ERR_INPUT, "group '%s': asset '%s' is listed twice", g->names[gi], names[i]);
        else if (g->group[i] >= 0)
            rc = qc_err_set(err, QC_ERR_INPUT, "group '%s': asset '%s' is already in group '%s'", g->names[gi],
                            names[i], g->names[g->group[i]]);
        if (rc) {
            unmark(g);
            return rc;
        }
        g->group[i] = -2;
        p = q + 1;
    }
    for (size_t i = 0; i < g->n_assets; i++)
        if (g->group[i] == -2) g->group[i] = gi;
    return QC_OK;
}

qc_err qc_port_groups_add(qc_port_groups *g, const char *spec, const char *const *names, qc_error *err) {
    const char *eq = strchr(spec, '='), *colon = strrchr(spec, ':');
    if (!eq || !colon || colon < eq)
        return qc_err_set(err, QC_ERR_INPUT, "group '%.60s': expected NAME=ASSET,ASSET,...:LO,HI", spec);
    const char *ns = spec, *ne = eq;
    trim(&ns, &ne);
    if (ns == ne || ne - ns >= (long)sizeof g->names[0])
        return qc_err_set(err, QC_ERR_INPUT, "group '%.60s': a group needs a name of 1 to %zu characters", spec,
                          sizeof g->names[0] - 1);
    if (g->n_groups >= g->n_assets)
        return qc_err_set(err, QC_ERR_INPUT, "group '%.*s': more groups than assets", (int)(ne - ns), ns);
    for (size_t k = 0; k < g->n_groups; k++)
        if (strlen(g->names[k]) == (size_t)(ne - ns) && strncmp(g->names[k], ns, (size_t)(ne - ns)) == 0)
            return qc_err_set(err, QC_ERR_INPUT, "group '%s' is given twice", g->names[k]);
    const char *comma = strchr(colon + 1, ',');
    double lo, hi;
    if (!comma) return qc_err_set(err, QC_ERR_INPUT, "group '%.*s': expected bounds LO,HI after ':'", (int)(ne - ns), ns);
    qc_err rc = number(colon + 1, comma, "group bound", &lo, err);
    if (!rc) rc = number(comma + 1, comma + 1 + strlen(comma + 1), "group bound", &hi, err);
    if (rc) return rc;
    if (!(lo <= hi))
        return qc_err_set(err, QC_ERR_INPUT, "group '%.*s': LO (%g) must be <= HI (%g)", (int)(ne - ns), ns, lo, hi);
    int gi = (int)g->n_groups;
    memcpy(g->names[gi], ns, (size_t)(ne - ns));
    g->names[gi][ne - ns] = 0;
    rc = group_assets(g, eq + 1, colon, gi, names, err);
    if (rc) return rc;
    g->lo[gi] = lo, g->hi[gi] = hi;
    g->n_groups++;
    return QC_OK;
}

qc_err qc_port_groups_read(qc_port_groups *g, const char *text, size_t len, const char *const *names,
                           const char *label, qc_error *err) {
    char line[1024];
    size_t no = 0;
    for (size_t at = 0; at < len;) {
        const char *s = text + at, *nl = memchr(s, '\n', len - at);
        size_t l = nl ? (size_t)(nl - s) : len - at;
        at += l + 1;
        no++;
        const char *a = s, *b = s + l;
        trim(&a, &b);
        if (a == b || *a == '#') continue;
        if ((size_t)(b - a) >= sizeof line) return qc_err_set(err, QC_ERR_INPUT, "%s:%zu: line too long", label, no);
        if (memchr(a, 0, (size_t)(b - a))) return qc_err_set(err, QC_ERR_INPUT, "%s:%zu: NUL byte", label, no);
        memcpy(line, a, (size_t)(b - a));
        line[b - a] = 0;
        qc_err rc = qc_port_groups_add(g, line, names, err);
        if (rc) {
            char msg[sizeof err->msg];
            snprintf(msg, sizeof msg, "%s", err->msg);
            return qc_err_set(err, rc, "%s:%zu: %s", label, no, msg);
        }
    }
    return QC_OK;
}

void qc_port_groups_apply(const qc_port_groups *g, qc_port_constraints *c) {
    if (!g->n_groups) return;
    c->n_groups = g->n_groups;
    c->group = g->group;
    c->group_lo = g->lo;
    c->group_hi = g->hi;
}
