#!/usr/bin/env bash
# The keys table's extra calls under AWS's quotas (issue 23): the local
# endpoint enforces GetKeyLastUsage's 5 requests per second per account and
# region (tests/endpoint/quotas.py) and the extra calls of a batch of rows
# run at once through the request scheduler (src/scan/extra_calls.c).
#   a. last use of 10 keys by id, quotas on: every value equal to
#      botocore's reading, one GetKeyLastUsage per key, 0 throttled
#      answers, paced (5 at once, then 5/s: about a second),
#   b. the calls are concurrent: at 200 ms per request and 50/s allowed,
#      ~100 GetKeyLastUsage calls take about N / rate, not N x 200 ms
#      (one after another: 20 s), with several in flight at once,
#   c. KMS answering ExpiredTokenException to GetKeyLastUsage: the keys
#      are renewed once (one more IMDS fetch) and the query succeeds;
#      refused again after the renewal: an error (28000), no loop.
# Runs inside a throwaway cluster, see tests/in-cluster.sh.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/suite.sh

db=cks_keyquotas
ep=$CKS_ENDPOINT_URL
setup_db "$db" || { fail "create database $db"; summary; exit 1; }

throttled() {
	/usr/bin/python3 -c 'import sys; sys.path.insert(0, "tests/endpoint"); import ctl; print(ctl.call("GET", "/_cks/quotas")["throttled"])'
}
count_of() {
	$CTL count "$@" | sed 's/^requests: //'
}

sql "$db" "
CREATE SERVER kms FOREIGN DATA WRAPPER cks_fdw
  OPTIONS (region 'us-east-1', endpoint '$ep');
CREATE USER MAPPING FOR CURRENT_USER SERVER kms
  OPTIONS (access_key_id 'AKIDCKSTEST111111111',
           secret_access_key 'cks/test/secret/111111111111/AAAAAAAAAAAA');
CREATE FOREIGN TABLE keys (key_id text, last_used_at timestamptz,
  last_used_operation text, last_used_request_id text,
  usage_tracking_start timestamptz)
  SERVER kms OPTIONS (table 'keys');
CREATE SERVER west FOREIGN DATA WRAPPER cks_fdw
  OPTIONS (region 'us-west-2', endpoint '$ep', request_quotas 'GetKeyLastUsage=50');
CREATE USER MAPPING FOR CURRENT_USER SERVER west
  OPTIONS (access_key_id 'AKIDCKSTEST111111111',
           secret_access_key 'cks/test/secret/111111111111/AAAAAAAAAAAA');
CREATE FOREIGN TABLE west_keys (key_id text, last_used_at timestamptz,
  usage_tracking_start timestamptz)
  SERVER west OPTIONS (table 'keys');"

# ---- a. 10 keys by id, quotas on --------------------------------------------
$CTL reset
$CTL config quotas=false >/dev/null
cat >"$suite_tmp/boto.sql" <<SQL
CREATE TABLE boto_raw (b64 text);
\\copy boto_raw FROM PROGRAM 'python3 tests/lib/botocore_list.py us-east-1 AKIDCKSTEST111111111 cks/test/secret/111111111111/AAAAAAAAAAAA --what key-extras'
CREATE TABLE boto AS
  SELECT convert_from(decode(b64, 'base64'), 'UTF8')::jsonb AS e FROM boto_raw;
SQL
psql -X -q -v ON_ERROR_STOP=1 -d "$db" -f "$suite_tmp/boto.sql" >"$suite_tmp/boto.out" 2>&1 ||
	fail "botocore's reading of us-east-1" "$(cat "$suite_tmp/boto.out")"
ids=$(sql "$db" "SELECT string_agg(quote_literal(id), ',') FROM (SELECT e->>'KeyId' AS id FROM boto
                  WHERE e->>'KeyManager' = 'CUSTOMER' ORDER BY 1 LIMIT 10) s")
used=$(sql "$db" "SELECT count(*) FROM boto WHERE e->>'KeyId' IN ($ids) AND e#>'{_Usage,KeyLastUsage}' IS NOT NULL")
echo "# 10 customer keys of us-east-1, $used of them used since tracking began"

$CTL reset
$CTL config quotas=true >/dev/null
sleep 1.1
t0=$(now_ms)
got=$(sql "$db" "SELECT count(*) FROM keys k JOIN boto b ON b.e->>'KeyId' = k.key_id
  WHERE k.key_id IN ($ids)
   AND k.last_used_at IS NOT DISTINCT FROM (b.e#>>'{_Usage,KeyLastUsage,Timestamp}')::timestamptz
   AND k.last_used_operation IS NOT DISTINCT FROM b.e#>>'{_Usage,KeyLastUsage,Operation}'
   AND k.last_used_request_id IS NOT DISTINCT FROM b.e#>>'{_Usage,KeyLastUsage,KmsRequestId}'
   AND k.usage_tracking_start IS NOT DISTINCT FROM (b.e#>>'{_Usage,TrackingStartDate}')::timestamptz" 2>&1)
t1=$(now_ms)
n=$(throttled)
echo "# last use of 10 keys by id, quotas on: $((t1 - t0)) ms, $n throttled"
check_eq "a. last use of 10 keys by id: every value equal to botocore's" 10 "$got"
check "a. ... some of them used (not a comparison of NULLs only)" [ "${used:-0}" -gt 0 ]
check_eq "a. ... one GetKeyLastUsage per key" 10 "$(count_of --operation GetKeyLastUsage)"
check_eq "a. ... 0 throttled answers (the endpoint's counter)" 0 "$n"
check_eq "a. ... no answer but 200 in the endpoint's log" 0 \
	"$($CTL requests --fields status | grep -cv '^200$' || true)"
check_lt "a. ... paced to 5/s, no slower (ms)" "$((t1 - t0))" 3000

# ---- b. concurrent, paced by the quota --------------------------------------
$CTL reset
$CTL keys 111111111111 us-west-2 100 >/dev/null
$CTL config quotas=true 'quota_rates={"GetKeyLastUsage": 50}' latency_ms=200 >/dev/null
sleep 1.1
t0=$(now_ms)
got=$(sql "$db" "SELECT count(*) || ' ' || count(usage_tracking_start) FROM west_keys" 2>&1)
t1=$(now_ms)
ms=$((t1 - t0))
calls=$(count_of --operation GetKeyLastUsage)
overlap=$(/usr/bin/python3 tests/lib/max_in_flight.py --operation GetKeyLastUsage | grep -oE "[0-9]+$")
floor=$((calls * 1000 / 50))
echo "# $calls GetKeyLastUsage at 200 ms each, 50/s allowed: $ms ms (quota floor $floor ms, one after another $((calls * 200)) ms), ${overlap:-?} at once at most, $(throttled) throttled"
nkeys=${got%% *}
check_eq "b. every key's last use read" "$nkeys $nkeys" "$got"
check_eq "b. ... one GetKeyLastUsage per key" "$nkeys" "$calls"
check "b. ... for at least the 100 generated customer keys" [ "${calls:-0}" -ge 100 ]
check "b. ... several in flight at once (not one after another)" [ "${overlap:-0}" -ge 5 ]
check_lt "b. ... in about N / rate + a few round trips, not N x 200 ms (ms)" \
	"$ms" $((floor + 2500))
check_eq "b. ... 0 throttled answers" 0 "$(throttled)"
$CTL reset

# ---- c. ExpiredTokenException on GetKeyLastUsage: renewed once -----------------
if ! server_env_is_local "$db"; then
	fail "the server's environment points at the local endpoint (run through tests/run-all)"
else
	cat >"$suite_tmp/expire.py" <<PY
import sys
sys.path.insert(0, "$(pwd)/tests/endpoint")
import ctl
ctl.call("POST", "/_cks/fault", {
    "kind": "status", "status": 400, "code": "ExpiredTokenException",
    "message": "The security token included in the request is expired",
    "count": int(sys.argv[1]),
    "match": {"service": "kms", "operation": "GetKeyLastUsage"}})
PY
	sql "$db" "
CREATE SERVER instance FOREIGN DATA WRAPPER cks_fdw
  OPTIONS (region 'us-east-1', endpoint '$ep', sts_endpoint '$ep');
CREATE USER MAPPING FOR CURRENT_USER SERVER instance OPTIONS (credential_source 'instance');
CREATE FOREIGN TABLE instance_keys (key_id text, usage_tracking_start timestamptz)
  SERVER instance OPTIONS (table 'keys');"
	cat >"$suite_tmp/expired.sql" <<SQL
\\set VERBOSITY verbose
SELECT 'first: ' || count(usage_tracking_start) FROM instance_keys;
\\! $CTL count --service imds --operation GetCredentials >$suite_tmp/expired.before
\\! /usr/bin/python3 $suite_tmp/expire.py 1
SELECT 'renewed: ' || count(usage_tracking_start) FROM instance_keys;
\\! $CTL count --service imds --operation GetCredentials >$suite_tmp/expired.after
\\! /usr/bin/python3 $suite_tmp/expire.py 1000
SELECT 'always: ' || count(usage_tracking_start) FROM instance_keys;
SQL
	$CTL reset
	psql -X -At -d "$db" -f "$suite_tmp/expired.sql" >"$suite_tmp/expired.out" 2>&1
	first=$(grep -oE '^first: [0-9]+' "$suite_tmp/expired.out")
	first=${first#first: }
	check "c. the keys' last use through instance credentials" [ "${first:-0}" -gt 0 ]
	check_eq "c. ExpiredTokenException once on GetKeyLastUsage: the query succeeds, every row" \
		"renewed: $first" "$(grep -oE '^renewed: [0-9]+' "$suite_tmp/expired.out")"
	check_eq "c. ... after one more IMDS fetch" "requests: 1 -> requests: 2" \
		"$(cat "$suite_tmp/expired.before") -> $(cat "$suite_tmp/expired.after")"
	check_contains "c. refused again after the renewal: an error (28000)" \
		"ERROR:  28000:" "$suite_tmp/expired.out"
	check_contains "c. ... naming the call" "GetKeyLastUsage of key" "$suite_tmp/expired.out"
	check_eq "c. ... after exactly one more renewal (no loop)" "requests: 3" \
		"$($CTL count --service imds --operation GetCredentials)"
fi
$CTL reset

dropdb "$db"
summary
