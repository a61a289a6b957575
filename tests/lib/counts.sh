# The counting helpers of the test scripts that run on their own rather
# than as a cluster suite (tests/suites/fuzz.sh and valgrind.sh,
# tests/pg18.sh, tests/package.sh), sourced from the repository root.
# Each check prints "ok - what" or "not ok - what"; finish prints the
# "N passed, N failed" line tests/run-all adds up and exits, with status 0
# only when nothing failed.  (The cluster suites' richer helpers are in
# tests/lib/suite.sh.)
passed=0
failed=0
ok() { echo "ok - $1"; passed=$((passed + 1)); }
not_ok() { echo "not ok - $1"; failed=$((failed + 1)); }
finish() { echo "$passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit; }
