# backtest + risk engine: every order passes the risk.* checks (one code path with live trading).
# Default limits refuse nothing; a fat-finger notional limit refuses the buys (no trades, the reason
# in the summary and the JSON); a restricted symbol is never traded; a drawdown limit engages the
# kill switch with the flatten action, after which buys are refused; risk.enabled=false lets all pass.
PY=/usr/bin/python3
check() { "$PY" -c "$1" "${@:2}" || fail "check failed: ${1:0:60}..."; }
J='import json,sys; d=json.load(open(sys.argv[1])); r=d["risk"]'

run data synth --symbols 2 --bars 400 --pairs 0 --mean-revert 0 --manifest none
rc 0
run backtest --symbol SYN00 --symbol SYN01 --strategy sma_cross --param fast=5 --param slow=20 --json base.json
rc 0; no_out 'risk:'
check "$J; assert r['rejected'] == 0 and r['kills'] == 0 and r['first_reject'] is None and d['metrics']['n_trades'] > 0" base.json

export QUANTCLI_RISK__ORDER__MAX_NOTIONAL=1000
run backtest --symbol SYN00 --strategy sma_cross --param fast=5 --param slow=20 --json fat.json
rc 0; out 'risk: [0-9]+ orders? refused \(first: .*max_notional'
check "$J; assert r['rejected'] > 0 and d['metrics']['n_trades'] == 0 and 'max_notional' in r['first_reject']" fat.json
export QUANTCLI_RISK__ENABLED=false
run backtest --symbol SYN00 --strategy sma_cross --param fast=5 --param slow=20 --json off.json
rc 0
check "$J; assert r['rejected'] == 0 and d['metrics']['n_trades'] > 0" off.json
unset QUANTCLI_RISK__ORDER__MAX_NOTIONAL QUANTCLI_RISK__ENABLED

export QUANTCLI_RISK__RESTRICTED=SYN00
run backtest --symbol SYN00 --symbol SYN01 --strategy sma_cross --param fast=5 --param slow=20 --json restr.json
rc 0
check "$J; assert r['rejected'] > 0 and 'restricted' in r['first_reject'] and all(t['symbol'] == 'SYN01' for t in d['trades']) and d['trades']" restr.json
unset QUANTCLI_RISK__RESTRICTED

export QUANTCLI_RISK__LOSS__MAX_DRAWDOWN=300 QUANTCLI_RISK__LOSS__ACTION=flatten
run backtest --symbol SYN00 --strategy sma_cross --param fast=5 --param slow=20 --json kill.json
rc 0; out 'kill switch'
check "$J; assert r['kills'] >= 1 and r['rejected'] >= 1 and 'kill' in r['first_reject']" kill.json
unset QUANTCLI_RISK__LOSS__MAX_DRAWDOWN QUANTCLI_RISK__LOSS__ACTION
