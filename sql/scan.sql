--
-- Full scans: every column, pagination, streaming, and agreement with a
-- real botocore client on the same endpoint.
--
\getenv endpoint CKS_ENDPOINT_URL
\! /usr/bin/python3 tests/endpoint/ctl.py reset

CREATE SERVER kms_scan FOREIGN DATA WRAPPER cks_fdw
  OPTIONS (region 'us-east-1', endpoint :'endpoint', sts_endpoint :'endpoint');
CREATE USER MAPPING FOR CURRENT_USER SERVER kms_scan
  OPTIONS (access_key_id 'AKIDCKSTEST111111111',
           secret_access_key 'cks/test/secret/111111111111/AAAAAAAAAAAA');
CREATE SCHEMA scan;
IMPORT FOREIGN SCHEMA kms FROM SERVER kms_scan INTO scan;
\d scan.custom_key_stores

-- the rich data set: both store types, every state, Unicode, quotes
SELECT custom_key_store_name, custom_key_store_type, connection_state,
       connection_error_code, creation_date, region, account_id
  FROM scan.custom_key_stores ORDER BY creation_date NULLS LAST, custom_key_store_name;
\! /usr/bin/python3 tests/endpoint/ctl.py requests --fields operation,region,params

-- XKS proxy fields and the 5,000-character certificate (the proxy's
-- AccessKeyId is sensitive: NULL without show_sensitive, sql/sensitive.sql)
SELECT custom_key_store_name, xks_proxy_connectivity, xks_proxy_uri_endpoint,
       xks_proxy_uri_path, xks_proxy_vpc_endpoint_service_name,
       xks_proxy_vpc_endpoint_service_owner, xks_proxy_access_key_id
  FROM scan.custom_key_stores WHERE custom_key_store_type = 'EXTERNAL_KEY_STORE'
  ORDER BY 1;
SELECT custom_key_store_name, length(trust_anchor_certificate), cloud_hsm_cluster_id
  FROM scan.custom_key_stores WHERE trust_anchor_certificate IS NOT NULL ORDER BY 1;

-- milliseconds survive
SELECT custom_key_store_name, extract(epoch FROM creation_date) AS epoch
  FROM scan.custom_key_stores WHERE creation_date IS NOT NULL ORDER BY 2 LIMIT 4;

-- raw is the entry as AWS sent it
SELECT raw - 'TrustAnchorCertificate' AS raw
  FROM scan.custom_key_stores WHERE custom_key_store_name = 'xks-vpc';
SELECT count(*) AS raw_matches_columns
  FROM scan.custom_key_stores
 WHERE raw->>'CustomKeyStoreId' = custom_key_store_id
   AND raw->>'CustomKeyStoreName' = custom_key_store_name;

-- compare every column with what botocore's paginator lists (Debian's
-- botocore 1.29 predates XksProxyConfiguration.VpcEndpointServiceOwner and
-- drops it, so that one field is compared only where botocore has it)
-- (with show_sensitive, so that the sensitive AccessKeyId is compared too)
ALTER FOREIGN TABLE scan.custom_key_stores OPTIONS (ADD show_sensitive 'true');
CREATE TEMP TABLE boto_raw (b64 text);
\copy boto_raw FROM PROGRAM '/usr/bin/python3 tests/lib/botocore_list.py us-east-1 AKIDCKSTEST111111111 cks/test/secret/111111111111/AAAAAAAAAAAA --page-size 5'
CREATE TEMP TABLE boto AS
  SELECT convert_from(decode(b64, 'base64'), 'UTF8')::jsonb AS e FROM boto_raw;
SELECT count(*) AS botocore_entries FROM boto;
SELECT coalesce(k.custom_key_store_id, b.e->>'CustomKeyStoreId') AS mismatch
  FROM scan.custom_key_stores k
  FULL JOIN boto b ON b.e->>'CustomKeyStoreId' = k.custom_key_store_id
 WHERE k.custom_key_store_id IS NULL OR b.e IS NULL
    OR k.custom_key_store_name IS DISTINCT FROM b.e->>'CustomKeyStoreName'
    OR k.custom_key_store_type IS DISTINCT FROM b.e->>'CustomKeyStoreType'
    OR k.cloud_hsm_cluster_id IS DISTINCT FROM b.e->>'CloudHsmClusterId'
    OR k.trust_anchor_certificate IS DISTINCT FROM b.e->>'TrustAnchorCertificate'
    OR k.connection_state IS DISTINCT FROM b.e->>'ConnectionState'
    OR k.connection_error_code IS DISTINCT FROM b.e->>'ConnectionErrorCode'
    OR k.creation_date IS DISTINCT FROM (b.e->>'CreationDate')::timestamptz
    OR k.xks_proxy_connectivity IS DISTINCT FROM b.e#>>'{XksProxyConfiguration,Connectivity}'
    OR k.xks_proxy_uri_endpoint IS DISTINCT FROM b.e#>>'{XksProxyConfiguration,UriEndpoint}'
    OR k.xks_proxy_uri_path IS DISTINCT FROM b.e#>>'{XksProxyConfiguration,UriPath}'
    OR k.xks_proxy_vpc_endpoint_service_name IS DISTINCT FROM b.e#>>'{XksProxyConfiguration,VpcEndpointServiceName}'
    OR (b.e#>>'{XksProxyConfiguration,VpcEndpointServiceOwner}' IS NOT NULL AND
        k.xks_proxy_vpc_endpoint_service_owner IS DISTINCT FROM b.e#>>'{XksProxyConfiguration,VpcEndpointServiceOwner}')
    OR k.xks_proxy_access_key_id IS DISTINCT FROM b.e#>>'{XksProxyConfiguration,AccessKeyId}'
    OR (k.raw - 'CreationDate' #- '{XksProxyConfiguration,VpcEndpointServiceOwner}')
       IS DISTINCT FROM (b.e - 'CreationDate' #- '{XksProxyConfiguration,VpcEndpointServiceOwner}');
ALTER FOREIGN TABLE scan.custom_key_stores OPTIONS (DROP show_sensitive);

-- pagination: 2,500 stores, page_size 1000 -> exactly 3 requests
\! /usr/bin/python3 tests/endpoint/ctl.py stores 111111111111 eu-west-1 2500
CREATE SERVER kms_bulk FOREIGN DATA WRAPPER cks_fdw
  OPTIONS (region 'eu-west-1', endpoint :'endpoint', sts_endpoint :'endpoint');
CREATE USER MAPPING FOR CURRENT_USER SERVER kms_bulk
  OPTIONS (access_key_id 'AKIDCKSTEST111111111',
           secret_access_key 'cks/test/secret/111111111111/AAAAAAAAAAAA');
CREATE FOREIGN TABLE bulk (id text OPTIONS (column_name 'custom_key_store_id'),
                           custom_key_store_name varchar(64))
  SERVER kms_bulk;
\! /usr/bin/python3 tests/endpoint/ctl.py reset
\! /usr/bin/python3 tests/endpoint/ctl.py stores 111111111111 eu-west-1 2500
SELECT count(*), count(DISTINCT id) FROM bulk;
\! /usr/bin/python3 tests/endpoint/ctl.py count --operation DescribeCustomKeyStores
\! /usr/bin/python3 tests/endpoint/ctl.py requests --fields operation,params | sed -E 's/"Marker": "[^"]*"/"Marker": "..."/'
\! /usr/bin/python3 tests/endpoint/ctl.py connections

-- the table option page_size overrides the server's
ALTER FOREIGN TABLE bulk OPTIONS (ADD page_size '700');
\! /usr/bin/python3 tests/endpoint/ctl.py reset
\! /usr/bin/python3 tests/endpoint/ctl.py stores 111111111111 eu-west-1 2500
SELECT count(*) FROM bulk;
\! /usr/bin/python3 tests/endpoint/ctl.py count --operation DescribeCustomKeyStores

-- streaming: a LIMIT stops asking for pages once it has its rows
\! /usr/bin/python3 tests/endpoint/ctl.py reset
\! /usr/bin/python3 tests/endpoint/ctl.py stores 111111111111 eu-west-1 2500
SELECT count(*) FROM (SELECT * FROM bulk LIMIT 5) s;
\! /usr/bin/python3 tests/endpoint/ctl.py count --operation DescribeCustomKeyStores

-- any subset of columns, in any order; a value that does not fit names the column
CREATE FOREIGN TABLE subset (region text, created text OPTIONS (column_name 'creation_date'),
                             state varchar(4) OPTIONS (column_name 'connection_state'))
  SERVER kms_scan;
SELECT region, created FROM subset ORDER BY created NULLS LAST LIMIT 2;
SELECT state FROM subset;

-- an unknown column is an error at plan time, naming it and the valid names
CREATE FOREIGN TABLE badcol (custom_key_store_id text, colour text) SERVER kms_scan;
SELECT custom_key_store_id FROM badcol;

-- a server with no store in the region: zero rows, one request
CREATE SERVER kms_empty FOREIGN DATA WRAPPER cks_fdw
  OPTIONS (region 'sa-east-1', endpoint :'endpoint');
CREATE USER MAPPING FOR CURRENT_USER SERVER kms_empty
  OPTIONS (access_key_id 'AKIDCKSTEST111111111',
           secret_access_key 'cks/test/secret/111111111111/AAAAAAAAAAAA');
CREATE FOREIGN TABLE empty (custom_key_store_id text) SERVER kms_empty;
\! /usr/bin/python3 tests/endpoint/ctl.py reset
SELECT count(*) FROM empty;
\! /usr/bin/python3 tests/endpoint/ctl.py count
