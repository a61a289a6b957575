#!/usr/bin/env bash
# PostgreSQL 17 (tests/run-all, CKS_ONLY word "pg17"): cks_fdw compiled and
# linked with -Werror against Debian 13's postgresql-server-dev-17 headers
# (tools/pg-build 17 unpacks them; cached in /var/cache/cks-fdw/pg17).
# Nothing runs: that package's binaries need a newer C library than
# Debian 12's, so the build uses 15's pg_config and PGXS with the include
# directory pointed at 17's headers, from a copy of the tree.
# Ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
log=${CKS_TEST_LOG:?}

if ! root=$(bash tools/pg-build 17 2>"$log/pg17-fetch"); then
  tail -n 20 "$log/pg17-fetch"
  echo "not ok - PostgreSQL 17 headers (tools/pg-build 17; log $log/pg17-fetch)"
  echo "0 passed, 1 failed"
  exit 1
fi
server=$(echo "$root" | tail -n 1)/usr/include/postgresql/17/server
version=$(sed -n 's/^#define PG_VERSION_NUM \([0-9]*\)$/\1/p' "$server/pg_config.h")

work=$(mktemp -d /tmp/cks-pg17.XXXXXX)
trap 'rm -rf "$work"' EXIT
tar --exclude=./.git --exclude='*.o' --exclude='*.so' --exclude='*.bc' \
  --exclude=./results --exclude=./fuzz/build --exclude=./tests/unit/run_unit \
  --exclude=./debian -cf - . | tar -C "$work" -xf -

# with_llvm=no: no bitcode, which would be compiled by 15's clang setup
if make -C "$work" -s WERROR=1 with_llvm=no \
     includedir_server="$server" includedir_internal="$server" \
     >"$log/pg17-make" 2>&1 && [ -f "$work/cks_fdw.so" ] &&
   [ "$version" -ge 170000 ] && [ "$version" -lt 180000 ]; then
  echo "ok - cks_fdw compiles with -Werror against PostgreSQL 17 headers (PG_VERSION_NUM $version)"
  echo "1 passed, 0 failed"
else
  cat "$log/pg17-make"
  echo "not ok - cks_fdw compiles with -Werror against PostgreSQL 17 headers (PG_VERSION_NUM ${version:-unknown})"
  echo "0 passed, 1 failed"
  exit 1
fi
