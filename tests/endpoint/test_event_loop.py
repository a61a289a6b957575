"""Tests of the endpoint's --event-loop serving mode (event_loop.py).

The benchmarks (bench/org, bench/fanout.sh) run against this mode, so it
must answer exactly like the default threaded mode, apply the configured
latency without a thread per request, keep connections alive, log every
request and obey the control API.  Each check below starts from a fresh
state of two endpoints, one per mode, and compares them where it can.

    /usr/bin/python3 -m unittest tests/endpoint/test_event_loop.py -v

(test_endpoint.py runs it too; CKS_ENDPOINT_TEST_ARGS=--event-loop runs
all of test_endpoint.py's own checks against this mode.)
"""

import http.client
import os
import re
import socket
import subprocess
import sys
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import botocore.auth                                        # noqa: E402
import botocore.awsrequest                                  # noqa: E402
import botocore.credentials                                 # noqa: E402

import ctl                                                  # noqa: E402
import fixtures as fx                                       # noqa: E402
from harness import EndpointProcess                         # noqa: E402

PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") \
    else sys.executable
KMS_TARGET = "TrentService.DescribeCustomKeyStores"
STS_BODY = b"Action=GetCallerIdentity&Version=2011-06-15"
REQUEST_ID_RE = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-"
                           rb"[0-9a-f]{4}-[0-9a-f]{12}")
# what a signature error's message quotes of the request that differs
# between the two endpoints: the Host header's port and the hashes of
# the canonical request
HOST_PORT_RE = re.compile(rb"127\.0\.0\.1:\d+")
HASH_RE = re.compile(rb"[0-9a-f]{64}")
# headers whose value differs from one answer to the next
VARYING = {"date", "x-amzn-requestid"}

LOOP = None         # the --event-loop endpoint under test
THREADED = None     # the default mode, for comparison


def setUpModule():
    global LOOP, THREADED
    saved = os.environ.pop("CKS_ENDPOINT_TEST_ARGS", None)
    try:
        THREADED = EndpointProcess(["--quiet"])
    finally:
        if saved is not None:
            os.environ["CKS_ENDPOINT_TEST_ARGS"] = saved
    LOOP = EndpointProcess(["--event-loop", "--quiet"])


def tearDownModule():
    for server in (LOOP, THREADED):
        if server is not None:
            server.stop()


def signed(server, body=b"{}", service="kms", secret=fx.SECRET_KEY_1,
           target=KMS_TARGET):
    """(headers, body) of a request signed for `server` with botocore."""
    ctype = ("application/x-amz-json-1.1" if service == "kms"
             else "application/x-www-form-urlencoded; charset=utf-8")
    headers = {"Content-Type": ctype}
    if service == "kms":
        headers["X-Amz-Target"] = target
    req = botocore.awsrequest.AWSRequest(
        method="POST", url=server.url + "/", data=body, headers=headers)
    botocore.auth.SigV4Auth(
        botocore.credentials.Credentials(fx.ACCESS_KEY_1, secret),
        service, "us-east-1").add_auth(req)
    out = dict(req.headers.items())
    out["Host"] = "127.0.0.1:%d" % server.port
    return out, body


def send(server, request, conn=None, timeout=10):
    """Send a signed request; (status, {lower-case header: value}, body)."""
    headers, body = request
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", server.port,
                                              timeout=timeout)
    try:
        conn.request("POST", "/", body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        return (resp.status, {k.lower(): v for k, v in resp.getheaders()},
                data)
    finally:
        if own:
            conn.close()


def comparable(answer):
    """An answer without what differs between two identical requests."""
    status, headers, body = answer
    body = REQUEST_ID_RE.sub(b"<id>", body)
    body = HASH_RE.sub(b"<hash>", HOST_PORT_RE.sub(b"<host>", body))
    headers = {k: v for k, v in headers.items() if k not in VARYING}
    if "content-length" in headers:     # the same, save the port's digits
        headers["content-length"] = "<%d>" % len(body)
    return status, headers, body


class EventLoopTest(unittest.TestCase):

    def setUp(self):
        ctl.reset(url=LOOP.url)
        ctl.reset(url=THREADED.url)

    def log(self):
        return ctl.select(ctl.log(url=LOOP.url))

    def test_modes_report_themselves(self):
        self.assertEqual(ctl.call("GET", "/_cks/info", url=LOOP.url),
                         {"mode": "event-loop"})
        self.assertEqual(ctl.call("GET", "/_cks/info", url=THREADED.url),
                         {"mode": "threaded"})

    def test_answers_like_the_threaded_mode(self):
        cases = [
            ("kms", b'{"Limit": 3}', fx.SECRET_KEY_1, KMS_TARGET),
            ("kms", b'{"Limit": 0}', fx.SECRET_KEY_1, KMS_TARGET),
            ("kms", b"{}", fx.SECRET_KEY_1, "TrentService.Nothing"),
            ("kms", b"{not json", fx.SECRET_KEY_1, KMS_TARGET),
            ("sts", STS_BODY, fx.SECRET_KEY_1, None),
        ]
        for service, body, secret, target in cases:
            with self.subTest(service=service, body=body, target=target):
                loop = send(LOOP, signed(LOOP, body, service, secret, target))
                threaded = send(THREADED, signed(THREADED, body, service,
                                                 secret, target))
                self.assertEqual(comparable(loop), comparable(threaded))
                self.assertRegex(loop[1]["x-amzn-requestid"],
                                 REQUEST_ID_RE.pattern.decode())
        self.assertEqual(loop[0], 200)
        self.assertIn(b"<Account>%s</Account>" % fx.ACCOUNT_1.encode(),
                      loop[2])
        self.assertEqual([r["status"] for r in self.log()],
                         [200, 400, 400, 400, 200])

    def test_bad_signature_is_rejected(self):
        bad = b"x" + fx.SECRET_KEY_1.encode()[1:]
        loop = send(LOOP, signed(LOOP, secret=bad.decode()))
        threaded = send(THREADED, signed(THREADED, secret=bad.decode()))
        self.assertEqual(loop[0], 400)
        self.assertIn(b"InvalidSignatureException", loop[2])
        self.assertEqual(comparable(loop), comparable(threaded))
        (record,) = self.log()
        self.assertEqual((record["status"], record["error_code"]),
                         (400, "InvalidSignatureException"))

    def test_latency_is_applied_without_a_thread_each(self):
        """100 requests at 200 ms at once: each takes at least the latency,
        all of them far less than two latencies (one thread serves them;
        a generous bound for a loaded 2-core machine)."""
        # the event loop's timers, not pacing: 100 at once would be 95
        # over DescribeCustomKeyStores' 5/s
        ctl.config(latency_ms=200, quotas=False, url=LOOP.url)
        n = 100
        requests = [signed(LOOP) for _ in range(n)]
        conns = [http.client.HTTPConnection("127.0.0.1", LOOP.port,
                                            timeout=30) for _ in range(n)]
        for c in conns:
            c.connect()
        barrier = threading.Barrier(n + 1)
        took, statuses = [None] * n, [None] * n

        def one(i):
            barrier.wait()
            t0 = time.monotonic()
            statuses[i] = send(LOOP, requests[i], conn=conns[i])[0]
            took[i] = time.monotonic() - t0

        threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
        for t in threads:
            t.start()
        barrier.wait()
        t0 = time.monotonic()
        for t in threads:
            t.join()
        wall = time.monotonic() - t0
        for c in conns:
            c.close()
        self.assertEqual(statuses, [200] * n)
        self.assertGreaterEqual(min(took), 0.19)
        self.assertLess(wall, 1.5)
        records = self.log()
        self.assertEqual(len(records), n)
        for r in records:
            self.assertGreaterEqual(r["end"] - r["start"], 0.19)

    def test_service_latency_settings(self):
        ctl.config(kms_latency_ms=300, url=LOOP.url)
        t0 = time.monotonic()
        self.assertEqual(send(LOOP, signed(LOOP, STS_BODY, "sts"))[0], 200)
        self.assertLess(time.monotonic() - t0, 0.25)
        t0 = time.monotonic()
        self.assertEqual(send(LOOP, signed(LOOP))[0], 200)
        self.assertGreaterEqual(time.monotonic() - t0, 0.29)
        ctl.config(kms_latency_ms=None, sts_latency_ms=250, url=LOOP.url)
        t0 = time.monotonic()
        send(LOOP, signed(LOOP, STS_BODY, "sts"))
        self.assertGreaterEqual(time.monotonic() - t0, 0.24)

    def test_keep_alive_reuses_one_connection(self):
        ctl.config(latency_ms=50, url=LOOP.url)
        conn = http.client.HTTPConnection("127.0.0.1", LOOP.port, timeout=10)
        answers = [send(LOOP, signed(LOOP), conn=conn) for _ in range(5)]
        conn.close()
        self.assertEqual([a[0] for a in answers], [200] * 5)
        self.assertEqual(len({a[1]["x-amzn-requestid"] for a in answers}), 5)
        self.assertEqual(ctl.connections(url=LOOP.url), 1)
        self.assertEqual(ctl.count(url=LOOP.url), 5)

    def test_pipelined_requests_are_answered_in_order(self):
        """Two requests in one write, the first delayed by a latency fault:
        the answers still come back in request order."""
        ctl.fault("latency", ms=300, url=LOOP.url)
        first, body1 = signed(LOOP, b'{"Limit": 1}')
        second, body2 = signed(LOOP, b'{"Limit": 2}')
        wire = b""
        for headers, body in ((first, body1), (second, body2)):
            lines = ["POST / HTTP/1.1", "Content-Length: %d" % len(body)]
            lines += ["%s: %s" % kv for kv in headers.items()]
            wire += ("\r\n".join(lines) + "\r\n\r\n").encode() + body
        sock = socket.create_connection(("127.0.0.1", LOOP.port), 10)
        sock.sendall(wire)
        reply = b""
        while reply.count(b"HTTP/1.1 200 OK") < 2 or not reply.endswith(b"}"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            reply += chunk
        sock.close()
        self.assertEqual(reply.count(b"HTTP/1.1 200 OK"), 2)
        self.assertLess(reply.index(b'"Truncated":true'),
                        reply.rindex(b"HTTP/1.1 200 OK"))
        self.assertEqual([r["params"] for r in self.log()],
                         [{"Limit": 1}, {"Limit": 2}])

    def test_log_end_is_when_the_answer_is_sent(self):
        ctl.config(latency_ms=250, url=LOOP.url)
        before = time.time()
        send(LOOP, signed(LOOP, b'{"Limit": 2}'))
        after = time.time()
        (r,) = self.log()
        self.assertEqual((r["service"], r["operation"], r["params"],
                          r["account"], r["status"]),
                         ("kms", "DescribeCustomKeyStores", {"Limit": 2},
                          fx.ACCOUNT_1, 200))
        self.assertRegex(r["connection"], r"^127\.0\.0\.1:\d+$")
        self.assertLessEqual(before, r["start"])
        self.assertGreaterEqual(r["end"] - r["start"], 0.24)
        self.assertLessEqual(r["end"], after)

    def test_ctl_command_line_and_faults(self):
        env = dict(os.environ, CKS_ENDPOINT_URL=LOOP.url)
        ctl_py = os.path.join(HERE, "ctl.py")
        subprocess.run([PYTHON, ctl_py, "fault", "throttle", "--count", "2"],
                       env=env, check=True, stdout=subprocess.DEVNULL)
        statuses = [send(LOOP, signed(LOOP))[0] for _ in range(3)]
        self.assertEqual(statuses, [400, 400, 200])
        out = subprocess.run([PYTHON, ctl_py, "count"], env=env, check=True,
                             stdout=subprocess.PIPE, text=True).stdout
        self.assertEqual(out.strip(), "requests: 3")
        self.assertEqual([r["fault"] for r in self.log()],
                         ["throttle", "throttle", None])

    def test_hang_blocks_only_its_own_connection(self):
        ctl.fault("hang", ms=1000, url=LOOP.url)
        headers, body = signed(LOOP)
        lines = ["POST / HTTP/1.1", "Content-Length: %d" % len(body)]
        lines += ["%s: %s" % kv for kv in headers.items()]
        hung = socket.create_connection(("127.0.0.1", LOOP.port), 5)
        hung.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        time.sleep(0.1)
        t0 = time.monotonic()
        self.assertEqual(send(LOOP, signed(LOOP))[0], 200)
        self.assertLess(time.monotonic() - t0, 0.5)
        self.assertEqual(hung.recv(100), b"")     # closed, unanswered
        self.assertGreater(time.monotonic() - t0, 0.7)
        hung.close()
        self.assertEqual([r["fault"] for r in self.log()], ["hang", None])

    def test_malformed_and_oversized_requests(self):
        for wire, status in [
                (b"NONSENSE\r\n\r\n", b"400"),
                (b"GET / HTTP/1.1\r\n" + b"X-Long: " + b"a" * 70000
                 + b"\r\n\r\n", b"400"),
                (b"POST / HTTP/1.1\r\nContent-Length: 9999999\r\n\r\n",
                 b"413"),
                (b"POST / HTTP/1.1\r\nContent-Length: x\r\n\r\n", b"400")]:
            with self.subTest(wire=wire[:40]):
                sock = socket.create_connection(("127.0.0.1", LOOP.port), 5)
                sock.sendall(wire)
                reply = b""
                while True:
                    chunk = sock.recv(65536)
                    if not chunk:
                        break
                    reply += chunk
                sock.close()
                self.assertTrue(reply.startswith(b"HTTP/1.1 " + status),
                                reply[:80])
        # the server still serves
        self.assertEqual(send(LOOP, signed(LOOP))[0], 200)


if __name__ == "__main__":
    unittest.main(verbosity=2)
