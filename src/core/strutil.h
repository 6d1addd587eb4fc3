/* strutil.h: small string and number helpers shared by every module (strict number parsing,
 * case-insensitive compare, bounded copies, secret-key detection for redaction). */
#ifndef QC_CORE_STRUTIL_H
#define QC_CORE_STRUTIL_H

#include <stddef.h>
#include <stdint.h>

/* Copies at most n-1 bytes and always terminates; returns strlen(src). */
size_t qc_strlcpy(char *dst, const char *src, size_t n);

/* Case-insensitive ASCII equality of s[0..len) with the NUL-terminated lit. */
int qc_strn_ieq(const char *s, size_t len, const char *lit);
int qc_str_ieq(const char *a, const char *b);

/* Strict parses of the whole span (no trailing junk, no empty). Return 0 on success, -1 on error.
 * qc_parse_double rejects NaN/Inf spellings and values that overflow to infinity (1e400). */
int qc_parse_double(const char *s, size_t len, double *out);
int qc_parse_i64(const char *s, size_t len, int64_t *out);
int qc_parse_bool(const char *s, size_t len, int *out);

/* Heap copy (NULL on OOM). */
char *qc_strdup(const char *s);
char *qc_strndup(const char *s, size_t n);

/* True for config keys whose values are secrets: the last dotted component (or any component)
 * contains "key", "secret", "password" or "token" (case-insensitive). */
int qc_is_secret_key(const char *key);

/* Writes s as a JSON string literal (with quotes) into buf; returns bytes needed (like snprintf). */
size_t qc_json_escape(const char *s, char *buf, size_t n);

#endif
