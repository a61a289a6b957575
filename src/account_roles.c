/*-------------------------------------------------------------------------
 *
 * account_roles.c
 *	  Temporary keys of the role a user mapping assumes in an account, one
 *	  cache entry per (user mapping, account), kept until
 *	  cks_credentials_refresh_at so a long-lived session (a pg_cron
 *	  worker, a pooler) never signs with an expired token and a session's
 *	  second query assumes no role at all.
 *
 *	  The AssumeRole calls are not run here: a scan runs them in its own
 *	  loop through the CksCredentialCalls this file hands out
 *	  (scan_accounts.c), so the roles of many accounts, and of the
 *	  partitions under an asynchronous Append, are assumed at once.  Callers
 *	  outside a scan (ANALYZE, renewal) run the same call to its end.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "account_roles.h"
#include "aws_names.h"
#include "credential_sources.h"
#include "credentials.h"
#include "sts.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/memutils.h"
#include "utils/syscache.h"

typedef struct RoleKey
{
	Oid			umid;
	char		account_id[CKS_ACCOUNT_ID_LEN + 1];
} RoleKey;

typedef struct RoleEntry
{
	RoleKey		key;
	MemoryContext cxt;			/* holds the keys; NULL: none */
	SigV4Credentials assumed;
	time_t		refresh_at;
} RoleEntry;

static HTAB *role_cache = NULL;

/* A change to a server or user mapping may change the role: forget all. */
static void
forget_all_roles(Datum arg, int cacheid, uint32 hashvalue)
{
	HASH_SEQ_STATUS scan;
	RoleEntry  *entry;

	if (role_cache == NULL)
		return;
	hash_seq_init(&scan, role_cache);
	while ((entry = hash_seq_search(&scan)) != NULL)
	{
		if (entry->cxt)
			MemoryContextDelete(entry->cxt);
		(void) hash_search(role_cache, &entry->key, HASH_REMOVE, NULL);
	}
}

void
cks_account_roles_initialize(void)
{
	HASHCTL		ctl;

	ctl.keysize = sizeof(RoleKey);
	ctl.entrysize = sizeof(RoleEntry);
	role_cache = hash_create("cks_fdw assumed roles", 64, &ctl,
							 HASH_ELEM | HASH_BLOBS);
	CacheRegisterSyscacheCallback(FOREIGNSERVEROID, forget_all_roles, (Datum) 0);
	CacheRegisterSyscacheCallback(USERMAPPINGOID, forget_all_roles, (Datum) 0);
}

static RoleEntry *
role_entry(Oid umid, const char *account_id, bool create)
{
	RoleKey		key;
	RoleEntry  *entry;
	bool		found;

	memset(&key, 0, sizeof(key));
	key.umid = umid;
	/* not strlcpy: PostgreSQL 17 headers built on a newer libc do not declare it */
	snprintf(key.account_id, sizeof(key.account_id), "%s", account_id);
	entry = hash_search(role_cache, &key, create ? HASH_ENTER : HASH_FIND, &found);
	if (entry && !found)
	{
		entry->cxt = NULL;
		memset(&entry->assumed, 0, sizeof(SigV4Credentials));
		entry->refresh_at = 0;
	}
	return entry;
}

static SigV4Credentials *
fresh_role_keys(Oid umid, const char *account_id)
{
	RoleEntry  *entry = role_entry(umid, account_id, false);

	if (entry == NULL || entry->cxt == NULL || time(NULL) >= entry->refresh_at)
		return NULL;
	return cks_credentials_copy(&entry->assumed);
}

/* Keep an AssumeRole answer as the account's keys, replacing older ones. */
static void
remember_role_keys(Oid umid, const char *account_id, const StsCredentials *temp)
{
	RoleEntry  *entry = role_entry(umid, account_id, true);

	/* keys being refreshed: the expiring ones go first (wiped by callback) */
	if (entry->cxt)
		MemoryContextDelete(entry->cxt);
	entry->cxt = AllocSetContextCreate(CacheMemoryContext,
									   "cks_fdw assumed role",
									   ALLOCSET_SMALL_SIZES);
	entry->assumed.access_key_id = MemoryContextStrdup(entry->cxt, temp->access_key_id);
	entry->assumed.secret_access_key = MemoryContextStrdup(entry->cxt, temp->secret_access_key);
	entry->assumed.session_token = MemoryContextStrdup(entry->cxt, temp->session_token);
	entry->refresh_at = cks_credentials_refresh_at(temp->expiration, time(NULL));
	cks_credentials_wipe_with_context(entry->cxt, &entry->assumed);
}

void
cks_forget_role_credentials(UserMapping *user, const char *account_id)
{
	RoleEntry  *entry = role_entry(user->umid, account_id, false);

	if (entry == NULL)
		return;
	if (entry->cxt)
		MemoryContextDelete(entry->cxt);
	(void) hash_search(role_cache, &entry->key, HASH_REMOVE, NULL);
}

/* What the AssumeRole calls of one scan (or one blocking call) need. */
typedef struct RoleSource
{
	UserMapping *user;
	CksUserOptions uopts;		/* role settings; no keys */
	const CksScanOptions *opts;
	const CksCallSettings *settings;
	int		   *sts_requests;
	MemoryContext cxt;			/* outlives the calls: holds base */
	SigV4Credentials *base;		/* signs AssumeRole; NULL: not fetched */
	const char *sts_region;
	char	   *sts_url;
	CksCredentialCalls calls;
} RoleSource;

static const SigV4Credentials *
cached_role(void *arg, const char *account_id)
{
	RoleSource *source = arg;

	return fresh_role_keys(source->user->umid, account_id);
}

/* The base keys are fetched at the first call that needs them: a scan
 * whose roles are all cached asks no credential source at all. */
static void
prepare_assume_role(void *arg, const char *account_id, CksCall *call,
					const CksCallSettings *settings)
{
	RoleSource *source = arg;
	StsAssumeRoleParams params;

	if (source->base == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(source->cxt);

		source->base = cks_base_credentials(source->user, source->opts,
											source->settings, source->sts_requests);
		MemoryContextSwitchTo(old);
	}
	memset(&params, 0, sizeof(params));
	params.role_arn = cks_role_arn_for_account(source->uopts.role_arn, account_id);
	params.role_session_name = source->uopts.role_session_name;
	params.external_id = source->uopts.external_id;
	params.duration_seconds = source->uopts.duration_seconds;
	cks_call_init(call, &cks_op_sts_assume_role, source->sts_url,
				  source->sts_region, sts_assume_role_body(&params),
				  source->base, settings);
}

static const SigV4Credentials *
take_assumed_role(void *arg, const char *account_id, CksCall *call)
{
	RoleSource *source = arg;
	StsCredentials temp;
	SigV4Credentials view;
	SigV4Credentials *keys;
	CksAwsError err;

	memset(&err, 0, sizeof(err));
	if (!sts_parse_assume_role_response(call->response_body, call->response_len,
										call->http_status, &temp, &err))
	{
		cks_call_fail_bad_response(call, &err);
		return NULL;
	}
	remember_role_keys(source->user->umid, account_id, &temp);
	view.access_key_id = temp.access_key_id;
	view.secret_access_key = temp.secret_access_key;
	view.session_token = temp.session_token;
	/* the caller's copy even when the answer is too short-lived to cache */
	keys = cks_credentials_copy(&view);
	sts_credentials_free(&temp);
	return keys;
}

/* A credential source's keys refused as expired: fetch them again. */
static bool
renew_signer(void *arg, const CksCall *call)
{
	RoleSource *source = arg;

	if (source->uopts.credential_source == CKS_SOURCE_NONE ||
		!cks_call_failed_as_expired(call))
		return false;
	cks_source_forget(source->uopts.credential_source);
	source->base = NULL;
	return true;
}

static char *
describe_assume_role(void *arg, const char *account_id)
{
	RoleSource *source = arg;

	return psprintf("STS AssumeRole of \"%s\"",
					cks_role_arn_for_account(source->uopts.role_arn, account_id));
}

const CksCredentialCalls *
cks_role_credential_calls(UserMapping *user, const CksScanOptions *opts,
						  const CksCallSettings *settings, int *sts_requests)
{
	RoleSource *source = palloc0(sizeof(RoleSource));

	source->user = user;
	cks_mapping_role_options(user, &source->uopts);
	source->opts = opts;
	source->settings = settings;
	source->sts_requests = sts_requests;
	source->cxt = CurrentMemoryContext;
	source->sts_region = (const char *) linitial(opts->regions);
	source->sts_url = cks_endpoint_for_region(opts->sts_endpoint, source->sts_region);
	source->calls.cached = cached_role;
	source->calls.prepare = prepare_assume_role;
	source->calls.take = take_assumed_role;
	source->calls.renew_signer = renew_signer;
	source->calls.describe = describe_assume_role;
	source->calls.arg = source;
	return &source->calls;
}

SigV4Credentials *
cks_role_credentials(UserMapping *user, const char *account_id,
					 const CksScanOptions *opts,
					 const CksCallSettings *settings, int *sts_requests)
{
	SigV4Credentials *keys = fresh_role_keys(user->umid, account_id);
	const CksCredentialCalls *calls;
	CksCall		call;

	if (keys != NULL)
		return keys;
	calls = cks_role_credential_calls(user, opts, settings, sts_requests);
	for (int attempt = 1;; attempt++)
	{
		calls->prepare(calls->arg, account_id, &call, settings);
		cks_call_run(&call);
		if (sts_requests)
			*sts_requests += call.requests_sent;
		if (call.state == CKS_CALL_DONE)
			keys = (SigV4Credentials *) calls->take(calls->arg, account_id, &call);
		if (keys != NULL)
			break;
		if (attempt == 1 && calls->renew_signer(calls->arg, &call))
		{
			cks_call_reset(&call);
			continue;
		}
		cks_call_report(&call, ERROR, calls->describe(calls->arg, account_id), NULL);
	}
	cks_call_reset(&call);
	return keys;
}

/*
 * A server option "accounts" and a role_arn with {account} only make
 * sense together; they live on different objects (the server, the user
 * mapping), so this is checked when a scan (or ANALYZE) sees both.
 */
void
cks_check_account_template(UserMapping *user, const CksScanOptions *opts,
						   const char *role_arn)
{
	ForeignServer *server = GetForeignServer(user->serverid);
	bool		templated = role_arn && cks_has_account_placeholder(role_arn);

	if (opts->accounts && !templated)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
				 errmsg("server \"%s\" has option \"accounts\" but its user mapping has no role_arn containing {account}",
						server->servername),
				 errhint("Each account is read through a role assumed in it: ALTER USER MAPPING FOR CURRENT_USER SERVER %s OPTIONS (ADD role_arn 'arn:aws:iam::{account}:role/NAME').",
						 quote_identifier(server->servername))));
	if (!opts->accounts && templated)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
				 errmsg("user mapping for server \"%s\" has a role_arn containing {account} but the server has no option \"accounts\"",
						server->servername),
				 errhint("ALTER SERVER %s OPTIONS (ADD accounts '111111111111,222222222222') or (ADD accounts 'organization').",
						 quote_identifier(server->servername))));
}
