#!/usr/bin/python3
"""gen_sma_cross.py: golden trade lists for the backtest engine (tests/test_backtest_golden.c).

Input: TTR's bundled `ttrc` (R package TTR: 5550 daily OHLCV bars, 1985-2006), exported once to
ttrc_ohlcv.csv (date,open,high,low,close,volume).

Reference: a plain-Python loop written from the rule text of the sma_cross strategy and the
simulated venue (the `quantcli backtest --help` text and the brief), not from the C code:
  - SMA(n) of the close at bar t = the exact mean of close[t-n+1..t], computed in rational arithmetic
    (fractions.Fraction) from the decimal prices as written in the CSV, undefined for t < n-1; so
    every comparison of two SMAs is exact and two windows with the same mean tie. (math.fsum(window)
    / n is not enough for that: fsum is exact, but it sums the binary doubles and the division
    rounds, so on ttrc 1997-03-26 SMA(5) = 23.639999999999997 < SMA(20) = 23.64 although both
    means are exactly 23.64, a crossover that is not in the data. The script prints every bar where
    the fsum version would decide differently.)
  - at bar t's close, with both SMAs defined at t-1:
      fast[t] > slow[t] and fast[t-1] <= slow[t-1] and flat -> buy all-in;
      fast[t] < slow[t] and fast[t-1] >= slow[t-1] and long -> sell everything;
  - fills: next_open = bar t+1's open (an order signalled on the last bar never fills), close =
    bar t's close;
  - all-in buy: qty = cash / (price * (1 + c)), c = commission rate (bps * 1e-4); commission
    c * qty * price on buys and sells; fractional shares; starting cash 100,000;
  - a trade is a closed round trip; pnl = qty * (exit - entry) - both commissions; a position open
    at the end is not a trade; final equity = cash + open qty * last close.

Writes, next to this script:
  ttrc_ohlcv.csv                         (only when missing or with --refresh; needs Rscript + r-cran-ttr)
  sma_cross_ttrc_<fast>_<slow>_<fill>_<bps>bps.csv  entry_date,exit_date,qty,entry_price,exit_price,pnl
  sma_cross_ttrc_final.csv               case,fast,slow,fill,commission_bps,n_trades,open_qty,cash,final_equity

Run with Debian's python: /usr/bin/python3 tests/golden/gen_sma_cross.py [--refresh]
"""
import csv
import math
import os
import subprocess
import sys
from fractions import Fraction

HERE = os.path.dirname(os.path.abspath(__file__))
CASH = 100000.0
CASES = [  # fast, slow, fill, commission in bps
    (10, 50, "next_open", 10),
    (10, 50, "close", 10),
    (5, 20, "next_open", 0),
]


def export_ttrc(path):
    r_code = ('library(TTR); data(ttrc); '
              'write.csv(data.frame(date=format(ttrc$Date, "%Y-%m-%d"), open=ttrc$Open, high=ttrc$High, '
              'low=ttrc$Low, close=ttrc$Close, volume=ttrc$Volume), '
              '"' + path + '", row.names=FALSE, quote=FALSE)')
    subprocess.run(["Rscript", "-e", r_code], check=True)


def load(path):
    """Rows (date, open, high, low, close, volume) as floats, and the closes as exact decimals."""
    rows, exact_close = [], []
    with open(path, newline="") as f:
        for r in csv.DictReader(f):
            rows.append((r["date"], float(r["open"]), float(r["high"]), float(r["low"]), float(r["close"]),
                         float(r["volume"])))
            exact_close.append(Fraction(r["close"]))
    return rows, exact_close


def sma_exact(x, n):
    """Exact rolling means (Fractions); None in the warm-up."""
    out, window_sum = [], Fraction(0)
    for t in range(len(x)):
        window_sum += x[t] - (x[t - n] if t >= n else 0)
        out.append(window_sum / n if t >= n - 1 else None)
    return out


def sma_fsum(x, n):
    return [math.fsum(x[t - n + 1:t + 1]) / n if t >= n - 1 else None for t in range(len(x))]


def signals(f, s):
    """+1 at a crossover up, -1 at a crossover down, 0 otherwise (both SMAs defined at t-1)."""
    out = [0] * len(f)
    for t in range(1, len(f)):
        if f[t - 1] is None or s[t - 1] is None:
            continue
        if f[t] > s[t] and f[t - 1] <= s[t - 1]:
            out[t] = 1
        elif f[t] < s[t] and f[t - 1] >= s[t - 1]:
            out[t] = -1
    return out


def simulate(rows, exact_close, fast, slow, fill, bps):
    dates = [r[0] for r in rows]
    opens = [r[1] for r in rows]
    closes = [r[4] for r in rows]
    sig = signals(sma_exact(exact_close, fast), sma_exact(exact_close, slow))
    c = bps * 1e-4
    cash, qty = CASH, 0.0
    entry = None  # (date, qty, price, commission)
    trades = []
    pending = None  # "buy" / "sell" waiting for the next open

    def execute(side, t, price):
        nonlocal cash, qty, entry
        if side == "buy":
            q = cash / (price * (1 + c))
            comm = c * q * price
            cash -= q * price + comm
            qty = q
            entry = (dates[t], q, price, comm)
        else:
            comm = c * qty * price
            cash += qty * price - comm
            e_date, e_qty, e_price, e_comm = entry
            pnl = e_qty * (price - e_price) - e_comm - comm
            trades.append((e_date, dates[t], e_qty, e_price, price, pnl))
            qty, entry = 0.0, None

    for t in range(len(rows)):
        if pending is not None:
            execute(pending, t, opens[t])
            pending = None
        side = None
        if sig[t] == 1 and qty == 0:
            side = "buy"
        elif sig[t] == -1 and qty > 0:
            side = "sell"
        if side is None:
            continue
        if fill == "close":
            execute(side, t, closes[t])
        else:
            pending = side
    final_equity = cash + qty * closes[-1]
    return trades, qty, cash, final_equity


def case_name(fast, slow, fill, bps):
    return "%d_%d_%s_%dbps" % (fast, slow, fill, bps)


def main():
    src = os.path.join(HERE, "ttrc_ohlcv.csv")
    if "--refresh" in sys.argv or not os.path.exists(src):
        export_ttrc(src)
    rows, exact_close = load(src)
    assert len(rows) == 5550, len(rows)
    assert all(rows[i][0] < rows[i + 1][0] for i in range(len(rows) - 1))
    summary = []
    for fast, slow, fill, bps in CASES:
        trades, qty, cash, eq = simulate(rows, exact_close, fast, slow, fill, bps)
        closes = [r[4] for r in rows]
        exact = signals(sma_exact(exact_close, fast), sma_exact(exact_close, slow))
        binary = signals(sma_fsum(closes, fast), sma_fsum(closes, slow))
        for t in range(len(rows)):
            if exact[t] != binary[t]:
                print("  note: SMA(%d)/SMA(%d) on %s: exact signal %+d, fsum of doubles %+d"
                      % (fast, slow, rows[t][0], exact[t], binary[t]))
        name = case_name(fast, slow, fill, bps)
        with open(os.path.join(HERE, "sma_cross_ttrc_%s.csv" % name), "w", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["entry_date", "exit_date", "qty", "entry_price", "exit_price", "pnl"])
            for t in trades:
                w.writerow([t[0], t[1]] + [repr(v) for v in t[2:]])
        summary.append([name, fast, slow, fill, bps, len(trades), repr(qty), repr(cash), repr(eq)])
        print("%-24s %3d trades, open qty %.6g, final equity %.6f" % (name, len(trades), qty, eq))
    with open(os.path.join(HERE, "sma_cross_ttrc_final.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["case", "fast", "slow", "fill", "commission_bps", "n_trades", "open_qty", "cash", "final_equity"])
        w.writerows(summary)


if __name__ == "__main__":
    main()
