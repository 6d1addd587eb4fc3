/* cmd_config.c: `quantcli config show`: every effective key, its value (secrets redacted) and the
 * layer and source it came from. */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/strutil.h"

static const char *shown(const qc_cfg_entry *e) {
    return qc_is_secret_key(e->key) && e->value[0] ? "***" : e->value;
}

static int cmd_show(qc_cli *cli, qc_args *a) {
    size_t n = qc_config_count(cli->cfg);
    if (qc_args_has(a, "json")) {
        cJSON *root = cJSON_CreateObject(), *arr = cJSON_CreateArray();
        for (size_t i = 0; i < n; i++) {
            qc_cfg_entry e;
            if (qc_config_entry(cli->cfg, i, &e)) continue;
            cJSON *j = cJSON_CreateObject();
            cJSON_AddStringToObject(j, "key", e.key);
            cJSON_AddStringToObject(j, "value", shown(&e));
            cJSON_AddStringToObject(j, "layer", qc_cfg_layer_name(e.layer));
            cJSON_AddStringToObject(j, "source", e.source);
            cJSON_AddItemToArray(arr, j);
        }
        cJSON_AddItemToObject(root, "config", arr);
        qc_out_json(stdout, root);
        return 0;
    }
    static const char *hdr[] = {"key", "value", "layer", "source"};
    char **cells = calloc(n * 4 + 1, sizeof *cells);
    if (!cells) return 1;
    size_t rows = 0;
    for (size_t i = 0; i < n; i++) {
        qc_cfg_entry e;
        if (qc_config_entry(cli->cfg, i, &e)) continue;
        const char *v[4] = {e.key, shown(&e), qc_cfg_layer_name(e.layer), e.source};
        for (int c = 0; c < 4; c++) cells[rows * 4 + c] = qc_strdup(v[c][0] ? v[c] : "\"\"");
        rows++;
    }
    qc_out_table(stdout, hdr, 4, cells, rows);
    for (size_t i = 0; i < rows * 4; i++) free(cells[i]);
    free(cells);
    return 0;
}

static const qc_opt_spec k_show_opts[] = {{"json", NULL, "print the result as JSON"}};

const qc_command qc_cmd_config[] = {
    {"config show", "[--json]",
     "Print every effective configuration key, its value and the layer it came from.",
     "Layers, highest first: flag > env > .env > yaml > default. Secrets (keys containing key,\n"
     "secret, password or token) are redacted.\n"
     "Environment: QUANTCLI_ + the key upper-cased, '.' written '__'\n"
     "(data.validation.policy -> QUANTCLI_DATA__VALIDATION__POLICY).",
     k_show_opts, 1, 0, 0, cmd_show},
};
const size_t qc_cmd_config_n = 1;
