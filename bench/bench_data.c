/* bench_data.c: one-core throughput of the market-data path against the seed's targets: CSV parse
 * >= 2M rows/s, SQLite ingest >= 500k bars/s, load >= 5M bars/s. It builds a realistic OHLCV file
 * in memory (a mean-reverting random walk, prices with 2-4 decimals, 1-minute ISO stamps, plus a
 * daily file of NYSE sessions), then times qc_csv_parse, a one-transaction qc_store_put_bars into a
 * fresh database, an unchanged re-import, and qc_store_load_bars. Each figure is the median of K
 * runs on CLOCK_MONOTONIC. A missed target prints BELOW TARGET but never fails the build (exit 0);
 * only an engine error (a parse or store failure, bars read back wrong) exits 1. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/calendar.h"
#include "core/error.h"
#include "core/time.h"
#include "data/csv.h"
#include "data/series.h"
#include "data/store.h"

#define DEFAULT_ROWS ((size_t)2000000)
#define DEFAULT_RUNS 5
#define MAX_ROWS ((size_t)50000000)
#define MAX_RUNS 100
/* The NYSE calendar maps 1990..2035 (~11.5k sessions), so the daily case repeats a short file. */
#define DAILY_ROWS ((size_t)11000)
#define DAILY_REPEATS 20
#define LINE_MAX_BYTES 96 /* bound on one generated line: stamp 21 + 4 prices x 12 + volume 8 + \n */
#define SYMBOL "BENCH"
#define MINUTE_START_S INT64_C(1577975460) /* 2020-01-02T14:31:00Z */

#define TARGET_PARSE_ROWS_S 2e6
#define TARGET_INGEST_BARS_S 5e5
#define TARGET_LOAD_BARS_S 5e6

typedef struct {
    size_t rows;
    int runs;
    int json;
} bench_opts;

/* One benchmark: a rate per run (items / seconds). */
typedef struct {
    const char *name, *unit;
    double target;
    double rate[MAX_RUNS];
    int n;
} bench_fig;

enum { FIG_PARSE_ISO, FIG_PARSE_DAILY, FIG_INGEST, FIG_REIMPORT, FIG_LOAD, FIG__N };

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void fig_add(bench_fig *f, double items, double sec) {
    if (f->n < MAX_RUNS) f->rate[f->n++] = sec > 0 ? items / sec : 0;
}

/* ---- options ---------------------------------------------------------------------------------- */

static void usage(FILE *f) {
    fprintf(f, "usage: bench_data [--rows N] [--runs K] [--json]\n"
               "  --rows N  rows of the 1-minute CSV (default %zu)\n"
               "  --runs K  runs per figure; the median is reported (default %d)\n"
               "  --json    print the results as JSON\n",
            DEFAULT_ROWS, DEFAULT_RUNS);
}

static int parse_count(const char *s, size_t lo, size_t hi, size_t *out) {
    char *end;
    errno = 0;
    if (!s || *s < '0' || *s > '9') return -1;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v < lo || v > hi) return -1;
    *out = (size_t)v;
    return 0;
}

/* Returns 0 to run, 1 after --help, -1 on a usage error (message printed). */
static int parse_args(int argc, char **argv, bench_opts *o) {
    *o = (bench_opts){DEFAULT_ROWS, DEFAULT_RUNS, 0};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--json") == 0) {
            o->json = 1;
            continue;
        }
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) return 1;
        int rows = strncmp(a, "--rows", 6) == 0, runs = strncmp(a, "--runs", 6) == 0;
        if ((!rows && !runs) || (a[6] != '\0' && a[6] != '=')) {
            fprintf(stderr, "bench_data: unknown option '%s'\n", a);
            return -1;
        }
        const char *val = a[6] == '=' ? a + 7 : i + 1 < argc ? argv[++i] : NULL;
        size_t v;
        if (parse_count(val, rows ? 2 : 1, rows ? MAX_ROWS : MAX_RUNS, &v)) {
            fprintf(stderr, "bench_data: %s needs a number in [%zu, %zu]\n", rows ? "--rows" : "--runs",
                    rows ? (size_t)2 : (size_t)1, rows ? MAX_ROWS : (size_t)MAX_RUNS);
            return -1;
        }
        if (rows) o->rows = v;
        else o->runs = (int)v;
    }
    return 0;
}

/* ---- data generation -------------------------------------------------------------------------- */

typedef struct {
    uint64_t s;
} rng;

/* splitmix64: tiny, fast, and deterministic across platforms. */
static uint64_t rng_next(rng *r) {
    uint64_t z = (r->s += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static double rng_unit(rng *r) { return (double)(rng_next(r) >> 11) * (1.0 / 9007199254740992.0); }

static double rng_normal(rng *r) {
    double u = rng_unit(r), v = rng_unit(r);
    return sqrt(-2.0 * log(1.0 - u)) * cos(6.283185307179586 * v);
}

/* Prices are generated in ticks of 1e-4 and printed with each row's number of decimals. */
#define TICKS_PER_UNIT 10000
static const int64_t k_quantum[5] = {10000, 1000, 100, 10, 1}; /* ticks per step, by decimals */

typedef struct {
    rng r;
    double log_px, prev_close;
    double step_sd, revert, wick; /* per-bar log-return sd, pull toward 100, wick size (fraction) */
} walk;

typedef struct {
    int64_t open, high, low, close; /* ticks */
    int64_t volume;
    int decimals;
} gen_bar;

static int64_t quantize(double px, int64_t q) { return (int64_t)llround(px * TICKS_PER_UNIT / (double)q) * q; }

/* Next bar of a log-price walk pulled gently toward 100 (stays within ~[40, 250]); OHLC are
 * consistent by construction: the wicks are whole quanta outside max/min(open, close). */
static void walk_next(walk *w, gen_bar *b) {
    static const double k_log_100 = 4.605170185988092;
    double u = rng_unit(&w->r);
    b->decimals = u < 0.7 ? 2 : u < 0.8 ? 3 : 4;
    int64_t q = k_quantum[b->decimals];
    double open = w->prev_close * (1.0 + 0.2 * w->step_sd * rng_normal(&w->r));
    w->log_px += w->revert * (k_log_100 - w->log_px) + w->step_sd * rng_normal(&w->r);
    if (w->log_px < 0.0) w->log_px = 0.0;  /* >= 1.00 */
    if (w->log_px > 9.0) w->log_px = 9.0;  /* <= 8103: integer part stays short */
    double close = exp(w->log_px);
    w->prev_close = close;
    b->open = quantize(open, q);
    b->close = quantize(close, q);
    int64_t top = b->open > b->close ? b->open : b->close;
    int64_t bot = b->open < b->close ? b->open : b->close;
    double wick_q = w->wick * close * TICKS_PER_UNIT / (double)q;
    b->high = top + q * (int64_t)(fabs(rng_normal(&w->r)) * wick_q);
    b->low = bot - q * (int64_t)(fabs(rng_normal(&w->r)) * wick_q);
    if (b->low < q) b->low = q;
    double vol = exp(7.0 + rng_normal(&w->r));
    b->volume = vol < 1.0 ? 1 : vol > 9999999.0 ? 9999999 : (int64_t)vol;
}

static char *put_uint(char *p, uint64_t v) {
    char t[24];
    int n = 0;
    do {
        t[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n) *p++ = t[--n];
    return p;
}

static char *put_2d(char *p, int v) {
    p[0] = (char)('0' + v / 10);
    p[1] = (char)('0' + v % 10);
    return p + 2;
}

/* "101.25", "101.5", "101.2513": trailing zeros trimmed to at least one decimal, as vendors do. */
static char *put_price(char *p, int64_t ticks, int decimals) {
    p = put_uint(p, (uint64_t)(ticks / TICKS_PER_UNIT));
    int64_t frac = ticks % TICKS_PER_UNIT;
    char f[4];
    for (int i = 3; i >= 0; i--, frac /= 10) f[i] = (char)('0' + frac % 10);
    int n = decimals;
    while (n > 1 && f[n - 1] == '0') n--;
    *p++ = '.';
    memcpy(p, f, (size_t)n);
    return p + n;
}

static char *put_date(char *p, int64_t day) {
    int y, m, d;
    qc_civil_from_days(day, &y, &m, &d);
    p = put_2d(p, y / 100);
    p = put_2d(p, y % 100);
    *p++ = '-';
    p = put_2d(p, m);
    *p++ = '-';
    return put_2d(p, d);
}

/* "2020-01-02T14:31:00Z" */
static char *put_iso(char *p, int64_t sec) {
    int64_t sod = sec % 86400;
    p = put_date(p, sec / 86400);
    *p++ = 'T';
    p = put_2d(p, (int)(sod / 3600));
    *p++ = ':';
    p = put_2d(p, (int)(sod / 60 % 60));
    *p++ = ':';
    p = put_2d(p, (int)(sod % 60));
    *p++ = 'Z';
    return p;
}

typedef enum { STAMP_MINUTE, STAMP_DAILY } stamp_kind;

/* A CSV of `rows` bars: 1-minute ISO stamps from 2020-01-02, or consecutive NYSE sessions from
 * 1990-01-02. Caller frees. */
static char *make_csv(size_t rows, stamp_kind kind, uint64_t seed, size_t *len, qc_error *err) {
    const qc_calendar *cal = qc_calendar_get("NYSE", err);
    if (!cal) return NULL;
    char *buf = malloc(rows * LINE_MAX_BYTES + 64);
    if (!buf) {
        qc_err_set(err, QC_ERR_NOMEM, "out of memory generating %zu CSV rows", rows);
        return NULL;
    }
    const char *hdr = kind == STAMP_MINUTE ? "datetime,open,high,low,close,volume\n"
                                           : "date,open,high,low,close,volume\n";
    char *p = buf;
    memcpy(p, hdr, strlen(hdr));
    p += strlen(hdr);
    /* minute bars: 0.1% moves; daily bars: 1.5% moves, as a liquid stock has */
    walk w = kind == STAMP_MINUTE ? (walk){{seed}, log(100.0), 100.0, 0.001, 0.00001, 0.0005}
                                  : (walk){{seed}, log(100.0), 100.0, 0.015, 0.002, 0.006};
    int64_t day = qc_days_from_civil(1990, 1, 2);
    if (!qc_calendar_is_session(cal, day)) day = qc_calendar_next_session(cal, day);
    for (size_t i = 0; i < rows; i++) {
        gen_bar b;
        walk_next(&w, &b);
        if (kind == STAMP_MINUTE) {
            p = put_iso(p, MINUTE_START_S + (int64_t)i * 60);
        } else {
            p = put_date(p, day);
            day = qc_calendar_next_session(cal, day);
        }
        *p++ = ',';
        p = put_price(p, b.open, b.decimals);
        *p++ = ',';
        p = put_price(p, b.high, b.decimals);
        *p++ = ',';
        p = put_price(p, b.low, b.decimals);
        *p++ = ',';
        p = put_price(p, b.close, b.decimals);
        *p++ = ',';
        p = put_uint(p, (uint64_t)b.volume);
        *p++ = '\n';
    }
    *len = (size_t)(p - buf);
    return buf;
}

/* ---- CSV parse -------------------------------------------------------------------------------- */

static qc_err check_parsed(const qc_csv_result *r, size_t rows, const char *label, qc_error *err) {
    if (r->n_bad)
        return qc_err_set(err, QC_ERR_INTERNAL, "%s: %zu bad rows (first: line %zu: %s)", label, r->n_bad,
                          r->bad[0].line, r->bad[0].msg);
    if (r->n_series != 1 || r->series[0].n != rows)
        return qc_err_set(err, QC_ERR_INTERNAL, "%s: parsed %zu series / %zu bars, expected 1 / %zu", label,
                          r->n_series, r->n_series ? r->series[0].n : (size_t)0, rows);
    if (!qc_bars_is_strictly_increasing(&r->series[0]))
        return qc_err_set(err, QC_ERR_INTERNAL, "%s: parsed stamps are not strictly increasing", label);
    return QC_OK;
}

/* Parses buf once, timing qc_csv_parse alone. Keeps the result in *keep when non-NULL. */
static qc_err time_parse(const char *buf, size_t len, const char *label, size_t rows, qc_csv_result *keep,
                         double *sec, qc_error *err) {
    qc_csv_opts o;
    qc_csv_opts_init(&o);
    o.label = label;
    qc_csv_result r;
    double t0 = now_s();
    qc_err rc = qc_csv_parse(buf, len, &o, &r, err);
    *sec = now_s() - t0;
    if (rc) return rc;
    rc = check_parsed(&r, rows, label, err);
    if (!rc && keep) {
        *keep = r;
        return QC_OK;
    }
    qc_csv_result_free(&r);
    return rc;
}

/* K runs over the 1-minute file; the last run's result is kept for the store benchmarks. */
static qc_err bench_parse_iso(const bench_opts *o, qc_csv_result *keep, bench_fig *fig, qc_error *err) {
    size_t len;
    char *buf = make_csv(o->rows, STAMP_MINUTE, 42, &len, err);
    if (!buf) return err->code;
    qc_err rc = QC_OK;
    for (int k = 0; !rc && k < o->runs; k++) {
        double sec;
        rc = time_parse(buf, len, "minute.csv", o->rows, k == o->runs - 1 ? keep : NULL, &sec, err);
        if (!rc) fig_add(fig, (double)o->rows, sec);
    }
    free(buf);
    return rc;
}

/* K runs, each DAILY_REPEATS parses of the daily file; only the parse calls are timed. */
static qc_err bench_parse_daily(const bench_opts *o, bench_fig *fig, qc_error *err) {
    size_t len;
    char *buf = make_csv(DAILY_ROWS, STAMP_DAILY, 7, &len, err);
    if (!buf) return err->code;
    qc_err rc = QC_OK;
    for (int k = 0; !rc && k < o->runs; k++) {
        double total = 0, sec = 0;
        for (int rep = 0; !rc && rep < DAILY_REPEATS; rep++, total += sec)
            rc = time_parse(buf, len, "daily.csv", DAILY_ROWS, NULL, &sec, err);
        if (!rc) fig_add(fig, (double)DAILY_ROWS * DAILY_REPEATS, total);
    }
    free(buf);
    return rc;
}

/* ---- store ------------------------------------------------------------------------------------ */

typedef struct {
    char dir[64];
    char db[96];
} tmp_store;

static int tmp_make(tmp_store *t, qc_error *err) {
    snprintf(t->dir, sizeof t->dir, "/tmp/qc_bench_XXXXXX");
    if (!mkdtemp(t->dir)) {
        qc_err_set(err, QC_ERR_STORAGE, "mkdtemp %s: %s", t->dir, strerror(errno));
        return -1;
    }
    snprintf(t->db, sizeof t->db, "%s/bench.db", t->dir);
    return 0;
}

static void remove_with_suffix(const char *path, const char *suffix) {
    char p[128];
    snprintf(p, sizeof p, "%s%s", path, suffix);
    unlink(p); /* ENOENT is fine: the file may not exist */
}

static void tmp_remove_db(const tmp_store *t) {
    remove_with_suffix(t->db, "");
    remove_with_suffix(t->db, "-wal");
    remove_with_suffix(t->db, "-shm");
    remove_with_suffix(t->db, "-journal");
}

static long long file_bytes(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 ? (long long)st.st_size : 0;
}

/* begin + put_bars + commit, timed as one import. */
static qc_err put_one_txn(qc_store *st, const qc_bars *b, int64_t interval_s, qc_put_stats *stats, double *sec,
                          qc_error *err) {
    qc_instrument inst = {.symbol = SYMBOL, .calendar = "24/7", .close_only = 0};
    double t0 = now_s();
    qc_err rc = qc_store_begin(st, err);
    if (rc) return rc;
    rc = qc_store_put_bars(st, &inst, interval_s, b, stats, err);
    if (rc) qc_store_rollback(st);
    else rc = qc_store_commit(st, err);
    *sec = now_s() - t0;
    return rc;
}

static int same_bars(const qc_bars *a, const qc_bars *b) {
    if (a->n != b->n) return 0;
    size_t n8 = a->n * 8;
    return memcmp(a->ts, b->ts, n8) == 0 && memcmp(a->open_ts, b->open_ts, n8) == 0 &&
           memcmp(a->open, b->open, n8) == 0 && memcmp(a->high, b->high, n8) == 0 &&
           memcmp(a->low, b->low, n8) == 0 && memcmp(a->close, b->close, n8) == 0 &&
           memcmp(a->volume, b->volume, n8) == 0 && memcmp(a->adj_close, b->adj_close, n8) == 0 &&
           memcmp(a->flags, b->flags, a->n) == 0;
}

/* Loads the whole symbol into a fresh series and checks it equals what was written. */
static qc_err time_load(qc_store *st, const qc_bars *want, int64_t interval_s, double *sec, qc_error *err) {
    qc_bars got = {0};
    double t0 = now_s();
    qc_err rc = qc_store_load_bars(st, SYMBOL, interval_s, QC_TS_NONE, QC_TS_NONE, &got, err);
    *sec = now_s() - t0;
    if (!rc && !same_bars(want, &got))
        rc = qc_err_set(err, QC_ERR_INTERNAL, "load: %zu bars read back differ from the %zu written", got.n,
                        want->n);
    qc_bars_free(&got);
    return rc;
}

typedef struct {
    double ingest_s, reimport_s, load_s;
    long long db_bytes;
} store_sample;

/* One run on a fresh database file: ingest, unchanged re-import, load. */
static qc_err store_run(const tmp_store *t, const qc_bars *b, int64_t interval_s, store_sample *s, qc_error *err) {
    tmp_remove_db(t);
    qc_store *st = NULL;
    qc_err rc = qc_store_open(t->db, &st, err);
    if (rc) return rc;
    qc_put_stats first = {0}, again = {0};
    rc = put_one_txn(st, b, interval_s, &first, &s->ingest_s, err);
    if (!rc && first.inserted != b->n)
        rc = qc_err_set(err, QC_ERR_INTERNAL, "ingest: %zu of %zu bars inserted", first.inserted, b->n);
    if (!rc) rc = put_one_txn(st, b, interval_s, &again, &s->reimport_s, err);
    if (!rc && again.unchanged != b->n)
        rc = qc_err_set(err, QC_ERR_INTERNAL, "re-import: %zu of %zu bars unchanged (%zu inserted, %zu updated)",
                        again.unchanged, b->n, again.inserted, again.updated);
    if (!rc) rc = time_load(st, b, interval_s, &s->load_s, err);
    qc_store_close(st);
    s->db_bytes = file_bytes(t->db);
    return rc;
}

static qc_err bench_store(const bench_opts *o, const qc_csv_result *parsed, bench_fig *figs, long long *db_bytes,
                          qc_error *err) {
    tmp_store t;
    if (tmp_make(&t, err)) return err->code;
    const qc_bars *b = &parsed->series[0];
    qc_err rc = QC_OK;
    for (int k = 0; !rc && k < o->runs; k++) {
        store_sample s = {0};
        rc = store_run(&t, b, parsed->interval_s, &s, err);
        if (rc) break;
        fig_add(&figs[FIG_INGEST], (double)b->n, s.ingest_s);
        fig_add(&figs[FIG_REIMPORT], (double)b->n, s.reimport_s);
        fig_add(&figs[FIG_LOAD], (double)b->n, s.load_s);
        *db_bytes = s.db_bytes;
    }
    tmp_remove_db(&t);
    rmdir(t.dir);
    return rc;
}

/* ---- report ----------------------------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef struct {
    double median, min, max;
} fig_stats;

static fig_stats stats_of(const bench_fig *f) {
    double v[MAX_RUNS];
    fig_stats s = {0, 0, 0};
    if (f->n == 0) return s;
    memcpy(v, f->rate, (size_t)f->n * sizeof v[0]);
    qsort(v, (size_t)f->n, sizeof v[0], cmp_double);
    s.min = v[0];
    s.max = v[f->n - 1];
    s.median = f->n % 2 ? v[f->n / 2] : (v[f->n / 2 - 1] + v[f->n / 2]) / 2;
    return s;
}

/* 2950123.4 -> "2,950,123" */
static const char *fmt_count(double v, char *buf, size_t n) {
    char d[32];
    int len = snprintf(d, sizeof d, "%.0f", v);
    size_t k = 0;
    for (int i = 0; i < len && k + 2 < n; i++) {
        if (i > 0 && (len - i) % 3 == 0) buf[k++] = ',';
        buf[k++] = d[i];
    }
    buf[k] = '\0';
    return buf;
}

static void print_table(const bench_opts *o, const bench_fig *figs, long long db_bytes) {
    printf("bench_data: %zu rows of 1-minute ISO bars; daily %zu rows x %d parses; %d runs, median shown\n",
           o->rows, DAILY_ROWS, DAILY_REPEATS, o->runs);
    if (db_bytes > 0)
        printf("store file after ingest: %.1f MB (%.1f bytes/bar)\n", (double)db_bytes / 1e6,
               (double)db_bytes / (double)o->rows);
    printf("\n%-34s %12s %-7s %12s %7s %12s %12s\n", "benchmark", "median", "unit", "target", "ratio", "min",
           "max");
    for (int i = 0; i < FIG__N; i++) {
        const bench_fig *f = &figs[i];
        fig_stats s = stats_of(f);
        char med[32], tgt[32], lo[32], hi[32];
        double ratio = s.median / f->target;
        printf("%-34s %12s %-7s %12s %6.2fx %12s %12s%s\n", f->name, fmt_count(s.median, med, sizeof med), f->unit,
               fmt_count(f->target, tgt, sizeof tgt), ratio, fmt_count(s.min, lo, sizeof lo),
               fmt_count(s.max, hi, sizeof hi), ratio < 1.0 ? "  BELOW TARGET" : "");
    }
}

static void print_json(const bench_opts *o, const bench_fig *figs, long long db_bytes) {
    printf("{\n  \"rows\": %zu,\n  \"runs\": %d,\n  \"daily_rows\": %zu,\n  \"daily_repeats\": %d,\n"
           "  \"db_bytes\": %lld,\n  \"results\": [\n",
           o->rows, o->runs, DAILY_ROWS, DAILY_REPEATS, db_bytes);
    for (int i = 0; i < FIG__N; i++) {
        const bench_fig *f = &figs[i];
        fig_stats s = stats_of(f);
        double ratio = s.median / f->target;
        printf("    {\"benchmark\": \"%s\", \"median\": %.0f, \"unit\": \"%s\", \"target\": %.0f, "
               "\"ratio\": %.3f, \"min\": %.0f, \"max\": %.0f, \"below_target\": %s}%s\n",
               f->name, s.median, f->unit, f->target, ratio, s.min, s.max, ratio < 1.0 ? "true" : "false",
               i + 1 < FIG__N ? "," : "");
    }
    printf("  ]\n}\n");
}

/* ---- main ------------------------------------------------------------------------------------- */

int main(int argc, char **argv) {
    bench_opts o;
    int a = parse_args(argc, argv, &o);
    if (a) {
        usage(a > 0 ? stdout : stderr);
        return a > 0 ? 0 : 2;
    }
    static bench_fig figs[FIG__N] = {
        [FIG_PARSE_ISO] = {"csv parse (ISO datetimes)", "rows/s", TARGET_PARSE_ROWS_S, {0}, 0},
        [FIG_PARSE_DAILY] = {"csv parse (daily dates)", "rows/s", TARGET_PARSE_ROWS_S, {0}, 0},
        [FIG_INGEST] = {"sqlite ingest (fresh db, 1 txn)", "bars/s", TARGET_INGEST_BARS_S, {0}, 0},
        [FIG_REIMPORT] = {"sqlite re-import (unchanged)", "bars/s", TARGET_INGEST_BARS_S, {0}, 0},
        [FIG_LOAD] = {"sqlite load (whole symbol)", "bars/s", TARGET_LOAD_BARS_S, {0}, 0},
    };
    qc_error err = {0};
    qc_csv_result parsed = {0};
    long long db_bytes = 0;
    qc_err rc = bench_parse_iso(&o, &parsed, &figs[FIG_PARSE_ISO], &err);
    if (!rc) rc = bench_parse_daily(&o, &figs[FIG_PARSE_DAILY], &err);
    if (!rc) rc = bench_store(&o, &parsed, figs, &db_bytes, &err);
    qc_csv_result_free(&parsed);
    if (rc) {
        fprintf(stderr, "bench_data: %s\n", err.msg);
        return 1;
    }
    if (o.json) print_json(&o, figs, db_bytes);
    else print_table(&o, figs, db_bytes);
    return 0;
}
