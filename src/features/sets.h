/* sets.h: named feature sets: a name standing for an indicator spec ("sma(20),rsi(14)", the syntax
 * of indicators.h). Sets come from the configuration (features.sets.NAME: "spec" in YAML, or a
 * YAML list of items; QUANTCLI_FEATURES__SETS__NAME in the environment) and from a built-in table
 * whose "default" set is ~30 columns of scale-free OHLCV features for models. A configured set
 * with a built-in's name replaces it. */
#ifndef QC_FEATURES_SETS_H
#define QC_FEATURES_SETS_H

#include <stddef.h>

#include "core/config.h"
#include "core/error.h"

#define QC_FEATSET_KEY_PREFIX "features.sets."

typedef struct {
    const char *name;   /* "default" */
    const char *spec;   /* "ret(1),ret(5),..." */
    const char *source; /* "built-in" or the config source ("config/features.yaml:3") */
} qc_featset;

/* The built-in spec of name, or NULL. */
const char *qc_featset_builtin(const char *name);

/* Resolves a set by name: the configured one, else the built-in; QC_ERR_INPUT naming the set and
 * listing the known ones when there is neither. The spec is checked by parsing it: a bad
 * configured spec is QC_ERR_INPUT naming the set and its source. *out points into cfg or the
 * built-in table (valid while cfg lives). cfg may be NULL (built-ins only). */
qc_err qc_featset_get(const qc_config *cfg, const char *name, qc_featset *out, qc_error *err);

/* Every set, built-ins first then configured ones in key order (a configured set that replaces a
 * built-in appears once, at the built-in's place). *sets is caller-owned (free()). */
qc_err qc_featset_list(const qc_config *cfg, qc_featset **sets, size_t *n, qc_error *err);

#endif
