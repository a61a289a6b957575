#!/usr/bin/python3
"""Tests of the local endpoint, continued from test_endpoint.py: STS
(AssumeRole, GetCallerIdentity, temporary credentials), every injected
fault, and the request log.  They use harness.py and an endpoint of their
own; test_endpoint.py's main() runs them.
"""

import datetime
import email.utils
import json
import os
import socket
import subprocess
import threading
import time
import xml.etree.ElementTree as ET

import harness as h                                         # sets sys.path
import botocore.exceptions                                  # noqa: E402
from botocore.config import Config                          # noqa: E402

import ctl                                                  # noqa: E402
import fixtures as fx                                       # noqa: E402
import kms_endpoint                                         # noqa: E402
from harness import (CTL, PYTHON, EndpointTest,             # noqa: E402
                     kms_client, no_retry, raw_socket_request,
                     signed_request, sts_client, temp_creds)
from test_endpoint import STS_NS                            # noqa: E402


def setUpModule():
    h.start(export_url=True)


def tearDownModule():
    h.stop()


class Sts(EndpointTest):

    def test_get_caller_identity(self):
        for account in fx.ACCOUNTS:
            r = sts_client(account).get_caller_identity()
            self.assertEqual(r["Account"], account)
            self.assertEqual(r["Arn"],
                             "arn:aws:iam::%s:user/cks-test" % account)
        r = signed_request(b"Action=GetCallerIdentity&Version=2011-06-15",
                           service="sts")
        self.assertEqual(r.headers["Content-Type"], "text/xml")
        root = ET.fromstring(r.body)
        self.assertEqual(root.tag, STS_NS + "GetCallerIdentityResponse")
        self.assertEqual(
            [c.tag for c in root.find(STS_NS + "GetCallerIdentityResult")],
            [STS_NS + "Arn", STS_NS + "UserId", STS_NS + "Account"])
        self.assertEqual(root.findtext("%sResponseMetadata/%sRequestId"
                                       % (STS_NS, STS_NS)),
                         r.headers["x-amzn-RequestId"])

    def test_assume_role_and_use_the_credentials(self):
        before = datetime.datetime.now(datetime.timezone.utc)
        r = sts_client().assume_role(RoleArn=fx.ROLE_READER_2,
                                     RoleSessionName="sess-1")
        c = r["Credentials"]
        self.assertRegex(c["AccessKeyId"], r"^ASIA[A-Z2-7]{16}$")
        self.assertGreater(len(c["SessionToken"]), 300)
        lifetime = (c["Expiration"] - before).total_seconds()
        self.assertTrue(3595 <= lifetime <= 3605, lifetime)
        self.assertEqual(r["AssumedRoleUser"]["Arn"],
                         "arn:aws:sts::222222222222:assumed-role/cks-reader/"
                         "sess-1")
        self.assertTrue(r["AssumedRoleUser"]["AssumedRoleId"]
                        .startswith("AROA"))
        self.assertTrue(r["AssumedRoleUser"]["AssumedRoleId"]
                        .endswith(":sess-1"))
        creds = temp_creds(c)
        # KMS sees the role's account
        stores = kms_client(creds=creds).describe_custom_key_stores()
        self.assertEqual([s["CustomKeyStoreName"] for s in
                          stores["CustomKeyStores"]],
                         [s["CustomKeyStoreName"] for s in
                          ctl.get_stores(fx.ACCOUNT_2, "us-east-1")])
        rec = ctl.select(ctl.log())[-1]
        self.assertEqual((rec["account"], rec["access_key_id"]),
                         (fx.ACCOUNT_2, c["AccessKeyId"]))
        ident = sts_client(creds=creds).get_caller_identity()
        self.assertEqual(ident["Account"], fx.ACCOUNT_2)
        self.assertEqual(ident["Arn"], r["AssumedRoleUser"]["Arn"])
        self.assertEqual(ident["UserId"],
                         r["AssumedRoleUser"]["AssumedRoleId"])
        # without the token, or with another one: not recognized
        self.assertClientError("UnrecognizedClientException",
                               kms_client(creds=creds[:2])
                               .describe_custom_key_stores)
        other = temp_creds(sts_client().assume_role(
            RoleArn=fx.ROLE_READER_2, RoleSessionName="sess-2")
            ["Credentials"])
        self.assertClientError("UnrecognizedClientException",
                               kms_client(creds=creds[:2] + other[2:])
                               .describe_custom_key_stores)
        self.assertClientError("InvalidClientTokenId",
                               sts_client(creds=creds[:2])
                               .get_caller_identity)
        # a static key with a session token is refused too
        self.assertClientError(
            "UnrecognizedClientException",
            kms_client(creds=(fx.ACCESS_KEY_1, fx.SECRET_KEY_1, creds[2]))
            .describe_custom_key_stores)
        # the log never holds secrets
        dump = json.dumps(ctl.log())
        self.assertNotIn(c["SecretAccessKey"], dump)
        self.assertNotIn(c["SessionToken"], dump)
        self.assertNotIn(fx.SECRET_KEY_1, dump)
        self.assertIn(fx.ROLE_READER_2, dump)

    def test_external_id(self):
        client = sts_client(fx.ACCOUNT_1)
        r = client.assume_role(RoleArn=fx.ROLE_READER_EXT_3,
                               RoleSessionName="ext",
                               ExternalId=fx.EXTERNAL_ID_3)
        creds = temp_creds(r["Credentials"])
        stores = kms_client(creds=creds, region="eu-west-1") \
            .describe_custom_key_stores()["CustomKeyStores"]
        self.assertEqual(len(stores), 4)
        self.assertTrue(all("acct333" in s["CustomKeyStoreName"]
                            for s in stores))
        message = ("User: arn:aws:iam::111111111111:user/cks-test is not "
                   "authorized to perform: sts:AssumeRole on resource: "
                   + fx.ROLE_READER_EXT_3)
        for kwargs in ({}, {"ExternalId": "ext-id-43"}):
            e = self.assertClientError("AccessDenied", client.assume_role,
                                       RoleArn=fx.ROLE_READER_EXT_3,
                                       RoleSessionName="ext", **kwargs)
            self.assertEqual(e.response["Error"]["Message"], message)
            self.assertEqual(e.response["ResponseMetadata"]
                             ["HTTPStatusCode"], 403)
        e = self.assertClientError("AccessDenied", client.assume_role,
                                   RoleArn=fx.UNKNOWN_ROLE,
                                   RoleSessionName="x1")
        self.assertIn(fx.UNKNOWN_ROLE, e.response["Error"]["Message"])
        # an external id a role does not need is accepted
        client.assume_role(RoleArn=fx.ROLE_READER_1, RoleSessionName="x1",
                           ExternalId="whatever")

    def test_error_xml_shape(self):
        r = signed_request(
            b"Action=AssumeRole&Version=2011-06-15&RoleSessionName=s1&"
            b"RoleArn=" + fx.UNKNOWN_ROLE.encode(), service="sts")
        self.assertEqual(r.status, 403)
        root = ET.fromstring(r.body)
        self.assertEqual(root.tag, STS_NS + "ErrorResponse")
        self.assertEqual([c.tag for c in root],
                         [STS_NS + "Error", STS_NS + "RequestId"])
        err = root.find(STS_NS + "Error")
        self.assertEqual([c.tag for c in err],
                         [STS_NS + "Type", STS_NS + "Code",
                          STS_NS + "Message"])
        self.assertEqual(err.findtext(STS_NS + "Type"), "Sender")
        self.assertEqual(root.findtext(STS_NS + "RequestId"),
                         r.headers["x-amzn-RequestId"])
        r = signed_request(b"Action=Nope&Version=2011-06-15", service="sts")
        self.assertIn(b"<Code>InvalidAction</Code>", r.body)

    def test_validation(self):
        client = sts_client(config=no_retry(parameter_validation=False))
        for duration in (899, 43201):
            e = self.assertClientError("ValidationError", client.assume_role,
                                       RoleArn=fx.ROLE_READER_2,
                                       RoleSessionName="s1",
                                       DurationSeconds=duration)
            self.assertEqual(e.response["ResponseMetadata"]
                             ["HTTPStatusCode"], 400)
            self.assertIn("durationSeconds", e.response["Error"]["Message"])
        for name in ("bad name", "x", "a" * 65):
            self.assertClientError("ValidationError", client.assume_role,
                                   RoleArn=fx.ROLE_READER_2,
                                   RoleSessionName=name)
        before = time.time()
        r = client.assume_role(RoleArn=fx.ROLE_READER_2, RoleSessionName="s1",
                               DurationSeconds=43200)
        lifetime = r["Credentials"]["Expiration"].timestamp() - before
        self.assertTrue(43195 <= lifetime <= 43205)
        # role chaining is limited to one hour
        chained = sts_client(creds=temp_creds(r["Credentials"]))
        self.assertClientError("ValidationError", chained.assume_role,
                               RoleArn=fx.ROLE_READER_1, RoleSessionName="ch",
                               DurationSeconds=7200)
        chained.assume_role(RoleArn=fx.ROLE_READER_1, RoleSessionName="ch")

    def test_sts_authentication_errors(self):
        e = self.assertClientError(
            "SignatureDoesNotMatch",
            sts_client(creds=(fx.ACCESS_KEY_1, "wrong")).get_caller_identity)
        self.assertEqual(e.response["ResponseMetadata"]["HTTPStatusCode"],
                         403)
        self.assertClientError(
            "InvalidClientTokenId",
            sts_client(creds=(fx.UNKNOWN_ACCESS_KEY, "x")).get_caller_identity)
        r = signed_request(b"Action=GetCallerIdentity&Version=2011-06-15",
                           service="sts", sign=False)
        self.assertEqual(r.status, 403)
        self.assertIn(b"<Code>MissingAuthenticationToken</Code>", r.body)

    def test_expired_temporary_credentials(self):
        ctl.config(sts_expiry_seconds=2)
        r = sts_client().assume_role(RoleArn=fx.ROLE_READER_2,
                                     RoleSessionName="short")
        c = r["Credentials"]
        left = c["Expiration"].timestamp() - time.time()
        self.assertTrue(0.5 < left <= 2.5, left)
        creds = temp_creds(c)
        kms_client(creds=creds).describe_custom_key_stores()
        time.sleep(max(0, left) + 0.1)
        e = self.assertClientError("ExpiredTokenException",
                                   kms_client(creds=creds)
                                   .describe_custom_key_stores)
        self.assertEqual(e.response["Error"]["Message"],
                         "The security token included in the request is "
                         "expired")
        self.assertClientError("ExpiredToken",
                               sts_client(creds=creds).get_caller_identity)

    def test_credentials_survive_reset(self):
        c = sts_client().assume_role(RoleArn=fx.ROLE_READER_1,
                                     RoleSessionName="keep")["Credentials"]
        ctl.reset()
        kms_client(creds=temp_creds(c)).describe_custom_key_stores()


class Faults(EndpointTest):

    def test_error_faults(self):
        # 10 single-attempt requests: each injected fault must be what the
        # client sees, not a quota's throttling (nor retried away)
        ctl.config(quota_rates={"DescribeCustomKeyStores": 1000})
        client = kms_client()
        cases = [("throttle", "ThrottlingException", 400, "Rate exceeded"),
                 ("status500", "KMSInternalException", 500, None),
                 ("status503", "ServiceUnavailableException", 503, None),
                 ("accessdenied", "AccessDeniedException", 400,
                  "kms:DescribeCustomKeyStores")]
        for kind, code, status, text in cases:
            ctl.fault(kind)
            e = self.assertClientError(code,
                                       client.describe_custom_key_stores)
            self.assertEqual(e.response["ResponseMetadata"]["HTTPStatusCode"],
                             status)
            if text:
                self.assertIn(text, e.response["Error"]["Message"])
            # one use only: the next request is fine
            client.describe_custom_key_stores()
        ctl.fault("status", status=504)
        r = signed_request({})
        self.assertEqual(r.status, 504)
        self.assertIn("#", r.json()["__type"])
        recs = ctl.select(ctl.log())
        self.assertEqual([r["fault"] for r in recs if r["fault"]],
                         ["throttle", "status500", "status503",
                          "accessdenied", "status"])
        self.assertEqual(recs[0]["error_code"], "ThrottlingException")

    def test_throttle_raw_shape_and_retries(self):
        ctl.fault("throttle")
        r = signed_request({})
        self.assertEqual(r.json(), {
            "__type": "com.amazon.coral.availability#ThrottlingException",
            "message": "Rate exceeded"})
        self.assertTrue(r.headers["X-Amzn-ErrorType"].startswith(
            "ThrottlingException:http://internal.amazon.com/coral/"))
        # botocore's own retries get through two throttles
        ctl.fault("throttle", count=2)
        client = kms_client(config=Config(retries={"max_attempts": 3,
                                                   "mode": "standard"}))
        client.describe_custom_key_stores()
        self.assertEqual(ctl.count(status=400), 3)
        self.assertEqual(ctl.count(status=200), 1)

    def test_close_and_reset(self):
        for kind, expect_rst in (("close", False), ("reset", True)):
            ctl.fault(kind)
            sock = raw_socket_request()
            if expect_rst:
                with self.assertRaises(ConnectionResetError):
                    sock.recv(100)
            else:
                self.assertEqual(sock.recv(100), b"")
            sock.close()
            ctl.fault(kind)
            with self.assertRaises((botocore.exceptions.ConnectionClosedError,
                                    botocore.exceptions.EndpointConnectionError
                                    )):
                kms_client().describe_custom_key_stores()
        self.assertEqual([r["fault"] for r in ctl.select(ctl.log())],
                         ["close", "close", "reset", "reset"])

    def test_hang(self):
        ctl.fault("hang", ms=1500)
        sock = raw_socket_request(timeout=0.5)
        t0 = time.time()
        with self.assertRaises(socket.timeout):
            sock.recv(100)
        sock.settimeout(5)
        self.assertEqual(sock.recv(100), b"")       # closed after ms
        self.assertTrue(0.7 < time.time() - t0 < 3)
        sock.close()
        ctl.fault("hang", ms=2000)
        client = kms_client(config=no_retry(read_timeout=0.5))
        with self.assertRaises(botocore.exceptions.ReadTimeoutError):
            client.describe_custom_key_stores()

    def test_body_faults(self):
        ctl.fault("malformed")
        r = signed_request({})
        self.assertEqual(r.status, 200)
        with self.assertRaises(ValueError):
            json.loads(r.body)
        self.assertEqual(int(r.headers["Content-Length"]), len(r.body))
        ctl.fault("empty")
        r = signed_request({})
        self.assertEqual((r.status, r.body), (200, b""))
        self.assertEqual(r.headers["Content-Length"], "0")
        ctl.fault("wrongtypes")
        doc = signed_request({}).json()
        self.assertIsInstance(doc["CustomKeyStores"], str)
        self.assertIsInstance(doc["Truncated"], str)
        ctl.fault("html502")
        r = signed_request({})
        self.assertEqual(r.status, 502)
        self.assertTrue(r.headers["Content-Type"].startswith("text/html"))
        self.assertIn(b"502 Bad Gateway", r.body)
        ctl.fault("html502")
        e = self.assertClientError("502",
                                   kms_client().describe_custom_key_stores)
        self.assertEqual(e.response["ResponseMetadata"]["HTTPStatusCode"],
                         502)

    def test_big_body_faults(self):
        ctl.fault("empty_entries", bytes=100000)
        r = signed_request({})
        self.assertEqual(r.status, 200)
        self.assertTrue(99997 <= len(r.body) <= 100000, len(r.body))
        doc = r.json()
        self.assertEqual(set(map(len, doc["CustomKeyStores"])), {0})
        self.assertGreater(len(doc["CustomKeyStores"]), 33000)
        ctl.fault("big_error", bytes=200000)
        r = signed_request({})
        self.assertEqual(r.status, 400)
        self.assertTrue(199999 <= len(r.body) <= 200000, len(r.body))
        self.assertTrue(r.headers["X-Amzn-ErrorType"].startswith(
            "ThrottlingException:"))
        self.assertEqual(set(r.json()["message"]), {"x"})
        self.assertEqual(
            [(x["status"], x["fault"]) for x in ctl.log()],
            [(200, "empty_entries"), (400, "big_error")])
        with self.assertRaises(ctl.CtlError):
            ctl.fault("empty_entries", bytes=-1)

    def test_bomb_and_padding_faults(self):
        ctl.fault("empty_elements", bytes=100000, service="sts")
        r = signed_request(b"Action=GetCallerIdentity&Version=2011-06-15",
                           service="sts")
        self.assertEqual(r.status, 200)
        self.assertTrue(99990 <= len(r.body) <= 100000, len(r.body))
        root = ET.fromstring(r.body)
        self.assertEqual(root.tag, STS_NS + "GetCallerIdentityResponse")
        self.assertEqual({c.tag for c in root}, {STS_NS + "a"})
        self.assertGreater(len(root), 24900)
        ctl.fault("padded_page", bytes=300000)
        r = signed_request({})
        self.assertEqual(r.status, 200)
        self.assertEqual(len(r.body), 300000)
        doc = r.json()
        self.assertEqual(set(doc["CksPadding"]), {"x"})
        unpadded = signed_request({}).json()
        del doc["CksPadding"]
        self.assertEqual(doc, unpadded)
        self.assertEqual(
            [(x["status"], x["fault"]) for x in ctl.log()],
            [(200, "empty_elements"), (200, "padded_page"), (200, None)])

    def test_date_header(self):
        ctl.config(date_header="Fri, 31 Dec 9999 23:59:59 GMT")
        r = signed_request({})
        self.assertEqual(r.status, 200)
        self.assertEqual(r.headers["Date"], "Fri, 31 Dec 9999 23:59:59 GMT")
        ctl.config(date_header=None)
        r = signed_request({})
        date = email.utils.parsedate_to_datetime(r.headers["Date"])
        self.assertLess(abs(date.timestamp() - time.time()), 5)
        with self.assertRaises(ctl.CtlError):
            ctl.config(date_header="two\r\nlines")

    def test_latency(self):
        ctl.fault("latency", ms=400)
        t0 = time.time()
        kms_client().describe_custom_key_stores()
        self.assertGreater(time.time() - t0, 0.39)
        t0 = time.time()
        kms_client().describe_custom_key_stores()
        self.assertLess(time.time() - t0, 0.3)
        ctl.config(latency_ms=250)
        t0 = time.time()
        kms_client().describe_custom_key_stores()
        self.assertGreater(time.time() - t0, 0.24)

    def test_marker_faults(self):
        client = kms_client()
        ctl.fault("loop_marker", count=2)
        with self.assertRaisesRegex(botocore.exceptions.PaginationError,
                                    "same next token"):
            self.all_stores(client, page_size=5)
        first = client.describe_custom_key_stores(Limit=5)
        ctl.fault("loop_marker")
        r = signed_request({"Limit": 5, "Marker": first["NextMarker"]}).json()
        self.assertEqual(r["NextMarker"], first["NextMarker"])
        self.assertIs(r["Truncated"], True)
        ctl.fault("truncated_no_marker")
        r = signed_request({}).json()
        self.assertIs(r["Truncated"], True)
        self.assertNotIn("NextMarker", r)

    def test_match_and_order(self):
        ctl.fault("throttle", region="eu-west-1", count=2)
        ctl.fault("status500", account=fx.ACCOUNT_2)
        ctl.fault("status503", service="sts")
        kms_client().describe_custom_key_stores()              # no match
        self.assertClientError("ThrottlingException",
                               kms_client(region="eu-west-1")
                               .describe_custom_key_stores)
        self.assertClientError("KMSInternalException",
                               kms_client(fx.ACCOUNT_2)
                               .describe_custom_key_stores)
        self.assertClientError("ServiceUnavailable",
                               sts_client().get_caller_identity)
        self.assertClientError("ThrottlingException",
                               kms_client(fx.ACCOUNT_2, "eu-west-1")
                               .describe_custom_key_stores)
        kms_client(region="eu-west-1").describe_custom_key_stores()
        self.assertEqual(ctl.call("GET", "/_cks/fault"), {"faults": []})

    def test_sts_faults(self):
        ctl.fault("throttle", service="sts")
        self.assertClientError("Throttling", sts_client().get_caller_identity)
        ctl.fault("accessdenied", operation="AssumeRole")
        self.assertClientError("AccessDenied", sts_client().assume_role,
                               RoleArn=fx.ROLE_READER_1, RoleSessionName="s1")
        ctl.fault("malformed", service="sts")
        r = signed_request(b"Action=GetCallerIdentity&Version=2011-06-15",
                           service="sts")
        self.assertEqual(r.status, 200)
        self.assertNotIn(b"</GetCallerIdentityResponse>", r.body)


class Log(EndpointTest):

    def test_log_records(self):
        client = kms_client(fx.ACCOUNT_3, "eu-west-1")
        client.describe_custom_key_stores(Limit=2)
        sts_client(fx.ACCOUNT_2).assume_role(RoleArn=fx.ROLE_READER_1,
                                             RoleSessionName="logme",
                                             DurationSeconds=900)
        recs = ctl.log()
        self.assertEqual([r["seq"] for r in recs], [1, 2])
        k, s = recs
        self.assertEqual(
            {f: k[f] for f in ("service", "operation", "params", "region",
                               "account", "access_key_id", "status",
                               "error_code", "fault")},
            {"service": "kms", "operation": "DescribeCustomKeyStores",
             "params": {"Limit": 2}, "region": "eu-west-1",
             "account": fx.ACCOUNT_3, "access_key_id": fx.ACCESS_KEY_3,
             "status": 200, "error_code": None, "fault": None})
        self.assertEqual(s["params"], {"RoleArn": fx.ROLE_READER_1,
                                       "RoleSessionName": "logme",
                                       "DurationSeconds": "900"})
        self.assertEqual((s["service"], s["operation"], s["account"]),
                         ("sts", "AssumeRole", fx.ACCOUNT_2))
        for r in recs:
            self.assertRegex(r["connection"], r"^127\.0\.0\.1:\d+$")
            self.assertLessEqual(r["start"], r["end"])
            self.assertLess(abs(r["start"] - time.time()), 30)

    def test_one_client_reuses_one_connection(self):
        client = kms_client()
        for _ in range(4):
            client.describe_custom_key_stores(Limit=1)
        self.assertEqual(ctl.connections(), 1)
        kms_client().describe_custom_key_stores()
        self.assertEqual(ctl.connections(), 2)

    def test_overlap(self):
        clients = [kms_client(region=r) for r in fx.REGIONS]
        for c in clients:           # connect and warm up botocore first
            c.describe_custom_key_stores()
        ctl.reset()
        ctl.config(latency_ms=1000)
        threads = [threading.Thread(target=c.describe_custom_key_stores)
                   for c in clients]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertTrue(ctl.overlapping(ctl.select(ctl.log())))
        ctl.reset()
        for c in clients:
            c.describe_custom_key_stores()
        self.assertFalse(ctl.overlapping(ctl.select(ctl.log())))

    def test_ctl_command_line(self):
        def run(*args):
            p = subprocess.run([PYTHON, CTL] + list(args), text=True,
                               capture_output=True, timeout=30)
            return p.returncode, p.stdout, p.stderr

        self.assertEqual(run("reset"), (0, "", ""))
        self.assertEqual(run("fault", "throttle", "--count", "1", "--region",
                             "eu-west-1")[:2], (0, ""))
        self.assertEqual(run("config", "latency_ms=0")[:2], (0, ""))
        self.assertEqual(run("stores", fx.ACCOUNT_1, "eu-west-1", "3")[:2],
                         (0, ""))
        with self.assertRaises(botocore.exceptions.ClientError):
            kms_client(region="eu-west-1").describe_custom_key_stores(
                Limit=2)
        kms_client(region="eu-west-1").describe_custom_key_stores(Limit=2)
        self.assertEqual(run("count")[1], "requests: 2\n")
        self.assertEqual(run("count", "--status", "200")[1], "requests: 1\n")
        self.assertEqual(run("count", "--region", "us-east-1")[1],
                         "requests: 0\n")
        self.assertEqual(
            run("requests")[1],
            'DescribeCustomKeyStores eu-west-1 {"Limit": 2}\n' * 2)
        self.assertEqual(
            run("requests", "--fields", "operation,status,error_code,fault")
            [1], "DescribeCustomKeyStores 400 ThrottlingException throttle\n"
                 "DescribeCustomKeyStores 200 null null\n")
        self.assertEqual(run("connections")[1], "connections: 2\n")
        self.assertEqual(run("overlap")[1], "overlapping: no\n")
        self.assertEqual(run("wait-ready", "--timeout", "5")[:2], (0, ""))
        code, out, err = run("fault", "nonsense")
        self.assertEqual((code, out), (1, ""))
        self.assertIn("unknown fault kind", err)
        env = dict(os.environ, CKS_ENDPOINT_URL="",
                   CKS_ENDPOINT_PORT_FILE=h.server().port_file)
        p = subprocess.run([PYTHON, CTL, "count"], env=env, text=True,
                           capture_output=True, timeout=30)
        self.assertEqual(p.stdout, "requests: 2\n")

    def test_reset_clears_everything(self):
        kms_client().describe_custom_key_stores()
        ctl.fault("throttle", count=5)
        ctl.config(latency_ms=10, clock_offset_seconds=30, date_header="x",
                   quotas=False, quota_rates={"ListKeys": 1})
        ctl.stores(fx.ACCOUNT_1, "us-east-1", 3)
        ctl.reset()
        self.assertEqual(ctl.log(), [])
        config = ctl.call("GET", "/_cks/config")
        # quotas go back to the command line's (on: no --no-quotas) and
        # AWS's default rates
        self.assertEqual(config, dict(kms_endpoint.state.DEFAULT_CONFIG))
        self.assertIs(config["quotas"], True)
        self.assertEqual(config["quota_rates"], {})
        self.assertEqual({k: config[k] for k in ("clock_offset_seconds",
                                                 "sts_expiry_seconds",
                                                 "latency_ms",
                                                 "date_header")},
                         {"clock_offset_seconds": 0,
                          "sts_expiry_seconds": None, "latency_ms": 0,
                          "date_header": None})
        self.assertEqual(len(kms_client().describe_custom_key_stores()
                             ["CustomKeyStores"]), 14)
