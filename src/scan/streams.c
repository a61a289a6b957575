/*-------------------------------------------------------------------------
 *
 * streams.c
 *	  The bottom of a scan's pipeline: its streams as data.  Adding the
 *	  streams of a set whose credentials are known, asking for a stream's
 *	  next page, counting what is in flight under the scan's cap (streams,
 *	  follow-ups and accounts' credential calls alike), and describing a
 *	  stream for messages.  It calls no other stage: every stage above
 *	  (scan_failures.c, follow_ups.c, scan_accounts.c, scan.c) may use it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "aws/aws_names.h"
#include "mb/pg_wchar.h"
#include "scan/streams.h"
#include "utils/memutils.h"

/* A new stream at the end of the array (in the scan's context). */
static CksStream *
init_stream(CksScan *scan, const CksStreamSet *set, const char *region,
			const char *value)
{
	CksStream  *stream;
	int			p;

	if (scan->nstreams == scan->allocated)
	{
		scan->allocated = Max(8, scan->allocated * 2);
		scan->streams = scan->streams ?
			repalloc(scan->streams, sizeof(CksStream) * scan->allocated) :
			palloc(sizeof(CksStream) * scan->allocated);
	}
	stream = &scan->streams[scan->nstreams++];
	memset(stream, 0, sizeof(CksStream));
	stream->operation = set->operation;
	if (set->operation->expansion != NULL)
		scan->expands = true;
	stream->account_id = set->account_id;
	stream->name_account = set->name_account;
	stream->credentials = set->credentials;
	stream->region = region;
	stream->url = cks_endpoint_for_region(set->endpoint_template, region);
	stream->lookup_parameter = value ? set->parameter : -1;
	for (p = 0; p < CKS_MAX_OPERATION_PARAMETERS; p++)
		if (set->fixed[p] != NULL)
			stream->values[p] = pstrdup(set->fixed[p]);
	if (value)
		stream->values[set->parameter] = value;
	return stream;
}

/*
 * An operation whose parameters are lists (DescribeClusters's clusterIds,
 * GetMetricData's KeyStoreIds) is asked about many values at once: one
 * stream per as many values as one request takes (100 filter values, or
 * the stores whose queries fit in 500), not one per value.
 */
static void
add_filter_streams(CksScan *scan, const CksStreamSet *set, const char *region)
{
	int			nvalues = list_length(set->values);
	const char **values = palloc(sizeof(const char *) * Max(nvalues, 1));
	int			per_request = cks_operation_values_per_request(set->operation,
															   set->fixed);
	int			first;
	int			i;

	for (i = 0; i < nvalues; i++)
		values[i] = list_nth(set->values, i);
	for (first = 0; first < nvalues; first += per_request)
		(void) init_stream(scan, set, region,
						   aws_json_string_list(values + first,
												Min(nvalues - first,
													per_request)));
	pfree(values);
}

/*
 * One stream per region, or per region and value: the set's credentials
 * are known (or none are needed), so nothing waits for an account.
 */
void
cks_streams_add(CksScan *scan, const CksStreamSet *set)
{
	MemoryContext old = MemoryContextSwitchTo(scan->cxt);
	ListCell   *lr;

	Assert(set->parameter < CKS_MAX_OPERATION_PARAMETERS);
	foreach(lr, set->regions)
	{
		const char *region = pstrdup(lfirst(lr));
		ListCell   *lv;

		if (set->parameter < 0)
			(void) init_stream(scan, set, region, NULL);
		else if (cks_operation_takes_lists(set->operation))
			add_filter_streams(scan, set, region);
		else
			foreach(lv, set->values)
				(void) init_stream(scan, set, region, pstrdup(lfirst(lv)));
	}
	MemoryContextSwitchTo(old);
}

/* Prepare the stream's next request. */
void
cks_stream_request_page(CksScan *scan, CksStream *stream)
{
	const CksOperation *op = stream->operation;
	int			limit = 0;
	MemoryContext old = MemoryContextSwitchTo(scan->cxt);

	/* a lookup returns at most one entry; the limit only matters for lists */
	if (stream->lookup_parameter < 0 || !op->lookups_unpaged)
		limit = Min(scan->page_size, op->page.max_limit);

	cks_call_reset(&stream->call);
	cks_call_init(&stream->call, op, stream->url, stream->region,
				  op->build_request(op, stream->values, stream->token, limit),
				  stream->credentials, &scan->settings);
	stream->call.account = stream->account_id;
	stream->signed_with = stream->credentials;
	stream->started = true;
	MemoryContextSwitchTo(old);
}

bool
cks_stream_waits_for_page(const CksStream *stream)
{
	return stream->started && !stream->finished && !stream->has_page;
}

bool
cks_scan_account_in_flight(const CksScanAccount *account)
{
	return account->started && !account->answered;
}

/*
 * An account's call that waits for its quota's next token (AssumeRole
 * calls beyond what STS serves at once) is not on the wire: its place goes
 * to the streams of accounts whose credentials are known.
 */
bool
cks_scan_account_waits_for_quota(const CksScanAccount *account)
{
	return cks_scan_account_in_flight(account) &&
		cks_call_waits_for_quota(&account->call);
}

/* Requests in flight (or backing off): listings, follow-ups and accounts'
 * credential calls alike, since all share the scan's cap; but not an
 * account's call waiting for its quota (scan_accounts.c bounds those). */
int
cks_scan_requests_in_flight(CksScan *scan)
{
	int			active = 0;
	int			i;

	for (i = 0; i < scan->nstreams; i++)
		if (cks_stream_waits_for_page(&scan->streams[i]))
			active++;
	if (scan->follow_ups != NULL)
		for (i = 0; i < scan->max_in_flight; i++)
			if (scan->follow_ups[i].busy && !scan->follow_ups[i].has_page)
				active++;
	for (i = 0; i < scan->naccounts; i++)
		active += cks_scan_account_in_flight(&scan->accounts[i]) &&
			!cks_scan_account_waits_for_quota(&scan->accounts[i]);
	return active;
}

/* "in region \"r\"", or "in account \"a\" region \"r\"" in a scan of
 * several accounts, where the region alone does not say which failed. */
char *
cks_describe_place(const char *account_id, bool name_account,
				   const char *region)
{
	if (name_account && account_id != NULL)
		return psprintf("in account \"%s\" region \"%s\"", account_id, region);
	return psprintf("in region \"%s\"", region);
}

/* "Action [of Parameter \"value\"] in [account ... ]region ...": what a
 * message about this stream names. */
char *
cks_stream_describe(const CksStream *stream)
{
	int			p = stream->lookup_parameter;
	char	   *place = cks_describe_place(stream->account_id,
										   stream->name_account, stream->region);

	/* a list of up to 500 store ids is cut: a message stays short */
	if (p >= 0 && strlen(stream->values[p]) > 160)
		return psprintf("%s of %s \"%.*s...\" %s", stream->operation->action,
						stream->operation->parameters[p],
						pg_mbcliplen(stream->values[p], strlen(stream->values[p]), 120),
						stream->values[p], place);
	if (p >= 0)
		return psprintf("%s of %s \"%s\" %s", stream->operation->action,
						stream->operation->parameters[p], stream->values[p],
						place);
	return psprintf("%s %s", stream->operation->action, place);
}

/* The page is used up: ask for the next one, or end the stream. */
void
cks_stream_page_consumed(CksScan *scan, CksStream *stream)
{
	bool		more = stream->page.truncated;

	aws_json_page_free(&stream->page);
	stream->has_page = false;
	if (more)
		cks_stream_request_page(scan, stream);
	else
		stream->finished = true;
}
