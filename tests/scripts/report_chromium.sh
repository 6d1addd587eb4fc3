#!/usr/bin/env bash
# report_chromium.sh: renders tear sheets in headless Chromium, as a user would open them, and checks
# every chart is drawn: the one `quantcli backtest --report` writes for the synthetic market, and the
# unit tests' sample (build/tests/test_report with QC_REPORT_OUT: hand-made edge values). The
# report's own inline script measures each chart's plotted group (getBBox) and writes
# "charts-drawn: K/6"; we read it from --dump-dom, and check a screenshot is a real PNG of some size.
#   usage: bash report_chromium.sh path/to/quantcli     (QC_TEST_REPORT_BIN overrides the sample binary)
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

[ $# -ge 1 ] || fail "usage: $0 path/to/quantcli"
Q=$(realpath "$1")
BIN=${QC_TEST_REPORT_BIN:-"$(dirname "$Q")/tests/test_report"}
[ -x "$BIN" ] || fail "test binary not found: $BIN (build the test_report target)"

T=$(mktemp -d /tmp/qc_report_chromium.XXXXXX)
trap 'rm -rf "$T"' EXIT

# 1. the user's path: synthetic market -> backtest -> report
(cd "$T" && "$Q" --db "$T/q.db" --quiet data synth --manifest none --symbols 6 --pairs 1 --mean-revert 1 &&
  "$Q" --db "$T/q.db" --quiet backtest --symbol SYN04,SYN05 --param fast=10 --param slow=40 --commission-bps 5 \
    --report "$T/backtest.html") >"$T/cli.log" 2>&1 || { cat "$T/cli.log" >&2; fail "quantcli backtest failed"; }
# 2. the unit tests' sample with hand-made edge values
QC_REPORT_OUT="$T/report.html" "$BIN" >"$T/unit.log" 2>&1 || { cat "$T/unit.log" >&2; fail "$BIN failed"; }
for r in "$T/backtest.html" "$T/report.html"; do
  [ -s "$r" ] || fail "no report written: $r"
  if grep -qiE 'https?:|//cdn|src=|<link' "$r"; then fail "network reference in $r"; fi
done

# Flags: no sandbox (root in containers), no GPU, nothing that talks to the network.
FLAGS=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking
       --disable-component-update --disable-sync --disable-default-apps --disable-extensions
       --user-data-dir="$T/prof" --virtual-time-budget=5000)

# Renders one report: the charts must be drawn, the screenshot a real, non-blank PNG.
check() {
  local r=$1 name
  name=$(basename "$r" .html)
  timeout 120 "$CHROMIUM" "${FLAGS[@]}" --dump-dom "file://$r" >"$T/$name.dom" 2>"$T/chromium.log" ||
    { tail -20 "$T/chromium.log" >&2; fail "chromium --dump-dom failed on $name"; }
  verdict=$(grep -o 'charts-drawn: [0-9]*/[0-9]*' "$T/$name.dom" | head -1 || true)
  [ "$verdict" = "charts-drawn: 6/6" ] ||
    fail "$name: render check '${verdict:-no verdict (script did not run)}', want 'charts-drawn: 6/6'"
  timeout 120 "$CHROMIUM" "${FLAGS[@]}" --hide-scrollbars --window-size=1200,3000 --screenshot="$T/$name.png" \
    "file://$r" >>"$T/chromium.log" 2>&1 || { tail -20 "$T/chromium.log" >&2; fail "chromium --screenshot failed"; }
  [ -f "$T/$name.png" ] || fail "no screenshot of $name"
  magic=$(head -c 8 "$T/$name.png" | od -An -tx1 | tr -d ' \n')
  [ "$magic" = "89504e470d0a1a0a" ] || fail "screenshot of $name is not a PNG"
  size=$(stat -c %s "$T/$name.png")
  # a blank 1200x3000 page compresses to a few KB; the charts and tables make it >100 KB
  [ "$size" -gt 50000 ] || fail "screenshot of $name only $size bytes: page looks blank"
  if [ -n "${QC_REPORT_KEEP:-}" ]; then cp "$r" "$T/$name.png" "$QC_REPORT_KEEP"/; fi
  echo "ok: $name: $verdict, screenshot $size bytes"
}

check "$T/backtest.html"
check "$T/report.html"
