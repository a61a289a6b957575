/*-------------------------------------------------------------------------
 *
 * compat.h
 *	  Every difference between the PostgreSQL majors cks_fdw supports (15 to
 *	  18) that its C code meets, in one place, each behind a PG_VERSION_NUM
 *	  guard that names the upstream change.  The rest of the code is written
 *	  against these names only, so a new major means a look here first.
 *
 *	  How each guard was checked: 15 and 18 are compiled and tested (the
 *	  full suite on 15; build, pg_regress and most suites on 18); 17 is
 *	  compiled with -Werror against Debian 13's server headers; 16 was
 *	  checked only by reading its sources (no 16 headers on Debian 12 or 13).
 *
 *-------------------------------------------------------------------------
 */
#ifndef CKS_COMPAT_H
#define CKS_COMPAT_H

#include "postgres.h"

#include "miscadmin.h"
#include "nodes/execnodes.h"
#include "nodes/plannodes.h"
#include "optimizer/pathnode.h"
#include "parser/parsetree.h"

/*
 * EXPLAIN's property functions moved from commands/explain.h to
 * commands/explain_format.h, and ExplainState to commands/explain_state.h,
 * in PostgreSQL 18 (Robert Haas's split of explain.h, March 2025).
 */
#include "commands/explain.h"
#if PG_VERSION_NUM >= 180000
#include "commands/explain_format.h"
#include "commands/explain_state.h"
#endif

/*
 * A function that never returns is marked with the prefix pg_noreturn from
 * 18, which removed the postfix pg_attribute_noreturn() ("Remove
 * pg_attribute_noreturn()", C11 _Noreturn); before 18 the old macro does.
 */
#if PG_VERSION_NUM < 180000
#define pg_noreturn pg_attribute_noreturn()
#endif

/*
 * PostgreSQL 18 lets a module give its name and version in the magic block
 * (PG_MODULE_MAGIC_EXT, shown by pg_get_loaded_modules()); before 18 there
 * is only the plain block.  CKS_FDW_VERSION comes from the Makefile.
 */
#if PG_VERSION_NUM >= 180000
#define CKS_MODULE_MAGIC \
	PG_MODULE_MAGIC_EXT(.name = "cks_fdw", .version = CKS_FDW_VERSION)
#else
#define CKS_MODULE_MAGIC PG_MODULE_MAGIC
#endif

/*
 * create_foreignscan_path() took no list of restriction clauses until 17
 * ("Re-allow FDWs and custom scan providers to replace joins with
 * pseudoconstant quals", committed to 17 only: 16 keeps the 15 form), and
 * a count of disabled nodes from 18 ("Treat number of disabled nodes in a
 * path as a separate cost metric").  cks_fdw builds
 * only base-relation scans, so it passes no clauses and no disabled node.
 */
static inline ForeignPath *
cks_create_foreignscan_path(PlannerInfo *root, RelOptInfo *rel, double rows,
							Cost startup_cost, Cost total_cost,
							Relids required_outer)
{
#if PG_VERSION_NUM >= 180000
	return create_foreignscan_path(root, rel, NULL, rows, 0,
								   startup_cost, total_cost, NIL,
								   required_outer, NULL, NIL, NIL);
#elif PG_VERSION_NUM >= 170000
	return create_foreignscan_path(root, rel, NULL, rows,
								   startup_cost, total_cost, NIL,
								   required_outer, NULL, NIL, NIL);
#else
	return create_foreignscan_path(root, rel, NULL, rows,
								   startup_cost, total_cost, NIL,
								   required_outer, NULL, NIL);
#endif
}

/*
 * The role a foreign scan runs as (for its user mapping): the range table
 * entry's checkAsUser until 15; from 16 the permission fields left the
 * range table ("Rework query relation permission checking") and the planner copies the user into ForeignScan.checkAsUser.
 * Zero means the current user, as ExecCheckPermissions does.
 */
static inline Oid
cks_scan_user(ForeignScan *plan, EState *estate)
{
	Oid			userid;

#if PG_VERSION_NUM >= 160000
	userid = plan->checkAsUser;
#else
	userid = exec_rt_fetch(plan->scan.scanrelid, estate)->checkAsUser;
#endif
	return OidIsValid(userid) ? userid : GetUserId();
}

#endif							/* CKS_COMPAT_H */
