#!/usr/bin/env bash
# trade_crash.sh: SIGKILLs the paper-trading daemon at random points 15 times, restarting it on the
# same state directory each time, then lets it finish; the final result document must equal an
# uninterrupted run's (nothing lost, nothing doubled), apart from the session id in client ids.
# QC_CRASH_ARGS adds options to every run (e.g. --venue sor), QC_CRASH_KILLS sets the kill count.
set -u
read -r -a EXTRA <<< "${QC_CRASH_ARGS:-}"
KILLS=${QC_CRASH_KILLS:-15}
Q=$(realpath "$1")
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
PY=/usr/bin/python3
export QUANTCLI_TRADE__JOURNAL__FSYNC=batch:16 # SIGKILL keeps the page cache: fsync is for power loss
"$Q" --db q.db data synth --symbols 2 --bars 1500 --pairs 0 --mean-revert 0 --manifest none >/dev/null || exit 1
ARGS=(--db q.db trade --mode paper --feed replay:SYN00 --strategy sma_cross --param fast=2 --param slow=5 --commission-bps 1 "${EXTRA[@]}")
start=$(date +%s%N)
"$Q" "${ARGS[@]}" --state-dir ref --json ref.json >/dev/null || { echo "FAIL: reference run"; exit 1; }
ms=$(( ($(date +%s%N) - start) / 1000000 )); [ "$ms" -lt 20 ] && ms=20
kills=0; runs=0; sizes=""
while [ "$kills" -lt "$KILLS" ] && [ "$runs" -lt 40 ]; do
  runs=$((runs + 1))
  "$Q" "${ARGS[@]}" --state-dir st --json out.json >/dev/null 2>>err.log &
  pid=$!
  delay=$(( RANDOM % (ms / 5 + 5) + 5 )) # ~15 kills land before an uninterrupted run would end
  sleep "$(awk -v d="$delay" 'BEGIN { printf "%.3f", d / 1000 }')"
  if kill -9 "$pid" 2>/dev/null; then kills=$((kills + 1)); fi
  wait "$pid" 2>/dev/null
  [ -f st/journal ] && sizes="$sizes $(stat -c %s st/journal)"
  rm -f out.json # a killed run never leaves its document
done
"$Q" "${ARGS[@]}" --state-dir st --json out.json >/dev/null 2>>err.log || { echo "FAIL: final run"; cat err.log; exit 1; }
"$PY" - ref.json out.json <<'PYEOF' || { echo "FAIL: documents differ after $kills kills"; exit 1; }
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
def strip(d):
    s = d.pop('session')
    for o in d['order_log'] + d['fill_log']: o['client_id'] = o['client_id'].split('-', 1)[1]
    return d
a, b = strip(a), strip(b)
for k in a: assert a[k] == b[k], k
assert a['complete'] and a['fills'] > 50
if 'routing' in a: assert a['routing']['children'] > a['orders'] and a['routing']['iso_children'] > 0, a['routing']
PYEOF
grep -c 'torn' err.log >/dev/null && echo "note: $(grep -c torn err.log) torn tails discarded"
echo "ok trade_crash ${EXTRA[*]} ($kills kills over $runs runs, reference run ${ms} ms; journal bytes after each: $sizes)"
