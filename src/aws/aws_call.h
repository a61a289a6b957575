/*-------------------------------------------------------------------------
 *
 * aws_call.h
 *	  One AWS API call as the backend runs it: signed, sent, retried in
 *	  AWS's "standard" retry mode, corrected for clock skew, and turned into
 *	  a PostgreSQL error when it finally fails.
 *
 *	  Calls are state machines so that many can be in flight at once (one
 *	  per region or account); cks_calls_step() drives any set of them.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CKS_AWS_CALL_H
#define CKS_AWS_CALL_H

#include "postgres.h"

#include "aws/aws_error.h"
#include "aws/aws_service.h"
#include "datatype/timestamp.h"
#include "net/http.h"
#include "aws/sigv4.h"

typedef enum CksCallState
{
	CKS_CALL_IDLE,				/* not started */
	CKS_CALL_IN_FLIGHT,
	CKS_CALL_BACKOFF,			/* waiting to retry */
	CKS_CALL_DONE,				/* 2xx response in body */
	CKS_CALL_FAILED				/* error describes why */
} CksCallState;

/* Per-call transport settings (from the server / table options). */
typedef struct CksCallSettings
{
	CksTransport transport;		/* the server's timeouts, tries, CA file
								 * and proxy */
	/* the user mapping's credential_source, for hints; NULL: its keys */
	const char *credential_source;
	const char *request_quotas; /* the server's overrides; NULL: AWS's */
} CksCallSettings;

/* What a call in CKS_CALL_BACKOFF waits for, besides its retry_at. */
typedef enum CksCallWait
{
	CKS_WAIT_BACKOFF,			/* a retry's backoff: only the time */
	CKS_WAIT_TOKEN,				/* its quota's next token */
	CKS_WAIT_SLOT				/* a place under the backend's cap */
} CksCallWait;

typedef struct CksCall
{
	/* what to send; strings must outlive the call */
	const CksOperation *operation;
	const CksService *service;	/* operation->service */
	const char *url;
	const char *region;
	const char *account;		/* for its quota; NULL: the key's caller */
	char	   *target;			/* X-Amz-Target (JSON protocol), or NULL */
	char	   *body;
	const SigV4Credentials *credentials;
	const CksCallSettings *settings;
	MemoryContext mcxt;			/* where the outcome's strings live: the
								 * context current at cks_call_init, which
								 * must outlive the call */

	/* progress */
	CksCallState state;
	int			attempts;		/* attempts made so far */
	bool		skew_corrected;
	TimestampTz retry_at;
	TimestampTz sent_at;		/* when the last attempt was sent */
	CksHttpId	transfer;		/* the attempt in flight, 0 if none */
	int			curl_code;		/* of the last attempt, for retry decisions */
	int			requests_sent;	/* for EXPLAIN ANALYZE */
	int			throttled;		/* throttled answers (not attempts) */
	TimestampTz throttled_since;	/* the first of them */
	long		quota_wait_ms;	/* waited for a token or a slot */
	TimestampTz waiting_since;	/* 0: not waiting for the scheduler */
	CksCallWait waits_for;		/* in BACKOFF: a token, a slot, or neither
								 * (a retry's backoff) */

	/* outcome */
	long		http_status;
	char	   *response_body;	/* palloc'd, when DONE */
	size_t		response_len;
	char	   *request_id;
	CksAwsError error;			/* when FAILED */
} CksCall;

/* Register the cancel hook and abort callbacks; called from _PG_init. */
extern void cks_calls_initialize(void);

/*
 * Prepare a call of any operation of any service; it starts at the next
 * cks_calls_step / cks_calls_poll / cks_call_run, so calls of different
 * services can share one loop.
 */
extern void cks_call_init(CksCall *call, const CksOperation *operation,
						  const char *url, const char *region, char *body,
						  const SigV4Credentials *credentials,
						  const CksCallSettings *settings);

/*
 * Drive calls until at least one of them is DONE or FAILED (returns its
 * index) -- or, if none is active, return -1 at once.  Waits honour query
 * cancel and statement_timeout.
 */
extern int	cks_calls_step(CksCall **calls, int ncalls);

/*
 * The same without ever waiting: moves transfers forward once and returns
 * a finished call's index, -1 if none is active, or CKS_CALLS_WOULD_BLOCK.
 */
#define CKS_CALLS_WOULD_BLOCK	(-2)
extern int	cks_calls_poll(CksCall **calls, int ncalls);

/* Milliseconds until a backoff ends or curl needs a timeout serviced;
 * -1 when nothing is due. */
extern long cks_calls_next_wakeup_ms(CksCall **calls, int ncalls);

/* True when the call has something to hand over without waiting: an
 * outcome, or an attempt whose transfer has finished (or vanished). */
extern bool cks_call_ready(const CksCall *call);

/*
 * True while the call waits for its quota's next token: it is not on the
 * wire and holds no connection, so a caller counting its requests against
 * a cap may give its place to another (at most as many calls waiting as
 * the caller chooses to start ahead).
 */
extern bool cks_call_waits_for_quota(const CksCall *call);

/* Run one call to its end. */
extern void cks_call_run(CksCall *call);

/* Forget a call's transfer and response (before reuse or at scan end). */
extern void cks_call_reset(CksCall *call);

/*
 * ereport a FAILED call at elevel with the right SQLSTATE, the AWS code,
 * message and request id in errdetail, and a hint.  'what' names the call
 * for the message, e.g. "DescribeCustomKeyStores in region \"us-east-1\"".
 */
extern void cks_call_report(const CksCall *call, int elevel, const char *what,
							const char *account_id);

/* True when the failure is AWS saying the id/name does not exist. */
extern bool cks_call_failed_with(const CksCall *call, const char *code);

/* AWS refused the call's keys as expired (ExpiredToken[Exception]). */
extern bool cks_call_failed_as_expired(const CksCall *call);

/*
 * A DONE call whose body turned out not to be what the protocol promises
 * becomes FAILED with that error, to be reported like any other failure.
 */
extern void cks_call_fail_bad_response(CksCall *call, const CksAwsError *err);

/*
 * True when cks_calls_poll would return one of these calls at once: one has
 * ended, or its transfer has (moved along while another scan drove the
 * shared transfers).  Moves every transfer forward once, without waiting.
 */
extern bool cks_calls_any_ready(CksCall **calls, int ncalls);

/*
 * How a caller that runs calls in its own loop (a scan) gets the
 * credentials of an account that has none yet, through calls it runs
 * itself; implemented by the assumed roles (credentials/account_roles.c),
 * so neither side includes the other: 'cached' returns usable ones
 * at once or NULL; 'prepare' sets up the call (cks_call_init); 'take'
 * turns a DONE call into credentials, or returns NULL after making the
 * call FAILED (a malformed answer); 'renew_signer' says whether a failed
 * call is worth one more try with freshly fetched signing keys (they were
 * refused as expired); 'describe' names the call for messages.
 * Credentials are allocated in the current memory context.
 */
typedef struct CksCredentialCalls
{
	const SigV4Credentials *(*cached) (void *arg, const char *account_id);
	void		(*prepare) (void *arg, const char *account_id, CksCall *call,
							const CksCallSettings *settings);
	const SigV4Credentials *(*take) (void *arg, const char *account_id,
									 CksCall *call);
	bool		(*renew_signer) (void *arg, const CksCall *call);
	char	   *(*describe) (void *arg, const char *account_id);
	void	   *arg;
} CksCredentialCalls;

#endif							/* CKS_AWS_CALL_H */
