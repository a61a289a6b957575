--
-- keys: KMS ListKeys, each key expanded by DescribeKey.  Every column,
-- agreement with botocore's own client, key_manager, key_id as one
-- DescribeKey (id, ARN, alias), keys deleted mid-scan, pages, absent
-- fields and errors.
--
\getenv endpoint CKS_ENDPOINT_URL
\! /usr/bin/python3 tests/endpoint/ctl.py reset
CREATE SERVER kms_keys FOREIGN DATA WRAPPER cks_fdw
  OPTIONS (region 'us-east-1', endpoint :'endpoint', sts_endpoint :'endpoint',
           request_quotas 'DescribeKey=1000000');
CREATE USER MAPPING FOR CURRENT_USER SERVER kms_keys
  OPTIONS (access_key_id 'AKIDCKSTEST111111111',
           secret_access_key 'cks/test/secret/111111111111/AAAAAAAAAAAA');
CREATE SCHEMA keys;
IMPORT FOREIGN SCHEMA kms FROM SERVER kms_keys INTO keys;
SET search_path = keys, public;
\d keys

-- the rich pair: 41 keys, 3 of them AWS managed, which key_manager
-- 'CUSTOMER' (the default) leaves out
SELECT key_manager, key_state, origin, count(*) FROM keys GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;
-- one ListKeys page, then one DescribeKey per key
\! /usr/bin/python3 tests/endpoint/ctl.py count --operation ListKeys
\! /usr/bin/python3 tests/endpoint/ctl.py count --operation DescribeKey

-- typed columns: booleans, integers, text[], timestamps, nested fields
SELECT key_spec, key_usage, enabled, multi_region, encryption_algorithms,
       signing_algorithms, pending_deletion_window_in_days,
       deletion_date IS NOT NULL AS has_deletion_date, expiration_model,
       valid_to IS NOT NULL AS has_valid_to, description
  FROM keys WHERE custom_key_store_id IS NULL ORDER BY creation_date, key_id;
SELECT count(*) AS xks_keys_with_id FROM keys WHERE origin = 'EXTERNAL_KEY_STORE' AND xks_key_id IS NOT NULL;
SELECT count(*) AS hsm_keys_with_cluster FROM keys WHERE origin = 'AWS_CLOUDHSM' AND cloud_hsm_cluster_id IS NOT NULL;
SELECT count(*) AS raw_matches_columns FROM keys
 WHERE raw->>'KeyId' = key_id AND raw->>'Arn' = arn AND (raw->>'Enabled')::boolean = enabled;

-- compare every column with botocore (ListKeys pages, DescribeKey each);
-- raw is compared on the fields Debian's botocore 1.29 knows
CREATE TEMP TABLE boto_raw (b64 text);
\copy boto_raw FROM PROGRAM '/usr/bin/python3 tests/lib/botocore_list.py us-east-1 AKIDCKSTEST111111111 cks/test/secret/111111111111/AAAAAAAAAAAA --what keys --page-size 10'
CREATE TEMP TABLE boto AS
  SELECT convert_from(decode(b64, 'base64'), 'UTF8')::jsonb AS e FROM boto_raw;
SELECT count(*) AS botocore_keys FROM boto;
ALTER FOREIGN TABLE keys OPTIONS (ADD key_manager 'ALL');
SELECT coalesce(k.key_id, b.e->>'KeyId') AS mismatch
  FROM keys k FULL JOIN boto b ON b.e->>'KeyId' = k.key_id
 WHERE k.key_id IS NULL OR b.e IS NULL
    OR k.arn IS DISTINCT FROM b.e->>'Arn'
    OR k.description IS DISTINCT FROM b.e->>'Description'
    OR k.enabled IS DISTINCT FROM (b.e->>'Enabled')::boolean
    OR k.key_state IS DISTINCT FROM b.e->>'KeyState'
    OR k.key_usage IS DISTINCT FROM b.e->>'KeyUsage'
    OR k.key_spec IS DISTINCT FROM b.e->>'KeySpec'
    OR k.key_manager IS DISTINCT FROM b.e->>'KeyManager'
    OR k.origin IS DISTINCT FROM b.e->>'Origin'
    OR k.custom_key_store_id IS DISTINCT FROM b.e->>'CustomKeyStoreId'
    OR k.cloud_hsm_cluster_id IS DISTINCT FROM b.e->>'CloudHsmClusterId'
    OR k.xks_key_id IS DISTINCT FROM b.e#>>'{XksKeyConfiguration,Id}'
    OR k.creation_date IS DISTINCT FROM (b.e->>'CreationDate')::timestamptz
    OR k.deletion_date IS DISTINCT FROM (b.e->>'DeletionDate')::timestamptz
    OR k.pending_deletion_window_in_days IS DISTINCT FROM (b.e->>'PendingDeletionWindowInDays')::integer
    OR k.valid_to IS DISTINCT FROM (b.e->>'ValidTo')::timestamptz
    OR k.expiration_model IS DISTINCT FROM b.e->>'ExpirationModel'
    OR k.multi_region IS DISTINCT FROM (b.e->>'MultiRegion')::boolean
    OR k.encryption_algorithms IS DISTINCT FROM
       (SELECT array_agg(a) FROM jsonb_array_elements_text(b.e->'EncryptionAlgorithms') a)
    OR k.signing_algorithms IS DISTINCT FROM
       (SELECT array_agg(a) FROM jsonb_array_elements_text(b.e->'SigningAlgorithms') a)
    OR (SELECT jsonb_object_agg(key, value)
          FROM jsonb_each(k.raw - '{CreationDate,DeletionDate,ValidTo}'::text[])
         WHERE b.e ? key)
       IS DISTINCT FROM b.e - '{CreationDate,DeletionDate,ValidTo}'::text[];
SELECT key_manager, count(*) FROM keys GROUP BY 1 ORDER BY 1;
-- the KeyMetadata fields Debian's botocore 1.29 does not know, compared
-- with the pyenv's botocore (python3 on PATH), AWS-managed keys included;
-- account_id comes from AWSAccountId: no GetCallerIdentity call
CREATE TEMP TABLE new_raw (b64 text);
\copy new_raw FROM PROGRAM 'python3 tests/lib/botocore_list.py us-east-1 AKIDCKSTEST111111111 cks/test/secret/111111111111/AAAAAAAAAAAA --what keys --page-size 10'
CREATE TEMP TABLE new_boto AS
  SELECT convert_from(decode(b64, 'base64'), 'UTF8')::jsonb AS e FROM new_raw;
\! /usr/bin/python3 tests/endpoint/ctl.py reset
SELECT count(*) AS keys, count(k.current_key_material_id) AS with_material,
       count(k.mac_algorithms) AS with_mac,
       count(k.key_agreement_algorithms) AS with_agreement,
       count(k.multi_region_configuration) AS with_mr_config
  FROM keys k FULL JOIN new_boto b ON b.e->>'KeyId' = k.key_id
 WHERE k.key_id IS NOT NULL AND b.e IS NOT NULL
   AND k.current_key_material_id IS NOT DISTINCT FROM b.e->>'CurrentKeyMaterialId'
   AND k.mac_algorithms IS NOT DISTINCT FROM
       (SELECT array_agg(a) FROM jsonb_array_elements_text(b.e->'MacAlgorithms') a)
   AND k.key_agreement_algorithms IS NOT DISTINCT FROM
       (SELECT array_agg(a) FROM jsonb_array_elements_text(b.e->'KeyAgreementAlgorithms') a)
   AND k.multi_region_configuration IS NOT DISTINCT FROM b.e->'MultiRegionConfiguration'
   AND k.account_id = b.e->>'AWSAccountId';
SELECT count(*) AS botocore_keys FROM new_boto;
\! /usr/bin/python3 tests/endpoint/ctl.py count --operation GetCallerIdentity
SELECT key_usage, key_agreement_algorithms, mac_algorithms,
       multi_region_configuration->>'MultiRegionKeyType' AS mr_type
  FROM keys WHERE key_agreement_algorithms IS NOT NULL
     OR mac_algorithms IS NOT NULL OR multi_region_configuration IS NOT NULL
 ORDER BY 1;
ALTER FOREIGN TABLE keys OPTIONS (SET key_manager 'bogus');
ALTER FOREIGN TABLE keys OPTIONS (DROP key_manager);

-- keys reference real stores: keys of FAILED or DISCONNECTED stores
SELECT s.custom_key_store_name, s.connection_state, k.key_state, count(*)
  FROM custom_key_stores s JOIN keys k USING (custom_key_store_id)
 WHERE s.connection_state IN ('FAILED', 'DISCONNECTED')
 GROUP BY 1, 2, 3 ORDER BY 1, 3;

-- key_id = X is one DescribeKey and no ListKeys: an id, an ARN, an alias
\! /usr/bin/python3 tests/endpoint/ctl.py reset
CREATE TEMP TABLE one AS SELECT key_id, arn FROM keys WHERE description IS NOT NULL ORDER BY creation_date LIMIT 1;
\! /usr/bin/python3 tests/endpoint/ctl.py reset
EXPLAIN (COSTS OFF) SELECT key_state FROM keys WHERE key_id = 'alias/cks-app-data';
SELECT k.key_id = o.key_id AS same_key FROM keys k, one o WHERE k.key_id = (SELECT key_id FROM one);
SELECT k.key_id = o.key_id AS same_key FROM keys k, one o WHERE k.key_id = (SELECT arn FROM one);
SELECT key_state, description FROM keys WHERE key_id = 'alias/cks-app-data';
\! /usr/bin/python3 tests/endpoint/ctl.py requests --fields operation,params | sed -E 's/[0-9a-f]{8}-[0-9a-f-]{27}/<key>/g'
-- unknown keys: zero rows, no error
\! /usr/bin/python3 tests/endpoint/ctl.py reset
SELECT count(*) FROM keys WHERE key_id IN ('alias/no-such-alias', '00000000-0000-0000-0000-000000000000', 'garbage');
\! /usr/bin/python3 tests/endpoint/ctl.py requests --fields operation,error_code | sort
-- an AWS managed key named by its alias is still left out by key_manager
SELECT count(*) FROM keys WHERE key_id = 'alias/aws/ebs';

-- a join from a handful of stores' keys (an inventory of key ids) looks
-- each key up; no ListKeys
\! /usr/bin/python3 tests/endpoint/ctl.py reset
CREATE TEMP TABLE key_owners (key_ref text, owner text);
INSERT INTO key_owners VALUES ('alias/cks-app-data', 'app team'), ((SELECT arn FROM one), 'platform');
ANALYZE key_owners;
SET enable_hashjoin = off;
SET enable_mergejoin = off;
EXPLAIN (COSTS OFF) SELECT o.owner, k.key_state FROM key_owners o JOIN keys k ON k.key_id = o.key_ref;
-- AWS resolves the alias and the ARN: the clause is not rechecked on key_id
SELECT o.owner, k.key_state, k.key_id = (SELECT key_id FROM one) AS the_arns_key
  FROM key_owners o JOIN keys k ON k.key_id = o.key_ref ORDER BY 1;
RESET enable_hashjoin;
RESET enable_mergejoin;
\! /usr/bin/python3 tests/endpoint/ctl.py count --operation ListKeys
\! /usr/bin/python3 tests/endpoint/ctl.py count --operation DescribeKey

-- a key deleted between ListKeys and DescribeKey is skipped, not an error
\! /usr/bin/python3 tests/endpoint/ctl.py reset
\! /usr/bin/python3 tests/endpoint/ctl.py fault key_deleted --operation DescribeKey --count 2
ALTER FOREIGN TABLE keys OPTIONS (ADD key_manager 'ALL');
SELECT count(*) FROM keys;
\! /usr/bin/python3 tests/endpoint/ctl.py count --operation DescribeKey --status 400

-- pages: 2,005 keys in us-west-2, Limit 1000 -> 3 ListKeys, 2,005 DescribeKey;
-- EXPLAIN ANALYZE counts every request
ALTER SERVER kms_keys OPTIONS (SET region 'us-west-2');
\! /usr/bin/python3 tests/endpoint/ctl.py reset
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF, BUFFERS OFF) SELECT key_id FROM keys;
SELECT count(*), count(DISTINCT key_id), count(*) FILTER (WHERE key_state = 'Disabled') AS disabled FROM keys;
-- a LIMIT lowers the ListKeys Limit; the listing runs at most a page
-- ahead of the DescribeKey calls, so a few pages are described, not 2,005
-- (how many depends on what is in flight when the executor stops: 3 to 4
-- pages of 5 seen)
\! /usr/bin/python3 tests/endpoint/ctl.py reset
EXPLAIN (COSTS OFF) SELECT key_id FROM keys LIMIT 5;
SELECT count(*) FROM (SELECT key_id FROM keys LIMIT 5) k;
\! /usr/bin/python3 tests/endpoint/ctl.py requests --operation ListKeys --fields operation,params | sed -n 1p
\! /usr/bin/python3 tests/endpoint/ctl.py count --operation DescribeKey | awk '{ print ($2 <= 25 ? "a few pages described" : "described " $2) }'
-- max_concurrent_requests bounds the DescribeKey calls in flight
ALTER SERVER kms_keys OPTIONS (ADD max_concurrent_requests '4');
\! /usr/bin/python3 tests/endpoint/ctl.py reset
\! /usr/bin/python3 tests/endpoint/ctl.py keys 111111111111 us-west-2 40
\! /usr/bin/python3 tests/endpoint/ctl.py config kms_latency_ms=30
SELECT count(*) FROM keys;
\! /usr/bin/python3 tests/lib/max_in_flight.py --operation DescribeKey
ALTER SERVER kms_keys OPTIONS (DROP max_concurrent_requests);
ALTER SERVER kms_keys OPTIONS (SET region 'us-east-1');

-- errors: a DescribeKey failure fails the scan, naming the key; under
-- on_error 'warn' it warns once and drops the rest of that region
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
\! /usr/bin/python3 tests/endpoint/ctl.py reset
\! /usr/bin/python3 tests/endpoint/ctl.py fault accessdenied --operation DescribeKey
\x on
SELECT * FROM pg_temp.show_error('SELECT count(*) FROM keys');
\! /usr/bin/python3 tests/endpoint/ctl.py fault malformed --operation DescribeKey
SELECT * FROM pg_temp.show_error('SELECT count(*) FROM keys');
\! /usr/bin/python3 tests/endpoint/ctl.py reset
\! /usr/bin/python3 tests/endpoint/ctl.py fault malformed --operation ListKeys
SELECT * FROM pg_temp.show_error('SELECT count(*) FROM keys');
\x off
ALTER FOREIGN TABLE keys OPTIONS (ADD on_error 'warn');
\! /usr/bin/python3 tests/endpoint/ctl.py reset
\! /usr/bin/python3 tests/endpoint/ctl.py fault accessdenied --operation DescribeKey --count 100
SET client_min_messages = error;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF, BUFFERS OFF) SELECT key_id FROM keys;
RESET client_min_messages;
\! /usr/bin/python3 tests/endpoint/ctl.py reset
\! /usr/bin/python3 tests/endpoint/ctl.py fault accessdenied --operation ListKeys
\set VERBOSITY terse
SELECT count(*) FROM keys;
\set VERBOSITY default
ALTER FOREIGN TABLE keys OPTIONS (DROP on_error);
RESET search_path;
