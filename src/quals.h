/*-------------------------------------------------------------------------
 *
 * quals.h
 *	  Which WHERE and join clauses a scan can turn into API parameters
 *	  (custom_key_store_id, custom_key_store_name) or into fewer calls
 *	  (region, account_id).  postgres_fdw's deparse.c decides what is safe
 *	  to ship; this is the same decision for a far smaller language.
 *
 *	  Pushing down is only ever an optimisation: every clause also stays in
 *	  the plan's local quals, so a pushed clause is rechecked on each row.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CKS_QUALS_H
#define CKS_QUALS_H

#include "postgres.h"

#include "nodes/pathnodes.h"
#include "rows.h"

/* One usable clause: column = value, or column = ANY(array value). */
typedef struct CksPushedQual
{
	CksColumn	column;			/* ID, NAME, REGION or ACCOUNT_ID */
	Expr	   *value;			/* text (or text[] when is_array) */
	bool		is_array;
	RestrictInfo *rinfo;
} CksPushedQual;

/*
 * Usable clauses among 'clauses' (RestrictInfos of baserel), at most one per
 * column, id preferred over name for the API parameter.  For join clauses
 * the value side may reference other relations (a parameterized path).
 */
extern List *cks_find_pushable_quals(PlannerInfo *root, RelOptInfo *baserel,
									 const int *column_of_att, List *clauses);

/* The pushed clause that becomes the API parameter, or NULL. */
extern CksPushedQual *cks_api_parameter_qual(List *pushed);

/* A short rendering of a value expression for EXPLAIN ('x', $1, i.ks_id). */
extern char *cks_deparse_value(PlannerInfo *root, Expr *value);

#endif							/* CKS_QUALS_H */
