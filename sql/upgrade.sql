--
-- upgrade: the previous version installs, ALTER EXTENSION ... UPDATE
-- brings it to the current one, and the result is the same set of objects
-- as a fresh CREATE EXTENSION (README "Upgrades").  When a release adds
-- cks_fdw--OLD--NEW.sql, set :previous below to OLD.
--
\set previous '1.0'

-- in a database of its own: DROP EXTENSION here must not touch what the
-- other tests left in the regression database
SELECT current_database() AS regression_db \gset
CREATE DATABASE cks_upgrade;
\c cks_upgrade

-- The extension's member objects, and the signature and properties of its
-- functions: what an upgraded install must share with a fresh one.
CREATE FUNCTION extension_objects() RETURNS SETOF text LANGUAGE sql AS $$
  SELECT pg_describe_object(d.classid, d.objid, d.objsubid)
    FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid
   WHERE d.refclassid = 'pg_extension'::regclass AND e.extname = 'cks_fdw'
     AND d.deptype = 'e'
  UNION ALL
  SELECT format('%s returns %s, volatility %s, strict %s, parallel %s, %s',
                p.oid::regprocedure, p.prorettype::regtype, p.provolatile,
                p.proisstrict, p.proparallel, p.probin)
    FROM pg_proc p JOIN pg_depend d ON d.objid = p.oid AND d.classid = 'pg_proc'::regclass
    JOIN pg_extension e ON e.oid = d.refobjid
   WHERE d.refclassid = 'pg_extension'::regclass AND e.extname = 'cks_fdw'
  UNION ALL
  SELECT format('comment on %s: %s', pg_describe_object(c.classoid, c.objoid, 0), c.description)
    FROM pg_description c JOIN pg_depend d ON (d.classid, d.objid) = (c.classoid, c.objoid)
    JOIN pg_extension e ON e.oid = d.refobjid
   WHERE d.refclassid = 'pg_extension'::regclass AND e.extname = 'cks_fdw'
  ORDER BY 1
$$;

SELECT default_version FROM pg_available_extensions WHERE name = 'cks_fdw';
-- every version can reach the current one
SELECT source, target, path FROM pg_extension_update_paths('cks_fdw')
 WHERE path IS NOT NULL ORDER BY source, target;

-- the fresh install of the current version
CREATE EXTENSION cks_fdw;
CREATE TEMP TABLE fresh AS SELECT extension_objects() AS object;
SELECT object FROM fresh;

-- the previous version, with a foreign table in use, then the update
DROP EXTENSION cks_fdw CASCADE;
CREATE EXTENSION cks_fdw VERSION :'previous';
SELECT extversion FROM pg_extension WHERE extname = 'cks_fdw';
CREATE SERVER kms_upgrade FOREIGN DATA WRAPPER cks_fdw OPTIONS (region 'us-east-1');
CREATE FOREIGN TABLE upgrade_stores (custom_key_store_id text) SERVER kms_upgrade;
ALTER EXTENSION cks_fdw UPDATE;
SELECT extversion, cks_fdw_version() AS library_version,
       extversion = cks_fdw_version() AS same
  FROM pg_extension WHERE extname = 'cks_fdw';

-- nothing missing, nothing extra, and the user's objects survived
(SELECT 'missing after update' AS problem, object FROM fresh
 EXCEPT SELECT 'missing after update', extension_objects())
UNION ALL
(SELECT 'extra after update', extension_objects()
 EXCEPT SELECT 'extra after update', object FROM fresh);
SELECT srvname, ftrelid::regclass AS foreign_table FROM pg_foreign_server s
  JOIN pg_foreign_table t ON t.ftserver = s.oid WHERE srvname = 'kms_upgrade';

-- updating the current version is a no-op with a notice
ALTER EXTENSION cks_fdw UPDATE;

\c :regression_db
DROP DATABASE cks_upgrade;
