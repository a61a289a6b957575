#!/usr/bin/env bash
# Runs inside pg_virtualenv with the local endpoint up (CKS_ENDPOINT_URL):
# the measured part of bench/keys --last-use.  The last use of every
# customer key of a 1,000-key region (111111111111 / us-west-2) with the
# endpoint enforcing AWS's quotas (GetKeyLastUsage 5/s) and every request
# taking CKS_BENCH_LATENCY_MS: the time against the quota floor (keys / 5
# per second), the throttled answers (the goal: none).
set -eu
cd "$(dirname "$0")/.."
CTL="/usr/bin/python3 tests/endpoint/ctl.py"
db=cks_bench_last_use
region_keys=1000
dropdb --if-exists "$db" >/dev/null 2>&1 || true
createdb "$db"
psql -X -q -v ON_ERROR_STOP=1 -d "$db" <<SQL
CREATE EXTENSION cks_fdw;
CREATE SERVER bench FOREIGN DATA WRAPPER cks_fdw
  OPTIONS (region 'us-west-2', endpoint '$CKS_ENDPOINT_URL',
           max_concurrent_requests '$CKS_BENCH_CONCURRENCY');
CREATE USER MAPPING FOR CURRENT_USER SERVER bench
  OPTIONS (access_key_id 'AKIDCKSTEST111111111',
           secret_access_key 'cks/test/secret/111111111111/AAAAAAAAAAAA');
IMPORT FOREIGN SCHEMA kms LIMIT TO (keys) FROM SERVER bench INTO public;
SQL
# the endpoint's pair has 5 fixed keys beside the generated ones
setup() {
  $CTL reset
  $CTL keys 111111111111 us-west-2 $((region_keys - 5)) >/dev/null
  $CTL config quotas=true latency_ms=$CKS_BENCH_LATENCY_MS >/dev/null
  sleep 1.1   # the endpoint's buckets full, as after any idle second
}
throttled() {
  /usr/bin/python3 -c 'import sys; sys.path.insert(0, "tests/endpoint"); import ctl; print(ctl.call("GET", "/_cks/quotas")["throttled"])'
}
setup
all=$(psql -X -At -d "$db" -c "SELECT count(*) FROM keys")
times=()
for rep in $(seq 1 "$CKS_BENCH_REPS"); do
  setup
  start=$(date +%s%N)
  rows=$(psql -X -At -d "$db" -c "SELECT count(*) || ' keys, ' || count(last_used_at) || ' used, ' || count(usage_tracking_start) || ' with a tracking start' FROM keys")
  end=$(date +%s%N)
  ms=$(( (end - start) / 1000000 ))
  times+=("$ms")
  calls=$($CTL count --operation GetKeyLastUsage | sed 's/requests: //')
  echo "run $rep: $ms ms, $rows; $calls GetKeyLastUsage, $(throttled) throttled, $($CTL count --status 400 | sed 's/requests: //') answers 400"
done
echo "region: $region_keys keys, $all customer keys (keys' default key_manager)"
echo "max in flight: $(/usr/bin/python3 tests/lib/max_in_flight.py | sed 's/.*: //') (last run, from the endpoint's log)"
median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
floor=$(( all * 1000 / 5 ))
# the scheduler paces to 90% of a quota (src/net/request_quotas.c) after a
# burst of one second's tokens: its own floor
paced=$(( (all - 5) * 1000 * 10 / 45 ))
echo "median: $median ms over $CKS_BENCH_REPS runs"
echo "quota floor: $floor ms = $all GetKeyLastUsage / 5 per s"
echo "paced floor: $paced ms = ($all - 5 at once) / 4.5 per s (the scheduler keeps 10% below a quota)"
echo "one after another: $(( all * CKS_BENCH_LATENCY_MS )) ms of latency alone = $all x $CKS_BENCH_LATENCY_MS ms"
awk -v m="$median" -v f="$floor" -v p="$paced" 'BEGIN {
  printf "ratio: %.3f to the quota floor, %.3f to the paced floor\n", m / f, m / p;
  printf "goal (no throttled answer, within 1.05x of the paced floor): time %s\n", (m <= 1.05 * p) ? "met" : "missed" }'
dropdb "$db"
