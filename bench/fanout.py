#!/usr/bin/python3
"""The big fan-out: 8,500 KMS requests from one query, against the local
endpoint at 100 ms per request.  Run by bench/fanout.sh inside a throwaway
cluster (PG* variables set) with the endpoint running (CKS_ENDPOINT_URL).

Shapes.  Issue 12 asks for 500 accounts x 17 regions (8,500 listings).
--accounts runs exactly that: one server with `accounts` (500 range
accounts of the endpoint) and a `role_arn` with {account}, so a new
session's query also assumes 500 roles (100 ms each, like every KMS
request) before those accounts' listings; the next query in the session
uses the cached roles.  Without --accounts the same number of KMS requests
comes from one account: 17 regions x 500 pushed-down ids, one
DescribeCustomKeyStores per (region, id).

Per max_concurrent_requests value (64, 256), in one run:
  ideal     requests / max_concurrent_requests x latency
  ceiling   the endpoint's own: a Python client with the same number of
            threads, each with one keep-alive connection, replaying signed
            requests until the same total is done
  cks_fdw   one query in a long-lived session (psql \\timing), repeated
  goal      cks_fdw <= 1.5 x max(ideal, ceiling)
  peak      most requests the endpoint had in flight at once, and distinct
            client connections (both from the endpoint's log): <= the cap
  memory    the backend's VmRSS before the first query and after each

Quotas.  The endpoint enforces AWS's default request quotas by default
(issue 21).  The one-account shape turns them off, and raises cks_fdw's
own (request_quotas): its 500 lookups per region of one account would be
paced at DescribeCustomKeyStores' 5 per second (100 s a region), and it
measures the client's fan-out, not the quota.  --accounts runs with them on, as AWS would (one request per
account, region and operation, one AssumeRole per role's account: nothing
to wait for), and counts the throttled answers (target 0); the endpoint's
ceiling is measured with them off, as it replays one account's requests.
"""
import argparse
import http.client
import json
import os
import subprocess
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench                                            # noqa: E402
from bench import ctl, ENDPOINT, KEY1, Psql, Log, proc_status  # noqa: E402

DB = "cks_fanout"
REGIONS = ["us-east-1", "us-east-2", "us-west-1", "us-west-2", "af-south-1",
           "ap-east-1", "ap-south-1", "ap-northeast-1", "ap-northeast-2",
           "ap-southeast-1", "ap-southeast-2", "ca-central-1", "eu-central-1",
           "eu-west-1", "eu-west-2", "eu-north-1", "sa-east-1"]
N_IDS = 500
LATENCY_MS = 100
IDS = ["cks-%017x" % (i + 1) for i in range(N_IDS)]
TOTAL = len(REGIONS) * N_IDS


def setup(caps):
    subprocess.run(["dropdb", "--if-exists", DB], check=True)
    subprocess.run(["createdb", DB], check=True)
    sql = ["CREATE EXTENSION cks_fdw;"]
    for cap in caps:
        sql.append("""
CREATE SERVER fan_%(c)d FOREIGN DATA WRAPPER cks_fdw
  OPTIONS (region '%(r)s', endpoint '%(e)s', max_concurrent_requests '%(c)d',
           max_attempts '1', request_timeout_ms '60000',
           request_quotas 'DescribeCustomKeyStores=100000');
CREATE USER MAPPING FOR CURRENT_USER SERVER fan_%(c)d
  OPTIONS (access_key_id '%(k)s', secret_access_key '%(s)s');
CREATE FOREIGN TABLE fan_%(c)d (custom_key_store_id text) SERVER fan_%(c)d;
""" % {"c": cap, "r": ",".join(REGIONS), "e": ENDPOINT, "k": KEY1[0],
       "s": KEY1[1]})
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", DB,
                    "-c", "\n".join(sql)], check=True)


def ceiling(threads):
    """Seconds the endpoint needs for TOTAL lookups from `threads`
    keep-alive connections (signed once per region, replayed)."""
    reqs = []
    for region in REGIONS:
        body = json.dumps({"CustomKeyStoreId": IDS[0]}).encode()
        reqs.append((bench.signed_request(region, body), body))
    u = urllib.parse.urlsplit(ENDPOINT)
    lock = threading.Lock()
    left = [TOTAL]
    errors = []

    def worker():
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
        i = 0
        while True:
            with lock:
                if left[0] == 0:
                    break
                left[0] -= 1
            headers, body = reqs[i % len(reqs)]
            i += 1
            try:
                conn.request("POST", "/", body=body, headers=headers)
                conn.getresponse().read()
            except Exception as e:              # noqa: BLE001
                errors.append(repr(e))
                conn.close()
                conn = http.client.HTTPConnection(u.hostname, u.port,
                                                  timeout=60)
        conn.close()

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    t0 = time.perf_counter()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    elapsed = time.perf_counter() - t0
    if errors:
        raise RuntimeError("ceiling client errors: %s" % errors[:3])
    return elapsed


def peak_in_flight(records, services=("kms",)):
    """Most requests the endpoint held at once, from start/end times."""
    events = []
    for r in records:
        if r["service"] not in services or r["end"] is None:
            continue
        events.append((r["start"], 1))
        events.append((r["end"], -1))
    events.sort()
    peak = cur = 0
    for _, d in events:
        cur += d
        peak = max(peak, cur)
    return peak


def run_cks(session, log, cap):
    query = "SELECT count(*) FROM fan_%d WHERE custom_key_store_id IN (%s);" % (
        cap, ",".join("'%s'" % i for i in IDS))
    log.mark()
    wall, cpu = session.timed(query)
    records = log.take()
    api = [r for r in records if r["service"] == "kms"]
    if len(api) != TOTAL:
        raise RuntimeError("cks_fdw sent %d requests, not %d" % (len(api), TOTAL))
    return {"wall": wall, "cpu": cpu, "peak": peak_in_flight(records),
            "connections": len({r["connection"] for r in api}),
            "rss": proc_status(session.pid)}


ACCOUNTS = ["%012d" % (300000000000 + i) for i in range(N_IDS)]


def setup_accounts(caps):
    """One server per cap over 500 range accounts x 17 regions."""
    ctl.accounts(int(ACCOUNTS[0]), int(ACCOUNTS[-1]), stores_per_region=1)
    sql = []
    for cap in caps:
        sql.append("""
CREATE SERVER acct_%(c)d FOREIGN DATA WRAPPER cks_fdw
  OPTIONS (region '%(r)s', accounts '%(a)s', endpoint '%(e)s',
           sts_endpoint '%(e)s', max_concurrent_requests '%(c)d',
           max_attempts '1', request_timeout_ms '60000');
CREATE USER MAPPING FOR CURRENT_USER SERVER acct_%(c)d
  OPTIONS (access_key_id '%(k)s', secret_access_key '%(s)s',
           role_arn 'arn:aws:iam::{account}:role/cks-reader');
CREATE FOREIGN TABLE acct_%(c)d (custom_key_store_id text, account_id text,
  region text) SERVER acct_%(c)d;
""" % {"c": cap, "r": ",".join(REGIONS), "a": ",".join(ACCOUNTS),
       "e": ENDPOINT, "k": KEY1[0], "s": KEY1[1]})
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", DB,
                    "-c", "\n".join(sql)], check=True)


def run_accounts_query(session, log, cap):
    """One query over every account and region; what the endpoint saw."""
    log.mark()
    t0 = ctl.call("GET", "/_cks/quotas")["throttled"]
    wall, cpu = session.timed("SELECT count(*) FROM acct_%d;" % cap)
    records = log.take()
    throttled = ctl.call("GET", "/_cks/quotas")["throttled"] - t0
    kms = [r for r in records if r["service"] == "kms"]
    sts = [r for r in records if r["service"] == "sts"]
    # a throttled answer is retried: more requests, never fewer
    if len(kms) < TOTAL:
        raise RuntimeError("cks_fdw sent %d KMS requests, not %d" % (len(kms), TOTAL))
    return {"wall": wall, "cpu": cpu, "sts": len(sts), "throttled": throttled,
            "peak": peak_in_flight(records, services=("kms", "sts")),
            "connections": len({r["connection"] for r in kms + sts}),
            "rss": proc_status(session.pid)}


def accounts_rows(caps, reps, log):
    """Per cap and repetition: a new session, its first query (roles
    assumed) and its second (roles cached), against the ideal and the
    endpoint's ceiling measured in this run."""
    setup_accounts(caps)
    out = ["", "## 500 accounts x 17 regions: one server with `accounts`, "
           "role_arn with {account}, %d ms per STS and KMS request, "
           "AWS's default quotas enforced" % LATENCY_MS, "",
           "| max_concurrent_requests | query | ideal | endpoint ceiling | cks_fdw runs "
           "| cks_fdw / max(ideal, ceiling) | throttled | STS calls | peak in flight "
           "| connections | backend CPU | VmRSS before -> after |",
           "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    ok = True
    for cap in caps:
        ctl.config(quotas=False)
        ceil_s = ceiling(cap)
        ctl.config(quotas=True)
        firsts, seconds = [], []
        for _ in range(reps):
            session = Psql(DB)
            rss0 = proc_status(session.pid)["VmRSS"]
            firsts.append((run_accounts_query(session, log, cap), rss0))
            seconds.append((run_accounts_query(session, log, cap), rss0))
            session.close()
        for label, runs, n in (("first in a session", firsts, TOTAL + len(ACCOUNTS)),
                               ("second", seconds, TOTAL)):
            ideal = n / float(cap) * LATENCY_MS / 1000.0
            ref = max(ideal, ceil_s * n / TOTAL)
            best = min(r["wall"] for r, _ in runs)
            peak = max(r["peak"] for r, _ in runs)
            conns = max(r["connections"] for r, _ in runs)
            ratio = best / ref
            throttled = [r["throttled"] for r, _ in runs]
            ok = (ok and ratio <= 1.5 and peak <= cap and conns <= cap
                  and max(throttled) == 0)
            out.append("| %d | %s | %.2f s | %.2f s | %s | %.2f (goal <= 1.5) | %s (goal 0) "
                       "| %d | %d | %d | %.2f s | %s |" % (
                           cap, label, ideal, ceil_s * n / TOTAL,
                           ", ".join("%.2f s" % r["wall"] for r, _ in runs), ratio,
                           ", ".join(str(t) for t in throttled),
                           max(r["sts"] for r, _ in runs), peak, conns,
                           max(r["cpu"] for r, _ in runs),
                           ", ".join("%d -> %d kB" % (rss0, r["rss"]["VmRSS"])
                                     for r, rss0 in runs)))
            print(out[-1], flush=True)
    out += ["", "Goals met (500 x 17): %s" % ("yes" if ok else "NO")]
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--caps", default="64,256")
    ap.add_argument("--reps", type=int, default=2)
    ap.add_argument("--accounts", action="store_true")
    args = ap.parse_args()
    caps = [int(c) for c in args.caps.split(",")]

    mode = ctl.call("GET", "/_cks/info")["mode"]
    ctl.reset()
    ctl.config(quotas=False)    # the one-account shape: see Quotas above
    setup(caps)
    ctl.config(kms_latency_ms=LATENCY_MS)
    session = Psql(DB)
    log = Log()
    rss0 = proc_status(session.pid)
    out = ["# Fan-out: %d DescribeCustomKeyStores in one query (%d regions x "
           "%d pushed-down ids, one account), %d ms per request" % (
               TOTAL, len(REGIONS), N_IDS, LATENCY_MS), "",
           "Endpoint: tests/endpoint/kms_endpoint.py in its %s mode; the ceiling "
           "is measured against it." % mode, "",
           "Backend VmRSS before the first query: %d kB" % rss0["VmRSS"], "",
           "| max_concurrent_requests | ideal (N/cap x latency) | endpoint ceiling "
           "(Python, cap threads) | cks_fdw runs | cks_fdw / max(ideal, ceiling) "
           "| peak in flight | connections | backend CPU | VmRSS after |",
           "|---|---|---|---|---|---|---|---|---|"]
    ok = True
    for cap in caps:
        ideal = TOTAL / cap * LATENCY_MS / 1000.0
        ceil_s = ceiling(cap)
        runs = [run_cks(session, log, cap) for _ in range(args.reps)]
        best = min(r["wall"] for r in runs)
        ref = max(ideal, ceil_s)
        ratio = best / ref
        peak = max(r["peak"] for r in runs)
        conns = max(r["connections"] for r in runs)
        ok = ok and ratio <= 1.5 and peak <= cap and conns <= cap
        out.append("| %d | %.2f s | %.2f s | %s | %.2f (goal <= 1.5) | %d | %d "
                   "| %.2f s | %s |" % (
                       cap, ideal, ceil_s,
                       ", ".join("%.2f s" % r["wall"] for r in runs), ratio,
                       peak, conns, max(r["cpu"] for r in runs),
                       ", ".join("%d kB" % r["rss"]["VmRSS"] for r in runs)))
        print(out[-1], flush=True)
    rss1 = proc_status(session.pid)
    out += ["", "Backend memory growth over all runs: VmRSS %+d kB "
            "(%d -> %d kB), VmHWM %d kB, RssAnon %d kB." % (
                rss1["VmRSS"] - rss0["VmRSS"], rss0["VmRSS"], rss1["VmRSS"],
                rss1["VmHWM"], rss1["RssAnon"]),
            "", "Goals met: %s" % ("yes" if ok else "NO")]
    session.close()
    if args.accounts:
        ctl.config(kms_latency_ms=LATENCY_MS, sts_latency_ms=LATENCY_MS)
        out += accounts_rows(caps, args.reps, log)
    ctl.config(kms_latency_ms=None, sts_latency_ms=None)
    print("\n".join(out))
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                           "fanout-last.md"), "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
