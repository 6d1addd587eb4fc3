/* plugin.h: loading user strategies from shared objects (include/quantcli/strategy_plugin.h is the
 * interface they are written against). A loaded plugin is adapted to a qc_strategy_def that runs
 * through the kernel like a built-in; the plugin reaches QuantCLI only through the host function
 * table handed to its entry point. */
#ifndef QC_STRATEGIES_PLUGIN_H
#define QC_STRATEGIES_PLUGIN_H

#include "execution/kernel.h"

typedef struct qc_plugin qc_plugin;

/* 1 when a --strategy value names a shared object (contains '/' or ends in ".so"). */
int qc_strategy_is_plugin_path(const char *name);

/* dlopens path, calls its qc_plugin_entry with the host table and checks what it returns: the
 * interface version (QC_ERR_INPUT naming the plugin's and QuantCLI's versions when they differ), a
 * name, on_bar, at most QC_MAX_PARAMS parameters with valid types and defaults. */
qc_err qc_plugin_load(const char *path, qc_plugin **out, qc_error *err);
/* The adapted strategy; valid until qc_plugin_unload. */
const qc_strategy_def *qc_plugin_def(const qc_plugin *p);
void qc_plugin_unload(qc_plugin *p);

#endif
