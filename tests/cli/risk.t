# `quantcli risk`: check explains every check and exits 7 on a rejection (one error line naming the
# check, the limit and the value), the exact boundary passes; a state file's positions and open
# orders count against position limits; the kill switch is engaged and released by command, is
# persisted (a new process sees it) and a corrupt switch file fails closed; limits and bench print
# their JSON keys; bad input exits 2 or 3 with one error line.
file risk.yaml <<'YAML'
risk:
  order:
    max_notional: 15000
    max_qty: 1000
    tick_size: 0.01
  position:
    max_long: 300
  restricted: GME, AMC
YAML
file collar.yaml <<'YAML'
risk:
  collar:
    pct: 10
YAML
file state.json <<'JSON'
{"cash": 100000,
 "symbols": [{"symbol": "AAPL", "qty": 100, "avg_cost": 140, "mark": 150, "sector": "tech"},
             {"symbol": "MSFT", "qty": -20, "avg_cost": 100, "mark": 90}],
 "open_orders": [{"symbol": "AAPL", "side": "BUY", "qty": 150, "price": 149}]}
JSON

# no limits configured: everything but validity and the switches is off, the order passes
run risk check --order "BUY 100 AAPL LMT 150.00"
rc 0; out '^valid_order +pass'; out '^max_notional +off'; out '^result: ACCEPTED$'

# at the notional limit: passes; one cent over: rejected with exit 7 and one line
run --config risk.yaml risk check --order "BUY 100 AAPL LMT 150.00"
rc 0; out '^max_notional +pass +15000'
run --config risk.yaml risk check --order "BUY 100 AAPL LMT 150.01"
rc 7; out '^max_notional +reject +15000 +max_notional: order notional 15001 > limit 15000 \(AAPL\)$'
out '^result: REJECTED$'; err_lines 1
err '^quantcli: error: order rejected: max_notional: order notional 15001 > limit 15000 \(AAPL\)$'
run --config risk.yaml risk check --order "BUY 100 AAPL LMT 150.01" --json
rc 7; out '"accepted":[[:space:]]+false'; out '"rejected_by":[[:space:]]+"max_notional"'
out '"error":[[:space:]]+"PreTradeCheckError"'
# every failing check is explained, not only the first
run --config risk.yaml risk check --order "BUY 2000 GME LMT 10.005"
rc 7; out '^restricted +reject'; out '^max_qty +reject'; out '^max_notional +reject'; out '^tick_size +reject'
run --config collar.yaml risk check --order "BUY 1 GME LMT 10"
rc 7; out '^price_collar +reject +.*no reference price'

# the state: 100 held + 150 open + 50 = 300 = max_long passes; 51 is a PositionLimitError
run --config risk.yaml risk check --order "BUY 50 AAPL LMT 150" --state state.json
rc 0; out '^position_long +pass'
run --config risk.yaml risk check --order "BUY 51 AAPL LMT 150" --state state.json --json
rc 7; out '"rejected_by":[[:space:]]+"position_long"'; out '"error":[[:space:]]+"PositionLimitError"'
err 'position_long: long position with open orders 301 > limit 300 \(AAPL\)'
# collar around the state's mark 150: 165 passes, 165.01 does not
run --config collar.yaml risk check --order "SELL 1 AAPL LMT 165" --state state.json
rc 0
run --config collar.yaml risk check --order "SELL 1 AAPL LMT 165.01" --state state.json
rc 7; err 'price_collar'

# limits and usage from the state
run --config risk.yaml risk limits --state state.json
rc 0; out '^max_notional +risk.order.max_notional +15000'; out '^gross_exposure +risk.exposure.max_gross +off'
out 'equity 101200'; out '^kill switches: none engaged$'
run --config risk.yaml risk limits --state state.json --json
rc 0; out '"gross_with_orders":[[:space:]]+39300'; out '"kill_switches":[[:space:]]+\[\]'

# kill switch: engage, persisted for the next process, release
run risk kill --reason "ops test"
rc 0; out '^kill switch engaged: global'
[ -f quantcli-kill.json ] || fail "no kill switch file"
run risk check --order "BUY 1 AAPL LMT 150"
rc 7; out '^kill_switch +reject'; err 'KillSwitch|kill_switch: global kill switch engaged'
run risk limits
rc 0; out '^kill switch engaged: global: ops test$'
run risk release
rc 0; out '^kill switch released: global'
run risk check --order "BUY 1 AAPL LMT 150"
rc 0
# per symbol and per strategy
run risk kill --symbol MSFT --reason halt
rc 0
run risk check --order "BUY 1 AAPL LMT 150"
rc 0
run risk check --order "BUY 1 MSFT LMT 90"
rc 7; err 'kill_switch: symbol kill switch engaged \(MSFT\)'
run risk kill --strategy momentum --json
rc 0; out '"scope":[[:space:]]+"strategy"'; out '"changed":[[:space:]]+true'
run risk check --order "BUY 1 AAPL LMT 150" --strategy momentum
rc 7; err 'kill_switch: strategy kill switch engaged for strategy momentum'
run risk check --order "BUY 1 AAPL LMT 150" --strategy other
rc 0
run risk release --all
rc 0
run risk check --order "BUY 1 MSFT LMT 90"
rc 0
run risk kill --symbol A --strategy B
rc 2; err_lines 1
# a corrupt switch file fails closed
printf '{"switches": [' > quantcli-kill.json
run risk check --order "BUY 1 AAPL LMT 150"
rc 3; err_lines 1; err 'kill switch state is unreadable'
rm quantcli-kill.json

# bad input
run risk check
rc 2; err_lines 1
run risk check --order "BUY 100 AAPL LMT"
rc 3; err_lines 1; err 'missing price'
run risk check --order "HOLD 100 AAPL"
rc 3; err_lines 1; err 'side must be BUY or SELL'
file bad_state.json <<'JSON'
{"symbols": [{"symbol": "AAPL", "qty": 10}]}
JSON
run risk check --order "BUY 1 AAPL" --state bad_state.json
rc 3; err_lines 1; err 'avg_cost'
run risk check --order "BUY 1 AAPL" --state missing.json
rc 3; err_lines 1

# bench: the JSON keys
run risk bench --orders 20000 --symbols 100 --json
rc 0; out '"p50_ns":'; out '"p99_ns":'; out '"p999_ns":'; out '"max_ns":'; out '"orders":[[:space:]]+20000'
run risk bench --orders 0
rc 3; err_lines 1
