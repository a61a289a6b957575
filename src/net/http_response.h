/*-------------------------------------------------------------------------
 *
 * http_response.h
 *	  What the bytes of an HTTP response become (http_response.c): the
 *	  response record callers read, the bounds on its body, and the curl
 *	  callbacks that fill it.  The transport (http.c) includes this and
 *	  owns transfers; nothing here knows how transfers are driven, so the
 *	  dependency runs one way, from http.c to here.
 *
 *	  Frontend-safe; the callbacks run inside curl and never throw.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CKS_HTTP_RESPONSE_H
#define CKS_HTTP_RESPONSE_H

#include <stdbool.h>
#include <stddef.h>

#include "net/mem_budget.h"

/*
 * Responses larger than these are cut off and reported as a transport
 * error.  A 2xx body is a page: 1,000 key stores with 5 kB certificates
 * are ~6 MB, so 16 MiB leaves room to spare.  An error body is a code and
 * a message; nothing legitimate comes near 64 KiB.  The status line is
 * known before the first body byte, so the cap is chosen per response.
 */
#define CKS_HTTP_MAX_BODY		(16 * 1024 * 1024)
#define CKS_HTTP_MAX_ERROR_BODY	(64 * 1024)

typedef struct CksHttpResponse
{
	long		status;			/* HTTP status; 0 when no response */
	char	   *body;			/* malloc'd, NUL-terminated, may be "" */
	size_t		body_len;
	char	   *request_id;		/* x-amzn-RequestId / x-amz-request-id */
	char	   *error_type;		/* X-Amzn-ErrorType */
	char	   *date;			/* Date, for clock-skew correction */
	/* transport failures (status == 0) */
	int			curl_code;		/* CURLcode */
	bool		out_of_fds;		/* the backend's fd budget was spent */
	bool		over_budget;	/* the body could not fit in the response
								 * memory budget ... */
	size_t		budget_need;	/* ... needing this much of it */
	char		error[256];		/* curl's reason, for errdetail */
} CksHttpResponse;

/*
 * One request in flight (http_internal.h holds its fields).  Declared
 * here because the callbacks below fill a transfer's response.
 */
typedef struct CksHttpTransfer CksHttpTransfer;

/* Wipe and free what a transfer's response holds, leaving it empty. */
extern void cks_http_response_clear(CksHttpTransfer *transfer);

/* An empty body for a response that had none (never freed). */
extern char cks_http_empty_body[1];

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

#endif							/* CKS_HTTP_RESPONSE_H */
