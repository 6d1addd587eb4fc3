# `quantcli portfolio optimize`: weights on fPortfolio's LPP2005 returns equal the quadprog/Rglpk/scipy
# goldens (tests/golden/gen_portfolio.R, gen_portfolio.py) at 1e-6 through the whole CLI path (CSV
# reader, JSON); --prices converts prices to returns; --svg writes a self-contained SVG; every bad
# input exits 3 (2 for usage) with one error line and no output file.
G=$(dirname "$CASE")/../golden
R=$G/lpp2005_returns.csv
gold() { awk -F, -v c="$1" -v k="$2" '$1 == c && $2 == k { print $3 }' "$G/portfolio_golden.csv" "$G/portfolio_golden_py.csv"; }
jval() { grep -E "^[[:space:]]*\"$1\":" "$OUT" | head -1 | sed -E 's/^[^:]*:[[:space:]]*//; s/,$//'; }
near() {
  awk -v a="$1" -v b="$2" -v t="$4" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(a != "" && d <= t) }' ||
    fail "$3: got '$1', golden '$2'"
}
weights() { # case tolerance
  local k
  for k in SBI SPI SII LMI MPI ALT; do near "$(jval "$k")" "$(gold "$1" "$k")" "$1/$k" "$2"; done
}

run portfolio optimize --returns "$R" --method minvar --long-only --json
rc 0; weights lpp_minvar_long 1e-6
near "$(jval volatility)" "$(gold lpp_minvar_long vol)" vol 1e-12
out '"units":[[:space:]]+"per period'
run portfolio optimize --returns "$R" --method minvar --json
rc 0; weights lpp_minvar_short 1e-6
run portfolio optimize --returns "$R" --method minvar --bounds 0.05,0.4 --json
rc 0; weights lpp_minvar_box 1e-6
run portfolio optimize --returns "$R" --method maxsharpe --long-only --json
rc 0; weights lpp_maxsharpe_long 1e-6
run portfolio optimize --returns "$R" --method maxsharpe --bounds 0,0.3 --rf 0.0001 --json
rc 0; weights lpp_maxsharpe_rf_capped 1e-6
run portfolio optimize --returns "$R" --method target_return --long-only --target-return "$(gold lpp_target_long target)" --json
rc 0; weights lpp_target_long 1e-6
run portfolio optimize --returns "$R" --method target_risk --long-only --target-risk "$(gold lpp_frontier_2 vol)" --json
rc 0; weights lpp_frontier_2 1e-6
run portfolio optimize --returns "$R" --method frontier --long-only --points 5 --json
rc 0; out '"frontier":'
[ "$(grep -c '"volatility"' "$OUT")" = 6 ] || fail "frontier: expected 5 points plus the chosen one"
run portfolio optimize --returns "$R" --method cvar --long-only --json
rc 0; weights lpp_cvar95_long 1e-6
near "$(jval cvar)" "$(gold lpp_cvar95_long cvar)" cvar 1e-12
run portfolio optimize --returns "$R" --method hrp --json
rc 0; weights lpp_hrp 1e-12
run portfolio optimize --returns "$R" --method erc --json
rc 0; weights lpp_erc 1e-9
run portfolio optimize --returns "$R" --method ivp --json
rc 0; weights lpp_ivp 1e-12
# the table: weights by column name, the risk figures named with their units
run portfolio optimize --returns "$R" --method minvar --long-only
rc 0; out '^asset +weight +risk_contribution$'; out '^LMI +0\.48933'; out '^expected_return +[0-9.e-]+ per period \(arithmetic mean\)$'
out '^geometric_return '
# Ledoit-Wolf prints its intensity
run portfolio optimize --returns "$R" --method minvar --cov ledoit_wolf --json
rc 0; near "$(jval shrinkage)" "$(gold lpp_cov_lw_cc shrinkage)" shrinkage 1e-12
# prices: compound the returns into prices; the weights do not change
awk -F, 'NR == 1 { print; n = NF; for (i = 2; i <= n; i++) p[i] = 100; print "2005-10-31,100,100,100,100,100,100"; next }
  { printf "%s", $1; for (i = 2; i <= n; i++) { p[i] *= 1 + $i; printf ",%.17g", p[i] } print "" }' "$R" > prices.csv
run portfolio optimize --returns prices.csv --prices --method minvar --long-only --json
rc 0; weights lpp_minvar_long 1e-6
# SVG: frontier, assets, chosen portfolio
run portfolio optimize --returns "$R" --method maxsharpe --long-only --svg front.svg
rc 0; grep -q '<polyline' front.svg || fail "svg: no frontier"; grep -q '>ALT</text>' front.svg || fail "svg: no asset label"
grep -q 'fill="#d62728"' front.svg || fail "svg: no chosen portfolio"; grep -q 'http' front.svg && ! grep -q 'href' front.svg || fail "svg: external reference"

# ---- bad input: one error line, exit 3 (usage: 2), no partial SVG ----
awk -F, 'BEGIN { OFS = "," } { print $0, (NR == 1 ? "SPI2" : $3) }' "$R" > dup.csv
run portfolio optimize --returns dup.csv --method minvar --long-only --svg bad.svg
rc 3; err_lines 1; err "singular covariance: assets 'SPI' and 'SPI2' are perfectly correlated"; [ ! -e bad.svg ] || fail "partial svg"
head -5 "$R" > short.csv
run portfolio optimize --returns short.csv --method minvar
rc 3; err_lines 1; err "4 observations for 6 assets: fewer observations than assets"
run portfolio optimize --returns "$R" --method minvar --bounds 0.2,1
rc 3; err_lines 1; err "infeasible constraints"
run portfolio optimize --returns "$R" --method target_return --long-only --target-return 0.01
rc 3; err_lines 1; err "target return 0.01 per period is above the attainable maximum"
run portfolio optimize --returns "$R" --method target_risk --long-only --target-risk 0.00001
rc 3; err_lines 1; err "below the minimum attainable volatility"
run portfolio optimize --returns "$R" --method maxsharpe --long-only --rf 0.01
rc 3; err_lines 1; err "max Sharpe is undefined: no feasible portfolio's expected return exceeds the risk-free rate"
run portfolio optimize --returns "$R" --method cvar --long-only --alpha 1
rc 3; err_lines 1; err "alpha"
run portfolio optimize --returns "$R" --method erc --bounds 0,0.5
rc 3; err_lines 1; err "do not apply to --method erc"
run portfolio optimize --returns "$R" --method best
rc 3; err_lines 1; err "unknown portfolio method 'best'"
run portfolio optimize --returns "$R" --method target_return
rc 2; err_lines 1; err "needs --target-return"
run portfolio optimize --method minvar
rc 2; err_lines 1; err "--returns FILE.csv is required"
file gap.csv <<'CSV'
date,A,B
2024-01-02,0.01,0.02
2024-01-03,0.02,
2024-01-04,0.01,0.00
CSV
run portfolio optimize --returns gap.csv --method minvar
rc 3; err_lines 1; err "gap.csv:3"
file neg.csv <<'CSV'
date,A,B
2024-01-02,10,20
2024-01-03,0,21
2024-01-04,11,22
CSV
run portfolio optimize --returns neg.csv --prices --method ivp
rc 3; err_lines 1; err "neg.csv:3: A: a price must be positive"
