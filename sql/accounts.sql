--
-- Across accounts: AssumeRole, account_id, a partitioned table with one
-- foreign table per account scanned concurrently (async Append), and
-- partition pruning on account_id.
--
\getenv endpoint CKS_ENDPOINT_URL
\! /usr/bin/python3 tests/endpoint/ctl.py reset
SET cks_fdw.retry_base_delay_ms = 1;

-- one server and user mapping per account role, assumed with account 1's keys
CREATE SERVER acct2 FOREIGN DATA WRAPPER cks_fdw
  OPTIONS (region 'us-east-1,eu-west-1', endpoint :'endpoint', sts_endpoint :'endpoint');
CREATE USER MAPPING FOR CURRENT_USER SERVER acct2
  OPTIONS (access_key_id 'AKIDCKSTEST111111111',
           secret_access_key 'cks/test/secret/111111111111/AAAAAAAAAAAA',
           role_arn 'arn:aws:iam::222222222222:role/cks-reader');
CREATE SERVER acct3 FOREIGN DATA WRAPPER cks_fdw
  OPTIONS (region 'us-east-1,eu-west-1', endpoint :'endpoint', sts_endpoint :'endpoint');
CREATE USER MAPPING FOR CURRENT_USER SERVER acct3
  OPTIONS (access_key_id 'AKIDCKSTEST111111111',
           secret_access_key 'cks/test/secret/111111111111/AAAAAAAAAAAA',
           role_arn 'arn:aws:iam::333333333333:role/cks-reader-ext',
           external_id 'ext-id-42', role_session_name 'nightly-report');
CREATE SERVER acct1 FOREIGN DATA WRAPPER cks_fdw
  OPTIONS (region 'us-east-1,eu-west-1', endpoint :'endpoint', sts_endpoint :'endpoint');
CREATE USER MAPPING FOR CURRENT_USER SERVER acct1
  OPTIONS (access_key_id 'AKIDCKSTEST111111111',
           secret_access_key 'cks/test/secret/111111111111/AAAAAAAAAAAA');

-- the recommended layout: a table partitioned by account, one foreign
-- partition per account
CREATE TABLE all_stores (custom_key_store_id text, custom_key_store_name text,
                         connection_state text, region text, account_id text)
  PARTITION BY LIST (account_id);
CREATE FOREIGN TABLE stores_111111111111 PARTITION OF all_stores
  FOR VALUES IN ('111111111111') SERVER acct1;
CREATE FOREIGN TABLE stores_222222222222 PARTITION OF all_stores
  FOR VALUES IN ('222222222222') SERVER acct2;
CREATE FOREIGN TABLE stores_333333333333 PARTITION OF all_stores
  FOR VALUES IN ('333333333333') SERVER acct3;

-- AssumeRole: sessions, external id, the account taken from the role ARN
\! /usr/bin/python3 tests/endpoint/ctl.py reset
SELECT account_id, region, count(*) FROM all_stores GROUP BY 1, 2 ORDER BY 1, 2;
\! /usr/bin/python3 tests/endpoint/ctl.py requests --service sts --fields operation,params | sort
\! /usr/bin/python3 tests/endpoint/ctl.py requests --service kms --fields account,access_key_id,region | sed -E 's/ ASIA[A-Z0-9]+ / ASIA... /' | sort

-- temporary credentials are cached: a second query assumes no role
\! /usr/bin/python3 tests/endpoint/ctl.py reset
SELECT count(*) FROM all_stores;
\! /usr/bin/python3 tests/endpoint/ctl.py count --service sts

-- the accounts run concurrently: with 300 ms per request, the first
-- requests of all accounts and regions overlap
\! /usr/bin/python3 tests/endpoint/ctl.py reset
\! /usr/bin/python3 tests/endpoint/ctl.py config latency_ms=300
EXPLAIN (COSTS OFF) SELECT * FROM all_stores;
SELECT count(*) FROM all_stores;
\! /usr/bin/python3 tests/endpoint/ctl.py overlap --service kms
\! /usr/bin/python3 tests/endpoint/ctl.py config latency_ms=0

-- a hung account does not hold a cancel back: the async Append's wait
-- still ends the query quickly on statement_timeout
\! /usr/bin/python3 tests/endpoint/ctl.py reset
\! /usr/bin/python3 tests/endpoint/ctl.py fault hang --ms 5000 --account 333333333333
SET statement_timeout = '500ms';
DO $$
DECLARE
  started timestamptz := clock_timestamp();
BEGIN
  PERFORM count(*) FROM all_stores;
  RAISE NOTICE 'not canceled';
EXCEPTION WHEN query_canceled THEN
  RAISE NOTICE 'canceled within 2 s: %', clock_timestamp() - started < interval '2 s';
END $$;
RESET statement_timeout;
SELECT count(*) FROM all_stores;

-- partition pruning on account_id: other accounts get no request
\! /usr/bin/python3 tests/endpoint/ctl.py reset
EXPLAIN (COSTS OFF) SELECT * FROM all_stores WHERE account_id = '333333333333';
SELECT account_id, count(*) FROM all_stores WHERE account_id = '333333333333' GROUP BY 1;
\! /usr/bin/python3 tests/endpoint/ctl.py requests --service kms --fields account | sort | uniq -c

-- a UNION ALL view over the servers is async too
CREATE VIEW union_stores AS
  SELECT custom_key_store_name, account_id FROM stores_222222222222
  UNION ALL SELECT custom_key_store_name, account_id FROM stores_333333333333;
EXPLAIN (COSTS OFF) SELECT * FROM union_stores;
SELECT account_id, count(*) FROM union_stores GROUP BY 1 ORDER BY 1;
-- async_capable off: plain sequential Append
ALTER SERVER acct3 OPTIONS (ADD async_capable 'false');
EXPLAIN (COSTS OFF) SELECT * FROM union_stores;
SELECT account_id, count(*) FROM union_stores GROUP BY 1 ORDER BY 1;
ALTER SERVER acct3 OPTIONS (DROP async_capable);

-- a wrong external id is a clean error with STS's code, and no secret
ALTER USER MAPPING FOR CURRENT_USER SERVER acct3 OPTIONS (SET external_id 'wrong-id');
\set VERBOSITY terse
SELECT count(*) FROM stores_333333333333;
\set VERBOSITY default
\! /usr/bin/python3 tests/endpoint/ctl.py requests --service sts --status 403 --fields operation,error_code | tail -1
ALTER USER MAPPING FOR CURRENT_USER SERVER acct3 OPTIONS (SET external_id 'ext-id-42');

-- credentials are refreshed before they expire: with 302-second
-- credentials (inside the 5-minute margin after 2 s), the next query
-- assumes the role again
\! /usr/bin/python3 tests/endpoint/ctl.py reset
\! /usr/bin/python3 tests/endpoint/ctl.py config sts_expiry_seconds=302
ALTER SERVER acct2 OPTIONS (ADD page_size '1000');
SELECT count(*) > 0 AS has_rows FROM stores_222222222222;
SELECT pg_sleep(2.5);
SELECT count(*) > 0 AS has_rows FROM stores_222222222222;
\! /usr/bin/python3 tests/endpoint/ctl.py requests --service sts --fields operation
