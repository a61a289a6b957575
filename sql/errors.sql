--
-- Errors users meet first: no user mapping, wrong or missing credentials,
-- an unreachable endpoint.  Every error has a real SQLSTATE, the AWS code,
-- message and request id in its detail, a hint, and never a secret.
--
\getenv endpoint CKS_ENDPOINT_URL
\! /usr/bin/python3 tests/endpoint/ctl.py reset
SET cks_fdw.retry_base_delay_ms = 1;

-- runs a query and shows the error it raises, request ids masked, and
-- whether any of the given secrets appears anywhere in it
CREATE FUNCTION show_error(query text, secrets text[] DEFAULT '{}')
RETURNS TABLE (state text, message text, detail text, hint text, leaks_secret boolean)
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE query;
  state := 'none';
  RETURN NEXT;
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT,
                          detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT;
  detail := regexp_replace(detail, 'request id [^,)]+', 'request id <id>');
  leaks_secret := EXISTS (SELECT 1 FROM unnest(secrets) s
                           WHERE position(s IN concat_ws(' ', message, detail, hint)) > 0);
  RETURN NEXT;
END $$;

CREATE SERVER kms_err FOREIGN DATA WRAPPER cks_fdw
  OPTIONS (region 'us-east-1', endpoint :'endpoint', sts_endpoint :'endpoint');
CREATE FOREIGN TABLE stores_err (custom_key_store_id text, region text) SERVER kms_err;

-- no user mapping: the hint is the statement to write
SELECT * FROM stores_err;

-- a wrong secret: AWS's code, no secret, one request (never retried)
CREATE USER MAPPING FOR CURRENT_USER SERVER kms_err
  OPTIONS (access_key_id 'AKIDCKSTEST111111111', secret_access_key 'not-the-right-secret/0123456789');
\! /usr/bin/python3 tests/endpoint/ctl.py reset
\x on
SELECT * FROM show_error('SELECT * FROM stores_err', '{not-the-right-secret/0123456789}');
\x off
\! /usr/bin/python3 tests/endpoint/ctl.py requests --fields operation,status,error_code

-- an access key the endpoint does not know
ALTER USER MAPPING FOR CURRENT_USER SERVER kms_err
  OPTIONS (SET access_key_id 'AKIDCKSTESTUNKNOWN00');
\x on
SELECT * FROM show_error('SELECT * FROM stores_err', '{not-the-right-secret/0123456789}');
\x off

-- ALTER USER MAPPING takes effect in the same session
ALTER USER MAPPING FOR CURRENT_USER SERVER kms_err
  OPTIONS (SET access_key_id 'AKIDCKSTEST111111111',
           SET secret_access_key 'cks/test/secret/111111111111/AAAAAAAAAAAA');
SELECT count(*) FROM stores_err;

-- an endpoint nobody listens on: a connection error, retried per max_attempts
CREATE SERVER kms_down FOREIGN DATA WRAPPER cks_fdw
  OPTIONS (region 'us-east-1', endpoint 'http://127.0.0.1:9', max_attempts '2',
           connect_timeout_ms '500');
CREATE USER MAPPING FOR CURRENT_USER SERVER kms_down
  OPTIONS (access_key_id 'AKIDCKSTEST111111111',
           secret_access_key 'cks/test/secret/111111111111/AAAAAAAAAAAA');
CREATE FOREIGN TABLE stores_down (custom_key_store_id text) SERVER kms_down;
\x on
-- libcurl 8 (Debian 13) says "Could not connect", 7.88 "Couldn't connect"
SELECT state, message,
       replace(regexp_replace(detail, '\d+ ms', 'N ms'), 'Could not connect', 'Couldn''t connect') AS detail,
       hint, leaks_secret
  FROM show_error('SELECT * FROM stores_down', '{cks/test/secret/111111111111/AAAAAAAAAAAA}');
\x off

-- EXPLAIN alone sends nothing and shows no secret
\! /usr/bin/python3 tests/endpoint/ctl.py reset
EXPLAIN (VERBOSE, COSTS OFF) SELECT * FROM stores_err WHERE custom_key_store_id = 'x';
\! /usr/bin/python3 tests/endpoint/ctl.py count
