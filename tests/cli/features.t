# `quantcli features`: indicator columns from a CSV or the store, named name(args)[.field] with
# quoted header cells, warm-up cells empty, values equal to R TTR's on real data (ttrc, the golden
# tests/golden/ttr_*.csv at 1e-9 relative); `features list` shows the table; bad specs and inputs
# are one error line with exit 3 and no output file.
G=$(dirname "$CASE")/../golden
SPEC='sma(20),rsi(14),macd(12,26,9),bbands(20,2),atr(14),adx(14),stoch(14,3,3)'
run features --data "$G/ttrc_ohlcv.csv" --spec "$SPEC" --output out.csv
rc 0
head -1 out.csv >hdr
grep -qx 'date,sma(20),rsi(14),"macd(12,26,9).macd","macd(12,26,9).signal","macd(12,26,9).hist","bbands(20,2).lower","bbands(20,2).middle","bbands(20,2).upper","bbands(20,2).pctb","bbands(20,2).bandwidth",atr(14),adx(14).plus_di,adx(14).minus_di,adx(14).dx,adx(14).adx,"stoch(14,3,3).fast_k","stoch(14,3,3).fast_d","stoch(14,3,3).slow_d"' hdr ||
  fail "header: $(cat hdr)"
[ "$(wc -l <out.csv)" = 5551 ] || fail "rows: $(wc -l <out.csv)"
# first row: a date and 18 empty cells (every warm-up is empty, never 0)
sed -n 2p out.csv | grep -qx '1985-01-02,,,,,,,,,,,,,,,,,,' || fail "row 1: $(sed -n 2p out.csv)"
# sma(20) starts on row 20 (the 20th bar), not before
sed -n 20p out.csv | grep -q '^[0-9-]*,,' || fail "sma before its warm-up"
sed -n 21p out.csv | grep -q '^[0-9-]*,[0-9]' || fail "sma missing after its warm-up"
# values equal the TTR goldens (golden row i, 0-based, is data line i + 1 of out.csv); columns are
# found by name in both headers, so quoted cells with commas are read as RFC 4180 says
near_all() { # GOLDEN-FILE COLUMN
  perl -e '
    sub cells { my @c; my $l = shift; $l =~ s/\r?\n$//; while ($l =~ /\G("([^"]*)"|[^,]*)(,|$)/g) {
      push @c, defined $2 ? $2 : $1; last if $3 eq "" } return @c }
    my ($gf, $of, $name) = @ARGV;
    open my $g, "<", $gf or die; open my $o, "<", $of or die;
    my @gh = cells(scalar <$g>); my @oh = cells(scalar <$o>);
    my ($gi) = grep { $gh[$_] eq $name } 0..$#gh; my ($oi) = grep { $oh[$_] eq $name } 0..$#oh;
    die "no column $name\n" unless defined $gi && defined $oi;
    my @ours = map { [cells($_)] } <$o>;
    my ($k, $bad) = (0, 0);
    while (<$g>) { my @r = cells($_); my $v = $ours[$r[0]][$oi];
      if ($r[$gi] eq "") { $bad++, print "row $r[0]: golden empty, ours $v\n" if $v ne ""; next }
      my $m = abs($r[$gi]) < 1e-3 ? 1e-3 : abs($r[$gi]);
      if ($v eq "" || abs($v - $r[$gi]) > 1e-9 * $m) { $bad++; print "row $r[0]: golden $r[$gi], ours $v\n" }
      $k++ }
    exit($bad || $k < 200 ? 1 : 0)' "$G/$1" out.csv "$2" || fail "$2 differs from the TTR golden"
}
near_all ttr_trend.csv 'sma(20)'
near_all ttr_momentum.csv 'rsi(14)'
near_all ttr_momentum.csv 'macd(12,26,9).signal'
near_all ttr_volatility.csv 'bbands(20,2).upper'
near_all ttr_volatility.csv 'atr(14)'
near_all ttr_momentum.csv 'adx(14).adx'
near_all ttr_momentum.csv 'stoch(14,3,3).slow_d'

# the same through the store, to stdout
run data import "$G/ttrc_ohlcv.csv" --symbol TTRC
rc 0
run features --symbol TTRC --spec "$SPEC"
rc 0; save_out stdout.csv; same out.csv stdout.csv

# two series: corr against another file's closes on the same dates
run features --data "$G/ttrc_ohlcv.csv" --spec 'corr(20),beta(20)' --other "$G/ttrc_close.csv"
rc 0; out '^date,corr\(20\),beta\(20\)$'; out '^1985-01-29,1,1$'; out '^1985-01-28,,$'
run features --data "$G/ttrc_ohlcv.csv" --spec 'corr(20)'
rc 3; err_lines 1; err 'corr\(20\): needs a second series'

# bad specs: one line naming the item and where it starts, exit 3, no file written
run features --data "$G/ttrc_ohlcv.csv" --spec 'sma(20),foo(3)' --output bad.csv
rc 3; err_lines 1; err "spec item 2 'foo\(3\)' \(at character 9\): unknown indicator 'foo'"
[ ! -e bad.csv ] || fail "a failed run left bad.csv"
run features --data "$G/ttrc_ohlcv.csv" --spec 'macd(26,12,9)'
rc 3; err_lines 1; err 'spec item 1.*fast must be < slow'
run features --data "$G/ttrc_ohlcv.csv" --spec 'rsi(0)'
rc 3; err_lines 1; err 'parameter n = 0 outside'
run features --data "$G/ttrc_ohlcv.csv" --spec 'rsi(14'
rc 3; err_lines 1; err "expected ',' or '\)'"
run features --data "$G/ttrc_ohlcv.csv" --spec ''
rc 3; err_lines 1
run features --data "$G/ttrc_ohlcv.csv"
rc 2; err_lines 1; err 'give --spec SPEC'
run features --spec 'sma(5)'
rc 2; err_lines 1
# volume indicators on a close-only file: a clear error
file closes.csv <<'CSV'
date,close
2024-01-02,10
2024-01-03,11
2024-01-04,12
CSV
run features --data closes.csv --spec 'sma(2),obv'
rc 3; err_lines 1; err 'obv: needs volume'
run features --data closes.csv --spec 'sma(2),ret(1)'
rc 0; out '^date,sma\(2\),ret\(1\)$'; out '^2024-01-02,,$'; out '^2024-01-03,10.5,0.10000000000000009$'  # 11 / 10 - 1 in doubles, printed exactly

# the table
run features list
rc 0; out '^name +group +inputs +parameters +outputs +description'
out '^macd +momentum +close +fast=12 slow=26 signal=9 +macd,signal,hist '
out '^vol_yz +volatility +open,high,low,close '
[ "$(grep -c . "$OUT")" -ge 61 ] || fail "features list shows fewer than 60 indicators"
run features list --json
rc 0; out '"name":[[:space:]]*"stoch"'; out '"default":[[:space:]]*14'
