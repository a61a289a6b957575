/*-------------------------------------------------------------------------
 *
 * scan.c
 *	  The driver of a scan's pipeline, whatever the operation, and the only
 *	  stage that calls the others: it starts accounts' credential calls
 *	  (scan_accounts.c, which hands stream sets back up), streams and
 *	  their pages (streams.c), and follow-ups (follow_ups.c); it waits for
 *	  whichever request finishes, hands it to its stage or to
 *	  scan_failures.c, checks pagination, and returns entries as rows.
 *	  No stage below calls back into it.
 *
 *	  Pages are json-c trees (malloc'd) and transfers live in libcurl; a
 *	  reset callback on the scan's memory context frees both, so an error
 *	  anywhere in the query leaks neither.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <json-c/json.h>
#include <limits.h>

#include "net/http.h"
#include "options.h"
#include "net/request_scheduler.h"
#include "scan/discovery.h"
#include "scan/follow_ups.h"
#include "scan/scan.h"
#include "scan/scan_accounts.h"
#include "scan/scan_failures.h"
#include "scan/streams.h"
#include "utils/guc.h"
#include "utils/memutils.h"

int			cks_max_pages = CKS_DEFAULT_MAX_PAGES;

/* Superuser-only: the bound protects the server, not the session. */
void
cks_scan_initialize(void)
{
	DefineCustomIntVariable("cks_fdw.max_pages",
							"Most pages one listing (one region, account and value) follows.",
							"An endpoint that keeps answering Truncated with new markers ends in an error here.",
							&cks_max_pages,
							CKS_DEFAULT_MAX_PAGES, 1, INT_MAX,
							PGC_SUSET, 0,
							NULL, NULL, NULL);
}

static void
release_stream(CksStream *stream)
{
	if (stream->has_page)
		aws_json_page_free(&stream->page);
	stream->has_page = false;
	cks_call_reset(&stream->call);
}

void
cks_scan_release(CksScan *scan)
{
	int			i;

	for (i = 0; i < scan->nstreams; i++)
		release_stream(&scan->streams[i]);
	if (scan->follow_ups != NULL)
		for (i = 0; i < scan->max_in_flight; i++)
			cks_follow_up_release(&scan->follow_ups[i]);
	cks_scan_accounts_release(scan);
	scan->nstreams = 0;
	scan->allocated = 0;
	scan->streams = NULL;
	scan->follow_ups = NULL;
	scan->expands = false;
	scan->emitted_follow_up = -1;
}

static void
release_at_context_reset(void *arg)
{
	cks_scan_release((CksScan *) arg);
}

void
cks_scan_configure(CksScan *scan, const CksScanOptions *opts, int page_size)
{
	scan->settings.transport = opts->transport;
	scan->settings.request_quotas = opts->request_quotas;
	scan->page_size = page_size;
	/* every scan of the backend shares one cap (request_scheduler.c) */
	cks_scheduler_configure(opts->max_concurrent_requests);
	scan->max_in_flight = cks_scheduler_cap();
	scan->on_error_warn = opts->on_error_warn;
	/* as many idle connections kept as requests run at once */
	cks_http_reserve_connections(scan->max_in_flight);
}

void
cks_scan_set_filter(CksScan *scan, const char *field, const char *value)
{
	scan->filter_field = field;
	scan->filter_value = value;
}

void
cks_scan_configure_for_kind(CksScan *scan, const CksScanOptions *opts,
							const CksTableKind *kind, int page_size)
{
	cks_scan_configure(scan, opts, page_size);
	if (kind->key_manager_field != NULL && !opts->all_key_managers)
		cks_scan_set_filter(scan, kind->key_manager_field, "CUSTOMER");
	scan->nested_entries = kind->nested_entries;
}

void
cks_scan_begin(CksScan *scan, MemoryContext parent)
{
	MemoryContextCallback *callback;

	scan->stats_cxt = parent;
	if (scan->cxt == NULL)
		scan->cxt = AllocSetContextCreate(parent, "cks_fdw scan",
										  ALLOCSET_DEFAULT_SIZES);
	else
	{
		cks_scan_release(scan);
		MemoryContextReset(scan->cxt);
	}
	callback = MemoryContextAllocZero(scan->cxt, sizeof(MemoryContextCallback));
	callback->func = release_at_context_reset;
	callback->arg = scan;
	MemoryContextRegisterResetCallback(scan->cxt, callback);
	scan->next_to_start = 0;
	scan->current = 0;
	scan->emitted_follow_up = -1;
	scan->discovered_operation = NULL;
}

void
cks_scan_set_discovery(CksScan *scan, const CksOperation *op,
					   const char *endpoint_template, const char *const *fixed)
{
	MemoryContext old = MemoryContextSwitchTo(scan->cxt);
	int			i;

	scan->discovered_operation = op;
	scan->discovered_endpoint = pstrdup(endpoint_template);
	for (i = 0; i < CKS_MAX_OPERATION_PARAMETERS; i++)
		scan->discovered_fixed[i] = fixed[i] ? pstrdup(fixed[i]) : NULL;
	MemoryContextSwitchTo(old);
}

/*
 * Streams whose account's credentials are still to come are held back by
 * the credential stage, which hands the set back at once when they are
 * cached; the others join the scan now.
 */
void
cks_scan_add_streams(CksScan *scan, const CksStreamSet *set)
{
	Assert(set->parameter < CKS_MAX_OPERATION_PARAMETERS);
	if (set->credentials == NULL && scan->credential_calls != NULL)
	{
		set = cks_scan_defer_streams(scan, set);
		if (set == NULL)
			return;
	}
	cks_streams_add(scan, set);
}

/*
 * Called for every row: counting what is in flight walks every stream, so
 * it is skipped once every stream has started.
 */
static void
start_due_streams(CksScan *scan)
{
	int			active;

	if (scan->next_to_start >= scan->nstreams)
		return;
	active = cks_scan_requests_in_flight(scan);
	while (active < scan->max_in_flight && scan->next_to_start < scan->nstreams)
	{
		cks_stream_request_page(scan, &scan->streams[scan->next_to_start++]);
		active++;
	}
}

static bool
token_seen(const CksStream *stream, const char *token)
{
	ListCell   *lc;

	foreach(lc, stream->tokens_seen)
		if (strcmp((const char *) lfirst(lc), token) == 0)
			return true;
	return false;
}

/*
 * A server that keeps saying "truncated" must hand out new tokens, or a
 * scan would never end; and even fresh tokens end at cks_fdw.max_pages.
 * (The parser already refuses a truncated page without a token.)
 */
static void
check_pagination(const CksStream *stream, const CksJsonPage *page)
{
	if (!page->truncated)
		return;
	if (stream->pages >= cks_max_pages)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_ERROR),
				 errmsg("%s returned more than %d pages", cks_stream_describe(stream),
						cks_max_pages),
				 errdetail("The endpoint kept answering with a new %s.",
						   stream->operation->page.response_token),
				 errhint("Raise cks_fdw.max_pages if the account really holds that many entries.")));
	if (token_seen(stream, page->next_token))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
				 errmsg("%s returned a %s it had already returned",
						cks_stream_describe(stream),
						stream->operation->page.response_token),
				 errdetail("Paginating further would never end.")));
}

/* Keep the last CKS_TOKENS_REMEMBERED tokens (the oldest is freed
 * unless it is still the one to send). */
static void
remember_token(CksStream *stream, char *token)
{
	stream->tokens_seen = lappend(stream->tokens_seen, token);
	if (list_length(stream->tokens_seen) > CKS_TOKENS_REMEMBERED)
	{
		char	   *oldest = linitial(stream->tokens_seen);

		stream->tokens_seen = list_delete_first(stream->tokens_seen);
		if (oldest != stream->token)
			pfree(oldest);
	}
}

static void
page_arrived(CksScan *scan, CksStream *stream)
{
	CksCall    *call = &stream->call;
	CksAwsError err;
	bool		ok;
	MemoryContext old = MemoryContextSwitchTo(scan->cxt);

	memset(&err, 0, sizeof(err));
	ok = aws_json_parse_page(&stream->operation->page, call->response_body,
							 call->response_len, call->http_status,
							 &stream->page, &err);
	/* a nested table's rows are the elements inside each entry; an
	 * operation may make its own rows of its entries (GetMetricData) */
	if (ok && ((scan->nested_entries != NULL &&
				!aws_json_page_flatten(&stream->page, scan->nested_entries, &err)) ||
			   (stream->operation->page_rows != NULL &&
				!stream->operation->page_rows(&stream->page, &err))))
	{
		aws_json_page_free(&stream->page);
		ok = false;
	}
	if (!ok)
	{
		/* same treatment as an AWS error: the error is the call's */
		cks_call_fail_bad_response(call, &err);
		MemoryContextSwitchTo(old);
		cks_stream_failed(scan, stream);
		return;
	}
	stream->has_page = true;
	stream->next_entry = 0;
	stream->pages++;
	scan->stats.pages++;
	cks_call_reset(call);
	check_pagination(stream, &stream->page);
	if (stream->page.truncated)
	{
		stream->token = pstrdup(stream->page.next_token);
		remember_token(stream, stream->token);
	}
	else
		stream->token = NULL;
	MemoryContextSwitchTo(old);
	/* a listing that finds what to ask about is not rows: its page
	 * becomes streams (after which 'stream' may be stale) */
	if (cks_discovery_stream(scan, stream))
		cks_discovery_take_page(scan, stream - scan->streams);
}

/* A stream whose page has entries to emit as they are (not expanded). */
static CksStream *
stream_with_rows(CksScan *scan)
{
	int			i;

	for (i = 0; i < scan->nstreams; i++)
	{
		int			index = (scan->current + i) % scan->nstreams;
		CksStream  *stream = &scan->streams[index];

		if (!stream->has_page || stream->operation->expansion != NULL)
			continue;
		if (stream->next_entry < stream->page.nentries)
		{
			scan->current = index;
			return stream;
		}
		cks_stream_page_consumed(scan, stream);
	}
	return NULL;
}

/* ---------------------------------------------------------------------
 * Waiting for requests
 * ---------------------------------------------------------------------
 */

/* Every request in flight, with its owner: a stream or a follow-up. */
typedef struct PendingCalls
{
	int			n;
	CksCall   **calls;
	CksStream **streams;		/* NULL where another owns the call */
	CksFollowUp **follow_ups;
	CksScanAccount **accounts;	/* an account's credential call */
} PendingCalls;

static void
collect_pending(CksScan *scan, PendingCalls *pending)
{
	int			size = Max(1, scan->nstreams + scan->naccounts +
						   (scan->follow_ups ? scan->max_in_flight : 0));
	int			i;

	pending->n = 0;
	pending->calls = palloc(sizeof(CksCall *) * size);
	pending->streams = palloc0(sizeof(CksStream *) * size);
	pending->follow_ups = palloc0(sizeof(CksFollowUp *) * size);
	pending->accounts = palloc0(sizeof(CksScanAccount *) * size);
	for (i = 0; i < scan->naccounts; i++)
	{
		if (!cks_scan_account_in_flight(&scan->accounts[i]))
			continue;
		pending->calls[pending->n] = &scan->accounts[i].call;
		pending->accounts[pending->n++] = &scan->accounts[i];
	}
	for (i = 0; i < scan->nstreams; i++)
	{
		CksStream  *stream = &scan->streams[i];

		if (!cks_stream_waits_for_page(stream))
			continue;
		pending->calls[pending->n] = &stream->call;
		pending->follow_ups[pending->n] = NULL;
		pending->streams[pending->n++] = stream;
	}
	if (scan->follow_ups == NULL)
		return;
	for (i = 0; i < scan->max_in_flight; i++)
	{
		CksFollowUp *follow_up = &scan->follow_ups[i];

		if (!follow_up->busy || follow_up->has_page)
			continue;
		pending->calls[pending->n] = &follow_up->call;
		pending->streams[pending->n] = NULL;
		pending->follow_ups[pending->n++] = follow_up;
	}
}

static void
free_pending(PendingCalls *pending)
{
	pfree(pending->calls);
	pfree(pending->streams);
	pfree(pending->follow_ups);
	pfree(pending->accounts);
}

/*
 * Let any request in flight finish (waiting if 'wait'), and take its page
 * or failure.  Returns false when nothing finished: nothing is in flight,
 * or (without wait) nothing is done yet.
 */
static bool
take_a_finished_call(CksScan *scan, bool wait, bool *would_block)
{
	PendingCalls pending;
	CksCall    *call;
	int			done;

	*would_block = false;
	collect_pending(scan, &pending);
	if (pending.n == 0)
	{
		free_pending(&pending);
		return false;
	}

	done = wait ? cks_calls_step(pending.calls, pending.n) :
		cks_calls_poll(pending.calls, pending.n);
	if (done == CKS_CALLS_WOULD_BLOCK)
		*would_block = true;
	if (done < 0)
	{
		free_pending(&pending);
		return false;
	}
	/* a call ends once: the next page is a new call, counting from zero */
	call = pending.calls[done];
	scan->stats.requests += call->requests_sent;
	scan->stats.throttled += call->throttled;
	scan->stats.quota_wait_ms += call->quota_wait_ms;
	if (pending.streams[done] != NULL)
	{
		if (call->state == CKS_CALL_DONE)
			page_arrived(scan, pending.streams[done]);
		else if (cks_stream_renewed_credentials(scan, pending.streams[done]))
			cks_stream_request_page(scan, pending.streams[done]);
		else
			cks_stream_failed(scan, pending.streams[done]);
	}
	else if (pending.accounts[done] != NULL)
	{
		CksStreamSet *set = cks_scan_account_answered(scan,
													  pending.accounts[done]);

		if (set != NULL)
			cks_streams_add(scan, set);
	}
	else if (call->state == CKS_CALL_DONE)
		cks_follow_up_answered(scan, pending.follow_ups[done]);
	else
		cks_follow_up_failed(scan, pending.follow_ups[done]);
	free_pending(&pending);
	return true;
}

/* False for an entry the scan's filter (key_manager) leaves out. */
static bool
entry_passes_filter(const CksScan *scan, struct json_object *entry)
{
	const char *value;

	if (scan->filter_field == NULL)
		return true;
	value = aws_json_entry_string(entry, scan->filter_field, NULL);
	return value == NULL || strcmp(value, scan->filter_value) == 0;
}

/*
 * The next entry ready to become a row: an expanded one (its follow-up is
 * released at the next call), or one of a page.  NULL when none is ready.
 */
static struct json_object *
ready_entry(CksScan *scan, const CksStream **from)
{
	CksFollowUp *follow_up;
	CksStream  *stream;

	while ((follow_up = cks_follow_up_with_entry(scan)) != NULL)
	{
		struct json_object *entry = json_object_array_get_idx(follow_up->page.entries, 0);

		if (!entry_passes_filter(scan, entry))
		{
			cks_follow_up_release(follow_up);
			continue;
		}
		scan->emitted_follow_up = follow_up - scan->follow_ups;
		*from = &scan->streams[follow_up->stream];
		return entry;
	}
	while ((stream = stream_with_rows(scan)) != NULL)
	{
		struct json_object *entry =
			json_object_array_get_idx(stream->page.entries, stream->next_entry++);

		if (!entry_passes_filter(scan, entry))
			continue;
		*from = stream;
		return entry;
	}
	return NULL;
}

struct json_object *
cks_scan_next(CksScan *scan, const CksStream **from, bool wait,
			  bool *would_block)
{
	*would_block = false;
	if (scan->emitted_follow_up >= 0)
	{
		cks_follow_up_release(&scan->follow_ups[scan->emitted_follow_up]);
		scan->emitted_follow_up = -1;
	}
	for (;;)
	{
		struct json_object *entry;

		cks_scan_accounts_start(scan);
		start_due_streams(scan);
		cks_follow_ups_start(scan);
		entry = ready_entry(scan, from);
		if (entry != NULL)
		{
			scan->stats.rows++;
			return entry;
		}
		if (take_a_finished_call(scan, wait, would_block))
			continue;
		if (*would_block)
			return NULL;
		/* nothing in flight: done, unless streams are left to start */
		if (scan->next_to_start >= scan->nstreams &&
			!cks_scan_accounts_waiting(scan))
			return NULL;
	}
}

long
cks_scan_next_wakeup_ms(CksScan *scan)
{
	PendingCalls pending;
	long		ms;

	collect_pending(scan, &pending);
	ms = pending.n > 0 ? cks_calls_next_wakeup_ms(pending.calls, pending.n) : -1;
	free_pending(&pending);
	return ms;
}

/*
 * Whether an asynchronous caller should come back at once: rows are
 * buffered, a listed entry can be expanded, a request has finished
 * (perhaps moved along while another scan drove the shared transfers), or
 * nothing is left to wait for.
 */
bool
cks_scan_ready(CksScan *scan)
{
	PendingCalls pending;
	bool		ready;
	int			i;

	if (cks_follow_up_with_entry(scan) != NULL)
		return true;
	for (i = 0; i < scan->nstreams; i++)
	{
		CksStream  *stream = &scan->streams[i];

		if (stream->has_page && stream->next_entry < stream->page.nentries &&
			(stream->operation->expansion == NULL ||
			 cks_scan_requests_in_flight(scan) < scan->max_in_flight))
			return true;
	}
	collect_pending(scan, &pending);
	ready = pending.n == 0 || cks_calls_any_ready(pending.calls, pending.n);
	free_pending(&pending);
	return ready;
}
