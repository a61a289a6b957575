"""The endpoint's AWS request quotas (quotas.py), seen by botocore: what is
throttled, how the answer looks (the exact error shapes botocore retries
as throttling, raw and through botocore, per service), rate + 1 requests
in one (account, region, operation) against other regions and accounts,
the per-test rates and the switch that turns quotas off.
"""

import http.client
import json
import sys
import threading
import time
import unittest
import xml.etree.ElementTree as ET

import botocore
import botocore.exceptions
from botocore.config import Config
from botocore.retries import standard

import ctl
import fixtures as fx
import quotas
import harness as h
from harness import EndpointProcess


def setUpModule():
    h.start(h.SERVICE_ARGS)


def tearDownModule():
    h.stop()


STS_NS = "{https://sts.amazonaws.com/doc/2011-06-15/}"

# operation -> (service, JSON body) of the raw requests below
RAW = {
    "DescribeCustomKeyStores": ("kms", {}),
    "GetKeyLastUsage": ("kms", {"KeyId": "1234abcd-12ab-34cd-56ef-"
                                         "1234567890ab"}),
    "DescribeClusters": ("cloudhsm", {}),
    "ListAccounts": ("organizations", {}),
    "GetCallerIdentity": ("sts", None),
}
# the code each service throttles with (processing.throttling_error)
THROTTLE_CODE = {"kms": "ThrottlingException",
                 "cloudhsm": "ThrottlingException",
                 "organizations": "TooManyRequestsException",
                 "sts": "Throttling"}


def raw(operation, account=fx.ACCOUNT_1, region="us-east-1", conn=None):
    """One signed request of `operation`, below the SDK (no retry); its
    h.Raw answer."""
    service, body = RAW[operation]
    creds = fx.KEYS_BY_ACCOUNT[account][:2]
    if service == "sts":
        form = ("Action=%s&Version=2011-06-15" % operation).encode()
        return h.signed_request(form, service="sts", region=region,
                                creds=creds, conn=conn)
    return h.signed_request(json.dumps(body).encode(), service=service,
                            region=region, creds=creds,
                            target="%s.%s" % (h.TARGETS[service], operation),
                            conn=conn)


def error_code_of(answer):
    """The AWS error code of a raw answer (None for a 2xx)."""
    if answer.status < 300:
        return None
    if answer.body.lstrip().startswith(b"<"):
        return ET.fromstring(answer.body).find(
            "%sError/%sCode" % (STS_NS, STS_NS)).text
    return answer.json()["__type"].rsplit("#", 1)[-1]


def raw_burst(operation, n, account=fx.ACCOUNT_1, region="us-east-1"):
    """n raw requests released at once, each on a connection opened
    beforehand so that the burst is as tight as the endpoint serves it;
    their error codes (None: ok)."""
    conns = [http.client.HTTPConnection("127.0.0.1", h.server().port,
                                        timeout=30) for _ in range(n)]
    for c in conns:
        c.connect()
    codes = [None] * n
    barrier = threading.Barrier(n)

    def one(i):
        barrier.wait()
        codes[i] = error_code_of(raw(operation, account, region,
                                     conn=conns[i]))
    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for c in conns:
        c.close()
    return codes


def burst(fn, n):
    """Call fn n times at once from n threads; the error codes (None: ok)."""
    codes = [None] * n
    barrier = threading.Barrier(n)

    def one(i):
        barrier.wait()
        try:
            fn()
        except botocore.exceptions.ClientError as e:
            codes[i] = h.error_code(e)
    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return codes


class Quotas(h.EndpointTest):
    """The shared test endpoint enforces AWS's default quotas, as every
    endpoint started without --no-quotas does."""

    def test_on_by_default_and_the_command_line_switch(self):
        self.assertTrue(ctl.call("GET", "/_cks/quotas",
                                 url=h.url())["enabled"])
        server = EndpointProcess(["--quiet", "--no-quotas"])
        try:
            self.assertFalse(ctl.call("GET", "/_cks/quotas",
                                      url=server.url)["enabled"])
            ctl.reset(url=server.url)   # a reset keeps the command line's
            self.assertFalse(ctl.call("GET", "/_cks/quotas",
                                      url=server.url)["enabled"])
            kms = h.client("kms", url=server.url)
            self.assertEqual(burst(kms.describe_custom_key_stores, 12),
                             [None] * 12)
        finally:
            server.stop()

    def test_defaults_are_listed(self):
        info = ctl.call("GET", "/_cks/quotas", url=h.url())
        self.assertTrue(info["enabled"])
        self.assertEqual(info["defaults"]["kms:DescribeCustomKeyStores"], 5)
        self.assertEqual(info["defaults"]["kms:DescribeKey"], 2000)
        self.assertEqual(info["defaults"]["monitoring:GetMetricData"], 50)

    def test_describe_custom_key_stores_5_per_second(self):
        kms = h.client("kms")
        codes = burst(kms.describe_custom_key_stores, 8)
        self.assertEqual(codes.count(None), 5, codes)
        self.assertEqual(codes.count("ThrottlingException"), 3, codes)
        self.assertEqual(len([r for r in self.log() if r["fault"] == "quota"]), 3)
        # a second later the bucket is full again
        time.sleep(1.05)
        self.assertEqual(burst(kms.describe_custom_key_stores, 5),
                         [None] * 5)

    def test_kms_throttle_shape(self):
        for _ in range(5):
            h.signed_json("kms", "DescribeCustomKeyStores", {})
        status, body, headers = h.signed_json(
            "kms", "DescribeCustomKeyStores", {})
        self.assertEqual(status, 400)
        self.assertEqual(body["__type"], "com.amazon.coral.availability#"
                         "ThrottlingException")
        self.assertIn("Reduce the frequency of your calls", body["message"])
        self.assertTrue(headers["X-Amzn-ErrorType"].startswith(
            "ThrottlingException:"))
        self.assertTrue(headers["x-amzn-RequestId"])

    def test_per_account_region_and_operation(self):
        ctl.config(url=h.url(), quota_rates={"DescribeCustomKeyStores": 1})
        kms1 = h.client("kms", region="us-east-1")
        kms2 = h.client("kms", region="eu-west-1")
        kms1.describe_custom_key_stores()
        kms2.describe_custom_key_stores()       # another region: own bucket
        kms1.list_keys()                        # another operation
        h.client("kms", account=fx.ACCOUNT_2).describe_custom_key_stores()
        self.assertClientError("ThrottlingException",
                               kms1.describe_custom_key_stores)

    def test_botocore_standard_retries_see_throttling(self):
        ctl.config(url=h.url(), quota_rates={"DescribeCustomKeyStores": 2})
        kms = h.client("kms", config=Config(retries={
            "mode": "standard", "total_max_attempts": 10}))
        for _ in range(4):
            kms.describe_custom_key_stores()
        throttled = [r for r in self.log() if r["fault"] == "quota"]
        self.assertGreaterEqual(len(throttled), 1)
        self.assertTrue(all(r["error_code"] == "ThrottlingException"
                            for r in throttled))

    def test_switch_off(self):
        ctl.config(url=h.url(), quotas=False)
        kms = h.client("kms")
        self.assertEqual(burst(kms.describe_custom_key_stores, 12),
                         [None] * 12)
        ctl.reset(url=h.url())     # a reset restores the command line's: on
        self.assertTrue(ctl.call("GET", "/_cks/quotas",
                                 url=h.url())["enabled"])
        self.assertIn("ThrottlingException",
                      burst(kms.describe_custom_key_stores, 12))

    def test_rates_validated(self):
        with self.assertRaises(ctl.CtlError):
            ctl.config(url=h.url(), quota_rates={"ListKeys": "fast"})
        with self.assertRaises(ctl.CtlError):
            ctl.config(url=h.url(), quota_rates={"ListKeys": -1})


class Shapes(h.EndpointTest):
    """A throttled answer of each service, exactly as that service sends
    it, and botocore's standard retry mode taking it for throttling."""

    def throttled(self, operation):
        """The raw answer to the second of two requests at 1 per second."""
        ctl.config(url=h.url(), quota_rates={operation: 1})
        self.assertIsNone(error_code_of(raw(operation)))
        answer = raw(operation)
        recs = self.log(operation=operation)
        self.assertEqual([r["fault"] for r in recs], [None, "quota"])
        self.assertEqual(recs[1]["status"], 400)
        self.assertTrue(answer.headers["x-amzn-RequestId"])
        return answer

    def assertSdkThrottling(self, client_name, operation, code):
        """botocore (one attempt) raises `code`, and its standard retry
        mode would retry it as throttling."""
        ctl.reset(url=h.url())
        ctl.config(url=h.url(), quota_rates={operation: 1})
        call = getattr(h.client(client_name), botocore.xform_name(operation))
        try:
            call()
        except botocore.exceptions.ClientError:
            pass        # (ListAccounts: whatever the account's role) counted
        e = self.assertClientError(code, call)
        self.assertEqual(e.response["ResponseMetadata"]["HTTPStatusCode"],
                         400)
        context = standard.RetryContext(attempt_number=1,
                                        parsed_response=e.response)
        self.assertTrue(standard.ThrottledRetryableChecker()
                        .is_retryable(context))
        return e

    def check_json(self, answer, code, namespace, member, text):
        self.assertEqual(answer.status, 400)
        self.assertEqual(answer.headers["Content-Type"],
                         "application/x-amz-json-1.1")
        body = answer.json()
        self.assertEqual(body["__type"],
                         namespace + "#" + code if namespace else code)
        self.assertIn(text, body[member])
        self.assertTrue(answer.headers["X-Amzn-ErrorType"].startswith(
            code + ":"))

    def test_kms_throttling_exception(self):
        self.check_json(self.throttled("DescribeCustomKeyStores"),
                        "ThrottlingException", "com.amazon.coral.availability",
                        "message", "Reduce the frequency of your calls")
        self.assertSdkThrottling("kms", "DescribeCustomKeyStores",
                                 "ThrottlingException")

    def test_cloudhsm_throttling_exception(self):
        self.check_json(self.throttled("DescribeClusters"),
                        "ThrottlingException", "com.amazon.coral.availability",
                        "message", "Rate exceeded")
        self.assertSdkThrottling("cloudhsmv2", "DescribeClusters",
                                 "ThrottlingException")

    def test_organizations_too_many_requests(self):
        self.check_json(self.throttled("ListAccounts"),
                        "TooManyRequestsException", None, "Message",
                        "You have sent too many requests in too short a "
                        "period of time")
        self.assertSdkThrottling("organizations", "ListAccounts",
                                 "TooManyRequestsException")

    def test_sts_throttling_xml(self):
        answer = self.throttled("GetCallerIdentity")
        self.assertEqual(answer.status, 400)
        self.assertTrue(answer.headers["Content-Type"].startswith("text/xml"))
        root = ET.fromstring(answer.body)
        self.assertEqual(root.tag, STS_NS + "ErrorResponse")
        err = root.find(STS_NS + "Error")
        self.assertEqual([(c.tag[len(STS_NS):], c.text) for c in err],
                         [("Type", "Sender"), ("Code", "Throttling"),
                          ("Message", "Rate exceeded")])
        self.assertEqual(root.find(STS_NS + "RequestId").text,
                         answer.headers["x-amzn-RequestId"])
        e = self.assertSdkThrottling("sts", "GetCallerIdentity",
                                     "Throttling")
        self.assertEqual(e.response["Error"]["Type"], "Sender")


# operation -> the rate its burst runs at: AWS's default where a test can
# send rate + 1 requests well within the 1/rate s in which the bucket
# refills one token; STS's 100/s refills one every 10 ms, too fast for a
# client on a loaded 2-core machine, so its burst runs at 5/s
BURSTS = [("DescribeCustomKeyStores", None), ("GetKeyLastUsage", None),
          ("DescribeClusters", None), ("ListAccounts", None),
          ("GetCallerIdentity", 5)]


class Bursts(h.EndpointTest):
    """rate + 1 requests at once in one (account, region, operation): one
    throttled, in the service's code; the same burst in another region or
    account right after is not throttled at all."""

    def one_burst(self, operation, rate_override):
        """Run the rate + 1 burst until the endpoint saw it as a burst
        (within half a refill period; a loaded machine may spread it);
        its error codes and the rate."""
        service = RAW[operation][0]
        rate = int(rate_override or quotas.DEFAULT_RATES[(service,
                                                          operation)])
        for _ in range(5):
            ctl.reset(url=h.url())
            if rate_override:
                ctl.config(url=h.url(), quota_rates={operation: rate})
            codes = raw_burst(operation, rate + 1)
            recs = self.log(operation=operation)
            span = max(r["start"] for r in recs) - min(r["start"]
                                                       for r in recs)
            throttled = [r for r in recs if r["fault"] == "quota"]
            if len(throttled) == 1 or span * rate >= 0.5:
                break
        self.assertEqual(len(throttled), 1,
                         "%s: %d throttled in a burst of %d over %.3f s"
                         % (operation, len(throttled), rate + 1, span))
        self.assertEqual(throttled[0]["error_code"], THROTTLE_CODE[service])
        self.assertEqual(codes.count(THROTTLE_CODE[service]), 1, codes)
        return rate

    def test_rate_plus_one_throttles_exactly_one(self):
        for operation, override in BURSTS:
            with self.subTest(operation=operation):
                rate = self.one_burst(operation, override)
                # Organizations is global (one endpoint, us-east-1): no
                # other region to compare with
                others = [(fx.ACCOUNT_2, "us-east-1")]
                if RAW[operation][0] != "organizations":
                    others.append((fx.ACCOUNT_1, "eu-west-1"))
                for account, region in others:
                    codes = raw_burst(operation, rate, account, region)
                    self.assertNotIn(THROTTLE_CODE[RAW[operation][0]], codes,
                                     (account, region))
                    self.assertEqual(
                        [r for r in self.log(operation=operation,
                                             account=account, region=region)
                         if r["fault"] == "quota"], [])


class Bucket(unittest.TestCase):
    def test_refill_is_continuous(self):
        b = quotas.Buckets()
        key = ("kms", "1", "r", "X")
        self.assertTrue(all(b.take(key, 5, now=100.0) for _ in range(5)))
        self.assertFalse(b.take(key, 5, now=100.0))
        self.assertFalse(b.take(key, 5, now=100.1))     # 0.5 token
        self.assertTrue(b.take(key, 5, now=100.3))      # 1.0 token
        self.assertTrue(b.take(key, None))              # no quota


if __name__ == "__main__":
    unittest.main()
