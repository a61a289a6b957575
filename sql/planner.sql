--
-- The planner picks the cheap plan in requests: a lookup per outer row for
-- a small outer side, one full scan for a large one; LIMIT asks for no
-- more than it needs.
--
\getenv endpoint CKS_ENDPOINT_URL
\! /usr/bin/python3 tests/endpoint/ctl.py reset && /usr/bin/python3 tests/endpoint/ctl.py stores 111111111111 eu-west-1 3000
CREATE SERVER kms_plan FOREIGN DATA WRAPPER cks_fdw
  OPTIONS (region 'eu-west-1', endpoint :'endpoint', sts_endpoint :'endpoint');
CREATE USER MAPPING FOR CURRENT_USER SERVER kms_plan
  OPTIONS (access_key_id 'AKIDCKSTEST111111111',
           secret_access_key 'cks/test/secret/111111111111/AAAAAAAAAAAA');
-- estimated_rows tells the planner how many stores a region holds
CREATE FOREIGN TABLE plan_stores (custom_key_store_id text, custom_key_store_name text,
                                  connection_state text, region text)
  SERVER kms_plan OPTIONS (estimated_rows '3000');

CREATE TABLE inventory_small (ks_id text PRIMARY KEY, owner text);
CREATE TABLE inventory_large (ks_id text PRIMARY KEY, owner text);
INSERT INTO inventory_large
  SELECT custom_key_store_id, 'team-' || (row_number() OVER (ORDER BY custom_key_store_id)) % 7
    FROM plan_stores ORDER BY custom_key_store_id LIMIT 500;
INSERT INTO inventory_small SELECT * FROM inventory_large ORDER BY ks_id LIMIT 2;
ANALYZE inventory_small, inventory_large;

-- small outer side: a lookup per row (nested loop, parameterized scan)
EXPLAIN (COSTS OFF)
SELECT i.owner, k.custom_key_store_name FROM inventory_small i
  JOIN plan_stores k ON k.custom_key_store_id = i.ks_id;
\! /usr/bin/python3 tests/endpoint/ctl.py reset && /usr/bin/python3 tests/endpoint/ctl.py stores 111111111111 eu-west-1 3000
SELECT count(*) FROM inventory_small i JOIN plan_stores k ON k.custom_key_store_id = i.ks_id;
\! /usr/bin/python3 tests/endpoint/ctl.py count

-- large outer side: one full scan (3 pages), hashed
EXPLAIN (COSTS OFF)
SELECT i.owner, k.custom_key_store_name FROM inventory_large i
  JOIN plan_stores k ON k.custom_key_store_id = i.ks_id;
\! /usr/bin/python3 tests/endpoint/ctl.py reset && /usr/bin/python3 tests/endpoint/ctl.py stores 111111111111 eu-west-1 3000
SELECT count(*) FROM inventory_large i JOIN plan_stores k ON k.custom_key_store_id = i.ks_id;
\! /usr/bin/python3 tests/endpoint/ctl.py count

-- the same join through a prepared statement, with a parameter
PREPARE owned_by(text) AS
  SELECT k.custom_key_store_name FROM inventory_small i
    JOIN plan_stores k ON k.custom_key_store_id = i.ks_id WHERE i.owner = $1;
\! /usr/bin/python3 tests/endpoint/ctl.py reset && /usr/bin/python3 tests/endpoint/ctl.py stores 111111111111 eu-west-1 3000
EXECUTE owned_by('nobody');
SELECT owner AS first_owner FROM inventory_small ORDER BY ks_id LIMIT 1 \gset
EXECUTE owned_by(:'first_owner');
\! /usr/bin/python3 tests/endpoint/ctl.py count
DEALLOCATE owned_by;

-- LIMIT with nothing to filter: the first page asks for just that many
EXPLAIN (COSTS OFF) SELECT * FROM plan_stores LIMIT 5;
\! /usr/bin/python3 tests/endpoint/ctl.py reset && /usr/bin/python3 tests/endpoint/ctl.py stores 111111111111 eu-west-1 3000
SELECT count(*) FROM (SELECT * FROM plan_stores LIMIT 5) s;
\! /usr/bin/python3 tests/endpoint/ctl.py requests --fields operation,params
\! /usr/bin/python3 tests/endpoint/ctl.py reset && /usr/bin/python3 tests/endpoint/ctl.py stores 111111111111 eu-west-1 3000
SELECT count(*) FROM (SELECT * FROM plan_stores LIMIT 5 OFFSET 3) s;
\! /usr/bin/python3 tests/endpoint/ctl.py requests --fields params

-- a local qual, an ORDER BY or an aggregate must see every row: no Limit
EXPLAIN (COSTS OFF) SELECT * FROM plan_stores WHERE connection_state = 'CONNECTED' LIMIT 5;
\! /usr/bin/python3 tests/endpoint/ctl.py reset && /usr/bin/python3 tests/endpoint/ctl.py stores 111111111111 eu-west-1 3000
SELECT count(*) FROM (SELECT * FROM plan_stores WHERE connection_state = 'CONNECTED' LIMIT 5) s;
\! /usr/bin/python3 tests/endpoint/ctl.py requests --fields params
EXPLAIN (COSTS OFF) SELECT * FROM plan_stores ORDER BY custom_key_store_name LIMIT 5;
EXPLAIN (COSTS OFF) SELECT count(*) FROM plan_stores LIMIT 5;
