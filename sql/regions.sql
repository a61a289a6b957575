--
-- A server over several regions: rows from each, the region column, all
-- regions asked at the same time, and region quals that skip the others.
--
\getenv endpoint CKS_ENDPOINT_URL
\! /usr/bin/python3 tests/endpoint/ctl.py reset
CREATE SERVER kms_multi FOREIGN DATA WRAPPER cks_fdw
  OPTIONS (region 'us-east-1, eu-west-1,ap-southeast-2', endpoint :'endpoint',
           sts_endpoint :'endpoint');
CREATE USER MAPPING FOR CURRENT_USER SERVER kms_multi
  OPTIONS (access_key_id 'AKIDCKSTEST222222222',
           secret_access_key 'cks/test/secret/222222222222/BBBBBBBBBBBB');
CREATE FOREIGN TABLE multi (custom_key_store_name text, connection_state text,
                            region text, account_id text)
  SERVER kms_multi OPTIONS (page_size '2');

-- every region's rows, each with its own region; each region paginates
-- alone.  With 200 ms of latency per request, the regions' requests must
-- overlap in time to show they run concurrently.
\! /usr/bin/python3 tests/endpoint/ctl.py reset
\! /usr/bin/python3 tests/endpoint/ctl.py config latency_ms=200
SELECT region, count(*) FROM multi GROUP BY region ORDER BY region;
SELECT DISTINCT account_id FROM multi;
\! /usr/bin/python3 tests/endpoint/ctl.py requests --fields operation,region --operation DescribeCustomKeyStores | sort | uniq -c
-- the three regions' first requests were in flight together
\! /usr/bin/python3 tests/endpoint/ctl.py overlap --operation DescribeCustomKeyStores
\! /usr/bin/python3 tests/endpoint/ctl.py config latency_ms=0

-- the union equals the regions queried one at a time
SELECT (SELECT count(*) FROM multi) =
       (SELECT count(*) FROM multi WHERE region = 'us-east-1') +
       (SELECT count(*) FROM multi WHERE region = 'eu-west-1') +
       (SELECT count(*) FROM multi WHERE region = 'ap-southeast-2') AS union_matches;

-- a region qual sends nothing to the other regions
\! /usr/bin/python3 tests/endpoint/ctl.py reset
SELECT count(*) > 0 AS has_rows FROM multi WHERE region = 'eu-west-1';
SELECT count(*) > 0 AS has_rows FROM multi WHERE region IN ('ap-southeast-2', 'mars-north-1');
SELECT count(*) FROM multi WHERE region = 'sa-east-1';
\! /usr/bin/python3 tests/endpoint/ctl.py requests --fields region --operation DescribeCustomKeyStores | sort | uniq -c
EXPLAIN (COSTS OFF) SELECT * FROM multi WHERE region = 'eu-west-1';
EXPLAIN (COSTS OFF) SELECT * FROM multi WHERE region = 'sa-east-1';
EXPLAIN (COSTS OFF) SELECT * FROM multi;
-- = ANY prints as it does for an API parameter: name = ANY(array)
EXPLAIN (COSTS OFF) SELECT * FROM multi WHERE region IN ('ap-southeast-2', 'mars-north-1');
