#!/usr/bin/env bash
# run.sh: runs one data-driven CLI case (tests/cli/NAME.t) against the quantcli binary.
# A case is a small bash script using these words, in a fresh temp dir with its own store:
#   file NAME <<'EOF' ... EOF     write an input file
#   run ARGS...                   run quantcli (--db $T/q.db prepended) capturing out, err, rc
#   rc N                          expect exit code N
#   out REGEX / err REGEX         expect stdout / stderr to match (grep -E)
#   no_out REGEX                  expect stdout not to match
#   err_lines N                   expect exactly N lines on stderr
#   same A B                      expect two files to be identical
# Usage: run.sh QUANTCLI CASE.t
set -u
Q=$(realpath "$1"); CASE=$(realpath "$2")
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
OUT=$T/.out; ERR=$T/.err; RC=0; fails=0; step=0

fail() { echo "FAIL [$(basename "$CASE") after run #$step]: $*"; echo "--- stdout"; head -c 3000 "$OUT"; echo "--- stderr"; head -c 3000 "$ERR"; fails=$((fails + 1)); }
file() { cat >"$1"; }
run() { step=$((step + 1)); "$Q" --db "$T/q.db" "$@" >"$OUT" 2>"$ERR"; RC=$?; }
run_nodb() { step=$((step + 1)); "$Q" "$@" >"$OUT" 2>"$ERR"; RC=$?; }
rc() { [ "$RC" = "$1" ] || fail "exit code $RC, expected $1"; }
out() { grep -Eq -- "$1" "$OUT" || fail "stdout does not match /$1/"; }
no_out() { ! grep -Eq -- "$1" "$OUT" || fail "stdout matches /$1/"; }
err() { grep -Eq -- "$1" "$ERR" || fail "stderr does not match /$1/"; }
err_lines() { local n; n=$(wc -l <"$ERR"); [ "$n" = "$1" ] || fail "stderr has $n lines, expected $1"; }
same() { cmp -s "$1" "$2" || fail "$1 and $2 differ"; }
save_out() { cp "$OUT" "$1"; }

# shellcheck disable=SC1090
source "$CASE"
[ "$fails" = 0 ] && echo "ok $(basename "$CASE") ($step runs)"
[ "$fails" = 0 ]
