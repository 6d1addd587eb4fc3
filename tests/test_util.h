/* test_util.h: shared helpers for the cmocka suites (temp dirs, writing files). */
#ifndef QC_TEST_UTIL_H
#define QC_TEST_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Creates a fresh temp directory; the caller removes it with test_rmdir(). */
static inline void test_tmpdir(char *buf, size_t n) {
    snprintf(buf, n, "/tmp/qctest.XXXXXX");
    if (!mkdtemp(buf)) buf[0] = '\0';
}

static inline void test_rmdir(const char *dir) {
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
}

static inline int test_write(const char *path, const char *text, size_t len) {
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    size_t w = fwrite(text, 1, len, f);
    return fclose(f) == 0 && w == len ? 0 : -1;
}

#endif
