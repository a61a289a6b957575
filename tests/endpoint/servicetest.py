"""Shared plumbing of the endpoint tests for the issue 12-14 services
(test_services.py, test_keyless.py): one endpoint started with an
account range, botocore clients for any service against it, raw signed
requests, and a base TestCase that resets the endpoint before each test.
"""

import http.client
import json
import os
import sys
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
from test_endpoint import EndpointProcess                   # noqa: E402

RANGE_FIRST, RANGE_LAST = fx.EXAMPLE_ACCOUNT_RANGE
NO_RETRY = Config(retries={"total_max_attempts": 1})
SESSION = botocore.session.get_session()
TARGETS = {"kms": "TrentService", "organizations": "AWSOrganizationsV20161128",
           "cloudhsm": "BaldrApiService"}


class Shared:
    server = None
    users = 0


def start():
    """Start the shared endpoint (once for every module that uses it)."""
    if Shared.server is None:
        Shared.server = EndpointProcess(
            ["--account-range", "%s-%s" % (RANGE_FIRST, RANGE_LAST),
             "--quiet"])
    Shared.users += 1


def stop():
    Shared.users -= 1
    if Shared.users == 0 and Shared.server is not None:
        Shared.server.stop()
        Shared.server = None


def url():
    return Shared.server.url


def client(service, account=fx.ACCOUNT_1, region="us-east-1", creds=None,
           config=NO_RETRY):
    """A botocore client of `service` (kms, sts, organizations,
    cloudhsmv2) against the endpoint; creds is (akid, secret[, token])."""
    akid, secret, *token = creds or fx.KEYS_BY_ACCOUNT[account]
    return SESSION.create_client(
        service, region_name=region, endpoint_url=url(),
        aws_access_key_id=akid, aws_secret_access_key=secret,
        aws_session_token=token[0] if token else None, config=config)


def temp_creds(credentials):
    return (credentials["AccessKeyId"], credentials["SecretAccessKey"],
            credentials["SessionToken"])


def signed_json(service, operation, body, creds=None, scope=None,
                region="us-east-1"):
    """A raw signed JSON 1.1 request; returns (status, JSON, headers)."""
    akid, secret, *token = creds or (fx.ACCESS_KEY_1, fx.SECRET_KEY_1)
    payload = json.dumps(body).encode()
    req = botocore.awsrequest.AWSRequest(
        method="POST", url=url() + "/", data=payload,
        headers={"Content-Type": "application/x-amz-json-1.1",
                 "X-Amz-Target": "%s.%s" % (TARGETS[service], operation)})
    if akid is not None:
        botocore.auth.SigV4Auth(
            botocore.credentials.Credentials(akid, secret,
                                             token[0] if token else None),
            scope or service, region).add_auth(req)
    port = int(url().rsplit(":", 1)[1])
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        headers = dict(req.headers.items())
        headers["Host"] = "127.0.0.1:%d" % port
        conn.request("POST", "/", body=payload, headers=headers)
        resp = conn.getresponse()
        text = resp.read()
        return resp.status, json.loads(text or b"{}"), resp.headers
    finally:
        conn.close()


def raw_get(path, method="GET", headers=None, body=None):
    """A plain HTTP request to the endpoint: (status, body bytes, headers)."""
    port = int(url().rsplit(":", 1)[1])
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.read(), resp.headers
    finally:
        conn.close()


def error_code(exc):
    return exc.response["Error"]["Code"]


class ServiceTest(unittest.TestCase):
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
