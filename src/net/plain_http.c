/*-------------------------------------------------------------------------
 *
 * plain_http.c
 *	  Unsigned, blocking HTTP requests for the credential sources: one
 *	  transfer at a time through http.c's shared multi handle, a few quick
 *	  attempts, and a wait that query cancel and statement_timeout cut
 *	  short.  See plain_http.h.
 *
 *	  The answers carry credentials, so bodies are wiped, in curl's buffer
 *	  and in our copy, before their memory is released.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "pgstat.h"
#include "net/plain_http.h"
#include "net/response_memory.h"
#include "net/transfer_wait.h"
#include "utils/resowner.h"
#include "utils/wait_event.h"

/*
 * Copy what the caller needs out of curl's response and wipe curl's copy
 * of the body, which is about to be freed by http.c.
 */
static void
take_response(const CksHttpTransfer *transfer, CksPlainResponse *response)
{
	const CksHttpResponse *answer = cks_http_response(transfer);

	if (answer->over_budget)
		cks_response_memory_exhausted(answer->budget_need);
	response->status = answer->status;
	if (answer->status == 0)
	{
		snprintf(response->error, sizeof(response->error), "%s", answer->error);
		return;
	}
	response->body = palloc(answer->body_len + 1);
	memcpy(response->body, answer->body, answer->body_len);
	response->body[answer->body_len] = '\0';
	response->body_len = answer->body_len;
	response->request_id = answer->request_id ? pstrdup(answer->request_id) : NULL;
	explicit_bzero(answer->body, answer->body_len);
}

/* One attempt, to its end; the transfer never outlives this function. */
static void
run_attempt(const CksPlainRequest *req, CksPlainResponse *response)
{
	CksHttpRequest hreq;
	CksHttpTransfer *transfer;
	CksHttpId	id;
	char		errbuf[256];

	memset(&hreq, 0, sizeof(hreq));
	hreq.url = req->url;
	hreq.method = req->method;
	hreq.headers = req->headers;
	hreq.nheaders = req->nheaders;
	hreq.body = req->body;
	hreq.body_len = req->body_len;
	hreq.transport = req->transport;
	/* a cancel or an error releases it with the resource owner, too */
	hreq.owner = CurrentResourceOwner;

	id = cks_http_start(&hreq, errbuf);
	response->attempts++;
	if (id == 0)
	{
		response->status = 0;
		snprintf(response->error, sizeof(response->error), "%s", errbuf);
		return;
	}

	PG_TRY();
	{
		pgstat_report_wait_start(PG_WAIT_EXTENSION);
		while ((transfer = cks_http_find(id)) != NULL &&
			   !cks_http_is_done(transfer))
		{
			CHECK_FOR_INTERRUPTS();
			(void) cks_wait_for_transfers(-1);
		}
		pgstat_report_wait_end();
		if (transfer == NULL)
			elog(ERROR, "cks_fdw: a credential source request was released while in flight");
		take_response(transfer, response);
	}
	PG_FINALLY();
	{
		cks_http_release(id);
	}
	PG_END_TRY();
}

static bool
worth_retrying(const CksPlainResponse *response)
{
	return response->status == 0 || response->status >= 500;
}

void
cks_plain_request(const CksPlainRequest *req, CksPlainResponse *response)
{
	memset(response, 0, sizeof(*response));
	for (;;)
	{
		run_attempt(req, response);
		if (!worth_retrying(response) || response->attempts >= req->transport.max_attempts)
			return;
		if (response->body)
		{
			explicit_bzero(response->body, response->body_len);
			pfree(response->body);
			response->body = NULL;
		}
	}
}

void
cks_plain_response_free(CksPlainResponse *response)
{
	if (response->body)
	{
		explicit_bzero(response->body, response->body_len);
		pfree(response->body);
	}
	if (response->request_id)
		pfree(response->request_id);
	memset(response, 0, sizeof(*response));
}
