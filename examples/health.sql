--
-- examples/health.sql: "which key stores are at risk, anywhere, and why?"
-- One row per custom key store of every account and region, with a verdict
-- (ok, at_risk, failing) and the reasons behind it.
--
-- Reads three tables, each either a foreign table of one server (with the
-- server option accounts for many accounts) or a table partitioned by
-- account_id over one foreign table per account (examples/multi_account.sql):
--   custom_key_stores   (IMPORT FOREIGN SCHEMA kms)
--   cloudhsm_clusters   (IMPORT FOREIGN SCHEMA cloudhsm; active_hsm_count,
--                        active_hsm_azs)
--   cloudhsm_backups    (IMPORT FOREIGN SCHEMA cloudhsm)
--   key_store_metrics   (IMPORT FOREIGN SCHEMA cloudwatch; the last 3
--                        hours of each external key store's proxy metrics)
-- IAM: kms:DescribeCustomKeyStores, cloudhsm:DescribeClusters,
-- cloudhsm:DescribeBackups, cloudwatch:GetMetricData.  Safe to load again.
--
-- Over a server with accounts, a query that joins two or more of these
-- foreign tables was seen to wait on the scan engine (10 s, and once for
-- ever; reported with issue 22): until that is fixed, point the view at
-- snapshots (examples/materialized.sql), one query per table.

--
-- connection_error_fixes: every ConnectionErrorCode value of the KMS API
-- model (botocore's kms service-2.json, ConnectionErrorCodeType) and what
-- AWS's documentation of that code says to do.  INVALID_CREDENTIALS means
-- one thing for a CloudHSM key store and another for an external one, so
-- the key is the code and the store type (NULL: any type).
--
CREATE TABLE IF NOT EXISTS connection_error_fixes (
    connection_error_code  text NOT NULL,
    custom_key_store_type  text,        -- AWS_CLOUDHSM, EXTERNAL_KEY_STORE, NULL: both
    meaning                text NOT NULL,
    fix                    text NOT NULL,
    UNIQUE NULLS NOT DISTINCT (connection_error_code, custom_key_store_type)
);

INSERT INTO connection_error_fixes VALUES
  ('INTERNAL_ERROR', NULL,
   'KMS could not complete the request because of an internal error',
   'retry; before connecting again, disconnect the key store'),
  ('NETWORK_ERRORS', NULL,
   'network errors keep KMS from reaching the backing key store',
   'check the network path (subnets, security groups, routes, proxy endpoint) and connect again'),
  ('CLUSTER_NOT_FOUND', 'AWS_CLOUDHSM',
   'KMS cannot find the CloudHSM cluster with the key store''s cluster id',
   'restore a cluster from a recent backup and associate it with the key store (UpdateCustomKeyStore)'),
  ('INSUFFICIENT_CLOUDHSM_HSMS', 'AWS_CLOUDHSM',
   'the cluster has no active HSM',
   'add an HSM to the cluster (CreateHsm); connecting needs at least one active HSM'),
  ('INSUFFICIENT_FREE_ADDRESSES_IN_SUBNET', 'AWS_CLOUDHSM',
   'a private subnet of the cluster has no free IP address',
   'free an address in each of the cluster''s subnets (two are better), then connect again'),
  ('INVALID_CREDENTIALS', 'AWS_CLOUDHSM',
   'the key store password does not match the kmsuser crypto user''s password',
   'change the kmsuser password in the cluster and update KeyStorePassword (UpdateCustomKeyStore)'),
  ('INVALID_CREDENTIALS', 'EXTERNAL_KEY_STORE',
   'the proxy authentication credential is not valid on the external key store proxy',
   'update XksProxyAuthenticationCredential to a credential the proxy accepts (UpdateCustomKeyStore)'),
  ('SUBNET_NOT_FOUND', 'AWS_CLOUDHSM',
   'a subnet of the cluster configuration was deleted',
   'create a cluster from a recent backup (new VPC and subnets) and associate it with the key store'),
  ('USER_LOCKED_OUT', 'AWS_CLOUDHSM',
   'the kmsuser crypto user is locked out after too many failed password attempts',
   'change the kmsuser password and update the key store password (UpdateCustomKeyStore)'),
  ('USER_LOGGED_IN', 'AWS_CLOUDHSM',
   'the kmsuser crypto user is logged into the cluster, so KMS cannot rotate its password',
   'log kmsuser out of the cluster (and update the key store password if you changed it), then connect again'),
  ('USER_NOT_FOUND', 'AWS_CLOUDHSM',
   'the cluster has no kmsuser crypto user',
   'create the kmsuser crypto user in the cluster and update the key store password'),
  ('XKS_PROXY_ACCESS_DENIED', 'EXTERNAL_KEY_STORE',
   'the external key store proxy denies KMS''s requests',
   'make the proxy''s authorization rules allow KMS to call it on your behalf'),
  ('XKS_PROXY_INVALID_CONFIGURATION', 'EXTERNAL_KEY_STORE',
   'a configuration error keeps the key store from connecting to its proxy',
   'check XksProxyUriPath'),
  ('XKS_PROXY_INVALID_RESPONSE', 'EXTERNAL_KEY_STORE',
   'KMS cannot interpret the proxy''s answer',
   'if it persists, notify the vendor of the external key store proxy'),
  ('XKS_PROXY_INVALID_TLS_CONFIGURATION', 'EXTERNAL_KEY_STORE',
   'the proxy''s TLS configuration is not valid',
   'serve TLS 1.2 or 1.3 with an unexpired certificate for the XksProxyUriEndpoint host name, signed by a trusted certificate authority'),
  ('XKS_PROXY_NOT_REACHABLE', 'EXTERNAL_KEY_STORE',
   'KMS cannot communicate with the proxy',
   'check XksProxyUriEndpoint and XksProxyUriPath, that the proxy is up on its network, and that its external key managers are available'),
  ('XKS_PROXY_TIMED_OUT', 'EXTERNAL_KEY_STORE',
   'the proxy does not answer KMS in time',
   'if it persists, notify the vendor of the external key store proxy'),
  ('XKS_VPC_ENDPOINT_SERVICE_INVALID_CONFIGURATION', 'EXTERNAL_KEY_STORE',
   'the VPC endpoint service does not meet the external key store''s requirements',
   'an interface endpoint service in your account, an NLB in two Availability Zones, the cks.kms.<region>.amazonaws.com principal allowed, no acceptance required, a verified private DNS name unique in the Region'),
  ('XKS_VPC_ENDPOINT_SERVICE_NOT_FOUND', 'EXTERNAL_KEY_STORE',
   'KMS cannot find the VPC endpoint service it uses to reach the proxy',
   'check XksProxyVpcEndpointServiceName and that the KMS service principal may consume the endpoint service')
ON CONFLICT DO NOTHING;

--
-- key_store_health: one row per store.  Reasons, each a short sentence:
--   FAILED: <code>: <fix>             the connection failed (connection_error_fixes)
--   CloudHSM cluster <id> not found   the store's cluster is not listed
--   no ACTIVE HSM / only one ACTIVE HSM (a store needs two, in two AZs)
--   all ACTIVE HSMs in <az>           two or more, but in one Availability Zone
--   no READY backup in the last 7 days
-- and, from the newest datapoint of each external key store's metrics:
--   proxy TLS certificate expires in <n> days    (under 30; expired: failing)
--   proxy credential is <n> days old             (older than 90: rotate it)
--   external key manager Degraded / Unavailable  (any manager in that state)
-- status: failing when the store's keys cannot be used now (FAILED, its
-- cluster gone or without an ACTIVE HSM, its proxy certificate expired,
-- every external key manager unavailable), at_risk when any other reason
-- holds, ok otherwise.  A DISCONNECTED store is ok unless a reason holds:
-- someone disconnected it on purpose.
--
CREATE OR REPLACE VIEW key_store_health AS
WITH newest_metrics AS (
    SELECT DISTINCT ON (account_id, region, custom_key_store_id, metric_name,
                        external_key_manager_state)
           account_id, region, custom_key_store_id, metric_name,
           external_key_manager_state, value
      FROM key_store_metrics
     WHERE metric_name IN ('XksProxyCertificateDaysToExpire', 'XksProxyCredentialAge',
                           'XksExternalKeyManagerStates')
     ORDER BY account_id, region, custom_key_store_id, metric_name,
              external_key_manager_state, "timestamp" DESC
), proxies AS (
    SELECT account_id, region, custom_key_store_id,
           min(value) FILTER (WHERE metric_name = 'XksProxyCertificateDaysToExpire') AS certificate_days,
           max(value) FILTER (WHERE metric_name = 'XksProxyCredentialAge') AS credential_age_days,
           array_agg(external_key_manager_state ORDER BY external_key_manager_state)
             FILTER (WHERE metric_name = 'XksExternalKeyManagerStates'
                       AND external_key_manager_state IN ('Degraded', 'Unavailable')
                       AND value > 0) AS bad_manager_states,
           coalesce(sum(value) FILTER (WHERE metric_name = 'XksExternalKeyManagerStates'
                                         AND external_key_manager_state <> 'Unavailable'), 0) = 0
             AND bool_or(metric_name = 'XksExternalKeyManagerStates'
                         AND external_key_manager_state = 'Unavailable' AND value > 0)
             AS all_managers_unavailable
      FROM newest_metrics
     GROUP BY account_id, region, custom_key_store_id
), backups AS (
    SELECT account_id, region, cluster_id,
           max(create_timestamp) FILTER (WHERE backup_state = 'READY') AS newest_ready
      FROM cloudhsm_backups
     GROUP BY account_id, region, cluster_id
), checked AS (
    SELECT s.account_id, s.region, s.custom_key_store_id, s.custom_key_store_name,
           s.custom_key_store_type, s.connection_state, s.connection_error_code,
           s.cloud_hsm_cluster_id,
           c.cluster_id IS NOT NULL AS cluster_found,
           c.active_hsm_count, c.active_hsm_azs, b.newest_ready,
           f.fix, p.certificate_days, p.credential_age_days,
           p.bad_manager_states, coalesce(p.all_managers_unavailable, false) AS all_managers_unavailable
      FROM custom_key_stores s
      LEFT JOIN cloudhsm_clusters c
             ON c.cluster_id = s.cloud_hsm_cluster_id
            AND c.account_id = s.account_id AND c.region = s.region
      LEFT JOIN backups b
             ON b.cluster_id = s.cloud_hsm_cluster_id
            AND b.account_id = s.account_id AND b.region = s.region
      LEFT JOIN proxies p
             ON p.custom_key_store_id = s.custom_key_store_id
            AND p.account_id = s.account_id AND p.region = s.region
      LEFT JOIN LATERAL (
             SELECT fix FROM connection_error_fixes e
              WHERE e.connection_error_code = s.connection_error_code
                AND (e.custom_key_store_type = s.custom_key_store_type
                     OR e.custom_key_store_type IS NULL)
              ORDER BY e.custom_key_store_type NULLS LAST LIMIT 1) f ON true
), reasons AS (
    SELECT k.*,
           array_remove(ARRAY[
             CASE WHEN connection_state = 'FAILED'
                  THEN 'FAILED: ' || coalesce(connection_error_code, 'no error code') ||
                       coalesce(': ' || fix, '') END,
             CASE WHEN custom_key_store_type = 'AWS_CLOUDHSM' AND NOT cluster_found
                  THEN 'CloudHSM cluster ' || coalesce(cloud_hsm_cluster_id, '(none)') || ' not found' END,
             CASE WHEN cluster_found AND coalesce(active_hsm_count, 0) = 0
                  THEN 'no ACTIVE HSM (a key store needs two, in two Availability Zones)'
                  WHEN cluster_found AND active_hsm_count = 1
                  THEN 'only one ACTIVE HSM (a key store needs two, in two Availability Zones)' END,
             CASE WHEN cluster_found AND active_hsm_count >= 2 AND cardinality(active_hsm_azs) < 2
                  THEN 'all ACTIVE HSMs in one Availability Zone (' ||
                       array_to_string(active_hsm_azs, ', ') || ')' END,
             CASE WHEN cluster_found AND (newest_ready IS NULL OR newest_ready < now() - interval '7 days')
                  THEN 'no READY backup in the last 7 days' END,
             CASE WHEN certificate_days <= 0
                  THEN 'proxy TLS certificate expired'
                  WHEN certificate_days < 30
                  THEN 'proxy TLS certificate expires in ' || floor(certificate_days) || ' days' END,
             CASE WHEN credential_age_days > 90
                  THEN 'proxy credential is ' || floor(credential_age_days) ||
                       ' days old (rotate it: older than 90 days)' END,
             CASE WHEN cardinality(bad_manager_states) > 0
                  THEN 'external key manager ' || array_to_string(bad_manager_states, ' / ') END
           ], NULL) AS reasons,
           connection_state = 'FAILED'
             OR (custom_key_store_type = 'AWS_CLOUDHSM'
                 AND (NOT cluster_found OR coalesce(active_hsm_count, 0) = 0))
             OR certificate_days <= 0 OR all_managers_unavailable AS failing
      FROM checked k
)
SELECT account_id, region, custom_key_store_id, custom_key_store_name,
       custom_key_store_type, connection_state,
       CASE WHEN failing THEN 'failing'
            WHEN cardinality(reasons) > 0 THEN 'at_risk'
            ELSE 'ok' END AS status,
       reasons
  FROM reasons;
