# backtest: a run from the store writes every output (summary, JSON, HTML, trades, equity); the JSON
# has the documented keys and agrees with the trades CSV; fills land on the documented prices
# (next open, or the signal bar's close with --fill close); --json - is pure JSON; several symbols;
# --data with an OHLCV file (same trades as from the store) and a close-only multi-column file;
# buy_and_hold; --help lists the strategies; the same run twice gives the same bytes.
PY=/usr/bin/python3
check() { "$PY" -c "$1" "${@:2}" || fail "check failed: ${1:0:60}..."; }
# trade prices are average fill prices (notional / qty): equal to the bar's price within an ulp or two
NEAR='def near(a, b): return abs(a - b) <= 1e-12 * abs(b)'


# --symbols 4 needs --pairs/--mean-revert below their defaults (2 + 2 planted names need 6 symbols)
run data synth --symbols 4 --bars 400 --pairs 1 --mean-revert 1 --manifest none
rc 0
run data export --symbol SYN00
rc 0; save_out syn00.csv
run data export --symbol SYN01
rc 0; save_out syn01.csv

run backtest --symbol SYN00 --strategy sma_cross --param fast=5 --param slow=20 --json out.json --report r.html --trades t.csv --equity e.csv
rc 0; err_lines 0
out '^sma_cross\(fast=5, slow=20\) on SYN00$'
out '400 periods \(252 per year\)'
out 'final equity'; out 'report: r\.html'
[ -s out.json ] && [ -s r.html ] && [ -s t.csv ] && [ -s e.csv ] || fail "an output file is missing or empty"
grep -q '</html>' r.html || fail "r.html is not a complete HTML document"
check '
import json, sys
d = json.load(open(sys.argv[1]))
m = d["metrics"]
for k in ["total_return", "cagr", "volatility", "sharpe", "sortino", "calmar", "max_drawdown", "psr", "n_trades", "turnover", "final_equity"]:
    assert k in m, k
assert d["symbols"] == ["SYN00"] and d["initial_equity"] == 100000
assert m["n_trades"] == len(d["trades"]) > 0
for t in d["trades"]:
    for k in ["entry_time", "exit_time", "side", "qty", "entry_price", "exit_price", "costs", "pnl"]:
        assert k in t, k
    assert t["side"] == "long" and t["qty"] > 0 and t["entry_time"] < t["exit_time"]
eq = d["equity"]
assert len(eq["time"]) == len(eq["equity"]) == len(eq["benchmark"]) == 400
assert abs(eq["equity"][-1] - m["final_equity"]) < 1e-6
' out.json
# the trades CSV has one row per round trip; the equity CSV one row per bar
check '
import csv, json, sys
d = json.load(open(sys.argv[1]))
rows = list(csv.DictReader(open(sys.argv[2])))
assert len(rows) == d["metrics"]["n_trades"], (len(rows), d["metrics"]["n_trades"])
for r, t in zip(rows, d["trades"]):
    assert r["entry_time"] == t["entry_time"] and r["exit_time"] == t["exit_time"]
    assert abs(float(r["pnl"]) - t["pnl"]) <= 1e-6 * max(1, abs(t["pnl"]))
assert len(list(csv.DictReader(open(sys.argv[3])))) == 400
' out.json t.csv e.csv
# next_open: every fill is at the open of its bar (no commission, no spread)
check "$NEAR"'
import csv, json, sys
bars = {r["date"]: r for r in csv.DictReader(open(sys.argv[2]))}
for t in json.load(open(sys.argv[1]))["trades"]:
    assert near(t["entry_price"], float(bars[t["entry_time"]]["open"])), t
    assert near(t["exit_price"], float(bars[t["exit_time"]]["open"])), t
' out.json syn00.csv

# determinism: the same run again gives byte-identical outputs
run backtest --symbol SYN00 --strategy sma_cross --param fast=5 --param slow=20 --json out2.json --trades t2.csv
rc 0
same out.json out2.json; same t.csv t2.csv

# --json -: only the JSON document on stdout
run backtest --symbol SYN00 --param fast=5 --param slow=20 --json -
rc 0; err_lines 0
no_out 'final equity'
save_out stdout.json
check 'import json, sys; d = json.load(open(sys.argv[1])); assert d["metrics"]["n_trades"] > 0' stdout.json
same out.json stdout.json

# --fill close: fills at the signal bar's close
run backtest --symbol SYN00 --param fast=5 --param slow=20 --fill close --json close.json
rc 0
out 'fast=5, slow=20'
check "$NEAR"'
import csv, json, sys
bars = {r["date"]: r for r in csv.DictReader(open(sys.argv[2]))}
d = json.load(open(sys.argv[1]))
assert d["metrics"]["n_trades"] > 0
for t in d["trades"]:
    assert near(t["entry_price"], float(bars[t["entry_time"]]["close"])), t
    assert near(t["exit_price"], float(bars[t["exit_time"]]["close"])), t
' close.json syn00.csv
cmp -s out.json close.json && fail "--fill close gave the same result as next_open"

# several symbols: --symbol A,B --symbol C
run backtest --symbol SYN00,SYN01 --symbol SYN02 --param fast=5 --param slow=20 --json multi.json --equity me.csv
rc 0
out '3 symbols'
check '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["symbols"] == ["SYN00", "SYN01", "SYN02"], d["symbols"]
assert {t["symbol"] for t in d["trades"]} == {"SYN00", "SYN01", "SYN02"}
assert d["metrics"]["n_trades"] == len(d["trades"])
' multi.json
head -1 me.csv | grep -q '^date,equity,benchmark,gross_exposure,net_exposure,pnl_SYN00,pnl_SYN01,pnl_SYN02$' || fail "per-symbol P&L columns missing"

# buy_and_hold: one open position, no round trips
run backtest --symbol SYN00 --strategy buy_and_hold --json bh.json
rc 0
out '^buy_and_hold\(\) on SYN00$'
check '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["metrics"]["n_trades"] == 0 and d["trades"] == []
assert len(d["open_positions"]) == 1 and d["open_positions"][0]["symbol"] == "SYN00"
' bh.json

# --data with an OHLCV file: the same bars give the same trades as from the store.
# (regression: --data used to crash on a NULL option name in cfg_or)
run backtest --data syn00.csv --symbol SYN00 --param fast=5 --param slow=20 --trades td.csv
rc 0
out 'syn00\.csv, 1 symbol'
same t.csv td.csv

# --data with a close-only file of two columns: two symbols named by the header; market orders fill
# at the next bar's close (no open known)
awk -F, 'NR == FNR { if (FNR > 1) c[$1] = $5; next } FNR == 1 { print "date,AAA,BBB"; next } ($1 in c) { print $1 "," c[$1] "," $5 }' syn00.csv syn01.csv > closes.csv
run backtest --data closes.csv --param fast=5 --param slow=20 --json co.json
rc 0
out 'closes\.csv, 2 symbols'
check "$NEAR"'
import csv, json, sys
close = {(r["date"], s): float(r[s]) for r in csv.DictReader(open(sys.argv[2])) for s in ("AAA", "BBB")}
d = json.load(open(sys.argv[1]))
assert d["symbols"] == ["AAA", "BBB"], d["symbols"]
assert {t["symbol"] for t in d["trades"]} == {"AAA", "BBB"}
for t in d["trades"]:
    assert near(t["entry_price"], close[(t["entry_time"], t["symbol"])]), t
    assert near(t["exit_price"], close[(t["exit_time"], t["symbol"])]), t
' co.json closes.csv

# help lists the strategies
run backtest --help
rc 0
out 'buy_and_hold'; out 'sma_cross'; out '--fill'
