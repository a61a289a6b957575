/*-------------------------------------------------------------------------
 *
 * static_keys.c
 *	  The keys a user mapping signs with itself: its static keys, cached
 *	  per user mapping for the life of the backend (with the account id
 *	  they act in, once known), or, for a mapping with a credential_source,
 *	  the server's own identity (credential_sources.c).  Everything above
 *	  (assumed roles, the facade in credentials.c) signs with these; this
 *	  file calls nothing above it.
 *
 *	  ALTER/DROP of a server or user mapping drops every entry at once
 *	  (mapping_cache.c); every copy of a key is wiped with the
 *	  memory context that holds it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "aws/aws_names.h"
#include "aws/secrets.h"
#include "credentials/credential_sources.h"
#include "credentials/credentials_file.h"
#include "credentials/static_keys.h"
#include "mapping_cache.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

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

void
cks_credentials_wipe_with_context(MemoryContext cxt, SigV4Credentials *creds)
{
	MemoryContextCallback *callback = MemoryContextAlloc(cxt, sizeof(MemoryContextCallback));

	callback->func = wipe_credentials;
	callback->arg = creds;
	MemoryContextRegisterResetCallback(cxt, callback);
}

/*
 * cks_get_user_options hands out fresh copies of the mapping's secrets;
 * the context never keeps them, and once the cache has its own, those
 * copies are wiped.
 */
static void
free_user_secrets(CksUserOptions *uopts)
{
	cks_secret_free(uopts->access_key_id);
	cks_secret_free(uopts->secret_access_key);
	cks_secret_free(uopts->session_token);
	uopts->access_key_id = uopts->secret_access_key = uopts->session_token = NULL;
}

void
cks_static_keys_initialize(void)
{
	credential_cache = cks_mapping_cache_create("cks_fdw mapping keys", 8,
												sizeof(Oid),
												sizeof(CksMappingEntry),
												offsetof(CksMappingEntry, cxt));
}

void
cks_credential_context_init(CksCredentialContext *ctx, UserMapping *user,
							const CksScanOptions *opts,
							const CksCallSettings *settings, int *sts_requests)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->user = user;
	cks_get_user_options(user, &ctx->mapping);
	free_user_secrets(&ctx->mapping);
	ctx->opts = opts;
	ctx->settings = settings;
	ctx->sts_requests = sts_requests;
	/* STS is asked in the server's first region */
	ctx->sts_region = (const char *) linitial(opts->regions);
	ctx->sts_url = cks_endpoint_for_region(opts->sts_endpoint, ctx->sts_region);
}

static void fill_entry(CksMappingEntry *entry, const CksUserOptions *uopts);

/*
 * The mapping's cache entry.  Only a new (or invalidated) entry reads the
 * mapping's options again, for its keys; the copies are wiped once the
 * entry has its own.
 */
/*
 * A credentials_file mapping's keys, read into *uopts each time the entry
 * is asked for (every query), so that a rotated file counts from the next
 * query.  Errors name the file and the profile, never a value.
 */
static void
read_file_keys(CksUserOptions *uopts)
{
	CksFileCredentials keys;
	char	   *problem;
	const char *profile = uopts->profile ? uopts->profile : "default";
	CksCredentialsFileProblem result;

	result = cks_read_credentials_file(uopts->credentials_file, profile,
									   &keys, &problem);
	if (result != CKS_CREDFILE_OK)
		ereport(ERROR,
				(errcode(result == CKS_CREDFILE_MISSING ? ERRCODE_UNDEFINED_FILE :
						 ERRCODE_CONFIG_FILE_ERROR),
				 errmsg("could not read AWS credentials from credentials_file \"%s\"",
						uopts->credentials_file),
				 errdetail_internal("Profile \"%s\": %s.", profile, problem),
				 errhint("The file must be owned by the database server's operating system user and readable by it alone (chmod 600), with a [%s] section holding aws_access_key_id and aws_secret_access_key (and aws_session_token).",
						 profile)));
	uopts->access_key_id = keys.access_key_id;
	uopts->secret_access_key = keys.secret_access_key;
	uopts->session_token = keys.session_token;
}

/* Whether the entry holds the keys *uopts has (a file may have changed). */
static bool
entry_has_keys(const CksMappingEntry *entry, const CksUserOptions *uopts)
{
	const SigV4Credentials *k = &entry->static_keys;

	return k->access_key_id && k->secret_access_key &&
		strcmp(k->access_key_id, uopts->access_key_id) == 0 &&
		strcmp(k->secret_access_key, uopts->secret_access_key) == 0 &&
		((k->session_token == NULL) == (uopts->session_token == NULL)) &&
		(k->session_token == NULL ||
		 strcmp(k->session_token, uopts->session_token) == 0);
}

/*
 * A cached entry of a credentials_file mapping is dropped (its keys wiped
 * with its context) when the file now holds other keys.
 */
static void
forget_if_file_changed(CksMappingEntry *entry, const CksUserOptions *mapping)
{
	CksUserOptions file = *mapping;

	read_file_keys(&file);
	if (!entry_has_keys(entry, &file))
	{
		MemoryContextDelete(entry->cxt);	/* wipes the old keys */
		entry->cxt = NULL;
		entry->valid = false;
	}
	free_user_secrets(&file);
}

CksMappingEntry *
cks_mapping_entry(const CksCredentialContext *ctx)
{
	CksMappingEntry *entry;
	bool		found;

	entry = hash_search(credential_cache, &ctx->user->umid, HASH_ENTER, &found);
	if (found && entry->valid && ctx->mapping.credentials_file)
		forget_if_file_changed(entry, &ctx->mapping);
	if (!(found && entry->valid))
	{
		CksUserOptions uopts;

		cks_get_user_options(ctx->user, &uopts);
		if (uopts.credentials_file)
			read_file_keys(&uopts);
		fill_entry(entry, &uopts);
		free_user_secrets(&uopts);
	}
	return entry;
}

/* Build a (new or invalidated) entry from the mapping's options. */
static void
fill_entry(CksMappingEntry *entry, const CksUserOptions *uopts)
{
	SigV4Credentials keys;

	entry->cxt = AllocSetContextCreate(CacheMemoryContext,
									   "cks_fdw credential entry",
									   ALLOCSET_SMALL_SIZES);
	keys.access_key_id = uopts->access_key_id;
	keys.secret_access_key = uopts->secret_access_key;
	keys.session_token = uopts->session_token;
	/* the entry never moves (dynahash), so the callback may point into it */
	cks_credentials_keep(entry->cxt, &entry->static_keys, &keys);
	entry->account_id = NULL;
	entry->valid = true;
}

/* Error out, with the statement to fix it, when the mapping has no keys. */
static void
require_static_keys(UserMapping *user, const CksMappingEntry *entry)
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

/*
 * The base keys: the mapping's own, or its credential source's (fetched
 * with the STS endpoint of the server's first region).
 */
void
cks_base_keys(const CksCredentialContext *ctx, const CksMappingEntry *entry,
			  StsCredentials *out)
{
	if (ctx->mapping.credential_source == CKS_SOURCE_NONE)
	{
		require_static_keys(ctx->user, entry);
		out->access_key_id = pstrdup(entry->static_keys.access_key_id);
		out->secret_access_key = pstrdup(entry->static_keys.secret_access_key);
		out->session_token = entry->static_keys.session_token ?
			pstrdup(entry->static_keys.session_token) : NULL;
		out->expiration = 0;
		return;
	}
	cks_source_credentials(ctx->mapping.credential_source, ctx, out);
}

static char *
copy_or_null(MemoryContext cxt, const char *s)
{
	return s ? MemoryContextStrdup(cxt, s) : NULL;
}

SigV4Credentials
cks_signing_keys(const StsCredentials *temp)
{
	SigV4Credentials keys;

	keys.access_key_id = temp->access_key_id;
	keys.secret_access_key = temp->secret_access_key;
	keys.session_token = temp->session_token;
	return keys;
}

void
cks_credentials_keep(MemoryContext cxt, SigV4Credentials *dst,
					 const SigV4Credentials *src)
{
	dst->access_key_id = copy_or_null(cxt, src->access_key_id);
	dst->secret_access_key = copy_or_null(cxt, src->secret_access_key);
	dst->session_token = copy_or_null(cxt, src->session_token);
	cks_credentials_wipe_with_context(cxt, dst);
}

SigV4Credentials *
cks_credentials_copy(const SigV4Credentials *src)
{
	SigV4Credentials *copy = palloc0(sizeof(SigV4Credentials));

	cks_credentials_keep(CurrentMemoryContext, copy, src);
	return copy;
}

SigV4Credentials *
cks_base_credentials(const CksCredentialContext *ctx)
{
	CksMappingEntry *entry = cks_mapping_entry(ctx);
	StsCredentials base;
	SigV4Credentials *copy = palloc0(sizeof(SigV4Credentials));

	/* the copy's strings are the caller's to keep */
	cks_base_keys(ctx, entry, &base);
	*copy = cks_signing_keys(&base);
	cks_credentials_wipe_with_context(CurrentMemoryContext, copy);
	return copy;
}
