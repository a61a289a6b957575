/*-------------------------------------------------------------------------
 *
 * extra_calls.c
 *	  The requests of the extra calls (see extra_calls.h).  Every job is an
 *	  ordinary call of the call engine (aws_call.c), so the engine's
 *	  retries, timeouts and cancel handling hold for them as for the
 *	  listing, and all of them go through the backend's request scheduler:
 *	  a batch of 100 keys puts 100 GetKeyLastUsage calls before it, which
 *	  start as the in-flight cap has room and the operation's bucket has
 *	  tokens (5 per second by default), so a region of 1,000 keys at 100 ms
 *	  a request takes its quota's 200 s, not 1,000 round trips one after
 *	  another.  A job whose keys AWS refuses as expired gets the scan's
 *	  renewal (scan_failures.c), as a listing's request does.
 *
 *	  Answers live in json-c objects whose release is tied to a memory
 *	  context, so an error or a cancelled query frees them with it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <json-c/json.h>

#include "aws/aws_json.h"
#include "scan/extra_calls.h"
#include "scan/scan_failures.h"
#include "utils/memutils.h"

static void
put_json(void *arg)
{
	json_object_put((struct json_object *) arg);
}

void
cks_json_tie_to_context(MemoryContext cxt, struct json_object *obj)
{
	MemoryContextCallback *cb = MemoryContextAlloc(cxt, sizeof(*cb));

	cb->func = put_json;
	cb->arg = obj;
	MemoryContextRegisterResetCallback(cxt, cb);
}

/* Prepare the job's next request (its first page, the next, or again
 * with renewed keys), signed with its stream's current credentials. */
static void
start_job(CksScan *scan, CksExtraJob *job)
{
	const CksOperation *op = job->extra->operation;
	const CksStream *stream = &scan->streams[job->stream];
	const char *values[CKS_MAX_OPERATION_PARAMETERS] = {0};

	if (job->key != NULL)
		values[cks_operation_parameter(op, job->extra->entry_field)] = job->key;
	job->signed_with = stream->credentials;
	cks_call_init(&job->call, op, stream->url, stream->region,
				  op->build_request(op, values, job->token,
									op->page.single_entry ? 0 : op->page.max_limit),
				  stream->credentials, &scan->settings);
	/* the quota is the account's, whoever signs (as the scan's calls) */
	job->call.account = stream->account_id;
	job->active = true;
}

/* The next token of a page, or NULL at the end; a repeated one is an error. */
static char *
next_token(const CksJsonPage *page, const char *previous, int pages, int max_pages,
		   const char *action)
{
	if (!page->truncated)
		return NULL;
	if ((previous && strcmp(previous, page->next_token) == 0) || pages >= max_pages)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
				 errmsg("%s kept returning pages (%d pages, or the same marker twice)",
						action, pages),
				 errhint("The endpoint did not answer like AWS KMS; check the server's endpoint option.")));
	return pstrdup(page->next_token);
}

/*
 * Add each listed entry's value_field to 'out' under its match_field:
 * into an object (tags: TagKey -> TagValue), or appended to an array per
 * match value (aliases: TargetKeyId -> [AliasName, ...]).  Entries without
 * either field (an alias without a target) are skipped.
 */
static void
gather(const CksExtraCall *extra, const CksJsonPage *page,
	   struct json_object *out, bool as_arrays)
{
	int			i;

	for (i = 0; i < page->nentries; i++)
	{
		struct json_object *entry = json_object_array_get_idx(page->entries, i);
		const char *match = aws_json_entry_string(entry, extra->match_field, NULL);
		const char *value = aws_json_entry_string(entry, extra->value_field, NULL);
		struct json_object *list;

		if (match == NULL || value == NULL)
			continue;
		if (!as_arrays)
		{
			json_object_object_add(out, match, json_object_new_string(value));
			continue;
		}
		if (!json_object_object_get_ex(out, match, &list))
		{
			list = json_object_new_array();
			json_object_object_add(out, match, list);
		}
		json_object_array_add(list, json_object_new_string(value));
	}
}

/*
 * A page arrived: keep the single answer (GetKeyLastUsage's whole body),
 * or gather its entries.  True when another page is to be asked for.
 */
static bool
take_page(CksExtraJob *job, CksJsonPage *page, MemoryContext cxt)
{
	const CksOperation *op = job->extra->operation;
	char	   *previous = job->token;

	job->pages++;
	if (op->page.single_entry)
	{
		job->out = json_object_get(page->root);
		cks_json_tie_to_context(cxt, job->out);
		return false;
	}
	if (job->out == NULL)
	{
		job->out = json_object_new_object();
		cks_json_tie_to_context(cxt, job->out);
	}
	gather(job->extra, page, job->out, job->key == NULL);
	job->token = next_token(page, previous, job->pages, job->max_pages,
							op->action);
	return job->token != NULL;
}

/* Report a failed job at ERROR, or WARNING under on_error 'warn'. */
static void
report_job(CksScan *scan, const CksExtraJob *job)
{
	const CksStream *stream = &scan->streams[job->stream];
	const char *action = job->extra->operation->action;
	char	   *what;

	what = job->key ? psprintf("%s of key \"%s\" in region \"%s\"", action,
							   job->key, stream->region) :
		psprintf("%s in region \"%s\"", action, stream->region);
	cks_call_report(&job->call, scan->on_error_warn ? WARNING : ERROR, what,
					stream->account_id);
}

/*
 * A job's request ended.  True when the job goes on with another request
 * (its next page, or the same one with renewed keys); false when it is
 * over: answered, or failed in a way that leaves its columns NULL -- the
 * entry is not one the call answers for (refused_code), vanished since it
 * was listed (not found), or failed under on_error 'warn' (a warning).  A
 * listing keeps the pages it gathered; a per-entry call gives nothing.
 */
static bool
job_ended(CksScan *scan, CksExtraJob *job, MemoryContext cxt)
{
	const CksOperation *op = job->extra->operation;
	CksCall    *call = &job->call;
	CksJsonPage page;
	CksAwsError err;
	bool		more;

	memset(&err, 0, sizeof(err));
	if (call->state == CKS_CALL_DONE &&
		!aws_json_parse_page(&op->page, call->response_body, call->response_len,
							 call->http_status, &page, &err))
		cks_call_fail_bad_response(call, &err);
	if (call->state == CKS_CALL_DONE)
	{
		cks_call_reset(call);
		more = take_page(job, &page, cxt);
		aws_json_page_free(&page);
		return more;
	}
	if (cks_call_failed_as_expired(call) &&
		cks_scan_renewed_signer(scan, job->stream, job->signed_with) != NULL)
	{
		cks_call_reset(call);
		return true;
	}
	if (!(job->extra->refused_code &&
		  cks_call_failed_with(call, job->extra->refused_code)) &&
		!(op->not_found_code && cks_call_failed_with(call, op->not_found_code)))
		report_job(scan, job);
	cks_call_reset(call);
	if (job->key != NULL)
		job->out = NULL;
	return false;
}

int
cks_extra_calls_run(CksScan *scan, CksExtraJob *jobs, int njobs,
					MemoryContext cxt)
{
	MemoryContext old = MemoryContextSwitchTo(cxt);
	CksCall   **calls = palloc(sizeof(CksCall *) * Max(njobs, 1));
	int		   *which = palloc(sizeof(int) * Max(njobs, 1));
	int			requests = 0;
	int			i;

	for (i = 0; i < njobs; i++)
		start_job(scan, &jobs[i]);
	for (;;)
	{
		CksExtraJob *job;
		int			n = 0;
		int			done;

		for (i = 0; i < njobs; i++)
			if (jobs[i].active)
			{
				calls[n] = &jobs[i].call;
				which[n++] = i;
			}
		if (n == 0 || (done = cks_calls_step(calls, n)) < 0)
			break;
		job = &jobs[which[done]];
		requests += job->call.requests_sent;
		scan->stats.throttled += job->call.throttled;
		scan->stats.quota_wait_ms += job->call.quota_wait_ms;
		if (job_ended(scan, job, cxt))
			start_job(scan, job);
		else
			job->active = false;
	}
	pfree(calls);
	pfree(which);
	MemoryContextSwitchTo(old);
	return requests;
}
