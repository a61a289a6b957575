--
-- examples/materialized.sql: a local copy of custom_key_stores for
-- dashboards.
--
-- Every query of the foreign table asks AWS (one request per page per
-- region, subject to KMS's request quota).  A dashboard that many people
-- open should read this materialized view instead; examples/cron.sql
-- refreshes it.  REFRESH ... CONCURRENTLY needs the unique index below and
-- lets readers keep reading the old contents during the refresh.
--
-- Needs custom_key_stores (examples/00_server.sql).  Safe to load again.
-- Creating it scans AWS once (WITH DATA).
--

CREATE MATERIALIZED VIEW IF NOT EXISTS key_stores_cached AS
SELECT account_id, region, custom_key_store_id, custom_key_store_name,
       custom_key_store_type, connection_state, connection_error_code,
       cloud_hsm_cluster_id, xks_proxy_connectivity, xks_proxy_uri_endpoint,
       creation_date
  FROM custom_key_stores
WITH DATA;

-- REFRESH MATERIALIZED VIEW CONCURRENTLY requires a unique index on plain
-- columns covering every row.  Store ids are unique per account and region.
CREATE UNIQUE INDEX IF NOT EXISTS key_stores_cached_key
    ON key_stores_cached (account_id, region, custom_key_store_id);

-- Refresh by hand with:
--   REFRESH MATERIALIZED VIEW CONCURRENTLY key_stores_cached;
