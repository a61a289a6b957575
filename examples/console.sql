--
-- examples/console.sql: the KMS console's custom key store page, for every
-- account and region at once, and the keys that stop working when a store
-- does -- with their owners.
--
-- Reads three tables, each either a foreign table of one server or a table
-- partitioned by account_id over one foreign table per account
-- (examples/multi_account.sql, remote_table => ...):
--   custom_key_stores   (IMPORT FOREIGN SCHEMA kms)
--   keys                (IMPORT FOREIGN SCHEMA kms; the view needs
--                        key_id, key_state, key_manager, description,
--                        custom_key_store_id, region, account_id)
--   cloudhsm_clusters   (IMPORT FOREIGN SCHEMA cloudhsm)
-- IAM: kms:DescribeCustomKeyStores, kms:ListKeys, kms:DescribeKey,
-- cloudhsm:DescribeClusters.  Safe to load again.
--

--
-- key_store_console: what the console's "Custom key stores" page shows --
-- name, id, type, the CloudHSM cluster and how many HSMs it has, the
-- cluster's own state, the connection state and its error code -- for
-- every store of every account and region.  A LEFT JOIN: XKS stores have
-- no cluster, and a store whose cluster is gone (CLUSTER_NOT_FOUND) keeps
-- its row with NULL cluster columns.  The planner may look each store's
-- cluster up by id (DescribeClusters with a clusterIds filter) or list the
-- clusters once per region, whichever costs fewer requests.
--
CREATE OR REPLACE VIEW key_store_console AS
SELECT s.account_id, s.region,
       s.custom_key_store_name, s.custom_key_store_id, s.custom_key_store_type,
       s.cloud_hsm_cluster_id, c.hsm_count, c.state AS cluster_state,
       s.connection_state, s.connection_error_code, s.creation_date
  FROM custom_key_stores s
  LEFT JOIN cloudhsm_clusters c
         ON c.cluster_id = s.cloud_hsm_cluster_id
        AND c.account_id = s.account_id AND c.region = s.region;

-- Who owns each key: AWS knows nothing about your teams; this table does.
CREATE TABLE IF NOT EXISTS key_owners (
    key_id      text PRIMARY KEY,           -- the key id (not an alias)
    owner_team  text NOT NULL,
    contact     text                        -- e-mail, pager, channel
);

--
-- keys_at_risk: every key that lives in a custom key store that is FAILED
-- or DISCONNECTED -- the keys whose cryptographic operations fail until
-- the store is connected again -- with the store's state and error code,
-- the cluster's HSM count, and the key's owner (NULL when key_owners does
-- not know it).  Keys already pending deletion are listed too: their
-- deletion date says whether anyone will miss them.
--
CREATE OR REPLACE VIEW keys_at_risk AS
SELECT s.account_id, s.region, s.custom_key_store_name,
       s.connection_state, s.connection_error_code, s.hsm_count,
       k.key_id, k.description, k.key_state, k.deletion_date,
       o.owner_team, o.contact
  FROM key_store_console s
  JOIN keys k ON k.custom_key_store_id = s.custom_key_store_id
             AND k.account_id = s.account_id AND k.region = s.region
  LEFT JOIN key_owners o ON o.key_id = k.key_id
 WHERE s.connection_state IN ('FAILED', 'DISCONNECTED');
