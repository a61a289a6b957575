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
