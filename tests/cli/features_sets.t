# Named feature sets: the built-in default (30 scale-free columns), sets from YAML (a string or a
# list of items) and the environment, a configured set replacing a built-in, and one error line
# (exit 3) for an unknown set or a set whose spec does not parse; --spec and --set together is usage.
G=$(dirname "$CASE")/../golden
mkdir -p config
file config/features.yaml <<'YAML'
features:
  sets:
    mine: "sma(5), rsi(3)"
    listy:
      - sma(10)
      - ema(3)
    broken: "sma(0)"
YAML
run features sets
rc 0
out '^default +built-in +21 +30 +ret\(1\),ret\(5\)'
out '^mine +config/features\.yaml:3 +2 +2 +sma\(5\), rsi\(3\)'
out '^listy +config/features\.yaml:4 +2 +2 +sma\(10\),ema\(3\)'
out '^broken +config/features\.yaml:7 +0 +invalid +spec item 1'
run features sets --json
rc 0; out '"name":[[:space:]]*"default"'; out '"columns":[[:space:]]*30'
run features --data "$G/ttrc_ohlcv.csv" --set default --output d.csv
rc 0
[ "$(head -1 d.csv | tr -cd ',' | wc -c)" -ge 30 ] || fail "default set header: $(head -1 d.csv)"
[ "$(wc -l <d.csv)" = 5551 ] || fail "rows: $(wc -l <d.csv)"
# a set is its spec: the same file as --spec
run features --data "$G/ttrc_ohlcv.csv" --set mine --output a.csv
rc 0
run features --data "$G/ttrc_ohlcv.csv" --spec "sma(5),rsi(3)" --output b.csv
rc 0
cmp -s a.csv b.csv || fail "--set mine differs from its --spec"
head -1 a.csv | grep -qx 'date,sma(5),rsi(3)' || fail "header: $(head -1 a.csv)"
# the environment overrides YAML; a configured set replaces the built-in of that name
step=$((step + 1)); QUANTCLI_FEATURES__SETS__DEFAULT='ret(1)' "$Q" --db "$T/q.db" features --data "$G/ttrc_ohlcv.csv" --set default >"$OUT" 2>"$ERR"; RC=$?
rc 0; out '^date,ret\(1\)$'
run features --data "$G/ttrc_ohlcv.csv" --set broken --output x.csv
rc 3; err "feature set 'broken' \(config/features\.yaml:7\)"
[ ! -e x.csv ] || fail "partial output for a broken set"
run features --data "$G/ttrc_ohlcv.csv" --set nope
rc 3; err "unknown feature set 'nope' \(known: default, trend, momentum, volatility"
run features --data "$G/ttrc_ohlcv.csv" --set mine --spec "sma(3)"
rc 2; err "not both"
