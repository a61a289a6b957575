--
-- Faults: retries (standard mode), timeouts, cancel, clock skew, broken
-- pagination, error mapping (SQLSTATE, message, detail, hint) and
-- on_error 'warn', driven by the local endpoint's fault injection.
-- Every case resets the endpoint first and counts the requests it saw.
--
\getenv endpoint CKS_ENDPOINT_URL
\! /usr/bin/python3 tests/endpoint/ctl.py reset
SET cks_fdw.retry_base_delay_ms = 1;

CREATE SERVER kms_fault FOREIGN DATA WRAPPER cks_fdw
  OPTIONS (region 'us-east-1', endpoint :'endpoint', sts_endpoint :'endpoint',
           max_attempts '3');
CREATE USER MAPPING FOR CURRENT_USER SERVER kms_fault
  OPTIONS (access_key_id 'AKIDCKSTEST111111111',
           secret_access_key 'cks/test/secret/111111111111/AAAAAAAAAAAA');
CREATE SCHEMA fault;
IMPORT FOREIGN SCHEMA kms LIMIT TO (custom_key_stores) FROM SERVER kms_fault INTO fault;

-- Runs a query and reports its row count, or its error with the request
-- id masked, and whether the secret stayed out of every error field.
CREATE FUNCTION try_query(query text,
                          OUT state text, OUT message text, OUT detail text,
                          OUT hint text, OUT secret_hidden boolean)
LANGUAGE plpgsql AS $$
DECLARE
  n bigint;
BEGIN
  EXECUTE 'SELECT count(*) FROM (' || query || ') q' INTO n;
  state := '00000';
  message := 'rows: ' || n;
  secret_hidden := true;
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT,
                          detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT;
  secret_hidden := position('cks/test/secret/111111111111/AAAAAAAAAAAA' in
                            coalesce(message, '') || coalesce(detail, '') ||
                            coalesce(hint, '')) = 0;
  detail := regexp_replace(regexp_replace(detail, 'request id [^,)]+', 'request id <id>'),
                           '\d+ (ms|milliseconds)', 'N \1', 'g');
  -- libcurl 8 (Debian 13) says "Could not connect", 7.88 "Couldn't connect"
  detail := replace(detail, 'Could not connect', 'Couldn''t connect');
END
$$;
\x on

-- warm up: the account id lookup (STS) is done once per session
SELECT DISTINCT account_id FROM fault.custom_key_stores;
\! /usr/bin/python3 tests/endpoint/ctl.py requests --fields operation,status

-- throttled twice, then served: 3 requests, rows
\! /usr/bin/python3 tests/endpoint/ctl.py reset
\! /usr/bin/python3 tests/endpoint/ctl.py fault throttle --count 2 --operation DescribeCustomKeyStores
SELECT * FROM try_query('SELECT * FROM fault.custom_key_stores');
\! /usr/bin/python3 tests/endpoint/ctl.py count

-- throttled more often than max_attempts: throttling has its own budget
-- (the request scheduler, issue 21), so the rows come on the 6th request
\! /usr/bin/python3 tests/endpoint/ctl.py reset
\! /usr/bin/python3 tests/endpoint/ctl.py fault throttle --count 5 --operation DescribeCustomKeyStores
SELECT * FROM try_query('SELECT * FROM fault.custom_key_stores');
\! /usr/bin/python3 tests/endpoint/ctl.py count

-- max_attempts 1: no retry at all (of an error that is not throttling)
ALTER SERVER kms_fault OPTIONS (SET max_attempts '1');
\! /usr/bin/python3 tests/endpoint/ctl.py reset
\! /usr/bin/python3 tests/endpoint/ctl.py fault status503 --count 5 --operation DescribeCustomKeyStores
SELECT * FROM try_query('SELECT * FROM fault.custom_key_stores');
\! /usr/bin/python3 tests/endpoint/ctl.py count
ALTER SERVER kms_fault OPTIONS (SET max_attempts '3');

-- 500, 503 and an HTML 502 from a load balancer are retried
\! /usr/bin/python3 tests/endpoint/ctl.py reset
\! /usr/bin/python3 tests/endpoint/ctl.py fault status500 --operation DescribeCustomKeyStores
SELECT * FROM try_query('SELECT * FROM fault.custom_key_stores');
\! /usr/bin/python3 tests/endpoint/ctl.py requests --fields operation,status,error_code
\! /usr/bin/python3 tests/endpoint/ctl.py reset
\! /usr/bin/python3 tests/endpoint/ctl.py fault status503 --operation DescribeCustomKeyStores
SELECT * FROM try_query('SELECT * FROM fault.custom_key_stores');
\! /usr/bin/python3 tests/endpoint/ctl.py requests --fields operation,status,error_code
\! /usr/bin/python3 tests/endpoint/ctl.py reset
\! /usr/bin/python3 tests/endpoint/ctl.py fault html502 --operation DescribeCustomKeyStores
SELECT * FROM try_query('SELECT * FROM fault.custom_key_stores');
\! /usr/bin/python3 tests/endpoint/ctl.py requests --fields operation,status,error_code

-- a connection closed without an answer is retried
\! /usr/bin/python3 tests/endpoint/ctl.py reset
\! /usr/bin/python3 tests/endpoint/ctl.py fault close --operation DescribeCustomKeyStores
SELECT * FROM try_query('SELECT * FROM fault.custom_key_stores');
\! /usr/bin/python3 tests/endpoint/ctl.py count

-- answers that are not what KMS sends: a data error, never retried, and
-- the session goes on
\! /usr/bin/python3 tests/endpoint/ctl.py reset
\! /usr/bin/python3 tests/endpoint/ctl.py fault malformed --operation DescribeCustomKeyStores
SELECT * FROM try_query('SELECT * FROM fault.custom_key_stores');
\! /usr/bin/python3 tests/endpoint/ctl.py count
\! /usr/bin/python3 tests/endpoint/ctl.py reset
\! /usr/bin/python3 tests/endpoint/ctl.py fault empty --operation DescribeCustomKeyStores
SELECT * FROM try_query('SELECT * FROM fault.custom_key_stores');
\! /usr/bin/python3 tests/endpoint/ctl.py count
\! /usr/bin/python3 tests/endpoint/ctl.py reset
\! /usr/bin/python3 tests/endpoint/ctl.py fault wrongtypes --operation DescribeCustomKeyStores
SELECT * FROM try_query('SELECT * FROM fault.custom_key_stores');
\! /usr/bin/python3 tests/endpoint/ctl.py count
SELECT count(*) FROM fault.custom_key_stores;

-- pagination that would never end is an error, after few requests
ALTER SERVER kms_fault OPTIONS (ADD page_size '2');
\! /usr/bin/python3 tests/endpoint/ctl.py reset
\! /usr/bin/python3 tests/endpoint/ctl.py fault loop_marker --count 100 --operation DescribeCustomKeyStores
SELECT * FROM try_query('SELECT * FROM fault.custom_key_stores');
\! /usr/bin/python3 tests/endpoint/ctl.py count
\! /usr/bin/python3 tests/endpoint/ctl.py reset
\! /usr/bin/python3 tests/endpoint/ctl.py fault truncated_no_marker --count 100 --operation DescribeCustomKeyStores
SELECT * FROM try_query('SELECT * FROM fault.custom_key_stores');
\! /usr/bin/python3 tests/endpoint/ctl.py count
ALTER SERVER kms_fault OPTIONS (DROP page_size);

-- access denied: 42501 with a hint, never retried
\! /usr/bin/python3 tests/endpoint/ctl.py reset
\! /usr/bin/python3 tests/endpoint/ctl.py fault accessdenied --count 5 --operation DescribeCustomKeyStores
SELECT * FROM try_query('SELECT * FROM fault.custom_key_stores');
\! /usr/bin/python3 tests/endpoint/ctl.py count

-- an attempt that hangs past request_timeout_ms
ALTER SERVER kms_fault OPTIONS (ADD request_timeout_ms '300', SET max_attempts '1');
\! /usr/bin/python3 tests/endpoint/ctl.py reset
\! /usr/bin/python3 tests/endpoint/ctl.py fault hang --ms 3000 --operation DescribeCustomKeyStores
SELECT * FROM try_query('SELECT * FROM fault.custom_key_stores');
\! /usr/bin/python3 tests/endpoint/ctl.py count
ALTER SERVER kms_fault OPTIONS (DROP request_timeout_ms, SET max_attempts '3');

-- statement_timeout cancels a hanging request at once; the session goes on
\! /usr/bin/python3 tests/endpoint/ctl.py reset
\! /usr/bin/python3 tests/endpoint/ctl.py fault hang --ms 5000 --operation DescribeCustomKeyStores
SET statement_timeout = '500ms';
SELECT clock_timestamp() AS before \gset
SELECT count(*) FROM fault.custom_key_stores;
SELECT clock_timestamp() - :'before'::timestamptz < interval '3 s' AS cancelled_quickly;
RESET statement_timeout;
\! /usr/bin/python3 tests/endpoint/ctl.py reset
SELECT count(*) FROM fault.custom_key_stores;
\! /usr/bin/python3 tests/endpoint/ctl.py count

-- the endpoint's clock is 15 minutes ahead: one rejected attempt, then
-- signed with the corrected time
\! /usr/bin/python3 tests/endpoint/ctl.py reset
\! /usr/bin/python3 tests/endpoint/ctl.py config clock_offset_seconds=900
SELECT * FROM try_query('SELECT * FROM fault.custom_key_stores');
\! /usr/bin/python3 tests/endpoint/ctl.py requests --fields operation,status,error_code
-- and back to a correct clock
\! /usr/bin/python3 tests/endpoint/ctl.py reset
SELECT * FROM try_query('SELECT * FROM fault.custom_key_stores');
\! /usr/bin/python3 tests/endpoint/ctl.py requests --fields operation,status,error_code

-- on_error 'warn': the failing region is skipped with a WARNING
ALTER SERVER kms_fault OPTIONS (SET region 'us-east-1,eu-west-1', ADD on_error 'warn');
\! /usr/bin/python3 tests/endpoint/ctl.py reset
\! /usr/bin/python3 tests/endpoint/ctl.py fault accessdenied --region eu-west-1 --operation DescribeCustomKeyStores
-- (terse: the WARNING's detail holds a random request id; the AWS code
-- is asserted through EXPLAIN's Failed Regions)
\set VERBOSITY terse
SELECT region, count(*) FROM fault.custom_key_stores GROUP BY region ORDER BY region;
\! /usr/bin/python3 tests/endpoint/ctl.py requests --fields operation,region,status,error_code | sort
\! /usr/bin/python3 tests/endpoint/ctl.py reset
\! /usr/bin/python3 tests/endpoint/ctl.py fault accessdenied --region eu-west-1 --operation DescribeCustomKeyStores
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF, BUFFERS OFF) SELECT * FROM fault.custom_key_stores;
\set VERBOSITY default
\! /usr/bin/python3 tests/endpoint/ctl.py requests --fields operation,region,status,error_code | sort
-- ... and in a parameterized nested loop (one lookup per outer row, each a
-- rescan that resets the scan's memory) the region failing on every rescan
-- is listed once, from a list that outlives the rescans
\! /usr/bin/python3 tests/endpoint/ctl.py reset
\! /usr/bin/python3 tests/endpoint/ctl.py fault accessdenied --count 4 --region eu-west-1 --operation DescribeCustomKeyStores
\set VERBOSITY terse
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF, BUFFERS OFF)
SELECT v.id, s.custom_key_store_name
  FROM (VALUES ('cks-e55034befe6d3bee7'), ('cks-none'),
               (repeat('cks-long-', 7)), ('cks-aadd09dca73e7cdcd')) v(id)
  CROSS JOIN LATERAL (SELECT * FROM fault.custom_key_stores k
                       WHERE k.custom_key_store_id = v.id OFFSET 0) s;
\set VERBOSITY default
\! /usr/bin/python3 tests/endpoint/ctl.py requests --fields operation,region,status,error_code,params | sort
ALTER SERVER kms_fault OPTIONS (SET region 'us-east-1', DROP on_error);

-- a wrong secret: 28000, never retried, the secret in no message
CREATE SERVER kms_badkey FOREIGN DATA WRAPPER cks_fdw
  OPTIONS (region 'us-east-1', endpoint :'endpoint', sts_endpoint :'endpoint');
CREATE USER MAPPING FOR CURRENT_USER SERVER kms_badkey
  OPTIONS (access_key_id 'AKIDCKSTEST111111111',
           secret_access_key 'cks/test/secret/111111111111/AAAAAAAAAAAB');
CREATE FOREIGN TABLE fault.badkey_stores (custom_key_store_id text)
  SERVER kms_badkey;
\! /usr/bin/python3 tests/endpoint/ctl.py reset
SELECT * FROM try_query('SELECT * FROM fault.badkey_stores');
\! /usr/bin/python3 tests/endpoint/ctl.py requests --fields operation,status,error_code

-- nothing listens: HV00N after max_attempts attempts
CREATE SERVER kms_nowhere FOREIGN DATA WRAPPER cks_fdw
  OPTIONS (region 'us-east-1', endpoint 'http://127.0.0.1:9',
           sts_endpoint 'http://127.0.0.1:9', max_attempts '2',
           connect_timeout_ms '200');
CREATE USER MAPPING FOR CURRENT_USER SERVER kms_nowhere
  OPTIONS (access_key_id 'AKIDCKSTEST111111111',
           secret_access_key 'cks/test/secret/111111111111/AAAAAAAAAAAA');
CREATE FOREIGN TABLE fault.nowhere_stores (custom_key_store_id text)
  SERVER kms_nowhere;
SELECT * FROM try_query('SELECT * FROM fault.nowhere_stores');
\x off

DROP SCHEMA fault CASCADE;
DROP SERVER kms_fault, kms_badkey, kms_nowhere CASCADE;
DROP FUNCTION try_query(text);
