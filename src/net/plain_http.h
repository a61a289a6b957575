/*-------------------------------------------------------------------------
 *
 * plain_http.h
 *	  Unsigned HTTP requests from a backend, run to their end: the EC2 and
 *	  ECS / EKS metadata services and STS AssumeRoleWithWebIdentity, whose
 *	  credential is a token rather than a signature.  Signed AWS calls go
 *	  through aws_call.c instead.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CKS_PLAIN_HTTP_H
#define CKS_PLAIN_HTTP_H

#include "postgres.h"

#include "net/http.h"

typedef struct CksPlainRequest
{
	const char *url;
	const char *method;			/* "GET", "PUT", "POST" */
	const CksHeader *headers;
	int			nheaders;
	const char *body;			/* may be NULL */
	size_t		body_len;
	CksTransport transport;		/* retried up to max_attempts on no
								 * answer or a 5xx */
} CksPlainRequest;

typedef struct CksPlainResponse
{
	long		status;			/* 0 when no answer; see error */
	char	   *body;			/* palloc'd, NUL-terminated; may hold
								 * secrets: cks_plain_response_free */
	size_t		body_len;
	char	   *request_id;		/* palloc'd or NULL */
	int			attempts;		/* requests sent */
	char		error[256];		/* curl's reason when status is 0 */
} CksPlainResponse;

/*
 * Send the request and wait for its answer, retrying as the request says.
 * Waits honour query cancel and statement_timeout (the transfer is
 * dropped on the way out).  Never throws for an HTTP or network failure:
 * the caller decides what each answer means for its protocol.
 */
extern void cks_plain_request(const CksPlainRequest *req,
							  CksPlainResponse *response);

/* Wipe the body (it may hold credentials or tokens) and free it all. */
extern void cks_plain_response_free(CksPlainResponse *response);

#endif							/* CKS_PLAIN_HTTP_H */
