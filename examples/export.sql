--
-- examples/export.sql: every custom key store with its owner as CSV, for a
-- spreadsheet, an audit, or a ticket.
--
--   psql -d reports -X -q -v ON_ERROR_STOP=1 -f examples/export.sql > key_stores.csv
--
-- COPY ... TO STDOUT writes through the psql client, so the file lands on
-- your machine and needs no server file-system privilege.  The first line
-- is the header.  Owners come from examples/inventory.sql (NULL, i.e. an
-- empty field, when unknown).
--

COPY (
    SELECT s.account_id, s.region, s.custom_key_store_id,
           s.custom_key_store_name, s.custom_key_store_type,
           s.connection_state, s.connection_error_code,
           to_char(s.creation_date AT TIME ZONE 'UTC',
                   'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS creation_date_utc,
           o.owner_team, o.cost_centre, o.contact
      FROM custom_key_stores s
      LEFT JOIN key_store_owners o USING (custom_key_store_id)
     ORDER BY s.account_id, s.region, s.custom_key_store_name,
              s.custom_key_store_id
) TO STDOUT (FORMAT csv, HEADER);
