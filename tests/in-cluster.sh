#!/usr/bin/env bash
# Runs inside pg_virtualenv (PGHOST, PGPORT, PGUSER... set for a throwaway
# cluster) with the local endpoint running (CKS_ENDPOINT_URL): first the
# pg_regress suite, then each tests/suites/*.sh.
#
# A suite is a script (every *.sh there; their shared helpers are in
# tests/lib/suite.sh) run from the repository root that may use psql, the
# endpoint (tests/endpoint/ctl.py) and the cluster's server log
# ($CKS_SERVER_LOG), and must end its output with "N passed, N failed".
# Outputs go to $CKS_TEST_LOG/regress and $CKS_TEST_LOG/suite-NAME.
#
# CKS_REGRESS="a b" runs only those pg_regress files ("none": no
# pg_regress); CKS_SUITES="x y" only those suites ("none": no suite).
# With --list-suites it prints the names of the suites it would run.
set -u

suites_to_run() {
  local suite name
  for suite in tests/suites/*.sh; do
    name=$(basename "$suite" .sh)
    [ -e "$suite" ] || continue
    if [ -n "${CKS_SUITES:-}" ] && [[ " $CKS_SUITES " != *" $name "* ]]; then
      continue
    fi
    echo "$name"
  done
}
if [ "${1:-}" = --list-suites ]; then
  suites_to_run
  exit 0
fi

log=${CKS_TEST_LOG:?}
# pg_virtualenv's server log, unless the caller runs its own cluster
# (tests/pg18.sh) and says where the log is.
export CKS_SERVER_LOG
CKS_SERVER_LOG=${CKS_SERVER_LOG:-$(ls -t /var/log/postgresql/postgresql-*-regress.log 2>/dev/null | head -n 1)}

if [ "${CKS_REGRESS:-}" != none ]; then
  if [ -n "${CKS_REGRESS:-}" ]; then
    make -s installcheck REGRESS="$CKS_REGRESS" >"$log/regress" 2>&1
  else
    make -s installcheck >"$log/regress" 2>&1
  fi
  grep -E '(\.\.\. |^ok |^not ok )' "$log/regress" || cat "$log/regress"
  [ -f regression.diffs ] && cat regression.diffs
fi

for name in $(suites_to_run); do
  suite=tests/suites/$name.sh
  echo "== suite $name"
  timeout 900 bash "$suite" >"$log/suite-$name" 2>&1
  grep -E '^(not ok|FAIL)|passed, ' "$log/suite-$name" || tail -n 20 "$log/suite-$name"
done
exit 0
