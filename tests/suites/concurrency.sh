#!/usr/bin/env bash
# 16 sessions query the endpoint at once while faults are injected at
# random (throttling, dropped and reset connections, 503s, malformed and
# empty answers, stalls past request_timeout_ms).  Asserts that
#   - the postmaster never restarted and no backend died,
#   - every query either returned exactly the right number of rows or
#     failed with a clean SQL error of an expected SQLSTATE,
#   - every session ran its whole script (no session lost),
# and prints the figures: queries, successes, failures by SQLSTATE.
# Bounded: each session runs a fixed script, the fault injector stops by
# itself after 25 s at the latest.
# Runs inside a throwaway cluster, see tests/in-cluster.sh.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/suite.sh

db=cks_concurrency
sessions=16
queries_per_session=150
setup_db "$db" || { fail "create database $db"; summary; exit 1; }

# 250 generated stores in eu-west-1 next to the 14 built-in ones in
# us-east-1, read 100 per page: full scans span several pages in two
# regions at once.
$CTL reset
$CTL stores 111111111111 eu-west-1 250 --prefix conc >/dev/null
# Faults, not quota pacing, are what this suite is about: its 2,400 queries
# from one account and two regions would take 8 minutes at AWS's 5
# DescribeCustomKeyStores per second, so the endpoint's quotas are off here
# (throttling is still injected at random below; tests/suites/quotas.sh
# tests the quotas) and the server's own buckets are raised to match.
$CTL config quotas=false
sql "$db" "
CREATE SERVER kms FOREIGN DATA WRAPPER cks_fdw
  OPTIONS (region 'us-east-1,eu-west-1', endpoint '$CKS_ENDPOINT_URL',
           sts_endpoint '$CKS_ENDPOINT_URL', max_attempts '6', page_size '100',
           connect_timeout_ms '1000', request_timeout_ms '400',
           request_quotas 'DescribeCustomKeyStores=100000');
CREATE USER MAPPING FOR CURRENT_USER SERVER kms
  OPTIONS (access_key_id 'AKIDCKSTEST111111111',
           secret_access_key 'cks/test/secret/111111111111/AAAAAAAAAAAA');
CREATE FOREIGN TABLE stores (custom_key_store_id text, custom_key_store_name text,
                             region text, account_id text) SERVER kms;
ALTER DATABASE $db SET cks_fdw.retry_base_delay_ms = 5;"

# One script per session; each query prints "KIND EXPECTED ACTUAL".
/usr/bin/python3 - "$suite_tmp" "$sessions" "$queries_per_session" <<'EOF'
import random, sys
sys.path.insert(0, "tests/endpoint")
import ctl

out, sessions, per_session = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
us = [e["CustomKeyStoreId"] for e in ctl.get_stores("111111111111", "us-east-1")]
eu = [e["CustomKeyStoreId"] for e in ctl.get_stores("111111111111", "eu-west-1")]
ids = us + eu
total = len(ids)
rng = random.Random(42)


def query():
    r = rng.random()
    if r < 0.15:
        return "full", total, "SELECT count(*) FROM stores"
    if r < 0.25:
        return "region", len(eu), \
            "SELECT count(*) FROM stores WHERE region = 'eu-west-1'"
    if r < 0.55:
        sid = rng.choice(ids)
        return "id", 1, \
            "SELECT count(*) FROM stores WHERE custom_key_store_id = '%s'" % sid
    if r < 0.65:
        return "unknown_id", 0, ("SELECT count(*) FROM stores "
                                 "WHERE custom_key_store_id = 'cks-0000000000000000x'")
    picked = rng.sample(ids, 3)
    return "in", 3, ("SELECT count(*) FROM stores WHERE custom_key_store_id IN (%s)"
                     % ", ".join("'%s'" % s for s in picked))


for s in range(sessions):
    with open("%s/session%d.sql" % (out, s), "w") as f:
        f.write("\\set VERBOSITY verbose\n")
        for _ in range(per_session):
            kind, expected, text = query()
            f.write("SELECT '%s %d ' || n FROM (%s) q(n);\n" % (kind, expected, text))
EOF

start_time=$(sql "$db" "SELECT pg_postmaster_start_time()")
log_start=$(log_size)

# The fault injector: a random fault every ~100 ms until told to stop or
# 25 s have passed; prints how many of each it queued.
/usr/bin/python3 - "$suite_tmp/stop" >"$suite_tmp/injector.out" 2>&1 <<'EOF' &
import collections, os, random, sys, time
sys.path.insert(0, "tests/endpoint")
import ctl

stop_file = sys.argv[1]
deadline = time.time() + 25
rng = random.Random(7)
faults = [("throttle", dict(count=3)), ("close", {}), ("reset", {}),
          ("status503", dict(count=2)), ("status500", {}),
          ("malformed", {}), ("empty", {}), ("html502", {}),
          ("hang", dict(ms=1000))]
queued = collections.Counter()
while time.time() < deadline and not os.path.exists(stop_file):
    kind, args = rng.choice(faults)
    ctl.fault(kind, **args)
    queued[kind] += 1
    time.sleep(0.1)
print("faults queued:", " ".join("%s=%d" % kv for kv in sorted(queued.items())))
EOF
injector=$!

t0=$(now_ms)
workers=()
for s in $(seq 0 $((sessions - 1))); do
	timeout 60 psql -X -At -d "$db" -f "$suite_tmp/session$s.sql" \
		>"$suite_tmp/session$s.out" 2>&1 &
	workers+=($!)
done
for w in "${workers[@]}"; do wait "$w"; done
t1=$(now_ms)
touch "$suite_tmp/stop"
wait "$injector"
cat "$suite_tmp/injector.out"
echo "# $sessions sessions x $queries_per_session queries in $((t1 - t0)) ms"

# ---- results -------------------------------------------------------------
all="$suite_tmp/all.out"
cat "$suite_tmp"/session*.out >"$all"
total=$((sessions * queries_per_session))
good=$(grep -cE '^[a-z_]+ [0-9]+ [0-9]+$' "$all")
wrong=$(awk 'NF == 3 && $1 ~ /^[a-z_]+$/ && $2 ~ /^[0-9]+$/ && $2 != $3' "$all" | wc -l)
errors=$(grep -cE 'ERROR:  ' "$all")
echo "# queries: $total, returned rows: $good, failed: $errors"
echo "# failures by SQLSTATE:"
grep -oE 'ERROR:  [0-9A-Z]{5}' "$all" | awk '{print $2}' | sort | uniq -c |
	sed 's/^ */#   /'
echo "# successes by kind:"
grep -E '^[a-z_]+ [0-9]+ [0-9]+$' "$all" | awk '{print $1}' | sort | uniq -c |
	sed 's/^ */#   /'

check_eq "every query either returned rows or failed with an error" \
	"$total" "$((good + errors))"
check_eq "every successful query returned the right row count" 0 "$wrong"
unexpected=$(grep -E 'ERROR:  ' "$all" | grep -vE 'ERROR:  (HV00N|HV000|HV004):' | head -n 5)
check_eq "every failure has an expected SQLSTATE (HV00N, HV000, HV004)" "" "$unexpected"
lost=$(grep -E 'server closed the connection|connection to server was lost|FATAL' "$all" | head -n 3)
check_eq "no session lost its connection" "" "$lost"
check_lt "faults made some queries fail" 0 "$errors"
check_lt "most queries succeeded nonetheless" "$((total / 2))" "$good"
check_lt "the endpoint served some requests with an injected fault" 0 \
	"$(/usr/bin/python3 -c '
import sys; sys.path.insert(0, "tests/endpoint"); import ctl
print(sum(1 for r in ctl.log() if r["fault"]))')"

check_eq "the postmaster did not restart" "$start_time" \
	"$(sql "$db" "SELECT pg_postmaster_start_time()")"
log_since "$log_start" >"$suite_tmp/server.log"
crashes=$(grep -E 'terminated by signal|server process .* was terminated|exited with exit code|PANIC|TRAP:|all server processes terminated' \
	"$suite_tmp/server.log" | head -n 5)
check_eq "the server log shows no crashed backend" "" "$crashes"
# with the faults left in the queue dropped (and the built-in data back)
$CTL reset
check_eq "the server still answers with every row" \
	"$(/usr/bin/python3 -c '
import sys; sys.path.insert(0, "tests/endpoint"); import ctl
print(sum(len(ctl.get_stores("111111111111", r)) for r in ("us-east-1", "eu-west-1")))')" \
	"$(sql "$db" "SELECT count(*) FROM stores")"
summary
