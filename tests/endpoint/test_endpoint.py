#!/usr/bin/python3
"""Tests of the local KMS + STS endpoint (tests/endpoint/kms_endpoint.py).

The endpoint is the yardstick every cks_fdw test is measured against, so it
is itself checked here with the real AWS SDK: botocore clients (and the AWS
CLI when installed) must see it behave like KMS and STS, including the
errors, signature checks, temporary credentials and every injected fault.

    /usr/bin/python3 tests/endpoint/test_endpoint.py        # N passed, N failed

It also runs test_endpoint_sts.py (STS, faults and the request log, on an
endpoint of their own), test_services.py, test_inventory.py and test_keyless.py (the
Organizations, CloudHSM, ListKeys/DescribeKey, IMDS, ECS and web identity
checks), which share a second endpoint started with an account range, and
test_event_loop.py (the --event-loop serving mode beside the default one).
    /usr/bin/python3 -m unittest discover -s tests/endpoint -v

Each run starts its own endpoint on a free port and stops it afterwards.
"""

import base64
import datetime
import email.utils
import http.client
import json
import math
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import botocore.auth                                        # noqa: E402
import botocore.awsrequest                                  # noqa: E402
import botocore.credentials                                 # noqa: E402
import botocore.exceptions                                  # noqa: E402
import botocore.session                                     # noqa: E402
from botocore.config import Config                          # noqa: E402

import ctl                                                  # noqa: E402
import fixtures as fx                                       # noqa: E402
import kms_endpoint                                         # noqa: E402

PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") \
    else sys.executable
ENDPOINT = os.path.join(HERE, "kms_endpoint.py")
CTL = os.path.join(HERE, "ctl.py")
# ../shared next to the repository; read in place, never copied
SHARED = os.path.normpath(os.path.join(HERE, "..", "..", "..", "shared"))
SIGV4_SUITE = os.path.join(SHARED, "testdata", "aws-signing-test-suite", "v4")
KMS_GOLDEN = os.path.join(SHARED, "testdata", "kms-sigv4-golden.json")

ENTRY_ORDER = ["CustomKeyStoreId", "CustomKeyStoreName", "CloudHsmClusterId",
               "TrustAnchorCertificate", "ConnectionState",
               "ConnectionErrorCode", "CreationDate", "CustomKeyStoreType",
               "XksProxyConfiguration"]
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-"
                     r"[0-9a-f]{12}$")
STS_NS = "{https://sts.amazonaws.com/doc/2011-06-15/}"


class EndpointProcess:
    """A kms_endpoint.py child process on a free port."""

    def __init__(self, extra_args=()):
        # CKS_ENDPOINT_TEST_ARGS="--event-loop" runs every test against
        # the event-loop serving mode
        extra_args = (list(extra_args)
                      + os.environ.get("CKS_ENDPOINT_TEST_ARGS", "").split())
        self.dir = tempfile.mkdtemp(prefix="cks-endpoint-test-")
        self.port_file = os.path.join(self.dir, "port")
        self.proc = subprocess.Popen(
            [PYTHON, ENDPOINT, "--port", "0", "--port-file", self.port_file]
            + list(extra_args),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 15
        while not os.path.exists(self.port_file):
            if self.proc.poll() is not None or time.time() > deadline:
                raise RuntimeError("endpoint did not start: %s"
                                   % self.proc.stderr.read())
            time.sleep(0.02)
        with open(self.port_file) as f:
            self.port = int(f.read())
        # with --quiet there is no banner to wait for
        self.banner = ("" if "--quiet" in extra_args
                       else self.proc.stdout.readline().strip())
        scheme = "https" if "--tls-cert" in extra_args else "http"
        self.url = "%s://127.0.0.1:%d" % (scheme, self.port)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()
        self.proc.stderr.close()
        shutil.rmtree(self.dir, ignore_errors=True)


SERVER = None


def setUpModule():
    global SERVER
    SERVER = EndpointProcess()
    os.environ["CKS_ENDPOINT_URL"] = SERVER.url


def tearDownModule():
    if SERVER is not None:
        SERVER.stop()


SESSION = botocore.session.get_session()
# botocore's legacy "max_attempts" counts retries; total_max_attempts
# counts the first try too, so 1 means exactly one request.
NO_RETRY = Config(retries={"total_max_attempts": 1})


def no_retry(**kwargs):
    return Config(retries={"total_max_attempts": 1}, **kwargs)


def kms_client(account=fx.ACCOUNT_1, region="us-east-1", creds=None,
               config=NO_RETRY, url=None, **kwargs):
    """A botocore KMS client against the test endpoint.  creds is
    (akid, secret[, token]); by default the account's static key."""
    akid, secret, *token = creds or fx.KEYS_BY_ACCOUNT[account]
    return SESSION.create_client(
        "kms", region_name=region, endpoint_url=url or SERVER.url,
        aws_access_key_id=akid, aws_secret_access_key=secret,
        aws_session_token=token[0] if token else None, config=config,
        **kwargs)


def sts_client(account=fx.ACCOUNT_1, region="us-east-1", creds=None,
               config=NO_RETRY):
    akid, secret, *token = creds or fx.KEYS_BY_ACCOUNT[account]
    return SESSION.create_client(
        "sts", region_name=region, endpoint_url=SERVER.url,
        aws_access_key_id=akid, aws_secret_access_key=secret,
        aws_session_token=token[0] if token else None, config=config)


def temp_creds(credentials):
    return (credentials["AccessKeyId"], credentials["SecretAccessKey"],
            credentials["SessionToken"])


class Raw:
    """A response read with http.client, for checks below the SDK."""

    def __init__(self, resp):
        self.status = resp.status
        self.headers = resp.headers
        self.body = resp.read()

    def json(self):
        return json.loads(self.body.decode("utf-8"))


def signed_request(body=b"{}", service="kms", region="us-east-1",
                   creds=(fx.ACCESS_KEY_1, fx.SECRET_KEY_1),
                   target="TrentService.DescribeCustomKeyStores",
                   scope_service=None, content_type=None, extra_headers=None,
                   sign=True, conn=None):
    """Sign a request with botocore's SigV4Auth and send it raw.

    Lets tests see exact bytes, headers and statuses, and build requests
    the SDK would never send (wrong scope, no signature, odd targets).
    """
    if isinstance(body, (dict, list)):
        body = json.dumps(body).encode()
    headers = {}
    if service == "kms":
        headers["Content-Type"] = content_type or "application/x-amz-json-1.1"
        if target:
            headers["X-Amz-Target"] = target
    else:
        headers["Content-Type"] = (content_type or
                                   "application/x-www-form-urlencoded; "
                                   "charset=utf-8")
    headers.update(extra_headers or {})
    req = botocore.awsrequest.AWSRequest(method="POST", url=SERVER.url + "/",
                                         data=body, headers=headers)
    if sign:
        akid, secret, *token = creds
        botocore.auth.SigV4Auth(
            botocore.credentials.Credentials(akid, secret,
                                             token[0] if token else None),
            scope_service or service, region).add_auth(req)
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", SERVER.port,
                                              timeout=10)
    try:
        send_headers = dict(req.headers.items())
        send_headers["Host"] = "127.0.0.1:%d" % SERVER.port
        conn.request("POST", "/", body=body, headers=send_headers)
        return Raw(conn.getresponse())
    finally:
        if own:
            conn.close()


def raw_socket_request(body=b"{}", timeout=5):
    """Send one signed KMS request on a bare socket and return it, so tests
    can tell FIN from RST and a hang from an answer."""
    req = botocore.awsrequest.AWSRequest(
        method="POST", url=SERVER.url + "/", data=body,
        headers={"Content-Type": "application/x-amz-json-1.1",
                 "X-Amz-Target": "TrentService.DescribeCustomKeyStores"})
    botocore.auth.SigV4Auth(
        botocore.credentials.Credentials(fx.ACCESS_KEY_1, fx.SECRET_KEY_1),
        "kms", "us-east-1").add_auth(req)
    lines = ["POST / HTTP/1.1", "Host: 127.0.0.1:%d" % SERVER.port,
             "Content-Length: %d" % len(body)]
    lines += ["%s: %s" % kv for kv in req.headers.items()]
    sock = socket.create_connection(("127.0.0.1", SERVER.port), timeout)
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
    return sock


def as_wire(entry):
    """A botocore-parsed entry put back into wire form, to compare it with
    the endpoint's own list (GET /_cks/stores)."""
    out = dict(entry)
    if "CreationDate" in out:
        out["CreationDate"] = round(out["CreationDate"].timestamp(), 3)
    return out


def known_to_botocore(entry):
    """A wire entry minus members this botocore's KMS model predates
    (VpcEndpointServiceOwner came later; older SDKs drop it)."""
    out = dict(entry)
    if "XksProxyConfiguration" in out:
        out["XksProxyConfiguration"] = {
            k: v for k, v in out["XksProxyConfiguration"].items()
            if k != "VpcEndpointServiceOwner"}
    return out


def same_entries(parsed, wire):
    return ([as_wire(e) for e in parsed]
            == [known_to_botocore(e) for e in wire])


def error_code(exc):
    return exc.response["Error"]["Code"]


class EndpointTest(unittest.TestCase):
    """Base: every test starts from the endpoint's default state."""

    def setUp(self):
        ctl.reset()

    def assertClientError(self, code, fn, *args, **kwargs):
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            fn(*args, **kwargs)
        self.assertEqual(error_code(cm.exception), code,
                         cm.exception.response)
        return cm.exception

    def all_stores(self, client, page_size=None):
        config = {"PageSize": page_size} if page_size else {}
        pages = list(client.get_paginator("describe_custom_key_stores")
                     .paginate(PaginationConfig=config))
        return pages, [e for p in pages for e in p["CustomKeyStores"]]


class ServerBasics(EndpointTest):

    def test_port_file_and_banner(self):
        self.assertEqual(SERVER.banner,
                         "listening on http://127.0.0.1:%d" % SERVER.port)
        self.assertEqual(ctl.health(), {"ok": True})

    def test_response_headers_and_json_shape(self):
        before = time.time()
        r = signed_request({})
        self.assertEqual(r.status, 200)
        self.assertEqual(r.headers["Content-Type"],
                         "application/x-amz-json-1.1")
        self.assertEqual(int(r.headers["Content-Length"]), len(r.body))
        self.assertRegex(r.headers["x-amzn-RequestId"], UUID_RE)
        self.assertIsNone(r.headers.get("X-Amzn-ErrorType"))
        date = email.utils.parsedate_to_datetime(r.headers["Date"])
        self.assertLess(abs(date.timestamp() - before), 5)
        self.assertTrue(r.headers["Date"].endswith(" GMT"))
        doc = r.json()
        self.assertEqual(list(doc), ["CustomKeyStores", "Truncated"])
        self.assertIs(doc["Truncated"], False)
        self.assertEqual(len(doc["CustomKeyStores"]), 14)
        for entry in doc["CustomKeyStores"]:
            keys = list(entry)
            self.assertEqual(keys, [k for k in ENTRY_ORDER if k in keys])
        # raw UTF-8, not \\u escapes, as AWS sends it
        self.assertIn("Ünïcode ключ 🔑".encode(), r.body)

    def test_keep_alive_and_request_ids(self):
        conn = http.client.HTTPConnection("127.0.0.1", SERVER.port,
                                          timeout=10)
        ids = set()
        for _ in range(3):
            r = signed_request({"Limit": 1}, conn=conn)
            self.assertEqual(r.status, 200)
            ids.add(r.headers["x-amzn-RequestId"])
        conn.close()
        self.assertEqual(len(ids), 3)
        self.assertEqual(ctl.connections(), 1)
        self.assertEqual(ctl.count(), 3)

    def test_expect_100_continue_and_chunked_body(self):
        body = b'{"Limit": 2}'
        # Expect: 100-continue, as libcurl sends for larger bodies
        req = botocore.awsrequest.AWSRequest(
            method="POST", url=SERVER.url + "/", data=body,
            headers={"Content-Type": "application/x-amz-json-1.1",
                     "X-Amz-Target": "TrentService.DescribeCustomKeyStores"})
        botocore.auth.SigV4Auth(
            botocore.credentials.Credentials(fx.ACCESS_KEY_1,
                                             fx.SECRET_KEY_1),
            "kms", "us-east-1").add_auth(req)
        head = ["POST / HTTP/1.1", "Host: 127.0.0.1:%d" % SERVER.port,
                "Expect: 100-continue"]
        head += ["%s: %s" % kv for kv in req.headers.items()]
        for framing in (["Content-Length: %d" % len(body)],
                        ["Transfer-Encoding: chunked"]):
            sock = socket.create_connection(("127.0.0.1", SERVER.port), 5)
            sock.sendall(("\r\n".join(head + framing) + "\r\n\r\n").encode())
            self.assertTrue(sock.recv(100).startswith(b"HTTP/1.1 100"))
            if framing[0].startswith("Transfer"):
                sock.sendall(b"5\r\n" + body[:5] + b"\r\n%x\r\n"
                             % (len(body) - 5) + body[5:] + b"\r\n0\r\n\r\n")
            else:
                sock.sendall(body)
            reply = b""
            while b"Truncated" not in reply:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                reply += chunk
            sock.close()
            self.assertIn(b"HTTP/1.1 200 OK", reply)
            self.assertIn(b'"NextMarker"', reply)

    def test_control_api_errors_and_unlogged(self):
        with self.assertRaisesRegex(ctl.CtlError, "404"):
            ctl.call("GET", "/_cks/nothing")
        with self.assertRaisesRegex(ctl.CtlError, "unknown config key"):
            ctl.config(bogus=1)
        with self.assertRaisesRegex(ctl.CtlError, "unknown fault kind"):
            ctl.fault("bogus")
        ctl.health()
        ctl.log()
        self.assertEqual(ctl.count(), 0)

    def test_sigterm_stops_cleanly(self):
        other = EndpointProcess(["--quiet"])
        try:
            self.assertEqual(other.banner, "")
            # a hanging request must not keep the server from stopping
            ctl.fault("hang", ms=60000, url=other.url)
            s = socket.create_connection(("127.0.0.1", other.port), 5)
            s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
                      b"\r\n{}")
            time.sleep(0.2)
            t0 = time.time()
            other.proc.send_signal(signal.SIGTERM)
            self.assertEqual(other.proc.wait(10), 0)
            self.assertLess(time.time() - t0, 5)
            self.assertFalse(os.path.exists(other.port_file))
            s.close()
        finally:
            other.stop()


class Data(EndpointTest):

    def test_rich_set_covers_every_shape(self):
        _, parsed = self.all_stores(kms_client())
        stores = ctl.get_stores(fx.ACCOUNT_1, "us-east-1")
        self.assertTrue(same_entries(parsed, stores))
        self.assertEqual(len(stores), 14)
        self.assertEqual({s.get("ConnectionState") for s in stores} - {None},
                         {"CONNECTED", "CONNECTING", "FAILED", "DISCONNECTED",
                          "DISCONNECTING"})
        self.assertEqual({s.get("CustomKeyStoreType") for s in stores}
                         - {None}, {"AWS_CLOUDHSM", "EXTERNAL_KEY_STORE"})
        codes = {s["ConnectionErrorCode"] for s in stores
                 if "ConnectionErrorCode" in s}
        self.assertTrue({"NETWORK_ERRORS", "INVALID_CREDENTIALS",
                         "XKS_PROXY_TIMED_OUT", "CLUSTER_NOT_FOUND",
                         "USER_LOCKED_OUT"} <= codes)
        for s in stores:
            # the error code appears exactly on FAILED stores
            self.assertEqual("ConnectionErrorCode" in s,
                             s.get("ConnectionState") == "FAILED", s)
            self.assertRegex(s["CustomKeyStoreId"], r"^cks-[0-9a-f]{17}$")
            if s.get("CustomKeyStoreType") == "AWS_CLOUDHSM":
                self.assertIn("CloudHsmClusterId", s)
                self.assertNotIn("XksProxyConfiguration", s)
            if s.get("CustomKeyStoreType") == "EXTERNAL_KEY_STORE":
                x = s["XksProxyConfiguration"]
                self.assertNotIn("CloudHsmClusterId", s)
                self.assertEqual("VpcEndpointServiceOwner" in x,
                                 x["Connectivity"] == "VPC_ENDPOINT_SERVICE")
        names = {s["CustomKeyStoreName"] for s in stores}
        self.assertIn("Ünïcode ключ 🔑", names)
        self.assertIn("it's a \"quoted\" back\\slash\\ name", names)
        certs = [s["TrustAnchorCertificate"] for s in stores
                 if "TrustAnchorCertificate" in s]
        big = [c for c in certs if len(c) == 5000]
        self.assertEqual(len(big), 1)
        self.assertTrue(big[0].startswith("-----BEGIN CERTIFICATE-----\n"))
        self.assertGreater(big[0].count("\n"), 70)
        minimal = [s for s in stores if len(s) == 2]
        self.assertEqual(len(minimal), 1)
        self.assertEqual(set(minimal[0]),
                         {"CustomKeyStoreId", "CustomKeyStoreName"})

    def test_creation_dates_keep_their_fraction_on_the_wire(self):
        body = signed_request({}).body.decode()
        for text in ("1700000000.123", "1700000100.5", "1700000200.001"):
            self.assertIn('"CreationDate":%s,' % text, body)
        # botocore reads them as timestamps with the milliseconds intact
        stores = kms_client().describe_custom_key_stores()["CustomKeyStores"]
        first = stores[0]["CreationDate"]
        self.assertEqual(first.microsecond, 123000)
        self.assertEqual(first.timestamp(), 1700000000.123)

    def test_other_pairs_show_account_and_region(self):
        seen_ids = set()
        sizes = {}
        for account in fx.ACCOUNTS:
            for region in fx.REGIONS:
                _, stores = self.all_stores(kms_client(account, region))
                sizes[(account, region)] = len(stores)
                for s in stores:
                    self.assertNotIn(s["CustomKeyStoreId"], seen_ids)
                    seen_ids.add(s["CustomKeyStoreId"])
                    if (account, region) != (fx.RICH_ACCOUNT,
                                             fx.RICH_REGION):
                        self.assertIn(region, s["CustomKeyStoreName"])
                        self.assertIn(account[:3], s["CustomKeyStoreName"])
                self.assertTrue(same_entries(stores,
                                             ctl.get_stores(account, region)))
        self.assertEqual(sizes[(fx.EMPTY_ACCOUNT, fx.EMPTY_REGION)], 0)
        self.assertEqual(sizes[(fx.RICH_ACCOUNT, fx.RICH_REGION)], 14)
        for key, n in sizes.items():
            if key not in ((fx.EMPTY_ACCOUNT, fx.EMPTY_REGION),
                           (fx.RICH_ACCOUNT, fx.RICH_REGION)):
                self.assertTrue(1 <= n <= 4, (key, n))
        # unlisted regions exist but are empty
        r = kms_client(region="sa-east-1").describe_custom_key_stores()
        self.assertEqual(r["CustomKeyStores"], [])
        self.assertIs(r["Truncated"], False)

    def test_default_data_is_deterministic(self):
        first = ctl.get_stores(fx.ACCOUNT_1, "us-east-1")
        ctl.stores(fx.ACCOUNT_1, "us-east-1", 3)
        ctl.reset()
        self.assertEqual(ctl.get_stores(fx.ACCOUNT_1, "us-east-1"), first)
        self.assertEqual(first[0]["CustomKeyStoreId"],
                         "cks-e55034befe6d3bee7")


class Pagination(EndpointTest):

    def test_paginator_over_bulk_data_matches_control_list(self):
        self.assertEqual(ctl.stores(fx.ACCOUNT_2, "eu-west-1", 2500),
                         {"count": 2500})
        pages, stores = self.all_stores(kms_client(fx.ACCOUNT_2, "eu-west-1"),
                                        page_size=97)
        self.assertEqual(len(pages), math.ceil(2500 / 97))
        self.assertTrue(same_entries(stores,
                                     ctl.get_stores(fx.ACCOUNT_2, "eu-west-1")))
        self.assertEqual(len({s["CustomKeyStoreId"] for s in stores}), 2500)
        for p in pages[:-1]:
            self.assertIs(p["Truncated"], True)
            self.assertIn("NextMarker", p)
        self.assertIs(pages[-1]["Truncated"], False)
        self.assertNotIn("NextMarker", pages[-1])
        logged = ctl.select(ctl.log())
        self.assertEqual(len(logged), len(pages))
        self.assertNotIn("Marker", logged[0]["params"])
        for prev, cur, page in zip(logged, logged[1:], pages):
            self.assertEqual(cur["params"]["Marker"], page["NextMarker"])
            self.assertEqual(cur["params"]["Limit"], 97)
        # other pairs untouched, generated ids unique across everything
        _, rich = self.all_stores(kms_client())
        self.assertEqual(len(rich), 14)
        self.assertFalse({s["CustomKeyStoreId"] for s in rich}
                         & {s["CustomKeyStoreId"] for s in stores})

    def test_generated_sets_are_deterministic_and_unique(self):
        ctl.stores(fx.ACCOUNT_1, "eu-west-1", 500, prefix="p")
        a = ctl.get_stores(fx.ACCOUNT_1, "eu-west-1")
        ctl.stores(fx.ACCOUNT_3, "eu-west-1", 500, prefix="p")
        b = ctl.get_stores(fx.ACCOUNT_3, "eu-west-1")
        ctl.stores(fx.ACCOUNT_1, "eu-west-1", 500, prefix="p")
        self.assertEqual(ctl.get_stores(fx.ACCOUNT_1, "eu-west-1"), a)
        self.assertFalse({s["CustomKeyStoreId"] for s in a}
                         & {s["CustomKeyStoreId"] for s in b})
        self.assertEqual({s.get("ConnectionState") for s in a} - {None},
                         {"CONNECTED", "CONNECTING", "FAILED", "DISCONNECTED",
                          "DISCONNECTING"})
        self.assertTrue(any(len(s) == 2 for s in a))
        self.assertTrue(all(s["CustomKeyStoreName"].startswith(
            "p-111111111111-eu-west-1-") for s in a))

    def test_100000_entries_install_and_scan_fast(self):
        t0 = time.time()
        ctl.stores(fx.ACCOUNT_3, "us-east-1", 100000)
        install = time.time() - t0
        self.assertLess(install, 10)
        t0 = time.time()
        pages, stores = self.all_stores(kms_client(fx.ACCOUNT_3),
                                        page_size=1000)
        scan = time.time() - t0
        self.assertEqual(len(pages), 100)
        self.assertEqual(len(stores), 100000)
        self.assertEqual(len({s["CustomKeyStoreId"] for s in stores}), 100000)
        self.assertLess(scan, 60)
        print("\n    100000 stores: install %.2fs, botocore scan %.2fs"
              % (install, scan), file=sys.stderr)

    def test_default_limit_is_100(self):
        ctl.stores(fx.ACCOUNT_1, "us-east-1", 250)
        r = kms_client().describe_custom_key_stores()
        self.assertEqual(len(r["CustomKeyStores"]), 100)
        self.assertIs(r["Truncated"], True)
        r = kms_client().describe_custom_key_stores(Limit=1000)
        self.assertEqual(len(r["CustomKeyStores"]), 250)

    def test_limit_out_of_range(self):
        client = kms_client(config=no_retry(parameter_validation=False))
        for limit, text in ((0, "greater than or equal to 1"),
                            (1001, "less than or equal to 1000")):
            e = self.assertClientError("ValidationException",
                                       client.describe_custom_key_stores,
                                       Limit=limit)
            self.assertIn(text, e.response["Error"]["Message"])
        r = signed_request({"Limit": "10"})
        self.assertEqual(r.json()["__type"],
                         "com.amazon.coral.service#SerializationException")

    def test_bad_foreign_and_tampered_markers(self):
        client = kms_client()
        good = client.describe_custom_key_stores(Limit=2)["NextMarker"]
        self.assertEqual(len(client.describe_custom_key_stores(
            Limit=2, Marker=good)["CustomKeyStores"]), 2)
        ctl.stores(fx.ACCOUNT_1, "eu-west-1", 10)
        foreign = kms_client(region="eu-west-1").describe_custom_key_stores(
            Limit=2)["NextMarker"]
        raw = base64.b64decode(good).decode().replace("|2|", "|3|")
        tampered = base64.b64encode(raw.encode()).decode()
        for marker in ("garbage", foreign, tampered, good[:-4]):
            e = self.assertClientError("InvalidMarkerException",
                                       client.describe_custom_key_stores,
                                       Marker=marker)
            self.assertEqual(e.response["ResponseMetadata"]["HTTPStatusCode"],
                             400)
        r = signed_request({"Marker": "garbage"})
        self.assertEqual(r.json()["__type"],
                         "com.amazonaws.kms#InvalidMarkerException")
        self.assertEqual(r.headers["X-Amzn-ErrorType"],
                         "InvalidMarkerException:http://internal.amazon.com/"
                         "coral/com.amazonaws.kms/")
        self.assertRegex(r.headers["x-amzn-RequestId"], UUID_RE)

    def test_markers_are_deterministic(self):
        a = kms_client().describe_custom_key_stores(Limit=3)["NextMarker"]
        b = kms_client().describe_custom_key_stores(Limit=3)["NextMarker"]
        self.assertEqual(a, b)


class Filters(EndpointTest):

    def test_filter_by_id_and_name(self):
        client = kms_client()
        _, stores = self.all_stores(client)
        for s in stores:
            r = client.describe_custom_key_stores(
                CustomKeyStoreId=s["CustomKeyStoreId"])
            self.assertEqual(r["CustomKeyStores"], [s])
            self.assertIs(r["Truncated"], False)
            r = client.describe_custom_key_stores(
                CustomKeyStoreName=s["CustomKeyStoreName"])
            self.assertEqual(r["CustomKeyStores"], [s])
        r = client.describe_custom_key_stores(
            CustomKeyStoreName="Ünïcode ключ 🔑")
        self.assertEqual(r["CustomKeyStores"][0]["CustomKeyStoreType"],
                         "EXTERNAL_KEY_STORE")
        self.assertEqual(ctl.select(ctl.log())[-1]["params"],
                         {"CustomKeyStoreName": "Ünïcode ключ 🔑"})

    def test_not_found_and_both_filters(self):
        client = kms_client()
        e = self.assertClientError("CustomKeyStoreNotFoundException",
                                   client.describe_custom_key_stores,
                                   CustomKeyStoreId="cks-00000000000000000")
        self.assertEqual(e.response["ResponseMetadata"]["HTTPStatusCode"],
                         400)
        self.assertClientError("CustomKeyStoreNotFoundException",
                               client.describe_custom_key_stores,
                               CustomKeyStoreName="no such name")
        # an id of another region is not found here
        other = kms_client(region="eu-west-1").describe_custom_key_stores()
        self.assertClientError(
            "CustomKeyStoreNotFoundException",
            client.describe_custom_key_stores,
            CustomKeyStoreId=other["CustomKeyStores"][0]["CustomKeyStoreId"])
        first = client.describe_custom_key_stores(Limit=1)["CustomKeyStores"]
        self.assertClientError("ValidationException",
                               client.describe_custom_key_stores,
                               CustomKeyStoreId=first[0]["CustomKeyStoreId"],
                               CustomKeyStoreName=first[0][
                                   "CustomKeyStoreName"])
        r = signed_request({"CustomKeyStoreId": ""})
        self.assertEqual(r.json()["__type"],
                         "com.amazon.coral.validate#ValidationException")

    def test_unknown_operation(self):
        r = signed_request({}, target="TrentService.CreateKey")
        self.assertEqual(r.status, 400)
        self.assertEqual(r.json()["__type"],
                         "com.amazon.coral.service#UnknownOperationException")
        self.assertTrue(r.headers["X-Amzn-ErrorType"].startswith(
            "UnknownOperationException:"))
        r = signed_request(b"{not json")
        self.assertEqual(r.json()["__type"],
                         "com.amazon.coral.service#SerializationException")
        self.assertIn("Message", r.json())


class Signatures(EndpointTest):

    def test_wrong_secret(self):
        client = kms_client(creds=(fx.ACCESS_KEY_1, fx.SECRET_KEY_2))
        e = self.assertClientError("InvalidSignatureException",
                                   client.describe_custom_key_stores)
        # like AWS: the short text, then what KMS signed
        message = e.response["Error"]["Message"]
        first, _, echo = message.partition("\n\n")
        self.assertEqual(
            first,
            "The request signature we calculated does not match the "
            "signature you provided. Check your AWS Secret Access Key and "
            "signing method. Consult the service documentation for details.")
        self.assertRegex(
            echo,
            r"^The Canonical String for this request should have been\n"
            r"'POST\n/\n\ncontent-type:application/x-amz-json-1\.1\n"
            r"host:127\.0\.0\.1:\d+\nx-amz-date:\d{8}T\d{6}Z\n"
            r"x-amz-target:TrentService\.DescribeCustomKeyStores\n\n"
            r"content-type;host;x-amz-date;x-amz-target\n[0-9a-f]{64}'\n\n"
            r"The String-to-Sign should have been\n'AWS4-HMAC-SHA256\n"
            r"\d{8}T\d{6}Z\n\d{8}/us-east-1/kms/aws4_request\n[0-9a-f]{64}'\n$")
        rec = ctl.select(ctl.log())[-1]
        self.assertEqual((rec["status"], rec["error_code"], rec["account"]),
                         (400, "InvalidSignatureException", None))

    def test_wrong_secret_echoes_the_session_token(self):
        """The reason cks_fdw must cut AWS's message: the canonical request
        in it holds x-amz-security-token.  STS does not echo."""
        akid, _, token = temp_creds(sts_client().assume_role(
            RoleArn=fx.ROLE_READER_1, RoleSessionName="echo")["Credentials"])
        client = kms_client(creds=(akid, "wrong-secret", token))
        e = self.assertClientError("InvalidSignatureException",
                                   client.describe_custom_key_stores)
        self.assertIn("\nx-amz-security-token:%s\n" % token,
                      e.response["Error"]["Message"])
        e = self.assertClientError(
            "SignatureDoesNotMatch",
            sts_client(creds=(akid, "wrong-secret", token))
            .get_caller_identity)
        self.assertNotIn(token, e.response["Error"]["Message"])

    def test_crlf_token_fault(self):
        ctl.fault("crlf_token", operation="AssumeRole")
        r = signed_request(b"Action=AssumeRole&Version=2011-06-15&RoleArn="
                           b"arn%3Aaws%3Aiam%3A%3A111111111111%3Arole%2F"
                           b"cks-reader&RoleSessionName=crlf", service="sts")
        self.assertEqual(r.status, 200)
        self.assertIn(b"&#13;&#10;X-Cks-Injected: yes</SessionToken>",
                      r.body)
        # the next AssumeRole is normal again
        r = sts_client().assume_role(RoleArn=fx.ROLE_READER_1,
                                     RoleSessionName="after")
        self.assertNotIn("\r", r["Credentials"]["SessionToken"])

    def test_unknown_key(self):
        client = kms_client(creds=(fx.UNKNOWN_ACCESS_KEY, fx.SECRET_KEY_1))
        e = self.assertClientError("UnrecognizedClientException",
                                   client.describe_custom_key_stores)
        self.assertEqual(e.response["Error"]["Message"],
                         "The security token included in the request is "
                         "invalid.")
        r = signed_request({}, creds=(fx.UNKNOWN_ACCESS_KEY, "x"))
        self.assertEqual(r.headers["X-Amzn-ErrorType"],
                         "UnrecognizedClientException:http://internal.amazon."
                         "com/coral/com.amazon.coral.service/")
        self.assertRegex(r.headers["x-amzn-RequestId"], UUID_RE)
        rec = ctl.select(ctl.log())[-1]
        self.assertIsNone(rec["account"])
        self.assertEqual(rec["error_code"], "UnrecognizedClientException")

    def test_missing_and_garbled_authorization(self):
        r = signed_request({}, sign=False)
        self.assertEqual(r.status, 400)
        self.assertEqual(
            r.json()["__type"].split("#")[1],
            "MissingAuthenticationTokenException")
        for garbled in ("AWS4-HMAC-SHA256 Signature=abc",
                        "AWS4-HMAC-SHA256 Credential=AKIDCKSTEST111111111/"
                        "20260101/us-east-1/kms, SignedHeaders=host, "
                        "Signature=00",
                        "Bearer xyz"):
            r = signed_request({}, sign=False,
                               extra_headers={"Authorization": garbled,
                                              "X-Amz-Date":
                                              "20260101T000000Z"})
            self.assertEqual(r.status, 400)
            self.assertEqual(r.json()["__type"].split("#")[1],
                             "IncompleteSignatureException", garbled)

    def test_tampered_body_and_unsigned_host(self):
        req = botocore.awsrequest.AWSRequest(
            method="POST", url=SERVER.url + "/", data=b'{"Limit":1}',
            headers={"Content-Type": "application/x-amz-json-1.1",
                     "X-Amz-Target": "TrentService.DescribeCustomKeyStores"})
        botocore.auth.SigV4Auth(
            botocore.credentials.Credentials(fx.ACCESS_KEY_1,
                                             fx.SECRET_KEY_1),
            "kms", "us-east-1").add_auth(req)
        conn = http.client.HTTPConnection("127.0.0.1", SERVER.port)
        conn.request("POST", "/", body=b'{"Limit":2}',
                     headers=dict(req.headers.items()))
        r = Raw(conn.getresponse())
        self.assertEqual(r.json()["__type"].split("#")[1],
                         "InvalidSignatureException")
        # the same bytes untampered pass
        conn.request("POST", "/", body=b'{"Limit":1}',
                     headers=dict(req.headers.items()))
        self.assertEqual(Raw(conn.getresponse()).status, 200)
        conn.close()

    def test_scope_for_another_service(self):
        r = signed_request({}, scope_service="sts")
        self.assertEqual(r.status, 400)
        self.assertEqual(r.json(), {
            "__type": "com.amazon.coral.service#InvalidSignatureException",
            "message": "Credential should be scoped to correct service: "
                       "'kms'."})
        # and an STS form signed for kms gets the STS shape
        r = signed_request(b"Action=GetCallerIdentity&Version=2011-06-15",
                           service="sts", scope_service="kms")
        self.assertEqual(r.status, 403)
        self.assertIn(b"<Code>SignatureDoesNotMatch</Code>", r.body)
        self.assertIn(b"Credential should be scoped to correct service: "
                      b"'sts'.", r.body)

    def test_region_comes_from_the_scope(self):
        for region in ("eu-west-1", "ap-southeast-2", "us-west-2"):
            kms_client(region=region).describe_custom_key_stores()
        self.assertEqual([r["region"] for r in ctl.select(ctl.log())],
                         ["eu-west-1", "ap-southeast-2", "us-west-2"])

    def test_clock_skew(self):
        ctl.config(clock_offset_seconds=600)
        e = self.assertClientError("InvalidSignatureException",
                                   kms_client().describe_custom_key_stores)
        self.assertRegex(e.response["Error"]["Message"],
                         r"^Signature expired: (\d{8}T\d{6}Z) is now earlier "
                         r"than (\d{8}T\d{6}Z) \((\d{8}T\d{6}Z) - 5 min\.\)$")
        req, limit, now = re.findall(r"\d{8}T\d{6}Z",
                                     e.response["Error"]["Message"])
        fmt = "%Y%m%dT%H%M%SZ"
        diff = (datetime.datetime.strptime(now, fmt)
                - datetime.datetime.strptime(req, fmt)).total_seconds()
        self.assertTrue(595 <= diff <= 605, diff)
        # the Date header runs on the skewed clock too
        r = signed_request({})
        date = email.utils.parsedate_to_datetime(r.headers["Date"])
        self.assertTrue(590 < date.timestamp() - time.time() < 610)
        ctl.config(clock_offset_seconds=-600)
        e = self.assertClientError("InvalidSignatureException",
                                   kms_client().describe_custom_key_stores)
        self.assertRegex(e.response["Error"]["Message"],
                         r"^Signature not yet current: \d{8}T\d{6}Z is still "
                         r"later than \d{8}T\d{6}Z \(\d{8}T\d{6}Z \+ 5 min\.\)$")
        ctl.config(clock_offset_seconds=240)       # within 5 minutes
        kms_client().describe_custom_key_stores()


def parse_signed_request(text):
    """(method, path, headers, body) of an aws-c-auth *-signed-request.txt;
    folded header lines are kept folded, as an HTTP server receives them."""
    head, _, body = text.partition("\n\n")
    lines = head.split("\n")
    method, rest = lines[0].split(" ", 1)
    path = rest.rsplit(" ", 1)[0]
    pairs = []
    for line in lines[1:]:
        if line[:1] in (" ", "\t") and pairs:
            pairs[-1][1] += "\n" + line
        else:
            name, _, value = line.partition(":")
            pairs.append([name, value])
    return method, path, pairs, body.encode()


class SignerFidelity(unittest.TestCase):
    """The endpoint's verifier must compute exactly the signatures that
    real SDKs compute, or it would accept or reject the wrong clients."""

    def test_aws_c_auth_vectors(self):
        if not os.path.isdir(SIGV4_SUITE):
            self.skipTest("../shared absent: no aws-signing-test-suite at %s"
                          % SIGV4_SUITE)
        checked = 0
        for case in sorted(os.listdir(SIGV4_SUITE)):
            d = os.path.join(SIGV4_SUITE, case)
            with open(os.path.join(d, "context.json")) as f:
                context = json.load(f)
            if not context.get("normalize", True):
                continue    # S3-style unnormalized paths: not KMS or STS
            with open(os.path.join(d, "header-signed-request.txt")) as f:
                method, path, pairs, body = parse_signed_request(f.read())
            with open(os.path.join(d, "header-signature.txt")) as f:
                expected = f.read().strip()
            headers = botocore.awsrequest.HTTPHeaders()
            authorization = None
            for name, value in pairs:
                if name.lower() == "authorization":
                    authorization = value
                else:
                    headers[name] = value
            fields = kms_endpoint.parse_authorization(authorization, "kms")
            scope = fields["Credential"].split("/")
            got = kms_endpoint.compute_signature(
                context["credentials"]["secret_access_key"], scope[3],
                scope[2], headers["X-Amz-Date"], method, headers["Host"],
                path, fields["SignedHeaders"].split(";"), headers, body)
            self.assertEqual(got, expected, case)
            checked += 1
        self.assertGreaterEqual(checked, 25)

    def test_kms_golden_requests(self):
        if not os.path.exists(KMS_GOLDEN):
            self.skipTest("../shared absent: no %s" % KMS_GOLDEN)
        with open(KMS_GOLDEN) as f:
            cases = json.load(f)["cases"]
        for case in cases:
            url = urllib.parse.urlsplit(case["url"])
            headers = botocore.awsrequest.HTTPHeaders()
            for name, value in case["headers_before_signing"].items():
                headers[name] = value
            headers["X-Amz-Date"] = case["amz_date"]
            if case["session_token"]:
                headers["X-Amz-Security-Token"] = case["session_token"]
            default_port = {"https": 443, "http": 80}[url.scheme]
            headers["Host"] = (url.hostname if url.port in (None, default_port)
                               else url.netloc)
            fields = kms_endpoint.parse_authorization(case["authorization"],
                                                      "kms")
            got = kms_endpoint.compute_signature(
                case["secret_access_key"], case["service"], case["region"],
                case["amz_date"], "POST", headers["Host"], url.path or "/",
                fields["SignedHeaders"].split(";"), headers,
                case["body_utf8"].encode("utf-8"))
            self.assertEqual(got, case["signature"], case["name"])
            # and a one-character change is noticed
            self.assertNotEqual(kms_endpoint.compute_signature(
                case["secret_access_key"], case["service"], case["region"],
                case["amz_date"], "POST", headers["Host"], url.path or "/",
                fields["SignedHeaders"].split(";"), headers,
                case["body_utf8"].encode("utf-8") + b" "), case["signature"])


class OtherClients(EndpointTest):

    def test_aws_cli(self):
        aws = shutil.which("aws")
        if not aws:
            self.skipTest("aws CLI not installed")
        env = dict(os.environ, AWS_ACCESS_KEY_ID=fx.ACCESS_KEY_1,
                   AWS_SECRET_ACCESS_KEY=fx.SECRET_KEY_1,
                   AWS_DEFAULT_REGION="us-east-1", AWS_CONFIG_FILE="/dev/null",
                   AWS_SHARED_CREDENTIALS_FILE="/dev/null",
                   AWS_EC2_METADATA_DISABLED="true")
        env.pop("AWS_SESSION_TOKEN", None)
        env.pop("AWS_PROFILE", None)
        p = subprocess.run([aws, "kms", "describe-custom-key-stores",
                            "--endpoint-url", SERVER.url, "--page-size", "4",
                            "--output", "json"],
                           env=env, capture_output=True, text=True,
                           timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        out = json.loads(p.stdout)
        self.assertEqual(len(out["CustomKeyStores"]), 14)
        self.assertEqual(ctl.count(), 4)
        p = subprocess.run([aws, "sts", "get-caller-identity",
                            "--endpoint-url", SERVER.url, "--output", "json"],
                           env=env, capture_output=True, text=True,
                           timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(json.loads(p.stdout)["Account"], fx.ACCOUNT_1)

    def test_https(self):
        openssl = shutil.which("openssl")
        if not openssl:
            self.skipTest("openssl CLI not installed")
        tmp = tempfile.mkdtemp(prefix="cks-tls-")
        try:
            cert = os.path.join(tmp, "cert.pem")
            key = os.path.join(tmp, "key.pem")
            subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048",
                            "-nodes", "-keyout", key, "-out", cert, "-days",
                            "2", "-subj", "/CN=127.0.0.1", "-addext",
                            "subjectAltName=IP:127.0.0.1"],
                           check=True, capture_output=True)
            tls = EndpointProcess(["--tls-cert", cert, "--tls-key", key])
            try:
                self.assertEqual(tls.banner,
                                 "listening on https://127.0.0.1:%d"
                                 % tls.port)
                client = kms_client(url=tls.url, verify=cert)
                _, stores = self.all_stores(client, page_size=5)
                self.assertEqual(len(stores), 14)
                untrusted = kms_client(url=tls.url)
                with self.assertRaises(botocore.exceptions.SSLError):
                    untrusted.describe_custom_key_stores()
                os.environ["CKS_ENDPOINT_CA"] = cert
                try:
                    self.assertEqual(ctl.count(url=tls.url), 3)
                finally:
                    del os.environ["CKS_ENDPOINT_CA"]
            finally:
                tls.stop()
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


def main():
    """Run everything and end with the project's `N passed, N failed`."""
    suite = unittest.defaultTestLoader.loadTestsFromModule(
        sys.modules[__name__])
    # the services of issues 12-14 (own endpoint with an account range)
    suite.addTests(unittest.defaultTestLoader.loadTestsFromNames(
        ["test_endpoint_sts", "test_services", "test_inventory",
         "test_keyless", "test_event_loop", "test_cloudwatch"]))
    result = unittest.TextTestRunner(verbosity=2).run(suite)
    failed = len(result.failures) + len(result.errors)
    skipped = len(result.skipped)
    passed = result.testsRun - failed - skipped
    print("%d passed, %d failed%s" % (passed, failed,
                                      ", %d skipped" % skipped if skipped
                                      else ""))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
