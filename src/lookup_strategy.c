/*-------------------------------------------------------------------------
 *
 * lookup_strategy.c
 *	  Lookups or one scan.  A pushed id or name is one lookup per value and
 *	  (account, region); AWS's quota for the operation (5 per second for
 *	  DescribeCustomKeyStores) lets a burst through and then paces the
 *	  rest, so eight ids take most of a second of lookups, while one scan
 *	  of a region that fits in one page takes one request.  The planner
 *	  compares the two in seconds, with the quota the request scheduler
 *	  will pace to (AWS's default or the server's request_quotas, at the
 *	  pace of net/quota_bucket.c), and the executor then sends
 *	  either the lookups or the listing, filtered locally by the values.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "lib/stringinfo.h"
#include "lookup_strategy.h"
#include "net/request_quotas.h"

bool
cks_lookups_replaceable(const CksTableKind *kind, int column)
{
	const CksPushdown *pushdown = cks_kind_pushdown(kind, column);
	const CksOperation *op = kind->operation;

	return pushdown != NULL && !pushdown->resolved_by_aws &&
		op->expansion == NULL && !cks_operation_takes_lists(op) &&
		cks_lookup_operation(op) == op;
}

double
cks_scan_pages(const CksTableKind *kind, int page_size, double rows_per_region)
{
	int			limit = Min(page_size, kind->operation->page.max_limit);

	return Max(1.0, ceil(Max(rows_per_region, 1) / Max(limit, 1)));
}

/*
 * Requests sent at once end one round trip after the last one gets its
 * token; requests in turn also wait for each other's answers, so they
 * take the longer of their round trips and their tokens.
 */
double
cks_requests_seconds(const CksOperation *op, const CksScanOptions *opts,
					 double n, bool in_turn)
{
	double		rate = cks_quota_rate(opts->request_quotas, op->action);
	double		paced = CKS_PLAN_REQUEST_SECONDS + cks_quota_token_seconds(rate, n);

	if (n <= 0)
		return 0;
	return in_turn ? Max(paced, n * CKS_PLAN_REQUEST_SECONDS) : paced;
}

void
cks_weigh_lookups(const CksTableKind *kind, const CksScanOptions *opts,
				  double rows_per_region, double lookups, bool per_outer_row,
				  CksLookupChoice *choice)
{
	const CksOperation *lookup = cks_lookup_operation(kind->operation);

	choice->per_outer_row = per_outer_row;
	choice->lookups = Max(lookups, 1);
	choice->lookup_rate = cks_quota_rate(opts->request_quotas, lookup->action);
	choice->lookup_seconds = cks_requests_seconds(lookup, opts, choice->lookups,
												  per_outer_row);
	choice->pages = cks_scan_pages(kind, opts->page_size, rows_per_region);
	choice->scan_seconds = cks_requests_seconds(kind->operation, opts,
												choice->pages, true);
	choice->one_scan = choice->scan_seconds < choice->lookup_seconds;
}

/* "8 lookups at 5/s ~ 0.8 s", "~12 rows at 5/s ~ 2.1 s" */
static void
append_lookups(StringInfo buf, const CksLookupChoice *choice)
{
	if (choice->per_outer_row)
		appendStringInfo(buf, "~%.0f rows", choice->lookups);
	else
		appendStringInfo(buf, "%.0f lookup%s", choice->lookups,
						 choice->lookups == 1 ? "" : "s");
	if (choice->lookup_rate > 0)
		appendStringInfo(buf, " at %g/s", choice->lookup_rate);
	appendStringInfo(buf, " ~ %.1f s", choice->lookup_seconds);
}

char *
cks_lookup_strategy_text(const CksLookupChoice *choice)
{
	StringInfoData buf;

	initStringInfo(&buf);
	if (choice->one_scan)
		appendStringInfoString(&buf, choice->per_outer_row ?
							   "one scan (a lookup per outer row, " : "one scan (");
	else if (choice->per_outer_row)
		appendStringInfoString(&buf, "a lookup per outer row (");
	else
		appendStringInfoString(&buf, "lookups (");
	append_lookups(&buf, choice);
	appendStringInfo(&buf, " %s %.0f page%s ~ %.1f s)",
					 choice->lookup_seconds > choice->scan_seconds ? ">" : "<=",
					 choice->pages,
					 choice->pages == 1 ? "" : "s", choice->scan_seconds);
	return buf.data;
}
