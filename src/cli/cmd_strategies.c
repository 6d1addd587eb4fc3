/* cmd_strategies.c: `quantcli strategies list`: every built-in strategy with its parameters (name,
 * type, default, range, description), from the registry that backtest, sweep and the docs read. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "strategies/strategies.h"

static const char *type_name(qc_param_type t) {
    return t == QC_PARAM_INT ? "int" : t == QC_PARAM_DOUBLE ? "double" : "bool";
}

static void list_json(void) {
    size_t n;
    const qc_strategy_def *const *all = qc_strategies_all(&n);
    cJSON *root = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++) {
        cJSON *o = cJSON_CreateObject(), *ps = cJSON_CreateArray();
        cJSON_AddStringToObject(o, "name", all[i]->name);
        cJSON_AddStringToObject(o, "summary", all[i]->summary);
        for (size_t j = 0; j < all[i]->n_params; j++) {
            const qc_param_spec *p = &all[i]->params[j];
            cJSON *q = cJSON_CreateObject();
            cJSON_AddStringToObject(q, "name", p->name);
            cJSON_AddStringToObject(q, "type", type_name(p->type));
            cJSON_AddStringToObject(q, "default", p->def);
            cJSON_AddNumberToObject(q, "min", p->min);
            cJSON_AddNumberToObject(q, "max", p->max);
            cJSON_AddStringToObject(q, "description", p->help);
            cJSON_AddItemToArray(ps, q);
        }
        cJSON_AddItemToObject(o, "params", ps);
        cJSON_AddItemToArray(root, o);
    }
    qc_out_json(stdout, root);
}

static void list_text(void) {
    size_t n;
    const qc_strategy_def *const *all = qc_strategies_all(&n);
    for (size_t i = 0; i < n; i++) {
        const qc_strategy_def *d = all[i];
        printf("%s%s: %s\n", i ? "\n" : "", d->name, d->summary);
        if (!d->n_params) printf("  (no parameters)\n");
        for (size_t j = 0; j < d->n_params; j++) {
            const qc_param_spec *p = &d->params[j];
            char range[64];
            if (p->type == QC_PARAM_BOOL) snprintf(range, sizeof range, "0|1");
            else snprintf(range, sizeof range, "%g..%g", p->min, p->max);
            printf("  %-14s %-6s %-8s %-14s %s\n", p->name, type_name(p->type), p->def, range, p->help);
        }
    }
}

static int cmd_strategies_list(qc_cli *cli, qc_args *a) {
    (void)cli;
    if (qc_args_has(a, "json")) list_json();
    else list_text();
    return 0;
}

static const qc_opt_spec k_opts[] = {
    {"json", NULL, "print the list as JSON (parameters with type, default, min, max, description)"},
};

const qc_command qc_cmd_strategies[] = {
    {"strategies list", "[--json]", "List the built-in strategies and their parameters.",
     "Columns: parameter name, type (int, double, bool), default, accepted range, description. Set them\n"
     "with backtest --param NAME=VALUE or sweep over them with sweep --grid NAME=FROM:TO:STEP. A user\n"
     "strategy is a shared object: backtest --strategy ./my_strategy.so (docs/STRATEGIES.md).",
     k_opts, sizeof k_opts / sizeof k_opts[0], 0, 0, cmd_strategies_list},
};
const size_t qc_cmd_strategies_n = 1;
