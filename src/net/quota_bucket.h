/*-------------------------------------------------------------------------
 *
 * quota_bucket.h
 *	  The arithmetic of one request-quota token bucket: how many requests
 *	  may go now, how long the next one waits, how a throttled answer
 *	  slows the bucket down and how it recovers.  No backend needed (no
 *	  locks, no hash tables, time passed in), so the unit runner drives it
 *	  with a made-up clock; net/request_quotas.c keeps the buckets.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CKS_QUOTA_BUCKET_H
#define CKS_QUOTA_BUCKET_H

#include "datatype/timestamp.h"

typedef struct CksQuotaBucket
{
	double		quota;			/* the rate it was made for */
	double		rate;			/* current rate, <= quota */
	double		last_max;		/* the rate when last lowered */
	double		tokens;
	TimestampTz last_refill;
	TimestampTz last_throttle;	/* 0: recovered */
	TimestampTz last_decrease;	/* when the rate was last lowered */
} CksQuotaBucket;

/* The lowest rate throttling brings a bucket to, per second. */
#define CKS_QUOTA_MIN_RATE	0.5

/* A full bucket of this quota (requests per second), at 'now'. */
extern void cks_bucket_init(CksQuotaBucket *bucket, double quota, TimestampTz now);

/*
 * Take a token at 'now': returns 0 when taken, else the milliseconds
 * until the next token (nothing taken).
 */
extern long cks_bucket_take(CksQuotaBucket *bucket, TimestampTz now);

/* The same without taking it: 0 when the bucket has a token now. */
extern long cks_bucket_wait(CksQuotaBucket *bucket, TimestampTz now);

/*
 * AWS throttled a request sent at sent_at, answered at 'now': empty the
 * bucket and lower its rate, unless the request was sent before the last
 * decrease (one decrease per wave of throttled answers).
 */
extern void cks_bucket_throttled(CksQuotaBucket *bucket, TimestampTz sent_at,
								 TimestampTz now);

/*
 * True when the bucket at 'now' is as good as a new one (full, at its
 * quota): forgetting it loses nothing, so a full table may drop it.
 */
extern bool cks_bucket_idle(CksQuotaBucket *bucket, TimestampTz now);

/* The bucket's rate at 'now', recovered as far as time allows. */
extern double cks_bucket_rate(CksQuotaBucket *bucket, TimestampTz now);

/*
 * Seconds until the n-th of n requests sent at once to a full bucket of
 * this quota gets its token.  0 when the quota is 0 (none).
 */
extern double cks_bucket_token_seconds(double quota, double n);

/*
 * How long a request may go on being throttled: from its first throttled
 * answer, 60 s and at most 100 answers (the statement's own timeout may
 * end it sooner).  Counted in time, not answers, because without the
 * preload a backend's short backoffs meet many more throttled answers
 * when many sessions share a quota, and the backoff no longer grows to
 * spread them.
 */
#define CKS_THROTTLE_PATIENCE_MS	60000
#define CKS_THROTTLE_MAX_ANSWERS	100

/* May a request throttled 'throttled' times, first at 'since', retry? */
extern bool cks_throttle_may_retry(int throttled, TimestampTz since,
								   TimestampTz now);

/*
 * The upper bound of the wait before the retry of a request throttled for
 * the n-th time (the wait itself is drawn between half of it and all).
 */
extern long cks_throttle_backoff_cap_ms(int throttled);

#endif							/* CKS_QUOTA_BUCKET_H */
