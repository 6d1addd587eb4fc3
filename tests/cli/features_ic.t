# `quantcli features ic`: IC and rank IC of roc(5) and zscore(10) against 5-day forward returns
# over 30 symbols (some listed late, some delisted early) equal the pandas/scipy golden
# (tests/golden/gen_xsec.py: xsec_ic_cli*.csv, 1e-9); the same panel through the store gives the
# same file; the summary as a table and JSON; bad input is one error line, exit 2/3, no file.
G=$(dirname "$CASE")/../golden
cmp_golden() { # GOLDEN OURS: every cell equal within 1e-9 (empty where the golden is empty)
  perl -e '
    open my $g, "<", $ARGV[0] or die; open my $o, "<", $ARGV[1] or die;
    my ($bad, $k) = (0, 0); my $hg = <$g>; my $ho = <$o>; exit 1 if $hg ne $ho;
    while (my $lg = <$g>) { my $lo = <$o>; chomp $lg; chomp $lo;
      my @a = split /,/, $lg, -1; my @b = split /,/, $lo, -1; $bad++ if @a != @b;
      for my $i (1..$#a) { if ($a[$i] eq "") { $bad++ if $b[$i] ne ""; next }
        $k++; $bad++ if $b[$i] eq "" || abs($a[$i] - $b[$i]) > 1e-9 } }
    exit($bad || $k < 500 ? 1 : 0)' "$1" "$2"
}
run features ic --data "$G/xsec_close.csv" --spec 'roc(5),zscore(10)' --horizon 5 --output ic.csv
rc 0
out '^feature +n +mean_ic'; out '^roc\(5\) +290 +-0\.0019 +0\.2017 +-0\.1631'
cmp_golden "$G/xsec_ic_cli.csv" ic.csv || fail "IC differs from the pandas golden"
run features ic --data "$G/xsec_close.csv" --spec 'roc(5),zscore(10)' --horizon 5 --rank --output rank.csv --json
rc 0
out '"kind":[[:space:]]*"rank_ic"'; out '"feature":[[:space:]]*"roc\(5\)"'; out '"n":[[:space:]]*290'; out '"t_stat":[[:space:]]*0\.6546'
cmp_golden "$G/xsec_ic_cli_rank.csv" rank.csv || fail "rank IC differs from the scipy golden"
# --output - : the series on stdout, no summary
run features ic --data "$G/xsec_close.csv" --spec 'roc(5)' --horizon 5 --output -
rc 0; out '^date,roc\(5\)$'; no_out 'mean_ic'

# the same panel from the store (each close column is a stored symbol)
run data import "$G/xsec_close.csv"
rc 0
SYMS=$(head -1 "$G/xsec_close.csv" | cut -d, -f2- )
run features ic --symbol "$SYMS" --spec 'roc(5),zscore(10)' --horizon 5 --output store.csv
rc 0; same ic.csv store.csv

# bad input: exit 2 for usage, 3 for invalid values, one line, no file
run features ic --data "$G/xsec_close.csv" --spec 'roc(5)' --output x.csv
rc 2; err_lines 1; err '--horizon H is required'
run features ic --data "$G/xsec_close.csv" --spec 'roc(5)' --horizon 0 --output x.csv
rc 3; err_lines 1; err "option '--horizon'"
run features ic --data "$G/xsec_close.csv" --spec 'roc(5),nope' --horizon 5 --output x.csv
rc 3; err_lines 1; err "unknown indicator 'nope'"
run features ic --data "$G/ttrc_ohlcv.csv" --spec 'roc(5)' --horizon 5 --output x.csv
rc 3; err_lines 1; err 'holds 1 symbol; an IC needs at least 3'
run features ic --data "$G/xsec_close.csv" --spec 'obv' --horizon 5 --output x.csv
rc 3; err_lines 1; err 'obv: needs volume'
[ ! -e x.csv ] || fail "a failed run left x.csv"
