#!/usr/bin/env bash
# Runs inside pg_virtualenv (PGHOST, PGPORT, PGUSER... set for a throwaway
# cluster) with the local endpoint running (CKS_ENDPOINT_URL): first the
# pg_regress suite, then each tests/suites/*.sh.
#
# A suite is a script (every *.sh there but lib.sh, their shared helpers)
# run from the repository root that may use psql, the
# endpoint (tests/endpoint/ctl.py) and the cluster's server log
# ($CKS_SERVER_LOG), and must end its output with "N passed, N failed".
# Outputs go to $CKS_TEST_LOG/regress and $CKS_TEST_LOG/suite-NAME.
set -u
log=${CKS_TEST_LOG:?}
export CKS_SERVER_LOG
CKS_SERVER_LOG=$(ls -t /var/log/postgresql/postgresql-*-regress.log 2>/dev/null | head -n 1)

make -s installcheck >"$log/regress" 2>&1
grep -E '(\.\.\. |^ok |^not ok )' "$log/regress" || cat "$log/regress"
[ -f regression.diffs ] && cat regression.diffs

for suite in tests/suites/*.sh; do
  [ -e "$suite" ] && [ "$(basename "$suite")" != lib.sh ] || continue
  name=$(basename "$suite" .sh)
  echo "== suite $name"
  timeout 900 bash "$suite" >"$log/suite-$name" 2>&1
  grep -E '^(not ok|FAIL)|passed, ' "$log/suite-$name" || tail -n 20 "$log/suite-$name"
done
exit 0
