"""The one harness of the endpoint's own tests (test_endpoint.py and the
modules it runs): the endpoint started as a child process on a free port,
botocore clients of any service against it, raw signed requests (below
the SDK, to see exact bytes and statuses or send what no SDK would), and
the base TestCase that resets the endpoint before each test.

Each test module starts the endpoint it needs in setUpModule (start(),
with the arguments it wants; SERVICE_ARGS for the account range the
Organizations, CloudHSM and credential tests use) and stops it in
tearDownModule; the helpers below talk to the one started last.
"""

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

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

PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") \
    else sys.executable
ENDPOINT = os.path.join(HERE, "kms_endpoint.py")
CTL = os.path.join(HERE, "ctl.py")

RANGE_FIRST, RANGE_LAST = fx.EXAMPLE_ACCOUNT_RANGE
# the endpoint of test_services.py, test_inventory.py and test_keyless.py
SERVICE_ARGS = ["--account-range", "%s-%s" % (RANGE_FIRST, RANGE_LAST),
                "--quiet"]

SESSION = botocore.session.get_session()
# botocore's legacy "max_attempts" counts retries; total_max_attempts
# counts the first try too, so 1 means exactly one request.
NO_RETRY = Config(retries={"total_max_attempts": 1})
# botocore's "standard" retry mode, what the SDKs do: throttling answers
# (ThrottlingException, TooManyRequestsException, Throttling) are retried
# with exponential backoff, so a test paging a big list gets through the
# quotas as an application would (ctl.select(..., throttled=False) leaves
# the throttled answers out of the log)
SDK_RETRY = Config(retries={"mode": "standard", "total_max_attempts": 10})
# the X-Amz-Target prefix of each JSON 1.1 service
TARGETS = {"kms": "TrentService", "organizations": "AWSOrganizationsV20161128",
           "cloudhsm": "BaldrApiService"}


class EndpointProcess:
    """A kms_endpoint.py child process on a free port."""

    def __init__(self, extra_args=(), quotas=True):
        # CKS_ENDPOINT_TEST_ARGS="--event-loop" runs every test against
        # the event-loop serving mode.  AWS's request quotas are on, as in
        # every test of cks_fdw (tools/endpoint.sh) and in AWS: a test whose
        # burst of one operation goes over its quota while testing something
        # else retries like the SDKs (SDK_RETRY) or raises that quota for
        # itself (POST /_cks/config quota_rates), saying why
        extra_args = (list(extra_args)
                      + ([] if quotas else ["--no-quotas"])
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


class Current:
    """The endpoint the running module started, and how many modules
    share it (a module run alone and the whole run use it the same way)."""
    server = None
    users = 0


def start(extra_args=(), export_url=False):
    """Start the module's endpoint (or share the one already running).
    export_url: also point ctl.py's default (CKS_ENDPOINT_URL) at it."""
    if Current.server is None:
        Current.server = EndpointProcess(extra_args)
    Current.users += 1
    if export_url:
        os.environ["CKS_ENDPOINT_URL"] = Current.server.url


def stop():
    Current.users -= 1
    if Current.users == 0 and Current.server is not None:
        Current.server.stop()
        Current.server = None


def server():
    return Current.server


def url():
    return Current.server.url


def no_retry(**kwargs):
    return Config(retries={"total_max_attempts": 1}, **kwargs)


def client(service, account=fx.ACCOUNT_1, region="us-east-1", creds=None,
           config=NO_RETRY, url=None, **kwargs):
    """A botocore client of `service` (kms, sts, organizations,
    cloudhsmv2) against the endpoint; creds is (akid, secret[, token]),
    by default the account's static key."""
    akid, secret, *token = creds or fx.KEYS_BY_ACCOUNT[account]
    return SESSION.create_client(
        service, region_name=region, endpoint_url=url or Current.server.url,
        aws_access_key_id=akid, aws_secret_access_key=secret,
        aws_session_token=token[0] if token else None, config=config,
        **kwargs)


def kms_client(account=fx.ACCOUNT_1, region="us-east-1", creds=None,
               config=NO_RETRY, url=None, **kwargs):
    return client("kms", account, region, creds, config, url, **kwargs)


def sts_client(account=fx.ACCOUNT_1, region="us-east-1", creds=None,
               config=NO_RETRY):
    return client("sts", account, region, creds, config)


def temp_creds(credentials):
    return (credentials["AccessKeyId"], credentials["SecretAccessKey"],
            credentials["SessionToken"])


def error_code(exc):
    return exc.response["Error"]["Code"]


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
                   sign=True, conn=None, timeout=10):
    """Sign a request with botocore's SigV4Auth and send it raw.

    Lets tests see exact bytes, headers and statuses, and build requests
    the SDK would never send (wrong scope, no signature, odd targets).
    The JSON 1.1 services (TARGETS) get their content type and target;
    STS a form body.
    """
    if isinstance(body, (dict, list)):
        body = json.dumps(body).encode()
    headers = {}
    if service in TARGETS:
        headers["Content-Type"] = content_type or "application/x-amz-json-1.1"
        if target:
            headers["X-Amz-Target"] = target
    else:
        headers["Content-Type"] = (content_type or
                                   "application/x-www-form-urlencoded; "
                                   "charset=utf-8")
    headers.update(extra_headers or {})
    port = Current.server.port
    req = botocore.awsrequest.AWSRequest(method="POST", url=url() + "/",
                                         data=body, headers=headers)
    if sign:
        akid, secret, *token = creds
        botocore.auth.SigV4Auth(
            botocore.credentials.Credentials(akid, secret,
                                             token[0] if token else None),
            scope_service or service, region).add_auth(req)
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", port,
                                              timeout=timeout)
    try:
        send_headers = dict(req.headers.items())
        send_headers["Host"] = "127.0.0.1:%d" % port
        conn.request("POST", "/", body=body, headers=send_headers)
        return Raw(conn.getresponse())
    finally:
        if own:
            conn.close()


def signed_json(service, operation, body, creds=None, scope=None,
                region="us-east-1"):
    """A raw signed JSON 1.1 request (unsigned when the key id is None);
    returns (status, JSON, headers)."""
    creds = creds or (fx.ACCESS_KEY_1, fx.SECRET_KEY_1)
    r = signed_request(json.dumps(body).encode(), service=service,
                       region=region, creds=creds,
                       target="%s.%s" % (TARGETS[service], operation),
                       scope_service=scope, sign=creds[0] is not None,
                       timeout=30)
    return r.status, json.loads(r.body or b"{}"), r.headers


def signed_kms_request(body=b"{}"):
    """A DescribeCustomKeyStores request signed with account 1's key and
    not sent: the headers, for tests that write their own bytes."""
    req = botocore.awsrequest.AWSRequest(
        method="POST", url=url() + "/", data=body,
        headers={"Content-Type": "application/x-amz-json-1.1",
                 "X-Amz-Target": "TrentService.DescribeCustomKeyStores"})
    botocore.auth.SigV4Auth(
        botocore.credentials.Credentials(fx.ACCESS_KEY_1, fx.SECRET_KEY_1),
        "kms", "us-east-1").add_auth(req)
    return req


def raw_socket_request(body=b"{}", timeout=5):
    """Send one signed KMS request on a bare socket and return it, so tests
    can tell FIN from RST and a hang from an answer."""
    req = signed_kms_request(body)
    port = Current.server.port
    lines = ["POST / HTTP/1.1", "Host: 127.0.0.1:%d" % port,
             "Content-Length: %d" % len(body)]
    lines += ["%s: %s" % kv for kv in req.headers.items()]
    sock = socket.create_connection(("127.0.0.1", port), timeout)
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
    return sock


def recv_until(sock, marker):
    """What the socket sends until `marker` has arrived (or it closes)."""
    data = b""
    while marker not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def raw_get(path, method="GET", headers=None, body=None):
    """A plain HTTP request to the endpoint: (status, body bytes, headers)."""
    conn = http.client.HTTPConnection("127.0.0.1", Current.server.port,
                                      timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.read(), resp.headers
    finally:
        conn.close()


class EndpointTest(unittest.TestCase):
    """Base: every test starts from the endpoint's default state."""

    def setUp(self):
        ctl.reset(url=url())

    def log(self, **filters):
        return ctl.select(ctl.log(url=url()), **filters)

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
