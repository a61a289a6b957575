#!/usr/bin/python3
"""AWS request quotas (issue 21): the driver of bench/quotas, run inside a
throwaway cluster (PG* variables set) with the local endpoint enforcing
AWS's default quotas (CKS_ENDPOINT_URL; DescribeCustomKeyStores 5 per
second per account and region, tests/endpoint/quotas.py).

One region of one account holds STORES stores (3 pages of 1,000).  With
--part plain (a cluster without shared_preload_libraries):

  in-list   WHERE custom_key_store_id IN (8 ids): as 8 lookups the quota
            lets 5 through at once and the other 3 wait 0.2 s each for a
            token (floor 0.6 s); the quota-aware planner makes it one scan
            of the region's 3 pages when that is faster; target 0
            throttled, <= 1 s
  join      12 ids of a local inventory table joined with the region:
            whatever plan the planner picks; target 0 throttled
  sessions  8 sessions scanning the region at once (3 pages each, 24
            requests): the quota floor is (24 - 5) / 5 = 3.8 s; target all
            8 correct, within 1.5x the floor

--part preload (a cluster with shared_preload_libraries = 'cks_fdw', the
buckets in shared memory) runs "sessions" again; target also <= 3
throttled answers in all.  Each part writes its figures as JSON (--out);
--report FILE... prints the markdown section and writes it into
bench/RESULTS.md between its markers.  Throttled answers are the
endpoint's count (GET /_cks/quotas), times psql's \\timing or the wall
clock around the 8 psql processes.
"""
import argparse
import datetime
import json
import os
import re
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "endpoint"))
import ctl                                              # noqa: E402
import fixtures                                         # noqa: E402
sys.path.insert(0, os.path.join(ROOT, "bench"))
from bench_common import server_nofile, throttled, write_results  # noqa: E402

ENDPOINT = os.environ.get("CKS_ENDPOINT_URL", "")
DB = "cks_quota_bench"
ACCOUNT = fixtures.ACCOUNT_1
REGION = "sa-east-1"
STORES = 2345
RATE = 5.0                      # DescribeCustomKeyStores per second
N_IN = 8
N_JOIN = 12
N_SESSIONS = 8
PAGES = 3
AKID, SECRET = fixtures.KEYS_BY_ACCOUNT[ACCOUNT]


def psql(sql, db=DB, extra=()):
    """Run SQL in a new session; its unaligned output."""
    return subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1",
                           "-d", db] + list(extra), input=sql, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          check=True).stdout


def kms_requests_since(seq):
    records = ctl.call("GET", "/_cks/log?since=%d" % seq)["requests"]
    kms = [r for r in records if r["service"] == "kms"]
    return len(kms), max([r["seq"] for r in records] + [seq])


def setup():
    """The database, server and foreign table; the region's stores; the
    inventory table.  Quotas are off while setting up, on afterwards."""
    ctl.reset()
    ctl.config(quotas=False)
    ctl.stores(ACCOUNT, REGION, STORES)
    subprocess.run(["dropdb", "--if-exists", DB], check=True)
    subprocess.run(["createdb", DB], check=True)
    psql("""
CREATE EXTENSION cks_fdw;
CREATE SERVER kms FOREIGN DATA WRAPPER cks_fdw
  OPTIONS (region '%s', endpoint '%s');
CREATE USER MAPPING FOR CURRENT_USER SERVER kms
  OPTIONS (access_key_id '%s', secret_access_key '%s');
CREATE FOREIGN TABLE stores (custom_key_store_id text,
  custom_key_store_name text) SERVER kms;
-- the same stores, where the planner expects 100 pages: lookups
CREATE FOREIGN TABLE stores_lookups (custom_key_store_id text,
  custom_key_store_name text) SERVER kms OPTIONS (estimated_rows '100000');
CREATE TABLE ids AS SELECT custom_key_store_id AS id FROM stores;
CREATE TABLE inventory (ks_id text PRIMARY KEY, owner text);
INSERT INTO inventory SELECT id, 'team-' || row_number() OVER (ORDER BY id)
  FROM ids ORDER BY md5(id) LIMIT %d;
ANALYZE inventory;
""" % (REGION, ENDPOINT, AKID, SECRET, N_JOIN))
    total = int(psql("SELECT count(*) FROM ids"))
    ids = psql("SELECT id FROM ids ORDER BY md5(id || 'in') LIMIT %d" % N_IN).split()
    ctl.config(quotas=True)
    return total, ids


def fresh_quota():
    """Wait until the endpoint's and the backends' buckets are full again
    (a new session each time, so a backend's own buckets are new too)."""
    time.sleep(1.0 + 1.0 / RATE)


def timed_query(sql, expect):
    """(ms, throttled answers, KMS requests) of one query in a new
    session; the query must return `expect`."""
    fresh_quota()
    seq = kms_requests_since(0)[1]
    t0 = throttled()
    out = psql("\\timing on\n" + sql)
    ms = sum(float(m) for m in re.findall(r"Time: ([0-9.]+) ms", out))
    got = [l for l in out.splitlines() if not l.startswith(("Time:", "Timing is"))]
    if got != [str(expect)]:
        raise RuntimeError("%s returned %r, not %s" % (sql, got, expect))
    return {"ms": ms, "throttled": throttled() - t0,
            "requests": kms_requests_since(seq)[0]}


def in_list(ids, reps, table="stores"):
    sql = ("SELECT count(*) FROM %s WHERE custom_key_store_id IN (%s);"
           % (table, ",".join("'%s'" % i for i in ids)))
    return [timed_query(sql, len(ids)) for _ in range(reps)]


def join(reps):
    sql = ("SELECT count(*) FROM inventory i JOIN stores k "
           "ON k.custom_key_store_id = i.ks_id;")
    plan = psql("EXPLAIN (COSTS OFF) " + sql)
    return plan, [timed_query(sql, N_JOIN) for _ in range(reps)]


def sessions(total, reps, extra=()):
    """8 sessions started at once, each scanning the region."""
    runs = []
    for _ in range(reps):
        fresh_quota()
        seq = kms_requests_since(0)[1]
        t0 = throttled()
        start = time.monotonic()
        procs = [subprocess.Popen(
            ["psql", "-X", "-At", "-d", DB] + list(extra) +
            ["-c", "SELECT count(*) FROM stores"], stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True) for _ in range(N_SESSIONS)]
        outs = [p.communicate()[0].strip() for p in procs]
        ms = (time.monotonic() - start) * 1000
        runs.append({"ms": ms, "throttled": throttled() - t0,
                     "requests": kms_requests_since(seq)[0],
                     "correct": sum(1 for o in outs if o == str(total)),
                     "errors": [o for o in outs if o != str(total)][:2]})
    return runs


def part(name, reps, out):
    mode = ctl.call("GET", "/_cks/info")["mode"]
    preload = psql("SHOW shared_preload_libraries", db="postgres").strip()
    nofile = server_nofile()
    total, ids = setup()
    if total != STORES:
        raise RuntimeError("the region holds %d stores, not %d" % (total, STORES))
    result = {"part": name, "mode": mode, "preload": preload,
              "nofile": nofile, "stores": total}
    if name == "plain":
        result["in_list"] = in_list(ids, reps)
        result["in_list_lookups"] = in_list(ids, reps, "stores_lookups")
        result["join_plan"], result["join"] = join(reps)
    result["sessions"] = sessions(total, reps)
    subprocess.run(["dropdb", "--if-exists", DB], check=True)
    with open(out, "w") as f:
        json.dump(result, f)
    print(json.dumps(result, indent=1))


def med(runs, key):
    return statistics.median(r[key] for r in runs)


def fmt_runs(runs, key, unit=""):
    return ", ".join("%.0f%s" % (r[key], unit) for r in runs)


def report(files, command):
    parts = {}
    for path in files:
        with open(path) as f:
            p = json.load(f)
        parts[p["part"]] = p
    plain = parts["plain"]
    floor_in = (N_IN - RATE) / RATE * 1000
    floor_s = (N_SESSIONS * PAGES - RATE) / RATE * 1000
    lines = [
        "## AWS request quotas: the endpoint enforcing AWS's defaults (bench/quotas, issue 21)",
        "",
        "Produced by `%s` on %s. The endpoint (tests/endpoint/kms_endpoint.py, %s mode) "
        "enforces AWS's default request quotas: DescribeCustomKeyStores 5 per second per "
        "account and region, a bucket of 5 tokens (tests/endpoint/quotas.py). One region "
        "(%s) holds %d stores, 3 pages of 1,000. Clusters: PostgreSQL 15, default settings, "
        "open-files soft limit %s. Each repetition starts from full buckets (a new session "
        "after 1.2 s). Throttled answers are the endpoint's count."
        % (command, datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
           plain["mode"], REGION, plain["stores"], plain["nofile"]),
        "",
        "| what | target | runs (ms) | median | throttled answers | KMS requests | result (every run) |",
        "|---|---|---|---|---|---|---|",
    ]

    def row(label, target, runs, ok, note=""):
        """ok: per run, whether it met the target."""
        met = sum(1 for r in runs if ok(r))
        lines.append("| %s | %s | %s | %.0f ms%s | %s | %s | %s |" % (
            label, target, fmt_runs(runs, "ms"), med(runs, "ms"), note,
            fmt_runs(runs, "throttled"), fmt_runs(runs, "requests"),
            "**met**" if met == len(runs) else
            "**missed** in %d of %d runs" % (len(runs) - met, len(runs))))

    r = plain["in_list"]
    row("IN list of %d store ids, one region" % N_IN, "0 throttled, ≤ 1 s", r,
        lambda x: x["throttled"] == 0 and x["ms"] <= 1000,
        " (quota floor %.0f ms)" % floor_in)
    r = plain.get("in_list_lookups")
    if r:
        row("the same IN list as 8 paced lookups (a table with estimated_rows "
            "100000, where the planner expects one scan to take 100 pages)",
            "0 throttled, ≤ 1 s", r,
            lambda x: x["throttled"] == 0 and x["ms"] <= 1000,
            " (quota floor %.0f ms; paced at 90%%: %.0f ms)"
            % (floor_in, (N_IN - 0.9 * RATE) / (0.9 * RATE) * 1000))
    r = plain["join"]
    row("join of %d inventory ids with the %d-store region" % (N_JOIN, STORES),
        "0 throttled", r, lambda x: x["throttled"] == 0)
    for key, label, extra_ok in (
            ("plain", "8 sessions scanning the region at once, without the preload",
             lambda x: True),
            ("preload", "8 sessions at once, shared_preload_libraries = 'cks_fdw'",
             lambda x: x["throttled"] <= 3)):
        if key not in parts:
            lines.append("| %s | | not run | | | | |" % label)
            continue
        r = parts[key]["sessions"]
        row(label, "all 8 correct, ≤ 1.5× floor (%.0f ms)%s"
            % (1.5 * floor_s, ", ≤ 3 throttled" if key == "preload" else ""), r,
            lambda x: (x["correct"] == N_SESSIONS and x["ms"] <= 1.5 * floor_s
                       and extra_ok(x)),
            " (%.2f× the quota floor of %.0f ms; %s of 8 correct)"
            % (med(r, "ms") / floor_s, floor_s, fmt_runs(r, "correct")))
    lines += ["", "The join's plan (the planner prices lookups with the quota, src/lookup_strategy.c):", "", "```"]
    lines += plain["join_plan"].rstrip("\n").splitlines() + ["```"]
    errors = [e for p in parts.values() for x in p["sessions"] for e in x["errors"]]
    if errors:
        lines += ["", "Errors seen by sessions: " + "; ".join(errors[:3]).replace("\n", " ")]
    section = "\n".join(lines) + "\n"
    print(section)
    write_results(section, "bench/quotas")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--part", choices=["plain", "preload"])
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--out")
    ap.add_argument("--report", nargs="+")
    ap.add_argument("--command", default="bench/quotas")
    args = ap.parse_args()
    if args.report:
        report(args.report, args.command)
    else:
        part(args.part, args.reps, args.out)


if __name__ == "__main__":
    main()
