--
-- The planner knows the quota (issue 21): an IN list of ids is weighed
-- against one scan in the seconds AWS's quota for the lookups allows
-- (DescribeCustomKeyStores: 5 per second, a burst of 5 then paced; the
-- server's request_quotas overrides it), a scan costs its pages, and the
-- plan's choice is what the endpoint sees.  EXPLAIN says which one and
-- why ("Lookup Strategy").
--
\getenv endpoint CKS_ENDPOINT_URL
\! /usr/bin/python3 tests/endpoint/ctl.py reset
CREATE SERVER kms_quota FOREIGN DATA WRAPPER cks_fdw
  OPTIONS (region 'us-east-1', endpoint :'endpoint', sts_endpoint :'endpoint');
CREATE USER MAPPING FOR CURRENT_USER SERVER kms_quota
  OPTIONS (access_key_id 'AKIDCKSTEST111111111',
           secret_access_key 'cks/test/secret/111111111111/AAAAAAAAAAAA');
-- 14 stores in us-east-1; estimated_rows (50 by default) makes one page
CREATE FOREIGN TABLE quota_stores (custom_key_store_id text, custom_key_store_name text,
                                   connection_state text)
  SERVER kms_quota;
SELECT string_agg(quote_literal(custom_key_store_id), ', ' ORDER BY custom_key_store_id) AS ids8
  FROM (SELECT custom_key_store_id FROM quota_stores ORDER BY 1 LIMIT 8) s \gset
SELECT string_agg(quote_literal(custom_key_store_id), ', ' ORDER BY custom_key_store_id) AS ids2
  FROM (SELECT custom_key_store_id FROM quota_stores ORDER BY 1 LIMIT 2) s \gset

-- 8 ids at 5/s: 5 at once, 3 paced (~0.8 s) against one page: one scan,
-- a DescribeCustomKeyStores without an id, the ids filtered locally
EXPLAIN (COSTS OFF)
SELECT custom_key_store_id FROM quota_stores WHERE custom_key_store_id IN (:ids8);
\! /usr/bin/python3 tests/endpoint/ctl.py reset
SELECT count(*) FROM quota_stores WHERE custom_key_store_id IN (:ids8);
\! /usr/bin/python3 tests/endpoint/ctl.py requests --fields operation,params
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF, BUFFERS OFF)
SELECT custom_key_store_id FROM quota_stores WHERE custom_key_store_id IN (:ids8);
-- the same by name
SELECT string_agg(quote_literal(custom_key_store_name), ', ' ORDER BY custom_key_store_name) AS names8
  FROM (SELECT custom_key_store_name FROM quota_stores ORDER BY 1 LIMIT 8) s \gset
\! /usr/bin/python3 tests/endpoint/ctl.py reset
SELECT count(*) FROM quota_stores WHERE custom_key_store_name IN (:names8);
\! /usr/bin/python3 tests/endpoint/ctl.py count

-- 2 ids fit in the burst: one round of lookups, as fast as a page and
-- reading only those two
EXPLAIN (COSTS OFF)
SELECT custom_key_store_id FROM quota_stores WHERE custom_key_store_id IN (:ids2);
\! /usr/bin/python3 tests/endpoint/ctl.py reset
SELECT count(*) FROM quota_stores WHERE custom_key_store_id IN (:ids2);
\! /usr/bin/python3 tests/endpoint/ctl.py requests --fields operation,params

-- a raised quota (request_quotas): 8 lookups fit in the burst
ALTER SERVER kms_quota OPTIONS (ADD request_quotas 'DescribeCustomKeyStores=50');
EXPLAIN (COSTS OFF)
SELECT custom_key_store_id FROM quota_stores WHERE custom_key_store_id IN (:ids8);
\! /usr/bin/python3 tests/endpoint/ctl.py reset
SELECT count(*) FROM quota_stores WHERE custom_key_store_id IN (:ids8);
\! /usr/bin/python3 tests/endpoint/ctl.py count
ALTER SERVER kms_quota OPTIONS (DROP request_quotas);

-- a region of 10,000 stores (10 pages, in turn and paced past the burst)
-- makes the lookups cheaper
ALTER FOREIGN TABLE quota_stores OPTIONS (ADD estimated_rows '10000');
EXPLAIN (COSTS OFF)
SELECT custom_key_store_id FROM quota_stores WHERE custom_key_store_id IN (:ids8);
\! /usr/bin/python3 tests/endpoint/ctl.py reset
SELECT count(*) FROM quota_stores WHERE custom_key_store_id IN (:ids8);
\! /usr/bin/python3 tests/endpoint/ctl.py count

-- a join: 12 inventory rows would be 12 lookups in turn, paced past the
-- burst, against one scan of a 2,345-store region (3 pages): one scan
ALTER FOREIGN TABLE quota_stores OPTIONS (SET estimated_rows '2345');
CREATE TABLE quota_inventory (ks_id text PRIMARY KEY, owner text);
INSERT INTO quota_inventory
  SELECT custom_key_store_id, 'team-' || n % 3
    FROM (SELECT custom_key_store_id, row_number() OVER (ORDER BY custom_key_store_id) n
            FROM quota_stores ORDER BY 1 LIMIT 12) s;
ANALYZE quota_inventory;
EXPLAIN (COSTS OFF)
SELECT i.owner, k.custom_key_store_name FROM quota_inventory i
  JOIN quota_stores k ON k.custom_key_store_id = i.ks_id;
\! /usr/bin/python3 tests/endpoint/ctl.py reset
SELECT count(*) FROM quota_inventory i JOIN quota_stores k ON k.custom_key_store_id = i.ks_id;
\! /usr/bin/python3 tests/endpoint/ctl.py requests --fields operation,params
-- 2 outer rows: a lookup for each
EXPLAIN (COSTS OFF)
SELECT i.owner, k.custom_key_store_name FROM quota_inventory i
  JOIN quota_stores k ON k.custom_key_store_id = i.ks_id WHERE i.ks_id IN (:ids2);
\! /usr/bin/python3 tests/endpoint/ctl.py reset
SELECT count(*) FROM quota_inventory i
  JOIN quota_stores k ON k.custom_key_store_id = i.ks_id WHERE i.ks_id IN (:ids2);
\! /usr/bin/python3 tests/endpoint/ctl.py count

SET client_min_messages = warning;
DROP TABLE quota_inventory;
DROP SERVER kms_quota CASCADE;
RESET client_min_messages;
