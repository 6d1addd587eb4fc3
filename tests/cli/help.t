# Every command answers --help and `help COMMAND` identically; --version works.
for c in "data synth" "data import" "data export" "data list" "data validate" "backtest" "metrics" "config show"; do
  run $c --help; rc 0; out "^Usage: quantcli $c"
  save_out h1; run help $c; rc 0; save_out h2; same h1 h2
done
run --version
rc 0; out '^quantcli [0-9]+\.[0-9]+\.[0-9]+ \(git '
run nosuch thing
rc 2; err_lines 1
