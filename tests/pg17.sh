#!/usr/bin/env bash
# PostgreSQL 17 (tests/run-all, CKS_ONLY word "pg17"): Debian 13's own
# PostgreSQL 17, in the debootstrap trixie tree tools/pg-build 17 creates
# and caches (/var/cache/cks-fdw/pg17; Debian's postgresql-17 and
# postgresql-server-dev-17), everything below run inside it (chroot):
#   1. cks_fdw built with -Werror against 17's PGXS, from a copy of the
#      tree (the 15 build's objects must never be reused), and the C unit
#      runner linked with 17's libpgcommon,
#   2. installed into the tree's /usr/lib/postgresql/17, a scratch cluster
#      (initdb as the tree's postgres, a private Unix socket only, no TCP)
#      started with its own pg_ctl,
#   3. the pg_regress suite and every tests/suites/*.sh that does not need
#      pg_cron (as tests/pg18.sh), via tests/in-cluster.sh, with 17's
#      binaries first in PATH and the tree's python3, valgrind and clang.
# The tree shares the host's loopback, so the local endpoint started by
# tests/run-all (CKS_ENDPOINT_URL) answers inside it, and the host's /tmp
# is mounted on the tree's /tmp, so the endpoint's files and $CKS_TEST_LOG
# are where the suites expect them.  /proc, /dev/shm and /tmp are
# unmounted on every exit path (tools/chroot.sh; an EXIT trap).
# Writes $CKS_TEST_LOG/pg17-regress and pg17-suite-NAME and ends with
# "N passed, N failed" (pg_regress files and suites each count).  A broken
# mirror is one failure line, not a hang: tools/pg-build bounds every step,
# and every step here has a time limit too.
set -u
cd "$(dirname "$0")/.."
log=${CKS_TEST_LOG:?}
. tests/lib/counts.sh
. tests/lib/cluster.sh
. tools/chroot.sh

# Creating the tree, installing into it and testing all happen under one
# lock, so two checkouts tested at once each test their own build.
exec 8>/tmp/cks-pg17.lock
if ! flock -w 3600 8; then
  not_ok "waiting for /tmp/cks-pg17.lock"
  finish
fi

if ! root=$(bash tools/pg-build 17 2>"$log/pg17-tree"); then
  tail -n 20 "$log/pg17-tree"
  not_ok "the Debian 13 tree with PostgreSQL 17 (tools/pg-build 17; log $log/pg17-tree)"
  finish
fi
root=$(echo "$root" | tail -n 1)
bindir=/usr/lib/postgresql/17/bin
pg_config=$bindir/pg_config
version=$(chroot_run "$root" 60 "$pg_config" --version 2>&1)
case "$version" in
  "PostgreSQL 17."*) ok "Debian 13's $version in $root ($(head -n 1 "$root/.complete"))" ;;
  *) not_ok "PostgreSQL 17 in $root (pg_config --version: $version)"; finish ;;
esac

# $work is a host /tmp directory, seen at the same path inside the tree.
work=$(mktemp -d /tmp/cks-pg17.XXXXXX)
chmod 755 "$work"
src=$work/src
data=$work/data
sock=$work/sock
# the cluster's commands run inside the tree, as its postgres user
as_postgres() { chroot_run "$root" 300 runuser -u postgres -- "$@"; }
give_to_postgres() { chroot_run "$root" 60 chown postgres: "$@"; }
cleanup() {
  stop_scratch_cluster "$bindir" "$data"
  chroot_umount "$root" || echo "pg17: something is still mounted under $root" >&2
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
if ! chroot_mount "$root" tmp; then
  not_ok "mount /proc, /dev/shm and /tmp in $root"
  finish
fi

copy_checkout "$src"
# the unit runner's SigV4 vectors ($CKS_SHARED_TESTDATA or
# ../shared/testdata), copied in: the tree cannot see the checkout's parent
testdata=${CKS_SHARED_TESTDATA:-../shared/testdata}
if [ -d "$testdata" ]; then
  cp -r "$testdata" "$work/testdata"
  export CKS_SHARED_TESTDATA=$work/testdata
fi

# in_copy SECONDS COMMAND: a shell command in the copy, inside the tree
in_copy() { chroot_run "$root" "$1" bash -c "cd '$src' && $2"; }
build_unit_install pg17 "$pg_config" "Debian 13's PostgreSQL 17" || finish

port=55417
start_scratch_cluster pg17 "$bindir" "$data" "$sock" $port || finish
# The suites that need pg_cron are left out (Debian 13 has
# postgresql-17-cron, but this cluster is not the packaged one).
suites=$(suites_without_pg_cron)

sublog=$work/log
mkdir -p "$sublog"
PGHOST=$sock PGPORT=$port PGUSER=postgres PGDATABASE=postgres \
  PG_CONFIG=$pg_config CKS_TEST_LOG=$sublog CKS_SERVER_LOG=$sock/server.log \
  CKS_SUITES=${suites:-none} \
  chroot_run "$root" 5400 bash -c "cd '$src' && bash tests/in-cluster.sh"

collect_cluster_results pg17 "$sublog" "$src" "$suites"
finish
