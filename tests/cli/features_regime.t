# `quantcli features regime`: a 2-state HMM on ttrc's log returns and 20-day volatility; the saved
# model reloaded gives the same states file; filtered probabilities use no later bar (the same
# model over a truncated file gives identical rows up to the cut); JSON summary; bad input is one
# error line with exit 2 or 3 and no output file.
G=$(dirname "$CASE")/../golden
run features regime --data "$G/ttrc_ohlcv.csv" --states 2 --features ret,vol --restarts 3 --save m.json --output st.csv
rc 0
out '^bars 5530  states 2  covariance diag  log-likelihood'; out '^state +share +mean_ret +sd_ret +mean_vol +sd_vol'
head -1 st.csv | grep -qx 'date,viterbi,filtered,p0,p1' || fail "header: $(head -1 st.csv)"
[ "$(wc -l <st.csv)" = 5531 ] || fail "rows: $(wc -l <st.csv)"
# the first row is the 21st bar (20 returns for vol); probabilities sum to 1; states are 0 or 1
sed -n 2p st.csv | grep -q '^1985-01-30,' || fail "first row: $(sed -n 2p st.csv)"
awk -F, 'NR > 1 && (($2 != 0 && $2 != 1) || ($4 + $5 < 1 - 1e-12) || ($4 + $5 > 1 + 1e-12)) { bad++ } END { exit bad > 0 }' st.csv ||
  fail "a row with a bad state or probabilities"
grep -q '"model":[[:space:]]*"quantcli-hmm"' m.json || fail "m.json is not a model"
# reloading the model reproduces the file exactly
run features regime --data "$G/ttrc_ohlcv.csv" --load m.json --features ret,vol --output st2.csv --json
rc 0; same st.csv st2.csv
out '"log_likelihood":'; out '"covariance":[[:space:]]*"diag"'; out '"expected_duration":'
# no look-ahead: cut the data after 3,000 bars; every filtered row before the cut is unchanged
head -3001 "$G/ttrc_ohlcv.csv" >cut.csv
run features regime --data cut.csv --load m.json --features ret,vol --output st3.csv
rc 0
cut -d, -f1,3- st3.csv >a.txt; head -"$(wc -l <st3.csv)" st.csv | cut -d, -f1,3- >b.txt
same a.txt b.txt
# full covariance and a single feature, to stdout
run features regime --data "$G/ttrc_ohlcv.csv" --states 3 --cov full --features ret,absret --restarts 2 --output -
rc 0; out '^date,viterbi,filtered,p0,p1,p2$'; no_out '^bars'

# bad input
run features regime --data "$G/ttrc_ohlcv.csv" --output x.csv
rc 2; err_lines 1; err '--states K is required'
run features regime --data "$G/ttrc_ohlcv.csv" --states 0 --output x.csv
rc 3; err_lines 1; err "option '--states'"
run features regime --data "$G/ttrc_ohlcv.csv" --states 2 --features ret,skew --output x.csv
rc 3; err_lines 1; err "unknown feature 'skew'"
run features regime --data "$G/ttrc_ohlcv.csv" --states 2 --cov tied --output x.csv
rc 3; err_lines 1; err "option '--cov'"
file bad.json <<'J'
{"model": "quantcli-hmm", "version": 1, "states": 2, "dims": 1, "covariance": "diag", "start": [0.5, 0.5],
 "transition": [[0.9, 0.1], [0.2, 0.7]], "means": [[0], [0]], "covars": [[1], [1]]}
J
run features regime --data "$G/ttrc_ohlcv.csv" --load bad.json --output x.csv
rc 3; err_lines 1; err 'bad.json: hmm: transition row 1 sums to 0.9'
run features regime --data "$G/ttrc_ohlcv.csv" --load m.json --output x.csv
rc 3; err_lines 1; err 'the model has 2 features, --features gives 1'
[ ! -e x.csv ] || fail "a failed run left x.csv"
