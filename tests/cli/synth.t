# data synth: deterministic (same seed, same bytes), stored in one go, manifest and CSVs written;
# its CSVs validate clean and re-import as unchanged.
run data synth --symbols 6 --bars 300 --pairs 1 --mean-revert 1 --ticks 5 --manifest m1.json --csv-dir csv
rc 0; out '^SYN00 +pair_leg +300 +2015-01-02 '; out '^manifest: m1.json$'
out '^SYN05 '
run data list --json
out '"rows":[[:space:]]*300'
run data export --symbol SYN03
rc 0; save_out a.csv
run data synth --symbols 6 --bars 300 --pairs 1 --mean-revert 1 --ticks 5 --manifest m2.json --no-store
rc 0; same m1.json m2.json
run data export --symbol SYN03
save_out b.csv; same a.csv b.csv; same a.csv csv/SYN03.csv
grep -q '"hedge_ratio"' m1.json || fail "manifest lacks pairs"
run data validate csv/SYN02.csv --symbol SYN02
rc 0; out '0 hard'
run data import csv/SYN02.csv --symbol SYN02 --json
rc 0; out '"unchanged":[[:space:]]*300'
run data synth --seed 7 --symbols 6 --bars 300 --manifest m3.json --no-store
cmp -s m1.json m3.json && fail "different seeds gave the same manifest"
run data synth --symbols 3 --pairs 2
rc 3; err_lines 1
