--
-- cloudhsm_clusters: CloudHSM v2 DescribeClusters.  Every column, agreement
-- with botocore's own client, the Filters push-down (cluster_id, state,
-- vpc_id; constants, IN, parameters and join keys), NextToken pages,
-- absent fields and errors.
--
\getenv endpoint CKS_ENDPOINT_URL
\! /usr/bin/python3 tests/endpoint/ctl.py reset
CREATE SERVER hsm FOREIGN DATA WRAPPER cks_fdw
  OPTIONS (region 'us-east-1', endpoint :'endpoint', cloudhsm_endpoint :'endpoint');
CREATE USER MAPPING FOR CURRENT_USER SERVER hsm
  OPTIONS (access_key_id 'AKIDCKSTEST111111111',
           secret_access_key 'cks/test/secret/111111111111/AAAAAAAAAAAA');
CREATE SCHEMA hsm;
IMPORT FOREIGN SCHEMA cloudhsm FROM SERVER hsm INTO hsm;
IMPORT FOREIGN SCHEMA kms FROM SERVER hsm INTO hsm;
SET search_path = hsm, public;
\d cloudhsm_clusters

-- the rich pair: 10 clusters in 2 VPCs, one DEGRADED, one UNINITIALIZED
SELECT cluster_id, state, state_message, hsm_type, mode, network_type,
       hsm_count, jsonb_array_length(hsms) AS hsms, backup_policy,
       backup_retention, source_backup_id, create_timestamp
  FROM cloudhsm_clusters ORDER BY create_timestamp, cluster_id;
-- MaxResults is 25 at most: one page here
\! /usr/bin/python3 tests/endpoint/ctl.py requests --fields service,operation,region,params

-- jsonb columns hold AWS's subtrees
SELECT hsms->0->>'HsmId' LIKE 'hsm-%' AS hsm_id, hsms->0->>'State' AS hsm_state,
       hsms->0->>'EniIp' AS eni_ip, subnet_mapping, tags,
       certificates ? 'ClusterCertificate' AS has_cluster_certificate
  FROM cloudhsm_clusters WHERE cluster_id = 'cluster-1a23b4cdefg';
SELECT count(*) AS raw_matches_columns FROM cloudhsm_clusters
 WHERE raw->>'ClusterId' = cluster_id AND raw->'Hsms' = hsms
   AND raw->>'VpcId' = vpc_id AND raw->>'SecurityGroup' = security_group;

-- compare every column with what botocore's paginator lists (Debian's
-- botocore 1.29 predates Mode, NetworkType, HsmTypeRollbackExpiration and
-- the HSMs' HsmType and EniIpV6 and drops them, so those are compared only
-- where botocore has them, and raw and hsms on botocore's fields)
CREATE TEMP TABLE boto_raw (b64 text);
\copy boto_raw FROM PROGRAM '/usr/bin/python3 tests/lib/botocore_list.py us-east-1 AKIDCKSTEST111111111 cks/test/secret/111111111111/AAAAAAAAAAAA --what clusters --page-size 3'
CREATE TEMP TABLE boto AS
  SELECT convert_from(decode(b64, 'base64'), 'UTF8')::jsonb AS e FROM boto_raw;
SELECT count(*) AS botocore_clusters FROM boto;
SELECT coalesce(c.cluster_id, b.e->>'ClusterId') AS mismatch
  FROM cloudhsm_clusters c FULL JOIN boto b ON b.e->>'ClusterId' = c.cluster_id
 WHERE c.cluster_id IS NULL OR b.e IS NULL
    OR c.state IS DISTINCT FROM b.e->>'State'
    OR c.state_message IS DISTINCT FROM b.e->>'StateMessage'
    OR c.hsm_type IS DISTINCT FROM b.e->>'HsmType'
    OR (b.e ? 'Mode' AND c.mode IS DISTINCT FROM b.e->>'Mode')
    OR c.vpc_id IS DISTINCT FROM b.e->>'VpcId'
    OR c.security_group IS DISTINCT FROM b.e->>'SecurityGroup'
    OR (b.e ? 'NetworkType' AND c.network_type IS DISTINCT FROM b.e->>'NetworkType')
    OR c.subnet_mapping IS DISTINCT FROM b.e->'SubnetMapping'
    OR c.hsm_count IS DISTINCT FROM jsonb_array_length(b.e->'Hsms')
    OR coalesce((SELECT jsonb_agg((SELECT jsonb_object_agg(k, v) FROM jsonb_each(h) AS f(k, v)
                                    WHERE b.e->'Hsms'->(n::int - 1) ? k) ORDER BY n)
                   FROM jsonb_array_elements(c.hsms) WITH ORDINALITY AS x(h, n)), '[]')
         IS DISTINCT FROM b.e->'Hsms'
    OR c.backup_policy IS DISTINCT FROM b.e->>'BackupPolicy'
    OR c.backup_retention IS DISTINCT FROM b.e->'BackupRetentionPolicy'
    OR c.source_backup_id IS DISTINCT FROM b.e->>'SourceBackupId'
    OR c.certificates IS DISTINCT FROM b.e->'Certificates'
    OR c.tags IS DISTINCT FROM b.e->'TagList'
    OR c.create_timestamp IS DISTINCT FROM (b.e->>'CreateTimestamp')::timestamptz
    OR (SELECT jsonb_object_agg(key, value)
          FROM jsonb_each(c.raw - 'CreateTimestamp' - 'HsmTypeRollbackExpiration' - 'Hsms')
         WHERE b.e ? key) IS DISTINCT FROM
       b.e - 'CreateTimestamp' - 'HsmTypeRollbackExpiration' - 'Hsms' - 'PreCoPassword';
SELECT count(*) AS mode_and_network_type_from_raw FROM cloudhsm_clusters
 WHERE mode = raw->>'Mode' AND network_type = raw->>'NetworkType';

-- stores reference real clusters: the console page, with HSM counts
SELECT s.custom_key_store_name, s.connection_state, c.state AS cluster_state, c.hsm_count
  FROM custom_key_stores s JOIN cloudhsm_clusters c ON c.cluster_id = s.cloud_hsm_cluster_id
 ORDER BY s.creation_date;

-- cluster_id = constant: one request with the clusterIds filter
\! /usr/bin/python3 tests/endpoint/ctl.py reset
EXPLAIN (COSTS OFF) SELECT cluster_id FROM cloudhsm_clusters WHERE cluster_id = 'cluster-1a23b4cdefg';
SELECT cluster_id, hsm_count FROM cloudhsm_clusters WHERE cluster_id = 'cluster-1a23b4cdefg';
\! /usr/bin/python3 tests/endpoint/ctl.py requests --fields operation,params
-- an id that does not exist: zero rows, no error
SELECT count(*) FROM cloudhsm_clusters WHERE cluster_id = 'cluster-00000000000';
-- IN: one request with every distinct value in the clusterIds list
\! /usr/bin/python3 tests/endpoint/ctl.py reset
SELECT cluster_id FROM cloudhsm_clusters
 WHERE cluster_id IN ('cluster-1a23b4cdefg', 'cluster-fd4008a145a', 'cluster-1a23b4cdefg', NULL)
 ORDER BY 1;
\! /usr/bin/python3 tests/endpoint/ctl.py requests --fields operation,params | sort

-- state and vpc_id become the states and vpcIds filters
\! /usr/bin/python3 tests/endpoint/ctl.py reset
SELECT cluster_id, hsm_count, state_message FROM cloudhsm_clusters WHERE state = 'DEGRADED';
SELECT count(*) FROM cloudhsm_clusters WHERE vpc_id = (SELECT vpc_id FROM cloudhsm_clusters WHERE state = 'UNINITIALIZED');
\! /usr/bin/python3 tests/endpoint/ctl.py requests --fields operation,params | sed -E 's/vpc-[0-9a-f]+/vpc-.../'
-- a state outside AWS's enum is not sent: the clause filters locally
\! /usr/bin/python3 tests/endpoint/ctl.py reset
SELECT count(*) FROM cloudhsm_clusters WHERE state = 'degraded';
SELECT count(*) FROM cloudhsm_clusters WHERE state IN ('NO_SUCH_STATE', 'ACTIVE');
\! /usr/bin/python3 tests/endpoint/ctl.py requests --fields operation,params

-- a parameter (prepared statement)
\! /usr/bin/python3 tests/endpoint/ctl.py reset
PREPARE by_id(text) AS SELECT cluster_id, state FROM cloudhsm_clusters WHERE cluster_id = $1;
EXECUTE by_id('cluster-1a23b4cdefg');
\! /usr/bin/python3 tests/endpoint/ctl.py requests --fields operation,params
DEALLOCATE by_id;

-- a join from custom_key_stores looks each store's cluster up by id
\! /usr/bin/python3 tests/endpoint/ctl.py reset
SET enable_hashjoin = off;
SET enable_mergejoin = off;
EXPLAIN (COSTS OFF)
SELECT s.custom_key_store_name, c.hsm_count
  FROM custom_key_stores s JOIN cloudhsm_clusters c ON c.cluster_id = s.cloud_hsm_cluster_id
 WHERE s.custom_key_store_id IN ('cks-e55034befe6d3bee7', 'cks-5ff2150d32255556e');
SELECT s.custom_key_store_name, c.state, c.hsm_count
  FROM custom_key_stores s JOIN cloudhsm_clusters c ON c.cluster_id = s.cloud_hsm_cluster_id
 WHERE s.custom_key_store_id IN ('cks-e55034befe6d3bee7', 'cks-5ff2150d32255556e')
 ORDER BY 1;
\! /usr/bin/python3 tests/endpoint/ctl.py requests --fields service,operation,params | sort
RESET enable_hashjoin;
RESET enable_mergejoin;

-- EXPLAIN ANALYZE counts the requests; LIMIT lowers MaxResults
\! /usr/bin/python3 tests/endpoint/ctl.py reset
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT cluster_id FROM cloudhsm_clusters LIMIT 2;
\! /usr/bin/python3 tests/endpoint/ctl.py requests --fields operation,params

-- NextToken pages: page_size 4 over 10 clusters is 3 requests
ALTER FOREIGN TABLE cloudhsm_clusters OPTIONS (ADD page_size '4');
\! /usr/bin/python3 tests/endpoint/ctl.py reset
SELECT count(*), count(DISTINCT cluster_id) FROM cloudhsm_clusters;
\! /usr/bin/python3 tests/endpoint/ctl.py requests --fields operation,params | sed -E 's/"NextToken": "[^"]*"/"NextToken": "..."/'
ALTER FOREIGN TABLE cloudhsm_clusters OPTIONS (DROP page_size);

-- regions: a region with no clusters; region = X sends nothing elsewhere
ALTER SERVER hsm OPTIONS (SET region 'us-east-1,ap-southeast-2,sa-east-1');
\! /usr/bin/python3 tests/endpoint/ctl.py reset
SELECT region, count(*) FROM cloudhsm_clusters GROUP BY 1 ORDER BY 1;
SELECT count(*) FROM cloudhsm_clusters WHERE region = 'sa-east-1';
\! /usr/bin/python3 tests/endpoint/ctl.py requests --fields operation,region | sort | uniq -c
ALTER SERVER hsm OPTIONS (SET region 'us-east-1');

-- errors: AWS's code, message and request id; on_error 'warn' skips
-- runs a query and shows the error it raises, request ids and key ids masked
CREATE FUNCTION pg_temp.show_error(query text)
RETURNS TABLE (state text, message text, detail text, hint text)
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE query;
  state := 'none';
  RETURN NEXT;
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT,
                          detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT;
  detail := regexp_replace(detail, 'request id [^,)]+', 'request id <id>');
  message := regexp_replace(message, '[0-9a-f]{8}-[0-9a-f-]{27}', '<key>');
  RETURN NEXT;
END $$;
\x on
\! /usr/bin/python3 tests/endpoint/ctl.py reset
\! /usr/bin/python3 tests/endpoint/ctl.py fault accessdenied --service cloudhsm
SELECT * FROM pg_temp.show_error('SELECT count(*) FROM cloudhsm_clusters');
\! /usr/bin/python3 tests/endpoint/ctl.py fault status500 --service cloudhsm --count 3
SET cks_fdw.retry_base_delay_ms = 1;
SELECT * FROM pg_temp.show_error('SELECT count(*) FROM cloudhsm_clusters');
\! /usr/bin/python3 tests/endpoint/ctl.py fault malformed --service cloudhsm
SELECT * FROM pg_temp.show_error('SELECT count(*) FROM cloudhsm_clusters');
\x off
ALTER FOREIGN TABLE cloudhsm_clusters OPTIONS (ADD on_error 'warn');
\! /usr/bin/python3 tests/endpoint/ctl.py fault status503 --service cloudhsm --count 3
\set VERBOSITY terse
SELECT count(*) FROM cloudhsm_clusters;
\set VERBOSITY default
ALTER FOREIGN TABLE cloudhsm_clusters OPTIONS (DROP on_error);
-- a signature the endpoint refuses (a wrong secret)
CREATE USER MAPPING FOR PUBLIC SERVER hsm
  OPTIONS (access_key_id 'AKIDCKSTEST111111111', secret_access_key 'wrong/secret');
CREATE ROLE cks_hsm_other;
GRANT USAGE ON SCHEMA hsm TO cks_hsm_other;
GRANT SELECT ON cloudhsm_clusters TO cks_hsm_other;
SET ROLE cks_hsm_other;
\x on
SELECT * FROM pg_temp.show_error('SELECT count(*) FROM hsm.cloudhsm_clusters');
\x off
RESET ROLE;
DROP USER MAPPING FOR PUBLIC SERVER hsm;
REVOKE ALL ON cloudhsm_clusters FROM cks_hsm_other;
REVOKE ALL ON SCHEMA hsm FROM cks_hsm_other;
DROP ROLE cks_hsm_other;
RESET cks_fdw.retry_base_delay_ms;
RESET search_path;
