#!/usr/bin/env bash
# demo.sh: QuantCLI's main job on embedded defaults (no servers): generate the bundled synthetic
# market into an SQLite store under demo/, list it, export and re-validate one symbol.
# (When the backtest engine lands, this runs the demo backtest and writes its report.)
set -euo pipefail
cd "$(dirname "$0")/.."
Q=${1:-build/quantcli}
mkdir -p demo
rm -f demo/quantcli.db demo/quantcli.db-wal demo/quantcli.db-shm
"$Q" --db demo/quantcli.db data synth --manifest demo/synth-manifest.json --csv-dir demo/csv
echo
"$Q" --db demo/quantcli.db data list
"$Q" --db demo/quantcli.db data export --symbol SYN00 --from 2024-01-01 --output demo/SYN00-2024.csv
"$Q" data validate demo/SYN00-2024.csv --symbol SYN00
echo
echo "demo: store demo/quantcli.db, manifest demo/synth-manifest.json, CSVs in demo/csv/"
