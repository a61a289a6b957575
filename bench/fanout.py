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
  cap       what the backend really runs at once: min(the configured
            max_concurrent_requests, the fd-budget cap).  The fd-budget cap
            (request_scheduler.c, cks_scheduler_cap) is half of the
            backend's room for external fds, less 4; that room is a third of
            PostgreSQL's max_safe_fds less the external fds the backend
            already holds.  fd_budget() below learns it without looking at
            the peak: max_safe_fds from the postmaster's own DEBUG2 line
            (fd.c's set_max_safe_fds; fanout.sh starts the cluster with
            log_min_messages=debug2, lowered again before anything runs),
            else computed from max_files_per_process and RLIMIT_NOFILE as
            fd.c does; the fds held from /proc/<backend>/fd.  At the
            default max_files_per_process (1000) it is about 157-159, under
            a configured 256.
  ideal     requests / cap x latency
  ceiling   the endpoint's own: a Python client with as many threads as the
            cap, each with one keep-alive connection, replaying signed
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
import re
import subprocess
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench                                            # noqa: E402
from bench import ctl, ENDPOINT, KEY1, Psql, Log, proc_status  # noqa: E402
from bench_common import server_nofile                 # noqa: E402

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


# fd.c: the fds kept for system() etc. (NUM_RESERVED_FDS)
NUM_RESERVED_FDS = 10


def show(setting):
    out = subprocess.run(["psql", "-X", "-At", "-d", DB, "-c",
                          "SHOW %s" % setting], check=True,
                         capture_output=True, text=True).stdout
    return out.strip()


def postmaster_pid(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("PPid:"):
                return int(line.split()[1])
    raise RuntimeError("no PPid for %d" % pid)


def logged_max_safe_fds(backend_pid):
    """(max_safe_fds, already_open) from the postmaster's DEBUG2 line in
    its log (its stderr, when that is a file), or None."""
    try:
        path = os.readlink("/proc/%d/fd/2" % postmaster_pid(backend_pid))
        if not path.startswith("/") or not os.path.isfile(path):
            return None         # a pipe (logging collector): not read
        found = None
        with open(path, errors="replace") as f:
            for line in f:
                m = re.search(r"max_safe_fds = (\d+), usable_fds = \d+, "
                              r"already_open = (\d+)", line)
                if m:
                    found = (int(m.group(1)), int(m.group(2)))
        return found            # the last start's
    except OSError:
        return None


def external_fds_held(pid):
    """The external fds an idle backend holds (AcquireExternalFD /
    ReserveExternalFD): its epoll and signalfd descriptors (the latch's
    signalfd and wait sets, the extension's wait sets).  curl's idle
    sockets are not counted: the scheduler counts them back into the
    room."""
    held = 0
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            target = os.readlink("/proc/%d/fd/%s" % (pid, fd))
        except OSError:
            continue
        if target in ("anon_inode:[eventpoll]", "anon_inode:[signalfd]"):
            held += 1
    return held


def fd_budget(session):
    """The fd-budget cap of the session's backend, as cks_scheduler_cap
    computes it, and how it was learnt (see "cap" above)."""
    mfpp = int(show("max_files_per_process"))
    logged = logged_max_safe_fds(session.pid)
    if logged:
        max_safe, already_open = logged
        how = "postmaster's max_safe_fds %d (already_open %d)" % logged
    else:
        # PostgreSQL 15-17's fd.c: Min(usable, max_files_per_process -
        # already_open) less NUM_RESERVED_FDS, usable bounded by
        # RLIMIT_NOFILE; already_open assumed to be stdin, stdout and
        # stderr (so rather a cap a little too high than too low)
        soft = int(server_nofile())
        already_open = 3
        max_safe = min(soft, mfpp) - already_open - NUM_RESERVED_FDS
        how = ("computed: max_safe_fds ~%d from RLIMIT_NOFILE %d, "
               "already_open 3 assumed" % (max_safe, soft))
    held = external_fds_held(session.pid)
    room = max_safe // 3 - held
    cap = max(1, room // 2 - 4)
    return {"cap": cap, "how": "max_files_per_process %d, %s; %d external "
            "fds held -> room %d -> cap %d" % (mfpp, how, held, room, cap)}


def lower_log_level():
    """fanout.sh starts the cluster at log_min_messages=debug2 only for
    the postmaster's max_safe_fds line (fd_budget); back to the default
    before anything is measured."""
    subprocess.run(["psql", "-X", "-q", "-d", "postgres", "-c",
                    "ALTER SYSTEM SET log_min_messages = 'warning'", "-c",
                    "SELECT pg_reload_conf()"], check=True,
                   stdout=subprocess.DEVNULL)


def effective_cap(cap, fd_cap):
    """(the cap the backend runs at, which limit it is)."""
    if fd_cap < cap:
        return fd_cap, "fd budget"
    return cap, "configured"


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


def timeline(records):
    """When the endpoint saw what, in seconds from the query's first
    request: the last AssumeRole, the first KMS request, and each answer
    throttled for its quota (fault "quota"), by operation."""
    if not records:
        return ""
    t0 = min(r["start"] for r in records)
    sts = [r["start"] - t0 for r in records if r["service"] == "sts"]
    kms = [r["start"] - t0 for r in records if r["service"] == "kms"]
    quota = ["%s %s %s at %.2f s" % (r["service"], r["operation"],
                                     r.get("account") or "", r["start"] - t0)
             for r in records if r.get("fault") == "quota"]
    return "last AssumeRole %s, first KMS request %s; throttled: %s; %s" % (
        "%.2f s" % max(sts) if sts else "-",
        "%.2f s" % min(kms) if kms else "-", "; ".join(quota) or "none",
        in_flight_profile(records, t0))


def in_flight_profile(records, t0, step=0.5):
    """Mean KMS + STS requests in flight per half second (wire time at
    the endpoint), as "kms+sts" figures."""
    end = max((r["end"] or r["start"]) for r in records) - t0
    n = int(end / step) + 1
    busy = {"kms": [0.0] * n, "sts": [0.0] * n}
    for r in records:
        if r["service"] not in busy or r["end"] is None:
            continue
        a, b = r["start"] - t0, r["end"] - t0
        for i in range(int(a / step), min(n, int(b / step) + 1)):
            lo, hi = max(a, i * step), min(b, (i + 1) * step)
            if hi > lo:
                busy[r["service"]][i] += (hi - lo) / step
    return "in flight per %.1f s (kms+sts): %s" % (step, " ".join(
        "%d+%d" % (k, s) for k, s in zip(busy["kms"], busy["sts"])))


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
            "timeline": timeline(records),
            "peak": peak_in_flight(records, services=("kms", "sts")),
            "connections": len({r["connection"] for r in kms + sts}),
            "rss": proc_status(session.pid)}


def accounts_rows(caps, reps, log, budget):
    """Per cap and repetition: a new session, its first query (roles
    assumed) and its second (roles cached), against the ideal and the
    endpoint's ceiling measured in this run."""
    setup_accounts(caps)
    out = ["", "## 500 accounts x 17 regions: one server with `accounts`, "
           "role_arn with {account}, %d ms per STS and KMS request, "
           "AWS's default quotas enforced" % LATENCY_MS, "",
           "Ideal and ceiling at the cap the backend really has (fd budget "
           "as above: %s)." % budget["how"], "",
           "| max_concurrent_requests | cap used (ideal, ceiling) | query | ideal "
           "| endpoint ceiling | cks_fdw runs "
           "| cks_fdw / max(ideal, ceiling) | throttled | STS calls | peak in flight "
           "| connections | backend CPU | VmRSS before -> after |",
           "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    ok = True
    notes = []
    for configured in caps:
        cap, which = effective_cap(configured, budget["cap"])
        ctl.config(quotas=False)
        ceil_s = ceiling(cap)
        ctl.config(quotas=True)
        firsts, seconds = [], []
        for _ in range(reps):
            session = Psql(DB)
            rss0 = proc_status(session.pid)["VmRSS"]
            firsts.append((run_accounts_query(session, log, configured), rss0))
            seconds.append((run_accounts_query(session, log, configured), rss0))
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
            ok = (ok and ratio <= 1.5 and peak <= configured
                  and conns <= configured and max(throttled) == 0)
            out.append("| %d | %d (%s) | %s | %.2f s | %.2f s | %s | %.2f (goal <= 1.5) "
                       "| %s (goal 0) | %d | %d | %d | %.2f s | %s |" % (
                           configured, cap, which, label, ideal,
                           ceil_s * n / TOTAL,
                           ", ".join("%.2f s" % r["wall"] for r, _ in runs), ratio,
                           ", ".join(str(t) for t in throttled),
                           max(r["sts"] for r, _ in runs), peak, conns,
                           max(r["cpu"] for r, _ in runs),
                           ", ".join("%d -> %d kB" % (rss0, r["rss"]["VmRSS"])
                                     for r, rss0 in runs)))
            print(out[-1], flush=True)
            for r, _ in runs:
                notes.append("- %s, max_concurrent_requests %d: %s" % (
                    label, configured, r["timeline"]))
    out += [""] + notes
    out += ["", "Goals met (500 x 17): %s" % ("yes" if ok else "NO")]
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--caps", default="64,256")
    ap.add_argument("--reps", type=int, default=2)
    ap.add_argument("--accounts", action="store_true")
    args = ap.parse_args()
    caps = [int(c) for c in args.caps.split(",")]

    lower_log_level()
    mode = ctl.call("GET", "/_cks/info")["mode"]
    ctl.reset()
    ctl.config(quotas=False)    # the one-account shape: see Quotas above
    setup(caps)
    ctl.config(kms_latency_ms=LATENCY_MS)
    session = Psql(DB)
    log = Log()
    rss0 = proc_status(session.pid)
    budget = fd_budget(session)
    out = ["# Fan-out: %d DescribeCustomKeyStores in one query (%d regions x "
           "%d pushed-down ids, one account), %d ms per request" % (
               TOTAL, len(REGIONS), N_IDS, LATENCY_MS), "",
           "Endpoint: tests/endpoint/kms_endpoint.py in its %s mode; the ceiling "
           "is measured against it." % mode, "",
           "Backend VmRSS before the first query: %d kB" % rss0["VmRSS"], "",
           "The ideal and the ceiling use the cap the backend really has: "
           "min(max_concurrent_requests, the fd-budget cap of "
           "request_scheduler.c); the column says which one.  fd budget: "
           "%s." % budget["how"], "",
           "| max_concurrent_requests | fd-budget cap | cap used (ideal, ceiling) "
           "| ideal (N/cap x latency) | endpoint ceiling "
           "(Python, cap threads) | cks_fdw runs | cks_fdw / max(ideal, ceiling) "
           "| peak in flight | connections | backend CPU | VmRSS after |",
           "|---|---|---|---|---|---|---|---|---|---|---|"]
    ok = True
    for configured in caps:
        cap, which = effective_cap(configured, budget["cap"])
        ideal = TOTAL / cap * LATENCY_MS / 1000.0
        ceil_s = ceiling(cap)
        runs = [run_cks(session, log, configured) for _ in range(args.reps)]
        best = min(r["wall"] for r in runs)
        ref = max(ideal, ceil_s)
        ratio = best / ref
        peak = max(r["peak"] for r in runs)
        conns = max(r["connections"] for r in runs)
        ok = (ok and ratio <= 1.5 and peak <= configured
              and conns <= configured)
        out.append("| %d | %d | %d (%s) | %.2f s | %.2f s | %s | %.2f (goal <= 1.5) "
                   "| %d | %d | %.2f s | %s |" % (
                       configured, budget["cap"], cap, which, ideal, ceil_s,
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
        out += accounts_rows(caps, args.reps, log, budget)
    ctl.config(kms_latency_ms=None, sts_latency_ms=None)
    print("\n".join(out))
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                           "fanout-last.md"), "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
