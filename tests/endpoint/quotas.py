"""AWS's default request quotas, enforced by the local endpoint.

Real AWS throttles a request that exceeds an operation's request quota in
an account and region; the endpoint does the same with one token bucket
per (service, account, region, operation): it holds at most one second's
worth of tokens (the quota) and refills continuously, so a burst of
`rate` requests passes and the next one in that second is throttled.  A
throttled request is answered exactly as AWS answers it (processing.py
raises the service's throttling error: KMS and CloudHSM
`ThrottlingException` in the JSON 1.1 error shape with HTTP 400,
Organizations `TooManyRequestsException`, STS `Throttling` in the Query
XML error shape -- the codes botocore's retry handlers treat as
throttling: botocore/data/_retry.json and botocore/retries/standard.py).

Defaults and where they come from:

- KMS: https://docs.aws.amazon.com/kms/latest/developerguide/requests-per-second.html
  (DescribeCustomKeyStores 5/s, GetKeyLastUsage 5/s -- the "custom key
  store" and key-usage quotas; ListKeys, ListAliases, ListResourceTags
  100/s; DescribeKey 2,000/s).
- CloudWatch GetMetricData 50 TPS:
  https://repost.aws/knowledge-center/cloudwatch-getmetricdata-api
- Organizations: a global service in us-east-1 whose API throttling limits
  are listed under "Throttling limits" of
  https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html
  without one published figure per read operation; 10/s is used for
  ListAccounts / DescribeOrganization (conservative).
- STS: AWS throttles IAM and STS with token buckets but publishes no fixed
  AssumeRole figure
  (https://aws.amazon.com/blogs/security/how-to-monitor-and-query-iam-resources-at-scale-part-2/);
  100/s is used.
- CloudHSM v2 (DescribeClusters): no published figure; 10/s is used.

An operation without a quota here is never throttled.  The control API
(POST /_cks/config) turns quotas off ("quotas": false, for
micro-benchmarks) and sets rates per test ("quota_rates":
{"DescribeCustomKeyStores": 50} or {"kms:DescribeCustomKeyStores": 50}).
"""

import threading
import time

# (service, operation) -> requests per second
DEFAULT_RATES = {
    ("kms", "DescribeCustomKeyStores"): 5.0,
    ("kms", "GetKeyLastUsage"): 5.0,
    ("kms", "ListKeys"): 100.0,
    ("kms", "ListAliases"): 100.0,
    ("kms", "ListResourceTags"): 100.0,
    ("kms", "DescribeKey"): 2000.0,
    ("monitoring", "GetMetricData"): 50.0,
    ("organizations", "ListAccounts"): 10.0,
    ("organizations", "DescribeOrganization"): 10.0,
    ("sts", "AssumeRole"): 100.0,
    ("sts", "AssumeRoleWithWebIdentity"): 100.0,
    ("sts", "GetCallerIdentity"): 100.0,
    ("cloudhsm", "DescribeClusters"): 10.0,
}

MAX_BUCKETS = 200000            # a hostile or huge test cannot grow it forever


def rate_for(service, operation, overrides):
    """The rate in force for an operation: a per-test override (by
    "service:Operation" or "Operation"), else AWS's default; None: no
    quota."""
    overrides = overrides or {}
    for key in ("%s:%s" % (service, operation), operation):
        if key in overrides:
            return float(overrides[key])
    return DEFAULT_RATES.get((service, operation))


class Buckets:
    """The token buckets, one per (service, account, region, operation)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.buckets = {}       # key -> [tokens, last refill, rate]
        self.throttled = 0

    def reset(self):
        with self.lock:
            self.buckets = {}
            self.throttled = 0

    def take(self, key, rate, now=None):
        """Take one token; False when the request is to be throttled."""
        if rate is None:
            return True
        now = time.monotonic() if now is None else now
        with self.lock:
            bucket = self.buckets.get(key)
            if bucket is None or bucket[2] != rate:
                if len(self.buckets) >= MAX_BUCKETS:
                    self.buckets.clear()
                bucket = self.buckets[key] = [rate, now, rate]
            tokens = min(rate, bucket[0] + (now - bucket[1]) * rate)
            bucket[1] = now
            if rate <= 0 or tokens < 1.0:
                bucket[0] = tokens
                self.throttled += 1
                return False
            bucket[0] = tokens - 1.0
            return True


BUCKETS = Buckets()


def admit(config, service, operation, account, region):
    """True when this request is within its quota (or quotas are off)."""
    if not config.get("quotas", True) or operation is None:
        return True
    rate = rate_for(service, operation, config.get("quota_rates"))
    return BUCKETS.take((service, account, region, operation), rate)
