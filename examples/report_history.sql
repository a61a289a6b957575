--
-- examples/report_history.sql: a history of custom key store states.
--
-- KMS only tells you how a store is now.  A snapshot every few minutes
-- (examples/cron.sql schedules it) answers "since when has this store been
-- disconnected?" and "which stores flapped last night?".
--
-- Needs custom_key_stores (examples/00_server.sql).  Safe to load again.
--

CREATE TABLE IF NOT EXISTS key_store_history (
    captured_at            timestamptz NOT NULL,
    account_id             text        NOT NULL,
    region                 text        NOT NULL,
    custom_key_store_id    text        NOT NULL,
    custom_key_store_name  text,
    custom_key_store_type  text,
    connection_state       text,       -- NULL: AWS did not say
    connection_error_code  text,       -- set only when FAILED
    cloud_hsm_cluster_id   text,
    xks_proxy_uri_endpoint text,
    creation_date          timestamptz,
    -- all rows of one snapshot share captured_at (the transaction's now())
    PRIMARY KEY (captured_at, account_id, region, custom_key_store_id)
);

-- the history of one store, newest first
CREATE INDEX IF NOT EXISTS key_store_history_store
    ON key_store_history (custom_key_store_id, captured_at DESC);

--
-- snapshot_key_stores(): one full scan of every region of the server,
-- written in one transaction; returns the number of rows written.
--
-- A function rather than a procedure so that whoever calls it by hand sees
-- how many stores were captured (pg_cron's job_run_details only records
-- "SELECT 1").  If a region fails, the whole snapshot fails and nothing is
-- written, so a snapshot is always complete and the job shows up as
-- failed; set the server option on_error 'warn' if you prefer partial
-- snapshots with a WARNING.
--
CREATE OR REPLACE FUNCTION snapshot_key_stores() RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    written bigint;
BEGIN
    INSERT INTO key_store_history
        (captured_at, account_id, region, custom_key_store_id,
         custom_key_store_name, custom_key_store_type, connection_state,
         connection_error_code, cloud_hsm_cluster_id,
         xks_proxy_uri_endpoint, creation_date)
    SELECT now(), account_id, region, custom_key_store_id,
           custom_key_store_name, custom_key_store_type, connection_state,
           connection_error_code, cloud_hsm_cluster_id,
           xks_proxy_uri_endpoint, creation_date
      FROM custom_key_stores;
    GET DIAGNOSTICS written = ROW_COUNT;
    RETURN written;
END
$$;

--
-- key_store_state_changes: every snapshot in which a store's state or
-- error code differed from its previous snapshot (its first snapshot
-- included), e.g.
--   SELECT * FROM key_store_state_changes
--    WHERE captured_at > now() - interval '1 day' ORDER BY captured_at;
--
CREATE OR REPLACE VIEW key_store_state_changes AS
SELECT captured_at, account_id, region, custom_key_store_id,
       custom_key_store_name, previous_state, connection_state,
       connection_error_code
  FROM (SELECT h.*,
               lag(connection_state) OVER w AS previous_state,
               lag(connection_error_code) OVER w AS previous_error_code,
               row_number() OVER w AS nth
          FROM key_store_history h
        WINDOW w AS (PARTITION BY account_id, region, custom_key_store_id
                     ORDER BY captured_at)) s
 WHERE nth = 1
    OR previous_state IS DISTINCT FROM connection_state
    OR previous_error_code IS DISTINCT FROM connection_error_code;
