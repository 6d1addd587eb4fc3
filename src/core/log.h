/* log.h: structured logging to stderr or a file, human-readable text or JSON lines. Each record
 * carries a UTC timestamp with milliseconds, level, module, function, line, message and typed
 * key=value context; values under secret-looking keys (see qc_is_secret_key) are redacted.
 * The level check is one global compare, so a disabled QC_LOG costs a branch. */
#ifndef QC_CORE_LOG_H
#define QC_CORE_LOG_H

#include <stdio.h>

#include "core/error.h"

typedef enum {
    QC_LOG_TRACE = 0,
    QC_LOG_DEBUG,
    QC_LOG_INFO,
    QC_LOG_WARN,
    QC_LOG_ERROR,
    QC_LOG_OFF
} qc_log_level;

typedef enum { QC_LOG_FMT_TEXT = 0, QC_LOG_FMT_JSON } qc_log_format;

typedef enum { QC_KV_NONE = 0, QC_KV_STR, QC_KV_INT, QC_KV_DBL } qc_kv_type;
typedef struct {
    const char *key;
    qc_kv_type type;
    const char *s;
    long long i;
    double d;
} qc_kv;

#define QC_KS(k, val) ((qc_kv){.key = (k), .type = QC_KV_STR, .s = (val)})
#define QC_KI(k, val) ((qc_kv){.key = (k), .type = QC_KV_INT, .i = (long long)(val)})
#define QC_KD(k, val) ((qc_kv){.key = (k), .type = QC_KV_DBL, .d = (double)(val)})

/* Current threshold; records below it are skipped before any formatting. */
extern qc_log_level qc_log_threshold;

/* Sets level and format, and the sink (NULL means stderr). The sink is not owned. */
void qc_log_setup(qc_log_level level, qc_log_format fmt, FILE *sink);
/* Opens (appends to) a log file as the sink; closed by qc_log_close(). */
qc_err qc_log_open_file(const char *path, qc_error *err);
void qc_log_close(void);

qc_err qc_log_level_parse(const char *s, qc_log_level *out, qc_error *err);
qc_err qc_log_format_parse(const char *s, qc_log_format *out, qc_error *err);
const char *qc_log_level_name(qc_log_level level);

void qc_log_emit(qc_log_level level, const char *module, const char *func, int line, const char *msg,
                 const qc_kv *kv, size_t nkv);

/* QC_LOG(QC_LOG_INFO, "data", "imported", QC_KS("symbol", sym), QC_KI("rows", n)); */
#define QC_LOG(lvl, mod, msg, ...)                                                                   \
    do {                                                                                           \
        if ((lvl) >= qc_log_threshold) {                                                           \
            const qc_kv qc_log_kv_[] = {{0}, __VA_ARGS__};                                         \
            qc_log_emit((lvl), (mod), __func__, __LINE__, (msg), qc_log_kv_ + 1,                   \
                        sizeof qc_log_kv_ / sizeof qc_log_kv_[0] - 1);                             \
        }                                                                                          \
    } while (0)

#endif
