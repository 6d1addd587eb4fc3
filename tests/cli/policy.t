# Validation policies: reject refuses the file, drop removes bad rows, flag keeps them marked;
# soft findings (gaps, outliers, probable splits) are reported and never fatal.
file bad.csv <<'CSV'
date,open,high,low,close,volume
2024-01-02,10,11,9,10.5,1000
2024-01-03,10,11,9,oops,1000
2024-01-04,10,9,11,10,1000
2024-01-05,10,11,9,10.2,-5
2024-01-05,10,11,9,10.2,5
2024-01-08,10,11,9,10.4,1000
CSV
run data import bad.csv --symbol X
rc 3; err_lines 1; err 'bad.csv:3: close: not a number.*4 hard problems'
run data validate bad.csv --symbol X
rc 3; out 'parse +1'; out 'ohlc +1'; out 'volume +1'; out 'duplicate +1'
run data import bad.csv --symbol X --policy drop --json
rc 0; out '"rows_stored":[[:space:]]*2'; out '"dropped":[[:space:]]*4'
run data list
out '^X +1d +2 +2024-01-02 +2024-01-08'
run data import bad.csv --symbol Y --policy flag --json
rc 0; out '"rows_stored":[[:space:]]*4'; out '"flagged":[[:space:]]*2'
# gaps against the NYSE calendar, an outlier and a probable 2:1 split
{ echo "date,close"; d=0
  for day in 02 03 04 05 08 09 10 11 12 16 17 18 19 22 23 24 25 26 29 30 31; do
    p=100; [ "$day" -ge 22 ] && p=50; [ "$day" = 12 ] && p=170
    echo "2024-01-$day,$p.$((d % 7))"; d=$((d + 1)); done
  echo "2024-02-05,50.1"; } > soft.csv
run data validate soft.csv --symbol S --json
rc 0; out '"check":[[:space:]]*"gap"'; out '"check":[[:space:]]*"split"'; out '"check":[[:space:]]*"outlier"'
out 'gap: 2 sessions missing between 2024-01-31 and 2024-02-05'
# newest-first files are reversed, not rejected
printf 'date,close\n2024-01-04,3\n2024-01-03,2\n2024-01-02,1\n' > desc.csv
run data import desc.csv --symbol D
rc 0; out 'D +3 .* 2024-01-02 +2024-01-04'
