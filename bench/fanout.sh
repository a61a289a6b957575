#!/usr/bin/env bash
# The big fan-out benchmark (issue 12): 8,500 requests from one query at
# 100 ms endpoint latency, with max_concurrent_requests 64 and 256, beside
# the endpoint's own ceiling measured in the same run; peak connections and
# backend memory.  Loopback only (tests/endpoint).
#
#   bench/fanout.sh                  # caps 64 and 256, 2 runs each
#   bench/fanout.sh --caps 64 --reps 1
#   bench/fanout.sh --no-build ...   # use the extension as installed (first)
#   bench/fanout.sh --accounts       # also 500 accounts x 17 regions (one
#                                    # server, accounts + role_arn {account})
#
# Builds and installs the extension and runs bench/fanout.py in a
# throwaway cluster, both under /tmp/pgvenv.lock; prints a markdown table
# (also written to bench/fanout-last.md).  The endpoint runs with
# --event-loop (tests/endpoint/event_loop.py: latency by timers in one
# thread); the tables say which mode was used.  The endpoint enforces AWS's
# default quotas (tools/endpoint.sh); fanout.py turns them off for the
# one-account shape (a micro-benchmark of the fan-out: 500 lookups per
# region of one account) and on for --accounts.  The ideal and the
# endpoint's ceiling use the cap the backend really runs at:
# min(max_concurrent_requests, the fd-budget cap of request_scheduler.c,
# about 157 at the default max_files_per_process); the cluster starts at
# log_min_messages=debug2 so that fanout.py reads PostgreSQL's own
# max_safe_fds from the log, then lowers it before measuring.
set -eu
cd "$(dirname "$0")/.."
export CKS_BENCH_BUILD=yes
if [ "${1:-}" = --no-build ]; then   # use the extension as installed
  CKS_BENCH_BUILD=no
  shift
fi
. tools/endpoint.sh
start_endpoint --event-loop
export CKS_ENDPOINT_URL
echo "== waiting for /tmp/pgvenv.lock, then install and the benchmark"
flock /tmp/pgvenv.lock bash -c '
  if [ "$CKS_BENCH_BUILD" = yes ]; then make -s install >/dev/null; fi &&
  pg_virtualenv -v 15 -o autovacuum=off -o log_min_messages=debug2 -- /usr/bin/python3 bench/fanout.py "$@"
' fanout "$@"
