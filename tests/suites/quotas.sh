#!/usr/bin/env bash
# AWS request quotas (issue 21): the local endpoint enforces AWS's default
# quotas (tests/endpoint/quotas.py: DescribeCustomKeyStores 5/s per
# account and region) and cks_fdw's request scheduler keeps within them.
#   a. an IN list of 8 store ids in one region: 0 throttled, <= 1 s, every
#      row; EXPLAIN (ANALYZE, VERBOSE) shows the time spent waiting for quota,
#   b. request_quotas: validated when set (unknown operation rejected with
#      a hint); a raised quota is paced to (no quota wait at 50/s),
#   c. AWS throttling every answer: the statement fails, saying it was
#      throttled, how often and which quota to raise (request_quotas),
#      within statement_timeout; EXPLAIN ANALYZE counts throttled answers,
#   d. 8 sessions scanning one region at once (3 pages each): all 8
#      correct without shared_preload_libraries (per-backend buckets),
#   e. the same with shared_preload_libraries = 'cks_fdw' (a scratch
#      cluster): all 8 correct and at most 3 throttled answers in all,
#   f. the planner weighs the quota: with one page per region, the IN
#      list of 8 is one scan (one request, 0 throttled, <= 1 s),
#   g. 48 sessions at once without the preload, one request each: all 48
#      correct (throttling's budget is time, not 10 answers),
#   h. one server over 20 accounts (role_arn with {account}) at a low STS
#      quota: the KMS requests of the accounts whose role is known go
#      while the other accounts' AssumeRole calls wait for their tokens (a
#      call waiting for its quota holds no place under the cap), 0
#      throttled, every row.
# Runs inside a throwaway cluster, see tests/in-cluster.sh.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/suite.sh

db=cks_quotas
setup_db "$db" || { fail "create database $db"; summary; exit 1; }

throttled() {
	/usr/bin/python3 -c 'import sys; sys.path.insert(0, "tests/endpoint"); import ctl; print(ctl.call("GET", "/_cks/quotas")["throttled"])'
}

server_sql="
CREATE SERVER kms FOREIGN DATA WRAPPER cks_fdw
  OPTIONS (region 'us-east-1', endpoint '$CKS_ENDPOINT_URL', page_size '5');
CREATE USER MAPPING FOR CURRENT_USER SERVER kms
  OPTIONS (access_key_id 'AKIDCKSTEST111111111',
           secret_access_key 'cks/test/secret/111111111111/AAAAAAAAAAAA');
CREATE FOREIGN TABLE stores (custom_key_store_id text) SERVER kms;"
sql "$db" "$server_sql"

$CTL reset
$CTL config quotas=false
ids=$(sql "$db" "SELECT string_agg(quote_literal(custom_key_store_id), ',') FROM (SELECT custom_key_store_id FROM stores ORDER BY 1 LIMIT 8) s")
all=$(sql "$db" "SELECT count(*) FROM stores")
echo "# stores in us-east-1: $all"

# a. 8 lookups in one region, 5/s: 5 at once, 3 paced
$CTL reset
$CTL config quotas=true
sleep 1.1
t0=$(now_ms)
got=$(sql "$db" "SELECT count(*) FROM stores WHERE custom_key_store_id IN ($ids)" 2>&1)
t1=$(now_ms)
n=$(throttled)
echo "# IN list of 8: $((t1 - t0)) ms, $n throttled"
check_eq "a. IN list of 8 ids: every row" "8" "$got"
check_eq "a. ... 0 throttled" "0" "$n"
check_lt "a. ... within 1 s" "$((t1 - t0))" 1001
sleep 1.1
plan=$(sql "$db" "EXPLAIN (ANALYZE, VERBOSE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT count(*) FROM stores WHERE custom_key_store_id IN ($ids)" 2>&1)
check_contains_text() { if grep -q "$2" <<<"$3"; then ok "$1"; else fail "$1" "$3"; fi; }
check_contains_text "a. EXPLAIN (ANALYZE, VERBOSE) shows the quota wait" "Quota Wait: [1-9][0-9]* ms" "$plan"
check_contains_text "a. ... and no throttled answer" "Throttled: 0" "$plan"

# b. request_quotas
bad=$(sql "$db" "ALTER SERVER kms OPTIONS (ADD request_quotas 'DescribeCustomKeyStore=50')" 2>&1)
check_contains_text "b. an unknown operation is rejected" 'unknown operation "DescribeCustomKeyStore"' "$bad"
check_contains_text "b. ... with a hint listing the operations" "HINT:.*DescribeCustomKeyStores" "$bad"
bad=$(sql "$db" "ALTER SERVER kms OPTIONS (ADD request_quotas 'DescribeCustomKeyStores=0')" 2>&1)
check_contains_text "b. a rate of 0 is rejected" "above 0" "$bad"
sql "$db" "ALTER SERVER kms OPTIONS (ADD request_quotas 'DescribeCustomKeyStores=50, GetKeyLastUsage=10')"
$CTL reset
$CTL config quotas=true 'quota_rates={"DescribeCustomKeyStores": 50}'
plan=$(sql "$db" "EXPLAIN (ANALYZE, VERBOSE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT count(*) FROM stores WHERE custom_key_store_id IN ($ids)" 2>&1)
check_contains_text "b. a raised quota: no quota wait" "Quota Wait: 0 ms" "$plan"
check_eq "b. ... 0 throttled" "0" "$(throttled)"
sql "$db" "ALTER SERVER kms OPTIONS (DROP request_quotas)"

# c. AWS throttles everything
$CTL reset
$CTL config quotas=true 'quota_rates={"DescribeCustomKeyStores": 0}'
cat >"$suite_tmp/c.sql" <<EOF
\set VERBOSITY verbose
SET statement_timeout = '3s';
SELECT count(*) FROM stores;
EOF
t0=$(now_ms)
psql -X -At -d "$db" -f "$suite_tmp/c.sql" >"$suite_tmp/c.out" 2>&1
t1=$(now_ms)
echo "# always throttled: failed after $((t1 - t0)) ms, $(throttled) throttled answers"
check_contains "c. the error says throttled and how often" "was throttled by AWS" "$suite_tmp/c.out"
check_contains "c. ... names the quota to raise" "request_quotas 'DescribeCustomKeyStores=N'" "$suite_tmp/c.out"
check_absent_text() { if grep -q "$2" "$3"; then fail "$1" "$(cat "$3")"; else ok "$1"; fi; }
check_absent_text "c. ... before statement_timeout cancels it" "canceling statement" "$suite_tmp/c.out"
check_lt "c. ... within the statement's 3 s" "$((t1 - t0))" 3500
$CTL reset
$CTL config quotas=true 'quota_rates={"DescribeCustomKeyStores": 3}'
sql "$db" "SELECT count(*) FROM stores" >/dev/null 2>&1   # 3 tokens spent
plan=$(sql "$db" "SET cks_fdw.retry_base_delay_ms = 10; EXPLAIN (ANALYZE, VERBOSE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT count(*) FROM stores WHERE custom_key_store_id IN ($ids)" 2>&1)
echo "$plan" | sed 's/^/# /'
check_contains_text "c. EXPLAIN (ANALYZE, VERBOSE) counts throttled answers" "Throttled: [1-9]" "$plan"

# d. 8 sessions, one region, 3 pages each, per-backend buckets
eight_sessions() {	# DB LABEL [PSQL ARGS]
	local db=$1 label=$2 i bad=0
	shift 2
	$CTL reset
	$CTL config quotas=true
	sleep 1.1
	t0=$(now_ms)
	for i in 1 2 3 4 5 6 7 8; do
		psql -X -At "$@" -d "$db" -c "SELECT count(*) FROM stores" >"$suite_tmp/s$i.out" 2>&1 &
	done
	wait
	t1=$(now_ms)
	for i in 1 2 3 4 5 6 7 8; do
		[ "$(cat "$suite_tmp/s$i.out")" = "$all" ] || { bad=$((bad + 1)); cat "$suite_tmp/s$i.out"; }
	done
	n=$(throttled)
	# 8 x 3 pages at 5/s, the first 5 at once: the floor is (24 - 5) / 5 s
	echo "# 8 sessions $label: $((t1 - t0)) ms (floor 3800 ms), $n throttled answers"
	check_eq "$label: all 8 sessions return every row" "0" "$bad"
}
eight_sessions "$db" "d. without the preload"
check_lt "d. ... within 1.5x the quota floor and some slack" "$((t1 - t0))" 7000

# g. 48 sessions without the preload, one request each: each backend
#    believes it has the whole quota, so most first tries are throttled;
#    every session must still get its rows (a throttled request waits its
#    turn for up to 60 s, not for 10 answers, which short backoffs spend in
#    a few seconds when this many backends share a quota)
sql "$db" "CREATE FOREIGN TABLE stores_one_page (custom_key_store_id text) SERVER kms OPTIONS (page_size '1000')"
$CTL reset
$CTL config quotas=true
sleep 1.1
t0=$(now_ms)
for i in $(seq 1 48); do
	psql -X -At -d "$db" -c "SELECT count(*) FROM stores_one_page" >"$suite_tmp/g$i.out" 2>&1 &
done
wait
t1=$(now_ms)
bad=0
for i in $(seq 1 48); do
	[ "$(cat "$suite_tmp/g$i.out")" = "$all" ] || { bad=$((bad + 1)); [ "$bad" -le 2 ] && cat "$suite_tmp/g$i.out"; }
done
echo "# 48 sessions: $((t1 - t0)) ms (floor (48 - 5) / 5 = 8600 ms), $(throttled) throttled answers"
check_eq "g. 48 sessions without the preload: all return every row" "0" "$bad"

# e. the same with the buckets in shared memory (scratch cluster)
bindir=$(pg_config --bindir)
work=$(mktemp -d /tmp/cks-quotas.XXXXXX)
chmod 755 "$work"
cleanup() {
	if [ -f "$work/data/postmaster.pid" ]; then
		runuser -u postgres -- "$bindir/pg_ctl" stop -D "$work/data" -m immediate -w >/dev/null 2>&1 || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/data" "$work/run"
chown -R postgres: "$work/data" "$work/run"
chmod 700 "$work/data"
if runuser -u postgres -- "$bindir/initdb" -D "$work/data" -U postgres -A trust --no-sync >"$work/initdb.log" 2>&1 &&
	cat >>"$work/data/postgresql.conf" <<EOF &&
listen_addresses = ''
unix_socket_directories = '$work/run'
port = 5432
fsync = off
max_connections = 20
shared_preload_libraries = 'cks_fdw'
EOF
	runuser -u postgres -- "$bindir/pg_ctl" start -D "$work/data" -l "$work/run/server.log" -w -t 60 >"$work/pg_ctl.log" 2>&1; then
	ok "e. a cluster with shared_preload_libraries = 'cks_fdw' starts"
	psql -X -q -h "$work/run" -p 5432 -U postgres -d postgres -c "CREATE EXTENSION cks_fdw" -c "$server_sql" >/dev/null
	eight_sessions postgres "e. with the preload" -h "$work/run" -p 5432 -U postgres
	check_lt "e. ... at most 3 throttled answers in all" "$n" 4
	check_lt "e. ... within 1.5x the quota floor" "$((t1 - t0))" 5700
else
	fail "e. a cluster with shared_preload_libraries = 'cks_fdw' starts" "$(cat "$work/initdb.log" "$work/pg_ctl.log" "$work/run/server.log" 2>/dev/null)"
fi

# f. the planner knows the quota: with the default page size the region
#    is one page, so 8 ids at 5/s (~0.8 s of lookups) become one scan
#    filtered locally: one request, 0 throttled, <= 1 s
sql "$db" "CREATE FOREIGN TABLE stores_paged (custom_key_store_id text) SERVER kms OPTIONS (page_size '1000')"
plan=$(sql "$db" "EXPLAIN (COSTS OFF) SELECT count(*) FROM stores_paged WHERE custom_key_store_id IN ($ids)" 2>&1)
check_contains_text "f. EXPLAIN: one scan instead of 8 lookups" "Lookup Strategy: one scan (8 lookups at 5/s" "$plan"
$CTL reset
$CTL config quotas=true
sleep 1.1
t0=$(now_ms)
got=$(sql "$db" "SELECT count(*) FROM stores_paged WHERE custom_key_store_id IN ($ids)" 2>&1)
t1=$(now_ms)
n=$(throttled)
echo "# IN list of 8 as one scan: $((t1 - t0)) ms, $n throttled, $($CTL count)"
check_eq "f. IN list of 8 ids as one scan: every row" "8" "$got"
check_eq "f. ... 0 throttled" "0" "$n"
check_lt "f. ... within 1 s" "$((t1 - t0))" 1001
check_eq "f. ... one request" "requests: 1" "$($CTL count)"

# h. 20 accounts, AssumeRole at 10/s (AWS's STS: 100/s, against 500
#    accounts), 4 requests in flight at most: 9 roles at once, then one
#    every 111 ms.  Were the 4 places held by AssumeRole calls waiting for
#    their tokens, no KMS request could go before the last account's call
#    had started, and at most 3 AssumeRole requests would follow the first
#    KMS request; the places go to the answered accounts' listings instead.
$CTL reset
$CTL accounts 200000000000 200000000019 >/dev/null
accts=$(seq -f '2000000000%02g' 0 19 | paste -sd, -)
sql "$db" "CREATE SERVER org FOREIGN DATA WRAPPER cks_fdw
  OPTIONS (region 'us-east-1,eu-west-1', accounts '$accts',
           endpoint '$CKS_ENDPOINT_URL', sts_endpoint '$CKS_ENDPOINT_URL',
           max_concurrent_requests '4', request_quotas 'AssumeRole=10');
CREATE USER MAPPING FOR CURRENT_USER SERVER org
  OPTIONS (access_key_id 'AKIDCKSTEST111111111',
           secret_access_key 'cks/test/secret/111111111111/AAAAAAAAAAAA',
           role_arn 'arn:aws:iam::{account}:role/cks-reader');
CREATE FOREIGN TABLE org_stores (custom_key_store_id text, account_id text)
  SERVER org;"
$CTL config quotas=true 'quota_rates={"AssumeRole": 10}'
t0=$(now_ms)
got=$(sql "$db" "SELECT count(DISTINCT account_id) || ' ' || count(*) FROM org_stores" 2>&1)
t1=$(now_ms)
n=$(throttled)
after=$(/usr/bin/python3 -c '
import sys
sys.path.insert(0, "tests/endpoint")
import ctl
log = ctl.log()
kms = ctl.select(log, service="kms", status=200)
roles = ctl.select(log, operation="AssumeRole", status=200)
first = min(r["seq"] for r in kms) if kms else 0
print(sum(1 for r in roles if r["seq"] > first), len(roles))')
echo "# 20 accounts at AssumeRole 10/s: $((t1 - t0)) ms, $n throttled; AssumeRole requests after the first KMS request, of all: $after"
check_eq "h. 20 accounts x 2 regions: every account, every row" "20 80" "$got"
check_eq "h. ... 0 throttled" "0" "$n"
check_between "h. ... KMS requests go while more AssumeRole calls wait than max_concurrent_requests (4)" \
	"${after% *}" 5 21
$CTL accounts >/dev/null

$CTL reset
summary
