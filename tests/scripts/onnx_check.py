#!/usr/bin/python3
"""onnx_check.py: checks models written by `quantcli model export` (src/models/onnx_export.c).

For every CASE.onnx in --dir (or the one --model), with CASE.features.csv (key column, then the
model's feature columns; empty or "nan" = missing) and CASE.pred.csv (key column, then our own
predictions as `quantcli model predict` writes them):
  1. onnx.checker.check_model(full_check=True) (schema, types and shape inference);
  2. the graph is evaluated by the small numpy evaluator below, written from the ONNX and
     ONNX-ML operator specifications (Debian 12's onnx 1.12 has no onnx.reference), on the
     features as float32, for every row of CASE.pred.csv;
  3. the result must match our predictions to 1e-5 (absolute + relative, float32).
--expect-nan: some case must route missing values both ways (missing_value_tracks_true 0 and 1).
Exit 0 when every case passes, 1 otherwise. Needs python3-onnx (and numpy, which it depends on).
"""
import argparse
import csv
import glob
import json
import math
import os
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper

TOL = 1e-5


def attrs(node):
    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def s(v):
    return v.decode() if isinstance(v, bytes) else v


class TreeStats:
    nan_true = 0
    nan_false = 0


def tree_ensemble(X, a, stats):
    """TreeEnsembleRegressor (ai.onnx.ml v3): per tree walk from node 0; BRANCH_* compares
    x (float32) with the node value; NaN takes the true branch iff missing_value_tracks_true;
    leaves add their target weights; aggregate SUM plus base_values."""
    n_targets = a.get("n_targets", 1)
    assert s(a.get("aggregate_function", b"SUM")) == "SUM"
    assert s(a.get("post_transform", b"NONE")) == "NONE"
    tree, nid = a["nodes_treeids"], a["nodes_nodeids"]
    feat, vals = a["nodes_featureids"], np.asarray(a["nodes_values"], dtype=np.float32)
    modes = [s(m) for m in a["nodes_modes"]]
    tid, fid = a["nodes_truenodeids"], a["nodes_falsenodeids"]
    miss = a.get("nodes_missing_value_tracks_true", [0] * len(tree))
    index = {}
    for k, (t, i) in enumerate(zip(tree, nid)):
        assert (t, i) not in index, "duplicate node"
        index[(t, i)] = k
    weights = {}
    for t, i, c, w in zip(a["target_treeids"], a["target_nodeids"], a["target_ids"], a["target_weights"]):
        weights.setdefault((t, i), []).append((c, np.float32(w)))
    n = X.shape[0]
    out = np.zeros((n, n_targets), dtype=np.float64)
    ops = {"BRANCH_LT": np.less, "BRANCH_LEQ": np.less_equal, "BRANCH_GT": np.greater,
           "BRANCH_GTE": np.greater_equal, "BRANCH_EQ": np.equal, "BRANCH_NEQ": np.not_equal}
    for t in sorted(set(tree)):
        cur = np.full(n, index[(t, 0)])
        for _ in range(10000):
            inner = np.array([modes[k] != "LEAF" for k in cur])
            if not inner.any():
                break
            for k in set(cur[inner].tolist()):
                rows = np.nonzero(cur == k)[0]
                x = X[rows, feat[k]]
                nan = np.isnan(x)
                go = ops[modes[k]](x, vals[k])
                go[nan] = bool(miss[k])
                if nan.any():
                    if miss[k]:
                        stats.nan_true += int(nan.sum())
                    else:
                        stats.nan_false += int(nan.sum())
                cur[rows] = np.where(go, index[(t, tid[k])], index[(t, fid[k])])
        else:
            raise AssertionError("a tree walk did not end")
        for k in set(cur.tolist()):
            rows = cur == k
            for c, w in weights.get((tree[k], nid[k]), []):
                out[rows, c] += w
    base = a.get("base_values", [0.0] * n_targets)
    out += np.asarray(base, dtype=np.float32)
    return out.astype(np.float32)


def linear_regressor(X, a):
    t = a.get("targets", 1)
    assert s(a.get("post_transform", b"NONE")) == "NONE"
    coef = np.asarray(a["coefficients"], dtype=np.float32).reshape(t, -1).astype(np.float64)
    b = np.asarray(a.get("intercepts", [0.0] * t), dtype=np.float32).astype(np.float64)
    return (X.astype(np.float64) @ coef.T + b).astype(np.float32)


def softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def evaluate(model, X, stats):
    env = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    env[model.graph.input[0].name] = X.astype(np.float32)
    for node in model.graph.node:
        a, ins = attrs(node), [env[i] for i in node.input]
        op, dom = node.op_type, node.domain
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            if dom == "ai.onnx.ml" and op == "TreeEnsembleRegressor":
                y = tree_ensemble(ins[0], a, stats)
            elif dom == "ai.onnx.ml" and op == "LinearRegressor":
                y = linear_regressor(ins[0], a)
            elif op == "Sigmoid":
                y = (1 / (1 + np.exp(-ins[0].astype(np.float64)))).astype(np.float32)
            elif op == "Softmax":
                y = softmax(ins[0].astype(np.float64), a.get("axis", -1)).astype(np.float32)
            elif op == "ReduceSum":
                y = ins[0].sum(axis=tuple(ins[1].tolist()), keepdims=bool(a.get("keepdims", 1)))
            elif op == "Sum":
                y = ins[0]
                for v in ins[1:]:
                    y = y + v
            elif op == "MatMul":
                y = (ins[0].astype(np.float64) @ ins[1].astype(np.float64)).astype(np.float32)
            elif op in ("Add", "Div", "Sub", "Greater"):
                f = {"Add": np.add, "Div": np.divide, "Sub": np.subtract, "Greater": np.greater}[op]
                y = f(ins[0], ins[1])
            elif op == "Cast":
                assert a["to"] == onnx.TensorProto.FLOAT
                y = ins[0].astype(np.float32)
            elif op == "Clip":
                y = np.minimum(np.maximum(ins[0], ins[1]), ins[2])
            elif op == "Log":
                y = np.log(ins[0])
            elif op == "Concat":
                y = np.concatenate(ins, axis=a["axis"])
            else:
                raise AssertionError(f"no reference for {dom or 'ai.onnx'}.{op}")
        env[node.output[0]] = y
    return env[model.graph.output[0].name]


def read_keyed(path):
    with open(path, newline="") as f:
        r = csv.reader(f)
        header = next(r)
        rows = {}
        for row in r:
            rows[row[0]] = [float(v) if v not in ("", "nan", "NaN") else math.nan for v in row[1:]]
    return header[1:], rows


def check_case(model_path, feat_path, pred_path, stats):
    model = onnx.load(model_path)
    onnx.checker.check_model(model, full_check=True)
    meta = {p.key: p.value for p in model.metadata_props}
    gi, go = model.graph.input, model.graph.output
    assert len(gi) == 1 and gi[0].name == "features", "input must be 'features'"
    assert gi[0].type.tensor_type.elem_type == onnx.TensorProto.FLOAT
    d = gi[0].type.tensor_type.shape.dim[1].dim_value
    cols, feats = read_keyed(feat_path)
    _, preds = read_keyed(pred_path)
    if "feature_names" in meta:
        assert json.loads(meta["feature_names"]) == cols, f"feature names {meta['feature_names']} vs {cols}"
    assert len(cols) == d, f"{len(cols)} feature columns, model takes {d}"
    keys = list(preds.keys())
    X = np.array([feats[k] for k in keys], dtype=np.float64).astype(np.float32)
    ours = np.array([preds[k] for k in keys], dtype=np.float64)
    got = evaluate(model, X, stats).astype(np.float64)
    assert got.shape == ours.shape, f"output shape {got.shape} vs ours {ours.shape}"
    diff = np.abs(got - ours)
    worst = float((diff - TOL * np.abs(ours)).max())
    ok = bool(np.all(diff <= TOL + TOL * np.abs(ours)))
    nan_rows = int(np.isnan(X).any(axis=1).sum())
    print(f"{os.path.basename(model_path)}: {meta.get('task')} {meta.get('ensemble')} [{meta.get('learners')}] "
          f"rows {len(keys)} (with NaN {nan_rows}) max |onnx - ours| {diff.max():.3g}: {'ok' if ok else 'MISMATCH'}")
    if not ok:
        i = int(np.argmax(diff - TOL * np.abs(ours)))
        print(f"  worst row {keys[i // ours.shape[1]]}: onnx {got.flat[i]!r} ours {ours.flat[i]!r} ({worst:.3g})")
    return ok


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir")
    ap.add_argument("--model")
    ap.add_argument("--expect-nan", action="store_true")
    o = ap.parse_args()
    models = sorted(glob.glob(os.path.join(o.dir, "*.onnx"))) if o.dir else [o.model]
    if not models or models == [None]:
        print("onnx_check: no models", file=sys.stderr)
        return 1
    stats, ok = TreeStats(), True
    for m in models:
        base = m[: -len(".onnx")]
        try:
            ok = check_case(m, base + ".features.csv", base + ".pred.csv", stats) and ok
        except Exception as e:  # one line per failing case, then go on
            print(f"{os.path.basename(m)}: FAILED: {type(e).__name__}: {e}")
            ok = False
    print(f"missing values routed: true branch {stats.nan_true}, false branch {stats.nan_false}")
    if o.expect_nan and not (stats.nan_true and stats.nan_false):
        print("expected missing values routed both ways")
        ok = False
    print("onnx_check: " + ("all cases match" if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
