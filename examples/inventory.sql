--
-- examples/inventory.sql: who owns each custom key store, and the stores
-- that need someone's attention now.
--
-- AWS knows nothing about your teams; this table does.  Joining it with
-- the live foreign table tells the on-call person whom to call, and shows
-- stores nobody has claimed (owner_team NULL).
--
-- Needs custom_key_stores (examples/00_server.sql).  Safe to load again.
--

CREATE TABLE IF NOT EXISTS key_store_owners (
    custom_key_store_id text PRIMARY KEY,   -- cks-...
    owner_team          text NOT NULL,
    cost_centre         text,
    contact             text                -- e-mail, pager, channel
);

-- Fill it from your CMDB, e.g.
--   INSERT INTO key_store_owners VALUES
--     ('cks-1234567890abcdef0', 'payments', 'CC-4711', 'payments-oncall@example.com')
--   ON CONFLICT (custom_key_store_id) DO UPDATE
--     SET owner_team = EXCLUDED.owner_team, cost_centre = EXCLUDED.cost_centre,
--         contact = EXCLUDED.contact;

--
-- unhealthy_key_stores: every store, in every region of the server, whose
-- connection state is not CONNECTED -- CONNECTING, DISCONNECTING,
-- DISCONNECTED, FAILED, and stores whose state AWS left out -- with its
-- owner.  A LEFT JOIN, so a store missing from key_store_owners is listed
-- too, with owner_team NULL.  Each query asks AWS afresh.
--
CREATE OR REPLACE VIEW unhealthy_key_stores AS
SELECT s.account_id, s.region, s.custom_key_store_id,
       s.custom_key_store_name, s.custom_key_store_type,
       s.connection_state, s.connection_error_code,
       o.owner_team, o.cost_centre, o.contact
  FROM custom_key_stores s
  LEFT JOIN key_store_owners o USING (custom_key_store_id)
 WHERE s.connection_state IS DISTINCT FROM 'CONNECTED';

-- Stores in key_store_owners that AWS no longer lists (deleted, or a typo
-- in the inventory).
CREATE OR REPLACE VIEW unknown_owned_key_stores AS
SELECT o.*
  FROM key_store_owners o
 WHERE NOT EXISTS (SELECT 1 FROM custom_key_stores s
                    WHERE s.custom_key_store_id = o.custom_key_store_id);
