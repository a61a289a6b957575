/*-------------------------------------------------------------------------
 *
 * follow_ups.c
 *	  The expansion stage of a scan (see CksExpansion in aws_service.h):
 *	  every entry of a listing that only names things (ListKeys) is replaced
 *	  by the single entry its follow-up request answers (DescribeKey).
 *	  Follow-ups start as soon as a page of the listing arrives, share the
 *	  scan's cap on requests in flight with the listings, and are emitted
 *	  in the order they finish; each lives in its own slot, whose memory is
 *	  reset when the slot is reused.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <json-c/json.h>

#include "scan/follow_ups.h"
#include "scan/scan_failures.h"
#include "scan/streams.h"
#include "utils/memutils.h"

void
cks_follow_up_release(CksFollowUp *follow_up)
{
	if (follow_up->has_page)
		aws_json_page_free(&follow_up->page);
	follow_up->has_page = false;
	cks_call_reset(&follow_up->call);
	follow_up->busy = false;
}

static CksFollowUp *
free_follow_up(CksScan *scan)
{
	int			i;

	if (scan->follow_ups == NULL)
	{
		scan->follow_ups = MemoryContextAllocZero(scan->cxt,
												  sizeof(CksFollowUp) * scan->max_in_flight);
		for (i = 0; i < scan->max_in_flight; i++)
			scan->follow_ups[i].cxt = AllocSetContextCreate(scan->cxt,
															"cks_fdw follow-up",
															ALLOCSET_SMALL_SIZES);
	}
	for (i = 0; i < scan->max_in_flight; i++)
		if (!scan->follow_ups[i].busy)
			return &scan->follow_ups[i];
	return NULL;
}

/*
 * The value the follow-up of a listed entry sends (its KeyId).  A listing
 * entry without it is not what the API promises: an error, as any
 * malformed page is.
 */
static const char *
entry_value_to_expand(const CksStream *stream, struct json_object *entry)
{
	const CksExpansion *expansion = stream->operation->expansion;
	bool		type_ok;
	const char *value = aws_json_entry_string(entry, expansion->entry_field,
											  &type_ok);

	if (value == NULL || value[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
				 errmsg("%s returned an entry without a string \"%s\"",
						cks_stream_describe(stream), expansion->entry_field),
				 errhint("The endpoint did not answer like AWS %s; check the server's endpoint option.",
						 stream->operation->service->signing_name)));
	return value;
}

static void
start_follow_up(CksScan *scan, CksFollowUp *follow_up, int stream_index)
{
	CksStream  *stream = &scan->streams[stream_index];
	const CksExpansion *expansion = stream->operation->expansion;
	const CksOperation *op = expansion->operation;
	struct json_object *entry =
		json_object_array_get_idx(stream->page.entries, stream->next_entry++);
	int			parameter = cks_operation_parameter(op, expansion->parameter);
	MemoryContext old;

	Assert(parameter >= 0);
	MemoryContextReset(follow_up->cxt);
	old = MemoryContextSwitchTo(follow_up->cxt);
	memset(follow_up->values, 0, sizeof(follow_up->values));
	follow_up->values[parameter] = pstrdup(entry_value_to_expand(stream, entry));
	follow_up->stream = stream_index;
	follow_up->busy = true;
	follow_up->has_page = false;
	cks_call_init(&follow_up->call, op, stream->url, stream->region,
				  op->build_request(op, follow_up->values, NULL, 0),
				  stream->credentials, &scan->settings);
	follow_up->call.account = stream->account_id;
	MemoryContextSwitchTo(old);
}

/*
 * Start follow-ups for listed entries while the cap allows.  A page whose
 * entries have all been handed out is released at once and the next one
 * asked for, so the listing runs ahead of the follow-ups by at most a page.
 */
void
cks_follow_ups_start(CksScan *scan)
{
	int			active;
	int			i;

	/* called for every row: a scan without expansion skips both walks */
	if (!scan->expands)
		return;
	active = cks_scan_requests_in_flight(scan);

	for (i = 0; i < scan->nstreams; i++)
	{
		CksStream  *stream = &scan->streams[i];
		CksFollowUp *follow_up;

		if (!stream->has_page || stream->operation->expansion == NULL)
			continue;
		while (stream->next_entry < stream->page.nentries &&
			   active < scan->max_in_flight &&
			   (follow_up = free_follow_up(scan)) != NULL)
		{
			start_follow_up(scan, follow_up, i);
			active++;
		}
		if (stream->next_entry >= stream->page.nentries)
		{
			cks_stream_page_consumed(scan, stream);
			if (cks_stream_waits_for_page(stream))
				active++;
		}
	}
}

static char *
describe_follow_up(const CksScan *scan, const CksFollowUp *follow_up)
{
	const CksStream *stream = &scan->streams[follow_up->stream];
	const CksExpansion *expansion = stream->operation->expansion;
	int			p = cks_operation_parameter(expansion->operation,
											expansion->parameter);

	return psprintf("%s of %s \"%s\" in region \"%s\"",
					expansion->operation->action, expansion->parameter,
					follow_up->values[p], stream->region);
}

/*
 * A follow-up failed.  Its thing vanished since the listing (NotFound):
 * the entry is skipped.  Otherwise the listing it expands fails as a whole
 * -- an error, or under on_error 'warn' one warning, after which the rest
 * of that listing is dropped rather than warned about key by key.
 */
void
cks_follow_up_failed(CksScan *scan, CksFollowUp *follow_up)
{
	CksStream  *stream = &scan->streams[follow_up->stream];
	const char *not_found = stream->operation->expansion->operation->not_found_code;

	if (!stream->failed &&
		!(not_found && cks_call_failed_with(&follow_up->call, not_found)))
	{
		if (!scan->on_error_warn)
			cks_call_report(&follow_up->call, ERROR,
							describe_follow_up(scan, follow_up), stream->account_id);
		cks_call_report(&follow_up->call, WARNING,
						describe_follow_up(scan, follow_up), stream->account_id);
		cks_scan_record_failure(scan, stream, &follow_up->call);
		/* the listing stops too, its next page perhaps in flight */
		cks_call_reset(&stream->call);
		stream->finished = true;
	}
	cks_follow_up_release(follow_up);
}

void
cks_follow_up_answered(CksScan *scan, CksFollowUp *follow_up)
{
	CksStream  *stream = &scan->streams[follow_up->stream];
	CksCall    *call = &follow_up->call;
	CksAwsError err;
	MemoryContext old = MemoryContextSwitchTo(follow_up->cxt);

	memset(&err, 0, sizeof(err));
	if (!aws_json_parse_page(&stream->operation->expansion->operation->page,
							 call->response_body, call->response_len,
							 call->http_status, &follow_up->page, &err))
	{
		cks_call_fail_bad_response(call, &err);
		MemoryContextSwitchTo(old);
		cks_follow_up_failed(scan, follow_up);
		return;
	}
	MemoryContextSwitchTo(old);
	follow_up->has_page = true;
	cks_call_reset(call);
	if (stream->failed || follow_up->page.nentries == 0)
		cks_follow_up_release(follow_up);
}

/* A follow-up holding an answer not yet emitted, or NULL. */
CksFollowUp *
cks_follow_up_with_entry(CksScan *scan)
{
	int			i;

	if (scan->follow_ups == NULL)
		return NULL;
	for (i = 0; i < scan->max_in_flight; i++)
		if (scan->follow_ups[i].has_page)
			return &scan->follow_ups[i];
	return NULL;
}
