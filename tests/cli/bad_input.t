# Bad input: one error line naming the problem, the documented exit code, the store unchanged.
file good.csv <<'CSV'
date,open,high,low,close,volume
2024-01-02,10,11,9,10.5,1000
CSV
run data import good.csv --symbol G
rc 0
file badnum.csv <<'CSV'
date,open,high,low,close,volume
2024-01-02,10,11,9,10.5,1000
2024-01-03,10,11,9,abc,1000
CSV
run data import badnum.csv --symbol B
rc 3; err_lines 1; err 'badnum.csv:3: close: not a number'
printf 'date,open,high,low,close,volume\n2024-01-02,1,2,\0,1,1\n' > nul.csv
run data import nul.csv --symbol B
rc 3; err_lines 1; err 'nul.csv:2: NUL byte'
head -c 4096 /dev/urandom > garbage.bin 2>/dev/null || true
run data import garbage.bin --symbol B
rc 3; err_lines 1
printf 'date,open,high,low,close,volume\n"2024-01-02,1,2,1,1,1\n' > quote.csv
run data import quote.csv --symbol B
rc 3; err_lines 1; err 'quote.csv:2: unterminated'
printf 'date,open,high,low,close,volume\n2024-01-02,1e400,2,1,1,1\n' > huge.csv
run data import huge.csv --symbol B
rc 3; err_lines 1; err 'huge.csv:2: open: not a number'
run data import missing.csv --symbol B
rc 3; err_lines 1; err 'missing.csv: cannot open'
printf 'date,open,high,low,close,volume\n2024-01-02,10,9,11,10,1\n' > ohlc.csv
run data import ohlc.csv --symbol B
rc 3; err_lines 1; err 'ohlc.csv:2: .*inconsistent OHLC'
run data import good.csv --symbol G --bogus
rc 2; err_lines 1; err "unknown option '--bogus'"
run data synth --seed abc
rc 3; err_lines 1; err "seed"
run data list
rc 0; out '^G +1d +1 '; no_out '^B '
step=$((step + 1)); "$Q" --db /nonexistent-dir/q.db data list >"$OUT" 2>"$ERR"; RC=$?
rc 5; err_lines 1; err 'cannot open store'
