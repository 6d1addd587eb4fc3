# A close-only multi-column CSV stores each column as its own symbol, flagged close-only.
file closes.csv <<'CSV'
date,AAPL,MSFT
2024-01-02,185.64,370.87
2024-01-03,184.25,
2024-01-04,181.91,367.94
CSV
run data import closes.csv
rc 0; out 'AAPL +3'; out 'MSFT +2'
run data list
out '^AAPL +1d +3 .* close +NYSE$'; out '^MSFT +1d +2 '
run data export --symbol MSFT
out '^2024-01-04,367.94,367.94,367.94,367.94,$'
file single.csv <<'CSV'
Date,Close
2024-01-02,1.5
CSV
run data import single.csv
rc 2; err 'symbol is required'; err_lines 1
run data import single.csv --symbol ONE
rc 0; out 'ONE +1'
