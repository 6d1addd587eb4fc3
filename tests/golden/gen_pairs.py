#!/usr/bin/python3
"""gen_pairs.py: goldens for src/features/coint.c from statsmodels (Debian python3-statsmodels).
Writes
  pairs_series.csv    1000 rows: rw (random walk), ar1 (phi 0.9), ttrc (log close of TTR's ttrc,
                      first 1000 days), px/py (py = 0.5 + 1.3 px + OU spread: cointegrated),
                      ix/iy (two independent random walks), sc1/sc2 (log cumulative returns of two
                      real small caps, smallcap_returns.csv, 1..n rows only where n <= 300)
  pairs_adf.csv       adfuller(x[:n], regression, autolag='AIC', maxlag=None): stat, p, usedlag, nobs
  pairs_coint.csv     coint(y[:n], x[:n]) (trend 'c', AIC lags): stat, p; and the OLS beta, alpha
  pairs_mackinnon.csv mackinnonp(t, regression, N) on a grid
  pairs_kalman.csv    a small numpy Kalman filter (beta, alpha random walk, delta 1e-4, ve 1e-3,
                      start 0 with zero covariance) on (px, py): beta, alpha, e, q per step
Conventions: ADF lag selection is statsmodels' default autolag='AIC' with maxlag =
ceil(12 (n/100)^(1/4)) capped at n/2 - 1 - terms, every lag fitted on the common sample of the
largest; coint regresses y on (x, 1) and runs the ADF without deterministic terms on the residuals,
p-value for N = 2 with a constant.
Run: /usr/bin/python3 tests/golden/gen_pairs.py (from the repository root)."""
import csv
import os

import numpy as np
from statsmodels.tsa.adfvalues import mackinnonp
from statsmodels.tsa.stattools import adfuller, coint
import statsmodels.api as sm

HERE = os.path.dirname(os.path.abspath(__file__))
N = 1000
rng = np.random.default_rng(20261124)

series = {}
series["rw"] = np.cumsum(rng.normal(0, 1, N)) + 50
ar = np.zeros(N)
for t in range(1, N):
    ar[t] = 0.9 * ar[t - 1] + rng.normal()
series["ar1"] = ar + 3
with open(os.path.join(HERE, "ttrc_close.csv")) as f:
    rows = list(csv.reader(f))[1:]
series["ttrc"] = np.log(np.array([float(r[1]) for r in rows[:N]]))
px = np.log(40) + np.cumsum(rng.normal(0, 0.015, N))
s = np.zeros(N)
for t in range(1, N):
    s[t] = 0.95 * s[t - 1] + rng.normal(0, 0.01)
series["px"] = px
series["py"] = 0.5 + 1.3 * px + s
series["ix"] = np.log(30) + np.cumsum(rng.normal(0, 0.02, N))
series["iy"] = np.log(70) + np.cumsum(rng.normal(0, 0.02, N))
with open(os.path.join(HERE, "smallcap_returns.csv")) as f:
    rows = list(csv.reader(f))
hdr, body = rows[0], rows[1:]
sc = np.array([[float(v) for v in r[1:]] for r in body])
m = sc.shape[0]
for k, col in (("sc1", 1), ("sc2", 2)):
    v = np.full(N, np.nan)
    v[:m] = np.cumsum(np.log1p(sc[:, col - 1]))
    series[k] = v
names = list(series)
with open(os.path.join(HERE, "pairs_series.csv"), "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(names)
    for i in range(N):
        w.writerow(["" if np.isnan(series[k][i]) else repr(float(series[k][i])) for k in names])

with open(os.path.join(HERE, "pairs_adf.csv"), "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["series", "n", "regression", "stat", "pvalue", "usedlag", "nobs"])
    for k in ("rw", "ar1", "ttrc", "py", "ix"):
        for n in (30, 100, 250, 1000):
            for reg in ("c", "n"):
                r = adfuller(series[k][:n], regression=reg, autolag="AIC")
                w.writerow([k, n, reg, repr(r[0]), repr(r[1]), r[2], r[3]])
    for n in (60, m):
        r = adfuller(series["sc1"][:n], regression="c", autolag="AIC")
        w.writerow(["sc1", n, "c", repr(r[0]), repr(r[1]), r[2], r[3]])

with open(os.path.join(HERE, "pairs_coint.csv"), "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["y", "x", "n", "stat", "pvalue", "beta", "alpha"])
    cases = [("py", "px", n) for n in (100, 250, 1000)] + [("iy", "ix", n) for n in (100, 250, 1000)]
    cases += [("px", "py", 500), ("ttrc", "rw", 1000), ("sc2", "sc1", m)]
    for y, x, n in cases:
        st, p, _ = coint(series[y][:n], series[x][:n], trend="c", autolag="aic")
        ols = sm.OLS(series[y][:n], sm.add_constant(series[x][:n], prepend=False)).fit()
        w.writerow([y, x, n, repr(float(st)), repr(float(p)), repr(float(ols.params[0])), repr(float(ols.params[1]))])

with open(os.path.join(HERE, "pairs_mackinnon.csv"), "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["stat", "regression", "N", "pvalue"])
    for reg in ("c", "n"):
        for nser in range(1, 7):
            for t in np.linspace(-30, 4, 69):
                w.writerow([repr(float(t)), reg, nser, repr(float(mackinnonp(t, regression=reg, N=nser)))])


def kalman(x, y, delta=1e-4, ve=1e-3):
    """y_t = [x_t, 1] theta_t + v, theta a random walk with covariance delta/(1-delta) I."""
    theta = np.zeros(2)
    P = np.zeros((2, 2))
    W = delta / (1 - delta) * np.eye(2)
    out = []
    for t in range(len(x)):
        H = np.array([x[t], 1.0])
        R = P + W
        e = y[t] - H @ theta
        q = H @ R @ H + ve
        K = R @ H / q
        theta = theta + K * e
        P = R - np.outer(K, H) @ R
        out.append((theta[0], theta[1], e, q))
    return out


with open(os.path.join(HERE, "pairs_kalman.csv"), "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["t", "beta", "alpha", "e", "q"])
    for t, (b, a, e, q) in enumerate(kalman(series["px"], series["py"])):
        w.writerow([t, repr(float(b)), repr(float(a)), repr(float(e)), repr(float(q))])
print("wrote pairs_*.csv")
