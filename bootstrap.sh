#!/usr/bin/env bash
# bootstrap.sh: QuantCLI's first step on a bare Debian 12 / Ubuntu machine.
# Installs the build tools and libraries (apt-get, when run as root), then hands over to make.
#   ./bootstrap.sh demo    install, build, run the main job (demo) on embedded defaults
#   ./bootstrap.sh test    install, build, run every test (plain, ASan+UBSan, fuzz smoke)
#   ./bootstrap.sh bench   install, build, run the benchmarks
#   ./bootstrap.sh --check only check; print the exact install line for what is missing
set -euo pipefail
cd "$(dirname "$0")"

# Required to build and test. One line per purpose keeps the list reviewable.
PKGS_BUILD="build-essential cmake make pkg-config git"
PKGS_LIBS="libsqlite3-dev libyaml-dev libcjson-dev liblapacke-dev libopenblas-dev libglpk-dev libxgboost-dev libmicrohttpd-dev"
PKGS_TEST="libcmocka-dev clang libclang-rt-dev chromium python3 prometheus python3-onnx" # python3: CLI tests read JSON (stdlib only); prometheus: scrapes trade /metrics; python3-onnx (brings numpy): checks ONNX exports
# Regenerating goldens (tests/golden/gen_*.py, gen_*.R) needs more (numpy, scipy, statsmodels, R
# packages: each script names its own); the tests themselves never do, so they are not installed here.
PKGS="$PKGS_BUILD $PKGS_LIBS $PKGS_TEST"

missing_pkgs() {
  local p out=""
  for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
      out="$out $p"
    fi
  done
  echo "${out# }"
}

ensure_deps() {
  if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "bootstrap: not a Debian/Ubuntu system; install a C11 compiler, cmake, make, pkg-config," >&2
    echo "bootstrap: and the dev packages of sqlite3, libyaml, cJSON and cmocka (clang for fuzzing)." >&2
    command -v cc >/dev/null && command -v cmake >/dev/null && return 0
    exit 1
  fi
  local miss
  miss=$(missing_pkgs)
  [ -z "$miss" ] && return 0
  if [ "$(id -u)" = "0" ] && [ "${1:-}" != "--check" ]; then
    echo "bootstrap: installing: $miss" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $miss >&2
    return 0
  fi
  echo "bootstrap: missing packages:$( [ -n "$miss" ] && echo " $miss")" >&2
  echo "bootstrap: install them with:  sudo apt-get install -y $miss" >&2
  exit 1
}

case "${1:-demo}" in
  --check) ensure_deps --check ;;
  demo)    ensure_deps; exec make demo ;;
  test)    ensure_deps; exec make test ;;
  bench)   ensure_deps; exec make bench ;;
  build)   ensure_deps; exec make ;;
  -h|--help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//' ;;
  *) echo "bootstrap: unknown target '$1' (demo, test, bench, build, --check)" >&2; exit 2 ;;
esac
