/* main.c: quantcli's entry point: global flags, configuration layers, logging set-up, and dispatch
 * to the command tables. Exit codes: 0 ok, 1 internal, 2 usage, 3 invalid input, 4 config,
 * 5 data/provider, 6 model, 7 risk/execution. */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/log.h"
#include "core/version.h"

extern char **environ;

typedef struct {
    const char *db, *config, *log_level, *log_format;
    int quiet;
} globals;

/* Every command group, in the order `--help` lists them. */
static const struct {
    const qc_command *cmds;
    const size_t *n;
} k_groups[] = {{qc_cmd_data, &qc_cmd_data_n},
                {qc_cmd_backtest, &qc_cmd_backtest_n},
                {qc_cmd_features, &qc_cmd_features_n},
                {qc_cmd_features_xsec, &qc_cmd_features_xsec_n},
                {qc_cmd_cv, &qc_cmd_cv_n},
                {qc_cmd_sweep, &qc_cmd_sweep_n},
                {qc_cmd_model, &qc_cmd_model_n},
                {qc_cmd_model_export, &qc_cmd_model_export_n},
                {qc_cmd_strategies, &qc_cmd_strategies_n},
                {qc_cmd_pairs, &qc_cmd_pairs_n},
                {qc_cmd_metrics, &qc_cmd_metrics_n},
                {qc_cmd_portfolio, &qc_cmd_portfolio_n},
                {qc_cmd_risk, &qc_cmd_risk_n},
                {qc_cmd_trade, &qc_cmd_trade_n},
                {qc_cmd_config, &qc_cmd_config_n}};
#define N_GROUPS (sizeof k_groups / sizeof k_groups[0])

static void print_usage(FILE *f) {
    fprintf(f,
            "Usage: quantcli [global options] COMMAND [options]\n\n"
            "QuantCLI: market data, features, models, backtests, portfolios and trading from one command line.\n\n"
            "Commands:\n");
    for (size_t g = 0; g < N_GROUPS; g++)
        for (size_t i = 0; i < *k_groups[g].n; i++) {
            const qc_command *c = &k_groups[g].cmds[i];
            const char *nl = strchr(c->summary, '\n');
            int len = nl ? (int)(nl - c->summary) : (int)strlen(c->summary);
            fprintf(f, "  %-19s %.*s\n", c->name, len, c->summary);
        }
    fprintf(f, "  %-19s %s\n", "help [COMMAND]", "show help for a command");
    fprintf(f,
            "\nGlobal options (before the command):\n"
            "  --db PATH|URL            store: a path or sqlite:PATH (default ./quantcli.db) [storage.url]\n"
            "  --config FILE            YAML config file (default: config/*.yaml)\n"
            "  --log-level LEVEL        trace, debug, info, warn (default), error, off [log.level]\n"
            "  --log-format FMT         text (default) or json [log.format]\n"
            "  --quiet                  print results only: no progress, no notes\n"
            "  --version                print the version\n"
            "  -h, --help               show this help\n"
            "\nExit codes: 0 ok, 1 internal, 2 usage, 3 invalid input, 4 config, 5 data/provider,\n"
            "6 model, 7 risk/execution.\n");
}

/* Finds the command named by one or two argv words ("backtest", "data import"); *used = words
 * consumed. */
static const qc_command *find_command(int argc, char **argv, int *used) {
    char two[128];
    snprintf(two, sizeof two, "%s %s", argc > 0 ? argv[0] : "", argc > 1 ? argv[1] : "");
    for (int words = 2; words >= 1; words--) {
        if (argc < words) continue;
        const char *name = words == 2 ? two : argv[0];
        for (size_t g = 0; g < N_GROUPS; g++)
            for (size_t i = 0; i < *k_groups[g].n; i++)
                if (strcmp(k_groups[g].cmds[i].name, name) == 0) {
                    *used = words;
                    return &k_groups[g].cmds[i];
                }
    }
    return NULL;
}

static int global_value(int *i, int argc, char **argv, const char *flag, const char **out) {
    size_t n = strlen(flag);
    if (strncmp(argv[*i], flag, n) == 0 && argv[*i][n] == '=') {
        *out = argv[*i] + n + 1;
        return 1;
    }
    if (strcmp(argv[*i], flag) != 0) return 0;
    if (*i + 1 >= argc) {
        fprintf(stderr, "quantcli: error: option '%s' needs a value\n", flag);
        exit(2);
    }
    *out = argv[++*i];
    return 1;
}

/* Parses global flags; returns the index of the command word. */
static int parse_globals(int argc, char **argv, globals *g) {
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (global_value(&i, argc, argv, "--db", &g->db) || global_value(&i, argc, argv, "--config", &g->config) ||
            global_value(&i, argc, argv, "--log-level", &g->log_level) ||
            global_value(&i, argc, argv, "--log-format", &g->log_format))
            continue;
        if (strcmp(argv[i], "--quiet") == 0) {
            g->quiet = 1;
        } else if (strcmp(argv[i], "--version") == 0) {
            printf("quantcli %s (git %s)\n", QC_VERSION_STRING, QC_GIT_REV);
            exit(0);
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            print_usage(stdout);
            exit(0);
        } else {
            fprintf(stderr, "quantcli: error: unknown global option '%s' (see quantcli --help)\n", argv[i]);
            exit(2);
        }
    }
    return i;
}

static qc_err setup(qc_cli *cli, const globals *g, qc_error *err) {
    cli->cfg = qc_config_new();
    if (!cli->cfg) return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    qc_err rc = qc_config_load_standard(cli->cfg, g->config, environ, err);
    if (!rc && g->db) rc = qc_config_set(cli->cfg, "storage.url", g->db, QC_CFG_FLAG, "--db", err);
    if (!rc && g->log_level) rc = qc_config_set(cli->cfg, "log.level", g->log_level, QC_CFG_FLAG, "--log-level", err);
    if (!rc && g->log_format)
        rc = qc_config_set(cli->cfg, "log.format", g->log_format, QC_CFG_FLAG, "--log-format", err);
    qc_log_level lvl = QC_LOG_WARN;
    qc_log_format fmt = QC_LOG_FMT_TEXT;
    if (!rc) rc = qc_log_level_parse(qc_config_get(cli->cfg, "log.level"), &lvl, err);
    if (!rc) rc = qc_log_format_parse(qc_config_get(cli->cfg, "log.format"), &fmt, err);
    if (rc) return rc;
    qc_log_setup(lvl, fmt, NULL);
    const char *file = qc_config_get(cli->cfg, "log.file");
    if (file && *file && (rc = qc_log_open_file(file, err))) return rc;
    int prog = 1;
    qc_config_get_bool(cli->cfg, "output.progress", &prog, NULL);
    cli->progress = prog;
    cli->quiet = g->quiet;
    cli->db_url = qc_config_get(cli->cfg, "storage.url");
    return QC_OK;
}

static int help_command(int argc, char **argv) {
    if (argc == 0) {
        print_usage(stdout);
        return 0;
    }
    int used = 0;
    const qc_command *c = find_command(argc, argv, &used);
    if (c) {
        qc_cli_print_help(stdout, c);
        return 0;
    }
    if (argc == 1 && (strcmp(argv[0], "data") == 0 || strcmp(argv[0], "config") == 0)) {
        print_usage(stdout);
        return 0;
    }
    fprintf(stderr, "quantcli: error: no such command '%s' (see quantcli --help)\n", argv[0]);
    return 2;
}

int main(int argc, char **argv) {
    globals g = {0};
    int i = parse_globals(argc, argv, &g);
    if (i >= argc) {
        print_usage(stderr);
        return 2;
    }
    if (strcmp(argv[i], "help") == 0) return help_command(argc - i - 1, argv + i + 1);
    int used = 0;
    const qc_command *c = find_command(argc - i, argv + i, &used);
    if (!c) {
        fprintf(stderr, "quantcli: error: unknown command '%s%s%s' (see quantcli --help)\n", argv[i],
                i + 1 < argc ? " " : "", i + 1 < argc ? argv[i + 1] : "");
        return 2;
    }
    qc_error err = {0};
    qc_args a;
    if (qc_args_parse(&a, c->opts, c->n_opts, argc - i - used, argv + i + used, c->name, &err))
        return qc_cli_fail(&err);
    if (a.help) {
        qc_cli_print_help(stdout, c);
        return 0;
    }
    if (a.n_pos < c->min_pos || a.n_pos > c->max_pos) {
        fprintf(stderr, "quantcli: error: '%s' takes %s (usage: quantcli %s %s)\n", c->name,
                c->max_pos == 0 ? "no positional arguments" : c->min_pos == c->max_pos ? "one file argument" : "arguments",
                c->name, c->args);
        return 2;
    }
    qc_cli cli = {0};
    int rc;
    if (setup(&cli, &g, &err)) rc = qc_cli_fail(&err);
    else rc = c->run(&cli, &a);
    qc_log_close();
    qc_config_free(cli.cfg);
    if (fflush(stdout) != 0 && rc == 0) {
        fprintf(stderr, "quantcli: error: writing output failed\n");
        rc = 1;
    }
    return rc;
}
