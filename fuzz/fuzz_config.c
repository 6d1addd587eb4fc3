/* fuzz_config.c: libFuzzer target for the config parsers. The whole input goes to the YAML loader
 * on a fresh config; then the first byte picks a split point and the two halves of the rest go to
 * the YAML and .env loaders in turn on one config, whose entries are read back through every typed
 * getter. Everything is freed, so LeakSanitizer catches what a failed load leaks. */
#include <stddef.h>
#include <stdint.h>

#include "core/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void read_back(const qc_config *cfg) {
    qc_error err = {0};
    for (size_t i = 0; i < qc_config_count(cfg); i++) {
        qc_cfg_entry e;
        const char *s;
        int64_t n;
        double d;
        int b;
        if (qc_config_entry(cfg, i, &e)) continue;
        qc_config_get_str(cfg, e.key, &s, &err);
        qc_config_get_int(cfg, e.key, &n, &err);
        qc_config_get_double(cfg, e.key, &d, &err);
        qc_config_get_bool(cfg, e.key, &b, &err);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *text = (const char *)data;
    qc_error err = {0};
    qc_config *cfg = qc_config_new();
    if (!cfg) return 0;
    qc_config_load_yaml_string(cfg, text, size, "fuzz.yaml", &err);
    read_back(cfg);
    qc_config_free(cfg);
    if (size == 0) return 0;

    size_t rest = size - 1, cut = rest * data[0] / 255;
    cfg = qc_config_new();
    if (!cfg) return 0;
    qc_config_load_yaml_string(cfg, text + 1, cut, "fuzz.yaml", &err);
    qc_config_load_dotenv_string(cfg, text + 1 + cut, rest - cut, ".env", &err);
    read_back(cfg);
    qc_config_free(cfg);
    return 0;
}
