/* rolling.c: the streaming simple moving average (see rolling.h).
 * Exact path: prices are short decimals, so a value x for which x * 1e8 is an integer enters an
 * int64 window sum (of 1e-8 units); while every value in the window is such a value, the mean is
 * one correctly rounded division of the exact sum, so two windows with the same exact mean give the
 * same double (no spurious crossover from rounding, flat stretches included), and an update is an
 * integer add. Float path, only while the window is not exact (it holds any other value, or its
 * exact sum is too large for a double): a running sum, re-summed from scratch in window order when
 * the window turns inexact and every n updates after, so error never exceeds one window's worth
 * (~n ulps: 1e-14 relative for n = 50, far inside the 1e-9 promised against TTR); a window whose n
 * values are all equal returns that value. While the window is exact the float sum is not kept at
 * all (its running adds and re-sums were 40% of a crossover backtest's time). (A compensated
 * TwoSum/Neumaier sum was measured: 4x the per-value dependency chain.)
 * The batch form runs the same steps from the array, so it equals the stream bit for bit. */
#include "features/rolling.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define FIXED_SCALE 1e8
#define FIXED_MAX 1e7 /* |x| bound for the exact path: |x| * 1e8 < 2^51 for the rounding below */
#define ROUND_MAGIC 6755399441055744.0 /* 1.5 * 2^52: adding and subtracting rounds to an integer */

/* x as a count of 1e-8 units when x * 1e8 is within a few ulps of an integer (x stands for a
 * decimal of at most 8 places: 0.29 is 0.28999999999999998 and 0.29 * 1e8 = 28999999.999999996),
 * else 0 with *ok = 0 (also for NaN and huge values). The exact sum is then of the decimals the
 * doubles stand for: within a few ulps of the doubles' own sum, and the same for every window
 * holding the same values. Rounds with the 1.5 * 2^52 trick
 * (round-to-nearest mode, |y| < 2^51) rather than nearbyint, a libm call on baseline x86-64. */
static inline int64_t to_fixed(double x, int *ok) {
    double y = x * FIXED_SCALE;
    double r = (y + ROUND_MAGIC) - ROUND_MAGIC;
    *ok = fabs(x) < FIXED_MAX && fabs(y - r) <= fabs(y) * 0x1p-50;
    return *ok ? (int64_t)r : 0;
}

/* Sum of a[0..na) then b[0..nb), in that order, from zero. */
static double resum(const double *a, size_t na, const double *b, size_t nb) {
    double sum = 0.0;
    for (size_t i = 0; i < na; i++) sum += a[i];
    for (size_t i = 0; i < nb; i++) sum += b[i];
    return sum;
}

qc_err qc_sma_init(qc_sma *s, size_t n, qc_error *err) {
    *s = (qc_sma){0};
    if (n == 0) return qc_err_set(err, QC_ERR_INPUT, "sma: window length must be >= 1");
    s->ring = calloc(n, sizeof *s->ring); /* zeros: warm-up values slide in against old = 0 */
    s->qring = calloc(n, sizeof *s->qring);
    s->inexact = calloc(n, 1);
    if (!s->ring || !s->qring || !s->inexact) {
        qc_sma_free(s);
        return qc_err_set(err, QC_ERR_NOMEM, "sma: out of memory for a window of %zu", n);
    }
    s->n = n;
    return QC_OK;
}

void qc_sma_free(qc_sma *s) {
    free(s->ring);
    free(s->qring);
    free(s->inexact);
    *s = (qc_sma){0};
}

#define EXACT_INT_MAX 9007199254740992.0 /* 2^53: int64 sums below it convert to double exactly */

static inline int exact_window(int64_t isum, size_t n_inexact) {
    return n_inexact == 0 && fabs((double)isum) < EXACT_INT_MAX;
}

/* Mean of a window: exact while no inexact value is in it; the float path re-sums a non-finite
 * running sum from the window itself (a NaN or infinity is in the window or has just left it). */
static inline double mean_of(int64_t isum, size_t n_inexact, double sum, size_t run, size_t n, double x,
                             const double *win_a, size_t na, const double *win_b, size_t nb) {
    if (exact_window(isum, n_inexact)) return (double)isum / ((double)n * FIXED_SCALE);
    double m = sum / (double)n;
    if (!isfinite(m)) m = resum(win_a, na, win_b, nb) / (double)n;
    return run >= n ? x : m;
}

/* The float sum's step for a window of n whose newest value x replaced old: kept only while the
 * window needs it (live), re-summed from the window (segments a, b in push order) when it turns
 * live and every n updates after. Batch, stream and pair all take exactly this step. */
static inline void float_step(double *sum, size_t *since, int *on, int live, double x, double old, size_t n,
                              const double *a, size_t na, const double *b, size_t nb) {
    if (!live) {
        *on = 0;
        return;
    }
    if (!*on || ++*since == n) {
        *sum = resum(a, na, b, nb);
        *since = 0;
        *on = 1;
    } else {
        *sum += x - old;
    }
}

void qc_sma_push(qc_sma *s, double x) {
    size_t n = s->n, h = s->head;
    double prev = s->ring[h ? h - 1 : n - 1];
    double old = s->ring[h];
    int ok_x;
    int64_t qx = to_fixed(x, &ok_x), qold = s->qring[h];
    int ok_old = !(s->inexact[h]);
    s->ring[h] = x;
    s->qring[h] = qx;
    s->inexact[h] = (uint8_t)!ok_x;
    h = h + 1 == n ? 0 : h + 1;
    s->head = h; /* now the oldest value of the window */
    s->run = x == prev ? s->run + 1 : 1;
    s->isum += qx - qold;
    s->n_inexact += (size_t)!ok_x;
    s->n_inexact -= (size_t)!ok_old;
    float_step(&s->sum, &s->since, &s->float_on, !exact_window(s->isum, s->n_inexact), x, old, n, s->ring + h,
               n - h, s->ring, h);
    s->count++;
}

double qc_sma_value(const qc_sma *s) {
    if (s->count < s->n) return NAN;
    size_t n = s->n, h = s->head;
    double x = s->ring[h ? h - 1 : n - 1];
    return mean_of(s->isum, s->n_inexact, s->sum, s->run, n, x, s->ring + h, n - h, s->ring, h);
}

double qc_sma_update(qc_sma *s, double x) {
    qc_sma_push(s, x);
    return qc_sma_value(s);
}

int qc_sma_cmp(const qc_sma *a, const qc_sma *b) {
    if (a->count < a->n || b->count < b->n) return QC_SMA_UNDEFINED;
    if (exact_window(a->isum, a->n_inexact) && exact_window(b->isum, b->n_inexact)) {
        __int128 l = (__int128)a->isum * (__int128)b->n, r = (__int128)b->isum * (__int128)a->n;
        return (l > r) - (l < r);
    }
    double x = qc_sma_value(a), y = qc_sma_value(b);
    if (isnan(x) || isnan(y)) return QC_SMA_UNDEFINED;
    return (x > y) - (x < y);
}

void qc_sma_batch(const double *x, size_t len, size_t n, double *out) {
    if (n == 0) {
        for (size_t i = 0; i < len; i++) out[i] = NAN;
        return;
    }
    double sum = 0.0, prev = 0.0;
    int64_t isum = 0;
    size_t n_inexact = 0, run = 0, since = 0;
    int on = 0;
    for (size_t i = 0; i < len; i++) { /* the stream's ring starts as zeros: old is 0 in warm-up */
        double xi = x[i], old = i >= n ? x[i - n] : 0.0;
        int ok_x, ok_old;
        int64_t qx = to_fixed(xi, &ok_x), qold = to_fixed(old, &ok_old);
        run = xi == prev ? run + 1 : 1;
        isum += qx - qold;
        n_inexact += (size_t)!ok_x;
        n_inexact -= (size_t)!ok_old;
        prev = xi;
        /* the window in push order; in warm-up the stream's leading zeros add nothing to a re-sum */
        size_t first = i + 1 >= n ? i + 1 - n : 0;
        float_step(&sum, &since, &on, !exact_window(isum, n_inexact), xi, old, n, x + first, i + 1 - first, NULL, 0);
        out[i] = i + 1 < n ? NAN : mean_of(isum, n_inexact, sum, run, n, xi, x + i + 1 - n, n, NULL, 0);
    }
}

/* ---- two windows over one stream ---------------------------------------------------------------
 * The slow ring holds the last ns values; the value leaving the fast window sits nf places behind
 * the head. Until nf values were pushed that place was never written and reads as the zeros a
 * separate qc_sma's ring starts with, so every step below is the one a separate qc_sma takes. */

qc_err qc_sma_pair_init(qc_sma_pair *p, size_t nf, size_t ns, qc_error *err) {
    *p = (qc_sma_pair){0};
    if (nf == 0 || nf >= ns) return qc_err_set(err, QC_ERR_INPUT, "sma pair: need 1 <= fast (%zu) < slow (%zu)", nf, ns);
    p->ring = calloc(ns, sizeof *p->ring);
    p->qring = calloc(ns, sizeof *p->qring);
    p->inexact = calloc(ns, 1);
    if (!p->ring || !p->qring || !p->inexact) {
        qc_sma_pair_free(p);
        return qc_err_set(err, QC_ERR_NOMEM, "sma pair: out of memory for a window of %zu", ns);
    }
    p->nf = nf;
    p->ns = ns;
    return QC_OK;
}

void qc_sma_pair_free(qc_sma_pair *p) {
    free(p->ring);
    free(p->qring);
    free(p->inexact);
    *p = (qc_sma_pair){0};
}

/* Ring position of the oldest value of the fast window once the head has moved to h. */
static inline size_t fast_start(const qc_sma_pair *p, size_t h) { return h >= p->nf ? h - p->nf : h + p->ns - p->nf; }

/* The fast window in push order as at most two ring segments. */
static inline void fast_segments(const qc_sma_pair *p, const double **a, size_t *na, const double **b, size_t *nb) {
    size_t f = fast_start(p, p->head);
    *a = p->ring + f;
    if (f < p->head) {
        *na = p->nf, *b = p->ring, *nb = 0;
    } else {
        *na = p->ns - f, *b = p->ring, *nb = p->head;
    }
}

static inline void pair_push(qc_sma_pair *p, double x) {
    size_t ns = p->ns, h = p->head, f = fast_start(p, h);
    double prev = p->ring[h ? h - 1 : ns - 1];
    double old_s = p->ring[h], old_f = p->ring[f];
    int ok_x;
    int64_t qx = to_fixed(x, &ok_x);
    p->isum_s += qx - p->qring[h];
    p->isum_f += qx - p->qring[f];
    p->inexact_s += (size_t)!ok_x;
    p->inexact_s -= (size_t)p->inexact[h];
    p->inexact_f += (size_t)!ok_x;
    p->inexact_f -= (size_t)p->inexact[f];
    p->ring[h] = x;
    p->qring[h] = qx;
    p->inexact[h] = (uint8_t)!ok_x;
    h = h + 1 == ns ? 0 : h + 1;
    p->head = h;
    p->run = x == prev ? p->run + 1 : 1;
    float_step(&p->sum_s, &p->since_s, &p->float_s, !exact_window(p->isum_s, p->inexact_s), x, old_s, ns,
               p->ring + h, ns - h, p->ring, h);
    int live_f = !exact_window(p->isum_f, p->inexact_f);
    if (live_f || p->float_f) {
        const double *a, *b;
        size_t na, nb;
        fast_segments(p, &a, &na, &b, &nb);
        float_step(&p->sum_f, &p->since_f, &p->float_f, live_f, x, old_f, p->nf, a, na, b, nb);
    }
    p->count++;
}

void qc_sma_pair_push(qc_sma_pair *p, double x) { pair_push(p, x); }

static inline double pair_last(const qc_sma_pair *p) { return p->ring[p->head ? p->head - 1 : p->ns - 1]; }

double qc_sma_pair_fast(const qc_sma_pair *p) {
    if (p->count < p->nf) return NAN;
    const double *a, *b;
    size_t na, nb;
    fast_segments(p, &a, &na, &b, &nb);
    return mean_of(p->isum_f, p->inexact_f, p->sum_f, p->run, p->nf, pair_last(p), a, na, b, nb);
}

double qc_sma_pair_slow(const qc_sma_pair *p) {
    if (p->count < p->ns) return NAN;
    size_t h = p->head;
    return mean_of(p->isum_s, p->inexact_s, p->sum_s, p->run, p->ns, pair_last(p), p->ring + h, p->ns - h, p->ring,
                   h);
}

static inline int pair_cmp(const qc_sma_pair *p) {
    if (p->count < p->ns) return QC_SMA_UNDEFINED; /* ns > nf: the slow window fills last */
    if (exact_window(p->isum_f, p->inexact_f) && exact_window(p->isum_s, p->inexact_s)) {
        __int128 l = (__int128)p->isum_f * (__int128)p->ns, r = (__int128)p->isum_s * (__int128)p->nf;
        return (l > r) - (l < r);
    }
    double x = qc_sma_pair_fast(p), y = qc_sma_pair_slow(p);
    if (isnan(x) || isnan(y)) return QC_SMA_UNDEFINED;
    return (x > y) - (x < y);
}

int qc_sma_pair_cmp(const qc_sma_pair *p) { return pair_cmp(p); }

/* A crossing: both comparisons defined, the new one non-zero and different from the old. */
static inline int crosses(int prev, int cmp) {
    return prev != QC_SMA_UNDEFINED && cmp != QC_SMA_UNDEFINED && cmp != 0 && cmp != prev;
}

#define EXACT_INT_LIM INT64_C(9007199254740992) /* 2^53, EXACT_INT_MAX as an integer */

/* The run (latest equal values) after pushing x[0..i), i >= 1, onto a ring whose run was `run`
 * with newest value `last`: what pair_push's per-value update leaves, worked out afterwards. */
static size_t run_after(const double *x, size_t i, double last, size_t run) {
    size_t j = i - 1;
    while (j > 0 && x[j - 1] == x[j]) j--;
    if (j > 0) return i - j;
    return x[0] == last ? run + i : i;
}

/* What the exact scan carries from value to value (kept in registers by exact_run). */
typedef struct {
    int64_t isum_s, isum_f;
    size_t h, f;  /* ring positions of the slow and the fast window's oldest value */
    int a, b;     /* comparisons after the last two values */
    int crossed;
} scan_regs;

/* The exact scan's loop over x[0..n) (see scan_exact_narrow); a function of its own, over pointers,
 * so that the compiler keeps most of its values in registers. to_fixed is written out, and the two
 * range tests are one unsigned compare each. With ns < 2^10 and both sums below 2^53 in magnitude
 * the cross products fit in int64. */
__attribute__((noinline)) static size_t exact_run(const double *x, size_t n, int64_t *qring, size_t ns, size_t nf,
                                                  scan_regs *rg) {
    int64_t is = rg->isum_s, ifa = rg->isum_f;
    const int64_t ins = (int64_t)ns, inf = (int64_t)nf;
    int64_t *qh = qring + rg->h, *qf = qring + rg->f, *const qend = qring + ns;
    const double *xp = x, *const xend = x + n;
    int b = rg->b, bo = rg->a;
    while (xp < xend) {
        double y = *xp * FIXED_SCALE, r = (y + ROUND_MAGIC) - ROUND_MAGIC;
        if (!(fabs(*xp) < FIXED_MAX && fabs(y - r) <= fabs(y) * 0x1p-50)) break;
        int64_t q = (int64_t)r;
        int64_t s2 = is + q - *qh, f2 = ifa + q - *qf;
        if ((uint64_t)(s2 + (EXACT_INT_LIM - 1)) > (uint64_t)(2 * EXACT_INT_LIM - 2) ||
            (uint64_t)(f2 + (EXACT_INT_LIM - 1)) > (uint64_t)(2 * EXACT_INT_LIM - 2))
            break;
        is = s2, ifa = f2;
        *qh = q;
        qh = qh + 1 == qend ? qring : qh + 1;
        qf = qf + 1 == qend ? qring : qf + 1;
        xp++;
        int64_t l = ifa * ins, rr = is * inf;
        int nb = (l > rr) - (l < rr);
        bo = b;
        b = nb;
        if (nb != 0 && nb != bo) {
            rg->crossed = 1;
            break;
        }
    }
    rg->isum_s = is, rg->isum_f = ifa, rg->a = bo, rg->b = b;
    rg->h = (size_t)(qh - qring), rg->f = (size_t)(qf - qring);
    return (size_t)(xp - x);
}

/* The scan in steady state (both windows full, ns < 2^10) while the window is all exact decimals
 * with the float sums off, and each new value is one and keeps both sums below 2^53: then pair_push
 * changes only the integer sums, the ring, the run and the count (the inexact counts stay 0, the
 * float sums stay off) and pair_cmp is the sign of isum_f * ns - isum_s * nf. exact_run does those
 * two; the ring's doubles and the run are written once at the end. Returns the values consumed;
 * stops before a value that needs the general step (*crossed = 0) or right after a crossing. */
static size_t scan_exact_narrow(qc_sma_pair *p, const double *x, size_t n, int *prev, int *cmp, int *crossed) {
    const size_t ns = p->ns, h0 = p->head;
    scan_regs rg = {p->isum_s, p->isum_f, h0, fast_start(p, h0), *prev, *cmp, 0};
    size_t i = exact_run(x, n, p->qring, ns, p->nf, &rg);
    *crossed = rg.crossed;
    if (!i) return 0;
    double last = p->ring[h0 ? h0 - 1 : ns - 1];
    size_t j = 0, r = h0;
    if (i > ns) { /* only the last ns values stay in the ring */
        j = i - ns;
        r = rg.h;
    }
    for (; j < i; j++) {
        p->ring[r] = x[j];
        r = r + 1 == ns ? 0 : r + 1;
    }
    p->run = run_after(x, i, last, p->run);
    p->isum_s = rg.isum_s, p->isum_f = rg.isum_f, p->head = rg.h, p->count += i;
    *prev = rg.a, *cmp = rg.b;
    return i;
}

static size_t scan_exact(qc_sma_pair *p, const double *x, size_t n, int *prev, int *cmp, int *crossed) {
    *crossed = 0;
    /* inexact_f <= inexact_s: the fast window is inside the slow one */
    if (p->inexact_s || p->float_s || p->float_f || p->count < p->ns || *cmp == QC_SMA_UNDEFINED) return 0;
    return p->ns < 1024 ? scan_exact_narrow(p, x, n, prev, cmp, crossed) : 0;
}

size_t qc_sma_pair_scan(qc_sma_pair *p, const double *x, size_t n, int *prev, int *cmp) {
    int a = *prev, b = *cmp, crossed = 0;
    size_t i = 0;
    while (i < n) {
        i += scan_exact(p, x + i, n - i, &a, &b, &crossed);
        if (crossed || i == n) break;
        pair_push(p, x[i++]); /* the general step for one value, then the exact loop again */
        a = b;
        b = pair_cmp(p);
        if (crosses(a, b)) break;
    }
    *prev = a, *cmp = b;
    return i;
}

/* ---- the scan by prefix sums (qc_sma_line) ------------------------------------------------------
 * P[t] is the sum of the fixed-point values of x[0..t] in wrapping 64-bit arithmetic, from any
 * origin: only differences of P are used, and a window sum below 2^53 in magnitude comes out
 * exact. A position qualifies when its value is an exact decimal with |q| <= qmax = (2^53 - 1) / ns:
 * then every window sum over qualifying values is below 2^53 (the exact path's own limit, so
 * pair_cmp compares the integer sums) and the products by ns and nf fit in int64. */

void qc_sma_line_free(qc_sma_line *l) {
    free(l->P);
    *l = (qc_sma_line){0};
}

#if defined(__SSE2__)
#include <emmintrin.h>
#define LINE_SSE2 1
#else
#define LINE_SSE2 0
#endif
#if LINE_SSE2 && defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#include <immintrin.h>
#define LINE_AVX2 1
#else
#define LINE_AVX2 0
#endif

static int g_line_forced = -1; /* qc_sma_line_force */

int qc_sma_line_has(int path) {
    if (path == QC_SMA_LINE_SCALAR) return 1;
    if (path == QC_SMA_LINE_SSE2) return LINE_SSE2;
#if LINE_AVX2
    if (path == QC_SMA_LINE_AVX2) {
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2") != 0;
    }
#endif
    return 0;
}

void qc_sma_line_force(int path) { g_line_forced = path >= 0 && qc_sma_line_has(path) ? path : -1; }

/* The conversion path: forced, else the best this CPU has (looked up once). */
static int line_path(void) {
    static int best = -1;
    if (g_line_forced >= 0) return g_line_forced;
    if (best < 0) best = qc_sma_line_has(QC_SMA_LINE_AVX2) ? QC_SMA_LINE_AVX2 : LINE_SSE2 ? QC_SMA_LINE_SSE2 : 0;
    return best;
}

#if LINE_SSE2
/* line_sums' test and to_fixed two values at a time (SSE2 is in every x86-64): q[j] for the leading
 * values that qualify, stopping at the first pair with one that does not; returns how many. The
 * same correctly rounded operations as the scalar test; the integer is read from the bits of
 * y + 1.5 * 2^52 (|y| < 1e15 for a qualifying value, so that sum lies in [2^52, 2^53), where its
 * bits minus the constant's are the integer r). */
static size_t line_convert2(const double *x, size_t n, int64_t *q, double qmax) {
    const __m128d scale = _mm_set1_pd(FIXED_SCALE), magic = _mm_set1_pd(ROUND_MAGIC), lim = _mm_set1_pd(FIXED_MAX);
    const __m128d tiny = _mm_set1_pd(0x1p-50), qm = _mm_set1_pd(qmax);
    const __m128d abs = _mm_castsi128_pd(_mm_set1_epi64x(INT64_MAX));
    const __m128i mbits = _mm_castpd_si128(magic);
    size_t j = 0;
    for (; j + 2 <= n; j += 2) {
        __m128d v = _mm_loadu_pd(x + j), y = _mm_mul_pd(v, scale), t = _mm_add_pd(y, magic), r = _mm_sub_pd(t, magic);
        __m128d ok1 = _mm_cmplt_pd(_mm_and_pd(v, abs), lim);
        __m128d ok2 = _mm_cmple_pd(_mm_and_pd(_mm_sub_pd(y, r), abs), _mm_mul_pd(_mm_and_pd(y, abs), tiny));
        __m128d ok3 = _mm_cmple_pd(_mm_and_pd(r, abs), qm);
        if (_mm_movemask_pd(_mm_and_pd(ok1, _mm_and_pd(ok2, ok3))) != 3) break;
        _mm_storeu_si128((__m128i *)(void *)(q + j), _mm_sub_epi64(_mm_castpd_si128(t), mbits));
    }
    return j;
}
#endif

#if LINE_AVX2
/* line_convert2 four values at a time (AVX2, when the CPU has it): the same operations. */
__attribute__((target("avx2"))) static size_t line_convert4(const double *x, size_t n, int64_t *q, double qmax) {
    const __m256d scale = _mm256_set1_pd(FIXED_SCALE), magic = _mm256_set1_pd(ROUND_MAGIC);
    const __m256d lim = _mm256_set1_pd(FIXED_MAX), tiny = _mm256_set1_pd(0x1p-50), qm = _mm256_set1_pd(qmax);
    const __m256d abs = _mm256_castsi256_pd(_mm256_set1_epi64x(INT64_MAX));
    const __m256i mbits = _mm256_castpd_si256(magic);
    size_t j = 0;
    for (; j + 4 <= n; j += 4) {
        __m256d v = _mm256_loadu_pd(x + j), y = _mm256_mul_pd(v, scale), t = _mm256_add_pd(y, magic);
        __m256d r = _mm256_sub_pd(t, magic);
        __m256d ok1 = _mm256_cmp_pd(_mm256_and_pd(v, abs), lim, _CMP_LT_OQ);
        __m256d ok2 = _mm256_cmp_pd(_mm256_and_pd(_mm256_sub_pd(y, r), abs), _mm256_mul_pd(_mm256_and_pd(y, abs), tiny),
                                    _CMP_LE_OQ);
        __m256d ok3 = _mm256_cmp_pd(_mm256_and_pd(r, abs), qm, _CMP_LE_OQ);
        if (_mm256_movemask_pd(_mm256_and_pd(ok1, _mm256_and_pd(ok2, ok3))) != 15) break;
        _mm256_storeu_si256((__m256i *)(void *)(q + j), _mm256_sub_epi64(_mm256_castpd_si256(t), mbits));
    }
    return j;
}
#endif

/* The fixed-point values of x[from..to) into Q[0..): stops at the first value that does not qualify
 * (exact in the fixed-point scale, |q| <= qmax); returns how many did. */
static size_t line_q(int64_t *Q, const double *x, size_t from, size_t to, double qmax) {
    size_t m = 0;
#if LINE_SSE2
    int path = line_path();
    if (path != QC_SMA_LINE_SCALAR) {
#if LINE_AVX2
        if (path == QC_SMA_LINE_AVX2) m = line_convert4(x + from, to - from, Q, qmax);
#endif
        m += line_convert2(x + from + m, to - from - m, Q + m, qmax);
    }
#endif
    for (size_t t = from + m; t < to; t++, m++) {
        double y = x[t] * FIXED_SCALE, r = (y + ROUND_MAGIC) - ROUND_MAGIC;
        if (!(fabs(x[t]) < FIXED_MAX && fabs(y - r) <= fabs(y) * 0x1p-50 && fabs(r) <= qmax)) break;
        Q[m] = (int64_t)r;
    }
    return m;
}

/* Appends prefix sums for x[from..to) after P[k] (k = from's index - 1); returns how many values
 * qualified (stops at the first that does not). */
static size_t line_sums(int64_t *P, size_t k, const double *x, size_t from, size_t to, double qmax) {
    size_t m = line_q(P + k + 1, x, from, to, qmax);
    uint64_t acc = (uint64_t)P[k];
    for (size_t j = 1; j <= m; j++) {
        acc += (uint64_t)P[k + j];
        P[k + j] = (int64_t)acc;
    }
    return m;
}

static double line_qmax(size_t ns) { return (double)((EXACT_INT_LIM - 1) / (int64_t)ns); }

/* Starts the line at position from when the pair's windows are exact and x[from - ns..from)
 * qualify; 0 when it cannot (the pair scans). */
static int line_enter(qc_sma_pair *p, qc_sma_line *l, const double *x, size_t from, int cmp) {
    const size_t ns = p->ns;
    if (from < l->retry_at || ns >= 1024 || p->count != from || p->count < ns || p->inexact_s || p->float_s ||
        p->float_f || cmp == QC_SMA_UNDEFINED)
        return 0;
    if (!l->P && !(l->P = malloc((ns + 1 + QC_SMA_LINE_CHUNK) * sizeof *l->P))) return 0;
    l->P[0] = 0;
    size_t ok = line_sums(l->P, 0, x, from - ns, from, line_qmax(ns));
    if (ok < ns) { /* a value too large for the line is in the window: wait until it has left */
        l->retry_at = from + ok + 1;
        return 0;
    }
    l->base = l->end = l->qend = from;
    l->on = 1;
    return 1;
}

/* Converts values from l->qend up to `to` (> l->qend) into the chunk, after its prefix sums,
 * moving to the next chunk when this one is full; 0 when the value at l->qend does not qualify. */
static int line_convert(const qc_sma_pair *p, qc_sma_line *l, const double *x, size_t to) {
    const size_t ns = p->ns;
    if (l->end == l->base + QC_SMA_LINE_CHUNK) { /* keep the last ns + 1 sums, start the next chunk */
        memmove(l->P, l->P + QC_SMA_LINE_CHUNK, (ns + 1) * sizeof *l->P);
        l->base = l->end;
    }
    size_t stop = l->base + QC_SMA_LINE_CHUNK < to ? l->base + QC_SMA_LINE_CHUNK : to;
    size_t got = line_q(l->P + (l->qend - l->base + ns + 1), x, l->qend, stop, line_qmax(ns));
    l->qend += got;
    return got > 0;
}

/* The state pair_push leaves after x[0..count) (count >= ns) when the last ns values qualify for
 * the line (exact decimals, |q| <= line_qmax(ns)) and so did any before them. */
static void pair_fill(qc_sma_pair *p, const double *x, size_t count) {
    const size_t ns = p->ns, nf = p->nf;
    int64_t is = 0, ifa = 0;
    for (size_t j = count - ns; j < count; j++) { /* every one qualified: exact, small */
        int ok;
        int64_t q = to_fixed(x[j], &ok);
        p->ring[j % ns] = x[j];
        p->qring[j % ns] = q;
        p->inexact[j % ns] = 0;
        is += q;
        if (j >= count - nf) ifa += q;
    }
    /* the float sums stayed off (exact windows), their counters untouched, as pair_push leaves them */
    p->isum_s = is, p->isum_f = ifa, p->inexact_s = p->inexact_f = 0, p->float_s = p->float_f = 0;
    p->count = count, p->head = count % ns;
    p->run = run_after(x, count, 0.0, 0); /* the run back to x[0] at most, as pushes from a zero ring count it */
}

void qc_sma_pair_attach(qc_sma_pair *p, qc_sma_line *l, const double *x, size_t count) {
    if (!l->on) return;
    l->on = 0;
    pair_fill(p, x, count);
}

/* One step of line_steps: the sums at position j (its value already in acc), compared as fast vs slow. */
static inline int line_sign(int64_t acc, const int64_t *Ps, const int64_t *Pf, size_t j, int64_t ins, int64_t inf) {
    int64_t s = (int64_t)((uint64_t)acc - (uint64_t)Ps[j]), f = (int64_t)((uint64_t)acc - (uint64_t)Pf[j]);
    int64_t lhs = f * ins, rhs = s * inf;
    return (lhs > rhs) - (lhs < rhs);
}

/* The line's steps from position *at (= l->end) up to `to` (<= l->qend): each turns the value
 * there into its prefix sum and compares; stops right after a crossing (returns 1): a comparison
 * that is not 0 and differs from the one before. While the last comparison is +1 or -1, a step only
 * asks whether the next one keeps that sign (one product comparison with the sign folded into the
 * window lengths: |sums| < 2^53 and windows < 1024, so the products fit); a step that does not is
 * then classified. */
static int line_steps(const qc_sma_pair *p, qc_sma_line *l, size_t *at, size_t to, int *prev, int *cmp) {
    const size_t ns = p->ns, nf = p->nf;
    const int64_t ins = (int64_t)ns, inf = (int64_t)nf;
    int64_t *P = l->P + (*at - l->base + ns + 1); /* P[j]: the value at position *at + j, then its sum */
    const int64_t *Ps = P - ns, *Pf = P - nf;      /* sums at positions *at + j - ns, *at + j - nf */
    const size_t n = to - *at;
    uint64_t acc = (uint64_t)P[-1];
    int b = *cmp, bo = *prev, crossed = 0;
    size_t j = 0;
    while (j < n) {
        if (b != 0) { /* a run that keeps sign b */
            const int64_t si = b * ins, sf = b * inf;
            size_t j0 = j;
            for (; j < n; j++) {
                acc += (uint64_t)P[j];
                P[j] = (int64_t)acc;
                int64_t s = (int64_t)(acc - (uint64_t)Ps[j]), f = (int64_t)(acc - (uint64_t)Pf[j]);
                if (f * si <= s * sf) break;
            }
            if (j > j0) bo = b;
            if (j == n) break;
        } else { /* after an equality every non-zero comparison crosses */
            acc += (uint64_t)P[j];
            P[j] = (int64_t)acc;
        }
        int nb = line_sign((int64_t)acc, Ps, Pf, j, ins, inf);
        j++;
        bo = b;
        b = nb;
        if (nb != 0 && nb != bo) {
            crossed = 1;
            break;
        }
    }
    *at += j, *prev = bo, *cmp = b;
    l->end = *at;
    return crossed;
}

void qc_sma_line_warm(const qc_sma_pair *p, const qc_sma_line *l, const double *x, size_t at, size_t to) {
    if (!l->on || !l->P || at != l->end) return;
    const size_t ns = p->ns, cap = ns + 1 + QC_SMA_LINE_CHUNK;
    size_t first = at - l->base, last = first + ns + 1 + 48; /* the windows' sums behind, 48 steps ahead */
    for (size_t k = first; k < last && k < cap; k += 8) __builtin_prefetch(l->P + k, 1);
    for (size_t t = at; t < at + 48 && t < to; t += 8) __builtin_prefetch(x + t);
}

/* A pair still warming up (fed fewer than ns values of x) takes the rest of the first ns values of
 * x[0..n) at once when all ns qualify for the line (no comparison is defined before them): the state
 * of the pushes without them; 0 when they do not qualify or n < ns. */
static int pair_warm(qc_sma_pair *p, const double *x, size_t n) {
    const size_t ns = p->ns;
    if (n < ns || ns >= 1024) return 0;
    const double qmax = line_qmax(ns);
    for (size_t j = 0; j < ns; j++) {
        int ok;
        int64_t q = to_fixed(x[j], &ok);
        if (!ok || fabs((double)q) > qmax) return 0;
    }
    pair_fill(p, x, ns);
    return 1;
}

size_t qc_sma_pair_scan_line(qc_sma_pair *p, qc_sma_line *l, const double *x, size_t from, size_t to, int *prev,
                             int *cmp) {
    size_t at = from;
    if (!l->on && p->count == from && from < p->ns && pair_warm(p, x, to)) { /* no crossing before value ns + 1 */
        at = p->ns;
        *prev = QC_SMA_UNDEFINED, *cmp = pair_cmp(p);
        if (at == to) return at - from;
    }
    if (!l->on && !line_enter(p, l, x, at, *cmp)) return at - from + qc_sma_pair_scan(p, x + at, to - at, prev, cmp);
    while (at < to) {
        if (at == l->qend && !line_convert(p, l, x, to)) { /* x[at] does not qualify: the pair takes over */
            qc_sma_pair_attach(p, l, x, at);
            l->retry_at = at + p->ns + 1;
            return at - from + qc_sma_pair_scan(p, x + at, to - at, prev, cmp);
        }
        if (line_steps(p, l, &at, l->qend < to ? l->qend : to, prev, cmp)) break;
    }
    return at - from;
}

