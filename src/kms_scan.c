/*-------------------------------------------------------------------------
 *
 * kms_scan.c
 *	  Running a scan's DescribeCustomKeyStores streams: starting them,
 *	  paginating each with its marker, turning each page into entries, and
 *	  deciding what a failed stream means (no such id, a warning, or an
 *	  error).
 *
 *	  Pages are json-c trees (malloc'd) and transfers live in libcurl; a
 *	  reset callback on the scan's memory context frees both, so an error
 *	  anywhere in the query leaks neither.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <json-c/json.h>

#include "kms_scan.h"
#include "options.h"
#include "utils/memutils.h"

static void
release_stream(CksStream *stream)
{
	if (stream->has_page)
		kms_page_free(&stream->page);
	stream->has_page = false;
	cks_call_reset(&stream->call);
}

void
cks_kms_scan_release(CksKmsScan *scan)
{
	int			i;

	for (i = 0; i < scan->nstreams; i++)
		release_stream(&scan->streams[i]);
	scan->nstreams = 0;
	scan->streams = NULL;
}

static void
release_at_context_reset(void *arg)
{
	cks_kms_scan_release((CksKmsScan *) arg);
}

static void
init_stream(CksStream *stream, const char *region, const char *endpoint_template,
			const char *id, const char *name)
{
	memset(stream, 0, sizeof(CksStream));
	stream->region = region;
	stream->url = cks_endpoint_for_region(endpoint_template, region);
	stream->id = id;
	stream->name = name;
}

void
cks_kms_scan_begin(CksKmsScan *scan, MemoryContext parent, List *regions,
				   const char *endpoint_template, bool has_parameter,
				   List *values, bool values_are_names)
{
	MemoryContextCallback *callback;
	MemoryContext old;
	ListCell   *lr;
	int			n = 0;

	if (scan->cxt == NULL)
		scan->cxt = AllocSetContextCreate(parent, "cks_fdw scan",
										  ALLOCSET_DEFAULT_SIZES);
	else
	{
		cks_kms_scan_release(scan);
		MemoryContextReset(scan->cxt);
	}
	old = MemoryContextSwitchTo(scan->cxt);

	callback = palloc0(sizeof(MemoryContextCallback));
	callback->func = release_at_context_reset;
	callback->arg = scan;
	MemoryContextRegisterResetCallback(scan->cxt, callback);

	scan->streams = palloc0(sizeof(CksStream) *
							Max(1, list_length(regions) * Max(1, list_length(values))));
	foreach(lr, regions)
	{
		const char *region = pstrdup(lfirst(lr));
		ListCell   *lv;

		if (!has_parameter)
			init_stream(&scan->streams[n++], region, endpoint_template, NULL, NULL);
		foreach(lv, values)
		{
			const char *value = pstrdup(lfirst(lv));

			init_stream(&scan->streams[n++], region, endpoint_template,
						values_are_names ? NULL : value,
						values_are_names ? value : NULL);
		}
	}
	scan->nstreams = n;
	scan->next_to_start = 0;
	scan->current = 0;
	MemoryContextSwitchTo(old);
}

/* Prepare the stream's next DescribeCustomKeyStores request. */
static void
request_page(CksKmsScan *scan, CksStream *stream)
{
	KmsDescribeParams params;
	MemoryContext old = MemoryContextSwitchTo(scan->cxt);

	memset(&params, 0, sizeof(params));
	params.custom_key_store_id = stream->id;
	params.custom_key_store_name = stream->id ? NULL : stream->name;
	/* a lookup returns at most one entry; Limit only matters for scans */
	if (stream->id == NULL && stream->name == NULL)
		params.limit = scan->page_size;
	params.marker = stream->marker;

	cks_call_reset(&stream->call);
	cks_call_init(&stream->call, CKS_PROTOCOL_JSON, stream->url, stream->region,
				  KMS_SERVICE, KMS_TARGET_DESCRIBE, KMS_CONTENT_TYPE,
				  kms_describe_request_body(&params), scan->credentials,
				  &scan->settings);
	stream->started = true;
	MemoryContextSwitchTo(old);
}

static void
start_due_streams(CksKmsScan *scan)
{
	int			active = 0;
	int			i;

	for (i = 0; i < scan->nstreams; i++)
		if (scan->streams[i].started && !scan->streams[i].finished &&
			!scan->streams[i].has_page)
			active++;
	while (active < CKS_MAX_IN_FLIGHT && scan->next_to_start < scan->nstreams)
	{
		request_page(scan, &scan->streams[scan->next_to_start++]);
		active++;
	}
}

static char *
describe_stream(const CksStream *stream)
{
	if (stream->id)
		return psprintf("DescribeCustomKeyStores of \"%s\" in region \"%s\"",
						stream->id, stream->region);
	if (stream->name)
		return psprintf("DescribeCustomKeyStores of name \"%s\" in region \"%s\"",
						stream->name, stream->region);
	return psprintf("DescribeCustomKeyStores in region \"%s\"", stream->region);
}

static void
stream_failed(CksKmsScan *scan, CksStream *stream)
{
	CksCall    *call = &stream->call;
	MemoryContext old;

	stream->finished = true;
	/* an id or name that does not exist is zero rows, not an error */
	if ((stream->id || stream->name) &&
		cks_call_failed_with(call, "CustomKeyStoreNotFoundException"))
	{
		cks_call_reset(call);
		return;
	}
	if (!scan->on_error_warn)
		cks_call_report(call, ERROR, describe_stream(stream), scan->account_id);

	cks_call_report(call, WARNING, describe_stream(stream), scan->account_id);
	old = MemoryContextSwitchTo(scan->cxt);
	scan->stats.failed_regions =
		lappend(scan->stats.failed_regions,
				psprintf("%s%s%s (%s)", scan->account_id ? scan->account_id : "",
						 scan->account_id ? "/" : "", stream->region,
						 call->error.code ? call->error.code :
						 call->error.kind == CKS_ERR_TRANSPORT ? "unreachable" : "bad response"));
	MemoryContextSwitchTo(old);
	cks_call_reset(call);
}

static bool
marker_seen(const CksStream *stream, const char *marker)
{
	ListCell   *lc;

	foreach(lc, stream->markers_seen)
		if (strcmp((const char *) lfirst(lc), marker) == 0)
			return true;
	return false;
}

/*
 * A server that keeps saying "truncated" must hand out new markers, or a
 * scan would never end.
 */
static void
check_pagination(const CksStream *stream, const KmsPage *page)
{
	if (!page->truncated)
		return;
	if (page->next_marker == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
				 errmsg("%s returned Truncated without a NextMarker", describe_stream(stream))));
	if (marker_seen(stream, page->next_marker))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
				 errmsg("%s returned a NextMarker it had already returned", describe_stream(stream)),
				 errdetail("Paginating further would never end.")));
}

static void
page_arrived(CksKmsScan *scan, CksStream *stream)
{
	CksCall    *call = &stream->call;
	CksAwsError err;
	MemoryContext old = MemoryContextSwitchTo(scan->cxt);

	memset(&err, 0, sizeof(err));
	if (!kms_parse_describe_response(call->response_body, call->response_len,
									 call->http_status, &stream->page, &err))
	{
		/* same treatment as an AWS error: the error is the call's */
		call->state = CKS_CALL_FAILED;
		call->error = err;
		call->error.request_id = call->request_id ? pstrdup(call->request_id) : NULL;
		MemoryContextSwitchTo(old);
		stream_failed(scan, stream);
		return;
	}
	stream->has_page = true;
	stream->next_entry = 0;
	scan->stats.pages++;
	cks_call_reset(call);
	check_pagination(stream, &stream->page);
	if (stream->page.truncated)
	{
		stream->marker = pstrdup(stream->page.next_marker);
		stream->markers_seen = lappend(stream->markers_seen, stream->marker);
	}
	else
		stream->marker = NULL;
	MemoryContextSwitchTo(old);
}

/* The page is used up: ask for the next one, or end the stream. */
static void
page_consumed(CksKmsScan *scan, CksStream *stream)
{
	bool		more = stream->page.truncated;

	kms_page_free(&stream->page);
	stream->has_page = false;
	if (more)
		request_page(scan, stream);
	else
		stream->finished = true;
}

static CksStream *
stream_with_rows(CksKmsScan *scan)
{
	int			i;

	for (i = 0; i < scan->nstreams; i++)
	{
		int			index = (scan->current + i) % scan->nstreams;
		CksStream  *stream = &scan->streams[index];

		if (!stream->has_page)
			continue;
		if (stream->next_entry < stream->page.nentries)
		{
			scan->current = index;
			return stream;
		}
		page_consumed(scan, stream);
	}
	return NULL;
}

/* The calls of streams that are waiting for a page; palloc'd arrays. */
static int
pending_calls(CksKmsScan *scan, CksCall ***calls, CksStream ***owners)
{
	int			ncalls = 0;
	int			i;

	*calls = palloc(sizeof(CksCall *) * Max(1, scan->nstreams));
	*owners = palloc(sizeof(CksStream *) * Max(1, scan->nstreams));
	for (i = 0; i < scan->nstreams; i++)
	{
		CksStream  *stream = &scan->streams[i];

		if (stream->started && !stream->finished && !stream->has_page)
		{
			(*calls)[ncalls] = &stream->call;
			(*owners)[ncalls++] = stream;
		}
	}
	return ncalls;
}

/*
 * Credentials we thought fresh were refused as expired: once per scan, get
 * new ones and let the caller send the request again with them.
 */
static bool
renewed_credentials(CksKmsScan *scan, const CksCall *call)
{
	if (scan->renew_credentials == NULL || scan->credentials_renewed ||
		!(cks_call_failed_with(call, "ExpiredTokenException") ||
		  cks_call_failed_with(call, "ExpiredToken")))
		return false;
	scan->credentials_renewed = true;
	scan->credentials = scan->renew_credentials(scan->renew_arg);
	return true;
}

/*
 * Let any in-flight stream finish its request (waiting if 'wait'), and
 * take its page or failure.  Returns false when nothing finished: no
 * stream has anything in flight, or (without wait) none is done yet.
 */
static bool
take_a_finished_page(CksKmsScan *scan, bool wait, bool *would_block)
{
	CksCall   **calls;
	CksStream **owners;
	int			ncalls = pending_calls(scan, &calls, &owners);
	int			done;

	*would_block = false;
	if (ncalls == 0)
		return false;

	done = wait ? cks_calls_step(calls, ncalls) : cks_calls_poll(calls, ncalls);
	if (done == CKS_CALLS_WOULD_BLOCK)
		*would_block = true;
	if (done < 0)
		return false;
	scan->stats.requests += calls[done]->requests_sent;
	calls[done]->requests_sent = 0;
	if (calls[done]->state == CKS_CALL_DONE)
		page_arrived(scan, owners[done]);
	else if (renewed_credentials(scan, calls[done]))
		request_page(scan, owners[done]);
	else
		stream_failed(scan, owners[done]);
	pfree(calls);
	pfree(owners);
	return true;
}

struct json_object *
cks_kms_scan_next(CksKmsScan *scan, const char **region, bool wait,
				  bool *would_block)
{
	*would_block = false;
	for (;;)
	{
		CksStream  *stream;

		start_due_streams(scan);
		stream = stream_with_rows(scan);
		if (stream)
		{
			struct json_object *entry =
				json_object_array_get_idx(stream->page.entries, stream->next_entry++);

			*region = stream->region;
			scan->stats.rows++;
			return entry;
		}
		if (take_a_finished_page(scan, wait, would_block))
			continue;
		if (*would_block)
			return NULL;
		/* nothing in flight: done, unless streams are left to start */
		if (scan->next_to_start >= scan->nstreams)
			return NULL;
	}
}

long
cks_kms_scan_next_wakeup_ms(CksKmsScan *scan)
{
	CksCall   **calls;
	CksStream **owners;
	int			ncalls = pending_calls(scan, &calls, &owners);
	long		ms = ncalls > 0 ? cks_calls_next_wakeup_ms(calls, ncalls) : -1;

	pfree(calls);
	pfree(owners);
	return ms;
}

/*
 * Whether an asynchronous caller should come back at once: rows are
 * buffered, a request has finished (perhaps moved along while another scan
 * drove the shared transfers), or nothing is left to wait for.
 */
bool
cks_kms_scan_ready(CksKmsScan *scan)
{
	bool		anything_pending = false;
	int			i;

	cks_http_wait(0);
	for (i = 0; i < scan->nstreams; i++)
	{
		CksStream  *stream = &scan->streams[i];

		if (stream->has_page && stream->next_entry < stream->page.nentries)
			return true;
		if (stream->finished || !stream->started)
			continue;
		anything_pending = true;
		if (stream->call.state == CKS_CALL_DONE || stream->call.state == CKS_CALL_FAILED)
			return true;
		if (stream->call.state == CKS_CALL_IN_FLIGHT &&
			cks_http_is_done(stream->call.transfer))
			return true;
	}
	return !anything_pending;
}
