# `quantcli model export MODEL.qcm --onnx OUT.onnx`: models trained by `model train` (a binary stack
# of xgb, lgbm_like and linear; a regression average of rf and xgb; a lone linear model) export as a
# whole or one learner at a time; tests/scripts/onnx_check.py runs onnx's checker and evaluates each
# graph independently on the features `quantcli features` writes, matching `model predict` to 1e-5
# (skipped with a message without python3-onnx, except under CI=true). Bad input: one error line,
# the documented exit code, no output file.
/usr/bin/python3 - >rw.csv <<'PY'
import numpy as np, datetime as dt
rng = np.random.default_rng(5); n = 700; c = 100 * np.exp(np.cumsum(0.01 * rng.normal(size=n)))
d = dt.date(2016, 1, 1); k = 0; print("date,open,high,low,close,volume")
while k < n:
    if d.weekday() < 5:
        print(f"{d},{c[k]*(1+0.003*rng.normal()):.4f},{c[k]*1.01:.4f},{c[k]*0.99:.4f},{c[k]:.4f},{1000+k}"); k += 1
    d += dt.timedelta(days=1)
PY
SPEC="rsi(14),macd(12,26,9),roc(10),atr(14)"
run model train --data rw.csv --features "$SPEC" --label fixed:5 --learners xgb,lgbm_like,linear --stack logistic \
  --param xgb.rounds=20 --param lgbm_like.rounds=20 --out bin.qcm
rc 0
run model train --data rw.csv --features "$SPEC" --label fixed:5 --task regression --learners rf,xgb \
  --param rf.num_parallel_tree=20 --param xgb.rounds=20 --param xgb.base_score=0.01 --out reg.qcm
rc 0
run model train --data rw.csv --features "$SPEC" --label fixed:5 --learners linear --out lin.qcm
rc 0
run features --data rw.csv --spec "$SPEC" --output feats.csv
rc 0
mkdir cases
for m in bin reg lin; do
  run model predict $m.qcm --data rw.csv --output cases/$m.pred.csv
  rc 0
  cp feats.csv cases/$m.features.csv
  run model export $m.qcm --onnx cases/$m.onnx
  rc 0; out "^exported .* -> cases/$m.onnx"
done
out "^exported linear \(single\) of 6 features"
for l in xgb 1 linear; do
  run model export bin.qcm --learner $l --onnx cases/one_$l.onnx --json
  rc 0; out '"ensemble":[[:space:]]+"single"'
done
# one learner's own predictions: a single-learner model file with the chosen learner only
/usr/bin/python3 - bin.qcm <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
for i, name in ((0, "xgb"), (1, "1"), (2, "linear")):
    s = dict(m); s["learners"] = [m["learners"][i]]; s["ensemble"] = {"method": "average"}
    json.dump(s, open(f"one_{name}.qcm", "w"))
PY
for l in xgb 1 linear; do
  run model predict one_$l.qcm --data rw.csv --output cases/one_$l.pred.csv
  rc 0
  cp feats.csv cases/one_$l.features.csv
done
run model export bin.qcm --onnx cases/bin.onnx --json
rc 0; out '"ensemble":[[:space:]]+"stack"'; out '"learners":[[:space:]]+"xgb,lgbm_like,linear"'; out '"output":[[:space:]]+"probability"'
if /usr/bin/python3 -c 'import onnx, numpy' 2>/dev/null; then
  /usr/bin/python3 "$(dirname "$CASE")/../scripts/onnx_check.py" --dir cases >check.log 2>&1 || { cat check.log; fail "onnx_check"; }
  grep -q "all cases match" check.log && cat check.log || fail "onnx_check did not pass"
elif [ "${CI:-}" = true ]; then
  fail "python3-onnx is missing under CI (bootstrap.sh installs it)"
else
  echo "SKIP: python3-onnx is not installed: the ONNX checker and reference evaluation did not run"
fi
# bad input
run model export nothere.qcm --onnx x.onnx
rc 3; err 'cannot open'; err_lines 1
run model export bin.qcm
rc 2; err 'onnx'; err_lines 1
run model export bin.qcm --learner rf --onnx x.onnx
rc 3; err "no such learner"; err_lines 1
run model export bin.qcm --learner 7 --onnx x.onnx
rc 3; err "3 learners"; err_lines 1
run model train --data rw.csv --features "$SPEC" --label fixed:5 --learners xgb --param xgb.booster=dart \
  --param xgb.rounds=5 --out dart.qcm
rc 0
run model export dart.qcm --onnx x.onnx
rc 3; err "booster 'dart'"; err_lines 1
[ -e x.onnx ] && fail "partial .onnx"
