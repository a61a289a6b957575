/* cks_fdw--1.0.sql */

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION cks_fdw" to load this file. \quit

CREATE FUNCTION cks_fdw_handler()
RETURNS fdw_handler
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT;

CREATE FUNCTION cks_fdw_validator(text[], oid)
RETURNS void
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT;

CREATE FOREIGN DATA WRAPPER cks_fdw
  HANDLER cks_fdw_handler
  VALIDATOR cks_fdw_validator;

COMMENT ON FOREIGN DATA WRAPPER cks_fdw IS
  'reads AWS KMS custom key stores (DescribeCustomKeyStores)';
