/*-------------------------------------------------------------------------
 *
 * scan_failures.c
 *	  What a scan's failed request means: an id that does not exist (zero
 *	  rows), credentials refused as expired (renewed once for the
 *	  account), or a failure of one (account, region) that on_error turns
 *	  into an error or into a warning listed under EXPLAIN ANALYZE's
 *	  Failed Regions.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "scan/scan_failures.h"
#include "scan/streams.h"

static void
note_failed_region(CksScanStats *stats, char *failure)
{
	ListCell   *lc;

	foreach(lc, stats->failed_regions)
	{
		if (strcmp((const char *) lfirst(lc), failure) == 0)
		{
			pfree(failure);
			return;
		}
	}
	stats->failed_regions = lappend(stats->failed_regions, failure);
}

/*
 * For EXPLAIN ANALYZE under on_error 'warn': "[account/]region (code)".
 * The stats outlive restarts (a nested loop's rescans reset scan->cxt),
 * so the list lives in the query's context, and a failure already listed
 * is not added again: thousands of rescans add nothing.
 */
void
cks_scan_note_failure(CksScan *scan, const char *account, const char *region,
					  const CksCall *call)
{
	MemoryContext old = MemoryContextSwitchTo(scan->stats_cxt);

	note_failed_region(&scan->stats,
					   psprintf("%s%s%s (%s)", account ? account : "",
								account ? "/" : "", region,
								call->error.code ? call->error.code :
								call->error.kind == CKS_ERR_TRANSPORT ? "unreachable" : "bad response"));
	MemoryContextSwitchTo(old);
}

void
cks_scan_record_failure(CksScan *scan, CksStream *stream, const CksCall *call)
{
	stream->failed = true;
	if (stream->has_page)
		aws_json_page_free(&stream->page);
	stream->has_page = false;
	cks_scan_note_failure(scan, stream->account_id, stream->region, call);
}

void
cks_stream_failed(CksScan *scan, CksStream *stream)
{
	CksCall    *call = &stream->call;
	const char *not_found = stream->operation->not_found_code;
	const char *account = stream->account_id;

	stream->finished = true;
	/* an id or name that does not exist is zero rows, not an error */
	if (stream->lookup_parameter >= 0 && not_found &&
		cks_call_failed_with(call, not_found))
	{
		cks_call_reset(call);
		return;
	}
	if (!scan->on_error_warn)
		cks_call_report(call, ERROR, cks_stream_describe(stream), account);

	cks_call_report(call, WARNING, cks_stream_describe(stream), account);
	cks_scan_record_failure(scan, stream, call);
	cks_call_reset(call);
}

/*
 * Credentials we thought fresh were refused as expired (revoked, or an
 * expiry we were told wrong).  Renew them once for the account of stream
 * 'index': every stream that signs with the same credentials (the same
 * account) takes the new ones.  A request that went out with credentials
 * a sibling has renewed since just asks again with the stream's current
 * ones.  Returns the credentials to ask again with, or NULL: report the
 * failure (no renewal here, or renewed once already).
 */
const SigV4Credentials *
cks_scan_renewed_signer(CksScan *scan, int index,
						const SigV4Credentials *signed_with)
{
	CksStream  *stream = &scan->streams[index];
	const SigV4Credentials *fresh;

	if (scan->renew_credentials == NULL)
		return NULL;
	if (stream->credentials != signed_with)
		return stream->credentials;
	if (stream->credentials_renewed)
		return NULL;
	fresh = scan->renew_credentials(scan->renew_arg, stream);
	for (int i = 0; i < scan->nstreams; i++)
	{
		if (scan->streams[i].credentials == signed_with)
		{
			scan->streams[i].credentials = fresh;
			scan->streams[i].credentials_renewed = true;
		}
	}
	return fresh;
}

/* A listing's request refused as expired: true when it may ask again. */
bool
cks_stream_renewed_credentials(CksScan *scan, CksStream *stream)
{
	if (!cks_call_failed_as_expired(&stream->call))
		return false;
	return cks_scan_renewed_signer(scan, stream - scan->streams,
								   stream->signed_with) != NULL;
}
