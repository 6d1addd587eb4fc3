# backtest --strategy portfolio: enum parameters by name (the run's title prints them by name), the
# JSON and equity CSV carry the equal-weight rebalanced comparison beside the buy-and-hold benchmark,
# costs are charged, the report draws it; bad parameters exit 3 with one line; sweep walks method codes.
PY=/usr/bin/python3
run data synth --symbols 6 --bars 400 --pairs 1 --mean-revert 1 --manifest none
rc 0
run backtest --symbol SYN00,SYN01,SYN02,SYN03,SYN04,SYN05 --strategy portfolio --param method=hrp --param lookback=120 --param schedule=monthly --commission-bps 5 --json o.json --equity e.csv --report r.html
rc 0; err_lines 0
out '^portfolio\(method=hrp, lookback=120, schedule=monthly, band=0, rel_band=0, cov=sample, long_only=1'
head -1 e.csv | grep -q ',comparison' || fail "equity CSV has no comparison column"
grep -q 'equal weight, rebalanced' r.html || fail "the report does not draw the comparison"
"$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
e = d["equity"]
assert e["comparison_label"] == "equal weight, rebalanced"
assert len(e["comparison"]) == len(e["equity"]) == 400
assert e["comparison"][0] == 100000
assert d["orders"] > 6
assert d["metrics"]["costs"] > 0 if "costs" in d["metrics"] else True
' o.json || fail "JSON check failed"
run backtest --symbol SYN00,SYN01,SYN02 --strategy portfolio --param method=ivp --param schedule=none --param band=0.05 --param lookback=30
rc 0
run backtest --symbol SYN00,SYN01 --strategy portfolio --param method=hrpp
rc 3; err_lines 1; err 'parameter method: expected one of minvar\|maxsharpe'
run backtest --symbol SYN00,SYN01 --strategy portfolio --param schedule=none
rc 3; err_lines 1; err 'schedule=none needs band or rel_band'
run backtest --symbol SYN00,SYN01,SYN02 --strategy portfolio --param lookback=3
rc 3; err_lines 1; err 'lookback \(3\) must exceed the number of symbols \(3\)'
run data export --symbol SYN00
rc 0; save_out syn00.csv
run sweep --data syn00.csv --strategy portfolio --grid method=0:6:3 --grid lookback=40:80:40
rc 0; out '6 combinations'
