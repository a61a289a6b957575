--
-- keys: the extra calls (GetKeyLastUsage, ListResourceTags, ListAliases),
-- made only for the columns a query reads and only for the keys that pass
-- its other conditions; every column compared with botocore's own client
-- (pyenv's botocore 1.43, python3 on PATH: GetKeyLastUsage is in its model)
--
\getenv endpoint CKS_ENDPOINT_URL
\! /usr/bin/python3 tests/endpoint/ctl.py reset
CREATE SERVER kms_extras FOREIGN DATA WRAPPER cks_fdw
  OPTIONS (region 'us-east-1', endpoint :'endpoint', sts_endpoint :'endpoint');
CREATE USER MAPPING FOR CURRENT_USER SERVER kms_extras
  OPTIONS (access_key_id 'AKIDCKSTEST111111111',
           secret_access_key 'cks/test/secret/111111111111/AAAAAAAAAAAA');
CREATE SCHEMA extras;
IMPORT FOREIGN SCHEMA kms LIMIT TO (keys, custom_key_stores) FROM SERVER kms_extras INTO extras;
SET search_path = extras, public;
ALTER FOREIGN TABLE keys OPTIONS (ADD key_manager 'ALL');

-- key_id alone, or raw: none of the three calls
\! /usr/bin/python3 tests/endpoint/ctl.py reset
SELECT count(*) FROM keys;
SELECT count(*) FROM (SELECT key_id, raw FROM keys) k WHERE raw ? 'KeyId';
\! /usr/bin/python3 tests/endpoint/ctl.py requests --fields operation | sort | uniq -c
EXPLAIN (COSTS OFF) SELECT key_id, raw FROM keys;

-- EXPLAIN names the extra calls of the columns read (targetlist or quals)
EXPLAIN (COSTS OFF) SELECT key_id, last_used_at, tags, aliases FROM keys;
EXPLAIN (COSTS OFF) SELECT key_id FROM keys WHERE tags ? 'team';
EXPLAIN (COSTS OFF) SELECT key_id FROM keys WHERE aliases IS NOT NULL;

-- every key (AWS managed included) against botocore
CREATE TEMP TABLE boto_raw (b64 text);
\copy boto_raw FROM PROGRAM 'python3 tests/lib/botocore_list.py us-east-1 AKIDCKSTEST111111111 cks/test/secret/111111111111/AAAAAAAAAAAA --what key-extras --page-size 3'
CREATE TEMP TABLE boto AS
  SELECT convert_from(decode(b64, 'base64'), 'UTF8')::jsonb AS e FROM boto_raw;
\! /usr/bin/python3 tests/endpoint/ctl.py reset
CREATE TEMP TABLE ours AS
  SELECT key_id, key_manager, creation_date, last_used_at, last_used_operation,
         last_used_request_id, last_used_cloudtrail_event_id,
         usage_tracking_start, tags, aliases
    FROM keys;
-- one ListAliases listing for the region; one of each other call per key
\! /usr/bin/python3 tests/endpoint/ctl.py requests --fields operation,status | sort | uniq -c
SELECT count(*) AS botocore_keys, count(k.key_id) AS matched,
       count(k.last_used_at) AS used, count(k.tags) AS with_tags,
       count(k.aliases) AS with_aliases
  FROM boto b LEFT JOIN ours k
    ON k.key_id = b.e->>'KeyId'
   AND k.last_used_at IS NOT DISTINCT FROM (b.e#>>'{_Usage,KeyLastUsage,Timestamp}')::timestamptz
   AND k.last_used_operation IS NOT DISTINCT FROM b.e#>>'{_Usage,KeyLastUsage,Operation}'
   AND k.last_used_request_id IS NOT DISTINCT FROM b.e#>>'{_Usage,KeyLastUsage,KmsRequestId}'
   AND k.last_used_cloudtrail_event_id IS NOT DISTINCT FROM b.e#>>'{_Usage,KeyLastUsage,CloudTrailEventId}'
   AND k.usage_tracking_start IS NOT DISTINCT FROM (b.e#>>'{_Usage,TrackingStartDate}')::timestamptz
   AND k.tags IS NOT DISTINCT FROM nullif(b.e->'_Tags', 'null')
   AND (SELECT array_agg(a ORDER BY a) FROM unnest(k.aliases) a)
       IS NOT DISTINCT FROM
       (SELECT array_agg(a ORDER BY a) FROM jsonb_array_elements_text(nullif(b.e->'_Aliases', 'null')) a);
SELECT count(*) AS keys_not_in_botocore FROM ours k
 WHERE NOT EXISTS (SELECT FROM boto b WHERE b.e->>'KeyId' = k.key_id);
-- AWS managed keys: tags NULL (AWS refuses ListResourceTags), aliases alias/aws/...
SELECT key_manager, tags IS NULL AS no_tags, aliases FROM ours
 WHERE key_manager = 'AWS' ORDER BY 3;
-- reading NULL last use: tracking began after the key was created, so it
-- may have been used before; or not used since it was created
SELECT CASE WHEN last_used_at IS NOT NULL THEN 'used since tracking began'
            WHEN creation_date >= usage_tracking_start THEN 'never used'
            ELSE 'not used since tracking began' END AS reading,
       count(*)
  FROM ours GROUP BY 1 ORDER BY 1;

-- aliases of 41 keys: one ListAliases listing, no per-key call
\! /usr/bin/python3 tests/endpoint/ctl.py reset
SELECT count(*) FILTER (WHERE aliases IS NOT NULL) AS keys_with_aliases FROM keys;
\! /usr/bin/python3 tests/endpoint/ctl.py requests --fields operation | sort | uniq -c

-- WHERE custom_key_store_id = X: GetKeyLastUsage only for that store's
-- keys (the condition is checked on DescribeKey's answer first)
CREATE TEMP TABLE one_store AS
  SELECT custom_key_store_id AS id, count(*) AS n FROM ours JOIN keys USING (key_id)
   WHERE custom_key_store_id IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1;
SELECT n AS store_keys FROM one_store;
\! /usr/bin/python3 tests/endpoint/ctl.py reset
SELECT count(*), count(usage_tracking_start) FROM keys
 WHERE custom_key_store_id = (SELECT id FROM one_store);
\! /usr/bin/python3 tests/endpoint/ctl.py count --operation GetKeyLastUsage
-- and key_state: a state no key has makes no extra call at all
\! /usr/bin/python3 tests/endpoint/ctl.py reset
SELECT count(*) FROM keys WHERE key_state = 'Creating' AND last_used_at IS NULL;
\! /usr/bin/python3 tests/endpoint/ctl.py count --operation GetKeyLastUsage

-- examples/keys.sql: keys_at_risk_usage and unused_keys, checked against what
-- botocore read from the endpoint
\set ECHO none
\i examples/keys.sql
\set ECHO all
\! /usr/bin/python3 tests/endpoint/ctl.py reset
CREATE TEMP TABLE at_risk AS SELECT * FROM keys_at_risk_usage;
\! /usr/bin/python3 tests/endpoint/ctl.py count --operation GetKeyLastUsage
SELECT count(*) AS at_risk_keys,
       count(*) FILTER (WHERE key_state = 'Unavailable') AS unavailable
  FROM at_risk;
-- exactly the keys of the stores that are not CONNECTED, with botocore's
-- last use, owner and aliases
SELECT count(*) AS mismatches FROM at_risk r
  FULL JOIN (SELECT b.e FROM boto b JOIN custom_key_stores s
               ON s.custom_key_store_id = b.e->>'CustomKeyStoreId'
             WHERE s.connection_state <> 'CONNECTED') x
    ON x.e->>'KeyId' = r.key_id
 WHERE r.key_id IS NULL OR x.e IS NULL
    OR r.last_used_at IS DISTINCT FROM (x.e#>>'{_Usage,KeyLastUsage,Timestamp}')::timestamptz
    OR r.owner IS DISTINCT FROM x.e#>>'{_Tags,owner}';
SELECT connection_state, count(*) FROM at_risk GROUP BY 1 ORDER BY 1;
CREATE TEMP TABLE unused AS SELECT * FROM unused_keys;
SELECT count(*) AS unused_keys FROM unused;
SELECT count(*) AS mismatches FROM unused u
  FULL JOIN (SELECT e FROM boto
              WHERE e->>'KeyManager' = 'CUSTOMER' AND e ? 'CustomKeyStoreId'
                AND (e->>'CreationDate')::timestamptz < now() - interval '90 days'
                AND coalesce((e#>>'{_Usage,KeyLastUsage,Timestamp}')::timestamptz,
                             greatest((e#>>'{_Usage,TrackingStartDate}')::timestamptz,
                                      (e->>'CreationDate')::timestamptz))
                    < now() - interval '90 days') x
    ON x.e->>'KeyId' = u.key_id
 WHERE u.key_id IS NULL OR x.e IS NULL;
DROP VIEW keys_at_risk_usage, unused_keys;

-- errors: a failing GetKeyLastUsage fails the query with its code; under
-- on_error 'warn' it warns and the columns are NULL
\! /usr/bin/python3 tests/endpoint/ctl.py reset
\! /usr/bin/python3 tests/endpoint/ctl.py fault accessdenied --operation GetKeyLastUsage
\set VERBOSITY terse
SELECT regexp_replace(k::text, '[0-9a-f]{8}-[0-9a-f-]{27}', '<key>', 'g') FROM (
  SELECT last_used_at FROM keys WHERE key_id = 'alias/cks-app-data') k;
\set VERBOSITY default
ALTER FOREIGN TABLE keys OPTIONS (ADD on_error 'warn');
\! /usr/bin/python3 tests/endpoint/ctl.py fault accessdenied --operation GetKeyLastUsage
SET client_min_messages = error;
SELECT key_state, last_used_at IS NULL AS no_last_use FROM keys WHERE key_id = 'alias/cks-app-data';
RESET client_min_messages;
ALTER FOREIGN TABLE keys OPTIONS (DROP on_error);
RESET search_path;
