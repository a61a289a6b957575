#!/usr/bin/python3
"""Endpoint tests of CloudWatch GetMetricData (issue 22), read by botocore's
own cloudwatch client speaking AWS JSON 1.0: botocore's model may name
"query" (Debian's 1.29) or a protocol list led by smithy-rpc-v2-cbor
(1.43), so the client is made from a copy of the model whose protocol is
"json" -- the protocol cks_fdw speaks.

Run through test_endpoint.py (which prints "N passed, N failed") or
    /usr/bin/python3 -m unittest -v test_cloudwatch
"""

import os
import shutil
import sys
import time

import botocore.exceptions
import botocore.session

import fixtures as fx
import harness as h

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from harness import NO_RETRY, EndpointTest                # noqa: E402
import botocore_metrics                                 # noqa: E402

DATA_DIR = None


def setUpModule():
    global DATA_DIR
    h.start(h.SERVICE_ARGS)
    # the same JSON 1.0 copy of the model the regression suite reads with
    DATA_DIR = botocore_metrics.json_model_dir(botocore.session.get_session())


def tearDownModule():
    h.stop()
    shutil.rmtree(DATA_DIR, ignore_errors=True)


def cloudwatch(account=fx.ACCOUNT_1, region="us-east-1"):
    session = botocore.session.get_session()
    session.get_component("data_loader").search_paths.insert(0, DATA_DIR)
    akid, secret, *token = fx.KEYS_BY_ACCOUNT[account]
    client = session.create_client(
        "cloudwatch", region_name=region, endpoint_url=h.url(),
        aws_access_key_id=akid, aws_secret_access_key=secret,
        aws_session_token=token[0] if token else None, config=NO_RETRY)
    assert client.meta.service_model.protocol == "json"
    return client


def query(qid, store, metric, state=None, stat="Average", period=300):
    dims = [{"Name": "KeyStoreId", "Value": store}]
    if state:
        dims.append({"Name": "XksExternalKeyManagerState", "Value": state})
    return {"Id": qid, "ReturnData": True,
            "MetricStat": {"Metric": {"Namespace": "AWS/KMS",
                                      "MetricName": metric,
                                      "Dimensions": dims},
                           "Period": period, "Stat": stat}}


def xks_stores(name=None):
    kms = h.client("kms")
    stores = [s for p in kms.get_paginator("describe_custom_key_stores")
              .paginate() for s in p["CustomKeyStores"]
              if s.get("CustomKeyStoreType") == "EXTERNAL_KEY_STORE"]
    return {s["CustomKeyStoreName"]: s for s in stores}


class GetMetricData(EndpointTest):

    def window(self, hours=3):
        end = int(time.time()) // 300 * 300
        return end - hours * 3600, end

    def test_json_1_0_answer_read_by_botocore(self):
        stores = xks_stores()
        start, end = self.window()
        cw = cloudwatch()
        answer = cw.get_metric_data(
            MetricDataQueries=[
                query("c0", stores["xks-public"]["CustomKeyStoreId"],
                      "XksProxyCertificateDaysToExpire"),
                query("a0", stores["xks-failed-credentials"]["CustomKeyStoreId"],
                      "XksProxyCredentialAge", stat="Maximum"),
                query("s0", stores["Ünïcode ключ 🔑"]["CustomKeyStoreId"],
                      "XksExternalKeyManagerStates", state="Degraded"),
                query("q0", stores["xks-vpc"]["CustomKeyStoreId"],
                      "XksProxyLatency")],
            StartTime=start, EndTime=end)
        results = {r["Id"]: r for r in answer["MetricDataResults"]}
        self.assertEqual(set(results), {"c0", "a0", "s0", "q0"})
        self.assertEqual(len(results["c0"]["Timestamps"]), 36)
        self.assertEqual(set(results["c0"]["Values"]), {12.0})
        self.assertEqual(set(results["a0"]["Values"]), {120.0})
        self.assertEqual(set(results["s0"]["Values"]), {1.0})
        # newest first, on period boundaries, inside [StartTime, EndTime)
        stamps = [t.timestamp() for t in results["c0"]["Timestamps"]]
        self.assertEqual(stamps, sorted(stamps, reverse=True))
        self.assertEqual(stamps[0], end - 300)
        self.assertEqual(stamps[-1], start)
        # a DISCONNECTING store publishes nothing
        self.assertEqual(results["q0"]["Values"], [])
        self.assertNotIn("NextToken", answer)

    def test_pages_by_max_datapoints(self):
        stores = xks_stores()
        start, end = self.window()
        ids = [s["CustomKeyStoreId"] for n, s in sorted(stores.items())
               if s["ConnectionState"] == "CONNECTED"]
        queries = [query("m%d" % i, sid, "XksProxyErrors", stat="Sum")
                   for i, sid in enumerate(ids)]
        pages = list(cloudwatch().get_paginator("get_metric_data").paginate(
            MetricDataQueries=queries, StartTime=start, EndTime=end,
            PaginationConfig={"PageSize": 25}))
        self.assertGreater(len(pages), 1)
        points = sum(len(r["Values"]) for p in pages
                     for r in p["MetricDataResults"])
        self.assertEqual(points, 36 * len(ids))

    def test_validation(self):
        start, end = self.window()
        cw = cloudwatch()
        sid = "cks-0000000000000000"
        for queries, start_time in (
                ([query("Bad", sid, "XksProxyErrors")], start),
                ([query("a", sid, "XksProxyErrors")] * 2, start),
                ([query("a", sid, "XksProxyErrors", period=90)], start),
                ([query("q%d" % i, sid, "XksProxyErrors")
                  for i in range(501)], start),
                ([query("a", sid, "XksProxyErrors")], end)):
            with self.assertRaises(botocore.exceptions.ClientError) as caught:
                cw.get_metric_data(MetricDataQueries=queries,
                                   StartTime=start_time, EndTime=end)
            self.assertEqual(caught.exception.response["Error"]["Code"],
                             "InvalidParameterValueException")
            self.assertEqual(caught.exception.response[
                "ResponseMetadata"]["HTTPStatusCode"], 400)
