# Every command answers --help and `help COMMAND` identically; --version works.
# (the list is read from --help itself, so a new command is covered without an edit here)
run_nodb --help; rc 0
cmds=$(awk '/^Commands:/ { on = 1; next } on && /^  help / { exit } on { print substr($0, 3, 19) }' "$OUT" | sed 's/ *$//')
[ "$(echo "$cmds" | wc -l)" -ge 8 ] || fail "--help lists fewer than 8 commands"
while read -r c <&3; do
  run $c --help; rc 0; out "^Usage: quantcli $c"
  save_out h1; run help $c; rc 0; save_out h2; same h1 h2
done 3<<<"$cmds"
run --version
rc 0; out '^quantcli [0-9]+\.[0-9]+\.[0-9]+ \(git '
run nosuch thing
rc 2; err_lines 1
