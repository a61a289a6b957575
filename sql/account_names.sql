--
-- account_name: the member account's Name from Organizations ListAccounts
-- on a server with accounts 'organization' (every table kind), NULL on
-- any other server; the names are the endpoint's "cks-<id>" unless set.
--
\getenv endpoint CKS_ENDPOINT_URL
\! /usr/bin/python3 tests/endpoint/ctl.py reset && /usr/bin/python3 tests/endpoint/ctl.py accounts 100000000000 100000000003 && /usr/bin/python3 tests/endpoint/ctl.py org 111111111111 222222222222:SUSPENDED $(seq -f '1000000000%02g' 0 3)
CREATE SCHEMA names;
SET search_path = names, public;
CREATE SERVER names_org FOREIGN DATA WRAPPER cks_fdw
  OPTIONS (region 'us-east-1', accounts 'organization',
           endpoint :'endpoint', sts_endpoint :'endpoint',
           organizations_endpoint :'endpoint', cloudhsm_endpoint :'endpoint');
CREATE USER MAPPING FOR CURRENT_USER SERVER names_org
  OPTIONS (access_key_id 'AKIDCKSTEST111111111',
           secret_access_key 'cks/test/secret/111111111111/AAAAAAAAAAAA',
           role_arn 'arn:aws:iam::{account}:role/cks-reader');
IMPORT FOREIGN SCHEMA kms FROM SERVER names_org INTO names;
CREATE FOREIGN TABLE clusters (cluster_id text, account_id text, account_name text)
  SERVER names_org OPTIONS (table 'cloudhsm_clusters');
SELECT account_id, account_name, count(*) FROM custom_key_stores GROUP BY 1, 2 ORDER BY 1;
SELECT count(*) AS keys, count(*) FILTER (WHERE account_name = 'cks-' || account_id) AS named
  FROM keys;
SELECT count(*) AS clusters, count(*) FILTER (WHERE account_name = 'cks-' || account_id) AS named
  FROM clusters;
-- elsewhere NULL
CREATE SERVER names_plain FOREIGN DATA WRAPPER cks_fdw
  OPTIONS (region 'us-east-1', endpoint :'endpoint', sts_endpoint :'endpoint');
CREATE USER MAPPING FOR CURRENT_USER SERVER names_plain
  OPTIONS (access_key_id 'AKIDCKSTEST111111111',
           secret_access_key 'cks/test/secret/111111111111/AAAAAAAAAAAA');
CREATE FOREIGN TABLE plain_stores (custom_key_store_id text, account_id text, account_name text)
  SERVER names_plain;
SELECT count(*), count(account_id), count(account_name) FROM plain_stores;
RESET search_path;
