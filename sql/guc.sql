--
-- guc: the cks_fdw.* namespace is reserved once the library is loaded
-- (MarkGUCPrefixReserved), so a misspelt setting is an error, not a
-- silently ignored placeholder.
--
LOAD 'cks_fdw';
SET cks_fdw.retry_base_delay_ms = 250;
SHOW cks_fdw.retry_base_delay_ms;
SET cks_fdw.retry_base_delay = 250;
SET cks_fdw.no_such_setting = 'on';
RESET cks_fdw.retry_base_delay_ms;
SHOW cks_fdw.retry_base_delay_ms;
-- cks_fdw.max_response_memory: the backend's budget for response bodies
-- and parse results, unit-aware like work_mem, superuser-only
SHOW cks_fdw.max_response_memory;
SET cks_fdw.max_response_memory = '64MB';
SHOW cks_fdw.max_response_memory;
SET cks_fdw.max_response_memory = 2048;
SHOW cks_fdw.max_response_memory;
RESET cks_fdw.max_response_memory;
SELECT context, unit, boot_val, min_val FROM pg_settings
  WHERE name = 'cks_fdw.max_response_memory';
-- the bodies' memory context exists from the start, with the budget in
-- its ident
SELECT name, ident FROM pg_backend_memory_contexts
  WHERE name = 'cks_fdw response memory';
CREATE ROLE cks_guc_user;
SET ROLE cks_guc_user;
SET cks_fdw.max_response_memory = '1GB';
SHOW cks_fdw.max_response_memory;
RESET ROLE;
DROP ROLE cks_guc_user;
