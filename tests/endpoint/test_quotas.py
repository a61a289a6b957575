"""The endpoint's AWS request quotas (quotas.py), seen by botocore: what is
throttled, how the answer looks (the exact error shapes botocore retries
as throttling), the per-test rates and the switch that turns quotas off.
"""

import sys
import threading
import time
import unittest

import botocore.exceptions
from botocore.config import Config

import ctl
import fixtures as fx
import quotas
import harness as h
from harness import EndpointProcess


def setUpModule():
    h.start(h.SERVICE_ARGS)


def tearDownModule():
    h.stop()


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
    """The shared test endpoint runs with --no-quotas; each test here
    turns them on."""

    def setUp(self):
        super().setUp()
        ctl.config(url=h.url(), quotas=True)

    def test_on_by_default(self):
        server = EndpointProcess(["--quiet"], quotas=True)
        try:
            self.assertTrue(ctl.call("GET", "/_cks/quotas",
                                     url=server.url)["enabled"])
            ctl.reset(url=server.url)
            self.assertTrue(ctl.call("GET", "/_cks/quotas",
                                     url=server.url)["enabled"])
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

    def test_sts_throttling_xml(self):
        ctl.config(url=h.url(), quota_rates={"sts:GetCallerIdentity": 1})
        sts = h.client("sts")
        sts.get_caller_identity()
        e = self.assertClientError("Throttling", sts.get_caller_identity)
        self.assertEqual(e.response["ResponseMetadata"]["HTTPStatusCode"],
                         400)
        self.assertEqual(e.response["Error"]["Type"], "Sender")

    def test_organizations_too_many_requests(self):
        ctl.config(url=h.url(), quota_rates={"ListAccounts": 1})
        org = h.client("organizations", account=fx.ACCOUNT_1)
        try:
            org.list_accounts()
        except botocore.exceptions.ClientError:
            pass        # whatever the account is in the org: it was counted
        self.assertClientError("TooManyRequestsException", org.list_accounts)

    def test_switch_off(self):
        ctl.config(url=h.url(), quotas=False)
        kms = h.client("kms")
        self.assertEqual(burst(kms.describe_custom_key_stores, 12),
                         [None] * 12)
        ctl.reset(url=h.url())     # a reset restores the command line's
        self.assertFalse(ctl.call("GET", "/_cks/quotas",
                                  url=h.url())["enabled"])

    def test_rates_validated(self):
        with self.assertRaises(ctl.CtlError):
            ctl.config(url=h.url(), quota_rates={"ListKeys": "fast"})
        with self.assertRaises(ctl.CtlError):
            ctl.config(url=h.url(), quota_rates={"ListKeys": -1})


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
