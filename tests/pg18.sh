#!/usr/bin/env bash
# PostgreSQL 18 (tests/run-all, CKS_ONLY word "pg18"): the server built
# from source by tools/pg-build (cached in /var/cache/cks-fdw/pg18), then
#   1. cks_fdw built with -Werror against it, from a copy of the tree (the
#      15 build's objects must never be reused for 18), and the C unit
#      runner linked with 18's libpgcommon (tests/lib/cluster.sh),
#   2. installed into that prefix, a scratch cluster (initdb as postgres,
#      a private Unix socket only, no TCP) started with its own pg_ctl,
#   3. the pg_regress suite and every tests/suites/*.sh that does not need
#      pg_cron (there is no pg_cron for a source-built 18), via
#      tests/in-cluster.sh, with 18's binaries first in PATH.
# Needs the local endpoint up (CKS_ENDPOINT_URL) and CKS_TEST_LOG; writes
# $CKS_TEST_LOG/pg18-regress and pg18-suite-NAME and ends with
# "N passed, N failed" (pg_regress files and suites each count).
# A failed 18 build (no network, no mirror, ...) is one failure line, not a
# hang: tools/pg-build bounds every step.
set -u
cd "$(dirname "$0")/.."
log=${CKS_TEST_LOG:?}
. tests/lib/counts.sh
. tests/lib/cluster.sh

# Building (or rebuilding) 18, installing into its prefix and testing all
# happen under one lock, so two checkouts tested at once each test their
# own build, and a rebuild never removes the prefix under a running test.
exec 8>/tmp/cks-pg18.lock
if ! flock -w 3600 8; then
  not_ok "waiting for /tmp/cks-pg18.lock"
  finish
fi

if ! prefix=$(bash tools/pg-build 18 2>"$log/pg18-build"); then
  tail -n 20 "$log/pg18-build"
  not_ok "PostgreSQL 18 build (tools/pg-build 18; log $log/pg18-build)"
  finish
fi
prefix=$(echo "$prefix" | tail -n 1)
pg_config=$prefix/bin/pg_config
ok "PostgreSQL $("$pg_config" --version | sed 's/^PostgreSQL //') available in $prefix"

work=$(mktemp -d /tmp/cks-pg18.XXXXXX)
chmod 755 "$work"
src=$work/src
data=$work/data
sock=$work/sock
as_postgres() { runuser -u postgres -- "$@"; }
give_to_postgres() { chown postgres: "$@"; }
cleanup() {
  stop_scratch_cluster "$prefix/bin" "$data"
  rm -rf "$work"
}
trap cleanup EXIT

copy_checkout "$src"

# the unit runner reads the SigV4 vectors from ../shared, as in the tree
[ -d "$PWD/../shared" ] && ln -s "$PWD/../shared" "$work/shared"

# in_copy SECONDS COMMAND: a shell command in the copy
in_copy() { timeout -k 30 "$1" bash -c "cd '$src' && $2"; }
build_unit_install pg18 "$pg_config" "PostgreSQL 18" || finish

port=55418
start_scratch_cluster pg18 "$prefix/bin" "$data" "$sock" $port || finish
suites=$(suites_without_pg_cron "$pg_config")

sublog=$work/log
mkdir -p "$sublog"
(
  cd "$src"
  export PATH="$prefix/bin:$PATH" PG_CONFIG="$pg_config"
  export PGHOST="$sock" PGPORT=$port PGUSER=postgres PGDATABASE=postgres
  export CKS_TEST_LOG="$sublog" CKS_SERVER_LOG="$sock/server.log"
  export CKS_SUITES="${suites:-none}"
  bash tests/in-cluster.sh
)

# pg_regress: one count per test file, as for 15; one line per suite
collect_cluster_results pg18 "$sublog" "$src" "$suites"
finish
