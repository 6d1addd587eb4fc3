# `backtest --strategy model` and `sweep --strategy model`: a model trained on a planted signal (AR(1)
# returns with phi = -0.3: yesterday's return predicts today's sign) earns on it out of sample, trading
# through the normal order path; altering future bars never changes earlier fills or equity (the
# features are point-in-time streaming states); a threshold grid sweeps; the model file is a text
# parameter that a grid refuses.
/usr/bin/python3 - <<'PY'
import numpy as np, datetime as dt
rng = np.random.default_rng(7); n = 2600
r = np.zeros(n)
for t in range(1, n): r[t] = -0.3 * r[t-1] + 0.01 * rng.normal()
c = 100 * np.exp(np.cumsum(r))
d = dt.date(2010, 1, 4); rows = []; k = 0
while k < n:
    if d.weekday() < 5:
        o = c[k-1] if k else c[k]
        rows.append(f"{d},{o:.6f},{max(o,c[k])*1.001:.6f},{min(o,c[k])*0.999:.6f},{c[k]:.6f},{1000+k}"); k += 1
    d += dt.timedelta(days=1)
h = "date,open,high,low,close,volume"
open("train.csv", "w").write("\n".join([h] + rows[:1600]) + "\n")
open("test.csv", "w").write("\n".join([h] + rows[1600:]) + "\n")
# the same test bars with every bar from row 600 on replaced by noise
def scaled(x):
    f = x.split(","); g = 1.5 + rng.random()
    return ",".join([f[0]] + [f"{float(v) * g:.6f}" for v in f[1:5]] + [f[5]])
alt = rows[1600:2200] + [scaled(x) for x in rows[2200:]]
open("test_alt.csv", "w").write("\n".join([h] + alt) + "\n")
PY
run model train --data train.csv --features "roc(1),roc(2)" --label fixed:1 --learners xgb,linear --stack logistic \
  --param xgb.rounds=30 --param xgb.max_depth=3 --out m.qcm
rc 0
run backtest --data test.csv --strategy model --param model=m.qcm --param threshold=0.55 --json - --equity eq.csv
rc 0; out '"run": "model\(model=m.qcm, threshold=0.55, short=0, gross=0.95\) on test"'
save_out bt.json
run backtest --data test.csv --strategy buy_and_hold --json -
rc 0; save_out bh.json
/usr/bin/python3 -c '
import json, sys
m = json.load(open(sys.argv[1]))["metrics"]; b = json.load(open(sys.argv[2]))["metrics"]
assert m["n_trades"] > 50, m["n_trades"]
assert m["total_return"] > 0.3 and m["total_return"] > b["total_return"] + 0.3, (m["total_return"], b["total_return"])
assert m["sharpe"] > 1.5, m["sharpe"]
' bt.json bh.json || fail "the model does not earn on its planted signal out of sample"
# no look-ahead: bars from row 600 on altered -> the equity of rows 1..599 and every trade closed
# before row 600 are unchanged
run backtest --data test_alt.csv --strategy model --param model=m.qcm --param threshold=0.55 --json - --equity eq_alt.csv
rc 0; save_out bt_alt.json
[ "$(sed -n 1,601p eq.csv | cut -d, -f1-3)" = "$(sed -n 1,601p eq_alt.csv | cut -d, -f1-3)" ] || fail "equity before the altered bars changed"
/usr/bin/python3 -c '
import json, sys
a = json.load(open(sys.argv[1]))["trades"]; b = json.load(open(sys.argv[2]))["trades"]
cut = open(sys.argv[3]).read().split("\n")[601].split(",")[0]  # the first altered bar
strip = lambda ts: [{k: v for k, v in t.items() if k != "symbol"} for t in ts if t["exit_time"] < cut]
ea, eb = strip(a), strip(b)
assert len(ea) > 30 and ea == eb, (len(ea), len(eb))
assert a != b  # the altered future does change later trades
' bt.json bt_alt.json test.csv || fail "trades before the altered bars changed"
# short side, and a regression model (ridge: the linear learner's path of the predictor)
run backtest --data test.csv --strategy model --param model=m.qcm --param threshold=0.55 --param short=1 --json -
rc 0; out '"side": "short"'
run model train --data train.csv --features "roc(1)" --label fixed:1 --task regression --learners linear --param linear.lambda=1e-9 --out r.qcm
rc 0
run backtest --data test.csv --strategy model --param model=r.qcm --param threshold=0 --json -
rc 0; out '"n_trades": [1-9]'
# sweep: a threshold grid
run sweep --data test.csv --strategy model --param model=m.qcm --grid threshold=0.5:0.6:0.05
rc 0; out '^3 combinations'; out 'selected +threshold='
# bad input
run backtest --data test.csv --strategy model
rc 3; err 'model=FILE.qcm is required'; err_lines 1
run backtest --data test.csv --strategy model --param model=nothere.qcm
rc 3; err 'cannot open'; err_lines 1
run sweep --data test.csv --strategy model --param model=m.qcm --grid model=1:2:1
rc 3; err "'model' is text"; err_lines 1
