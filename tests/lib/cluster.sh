# What tests/pg17.sh and tests/pg18.sh (a major other than the machine's
# own 15) share: a copy of the checkout, built, unit-tested and installed
# against that major, and a scratch cluster (initdb as postgres, the
# cluster environment file, a private Unix socket only, no TCP) started
# and stopped with that major's own pg_ctl.  Sourced after
# tests/lib/counts.sh.
#
# The caller says how to run things, since 17 lives inside the Debian 13
# tree (its own postgres user) and 18 on the host:
#   in_copy SECONDS COMMAND      a shell command in the copy, time-limited
#   as_postgres COMMAND...       run COMMAND as the postgres user
#   give_to_postgres PATH...     chown PATH to that postgres user

# copy_checkout DEST: the checkout without its build products, git data
# and debian/ (the 15 build's objects must never be reused).
copy_checkout() {
  mkdir -p "$1"
  tar --exclude=./.git --exclude='*.o' --exclude='*.so' --exclude='*.bc' \
    --exclude=./results --exclude=./fuzz/build --exclude=./tmp_check \
    --exclude=./log --exclude=./tests/unit/run_unit --exclude=./debian \
    -cf - . | tar -C "$1" -xf -
}

# build_unit_install TAG PG_CONFIG WHAT: in the copy, make -Werror, the C
# unit runner (its "N passed, N failed" added to the counts) and make
# install, logs in $CKS_TEST_LOG/TAG-make, TAG-unit, TAG-install.  WHAT
# names the major in the checks.  Status 1 when the build or the install
# fails (after its "not ok").
build_unit_install() {
  local tag=$1 pg_config=$2 what=$3 top=${CKS_TEST_LOG:?} line
  if in_copy 900 "make -s WERROR=1 PG_CONFIG=$pg_config" >"$top/$tag-make" 2>&1; then
    ok "cks_fdw builds with -Werror against $what"
  else
    cat "$top/$tag-make"
    not_ok "cks_fdw builds with -Werror against $what (log $top/$tag-make)"
    return 1
  fi
  # the C unit runner, linked with this major's libpgcommon
  in_copy 900 "make -s WERROR=1 PG_CONFIG=$pg_config unitcheck" >"$top/$tag-unit" 2>&1
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$top/$tag-unit" | tail -n 1)
  if [ -n "$line" ]; then
    echo "unit tests: $line"
    add_line "$line"
  else
    tail -n 20 "$top/$tag-unit"
    not_ok "unit tests against $what (log $top/$tag-unit)"
  fi
  if ! in_copy 300 "make -s install PG_CONFIG=$pg_config" >"$top/$tag-install" 2>&1; then
    cat "$top/$tag-install"
    not_ok "make install ($what)"
    return 1
  fi
}

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
  # the open-files soft limit of a stock Debian machine (issue 21): the
  # postmaster and its backends inherit it
  if ! (ulimit -Sn "${CKS_TEST_NOFILE:-1024}" &&
        as_postgres "$bindir/pg_ctl" start -D "$data" -w -t 120 \
       -l "$sock/server.log" \
       -o "-c listen_addresses='' -c unix_socket_directories='$sock' -p $port") \
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

# suites_without_pg_cron [PG_CONFIG]: the suite names tests/in-cluster.sh
# would run, less those that need pg_cron (there is none for these
# clusters) and, given the server's pg_config, those that preload
# pg_stat_statements where that server has none (a source build of the
# core without contrib); what is left out is said on stderr.
suites_without_pg_cron() {
  local name suites="" statements=yes
  if [ -n "${1:-}" ] &&
     [ ! -f "$("$1" --sharedir)/extension/pg_stat_statements.control" ]; then
    statements=no
  fi
  for name in $(bash tests/in-cluster.sh --list-suites); do
    if grep -q pg_cron "tests/suites/$name.sh"; then
      continue
    fi
    if [ $statements = no ] &&
       grep -q "shared_preload_libraries = 'pg_stat_statements'" "tests/suites/$name.sh"; then
      echo "left out: tests/suites/$name.sh needs pg_stat_statements, which $1 has not" >&2
      continue
    fi
    suites="$suites $name"
  done
  echo "${suites# }"
}
