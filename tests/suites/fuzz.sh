#!/usr/bin/env bash
# Suite: fuzz the KMS and STS response/error parsers (fuzz/fuzz_kms.c,
# fuzz/fuzz_sts.c), the metadata services' credential answers
# (fuzz/fuzz_keyless.c), the credential sources' state machines driven
# by fuzzed answer sequences (fuzz/fuzz_fetch.c), the option grammars
# (fuzz/fuzz_names.c), the parse-cost guard with its memory budget
# (fuzz/fuzz_parse_guard.c) and the redaction of pieces of secrets
# (fuzz/fuzz_redact.c) with libFuzzer + ASan + UBSan for a bounded
# time each.
#
# Each target starts from a COPY of its checked-in seed corpus
# (fuzz/corpus/NAME) in a temporary directory, so whatever libFuzzer finds
# never grows the repository.  One check per target: libFuzzer exits 0 and
# printed no crash, leak, timeout, out-of-memory or sanitizer report.  On a
# failure the reproducer is kept under $CKS_TEST_LOG (or /tmp) and named
# here; replay it with  fuzz/build/fuzz_NAME <file>.
#
# kms, sts and keyless run at the same time (the machine has two cores),
# each for CKS_FUZZ_SECONDS (default 60); then fetch for as long, beside
# names, parse_guard and redact, the cheapest, for a third of that each.
# Needs no cluster and no endpoint.
# Ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
top=$(pwd)
seconds=${CKS_FUZZ_SECONDS:-60}
. tests/lib/counts.sh

# Not /tmp/build.lock: tests/run-all may itself run under that lock, and
# "make fuzz" writes only fuzz/build/, which no other build touches; this
# lock only keeps two fuzz suites from writing the same binaries at once.
echo "== building the fuzz targets"
if ! flock /tmp/cks-fuzz-build.lock make -s fuzz; then
  not_ok "make fuzz"
  finish
fi

work=$(mktemp -d /tmp/cks-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
keep=${CKS_TEST_LOG:-/tmp}

# run_target NAME [SECONDS]: fuzz, output in $work/NAME.log
run_target() {
  local name=$1 secs=${2:-$seconds}
  mkdir -p "$work/$name/corpus" "$work/$name/artifacts"
  echo "$secs" >"$work/$name.secs"
  cp -r "fuzz/corpus/$name/." "$work/$name/corpus/"
  (cd "$work/$name" &&
    "$top/fuzz/build/fuzz_$name" \
      -dict="$top/fuzz/$name.dict" \
      -max_total_time="$secs" -timeout=5 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$work/$name/artifacts/" \
      corpus >"$work/$name.log" 2>&1
    echo $? >"$work/$name.rc")
}

# check_target NAME: one check from the exit code, the log and artifacts
check_target() {
  local name=$1 rc runs eps seeds finds artifact
  rc=$(cat "$work/$name.rc" 2>/dev/null || echo missing)
  seeds=$(ls "fuzz/corpus/$name" | wc -l)
  finds=$(($(ls "$work/$name/corpus" | wc -l) - seeds))
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$name.log")
  eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/$name.log")
  echo "fuzz_$name: ${runs:-?} runs in $(cat "$work/$name.secs" 2>/dev/null || echo "$seconds")s (${eps:-?} exec/s), $seeds seeds, $finds new corpus inputs"
  if [ "$rc" = 0 ] &&
     ! grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|deadly signal|broken promise|SUMMARY: ' "$work/$name.log" &&
     [ -z "$(ls -A "$work/$name/artifacts")" ]; then
    ok "fuzz_$name: no crash, leak, timeout or sanitizer report"
    return
  fi
  not_ok "fuzz_$name (exit status $rc)"
  if grep -qE 'ERROR:|runtime error:|deadly signal|broken promise' "$work/$name.log"; then
    grep -E -A 30 'ERROR:|runtime error:|deadly signal|broken promise' "$work/$name.log" | head -n 60
  else
    tail -n 20 "$work/$name.log"
  fi
  for artifact in "$work/$name/artifacts/"*; do
    [ -e "$artifact" ] || continue
    cp "$artifact" "$keep/"
    echo "reproducer: $keep/$(basename "$artifact")  (replay: fuzz/build/fuzz_$name $keep/$(basename "$artifact"))"
    od -c "$artifact" | head -n 20
  done
}

echo "== fuzzing for ${seconds}s per target"
run_target kms &
run_target sts &
run_target keyless &
wait
check_target kms
check_target sts
check_target keyless
run_target fetch &
run_target names $(( (seconds + 2) / 3 )) &
run_target parse_guard $(( (seconds + 2) / 3 )) &
wait
check_target fetch
check_target names
check_target parse_guard
run_target redact $(( (seconds + 2) / 3 ))
check_target redact

finish
