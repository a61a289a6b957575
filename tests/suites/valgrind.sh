#!/usr/bin/env bash
# Suite: the pg_regress suite once more, with the server under valgrind
# (memcheck), in a scratch cluster of its own; fails on any memcheck error
# whose stack passes through cks_fdw.
#
# Why valgrind and not AddressSanitizer: the Debian postgres is not built
# with ASan, so libasan would have to be LD_PRELOADed into the postmaster.
# On this system that hangs postgres before main(): libgpg-error's library
# constructor (pulled in through libgcrypt) calls bindtextdomain() before
# the ASan runtime is initialised, the re-entry corrupts glibc's
# _nl_state_lock, and postgres' own bindtextdomain() in
# set_pglocale_pgservice() then waits on it forever (seen with gcc's
# libasan and clang's runtime alike; "postgres -V" is enough).  valgrind
# needs nothing of the sort: it runs the installed, normal cks_fdw.so, and
# follows the forked backends by itself.
#
# Only errors with a cks_fdw frame count: postgres itself is not built with
# valgrind annotations here, so the core reports harmless things (padding
# bytes written to WAL or sockets), and leak checking is off because
# backend memory lives in memory contexts that are freed wholesale.
#
# Steps: copy the source tree's tests to a temp dir (results stay there);
# initdb a scratch cluster (same locale, encoding and timezone as the
# cluster we run in) listening only on a Unix socket in the temp dir; start
# it under valgrind; "make installcheck" against it; stop it; read
# valgrind's logs.  Everything is stopped and removed on exit.
#
# Runs from the repository root inside the normal test environment (the
# extension installed, CKS_ENDPOINT_URL set, local endpoint up).
# Ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
. tests/lib/counts.sh

bindir=$(pg_config --bindir)
pkglibdir=$(pg_config --pkglibdir)
if ! command -v valgrind >/dev/null; then
  not_ok "valgrind is not installed"
  finish
fi

work=$(mktemp -d /tmp/cks-valgrind.XXXXXX)
chmod 755 "$work"
data=$work/data
run=$work/run		# written by the server (owned by postgres)
vglogs=$work/run/valgrind

# Stop the scratch server if it is running, and remove everything.
cleanup() {
  if [ -f "$data/postmaster.pid" ]; then
    runuser -u postgres -- "$bindir/pg_ctl" stop -D "$data" -m immediate \
      -w -t 60 >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# 1. A copy of the tree to run pg_regress from (sql/, expected/, tests/)
mkdir -p "$work/src"
tar --exclude=./.git --exclude='*.o' --exclude='*.so' --exclude='*.bc' \
  --exclude=./results --exclude=./fuzz --exclude=./tmp_check \
  --exclude=./log -cf - . | tar -C "$work/src" -xf -

# 2. Scratch cluster, like the one we run in, on a private Unix socket
locale=C.UTF-8
encoding=UTF8
timezone=UTC
if settings=$(psql -X -At -F ' ' -c "SELECT datcollate, pg_encoding_to_char(encoding), current_setting('TimeZone') FROM pg_database WHERE datname = current_database()" 2>/dev/null) &&
   [ -n "$settings" ]; then
  read -r locale encoding timezone <<<"$settings"
fi
mkdir -p "$data" "$vglogs"
chown -R postgres: "$data" "$run"
chmod 700 "$data"
if ! runuser -u postgres -- "$bindir/initdb" -D "$data" -U postgres -A trust \
     --locale="$locale" --encoding="$encoding" --no-sync >"$work/initdb.log" 2>&1; then
  cat "$work/initdb.log"
  not_ok "initdb of the scratch cluster"
  finish
fi
cat >>"$data/postgresql.conf" <<EOF
listen_addresses = ''
unix_socket_directories = '$run'
port = 5432
timezone = '$timezone'
fsync = off
max_connections = 20
max_worker_processes = 2
max_parallel_workers_per_gather = 0
EOF

# pg_ctl starts "the postgres executable" we name: a wrapper that runs the
# real one under valgrind, one log file per process.
cat >"$work/postgres-under-valgrind" <<EOF
#!/bin/sh
exec valgrind --tool=memcheck --leak-check=no --track-origins=no \\
  --error-limit=no --num-callers=40 --trace-children=no --fullpath-after=src/ \\
  --log-file=$vglogs/%p.log "$bindir/postgres" "\$@"
EOF
chmod 755 "$work/postgres-under-valgrind"

# metadata answers (credential_source, sql/keyless.sql) take longer to
# read under valgrind than the 1-second default allows; pg_ctl passes the
# environment tools/endpoint.sh exported, and sql/keyless.sql checks for
# the cluster environment file that says so
export AWS_METADATA_SERVICE_TIMEOUT=10
if [ -n "${CKS_POSTMASTER_ENVIRONMENT:-}" ]; then
  sed "s/^AWS_METADATA_SERVICE_TIMEOUT = .*/AWS_METADATA_SERVICE_TIMEOUT = '10'/" \
    "$CKS_POSTMASTER_ENVIRONMENT" >"$data/environment"
fi

echo "== starting the scratch server under valgrind"
if runuser -u postgres -- "$bindir/pg_ctl" start -D "$data" \
     -p "$work/postgres-under-valgrind" -l "$run/server.log" -w -t 180 \
     >"$work/pg_ctl.log" 2>&1; then
  :
else
  cat "$work/pg_ctl.log" "$run/server.log"
  not_ok "start of the scratch server under valgrind"
  finish
fi

export PGHOST=$run PGPORT=5432 PGUSER=postgres PGDATABASE=postgres
unset PGPASSWORD PGSERVICE PGSYSCONFDIR

# The backends must really run under valgrind and load cks_fdw there.
maps=$(psql -X -At -c "LOAD 'cks_fdw'" \
  -c "SELECT pg_read_file('/proc/self/maps')" 2>&1)
if grep -qF "$pkglibdir/cks_fdw.so" <<<"$maps" &&
   grep -q 'vgpreload_memcheck' <<<"$maps"; then
  ok "scratch server runs under valgrind and loads cks_fdw.so"
else
  echo "$maps" | grep -E 'cks_fdw|vgpreload|ERROR' | head
  not_ok "scratch server is not running cks_fdw under valgrind"
  finish
fi

# 3. The regression suite, from the copied tree
echo "== pg_regress under valgrind"
start=$(date +%s)
# CKS_VALGRIND_REGRESS="a b": only those pg_regress files (development)
make -s -C "$work/src" installcheck ${CKS_VALGRIND_REGRESS:+REGRESS="$CKS_VALGRIND_REGRESS"} \
  >"$work/regress.log" 2>&1
grep -E '(\.\.\. |^ok |^not ok )' "$work/regress.log"
tests_ok=$(grep -cE '(\.\.\. ok|^ok [0-9])' "$work/regress.log")
tests_failed=$(grep -cE '(\.\.\. FAILED|^not ok [0-9]|\.\.\. failed)' "$work/regress.log")
echo "pg_regress took $(($(date +%s) - start))s under valgrind"
if [ "$tests_ok" -gt 0 ] && [ "$tests_failed" -eq 0 ]; then
  ok "pg_regress suite passes under valgrind ($tests_ok tests)"
else
  diffs=$(find "$work/src" -name regression.diffs | head -n 1)
  if [ -n "$diffs" ]; then
    head -n 100 "$diffs"
    mkdir -p "${CKS_TEST_LOG:-/tmp}" &&
      cp "$diffs" "${CKS_TEST_LOG:-/tmp}/valgrind-regression.diffs"
  fi
  [ "$tests_ok" -eq 0 ] && tail -n 20 "$work/regress.log"
  not_ok "pg_regress suite under valgrind: $tests_failed of $((tests_ok + tests_failed)) failed"
fi

# 4. Stop, then read the logs: memcheck errors with a cks_fdw frame
runuser -u postgres -- "$bindir/pg_ctl" stop -D "$data" -m fast -w -t 120 \
  >/dev/null 2>&1
# A record runs from a top-level line "==PID== Message" to the next line
# that is just "==PID== "; print every record with a frame in cks_fdw.so
# (by library, or by one of our source files when there is debug info).
# Frames name files from after "src/" (--fullpath-after): ours as
# "(net/http.c:12)" or "(analyze.c:34)", the core's as
# "(backend/commands/analyze.c:56)", so a core file that shares a name with
# one of ours (analyze.c, scan.c, xml.c) is not taken for it; cks_fdw.c,
# outside src/, keeps its whole path.
ours_re='cks_fdw\.so|[(/]cks_fdw\.c:[0-9]+\)|\((('"$(cd src && ls -d */ | tr -d / | paste -sd '|')"')/)?('"$(cd src && ls *.c */*.c | sed 's|.*/||; s/\.c$//' | paste -sd '|')"')\.c:[0-9]+\)'
ours=$(OURS_RE=$ours_re awk '
  /^==[0-9]+== $/ { if (rec ~ ENVIRON["OURS_RE"]) print rec "\n"; rec = ""; next }
  /^==[0-9]+== [^ ]/ { rec = $0; next }
  rec != "" { rec = rec "\n" $0 }
  END { if (rec ~ ENVIRON["OURS_RE"]) print rec }
' "$vglogs"/*.log)
processes=$(ls "$vglogs" | wc -l)
all_errors=$(grep -h 'ERROR SUMMARY' "$vglogs"/*.log | awk '{ n += $4 } END { print n + 0 }')
echo "valgrind: $processes processes, $all_errors memcheck errors in all (postgres core included)"
if [ -z "$ours" ] && [ "$processes" -gt 0 ] &&
   ! grep -q 'was terminated by signal' "$run/server.log"; then
  ok "no memcheck error in cks_fdw, no backend crash"
else
  echo "$ours" | head -n 120
  grep -E -B 2 -A 5 'was terminated by signal' "$run/server.log" | head -n 30
  keep=${CKS_TEST_LOG:-/tmp}/valgrind-logs
  mkdir -p "$keep" && cp "$vglogs"/*.log "$keep/" &&
    echo "valgrind logs kept in $keep"
  not_ok "memcheck errors in cks_fdw or a backend crash"
fi

finish
