/* config.c: layered configuration. Each key lives once in an array sorted by key, with its value,
 * the layer that set it and where that came from; a set from a lower layer than the current one is
 * ignored. Known keys come from one static table (type, default, description) and are type-checked
 * on every set. The loaders (YAML through libyaml's event API, .env, the environment) first parse a
 * whole input into a batch, check all of it, and only then apply it, so a bad file changes nothing.
 * Reference of keys and rules: docs/CONFIG.md. */
#include "core/config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

#include "core/strutil.h"

#define CFG_KEY_MAX 256          /* longest dotted key, NUL included */
#define CFG_FILE_MAX (16u << 20) /* refuse config inputs above 16 MiB */
#define CFG_YAML_DEPTH_MAX 32    /* nested mappings */
#define CFG_ENV_PREFIX "QUANTCLI_"
#define CFG_ENV_PREFIX_LEN 9
#define CFG_SHOWN_MAX 64 /* value bytes quoted in an error message */

/* ---- the defaults table ---------------------------------------------------------------------- */

typedef struct {
    const char *key;
    qc_cfg_type type;
    const char *def;
    const char *choices; /* enums only: "a|b|c", lower-case */
    const char *description;
} cfg_spec;

/* Sorted by key (strcmp): looked up with bsearch. tests/test_config.c checks the order. */
static const cfg_spec k_specs[] = {
    {"data.calendar", QC_CFG_T_STRING, "NYSE", NULL, "exchange calendar for sessions and holidays"},
    {"data.tz", QC_CFG_T_STRING, "UTC", NULL, "time zone for dates shown to the user"},
    {"data.validation.outlier_z", QC_CFG_T_DOUBLE, "10", NULL,
     "z-score of a return above which a bar is an outlier"},
    {"data.validation.policy", QC_CFG_T_ENUM, "reject", "reject|drop|flag",
     "what to do with invalid bars: reject|drop|flag"},
    {"data.validation.split_tolerance", QC_CFG_T_DOUBLE, "0.03", NULL,
     "relative tolerance when matching a price jump to a split ratio"},
    /* features.sets.NAME (any NAME): unknown-key strings, a feature set's spec, read and checked by
     * src/features/sets.c (qc_featset_get), listed by `quantcli features sets` */
    {"execution.venues", QC_CFG_T_STRING, "A:-0.002:0.003:0:2:0.1,B:-0.001:0.002:250:3:0.05,C:0.0005:0.001:500:4:0.05", NULL,
     "venues of --venue sor: NAME:maker_fee:taker_fee:latency_us[:spread_bps[:depth_frac]],..."},
    {"features.cache", QC_CFG_T_BOOL, "true", NULL,
     "reuse stored feature columns for --symbol while their input bars are unchanged"},
    {"log.file", QC_CFG_T_STRING, "", NULL, "log file, appended to; empty means stderr"},
    {"log.format", QC_CFG_T_ENUM, "text", "text|json", "log line format: text|json"},
    {"log.level", QC_CFG_T_ENUM, "warn", "trace|debug|info|warn|error|off",
     "log threshold: trace|debug|info|warn|error|off"},
    {"output.progress", QC_CFG_T_BOOL, "true", NULL, "show progress on stderr for long commands"},
    {"risk.buying_power.leverage", QC_CFG_T_DOUBLE, "0", NULL,
     "buying power: gross exposure with open orders <= equity x this (0 = off)"},
    {"risk.collar.pct", QC_CFG_T_DOUBLE, "0", NULL, "price collar: limit within this % of the reference (0 = off)"},
    {"risk.collar.ticks", QC_CFG_T_DOUBLE, "0", NULL, "price collar: limit within this many ticks of the reference (0 = off)"},
    {"risk.duplicate.window_ms", QC_CFG_T_DOUBLE, "0", NULL, "reject the same order again within this many ms (0 = off)"},
    {"risk.enabled", QC_CFG_T_BOOL, "true", NULL, "run the pre-trade checks (false: every order passes)"},
    {"risk.exposure.max_gross", QC_CFG_T_DOUBLE, "0", NULL, "max gross exposure with open orders, currency (0 = off)"},
    {"risk.exposure.max_net", QC_CFG_T_DOUBLE, "0", NULL, "max |net exposure| with open orders, currency (0 = off)"},
    {"risk.kill_switch.allow_reduce_only", QC_CFG_T_BOOL, "true", NULL,
     "let reduce-only orders that truly reduce pass an engaged kill switch"},
    {"risk.kill_switch.file", QC_CFG_T_STRING, "./quantcli-kill.json", NULL, "where the kill switch is persisted"},
    {"risk.loss.action", QC_CFG_T_ENUM, "cancel_all", "none|cancel_all|flatten",
     "action when a loss limit engages the kill switch: none|cancel_all|flatten"},
    {"risk.loss.max_daily", QC_CFG_T_DOUBLE, "0", NULL, "max loss today, realised + unrealised, currency (0 = off)"},
    {"risk.loss.max_drawdown", QC_CFG_T_DOUBLE, "0", NULL, "max drop from today's P&L peak, currency (0 = off)"},
    {"risk.loss.strategy_max_daily", QC_CFG_T_DOUBLE, "0", NULL, "max loss today per strategy, currency (0 = off)"},
    {"risk.loss.strategy_max_drawdown", QC_CFG_T_DOUBLE, "0", NULL,
     "max drop from today's peak per strategy, currency (0 = off)"},
    {"risk.order.lot_size", QC_CFG_T_DOUBLE, "0", NULL, "order qty must be a multiple of this (0 = off)"},
    {"risk.order.max_notional", QC_CFG_T_DOUBLE, "0", NULL, "fat finger: max qty x price per order (0 = off)"},
    {"risk.order.max_qty", QC_CFG_T_DOUBLE, "0", NULL, "fat finger: max shares per order (0 = off)"},
    {"risk.order.min_qty", QC_CFG_T_DOUBLE, "0", NULL, "min shares per order (0 = off)"},
    {"risk.order.tick_size", QC_CFG_T_DOUBLE, "0", NULL, "prices must be multiples of this (0 = off)"},
    {"risk.order.tick_size_below_1", QC_CFG_T_DOUBLE, "0", NULL,
     "tick for prices under 1 (0 = risk.order.tick_size)"},
    {"risk.position.max_long", QC_CFG_T_DOUBLE, "0", NULL, "max long shares per symbol with open buys (0 = off)"},
    {"risk.position.max_short", QC_CFG_T_DOUBLE, "0", NULL, "max short shares per symbol with open sells (0 = off)"},
    {"risk.rate.message_burst", QC_CFG_T_DOUBLE, "0", NULL, "message bucket size (0 = messages_per_sec)"},
    {"risk.rate.messages_per_sec", QC_CFG_T_DOUBLE, "0", NULL,
     "message throttle: new + replace + cancel per second (0 = off)"},
    {"risk.rate.order_burst", QC_CFG_T_DOUBLE, "0", NULL, "order bucket size (0 = orders_per_sec)"},
    {"risk.rate.orders_per_sec", QC_CFG_T_DOUBLE, "0", NULL, "order throttle: new orders per second (0 = off)"},
    {"risk.restricted", QC_CFG_T_STRING, "", NULL, "restricted list: comma-separated symbols never traded"},
    {"storage.url", QC_CFG_T_STRING, "./quantcli.db", NULL,
     "store URL: a path or sqlite:PATH; postgresql://... later"},
    {"synth.bars", QC_CFG_T_INT, "2520", NULL, "bars per symbol of synthetic data"},
    {"synth.interval", QC_CFG_T_STRING, "1d", NULL, "bar interval of synthetic data"},
    {"synth.seed", QC_CFG_T_INT, "42", NULL, "random seed of synthetic data"},
    {"synth.start", QC_CFG_T_STRING, "2015-01-02", NULL, "first date of synthetic data"},
    {"synth.symbols", QC_CFG_T_INT, "12", NULL, "number of synthetic symbols"},
    {"trade.feed.stall_s", QC_CFG_T_DOUBLE, "60", NULL,
     "live/synth feeds: no market data for this many seconds stops trading (0 = wait forever)"},
    {"trade.journal.fsync", QC_CFG_T_STRING, "every", NULL,
     "journal fsync policy of the trading daemon: every|batch:N|never"},
    {"trade.metrics.port", QC_CFG_T_INT, "0", NULL, "Prometheus /metrics port on 127.0.0.1 (0 = off)"},
    {"trade.state_dir", QC_CFG_T_STRING, "./quantcli-trade", NULL, "state directory of the trading daemon"},
};
#define CFG_NSPECS (sizeof k_specs / sizeof k_specs[0])

static int spec_cmp(const void *key, const void *elem) {
    return strcmp((const char *)key, ((const cfg_spec *)elem)->key);
}

static const cfg_spec *spec_find(const char *key) {
    return bsearch(key, k_specs, CFG_NSPECS, sizeof k_specs[0], spec_cmp);
}

/* ---- the store ------------------------------------------------------------------------------- */

typedef struct {
    char *key, *value, *source;
    qc_cfg_layer layer;
    const cfg_spec *spec; /* NULL for unknown keys */
} cfg_item;

struct qc_config {
    cfg_item *items; /* sorted by key */
    size_t n, cap;
};

/* Index of key, or of the slot where it would be inserted; *found says which. */
static size_t item_find(const qc_config *cfg, const char *key, int *found) {
    size_t lo = 0, hi = cfg->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(cfg->items[mid].key, key);
        if (c == 0) return *found = 1, mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = 0;
    return lo;
}

static qc_err item_insert(qc_config *cfg, size_t at, const char *key, qc_error *err) {
    if (cfg->n == cfg->cap) {
        size_t cap = cfg->cap ? cfg->cap * 2 : 32;
        cfg_item *p = realloc(cfg->items, cap * sizeof *p);
        if (!p) return qc_err_set(err, QC_ERR_NOMEM, "config: out of memory");
        cfg->items = p;
        cfg->cap = cap;
    }
    char *k = qc_strdup(key);
    if (!k) return qc_err_set(err, QC_ERR_NOMEM, "config: out of memory");
    memmove(cfg->items + at + 1, cfg->items + at, (cfg->n - at) * sizeof *cfg->items);
    cfg->items[at] = (cfg_item){.key = k, .layer = QC_CFG_DEFAULT, .spec = spec_find(key)};
    cfg->n++;
    return QC_OK;
}

qc_config *qc_config_new(void) {
    qc_config *cfg = calloc(1, sizeof *cfg);
    if (!cfg) return NULL;
    for (size_t i = 0; i < CFG_NSPECS; i++) {
        /* A default that fails its own type check is a bug in the table: refuse to start. */
        if (qc_config_set(cfg, k_specs[i].key, k_specs[i].def, QC_CFG_DEFAULT, "default", NULL)) {
            qc_config_free(cfg);
            return NULL;
        }
    }
    return cfg;
}

void qc_config_free(qc_config *cfg) {
    if (!cfg) return;
    for (size_t i = 0; i < cfg->n; i++) {
        free(cfg->items[i].key);
        free(cfg->items[i].value);
        free(cfg->items[i].source);
    }
    free(cfg->items);
    free(cfg);
}

/* ---- checks ---------------------------------------------------------------------------------- */

static int key_char(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; }

/* Components of [a-z0-9_]+ joined by single dots. */
static int key_valid(const char *key) {
    size_t len = strlen(key);
    if (len == 0 || len >= CFG_KEY_MAX || key[0] == '.' || key[len - 1] == '.') return 0;
    for (size_t i = 0; i < len; i++) {
        if (key[i] == '.' && key[i + 1] == '.') return 0;
        if (key[i] != '.' && !key_char(key[i])) return 0;
    }
    return 1;
}

/* Copies text for an error message: control bytes as '?', long text cut with "...". */
static void shown_text(const char *s, char *buf, size_t n) {
    size_t i = 0;
    for (; s[i] && i < CFG_SHOWN_MAX && i + 4 < n; i++) {
        unsigned char c = (unsigned char)s[i];
        buf[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    if (s[i])
        memcpy(buf + i, "...", 4);
    else
        buf[i] = '\0';
}

/* The value as an error message shows it: "***" under secret keys. */
static void shown_value(const char *key, const char *value, char *buf, size_t n) {
    if (qc_is_secret_key(key))
        qc_strlcpy(buf, "***", n);
    else
        shown_text(value, buf, n);
}

static int enum_has(const char *choices, const char *v) {
    size_t vlen = strlen(v);
    for (const char *p = choices;;) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        if (len == vlen && qc_strn_ieq(p, len, v)) return 1;
        if (!bar) return 0;
        p = bar + 1;
    }
}

static int value_ok(qc_cfg_type type, const char *choices, const char *v) {
    size_t n = strlen(v);
    int64_t i;
    double d;
    int b;
    switch (type) {
    case QC_CFG_T_INT: return qc_parse_i64(v, n, &i) == 0;
    case QC_CFG_T_DOUBLE: return qc_parse_double(v, n, &d) == 0;
    case QC_CFG_T_BOOL: return qc_parse_bool(v, n, &b) == 0;
    case QC_CFG_T_ENUM: return enum_has(choices, v);
    default: return 1;
    }
}

static const char *type_phrase(qc_cfg_type type) {
    switch (type) {
    case QC_CFG_T_INT: return "an integer";
    case QC_CFG_T_DOUBLE: return "a number";
    case QC_CFG_T_BOOL: return "a boolean (true/false/yes/no/on/off/1/0)";
    default: return "a string";
    }
}

/* "SOURCE: KEY: expected TYPE, got 'VALUE'" (VALUE redacted under secret keys). */
static qc_err type_error(qc_error *err, const char *source, const char *key, qc_cfg_type type,
                         const char *choices, const char *value) {
    char shown[CFG_SHOWN_MAX + 8];
    shown_value(key, value, shown, sizeof shown);
    if (type == QC_CFG_T_ENUM)
        return qc_err_set(err, QC_ERR_CONFIG, "%s: %s: expected one of %s, got '%s'", source, key,
                          choices, shown);
    return qc_err_set(err, QC_ERR_CONFIG, "%s: %s: expected %s, got '%s'", source, key,
                      type_phrase(type), shown);
}

/* Everything qc_config_set refuses: a malformed key, or a known key with a wrong-typed value. */
static qc_err cfg_check(const char *key, const char *value, const char *source, qc_error *err) {
    if (!key_valid(key)) {
        char shown[CFG_SHOWN_MAX + 8];
        shown_text(key, shown, sizeof shown);
        return qc_err_set(err, QC_ERR_CONFIG,
                          "%s: invalid config key '%s' (expected lower-case letters, digits and "
                          "'_', joined by '.')",
                          source, shown);
    }
    const cfg_spec *s = spec_find(key);
    if (s && !value_ok(s->type, s->choices, value))
        return type_error(err, source, key, s->type, s->choices, value);
    return QC_OK;
}

/* ---- set and get ----------------------------------------------------------------------------- */

qc_err qc_config_set(qc_config *cfg, const char *key, const char *value, qc_cfg_layer layer,
                     const char *source, qc_error *err) {
    if (!cfg || !key || !value || layer < QC_CFG_DEFAULT || layer > QC_CFG_FLAG)
        return qc_err_set(err, QC_ERR_INTERNAL, "qc_config_set: bad argument");
    if (!source) source = qc_cfg_layer_name(layer);
    /* Checked even when a higher layer will win: a wrong value in a file is wrong regardless. */
    qc_err rc = cfg_check(key, value, source, err);
    if (rc) return rc;
    int found;
    size_t at = item_find(cfg, key, &found);
    if (found && layer < cfg->items[at].layer) return QC_OK;
    char *v = qc_strdup(value), *src = qc_strdup(source);
    if (!v || !src || (!found && item_insert(cfg, at, key, err))) {
        free(v);
        free(src);
        return qc_err_set(err, QC_ERR_NOMEM, "config: out of memory");
    }
    cfg_item *it = &cfg->items[at];
    if (it->spec && it->spec->type == QC_CFG_T_ENUM)
        for (char *p = v; *p; p++) *p = (*p >= 'A' && *p <= 'Z') ? (char)(*p - 'A' + 'a') : *p;
    free(it->value);
    free(it->source);
    it->value = v;
    it->source = src;
    it->layer = layer;
    return QC_OK;
}

static const cfg_item *item_get(const qc_config *cfg, const char *key) {
    int found;
    if (!cfg || !key) return NULL;
    size_t at = item_find(cfg, key, &found);
    return found ? &cfg->items[at] : NULL;
}

const char *qc_config_get(const qc_config *cfg, const char *key) {
    const cfg_item *it = item_get(cfg, key);
    return it ? it->value : NULL;
}

static qc_err item_need(const qc_config *cfg, const char *key, const cfg_item **out,
                        qc_error *err) {
    *out = item_get(cfg, key);
    if (*out) return QC_OK;
    char shown[CFG_SHOWN_MAX + 8];
    shown_text(key ? key : "", shown, sizeof shown);
    return qc_err_set(err, QC_ERR_CONFIG, "config key '%s' is not set", shown);
}

qc_err qc_config_get_str(const qc_config *cfg, const char *key, const char **out, qc_error *err) {
    const cfg_item *it;
    qc_err rc = item_need(cfg, key, &it, err);
    if (rc) return rc;
    *out = it->value;
    return QC_OK;
}

qc_err qc_config_get_int(const qc_config *cfg, const char *key, int64_t *out, qc_error *err) {
    const cfg_item *it;
    qc_err rc = item_need(cfg, key, &it, err);
    if (rc) return rc;
    if (qc_parse_i64(it->value, strlen(it->value), out))
        return type_error(err, it->source, key, QC_CFG_T_INT, NULL, it->value);
    return QC_OK;
}

qc_err qc_config_get_double(const qc_config *cfg, const char *key, double *out, qc_error *err) {
    const cfg_item *it;
    qc_err rc = item_need(cfg, key, &it, err);
    if (rc) return rc;
    if (qc_parse_double(it->value, strlen(it->value), out))
        return type_error(err, it->source, key, QC_CFG_T_DOUBLE, NULL, it->value);
    return QC_OK;
}

qc_err qc_config_get_bool(const qc_config *cfg, const char *key, int *out, qc_error *err) {
    const cfg_item *it;
    qc_err rc = item_need(cfg, key, &it, err);
    if (rc) return rc;
    if (qc_parse_bool(it->value, strlen(it->value), out))
        return type_error(err, it->source, key, QC_CFG_T_BOOL, NULL, it->value);
    return QC_OK;
}

size_t qc_config_count(const qc_config *cfg) { return cfg ? cfg->n : 0; }

int qc_config_entry(const qc_config *cfg, size_t i, qc_cfg_entry *out) {
    if (!cfg || i >= cfg->n || !out) return -1;
    const cfg_item *it = &cfg->items[i];
    *out = (qc_cfg_entry){.key = it->key,
                          .value = it->value,
                          .layer = it->layer,
                          .source = it->source,
                          .description = it->spec ? it->spec->description : ""};
    return 0;
}

const char *qc_cfg_layer_name(qc_cfg_layer layer) {
    switch (layer) {
    case QC_CFG_DEFAULT: return "default";
    case QC_CFG_YAML: return "yaml";
    case QC_CFG_DOTENV: return "dotenv";
    case QC_CFG_ENV: return "env";
    case QC_CFG_FLAG: return "flag";
    }
    return "unknown";
}

/* ---- environment names ----------------------------------------------------------------------- */

/* A key maps to an env name only if the mapping is reversible: no component may start or end with
 * '_' and none may hold "__", since "__" is the written form of '.'. */
int qc_config_key_to_env(const char *key, char *buf, size_t n) {
    if (!key || !buf || !key_valid(key)) return -1;
    size_t o = 0, len = strlen(key);
    if (n < CFG_ENV_PREFIX_LEN + 1) return -1;
    memcpy(buf, CFG_ENV_PREFIX, CFG_ENV_PREFIX_LEN);
    o = CFG_ENV_PREFIX_LEN;
    for (size_t i = 0; i < len; i++) {
        char c = key[i];
        int edge = i == 0 || i + 1 == len || key[i - 1] == '.' || key[i + 1] == '.';
        if (c == '_' && (edge || key[i + 1] == '_')) return -1;
        if (o + (c == '.' ? 2 : 1) >= n) return -1; /* and one byte for the NUL */
        if (c == '.')
            buf[o++] = '_', buf[o++] = '_';
        else
            buf[o++] = (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
    }
    buf[o] = '\0';
    return 0;
}

int qc_config_env_to_key(const char *env_name, char *buf, size_t n) {
    if (!env_name || !buf || n == 0) return -1;
    if (strncmp(env_name, CFG_ENV_PREFIX, CFG_ENV_PREFIX_LEN) != 0) return -1;
    const char *s = env_name + CFG_ENV_PREFIX_LEN;
    size_t o = 0;
    for (size_t i = 0; s[i]; i++) {
        if (o + 1 >= n) return -1;
        if (s[i] == '_' && s[i + 1] == '_')
            buf[o++] = '.', i++;
        else
            buf[o++] = (s[i] >= 'A' && s[i] <= 'Z') ? (char)(s[i] - 'A' + 'a') : s[i];
    }
    buf[o] = '\0';
    /* Only names that the reverse mapping writes back the same way (ignoring case) are keys. */
    char back[CFG_KEY_MAX * 2 + CFG_ENV_PREFIX_LEN];
    if (qc_config_key_to_env(buf, back, sizeof back) || !qc_str_ieq(back, env_name)) return -1;
    return 0;
}

/* ---- batches: parse everything, check everything, then apply --------------------------------- */

typedef struct {
    char *key, *value, *source;
} cfg_pending;

typedef struct {
    cfg_pending *v;
    size_t n, cap;
} cfg_batch;

static void batch_free(cfg_batch *b) {
    for (size_t i = 0; i < b->n; i++) {
        free(b->v[i].key);
        free(b->v[i].value);
        free(b->v[i].source);
    }
    free(b->v);
    *b = (cfg_batch){0};
}

static qc_err batch_add(cfg_batch *b, const char *key, const char *value, const char *source,
                        qc_error *err) {
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 16;
        cfg_pending *p = realloc(b->v, cap * sizeof *p);
        if (!p) return qc_err_set(err, QC_ERR_NOMEM, "config: out of memory");
        b->v = p;
        b->cap = cap;
    }
    cfg_pending e = {qc_strdup(key), qc_strdup(value), qc_strdup(source)};
    if (!e.key || !e.value || !e.source) {
        free(e.key);
        free(e.value);
        free(e.source);
        return qc_err_set(err, QC_ERR_NOMEM, "config: out of memory");
    }
    b->v[b->n++] = e;
    return QC_OK;
}

static qc_err batch_commit(qc_config *cfg, const cfg_batch *b, qc_cfg_layer layer, qc_error *err) {
    for (size_t i = 0; i < b->n; i++) {
        qc_err rc = cfg_check(b->v[i].key, b->v[i].value, b->v[i].source, err);
        if (rc) return rc;
    }
    for (size_t i = 0; i < b->n; i++) {
        qc_err rc = qc_config_set(cfg, b->v[i].key, b->v[i].value, layer, b->v[i].source, err);
        if (rc) return rc;
    }
    return QC_OK;
}

/* A growable byte string. */
typedef struct {
    char *p;
    size_t n, cap;
} cfg_buf;

static int buf_put(cfg_buf *b, const char *s, size_t n) {
    if (n >= SIZE_MAX / 4 || b->n >= SIZE_MAX / 4) return -1; /* also tells gcc n is bounded */
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->n + n + 1) cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) return -1;
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
    return 0;
}

/* ---- files ----------------------------------------------------------------------------------- */

/* Reads a whole file of at most CFG_FILE_MAX bytes. *missing is set (and QC_OK returned) when the
 * file does not exist. */
static qc_err file_read(const char *path, cfg_buf *out, int *missing, qc_error *err) {
    *missing = 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (errno == ENOENT) return *missing = 1, QC_OK;
        return qc_err_set(err, QC_ERR_CONFIG, "cannot open '%s': %s", path, strerror(errno));
    }
    char chunk[8192];
    size_t got;
    qc_err rc = QC_OK;
    while (!rc && (got = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (out->n + got > CFG_FILE_MAX)
            rc = qc_err_set(err, QC_ERR_CONFIG, "%s: larger than 16 MiB", path);
        else if (buf_put(out, chunk, got))
            rc = qc_err_set(err, QC_ERR_NOMEM, "%s: out of memory", path);
    }
    if (!rc && ferror(f)) rc = qc_err_set(err, QC_ERR_CONFIG, "cannot read '%s'", path);
    fclose(f);
    return rc;
}

/* ---- YAML ------------------------------------------------------------------------------------ */

typedef struct {
    yaml_parser_t parser;
    const char *source, *text; /* text: the input, to place reader errors given as offsets */
    size_t len;
    qc_error *err;
    cfg_batch *batch;
    char path[CFG_KEY_MAX]; /* dotted key of the mapping being read */
    size_t path_len;
} yaml_ctx;

static qc_err yaml_syntax_error(yaml_ctx *y) {
    const yaml_parser_t *p = &y->parser;
    const char *problem = p->problem ? p->problem : "unknown error";
    if (p->error == YAML_MEMORY_ERROR)
        return qc_err_set(y->err, QC_ERR_NOMEM, "%s: out of memory", y->source);
    size_t line = p->problem_mark.line + 1, col = p->problem_mark.column + 1;
    if (p->error == YAML_READER_ERROR) { /* bad encoding: libyaml gives a byte offset only */
        line = col = 1;
        for (size_t i = 0; i < p->problem_offset && i < y->len; i++, col++)
            if (y->text[i] == '\n') line++, col = 0;
    }
    return qc_err_set(y->err, QC_ERR_CONFIG, "%s:%zu:%zu: YAML syntax error: %s", y->source, line,
                      col, problem);
}

static qc_err yaml_next(yaml_ctx *y, yaml_event_t *ev) {
    return yaml_parser_parse(&y->parser, ev) ? QC_OK : yaml_syntax_error(y);
}

static size_t ev_line(const yaml_event_t *ev) { return ev->start_mark.line + 1; }

static qc_err yaml_fail(yaml_ctx *y, size_t line, const char *what) {
    return qc_err_set(y->err, QC_ERR_CONFIG, "%s:%zu: %s", y->source, line, what);
}

/* Aliases and anchors would let one node stand for many (and "billion laughs"): refused. */
static qc_err yaml_plain_node(yaml_ctx *y, const yaml_event_t *ev) {
    const yaml_char_t *anchor = NULL;
    if (ev->type == YAML_ALIAS_EVENT) return yaml_fail(y, ev_line(ev), "aliases are not supported");
    if (ev->type == YAML_SCALAR_EVENT) anchor = ev->data.scalar.anchor;
    if (ev->type == YAML_MAPPING_START_EVENT) anchor = ev->data.mapping_start.anchor;
    if (ev->type == YAML_SEQUENCE_START_EVENT) anchor = ev->data.sequence_start.anchor;
    return anchor ? yaml_fail(y, ev_line(ev), "anchors are not supported") : QC_OK;
}

/* A plain ~, null or empty scalar is the empty string; anything quoted is kept as written. */
static const char *scalar_text(const yaml_event_t *ev) {
    const char *v = (const char *)ev->data.scalar.value;
    size_t n = ev->data.scalar.length;
    if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) return v;
    if (n == 0 || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 || strcmp(v, "Null") == 0 ||
        strcmp(v, "NULL") == 0)
        return "";
    return v;
}

static qc_err yaml_emit(yaml_ctx *y, const char *value, size_t line) {
    char src[1024];
    snprintf(src, sizeof src, "%s:%zu", y->source, line);
    return batch_add(y->batch, y->path, value, src, y->err);
}

/* Appends ".key" to the path; the whole key is checked later, with the value. */
static qc_err yaml_push_key(yaml_ctx *y, const yaml_event_t *ev) {
    qc_err rc = yaml_plain_node(y, ev);
    if (rc) return rc;
    if (ev->type != YAML_SCALAR_EVENT) return yaml_fail(y, ev_line(ev), "keys must be scalars");
    const char *k = (const char *)ev->data.scalar.value;
    size_t n = ev->data.scalar.length, dot = y->path_len > 0;
    if (memchr(k, '\0', n)) return yaml_fail(y, ev_line(ev), "NUL byte in a key");
    if (y->path_len + dot + n >= sizeof y->path) return yaml_fail(y, ev_line(ev), "key too long");
    if (dot) y->path[y->path_len++] = '.';
    memcpy(y->path + y->path_len, k, n);
    y->path_len += n;
    y->path[y->path_len] = '\0';
    return QC_OK;
}

/* Reads scalars up to the sequence end and joins them with ','. */
static qc_err yaml_sequence(yaml_ctx *y, size_t line) {
    cfg_buf joined = {0};
    qc_err rc = buf_put(&joined, "", 0) ? qc_err_set(y->err, QC_ERR_NOMEM, "out of memory") : QC_OK;
    for (int first = 1; !rc; first = 0) {
        yaml_event_t ev;
        if ((rc = yaml_next(y, &ev))) break;
        if (ev.type == YAML_SEQUENCE_END_EVENT) {
            yaml_event_delete(&ev);
            rc = yaml_emit(y, joined.p, line);
            break;
        }
        rc = yaml_plain_node(y, &ev);
        if (!rc && ev.type != YAML_SCALAR_EVENT)
            rc = yaml_fail(y, ev_line(&ev), "a sequence may hold only scalars");
        const char *t = rc ? "" : scalar_text(&ev);
        if (!rc && (buf_put(&joined, ",", !first) || buf_put(&joined, t, strlen(t))))
            rc = qc_err_set(y->err, QC_ERR_NOMEM, "%s: out of memory", y->source);
        yaml_event_delete(&ev);
    }
    free(joined.p);
    return rc;
}

static qc_err yaml_mapping(yaml_ctx *y, int depth);

/* The value of one mapping pair; ev is its first event and is deleted here. */
static qc_err yaml_value(yaml_ctx *y, yaml_event_t *ev, size_t line, int depth) {
    qc_err rc = yaml_plain_node(y, ev);
    if (!rc) {
        if (ev->type == YAML_SCALAR_EVENT)
            rc = yaml_emit(y, scalar_text(ev), line);
        else if (ev->type == YAML_MAPPING_START_EVENT)
            rc = yaml_mapping(y, depth + 1);
        else if (ev->type == YAML_SEQUENCE_START_EVENT)
            rc = yaml_sequence(y, line);
        else
            rc = yaml_fail(y, ev_line(ev), "unexpected YAML event");
    }
    yaml_event_delete(ev);
    return rc;
}

/* One key: value pair; key_ev is the key's event and is deleted here. */
static qc_err yaml_pair(yaml_ctx *y, yaml_event_t *key_ev, int depth) {
    size_t saved = y->path_len, line = ev_line(key_ev);
    qc_err rc = yaml_push_key(y, key_ev);
    yaml_event_delete(key_ev);
    yaml_event_t ev;
    if (!rc) rc = yaml_next(y, &ev);
    if (!rc) rc = yaml_value(y, &ev, line, depth);
    y->path_len = saved;
    y->path[saved] = '\0';
    return rc;
}

/* Pairs up to the mapping end; the MAPPING_START event has been read. */
static qc_err yaml_mapping(yaml_ctx *y, int depth) {
    if (depth > CFG_YAML_DEPTH_MAX)
        return yaml_fail(y, y->parser.mark.line + 1, "mappings nested more than 32 deep");
    for (;;) {
        yaml_event_t ev;
        qc_err rc = yaml_next(y, &ev);
        if (rc) return rc;
        if (ev.type == YAML_MAPPING_END_EVENT) {
            yaml_event_delete(&ev);
            return QC_OK;
        }
        if ((rc = yaml_pair(y, &ev, depth))) return rc;
    }
}

/* The root node of a document: a mapping, or nothing (an empty or null document). */
static qc_err yaml_root(yaml_ctx *y, const yaml_event_t *ev) {
    qc_err rc = yaml_plain_node(y, ev);
    if (rc) return rc;
    if (ev->type == YAML_MAPPING_START_EVENT) return yaml_mapping(y, 1);
    if (ev->type == YAML_SCALAR_EVENT && scalar_text(ev)[0] == '\0') return QC_OK;
    return yaml_fail(y, ev_line(ev), "the top level must be a mapping of keys");
}

/* Every document of the stream; later documents override earlier ones. */
static qc_err yaml_stream(yaml_ctx *y) {
    for (;;) {
        yaml_event_t ev;
        qc_err rc = yaml_next(y, &ev);
        if (rc) return rc;
        yaml_event_type_t t = ev.type;
        if (t != YAML_STREAM_START_EVENT && t != YAML_STREAM_END_EVENT &&
            t != YAML_DOCUMENT_START_EVENT && t != YAML_DOCUMENT_END_EVENT)
            rc = yaml_root(y, &ev);
        yaml_event_delete(&ev);
        if (rc || t == YAML_STREAM_END_EVENT) return rc;
    }
}

qc_err qc_config_load_yaml_string(qc_config *cfg, const char *text, size_t len, const char *source,
                                  qc_error *err) {
    if (!cfg || (!text && len)) return qc_err_set(err, QC_ERR_INTERNAL, "load_yaml: bad argument");
    if (!source) source = "<yaml>";
    if (len > CFG_FILE_MAX) return qc_err_set(err, QC_ERR_CONFIG, "%s: larger than 16 MiB", source);
    cfg_batch batch = {0};
    yaml_ctx y = {
        .source = source, .text = text ? text : "", .len = len, .err = err, .batch = &batch};
    if (!yaml_parser_initialize(&y.parser))
        return qc_err_set(err, QC_ERR_NOMEM, "%s: out of memory", source);
    yaml_parser_set_input_string(&y.parser, (const unsigned char *)y.text, len);
    qc_err rc = yaml_stream(&y);
    yaml_parser_delete(&y.parser);
    if (!rc) rc = batch_commit(cfg, &batch, QC_CFG_YAML, err);
    batch_free(&batch);
    return rc;
}

qc_err qc_config_load_yaml(qc_config *cfg, const char *path, qc_error *err) {
    if (!cfg || !path) return qc_err_set(err, QC_ERR_INTERNAL, "load_yaml: bad argument");
    cfg_buf text = {0};
    int missing;
    qc_err rc = file_read(path, &text, &missing, err);
    if (!rc && missing) rc = qc_err_set(err, QC_ERR_CONFIG, "config file '%s' not found", path);
    if (!rc) rc = qc_config_load_yaml_string(cfg, text.p, text.n, path, err);
    free(text.p);
    return rc;
}

static int yaml_name(const char *name) {
    size_t n = strlen(name);
    if (name[0] == '.') return 0; /* like the shell's *.yaml: hidden files are skipped */
    return (n > 5 && strcmp(name + n - 5, ".yaml") == 0) ||
           (n > 4 && strcmp(name + n - 4, ".yml") == 0);
}

static int name_cmp(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Names of the *.yaml / *.yml files in d, sorted; the caller frees each and the array. */
static qc_err yaml_dir_names(DIR *d, const char *dir, char ***out, size_t *count, qc_error *err) {
    char **names = NULL;
    size_t n = 0, cap = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (!yaml_name(e->d_name)) continue;
        if (n == cap) {
            char **p = realloc(names, (cap ? cap * 2 : 16) * sizeof *p);
            if (p) names = p, cap = cap ? cap * 2 : 16;
        }
        char *name = n < cap ? qc_strdup(e->d_name) : NULL;
        if (!name) {
            for (size_t i = 0; i < n; i++) free(names[i]);
            free(names);
            return qc_err_set(err, QC_ERR_NOMEM, "%s: out of memory", dir);
        }
        names[n++] = name;
    }
    if (n) qsort(names, n, sizeof *names, name_cmp);
    *out = names;
    *count = n;
    return QC_OK;
}

static qc_err yaml_dir_file(qc_config *cfg, const char *dir, const char *name, qc_error *err) {
    char path[4096];
    struct stat st;
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path)
        return qc_err_set(err, QC_ERR_CONFIG, "%s/%s: path too long", dir, name);
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) return QC_OK;
    return qc_config_load_yaml(cfg, path, err);
}

qc_err qc_config_load_yaml_dir(qc_config *cfg, const char *dir, qc_error *err) {
    if (!cfg || !dir) return qc_err_set(err, QC_ERR_INTERNAL, "load_yaml_dir: bad argument");
    DIR *d = opendir(dir);
    if (!d) {
        if (errno == ENOENT) return QC_OK;
        return qc_err_set(err, QC_ERR_CONFIG, "cannot open config directory '%s': %s", dir,
                          strerror(errno));
    }
    char **names = NULL;
    size_t n = 0;
    qc_err rc = yaml_dir_names(d, dir, &names, &n, err);
    closedir(d);
    for (size_t i = 0; i < n; i++) {
        if (!rc) rc = yaml_dir_file(cfg, dir, names[i], err);
        free(names[i]);
    }
    free(names);
    return rc;
}

/* ---- .env ------------------------------------------------------------------------------------ */

typedef struct {
    const char *s;
    size_t n, pos, line; /* line of s[pos], from 1 */
    const char *source;
    qc_error *err;
} dotenv_rd;

static int rd_more(const dotenv_rd *r) { return r->pos < r->n; }
static char rd_peek(const dotenv_rd *r) { return r->pos < r->n ? r->s[r->pos] : '\0'; }

static void rd_skip_blanks(dotenv_rd *r) {
    while (rd_peek(r) == ' ' || rd_peek(r) == '\t') r->pos++;
}

/* Skips to the end of the line, leaving pos on the '\n' (or at the end). */
static void rd_skip_line(dotenv_rd *r) {
    while (rd_more(r) && r->s[r->pos] != '\n') r->pos++;
}

/* After a value: blanks, an optional comment, then the end of the line. */
static qc_err rd_end_of_line(dotenv_rd *r, size_t line) {
    rd_skip_blanks(r);
    if (rd_peek(r) == '\r') r->pos++;
    if (rd_peek(r) == '#') rd_skip_line(r);
    if (rd_more(r) && rd_peek(r) != '\n')
        return qc_err_set(r->err, QC_ERR_CONFIG, "%s:%zu: unexpected text after the closing quote",
                          r->source, line);
    return QC_OK;
}

/* A quoted value; pos is on the opening quote. Double quotes understand \n, \" and \\ (any other
 * backslash is kept as written); single quotes are literal. Either may span lines. */
static qc_err rd_quoted(dotenv_rd *r, cfg_buf *val, size_t line) {
    char q = r->s[r->pos++];
    for (; rd_more(r); r->pos++) {
        char c = r->s[r->pos];
        if (c == q) {
            r->pos++;
            return rd_end_of_line(r, line);
        }
        if (c == '\n') r->line++;
        if (c == '\\' && q == '"' && r->pos + 1 < r->n) {
            char e = r->s[r->pos + 1];
            if (e == 'n' || e == '"' || e == '\\') {
                c = e == 'n' ? '\n' : e;
                r->pos++;
            }
        }
        if (buf_put(val, &c, 1)) return qc_err_set(r->err, QC_ERR_NOMEM, "out of memory");
    }
    return qc_err_set(r->err, QC_ERR_CONFIG, "%s:%zu: unterminated %s-quoted value", r->source,
                      line, q == '"' ? "double" : "single");
}

/* An unquoted value: the rest of the line, without a " #comment" and trailing blanks. */
static qc_err rd_plain(dotenv_rd *r, cfg_buf *val) {
    size_t start = r->pos;
    rd_skip_line(r);
    size_t end = r->pos;
    for (size_t i = start; i < end; i++)
        if (r->s[i] == '#' && i > start && (r->s[i - 1] == ' ' || r->s[i - 1] == '\t')) end = i;
    while (end > start && (r->s[end - 1] == ' ' || r->s[end - 1] == '\t' || r->s[end - 1] == '\r'))
        end--;
    if (buf_put(val, r->s + start, end - start) || buf_put(val, "", 0))
        return qc_err_set(r->err, QC_ERR_NOMEM, "out of memory");
    return QC_OK;
}

static int env_name_char(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

/* NAME (after an optional "export "), blanks, '='. */
static qc_err rd_name(dotenv_rd *r, char *name, size_t n, size_t line) {
    if (r->n - r->pos > 7 && memcmp(r->s + r->pos, "export", 6) == 0 &&
        (r->s[r->pos + 6] == ' ' || r->s[r->pos + 6] == '\t')) {
        r->pos += 7;
        rd_skip_blanks(r);
    }
    size_t start = r->pos;
    while (env_name_char(rd_peek(r))) r->pos++;
    size_t len = r->pos - start;
    rd_skip_blanks(r);
    if (len == 0 || len >= n || rd_peek(r) != '=')
        return qc_err_set(r->err, QC_ERR_CONFIG, "%s:%zu: expected NAME=value", r->source, line);
    r->pos++;
    memcpy(name, r->s + start, len);
    name[len] = '\0';
    return QC_OK;
}

/* Adds NAME=value to the batch when NAME is a QUANTCLI_ name; other names are not ours. */
static qc_err rd_keep(dotenv_rd *r, const char *name, const char *value, size_t line,
                      cfg_batch *b) {
    char key[CFG_KEY_MAX], src[1024];
    if (strncmp(name, CFG_ENV_PREFIX, CFG_ENV_PREFIX_LEN) != 0) return QC_OK;
    if (qc_config_env_to_key(name, key, sizeof key))
        return qc_err_set(r->err, QC_ERR_CONFIG, "%s:%zu: %s does not name a config key", r->source,
                          line, name);
    snprintf(src, sizeof src, "%s:%zu", r->source, line);
    return batch_add(b, key, value, src, r->err);
}

/* One entry starting at pos (blanks skipped); leaves pos at the end of its last line. */
static qc_err rd_entry(dotenv_rd *r, cfg_batch *b) {
    char name[CFG_KEY_MAX + 32];
    size_t line = r->line;
    qc_err rc = rd_name(r, name, sizeof name, line);
    if (rc) return rc;
    rd_skip_blanks(r);
    cfg_buf val = {0};
    char c = rd_peek(r);
    rc = (c == '"' || c == '\'') ? rd_quoted(r, &val, line) : rd_plain(r, &val);
    if (!rc && !val.p && buf_put(&val, "", 0))
        rc = qc_err_set(r->err, QC_ERR_NOMEM, "out of memory");
    if (!rc) rc = rd_keep(r, name, val.p, line, b);
    free(val.p);
    return rc;
}

static qc_err dotenv_parse(dotenv_rd *r, cfg_batch *b) {
    const char *nul = memchr(r->s, '\0', r->n);
    if (nul) {
        size_t line = 1;
        for (const char *p = r->s; p < nul; p++) line += *p == '\n';
        return qc_err_set(r->err, QC_ERR_CONFIG, "%s:%zu: NUL byte", r->source, line);
    }
    while (rd_more(r)) {
        rd_skip_blanks(r);
        char c = rd_peek(r);
        qc_err rc = QC_OK;
        if (c == '#' || c == '\r')
            rd_skip_line(r);
        else if (c != '\n' && rd_more(r))
            rc = rd_entry(r, b);
        if (rc) return rc;
        if (rd_peek(r) == '\n') r->pos++, r->line++; /* every branch stops on a '\n' or the end */
    }
    return QC_OK;
}

qc_err qc_config_load_dotenv_string(qc_config *cfg, const char *text, size_t len,
                                    const char *source, qc_error *err) {
    if (!cfg || (!text && len))
        return qc_err_set(err, QC_ERR_INTERNAL, "load_dotenv: bad argument");
    if (!source) source = ".env";
    if (len > CFG_FILE_MAX) return qc_err_set(err, QC_ERR_CONFIG, "%s: larger than 16 MiB", source);
    dotenv_rd r = {.s = text ? text : "", .n = len, .line = 1, .source = source, .err = err};
    cfg_batch batch = {0};
    qc_err rc = dotenv_parse(&r, &batch);
    if (!rc) rc = batch_commit(cfg, &batch, QC_CFG_DOTENV, err);
    batch_free(&batch);
    return rc;
}

qc_err qc_config_load_dotenv(qc_config *cfg, const char *path, qc_error *err) {
    if (!cfg || !path) return qc_err_set(err, QC_ERR_INTERNAL, "load_dotenv: bad argument");
    cfg_buf text = {0};
    int missing;
    qc_err rc = file_read(path, &text, &missing, err);
    if (!rc && !missing) rc = qc_config_load_dotenv_string(cfg, text.p, text.n, path, err);
    free(text.p);
    return rc;
}

/* ---- process environment and the standard stack ---------------------------------------------- */

static qc_err env_entry(const char *entry, cfg_batch *b, qc_error *err) {
    const char *eq = strchr(entry, '=');
    char name[CFG_KEY_MAX + 32], key[CFG_KEY_MAX], src[CFG_KEY_MAX + 48];
    if (!eq || strncmp(entry, CFG_ENV_PREFIX, CFG_ENV_PREFIX_LEN) != 0) return QC_OK;
    size_t len = (size_t)(eq - entry);
    qc_strlcpy(name, entry, len < sizeof name ? len + 1 : sizeof name);
    if (len >= sizeof name || qc_config_env_to_key(name, key, sizeof key)) {
        char shown[CFG_SHOWN_MAX + 8];
        shown_text(name, shown, sizeof shown);
        return qc_err_set(err, QC_ERR_CONFIG, "env %s: does not name a config key", shown);
    }
    snprintf(src, sizeof src, "env %s", name);
    return batch_add(b, key, eq + 1, src, err);
}

qc_err qc_config_load_env(qc_config *cfg, char *const *envp, qc_error *err) {
    if (!cfg) return qc_err_set(err, QC_ERR_INTERNAL, "load_env: bad argument");
    cfg_batch batch = {0};
    qc_err rc = QC_OK;
    for (size_t i = 0; envp && envp[i] && !rc; i++) rc = env_entry(envp[i], &batch, err);
    if (!rc) rc = batch_commit(cfg, &batch, QC_CFG_ENV, err);
    batch_free(&batch);
    return rc;
}

qc_err qc_config_load_standard(qc_config *cfg, const char *config_file, char *const *envp,
                               qc_error *err) {
    qc_err rc = config_file ? qc_config_load_yaml(cfg, config_file, err)
                            : qc_config_load_yaml_dir(cfg, "config", err);
    if (!rc) rc = qc_config_load_dotenv(cfg, ".env", err);
    if (!rc && envp) rc = qc_config_load_env(cfg, envp, err);
    return rc;
}
