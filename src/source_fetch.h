/*-------------------------------------------------------------------------
 *
 * source_fetch.h
 *	  The request/answer state machines of the credential sources that
 *	  fetch over HTTP: the EC2 instance metadata service (IMDSv2 with its
 *	  optional IMDSv1 fallback), the ECS / EKS Pod Identity container
 *	  endpoint and STS AssumeRoleWithWebIdentity.
 *
 *	  Frontend-safe (no backend needed): requests go out through an
 *	  injected transport (CksFetchTransport), which the backend points at
 *	  plain_http.c and the unit tests and fuzz target at scripted answers.
 *	  Whatever the answers, a fetch ends in credentials or in a failure
 *	  kind with a detail sentence, after a bounded number of requests
 *	  (CKS_FETCH_MAX_REQUESTS), and never throws.  The caller turns a
 *	  failure into an ereport naming the source (credential_sources.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef CKS_SOURCE_FETCH_H
#define CKS_SOURCE_FETCH_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "imds.h"
#include "sigv4.h"
#include "sts.h"

/* One request as the transport sends it (one attempt). */
typedef struct CksFetchRequest
{
	const char *method;			/* "GET", "PUT", "POST" */
	const char *url;
	const CksHeader *headers;	/* every name and value non-NULL */
	int			nheaders;
	const char *body;			/* NULL: none */
	size_t		body_len;
	bool		to_sts;			/* STS timeouts, CA file and proxy rather
								 * than the metadata services' */
} CksFetchRequest;

/* One answer, filled by the transport. */
typedef struct CksFetchAnswer
{
	long		status;			/* HTTP status; 0: no answer (timeout,
								 * connection refused or closed) */
	char	   *body;			/* palloc'd, NUL-terminated, or NULL; the
								 * state machine wipes and frees it */
	size_t		body_len;
	char	   *request_id;		/* palloc'd or NULL */
	int			attempts;		/* requests sent for this answer */
	char		error[256];		/* why there was no answer */
} CksFetchAnswer;

/*
 * Send one attempt of req and fill *answer (zeroed by the caller).  May
 * throw in the backend (query cancel): the state machines hold no secret
 * of their own across a send that such a throw would leave unwiped.
 */
typedef void (*CksFetchSend) (void *arg, const CksFetchRequest *req,
							  CksFetchAnswer *answer);

typedef struct CksFetchTransport
{
	CksFetchSend send;
	void	   *arg;
	int			metadata_attempts;	/* per metadata request, 1 to
									 * IMDS_MAX_ATTEMPTS */
	int			sts_attempts;	/* per STS request, 1 to 10 */
	time_t		now;			/* for the IMDSv2 session token's TTL */
	int			requests;		/* out: attempts sent, all requests */
} CksFetchTransport;

/*
 * How many attempts one fetch may send at most, per attempt budget: the
 * instance source sends a token PUT, then two GETs, each of which may
 * take a refused token (401) for one new token and one more GET.
 */
#define CKS_FETCH_MAX_REQUESTS(attempts)	(7 * (attempts))

typedef enum CksFetchStatus
{
	CKS_FETCH_OK = 0,
	CKS_FETCH_UNREACHABLE,		/* no answer after every attempt: HV00N */
	CKS_FETCH_REFUSED,			/* an answer that is not a success: 28000 */
	CKS_FETCH_MALFORMED			/* a success that cannot be used: HV004 */
} CksFetchStatus;

/* The IMDSv2 session token, kept across fetches until its TTL nears. */
typedef struct CksImdsSession
{
	char		token[IMDS_MAX_TOKEN_LEN + 1];	/* "": none */
	time_t		refresh_at;
} CksImdsSession;

/* Wipe the session token. */
extern void cks_imds_session_forget(CksImdsSession *session);

/*
 * Each fetch fills *out (palloc'd strings, checked as cks_check_
 * credentials does) and returns CKS_FETCH_OK, or returns a failure with
 * *detail, a palloc'd sentence that quotes no secret and no body, and
 * leaves *out zeroed.
 */

/*
 * credential_source 'instance': IMDSv2 token, role name, credentials.
 * endpoint has no trailing '/'.  v1_allowed: a token PUT answered 403,
 * 404 or 405 falls back to IMDSv1 (no token) instead of failing.
 */
extern CksFetchStatus cks_fetch_instance(CksFetchTransport *t,
										 const char *endpoint,
										 bool v1_allowed,
										 CksImdsSession *session,
										 StsCredentials *out, char **detail);

/*
 * credential_source 'container': one GET of url, with the Authorization
 * header when authorization is not NULL.
 */
extern CksFetchStatus cks_fetch_container(CksFetchTransport *t,
										  const char *url,
										  const char *authorization,
										  StsCredentials *out, char **detail);

/*
 * credential_source 'web_identity': POST body (the form of
 * sts_web_identity_body, which holds token) to sts_url.  token is only
 * used to keep it out of the detail.
 */
extern CksFetchStatus cks_fetch_web_identity(CksFetchTransport *t,
											 const char *sts_url,
											 const char *body,
											 const char *token,
											 StsCredentials *out,
											 char **detail);

/* The scheme://host[:port] of url (paths may name a task); palloc'd. */
extern char *cks_url_origin(const char *url);

#endif							/* CKS_SOURCE_FETCH_H */
