--
-- One server for many accounts: the server option accounts (ids or
-- 'organization'), a role_arn with {account}, pruning by account_id,
-- AssumeRole failures per account under on_error, Organizations discovery
-- (paginated, ACTIVE only, cached), and the STS calls of many accounts
-- overlapping.
--
\getenv endpoint CKS_ENDPOINT_URL
\! /usr/bin/python3 tests/endpoint/ctl.py reset && /usr/bin/python3 tests/endpoint/ctl.py accounts 100000000000 100000000039
SET cks_fdw.retry_base_delay_ms = 1;
CREATE SCHEMA org;
SET search_path = org, public;

-- option checks
CREATE SERVER org_bad FOREIGN DATA WRAPPER cks_fdw
  OPTIONS (region 'us-east-1', accounts '111111111111,12345');
CREATE SERVER org_bad FOREIGN DATA WRAPPER cks_fdw
  OPTIONS (region 'us-east-1', accounts '');
CREATE SERVER org_listed FOREIGN DATA WRAPPER cks_fdw
  OPTIONS (region 'us-east-1,eu-west-1', accounts '111111111111, 222222222222,100000000001',
           endpoint :'endpoint', sts_endpoint :'endpoint');
CREATE USER MAPPING FOR CURRENT_USER SERVER org_listed
  OPTIONS (access_key_id 'AKIDCKSTEST111111111',
           secret_access_key 'cks/test/secret/111111111111/AAAAAAAAAAAA',
           role_arn 'arn:aws:iam::{acct}:role/cks-reader');
CREATE USER MAPPING FOR CURRENT_USER SERVER org_listed
  OPTIONS (access_key_id 'AKIDCKSTEST111111111',
           secret_access_key 'cks/test/secret/111111111111/AAAAAAAAAAAA',
           role_arn 'arn:aws:iam::111111111111:role/cks-reader');
CREATE FOREIGN TABLE listed (custom_key_store_name text, region text, account_id text)
  SERVER org_listed;
-- accounts needs a role_arn with {account}, and the other way round
SELECT count(*) FROM listed;
ALTER USER MAPPING FOR CURRENT_USER SERVER org_listed
  OPTIONS (SET role_arn 'arn:aws:iam::{account}:role/cks-reader');
CREATE SERVER org_none FOREIGN DATA WRAPPER cks_fdw
  OPTIONS (region 'us-east-1', endpoint :'endpoint', sts_endpoint :'endpoint');
CREATE USER MAPPING FOR CURRENT_USER SERVER org_none
  OPTIONS (access_key_id 'AKIDCKSTEST111111111',
           secret_access_key 'cks/test/secret/111111111111/AAAAAAAAAAAA',
           role_arn 'arn:aws:iam::{account}:role/cks-reader');
CREATE FOREIGN TABLE none_listed (custom_key_store_name text) SERVER org_none;
SELECT count(*) FROM none_listed;

-- every (account, region): one AssumeRole per account, one KMS call per pair
\! /usr/bin/python3 tests/endpoint/ctl.py reset && /usr/bin/python3 tests/endpoint/ctl.py accounts 100000000000 100000000039
SELECT account_id, region, count(*) FROM listed GROUP BY 1, 2 ORDER BY 1, 2;
\! /usr/bin/python3 tests/endpoint/ctl.py requests --service sts --fields operation,params | sort
\! /usr/bin/python3 tests/endpoint/ctl.py requests --service kms --fields account,region | sort
-- the roles are cached per account: the next query assumes none
\! /usr/bin/python3 tests/endpoint/ctl.py reset && /usr/bin/python3 tests/endpoint/ctl.py accounts 100000000000 100000000039
SELECT count(*) FROM listed;
\! /usr/bin/python3 tests/endpoint/ctl.py count --service sts

-- pruning: the other accounts get no request at all
\! /usr/bin/python3 tests/endpoint/ctl.py reset && /usr/bin/python3 tests/endpoint/ctl.py accounts 100000000000 100000000039
EXPLAIN (COSTS OFF) SELECT * FROM listed WHERE account_id = '222222222222';
SELECT account_id, count(*) FROM listed WHERE account_id = '222222222222' GROUP BY 1;
EXPLAIN (COSTS OFF) SELECT * FROM listed WHERE account_id IN ('100000000001', '999999999999');
SELECT account_id, count(*) FROM listed WHERE account_id IN ('100000000001', '999999999999') GROUP BY 1;
\! /usr/bin/python3 tests/endpoint/ctl.py requests --service kms --fields account | sort | uniq -c
-- a generic plan prunes at execution, from the parameter's value
\! /usr/bin/python3 tests/endpoint/ctl.py reset && /usr/bin/python3 tests/endpoint/ctl.py accounts 100000000000 100000000039
SET plan_cache_mode = force_generic_plan;
PREPARE by_account(text) AS SELECT account_id, count(*) FROM listed WHERE account_id = $1 GROUP BY 1;
EXPLAIN (COSTS OFF) EXECUTE by_account('111111111111');
EXECUTE by_account('111111111111');
EXECUTE by_account('333333333333');
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) EXECUTE by_account('100000000001');
\! /usr/bin/python3 tests/endpoint/ctl.py requests --service kms --fields account | sort | uniq -c
DEALLOCATE by_account;
RESET plan_cache_mode;
-- a join key: each outer row's account only
\! /usr/bin/python3 tests/endpoint/ctl.py reset && /usr/bin/python3 tests/endpoint/ctl.py accounts 100000000000 100000000039
CREATE TABLE watched (account text);
INSERT INTO watched VALUES ('222222222222');
ANALYZE watched;
SET enable_hashjoin = off;
SET enable_mergejoin = off;
EXPLAIN (COSTS OFF)
  SELECT w.account, l.region FROM watched w JOIN listed l ON l.account_id = w.account;
SELECT w.account, l.region, count(*) FROM watched w JOIN listed l ON l.account_id = w.account
 GROUP BY 1, 2 ORDER BY 1, 2;
RESET enable_hashjoin;
RESET enable_mergejoin;
\! /usr/bin/python3 tests/endpoint/ctl.py requests --service kms --fields account | sort | uniq -c

-- one account's role cannot be assumed (333333333333 has no cks-reader):
-- the message names the account and its regions (request ids vary, so
-- terse)
\set VERBOSITY terse
ALTER SERVER org_listed OPTIONS (SET accounts '111111111111,333333333333,222222222222');
\! /usr/bin/python3 tests/endpoint/ctl.py reset && /usr/bin/python3 tests/endpoint/ctl.py accounts 100000000000 100000000039
SELECT account_id, count(*) FROM listed GROUP BY 1 ORDER BY 1;
-- (whether the other accounts' requests left before the error is a race:
-- count only what follows)
\! /usr/bin/python3 tests/endpoint/ctl.py reset && /usr/bin/python3 tests/endpoint/ctl.py accounts 100000000000 100000000039
ALTER SERVER org_listed OPTIONS (ADD on_error 'warn');
SELECT account_id, count(*) FROM listed GROUP BY 1 ORDER BY 1;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT * FROM listed;
\! /usr/bin/python3 tests/endpoint/ctl.py requests --service kms --fields account | sort | uniq -c
\set VERBOSITY default

-- accounts 'organization': ListAccounts, 3 pages of at most 20, ACTIVE
-- accounts only, with the management account's own keys
\! /usr/bin/python3 tests/endpoint/ctl.py reset && /usr/bin/python3 tests/endpoint/ctl.py accounts 100000000000 100000000039 && /usr/bin/python3 tests/endpoint/ctl.py org 111111111111 222222222222:SUSPENDED 333333333333:PENDING_CLOSURE $(seq -f '1000000000%02g' 0 39)
CREATE SERVER org_all FOREIGN DATA WRAPPER cks_fdw
  OPTIONS (region 'us-east-1', accounts 'organization',
           endpoint :'endpoint', sts_endpoint :'endpoint', organizations_endpoint :'endpoint');
CREATE USER MAPPING FOR CURRENT_USER SERVER org_all
  OPTIONS (access_key_id 'AKIDCKSTEST111111111',
           secret_access_key 'cks/test/secret/111111111111/AAAAAAAAAAAA',
           role_arn 'arn:aws:iam::{account}:role/cks-reader');
CREATE FOREIGN TABLE everything (custom_key_store_name text, region text, account_id text)
  SERVER org_all;
EXPLAIN (COSTS OFF) SELECT * FROM everything;
SELECT count(DISTINCT account_id) AS accounts, count(*) AS stores,
       count(*) FILTER (WHERE account_id IN ('222222222222', '333333333333')) AS inactive
  FROM everything;
\! /usr/bin/python3 tests/endpoint/ctl.py requests --service organizations --fields operation,access_key_id,status
\! /usr/bin/python3 tests/endpoint/ctl.py requests --service organizations --fields params | sed -E 's/"NextToken": "[^"]*"/"NextToken": "..."/'
\! /usr/bin/python3 tests/endpoint/ctl.py count --service sts
-- pruning after discovery: one account's requests
\! /usr/bin/python3 tests/endpoint/ctl.py reset && /usr/bin/python3 tests/endpoint/ctl.py accounts 100000000000 100000000039
SELECT count(*) FROM everything WHERE account_id = '100000000007';
\! /usr/bin/python3 tests/endpoint/ctl.py requests --fields service,account | sort | uniq -c

-- the account list is cached per session (cks_fdw.organization_cache_seconds):
-- a change shows up once that time has passed
\! /usr/bin/python3 tests/endpoint/ctl.py org 111111111111 100000000005 100000000006:SUSPENDED
SELECT count(DISTINCT account_id) FROM everything;
SET cks_fdw.organization_cache_seconds = 0;
SELECT account_id, count(*) FROM everything GROUP BY 1 ORDER BY 1;
\! /usr/bin/python3 tests/endpoint/ctl.py org 111111111111 100000000005 100000000009
SELECT account_id, count(*) FROM everything GROUP BY 1 ORDER BY 1;
RESET cks_fdw.organization_cache_seconds;

-- a member account may not list the organization
\! /usr/bin/python3 tests/endpoint/ctl.py org --default
CREATE SERVER org_member FOREIGN DATA WRAPPER cks_fdw
  OPTIONS (region 'us-east-1', accounts 'organization',
           endpoint :'endpoint', sts_endpoint :'endpoint', organizations_endpoint :'endpoint');
CREATE USER MAPPING FOR CURRENT_USER SERVER org_member
  OPTIONS (access_key_id 'AKIDCKSTEST222222222',
           secret_access_key 'cks/test/secret/222222222222/BBBBBBBBBBBB',
           role_arn 'arn:aws:iam::{account}:role/cks-reader');
CREATE FOREIGN TABLE member_view (custom_key_store_name text) SERVER org_member;
\set VERBOSITY terse
SELECT count(*) FROM member_view;
\set VERBOSITY default
\! /usr/bin/python3 tests/endpoint/ctl.py requests --service organizations --status 400 --fields operation,error_code | tail -1

-- the accounts' AssumeRole calls overlap: 12 accounts, 300 ms per STS
-- and KMS request, far less than 12 x 300 ms
\! /usr/bin/python3 tests/endpoint/ctl.py config sts_latency_ms=300 kms_latency_ms=300
ALTER SERVER org_all OPTIONS (SET accounts '100000000010,100000000011,100000000012,100000000013,100000000014,100000000015,100000000016,100000000017,100000000018,100000000019,100000000020,100000000021');
DO $$
DECLARE
  started timestamptz := clock_timestamp();
  n bigint;
BEGIN
  SELECT count(*) INTO n FROM everything;
  RAISE NOTICE '% rows, under 2.5 s: %', n, clock_timestamp() - started < interval '2.5 s';
END $$;
\! /usr/bin/python3 tests/endpoint/ctl.py count --service sts
-- the same with a partition per account (examples/multi_account.sql): each
-- partition's AssumeRole starts without blocking the asynchronous Append
\set ECHO none
\i examples/multi_account.sql
\set ECHO all
CREATE TABLE part_stores (custom_key_store_name text, region text, account_id text)
  PARTITION BY LIST (account_id);
SELECT array_agg(format('arn:aws:iam::%s:role/cks-reader', 100000000030 + i)) AS arns
  FROM generate_series(0, 9) i \gset
CALL cks_create_account_partitions('part_stores', :'arns',
    regions => 'us-east-1', access_key_id => 'AKIDCKSTEST111111111',
    secret_access_key => 'cks/test/secret/111111111111/AAAAAAAAAAAA',
    endpoint => :'endpoint', sts_endpoint => :'endpoint');
\! /usr/bin/python3 tests/endpoint/ctl.py reset && /usr/bin/python3 tests/endpoint/ctl.py accounts 100000000000 100000000039
\! /usr/bin/python3 tests/endpoint/ctl.py config sts_latency_ms=300 kms_latency_ms=300
DO $$
DECLARE
  started timestamptz := clock_timestamp();
  n bigint;
BEGIN
  SELECT count(*) INTO n FROM part_stores;
  RAISE NOTICE '% rows, under 2.5 s: %', n, clock_timestamp() - started < interval '2.5 s';
END $$;
\! /usr/bin/python3 tests/endpoint/ctl.py count --service sts
\! /usr/bin/python3 tests/endpoint/ctl.py config sts_latency_ms=0 kms_latency_ms=0
