/*-------------------------------------------------------------------------
 *
 * http_response.c
 *	  What the bytes of an HTTP response become: the body, grown up to a
 *	  bound that depends on the status, in memory counted against the
 *	  backend's response memory budget (paused while it is spent), and
 *	  wiped whenever it is moved or freed, and the few response headers
 *	  the protocol layers read (request id, error type, Date).  libcurl
 *	  calls these from inside a transfer, so they use malloc and never
 *	  throw.  It knows transfers only through http_internal.h and never
 *	  calls the transport (http.c), which calls it.
 *
 *-------------------------------------------------------------------------
 */
#ifdef FRONTEND
#include "postgres_fe.h"
#else
#include "postgres.h"
#endif

#include <curl/curl.h>
#include <strings.h>

#include "net/http_response.h"
#include "net/http_internal.h"
#include "net/mem_budget.h"

/* The kept headers belong to one status line; drop them for the next. */
static void
forget_kept_headers(CksHttpResponse *response)
{
	free(response->request_id);
	free(response->error_type);
	free(response->date);
	response->request_id = response->error_type = response->date = NULL;
}

char		cks_http_empty_body[1] = "";

/*
 * Bodies are wiped before they are freed: an STS body holds temporary
 * keys, and an error body may echo the session token.  Their memory goes
 * back to the budget it was counted in.
 */
void
cks_http_response_clear(CksHttpTransfer *transfer)
{
	CksHttpResponse *response = &transfer->response;

	if (response->body && response->body != cks_http_empty_body)
	{
		explicit_bzero(response->body, response->body_len);
		cks_budget_free(transfer->budget, response->body, transfer->body_capacity);
	}
	transfer->body_capacity = 0;
	forget_kept_headers(response);
	memset(response, 0, sizeof(*response));
}

/*
 * The most body this response may have: a page for a 2xx, much less for an
 * error, whose body is only a code and a message.  The status is known
 * before the first body byte arrives.
 */
size_t
cks_http_body_limit(CksHttpTransfer *transfer)
{
	long		status = 0;

	if (curl_easy_getinfo(transfer->easy, CURLINFO_RESPONSE_CODE, &status) == CURLE_OK &&
		status >= 200 && status < 300)
		return CKS_HTTP_MAX_BODY;
	return CKS_HTTP_MAX_ERROR_BODY;
}

/* Most a body can hold at once while it grows: the cap and half of it. */
#define HEAD_RESERVE	(CKS_HTTP_MAX_BODY + CKS_HTTP_MAX_BODY / 2)

/*
 * The oldest transfer still unfinished may always use what the others
 * leave free: enough for the largest body while it grows (24 MiB), so
 * that it can finish, be consumed and give its memory back, whatever the
 * others hold.  (Half the budget was not enough: with 32MB, the others
 * took 15 MiB, the head stopped at 8 MiB short of the 16 more it needed,
 * and every transfer waited for memory.)  A budget under 24 MiB leaves
 * the others nothing: transfers then grow one at a time.
 */
size_t
cks_http_head_reserve(const CksMemBudget *budget)
{
	return Min((size_t) HEAD_RESERVE, budget->limit);
}

/*
 * Whether this transfer is the oldest one unfinished, which may spend the
 * response memory kept free for it.  The transfer list is newest first
 * (http_internal.h), so it is when no transfer after it is unfinished.
 */
static bool
is_oldest_unfinished(const CksHttpTransfer *transfer)
{
	const CksHttpTransfer *t;

	for (t = transfer->next; t != NULL; t = t->next)
		if (!t->done)
			return false;
	return true;
}

/*
 * The next capacity of a body that needs 'needed' bytes: doubled from
 * 16 kB, at most the cap.  Growing holds the old and the new buffer for a
 * moment, so that is what must fit.
 */
static size_t
next_capacity(size_t capacity, size_t needed, size_t limit)
{
	capacity = capacity ? capacity : 16384;
	while (capacity < needed)
		capacity *= 2;
	return capacity < limit ? capacity : limit;
}

/*
 * Give the body room for 'needed' bytes from the response memory budget.
 * Returns 0 when it has it, CURL_WRITEFUNC_PAUSE when the budget is spent
 * for now (cks_http_settle_memory resumes the transfer), or 1 when the
 * body can never fit or memory ran out (the transfer fails).
 */
static int
grow_body(CksHttpTransfer *transfer, size_t needed, size_t limit)
{
	CksHttpResponse *response = &transfer->response;
	size_t		capacity = next_capacity(transfer->body_capacity, needed, limit);
	size_t		keep_free;
	char	   *grown;

	if (!cks_budget_could_fit(transfer->budget, capacity + transfer->body_capacity))
	{
		transfer->over_budget = true;
		transfer->wants = capacity + transfer->body_capacity;
		return 1;
	}
	keep_free = is_oldest_unfinished(transfer) ? 0 : cks_http_head_reserve(transfer->budget);
	if (!cks_budget_fits(transfer->budget, capacity, keep_free))
	{
		transfer->paused = true;
		transfer->wants = capacity;
		return CURL_WRITEFUNC_PAUSE;
	}
	/* not realloc: the old buffer is wiped, see cks_http_response_clear */
	grown = cks_budget_alloc(transfer->budget, capacity, keep_free);
	if (grown == NULL)
		return 1;
	if (response->body)
	{
		memcpy(grown, response->body, response->body_len);
		explicit_bzero(response->body, response->body_len);
		cks_budget_free(transfer->budget, response->body, transfer->body_capacity);
	}
	response->body = grown;
	transfer->body_capacity = capacity;
	return 0;
}

/*
 * Append received bytes to the body.  Returning less than asked makes curl
 * fail the transfer, which is how an oversized or unallocatable body ends;
 * CURL_WRITEFUNC_PAUSE makes curl keep the bytes and stop reading until
 * the transfer is resumed.
 */
size_t
cks_http_write_body(char *data, size_t size, size_t nmemb, void *arg)
{
	CksHttpTransfer *transfer = arg;
	CksHttpResponse *response = &transfer->response;
	size_t		len = size * nmemb;
	size_t		needed = response->body_len + len + 1;
	size_t		limit = cks_http_body_limit(transfer);

	if (transfer->over_budget)
		return 0;
	if (needed > limit)
	{
		transfer->body_too_large = true;
		return 0;
	}
	if (needed > transfer->body_capacity)
	{
		int			rc = grow_body(transfer, needed, limit);

		if (rc == CURL_WRITEFUNC_PAUSE)
			return CURL_WRITEFUNC_PAUSE;
		if (rc != 0)
			return 0;
	}
	memcpy(response->body + response->body_len, data, len);
	response->body_len += len;
	response->body[response->body_len] = '\0';
	return len;
}

/* Copy a header's value (trimmed) into *slot, replacing an older one. */
static void
keep_header_value(char **slot, const char *value, size_t len)
{
	char	   *copy;

	while (len > 0 && (*value == ' ' || *value == '\t'))
	{
		value++;
		len--;
	}
	while (len > 0 && (value[len - 1] == '\r' || value[len - 1] == '\n' ||
					   value[len - 1] == ' ' || value[len - 1] == '\t'))
		len--;
	copy = malloc(len + 1);
	if (copy == NULL)
		return;
	memcpy(copy, value, len);
	copy[len] = '\0';
	free(*slot);
	*slot = copy;
}

static bool
header_is(const char *line, size_t len, const char *name, size_t *value_at)
{
	size_t		name_len = strlen(name);

	if (len <= name_len || line[name_len] != ':' ||
		strncasecmp(line, name, name_len) != 0)
		return false;
	*value_at = name_len + 1;
	return true;
}

/*
 * Keep the few response headers the protocol layers need.  A new status
 * line (after a 100 Continue, say) starts the set afresh.
 */
size_t
cks_http_read_header(char *line, size_t size, size_t nitems, void *arg)
{
	CksHttpResponse *response = &((CksHttpTransfer *) arg)->response;
	size_t		len = size * nitems;
	size_t		at;

	if (len >= 5 && strncmp(line, "HTTP/", 5) == 0)
		forget_kept_headers(response);
	else if (header_is(line, len, "x-amzn-RequestId", &at) ||
			 header_is(line, len, "x-amz-request-id", &at))
		keep_header_value(&response->request_id, line + at, len - at);
	else if (header_is(line, len, "X-Amzn-ErrorType", &at))
		keep_header_value(&response->error_type, line + at, len - at);
	else if (header_is(line, len, "Date", &at))
		keep_header_value(&response->date, line + at, len - at);
	return len;
}
