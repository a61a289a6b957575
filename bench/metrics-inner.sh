#!/usr/bin/env bash
# Runs inside pg_virtualenv with the local endpoint up (CKS_ENDPOINT_URL):
# the measured part of bench/metrics.
set -eu
cd "$(dirname "$0")/.."
CTL="/usr/bin/python3 tests/endpoint/ctl.py"
db=cks_bench_metrics
account=111111111111
region=eu-north-1
dropdb --if-exists "$db" >/dev/null 2>&1 || true
createdb "$db"
psql -X -q -v ON_ERROR_STOP=1 -d "$db" <<SQL
CREATE EXTENSION cks_fdw;
CREATE SERVER bench FOREIGN DATA WRAPPER cks_fdw
  OPTIONS (region '$region', endpoint '$CKS_ENDPOINT_URL',
           cloudwatch_endpoint '$CKS_ENDPOINT_URL',
           max_concurrent_requests '$CKS_BENCH_CONCURRENCY');
CREATE USER MAPPING FOR CURRENT_USER SERVER bench
  OPTIONS (access_key_id 'AKIDCKSTEST111111111',
           secret_access_key 'cks/test/secret/111111111111/AAAAAAAAAAAA');
IMPORT FOREIGN SCHEMA kms LIMIT TO (custom_key_stores) FROM SERVER bench INTO public;
IMPORT FOREIGN SCHEMA cloudwatch FROM SERVER bench INTO public;
SQL
query="SELECT custom_key_store_id, min(value) AS days_left
  FROM key_store_metrics
 WHERE metric_name = 'XksProxyCertificateDaysToExpire'
 GROUP BY 1 HAVING min(value) < 30"
setup() {
  $CTL reset
  $CTL stores $account $region 2000 --prefix cert >/dev/null
  $CTL config latency_ms=$CKS_BENCH_LATENCY_MS >/dev/null
}
setup
external=$(psql -X -At -d "$db" -c "SELECT count(*) FROM custom_key_stores WHERE custom_key_store_type = 'EXTERNAL_KEY_STORE'")
pages=$(( (2000 + 999) / 1000 ))
psql -X -At -d "$db" -c "$query" >/dev/null   # warm-up
times=()
for rep in $(seq 1 "$CKS_BENCH_REPS"); do
  setup
  start=$(date +%s%N)
  rows=$(psql -X -At -d "$db" -c "SELECT count(*) FROM ($query) q")
  end=$(date +%s%N)
  ms=$(( (end - start) / 1000000 ))
  times+=("$ms")
  echo "run $rep: $ms ms, $rows stores under 30 days"
done
list=$($CTL count --operation DescribeCustomKeyStores | sed 's/.*: //')
gmd=$($CTL count --operation GetMetricData | sed 's/.*: //')
echo "external key stores: $external of 2000 stores ($pages listing pages of 1000)"
echo "requests (last run): DescribeCustomKeyStores $list, GetMetricData $gmd (at most ceil($external / 500) + $pages = $(( (external + 499) / 500 + pages )))"
median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
floor=$(( (pages + 1) * CKS_BENCH_LATENCY_MS ))
echo "median: $median ms over $CKS_BENCH_REPS runs"
echo "floor: $floor ms = ($pages listing pages, one after the other, + 1 GetMetricData round) x $CKS_BENCH_LATENCY_MS ms; requests x latency / concurrency = $(( (list + gmd) * CKS_BENCH_LATENCY_MS / CKS_BENCH_CONCURRENCY )) ms is below it"
awk -v m="$median" -v f="$floor" 'BEGIN { printf "ratio: %.2f\n", m / f;
  printf "goal (within 2x of the floor): %s\n", (m <= 2 * f) ? "met" : "missed" }'
dropdb "$db"
