--
-- key_store_metrics (CloudWatch GetMetricData, AWS JSON 1.0): every column
-- against botocore's own CloudWatch client, the push-down (stores, metrics,
-- statistic, period, timestamp bounds), the external key stores found
-- first when no store is named, request counts, EXPLAIN, bad options.
--
\getenv endpoint CKS_ENDPOINT_URL
\! /usr/bin/python3 tests/endpoint/ctl.py reset
CREATE SERVER mx FOREIGN DATA WRAPPER cks_fdw
  OPTIONS (region 'us-east-1', endpoint :'endpoint', cloudwatch_endpoint :'endpoint');
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
