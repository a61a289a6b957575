/*-------------------------------------------------------------------------
 *
 * request_quotas.c
 *	  Token buckets per (account, region, operation) that keep cks_fdw
 *	  within AWS's request quotas, so a request waits for its token
 *	  instead of being sent to be throttled.  See request_quotas.h.
 *
 *	  The arithmetic of one bucket (the margin it keeps, how throttling
 *	  lowers its rate once per wave and how the rate recovers) is in
 *	  quota_bucket.c; this file keeps the buckets, in shared memory with
 *	  shared_preload_libraries = 'cks_fdw', else in the backend.
 *
 *	  AWS's defaults (requests per second per account and region):
 *	  KMS -- https://docs.aws.amazon.com/kms/latest/developerguide/requests-per-second.html
 *	  DescribeCustomKeyStores 5, GetKeyLastUsage 5, ListKeys, ListAliases,
 *	  ListResourceTags 100, DescribeKey 2,000.  CloudWatch GetMetricData 50
 *	  -- https://repost.aws/knowledge-center/cloudwatch-getmetricdata-api.
 *	  Organizations (global, us-east-1) lists throttling limits without
 *	  one figure per read operation
 *	  (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html):
 *	  10 for ListAccounts.  STS and CloudHSM v2 publish no fixed figure
 *	  (STS: token buckets, https://aws.amazon.com/blogs/security/how-to-monitor-and-query-iam-resources-at-scale-part-2/):
 *	  AssumeRole 100, DescribeClusters 10.  The local test endpoint
 *	  (tests/endpoint/quotas.py) enforces the same table.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "net/quota_bucket.h"
#include "net/request_quotas.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#define MAX_OVERRIDE	1000000.0

typedef struct CksQuotaDefault
{
	const char *operation;
	double		rate;
} CksQuotaDefault;

static const CksQuotaDefault quota_defaults[] = {
	{"DescribeCustomKeyStores", 5},
	{"GetKeyLastUsage", 5},
	{"ListKeys", 100},
	{"ListAliases", 100},
	{"ListResourceTags", 100},
	{"DescribeKey", 2000},
	{"GetMetricData", 50},
	{"ListAccounts", 10},
	{"DescribeOrganization", 10},
	{"AssumeRole", 100},
	{"AssumeRoleWithWebIdentity", 100},
	{"GetCallerIdentity", 100},
	{"DescribeClusters", 10},
};

typedef struct CksBucket
{
	CksQuotaKey key;			/* hash key: first */
	CksQuotaBucket state;
} CksBucket;

static HTAB *shared_buckets = NULL;
static LWLock *shared_lock = NULL;
static HTAB *local_buckets = NULL;

#if PG_VERSION_NUM >= 150000
static shmem_request_hook_type prev_shmem_request_hook = NULL;
#endif
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

void
cks_quota_key(CksQuotaKey *key, const char *account, const char *access_key_id,
			  const char *region, const char *operation)
{
	memset(key, 0, sizeof(CksQuotaKey));	/* the hash reads every byte */
	if (account != NULL)
		strlcpy(key->account, account, sizeof(key->account));
	else if (access_key_id != NULL)
		snprintf(key->account, sizeof(key->account), "k%08x",
				 hash_bytes((const unsigned char *) access_key_id,
							strlen(access_key_id)));
	strlcpy(key->region, region ? region : "", sizeof(key->region));
	strlcpy(key->operation, operation, sizeof(key->operation));
}

static double
default_rate(const char *operation, size_t len)
{
	int			i;

	for (i = 0; i < lengthof(quota_defaults); i++)
		if (strlen(quota_defaults[i].operation) == len &&
			strncmp(quota_defaults[i].operation, operation, len) == 0)
			return quota_defaults[i].rate;
	return -1;
}

/*
 * The value of one 'Name=N' item of overrides naming operation, or -1.
 * The value was validated when it was set.
 */
static double
override_rate(const char *overrides, const char *operation)
{
	size_t		oplen = strlen(operation);
	const char *p = overrides;

	while (p != NULL && *p != '\0')
	{
		const char *eq;

		while (*p == ' ' || *p == ',')
			p++;
		eq = strchr(p, '=');
		if (eq == NULL)
			return -1;
		if ((size_t) (eq - p) >= oplen && strncmp(p, operation, oplen) == 0)
		{
			const char *rest = p + oplen;

			while (*rest == ' ')
				rest++;
			if (rest == eq)
				return strtod(eq + 1, NULL);
		}
		p = strchr(eq, ',');
	}
	return -1;
}

double
cks_quota_rate(const char *overrides, const char *operation)
{
	double		rate = overrides ? override_rate(overrides, operation) : -1;

	if (rate < 0)
		rate = default_rate(operation, strlen(operation));
	return rate < 0 ? 0 : rate;
}

double
cks_quota_token_seconds(double quota, double n)
{
	return cks_bucket_token_seconds(quota, n);
}

static char *
known_operations(void)
{
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	for (i = 0; i < lengthof(quota_defaults); i++)
		appendStringInfo(&buf, "%s%s", i ? ", " : "", quota_defaults[i].operation);
	return buf.data;
}

/* One 'Name=N' item, [start, end); ereports when it is not valid. */
static void
validate_item(const char *start, const char *end)
{
	const char *eq = memchr(start, '=', end - start);
	const char *name_end;
	char	   *num;
	char	   *num_end;
	double		rate;

	if (eq == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
				 errmsg("invalid value for option \"request_quotas\": \"%.*s\" is not Operation=rate",
						(int) Min(end - start, 80), start),
				 errhint("Write it like 'DescribeCustomKeyStores=50,GetKeyLastUsage=10' (requests per second).")));
	name_end = eq;
	while (name_end > start && name_end[-1] == ' ')
		name_end--;
	if (default_rate(start, name_end - start) < 0)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
				 errmsg("invalid value for option \"request_quotas\": unknown operation \"%.*s\"",
						(int) Min(name_end - start, 80), start),
				 errhint("Operations with a quota: %s.", known_operations())));
	num = pnstrdup(eq + 1, end - eq - 1);
	rate = strtod(num, &num_end);
	while (*num_end == ' ')
		num_end++;
	if (num_end == num || *num_end != '\0' || !(rate > 0) || rate > MAX_OVERRIDE)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
				 errmsg("invalid value for option \"request_quotas\": rate of \"%.*s\" must be a number of requests per second above 0 and at most 1000000",
						(int) Min(name_end - start, 80), start)));
	pfree(num);
}

void
cks_quota_validate(const char *value)
{
	const char *p = value;

	if (strlen(value) > 4096)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
				 errmsg("invalid value for option \"request_quotas\": longer than 4096 bytes")));
	while (*p != '\0')
	{
		const char *end;

		while (*p == ' ')
			p++;
		end = strchrnul(p, ',');
		validate_item(p, end);
		p = (*end == ',') ? end + 1 : end;
	}
}

/*
 * Drop the buckets that are as good as new (the table is full); how many.
 * dynahash allows removing the entry a sequential scan just returned.
 */
static long
drop_idle_buckets(HTAB *table, TimestampTz now)
{
	HASH_SEQ_STATUS status;
	CksBucket  *bucket;
	long		dropped = 0;

	hash_seq_init(&status, table);
	while ((bucket = hash_seq_search(&status)) != NULL)
	{
		if (cks_bucket_idle(&bucket->state, now))
		{
			hash_search(table, &bucket->key, HASH_REMOVE, NULL);
			dropped++;
		}
	}
	return dropped;
}

/*
 * The bucket of key (made full when new), or NULL when the shared table has
 * no room even after dropping its idle buckets; with the shared lock held
 * when the buckets are shared.
 */
static CksBucket *
find_bucket(HTAB *table, const CksQuotaKey *key, double quota, TimestampTz now)
{
	bool		found;
	CksBucket  *bucket;

	/* only a shared table may run out of room (and say so with NULL) */
	bucket = hash_search(table, key,
						 table == shared_buckets ? HASH_ENTER_NULL : HASH_ENTER,
						 &found);
	if (bucket == NULL && drop_idle_buckets(table, now) > 0)
		bucket = hash_search(table, key, HASH_ENTER_NULL, &found);
	if (bucket == NULL)
		return NULL;
	if (!found || bucket->state.quota != quota)
		cks_bucket_init(&bucket->state, quota, now);
	return bucket;
}

/*
 * The backend's own buckets (no shared memory).  At the bound, the idle
 * ones go; if none is idle, all go (each then starts full again).
 */
static HTAB *
local_table(TimestampTz now)
{
	HASHCTL		ctl;

	if (local_buckets != NULL &&
		hash_get_num_entries(local_buckets) >= CKS_QUOTA_MAX_BUCKETS)
		drop_idle_buckets(local_buckets, now);
	if (local_buckets != NULL &&
		hash_get_num_entries(local_buckets) < CKS_QUOTA_MAX_BUCKETS)
		return local_buckets;
	if (local_buckets != NULL)
		hash_destroy(local_buckets);	/* bounded: start over */
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(CksQuotaKey);
	ctl.entrysize = sizeof(CksBucket);
	ctl.hcxt = TopMemoryContext;
	local_buckets = hash_create("cks_fdw request quotas", 64, &ctl,
								HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	return local_buckets;
}

/* Lock (when shared) and find the bucket; unlock with release_bucket. */
static CksBucket *
lock_bucket(const CksQuotaKey *key, double quota, TimestampTz now)
{
	CksBucket  *bucket = NULL;

	if (shared_buckets != NULL)
	{
		LWLockAcquire(shared_lock, LW_EXCLUSIVE);
		bucket = find_bucket(shared_buckets, key, quota, now);
		if (bucket != NULL)
			return bucket;
		LWLockRelease(shared_lock);
	}
	return find_bucket(local_table(now), key, quota, now);
}

static void
release_bucket(void)
{
	if (shared_buckets != NULL && LWLockHeldByMe(shared_lock))
		LWLockRelease(shared_lock);
}

/* The wait for the bucket's next token, taking it when there is one. */
static long
token_wait(const CksQuotaKey *key, double quota, TimestampTz now, bool take)
{
	CksBucket  *bucket;
	long		wait_ms;

	if (quota <= 0)
		return 0;
	bucket = lock_bucket(key, quota, now);
	wait_ms = take ? cks_bucket_take(&bucket->state, now) :
		cks_bucket_wait(&bucket->state, now);
	release_bucket();
	return wait_ms;
}

long
cks_quota_take(const CksQuotaKey *key, double quota, TimestampTz now)
{
	return token_wait(key, quota, now, true);
}

long
cks_quota_wait(const CksQuotaKey *key, double quota, TimestampTz now)
{
	return token_wait(key, quota, now, false);
}

void
cks_quota_throttled(const CksQuotaKey *key, double quota, TimestampTz sent_at,
					TimestampTz now)
{
	CksBucket  *bucket;

	if (quota <= 0)
		return;
	bucket = lock_bucket(key, quota, now);
	cks_bucket_throttled(&bucket->state, sent_at, now);
	release_bucket();
}

double
cks_quota_current_rate(const CksQuotaKey *key, double quota)
{
	CksBucket  *bucket;
	TimestampTz now = GetCurrentTimestamp();
	double		rate;

	if (quota <= 0)
		return 0;
	bucket = lock_bucket(key, quota, now);
	rate = cks_bucket_rate(&bucket->state, now);
	release_bucket();
	return rate;
}

bool
cks_quotas_shared(void)
{
	return shared_buckets != NULL;
}

static Size
shared_size(void)
{
	return hash_estimate_size(CKS_QUOTA_MAX_BUCKETS, sizeof(CksBucket));
}

#if PG_VERSION_NUM >= 150000
static void
request_shared_memory(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(shared_size());
	RequestNamedLWLockTranche("cks_fdw quotas", 1);
}
#endif

/* The buckets every backend shares, made once by the postmaster. */
static void
attach_shared_memory(void)
{
	HASHCTL		ctl;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(CksQuotaKey);
	ctl.entrysize = sizeof(CksBucket);
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	shared_buckets = ShmemInitHash("cks_fdw request quotas",
								   CKS_QUOTA_MAX_BUCKETS, CKS_QUOTA_MAX_BUCKETS,
								   &ctl, HASH_ELEM | HASH_BLOBS);
	shared_lock = &(GetNamedLWLockTranche("cks_fdw quotas"))->lock;
	LWLockRelease(AddinShmemInitLock);
}

void
cks_quotas_initialize(void)
{
	if (!process_shared_preload_libraries_in_progress)
		return;
#if PG_VERSION_NUM >= 150000
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = request_shared_memory;
#else
	RequestAddinShmemSpace(shared_size());
	RequestNamedLWLockTranche("cks_fdw quotas", 1);
#endif
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = attach_shared_memory;
}
