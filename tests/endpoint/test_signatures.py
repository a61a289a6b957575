#!/usr/bin/python3
"""Tests of the local endpoint, continued from test_endpoint.py: the
signature checks (wrong keys, scopes, dates, clock skew, what KMS echoes
back) and the verifier itself against the SDKs' own test vectors
(aws-c-auth's suite and botocore's golden KMS requests, from ../shared).
They use harness.py and an endpoint of their own; test_endpoint.py's
main() runs them.
"""

import datetime
import email.utils
import http.client
import json
import os
import re
import time
import unittest
import urllib.parse

import harness as h                                         # sets sys.path
import botocore.auth                                        # noqa: E402
import botocore.awsrequest                                  # noqa: E402
import botocore.credentials                                 # noqa: E402

import ctl                                                  # noqa: E402
import fixtures as fx                                       # noqa: E402
import kms_endpoint                                         # noqa: E402
from harness import (EndpointTest, Raw,                     # noqa: E402
                     kms_client, signed_request, sts_client, temp_creds)
from test_endpoint import UUID_RE                           # noqa: E402

# ../shared next to the repository; read in place, never copied
SHARED = os.path.normpath(os.path.join(h.HERE, "..", "..", "..", "shared"))
SIGV4_SUITE = os.path.join(SHARED, "testdata", "aws-signing-test-suite", "v4")
KMS_GOLDEN = os.path.join(SHARED, "testdata", "kms-sigv4-golden.json")


def setUpModule():
    h.start(export_url=True)


def tearDownModule():
    h.stop()


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
        req = h.signed_kms_request(b'{"Limit":1}')
        conn = http.client.HTTPConnection("127.0.0.1", h.server().port)
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
