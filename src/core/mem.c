/* mem.c: huge-page backed allocation for large, sequentially filled arrays (see mem.h). */
#define _GNU_SOURCE
#include "core/mem.h"

#include <stdlib.h>
#include <sys/mman.h>

#define HUGE_PAGE ((size_t)2 << 20)

void *qc_alloc_large(size_t bytes) {
    if (bytes < 2 * HUGE_PAGE) return malloc(bytes ? bytes : 1);
    void *p = NULL;
    if (posix_memalign(&p, HUGE_PAGE, bytes)) return NULL;
#ifdef MADV_HUGEPAGE
    madvise(p, bytes & ~(HUGE_PAGE - 1), MADV_HUGEPAGE); /* advice only: failure changes nothing */
#endif
    return p;
}
