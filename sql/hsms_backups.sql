--
-- cloudhsm_hsms (one row per HSM of DescribeClusters, no request of its
-- own), cloudhsm_backups (DescribeBackups) and the health columns of
-- cloudhsm_clusters: every column against botocore's own client, the
-- Filters push-down (= ANY is one request with the list), values outside
-- the model's enums filtered locally, NextToken pages.
--
\getenv endpoint CKS_ENDPOINT_URL
\! /usr/bin/python3 tests/endpoint/ctl.py reset
CREATE SERVER hb FOREIGN DATA WRAPPER cks_fdw
  OPTIONS (region 'us-east-1', endpoint :'endpoint', cloudhsm_endpoint :'endpoint');
CREATE USER MAPPING FOR CURRENT_USER SERVER hb
  OPTIONS (access_key_id 'AKIDCKSTEST111111111',
           secret_access_key 'cks/test/secret/111111111111/AAAAAAAAAAAA');
CREATE SCHEMA hb;
IMPORT FOREIGN SCHEMA cloudhsm FROM SERVER hb INTO hb;
SET search_path = hb, public;
\d cloudhsm_hsms
\d cloudhsm_backups

-- the health columns: ACTIVE HSMs and their distinct AZs, sorted
SELECT cluster_id, state, hsm_count, active_hsm_count, active_hsm_azs,
       backup_retention_days, hsm_type_rollback_expiration IS NOT NULL AS rollback
  FROM cloudhsm_clusters ORDER BY create_timestamp, cluster_id;
SELECT count(*) AS retention_matches FROM cloudhsm_clusters
 WHERE backup_retention_days = (backup_retention->>'Value')::int;

-- HSMs in mixed states across AZs, from the one DescribeClusters
\! /usr/bin/python3 tests/endpoint/ctl.py reset
SELECT cluster_id, state, availability_zone, eni_ip, eni_ip_v6 IS NOT NULL AS v6,
       hsm_type, left(state_message, 20) AS message
  FROM cloudhsm_hsms ORDER BY cluster_id, hsm_id;
\! /usr/bin/python3 tests/endpoint/ctl.py requests --fields operation,params
SELECT state, count(*) FROM cloudhsm_hsms GROUP BY 1 ORDER BY 1;

-- every column against botocore (Debian's botocore 1.29 predates HsmType,
-- EniIpV6, Mode and HsmTypeRollbackExpiration: compared where it has them)
CREATE TEMP TABLE boto_raw (b64 text);
\copy boto_raw FROM PROGRAM '/usr/bin/python3 tests/lib/botocore_list.py us-east-1 AKIDCKSTEST111111111 cks/test/secret/111111111111/AAAAAAAAAAAA --what hsms --page-size 3'
CREATE TEMP TABLE boto_hsms AS
  SELECT convert_from(decode(b64, 'base64'), 'UTF8')::jsonb AS e FROM boto_raw;
SELECT count(*) AS botocore_hsms FROM boto_hsms;
SELECT coalesce(h.hsm_id, b.e->>'HsmId') AS mismatch
  FROM cloudhsm_hsms h FULL JOIN boto_hsms b ON b.e->>'HsmId' = h.hsm_id
 WHERE h.hsm_id IS NULL OR b.e IS NULL
    OR h.cluster_id IS DISTINCT FROM b.e->>'ClusterId'
    OR h.state IS DISTINCT FROM b.e->>'State'
    OR h.state_message IS DISTINCT FROM b.e->>'StateMessage'
    OR h.availability_zone IS DISTINCT FROM b.e->>'AvailabilityZone'
    OR h.subnet_id IS DISTINCT FROM b.e->>'SubnetId'
    OR h.eni_id IS DISTINCT FROM b.e->>'EniId'
    OR h.eni_ip IS DISTINCT FROM b.e->>'EniIp'
    OR (b.e ? 'EniIpV6' AND h.eni_ip_v6 IS DISTINCT FROM b.e->>'EniIpV6')
    OR (b.e ? 'HsmType' AND h.hsm_type IS DISTINCT FROM b.e->>'HsmType')
    OR h.region <> 'us-east-1'
    OR (SELECT jsonb_object_agg(key, value) FROM jsonb_each(h.raw)
         WHERE b.e ? key) IS DISTINCT FROM b.e;
SELECT count(*) AS columns_from_raw FROM cloudhsm_hsms
 WHERE hsm_type = raw->>'HsmType' AND eni_ip_v6 IS NOT DISTINCT FROM raw->>'EniIpV6';
-- the clusters' aggregates agree with the HSM rows
SELECT c.cluster_id FROM cloudhsm_clusters c
 WHERE c.active_hsm_count IS DISTINCT FROM
         (SELECT count(*) FROM cloudhsm_hsms h WHERE h.cluster_id = c.cluster_id AND h.state = 'ACTIVE')
    OR c.active_hsm_azs IS DISTINCT FROM
         (SELECT coalesce(array_agg(DISTINCT h.availability_zone ORDER BY h.availability_zone), '{}')
            FROM cloudhsm_hsms h WHERE h.cluster_id = c.cluster_id AND h.state = 'ACTIVE');

-- cluster_id IN: one DescribeClusters with the clusterIds list, not one per value
\! /usr/bin/python3 tests/endpoint/ctl.py reset
EXPLAIN (COSTS OFF) SELECT hsm_id FROM cloudhsm_hsms
 WHERE cluster_id IN ('cluster-1a23b4cdefg', 'cluster-387e82afb57');
SELECT cluster_id, state FROM cloudhsm_hsms
 WHERE cluster_id IN ('cluster-1a23b4cdefg', 'cluster-387e82afb57', 'cluster-1a23b4cdefg', NULL)
 ORDER BY 1, 2;
\! /usr/bin/python3 tests/endpoint/ctl.py requests --fields operation,params
-- 100 values a request: 151 distinct ids are two requests
\! /usr/bin/python3 tests/endpoint/ctl.py reset
SELECT count(*) FROM cloudhsm_hsms
 WHERE cluster_id = ANY (ARRAY(SELECT 'cluster-' || lpad(g::text, 11, '0') FROM generate_series(1, 150) g)
                         || 'cluster-1a23b4cdefg'::text);
\! /usr/bin/python3 tests/endpoint/ctl.py requests --fields operation,params | /usr/bin/python3 -c "import json, sys; [print(l.split(' ', 1)[0], len(json.loads(l.split(' ', 1)[1])['Filters']['clusterIds'])) for l in sys.stdin]" | sort
-- a state AWS does not know yet is not sent: every cluster is listed and
-- the clause filters locally (it matches nothing here, an empty result
-- that comes from the rows, not from a filter AWS would refuse)
\! /usr/bin/python3 tests/endpoint/ctl.py reset
SELECT count(*) FROM cloudhsm_clusters WHERE state IN ('NO_SUCH_STATE', 'DEGRADED');
SELECT count(*) FROM cloudhsm_clusters WHERE state = 'degraded';
\! /usr/bin/python3 tests/endpoint/ctl.py requests --fields operation,params
-- known states are still one filtered request
\! /usr/bin/python3 tests/endpoint/ctl.py reset
SELECT count(*) FROM cloudhsm_clusters WHERE state IN ('DEGRADED', 'UNINITIALIZED');
\! /usr/bin/python3 tests/endpoint/ctl.py requests --fields operation,params

-- backups: every field of the Backup shape
\! /usr/bin/python3 tests/endpoint/ctl.py reset
SELECT backup_state, never_expires, source_region, tags,
       create_timestamp > now() - interval '8 days' AS recent,
       delete_timestamp IS NOT NULL AS deleting,
       copy_timestamp IS NOT NULL AS copied, hsm_type, mode
  FROM cloudhsm_backups WHERE cluster_id = 'cluster-1a23b4cdefg'
 ORDER BY create_timestamp DESC;
\! /usr/bin/python3 tests/endpoint/ctl.py requests --fields operation,params
SELECT cluster_id, count(*) AS backups,
       max(create_timestamp) FILTER (WHERE backup_state = 'READY') > now() - interval '7 days' AS ready_this_week
  FROM cloudhsm_backups GROUP BY 1 ORDER BY 1;

TRUNCATE boto_raw;
\copy boto_raw FROM PROGRAM '/usr/bin/python3 tests/lib/botocore_list.py us-east-1 AKIDCKSTEST111111111 cks/test/secret/111111111111/AAAAAAAAAAAA --what backups --page-size 4'
CREATE TEMP TABLE boto_backups AS
  SELECT convert_from(decode(b64, 'base64'), 'UTF8')::jsonb AS e FROM boto_raw;
SELECT count(*) AS botocore_backups FROM boto_backups;
SELECT coalesce(k.backup_id, b.e->>'BackupId') AS mismatch
  FROM cloudhsm_backups k FULL JOIN boto_backups b ON b.e->>'BackupId' = k.backup_id
 WHERE k.backup_id IS NULL OR b.e IS NULL
    OR (b.e ? 'BackupArn' AND k.backup_arn IS DISTINCT FROM b.e->>'BackupArn')
    OR k.backup_state IS DISTINCT FROM b.e->>'BackupState'
    OR k.cluster_id IS DISTINCT FROM b.e->>'ClusterId'
    OR k.create_timestamp IS DISTINCT FROM (b.e->>'CreateTimestamp')::timestamptz
    OR k.copy_timestamp IS DISTINCT FROM (b.e->>'CopyTimestamp')::timestamptz
    OR k.delete_timestamp IS DISTINCT FROM (b.e->>'DeleteTimestamp')::timestamptz
    OR k.never_expires IS DISTINCT FROM (b.e->>'NeverExpires')::boolean
    OR k.source_region IS DISTINCT FROM b.e->>'SourceRegion'
    OR k.source_backup IS DISTINCT FROM b.e->>'SourceBackup'
    OR k.source_cluster IS DISTINCT FROM b.e->>'SourceCluster'
    OR (b.e ? 'HsmType' AND k.hsm_type IS DISTINCT FROM b.e->>'HsmType')
    OR (b.e ? 'Mode' AND k.mode IS DISTINCT FROM b.e->>'Mode')
    OR k.tags IS DISTINCT FROM
         (SELECT coalesce(jsonb_object_agg(t->>'Key', t->>'Value'), '{}')
            FROM jsonb_array_elements(b.e->'TagList') t)
    OR k.raw->'TagList' IS DISTINCT FROM b.e->'TagList';
SELECT count(*) AS columns_from_raw FROM cloudhsm_backups
 WHERE hsm_type = raw->>'HsmType' AND mode = raw->>'Mode' AND backup_arn = raw->>'BackupArn';

-- pushed quals become Filters: one DescribeBackups for a cluster; IN is one list
\! /usr/bin/python3 tests/endpoint/ctl.py reset
EXPLAIN (COSTS OFF) SELECT backup_id FROM cloudhsm_backups WHERE cluster_id = 'cluster-387e82afb57';
SELECT backup_state FROM cloudhsm_backups WHERE cluster_id = 'cluster-387e82afb57' ORDER BY 1;
\! /usr/bin/python3 tests/endpoint/ctl.py requests --fields operation,params
\! /usr/bin/python3 tests/endpoint/ctl.py reset
SELECT count(*) FROM cloudhsm_backups WHERE backup_state IN ('PENDING_DELETION', 'DELETED');
SELECT count(*) FROM cloudhsm_backups
 WHERE backup_id = (SELECT backup_id FROM cloudhsm_backups WHERE never_expires);
\! /usr/bin/python3 tests/endpoint/ctl.py requests --fields operation,params | sed -E 's/backup-[a-z0-9]+/backup-.../'
-- every filter at once, AWS matching all; never_expires (a boolean) as
-- "true"/"false": the column alone, NOT, and = a parameter
\! /usr/bin/python3 tests/endpoint/ctl.py reset
EXPLAIN (COSTS OFF) SELECT backup_id FROM cloudhsm_backups
 WHERE NOT never_expires AND cluster_id = 'cluster-1a23b4cdefg' AND backup_state IN ('READY', 'DELETED');
SELECT backup_state, never_expires FROM cloudhsm_backups
 WHERE NOT never_expires AND cluster_id = 'cluster-1a23b4cdefg' AND backup_state IN ('READY', 'DELETED')
 ORDER BY create_timestamp DESC;
\! /usr/bin/python3 tests/endpoint/ctl.py requests --fields operation,params
\! /usr/bin/python3 tests/endpoint/ctl.py reset
SELECT count(*) FROM cloudhsm_backups WHERE never_expires;
PREPARE kept(boolean) AS SELECT count(*) FROM cloudhsm_backups WHERE never_expires = $1;
EXECUTE kept(false);
EXPLAIN (COSTS OFF) EXECUTE kept(true);
DEALLOCATE kept;
\! /usr/bin/python3 tests/endpoint/ctl.py requests --fields operation,params
-- a filter whose only value is NULL matches nothing: no request
\! /usr/bin/python3 tests/endpoint/ctl.py reset
SELECT count(*) FROM cloudhsm_backups WHERE cluster_id = 'cluster-1a23b4cdefg' AND backup_state = (SELECT NULL::text);
\! /usr/bin/python3 tests/endpoint/ctl.py requests --fields operation,params
-- a backup state outside the enum: filtered locally
\! /usr/bin/python3 tests/endpoint/ctl.py reset
SELECT count(*) FROM cloudhsm_backups WHERE backup_state = 'ARCHIVED';
\! /usr/bin/python3 tests/endpoint/ctl.py requests --fields operation,params

-- NextToken pages: 50 at most a page, page_size 4 over 13 backups is 4 requests
ALTER FOREIGN TABLE cloudhsm_backups OPTIONS (ADD page_size '4');
\! /usr/bin/python3 tests/endpoint/ctl.py reset
SELECT count(*), count(DISTINCT backup_id) FROM cloudhsm_backups;
\! /usr/bin/python3 tests/endpoint/ctl.py requests --fields operation,params | sed -E 's/"NextToken": "[^"]*"/"NextToken": "..."/'

RESET search_path;
DROP SCHEMA hb CASCADE;
DROP SERVER hb CASCADE;
