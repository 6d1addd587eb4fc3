#!/usr/bin/python3
"""gen_xsec.py: golden values for src/features/cross_sectional.c from pandas and scipy.
1) A 25-symbol x 80-timestamp panel (feature rounded to 2 decimals so ties occur, ~10% missing
   cells, 4 sectors, a per-cell factor exposure): pandas rank(axis=1, pct) with average ties,
   z-score (ddof 1), winsorising by quantile (numpy linear) and by z (2 SDs), demeaning, sector
   neutralising (groupby mean), factor neutralising (numpy lstsq residual), and the IC (pandas
   Pearson) and rank IC (scipy.stats.spearmanr) against a forward return panel, with the summary.
   Writes xsec_panel.csv (long: t,s,feat,fwd,group,factor + every output), xsec_ic.csv, xsec_ic_summary.csv.
2) For `quantcli features ic`: a wide close CSV of 30 symbols on the first 300 sessions of TTR's
   ttrc dates (some listed late, some delisted early), and the IC / rank IC of roc(5) and
   zscore(10) against 5-day forward returns: xsec_close.csv, xsec_ic_cli.csv, xsec_ic_cli_rank.csv.
Run: /usr/bin/python3 gen_xsec.py"""
import numpy as np
import pandas as pd
from scipy import stats

rng = np.random.default_rng(7)
S, T = 25, 80
feat = np.round(rng.normal(0, 1, (T, S)), 2)
fwd = 0.3 * feat * 0.01 + rng.normal(0, 0.01, (T, S))
feat[rng.random((T, S)) < 0.1] = np.nan
fwd[rng.random((T, S)) < 0.05] = np.nan
feat[5, :] = np.nan          # an empty cross-section
feat[6, 3:] = np.nan         # three values only
group = rng.integers(0, 4, S)
factor = rng.normal(1, 0.3, (T, S))
factor[rng.random((T, S)) < 0.05] = np.nan
F = pd.DataFrame(feat)
rank = F.rank(axis=1)
pct = F.rank(axis=1, pct=True)
z = F.sub(F.mean(axis=1), axis=0).div(F.std(axis=1), axis=0)
qlo, qhi = np.nanquantile(feat, 0.1, axis=1), np.nanquantile(feat, 0.9, axis=1) if True else None
wq = F.clip(lower=pd.Series(qlo), upper=pd.Series(qhi), axis=0)
m, sd = F.mean(axis=1), F.std(axis=1)
wz = F.clip(lower=m - 2 * sd, upper=m + 2 * sd, axis=0)
dm = F.sub(m, axis=0)
gn = F.T.groupby(group).transform("mean").T
gn = F - gn
fn = np.full((T, S), np.nan)
for t in range(T):
    ok = ~np.isnan(feat[t]) & ~np.isnan(factor[t])
    if ok.sum() < 2:
        continue
    X = np.column_stack([np.ones(ok.sum()), factor[t, ok]])
    coef, *_ = np.linalg.lstsq(X, feat[t, ok], rcond=None)
    fn[t, ok] = feat[t, ok] - X @ coef
ic, ric = np.full(T, np.nan), np.full(T, np.nan)
for t in range(T):
    ok = ~np.isnan(feat[t]) & ~np.isnan(fwd[t])
    if ok.sum() < 3:
        continue
    ic[t] = pd.Series(feat[t, ok]).corr(pd.Series(fwd[t, ok]))
    ric[t] = stats.spearmanr(feat[t, ok], fwd[t, ok])[0]
rows = []
for t in range(T):
    for s in range(S):
        rows.append((t, s, feat[t, s], fwd[t, s], group[s], factor[t, s], rank.iat[t, s], pct.iat[t, s],
                     z.iat[t, s], wq.iat[t, s], wz.iat[t, s], dm.iat[t, s], gn.iat[t, s], fn[t, s]))
pd.DataFrame(rows, columns=["t", "s", "feat", "fwd", "group", "factor", "rank", "pct", "z", "wq", "wz", "dm", "gn",
                            "fn"]).to_csv("xsec_panel.csv", index=False, float_format="%.17g")
pd.DataFrame({"t": range(T), "ic": ic, "ric": ric}).to_csv("xsec_ic.csv", index=False, float_format="%.17g")


def summary(x):
    x = x[~np.isnan(x)]
    n, mu, sdv = len(x), x.mean(), x.std(ddof=1)
    return [n, mu, sdv, mu / (sdv / np.sqrt(n)), mu / sdv, (x > 0).mean()]


pd.DataFrame([["ic"] + summary(ic), ["rank_ic"] + summary(ric)],
             columns=["kind", "n", "mean", "std", "t_stat", "ir", "hit"]).to_csv(
    "xsec_ic_summary.csv", index=False, float_format="%.17g")

# ---- CLI panel -------------------------------------------------------------------------------------
dates = pd.read_csv("ttrc_close.csv")["date"].iloc[:300].to_numpy()
NS, ND, H = 30, 300, 5
mu = rng.normal(0, 0.0005, NS)
lr = rng.normal(0, 0.015, (ND, NS)) + mu
close = np.round(50 * np.exp(np.cumsum(lr, axis=0)), 2)
for s in range(0, NS, 7):
    close[: 20 + 3 * s, s] = np.nan   # listed late
for s in range(3, NS, 11):
    close[250 - s:, s] = np.nan       # delisted early
names = [f"S{s:02d}" for s in range(NS)]
C = pd.DataFrame(close, columns=names)
out = C.copy()
out.insert(0, "date", dates)
out.to_csv("xsec_close.csv", index=False, float_format="%.2f", na_rep="")
fwdp = C.shift(-H) / C - 1
feats = {"roc(5)": C / C.shift(5) - 1,
         "zscore(10)": (C - C.rolling(10).mean()) / C.rolling(10).std()}
for rank_ic, fname in ((False, "xsec_ic_cli.csv"), (True, "xsec_ic_cli_rank.csv")):
    res = pd.DataFrame({"date": dates})
    for k, f in feats.items():
        vals = []
        for t in range(ND):
            a, b = f.iloc[t].to_numpy(), fwdp.iloc[t].to_numpy()
            ok = ~np.isnan(a) & ~np.isnan(b)
            if ok.sum() < 3:
                vals.append(np.nan)
            elif rank_ic:
                vals.append(stats.spearmanr(a[ok], b[ok])[0])
            else:
                vals.append(np.corrcoef(a[ok], b[ok])[0, 1])
        res[k] = vals
    res.to_csv(fname, index=False, float_format="%.17g", na_rep="")
    for k in feats:
        print(fname, k, summary(res[k].to_numpy()))
