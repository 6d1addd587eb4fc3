/* lstm.c: the "lstm" learner, a one-layer LSTM over the previous `lookback` feature rows.
 * Row i's input sequence is rows i-L+1 .. i of X in the order given (time order; rows before the
 * first are the first row repeated), standardised with the training rows' mean and std. Gates
 * (i, f, g, o) = (s, s, tanh, s)(x_t W + h_{t-1} U + b); c_t = f c_{t-1} + i g; h_t = o tanh(c_t);
 * the head reads h_L: s = c0 + h_L.v, P(y = 1) = sigmoid(s) (binary) or s (regression).
 * Training: weighted mean log-loss / half squared error over minibatches, backpropagation through
 * time with the gate matmuls of a minibatch as dgemm calls (OpenBLAS), global-norm gradient
 * clipping, Adam with decoupled weight decay (AdamW), optional early stopping on a held-out tail.
 * Prediction runs one sequence at a time in plain loops of fixed order, so a row's prediction does
 * not depend on which other rows are predicted with it (batch, stream, any chunking agree bit for
 * bit). Hochreiter & Schmidhuber 1997; Kingma & Ba 2015; Loshchilov & Hutter 2019. */
#include <cblas.h>
#include <cjson/cJSON.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/internal.h"

typedef struct {
    size_t d, H, L;
    double *mean, *std; /* d each: training-row statistics */
    double *theta;      /* qc_lstm_param_count(d, H) */
} lstm_model;

typedef struct {
    size_t H, L, epochs, batch, patience;
    double lr, wd, clip, valid;
    uint64_t seed;
} lstm_cfg;

/* ---- parameters --------------------------------------------------------------------------------------- */

static const struct {
    const char *name, *def;
} k_params[] = {{"hidden", "16"}, {"lookback", "10"},  {"epochs", "30"},  {"lr", "0.01"},
                {"batch", "64"},  {"seed", "0"},       {"weight_decay", "0"}, {"clip", "5"},
                {"valid", "0"},   {"patience", "5"}};

qc_err qc_lstm_defaults(qc_learner *l, qc_error *err) {
    if (l->task == QC_TASK_MULTICLASS)
        return qc_err_set(err, QC_ERR_INPUT, "lstm: multiclass is not supported (binary or regression)");
    qc_err rc = QC_OK;
    for (size_t k = 0; !rc && k < sizeof k_params / sizeof k_params[0]; k++)
        rc = qc_learner_set(l, k_params[k].name, k_params[k].def, err);
    return rc;
}

static qc_err get_size(const qc_learner *l, const char *name, size_t lo, size_t hi, size_t *out, qc_error *err) {
    const char *s = qc_learner_get(l, name);
    char *end;
    long long v = s ? strtoll(s, &end, 10) : -1;
    if (!s || *end || v < (long long)lo || v > (long long)hi)
        return qc_err_set(err, QC_ERR_INPUT, "lstm: %s must be an integer in [%zu, %zu]", name, lo, hi);
    *out = (size_t)v;
    return QC_OK;
}

static qc_err get_real(const qc_learner *l, const char *name, double lo, double hi, double *out, qc_error *err) {
    const char *s = qc_learner_get(l, name);
    char *end;
    double v = s ? strtod(s, &end) : NAN;
    if (!s || *end || !(v >= lo && v <= hi))
        return qc_err_set(err, QC_ERR_INPUT, "lstm: %s must be a number in [%g, %g]", name, lo, hi);
    *out = v;
    return QC_OK;
}

static qc_err read_cfg(const qc_learner *l, lstm_cfg *c, qc_error *err) {
    for (size_t i = 0; i < l->n_params; i++) {
        size_t k = 0;
        while (k < sizeof k_params / sizeof k_params[0] && strcmp(k_params[k].name, l->pname[i]) != 0) k++;
        if (k == sizeof k_params / sizeof k_params[0])
            return qc_err_set(err, QC_ERR_INPUT, "lstm: unknown parameter '%s' (hidden, lookback, epochs, lr, batch, seed,"
                              " weight_decay, clip, valid, patience)", l->pname[i]);
    }
    size_t seed = 0;
    qc_err rc = get_size(l, "hidden", 1, 512, &c->H, err);
    if (!rc) rc = get_size(l, "lookback", 1, 1000, &c->L, err);
    if (!rc) rc = get_size(l, "epochs", 1, 100000, &c->epochs, err);
    if (!rc) rc = get_size(l, "batch", 1, 65536, &c->batch, err);
    if (!rc) rc = get_size(l, "patience", 1, 100000, &c->patience, err);
    if (!rc) rc = get_size(l, "seed", 0, (size_t)1 << 62, &seed, err);
    if (!rc) rc = get_real(l, "lr", 1e-12, 10, &c->lr, err);
    if (!rc) rc = get_real(l, "weight_decay", 0, 1, &c->wd, err);
    if (!rc) rc = get_real(l, "clip", 0, 1e12, &c->clip, err);
    if (!rc) rc = get_real(l, "valid", 0, 0.5, &c->valid, err);
    c->seed = (uint64_t)seed;
    return rc;
}

size_t qc_lstm_param_count(size_t d, size_t H) { return d * 4 * H + H * 4 * H + 4 * H + H + 1; }

/* Offsets of the parameter blocks in theta: W (d x 4H), U (H x 4H), b (4H), v (H), c0 (1). */
static void blocks(size_t d, size_t H, size_t off[5]) {
    off[0] = 0, off[1] = d * 4 * H, off[2] = off[1] + H * 4 * H, off[3] = off[2] + 4 * H, off[4] = off[3] + H;
}

static double sigm(double z) { return 1 / (1 + exp(-z)); }

/* ---- training: minibatch forward and backward over dgemm ---------------------------------------------- */

typedef struct {
    size_t cap;         /* minibatch capacity */
    double *X;          /* L*B x d, step-major: X[(t*B + b)*d + j] */
    double *G, *C, *Hs; /* activated gates L*B x 4H, cells and hidden states L*B x H */
    double *DZ;         /* gate pre-activation gradients, L*B x 4H */
    double *dh, *dc, *dhp, *s; /* B x H, B x H, B x H, B */
} lstm_ws;

static void ws_free(lstm_ws *w) { free(w->X), free(w->G), free(w->C), free(w->Hs), free(w->DZ), free(w->dh); }

static int ws_alloc(lstm_ws *w, size_t cap, size_t d, size_t H, size_t L) {
    memset(w, 0, sizeof *w);
    w->cap = cap;
    w->X = malloc(L * cap * d * sizeof *w->X);
    w->G = malloc(L * cap * 4 * H * sizeof *w->G);
    w->DZ = malloc(L * cap * 4 * H * sizeof *w->DZ);
    w->C = malloc(L * cap * H * sizeof *w->C);
    w->Hs = malloc(L * cap * H * sizeof *w->Hs);
    w->dh = malloc((3 * cap * H + cap) * sizeof *w->dh);
    if (!w->X || !w->G || !w->DZ || !w->C || !w->Hs || !w->dh) {
        ws_free(w);
        return -1;
    }
    w->dc = w->dh + cap * H, w->dhp = w->dc + cap * H, w->s = w->dhp + cap * H;
    return 0;
}

/* Forward over B sequences already in w->X; head scores into w->s. */
static void forward(size_t d, size_t H, size_t L, const double *theta, lstm_ws *w, size_t B) {
    size_t off[5], G4 = 4 * H;
    blocks(d, H, off);
    const double *W = theta + off[0], *U = theta + off[1], *bias = theta + off[2], *v = theta + off[3];
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)(L * B), (int)G4, (int)d, 1.0, w->X, (int)d, W,
                (int)G4, 0.0, w->G, (int)G4);
    for (size_t t = 0; t < L; t++) {
        double *Gt = w->G + t * B * G4, *Ct = w->C + t * B * H, *Ht = w->Hs + t * B * H;
        const double *Cp = t ? Ct - B * H : NULL;
        if (t)
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)B, (int)G4, (int)H, 1.0, Ht - B * H, (int)H, U,
                        (int)G4, 1.0, Gt, (int)G4);
        for (size_t b = 0; b < B; b++) {
            double *z = Gt + b * G4;
            for (size_t k = 0; k < H; k++) {
                double i = sigm(z[k] + bias[k]), f = sigm(z[H + k] + bias[H + k]);
                double g = tanh(z[2 * H + k] + bias[2 * H + k]), o = sigm(z[3 * H + k] + bias[3 * H + k]);
                z[k] = i, z[H + k] = f, z[2 * H + k] = g, z[3 * H + k] = o;
                double c = i * g + (Cp ? f * Cp[b * H + k] : 0);
                Ct[b * H + k] = c;
                Ht[b * H + k] = o * tanh(c);
            }
        }
    }
    const double *HL = w->Hs + (L - 1) * B * H;
    for (size_t b = 0; b < B; b++) {
        double s = theta[off[4]];
        for (size_t k = 0; k < H; k++) s += HL[b * H + k] * v[k];
        w->s[b] = s;
    }
}

/* Weighted mean loss of the scores in w->s; with dS != NULL, d(loss)/d(s_b) into dS. */
static double head_loss(qc_task task, const lstm_ws *w, size_t B, const double *y, const double *wt, double *dS) {
    double sw = 0, f = 0;
    for (size_t b = 0; b < B; b++) sw += wt ? wt[b] : 1;
    if (!(sw > 0)) {
        if (dS) memset(dS, 0, B * sizeof *dS);
        return 0;
    }
    for (size_t b = 0; b < B; b++) {
        double s = w->s[b], wb = (wt ? wt[b] : 1) / sw, r;
        if (task == QC_TASK_BINARY) {
            f += wb * ((s > 0 ? s + log1p(exp(-s)) : log1p(exp(s))) - y[b] * s);
            r = sigm(s) - y[b];
        } else {
            r = s - y[b];
            f += wb * 0.5 * r * r;
        }
        if (dS) dS[b] = wb * r;
    }
    return f;
}

/* Backpropagation through time: the gradient of the loss whose head gradients are dS into grad. */
static void backward(size_t d, size_t H, size_t L, const double *theta, lstm_ws *w, size_t B, const double *dS,
                     double *grad) {
    size_t off[5], G4 = 4 * H;
    blocks(d, H, off);
    const double *U = theta + off[1], *v = theta + off[3];
    memset(grad, 0, qc_lstm_param_count(d, H) * sizeof *grad);
    const double *HL = w->Hs + (L - 1) * B * H;
    for (size_t b = 0; b < B; b++) {
        grad[off[4]] += dS[b];
        for (size_t k = 0; k < H; k++) {
            grad[off[3] + k] += dS[b] * HL[b * H + k];
            w->dh[b * H + k] = dS[b] * v[k];
        }
    }
    memset(w->dc, 0, B * H * sizeof *w->dc);
    for (size_t t = L; t-- > 0;) {
        const double *Gt = w->G + t * B * G4, *Ct = w->C + t * B * H, *Cp = t ? Ct - B * H : NULL;
        double *Dt = w->DZ + t * B * G4;
        for (size_t b = 0; b < B; b++)
            for (size_t k = 0; k < H; k++) {
                const double *z = Gt + b * G4;
                double i = z[k], f = z[H + k], g = z[2 * H + k], o = z[3 * H + k];
                double tc = tanh(Ct[b * H + k]), dh = w->dh[b * H + k], cp = Cp ? Cp[b * H + k] : 0;
                double dc = w->dc[b * H + k] + dh * o * (1 - tc * tc);
                double *dz = Dt + b * G4;
                dz[k] = dc * g * i * (1 - i);
                dz[H + k] = dc * cp * f * (1 - f);
                dz[2 * H + k] = dc * i * (1 - g * g);
                dz[3 * H + k] = dh * tc * o * (1 - o);
                w->dc[b * H + k] = dc * f;
            }
        if (!t) break;
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)H, (int)G4, (int)B, 1.0, w->Hs + (t - 1) * B * H,
                    (int)H, Dt, (int)G4, 1.0, grad + off[1], (int)G4);
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)B, (int)H, (int)G4, 1.0, Dt, (int)G4, U, (int)G4, 0.0,
                    w->dh, (int)H);
    }
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)d, (int)G4, (int)(L * B), 1.0, w->X, (int)d, w->DZ,
                (int)G4, 0.0, grad + off[0], (int)G4);
    for (size_t r = 0; r < L * B; r++)
        for (size_t k = 0; k < G4; k++) grad[off[2] + k] += w->DZ[r * G4 + k];
}

qc_err qc_lstm_loss_grad(qc_task task, size_t d, size_t H, size_t L, const double *theta, const double *seqs,
                         size_t B, const double *y, const double *w, double *loss, double *grad, qc_error *err) {
    lstm_ws ws;
    if (ws_alloc(&ws, B, d, H, L)) return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    for (size_t b = 0; b < B; b++)
        for (size_t t = 0; t < L; t++) memcpy(ws.X + (t * B + b) * d, seqs + (b * L + t) * d, d * sizeof *ws.X);
    forward(d, H, L, theta, &ws, B);
    double *dS = grad ? malloc(B * sizeof *dS) : NULL;
    if (grad && !dS) {
        ws_free(&ws);
        return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    }
    *loss = head_loss(task, &ws, B, y, w, dS);
    if (grad) backward(d, H, L, theta, &ws, B, dS, grad);
    free(dS);
    ws_free(&ws);
    return QC_OK;
}

/* ---- the fit -------------------------------------------------------------------------------------------- */

/* splitmix64: a small seeded generator, the same stream on every platform */
static uint64_t rng_next(uint64_t *s) {
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static double rng_unit(uint64_t *s) { return (double)(rng_next(s) >> 11) * (1.0 / 9007199254740992.0); }

/* Glorot-uniform W and U, forget-gate bias 1, the head's intercept at the label's base rate. */
static void init_theta(size_t d, size_t H, double *theta, uint64_t seed, qc_task task, double ybar) {
    size_t off[5];
    blocks(d, H, off);
    uint64_t s = seed;
    double aw = sqrt(6.0 / (double)(d + 4 * H)), au = sqrt(6.0 / (double)(5 * H)), av = sqrt(6.0 / (double)(H + 1));
    memset(theta, 0, qc_lstm_param_count(d, H) * sizeof *theta);
    for (size_t k = off[0]; k < off[1]; k++) theta[k] = aw * (2 * rng_unit(&s) - 1);
    for (size_t k = off[1]; k < off[2]; k++) theta[k] = au * (2 * rng_unit(&s) - 1);
    for (size_t k = 0; k < H; k++) theta[off[2] + H + k] = 1;
    for (size_t k = off[3]; k < off[4]; k++) theta[k] = av * (2 * rng_unit(&s) - 1);
    double p = fmin(fmax(ybar, 1e-6), 1 - 1e-6);
    theta[off[4]] = task == QC_TASK_BINARY ? log(p / (1 - p)) : ybar;
}

/* Sequence of row i of the standardised rows Z (n x d) into dst at stride: step t reads row
 * i - L + 1 + t, or row 0 before the first. */
static const double *seq_row(const double *Z, size_t d, size_t L, size_t i, size_t t) {
    size_t back = L - 1 - t;
    return Z + (i >= back ? i - back : 0) * d;
}

typedef struct {
    const lstm_cfg *c;
    qc_task task;
    size_t n, d, P;
    const double *Z, *y, *w;
    double *theta, *grad, *m1, *m2, *best, *yb, *wb;
    size_t *idx;
    lstm_ws ws;
} trainer;

static void gather(trainer *tr, const size_t *rows, size_t B) {
    size_t d = tr->d, L = tr->c->L;
    for (size_t b = 0; b < B; b++) {
        for (size_t t = 0; t < L; t++)
            memcpy(tr->ws.X + (t * B + b) * d, seq_row(tr->Z, d, L, rows[b], t), d * sizeof *tr->ws.X);
        tr->yb[b] = tr->y[rows[b]];
        tr->wb[b] = tr->w ? tr->w[rows[b]] : 1;
    }
}

/* One Adam step (decoupled weight decay on W, U and v, not on biases) after global-norm clipping. */
static void adam_step(trainer *tr, size_t step) {
    const lstm_cfg *c = tr->c;
    size_t off[5];
    blocks(tr->d, c->H, off);
    double norm = 0;
    for (size_t k = 0; k < tr->P; k++) norm += tr->grad[k] * tr->grad[k];
    norm = sqrt(norm);
    double scale = c->clip > 0 && norm > c->clip ? c->clip / norm : 1;
    double b1 = 0.9, b2 = 0.999, bc1 = 1 - pow(b1, (double)step), bc2 = 1 - pow(b2, (double)step);
    for (size_t k = 0; k < tr->P; k++) {
        double g = tr->grad[k] * scale;
        tr->m1[k] = b1 * tr->m1[k] + (1 - b1) * g;
        tr->m2[k] = b2 * tr->m2[k] + (1 - b2) * g * g;
        int decay = k < off[2] || (k >= off[3] && k < off[4]);
        if (decay) tr->theta[k] -= c->lr * c->wd * tr->theta[k];
        tr->theta[k] -= c->lr * (tr->m1[k] / bc1) / (sqrt(tr->m2[k] / bc2) + 1e-8);
    }
}

/* Weighted mean loss of rows [a, b) (the held-out tail), in minibatches. */
static double tail_loss(trainer *tr, size_t a, size_t b) {
    double f = 0, sw = 0;
    for (size_t r = a; r < b; r += tr->c->batch) {
        size_t B = b - r < tr->c->batch ? b - r : tr->c->batch;
        for (size_t k = 0; k < B; k++) tr->idx[tr->n + k] = r + k;
        gather(tr, tr->idx + tr->n, B);
        forward(tr->d, tr->c->H, tr->c->L, tr->theta, &tr->ws, B);
        double s = 0;
        for (size_t k = 0; k < B; k++) s += tr->wb[k];
        f += s * head_loss(tr->task, &tr->ws, B, tr->yb, tr->wb, NULL), sw += s;
    }
    return sw > 0 ? f / sw : 0;
}

static void run_epochs(trainer *tr, size_t n_fit) {
    const lstm_cfg *c = tr->c;
    uint64_t rs = c->seed ^ 0x5DEECE66Dull;
    double best = INFINITY;
    size_t step = 0, stale = 0;
    for (size_t i = 0; i < n_fit; i++) tr->idx[i] = i;
    for (size_t ep = 0; ep < c->epochs; ep++) {
        for (size_t i = n_fit; i-- > 1;) {
            size_t j = (size_t)(rng_next(&rs) % (i + 1)), t = tr->idx[i];
            tr->idx[i] = tr->idx[j], tr->idx[j] = t;
        }
        for (size_t r = 0; r < n_fit; r += c->batch) {
            size_t B = n_fit - r < c->batch ? n_fit - r : c->batch;
            gather(tr, tr->idx + r, B);
            forward(tr->d, c->H, c->L, tr->theta, &tr->ws, B);
            /* the head gradients overwrite the scores in place (each read before it is written) */
            head_loss(tr->task, &tr->ws, B, tr->yb, tr->wb, tr->ws.s);
            backward(tr->d, c->H, c->L, tr->theta, &tr->ws, B, tr->ws.s, tr->grad);
            adam_step(tr, ++step);
        }
        if (n_fit == tr->n) continue;
        double vl = tail_loss(tr, n_fit, tr->n);
        if (vl < best) {
            best = vl, stale = 0;
            memcpy(tr->best, tr->theta, tr->P * sizeof *tr->best);
        } else if (++stale >= c->patience)
            break;
    }
    if (n_fit < tr->n && isfinite(best)) memcpy(tr->theta, tr->best, tr->P * sizeof *tr->best);
}

static void model_free(lstm_model *m) {
    if (m) free(m->mean), free(m->std), free(m->theta);
    free(m);
}

static lstm_model *model_alloc(size_t d, size_t H, size_t L) {
    lstm_model *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    m->d = d, m->H = H, m->L = L;
    m->mean = calloc(d, sizeof *m->mean);
    m->std = calloc(d, sizeof *m->std);
    m->theta = calloc(qc_lstm_param_count(d, H), sizeof *m->theta);
    if (!m->mean || !m->std || !m->theta) {
        model_free(m);
        return NULL;
    }
    return m;
}

static void lstm_free(qc_learner *l) {
    model_free(l->impl);
    l->impl = NULL;
}

/* Training-row mean and std per feature (std 0 becomes 1) and the standardised rows into Z. */
static void standardise(const double *X, size_t n, size_t d, lstm_model *m, double *Z) {
    for (size_t j = 0; j < d; j++) {
        double mu = 0, v = 0;
        for (size_t i = 0; i < n; i++) mu += X[i * d + j];
        mu /= (double)n;
        for (size_t i = 0; i < n; i++) v += (X[i * d + j] - mu) * (X[i * d + j] - mu);
        double sd = sqrt(v / (double)n);
        m->mean[j] = mu, m->std[j] = sd > 0 && isfinite(sd) ? sd : 1;
        for (size_t i = 0; i < n; i++) Z[i * d + j] = (X[i * d + j] - mu) / m->std[j];
    }
}

static void trainer_free(trainer *tr) {
    free(tr->grad), free(tr->yb), free(tr->idx); /* m1, m2, best live in grad's block, wb in yb's */
    ws_free(&tr->ws);
}

static int trainer_alloc(trainer *tr) {
    size_t P = tr->P, cap = tr->c->batch < tr->n ? tr->c->batch : tr->n;
    tr->grad = calloc(4 * P, sizeof *tr->grad);
    tr->yb = malloc(2 * cap * sizeof *tr->yb);
    tr->idx = malloc((tr->n + cap) * sizeof *tr->idx);
    if (!tr->grad || !tr->yb || !tr->idx || ws_alloc(&tr->ws, cap, tr->d, tr->c->H, tr->c->L)) {
        free(tr->grad), free(tr->yb), free(tr->idx);
        memset(tr, 0, sizeof *tr);
        return -1;
    }
    tr->m1 = tr->grad + P, tr->m2 = tr->m1 + P, tr->best = tr->m2 + P, tr->wb = tr->yb + cap;
    return 0;
}

static qc_err lstm_fit(qc_learner *l, const double *X, size_t n, size_t d, const double *y, const double *w,
                       qc_error *err) {
    lstm_cfg c;
    qc_err rc = read_cfg(l, &c, err);
    if (rc) return rc;
    for (size_t i = 0; i < n * d; i++)
        if (!isfinite(X[i])) return qc_err_set(err, QC_ERR_INPUT, "lstm: row %zu has a missing feature", i / d);
    size_t n_fit = n - (size_t)floor(c.valid * (double)n);
    if (n_fit < 1) return qc_err_set(err, QC_ERR_INPUT, "lstm: no rows left to fit before the validation tail");
    lstm_model *m = model_alloc(d, c.H, c.L);
    double *Z = malloc(n * d * sizeof *Z);
    trainer tr = {.c = &c, .task = l->task, .n = n, .d = d, .P = qc_lstm_param_count(d, c.H), .Z = Z, .y = y, .w = w};
    if (!m || !Z || trainer_alloc(&tr)) {
        model_free(m), free(Z);
        return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    }
    standardise(X, n, d, m, Z);
    double sw = 0, sy = 0;
    for (size_t i = 0; i < n_fit; i++) sw += w ? w[i] : 1, sy += (w ? w[i] : 1) * y[i];
    init_theta(d, c.H, m->theta, c.seed, l->task, sw > 0 ? sy / sw : 0);
    tr.theta = m->theta;
    run_epochs(&tr, n_fit);
    trainer_free(&tr);
    free(Z);
    for (size_t k = 0; k < tr.P && !rc; k++)
        if (!isfinite(m->theta[k])) rc = qc_err_set(err, QC_ERR_MODEL, "lstm: training diverged (lower lr)");
    lstm_free(l);
    if (rc) model_free(m);
    else l->impl = m;
    return rc;
}

/* ---- prediction: one sequence at a time, fixed loop order ---------------------------------------------- */

size_t qc_lstm_scratch_size(const qc_learner *l) {
    const lstm_model *m = l->impl;
    return m ? m->d + 6 * m->H : 0;
}

/* Row i of the raw rows X (i + 1 rows available) through the net; scratch: qc_lstm_scratch_size. */
static double seq_predict(const lstm_model *m, qc_task task, const double *X, size_t i, double *scratch) {
    size_t d = m->d, H = m->H, G4 = 4 * H, off[5];
    blocks(d, H, off);
    const double *W = m->theta + off[0], *U = m->theta + off[1], *bias = m->theta + off[2], *v = m->theta + off[3];
    double *x = scratch, *h = x + d, *cs = h + H, *z = cs + H;
    memset(h, 0, 2 * H * sizeof *h);
    for (size_t t = 0; t < m->L; t++) {
        const double *row = seq_row(X, d, m->L, i, t);
        for (size_t j = 0; j < d; j++) x[j] = isfinite(row[j]) ? (row[j] - m->mean[j]) / m->std[j] : 0;
        memcpy(z, bias, G4 * sizeof *z);
        for (size_t j = 0; j < d; j++)
            for (size_t k = 0; k < G4; k++) z[k] += x[j] * W[j * G4 + k];
        for (size_t j = 0; j < H; j++)
            for (size_t k = 0; k < G4; k++) z[k] += h[j] * U[j * G4 + k];
        for (size_t k = 0; k < H; k++) {
            double c = sigm(z[k]) * tanh(z[2 * H + k]) + sigm(z[H + k]) * cs[k];
            cs[k] = c;
            h[k] = sigm(z[3 * H + k]) * tanh(c);
        }
    }
    double s = m->theta[off[4]];
    for (size_t k = 0; k < H; k++) s += h[k] * v[k];
    return task == QC_TASK_BINARY ? sigm(s) : s;
}

void qc_lstm_predict_last(const qc_learner *l, const double *rows, size_t k, double *scratch, double *out) {
    *out = seq_predict(l->impl, l->task, rows, k - 1, scratch);
}

static qc_err lstm_predict(const qc_learner *l, const double *X, size_t n, double *out, qc_error *err) {
    double *scratch = malloc(qc_lstm_scratch_size(l) * sizeof *scratch);
    if (!scratch) return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) out[i] = seq_predict(l->impl, l->task, X, i, scratch);
    free(scratch);
    return QC_OK;
}

/* Importance: mean |input weight| of a (standardised) feature over the 4H gate units. */
static qc_err lstm_importance(const qc_learner *l, double *imp, qc_error *err) {
    (void)err;
    const lstm_model *m = l->impl;
    size_t G4 = 4 * m->H;
    for (size_t j = 0; j < m->d; j++) {
        imp[j] = 0;
        for (size_t k = 0; k < G4; k++) imp[j] += fabs(m->theta[j * G4 + k]) / (double)G4;
    }
    return QC_OK;
}

size_t qc_lstm_lookback(const qc_learner *l) {
    const lstm_model *m = l->impl;
    if (m) return m->L;
    const char *s = qc_learner_get(l, "lookback");
    long v = s ? strtol(s, NULL, 10) : 1;
    return v >= 1 ? (size_t)v : 1;
}

/* ---- save / load: %.17g so a loaded model predicts identically ------------------------------------------ */

static qc_err lstm_save(const qc_learner *l, char **text, qc_error *err) {
    const lstm_model *m = l->impl;
    size_t P = qc_lstm_param_count(m->d, m->H), cap = 160 + 28 * (P + 2 * m->d);
    char *s = malloc(cap);
    if (!s) return qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    size_t k = (size_t)snprintf(s, cap, "{\"format\": \"qc-lstm-1\", \"features\": %zu, \"hidden\": %zu, \"lookback\": %zu",
                                m->d, m->H, m->L);
    k = qc_learner_put_array(s, cap, k, "mean", m->mean, m->d);
    k = qc_learner_put_array(s, cap, k, "std", m->std, m->d);
    k = qc_learner_put_array(s, cap, k, "theta", m->theta, P);
    snprintf(s + k, cap - k, "}");
    *text = s;
    return QC_OK;
}

static int read_array(const cJSON *o, const char *name, double *dst, size_t n) {
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, name), *v;
    if (!cJSON_IsArray(a) || (size_t)cJSON_GetArraySize(a) != n) return -1;
    size_t i = 0;
    cJSON_ArrayForEach(v, a) {
        if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble)) return -1;
        dst[i++] = v->valuedouble;
    }
    return 0;
}

static int read_size(const cJSON *o, const char *name, size_t hi, size_t *out) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    if (!cJSON_IsNumber(v) || v->valuedouble < 1 || v->valuedouble > (double)hi || v->valuedouble != floor(v->valuedouble))
        return -1;
    *out = (size_t)v->valuedouble;
    return 0;
}

static qc_err lstm_load(qc_learner *l, const char *text, qc_error *err) {
    cJSON *o = cJSON_Parse(text);
    const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(o, "format");
    size_t d, H, L;
    if (!cJSON_IsString(fmt) || strcmp(fmt->valuestring, "qc-lstm-1") != 0 || read_size(o, "features", 65535, &d) ||
        read_size(o, "hidden", 512, &H) || read_size(o, "lookback", 1000, &L)) {
        cJSON_Delete(o);
        return qc_err_set(err, QC_ERR_MODEL, "lstm: not a qc-lstm-1 model");
    }
    /* sizes agree with the arrays before anything is allocated: a forged header cannot ask for GBs */
    const cJSON *th = cJSON_GetObjectItemCaseSensitive(o, "theta");
    if (!cJSON_IsArray(th) || (size_t)cJSON_GetArraySize(th) != qc_lstm_param_count(d, H)) {
        cJSON_Delete(o);
        return qc_err_set(err, QC_ERR_MODEL, "lstm: bad parameter arrays");
    }
    lstm_model *m = model_alloc(d, H, L);
    qc_err rc = m ? QC_OK : qc_err_set(err, QC_ERR_NOMEM, "out of memory");
    if (!rc && (read_array(o, "mean", m->mean, d) || read_array(o, "std", m->std, d) ||
                read_array(o, "theta", m->theta, qc_lstm_param_count(d, H))))
        rc = qc_err_set(err, QC_ERR_MODEL, "lstm: bad parameter arrays");
    for (size_t j = 0; !rc && j < d; j++)
        if (!(m->std[j] > 0)) rc = qc_err_set(err, QC_ERR_MODEL, "lstm: a feature std is not positive");
    cJSON_Delete(o);
    char hs[24], ls[24];
    snprintf(hs, sizeof hs, "%zu", H), snprintf(ls, sizeof ls, "%zu", L);
    if (!rc) rc = qc_learner_set(l, "hidden", hs, err);
    if (!rc) rc = qc_learner_set(l, "lookback", ls, err);
    if (rc) {
        model_free(m);
        return rc;
    }
    lstm_free(l);
    l->impl = m;
    l->d = d;
    return QC_OK;
}

const qc_learner_ops qc_lstm_ops = {lstm_fit, lstm_predict, lstm_importance, lstm_save, lstm_load, lstm_free};
