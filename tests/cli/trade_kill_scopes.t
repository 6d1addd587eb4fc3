# the kill switch file's strategy and symbol scopes in trade: a symbol switch (risk kill --symbol)
# refuses that symbol's orders from the start, journaled; released, trading resumes; a loss limit
# fired by the risk engine during trade is written to the file (strategy scope, by the strategy's
# name), so a restart on the same state dir gives the same document and a new session stays killed.
PY=/usr/bin/python3
check() { "$PY" -c "$1" "${@:2}" || fail "check failed: ${1:0:70}..."; }
export QUANTCLI_TRADE__JOURNAL__FSYNC=never
run data synth --symbols 2 --bars 400 --pairs 0 --mean-revert 0 --manifest none
rc 0
TARGS="--feed replay:SYN00 --speed max"
run risk kill --symbol SYN00 --reason 'symbol halt'
rc 0
run trade --mode paper $TARGS --state-dir s1 --json s1.json
rc 0; err 'kill switch engaged by the file.*scope=symbol'
check "
import json,sys
d=json.load(open(sys.argv[1]))
assert d['orders']==0 and d['risk']['rejected']>0 and 'symbol kill switch' in d['risk']['first_reject'], d['risk']
" s1.json
# restart on the same directory: the journaled symbol kill re-executes, same document
run trade --mode paper $TARGS --state-dir s1 --json s1b.json
rc 0
same s1.json s1b.json
# released in the file: a restart journals the release and trades from there on
run risk release --symbol SYN00
rc 0
run trade --mode paper $TARGS --state-dir s2 --json s2.json
rc 0
check "import json,sys; d=json.load(open(sys.argv[1])); assert d['orders']>0 and d['risk']['rejected']==0, d['risk']" s2.json
# a loss limit fires during trade: written to the file (strategy scope), persisted
export QUANTCLI_RISK__LOSS__STRATEGY_MAX_DAILY=300
run trade --mode paper $TARGS --state-dir s3 --json s3.json
rc 0; err 'kill switch engaged by a risk limit: written to the file'
check "
import json,sys
d=json.load(open(sys.argv[1])); k=json.load(open('quantcli-kill.json'))
assert d['risk']['kills']==1, d['risk']
s=k['switches']; assert len(s)==1 and s[0]['scope']=='strategy' and s[0]['name']=='sma_cross' and 'daily_loss' in s[0]['reason'], k
" s3.json
cp quantcli-kill.json kill.after
run trade --mode paper $TARGS --state-dir s3 --json s3b.json
rc 0
same s3.json s3b.json
same quantcli-kill.json kill.after
unset QUANTCLI_RISK__LOSS__STRATEGY_MAX_DAILY
run trade --mode paper $TARGS --state-dir s4 --json s4.json
rc 0; err 'kill switch engaged by the file.*scope=strategy'
check "import json,sys; d=json.load(open(sys.argv[1])); assert d['orders']==0 and 'strategy kill switch' in d['risk']['first_reject'], d['risk']" s4.json
# a backtest neither reads nor writes the file
run backtest --symbol SYN00 --json bt.json
rc 0
same quantcli-kill.json kill.after
check "import json,sys; d=json.load(open(sys.argv[1])); assert d['orders']>0 and d['risk']['rejected']==0" bt.json
