# `quantcli model predict` from a .qcc (issue 10): a one-learner xgb .qcm compiled to float, INT8 and
# INT16 .qcc files predicts the same rows with the same columns; the float .qcc equals the .qcm
# (XGBoost itself) to 1e-6, INT8 and INT16 equal the float .qcc exactly (the same leaves). A
# regression model too; a .qcc without its feature spec and a truncated one fail with one
# line and no output file.
/usr/bin/python3 - >rw.csv <<'PY'
import numpy as np, datetime as dt
rng = np.random.default_rng(11); n = 900; c = 100 * np.exp(np.cumsum(0.01 * rng.normal(size=n)))
d = dt.date(2016, 1, 1); k = 0; print("date,open,high,low,close,volume")
while k < n:
    if d.weekday() < 5:
        print(f"{d},{c[k]:.4f},{c[k]*1.01:.4f},{c[k]*0.99:.4f},{c[k]:.4f},{1000+k}"); k += 1
    d += dt.timedelta(days=1)
PY
run model train --data rw.csv --features "rsi(14),roc(10),atr(14),roc(3)" --label fixed:5 --learners xgb \
  --param xgb.rounds=80 --out b.qcm
rc 0
run model predict b.qcm --data rw.csv --output qcm.csv
rc 0
for kind in float int8 int16; do
  flag=""; [ "$kind" != float ] && flag="--$kind"
  run model compile b.qcm $flag --out b_$kind.qcc
  rc 0; out "compiled learner 0 \(xgb\): 80 trees, [0-9]+ nodes, $kind -> b_$kind.qcc"
  run model predict b_$kind.qcc --data rw.csv --output qcc_$kind.csv
  rc 0
done
/usr/bin/python3 - qcm.csv qcc_float.csv qcc_int8.csv qcc_int16.csv <<'PY' || fail "qcc predictions differ"
import sys
rows = [[l.rstrip("\n").split(",") for l in open(f)] for f in sys.argv[1:]]
ref, flt, i8, i16 = rows
assert ref[0] == flt[0] == i8[0] == i16[0] == ["date", "prediction"], ref[0]
assert len(ref) == len(flt) == len(i8) == len(i16) == 900 - 14 + 1, len(ref)
worst = 0
for a, b, c, d in zip(ref[1:], flt[1:], i8[1:], i16[1:]):
    assert a[0] == b[0] == c[0] == d[0]
    worst = max(worst, abs(float(a[1]) - float(b[1])))
    assert b[1] == c[1] == d[1], (b, c, d)
assert worst <= 1e-6, worst
assert len(set(r[1] for r in flt[1:])) > 50  # not a constant model
PY
# regression: the same agreement
run model train --data rw.csv --features "roc(5),rsi(7)" --label fixed:3 --task regression --learners xgb \
  --param xgb.rounds=40 --out r.qcm
rc 0
run model compile r.qcm --int8 --out r.qcc
rc 0
run model predict r.qcm --data rw.csv --output r1.csv
rc 0
run model predict r.qcc --data rw.csv --output r2.csv
rc 0
/usr/bin/python3 - r1.csv r2.csv <<'PY' || fail "regression .qcc differs"
import sys
a, b = [[l.split(",") for l in open(f)] for f in sys.argv[1:]]
assert len(a) == len(b) and a[0] == b[0]
assert max(abs(float(x[1]) - float(y[1])) for x, y in zip(a[1:], b[1:])) <= 1e-6
PY
# bad input: a truncated .qcc, a .qcc of the old kind (no feature spec)
head -c 100 b_float.qcc >cut.qcc
run model predict cut.qcc --data rw.csv --output x.csv
rc 6; err 'cut.qcc: model JSON: qcc'; err_lines 1
[ -e x.csv ] && fail "partial output"
/usr/bin/python3 - b_float.qcc old.qcc <<'PY'
import sys
b = open(sys.argv[1], "rb").read(); i = b.rfind(b"META")
open(sys.argv[2], "wb").write(b[:i])
PY
run model predict old.qcc --data rw.csv --output x.csv
rc 6; err 'no feature spec'; err_lines 1
[ -e x.csv ] && fail "partial output"
