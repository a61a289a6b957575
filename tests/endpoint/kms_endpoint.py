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

This file is the threaded HTTP layer and the entry point; what is done
with a request (shared with the --event-loop mode of event_loop.py) is in
processing.py, the services in kms.py, sts.py, organizations.py,
cloudhsm.py, metadata.py, signatures in sigv4.py, shared state in
state.py, the control API in control.py.  See
tests/endpoint/README.md for identities, data, the control API and ctl.py.
"""

import argparse
import http.server
import os
import resource
import signal
import socket
import ssl
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import control                                              # noqa: E402
import event_loop                                           # noqa: E402
import sigv4                                                # noqa: E402
import state                                                # noqa: E402
from processing import RequestProcessing                    # noqa: E402

# kept importable from here for the tests and tools that use them
compute_signature = sigv4.compute_signature
parse_authorization = sigv4.parse_authorization

# Listen backlog and connection threads: enough for a fan-out of 1,000
# connections opened at once (the kernel caps the backlog at somaxconn).
LISTEN_BACKLOG = 4096
THREAD_STACK_BYTES = 512 * 1024


class Handler(RequestProcessing, http.server.BaseHTTPRequestHandler):
    """The threaded mode: one client connection in its own thread; HTTP/1.1
    keep-alive is handled by the base class's loop over
    handle_one_request."""

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

    def pause(self, seconds):
        """Injected latency: this connection's thread sleeps."""
        time.sleep(seconds)

    def hang(self, seconds):
        """A hung answer: wait, or until the server stops."""
        state.STATE.stop.wait(seconds)


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
        self.wfile.write(self.response_bytes(status, body, content_type,
                                             headers))
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
    parser.add_argument("--event-loop", action="store_true",
                        help="serve every connection from one asyncio "
                        "thread, latency applied with timers (for the "
                        "benchmarks; see event_loop.py)")
    parser.add_argument("--no-quotas", action="store_true",
                        help="do not enforce AWS's default request quotas "
                        "(quotas.py); POST /_cks/config {\"quotas\": true} "
                        "turns them on")
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
    state.STATE = state.State(account_range, quotas=not opts.no_quotas)
    raise_open_file_limit()
    ctx = None
    if opts.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(opts.tls_cert, opts.tls_key)
    scheme = "https" if ctx else "http"

    def listening(port):
        if opts.port_file:
            write_port_file(opts.port_file, port)
        if not opts.quiet:
            print("listening on %s://%s:%d" % (scheme, opts.host, port),
                  flush=True)

    try:
        if opts.event_loop:
            control.SERVING_MODE = "event-loop"
            event_loop.EventLoopServer().serve(
                opts.host, opts.port, LISTEN_BACKLOG, ctx, listening)
        else:
            serve_threaded(opts.host, opts.port, ctx, listening)
    finally:
        if opts.port_file:
            try:
                os.unlink(opts.port_file)
            except OSError:
                pass
    return 0


def serve_threaded(host, port, ctx, on_listening):
    """The default mode: a thread per connection (Handler)."""
    threading.stack_size(THREAD_STACK_BYTES)
    server = Server((host, port), Handler)
    if ctx:
        # handshake in the connection's thread, not in the accept loop
        server.socket = ctx.wrap_socket(server.socket, server_side=True,
                                        do_handshake_on_connect=False)

    def stop(signum, frame):
        state.STATE.stop.set()
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    on_listening(server.server_address[1])
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()


if __name__ == "__main__":
    sys.exit(main())
