#!/usr/bin/python3
"""The datapoints of every external key store's AWS/KMS metrics, read from
the local endpoint by botocore's own CloudWatch client speaking AWS JSON
1.0, for the regression suite to compare with key_store_metrics.

botocore's cloudwatch model names "query" (Debian's 1.29) or a protocol
list led by smithy-rpc-v2-cbor (newer ones), so the client is made from a
copy of the model whose protocol is "json", the protocol cks_fdw speaks
(as tests/endpoint/test_cloudwatch.py does).

One query per request here (an SDK user's way), so nothing in the answer
depends on how cks_fdw batches its queries.  Output: one line per
datapoint, base64 of {"KeyStoreId", "MetricName", "State", "Stat",
"Period", "Timestamp" (ISO-8601), "Value"}.

usage: botocore_metrics.py REGION ACCESS_KEY SECRET_KEY [--stat S] [--period N]
The window is $CKS_METRICS_START to $CKS_METRICS_END (epoch seconds, the end
exclusive as CloudWatch's EndTime; psql's \setenv passes them, since \copy
does not expand variables).
"""
import argparse
import base64
import json
import os
import shutil
import tempfile

import botocore.session
from botocore.config import Config

METRICS = ("XksProxyCertificateDaysToExpire", "XksProxyCredentialAge",
           "XksProxyErrors", "XksProxyLatency")
STATES = ("Active", "Degraded", "Unavailable")


def json_model_dir(session):
    directory = tempfile.mkdtemp(prefix="cks-cw-model-")
    model = session.get_component("data_loader").load_service_model(
        "cloudwatch", "service-2")
    version = model["metadata"]["apiVersion"]
    model["metadata"].update({"protocol": "json", "protocols": ["json"],
                              "jsonVersion": "1.0",
                              "targetPrefix": "GraniteServiceVersion20100801"})
    os.makedirs(os.path.join(directory, "cloudwatch", version))
    with open(os.path.join(directory, "cloudwatch", version,
                           "service-2.json"), "w") as f:
        json.dump(model, f)
    return directory


def main():
    parser = argparse.ArgumentParser()
    for name in ("region", "access_key", "secret_key"):
        parser.add_argument(name)
    parser.add_argument("--stat", default="Average")
    parser.add_argument("--period", type=int, default=300)
    args = parser.parse_args()
    args.start = int(os.environ["CKS_METRICS_START"])
    args.end = int(os.environ["CKS_METRICS_END"])
    session = botocore.session.get_session()
    directory = json_model_dir(session)
    try:
        session.get_component("data_loader").search_paths.insert(0, directory)
        common = dict(region_name=args.region,
                      endpoint_url=os.environ["CKS_ENDPOINT_URL"],
                      aws_access_key_id=args.access_key,
                      aws_secret_access_key=args.secret_key,
                      config=Config(retries={"max_attempts": 1}))
        kms = session.create_client("kms", **common)
        cloudwatch = session.create_client("cloudwatch", **common)
        assert cloudwatch.meta.service_model.protocol == "json"
        for page in kms.get_paginator("describe_custom_key_stores").paginate():
            for store in page["CustomKeyStores"]:
                if store.get("CustomKeyStoreType") == "EXTERNAL_KEY_STORE":
                    store_points(cloudwatch, store["CustomKeyStoreId"], args)
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def store_points(cloudwatch, store, args):
    wanted = [(m, None) for m in METRICS]
    wanted += [("XksExternalKeyManagerStates", s) for s in STATES]
    for metric, state in wanted:
        dims = [{"Name": "KeyStoreId", "Value": store}]
        if state:
            dims.append({"Name": "XksExternalKeyManagerState",
                         "Value": state})
        query = {"Id": "q", "MetricStat": {
            "Metric": {"Namespace": "AWS/KMS", "MetricName": metric,
                       "Dimensions": dims},
            "Period": args.period, "Stat": args.stat}}
        for page in cloudwatch.get_paginator("get_metric_data").paginate(
                MetricDataQueries=[query], StartTime=args.start,
                EndTime=args.end):
            for result in page["MetricDataResults"]:
                for stamp, value in zip(result["Timestamps"],
                                        result["Values"]):
                    emit({"KeyStoreId": store, "MetricName": metric,
                          "State": state, "Stat": args.stat,
                          "Period": args.period,
                          "Timestamp": stamp.isoformat(), "Value": value})


def emit(entry):
    print(base64.b64encode(json.dumps(entry).encode()).decode())


if __name__ == "__main__":
    main()
