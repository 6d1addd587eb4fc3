# backtest bad input: one error line naming the problem, the documented exit code (2 usage, 3 invalid
# input, 5 data), nothing on stdout, and no output file (or temp file) left behind.
gone() { for f in "$@"; do [ ! -e "$f" ] || fail "$f was left behind"; done; }
no_tmp() { ! ls -a | grep -q '\.tmp' || fail "temp files left: $(ls -a | grep '\.tmp' | tr '\n' ' ')"; }
bad() { rc "$1"; err_lines 1; no_out '.'; gone out.json t.csv; no_tmp; }

run data synth --symbols 4 --bars 400 --pairs 1 --mean-revert 1 --manifest none
rc 0

# strategy and parameters
run backtest --symbol SYN00 --strategy nope --json out.json
bad 3; err "unknown strategy 'nope'"
run backtest --symbol SYN00 --param foo=1 --json out.json
bad 3; err "unknown parameter 'foo' \(parameters: fast, slow\)"
run backtest --symbol SYN00 --param fast=0 --json out.json
bad 3; err 'parameter fast = 0 is out of range'
run backtest --symbol SYN00 --param slow=200000 --json out.json
bad 3; err 'parameter slow = 200000 is out of range'
run backtest --symbol SYN00 --param fast=2.5 --json out.json
bad 3; err 'parameter fast: expected an integer'
run backtest --symbol SYN00 --param fast=20 --param slow=20 --json out.json
bad 3; err 'fast \(20\) must be < slow \(20\)'
run backtest --symbol SYN00 --param fast=60 --json out.json
bad 3; err 'fast \(60\) must be < slow \(50\)'
run backtest --symbol SYN00 --param fast --json out.json
bad 3; err "parameter 'fast': expected name=value"
run backtest --symbol SYN00 --strategy buy_and_hold --param fast=5 --json out.json
bad 3; err "unknown parameter 'fast'"

# data files
: > empty.csv
run backtest --data empty.csv --json out.json
bad 3; err 'empty\.csv: empty'
printf 'date,open,high,low,close,volume\n' > header.csv
run backtest --data header.csv --json out.json
bad 3; err 'header\.csv: no data rows'
run backtest --data missing.csv --json out.json
bad 3; err 'missing\.csv: cannot open'
# (regression: these used to crash on a NULL option name in cfg_or)
printf 'date,open,high,low,close,volume\n2024-01-02,10,11,9,10.5,1000\n' > one.csv
run backtest --data one.csv --json out.json
bad 3; err 'one has 1 bar \(need at least 2\)'
printf 'date,open,high,low,close,volume\n2024-01-02,10,11,9,10.5,1000\n2024-01-03,10,11,9,nan,1000\n2024-01-04,10,11,9,10.5,1000\n' > nan.csv
run backtest --data nan.csv --json out.json
bad 3; err "nan\.csv:3: close: not a number"
printf 'date,AAA,BBB\n2024-01-02,10,20\n2024-01-03,abc,21\n2024-01-04,11,22\n' > closes.csv
run backtest --data closes.csv --json out.json
bad 3; err "closes\.csv:3: AAA: not a number"

# where the bars come from
run backtest --json out.json
bad 2; err 'give --data FILE or --symbol SYM'
run backtest --symbol NOPE --json out.json
bad 5; err "no data for symbol 'NOPE'"
run backtest --symbol SYN00,NOPE --json out.json
bad 5; err "NOPE"

# run options
run backtest --symbol SYN00 --fill mid --json out.json
bad 3; err "option '--fill': expected next_open or close, got 'mid'"
run backtest --symbol SYN00 --cash abc --json out.json
bad 3; err "option '--cash': expected a number"
run backtest --symbol SYN00 --cash 0 --json out.json
bad 3; err "option '--cash'"
run backtest --symbol SYN00 --cash -5 --json out.json
bad 3; err "option '--cash'"
run backtest --symbol SYN00 --commission-bps -1 --json out.json
bad 3; err "option '--commission-bps'"
run backtest --symbol SYN00 --bogus
bad 2; err "unknown option '--bogus'"

# outputs that cannot be written: the error names the path; neither it nor a temp file is left,
# and outputs after it (trades) are not written
run backtest --symbol SYN00 --report /nonexistent/dir/r.html --trades t.csv
bad 3; err "cannot write '/nonexistent/dir/r\.html'"
gone /nonexistent/dir/r.html
mkdir adir
run backtest --symbol SYN00 --trades adir --equity e.csv
bad 3; err "cannot write 'adir'"
[ -d adir ] && [ -z "$(ls -A adir)" ] || fail "adir was changed"
gone e.csv

# more repeatable options than the command holds are refused, never silently dropped
params=(); for i in $(seq 1 65); do params+=(--param fast=5); done
run backtest --symbol SYN00 "${params[@]}" --json out.json
bad 2; err "more than 64 --param options"
