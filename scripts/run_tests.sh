#!/usr/bin/env bash
# run_tests.sh: every test QuantCLI has, as `make test` and CI run them:
#   1. a Release build with -Wall -Wextra -Werror, then its CTest suite;
#   2. an AddressSanitizer + UndefinedBehaviorSanitizer build, then the same suite;
#   3. each libFuzzer target under fuzz/ for FUZZ_SECONDS (default 15) from its seed corpus.
# Ends with one summary line: "tests: N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/.."
JOBS=${JOBS:-2}
FUZZ_SECONDS=${FUZZ_SECONDS:-15}
pass=0
fail=0
failed=()

note() { printf '\n=== %s ===\n' "$*"; }

# Adds the counts from a CTest log ("N% tests passed, F tests failed out of T").
count_ctest() {
  local log=$1 line total failed_n
  line=$(grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -1)
  if [ -z "$line" ]; then
    fail=$((fail + 1)); failed+=("$2: ctest did not finish"); return
  fi
  failed_n=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$line")
  total=$(sed -E 's/.* failed out of ([0-9]+).*/\1/' <<<"$line")
  pass=$((pass + total - failed_n)); fail=$((fail + failed_n))
  while read -r t; do failed+=("$2: $t"); done < <(grep -E '^\s+[0-9]+ - ' "$log" | sed -E 's/^\s+[0-9]+ - //')
}

suite() {
  local name=$1 dir=$2; shift 2
  note "$name: configure and build ($dir)"
  if ! cmake -S . -B "$dir" "$@" >"$dir.configure.log" 2>&1; then
    cat "$dir.configure.log"; fail=$((fail + 1)); failed+=("$name: configure"); return
  fi
  if ! cmake --build "$dir" -j"$JOBS" 2>&1 | tail -n 30; then :; fi
  if [ "${PIPESTATUS[0]}" != 0 ]; then fail=$((fail + 1)); failed+=("$name: build"); return; fi
  note "$name: ctest"
  (cd "$dir" && ctest --output-on-failure -j"$JOBS" --timeout 900) 2>&1 | tee "$dir/ctest.log" | tail -n 60
  count_ctest "$dir/ctest.log" "$name"
}

fuzz() {
  if ! command -v clang >/dev/null; then
    fail=$((fail + 1)); failed+=("fuzz: clang missing (apt-get install clang libclang-rt-dev)"); return
  fi
  note "fuzz: build"
  if ! CC=clang cmake -S . -B build-fuzz -DQC_FUZZ=ON -DQC_TESTS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        >build-fuzz.configure.log 2>&1 || ! cmake --build build-fuzz -j"$JOBS" >build-fuzz.build.log 2>&1; then
    cat build-fuzz.configure.log build-fuzz.build.log 2>/dev/null | tail -n 30
    fail=$((fail + 1)); failed+=("fuzz: build"); return
  fi
  for bin in build-fuzz/fuzz/fuzz_*; do
    [ -x "$bin" ] || continue
    local name corpus work
    name=$(basename "$bin")
    corpus="fuzz/corpus/${name#fuzz_}"
    work=$(mktemp -d)
    [ -d "$corpus" ] && cp -r "$corpus"/. "$work"/
    note "fuzz: $name for ${FUZZ_SECONDS}s"
    if "$bin" -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 -print_final_stats=0 \
         -artifact_prefix="build-fuzz/$name-" "$work" >"build-fuzz/$name.log" 2>&1; then
      pass=$((pass + 1)); tail -n 2 "build-fuzz/$name.log"
    else
      fail=$((fail + 1)); failed+=("fuzz: $name"); tail -n 40 "build-fuzz/$name.log"
    fi
    rm -rf "$work"
  done
}

suite "plain (-Werror)" build -DCMAKE_BUILD_TYPE=Release -DQC_WERROR=ON
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  suite "asan+ubsan" build-asan -DCMAKE_BUILD_TYPE=Debug -DQC_SANITIZE=ON -DQC_WERROR=ON
fuzz

echo
for f in "${failed[@]+"${failed[@]}"}"; do echo "FAILED: $f"; done
echo "tests: $pass passed, $fail failed"
[ "$fail" = 0 ]
