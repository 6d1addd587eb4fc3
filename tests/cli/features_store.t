# The feature store behind `features --symbol`: the first run computes and stores (new), the second
# reuses (hit) with the same output; re-importing unchanged data keeps the hit; --no-cache neither
# reads nor writes; features.cache: false turns it off; CSV input never uses it.
G=$(dirname "$CASE")/../golden
SPEC='sma(20),rsi(14),bbands(20,2)'
run data import "$G/ttrc_ohlcv.csv" --symbol TTRC
rc 0
export QUANTCLI_LOG__LEVEL=info
run features --symbol TTRC --spec "$SPEC" --output a.csv
rc 0; err 'outcome=new'
run features --symbol TTRC --spec "$SPEC" --output b.csv
rc 0; err 'outcome=hit'
cmp -s a.csv b.csv || fail "a reused column differs"
run features --symbol TTRC --spec "$SPEC" --no-cache --output c.csv
rc 0; ! grep -q 'feature store' "$ERR" || fail 'used the feature store'
cmp -s a.csv c.csv || fail "--no-cache output differs"
run data import "$G/ttrc_ohlcv.csv" --symbol TTRC
rc 0
run features --symbol TTRC --spec "$SPEC" --output d.csv
rc 0; err 'outcome=hit'
step=$((step + 1)); QUANTCLI_FEATURES__CACHE=false "$Q" --db "$T/q.db" features --symbol TTRC --spec "$SPEC" >"$OUT" 2>"$ERR"; RC=$?
rc 0; ! grep -q 'feature store' "$ERR" || fail 'used the feature store'
run features --data "$G/ttrc_ohlcv.csv" --spec "$SPEC" --output e.csv
rc 0; ! grep -q 'feature store' "$ERR" || fail 'used the feature store'
cmp -s a.csv e.csv || fail "CSV and stored runs differ"
