# `quantcli strategies list` (text and JSON: every parameter with type, default, range and
# description); every built-in strategy runs through `quantcli backtest` on a 12-symbol synthetic
# universe and through `quantcli sweep` on one of its series; bad strategy names and parameters.
run strategies list
rc 0
for s in bollinger buy_and_hold factor_composite ou_reversion pairs regime_switch sma_cross ts_momentum xs_momentum zscore_reversion; do out "^$s: "; done
out '^  entry_z +double +2 +0\.1\.\.50 +open when \|z\| exceeds this'
out '^  long_only +bool +0 +0\|1 '
run strategies list --json
rc 0
save_out list.json
/usr/bin/python3 - list.json <<'PY' || fail "strategies list JSON"
import json, sys
d = json.load(open(sys.argv[1]))
names = [s["name"] for s in d]
assert names == sorted(names) and len(names) >= 9, names
for s in d:
    for p in s["params"]:
        assert set(p) == {"name", "type", "default", "min", "max", "description"}, p
        assert p["type"] in ("int", "double", "bool") and p["min"] <= p["max"]
pairs = next(s for s in d if s["name"] == "pairs")
assert [p["name"] for p in pairs["params"]][:3] == ["formation", "reselect", "max_pairs"]
PY
run data synth --manifest none --csv-dir csv
rc 0
ALL=SYN00,SYN01,SYN02,SYN03,SYN04,SYN05,SYN06,SYN07,SYN08,SYN09,SYN10,SYN11
for s in bollinger factor_composite ou_reversion pairs regime_switch ts_momentum xs_momentum zscore_reversion; do
  run backtest --symbol $ALL --strategy $s --json $s.json
  rc 0; out "^$s\("
done
# pairs trades only the planted legs (SYN00..SYN03) on the default seed
/usr/bin/python3 - pairs.json <<'PY' || fail "pairs trades"
import json, sys
d = json.load(open(sys.argv[1]))
syms = {t["symbol"] for t in d["trades"]}
assert syms and syms <= {"SYN00", "SYN01", "SYN02", "SYN03"}, syms
assert d["metrics"]["final_equity"] > 100000
PY
run backtest --symbol SYN04,SYN05 --strategy ou_reversion --param entry_sigma=1 --param window=80
rc 0; out '^ou_reversion\(window=80, entry_sigma=1, '
for g in "ts_momentum lookback=40:60:20" "xs_momentum quantile=0.2:0.4:0.2" "pairs entry_z=1.5:2:0.5" "bollinger window=10:20:10" "zscore_reversion entry=1.5:2:0.5" "ou_reversion entry_sigma=1:1.5:0.5" "factor_composite w_mom=0.5:1:0.5" "regime_switch z_entry=1:1.5:0.5"; do
  set -- $g
  run sweep --data csv/SYN04.csv --strategy $1 --grid $2 --cv walkforward --train 500 --test 250
  rc 0; out '^2 combinations: 2 trials, 0 skipped'
done
# bad input: one line, exit 3
run backtest --symbol $ALL --strategy pairs --param entry_z=5 --param stop_z=4
rc 3; err 'pairs: need exit_z \(0.5\) < entry_z \(5\) < stop_z \(4\)'; err_lines 1
run backtest --symbol $ALL --strategy xs_momentum --param quantile=2
rc 3; err "quantile"; err_lines 1
run backtest --symbol $ALL --strategy momentum
rc 3; err "unknown strategy 'momentum' \(see quantcli strategies list\)"; err_lines 1
run sweep --data csv/SYN04.csv --strategy ts_momentum --grid lookback=300:200:10 --grid skip=250:260:10
rc 3; err_lines 1
