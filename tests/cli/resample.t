# Intraday bars export at coarser intervals, grouped by NYSE session (13:00 early close included).
{ echo "timestamp,open,high,low,close,volume"
  for day in 2024-11-27T14:30:00Z 2024-11-29T14:30:00Z; do
    n=78; [ "${day:0:10}" = 2024-11-29 ] && n=42
    base=$(date -u -d "$day" +%s)
    for i in $(seq 1 $n); do echo "$((base + 300 * i)),$((100 + i)),$((101 + i)),$((99 + i)),$((100 + i)),10"; done
  done; } > m5.csv
run data import m5.csv --symbol M --calendar NYSE
rc 0; out 'M +120 '
run data list
out '^M +5m +120 +2024-11-27T14:35:00Z +2024-11-29T18:00:00Z'
run data export --symbol M --interval 1d
rc 0; out '^2024-11-27,101,179,100,178,780$'; out '^2024-11-29,101,143,100,142,420$'
run data export --symbol M --interval 1h
rc 0; out '^2024-11-27T15:30:00Z,101,113,100,112,120$'; out '^2024-11-29T18:00:00Z,'
run data export --symbol M --interval 7m
rc 5; err_lines 1; err "interval that divides"
