# `model train --learners ...,lstm`: returns whose sign follows the return three bars back (AR at lag
# 3, nothing at lag 1) with the single feature roc(1): a per-row learner cannot see the signal, the
# LSTM reading the last 5 rows can, in its out-of-fold AUC and in a stack with the others; `model
# predict`, `model inspect` and the model strategy work on the .qcm; predictions of earlier bars do
# not change when later bars do (no look-ahead); compile refuses the lstm learner; bad parameters
# fail with one error line.
/usr/bin/python3 - <<'PY'
import numpy as np, datetime as dt
rng = np.random.default_rng(11); n = 1700
r = np.zeros(n)
for t in range(3, n): r[t] = -0.5 * r[t-3] + 0.01 * rng.normal()
c = 100 * np.exp(np.cumsum(r))
d = dt.date(2012, 1, 2); rows = []; k = 0
while k < n:
    if d.weekday() < 5:
        o = c[k-1] if k else c[k]
        rows.append(f"{d},{o:.6f},{max(o,c[k])*1.001:.6f},{min(o,c[k])*0.999:.6f},{c[k]:.6f},{1000+k}"); k += 1
    d += dt.timedelta(days=1)
h = "date,open,high,low,close,volume"
open("train.csv", "w").write("\n".join([h] + rows[:1200]) + "\n")
open("test.csv", "w").write("\n".join([h] + rows[1200:]) + "\n")
def scaled(x):
    f = x.split(","); g = 1.5 + rng.random()
    return ",".join([f[0]] + [f"{float(v) * g:.6f}" for v in f[1:5]] + [f[5]])
open("test_alt.csv", "w").write("\n".join([h] + rows[1200:1500] + [scaled(x) for x in rows[1500:]]) + "\n")
PY
P="--param xgb.rounds=20 --param xgb.max_depth=3 --param lstm.hidden=8 --param lstm.lookback=5 --param lstm.epochs=10"
run model train --data train.csv --features "roc(1)" --label fixed:1 --learners xgb,linear,lstm --stack logistic $P --out m.qcm --json
rc 0
save_out train.json
/usr/bin/python3 -c '
import json, sys
ev = json.load(open(sys.argv[1]))
auc = {l["kind"]: l["oof"]["auc"] for l in ev["learners"]}
assert auc["lstm"] > 0.62 and auc["xgb"] < 0.55 and auc["linear"] < 0.55, auc
assert ev["stack"]["auc"] > 0.62, ev["stack"]
m = json.load(open("m.qcm"))
l = [x for x in m["learners"] if x["kind"] == "lstm"][0]
assert "lookback=5" in l["params"] and json.loads(l["model"])["format"] == "qc-lstm-1"
' train.json || fail "the lstm does not see the lagged signal, or the .qcm lacks it"
run model inspect m.qcm
rc 0; out 'stack of xgb linear lstm'; out '^lstm +1198 '; out 'importance \(lstm\): roc\(1\)=1.000'
run model predict m.qcm --data test.csv --output p.csv
rc 0
run model predict m.qcm --data test_alt.csv --output p_alt.csv
rc 0
# the first prediction row is bar 2 (roc(1) warm-up); bars 1..299 are shared: 298 rows + header
[ "$(sed -n 1,299p p.csv)" = "$(sed -n 1,299p p_alt.csv)" ] || fail "predictions before the altered bars changed"
[ "$(sed -n 300,310p p.csv)" != "$(sed -n 300,310p p_alt.csv)" ] || fail "the altered bars changed nothing"
# the model strategy: per bar, the lstm reads the stream's last 5 feature rows; it earns on the signal
run backtest --data test.csv --strategy model --param model=m.qcm --param threshold=0.55 --json -
rc 0; save_out bt.json
/usr/bin/python3 -c '
import json, sys
m = json.load(open(sys.argv[1]))["metrics"]
assert m["n_trades"] > 20 and m["total_return"] > 0.3, (m["n_trades"], m["total_return"])
' bt.json || fail "the lstm stack does not trade its planted signal"
run model compile m.qcm --learner 2 --out x.qcc
rc 3; err 'learner 2 is lstm: only tree ensembles compile'; err_lines 1
run model train --data train.csv --features "roc(1)" --label fixed:1 --learners lstm --param lstm.hidden=0 --out bad.qcm
rc 3; err 'lstm: hidden must be an integer in \[1, 512\]'; err_lines 1
[ ! -e bad.qcm ] || fail "a failed train left a model file"
run model train --data train.csv --features "roc(1)" --label fixed:1 --learners lstm --param lstm.dropout=0.5 --out bad.qcm
rc 3; err 'lstm: unknown parameter .dropout.'; err_lines 1
