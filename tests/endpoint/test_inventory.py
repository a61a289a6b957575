#!/usr/bin/python3
"""Endpoint tests for issue 14: KMS ListKeys/DescribeKey and CloudHSM
DescribeClusters through botocore, consistent with DescribeCustomKeyStores;
the signature checks of every new signed service; the moto helper.

Run through test_endpoint.py (which prints "N passed, N failed") or
    /usr/bin/python3 -m unittest -v test_inventory
"""

import collections
import os
import shutil
import subprocess
import tempfile
import unittest

import ctl
import fixtures as fx
import harness as h
from harness import EndpointTest, client, signed_json

HERE = os.path.dirname(os.path.abspath(__file__))
PAIRS = [(fx.ACCOUNT_1, "us-east-1"), (fx.ACCOUNT_1, "eu-west-1"),
         (fx.ACCOUNT_3, "eu-west-1"), (fx.ACCOUNT_2, "ap-southeast-2"),
         ("100000000042", "us-east-1")]


def setUpModule():
    h.start(h.SERVICE_ARGS)


def tearDownModule():
    h.stop()


class KeysAndClusters(EndpointTest):

    def all_keys(self, kms, limit=7):
        pages = list(kms.get_paginator("list_keys").paginate(
            PaginationConfig={"PageSize": limit}))
        return pages, [k for p in pages for k in p["Keys"]]

    def all_clusters(self, hsm, **kwargs):
        return [c for p in hsm.get_paginator("describe_clusters").paginate(
            **kwargs) for c in p["Clusters"]]

    def check_pair(self, account, region):
        """Every key's store exists and carries the key's cluster; every
        CloudHSM store's cluster exists in the same account and region."""
        creds = fx.KEYS_BY_ACCOUNT.get(account) or h.temp_creds(
            client("sts").assume_role(
                RoleArn="arn:aws:iam::%s:role/cks-reader" % account,
                RoleSessionName="inv")["Credentials"])
        kms = client("kms", region=region, creds=creds)
        hsm = client("cloudhsmv2", region=region, creds=creds)
        stores = {s["CustomKeyStoreId"]: s for p in kms.get_paginator(
            "describe_custom_key_stores").paginate() for s in
            p["CustomKeyStores"]}
        clusters = {c["ClusterId"]: c for c in self.all_clusters(hsm)}
        for s in stores.values():
            if s.get("CustomKeyStoreType") == "AWS_CLOUDHSM":
                self.assertIn(s["CloudHsmClusterId"], clusters)
        _, keys = self.all_keys(kms)
        metas = []
        for k in keys:
            meta = kms.describe_key(KeyId=k["KeyId"])["KeyMetadata"]
            self.assertEqual((meta["KeyId"], meta["Arn"]),
                             (k["KeyId"], k["KeyArn"]))
            self.assertEqual(meta["AWSAccountId"], account)
            store_id = meta.get("CustomKeyStoreId")
            if store_id is not None:
                self.assertIn(store_id, stores)
                store = stores[store_id]
                self.assertEqual(meta.get("CloudHsmClusterId"),
                                 store.get("CloudHsmClusterId"))
                if store["ConnectionState"] != "CONNECTED":
                    self.assertEqual(meta["KeyState"], "Unavailable")
            metas.append(meta)
        return stores, clusters, metas

    def test_keys_and_clusters_consistent_with_stores(self):
        for account, region in PAIRS:
            with self.subTest(account=account, region=region):
                self.check_pair(account, region)
        stores, clusters, metas = self.check_pair(fx.ACCOUNT_1, "us-east-1")
        states = collections.Counter(m["KeyState"] for m in metas)
        for state in ("Enabled", "PendingDeletion", "Disabled",
                      "Unavailable", "PendingImport",
                      "PendingReplicaDeletion"):
            self.assertGreater(states[state], 0, state)
        for m in metas:
            self.assertEqual("DeletionDate" in m,
                             m["KeyState"] == "PendingDeletion", m)
            self.assertEqual(m["Enabled"], m["KeyState"] == "Enabled")
        managers = collections.Counter(m["KeyManager"] for m in metas)
        self.assertEqual(managers["AWS"], 3)
        origins = collections.Counter(m["Origin"] for m in metas)
        self.assertGreater(origins["AWS_CLOUDHSM"], 0)
        self.assertGreater(origins["EXTERNAL_KEY_STORE"], 0)
        self.assertGreater(origins["AWS_KMS"], 3)
        self.assertTrue(all("Id" in m["XksKeyConfiguration"] for m in metas
                            if m["Origin"] == "EXTERNAL_KEY_STORE"))
        self.assertTrue(any(m.get("ExpirationModel") == "KEY_MATERIAL_EXPIRES"
                            and "ValidTo" in m for m in metas))
        self.assertTrue(any(m.get("PendingDeletionWindowInDays") == 7
                            for m in metas))
        # clusters: HSM counts 0..3, exactly one DEGRADED, spares unused
        self.assertEqual({len(c["Hsms"]) for c in clusters.values()},
                         {0, 1, 2, 3})
        self.assertEqual([c["State"] for c in clusters.values()
                          if c["State"] == "DEGRADED"], ["DEGRADED"])
        used = {s.get("CloudHsmClusterId") for s in stores.values()}
        self.assertEqual(len(set(clusters) - used), 2)
        primary = clusters["cluster-1a23b4cdefg"]
        self.assertEqual(primary["State"], "ACTIVE")
        self.assertEqual(len(primary["Hsms"]), 3)
        for hsm in primary["Hsms"]:
            self.assertEqual(hsm["ClusterId"], "cluster-1a23b4cdefg")
            self.assertEqual(primary["SubnetMapping"][hsm["AvailabilityZone"]],
                             hsm["SubnetId"])
        self.assertEqual(primary["BackupRetentionPolicy"]["Type"], "DAYS")
        self.assertIn("ClusterCertificate", primary["Certificates"])
        self.assertEqual(primary["TagList"][0], {"Key": "env",
                                                 "Value": "prod"})
        # the wire is what the control API shows
        self.assertEqual([c["ClusterId"] for c in ctl.get_clusters(
            fx.ACCOUNT_1, "us-east-1", url=h.url())], list(clusters))

    def test_bulk_stores_get_clusters_and_keys(self):
        ctl.stores(fx.ACCOUNT_2, "us-west-1", 300, url=h.url())
        stores, clusters, metas = self.check_pair(fx.ACCOUNT_2, "us-west-1")
        self.assertEqual(len(stores), 300)
        self.assertGreater(len(clusters), 100)
        self.assertGreater(len(metas), 300)

    def test_list_keys_pages_and_benchmark_pair(self):
        kms = client("kms", region="us-west-2")
        pages, keys = self.all_keys(kms, limit=1000)
        self.assertEqual([len(p["Keys"]) for p in pages], [1000, 1000, 5])
        self.assertEqual([p["Truncated"] for p in pages],
                         [True, True, False])
        self.assertEqual(len({k["KeyId"] for k in keys}), 2005)
        self.assertEqual(len(self.log(operation="ListKeys")), 3)
        self.assertEqual(self.log(operation="ListKeys")[0]["params"],
                         {"Limit": 1000})
        status, body, _ = signed_json("kms", "ListKeys", {"Limit": 1001})
        self.assertEqual(body["__type"],
                         "com.amazon.coral.validate#ValidationException")
        self.assertClientError("InvalidMarkerException", client("kms")
                               .list_keys, Marker=pages[0]["NextMarker"])
        # a DescribeCustomKeyStores marker is not a ListKeys marker
        ctl.stores(fx.ACCOUNT_1, "us-west-2", 5, url=h.url())
        marker = client("kms", region="us-west-2").describe_custom_key_stores(
            Limit=1)["NextMarker"]
        self.assertClientError("InvalidMarkerException", kms.list_keys,
                               Marker=marker)
        total = ctl.keys(fx.ACCOUNT_1, "us-west-2", 10, url=h.url())["keys"]
        _, keys = self.all_keys(kms, limit=1000)
        self.assertEqual(len(keys), total)
        generated = [k for k in ctl.get_keys(fx.ACCOUNT_1, "us-west-2",
                                             url=h.url())["Keys"]
                     if k["Description"].startswith("generated key")]
        self.assertEqual(len(generated), 10)

    def test_describe_key_by_id_arn_alias(self):
        kms = client("kms")
        ebs = kms.describe_key(KeyId="alias/aws/ebs")["KeyMetadata"]
        self.assertEqual(ebs["KeyManager"], "AWS")
        arn = ebs["Arn"]
        self.assertEqual(kms.describe_key(KeyId=arn)["KeyMetadata"], ebs)
        self.assertEqual(kms.describe_key(KeyId=ebs["KeyId"])["KeyMetadata"],
                         ebs)
        alias_arn = "arn:aws:kms:us-east-1:111111111111:alias/cks-app-data"
        app = kms.describe_key(KeyId=alias_arn)["KeyMetadata"]
        self.assertEqual(app["Origin"], "AWS_KMS")
        self.assertNotIn("CustomKeyStoreId", app)
        for key_id, message in (
                ("alias/nope", "Alias arn:aws:kms:us-east-1:111111111111:"
                 "alias/nope is not found."),
                ("00000000-0000-4000-8000-000000000000",
                 "Key 'arn:aws:kms:us-east-1:111111111111:key/00000000-0000-"
                 "4000-8000-000000000000' does not exist"),
                ("not-a-key", "Invalid keyId 'not-a-key'"),
                (arn.replace("us-east-1", "eu-west-1"), "Invalid arn "
                 "eu-west-1")):
            err = self.assertClientError("NotFoundException",
                                         kms.describe_key, KeyId=key_id)
            self.assertEqual(err.response["Error"]["Message"], message)
        # another account's key is not found by id
        self.assertClientError("NotFoundException",
                               client("kms", fx.ACCOUNT_2).describe_key,
                               KeyId=ebs["KeyId"])

    def test_aliases_paged_with_targetless(self):
        kms = client("kms")
        pages = list(kms.get_paginator("list_aliases").paginate(
            PaginationConfig={"PageSize": 2}))
        self.assertGreater(len(pages), 1)
        aliases = [a for p in pages for a in p["Aliases"]]
        names = [a["AliasName"] for a in aliases]
        self.assertEqual(names, sorted(names))
        self.assertIn("alias/aws/ebs", names)
        orphan = [a for a in aliases if "TargetKeyId" not in a]
        self.assertEqual([a["AliasName"] for a in orphan], ["alias/cks-orphan"])
        # every target is a key of the region; one key's aliases by KeyId
        keys = {k["KeyId"] for k in self.all_keys(kms)[1]}
        self.assertTrue(all(a["TargetKeyId"] in keys for a in aliases
                            if "TargetKeyId" in a))
        app = kms.describe_key(KeyId="alias/cks-app-data")["KeyMetadata"]
        self.assertEqual([a["AliasName"] for a in kms.list_aliases(
            KeyId=app["KeyId"])["Aliases"]], ["alias/cks-app-data"])
        self.assertEqual(len(kms.list_aliases(Limit=1000)["Aliases"]),
                         min(100, len(aliases)))

    def test_tags_paged_and_refused_for_aws_managed_keys(self):
        kms = client("kms")
        tagged = 0
        for k in self.all_keys(kms)[1]:
            meta = kms.describe_key(KeyId=k["KeyId"])["KeyMetadata"]
            if meta["KeyManager"] == "AWS":
                err = self.assertClientError(
                    "AccessDeniedException", kms.list_resource_tags,
                    KeyId=k["KeyId"])
                self.assertIn("kms:ListResourceTags",
                              err.response["Error"]["Message"])
                continue
            pages = list(kms.get_paginator("list_resource_tags").paginate(
                KeyId=k["KeyArn"], PaginationConfig={"PageSize": 2}))
            tags = [t for p in pages for t in p["Tags"]]
            self.assertEqual(len(pages), max(1, (len(tags) + 1) // 2))
            tagged += bool(tags)
        self.assertGreater(tagged, 10)
        self.assertClientError("NotFoundException", kms.list_resource_tags,
                               KeyId="00000000-0000-4000-8000-000000000000")

    def test_key_last_usage(self):
        """GetKeyLastUsage (botocore 1.43's model; Debian's 1.29 lacks it:
        a raw signed request there)."""
        # one single-attempt call per key checks the answers, not pacing
        # (GetKeyLastUsage's quota is 5/s)
        ctl.config(url=h.url(), quota_rates={"GetKeyLastUsage": 1000})
        kms = client("kms")
        keys = self.all_keys(kms)[1]
        used = 0
        for k in keys:
            if hasattr(kms, "get_key_last_usage"):
                answer = kms.get_key_last_usage(KeyId=k["KeyId"])
                start = answer["TrackingStartDate"].timestamp()
            else:
                status, answer, _ = signed_json(
                    "kms", "GetKeyLastUsage", {"KeyId": k["KeyId"]})
                self.assertEqual(status, 200)
                start = answer["TrackingStartDate"]
            self.assertEqual(start, 1767225600.0)
            self.assertEqual(answer["KeyId"], k["KeyArn"])
            usage = answer.get("KeyLastUsage")
            if usage:
                used += 1
                self.assertTrue(set(usage) >= {"Operation", "Timestamp",
                                               "KmsRequestId",
                                               "CloudTrailEventId"})
        self.assertTrue(0 < used < len(keys))
        status, answer, _ = signed_json("kms", "GetKeyLastUsage",
                                        {"KeyId": "alias/cks-app-data"})
        self.assertEqual((status, answer["__type"]),
                         (400, "com.amazonaws.kms#InvalidArnException"))

    def test_key_deleted_between_list_and_describe(self):
        kms = client("kms")
        key_id = kms.list_keys(Limit=5)["Keys"][4]["KeyId"]
        ctl.fault("key_deleted", operation="DescribeKey", url=h.url())
        self.assertClientError("NotFoundException", kms.describe_key,
                               KeyId=key_id)
        self.assertEqual(kms.describe_key(KeyId=key_id)["KeyMetadata"]
                         ["KeyId"], key_id)
        ctl.delete_key(fx.ACCOUNT_1, "us-east-1", key_id, url=h.url())
        self.assertClientError("NotFoundException", kms.describe_key,
                               KeyId=key_id)
        _, keys = self.all_keys(kms, limit=1000)
        self.assertNotIn(key_id, [k["KeyId"] for k in keys])
        faults = self.log(operation="DescribeKey")
        self.assertEqual([r["fault"] for r in faults],
                         ["key_deleted", None, None])
        self.assertEqual([r["error_code"] for r in faults],
                         ["NotFoundException", None, "NotFoundException"])

    def test_describe_clusters_filters_and_pages(self):
        # 20 single-attempt calls (two raw) check filters and pages, not
        # pacing (DescribeClusters' quota is 10/s)
        ctl.config(url=h.url(), quota_rates={"DescribeClusters": 1000})
        hsm = client("cloudhsmv2")
        every = self.all_clusters(hsm)
        self.assertEqual(len(every), 10)
        paged = list(hsm.get_paginator("describe_clusters").paginate(
            PaginationConfig={"PageSize": 3}))
        self.assertEqual([len(p["Clusters"]) for p in paged], [3, 3, 3, 1])
        self.assertEqual([c for p in paged for c in p["Clusters"]], every)
        self.assertEqual(self.log(operation="DescribeClusters")[2]["params"],
                         {"MaxResults": 3,
                          "NextToken": paged[0]["NextToken"]})
        ids = [every[0]["ClusterId"], every[5]["ClusterId"]]
        self.assertEqual([c["ClusterId"] for c in hsm.describe_clusters(
            Filters={"clusterIds": ids})["Clusters"]], ids)
        degraded = hsm.describe_clusters(Filters={"states": ["DEGRADED"]})
        self.assertEqual(len(degraded["Clusters"]), 1)
        self.assertEqual(len(hsm.describe_clusters(Filters={"states": [
            "ACTIVE", "UNINITIALIZED"]})["Clusters"]), 9)
        vpcs = collections.Counter(c["VpcId"] for c in every)
        self.assertEqual(len(vpcs), 2)
        for vpc, n in vpcs.items():
            got = self.all_clusters(hsm, Filters={"vpcIds": [vpc]})
            self.assertEqual(len(got), n)
        both = hsm.describe_clusters(Filters={"vpcIds": list(vpcs),
                                              "states": ["UNINITIALIZED"]})
        self.assertEqual([c["State"] for c in both["Clusters"]],
                         ["UNINITIALIZED"])
        # a PRECO password until initialized, none after (cks_fdw hides it)
        self.assertRegex(both["Clusters"][0]["PreCoPassword"],
                         r"^preco-[0-9a-f]{20}$")
        self.assertEqual([c["State"] for c in every if "PreCoPassword" in c],
                         ["UNINITIALIZED"])
        self.assertEqual(hsm.describe_clusters(Filters={"clusterIds": [
            "cluster-doesnotexist"]})["Clusters"], [])
        self.assertEqual(client("cloudhsmv2", fx.ACCOUNT_2,
                                "ap-southeast-2").describe_clusters()
                         ["Clusters"], [])
        self.assertClientError("CloudHsmInvalidRequestException",
                               hsm.describe_clusters,
                               Filters={"colour": ["blue"]})
        self.assertClientError("CloudHsmInvalidRequestException",
                               hsm.describe_clusters, NextToken="bogus")
        status, body, _ = signed_json("cloudhsm", "DescribeClusters",
                                      {"MaxResults": 26})
        self.assertEqual((status, body["__type"]),
                         (400, "CloudHsmInvalidRequestException"))
        status, body, _ = signed_json("cloudhsm", "DescribeClusters",
                                      {"Filters": {"states": ["BROKEN"]}})
        self.assertEqual(body["__type"], "CloudHsmInvalidRequestException")


class NewServiceSignatures(EndpointTest):
    """Every new signed operation is verified like DescribeCustomKeyStores."""

    CASES = (("kms", "ListKeys", {}), ("kms", "DescribeKey",
                                       {"KeyId": "alias/aws/ebs"}),
             ("organizations", "ListAccounts", {}),
             ("cloudhsm", "DescribeClusters", {}))

    def test_signature_failures(self):
        for service, operation, body in self.CASES:
            with self.subTest(service=service, operation=operation):
                status, ok, _ = signed_json(service, operation, body)
                self.assertEqual(status, 200, ok)
                checks = (
                    ((fx.ACCESS_KEY_1, "wrong-secret"), None,
                     "InvalidSignatureException"),
                    ((fx.UNKNOWN_ACCESS_KEY, "x"), None,
                     "UnrecognizedClientException"),
                    ((None, None), None,
                     "MissingAuthenticationTokenException"),
                    ((fx.ACCESS_KEY_1, fx.SECRET_KEY_1),
                     "sts" if service != "sts" else "kms",
                     "InvalidSignatureException"),
                )
                for creds, scope, code in checks:
                    status, err, headers = signed_json(
                        service, operation, body, creds=creds, scope=scope)
                    self.assertEqual(status, 400)
                    self.assertEqual(err["__type"].rsplit("#", 1)[-1], code)
                    self.assertTrue(headers["X-Amzn-ErrorType"].startswith(
                        code + ":"))
                    if scope:
                        self.assertIn("'%s'" % service, err["message"])
        logged = self.log()
        self.assertEqual(len(logged), 4 * 5)
        self.assertEqual({(r["service"], r["operation"]) for r in logged},
                         {(s, o) for s, o, _ in self.CASES})
        self.assertEqual(sum(1 for r in logged if r["status"] == 200), 4)

    def test_expired_temporary_credentials(self):
        ctl.config(sts_expiry_seconds=0, url=h.url())
        creds = h.temp_creds(client("sts").assume_role(
            RoleArn=fx.ROLE_READER_1, RoleSessionName="late")["Credentials"])
        calls = (("organizations", "list_accounts"),
                 ("cloudhsmv2", "describe_clusters"), ("kms", "list_keys"),
                 ("kms", "describe_key"))
        for service, method in calls:
            with self.subTest(service=service, method=method):
                call = getattr(client(service, creds=creds), method)
                kwargs = {"KeyId": "alias/aws/ebs"} if method == \
                    "describe_key" else {}
                self.assertClientError("ExpiredTokenException", call,
                                       **kwargs)

    def test_unknown_operation_of_a_new_service(self):
        status, body, _ = signed_json("cloudhsm", "DeleteCluster", {})
        self.assertEqual(body["__type"],
                         "com.amazon.coral.service#UnknownOperationException")


class Moto(EndpointTest):
    """tests/endpoint/moto_server.py: a second, independent emulator."""

    def test_moto_helper_starts_seeded(self):
        python = shutil.which("python3")
        probe = subprocess.run([python or "false", "-c", "import moto, boto3"],
                               capture_output=True)
        if not python or probe.returncode != 0:
            self.skipTest("no python3 with moto and boto3 on PATH")
        tmp = tempfile.mkdtemp(prefix="cks-moto-")
        port_file = os.path.join(tmp, "port")
        proc = subprocess.Popen([python, os.path.join(HERE, "moto_server.py"),
                                 "--port-file", port_file],
                                stdout=subprocess.PIPE, text=True)
        try:
            line = proc.stdout.readline().strip()
            self.assertRegex(line, r"^port \d+$")
            url = "http://127.0.0.1:%s" % line.split()[1]
            with open(port_file) as f:
                self.assertEqual(int(f.read()), int(line.split()[1]))
            args = dict(region_name="us-east-1", endpoint_url=url,
                        aws_access_key_id="testing",
                        aws_secret_access_key="testing", config=h.NO_RETRY)
            hsm = h.SESSION.create_client("cloudhsmv2", **args)
            self.assertEqual(len(hsm.describe_clusters()["Clusters"]), 3)
            kms = h.SESSION.create_client("kms", **args)
            self.assertEqual(len(kms.list_keys()["Keys"]), 3)
        finally:
            proc.terminate()
            proc.wait(20)
            proc.stdout.close()
            shutil.rmtree(tmp, ignore_errors=True)
        self.assertEqual(proc.returncode, 0)

    def test_moto_helper_skips_without_moto(self):
        p = subprocess.run(["/usr/bin/python3", "-S", "-I", os.path.join(
            HERE, "moto_server.py")], capture_output=True, text=True,
            timeout=60)
        if p.returncode == 0:
            self.skipTest("/usr/bin/python3 has moto")
        self.assertEqual(p.returncode, 77, p.stderr)
        self.assertIn("skipped", p.stderr)


if __name__ == "__main__":
    unittest.main()
