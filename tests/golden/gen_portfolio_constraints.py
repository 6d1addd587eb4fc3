#!/usr/bin/python3
# gen_portfolio_constraints.py: goldens for the CLI's --group and --turnover options
# (tests/cli/portfolio_constraints.t) from Debian's python3-cvxopt on fPortfolio's LPP2005 returns
# (lpp2005_returns.csv, written by gen_portfolio.R): long-only minimum variance of the sample
# covariance (ddof=1) with
#   - group bounds: 0.3 <= w_SPI + w_MPI <= 0.5 and 0.1 <= w_ALT <= 0.2;
#   - a turnover bound: sum |w - w0| <= 0.1 from w0 = (0.5, 0.1, 0.1, 0.1, 0.1, 0.1), written as
#     the usual split w - w0 = u - v, u, v >= 0, sum(u + v) <= 0.1.
# Regenerate: apt-get install python3-cvxopt python3-pandas; cd tests/golden &&
#   /usr/bin/python3 gen_portfolio_constraints.py   (writes portfolio_constraints_golden.csv)
import numpy as np
import pandas as pd
from cvxopt import matrix, solvers

solvers.options.update(show_progress=False, abstol=1e-13, reltol=1e-13, feastol=1e-13, maxiters=200)
R = pd.read_csv("lpp2005_returns.csv", index_col=0)
names = list(R.columns)
S = np.cov(R.values, rowvar=False, ddof=1)
n = len(names)
rows = []


def solve(P, G, h, A, b):
    sol = solvers.qp(matrix(P), matrix(np.zeros(P.shape[0])), matrix(G), matrix(h), matrix(A), matrix(b))
    assert sol["status"] == "optimal", sol["status"]
    return np.array(sol["x"]).ravel()


def put(case, w):
    for k, v in zip(names, w):
        rows.append((case, k, repr(float(v))))


# groups
idx = {k: i for i, k in enumerate(names)}
g = np.zeros((2, n))
g[0, [idx["SPI"], idx["MPI"]]] = 1
g[1, idx["ALT"]] = 1
G = np.vstack([-np.eye(n), np.eye(n), g, -g])
h = np.concatenate([np.zeros(n), np.ones(n), [0.5, 0.2], [-0.3, -0.1]])
put("lpp_minvar_groups", solve(2 * S, G, h, np.ones((1, n)), np.ones(1)))

# turnover: x = (w, u, v)
w0 = np.array([0.5, 0.1, 0.1, 0.1, 0.1, 0.1])
P = np.zeros((3 * n, 3 * n))
P[:n, :n] = 2 * S
P += 1e-12 * np.eye(3 * n)  # u, v carry no variance: a tiny ridge keeps the KKT system regular
Z = np.zeros((n, n))
G = np.vstack([np.hstack([-np.eye(n), Z, Z]), np.hstack([np.eye(n), Z, Z]), np.hstack([Z, -np.eye(n), Z]),
               np.hstack([Z, Z, -np.eye(n)]), np.concatenate([np.zeros(n), np.ones(2 * n)])[None, :]])
h = np.concatenate([np.zeros(n), np.ones(n), np.zeros(2 * n), [0.1]])
A = np.vstack([np.concatenate([np.ones(n), np.zeros(2 * n)]), np.hstack([np.eye(n), -np.eye(n), np.eye(n)])])
b = np.concatenate([[1.0], w0])
put("lpp_minvar_turnover", solve(P, G, h, A, b)[:n])

with open("portfolio_constraints_golden.csv", "w") as f:
    f.write("case,key,value\n")
    for r in rows:
        f.write(",".join(r) + "\n")
