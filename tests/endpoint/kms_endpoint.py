#!/usr/bin/python3
"""Local stand-in for the AWS services cks_fdw talks to.

cks_fdw's tests never reach AWS; they point the extension's endpoint
options at this server.  It behaves like the real services on the wire:
KMS (DescribeCustomKeyStores, ListKeys, DescribeKey), Organizations
(ListAccounts) and CloudHSM v2 (DescribeClusters) in JSON 1.1, STS
(AssumeRole, GetCallerIdentity, AssumeRoleWithWebIdentity) in Query/XML,
EC2 IMDSv2 and the ECS credentials endpoint; AWS's error shapes and
headers, SigV4 signature checks done with botocore's own signer,
temporary credentials, per-(account, region) data with opaque pagination
markers.  A control API under /_cks/ lets tests inject faults, skew the
clock, load large data sets and read a log of every API request.

    /usr/bin/python3 tests/endpoint/kms_endpoint.py --port 0 --port-file F

This file is the HTTP layer and the entry point; the services live in
kms.py, sts.py, organizations.py, cloudhsm.py, metadata.py, signatures in
sigv4.py, shared state in state.py, the control API in control.py.  See
tests/endpoint/README.md for identities, data, the control API and ctl.py.
"""

import argparse
import email.utils
import http.server
import json
import os
import resource
import signal
import socket
import ssl
import struct
import sys
import threading
import time
import urllib.parse
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import cloudhsm                                             # noqa: E402
import common                                               # noqa: E402
import control                                              # noqa: E402
import fixtures                                             # noqa: E402
import kms                                                  # noqa: E402
import metadata                                             # noqa: E402
import organizations                                        # noqa: E402
import state                                                # noqa: E402
import sts                                                  # noqa: E402
import sigv4                                                # noqa: E402
from common import ApiError                                 # noqa: E402
from sigv4 import authenticate, guess_service               # noqa: E402

# kept importable from here for the tests and tools that use them
compute_signature = sigv4.compute_signature
parse_authorization = sigv4.parse_authorization

MAX_BODY = 1 << 20              # API bodies are tiny; refuse anything huge
MAX_CONTROL_BODY = 16 << 20
# Listen backlog and connection threads: enough for a fan-out of 1,000
# connections opened at once (the kernel caps the backlog at somaxconn).
LISTEN_BACKLOG = 4096
THREAD_STACK_BYTES = 512 * 1024

# JSON service -> {operation: handler(ident, params, fault) -> str or dict}
JSON_OPERATIONS = {
    "kms": kms.OPERATIONS,
    "organizations": organizations.OPERATIONS,
    "cloudhsm": cloudhsm.OPERATIONS,
}
TARGET_PREFIX = {service: prefix for prefix, service
                 in common.JSON_TARGET_PREFIXES.items()}
# per-service delay settings, on top of latency_ms
SERVICE_LATENCY = {"kms": "kms_latency_ms", "sts": "sts_latency_ms"}

# Size of the empty_entries and big_error bodies unless the fault says.
DEFAULT_FAULT_BYTES = 8 << 20

HTML_502 = (b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n"
            b"<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n"
            b"</body>\r\n</html>\r\n")


class Handler(http.server.BaseHTTPRequestHandler):
    """One client connection; HTTP/1.1 keep-alive is handled by the base
    class's loop over handle_one_request."""

    protocol_version = "HTTP/1.1"
    server_version = "cks-endpoint"
    sys_version = ""

    def setup(self):
        if isinstance(self.request, ssl.SSLSocket):
            # TLS handshake here, in the connection's own thread, so a slow
            # or failing client never stalls the accept loop
            self.request.settimeout(10)
            self.request.do_handshake()
            self.request.settimeout(None)
        super().setup()
        # Responses go out in one write; without NODELAY a keep-alive
        # client could still wait for a delayed ACK between requests.
        try:
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY,
                                       1)
        except OSError:
            pass

    def log_message(self, fmt, *args):
        pass    # the request log is kept in memory, see /_cks/log

    def do_GET(self):
        self.dispatch()

    def do_POST(self):
        self.dispatch()

    def do_PUT(self):
        self.dispatch()

    def do_DELETE(self):
        self.dispatch()

    # ---- plumbing ---------------------------------------------------------

    def read_body(self, limit):
        """The request body (Content-Length or chunked), or None if it is
        larger than limit."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            total = 0
            while True:
                size_line = self.rfile.readline(65537)
                size = int(size_line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n",
                                                             b""):
                        pass
                    break
                total += size
                if total > limit:
                    return None
                chunks.append(self.rfile.read(size))
                self.rfile.readline(65537)
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        if length > limit:
            return None
        return self.rfile.read(length) if length > 0 else b""

    def send_raw(self, status, body, content_type, headers=()):
        """Write status line, headers and body in one call."""
        reason = self.responses.get(status, ("Unknown",))[0]
        with state.STATE.lock:
            date = state.STATE.config["date_header"]
        if date is None:
            date = email.utils.formatdate(state.STATE.now(), usegmt=True)
        lines = ["HTTP/1.1 %d %s" % (status, reason), "Date: " + date]
        if content_type is not None:
            lines.append("Content-Type: " + content_type)
        lines.append("Content-Length: %d" % len(body))
        lines.extend("%s: %s" % h for h in headers)
        if self.close_connection:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        self.wfile.write(head + body)
        self.wfile.flush()

    def drop_connection(self, rst):
        """End the connection without a response; with rst, abort it (RST)
        instead of closing it (FIN)."""
        self.close_connection = True
        try:
            if rst:
                self.connection.setsockopt(socket.SOL_SOCKET,
                                           socket.SO_LINGER,
                                           struct.pack("ii", 1, 0))
            self.wfile.flush()
        except OSError:
            pass
        for f in (self.wfile, self.rfile):
            try:
                f.close()
            except OSError:
                pass
        try:
            self.connection.close()
        except OSError:
            pass

    def dispatch(self):
        if self.path.startswith("/_cks/"):
            self.handle_control()
            return
        path = urllib.parse.urlsplit(self.path).path
        source = metadata.is_metadata_path(self.command, path)
        if source:
            self.handle_metadata(source, path)
        else:
            self.handle_api()

    # ---- API requests -----------------------------------------------------

    def handle_api(self):
        start = time.time()
        request_id = str(uuid.uuid4())
        body = self.read_body(MAX_BODY)
        if body is None:
            self.close_connection = True
            self.send_raw(413, b"", None, [("x-amzn-RequestId", request_id)])
            return
        query = urllib.parse.urlsplit(self.path).query
        service = guess_service(self.headers, body, query)
        record = {
            "seq": 0, "start": start, "end": None, "service": service,
            "operation": None, "params": None, "region": None,
            "account": None, "access_key_id": None,
            "connection": "%s:%d" % self.client_address[:2],
            "status": None, "error_code": None, "fault": None,
        }
        operation, params, version = self.describe_request(service, body,
                                                           query)
        record["operation"] = operation
        record["params"] = params
        state.STATE.log_start(record)

        fault = None
        try:
            if service == "sts" and operation in sts.UNSIGNED_ACTIONS:
                ident = self.unsigned_identity(params)
            else:
                ident = authenticate(self, body, service)
            state.STATE.log_update(record, region=ident.region,
                             account=ident.account,
                             access_key_id=ident.access_key_id)
            fault = state.STATE.take_fault(service, operation, ident.region,
                                     ident.account)
            self.apply_latency(service)
            if fault:
                state.STATE.log_update(record, fault=fault["kind"])
                if self.apply_transport_fault(fault, service, record,
                                              request_id):
                    return
            if service == "sts":
                status, payload = self.run_sts(ident, operation, params,
                                               version, request_id, fault)
            else:
                status, payload = self.run_json(service, ident, operation,
                                                params, fault)
            self.finish_api(record, request_id, service, status, payload,
                            None, fault)
        except ApiError as err:
            if err.service == "sts":
                code_status = common.STS_ERRORS.get(err.code, (400,))[0]
                payload = sts.sts_error_xml(err.code, err.message, request_id)
            else:
                code_status = common.json_error_shape(err.service,
                                                      err.code)[0]
                payload = common.json_error_body(err)
            status = err.status or code_status
            self.finish_api(record, request_id, err.service, status, payload,
                            err, fault)

    def unsigned_identity(self, form):
        """The identity of an unsigned STS call: nobody yet; logged under
        the account of the role it asks for, in us-east-1 (the global
        endpoint's region)."""
        role_arn = (form or {}).get("RoleArn") or ""
        parts = role_arn.split(":")
        account = parts[4] if len(parts) > 5 and parts[4].isdigit() else None
        return sigv4.Identity(account, None, None, None, "us-east-1", "sts")

    def apply_latency(self, service):
        with state.STATE.lock:
            latency = state.STATE.config["latency_ms"]
            setting = SERVICE_LATENCY.get(service)
            if setting:
                latency += state.STATE.config[setting]
        if latency:
            time.sleep(latency / 1000.0)

    def describe_request(self, service, body, query):
        """(operation, params, STS version) for the log, read before
        authentication so that rejected requests are logged too.  STS form
        fields hold no secrets; Action and Version are left out of params
        as redundant."""
        if service != "sts":
            target = self.headers.get("X-Amz-Target", "")
            operation = target.split(".", 1)[1] if "." in target else target
            try:
                params = json.loads(body.decode("utf-8")) if body else {}
            except (ValueError, UnicodeError):
                params = None
            return operation or None, params, None
        try:
            text = body.decode("utf-8") if body else query
            form = {k: v[0] for k, v in urllib.parse.parse_qs(
                text, keep_blank_values=True).items()}
        except (ValueError, UnicodeError):
            return None, None, None
        operation = form.pop("Action", None)
        version = form.pop("Version", None)
        return operation, form, version

    def run_json(self, service, ident, operation, params, fault):
        target = self.headers.get("X-Amz-Target", "")
        prefix, _, name = target.partition(".")
        handler = JSON_OPERATIONS[service].get(name)
        if handler is None or prefix != TARGET_PREFIX[service]:
            raise ApiError(service, "UnknownOperationException", None)
        if params is None:
            raise ApiError(service, "SerializationException",
                           "Unexpected character found in request body")
        answer = handler(ident, params, fault)
        if not isinstance(answer, str):
            answer = common.to_json(answer)
        return 200, answer

    def run_sts(self, ident, operation, form, version, request_id, fault):
        if form is None or operation is None:
            raise ApiError("sts", "MissingAction", "Missing Action")
        handler = sts.ACTIONS.get(operation)
        if handler is None or (version is not None
                               and version != sts.STS_VERSION):
            raise ApiError("sts", "InvalidAction",
                           "Could not find operation %s for version %s"
                           % (operation, version or sts.STS_VERSION))
        return 200, handler(ident, form, request_id, fault)

    def apply_transport_fault(self, fault, service, record, request_id):
        """Faults that replace the whole answer.  Returns True if the
        request is finished (answered or connection dropped)."""
        kind = fault["kind"]
        if kind in ("close", "reset"):
            state.STATE.log_update(record, end=time.time())
            self.drop_connection(rst=(kind == "reset"))
            return True
        if kind == "hang":
            state.STATE.stop.wait(fault.get("ms", 60000) / 1000.0)
            state.STATE.log_update(record, end=time.time())
            self.drop_connection(rst=False)
            return True
        if kind == "latency":
            time.sleep(fault.get("ms", 1000) / 1000.0)
            return False
        err = fault_error(fault, service, record)
        if err is not None:
            raise err
        if kind == "empty":
            self.finish_api(record, request_id, service, 200, "", None, fault)
            return True
        if kind == "html502":
            state.STATE.log_update(record, status=502, end=time.time())
            self.send_raw(502, HTML_502, "text/html",
                          [("Server", "awselb/2.0")])
            return True
        if kind in ("empty_entries", "big_error"):
            self.send_big_body(kind, fault, record, request_id)
            return True
        return False    # malformed, wrongtypes, loop_marker, ... : later

    def send_big_body(self, kind, fault, record, request_id):
        """A well-formed answer of `bytes` bytes (8 MiB unless the fault
        says) meant to cost the client memory: a 200 page of empty entries
        ({"CustomKeyStores":[{},{},...]}, ~400x its size once parsed
        naively), or a 400 ThrottlingException whose message fills the
        body."""
        size = fault.get("bytes", DEFAULT_FAULT_BYTES)
        if kind == "empty_entries":
            head, item, tail = b'{"CustomKeyStores":[', b"{},", b"{}]}"
            status, headers = 200, []
        else:
            head = (b'{"__type":"com.amazon.coral.availability#'
                    b'ThrottlingException","message":"')
            item, tail = b"x", b'"}'
            status = 400
            headers = [("X-Amzn-ErrorType", "ThrottlingException:http://"
                        "internal.amazon.com/coral/com.amazon.coral."
                        "availability/")]
        repeat = max(0, (size - len(head) - len(tail)) // len(item))
        body = head + item * repeat + tail
        state.STATE.log_update(record, status=status, end=time.time(),
                               error_code=None if status == 200
                               else "ThrottlingException")
        self.send_raw(status, body, common.JSON_CONTENT_TYPE,
                      [("x-amzn-RequestId", request_id)] + headers)

    def finish_api(self, record, request_id, service, status, payload, err,
                   fault):
        body = payload.encode("utf-8")
        if fault and fault["kind"] == "malformed":
            body = body[:max(1, len(body) // 2)]
        headers = [("x-amzn-RequestId", request_id)]
        if err is not None and service != "sts":
            namespace = (common.json_error_shape(service, err.code)[1]
                         or "com.amazonaws." + service)
            headers.append(("X-Amzn-ErrorType", "%s:http://internal.amazon."
                            "com/coral/%s/" % (err.code, namespace)))
        ctype = common.JSON_CONTENT_TYPE if service != "sts" else "text/xml"
        # Complete the log entry before the client can see the answer, so a
        # test that reads the log right after its request finds it final.
        state.STATE.log_update(record, status=status, end=time.time(),
                         error_code=err.code if err else None)
        self.send_raw(status, body, ctype, headers)

    # ---- control API ------------------------------------------------------

    def handle_control(self):
        host = self.client_address[0]
        body = self.read_body(MAX_CONTROL_BODY)
        if body is None:
            self.close_connection = True
            return self.send_json(413, {"error": "body too large"})
        if not (host.startswith("127.") or host == "::1"):
            return self.send_json(403, {"error": "control API is loopback "
                                                 "only"})
        url = urllib.parse.urlsplit(self.path)
        query = {k: v[0] for k, v in urllib.parse.parse_qs(url.query).items()}
        try:
            args = json.loads(body.decode("utf-8")) if body.strip() else {}
            if not isinstance(args, dict):
                raise ValueError("body must be a JSON object")
        except (ValueError, UnicodeError) as e:
            return self.send_json(400, {"error": "bad JSON body: %s" % e})
        route = (self.command, url.path)
        handler = control.ROUTES.get(route)
        if handler is None:
            return self.send_json(404, {"error": "no such control call: %s %s"
                                                 % route})
        try:
            status, result = handler(args, query)
        except (ValueError, TypeError, KeyError) as e:
            status, result = 400, {"error": str(e)}
        self.send_json(status, result)

    def send_json(self, status, value):
        self.send_raw(status, common.to_json(value).encode("utf-8"),
                      "application/json")

    # ---- IMDS and ECS -----------------------------------------------------

    def handle_metadata(self, source, path):
        """IMDSv2 and ECS credential requests: logged like API requests
        (service imds or ecs) so tests can count credential fetches;
        close, reset, hang, latency and status faults apply."""
        record = {
            "seq": 0, "start": time.time(), "end": None, "service": source,
            "operation": None, "params": {"path": path}, "region": None,
            "account": None, "access_key_id": None,
            "connection": "%s:%d" % self.client_address[:2],
            "status": None, "error_code": None, "fault": None,
            # the metadata services' requests carry no body: show any
            # body framing a client sends anyway (an empty form POST body)
            "method": self.command,
            "body_headers": "+".join(
                h for h in ("Content-Length", "Content-Type",
                            "Transfer-Encoding")
                if self.headers.get(h) is not None) or "none",
        }
        if self.read_body(MAX_BODY) is None:
            self.close_connection = True
            return self.send_raw(413, b"", None)
        state.STATE.log_start(record)
        answer = (metadata.imds if source == "imds" else metadata.ecs)(
            self, path)
        status, body, ctype, headers, operation, account = answer
        state.STATE.log_update(record, operation=operation, account=account)
        fault = state.STATE.take_fault(source, operation, None, account)
        if fault:
            state.STATE.log_update(record, fault=fault["kind"])
            kind = fault["kind"]
            if kind in ("close", "reset", "hang"):
                if kind == "hang":
                    state.STATE.stop.wait(fault.get("ms", 60000) / 1000.0)
                state.STATE.log_update(record, end=time.time())
                return self.drop_connection(rst=(kind == "reset"))
            if kind == "latency":
                time.sleep(fault.get("ms", 1000) / 1000.0)
            else:
                status = {"status500": 500, "status503": 503}.get(
                    kind, int(fault.get("status", 500)))
                body, ctype, headers = b"", metadata.TEXT, []
        state.STATE.log_update(record, status=status, end=time.time(),
                         error_code=None if status < 400 else str(status))
        self.send_raw(status, body, ctype, headers)
def fault_error(fault, service, record):
    """The ApiError an error fault injects, in `service`'s codes; None for
    the faults that are not errors."""
    kind = fault["kind"]
    json_service = service != "sts"
    if kind == "throttle":
        return ApiError(service, "ThrottlingException" if json_service
                        else "Throttling", "Rate exceeded")
    if kind == "status500":
        return ApiError(service, common.INTERNAL_ERROR.get(
            service, "InternalFailure"),
            "The request processing has failed because of an unknown "
            "error, exception or failure.")
    if kind == "status503":
        return ApiError(service, "ServiceUnavailableException"
                        if json_service else "ServiceUnavailable",
                        "Service Unavailable")
    if kind == "accessdenied":
        ident_arn = "arn:aws:iam::%s:user/%s" % (record["account"],
                                                 fixtures.IAM_USER_NAME)
        return ApiError(service, "AccessDeniedException" if json_service
                        else "AccessDenied",
                        "User: %s is not authorized to perform: %s:%s "
                        "because no identity-based policy allows the "
                        "%s:%s action" % (ident_arn, service,
                                          record["operation"], service,
                                          record["operation"]))
    if kind == "status":
        status = int(fault.get("status", 500))
        code = fault.get("code") or default_code(service, status)
        message = fault.get("message") or "Injected HTTP %d" % status
        return ApiError(service, code, message, status=status)
    return None


def default_code(service, status):
    """An error code that fits an injected HTTP status."""
    if service != "sts":
        internal = common.INTERNAL_ERROR.get(service, "KMSInternalException")
        return {500: internal, 503: "ServiceUnavailableException",
                403: "AccessDeniedException"}.get(
                    status, internal if status >= 500
                    else "ValidationException")
    return {500: "InternalFailure", 503: "ServiceUnavailable",
            403: "AccessDenied"}.get(
                status, "InternalFailure" if status >= 500
                else "ValidationError")


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = LISTEN_BACKLOG

    def handle_error(self, request, client_address):
        """Clients that vanish, reset or fail the TLS handshake are routine
        in fault tests; only report real bugs, one line each, on stderr."""
        exc = sys.exc_info()[1]
        if isinstance(exc, (OSError, ssl.SSLError)):
            return
        print("kms_endpoint: error serving %s:%d: %r"
              % (client_address[0], client_address[1], exc), file=sys.stderr,
              flush=True)


def write_port_file(path, port):
    """Publish the port atomically: readers see no file or a whole one."""
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.replace(tmp, path)


def raise_open_file_limit():
    """Up to the hard limit: each concurrent connection is a descriptor."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard > soft:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        except (ValueError, OSError):
            pass


def parse_account_range(text, stores):
    """FIRST-LAST (or a single id) from --account-range."""
    first, _, last = text.partition("-")
    return state.AccountRange(first, last or first, stores)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file")
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    parser.add_argument("--quiet", action="store_true",
                        help="do not print the 'listening on' line")
    parser.add_argument("--account-range", metavar="FIRST-LAST",
                        help="every 12-digit account id in the range exists "
                        "with generated data, e.g. "
                        "100000000000-100000000999")
    parser.add_argument("--stores-per-account", type=int, default=2,
                        help="stores per region of each range account")
    opts = parser.parse_args(argv)
    if bool(opts.tls_cert) != bool(opts.tls_key):
        parser.error("--tls-cert and --tls-key go together")
    account_range = None
    if opts.account_range:
        try:
            account_range = parse_account_range(opts.account_range,
                                                opts.stores_per_account)
        except ValueError as e:
            parser.error("--account-range: %s" % e)

    if opts.port_file and os.path.exists(opts.port_file):
        os.unlink(opts.port_file)      # never let a reader see a stale port
    state.STATE = state.State(account_range)
    raise_open_file_limit()
    threading.stack_size(THREAD_STACK_BYTES)
    server = Server((opts.host, opts.port), Handler)
    scheme = "http"
    if opts.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(opts.tls_cert, opts.tls_key)
        # handshake in the connection's thread, not in the accept loop
        server.socket = ctx.wrap_socket(server.socket, server_side=True,
                                        do_handshake_on_connect=False)
        scheme = "https"
    port = server.server_address[1]

    def stop(signum, frame):
        state.STATE.stop.set()
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if opts.port_file:
        write_port_file(opts.port_file, port)
    if not opts.quiet:
        print("listening on %s://%s:%d" % (scheme, opts.host, port),
              flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
        if opts.port_file:
            try:
                os.unlink(opts.port_file)
            except OSError:
                pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
