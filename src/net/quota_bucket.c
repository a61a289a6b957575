/*-------------------------------------------------------------------------
 *
 * quota_bucket.c
 *	  One request-quota token bucket, with time passed in.  See
 *	  quota_bucket.h.
 *
 *	  AWS lets a burst of one second's worth of a quota through, then
 *	  throttles the rest of that second.  A bucket holds 90% of that burst
 *	  and refills at 90% of the rate: requests sent at once do not arrive
 *	  at once (a new connection's handshake delays the first ones more than
 *	  the later ones), and without a margin on the burst too, a request
 *	  sent right after a full burst finds AWS's bucket a fraction of a
 *	  token short.
 *
 *	  A ThrottlingException (another client of the account, a quota lower
 *	  than we think) lowers the rate to 70% and it grows back along a cubic
 *	  curve to the quota, as botocore's adaptive retry mode does
 *	  (botocore/retries/adaptive.py, cubic.py: beta 0.7, scale 0.4) -- but
 *	  once per wave: the answers to requests sent before the last decrease
 *	  tell of the rate before it, as TCP lowers its window once per round
 *	  trip, not once per lost packet.  Lowered once per answer, a burst of
 *	  9 throttled AssumeRole answers cut a rate of 100 to 4 per second, and
 *	  the 9 retries took 2 s.
 *
 *	  The backoff before retrying a throttled request only spreads a
 *	  wave's retries: the bucket is what slows the client down (its lowered
 *	  rate, and the retry waits for its token too).  So it stops growing at
 *	  1 s: AWS's quotas are per second, and a longer wait finds no more room
 *	  than the bucket already gives; it only leaves the quota unused.
 *	  Eight sessions of one account, each with its own buckets, took up to
 *	  1.5 times as long as the quota needs with backoffs of up to 5 s.
 *	  Short backoffs meet more throttled answers, so a request's budget is
 *	  time (60 s of being throttled), not 10 answers: with 10, 16 sessions
 *	  sharing one quota without the preload would fail requests that only
 *	  had to wait their turn.
 *
 *-------------------------------------------------------------------------
 */
#include "c.h"

#include <math.h>

#include "net/quota_bucket.h"

#define CUBIC_BETA		0.7
#define CUBIC_SCALE		0.4
#define PACING			0.9		/* hold and refill 90% of the rate */
#define THROTTLE_BASE_MS	100
#define THROTTLE_MAX_MS		1000

/* The tokens a bucket at this rate holds when full: at least one. */
static double
capacity(double rate)
{
	return Max(1.0, rate * PACING);
}

void
cks_bucket_init(CksQuotaBucket *bucket, double quota, TimestampTz now)
{
	bucket->quota = quota;
	bucket->rate = quota;
	bucket->last_max = quota;
	bucket->tokens = capacity(quota);
	bucket->last_refill = now;
	bucket->last_throttle = 0;
	bucket->last_decrease = 0;
}

/* The rate grows back along botocore's cubic curve, up to the quota. */
static void
recover(CksQuotaBucket *bucket, TimestampTz now)
{
	double		t;
	double		k;
	double		cubic;

	if (bucket->last_throttle == 0)
		return;
	t = (double) (now - bucket->last_throttle) / USECS_PER_SEC;
	k = cbrt(bucket->last_max * (1 - CUBIC_BETA) / CUBIC_SCALE);
	cubic = CUBIC_SCALE * pow(t - k, 3) + bucket->last_max;
	bucket->rate = Min(bucket->quota,
					   Max(CKS_QUOTA_MIN_RATE, Max(bucket->rate, cubic)));
	if (bucket->rate >= bucket->quota)
		bucket->last_throttle = 0;
}

static void
refill(CksQuotaBucket *bucket, TimestampTz now)
{
	double		elapsed = (double) (now - bucket->last_refill) / USECS_PER_SEC;

	if (elapsed > 0)
		bucket->tokens = Min(capacity(bucket->rate),
							 bucket->tokens + elapsed * bucket->rate * PACING);
	bucket->last_refill = Max(bucket->last_refill, now);
}

long
cks_bucket_wait(CksQuotaBucket *bucket, TimestampTz now)
{
	recover(bucket, now);
	refill(bucket, now);
	if (bucket->tokens >= 1.0)
		return 0;
	return Max(1, (long) ceil((1.0 - bucket->tokens) * 1000.0 /
							  (bucket->rate * PACING)));
}

long
cks_bucket_take(CksQuotaBucket *bucket, TimestampTz now)
{
	long		wait_ms = cks_bucket_wait(bucket, now);

	if (wait_ms == 0)
		bucket->tokens -= 1.0;
	return wait_ms;
}

void
cks_bucket_throttled(CksQuotaBucket *bucket, TimestampTz sent_at,
					 TimestampTz now)
{
	recover(bucket, now);
	if (sent_at >= bucket->last_decrease)
	{
		bucket->last_max = bucket->rate;
		bucket->rate = Max(CKS_QUOTA_MIN_RATE, bucket->rate * CUBIC_BETA);
		bucket->last_throttle = now;
		bucket->last_decrease = now;
	}
	/* AWS's bucket is empty now, whatever ours said */
	bucket->tokens = 0;
	bucket->last_refill = now;
}

bool
cks_bucket_idle(CksQuotaBucket *bucket, TimestampTz now)
{
	recover(bucket, now);
	refill(bucket, now);
	return bucket->rate >= bucket->quota &&
		bucket->tokens >= capacity(bucket->quota);
}

double
cks_bucket_rate(CksQuotaBucket *bucket, TimestampTz now)
{
	recover(bucket, now);
	return bucket->rate;
}

double
cks_bucket_token_seconds(double quota, double n)
{
	if (quota <= 0 || n <= capacity(quota))
		return 0;
	return (n - capacity(quota)) / (quota * PACING);
}

bool
cks_throttle_may_retry(int throttled, TimestampTz since, TimestampTz now)
{
	return throttled < CKS_THROTTLE_MAX_ANSWERS &&
		now - since < (TimestampTz) CKS_THROTTLE_PATIENCE_MS * 1000;
}

long
cks_throttle_backoff_cap_ms(int throttled)
{
	long		cap = THROTTLE_BASE_MS;
	int			i;

	for (i = 1; i < throttled && cap < THROTTLE_MAX_MS; i++)
		cap *= 2;
	return Min(cap, THROTTLE_MAX_MS);
}
