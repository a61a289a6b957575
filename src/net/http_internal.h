/*-------------------------------------------------------------------------
 *
 * http_internal.h
 *	  The transfer record shared by http.c (its lifetime) and
 *	  http_response.c (what curl writes into it).  Not for other callers:
 *	  they hold transfers by id through http.h.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CKS_HTTP_INTERNAL_H
#define CKS_HTTP_INTERNAL_H

#include <curl/curl.h>

#include "net/http.h"
#include "net/mem_budget.h"

struct CksHttpTransfer
{
	CURL	   *easy;
	struct curl_slist *headers;
	CksHttpResponse response;
	bool		done;
	CksHttpId	id;
	const void *owner;
	size_t		body_capacity;
	bool		body_too_large;
	CksMemBudget *budget;		/* the body's memory is counted here */
	bool		paused;			/* waits for response memory ... */
	size_t		wants;			/* ... this much of it */
	bool		over_budget;	/* the body can never fit: fail it */
	bool		out_of_fds;		/* a socket was refused: fd budget spent */
	struct CksHttpTransfer *prev;
	struct CksHttpTransfer *next;
};

/* Wipe and free what a transfer's response holds, leaving it empty. */
extern void cks_http_response_clear(CksHttpTransfer *transfer);

/* An empty body for a response that had none (never freed). */
extern char cks_http_empty_body[1];

/*
 * Whether this transfer is the oldest one unfinished: it may spend the
 * response memory kept free for it (http.c).
 */
extern bool cks_http_is_head(const CksHttpTransfer *transfer);

/* Response memory kept free for the oldest unfinished transfer. */
extern size_t cks_http_head_reserve(const CksMemBudget *budget);

/* The most body this transfer's response may have, by its status. */
extern size_t cks_http_body_limit(CksHttpTransfer *transfer);

/* CURLOPT_WRITEFUNCTION, with the transfer as its argument. */
extern size_t cks_http_write_body(char *data, size_t size, size_t nmemb,
								  void *arg);

/* CURLOPT_HEADERFUNCTION, with the transfer as its argument. */
extern size_t cks_http_read_header(char *line, size_t size, size_t nitems,
								   void *arg);

#endif							/* CKS_HTTP_INTERNAL_H */
