# The scratch cluster of tests/pg17.sh and tests/pg18.sh (a major other
# than the machine's own 15): initdb as postgres, the cluster environment
# file, a private Unix socket only (no TCP), started and stopped with that
# major's own pg_ctl.  Sourced after tests/lib/counts.sh.
#
# The caller says how to act as postgres, since 17's cluster lives inside
# the Debian 13 tree (its own postgres user) and 18's on the host:
#   as_postgres COMMAND...       run COMMAND as the postgres user
#   give_to_postgres PATH...     chown PATH to that postgres user

# start_scratch_cluster TAG BINDIR DATA SOCK PORT: logs go to
# $CKS_TEST_LOG/TAG-initdb and TAG-start, the server's to SOCK/server.log.
# On failure: the evidence, one "not ok" and status 1.
start_scratch_cluster() {
  local tag=$1 bindir=$2 data=$3 sock=$4 port=$5 top=${CKS_TEST_LOG:?}
  mkdir -p "$data" "$sock"
  give_to_postgres "$data" "$sock"
  chmod 700 "$data"
  if ! as_postgres "$bindir/initdb" -D "$data" -U postgres -A trust \
       --locale=C.UTF-8 --encoding=UTF8 >"$top/$tag-initdb" 2>&1; then
    cat "$top/$tag-initdb"
    not_ok "initdb ($tag)"
    return 1
  fi
  # The postmaster inherits the environment tools/endpoint.sh exported (the
  # AWS SDK variables aimed at the local endpoint); sql/keyless.sql checks
  # for the cluster environment file that says so before any keyless query.
  if [ -n "${CKS_POSTMASTER_ENVIRONMENT:-}" ]; then
    cp "$CKS_POSTMASTER_ENVIRONMENT" "$data/environment"
    give_to_postgres "$data/environment"
  fi
  if ! as_postgres "$bindir/pg_ctl" start -D "$data" -w -t 120 \
       -l "$sock/server.log" \
       -o "-c listen_addresses='' -c unix_socket_directories='$sock' -p $port" \
       >"$top/$tag-start" 2>&1; then
    cat "$top/$tag-start" "$sock/server.log" 2>/dev/null | tail -n 20
    not_ok "start the $tag cluster"
    return 1
  fi
}

# stop_scratch_cluster BINDIR DATA: immediate stop, if it runs.
stop_scratch_cluster() {
  [ -f "$2/postmaster.pid" ] || return 0
  as_postgres "$1/pg_ctl" stop -D "$2" -m immediate -w -t 60 >/dev/null 2>&1 || true
}

# suites_without_pg_cron: the suite names tests/in-cluster.sh would run,
# less those that need pg_cron (there is none for these clusters).
suites_without_pg_cron() {
  local name suites=""
  for name in $(bash tests/in-cluster.sh --list-suites); do
    grep -q pg_cron "tests/suites/$name.sh" || suites="$suites $name"
  done
  echo "${suites# }"
}
