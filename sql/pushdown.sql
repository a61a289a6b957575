--
-- Pushdown: id and name become API parameters, IN lists one request per
-- value, parameters and join keys, EXPLAIN, and what stays local.
--
\getenv endpoint CKS_ENDPOINT_URL
\! /usr/bin/python3 tests/endpoint/ctl.py reset
CREATE SERVER kms_push FOREIGN DATA WRAPPER cks_fdw
  OPTIONS (region 'us-east-1', endpoint :'endpoint', sts_endpoint :'endpoint');
CREATE USER MAPPING FOR CURRENT_USER SERVER kms_push
  OPTIONS (access_key_id 'AKIDCKSTEST111111111',
           secret_access_key 'cks/test/secret/111111111111/AAAAAAAAAAAA');
CREATE SCHEMA push;
IMPORT FOREIGN SCHEMA kms LIMIT TO (custom_key_stores) FROM SERVER kms_push INTO push;
SET search_path = push, public;

-- id lookup: one request, with the id sent
\! /usr/bin/python3 tests/endpoint/ctl.py reset
SELECT custom_key_store_name, connection_state FROM custom_key_stores
 WHERE custom_key_store_id = 'cks-e55034befe6d3bee7';
\! /usr/bin/python3 tests/endpoint/ctl.py requests --fields operation,params

-- name lookup, Unicode included
\! /usr/bin/python3 tests/endpoint/ctl.py reset
SELECT custom_key_store_id FROM custom_key_stores WHERE custom_key_store_name = 'Ünïcode ключ 🔑';
SELECT custom_key_store_id FROM custom_key_stores WHERE 'it''s a "quoted" back\slash\ name' = custom_key_store_name;
\! /usr/bin/python3 tests/endpoint/ctl.py requests --fields operation,params

-- unknown id or name: one request, zero rows, no error
\! /usr/bin/python3 tests/endpoint/ctl.py reset
SELECT * FROM custom_key_stores WHERE custom_key_store_id = 'cks-00000000000000000';
SELECT * FROM custom_key_stores WHERE custom_key_store_name = 'no such store';
\! /usr/bin/python3 tests/endpoint/ctl.py requests --fields operation,params,error_code

-- id and name together: the id is sent, the name is checked locally
\! /usr/bin/python3 tests/endpoint/ctl.py reset
SELECT custom_key_store_name FROM custom_key_stores
 WHERE custom_key_store_id = 'cks-e55034befe6d3bee7' AND custom_key_store_name = 'prod-hsm-primary';
SELECT custom_key_store_name FROM custom_key_stores
 WHERE custom_key_store_id = 'cks-e55034befe6d3bee7' AND custom_key_store_name = 'another name';
\! /usr/bin/python3 tests/endpoint/ctl.py requests --fields operation,params

-- IN and = ANY: one request per distinct non-NULL value
\! /usr/bin/python3 tests/endpoint/ctl.py reset
SELECT custom_key_store_name FROM custom_key_stores
 WHERE custom_key_store_id IN ('cks-e55034befe6d3bee7', 'cks-3a0a0c9f98a67b144', 'cks-00000000000000000')
 ORDER BY 1;
\! /usr/bin/python3 tests/endpoint/ctl.py count
\! /usr/bin/python3 tests/endpoint/ctl.py reset
SELECT custom_key_store_name FROM custom_key_stores
 WHERE custom_key_store_name = ANY (ARRAY['xks-vpc', 'xks-vpc', NULL, 'hsm-locked-out'])
 ORDER BY 1;
-- lookups run concurrently: their order in the log varies
\! /usr/bin/python3 tests/endpoint/ctl.py requests --fields operation,params | sort
\! /usr/bin/python3 tests/endpoint/ctl.py reset
SELECT count(*) FROM custom_key_stores WHERE custom_key_store_id = NULL;
SELECT count(*) FROM custom_key_stores WHERE custom_key_store_id = ANY (ARRAY[NULL]::text[]);
\! /usr/bin/python3 tests/endpoint/ctl.py count

-- what is not text equality under a deterministic collation stays local
\! /usr/bin/python3 tests/endpoint/ctl.py reset
SELECT count(*) FROM custom_key_stores WHERE custom_key_store_id LIKE 'cks-e55034%';
SELECT count(*) FROM custom_key_stores WHERE custom_key_store_id <> 'cks-e55034befe6d3bee7';
SELECT count(*) FROM custom_key_stores WHERE lower(custom_key_store_name) = 'xks-vpc';
SELECT count(*) FROM custom_key_stores WHERE custom_key_store_name = 'XKS-VPC' COLLATE "C";
\! /usr/bin/python3 tests/endpoint/ctl.py requests --fields operation,params
CREATE COLLATION IF NOT EXISTS case_insensitive (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
EXPLAIN (COSTS OFF) SELECT * FROM custom_key_stores WHERE custom_key_store_name = 'XKS-VPC' COLLATE case_insensitive;

-- prepared statement with a parameter
\! /usr/bin/python3 tests/endpoint/ctl.py reset
PREPARE by_id(text) AS SELECT custom_key_store_name FROM custom_key_stores WHERE custom_key_store_id = $1;
EXPLAIN (COSTS OFF) EXECUTE by_id('cks-e55034befe6d3bee7');
EXECUTE by_id('cks-e55034befe6d3bee7');
EXECUTE by_id('cks-3a0a0c9f98a67b144');
EXECUTE by_id('cks-3a0a0c9f98a67b144');
EXECUTE by_id('cks-3a0a0c9f98a67b144');
EXECUTE by_id('cks-3a0a0c9f98a67b144');
EXECUTE by_id('cks-3a0a0c9f98a67b144');
EXPLAIN (COSTS OFF) EXECUTE by_id('cks-3a0a0c9f98a67b144');
\! /usr/bin/python3 tests/endpoint/ctl.py count
DEALLOCATE by_id;

-- a join key becomes the parameter of each lookup (nested loop, rescans)
CREATE TEMP TABLE inventory (ks_id text, owner text);
INSERT INTO inventory VALUES ('cks-e55034befe6d3bee7', 'payments'),
                             ('cks-aadd09dca73e7cdcd', 'identity'),
                             ('cks-00000000000000000', 'decommissioned');
ANALYZE inventory;
-- with many stores per region a full scan is several pages: a lookup per
-- outer row is cheaper (estimated_rows tells the planner how many)
ALTER FOREIGN TABLE custom_key_stores OPTIONS (ADD estimated_rows '5000');
\! /usr/bin/python3 tests/endpoint/ctl.py reset
EXPLAIN (COSTS OFF)
SELECT i.owner, k.custom_key_store_name, k.connection_state
  FROM inventory i JOIN custom_key_stores k ON k.custom_key_store_id = i.ks_id;
EXPLAIN (COSTS OFF)
SELECT i.owner, k.custom_key_store_name, k.connection_state
  FROM inventory i LEFT JOIN custom_key_stores k ON k.custom_key_store_id = i.ks_id;
SELECT i.owner, k.custom_key_store_name, k.connection_state
  FROM inventory i LEFT JOIN custom_key_stores k ON k.custom_key_store_id = i.ks_id
 ORDER BY 1;
\! /usr/bin/python3 tests/endpoint/ctl.py requests --fields operation,params

-- prepared statement in a join
PREPARE owners(text) AS
  SELECT i.owner, k.custom_key_store_name FROM inventory i
    JOIN custom_key_stores k ON k.custom_key_store_name = i.owner || $1;
EXECUTE owners('-never');
DEALLOCATE owners;

ALTER FOREIGN TABLE custom_key_stores OPTIONS (DROP estimated_rows);

-- a correlated subquery rescans a full scan once per outer row
CREATE TEMP TABLE prefixes (prefix text);
INSERT INTO prefixes VALUES ('prod-hsm'), ('xks-vpc');
\! /usr/bin/python3 tests/endpoint/ctl.py reset
SELECT p.prefix,
       (SELECT string_agg(custom_key_store_name, ', ' ORDER BY custom_key_store_name)
          FROM custom_key_stores WHERE custom_key_store_name LIKE p.prefix || '%') AS stores
  FROM prefixes p ORDER BY 1;
\! /usr/bin/python3 tests/endpoint/ctl.py count

-- EXPLAIN shows the call and its parameters; ANALYZE the requests made
EXPLAIN (COSTS OFF) SELECT * FROM custom_key_stores;
EXPLAIN (COSTS OFF) SELECT * FROM custom_key_stores WHERE custom_key_store_name IN ('a', 'b');
EXPLAIN (COSTS OFF) SELECT * FROM custom_key_stores WHERE region = 'us-east-1' AND account_id = '111111111111';
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF, BUFFERS OFF)
  SELECT * FROM custom_key_stores WHERE custom_key_store_id IN ('cks-e55034befe6d3bee7', 'cks-3a0a0c9f98a67b144');
EXPLAIN (VERBOSE, COSTS OFF, FORMAT json) SELECT custom_key_store_id FROM custom_key_stores WHERE custom_key_store_id = 'x';

-- region and account quals that cannot match send nothing
\! /usr/bin/python3 tests/endpoint/ctl.py reset
SELECT count(*) FROM custom_key_stores WHERE region = 'eu-west-1';
SELECT count(*) FROM custom_key_stores WHERE region IN ('us-east-1', 'eu-west-1');
\! /usr/bin/python3 tests/endpoint/ctl.py requests --fields operation,region
\! /usr/bin/python3 tests/endpoint/ctl.py reset
SELECT count(*) FROM custom_key_stores WHERE account_id = '999999999999';
SELECT count(*) FROM custom_key_stores WHERE account_id = '111111111111';
\! /usr/bin/python3 tests/endpoint/ctl.py requests --fields operation

-- IMPORT FOREIGN SCHEMA: LIMIT TO / EXCEPT, and an unknown remote schema
CREATE SCHEMA import_test;
IMPORT FOREIGN SCHEMA kms EXCEPT (custom_key_stores) FROM SERVER kms_push INTO import_test;
IMPORT FOREIGN SCHEMA kms LIMIT TO (other_table) FROM SERVER kms_push INTO import_test;
-- a table the remote schema does not have is named, with the closest one
IMPORT FOREIGN SCHEMA kms LIMIT TO (custom_key_store) FROM SERVER kms_push INTO import_test;
IMPORT FOREIGN SCHEMA kms EXCEPT (clusters) FROM SERVER kms_push INTO import_test;
IMPORT FOREIGN SCHEMA kms LIMIT TO (cloudhsm_clusters) FROM SERVER kms_push INTO import_test;
SELECT count(*) FROM pg_foreign_table ft JOIN pg_class c ON c.oid = ft.ftrelid
 WHERE c.relnamespace = 'import_test'::regnamespace;
IMPORT FOREIGN SCHEMA public FROM SERVER kms_push INTO import_test;
RESET search_path;
