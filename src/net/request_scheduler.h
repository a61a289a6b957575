/*-------------------------------------------------------------------------
 *
 * request_scheduler.h
 *	  The one scheduler per backend that every AWS request passes on its
 *	  way out (aws/aws_call.c asks it before each attempt): a request starts
 *	  when the backend has a connection to spare -- its in-flight cap fits
 *	  the fd budget computed at run time -- and its (account, region,
 *	  operation) bucket has a token (request_quotas.h); otherwise it waits,
 *	  through the same latch waits as a backoff.  Throttled answers lower
 *	  the bucket's rate and are retried within a bounded budget that does
 *	  not use up max_attempts.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CKS_REQUEST_SCHEDULER_H
#define CKS_REQUEST_SCHEDULER_H

#include "postgres.h"

#include "datatype/timestamp.h"

/*
 * What the scheduler needs to know of one request: its quota's bucket
 * (account, key, region, operation), the server's request_quotas, and for
 * a throttled answer when its attempt was sent and since when it has been
 * throttled.  The caller (aws/aws_call.c) fills it in, so this layer knows
 * nothing of calls, signing or services.
 */
typedef struct CksSchedRequest
{
	const char *request_quotas; /* the server's overrides; NULL: AWS's */
	const char *account;		/* NULL: the key's caller */
	const char *access_key_id;
	const char *region;
	const char *action;			/* the operation, e.g. "ListKeys" */
	TimestampTz sent_at;		/* the last attempt */
	TimestampTz throttled_since;	/* its first throttled answer; 0: none */
} CksSchedRequest;

/* The default per-backend cap where the fd budget allows it. */
#define CKS_DEFAULT_MAX_CONCURRENT	256

/*
 * The max_concurrent_requests of the scan being set up (0: derived from
 * the fd budget): the backend's cap from now on.
 */
extern void cks_scheduler_configure(int max_concurrent_requests);

/* Requests the backend may have in flight at once now. */
extern int	cks_scheduler_cap(void);

/* True when a request could have a slot now (its quota aside). */
extern bool cks_scheduler_slot_free(void);

/*
 * May this attempt start now?  True: a slot and a token are taken.  False:
 * *wait_ms says when to ask again, *for_token whether it waits for its
 * quota (else for a slot).
 */
extern bool cks_scheduler_admit(const CksSchedRequest *req, TimestampTz now,
								long *wait_ms, bool *for_token);

/*
 * AWS throttled the request for the 'throttled'th time: the bucket slows
 * down.  True when it may try again at *retry_at (not counted as an
 * attempt): the throttling budget (quota_bucket.h) is not spent and the
 * statement has time left.
 */
extern bool cks_scheduler_throttled(const CksSchedRequest *req, int throttled,
									TimestampTz now, TimestampTz *retry_at);

/* True when the statement still has time at 'at' (statement_timeout). */
extern bool cks_scheduler_has_time(TimestampTz at);

/*
 * A connection was refused for want of an fd.  True when requests of this
 * backend are still in flight, so the call can wait for one to finish
 * (the cap is lowered to what fits); false when nothing could free one.
 */
extern bool cks_scheduler_out_of_fds(void);

#endif							/* CKS_REQUEST_SCHEDULER_H */
