--
-- examples/00_server.sql: the connection to AWS that every other example
-- file reads through.  Adapt this file to your account; the others are
-- meant to be loaded unchanged.
--
-- Creates the extension, a server for the regions you report on, a user
-- mapping with the keys of a read-only IAM user, and imports the foreign
-- table custom_key_stores into the current schema (normally public).
--
-- The keys come from the environment so they are neither in this file nor
-- in your shell history:
--
--   export AWS_ACCESS_KEY_ID=AKIA... AWS_SECRET_ACCESS_KEY=...
--   psql -d reports -v ON_ERROR_STOP=1 -v regions=us-east-1,eu-west-1 \
--        -f examples/00_server.sql
--
-- The IAM user needs nothing but kms:DescribeCustomKeyStores.  Use
-- long-term keys (or add role_arn to assume a reader role in another
-- account): scheduled jobs run unattended, and temporary credentials with
-- a session_token would expire under them.
--
-- The user mapping is FOR CURRENT_USER: run this file as the role that
-- will own the pg_cron jobs of examples/cron.sql, because pg_cron runs a
-- job as its owner and the foreign table looks up that role's mapping.
-- That role need not be a superuser; a superuser prepares it once:
--
--   CREATE EXTENSION cks_fdw;            -- in the reports database
--   GRANT USAGE ON FOREIGN DATA WRAPPER cks_fdw TO report_owner;
--   -- and the database is report_owner's (createdb -O report_owner reports),
--   -- or: GRANT CREATE ON SCHEMA public TO report_owner;
--
-- Loading it again is safe: the server is kept (a changed -v regions is
-- applied), the user mapping is replaced with the keys in the
-- environment, and custom_key_stores is imported only if it is missing.
-- Everything happens in one transaction: a failure leaves nothing behind.
--

\if :{?regions}
\else
\set regions us-east-1
\endif

\getenv aws_access_key_id AWS_ACCESS_KEY_ID
\getenv aws_secret_access_key AWS_SECRET_ACCESS_KEY
\if :{?aws_access_key_id}
\if :{?aws_secret_access_key}
\set have_keys true
\endif
\endif
\if :{?have_keys}
\else
\echo 'examples/00_server.sql: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment of psql'
DO $$ BEGIN
  RAISE EXCEPTION 'set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment of psql';
END $$;
\quit
\endif

BEGIN;

CREATE EXTENSION IF NOT EXISTS cks_fdw;

-- One server for every region reported on: a scan of custom_key_stores
-- asks each listed region and returns the rows of all of them.
CREATE SERVER IF NOT EXISTS kms_prod FOREIGN DATA WRAPPER cks_fdw
  OPTIONS (region :'regions');
SELECT (SELECT option_value FROM pg_foreign_server, pg_options_to_table(srvoptions)
         WHERE srvname = 'kms_prod' AND option_name = 'region')
       IS DISTINCT FROM :'regions' AS regions_changed \gset
\if :regions_changed
ALTER SERVER kms_prod OPTIONS (SET region :'regions');
\endif

DROP USER MAPPING IF EXISTS FOR CURRENT_USER SERVER kms_prod;
CREATE USER MAPPING FOR CURRENT_USER SERVER kms_prod
  OPTIONS (access_key_id :'aws_access_key_id',
           secret_access_key :'aws_secret_access_key');
-- Cross-account instead: the keys above plus
--   ALTER USER MAPPING FOR CURRENT_USER SERVER kms_prod
--     OPTIONS (ADD role_arn 'arn:aws:iam::123456789012:role/kms-reader');

\unset aws_secret_access_key

SELECT to_regclass('public.custom_key_stores') IS NULL AS need_import \gset
\if :need_import
IMPORT FOREIGN SCHEMA kms LIMIT TO (custom_key_stores)
  FROM SERVER kms_prod INTO public;
\endif
-- For examples/console.sql also the keys and the CloudHSM clusters
-- (kms:ListKeys, kms:DescribeKey, cloudhsm:DescribeClusters):
--   IMPORT FOREIGN SCHEMA kms LIMIT TO (keys) FROM SERVER kms_prod INTO public;
--   IMPORT FOREIGN SCHEMA cloudhsm FROM SERVER kms_prod INTO public;
-- For examples/health.sql also the proxies' metrics (cloudwatch:GetMetricData):
--   IMPORT FOREIGN SCHEMA cloudwatch FROM SERVER kms_prod INTO public;

COMMIT;
