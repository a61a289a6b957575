#!/usr/bin/env bash
# Suite: scripted answer sequences against each credential source, end to
# end (issue 19 item 1).  A scratch cluster runs with IMDSv1 allowed
# (AWS_EC2_METADATA_V1_DISABLED=false) and every metadata variable
# pointing at the local endpoint, whose /_cks/script control
# (tests/endpoint/README.md) answers the next requests to IMDS, the
# container endpoint or STS with the given statuses, bodies, closed
# connections and hangs.  Each sequence runs in a new backend (no cached
# token or credentials) and must end in rows or in a clean error: the
# expected SQLSTATE, the source named, every scripted answer used, the
# web identity token nowhere in the output or the server log.  A session
# open across them all must survive: on a main without the fix, "a tokened
# GET answered 401, then the new token's PUT answered 403" made the
# backend send a NULL token (strlen(NULL)), and the postmaster then ended
# every session.  The unit runner (tests/unit/test_source_fetch.c) and
# fuzz_fetch play far more sequences without a backend; this suite shows
# the backend's side: transport, SQLSTATEs, messages, survival.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/suite.sh

ep=$CKS_ENDPOINT_URL
for name in AWS_CONTAINER_CREDENTIALS_FULL_URI AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE \
	AWS_WEB_IDENTITY_TOKEN_FILE AWS_ROLE_ARN; do
	if [ -z "${!name:-}" ]; then
		fail "$name is set (run through tests/run-all)"
		summary
		exit 1
	fi
done
web_token=$(cat "$AWS_WEB_IDENTITY_TOKEN_FILE")

bindir=$(pg_config --bindir)
scratch=$(mktemp -d /tmp/cks-answers.XXXXXX)
chmod 755 "$scratch"
mkdir "$scratch/data" "$scratch/run"
chown postgres: "$scratch/data" "$scratch/run"
chmod 700 "$scratch/data"
watcher=
stop_scratch() {
	[ -n "$watcher" ] && kill "$watcher" 2>/dev/null
	runuser -u postgres -- "$bindir/pg_ctl" stop -D "$scratch/data" -m fast \
		-w >/dev/null 2>&1 || true
}
trap 'stop_scratch; rm -rf "$scratch"' EXIT
scratch_psql() {
	psql -X -At -h "$scratch/run" -p 5432 -U postgres -d postgres \
		-v VERBOSITY=verbose "$@"
}

if runuser -u postgres -- "$bindir/initdb" -D "$scratch/data" -U postgres \
	-A trust --no-sync >"$scratch/initdb.log" 2>&1 &&
	env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN \
		-u AWS_EC2_METADATA_DISABLED -u AWS_CONTAINER_CREDENTIALS_RELATIVE_URI \
		AWS_EC2_METADATA_V1_DISABLED=false \
		AWS_EC2_METADATA_SERVICE_ENDPOINT="$ep" \
		AWS_METADATA_SERVICE_TIMEOUT=1 AWS_METADATA_SERVICE_NUM_ATTEMPTS=2 \
		runuser -u postgres -- "$bindir/pg_ctl" start -D "$scratch/data" -w \
		-l "$scratch/run/server.log" \
		-o "-c listen_addresses='' -c unix_socket_directories=$scratch/run -c port=5432 -c fsync=off" \
		>/dev/null 2>&1; then
	ok "scratch cluster with IMDSv1 allowed started"
else
	fail "scratch cluster with IMDSv1 allowed started" \
		"$(cat "$scratch/initdb.log" "$scratch/run/server.log" 2>/dev/null)"
	summary
	exit 1
fi

scratch_psql -v ON_ERROR_STOP=1 -v ep="$ep" >"$scratch/setup.out" 2>&1 <<'EOF' ||
CREATE EXTENSION cks_fdw;
CREATE FUNCTION make_keyless(name text, ep text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('CREATE SERVER %I FOREIGN DATA WRAPPER cks_fdw OPTIONS
                  (region ''us-east-1'', endpoint %L, sts_endpoint %L,
                   max_attempts ''2'')', name, ep, ep);
  EXECUTE format('CREATE USER MAPPING FOR CURRENT_USER SERVER %I
                  OPTIONS (credential_source %L)', name, name);
  EXECUTE format('CREATE FOREIGN TABLE %I (custom_key_store_id text)
                  SERVER %I', name || '_t', name);
END $$;
SELECT make_keyless(s, :'ep')
  FROM unnest(ARRAY['instance', 'container', 'web_identity', 'chain']) s;
-- STS AssumeRole on top of the instance role
CREATE SERVER role FOREIGN DATA WRAPPER cks_fdw OPTIONS (region 'us-east-1',
  endpoint :'ep', sts_endpoint :'ep', max_attempts '2');
CREATE USER MAPPING FOR CURRENT_USER SERVER role OPTIONS (credential_source 'instance',
  role_arn 'arn:aws:iam::111111111111:role/cks-reader');
CREATE FOREIGN TABLE role_t (custom_key_store_id text) SERVER role;
EOF
	fail "servers, mappings and tables in the scratch cluster" "$(cat "$scratch/setup.out")"

# a session that must outlive every sequence (a crash ends it)
scratch_psql -c "SELECT 'watcher: ' || count(*) FROM instance_t" \
	-c "SELECT pg_sleep(3600)" >"$scratch/watcher.out" 2>&1 &
watcher=$!
wait_for 10 grep -q '^watcher: ' "$scratch/watcher.out" ||
	fail "the watching session got its rows" "$(cat "$scratch/watcher.out")"

scripts_left() {
	/usr/bin/python3 -c 'import sys; sys.path.insert(0, "tests/endpoint"); import ctl
print(len(ctl.call("GET", "/_cks/fault")["faults"]))'
}

played=0
# play NAME TABLE NAMED EXPECT SERVICE STEP...: run one scripted sequence.
# EXPECT is a SQLSTATE, or "rows"; NAMED, what the error must name.
play() {
	local name=$1 table=$2 named=$3 expect=$4 service=$5 out state
	shift 5
	out="$scratch/$name.out"
	$CTL reset
	[ -n "${CONFIG:-}" ] && $CTL config $CONFIG
	$CTL script "$service" "$@"
	scratch_psql -c "SELECT 'rows: ' || count(*) FROM $table" >"$out" 2>&1
	played=$((played + 1))
	state=$(sqlstate_of "$out")
	if [ "$expect" = rows ]; then
		if grep -q '^rows: [1-9]' "$out"; then
			ok "$name: rows"
		else
			fail "$name: rows" "$(cat "$out")"
		fi
	elif [ "$state" = "$expect" ] && grep -qF -- "$named" "$out"; then
		ok "$name: $state, naming $named"
	else
		fail "$name: $expect naming $named" "$(cat "$out")"
	fi
	check_absent "$name: the backend did not crash" \
		"server closed the connection unexpectedly" "$out"
	if [ -z "${SPARE:-}" ]; then
		check_eq "$name: every scripted answer was used" 0 "$(scripts_left)"
	fi
}

log_start=$(stat -c %s "$scratch/run/server.log")

# the issue 19 crash: a token, a GET refused (401), the new token refused
# (403 / 404 / 405): IMDSv1 without a token, which the endpoint refuses
for refused in 403 404 405; do
	play "token, 401, token $refused" instance_t 'credential_source "instance"' 28000 imds pass 401 "$refused"
	check_contains "... the detail says the IMDSv1 GET was refused" \
		"asked without a token, IMDSv1" "$scratch/token, 401, token $refused.out"
done
# the same where the endpoint allows IMDSv1: the fallback gets the rows
CONFIG=imds_v1_allowed=true play "token, 401, token 403, IMDSv1 allowed" \
	instance_t instance rows imds pass 401 403
play "token refused at once" instance_t 'credential_source "instance"' 28000 imds 403
play "a new token refused too (401 twice)" instance_t 'credential_source "instance"' 28000 imds pass 401 pass 401
check_contains "... saying so" "a new IMDSv2 session token was refused too" \
	"$scratch/a new token refused too (401 twice).out"
play "token 500 twice" instance_t 'credential_source "instance"' 28000 imds 500 500
play "token: connection closed twice" instance_t 'credential_source "instance"' HV00N imds close close
start=$(now_ms)
play "token: no answer twice" instance_t 'credential_source "instance"' HV00N imds hang:4000 hang:4000
check_lt "... within the metadata timeouts (ms)" "$(($(now_ms) - start))" 8000
play "token not a token" instance_t 'credential_source "instance"' HV004 imds "200:not a token"
play "no role" instance_t 'credential_source "instance"' 28000 imds pass 200:
play "role name not a role" instance_t 'credential_source "instance"' 28000 imds pass "200:../../etc"
play "credentials not a document" instance_t 'credential_source "instance"' HV004 imds pass pass "200:{}"
play "credentials GET 404" instance_t 'credential_source "instance"' 28000 imds pass pass 404
# A connection closed before any answer on a connection curl reused is
# retried at once on a new one by curl itself: closes on a kept-alive
# connection may cost one scripted step more per attempt (SPARE: some may
# be left over)
SPARE=1 play "credentials: connection closed" instance_t 'credential_source "instance"' HV00N imds pass pass close close close close

play "container 401" container_t 'credential_source "container"' 28000 ecs 401
play "container 500 twice" container_t 'credential_source "container"' 28000 ecs 500 500
play "container: connection closed twice" container_t 'credential_source "container"' HV00N ecs close reset
play "container answer not JSON" container_t 'credential_source "container"' HV004 ecs "200:<html>"

error_xml="<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type><Code>InvalidIdentityToken</Code><Message>token $web_token is bad</Message></Error><RequestId>r-1</RequestId></ErrorResponse>"
play "web identity 403 quoting the token" web_identity_t 'credential_source "web_identity"' 28000 sts "403:$error_xml"
check_contains "... with the AWS error code" "InvalidIdentityToken" \
	"$scratch/web identity 403 quoting the token.out"
play "web identity 500 twice" web_identity_t 'credential_source "web_identity"' 28000 sts 500 500
play "web identity: connection closed twice" web_identity_t 'credential_source "web_identity"' HV00N sts close close
play "web identity answer not XML" web_identity_t 'credential_source "web_identity"' HV004 sts "200:<$web_token"
play "chain (web identity here): 403" chain_t 'credential_source "web_identity"' 28000 sts "403:$error_xml"

# STS AssumeRole, signed with the instance role's keys (which IMDS hands
# out normally): refused, unreachable, malformed, failing, and keys
# refused as expired (fetched again once, then an error: no loop)
sts_error() {	# sts_error STATUS CODE: a Query-protocol error answer
	echo "$1:<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type><Code>$2</Code><Message>scripted $2</Message></Error><RequestId>r-2</RequestId></ErrorResponse>"
}
assume='STS AssumeRole of "arn:aws:iam::111111111111:role/cks-reader"'
play "assume role 403" role_t "$assume" 42501 sts "$(sts_error 403 AccessDenied)"
SPARE=1 play "assume role: connection closed" role_t "$assume" HV00N sts close close close close
play "assume role answer not XML" role_t "$assume" HV004 sts "200:<Assume"
play "assume role 500 twice" role_t "$assume" HV000 sts \
	"$(sts_error 500 InternalFailure)" "$(sts_error 500 InternalFailure)"
play "assume role: keys expired, then refused" role_t "$assume" 42501 sts \
	"$(sts_error 400 ExpiredToken)" "$(sts_error 403 AccessDenied)"
play "assume role: keys expired twice" role_t "$assume" 28000 sts \
	"$(sts_error 400 ExpiredToken)" "$(sts_error 400 ExpiredToken)"
play "assume role: keys expired, then the role" role_t "$assume" rows sts \
	"$(sts_error 400 ExpiredToken)" pass

cat "$scratch"/*.out >"$scratch/all.out"
tail -c +"$((log_start + 1))" "$scratch/run/server.log" >"$scratch/log.part"
check_absent "the web identity token is in no error" "${web_token:0:16}" "$scratch/all.out"
check_absent "... nor in the server log" "${web_token:0:16}" "$scratch/log.part"
check_absent "no backend was terminated by a signal" "terminated by signal" "$scratch/log.part"
check_absent "... and no session ended for a crash" \
	"terminating connection because of crash" "$scratch/watcher.out"
if kill -0 "$watcher" 2>/dev/null; then
	ok "the watching session is still connected after $played sequences"
else
	fail "the watching session is still connected after $played sequences" \
		"$(cat "$scratch/watcher.out")"
fi
stop_scratch
summary
