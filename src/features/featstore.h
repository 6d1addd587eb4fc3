/* featstore.h: the feature store: indicator columns computed from a stored series persist in the
 * store (qc_store_get/put_features) keyed by (symbol, interval, spec, code version) together with a
 * fingerprint of the input bars they came from, and are reused instead of recomputed only while
 * those bars are unchanged (point in time: a changed bar, a revised close, a new bar or a different
 * second series all recompute and replace the entry, so a stale value is never returned).
 * The code version is the build's version and git revision plus QC_FEATSTORE_KERNELS (bumped
 * whenever an indicator's numbers change), so a new build never reads another build's columns. */
#ifndef QC_FEATURES_FEATSTORE_H
#define QC_FEATURES_FEATSTORE_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "data/store.h"
#include "features/indicators.h"

#define QC_FEATSTORE_KERNELS "k2" /* k2: sar's step is one fma */

typedef enum {
    QC_FEATSTORE_HIT = 0,      /* reused: the same bars, spec and code */
    QC_FEATSTORE_NEW = 1,      /* no entry: computed and stored */
    QC_FEATSTORE_EXTENDED = 2, /* the stored bars are a prefix of these (bars appended): recomputed */
    QC_FEATSTORE_CHANGED = 3   /* the bars differ from those stored (revised data): recomputed */
} qc_featstore_outcome;

const char *qc_featstore_outcome_name(qc_featstore_outcome o);

/* "VERSION+REV/KERNELS": the code-version part of the key. */
const char *qc_featstore_code_version(void);

/* 128-bit fingerprint of the first n rows of ts and of every non-NULL column of in (which columns
 * are present counts too). Not cryptographic: it detects changed data, not tampering. */
void qc_featstore_fingerprint(const int64_t *ts, const qc_ind_cols *in, size_t n, uint8_t fp[16]);

/* Computes out[0..n_cols) (n rows each) for the caller. */
typedef qc_err (*qc_featstore_compute_fn)(void *ctx, double *const *out, qc_error *err);

/* The columns of spec (a canonical spec string: labels joined by ',', plus anything else the
 * values depend on) over the n bars ts/in of symbol: copied from the store when its entry was
 * computed from exactly these bars, else computed by fn and stored. *how says which. */
qc_err qc_featstore_get_or_compute(qc_store *st, const char *symbol, int64_t interval_s, const char *spec,
                                   const int64_t *ts, const qc_ind_cols *in, size_t n, size_t n_cols,
                                   double *const *out, qc_featstore_compute_fn fn, void *ctx,
                                   qc_featstore_outcome *how, qc_error *err);

#endif
