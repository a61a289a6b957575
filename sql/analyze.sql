--
-- ANALYZE lists every region in full, stores per-column statistics and the
-- real row count, and the planner then sizes the table from them instead
-- of the estimated_rows guess (which stays as an explicit override).
--
\getenv endpoint CKS_ENDPOINT_URL
\! /usr/bin/python3 tests/endpoint/ctl.py reset && /usr/bin/python3 tests/endpoint/ctl.py stores 111111111111 eu-west-1 2345

-- The planner's row estimate of a query, from EXPLAIN's JSON (stable across
-- majors, unlike the text format).
CREATE FUNCTION plan_rows(query text) RETURNS numeric LANGUAGE plpgsql AS $$
DECLARE
  plan json;
BEGIN
  EXECUTE 'EXPLAIN (FORMAT JSON) ' || query INTO plan;
  RETURN (plan -> 0 -> 'Plan' ->> 'Plan Rows')::numeric;
END $$;

-- three regions: us-east-1 (the rich data set, 14 stores), eu-west-1
-- (2,345 generated stores), ap-southeast-2 (1 store)
CREATE SERVER kms_analyze FOREIGN DATA WRAPPER cks_fdw
  OPTIONS (region 'us-east-1,eu-west-1,ap-southeast-2',
           endpoint :'endpoint', sts_endpoint :'endpoint');
CREATE USER MAPPING FOR CURRENT_USER SERVER kms_analyze
  OPTIONS (access_key_id 'AKIDCKSTEST111111111',
           secret_access_key 'cks/test/secret/111111111111/AAAAAAAAAAAA');
CREATE FOREIGN TABLE an_all_stores (custom_key_store_id text, custom_key_store_name text,
                                 connection_state text, creation_date timestamptz,
                                 region text, account_id text, raw jsonb)
  SERVER kms_analyze;

-- never analyzed: reltuples is "unknown", the estimate the default guess
SELECT reltuples FROM pg_class WHERE oid = 'an_all_stores'::regclass;
SELECT plan_rows('SELECT * FROM an_all_stores') AS rows_before;

\! /usr/bin/python3 tests/endpoint/ctl.py reset && /usr/bin/python3 tests/endpoint/ctl.py stores 111111111111 eu-west-1 2345
ANALYZE an_all_stores;
-- one page in us-east-1 and ap-southeast-2, three in eu-west-1
\! /usr/bin/python3 tests/endpoint/ctl.py requests --service kms --fields region | sort | uniq -c

-- reltuples is the real count
SELECT c.reltuples, (SELECT count(*) FROM an_all_stores) AS counted,
       c.reltuples = (SELECT count(*) FROM an_all_stores) AS equal
  FROM pg_class c WHERE c.oid = 'an_all_stores'::regclass;

-- per-column statistics, from every row (the sample holds them all)
SELECT attname, null_frac, n_distinct
  FROM pg_stats WHERE tablename = 'an_all_stores' ORDER BY attname;
SELECT most_common_vals::text::text[] AS regions, most_common_freqs
  FROM pg_stats WHERE tablename = 'an_all_stores' AND attname = 'region';

-- and the planner uses them: the table, one region, one id
SELECT plan_rows('SELECT * FROM an_all_stores') AS rows_all,
       plan_rows($$SELECT * FROM an_all_stores WHERE region = 'eu-west-1'$$) AS rows_eu,
       plan_rows($$SELECT * FROM an_all_stores WHERE region = 'ap-southeast-2'$$) AS rows_ap,
       plan_rows($$SELECT * FROM an_all_stores WHERE custom_key_store_id = 'x'$$) AS rows_id;

-- a join of two inventory rows against a region of 2,345 stores
CREATE SERVER kms_analyze_eu FOREIGN DATA WRAPPER cks_fdw
  OPTIONS (region 'eu-west-1', endpoint :'endpoint', sts_endpoint :'endpoint');
CREATE USER MAPPING FOR CURRENT_USER SERVER kms_analyze_eu
  OPTIONS (access_key_id 'AKIDCKSTEST111111111',
           secret_access_key 'cks/test/secret/111111111111/AAAAAAAAAAAA');
CREATE FOREIGN TABLE an_eu_stores (custom_key_store_id text, custom_key_store_name text)
  SERVER kms_analyze_eu;
CREATE TABLE an_inventory (ks_id text PRIMARY KEY, owner text);
INSERT INTO an_inventory
  SELECT custom_key_store_id, 'team-' || n
    FROM (SELECT custom_key_store_id, row_number() OVER (ORDER BY custom_key_store_id) AS n
            FROM an_eu_stores) s
   WHERE n IN (7, 1500);
ANALYZE an_inventory;

-- before ANALYZE the planner believes the default 50 stores, one page:
-- a full scan, hashed
EXPLAIN (COSTS OFF)
SELECT i.owner, k.custom_key_store_name FROM an_inventory i
  JOIN an_eu_stores k ON k.custom_key_store_id = i.ks_id;

\! /usr/bin/python3 tests/endpoint/ctl.py reset && /usr/bin/python3 tests/endpoint/ctl.py stores 111111111111 eu-west-1 2345
ANALYZE an_eu_stores;
SELECT reltuples FROM pg_class WHERE oid = 'an_eu_stores'::regclass;

-- after: 2,345 stores are a 3-page scan, two lookups are cheaper
EXPLAIN (COSTS OFF)
SELECT i.owner, k.custom_key_store_name FROM an_inventory i
  JOIN an_eu_stores k ON k.custom_key_store_id = i.ks_id;
\! /usr/bin/python3 tests/endpoint/ctl.py reset && /usr/bin/python3 tests/endpoint/ctl.py stores 111111111111 eu-west-1 2345
SELECT i.owner, k.custom_key_store_name FROM an_inventory i
  JOIN an_eu_stores k ON k.custom_key_store_id = i.ks_id ORDER BY i.owner;
\! /usr/bin/python3 tests/endpoint/ctl.py requests --service kms --fields params

-- estimated_rows set on the table (or server) still overrides ANALYZE
ALTER FOREIGN TABLE an_eu_stores OPTIONS (ADD estimated_rows '50');
EXPLAIN (COSTS OFF)
SELECT i.owner, k.custom_key_store_name FROM an_inventory i
  JOIN an_eu_stores k ON k.custom_key_store_id = i.ks_id;
SELECT plan_rows('SELECT * FROM an_eu_stores') AS rows_override;
ALTER FOREIGN TABLE an_eu_stores OPTIONS (DROP estimated_rows);
SELECT plan_rows('SELECT * FROM an_eu_stores') AS rows_analyzed;

-- an empty region analyzed is 0 rows, not "unknown"
CREATE SERVER kms_analyze_empty FOREIGN DATA WRAPPER cks_fdw
  OPTIONS (region 'ap-southeast-2', endpoint :'endpoint', sts_endpoint :'endpoint');
CREATE USER MAPPING FOR CURRENT_USER SERVER kms_analyze_empty
  OPTIONS (access_key_id 'AKIDCKSTEST222222222',
           secret_access_key 'cks/test/secret/222222222222/BBBBBBBBBBBB');
CREATE FOREIGN TABLE an_empty_stores (custom_key_store_id text) SERVER kms_analyze_empty;
ANALYZE an_empty_stores;
SELECT reltuples FROM pg_class WHERE oid = 'an_empty_stores'::regclass;

-- ANALYZE of a region that fails is an error, and leaves nothing behind
\! /usr/bin/python3 tests/endpoint/ctl.py reset && /usr/bin/python3 tests/endpoint/ctl.py fault accessdenied --service kms --region eu-west-1
\set VERBOSITY terse
ANALYZE an_eu_stores;
\set VERBOSITY default
SELECT reltuples FROM pg_class WHERE oid = 'an_eu_stores'::regclass;
\! /usr/bin/python3 tests/endpoint/ctl.py reset

-- a server with accounts: every account (a role assumed in each) and
-- every region is listed, as a full scan does
\! /usr/bin/python3 tests/endpoint/ctl.py reset && /usr/bin/python3 tests/endpoint/ctl.py accounts 100000000000 100000000039
CREATE SERVER kms_analyze_accounts FOREIGN DATA WRAPPER cks_fdw
  OPTIONS (region 'us-east-1,eu-west-1', accounts '111111111111,222222222222,100000000001',
           endpoint :'endpoint', sts_endpoint :'endpoint');
CREATE USER MAPPING FOR CURRENT_USER SERVER kms_analyze_accounts
  OPTIONS (access_key_id 'AKIDCKSTEST111111111',
           secret_access_key 'cks/test/secret/111111111111/AAAAAAAAAAAA',
           role_arn 'arn:aws:iam::{account}:role/cks-reader');
CREATE FOREIGN TABLE an_accounts_stores (custom_key_store_id text, region text,
                                         account_id text)
  SERVER kms_analyze_accounts;
ANALYZE an_accounts_stores;
-- one AssumeRole per account, one listing per (account, region)
\! /usr/bin/python3 tests/endpoint/ctl.py requests --service sts --fields operation,params | sort
\! /usr/bin/python3 tests/endpoint/ctl.py requests --service kms --fields account,region | sort
SELECT c.reltuples, (SELECT count(*) FROM an_accounts_stores) AS counted,
       c.reltuples = (SELECT count(*) FROM an_accounts_stores) AS equal
  FROM pg_class c WHERE c.oid = 'an_accounts_stores'::regclass;
-- the sample holds every account's rows
SELECT most_common_vals::text::text[] AS accounts, most_common_freqs
  FROM pg_stats WHERE tablename = 'an_accounts_stores' AND attname = 'account_id';
SELECT account_id, count(*) FROM an_accounts_stores GROUP BY 1 ORDER BY 1;

DROP SERVER kms_analyze, kms_analyze_eu, kms_analyze_empty, kms_analyze_accounts CASCADE;
DROP TABLE an_inventory;
DROP FUNCTION plan_rows(text);
