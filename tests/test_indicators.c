/* test_indicators.c: the technical-indicator library (src/features/indicators.h).
 * - the registry table itself (>= 60 indicators, unique names, sane parameters and outputs);
 * - batch == streaming, bit for bit, for every indicator on a long random OHLCV series, with its
 *   default parameters and a second set;
 * - warm-up: exactly lookback() leading NaNs per output, no NaN afterwards;
 * - TTR goldens on real data (tests/golden/ttr_*.csv from gen_indicators_ttr.R, py_stats.csv from
 *   gen_indicators_py.py): every column, 1e-9 relative (values much smaller than the column's
 *   largest are judged against 1e-3 of it, so an oscillator crossing zero is judged on its scale);
 * - oscillators and ratios unchanged when prices are scaled by 1e-8 and 1e8 (TRAPS.md: absolute
 *   epsilons collapse oscillators on tiny prices);
 * - running sums do not drift: 4M bars, compared with long-double sums of the window;
 * - the spec parser: labels, defaults, and one clear error per bad item. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "features/indicators.h"
#include "features/rolling.h"
#include "features/simd.h"

/* ---- data ---------------------------------------------------------------------------------------- */
typedef struct {
    size_t n;
    double *o, *h, *l, *c, *v, *x;
} series;

static void series_alloc(series *s, size_t n) {
    s->n = n;
    s->o = malloc(n * sizeof(double)), s->h = malloc(n * sizeof(double)), s->l = malloc(n * sizeof(double));
    s->c = malloc(n * sizeof(double)), s->v = malloc(n * sizeof(double)), s->x = malloc(n * sizeof(double));
    assert_non_null(s->o), assert_non_null(s->h), assert_non_null(s->l);
    assert_non_null(s->c), assert_non_null(s->v), assert_non_null(s->x);
}
static void series_free(series *s) { free(s->o), free(s->h), free(s->l), free(s->c), free(s->v), free(s->x); }

static uint64_t g_rng = 0x9E3779B97F4A7C15ull;
static double urand(void) {
    g_rng ^= g_rng << 13, g_rng ^= g_rng >> 7, g_rng ^= g_rng << 17;
    return (double)(g_rng >> 11) / 9007199254740992.0;
}

/* A random walk of consistent OHLCV bars around level, and an independent second series. */
static void random_series(series *s, size_t n, double level) {
    series_alloc(s, n);
    double p = level, q = level;
    for (size_t i = 0; i < n; i++) {
        double o = p * (1 + 0.002 * (urand() - 0.5));
        p *= 1 + 0.02 * (urand() - 0.5);
        q *= 1 + 0.02 * (urand() - 0.5);
        s->o[i] = o, s->c[i] = p;
        s->h[i] = fmax(o, p) * (1 + 0.01 * urand());
        s->l[i] = fmin(o, p) * (1 - 0.01 * urand());
        s->v[i] = 1000 + floor(100000 * urand());
        s->x[i] = q;
    }
}

static qc_ind_cols cols_of(const series *s) { return (qc_ind_cols){s->o, s->h, s->l, s->c, s->v, s->x}; }

/* The real data: R's ttrc (tests/golden/ttrc_ohlcv.csv), "other" = its volume. */
static void load_ttrc(series *s) {
    char path[512];
    snprintf(path, sizeof path, "%s/golden/ttrc_ohlcv.csv", QC_TEST_DIR);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    series_alloc(s, 6000);
    char line[256];
    size_t n = 0;
    assert_non_null(fgets(line, sizeof line, f));
    while (fgets(line, sizeof line, f) && n < 6000) {
        char *p = strchr(line, ',');
        assert_non_null(p);
        s->o[n] = strtod(p + 1, &p), s->h[n] = strtod(p + 1, &p), s->l[n] = strtod(p + 1, &p);
        s->c[n] = strtod(p + 1, &p), s->v[n] = strtod(p + 1, &p);
        s->x[n] = s->v[n];
        n++;
    }
    fclose(f);
    s->n = n;
    assert_int_equal(n, 5550);
}

/* Runs def on s in batch; out[k] freshly allocated. */
static double **run_batch(const qc_ind_def *d, const double *p, const series *s) {
    double **out = calloc(QC_IND_MAX_OUTPUTS, sizeof *out);
    for (size_t k = 0; k < d->n_outputs; k++) out[k] = malloc(s->n * sizeof(double));
    qc_ind_cols c = cols_of(s);
    qc_error err = {0};
    qc_err rc = qc_ind_batch(d, p, &c, s->n, out, &err);
    if (rc) fail_msg("%s: %s", d->name, err.msg);
    return out;
}
static void free_out(double **out) {
    for (size_t k = 0; k < QC_IND_MAX_OUTPUTS; k++) free(out[k]);
    free(out);
}

static int same_bits(double a, double b) { return (isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof a) == 0; }

/* ---- the table ---------------------------------------------------------------------------------- */
static void test_registry(void **st) {
    (void)st;
    size_t n = qc_ind_count();
    assert_true(n >= 60);
    for (size_t i = 0; i < n; i++) {
        const qc_ind_def *d = qc_ind_at(i);
        assert_non_null(d->name);
        assert_ptr_equal(qc_ind_find(d->name), d);
        for (size_t j = 0; j < i; j++) assert_string_not_equal(qc_ind_at(j)->name, d->name);
        assert_true(d->n_outputs >= 1 && d->n_outputs <= QC_IND_MAX_OUTPUTS);
        assert_true(d->n_params <= QC_IND_MAX_PARAMS);
        assert_true(d->inputs != 0);
        assert_string_not_equal(qc_ind_inputs_name(d->inputs), "?");
        assert_true(strlen(d->desc) > 10);
        double p[QC_IND_MAX_PARAMS];
        for (size_t j = 0; j < d->n_params; j++) p[j] = d->params[j].def;
        qc_error err = {0};
        if (qc_ind_check_params(d, p, &err)) fail_msg("%s defaults: %s", d->name, err.msg);
        for (size_t k = 0; k < d->n_outputs; k++) assert_non_null(d->outputs[k]);
    }
    assert_null(qc_ind_find("nope"));
}

/* The second parameter set: half of each default (whole numbers rounded up), within range. */
static int alt_params(const qc_ind_def *d, double *p) {
    for (size_t j = 0; j < d->n_params; j++) {
        const qc_ind_param *q = &d->params[j];
        double v = q->is_int ? ceil(q->def / 2) : q->def / 2;
        p[j] = v < q->min ? q->min : v;
    }
    qc_error err = {0};
    return qc_ind_check_params(d, p, &err) == QC_OK;
}

/* The stream over s gives the bits of the batch outputs b, row by row (`how` names the batch's
 * setting in the failure message). */
static void assert_stream_bits(const qc_ind_def *d, const double *p, const series *s, double *const *b,
                               const char *how) {
    qc_ind *ind;
    qc_error err = {0};
    assert_int_equal(qc_ind_new(d, p, &ind, &err), QC_OK);
    double o[QC_IND_MAX_OUTPUTS];
    for (size_t i = 0; i < s->n; i++) {
        qc_ind_bar bar = {s->o[i], s->h[i], s->l[i], s->c[i], s->v[i], s->x[i]};
        qc_ind_update(ind, &bar, o);
        for (size_t k = 0; k < d->n_outputs; k++)
            if (!same_bits(o[k], b[k][i]))
                fail_msg("%s output %s row %zu%s: stream %.17g batch %.17g", d->name, d->outputs[k], i, how, o[k],
                         b[k][i]);
    }
    qc_ind_free(ind);
}

/* Batch == stream bit for bit; returns the batch outputs (caller frees). */
static double **check_bits(const qc_ind_def *d, const double *p, const series *s) {
    double **b = run_batch(d, p, s);
    assert_stream_bits(d, p, s, b, "");
    return b;
}

static void check_stream(const qc_ind_def *d, const double *p, const series *s) {
    double **b = check_bits(d, p, s);
    /* warm-up: exactly lookback NaNs, then numbers */
    for (size_t k = 0; k < d->n_outputs; k++) {
        size_t lb = qc_ind_lookback(d, p, k), i = 0;
        while (i < s->n && isnan(b[k][i])) i++;
        if (i != lb) fail_msg("%s output %s: %zu leading NaNs, lookback says %zu", d->name, d->outputs[k], i, lb);
        for (; i < s->n; i++)
            if (!isfinite(b[k][i])) fail_msg("%s output %s: row %zu is %g after the warm-up", d->name, d->outputs[k], i, b[k][i]);
    }
    free_out(b);
}

/* On every vector path this CPU has (features/simd.h: the batch kernels' AVX-512, AVX2 and SSE2
 * copies must all give the stream's bits). */
static void test_batch_equals_stream(void **st) {
    (void)st;
    series s;
    random_series(&s, 30000, 50);
    for (int path = 0; path < 3; path++) {
        if (!qc_feat_simd_has(path)) continue;
        qc_feat_simd_force(path);
        assert_int_equal(qc_feat_simd_path(), path);
        for (size_t i = 0; i < qc_ind_count(); i++) {
            const qc_ind_def *d = qc_ind_at(i);
            double p[QC_IND_MAX_PARAMS];
            for (size_t j = 0; j < d->n_params; j++) p[j] = d->params[j].def;
            check_stream(d, p, &s);
            if (d->n_params && alt_params(d, p)) check_stream(d, p, &s);
        }
    }
    qc_feat_simd_force(-1);
    series_free(&s);
}

/* Every indicator built on the rolling extremes, windows from 1 to longer than a batch chunk
 * (ichimoku's three windows grow together): batch == stream bit for bit (flat windows may give 0/0,
 * as vhf does: bits only). */
static const double k_ext_windows[] = {1, 2, 3, 7, 20, 513, 700};
static void check_extremes_family(const series *s) {
    static const char *names[] = {"min", "max", "willr", "donchian", "stoch", "aroon", "ichimoku", "vhf"};
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
        for (size_t j = 0; j < sizeof k_ext_windows / sizeof k_ext_windows[0]; j++) {
            const qc_ind_def *d = qc_ind_find(names[k]);
            double p[QC_IND_MAX_PARAMS];
            for (size_t q = 0; q < d->n_params; q++) p[q] = d->params[q].def;
            p[0] = k_ext_windows[j];
            if (strcmp(names[k], "ichimoku") == 0) p[1] = p[0] + 1, p[2] = 2 * p[0];
            free_out(check_bits(d, p, s));
        }
}

/* The batch kernels of the rolling extremes (block maxima, not the stream's deque) on prices full of
 * ties (three levels), with windows from 1 to longer than a batch chunk: the same values and the
 * same ages (aroon counts bars since the newest of equal extremes). */
static void test_extremes_with_ties(void **st) {
    (void)st;
    series s;
    random_series(&s, 3000, 50);
    for (size_t i = 0; i < s.n; i++) {
        double u = floor(urand() * 3), w = floor(urand() * 3);
        s.c[i] = 10 + u, s.h[i] = 12 + w, s.l[i] = 8 + floor(urand() * 3);
        s.o[i] = s.c[i];
    }
    check_extremes_family(&s);
    series_free(&s);
}

/* The NaN rule of the rolling extremes (docs/FEATURES.md): a window holding a NaN has a NaN extreme
 * (and no age), the windows after it are the extremes of their numbers. NaNs sprinkled into high,
 * low and close (singles and runs, some at chunk edges), windows from 1 to longer than a chunk, on
 * every vector path: batch == stream bit for bit for every indicator built on the extremes, and
 * max/min equal a naive scan under that rule. */
static void nan_series(series *s) {
    random_series(s, 3000, 50);
    double *cols[] = {s->h, s->l, s->c};
    for (size_t i = 0; i < s->n; i++)
        for (int k = 0; k < 3; k++)
            if (urand() < 0.01) cols[k][i] = NAN;
    for (size_t i = 1000; i < 1030; i++) s->h[i] = NAN; /* a run, and a chunk edge (512) */
    s->l[511] = s->l[512] = s->c[1024] = NAN;
}
static void check_naive_ext(const series *s, size_t n, int is_min) {
    double p[1] = {(double)n};
    double **b = run_batch(qc_ind_find(is_min ? "min" : "max"), p, s);
    for (size_t i = n - 1; i < s->n; i++) {
        double m = is_min ? INFINITY : -INFINITY;
        int nan = 0;
        for (size_t j = i + 1 - n; j <= i; j++) {
            double x = s->c[j];
            nan |= isnan(x);
            m = is_min ? (x < m ? x : m) : (x > m ? x : m);
        }
        if (nan ? !isnan(b[0][i]) : !same_bits(m, b[0][i]))
            fail_msg("%s(%zu) row %zu: %.17g, expected %.17g", is_min ? "min" : "max", n, i, b[0][i], nan ? NAN : m);
    }
    free_out(b);
}
static void test_extremes_with_nans(void **st) {
    (void)st;
    series s;
    nan_series(&s);
    static const double ich[][3] = {{9, 26, 52}, {1, 2, 3}, {9, 26, 65}, {64, 100, 513}};
    for (int path = 0; path < 3; path++) {
        if (!qc_feat_simd_has(path)) continue;
        qc_feat_simd_force(path);
        check_extremes_family(&s);
        for (size_t k = 0; k < sizeof ich / sizeof ich[0]; k++) free_out(check_bits(qc_ind_find("ichimoku"), ich[k], &s));
    }
    qc_feat_simd_force(-1);
    for (size_t j = 0; j < sizeof k_ext_windows / sizeof k_ext_windows[0]; j++)
        check_naive_ext(&s, (size_t)k_ext_windows[j], 0), check_naive_ext(&s, (size_t)k_ext_windows[j], 1);
    series_free(&s);
}

/* Batch kernels with more than one path or segmenting by window: ichimoku's doubling levels (all
 * windows <= 64) and block extremes (a longer one), each on prices with ties and on zeros of both
 * signs (the newest of equal values wins in both, as in the stream's deque); the kernels with
 * windowed sums over buffers or columns (moments, wsum_run, wlin_run: hma, ultosc, stoch, vol_*)
 * and the co-moments (wcov_run: corr, autocorr) with a window of 300, longer than the re-summation
 * interval (256), so re-summations fall anywhere
 * in a chunk and read the history before it. Batch == stream bit for bit. */
static void test_kernel_paths(void **st) {
    (void)st;
    series s;
    random_series(&s, 5000, 50);
    static const double ich[][3] = {{9, 26, 52}, {9, 26, 64}, {9, 26, 65}, {1, 2, 3}, {64, 64, 64}};
    const qc_ind_def *d = qc_ind_find("ichimoku");
    for (size_t k = 0; k < sizeof ich / sizeof ich[0]; k++) free_out(check_bits(d, ich[k], &s));
    series z;
    random_series(&z, 3000, 50);
    for (size_t i = 0; i < z.n; i++) {
        double u = urand();
        z.h[i] = u < 0.3 ? 0.0 : u < 0.6 ? -0.0 : 1;
        u = urand();
        z.l[i] = u < 0.3 ? 0.0 : u < 0.6 ? -0.0 : -1;
    }
    for (size_t k = 0; k < sizeof ich / sizeof ich[0]; k++) free_out(check_bits(d, ich[k], &z));
    static const char *mom[] = {"bbands", "stdev", "var", "zscore", "volz", "skew", "kurt", "hma", "ultosc", "stoch",
                                "vol_cc", "vol_parkinson", "vol_gk", "vol_rs", "vol_yz", "logret", "corr", "autocorr"};
    for (size_t k = 0; k < sizeof mom / sizeof mom[0]; k++) {
        double p[QC_IND_MAX_PARAMS];
        const qc_ind_def *m = qc_ind_find(mom[k]);
        for (size_t q = 0; q < m->n_params; q++) p[q] = m->params[q].def;
        p[0] = 300;
        check_stream(m, p, &s);
    }
    /* hma's fused loop (all three WMAs full) with the shortest windows: half and outer windows of 1 */
    static const double hn[] = {2, 3, 4, 5, 17};
    for (size_t k = 0; k < sizeof hn / sizeof hn[0]; k++) check_stream(qc_ind_find("hma"), hn + k, &s);
    series_free(&z), series_free(&s);
}

/* Kernels that cut their chunks at the output column's cache lines (so wide stores do not straddle
 * them): outputs starting at every offset of a 64-byte line, alone and with the columns at different
 * offsets, lengths shorter and longer than the first (partial) chunk, every vector path: the stream's
 * bits. */
static void check_bits_at(const qc_ind_def *d, const double *p, const series *s, size_t off, int mixed) {
    double *mem[QC_IND_MAX_OUTPUTS] = {0}, *out[QC_IND_MAX_OUTPUTS] = {0};
    for (size_t k = 0; k < d->n_outputs; k++) {
        mem[k] = aligned_alloc(64, (s->n + 16) * sizeof(double) + 64 - ((s->n + 16) * sizeof(double)) % 64);
        out[k] = mem[k] + (mixed ? (off + 3 * k) % 8 : off);
    }
    qc_ind_cols c = cols_of(s);
    qc_error err = {0};
    assert_int_equal(qc_ind_batch(d, p, &c, s->n, out, &err), QC_OK);
    char how[48];
    snprintf(how, sizeof how, " (offset %zu%s)", off, mixed ? ", mixed" : "");
    assert_stream_bits(d, p, s, out, how);
    for (size_t k = 0; k < d->n_outputs; k++) free(mem[k]);
}
static void test_output_alignment(void **st) {
    (void)st;
    static const char *names[] = {"ichimoku", "aroon", "corr", "autocorr", "ultosc", "vol_yz", "vol_rs", "vol_gk", "vol_parkinson",
                                  "adx", "stoch"};
    static const size_t lens[] = {3, 7, 300, 2000};
    for (int path = 0; path < 3; path++) {
        if (!qc_feat_simd_has(path)) continue;
        qc_feat_simd_force(path);
        for (size_t q = 0; q < sizeof lens / sizeof lens[0]; q++) {
            series s;
            random_series(&s, lens[q], 50);
            if (q == 3) s.h[700] = NAN, s.l[1300] = NAN; /* the NaN rule across the shifted chunks */
            for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
                const qc_ind_def *d = qc_ind_find(names[k]);
                double p[QC_IND_MAX_PARAMS];
                for (size_t j = 0; j < d->n_params; j++) p[j] = d->params[j].def;
                for (size_t off = 0; off < 8; off++) check_bits_at(d, p, &s, off, 0), check_bits_at(d, p, &s, off, 1);
            }
            series_free(&s);
        }
    }
    qc_feat_simd_force(-1);
}

/* ---- goldens ------------------------------------------------------------------------------------- */
/* Splits one CSV line into cells (RFC 4180 quotes, no embedded quotes needed here). */
static size_t split_csv(char *line, char **cells, size_t max) {
    size_t n = 0;
    char *p = line;
    line[strcspn(line, "\r\n")] = '\0';
    while (n < max) {
        if (*p == '"') {
            cells[n++] = ++p;
            p = strchr(p, '"');
            assert_non_null(p);
            *p++ = '\0';
        } else {
            cells[n++] = p;
            p += strcspn(p, ",");
        }
        if (*p != ',') break;
        *p++ = '\0';
    }
    return n;
}

/* Finds the indicator and output a golden column names; computes it over the real data. */
static double *golden_column(const char *name, const series *s, double ***keep) {
    char label[128];
    snprintf(label, sizeof label, "%s", name);
    const char *field = NULL;
    char *close = strrchr(label, ')');
    char *dot = close ? strchr(close, '.') : strchr(label, '.');
    if (dot) *dot = '\0', field = dot + 1;
    qc_ind_spec *items;
    size_t n;
    qc_error err = {0};
    if (qc_ind_spec_parse(label, &items, &n, &err)) fail_msg("golden column '%s': %s", name, err.msg);
    assert_int_equal(n, 1);
    if (strcmp(items[0].label, label) != 0) fail_msg("golden column '%s' is not canonical ('%s')", label, items[0].label);
    const qc_ind_def *d = items[0].def;
    size_t k = 0;
    if (field) {
        while (k < d->n_outputs && strcmp(d->outputs[k], field) != 0) k++;
        if (k == d->n_outputs) fail_msg("golden column '%s': %s has no output '%s'", name, d->name, field);
    } else if (d->n_outputs != 1) {
        fail_msg("golden column '%s' names no output", name);
    }
    *keep = run_batch(d, items[0].p, s);
    free(items);
    return (*keep)[k];
}

static void check_golden(const char *file) {
    series s;
    load_ttrc(&s);
    char path[512];
    snprintf(path, sizeof path, "%s/golden/%s", QC_TEST_DIR, file);
    FILE *f = fopen(path, "r");
    if (!f) fail_msg("cannot open %s", path);
    static char line[65536];
    char *cells[128];
    assert_non_null(fgets(line, sizeof line, f));
    size_t nc = split_csv(line, cells, 128);
    double *col[128];
    double **keep[128];
    char *names[128];
    for (size_t j = 1; j < nc; j++) {
        names[j] = strdup(cells[j]);
        col[j] = golden_column(cells[j], &s, &keep[j]);
    }
    /* values of each column, for its scale */
    double scale[128] = {0};
    long pos = ftell(f);
    while (fgets(line, sizeof line, f)) {
        size_t m = split_csv(line, cells, 128);
        for (size_t j = 1; j < m; j++)
            if (cells[j][0]) scale[j] = fmax(scale[j], fabs(strtod(cells[j], NULL)));
    }
    fseek(f, pos, SEEK_SET);
    size_t checked = 0;
    while (fgets(line, sizeof line, f)) {
        size_t m = split_csv(line, cells, 128);
        assert_int_equal(m, nc);
        size_t i = (size_t)atol(cells[0]);
        assert_true(i < s.n);
        for (size_t j = 1; j < nc; j++) {
            double ours = col[j][i];
            if (!cells[j][0]) {
                if (!isnan(ours)) fail_msg("%s %s row %zu: golden NA, ours %.17g", file, names[j], i, ours);
                continue;
            }
            double g = strtod(cells[j], NULL), tol = 1e-9 * fmax(fabs(g), 1e-3 * scale[j]);
            if (!(fabs(ours - g) <= tol)) fail_msg("%s %s row %zu: golden %.17g, ours %.17g", file, names[j], i, g, ours);
            checked++;
        }
    }
    assert_true(checked > 1000);
    fclose(f);
    for (size_t j = 1; j < nc; j++) free_out(keep[j]), free(names[j]);
    series_free(&s);
}

static void test_golden_trend(void **st) { (void)st; check_golden("ttr_trend.csv"); }
static void test_golden_momentum(void **st) { (void)st; check_golden("ttr_momentum.csv"); }
static void test_golden_volatility(void **st) { (void)st; check_golden("ttr_volatility.csv"); }
static void test_golden_volume(void **st) { (void)st; check_golden("ttr_volume.csv"); }
static void test_golden_stats(void **st) { (void)st; check_golden("ttr_stats.csv"); }
static void test_golden_py(void **st) { (void)st; check_golden("py_stats.csv"); }

/* Every indicator whose value does not depend on the price level (oscillators, ratios, returns). */
static void test_scale_invariance(void **st) {
    (void)st;
    static const char *names[] = {"rsi", "stoch", "willr", "cci", "cmo", "adx", "ultosc", "mfi", "ppo", "trix", "tsi",
                                  "aroon", "roc", "ret", "logret", "nma", "zscore", "rank", "autocorr", "vhf", "cmf",
                                  "clv", "natr", "vol_cc", "vol_parkinson", "vol_gk", "vol_rs", "vol_yz", "skew",
                                  "kurt", "hurst", "chaikin_vol", "corr"};
    series s, t;
    random_series(&s, 3000, 50);
    series_alloc(&t, s.n);
    static const double scales[] = {1e-8, 1e8};
    for (size_t si = 0; si < 2; si++) {
        double m = scales[si];
        for (size_t i = 0; i < s.n; i++)
            t.o[i] = s.o[i] * m, t.h[i] = s.h[i] * m, t.l[i] = s.l[i] * m, t.c[i] = s.c[i] * m, t.v[i] = s.v[i],
            t.x[i] = s.x[i] * m;
        for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
            const qc_ind_def *d = qc_ind_find(names[k]);
            assert_non_null(d);
            double p[QC_IND_MAX_PARAMS];
            for (size_t j = 0; j < d->n_params; j++) p[j] = d->params[j].def;
            double **a = run_batch(d, p, &s), **b = run_batch(d, p, &t);
            for (size_t o = 0; o < d->n_outputs; o++)
                for (size_t i = 0; i < s.n; i++) {
                    double x = a[o][i], y = b[o][i];
                    if (isnan(x) && isnan(y)) continue;
                    if (!(fabs(x - y) <= 1e-7 * fmax(1, fabs(x))))
                        fail_msg("%s.%s at scale %g row %zu: %.17g vs %.17g", d->name, d->outputs[o], m, i, x, y);
                }
            free_out(a), free_out(b);
        }
    }
    series_free(&s), series_free(&t);
}

/* ---- drift: running sums against long-double window sums over 4M bars ----------------------------- */
static void test_no_drift(void **st) {
    (void)st;
    const size_t n = 4000000, w = 20;
    series s;
    series_alloc(&s, n);
    double p = 10000;
    for (size_t i = 0; i < n; i++) {
        p += 0.01 * floor(200 * (urand() - 0.5)); /* cents: a level far above the moves */
        if (p < 100) p = 100;
        s.o[i] = s.h[i] = s.l[i] = s.c[i] = p, s.v[i] = 1000 + floor(1000 * urand()), s.x[i] = p + 5 * urand();
    }
    static const char *names[] = {"sma", "stdev", "wma", "linreg", "corr", "zscore"};
    double *res[6][QC_IND_MAX_OUTPUTS];
    double **keep[6];
    for (size_t k = 0; k < 6; k++) {
        const qc_ind_def *d = qc_ind_find(names[k]);
        double pp[1] = {(double)w};
        keep[k] = run_batch(d, pp, &s);
        for (size_t o = 0; o < d->n_outputs; o++) res[k][o] = keep[k][o];
    }
    for (size_t i = n - 3000; i < n; i += 7) {
        long double sx = 0, sxx = 0, sy = 0, syy = 0, sxy = 0, swx = 0, st_ = 0, stt = 0, stx = 0;
        for (size_t j = 0; j < w; j++) {
            long double x = s.c[i - w + 1 + j], y = s.x[i - w + 1 + j], t = j;
            sx += x, sxx += x * x, sy += y, syy += y * y, sxy += x * y, swx += (j + 1) * x;
            st_ += t, stt += t * t, stx += t * x;
        }
        long double N = w, mean = sx / N, var = (sxx - sx * sx / N) / (N - 1);
        long double wma = swx / (N * (N + 1) / 2), slope = (N * stx - st_ * sx) / (N * stt - st_ * st_);
        long double corr = (sxy - sx * sy / N) / sqrtl((sxx - sx * sx / N) * (syy - sy * sy / N));
        long double z = (s.c[i] - mean) / sqrtl(var);
        double sd = (double)sqrtl(var);
        if (fabs(res[0][0][i] - (double)mean) > 1e-12 * (double)mean) fail_msg("sma drift at %zu", i);
        if (fabs(res[1][0][i] - sd) > 1e-9 * sd) fail_msg("stdev drift at %zu: %.17g vs %.17g", i, res[1][0][i], sd);
        if (fabs(res[2][0][i] - (double)wma) > 1e-12 * (double)wma) fail_msg("wma drift at %zu", i);
        if (fabs(res[3][0][i] - (double)slope) > 1e-9 * sd) fail_msg("linreg slope drift at %zu", i);
        if (fabs(res[4][0][i] - (double)corr) > 1e-9) fail_msg("corr drift at %zu: %.17g vs %.17g", i, res[4][0][i], (double)corr);
        if (fabs(res[5][0][i] - (double)z) > 1e-9 * fmax(1, fabs((double)z))) fail_msg("zscore drift at %zu", i);
    }
    for (size_t k = 0; k < 6; k++) free_out(keep[k]);
    series_free(&s);
}

/* obv and ad are cumulative: compensated sums keep them exact over millions of bars. */
static void test_cumulative_exact(void **st) {
    (void)st;
    const size_t n = 2000000;
    series s;
    series_alloc(&s, n);
    for (size_t i = 0; i < n; i++) {
        s.c[i] = s.o[i] = 100 + (double)(i % 7), s.h[i] = s.c[i] + 1, s.l[i] = s.c[i] - 1;
        s.v[i] = 0.1 + (double)(i % 13); /* 0.1 is inexact: plain sums would drift */
        s.x[i] = 0;
    }
    double **a = run_batch(qc_ind_find("obv"), NULL, &s);
    long double ref = s.v[0];
    for (size_t i = 1; i < n; i++) ref += s.c[i] > s.c[i - 1] ? s.v[i] : s.c[i] < s.c[i - 1] ? -(long double)s.v[i] : 0;
    assert_true(fabs(a[0][n - 1] - (double)ref) <= 1e-12 * fabs((double)ref));
    free_out(a);
    series_free(&s);
}

/* ---- spec parser ---------------------------------------------------------------------------------- */
static void expect_spec_error(const char *spec, const char *needle) {
    qc_ind_spec *items = NULL;
    size_t n = 0;
    qc_error err = {0};
    assert_int_equal(qc_ind_spec_parse(spec, &items, &n, &err), QC_ERR_INPUT);
    assert_null(items);
    if (!strstr(err.msg, needle)) fail_msg("spec '%s': error '%s' lacks '%s'", spec, err.msg, needle);
}

static void test_spec(void **st) {
    (void)st;
    qc_ind_spec *it;
    size_t n;
    qc_error err = {0};
    assert_int_equal(qc_ind_spec_parse("sma(20), rsi(14),macd(12,26,9) ,bbands(20,2),atr(14),adx(14),stoch(14,3,3),obv,"
                                       "ema,macd(5),sar(0.01)",
                                       &it, &n, &err),
                     QC_OK);
    assert_int_equal(n, 11);
    assert_string_equal(it[0].label, "sma(20)");
    assert_string_equal(it[2].label, "macd(12,26,9)");
    assert_string_equal(it[7].label, "obv");
    assert_string_equal(it[8].label, "ema(20)");
    assert_string_equal(it[9].label, "macd(5,26,9)");
    assert_string_equal(it[10].label, "sar(0.01,0.2)");
    char buf[128];
    qc_ind_column_name(&it[2], 1, buf, sizeof buf);
    assert_string_equal(buf, "macd(12,26,9).signal");
    qc_ind_column_name(&it[6], 2, buf, sizeof buf);
    assert_string_equal(buf, "stoch(14,3,3).slow_d");
    qc_ind_column_name(&it[0], 0, buf, sizeof buf);
    assert_string_equal(buf, "sma(20)");
    free(it);
    expect_spec_error("", "spec item 1");
    expect_spec_error("sma(20),foo(3)", "spec item 2 'foo(3)' (at character 9): unknown indicator 'foo'");
    expect_spec_error("sma(20),", "spec item 2");
    expect_spec_error("sma(x)", "parameter 'n': not a number");
    expect_spec_error("sma(0)", "outside");
    expect_spec_error("sma(2.5)", "whole number");
    expect_spec_error("sma(20,3)", "at most 1 parameter");
    expect_spec_error("macd(26,12)", "fast must be < slow");
    expect_spec_error("sma(20", "expected ',' or ')'");
    expect_spec_error("rsi(14) x", "expected ','");
    expect_spec_error("SMA(20)", "expected an indicator name");
    expect_spec_error("sma(nan)", "not a number");
}

/* sma, mean and wma sum their windows in blocks of n (ind_internal.h, wblk): the batch runs
 * the chains of several blocks at once in lanes, block 0, the blocks the lanes leave over and a
 * partial last block through the stream's push. Windows 1 to 1000 on lengths at the block and lane
 * edges: the stream's bits, and the values within 1e-12 of long-double sums of each window (no
 * cancellation on positive prices). Then one series longer than WBLK_NT_MIN, where the lanes store
 * their outputs past the caches: the stream's bits there too. */
static void check_block_window(const series *s, size_t n) {
    static const char *names[] = {"sma", "mean", "wma"};
    double p[1] = {(double)n};
    double **b[3];
    for (int k = 0; k < 3; k++) b[k] = check_bits(qc_ind_find(names[k]), p, s);
    for (size_t i = n - 1; i < s->n; i += 1 + i % 5) {
        long double sx = 0, swx = 0;
        for (size_t j = 0; j < n; j++) sx += s->c[i - n + 1 + j], swx += (long double)(j + 1) * s->c[i - n + 1 + j];
        double mean = (double)(sx / n), wma = (double)(swx / ((long double)n * (n + 1) / 2));
        if (fabs(b[0][0][i] - mean) > 1e-12 * mean) fail_msg("sma(%zu) row %zu: %.17g vs %.17g", n, i, b[0][0][i], mean);
        if (!same_bits(b[1][0][i], b[0][0][i])) fail_msg("mean(%zu) row %zu differs from sma", n, i);
        if (fabs(b[2][0][i] - wma) > 1e-12 * wma) fail_msg("wma(%zu) row %zu: %.17g vs %.17g", n, i, b[2][0][i], wma);
    }
    for (int k = 0; k < 3; k++) free_out(b[k]);
}

static void test_block_sums(void **st) {
    (void)st;
    static const size_t ns[] = {1, 2, 3, 4, 5, 7, 20, 64, 97, 300, 1000};
    series s;
    random_series(&s, 30000, 50);
    const size_t full = s.n;
    for (size_t a = 0; a < sizeof ns / sizeof ns[0]; a++) {
        size_t n = ns[a];
        size_t lens[] = {n, n + 1, 2 * n - 1, 5 * n, 5 * n + 1, 6 * n - 1, 9 * n + n / 2, 13 * n + 3, full};
        for (size_t q = 0; q < sizeof lens / sizeof lens[0]; q++) {
            s.n = lens[q] < full ? lens[q] : full;
            check_block_window(&s, n);
        }
    }
    s.n = full;
    series_free(&s);
    /* past the non-temporal threshold (4M values): close only, a cent-price walk */
    const size_t len = ((size_t)1 << 22) + 12345;
    double *c = malloc(len * sizeof *c);
    assert_non_null(c);
    double px = 10000;
    for (size_t i = 0; i < len; i++) px += 0.01 * floor(200 * (urand() - 0.5)), c[i] = px > 100 ? px : 100;
    series big = {len, c, c, c, c, c, c};
    static const size_t bn[] = {7, 20};
    static const char *bnames[] = {"sma", "wma"};
    for (int a = 0; a < 2; a++)
        for (int k = 0; k < 2; k++) {
            double p[1] = {(double)bn[a]};
            free_out(check_bits(qc_ind_find(bnames[k]), p, &big));
        }
    free(c);
}

/* The library's two SMAs agree: the fast kernel and rolling.h's exact one (used by sma_cross). */
static void test_two_smas_agree(void **st) {
    (void)st;
    series s;
    random_series(&s, 10000, 20);
    double *exact = malloc(s.n * sizeof(double));
    qc_sma_batch(s.c, s.n, 20, exact);
    double p[1] = {20};
    double **fast = run_batch(qc_ind_find("sma"), p, &s);
    for (size_t i = 0; i < s.n; i++)
        if (!(isnan(exact[i]) && isnan(fast[0][i])) && !(fabs(exact[i] - fast[0][i]) <= 1e-13 * exact[i]))
            fail_msg("row %zu: %.17g vs %.17g", i, exact[i], fast[0][i]);
    free(exact), free_out(fast), series_free(&s);
}

static void test_bad_inputs(void **st) {
    (void)st;
    qc_error err = {0};
    double p[1] = {20};
    double buf[10], *out[1] = {buf};
    qc_ind_cols c = {0};
    assert_int_equal(qc_ind_batch(qc_ind_find("atr"), p, &c, 10, out, &err), QC_ERR_INPUT);
    assert_non_null(strstr(err.msg, "needs the high series"));
    p[0] = 0;
    qc_ind *ind = NULL;
    assert_int_equal(qc_ind_new(qc_ind_find("sma"), p, &ind, &err), QC_ERR_INPUT);
    assert_null(ind);
    /* shorter than the warm-up: all NaN, no crash */
    double x[5] = {1, 2, 3, 4, 5};
    c.close = x;
    p[0] = 20;
    assert_int_equal(qc_ind_batch(qc_ind_find("sma"), p, &c, 5, out, &err), QC_OK);
    for (int i = 0; i < 5; i++) assert_true(isnan(buf[i]));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry),         cmocka_unit_test(test_spec),
        cmocka_unit_test(test_bad_inputs),       cmocka_unit_test(test_batch_equals_stream), cmocka_unit_test(test_extremes_with_ties),
        cmocka_unit_test(test_extremes_with_nans),
        cmocka_unit_test(test_kernel_paths),     cmocka_unit_test(test_output_alignment),
        cmocka_unit_test(test_golden_trend),     cmocka_unit_test(test_golden_momentum),
        cmocka_unit_test(test_golden_volatility), cmocka_unit_test(test_golden_volume),
        cmocka_unit_test(test_golden_stats),     cmocka_unit_test(test_golden_py),
        cmocka_unit_test(test_scale_invariance), cmocka_unit_test(test_two_smas_agree), cmocka_unit_test(test_block_sums),
        cmocka_unit_test(test_no_drift),         cmocka_unit_test(test_cumulative_exact),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
