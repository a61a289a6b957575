"""What the cluster-side benchmark drivers (bench/org_scale.py,
bench/quotas.py) share: the postmaster's open-files limit they report,
the endpoint's throttled-answer count, and the marked sections they keep
in bench/RESULTS.md."""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "endpoint"))
import ctl                                              # noqa: E402


def server_nofile():
    """The open-files soft limit the postmaster (and so every backend) runs
    with, from /proc."""
    data = subprocess.run(["psql", "-X", "-At", "-d", "postgres", "-c",
                           "SHOW data_directory"], text=True,
                          stdout=subprocess.PIPE, check=True).stdout.strip()
    with open(os.path.join(data, "postmaster.pid")) as f:
        pid = f.readline().strip()
    with open("/proc/%s/limits" % pid) as f:
        for line in f:
            if line.startswith("Max open files"):
                return line.split()[3]
    return "?"


def throttled():
    """Answers the endpoint's quotas have throttled so far."""
    return ctl.call("GET", "/_cks/quotas")["throttled"]


def write_results(section, tag, path=None):
    """Replace (or append) the block of bench/RESULTS.md between the
    markers "<!-- TAG begin -->" and "<!-- TAG end -->", so a re-run
    updates its own figures and leaves every other section alone."""
    path = path or os.path.join(ROOT, "bench", "RESULTS.md")
    with open(path) as f:
        text = f.read()
    begin, end = "<!-- %s begin -->\n" % tag, "<!-- %s end -->\n" % tag
    block = begin + section + end
    if begin in text and end in text:
        text = text[:text.index(begin)] + block + text[text.index(end) + len(end):]
    else:
        text = text.rstrip("\n") + "\n\n" + block
    with open(path, "w") as f:
        f.write(text)
