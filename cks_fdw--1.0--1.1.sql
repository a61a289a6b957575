/* cks_fdw--1.0--1.1.sql */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION cks_fdw UPDATE TO '1.1'" to load this file. \quit

-- The version of the loaded shared library, to tell it from the SQL
-- objects' version (pg_extension.extversion) after an upgrade of the
-- package that has not yet been followed by ALTER EXTENSION ... UPDATE.
CREATE FUNCTION cks_fdw_version()
RETURNS text
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT STABLE PARALLEL SAFE;

COMMENT ON FUNCTION cks_fdw_version() IS
  'version of the cks_fdw shared library in use';
