#!/usr/bin/env bash
# One-command demo of cks_fdw on Debian 12 + PostgreSQL 15 (run as root or
# a sudoer): installs what is missing, builds and installs the extension,
# starts the local KMS endpoint (tests/endpoint, loopback only, never AWS)
# and a throwaway PostgreSQL 15 cluster (pg_virtualenv), runs a few example
# queries, then drops the cluster and stops the endpoint.  Exits non-zero if
# any step or any query fails.
set -euo pipefail
cd "$(dirname "$0")"
started=$SECONDS

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"

echo "== dependencies (tools/install-deps)"
tools/install-deps

echo "== build and install cks_fdw"
build_log=$(mktemp /tmp/cks-demo-build.XXXXXX)
trap 'rm -f "$build_log"' EXIT
if ! { make -s && $sudo make -s install; } >"$build_log" 2>&1; then
	cat "$build_log"
	rm -f "$build_log"
	echo "demo FAILED: build" >&2
	exit 1
fi
rm -f "$build_log"

echo "== local KMS/STS endpoint on 127.0.0.1"
. tools/endpoint.sh
start_endpoint || { echo "demo FAILED: endpoint did not start" >&2; exit 1; }
trap stop_endpoint EXIT

echo "== throwaway PostgreSQL 15 cluster (pg_virtualenv)"
# -t keeps the cluster in a temporary directory even as root, so the demo
# can run beside tests/run-all (which uses the fixed 15/regress cluster).
# psql inherits CKS_ENDPOINT_URL and runs from this directory, so \! can
# drive the endpoint with tests/endpoint/ctl.py.
if ! pg_virtualenv -t -v 15 -- psql -X -q -v ON_ERROR_STOP=1 -P footer=off <<'SQL'
\getenv endpoint CKS_ENDPOINT_URL
SET TimeZone = 'UTC';

\echo
\echo '### 1. Set-up: one server for two regions, the credentials, the table'
\set ECHO queries
CREATE EXTENSION cks_fdw;
CREATE SERVER kms_demo FOREIGN DATA WRAPPER cks_fdw
  OPTIONS (region 'us-east-1,eu-west-1',
           endpoint :'endpoint', sts_endpoint :'endpoint');
\set ECHO none
\echo 'CREATE USER MAPPING FOR CURRENT_USER SERVER kms_demo'
\echo '  OPTIONS (access_key_id ''AKIDCKSTEST111111111'', secret_access_key ''...'');   -- the local endpoint''s test key'
CREATE USER MAPPING FOR CURRENT_USER SERVER kms_demo
  OPTIONS (access_key_id 'AKIDCKSTEST111111111',
           secret_access_key 'cks/test/secret/111111111111/AAAAAAAAAAAA');
\set ECHO queries
IMPORT FOREIGN SCHEMA kms FROM SERVER kms_demo INTO public;
\set ECHO none
-- the demo's own check: a multi-region server returns both regions' rows
DO $$
BEGIN
  IF (SELECT count(DISTINCT region) FROM custom_key_stores) <> 2 THEN
    RAISE EXCEPTION 'expected rows from us-east-1 and eu-west-1';
  END IF;
END
$$;

\echo
\echo '### 2. Which key stores are disconnected or failing, where, and since when?'
\set ECHO queries
SELECT custom_key_store_name AS name, custom_key_store_type AS type,
       connection_state AS state, connection_error_code AS error,
       region, account_id, creation_date
  FROM custom_key_stores
 WHERE connection_state <> 'CONNECTED'
 ORDER BY region, creation_date;
\set ECHO none

\echo
\echo '### 3. A lookup by id becomes the API parameter CustomKeyStoreId: one request, not a scan'
\set ECHO queries
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT custom_key_store_name, connection_state
  FROM custom_key_stores
 WHERE custom_key_store_id = 'cks-e55034befe6d3bee7' AND region = 'us-east-1';
\set ECHO none

\echo
\echo '### 4. Who owns them? Join with a local inventory table'
CREATE TEMP TABLE owners (custom_key_store_id text PRIMARY KEY, team text, contact text);
INSERT INTO owners VALUES
  ('cks-e55034befe6d3bee7', 'payments',      'payments-oncall@example.com'),
  ('cks-3a0a0c9f98a67b144', 'payments',      'payments-oncall@example.com'),
  ('cks-8a10fe0614f4e8129', 'payments',      'payments-oncall@example.com'),
  ('cks-5ff2150d32255556e', 'identity',      'iam-team@example.com'),
  ('cks-1352db6aadff0b547', 'data-platform', 'dp-oncall@example.com'),
  ('cks-905fa61641d203444', 'eu-analytics',  'eu-analytics@example.com');
\set ECHO queries
SELECT coalesce(o.team, '(no owner on record)') AS team, o.contact,
       k.custom_key_store_name AS name, k.connection_state AS state,
       k.connection_error_code AS error, k.region
  FROM custom_key_stores k
  LEFT JOIN owners o USING (custom_key_store_id)
 WHERE k.connection_state <> 'CONNECTED'
 ORDER BY o.team NULLS LAST, k.custom_key_store_name;
\set ECHO none

\echo
\echo '### 5. 2,500 key stores in eu-west-1: streamed page by page (Limit/Marker)'
\! /usr/bin/python3 tests/endpoint/ctl.py stores 111111111111 eu-west-1 2500
\set ECHO queries
SELECT region, count(*) AS key_stores,
       count(*) FILTER (WHERE connection_state <> 'CONNECTED') AS not_connected
  FROM custom_key_stores
 GROUP BY region ORDER BY region;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT count(*) FROM custom_key_stores WHERE region = 'eu-west-1';
\set ECHO none
DO $$
BEGIN
  IF (SELECT count(*) FROM custom_key_stores WHERE region = 'eu-west-1') <> 2500 THEN
    RAISE EXCEPTION 'expected 2500 key stores in eu-west-1';
  END IF;
END
$$;
\echo
SQL
then
	echo "demo FAILED (endpoint log: $(dirname "$CKS_ENDPOINT_PORT_FILE")/log)" >&2
	exit 1
fi

stop_endpoint
rm -rf "$(dirname "$CKS_ENDPOINT_PORT_FILE")"
echo "== demo finished in $((SECONDS - started)) s; cluster dropped, endpoint stopped"
