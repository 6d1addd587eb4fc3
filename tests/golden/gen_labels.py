#!/usr/bin/python3
"""gen_labels.py: golden values for src/features/labels.c, written independently with numpy and
pandas (pandas' ewm().std() for the volatility target, plain loops for the barriers and overlap).
A seeded random walk of 400 closes; events every 3rd bar from bar 5; barriers pt = 2, sl = 1 (x the
EWMA vol of span 20), vertical barrier 10 bars; meta-labels use a side from a 5/15 SMA crossover.
Writes labels_series.csv, labels_events.csv, labels_meta.csv. Run: /usr/bin/python3 gen_labels.py"""
import numpy as np
import pandas as pd

rng = np.random.default_rng(20240611)
n = 400
close = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, n)))
close = np.round(close, 4)
s = pd.Series(close)
h, dz = 5, 0.004
fwd = s.shift(-h) / s - 1
logfwd = np.log(s.shift(-h) / s)
sign = np.where(fwd.isna(), np.nan, np.where(fwd > dz, 1.0, np.where(fwd < -dz, -1.0, 0.0)))
vol = (s / s.shift(1) - 1).ewm(span=20).std()
side = np.sign(s.rolling(5).mean() - s.rolling(15).mean()).to_numpy()
pd.DataFrame({"t": np.arange(n), "close": close, "fwd5": fwd, "logfwd5": logfwd, "sign5": sign,
              "vol20": vol, "side": side}).to_csv("labels_series.csv", index=False, float_format="%.17g")

PT, SL, HOLD = 2.0, 1.0, 10
events = list(range(5, n, 3))


def barrier(t0, sd):
    trg = vol[t0]
    if np.isnan(trg):
        return None
    end = t0 + HOLD
    for t in range(t0 + 1, min(end, n - 1) + 1):
        r = sd * (close[t] / close[t0] - 1)
        if r >= PT * trg:
            return t, trg, 1
        if r <= -SL * trg:
            return t, trg, 2
    if end > n - 1:
        return None
    return end, trg, 3


def overlap(ev):
    conc = np.zeros(n)
    for t0, t1 in ev:
        conc[t0:t1 + 1] += 1
    uniq = [np.mean(1.0 / conc[t0:t1 + 1]) for t0, t1 in ev]
    lr = np.log(close[1:] / close[:-1])
    w = np.array([abs(sum(lr[t - 1] / conc[t] for t in range(t0 + 1, t1 + 1))) for t0, t1 in ev])
    w = w * len(ev) / w.sum()
    return conc, uniq, w


def table(meta):
    rows = []
    for t0 in events:
        sd = 1.0
        if meta:
            sd = side[t0]
            if not (sd == 1 or sd == -1):
                continue
        b = barrier(t0, sd)
        if b is None:
            continue
        t1, trg, which = b
        ret = sd * (close[t1] / close[t0] - 1)
        label = (1 if ret > 0 else 0) if meta else int(np.sign(ret))
        rows.append((t0, t1, trg, ret, label, which))
    conc, uniq, w = overlap([(r[0], r[1]) for r in rows])
    hz = 0
    for i, r in enumerate(rows):
        k = max(j for j in range(len(rows)) if rows[j][0] <= r[1])
        hz = max(hz, k - i)
    df = pd.DataFrame(rows, columns=["t0", "t1", "target", "ret", "label", "barrier"])
    df["uniq"], df["w"] = uniq, w
    df["avg_uniq"] = np.mean(uniq)
    df["cv_horizon"] = hz
    return df


table(False).to_csv("labels_events.csv", index=False, float_format="%.17g")
table(True).to_csv("labels_meta.csv", index=False, float_format="%.17g")
