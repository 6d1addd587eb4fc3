#!/usr/bin/env bash
# readme_cli_reference.sh: the README's CLI reference equals the binary's --help output
# (regenerate with: scripts/cli_reference.sh build/quantcli --update).
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
want=$("$ROOT/scripts/cli_reference.sh" "$1")
have=$(awk '/<!-- cli-reference:begin -->/{on=1;next} /<!-- cli-reference:end -->/{on=0} on' "$ROOT/README.md")
if [ "$want" != "$have" ]; then
  diff <(echo "$have") <(echo "$want") | head -40
  echo "README CLI reference is stale: run scripts/cli_reference.sh build/quantcli --update"
  exit 1
fi
echo "ok: README CLI reference matches --help"
