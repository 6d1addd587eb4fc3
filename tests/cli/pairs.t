# `quantcli pairs scan`: on the synthetic market's closes (one column per symbol) the two planted
# cointegrated pairs come first with their planted hedge ratios (or the inverse, when the scan keeps
# the other direction) and half-lives; --top, --json, filters; bad input exits 2 or 3 with one line.
run data synth --no-store --manifest m.json --csv-dir csv
rc 0
/usr/bin/python3 - <<'PY' || fail "building the close panel"
import csv, glob
cols, dates = {}, None
for f in sorted(glob.glob("csv/SYN*.csv")):
    rows = list(csv.DictReader(open(f)))
    cols[f[4:-4]] = [r["close"] for r in rows]
    dates = [r["date"] for r in rows]
with open("closes.csv", "w") as o:
    o.write("date," + ",".join(cols) + "\n")
    for i, d in enumerate(dates):
        o.write(d + "," + ",".join(cols[k][i] for k in cols) + "\n")
PY
run pairs scan --data closes.csv --top 3
rc 0; out '^12 symbols, 2520 common dates'
out '^y +x +hedge_ratio +intercept +corr +adf +pvalue +half_life +lags'
run pairs scan --data closes.csv --top 2 --json
rc 0
save_out scan.json
/usr/bin/python3 - scan.json m.json <<'PY' || fail "pairs scan finds the planted pairs"
import json, sys
d, m = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert d["symbols"] == 12 and d["observations"] == 2520 and len(d["pairs"]) == 2
found = {frozenset((p["y"], p["x"])): p for p in d["pairs"]}
for pl in m["pairs"]:
    p = found[frozenset((pl["a"], pl["b"]))]
    beta = p["hedge_ratio"] if p["y"] == pl["b"] else 1 / p["hedge_ratio"]
    assert abs(beta - pl["hedge_ratio"]) < 0.1, (beta, pl)
    assert p["pvalue"] < 0.001 and p["adf"] < -4
    assert 0.5 * pl["half_life_bars"] < p["half_life"] < 2 * pl["half_life_bars"], (p, pl)
PY
run pairs scan --data closes.csv --top 0 --min-corr 0.8 --max-pvalue 0.01
rc 0; no_out 'SYN0[4-9]|SYN1'
run pairs scan --data closes.csv --min-corr 0.999
rc 0; out 'no pair passes the filters'
# bad input
run pairs scan
rc 2; err 'data PRICES.csv'; err_lines 1
run pairs scan --data csv/SYN00.csv
rc 3; err 'at least two close columns'; err_lines 1
file neg.csv <<'CSV'
date,A,B
2024-01-02,10,20
2024-01-03,-1,21
CSV
run pairs scan --data neg.csv
rc 3; err_lines 1
run pairs scan --data closes.csv --min-corr 2
rc 3; err 'min-corr'; err_lines 1
run pairs scan --data nope.csv
rc 3; err 'nope.csv'; err_lines 1
