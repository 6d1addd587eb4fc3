#!/usr/bin/python3
# gen_portfolio.py: goldens for tests/test_portfolio.c from Debian's python3 (numpy, scipy, pandas,
# sklearn) on the real returns written by gen_portfolio.R (lpp2005_returns.csv, smallcap_returns.csv):
#   - HRP: the tree from scipy.cluster.hierarchy.linkage(single) on d = sqrt((1 - rho) / 2) and its
#     leaves_list order; the bisection (first half floor(m/2), inverse-variance cluster variances)
#     written out here from the paper;
#   - sample covariance (numpy, ddof=1), EWMA covariance (pandas ewm(adjust=True) of the centred
#     cross products, last value), Ledoit-Wolf to a scaled identity (sklearn.covariance.ledoit_wolf)
#     and to constant correlation (the paper's formulas written with numpy);
#   - ERC: scipy.optimize.root on y_i (S y)_i = 1/n, normalised.
# Regenerate: apt-get install python3-scipy python3-pandas python3-sklearn; cd tests/golden &&
#   /usr/bin/python3 gen_portfolio.py   (writes portfolio_golden_py.csv: case,key,value)
import numpy as np
import pandas as pd
from scipy.cluster.hierarchy import linkage, leaves_list
from scipy.spatial.distance import squareform
from scipy.optimize import root
from sklearn.covariance import ledoit_wolf

rows = []


def put(case, keys, vals):
    for k, v in zip(keys, vals):
        rows.append((case, k, repr(float(v))))


def hrp(S, names, case):
    sd = np.sqrt(np.diag(S))
    rho = S / np.outer(sd, sd)
    d = np.sqrt(np.clip((1 - rho) / 2, 0, None))
    np.fill_diagonal(d, 0)
    Z = linkage(squareform(d, checks=False), method="single")
    order = list(leaves_list(Z))
    w = np.ones(len(names))

    def cvar(items):
        iv = 1 / np.diag(S)[items]
        iv /= iv.sum()
        return iv @ S[np.ix_(items, items)] @ iv

    stack = [order]
    while stack:
        items = stack.pop()
        if len(items) < 2:
            continue
        m = len(items) // 2
        left, right = items[:m], items[m:]
        vl, vr = cvar(left), cvar(right)
        a = 1 - vl / (vl + vr)
        w[left] *= a
        w[right] *= 1 - a
        stack += [left, right]
    put(case, names, w)
    put(case + "_order", [str(i) for i in range(len(order))], order)
    for k in range(Z.shape[0]):
        put(case + "_tree", ["a%d" % k, "b%d" % k, "d%d" % k], Z[k, :3])


def lw_cc(X):
    t, n = X.shape
    x = X - X.mean(0)
    S = x.T @ x / t
    sd = np.sqrt(np.diag(S))
    rbar = (S / np.outer(sd, sd)).sum() - n
    rbar /= n * (n - 1)
    F = rbar * np.outer(sd, sd)
    np.fill_diagonal(F, np.diag(S))
    y = x ** 2
    phi_mat = y.T @ y / t - S ** 2
    phi = phi_mat.sum()
    theta = (x ** 3).T @ x / t - np.diag(S)[:, None] * S
    np.fill_diagonal(theta, 0)
    rho = np.trace(phi_mat) + rbar * ((np.outer(1 / sd, sd)) * theta).sum()
    gamma = ((F - S) ** 2).sum()
    delta = max(0.0, min(1.0, (phi - rho) / gamma / t))
    return delta * F + (1 - delta) * S, delta


def erc(S):
    n = S.shape[0]
    # y = exp(x) keeps the root positive (y (S y) = b has other roots with negative entries)
    f = lambda x: np.exp(x) * (S @ np.exp(x)) * n - 1.0
    sol = root(f, np.log(1 / np.sqrt(np.diag(S) * n)), method="hybr", tol=1e-15)
    y = np.exp(sol.x)
    assert np.abs(f(sol.x)).max() < 1e-12
    return y / y.sum()


for tag, file in (("lpp", "lpp2005_returns.csv"), ("sc", "smallcap_returns.csv")):
    df = pd.read_csv(file)
    names = list(df.columns[1:])
    X = df[names].to_numpy()
    S = np.cov(X, rowvar=False, ddof=1)
    hrp(S, names, tag + "_hrp")
    put(tag + "_erc", names, erc(S))
    iv = 1 / np.sqrt(np.diag(S))
    put(tag + "_ivp", names, iv / iv.sum())
    n = len(names)
    put(tag + "_cov_sample", ["c%d_%d" % (i, j) for i in range(n) for j in range(n)], S.ravel())
    lam = 0.94
    xc = X - X.mean(0)
    ew = np.array([pd.Series(xc[:, i] * xc[:, j]).ewm(alpha=1 - lam, adjust=True).mean().iloc[-1]
                   for i in range(n) for j in range(n)])
    put(tag + "_cov_ewma", ["c%d_%d" % (i, j) for i in range(n) for j in range(n)], ew)
    C, s = ledoit_wolf(X)
    put(tag + "_cov_lw_id", ["c%d_%d" % (i, j) for i in range(n) for j in range(n)], C.ravel())
    put(tag + "_cov_lw_id", ["shrinkage"], [s])
    C, s = lw_cc(X)
    put(tag + "_cov_lw_cc", ["c%d_%d" % (i, j) for i in range(n) for j in range(n)], C.ravel())
    put(tag + "_cov_lw_cc", ["shrinkage"], [s])

with open("portfolio_golden_py.csv", "w") as f:
    f.write("case,key,value\n")
    for r in rows:
        f.write(",".join(r) + "\n")
