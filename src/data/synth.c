/* synth.c: the deterministic synthetic market (contract in synth.h, model in docs/SYNTH.md).
 * A market stream (xoshiro256** seeded by splitmix64) drives the calm/turbulent regime chain, the
 * market factor and the momentum factor; every symbol and every tick stream has its own stream keyed
 * by (seed, index), so a symbol's path does not depend on the symbols after it. Normals come from
 * Marsaglia's polar method; only + - * /, sqrt, log and exp are used: same seed, same bytes. */
#include "data/synth.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/time.h"

/* Bit-identical across machines needs unfused a * b + c. GCC in ISO C mode never fuses; clang
 * would on FMA targets (aarch64) and GCC warns on this pragma, hence the guard. */
#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

#define SYN_LN2 0.69314718055994530942
#define SYN_MAX_ROWS 1000000000.0  /* n_symbols * n_bars */
#define SYN_MAX_TICKS 200000000.0  /* tick_symbols * n_bars * ticks_per_bar */
#define SYN_TICK_STREAM (UINT64_C(1) << 40)

/* The model's fixed parameters (docs/SYNTH.md). Index 0 calm, 1 turbulent; rates are per year. */
static const struct {
    double vol[2], drift[2], p_stay_session[2], idio_mult[2];
    double mkt_jump_rate[2], mkt_jump_mean, mkt_jump_sd;
    double idio_jump_rate[2], idio_jump_sd;
    double mom_vol, mom_mean, mom_drift_sd, mom_half_life_sessions, mom_level_half_life_sessions;
    double trend_vol, gap_open, gap_intra;
    double vol_abs_ret, vol_turbulent, vol_noise;
} k_model = {
    .vol = {0.12, 0.35}, .drift = {0.08, -0.15}, .p_stay_session = {0.99, 0.96},
    .idio_mult = {1.0, 1.5},
    .mkt_jump_rate = {0.5, 4.0}, .mkt_jump_mean = -0.02, .mkt_jump_sd = 0.025,
    .idio_jump_rate = {1.0, 4.0}, .idio_jump_sd = 0.05,
    .mom_vol = 0.10, .mom_mean = 0.0, .mom_drift_sd = 0.50, .mom_half_life_sessions = 63.0,
    .mom_level_half_life_sessions = 504.0,
    .trend_vol = 0.02, .gap_open = 0.25, .gap_intra = 0.05,
    .vol_abs_ret = 0.45, .vol_turbulent = 0.4, .vol_noise = 0.3,
};

/* Tick model: latent order-flow imbalance (AR(1) per event) moving the aggressor and the next mid. */
static const struct {
    double ofi_rho, ofi_impact, ofi_logit, spread_bps[2], spread_noise, quote_lots;
} k_ticks = {
    .ofi_rho = 0.9, .ofi_impact = 0.3, .ofi_logit = 1.5, .spread_bps = {2.0, 6.0},
    .spread_noise = 0.3, .quote_lots = 5.0,
};

/* ---- PRNG: xoshiro256** (Blackman & Vigna), seeded by splitmix64 ------------------------------ */

typedef struct {
    uint64_t s[4];
    double spare;
    int has_spare;
} syn_rng;

static uint64_t splitmix64(uint64_t *x) {
    uint64_t z = (*x += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static void rng_seed(syn_rng *r, uint64_t seed, uint64_t stream) {
    uint64_t x = seed;
    uint64_t y = splitmix64(&x) ^ (stream * UINT64_C(0xD1B54A32D192ED03));
    for (int k = 0; k < 4; k++) r->s[k] = splitmix64(&y);
    r->has_spare = 0;
    r->spare = 0.0;
}

static uint64_t rotl64(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t rng_next(syn_rng *r) {
    uint64_t *s = r->s;
    uint64_t out = rotl64(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl64(s[3], 45);
    return out;
}

/* Uniform in the open interval (0, 1): safe for log(). */
static double rng_unif(syn_rng *r) { return ((double)(rng_next(r) >> 11) + 0.5) * 0x1.0p-53; }

static double rng_range(syn_rng *r, double lo, double hi) { return lo + (hi - lo) * rng_unif(r); }

/* Standard normal, Marsaglia's polar method (keeps the second variate). */
static double rng_normal(syn_rng *r) {
    if (r->has_spare) {
        r->has_spare = 0;
        return r->spare;
    }
    double u, v, s;
    do {
        u = 2.0 * rng_unif(r) - 1.0;
        v = 2.0 * rng_unif(r) - 1.0;
        s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    double f = sqrt(-2.0 * log(s) / s);
    r->spare = v * f;
    r->has_spare = 1;
    return u * f;
}

/* Sum of a Poisson number of N(mean, sd) jumps; p_none = exp(-intensity) (Knuth's counting). */
static double rng_jumps(syn_rng *r, double p_none, double mean, double sd) {
    double prod = rng_unif(r), sum = 0.0;
    while (prod > p_none) {
        sum += mean + sd * rng_normal(r);
        prod *= rng_unif(r);
    }
    return sum;
}

/* ---- generation context -------------------------------------------------------------------------- */

typedef struct {
    qc_synth_market *m;
    double reg_session_s;  /* regular session length, seconds */
    double *dt_yr;         /* per bar: its length in years of trading time */
    double *sqrt_dt;
    double *vol_profile;   /* per bar: intraday U-shaped volume multiplier (1 daily) */
    uint8_t *session_first;
    double *p_idio_none;   /* per bar: P(no idiosyncratic jump) in its regime */
    double *lc[2], *sig[2];   /* two symbols' log closes (n_bars + 1) and bar vols, for pairs */
    double *tk_w, *tk_ofi, *tk_d;
    int64_t *tk_ts;
} syn_ctx;

/* Per-symbol parameters, always drawn in this order whatever the role. */
typedef struct {
    double start_price, beta, idio_vol, volume_base, loading;
    double half_life, ou_sd, mr_beta, trend_drift;
    double hedge, pair_half_life, spread_sd;
} syn_params;

static void draw_params(syn_rng *r, syn_params *p) {
    p->start_price = exp(rng_range(r, log(20.0), log(300.0)));
    p->beta = rng_range(r, 0.6, 1.4);
    p->idio_vol = rng_range(r, 0.15, 0.35);
    p->volume_base = exp(rng_range(r, log(3e5), log(8e6)));
    p->loading = rng_range(r, 0.8, 1.5);
    p->half_life = rng_range(r, 5.0, 20.0);
    p->ou_sd = rng_range(r, 0.04, 0.08);
    p->mr_beta = rng_range(r, 0.2, 0.6);
    p->trend_drift = 0.04 + 0.04 * rng_normal(r);
    p->hedge = rng_range(r, 0.6, 1.5);
    p->pair_half_life = rng_range(r, 10.0, 30.0);
    p->spread_sd = rng_range(r, 0.02, 0.05);
}

const char *qc_synth_role_name(qc_synth_role role) {
    switch (role) {
    case QC_SYNTH_ROLE_MARKET: return "market";
    case QC_SYNTH_ROLE_MOMENTUM: return "momentum";
    case QC_SYNTH_ROLE_MEAN_REVERT: return "mean_revert";
    case QC_SYNTH_ROLE_PAIR_LEG: return "pair_leg";
    }
    return "unknown";
}

void qc_synth_opts_init(qc_synth_opts *o) {
    qc_error e = {0};
    memset(o, 0, sizeof *o);
    o->seed = 42;
    o->n_symbols = 12;
    o->n_bars = 2520;
    o->interval_s = 86400;
    o->start_day = qc_days_from_civil(2015, 1, 2);
    o->cal = qc_calendar_get("NYSE", &e);
    o->n_pairs = 2;
    o->n_mean_revert = 2;
    o->momentum_share = 0.5;
    o->ticks_per_bar = 0;
    o->tick_symbols = 1;
}

/* ---- validation ---------------------------------------------------------------------------------- */

static qc_err validate_sizes(const qc_synth_opts *o, qc_error *err) {
    if (o->n_symbols < 1 || o->n_symbols > 1000000)
        return qc_err_set(err, QC_ERR_INPUT, "synth: n_symbols must be in 1..1000000 (got %zu)",
                          o->n_symbols);
    if (o->n_pairs > o->n_symbols / 2 || o->n_mean_revert > o->n_symbols - 2 * o->n_pairs)
        return qc_err_set(err, QC_ERR_INPUT,
                          "synth: n_symbols (%zu) must be >= 2 * n_pairs (%zu) + n_mean_revert (%zu)",
                          o->n_symbols, o->n_pairs, o->n_mean_revert);
    if (o->n_bars < 2)
        return qc_err_set(err, QC_ERR_INPUT, "synth: n_bars must be >= 2 (got %zu)", o->n_bars);
    if ((double)o->n_bars * (double)o->n_symbols > SYN_MAX_ROWS)
        return qc_err_set(err, QC_ERR_INPUT, "synth: n_symbols * n_bars exceeds %.0f rows", SYN_MAX_ROWS);
    if (!(o->momentum_share >= 0.0 && o->momentum_share <= 1.0))
        return qc_err_set(err, QC_ERR_INPUT, "synth: momentum_share must be in [0, 1] (got %g)",
                          o->momentum_share);
    return QC_OK;
}

static qc_err validate_time(const qc_synth_opts *o, qc_error *err) {
    int64_t iv = o->interval_s;
    if (iv <= 0 || iv > 86400 || 86400 % iv != 0)
        return qc_err_set(err, QC_ERR_INPUT,
                          "synth: interval_s must be 86400 or divide a day (got %lld)", (long long)iv);
    int64_t first = qc_days_from_civil(QC_CAL_FIRST_YEAR, 1, 1);
    int64_t last = qc_days_from_civil(QC_CAL_LAST_YEAR, 12, 31);
    if (o->start_day < first || o->start_day > last)
        return qc_err_set(err, QC_ERR_INPUT, "synth: start_day must be within %d..%d", QC_CAL_FIRST_YEAR,
                          QC_CAL_LAST_YEAR);
    if (!o->cal) return qc_err_set(err, QC_ERR_INPUT, "synth: no calendar (NYSE unavailable)");
    return QC_OK;
}

static qc_err validate_ticks(const qc_synth_opts *o, qc_error *err) {
    if (o->ticks_per_bar == 0) return QC_OK;
    if (o->tick_symbols > o->n_symbols)
        return qc_err_set(err, QC_ERR_INPUT, "synth: tick_symbols (%zu) exceeds n_symbols (%zu)",
                          o->tick_symbols, o->n_symbols);
    if (o->ticks_per_bar > 1000000)
        return qc_err_set(err, QC_ERR_INPUT, "synth: ticks_per_bar must be <= 1000000 (got %zu)",
                          o->ticks_per_bar);
    if ((double)o->tick_symbols * (double)o->n_bars * (double)o->ticks_per_bar > SYN_MAX_TICKS)
        return qc_err_set(err, QC_ERR_INPUT, "synth: tick_symbols * n_bars * ticks_per_bar exceeds %.0f",
                          SYN_MAX_TICKS);
    return QC_OK;
}

static qc_err validate(const qc_synth_opts *o, qc_error *err) {
    qc_err rc = validate_sizes(o, err);
    if (!rc) rc = validate_time(o, err);
    if (!rc) rc = validate_ticks(o, err);
    return rc;
}

/* ---- allocation ---------------------------------------------------------------------------------- */

#define SYN_ALLOC(p, n) (((p) = calloc((n) ? (n) : 1, sizeof *(p))) == NULL)

static qc_err alloc_symbols(qc_synth_market *m, qc_error *err) {
    size_t n = m->n_symbols, width = 2;
    for (size_t k = n - 1; k >= 100; k /= 10) width++;
    if (SYN_ALLOC(m->symbols, n) || SYN_ALLOC(m->bars, n) || SYN_ALLOC(m->role, n) ||
        SYN_ALLOC(m->beta_market, n) || SYN_ALLOC(m->momentum_loading, n) ||
        SYN_ALLOC(m->reversion_half_life, n) || SYN_ALLOC(m->idio_vol, n) || SYN_ALLOC(m->start_price, n))
        return qc_err_set(err, QC_ERR_NOMEM, "synth: out of memory for %zu symbols", n);
    for (size_t i = 0; i < n; i++) {
        if (SYN_ALLOC(m->symbols[i], width + 4))
            return qc_err_set(err, QC_ERR_NOMEM, "synth: out of memory for symbol names");
        snprintf(m->symbols[i], width + 4, "SYN%0*zu", (int)width, i);
        qc_err rc = qc_bars_reserve(&m->bars[i], m->n_bars, err);
        if (rc) return rc;
    }
    return QC_OK;
}

static qc_err alloc_market(qc_synth_market *m, qc_error *err) {
    size_t n = m->n_bars;
    if (SYN_ALLOC(m->regime, n) || SYN_ALLOC(m->market_return, n) || SYN_ALLOC(m->momentum_return, n) ||
        SYN_ALLOC(m->momentum_drift, n) || (m->n_pairs && SYN_ALLOC(m->pairs, m->n_pairs)))
        return qc_err_set(err, QC_ERR_NOMEM, "synth: out of memory for %zu bars", n);
    qc_err rc = alloc_symbols(m, err);
    if (rc || m->n_tick_symbols == 0) return rc;
    size_t nt = m->n_tick_symbols, per = n * m->opts.ticks_per_bar;
    if (SYN_ALLOC(m->trades, nt) || SYN_ALLOC(m->quotes, nt) || SYN_ALLOC(m->n_trades, nt) ||
        SYN_ALLOC(m->n_quotes, nt))
        return qc_err_set(err, QC_ERR_NOMEM, "synth: out of memory for tick streams");
    for (size_t i = 0; i < nt; i++)
        if (SYN_ALLOC(m->trades[i], per) || SYN_ALLOC(m->quotes[i], per))
            return qc_err_set(err, QC_ERR_NOMEM, "synth: out of memory for %zu ticks", per);
    return QC_OK;
}

static qc_err ctx_alloc(syn_ctx *c, qc_error *err) {
    size_t n = c->m->n_bars, nt = c->m->opts.ticks_per_bar;
    if (SYN_ALLOC(c->dt_yr, n) || SYN_ALLOC(c->sqrt_dt, n) || SYN_ALLOC(c->vol_profile, n) ||
        SYN_ALLOC(c->session_first, n) || SYN_ALLOC(c->p_idio_none, n) || SYN_ALLOC(c->lc[0], n + 1) ||
        SYN_ALLOC(c->lc[1], n + 1) || SYN_ALLOC(c->sig[0], n) || SYN_ALLOC(c->sig[1], n))
        return qc_err_set(err, QC_ERR_NOMEM, "synth: out of memory for scratch");
    if (c->m->n_tick_symbols &&
        (SYN_ALLOC(c->tk_w, nt + 1) || SYN_ALLOC(c->tk_ofi, nt) || SYN_ALLOC(c->tk_d, nt) ||
         SYN_ALLOC(c->tk_ts, nt)))
        return qc_err_set(err, QC_ERR_NOMEM, "synth: out of memory for tick scratch");
    return QC_OK;
}

static void ctx_free(syn_ctx *c) {
    free(c->dt_yr);
    free(c->sqrt_dt);
    free(c->vol_profile);
    free(c->session_first);
    free(c->p_idio_none);
    for (int k = 0; k < 2; k++) {
        free(c->lc[k]);
        free(c->sig[k]);
    }
    free(c->tk_w);
    free(c->tk_ofi);
    free(c->tk_d);
    free(c->tk_ts);
}

void qc_synth_free(qc_synth_market *m) {
    if (!m) return;
    for (size_t i = 0; i < m->n_symbols; i++) {
        if (m->symbols) free(m->symbols[i]);
        if (m->bars) qc_bars_free(&m->bars[i]);
    }
    for (size_t i = 0; i < m->n_tick_symbols; i++) {
        if (m->trades) free(m->trades[i]);
        if (m->quotes) free(m->quotes[i]);
    }
    free(m->symbols);
    free(m->bars);
    free(m->role);
    free(m->beta_market);
    free(m->momentum_loading);
    free(m->reversion_half_life);
    free(m->pairs);
    free(m->regime);
    free(m->trades);
    free(m->n_trades);
    free(m->quotes);
    free(m->n_quotes);
    free(m->market_return);
    free(m->momentum_return);
    free(m->momentum_drift);
    free(m->idio_vol);
    free(m->start_price);
    free(m);
}

/* ---- timeline: bar stamps from the calendar ------------------------------------------------------ */

/* Adds one bar [open_ns, close_ns] at index t; pos in [0,1) is its place in the session. */
static void put_bar(syn_ctx *c, size_t t, int64_t open_ns, int64_t close_ns, double pos, int first) {
    qc_bars *b = &c->m->bars[0];
    double len_s = (double)(close_ns - open_ns) / (double)QC_NS_PER_SEC;
    b->ts[t] = close_ns;
    b->open_ts[t] = open_ns;
    c->dt_yr[t] = c->m->interval_s == 86400 ? 1.0 / c->m->sessions_per_year
                                            : len_s / c->reg_session_s / c->m->sessions_per_year;
    c->sqrt_dt[t] = sqrt(c->dt_yr[t]);
    double u = 2.0 * pos - 1.0;
    c->vol_profile[t] = c->m->interval_s == 86400 ? 1.0 : (1.0 + 1.2 * u * u) / 1.4;
    c->session_first[t] = (uint8_t)first;
}

/* Fills bars from one session starting at index t; returns the next free index. */
static size_t put_session(syn_ctx *c, size_t t, int64_t open_ns, int64_t close_ns) {
    if (c->m->interval_s == 86400) {
        put_bar(c, t, open_ns, close_ns, 0.5, 1);
        return t + 1;
    }
    int64_t iv_ns = c->m->interval_s * QC_NS_PER_SEC;
    int64_t nb = (close_ns - open_ns + iv_ns - 1) / iv_ns;
    for (int64_t k = 0; k < nb && t < c->m->n_bars; k++, t++) {
        int64_t bo = open_ns + k * iv_ns, bc = bo + iv_ns < close_ns ? bo + iv_ns : close_ns;
        put_bar(c, t, bo, bc, ((double)k + 0.5) / (double)nb, k == 0);
    }
    return t;
}

static void timeline_scale(syn_ctx *c, int64_t day) {
    const qc_calendar *cal = c->m->opts.cal;
    int64_t len_ns = qc_calendar_regular_close(cal, day) - qc_calendar_regular_open(cal, day);
    c->reg_session_s = len_ns > 0 ? (double)len_ns / (double)QC_NS_PER_SEC : 86400.0;
    c->m->sessions_per_year = qc_calendar_sessions_per_year(cal);
    if (!(c->m->sessions_per_year > 0.0)) c->m->sessions_per_year = 252.0;
    double iv_s = (double)c->m->interval_s;
    c->m->bars_per_session = c->m->interval_s == 86400 ? 1.0 : ceil(c->reg_session_s / iv_s);
}

static qc_err build_timeline(syn_ctx *c, qc_error *err) {
    qc_synth_market *m = c->m;
    const qc_calendar *cal = m->opts.cal;
    int64_t last_day = qc_days_from_civil(QC_CAL_LAST_YEAR, 12, 31), day = m->opts.start_day;
    if (!qc_calendar_is_session(cal, day)) day = qc_calendar_next_session(cal, day);
    timeline_scale(c, day);
    for (size_t t = 0; t < m->n_bars; day = qc_calendar_next_session(cal, day)) {
        int64_t open_ns, close_ns;
        if (day > last_day)
            return qc_err_set(err, QC_ERR_INPUT, "synth: %zu bars run past the calendar's last year %d",
                              m->n_bars, QC_CAL_LAST_YEAR);
        if (!qc_calendar_session(cal, day, &open_ns, &close_ns) || close_ns <= open_ns)
            return qc_err_set(err, QC_ERR_INTERNAL, "synth: calendar gave no session for day %lld",
                              (long long)day);
        t = put_session(c, t, open_ns, close_ns);
    }
    for (size_t i = 1; i < m->n_symbols; i++) {
        memcpy(m->bars[i].ts, m->bars[0].ts, m->n_bars * sizeof(int64_t));
        memcpy(m->bars[i].open_ts, m->bars[0].open_ts, m->n_bars * sizeof(int64_t));
    }
    return QC_OK;
}

/* Ticks need at least two nanoseconds per event in the shortest bar. */
static qc_err check_tick_room(const syn_ctx *c, qc_error *err) {
    const qc_bars *b = &c->m->bars[0];
    int64_t need = 2 * ((int64_t)c->m->opts.ticks_per_bar + 1);
    for (size_t t = 0; c->m->n_tick_symbols && t < b->n; t++)
        if (b->ts[t] - b->open_ts[t] < need)
            return qc_err_set(err, QC_ERR_INPUT, "synth: ticks_per_bar %zu does not fit in bar %zu",
                              c->m->opts.ticks_per_bar, t);
    return QC_OK;
}

/* ---- market: regime chain, market factor, momentum factor ---------------------------------------- */

static void set_regime_params(syn_ctx *c) {
    qc_synth_market *m = c->m;
    for (int k = 0; k < 2; k++) {
        m->regime_vol[k] = k_model.vol[k];
        m->regime_drift[k] = k_model.drift[k];
        /* persistence is set per session; intraday bars take its bars_per_session-th root */
        m->p_stay[k] = exp(log(k_model.p_stay_session[k]) / m->bars_per_session);
    }
    m->momentum_half_life_bars = k_model.mom_half_life_sessions * m->bars_per_session;
}

static void sim_regimes(syn_ctx *c, syn_rng *r) {
    qc_synth_market *m = c->m;
    double q0 = 1.0 - m->p_stay[0], q1 = 1.0 - m->p_stay[1];
    int k = rng_unif(r) < q0 / (q0 + q1); /* start from the stationary distribution */
    for (size_t t = 0; t < m->n_bars; t++) {
        if (t > 0 && rng_unif(r) >= m->p_stay[k]) k = 1 - k;
        m->regime[t] = (uint8_t)k;
        c->p_idio_none[t] = exp(-k_model.idio_jump_rate[k] * c->dt_yr[t]);
    }
}

static void sim_market_factor(syn_ctx *c, syn_rng *r) {
    qc_synth_market *m = c->m;
    for (size_t t = 0; t < m->n_bars; t++) {
        int k = m->regime[t];
        double dt = c->dt_yr[t], s = k_model.vol[k];
        double p_none = exp(-k_model.mkt_jump_rate[k] * dt);
        double jump = rng_jumps(r, p_none, k_model.mkt_jump_mean, k_model.mkt_jump_sd);
        m->market_return[t] = (k_model.drift[k] - 0.5 * s * s) * dt + s * c->sqrt_dt[t] * rng_normal(r);
        m->market_return[t] += jump;
    }
}

/* Expected return = AR(1) drift (momentum) minus a slow pull of the factor's cumulative level back
 * to zero (long-horizon reversal), which keeps loaded names' prices in a realistic range. */
static void sim_momentum_factor(syn_ctx *c, syn_rng *r) {
    qc_synth_market *m = c->m;
    double phi = exp(-SYN_LN2 / m->momentum_half_life_bars), mu = k_model.mom_mean, sf = k_model.mom_vol;
    double u = mu + k_model.mom_drift_sd * rng_normal(r), inno = k_model.mom_drift_sd * sqrt(1.0 - phi * phi);
    double pull = SYN_LN2 * m->sessions_per_year / k_model.mom_level_half_life_sessions, level = 0.0;
    for (size_t t = 0; t < m->n_bars; t++) {
        double dt = c->dt_yr[t], drift;
        u = mu + phi * (u - mu) + inno * rng_normal(r);
        m->momentum_drift[t] = drift = u - pull * level;
        m->momentum_return[t] = (drift - 0.5 * sf * sf) * dt + sf * c->sqrt_dt[t] * rng_normal(r);
        level += m->momentum_return[t];
    }
}

/* ---- symbols: log-close paths by role ------------------------------------------------------------ */

/* lc[0] is the log close before bar 0, lc[t + 1] the log close of bar t; sig[t] the bar's log vol. */
static void sim_factor_name(const syn_ctx *c, const syn_params *p, double loading, syn_rng *r, double *lc,
                            double *sig) {
    const qc_synth_market *m = c->m;
    double sf = k_model.mom_vol;
    lc[0] = log(p->start_price);
    for (size_t t = 0; t < m->n_bars; t++) {
        int k = m->regime[t];
        double s = p->idio_vol * k_model.idio_mult[k], sm = k_model.vol[k], sd = c->sqrt_dt[t];
        double idio = -0.5 * s * s * c->dt_yr[t] + s * sd * rng_normal(r);
        idio += rng_jumps(r, c->p_idio_none[t], 0.0, k_model.idio_jump_sd);
        lc[t + 1] = lc[t] + p->beta * m->market_return[t] + loading * m->momentum_return[t] + idio;
        sig[t] = sd * sqrt(p->beta * p->beta * sm * sm + loading * loading * sf * sf + s * s);
    }
}

/* Log price = slow trend (drift + 2%/yr random walk) + OU deviation hit by market shocks. */
static void sim_mean_revert(const syn_ctx *c, const syn_params *p, double ou_sd, syn_rng *r, double *lc,
                            double *sig) {
    const qc_synth_market *m = c->m;
    double phi = exp(-SYN_LN2 / p->half_life), tot = ou_sd * sqrt(1.0 - phi * phi);
    double dt_nom = 1.0 / (m->sessions_per_year * m->bars_per_session), tv = k_model.trend_vol;
    double mk = p->mr_beta * k_model.vol[0] * sqrt(dt_nom);
    double sdi = tot * tot - mk * mk > 0.25 * tot * tot ? sqrt(tot * tot - mk * mk) : 0.5 * tot;
    double trend = log(p->start_price), x = ou_sd * rng_normal(r);
    lc[0] = trend + x;
    for (size_t t = 0; t < m->n_bars; t++) {
        int k = m->regime[t];
        double dt = c->dt_yr[t], sd = c->sqrt_dt[t], sm = k_model.vol[k];
        double shock = m->market_return[t] - (k_model.drift[k] - 0.5 * sm * sm) * dt;
        trend += (p->trend_drift - 0.5 * tv * tv) * dt + tv * sd * rng_normal(r);
        x = phi * x + p->mr_beta * shock + k_model.idio_mult[k] * sdi * rng_normal(r);
        x += rng_jumps(r, c->p_idio_none[t], 0.0, k_model.idio_jump_sd);
        lc[t + 1] = trend + x;
        double si = k_model.idio_mult[k] * sdi;
        sig[t] = sqrt(p->mr_beta * p->mr_beta * sm * sm * dt + si * si + tv * tv * dt);
    }
}

/* Leg b of a pair: log P_b = alpha + beta * log P_a + s, s an OU with the pair's half-life. */
static void sim_pair_b(const syn_ctx *c, const qc_synth_pair *pr, const double *lc_a, const double *sig_a,
                       syn_rng *r, double *lc, double *sig) {
    double phi = exp(-SYN_LN2 / pr->half_life_bars), inno = pr->spread_sigma * sqrt(1.0 - phi * phi);
    double s = pr->spread_sigma * rng_normal(r);
    lc[0] = pr->alpha + pr->beta * lc_a[0] + s;
    for (size_t t = 0; t < c->m->n_bars; t++) {
        s = phi * s + inno * rng_normal(r);
        lc[t + 1] = pr->alpha + pr->beta * lc_a[t + 1] + s;
        sig[t] = sqrt(pr->beta * pr->beta * sig_a[t] * sig_a[t] + inno * inno);
    }
}

/* ---- bars: OHLCV from the close path ------------------------------------------------------------- */

/* US equities quote in cents; never below one cent. */
static double round_cents(double price) {
    double cents = floor(price * 100.0 + 0.5);
    return (cents < 1.0 ? 1.0 : cents) / 100.0;
}

static double bar_volume(const syn_ctx *c, size_t t, double base, double ret, double sig, syn_rng *r) {
    double z = sig > 0.0 ? fabs(ret) / sig : 0.0;
    double lv = log(base * c->vol_profile[t] / c->m->bars_per_session) +
                k_model.vol_abs_ret * (z < 5.0 ? z - 0.8 : 4.2) + k_model.vol_turbulent * c->m->regime[t] +
                k_model.vol_noise * rng_normal(r);
    return floor(exp(lv) + 0.5);
}

/* Open = previous close times a small gap; high/low from the extremes of a Brownian bridge from
 * open to close with the bar's volatility (exact law of the bridge maximum). */
static void fill_bars(const syn_ctx *c, size_t i, double base, const double *lc, const double *sig,
                      syn_rng *r) {
    qc_bars *b = &c->m->bars[i];
    for (size_t t = 0; t < c->m->n_bars; t++) {
        double gap = c->session_first[t] ? k_model.gap_open : k_model.gap_intra, s2 = sig[t] * sig[t];
        double lo = lc[t] + gap * sig[t] * rng_normal(r), br = lc[t + 1] - lo;
        double up = 0.5 * (br + sqrt(br * br - 2.0 * s2 * log(rng_unif(r))));
        double dn = 0.5 * (br - sqrt(br * br - 2.0 * s2 * log(rng_unif(r))));
        double open = round_cents(exp(lo)), close = round_cents(exp(lc[t + 1]));
        b->open[t] = open;
        b->close[t] = close;
        b->adj_close[t] = close;
        b->high[t] = fmax(round_cents(exp(lo + up)), fmax(open, close));
        b->low[t] = fmin(round_cents(exp(lo + dn)), fmin(open, close));
        b->volume[t] = bar_volume(c, t, base, lc[t + 1] - lc[t], sig[t], r);
        b->flags[t] = 0;
    }
    b->n = c->m->n_bars;
}

/* ---- ticks: quotes and trades inside each bar ---------------------------------------------------- */

typedef struct {
    syn_rng rng;
    double ofi;      /* latent order-flow imbalance, carried across bars */
    size_t n;        /* events written */
    qc_trade *trades;
    qc_quote *quotes;
} syn_tick_state;

/* Event times strictly inside (open_ts, ts): exponential gaps scaled to the bar, >= 2 ns apart. */
static void tick_times(syn_ctx *c, syn_tick_state *st, int64_t open_ns, int64_t close_ns, size_t nt) {
    double total = 0.0, acc = 0.0;
    for (size_t j = 0; j <= nt; j++) total += (c->tk_w[j] = -log(rng_unif(&st->rng)));
    double room = (double)(close_ns - open_ns - 2 * (int64_t)(nt + 1));
    for (size_t j = 0; j < nt; j++) {
        acc += c->tk_w[j];
        c->tk_ts[j] = open_ns + 2 * (int64_t)(j + 1) + (int64_t)floor(room * (acc / total));
    }
}

/* Mid log increments: OFI-driven drift plus noise, bridged to end exactly at the bar's close. */
static void tick_path(syn_ctx *c, syn_tick_state *st, double target, double sig, size_t nt) {
    double sd = sig / sqrt((double)nt), rho = k_ticks.ofi_rho, inno = sqrt(1.0 - rho * rho), sum = 0.0;
    for (size_t j = 0; j < nt; j++) {
        c->tk_d[j] = k_ticks.ofi_impact * st->ofi * sd + sd * rng_normal(&st->rng);
        sum += c->tk_d[j];
        st->ofi = rho * st->ofi + inno * rng_normal(&st->rng);
        c->tk_ofi[j] = st->ofi;
    }
    double adj = (target - sum) / (double)nt;
    for (size_t j = 0; j < nt; j++) c->tk_d[j] += adj;
}

/* A quote around mid: spread in bps (wider when turbulent) on the cent grid, sizes leaning with OFI. */
static void tick_quote(syn_rng *r, int regime, double mid, double ofi, qc_quote *q) {
    double bps = k_ticks.spread_bps[regime] * exp(k_ticks.spread_noise * rng_normal(r));
    double spread = fmax(1.0, floor(mid * bps * 1e-2 + 0.5));
    double bid = fmax(1.0, floor(mid * 100.0 - 0.5 * spread + 0.5));
    q->bid = bid / 100.0;
    q->ask = (bid + spread) / 100.0;
    q->bid_size = 100.0 * fmax(1.0, floor(k_ticks.quote_lots * exp(0.3 * ofi + 0.5 * rng_normal(r)) + 0.5));
    q->ask_size = 100.0 * fmax(1.0, floor(k_ticks.quote_lots * exp(-0.3 * ofi + 0.5 * rng_normal(r)) + 0.5));
}

/* One quote then one trade per event; the trade hits the quote on its aggressor's side. */
static void tick_emit(syn_ctx *c, syn_tick_state *st, qc_bars *b, size_t t, size_t nt) {
    syn_rng *r = &st->rng;
    double lm = log(b->open[t]), total = 0.0, volume = 0.0;
    for (size_t j = 0; j < nt; j++) total += (c->tk_w[j] = exp(0.8 * rng_normal(r)));
    for (size_t j = 0; j < nt; j++, st->n++) {
        qc_quote *q = &st->quotes[st->n];
        qc_trade *tr = &st->trades[st->n];
        double ofi = c->tk_ofi[j];
        int64_t next_ns = j + 1 < nt ? c->tk_ts[j + 1] : b->ts[t];
        lm += c->tk_d[j];
        tick_quote(r, c->m->regime[t], exp(lm), ofi, q);
        q->ts = c->tk_ts[j];
        tr->ts = q->ts + (next_ns - q->ts) / 2;
        tr->aggressor = rng_unif(r) < 1.0 / (1.0 + exp(-k_ticks.ofi_logit * ofi)) ? 1 : -1;
        tr->price = tr->aggressor > 0 ? q->ask : q->bid;
        tr->size = fmax(1.0, floor(b->volume[t] * c->tk_w[j] / total + 0.5));
        volume += tr->size;
        b->high[t] = fmax(b->high[t], tr->price);
        b->low[t] = fmin(b->low[t], tr->price);
    }
    b->volume[t] = volume;
}

/* Ticks for symbol i; the bar's high/low widen to cover every trade, volume = sum of trade sizes. */
static void gen_ticks(syn_ctx *c, size_t i, const double *sig) {
    qc_synth_market *m = c->m;
    qc_bars *b = &m->bars[i];
    size_t nt = m->opts.ticks_per_bar;
    syn_tick_state st = {.ofi = 0.0, .n = 0, .trades = m->trades[i], .quotes = m->quotes[i]};
    rng_seed(&st.rng, m->opts.seed, SYN_TICK_STREAM + i);
    for (size_t t = 0; t < m->n_bars; t++) {
        tick_times(c, &st, b->open_ts[t], b->ts[t], nt);
        tick_path(c, &st, log(b->close[t] / b->open[t]), sig[t], nt);
        tick_emit(c, &st, b, t, nt);
    }
    m->n_trades[i] = st.n;
    m->n_quotes[i] = st.n;
}

/* ---- symbol loop --------------------------------------------------------------------------------- */

static qc_synth_role role_of(const qc_synth_opts *o, size_t i) {
    size_t legs = 2 * o->n_pairs, mr_end = legs + o->n_mean_revert;
    size_t n_mom = (size_t)floor(o->momentum_share * (double)(o->n_symbols - mr_end) + 0.5);
    if (i < legs) return QC_SYNTH_ROLE_PAIR_LEG;
    if (i < mr_end) return QC_SYNTH_ROLE_MEAN_REVERT;
    return i < mr_end + n_mom ? QC_SYNTH_ROLE_MOMENTUM : QC_SYNTH_ROLE_MARKET;
}

/* Intraday, the daily-calibrated OU widths shrink with sqrt(bar length in sessions). */
static double ou_scale(const qc_synth_market *m) { return sqrt(1.0 / m->bars_per_session); }

static void sim_pair_symbol(syn_ctx *c, size_t i, const syn_params *p, syn_rng *r) {
    qc_synth_market *m = c->m;
    int cur = (int)(i & 1);
    if (cur == 0) {
        sim_factor_name(c, p, 0.0, r, c->lc[0], c->sig[0]);
        m->beta_market[i] = p->beta;
        return;
    }
    qc_synth_pair *pr = &m->pairs[i / 2];
    *pr = (qc_synth_pair){.a = i - 1, .b = i, .beta = p->hedge, .half_life_bars = p->pair_half_life,
                          .spread_sigma = p->spread_sd * ou_scale(m)};
    pr->alpha = log(p->start_price) - p->hedge * c->lc[0][0];
    sim_pair_b(c, pr, c->lc[0], c->sig[0], r, c->lc[1], c->sig[1]);
    m->beta_market[i] = p->hedge * m->beta_market[i - 1];
}

static void sim_symbol(syn_ctx *c, size_t i) {
    qc_synth_market *m = c->m;
    syn_rng r;
    syn_params p;
    rng_seed(&r, m->opts.seed, 1 + (uint64_t)i);
    draw_params(&r, &p);
    qc_synth_role role = m->role[i] = role_of(&m->opts, i);
    int cur = role == QC_SYNTH_ROLE_PAIR_LEG ? (int)(i & 1) : 0;
    m->idio_vol[i] = p.idio_vol;
    if (role == QC_SYNTH_ROLE_PAIR_LEG) {
        sim_pair_symbol(c, i, &p, &r);
        if (cur) m->idio_vol[i] = 0.0;
    } else if (role == QC_SYNTH_ROLE_MEAN_REVERT) {
        sim_mean_revert(c, &p, p.ou_sd * ou_scale(m), &r, c->lc[0], c->sig[0]);
        m->beta_market[i] = p.mr_beta;
        m->reversion_half_life[i] = p.half_life;
    } else {
        m->momentum_loading[i] = role == QC_SYNTH_ROLE_MOMENTUM ? p.loading : 0.0;
        sim_factor_name(c, &p, m->momentum_loading[i], &r, c->lc[0], c->sig[0]);
        m->beta_market[i] = p.beta;
    }
    m->start_price[i] = exp(c->lc[cur][0]);
    fill_bars(c, i, p.volume_base, c->lc[cur], c->sig[cur], &r);
    if (i < m->n_tick_symbols) gen_ticks(c, i, c->sig[cur]);
}

static qc_err generate(syn_ctx *c, qc_error *err) {
    qc_err rc = ctx_alloc(c, err);
    if (!rc) rc = build_timeline(c, err);
    if (!rc) rc = check_tick_room(c, err);
    if (rc) return rc;
    syn_rng r;
    rng_seed(&r, c->m->opts.seed, 0);
    set_regime_params(c);
    sim_regimes(c, &r);
    sim_market_factor(c, &r);
    sim_momentum_factor(c, &r);
    for (size_t i = 0; i < c->m->n_symbols; i++) sim_symbol(c, i);
    return QC_OK;
}

qc_err qc_synth_generate(const qc_synth_opts *o, qc_synth_market **out, qc_error *err) {
    if (!o || !out) return qc_err_set(err, QC_ERR_INPUT, "synth: no options or output");
    *out = NULL;
    qc_synth_opts opts = *o;
    if (!opts.cal) opts.cal = qc_calendar_get("NYSE", err);
    qc_err rc = validate(&opts, err);
    if (rc) return rc;
    qc_synth_market *m = calloc(1, sizeof *m);
    if (!m) return qc_err_set(err, QC_ERR_NOMEM, "synth: out of memory");
    m->opts = opts;
    m->n_symbols = opts.n_symbols;
    m->n_bars = opts.n_bars;
    m->interval_s = opts.interval_s;
    m->n_pairs = opts.n_pairs;
    m->n_tick_symbols = opts.ticks_per_bar ? opts.tick_symbols : 0;
    syn_ctx c = {.m = m};
    rc = alloc_market(m, err);
    if (!rc) rc = generate(&c, err);
    ctx_free(&c);
    if (rc) {
        qc_synth_free(m);
        return rc;
    }
    *out = m;
    return QC_OK;
}

/* ---- manifest ------------------------------------------------------------------------------------ */

/* The shortest decimal that reads back to exactly v (cJSON's own printer accepts an approximate
 * round trip), as a raw JSON number. */
static cJSON *json_double(double v) {
    char buf[40];
    if (!isfinite(v)) return cJSON_CreateNull();
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, v);
        if (strtod(buf, NULL) == v) break;
    }
    return cJSON_CreateRaw(buf);
}

static void json_num(cJSON *o, const char *key, double v) { cJSON_AddItemToObject(o, key, json_double(v)); }

static cJSON *json_pair2(double a, double b) {
    cJSON *arr = cJSON_CreateArray();
    cJSON_AddItemToArray(arr, json_double(a));
    cJSON_AddItemToArray(arr, json_double(b));
    return arr;
}

static void json_ts(cJSON *o, const char *key, int64_t ts_ns) {
    char buf[64];
    qc_time_format_iso(ts_ns, buf, sizeof buf);
    cJSON_AddStringToObject(o, key, buf);
}

static cJSON *json_options(const qc_synth_market *m) {
    const qc_synth_opts *o = &m->opts;
    char day[32];
    cJSON *j = cJSON_CreateObject();
    qc_time_format_date(o->start_day * QC_NS_PER_DAY, day, sizeof day);
    cJSON_AddNumberToObject(j, "n_symbols", (double)o->n_symbols);
    cJSON_AddNumberToObject(j, "n_bars", (double)o->n_bars);
    cJSON_AddNumberToObject(j, "interval_s", (double)o->interval_s);
    cJSON_AddStringToObject(j, "start_day", day);
    cJSON_AddStringToObject(j, "calendar", qc_calendar_name(o->cal));
    cJSON_AddNumberToObject(j, "n_pairs", (double)o->n_pairs);
    cJSON_AddNumberToObject(j, "n_mean_revert", (double)o->n_mean_revert);
    json_num(j, "momentum_share", o->momentum_share);
    cJSON_AddNumberToObject(j, "ticks_per_bar", (double)o->ticks_per_bar);
    cJSON_AddNumberToObject(j, "tick_symbols", (double)o->tick_symbols);
    return j;
}

static cJSON *json_regime(const qc_synth_market *m) {
    cJSON *j = cJSON_CreateObject();
    size_t turb = 0;
    char *path = malloc(m->n_bars + 1);
    cJSON_AddItemToObject(j, "vol", json_pair2(m->regime_vol[0], m->regime_vol[1]));
    cJSON_AddItemToObject(j, "drift", json_pair2(m->regime_drift[0], m->regime_drift[1]));
    cJSON_AddItemToObject(j, "p_stay", json_pair2(m->p_stay[0], m->p_stay[1]));
    cJSON_AddItemToObject(j, "idio_vol_mult", json_pair2(k_model.idio_mult[0], k_model.idio_mult[1]));
    cJSON_AddItemToObject(j, "market_jump_rate",
                          json_pair2(k_model.mkt_jump_rate[0], k_model.mkt_jump_rate[1]));
    json_num(j, "market_jump_mean", k_model.mkt_jump_mean);
    json_num(j, "market_jump_sd", k_model.mkt_jump_sd);
    cJSON_AddItemToObject(j, "idio_jump_rate",
                          json_pair2(k_model.idio_jump_rate[0], k_model.idio_jump_rate[1]));
    json_num(j, "idio_jump_sd", k_model.idio_jump_sd);
    for (size_t t = 0; t < m->n_bars; t++) turb += m->regime[t];
    json_num(j, "turbulent_share", (double)turb / (double)m->n_bars);
    if (path) {
        for (size_t t = 0; t < m->n_bars; t++) path[t] = (char)('0' + m->regime[t]);
        path[m->n_bars] = '\0';
        cJSON_AddStringToObject(j, "path", path);
        free(path);
    }
    return j;
}

static cJSON *json_momentum(const qc_synth_market *m) {
    cJSON *j = cJSON_CreateObject();
    json_num(j, "vol", k_model.mom_vol);
    json_num(j, "mean_drift", k_model.mom_mean);
    json_num(j, "drift_sd", k_model.mom_drift_sd);
    json_num(j, "half_life_bars", m->momentum_half_life_bars);
    json_num(j, "level_half_life_bars", k_model.mom_level_half_life_sessions * m->bars_per_session);
    return j;
}

static cJSON *json_symbols(const qc_synth_market *m) {
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; i < m->n_symbols; i++) {
        cJSON *s = cJSON_CreateObject();
        cJSON_AddStringToObject(s, "symbol", m->symbols[i]);
        cJSON_AddStringToObject(s, "role", qc_synth_role_name(m->role[i]));
        json_num(s, "beta_market", m->beta_market[i]);
        json_num(s, "momentum_loading", m->momentum_loading[i]);
        json_num(s, "half_life_bars", m->reversion_half_life[i]);
        json_num(s, "idio_vol", m->idio_vol[i]);
        json_num(s, "start_price", m->start_price[i]);
        cJSON_AddItemToArray(arr, s);
    }
    return arr;
}

static cJSON *json_pairs(const qc_synth_market *m) {
    cJSON *arr = cJSON_CreateArray();
    for (size_t p = 0; p < m->n_pairs; p++) {
        const qc_synth_pair *pr = &m->pairs[p];
        cJSON *s = cJSON_CreateObject();
        cJSON_AddStringToObject(s, "a", m->symbols[pr->a]);
        cJSON_AddStringToObject(s, "b", m->symbols[pr->b]);
        json_num(s, "hedge_ratio", pr->beta);
        json_num(s, "intercept", pr->alpha);
        json_num(s, "half_life_bars", pr->half_life_bars);
        json_num(s, "spread_sigma", pr->spread_sigma);
        cJSON_AddItemToArray(arr, s);
    }
    return arr;
}

static cJSON *json_tick_symbol(const qc_synth_market *m, size_t i) {
    cJSON *s = cJSON_CreateObject();
    size_t n = m->n_trades[i], buys = 0;
    double spread_bps = 0.0;
    for (size_t j = 0; j < n; j++) {
        const qc_quote *q = &m->quotes[i][j];
        buys += m->trades[i][j].aggressor > 0;
        spread_bps += 2e4 * (q->ask - q->bid) / (q->ask + q->bid);
    }
    cJSON_AddStringToObject(s, "symbol", m->symbols[i]);
    cJSON_AddNumberToObject(s, "n_trades", (double)n);
    cJSON_AddNumberToObject(s, "n_quotes", (double)m->n_quotes[i]);
    json_num(s, "buy_share", n ? (double)buys / (double)n : 0.0);
    json_num(s, "mean_spread_bps", n ? spread_bps / (double)n : 0.0);
    if (n) {
        json_ts(s, "first_ts", m->quotes[i][0].ts);
        json_ts(s, "last_ts", m->trades[i][n - 1].ts);
    }
    return s;
}

static cJSON *json_ticks(const qc_synth_market *m) {
    cJSON *j = cJSON_CreateObject(), *arr = cJSON_CreateArray();
    cJSON_AddNumberToObject(j, "ticks_per_bar", (double)(m->n_tick_symbols ? m->opts.ticks_per_bar : 0));
    json_num(j, "ofi_rho", k_ticks.ofi_rho);
    json_num(j, "ofi_impact", k_ticks.ofi_impact);
    json_num(j, "ofi_logit", k_ticks.ofi_logit);
    cJSON_AddItemToObject(j, "spread_bps", json_pair2(k_ticks.spread_bps[0], k_ticks.spread_bps[1]));
    for (size_t i = 0; i < m->n_tick_symbols; i++) cJSON_AddItemToArray(arr, json_tick_symbol(m, i));
    cJSON_AddItemToObject(j, "symbols", arr);
    return j;
}

static cJSON *json_manifest(const qc_synth_market *m) {
    char seed[32];
    cJSON *j = cJSON_CreateObject();
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)m->opts.seed);
    cJSON_AddStringToObject(j, "generator", "quantcli-synth");
    cJSON_AddNumberToObject(j, "format_version", 1);
    cJSON_AddItemToObject(j, "seed", cJSON_CreateRaw(seed)); /* exact integer, even above 2^53 */
    cJSON_AddItemToObject(j, "options", json_options(m));
    json_ts(j, "first_ts", m->bars[0].ts[0]);
    json_ts(j, "last_ts", m->bars[0].ts[m->n_bars - 1]);
    json_num(j, "bars_per_session", m->bars_per_session);
    json_num(j, "sessions_per_year", m->sessions_per_year);
    cJSON_AddItemToObject(j, "regime", json_regime(m));
    cJSON_AddItemToObject(j, "momentum_factor", json_momentum(m));
    cJSON_AddItemToObject(j, "symbols", json_symbols(m));
    cJSON_AddItemToObject(j, "pairs", json_pairs(m));
    cJSON_AddItemToObject(j, "ticks", json_ticks(m));
    return j;
}

qc_err qc_synth_manifest_json(const qc_synth_market *m, char **json, qc_error *err) {
    if (!m || !json) return qc_err_set(err, QC_ERR_INPUT, "synth: no market or output for the manifest");
    *json = NULL;
    cJSON *root = json_manifest(m);
    if (root) *json = cJSON_Print(root);
    cJSON_Delete(root);
    /* cJSON's builders swallow allocation failures; a missing document or path is the one sign */
    if (!*json || !strstr(*json, "\"path\"")) {
        free(*json);
        *json = NULL;
        return qc_err_set(err, QC_ERR_NOMEM, "synth: out of memory writing the manifest");
    }
    return QC_OK;
}
