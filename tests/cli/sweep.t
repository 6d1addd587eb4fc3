# `quantcli sweep`: a grid over a synthetic series; identical JSON on 1 and 2 threads; skipped
# combinations reported with the strategy's reason; cpcv paths, DSR and PBO in the JSON; the HTML
# report is self-contained; bad input exits 2 or 3 with one error line and writes no file.
run data synth --symbols 2 --pairs 0 --mean-revert 0 --bars 700 --no-store --manifest none --csv-dir csv
rc 0
run sweep --data csv/SYN00.csv --strategy sma_cross --grid fast=5:25:5 --grid slow=10:60:10 --cv cpcv --threads 1 --json one.json
rc 0; out '30 combinations: 24 trials, 6 skipped'; out 'skipped \(fast=10, slow=10\): sma_cross: fast \(10\) must be < slow \(10\)'
out '^  splits 15, paths 5$'; out '^  DSR +0\.[0-9]+ over 24 trials'; out '^  PBO +[01]\.[0-9]+ \(CSCV, S = 16'
run sweep --data csv/SYN00.csv --strategy sma_cross --grid fast=5:25:5 --grid slow=10:60:10 --cv cpcv --threads 2 --json two.json --report r.html
rc 0; same one.json two.json
/usr/bin/python3 - one.json <<'PY' || fail "sweep JSON content"
import json, sys
d = json.load(open(sys.argv[1]))
s = d["summary"]
assert s["combinations"] == 30 and s["trials"] == 24 and s["skipped"] == 6
assert d["cv"]["splits"] == 15 and d["cv"]["paths"] == 5
ok = [c for c in d["combinations"] if c["status"] == "ok"]
assert all(len(c["oos_paths"]) == 5 for c in ok)
assert 0 <= s["pbo"]["pbo"] <= 1 and len(s["pbo"]["logits"]) == 12870
assert 0 <= s["selected"]["dsr"] <= s["selected"]["psr"] <= 1
assert len(d["selection"]["oos_paths"]) == 5
PY
grep -q '<svg class="chart hm" id="chart-heatmap"' r.html || fail "no heatmap"
grep -q 'id="chart-logits"' r.html || fail "no logit histogram"
grep -Eq 'https?://' r.html && fail "report references the network"
# walk-forward: the stitched out-of-sample curve
run sweep --data csv/SYN00.csv --strategy sma_cross --grid fast=5:15:5 --grid slow=20:40:10 --cv walkforward --train 200 --test 100 --json -
rc 0; out '"walkforward": \{"index": \[200, 201'; out '"scheme": "walkforward", "splits": 5'
# no cross-validation
run sweep --data csv/SYN00.csv --strategy sma_cross --grid fast=5:10:5 --grid slow=30
rc 0; out 'no cross-validation'
# bad input
run sweep --strategy sma_cross --grid fast=5:10:5
rc 2; err 'data FILE'; err_lines 1
run sweep --data csv/SYN00.csv --strategy sma_cross
rc 2; err 'grid NAME'; err_lines 1
run sweep --data csv/SYN00.csv --strategy nope --grid fast=5
rc 3; err "unknown strategy 'nope'"; err_lines 1
run sweep --data csv/SYN00.csv --strategy sma_cross --grid speed=1:3:1 --json bad.json
rc 3; err "has no parameter 'speed'"; err_lines 1
[ -e bad.json ] && fail "a failed sweep wrote its JSON"
run sweep --data csv/SYN00.csv --strategy sma_cross --grid fast=5:1:1
rc 3; err 'TO >= FROM'; err_lines 1
run sweep --data csv/SYN00.csv --strategy sma_cross --grid fast=5 --grid slow=30 --cv cpcv --test-groups 7
rc 3; err 'test-groups must'; err_lines 1
run sweep --data csv/SYN00.csv --strategy sma_cross --grid fast=5 --grid slow=30 --cv magic
rc 3; err "option '--cv': unknown scheme"; err_lines 1
run sweep --data csv/SYN00.csv --strategy sma_cross --grid fast=5 --grid slow=30 --pbo-s 5
rc 3; err 'must be even'; err_lines 1
run sweep --data missing.csv --strategy sma_cross --grid fast=5 --grid slow=30
rc 3; err 'missing.csv'; err_lines 1
