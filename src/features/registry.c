/* registry.c: the indicator table (the groups' descriptor arrays, in documentation order), parameter
 * checks, the generic batch and streaming entry points, and the spec parser
 * ("sma(20),macd(12,26,9),obv") whose errors name the offending item and where it starts. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>

#include "features/ind_internal.h"

extern const qc_ind_def qc_ind_trend_defs[], qc_ind_momentum_defs[], qc_ind_volatility_defs[], qc_ind_volume_defs[],
    qc_ind_stats_defs[];
extern const size_t qc_ind_trend_n, qc_ind_momentum_n, qc_ind_volatility_n, qc_ind_volume_n, qc_ind_stats_n;

static const struct {
    const qc_ind_def *defs;
    const size_t *n;
} k_groups[] = {{qc_ind_trend_defs, &qc_ind_trend_n},
                {qc_ind_momentum_defs, &qc_ind_momentum_n},
                {qc_ind_volatility_defs, &qc_ind_volatility_n},
                {qc_ind_volume_defs, &qc_ind_volume_n},
                {qc_ind_stats_defs, &qc_ind_stats_n}};
#define N_GROUPS (sizeof k_groups / sizeof k_groups[0])

size_t qc_ind_count(void) {
    size_t n = 0;
    for (size_t g = 0; g < N_GROUPS; g++) n += *k_groups[g].n;
    return n;
}

const qc_ind_def *qc_ind_at(size_t i) {
    for (size_t g = 0; g < N_GROUPS; g++) {
        if (i < *k_groups[g].n) return &k_groups[g].defs[i];
        i -= *k_groups[g].n;
    }
    return NULL;
}

const qc_ind_def *qc_ind_find(const char *name) {
    for (size_t i = 0, n = qc_ind_count(); i < n; i++)
        if (strcmp(qc_ind_at(i)->name, name) == 0) return qc_ind_at(i);
    return NULL;
}

const char *qc_ind_inputs_name(unsigned in) {
    static const struct {
        unsigned bits;
        const char *name;
    } k[] = {{QC_IND_IN_CLOSE, "close"},
             {QC_IND_IN_VOLUME, "volume"},
             {QC_IND_IN_CLOSE | QC_IND_IN_VOLUME, "close,volume"},
             {QC_IND_IN_HIGH | QC_IND_IN_LOW, "high,low"},
             {QC_IND_IN_HIGH | QC_IND_IN_LOW | QC_IND_IN_VOLUME, "high,low,volume"},
             {QC_IND_IN_HIGH | QC_IND_IN_LOW | QC_IND_IN_CLOSE, "high,low,close"},
             {QC_IND_IN_HIGH | QC_IND_IN_LOW | QC_IND_IN_CLOSE | QC_IND_IN_VOLUME, "high,low,close,volume"},
             {QC_IND_IN_OPEN | QC_IND_IN_HIGH | QC_IND_IN_LOW | QC_IND_IN_CLOSE, "open,high,low,close"},
             {QC_IND_IN_CLOSE | QC_IND_IN_OTHER, "close,other"}};
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++)
        if (k[i].bits == in) return k[i].name;
    return "?";
}

qc_err qc_ind_check_params(const qc_ind_def *def, const double *p, qc_error *err) {
    for (size_t j = 0; j < def->n_params; j++) {
        const qc_ind_param *q = &def->params[j];
        if (!(p[j] >= q->min && p[j] <= q->max))
            return qc_err_set(err, QC_ERR_INPUT, "%s: parameter %s = %g outside [%g, %g]", def->name, q->name, p[j],
                              q->min, q->max);
        if (q->is_int && p[j] != floor(p[j]))
            return qc_err_set(err, QC_ERR_INPUT, "%s: parameter %s = %g must be a whole number", def->name, q->name,
                              p[j]);
    }
    const char *why = def->check ? def->check(p) : NULL;
    if (why) return qc_err_set(err, QC_ERR_INPUT, "%s: %s", def->name, why);
    return QC_OK;
}

size_t qc_ind_lookback(const qc_ind_def *def, const double *p, size_t k) { return def->lookback(p, k); }

static qc_err check_cols(const qc_ind_def *def, const qc_ind_cols *in, qc_error *err) {
    static const char *names[] = {"open", "high", "low", "close", "volume", "other"};
    const double *cols[] = {in->open, in->high, in->low, in->close, in->volume, in->other};
    for (size_t b = 0; b < 6; b++)
        if ((def->inputs & (1u << b)) && !cols[b])
            return qc_err_set(err, QC_ERR_INPUT, "%s: needs the %s series", def->name, names[b]);
    return QC_OK;
}

qc_err qc_ind_batch(const qc_ind_def *def, const double *p, const qc_ind_cols *in, size_t len, double *const *out,
                    qc_error *err) {
    qc_err rc = qc_ind_check_params(def, p, err);
    if (!rc) rc = check_cols(def, in, err);
    if (!rc) rc = def->batch(p, in, len, out, err);
    return rc;
}

struct qc_ind {
    const qc_ind_def *def;
    _Alignas(16) unsigned char state[]; /* def->state_size bytes */
};

qc_err qc_ind_new(const qc_ind_def *def, const double *p, qc_ind **out, qc_error *err) {
    *out = NULL;
    qc_err rc = qc_ind_check_params(def, p, err);
    if (rc) return rc;
    qc_ind *ind = calloc(1, sizeof *ind + def->state_size);
    if (!ind) return qc_err_set(err, QC_ERR_NOMEM, "%s: out of memory", def->name);
    ind->def = def;
    if ((rc = def->init(ind->state, p, err))) {
        free(ind);
        return rc;
    }
    *out = ind;
    return QC_OK;
}

void qc_ind_update(qc_ind *ind, const qc_ind_bar *bar, double *out) {
    qc_ind_cols c = {&bar->open, &bar->high, &bar->low, &bar->close, &bar->volume, &bar->other};
    ind->def->update(ind->state, &c, 0, out);
}

const qc_ind_def *qc_ind_def_of(const qc_ind *ind) { return ind->def; }

void qc_ind_free(qc_ind *ind) {
    if (!ind) return;
    ind->def->free(ind->state);
    free(ind);
}

/* ---- spec parser -------------------------------------------------------------------------------- */

void qc_ind_column_name(const qc_ind_spec *s, size_t k, char *buf, size_t n) {
    if (s->def->n_outputs > 1) snprintf(buf, n, "%s.%s", s->label, s->def->outputs[k]);
    else snprintf(buf, n, "%s", s->label);
}

static void make_label(qc_ind_spec *s) {
    size_t len = (size_t)snprintf(s->label, sizeof s->label, "%s", s->def->name);
    for (size_t j = 0; j < s->def->n_params && len < sizeof s->label; j++)
        len += (size_t)snprintf(s->label + len, sizeof s->label - len, "%s%.10g", j ? "," : "(", s->p[j]);
    if (s->def->n_params && len < sizeof s->label) snprintf(s->label + len, sizeof s->label - len, ")");
}

typedef struct {
    const char *spec, *p;
    size_t item; /* 1-based */
    const char *item_start;
    qc_error *err;
} parser;

static qc_err perr(parser *ps, const char *fmt, const char *detail) {
    const char *end = ps->item_start;
    while (*end && *end != ',' && *end != '(') end++;
    if (*end == '(') {
        while (*end && *end != ')') end++;
        if (*end) end++;
    }
    int len = (int)(end - ps->item_start);
    if (len > 40) len = 40;
    char what[160];
    snprintf(what, sizeof what, fmt, detail);
    return qc_err_set(ps->err, QC_ERR_INPUT, "spec item %zu '%.*s' (at character %zu): %s", ps->item, len,
                      ps->item_start, (size_t)(ps->item_start - ps->spec) + 1, what);
}

static void skip_ws(parser *ps) {
    while (*ps->p == ' ' || *ps->p == '\t') ps->p++;
}

/* name [ ( num [, num]* ) ] */
static qc_err parse_item(parser *ps, qc_ind_spec *it) {
    skip_ws(ps);
    ps->item_start = ps->p;
    char name[32];
    size_t n = 0;
    while (islower((unsigned char)*ps->p) || isdigit((unsigned char)*ps->p) || *ps->p == '_') {
        if (n + 1 >= sizeof name) return perr(ps, "%sname too long", "");
        name[n++] = *ps->p++;
    }
    name[n] = '\0';
    if (!n) return perr(ps, "%sexpected an indicator name (see quantcli features list)", "");
    it->def = qc_ind_find(name);
    if (!it->def) return perr(ps, "unknown indicator '%s' (see quantcli features list)", name);
    const qc_ind_def *d = it->def;
    for (size_t j = 0; j < d->n_params; j++) it->p[j] = d->params[j].def;
    skip_ws(ps);
    if (*ps->p == '(') {
        ps->p++;
        skip_ws(ps);
        size_t np = 0;
        if (*ps->p == ')') ps->p++;
        else
            for (;;) {
                if (np == d->n_params) {
                    char m[64];
                    snprintf(m, sizeof m, "%s takes at most %zu parameter%s", d->name, d->n_params,
                             d->n_params == 1 ? "" : "s");
                    return perr(ps, "%s", m);
                }
                char *end;
                errno = 0;
                double v = strtod(ps->p, &end);
                if (end == ps->p || errno || !isfinite(v)) return perr(ps, "parameter '%s': not a number", d->params[np].name);
                it->p[np++] = v;
                ps->p = end;
                skip_ws(ps);
                if (*ps->p == ',') {
                    ps->p++;
                    skip_ws(ps);
                    continue;
                }
                if (*ps->p == ')') {
                    ps->p++;
                    break;
                }
                return perr(ps, "%sexpected ',' or ')' after a parameter", "");
            }
    }
    skip_ws(ps);
    if (*ps->p && *ps->p != ',') return perr(ps, "%sexpected ',' between items", "");
    qc_error e2 = {0};
    if (qc_ind_check_params(d, it->p, &e2)) return perr(ps, "%s", e2.msg);
    make_label(it);
    return QC_OK;
}

qc_err qc_ind_spec_parse(const char *spec, qc_ind_spec **items, size_t *n, qc_error *err) {
    *items = NULL;
    *n = 0;
    size_t cap = 1;
    for (const char *q = spec; *q; q++) cap += *q == ',';
    qc_ind_spec *v = calloc(cap, sizeof *v);
    if (!v) return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    parser ps = {spec, spec, 0, spec, err};
    size_t k = 0;
    for (;;) {
        ps.item++;
        if (k == cap) break; /* cannot happen: every item ends at a comma or the end */
        qc_err rc = parse_item(&ps, &v[k]);
        if (rc) {
            free(v);
            return rc;
        }
        k++;
        if (*ps.p == '\0') break;
        ps.p++; /* the comma */
    }
    *items = v;
    *n = k;
    return QC_OK;
}
