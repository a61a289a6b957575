#!/usr/bin/env bash
# The Debian package (tests/run-all, CKS_ONLY word "package"):
#   1. dpkg-buildpackage -us -uc -b on a copy of the tree (no build products
#      in it) in a temp dir outside the clone: postgresql-15-cks-fdw, plus
#      one package per other major whose server headers are installed;
#   2. under /tmp/pgvenv.lock (the lock tests/run-all holds while it runs
#      "make install" and its cluster): apt-get install of the .deb, then
#      the pg_regress suite in a pg_virtualenv cluster, run from another
#      copy of the tree that has never been built, so the only cks_fdw
#      files PostgreSQL can load are the package's; dpkg --verify before and
#      after proves they are the package's and stayed so; then the package
#      is purged, so the package's files do not linger on the machine (the
#      main step's "make install" installs the tree's build under the same
#      lock before it tests).
# Needs the local endpoint (CKS_ENDPOINT_URL) and CKS_TEST_LOG; ends with
# "N passed, N failed" (the pg_regress files count one each).
set -u
cd "$(dirname "$0")/.."
log=${CKS_TEST_LOG:?}
. tests/lib/counts.sh

work=$(mktemp -d /tmp/cks-package.XXXXXX)
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT
copy_tree() {	# a copy of the working tree without build products
  mkdir -p "$1"
  tar --exclude=./.git --exclude='*.o' --exclude='*.so' --exclude='*.bc' \
    --exclude=./results --exclude=./fuzz/build --exclude=./tmp_check \
    --exclude=./log --exclude=./tests/unit/run_unit --exclude='./build-*' \
    -cf - . | tar -C "$1" -xf -
}

# 1. build.  PG_UPDATECONTROL: debian/control lists the majors of the
# machine that generated it; regenerate it for this machine's majors.
copy_tree "$work/build/cks-fdw"
if (cd "$work/build/cks-fdw" &&
    PG_UPDATECONTROL=yes timeout 1800 dpkg-buildpackage -us -uc -b) \
     >"$log/package-build" 2>&1; then
  ok "dpkg-buildpackage -us -uc -b"
else
  tail -n 30 "$log/package-build"
  not_ok "dpkg-buildpackage -us -uc -b (log $log/package-build)"
  finish
fi
deb=$(ls "$work"/build/postgresql-15-cks-fdw_*.deb 2>/dev/null | head -n 1)
if [ -z "$deb" ]; then
  not_ok "postgresql-15-cks-fdw_*.deb was built"
  finish
fi
ok "built $(basename "$deb") (and: $(cd "$work/build" && ls *.deb | grep -v "^$(basename "$deb")$" | tr '\n' ' '))"
files=$(dpkg-deb -c "$deb" | awk '{print $6}')
for f in ./usr/lib/postgresql/15/lib/cks_fdw.so \
         ./usr/share/postgresql/15/extension/cks_fdw.control \
         ./usr/share/postgresql/15/extension/cks_fdw--1.0.sql \
         ./usr/share/postgresql/15/extension/cks_fdw--1.0--1.1.sql \
         ./usr/share/doc/postgresql-15-cks-fdw/copyright; do
  if grep -qxF "$f" <<<"$files"; then ok "package holds $f"; else not_ok "package holds $f"; fi
done

# The release tarball (make dist = git archive of HEAD) and the PGXN
# metadata agree with the control file on the version.
version=$(sed -n "s/^default_version *= *'\(.*\)'/\1/p" cks_fdw.control)
tarball_complete() {
  local listing f
  listing=$(tar tzf "$work/cks_fdw-$version.tar.gz") || return 1
  for f in LICENSE META.json README.md cks_fdw.control cks_fdw--1.0.sql debian/rules; do
    grep -qxF "cks_fdw-$version/$f" <<<"$listing" || return 1
  done
}
if make -s -C "$work" -f "$PWD/Makefile" dist >"$log/package-dist" 2>&1 &&
   tarball_complete; then
  ok "make dist: cks_fdw-$version.tar.gz with LICENSE, META.json, the SQL scripts, debian/"
else
  not_ok "make dist: cks_fdw-$version.tar.gz (log $log/package-dist)"
fi
meta_version=$(/usr/bin/python3 -c 'import json; m = json.load(open("META.json")); print(m["version"], m["provides"]["cks_fdw"]["version"], m["license"])')
if [ "$meta_version" = "$version.0 $version.0 postgresql" ]; then
  ok "META.json: version $version.0 (semver of the control file's $version), PostgreSQL licence"
else
  not_ok "META.json version/licence: got '$meta_version', control file says $version"
fi
if changelog_version=$(dpkg-parsechangelog -S Version) && [ "$changelog_version" = "$version" ]; then
  ok "debian/changelog is at version $version"
else
  not_ok "debian/changelog version ${changelog_version:-?} is not the control file's $version"
fi

# 2. install and test, under the lock of the other cluster runs
copy_tree "$work/test"
export CKS_TEST_LOG=$work/test-log
mkdir -p "$CKS_TEST_LOG"
exec 9>/tmp/pgvenv.lock
flock -w 3600 9 || { not_ok "waiting for /tmp/pgvenv.lock"; finish; }
if DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -q \
     --no-install-recommends "$deb" >"$log/package-install" 2>&1; then
  ok "apt-get install ./$(basename "$deb")"
else
  tail -n 20 "$log/package-install"
  not_ok "apt-get install ./$(basename "$deb") (log $log/package-install)"
  finish
fi
if out=$(dpkg --verify postgresql-15-cks-fdw 2>&1) && [ -z "$out" ]; then
  ok "installed files match the package (dpkg --verify)"
else
  not_ok "installed files match the package (dpkg --verify): $out"
fi

(cd "$work/test" && CKS_SUITES=none pg_virtualenv -v 15 \
    -c "--environment=$CKS_POSTMASTER_ENVIRONMENT" -- bash tests/in-cluster.sh) \
  >"$log/package-cluster" 2>&1
if [ -f "$CKS_TEST_LOG/regress" ]; then
  cp "$CKS_TEST_LOG/regress" "$log/package-regress"
  [ -f "$work/test/regression.diffs" ] && cp "$work/test/regression.diffs" "$log/package-regression.diffs"
  grep -E '(\.\.\. |^ok |^not ok )' "$CKS_TEST_LOG/regress"
  rp=$(grep -cE '(\.\.\. ok|^ok [0-9])' "$CKS_TEST_LOG/regress")
  rf=$(grep -cE '(\.\.\. FAILED|^not ok [0-9]|\.\.\. failed)' "$CKS_TEST_LOG/regress")
  if [ "$rp" -eq 0 ] && [ "$rf" -eq 0 ]; then rf=1; fi
  passed=$((passed + rp))
  failed=$((failed + rf))
else
  tail -n 20 "$log/package-cluster"
  not_ok "pg_regress against the installed package (log $log/package-cluster)"
fi
if [ -e "$work/test/cks_fdw.so" ] || [ -n "$(find "$work/test/src" -name "*.o" 2>/dev/null)" ]; then
  not_ok "the test copy was never built (it holds build products)"
else
  ok "the test copy was never built: only the package's cks_fdw was loaded"
fi
if out=$(dpkg --verify postgresql-15-cks-fdw 2>&1) && [ -z "$out" ]; then
  ok "installed files still match the package after the tests"
else
  not_ok "installed files still match the package after the tests: $out"
fi

if DEBIAN_FRONTEND=noninteractive timeout 600 apt-get purge -y -q postgresql-15-cks-fdw \
     >"$log/package-purge" 2>&1 &&
   [ ! -e /usr/lib/postgresql/15/lib/cks_fdw.so ]; then
  ok "apt-get purge postgresql-15-cks-fdw removes its files"
else
  tail -n 20 "$log/package-purge"
  not_ok "apt-get purge postgresql-15-cks-fdw removes its files"
fi
finish
