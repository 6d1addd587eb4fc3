/* sweep.c: the parameter sweep (sweep.h): grid decoding, the run layout of a cross-validation plan
 * (each distinct contiguous range of any split is one "segment" backtested once per combination;
 * test segments keep one moments record per atom so CPCV paths can be assembled), the worker
 * threads (one combination at a time, written into its own slots), and the aggregation in
 * combination order: in/out-of-sample Sharpe, the selection procedure's paths, DSR and PBO. */
#include "backtest/sweep.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/strutil.h"

/* ---- grid ------------------------------------------------------------------------------------- */

static int parse_num(const char *s, size_t len, double *out) {
    return len > 0 && qc_parse_double(s, len, out) == QC_OK && isfinite(*out);
}

qc_err qc_sweep_axis_parse(const char *spec, qc_sweep_axis *ax, qc_error *err) {
    memset(ax, 0, sizeof *ax);
    const char *eq = strchr(spec, '=');
    if (!eq || eq == spec || (size_t)(eq - spec) >= sizeof ax->name)
        return qc_err_set(err, QC_ERR_INPUT, "grid '%.60s': expected NAME=FROM:TO:STEP or NAME=VALUE", spec);
    memcpy(ax->name, spec, (size_t)(eq - spec));
    const char *v = eq + 1, *c1 = strchr(v, ':');
    if (!c1) {
        if (!parse_num(v, strlen(v), &ax->from))
            return qc_err_set(err, QC_ERR_INPUT, "grid '%.60s': '%.30s' is not a number", spec, v);
        ax->to = ax->from;
        return QC_OK;
    }
    const char *c2 = strchr(c1 + 1, ':');
    if (!c2 || !parse_num(v, (size_t)(c1 - v), &ax->from) || !parse_num(c1 + 1, (size_t)(c2 - c1 - 1), &ax->to) ||
        !parse_num(c2 + 1, strlen(c2 + 1), &ax->step))
        return qc_err_set(err, QC_ERR_INPUT, "grid '%.60s': expected NAME=FROM:TO:STEP with numbers", spec);
    if (!(ax->step > 0) || ax->to < ax->from)
        return qc_err_set(err, QC_ERR_INPUT, "grid '%.60s': needs STEP > 0 and TO >= FROM", spec);
    if ((ax->to - ax->from) / ax->step > QC_SWEEP_MAX_COMBOS)
        return qc_err_set(err, QC_ERR_INPUT, "grid '%.60s': more than %d values", spec, QC_SWEEP_MAX_COMBOS);
    return QC_OK;
}

size_t qc_sweep_axis_count(const qc_sweep_axis *ax) {
    if (!(ax->step > 0)) return 1;
    return (size_t)floor((ax->to - ax->from) / ax->step + 1e-9) + 1;
}

/* from + i * step, rounded to 12 significant digits so 0.1 steps print as 0.3, not 0.30000000000000004 */
double qc_sweep_axis_value(const qc_sweep_axis *ax, size_t i) {
    double v = ax->from + (double)i * ax->step;
    char buf[32];
    snprintf(buf, sizeof buf, "%.12g", v);
    return strtod(buf, NULL);
}

void qc_sweep_opts_init(qc_sweep_opts *o) {
    memset(o, 0, sizeof *o);
    qc_backtest_opts_init(&o->bt);
    qc_cv_opts_init(&o->cv);
    o->pbo_s = 16;
    o->threads = 1;
}

/* ---- layout ----------------------------------------------------------------------------------- */

typedef struct {
    size_t first, last;
    size_t allowance; /* bars before first that may serve as warm-up */
    size_t atom0;     /* test segments: first atom (one piece per atom); SIZE_MAX: train, one piece */
    size_t piece0, n_pieces;
} segment;

typedef struct {
    size_t n_seg, cap_seg, n_pieces;
    segment *seg;
    size_t *train_off, *train_seg; /* split s: train_seg[train_off[s] .. train_off[s+1]) */
    size_t *test_off, *test_seg;
    size_t *atom_piece;            /* [s * n_atoms + g]: piece of atom g in split s, SIZE_MAX if untested */
} layout;

static void layout_free(layout *l) {
    free(l->seg);
    free(l->train_off);
    free(l->train_seg);
    free(l->test_off);
    free(l->test_seg);
    free(l->atom_piece);
    memset(l, 0, sizeof *l);
}

/* Index of the segment (first, last, allowance, kind), added when new; SIZE_MAX on no memory. */
static size_t seg_find(layout *l, const qc_cv_plan *p, size_t first, size_t last, size_t allow, int test) {
    for (size_t i = 0; i < l->n_seg; i++) {
        const segment *s = &l->seg[i];
        if (s->first == first && s->last == last && s->allowance == allow && (s->atom0 != SIZE_MAX) == test) return i;
    }
    if (l->n_seg == l->cap_seg) {
        size_t cap = l->cap_seg ? 2 * l->cap_seg : 64;
        segment *g = realloc(l->seg, cap * sizeof *g);
        if (!g) return SIZE_MAX;
        l->seg = g;
        l->cap_seg = cap;
    }
    segment *s = &l->seg[l->n_seg];
    *s = (segment){first, last, allow, SIZE_MAX, l->n_pieces, 1};
    if (test) {
        size_t g = 0;
        while (g < p->n_atoms && p->atoms[g].first < first) g++;
        s->atom0 = g;
        s->n_pieces = 0;
        while (g + s->n_pieces < p->n_atoms && p->atoms[g + s->n_pieces].last <= last) s->n_pieces++;
    }
    l->n_pieces += s->n_pieces;
    return l->n_seg++;
}

static qc_err layout_build(const qc_cv_plan *p, layout *l, qc_error *err) {
    memset(l, 0, sizeof *l);
    size_t ns = p->n_splits, ntr = 0, nte = 0;
    for (size_t s = 0; s < ns; s++) {
        ntr += p->splits[s].n_train;
        nte += p->splits[s].n_test;
    }
    l->train_off = malloc((ns + 1) * sizeof(size_t));
    l->test_off = malloc((ns + 1) * sizeof(size_t));
    l->train_seg = malloc((ntr + 1) * sizeof(size_t));
    l->test_seg = malloc((nte + 1) * sizeof(size_t));
    l->atom_piece = malloc((ns * p->n_atoms + 1) * sizeof(size_t));
    if (!l->train_off || !l->test_off || !l->train_seg || !l->test_seg || !l->atom_piece)
        return qc_err_set(err, QC_ERR_NOMEM, "sweep: out of memory");
    int wf = p->scheme == QC_CV_WALKFORWARD;
    size_t a = 0, b = 0;
    for (size_t s = 0; s < ns; s++) {
        const qc_cv_split *sp = &p->splits[s];
        l->train_off[s] = a;
        l->test_off[s] = b;
        for (size_t k = 0; k < sp->n_train; k++) {
            const qc_cv_range *r = &sp->train[k];
            if ((l->train_seg[a++] = seg_find(l, p, r->first, r->last, wf ? r->first : 0, 0)) == SIZE_MAX)
                return qc_err_set(err, QC_ERR_NOMEM, "sweep: out of memory");
        }
        for (size_t g = 0; g < p->n_atoms; g++) l->atom_piece[s * p->n_atoms + g] = SIZE_MAX;
        for (size_t k = 0; k < sp->n_test; k++) {
            const qc_cv_range *r = &sp->test[k];
            size_t i = seg_find(l, p, r->first, r->last, r->first, 1);
            if (i == SIZE_MAX) return qc_err_set(err, QC_ERR_NOMEM, "sweep: out of memory");
            l->test_seg[b++] = i;
            for (size_t j = 0; j < l->seg[i].n_pieces; j++)
                l->atom_piece[s * p->n_atoms + l->seg[i].atom0 + j] = l->seg[i].piece0 + j;
        }
    }
    l->train_off[ns] = a;
    l->test_off[ns] = b;
    return QC_OK;
}

/* ---- one combination -------------------------------------------------------------------------- */

typedef struct {
    const qc_bars *bars;
    const char *symbol;
    const qc_sweep_opts *o;
    qc_sweep_result *res;
    layout lay;
    size_t s_blocks;     /* CSCV submatrices, 0 when PBO cannot run */
    qc_moments *full;    /* [combo] */
    qc_moments *blocks;  /* [combo * s_blocks + j] */
    qc_moments *pieces;  /* [combo * lay.n_pieces + k] */
    size_t *runs, *events; /* per combo */
    /* shared */
    pthread_mutex_t mu;
    size_t next, done;
    int stop;
    size_t err_combo;
    qc_error first_err;
} sweep_ctx;

typedef struct {
    double *r; /* n_bars returns, indexed by bar */
    qc_params params;
    size_t warmup;
    size_t runs, events;
    qc_backtest_result prev; /* the worker's last backtest: the next takes over its arrays (recycle) */
} worker;

static void grid_values(const qc_sweep_result *res, size_t i, double *v) {
    for (size_t a = res->n_axes; a-- > 0;) {
        size_t k = qc_sweep_axis_count(&res->axes[a]);
        v[a] = qc_sweep_axis_value(&res->axes[a], i % k);
        i /= k;
    }
}

static qc_err combo_params(const sweep_ctx *c, const double *v, qc_params *p, qc_error *err) {
    const qc_sweep_opts *o = c->o;
    const char *kv[QC_MAX_PARAMS + QC_SWEEP_MAX_AXES];
    char buf[QC_SWEEP_MAX_AXES][64];
    size_t n = 0;
    for (size_t i = 0; i < o->n_fixed && n < QC_MAX_PARAMS; i++) kv[n++] = o->fixed[i];
    for (size_t a = 0; a < o->n_axes; a++) {
        snprintf(buf[a], sizeof buf[a], "%s=%.17g", o->axes[a].name, v[a]);
        kv[n++] = buf[a];
    }
    return qc_params_parse(o->strategy->params, o->strategy->n_params, kv, n, o->strategy->name, p, err);
}

/* Backtests bars [from, to] and writes the returns of bars [from, to] into w->r (the first from the
 * initial cash); *trades gets the round trips. */
static qc_err run_range(const sweep_ctx *c, worker *w, size_t from, size_t to, size_t *trades, qc_error *err) {
    const qc_bars *b = c->bars;
    qc_bars v = {.n = to - from + 1, .cap = to - from + 1};
    v.ts = b->ts + from;
    v.open_ts = b->open_ts ? b->open_ts + from : NULL;
    v.open = b->open + from;
    v.high = b->high + from;
    v.low = b->low + from;
    v.close = b->close + from;
    v.volume = b->volume + from;
    v.adj_close = b->adj_close ? b->adj_close + from : NULL;
    v.flags = b->flags ? b->flags + from : NULL;
    qc_backtest_opts bo = c->o->bt;
    bo.strategy = c->o->strategy;
    bo.params = &w->params;
    bo.progress = NULL;
    bo.keep_symbol_curves = 0;
    bo.recycle = &w->prev;
    const qc_bars *series[1] = {&v};
    const char *syms[1] = {c->symbol};
    qc_backtest_result r;
    memset(&r, 0, sizeof r);
    qc_err rc = qc_backtest_run(series, syms, 1, &bo, &r, err);
    if (!rc && r.n != v.n) rc = qc_err_set(err, QC_ERR_INTERNAL, "sweep: %zu events for %zu bars", r.n, v.n);
    for (size_t i = 0; !rc && i < r.n; i++) w->r[from + i] = r.equity[i] / (i ? r.equity[i - 1] : r.initial_equity) - 1;
    if (!rc && trades) *trades = r.n_trades;
    w->runs++;
    w->events += v.n;
    w->prev = r; /* recycled by the worker's next run, freed at its end */
    return rc;
}

static void add_range(qc_moments *m, const double *r, size_t first, size_t last) {
    for (size_t t = first; t <= last; t++) qc_moments_add(m, r[t]);
}

/* The warm-up W of a combination: --warmup, else its largest integer parameter. */
static size_t warmup_of(const sweep_ctx *c, const qc_params *p) {
    if (c->o->warmup) return c->o->warmup;
    double w = 0;
    for (size_t i = 0; i < p->n; i++)
        if (p->spec[i].type == QC_PARAM_INT && p->value[i] > w) w = p->value[i];
    return w > 0 && w < 1e9 ? (size_t)w : 0;
}

static qc_err run_segments(sweep_ctx *c, worker *w, size_t i, qc_error *err) {
    const qc_cv_plan *p = &c->res->plan;
    qc_moments *pc = c->pieces + i * c->lay.n_pieces;
    for (size_t k = 0; k < c->lay.n_seg; k++) {
        const segment *s = &c->lay.seg[k];
        size_t back = s->allowance < w->warmup ? s->allowance : w->warmup;
        qc_err rc = run_range(c, w, s->first - back, s->last, NULL, err);
        if (rc) return rc;
        if (s->atom0 == SIZE_MAX) add_range(&pc[s->piece0], w->r, s->first, s->last);
        for (size_t j = 0; s->atom0 != SIZE_MAX && j < s->n_pieces; j++)
            add_range(&pc[s->piece0 + j], w->r, p->atoms[s->atom0 + j].first, p->atoms[s->atom0 + j].last);
    }
    return QC_OK;
}

static qc_err run_combo(sweep_ctx *c, worker *w, size_t i, qc_error *err) {
    qc_sweep_combo *cb = &c->res->combos[i];
    size_t n = c->bars->n;
    grid_values(c->res, i, cb->value);
    qc_error perr = {0};
    qc_err rc = combo_params(c, cb->value, &w->params, &perr);
    if (!rc) {
        w->warmup = warmup_of(c, &w->params);
        rc = run_range(c, w, 0, n - 1, &cb->n_trades, &perr);
    }
    if (rc == QC_ERR_INPUT) { /* a rejected combination (fast >= slow, out of range): skipped */
        cb->skipped = 1;
        snprintf(cb->reason, sizeof cb->reason, "%.159s", perr.msg);
        return QC_OK;
    }
    if (rc) {
        *err = perr;
        return rc;
    }
    add_range(&c->full[i], w->r, 0, n - 1);
    size_t len = c->s_blocks ? n / c->s_blocks : 0, skip = c->s_blocks ? n % c->s_blocks : 0;
    for (size_t j = 0; j < c->s_blocks; j++)
        add_range(&c->blocks[i * c->s_blocks + j], w->r, skip + j * len, skip + (j + 1) * len - 1);
    return c->res->use_cv ? run_segments(c, w, i, err) : QC_OK;
}

static void *worker_main(void *arg) {
    sweep_ctx *c = arg;
    worker w;
    memset(&w, 0, sizeof w);
    w.r = malloc(c->bars->n * sizeof *w.r);
    for (;;) {
        pthread_mutex_lock(&c->mu);
        size_t i = c->next++;
        int stop = c->stop || !w.r || i >= c->res->n_combos;
        if (!w.r && !c->stop) {
            c->stop = 1;
            c->err_combo = 0;
            qc_err_set(&c->first_err, QC_ERR_NOMEM, "sweep: out of memory");
        }
        pthread_mutex_unlock(&c->mu);
        if (stop) break;
        qc_error err = {0};
        w.runs = w.events = 0;
        qc_err rc = run_combo(c, &w, i, &err);
        c->runs[i] = w.runs;
        c->events[i] = w.events;
        pthread_mutex_lock(&c->mu);
        if (rc && (!c->first_err.code || i < c->err_combo)) { /* the lowest failing combination wins */
            c->first_err = err;
            c->first_err.code = rc;
            c->err_combo = i;
        }
        if (rc) c->stop = 1;
        c->done++;
        if (c->o->progress) c->o->progress(c->o->progress_ctx, c->done, c->res->n_combos);
        pthread_mutex_unlock(&c->mu);
    }
    free(w.r);
    qc_backtest_result_free(&w.prev);
    return NULL;
}

static qc_err run_threads(sweep_ctx *c, qc_error *err) {
    size_t nt = c->o->threads ? c->o->threads : 1;
    if (nt > 256) nt = 256;
    if (nt > c->res->n_combos) nt = c->res->n_combos;
    pthread_t th[256];
    size_t started = 0;
    for (size_t t = 1; t < nt; t++) {
        if (pthread_create(&th[t], NULL, worker_main, c) != 0) break;
        started = t;
    }
    worker_main(c); /* the calling thread works too */
    for (size_t t = 1; t <= started; t++) pthread_join(th[t], NULL);
    if (c->first_err.code) {
        *err = c->first_err;
        return c->first_err.code;
    }
    return QC_OK;
}

/* ---- aggregation ------------------------------------------------------------------------------ */

static qc_moments merge_segs(const sweep_ctx *c, size_t i, const size_t *segs, size_t n) {
    qc_moments m = {0};
    const qc_moments *pc = c->pieces + i * c->lay.n_pieces;
    for (size_t k = 0; k < n; k++) {
        const segment *s = &c->lay.seg[segs[k]];
        for (size_t j = 0; j < s->n_pieces; j++) qc_moments_merge(&m, &pc[s->piece0 + j]);
    }
    return m;
}

static double train_sharpe(const sweep_ctx *c, size_t i, size_t s) {
    qc_moments m = merge_segs(c, i, c->lay.train_seg + c->lay.train_off[s], c->lay.train_off[s + 1] - c->lay.train_off[s]);
    return qc_moments_sharpe(&m);
}

/* Path q's out-of-sample moments when split s is served by combination pick[s] (pick NULL: i). */
static qc_moments path_moments(const sweep_ctx *c, size_t i, const size_t *pick, size_t q) {
    const qc_cv_plan *p = &c->res->plan;
    qc_moments m = {0};
    for (size_t g = 0; g < p->n_atoms; g++) {
        size_t s = g; /* non-CPCV: one path; atom g is tested in exactly one split */
        if (p->n_paths) s = p->paths[q * p->n_atoms + g].split;
        else
            for (s = 0; s < p->n_splits && c->lay.atom_piece[s * p->n_atoms + g] == SIZE_MAX; s++) {}
        size_t who = pick ? pick[s] : i;
        qc_moments_merge(&m, &c->pieces[who * c->lay.n_pieces + c->lay.atom_piece[s * p->n_atoms + g]]);
    }
    return m;
}

static void dist(const double *v, size_t n, double *mean, double *sd, double *lo, double *hi) {
    qc_moments m = {0};
    *lo = INFINITY;
    *hi = -INFINITY;
    for (size_t k = 0; k < n; k++) {
        qc_moments_add(&m, v[k]);
        if (v[k] < *lo) *lo = v[k];
        if (v[k] > *hi) *hi = v[k];
    }
    *mean = n ? m.mean : NAN;
    *sd = n > 1 ? sqrt(m.m2 / (m.n - 1)) : NAN;
}

static qc_err aggregate_cv(sweep_ctx *c, qc_error *err) {
    qc_sweep_result *res = c->res;
    const qc_cv_plan *p = &res->plan;
    double ann = sqrt(res->periods_per_year);
    res->split_train_sharpe = malloc(p->n_splits * res->n_combos * sizeof *res->split_train_sharpe);
    if (!res->split_train_sharpe) return qc_err_set(err, QC_ERR_NOMEM, "sweep: out of memory");
    for (size_t k = 0; k < p->n_splits * res->n_combos; k++) res->split_train_sharpe[k] = NAN;
    for (size_t i = 0; i < res->n_combos; i++) {
        qc_sweep_combo *cb = &res->combos[i];
        if (cb->skipped) continue;
        cb->path_sharpe = malloc(res->n_paths * sizeof *cb->path_sharpe);
        if (!cb->path_sharpe) return qc_err_set(err, QC_ERR_NOMEM, "sweep: out of memory");
        double is = 0;
        for (size_t s = 0; s < p->n_splits; s++) {
            double v = train_sharpe(c, i, s);
            res->split_train_sharpe[s * res->n_combos + i] = v;
            is += ann * v / (double)p->n_splits;
        }
        cb->is_sharpe = is;
        for (size_t q = 0; q < res->n_paths; q++) {
            qc_moments m = path_moments(c, i, NULL, q);
            cb->path_sharpe[q] = ann * qc_moments_sharpe(&m);
        }
        dist(cb->path_sharpe, res->n_paths, &cb->oos_sharpe, &cb->oos_std, &cb->oos_min, &cb->oos_max);
    }
    res->split_best = malloc(p->n_splits * sizeof *res->split_best);
    res->procedure_path_sharpe = malloc(res->n_paths * sizeof *res->procedure_path_sharpe);
    if (!res->split_best || !res->procedure_path_sharpe) return qc_err_set(err, QC_ERR_NOMEM, "sweep: out of memory");
    for (size_t s = 0; s < p->n_splits; s++) {
        double best = -INFINITY;
        for (size_t i = 0; i < res->n_combos; i++) {
            if (res->combos[i].skipped) continue;
            double v = res->split_train_sharpe[s * res->n_combos + i];
            if (v > best) {
                best = v;
                res->split_best[s] = i;
            }
        }
    }
    double sum = 0;
    for (size_t q = 0; q < res->n_paths; q++) {
        qc_moments m = path_moments(c, 0, res->split_best, q);
        res->procedure_path_sharpe[q] = ann * qc_moments_sharpe(&m);
        sum += res->procedure_path_sharpe[q];
    }
    res->procedure_oos_sharpe = sum / (double)res->n_paths;
    return QC_OK;
}

/* Walk-forward: each window's pick re-run on its test segment; the returns stitched from 1.0. */
static qc_err stitch(sweep_ctx *c, worker *w, qc_error *err) {
    qc_sweep_result *res = c->res;
    const qc_cv_plan *p = &res->plan;
    size_t total = 0;
    for (size_t s = 0; s < p->n_splits; s++) total += qc_cv_ranges_count(p->splits[s].test, p->splits[s].n_test);
    res->stitched_index = malloc((total + 1) * sizeof *res->stitched_index);
    res->stitched_equity = malloc((total + 1) * sizeof *res->stitched_equity);
    if (!res->stitched_index || !res->stitched_equity) return qc_err_set(err, QC_ERR_NOMEM, "sweep: out of memory");
    double eq = 1;
    for (size_t s = 0; s < p->n_splits; s++) {
        const segment *sg = &c->lay.seg[c->lay.test_seg[c->lay.test_off[s]]];
        qc_err rc = combo_params(c, res->combos[res->split_best[s]].value, &w->params, err);
        w->warmup = rc ? 0 : warmup_of(c, &w->params);
        size_t back = sg->allowance < w->warmup ? sg->allowance : w->warmup;
        if (!rc) rc = run_range(c, w, sg->first - back, sg->last, NULL, err);
        if (rc) return rc;
        for (size_t t = sg->first; t <= sg->last; t++) {
            eq *= 1 + w->r[t];
            res->stitched_index[res->n_stitched] = t;
            res->stitched_equity[res->n_stitched++] = eq;
        }
    }
    return QC_OK;
}

/* Trials, their Sharpe variance, the selected combination, its DSR; PBO over the trials. */
static qc_err aggregate_trials(sweep_ctx *c, worker *w, qc_error *err) {
    qc_sweep_result *res = c->res;
    double ann = sqrt(res->periods_per_year);
    qc_moments srs = {0};
    res->trial_combo = malloc((res->n_combos + 1) * sizeof *res->trial_combo);
    qc_moments *tb = c->s_blocks ? malloc((res->n_combos * c->s_blocks + 1) * sizeof *tb) : NULL;
    if (!res->trial_combo || (c->s_blocks && !tb)) {
        free(tb);
        return qc_err_set(err, QC_ERR_NOMEM, "sweep: out of memory");
    }
    res->selected = -1;
    for (size_t i = 0; i < res->n_combos; i++) {
        qc_sweep_combo *cb = &res->combos[i];
        if (cb->skipped) continue;
        double sr = qc_moments_sharpe(&c->full[i]);
        cb->full_sharpe = ann * sr;
        if (!res->use_cv) cb->is_sharpe = cb->full_sharpe;
        qc_moments_add(&srs, sr);
        if (tb) memcpy(tb + res->n_trials * c->s_blocks, c->blocks + i * c->s_blocks, c->s_blocks * sizeof *tb);
        res->trial_combo[res->n_trials++] = i;
        if (res->selected < 0 || cb->is_sharpe > res->combos[res->selected].is_sharpe) res->selected = (long)i;
    }
    qc_err rc = QC_OK;
    if (res->n_trials == 0) {
        size_t k = 0; /* name the first reason */
        rc = qc_err_set(err, QC_ERR_INPUT, "sweep: no valid combination (%s)", res->n_combos ? res->combos[k].reason : "empty grid");
    }
    res->trials_sr_var = res->n_trials > 1 ? srs.m2 / (srs.n - 1) : 0;
    if (!rc && tb && res->n_trials >= 2) {
        rc = qc_pbo_from_blocks_mt(tb, res->n_trials, c->s_blocks, c->o->threads, &res->pbo, err);
        res->pbo.rows_used = c->bars->n / c->s_blocks * c->s_blocks;
        res->has_pbo = !rc;
    }
    free(tb);
    if (rc) return rc;
    /* DSR of the selected combination's full-sample returns against E[max SR] of the trials */
    rc = combo_params(c, res->combos[res->selected].value, &w->params, err);
    if (!rc) rc = run_range(c, w, 0, c->bars->n - 1, NULL, err);
    qc_metrics_opts mo;
    qc_metrics_opts_init(&mo);
    mo.periods_per_year = res->periods_per_year;
    mo.trials = res->n_trials;
    mo.trials_sr_var = res->trials_sr_var;
    qc_metrics m;
    if (!rc) rc = qc_metrics_from_returns(c->bars->ts, w->r, c->bars->n, &mo, &m, err);
    if (rc) return rc;
    res->selected_psr = m.psr;
    res->selected_dsr = m.dsr;
    res->expected_max_sr = res->n_trials > 1 ? qc_expected_max_sr(res->n_trials, res->trials_sr_var) : 0;
    return QC_OK;
}

/* ---- entry ------------------------------------------------------------------------------------ */

static qc_err check_opts(const qc_bars *bars, const qc_sweep_opts *o, qc_sweep_result *res, qc_error *err) {
    if (!o->strategy) return qc_err_set(err, QC_ERR_INPUT, "sweep: no strategy");
    if (o->n_axes == 0 || o->n_axes > QC_SWEEP_MAX_AXES)
        return qc_err_set(err, QC_ERR_INPUT, "sweep: give 1 to %d --grid axes, got %zu", QC_SWEEP_MAX_AXES, o->n_axes);
    if (bars->n < 3) return qc_err_set(err, QC_ERR_INPUT, "sweep: need at least 3 bars, got %zu", bars->n);
    size_t total = 1;
    for (size_t a = 0; a < o->n_axes; a++) {
        int known = 0, text = 0;
        for (size_t k = 0; k < o->strategy->n_params; k++)
            if (strcmp(o->strategy->params[k].name, o->axes[a].name) == 0)
                known = 1, text = o->strategy->params[k].type == QC_PARAM_STRING;
        if (!known)
            return qc_err_set(err, QC_ERR_INPUT, "sweep: %s has no parameter '%s'", o->strategy->name, o->axes[a].name);
        if (text)
            return qc_err_set(err, QC_ERR_INPUT, "sweep: parameter '%s' is text: give it with --param, not --grid",
                              o->axes[a].name);
        for (size_t b = 0; b < a; b++)
            if (strcmp(o->axes[a].name, o->axes[b].name) == 0)
                return qc_err_set(err, QC_ERR_INPUT, "sweep: parameter '%s' has two --grid axes", o->axes[a].name);
        total *= qc_sweep_axis_count(&o->axes[a]);
        if (total > QC_SWEEP_MAX_COMBOS)
            return qc_err_set(err, QC_ERR_INPUT, "sweep: more than %d combinations", QC_SWEEP_MAX_COMBOS);
        res->axes[a] = o->axes[a];
    }
    if (o->pbo_s < 2 || o->pbo_s > 32 || o->pbo_s % 2)
        return qc_err_set(err, QC_ERR_INPUT, "sweep: --pbo-s must be even and in [2, 32], got %zu", o->pbo_s);
    res->n_axes = o->n_axes;
    res->n_combos = total;
    return QC_OK;
}

static qc_err ctx_alloc(sweep_ctx *c, qc_error *err) {
    size_t nc = c->res->n_combos;
    c->res->combos = calloc(nc, sizeof *c->res->combos);
    c->full = calloc(nc, sizeof *c->full);
    c->blocks = calloc(nc * c->s_blocks + 1, sizeof *c->blocks);
    c->pieces = calloc(nc * c->lay.n_pieces + 1, sizeof *c->pieces);
    c->runs = calloc(nc, sizeof *c->runs);
    c->events = calloc(nc, sizeof *c->events);
    if (!c->res->combos || !c->full || !c->blocks || !c->pieces || !c->runs || !c->events)
        return qc_err_set(err, QC_ERR_NOMEM, "sweep: out of memory");
    return QC_OK;
}

static void ctx_free(sweep_ctx *c) {
    layout_free(&c->lay);
    free(c->full);
    free(c->blocks);
    free(c->pieces);
    free(c->runs);
    free(c->events);
}

qc_err qc_sweep_run(const qc_bars *bars, const char *symbol, const qc_sweep_opts *o, qc_sweep_result *res,
                    qc_error *err) {
    memset(res, 0, sizeof *res);
    res->selected = -1;
    qc_err rc = check_opts(bars, o, res, err);
    if (rc) return rc;
    sweep_ctx c;
    memset(&c, 0, sizeof c);
    c.bars = bars;
    c.symbol = symbol ? symbol : "X";
    c.o = o;
    c.res = res;
    res->n_bars = bars->n;
    res->periods_per_year = o->bt.metrics.periods_per_year > 0 ? o->bt.metrics.periods_per_year
                                                               : qc_backtest_periods_per_year(o->bt.cal, o->bt.interval_s);
    res->use_cv = o->use_cv;
    c.s_blocks = bars->n >= o->pbo_s ? o->pbo_s : 0;
    if (o->use_cv) {
        qc_cv_opts cv = o->cv;
        cv.n = bars->n;
        rc = qc_cv_plan_build(&cv, &res->plan, err);
        if (!rc) rc = layout_build(&res->plan, &c.lay, err);
        res->n_paths = res->plan.n_paths ? res->plan.n_paths : 1;
    }
    if (!rc) rc = ctx_alloc(&c, err);
    if (!rc) {
        pthread_mutex_init(&c.mu, NULL);
        rc = run_threads(&c, err);
        pthread_mutex_destroy(&c.mu);
    }
    for (size_t i = 0; !rc && i < res->n_combos; i++) {
        res->n_backtests += c.runs[i];
        res->n_bar_events += c.events[i];
    }
    worker w;
    memset(&w, 0, sizeof w);
    w.r = rc ? NULL : malloc(bars->n * sizeof *w.r);
    if (!rc && !w.r) rc = qc_err_set(err, QC_ERR_NOMEM, "sweep: out of memory");
    if (!rc && o->use_cv) rc = aggregate_cv(&c, err);
    if (!rc) rc = aggregate_trials(&c, &w, err);
    if (!rc && o->use_cv && res->plan.scheme == QC_CV_WALKFORWARD) rc = stitch(&c, &w, err);
    res->n_backtests += w.runs;
    res->n_bar_events += w.events;
    free(w.r);
    qc_backtest_result_free(&w.prev);
    ctx_free(&c);
    if (rc) qc_sweep_result_free(res);
    return rc;
}

void qc_sweep_result_free(qc_sweep_result *res) {
    for (size_t i = 0; res->combos && i < res->n_combos; i++) free(res->combos[i].path_sharpe);
    free(res->combos);
    qc_cv_plan_free(&res->plan);
    qc_pbo_free(&res->pbo);
    free(res->trial_combo);
    free(res->split_best);
    free(res->split_train_sharpe);
    free(res->procedure_path_sharpe);
    free(res->stitched_index);
    free(res->stitched_equity);
    memset(res, 0, sizeof *res);
    res->selected = -1;
}
