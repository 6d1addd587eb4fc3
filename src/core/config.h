/* config.h: layered configuration with dotted keys. Highest layer wins:
 *   command-line flags > process environment > .env file > YAML files (config/ *.yaml or --config)
 *   > defaults in code.
 * Environment names are QUANTCLI_ + the key upper-cased with each '.' written "__"
 * (data_sources.alpha_vantage.api_key <-> QUANTCLI_DATA_SOURCES__ALPHA_VANTAGE__API_KEY).
 * Known keys (the defaults table) are type-checked whenever any layer sets them; unknown keys are
 * kept as strings for modules that come later. Values are stored as strings. */
#ifndef QC_CORE_CONFIG_H
#define QC_CORE_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

typedef enum {
    QC_CFG_DEFAULT = 0,
    QC_CFG_YAML = 1,
    QC_CFG_DOTENV = 2,
    QC_CFG_ENV = 3,
    QC_CFG_FLAG = 4
} qc_cfg_layer;

typedef enum { QC_CFG_T_STRING = 0, QC_CFG_T_INT, QC_CFG_T_DOUBLE, QC_CFG_T_BOOL, QC_CFG_T_ENUM } qc_cfg_type;

typedef struct qc_config qc_config;

/* One effective key, as listed by qc_config_entry(). Pointers live as long as the config. */
typedef struct {
    const char *key;
    const char *value;   /* raw value (not redacted: redact with qc_is_secret_key when printing) */
    qc_cfg_layer layer;
    const char *source;  /* "default", "config/risk.yaml:12", "env QUANTCLI_X", ".env:3", "--db" */
    const char *description; /* for known keys, else "" */
} qc_cfg_entry;

/* New config holding the defaults table. NULL on OOM. */
qc_config *qc_config_new(void);
void qc_config_free(qc_config *cfg);

/* Sets key at layer; a value from a lower layer than the current one is ignored (returns QC_OK).
 * Known keys are type-checked: a mismatch is QC_ERR_CONFIG naming source, key, type and value. */
qc_err qc_config_set(qc_config *cfg, const char *key, const char *value, qc_cfg_layer layer,
                     const char *source, qc_error *err);

/* Loaders for each layer. A missing .env file is fine; a missing YAML file given explicitly is an
 * error. YAML mappings flatten to dotted keys; sequences of scalars become "a,b,c". */
qc_err qc_config_load_yaml(qc_config *cfg, const char *path, qc_error *err);
qc_err qc_config_load_yaml_string(qc_config *cfg, const char *text, size_t len, const char *source,
                                  qc_error *err);
/* Every *.yaml / *.yml in dir, in name order; a missing dir is fine. */
qc_err qc_config_load_yaml_dir(qc_config *cfg, const char *dir, qc_error *err);
qc_err qc_config_load_dotenv(qc_config *cfg, const char *path, qc_error *err);
/* The .env parser on text in memory (for tests and the fuzzer); source prefixes "SOURCE:LINE". */
qc_err qc_config_load_dotenv_string(qc_config *cfg, const char *text, size_t len, const char *source,
                                    qc_error *err);
/* Reads QUANTCLI_* entries of envp (NULL-terminated "NAME=value" array). */
qc_err qc_config_load_env(qc_config *cfg, char *const *envp, qc_error *err);

/* The standard stack: defaults, then config_file (or every config/ *.yaml when NULL), then the
 * .env file in the working directory, then envp. Flags are applied by the caller afterwards. */
qc_err qc_config_load_standard(qc_config *cfg, const char *config_file, char *const *envp,
                               qc_error *err);

/* Map between dotted keys and environment names; return 0 on success, -1 if not mappable. */
int qc_config_key_to_env(const char *key, char *buf, size_t n);
int qc_config_env_to_key(const char *env_name, char *buf, size_t n);

/* Raw lookup; NULL if the key is absent. */
const char *qc_config_get(const qc_config *cfg, const char *key);
/* Typed getters: QC_ERR_CONFIG when absent or of the wrong type (message names key, source, value). */
qc_err qc_config_get_str(const qc_config *cfg, const char *key, const char **out, qc_error *err);
qc_err qc_config_get_int(const qc_config *cfg, const char *key, int64_t *out, qc_error *err);
qc_err qc_config_get_double(const qc_config *cfg, const char *key, double *out, qc_error *err);
qc_err qc_config_get_bool(const qc_config *cfg, const char *key, int *out, qc_error *err);

/* Effective keys in sorted order. */
size_t qc_config_count(const qc_config *cfg);
int qc_config_entry(const qc_config *cfg, size_t i, qc_cfg_entry *out);
const char *qc_cfg_layer_name(qc_cfg_layer layer);

#endif
