/*-------------------------------------------------------------------------
 *
 * quals.h
 *	  Which WHERE and join clauses a scan can turn into API parameters
 *	  (custom_key_store_id, custom_key_store_name: the columns the table
 *	  kind ties to a request parameter) or into fewer calls (region,
 *	  account_id), the values they carry, and how EXPLAIN shows them.  postgres_fdw's deparse.c decides what is safe
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
#include "table_kinds.h"

/*
 * What a pushed clause becomes: a request parameter (its index in the
 * operation's parameters, >= 0), or a filter on which calls are made.
 */
#define CKS_PUSH_REGION		(-1)
#define CKS_PUSH_ACCOUNT	(-2)
#define CKS_PUSH_NONE		(-3)	/* the column cannot be pushed */

/* One usable clause: column = value, or column = ANY(array value). */
typedef struct CksPushedQual
{
	int			column;			/* index in the kind's columns */
	int			target;			/* parameter index, or CKS_PUSH_REGION /
								 * CKS_PUSH_ACCOUNT */
	Expr	   *value;			/* text (or text[] when is_array) */
	bool		is_array;
	RestrictInfo *rinfo;
} CksPushedQual;

/* What an equality on the kind's column can become (CKS_PUSH_*). */
extern int	cks_column_push_target(const CksTableKind *kind, int column);

/*
 * Usable clauses among 'clauses' (RestrictInfos of baserel), at most one per
 * column.  For join clauses the value side may reference other relations
 * (a parameterized path).
 */
extern List *cks_find_pushable_quals(PlannerInfo *root, RelOptInfo *baserel,
									 const CksTableKind *kind,
									 const int *column_of_att, List *clauses);

/*
 * The pushed clause that becomes the API parameter, or NULL: the one whose
 * parameter comes first in the operation (an id before a name).
 */
extern CksPushedQual *cks_api_parameter_qual(List *pushed);

/* 'pushed' without its request parameters (targets >= 0): the region and
 * account filters only, for a plan that lists instead of looking up. */
extern List *cks_without_parameters(List *pushed);

/* The pushed clause with this target, or NULL. */
extern CksPushedQual *cks_find_pushed(List *pushed, int target);

/* Values a pushed clause sends when the planner can tell (a constant or a
 * constant array); otherwise a guess of one. */
extern int	cks_pushed_value_count(CksPushedQual *qual);

/* Append the distinct non-NULL text values (String nodes) of a scalar or
 * array Datum to 'values', in order. */
extern List *cks_append_text_values(List *values, Datum datum, bool is_array);

/* The regions (char *) among 'regions' that 'wanted' (String nodes) names,
 * in the server's order. */
extern List *cks_filter_regions(List *regions, List *wanted);

/* Copies of the strings (char *) of a list, in the current context. */
extern List *cks_copy_strings(List *strings);

/* "a, b, c": for EXPLAIN and messages. */
extern char *cks_join_strings(List *strings);

/* At planning time: the regions a constant region clause keeps (all of
 * them when there is none, or its value is known only at execution). */
extern List *cks_regions_for_plan(List *regions, CksPushedQual *region_qual);

/* A short rendering of a value expression for EXPLAIN ('x', $1, i.ks_id). */
extern char *cks_deparse_value(PlannerInfo *root, Expr *value);

/* EXPLAIN's request line: "DescribeCustomKeyStores CustomKeyStoreId=$1",
 * "... Limit=1000"; for a filter operation every pushed filter
 * ("DescribeBackups clusterIds='c' states='READY' MaxResults=50"). */
extern char *cks_explain_request(PlannerInfo *root, const CksTableKind *kind,
								 int page_limit, CksPushedQual *api_qual,
								 List *pushed);

/* EXPLAIN's call filters: "region = 'x', account_id = ANY(...)", or "". */
extern char *cks_explain_filters(PlannerInfo *root, const CksTableKind *kind,
								 List *pushed);

#endif							/* CKS_QUALS_H */
