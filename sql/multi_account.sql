--
-- The multi-account set-up of examples/multi_account.sql, as users run it.
--
\getenv endpoint CKS_ENDPOINT_URL
\! /usr/bin/python3 tests/endpoint/ctl.py reset
\i examples/multi_account.sql
CREATE TABLE key_stores (
    custom_key_store_id text, custom_key_store_name text,
    connection_state text, region text, account_id text)
  PARTITION BY LIST (account_id);
CALL cks_create_account_partitions(
    'key_stores',
    ARRAY['arn:aws:iam::111111111111:role/cks-reader',
          'arn:aws:iam::222222222222:role/cks-reader'],
    regions => 'us-east-1,eu-west-1,ap-southeast-2',
    access_key_id => 'AKIDCKSTEST111111111',
    secret_access_key => 'cks/test/secret/111111111111/AAAAAAAAAAAA',
    endpoint => :'endpoint', sts_endpoint => :'endpoint');
-- adding an account later leaves the others as they are
CALL cks_create_account_partitions(
    'key_stores',
    ARRAY['arn:aws:iam::222222222222:role/cks-reader',
          'arn:aws:iam::333333333333:role/cks-reader-ext'],
    regions => 'us-east-1,eu-west-1,ap-southeast-2',
    access_key_id => 'AKIDCKSTEST111111111',
    secret_access_key => 'cks/test/secret/111111111111/AAAAAAAAAAAA',
    external_id => 'ext-id-42',
    endpoint => :'endpoint', sts_endpoint => :'endpoint');
SELECT c.relname, s.srvname
  FROM pg_foreign_table ft JOIN pg_class c ON c.oid = ft.ftrelid
  JOIN pg_foreign_server s ON s.oid = ft.ftserver
 WHERE c.oid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = 'key_stores'::regclass)
 ORDER BY 1;
-- calling it again applies new options to the servers that exist already
-- (they used to keep their old ones: the clusters went to AWS's host)
CALL cks_create_account_partitions(
    'key_stores',
    ARRAY['arn:aws:iam::111111111111:role/cks-reader'],
    regions => 'us-east-1,eu-west-1,ap-southeast-2',
    access_key_id => 'AKIDCKSTEST111111111',
    secret_access_key => 'cks/test/secret/111111111111/AAAAAAAAAAAA',
    endpoint => :'endpoint', sts_endpoint => :'endpoint',
    cloudhsm_endpoint => :'endpoint');
SELECT srvname, (SELECT option_value FROM pg_options_to_table(srvoptions)
                  WHERE option_name = 'cloudhsm_endpoint') = :'endpoint' AS cloudhsm_endpoint_set
  FROM pg_foreign_server WHERE srvname ~ '^kms_[0-9]{12}$' ORDER BY 1;
-- "which key stores are not connected, in which account and region?"
SELECT account_id, region, custom_key_store_name, connection_state
  FROM key_stores WHERE connection_state <> 'CONNECTED'
 ORDER BY 1, 2, 3;
\! /usr/bin/python3 tests/endpoint/ctl.py requests --service sts --fields operation,params | sort
CALL cks_create_account_partitions('key_stores', ARRAY['arn:aws:iam::12345:user/x'],
    'us-east-1', 'AKIDCKSTEST111111111', 'cks/test/secret/111111111111/AAAAAAAAAAAA');
