#!/usr/bin/env bash
# Memory benchmark (figures, no pass/fail): does a long-lived backend grow
# while it runs many cks_fdw queries, failing ones included?
#
# In ONE session it runs 10,000 queries against the local endpoint, per
# block of 1,000: 550 id lookups, 100 IN lookups (3 ids), 100 lookups of
# an unknown id (zero rows), 50 full scans of 100 stores read 25 per page,
# and 200 queries that fail (50 each: truncated JSON, HTTP 500, dropped
# connection, throttling).  After each block it samples the backend's
# memory: VmRSS and RssAnon from /proc/PID/status (libcurl, json-c and
# libxml2 allocate outside palloc, so only RSS sees them) and the total
# of pg_backend_memory_contexts.  Prints a table and the growth from
# query 1,000 to 10,000.
#
#   bench/memory.sh            # after make install; starts its own
#                              # endpoint and throwaway cluster
set -u
cd "$(dirname "$0")/.."

if [ "${1:-}" != "--in-cluster" ]; then
	. tools/endpoint.sh
	# quotas off: 10,000 queries in one region measure memory, not the
	# quota (they would be paced at 5 lookups per second)
	start_endpoint --no-quotas || exit 1
	flock /tmp/pgvenv.lock pg_virtualenv -v 15 -- bash "$0" --in-cluster
	status=$?
	stop_endpoint
	exit $status
fi

# ---- inside the cluster ------------------------------------------------------
CTL="/usr/bin/python3 tests/endpoint/ctl.py"
work=$(mktemp -d /tmp/cks-bench-memory.XXXXXX)
trap 'rm -rf "$work"' EXIT
db=cks_bench_memory
createdb "$db" || exit 1

$CTL reset
$CTL stores 111111111111 eu-west-1 100 --prefix bench >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -d "$db" <<EOF || exit 1
CREATE EXTENSION cks_fdw;
CREATE SERVER kms FOREIGN DATA WRAPPER cks_fdw
  OPTIONS (region 'eu-west-1', endpoint '$CKS_ENDPOINT_URL',
           sts_endpoint '$CKS_ENDPOINT_URL', page_size '25', max_attempts '1',
           request_quotas 'DescribeCustomKeyStores=1000000');
CREATE USER MAPPING FOR CURRENT_USER SERVER kms
  OPTIONS (access_key_id 'AKIDCKSTEST111111111',
           secret_access_key 'cks/test/secret/111111111111/AAAAAAAAAAAA');
IMPORT FOREIGN SCHEMA kms FROM SERVER kms INTO public;
EOF

/usr/bin/python3 - "$work/session.sql" <<'EOF'
import random, sys
sys.path.insert(0, "tests/endpoint")
import ctl

ids = [e["CustomKeyStoreId"] for e in ctl.get_stores("111111111111", "eu-west-1")]
rng = random.Random(1)
ctl_cmd = "\\! /usr/bin/python3 tests/endpoint/ctl.py"
# no "throttle": a throttled answer is no longer a failed query but a
# paced retry that lowers the bucket's rate (issue 21; bench/quotas and
# tests/suites/quotas.sh measure that), which would turn this memory run
# into a wait of minutes
failing = ("malformed", "status500", "close")


def block():
    """1,000 queries; the failing ones come in runs after their fault."""
    work = (["id"] * 550 + ["in"] * 100 + ["unknown"] * 100 + ["scan"] * 50)
    rng.shuffle(work)
    lines = []
    for kind in work:
        if kind == "id":
            lines.append("SELECT * FROM custom_key_stores WHERE custom_key_store_id = '%s';"
                         % rng.choice(ids))
        elif kind == "in":
            lines.append("SELECT * FROM custom_key_stores WHERE custom_key_store_id IN (%s);"
                         % ", ".join("'%s'" % i for i in rng.sample(ids, 3)))
        elif kind == "unknown":
            lines.append("SELECT * FROM custom_key_stores "
                         "WHERE custom_key_store_id = 'cks-00000000000000000x';")
        else:
            lines.append("SELECT * FROM custom_key_stores;")
    for fault in failing:
        lines.append("%s fault %s --count 50 --operation DescribeCustomKeyStores"
                     % (ctl_cmd, fault))
        for _ in range(50):
            lines.append("SELECT * FROM custom_key_stores WHERE custom_key_store_id = '%s';"
                         % rng.choice(ids))
    return lines


def sample(n):
    return ["\\o",
            "\\! echo \"rss %d $(grep -E '^(VmRSS|RssAnon):' /proc/$CKS_BACKEND_PID/status | tr -s ' \\t' ' ' | tr '\\n' ' ')\"" % n,
            "SELECT 'ctx', %d, sum(total_bytes), count(*) FROM pg_backend_memory_contexts;" % n,
            "\\o /dev/null"]


with open(sys.argv[1], "w") as f:
    out = ["\\set QUIET on",
           "SELECT pg_backend_pid() AS pid \\gset",
           "\\setenv CKS_BACKEND_PID :pid",
           "SET cks_fdw.retry_base_delay_ms = 1;",
           # warm up: first contact, caches, libcurl initialisation
           "SELECT count(*) FROM custom_key_stores;"]
    out += sample(0)
    for b in range(1, 11):
        out += block()
        out += sample(b * 1000)
    out.append("\\o")
    f.write("\n".join(out) + "\n")
EOF

echo "running 10,000 queries in one session ..."
t0=$(date +%s%3N)
psql -X -At -F ' ' -d "$db" -f "$work/session.sql" >"$work/out" 2>"$work/err"
t1=$(date +%s%3N)
errors=$(grep -c 'ERROR:' "$work/err")
echo "done in $(((t1 - t0) / 1000)) s; $errors queries failed (1,500 faults injected, some consumed by transport-level resends)"
echo
printf '%8s %10s %12s %16s %9s\n' queries "RSS kB" "RssAnon kB" "context bytes" contexts
awk '
	$1 == "rss" { rss[$2] = $4; anon[$2] = $7 }
	$1 == "ctx" { ctx[$2] = $3; nctx[$2] = $4; order[++n] = $2 }
	END {
		for (i = 1; i <= n; i++) {
			q = order[i]
			printf "%8d %10d %12d %16d %9d\n", q, rss[q], anon[q], ctx[q], nctx[q]
		}
		printf "\ngrowth from query 1,000 to 10,000: RSS %+d kB, RssAnon %+d kB, contexts %+d bytes (%+d contexts)\n",
			rss[10000] - rss[1000], anon[10000] - anon[1000],
			ctx[10000] - ctx[1000], nctx[10000] - nctx[1000]
	}' "$work/out"
echo
echo "endpoint requests: $($CTL count)"
dropdb "$db"
