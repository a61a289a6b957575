/*-------------------------------------------------------------------------
 *
 * cks_fdw.c
 *	  Foreign-data wrapper for AWS KMS custom key stores: the FDW callbacks
 *	  and the glue between the planner/executor and the modules in src/.
 *
 *	  Planning decides which clauses become API parameters (quals.c) and
 *	  prices the scan in requests; execution hands the pushed values to a
 *	  kms_scan (kms_scan.c), which streams entries page by page, and turns
 *	  each entry into a row (rows.c).  Options live in options.c,
 *	  credentials in credentials.c, the wire in aws_call/http/kms/sts.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "access/table.h"
#include "async_wait.h"
#include "catalog/pg_user_mapping.h"
#include "commands/defrem.h"
#include "commands/explain.h"
#include "credentials.h"
#include "executor/execAsync.h"
#include "executor/executor.h"
#include "foreign/fdwapi.h"
#include "foreign/foreign.h"
#include "kms_scan.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/paths.h"
#include "optimizer/planmain.h"
#include "optimizer/restrictinfo.h"
#include "options.h"
#include "quals.h"
#include "rows.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"

PG_MODULE_MAGIC;

/* The one remote schema IMPORT FOREIGN SCHEMA knows, and its one table. */
#define CKS_REMOTE_SCHEMA	"kms"
#define CKS_REMOTE_TABLE	"custom_key_stores"

/* Planner-side state for a foreign relation (baserel->fdw_private). */
typedef struct CksRelInfo
{
	CksScanOptions opts;
	int		   *column_of_att;
	List	   *pushed;			/* CksPushedQual from baserestrictinfo */
	int			nregions;		/* regions after constant region quals */
} CksRelInfo;

/*
 * Indexes into ForeignScan.fdw_private.  fdw_exprs holds the pushed
 * values, in the order of FdwPrivatePushedColumns.
 */
enum FdwPrivateIndex
{
	FdwPrivatePushedColumns,	/* IntList of CksColumn */
	FdwPrivatePushedIsArray,	/* IntList of bool */
	FdwPrivateRetrievedAttrs,	/* IntList of attnums converted */
	FdwPrivateExplainRequest,	/* String: API call and parameters */
	FdwPrivateExplainFilters,	/* String: region/account filters, or "" */
	FdwPrivateExplainRegions,	/* String: regions a constant qual leaves */
	FdwPrivatePageLimit			/* Integer: Limit of each page */
};

/* Executor-side state (ForeignScanState.fdw_state). */
typedef struct CksScanState
{
	CksScanOptions opts;
	UserMapping *user;
	CksRowBuilder rows;
	List	   *pushed_columns;
	List	   *pushed_is_array;
	List	   *value_states;	/* ExprState per pushed value */
	bool		started;
	char	   *account_id;
	CksKmsScan	kms;
	int			sts_requests;

	/* asynchronous execution (an Append over several servers) */
	bool		nowait;			/* Iterate must not block */
	bool		would_block;	/* ... and had nothing ready */
	CksWaitSet	wait_set;
} CksScanState;

void		_PG_init(void);

PG_FUNCTION_INFO_V1(cks_fdw_handler);

static void cksGetForeignRelSize(PlannerInfo *root, RelOptInfo *baserel,
								 Oid foreigntableid);
static void cksGetForeignPaths(PlannerInfo *root, RelOptInfo *baserel,
							   Oid foreigntableid);
static ForeignScan *cksGetForeignPlan(PlannerInfo *root, RelOptInfo *baserel,
									  Oid foreigntableid, ForeignPath *best_path,
									  List *tlist, List *scan_clauses,
									  Plan *outer_plan);
static void cksBeginForeignScan(ForeignScanState *node, int eflags);
static TupleTableSlot *cksIterateForeignScan(ForeignScanState *node);
static void cksReScanForeignScan(ForeignScanState *node);
static void cksEndForeignScan(ForeignScanState *node);
static void cksExplainForeignScan(ForeignScanState *node, ExplainState *es);
static List *cksImportForeignSchema(ImportForeignSchemaStmt *stmt, Oid serverOid);
static bool cksIsForeignPathAsyncCapable(ForeignPath *path);
static void cksForeignAsyncRequest(AsyncRequest *areq);
static void cksForeignAsyncConfigureWait(AsyncRequest *areq);
static void cksForeignAsyncNotify(AsyncRequest *areq);
static char *join_strings(List *strings);

void
_PG_init(void)
{
	cks_calls_initialize();
	cks_credentials_initialize();
}

Datum
cks_fdw_handler(PG_FUNCTION_ARGS)
{
	FdwRoutine *routine = makeNode(FdwRoutine);

	routine->GetForeignRelSize = cksGetForeignRelSize;
	routine->GetForeignPaths = cksGetForeignPaths;
	routine->GetForeignPlan = cksGetForeignPlan;
	routine->BeginForeignScan = cksBeginForeignScan;
	routine->IterateForeignScan = cksIterateForeignScan;
	routine->ReScanForeignScan = cksReScanForeignScan;
	routine->EndForeignScan = cksEndForeignScan;
	routine->ExplainForeignScan = cksExplainForeignScan;
	routine->ImportForeignSchema = cksImportForeignSchema;
	routine->IsForeignPathAsyncCapable = cksIsForeignPathAsyncCapable;
	routine->ForeignAsyncRequest = cksForeignAsyncRequest;
	routine->ForeignAsyncConfigureWait = cksForeignAsyncConfigureWait;
	routine->ForeignAsyncNotify = cksForeignAsyncNotify;
	PG_RETURN_POINTER(routine);
}

/*
 * Number of values a pushed qual sends, when the planner can tell (a
 * constant or a constant array); otherwise a guess of one.
 */
static int
pushed_value_count(CksPushedQual *qual)
{
	Const	   *c;

	if (!IsA(qual->value, Const))
		return 1;
	c = (Const *) qual->value;
	if (c->constisnull)
		return 0;
	if (!qual->is_array)
		return 1;
	return ArrayGetNItems(ARR_NDIM(DatumGetArrayTypeP(c->constvalue)),
						  ARR_DIMS(DatumGetArrayTypeP(c->constvalue)));
}

static CksPushedQual *
find_pushed(List *pushed, CksColumn column)
{
	ListCell   *lc;

	foreach(lc, pushed)
		if (((CksPushedQual *) lfirst(lc))->column == column)
			return lfirst(lc);
	return NULL;
}

/* Distinct non-NULL text values of a scalar or array Datum, in order. */
static List *
append_text_values(List *values, Datum datum, bool is_array)
{
	if (!is_array)
	{
		char	   *value = TextDatumGetCString(datum);

		if (!list_member(values, makeString(value)))
			values = lappend(values, makeString(value));
		return values;
	}
	else
	{
		ArrayType  *array = DatumGetArrayTypeP(datum);
		Datum	   *elems;
		bool	   *nulls;
		int			nelems;
		int16		typlen;
		bool		typbyval;
		char		typalign;
		int			i;

		get_typlenbyvalalign(ARR_ELEMTYPE(array), &typlen, &typbyval, &typalign);
		deconstruct_array(array, ARR_ELEMTYPE(array), typlen, typbyval, typalign,
						  &elems, &nulls, &nelems);
		for (i = 0; i < nelems; i++)
			if (!nulls[i])
				values = append_text_values(values, elems[i], false);
		return values;
	}
}

/* Regions of the server that a constant region qual keeps (planning). */
static List *
regions_after_constant_filter(List *regions, CksPushedQual *region_qual)
{
	List	   *wanted;
	List	   *kept = NIL;
	ListCell   *lc;
	Const	   *c;

	if (region_qual == NULL || !IsA(region_qual->value, Const))
		return regions;
	c = (Const *) region_qual->value;
	if (c->constisnull)
		return NIL;
	wanted = append_text_values(NIL, c->constvalue, region_qual->is_array);
	foreach(lc, regions)
		if (list_member(wanted, makeString(lfirst(lc))))
			kept = lappend(kept, lfirst(lc));
	return kept;
}

static void
cksGetForeignRelSize(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid)
{
	CksRelInfo *info = palloc0(sizeof(CksRelInfo));
	ForeignTable *table = GetForeignTable(foreigntableid);
	Relation	rel;
	CksPushedQual *api_qual;
	double		per_region;

	cks_get_scan_options(table->serverid, foreigntableid, &info->opts);
	rel = table_open(foreigntableid, NoLock);
	info->column_of_att = cks_map_table_columns(foreigntableid, RelationGetDescr(rel));
	table_close(rel, NoLock);

	info->pushed = cks_find_pushable_quals(root, baserel, info->column_of_att,
										   baserel->baserestrictinfo);
	info->nregions = list_length(regions_after_constant_filter(info->opts.regions,
															   find_pushed(info->pushed, CKS_COL_REGION)));
	api_qual = cks_api_parameter_qual(info->pushed);
	per_region = api_qual ? pushed_value_count(api_qual) : info->opts.estimated_rows;

	baserel->fdw_private = info;
	baserel->rows = clamp_row_est(per_region * info->nregions *
								  clauselist_selectivity(root, baserel->baserestrictinfo,
														 0, JOIN_INNER, NULL));
	baserel->tuples = info->opts.estimated_rows * list_length(info->opts.regions);
}

/*
 * A request costs far more than anything done per row, and every region
 * is asked at the same time, so the startup cost is one request and each
 * further page (or lookup) adds one more.
 */
static void
estimate_costs(const CksRelInfo *info, double requests, double rows,
			   Cost *startup_cost, Cost *total_cost)
{
	double		rounds = ceil(requests / Max(info->nregions, 1));

	*startup_cost = info->opts.request_cost;
	*total_cost = *startup_cost +
		(Max(rounds, 1) - 1) * info->opts.request_cost +
		(requests - Min(requests, Max(info->nregions, 1))) * info->opts.request_cost * 0.1 +
		rows * (cpu_tuple_cost * 10);
}

static double
requests_for_scan(const CksRelInfo *info, CksPushedQual *api_qual)
{
	if (api_qual)
		return (double) pushed_value_count(api_qual) * info->nregions;
	return ceil(Max(info->opts.estimated_rows, 1) / info->opts.page_size) * info->nregions;
}

/* For generate_implied_equalities_for_column: our id or name column? */
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

	if (!join_clause_is_movable_to(rinfo, baserel))
		return;
	pushed = cks_find_pushable_quals(root, baserel, info->column_of_att,
									 list_make1(rinfo));
	if (pushed == NIL)
		return;
	qual = linitial(pushed);
	if (qual->column != CKS_COL_ID && qual->column != CKS_COL_NAME)
		return;
	required_outer = bms_difference(rinfo->clause_relids, baserel->relids);
	if (bms_is_empty(required_outer))
		return;
	ppi = get_baserel_parampathinfo(root, baserel, required_outer);
	estimate_costs(info, info->nregions, rows, &startup_cost, &total_cost);
	add_path(baserel, (Path *)
			 create_foreignscan_path(root, baserel, NULL,
									 Min(ppi->ppi_rows, rows),
									 startup_cost, total_cost, NIL,
									 required_outer, NULL, NIL));
}

/*
 * Parameterized paths: for a join on custom_key_store_id or
 * custom_key_store_name, a path that looks up each outer row's key.  The
 * planner weighs it (a request per outer row) against one full scan.
 * Inner-join equalities live in equivalence classes; outer-join clauses
 * only in joininfo, so both are searched, as postgres_fdw does.
 */
static void
add_parameterized_paths(PlannerInfo *root, RelOptInfo *baserel, CksRelInfo *info)
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

		if (column != CKS_COL_ID && column != CKS_COL_NAME)
			continue;
		clauses = generate_implied_equalities_for_column(root, baserel,
														 ec_member_is_column,
														 &search, NULL);
		foreach(lc, clauses)
			add_path_for_join_clause(root, baserel, info, lfirst(lc));
	}
}

static void
cksGetForeignPaths(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid)
{
	CksRelInfo *info = baserel->fdw_private;
	Cost		startup_cost,
				total_cost;

	estimate_costs(info, requests_for_scan(info, cks_api_parameter_qual(info->pushed)),
				   baserel->rows, &startup_cost, &total_cost);
	add_path(baserel, (Path *)
			 create_foreignscan_path(root, baserel, NULL, baserel->rows,
									 startup_cost, total_cost, NIL,
									 NULL, NULL, NIL));
	add_parameterized_paths(root, baserel, info);
}

/* Attribute numbers the query reads: only those are converted. */
static List *
retrieved_attrs(PlannerInfo *root, RelOptInfo *baserel, List *scan_clauses)
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

static const char *
api_parameter_name(CksColumn column)
{
	return column == CKS_COL_ID ? "CustomKeyStoreId" : "CustomKeyStoreName";
}

/* "DescribeCustomKeyStores CustomKeyStoreId=$1" or "... Limit=1000" */
static char *
explain_request(PlannerInfo *root, int page_limit, CksPushedQual *api_qual)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfoString(&buf, "DescribeCustomKeyStores");
	if (api_qual == NULL)
		appendStringInfo(&buf, " Limit=%d", page_limit);
	else if (api_qual->is_array)
		appendStringInfo(&buf, " %s=ANY(%s)", api_parameter_name(api_qual->column),
						 cks_deparse_value(root, api_qual->value));
	else
		appendStringInfo(&buf, " %s=%s", api_parameter_name(api_qual->column),
						 cks_deparse_value(root, api_qual->value));
	return buf.data;
}

static char *
explain_filters(PlannerInfo *root, List *pushed)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	foreach(lc, pushed)
	{
		CksPushedQual *qual = lfirst(lc);

		if (qual->column != CKS_COL_REGION && qual->column != CKS_COL_ACCOUNT_ID)
			continue;
		appendStringInfo(&buf, "%s%s %s %s%s%s", buf.len ? ", " : "",
						 cks_columns[qual->column].name,
						 qual->is_array ? "= ANY(" : "=",
						 cks_deparse_value(root, qual->value),
						 qual->is_array ? ")" : "", "");
	}
	return buf.data;
}

/*
 * The Limit each page asks for.  A query whose LIMIT applies directly to
 * this scan (the only relation, no clause left to check, nothing to sort
 * or aggregate first) needs at most that many rows, so the first page asks
 * for no more; the executor then stops before a second page is fetched.
 * Any clause, even a pushed one, is rechecked locally and could reject
 * rows, so then the page size stays as configured.
 */
static int
page_limit_for(PlannerInfo *root, RelOptInfo *baserel, CksRelInfo *info,
			   List *scan_clauses)
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

static ForeignScan *
cksGetForeignPlan(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid,
				  ForeignPath *best_path, List *tlist, List *scan_clauses,
				  Plan *outer_plan)
{
	CksRelInfo *info = baserel->fdw_private;
	List	   *pushed;
	CksPushedQual *api_qual;
	List	   *fdw_exprs = NIL;
	List	   *columns = NIL;
	List	   *is_array = NIL;
	List	   *fdw_private;
	int			page_limit;
	ListCell   *lc;

	/* scan_clauses includes the join clauses of a parameterized path */
	pushed = cks_find_pushable_quals(root, baserel, info->column_of_att, scan_clauses);
	api_qual = cks_api_parameter_qual(pushed);
	foreach(lc, pushed)
	{
		CksPushedQual *qual = lfirst(lc);

		/* a name beside an id is only checked locally */
		if ((qual->column == CKS_COL_ID || qual->column == CKS_COL_NAME) && qual != api_qual)
			continue;
		fdw_exprs = lappend(fdw_exprs, qual->value);
		columns = lappend_int(columns, qual->column);
		is_array = lappend_int(is_array, qual->is_array);
	}

	page_limit = page_limit_for(root, baserel, info, scan_clauses);
	fdw_private = list_make5(columns, is_array,
							 retrieved_attrs(root, baserel, scan_clauses),
							 makeString(explain_request(root, page_limit, api_qual)),
							 makeString(explain_filters(root, pushed)));
	fdw_private = lappend(fdw_private,
						  makeString(join_strings(regions_after_constant_filter(info->opts.regions,
																				find_pushed(pushed, CKS_COL_REGION)))));
	fdw_private = lappend(fdw_private, makeInteger(page_limit));

	/* every clause is rechecked locally: pushing down only saves requests */
	return make_foreignscan(tlist,
							extract_actual_clauses(scan_clauses, false),
							baserel->relid, fdw_exprs, fdw_private,
							NIL, NIL, outer_plan);
}

/*
 * The user mapping for the scan, with the statement to create one when it
 * is missing (GetUserMapping's own error gives no hint).
 */
static UserMapping *
user_mapping_or_hint(Oid userid, ForeignServer *server)
{
	HeapTuple	tuple;

	tuple = SearchSysCache2(USERMAPPINGUSERSERVER, ObjectIdGetDatum(userid),
							ObjectIdGetDatum(server->serverid));
	if (!HeapTupleIsValid(tuple))
		tuple = SearchSysCache2(USERMAPPINGUSERSERVER, ObjectIdGetDatum(InvalidOid),
								ObjectIdGetDatum(server->serverid));
	if (!HeapTupleIsValid(tuple))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("user mapping not found for user \"%s\" on server \"%s\"",
						MappingUserName(userid), server->servername),
				 errhint("Create one: CREATE USER MAPPING FOR %s SERVER %s OPTIONS (access_key_id '...', secret_access_key '...');",
						 OidIsValid(userid) ? quote_identifier(MappingUserName(userid)) : "PUBLIC",
						 quote_identifier(server->servername))));
	ReleaseSysCache(tuple);
	return GetUserMapping(userid, server->serverid);
}

/*
 * KMS said the keys expired although we thought them fresh (revoked, or
 * an expiry we were told wrong): get new ones for the rest of the query,
 * in the query's context like the first ones.
 */
static const SigV4Credentials *
renew_scan_credentials(void *arg)
{
	ForeignScanState *node = arg;
	CksScanState *state = node->fdw_state;
	MemoryContext old = MemoryContextSwitchTo(node->ss.ps.state->es_query_cxt);

	state->kms.credentials = cks_renew_credentials(state->user, &state->opts,
												   &state->kms.settings,
												   &state->sts_requests);
	MemoryContextSwitchTo(old);
	return state->kms.credentials;
}

static void
cksBeginForeignScan(ForeignScanState *node, int eflags)
{
	ForeignScan *plan = (ForeignScan *) node->ss.ps.plan;
	EState	   *estate = node->ss.ps.state;
	RangeTblEntry *rte = exec_rt_fetch(plan->scan.scanrelid, estate);
	Relation	rel = node->ss.ss_currentRelation;
	ForeignTable *table = GetForeignTable(RelationGetRelid(rel));
	CksScanState *state = palloc0(sizeof(CksScanState));
	Bitmapset  *attrs = NULL;
	ListCell   *lc;

	node->fdw_state = state;
	cks_wait_set_init(&state->wait_set);
	if (eflags & EXEC_FLAG_EXPLAIN_ONLY)
		return;

	cks_get_scan_options(table->serverid, table->relid, &state->opts);
	state->user = user_mapping_or_hint(rte->checkAsUser ? rte->checkAsUser : GetUserId(),
									   GetForeignServer(table->serverid));

	foreach(lc, (List *) list_nth(plan->fdw_private, FdwPrivateRetrievedAttrs))
		attrs = bms_add_member(attrs, lfirst_int(lc) - FirstLowInvalidHeapAttributeNumber);
	cks_row_builder_init(&state->rows, rel,
						 cks_map_table_columns(RelationGetRelid(rel), RelationGetDescr(rel)),
						 attrs);
	state->pushed_columns = list_nth(plan->fdw_private, FdwPrivatePushedColumns);
	state->pushed_is_array = list_nth(plan->fdw_private, FdwPrivatePushedIsArray);
	state->value_states = ExecInitExprList(plan->fdw_exprs, (PlanState *) node);

	state->kms.settings.connect_timeout_ms = state->opts.connect_timeout_ms;
	state->kms.settings.request_timeout_ms = state->opts.request_timeout_ms;
	state->kms.settings.max_attempts = state->opts.max_attempts;
	state->kms.settings.ca_file = state->opts.ca_file;
	state->kms.page_size = intVal(list_nth(plan->fdw_private, FdwPrivatePageLimit));
	state->kms.on_error_warn = state->opts.on_error_warn;
	state->kms.renew_credentials = renew_scan_credentials;
	state->kms.renew_arg = node;
}

/* Evaluate the pushed value of one column: its distinct non-NULL texts. */
static List *
evaluate_values(ForeignScanState *node, CksScanState *state, CksColumn column,
				bool *present)
{
	ExprContext *econtext = node->ss.ps.ps_ExprContext;
	ListCell   *lc_col,
			   *lc_arr,
			   *lc_state;
	List	   *values = NIL;

	*present = false;
	forthree(lc_col, state->pushed_columns, lc_arr, state->pushed_is_array,
			 lc_state, state->value_states)
	{
		bool		isnull;
		Datum		datum;

		if (lfirst_int(lc_col) != (int) column)
			continue;
		*present = true;
		datum = ExecEvalExpr(lfirst(lc_state), econtext, &isnull);
		if (!isnull)
			values = append_text_values(values, datum, lfirst_int(lc_arr));
	}
	return values;
}

static List *
strings_to_cstrings(List *strings)
{
	List	   *result = NIL;
	ListCell   *lc;

	foreach(lc, strings)
		result = lappend(result, strVal(lfirst(lc)));
	return result;
}

/* The server's regions that a region qual (if any) keeps. */
static List *
regions_to_call(ForeignScanState *node, CksScanState *state)
{
	bool		filtered;
	List	   *wanted = evaluate_values(node, state, CKS_COL_REGION, &filtered);
	List	   *kept = NIL;
	ListCell   *lc;

	if (!filtered)
		return state->opts.regions;
	foreach(lc, state->opts.regions)
		if (list_member(wanted, makeString(lfirst(lc))))
			kept = lappend(kept, lfirst(lc));
	return kept;
}

/*
 * Everything that depends on parameter values, done at the first row of
 * each (re)scan: which regions and values, whether the account can match,
 * and the credentials to sign with.
 */
static void
start_scan(ForeignScanState *node, CksScanState *state)
{
	MemoryContext query_cxt = node->ss.ps.state->es_query_cxt;
	MemoryContext old;
	bool		has_id,
				has_name,
				has_account;

	/*
	 * The pushed values live in the current (per-tuple) context: the scan
	 * copies what it keeps, so a nested loop's rescans leave nothing behind.
	 */
	List	   *ids = evaluate_values(node, state, CKS_COL_ID, &has_id);
	List	   *names = evaluate_values(node, state, CKS_COL_NAME, &has_name);
	List	   *accounts = evaluate_values(node, state, CKS_COL_ACCOUNT_ID, &has_account);
	List	   *regions = regions_to_call(node, state);

	/* the account and the credentials are fetched once per query */
	old = MemoryContextSwitchTo(query_cxt);
	if ((has_account || state->rows.needs_account_id) && state->account_id == NULL)
		state->account_id = cks_get_account_id(state->user, &state->opts,
											   &state->kms.settings, &state->sts_requests);
	state->kms.account_id = state->account_id;
	if (has_account && !list_member(accounts, makeString(state->account_id)))
		regions = NIL;
	if (regions != NIL && state->kms.credentials == NULL)
		state->kms.credentials = cks_get_credentials(state->user, &state->opts,
													 &state->kms.settings,
													 &state->sts_requests);
	MemoryContextSwitchTo(old);

	cks_kms_scan_begin(&state->kms, query_cxt, regions,
					   state->opts.endpoint, has_id || has_name,
					   strings_to_cstrings(has_id ? ids : names), !has_id);
	state->started = true;
}

static TupleTableSlot *
cksIterateForeignScan(ForeignScanState *node)
{
	CksScanState *state = node->fdw_state;
	TupleTableSlot *slot = node->ss.ss_ScanTupleSlot;
	struct json_object *entry;
	const char *region;

	if (!state->started)
		start_scan(node, state);

	ExecClearTuple(slot);
	entry = cks_kms_scan_next(&state->kms, &region, !state->nowait,
							  &state->would_block);
	if (entry == NULL)
		return slot;
	cks_build_row(&state->rows, entry, region, state->account_id,
				  slot->tts_values, slot->tts_isnull);
	ExecStoreVirtualTuple(slot);
	return slot;
}

static void
cksReScanForeignScan(ForeignScanState *node)
{
	CksScanState *state = node->fdw_state;

	cks_kms_scan_release(&state->kms);
	state->started = false;
}

static void
cksEndForeignScan(ForeignScanState *node)
{
	CksScanState *state = node->fdw_state;

	if (state)
	{
		cks_kms_scan_release(&state->kms);
		cks_wait_set_close(&state->wait_set);
	}
}

static bool
cksIsForeignPathAsyncCapable(ForeignPath *path)
{
	CksRelInfo *info = path->path.parent->fdw_private;

	return info->opts.async_capable;
}

/*
 * Produce the next row without blocking, the way postgres_fdw does:
 * through ExecProcNode, so local quals and projection apply, with
 * Iterate told not to wait.  No row and no end yet means pending.
 */
static void
produce_tuple_asynchronously(AsyncRequest *areq)
{
	ForeignScanState *node = (ForeignScanState *) areq->requestee;
	CksScanState *state = node->fdw_state;
	TupleTableSlot *result;

	state->nowait = true;
	state->would_block = false;
	PG_TRY();
	{
		result = ExecProcNode((PlanState *) node);
	}
	PG_FINALLY();
	{
		state->nowait = false;
	}
	PG_END_TRY();

	if (TupIsNull(result) && state->would_block)
		ExecAsyncRequestPending(areq);
	else
		ExecAsyncRequestDone(areq, result);
}

static void
cksForeignAsyncRequest(AsyncRequest *areq)
{
	produce_tuple_asynchronously(areq);
}

/*
 * When the scan's fd must become readable even without socket activity:
 * at once if there is progress, when a backoff or curl timeout ends, and
 * at least every CKS_ASYNC_POLL_MS.  The Append's wait does not watch the
 * latch, so this bound is what lets a cancel or statement_timeout through
 * (the next Notify runs ExecScan, which checks for interrupts).
 */
#define CKS_ASYNC_POLL_MS	100

static long
async_wakeup_ms(CksScanState *state)
{
	long		ms;

	if (cks_kms_scan_ready(&state->kms))
		return 0;
	ms = cks_kms_scan_next_wakeup_ms(&state->kms);
	if (ms < 0 || ms > CKS_ASYNC_POLL_MS)
		ms = CKS_ASYNC_POLL_MS;
	return ms;
}

/*
 * An Append gives each waiting subplan room for one event: the scan offers
 * the one fd of its CksWaitSet (src/async_wait.c), readable on socket
 * activity of any transfer, or when the timer armed here ends.
 */
static void
cksForeignAsyncConfigureWait(AsyncRequest *areq)
{
	ForeignScanState *node = (ForeignScanState *) areq->requestee;
	CksScanState *state = node->fdw_state;
	int			fd;

	fd = cks_wait_set_prepare(&state->wait_set, node->ss.ps.state->es_query_cxt,
							  async_wakeup_ms(state));
	AddWaitEventToSet(((AppendState *) areq->requestor)->as_eventset,
					  WL_SOCKET_READABLE, fd, NULL, areq);
}

static void
cksForeignAsyncNotify(AsyncRequest *areq)
{
	ForeignScanState *node = (ForeignScanState *) areq->requestee;
	CksScanState *state = node->fdw_state;

	cks_wait_set_drain(&state->wait_set);
	produce_tuple_asynchronously(areq);
}

static char *
join_strings(List *strings)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	foreach(lc, strings)
		appendStringInfo(&buf, "%s%s", buf.len ? ", " : "", (char *) lfirst(lc));
	return buf.data;
}

static void
cksExplainForeignScan(ForeignScanState *node, ExplainState *es)
{
	ForeignScan *plan = (ForeignScan *) node->ss.ps.plan;
	CksScanState *state = node->fdw_state;
	const char *filters = strVal(list_nth(plan->fdw_private, FdwPrivateExplainFilters));
	const char *regions = strVal(list_nth(plan->fdw_private, FdwPrivateExplainRegions));

	ExplainPropertyText("KMS Request",
						strVal(list_nth(plan->fdw_private, FdwPrivateExplainRequest)), es);
	ExplainPropertyText("Regions", regions[0] ? regions : "(none)", es);
	if (filters[0] != '\0')
		ExplainPropertyText("Call Filter", filters, es);

	if (es->analyze && state)
	{
		ExplainPropertyInteger("Requests", NULL,
							   state->kms.stats.requests + state->sts_requests, es);
		ExplainPropertyInteger("Pages", NULL, state->kms.stats.pages, es);
		if (state->kms.stats.failed_regions != NIL)
			ExplainPropertyText("Failed Regions",
								join_strings(state->kms.stats.failed_regions), es);
	}
}

static bool
import_wants_table(ImportForeignSchemaStmt *stmt)
{
	ListCell   *lc;
	bool		listed = false;

	foreach(lc, stmt->table_list)
		if (strcmp(((RangeVar *) lfirst(lc))->relname, CKS_REMOTE_TABLE) == 0)
			listed = true;
	switch (stmt->list_type)
	{
		case FDW_IMPORT_SCHEMA_LIMIT_TO:
			return listed;
		case FDW_IMPORT_SCHEMA_EXCEPT:
			return !listed;
		default:
			return true;
	}
}

static List *
cksImportForeignSchema(ImportForeignSchemaStmt *stmt, Oid serverOid)
{
	ForeignServer *server = GetForeignServer(serverOid);
	StringInfoData buf;
	int			i;

	if (strcmp(stmt->remote_schema, CKS_REMOTE_SCHEMA) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_SCHEMA_NOT_FOUND),
				 errmsg("remote schema \"%s\" does not exist", stmt->remote_schema),
				 errhint("cks_fdw has one remote schema: IMPORT FOREIGN SCHEMA %s FROM SERVER %s INTO ...",
						 CKS_REMOTE_SCHEMA, quote_identifier(server->servername))));
	if (!import_wants_table(stmt))
		return NIL;

	initStringInfo(&buf);
	appendStringInfo(&buf, "CREATE FOREIGN TABLE %s (\n", CKS_REMOTE_TABLE);
	for (i = 0; i < CKS_NUM_COLUMNS; i++)
		appendStringInfo(&buf, "  %s %s%s\n", cks_columns[i].name,
						 cks_columns[i].sql_type, i + 1 < CKS_NUM_COLUMNS ? "," : "");
	appendStringInfo(&buf, ") SERVER %s", quote_identifier(server->servername));
	return list_make1(buf.data);
}
