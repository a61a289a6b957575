/*-------------------------------------------------------------------------
 *
 * http_response.c
 *	  What the bytes of an HTTP response become: the body, grown up to a
 *	  bound that depends on the status and wiped whenever it is moved or
 *	  freed, and the few response headers the protocol layers read
 *	  (request id, error type, Date).  libcurl calls these from inside a
 *	  transfer, so they use malloc and never throw.
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

#include "net/http.h"
#include "net/http_internal.h"

/* The kept headers belong to one status line; drop them for the next. */
static void
forget_kept_headers(CksHttpResponse *response)
{
	free(response->request_id);
	free(response->error_type);
	free(response->date);
	response->request_id = response->error_type = response->date = NULL;
}

/*
 * Bodies are wiped before they are freed: an STS body holds temporary
 * keys, and an error body may echo the session token.
 */
void
cks_http_response_clear(CksHttpResponse *response)
{
	if (response->body)
		explicit_bzero(response->body, response->body_len);
	free(response->body);
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

/*
 * Append received bytes to the body.  Returning less than asked makes curl
 * fail the transfer, which is how an oversized or unallocatable body ends.
 */
size_t
cks_http_write_body(char *data, size_t size, size_t nmemb, void *arg)
{
	CksHttpTransfer *transfer = arg;
	CksHttpResponse *response = &transfer->response;
	size_t		len = size * nmemb;
	size_t		needed = response->body_len + len + 1;

	if (needed > cks_http_body_limit(transfer))
	{
		transfer->body_too_large = true;
		return 0;
	}
	if (needed > transfer->body_capacity)
	{
		size_t		capacity = transfer->body_capacity ? transfer->body_capacity : 16384;
		char	   *grown;

		while (capacity < needed)
			capacity *= 2;
		/* not realloc: the old buffer is wiped, see cks_http_response_clear */
		grown = malloc(capacity);
		if (grown == NULL)
			return 0;
		if (response->body)
		{
			memcpy(grown, response->body, response->body_len);
			explicit_bzero(response->body, response->body_len);
			free(response->body);
		}
		response->body = grown;
		transfer->body_capacity = capacity;
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
