#!/usr/bin/env bash
# Cancel and timeouts while a request hangs at the endpoint, which
# pg_regress cannot express (it needs a second session and wall-clock
# measurements):
#   a. pg_cancel_backend from another session ends the query within 1 s
#      with SQLSTATE 57014,
#   b. statement_timeout ends it with 57014 soon after the timeout,
#   c. the same session then runs queries normally,
#   d. while the request is in flight the backend waits on an Extension
#      wait event (pg_stat_activity),
#   e. request_timeout_ms ends a hung attempt with HV00N, and a retry
#      after a timed-out attempt succeeds,
#   f. a cursor survives ROLLBACK TO SAVEPOINT with its requests in flight
#      (3 regions, 300 ms endpoint latency): the rest of its rows come back,
#      and a wait on a request started inside the rolled-back savepoint
#      still ends at statement_timeout, and at pg_cancel_backend within 1 s
#      (these once spun at 100% CPU, deaf to both, until SIGKILL),
#   g. the same for a PL/pgSQL cursor OPENed before, read inside and after
#      a BEGIN ... EXCEPTION block that caught an error,
#   h. a fan-out of 1,000 requests (10 regions x 100 pushed-down ids,
#      max_concurrent_requests 250, 2 s endpoint latency): pg_cancel_backend
#      ends it within 1 s with 57014, no request reaches the endpoint after
#      the cancel; after one ended by statement_timeout the idle backend
#      holds only a few keep-alive connections, not the ~250 in flight,
#   i. a backend blocked on a hung request sleeps: over 2 s it wakes only
#      a few times (the old wait woke every 50 ms), synchronous scan,
#   j. the same for an asynchronous Append over two servers.
# Runs inside a throwaway cluster, see tests/in-cluster.sh.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/suite.sh

db=cks_cancel
setup_db "$db" || { fail "create database $db"; summary; exit 1; }

$CTL reset
sql "$db" "
CREATE SERVER kms FOREIGN DATA WRAPPER cks_fdw
  OPTIONS (region 'us-east-1', endpoint '$CKS_ENDPOINT_URL',
           sts_endpoint '$CKS_ENDPOINT_URL', request_timeout_ms '60000',
           max_attempts '1');
CREATE USER MAPPING FOR CURRENT_USER SERVER kms
  OPTIONS (access_key_id 'AKIDCKSTEST111111111',
           secret_access_key 'cks/test/secret/111111111111/AAAAAAAAAAAA');
CREATE FOREIGN TABLE stores (custom_key_store_id text, account_id text)
  SERVER kms;"

# The row count the endpoint holds for account 1 / us-east-1.
expected=$(/usr/bin/python3 -c '
import sys; sys.path.insert(0, "tests/endpoint"); import ctl
print(len(ctl.get_stores("111111111111", "us-east-1")))')
got=$(sql "$db" "SELECT count(*) FROM stores")
check_eq "a plain scan returns the endpoint's $expected rows" "$expected" "$got"

# A clean request log, and the next KMS request hangs for 20 s.
hang_next_request() {
	$CTL reset
	$CTL fault hang --ms 20000 --operation DescribeCustomKeyStores
}

# True once the hung request has reached the endpoint.
request_arrived() {
	[ "$($CTL count --operation DescribeCustomKeyStores)" = "requests: 1" ]
}

# Sets pid to the backend running a query on $2 under application_name $1.
find_backend_of() {
	pid=$(sql "$db" "SELECT pid FROM pg_stat_activity
	                  WHERE application_name = '$1' AND state = 'active'
	                    AND query LIKE '%$2%'")
	[ -n "$pid" ]
}

# Sets pid to the backend running the scan under application_name $1.
find_backend() {
	pid=$(sql "$db" "SELECT pid FROM pg_stat_activity
	                  WHERE application_name = '$1' AND state = 'active'
	                    AND query LIKE '%FROM stores%'")
	[ -n "$pid" ]
}

# ---- a, c, d: pg_cancel_backend from a second session --------------------
hang_next_request
cat >"$suite_tmp/cancel.sql" <<'EOF'
\set VERBOSITY verbose
SET application_name = 'cks_cancel_a';
SELECT count(*) AS hung FROM stores;
SELECT 'after_cancel:' || count(*) FROM stores;
EOF
start=$(now_ms)
psql -X -At -d "$db" -f "$suite_tmp/cancel.sql" >"$suite_tmp/cancel.out" 2>&1 &
session=$!

pid=""
if ! wait_for 10 find_backend cks_cancel_a; then
	fail "the hung query shows up in pg_stat_activity"
else
	# let the request reach the endpoint and the backend settle into its wait
	wait_for 5 request_arrived
	sleep 0.2
	wait_event=$(sql "$db" "SELECT wait_event_type || '/' || wait_event
	                          FROM pg_stat_activity WHERE pid = $pid")
	check_eq "d. in-flight request: backend waits on an Extension event" \
		"Extension/Extension" "$wait_event"

	t0=$(now_ms)
	cancelled=$(sql "$db" "SELECT pg_cancel_backend($pid)")
	wait "$session"
	t1=$(now_ms)
	elapsed=$((t1 - t0))
	echo "# cancel latency: $elapsed ms (pg_cancel_backend call to the session's end)"
	check_eq "a. pg_cancel_backend accepted" "t" "$cancelled"
	check_lt "a. cancel ends the hung query within 1 s" "$elapsed" 1000
	check_eq "a. cancelled query fails with 57014" "57014" \
		"$(sqlstate_of "$suite_tmp/cancel.out")"
	check_lt "a. the session ended long before the 20 s hang" \
		"$((t1 - start))" 10000
	check_contains "c. the next query in the same session returns all rows" \
		"after_cancel:$expected" "$suite_tmp/cancel.out"
fi
wait "$session" 2>/dev/null

# ---- b, c: statement_timeout ---------------------------------------------
hang_next_request
t0=$(now_ms)
psql -X -At -d "$db" -v VERBOSITY=verbose \
	-c "SET statement_timeout = '500ms'" \
	-c "SELECT count(*) FROM stores" \
	-c "SELECT 'after_timeout:' || count(*) FROM stores" \
	>"$suite_tmp/timeout.out" 2>&1
t1=$(now_ms)
# the third statement is a fast scan; the time is dominated by the timeout
elapsed=$((t1 - t0))
echo "# statement_timeout 500ms: session took $elapsed ms"
check_eq "b. statement_timeout ends the hung query with 57014" "57014" \
	"$(sqlstate_of "$suite_tmp/timeout.out")"
check_contains "b. the error is the statement timeout" \
	"canceling statement due to statement timeout" "$suite_tmp/timeout.out"
check_between "b. ended soon after 500 ms" "$elapsed" 480 1500
check_contains "c. the next query after the timeout returns all rows" \
	"after_timeout:$expected" "$suite_tmp/timeout.out"

# ---- e: request_timeout_ms -------------------------------------------------
sql "$db" "ALTER SERVER kms OPTIONS (SET request_timeout_ms '300')"
hang_next_request
t0=$(now_ms)
psql -X -At -d "$db" -v VERBOSITY=verbose -c "SELECT count(*) FROM stores" \
	>"$suite_tmp/reqtimeout.out" 2>&1
t1=$(now_ms)
elapsed=$((t1 - t0))
echo "# request_timeout_ms 300, one attempt: failed after $elapsed ms"
check_eq "e. request_timeout_ms on a hung request fails with HV00N" "HV00N" \
	"$(sqlstate_of "$suite_tmp/reqtimeout.out")"
check_between "e. after about 300 ms" "$elapsed" 290 1000
check_contains "e. the detail names the timeout" "imeout" "$suite_tmp/reqtimeout.out"

# a timed-out attempt is retried: with 2 attempts, one hang costs ~300 ms
sql "$db" "ALTER SERVER kms OPTIONS (SET max_attempts '2')"
hang_next_request
t0=$(now_ms)
got=$(psql -X -q -At -d "$db" -c "SET cks_fdw.retry_base_delay_ms = 5" \
	-c "SELECT count(*) FROM stores" 2>&1)
t1=$(now_ms)
elapsed=$((t1 - t0))
echo "# request_timeout_ms 300, 2 attempts, first hangs: rows after $elapsed ms"
check_eq "e. the retry after a timed-out attempt returns all rows" "$expected" "$got"
check_between "e. the retry came after the 300 ms timeout" "$elapsed" 290 1500

# ---- f, g: cursors across a rolled-back savepoint ------------------------
# Three regions (14 + 2 + 1 stores for this account).  Every stream's
# first request starts at the cursor's first FETCH, inside the savepoint;
# the FETCH returns with the first page that arrives while the other
# regions' requests are still in flight.
sql "$db" "
CREATE SERVER kms3 FOREIGN DATA WRAPPER cks_fdw
  OPTIONS (region 'us-east-1,eu-west-1,ap-southeast-2',
           endpoint '$CKS_ENDPOINT_URL', sts_endpoint '$CKS_ENDPOINT_URL',
           request_timeout_ms '60000', max_attempts '1');
CREATE USER MAPPING FOR CURRENT_USER SERVER kms3
  OPTIONS (access_key_id 'AKIDCKSTEST111111111',
           secret_access_key 'cks/test/secret/111111111111/AAAAAAAAAAAA');
CREATE FOREIGN TABLE stores3 (custom_key_store_id text) SERVER kms3;
-- the rows left in a cursor, read through PL/pgSQL's FETCH
CREATE FUNCTION count_rest(c refcursor) RETURNS int LANGUAGE plpgsql AS \$\$
DECLARE r record; n int := 0;
BEGIN
  LOOP FETCH c INTO r; EXIT WHEN NOT FOUND; n := n + 1; END LOOP;
  RETURN n;
END \$\$;
-- a cursor opened outside, read inside and after an EXCEPTION block
CREATE FUNCTION cursor_across_exception() RETURNS int LANGUAGE plpgsql AS \$\$
DECLARE c refcursor; r record; n int := 0;
BEGIN
  OPEN c FOR SELECT custom_key_store_id FROM stores3;
  BEGIN
    FETCH c INTO r;
    FETCH c INTO r;
    n := 2;
    PERFORM 1 / 0;
  EXCEPTION WHEN division_by_zero THEN NULL;
  END;
  LOOP FETCH c INTO r; EXIT WHEN NOT FOUND; n := n + 1; END LOOP;
  RETURN n;
END \$\$;"
total3=17

# The SQL variant of the issue, up to the ROLLBACK TO.
cursor_prefix="BEGIN;
DECLARE c CURSOR FOR SELECT custom_key_store_id FROM stores3;
SAVEPOINT s;
MOVE 2 IN c;
ROLLBACK TO s;"

# f/g with 300 ms latency: every row arrives
$CTL reset
$CTL config latency_ms=300
t0=$(now_ms)
got=$(psql -X -q -At -d "$db" -v ON_ERROR_STOP=1 \
	-c "$cursor_prefix SELECT 'rest:' || count_rest('c'); COMMIT;" 2>&1)
t1=$(now_ms)
echo "# SQL cursor across ROLLBACK TO, 300 ms latency: $((t1 - t0)) ms"
check_eq "f. after ROLLBACK TO the cursor returns its other $((total3 - 2)) rows" \
	"rest:$((total3 - 2))" "$got"
check_lt "f. ... without spinning (ms)" "$((t1 - t0))" 10000
t0=$(now_ms)
got=$(sql "$db" "SELECT cursor_across_exception()" 2>&1)
t1=$(now_ms)
echo "# PL/pgSQL cursor across an EXCEPTION block, 300 ms latency: $((t1 - t0)) ms"
check_eq "g. the PL/pgSQL cursor returns all $total3 rows across the EXCEPTION block" \
	"$total3" "$got"
check_lt "g. ... without spinning (ms)" "$((t1 - t0))" 10000
$CTL reset

# For the timeout and cancel cases eu-west-1 hangs: its request, started
# inside the savepoint (or the EXCEPTION block), is what the later read
# waits on.
hang_eu_west() {
	$CTL reset
	$CTL fault hang --ms 20000 --region eu-west-1 --operation DescribeCustomKeyStores
}

# run_timed NAME PREFIX LAST: psql runs PREFIX, sets statement_timeout to
# 500ms and runs LAST; prints how long LAST took (ms).
run_timed() {
	local name=$1
	printf '%s\n' '\set VERBOSITY verbose' "$2" "SET statement_timeout = '500ms';" \
		"\\! date +%s%3N > $suite_tmp/$name.t0" "$3" \
		"\\! date +%s%3N > $suite_tmp/$name.t1" >"$suite_tmp/$name.sql"
	psql -X -At -d "$db" -f "$suite_tmp/$name.sql" >"$suite_tmp/$name.out" 2>&1
	echo $(($(cat "$suite_tmp/$name.t1") - $(cat "$suite_tmp/$name.t0")))
}

hang_eu_west
elapsed=$(run_timed f_timeout "$cursor_prefix" "SELECT count_rest('c');")
echo "# SQL cursor after ROLLBACK TO, statement_timeout 500ms: $elapsed ms"
check_eq "f. statement_timeout ends the cursor read after ROLLBACK TO with 57014" \
	"57014" "$(sqlstate_of "$suite_tmp/f_timeout.out")"
check_between "f. ... soon after 500 ms" "$elapsed" 480 1500

hang_eu_west
elapsed=$(run_timed g_timeout "" "SELECT cursor_across_exception();")
echo "# PL/pgSQL cursor after an EXCEPTION block, statement_timeout 500ms: $elapsed ms"
check_eq "g. statement_timeout ends the PL/pgSQL cursor read with 57014" \
	"57014" "$(sqlstate_of "$suite_tmp/g_timeout.out")"
check_between "g. ... soon after 500 ms" "$elapsed" 480 1500

# Sets pid to the backend under application_name $1 that waits on an
# Extension event (the hung request).
waiting_backend() {
	pid=$(sql "$db" "SELECT pid FROM pg_stat_activity
	                  WHERE application_name = '$1' AND state = 'active'
	                    AND wait_event_type = 'Extension'")
	[ -n "$pid" ]
}

# cancel_cursor_read NAME SQL LABEL: runs SQL under application_name NAME,
# cancels it once it waits on the hung request; it must end within 1 s.
cancel_cursor_read() {
	local name=$1 label=$3 session t0 t1
	hang_eu_west
	psql -X -At -d "$db" -v VERBOSITY=verbose \
		-c "SET application_name = '$name'" -c "$2" \
		>"$suite_tmp/$name.out" 2>&1 &
	session=$!
	pid=""
	if ! wait_for 10 waiting_backend "$name"; then
		fail "$label: the read waits on the hung request" \
			"$(sql "$db" "SELECT state, wait_event_type, wait_event, query
			               FROM pg_stat_activity WHERE application_name = '$name'")"
		kill "$session" 2>/dev/null
		wait "$session" 2>/dev/null
		return
	fi
	sleep 0.3
	t0=$(now_ms)
	sql "$db" "SELECT pg_cancel_backend($pid)" >/dev/null
	wait "$session"
	t1=$(now_ms)
	echo "# $label: cancel latency $((t1 - t0)) ms"
	check_lt "$label: pg_cancel_backend ends it within 1 s" "$((t1 - t0))" 1000
	check_eq "$label: ... with 57014" "57014" "$(sqlstate_of "$suite_tmp/$name.out")"
}

cancel_cursor_read cks_cancel_f "$cursor_prefix SELECT count_rest('c');" \
	"f. SQL cursor after ROLLBACK TO"
cancel_cursor_read cks_cancel_g "SELECT cursor_across_exception();" \
	"g. PL/pgSQL cursor after an EXCEPTION block"
$CTL reset

# ---- h: cancel during a 1,000-request fan-out ----------------------------
regions="us-east-1,us-east-2,us-west-1,us-west-2,eu-west-1,eu-west-2,eu-central-1,ap-south-1,ap-northeast-1,ca-central-1"
ids=$(for i in $(seq 1 100); do printf "'cks-%017x'," "$i"; done)
ids=${ids%,}
sql "$db" "
CREATE SERVER wide FOREIGN DATA WRAPPER cks_fdw
  OPTIONS (region '$regions', endpoint '$CKS_ENDPOINT_URL',
           max_concurrent_requests '250', max_attempts '1',
           request_timeout_ms '60000',
           -- a fan-out, not quota pacing, is what h is about
           request_quotas 'DescribeCustomKeyStores=100000');
CREATE USER MAPPING FOR CURRENT_USER SERVER wide
  OPTIONS (access_key_id 'AKIDCKSTEST111111111',
           secret_access_key 'cks/test/secret/111111111111/AAAAAAAAAAAA');
CREATE FOREIGN TABLE wide_stores (custom_key_store_id text) SERVER wide;"

# sockets a process holds (curl's connections, plus its client connection)
sockets_of() {
	ls -l "/proc/$1/fd" 2>/dev/null | grep -c 'socket:'
}
kms_requests() {
	$CTL count --operation DescribeCustomKeyStores | sed 's/^requests: //'
}
requests_at_least() {
	[ "$(kms_requests)" -ge "$1" ]
}
# KMS requests the endpoint saw start after epoch time $1
requests_started_after() {
	/usr/bin/python3 -c '
import sys; sys.path.insert(0, "tests/endpoint"); import ctl
t = float(sys.argv[1])
print(sum(1 for r in ctl.log()
          if r["operation"] == "DescribeCustomKeyStores" and r["start"] > t))' "$1"
}

$CTL reset
# a fan-out, not quota pacing, is what h is about: the endpoint's quotas
# are off too (1,000 lookups in one account at 5 per second per region
# would be throttled answers, not requests in flight to cancel)
$CTL config quotas=false kms_latency_ms=2000
cat >"$suite_tmp/fanout.sql" <<EOF
\set VERBOSITY verbose
SET application_name = 'cks_cancel_h';
SELECT count(*) AS fanout FROM wide_stores WHERE custom_key_store_id IN ($ids);
EOF
psql -X -At -d "$db" -f "$suite_tmp/fanout.sql" >"$suite_tmp/fanout.out" 2>&1 &
session=$!
pid=""
if ! wait_for 10 find_backend_of cks_cancel_h wide_stores ||
	! wait_for 20 requests_at_least 250; then
	fail "h. the fan-out's first 250 requests reach the endpoint" "$(kms_requests) requests"
	kill "$session" 2>/dev/null
else
	sleep 0.3
	in_flight_sockets=$(sockets_of "$pid")
	echo "# h. sockets of the backend with the first wave in flight: $in_flight_sockets"
	t0=$(now_ms)
	sql "$db" "SELECT pg_cancel_backend($pid)" >/dev/null
	wait "$session"
	t1=$(now_ms)
	cancel_epoch=$(/usr/bin/python3 -c 'import time; print(time.time())')
	echo "# h. cancel latency with 250 of 1,000 requests in flight: $((t1 - t0)) ms"
	check_lt "h. pg_cancel_backend ends the 1,000-request fan-out within 1 s" "$((t1 - t0))" 1000
	check_eq "h. ... with 57014" "57014" "$(sqlstate_of "$suite_tmp/fanout.out")"
	# the backend's cap is max_concurrent_requests (250) or what its fd
	# budget holds, whichever is less (~160 with an open-files limit of 1024)
	check_lt "h. a wide wave of requests was in flight (>= 150 sockets before the cancel)" 149 "$in_flight_sockets"
	sent=$(kms_requests)
	sleep 1
	check_eq "h. no request reached the endpoint after the cancel" 0 \
		"$(requests_started_after "$cancel_epoch")"
	check_eq "h. ... the request count stays at $sent" "$sent" "$(kms_requests)"
	check_lt "h. ... fewer than the 1,000 of the fan-out were sent" "$sent" 1000
fi
wait "$session" 2>/dev/null

# A session whose fan-out ended by statement_timeout, then idles: the
# in-flight connections are closed, not kept (the backend outlives the
# psql above, so look at a live one).
cat >"$suite_tmp/fanout2.sql" <<EOF
\set VERBOSITY verbose
SET application_name = 'cks_cancel_h2';
SET statement_timeout = '1500ms';
SELECT count(*) FROM wide_stores WHERE custom_key_store_id IN ($ids);
RESET statement_timeout;
SELECT 'after:' || count(*) FROM stores;
SELECT pg_sleep(3);
EOF
$CTL reset
$CTL config quotas=false kms_latency_ms=2000
psql -X -At -d "$db" -f "$suite_tmp/fanout2.sql" >"$suite_tmp/fanout2.out" 2>&1 &
session=$!
sleep 1.2
$CTL config kms_latency_ms=0
if wait_for 5 find_backend_of cks_cancel_h2 pg_sleep; then
	left=$(sockets_of "$pid")
	echo "# h. sockets of the backend idle after a fan-out ended by statement_timeout: $left"
	check_lt "h. after the fan-out, at most a few idle connections remain (not ~250)" "$left" 10
else
	fail "h. the session after the timed-out fan-out reaches pg_sleep"
fi
wait "$session"
check_eq "h. that fan-out failed with 57014" "57014" "$(sqlstate_of "$suite_tmp/fanout2.out")"
check_contains "h. the next query in that session returns all rows" "after:$expected" \
	"$suite_tmp/fanout2.out"

# ---- i, j: a backend blocked on a hung request does not wake up ---------
# Voluntary context switches over 2 s of a hung request: the old 50 ms
# slices gave ~40; an event-driven wait gives ~0.
ctxt_switches() {
	awk '/^voluntary_ctxt_switches/ {print $2}' "/proc/$1/status"
}
# (e set the first server's request timeout to 300 ms and 2 attempts)
sql "$db" "ALTER SERVER kms OPTIONS (SET request_timeout_ms '60000', SET max_attempts '1')"
sql "$db" "
CREATE SERVER kms2 FOREIGN DATA WRAPPER cks_fdw
  OPTIONS (region 'us-east-1', endpoint '$CKS_ENDPOINT_URL',
           request_timeout_ms '60000', max_attempts '1');
CREATE USER MAPPING FOR CURRENT_USER SERVER kms2
  OPTIONS (access_key_id 'AKIDCKSTEST222222222',
           secret_access_key 'cks/test/secret/222222222222/BBBBBBBBBBBB');
CREATE TABLE both_stores (custom_key_store_id text, account_id text)
  PARTITION BY LIST (account_id);
CREATE FOREIGN TABLE both_1 PARTITION OF both_stores
  FOR VALUES IN ('111111111111') SERVER kms;
CREATE FOREIGN TABLE both_2 PARTITION OF both_stores
  FOR VALUES IN ('222222222222') SERVER kms2;"
sql "$db" "EXPLAIN (COSTS OFF) SELECT count(*) FROM both_stores" >"$suite_tmp/plan_j"
check_contains "j. the two-server scan is an async Append" "Async Foreign Scan" "$suite_tmp/plan_j"

# idle_wait NAME QUERY LABEL HUNG_REQUESTS TABLE
idle_wait() {
	local name=$1 query=$2 label=$3 hung=$4 table=$5 before after
	$CTL reset
	$CTL fault hang --ms 20000 --count "$hung" --operation DescribeCustomKeyStores
	psql -X -At -d "$db" -v VERBOSITY=verbose -c "SET application_name = '$name'" \
		-c "$query" >"$suite_tmp/$name.out" 2>&1 &
	session=$!
	pid=""
	if ! wait_for 10 find_backend_of "$name" "$table" ||
		! wait_for 5 requests_at_least "$hung"; then
		fail "$label: the query hangs at the endpoint"
	else
		sleep 0.3
		before=$(ctxt_switches "$pid")
		sleep 2
		after=$(ctxt_switches "$pid")
		echo "# $label: voluntary context switches over 2 s of a hung request: $((after - before))"
		check_lt "$label: the waiting backend woke fewer than 5 times in 2 s" "$((after - before))" 5
		t0=$(now_ms)
		sql "$db" "SELECT pg_cancel_backend($pid)" >/dev/null
		wait "$session"
		t1=$(now_ms)
		check_lt "$label: cancel still lands within 1 s" "$((t1 - t0))" 1000
		check_eq "$label: ... with 57014" "57014" "$(sqlstate_of "$suite_tmp/$name.out")"
	fi
	kill "$session" 2>/dev/null
	wait "$session" 2>/dev/null
}
idle_wait cks_cancel_i "SELECT count(*) FROM stores" "i. synchronous scan" 1 "FROM stores"
idle_wait cks_cancel_j "SELECT count(*) FROM both_stores" "j. async Append" 2 "FROM both_stores"
$CTL reset

# nothing crashed along the way
check_eq "the server is still up" "1" "$(sql "$db" "SELECT 1")"

summary
