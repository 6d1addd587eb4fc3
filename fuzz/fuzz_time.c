/* fuzz_time.c: libFuzzer target for core/time.c's parsers of outside input. Feeds the bytes to
 * qc_time_parse (in UTC and in New York) and, NUL-terminated, to qc_tz_parse; every accepted
 * instant must survive qc_time_format_iso -> qc_time_parse unchanged, and every rejection must be
 * QC_ERR_INPUT with a message. abort() flags a violated invariant. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/time.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_round_trip(int64_t ts, qc_time_kind kind) {
    char buf[64];
    int64_t back;
    qc_time_kind back_kind;
    qc_error err = {0};
    size_t n = qc_time_format_iso(ts, buf, sizeof buf);
    if (n >= sizeof buf || n != strlen(buf)) abort();
    if (qc_time_parse(buf, n, NULL, &back, &back_kind, &err) != QC_OK) abort();
    if (back != ts || back_kind != QC_TIME_DATETIME) abort();
    if (kind == QC_TIME_DATE && ts % QC_NS_PER_DAY != 0) abort();
    n = qc_time_format_date(ts, buf, sizeof buf);
    if (n != 10 || strlen(buf) != 10) abort();
}

static void parse_one(const char *s, size_t len, const qc_tz *tz) {
    int64_t ts = 0;
    qc_time_kind kind = 0;
    qc_error err = {0};
    qc_err rc = qc_time_parse(s, len, tz, &ts, &kind, &err);
    if (rc == QC_OK) {
        if (ts == QC_TS_NONE) abort();
        check_round_trip(ts, kind);
    } else if (rc != QC_ERR_INPUT || err.code != QC_ERR_INPUT || err.msg[0] == '\0') {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const qc_tz ny = {QC_TZ_NEW_YORK, 0};
    parse_one((const char *)data, size, NULL);
    parse_one((const char *)data, size, &ny);

    char *name = malloc(size + 1);
    if (!name) return 0;
    memcpy(name, data, size);
    name[size] = '\0';
    qc_tz tz;
    qc_error err = {0};
    if (qc_tz_parse(name, &tz, &err) == QC_OK) {
        if (tz.kind == QC_TZ_FIXED && (tz.offset_s <= -86400 || tz.offset_s >= 86400)) abort();
        parse_one("2024-03-10 02:30:00", 19, &tz);
        (void)qc_tz_offset_at(&tz, 0);
    } else if (err.code != QC_ERR_INPUT) {
        abort();
    }
    free(name);
    return 0;
}
