/*-------------------------------------------------------------------------
 *
 * test_quota_bucket.c
 *	  Unit tests of one request-quota token bucket (net/quota_bucket.c)
 *	  on a made-up clock: the burst a new bucket lets through and the
 *	  margin it keeps below AWS's, the pace after it, one rate decrease
 *	  per wave of throttled answers, the cubic recovery to the quota, the
 *	  lowest rate, the planner's estimate, when a bucket is as good as new
 *	  (idle), looking at a bucket without taking a token, the throttle
 *	  backoff's cap and how long a request may go on being throttled.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <math.h>

#include "net/quota_bucket.h"
#include "unit.h"

#define MS(n)	((TimestampTz) (n) * 1000)
#define T0		((TimestampTz) 1000000000)	/* any start; 0 means "never" */

/* Equal within 0.01 (the cubic curve moves the rate a little per ms). */
static bool
near(double got, double want)
{
	return fabs(got - want) < 0.01;
}

/* How many tokens a bucket gives at 'now' before it says wait. */
static int
drain(CksQuotaBucket *bucket, TimestampTz now, long *wait_ms)
{
	int			n = 0;

	while ((*wait_ms = cks_bucket_take(bucket, now)) == 0 && n < 100000)
		n++;
	return n;
}

/* 5/s: 4 at once (90% of AWS's burst of 5), the next 0.5 token later. */
static void
test_burst_and_pace(void)
{
	CksQuotaBucket b;
	long		wait_ms;

	cks_bucket_init(&b, 5, T0);
	CHECK(drain(&b, T0, &wait_ms) == 4);
	/* 0.5 token left; 0.5 more at 4.5/s: 112 ms */
	CHECK(wait_ms == 112);
	CHECK(cks_bucket_take(&b, T0 + MS(111)) > 0);
	CHECK(cks_bucket_take(&b, T0 + MS(112)) == 0);
	/* then one every 1 / 4.5 s (222 ms, less the 0.004 token left) */
	wait_ms = cks_bucket_take(&b, T0 + MS(112));
	CHECK(wait_ms >= 221 && wait_ms <= 223);

	/* idle for a minute: full again, but never more than 4.5 tokens */
	CHECK(drain(&b, T0 + MS(60000), &wait_ms) == 4);

	/* 100/s: 90 at once, not AWS's whole 100 */
	cks_bucket_init(&b, 100, T0);
	CHECK(drain(&b, T0, &wait_ms) == 90);

	/* below 1/s a bucket still holds one token */
	cks_bucket_init(&b, 0.5, T0);
	CHECK(drain(&b, T0, &wait_ms) == 1);
}

/*
 * A burst of 9 throttled answers to requests sent at once lowers the
 * rate once (100 -> 70), not nine times (-> 4); a request sent after the
 * decrease and throttled lowers it again.
 */
static void
test_one_decrease_per_wave(void)
{
	CksQuotaBucket b;
	long		wait_ms;
	int			i;

	cks_bucket_init(&b, 100, T0);
	drain(&b, T0, &wait_ms);
	for (i = 0; i < 9; i++)
		cks_bucket_throttled(&b, T0, T0 + MS(10 + i));
	/* 70, and what the cubic curve gave back in those 8 ms (0.17) */
	CHECK(b.rate >= 70 && b.rate < 70.5);
	CHECK(b.tokens == 0);
	CHECK(b.last_decrease == T0 + MS(10));

	/* a retry sent after the decrease, throttled again: a new wave */
	cks_bucket_throttled(&b, T0 + MS(60), T0 + MS(70));
	CHECK(b.rate >= 49 && b.rate < 50);
	/* and an old answer arriving late lowers nothing */
	cks_bucket_throttled(&b, T0 + MS(20), T0 + MS(71));
	CHECK(b.rate >= 49 && b.rate < 50);
}

/* The rate falls to 70% per wave, never below the lowest rate. */
static void
test_lowest_rate(void)
{
	CksQuotaBucket b;
	TimestampTz now = T0;
	long		wait_ms;
	int			i;

	cks_bucket_init(&b, 5, T0);
	for (i = 0; i < 20; i++, now += MS(1))
		cks_bucket_throttled(&b, now, now);
	CHECK(near(b.rate, CKS_QUOTA_MIN_RATE));
	/* the next token of a bucket at the lowest rate: 1 / (0.5 * 0.9) s */
	wait_ms = cks_bucket_take(&b, now);
	CHECK(wait_ms >= 2221 && wait_ms <= 2223);
}

/*
 * After a throttle the rate grows back along the cubic curve: below the
 * old rate at first, back at it after k = cbrt(old * 0.3 / 0.4) seconds,
 * at the quota (and "recovered") later.
 */
static void
test_cubic_recovery(void)
{
	CksQuotaBucket b;
	double		k = cbrt(100 * 0.3 / 0.4);

	cks_bucket_init(&b, 100, T0);
	cks_bucket_throttled(&b, T0, T0);
	CHECK(near(cks_bucket_rate(&b, T0), 70));
	CHECK(cks_bucket_rate(&b, T0 + MS(1000)) < 100);
	CHECK(cks_bucket_rate(&b, T0 + MS(1000)) > 70);
	CHECK(cks_bucket_rate(&b, T0 + (TimestampTz) (k * 1000000) + MS(1)) >= 99.99);
	CHECK(near(cks_bucket_rate(&b, T0 + MS(10000)), 100));
	CHECK(b.last_throttle == 0);
	/* the rate never grows while no time passes */
	cks_bucket_throttled(&b, T0 + MS(20000), T0 + MS(20000));
	CHECK(near(cks_bucket_rate(&b, T0 + MS(20000)), 70));
}

/* The planner's estimate matches what the bucket does. */
static void
test_token_seconds(void)
{
	CksQuotaBucket b;
	long		wait_ms;
	TimestampTz now = T0;
	int			sent = 0;

	CHECK(cks_bucket_token_seconds(5, 4) == 0);
	CHECK(cks_bucket_token_seconds(0, 100) == 0);
	/* 8 at 5/s: 4.5 at once, 3.5 more at 4.5/s */
	CHECK(near(cks_bucket_token_seconds(5, 8), 3.5 / 4.5));

	/* the 8th token of a real bucket comes at that time, to the ms */
	cks_bucket_init(&b, 5, T0);
	while (sent < 8)
	{
		if ((wait_ms = cks_bucket_take(&b, now)) == 0)
			sent++;
		else
			now += MS(wait_ms);
	}
	CHECK(llabs((now - T0) / 1000 - (long) (1000 * 3.5 / 4.5)) <= 2);
}

/*
 * A bucket is idle (a full table may forget it) only when a new one would
 * be the same: full and at its quota.
 */
static void
test_idle(void)
{
	CksQuotaBucket b;

	cks_bucket_init(&b, 5, T0);
	CHECK(cks_bucket_idle(&b, T0));
	CHECK(cks_bucket_take(&b, T0) == 0);
	CHECK(!cks_bucket_idle(&b, T0 + MS(100)));
	CHECK(cks_bucket_idle(&b, T0 + MS(223)));

	/* throttled: not idle while the rate is below the quota, refilled or not */
	cks_bucket_throttled(&b, T0 + MS(300), T0 + MS(300));
	CHECK(!cks_bucket_idle(&b, T0 + MS(1300)));
	CHECK(cks_bucket_idle(&b, T0 + MS(10000)));
}

/*
 * Looking (cks_bucket_wait) says what taking would, and takes nothing: a
 * request that found no slot learns whether its token is there without
 * spending it.
 */
static void
test_wait_takes_nothing(void)
{
	CksQuotaBucket b;
	long		wait_ms;

	cks_bucket_init(&b, 5, T0);
	CHECK(cks_bucket_wait(&b, T0) == 0);
	CHECK(cks_bucket_wait(&b, T0) == 0);
	CHECK(drain(&b, T0, &wait_ms) == 4);
	CHECK(cks_bucket_wait(&b, T0) == wait_ms);
	CHECK(cks_bucket_wait(&b, T0 + MS(112)) == 0);
	CHECK(cks_bucket_wait(&b, T0 + MS(112)) == 0);
	CHECK(cks_bucket_take(&b, T0 + MS(112)) == 0);
	CHECK(cks_bucket_wait(&b, T0 + MS(112)) > 0);
}

/* 100 ms doubling, at most 1 s. */
static void
test_backoff_cap(void)
{
	CHECK(cks_throttle_backoff_cap_ms(1) == 100);
	CHECK(cks_throttle_backoff_cap_ms(2) == 200);
	CHECK(cks_throttle_backoff_cap_ms(4) == 800);
	CHECK(cks_throttle_backoff_cap_ms(5) == 1000);
	CHECK(cks_throttle_backoff_cap_ms(10) == 1000);
	CHECK(cks_throttle_backoff_cap_ms(1000) == 1000);
}

/* Throttled for up to 60 s from the first answer, at most 100 answers. */
static void
test_throttle_patience(void)
{
	CHECK(cks_throttle_may_retry(1, T0, T0));
	CHECK(cks_throttle_may_retry(40, T0, T0 + MS(59999)));
	CHECK(!cks_throttle_may_retry(2, T0, T0 + MS(60000)));
	CHECK(cks_throttle_may_retry(99, T0, T0 + MS(1000)));
	CHECK(!cks_throttle_may_retry(100, T0, T0 + MS(1000)));
}

void
run_quota_bucket_tests(void)
{
	test_burst_and_pace();
	test_one_decrease_per_wave();
	test_lowest_rate();
	test_cubic_recovery();
	test_token_seconds();
	test_idle();
	test_wait_takes_nothing();
	test_backoff_cap();
	test_throttle_patience();
}
