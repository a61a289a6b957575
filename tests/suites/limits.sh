#!/usr/bin/env bash
# Bounds on what one endpoint answer can cost, which pg_regress cannot
# measure (peak memory of the backend, the server log):
#   a. an 8 MiB 200 page of empty entries ({"CustomKeyStores":[{},{},...]})
#      is refused before parsing, and the backend's peak RSS (VmHWM) stays
#      below 256 MB (it once reached 3.2 GB),
#   b. a 2xx body over 16 MiB is cut off at 16 MiB, again with a low peak,
#   c. an error (non-2xx) body is cut off at 64 KiB,
#   d. a scan follows at most cks_fdw.max_pages pages per listing,
#   e. clock-skew correction believes a Date header only within 24 hours:
#      year 9999 or two days off are ignored (and logged), 15 minutes off
#      is corrected (and logged),
#   f. a 2xx STS answer just under 16 MiB of empty elements (<a/><a/>...)
#      is refused before libxml2 builds anything: the backend's peak stays
#      below 256 MB (it took about 565 MB),
#   g. sixteen regions answering 12 MiB pages at once stay within
#      cks_fdw.max_response_memory (32MB here: the transfers wait) and the
#      rows are the same as without padding; an answer that can never fit
#      fails with 53200 and a hint naming the setting,
#   h. a cursor mid-scan shows its response memory in
#      pg_backend_memory_contexts ("cks_fdw response memory"), given back
#      when the cursor closes.
# Runs inside a throwaway cluster, see tests/in-cluster.sh.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/suite.sh

db=cks_limits
setup_db "$db" || { fail "create database $db"; summary; exit 1; }

$CTL reset
sql "$db" "
CREATE SERVER kms FOREIGN DATA WRAPPER cks_fdw
  OPTIONS (region 'us-east-1', endpoint '$CKS_ENDPOINT_URL',
           sts_endpoint '$CKS_ENDPOINT_URL', max_attempts '1');
CREATE USER MAPPING FOR CURRENT_USER SERVER kms
  OPTIONS (access_key_id 'AKIDCKSTEST111111111',
           secret_access_key 'cks/test/secret/111111111111/AAAAAAAAAAAA');
CREATE FOREIGN TABLE stores (custom_key_store_id text) SERVER kms;
CREATE FOREIGN TABLE paged_stores (custom_key_store_id text) SERVER kms
  OPTIONS (page_size '1');"

# run_measured NAME FAULT SQL: in a fresh session, a warm-up scan, then
# the endpoint fault (ctl.py fault arguments) is queued and SQL run; psql's
# output goes to $suite_tmp/NAME.out, and hwm_before and hwm_after are set
# to the backend's VmHWM (kB) after the warm-up and at the end.
run_measured() {
	cat >"$suite_tmp/$1.sql" <<EOF
\set VERBOSITY verbose
SELECT pg_backend_pid() AS pid \gset
\setenv CKS_BACKEND_PID :pid
SELECT count(*) AS warmup FROM stores;
\! grep VmHWM /proc/\$CKS_BACKEND_PID/status > $suite_tmp/$1.before
\! $CTL reset
\! $CTL fault $2
$3
\! grep VmHWM /proc/\$CKS_BACKEND_PID/status > $suite_tmp/$1.after
EOF
	psql -X -At -d "$db" -f "$suite_tmp/$1.sql" >"$suite_tmp/$1.out" 2>&1
	hwm_before=$(awk '{print $2}' "$suite_tmp/$1.before" 2>/dev/null)
	hwm_after=$(awk '{print $2}' "$suite_tmp/$1.after" 2>/dev/null)
}

# ---- a: the 8 MiB empty-entries bomb --------------------------------------
run_measured bomb "empty_entries --bytes 8388608 --operation DescribeCustomKeyStores" \
	"SELECT count(*) FROM stores;"
echo "# 8 MiB empty-entries page: backend VmHWM ${hwm_before} kB before, ${hwm_after} kB after"
check_eq "a. the bomb fails with HV004 (bad response)" "HV004" \
	"$(sqlstate_of "$suite_tmp/bomb.out")"
check_contains "a. the detail says the body is too dense" \
	"response body is too dense to parse" "$suite_tmp/bomb.out"
check_lt "a. peak RSS of the backend stays below 256 MB (kB)" \
	"${hwm_after:-x}" 262144
check_lt "a. the bomb raised the peak by less than 64 MB (kB)" \
	"$(( ${hwm_after:-999999} - ${hwm_before:-0} ))" 65536
check_eq "a. the endpoint sent the bomb once" "requests: 1" \
	"$($CTL count --operation DescribeCustomKeyStores)"

# ---- b: a 2xx body over the 16 MiB page cap -------------------------------
run_measured huge "empty_entries --bytes 41943040 --operation DescribeCustomKeyStores" \
	"SELECT count(*) FROM stores;"
echo "# 40 MiB page: backend VmHWM ${hwm_before} kB before, ${hwm_after} kB after"
check_eq "b. a 40 MiB page fails with HV00N (cut off in transport)" "HV00N" \
	"$(sqlstate_of "$suite_tmp/huge.out")"
check_contains "b. the detail names the 16 MiB cap" \
	"response body larger than 16777216 bytes" "$suite_tmp/huge.out"
check_lt "b. peak RSS of the backend stays below 256 MB (kB)" \
	"${hwm_after:-x}" 262144

# ---- c: an error body over the 64 KiB cap ---------------------------------
run_measured bigerror "big_error --bytes 1048576 --operation DescribeCustomKeyStores" \
	"SELECT count(*) FROM stores;"
check_eq "c. a 1 MiB error body fails with HV00N" "HV00N" \
	"$(sqlstate_of "$suite_tmp/bigerror.out")"
check_contains "c. the detail names the 64 KiB cap" \
	"response body larger than 65536 bytes" "$suite_tmp/bigerror.out"
$CTL reset
$CTL fault big_error --bytes 60000 --operation DescribeCustomKeyStores
psql -X -At -d "$db" -v VERBOSITY=verbose -c "SELECT count(*) FROM stores" \
	>"$suite_tmp/smallerror.out" 2>&1
# read whole, its ThrottlingException is recognized and retried on the
# throttling budget (issue 21): an unreadable 400 would fail the query
check_eq "c. a 60 kB error body is read whole: the throttling is recognized and retried" \
	"14" "$(cat "$suite_tmp/smallerror.out")"
check_eq "c. ... one retry" "requests: 2" "$($CTL count --operation DescribeCustomKeyStores)"

# ---- d: cks_fdw.max_pages -------------------------------------------------
$CTL reset
got=$(sql "$db" "SELECT count(*) FROM paged_stores")
check_eq "d. page_size 1: the 14 stores of us-east-1 in 14 pages" "14" "$got"
check_eq "d. one request per page" "requests: 14" \
	"$($CTL count --operation DescribeCustomKeyStores)"
$CTL reset
psql -X -At -d "$db" -v VERBOSITY=verbose -c "SET cks_fdw.max_pages = 5" \
	-c "SELECT count(*) FROM paged_stores" >"$suite_tmp/pages.out" 2>&1
check_eq "d. more pages than cks_fdw.max_pages fails with HV000" "HV000" \
	"$(sqlstate_of "$suite_tmp/pages.out")"
check_contains "d. the message names the cap" "returned more than 5 pages" \
	"$suite_tmp/pages.out"
check_eq "d. no request beyond the cap" "requests: 5" \
	"$($CTL count --operation DescribeCustomKeyStores)"
$CTL reset
$CTL fault loop_marker --count 1000 --operation DescribeCustomKeyStores
got=$(psql -X -At -d "$db" -v VERBOSITY=verbose -c "SELECT count(*) FROM paged_stores" 2>&1)
check_contains "d. a repeated marker is still caught at once" \
	"NextMarker it had already returned" <(echo "$got")
check_eq "d. ... after two requests" "requests: 2" \
	"$($CTL count --operation DescribeCustomKeyStores)"
# a non-superuser cannot raise it
sql "$db" "DROP ROLE IF EXISTS cks_limits_user; CREATE ROLE cks_limits_user"
got=$(psql -X -At -d "$db" -c "LOAD 'cks_fdw'" -c "SET ROLE cks_limits_user" \
	-c "SET cks_fdw.max_pages = 1000000" 2>&1)
check_contains "d. cks_fdw.max_pages is superuser-only" "permission denied" <(echo "$got")

# ---- e: clock skew ---------------------------------------------------------
# skew_query NAME: one query in a fresh session (the learned offset lives
# per backend), with the server log written meanwhile in NAME.log
skew_query() {
	local at
	at=$(log_size)
	psql -X -At -d "$db" -v VERBOSITY=verbose -c "SELECT count(*) FROM stores" \
		>"$suite_tmp/$1.out" 2>&1
	sleep 0.3	# let the logging collector write
	log_since "$at" >"$suite_tmp/$1.log"
}

$CTL reset
$CTL config clock_offset_seconds=900 "date_header=Fri, 31 Dec 9999 23:59:59 GMT"
skew_query skew9999
check_eq "e. a Date header in year 9999 is not believed: the skew error stays (28000)" \
	"28000" "$(sqlstate_of "$suite_tmp/skew9999.out")"
check_eq "e. ... and no second, 'corrected' request is sent" "requests: 1" \
	"$($CTL count --operation DescribeCustomKeyStores)"
check_contains "e. ... and the server log says why" \
	"not correcting the clock for $CKS_ENDPOINT_URL" "$suite_tmp/skew9999.log"

two_days=$(TZ=GMT date -d '+2 days' '+%a, %d %b %Y %H:%M:%S GMT')
$CTL reset
$CTL config clock_offset_seconds=900 "date_header=$two_days"
skew_query skew2d
check_eq "e. a Date header two days ahead is not believed either" \
	"28000" "$(sqlstate_of "$suite_tmp/skew2d.out")"
check_contains "e. ... logged" "more than 24 hours off" "$suite_tmp/skew2d.log"

$CTL reset
$CTL config clock_offset_seconds=900
skew_query skew15m
check_eq "e. 15 minutes off is corrected: all rows" "14" \
	"$(tail -n 1 "$suite_tmp/skew15m.out")"
check_contains "e. ... and the correction is logged" \
	"correcting the clock for $CKS_ENDPOINT_URL by 9" "$suite_tmp/skew15m.log"
$CTL reset

# ---- f: the STS bomb: 16 MiB of empty XML elements -----------------------
sql "$db" "
CREATE SERVER kms_role FOREIGN DATA WRAPPER cks_fdw
  OPTIONS (region 'us-east-1', endpoint '$CKS_ENDPOINT_URL',
           sts_endpoint '$CKS_ENDPOINT_URL', max_attempts '1');
CREATE USER MAPPING FOR CURRENT_USER SERVER kms_role
  OPTIONS (access_key_id 'AKIDCKSTEST111111111',
           secret_access_key 'cks/test/secret/111111111111/AAAAAAAAAAAA',
           role_arn 'arn:aws:iam::222222222222:role/cks-reader');
CREATE FOREIGN TABLE role_stores (custom_key_store_id text) SERVER kms_role;"
run_measured stsbomb "empty_elements --bytes 16777215 --service sts --operation AssumeRole" \
	"SELECT count(*) FROM role_stores;"
echo "# 16 MiB STS answer of empty elements: backend VmHWM ${hwm_before} kB before, ${hwm_after} kB after"
check_contains "f. the STS bomb is refused as too dense" \
	"response body is too dense to parse: 4194282 elements" "$suite_tmp/stsbomb.out"
check_eq "f. ... with HV004 (bad response)" "HV004" \
	"$(sqlstate_of "$suite_tmp/stsbomb.out")"
check_lt "f. peak RSS of the backend stays below 256 MB (kB)" \
	"${hwm_after:-x}" 262144
check_lt "f. the bomb raised the peak by less than 64 MB (kB)" \
	"$(( ${hwm_after:-999999} - ${hwm_before:-0} ))" 65536
check_eq "f. the endpoint sent the bomb once" "requests: 1" \
	"$($CTL count --operation AssumeRole)"

# ---- g: one response memory budget for many large answers at once --------
regions="us-east-1,us-east-2,us-west-1,us-west-2,eu-west-1,eu-west-2,eu-west-3,eu-central-1,eu-north-1,ap-southeast-1,ap-southeast-2,ap-northeast-1,ap-northeast-2,ap-south-1,sa-east-1,ca-central-1"
sql "$db" "
CREATE SERVER kms_wide FOREIGN DATA WRAPPER cks_fdw
  OPTIONS (region '$regions', endpoint '$CKS_ENDPOINT_URL',
           sts_endpoint '$CKS_ENDPOINT_URL', max_attempts '1');
CREATE USER MAPPING FOR CURRENT_USER SERVER kms_wide
  OPTIONS (access_key_id 'AKIDCKSTEST111111111',
           secret_access_key 'cks/test/secret/111111111111/AAAAAAAAAAAA');
CREATE FOREIGN TABLE wide_stores (custom_key_store_id text, region text)
  SERVER kms_wide;"
$CTL reset
rows_digest="SELECT count(*) || ' ' || md5(string_agg(region || custom_key_store_id, ',' ORDER BY region, custom_key_store_id)) FROM wide_stores;"
want=$(sql "$db" "$rows_digest")
run_measured budget "padded_page --bytes 12582912 --count 16 --operation DescribeCustomKeyStores" \
	"SET cks_fdw.max_response_memory = '32MB';
$rows_digest"
echo "# 16 regions x 12 MiB pages within a 32MB budget: backend VmHWM ${hwm_before} kB before, ${hwm_after} kB after"
check_eq "g. the rows are the same as without padding" "$want" \
	"$(tail -n 1 "$suite_tmp/budget.out")"
check_eq "g. every region was answered with a 12 MiB page" "requests: 16" \
	"$($CTL count --operation DescribeCustomKeyStores)"
# the budget, one page's parse at its peak (a 12 MiB string: 24 MB, counted
# past the budget: parsing cannot wait), and 32 MB for everything else
check_lt "g. 192 MiB of pages raised the peak by less than 32MB + 24 MB + 32 MB (kB)" \
	"$(( ${hwm_after:-999999} - ${hwm_before:-0} ))" $(( (32 + 24 + 32) * 1024 ))
$CTL reset
$CTL fault padded_page --bytes 4194304 --operation DescribeCustomKeyStores
psql -X -At -d "$db" -v VERBOSITY=verbose -c "SET cks_fdw.max_response_memory = '2MB'" \
	-c "SELECT count(*) FROM stores" >"$suite_tmp/nofit.out" 2>&1
check_eq "g. a 4 MiB page with a 2MB budget fails with 53200" "53200" \
	"$(sqlstate_of "$suite_tmp/nofit.out")"
check_contains "g. ... and the hint names the setting" \
	"Raise cks_fdw.max_response_memory" "$suite_tmp/nofit.out"

# ---- h: the memory shows in pg_backend_memory_contexts --------------------
$CTL reset
$CTL fault padded_page --bytes 4194304 --count 16 --operation DescribeCustomKeyStores
cat >"$suite_tmp/cursor.sql" <<'EOF'
BEGIN;
DECLARE c CURSOR FOR SELECT custom_key_store_id FROM wide_stores;
FETCH 1 FROM c \g /dev/null
SELECT 'mid-scan', total_bytes, ident FROM pg_backend_memory_contexts
  WHERE name = 'cks_fdw response memory';
COMMIT;
SELECT 'after', total_bytes, ident FROM pg_backend_memory_contexts
  WHERE name = 'cks_fdw response memory';
EOF
psql -X -At -d "$db" -f "$suite_tmp/cursor.sql" >"$suite_tmp/cursor.out" 2>&1
sed 's/^/# /' "$suite_tmp/cursor.out"
mid_used=$(sed -n 's/^mid-scan|[0-9]*|\([0-9]*\) of .*/\1/p' "$suite_tmp/cursor.out")
mid_parsed=$(sed -n 's/^mid-scan|.*, \([0-9]*\) of them parse results$/\1/p' "$suite_tmp/cursor.out")
check_lt "h. mid-scan, the held 4 MiB page is counted as parse results (bytes)" \
	4194303 "${mid_parsed:-0}"
check_lt "h. ... within what is in use" "$(( ${mid_parsed:-1} - 1 ))" "${mid_used:-0}"
check_eq "h. after the cursor closes, 0 bytes are in use" "0" \
	"$(sed -n 's/^after|[0-9]*|\([0-9]*\) of .*/\1/p' "$suite_tmp/cursor.out")"
$CTL reset

check_eq "the server is still up" "1" "$(sql "$db" "SELECT 1")"
summary
