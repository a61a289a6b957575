/*-------------------------------------------------------------------------
 *
 * analyze.c
 *	  ANALYZE for cks_fdw foreign tables.  AWS has no statistics to ask
 *	  for, so ANALYZE lists every account and region of the server in
 *	  full, page by page, exactly as a full scan of the table's kind does
 *	  (scan.c, scan_start.c), and keeps a reservoir sample of the
 *	  rows (Vitter's algorithm, as analyze.c, postgres_fdw and file_fdw do).
 *	  PostgreSQL then stores per-column statistics from the sample and the
 *	  count in pg_class.reltuples, which cksGetForeignRelSize prefers to the
 *	  estimated_rows guess unless a user set estimated_rows on purpose.
 *
 *	  Only sampled entries are converted to rows, so memory stays bounded
 *	  by the sample plus one page per account and region, whatever they
 *	  hold.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <time.h>

#include "access/htup_details.h"
#include "access/sysattr.h"
#include "credentials/account_roles.h"
#include "analyze.h"
#include "aws/metric_queries.h"
#include "commands/defrem.h"
#include "credentials/credentials.h"
#include "credentials/user_mapping.h"
#include "miscadmin.h"
#include "options.h"
#include "organization.h"
#include "rows.h"
#include "scan/scan.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/sampling.h"

/* Where the sample stands: the reservoir and how many rows went past. */
typedef struct SampleState
{
	HeapTuple  *rows;			/* ANALYZE's array, targrows long */
	int			targrows;
	int			numrows;		/* filled slots */
	double		rows_seen;
	double		rows_to_skip;	/* -1: not drawn yet */
	ReservoirStateData reservoir;
} SampleState;

static bool
options_set_estimated_rows(List *options)
{
	ListCell   *lc;

	foreach(lc, options)
		if (strcmp(((DefElem *) lfirst(lc))->defname, "estimated_rows") == 0)
			return true;
	return false;
}

bool
cks_estimated_rows_is_set(ForeignTable *table)
{
	return options_set_estimated_rows(table->options) ||
		options_set_estimated_rows(GetForeignServer(table->serverid)->options);
}

/*
 * The slot the row just seen goes to, or -1 when it is not sampled.  The
 * first targrows rows fill the reservoir; later ones replace a random
 * slot at the gaps reservoir_get_next_S draws, so every row has the same
 * chance whatever the total, which is not known in advance.
 */
static int
sample_slot(SampleState *sample)
{
	int			slot;

	sample->rows_seen += 1;
	if (sample->numrows < sample->targrows)
		return sample->numrows++;

	if (sample->rows_to_skip < 0)
		sample->rows_to_skip = reservoir_get_next_S(&sample->reservoir,
													sample->rows_seen,
													sample->targrows);
	if (sample->rows_to_skip <= 0)
	{
		slot = (int) (sample->targrows *
					  sampler_random_fract(&sample->reservoir.randstate));
		Assert(slot >= 0 && slot < sample->targrows);
		heap_freetuple(sample->rows[slot]);
		sample->rows[slot] = NULL;
	}
	else
		slot = -1;
	sample->rows_to_skip -= 1;
	return slot;
}

/*
 * What signs the listing: without the server option accounts, the
 * mapping's keys (or its role's, in the role's one account) for one set
 * of streams; with it, one set per account, each signed by the role
 * assumed in that account, which the scan's own loop assumes (as a
 * query's scan does, scan_start.c).
 */
static void
add_account_streams(CksScan *scan, CksStreamSet *set,
					const CksCredentialContext *cred, bool needs_account_id)
{
	const CksCredentialCalls *calls;
	List	   *accounts;
	ListCell   *lc;

	cks_check_account_template(cred);
	if (cred->opts->accounts == NULL)
	{
		if (needs_account_id)
			set->account_id = cks_get_account_id(cred);
		set->credentials = cks_get_credentials(cred);
		cks_scan_add_streams(scan, set);
		return;
	}
	accounts = cks_server_accounts(cred);
	calls = cks_role_credential_calls(cred);
	scan->credential_calls = calls;
	set->name_account = true;
	set->credentials = NULL;
	foreach(lc, accounts)
	{
		set->account_id = lfirst(lc);
		cks_scan_add_streams(scan, set);
	}
}

/*
 * A table whose operation must be told what to ask about (key_store_metrics)
 * samples what a query without quals reads: the stores listed first, each
 * asked about the last 3 hours with the defaults.  After cks_scan_begin.
 */
static void
set_up_discovery(CksScan *scan, const CksScanOptions *opts,
				 const CksOperation *op, CksStreamSet *set)
{
	const char *fixed[CKS_MAX_OPERATION_PARAMETERS] = {0};
	int64		end = (int64) time(NULL);

	fixed[CKS_METRIC_PARAM_START] = psprintf(INT64_FORMAT,
											 end - CKS_METRIC_DEFAULT_WINDOW_SECONDS);
	fixed[CKS_METRIC_PARAM_END] = psprintf(INT64_FORMAT, end);
	cks_scan_set_discovery(scan, op,
						   cks_service_endpoint(opts, op->service->endpoint_option),
						   fixed);
	set->operation = op->discovery->operation;
	set->endpoint_template = cks_service_endpoint(opts,
												  set->operation->service->endpoint_option);
}

/*
 * The remote side of the listing: a full scan of every account and region
 * of the server, set up as the table owner (ANALYZE runs as the owner, and
 * postgres_fdw uses the owner's mapping too), for the table's kind.
 * Everything is allocated in 'cxt': deleting it releases the transfers
 * and pages through the scan's reset callback, also on error.
 */
static CksScan *
begin_listing(Relation relation, MemoryContext cxt, CksRowBuilder *builder)
{
	ForeignTable *table = GetForeignTable(RelationGetRelid(relation));
	const CksTableKind *kind = cks_table_kind_of(table->relid);
	CksScanOptions *opts = palloc0(sizeof(CksScanOptions));
	CksScan    *scan = palloc0(sizeof(CksScan));
	CksCredentialContext *cred = palloc0(sizeof(CksCredentialContext));
	/* counted into while the listing's loop assumes roles: outlives this call */
	int		   *sts_requests = palloc0(sizeof(int));
	UserMapping *user;
	CksStreamSet set;

	cks_get_scan_options(table->serverid, table->relid, opts);
	user = cks_get_user_mapping(relation->rd_rel->relowner, table->serverid);
	cks_row_builder_init(builder, kind, relation,
						 cks_map_table_columns(kind, RelationGetRelid(relation),
											   RelationGetDescr(relation)),
						 bms_make_singleton(0 - FirstLowInvalidHeapAttributeNumber),
						 opts->show_sensitive);
	cks_scan_configure_for_kind(scan, opts, kind, opts->page_size);

	memset(&set, 0, sizeof(set));
	set.operation = kind->operation;
	set.parameter = -1;
	set.regions = opts->regions;
	set.endpoint_template = cks_service_endpoint(opts,
												 set.operation->service->endpoint_option);
	cks_credential_context_init(cred, user, opts, &scan->settings,
								sts_requests);
	if (cred->mapping.credential_source != CKS_SOURCE_NONE)
		scan->settings.credential_source =
			cks_credential_source_name(cred->mapping.credential_source);
	cks_scan_begin(scan, cxt);
	if (kind->operation->discovery != NULL)
		set_up_discovery(scan, opts, kind->operation, &set);
	add_account_streams(scan, &set, cred, builder->needs_account_id);
	return scan;
}

/*
 * AcquireSampleRowsFunc: lists the whole table and returns up to targrows
 * rows in 'rows', the number listed in *totalrows.  The sample's tuples
 * live in the caller's context, as ANALYZE expects.
 */
static int
acquire_sample_rows(Relation relation, int elevel, HeapTuple *rows,
					int targrows, double *totalrows, double *totaldeadrows)
{
	MemoryContext sample_cxt = CurrentMemoryContext;
	MemoryContext listing_cxt = AllocSetContextCreate(sample_cxt, "cks_fdw analyze",
													  ALLOCSET_DEFAULT_SIZES);
	MemoryContext row_cxt = AllocSetContextCreate(listing_cxt, "cks_fdw analyze row",
												  ALLOCSET_DEFAULT_SIZES);
	TupleDesc	tupdesc = RelationGetDescr(relation);
	SampleState sample = {rows, targrows, 0, 0, -1};
	CksRowBuilder builder;
	CksScan    *scan;
	Datum	   *values;
	bool	   *nulls;
	struct json_object *entry;
	const CksStream *stream;
	bool		would_block;
	int			requests;

	reservoir_init_selection_state(&sample.reservoir, targrows);

	MemoryContextSwitchTo(listing_cxt);
	scan = begin_listing(relation, listing_cxt, &builder);
	values = palloc(sizeof(Datum) * Max(tupdesc->natts, 1));
	nulls = palloc(sizeof(bool) * Max(tupdesc->natts, 1));

	while ((entry = cks_scan_next(scan, &stream, true, &would_block)) != NULL)
	{
		int			slot = sample_slot(&sample);

		if (slot >= 0)
		{
			MemoryContextSwitchTo(row_cxt);
			cks_build_row(&builder, entry, NULL, stream->region, stream->account_id,
						  values, nulls);
			MemoryContextSwitchTo(sample_cxt);
			rows[slot] = heap_form_tuple(tupdesc, values, nulls);
			MemoryContextSwitchTo(listing_cxt);
			MemoryContextReset(row_cxt);
		}
		CHECK_FOR_INTERRUPTS();
	}
	requests = scan->stats.requests;

	MemoryContextSwitchTo(sample_cxt);
	MemoryContextDelete(listing_cxt);

	*totalrows = sample.rows_seen;
	*totaldeadrows = 0;
	ereport(elevel,
			(errmsg("\"%s\": listed %.0f rows with %d requests, %d rows in sample",
					RelationGetRelationName(relation), sample.rows_seen,
					requests, sample.numrows)));
	return sample.numrows;
}

/*
 * The AnalyzeForeignTable callback.  The page count PostgreSQL stores in
 * relpages means nothing for an API and the planner does not read it for
 * cks_fdw tables; 1 is what postgres_fdw reports for an empty remote.
 */
bool
cks_analyze_foreign_table(Relation relation, AcquireSampleRowsFunc *func,
						  BlockNumber *totalpages)
{
	*func = acquire_sample_rows;
	*totalpages = 1;
	return true;
}
