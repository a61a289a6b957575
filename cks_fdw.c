/*-------------------------------------------------------------------------
 *
 * cks_fdw.c
 *	  Foreign-data wrapper for AWS KMS custom key stores: the FDW callbacks
 *	  and the glue between the planner/executor and the modules in src/.
 *
 *	  A foreign table has a kind (table_kinds.c): the list operation that
 *	  fills it and its column table.  Planning decides which clauses become
 *	  API parameters (quals.c) and prices the scan in requests (planning.c);
 *	  execution hands the pushed values to a scan (scan_start.c, then
 *	  scan/), which streams entries page by page, and turns each entry into
 *	  a row (rows.c).  Options live in options.c, credentials behind the
 *	  facade credentials/credentials.c, AWS's wire format and the call
 *	  engine in aws/, the transport in net/.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/table.h"
#include "account_pruning.h"
#include "analyze.h"
#include "net/async_wait.h"
#include "catalog/pg_user_mapping.h"
#include "commands/defrem.h"
#include "compat.h"
#include "credentials/credentials.h"
#include "credentials/user_mapping.h"
#include "executor/execAsync.h"
#include "executor/executor.h"
#include "foreign/fdwapi.h"
#include "foreign/foreign.h"
#include "import_schema.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/planmain.h"
#include "optimizer/restrictinfo.h"
#include "options.h"
#include "organization.h"
#include "planning.h"
#include "prefilter.h"
#include "quals.h"
#include "net/request_quotas.h"
#include "rows.h"
#include "net/response_memory.h"
#include "scan/key_extras.h"
#include "scan/scan.h"
#include "scan_state.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"

CKS_MODULE_MAGIC;


/*
 * Indexes into ForeignScan.fdw_private.  fdw_exprs holds the pushed
 * values, in the order of FdwPrivatePushedColumns.
 */
enum FdwPrivateIndex
{
	FdwPrivatePushedTargets,	/* IntList of CksPushedQual.target */
	FdwPrivatePushedIsArray,	/* IntList of bool */
	FdwPrivateRetrievedAttrs,	/* IntList of attnums converted */
	FdwPrivateExplainRequest,	/* String: API call and parameters */
	FdwPrivateExplainFilters,	/* String: region/account filters, or "" */
	FdwPrivateExplainRegions,	/* String: regions a constant qual leaves */
	FdwPrivatePageLimit,		/* Integer: Limit of each page */
	FdwPrivateExplainAccounts,	/* String: "3", "1 of 3", "organization",
								 * or "" without the accounts option */
	FdwPrivateExplainStrategy	/* String: lookups or one scan, or "" */
};

void		_PG_init(void);

PG_FUNCTION_INFO_V1(cks_fdw_handler);
PG_FUNCTION_INFO_V1(cks_fdw_version);

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

void
_PG_init(void)
{
	cks_calls_initialize();
	cks_response_memory_initialize();
	cks_scan_initialize();
	cks_credentials_initialize();
	cks_organization_initialize();
	cks_quotas_initialize();
	/* after every cks_fdw.* variable is defined: a typo is then an error */
	MarkGUCPrefixReserved("cks_fdw");
}

/*
 * The library's version (default_version of cks_fdw.control at build
 * time), so that a library newer than the extension's SQL objects shows:
 * SELECT cks_fdw_version(), extversion FROM pg_extension ...
 */
Datum
cks_fdw_version(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(CKS_FDW_VERSION));
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
	routine->AnalyzeForeignTable = cks_analyze_foreign_table;
	routine->IsForeignPathAsyncCapable = cksIsForeignPathAsyncCapable;
	routine->ForeignAsyncRequest = cksForeignAsyncRequest;
	routine->ForeignAsyncConfigureWait = cksForeignAsyncConfigureWait;
	routine->ForeignAsyncNotify = cksForeignAsyncNotify;
	PG_RETURN_POINTER(routine);
}

static void
cksGetForeignRelSize(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid)
{
	CksRelInfo *info = palloc0(sizeof(CksRelInfo));
	ForeignTable *table = GetForeignTable(foreigntableid);
	Relation	rel;
	CksPushedQual *api_qual;
	double		per_region;
	int			listed_pairs;	/* (account, region) pairs without quals */

	cks_get_scan_options(table->serverid, foreigntableid, &info->opts);
	info->kind = cks_table_kind_of(foreigntableid);
	rel = table_open(foreigntableid, NoLock);
	info->column_of_att = cks_map_table_columns(info->kind, foreigntableid,
												RelationGetDescr(rel));
	table_close(rel, NoLock);

	info->pushed = cks_find_pushable_quals(root, baserel, info->kind,
										   info->column_of_att,
										   baserel->baserestrictinfo);
	info->naccounts = cks_accounts_for_plan(&info->opts, info->pushed, NULL);
	info->nregions = info->naccounts *
		list_length(cks_regions_for_plan(info->opts.regions,
										 cks_find_pushed(info->pushed, CKS_PUSH_REGION)));
	listed_pairs = list_length(info->opts.regions) *
		cks_accounts_for_plan(&info->opts, NIL, NULL);
	baserel->fdw_private = info;

	/*
	 * baserel->tuples is pg_class.reltuples: -1 until the table is first
	 * analyzed.  Once it is, the count and the column statistics estimate
	 * the rows (the region statistics already say how a region qual
	 * narrows them), unless the user set estimated_rows as an override.
	 */
	if (baserel->tuples >= 0 && !cks_estimated_rows_is_set(table))
	{
		info->rows_per_region = baserel->tuples / Max(listed_pairs, 1);
		baserel->rows = clamp_row_est(baserel->tuples *
									  clauselist_selectivity(root, baserel->baserestrictinfo,
															 0, JOIN_INNER, NULL));
		return;
	}

	info->rows_per_region = info->opts.estimated_rows;
	api_qual = cks_api_parameter_qual(info->pushed);
	per_region = api_qual ? cks_pushed_value_count(api_qual) : info->rows_per_region;
	baserel->rows = clamp_row_est(per_region * info->nregions *
								  clauselist_selectivity(root, baserel->baserestrictinfo,
														 0, JOIN_INNER, NULL));
	baserel->tuples = info->rows_per_region * listed_pairs;
}

static void
cksGetForeignPaths(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid)
{
	CksRelInfo *info = baserel->fdw_private;

	cks_add_scan_path(root, baserel, info);
	cks_add_parameterized_paths(root, baserel, info);
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
	List	   *targets = NIL;
	List	   *is_array = NIL;
	List	   *fdw_private;
	int			page_limit;
	List	   *local_clauses;
	char	   *explain_accounts;
	char	   *strategy;
	bool		one_scan;
	ListCell   *lc;

	/* scan_clauses includes the join clauses of a parameterized path */
	pushed = cks_find_pushable_quals(root, baserel, info->kind,
									 info->column_of_att, scan_clauses);
	/* the path chose one scan over lookups: the listing, filtered locally */
	strategy = cks_path_strategy(info, best_path, &one_scan);
	if (one_scan)
		pushed = cks_without_parameters(pushed);
	api_qual = cks_api_parameter_qual(pushed);
	foreach(lc, pushed)
	{
		CksPushedQual *qual = lfirst(lc);

		/*
		 * A name beside an id is only checked locally; the filters of a
		 * filter operation (DescribeBackups's backupIds, clusterIds,
		 * states, neverExpires) are all sent, AWS matching every one.
		 */
		if (qual->target >= 0 && qual != api_qual &&
			!cks_operation_takes_lists(cks_lookup_operation(info->kind->operation)))
			continue;
		fdw_exprs = lappend(fdw_exprs, qual->value);
		targets = lappend_int(targets, qual->target);
		is_array = lappend_int(is_array, qual->is_array);
	}

	/*
	 * Every clause is rechecked locally (pushing down only saves requests),
	 * except one AWS answers itself: DescribeKey of an alias or an ARN
	 * returns a key whose key_id reads differently.
	 */
	if (api_qual != NULL &&
		cks_kind_pushdown_of_parameter(info->kind, api_qual->target)->resolved_by_aws)
		local_clauses = list_delete_ptr(list_copy(scan_clauses), api_qual->rinfo);
	else
		local_clauses = scan_clauses;

	page_limit = cks_page_limit(root, info, scan_clauses);
	fdw_private = list_make5(targets, is_array,
							 cks_retrieved_attrs(root, baserel, scan_clauses),
							 makeString(cks_explain_request(root, info->kind,
															page_limit, api_qual,
															pushed)),
							 makeString(cks_explain_filters(root, info->kind, pushed)));
	fdw_private = lappend(fdw_private,
						  makeString(cks_join_strings(cks_regions_for_plan(info->opts.regions,
																	   cks_find_pushed(pushed, CKS_PUSH_REGION)))));
	fdw_private = lappend(fdw_private, makeInteger(page_limit));
	(void) cks_accounts_for_plan(&info->opts, pushed, &explain_accounts);
	fdw_private = lappend(fdw_private, makeString(explain_accounts));
	fdw_private = lappend(fdw_private, makeString(strategy ? strategy : ""));

	return make_foreignscan(tlist,
							extract_actual_clauses(local_clauses, false),
							baserel->relid, fdw_exprs, fdw_private,
							NIL, NIL, outer_plan);
}

/*
 * The user mapping for the scan, with the statement to create one when it
 * is missing (GetUserMapping's own error gives no hint).  Read without
 * the stray copies of the secrets GetUserMapping leaves (credentials.h).
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
	return cks_get_user_mapping(userid, server->serverid);
}

static void
cksBeginForeignScan(ForeignScanState *node, int eflags)
{
	ForeignScan *plan = (ForeignScan *) node->ss.ps.plan;
	EState	   *estate = node->ss.ps.state;
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
	state->kind = cks_table_kind_of(table->relid);
	state->user = user_mapping_or_hint(cks_scan_user(plan, estate),
									   GetForeignServer(table->serverid));

	foreach(lc, (List *) list_nth(plan->fdw_private, FdwPrivateRetrievedAttrs))
		attrs = bms_add_member(attrs, lfirst_int(lc) - FirstLowInvalidHeapAttributeNumber);
	cks_row_builder_init(&state->rows, state->kind, rel,
						 cks_map_table_columns(state->kind, RelationGetRelid(rel),
											   RelationGetDescr(rel)),
						 attrs, state->opts.show_sensitive);
	if (state->opts.accounts &&
		strcmp(state->opts.accounts, CKS_ACCOUNTS_ORGANIZATION) == 0)
		state->rows.organization_user = state->user;
	cks_extras_init(&state->extras, state->kind, state->rows.extra_wanted,
					estate->es_query_cxt);
	cks_prefilter_init(node, state);
	state->pushed_targets = list_nth(plan->fdw_private, FdwPrivatePushedTargets);
	state->pushed_is_array = list_nth(plan->fdw_private, FdwPrivatePushedIsArray);
	state->value_states = ExecInitExprList(plan->fdw_exprs, (PlanState *) node);
	cks_scan_configure_for_kind(&state->scan, &state->opts, state->kind,
								intVal(list_nth(plan->fdw_private, FdwPrivatePageLimit)));
	state->scan.renew_credentials = cks_renew_scan_credentials;
	state->scan.renew_arg = node;
}

static TupleTableSlot *
cksIterateForeignScan(ForeignScanState *node)
{
	CksScanState *state = node->fdw_state;
	TupleTableSlot *slot = node->ss.ss_ScanTupleSlot;
	struct json_object *entry;
	const CksStream *stream;

	if (!state->started)
		cks_start_scan(node, state);

	ExecClearTuple(slot);
	do
	{
		entry = cks_scan_next(&state->scan, &stream, !state->nowait,
							  &state->would_block);
		if (entry == NULL)
			return slot;
	} while (!cks_prefilter_passes(node, state, entry, stream));
	cks_build_row(&state->rows, entry,
				  cks_extras_fetch(&state->extras, entry, stream,
								   &state->scan.settings,
								   state->scan.on_error_warn),
				  stream->region, stream->account_id,
				  slot->tts_values, slot->tts_isnull);
	ExecStoreVirtualTuple(slot);
	return slot;
}

static void
cksReScanForeignScan(ForeignScanState *node)
{
	CksScanState *state = node->fdw_state;

	cks_scan_release(&state->scan);
	cks_extras_reset(&state->extras);
	state->started = false;
}

static void
cksEndForeignScan(ForeignScanState *node)
{
	CksScanState *state = node->fdw_state;

	if (state)
	{
		cks_scan_release(&state->scan);
		cks_extras_reset(&state->extras);
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
 * at once if there is progress, and when a backoff or curl timeout ends;
 * otherwise never (socket activity makes it readable).
 *
 * Cancel and statement_timeout need no wake-up of ours: since 15.7 (and
 * 14.12, 16.3) the Append's WaitEventSetWait watches the latch and runs
 * CHECK_FOR_INTERRUPTS (nodeAppend.c, ExecAppendAsyncEventWait).  Older
 * minor releases do not, so there, and only while requests are in flight
 * (an idle scan is not waiting here at all), the timer also fires every
 * CKS_ASYNC_POLL_MS so that the next Notify's ExecScan checks interrupts.
 */
#if PG_VERSION_NUM < 140012 || \
	(PG_VERSION_NUM >= 150000 && PG_VERSION_NUM < 150007) || \
	(PG_VERSION_NUM >= 160000 && PG_VERSION_NUM < 160003)
#define CKS_ASYNC_POLL_MS	100
#endif

static long
async_wakeup_ms(CksScanState *state)
{
	long		ms;

	if (cks_scan_ready(&state->scan))
		return 0;
	ms = cks_scan_next_wakeup_ms(&state->scan);
#ifdef CKS_ASYNC_POLL_MS
	if (ms < 0 || ms > CKS_ASYNC_POLL_MS)
		ms = CKS_ASYNC_POLL_MS;
#endif
	return ms;
}

/*
 * An Append gives each waiting subplan room for one event: the scan offers
 * the fd of its CksWaitSet (src/net/async_wait.c), readable when the timer
 * armed here ends and, for the one scan that watches, on socket activity
 * of any transfer.
 */
static void
cksForeignAsyncConfigureWait(AsyncRequest *areq)
{
	ForeignScanState *node = (ForeignScanState *) areq->requestee;
	CksScanState *state = node->fdw_state;
	int			fd;

	fd = cks_wait_set_prepare(&state->wait_set, areq,
							  node->ss.ps.state->es_query_cxt,
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

/* "Extra Calls": the follow-up calls the scan makes for the columns it
 * reads (key_extras.c), when there are any. */
static void
explain_extra_calls(ForeignScanState *node, const CksTableKind *kind,
					ExplainState *es)
{
	ForeignScan *plan = (ForeignScan *) node->ss.ps.plan;
	Relation	rel = node->ss.ss_currentRelation;
	CksRowBuilder builder;
	Bitmapset  *attrs = NULL;
	ListCell   *lc;
	char	   *calls;

	if (kind->extras[0] == NULL)
		return;
	foreach(lc, (List *) list_nth(plan->fdw_private, FdwPrivateRetrievedAttrs))
		attrs = bms_add_member(attrs, lfirst_int(lc) - FirstLowInvalidHeapAttributeNumber);
	cks_row_builder_init(&builder, kind, rel,
						 cks_map_table_columns(kind, RelationGetRelid(rel),
											   RelationGetDescr(rel)),
						 attrs, true);
	calls = cks_extras_explain(kind, builder.extra_wanted);
	if (calls != NULL)
		ExplainPropertyText("Extra Calls", calls, es);
}

static void
cksExplainForeignScan(ForeignScanState *node, ExplainState *es)
{
	ForeignScan *plan = (ForeignScan *) node->ss.ps.plan;
	CksScanState *state = node->fdw_state;
	const char *filters = strVal(list_nth(plan->fdw_private, FdwPrivateExplainFilters));
	const char *regions = strVal(list_nth(plan->fdw_private, FdwPrivateExplainRegions));
	const char *accounts = strVal(list_nth(plan->fdw_private, FdwPrivateExplainAccounts));
	const char *strategy = strVal(list_nth(plan->fdw_private, FdwPrivateExplainStrategy));
	const CksTableKind *kind = cks_table_kind_of(RelationGetRelid(node->ss.ss_currentRelation));
	char	   *label = psprintf("%s Request", kind->operation->service->display_name);

	ExplainPropertyText(label,
						strVal(list_nth(plan->fdw_private, FdwPrivateExplainRequest)), es);
	if (strategy[0] != '\0')
		ExplainPropertyText("Lookup Strategy", strategy, es);
	ExplainPropertyText("Regions", regions[0] ? regions : "(none)", es);
	if (accounts[0] != '\0')
		ExplainPropertyText("Accounts", accounts, es);
	if (filters[0] != '\0')
		ExplainPropertyText("Call Filter", filters, es);
	explain_extra_calls(node, kind, es);

	if (es->analyze && state)
	{
		ExplainPropertyInteger("Requests", NULL,
							   state->scan.stats.requests + state->sts_requests +
							   state->extras.requests, es);
		ExplainPropertyInteger("Pages", NULL, state->scan.stats.pages, es);
		/* timing-dependent: with VERBOSE only, so plain plans stay stable */
		if (es->verbose)
		{
			ExplainPropertyInteger("Throttled", NULL,
								   state->scan.stats.throttled + state->extras.throttled, es);
			ExplainPropertyInteger("Quota Wait", "ms",
								   state->scan.stats.quota_wait_ms +
								   state->extras.quota_wait_ms, es);
		}
		if (state->opts.accounts)
			ExplainPropertyInteger("Accounts Called", NULL, state->accounts_called, es);
		if (state->scan.stats.failed_regions != NIL)
			ExplainPropertyText("Failed Regions",
								cks_join_strings(state->scan.stats.failed_regions), es);
	}
}

/* IMPORT FOREIGN SCHEMA kms / cloudhsm / cloudwatch: one CREATE per table kind. */
static List *
cksImportForeignSchema(ImportForeignSchemaStmt *stmt, Oid serverOid)
{
	return cks_import_statements(stmt, GetForeignServer(serverOid));
}
