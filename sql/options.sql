--
-- options: what the cks_fdw validator accepts and rejects on each object,
-- with which message and SQLSTATE, and that no credential ever appears in
-- a message.  Needs no endpoint: nothing here scans.
--
\set VERBOSITY default

-- Credentials are computed, so the echoed statements never contain their
-- values; they must not appear anywhere else in this output either.
SELECT md5('cks-test-secret-access-key') AS secret,
       md5('cks-test-session-token') AS token,
       md5('cks-test-secret-access-key') || E'\n' AS secret_with_newline
\gset

--
-- Foreign data wrapper: no options.
--
ALTER FOREIGN DATA WRAPPER cks_fdw OPTIONS (ADD foo 'bar');
ALTER FOREIGN DATA WRAPPER cks_fdw OPTIONS (ADD region 'us-east-1');
ALTER FOREIGN DATA WRAPPER cks_fdw OPTIONS (ADD secret_access_key :'secret');

--
-- Servers: every option, valid.
--
CREATE SERVER opt_all FOREIGN DATA WRAPPER cks_fdw OPTIONS (
    region 'us-east-1, eu-west-1,us-gov-west-1,cn-north-1,eu-central-2,il-central-1,us-east-1',
    endpoint 'https://kms.{region}.amazonaws.com',
    sts_endpoint 'http://127.0.0.1:8080/sts/{region}',
    connect_timeout_ms '1',
    request_timeout_ms '3600000',
    max_attempts '10',
    page_size '1000',
    ca_file '/etc/ssl/certs/ca-certificates.crt',
    proxy 'http://proxy.example.com:3128',
    no_proxy 'localhost, .internal.example.com,10.0.0.0/8,[::1]',
    organizations_endpoint 'https://organizations.example.com',
    cloudhsm_endpoint 'http://localhost:4566/cloudhsm/{region}',
    max_concurrent_requests '1000',
    on_error 'warn',
    async_capable 'off',
    estimated_rows '0.5',
    request_cost '0'
);
SELECT unnest(srvoptions) AS option FROM pg_foreign_server
WHERE srvname = 'opt_all';
-- region is required only when a scan runs, so a server may start without
CREATE SERVER opt_bare FOREIGN DATA WRAPPER cks_fdw;
CREATE SERVER opt_ipv6 FOREIGN DATA WRAPPER cks_fdw
    OPTIONS (region 'ap-southeast-2', endpoint 'http://[::1]:4566', sts_endpoint 'https://{region}.sts.example.com:8443/');

-- unknown options list what a server takes
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (regoin 'us-east-1');
-- credentials belong on user mappings, and their values are not repeated
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (secret_access_key :'secret');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (access_key_id 'AKIDEXAMPLE');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (session_token :'token');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (role_arn 'arn:aws:iam::123456789012:role/reader');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (external_id 'shared-with-vendor');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (duration_seconds '3600');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (column_name 'raw');

-- region
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (region '');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (region '  ');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (region 'us-east-1,,eu-west-1');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (region ',us-east-1');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (region 'us-east-1, ');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (region 'US-EAST-1');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (region 'us-east-1,eu_west_1');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (region 'us-east');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (region 'useast1');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (region 'u-east-1');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (region 'us-east-1a');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (region 'us--east-1');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (region 'us-east-1 eu-west-1');
-- well-formed but no AWS region: the last word must be a compass direction
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (region 'us-est-1');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (region 'eu-west-1,ap-sotheast-2');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (region 'us-gov-1x-1');
-- a region AWS opens later has the same shape and is accepted
CREATE SERVER opt_future FOREIGN DATA WRAPPER cks_fdw OPTIONS (region 'xx-central-9');
DROP SERVER opt_future;
-- a mistyped option name: the closest one is suggested
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (region 'us-east-1', page_sise '10');

-- endpoint and sts_endpoint
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (endpoint '');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (endpoint 'kms.us-east-1.amazonaws.com');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (endpoint 'ftp://kms.us-east-1.amazonaws.com');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (endpoint 'file:///etc/passwd');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (endpoint 'https://');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (endpoint 'https:///path');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (endpoint 'https:/kms.example.com');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (endpoint 'https://kms.example.com:99999');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (endpoint 'ftp://user:hunter2@kms.example.com');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (endpoint 'https://user:hunter2@kms.example.com');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (endpoint 'https://user@kms.example.com');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (endpoint 'https://kms.example.com/#top');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (endpoint 'https://kms.example.com/#');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (endpoint 'https://kms.example.com/?a=b');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (endpoint 'https://kms.example.com?');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (endpoint 'https://kms.example.com /');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (endpoint E'https://kms.example.com/\r\nX-Injected: 1');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (endpoint E'https://kms.example.com/\x7f');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (endpoint 'https://kms.exämple.com');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (endpoint 'https://kms.{regoin}.amazonaws.com');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (endpoint 'https://kms.{region.amazonaws.com');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (sts_endpoint 'ldap://sts.example.com');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (sts_endpoint 'https://a:b@sts.example.com');
-- plain http:// only to this machine: signed requests and session tokens
-- would otherwise cross the network in the clear
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (endpoint 'http://kms.us-east-1.amazonaws.com');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (sts_endpoint 'http://169.254.169.254/latest');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (endpoint 'http://10.0.0.1:8080/{region}');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (endpoint 'http://localhost.example.com');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (organizations_endpoint 'http://[::2]:80');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (cloudhsm_endpoint 'ftp://cloudhsm.example.com');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (cloudhsm_endpoint 'https://cloudhsmv2.{regoin}.amazonaws.com');

-- proxy and no_proxy
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (proxy 'proxy.example.com:3128');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (proxy 'socks5://proxy.example.com:1080');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (proxy 'http://user:hunter2@proxy.example.com:3128');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (proxy 'http://proxy.example.com:3128/path');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (no_proxy '');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (no_proxy 'localhost,,example.com');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (no_proxy 'localhost example.com');

-- integers
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (page_size '0');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (page_size '1001');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (page_size 'many');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (page_size '');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (page_size '10 ');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (page_size ' 10');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (page_size '0x10');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (page_size '1e3');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (page_size '10.5');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (page_size '99999999999999999999999');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (max_attempts '0');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (max_attempts '11');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (connect_timeout_ms '0');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (connect_timeout_ms '-1');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (connect_timeout_ms '5s');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (request_timeout_ms '0');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (request_timeout_ms '3600001');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (max_concurrent_requests '-1');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (max_concurrent_requests '1001');
-- request_quotas: AWS operations with a quota, a rate above 0 each
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (request_quotas 'DescribeCustomKeyStore=50');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (request_quotas 'DescribeCustomKeyStores');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (request_quotas 'DescribeCustomKeyStores=fast');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (request_quotas 'ListKeys=0');
CREATE SERVER opt_quotas FOREIGN DATA WRAPPER cks_fdw
  OPTIONS (request_quotas 'DescribeCustomKeyStores=50, GetKeyLastUsage=10', max_concurrent_requests '0');
ALTER SERVER opt_quotas OPTIONS (SET request_quotas 'AssumeRole=1000');
DROP SERVER opt_quotas;

-- reals
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (estimated_rows '0');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (estimated_rows '-1');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (estimated_rows 'NaN');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (estimated_rows 'Infinity');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (estimated_rows 'lots');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (request_cost '-0.5');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (request_cost '1e400');

-- boolean, on_error, ca_file
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (async_capable 'maybe');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (on_error 'ignore');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (on_error 'WARN');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (ca_file 'certs/ca.pem');
CREATE SERVER opt_bad FOREIGN DATA WRAPPER cks_fdw OPTIONS (ca_file '');

-- nothing above was created
SELECT srvname FROM pg_foreign_server WHERE srvname LIKE 'opt\_%' ORDER BY 1;

-- ALTER SERVER checks the same way
ALTER SERVER opt_all OPTIONS (SET page_size '0');
ALTER SERVER opt_all OPTIONS (SET region 'us-east-1,');
ALTER SERVER opt_all OPTIONS (SET endpoint 'ftp://kms.example.com');
ALTER SERVER opt_all OPTIONS (ADD secret_access_key :'secret');
ALTER SERVER opt_all OPTIONS (ADD bogus 'x');
ALTER SERVER opt_bare OPTIONS (ADD region 'eu-north-1', ADD page_size '50');
ALTER SERVER opt_bare OPTIONS (DROP page_size);
SELECT srvoptions FROM pg_foreign_server WHERE srvname = 'opt_bare';

--
-- User mappings: credentials and AssumeRole settings.
--
CREATE USER MAPPING FOR CURRENT_USER SERVER opt_all
    OPTIONS (region 'us-east-1');
CREATE USER MAPPING FOR CURRENT_USER SERVER opt_all
    OPTIONS (page_size '10');
CREATE USER MAPPING FOR CURRENT_USER SERVER opt_all
    OPTIONS (password :'secret');
-- both keys or neither; a token needs the keys
CREATE USER MAPPING FOR CURRENT_USER SERVER opt_all
    OPTIONS (access_key_id 'AKIDEXAMPLE');
CREATE USER MAPPING FOR CURRENT_USER SERVER opt_all
    OPTIONS (secret_access_key :'secret');
CREATE USER MAPPING FOR CURRENT_USER SERVER opt_all
    OPTIONS (session_token :'token');
CREATE USER MAPPING FOR CURRENT_USER SERVER opt_all
    OPTIONS (secret_access_key :'secret', session_token :'token');
-- credentials go into HTTP headers: no blanks, no line breaks
CREATE USER MAPPING FOR CURRENT_USER SERVER opt_all
    OPTIONS (access_key_id '', secret_access_key :'secret');
CREATE USER MAPPING FOR CURRENT_USER SERVER opt_all
    OPTIONS (access_key_id 'AKIDEXAMPLE', secret_access_key :'secret_with_newline');
CREATE USER MAPPING FOR CURRENT_USER SERVER opt_all
    OPTIONS (access_key_id 'AKIDEXAMPLE', secret_access_key :'secret', session_token ' ');
-- AssumeRole
CREATE USER MAPPING FOR CURRENT_USER SERVER opt_all
    OPTIONS (role_arn 'arn:aws:iam::12345:role/reader');
CREATE USER MAPPING FOR CURRENT_USER SERVER opt_all
    OPTIONS (role_arn 'arn:aws:iam::123456789012:user/reader');
CREATE USER MAPPING FOR CURRENT_USER SERVER opt_all
    OPTIONS (role_arn 'arn:aws:iam::123456789012:role/');
CREATE USER MAPPING FOR CURRENT_USER SERVER opt_all
    OPTIONS (role_arn 'arn:aws:iam:us-east-1:123456789012:role/reader');
CREATE USER MAPPING FOR CURRENT_USER SERVER opt_all
    OPTIONS (role_arn 'arn:aws:kms::123456789012:role/reader');
-- not an AWS partition: refused here, by the parser that takes the
-- account id at scan time
CREATE USER MAPPING FOR CURRENT_USER SERVER opt_all
    OPTIONS (role_arn 'arn:foo:iam::123456789012:role/x');
CREATE USER MAPPING FOR CURRENT_USER SERVER opt_all
    OPTIONS (role_arn 'arn:aws:iam::123456789012:role//x');
CREATE USER MAPPING FOR CURRENT_USER SERVER opt_all
    OPTIONS (role_arn 'arn:aws:iam::123456789012:role/reader', external_id 'x');
CREATE USER MAPPING FOR CURRENT_USER SERVER opt_all
    OPTIONS (role_arn 'arn:aws:iam::123456789012:role/reader', external_id 'no spaces allowed');
CREATE USER MAPPING FOR CURRENT_USER SERVER opt_all
    OPTIONS (role_arn 'arn:aws:iam::123456789012:role/reader', role_session_name 'a');
CREATE USER MAPPING FOR CURRENT_USER SERVER opt_all
    OPTIONS (role_arn 'arn:aws:iam::123456789012:role/reader', role_session_name 'has space');
CREATE USER MAPPING FOR CURRENT_USER SERVER opt_all
    OPTIONS (role_arn 'arn:aws:iam::123456789012:role/reader', role_session_name 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa');
CREATE USER MAPPING FOR CURRENT_USER SERVER opt_all
    OPTIONS (role_arn 'arn:aws:iam::123456789012:role/reader', duration_seconds '899');
CREATE USER MAPPING FOR CURRENT_USER SERVER opt_all
    OPTIONS (role_arn 'arn:aws:iam::123456789012:role/reader', duration_seconds '43201');
CREATE USER MAPPING FOR CURRENT_USER SERVER opt_all
    OPTIONS (external_id 'shared-with-vendor');
CREATE USER MAPPING FOR CURRENT_USER SERVER opt_all
    OPTIONS (duration_seconds '3600');
-- valid: every option, at the edges of the AWS ranges
CREATE USER MAPPING FOR CURRENT_USER SERVER opt_all OPTIONS (
    access_key_id 'ASIAEXAMPLE',
    secret_access_key :'secret',
    session_token :'token',
    role_arn 'arn:aws-us-gov:iam::123456789012:role/service-role/Key_Store.Reader+1=2,3@4-5',
    external_id 'vendor:42/x=y',
    role_session_name 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
    duration_seconds '43200'
);
-- no keys at all is a valid mapping too
CREATE USER MAPPING FOR PUBLIC SERVER opt_bare;
-- ALTER USER MAPPING sees the whole resulting list
ALTER USER MAPPING FOR CURRENT_USER SERVER opt_all
    OPTIONS (DROP secret_access_key);
ALTER USER MAPPING FOR CURRENT_USER SERVER opt_all
    OPTIONS (DROP role_arn);
ALTER USER MAPPING FOR CURRENT_USER SERVER opt_all
    OPTIONS (SET duration_seconds '900000');
ALTER USER MAPPING FOR CURRENT_USER SERVER opt_all
    OPTIONS (ADD endpoint 'https://kms.example.com');
ALTER USER MAPPING FOR CURRENT_USER SERVER opt_all
    OPTIONS (SET session_token '');
ALTER USER MAPPING FOR CURRENT_USER SERVER opt_all
    OPTIONS (DROP session_token, SET duration_seconds '900');
ALTER USER MAPPING FOR PUBLIC SERVER opt_bare
    OPTIONS (ADD access_key_id 'AKIDEXAMPLE');
-- the superuser's view: options present (not printed)
SELECT array_length(umoptions, 1) AS options FROM pg_user_mappings
WHERE srvname = 'opt_all' AND usename = current_user;

--
-- Foreign tables and columns.
--
CREATE FOREIGN TABLE opt_stores (
    id text OPTIONS (column_name 'custom_key_store_id'),
    custom_key_store_name text
) SERVER opt_all OPTIONS (
    page_size '25',
    connect_timeout_ms '100',
    request_timeout_ms '200',
    max_attempts '1',
    on_error 'error',
    async_capable 'true',
    estimated_rows '3',
    request_cost '12.5'
);
SELECT ftoptions FROM pg_foreign_table WHERE ftrelid = 'opt_stores'::regclass;
SELECT attname, attfdwoptions FROM pg_attribute
WHERE attrelid = 'opt_stores'::regclass AND attnum > 0 ORDER BY attnum;
CREATE FOREIGN TABLE opt_bad_table (id text) SERVER opt_all
    OPTIONS (region 'us-east-1');
CREATE FOREIGN TABLE opt_bad_table (id text) SERVER opt_all
    OPTIONS (endpoint 'https://kms.example.com');
CREATE FOREIGN TABLE opt_bad_table (id text) SERVER opt_all
    OPTIONS (secret_access_key :'secret');
CREATE FOREIGN TABLE opt_bad_table (id text) SERVER opt_all
    OPTIONS (column_name 'custom_key_store_id');
CREATE FOREIGN TABLE opt_bad_table (id text) SERVER opt_all
    OPTIONS (table_name 'custom_key_stores');
CREATE FOREIGN TABLE opt_bad_table (id text) SERVER opt_all
    OPTIONS (page_size '1001');
-- table: the remote table; IMPORT FOREIGN SCHEMA sets it, it may be left out
CREATE FOREIGN TABLE opt_bad_table (id text) SERVER opt_all
    OPTIONS (table 'keys_on_mars');
CREATE FOREIGN TABLE opt_bad_table (id text) SERVER opt_all
    OPTIONS (table '');
CREATE FOREIGN TABLE opt_kind_table (id text OPTIONS (column_name 'custom_key_store_id'))
    SERVER opt_all OPTIONS (table 'custom_key_stores');
ALTER FOREIGN TABLE opt_kind_table OPTIONS (SET table 'CUSTOM_KEY_STORES');
-- key_manager applies to keys only: elsewhere it is refused, not ignored
ALTER FOREIGN TABLE opt_kind_table OPTIONS (ADD key_manager 'ALL');
CREATE FOREIGN TABLE opt_bad_table (id text) SERVER opt_all
    OPTIONS (key_manager 'ALL');
CREATE FOREIGN TABLE opt_keys_table (key_id text) SERVER opt_all
    OPTIONS (table 'keys', key_manager 'ALL');
ALTER FOREIGN TABLE opt_keys_table OPTIONS (SET table 'cloudhsm_clusters');
DROP FOREIGN TABLE opt_keys_table;
DROP FOREIGN TABLE opt_kind_table;
CREATE FOREIGN TABLE opt_bad_table (id text OPTIONS (column_name '')) SERVER opt_all;
CREATE FOREIGN TABLE opt_bad_table (id text OPTIONS (name 'x')) SERVER opt_all;
CREATE FOREIGN TABLE opt_bad_table (id text OPTIONS (page_size '10')) SERVER opt_all;
ALTER FOREIGN TABLE opt_stores OPTIONS (SET max_attempts '0');
ALTER FOREIGN TABLE opt_stores OPTIONS (SET on_error 'skip');
ALTER FOREIGN TABLE opt_stores OPTIONS (ADD session_token :'token');
ALTER FOREIGN TABLE opt_stores ALTER COLUMN id OPTIONS (SET column_name '');
ALTER FOREIGN TABLE opt_stores ALTER COLUMN id OPTIONS (DROP column_name);

--
-- Another role can neither read this user's credentials nor point the
-- server process at a file.
--
CREATE ROLE regress_cks_other;
GRANT USAGE ON FOREIGN DATA WRAPPER cks_fdw TO regress_cks_other;
GRANT USAGE ON FOREIGN SERVER opt_all TO regress_cks_other;
CREATE USER MAPPING FOR regress_cks_other SERVER opt_all
    OPTIONS (access_key_id 'AKIDOTHER', secret_access_key :'secret');
SET ROLE regress_cks_other;
-- its own mapping's options are visible to it, the superuser's are not
SELECT usename = 'regress_cks_other' AS own_mapping, umoptions IS NULL AS hidden
FROM pg_user_mappings WHERE srvname = 'opt_all' ORDER BY 1;
SELECT umoptions FROM pg_user_mapping;
CREATE SERVER opt_other FOREIGN DATA WRAPPER cks_fdw
    OPTIONS (ca_file '/etc/ssl/certs/ca-certificates.crt');
CREATE SERVER opt_other FOREIGN DATA WRAPPER cks_fdw
    OPTIONS (region 'us-east-1');
DROP SERVER opt_other;
RESET ROLE;

--
-- SQLSTATEs, one per kind of rejection.
--
CREATE FUNCTION pg_temp.sqlstate_of(stmt text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE stmt;
    RETURN 'no error';
EXCEPTION WHEN others THEN
    RETURN SQLSTATE;
END
$$;
SELECT label, pg_temp.sqlstate_of(stmt) AS sqlstate FROM (VALUES
    ('unknown option', $$CREATE SERVER opt_x FOREIGN DATA WRAPPER cks_fdw OPTIONS (foo 'x')$$),
    ('credential on a server', $$CREATE SERVER opt_x FOREIGN DATA WRAPPER cks_fdw OPTIONS (secret_access_key 'x')$$),
    ('server option on a table', $$ALTER FOREIGN TABLE opt_stores OPTIONS (ADD region 'us-east-1')$$),
    ('bad region', $$CREATE SERVER opt_x FOREIGN DATA WRAPPER cks_fdw OPTIONS (region 'x')$$),
    ('bad endpoint', $$CREATE SERVER opt_x FOREIGN DATA WRAPPER cks_fdw OPTIONS (endpoint 'ftp://x')$$),
    ('bad integer', $$CREATE SERVER opt_x FOREIGN DATA WRAPPER cks_fdw OPTIONS (page_size 'x')$$),
    ('integer out of range', $$CREATE SERVER opt_x FOREIGN DATA WRAPPER cks_fdw OPTIONS (page_size '0')$$),
    ('bad real', $$CREATE SERVER opt_x FOREIGN DATA WRAPPER cks_fdw OPTIONS (request_cost '-1')$$),
    ('bad boolean', $$CREATE SERVER opt_x FOREIGN DATA WRAPPER cks_fdw OPTIONS (async_capable 'x')$$),
    ('bad on_error', $$CREATE SERVER opt_x FOREIGN DATA WRAPPER cks_fdw OPTIONS (on_error 'x')$$),
    ('relative ca_file', $$CREATE SERVER opt_x FOREIGN DATA WRAPPER cks_fdw OPTIONS (ca_file 'x')$$),
    ('bad role_arn', $$CREATE USER MAPPING FOR PUBLIC SERVER opt_all OPTIONS (role_arn 'x')$$),
    ('role_arn of no AWS partition', $$CREATE USER MAPPING FOR PUBLIC SERVER opt_all OPTIONS (role_arn 'arn:foo:iam::123456789012:role/x')$$),
    ('http:// off loopback', $$CREATE SERVER opt_x FOREIGN DATA WRAPPER cks_fdw OPTIONS (endpoint 'http://169.254.169.254')$$),
    ('proxy with a path', $$CREATE SERVER opt_x FOREIGN DATA WRAPPER cks_fdw OPTIONS (proxy 'http://p.example.com/x')$$),
    ('key without secret', $$CREATE USER MAPPING FOR PUBLIC SERVER opt_all OPTIONS (access_key_id 'x')$$),
    ('external_id without role', $$CREATE USER MAPPING FOR PUBLIC SERVER opt_all OPTIONS (external_id 'xy')$$),
    ('valid server', $$CREATE SERVER opt_x FOREIGN DATA WRAPPER cks_fdw OPTIONS (region 'us-east-1')$$)
) AS t(label, stmt);
DROP SERVER opt_x;

--
-- Where requests go, through what, and whom TLS trusts is the superuser's
-- choice.  A role with USAGE on the wrapper may create servers, but not
-- point them anywhere but AWS, neither on CREATE nor on ALTER; nor may it
-- re-point (or alter at all) a server it was given that has such options,
-- on which other roles' user mappings may hang.
--
CREATE ROLE regress_cks_owner;
GRANT USAGE ON FOREIGN DATA WRAPPER cks_fdw TO regress_cks_owner;
CREATE SERVER opt_given FOREIGN DATA WRAPPER cks_fdw
    OPTIONS (region 'us-east-1', endpoint 'http://127.0.0.1:8080');
ALTER SERVER opt_given OWNER TO regress_cks_owner;
SET ROLE regress_cks_owner;
CREATE SERVER opt_owned FOREIGN DATA WRAPPER cks_fdw OPTIONS (region 'us-east-1');
SELECT label, pg_temp.sqlstate_of(stmt) AS sqlstate FROM (VALUES
    ('CREATE, endpoint', $$CREATE SERVER opt_y FOREIGN DATA WRAPPER cks_fdw OPTIONS (endpoint 'https://kms.example.com')$$),
    ('CREATE, sts_endpoint', $$CREATE SERVER opt_y FOREIGN DATA WRAPPER cks_fdw OPTIONS (sts_endpoint 'http://127.0.0.1:5432')$$),
    ('CREATE, organizations_endpoint', $$CREATE SERVER opt_y FOREIGN DATA WRAPPER cks_fdw OPTIONS (organizations_endpoint 'https://organizations.example.com')$$),
    ('CREATE, cloudhsm_endpoint', $$CREATE SERVER opt_y FOREIGN DATA WRAPPER cks_fdw OPTIONS (cloudhsm_endpoint 'https://cloudhsm.example.com')$$),
    ('CREATE, proxy', $$CREATE SERVER opt_y FOREIGN DATA WRAPPER cks_fdw OPTIONS (proxy 'http://proxy.example.com:3128')$$),
    ('CREATE, no_proxy', $$CREATE SERVER opt_y FOREIGN DATA WRAPPER cks_fdw OPTIONS (no_proxy 'localhost')$$),
    ('CREATE, ca_file', $$CREATE SERVER opt_y FOREIGN DATA WRAPPER cks_fdw OPTIONS (ca_file '/etc/passwd')$$),
    ('ALTER, endpoint', $$ALTER SERVER opt_owned OPTIONS (ADD endpoint 'http://169.254.169.254')$$),
    ('ALTER, sts_endpoint', $$ALTER SERVER opt_owned OPTIONS (ADD sts_endpoint 'https://sts.example.com')$$),
    ('ALTER, organizations_endpoint', $$ALTER SERVER opt_owned OPTIONS (ADD organizations_endpoint 'https://o.example.com')$$),
    ('ALTER, cloudhsm_endpoint', $$ALTER SERVER opt_owned OPTIONS (ADD cloudhsm_endpoint 'https://c.example.com')$$),
    ('ALTER, proxy', $$ALTER SERVER opt_owned OPTIONS (ADD proxy 'http://proxy.example.com:3128')$$),
    ('ALTER, no_proxy', $$ALTER SERVER opt_owned OPTIONS (ADD no_proxy '*')$$),
    ('ALTER, ca_file', $$ALTER SERVER opt_owned OPTIONS (ADD ca_file '/etc/passwd')$$),
    ('re-point a given server', $$ALTER SERVER opt_given OPTIONS (SET endpoint 'https://kms.example.com')$$),
    ('any ALTER of a given server', $$ALTER SERVER opt_given OPTIONS (ADD page_size '10')$$),
    ('tuning options', $$ALTER SERVER opt_owned OPTIONS (ADD page_size '10', ADD max_concurrent_requests '8')$$),
    ('the defaults, spelled out', $$CREATE SERVER opt_y FOREIGN DATA WRAPPER cks_fdw OPTIONS (
        endpoint 'https://kms.{region}.amazonaws.com', sts_endpoint 'https://sts.{region}.amazonaws.com',
        organizations_endpoint 'https://organizations.us-east-1.amazonaws.com',
        cloudhsm_endpoint 'https://cloudhsmv2.{region}.amazonaws.com')$$)
) AS t(label, stmt);
-- the messages, once
CREATE SERVER opt_y2 FOREIGN DATA WRAPPER cks_fdw OPTIONS (endpoint 'http://169.254.169.254/');
ALTER SERVER opt_owned OPTIONS (ADD proxy 'http://proxy.example.com:3128');
ALTER SERVER opt_given OPTIONS (ADD page_size '10');
DROP SERVER opt_y, opt_owned;
RESET ROLE;
SELECT srvname, srvoptions FROM pg_foreign_server
WHERE srvname IN ('opt_given', 'opt_owned', 'opt_y', 'opt_y2') ORDER BY 1;
DROP SERVER opt_given;
REVOKE USAGE ON FOREIGN DATA WRAPPER cks_fdw FROM regress_cks_owner;
DROP ROLE regress_cks_owner;

--
-- No message, detail or hint of a rejection names the credential that was
-- given, even when the credential itself is what is wrong.
--
CREATE FUNCTION pg_temp.error_mentions(stmt text, needle text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    msg text;
    detail text;
    hint text;
BEGIN
    EXECUTE stmt;
    RETURN 'no error';
EXCEPTION WHEN others THEN
    GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL,
        hint = PG_EXCEPTION_HINT;
    RETURN CASE WHEN strpos(concat_ws(' ', msg, detail, hint), needle) > 0
                THEN 'leaks it' ELSE 'does not leak it' END;
END
$$;
SELECT label, pg_temp.error_mentions(format(stmt, val), val) AS error FROM (VALUES
    ('secret on a server', $$CREATE SERVER opt_x FOREIGN DATA WRAPPER cks_fdw OPTIONS (secret_access_key %L)$$, :'secret'),
    ('token on a server', $$CREATE SERVER opt_x FOREIGN DATA WRAPPER cks_fdw OPTIONS (session_token %L)$$, :'token'),
    ('secret on a table', $$ALTER FOREIGN TABLE opt_stores OPTIONS (ADD secret_access_key %L)$$, :'secret'),
    ('secret on the wrapper', $$ALTER FOREIGN DATA WRAPPER cks_fdw OPTIONS (ADD secret_access_key %L)$$, :'secret'),
    ('secret on a column', $$ALTER FOREIGN TABLE opt_stores ALTER COLUMN id OPTIONS (ADD secret_access_key %L)$$, :'secret'),
    ('secret without key', $$CREATE USER MAPPING FOR PUBLIC SERVER opt_all OPTIONS (secret_access_key %L)$$, :'secret'),
    ('key without secret', $$CREATE USER MAPPING FOR PUBLIC SERVER opt_all OPTIONS (access_key_id %L)$$, 'AKIDLEAKCHECK'),
    ('secret with a newline', $$CREATE USER MAPPING FOR PUBLIC SERVER opt_all OPTIONS (access_key_id 'AKIDEXAMPLE', secret_access_key %L)$$, :'secret_with_newline'),
    ('token with a blank', $$CREATE USER MAPPING FOR PUBLIC SERVER opt_all OPTIONS (access_key_id 'AKIDEXAMPLE', secret_access_key 'x', session_token %L)$$, :'token' || ' x'),
    ('bad role_arn', $$CREATE USER MAPPING FOR PUBLIC SERVER opt_all OPTIONS (role_arn %L)$$, 'arn:aws:iam::98765432109:role/leak'),
    ('bad external_id', $$CREATE USER MAPPING FOR PUBLIC SERVER opt_all OPTIONS (role_arn 'arn:aws:iam::123456789012:role/r', external_id %L)$$, 'leak check!'),
    ('bad role_session_name', $$CREATE USER MAPPING FOR PUBLIC SERVER opt_all OPTIONS (role_arn 'arn:aws:iam::123456789012:role/r', role_session_name %L)$$, 'leak check!'),
    ('secret in duration_seconds', $$CREATE USER MAPPING FOR PUBLIC SERVER opt_all OPTIONS (role_arn 'arn:aws:iam::123456789012:role/r', duration_seconds %L)$$, :'secret'),
    ('password in proxy', $$CREATE SERVER opt_x FOREIGN DATA WRAPPER cks_fdw OPTIONS (proxy %L)$$, 'http://u:leakcheckpw@proxy.example.com'),
    ('password in endpoint', $$CREATE SERVER opt_x FOREIGN DATA WRAPPER cks_fdw OPTIONS (endpoint %L)$$, 'https://u:leakcheckpw@kms.example.com'),
    ('password, wrong scheme', $$CREATE SERVER opt_x FOREIGN DATA WRAPPER cks_fdw OPTIONS (endpoint %L)$$, 'ftp://u:leakcheckpw@kms.example.com'),
    ('password, bad port', $$CREATE SERVER opt_x FOREIGN DATA WRAPPER cks_fdw OPTIONS (sts_endpoint %L)$$, 'https://u:leakcheckpw@kms.example.com:99999'),
    -- control: a value that is no secret is echoed, and the check sees it
    ('control: on_error', $$CREATE SERVER opt_x FOREIGN DATA WRAPPER cks_fdw OPTIONS (on_error %L)$$, 'canary')
) AS t(label, stmt, val);

--
-- Clean up.
--
DROP FOREIGN TABLE opt_stores;
DROP USER MAPPING FOR regress_cks_other SERVER opt_all;
REVOKE USAGE ON FOREIGN SERVER opt_all FROM regress_cks_other;
REVOKE USAGE ON FOREIGN DATA WRAPPER cks_fdw FROM regress_cks_other;
DROP ROLE regress_cks_other;
DROP USER MAPPING FOR CURRENT_USER SERVER opt_all;
DROP USER MAPPING FOR PUBLIC SERVER opt_bare;
DROP SERVER opt_all, opt_bare, opt_ipv6;
