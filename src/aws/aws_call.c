/*-------------------------------------------------------------------------
 *
 * aws_call.c
 *	  Running AWS API calls from a backend: signing each attempt, retrying
 *	  in AWS's "standard" mode, signing again at once after a clock skew
 *	  correction, and waiting in a way that honours cancel.
 *
 *	  What to send comes from an operation descriptor (aws_service.h), the
 *	  protocol details (body shapes, error documents) from aws_json.c and
 *	  sts.c, the transport from http.c, the clock offsets from
 *	  clock_skew.c; this file only decides what to do with each outcome,
 *	  whatever the service.  Reporting a final failure as a PostgreSQL
 *	  error is aws_call_report.c.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <curl/curl.h>

#include "access/xact.h"
#include "aws/aws_call.h"
#include "aws/aws_error_class.h"
#include "common/pg_prng.h"
#include "aws/aws_json.h"
#include "aws/clock_skew.h"
#include "miscadmin.h"
#include "aws/secrets.h"
#include "pgstat.h"
#include "net/endpoint_url.h"
#include "net/request_scheduler.h"
#include "net/response_memory.h"
#include "storage/latch.h"
#include "aws/sts.h"
#include "net/transfer_wait.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/timestamp.h"
#include "utils/wait_event.h"

/* Standard retry mode: the delay doubles from the base, capped at 20 s. */
#define MAX_BACKOFF_MS		20000

static int	retry_base_delay_ms = 1000;

static void
check_interrupts_hook(void)
{
	CHECK_FOR_INTERRUPTS();
}

/*
 * A transfer belongs to the resource owner that was current when it
 * started: the portal running the query (a cursor's own portal for FETCH),
 * or the subtransaction for a query run without one.  That owner is
 * released exactly when the query can no longer continue -- the portal is
 * dropped, or the subtransaction running it aborts -- and not when an
 * unrelated savepoint is rolled back while a cursor opened outside it
 * stays usable.  (Dropping by subtransaction depth instead freed an open
 * cursor's transfers at ROLLBACK TO, under calls still waiting on them.)
 * Resource owner callbacks run with CurrentResourceOwner set to the owner
 * being released.
 */
static void
release_transfers_of_owner(ResourceReleasePhase phase, bool isCommit,
						   bool isTopLevel, void *arg)
{
	if (phase == RESOURCE_RELEASE_BEFORE_LOCKS)
		cks_http_release_owner(CurrentResourceOwner);
}

/*
 * The backstop: whatever a failed transaction left attached to the shared
 * multi handle goes, so the next query starts clean and half-used
 * connections are closed.
 */
static void
abort_transfers_at_xact_end(XactEvent event, void *arg)
{
	if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT)
		cks_http_release_all();
}

void
cks_calls_initialize(void)
{
	DefineCustomIntVariable("cks_fdw.retry_base_delay_ms",
							"Base delay of the exponential backoff between attempts.",
							"Each retry waits a random time up to base * 2^(attempt-1), at most 20 s.",
							&retry_base_delay_ms,
							1000, 0, MAX_BACKOFF_MS,
							PGC_USERSET, GUC_UNIT_MS,
							NULL, NULL, NULL);
	cks_http_set_interrupt_hook(check_interrupts_hook);
	RegisterXactCallback(abort_transfers_at_xact_end, NULL);
	RegisterResourceReleaseCallback(release_transfers_of_owner, NULL);
}

void
cks_call_init(CksCall *call, const CksOperation *operation, const char *url,
			  const char *region, char *body,
			  const SigV4Credentials *credentials,
			  const CksCallSettings *settings)
{
	*call = (CksCall) {
		.operation = operation,
		.service = operation->service,
		.url = url,
		.region = region,
		.target = cks_operation_target(operation),
		.body = body,
		.credentials = credentials,
		.settings = settings,
		.mcxt = CurrentMemoryContext,
		.state = CKS_CALL_IDLE,
	};
}

void
cks_call_reset(CksCall *call)
{
	cks_http_release(call->transfer);
	call->transfer = 0;
	call->response_body = NULL;
	call->response_len = 0;
	call->request_id = NULL;
	call->http_status = 0;
	call->attempts = 0;
	call->skew_corrected = false;
	call->waits_for = CKS_WAIT_BACKOFF;
	memset(&call->error, 0, sizeof(CksAwsError));
	call->state = CKS_CALL_IDLE;
}

/*
 * Sign the call's body for this attempt: Content-Type, Host and (JSON
 * protocol) X-Amz-Target, dated now as corrected for the endpoint's clock
 * skew.  sig's strings are palloc'd; its canonical request holds the
 * session token.
 */
static void
sign_attempt(CksCall *call, SigV4Signature *sig)
{
	char	   *host = NULL;
	char	   *path = NULL;
	SigV4Request sreq;
	CksHeader	sign_headers[3];
	int			nsign = 0;
	bool		signed_ok;

	if (!cks_url_host_and_path(call->url, &host, &path))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
				 errmsg("invalid endpoint URL \"%s\"", call->url)));

	sign_headers[nsign++] = (CksHeader) {"Content-Type", call->service->content_type};
	sign_headers[nsign++] = (CksHeader) {"Host", host};
	if (call->target)
		sign_headers[nsign++] = (CksHeader) {"X-Amz-Target", call->target};

	memset(&sreq, 0, sizeof(sreq));
	sreq.method = "POST";
	sreq.path = path;
	sreq.headers = sign_headers;
	sreq.nheaders = nsign;
	sreq.body = call->body;
	sreq.body_len = strlen(call->body);
	sreq.normalize_path = true;
	signed_ok = sigv4_sign(&sreq, call->credentials, call->region,
						   call->service->signing_name,
						   time(NULL) + cks_clock_skew_for(call->url), sig);
	free(host);
	free(path);
	if (!signed_ok)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not sign a request to %s", call->url)));
}

/*
 * Sign and send one attempt.  Signing happens per attempt so that a retry
 * after a long backoff, or after a skew correction, carries a fresh date.
 */
static void
start_attempt(CksCall *call)
{
	SigV4Signature sig;
	CksHeader	send_headers[5];
	int			nsend = 0;
	CksHttpRequest hreq;
	char		errbuf[256];

	cks_http_release(call->transfer);
	call->transfer = 0;
	call->sent_at = GetCurrentTimestamp();
	sign_attempt(call, &sig);

	send_headers[nsend++] = (CksHeader) {"Content-Type", call->service->content_type};
	if (call->target)
		send_headers[nsend++] = (CksHeader) {"X-Amz-Target", call->target};
	send_headers[nsend++] = (CksHeader) {"X-Amz-Date", sig.amz_date};
	if (call->credentials->session_token)
		send_headers[nsend++] = (CksHeader) {"X-Amz-Security-Token", call->credentials->session_token};
	send_headers[nsend++] = (CksHeader) {"Authorization", sig.authorization};

	memset(&hreq, 0, sizeof(hreq));
	hreq.url = call->url;
	hreq.method = "POST";
	hreq.headers = send_headers;
	hreq.nheaders = nsend;
	hreq.body = call->body;
	hreq.body_len = strlen(call->body);
	hreq.transport = call->settings->transport;
	hreq.owner = CurrentResourceOwner;

	call->transfer = cks_http_start(&hreq, errbuf);
	/* the canonical request holds the session token */
	cks_secret_free(sig.canonical_request);
	pfree(sig.string_to_sign);
	pfree(sig.authorization);
	if (call->transfer == 0)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_UNABLE_TO_ESTABLISH_CONNECTION),
				 errmsg("could not start a request to %s", call->url),
				 errdetail_internal("%s", errbuf)));
	call->attempts++;
	call->requests_sent++;
	call->state = CKS_CALL_IN_FLIGHT;
}

static bool
is_retryable_transport_error(int curl_code)
{
	switch ((CURLcode) curl_code)
	{
		case CURLE_COULDNT_RESOLVE_HOST:
		case CURLE_COULDNT_CONNECT:
		case CURLE_OPERATION_TIMEDOUT:
		case CURLE_GOT_NOTHING:
		case CURLE_SEND_ERROR:
		case CURLE_RECV_ERROR:
		case CURLE_PARTIAL_FILE:
			return true;
		default:
			return false;
	}
}

static bool
is_retryable(const CksCall *call)
{
	if (call->error.kind == CKS_ERR_TRANSPORT)
		return is_retryable_transport_error(call->curl_code);
	if (call->http_status == 500 || call->http_status == 502 ||
		call->http_status == 503 || call->http_status == 504)
		return true;
	return call->error.kind == CKS_ERR_AWS &&
		aws_code_is_retryable(call->error.code);
}

/*
 * Everything an endpoint says in an error is sanitized as soon as it is
 * parsed, before anything can show or log it: AWS itself echoes the
 * session token in signature errors, and a hostile endpoint may echo
 * anything at any length.
 */
static void
parse_error_response(CksCall *call, const CksHttpResponse *response)
{
	const char *secrets[3];

	call->service->parse_error(response->status, response->error_type,
							   response->request_id, response->body,
							   response->body_len, &call->error);

	secrets[0] = call->credentials->access_key_id;
	secrets[1] = call->credentials->secret_access_key;
	secrets[2] = call->credentials->session_token;
	aws_error_sanitize(&call->error, secrets, lengthof(secrets));
}

static void
schedule_retry(CksCall *call)
{
	double		cap = retry_base_delay_ms;
	long		delay_ms;
	int			i;

	for (i = 1; i < call->attempts && cap < MAX_BACKOFF_MS; i++)
		cap *= 2;
	if (cap > MAX_BACKOFF_MS)
		cap = MAX_BACKOFF_MS;
	/* "full jitter": uniform in [0, cap] */
	delay_ms = (long) (pg_prng_double(&pg_global_prng_state) * cap);
	call->retry_at = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), delay_ms);
	call->state = CKS_CALL_BACKOFF;
}

/*
 * A connection refused for want of a file descriptor is not the endpoint's
 * fault and will not go away by retrying while the same fan-out holds the
 * others: end the query at once, saying which knob to turn.
 */
static void
report_out_of_fds(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_RESOURCES),
			 errmsg("too many connections for this backend"),
			 errdetail("Every file descriptor this backend may use for connections is in use (a third of what max_files_per_process leaves)."),
			 errhint("Lower max_concurrent_requests or raise max_files_per_process.")));
}

/*
 * What the request scheduler (net/) knows of a call: its quota's bucket and
 * the server's request_quotas, without the call itself.
 */
static void
sched_request(const CksCall *call, CksSchedRequest *req)
{
	req->request_quotas = call->settings->request_quotas;
	req->account = call->account;
	req->access_key_id = call->credentials->access_key_id;
	req->region = call->region;
	req->action = call->operation->action;
	req->sent_at = call->sent_at;
	req->throttled_since = call->throttled_since;
}

/*
 * Decide what a finished attempt means: done, retry (now or later), or
 * failed for good.
 */
static void
handle_finished_attempt(CksCall *call, CksHttpTransfer *transfer)
{
	const CksHttpResponse *response = cks_http_response(transfer);
	MemoryContext old;

	memset(&call->error, 0, sizeof(CksAwsError));
	call->curl_code = response->curl_code;
	call->http_status = response->status;
	call->request_id = response->request_id;

	if (response->status >= 200 && response->status < 300)
	{
		call->response_body = response->body;
		call->response_len = response->body_len;
		call->state = CKS_CALL_DONE;
		return;
	}

	/*
	 * The error may be read only after other calls' rows have been returned
	 * and the per-tuple context reset, so it lives in the call's context.
	 */
	if (response->out_of_fds)
	{
		if (!cks_scheduler_out_of_fds())
			report_out_of_fds();
		/* not the endpoint's doing: again once a connection is free */
		call->attempts--;
		call->state = CKS_CALL_IDLE;
		return;
	}
	if (response->over_budget)
		cks_response_memory_exhausted(response->budget_need);

	old = MemoryContextSwitchTo(call->mcxt);
	if (response->status == 0)
	{
		call->error.kind = CKS_ERR_TRANSPORT;
		call->error.message = pstrdup(response->error);
	}
	else
		parse_error_response(call, response);
	MemoryContextSwitchTo(old);

	if (!call->skew_corrected && cks_clock_skew_is_error(&call->error) &&
		cks_clock_skew_correct(call->url, response->date))
	{
		call->skew_corrected = true;
		/* at once, and not counted against max_attempts */
		call->attempts--;
		start_attempt(call);
		return;
	}

	if (call->error.kind == CKS_ERR_AWS && aws_code_is_throttling(call->error.code))
	{
		CksSchedRequest req;

		/*
		 * Throttling has its own budget, not max_attempts; once it is spent
		 * (or the statement has no time left) the call fails saying so.
		 */
		TimestampTz now = GetCurrentTimestamp();

		if (call->throttled++ == 0)
			call->throttled_since = now;
		sched_request(call, &req);
		if (cks_scheduler_throttled(&req, call->throttled, now, &call->retry_at))
		{
			call->attempts--;
			call->state = CKS_CALL_BACKOFF;
		}
		else
			call->state = CKS_CALL_FAILED;
		return;
	}
	if (call->attempts < call->settings->transport.max_attempts && is_retryable(call))
		schedule_retry(call);
	else
		call->state = CKS_CALL_FAILED;
}

static bool
call_is_finished(const CksCall *call)
{
	return call->state == CKS_CALL_DONE || call->state == CKS_CALL_FAILED;
}

/*
 * The scheduler's hook: an attempt that is due starts only once the
 * backend has a connection to spare and the quota a token; until then it
 * waits like a backoff, and the time it waited is counted.
 */
static void
start_when_admitted(CksCall *call, TimestampTz now)
{
	CksSchedRequest req;
	long		wait_ms;
	bool		for_token = false;

	sched_request(call, &req);
	if (!cks_scheduler_admit(&req, now, &wait_ms, &for_token))
	{
		if (for_token && call->waiting_since == 0)
			call->waiting_since = now;
		call->retry_at = TimestampTzPlusMilliseconds(now, Max(wait_ms, 1));
		call->state = CKS_CALL_BACKOFF;
		call->waits_for = for_token ? CKS_WAIT_TOKEN : CKS_WAIT_SLOT;
		/* throttled, and no time left to wait for a token: that error */
		if (call->throttled > 0 && !cks_scheduler_has_time(call->retry_at))
			call->state = CKS_CALL_FAILED;
		return;
	}
	if (call->waiting_since != 0)
	{
		call->quota_wait_ms += TimestampDifferenceMilliseconds(call->waiting_since, now);
		call->waiting_since = 0;
	}
	call->waits_for = CKS_WAIT_BACKOFF;
	start_attempt(call);
}

/*
 * Due to start now: a new call, a backoff that has ended, or a call
 * waiting for a slot when one is free (any transfer that finished frees
 * one; waiting for the scheduler's next recheck would leave it empty).
 */
static bool
call_is_due(const CksCall *call, TimestampTz now)
{
	if (call->state == CKS_CALL_IDLE)
		return true;
	if (call->state != CKS_CALL_BACKOFF)
		return false;
	return call->retry_at <= now ||
		(call->waits_for == CKS_WAIT_SLOT && cks_scheduler_slot_free());
}

bool
cks_call_waits_for_quota(const CksCall *call)
{
	return call->state == CKS_CALL_BACKOFF && call->waits_for == CKS_WAIT_TOKEN;
}

/*
 * Start what is due; return how long (ms) until the next backoff ends, or
 * -1 if nothing is backing off.
 */
static long
start_due_calls(CksCall **calls, int ncalls, bool *any_in_flight)
{
	TimestampTz now = GetCurrentTimestamp();
	long		next_ms = -1;
	int			i;

	*any_in_flight = false;
	for (i = 0; i < ncalls; i++)
	{
		CksCall    *call = calls[i];

		if (call_is_due(call, now))
			start_when_admitted(call, now);
		if (call->state == CKS_CALL_IN_FLIGHT)
			*any_in_flight = true;
		else if (call->state == CKS_CALL_BACKOFF)
		{
			long		ms = TimestampDifferenceMilliseconds(now, call->retry_at);

			if (next_ms < 0 || ms < next_ms)
				next_ms = ms;
		}
	}
	return next_ms;
}

/* Sleep on the latch so that cancel and statement_timeout cut it short. */
static void
backoff_sleep(long ms)
{
	(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
					 ms, PG_WAIT_EXTENSION);
	ResetLatch(MyLatch);
	CHECK_FOR_INTERRUPTS();
}

/*
 * Take the outcome of every attempt that finished.  An attempt whose
 * transfer is gone was dropped by a resource owner that is not the one
 * running this call now (it should not happen, as transfers follow the
 * scan's portal, but a call must never wait on a transfer that no longer
 * exists): it is sent again, not counted as an attempt.
 */
static void
collect_finished_attempts(CksCall **calls, int ncalls)
{
	int			i;

	for (i = 0; i < ncalls; i++)
	{
		CksCall    *call = calls[i];
		CksHttpTransfer *transfer;

		if (call->state != CKS_CALL_IN_FLIGHT)
			continue;
		transfer = cks_http_find(call->transfer);
		if (transfer == NULL)
		{
			call->transfer = 0;
			call->attempts--;
			start_attempt(call);
		}
		else if (cks_http_is_done(transfer))
			handle_finished_attempt(call, transfer);
	}
}

bool
cks_call_ready(const CksCall *call)
{
	CksHttpTransfer *transfer;

	if (call_is_finished(call))
		return true;
	if (call->state != CKS_CALL_IN_FLIGHT)
		return false;
	transfer = cks_http_find(call->transfer);
	return transfer == NULL || cks_http_is_done(transfer);
}

/*
 * The loop behind cks_calls_step and cks_calls_poll: with wait false it
 * moves transfers forward once and returns CKS_CALLS_WOULD_BLOCK instead
 * of sleeping, for the executor's asynchronous Append.
 */
static int
calls_step(CksCall **calls, int ncalls, bool wait)
{
	for (;;)
	{
		bool		any_in_flight;
		long		next_backoff_ms;
		int			i;

		CHECK_FOR_INTERRUPTS();
		for (i = 0; i < ncalls; i++)
			if (call_is_finished(calls[i]))
				return i;

		next_backoff_ms = start_due_calls(calls, ncalls, &any_in_flight);
		/* the scheduler may end a throttled call that has no time left */
		for (i = 0; i < ncalls; i++)
			if (call_is_finished(calls[i]))
				return i;
		if (!any_in_flight && next_backoff_ms < 0)
			return -1;

		if (!wait)
		{
			if (any_in_flight || cks_http_running_transfers() > 0)
				cks_http_wait(0);
			collect_finished_attempts(calls, ncalls);
			for (i = 0; i < ncalls; i++)
				if (call_is_finished(calls[i]))
					return i;
			return CKS_CALLS_WOULD_BLOCK;
		}

		if (!any_in_flight && cks_http_running_transfers() == 0)
		{
			backoff_sleep(Max(next_backoff_ms, 1));
			continue;
		}
		/* waiting for a slot: other scans' transfers must move on */

		/*
		 * Not to sleep while one of ours finished as another caller drove
		 * the shared transfers: its body holds response memory that others
		 * may be waiting for.
		 */
		collect_finished_attempts(calls, ncalls);
		for (i = 0; i < ncalls; i++)
			if (call_is_finished(calls[i]))
				return i;
		(void) cks_wait_for_transfers(next_backoff_ms >= 0 ? Max(next_backoff_ms, 1) : -1);
		collect_finished_attempts(calls, ncalls);
	}
}

int
cks_calls_step(CksCall **calls, int ncalls)
{
	return calls_step(calls, ncalls, true);
}

int
cks_calls_poll(CksCall **calls, int ncalls)
{
	return calls_step(calls, ncalls, false);
}

long
cks_calls_next_wakeup_ms(CksCall **calls, int ncalls)
{
	TimestampTz now = GetCurrentTimestamp();
	long		next_ms;
	int			i;

	/* the executor sleeps next: see cks_http_settle_memory */
	if (cks_http_settle_memory(true))
		return 0;
	next_ms = cks_http_timeout_ms();

	for (i = 0; i < ncalls; i++)
	{
		long		ms;

		if (calls[i]->state != CKS_CALL_BACKOFF)
			continue;
		ms = TimestampDifferenceMilliseconds(now, calls[i]->retry_at);
		if (next_ms < 0 || ms < next_ms)
			next_ms = ms;
	}
	return next_ms;
}

void
cks_call_run(CksCall *call)
{
	CksCall    *calls[1] = {call};

	while (!call_is_finished(call))
		(void) cks_calls_step(calls, 1);
}

bool
cks_calls_any_ready(CksCall **calls, int ncalls)
{
	int			i;

	cks_http_wait(0);
	for (i = 0; i < ncalls; i++)
	{
		if (cks_call_ready(calls[i]))
			return true;
	}
	return false;
}
