#!/usr/bin/env bash
# gen_qcc_corpus.sh: a .qcc seed (with its META trailer) for fuzz/corpus/model_json: a 3-round
# depth-3 xgb model on a short random walk, compiled to INT8 by quantcli itself.
# Run: bash fuzz/gen_qcc_corpus.sh build/quantcli fuzz/corpus/model_json
set -eu
Q=$(realpath "$1"); OUT=$(realpath "$2"); T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
cd "$T"
/usr/bin/python3 - >rw.csv <<'PY'
import numpy as np, datetime as dt
rng = np.random.default_rng(5); n = 300; c = 100 * np.exp(np.cumsum(0.01 * rng.normal(size=n)))
d = dt.date(2018, 1, 1); k = 0; print("date,open,high,low,close,volume")
while k < n:
    if d.weekday() < 5:
        print(f"{d},{c[k]:.4f},{c[k]*1.01:.4f},{c[k]*0.99:.4f},{c[k]:.4f},{1000+k}"); k += 1
    d += dt.timedelta(days=1)
PY
"$Q" --db q.db model train --data rw.csv --features "rsi(5),roc(3)" --label fixed:2 --learners xgb \
  --param xgb.rounds=3 --param xgb.max_depth=3 --out m.qcm >/dev/null
"$Q" --db q.db model compile m.qcm --int8 --out "$OUT/small_int8.qcc" >/dev/null
