# `quantcli model train|predict|inspect|compile` on a seeded random walk: a stack of xgb, lgbm_like
# and linear trains under purged K-fold and CPCV, its out-of-fold AUC stays near 0.5 (nothing to
# learn, no leakage), the .qcm carries its metadata, predict reapplies it point-in-time, compile
# writes a .qcc; bad input exits 2/3/6 with one error line and no output file.
/usr/bin/python3 - >rw.csv <<'PY'
import numpy as np, datetime as dt
rng = np.random.default_rng(3); n = 1200; c = 100 * np.exp(np.cumsum(0.01 * rng.normal(size=n)))
d = dt.date(2015, 1, 1); k = 0; print("date,open,high,low,close,volume")
while k < n:
    if d.weekday() < 5:
        print(f"{d},{c[k]:.4f},{c[k]*1.01:.4f},{c[k]*0.99:.4f},{c[k]:.4f},{1000+k}"); k += 1
    d += dt.timedelta(days=1)
PY
run model train --data rw.csv --features "rsi(14),roc(10),atr(14)" --label fixed:5 --learners xgb,lgbm_like,linear \
  --stack logistic --param xgb.rounds=30 --param lgbm_like.rounds=30 --out m.qcm --json
rc 0; out '"learners"'; out '"stack"'
/usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
for l in d["learners"] + [d["stack"]]:
    a = (l["oof"] if "oof" in l else l)["auc"]
    assert abs(a - 0.5) < 0.08, a
m = json.load(open(sys.argv[2]))
assert m["format"] == "quantcli-model" and m["label"] == "fixed:5" and m["task"] == "binary"
assert m["features"]["columns"] == ["rsi(14)", "roc(10)", "atr(14)"]
assert m["training"]["cv"] == "purged folds=5 horizon=5 embargo=0" and m["training"]["rows"] == 1181
assert [l["kind"] for l in m["learners"]] == ["xgb", "lgbm_like", "linear"] and m["ensemble"]["method"] == "stack"
' "$OUT" m.qcm || fail "train JSON or model file"
run model inspect m.qcm
rc 0; out '^label +fixed:5$'; out '^cv +purged folds=5 horizon=5 embargo=0$'; out '^ensemble +stack of xgb lgbm_like linear$'
out '^importance \(xgb\): rsi\(14\)='
run model predict m.qcm --data rw.csv --output p1.csv
rc 0
[ "$(head -1 p1.csv)" = "date,prediction" ] || fail "predict header"
[ "$(wc -l <p1.csv)" = 1187 ] || fail "predict rows: $(wc -l <p1.csv)" # 1200 bars - 14 warm-up + header
run model predict m.qcm --data rw.csv
rc 0; save_out p2.csv; same p1.csv p2.csv
run model compile m.qcm --int8 --out m.qcc
rc 0; out 'compiled learner 0 \(xgb\): 30 trees'
[ -s m.qcc ] || fail "no .qcc"
run model compile m.qcm --learner 2 --out l.qcc
rc 3; err 'linear'; err_lines 1
[ -e l.qcc ] && fail "partial .qcc"
# CPCV and a regression ridge
run model train --data rw.csv --features "roc(5),rsi(7)" --label fixed:3 --task regression --learners linear,xgb \
  --param xgb.rounds=10 --cv cpcv --groups 6 --test-groups 2 --out r.qcm
rc 0; out '^average +1181|^average +11'; out 'rmse +r2 +ic'
# bad input
run model train --data rw.csv --features "rsi(14)" --label fixed:5
rc 2; err 'required'; err_lines 1
run model train --data rw.csv --features "rsi(14)" --label triple:1 --out x.qcm
rc 3; err 'fixed:H'; err_lines 1
run model train --data rw.csv --features "rsi(14)" --label fixed:5 --learners catboost --out x.qcm
rc 3; err "unknown learner 'catboost'"; err_lines 1
run model train --data rw.csv --features "rsi(14)" --label fixed:5 --param xgb.max_depth=-3 --out x.qcm
rc 6; err 'xgboost'; err_lines 1
[ -e x.qcm ] && fail "partial model file"
file junk.qcm <<'J'
{"format": "something else"}
J
run model inspect junk.qcm
rc 6; err 'not a QuantCLI model file'; err_lines 1
run model predict nothere.qcm --data rw.csv
rc 3; err 'cannot open'; err_lines 1
# triple-barrier labels with uniqueness weights (the default) and return weights; meta-labels
run model train --data rw.csv --features "rsi(14),roc(10)" --label triple_barrier:pt=2,sl=2,h=20,span=50 \
  --learners xgb,linear --param xgb.rounds=20 --out tb.qcm --json
rc 0; out '"learners"'
/usr/bin/python3 -c '
import json, sys
m = json.load(open(sys.argv[1]))
assert m["label"] == "triple_barrier:pt=2,sl=2,h=20,span=50,min_ret=0", m["label"]
w = m["training"]["weights"]
assert w.startswith("uniqueness (mean 1; average uniqueness 0."), w
cv = m["training"]["cv"]; h = int(cv.split("horizon=")[1].split()[0])
assert 1 <= h <= 20 and cv.startswith("purged folds=5"), cv
' tb.qcm || fail "triple-barrier model file"
run model inspect tb.qcm
rc 0; out '^label +triple_barrier:pt=2,sl=2,h=20,span=50,min_ret=0$'; out '^weights +uniqueness'
run model train --data rw.csv --features "rsi(14)" --label meta:pt=1,sl=1,h=10,span=20,side=10 --weights returns \
  --param xgb.rounds=10 --out meta.qcm
rc 0
/usr/bin/python3 -c '
import json, sys
m = json.load(open(sys.argv[1]))
assert m["label"] == "meta:pt=1,sl=1,h=10,span=20,min_ret=0,side=10" and m["training"]["weights"].startswith("returns")
' meta.qcm || fail "meta model file"
run model train --data rw.csv --features "rsi(14)" --label fixed:5 --weights none --param xgb.rounds=5 --out n.qcm
rc 0
grep -q '"weights":[[:space:]]*"none' n.qcm || fail "weights none not recorded"
run model train --data rw.csv --features "rsi(14)" --label fixed:5 --weights equal --out x.qcm
rc 3; err 'uniqueness, returns or none'; err_lines 1
run model train --data rw.csv --features "rsi(14)" --label triple_barrier:pt=1,up=2 --out x.qcm
rc 3; err "unknown key 'up'"; err_lines 1
[ -e x.qcm ] && fail "partial model file"
# distill: a shallow xgb student of the stack; the report puts fidelity beside accuracy; the student
# is an ordinary .qcm
run model distill m.qcm --data rw.csv --out s.qcm --json
rc 0
save_out d.json
/usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["teacher"] == "m.qcm" and d["student"] == "xgb" and d["rows"] == 1181
f = d["fidelity"]; assert 0.5 <= f["agreement"] <= 1 and -1 <= f["corr"] <= 1
for k in ("teacher_vs_labels", "student_vs_labels"): assert set(d[k]) == {"n", "accuracy", "log_loss", "auc", "f1"}
m = json.load(open(sys.argv[2]))
assert m["label"] == "fixed:5" and [l["kind"] for l in m["learners"]] == ["xgb"] and m["ensemble"]["method"] == "average"
assert m["evidence"]["distillation"]["fidelity"] == f
assert "max_depth=2" in m["learners"][0]["params"]
' d.json s.qcm || fail "distill report or student file"
run model distill m.qcm --data rw.csv --out s2.qcm --student linear
rc 0; out '^fidelity +agreement'; out '^teacher +0\.'; out '^student +0\.'
run model predict s.qcm --data rw.csv --output ps.csv
rc 0
[ "$(wc -l <ps.csv)" = 1187 ] || fail "student predict rows"
run model distill m.qcm --out x.qcm
rc 2; err 'required'; err_lines 1
run model distill m.qcm --data rw.csv --student forest --out x.qcm
rc 3; err 'xgb or linear'; err_lines 1
[ -e x.qcm ] && fail "partial model file"
run model inspect s.qcm
rc 0; out '^student xgb distilled from m.qcm over 1181 rows'; out '^fidelity +agreement'
