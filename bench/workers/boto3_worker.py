"""cks_fdw benchmark contender: what a user would write with boto3.

bench/bench.py starts one long-lived worker and sends it one JSON command
per line on stdin; the worker answers one JSON line per command with the
wall time and this process's CPU time (all threads) spent on it.  Keeping
the process alive and its clients cached measures boto3 warm, the way a
long-running job sees it, and keeps interpreter start-up and client
creation out of the figures (generous to boto3; bench/README.md says so).

Commands (credentials are the local endpoint's test keys):
  {"op": "scan", "region": R, "key": [AKID, SECRET]}
      DescribeCustomKeyStores through the paginator, PageSize 1000
  {"op": "lookups", "region": R, "key": [...], "ids": [ID, ...]}
      one DescribeCustomKeyStores(CustomKeyStoreId=ID) per id, in a loop
  {"op": "fanout", "mode": "seq"|"pool", "regions": [...], "keys": [[...]]}
      every (account, region): a sequential loop or a thread pool with one
      thread per pair
Every answer carries "rows" so the driver can check the work was done.
"""
import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import boto3
from botocore.config import Config

ENDPOINT = os.environ["CKS_ENDPOINT_URL"]
SESSION = boto3.session.Session()
CLIENTS = {}


def client(region, key):
    """A cached KMS client per (region, key): created once, reused warm."""
    k = (region, key[0])
    if k not in CLIENTS:
        CLIENTS[k] = SESSION.client(
            "kms", region_name=region, endpoint_url=ENDPOINT,
            aws_access_key_id=key[0], aws_secret_access_key=key[1],
            config=Config(retries={"max_attempts": 1}))
    return CLIENTS[k]


def scan(region, key):
    rows = 0
    paginator = client(region, key).get_paginator("describe_custom_key_stores")
    for page in paginator.paginate(PaginationConfig={"PageSize": 1000}):
        rows += len(page["CustomKeyStores"])
    return rows


def lookups(region, key, ids):
    kms = client(region, key)
    rows = 0
    for store_id in ids:
        rows += len(kms.describe_custom_key_stores(
            CustomKeyStoreId=store_id)["CustomKeyStores"])
    return rows


def fanout(mode, regions, keys):
    pairs = [(r, tuple(k)) for k in keys for r in regions]
    for r, k in pairs:         # clients are built outside the timing
        client(r, k)
    if mode == "seq":
        return sum(scan(r, k) for r, k in pairs)
    with ThreadPoolExecutor(max_workers=len(pairs)) as pool:
        return sum(pool.map(lambda p: scan(*p), pairs))


def run(cmd):
    op = cmd["op"]
    if op == "scan":
        client(cmd["region"], tuple(cmd["key"]))
        return lambda: scan(cmd["region"], tuple(cmd["key"]))
    if op == "lookups":
        client(cmd["region"], tuple(cmd["key"]))
        return lambda: lookups(cmd["region"], tuple(cmd["key"]), cmd["ids"])
    if op == "fanout":
        for r in cmd["regions"]:
            for k in cmd["keys"]:
                client(r, tuple(k))
        return lambda: fanout(cmd["mode"], cmd["regions"], cmd["keys"])
    raise ValueError("unknown op %r" % op)


def main():
    for line in sys.stdin:
        cmd = json.loads(line)
        try:
            work = run(cmd)
            c0, t0 = time.process_time(), time.perf_counter()
            rows = work()
            t1, c1 = time.perf_counter(), time.process_time()
            out = {"rows": rows, "wall": t1 - t0, "cpu": c1 - c0}
        except Exception as e:      # reported, the driver decides
            out = {"error": "%s: %s" % (type(e).__name__, e)}
        print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
