#!/usr/bin/env bash
# `make unitcheck`: the C unit runner, then the source-tree rules that need
# no compiler (only src/aws/parse_guard.c parses answers; issue 20's file
# and function sizes), summed into the one "N passed, N failed, N skipped"
# line that tests/run-all and tests/lib/cluster.sh read, so a broken rule
# counts as a failure there too.  Exits non-zero when anything failed.
set -u
cd "${1:-$(dirname "$0")/../..}"

out=$(mktemp)
trap 'rm -f "$out"' EXIT
tests/unit/run_unit | tee "$out"
line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out" | tail -n 1)
if [ -z "$line" ]; then
  echo "not ok - the unit runner printed no result line"
  echo "0 passed, 1 failed"
  exit 1
fi
passed=$(sed -E 's/^([0-9]+) passed.*/\1/' <<<"$line")
failed=$(sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/' <<<"$line")
skipped=$(sed -nE 's/.*, ([0-9]+) skipped.*/\1/p' <<<"$line")

: >"$out"
tests/unit/parse-doorway.sh . | tee -a "$out"
python3 tests/unit/sizes.py . | tee -a "$out"
passed=$((passed + $(grep -c '^ok - ' "$out")))
failed=$((failed + $(grep -c '^not ok - ' "$out")))

echo "$passed passed, $failed failed${skipped:+, $skipped skipped}"
[ "$failed" -eq 0 ]
