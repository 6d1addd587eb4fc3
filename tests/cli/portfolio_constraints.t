# `portfolio optimize` --group/--groups and --turnover/--current: long-only min variance on fPortfolio's
# LPP2005 returns equals python3-cvxopt's (tests/golden/gen_portfolio_constraints.py) at 1e-6, the
# group file gives the same weights as the options, and each bad input exits with one error line.
G=$(dirname "$CASE")/../golden
R=$G/lpp2005_returns.csv
gold() { awk -F, -v c="$1" -v k="$2" '$1 == c && $2 == k { print $3 }' "$G/portfolio_constraints_golden.csv"; }
jval() { grep -E "^[[:space:]]*\"$1\":" "$OUT" | head -1 | sed -E 's/^[^:]*:[[:space:]]*//; s/,$//'; }
near() {
  awk -v a="$1" -v b="$2" -v t="$4" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(a != "" && d <= t) }' ||
    fail "$3: got '$1', golden '$2'"
}
weights() { local k; for k in SBI SPI SII LMI MPI ALT; do near "$(jval "$k")" "$(gold "$1" "$k")" "$1/$k" "$2"; done; }

run portfolio optimize --returns "$R" --method minvar --long-only --group 'EQ=SPI,MPI:0.3,0.5' --group 'ALTS = ALT : 0.1, 0.2' --json
rc 0; weights lpp_minvar_groups 1e-6
save_out a.json
file groups.txt <<'G'
# sectors
EQ=SPI, MPI:0.3,0.5

ALTS=ALT:0.1,0.2
G
run portfolio optimize --returns "$R" --method minvar --long-only --groups groups.txt --json
rc 0; weights lpp_minvar_groups 1e-6
save_out b.json; same a.json b.json
run portfolio optimize --returns "$R" --method minvar --long-only --turnover 0.1 --current 0.5,0.1,0.1,0.1,0.1,0.1 --json
rc 0; weights lpp_minvar_turnover 1e-6
run portfolio optimize --returns "$R" --method cvar --long-only --group 'EQ=SPI,MPI:0.3,0.5' --json
rc 0

run portfolio optimize --returns "$R" --method minvar --turnover 0.1
rc 2; err_lines 1; err 'go together'
run portfolio optimize --returns "$R" --method minvar --turnover 0.1 --current 0.5,0.5
rc 3; err_lines 1; err "'--current': expected 6 comma-separated numbers, got 2"
run portfolio optimize --returns "$R" --method minvar --turnover 0.1 --current 0.5,0.1,0.1,0.1,0.1,x
rc 3; err_lines 1; err "'x' is not a number"
run portfolio optimize --returns "$R" --method hrp --turnover 0.1 --current 0.5,0.1,0.1,0.1,0.1,0.1
rc 3; err_lines 1; err 'does not apply to --method hrp'
run portfolio optimize --returns "$R" --method minvar --group 'EQ=SPI,XYZ:0,1'
rc 3; err_lines 1; err "unknown asset 'XYZ'"
run portfolio optimize --returns "$R" --method minvar --group 'EQ=SPI:0,1' --group 'B=SPI:0,1'
rc 3; err_lines 1; err "'SPI' is already in group 'EQ'"
run portfolio optimize --returns "$R" --method minvar --group 'EQ=SPI,SPI:0,1'
rc 3; err_lines 1; err "listed twice"
run portfolio optimize --returns "$R" --method minvar --group 'EQ=SPI:0.5,0.1'
rc 3; err_lines 1; err 'LO \(0.5\) must be <= HI \(0.1\)'
run portfolio optimize --returns "$R" --method minvar --group 'EQ SPI 0 1'
rc 3; err_lines 1; err 'expected NAME=ASSET'
run portfolio optimize --returns "$R" --method erc --group 'EQ=SPI:0,1'
rc 3; err_lines 1; err 'do not apply to --method erc'
run portfolio optimize --returns "$R" --method minvar --long-only --group 'EQ=SPI,MPI:0.9,1' --group 'A=ALT:0.2,0.3'
rc 3; err_lines 1; no_out .
file bad.txt <<'G'
EQ=SPI:0,1
B=SPI,LMI:0,1
G
run portfolio optimize --returns "$R" --method minvar --groups bad.txt
rc 3; err_lines 1; err 'bad.txt:2: group .B.'
run portfolio optimize --returns "$R" --method minvar --groups missing.txt
rc 3; err_lines 1; err "cannot read 'missing.txt'"
