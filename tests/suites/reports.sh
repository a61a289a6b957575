#!/usr/bin/env bash
# Scheduled reports: loads the files of examples/ (the ones users read, not
# copies) into a fresh database against the local endpoint and checks that
# they do what their comments promise:
#   a. 00_server.sql refuses to run without keys, and loads with them,
#   b. snapshot_key_stores() writes one row per store the endpoint holds,
#      in one request per page per region, under one captured_at, or
#      nothing at all when a region fails; key_store_state_changes reports
#      first sightings and changes only,
#   c. unhealthy_key_stores lists exactly the stores that are not
#      CONNECTED (the endpoint's own data is the reference), with owners
#      where the inventory has them and NULL where not,
#   d. key_stores_cached refreshes CONCURRENTLY after the endpoint's data
#      changes, while another session is reading it,
#   e. export.sql writes a CSV with a header and one record per store,
#   f. cron.sql schedules the jobs and pg_cron really runs the snapshot
#      and refresh jobs in the report database after the endpoint's data
#      changed (job_run_details says succeeded, the history grows by one
#      full snapshot of the new data, the cached copy matches it),
#   g. the same jobs keep running once the user mapping holds no key but
#      credential_source 'instance' and a role_arn (IMDSv2, then AssumeRole).
# Runs inside a throwaway cluster started with pg_cron preloaded, see
# tests/in-cluster.sh and tests/run-all.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/suite.sh

db=cks_reports
account=111111111111
regions=us-east-1,eu-west-1
page_size=5
access_key=AKIDCKSTEST111111111
secret_key=cks/test/secret/111111111111/AAAAAAAAAAAA

# example FILE [psql options...]: loads examples/FILE into $db, stopping at
# the first error; output in $suite_tmp/FILE.out.
example() {
	local file=$1
	shift
	psql -X -q -v ON_ERROR_STOP=1 -d "$db" "$@" -f "examples/$file" \
		>"$suite_tmp/$file.out" 2>&1
}

# load_example FILE [psql options...]: example FILE as a check.
load_example() {
	if example "$@"; then
		ok "examples/$1 loads"
	else
		fail "examples/$1 loads" "$(cat "$suite_tmp/$1.out")"
	fi
}

# endpoint WHAT: the endpoint's own view of account $account in $regions,
# read through the control API (not through cks_fdw):
#   total      number of stores
#   unhealthy  ids of the stores whose ConnectionState is not CONNECTED
#   pages      DescribeCustomKeyStores requests a full scan needs
endpoint() {
	/usr/bin/python3 - "$1" "$account" "$regions" "$page_size" <<'EOF'
import sys
sys.path.insert(0, "tests/endpoint")
import ctl
what, account, regions, page_size = sys.argv[1:5]
lists = [ctl.get_stores(account, r) for r in regions.split(",")]
if what == "total":
    print(sum(len(l) for l in lists))
elif what == "unhealthy":
    for i in sorted(e["CustomKeyStoreId"] for l in lists for e in l
                    if e.get("ConnectionState") != "CONNECTED"):
        print(i)
elif what == "pages":
    # an empty list still costs one request
    print(sum(max(1, -(-len(l) // int(page_size))) for l in lists))
EOF
}

count_of_requests() {
	$CTL count "$@" | sed 's/^requests: //'
}

kms_requests() {
	$CTL count --operation DescribeCustomKeyStores | sed 's/^requests: //'
}

setup_db "$db" || { fail "create database $db"; summary; exit 1; }
$CTL reset

# --- a. the server file users adapt ----------------------------------------
if env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY \
	psql -X -q -v ON_ERROR_STOP=1 -d "$db" -f examples/00_server.sql \
	>"$suite_tmp/nokeys.out" 2>&1; then
	fail "00_server.sql without keys in the environment fails" "$(cat "$suite_tmp/nokeys.out")"
else
	check_contains "00_server.sql without keys says which variables to set" \
		"set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY" "$suite_tmp/nokeys.out"
fi

AWS_ACCESS_KEY_ID=$access_key AWS_SECRET_ACCESS_KEY=$secret_key \
	load_example 00_server.sql -v regions="$regions"
check_absent "loading 00_server.sql prints no secret" "$secret_key" "$suite_tmp/00_server.sql.out"
# the one difference from a real account: where AWS is
sql "$db" "ALTER SERVER kms_prod OPTIONS (ADD endpoint '$CKS_ENDPOINT_URL',
             ADD sts_endpoint '$CKS_ENDPOINT_URL', ADD page_size '$page_size')"

total=$(endpoint total)
pages=$(endpoint pages)
check_eq "custom_key_stores returns the endpoint's $total stores of $regions" \
	"$total" "$(sql "$db" "SELECT count(*) FROM custom_key_stores")"

# --- b. history -------------------------------------------------------------
load_example report_history.sql
load_example report_history.sql		# loading again changes nothing

$CTL reset
t0=$(now_ms)
written=$(sql "$db" "SELECT snapshot_key_stores()")
snapshot_ms=$(($(now_ms) - t0))
snapshot_requests=$(kms_requests)
check_eq "snapshot_key_stores() returns the number of stores" "$total" "$written"
check_eq "one snapshot costs one request per page per region ($pages)" \
	"$pages" "$snapshot_requests"
check_eq "the history holds one snapshot of $total rows under one captured_at" \
	"1|$total" "$(sql "$db" "SELECT count(DISTINCT captured_at), count(*) FROM key_store_history")"
check_eq "the snapshot has the same rows as the foreign table" "0|0" \
	"$(sql "$db" "SELECT
	    (SELECT count(*) FROM (SELECT account_id, region, custom_key_store_id, connection_state, connection_error_code FROM custom_key_stores
	                           EXCEPT SELECT account_id, region, custom_key_store_id, connection_state, connection_error_code FROM key_store_history) a),
	    (SELECT count(*) FROM (SELECT account_id, region, custom_key_store_id, connection_state, connection_error_code FROM key_store_history
	                           EXCEPT SELECT account_id, region, custom_key_store_id, connection_state, connection_error_code FROM custom_key_stores) b)")"

# a region that fails fails the whole snapshot: nothing is written
$CTL fault accessdenied --count 5 --operation DescribeCustomKeyStores --region eu-west-1
if sql "$db" "SELECT snapshot_key_stores()" >"$suite_tmp/denied.out" 2>&1; then
	fail "a snapshot fails when one region is denied" "$(cat "$suite_tmp/denied.out")"
else
	check_eq "a snapshot fails when one region is denied, and writes nothing" \
		"$total" "$(sql "$db" "SELECT count(*) FROM key_store_history")"
fi
$CTL reset

sql "$db" "SELECT snapshot_key_stores()" >/dev/null
check_eq "a second snapshot adds $total rows under a new captured_at" \
	"2|$((2 * total))" "$(sql "$db" "SELECT count(DISTINCT captured_at), count(*) FROM key_store_history")"
check_eq "two equal snapshots: state changes are the $total first sightings" \
	"$total" "$(sql "$db" "SELECT count(*) FROM key_store_state_changes")"
# a third, synthetic snapshot in which one CONNECTED store failed
changed=$(sql "$db" "INSERT INTO key_store_history
	  SELECT captured_at + interval '15 minutes', account_id, region, custom_key_store_id,
	         custom_key_store_name, custom_key_store_type, 'FAILED', 'NETWORK_ERRORS',
	         cloud_hsm_cluster_id, xks_proxy_uri_endpoint, creation_date
	    FROM key_store_history
	   WHERE connection_state = 'CONNECTED'
	   ORDER BY captured_at DESC, custom_key_store_id LIMIT 1
	  RETURNING custom_key_store_id")
check_eq "a state change is reported with the state before it" \
	"$((total + 1))|CONNECTED>FAILED" \
	"$(sql "$db" "SELECT (SELECT count(*) FROM key_store_state_changes),
	                     (SELECT previous_state || '>' || connection_state FROM key_store_state_changes
	                       WHERE custom_key_store_id = '$changed' AND previous_state IS NOT NULL)")"

# --- c. inventory and unhealthy stores -------------------------------------
load_example inventory.sql
load_example inventory.sql

endpoint unhealthy >"$suite_tmp/unhealthy.expected"
unhealthy=$(wc -l <"$suite_tmp/unhealthy.expected")
owned1=$(sed -n 1p "$suite_tmp/unhealthy.expected")
owned2=$(sed -n 2p "$suite_tmp/unhealthy.expected")
healthy=$(sql "$db" "SELECT min(custom_key_store_id) FROM custom_key_stores WHERE connection_state = 'CONNECTED'")
sql "$db" "INSERT INTO key_store_owners VALUES
	('$owned1', 'payments', 'CC-4711', 'payments-oncall@example.com'),
	('$owned2', 'identity', 'CC-0815', '#identity-oncall'),
	('$healthy', 'platform', 'CC-1000', 'platform@example.com'),
	('cks-00000000000000000', 'ghosts', NULL, NULL)"
sql "$db" "SELECT custom_key_store_id FROM unhealthy_key_stores ORDER BY 1" \
	>"$suite_tmp/unhealthy.actual"
if [ "$unhealthy" -gt 2 ] && diff "$suite_tmp/unhealthy.expected" "$suite_tmp/unhealthy.actual" >"$suite_tmp/unhealthy.diff"; then
	ok "unhealthy_key_stores lists exactly the endpoint's $unhealthy stores that are not CONNECTED (of $total)"
else
	fail "unhealthy_key_stores lists exactly the endpoint's stores that are not CONNECTED" \
		"$(cat "$suite_tmp/unhealthy.diff")"
fi
check_eq "unhealthy_key_stores: owners where the inventory has them, NULL for the $((unhealthy - 2)) others" \
	"$owned1 payments CC-4711|$owned2 identity CC-0815|$((unhealthy - 2))" \
	"$(sql "$db" "SELECT
	    (SELECT concat_ws(' ', custom_key_store_id, owner_team, cost_centre) FROM unhealthy_key_stores WHERE custom_key_store_id = '$owned1'),
	    (SELECT concat_ws(' ', custom_key_store_id, owner_team, cost_centre) FROM unhealthy_key_stores WHERE custom_key_store_id = '$owned2'),
	    (SELECT count(*) FROM unhealthy_key_stores WHERE owner_team IS NULL)")"
check_eq "an owned CONNECTED store is not unhealthy" "0" \
	"$(sql "$db" "SELECT count(*) FROM unhealthy_key_stores WHERE custom_key_store_id = '$healthy'")"
check_eq "unknown_owned_key_stores lists the inventory entry AWS does not know" \
	"cks-00000000000000000" "$(sql "$db" "SELECT string_agg(custom_key_store_id, ',') FROM unknown_owned_key_stores")"

# --- d. materialized view ---------------------------------------------------
load_example materialized.sql
load_example materialized.sql
check_eq "key_stores_cached holds the $total stores" "$total" \
	"$(sql "$db" "SELECT count(*) FROM key_stores_cached")"

# cached_matches: the copy equals the foreign table, both ways
cached_matches() {
	sql "$db" "SELECT
	    (SELECT count(*) FROM (SELECT account_id, region, custom_key_store_id, connection_state FROM custom_key_stores
	                           EXCEPT SELECT account_id, region, custom_key_store_id, connection_state FROM key_stores_cached) a)
	  + (SELECT count(*) FROM (SELECT account_id, region, custom_key_store_id, connection_state FROM key_stores_cached
	                           EXCEPT SELECT account_id, region, custom_key_store_id, connection_state FROM custom_key_stores) b)"
}

others=$((total - $(/usr/bin/python3 -c '
import sys; sys.path.insert(0, "tests/endpoint"); import ctl
print(len(ctl.get_stores(sys.argv[1], "us-east-1")))' "$account")))
for n in 37 3; do
	$CTL stores "$account" us-east-1 "$n" --prefix report
	check_eq "before the refresh the copy is unchanged ($total rows)" "$total" \
		"$(sql "$db" "SELECT count(*) FROM key_stores_cached")"
	if psql -X -q -v ON_ERROR_STOP=1 -d "$db" \
		-c "REFRESH MATERIALIZED VIEW CONCURRENTLY key_stores_cached" >"$suite_tmp/refresh.out" 2>&1; then
		total=$((n + others))
		check_eq "after the endpoint holds $n stores in us-east-1, REFRESH CONCURRENTLY gives $total rows" \
			"$total" "$(sql "$db" "SELECT count(*) FROM key_stores_cached")"
		check_eq "the refreshed copy equals the foreign table" "0" "$(cached_matches)"
	else
		fail "REFRESH MATERIALIZED VIEW CONCURRENTLY key_stores_cached" "$(cat "$suite_tmp/refresh.out")"
	fi
done

# a reader holding the view open does not block a concurrent refresh,
# and does block a plain one (which is why the file builds the index)
psql -X -q -d "$db" -c "BEGIN; SELECT count(*) FROM key_stores_cached; SELECT pg_sleep(4); COMMIT" \
	>/dev/null 2>&1 &
reader=$!
reader_holds_lock() {
	[ "$(sql "$db" "SELECT count(*) FROM pg_locks WHERE relation = 'key_stores_cached'::regclass
	                  AND pid <> pg_backend_pid() AND granted")" -gt 0 ]
}
if wait_for 5 reader_holds_lock; then
	check "REFRESH CONCURRENTLY does not wait for a reader (lock_timeout 1 s)" \
		sql "$db" "SET lock_timeout = '1s'; REFRESH MATERIALIZED VIEW CONCURRENTLY key_stores_cached"
	if sql "$db" "SET lock_timeout = '1s'; REFRESH MATERIALIZED VIEW key_stores_cached" 2>/dev/null; then
		fail "a plain REFRESH waits for the reader (the control case)"
	else
		ok "a plain REFRESH waits for the reader (the control case)"
	fi
else
	fail "a reader holds key_stores_cached open"
fi
wait "$reader"

$CTL reset			# the built-in data again
total=$(endpoint total)
sql "$db" "REFRESH MATERIALIZED VIEW CONCURRENTLY key_stores_cached"

# --- e. CSV export -----------------------------------------------------------
if psql -X -q -v ON_ERROR_STOP=1 -d "$db" -f examples/export.sql \
	>"$suite_tmp/export.csv" 2>"$suite_tmp/export.err"; then
	check_eq "export.sql: the first line is the header" \
		"account_id,region,custom_key_store_id,custom_key_store_name,custom_key_store_type,connection_state,connection_error_code,creation_date_utc,owner_team,cost_centre,contact" \
		"$(head -n 1 "$suite_tmp/export.csv")"
	check_eq "export.sql: header plus one line per store" "$((total + 1))" \
		"$(wc -l <"$suite_tmp/export.csv")"
	check_eq "export.sql: a CSV reader gets $total records of 11 fields, awkward names and owners intact" \
		"$total|11|1|1|payments" "$(/usr/bin/python3 - "$suite_tmp/export.csv" "$owned1" <<'EOF'
import csv, sys
with open(sys.argv[1], newline="", encoding="utf-8") as f:
    rows = list(csv.DictReader(f))
names = [r["custom_key_store_name"] for r in rows]
print("%d|%s|%d|%d|%s" % (
    len(rows), ",".join(sorted({str(len(r)) for r in rows})),
    names.count('it\'s a "quoted" back\\slash\\ name'),
    names.count("Ünïcode ключ 🔑"),
    "".join(r["owner_team"] for r in rows
            if r["custom_key_store_id"] == sys.argv[2])))
EOF
)"
else
	fail "export.sql runs" "$(cat "$suite_tmp/export.err")"
fi

# --- f. pg_cron ---------------------------------------------------------------
preload=$(sql postgres "SHOW shared_preload_libraries")
cron_version=$(sql postgres "SELECT default_version FROM pg_available_extensions WHERE name = 'pg_cron'")
echo "# pg_cron $cron_version (package $(dpkg-query -W -f '${Version}' postgresql-15-cron 2>/dev/null)), preloaded: $preload"
case ",$preload," in
*,pg_cron,*) ;;
*) fail "the cluster preloads pg_cron (start it as tests/run-all does)"; summary; exit 1 ;;
esac

# pg_cron jobs that belong to $db; cron.sql runs in the postgres database
sql postgres "CREATE EXTENSION IF NOT EXISTS pg_cron" >/dev/null
sql postgres "SELECT cron.unschedule(jobid) FROM cron.job WHERE database = '$db'" >/dev/null

if psql -X -q -v ON_ERROR_STOP=1 -d postgres -f examples/cron.sql \
	>"$suite_tmp/cron-nodb.out" 2>&1; then
	fail "cron.sql without report_db fails"
else
	check_contains "cron.sql without report_db says how to call it" "report_db" "$suite_tmp/cron-nodb.out"
fi
for round in 1 2; do	# loading again replaces the jobs
	if psql -X -q -v ON_ERROR_STOP=1 -d postgres -v report_db="$db" -f examples/cron.sql \
		>"$suite_tmp/cron.out" 2>&1; then
		ok "examples/cron.sql loads (round $round)"
	else
		fail "examples/cron.sql loads (round $round)" "$(cat "$suite_tmp/cron.out")"
	fi
done
check_eq "cron.sql schedules three jobs in $db, owned by the current role" \
	"cks-history-retention 30 3 * * *|cks-refresh */5 * * * *|cks-snapshot */15 * * * *|true" \
	"$(sql postgres "SELECT string_agg(jobname || ' ' || schedule, '|' ORDER BY jobname)
	                    || '|' || bool_and(username = current_user AND active)
	                   FROM cron.job WHERE database = '$db'")"

# pg_cron 1.5 knows '2 seconds'; older versions run at most once a minute
case "$cron_version" in
1.[0-4]|1.[0-4][.-]*) fast='* * * * *'; limit=75 ;;
*) fast='2 seconds'; limit=30 ;;
esac
jobid_of() {
	sql postgres "SELECT jobid FROM cron.job WHERE jobname = '$1' AND database = '$db'"
}
snap_job=$(jobid_of cks-snapshot)
refresh_job=$(jobid_of cks-refresh)
# retention is daily and has nothing to trim here: paused
sql postgres "SELECT cron.alter_job(jobid, active := false) FROM cron.job
               WHERE database = '$db' AND jobname = 'cks-history-retention'" >/dev/null

# new data at the endpoint, so that the refresh job's work shows
$CTL reset
$CTL stores "$account" us-east-1 7 --prefix cron
total=$(endpoint total)
rows_before=$(sql "$db" "SELECT count(*) FROM key_store_history")
scheduled_at=$(sql "$db" "SELECT clock_timestamp()")
t0=$(now_ms)
sql postgres "SELECT cron.alter_job(jobid, schedule := '$fast') FROM cron.job
               WHERE jobid IN ($snap_job, $refresh_job)" >/dev/null

# runs_with STATUS: how many runs of the two jobs ended with STATUS
runs_with() {
	sql postgres "SELECT count(*) FROM cron.job_run_details
	               WHERE jobid IN ($snap_job, $refresh_job) AND status = '$1'"
}
# jobs_done: each job has a succeeded run and its effect is visible
jobs_done() {
	[ "$(sql postgres "SELECT count(DISTINCT jobid) FROM cron.job_run_details
	                    WHERE jobid IN ($snap_job, $refresh_job) AND status = 'succeeded'")" = 2 ] &&
		[ "$(sql "$db" "SELECT count(*) FROM key_store_history")" -gt "$rows_before" ] &&
		[ "$(sql "$db" "SELECT count(*) FROM key_stores_cached")" = "$total" ]
}
deadline=$((t0 + limit * 1000))
while [ "$(now_ms)" -lt "$deadline" ] && ! jobs_done && [ "$(runs_with failed)" = 0 ]; do
	sleep 0.5
done
seen_ms=$(($(now_ms) - t0))
cron_requests=$(kms_requests)
if jobs_done; then
	ok "pg_cron ran the snapshot and refresh jobs (schedule '$fast') within ${limit} s"
	cron_captured=$(sql "$db" "SELECT min(captured_at) FROM key_store_history WHERE captured_at > '$scheduled_at'")
	cron_rows=$(sql "$db" "SELECT count(*) FROM key_store_history WHERE captured_at = '$cron_captured'")
	check_eq "the snapshot job wrote one row per store the endpoint now holds ($total)" "$total" "$cron_rows"
	check_eq "the refresh job made key_stores_cached equal the foreign table" "0" "$(cached_matches)"
	if [ "$fast" = '* * * * *' ]; then	# one run each before the next minute
		check_eq "each job's run cost one request per page per region" \
			"$((2 * $(endpoint pages)))" "$cron_requests"
	fi
	check_eq "both jobs ran as the current role in $db" "$db|true" \
		"$(sql postgres "SELECT string_agg(DISTINCT database || '|' || (username = current_user), ',')
		                   FROM cron.job_run_details WHERE jobid IN ($snap_job, $refresh_job)")"
	for job in $snap_job $refresh_job; do
		echo "# first run of job $job: $(sql postgres "SELECT d.command, d.status, d.return_message,
		         round(extract(epoch FROM start_time - '$scheduled_at'::timestamptz), 1) || ' s after scheduling',
		         round(extract(epoch FROM end_time - start_time) * 1000) || ' ms'
		    FROM cron.job_run_details d JOIN cron.job j USING (jobid)
		   WHERE jobid = $job ORDER BY d.runid LIMIT 1")"
	done
	echo "# seen by this poller after $seen_ms ms; rows written by the snapshot job: $cron_rows; KMS requests by the jobs: $cron_requests ($(endpoint pages) per run of either job)"
else
	fail "pg_cron ran the snapshot and refresh jobs (schedule '$fast') within ${limit} s" \
		"$(sql postgres "SELECT jobid, status, return_message FROM cron.job_run_details
		                  WHERE jobid IN ($snap_job, $refresh_job)")"
fi

# --- g. the same jobs with no key in the database ------------------------------
# The report's mapping switches to the instance role (credential_source
# 'instance', the local endpoint's IMDSv2) plus a role to assume: the jobs
# keep running every few seconds, each in a new background worker.
if ! server_env_is_local "$db"; then
	fail "keyless jobs: the server's environment points at the local endpoint (run through tests/run-all)"
else
sql "$db" "ALTER USER MAPPING FOR CURRENT_USER SERVER kms_prod
             OPTIONS (DROP access_key_id, DROP secret_access_key,
                      ADD credential_source 'instance',
                      ADD role_arn 'arn:aws:iam::111111111111:role/cks-reader')" >/dev/null
check_eq "the report's user mapping holds no key" "f" \
	"$(sql "$db" "SELECT array_to_string(umoptions, ',') ~ 'secret|access_key'
	               FROM pg_user_mappings WHERE srvname = 'kms_prod'")"
refused_before=$(($(count_of_requests --status 400) + $(count_of_requests --status 403)))
imds_before=$(count_of_requests --service imds --operation GetCredentials --status 200)
switched_at=$(sql "$db" "SELECT clock_timestamp()")
keyless_done() {
	[ "$(sql postgres "SELECT count(*) FROM cron.job_run_details
	                    WHERE jobid = $snap_job AND status = 'succeeded'
	                      AND start_time > '$switched_at'")" -ge 1 ]
}
keyless_failed() {
	[ "$(sql postgres "SELECT count(*) FROM cron.job_run_details
	                    WHERE jobid IN ($snap_job, $refresh_job) AND status = 'failed'
	                      AND start_time > '$switched_at'")" != 0 ]
}
deadline=$(($(now_ms) + limit * 1000))
while [ "$(now_ms)" -lt "$deadline" ] && ! keyless_done && ! keyless_failed; do
	sleep 0.5
done
if keyless_done && ! keyless_failed; then
	ok "pg_cron ran the snapshot job with credential_source 'instance' and a role"
	check_eq "... the snapshot wrote one row per store ($total)" "$total" \
		"$(sql "$db" "SELECT count(*) FROM key_store_history WHERE captured_at =
		               (SELECT min(captured_at) FROM key_store_history
		                 WHERE captured_at > '$switched_at')")"
	check_eq "... with credentials from IMDSv2" "yes" \
		"$([ "$(count_of_requests --service imds --operation GetCredentials --status 200)" -gt "$imds_before" ] && echo yes)"
	check_eq "... and the role assumed with them" "yes" \
		"$($CTL requests --operation AssumeRole --status 200 --fields params |
			grep -q 'cks-reader' && echo yes)"
	check_eq "... and no request refused" "$refused_before" \
		"$(($(count_of_requests --status 400) + $(count_of_requests --status 403)))"
else
	fail "pg_cron ran the snapshot job with credential_source 'instance' and a role" \
		"$(sql postgres "SELECT jobid, status, return_message FROM cron.job_run_details
		                  WHERE jobid IN ($snap_job, $refresh_job) AND start_time > '$switched_at'")"
fi
fi

sql postgres "SELECT cron.unschedule(jobid) FROM cron.job WHERE database = '$db'" >/dev/null
check_eq "every job of $db is unscheduled" "0" \
	"$(sql postgres "SELECT count(*) FROM cron.job WHERE database = '$db'")"

echo "# one snapshot: $written rows, $snapshot_requests DescribeCustomKeyStores requests ($regions, page_size $page_size), $snapshot_ms ms"
$CTL reset
summary
