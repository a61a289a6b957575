#!/usr/bin/env bash
# File descriptor limits on a wide fan-out.  curl's sockets are opened
# outside PostgreSQL's fd.c, so cks_fdw counts each against the backend's
# budget for such fds (AcquireExternalFD: a third of what
# max_files_per_process leaves, ~330 with the default 1000).  A scan that
# wants more connections at once than that:
#   a. fails with 53000 "too many connections for this backend" and a hint
#      naming max_concurrent_requests and max_files_per_process,
#   b. quickly (well before the endpoint's 3 s answers or any timeout) --
#      not a hang, not a retry loop,
#   c. leaves the session working (the next query returns its rows), and
#      the backend's sockets back down to a few,
#   d. and the same fan-out within the budget (max_concurrent_requests
#      250) returns every row.
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

$CTL config kms_latency_ms=3000
cat >"$suite_tmp/wide.sql" <<EOF
\set VERBOSITY verbose
SELECT clock_timestamp() AS t0 \gset
SELECT count(*) FROM wide_stores WHERE custom_key_store_id IN ($ids);
SELECT 'elapsed:' || round(extract(epoch FROM clock_timestamp() - :'t0'::timestamptz) * 1000);
SELECT 'pid:' || pg_backend_pid();
SELECT pg_sleep(2);
SELECT 'after:' || count(*) FROM stores;
EOF
psql -X -At -d "$db" -f "$suite_tmp/wide.sql" >"$suite_tmp/wide.out" 2>&1 &
session=$!
pid_line() { grep -q '^pid:' "$suite_tmp/wide.out"; }
wait_for 20 pid_line
$CTL config kms_latency_ms=0
sleep 0.5
pid=$(grep '^pid:' "$suite_tmp/wide.out" | head -n 1 | cut -d: -f2)
sockets=$(ls -l "/proc/$pid/fd" 2>/dev/null | grep -c 'socket:')
wait "$session"
elapsed=$(grep '^elapsed:' "$suite_tmp/wide.out" | cut -d: -f2)
echo "# 1,000 connections wanted: failed after ${elapsed:-?} ms; sockets while idle after: $sockets"
check_eq "a. a fan-out beyond the fd budget fails with 53000" "53000" \
	"$(sqlstate_of "$suite_tmp/wide.out")"
check_contains "a. ... saying too many connections" \
	"too many connections for this backend" "$suite_tmp/wide.out"
check_contains "a. ... with the fix in the hint" \
	"Lower max_concurrent_requests or raise max_files_per_process" "$suite_tmp/wide.out"
check_lt "b. ... before the first 3 s answer could arrive (no hang, no retries)" \
	"${elapsed:-99999}" 3000
check_contains "c. the next query in the session returns its rows" "after:" "$suite_tmp/wide.out"
check_lt "c. the backend then holds only a few sockets" "$sockets" 10

# d. the same fan-out within the budget
sql "$db" "ALTER SERVER wide OPTIONS (SET max_concurrent_requests '250')"
$CTL reset
$CTL config kms_latency_ms=200
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
$CTL reset

summary
