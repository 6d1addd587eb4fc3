# `quantcli metrics`: the statistics of a real price series equal the numpy/scipy/pandas goldens
# (tests/golden/gen_metrics.py) at 1e-9 relative through the whole CLI path (CSV reader, JSON);
# the periods per year are printed; drawdown points as dates or null; bad input exits 2 or 3 with
# one error line.
G=$(dirname "$CASE")/../golden
gold() { awk -F, -v c="$1" -v k="$2" '$1 == c && $2 == k { print $3 }' "$G/metrics_ttrc.csv"; }
jval() { grep -E "^[[:space:]]*\"$1\":" "$OUT" | head -1 | sed -E 's/^[^:]*:[[:space:]]*//; s/,$//'; }
near() {
  awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; if (d < 0) d = -d; m = b < 0 ? -b : b; exit !(a != "" && d <= 1e-9 * m) }' ||
    fail "$3: got '$1', golden '$2'"
}
# compare every statistic of one run (stdout JSON) with golden case $1; skip VaR when $2 = novar
check_case() {
  local k
  for k in total_return cagr volatility sharpe sharpe_per_period sortino calmar max_drawdown skew kurtosis psr dsr min_trl; do
    near "$(jval "$k")" "$(gold "$1" "$k")" "$1/$k"
  done
  if [ "${2:-}" != novar ]; then
    near "$(jval var_95)" "$(gold "$1" var)" "$1/var_95"
    near "$(jval cvar_95)" "$(gold "$1" cvar)" "$1/cvar_95"
  fi
  [ "$(jval n)" = "$(gold "$1" n)" ] || fail "$1: n $(jval n)"
  [ "$(jval drawdown_duration)" = "$(gold "$1" dd_duration)" ] || fail "$1: duration $(jval drawdown_duration)"
  local p t r
  p=$(gold "$1" dd_peak_date); t=$(gold "$1" dd_trough_date); r=$(gold "$1" dd_recovery_date)
  [ "$(jval max_drawdown_peak)" = "\"$p\"" ] || fail "$1: peak $(jval max_drawdown_peak), golden $p"
  [ "$(jval max_drawdown_trough)" = "\"$t\"" ] || fail "$1: trough $(jval max_drawdown_trough), golden $t"
  if [ "$r" = - ]; then [ "$(jval max_drawdown_recovery)" = null ] || fail "$1: recovery not null"
  else [ "$(jval max_drawdown_recovery)" = "\"$r\"" ] || fail "$1: recovery $(jval max_drawdown_recovery), golden $r"; fi
}

# ttrc closes as prices: the default options
run metrics --returns "$G/ttrc_close.csv" --prices --json
rc 0; out '"periods_per_year":[[:space:]]+252,'; out '"input":[[:space:]]+"prices"'
check_case prices
# options: rf and MAR per period, a benchmark Sharpe, 100 trials for the DSR
run metrics --returns "$G/ttrc_close.csv" --prices --json --rf 0.0001 --mar 0.0005 --benchmark-sr 0.02 \
  --trials 100 --trials-sr-var 0.002
rc 0; check_case prices_opts novar
# the same closes turned into a return column (17 significant digits round-trip exactly)
awk -F, 'NR == 1 { print "date,ret"; next } NR > 2 { printf "%s,%.17g\n", $1, $2 / p - 1 } { p = $2 }' \
  "$G/ttrc_close.csv" > ret.csv
run metrics --returns ret.csv --json
rc 0; out '"column":[[:space:]]+"ret"'; out '"input":[[:space:]]+"returns"'
check_case returns
# up to 2005: the 2001-2003 drawdown has not recovered by the end
awk -F, 'NR == 1 || $1 <= "2005-12-30"' "$G/ttrc_close.csv" > to2005.csv
run metrics --returns to2005.csv --prices --json
rc 0; check_case prices_to_2005

# the table names the periods per year and where the value came from
run metrics --returns "$G/ttrc_close.csv" --prices
rc 0; out '^metric +value$'; out '^periods_per_year +252 \(default for daily rows\)$'; out '^n +5549$'
out '^max_drawdown_recovery +2006-02-14$'; out '^drawdown_duration +1189$'
run metrics --returns to2005.csv --prices --periods 250
rc 0; out '^periods_per_year +250 \(--periods\)$'; out '^max_drawdown_recovery +not recovered$'

# several columns: the first by default, --column picks another (case-insensitive)
file multi.csv <<'CSV'
date,alpha,beta
2024-01-02,-0.10,0.01
2024-01-03,0.05,0.02
2024-01-04,0.12,-0.01
CSV
run metrics --returns multi.csv --json
rc 0; out '"column":[[:space:]]+"alpha"'
# a loss in the first period is a drawdown from the initial equity; its peak has no row (null)
out '"max_drawdown":[[:space:]]+0\.(1|09999999)'; out '"max_drawdown_peak":[[:space:]]+null'
out '"max_drawdown_trough":[[:space:]]+"2024-01-02"'; out '"max_drawdown_recovery":[[:space:]]+"2024-01-04"'
out '"drawdown_duration":[[:space:]]+3'
run metrics --returns multi.csv
rc 0; out '^max_drawdown_peak +start \(before the first row\)$'
run metrics --returns multi.csv --column BETA --json
rc 0; out '"column":[[:space:]]+"beta"'; out '"sortino":[[:space:]]+'
# with --prices the initial equity is the first row, so the peak has a date; touching it recovers
file px.csv <<'CSV'
date,close
2024-01-02,100
2024-01-03,90
2024-01-04,95
2024-01-05,100
CSV
run metrics --returns px.csv --prices --json
rc 0; out '"max_drawdown_peak":[[:space:]]+"2024-01-02"'; out '"max_drawdown_recovery":[[:space:]]+"2024-01-05"'
out '"n":[[:space:]]+3,'
# no loss: no drawdown, undefined ratios are null
file up.csv <<'CSV'
date,r
2024-01-02,0.01
2024-01-03,0.02
CSV
run metrics --returns up.csv --json
rc 0; out '"max_drawdown":[[:space:]]+0,'; out '"calmar":[[:space:]]+null'; out '"sortino":[[:space:]]+null'
out '"max_drawdown_peak":[[:space:]]+null'

# bad input: one error line and the documented exit code
run metrics --returns missing.csv
rc 3; err_lines 1; err 'missing.csv: cannot open'
run metrics --returns multi.csv --column gamma
rc 3; err_lines 1; err "no column 'gamma' \(columns: alpha, beta\)"
file one.csv <<'CSV'
date,r
2024-01-02,0.01
CSV
run metrics --returns one.csv
rc 3; err_lines 1; err 'need at least 2 returns'
run metrics --returns up.csv --prices
rc 3; err_lines 1; err 'need at least 2 returns \(3 prices\)'
file nan.csv <<'CSV'
date,r
2024-01-02,0.01
2024-01-03,NaN
2024-01-04,0.02
CSV
run metrics --returns nan.csv
rc 3; err_lines 1; err 'nan.csv:3: r: not a number'
file text.csv <<'CSV'
date,r
2024-01-02,0.01
2024-01-03,abc
2024-01-04,0.02
CSV
run metrics --returns text.csv
rc 3; err_lines 1; err 'text.csv:3: r: not a number'
file neg.csv <<'CSV'
date,close
2024-01-02,10
2024-01-03,-1
2024-01-04,11
CSV
run metrics --returns neg.csv --prices
rc 3; err_lines 1; err 'neg.csv:3: close: a price must be positive'
run metrics --returns multi.csv --column alpha --rf abc
rc 3; err_lines 1; err "option '--rf': expected a number"
run metrics --returns multi.csv --periods 0
rc 3; err_lines 1; err "option '--periods'"
run metrics --returns multi.csv --trials 10
rc 2; err_lines 1; err 'needs --trials-sr-var'
run metrics
rc 2; err_lines 1; err 'returns FILE.csv is required'
run metrics --returns multi.csv --bogus
rc 2; err_lines 1

# help: the definitions are in the command's own help
run metrics --help
rc 0; out '^Usage: quantcli metrics --returns FILE.csv'; out 'touching it counts'; out 'ALL periods'
save_out h1; run help metrics; rc 0; save_out h2; same h1 h2
