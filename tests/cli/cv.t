# `quantcli cv`: the splits of each scheme as JSON ({"splits": [{"train": [[a, b]], "test": [...]}],
# "paths": [...]} with inclusive 0-based ranges; paths for cpcv only) and as a table; the purge and
# embargo of a hand-worked case (docs/VALIDATION.md); bad arguments exit 2 (usage) or 3 (input)
# with one error line.
run cv --scheme kfold --n 10 --folds 3 --json
rc 0; out '^\{"splits": \[$'; out '^  \{"train": \[\[4, 9\]\], "test": \[\[0, 3\]\]\},$'
out '^  \{"train": \[\[0, 3\], \[7, 9\]\], "test": \[\[4, 6\]\]\},$'; no_out '"paths"'
# n = 20, K = 4, horizon 2, embargo 1: fold [5,9] purges 3-4 and 10-11, the embargo drops 12
run cv --scheme purged --n 20 --folds 4 --horizon 2 --embargo 1 --json
rc 0; out '^  \{"train": \[\[0, 2\], \[13, 19\]\], "test": \[\[5, 9\]\]\},$'
run cv --scheme purged --n 20 --folds 4 --horizon 2 --embargo 1
rc 0; out '^split +n_train +n_test +train +test$'; out '^1 +10 +5 +0-2 13-19 +5-9$'
# CPCV N = 6, k = 2: 15 splits, 5 paths, each group once per path
run cv --scheme cpcv --n 60 --groups 6 --test-groups 2 --json
rc 0
[ "$(grep -c '"train"' "$OUT")" = 15 ] || fail "expected 15 splits"
[ "$(grep -c '{"group": 0,' "$OUT")" = 5 ] || fail "expected 5 paths"
out '^  \[\{"group": 0, "split": 0\}, \{"group": 1, "split": 0\}, \{"group": 2, "split": 1\}, \{"group": 3, "split": 2\}, \{"group": 4, "split": 3\}, \{"group": 5, "split": 4\}\],$'
/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert len(d["splits"]) == 15 and len(d["paths"]) == 5' "$OUT" ||
  fail "cpcv JSON does not parse"
run cv --scheme cpcv --n 60
rc 0; out '^5 paths'; out '^path 4: g0=s4 g1=s8 g2=s11 g3=s13 g4=s14 g5=s14$'
run cv --scheme walkforward --n 20 --train 5 --test 4 --gap 1 --json
rc 0; out '"train": \[\[2, 6\]\], "test": \[\[8, 11\]\]'; out '"train": \[\[10, 14\]\], "test": \[\[16, 19\]\]'
run cv --scheme walkforward --n 20 --train 5 --test 4 --expanding --json
rc 0; out '"train": \[\[0, 15\]\], "test": \[\[16, 19\]\]'
# bad input
run cv --n 10
rc 2; err 'required'; err_lines 1
run cv --scheme kfold
rc 2; err 'option.*n N|--n N'; err_lines 1
run cv --scheme bogus --n 10
rc 3; err "unknown scheme 'bogus'"; err_lines 1
run cv --scheme kfold --n 10 --folds 1
rc 3; err 'folds must be >= 2'; err_lines 1
run cv --scheme cpcv --n 60 --groups 6 --test-groups 6
rc 3; err 'test-groups must be in \[1, 5\]'; err_lines 1
run cv --scheme purged --n 10 --folds 2 --horizon 5 --embargo 1
rc 3; err 'no training observations'; err_lines 1
run cv --scheme walkforward --n 10 --train 8 --test 4
rc 3; err 'more than the 10 observations'; err_lines 1
run cv --scheme kfold --n abc
rc 3; err "option '--n'"; err_lines 1
