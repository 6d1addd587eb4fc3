# trade --mode paper: parity with backtest (every backtest key of the JSON equal, order and fill logs
# consistent), a restart on a finished state dir gives the same document, another run on that dir is
# refused, control commands over the socket (status, positions, malformed lines answered with errors,
# kill/release journaled, a second daemon refused, stop), and bad input: unknown mode/feed/speed/symbol,
# a feed whose time goes backwards.
PY=/usr/bin/python3
check() { "$PY" -c "$1" "${@:2}" || fail "check failed: ${1:0:70}..."; }

run data synth --symbols 2 --bars 400 --pairs 0 --mean-revert 0 --manifest none
rc 0
run backtest --symbol SYN00 --strategy sma_cross --param fast=5 --param slow=20 --commission-bps 2 --json bt.json
rc 0
export QUANTCLI_TRADE__JOURNAL__FSYNC=never
run trade --mode paper --feed replay:SYN00 --strategy sma_cross --param fast=5 --param slow=20 --commission-bps 2 --speed max --state-dir st --json tr.json
rc 0; out 'feed complete: 400 events'
check "
import json,sys
a=json.load(open(sys.argv[1])); b=json.load(open(sys.argv[2]))
for k in a: assert a[k]==b[k], k
assert b['complete'] and len(b['order_log'])==a['orders'] and len(b['fill_log'])==a['fills'] and a['fills']>0
assert len(set(o['client_id'] for o in b['order_log']))==len(b['order_log'])
assert all(o['client_id'].startswith(b['session']+'-') for o in b['order_log'])
assert abs(sum(f['qty']*f['price']*(1 if f['side']=='buy' else -1)+f['commission'] for f in b['fill_log']) - (a['initial_equity']-b['cash'])) < 1e-6
" bt.json tr.json
# a restart on the finished session re-executes and checks the journal, sends nothing new
run trade --mode paper --feed replay:SYN00 --strategy sma_cross --param fast=5 --param slow=20 --commission-bps 2 --state-dir st --json tr2.json
rc 0
same tr.json tr2.json
run trade --mode paper --feed replay:SYN00 --strategy sma_cross --param fast=5 --param slow=10 --state-dir st
rc 3; err 'holds another session'

# control over the socket (--stay keeps the finished daemon up)
"$Q" --db "$T/q.db" trade --mode paper --feed replay:SYN00 --param fast=5 --param slow=20 --state-dir ctl --stay >d.out 2>d.err &
DPID=$!
for i in $(seq 1 100); do [ -S ctl/control.sock ] && break; sleep 0.1; done
run trade status --state-dir ctl --json
rc 0; out '"ok": true'; out '"events": 400'
check "import os,stat; m=os.stat('ctl/control.sock').st_mode; d=os.stat('ctl').st_mode; assert stat.S_IMODE(m)==0o600 and stat.S_IMODE(d)==0o700"
run trade positions --state-dir ctl
rc 0; out 'SYN00'
run trade --mode paper --feed replay:SYN00 --param fast=5 --param slow=20 --state-dir ctl
rc 7; err 'another trading daemon'
check "
import socket,json
s=socket.socket(socket.AF_UNIX); s.connect('ctl/control.sock'); f=s.makefile('rwb')
for line in [b'garbage', b'{\"cmd\": 5}', b'{\"cmd\": \"nope\"}', b'[1,2]', b'{\"cmd\": \"kill\", \"reason\": 7}', b'\xff\xfe', b'{\"cmd\": \"status\"}']:
    f.write(line+b'\n'); f.flush(); r=json.loads(f.readline())
    assert r['ok'] == (line==b'{\"cmd\": \"status\"}'), (line, r)
f.write(b'x'*5000+b'\n'); f.flush(); r=json.loads(f.readline()); assert not r['ok'] and 'too long' in r['error']
"
run trade status --state-dir ctl
rc 0; out 'killed +false'
run trade kill --state-dir ctl --reason 'drill'
rc 0; out 'cmd +"kill"'
run trade status --state-dir ctl
rc 0; out 'killed +true'
run trade release --state-dir ctl
rc 0
run trade stop --state-dir ctl
rc 0
wait $DPID || fail "daemon exit code $?"
run trade status --state-dir ctl
rc 7; err 'no trading daemon'

# bad input
run trade --feed replay:SYN00
rc 2; err 'mode paper'
run trade --mode live --feed replay:SYN00
rc 2
run trade --mode paper --feed kafka:x
rc 2; err 'expected replay'
run trade --mode paper --feed replay:SYN00 --speed fast
rc 2; err 'speed'
run trade --mode paper --feed replay:NOPE --state-dir st4
rc 5
file back.csv <<'CSV'
date,open,high,low,close,volume
2024-01-02,10,11,9,10.5,100
2024-01-04,10,11,9,10.5,100
2024-01-03,10,11,9,10.5,100
CSV
run trade --mode paper --feed replay:back.csv --state-dir st5
rc 3; err 'earlier than'
