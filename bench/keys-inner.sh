#!/usr/bin/env bash
# Runs inside pg_virtualenv with the local endpoint up (CKS_ENDPOINT_URL):
# the measured part of bench/keys.
set -eu
cd "$(dirname "$0")/.."
CTL="/usr/bin/python3 tests/endpoint/ctl.py"
db=cks_bench_keys
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
ALTER FOREIGN TABLE keys OPTIONS (ADD key_manager 'ALL');
SQL
$CTL reset
$CTL config latency_ms=$CKS_BENCH_LATENCY_MS >/dev/null
keys=$(psql -X -At -d "$db" -c "SELECT count(*) FROM keys")   # warm-up
times=()
for rep in $(seq 1 "$CKS_BENCH_REPS"); do
  $CTL reset
  $CTL config latency_ms=$CKS_BENCH_LATENCY_MS >/dev/null
  start=$(date +%s%N)
  rows=$(psql -X -At -d "$db" -c "SELECT count(*) FROM keys")
  end=$(date +%s%N)
  ms=$(( (end - start) / 1000000 ))
  times+=("$ms")
  echo "run $rep: $ms ms, $rows rows"
done
echo "$($CTL count --operation ListKeys | sed 's/requests/requests ListKeys/') $($CTL count --operation DescribeKey | sed 's/requests:/DescribeKey:/') (last run)"
echo "max in flight: $(/usr/bin/python3 tests/lib/max_in_flight.py | sed 's/.*: //') (last run, from the endpoint's log)"
median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
ideal=$(( (keys * CKS_BENCH_LATENCY_MS + CKS_BENCH_CONCURRENCY - 1) / CKS_BENCH_CONCURRENCY ))
echo "median: $median ms over $CKS_BENCH_REPS runs of $keys keys"
echo "ideal: $ideal ms = $keys keys / $CKS_BENCH_CONCURRENCY in flight x $CKS_BENCH_LATENCY_MS ms"
awk -v m="$median" -v i="$ideal" 'BEGIN { printf "ratio: %.2f\n", m / i;
  printf "goal (within 2x of ideal): %s\n", (m <= 2 * i) ? "met" : "missed" }'
dropdb "$db"
