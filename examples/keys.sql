-- examples/keys.sql: two key reports over the keys table, for the day a
-- custom key store fails ("which keys stop working, is anyone using them,
-- whose are they?") and for the yearly clean-up.
--
-- Needs the foreign tables custom_key_stores (00_server.sql) and keys:
--   IMPORT FOREIGN SCHEMA kms LIMIT TO (keys) FROM SERVER kms_prod INTO public;
-- and, for the key reader's IAM policy: kms:ListKeys, kms:DescribeKey,
-- kms:GetKeyLastUsage, kms:ListResourceTags, kms:ListAliases.
--
-- Cost: cks_fdw makes GetKeyLastUsage and ListResourceTags calls only for
-- the keys that pass the WHERE conditions on the key's own fields (store,
-- manager, dates), and one ListAliases listing per region.  GetKeyLastUsage
-- is limited to 5 requests per second per account and region by default:
-- a report over 1,000 keys takes over three minutes, so keep the
-- conditions that narrow the keys down.

-- Keys of the custom key stores that are not CONNECTED (failed, being
-- connected or disconnected): they cannot be used for cryptography until
-- the store is back.  With each key its last use (NULL: none since KMS
-- began tracking; see usage_tracking_start), its owner and team tags, and
-- its aliases, which is what the applications name.
CREATE OR REPLACE VIEW keys_at_risk_usage AS
SELECT s.custom_key_store_name,
       s.connection_state,
       s.connection_error_code,
       k.key_id,
       k.key_state,
       k.aliases,
       k.tags ->> 'owner' AS owner,
       k.tags ->> 'team' AS team,
       k.last_used_at,
       k.last_used_operation,
       k.usage_tracking_start,
       k.region,
       k.account_id
  FROM keys k
  JOIN custom_key_stores s
    ON s.custom_key_store_id = k.custom_key_store_id
   AND s.region = k.region
 -- a condition on the key's own column: checked before the extra calls
 WHERE k.custom_key_store_id = ANY (ARRAY(
         SELECT custom_key_store_id FROM custom_key_stores
          WHERE connection_state <> 'CONNECTED'));

-- Customer keys in custom key stores that nothing has used for 90 days:
-- last used more than 90 days ago, or not used since tracking began (or
-- since the key was created, when that is later) and that was more than
-- 90 days ago.  A key that predates tracking and shows no use may still
-- have been used before tracking began: check CloudTrail before deleting
-- it, and disable it first.
CREATE OR REPLACE VIEW unused_keys AS
SELECT k.key_id,
       k.custom_key_store_id,
       k.key_state,
       k.creation_date,
       k.last_used_at,
       k.last_used_operation,
       k.usage_tracking_start,
       k.aliases,
       k.tags ->> 'owner' AS owner,
       k.region,
       k.account_id
  FROM keys k
 WHERE k.key_manager = 'CUSTOMER'
   AND k.custom_key_store_id IS NOT NULL
   AND k.creation_date < now() - interval '90 days'
   AND CASE WHEN k.last_used_at IS NOT NULL
            THEN k.last_used_at < now() - interval '90 days'
            ELSE greatest(k.usage_tracking_start, k.creation_date)
                 < now() - interval '90 days'
       END;
