#!/usr/bin/python3
"""gen_indicators_py.py: writes tests/golden/py_stats.csv, reference values for the indicators TTR
lacks (rolling skewness and kurtosis, the Hurst exponent), computed window by window with numpy
(checked against pandas' rolling skew) on the same real data (tests/golden/ttrc_ohlcv.csv, R's ttrc). Same layout as the TTR
goldens (gen_indicators_ttr.R): column i is the 0-based row, other columns are spec labels, rows
are the first 80, every 25th and the last 30.
Run from the repository root with Debian's python3: /usr/bin/python3 tests/golden/gen_indicators_py.py
"""
import csv

import numpy as np
import pandas as pd

d = pd.read_csv("tests/golden/ttrc_ohlcv.csv")
c = d["close"].to_numpy(dtype=float)
N = len(c)
rows = sorted(set(range(80)) | set(range(0, N, 25)) | set(range(N - 30, N)))


def hurst(x, n, maxlag):
    """Slope of log(std(x[t] - x[t-l])) on log(l), l = 2..maxlag, std over the differences inside
    each window of n values (population std, as np.std)."""
    out = np.full(len(x), np.nan)
    lags = np.arange(2, maxlag + 1)
    for t in range(n - 1, len(x)):
        w = x[t - n + 1:t + 1]
        tau = [np.std(w[l:] - w[:-l]) for l in lags]
        out[t] = np.polyfit(np.log(lags), np.log(tau), 1)[0]
    return out


def moments(x, n, which):
    """Bias-adjusted skewness G1 / excess kurtosis G2 of each window, two-pass (pandas' formulas;
    pandas' own rolling version is an online update good to ~1e-8 only)."""
    out = np.full(len(x), np.nan)
    for t in range(n - 1, len(x)):
        w = x[t - n + 1:t + 1]
        d = w - w.mean()
        m2, m3, m4 = (d**2).mean(), (d**3).mean(), (d**4).mean()
        if which == "skew":
            out[t] = np.sqrt(n * (n - 1)) / (n - 2) * m3 / m2**1.5
        else:
            out[t] = ((n + 1) * (m4 / m2**2 - 3) + 6) * (n - 1) / ((n - 2) * (n - 3))
    return out


s = pd.Series(c)
ref = s.rolling(20).skew().to_numpy()
assert np.nanmax(np.abs(moments(c, 20, "skew") - ref)) < 1e-6  # the same definition as pandas
cols = {
    "skew(20)": moments(c, 20, "skew"),
    "skew(60)": moments(c, 60, "skew"),
    "kurt(20)": moments(c, 20, "kurt"),
    "kurt(60)": moments(c, 60, "kurt"),
    "hurst(100,20)": hurst(c, 100, 20),
    "hurst(50,10)": hurst(c, 50, 10),
}
with open("tests/golden/py_stats.csv", "w", newline="") as f:
    w = csv.writer(f, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
    w.writerow(["i"] + list(cols))
    for r in rows:
        w.writerow([r] + ["" if np.isnan(v[r]) else "%.17g" % v[r] for v in cols.values()])
