/*-------------------------------------------------------------------------
 *
 * credentials.c
 *	  The per-backend cache of signing credentials and account ids, one
 *	  entry per user mapping.
 *
 *	  The base keys are the user mapping's static keys, read each time an
 *	  entry is (re)built, or the server's own identity from the mapping's
 *	  credential_source (credential_sources.c, which caches it once per
 *	  backend for every mapping).  A role_arn adds an STS AssumeRole call,
 *	  signed with the base keys, whose temporary keys are kept until
 *	  cks_credentials_refresh_at, so a long-lived session (a pg_cron worker,
 *	  a pooler) never signs with an expired token; an ExpiredToken answer
 *	  drops them and the source's keys for one more try.  ALTER/DROP of the
 *	  server or user mapping drops every entry at once through syscache
 *	  callbacks.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "credential_sources.h"
#include "credentials.h"
#include "secrets.h"
#include "sts.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/memutils.h"
#include "utils/syscache.h"

typedef struct CredentialEntry
{
	Oid			umid;			/* hash key: the user mapping's OID */
	bool		valid;
	MemoryContext cxt;			/* holds every string below */
	SigV4Credentials static_keys;
	SigV4Credentials assumed;	/* valid when assumed_expiration > 0 */
	time_t		assumed_expiration;
	time_t		assumed_refresh_at;
	char	   *account_id;
} CredentialEntry;

static HTAB *credential_cache = NULL;

/*
 * Memory-context reset callback: wipe the strings of a SigV4Credentials
 * before the context holding them is reset or deleted, whichever path
 * gets there (invalidation, end of query, error, rollback).
 */
static void
wipe_credentials(void *arg)
{
	SigV4Credentials *creds = (SigV4Credentials *) arg;

	cks_secret_wipe((char *) creds->access_key_id);
	cks_secret_wipe((char *) creds->secret_access_key);
	cks_secret_wipe((char *) creds->session_token);
}

/* Have cxt wipe creds' strings (which live in cxt) when it goes away. */
static void
wipe_with_context(MemoryContext cxt, SigV4Credentials *creds)
{
	MemoryContextCallback *callback = MemoryContextAlloc(cxt, sizeof(MemoryContextCallback));

	callback->func = wipe_credentials;
	callback->arg = creds;
	MemoryContextRegisterResetCallback(cxt, callback);
}

/*
 * cks_get_user_options hands out fresh copies of the mapping's secrets;
 * once the cache has its own, those copies are wiped.
 */
static void
free_user_secrets(CksUserOptions *uopts)
{
	cks_secret_free(uopts->access_key_id);
	cks_secret_free(uopts->secret_access_key);
	cks_secret_free(uopts->session_token);
	uopts->access_key_id = uopts->secret_access_key = uopts->session_token = NULL;
}

/*
 * Any change to a server or user mapping may change keys, role or region;
 * entries are cheap to rebuild, so forget them all rather than work out
 * which one changed.
 */
static void
invalidate_all_entries(Datum arg, int cacheid, uint32 hashvalue)
{
	HASH_SEQ_STATUS scan;
	CredentialEntry *entry;

	if (credential_cache == NULL)
		return;
	hash_seq_init(&scan, credential_cache);
	while ((entry = hash_seq_search(&scan)) != NULL)
	{
		if (entry->cxt)
			MemoryContextDelete(entry->cxt);
		entry->cxt = NULL;
		entry->valid = false;
	}
}

void
cks_credentials_initialize(void)
{
	HASHCTL		ctl;

	ctl.keysize = sizeof(Oid);
	ctl.entrysize = sizeof(CredentialEntry);
	credential_cache = hash_create("cks_fdw credentials", 8, &ctl,
								   HASH_ELEM | HASH_BLOBS);
	CacheRegisterSyscacheCallback(FOREIGNSERVEROID, invalidate_all_entries, (Datum) 0);
	CacheRegisterSyscacheCallback(USERMAPPINGOID, invalidate_all_entries, (Datum) 0);
}

static char *
copy_or_null(MemoryContext cxt, const char *s)
{
	return s ? MemoryContextStrdup(cxt, s) : NULL;
}

static void fill_entry(CredentialEntry *entry, const CksUserOptions *uopts);

/*
 * Read the mapping's options into *uopts (without its keys, which only the
 * entry keeps), and return its cache entry.
 */
static CredentialEntry *
get_entry(UserMapping *user, CksUserOptions *uopts)
{
	CredentialEntry *entry;
	bool		found;

	cks_get_user_options(user, uopts);
	entry = hash_search(credential_cache, &user->umid, HASH_ENTER, &found);
	if (!(found && entry->valid))
		fill_entry(entry, uopts);
	/* the entry has its own copies of the keys now */
	free_user_secrets(uopts);
	return entry;
}

/* Build a (new or invalidated) entry from the mapping's options. */
static void
fill_entry(CredentialEntry *entry, const CksUserOptions *uopts)
{

	entry->cxt = AllocSetContextCreate(CacheMemoryContext,
									   "cks_fdw credential entry",
									   ALLOCSET_SMALL_SIZES);
	entry->static_keys.access_key_id = copy_or_null(entry->cxt, uopts->access_key_id);
	entry->static_keys.secret_access_key = copy_or_null(entry->cxt, uopts->secret_access_key);
	entry->static_keys.session_token = copy_or_null(entry->cxt, uopts->session_token);
	memset(&entry->assumed, 0, sizeof(SigV4Credentials));
	entry->assumed_expiration = 0;
	entry->assumed_refresh_at = 0;
	entry->account_id = NULL;
	/* the entry never moves (dynahash), so the callbacks may point into it */
	wipe_with_context(entry->cxt, &entry->static_keys);
	wipe_with_context(entry->cxt, &entry->assumed);
	entry->valid = true;
}

time_t
cks_credentials_refresh_at(time_t expiration, time_t now)
{
	if (expiration == 0)
		return 0;
	if (expiration - now > CKS_CREDENTIAL_REFRESH_MARGIN_SECS)
		return expiration - CKS_CREDENTIAL_REFRESH_MARGIN_SECS;
	return now + (expiration - now) / 2;
}

/* Error out, with the statement to fix it, when the mapping has no keys. */
static void
require_static_keys(UserMapping *user, const CredentialEntry *entry)
{
	ForeignServer *server;

	if (entry->static_keys.access_key_id && entry->static_keys.secret_access_key)
		return;
	server = GetForeignServer(user->serverid);
	ereport(ERROR,
			(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
			 errmsg("user mapping for server \"%s\" has no AWS credentials",
					server->servername),
			 errhint("ALTER USER MAPPING FOR CURRENT_USER SERVER %s OPTIONS (ADD access_key_id '...', ADD secret_access_key '...'), or have a superuser add credential_source.",
					 quote_identifier(server->servername))));
}

static const char *
sts_region(const CksScanOptions *opts)
{
	return (const char *) linitial(opts->regions);
}

/* The base keys: the mapping's own, or its credential source's. */
static void
get_base_keys(UserMapping *user, const CredentialEntry *entry,
			  const CksUserOptions *uopts, const CksScanOptions *opts,
			  const CksCallSettings *settings, int *sts_requests,
			  StsCredentials *out)
{
	CksSourceContext ctx;

	if (uopts->credential_source == CKS_SOURCE_NONE)
	{
		require_static_keys(user, entry);
		out->access_key_id = pstrdup(entry->static_keys.access_key_id);
		out->secret_access_key = pstrdup(entry->static_keys.secret_access_key);
		out->session_token = entry->static_keys.session_token ?
			pstrdup(entry->static_keys.session_token) : NULL;
		out->expiration = 0;
		return;
	}
	ctx.sts_region = sts_region(opts);
	ctx.sts_url = cks_endpoint_for_region(opts->sts_endpoint, ctx.sts_region);
	ctx.settings = settings;
	ctx.sts_requests = sts_requests;
	cks_source_credentials(uopts->credential_source, &ctx, out);
}

static bool
is_expired_token_error(const CksCall *call)
{
	return cks_call_failed_with(call, "ExpiredToken") ||
		cks_call_failed_with(call, "ExpiredTokenException");
}

/*
 * Run one STS call signed with the base keys; ereport on failure.  When
 * AWS says the source's keys expired (we trusted an expiry that was
 * wrong, or they were revoked), fetch them again and try once more.  The
 * response stays in call->response_body until cks_call_reset.
 */
static void
run_sts_call(CksCall *call, const CksOperation *operation, const char *body,
			 UserMapping *user, const CredentialEntry *entry,
			 const CksUserOptions *uopts, const CksScanOptions *opts,
			 const CksCallSettings *settings, const char *what,
			 int *sts_requests)
{
	const char *region = sts_region(opts);
	const char *url = cks_endpoint_for_region(opts->sts_endpoint, region);

	for (int attempt = 1;; attempt++)
	{
		StsCredentials base;
		SigV4Credentials signer;

		get_base_keys(user, entry, uopts, opts, settings, sts_requests, &base);
		signer.access_key_id = base.access_key_id;
		signer.secret_access_key = base.secret_access_key;
		signer.session_token = base.session_token;
		cks_call_init(call, operation, url, region, pstrdup(body), &signer,
					  settings);
		cks_call_run(call);
		sts_credentials_free(&base);
		if (sts_requests)
			*sts_requests += call->requests_sent;
		if (call->state != CKS_CALL_FAILED)
			return;
		if (attempt == 1 && uopts->credential_source != CKS_SOURCE_NONE &&
			is_expired_token_error(call))
		{
			cks_call_reset(call);
			cks_source_forget(uopts->credential_source);
			continue;
		}
		cks_call_report(call, ERROR, what, NULL);
	}
}

static void
report_bad_sts_response(const CksAwsError *err, const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
			 errmsg("%s returned a malformed response", what),
			 errdetail_internal("%s (HTTP %ld%s%s).", err->message, err->http_status,
								err->request_id ? ", request id " : "",
								err->request_id ? err->request_id : "")));
}

static void
assume_role(UserMapping *user, CredentialEntry *entry,
			const CksUserOptions *uopts, const CksScanOptions *opts,
			const CksCallSettings *settings, int *sts_requests)
{
	StsAssumeRoleParams params;
	StsCredentials temp;
	CksAwsError err;
	CksCall		call;
	const char *what = psprintf("STS AssumeRole of \"%s\"", uopts->role_arn);

	params.role_arn = uopts->role_arn;
	params.role_session_name = uopts->role_session_name;
	params.external_id = uopts->external_id;
	params.duration_seconds = uopts->duration_seconds;

	run_sts_call(&call, &cks_op_sts_assume_role, sts_assume_role_body(&params),
				 user, entry, uopts, opts, settings, what, sts_requests);
	memset(&err, 0, sizeof(err));
	if (!sts_parse_assume_role_response(call.response_body, call.response_len,
										call.http_status, &temp, &err))
	{
		cks_call_reset(&call);
		report_bad_sts_response(&err, what);
	}
	cks_call_reset(&call);

	/* keys being refreshed: the expiring ones go first */
	cks_secret_free((char *) entry->assumed.access_key_id);
	cks_secret_free((char *) entry->assumed.secret_access_key);
	cks_secret_free((char *) entry->assumed.session_token);
	entry->assumed.access_key_id = MemoryContextStrdup(entry->cxt, temp.access_key_id);
	entry->assumed.secret_access_key = MemoryContextStrdup(entry->cxt, temp.secret_access_key);
	entry->assumed.session_token = MemoryContextStrdup(entry->cxt, temp.session_token);
	entry->assumed_expiration = temp.expiration;
	entry->assumed_refresh_at = cks_credentials_refresh_at(temp.expiration,
														   time(NULL));
	/* the cache holds the only copy the backend keeps */
	sts_credentials_free(&temp);
}

static bool
assumed_keys_fresh(const CredentialEntry *entry)
{
	return entry->assumed_expiration > 0 &&
		time(NULL) < entry->assumed_refresh_at;
}

static SigV4Credentials *
copy_credentials(const SigV4Credentials *src)
{
	SigV4Credentials *copy = palloc0(sizeof(SigV4Credentials));

	copy->access_key_id = pstrdup(src->access_key_id);
	copy->secret_access_key = pstrdup(src->secret_access_key);
	copy->session_token = src->session_token ? pstrdup(src->session_token) : NULL;
	wipe_with_context(CurrentMemoryContext, copy);
	return copy;
}

SigV4Credentials *
cks_get_credentials(UserMapping *user, const CksScanOptions *opts,
					const CksCallSettings *settings, int *sts_requests)
{
	CksUserOptions uopts;
	CredentialEntry *entry;

	entry = get_entry(user, &uopts);

	if (uopts.role_arn == NULL)
	{
		StsCredentials base;
		SigV4Credentials *copy = palloc0(sizeof(SigV4Credentials));

		/* the copy's strings are the caller's to keep */
		get_base_keys(user, entry, &uopts, opts, settings, sts_requests, &base);
		copy->access_key_id = base.access_key_id;
		copy->secret_access_key = base.secret_access_key;
		copy->session_token = base.session_token;
		wipe_with_context(CurrentMemoryContext, copy);
		return copy;
	}

	if (!assumed_keys_fresh(entry))
		assume_role(user, entry, &uopts, opts, settings, sts_requests);
	return copy_credentials(&entry->assumed);
}

SigV4Credentials *
cks_renew_credentials(UserMapping *user, const CksScanOptions *opts,
					  const CksCallSettings *settings, int *sts_requests)
{
	CksUserOptions uopts;
	CredentialEntry *entry;

	entry = get_entry(user, &uopts);
	entry->assumed_expiration = 0;
	entry->assumed_refresh_at = 0;
	if (uopts.credential_source != CKS_SOURCE_NONE)
		cks_source_forget(uopts.credential_source);
	return cks_get_credentials(user, opts, settings, sts_requests);
}

char *
cks_get_account_id(UserMapping *user, const CksScanOptions *opts,
				   const CksCallSettings *settings, int *sts_requests)
{
	CksUserOptions uopts;
	CredentialEntry *entry;
	CksCall		call;
	CksAwsError err;
	char	   *account_id = NULL;

	entry = get_entry(user, &uopts);
	if (entry->account_id)
		return pstrdup(entry->account_id);

	if (uopts.role_arn)
		account_id = cks_arn_account_id(uopts.role_arn);
	else
	{
		run_sts_call(&call, &cks_op_sts_get_caller_identity,
					 sts_get_caller_identity_body(), user, entry, &uopts,
					 opts, settings, "STS GetCallerIdentity", sts_requests);
		memset(&err, 0, sizeof(err));
		if (!sts_parse_caller_identity_response(call.response_body, call.response_len,
												call.http_status, &account_id, &err))
		{
			cks_call_reset(&call);
			report_bad_sts_response(&err, "STS GetCallerIdentity");
		}
		cks_call_reset(&call);
	}
	/* cannot happen: the reader checked role_arn with the same parser */
	if (account_id == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
				 errmsg("option \"role_arn\" has no account id")));
	entry->account_id = MemoryContextStrdup(entry->cxt, account_id);
	return account_id;
}
