/* mem.h: allocation helpers. Large arrays that a run fills once front to back (equity curves,
 * per-event records) are backed by transparent huge pages where the kernel offers them, so filling
 * 10M points costs a few dozen page faults instead of tens of thousands (measured: page faults were
 * a fifth of a 1M-bar backtest). Free the result with free(). */
#ifndef QC_CORE_MEM_H
#define QC_CORE_MEM_H

#include <stddef.h>

/* Like malloc(bytes); blocks of 4 MiB and more are 2 MiB aligned and advised as huge pages. */
void *qc_alloc_large(size_t bytes);

#endif
