--
-- key_store_metrics (CloudWatch GetMetricData, AWS JSON 1.0): every column
-- against botocore's own CloudWatch client, the push-down (stores, metrics,
-- statistic, period, timestamp bounds), the external key stores found
-- first when no store is named, request counts, EXPLAIN, bad options.
--
\getenv endpoint CKS_ENDPOINT_URL
\! /usr/bin/python3 tests/endpoint/ctl.py reset
CREATE SERVER mx FOREIGN DATA WRAPPER cks_fdw
  OPTIONS (region 'us-east-1', endpoint :'endpoint', sts_endpoint :'endpoint',
           cloudwatch_endpoint :'endpoint');
CREATE USER MAPPING FOR CURRENT_USER SERVER mx
  OPTIONS (access_key_id 'AKIDCKSTEST111111111',
           secret_access_key 'cks/test/secret/111111111111/AAAAAAAAAAAA');
CREATE SCHEMA mx;
IMPORT FOREIGN SCHEMA cloudwatch FROM SERVER mx INTO mx;
IMPORT FOREIGN SCHEMA kms LIMIT TO (custom_key_stores) FROM SERVER mx INTO mx;
SET search_path = mx, public;
\d key_store_metrics

-- the window both sides read: the last three whole hours
SELECT (floor(extract(epoch FROM now()) / 3600) * 3600)::bigint AS win_end \gset
SELECT :win_end - 10800 AS win_start \gset
CREATE TEMP VIEW win AS
  SELECT to_timestamp(:win_start) AS lo, to_timestamp(:win_end) AS hi;

-- every external key store's metrics, no store named: the stores are
-- listed first (one DescribeCustomKeyStores), then GetMetricData
\! /usr/bin/python3 tests/endpoint/ctl.py reset
CREATE TEMP TABLE got AS
  SELECT m.* FROM key_store_metrics m, win
   WHERE m."timestamp" >= win.lo AND m."timestamp" < win.hi;
\! /usr/bin/python3 tests/endpoint/ctl.py requests --fields operation
SELECT metric_name, external_key_manager_state, statistic, period_seconds,
       count(*) AS points, count(DISTINCT custom_key_store_id) AS stores,
       min(value), max(value)
  FROM got GROUP BY 1, 2, 3, 4 ORDER BY 1, 2;

-- every column equals botocore's reading of the same endpoint (one query
-- per request there, JSON 1.0 through botocore's own client)
CREATE TEMP TABLE boto_raw (b64 text);
\setenv CKS_METRICS_START :win_start
\setenv CKS_METRICS_END :win_end
\copy boto_raw FROM PROGRAM '/usr/bin/python3 tests/lib/botocore_metrics.py us-east-1 AKIDCKSTEST111111111 cks/test/secret/111111111111/AAAAAAAAAAAA'
CREATE TEMP TABLE boto AS
  SELECT convert_from(decode(b64, 'base64'), 'UTF8')::jsonb AS e FROM boto_raw;
SELECT count(*) AS botocore_points, (SELECT count(*) FROM got) AS cks_points FROM boto;
SELECT coalesce(g.custom_key_store_id, b.e->>'KeyStoreId') AS mismatch
  FROM got g FULL JOIN boto b
    ON b.e->>'KeyStoreId' = g.custom_key_store_id
   AND b.e->>'MetricName' = g.metric_name
   AND (b.e->>'State') IS NOT DISTINCT FROM g.external_key_manager_state
   AND (b.e->>'Timestamp')::timestamptz = g."timestamp"
 WHERE g.custom_key_store_id IS NULL OR b.e IS NULL
    OR g.statistic IS DISTINCT FROM b.e->>'Stat'
    OR g.period_seconds IS DISTINCT FROM (b.e->>'Period')::int
    OR g.value IS DISTINCT FROM (b.e->>'Value')::float8
    OR g.region <> 'us-east-1' OR g.account_id <> '111111111111';
-- the cases the health view looks for, and a store that published nothing
SELECT s.custom_key_store_name, s.connection_state, g.metric_name,
       g.external_key_manager_state, min(g.value), max(g.value), count(*)
  FROM got g JOIN custom_key_stores s USING (custom_key_store_id)
 WHERE s.custom_key_store_name IN ('xks-public', 'xks-failed-credentials', 'Ünïcode ключ 🔑')
   AND (g.metric_name IN ('XksProxyCertificateDaysToExpire', 'XksProxyCredentialAge')
        OR g.value > 0 AND g.metric_name = 'XksExternalKeyManagerStates')
 GROUP BY 1, 2, 3, 4 ORDER BY 1, 3, 4;
SELECT custom_key_store_name, connection_state,
       (SELECT count(*) FROM got g WHERE g.custom_key_store_id = s.custom_key_store_id) AS rows
  FROM custom_key_stores s
 WHERE custom_key_store_type = 'EXTERNAL_KEY_STORE'
   AND connection_state IN ('DISCONNECTING', 'DISCONNECTED')
 ORDER BY 1;

-- one store's metric: one GetMetricData with one query, no listing
SELECT custom_key_store_id AS one_store FROM custom_key_stores
 WHERE custom_key_store_name = 'xks-public' \gset
\! /usr/bin/python3 tests/endpoint/ctl.py reset
SELECT count(*), min(value), max(value), min(statistic), min(period_seconds)
  FROM key_store_metrics
 WHERE custom_key_store_id = :'one_store'
   AND metric_name = 'XksProxyCertificateDaysToExpire';
\! /usr/bin/python3 tests/endpoint/ctl.py requests --fields operation
-- the body is one botocore's model of GetMetricData accepts
\! /usr/bin/python3 tests/endpoint/ctl.py requests --fields params --operation GetMetricData | /usr/bin/python3 tests/lib/check_request_shape.py cloudwatch GetMetricData
-- statistic, period and bounds are sent: 1 hour of 60 s Maximum points
\! /usr/bin/python3 tests/endpoint/ctl.py reset
SELECT count(*), min(statistic), min(period_seconds), min(value), max(value),
       min("timestamp") >= (SELECT hi FROM win) - interval '1 hour' AS in_window
  FROM key_store_metrics, win
 WHERE custom_key_store_id = :'one_store' AND metric_name = 'XksProxyLatency'
   AND statistic = 'SampleCount' AND period_seconds = 60
   AND "timestamp" >= win.hi - interval '1 hour' AND "timestamp" < win.hi;
\! /usr/bin/python3 tests/endpoint/ctl.py count --operation GetMetricData
-- IN lists: every (store, metric, statistic) in one request
SELECT metric_name, statistic, count(*) FROM key_store_metrics
 WHERE custom_key_store_id IN (:'one_store', 'cks-0000000000000000')
   AND metric_name IN ('XksProxyErrors', 'XksProxyCredentialAge')
   AND statistic IN ('Minimum', 'Maximum')
 GROUP BY 1, 2 ORDER BY 1, 2;
-- a metric or statistic CloudWatch does not publish matches nothing
SELECT count(*) FROM key_store_metrics
 WHERE custom_key_store_id = :'one_store' AND metric_name = 'NoSuchMetric';
SELECT count(*) FROM key_store_metrics
 WHERE custom_key_store_id = :'one_store' AND statistic = 'p99';
-- an empty window sends nothing
\! /usr/bin/python3 tests/endpoint/ctl.py reset
SELECT count(*) FROM key_store_metrics
 WHERE custom_key_store_id = :'one_store' AND "timestamp" > now() + interval '1 day';
SELECT count(*) FROM key_store_metrics
 WHERE custom_key_store_id = :'one_store' AND "timestamp" < NULL::timestamptz;
\! /usr/bin/python3 tests/endpoint/ctl.py count

-- 500 queries a request at most: 991 external key stores of 2,000 (ctl.py
-- reset drops them: they are made again after each)
\! /usr/bin/python3 tests/endpoint/ctl.py stores 111111111111 eu-north-1 2000 --prefix m
CREATE SERVER mx_north FOREIGN DATA WRAPPER cks_fdw
  OPTIONS (region 'eu-north-1', endpoint :'endpoint', cloudwatch_endpoint :'endpoint');
CREATE USER MAPPING FOR CURRENT_USER SERVER mx_north
  OPTIONS (access_key_id 'AKIDCKSTEST111111111',
           secret_access_key 'cks/test/secret/111111111111/AAAAAAAAAAAA');
CREATE FOREIGN TABLE north_metrics (custom_key_store_id text, metric_name text, value float8)
  SERVER mx_north OPTIONS ("table" 'key_store_metrics');
CREATE FOREIGN TABLE north_stores (custom_key_store_id text, custom_key_store_type text)
  SERVER mx_north OPTIONS ("table" 'custom_key_stores');
CREATE TEMP TABLE north_xks AS
  SELECT custom_key_store_id FROM north_stores
   WHERE custom_key_store_type = 'EXTERNAL_KEY_STORE' ORDER BY 1;
SELECT count(*) AS external_stores FROM north_xks;
-- one metric of every store, no store named: the listing's 2 pages, then
-- one GetMetricData per page (each under 500 stores)
\! /usr/bin/python3 tests/endpoint/ctl.py reset
\! /usr/bin/python3 tests/endpoint/ctl.py stores 111111111111 eu-north-1 2000 --prefix m
SELECT count(DISTINCT custom_key_store_id) AS stores_with_points
  FROM north_metrics WHERE metric_name = 'XksProxyCertificateDaysToExpire';
\! /usr/bin/python3 tests/endpoint/ctl.py requests --fields operation | LC_ALL=C sort
-- named stores: 991 (store, metric) pairs are 2 requests, 1,982 are 4
\! /usr/bin/python3 tests/endpoint/ctl.py reset
\! /usr/bin/python3 tests/endpoint/ctl.py stores 111111111111 eu-north-1 2000 --prefix m
SELECT count(DISTINCT custom_key_store_id) FROM north_metrics
 WHERE custom_key_store_id = ANY (ARRAY(SELECT custom_key_store_id FROM north_xks LIMIT 1000))
   AND metric_name = 'XksProxyErrors';
\! /usr/bin/python3 tests/endpoint/ctl.py count --operation GetMetricData
\! /usr/bin/python3 tests/endpoint/ctl.py reset
\! /usr/bin/python3 tests/endpoint/ctl.py stores 111111111111 eu-north-1 2000 --prefix m
SELECT count(DISTINCT (custom_key_store_id, metric_name)) FROM north_metrics
 WHERE custom_key_store_id = ANY (ARRAY(SELECT custom_key_store_id FROM north_xks LIMIT 1000))
   AND metric_name IN ('XksProxyErrors', 'XksProxyLatency');
\! /usr/bin/python3 tests/endpoint/ctl.py count --operation GetMetricData
\! /usr/bin/python3 tests/endpoint/ctl.py requests --fields params --operation GetMetricData | /usr/bin/python3 tests/lib/check_request_shape.py cloudwatch GetMetricData
-- every metric: 7 queries a store (the states metric once per state), so
-- 71 stores fit in one request and 72 take two
\! /usr/bin/python3 tests/endpoint/ctl.py reset
\! /usr/bin/python3 tests/endpoint/ctl.py stores 111111111111 eu-north-1 2000 --prefix m
SELECT count(*) > 0 FROM north_metrics
 WHERE custom_key_store_id = ANY (ARRAY(SELECT custom_key_store_id FROM north_xks LIMIT 71));
\! /usr/bin/python3 tests/endpoint/ctl.py count --operation GetMetricData
\! /usr/bin/python3 tests/endpoint/ctl.py reset
\! /usr/bin/python3 tests/endpoint/ctl.py stores 111111111111 eu-north-1 2000 --prefix m
SELECT count(*) > 0 FROM north_metrics
 WHERE custom_key_store_id = ANY (ARRAY(SELECT custom_key_store_id FROM north_xks LIMIT 72));
\! /usr/bin/python3 tests/endpoint/ctl.py count --operation GetMetricData

-- ANALYZE samples what a query without quals reads: the stores listed
-- first, then their metrics (no GetMetricData without stores)
\! /usr/bin/python3 tests/endpoint/ctl.py reset
ANALYZE key_store_metrics;
SELECT reltuples FROM pg_class WHERE oid = 'key_store_metrics'::regclass;
\! /usr/bin/python3 tests/endpoint/ctl.py requests --fields operation

-- EXPLAIN shows the queries sent
EXPLAIN (COSTS OFF) SELECT * FROM key_store_metrics;
EXPLAIN (COSTS OFF) SELECT * FROM key_store_metrics
 WHERE metric_name = 'XksProxyCertificateDaysToExpire'
   AND "timestamp" > now() - interval '1 hour';
EXPLAIN (COSTS OFF) SELECT * FROM key_store_metrics
 WHERE custom_key_store_id IN ('cks-1', 'cks-2') AND statistic = 'Maximum'
   AND period_seconds = 60
   AND "timestamp" BETWEEN '2026-01-01 00:00+00' AND '2026-01-02 00:00+00';

-- bad option values
CREATE SERVER mx_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (cloudwatch_endpoint 'ftp://monitoring.example.com');
CREATE SERVER mx_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (cloudwatch_endpoint 'https://monitoring.{regoin}.amazonaws.com');
CREATE SERVER mx_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (cloudwatch_endpoint 'http://monitoring.example.com');
CREATE ROLE regress_cks_metrics;
GRANT USAGE ON FOREIGN DATA WRAPPER cks_fdw TO regress_cks_metrics;
SET ROLE regress_cks_metrics;
CREATE SERVER mx_user FOREIGN DATA WRAPPER cks_fdw
  OPTIONS (cloudwatch_endpoint 'https://monitoring.example.com');
CREATE SERVER mx_user FOREIGN DATA WRAPPER cks_fdw
  OPTIONS (cloudwatch_endpoint 'https://monitoring.{region}.amazonaws.com');
DROP SERVER mx_user;
RESET ROLE;
REVOKE USAGE ON FOREIGN DATA WRAPPER cks_fdw FROM regress_cks_metrics;
DROP ROLE regress_cks_metrics;
-- CloudWatch's own refusal of a period is an error with its code
\set VERBOSITY terse
SELECT count(*) FROM key_store_metrics
 WHERE custom_key_store_id = :'one_store' AND period_seconds = 90;
\set VERBOSITY default
-- a table of another remote schema
IMPORT FOREIGN SCHEMA cloudwatch LIMIT TO (keys) FROM SERVER mx INTO mx;

RESET search_path;
DROP SCHEMA mx CASCADE;
DROP SERVER mx CASCADE;
DROP SERVER mx_north CASCADE;
