/*-------------------------------------------------------------------------
 *
 * http_internal.h
 *	  The transfer record shared by http.c (its lifetime) and
 *	  http_response.c (what curl writes into it).  Not for other callers:
 *	  they hold transfers by id through http.h.  It needs only the
 *	  response's types (http_response.h), never http.h, so that
 *	  http_response.c depends on nothing of the transport.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CKS_HTTP_INTERNAL_H
#define CKS_HTTP_INTERNAL_H

#include <curl/curl.h>
#include <stdint.h>

#include "net/http_response.h"
#include "net/mem_budget.h"

/*
 * Transfers are listed newest first (http.c links each new one at the
 * front and gives it the next id), so the transfers older than one are
 * those after it on its next links.
 */
struct CksHttpTransfer
{
	CURL	   *easy;
	struct curl_slist *headers;
	CksHttpResponse response;
	bool		done;
	uint64_t	id;			/* a CksHttpId (http.h) */
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

#endif							/* CKS_HTTP_INTERNAL_H */
