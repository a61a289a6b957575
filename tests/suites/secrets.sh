#!/usr/bin/env bash
# No secret ever leaves the user mapping: after a session full of failures
# (wrong secret, rejected session token, a wrong secret with temporary
# credentials -- KMS then echoes the canonical request, session token
# included, as AWS does --, an STS answer whose token carries CR LF,
# throttling until retries run out,
# malformed / empty / HTML answers, an unreachable endpoint, AssumeRole
# refused for a wrong external id, and failures while assumed-role
# credentials are in use), no secret access key and no session token
# appears in
#   - the server log written during that session (debug2, verbose errors,
#     every statement logged),
#   - anything psql received (errors, warnings, debug messages, rows),
#   - EXPLAIN (VERBOSE, ANALYZE) output,
#   - pg_stat_activity while a request hangs,
# and, for user mappings with a credential_source, no credential the
# sources hand over and no token that fetches them (end of this file).
# The user mappings holding the secrets are created BEFORE the server log
# position is taken: their statements contain the secrets by necessity.
#
# Secrets checked: the three static secrets of tests/endpoint/fixtures.py,
# a wrong secret and a session token given in user mappings, and every
# session token the endpoint issues (they all start with the same fixed
# prefix, see new_temporary_credentials in kms_endpoint.py).  The random
# secret access keys the endpoint issues with them cannot be read back from
# the endpoint, so they are not checked here.
# Runs inside a throwaway cluster, see tests/in-cluster.sh.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/suite.sh

db=cks_secrets
setup_db "$db" || { fail "create database $db"; summary; exit 1; }

SECRET_1=cks/test/secret/111111111111/AAAAAAAAAAAA
SECRET_2=cks/test/secret/222222222222/BBBBBBBBBBBB
SECRET_3=cks/test/secret/333333333333/CCCCCCCCCCCC
WRONG_SECRET=wrong/secret/not-the-right-one/0123456789xyz
GIVEN_TOKEN=FwoGZXIvYXdzEKr//////////wEaDcks-test-given-session-token-0123
ISSUED_TOKEN_PREFIX=IQoJb3JpZ2luX2VjE
INJECTED_HEADER=X-Cks-Injected

# Temporary credentials issued by the endpoint, given to a mapping with a
# wrong secret: KMS answers InvalidSignatureException with the canonical
# request, whose x-amz-security-token line is this token.
temp=$(/usr/bin/python3 tests/lib/temp_credentials.py cks-secrets-echo 2>&1)
read -r TEMP_KEY_ID _ TEMP_TOKEN <<<"$temp"
[ -n "$TEMP_TOKEN" ] || fail "temporary credentials from the endpoint" "$temp"
secrets_checked=(SECRET_1 SECRET_2 SECRET_3 WRONG_SECRET GIVEN_TOKEN
	ISSUED_TOKEN_PREFIX TEMP_KEY_ID TEMP_TOKEN INJECTED_HEADER)

# every secret named above is absent from FILE
check_no_secrets() {	# check_no_secrets WHERE FILE
	local name
	for name in "${secrets_checked[@]}"; do
		check_absent "$1: no $name" "${!name}" "$2"
	done
}

# ---- setup: the only statements that carry secrets ------------------------
$CTL reset
ep=$CKS_ENDPOINT_URL
sql "$db" "
-- server NAME: endpoint ENDPOINT; one table NAME_t per server
CREATE FUNCTION make_server(name text, endpoint text, extra text DEFAULT '')
RETURNS void LANGUAGE plpgsql AS \$\$
BEGIN
  EXECUTE format('CREATE SERVER %I FOREIGN DATA WRAPPER cks_fdw OPTIONS
                  (region %L, endpoint %L, sts_endpoint %L, max_attempts ''3'',
                   connect_timeout_ms ''500'', request_timeout_ms ''5000'' %s)',
                 name, 'us-east-1', endpoint, endpoint, extra);
  EXECUTE format('CREATE FOREIGN TABLE %I (custom_key_store_id text,
                  custom_key_store_name text, account_id text) SERVER %I',
                 name || '_t', name);
END \$\$;
SELECT make_server('s_good', '$ep');
SELECT make_server('s_wrong', '$ep');
SELECT make_server('s_token', '$ep');
SELECT make_server('s_down', 'http://127.0.0.1:9');
SELECT make_server('s_ext_wrong', '$ep');
SELECT make_server('s_role', '$ep');
SELECT make_server('s_warn', '$ep', ', on_error ''warn''');
SELECT make_server('s_echo', '$ep');
SELECT make_server('s_crlf', '$ep');
ALTER SERVER s_warn OPTIONS (SET region 'us-east-1,eu-west-1');
CREATE USER MAPPING FOR CURRENT_USER SERVER s_good
  OPTIONS (access_key_id 'AKIDCKSTEST111111111', secret_access_key '$SECRET_1');
CREATE USER MAPPING FOR CURRENT_USER SERVER s_warn
  OPTIONS (access_key_id 'AKIDCKSTEST111111111', secret_access_key '$SECRET_1');
CREATE USER MAPPING FOR CURRENT_USER SERVER s_wrong
  OPTIONS (access_key_id 'AKIDCKSTEST111111111', secret_access_key '$WRONG_SECRET');
CREATE USER MAPPING FOR CURRENT_USER SERVER s_token
  OPTIONS (access_key_id 'AKIDCKSTEST222222222', secret_access_key '$SECRET_2',
           session_token '$GIVEN_TOKEN');
CREATE USER MAPPING FOR CURRENT_USER SERVER s_down
  OPTIONS (access_key_id 'AKIDCKSTEST222222222', secret_access_key '$SECRET_2');
CREATE USER MAPPING FOR CURRENT_USER SERVER s_ext_wrong
  OPTIONS (access_key_id 'AKIDCKSTEST333333333', secret_access_key '$SECRET_3',
           role_arn 'arn:aws:iam::333333333333:role/cks-reader-ext',
           external_id 'wrong');
CREATE USER MAPPING FOR CURRENT_USER SERVER s_role
  OPTIONS (access_key_id 'AKIDCKSTEST333333333', secret_access_key '$SECRET_3',
           role_arn 'arn:aws:iam::333333333333:role/cks-reader-ext',
           external_id 'ext-id-42');
CREATE USER MAPPING FOR CURRENT_USER SERVER s_echo
  OPTIONS (access_key_id '$TEMP_KEY_ID', secret_access_key '$WRONG_SECRET',
           session_token '$TEMP_TOKEN');
CREATE USER MAPPING FOR CURRENT_USER SERVER s_crlf
  OPTIONS (access_key_id 'AKIDCKSTEST111111111', secret_access_key '$SECRET_1',
           role_arn 'arn:aws:iam::111111111111:role/cks-reader');
CREATE ROLE cks_secrets_nopriv LOGIN;
ALTER DATABASE $db SET log_min_messages = 'debug2';
ALTER DATABASE $db SET log_error_verbosity = 'verbose';
ALTER DATABASE $db SET log_statement = 'all';
ALTER DATABASE $db SET cks_fdw.retry_base_delay_ms = 5;" >/dev/null ||
	fail "create servers and user mappings"

# ---- the failure run -------------------------------------------------------
log_start=$(log_size)

cat >"$suite_tmp/failures.sql" <<'EOF'
\set VERBOSITY verbose
SET client_min_messages = debug2;
-- wrong secret (28000)
SELECT * FROM s_wrong_t;
-- a session token the endpoint rejects (28000)
SELECT * FROM s_token_t;
-- temporary credentials with a wrong secret: KMS echoes the canonical
-- request, session token included (28000)
SELECT custom_key_store_id, custom_key_store_name FROM s_echo_t;
-- STS hands out a session token with CR LF in it (HV004), then a good one
\! /usr/bin/python3 tests/endpoint/ctl.py fault crlf_token --operation AssumeRole
SELECT * FROM s_crlf_t;
SELECT 'crlf retry rows: ' || count(*) FROM s_crlf_t;
-- an unreachable endpoint (HV00N)
SELECT * FROM s_down_t;
-- AssumeRole with the wrong external id (42501)
SELECT * FROM s_ext_wrong_t;
-- AssumeRole that works: temporary credentials with a session token
SELECT 'role rows: ' || count(*) FROM s_role_t;
-- throttled until max_attempts runs out, with static credentials (HV000)
\! /usr/bin/python3 tests/endpoint/ctl.py fault throttle --count 3 --operation DescribeCustomKeyStores
SELECT * FROM s_good_t;
-- the same with the assumed-role credentials
\! /usr/bin/python3 tests/endpoint/ctl.py fault throttle --count 3 --operation DescribeCustomKeyStores
SELECT * FROM s_role_t;
-- answers that are not AWS's (HV004 / HV000)
\! /usr/bin/python3 tests/endpoint/ctl.py fault malformed --operation DescribeCustomKeyStores
SELECT * FROM s_good_t;
\! /usr/bin/python3 tests/endpoint/ctl.py fault malformed --operation DescribeCustomKeyStores
SELECT * FROM s_role_t;
\! /usr/bin/python3 tests/endpoint/ctl.py fault empty --operation DescribeCustomKeyStores
SELECT * FROM s_role_t;
\! /usr/bin/python3 tests/endpoint/ctl.py fault html502 --count 3 --operation DescribeCustomKeyStores
SELECT * FROM s_role_t;
\! /usr/bin/python3 tests/endpoint/ctl.py fault status500 --count 3 --operation DescribeCustomKeyStores
SELECT * FROM s_good_t;
\! /usr/bin/python3 tests/endpoint/ctl.py fault accessdenied --operation DescribeCustomKeyStores
SELECT * FROM s_role_t;
-- a failing region skipped with a WARNING (on_error 'warn')
\! /usr/bin/python3 tests/endpoint/ctl.py fault status500 --count 3 --region eu-west-1
SELECT 'warn rows: ' || count(*) FROM s_warn_t;
-- failures inside PL/pgSQL, caught and shown through GET STACKED DIAGNOSTICS
\! /usr/bin/python3 tests/endpoint/ctl.py fault throttle --count 3 --operation DescribeCustomKeyStores
DO $$
DECLARE m text; d text; h text; c text;
BEGIN
  PERFORM * FROM s_role_t;
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS m = MESSAGE_TEXT, d = PG_EXCEPTION_DETAIL,
                          h = PG_EXCEPTION_HINT, c = PG_EXCEPTION_CONTEXT;
  RAISE NOTICE 'caught: % / % / % / %', m, d, h, c;
END $$;
EOF
psql -X -d "$db" -f "$suite_tmp/failures.sql" >"$suite_tmp/client.out" 2>&1

# The run did what it is meant to: each kind of failure happened.
for state in 28000 HV00N 42501 HV000 HV004; do
	if grep -qE "ERROR:  $state:" "$suite_tmp/client.out"; then
		ok "failure run: an error with SQLSTATE $state"
	else
		fail "failure run: an error with SQLSTATE $state" "$(cat "$suite_tmp/client.out")"
	fi
done
errors=$(grep -cE 'ERROR:  [0-9A-Z]{5}:' "$suite_tmp/client.out")
echo "# failure run: $errors errors"
check_lt "failure run: at least 12 errors" 11 "$errors"
check_contains "failure run: AssumeRole with the right external id returned rows" \
	"role rows: " "$suite_tmp/client.out"
# (only s_echo reaches KMS with a wrong signature; the endpoint then
# echoes the token, see test_wrong_secret_echoes_the_session_token)
check_eq "failure run: KMS answered InvalidSignatureException" "yes" \
	"$($CTL requests --operation DescribeCustomKeyStores --fields error_code |
		grep -q "^InvalidSignatureException$" && echo yes)"
check_contains "failure run: the signature error shows AWS's first sentence" \
	"Consult the service documentation for details. (HTTP 400" \
	"$suite_tmp/client.out"
check_absent "failure run: ... and not the canonical string" \
	"Canonical String" "$suite_tmp/client.out"
check_contains "failure run: a CR LF session token from STS is refused" \
	"<AssumeRoleResponse/AssumeRoleResult/Credentials/SessionToken> contains a space or a control character" \
	"$suite_tmp/client.out"
check_contains "failure run: the next AssumeRole works" "crlf retry rows: " \
	"$suite_tmp/client.out"
check_contains "failure run: a failing region gave a WARNING" "WARNING:" \
	"$suite_tmp/client.out"
check_contains "failure run: a caught error was shown by PL/pgSQL" "caught: " \
	"$suite_tmp/client.out"
check_eq "failure run: the endpoint issued temporary credentials" "yes" \
	"$($CTL requests --operation AssumeRole --status 200 --fields status |
		grep -q 200 && echo yes)"

# ---- EXPLAIN (VERBOSE, ANALYZE) ---------------------------------------------
psql -X -d "$db" -v VERBOSITY=verbose >"$suite_tmp/explain.out" 2>&1 <<'EOF'
EXPLAIN (VERBOSE, ANALYZE) SELECT * FROM s_good_t;
EXPLAIN (VERBOSE, ANALYZE) SELECT * FROM s_role_t WHERE custom_key_store_id = 'cks-0000';
EXPLAIN (VERBOSE, ANALYZE, FORMAT json) SELECT * FROM s_role_t;
EXPLAIN (VERBOSE, ANALYZE) SELECT * FROM s_token_t;
EOF
check_contains "EXPLAIN ANALYZE ran" "Foreign Scan" "$suite_tmp/explain.out"

# ---- pg_stat_activity while a request hangs -------------------------------
$CTL fault hang --ms 20000 --operation DescribeCustomKeyStores
psql -X -d "$db" -c "SET application_name = 'cks_secrets_hang'" \
	-c "SELECT * FROM s_role_t" >"$suite_tmp/hang.out" 2>&1 &
session=$!
hung_query_seen() {
	sql "$db" "SELECT pid, state, wait_event_type, query FROM pg_stat_activity" \
		>"$suite_tmp/activity.out"
	grep -q "s_role_t" "$suite_tmp/activity.out"
}
check "pg_stat_activity shows the hung query" wait_for 10 hung_query_seen
sleep 0.3
sql "$db" "SELECT * FROM pg_stat_activity" >>"$suite_tmp/activity.out"
sql "$db" "SELECT pg_cancel_backend(pid) FROM pg_stat_activity
            WHERE application_name = 'cks_secrets_hang'" >/dev/null
wait "$session"
cat "$suite_tmp/hang.out" >>"$suite_tmp/client.out"

# ---- where the secrets must not be ----------------------------------------
log_since "$log_start" >"$suite_tmp/server.log"
echo "# server log written during the run: $(wc -l <"$suite_tmp/server.log") lines"
check_lt "server log: the failures were logged (ERROR lines)" 11 \
	"$(grep -c 'ERROR:' "$suite_tmp/server.log")"
check_contains "server log: debug messages were logged too" "DEBUG:" \
	"$suite_tmp/server.log"
check_no_secrets "server log" "$suite_tmp/server.log"
check_absent "server log: no canonical string echoed by KMS" \
	"Canonical String" "$suite_tmp/server.log"
check_no_secrets "client output" "$suite_tmp/client.out"
check_no_secrets "EXPLAIN (VERBOSE, ANALYZE)" "$suite_tmp/explain.out"
check_no_secrets "pg_stat_activity" "$suite_tmp/activity.out"

# ---- pieces of secrets echoed in an error ----------------------------------
# An endpoint that quotes half the session token, a piece of it URL-encoded
# or JSON-escaped, half the secret access key and part of the key id: every
# run of 8 or more characters of a secret is redacted, whatever its form.
# Fresh temporary credentials (all three parts known) so that the request
# is signed right and the fault applies.
pieces=$(/usr/bin/python3 - <<'PY'
import json, sys, urllib.parse
sys.path.insert(0, "tests/lib")
from temp_credentials import assume_role
key, secret, token = assume_role("cks-secrets-pieces")
# a stretch of the token with characters that encode (+ and /)
at = min(i for i in range(len(token)) if token[i] in "+/")
stretch = token[max(0, at - 20):at + 20]
forms = {
    "HALF_TOKEN": token[len(token) // 2:],
    "URL_PIECE": urllib.parse.quote(stretch, safe=""),
    "JSON_PIECE": stretch.replace("/", "\\/"),
    "HALF_SECRET": secret[:len(secret) // 2],
    "KEY_PIECE": key[4:16],
}
message = ("pieces: url %(URL_PIECE)s json %(JSON_PIECE)s secret %(HALF_SECRET)s "
           "key %(KEY_PIECE)s token %(HALF_TOKEN)s" % forms)
print(key, secret, token, json.dumps(message))
for name, value in forms.items():
    print(name, value)
PY
)
read -r PIECE_KEY_ID PIECE_SECRET PIECE_TOKEN PIECE_MESSAGE <<<"$(head -n 1 <<<"$pieces")"
while read -r name value; do
	printf -v "$name" '%s' "$value"
done < <(tail -n +2 <<<"$pieces")
sql "$db" "SELECT make_server('s_pieces', '$ep');
CREATE USER MAPPING FOR CURRENT_USER SERVER s_pieces
  OPTIONS (access_key_id '$PIECE_KEY_ID', secret_access_key '$PIECE_SECRET',
           session_token '$PIECE_TOKEN');" >/dev/null ||
	fail "pieces: create the server and user mapping"
log_start=$(log_size)
/usr/bin/python3 -c "
import json, sys
sys.path.insert(0, 'tests/endpoint')
import ctl
ctl.call('POST', '/_cks/fault', {'kind': 'status', 'status': 400,
    'code': 'ValidationException', 'message': json.loads(sys.argv[1]),
    'match': {'operation': 'DescribeCustomKeyStores'}})" "$PIECE_MESSAGE" ||
	fail "pieces: queue the echoing fault"
psql -X -d "$db" -v VERBOSITY=verbose -c "SET client_min_messages = debug2" \
	-c "SELECT * FROM s_pieces_t" >"$suite_tmp/pieces.out" 2>&1
log_since "$log_start" >"$suite_tmp/pieces-server.log"
check_contains "pieces: the endpoint's message was shown, redacted" \
	"pieces: url [redacted] json [redacted] secret [redacted] key [redacted] token [redacted]" \
	"$suite_tmp/pieces.out"
for name in HALF_TOKEN URL_PIECE JSON_PIECE HALF_SECRET KEY_PIECE; do
	check_absent "pieces: client output: no $name" "${!name}" "$suite_tmp/pieces.out"
	check_absent "pieces: server log: no $name" "${!name}" "$suite_tmp/pieces-server.log"
done
check_contains "pieces: the server log has the error" "pieces: url [redacted]" \
	"$suite_tmp/pieces-server.log"

# ---- a role without privileges cannot read the user mappings' options -----
psql -X -At -d "$db" -v VERBOSITY=verbose >"$suite_tmp/nopriv.out" 2>&1 <<'EOF'
SET ROLE cks_secrets_nopriv;
SELECT 'visible options: ' || count(*) FROM pg_user_mappings WHERE umoptions IS NOT NULL;
SELECT 'mappings: ' || count(*) FROM pg_user_mappings;
SELECT * FROM pg_user_mappings;
SELECT umoptions FROM pg_user_mapping;
EOF
check_contains "a role without privileges sees the mappings" "mappings: 10" \
	"$suite_tmp/nopriv.out"
check_contains "... but none of their options (umoptions NULL)" \
	"visible options: 0" "$suite_tmp/nopriv.out"
check_contains "... and may not read pg_user_mapping (42501)" \
	"ERROR:  42501:" "$suite_tmp/nopriv.out"
check_no_secrets "pg_user_mappings as a role without privileges" \
	"$suite_tmp/nopriv.out"

# ---- keyless sources: the server's own identity ----------------------------
# credential_source mappings hold no secret; what must not leak is what the
# sources hand over: the endpoint's session tokens (ISSUED_TOKEN_PREFIX), and
# the tokens that fetch them, read from the files tools/endpoint.sh wrote.
if server_env_is_local "$db"; then
ECS_AUTH_TOKEN=$(tr -d '\n' <"$AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")
WEB_IDENTITY_TOKEN=$(tr -d '\n' <"$AWS_WEB_IDENTITY_TOKEN_FILE")
secrets_checked+=(ECS_AUTH_TOKEN WEB_IDENTITY_TOKEN)
$CTL reset
sql "$db" "
SELECT make_server('k_instance', '$ep'), make_server('k_container', '$ep'),
       make_server('k_web', '$ep'), make_server('k_role', '$ep');
CREATE USER MAPPING FOR CURRENT_USER SERVER k_instance OPTIONS (credential_source 'instance');
CREATE USER MAPPING FOR CURRENT_USER SERVER k_container OPTIONS (credential_source 'container');
CREATE USER MAPPING FOR CURRENT_USER SERVER k_web OPTIONS (credential_source 'web_identity');
CREATE USER MAPPING FOR CURRENT_USER SERVER k_role OPTIONS (credential_source 'instance',
  role_arn 'arn:aws:iam::222222222222:role/cks-reader');" >/dev/null ||
	fail "create keyless servers and user mappings"
log_start=$(log_size)
cat >"$suite_tmp/keyless.sql" <<'EOF'
\set VERBOSITY verbose
SET client_min_messages = debug2;
SELECT 'instance rows: ' || count(*) FROM k_instance_t;
SELECT 'container rows: ' || count(*) FROM k_container_t;
SELECT 'web rows: ' || count(*) FROM k_web_t;
SELECT 'role rows: ' || count(*) FROM k_role_t;
EXPLAIN (VERBOSE, ANALYZE) SELECT * FROM k_role_t;
EXPLAIN (VERBOSE, ANALYZE) SELECT * FROM k_web_t;
-- KMS refusing the source's credentials, with their session token
\! /usr/bin/python3 tests/endpoint/ctl.py fault accessdenied --operation DescribeCustomKeyStores
SELECT * FROM k_container_t;
-- a new backend, whose fetches fail: wrong tokens, IMDS errors
\c
SET client_min_messages = debug2;
\! /usr/bin/python3 tests/endpoint/ctl.py config ecs_auth_token=not-the-servers-token web_identity_token=not-the-servers-token
SELECT * FROM k_container_t;
SELECT * FROM k_web_t;
\! /usr/bin/python3 tests/endpoint/ctl.py fault status500 --count 4 --service imds
SELECT * FROM k_instance_t;
EOF
psql -X -d "$db" -f "$suite_tmp/keyless.sql" >"$suite_tmp/keyless.out" 2>&1
$CTL reset
check_eq "keyless run: each source returned rows" 4 \
	"$(grep -cE '^ *(instance|container|web|role) rows: [1-9]' "$suite_tmp/keyless.out")"
check_eq "keyless run: four failures, each naming its source or AWS's code" 4 \
	"$(grep -cE 'ERROR:  [0-9A-Z]{5}: (could not get AWS credentials from credential_source|.*failed)' "$suite_tmp/keyless.out")"
log_since "$log_start" >"$suite_tmp/keyless-server.log"
check_no_secrets "keyless: server log" "$suite_tmp/keyless-server.log"
check_no_secrets "keyless: client output and EXPLAIN" "$suite_tmp/keyless.out"
else
	fail "keyless: the server's environment points at the local endpoint (run through tests/run-all)"
fi

# ---- rejected user mapping values: neither in the error nor in the log -----
# Each statement below is refused for one bad value carrying MARKER (one
# per credential option, a misspelled option name, a credential option
# put on a server).  With log_statement at its default ('none'), the
# server log's STATEMENT line after each error would quote the whole
# statement: the validator hides it (errhidestmt), and no message repeats
# the value (issue 19 item 7).
sql "$db" "ALTER DATABASE $db RESET ALL"
MARKER=Zq9rejectedvalue7
ARN=arn:aws:iam::111111111111:role/r
cat >"$suite_tmp/rejected.sql" <<EOF
\set VERBOSITY verbose
CREATE SERVER rejected FOREIGN DATA WRAPPER cks_fdw OPTIONS (region 'us-east-1');
CREATE USER MAPPING FOR CURRENT_USER SERVER rejected OPTIONS (credential_source '$MARKER');
CREATE USER MAPPING FOR CURRENT_USER SERVER rejected OPTIONS (access_key_id '$MARKER x', secret_access_key 'k');
CREATE USER MAPPING FOR CURRENT_USER SERVER rejected OPTIONS (access_key_id 'AKIDX', secret_access_key '$MARKER x');
CREATE USER MAPPING FOR CURRENT_USER SERVER rejected OPTIONS (access_key_id 'AKIDX', secret_access_key 'k', session_token '$MARKER x');
CREATE USER MAPPING FOR CURRENT_USER SERVER rejected OPTIONS (role_arn '$MARKER');
CREATE USER MAPPING FOR CURRENT_USER SERVER rejected OPTIONS (role_arn '$ARN', external_id '$MARKER!');
CREATE USER MAPPING FOR CURRENT_USER SERVER rejected OPTIONS (role_arn '$ARN', role_session_name '$MARKER!');
CREATE USER MAPPING FOR CURRENT_USER SERVER rejected OPTIONS (role_arn '$ARN', duration_seconds '$MARKER');
CREATE USER MAPPING FOR CURRENT_USER SERVER rejected OPTIONS (access_key_id 'AKIDX', secret_acess_key '$MARKER');
CREATE USER MAPPING FOR CURRENT_USER SERVER rejected OPTIONS (access_key_id 'AKIDX', secret_access_key '$MARKER', duration_seconds '900');
ALTER SERVER rejected OPTIONS (ADD secret_access_key '$MARKER');
DROP SERVER rejected;
EOF
log_start=$(log_size)
psql -X -d "$db" -f "$suite_tmp/rejected.sql" >"$suite_tmp/rejected.out" 2>&1
log_since "$log_start" >"$suite_tmp/rejected-server.log"
check_eq "rejected values: the eleven statements were refused" 11 \
	"$(grep -c 'ERROR:' "$suite_tmp/rejected.out")"
check_absent "rejected values: no error repeats one" "$MARKER" "$suite_tmp/rejected.out"
check_eq "rejected values: the server log has the eleven errors" 11 \
	"$(grep -c 'ERROR:' "$suite_tmp/rejected-server.log")"
check_absent "rejected values: ... and no STATEMENT line quotes one" "$MARKER" \
	"$suite_tmp/rejected-server.log"

dropdb "$db"
sql postgres "DROP ROLE cks_secrets_nopriv"
summary
