#!/usr/bin/env bash
# trade_metrics.sh: the trading daemon's Prometheus endpoint. Starts `quantcli trade --stay` with
# --metrics-port on loopback and a max_notional limit that refuses some orders, scrapes GET /metrics
# (curl, or bash's /dev/tcp when curl is absent) and checks the text exposition format, the counters
# and the per-check reject series; checks the endpoint listens on 127.0.0.1 only, answers 404/405
# elsewhere, and that a taken port is refused (exit 7). Then a real Prometheus server (Debian's
# `prometheus`) is started on 127.0.0.1 with a temp config scraping the daemon, and its HTTP API is
# queried for `up` and quantcli_orders_total. Without the prometheus binary that part is skipped
# with a message, except under CI=true where it is a failure. Every process is bounded by timeout
# and killed on exit.
set -u
Q=$(realpath "$1")
T=$(mktemp -d)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
  rm -rf "$T"
}
trap cleanup EXIT
cd "$T" || exit 1
PY=/usr/bin/python3
fail() { echo "FAIL: $*"; [ -f d.err ] && tail -5 d.err; exit 1; }

free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# GET path on 127.0.0.1:port -> body on stdout, "HTTP_CODE" in $T/code
http_get() {
  local port=$1 path=$2
  if command -v curl >/dev/null; then
    curl -s -m 5 -o body -w '%{http_code}' "http://127.0.0.1:$port$path" >code
  else
    exec 3<>"/dev/tcp/127.0.0.1/$port" || return 1
    printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' "$path" >&3
    timeout 5 cat <&3 >raw
    exec 3>&-
    head -1 raw | awk '{print $2}' >code
    sed '1,/^\r$/d' raw >body
  fi
  cat body
}

"$Q" --db q.db data synth --symbols 2 --bars 600 --pairs 0 --mean-revert 0 --manifest none >/dev/null || fail "synth data"
PORT=$(free_port)
export QUANTCLI_TRADE__JOURNAL__FSYNC=never
# the sma cross trades all-in (order notional ~ equity): a 103,000 limit passes 36 orders and refuses 28
export QUANTCLI_RISK__ORDER__MAX_NOTIONAL=103000
timeout 120 "$Q" --db q.db trade --mode paper --feed replay:SYN00 --strategy sma_cross --param fast=3 --param slow=8 \
  --cash 100000 --state-dir st --stay --metrics-port "$PORT" >d.out 2>d.err &
PIDS+=($!)
for _ in $(seq 1 100); do
  http_get "$PORT" /metrics >/dev/null 2>&1 && [ "$(cat code)" = 200 ] && grep -q 'quantcli_events_total 600' body && break
  sleep 0.1
done
http_get "$PORT" /metrics >m.txt || fail "no answer on 127.0.0.1:$PORT/metrics"
[ "$(cat code)" = 200 ] || fail "/metrics answered $(cat code)"

# the text format: every sample's family has HELP and TYPE first; names and labels well formed;
# histogram buckets cumulative, +Inf bucket = _count; the counters this session must show
"$PY" - m.txt <<'PYEOF' || fail "exposition format (see above)"
import re, sys
lines = open(sys.argv[1]).read().split('\n')
assert lines[-1] == '', 'no final newline'
help_, type_, samples = {}, {}, {}
sample_re = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*"(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*")*)?\})? (\S+)$')
for ln in lines[:-1]:
    if ln.startswith('# HELP '):
        name = ln.split()[2]; assert name not in help_, 'HELP twice: ' + name; help_[name] = 1; continue
    if ln.startswith('# TYPE '):
        _, _, name, t = ln.split(); assert t in ('counter', 'gauge', 'histogram'), ln; type_[name] = t; continue
    assert not ln.startswith('#'), ln
    m = sample_re.match(ln); assert m, 'bad sample line: ' + ln
    name, labels, value = m.group(1), m.group(3) or '', m.group(4)
    float(value)
    fam = re.sub(r'_(bucket|sum|count)$', '', name) if re.sub(r'_(bucket|sum|count)$', '', name) in type_ else name
    assert fam in type_ and fam in help_, 'sample before HELP/TYPE: ' + ln
    samples[(name, labels)] = float(value)
def get(n, l=''): return samples[(n, l)]
assert get('quantcli_events_total') == 600
assert get('quantcli_orders_total') > 0 and get('quantcli_fills_total') > 0
assert get('quantcli_rejects_total', 'check="max_notional"') > 0, 'no max_notional rejects'
assert get('quantcli_rejects_total', 'check="venue"') == 0
assert ('quantcli_position', 'symbol="SYN00"') in samples
for h in ('tick_to_signal', 'signal_to_risk', 'risk_to_order'):
    n = 'quantcli_%s_seconds' % h
    assert type_[n] == 'histogram'
    b = [(l, v) for (nn, l), v in samples.items() if nn == n + '_bucket']
    vals = [v for _, v in b]
    assert vals == sorted(vals), 'buckets not cumulative: ' + n
    assert b[-1][0] == 'le="+Inf"' and b[-1][1] == get(n + '_count'), n
assert get('quantcli_tick_to_signal_seconds_count') == 600
PYEOF

# loopback only, other paths and methods
ss -ltn 2>/dev/null | grep -q ":$PORT " && { ss -ltn | grep ":$PORT " | grep -q "127.0.0.1:$PORT" || fail "not bound to 127.0.0.1 only"; }
http_get "$PORT" /nope >/dev/null; [ "$(cat code)" = 404 ] || fail "/nope answered $(cat code)"
if command -v curl >/dev/null; then
  c=$(curl -s -m 5 -o /dev/null -w '%{http_code}' -X POST -d x=1 "http://127.0.0.1:$PORT/metrics")
  [ "$c" = 405 ] || fail "POST answered $c"
fi
# a second daemon on the same port: refused with one clear line, exit 7
timeout 60 "$Q" --db q.db trade --mode paper --feed replay:SYN00 --state-dir st2 --metrics-port "$PORT" >/dev/null 2>e2
rc=$?; [ "$rc" = 7 ] && grep -q "cannot listen" e2 || fail "taken metrics port: exit $rc, $(cat e2)"

# a real Prometheus server scraping the daemon
if ! command -v prometheus >/dev/null; then
  [ "${CI:-}" = "true" ] && fail "prometheus not installed (apt-get install prometheus); required when CI=true"
  echo "skip: prometheus not installed (apt-get install prometheus): the Prometheus scrape was not tested"
  "$Q" trade stop --state-dir st >/dev/null
  echo "ok trade_metrics (endpoint only)"
  exit 0
fi
PPORT=$(free_port)
cat >prom.yml <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: quantcli
    static_configs:
      - targets: ['127.0.0.1:$PORT']
EOF
timeout 120 prometheus --config.file=prom.yml --storage.tsdb.path="$T/tsdb" --web.listen-address="127.0.0.1:$PPORT" \
  >prom.log 2>&1 &
PIDS+=($!)
"$PY" - "$PPORT" <<'PYEOF' || { tail -5 prom.log; fail "Prometheus did not scrape the daemon (above)"; }
import json, sys, time, urllib.parse, urllib.request
base = 'http://127.0.0.1:%s/api/v1/query?query=' % sys.argv[1]
def q(expr):
    with urllib.request.urlopen(base + urllib.parse.quote(expr), timeout=2) as r:
        d = json.load(r)
    assert d['status'] == 'success'
    return float(d['data']['result'][0]['value'][1]) if d['data']['result'] else None
deadline, last = time.time() + 60, None
while time.time() < deadline:
    try:
        up, orders = q('up{job="quantcli"}'), q('quantcli_orders_total')
        if up == 1 and orders and orders > 0: break
        last = (up, orders)
    except Exception as e:
        last = e
    time.sleep(0.5)
else:
    sys.exit('no up=1 / quantcli_orders_total > 0 within 60 s: %r' % (last,))
rej = q('quantcli_rejects_total{check="max_notional"}')
assert rej and rej > 0, 'max_notional rejects %r' % rej
assert q('quantcli_tick_to_signal_seconds_count') == 600
PYEOF
"$Q" trade stop --state-dir st >/dev/null || fail "trade stop"
echo "ok trade_metrics (Prometheus $(prometheus --version 2>&1 | head -1 | awk '{print $3}') scraped up=1 and the orders series)"
