#!/usr/bin/env bash
# TLS and redirects against real HTTPS endpoints on loopback, which
# pg_regress cannot set up (certificates, extra endpoint processes):
#   - a certificate from a CA the server does not know is refused (HV00N,
#     with curl's certificate reason) when ca_file is not set,
#   - ca_file naming that CA makes the same endpoint work,
#   - a certificate for another host name is refused even with the right
#     ca_file (host name verification stays on),
#   - a ca_file holding an unrelated CA is refused,
#   - an http:// endpoint answering with a redirect is not followed.
# Runs inside a throwaway cluster, see tests/in-cluster.sh.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/suite.sh

db=cks_tls
setup_db "$db" || { fail "create database $db"; summary; exit 1; }
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done' EXIT

# ---- certificates --------------------------------------------------------
# ca.pem signs good.pem (IP:127.0.0.1) and wrongname.pem (DNS:example.com
# only); other-ca.pem signs nothing we serve.
certs="$suite_tmp/certs"
mkdir -m 755 "$certs"

make_ca() {		# make_ca NAME
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 \
		-subj "/CN=cks_fdw test $1" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" \
		-keyout "$certs/$1.key" -out "$certs/$1.pem" 2>/dev/null
}

make_cert() {		# make_cert NAME SUBJECT_ALT_NAME, signed by ca
	openssl req -newkey rsa:2048 -nodes -subj "/CN=cks_fdw test $1" \
		-keyout "$certs/$1.key" -out "$certs/$1.csr" 2>/dev/null &&
		printf '%s\n' "subjectAltName=$2" "basicConstraints=CA:FALSE" \
			"keyUsage=digitalSignature,keyEncipherment" \
			"extendedKeyUsage=serverAuth" >"$certs/$1.ext" &&
		openssl x509 -req -days 2 -in "$certs/$1.csr" -CA "$certs/ca.pem" \
			-CAkey "$certs/ca.key" -CAcreateserial -extfile "$certs/$1.ext" \
			-out "$certs/$1.pem" 2>/dev/null
}

check "generate a test CA and certificates (openssl)" \
	eval 'make_ca ca && make_ca other-ca && make_cert good IP:127.0.0.1 &&
	      make_cert wrongname DNS:example.com'
chmod 644 "$certs"/*.pem

# ---- HTTPS endpoints -----------------------------------------------------
# start_tls_endpoint NAME CERT: a second endpoint instance; sets url_NAME.
start_tls_endpoint() {
	local port_file="$suite_tmp/$1.port"
	/usr/bin/python3 tests/endpoint/kms_endpoint.py --port 0 \
		--port-file "$port_file" --quiet --tls-cert "$certs/$2.pem" \
		--tls-key "$certs/$2.key" >"$suite_tmp/$1.log" 2>&1 &
	pids+=($!)
	wait_for 10 test -s "$port_file" || return 1
	printf -v "url_$1" 'https://127.0.0.1:%s' "$(cat "$port_file")"
}

check "start an HTTPS endpoint with a certificate for 127.0.0.1" \
	start_tls_endpoint good good
check "start an HTTPS endpoint with a certificate for example.com only" \
	start_tls_endpoint wrongname wrongname

# the number of KMS requests an endpoint received since its last reset
kms_requests() {
	CKS_ENDPOINT_URL=$1 $CTL count --operation DescribeCustomKeyStores
}

CKS_ENDPOINT_URL=${url_good:-} $CTL reset
CKS_ENDPOINT_URL=${url_wrongname:-} $CTL reset

expected=$(/usr/bin/python3 -c '
import sys; sys.path.insert(0, "tests/endpoint"); import ctl
print(len(ctl.get_stores("111111111111", "us-east-1")))')

# server NAME URL [EXTRA OPTIONS]: a server, user mapping and table NAME_t
make_server() {
	sql "$db" "
	CREATE SERVER $1 FOREIGN DATA WRAPPER cks_fdw
	  OPTIONS (region 'us-east-1', endpoint '$2', sts_endpoint '$2',
	           max_attempts '1', connect_timeout_ms '2000',
	           request_timeout_ms '5000' ${3:+, $3});
	CREATE USER MAPPING FOR CURRENT_USER SERVER $1
	  OPTIONS (access_key_id 'AKIDCKSTEST111111111',
	           secret_access_key 'cks/test/secret/111111111111/AAAAAAAAAAAA');
	CREATE FOREIGN TABLE $1_t (custom_key_store_id text) SERVER $1;"
}

# query NAME: scan NAME_t; output (rows or verbose error) in $suite_tmp/NAME.out
query() {
	psql -X -q -At -d "$db" -v VERBOSITY=verbose \
		-c "SELECT 'rows:' || count(*) FROM $1_t" >"$suite_tmp/$1.out" 2>&1
}

# 1. unknown CA, no ca_file: the system bundle does not trust our CA
make_server no_ca "${url_good:-}"
query no_ca
check_eq "no ca_file: the self-signed CA is refused with HV00N" "HV00N" \
	"$(sqlstate_of "$suite_tmp/no_ca.out")"
if grep -qF 'SSL certificate problem' "$suite_tmp/no_ca.out"; then
	ok "no ca_file: the detail gives curl's certificate reason"
else
	fail "no ca_file: the detail gives curl's certificate reason" \
		"$(cat "$suite_tmp/no_ca.out")"
fi
sed -n 's/^.*DETAIL: */# no ca_file: /p' "$suite_tmp/no_ca.out"
check_eq "no ca_file: no KMS request was answered (handshake refused)" \
	"requests: 0" "$(kms_requests "${url_good:-}")"

# 2. ca_file names our CA: rows
make_server with_ca "${url_good:-}" "ca_file '$certs/ca.pem'"
query with_ca
check_eq "ca_file with the signing CA: all $expected rows over HTTPS" \
	"rows:$expected" "$(cat "$suite_tmp/with_ca.out")"
check_eq "ca_file with the signing CA: the request reached the HTTPS endpoint" \
	"requests: 1" "$(kms_requests "${url_good:-}")"

# 3. right CA, wrong host name: refused
make_server wrong_name "${url_wrongname:-}" "ca_file '$certs/ca.pem'"
query wrong_name
check_eq "certificate for example.com at 127.0.0.1: refused with HV00N" \
	"HV00N" "$(sqlstate_of "$suite_tmp/wrong_name.out")"
if grep -qiE 'subject name matches|does not match' "$suite_tmp/wrong_name.out"; then
	ok "wrong host name: the detail says the name does not match"
else
	fail "wrong host name: the detail says the name does not match" \
		"$(cat "$suite_tmp/wrong_name.out")"
fi
sed -n 's/^.*DETAIL: */# wrong host name: /p' "$suite_tmp/wrong_name.out"
check_eq "wrong host name: no KMS request was answered" \
	"requests: 0" "$(kms_requests "${url_wrongname:-}")"

# 4. a ca_file with an unrelated CA: refused
make_server other_ca "${url_good:-}" "ca_file '$certs/other-ca.pem'"
query other_ca
check_eq "ca_file with an unrelated CA: refused with HV00N" "HV00N" \
	"$(sqlstate_of "$suite_tmp/other_ca.out")"

for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
pids=()

# ---- redirects ------------------------------------------------------------
# A tiny server that answers every request with a redirect to the real
# endpoint; cks_fdw must not follow it (a redirect would resend a signed
# request, and with it the identity, to another host).
cat >"$suite_tmp/redirect.py" <<'EOF'
import http.server, sys

target, status, port_file = sys.argv[1], int(sys.argv[2]), sys.argv[3]
hits = 0

class Redirect(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def answer(self):
        global hits
        hits += 1
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = b"moved"
        self.send_response(status)
        self.send_header("Location", target + self.path)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        with open(port_file + ".hits", "w") as f:
            f.write(str(hits))

    do_GET = do_POST = answer

    def log_message(self, *args):
        pass

server = http.server.HTTPServer(("127.0.0.1", 0), Redirect)
with open(port_file + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
import os; os.replace(port_file + ".tmp", port_file)
server.serve_forever()
EOF

for status in 301 302 307; do
	port_file="$suite_tmp/redirect$status.port"
	/usr/bin/python3 "$suite_tmp/redirect.py" "$CKS_ENDPOINT_URL" "$status" \
		"$port_file" >"$suite_tmp/redirect$status.log" 2>&1 &
	pids+=($!)
	if ! wait_for 10 test -s "$port_file"; then
		fail "start a server answering $status"
		continue
	fi
	$CTL reset
	make_server "redirect$status" "http://127.0.0.1:$(cat "$port_file")"
	query "redirect$status"
	state=$(sqlstate_of "$suite_tmp/redirect$status.out")
	if [ "$state" != "none" ]; then
		ok "HTTP $status: the query fails ($state), it does not return the target's rows"
	else
		fail "HTTP $status: the query fails" "$(cat "$suite_tmp/redirect$status.out")"
	fi
	sed -n "s/^.*DETAIL: */# HTTP $status: /p" "$suite_tmp/redirect$status.out"
	check_eq "HTTP $status: the redirect is not followed (target saw no request)" \
		"requests: 0" "$($CTL count)"
	check_eq "HTTP $status: one request to the redirecting server" "1" \
		"$(cat "$port_file.hits" 2>/dev/null)"
done

summary
