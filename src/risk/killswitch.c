/* killswitch.c: engaging and releasing the kill switch (global, per strategy, per symbol) and its
 * persistence. The switch lives in a small JSON file of engaged entries keyed by name (not index:
 * indices change between runs), written atomically (temp file, fsync, rename, fsync of the
 * directory), so a restart finds exactly the switches that were engaged. A file that cannot be read
 * as a switch list is an error, never "nothing engaged": failing open would release the switch. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/strutil.h"
#include "core/time.h"
#include "risk/risk_int.h"

#define KILL_FILE_MAX (4u << 20)

/* ---- the engine's switches ------------------------------------------------------------------- */

static risk_reason *reason_of(qc_risk *r, qc_risk_scope scope, uint32_t id) {
    if (scope == QC_RISK_SCOPE_GLOBAL) return &r->why_global;
    if (scope == QC_RISK_SCOPE_STRATEGY) return id < r->n_strat ? &r->strat[id].why : NULL;
    return id < r->n_sym ? &r->why_sym[id] : NULL;
}

static uint8_t *flag_of(qc_risk *r, qc_risk_scope scope, uint32_t id) {
    if (scope == QC_RISK_SCOPE_GLOBAL) return &r->killed_global;
    if (scope == QC_RISK_SCOPE_STRATEGY) return id < r->n_strat ? &r->strat[id].killed : NULL;
    return id < r->n_sym ? &r->sym[id].killed : NULL;
}

static qc_err set_switch(qc_risk *r, qc_risk_scope scope, uint32_t id, int on, const char *reason, int64_t now,
                         qc_error *err) {
    uint8_t *f = flag_of(r, scope, id);
    risk_reason *why = reason_of(r, scope, id);
    if (!f || !why) return qc_err_set(err, QC_ERR_INPUT, "kill switch: no %s with index %u", qc_risk_scope_name(scope), id);
    if (*f != (uint8_t)on) r->kill_dirty = 1;
    *f = (uint8_t)on;
    memset(why, 0, sizeof *why);
    if (on) {
        qc_strlcpy(why->text, reason ? reason : "", sizeof why->text);
        why->ts_ns = now;
    }
    return QC_OK;
}

qc_err qc_risk_kill(qc_risk *r, qc_risk_scope scope, uint32_t id, const char *reason, int64_t now_ns, qc_error *err) {
    return set_switch(r, scope, id, 1, reason, now_ns, err);
}

qc_err qc_risk_release(qc_risk *r, qc_risk_scope scope, uint32_t id, qc_error *err) {
    return set_switch(r, scope, id, 0, NULL, 0, err);
}

int qc_risk_is_killed(const qc_risk *r, qc_risk_scope scope, uint32_t id) {
    uint8_t *f = flag_of((qc_risk *)r, scope, id);
    return f && *f;
}

int qc_risk_kill_dirty(const qc_risk *r) { return r->kill_dirty; }

/* A command's text, or "auto: daily_loss 1200 > limit 1000". */
static void reason_text(const risk_reason *w, char *buf, size_t n) {
    if (w->auto_check != QC_RISK_PASS)
        snprintf(buf, n, "auto: %s %.10g > limit %.10g", qc_risk_check_name(w->auto_check), w->auto_value,
                 w->auto_limit);
    else qc_strlcpy(buf, w->text, n);
}

const char *qc_risk_kill_reason(const qc_risk *r, qc_risk_scope scope, uint32_t id) {
    static char buf[200]; /* CLI/diagnostics only: not thread-safe, not for the hot path */
    const risk_reason *w = reason_of((qc_risk *)r, scope, id);
    if (!w || !qc_risk_is_killed(r, scope, id)) return "";
    reason_text(w, buf, sizeof buf);
    return buf;
}

/* ---- the list and its file ------------------------------------------------------------------- */

void qc_risk_kill_list_free(qc_risk_kill_list *l) {
    free(l->e);
    memset(l, 0, sizeof *l);
}

static long list_find(const qc_risk_kill_list *l, qc_risk_scope scope, const char *name) {
    for (size_t i = 0; i < l->n; i++)
        if (l->e[i].scope == scope && (scope == QC_RISK_SCOPE_GLOBAL || strcmp(l->e[i].name, name) == 0)) return (long)i;
    return -1;
}

int qc_risk_kill_list_set(qc_risk_kill_list *l, qc_risk_scope scope, const char *name, const char *reason,
                          int64_t ts_ns, int engage, qc_error *err) {
    if (scope != QC_RISK_SCOPE_GLOBAL && (!name || !*name || strlen(name) >= sizeof l->e[0].name)) {
        qc_err_set(err, QC_ERR_INPUT, "kill switch: a %s needs a name of 1..%zu bytes", qc_risk_scope_name(scope),
                   sizeof l->e[0].name - 1);
        return -1;
    }
    long i = list_find(l, scope, name ? name : "");
    if (!engage) {
        if (i < 0) return 0;
        l->e[i] = l->e[--l->n];
        return 1;
    }
    if (i < 0) {
        if (l->n == l->cap) {
            size_t cap = l->cap ? 2 * l->cap : 8;
            qc_risk_kill_entry *e = realloc(l->e, cap * sizeof *e);
            if (!e) {
                qc_err_set(err, QC_ERR_NOMEM, "out of memory");
                return -1;
            }
            l->e = e;
            l->cap = cap;
        }
        i = (long)l->n++;
    }
    qc_risk_kill_entry *e = &l->e[i];
    memset(e, 0, sizeof *e);
    e->scope = scope;
    if (scope != QC_RISK_SCOPE_GLOBAL) qc_strlcpy(e->name, name, sizeof e->name);
    qc_strlcpy(e->reason, reason ? reason : "", sizeof e->reason);
    e->ts_ns = ts_ns;
    return 1;
}

static int scope_parse(const char *s, qc_risk_scope *out) {
    if (strcmp(s, "global") == 0) *out = QC_RISK_SCOPE_GLOBAL;
    else if (strcmp(s, "strategy") == 0) *out = QC_RISK_SCOPE_STRATEGY;
    else if (strcmp(s, "symbol") == 0) *out = QC_RISK_SCOPE_SYMBOL;
    else return -1;
    return 0;
}

static qc_err parse_entry(const cJSON *it, size_t k, const char *label, qc_risk_kill_list *l, qc_error *err) {
    const cJSON *sc = cJSON_GetObjectItemCaseSensitive(it, "scope");
    const cJSON *nm = cJSON_GetObjectItemCaseSensitive(it, "name");
    const cJSON *rs = cJSON_GetObjectItemCaseSensitive(it, "reason");
    const cJSON *ts = cJSON_GetObjectItemCaseSensitive(it, "engaged_at");
    qc_risk_scope scope;
    if (!cJSON_IsObject(it) || !cJSON_IsString(sc) || scope_parse(sc->valuestring, &scope))
        return qc_err_set(err, QC_ERR_INPUT, "%s: switches[%zu]: needs \"scope\": global|strategy|symbol", label, k);
    if ((nm && !cJSON_IsString(nm)) || (rs && !cJSON_IsString(rs)) || (ts && !cJSON_IsString(ts)))
        return qc_err_set(err, QC_ERR_INPUT, "%s: switches[%zu]: name, reason and engaged_at are strings", label, k);
    int64_t tns = 0;
    qc_time_kind kind;
    if (ts && ts->valuestring[0] && qc_time_parse(ts->valuestring, strlen(ts->valuestring), NULL, &tns, &kind, err))
        return qc_err_prefix(err, "%s: switches[%zu]: engaged_at: ", label, k);
    if (qc_risk_kill_list_set(l, scope, nm ? nm->valuestring : "", rs ? rs->valuestring : "", tns, 1, err) < 0)
        return qc_err_prefix(err, "%s: switches[%zu]: ", label, k);
    return QC_OK;
}

qc_err qc_risk_kill_list_parse(const char *text, size_t len, const char *label, qc_risk_kill_list *l, qc_error *err) {
    memset(l, 0, sizeof *l);
    cJSON *root = cJSON_ParseWithLength(text, len);
    if (!root) return qc_err_set(err, QC_ERR_INPUT, "%s: not valid JSON (the kill switch state is unreadable)", label);
    const cJSON *sw = cJSON_GetObjectItemCaseSensitive(root, "switches");
    qc_err rc = QC_OK;
    if (!cJSON_IsObject(root) || !cJSON_IsArray(sw))
        rc = qc_err_set(err, QC_ERR_INPUT, "%s: expected an object with a \"switches\" array", label);
    size_t k = 0;
    for (const cJSON *it = sw ? sw->child : NULL; !rc && it; it = it->next, k++) rc = parse_entry(it, k, label, l, err);
    cJSON_Delete(root);
    if (rc) qc_risk_kill_list_free(l);
    return rc;
}

qc_err qc_risk_kill_list_load(const char *path, qc_risk_kill_list *l, qc_error *err) {
    memset(l, 0, sizeof *l);
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (errno == ENOENT) return QC_OK;
        return qc_err_set(err, QC_ERR_INPUT, "cannot read kill switch file '%s': %s", path, strerror(errno));
    }
    char *buf = malloc(KILL_FILE_MAX);
    if (!buf) {
        fclose(f);
        return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    }
    size_t n = fread(buf, 1, KILL_FILE_MAX, f);
    int bad = ferror(f) || n == KILL_FILE_MAX;
    fclose(f);
    qc_err rc = bad ? qc_err_set(err, QC_ERR_INPUT, "cannot read kill switch file '%s' (error or over 4 MiB)", path)
                    : qc_risk_kill_list_parse(buf, n, path, l, err);
    free(buf);
    return rc;
}

static char *list_json(const qc_risk_kill_list *l) {
    cJSON *root = cJSON_CreateObject(), *arr = cJSON_CreateArray();
    cJSON_AddNumberToObject(root, "version", 1);
    for (size_t i = 0; i < l->n; i++) {
        const qc_risk_kill_entry *e = &l->e[i];
        cJSON *o = cJSON_CreateObject();
        char iso[48] = "";
        if (e->ts_ns) qc_time_format_iso(e->ts_ns, iso, sizeof iso);
        cJSON_AddStringToObject(o, "scope", qc_risk_scope_name(e->scope));
        cJSON_AddStringToObject(o, "name", e->name);
        cJSON_AddStringToObject(o, "reason", e->reason);
        cJSON_AddStringToObject(o, "engaged_at", iso);
        cJSON_AddItemToArray(arr, o);
    }
    cJSON_AddItemToObject(root, "switches", arr);
    char *s = cJSON_Print(root);
    cJSON_Delete(root);
    return s;
}

/* Directory of path for the fsync after rename ("." when none). */
static void sync_dir(const char *path) {
    char dir[1024];
    const char *slash = strrchr(path, '/');
    if (!slash) qc_strlcpy(dir, ".", sizeof dir);
    else if (slash == path) qc_strlcpy(dir, "/", sizeof dir);
    else {
        size_t n = (size_t)(slash - path);
        if (n >= sizeof dir) return;
        memcpy(dir, path, n);
        dir[n] = '\0';
    }
    int fd = open(dir, O_RDONLY);
    if (fd >= 0) {
        (void)fsync(fd); /* best effort: some file systems refuse fsync on directories */
        close(fd);
    }
}

qc_err qc_risk_kill_list_save(const char *path, const qc_risk_kill_list *l, qc_error *err) {
    char *text = list_json(l);
    if (!text) return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    size_t n = strlen(path) + 32;
    char *tmp = malloc(n);
    if (!tmp) {
        free(text);
        return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    }
    snprintf(tmp, n, "%s.tmp%ld", path, (long)getpid());
    qc_err rc = QC_OK;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    size_t len = strlen(text);
    if (fd < 0) rc = qc_err_set(err, QC_ERR_INPUT, "cannot write kill switch file '%s': %s", path, strerror(errno));
    else {
        size_t done = 0;
        while (done < len) {
            ssize_t w = write(fd, text + done, len - done);
            if (w < 0 && errno == EINTR) continue;
            if (w <= 0) break;
            done += (size_t)w;
        }
        int bad = done != len || write(fd, "\n", 1) != 1 || fsync(fd) != 0;
        bad |= close(fd) != 0;
        if (bad || rename(tmp, path) != 0) {
            rc = qc_err_set(err, QC_ERR_INPUT, "cannot write kill switch file '%s': %s", path, strerror(errno));
            unlink(tmp);
        } else sync_dir(path);
    }
    free(tmp);
    free(text);
    return rc;
}

/* ---- engine <-> file ------------------------------------------------------------------------- */

qc_err qc_risk_kill_load(qc_risk *r, const char *path, qc_error *err) {
    qc_risk_kill_list l;
    qc_err rc = qc_risk_kill_list_load(path, &l, err);
    if (rc) return rc;
    r->killed_global = 0;
    memset(&r->why_global, 0, sizeof r->why_global);
    for (size_t k = 0; k < r->n_strat; k++) set_switch(r, QC_RISK_SCOPE_STRATEGY, (uint32_t)k, 0, NULL, 0, NULL);
    for (size_t i = 0; i < r->n_sym; i++)
        if (r->sym[i].killed) set_switch(r, QC_RISK_SCOPE_SYMBOL, (uint32_t)i, 0, NULL, 0, NULL);
    for (size_t i = 0; i < l.n; i++) {
        const qc_risk_kill_entry *e = &l.e[i];
        long id = e->scope == QC_RISK_SCOPE_GLOBAL   ? 0
                  : e->scope == QC_RISK_SCOPE_STRATEGY ? qc_risk_find_strategy(r, e->name)
                                                       : qc_risk_find_symbol(r, e->name);
        if (id >= 0) set_switch(r, e->scope, (uint32_t)id, 1, e->reason, e->ts_ns, NULL);
    }
    r->kill_dirty = 0;
    qc_risk_kill_list_free(&l);
    return QC_OK;
}

static int sync_one(qc_risk *r, qc_risk_kill_list *l, qc_risk_scope scope, uint32_t id, const char *name,
                    qc_error *err) {
    const risk_reason *w = reason_of(r, scope, id);
    char why[200];
    reason_text(w, why, sizeof why);
    return qc_risk_kill_list_set(l, scope, name, why, w->ts_ns, qc_risk_is_killed(r, scope, id), err);
}

qc_err qc_risk_kill_save(qc_risk *r, const char *path, qc_error *err) {
    qc_risk_kill_list l;
    qc_err rc = qc_risk_kill_list_load(path, &l, err);
    if (rc) return rc;
    int bad = sync_one(r, &l, QC_RISK_SCOPE_GLOBAL, 0, "", err) < 0;
    for (size_t k = 0; !bad && k < r->n_strat; k++)
        bad = sync_one(r, &l, QC_RISK_SCOPE_STRATEGY, (uint32_t)k, r->strat[k].name, err) < 0;
    for (size_t i = 0; !bad && i < r->n_sym; i++)
        if (r->sym[i].killed || list_find(&l, QC_RISK_SCOPE_SYMBOL, r->sym_name[i]) >= 0)
            bad = sync_one(r, &l, QC_RISK_SCOPE_SYMBOL, (uint32_t)i, r->sym_name[i], err) < 0;
    rc = bad ? (err ? err->code : QC_ERR_INPUT) : qc_risk_kill_list_save(path, &l, err);
    if (!rc) r->kill_dirty = 0;
    qc_risk_kill_list_free(&l);
    return rc;
}
