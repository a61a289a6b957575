--
-- examples/cron.sql: run the reports on a schedule with pg_cron.
--
-- pg_cron must be in shared_preload_libraries; its extension lives in ONE
-- database, cron.database_name (default: postgres), and schedules jobs in
-- other databases from there.  Load this file in that database and name
-- the database holding the report objects:
--
--   psql -d postgres -v ON_ERROR_STOP=1 -v report_db=reports -f examples/cron.sql
--
-- postgresql.conf:
--   shared_preload_libraries = 'pg_cron,cks_fdw'  -- cks_fdw: shared quota buckets
--   cron.use_background_workers = on    -- jobs need no password/pg_hba entry
--
-- A job runs as the role that scheduled it, in report_db.  A non-superuser
-- needs USAGE on schema cron and EXECUTE on cron.schedule_in_database
-- (doc/reports.md, step 0); or a superuser loads this file with
-- -v job_owner=ROLE and the jobs run as ROLE.  That role needs
-- the user mapping of examples/00_server.sql (CREATE USER MAPPING FOR it)
-- and the right to write key_store_history and refresh key_stores_cached
-- (owning them is simplest).  Scheduling again under the same job name
-- replaces the job, so this file can be loaded again after a change.
--

\if :{?report_db}
\else
\echo 'usage: psql -d postgres -v report_db=DATABASE -f examples/cron.sql'
DO $$ BEGIN RAISE EXCEPTION 'psql variable report_db is not set'; END $$;
\quit
\endif

CREATE EXTENSION IF NOT EXISTS pg_cron;

-- job_owner: empty means the role running this file (pg_cron takes a
-- username only from a superuser)
\if :{?job_owner}
\else
\set job_owner ''
\endif

-- A snapshot every 15 minutes: 96 scans a day, each one request per page
-- (1000 stores) per region.
SELECT cron.schedule_in_database('cks-snapshot', '*/15 * * * *',
                                 'SELECT snapshot_key_stores()', :'report_db', NULLIF(:'job_owner', ''));

-- The dashboard copy, every 5 minutes; readers are not blocked.
SELECT cron.schedule_in_database('cks-refresh', '*/5 * * * *',
                                 'REFRESH MATERIALIZED VIEW CONCURRENTLY key_stores_cached',
                                 :'report_db', NULLIF(:'job_owner', ''));

-- Keep 90 days of history, trimmed daily at 03:30 (GMT, pg_cron's clock).
SELECT cron.schedule_in_database('cks-history-retention', '30 3 * * *',
                                 $$DELETE FROM key_store_history
                                    WHERE captured_at < now() - interval '90 days'$$,
                                 :'report_db', NULLIF(:'job_owner', ''));

-- What ran, and how it went:
--   SELECT j.jobname, d.status, d.return_message, d.start_time, d.end_time
--     FROM cron.job_run_details d JOIN cron.job j USING (jobid)
--    WHERE j.jobname LIKE 'cks-%' ORDER BY d.start_time DESC LIMIT 20;
-- pg_cron keeps job_run_details forever; trim it with a job of its own:
--   SELECT cron.schedule('cron-run-details-retention', '0 4 * * *',
--     $$DELETE FROM cron.job_run_details WHERE end_time < now() - interval '14 days'$$);
-- Stop a job:
--   SELECT cron.unschedule('cks-snapshot');
