--
-- examples/health.sql over two accounts and three regions: one verdict per
-- custom key store, every reason covered (FAILED with its code's fix,
-- no or one ACTIVE HSM, ACTIVE HSMs in one AZ, no recent READY backup,
-- from key_store_metrics a proxy certificate under 30 days, a credential
-- older than 90 days, a degraded external key manager),
-- and every ConnectionErrorCode of the KMS model in the lookup table.
--
\getenv endpoint CKS_ENDPOINT_URL
\! /usr/bin/python3 tests/endpoint/ctl.py reset
CREATE SERVER health FOREIGN DATA WRAPPER cks_fdw
  OPTIONS (region 'us-east-1,eu-west-1,ap-southeast-2',
           accounts '111111111111,222222222222',
           endpoint :'endpoint', sts_endpoint :'endpoint', cloudhsm_endpoint :'endpoint',
           cloudwatch_endpoint :'endpoint');
CREATE USER MAPPING FOR CURRENT_USER SERVER health
  OPTIONS (access_key_id 'AKIDCKSTEST111111111',
           secret_access_key 'cks/test/secret/111111111111/AAAAAAAAAAAA',
           role_arn 'arn:aws:iam::{account}:role/cks-reader');
CREATE SCHEMA health;
IMPORT FOREIGN SCHEMA kms LIMIT TO (custom_key_stores) FROM SERVER health INTO health;
IMPORT FOREIGN SCHEMA cloudhsm LIMIT TO (cloudhsm_clusters, cloudhsm_backups)
  FROM SERVER health INTO health;
IMPORT FOREIGN SCHEMA cloudwatch FROM SERVER health INTO health;
-- The view reads the three tables by name.  Here they are snapshots of
-- the foreign tables, one query each, as examples/materialized.sql serves
-- them: a second query joining the three foreign tables of a server with
-- accounts waited forever for answers that had arrived (found with issue
-- 22, left to the scan engine's owner).
CREATE SCHEMA snap;
CREATE TABLE snap.custom_key_stores AS SELECT * FROM health.custom_key_stores;
CREATE TABLE snap.cloudhsm_clusters AS SELECT * FROM health.cloudhsm_clusters;
CREATE TABLE snap.cloudhsm_backups AS SELECT * FROM health.cloudhsm_backups;
-- every external key store of both accounts and three regions, found first
\! /usr/bin/python3 tests/endpoint/ctl.py reset
CREATE TABLE snap.key_store_metrics AS SELECT * FROM health.key_store_metrics;
\! /usr/bin/python3 tests/endpoint/ctl.py count --operation GetMetricData
SELECT (SELECT count(*) FROM snap.custom_key_stores) AS stores,
       (SELECT count(*) FROM snap.cloudhsm_clusters) AS clusters,
       (SELECT count(*) FROM snap.cloudhsm_backups) AS backups,
       (SELECT count(DISTINCT (account_id, region, custom_key_store_id))
          FROM snap.key_store_metrics) AS stores_with_metrics;
SET search_path = snap, public;
-- (not echoed: the file is examples/health.sql, loaded twice: it is safe to load again)
\set ECHO none
SET client_min_messages = warning;
\i examples/health.sql
\i examples/health.sql
RESET client_min_messages;
\set ECHO all
SELECT count(*) AS fixes FROM connection_error_fixes;

-- every code of the KMS model has a fix (the model's enum, as botocore reads it)
CREATE TEMP TABLE model_codes (code text);
\copy model_codes FROM PROGRAM '/usr/bin/python3 -c "import botocore.session as s; print(chr(10).join(s.get_session().get_service_model(\"kms\").shape_for(\"ConnectionErrorCodeType\").enum))"'
SELECT count(*) > 0 AS model_read FROM model_codes;
SELECT code AS code_without_fix FROM model_codes
 WHERE code NOT IN (SELECT connection_error_code FROM connection_error_fixes);

-- the verdicts, by account and region
SELECT account_id, region, status, count(*)
  FROM key_store_health GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;
-- each store that is not ok, and why
SELECT account_id, region, custom_key_store_name, connection_state, status, reasons
  FROM key_store_health WHERE status <> 'ok'
 ORDER BY account_id, region, custom_key_store_name;
-- each reason is covered
SELECT r AS reason_kind, count(*)
  FROM key_store_health,
       LATERAL unnest(reasons) u,
       LATERAL (SELECT CASE WHEN u LIKE 'FAILED:%' THEN 'FAILED'
                            WHEN u LIKE 'no ACTIVE HSM%' THEN 'no ACTIVE HSM'
                            WHEN u LIKE 'only one ACTIVE HSM%' THEN 'one ACTIVE HSM'
                            WHEN u LIKE 'all ACTIVE HSMs in one%' THEN 'one AZ'
                            WHEN u LIKE 'no READY backup%' THEN 'no recent backup'
                            WHEN u LIKE 'proxy TLS certificate%' THEN 'certificate'
                            WHEN u LIKE 'proxy credential%' THEN 'credential'
                            WHEN u LIKE 'external key manager%' THEN 'key manager'
                            ELSE u END) k(r)
 GROUP BY 1 ORDER BY 1;
-- a fix is the one for the store's type: INVALID_CREDENTIALS of an XKS store
SELECT reasons[1] LIKE '%XksProxyAuthenticationCredential%' AS xks_fix
  FROM key_store_health WHERE custom_key_store_name = 'xks-failed-credentials';
-- the rules no endpoint store shows, on newer made-up datapoints of one
-- store in the snapshot: every external key manager Unavailable and an
-- expired certificate make it failing
INSERT INTO snap.key_store_metrics (custom_key_store_id, metric_name, statistic,
       period_seconds, "timestamp", value, external_key_manager_state, region, account_id)
SELECT s.custom_key_store_id, x.metric, 'Average', 300, now() + interval '1 day', x.value, x.state,
       s.region, s.account_id
  FROM snap.custom_key_stores s,
       (VALUES ('XksExternalKeyManagerStates', 'Active', 0),
               ('XksExternalKeyManagerStates', 'Unavailable', 2),
               ('XksProxyCertificateDaysToExpire', NULL, 0)) x(metric, state, value)
 WHERE s.custom_key_store_name = 'xks-public';
SELECT custom_key_store_name, status, reasons FROM key_store_health
 WHERE custom_key_store_name = 'xks-public';
DELETE FROM snap.key_store_metrics WHERE "timestamp" > now() + interval '1 hour';
-- the ok stores of the two accounts
SELECT account_id, count(*) AS ok_stores FROM key_store_health WHERE status = 'ok'
 GROUP BY 1 ORDER BY 1;

RESET search_path;
DROP SCHEMA snap CASCADE;
DROP SCHEMA health CASCADE;
DROP SERVER health CASCADE;
