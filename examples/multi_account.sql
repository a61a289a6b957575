-- examples/multi_account.sql
--
-- The recommended set-up for many AWS accounts: one server and user mapping
-- per account role, and one table partitioned by account_id whose
-- partitions are the accounts' foreign tables.  Queries over the parent
-- run every account at once (asynchronous Append); a WHERE account_id = ...
-- prunes the other accounts away before any request is sent.
--
-- cks_create_account_partitions() builds it from a list of role ARNs:
--
--   CREATE TABLE key_stores (
--       custom_key_store_id text, custom_key_store_name text,
--       custom_key_store_type text, connection_state text,
--       connection_error_code text, creation_date timestamptz,
--       region text, account_id text)
--     PARTITION BY LIST (account_id);
--
--   CALL cks_create_account_partitions(
--       'key_stores',
--       ARRAY['arn:aws:iam::111111111111:role/cks-reader',
--             'arn:aws:iam::222222222222:role/cks-reader'],
--       regions => 'us-east-1,eu-west-1',
--       access_key_id => 'AKIA...', secret_access_key => '...');
--
-- The keys are those of the identity allowed to assume each role
-- (sts:AssumeRole); each role needs kms:DescribeCustomKeyStores.  Calling
-- it again with more ARNs adds the new accounts and leaves the others.
--
-- remote_table makes the partitions read another table of cks_fdw over the
-- same per-account servers (keys, cloudhsm_clusters; the roles then need
-- kms:ListKeys and kms:DescribeKey, or cloudhsm:DescribeClusters), e.g.
--
--   CREATE TABLE clusters (cluster_id text, state text, hsm_count integer,
--                          region text, account_id text)
--     PARTITION BY LIST (account_id);
--   CALL cks_create_account_partitions('clusters', ARRAY[...], ...,
--                                      remote_table => 'cloudhsm_clusters');
--
-- examples/console.sql builds the console page on such tables.

CREATE OR REPLACE PROCEDURE cks_create_account_partitions(
    parent regclass,
    role_arns text[],
    regions text,
    access_key_id text,
    secret_access_key text,
    external_id text DEFAULT NULL,
    endpoint text DEFAULT NULL,
    sts_endpoint text DEFAULT NULL,
    remote_table text DEFAULT NULL,
    cloudhsm_endpoint text DEFAULT NULL)
LANGUAGE plpgsql AS $$
DECLARE
    arn text;
    account text;
    server_name text;
    partition_name text;
    server_options text;
    mapping_options text;
BEGIN
    FOREACH arn IN ARRAY role_arns LOOP
        account := substring(arn FROM '^arn:[a-z-]+:iam::([0-9]{12}):role/');
        IF account IS NULL THEN
            RAISE EXCEPTION 'not an IAM role ARN: "%"', arn
                USING HINT = 'Role ARNs look like arn:aws:iam::123456789012:role/name.';
        END IF;
        server_name := 'kms_' || account;
        partition_name := format('%s_%s', parent::text, account);

        server_options := format('region %L', regions);
        IF endpoint IS NOT NULL THEN
            server_options := server_options || format(', endpoint %L', endpoint);
        END IF;
        IF sts_endpoint IS NOT NULL THEN
            server_options := server_options || format(', sts_endpoint %L', sts_endpoint);
        END IF;
        IF cloudhsm_endpoint IS NOT NULL THEN
            server_options := server_options || format(', cloudhsm_endpoint %L', cloudhsm_endpoint);
        END IF;
        mapping_options := format('access_key_id %L, secret_access_key %L, role_arn %L',
                                  access_key_id, secret_access_key, arn);
        IF external_id IS NOT NULL THEN
            mapping_options := mapping_options || format(', external_id %L', external_id);
        END IF;

        IF NOT EXISTS (SELECT 1 FROM pg_foreign_server WHERE srvname = server_name) THEN
            EXECUTE format('CREATE SERVER %I FOREIGN DATA WRAPPER cks_fdw OPTIONS (%s)',
                           server_name, server_options);
            EXECUTE format('CREATE USER MAPPING FOR CURRENT_USER SERVER %I OPTIONS (%s)',
                           server_name, mapping_options);
        END IF;
        IF to_regclass(partition_name) IS NULL THEN
            EXECUTE format('CREATE FOREIGN TABLE %s PARTITION OF %s FOR VALUES IN (%L) SERVER %I%s',
                           partition_name, parent::text, account, server_name,
                           CASE WHEN remote_table IS NULL THEN ''
                                ELSE format(' OPTIONS ("table" %L)', remote_table) END);
        END IF;
    END LOOP;
END $$;
