#!/usr/bin/env bash
# demo.sh: QuantCLI's main job on embedded defaults (no servers): generate the bundled synthetic
# market into an SQLite store under demo/, run sma_cross on a momentum name with costs, print the
# summary and write the HTML tear sheet, the JSON result and the trade list.
set -euo pipefail
cd "$(dirname "$0")/.."
Q=${1:-build/quantcli}
mkdir -p demo
rm -f demo/quantcli.db demo/quantcli.db-wal demo/quantcli.db-shm
"$Q" --db demo/quantcli.db --quiet data synth --manifest demo/synth-manifest.json --csv-dir demo/csv
"$Q" --db demo/quantcli.db data list
echo
"$Q" --db demo/quantcli.db backtest --symbol SYN06 --strategy sma_cross --param fast=10 --param slow=50 \
  --commission-bps 5 --spread-bps 2 --json demo/backtest.json --report demo/report.html \
  --trades demo/trades.csv --equity demo/equity.csv
echo
echo "demo: open demo/report.html in a browser; data in demo/quantcli.db (manifest demo/synth-manifest.json)"
