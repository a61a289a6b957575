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
--

\if :{?regions}
\else
\set regions us-east-1
\endif

\getenv aws_access_key_id AWS_ACCESS_KEY_ID
\getenv aws_secret_access_key AWS_SECRET_ACCESS_KEY
\if :{?aws_secret_access_key}
\else
DO $$ BEGIN
  RAISE EXCEPTION 'set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment of psql';
END $$;
\quit
\endif

CREATE EXTENSION IF NOT EXISTS cks_fdw;

-- One server for every region reported on: a scan of custom_key_stores
-- asks each listed region and returns the rows of all of them.
CREATE SERVER kms_prod FOREIGN DATA WRAPPER cks_fdw
  OPTIONS (region :'regions');

CREATE USER MAPPING FOR CURRENT_USER SERVER kms_prod
  OPTIONS (access_key_id :'aws_access_key_id',
           secret_access_key :'aws_secret_access_key');
-- Cross-account instead: the keys above plus
--   ALTER USER MAPPING FOR CURRENT_USER SERVER kms_prod
--     OPTIONS (ADD role_arn 'arn:aws:iam::123456789012:role/kms-reader');

\unset aws_secret_access_key

IMPORT FOREIGN SCHEMA kms LIMIT TO (custom_key_stores)
  FROM SERVER kms_prod INTO public;
-- For examples/console.sql also the keys and the CloudHSM clusters
-- (kms:ListKeys, kms:DescribeKey, cloudhsm:DescribeClusters):
--   IMPORT FOREIGN SCHEMA kms LIMIT TO (keys) FROM SERVER kms_prod INTO public;
--   IMPORT FOREIGN SCHEMA cloudhsm FROM SERVER kms_prod INTO public;
