# backtest and trade --venue exchange|sor: parity (backtest and `trade --mode paper --speed max`
# give the same orders, fills and every backtest key, the venue's statistics included) for one
# exchange venue and for the router over three venues (execution.venues, shallow ladders so that
# parents split across venues as ISO children); a restart on the finished session gives the same
# document; bad --venue words and malformed execution.venues are refused with one clear line.
PY=/usr/bin/python3
check() { "$PY" -c "$1" "${@:2}" || fail "check failed: ${1:0:70}..."; }
export QUANTCLI_TRADE__JOURNAL__FSYNC=never
run data synth --symbols 2 --bars 300 --pairs 0 --mean-revert 0 --manifest none
rc 0
ARGS="--symbol SYN00 --strategy sma_cross --param fast=5 --param slow=20"
TARGS="--feed replay:SYN00 --strategy sma_cross --param fast=5 --param slow=20 --speed max"

# one exchange venue
run backtest $ARGS --venue exchange --json bx.json
rc 0
run trade --mode paper $TARGS --venue exchange --state-dir sx --json tx.json
rc 0; out 'feed complete: 300 events'
check "
import json,sys
a=json.load(open(sys.argv[1])); b=json.load(open(sys.argv[2]))
for k in a: assert a[k]==b[k], k
assert a['venue']=='exchange' and a['exchange']['fills']==a['fills']>0 and 'routing' not in a
assert [f['qty'] for f in b['fill_log']] and len(b['order_log'])==a['orders']
" bx.json tx.json

# the router over three venues
export QUANTCLI_EXECUTION__VENUES="A:-0.002:0.003:0:2:0.0002,B:-0.001:0.002:250:3:0.0003,C:0.0005:0.001:500:4:0.0003"
run backtest $ARGS --venue sor --json bs.json
rc 0
run trade --mode paper $TARGS --venue sor --state-dir ss --json ts.json
rc 0
check "
import json,sys
a=json.load(open(sys.argv[1])); b=json.load(open(sys.argv[2]))
for k in a: assert a[k]==b[k], k
r=a['routing']
assert a['venue']=='sor' and r['parents']==a['orders'] and r['fills']==a['fills']==len(b['fill_log'])
assert r['children']>r['parents'] and r['iso_children']>0 and [v['name'] for v in r['venues']]==['A','B','C']
assert sum(v['fills'] for v in r['venues'])==r['fills'] and sum(v['fills']>0 for v in r['venues'])>=2
assert abs(sum(v['qty'] for v in r['venues'])-sum(f['qty'] for f in b['fill_log']))<1e-6
assert r['single_venue_qty']+r['single_venue_short']==r['taken_qty']
" bs.json ts.json
run trade --mode paper $TARGS --venue sor --state-dir ss --json ts2.json
rc 0
same ts.json ts2.json
# the same run on the bar venue differs: the venues matter
run backtest $ARGS --json bsim.json
rc 0
check "
import json,sys
a=json.load(open(sys.argv[1])); b=json.load(open(sys.argv[2]))
assert 'routing' not in a and a['metrics']['final_equity']!=b['metrics']['final_equity']
" bsim.json bs.json

# bad input
run backtest $ARGS --venue nyse
rc 2; err "option '--venue': expected sim, exchange or sor, got 'nyse'"; err_lines 1
QUANTCLI_EXECUTION__VENUES="A:-0.002:abc:0" run backtest $ARGS --venue sor
rc 4; err "execution.venues: venue 'A': field 3 is not a number"; err_lines 1
QUANTCLI_EXECUTION__VENUES="A:0:0.001:0,A:0:0.001:0" run trade --mode paper $TARGS --venue sor --state-dir bad
rc 4; err "venue 'A' given twice"
