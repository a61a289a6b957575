/*-------------------------------------------------------------------------
 *
 * request_quotas.h
 *	  AWS request quotas as token buckets, one per (account, region,
 *	  operation): AWS's default rates, the request_quotas server option
 *	  that overrides them, and the adaptive rate that a ThrottlingException
 *	  lowers and that recovers gradually (CUBIC, as botocore's adaptive
 *	  retry mode).  With shared_preload_libraries = 'cks_fdw' the buckets
 *	  live in shared memory and every backend draws from the same ones;
 *	  otherwise each backend has its own.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CKS_REQUEST_QUOTAS_H
#define CKS_REQUEST_QUOTAS_H

#include "postgres.h"

#include "datatype/timestamp.h"

/*
 * The most buckets kept (shared memory is sized for it: about 3 MB).  A
 * full table drops its idle buckets (full, at their quota), which a new
 * bucket would equal; 500 accounts x 17 regions need 8,500 for one
 * operation, and far fewer at any one time.
 */
#define CKS_QUOTA_MAX_BUCKETS	16384

/* What one bucket is for. */
typedef struct CksQuotaKey
{
	char		account[24];	/* account id, or "k" + a hash of the key id */
	char		region[32];
	char		operation[40];
} CksQuotaKey;

/* Fill key; account may be NULL (then access_key_id names the caller). */
extern void cks_quota_key(CksQuotaKey *key, const char *account,
						  const char *access_key_id, const char *region,
						  const char *operation);

/*
 * The quota of an operation in requests per second: the request_quotas
 * option's value for it (overrides may be NULL), else AWS's default; 0
 * when it has none (never waited for).
 */
extern double cks_quota_rate(const char *overrides, const char *operation);

/*
 * Seconds until the n-th of n requests sent at once to a full bucket of
 * this quota gets its token: what a full bucket holds (90% of a second's
 * worth) goes at once, the rest at the pace the bucket refills.  0 when the quota is 0 (none).
 * The planner prices lookups and pages with it (lookup_strategy.c).
 */
extern double cks_quota_token_seconds(double quota, double n);

/*
 * Check a request_quotas value ('Op=N,Op=N'); ereports (with a hint
 * listing the known operations) when it is not valid.
 */
extern void cks_quota_validate(const char *value);

/*
 * Take a token of the bucket at 'now': returns 0 when taken, else the
 * milliseconds until the next token (nothing taken).
 */
extern long cks_quota_take(const CksQuotaKey *key, double quota, TimestampTz now);

/*
 * The same without taking it (0: the bucket has a token now), for a
 * request that could not go anyway (request_scheduler.c).
 */
extern long cks_quota_wait(const CksQuotaKey *key, double quota, TimestampTz now);

/*
 * AWS throttled a request of the bucket, sent at sent_at: empty the bucket
 * and lower its rate, unless the request was sent before the last
 * decrease (one decrease per wave of throttled answers).
 */
extern void cks_quota_throttled(const CksQuotaKey *key, double quota,
								TimestampTz sent_at, TimestampTz now);

/* The bucket's current rate (for messages); quota when it has none yet. */
extern double cks_quota_current_rate(const CksQuotaKey *key, double quota);

/* Shared memory (with shared_preload_libraries); from _PG_init. */
extern void cks_quotas_initialize(void);

/* True when the buckets are shared by every backend. */
extern bool cks_quotas_shared(void);

#endif							/* CKS_REQUEST_QUOTAS_H */
