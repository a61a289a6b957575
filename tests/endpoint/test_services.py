#!/usr/bin/python3
"""Endpoint tests for issues 12 and 14: Organizations ListAccounts, many
accounts from a range, capacity (1,000 connections, STS/KMS delays),
KMS ListKeys/DescribeKey and CloudHSM DescribeClusters with consistent
data, and the signature checks of the new services.

Run through test_endpoint.py (which prints "N passed, N failed") or
    /usr/bin/python3 -m unittest -v test_services
"""

import json
import os
import resource
import shutil
import socket
import subprocess
import time

import botocore.auth
import botocore.awsrequest
import botocore.credentials

import ctl
import fixtures as fx
import harness as h
from harness import EndpointTest, client, signed_json

MEMBERS_5 = [fx.ACCOUNT_1, fx.ACCOUNT_2 + ":SUSPENDED", fx.ACCOUNT_3,
             fx.ACCOUNT_4 + ":PENDING_CLOSURE", fx.ACCOUNT_5]


def setUpModule():
    h.start(h.SERVICE_ARGS)


def tearDownModule():
    h.stop()


class Organizations(EndpointTest):

    def pages(self, account=fx.ACCOUNT_1, page_size=2, config=h.NO_RETRY):
        org = client("organizations", account, config=config)
        return list(org.get_paginator("list_accounts").paginate(
            PaginationConfig={"PageSize": page_size}))

    def test_three_pages_with_a_suspended_account(self):
        ctl.organization(MEMBERS_5, url=h.url())
        pages = self.pages()
        self.assertEqual([len(p["Accounts"]) for p in pages], [2, 2, 1])
        self.assertTrue(all("NextToken" in p for p in pages[:2]))
        self.assertNotIn("NextToken", pages[2])
        accounts = [a for p in pages for a in p["Accounts"]]
        self.assertEqual([(a["Id"], a["Status"]) for a in accounts],
                         [(fx.ACCOUNT_1, "ACTIVE"),
                          (fx.ACCOUNT_2, "SUSPENDED"),
                          (fx.ACCOUNT_3, "ACTIVE"),
                          (fx.ACCOUNT_4, "PENDING_CLOSURE"),
                          (fx.ACCOUNT_5, "ACTIVE")])
        first = accounts[1]
        self.assertEqual(first["Arn"], "arn:aws:organizations::%s:account/"
                         "%s/%s" % (fx.ACCOUNT_1, fx.ORG_ID, fx.ACCOUNT_2))
        self.assertEqual(first["Email"], "aws+222222222222@cks.example.com")
        self.assertIn(first["JoinedMethod"], ("INVITED", "CREATED"))
        self.assertEqual(first["JoinedTimestamp"].year, 2020)
        logged = self.log(service="organizations", operation="ListAccounts")
        self.assertEqual(len(logged), 3)
        self.assertEqual(logged[0]["params"], {"MaxResults": 2})
        self.assertEqual(logged[1]["params"]["NextToken"],
                         pages[0]["NextToken"])
        self.assertEqual({r["account"] for r in logged}, {fx.ACCOUNT_1})
        self.assertEqual({r["region"] for r in logged}, {"us-east-1"})

    def test_member_list_changes_between_queries(self):
        # 51 pages are over ListAccounts' 10/s: paged with the SDK's
        # retries (TooManyRequestsException), as an application would
        before = [a["Id"] for p in self.pages(page_size=20,
                                              config=h.SDK_RETRY)
                  for a in p["Accounts"]]
        # the default: the five fixed accounts, then the whole range
        self.assertEqual(before[:5], list(fx.KEYS_BY_ACCOUNT))
        self.assertEqual(len(before), 5 + 1000)
        self.assertEqual(before[-1], h.RANGE_LAST)
        ctl.organization([fx.ACCOUNT_1, "100000000777"], url=h.url())
        after = [a["Id"] for p in self.pages(page_size=20,
                                             config=h.SDK_RETRY)
                 for a in p["Accounts"]]
        self.assertEqual(after, [fx.ACCOUNT_1, "100000000777"])
        ctl.organization(default=True, url=h.url())
        self.assertEqual(len(ctl.get_organization(url=h.url())
                             ["Accounts"]), 1005)

    def test_access_denied_and_not_in_use(self):
        ctl.organization(MEMBERS_5[:3], delegated_admins=[fx.ACCOUNT_3],
                         url=h.url())
        org2 = client("organizations", fx.ACCOUNT_2)
        err = self.assertClientError("AccessDeniedException",
                                     org2.list_accounts)
        self.assertIn("don't have permissions", err.response["Error"]
                      ["Message"])
        self.assertClientError("AWSOrganizationsNotInUseException",
                               client("organizations",
                                      fx.ACCOUNT_4).list_accounts)
        delegated = client("organizations", fx.ACCOUNT_3).list_accounts()
        self.assertEqual(len(delegated["Accounts"]), 3)
        ctl.organization(enabled=False, url=h.url())
        self.assertClientError("AWSOrganizationsNotInUseException",
                               client("organizations").list_accounts)

    def test_validation_and_bad_token(self):
        status, body, _ = signed_json("organizations", "ListAccounts",
                                      {"MaxResults": 21})
        self.assertEqual((status, body["__type"]),
                         (400, "InvalidInputException"))
        org = client("organizations")
        err = self.assertClientError("InvalidInputException",
                                     org.list_accounts, NextToken="bogus")
        self.assertEqual(err.response["Reason"], "INVALID_PAGINATION_TOKEN")

    def test_aws_cli_pages(self):
        aws = shutil.which("aws")
        if not aws:
            self.skipTest("aws CLI not installed")
        ctl.organization(MEMBERS_5, url=h.url())
        env = dict(os.environ, AWS_ACCESS_KEY_ID=fx.ACCESS_KEY_1,
                   AWS_SECRET_ACCESS_KEY=fx.SECRET_KEY_1,
                   AWS_DEFAULT_REGION="us-east-1",
                   AWS_CONFIG_FILE="/dev/null",
                   AWS_SHARED_CREDENTIALS_FILE="/dev/null",
                   AWS_EC2_METADATA_DISABLED="true")
        env.pop("AWS_SESSION_TOKEN", None)
        env.pop("AWS_PROFILE", None)
        p = subprocess.run([aws, "organizations", "list-accounts",
                            "--endpoint-url", h.url(), "--page-size", "2",
                            "--output", "json"], env=env,
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        ids = [a["Id"] for a in json.loads(p.stdout)["Accounts"]]
        self.assertEqual(ids, list(fx.KEYS_BY_ACCOUNT))
        self.assertEqual(len(self.log(operation="ListAccounts")), 3)


class ManyAccounts(EndpointTest):

    def assume(self, role_arn, account=fx.ACCOUNT_2):
        return h.temp_creds(client("sts", account).assume_role(
            RoleArn=role_arn, RoleSessionName="fanout")["Credentials"])

    def test_assume_role_into_a_range_account(self):
        creds = self.assume("arn:aws:iam::100000000777:role/cks-reader")
        ident = client("sts", creds=creds).get_caller_identity()
        self.assertEqual(ident["Account"], "100000000777")
        self.assertEqual(ident["Arn"], "arn:aws:sts::100000000777:"
                         "assumed-role/cks-reader/fanout")
        stores = client("kms", creds=creds).describe_custom_key_stores()[
            "CustomKeyStores"]
        self.assertEqual([s["CustomKeyStoreName"] for s in stores],
                         ["acct100000000777-us-east-1-1-hsm",
                          "acct100000000777-us-east-1-2-xks"])
        # deterministic and distinct per account
        again = ctl.get_stores("100000000777", "us-east-1", url=h.url())
        self.assertEqual([s["CustomKeyStoreId"] for s in again],
                         [s["CustomKeyStoreId"] for s in stores])
        other = ctl.get_stores("100000000778", "us-east-1", url=h.url())
        self.assertNotEqual(other[0]["CustomKeyStoreId"],
                            stores[0]["CustomKeyStoreId"])
        # the other role name works too; outside the range nothing does
        self.assume("arn:aws:iam::100000000000:role/"
                    "OrganizationAccountAccessRole")
        sts = client("sts", fx.ACCOUNT_2)
        for arn in ("arn:aws:iam::100000001000:role/cks-reader",
                    "arn:aws:iam::100000000777:role/admin"):
            self.assertClientError("AccessDenied", sts.assume_role,
                                   RoleArn=arn, RoleSessionName="fanout")

    def test_range_set_through_ctl(self):
        ctl.accounts("200000000000", "200000000009", stores_per_region=3,
                     url=h.url())
        creds = self.assume("arn:aws:iam::200000000005:role/cks-reader")
        stores = client("kms", region="eu-west-1", creds=creds) \
            .describe_custom_key_stores()["CustomKeyStores"]
        self.assertEqual(len(stores), 3)
        self.assertClientError(
            "AccessDenied", client("sts").assume_role,
            RoleArn="arn:aws:iam::100000000777:role/cks-reader",
            RoleSessionName="fanout")
        ctl.reset(url=h.url())       # back to the command line's range
        self.assume("arn:aws:iam::100000000777:role/cks-reader")


class Capacity(EndpointTest):

    def test_1000_concurrent_connections(self):
        """1,000 connections opened at once, each with a request in
        flight at the same moment: all are accepted and answered."""
        want = 1000
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft < want + 100 and hard > soft:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
        if soft < want + 100:
            self.skipTest("open file limit %d is too low" % soft)
        # long enough for 1,000 connections and threads to start even on
        # a loaded machine (the requests are then all in flight together)
        ctl.config(kms_latency_ms=6000, quotas=False, url=h.url())
        req = botocore.awsrequest.AWSRequest(
            method="POST", url=h.url() + "/", data=b'{"Limit":1}',
            headers={"Content-Type": "application/x-amz-json-1.1",
                     "X-Amz-Target": "TrentService.DescribeCustomKeyStores"})
        botocore.auth.SigV4Auth(botocore.credentials.Credentials(
            fx.ACCESS_KEY_1, fx.SECRET_KEY_1), "kms",
            "us-east-1").add_auth(req)
        port = int(h.url().rsplit(":", 1)[1])
        head = ["POST / HTTP/1.1", "Host: 127.0.0.1:%d" % port,
                "Content-Length: 11"]
        head += ["%s: %s" % kv for kv in req.headers.items()]
        raw = ("\r\n".join(head) + "\r\n\r\n").encode() + b'{"Limit":1}'
        socks = []
        started = time.monotonic()
        try:
            for _ in range(want):
                s = socket.create_connection(("127.0.0.1", port), 30)
                s.sendall(raw)
                socks.append(s)
            connecting = time.monotonic() - started
            statuses = []
            for s in socks:
                data = h.recv_until(s, b"\r\n\r\n")
                statuses.append(data.split(b" ", 2)[1] if data else b"")
        finally:
            for s in socks:
                s.close()
        self.assertEqual(statuses, [b"200"] * want)
        records = self.log(operation="DescribeCustomKeyStores")
        self.assertEqual(len(records), want)
        self.assertEqual(len({r["connection"] for r in records}), want)
        # every request was in flight at one moment: all 1,000 connections
        # were open and served concurrently, none queued behind another
        self.assertLess(max(r["start"] for r in records),
                        min(r["end"] for r in records),
                        "opening 1,000 connections took %.1f s" % connecting)

    def timed(self, fn):
        start = time.monotonic()
        fn()
        return time.monotonic() - start

    def test_sts_delay_separate_from_kms_delay(self):
        sts, kms = client("sts"), client("kms")
        ctl.config(sts_latency_ms=600, url=h.url())
        self.assertGreaterEqual(self.timed(sts.get_caller_identity), 0.6)
        self.assertLess(self.timed(kms.describe_custom_key_stores), 0.5)
        ctl.config(sts_latency_ms=None, kms_latency_ms=600, url=h.url())
        self.assertLess(self.timed(sts.get_caller_identity), 0.5)
        self.assertGreaterEqual(self.timed(kms.describe_custom_key_stores),
                                0.6)
        self.assertGreaterEqual(self.timed(lambda: kms.list_keys()), 0.6)


if __name__ == "__main__":
    import unittest
    unittest.main()
