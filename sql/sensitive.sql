--
-- Fields the API model marks sensitive (an XKS proxy's AccessKeyId) and a
-- CloudHSM cluster's PRECO password reach no column and no raw unless the
-- foreign table has show_sensitive 'true', which only a superuser may set.
--
\getenv endpoint CKS_ENDPOINT_URL
\! /usr/bin/python3 tests/endpoint/ctl.py reset
CREATE SERVER sens FOREIGN DATA WRAPPER cks_fdw
  OPTIONS (region 'us-east-1', endpoint :'endpoint', cloudhsm_endpoint :'endpoint',
           sts_endpoint :'endpoint');
CREATE USER MAPPING FOR PUBLIC SERVER sens
  OPTIONS (access_key_id 'AKIDCKSTEST111111111',
           secret_access_key 'cks/test/secret/111111111111/AAAAAAAAAAAA');
CREATE SCHEMA sens;
IMPORT FOREIGN SCHEMA kms LIMIT TO (custom_key_stores) FROM SERVER sens INTO sens;
IMPORT FOREIGN SCHEMA cloudhsm FROM SERVER sens INTO sens;
SET search_path = sens, public;

-- True when the text of EXPLAIN (ANALYZE, VERBOSE) of a query holds none
-- of the endpoint's sensitive values.
CREATE FUNCTION explain_hides(query text) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
  plan text;
BEGIN
  EXECUTE 'EXPLAIN (ANALYZE, VERBOSE, FORMAT JSON) ' || query INTO plan;
  RETURN plan NOT LIKE '%preco-%' AND plan NOT LIKE '%PreCoPassword%'
     AND plan !~ 'XKS[0-9A-F]{17}' AND plan NOT LIKE '%AccessKeyId%';
END $$;

-- by default: xks_proxy_access_key_id is NULL and raw has no AccessKeyId,
-- while the rest of XksProxyConfiguration is there
SELECT custom_key_store_name, xks_proxy_access_key_id,
       raw->'XksProxyConfiguration' ? 'AccessKeyId' AS raw_has_key,
       raw->'XksProxyConfiguration'->>'UriPath' AS uri_path
  FROM custom_key_stores WHERE custom_key_store_type = 'EXTERNAL_KEY_STORE'
 ORDER BY 1;
-- and no cluster's raw has a PreCoPassword (the endpoint sends one for
-- the UNINITIALIZED cluster)
SELECT state, raw ? 'PreCoPassword' AS has_preco, raw::text LIKE '%preco-%' AS leaked,
       raw ? 'SourceBackupId' AS has_backup
  FROM cloudhsm_clusters ORDER BY create_timestamp, cluster_id;
-- raw declared as text, and the subtree columns, likewise
CREATE FOREIGN TABLE clusters_text (cluster_id text, raw text)
  SERVER sens OPTIONS (table 'cloudhsm_clusters');
SELECT count(*) AS clusters, count(*) FILTER (WHERE raw LIKE '%PreCo%') AS leaked
  FROM clusters_text;
-- a column whose type cannot take the value is NULL, not an error
-- quoting the value
CREATE FOREIGN TABLE stores_int (custom_key_store_name text,
                                 xks_proxy_access_key_id integer) SERVER sens;
SELECT count(*) AS stores, count(xks_proxy_access_key_id) AS key_ids FROM stores_int;
-- nor in the statistics ANALYZE keeps
ANALYZE custom_key_stores;
SELECT null_frac, most_common_vals IS NULL AS no_values
  FROM pg_stats WHERE tablename = 'custom_key_stores' AND attname = 'xks_proxy_access_key_id';
SELECT count(*) AS raw_stats_leak FROM pg_stats
 WHERE tablename = 'custom_key_stores' AND attname = 'raw'
   AND (most_common_vals::text LIKE '%AccessKeyId%' OR histogram_bounds::text LIKE '%AccessKeyId%');
-- nor in EXPLAIN VERBOSE
EXPLAIN (VERBOSE, COSTS OFF) SELECT raw, xks_proxy_access_key_id FROM custom_key_stores;
SELECT explain_hides('SELECT raw, xks_proxy_access_key_id FROM custom_key_stores') AS stores,
       explain_hides('SELECT raw FROM cloudhsm_clusters') AS clusters;

-- show_sensitive 'true', set by a superuser, shows them
ALTER FOREIGN TABLE custom_key_stores OPTIONS (ADD show_sensitive 'true');
ALTER FOREIGN TABLE cloudhsm_clusters OPTIONS (ADD show_sensitive 'true');
SELECT custom_key_store_name, xks_proxy_access_key_id,
       raw->'XksProxyConfiguration'->>'AccessKeyId' = xks_proxy_access_key_id AS raw_agrees
  FROM custom_key_stores WHERE custom_key_store_type = 'EXTERNAL_KEY_STORE'
 ORDER BY 1;
SELECT state, raw->>'PreCoPassword' AS preco_password
  FROM cloudhsm_clusters WHERE raw ? 'PreCoPassword';
-- EXPLAIN VERBOSE still shows none of them (it shows no rows)
EXPLAIN (VERBOSE, COSTS OFF) SELECT raw FROM cloudhsm_clusters;
SELECT explain_hides('SELECT raw, xks_proxy_access_key_id FROM custom_key_stores') AS stores,
       explain_hides('SELECT raw FROM cloudhsm_clusters') AS clusters;
ALTER FOREIGN TABLE cloudhsm_clusters OPTIONS (SET show_sensitive 'false');
SELECT count(*) FILTER (WHERE raw ? 'PreCoPassword') AS shown FROM cloudhsm_clusters;

-- only a superuser may set it (42501), on any table, its own included
CREATE ROLE regress_cks_sens;
GRANT USAGE ON FOREIGN SERVER sens TO regress_cks_sens;
GRANT USAGE, CREATE ON SCHEMA sens TO regress_cks_sens;
SET ROLE regress_cks_sens;
CREATE FOREIGN TABLE mine (cluster_id text, raw jsonb)
  SERVER sens OPTIONS (table 'cloudhsm_clusters', show_sensitive 'true');
\echo :LAST_ERROR_SQLSTATE
-- the default, in any spelling, is anyone's to set
CREATE FOREIGN TABLE mine (cluster_id text, raw jsonb)
  SERVER sens OPTIONS (table 'cloudhsm_clusters', show_sensitive 'off');
ALTER FOREIGN TABLE mine OPTIONS (SET show_sensitive 'false');
ALTER FOREIGN TABLE mine OPTIONS (SET show_sensitive 'true');
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FILTER (WHERE raw ? 'PreCoPassword') AS shown FROM mine;
RESET ROLE;
-- a superuser turns it on for the role's table: the owner can read it,
-- and can drop the option, but no longer alter the table's options
ALTER FOREIGN TABLE mine OPTIONS (SET show_sensitive 'true');
SET ROLE regress_cks_sens;
SELECT count(*) FILTER (WHERE raw ? 'PreCoPassword') AS shown FROM mine;
ALTER FOREIGN TABLE mine OPTIONS (ADD request_timeout_ms '5000');
\echo :LAST_ERROR_SQLSTATE
ALTER FOREIGN TABLE mine OPTIONS (DROP show_sensitive);
SELECT count(*) FILTER (WHERE raw ? 'PreCoPassword') AS shown FROM mine;
DROP FOREIGN TABLE mine;
RESET ROLE;

RESET search_path;
DROP SCHEMA sens CASCADE;
DROP SERVER sens CASCADE;
DROP ROLE regress_cks_sens;
