#!/usr/bin/python3
"""gen_pbo.py: golden for PBO by CSCV (Bailey, Borwein, Lopez de Prado & Zhu 2015), an independent
numpy reference for src/backtest/validation.c. Writes pbo_returns.csv (a T x M matrix of per-period
trial returns, T = 50, M = 6; trial 2 carries a small edge) and pbo_logits.csv (for S = 6 and
S = 4: every combination of S/2 in-sample submatrices in lexicographic order, the in-sample best
trial, its in-sample and out-of-sample per-period Sharpe and the logit), plus the PBO.
Conventions checked: the first T mod S rows are dropped; Sharpe = mean / std(ddof=1); the
in-sample best is the first argmax; the out-of-sample rank is scipy's average rank over M trials;
w = rank / (M + 1); logit = ln(w / (1 - w)); PBO = share of logits <= 0.
Run: /usr/bin/python3 tests/golden/gen_pbo.py (from the repository root)."""
import itertools
import os

import numpy as np
from scipy.stats import rankdata

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20150501)
T, M = 50, 6
R = rng.normal(0.0, 0.01, size=(T, M))
R[:, 2] += 0.004


def sharpe(x):
    s = x.std(ddof=1)
    return x.mean() / s if s > 0 else 0.0


def cscv(R, S):
    T, M = R.shape
    skip = T % S
    L = (T - skip) // S
    blocks = [R[skip + j * L: skip + (j + 1) * L] for j in range(S)]
    rows = []
    for combo in itertools.combinations(range(S), S // 2):
        ins = np.vstack([blocks[j] for j in combo])
        oos = np.vstack([blocks[j] for j in range(S) if j not in combo])
        is_sr = np.array([sharpe(ins[:, m]) for m in range(M)])
        oos_sr = np.array([sharpe(oos[:, m]) for m in range(M)])
        best = int(np.argmax(is_sr))
        w = rankdata(oos_sr)[best] / (M + 1)
        rows.append((combo, best, is_sr[best], oos_sr[best], np.log(w / (1 - w))))
    return rows


with open(os.path.join(HERE, "pbo_returns.csv"), "w") as f:
    f.write(",".join("trial%d" % m for m in range(M)) + "\n")
    for t in range(T):
        f.write(",".join("%.17g" % v for v in R[t]) + "\n")

with open(os.path.join(HERE, "pbo_logits.csv"), "w") as f:
    f.write("s,combo,in_sample,selected,is_sharpe,oos_sharpe,logit\n")
    for S in (6, 4):
        rows = cscv(R, S)
        for c, (combo, best, i, o, lg) in enumerate(rows):
            f.write("%d,%d,%s,%d,%.17g,%.17g,%.17g\n" % (S, c, " ".join(map(str, combo)), best, i, o, lg))
        pbo = np.mean([r[4] <= 0 for r in rows])
        f.write("%d,pbo,,,,,%.17g\n" % (S, pbo))
