#!/usr/bin/env bash
# Copies of secrets left in a backend's memory after a query: for each
# kind of credentials (static keys with a session token, AssumeRole on
# top of static keys, web_identity, container, instance) a fresh backend
# runs one query, is dumped with gcore (its private memory only: shared
# memory holds the catalog's pages, which are PostgreSQL's, not ours),
# and the dump is searched for each secret whole and for pieces of 8 or
# more bytes of it outside the whole copies.
#
# What may stay: the per-backend caches keep the keys they sign with
# (the user mapping's catalog tuple in the syscache and cks_fdw's
# credential cache: two copies of a mapping's keys; the credential
# sources' cache or the assumed role's: one copy of the keys they hand
# out), so whole copies of those are counted and bounded.  What must not: the tokens that fetch credentials
# (the web identity token, the container authorization token) are used
# for one request and wiped -- no copy and no piece of them may remain.
# Every count is printed ("# ...") for the record.
# Over TLS (role_tls: AssumeRole from an https endpoint), OpenSSL's own
# copy of the last answer received on a connection (its read buffer) is
# searched for too: the role's secret access key and session token may
# appear only as often as the assumed role's cache holds them.
# Runs inside a throwaway cluster whose environment points the credential
# sources at the local endpoint (tests/in-cluster.sh).
set -u
cd "$(dirname "$0")/../.."
. tests/lib/suite.sh

db=cks_coredump
setup_db "$db" || { fail "create database $db"; summary; exit 1; }
command -v gcore >/dev/null || { fail "gcore (gdb) is installed"; summary; exit 1; }
server_env_is_local "$db" ||
	{ fail "the server's environment points at the local endpoint"; summary; exit 1; }
work=$suite_tmp/coredump
mkdir -p "$work"
ISSUED_TOKEN_PREFIX=IQoJb3JpZ2luX2VjE
WEB_IDENTITY_TOKEN=$(tr -d '\n' <"$AWS_WEB_IDENTITY_TOKEN_FILE")
SECRET_1=cks/test/secret/111111111111/AAAAAAAAAAAA
# a random container authorization token for this run (the fixture's is
# made of words that occur elsewhere in memory), restored at the end
ecs_token_saved=$(cat "$AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")
ECS_AUTH_TOKEN=cks-ecs-$(/usr/bin/python3 -c 'import secrets; print(secrets.token_urlsafe(48))')
printf '%s\n' "$ECS_AUTH_TOKEN" >"$AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"
$CTL config "ecs_auth_token=$ECS_AUTH_TOKEN" >/dev/null ||
	fail "give the endpoint the random container token"

# random temporary credentials for the static mapping (random, so that any
# piece of them found in a dump is theirs)
read -r TEMP_KEY_ID TEMP_SECRET TEMP_TOKEN <<<"$(/usr/bin/python3 tests/lib/temp_credentials.py cks-coredump)"
[ -n "$TEMP_TOKEN" ] || fail "temporary credentials from the endpoint"

ep=$CKS_ENDPOINT_URL
sql "$db" "
CREATE FUNCTION make_server(name text) RETURNS void LANGUAGE plpgsql AS \$\$
BEGIN
  EXECUTE format('CREATE SERVER %I FOREIGN DATA WRAPPER cks_fdw OPTIONS
                  (region ''us-east-1'', endpoint %L, sts_endpoint %L)',
                 name, '$ep', '$ep');
  EXECUTE format('CREATE FOREIGN TABLE %I (custom_key_store_id text) SERVER %I',
                 name || '_t', name);
END \$\$;
SELECT make_server(n) FROM unnest(ARRAY['c_static', 'c_role', 'c_web',
                                        'c_container', 'c_instance']) n;
CREATE USER MAPPING FOR CURRENT_USER SERVER c_static
  OPTIONS (access_key_id '$TEMP_KEY_ID', secret_access_key '$TEMP_SECRET',
           session_token '$TEMP_TOKEN');
CREATE USER MAPPING FOR CURRENT_USER SERVER c_role
  OPTIONS (access_key_id 'AKIDCKSTEST111111111', secret_access_key '$SECRET_1',
           role_arn 'arn:aws:iam::111111111111:role/cks-reader');
CREATE USER MAPPING FOR CURRENT_USER SERVER c_web OPTIONS (credential_source 'web_identity');
CREATE USER MAPPING FOR CURRENT_USER SERVER c_container OPTIONS (credential_source 'container');
CREATE USER MAPPING FOR CURRENT_USER SERVER c_instance OPTIONS (credential_source 'instance');" \
	>/dev/null || fail "create the servers and user mappings"

# The searcher: whole copies of a secret, then hits of its 8-byte pieces
# in what is left once the whole copies are blanked (GNU grep -F, so
# searching a dump for hundreds of pieces is one pass).
cat >"$work/search.py" <<'PY'
import subprocess, sys
core, secret = sys.argv[1], sys.argv[2].encode()
data = open(core, "rb").read()
whole = data.count(secret)
# what precedes each whole copy, to tell whose copy it is
at = data.find(secret)
while at >= 0:
    before = data[max(0, at - 48):at]
    sys.stderr.write("copy after: %r\n" % before)
    at = data.find(secret, at + 1)
pieces = 0
if len(secret) >= 8 and sys.argv[3] == "pieces":
    rest = data.replace(secret, b"\0" * len(secret))
    grams = {secret[i:i + 8] for i in range(len(secret) - 7)}
    # runs of one byte or digits only are not the secret's own
    grams = [g for g in grams if len(set(g)) > 2 and not g.isdigit()]
    with open(core + ".rest", "wb") as f:
        f.write(rest)
    with open(core + ".grams", "wb") as f:
        f.write(b"\n".join(grams) + b"\n")
    out = subprocess.run(["grep", "-a", "-o", "-F", "-f", core + ".grams",
                          core + ".rest"], capture_output=True).stdout
    pieces = out.count(b"\n")
    found = sorted(set(out.split()))[:5]
    if found:
        sys.stderr.write("pieces found: %s\n" % b" ".join(found).decode("latin-1"))
    # where each piece sits in the secret and in the dump, for diagnosis
    for g in found:
        at = rest.find(g)
        sys.stderr.write("piece %r (bytes %d-%d of %d) in: %r\n"
                         % (g, secret.find(g), secret.find(g) + 8, len(secret),
                            rest[max(0, at - 48):at + 56]))
print(whole, pieces)
PY

# dump KIND TABLE: a fresh backend queries TABLE and is dumped idle
dump() {
	cat >"$work/$1.sql" <<EOF
SELECT 'rows:' || count(*) FROM $2;
SELECT pg_backend_pid() AS pid \gset
\setenv CKS_DUMP_PID :pid
\! echo 0x5 >/proc/\$CKS_DUMP_PID/coredump_filter && gcore -o $work/core-$1 \$CKS_DUMP_PID >$work/gcore-$1.log 2>&1 && mv $work/core-$1.\$CKS_DUMP_PID $work/core-$1
EOF
	psql -X -At -d "$db" -v VERBOSITY=verbose -f "$work/$1.sql" >"$work/$1.out" 2>&1
	check_contains "$1: the query returned rows" "rows:" "$work/$1.out"
	check "$1: the backend was dumped" test -s "$work/core-$1"
}

# count KIND NAME [pieces]: sets whole and pieces; prints them
count() {
	read -r whole pieces <<<"$(/usr/bin/python3 "$work/search.py" "$work/core-$1" "${!2}" "${3:-}" 2>"$work/pieces")"
	sed 's/^/# /' "$work/pieces"
	echo "# $1: $2: $whole whole, $pieces pieces outside them"
}

# the tokens that fetch credentials: nothing of them may remain
must_be_gone() {	# must_be_gone KIND NAME
	count "$1" "$2" pieces
	check_eq "$1: no copy of $2 left" 0 "$whole"
	check_eq "$1: no 8-byte piece of $2 left" 0 "$pieces"
}
# the keys the caches keep: at most MAX whole copies, no stray pieces
at_most() {		# at_most KIND NAME MAX
	count "$1" "$2" pieces
	check_lt "$1: at most $3 copies of $2 (the caches')" "$whole" "$(($3 + 1))"
	check_eq "$1: no stray 8-byte piece of $2" 0 "$pieces"
}
issued() {		# issued KIND MAX: session tokens the endpoint issued
	count "$1" ISSUED_TOKEN_PREFIX
	check_lt "$1: at most $2 copies of issued session tokens" "$whole" "$(($2 + 1))"
	# a sent request, session-token header and all, is no cache's copy
	# (libcurl 8 keeps the last one in the easy handle's send buffer)
	sent=$(/usr/bin/python3 -c 'import sys; print(open(sys.argv[1], "rb").read().count(sys.argv[2].encode()))' \
		"$work/core-$1" "X-Amz-Security-Token: $ISSUED_TOKEN_PREFIX")
	check_eq "$1: no sent request with a session-token header left" 0 "$sent"
}

dump static c_static_t
at_most static TEMP_TOKEN 2
at_most static TEMP_SECRET 2
issued static 2
dump role c_role_t
at_most role SECRET_1 2
issued role 1
dump web c_web_t
must_be_gone web WEB_IDENTITY_TOKEN
issued web 1
dump container c_container_t
must_be_gone container ECS_AUTH_TOKEN
issued container 1
dump instance c_instance_t
issued instance 1

# ---- over TLS -------------------------------------------------------------
# role_tls: the role's keys come from an https STS endpoint (a second
# endpoint with a self-signed certificate, the server's ca_file), and KMS
# is the plain endpoint: that endpoint's STS issues the keys beforehand
# and the https one answers AssumeRole with them (a scripted answer), so
# the TLS connection's last record is the AssumeRole answer.  OpenSSL
# keeps it in the kept-alive connection's read buffer unless told to wipe
# it.  (libcurl 7.88 sets SSL_MODE_RELEASE_BUFFERS: the buffer is then
# freed once read, unwiped without the option, and the backend's next
# allocations have so far overwritten it before the dump, so there this
# case passes with or without the option; where the buffer is kept, the
# answer stays in it without the option.)
tls_pid=
trap '[ -n "$tls_pid" ] && kill "$tls_pid" 2>/dev/null' EXIT
mkdir -m 755 "$work/certs"
make_cert() {
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=cks_fdw coredump" \
		-addext "subjectAltName=IP:127.0.0.1" \
		-keyout "$work/certs/tls.key" -out "$work/certs/tls.pem" 2>/dev/null
}
check "a self-signed certificate for 127.0.0.1 (openssl)" make_cert
chmod 644 "$work/certs/tls.pem"
/usr/bin/python3 tests/endpoint/kms_endpoint.py --port 0 --quiet \
	--port-file "$work/tls.port" --tls-cert "$work/certs/tls.pem" \
	--tls-key "$work/certs/tls.key" >"$work/tls-endpoint.log" 2>&1 &
tls_pid=$!
check "an https endpoint is up" wait_for 10 test -s "$work/tls.port"
tls_url=https://127.0.0.1:$(cat "$work/tls.port" 2>/dev/null)
# role_answer SESSION PADDING: random role keys from the plain endpoint,
# and the AssumeRole answer that carries them, with PADDING bytes of an
# element STS does not send before the Credentials (padded_case below)
cat >"$work/answer.py" <<'PY'
import os, sys, uuid, botocore.session
session, padding = sys.argv[1], int(sys.argv[2])
url = os.environ.get("CKS_ENDPOINT_URL") or "http://127.0.0.1:%s" % open(
    os.environ["CKS_ENDPOINT_PORT_FILE"]).read().strip()
c = botocore.session.get_session().create_client(
    "sts", region_name="us-east-1", endpoint_url=url,
    aws_access_key_id="AKIDCKSTEST111111111",
    aws_secret_access_key="cks/test/secret/111111111111/AAAAAAAAAAAA")
r = c.assume_role(RoleArn="arn:aws:iam::111111111111:role/cks-reader",
                  RoleSessionName=session)
k = r["Credentials"]
answer = (
    '<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
    "<AssumeRoleResult>%s<Credentials><AccessKeyId>%s</AccessKeyId>"
    "<SecretAccessKey>%s</SecretAccessKey><SessionToken>%s</SessionToken>"
    "<Expiration>%s</Expiration></Credentials><AssumedRoleUser>"
    "<AssumedRoleId>%s</AssumedRoleId><Arn>%s</Arn></AssumedRoleUser>"
    "</AssumeRoleResult><ResponseMetadata><RequestId>%s</RequestId>"
    "</ResponseMetadata></AssumeRoleResponse>" % (
        "<Padding>%s</Padding>" % ("p" * padding) if padding else "",
        k["AccessKeyId"], k["SecretAccessKey"], k["SessionToken"],
        k["Expiration"].strftime("%Y-%m-%dT%H:%M:%SZ"),
        r["AssumedRoleUser"]["AssumedRoleId"], r["AssumedRoleUser"]["Arn"],
        uuid.uuid4()))
print(k["AccessKeyId"], k["SecretAccessKey"], k["SessionToken"], answer)
PY
role_answer() {
	read -r ROLE_KEY_ID ROLE_SECRET ROLE_TOKEN ROLE_ANSWER <<<"$(/usr/bin/python3 "$work/answer.py" "$1" "$2")"
}
role_answer cks-coredump-tls 0
[ -n "$ROLE_ANSWER" ] || fail "role keys and their AssumeRole answer"
CKS_ENDPOINT_URL=$tls_url CKS_ENDPOINT_CA=$work/certs/tls.pem \
	$CTL script sts "200:$ROLE_ANSWER" >/dev/null ||
	fail "script the https endpoint's AssumeRole answer"
sql "$db" "
CREATE SERVER c_role_tls FOREIGN DATA WRAPPER cks_fdw
  OPTIONS (region 'us-east-1', endpoint '$ep', sts_endpoint '$tls_url',
           ca_file '$work/certs/tls.pem');
CREATE FOREIGN TABLE c_role_tls_t (custom_key_store_id text) SERVER c_role_tls;
CREATE USER MAPPING FOR CURRENT_USER SERVER c_role_tls
  OPTIONS (access_key_id 'AKIDCKSTEST111111111', secret_access_key '$SECRET_1',
           role_arn 'arn:aws:iam::111111111111:role/cks-reader');" \
	>/dev/null || fail "create the https server and its user mapping"
dump role_tls c_role_tls_t
check_eq "role_tls: AssumeRole went to the https endpoint" "requests: 1" \
	"$(CKS_ENDPOINT_URL=$tls_url CKS_ENDPOINT_CA=$work/certs/tls.pem \
		$CTL count --operation AssumeRole)"
at_most role_tls ROLE_SECRET 1
at_most role_tls ROLE_TOKEN 1
issued role_tls 1

# role_tls_padded and role_padded: the same with an answer of about 16 kB
# (15000 bytes of padding before the Credentials), from the https
# endpoint and from the plain one: a body that takes more than one read
# (and more than one TLS record) goes through libcurl's, OpenSSL's and
# libxml2's buffers in parts, and no copy made on that path may stay.
# (A report of pieces of the session token left after such an answer over
# TLS has not been reproduced: these cases pass on libcurl 7.88/OpenSSL 3.0
# and on Debian 13's libraries; they are kept as the guard.)
padded_case() {	# padded_case KIND STS_URL CA_FILE
	role_answer "cks-coredump-$1" 15000
	[ -n "$ROLE_ANSWER" ] || fail "$1: role keys and their padded AssumeRole answer"
	CKS_ENDPOINT_URL=$2 CKS_ENDPOINT_CA=$3 \
		$CTL script sts "200:$ROLE_ANSWER" >/dev/null ||
		fail "$1: script the padded AssumeRole answer"
	sql "$db" "
CREATE SERVER c_$1 FOREIGN DATA WRAPPER cks_fdw
  OPTIONS (region 'us-east-1', endpoint '$ep', sts_endpoint '$2'
           ${3:+, ca_file '$3'});
CREATE FOREIGN TABLE c_$1_t (custom_key_store_id text) SERVER c_$1;
CREATE USER MAPPING FOR CURRENT_USER SERVER c_$1
  OPTIONS (access_key_id 'AKIDCKSTEST111111111', secret_access_key '$SECRET_1',
           role_arn 'arn:aws:iam::111111111111:role/cks-reader');" \
		>/dev/null || fail "$1: create the server and its user mapping"
	dump "$1" "c_$1_t"
	at_most "$1" ROLE_SECRET 1
	check_eq "$1: the keys signed with are the padded answer's" 1 "$whole"
	at_most "$1" ROLE_TOKEN 1
	issued "$1" 1
}
padded_case role_tls_padded "$tls_url" "$work/certs/tls.pem"
check_eq "role_tls_padded: AssumeRole went to the https endpoint" "requests: 2" \
	"$(CKS_ENDPOINT_URL=$tls_url CKS_ENDPOINT_CA=$work/certs/tls.pem \
		$CTL count --operation AssumeRole)"
padded_case role_padded "$ep" ""
kill "$tls_pid" 2>/dev/null
wait "$tls_pid" 2>/dev/null
tls_pid=

# CKS_COREDUMP_KEEP=DIR keeps the dumps there (to look into with gdb)
rm -f "$work"/core-*.rest "$work"/core-*.grams
if [ -n "${CKS_COREDUMP_KEEP:-}" ]; then
	mkdir -p "$CKS_COREDUMP_KEEP" && mv "$work"/core-* "$CKS_COREDUMP_KEEP"/
	chmod a+r "$CKS_COREDUMP_KEEP"/core-*
fi
rm -f "$work"/core-*
printf '%s\n' "$ecs_token_saved" >"$AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"
$CTL reset
dropdb "$db"
summary
