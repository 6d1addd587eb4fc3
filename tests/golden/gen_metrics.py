#!/usr/bin/python3
"""gen_metrics.py: golden values for src/backtest/metrics.c (tests/test_metrics.c, tests/cli/metrics.t).

Input: a real price series, TTR's bundled `ttrc` (5550 daily closes, 1985-2006, R package TTR),
exported once to ttrc_close.csv (date,close). Reference: numpy/scipy/pandas, written from the
definitions in docs/METRICS.md independently of the C code (pandas pct_change, numpy cumulative
maximum for the drawdown, numpy.quantile's default linear method, scipy.stats.skew/kurtosis with
bias=True and fisher=False, scipy.stats.norm for Phi and its inverse).

Writes, next to this script:
  ttrc_close.csv     date,close (only when missing or with --refresh; needs Rscript + r-cran-ttr)
  metrics_ttrc.csv   case,key,value: per case its inputs (in.*, opt.*) and expected statistics
  metrics_norm.csv   kind,x,value: Phi(x) and Phi^-1(p) from scipy
  metrics_paper.csv  key,value: the Deflated Sharpe Ratio paper's numerical example via scipy

Run with Debian's python (numpy/scipy/pandas): /usr/bin/python3 tests/golden/gen_metrics.py
"""
import math
import os
import subprocess
import sys

import numpy as np
import pandas as pd
from scipy import stats

HERE = os.path.dirname(os.path.abspath(__file__))
EULER_GAMMA = 0.5772156649015328606


def export_ttrc(path):
    r_code = ('library(TTR); data(ttrc); '
              'write.csv(data.frame(date=format(ttrc$Date, "%Y-%m-%d"), close=ttrc$Close), '
              '"' + path + '", row.names=FALSE, quote=FALSE)')
    subprocess.run(["Rscript", "-e", r_code], check=True)


def psr(sr, sr_b, n, g3, g4):
    return stats.norm.cdf((sr - sr_b) * math.sqrt(n - 1) / math.sqrt(1 - g3 * sr + (g4 - 1) / 4 * sr * sr))


def expected_max_sr(trials, var):
    if trials <= 1:
        return 0.0
    return math.sqrt(var) * ((1 - EULER_GAMMA) * stats.norm.ppf(1 - 1 / trials)
                             + EULER_GAMMA * stats.norm.ppf(1 - 1 / (trials * math.e)))


def min_trl(sr, sr_b, g3, g4, prob):
    if sr <= sr_b:
        return math.inf
    return 1 + (1 - g3 * sr + (g4 - 1) / 4 * sr * sr) * (stats.norm.ppf(prob) / (sr - sr_b)) ** 2


def drawdown(eq_with_initial):
    """Point 0 is the initial equity, point i+1 the end of period i. Returns depth and the
    period indexes (-1 = the initial equity / not recovered) and the duration."""
    eq = np.asarray(eq_with_initial)
    peak = np.maximum.accumulate(eq)
    dd = 1 - eq / peak
    if dd.max() <= 0:
        return 0.0, -1, -1, -1, 0
    trough = int(np.argmax(dd))  # first deepest point
    pv = peak[trough]
    # the peak is the last point at the running maximum before the trough (a touch starts a new one)
    pk = max(k for k in range(trough + 1) if eq[k] >= pv)
    rec = next((k for k in range(trough + 1, len(eq)) if eq[k] >= pv), None)
    dur = (rec if rec is not None else len(eq) - 1) - pk
    return float(dd[trough]), pk - 1, trough - 1, (rec - 1 if rec is not None else -1), dur


def metrics(r, eq, initial, o):
    """r: returns (pandas Series), eq: equity at period ends (numpy), o: options dict."""
    n, ppy = len(r), o["ppy"]
    total = eq[-1] / initial - 1
    cagr = (1 + total) ** (ppy / n) - 1 if 1 + total > 0 else -1.0
    sd = r.std(ddof=1)
    sr_pp = (r - o["rf"]).mean() / sd
    downside = math.sqrt((np.minimum(r - o["mar"], 0) ** 2).mean())
    depth, pk, tr, rec, dur = drawdown(np.concatenate([[initial], eq]))
    g3 = float(stats.skew(r, bias=True))
    g4 = float(stats.kurtosis(r, fisher=False, bias=True))
    q = float(np.quantile(r, 1 - o["var_level"]))
    sr0 = expected_max_sr(o["trials"], o["trials_sr_var"]) if o["trials"] > 1 else o["benchmark_sr"]
    return {
        "n": n,
        "final_equity": float(eq[-1]),
        "total_return": total,
        "cagr": cagr,
        "volatility": sd * math.sqrt(ppy),
        "sharpe": sr_pp * math.sqrt(ppy),
        "sharpe_per_period": sr_pp,
        "sortino": (r - o["mar"]).mean() / downside * math.sqrt(ppy),
        "calmar": cagr / depth if depth > 0 else math.nan,
        "max_drawdown": depth,
        "dd_peak_i": pk,
        "dd_trough_i": tr,
        "dd_recovery_i": rec,
        "dd_duration": dur,
        "skew": g3,
        "kurtosis": g4,
        "var": -q,
        "cvar": -float(r[r <= q].mean()),
        "psr": psr(sr_pp, o["benchmark_sr"], n, g3, g4),
        "dsr_benchmark_sr": sr0,
        "dsr": psr(sr_pp, sr0, n, g3, g4),
        "min_trl": min_trl(sr_pp, o["benchmark_sr"], g3, g4, 0.95),
    }


def extras(close, first, eq, ppy):
    """Deterministic trades, exposure and turnover, rebuilt the same way in test_metrics.c."""
    n = len(eq)
    idx = np.arange(n)
    gross = np.where(idx % 5 == 0, 0.0, close[first + 1 + idx] * 10)
    traded = (idx % 7) * 1000.0
    pnl = np.array([close[first + 10 * k + 10] - close[first + 10 * k] for k in range(50)])
    wins, losses = pnl[pnl > 0], pnl[pnl < 0]
    return {
        "n_trades": len(pnl),
        "hit_rate": len(wins) / len(pnl),
        "avg_win": wins.mean(),
        "avg_loss": losses.mean(),
        "profit_factor": wins.sum() / abs(losses.sum()),
        "exposure": float((gross > 0).mean()),
        "turnover": float((traded / eq).sum() / (n / ppy)),
    }


DEFAULTS = {"ppy": 252.0, "rf": 0.0, "mar": 0.0, "benchmark_sr": 0.0, "trials": 0, "trials_sr_var": 0.0,
            "var_level": 0.95}

# mode 0: equity = closes (initial = the first close); mode 1: the closes' returns as a return series
CASES = [
    ("prices", 0, 0, None, {}, False),
    ("returns", 1, 0, None, {}, False),
    ("prices_to_2005", 0, 0, "2005-12-30", {}, False),  # the 2000-2003 drawdown is still open
    ("prices_opts", 0, 0, None, {"rf": 0.0001, "mar": 0.0005, "benchmark_sr": 0.02, "trials": 100,
                                 "trials_sr_var": 0.002, "var_level": 0.99}, True),
    ("returns_weekly_2000", 1, "2000-01-03", None, {"ppy": 52.0, "rf": 0.0002, "benchmark_sr": 0.1}, False),
]


def fmt(v):
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    v = float(v)
    return "nan" if math.isnan(v) else ("inf" if v == math.inf else ("-inf" if v == -math.inf else repr(v)))


def main():
    csv = os.path.join(HERE, "ttrc_close.csv")
    if "--refresh" in sys.argv or not os.path.exists(csv):
        export_ttrc(csv)
    d = pd.read_csv(csv)
    dates, close = list(d["date"]), d["close"].to_numpy(dtype=float)

    rows = ["case,key,value"]
    for name, mode, first, last, opts, with_extras in CASES:
        o = dict(DEFAULTS, **opts)
        i0 = first if isinstance(first, int) else dates.index(first)
        i1 = len(dates) - 1 if last is None else dates.index(last)
        px = close[i0:i1 + 1]
        if name == "returns_weekly_2000":  # every 5th close: a coarser series, annualised with 52
            px = px[::5]
        r = pd.Series(px).pct_change().iloc[1:].reset_index(drop=True)
        if mode == 0:
            eq, initial = px[1:], px[0]
        else:
            eq, initial = np.cumprod(1 + r.to_numpy()), 1.0
        m = metrics(r, eq, initial, o)
        if with_extras:
            m.update(extras(close, i0, eq, o["ppy"]))
        head = {"in.mode": mode, "in.first": i0, "in.last": i1, "in.step": 5 if name == "returns_weekly_2000" else 1,
                "in.extras": int(with_extras)}
        for k, v in head.items():
            rows.append(f"{name},{k},{fmt(v)}")
        for k, v in o.items():
            rows.append(f"{name},opt.{k},{fmt(v)}")
        for k, v in m.items():
            rows.append(f"{name},{k},{fmt(v)}")
        if "dd_peak_i" in m:  # dates for the CLI case (period i ends at row i0 + step * (i + 1))
            step = 5 if name == "returns_weekly_2000" else 1
            for k in ("dd_peak_i", "dd_trough_i", "dd_recovery_i"):
                i = m[k]
                rows.append(f"{name},{k[:-2]}_date,{dates[i0 + step * (i + 1)] if i >= 0 else '-'}")
    with open(os.path.join(HERE, "metrics_ttrc.csv"), "w") as f:
        f.write("# generated by gen_metrics.py from ttrc_close.csv (numpy/scipy/pandas); do not edit\n")
        f.write("\n".join(rows) + "\n")

    norm = ["kind,x,value"]
    for x in [-37.0, -30.0, -20.0, -10.0, -8.0, -5.0, -3.0, -1.96, -1.0, -0.5, -1e-8, 0.0, 0.3, 1.0, 1.6448536269514722,
              2.5, 4.0, 6.0, 8.0]:
        norm.append(f"cdf,{fmt(x)},{fmt(stats.norm.cdf(x))}")
    for p in [1e-300, 1e-100, 1e-20, 1e-12, 1.4e-11, 1.3e-11, 1e-6, 1e-3, 0.01, 0.025, 0.05, 0.0749, 0.075, 0.0751,
              0.1, 0.25, 0.4999, 0.5, 0.5001, 0.6, 0.9, 0.925, 0.95, 0.975, 0.99, 0.999, 1 - 1e-6, 1 - 1e-12]:
        norm.append(f"ppf,{fmt(p)},{fmt(stats.norm.ppf(p))}")
    with open(os.path.join(HERE, "metrics_norm.csv"), "w") as f:
        f.write("# generated by gen_metrics.py with scipy.stats.norm; do not edit\n")
        f.write("\n".join(norm) + "\n")

    # Bailey & Lopez de Prado (2014), "The Deflated Sharpe Ratio", numerical example: N = 100 trials,
    # V[SR_n] = 1/2 (annualised), best SR 2.5 (annualised) over T = 1250 daily returns (250 a year),
    # skewness -3, kurtosis 10. The paper reports SR0 = 0.1132 (per period) and DSR = 0.9004.
    ppy, T = 250.0, 1250
    sr = 2.5 / math.sqrt(ppy)
    sr0 = expected_max_sr(100, 0.5 / ppy)
    paper = {"sr": sr, "sr0": sr0, "sr0_annual": sr0 * math.sqrt(ppy), "dsr": psr(sr, sr0, T, -3.0, 10.0),
             "min_trl_vs_sr0": min_trl(sr, sr0, -3.0, 10.0, 0.95), "psr_vs_0": psr(sr, 0.0, T, -3.0, 10.0)}
    with open(os.path.join(HERE, "metrics_paper.csv"), "w") as f:
        f.write("# generated by gen_metrics.py (scipy) for the DSR paper's example; do not edit\nkey,value\n")
        for k, v in paper.items():
            f.write(f"{k},{fmt(v)}\n")
    print(f"SR0 = {sr0:.4f} (paper 0.1132), DSR = {paper['dsr']:.4f} (paper 0.9004)")


if __name__ == "__main__":
    main()
