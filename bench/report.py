"""The report of bench/bench.py: the machine's details and one markdown
section per scenario (tables of medians and ranges, ratios to cks_fdw,
the goals met or missed), the text bench/RESULTS.md holds.

Pure formatting: it reads the figures bench.py measured and returns text;
the only things it asks the machine are versions and hardware (versions()).
"""

import datetime
import json
import os
import platform
import re
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

def versions(boto_python, postgres_version):
    """The machine and software the figures were measured with."""
    def cmd(argv):
        try:
            return subprocess.run(argv, capture_output=True, text=True,
                                  timeout=60).stdout.strip().splitlines()[0]
        except (OSError, IndexError, subprocess.SubprocessError):
            return "?"
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kb = int(f.readline().split()[1])
    js_pkg = os.path.join(ROOT, "bench", "js", "node_modules", "@aws-sdk",
                          "client-kms", "package.json")
    with open(js_pkg) as f:
        js_version = json.load(f)["version"]
    return [
        ("date", datetime.datetime.now().astimezone().isoformat(
            timespec="seconds")),
        ("CPUs (nproc)", str(os.cpu_count())),
        ("CPU model", cpu),
        ("memory", "%.1f GiB" % (mem_kb / 1048576)),
        ("kernel", platform.release()),
        ("PostgreSQL", postgres_version),
        ("curl", cmd(["curl", "--version"])),
        ("boto3 / botocore", cmd([boto_python, "-c",
                                  "import boto3, botocore, sys; "
                                  "print('boto3 %s, botocore %s, Python %s' "
                                  "% (boto3.__version__, botocore.__version__,"
                                  " sys.version.split()[0]))"])),
        ("AWS CLI", cmd(["/usr/bin/aws", "--version"])),
        ("node", cmd(["node", "--version"])),
        ("@aws-sdk/client-kms", js_version),
        ("endpoint", "tests/endpoint/kms_endpoint.py (Python %s, "
         "ThreadingHTTPServer, SigV4 checked with botocore)"
         % platform.python_version()),
    ]


def ms(x):
    return "%.1f" % (x * 1000)


def fmt_range(s, f=ms):
    return "%s (%s–%s)" % (f(s["median"]), f(s["min"]), f(s["max"]))


def ratio(a, b):
    return "%.2f×" % (a / b) if b > 0 else "n/a"


def time_table(results, ref):
    rows = ["| contender | wall ms: median (min–max) | client CPU ms: "
            "median (min–max) | wall vs cks_fdw | CPU vs cks_fdw | "
            "requests | connections |",
            "|---|---|---|---|---|---|---|"]
    r0 = results[ref]
    for name, r in results.items():
        rows.append("| %s | %s | %s | %s | %s | %d | %d |" % (
            name, fmt_range(r["wall"]), fmt_range(r["cpu"]),
            ratio(r["wall"]["median"], r0["wall"]["median"]),
            ratio(r["cpu"]["median"], r0["cpu"]["median"]),
            r["requests"]["median"], r["connections"]["median"]))
    return rows


def rps_table(results, ref):
    rows = ["| contender | lookups/s: median (min–max) | client CPU ms per "
            "1,000: median (min–max) | time vs cks_fdw | CPU vs cks_fdw | "
            "requests | connections |", "|---|---|---|---|---|---|---|"]
    r0 = results[ref]
    for name, r in results.items():
        rows.append("| %s | %s | %s | %s | %s | %d | %d |" % (
            name, fmt_range(r["rps"], lambda x: "%.0f" % x),
            fmt_range(r["cpu"]),
            ratio(r["wall"]["median"], r0["wall"]["median"]),
            ratio(r["cpu"]["median"], r0["cpu"]["median"]),
            r["requests"]["median"], r["connections"]["median"]))
    return rows


def goal(ok):
    return "**met**" if ok else "**missed**"


def fastest_other(results, ref, key):
    others = {n: r[key]["median"] for n, r in results.items() if n != ref}
    name = min(others, key=others.get)
    return name, others[name]


def report_header(args, info, elapsed):
    out = ["# cks_fdw benchmark results", "",
           "Produced by `bench/run%s` in %.0f s: %d measured repetitions per "
           "contender (after one warm-up run each), contenders interleaved "
           "round-robin with the order rotated every repetition, all against "
           "the same local endpoint and data on this machine. Medians with "
           "min–max. Ratios are contender ÷ cks_fdw (above 1×: cks_fdw is "
           "faster or cheaper). Requests and connections are medians per run "
           "from the endpoint's log." % (" --quick" if args.quick else "",
                                           elapsed, args.reps), "",
           "## Machine", "", "| | |", "|---|---|"]
    return out + ["| %s | %s |" % kv for kv in info]


def report_ceiling(ceiling):
    """The endpoint's own limits; returns the section and the floors
    (10-page scan seconds, lookups/s) the later sections compare with."""
    page_cap = ceiling["page"]
    look_cap = ceiling["lookup"]
    best_page = max(v for v in page_cap.values() if v)
    best_look = max(v for v in look_cap.values() if v)
    out = ["", "## The endpoint's own ceiling", "",
           "One signed request replayed as fast as one keep-alive "
           "connection allows (the same request each time; the endpoint "
           "still checks the signature and builds the answer). This is the "
           "most the endpoint can serve to one sequential client; a "
           "contender close to it is measuring the endpoint, not itself.",
           "",
           "| request | Python http.client loop | wrk -t1 -c1 |",
           "|---|---|---|"]
    for name, label in (("page", "1,000-entry page"),
                        ("lookup", "lookup by id")):
        c = ceiling[name]
        out.append("| %s | %.0f req/s | %s |" % (
            label, c["python"], "%.0f req/s" % c["wrk"] if c["wrk"]
            else "wrk not installed"))
    floor_scan = 10 / best_page
    out += ["", "So a 10-page scan cannot take less than about **%.0f ms** "
            "of wall time here, and a sequential client cannot exceed about "
            "**%.0f lookups/s**." % (floor_scan * 1000, best_look)]
    return out, floor_scan, best_look


def cpu_goal(results, ref):
    """The "2x less client CPU than the fastest contender" line."""
    name, cpu = fastest_other(results, ref, "cpu")
    c_cpu = results[ref]["cpu"]["median"]
    return ("Goal (≥ 2× less client CPU than the fastest contender, %s "
            "at %.1f ms): cks_fdw %.1f ms, %.2f× → %s" % (
                name, cpu * 1000, c_cpu * 1000, cpu / c_cpu,
                goal(cpu / c_cpu >= 2)))


def report_scan(s1, floor_scan):
    ref1 = "cks_fdw (SELECT *)"
    out = ["", "## 1. Full scan: 10,000 key stores, one region, 10 pages "
           "of 1,000", ""] + time_table(s1, ref1)
    out += ["", "Client CPU of cks_fdw is the backend's (psql's own decoding "
            "of the rows is not counted, like the SDKs' callers' work is "
            "not). Wall floor set by the endpoint: ~%.0f ms, so the endpoint "
            "accounts for at most ~%.0f%% of cks_fdw's wall time here."
            % (floor_scan * 1000,
               100 * min(1.0, floor_scan / s1[ref1]["wall"]["median"])),
            "", cpu_goal(s1, ref1)]
    return out


def report_lookups(s2, best_look):
    ref2 = "cks_fdw (pgbench -M prepared)"
    out = ["", "## 2. 1,000 lookups by id", ""] + rps_table(s2, ref2)
    out += ["", "pgbench's lookups/s exclude its connection set-up; the "
            "cks_fdw CPU is the pgbench backend's whole life (connection "
            "start and the local `bench_ids` lookup that picks each random "
            "id included). Endpoint ceiling for lookups: ~%.0f/s; cks_fdw "
            "reaches %.0f%% of it." % (
                best_look, 100 * s2[ref2]["rps"]["median"] / best_look),
            "", cpu_goal(s2, ref2)]
    return out


def report_fanout(s3, explain, fan):
    """fan: accounts, regions, stores (per list) and latency_ms."""
    ref3 = "cks_fdw partitioned, 5 accounts x 6 regions"
    ideal = fan["latency_ms"] / 1000.0
    out = ["", "## 3. Fan-out: 5 accounts × 6 regions, %d ms per request"
           % fan["latency_ms"], "",
           "5 × 6 = 30 (account, region) lists (accounts %s); each holds "
           "%d generated stores (one page). Every account uses its own "
           "static keys (no "
           "AssumeRole in the timed path, for cks_fdw and boto3 alike). "
           "Regions: %s. Ideal = one request's latency = %d ms."
           % (", ".join(fan["accounts"]), fan["stores"],
              ", ".join(fan["regions"]), fan["latency_ms"]), ""]
    out += time_table(s3, ref3)
    c_wall = s3[ref3]["wall"]["median"]
    out += ["", "Goal (within 2× of the ideal): cks_fdw %.0f ms = %.2f× the "
            "ideal → %s" % (c_wall * 1000, c_wall / ideal,
                            goal(c_wall <= 2 * ideal)),
            "", "Plan:", "", "```"] + explain + ["```"]
    return out


def report_memory(mem, mem_session):
    out = ["", "## 4. Memory", "",
           "Backend of a fresh session; VmRSS / VmHWM (peak) / RssAnon from "
           "/proc/PID/status.", "",
           "| moment | VmRSS kB | VmHWM kB | RssAnon kB |",
           "|---|---|---|---|"]
    samples, walls, ctx = mem
    for label, s in samples:
        out.append("| %s | %d | %d | %d |" % (label, s["VmRSS"], s["VmHWM"],
                                              s["RssAnon"]))
    base = samples[1][1]
    grow1 = samples[2][1]["VmRSS"] - base["VmRSS"]
    grow2 = samples[3][1]["VmRSS"] - base["VmRSS"]
    out += ["", "100,000-row scans took %s ms; memory contexts total %d "
            "bytes after them. RSS growth over the first query: %+d kB after "
            "one scan, %+d kB after two." % (
                " and ".join(ms(w) for w in walls), ctx, grow1, grow2)]
    growth_session = None
    if mem_session is None:
        out += ["", "bench/memory.sh is missing: the 10,000-query session "
                "was not measured."]
    else:
        m = re.search(r"growth from query 1,000 to 10,000: RSS ([+-]\d+) kB",
                      mem_session)
        growth_session = int(m.group(1)) if m else None
        out += ["", "10,000 mixed queries in one session (bench/memory.sh, "
                "run in the same cluster against the same endpoint):", "",
                "```", mem_session.strip(), "```"]
    ok = grow2 < 10240 and (growth_session is not None
                            and growth_session < 10240)
    out += ["", "Goal (flat: under 10 MB growth): scans %+d kB, mixed "
            "session %s → %s" % (grow2, "%+d kB" % growth_session
                                 if growth_session is not None
                                 else "not measured", goal(ok))]
    return out


def report_connections(conns):
    out = ["", "## 5. Connections (one fresh session, from the endpoint's "
           "log)", "", "| work | requests | TCP connections |",
           "|---|---|---|",
           "| 10-page scan | %d | %d |" % conns["scan"],
           "| then 1,000 lookups (PREPARE/EXECUTE) in the same session "
           "| %d | %d |" % conns["lookups"],
           "| the whole session | %d | %d |" % conns["session"]]
    ok = conns["scan"][1] == 1 and conns["session"][1] == 1
    out += ["", "Goal (one connection per endpoint) → %s" % goal(ok)]
    return out


def report(args, info, ceiling, s1, s2, s3, explain, mem, mem_session,
           conns, elapsed, fan):
    """The whole report (bench/RESULTS.md), section by section."""
    out = report_header(args, info, elapsed)
    section, floor_scan, best_look = report_ceiling(ceiling)
    out += section
    out += report_scan(s1, floor_scan)
    out += report_lookups(s2, best_look)
    out += report_fanout(s3, explain, fan)
    out += report_memory(mem, mem_session)
    out += report_connections(conns)
    return "\n".join(out) + "\n"
