#!/usr/bin/env bash
# report_chromium.sh: renders the sample tear sheet in headless Chromium and checks every chart is
# drawn. The report comes from the unit-test binary next to quantcli (build/tests/test_report, run
# with QC_REPORT_OUT), so this does not depend on the backtest command. The report's own inline
# script measures each chart's plotted group (getBBox) and writes "charts-drawn: K/6"; we read it
# from --dump-dom, and check a screenshot is a real PNG of some size.
#   usage: bash report_chromium.sh path/to/quantcli     (QC_TEST_REPORT_BIN overrides the binary)
# Without Chromium the test is skipped (exit 0), except under CI=true where that is a failure.
set -euo pipefail

fail() { echo "FAIL: $*" >&2; exit 1; }

CHROMIUM=""
for c in chromium chromium-browser google-chrome; do
  if command -v "$c" >/dev/null 2>&1; then CHROMIUM=$c; break; fi
done
if [ -z "$CHROMIUM" ]; then
  [ "${CI:-}" = "true" ] && fail "chromium not installed (apt-get install chromium); required when CI=true"
  echo "SKIP: chromium not installed (apt-get install chromium)"
  exit 0
fi

BIN=${QC_TEST_REPORT_BIN:-}
if [ -z "$BIN" ]; then
  [ $# -ge 1 ] || fail "usage: $0 path/to/quantcli"
  BIN="$(dirname "$1")/tests/test_report"
fi
[ -x "$BIN" ] || fail "test binary not found: $BIN (build the test_report target)"

T=$(mktemp -d /tmp/qc_report_chromium.XXXXXX)
trap 'rm -rf "$T"' EXIT

QC_REPORT_OUT="$T/report.html" "$BIN" >"$T/unit.log" 2>&1 || { cat "$T/unit.log" >&2; fail "$BIN failed"; }
[ -s "$T/report.html" ] || fail "no report written (test_sample_out skipped?)"
if grep -qiE 'https?:|//cdn|src=|<link' "$T/report.html"; then fail "network reference in the report"; fi

# Flags: no sandbox (root in containers), no GPU, nothing that talks to the network.
FLAGS=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking
       --disable-component-update --disable-sync --disable-default-apps --disable-extensions
       --user-data-dir="$T/prof" --virtual-time-budget=5000)

timeout 120 "$CHROMIUM" "${FLAGS[@]}" --dump-dom "file://$T/report.html" >"$T/dom.html" 2>"$T/chromium.log" ||
  { tail -20 "$T/chromium.log" >&2; fail "chromium --dump-dom failed"; }
verdict=$(grep -o 'charts-drawn: [0-9]*/[0-9]*' "$T/dom.html" | head -1 || true)
[ "$verdict" = "charts-drawn: 6/6" ] || fail "render check: '${verdict:-no verdict (script did not run)}', want 'charts-drawn: 6/6'"

timeout 120 "$CHROMIUM" "${FLAGS[@]}" --hide-scrollbars --window-size=1200,3000 --screenshot="$T/shot.png" \
  "file://$T/report.html" >>"$T/chromium.log" 2>&1 || { tail -20 "$T/chromium.log" >&2; fail "chromium --screenshot failed"; }
[ -f "$T/shot.png" ] || fail "no screenshot"
magic=$(head -c 8 "$T/shot.png" | od -An -tx1 | tr -d ' \n')
[ "$magic" = "89504e470d0a1a0a" ] || fail "screenshot is not a PNG"
size=$(stat -c %s "$T/shot.png")
# a blank 1200x3000 page compresses to a few KB; the charts and tables make it >100 KB
[ "$size" -gt 50000 ] || fail "screenshot only $size bytes: page looks blank"
if [ -n "${QC_REPORT_KEEP:-}" ]; then cp "$T/report.html" "$T/shot.png" "$QC_REPORT_KEEP"/; fi

echo "ok: $verdict, screenshot $size bytes"
