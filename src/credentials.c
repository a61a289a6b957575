/*-------------------------------------------------------------------------
 *
 * credentials.c
 *	  The per-backend cache of base keys and account ids, one entry per
 *	  user mapping, and the one place that decides which keys sign.
 *
 *	  The base keys are the user mapping's static keys, read each time an
 *	  entry is (re)built, or the server's own identity from the mapping's
 *	  credential_source (credential_sources.c, which caches it once per
 *	  backend for every mapping).  A role_arn puts an assumed role on top,
 *	  per account (account_roles.c): its AssumeRole calls are signed with
 *	  the base keys and cached per (user mapping, account).  An
 *	  ExpiredToken answer drops the role's and the source's keys for one
 *	  more try.  ALTER/DROP of the server or user mapping drops every entry
 *	  at once through syscache callbacks.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "credential_sources.h"
#include "account_roles.h"
#include "credentials.h"
#include "credentials_file.h"
#include "secrets.h"
#include "sts.h"
#include "catalog/pg_type.h"
#include "catalog/pg_user_mapping.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "utils/array.h"
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

void
cks_credentials_wipe_with_context(MemoryContext cxt, SigV4Credentials *creds)
{
	MemoryContextCallback *callback = MemoryContextAlloc(cxt, sizeof(MemoryContextCallback));

	callback->func = wipe_credentials;
	callback->arg = creds;
	MemoryContextRegisterResetCallback(cxt, callback);
}

/*
 * Memory-context reset callback: wipe the values of the credential options
 * in a UserMapping's option list, which GetUserMapping copied out of the
 * catalog tuple into the caller's context (and would leave there, freed
 * but whole, after the query).
 */
static void
wipe_mapping_options(void *arg)
{
	List	   *options = (List *) arg;
	ListCell   *lc;

	foreach(lc, options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);

		if (def->arg != NULL && IsA(def->arg, String) &&
			(strcmp(def->defname, "access_key_id") == 0 ||
			 strcmp(def->defname, "secret_access_key") == 0 ||
			 strcmp(def->defname, "session_token") == 0))
			cks_secret_wipe(strVal(def->arg));
	}
}

/* Have user's credential options wiped when its memory context goes. */
static void
wipe_user_mapping_with_context(UserMapping *user)
{
	MemoryContextCallback *callback;

	if (user->options == NIL)
		return;
	callback = MemoryContextAlloc(GetMemoryChunkContext(user), sizeof(MemoryContextCallback));
	callback->func = wipe_mapping_options;
	callback->arg = user->options;
	MemoryContextRegisterResetCallback(GetMemoryChunkContext(user), callback);
}

/*
 * A user mapping's options as DefElems, read straight from the catalog's
 * text array: untransformRelOptions (what GetUserMapping uses) leaves an
 * unreachable "name\0value" copy of each option behind, secrets included.
 * A detoasted copy of the array is wiped too.
 */
static List *
options_without_copies(Datum datum)
{
	ArrayType  *array = DatumGetArrayTypeP(datum);
	Datum	   *elems;
	int			nelems;
	List	   *options = NIL;

	deconstruct_array(array, TEXTOID, -1, false, TYPALIGN_INT,
					  &elems, NULL, &nelems);
	for (int i = 0; i < nelems; i++)
	{
		text	   *t = DatumGetTextPP(elems[i]);
		const char *data = VARDATA_ANY(t);
		int			len = VARSIZE_ANY_EXHDR(t);
		const char *eq = memchr(data, '=', len);
		Node	   *value = NULL;

		if (eq != NULL)
			value = (Node *) makeString(pnstrdup(eq + 1, len - (eq + 1 - data)));
		options = lappend(options,
						  makeDefElem(pnstrdup(data, eq ? eq - data : len), value, -1));
	}
	pfree(elems);
	if ((Pointer) array != DatumGetPointer(datum))
	{
		explicit_bzero(array, VARSIZE(array));
		pfree(array);
	}
	return options;
}

UserMapping *
cks_get_user_mapping(Oid userid, Oid serverid)
{
	HeapTuple	tuple;
	UserMapping *user;
	Datum		datum;
	bool		isnull;

	tuple = SearchSysCache2(USERMAPPINGUSERSERVER, ObjectIdGetDatum(userid),
							ObjectIdGetDatum(serverid));
	if (!HeapTupleIsValid(tuple))
		tuple = SearchSysCache2(USERMAPPINGUSERSERVER, ObjectIdGetDatum(InvalidOid),
								ObjectIdGetDatum(serverid));
	if (!HeapTupleIsValid(tuple))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("user mapping not found for user \"%s\" on server \"%s\"",
						MappingUserName(userid), GetForeignServer(serverid)->servername)));
	user = palloc(sizeof(UserMapping));
	user->umid = ((Form_pg_user_mapping) GETSTRUCT(tuple))->oid;
	user->userid = userid;
	user->serverid = serverid;
	datum = SysCacheGetAttr(USERMAPPINGUSERSERVER, tuple,
							Anum_pg_user_mapping_umoptions, &isnull);
	user->options = isnull ? NIL : options_without_copies(datum);
	ReleaseSysCache(tuple);
	wipe_user_mapping_with_context(user);
	return user;
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
	cks_account_roles_initialize();
}

static char *
copy_or_null(MemoryContext cxt, const char *s)
{
	return s ? MemoryContextStrdup(cxt, s) : NULL;
}

static void fill_entry(CredentialEntry *entry, const CksUserOptions *uopts);

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
entry_has_keys(const CredentialEntry *entry, const CksUserOptions *uopts)
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
 * Read the mapping's options into *uopts (without its keys, which only the
 * entry keeps), and return its cache entry.
 */
static CredentialEntry *
get_entry(UserMapping *user, CksUserOptions *uopts)
{
	CredentialEntry *entry;
	bool		found;

	cks_get_user_options(user, uopts);
	if (uopts->credentials_file)
		read_file_keys(uopts);
	entry = hash_search(credential_cache, &user->umid, HASH_ENTER, &found);
	if (found && entry->valid && uopts->credentials_file &&
		!entry_has_keys(entry, uopts))
	{
		MemoryContextDelete(entry->cxt);	/* wipes the old keys */
		entry->cxt = NULL;
		entry->valid = false;
	}
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
	entry->account_id = NULL;
	/* the entry never moves (dynahash), so the callback may point into it */
	cks_credentials_wipe_with_context(entry->cxt, &entry->static_keys);
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

bool
cks_call_failed_as_expired(const CksCall *call)
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
			cks_call_failed_as_expired(call))
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

SigV4Credentials *
cks_credentials_copy(const SigV4Credentials *src)
{
	SigV4Credentials *copy = palloc0(sizeof(SigV4Credentials));

	copy->access_key_id = pstrdup(src->access_key_id);
	copy->secret_access_key = pstrdup(src->secret_access_key);
	copy->session_token = src->session_token ? pstrdup(src->session_token) : NULL;
	cks_credentials_wipe_with_context(CurrentMemoryContext, copy);
	return copy;
}

SigV4Credentials *
cks_base_credentials(UserMapping *user, const CksScanOptions *opts,
					 const CksCallSettings *settings, int *sts_requests)
{
	CksUserOptions uopts;
	CredentialEntry *entry = get_entry(user, &uopts);
	StsCredentials base;
	SigV4Credentials *copy = palloc0(sizeof(SigV4Credentials));

	/* the copy's strings are the caller's to keep */
	get_base_keys(user, entry, &uopts, opts, settings, sts_requests, &base);
	copy->access_key_id = base.access_key_id;
	copy->secret_access_key = base.secret_access_key;
	copy->session_token = base.session_token;
	cks_credentials_wipe_with_context(CurrentMemoryContext, copy);
	return copy;
}

void
cks_mapping_role_options(UserMapping *user, CksUserOptions *uopts)
{
	cks_get_user_options(user, uopts);
	free_user_secrets(uopts);
}

/* The one account a role_arn without {account} names. */
static char *
role_account(const char *role_arn)
{
	char	   *account_id = cks_arn_account_id(role_arn);

	if (account_id == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
				 errmsg("option \"role_arn\" names no single account"),
				 errhint("A role_arn with {account} needs the server option accounts.")));
	return account_id;
}

SigV4Credentials *
cks_get_credentials(UserMapping *user, const CksScanOptions *opts,
					const CksCallSettings *settings, int *sts_requests)
{
	CksUserOptions uopts;

	cks_mapping_role_options(user, &uopts);
	if (uopts.role_arn == NULL)
		return cks_base_credentials(user, opts, settings, sts_requests);
	return cks_role_credentials(user, role_account(uopts.role_arn), opts,
								settings, sts_requests);
}

SigV4Credentials *
cks_renew_credentials(UserMapping *user, const char *account_id,
					  const CksScanOptions *opts,
					  const CksCallSettings *settings, int *sts_requests)
{
	CksUserOptions uopts;

	cks_mapping_role_options(user, &uopts);
	if (uopts.credential_source != CKS_SOURCE_NONE)
		cks_source_forget(uopts.credential_source);
	if (uopts.role_arn == NULL)
		return cks_base_credentials(user, opts, settings, sts_requests);
	if (account_id == NULL)
		account_id = role_account(uopts.role_arn);
	cks_forget_role_credentials(user, account_id);
	return cks_role_credentials(user, account_id, opts, settings, sts_requests);
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
		account_id = role_account(uopts.role_arn);
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
	entry->account_id = MemoryContextStrdup(entry->cxt, account_id);
	return account_id;
}
