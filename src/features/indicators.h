/* indicators.h: QuantCLI's technical-indicator library. Every indicator is one row of a descriptor
 * table (name, typed parameters, inputs, outputs, warm-up) with two forms that give the same
 * numbers: a batch kernel over arrays writing caller-allocated outputs, and a streaming state
 * updated in O(1) per bar (window buffers allocated once, at creation). Warm-up positions are NaN.
 * Conventions follow R's TTR package; every deliberate difference is listed in docs/FEATURES.md.
 * A spec string ("sma(20),macd(12,26,9)") selects indicators for the CLI and feature sets.
 *
 * Two SMAs exist on purpose: features/rolling.h's qc_sma is the exact-decimal average the
 * sma_cross strategy compares (int128 ties, slower); "sma" here is the fast float kernel for
 * feature matrices (each window a fresh float sum of its n values, split at a block edge; within
 * ~1e-14 of the exact mean). */
#ifndef QC_FEATURES_INDICATORS_H
#define QC_FEATURES_INDICATORS_H

#include <stddef.h>

#include "core/error.h"

#define QC_IND_MAX_PARAMS 4
#define QC_IND_MAX_OUTPUTS 5

/* Input fields an indicator reads (a bit set). QC_IND_IN_OTHER is a second series (a benchmark
 * for corr/beta/cov). */
enum {
    QC_IND_IN_OPEN = 1u << 0,
    QC_IND_IN_HIGH = 1u << 1,
    QC_IND_IN_LOW = 1u << 2,
    QC_IND_IN_CLOSE = 1u << 3,
    QC_IND_IN_VOLUME = 1u << 4,
    QC_IND_IN_OTHER = 1u << 5
};

/* Columns for the batch form: pointers to len values each; fields the indicator does not read may
 * be NULL. */
typedef struct {
    const double *open, *high, *low, *close, *volume, *other;
} qc_ind_cols;

/* One bar for the streaming form. Every input must be finite (NaN poisons recursive states). */
typedef struct {
    double open, high, low, close, volume, other;
} qc_ind_bar;

typedef struct {
    const char *name;
    double def, min, max;
    int is_int; /* must be a whole number */
} qc_ind_param;

typedef struct qc_ind_def {
    const char *name;  /* "macd" */
    const char *group; /* trend, momentum, volatility, volume, statistics, returns */
    const char *desc;  /* one line */
    unsigned inputs;   /* QC_IND_IN_* bits */
    size_t n_params;
    qc_ind_param params[QC_IND_MAX_PARAMS];
    size_t n_outputs;
    const char *outputs[QC_IND_MAX_OUTPUTS]; /* field names ("signal"); one output: its name */
    int window_scan;   /* 1: an update costs O(window) (cci, rank) or O(maxlag) (hurst), not O(1) */
    /* internal: leading NaN count of output k, cross-parameter check, state size and functions */
    size_t (*lookback)(const double *p, size_t k);
    const char *(*check)(const double *p); /* NULL or why the parameters do not fit together */
    size_t state_size;
    qc_err (*init)(void *st, const double *p, qc_error *err);
    void (*update)(void *st, const qc_ind_cols *c, size_t i, double *out);
    void (*free)(void *st);
    qc_err (*batch)(const double *p, const qc_ind_cols *c, size_t len, double *const *out, qc_error *err);
} qc_ind_def;

/* The registry, in documentation order (grouped). */
size_t qc_ind_count(void);
const qc_ind_def *qc_ind_at(size_t i);
/* By name (case-sensitive, lower case); NULL if unknown. */
const qc_ind_def *qc_ind_find(const char *name);
/* "close", "hl", "hlc", "ohlc", "hlcv", "cv", "v", "close+other", ...: the input set in words. */
const char *qc_ind_inputs_name(unsigned inputs);

/* Checks p[0..def->n_params) against the declared ranges and the indicator's own constraints:
 * QC_ERR_INPUT naming the parameter. */
qc_err qc_ind_check_params(const qc_ind_def *def, const double *p, qc_error *err);
/* Leading NaN positions of output k (the warm-up). */
size_t qc_ind_lookback(const qc_ind_def *def, const double *p, size_t k);

/* Batch: out[k] (k < n_outputs) each hold len values, distinct arrays that overlap no input;
 * QC_ERR_INPUT for bad parameters or a missing input column, QC_ERR_NOMEM. Outputs equal the
 * streaming form fed the same (finite) bars, bit for bit. */
qc_err qc_ind_batch(const qc_ind_def *def, const double *p, const qc_ind_cols *in, size_t len,
                    double *const *out, qc_error *err);

/* Streaming: a state created once (all allocation here), then one O(1) update per bar. */
typedef struct qc_ind qc_ind;
qc_err qc_ind_new(const qc_ind_def *def, const double *p, qc_ind **out, qc_error *err);
/* Writes def->n_outputs values (NaN during warm-up). */
void qc_ind_update(qc_ind *ind, const qc_ind_bar *bar, double *out);
const qc_ind_def *qc_ind_def_of(const qc_ind *ind);
void qc_ind_free(qc_ind *ind);

/* ---- specs: "sma(20),rsi(14),macd(12,26,9),obv" ------------------------------------------------ */
typedef struct {
    const qc_ind_def *def;
    double p[QC_IND_MAX_PARAMS]; /* every parameter: given ones, then defaults */
    char label[96];              /* canonical "macd(12,26,9)"; "obv" for no parameters */
} qc_ind_spec;

/* Parses a comma-separated list of name or name(arg,...) items (whitespace allowed; missing
 * trailing arguments take their defaults). On error QC_ERR_INPUT with a message naming the item,
 * its 1-based position in the list and its character offset. *items is caller-owned (free()). */
qc_err qc_ind_spec_parse(const char *spec, qc_ind_spec **items, size_t *n, qc_error *err);
/* Column name of output k: the label, or label.field when there are several outputs. */
void qc_ind_column_name(const qc_ind_spec *s, size_t k, char *buf, size_t n);

#endif
