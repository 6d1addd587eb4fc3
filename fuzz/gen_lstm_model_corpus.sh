#!/usr/bin/env bash
# gen_lstm_model_corpus.sh: writes fuzz/corpus/lstm_model/ (seeds for fuzz_lstm_model): a tiny lstm
# learner's model text trained by quantcli on a synthetic random walk, the same with forged sizes
# (features 65535, hidden 512: must be refused before allocating) and with a zero std.
# Usage: fuzz/gen_lstm_model_corpus.sh build/quantcli
set -eu
Q=$(realpath "$1"); OUT=$(cd "$(dirname "$0")" && pwd)/corpus/lstm_model
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
mkdir -p "$OUT"; cd "$T"
/usr/bin/python3 -c '
import numpy as np, datetime as dt
rng = np.random.default_rng(3); c = 100 * np.exp(np.cumsum(0.01 * rng.normal(size=300)))
d0 = dt.date(2015, 1, 5)
rows = [f"{d0 + dt.timedelta(days=k)},{x:.6f},{x*1.001:.6f},{x*0.999:.6f},{x:.6f},1000" for k, x in enumerate(c)]
open("rw.csv", "w").write("\n".join(["date,open,high,low,close,volume"] + rows) + "\n")'
"$Q" --db q.db model train --data rw.csv --features "roc(1),roc(2)" --label fixed:1 --learners lstm \
  --param lstm.hidden=2 --param lstm.lookback=3 --param lstm.epochs=1 --out tiny.qcm >/dev/null
/usr/bin/python3 - "$OUT" <<'PY'
import json, sys
out = sys.argv[1]
m = json.load(open("tiny.qcm"))["learners"][0]["model"]
open(f"{out}/valid.json", "w").write(m)
o = json.loads(m); o["hidden"] = 512; o["features"] = 65535
open(f"{out}/forged_sizes.json", "w").write(json.dumps(o))
o = json.loads(m); o["std"][0] = 0
open(f"{out}/zero_std.json", "w").write(json.dumps(o))
PY
