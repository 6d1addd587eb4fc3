/* test_config.c: the layered configuration. The table test sets one known and one unknown key in
 * every subset of the layers (YAML, .env, environment, flag) applied in every order, through the
 * real loaders, and checks that the highest layer wins with the right value, layer and source.
 * The rest covers env-name mapping, YAML flattening and errors, .env quoting, type checks, typed
 * getters, secrets and directory order. Temp files live under one mkdtemp() directory. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/config.h"
#include "core/strutil.h"

static char g_dir[64];

/* ---- helpers --------------------------------------------------------------------------------- */

static void remove_tree(const char *path) {
    DIR *d = opendir(path);
    if (d) {
        for (struct dirent *e; (e = readdir(d)) != NULL;) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
            char sub[PATH_MAX];
            snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
            remove_tree(sub);
        }
        closedir(d);
        rmdir(path);
    } else {
        unlink(path);
    }
}

static int setup_dir(void **state) {
    (void)state;
    strcpy(g_dir, "/tmp/qc_test_config_XXXXXX");
    return mkdtemp(g_dir) ? 0 : -1;
}

static int teardown_dir(void **state) {
    (void)state;
    remove_tree(g_dir);
    return 0;
}

/* Writes g_dir/name and returns its path (a static buffer per call slot). */
static const char *write_file(const char *name, const char *text) {
    static char paths[8][PATH_MAX];
    static int slot;
    char *p = paths[slot++ % 8];
    snprintf(p, PATH_MAX, "%s/%s", g_dir, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return p;
}

static const char *dir_path(const char *name) {
    static char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/%s", g_dir, name);
    return p;
}

static int find_entry(const qc_config *cfg, const char *key, qc_cfg_entry *out) {
    for (size_t i = 0; i < qc_config_count(cfg); i++)
        if (qc_config_entry(cfg, i, out) == 0 && strcmp(out->key, key) == 0) return 1;
    return 0;
}

static void assert_entry(const qc_config *cfg, const char *key, const char *value,
                         qc_cfg_layer layer, const char *source) {
    qc_cfg_entry e;
    assert_true(find_entry(cfg, key, &e));
    assert_string_equal(e.value, value);
    assert_int_equal(e.layer, layer);
    assert_string_equal(e.source, source);
}

/* The error from a call must be QC_ERR_CONFIG with a message containing each of the pieces. */
static void assert_config_error(qc_err rc, const qc_error *err, const char *a, const char *b) {
    assert_int_equal(rc, QC_ERR_CONFIG);
    assert_int_equal(err->code, QC_ERR_CONFIG);
    if (a && !strstr(err->msg, a)) fail_msg("'%s' not in '%s'", a, err->msg);
    if (b && !strstr(err->msg, b)) fail_msg("'%s' not in '%s'", b, err->msg);
}

/* ---- the table test: every layer in every order ---------------------------------------------- */

/* What each layer sets, as written and as the config stores it. */
typedef struct {
    qc_cfg_layer layer;
    const char *policy_stored, *policy_line;
    const char *foo_stored, *foo_line;
} layer_case;

static char g_yaml[PATH_MAX], g_dotenv[PATH_MAX];
static char *g_envp[] = {"HOME=/root", "QUANTCLI_DATA__VALIDATION__POLICY=Drop",
                         "QUANTCLI_FOO__BAR=e", "PATH=/bin", NULL};

static const layer_case k_layers[] = {
    {QC_CFG_YAML, "drop", "3", "y", "5"},
    {QC_CFG_DOTENV, "flag", "2", "d", "3"},
    {QC_CFG_ENV, "drop", NULL, "e", NULL},
    {QC_CFG_FLAG, "flag", NULL, "f", NULL},
};

static void write_layer_files(void) {
    snprintf(g_yaml, sizeof g_yaml, "%s",
             write_file("base.yaml", "data:\n"
                                     "  validation:\n"
                                     "    policy: drop\n"
                                     "foo:\n"
                                     "  bar: y\n"));
    snprintf(g_dotenv, sizeof g_dotenv, "%s",
             write_file(".env", "# layer test\n"
                                "QUANTCLI_DATA__VALIDATION__POLICY=flag\n"
                                "QUANTCLI_FOO__BAR=\"d\"\n"
                                "OTHER_TOOL=ignored\n"));
}

static void apply_layer(qc_config *cfg, qc_cfg_layer layer) {
    qc_error err = {0};
    switch (layer) {
    case QC_CFG_YAML: assert_int_equal(qc_config_load_yaml(cfg, g_yaml, &err), QC_OK); break;
    case QC_CFG_DOTENV: assert_int_equal(qc_config_load_dotenv(cfg, g_dotenv, &err), QC_OK); break;
    case QC_CFG_ENV: assert_int_equal(qc_config_load_env(cfg, g_envp, &err), QC_OK); break;
    case QC_CFG_FLAG:
        assert_int_equal(
            qc_config_set(cfg, "data.validation.policy", "FLAG", QC_CFG_FLAG, "--policy", &err),
            QC_OK);
        assert_int_equal(qc_config_set(cfg, "foo.bar", "f", QC_CFG_FLAG, "--set", &err), QC_OK);
        break;
    default: fail();
    }
}

/* Expected source of the winning layer for the two keys. */
static void layer_sources(const layer_case *c, char *pol, char *foo, size_t n) {
    switch (c->layer) {
    case QC_CFG_YAML:
        snprintf(pol, n, "%s:%s", g_yaml, c->policy_line);
        snprintf(foo, n, "%s:%s", g_yaml, c->foo_line);
        break;
    case QC_CFG_DOTENV:
        snprintf(pol, n, "%s:%s", g_dotenv, c->policy_line);
        snprintf(foo, n, "%s:%s", g_dotenv, c->foo_line);
        break;
    case QC_CFG_ENV:
        snprintf(pol, n, "env QUANTCLI_DATA__VALIDATION__POLICY");
        snprintf(foo, n, "env QUANTCLI_FOO__BAR");
        break;
    default: snprintf(pol, n, "--policy"); snprintf(foo, n, "--set");
    }
}

/* Checks the winner given the set of applied layers (bit i of mask = k_layers[i]). */
static void check_winner(const qc_config *cfg, unsigned mask) {
    int top = -1;
    for (int i = 0; i < 4; i++)
        if (mask & (1u << i)) top = i;
    if (top < 0) {
        assert_entry(cfg, "data.validation.policy", "reject", QC_CFG_DEFAULT, "default");
        assert_null(qc_config_get(cfg, "foo.bar"));
        return;
    }
    char pol[PATH_MAX + 16], foo[PATH_MAX + 16];
    layer_sources(&k_layers[top], pol, foo, sizeof pol);
    assert_entry(cfg, "data.validation.policy", k_layers[top].policy_stored, k_layers[top].layer,
                 pol);
    assert_entry(cfg, "foo.bar", k_layers[top].foo_stored, k_layers[top].layer, foo);
}

/* The readable part of the table: defaults only, then +YAML, +.env, +env, +flag, in order and
 * reversed (the reversed run applies the flag first, so every later layer is ignored). */
static void test_table_cumulative(void **state) {
    (void)state;
    write_layer_files();
    static const unsigned masks[] = {0x0, 0x1, 0x3, 0x7, 0xf};
    for (size_t m = 0; m < sizeof masks / sizeof masks[0]; m++) {
        qc_config *fwd = qc_config_new(), *rev = qc_config_new();
        assert_non_null(fwd);
        assert_non_null(rev);
        for (int i = 0; i < 4; i++)
            if (masks[m] & (1u << i)) apply_layer(fwd, k_layers[i].layer);
        for (int i = 3; i >= 0; i--)
            if (masks[m] & (1u << i)) apply_layer(rev, k_layers[i].layer);
        check_winner(fwd, masks[m]);
        check_winner(rev, masks[m]);
        qc_config_free(fwd);
        qc_config_free(rev);
    }
}

static int next_permutation(int *a, int n) {
    int i = n - 2;
    while (i >= 0 && a[i] >= a[i + 1]) i--;
    if (i < 0) return 0;
    int j = n - 1;
    while (a[j] <= a[i]) j--;
    int t = a[i];
    a[i] = a[j];
    a[j] = t;
    for (int l = i + 1, r = n - 1; l < r; l++, r--) t = a[l], a[l] = a[r], a[r] = t;
    return 1;
}

/* The whole table: every subset of the four layers, applied in each of the 24 orders. */
static void test_table_every_order(void **state) {
    (void)state;
    write_layer_files();
    int cases = 0;
    for (unsigned mask = 0; mask < 16; mask++) {
        int order[4] = {0, 1, 2, 3};
        do {
            qc_config *cfg = qc_config_new();
            assert_non_null(cfg);
            for (int k = 0; k < 4; k++)
                if (mask & (1u << order[k])) apply_layer(cfg, k_layers[order[k]].layer);
            check_winner(cfg, mask);
            qc_config_free(cfg);
            cases++;
        } while (next_permutation(order, 4));
    }
    assert_int_equal(cases, 16 * 24);
}

/* Equal layers replace: a later YAML file overrides an earlier one. */
static void test_equal_layer_replaces(void **state) {
    (void)state;
    qc_config *cfg = qc_config_new();
    qc_error err = {0};
    assert_int_equal(qc_config_load_yaml_string(cfg, "synth:\n  seed: 1\n", 17, "a.yaml", &err), 0);
    assert_int_equal(qc_config_load_yaml_string(cfg, "synth:\n  seed: 2\n", 17, "b.yaml", &err), 0);
    assert_entry(cfg, "synth.seed", "2", QC_CFG_YAML, "b.yaml:2");
    assert_int_equal(qc_config_set(cfg, "synth.seed", "3", QC_CFG_DEFAULT, NULL, &err), QC_OK);
    assert_entry(cfg, "synth.seed", "2", QC_CFG_YAML, "b.yaml:2");
    qc_config_free(cfg);
}

/* ---- the defaults table ---------------------------------------------------------------------- */

static void test_defaults_table(void **state) {
    (void)state;
    qc_config *cfg = qc_config_new();
    assert_non_null(cfg);
    assert_int_equal(qc_config_count(cfg), 48);
    qc_cfg_entry prev = {0}, e;
    for (size_t i = 0; i < qc_config_count(cfg); i++) {
        assert_int_equal(qc_config_entry(cfg, i, &e), 0);
        if (i) assert_true(strcmp(prev.key, e.key) < 0);
        /* A description proves bsearch found the key, so the table is sorted. */
        assert_true(e.description[0] != '\0');
        assert_int_equal(e.layer, QC_CFG_DEFAULT);
        assert_string_equal(e.source, "default");
        prev = e;
    }
    assert_int_equal(qc_config_entry(cfg, 48, &e), -1);
    assert_entry(cfg, "storage.url", "./quantcli.db", QC_CFG_DEFAULT, "default");
    assert_entry(cfg, "log.level", "warn", QC_CFG_DEFAULT, "default");
    assert_entry(cfg, "log.file", "", QC_CFG_DEFAULT, "default");
    assert_entry(cfg, "synth.start", "2015-01-02", QC_CFG_DEFAULT, "default");
    assert_string_equal(qc_cfg_layer_name(QC_CFG_DOTENV), "dotenv");
    assert_string_equal(qc_cfg_layer_name(QC_CFG_FLAG), "flag");
    qc_config_free(cfg);
}

static void test_typed_getters(void **state) {
    (void)state;
    qc_config *cfg = qc_config_new();
    qc_error err = {0};
    int64_t i = 0;
    double d = 0;
    int b = -1;
    const char *s = NULL;
    assert_int_equal(qc_config_get_int(cfg, "synth.seed", &i, &err), QC_OK);
    assert_int_equal(i, 42);
    assert_int_equal(qc_config_get_int(cfg, "synth.bars", &i, &err), QC_OK);
    assert_int_equal(i, 2520);
    assert_int_equal(qc_config_get_double(cfg, "data.validation.split_tolerance", &d, &err), QC_OK);
    assert_true(d == 0.03);
    assert_int_equal(qc_config_get_bool(cfg, "output.progress", &b, &err), QC_OK);
    assert_int_equal(b, 1);
    assert_int_equal(qc_config_get_str(cfg, "data.calendar", &s, &err), QC_OK);
    assert_string_equal(s, "NYSE");
    assert_int_equal(
        qc_config_set(cfg, "output.progress", "Off", QC_CFG_FLAG, "--no-progress", &err), QC_OK);
    assert_int_equal(qc_config_get_bool(cfg, "output.progress", &b, &err), QC_OK);
    assert_int_equal(b, 0);
    /* Absent keys, and unknown keys whose string is not of the asked type. */
    assert_config_error(qc_config_get_int(cfg, "no.such", &i, &err), &err, "no.such", "not set");
    assert_null(qc_config_get(cfg, "no.such"));
    assert_int_equal(
        qc_config_set(cfg, "risk.max_dd", "abc", QC_CFG_ENV, "env QUANTCLI_RISK__MAX_DD", &err),
        QC_OK);
    assert_config_error(qc_config_get_double(cfg, "risk.max_dd", &d, &err), &err,
                        "env QUANTCLI_RISK__MAX_DD: risk.max_dd: expected a number", "'abc'");
    assert_config_error(qc_config_get_int(cfg, "data.validation.split_tolerance", &i, &err), &err,
                        "expected an integer", NULL);
    assert_config_error(qc_config_get_bool(cfg, "synth.start", &b, &err), &err,
                        "expected a boolean", NULL);
    qc_config_free(cfg);
}

/* ---- type checks at set time ----------------------------------------------------------------- */

static void test_type_checks(void **state) {
    (void)state;
    qc_config *cfg = qc_config_new();
    qc_error err = {0};
    static const struct {
        const char *key, *value;
        int ok;
    } cases[] = {
        {"synth.seed", "-7", 1},
        {"synth.seed", "4.5", 0},
        {"synth.seed", "", 0},
        {"synth.seed", "9223372036854775808", 0},
        {"synth.seed", " 1", 0},
        {"data.validation.outlier_z", "2.5e1", 1},
        {"data.validation.outlier_z", "nan", 0},
        {"data.validation.outlier_z", "inf", 0},
        {"data.validation.outlier_z", "1e400", 0},
        {"output.progress", "YES", 1},
        {"output.progress", "0", 1},
        {"output.progress", "maybe", 0},
        {"log.level", "DeBuG", 1},
        {"log.level", "verbose", 0},
        {"log.format", "JSON", 1},
        {"log.format", "", 0},
        {"storage.url", "", 1},
        {"unknown.key", "anything at all", 1},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        qc_err rc = qc_config_set(cfg, cases[k].key, cases[k].value, QC_CFG_FLAG, "--x", &err);
        if (cases[k].ok)
            assert_int_equal(rc, QC_OK);
        else
            assert_config_error(rc, &err, cases[k].key, "--x: ");
    }
    assert_string_equal(qc_config_get(cfg, "log.level"), "debug");
    assert_string_equal(qc_config_get(cfg, "log.format"), "json");
    assert_string_equal(qc_config_get(cfg, "synth.seed"), "-7");
    /* A wrong value is refused even from a layer lower than the current winner. */
    assert_config_error(
        qc_config_set(cfg, "log.level", "loud", QC_CFG_YAML, "x.yaml:1", &err), &err,
        "x.yaml:1: log.level: expected one of trace|debug|info|warn|error|off", "got 'loud'");
    qc_config_free(cfg);
}

static void test_invalid_keys(void **state) {
    (void)state;
    static const char *bad[] = {"", ".a", "a.", "a..b", "A.b", "a-b", "a b", "a.b.", "é"};
    qc_config *cfg = qc_config_new();
    qc_error err = {0};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_config_error(qc_config_set(cfg, bad[i], "v", QC_CFG_FLAG, "--set", &err), &err,
                            "--set: invalid config key", NULL);
    char longkey[300];
    memset(longkey, 'a', sizeof longkey - 1);
    longkey[sizeof longkey - 1] = '\0';
    assert_int_equal(qc_config_set(cfg, longkey, "v", QC_CFG_FLAG, "--set", &err), QC_ERR_CONFIG);
    assert_int_equal(qc_config_set(cfg, "a_1.b_2._c", "v", QC_CFG_FLAG, "--set", &err), QC_OK);
    assert_int_equal(qc_config_count(cfg), 49);
    qc_config_free(cfg);
}

/* The example message of the brief, and a wrong value in each loader names key and source. */
static void test_wrong_type_each_layer(void **state) {
    (void)state;
    qc_config *cfg = qc_config_new();
    qc_error err = {0};
    const char *yaml = write_file("risk.yaml", "data:\n  validation:\n    policy: drop\n"
                                               "    outlier_z: abc\n");
    char want[PATH_MAX + 64];
    snprintf(want, sizeof want, "%s:4: data.validation.outlier_z: expected a number, got 'abc'",
             yaml);
    assert_config_error(qc_config_load_yaml(cfg, yaml, &err), &err, want, NULL);
    assert_string_equal(err.msg, want);
    /* Nothing of the bad file was applied. */
    assert_string_equal(qc_config_get(cfg, "data.validation.policy"), "reject");

    const char *env = "A=1\nQUANTCLI_SYNTH__SEED=x1\n";
    assert_config_error(qc_config_load_dotenv_string(cfg, env, strlen(env), ".env", &err), &err,
                        ".env:2: synth.seed: expected an integer, got 'x1'", NULL);

    char *envp[] = {"QUANTCLI_OUTPUT__PROGRESS=sometimes", NULL};
    assert_config_error(qc_config_load_env(cfg, envp, &err), &err,
                        "env QUANTCLI_OUTPUT__PROGRESS: output.progress: expected a boolean",
                        "'sometimes'");

    assert_config_error(
        qc_config_set(cfg, "data.validation.policy", "keep", QC_CFG_FLAG, "--policy", &err), &err,
        "--policy: data.validation.policy: expected one of reject|drop|flag", "got 'keep'");
    qc_config_free(cfg);
}

/* ---- environment names ----------------------------------------------------------------------- */

static void test_env_mapping(void **state) {
    (void)state;
    char buf[256];
    assert_int_equal(qc_config_key_to_env("data_sources.alpha_vantage.api_key", buf, sizeof buf),
                     0);
    assert_string_equal(buf, "QUANTCLI_DATA_SOURCES__ALPHA_VANTAGE__API_KEY");
    assert_int_equal(
        qc_config_env_to_key("QUANTCLI_DATA_SOURCES__ALPHA_VANTAGE__API_KEY", buf, sizeof buf), 0);
    assert_string_equal(buf, "data_sources.alpha_vantage.api_key");
    assert_int_equal(qc_config_key_to_env("log.level", buf, sizeof buf), 0);
    assert_string_equal(buf, "QUANTCLI_LOG__LEVEL");
    assert_int_equal(qc_config_env_to_key("QUANTCLI_LOG__LEVEL", buf, sizeof buf), 0);
    assert_string_equal(buf, "log.level");
    assert_int_equal(qc_config_env_to_key("QUANTCLI_SYNTH__SEED", buf, sizeof buf), 0);
    assert_string_equal(buf, "synth.seed");

    static const char *bad_keys[] = {"",   "a..b", ".a",    "a.",   "A.b", "a-b",
                                     "_a", "a_",   "a.__b", "a__b", "a._b"};
    for (size_t i = 0; i < sizeof bad_keys / sizeof bad_keys[0]; i++)
        assert_int_equal(qc_config_key_to_env(bad_keys[i], buf, sizeof buf), -1);
    static const char *bad_names[] = {"QUANTCLI_",       "OTHER_X",      "quantcli_x",
                                      "QUANTCLI_A____B", "QUANTCLI__A",  "QUANTCLI_A__",
                                      "QUANTCLI_A___B",  "QUANTCLI_A-B", "QUANTCLI_A.B"};
    for (size_t i = 0; i < sizeof bad_names / sizeof bad_names[0]; i++)
        assert_int_equal(qc_config_env_to_key(bad_names[i], buf, sizeof buf), -1);
    /* Too small buffers fail instead of truncating. */
    assert_int_equal(qc_config_key_to_env("log.level", buf, 19), -1);
    assert_int_equal(qc_config_key_to_env("log.level", buf, 20), 0);
    assert_int_equal(qc_config_env_to_key("QUANTCLI_LOG__LEVEL", buf, 9), -1);
    assert_int_equal(qc_config_env_to_key("QUANTCLI_LOG__LEVEL", buf, 10), 0);
}

static void test_env_loader(void **state) {
    (void)state;
    qc_config *cfg = qc_config_new();
    qc_error err = {0};
    char *envp[] = {"QUANTCLI_LOG__LEVEL=INFO", "NOT_OURS=1", "QUANTCLI_BROKER__API_KEY=s3cr3t",
                    "QUANTCLI_EMPTY=", NULL};
    assert_int_equal(qc_config_load_env(cfg, envp, &err), QC_OK);
    assert_entry(cfg, "log.level", "info", QC_CFG_ENV, "env QUANTCLI_LOG__LEVEL");
    assert_entry(cfg, "empty", "", QC_CFG_ENV, "env QUANTCLI_EMPTY");
    char *bad[] = {"QUANTCLI_LOG__LEVEL=error", "QUANTCLI_A____B=1", NULL};
    assert_config_error(qc_config_load_env(cfg, bad, &err), &err, "env QUANTCLI_A____B", NULL);
    assert_string_equal(qc_config_get(cfg, "log.level"), "info"); /* all or nothing */
    assert_int_equal(qc_config_load_env(cfg, NULL, &err), QC_OK);
    qc_config_free(cfg);
}

/* Secrets are stored raw; entries name a key that qc_is_secret_key flags, and error messages
 * about a secret's value never show it. */
static void test_secrets(void **state) {
    (void)state;
    qc_config *cfg = qc_config_new();
    qc_error err = {0};
    char *envp[] = {"QUANTCLI_DATA_SOURCES__ALPHA_VANTAGE__API_KEY=s3cr3t", NULL};
    assert_int_equal(qc_config_load_env(cfg, envp, &err), QC_OK);
    qc_cfg_entry e;
    assert_true(find_entry(cfg, "data_sources.alpha_vantage.api_key", &e));
    assert_string_equal(e.value, "s3cr3t");
    assert_string_equal(e.description, "");
    assert_true(qc_is_secret_key(e.key));
    assert_true(find_entry(cfg, "storage.url", &e));
    assert_false(qc_is_secret_key(e.key));
    int64_t i;
    assert_config_error(qc_config_get_int(cfg, "data_sources.alpha_vantage.api_key", &i, &err),
                        &err, "got '***'", "api_key");
    assert_null(strstr(err.msg, "s3cr3t"));
    qc_config_free(cfg);
}

/* ---- YAML ------------------------------------------------------------------------------------ */

static qc_err load_yaml_text(qc_config *cfg, const char *text, qc_error *err) {
    return qc_config_load_yaml_string(cfg, text, strlen(text), "t.yaml", err);
}

static void test_yaml_flatten(void **state) {
    (void)state;
    qc_config *cfg = qc_config_new();
    qc_error err = {0};
    const char *text = "# comment\n"
                       "data:\n"
                       "  validation:\n"
                       "    policy: FLAG\n"
                       "    outlier_z: 4.5\n"
                       "  symbols: [AAPL, MSFT, 'BRK.B']\n"
                       "universe:\n"
                       "  - SPY\n"
                       "  - QQQ\n"
                       "output:\n"
                       "  progress: no\n"
                       "flags:\n"
                       "  on: true\n"
                       "  nothing: ~\n"
                       "  null_word: null\n"
                       "  empty:\n"
                       "  quoted_tilde: '~'\n"
                       "  empty_list: []\n"
                       "synth.seed: 7\n"
                       "text: |\n"
                       "  two\n"
                       "  lines\n";
    assert_int_equal(load_yaml_text(cfg, text, &err), QC_OK);
    assert_entry(cfg, "data.validation.policy", "flag", QC_CFG_YAML, "t.yaml:4");
    assert_entry(cfg, "data.validation.outlier_z", "4.5", QC_CFG_YAML, "t.yaml:5");
    assert_entry(cfg, "data.symbols", "AAPL,MSFT,BRK.B", QC_CFG_YAML, "t.yaml:6");
    assert_entry(cfg, "universe", "SPY,QQQ", QC_CFG_YAML, "t.yaml:7");
    assert_entry(cfg, "output.progress", "no", QC_CFG_YAML, "t.yaml:11");
    assert_string_equal(qc_config_get(cfg, "flags.on"), "true");
    assert_string_equal(qc_config_get(cfg, "flags.nothing"), "");
    assert_string_equal(qc_config_get(cfg, "flags.null_word"), "");
    assert_string_equal(qc_config_get(cfg, "flags.empty"), "");
    assert_string_equal(qc_config_get(cfg, "flags.quoted_tilde"), "~");
    assert_string_equal(qc_config_get(cfg, "flags.empty_list"), "");
    assert_string_equal(qc_config_get(cfg, "synth.seed"), "7");
    assert_string_equal(qc_config_get(cfg, "text"), "two\nlines\n");
    int b = 1, on = 0;
    assert_int_equal(qc_config_get_bool(cfg, "output.progress", &b, &err), QC_OK);
    assert_int_equal(b, 0);
    assert_int_equal(qc_config_get_bool(cfg, "flags.on", &on, &err), QC_OK);
    assert_int_equal(on, 1);
    /* Empty input, only comments, a null document and several documents. */
    assert_int_equal(load_yaml_text(cfg, "", &err), QC_OK);
    assert_int_equal(load_yaml_text(cfg, "# nothing\n", &err), QC_OK);
    assert_int_equal(load_yaml_text(cfg, "~\n", &err), QC_OK);
    assert_int_equal(load_yaml_text(cfg, "---\na: 1\n---\na: 2\n", &err), QC_OK);
    assert_string_equal(qc_config_get(cfg, "a"), "2");
    qc_config_free(cfg);
}

static void test_yaml_errors(void **state) {
    (void)state;
    qc_config *cfg = qc_config_new();
    qc_error err = {0};
    static const struct {
        const char *text, *want1, *want2;
    } cases[] = {
        {"a: 1\nb:\n  c: [1, 2\n  d: 3\n", "t.yaml:", "YAML syntax error: "},
        {"a: 1\n  b: 2\n", "t.yaml:2:", "YAML syntax error"},
        {"base: &x 1\nother: *x\n", "t.yaml:1: anchors are not supported", NULL},
        {"a: 1\nb: *x\n", "t.yaml:", NULL},
        {"list:\n  - name: a\n  - name: b\n", "t.yaml:2: a sequence may hold only scalars", NULL},
        {"list: [[1, 2]]\n", "t.yaml:1: a sequence may hold only scalars", NULL},
        {"? [a, b]\n: 1\n", "t.yaml:1: keys must be scalars", NULL},
        {"- a\n- b\n", "t.yaml:1: the top level must be a mapping", NULL},
        {"just a scalar\n", "the top level must be a mapping", NULL},
        {"Bad-Key: 1\n", "t.yaml:1: invalid config key 'Bad-Key'", NULL},
        {"a:\n  '': 1\n", "t.yaml:2: invalid config key 'a.'", NULL},
        {"log:\n  level: loud\n", "t.yaml:2: log.level: expected one of", "got 'loud'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        qc_error_clear(&err);
        assert_config_error(load_yaml_text(cfg, cases[i].text, &err), &err, cases[i].want1,
                            cases[i].want2);
    }
    /* Syntax errors carry FILE:LINE:COL. */
    assert_config_error(load_yaml_text(cfg, "a: 1\nb: [x\n", &err), &err, "t.yaml:3:", NULL);
    assert_int_equal(qc_config_count(cfg), 48); /* nothing applied */
    qc_config_free(cfg);
}

static void test_yaml_bounds(void **state) {
    (void)state;
    qc_config *cfg = qc_config_new();
    qc_error err = {0};
    char deep[1024] = "";
    for (int i = 0; i < 40; i++) strcat(deep, "{a: ");
    strcat(deep, "1");
    for (int i = 0; i < 40; i++) strcat(deep, "}");
    assert_config_error(load_yaml_text(cfg, deep, &err), &err, "nested more than 32 deep", NULL);
    char ok[512] = "";
    for (int i = 0; i < 30; i++) strcat(ok, "{a: ");
    strcat(ok, "1");
    for (int i = 0; i < 30; i++) strcat(ok, "}");
    assert_int_equal(load_yaml_text(cfg, ok, &err), QC_OK);
    /* A key longer than the limit is refused, not truncated. */
    char longkey[400];
    memset(longkey, 'k', 300);
    strcpy(longkey + 300, ": 1\n");
    assert_int_equal(load_yaml_text(cfg, longkey, &err), QC_ERR_CONFIG);
    /* Inputs above 16 MiB are refused before parsing. */
    size_t big = (16u << 20) + 1;
    char *huge = calloc(1, big);
    assert_non_null(huge);
    assert_config_error(qc_config_load_yaml_string(cfg, huge, big, "big.yaml", &err), &err,
                        "big.yaml: larger than 16 MiB", NULL);
    assert_config_error(qc_config_load_dotenv_string(cfg, huge, big, ".env", &err), &err,
                        "larger than 16 MiB", NULL);
    free(huge);
    qc_config_free(cfg);
}

static void test_yaml_files(void **state) {
    (void)state;
    qc_config *cfg = qc_config_new();
    qc_error err = {0};
    assert_config_error(qc_config_load_yaml(cfg, dir_path("nope.yaml"), &err), &err,
                        "config file '", "nope.yaml' not found");
    const char *bad = write_file("bad.yaml", "a: 1\nb: [x\n");
    char want[PATH_MAX + 8];
    snprintf(want, sizeof want, "%s:3:", bad);
    assert_config_error(qc_config_load_yaml(cfg, bad, &err), &err, want, "YAML syntax error");
    qc_config_free(cfg);
}

static void test_yaml_dir_order(void **state) {
    (void)state;
    char sub[PATH_MAX];
    snprintf(sub, sizeof sub, "%s/conf", g_dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    write_file("conf/b.yaml", "order:\n  last: b\n  b: 1\n");
    write_file("conf/10-a.yml", "order:\n  last: 10-a\n  a10: 1\n");
    write_file("conf/2-a.yaml", "order:\n  last: 2-a\n  a2: 1\n");
    write_file("conf/.hidden.yaml", "order:\n  last: hidden\n");
    write_file("conf/notes.txt", "order: [\n");
    write_file("conf/B.yaml", "order:\n  last: B\n  upper: 1\n");
    snprintf(sub, sizeof sub, "%s/conf/dir.yaml", g_dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    qc_config *cfg = qc_config_new();
    qc_error err = {0};
    snprintf(sub, sizeof sub, "%s/conf", g_dir);
    assert_int_equal(qc_config_load_yaml_dir(cfg, sub, &err), QC_OK);
    /* Byte order: "10-a.yml" < "2-a.yaml" < "B.yaml" < "b.yaml"; the last one wins. */
    char src[PATH_MAX + 16];
    snprintf(src, sizeof src, "%s/b.yaml:2", sub);
    assert_entry(cfg, "order.last", "b", QC_CFG_YAML, src);
    assert_non_null(qc_config_get(cfg, "order.a10"));
    assert_non_null(qc_config_get(cfg, "order.a2"));
    assert_non_null(qc_config_get(cfg, "order.upper"));
    /* A missing directory is fine. */
    assert_int_equal(qc_config_load_yaml_dir(cfg, dir_path("missing"), &err), QC_OK);
    /* An error in one file stops the walk with that file's name. */
    write_file("conf/3-bad.yaml", "x: [\n");
    assert_config_error(qc_config_load_yaml_dir(cfg, sub, &err), &err,
                        "3-bad.yaml:", "YAML syntax");
    qc_config_free(cfg);
}

/* ---- .env ------------------------------------------------------------------------------------ */

static qc_err load_env_text(qc_config *cfg, const char *text, qc_error *err) {
    return qc_config_load_dotenv_string(cfg, text, strlen(text), ".env", err);
}

static void test_dotenv_quoting(void **state) {
    (void)state;
    qc_config *cfg = qc_config_new();
    qc_error err = {0};
    const char *text = "# a comment\n"
                       "\n"
                       "   \n"
                       "QUANTCLI_PLAIN=hello world  # trailing comment\n"
                       "export QUANTCLI_EXPORTED=yes\n"
                       "QUANTCLI_SINGLE='a \\n \"b\" # c'\n"
                       "QUANTCLI_DOUBLE=\"line1\\nline2 \\\"q\\\" back\\\\slash \\t\"\n"
                       "QUANTCLI_EMPTY=\n"
                       "QUANTCLI_EMPTY_QUOTED=\"\"\n"
                       "QUANTCLI_HASH=a#b\n"
                       "QUANTCLI_CRLF=value\r\n"
                       "  QUANTCLI_SPACED  =  padded  \n"
                       "QUANTCLI_MULTI=\"first\n"
                       "second\"\n"
                       "QUANTCLI_AFTER=1\n"
                       "PATH=/usr/bin\n"
                       "lower_case=ignored\n"
                       "QUANTCLI_LOG__LEVEL=Error";
    assert_int_equal(load_env_text(cfg, text, &err), QC_OK);
    assert_entry(cfg, "plain", "hello world", QC_CFG_DOTENV, ".env:4");
    assert_entry(cfg, "exported", "yes", QC_CFG_DOTENV, ".env:5");
    assert_entry(cfg, "single", "a \\n \"b\" # c", QC_CFG_DOTENV, ".env:6");
    assert_entry(cfg, "double", "line1\nline2 \"q\" back\\slash \\t", QC_CFG_DOTENV, ".env:7");
    assert_entry(cfg, "empty", "", QC_CFG_DOTENV, ".env:8");
    assert_entry(cfg, "empty_quoted", "", QC_CFG_DOTENV, ".env:9");
    assert_entry(cfg, "hash", "a#b", QC_CFG_DOTENV, ".env:10");
    assert_entry(cfg, "crlf", "value", QC_CFG_DOTENV, ".env:11");
    assert_entry(cfg, "spaced", "padded", QC_CFG_DOTENV, ".env:12");
    assert_entry(cfg, "multi", "first\nsecond", QC_CFG_DOTENV, ".env:13");
    assert_entry(cfg, "after", "1", QC_CFG_DOTENV, ".env:15");
    assert_entry(cfg, "log.level", "error", QC_CFG_DOTENV, ".env:18");
    assert_null(qc_config_get(cfg, "path"));
    qc_config_free(cfg);
}

static void test_dotenv_errors(void **state) {
    (void)state;
    qc_config *cfg = qc_config_new();
    qc_error err = {0};
    static const struct {
        const char *text, *want;
    } cases[] = {
        {"QUANTCLI_A=1\nnot an assignment\n", ".env:2: expected NAME=value"},
        {"QUANTCLI_A=1\nexport QUANTCLI_B\n", ".env:2: expected NAME=value"},
        {"=value\n", ".env:1: expected NAME=value"},
        {"\n\nQUANTCLI_A=\"open\n", ".env:3: unterminated double-quoted value"},
        {"QUANTCLI_A='open\n", ".env:1: unterminated single-quoted value"},
        {"QUANTCLI_A=\"x\" y\n", ".env:1: unexpected text after the closing quote"},
        {"QUANTCLI_A____B=1\n", ".env:1: QUANTCLI_A____B does not name a config key"},
        {"QUANTCLI_SYNTH__BARS=many\n", ".env:1: synth.bars: expected an integer, got 'many'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_config_error(load_env_text(cfg, cases[i].text, &err), &err, cases[i].want, NULL);
    assert_config_error(qc_config_load_dotenv_string(cfg, "A=1\nB=\0\n", 7, ".env", &err), &err,
                        ".env:2: NUL byte", NULL);
    assert_null(qc_config_get(cfg, "a")); /* nothing from a bad file */
    /* A missing .env file is fine. */
    assert_int_equal(qc_config_load_dotenv(cfg, dir_path("no.env"), &err), QC_OK);
    qc_config_free(cfg);
}

/* ---- the standard stack ---------------------------------------------------------------------- */

static void test_load_standard(void **state) {
    (void)state;
    char cwd[PATH_MAX], sub[PATH_MAX];
    assert_non_null(getcwd(cwd, sizeof cwd));
    snprintf(sub, sizeof sub, "%s/std", g_dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    snprintf(sub, sizeof sub, "%s/std/config", g_dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    write_file("std/config/app.yaml", "synth:\n  seed: 1\n  bars: 100\n  symbols: 3\n"
                                      "  interval: 1h\n");
    write_file("std/.env", "QUANTCLI_SYNTH__BARS=200\nQUANTCLI_SYNTH__SYMBOLS=4\n");
    const char *explicit_file = write_file("std/other.yaml", "synth:\n  seed: 9\n");
    snprintf(sub, sizeof sub, "%s/std", g_dir);
    assert_int_equal(chdir(sub), 0);

    char *envp[] = {"QUANTCLI_SYNTH__SYMBOLS=5", NULL};
    qc_config *cfg = qc_config_new();
    qc_error err = {0};
    assert_int_equal(qc_config_load_standard(cfg, NULL, envp, &err), QC_OK);
    assert_entry(cfg, "synth.seed", "1", QC_CFG_YAML, "config/app.yaml:2");
    assert_entry(cfg, "synth.bars", "200", QC_CFG_DOTENV, ".env:1");
    assert_entry(cfg, "synth.symbols", "5", QC_CFG_ENV, "env QUANTCLI_SYNTH__SYMBOLS");
    assert_entry(cfg, "synth.start", "2015-01-02", QC_CFG_DEFAULT, "default");
    qc_config_free(cfg);

    cfg = qc_config_new();
    assert_int_equal(qc_config_load_standard(cfg, explicit_file, NULL, &err), QC_OK);
    assert_string_equal(qc_config_get(cfg, "synth.seed"), "9");
    assert_string_equal(qc_config_get(cfg, "synth.interval"), "1d"); /* config/ not read */
    assert_string_equal(qc_config_get(cfg, "synth.bars"), "200");
    assert_config_error(qc_config_load_standard(cfg, "missing.yaml", NULL, &err), &err,
                        "config file 'missing.yaml' not found", NULL);
    qc_config_free(cfg);
    assert_int_equal(chdir(cwd), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_cumulative),
        cmocka_unit_test(test_table_every_order),
        cmocka_unit_test(test_equal_layer_replaces),
        cmocka_unit_test(test_defaults_table),
        cmocka_unit_test(test_typed_getters),
        cmocka_unit_test(test_type_checks),
        cmocka_unit_test(test_invalid_keys),
        cmocka_unit_test(test_wrong_type_each_layer),
        cmocka_unit_test(test_env_mapping),
        cmocka_unit_test(test_env_loader),
        cmocka_unit_test(test_secrets),
        cmocka_unit_test(test_yaml_flatten),
        cmocka_unit_test(test_yaml_errors),
        cmocka_unit_test(test_yaml_bounds),
        cmocka_unit_test(test_yaml_files),
        cmocka_unit_test(test_yaml_dir_order),
        cmocka_unit_test(test_dotenv_quoting),
        cmocka_unit_test(test_dotenv_errors),
        cmocka_unit_test(test_load_standard),
    };
    return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
