#!/usr/bin/python3
"""gen_hmm.py: golden values for src/features/regime.c from an independent numpy implementation
in log space (logsumexp forward and backward, no scaling; emission densities from numpy's slogdet
and solve), unlike the C code's scaled recursions. 400 bars of 2 features drawn from a 3-state
Gaussian HMM; a fixed model (not the truth) in diagonal and full form, for which it writes the
forward log-likelihood, filtered and smoothed probabilities, the Viterbi path and its log
probability, then three Baum-Welch steps from that model (variance floor 1e-4 added to each
variance) with the log-likelihood before each step and the parameters after the third.
Writes hmm_data.csv, hmm_model_{diag,full}.json, hmm_eval_{diag,full}.csv, hmm_scalars.csv,
hmm_em3_{diag,full}.json. Run: /usr/bin/python3 gen_hmm.py"""
import json

import numpy as np
from scipy.special import logsumexp

rng = np.random.default_rng(11)
K, D, N, REG = 3, 2, 400, 1e-4
A_true = np.array([[0.95, 0.04, 0.01], [0.05, 0.9, 0.05], [0.02, 0.08, 0.9]])
mu_true = np.array([[-1.0, 2.0], [0.0, 1.0], [1.5, 0.5]])
sd_true = np.array([[0.8, 0.5], [0.4, 0.3], [0.6, 0.4]])
rho = 0.5
s = rng.choice(K, p=[0.5, 0.3, 0.2])
X = np.zeros((N, D))
for t in range(N):
    if t:
        s = rng.choice(K, p=A_true[s])
    c = np.array([[sd_true[s, 0] ** 2, rho * sd_true[s, 0] * sd_true[s, 1]],
                  [rho * sd_true[s, 0] * sd_true[s, 1], sd_true[s, 1] ** 2]])
    X[t] = rng.multivariate_normal(mu_true[s], c)
X = np.round(X, 6)
np.savetxt("hmm_data.csv", X, delimiter=",", header="x0,x1", comments="", fmt="%.6f")

start = np.array([0.4, 0.35, 0.25])
A = np.array([[0.8, 0.15, 0.05], [0.1, 0.8, 0.1], [0.1, 0.2, 0.7]])
mu = np.array([[-0.5, 1.5], [0.2, 1.2], [1.0, 0.8]])
var = np.array([[1.0, 0.6], [0.5, 0.4], [0.7, 0.5]])
covs = {"diag": [np.diag(v) for v in var],
        "full": [np.array([[v[0], 0.3 * np.sqrt(v[0] * v[1])], [0.3 * np.sqrt(v[0] * v[1]), v[1]]]) for v in var]}


def logb(X, mu, cov):
    out = np.zeros((len(X), K))
    for k in range(K):
        sign, ld = np.linalg.slogdet(cov[k])
        dx = X - mu[k]
        q = np.einsum("ti,ti->t", dx, np.linalg.solve(cov[k], dx.T).T)
        out[:, k] = -0.5 * (D * np.log(2 * np.pi) + ld + q)
    return out


def forward_backward(X, start, A, mu, cov):
    lb = logb(X, mu, cov)
    la = np.zeros((N, K))
    la[0] = np.log(start) + lb[0]
    for t in range(1, N):
        la[t] = logsumexp(la[t - 1][:, None] + np.log(A), axis=0) + lb[t]
    ll = logsumexp(la[-1])
    lbeta = np.zeros((N, K))
    for t in range(N - 2, -1, -1):
        lbeta[t] = logsumexp(np.log(A) + lb[t + 1] + lbeta[t + 1], axis=1)
    filt = np.exp(la - logsumexp(la, axis=1, keepdims=True))
    gam = np.exp(la + lbeta - ll)
    xi = np.zeros((K, K))
    for t in range(N - 1):
        xi += np.exp(la[t][:, None] + np.log(A) + lb[t + 1] + lbeta[t + 1] - ll)
    return ll, filt, gam, xi


def viterbi(X, start, A, mu, cov):
    lb = logb(X, mu, cov)
    d = np.log(start) + lb[0]
    psi = np.zeros((N, K), dtype=int)
    for t in range(1, N):
        m = d[:, None] + np.log(A)
        psi[t] = np.argmax(m, axis=0)
        d = m[psi[t], range(K)] + lb[t]
    path = [int(np.argmax(d))]
    for t in range(N - 1, 0, -1):
        path.append(int(psi[t][path[-1]]))
    return path[::-1], float(np.max(d))


def em_step(X, start, A, mu, cov, full):
    ll, _, gam, xi = forward_backward(X, start, A, mu, cov)
    start = gam[0]
    A = xi / xi.sum(axis=1, keepdims=True)
    g = gam.sum(axis=0)
    mu = (gam.T @ X) / g[:, None]
    new = []
    for k in range(K):
        dx = X - mu[k]
        c = (gam[:, k][:, None] * dx).T @ dx / g[k]
        if not full:
            c = np.diag(np.diag(c))
        new.append(c + REG * np.eye(D))
    return ll, start, A, mu, new


def model_json(kind, start, A, mu, cov, path):
    covars = [[float(c[j, j]) for j in range(D)] for c in cov] if kind == "diag" else [c.tolist() for c in cov]
    with open(path, "w") as f:
        json.dump({"model": "quantcli-hmm", "version": 1, "states": K, "dims": D, "covariance": kind,
                   "features": ["x0", "x1"], "start": start.tolist(), "transition": A.tolist(),
                   "means": mu.tolist(), "covars": covars}, f, indent=1)


scal = []
for kind in ("diag", "full"):
    cov = covs[kind]
    model_json(kind, start, A, mu, cov, f"hmm_model_{kind}.json")
    ll, filt, gam, _ = forward_backward(X, start, A, mu, cov)
    path, vlp = viterbi(X, start, A, mu, cov)
    cols = np.column_stack([np.arange(N), filt, gam, path])
    np.savetxt(f"hmm_eval_{kind}.csv", cols, delimiter=",", comments="",
               header="t,f0,f1,f2,s0,s1,s2,viterbi", fmt="%.17g")
    p = (start, A, mu, cov)
    lls = []
    for _ in range(3):
        l, *p = em_step(X, *p, kind == "full")
        lls.append(l)
    model_json(kind, *p, f"hmm_em3_{kind}.json")
    scal.append((kind, ll, vlp, *lls))
with open("hmm_scalars.csv", "w") as f:
    f.write("cov,loglik,viterbi_logp,em_ll0,em_ll1,em_ll2\n")
    for r in scal:
        f.write(r[0] + "," + ",".join(repr(float(v)) for v in r[1:]) + "\n")
