/* sets.c: named feature sets from the configuration and the built-in table (sets.h). */
#include "features/sets.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "features/indicators.h"

/* The default set: 21 items, 30 columns, every one scale-free (returns, ratios, oscillators,
 * annualised volatilities, z-scores), so one model can read many symbols; all O(1) per bar. */
static const qc_featset k_builtin[] = {
    {"default",
     "ret(1),ret(5),ret(20),logret(1),nma(10),nma(50),rsi(14),ppo(12,26,9),stoch(14,3,3),willr(14),roc(10),"
     "adx(14),natr(14),vol_cc(20),vol_parkinson(20),mfi(14),cmf(20),volz(20),zscore(20),aroon(25),tsi(25,13)",
     "built-in"},
    {"trend", "sma(20),ema(20),nma(20),nma(50),linreg(14),aroon(25),adx(14),ichimoku(9,26,52)", "built-in"},
    {"momentum", "rsi(14),macd(12,26,9),ppo(12,26,9),stoch(14,3,3),willr(14),cci(20),roc(10),tsi(25,13),cmo(14)",
     "built-in"},
    {"volatility", "atr(14),natr(14),bbands(20,2),stdev(20),vol_cc(20),vol_parkinson(20),vol_gk(20),vol_yz(20)",
     "built-in"},
};
#define N_BUILTIN (sizeof k_builtin / sizeof k_builtin[0])

const char *qc_featset_builtin(const char *name) {
    for (size_t i = 0; i < N_BUILTIN; i++)
        if (strcmp(k_builtin[i].name, name) == 0) return k_builtin[i].spec;
    return NULL;
}

/* The configured set of that name, if any. */
static int from_config(const qc_config *cfg, const char *name, qc_featset *out) {
    if (!cfg) return 0;
    char key[160];
    if (snprintf(key, sizeof key, "%s%s", QC_FEATSET_KEY_PREFIX, name) >= (int)sizeof key) return 0;
    for (size_t i = 0, n = qc_config_count(cfg); i < n; i++) {
        qc_cfg_entry e;
        if (qc_config_entry(cfg, i, &e) == 0 && strcmp(e.key, key) == 0) {
            out->name = e.key + strlen(QC_FEATSET_KEY_PREFIX);
            out->spec = e.value;
            out->source = e.source;
            return 1;
        }
    }
    return 0;
}

static void known_names(const qc_config *cfg, char *buf, size_t n) {
    qc_featset *sets = NULL;
    size_t k = 0, len = 0;
    buf[0] = '\0';
    if (qc_featset_list(cfg, &sets, &k, NULL)) return;
    for (size_t i = 0; i < k && len < n; i++)
        len += (size_t)snprintf(buf + len, n - len, "%s%s", i ? ", " : "", sets[i].name);
    free(sets);
}

qc_err qc_featset_get(const qc_config *cfg, const char *name, qc_featset *out, qc_error *err) {
    memset(out, 0, sizeof *out);
    if (!from_config(cfg, name, out)) {
        size_t i = 0;
        while (i < N_BUILTIN && strcmp(k_builtin[i].name, name) != 0) i++;
        if (i == N_BUILTIN) {
            char known[512];
            known_names(cfg, known, sizeof known);
            return qc_err_set(err, QC_ERR_INPUT, "unknown feature set '%.60s' (known: %s; define one as %sNAME)",
                              name, known, QC_FEATSET_KEY_PREFIX);
        }
        *out = k_builtin[i];
    }
    qc_ind_spec *items = NULL;
    size_t n = 0;
    qc_error e2 = {0};
    if (qc_ind_spec_parse(out->spec, &items, &n, &e2))
        return qc_err_set(err, QC_ERR_INPUT, "feature set '%.60s' (%s): %s", out->name, out->source, e2.msg);
    free(items);
    return QC_OK;
}

qc_err qc_featset_list(const qc_config *cfg, qc_featset **sets, size_t *n, qc_error *err) {
    *sets = NULL;
    *n = 0;
    size_t cap = N_BUILTIN + (cfg ? qc_config_count(cfg) : 0), k = 0;
    qc_featset *v = calloc(cap ? cap : 1, sizeof *v);
    if (!v) return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < N_BUILTIN; i++) {
        v[k] = k_builtin[i];
        from_config(cfg, k_builtin[i].name, &v[k]); /* a configured set replaces the built-in */
        k++;
    }
    size_t plen = strlen(QC_FEATSET_KEY_PREFIX);
    for (size_t i = 0, m = cfg ? qc_config_count(cfg) : 0; i < m; i++) {
        qc_cfg_entry e;
        if (qc_config_entry(cfg, i, &e) || strncmp(e.key, QC_FEATSET_KEY_PREFIX, plen) != 0) continue;
        const char *name = e.key + plen;
        if (!*name || strchr(name, '.') || qc_featset_builtin(name)) continue;
        v[k++] = (qc_featset){name, e.value, e.source};
    }
    *sets = v;
    *n = k;
    return QC_OK;
}
