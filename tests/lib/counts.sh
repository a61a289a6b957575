# The counting helpers of the test scripts that run on their own rather
# than as a cluster suite (tests/suites/fuzz.sh and valgrind.sh,
# tests/pg17.sh, tests/pg18.sh, tests/package.sh), sourced from the
# repository root.
# Each check prints "ok - what" or "not ok - what"; finish prints the
# "N passed, N failed" line tests/run-all adds up and exits, with status 0
# only when nothing failed.  (The cluster suites' richer helpers are in
# tests/lib/suite.sh.)
passed=0
failed=0
ok() { echo "ok - $1"; passed=$((passed + 1)); }
not_ok() { echo "not ok - $1"; failed=$((failed + 1)); }
finish() { echo "$passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit; }

# add_line "N passed, N failed": adds another run's result line.
add_line() {
  passed=$((passed + $(echo "$1" | sed -E 's/^([0-9]+) passed.*/\1/')))
  failed=$((failed + $(echo "$1" | sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/')))
}

# collect_cluster_results TAG SUBLOG SRC "SUITES": the counts of one
# tests/in-cluster.sh run in the copy of the tree SRC (tests/pg17.sh,
# tests/pg18.sh), whose logs are in SUBLOG: one count per pg_regress file
# and the result line of each suite named.  The logs (and pg_regress's
# diffs and results, to refresh an expected/NAME_1.out from when a test
# changes) are copied to $CKS_TEST_LOG/TAG-regress, TAG-suite-NAME, ...
collect_cluster_results() {
  local tag=$1 sublog=$2 src=$3 names=$4 top=${CKS_TEST_LOG:?} rp rf name line
  if [ -f "$sublog/regress" ]; then
    cp "$sublog/regress" "$top/$tag-regress"
    [ -f "$src/regression.diffs" ] && cp "$src/regression.diffs" "$top/$tag-regression.diffs"
    [ -d "$src/results" ] && cp -r "$src/results" "$top/$tag-results"
    rp=$(grep -cE '(\.\.\. ok|^ok [0-9])' "$sublog/regress")
    rf=$(grep -cE '(\.\.\. FAILED|^not ok [0-9]|\.\.\. failed)' "$sublog/regress")
    if [ "$rp" -eq 0 ] && [ "$rf" -eq 0 ]; then rf=1; fi
    passed=$((passed + rp))
    failed=$((failed + rf))
  fi
  for name in $names; do
    cp "$sublog/suite-$name" "$top/$tag-suite-$name" 2>/dev/null
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$sublog/suite-$name" 2>/dev/null | tail -n 1)
    if [ -z "$line" ]; then
      not_ok "suite $name gave no result line"
      continue
    fi
    add_line "$line"
  done
}
