#!/usr/bin/env bash
# Suite: keyless credentials (credential_source) against the local
# endpoint's IMDSv2, ECS credentials endpoint and AssumeRoleWithWebIdentity,
# which tests/run-all points the cluster's environment at
# (tools/endpoint.sh).  sql/keyless.sql has the option rules and one query
# per source; this suite has what needs the request log, time or files:
#   a. one credential fetch per backend for 120 partitions on 120 mappings,
#   b. refresh across expiry inside one long session (the endpoint hands
#      out 20-second credentials), for the instance, container and web
#      identity sources, with a stale IMDSv2 token (401) re-fetched once,
#   c. KMS answering ExpiredTokenException: credentials renewed once, the
#      query succeeds; twice in a row: an error, no loop, with a hint at
#      the credential source (not at keys the mapping does not have),
#   d. sources that are not available fail fast with an error naming the
#      source: a hung metadata service, a wrong container token, a missing
#      web identity token file,
#   e. in a scratch cluster with another environment: 'environment' and
#      'chain' from AWS_ACCESS_KEY_ID, a metadata endpoint nobody listens
#      on, a container URI off loopback (refused before any request), and
#      'chain' with nothing set up.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/suite.sh

db=cks_credentials
ep=$CKS_ENDPOINT_URL

# count_of FILTERS...: requests in the endpoint's log matching the filters
count_of() {
	$CTL count "$@" | sed 's/^requests: //'
}

# $suite_tmp/expire.py COUNT: the next COUNT KMS requests are refused with
# ExpiredTokenException (ctl.py's fault command has no --code)
cat >"$suite_tmp/expire.py" <<EOF
import sys
sys.path.insert(0, "$(pwd)/tests/endpoint")
import ctl
ctl.call("POST", "/_cks/fault", {
    "kind": "status", "status": 400, "code": "ExpiredTokenException",
    "message": "The security token included in the request is expired",
    "count": int(sys.argv[1]), "match": {"service": "kms"}})
EOF

setup_db "$db" || { fail "create database $db"; summary; exit 1; }
# the defaults (169.254.169.254, 169.254.170.2) must never be reached
if ! server_env_is_local "$db" || [ "${AWS_EC2_METADATA_SERVICE_ENDPOINT:-}" != "$ep" ]; then
	fail "the server's environment points at the local endpoint (run through tests/run-all)"
	dropdb "$db"
	summary
	exit 1
fi
$CTL reset
cat >"$suite_tmp/setup.sql" <<EOF
CREATE FUNCTION make_keyless(name text, source text) RETURNS void
LANGUAGE plpgsql AS \$\$
BEGIN
  EXECUTE format('CREATE SERVER %I FOREIGN DATA WRAPPER cks_fdw OPTIONS
                  (region ''us-east-1'', endpoint %L, sts_endpoint %L)',
                 name, '$ep', '$ep');
  EXECUTE format('CREATE USER MAPPING FOR CURRENT_USER SERVER %I
                  OPTIONS (credential_source %L)', name, source);
END \$\$;
SELECT make_keyless('instance', 'instance');
SELECT make_keyless('container', 'container');
SELECT make_keyless('web', 'web_identity');
CREATE FOREIGN TABLE instance_t (custom_key_store_id text, account_id text) SERVER instance;
CREATE FOREIGN TABLE container_t (custom_key_store_id text, account_id text) SERVER container;
CREATE FOREIGN TABLE web_t (custom_key_store_id text, account_id text) SERVER web;
-- 120 partitions, each on its own server and user mapping
CREATE TABLE parts (custom_key_store_id text, account_id text,
                    custom_key_store_name text)
  PARTITION BY LIST (custom_key_store_name);
SELECT count(make_keyless('p' || i, 'instance')) FROM generate_series(1, 120) i;
SELECT format('CREATE FOREIGN TABLE parts_%s PARTITION OF parts FOR VALUES IN (%L) SERVER p%s', i, 'p' || i, i)
  FROM generate_series(1, 120) i \\gexec
ALTER DATABASE $db SET cks_fdw.retry_base_delay_ms = 1;
EOF
psql -X -q -v ON_ERROR_STOP=1 -d "$db" -f "$suite_tmp/setup.sql" >"$suite_tmp/setup.out" 2>&1 ||
	fail "create servers, mappings and 120 partitions" "$(cat "$suite_tmp/setup.out")"

# ---- a. one fetch for 120 partitions ----------------------------------------
$CTL reset
rows=$(sql "$db" "SELECT count(*) FROM parts")
one_table=$(sql "$db" "SELECT count(*) FROM instance_t")
check_eq "120 partitions return 120 times one table's rows" \
	"$((one_table * 120))" "$rows"
# two backends ran: each fetched once (token, role, credentials)
check_eq "IMDS credentials fetched once per backend, not per partition" \
	2 "$(count_of --service imds --operation GetCredentials)"
check_eq "... and one session token per backend" \
	2 "$(count_of --service imds --operation GetToken)"
check_eq "... and 120 partitions' worth of KMS requests" \
	121 "$(count_of --operation DescribeCustomKeyStores --status 200)"

# ---- b. refresh across expiry in one long session, stale IMDS token -------
$CTL reset
$CTL config credential_lifetime_seconds=20
cat >"$suite_tmp/long.sql" <<EOF
\\set ON_ERROR_STOP 1
SELECT 'first: ' || count(*) FROM instance_t;
SELECT 'first: ' || count(*) FROM container_t;
SELECT 'first: ' || count(*) FROM web_t;
SELECT 'again: ' || count(*) FROM instance_t;
SELECT 'again: ' || count(*) FROM container_t;
SELECT 'again: ' || count(*) FROM web_t;
\\! $CTL count --service imds --operation GetCredentials >$suite_tmp/before.imds
\\! $CTL count --service ecs >$suite_tmp/before.ecs
\\! $CTL count --operation AssumeRoleWithWebIdentity >$suite_tmp/before.web
-- forget the IMDSv2 session tokens (and the log), keep 20-second credentials
\\! $CTL reset
\\! $CTL config credential_lifetime_seconds=20
-- past the expiry of everything fetched above
SELECT pg_sleep(21);
SELECT 'after: ' || count(*) FROM instance_t;
SELECT 'after: ' || count(*) FROM container_t;
SELECT 'after: ' || count(*) FROM web_t;
EOF
psql -X -At -d "$db" -f "$suite_tmp/long.sql" >"$suite_tmp/long.out" 2>&1
check_eq "the long session's nine queries all returned rows" 9 \
	"$(grep -cE '^(first|again|after): [1-9]' "$suite_tmp/long.out")"
for source in imds ecs web; do
	check_eq "$source: one fetch for two queries within the credentials' life" \
		"requests: 1" "$(cat "$suite_tmp/before.$source")"
done
check_eq "after expiry: IMDS credentials fetched again" \
	1 "$(count_of --service imds --operation GetCredentials --status 200)"
check_eq "after expiry: container credentials fetched again" \
	1 "$(count_of --service ecs --status 200)"
check_eq "after expiry: web identity exchanged again" \
	1 "$(count_of --operation AssumeRoleWithWebIdentity --status 200)"
check_eq "stale IMDSv2 token: one 401" \
	1 "$(count_of --service imds --status 401)"
check_eq "stale IMDSv2 token: re-fetched once" \
	1 "$(count_of --service imds --operation GetToken)"
check_eq "expired credentials were never sent to KMS" \
	0 "$(count_of --service kms --status 400)"

# ---- c. ExpiredTokenException from KMS --------------------------------------
$CTL reset
cat >"$suite_tmp/expired.sql" <<EOF
\\set VERBOSITY verbose
SELECT 'first: ' || count(*) FROM instance_t;
\\! $CTL count --service imds --operation GetCredentials >$suite_tmp/expired.before
\\! /usr/bin/python3 $suite_tmp/expire.py 1
SELECT 'renewed: ' || count(*) FROM instance_t;
\\! /usr/bin/python3 $suite_tmp/expire.py 2
SELECT 'twice: ' || count(*) FROM instance_t;
EOF
psql -X -At -d "$db" -f "$suite_tmp/expired.sql" >"$suite_tmp/expired.out" 2>&1
check_contains "ExpiredTokenException once: the query succeeds" "renewed: " \
	"$suite_tmp/expired.out"
check_eq "... after one more IMDS fetch" "requests: 1 -> 3" \
	"$(cat "$suite_tmp/expired.before") -> $(count_of --service imds --operation GetCredentials)"
check_contains "ExpiredTokenException twice: an error (28000)" \
	"ERROR:  28000:" "$suite_tmp/expired.out"
check_contains "... whose hint points at the mapping's credential source" \
	"HINT:  The user mapping takes its credentials from credential_source 'instance'" \
	"$suite_tmp/expired.out"
check_absent "... and not at keys the mapping does not have" \
	"Check access_key_id" "$suite_tmp/expired.out"
check_eq "... after exactly one renewal each time (no loop)" 3 \
	"$(count_of --service kms --status 400)"

# three regions, three streams in flight on the same credentials, all
# refused as expired: one renewal for the account, shared by the three.
# KMS answers after 300 ms, so that all three requests are on the wire
# before the first refusal comes back (the fault refuses the next three
# KMS requests, whatever they are signed with: a stream whose first
# request left after the renewal would be refused with fresh keys, which
# is a second expiry and an error, as it should be)
$CTL reset
$CTL config kms_latency_ms=300
cat >"$suite_tmp/expired3.sql" <<EOF
SELECT 'first: ' || count(*) FROM instance_t;
ALTER SERVER instance OPTIONS (SET region 'us-east-1,eu-west-1,ap-southeast-2');
CREATE FOREIGN TABLE instance3_t (region text) SERVER instance;
\\! $CTL count --service imds --operation GetCredentials >$suite_tmp/expired3.before
\\! /usr/bin/python3 $suite_tmp/expire.py 3
SELECT 'regions: ' || count(DISTINCT region) FROM instance3_t;
EOF
psql -X -At -d "$db" -f "$suite_tmp/expired3.sql" >"$suite_tmp/expired3.out" 2>&1
check_contains "3 streams refused as expired: the query gets every region" \
	"regions: 3" "$suite_tmp/expired3.out"
check_eq "... after one renewal for the account, not one per stream" \
	"requests: 1 -> 2" \
	"$(cat "$suite_tmp/expired3.before") -> $(count_of --service imds --operation GetCredentials)"
$CTL config kms_latency_ms=0
check_eq "... and the 3 refusals only" 3 "$(count_of --service kms --status 400)"

# ---- d. sources that are not available: fast errors naming them --------------
$CTL reset
$CTL fault hang --ms 30000 --count 4 --service imds
start=$(now_ms)
psql -X -d "$db" -v VERBOSITY=verbose -c "SELECT * FROM instance_t" \
	>"$suite_tmp/hang.out" 2>&1
elapsed=$(($(now_ms) - start))
check_contains "hung IMDS: the error names the source" \
	'credential_source "instance"' "$suite_tmp/hang.out"
check_eq "hung IMDS: SQLSTATE HV00N" HV00N "$(sqlstate_of "$suite_tmp/hang.out")"
check_lt "hung IMDS: the error comes within seconds (ms)" "$elapsed" 8000
$CTL reset

$CTL config ecs_auth_token=not-the-token-the-server-has
psql -X -d "$db" -v VERBOSITY=verbose -c "SELECT * FROM container_t" \
	>"$suite_tmp/ecs.out" 2>&1
check_contains "wrong container token: the error names the source" \
	'credential_source "container"' "$suite_tmp/ecs.out"
check_contains "... and the answer" "answered HTTP 403" "$suite_tmp/ecs.out"
check_eq "... SQLSTATE 28000" 28000 "$(sqlstate_of "$suite_tmp/ecs.out")"
$CTL reset

token_file=$AWS_WEB_IDENTITY_TOKEN_FILE
mv "$token_file" "$token_file.away"
psql -X -d "$db" -v VERBOSITY=verbose -c "SELECT * FROM web_t" \
	>"$suite_tmp/nofile.out" 2>&1
mv "$token_file.away" "$token_file"
check_contains "missing token file: the error names the source" \
	'credential_source "web_identity"' "$suite_tmp/nofile.out"
check_contains "... and the file" "$token_file" "$suite_tmp/nofile.out"
check_eq "... SQLSTATE 58P01" 58P01 "$(sqlstate_of "$suite_tmp/nofile.out")"
check_eq "... and nothing was sent to STS" 0 \
	"$(count_of --operation AssumeRoleWithWebIdentity)"

# ---- e. another environment: a scratch cluster -------------------------------
bindir=$(pg_config --bindir)
scratch=$(mktemp -d /tmp/cks-credentials.XXXXXX)
chmod 755 "$scratch"
mkdir "$scratch/data" "$scratch/run"
chown postgres: "$scratch/data" "$scratch/run"
chmod 700 "$scratch/data"
stop_scratch() {
	runuser -u postgres -- "$bindir/pg_ctl" stop -D "$scratch/data" -m fast \
		-w >/dev/null 2>&1 || true
}
trap 'stop_scratch; rm -rf "$scratch"' EXIT
# start_scratch VAR=VALUE...: the scratch server with exactly these AWS_*
start_scratch() {
	env -u AWS_EC2_METADATA_SERVICE_ENDPOINT -u AWS_CONTAINER_CREDENTIALS_FULL_URI \
		-u AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE -u AWS_WEB_IDENTITY_TOKEN_FILE \
		-u AWS_ROLE_ARN -u AWS_ROLE_SESSION_NAME "$@" \
		runuser -u postgres -- "$bindir/pg_ctl" start -D "$scratch/data" -w \
		-l "$scratch/run/server.log" \
		-o "-c listen_addresses='' -c unix_socket_directories=$scratch/run -c port=5432 -c fsync=off" \
		>/dev/null 2>&1
}
scratch_sql() {	# scratch_sql FILE: run FILE, output in FILE.out
	psql -X -At -h "$scratch/run" -p 5432 -U postgres -d postgres \
		-v VERBOSITY=verbose -v ep="$ep" -f "$1" >"$1.out" 2>&1
}
if runuser -u postgres -- "$bindir/initdb" -D "$scratch/data" -U postgres \
	-A trust --no-sync >"$scratch/initdb.log" 2>&1 &&
	start_scratch AWS_ACCESS_KEY_ID=AKIDCKSTEST111111111 \
		AWS_SECRET_ACCESS_KEY=cks/test/secret/111111111111/AAAAAAAAAAAA \
		AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:9 \
		AWS_CONTAINER_CREDENTIALS_FULL_URI=http://192.0.2.10/creds; then
	ok "scratch cluster with its own environment started"
else
	fail "scratch cluster with its own environment started" \
		"$(cat "$scratch/initdb.log" "$scratch/run/server.log" 2>/dev/null)"
fi
cat >"$scratch/env.sql" <<'EOF'
CREATE EXTENSION cks_fdw;
CREATE FUNCTION make_keyless(name text, source text, ep text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('CREATE SERVER %I FOREIGN DATA WRAPPER cks_fdw OPTIONS
                  (region ''us-east-1'', endpoint %L, sts_endpoint %L)', name, ep, ep);
  EXECUTE format('CREATE USER MAPPING FOR CURRENT_USER SERVER %I
                  OPTIONS (credential_source %L)', name, source);
  EXECUTE format('CREATE FOREIGN TABLE %I (custom_key_store_id text,
                  account_id text) SERVER %I', name || '_t', name);
END $$;
SELECT make_keyless(s, s, :'ep')
  FROM unnest(ARRAY['environment', 'chain', 'instance', 'container', 'web_identity']) s;
SELECT 'environment: ' || account_id || ' ' || count(*) FROM environment_t GROUP BY account_id;
SELECT 'chain: ' || account_id || ' ' || count(*) FROM chain_t GROUP BY account_id;
SELECT * FROM instance_t;
SELECT * FROM container_t;
SELECT * FROM web_identity_t;
EOF
$CTL reset
start=$(now_ms)
scratch_sql "$scratch/env.sql"
elapsed=$(($(now_ms) - start))
check_contains "environment keys: rows of their account" \
	"environment: 111111111111 " "$scratch/env.sql.out"
check_contains "chain picks the environment keys first" \
	"chain: 111111111111 " "$scratch/env.sql.out"
check_contains "no metadata service listening: an error naming 'instance'" \
	'credential_source "instance"' "$scratch/env.sql.out"
check_contains "container URI off loopback: refused, naming 'container'" \
	'credential_source "container"' "$scratch/env.sql.out"
check_contains "... and saying why" "to a host other than a loopback address" \
	"$scratch/env.sql.out"
check_contains "web identity not set up: an error naming 'web_identity'" \
	'credential_source "web_identity"' "$scratch/env.sql.out"
check_lt "the three unavailable sources failed within seconds (ms)" "$elapsed" 10000
check_eq "nothing was sent to the metadata services" 0 \
	"$(($(count_of --service imds) + $(count_of --service ecs)))"

stop_scratch
start_scratch AWS_EC2_METADATA_DISABLED=true ||
	fail "scratch cluster restarted with AWS_EC2_METADATA_DISABLED"
echo "SELECT * FROM chain_t;" >"$scratch/none.sql"
scratch_sql "$scratch/none.sql"
check_contains "chain with nothing set up: an error naming 'chain'" \
	'credential_source "chain"' "$scratch/none.sql.out"
check_contains "... saying why" "AWS_EC2_METADATA_DISABLED is true" \
	"$scratch/none.sql.out"
stop_scratch

sql "$db" "ALTER DATABASE $db RESET ALL"
dropdb "$db"
summary
