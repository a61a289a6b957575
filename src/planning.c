/*-------------------------------------------------------------------------
 *
 * planning.c
 *	  The planner's side of a scan beyond recognising clauses (quals.c):
 *	  what it costs in requests and in waits for AWS's request quotas, the
 *	  lookups-or-one-scan choice of an IN list (lookup_strategy.c), the
 *	  parameterized paths that look up one key per outer row, which
 *	  attributes the plan converts and the Limit each page asks for.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/sysattr.h"
#include "foreign/fdwapi.h"
#include "nodes/value.h"
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
 * further round of requests (a page, a lookup in turn) adds one more;
 * the seconds spent waiting for quota tokens beyond those rounds
 * (lookup_strategy.c) are priced at request_cost per round trip.
 */
static void
estimate_costs(const CksRelInfo *info, double requests, double rounds,
			   double quota_seconds, double rows,
			   Cost *startup_cost, Cost *total_cost)
{
	*startup_cost = info->opts.request_cost;
	*total_cost = *startup_cost +
		(Max(rounds, 1) - 1) * info->opts.request_cost +
		(requests - Min(requests, Max(info->nregions, 1))) * info->opts.request_cost * 0.1 +
		Max(quota_seconds, 0) / CKS_PLAN_REQUEST_SECONDS * info->opts.request_cost +
		rows * (cpu_tuple_cost * 10);
}

/* The listing's pages per (account, region); an expanded listing sends
 * one follow-up per entry as well. */
static double
listing_requests_per_region(const CksRelInfo *info)
{
	double		pages = cks_scan_pages(info->kind, info->opts.page_size,
									   info->rows_per_region);

	if (info->kind->operation->expansion != NULL)
		pages += Max(info->rows_per_region, 1);
	return pages;
}

/* Seconds a listing's pages wait for their quota beyond their round trips. */
static double
listing_quota_seconds(const CksRelInfo *info)
{
	double		pages = cks_scan_pages(info->kind, info->opts.page_size,
									   info->rows_per_region);

	return cks_requests_seconds(info->kind->operation, &info->opts, pages, true) -
		pages * CKS_PLAN_REQUEST_SECONDS;
}

/*
 * Cost of the scan with the relation's restriction clauses: the lookups
 * of a pushed parameter (a filter operation sends up to
 * CKS_FILTER_VALUES_PER_REQUEST values per request), or the listing.
 * 'weighed' lookups (an IN list one scan could replace) are sent at once,
 * one round paced by their quota.
 */
static void
scan_costs(const CksRelInfo *info, CksPushedQual *api_qual,
		   bool weighed, double rows, Cost *startup_cost, Cost *total_cost)
{
	double		requests;
	double		rounds;
	double		quota_seconds = 0;
	const CksOperation *lookup = cks_lookup_operation(info->kind->operation);

	/* things found first (key_store_metrics without a store): the listing
	 * and one request for its page */
	if (lookup->discovery != NULL &&
		(api_qual == NULL || api_qual->target != lookup->discovery->parameter))
	{
		estimate_costs(info, 2.0 * info->nregions, 2, 0, rows,
					   startup_cost, total_cost);
		return;
	}
	if (api_qual && cks_operation_takes_lists(lookup))
		requests = Max(1.0, ceil(cks_pushed_value_count(api_qual) /
								 CKS_FILTER_VALUES_PER_REQUEST));
	else if (api_qual)
		requests = cks_pushed_value_count(api_qual);
	else
	{
		requests = listing_requests_per_region(info);
		quota_seconds = listing_quota_seconds(info);
	}
	rounds = requests;
	if (weighed)
	{
		rounds = 1;
		quota_seconds = cks_requests_seconds(lookup, &info->opts, requests, false) -
			CKS_PLAN_REQUEST_SECONDS;
	}
	estimate_costs(info, requests * info->nregions, rounds, quota_seconds,
				   rows, startup_cost, total_cost);
}

/*
 * The scan's one unparameterized path.  An IN list of constants on a
 * column whose lookups one scan could replace is weighed first: the path
 * then carries the choice (CksPathPrivateIndex), which the plan follows.
 */
void
cks_add_scan_path(PlannerInfo *root, RelOptInfo *baserel, CksRelInfo *info)
{
	CksPushedQual *api_qual = cks_api_parameter_qual(info->pushed);
	CksLookupChoice choice;
	ForeignPath *path;
	Cost		startup_cost,
				total_cost;
	List	   *strategy = NIL;
	double		rows = baserel->rows;

	if (api_qual != NULL && api_qual->is_array && IsA(api_qual->value, Const) &&
		cks_pushed_value_count(api_qual) >= 2 &&
		cks_lookups_replaceable(info->kind, api_qual->column))
	{
		cks_weigh_lookups(info->kind, &info->opts, info->rows_per_region,
						  cks_pushed_value_count(api_qual), false, &choice);
		strategy = list_make2(makeInteger(choice.one_scan ? 1 : 0),
							  makeString(cks_lookup_strategy_text(&choice)));
		if (choice.one_scan)
		{
			api_qual = NULL;	/* every row of the listing is parsed */
			rows = Max(info->rows_per_region, 1) * info->nregions;
		}
	}
	scan_costs(info, api_qual, strategy != NIL && api_qual != NULL, rows,
			   &startup_cost, &total_cost);
	path = cks_create_foreignscan_path(root, baserel, baserel->rows,
									   startup_cost, total_cost, NULL);
	path->fdw_private = strategy;
	add_path(baserel, (Path *) path);
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

/* Rows of the outer relations a parameterized path needs: its rescans. */
static double
outer_rows(PlannerInfo *root, Relids required_outer)
{
	double		rows = 1;
	int			relid = -1;

	while ((relid = bms_next_member(required_outer, relid)) >= 0)
	{
		RelOptInfo *rel = relid < root->simple_rel_array_size ?
			root->simple_rel_array[relid] : NULL;

		if (rel != NULL && rel->reloptkind == RELOPT_BASEREL)
			rows = Min(rows * Max(rel->rows, 1), 1e9);
	}
	return rows;
}

/*
 * The lookups of a nested loop go one per rescan, in turn; past the
 * quota's burst each waits for its token.  Their seconds beyond one round
 * trip each, spread over the rescans (a rescan is priced alone).  The
 * choice is remembered for EXPLAIN (cks_path_strategy).
 */
static double
join_lookup_quota_seconds(CksRelInfo *info, CksPushedQual *qual,
						  double rescans, List **strategy)
{
	CksLookupChoice choice;

	if (qual->target < 0 || !cks_lookups_replaceable(info->kind, qual->column))
		return 0;
	cks_weigh_lookups(info->kind, &info->opts, info->rows_per_region,
					  rescans, true, &choice);
	choice.one_scan = false;
	*strategy = list_make2(makeInteger(0),
						   makeString(cks_lookup_strategy_text(&choice)));
	if (info->join_lookup_rows == 0 || rescans < info->join_lookup_rows)
		info->join_lookup_rows = rescans;
	return choice.lookup_seconds / choice.lookups - CKS_PLAN_REQUEST_SECONDS;
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
	ForeignPath *path;
	List	   *strategy = NIL;
	double		quota_seconds;
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
	quota_seconds = join_lookup_quota_seconds(info, qual,
											  outer_rows(root, required_outer),
											  &strategy);
	estimate_costs(info, requests, 1, quota_seconds, rows,
				   &startup_cost, &total_cost);
	path = cks_create_foreignscan_path(root, baserel, Min(ppi->ppi_rows, rows),
									   startup_cost, total_cost,
									   required_outer);
	path->fdw_private = strategy;
	add_path(baserel, (Path *) path);
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

char *
cks_path_strategy(const CksRelInfo *info, ForeignPath *path, bool *one_scan)
{
	CksLookupChoice choice;

	*one_scan = false;
	if (path->fdw_private != NIL)
	{
		*one_scan = intVal(list_nth(path->fdw_private, CksPathOneScan)) != 0;
		return strVal(list_nth(path->fdw_private, CksPathStrategyText));
	}
	/* one scan where the planner could have looked up each outer row */
	if (path->path.param_info != NULL || info->join_lookup_rows == 0)
		return NULL;
	cks_weigh_lookups(info->kind, &info->opts, info->rows_per_region,
					  info->join_lookup_rows, true, &choice);
	choice.one_scan = true;
	return cks_lookup_strategy_text(&choice);
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

