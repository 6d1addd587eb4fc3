# Import an OHLCV file, list it, export it back byte-for-byte; re-import changes nothing.
file a.csv <<'CSV'
date,open,high,low,close,volume
2024-01-02,10,11,9,10.5,1000
2024-01-03,10.5,11,10,10.8,1200
2024-01-04,10.8,11.5,10.1,11,900
2024-01-05,11,11.2,10.7,10.9,950
CSV
run data import a.csv --symbol AAA
rc 0; out 'AAA +4 +4 +0 +0 +2024-01-02 +2024-01-05'
run data list
rc 0; out '^AAA +1d +4 +2024-01-02 +2024-01-05 +ohlcv +NYSE$'
run data export --symbol AAA
rc 0; save_out b.csv; same a.csv b.csv
run data import a.csv --symbol AAA --json
rc 0; out '"unchanged":[[:space:]]*4'; out '"inserted":[[:space:]]*0'
run data export --symbol AAA --from 2024-01-03 --to 2024-01-04
rc 0; out '^2024-01-03,'; out '^2024-01-04,'; no_out '2024-01-02|2024-01-05'
run data list --json
rc 0; out '"symbol":[[:space:]]*"AAA"'; out '"rows":[[:space:]]*4'
