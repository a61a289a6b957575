"""The --event-loop serving mode of the local endpoint (kms_endpoint.py).

The default, threaded mode gives every connection a thread that sleeps
through the injected latency; with hundreds of requests in flight on a
2-core machine the thread wake-ups and GIL hand-offs, not Python, become
the cost, so the endpoint itself is the limit of the organization-scale
benchmarks (bench/org, bench/fanout.sh).  This mode serves every
connection from one asyncio thread: a request is parsed here, processed
at once by the same code as the threaded mode (processing.py), and its
answer is sent with loop.call_later when the injected latency (latency_ms,
kms_latency_ms, sts_latency_ms, latency and hang faults) has passed; the
request log's "end" is when it is sent.

HTTP/1.1 keep-alive, Content-Length and chunked bodies, Expect:
100-continue; requests on one connection are answered in order.  Every
size is bounded like the threaded mode's (processing.MAX_BODY,
MAX_CONTROL_BODY) plus the request head (MAX_HEAD).
"""

import asyncio
import http.client
import io
import signal
import socket
import struct
import sys
import time

import state
from processing import MAX_BODY, MAX_CONTROL_BODY, RequestProcessing

# Request line plus headers; http.server allows 64 KiB lines, 100 headers.
MAX_HEAD = 64 * 1024
# Bytes buffered from a connection while its previous request is waiting
# for its latency; beyond that the connection stops being read.
MAX_BUFFERED = MAX_CONTROL_BODY + MAX_HEAD
METHODS = ("GET", "POST", "PUT", "DELETE")
TLS_HANDSHAKE_SECONDS = 10


class BadRequest(Exception):
    """A request this server cannot frame; answered 400, then closed."""


class LoopRequest(RequestProcessing):
    """One parsed request.  Processing runs at once; what it would have
    slept is added up in `delay`, and its output (answers, log completion,
    dropping the connection) is kept in `actions` for the connection to
    carry out when the delay has passed."""

    def __init__(self, connection, command, path, version, headers, body,
                 too_large):
        self.connection = connection
        self.command = command
        self.path = path
        self.request_version = version
        self.headers = headers
        self.client_address = connection.peer
        self.body = body
        self.too_large = too_large
        self.close_connection = wants_close(version, headers)
        self.delay = 0.0
        self.actions = []

    def read_body(self, limit):
        if self.too_large or len(self.body) > limit:
            return None
        return self.body

    def pause(self, seconds):
        self.delay += seconds

    def hang(self, seconds):
        self.delay += seconds

    def send_raw(self, status, body, content_type, headers=()):
        data = self.response_bytes(status, body, content_type, headers)
        self.actions.append(lambda: self.connection.write(data))

    def complete(self, record, status, body, content_type, headers=(),
                 **fields):
        """As RequestProcessing.complete, when the answer goes out."""
        data = self.response_bytes(status, body, content_type, headers)

        def finish():
            state.STATE.log_update(record, status=status, end=time.time(),
                                   **fields)
            self.connection.write(data)
        self.actions.append(finish)

    def end_unanswered(self, record, rst):
        self.close_connection = True

        def finish():
            state.STATE.log_update(record, end=time.time())
            self.connection.drop(rst)
        self.actions.append(finish)

    def drop_connection(self, rst):
        self.close_connection = True
        self.actions.append(lambda: self.connection.drop(rst))


def wants_close(version, headers):
    """HTTP/1.1 keeps the connection unless told to close; 1.0 closes it
    unless told to keep it (as http.server decides)."""
    token = (headers.get("Connection") or "").lower()
    if token == "close":
        return True
    return version != "HTTP/1.1" and token != "keep-alive"


def body_limit(path):
    return MAX_CONTROL_BODY if path.startswith("/_cks/") else MAX_BODY


def parse_chunked(buffer, start, limit):
    """(body, end offset) of a complete chunked body at buffer[start:];
    None while incomplete; (None, None) if it is larger than limit."""
    chunks = []
    total = 0
    pos = start
    while True:
        eol = buffer.find(b"\r\n", pos)
        if eol < 0:
            return None if len(buffer) - pos <= MAX_HEAD else (None, None)
        try:
            size = int(bytes(buffer[pos:eol]).split(b";")[0].strip() or b"0",
                       16)
        except ValueError:
            raise BadRequest("bad chunk size")
        pos = eol + 2
        if size == 0:
            break
        total += size
        if size < 0 or total > limit:
            return (None, None)
        if len(buffer) < pos + size + 2:
            return None
        chunks.append(bytes(buffer[pos:pos + size]))
        pos += size + 2
    while True:                         # trailers, up to the empty line
        eol = buffer.find(b"\r\n", pos)
        if eol < 0:
            return None
        line_empty = eol == pos
        pos = eol + 2
        if line_empty:
            return b"".join(chunks), pos


class Connection(asyncio.Protocol):
    """One client connection, its requests answered one after the other."""

    def __init__(self, server):
        self.server = server
        self.buffer = bytearray()
        self.busy = False           # a request is waiting for its answer
        self.closed = False
        self.eof = False
        self.paused = False
        self.continued = False      # 100 Continue sent for the next request
        self.transport = None
        self.peer = ("", 0)

    def connection_made(self, transport):
        self.transport = transport
        self.peer = transport.get_extra_info("peername")[:2]
        sock = transport.get_extra_info("socket")
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except (OSError, AttributeError):
            pass
        self.server.connections.add(self)

    def connection_lost(self, exc):
        self.closed = True
        self.server.connections.discard(self)

    def data_received(self, data):
        self.buffer += data
        if len(self.buffer) > MAX_BUFFERED and not self.paused:
            self.transport.pause_reading()
            self.paused = True
        self.serve_buffered()

    def eof_received(self):
        self.eof = True
        if self.busy:
            return True             # half-open: the answer still goes out
        return False

    def write(self, data):
        if not self.closed:
            self.transport.write(data)

    def drop(self, rst):
        """Close without an answer: FIN, or RST with rst."""
        if self.closed:
            return
        self.closed = True
        if rst:
            sock = self.transport.get_extra_info("socket")
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                struct.pack("ii", 1, 0))
            except (OSError, AttributeError):
                pass
            self.transport.abort()
        else:
            self.transport.close()

    def serve_buffered(self):
        """Start on the next complete request unless one is pending."""
        while not self.busy and not self.closed:
            try:
                request = self.next_request()
            except BadRequest as e:
                self.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0"
                           b"\r\nConnection: close\r\n\r\n")
                print("kms_endpoint: bad request from %s:%d: %s"
                      % (self.peer + (e,)), file=sys.stderr, flush=True)
                self.drop(rst=False)
                return
            if request is None:
                if self.eof and not self.closed:
                    self.drop(rst=False)
                return
            self.run(request)

    def next_request(self):
        """The LoopRequest at the head of the buffer, consumed, or None
        until it has fully arrived."""
        head_end = self.buffer.find(b"\r\n\r\n")
        if head_end < 0:
            if len(self.buffer) > MAX_HEAD:
                raise BadRequest("request head too large")
            return None
        if head_end > MAX_HEAD:
            raise BadRequest("request head too large")
        head = bytes(self.buffer[:head_end + 4])
        line, _, rest = head.partition(b"\r\n")
        parts = line.decode("latin-1").split()
        if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
            raise BadRequest("bad request line")
        command, path, version = parts
        try:
            headers = http.client.parse_headers(io.BytesIO(rest))
        except http.client.HTTPException as e:
            raise BadRequest(str(e))
        if (not self.continued and version == "HTTP/1.1" and
                (headers.get("Expect") or "").lower() == "100-continue"):
            self.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            self.continued = True
        body, end, too_large = self.framed_body(headers, path, head_end + 4)
        if end is None:
            return None
        del self.buffer[:end]
        self.continued = False
        return LoopRequest(self, command, path, version, headers, body,
                           too_large)

    def framed_body(self, headers, path, start):
        """(body, end of the request in the buffer, too large); end is
        None while the body is incomplete.  A body over the limit is not
        read: the answer (413) closes the connection."""
        limit = body_limit(path)
        if "chunked" in (headers.get("Transfer-Encoding") or "").lower():
            framed = parse_chunked(self.buffer, start, limit)
            if framed is None:
                return None, None, False
            if framed[0] is None:
                return b"", start, True
            return framed[0], framed[1], False
        try:
            length = int(headers.get("Content-Length") or 0)
        except ValueError:
            raise BadRequest("bad Content-Length")
        if length < 0:
            raise BadRequest("bad Content-Length")
        if length > limit:
            return b"", start, True
        if len(self.buffer) < start + length:
            return None, None, False
        return bytes(self.buffer[start:start + length]), start + length, False

    def run(self, request):
        """Process a request now; send its answer after its delay."""
        self.busy = True
        if request.command not in METHODS:
            request.close_connection = True
            request.send_raw(501, b"", None)
        else:
            try:
                request.dispatch()
            except Exception as exc:                # noqa: BLE001
                print("kms_endpoint: error serving %s:%d: %r"
                      % (self.peer + (exc,)), file=sys.stderr, flush=True)
                self.drop(rst=False)
                return
        if request.delay > 0:
            self.server.loop.call_later(request.delay, self.answer, request)
        else:
            self.answer(request)

    def answer(self, request):
        for action in request.actions:
            action()
        self.busy = False
        if request.close_connection or (self.eof and not self.buffer):
            self.drop(rst=False)
            return
        if self.paused and not self.closed:
            self.transport.resume_reading()
            self.paused = False
        self.serve_buffered()


class EventLoopServer:
    """The listening socket and the open connections of this mode."""

    def __init__(self):
        self.loop = asyncio.new_event_loop()
        self.connections = set()
        self.stopping = asyncio.Event()

    def serve(self, host, port, backlog, ssl_context, on_listening):
        """Listen, call on_listening(port), serve until SIGTERM/SIGINT."""
        loop = self.loop
        asyncio.set_event_loop(loop)
        server = loop.run_until_complete(loop.create_server(
            lambda: Connection(self), host, port, backlog=backlog,
            ssl=ssl_context,
            ssl_handshake_timeout=(TLS_HANDSHAKE_SECONDS if ssl_context
                                   else None)))
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, self.stopping.set)
        try:
            on_listening(server.sockets[0].getsockname()[1])
            loop.run_until_complete(self.stopping.wait())
        finally:
            state.STATE.stop.set()
            server.close()
            for conn in list(self.connections):
                conn.drop(rst=False)
            loop.run_until_complete(server.wait_closed())
            loop.close()
