#!/usr/bin/env bash
# File descriptor limits on a wide fan-out.  curl's sockets are opened
# outside PostgreSQL's fd.c, so cks_fdw counts each against the backend's
# budget for such fds (AcquireExternalFD: a third of what
# max_files_per_process leaves, ~330 with the default 1000).  A scan that
# wants more connections at once than that (max_concurrent_requests 1000):
#   a. completes with every answer -- the backend's request scheduler caps
#      the requests in flight to what its fd budget holds and the rest
#      wait their turn; no 53000 "too many connections for this backend"
#      (issue 21: the statement could wait, so it is not failed),
#   b. the backend never holds more sockets than the budget,
#   c. leaves the session working (the next query returns its rows), and
#      the backend's sockets back down to a few,
#   d. and the same fan-out within the budget (max_concurrent_requests
#      250) returns every row,
#   e. examples/multi_account.sql's set-up for 100 accounts x 4 regions
#      (100 partitions under an async Append, 100 ms per STS and KMS
#      request, default settings) returns every row, twice in a session:
#      each waiting scan holds an fd of the budget (its timer), and with a
#      socket cap measured before they took theirs, the executor's own
#      wait set found none left ("epoll_create1 failed: Too many open
#      files", issue 21), at the open-files limit 1024 tests/run-all sets.
# Runs inside a throwaway cluster, see tests/in-cluster.sh.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/suite.sh

db=cks_fdlimit
setup_db "$db" || { fail "create database $db"; summary; exit 1; }

regions="us-east-1,us-east-2,us-west-1,us-west-2,eu-west-1,eu-west-2,eu-central-1,ap-south-1,ap-northeast-1,ca-central-1"
ids=$(for i in $(seq 1 100); do printf "'cks-%017x'," "$i"; done)
ids=${ids%,}

$CTL reset
sql "$db" "
CREATE SERVER wide FOREIGN DATA WRAPPER cks_fdw
  OPTIONS (region '$regions', endpoint '$CKS_ENDPOINT_URL',
           max_concurrent_requests '1000', max_attempts '3',
           request_timeout_ms '60000');
CREATE USER MAPPING FOR CURRENT_USER SERVER wide
  OPTIONS (access_key_id 'AKIDCKSTEST111111111',
           secret_access_key 'cks/test/secret/111111111111/AAAAAAAAAAAA');
CREATE FOREIGN TABLE wide_stores (custom_key_store_id text) SERVER wide;
CREATE FOREIGN TABLE stores (custom_key_store_id text) SERVER wide;"

budget=$(sql "$db" "SHOW max_files_per_process")
echo "# max_files_per_process: $budget"

# quotas are not what this suite is about: the endpoint does not enforce
# them and the server paces to a quota far above what is sent
$CTL config quotas=false
sql "$db" "ALTER SERVER wide OPTIONS (ADD request_quotas 'DescribeCustomKeyStores=100000')"
$CTL config kms_latency_ms=300
cat >"$suite_tmp/wide.sql" <<EOF
\set VERBOSITY verbose
SELECT 'pid:' || pg_backend_pid();
SELECT clock_timestamp() AS t0 \gset
SELECT 'rows:' || count(*) FROM wide_stores WHERE custom_key_store_id IN ($ids);
SELECT 'elapsed:' || round(extract(epoch FROM clock_timestamp() - :'t0'::timestamptz) * 1000);
SELECT pg_sleep(1);
SELECT 'after:' || count(*) FROM stores;
EOF
psql -X -At -d "$db" -f "$suite_tmp/wide.sql" >"$suite_tmp/wide.out" 2>&1 &
session=$!
pid_line() { grep -q '^pid:' "$suite_tmp/wide.out"; }
wait_for 20 pid_line
pid=$(grep '^pid:' "$suite_tmp/wide.out" | head -n 1 | cut -d: -f2)
peak=0
while ! grep -q '^elapsed:' "$suite_tmp/wide.out" && kill -0 "$session" 2>/dev/null; do
	n=$(ls -l "/proc/$pid/fd" 2>/dev/null | grep -c 'socket:')
	[ "$n" -gt "$peak" ] && peak=$n
	sleep 0.1
done
$CTL config kms_latency_ms=0
sleep 0.5
sockets=$(ls -l "/proc/$pid/fd" 2>/dev/null | grep -c 'socket:')
wait "$session"
elapsed=$(grep '^elapsed:' "$suite_tmp/wide.out" | cut -d: -f2)
echo "# 1,000 lookups wanted at once, 300 ms each: ${elapsed:-?} ms; peak sockets $peak; sockets while idle after: $sockets"
check_eq "a. a fan-out beyond the fd budget does not fail" "none" \
	"$(sqlstate_of "$suite_tmp/wide.out")"
check_contains "a. ... and completes (no such ids: 0 rows)" "rows:0" "$suite_tmp/wide.out"
requests=$($CTL count --operation DescribeCustomKeyStores | sed 's/^requests: //')
echo "# requests the endpoint answered: $requests (a few reused keep-alive connections may be retried)"
check_between "a. ... after all 1,000 requests" "$requests" 1000 1050
check_lt "b. the backend never held more sockets than its budget (~330)" "$peak" 331
check_contains "c. the next query in the session returns its rows" "after:" "$suite_tmp/wide.out"
check_lt "c. the backend then keeps no more idle connections than it had in flight" "$sockets" $((peak + 1))

# d. the same fan-out within the budget
sql "$db" "ALTER SERVER wide OPTIONS (SET max_concurrent_requests '250')"
$CTL reset
# a reset restores the endpoint's quotas (on): off again, as above
$CTL config quotas=false kms_latency_ms=200
t0=$(now_ms)
got=$(sql "$db" "SELECT count(*) FROM wide_stores WHERE custom_key_store_id IN ($ids)" 2>&1)
t1=$(now_ms)
$CTL config kms_latency_ms=0
echo "# 1,000 lookups, 250 at a time, 200 ms each: $((t1 - t0)) ms"
check_eq "d. within the budget the fan-out completes (no such ids: 0 rows)" "0" "$got"
check_eq "d. ... after all 1,000 requests" "requests: 1000" \
	"$($CTL count --operation DescribeCustomKeyStores)"
connections=$($CTL connections --operation DescribeCustomKeyStores | sed 's/^connections: //')
echo "# distinct connections the endpoint saw: $connections"
check_lt "d. ... over at most max_concurrent_requests (250) connections" "$connections" 251

# e. 100 accounts x 4 regions, a partition per account
$CTL reset
$CTL accounts 100000000000 100000000099 >/dev/null
arns=$(for i in $(seq 0 99); do printf "'arn:aws:iam::%012d:role/cks-reader'," $((100000000000 + i)); done)
psql -X -q -v ON_ERROR_STOP=1 -d "$db" -f examples/multi_account.sql >/dev/null
sql "$db" "CREATE TABLE org_parts (custom_key_store_name text, region text, account_id text)
  PARTITION BY LIST (account_id);
CALL cks_create_account_partitions('org_parts', ARRAY[${arns%,}],
  'us-east-1,eu-west-1,ap-southeast-2,us-west-2', 'AKIDCKSTEST111111111',
  'cks/test/secret/111111111111/AAAAAAAAAAAA',
  endpoint => '$CKS_ENDPOINT_URL', sts_endpoint => '$CKS_ENDPOINT_URL')"
$CTL config sts_latency_ms=100 kms_latency_ms=100
echo "# open-files soft limit: $(ulimit -Sn)"
psql -X -At -v VERBOSITY=verbose -d "$db" -c "SELECT count(*) FROM org_parts" \
	-c "SELECT count(*) FROM org_parts" >"$suite_tmp/org.out" 2>&1
$CTL config sts_latency_ms=0 kms_latency_ms=0
check_eq "e. 100 partitions x 4 regions under an async Append: no error" "none" \
	"$(sqlstate_of "$suite_tmp/org.out")"
check_eq "e. ... every row, twice in a session" "800 800" "$(grep -v ':' "$suite_tmp/org.out" | tr '\n' ' ' | sed 's/ $//')"
$CTL reset

summary
