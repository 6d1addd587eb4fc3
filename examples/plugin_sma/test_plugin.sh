#!/usr/bin/env bash
# test_plugin.sh: the example plugin through quantcli: a backtest whose trades and final equity equal
# the built-in sma_cross's on the same data, a sweep over the plugin's parameters, and the errors:
# a plugin built for another interface version, a missing file, an unknown parameter, fast >= slow.
# Usage: test_plugin.sh QUANTCLI sma_plugin.so sma_plugin_v99.so
set -u
Q=$1; P=$(realpath "$2"); P99=$(realpath "$3")
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
"$Q" --db q.db data synth --symbols 2 --pairs 0 --mean-revert 0 --bars 800 --no-store --manifest none --csv-dir csv >/dev/null || fail "synth"
"$Q" --db q.db backtest --data csv/SYN00.csv --strategy sma_cross --param fast=5 --param slow=20 --json builtin.json >/dev/null || fail "builtin run"
"$Q" --db q.db backtest --data csv/SYN00.csv --strategy "$P" --param fast=5 --param slow=20 --json plugin.json >out.txt 2>err.txt || fail "plugin run: $(cat err.txt)"
/usr/bin/python3 - builtin.json plugin.json <<'PY' || fail "plugin and built-in differ"
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
ta, tb = a["trades"], b["trades"]
assert len(ta) > 5 and len(ta) == len(tb), (len(ta), len(tb))
for x, y in zip(ta, tb):
    assert x["entry_time"] == y["entry_time"] and x["exit_time"] == y["exit_time"], (x, y)
fa, fb = a["metrics"]["final_equity"], b["metrics"]["final_equity"]
assert abs(fa - fb) <= 1e-9 * abs(fa), (fa, fb)
PY
"$Q" --db q.db sweep --data csv/SYN00.csv --strategy "$P" --grid fast=5:10:5 --grid slow=20:30:10 >sweep.txt 2>err.txt || fail "plugin sweep: $(cat err.txt)"
grep -q "4 combinations" sweep.txt || fail "sweep output: $(cat sweep.txt)"
# a plugin built for another interface version is refused with a clear error, exit 3
"$Q" --db q.db backtest --data csv/SYN00.csv --strategy "$P99" >out.txt 2>err.txt; rc=$?
[ "$rc" = 3 ] || fail "v99 plugin: exit $rc"
grep -q "built for strategy plugin interface version 99; this quantcli provides version 1" err.txt || fail "v99 message: $(cat err.txt)"
[ "$(wc -l <err.txt)" = 1 ] || fail "v99: more than one error line"
"$Q" --db q.db backtest --data csv/SYN00.csv --strategy ./nope.so >out.txt 2>err.txt; rc=$?
[ "$rc" = 3 ] && grep -q "cannot load plugin './nope.so'" err.txt || fail "missing plugin: $rc $(cat err.txt)"
"$Q" --db q.db backtest --data csv/SYN00.csv --strategy "$P" --param speed=3 >out.txt 2>err.txt; rc=$?
[ "$rc" = 3 ] && grep -q "unknown parameter 'speed'" err.txt || fail "unknown parameter: $rc $(cat err.txt)"
"$Q" --db q.db backtest --data csv/SYN00.csv --strategy "$P" --param fast=30 --param slow=20 >out.txt 2>err.txt; rc=$?
[ "$rc" = 3 ] && grep -q "plugin_sma: fast (30) must be < slow (20)" err.txt || fail "init error: $rc $(cat err.txt)"
[ "$fails" = 0 ] && echo "ok plugin_sma"
[ "$fails" = 0 ]
