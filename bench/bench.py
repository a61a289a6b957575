#!/usr/bin/python3
"""cks_fdw side by side with the AWS SDKs: the benchmark driver.

Run by bench/inner.sh inside a throwaway cluster (PG* variables set) with
the local endpoint running (CKS_ENDPOINT_URL).  It loads the data sets,
creates the SQL objects, measures the endpoint's own ceiling, then runs
every scenario with the contenders interleaved (round-robin, the order
rotated each repetition) against the same endpoint and data, and writes a
markdown report (stdout and bench/RESULTS.md; the text is bench/report.py's).

Where the time and CPU figures come from:
  cks_fdw       one long-lived psql session; wall time is psql's \\timing
                (the query until its last row reached the client), CPU is
                the backend's utime+stime from /proc/PID/stat before/after
  pgbench       -M prepared, one client; lookups/s as pgbench reports them
                (without connection time); CPU is the growth of the
                postmaster's cutime+cstime, which the backend's whole life
                adds to when it is reaped (autovacuum is off)
  boto3, JS     long-lived workers (bench/workers/, bench/js/) that time
                each command in-process with warm clients
  AWS CLI       one process per run (that is how it is used): wall time
                and the process's rusage
Request and connection counts come from the endpoint's log (/_cks/log).
"""
import argparse
import http.client
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "endpoint"))
import ctl                                              # noqa: E402
import fixtures                                         # noqa: E402
import report                                           # noqa: E402

ENDPOINT = os.environ["CKS_ENDPOINT_URL"]
DB = "cks_bench"
TICK = os.sysconf("SC_CLK_TCK")

ACCT1 = fixtures.ACCOUNT_1
KEY1 = list(fixtures.KEYS_BY_ACCOUNT[ACCT1])
SCAN_REGION = "sa-east-1"           # 10,000 stores: scenarios 1, 2, 5
BIG_REGION = "ca-central-1"         # 100,000 stores: scenario 4
FAN_REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2", "us-west-2",
               "eu-central-1", "ap-northeast-1"]
FAN_ACCOUNTS = list(fixtures.ACCOUNTS) + list(fixtures.EXTRA_ACCOUNTS)
FAN_STORES = 100                    # per (account, region): one page
FAN_LATENCY_MS = 100
N_SCAN = 10000
N_BIG = 100000
N_LOOKUPS = 1000


# ---------------------------------------------------------------- helpers

def proc_cpu(pid, children=False):
    """utime+stime (or cutime+cstime) of a process in seconds."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # fields[0] is field 3 (state): utime=14, stime=15, cutime=16, cstime=17
    if children:
        return (int(fields[13]) + int(fields[14])) / TICK
    return (int(fields[11]) + int(fields[12])) / TICK


def proc_status(pid):
    """VmRSS / VmHWM / RssAnon of a process, in kB."""
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM", "RssAnon"):
                out[key] = int(value.split()[0])
    return out


class Log:
    """Reads the endpoint's request log in slices: what one run sent."""

    def __init__(self):
        self.seq = 0

    def mark(self):
        self.take()

    def take(self):
        """The requests logged since the last call."""
        records = ctl.call("GET", "/_cks/log?since=%d" % self.seq)["requests"]
        if records:
            self.seq = max(r["seq"] for r in records)
        return records


def traffic(records):
    """(API requests, distinct client connections) of a log slice."""
    api = [r for r in records if r["service"] == "kms"]
    return len(api), len({r["connection"] for r in api})


class Psql:
    """One long-lived psql session driven through pipes, so that a query's
    backend stays the same across runs (as in an application)."""

    def __init__(self, db=DB):
        self.proc = subprocess.Popen(
            ["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=0", "-d", db],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, bufsize=1)
        self.n = 0
        self.pid = int(self.run("SELECT pg_backend_pid();")[0])

    def run(self, sql):
        """Run SQL; return its output lines (up to a marker)."""
        self.n += 1
        marker = "__bench_done_%d__" % self.n
        self.proc.stdin.write(sql + "\n\\echo " + marker + "\n")
        self.proc.stdin.flush()
        lines = []
        for line in self.proc.stdout:
            line = line.rstrip("\n")
            if line == marker:
                return lines
            lines.append(line)
        raise RuntimeError("psql ended: %s" % "\n".join(lines))

    def timed(self, sql):
        """(wall seconds by \\timing, backend CPU seconds, other output):
        the rows go to /dev/null after reaching psql."""
        c0 = proc_cpu(self.pid)
        out = self.run("\\timing on\n\\o /dev/null\n" + sql +
                       "\n\\o\n\\timing off")
        c1 = proc_cpu(self.pid)
        times = [float(m.group(1)) for m in
                 (re.match(r"Time: ([0-9.]+) ms", l) for l in out) if m]
        errors = [l for l in out if "ERROR" in l]
        if errors or not times:
            raise RuntimeError("query failed: %s\n%s" % (sql, "\n".join(out)))
        return sum(times) / 1000.0, c1 - c0

    def close(self):
        self.proc.stdin.close()
        self.proc.wait()


class Worker:
    """A long-lived SDK worker (boto3 or JS) speaking JSON lines."""

    def __init__(self, argv, cwd=ROOT):
        self.proc = subprocess.Popen(argv, cwd=cwd, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True,
                                     bufsize=1)

    def call(self, **cmd):
        self.proc.stdin.write(json.dumps(cmd) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("worker %s ended" % self.proc.args)
        out = json.loads(line)
        if "error" in out:
            raise RuntimeError("worker %s: %s" % (self.proc.args[0],
                                                  out["error"]))
        return out

    def close(self):
        self.proc.stdin.close()
        self.proc.wait()


def run_process(argv, env=None, stdout=None):
    """(wall, CPU from rusage, exit status) of one process."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=stdout,
                            stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace")
    if proc.returncode != 0:
        raise RuntimeError("%s failed: %s" % (argv[0], err[-500:]))
    return wall, usage.ru_utime + usage.ru_stime


def psql_cmd(sql, db=DB):
    return subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1",
                           "-d", db, "-c", sql], check=True,
                          capture_output=True, text=True).stdout


# ------------------------------------------------------------- the set-up

def load_data():
    ctl.reset()
    ctl.stores(ACCT1, SCAN_REGION, N_SCAN, prefix="bench")
    ctl.stores(ACCT1, BIG_REGION, N_BIG, prefix="big")
    for account in FAN_ACCOUNTS:
        for region in FAN_REGIONS:
            ctl.stores(account, region, FAN_STORES, prefix="fan")
    ids = [e["CustomKeyStoreId"] for e in ctl.get_stores(ACCT1, SCAN_REGION)]
    return random.Random(42).sample(ids, N_LOOKUPS)


# AWS's default quota for DescribeCustomKeyStores is 5 requests per second,
# which cks_fdw keeps to on its own (request_quotas); the local endpoint has
# no quota (tools/endpoint.sh starts it with --no-quotas) and the SDK
# contenders keep to none, so the benchmark lifts it as an account with a
# raised Service Quota would: what is timed is the client, not the quota.
QUOTAS = "DescribeCustomKeyStores=1000000"


def server_sql(name, regions, account):
    akid, secret = fixtures.KEYS_BY_ACCOUNT[account]
    return """
CREATE SERVER %s FOREIGN DATA WRAPPER cks_fdw
  OPTIONS (region '%s', endpoint '%s', sts_endpoint '%s',
           request_quotas '%s');
CREATE USER MAPPING FOR CURRENT_USER SERVER %s
  OPTIONS (access_key_id '%s', secret_access_key '%s');
""" % (name, ",".join(regions), ENDPOINT, ENDPOINT, QUOTAS, name, akid,
       secret)


def create_objects(ids):
    subprocess.run(["dropdb", "--if-exists", DB], check=True)
    subprocess.run(["createdb", DB], check=True)
    sql = ["CREATE EXTENSION cks_fdw;",
           server_sql("kms_scan", [SCAN_REGION], ACCT1),
           "IMPORT FOREIGN SCHEMA kms FROM SERVER kms_scan INTO public;",
           server_sql("kms_big", [BIG_REGION], ACCT1),
           "CREATE SCHEMA big;",
           "IMPORT FOREIGN SCHEMA kms FROM SERVER kms_big INTO big;"]
    # the recommended multi-account layout (examples/multi_account.sql),
    # with each account's own keys instead of roles
    sql.append("CREATE TABLE fan_all (LIKE custom_key_stores) "
               "PARTITION BY LIST (account_id);")
    for account in FAN_ACCOUNTS:
        sql.append(server_sql("kms_fan_%s" % account, FAN_REGIONS, account))
        sql.append("CREATE FOREIGN TABLE fan_%s PARTITION OF fan_all "
                   "FOR VALUES IN ('%s') SERVER kms_fan_%s;"
                   % (account, account, account))
    sql.append("CREATE SCHEMA one;")
    sql.append("IMPORT FOREIGN SCHEMA kms FROM SERVER kms_fan_%s INTO one;"
               % ACCT1)
    sql.append("CREATE TABLE bench_ids (n int PRIMARY KEY, id text);")
    sql.append("INSERT INTO bench_ids VALUES %s;" % ",".join(
        "(%d, '%s')" % (i + 1, x) for i, x in enumerate(ids)))
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", DB],
                   input="\n".join(sql), text=True, check=True)


# ------------------------------------------------- the endpoint's ceiling

def signed_request(region, body):
    """A KMS request signed once by botocore, to be replayed as is."""
    import botocore.auth
    import botocore.awsrequest
    import botocore.credentials
    url = ENDPOINT + "/"
    req = botocore.awsrequest.AWSRequest(
        method="POST", url=url, data=body,
        headers={"Content-Type": "application/x-amz-json-1.1",
                 "X-Amz-Target": "TrentService.DescribeCustomKeyStores"})
    botocore.auth.SigV4Auth(botocore.credentials.Credentials(*KEY1), "kms",
                            region).add_auth(req)
    return dict(req.headers.items())


def replay_python(headers, body, seconds):
    """Requests/s of a minimal keep-alive http.client loop."""
    u = urllib.parse.urlsplit(ENDPOINT)
    conn = http.client.HTTPConnection(u.hostname, u.port)
    n = 0
    deadline = time.perf_counter() + seconds
    t0 = time.perf_counter()
    while time.perf_counter() < deadline:
        conn.request("POST", "/", body=body, headers=headers)
        resp = conn.getresponse()
        resp.read()
        if resp.status != 200:
            raise RuntimeError("replay got HTTP %d" % resp.status)
        n += 1
    rate = n / (time.perf_counter() - t0)
    conn.close()
    return rate


def replay_wrk(headers, body, seconds, connections=1):
    """Requests/s of wrk replaying the request (None without wrk)."""
    if not shutil.which("wrk"):
        return None
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write("wrk.method = \"POST\"\nwrk.body = %s\n" % json.dumps(
            body.decode()))
        for k, v in headers.items():
            if k.lower() != "host":
                f.write("wrk.headers[%s] = %s\n" % (json.dumps(k),
                                                    json.dumps(v)))
        script = f.name
    try:
        out = subprocess.run(
            ["wrk", "-t1", "-c%d" % connections, "-d%ds" % seconds, "-s",
             script, ENDPOINT + "/"], capture_output=True, text=True,
            check=True).stdout
    finally:
        os.unlink(script)
    if "Non-2xx" in out:
        raise RuntimeError("wrk replay got errors:\n" + out)
    return float(re.search(r"Requests/sec:\s+([0-9.]+)", out).group(1))


def measure_ceiling(ids, seconds):
    page = json.dumps({"Limit": 1000}).encode()
    lookup = json.dumps({"CustomKeyStoreId": ids[0]}).encode()
    out = {}
    for name, body in (("page", page), ("lookup", lookup)):
        headers = signed_request(SCAN_REGION, body)
        out[name] = {"python": replay_python(headers, body, seconds),
                     "wrk": replay_wrk(headers, body, max(1, int(seconds)))}
    return out


# --------------------------------------------------------- the scenarios

def summary(values):
    return {"median": statistics.median(values), "min": min(values),
            "max": max(values)}


class Scenario:
    """Runs contenders round-robin (order rotated every repetition) and
    keeps each run's figures and the endpoint traffic it caused."""

    def __init__(self, log, contenders):
        self.log = log
        self.contenders = contenders      # [(name, fn)] fn -> dict
        self.runs = {name: [] for name, _ in contenders}

    def run(self, reps, warmup=True):
        if warmup:
            for name, fn in self.contenders:
                self.log.mark()
                fn()
                self.log.take()
        for rep in range(reps):
            k = rep % len(self.contenders)
            for name, fn in self.contenders[k:] + self.contenders[:k]:
                self.log.mark()
                result = fn()
                result["requests"], result["connections"] = \
                    traffic(self.log.take())
                self.runs[name].append(result)
        return self.results()

    def results(self):
        out = {}
        for name, runs in self.runs.items():
            out[name] = {key: summary([r[key] for r in runs])
                         for key in runs[0] if isinstance(runs[0][key],
                                                          (int, float))}
            out[name]["n"] = len(runs)
        return out


def check_rows(result, expected, who):
    if result["rows"] != expected:
        raise RuntimeError("%s returned %s rows, expected %d"
                           % (who, result["rows"], expected))
    return result


def cli_scan(env_base):
    env = dict(env_base, AWS_ACCESS_KEY_ID=KEY1[0],
               AWS_SECRET_ACCESS_KEY=KEY1[1], AWS_DEFAULT_REGION=SCAN_REGION)
    with tempfile.TemporaryFile() as out:
        wall, cpu = run_process(
            ["/usr/bin/aws", "kms", "describe-custom-key-stores",
             "--endpoint-url", ENDPOINT, "--page-size", "1000",
             "--output", "json"], env=env, stdout=out)
        out.seek(0)
        rows = out.read().count(b'"CustomKeyStoreId"')
    return {"rows": rows, "wall": wall, "cpu": cpu}


def cli_env():
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_CONFIG_FILE="/dev/null",
               AWS_SHARED_CREDENTIALS_FILE="/dev/null", AWS_PAGER="",
               AWS_EC2_METADATA_DISABLED="true", AWS_MAX_ATTEMPTS="1")
    return env


def scenario_scan(log, session, boto, js, reps):
    env = cli_env()

    def cks():
        wall, cpu = session.timed("SELECT * FROM custom_key_stores;")
        return {"rows": N_SCAN, "wall": wall, "cpu": cpu}

    def sdk(worker):
        return lambda: check_rows(worker.call(op="scan", region=SCAN_REGION,
                                              key=KEY1), N_SCAN, "scan")
    # cks_fdw's row count is checked once here, outside the timing
    n = int(session.run("SELECT count(*) FROM custom_key_stores;")[0])
    if n != N_SCAN:
        raise RuntimeError("cks_fdw scan returned %d rows" % n)
    return Scenario(log, [
        ("cks_fdw (SELECT *)", cks),
        ("boto3/botocore paginator", sdk(boto)),
        ("AWS CLI v2 (one process)", lambda: check_rows(cli_scan(env),
                                                        N_SCAN, "aws")),
        ("JS SDK v3 paginator", sdk(js)),
    ]).run(reps)


def pgbench_lookups(postmaster_pid, script):
    before = proc_cpu(postmaster_pid, children=True)
    out = subprocess.run(
        ["pgbench", "-n", "-M", "prepared", "-c", "1", "-t", str(N_LOOKUPS),
         "-f", script, DB], capture_output=True, text=True)
    if out.returncode != 0 or "failed" in out.stdout.replace(
            "number of failed transactions: 0", ""):
        raise RuntimeError("pgbench: %s %s" % (out.stdout, out.stderr))
    # wait until the backend has exited and been reaped
    for _ in range(100):
        left = psql_cmd("SELECT count(*) FROM pg_stat_activity "
                        "WHERE application_name = 'pgbench';").strip()
        if left == "0":
            break
        time.sleep(0.02)
    time.sleep(0.1)
    cpu = proc_cpu(postmaster_pid, children=True) - before
    tps = float(re.search(r"tps = ([0-9.]+) \(without initial connection",
                          out.stdout).group(1))
    return {"rows": N_LOOKUPS, "wall": N_LOOKUPS / tps, "rps": tps,
            "cpu": cpu}


def scenario_lookups(log, postmaster_pid, boto, js, ids, reps, workdir):
    script = os.path.join(workdir, "lookup.sql")
    with open(script, "w") as f:
        f.write("\\set n random(1, %d)\n"
                "SELECT id FROM bench_ids WHERE n = :n \\gset\n"
                "SELECT * FROM custom_key_stores "
                "WHERE custom_key_store_id = :id;\n" % N_LOOKUPS)

    def sdk(worker):
        def fn():
            r = check_rows(worker.call(op="lookups", region=SCAN_REGION,
                                       key=KEY1, ids=ids), N_LOOKUPS,
                           "lookups")
            r["rps"] = N_LOOKUPS / r["wall"]
            return r
        return fn
    return Scenario(log, [
        ("cks_fdw (pgbench -M prepared)",
         lambda: pgbench_lookups(postmaster_pid, script)),
        ("boto3 loop", sdk(boto)),
        ("JS SDK v3 loop", sdk(js)),
    ]).run(reps)


def scenario_fanout(log, session, boto, js, reps):
    keys = [list(fixtures.KEYS_BY_ACCOUNT[a]) for a in FAN_ACCOUNTS]
    total = FAN_STORES * len(FAN_ACCOUNTS) * len(FAN_REGIONS)

    def cks(table, rows):
        def fn():
            wall, cpu = session.timed("SELECT * FROM %s;" % table)
            return {"rows": rows, "wall": wall, "cpu": cpu}
        return fn

    def sdk(worker, mode):
        return lambda: check_rows(worker.call(op="fanout", mode=mode,
                                              regions=FAN_REGIONS, keys=keys),
                                  total, "fanout")
    for table, rows in (("fan_all", total),
                        ("one.custom_key_stores",
                         FAN_STORES * len(FAN_REGIONS))):
        n = int(session.run("SELECT count(*) FROM %s;" % table)[0])
        if n != rows:
            raise RuntimeError("%s: %d rows, expected %d" % (table, n, rows))
    explain = session.run("EXPLAIN (COSTS OFF) SELECT * FROM fan_all;")
    ctl.config(latency_ms=FAN_LATENCY_MS)
    try:
        results = Scenario(log, [
            ("cks_fdw partitioned, 5 accounts x 6 regions",
             cks("fan_all", total)),
            ("cks_fdw one multi-region server, 6 regions",
             cks("one.custom_key_stores", FAN_STORES * len(FAN_REGIONS))),
            ("boto3 sequential loop", sdk(boto, "seq")),
            ("boto3 thread pool (one thread per list)", sdk(boto, "pool")),
            ("JS SDK v3 Promise.all", sdk(js, "pool")),
        ]).run(reps)
    finally:
        ctl.config(latency_ms=0)
    return results, explain


def scenario_memory():
    """Backend RSS in a fresh session around two 100,000-row scans."""
    s = Psql()
    samples = [("session start", proc_status(s.pid))]
    s.run("SELECT count(*) FROM big.custom_key_stores "
          "WHERE custom_key_store_id = 'cks-000000000000000000';")
    samples.append(("after a first (1-request) query", proc_status(s.pid)))
    walls = []
    for i in (1, 2):
        wall, _ = s.timed("SELECT * FROM big.custom_key_stores;")
        walls.append(wall)
        samples.append(("after 100,000-row scan #%d" % i, proc_status(s.pid)))
    ctx = s.run("SELECT sum(total_bytes) FROM pg_backend_memory_contexts;")
    s.close()
    return samples, walls, int(ctx[0])


def scenario_memory_session():
    """bench/memory.sh (10,000 mixed queries in one session), run in this
    cluster against this endpoint; None if the script is missing."""
    script = os.path.join(ROOT, "bench", "memory.sh")
    if not os.path.exists(script):
        return None
    out = subprocess.run(["bash", script, "--in-cluster"], cwd=ROOT,
                         capture_output=True, text=True, timeout=600)
    return out.stdout + (("\n" + out.stderr) if out.returncode else "")


def scenario_connections(log, ids):
    """TCP connections seen by the endpoint for one fresh session."""
    s = Psql()
    log.mark()
    s.run("\\o /dev/null\nSELECT * FROM custom_key_stores;\n\\o")
    scan_records = log.take()
    scan_req, scan_conn = traffic(scan_records)
    lines = ["PREPARE q(text) AS SELECT * FROM custom_key_stores "
             "WHERE custom_key_store_id = $1;", "\\o /dev/null"]
    lines += ["EXECUTE q('%s');" % i for i in ids]
    lines.append("\\o")
    s.run("\n".join(lines))
    look_records = log.take()
    look_req, look_conn = traffic(look_records)
    s.close()
    both = traffic(scan_records + look_records)
    return {"scan": (scan_req, scan_conn), "lookups": (look_req, look_conn),
            "session": both}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--boto-python", default="python3")
    parser.add_argument("--output", default=os.path.join(ROOT, "bench",
                                                         "RESULTS.md"))
    args = parser.parse_args()
    started = time.time()
    workdir = tempfile.mkdtemp(prefix="cks-bench.")

    print("loading data and objects ...", flush=True)
    ids = load_data()
    create_objects(ids)
    log = Log()
    postmaster_pid = int(open(os.path.join(
        psql_cmd("SHOW data_directory;").strip(), "postmaster.pid"))
        .readline())
    print("endpoint ceiling ...", flush=True)
    ceiling = measure_ceiling(ids, 1.0 if args.quick else 3.0)

    boto = Worker([args.boto_python, "bench/workers/boto3_worker.py"])
    js = Worker(["node", "bench/js/worker.mjs"])
    session = Psql()
    try:
        print("scenario 1: full scan ...", flush=True)
        s1 = scenario_scan(log, session, boto, js, args.reps)
        print("scenario 2: lookups ...", flush=True)
        s2 = scenario_lookups(log, postmaster_pid, boto, js, ids, args.reps,
                              workdir)
        print("scenario 3: fan-out ...", flush=True)
        s3, explain = scenario_fanout(log, session, boto, js, args.reps)
    finally:
        boto.close()
        js.close()
        session.close()
    print("scenario 5: connections ...", flush=True)
    conns = scenario_connections(log, ids)
    print("scenario 4: memory ...", flush=True)
    mem = scenario_memory()
    mem_session = None if args.quick and os.environ.get(
        "CKS_BENCH_SKIP_MEMORY") else scenario_memory_session()

    info = report.versions(args.boto_python,
                           psql_cmd("SELECT version();", db=DB).strip())
    fan = {"accounts": FAN_ACCOUNTS, "regions": FAN_REGIONS,
           "stores": FAN_STORES, "latency_ms": FAN_LATENCY_MS}
    text = report.report(args, info, ceiling, s1, s2, s3, explain, mem,
                         mem_session, conns, time.time() - started, fan)
    with open(args.output, "w") as f:
        f.write(text)
    print()
    print(text)
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
