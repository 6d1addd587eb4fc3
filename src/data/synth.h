/* synth.h: the deterministic synthetic market, QuantCLI's bundled data and the demo's default.
 * Correlated multi-asset bars from a regime-switching model (calm/turbulent Markov chain driving
 * volatility and drift, Poisson jumps, a market factor) with planted structure that strategies can
 * find and tests can rely on: cointegrated pairs, a momentum factor, mean-reverting names.
 * Optional tick/quote streams with order-flow imbalance. Same seed and options -> identical bytes
 * on every machine (own PRNG, no libc rand). The manifest (JSON) records what was planted. */
#ifndef QC_DATA_SYNTH_H
#define QC_DATA_SYNTH_H

#include <stddef.h>
#include <stdint.h>

#include "core/calendar.h"
#include "core/error.h"
#include "data/series.h"

typedef struct {
    uint64_t seed;
    size_t n_symbols;        /* total symbols, >= 2 * n_pairs + n_mean_revert (default 12) */
    size_t n_bars;           /* bars per symbol (default 2520, ~10 years of sessions) */
    int64_t interval_s;      /* 86400 for daily (default) or an intraday interval (60, 300, ...) */
    int64_t start_day;       /* first session on/after this day number (default 2015-01-02) */
    const qc_calendar *cal;  /* session calendar (default NYSE) */
    size_t n_pairs;          /* cointegrated pairs (default 2) */
    size_t n_mean_revert;    /* mean-reverting names (default 2) */
    double momentum_share;   /* fraction of the remaining names loaded on the momentum factor (0.5) */
    size_t ticks_per_bar;    /* 0 = no ticks; else trades+quotes per bar for the first tick_symbols */
    size_t tick_symbols;     /* how many symbols get tick streams (default 1) */
} qc_synth_opts;

void qc_synth_opts_init(qc_synth_opts *o);

typedef struct {
    size_t a, b;             /* symbol indices: log(P_b) = alpha + beta * log(P_a) + spread */
    double beta, alpha;
    double half_life_bars;   /* of the OU spread */
    double spread_sigma;     /* stationary std of the spread (log units) */
} qc_synth_pair;

typedef enum {
    QC_SYNTH_ROLE_MARKET = 0,  /* plain factor-driven name */
    QC_SYNTH_ROLE_MOMENTUM,    /* loaded on the persistent momentum factor */
    QC_SYNTH_ROLE_MEAN_REVERT, /* log price is OU around a slow trend */
    QC_SYNTH_ROLE_PAIR_LEG     /* one leg of a cointegrated pair */
} qc_synth_role;

typedef struct {
    size_t n_symbols, n_bars;
    int64_t interval_s;
    char **symbols;            /* "SYN00", "SYN01", ... */
    qc_bars *bars;             /* n_symbols series, all on the same timestamps */
    qc_synth_role *role;       /* per symbol */
    double *beta_market;       /* per symbol market-factor loading */
    double *momentum_loading;  /* per symbol */
    double *reversion_half_life; /* per symbol, bars (0 unless mean-reverting) */
    qc_synth_pair *pairs;
    size_t n_pairs;
    uint8_t *regime;           /* per bar: 0 calm, 1 turbulent */
    double regime_vol[2], regime_drift[2]; /* annualised */
    double p_stay[2];          /* Markov chain persistence */
    /* ticks for the first tick_symbols symbols (NULL when not asked) */
    size_t n_tick_symbols;
    qc_trade **trades;
    size_t *n_trades;
    qc_quote **quotes;
    size_t *n_quotes;
    qc_synth_opts opts;
    /* Added with the implementation: what was planted, per bar, so tests and docs can check it. */
    double *market_return;     /* market factor log return per bar (drift, diffusion, jumps) */
    double *momentum_return;   /* momentum factor log return per bar */
    double *momentum_drift;    /* its latent expected return per bar (annualised) */
    double momentum_half_life_bars; /* persistence of momentum_drift */
    double *idio_vol;          /* per symbol, annualised idiosyncratic vol in the calm regime */
    double *start_price;       /* per symbol, the (unrounded) close before bar 0 */
    double bars_per_session;   /* nominal bars in a regular session (1 for daily bars) */
    double sessions_per_year;  /* from the calendar, used to annualise */
} qc_synth_market;

/* "market", "momentum", "mean_revert", "pair_leg" (static string). */
const char *qc_synth_role_name(qc_synth_role role);

qc_err qc_synth_generate(const qc_synth_opts *o, qc_synth_market **out, qc_error *err);
void qc_synth_free(qc_synth_market *m);
/* The manifest as a JSON document (malloc'ed, caller frees). */
qc_err qc_synth_manifest_json(const qc_synth_market *m, char **json, qc_error *err);

#endif
