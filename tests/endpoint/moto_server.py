#!/usr/bin/env python3
"""Start moto, an independent AWS emulator, on loopback and seed it.

The C tests compare cks_fdw's rows against a second emulator written by
other people, so a mistake shared by kms_endpoint.py and cks_fdw does not
go unnoticed.  This script runs moto's ThreadedMotoServer on 127.0.0.1,
creates a few CloudHSM v2 clusters and KMS keys through boto3, prints

    port <PORT>

(and writes it to --port-file), then serves until SIGTERM/SIGINT.  Run it
with a Python that has moto and boto3 (pyenv's `python3` here, not
/usr/bin/python3).  Without moto it prints a clear message and exits 77
(the automake "skipped" code), which callers treat as a skip.

    python3 tests/endpoint/moto_server.py --port 0 --port-file /tmp/moto.port

Credentials: any (moto does not check signatures); account 123456789012.
"""

import argparse
import importlib
import logging
import os
import signal
import socket
import sys
import threading

SKIP = 77


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seed(url, region):
    """A few clusters and keys: the counts the C tests expect."""
    import boto3
    kwargs = dict(endpoint_url=url, region_name=region,
                  aws_access_key_id="testing", aws_secret_access_key="testing")
    hsm = boto3.client("cloudhsmv2", **kwargs)
    clusters = []
    for n, subnet in enumerate(("subnet-0a1b2c3d", "subnet-0e1f2a3b",
                                "subnet-0c4d5e6f")):
        clusters.append(hsm.create_cluster(
            HsmType="hsm1.medium", SubnetIds=[subnet],
            TagList=[{"Key": "seed", "Value": str(n)}])["Cluster"]["ClusterId"])
    kms = boto3.client("kms", **kwargs)
    keys = []
    for n, description in enumerate(("moto key one", "moto key two",
                                     "moto key three")):
        tags = [{"TagKey": "team", "TagValue": "moto-%d" % n}] if n < 2 else []
        keys.append(kms.create_key(Description=description, Tags=tags)
                    ["KeyMetadata"]["KeyId"])
    kms.create_alias(AliasName="alias/moto-one", TargetKeyId=keys[0])
    kms.disable_key(KeyId=keys[1])
    kms.schedule_key_deletion(KeyId=keys[2], PendingWindowInDays=7)
    seed_metrics(kwargs)
    return clusters, keys


# external key stores whose AWS/KMS metrics moto holds (no such store exists
# in moto's KMS: key_store_metrics is asked about them by id)
MOTO_XKS_STORES = ("cks-moto0000000000001", "cks-moto0000000000002")


def seed_metrics(kwargs):
    """Two datapoints (20 and 10 minutes ago) of each XKS metric of two
    stores, the states metric per XksExternalKeyManagerState."""
    import datetime
    import boto3
    cloudwatch = boto3.client("cloudwatch", **kwargs)
    now = datetime.datetime.now(datetime.timezone.utc).replace(
        second=0, microsecond=0)
    data = []
    for n, store in enumerate(MOTO_XKS_STORES):
        for minutes in (20, 10):
            stamp = now - datetime.timedelta(minutes=minutes)
            dims = [{"Name": "KeyStoreId", "Value": store}]
            for metric, value in (("XksProxyCertificateDaysToExpire", 21.0 + n),
                                  ("XksProxyCredentialAge", 95.5 - n),
                                  ("XksProxyErrors", float(minutes))):
                data.append({"MetricName": metric, "Dimensions": dims,
                             "Value": value, "Timestamp": stamp})
            for state, value in (("Active", 2.0 - n), ("Degraded", float(n))):
                data.append({"MetricName": "XksExternalKeyManagerStates",
                             "Dimensions": dims + [{
                                 "Name": "XksExternalKeyManagerState",
                                 "Value": state}],
                             "Value": value, "Timestamp": stamp})
    cloudwatch.put_metric_data(Namespace="AWS/KMS", MetricData=data)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file")
    parser.add_argument("--region", default="us-east-1")
    opts = parser.parse_args(argv)
    try:
        importlib.import_module("boto3")        # seed() needs it
        from moto.server import ThreadedMotoServer
    except ImportError as e:
        print("moto_server.py: skipped: moto/boto3 not importable by %s (%s)"
              % (sys.executable, e), file=sys.stderr)
        return SKIP
    logging.getLogger("werkzeug").setLevel(logging.ERROR)   # no access log
    port = opts.port or free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port,
                                verbose=False)
    server.start()
    url = "http://127.0.0.1:%d" % port
    clusters, keys = seed(url, opts.region)
    if opts.port_file:
        tmp = opts.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.replace(tmp, opts.port_file)
    print("port %d" % port, flush=True)
    print("clusters %d keys %d" % (len(clusters), len(keys)), flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: stop.set())
    signal.signal(signal.SIGINT, lambda *a: stop.set())
    stop.wait()
    server.stop()
    if opts.port_file:
        try:
            os.unlink(opts.port_file)
        except OSError:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
