# trade --mode paper, faults: a live (synth) feed that stops delivering stops trading after
# trade.feed.stall_s with a message saying so (exit 5) and resumes on restart; the persisted risk
# kill switch (risk.kill_switch.file) is read at start by the paper trader (every order refused,
# the kill journaled) and written by trade kill/release, while a backtest neither reads nor writes it;
# a malformed switch file refuses to start; a bad synth:N is a usage error.
PY=/usr/bin/python3
check() { "$PY" -c "$1" "${@:2}" || fail "check failed: ${1:0:70}..."; }
export QUANTCLI_TRADE__JOURNAL__FSYNC=never

# a feed that stalls: synth:300 delivers 300 bars, then nothing
export QUANTCLI_TRADE__FEED__STALL_S=0.3
run trade --mode paper --feed synth:300 --param fast=3 --param slow=8 --state-dir stall --json s.json
rc 5; err 'feed stalled: no market data for 0.3 s'; err 'after 300 events: trading stopped'
[ -f s.json ] && fail "a stalled session wrote its document"
# the restart re-executes the journal (nothing sent twice) and stalls again at the same place
run trade --mode paper --feed synth:300 --param fast=3 --param slow=8 --state-dir stall
rc 5; err 'after 300 events'
run trade --mode paper --feed synth:x
rc 2; err 'synth:N'
unset QUANTCLI_TRADE__FEED__STALL_S

# the persisted kill switch
run data synth --symbols 2 --bars 300 --pairs 0 --mean-revert 0 --manifest none
rc 0
run risk kill --reason 'desk halt'
rc 0
cp quantcli-kill.json kill.before
run backtest --symbol SYN00 --param fast=3 --param slow=8 --json bt.json
rc 0
same quantcli-kill.json kill.before
check "import json,sys; d=json.load(open(sys.argv[1])); assert d['orders'] > 0 and d['risk']['rejected'] == 0" bt.json
run trade --mode paper --feed replay:SYN00 --param fast=3 --param slow=8 --state-dir ks --json ks.json
rc 0; err 'kill switch engaged by the file'
check "
import json,sys
d=json.load(open(sys.argv[1]))
assert d['orders'] == 0 and d['risk']['rejected'] > 0 and 'kill' in d['risk']['first_reject'], d['risk']
" ks.json
same quantcli-kill.json kill.before
# the restart re-executes the journaled kill: same document, the file unchanged
run trade --mode paper --feed replay:SYN00 --param fast=3 --param slow=8 --state-dir ks --json ks2.json
rc 0
same ks.json ks2.json
# trade release / kill write the file
"$Q" --db "$T/q.db" trade --mode paper --feed replay:SYN00 --param fast=3 --param slow=8 --state-dir ks3 --stay >d.out 2>d.err &
DPID=$!
for i in $(seq 1 100); do [ -S ks3/control.sock ] && break; sleep 0.1; done
run trade status --state-dir ks3
rc 0; out 'killed +true'
run trade release --state-dir ks3
rc 0
check "import json; d=json.load(open('quantcli-kill.json')); assert d['switches'] == [], d"
run trade kill --state-dir ks3 --reason 'drill'
rc 0
check "import json; d=json.load(open('quantcli-kill.json')); s=d['switches']; assert len(s)==1 and s[0]['scope']=='global' and s[0]['reason']=='drill', d"
run trade stop --state-dir ks3
rc 0
wait $DPID || fail "daemon exit code $?"
# a malformed switch file is never read as released
echo '{"version": 1, "switches": [' > quantcli-kill.json
run trade --mode paper --feed replay:SYN00 --param fast=3 --param slow=8 --state-dir ks4
rc 3; err 'quantcli-kill.json'
