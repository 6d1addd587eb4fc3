#!/usr/bin/env bash
# cli_reference.sh: prints the README's CLI reference from the binary's own --help texts.
#   scripts/cli_reference.sh build/quantcli            print it
#   scripts/cli_reference.sh build/quantcli --update   rewrite the README section in place
set -euo pipefail
Q=$1
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# The command names, as `quantcli --help` lists them (so a new command needs no edit here).
commands() {
  "$1" --help | awk '/^Commands:/ { on = 1; next } on && /^  help / { on = 0 } on { print substr($0, 3, 19) }' |
    sed 's/ *$//'
}
gen() {
  echo '```text'
  echo '$ quantcli --help'
  "$Q" --help
  commands "$Q" | while read -r c; do
    echo
    echo "\$ quantcli $c --help"
    # shellcheck disable=SC2086
    "$Q" $c --help </dev/null
  done
  echo '```'
}
if [ "${2:-}" = "--update" ]; then
  tmp=$(mktemp)
  awk -v ref="$(gen)" '
    /<!-- cli-reference:begin -->/ { print; print ref; skip = 1; next }
    /<!-- cli-reference:end -->/ { skip = 0 }
    !skip { print }' "$ROOT/README.md" > "$tmp"
  mv "$tmp" "$ROOT/README.md"
else
  gen
fi
