#!/usr/bin/env bash
# Where requests go and how, in a scratch cluster whose postmaster runs
# with a hostile-looking environment: http_proxy, https_proxy, all_proxy
# (both cases) naming a logging proxy, and OPENSSL_CONF allowing TLS 1.0
# and 1.1 at security level 0.  Checks:
#   - without the proxy option, no request goes through the environment's
#     proxy (a control shows libcurl would use it: curl(1) with the same
#     environment does);
#   - with proxy, every KMS and STS request goes through that proxy, and
#     none through the environment's;
#   - a host in no_proxy bypasses the proxy;
#   - a server speaking only TLS 1.1 is refused although this OpenSSL
#     configuration allows TLS 1.1 (control: curl(1) with the same
#     configuration completes the handshake), while a TLS 1.2 server at the
#     same place gets past the handshake.
# The scratch cluster is needed because a suite cannot change the
# environment of the cluster it runs in.  All traffic stays on loopback:
# the proxy refuses any other target.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/suite.sh
. tests/lib/scratch_cluster.sh

scratch_cluster egress
pids=()

cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	pids=()
	scratch_stop
}
trap cleanup EXIT

# ---- a logging forward proxy (absolute-form requests and CONNECT) -------
cat >"$work/proxy.py" <<'EOF'
import http.client, http.server, ipaddress, os, select, socket, sys, threading
import urllib.parse

log_path, port_file = sys.argv[1], sys.argv[2]
lock = threading.Lock()

def log(line):
    with lock, open(log_path, "a") as f:
        f.write(line + "\n")

def loopback(host):
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return host == "localhost"

class Proxy(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_CONNECT(self):
        host, _, port = self.path.rpartition(":")
        log("CONNECT %s" % self.path)
        if not loopback(host):
            self.send_error(403, "loopback targets only")
            return
        upstream = socket.create_connection((host.strip("[]"), int(port)), 5)
        self.send_response(200, "Connection established")
        self.end_headers()
        ends = [self.connection, upstream]
        while True:
            ready, _, _ = select.select(ends, [], [], 10)
            if not ready:
                break
            for end in ready:
                data = end.recv(65536)
                if not data:
                    upstream.close()
                    self.close_connection = True
                    return
                (upstream if end is self.connection else self.connection).sendall(data)

    def forward(self):
        url = urllib.parse.urlsplit(self.path)
        form = "x-www-form-urlencoded" in self.headers.get("Content-Type", "")
        log("%s %s %s" % (self.command, self.path, "sts" if form else "kms"))
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if not url.hostname or not loopback(url.hostname):
            self.send_error(403, "loopback targets only")
            return
        headers = {k: v for k, v in self.headers.items()
                   if k.lower() not in ("proxy-connection", "connection", "keep-alive")}
        conn = http.client.HTTPConnection(url.hostname, url.port or 80, timeout=10)
        conn.request(self.command, url.path or "/", body, headers)
        resp = conn.getresponse()
        data = resp.read()
        self.send_response(resp.status, resp.reason)
        for k, v in resp.getheaders():
            if k.lower() not in ("transfer-encoding", "connection", "content-length", "keep-alive"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        conn.close()

    do_GET = do_POST = forward

    def log_message(self, *args):
        pass

server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
with open(port_file + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.replace(port_file + ".tmp", port_file)
server.serve_forever()
EOF

start_proxy() {		# start_proxy NAME: sets port_NAME; logs to $work/NAME.log
	: >"$work/$1.log"
	/usr/bin/python3 "$work/proxy.py" "$work/$1.log" "$work/$1.port" \
		>"$work/$1.out" 2>&1 &
	pids+=($!)
	wait_for 10 test -s "$work/$1.port" || return 1
	printf -v "port_$1" '%s' "$(cat "$work/$1.port")"
}
lines() { wc -l <"$1" | tr -d ' '; }

check "start the environment's proxy" start_proxy envproxy
check "start the proxy of the proxy option" start_proxy optproxy
env_proxy_url="http://127.0.0.1:${port_envproxy:-1}"

# ---- OpenSSL configuration that allows TLS 1.0 and 1.1 -------------------
cat >"$work/openssl-legacy.cnf" <<'EOF'
openssl_conf = openssl_init
[openssl_init]
ssl_conf = ssl_sect
[ssl_sect]
system_default = system_default_sect
[system_default_sect]
MinProtocol = TLSv1
CipherString = DEFAULT:@SECLEVEL=0
EOF
chmod 644 "$work/openssl-legacy.cnf"

# ---- the scratch cluster, started with that environment ------------------
scratch_initdb
check "start the scratch cluster with proxies and OPENSSL_CONF in its environment" \
	runuser -u postgres -- env http_proxy="$env_proxy_url" \
	https_proxy="$env_proxy_url" HTTPS_PROXY="$env_proxy_url" \
	all_proxy="$env_proxy_url" ALL_PROXY="$env_proxy_url" \
	OPENSSL_CONF="$work/openssl-legacy.cnf" \
	"$bindir/pg_ctl" start -D "$data" -l "$run/server.log" -w -t 60

export PGHOST=$run PGPORT=5432 PGUSER=postgres
db=postgres
sql "$db" "CREATE EXTENSION cks_fdw" >/dev/null

# control: libcurl with this environment does use the environment's proxy
before=$(lines "$work/envproxy.log")
env http_proxy="$env_proxy_url" curl -s -o /dev/null "$CKS_ENDPOINT_URL/" || true
check_eq "control: curl(1) with this environment goes through its proxy" \
	"$((before + 1))" "$(lines "$work/envproxy.log")"
: >"$work/envproxy.log"

# server NAME OPTIONS: server, user mapping (AssumeRole, so STS is called
# too) and table NAME_t
make_server() {
	sql "$db" "
	CREATE SERVER $1 FOREIGN DATA WRAPPER cks_fdw
	  OPTIONS (region 'us-east-1', endpoint '$CKS_ENDPOINT_URL',
	           sts_endpoint '$CKS_ENDPOINT_URL', max_attempts '1'
	           ${2:+, $2});
	CREATE USER MAPPING FOR CURRENT_USER SERVER $1
	  OPTIONS (access_key_id 'AKIDCKSTEST111111111',
	           secret_access_key 'cks/test/secret/111111111111/AAAAAAAAAAAA',
	           role_arn 'arn:aws:iam::222222222222:role/cks-reader');
	CREATE FOREIGN TABLE $1_t (custom_key_store_id text) SERVER $1;"
}
query() {
	psql -X -q -At -d "$db" -v VERBOSITY=verbose \
		-c "SELECT 'rows:' || count(*) FROM $1_t" >"$work/$1.out" 2>&1
}
expected=$(/usr/bin/python3 -c '
import sys; sys.path.insert(0, "tests/endpoint"); import ctl
print(len(ctl.get_stores("222222222222", "us-east-1")))')

# 1. no proxy option: direct, whatever the environment says
make_server direct
$CTL reset
query direct
check_eq "no proxy option: all $expected rows" "rows:$expected" "$(cat "$work/direct.out")"
check_eq "no proxy option: the endpoint saw STS and KMS directly" \
	"requests: 2" "$($CTL count)"
check_eq "no proxy option: nothing went through the environment's proxy" \
	"0" "$(lines "$work/envproxy.log")"

# 2. proxy option: every request through it, none through the environment's
make_server proxied "proxy 'http://127.0.0.1:${port_optproxy:-1}'"
$CTL reset
query proxied
check_eq "proxy option: all $expected rows" "rows:$expected" "$(cat "$work/proxied.out")"
check_eq "proxy option: STS went through the proxy" "1" \
	"$(grep -c " $CKS_ENDPOINT_URL/ sts\$" "$work/optproxy.log")"
check_eq "proxy option: KMS went through the proxy" "1" \
	"$(grep -c " $CKS_ENDPOINT_URL/ kms\$" "$work/optproxy.log")"
check_eq "proxy option: nothing went through the environment's proxy" \
	"0" "$(lines "$work/envproxy.log")"
sed 's/^/# proxy log: /' "$work/optproxy.log"

# 3. no_proxy: the endpoint's host bypasses the proxy
: >"$work/optproxy.log"
make_server bypass "proxy 'http://127.0.0.1:${port_optproxy:-1}', no_proxy 'localhost, 127.0.0.1'"
$CTL reset
query bypass
check_eq "no_proxy with the endpoint's host: all $expected rows" \
	"rows:$expected" "$(cat "$work/bypass.out")"
check_eq "no_proxy: the endpoint saw both requests" "requests: 2" "$($CTL count)"
check_eq "no_proxy: nothing went through the proxy" "0" "$(lines "$work/optproxy.log")"
check_eq "no_proxy: nothing went through the environment's proxy" \
	"0" "$(lines "$work/envproxy.log")"

# ---- TLS below 1.2 --------------------------------------------------------
certs=$work/certs
mkdir -m 755 "$certs"
check "generate a test CA and a certificate for 127.0.0.1 (openssl)" eval '
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=cks_fdw egress CA" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" \
		-keyout "$certs/ca.key" -out "$certs/ca.pem" 2>/dev/null &&
	openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
		-keyout "$certs/srv.key" -out "$certs/srv.csr" 2>/dev/null &&
	printf "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n" >"$certs/srv.ext" &&
	openssl x509 -req -days 2 -in "$certs/srv.csr" -CA "$certs/ca.pem" \
		-CAkey "$certs/ca.key" -CAcreateserial -extfile "$certs/srv.ext" \
		-out "$certs/srv.pem" 2>/dev/null'
chmod 644 "$certs"/*.pem

# start_tls_server NAME VERSION_FLAG: openssl s_server on a free port
start_tls_server() {
	local port
	port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	OPENSSL_CONF="$work/openssl-legacy.cnf" openssl s_server -quiet -www \
		-accept "127.0.0.1:$port" "$2" -cipher 'DEFAULT:@SECLEVEL=0' \
		-cert "$certs/srv.pem" -key "$certs/srv.key" >"$work/$1.log" 2>&1 &
	pids+=($!)
	printf -v "port_$1" '%s' "$port"
	wait_for 10 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" 2>/dev/null
}
check "start a TLS 1.1-only server" start_tls_server tls11 -tls1_1
check "start a TLS 1.2-only server" start_tls_server tls12 -tls1_2

status=$(OPENSSL_CONF="$work/openssl-legacy.cnf" curl -s -o /dev/null \
	-w '%{http_code}' --cacert "$certs/ca.pem" "https://127.0.0.1:${port_tls11:-1}/")
check_eq "control: with this OpenSSL configuration, curl(1) completes a TLS 1.1 handshake" \
	"200" "$status"

tls_server() {		# tls_server NAME PORT
	sql "$db" "
	CREATE SERVER $1 FOREIGN DATA WRAPPER cks_fdw
	  OPTIONS (region 'us-east-1', endpoint 'https://127.0.0.1:$2',
	           ca_file '$certs/ca.pem', max_attempts '1');
	CREATE USER MAPPING FOR CURRENT_USER SERVER $1
	  OPTIONS (access_key_id 'AKIDCKSTEST111111111',
	           secret_access_key 'cks/test/secret/111111111111/AAAAAAAAAAAA');
	CREATE FOREIGN TABLE $1_t (custom_key_store_id text) SERVER $1;"
}
tls_server tls11 "${port_tls11:-1}"
query tls11
check_eq "TLS 1.1-only server: refused with HV00N" "HV00N" "$(sqlstate_of "$work/tls11.out")"
if grep -qiE 'protocol version|unsupported protocol|wrong version' "$work/tls11.out"; then
	ok "TLS 1.1-only server: the detail names the protocol version"
else
	fail "TLS 1.1-only server: the detail names the protocol version" "$(cat "$work/tls11.out")"
fi
sed -n 's/^.*DETAIL: */# TLS 1.1: /p' "$work/tls11.out"

# s_server -www is no KMS: the query fails, but after the handshake
tls_server tls12 "${port_tls12:-1}"
query tls12
if ! grep -qiE 'SSL routines|SSL connect|protocol version|certificate' "$work/tls12.out"; then
	ok "TLS 1.2 server at the same place: past the handshake (no TLS error)"
else
	fail "TLS 1.2 server at the same place: past the handshake" "$(cat "$work/tls12.out")"
fi
sed -n 's/^.*\(ERROR\|DETAIL\): */# TLS 1.2: /p' "$work/tls12.out"

# stop the scratch cluster before summary removes its directory
cleanup
trap - EXIT
summary
