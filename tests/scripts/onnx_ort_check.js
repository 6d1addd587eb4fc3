// onnx_ort_check.js: scores every CASE.onnx of a directory with onnxruntime (the npm package
// onnxruntime-node, which bundles the CPU runtime) and compares it with CASE.pred.csv on the rows
// of CASE.features.csv, as tests/scripts/onnx_check.py does with its numpy evaluator. Not run by
// CTest (Debian has no onnxruntime); a manual second opinion:
//   npm install --ignore-scripts --prefix /tmp/ort onnxruntime-node
//   NODE_PATH=/tmp/ort/node_modules node tests/scripts/onnx_ort_check.js DIR
// Exit 0 when every case matches to 1e-5 (absolute + relative).
const ort = require('onnxruntime-node');
const fs = require('fs'), path = require('path');
function readCsv(p) {
  const lines = fs.readFileSync(p, 'utf8').trim().split('\n');
  const rows = new Map();
  for (const line of lines.slice(1)) {
    // keys never contain commas; values are numbers or empty; header may be quoted
    const cells = line.split(',');
    rows.set(cells[0], cells.slice(1).map(v => (v === '' || v === 'nan') ? NaN : parseFloat(v)));
  }
  return rows;
}
(async () => {
  const dir = process.argv[2];
  let bad = 0;
  for (const f of fs.readdirSync(dir).filter(f => f.endsWith('.onnx')).sort()) {
    const base = path.join(dir, f.slice(0, -5));
    const feats = readCsv(base + '.features.csv'), preds = readCsv(base + '.pred.csv');
    const keys = [...preds.keys()];
    const d = feats.get(keys[0]).length, w = preds.get(keys[0]).length;
    const X = new Float32Array(keys.length * d);
    keys.forEach((k, i) => feats.get(k).forEach((v, j) => { X[i * d + j] = v; }));
    const s = await ort.InferenceSession.create(path.join(dir, f));
    const out = await s.run({features: new ort.Tensor('float32', X, [keys.length, d])});
    const y = out[s.outputNames[0]].data;
    let worst = 0, maxabs = 0;
    keys.forEach((k, i) => preds.get(k).forEach((p, c) => {
      const a = Math.abs(y[i * w + c] - p); if (a > maxabs) maxabs = a; const e = a - 1e-5 * Math.abs(p); if (e > worst) worst = e; }));
    const ok = worst <= 1e-5;
    if (!ok) bad++;
    console.log(`${f}: onnxruntime ${ort.env.versions ? ort.env.versions.common : ''} output ${s.outputNames[0]} rows ${keys.length} max abs diff ${maxabs.toExponential(2)} ${ok ? 'ok' : 'MISMATCH'}`);
  }
  process.exit(bad ? 1 : 0);
})();
