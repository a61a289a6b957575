#!/usr/bin/python3
"""Tests of the local KMS + STS endpoint (tests/endpoint/kms_endpoint.py).

The endpoint is the yardstick every cks_fdw test is measured against, so it
is itself checked here with the real AWS SDK: botocore clients (and the AWS
CLI when installed) must see it behave like KMS and STS, including the
errors, signature checks, temporary credentials and every injected fault.

    /usr/bin/python3 tests/endpoint/test_endpoint.py        # N passed, N failed

It also runs test_signatures.py (signature checks, and the verifier
against the SDKs' own test vectors), test_endpoint_sts.py (STS, faults and
the request log), each on an endpoint of its own, test_services.py,
test_inventory.py and test_keyless.py (the
Organizations, CloudHSM, ListKeys/DescribeKey, IMDS, ECS and web identity
checks), which share a second endpoint started with an account range, and
test_event_loop.py (the --event-loop serving mode beside the default one).
    /usr/bin/python3 -m unittest discover -s tests/endpoint -v

Each run starts its own endpoint on a free port and stops it afterwards.
The harness all of them share (the endpoint process, clients, raw signed
requests, the base TestCase) is harness.py.
"""

import base64
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
import time
import unittest

import harness as h                                         # sets sys.path
import botocore.auth                                        # noqa: E402
import botocore.awsrequest                                  # noqa: E402
import botocore.credentials                                 # noqa: E402

import ctl                                                  # noqa: E402
import fixtures as fx                                       # noqa: E402
from harness import (EndpointProcess, EndpointTest,         # noqa: E402
                     kms_client, no_retry, signed_request)

ENTRY_ORDER = ["CustomKeyStoreId", "CustomKeyStoreName", "CloudHsmClusterId",
               "TrustAnchorCertificate", "ConnectionState",
               "ConnectionErrorCode", "CreationDate", "CustomKeyStoreType",
               "XksProxyConfiguration"]
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-"
                     r"[0-9a-f]{12}$")
STS_NS = "{https://sts.amazonaws.com/doc/2011-06-15/}"


def setUpModule():
    h.start(export_url=True)


def tearDownModule():
    h.stop()


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


class ServerBasics(EndpointTest):

    def test_port_file_and_banner(self):
        self.assertEqual(h.server().banner,
                         "listening on http://127.0.0.1:%d" % h.server().port)
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
        conn = http.client.HTTPConnection("127.0.0.1", h.server().port,
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
        req = h.signed_kms_request(body)
        head = ["POST / HTTP/1.1", "Host: 127.0.0.1:%d" % h.server().port,
                "Expect: 100-continue"]
        head += ["%s: %s" % kv for kv in req.headers.items()]
        for framing in (["Content-Length: %d" % len(body)],
                        ["Transfer-Encoding: chunked"]):
            sock = socket.create_connection(("127.0.0.1", h.server().port), 5)
            sock.sendall(("\r\n".join(head + framing) + "\r\n\r\n").encode())
            self.assertTrue(sock.recv(100).startswith(b"HTTP/1.1 100"))
            if framing[0].startswith("Transfer"):
                sock.sendall(b"5\r\n" + body[:5] + b"\r\n%x\r\n"
                             % (len(body) - 5) + body[5:] + b"\r\n0\r\n\r\n")
            else:
                sock.sendall(body)
            reply = h.recv_until(sock, b"Truncated")
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
        # 26 pages are over DescribeCustomKeyStores' 5/s: paged with the
        # SDK's retries, as an application would; without the throttled
        # answers the log is still one entry per page
        pages, stores = self.all_stores(kms_client(fx.ACCOUNT_2, "eu-west-1",
                                                   config=h.SDK_RETRY),
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
        logged = ctl.select(ctl.log(), throttled=False)
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
        # the endpoint's own page throughput: 100 pages at AWS's 5/s would
        # take 20 s and measure the quota instead
        ctl.config(quota_rates={"DescribeCustomKeyStores": 10000})
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
        # 7 single-attempt requests (some raw) check marker errors, not pacing
        ctl.config(quota_rates={"DescribeCustomKeyStores": 1000})
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
        # 30 lookups check every store's filters, not pacing (6 s at 5/s)
        ctl.config(quota_rates={"DescribeCustomKeyStores": 1000})
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
        # 9 single-attempt requests (some raw) check the errors, not pacing
        ctl.config(quota_rates={"DescribeCustomKeyStores": 1000})
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
                            "--endpoint-url", h.url(), "--page-size", "4",
                            "--output", "json"],
                           env=env, capture_output=True, text=True,
                           timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        out = json.loads(p.stdout)
        self.assertEqual(len(out["CustomKeyStores"]), 14)
        self.assertEqual(ctl.count(), 4)
        p = subprocess.run([aws, "sts", "get-caller-identity",
                            "--endpoint-url", h.url(), "--output", "json"],
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
    # the other modules, each with an endpoint of its own (the services of
    # issues 12-14 with an account range)
    suite.addTests(unittest.defaultTestLoader.loadTestsFromNames(
        ["test_signatures", "test_endpoint_sts", "test_services",
         "test_inventory", "test_keyless", "test_event_loop",
         "test_quotas", "test_cloudwatch"]))
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
