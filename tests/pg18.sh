#!/usr/bin/env bash
# PostgreSQL 18 (tests/run-all, CKS_ONLY word "pg18"): the server built
# from source by tools/pg-build (cached in /var/cache/cks-fdw/pg18), then
#   1. cks_fdw built with -Werror against it, from a copy of the tree (the
#      15 build's objects must never be reused for 18), and the C unit
#      runner linked with 18's libpgcommon,
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
cleanup() {
  if [ -f "$data/postmaster.pid" ]; then
    runuser -u postgres -- "$prefix/bin/pg_ctl" stop -D "$data" -m immediate \
      -w -t 60 >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$src"
tar --exclude=./.git --exclude='*.o' --exclude='*.so' --exclude='*.bc' \
  --exclude=./results --exclude=./fuzz/build --exclude=./tmp_check \
  --exclude=./log --exclude=./tests/unit/run_unit --exclude=./debian \
  -cf - . | tar -C "$src" -xf -

# the unit runner reads the SigV4 vectors from ../shared, as in the tree
[ -d "$PWD/../shared" ] && ln -s "$PWD/../shared" "$work/shared"

if make -C "$src" -s WERROR=1 PG_CONFIG="$pg_config" >"$log/pg18-make" 2>&1; then
  ok "cks_fdw builds with -Werror against PostgreSQL 18"
else
  cat "$log/pg18-make"
  not_ok "cks_fdw builds with -Werror against PostgreSQL 18 (log $log/pg18-make)"
  finish
fi

# the C unit runner, linked with 18's libpgcommon (one count per check)
make -C "$src" -s WERROR=1 PG_CONFIG="$pg_config" unitcheck >"$log/pg18-unit" 2>&1
line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log/pg18-unit" | tail -n 1)
if [ -n "$line" ]; then
  echo "unit tests: $line"
  passed=$((passed + $(echo "$line" | sed -E 's/^([0-9]+) passed.*/\1/')))
  failed=$((failed + $(echo "$line" | sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/')))
else
  tail -n 20 "$log/pg18-unit"
  not_ok "unit tests against PostgreSQL 18 (log $log/pg18-unit)"
fi

if ! make -C "$src" -s install PG_CONFIG="$pg_config" >"$log/pg18-install" 2>&1; then
  cat "$log/pg18-install"
  not_ok "make install into $prefix"
  finish
fi

mkdir -p "$data" "$sock"
chown postgres: "$data" "$sock"
chmod 700 "$data"
if ! runuser -u postgres -- "$prefix/bin/initdb" -D "$data" -U postgres -A trust \
     --locale=C.UTF-8 --encoding=UTF8 >"$log/pg18-initdb" 2>&1; then
  cat "$log/pg18-initdb"
  not_ok "initdb (PostgreSQL 18)"
  finish
fi
# The postmaster inherits the environment tools/endpoint.sh exported (the
# AWS SDK variables aimed at the local endpoint); sql/keyless.sql checks
# for the cluster environment file that says so before any keyless query.
if [ -n "${CKS_POSTMASTER_ENVIRONMENT:-}" ]; then
  cp "$CKS_POSTMASTER_ENVIRONMENT" "$data/environment"
  chown postgres: "$data/environment"
fi
port=55418
# the open-files soft limit of a stock Debian machine (issue 21)
ulimit -Sn "${CKS_TEST_NOFILE:-1024}"
if ! runuser -u postgres -- "$prefix/bin/pg_ctl" start -D "$data" -w -t 120 \
     -l "$sock/server.log" \
     -o "-c listen_addresses='' -c unix_socket_directories='$sock' -p $port" \
     >"$log/pg18-start" 2>&1; then
  cat "$log/pg18-start" "$sock/server.log" 2>/dev/null | tail -n 20
  not_ok "start the PostgreSQL 18 cluster"
  finish
fi

# The suites that need pg_cron are left out.
suites=""
for name in $(bash tests/in-cluster.sh --list-suites); do
  grep -q pg_cron "tests/suites/$name.sh" || suites="$suites $name"
done

sublog=$work/log
mkdir -p "$sublog"
(
  cd "$src"
  export PATH="$prefix/bin:$PATH" PG_CONFIG="$pg_config"
  export PGHOST="$sock" PGPORT=$port PGUSER=postgres PGDATABASE=postgres
  export CKS_TEST_LOG="$sublog" CKS_SERVER_LOG="$sock/server.log"
  export CKS_SUITES="${suites# }"
  [ -n "$CKS_SUITES" ] || export CKS_SUITES=none
  bash tests/in-cluster.sh
)

# pg_regress: one count per test file, as for 15
if [ -f "$sublog/regress" ]; then
  cp "$sublog/regress" "$log/pg18-regress"
  [ -f "$src/regression.diffs" ] && cp "$src/regression.diffs" "$log/pg18-regression.diffs"
  # 18's outputs, to refresh an expected/NAME_1.out from when a test changes
  [ -d "$src/results" ] && cp -r "$src/results" "$log/pg18-results"
  rp=$(grep -cE '(\.\.\. ok|^ok [0-9])' "$sublog/regress")
  rf=$(grep -cE '(\.\.\. FAILED|^not ok [0-9]|\.\.\. failed)' "$sublog/regress")
  if [ "$rp" -eq 0 ] && [ "$rf" -eq 0 ]; then rf=1; fi
  passed=$((passed + rp))
  failed=$((failed + rf))
fi
for name in $suites; do
  cp "$sublog/suite-$name" "$log/pg18-suite-$name" 2>/dev/null
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$sublog/suite-$name" 2>/dev/null | tail -n 1)
  if [ -z "$line" ]; then
    not_ok "suite $name gave no result line"
    continue
  fi
  passed=$((passed + $(echo "$line" | sed -E 's/^([0-9]+) passed.*/\1/')))
  failed=$((failed + $(echo "$line" | sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/')))
done
finish
