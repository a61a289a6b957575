/*-------------------------------------------------------------------------
 *
 * planning.c
 *	  The planner's side of a scan beyond recognising clauses (quals.c):
 *	  what it costs in requests, the parameterized paths that look up one
 *	  key per outer row, which attributes the plan converts and the Limit
 *	  each page asks for.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/sysattr.h"
#include "foreign/fdwapi.h"
#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/paths.h"
#include "optimizer/restrictinfo.h"
#include "compat.h"
#include "planning.h"

/*
 * A request costs far more than anything done per row, and every region
 * is asked at the same time, so the startup cost is one request and each
 * further page (or lookup) adds one more.
 */
void
cks_estimate_costs(const CksRelInfo *info, double requests, double rows,
			   Cost *startup_cost, Cost *total_cost)
{
	double		rounds = ceil(requests / Max(info->nregions, 1));

	*startup_cost = info->opts.request_cost;
	*total_cost = *startup_cost +
		(Max(rounds, 1) - 1) * info->opts.request_cost +
		(requests - Min(requests, Max(info->nregions, 1))) * info->opts.request_cost * 0.1 +
		rows * (cpu_tuple_cost * 10);
}

double
cks_requests_for_scan(const CksRelInfo *info)
{
	CksPushedQual *api_qual = cks_api_parameter_qual(info->pushed);

	const CksOperation *lookup = cks_lookup_operation(info->kind->operation);
	double		pages;

	/* things found first (key_store_metrics without a store): the listing
	 * and one request for its page */
	if (lookup->discovery != NULL &&
		(api_qual == NULL || api_qual->target != lookup->discovery->parameter))
		return 2.0 * info->nregions;
	if (api_qual && cks_operation_takes_lists(lookup))
	{
		/* a list: one request per CKS_FILTER_VALUES_PER_REQUEST values */
		double		values = cks_pushed_value_count(api_qual);

		return Max(1.0, ceil(values / CKS_FILTER_VALUES_PER_REQUEST)) * info->nregions;
	}
	if (api_qual)
		return (double) cks_pushed_value_count(api_qual) * info->nregions;
	pages = ceil(Max(info->rows_per_region, 1) / info->opts.page_size);
	/* an expanded listing sends one follow-up per entry as well */
	if (info->kind->operation->expansion != NULL)
		pages += Max(info->rows_per_region, 1);
	return pages * info->nregions;
}

/* For generate_implied_equalities_for_column: our parameter column? */
typedef struct JoinColumnSearch
{
	Index		relid;
	AttrNumber	attnum;
} JoinColumnSearch;

static bool
ec_member_is_column(PlannerInfo *root, RelOptInfo *rel, EquivalenceClass *ec,
					EquivalenceMember *em, void *arg)
{
	JoinColumnSearch *search = arg;
	Expr	   *expr = em->em_expr;

	while (IsA(expr, RelabelType))
		expr = ((RelabelType *) expr)->arg;
	return IsA(expr, Var) && ((Var *) expr)->varno == search->relid &&
		((Var *) expr)->varattno == search->attnum &&
		((Var *) expr)->varlevelsup == 0;
}

/*
 * A path that looks up, per outer row, the key a join clause supplies.
 * Skipped when the clause is not usable or needs no outer relation.
 */
static void
add_path_for_join_clause(PlannerInfo *root, RelOptInfo *baserel,
						 CksRelInfo *info, RestrictInfo *rinfo)
{
	List	   *pushed;
	CksPushedQual *qual;
	Relids		required_outer;
	ParamPathInfo *ppi;
	Cost		startup_cost,
				total_cost;
	double		rows = info->nregions;
	double		requests = info->nregions;

	if (!join_clause_is_movable_to(rinfo, baserel))
		return;
	pushed = cks_find_pushable_quals(root, baserel, info->kind,
									 info->column_of_att, list_make1(rinfo));
	if (pushed == NIL)
		return;
	qual = linitial(pushed);
	/* an account_id join key calls one of the server's accounts per row */
	if (qual->target == CKS_PUSH_ACCOUNT && info->naccounts > 1)
	{
		requests = Max(info->nregions / info->naccounts, 1);
		rows = requests * info->rows_per_region;
	}
	else if (qual->target < 0)
		return;
	required_outer = bms_difference(rinfo->clause_relids, baserel->relids);
	if (bms_is_empty(required_outer))
		return;
	ppi = get_baserel_parampathinfo(root, baserel, required_outer);
	cks_estimate_costs(info, requests, rows, &startup_cost, &total_cost);
	add_path(baserel, (Path *)
			 cks_create_foreignscan_path(root, baserel, Min(ppi->ppi_rows, rows),
										 startup_cost, total_cost,
										 required_outer));
}

/*
 * Parameterized paths: for a join on a column that becomes a request
 * parameter (custom_key_store_id, custom_key_store_name), a path that looks
 * up each outer row's key; on account_id, when the server covers several
 * accounts, one that calls only each outer row's account.  The
 * planner weighs it (a request per outer row) against one full scan.
 * Inner-join equalities live in equivalence classes; outer-join clauses
 * only in joininfo, so both are searched, as postgres_fdw does.
 */
void
cks_add_parameterized_paths(PlannerInfo *root, RelOptInfo *baserel, CksRelInfo *info)
{
	ListCell   *lc;
	int			attno;

	foreach(lc, baserel->joininfo)
		add_path_for_join_clause(root, baserel, info, lfirst(lc));

	for (attno = 1; attno <= baserel->max_attr; attno++)
	{
		int			column = info->column_of_att[attno - 1];
		JoinColumnSearch search = {baserel->relid, attno};
		List	   *clauses;
		int			target = cks_column_push_target(info->kind, column);

		if (target < 0 && !(target == CKS_PUSH_ACCOUNT && info->naccounts > 1))
			continue;
		clauses = generate_implied_equalities_for_column(root, baserel,
														 ec_member_is_column,
														 &search, NULL);
		foreach(lc, clauses)
			add_path_for_join_clause(root, baserel, info, lfirst(lc));
	}
}

/* Attribute numbers the query reads: only those are converted. */
List *
cks_retrieved_attrs(PlannerInfo *root, RelOptInfo *baserel, List *scan_clauses)
{
	Bitmapset  *attrs = NULL;
	List	   *result = NIL;
	ListCell   *lc;
	int			attno;

	pull_varattnos((Node *) baserel->reltarget->exprs, baserel->relid, &attrs);
	foreach(lc, scan_clauses)
		pull_varattnos((Node *) lfirst_node(RestrictInfo, lc)->clause,
					   baserel->relid, &attrs);
	for (attno = 1; attno <= baserel->max_attr; attno++)
		if (bms_is_member(attno - FirstLowInvalidHeapAttributeNumber, attrs) ||
			bms_is_member(0 - FirstLowInvalidHeapAttributeNumber, attrs))
			result = lappend_int(result, attno);
	return result;
}

/*
 * The Limit each page asks for.  A query whose LIMIT applies directly to
 * this scan (the only relation, no clause left to check, nothing to sort
 * or aggregate first) needs at most that many rows, so the first page asks
 * for no more; the executor then stops before a second page is fetched.
 * Any clause, even a pushed one, is rechecked locally and could reject
 * rows, so then the page size stays as configured.
 */
int
cks_page_limit(PlannerInfo *root, const CksRelInfo *info, List *scan_clauses)
{
	Query	   *parse = root->parse;

	if (root->limit_tuples <= 0 || scan_clauses != NIL ||
		bms_membership(root->all_baserels) != BMS_SINGLETON ||
		parse->sortClause != NIL || parse->distinctClause != NIL ||
		parse->groupClause != NIL || parse->hasAggs || parse->hasWindowFuncs ||
		parse->hasTargetSRFs || parse->setOperations != NULL ||
		root->hasHavingQual)
		return info->opts.page_size;
	return (int) Min(root->limit_tuples, (double) info->opts.page_size);
}

