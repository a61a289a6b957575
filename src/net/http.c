/*-------------------------------------------------------------------------
 *
 * http.c
 *	  The HTTP client of cks_fdw, on libcurl's multi interface.
 *
 *	  One multi handle lives for the whole backend.  It owns libcurl's
 *	  connection and DNS caches, so every request to an endpoint reuses the
 *	  same keep-alive connection across pages and queries, and requests to
 *	  several endpoints (regions, accounts) are in flight at once.
 *
 *	  Waiting is event-driven, never polled: curl tells us which sockets it
 *	  wants (CURLMOPT_SOCKETFUNCTION) and when it next needs a kick
 *	  (CURLMOPT_TIMERFUNCTION).  The sockets are kept in one epoll set per
 *	  backend, so a caller waits on a single fd -- next to its latch in a
 *	  WaitEventSet, or as an async Append's one event -- with no
 *	  FD_SETSIZE limit and no wake-ups while nothing happens.
 *	  cks_http_wait() then hands curl exactly the sockets that are ready
 *	  (curl_multi_socket_action).  A longjmp out of the interrupt hook leaves
 *	  transfers attached; their owner (the backend tags each with the
 *	  resource owner that started it) drops them when it is released, with
 *	  cks_http_release_owner(), which also discards their connections.
 *	  Callers hold transfers by id, so one released behind a caller's back
 *	  is found missing instead of being read after it was freed.
 *
 *	  Every socket curl opens is counted against the backend's file
 *	  descriptor budget (fd.c's AcquireExternalFD), so a fan-out wider than
 *	  the backend may open fails those transfers with a clear reason
 *	  instead of starving PostgreSQL of fds or hanging.  The sockets, the
 *	  timer and the budget live in http_events.c; what a response's bytes
 *	  become (body, kept headers) in http_response.c; the Host and path
 *	  an endpoint URL is signed with in endpoint_url.c.
 *
 *	  Frontend-safe: uses malloc for everything curl touches, never palloc,
 *	  so no error can be thrown from inside a curl callback.  (The fd
 *	  accounting is backend-only; the frontend build just opens sockets.)
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
#include "net/http_events.h"
#include "net/http_internal.h"
#include "net/tls_cleanse.h"
#include "net/wiping_alloc.h"


/* Idle connections kept at least; raised to the widest fan-out seen. */
#define MIN_CACHED_CONNECTIONS	64

static CURLM *multi_handle = NULL;
static long cached_connections = MIN_CACHED_CONNECTIONS;
static CksHttpTransfer *active_transfers = NULL;
static int	n_running = 0;		/* transfers started and not done */
static CksHttpInterruptHook interrupt_hook = NULL;
static CksHttpId last_id = 0;

void
cks_http_set_interrupt_hook(CksHttpInterruptHook hook)
{
	interrupt_hook = hook;
}

/*
 * libcurl is initialised on first use rather than at load time, so that a
 * backend that never scans a cks_fdw table pays nothing for it.  Its
 * memory goes through allocator hooks that wipe every block it frees
 * (wiping_alloc.h): its copy of a request body (the web identity token), its
 * request buffer (the session-token header) and curl_easy_escape's output
 * hold secrets.  (If something else in the backend initialised libcurl
 * first, the hooks are not installed; the copies are then only freed.)
 */
static bool
ensure_multi_handle(char *errbuf)
{
	if (multi_handle != NULL)
		return true;
	if (curl_global_init_mem(CURL_GLOBAL_DEFAULT, cks_wiping_malloc,
							 cks_wiping_free, cks_wiping_realloc,
							 cks_wiping_strdup, cks_wiping_calloc) != CURLE_OK)
	{
		snprintf(errbuf, 256, "could not initialize libcurl");
		return false;
	}
	multi_handle = curl_multi_init();
	if (multi_handle == NULL)
	{
		snprintf(errbuf, 256, "could not create a libcurl multi handle");
		return false;
	}
	if (!cks_http_events_attach(multi_handle, errbuf))
	{
		curl_multi_cleanup(multi_handle);
		multi_handle = NULL;
		return false;
	}
	/* Keep enough idle connections for many regions and accounts. */
	curl_multi_setopt(multi_handle, CURLMOPT_MAXCONNECTS, cached_connections);
	return true;
}

void
cks_http_reserve_connections(long n)
{
	if (n <= cached_connections)
		return;
	cached_connections = n;
	if (multi_handle != NULL)
		curl_multi_setopt(multi_handle, CURLMOPT_MAXCONNECTS, cached_connections);
}

/* Free a header list, wiping each line: one holds the session token. */
static void
free_header_list(struct curl_slist *list)
{
	struct curl_slist *node;

	for (node = list; node != NULL; node = node->next)
	{
		if (node->data)
			explicit_bzero(node->data, strlen(node->data));
	}
	curl_slist_free_all(list);
}

/*
 * The request headers, plus "Expect:" so curl never waits for a
 * 100 Continue on larger bodies (AWS does not need it, and it costs a
 * round trip).
 */
static struct curl_slist *
build_header_list(const CksHttpRequest *req)
{
	struct curl_slist *list = NULL;
	int			i;

	for (i = 0; i < req->nheaders; i++)
	{
		char	   *line;
		struct curl_slist *grown;
		size_t		len = strlen(req->headers[i].name) + strlen(req->headers[i].value) + 3;

		/* Host is derived by curl from the URL; sending ours twice is wrong */
		if (strcasecmp(req->headers[i].name, "host") == 0)
			continue;
		line = malloc(len);
		if (line == NULL)
			goto fail;
		snprintf(line, len, "%s: %s", req->headers[i].name, req->headers[i].value);
		grown = curl_slist_append(list, line);
		explicit_bzero(line, len);
		free(line);
		if (grown == NULL)
			goto fail;
		list = grown;
	}
	{
		struct curl_slist *grown = curl_slist_append(list, "Expect:");

		if (grown == NULL)
			goto fail;
		list = grown;
	}
	return list;

fail:
	free_header_list(list);
	return NULL;
}

static CURLcode
first_failure(const CURLcode *results, int n)
{
	int			i;

	for (i = 0; i < n; i++)
		if (results[i] != CURLE_OK)
			return results[i];
	return CURLE_OK;
}

/*
 * A POST, or any request with a body, sends it as given.  A GET or a PUT
 * without a body (the IMDSv2 token PUT) sends none: POSTFIELDS would add
 * "Content-Length: 0" and a form Content-Type that these requests do not
 * have, where AWS's own examples (curl -X PUT) send neither.
 */
static CURLcode
set_method_and_body(CURL *easy, const CksHttpRequest *req)
{
	CURLcode	rc;

	if (req->body == NULL && strcmp(req->method, "POST") != 0)
	{
		if (strcmp(req->method, "GET") == 0)
			return curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
		return curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, req->method);
	}
	rc = curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, req->method);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) req->body_len);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(easy, CURLOPT_COPYPOSTFIELDS, req->body ? req->body : "");
	return rc;
}

/*
 * The security-relevant settings live here, in one place: only http and
 * https, no redirects, TLS 1.2 or later with peer and host verification
 * always on, to the endpoint and to an https:// proxy alike, and OpenSSL
 * told to wipe the plaintext it received (answers with credentials).  A
 * proxy is used only when the server says so: libcurl would otherwise
 * take one from the postmaster's environment, and no_proxy from there too.
 */
static CURLcode
configure_easy_handle(CksHttpTransfer *transfer, const CksHttpRequest *req,
					  char *curl_errbuf)
{
	CURL	   *easy = transfer->easy;
	CURLcode	results[] = {
		curl_easy_setopt(easy, CURLOPT_URL, req->url),
		curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https"),
		curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L),
		curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 1L),
		curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 2L),
		req->transport.ca_file ? curl_easy_setopt(easy, CURLOPT_CAINFO, req->transport.ca_file) : CURLE_OK,
		/* ca_file replaces the system's trust: no CA directory either */
		req->transport.ca_file ? curl_easy_setopt(easy, CURLOPT_CAPATH, NULL) : CURLE_OK,
		curl_easy_setopt(easy, CURLOPT_SSLVERSION, (long) CURL_SSLVERSION_TLSv1_2),
		curl_easy_setopt(easy, CURLOPT_PROXY, req->transport.proxy ? req->transport.proxy : ""),
		curl_easy_setopt(easy, CURLOPT_NOPROXY, req->transport.no_proxy ? req->transport.no_proxy : ""),
		curl_easy_setopt(easy, CURLOPT_PROXY_SSL_VERIFYPEER, 1L),
		curl_easy_setopt(easy, CURLOPT_PROXY_SSL_VERIFYHOST, 2L),
		curl_easy_setopt(easy, CURLOPT_PROXY_SSLVERSION, (long) CURL_SSLVERSION_TLSv1_2),
		/* OpenSSL wipes what it decrypted (both TLS hops): tls_cleanse.c */
		cks_tls_cleanse_setopt(easy),
		req->transport.ca_file ? curl_easy_setopt(easy, CURLOPT_PROXY_CAINFO, req->transport.ca_file) : CURLE_OK,
		req->transport.ca_file ? curl_easy_setopt(easy, CURLOPT_PROXY_CAPATH, NULL) : CURLE_OK,
		curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L),
		curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, (long) CURL_HTTP_VERSION_1_1),
		curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
						 (long) req->transport.connect_timeout_ms),
		curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS,
						 (long) req->transport.request_timeout_ms),
		curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L),
		curl_easy_setopt(easy, CURLOPT_USERAGENT, "cks_fdw/1.0"),
		set_method_and_body(easy, req),
		curl_easy_setopt(easy, CURLOPT_HTTPHEADER, transfer->headers),
		curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, cks_http_write_body),
		curl_easy_setopt(easy, CURLOPT_WRITEDATA, transfer),
		curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, cks_http_read_header),
		curl_easy_setopt(easy, CURLOPT_HEADERDATA, transfer),
		curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, curl_errbuf),
		curl_easy_setopt(easy, CURLOPT_PRIVATE, transfer),
		cks_http_events_count_sockets(easy, &transfer->out_of_fds),
	};

	return first_failure(results, lengthof(results));
}

static void
link_transfer(CksHttpTransfer *transfer)
{
	transfer->prev = NULL;
	transfer->next = active_transfers;
	if (active_transfers)
		active_transfers->prev = transfer;
	active_transfers = transfer;
}

static void
unlink_transfer(CksHttpTransfer *transfer)
{
	if (transfer->prev)
		transfer->prev->next = transfer->next;
	else
		active_transfers = transfer->next;
	if (transfer->next)
		transfer->next->prev = transfer->prev;
	transfer->prev = transfer->next = NULL;
}

/*
 * Frees everything a transfer holds, its easy handle too: easy handles
 * are never kept for reuse.  libcurl 8 copies a request with a body --
 * its headers, the session-token header among them, and the body, which
 * may be a web identity token -- into a send buffer that belongs to the
 * easy handle; curl_easy_reset keeps that buffer, bytes and all, for the
 * handle's next request, and only curl_easy_cleanup frees it (libcurl
 * 7.88 likewise kept the last response, which may hold credentials, in a
 * per-handle download buffer).  Freed, those buffers go through the
 * wiping allocator hooks (ensure_multi_handle).  What reuse would save is
 * small: the connections, the part worth keeping, live in the multi
 * handle, and so does the TLS session cache from libcurl 8.12 on (before
 * that a new connection's handshake may not resume a freed handle's
 * session; an open connection is reused all the same).
 */
static void
destroy_transfer(CksHttpTransfer *transfer)
{
	if (transfer->easy)
	{
		curl_multi_remove_handle(multi_handle, transfer->easy);
		curl_easy_cleanup(transfer->easy);
	}
	free_header_list(transfer->headers);
	cks_http_response_clear(transfer);
	free(transfer);
}

CksHttpId
cks_http_start(const CksHttpRequest *req, char *errbuf)
{
	CksHttpTransfer *transfer;
	CURLcode	rc;

	if (!ensure_multi_handle(errbuf))
		return 0;
	transfer = calloc(1, sizeof(CksHttpTransfer));
	if (transfer == NULL)
	{
		snprintf(errbuf, 256, "out of memory");
		return 0;
	}
	transfer->owner = req->owner;
	transfer->budget = cks_budget();
	transfer->easy = curl_easy_init();
	transfer->headers = build_header_list(req);
	if (transfer->easy == NULL || transfer->headers == NULL)
	{
		snprintf(errbuf, 256, "could not set up a libcurl request");
		transfer->done = true;
		destroy_transfer(transfer);
		return 0;
	}
	rc = configure_easy_handle(transfer, req, transfer->response.error);
	if (rc == CURLE_OK)
		rc = (CURLcode) curl_multi_add_handle(multi_handle, transfer->easy);
	if (rc != CURLE_OK)
	{
		snprintf(errbuf, 256, "could not set up a libcurl request: %s",
				 curl_easy_strerror(rc));
		transfer->done = true;
		destroy_transfer(transfer);
		return 0;
	}
	transfer->id = ++last_id;
	link_transfer(transfer);
	n_running++;
	return transfer->id;
}

/* A linear search: a backend has at most a few hundred transfers. */
CksHttpTransfer *
cks_http_find(CksHttpId id)
{
	CksHttpTransfer *t;

	if (id == 0)
		return NULL;
	for (t = active_transfers; t != NULL; t = t->next)
		if (t->id == id)
			return t;
	return NULL;
}

/* Record how a finished transfer ended. */
static void
finish_transfer(CksHttpTransfer *transfer, CURLcode result)
{
	CksHttpResponse *response = &transfer->response;

	transfer->done = true;
	n_running--;
	response->curl_code = (int) result;

	if (result == CURLE_OK)
	{
		curl_easy_getinfo(transfer->easy, CURLINFO_RESPONSE_CODE, &response->status);
		if (response->body == NULL)
			response->body = cks_http_empty_body;
		return;
	}

	response->status = 0;
	response->out_of_fds = transfer->out_of_fds;
	if (transfer->out_of_fds)
		snprintf(response->error, sizeof(response->error),
				 "no file descriptor left for another connection");
	else if (cks_http_events_take_failure())
		snprintf(response->error, sizeof(response->error),
				 "could not watch a socket: %s", curl_easy_strerror(result));
	else if (transfer->over_budget)
	{
		response->over_budget = true;
		response->budget_need = transfer->wants;
		snprintf(response->error, sizeof(response->error),
				 "response body needs %zu bytes of a response memory budget of %zu",
				 transfer->wants, transfer->budget->limit);
	}
	else if (transfer->body_too_large)
		snprintf(response->error, sizeof(response->error),
				 "response body larger than %zu bytes", cks_http_body_limit(transfer));
	else if (response->error[0] == '\0')
		snprintf(response->error, sizeof(response->error), "%s",
				 curl_easy_strerror(result));
}

static bool
collect_finished(void)
{
	CURLMsg    *msg;
	int			left;
	bool		any = false;

	while ((msg = curl_multi_info_read(multi_handle, &left)) != NULL)
	{
		CksHttpTransfer *transfer = NULL;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **) &transfer);
		if (transfer == NULL || transfer->done)
			continue;
		finish_transfer(transfer, msg->data.result);
		any = true;
	}
	return any;
}

/*
 * With timeout_ms > 0 this blocks on the epoll set alone, without the
 * latch: the frontend's wait.  The backend waits in aws_call.c, on its
 * latch and cks_http_wait_fd() together, and calls this with 0.
 */
bool
cks_http_wait(int timeout_ms)
{
	long		start = cks_http_events_now_ms();

	for (;;)
	{
		long		left;
		long		curl_ms;

		/* first, so that no way through this loop can skip it */
		if (interrupt_hook)
			interrupt_hook();
		if (multi_handle == NULL)
			return false;
		(void) cks_http_settle_memory(false);
		cks_http_events_drive(multi_handle);
		if (collect_finished())
			return true;
		if (active_transfers == NULL)
			return false;
		left = timeout_ms - (cks_http_events_now_ms() - start);
		if (left <= 0)
			return false;
		curl_ms = cks_http_timeout_ms();
		if (curl_ms >= 0 && curl_ms < left)
			left = curl_ms;
		cks_http_events_sleep(left);
	}
}

bool
cks_http_is_done(const CksHttpTransfer *transfer)
{
	return transfer->done;
}

const CksHttpResponse *
cks_http_response(const CksHttpTransfer *transfer)
{
	return &transfer->response;
}

/*
 * Releasing is idempotent: after an abort the transfer may already be gone
 * (its owner was released first) by the time the scan's own cleanup runs;
 * the id then finds nothing.
 */
void
cks_http_release(CksHttpId id)
{
	CksHttpTransfer *transfer = cks_http_find(id);

	if (transfer == NULL)
		return;
	if (!transfer->done)
		n_running--;
	unlink_transfer(transfer);
	destroy_transfer(transfer);
}

static void
release_matching(bool all, const void *owner)
{
	CksHttpTransfer *transfer = active_transfers;

	while (transfer)
	{
		CksHttpTransfer *next = transfer->next;

		if (all || transfer->owner == owner)
		{
			if (!transfer->done)
				n_running--;
			unlink_transfer(transfer);
			destroy_transfer(transfer);
		}
		transfer = next;
	}
}

void
cks_http_release_owner(const void *owner)
{
	release_matching(false, owner);
	cks_http_events_forget_closed_sockets();
}

void
cks_http_release_all(void)
{
	release_matching(true, NULL);
	cks_http_events_forget_closed_sockets();
}

int
cks_http_running_transfers(void)
{
	return n_running;
}

int
cks_http_open_sockets(void)
{
	cks_http_events_forget_closed_sockets();
	return cks_http_events_counted_sockets();
}

int
cks_http_wait_fd(void)
{
	return cks_http_events_fd();
}

long
cks_http_timeout_ms(void)
{
	if (multi_handle == NULL || active_transfers == NULL)
		return -1;
	return cks_http_events_timeout_ms();
}

/* ---------------------------------------------------------------------
 * Waiting for response memory
 * ---------------------------------------------------------------------
 */

static CksHttpTransfer *
oldest_transfer(void)
{
	CksHttpTransfer *t = active_transfers;

	while (t != NULL && t->next != NULL)
		t = t->next;
	return t;
}

/*
 * Resume a paused transfer.  curl may deliver the bytes it kept at once,
 * which may pause the transfer again.  It then wants to be run at once,
 * but libcurl 7.88 does not always tell the timer callback so: a timeout
 * action makes it run the transfer now.
 */
static void
resume(CksHttpTransfer *transfer)
{
	int			running;

	transfer->paused = false;
	(void) curl_easy_pause(transfer->easy, CURLPAUSE_CONT);
	(void) curl_multi_socket_action(multi_handle, CURL_SOCKET_TIMEOUT, 0, &running);
}

/*
 * Oldest first, so that memory goes where it is closest to being given
 * back.  The list is newest first: walk it from its tail; the first
 * unfinished transfer met is the head.
 */
bool
cks_http_settle_memory(bool about_to_sleep)
{
	CksHttpTransfer *t;
	CksHttpTransfer *first_paused = NULL;
	bool		any_running = false;
	bool		head = true;

	for (t = oldest_transfer(); t != NULL; t = t->prev)
	{
		size_t		keep_free;

		if (t->done)
			continue;
		keep_free = head ? 0 : cks_http_head_reserve(t->budget);
		head = false;
		if (!t->paused)
			any_running = true;
		else if (cks_budget_fits(t->budget, t->wants, keep_free))
		{
			resume(t);
			any_running = true;
		}
		else if (first_paused == NULL)
			first_paused = t;
	}
	if (!about_to_sleep || any_running || first_paused == NULL)
		return false;

	/*
	 * Ended here and now: a write callback failing it as it is resumed
	 * would fail inside curl_easy_pause, which libcurl 7.88 never reports
	 * to the multi handle.  Removed mid-transfer, its connection is closed.
	 */
	first_paused->over_budget = true;
	curl_multi_remove_handle(multi_handle, first_paused->easy);
	finish_transfer(first_paused, CURLE_WRITE_ERROR);
	return true;
}
