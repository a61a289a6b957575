--
-- Keyless credentials: user mappings with a credential_source instead of
-- keys, against the local endpoint's IMDSv2, ECS credentials endpoint and
-- AssumeRoleWithWebIdentity.  tests/run-all points the server's
-- environment at them (tools/endpoint.sh, export_keyless_environment):
-- the instance role is in account 111111111111, the container's task role
-- in 222222222222, the web identity role in 333333333333, and no
-- AWS_ACCESS_KEY_ID is set.  Refresh, faults and timing are in
-- tests/suites/credentials.sh.
--
\getenv endpoint CKS_ENDPOINT_URL
-- never let a default (169.254.169.254, 169.254.170.2) be reached from a
-- test: stop unless the server was started with the environment file that
-- points the metadata services at the local endpoint (see
-- server_env_is_local in tests/lib/suite.sh)
SELECT position('AWS_EC2_METADATA_SERVICE_ENDPOINT = ''' || :'endpoint' || '''' IN
         pg_read_file(regexp_replace(current_setting('config_file'), '[^/]*$', '')
                      || 'environment')) > 0 AS keyless_environment \gset
\if :keyless_environment
\else
\echo 'the server environment does not point at the local endpoint: run through tests/run-all'
\quit
\endif
\! /usr/bin/python3 tests/endpoint/ctl.py reset
SET cks_fdw.retry_base_delay_ms = 1;
\set SHOW_CONTEXT never

CREATE FUNCTION make_keyless(name text, options text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('CREATE SERVER %I FOREIGN DATA WRAPPER cks_fdw
                  OPTIONS (region %L, endpoint %L, sts_endpoint %L)',
                 name, 'us-east-1', current_setting('cks.endpoint'),
                 current_setting('cks.endpoint'));
  EXECUTE format('CREATE USER MAPPING FOR CURRENT_USER SERVER %I OPTIONS (%s)',
                 name, options);
  EXECUTE format('CREATE FOREIGN TABLE %I (custom_key_store_id text,
                  account_id text) SERVER %I', name || '_t', name);
END $$;
SELECT set_config('cks.endpoint', :'endpoint', false) IS NOT NULL AS ok;

-- the option: one of five words, on user mappings only, instead of keys
CREATE SERVER ks_checks FOREIGN DATA WRAPPER cks_fdw OPTIONS (region 'us-east-1');
CREATE USER MAPPING FOR CURRENT_USER SERVER ks_checks
  OPTIONS (credential_source 'imds');
CREATE USER MAPPING FOR CURRENT_USER SERVER ks_checks
  OPTIONS (credential_source 'Instance');
CREATE USER MAPPING FOR CURRENT_USER SERVER ks_checks
  OPTIONS (credential_source 'instance', access_key_id 'AKIDCKSTEST111111111',
           secret_access_key 'cks/test/secret/111111111111/AAAAAAAAAAAA');
CREATE USER MAPPING FOR CURRENT_USER SERVER ks_checks
  OPTIONS (credential_source 'environment', session_token 'x');
ALTER SERVER ks_checks OPTIONS (ADD credential_source 'instance');
CREATE USER MAPPING FOR CURRENT_USER SERVER ks_checks
  OPTIONS (credential_source 'instance');
-- keys cannot be added next to it, and it can be swapped for keys
ALTER USER MAPPING FOR CURRENT_USER SERVER ks_checks
  OPTIONS (ADD access_key_id 'AKIDCKSTEST111111111',
           ADD secret_access_key 'cks/test/secret/111111111111/AAAAAAAAAAAA');
ALTER USER MAPPING FOR CURRENT_USER SERVER ks_checks
  OPTIONS (DROP credential_source, ADD access_key_id 'AKIDCKSTEST111111111',
           ADD secret_access_key 'cks/test/secret/111111111111/AAAAAAAAAAAA');
DROP USER MAPPING FOR CURRENT_USER SERVER ks_checks;

-- the server's own identity is a superuser's to lend: a non-superuser can
-- neither create such a mapping nor change one (42501), but may use one
CREATE ROLE cks_keyless_user;
GRANT USAGE ON FOREIGN SERVER ks_checks TO cks_keyless_user;
SET ROLE cks_keyless_user;
CREATE USER MAPPING FOR CURRENT_USER SERVER ks_checks
  OPTIONS (credential_source 'instance');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
CREATE USER MAPPING FOR cks_keyless_user SERVER ks_checks
  OPTIONS (credential_source 'instance');
SET ROLE cks_keyless_user;
ALTER USER MAPPING FOR CURRENT_USER SERVER ks_checks
  OPTIONS (ADD role_arn 'arn:aws:iam::222222222222:role/cks-reader');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
ALTER SERVER ks_checks OPTIONS (ADD endpoint :'endpoint', ADD sts_endpoint :'endpoint');
CREATE FOREIGN TABLE ks_checks_t (custom_key_store_id text, account_id text)
  SERVER ks_checks;
GRANT SELECT ON ks_checks_t TO cks_keyless_user;
\! /usr/bin/python3 tests/endpoint/ctl.py reset
SET ROLE cks_keyless_user;
SELECT account_id, count(*) > 0 AS has_rows FROM ks_checks_t GROUP BY 1;
RESET ROLE;
-- IMDSv2: a session token, the role name, the role's credentials; the
-- token PUT and the GETs carry no body (no Content-Length, no form
-- Content-Type), as AWS's own examples send them
\! /usr/bin/python3 tests/endpoint/ctl.py requests --service imds --fields operation,method,body_headers,status

-- each source, and the identity it gives
SELECT make_keyless('ks_instance', 'credential_source ''instance''');
SELECT make_keyless('ks_container', 'credential_source ''container''');
SELECT make_keyless('ks_web', 'credential_source ''web_identity''');
SELECT make_keyless('ks_chain', 'credential_source ''chain''');
SELECT make_keyless('ks_env', 'credential_source ''environment''');
SELECT make_keyless('ks_role', 'credential_source ''instance'',
  role_arn ''arn:aws:iam::222222222222:role/cks-reader''');
-- the instance role's credentials are this backend's already
SELECT account_id, count(*) > 0 AS has_rows FROM ks_instance_t GROUP BY 1;
SELECT account_id, count(*) > 0 AS has_rows FROM ks_container_t GROUP BY 1;
\! /usr/bin/python3 tests/endpoint/ctl.py requests --service ecs --fields operation,status
SELECT account_id, count(*) > 0 AS has_rows FROM ks_web_t GROUP BY 1;
\! /usr/bin/python3 tests/endpoint/ctl.py requests --operation AssumeRoleWithWebIdentity --fields operation,status
-- chain: no AWS_ACCESS_KEY_ID here, so web identity comes first
SELECT account_id, count(*) > 0 AS has_rows FROM ks_chain_t GROUP BY 1;
-- role_arn on top of a source: AssumeRole signed with the instance role
SELECT account_id, count(*) > 0 AS has_rows FROM ks_role_t GROUP BY 1;
\! /usr/bin/python3 tests/endpoint/ctl.py requests --operation AssumeRole --fields operation,status,params
-- a source that is not set up: a clear error naming it
SELECT * FROM ks_env_t;
-- fetched once per backend, not per query or per mapping: after queries
-- through three mappings on the instance role, still the three IMDS
-- requests of the first fetch
SELECT count(*) > 0 AS has_rows FROM ks_instance_t;
SELECT count(*) > 0 AS has_rows FROM ks_role_t;
SELECT count(*) > 0 AS has_rows FROM ks_instance_t a, ks_role_t b;
\! /usr/bin/python3 tests/endpoint/ctl.py count --service imds

DROP FOREIGN TABLE ks_checks_t, ks_instance_t, ks_container_t, ks_web_t,
  ks_chain_t, ks_env_t, ks_role_t;
DROP USER MAPPING FOR cks_keyless_user SERVER ks_checks;
DROP SERVER ks_checks, ks_instance, ks_container, ks_web, ks_chain, ks_env,
  ks_role CASCADE;
DROP ROLE cks_keyless_user;
DROP FUNCTION make_keyless;
