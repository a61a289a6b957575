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
-- it again with more ARNs adds the new accounts; for accounts it already
-- has, it brings the servers and user mappings up to date with the options
-- given (a new cloudhsm_endpoint, other regions, new keys) and leaves the
-- options not given as they are.
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

-- cks_option_changes(have, wanted, for_alter): the OPTIONS list that
-- turns the options "have" (pg_foreign_server.srvoptions or a
-- pg_user_mappings.umoptions) into "wanted" (a jsonb object; NULL values
-- are left out): every option for CREATE, only the changed ones with ADD or
-- SET for ALTER (NULL when nothing changes).
CREATE OR REPLACE FUNCTION cks_option_changes(have text[], wanted jsonb,
                                              for_alter boolean)
RETURNS text LANGUAGE sql STABLE AS $$
    SELECT string_agg(CASE WHEN NOT for_alter THEN ''
                           WHEN c.option_name IS NULL THEN 'ADD '
                           ELSE 'SET ' END
                      || format('%I %L', w.key, w.value), ', ')
      FROM jsonb_each_text(jsonb_strip_nulls(wanted)) w
      LEFT JOIN pg_options_to_table(have) c ON c.option_name = w.key
     WHERE NOT for_alter OR c.option_value IS DISTINCT FROM w.value
$$;

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
    server_wanted jsonb;
    mapping_wanted jsonb;
    have text[];
    changes text;
BEGIN
    FOREACH arn IN ARRAY role_arns LOOP
        account := substring(arn FROM '^arn:[a-z-]+:iam::([0-9]{12}):role/');
        IF account IS NULL THEN
            RAISE EXCEPTION 'not an IAM role ARN: "%"', arn
                USING HINT = 'Role ARNs look like arn:aws:iam::123456789012:role/name.';
        END IF;
        server_name := 'kms_' || account;
        partition_name := format('%s_%s', parent::text, account);

        server_wanted := jsonb_build_object(
            'region', regions, 'endpoint', endpoint,
            'sts_endpoint', sts_endpoint, 'cloudhsm_endpoint', cloudhsm_endpoint);
        mapping_wanted := jsonb_build_object(
            'access_key_id', access_key_id, 'secret_access_key', secret_access_key,
            'role_arn', arn, 'external_id', external_id);

        SELECT srvoptions INTO have FROM pg_foreign_server WHERE srvname = server_name;
        IF NOT FOUND THEN
            EXECUTE format('CREATE SERVER %I FOREIGN DATA WRAPPER cks_fdw OPTIONS (%s)',
                           server_name, cks_option_changes(NULL, server_wanted, false));
        ELSE
            changes := cks_option_changes(have, server_wanted, true);
            IF changes IS NOT NULL THEN
                EXECUTE format('ALTER SERVER %I OPTIONS (%s)', server_name, changes);
            END IF;
        END IF;

        SELECT umoptions INTO have FROM pg_user_mappings
         WHERE srvname = server_name AND usename = current_user;
        IF NOT FOUND THEN
            EXECUTE format('CREATE USER MAPPING FOR CURRENT_USER SERVER %I OPTIONS (%s)',
                           server_name, cks_option_changes(NULL, mapping_wanted, false));
        ELSE
            changes := cks_option_changes(have, mapping_wanted, true);
            IF changes IS NOT NULL THEN
                EXECUTE format('ALTER USER MAPPING FOR CURRENT_USER SERVER %I OPTIONS (%s)',
                               server_name, changes);
            END IF;
        END IF;
        IF to_regclass(partition_name) IS NULL THEN
            EXECUTE format('CREATE FOREIGN TABLE %s PARTITION OF %s FOR VALUES IN (%L) SERVER %I%s',
                           partition_name, parent::text, account, server_name,
                           CASE WHEN remote_table IS NULL THEN ''
                                ELSE format(' OPTIONS ("table" %L)', remote_table) END);
        END IF;
    END LOOP;
END $$;
