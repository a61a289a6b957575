/*-------------------------------------------------------------------------
 *
 * organization.c
 *	  The account list of a server with the option "accounts": the ids it
 *	  lists, or the organization's, discovered with AWS Organizations
 *	  ListAccounts (paginated, 20 per page, at most
 *	  CKS_ORGANIZATION_MAX_PAGES pages) and signed with the user mapping's
 *	  own credentials: the management account's or a delegated
 *	  administrator's.  Only ACTIVE accounts are kept (the newer "State"
 *	  field when AWS sends it, else "Status"): a suspended account's roles
 *	  cannot be assumed.
 *
 *	  The list is cached per (server, user mapping) for
 *	  cks_fdw.organization_cache_seconds, so a session's queries do not
 *	  list the organization every time, and a new or closed account shows
 *	  up within that time.  ALTER of the server or mapping forgets it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <json-c/json.h>

#include "aws/aws_json.h"
#include "credentials/credentials.h"
#include "mapping_cache.h"
#include "option_values.h"
#include "organization.h"
#include "quals.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

/* Organizations is signed for us-east-1 in the aws partition. */
#define ORGANIZATIONS_SIGNING_REGION	"us-east-1"

typedef struct OrganizationKey
{
	Oid			serverid;
	Oid			umid;
} OrganizationKey;

typedef struct OrganizationEntry
{
	OrganizationKey key;
	MemoryContext cxt;			/* holds accounts; NULL: nothing cached */
	List	   *accounts;		/* char * */
	List	   *names;			/* char *, the account's Name or NULL */
	TimestampTz fetched_at;
} OrganizationEntry;

static HTAB *organization_cache = NULL;
static int	organization_cache_seconds = 60;

void
cks_organization_initialize(void)
{
	DefineCustomIntVariable("cks_fdw.organization_cache_seconds",
							"How long the account list of accounts 'organization' is reused.",
							"Within this time a session's queries reuse the accounts AWS Organizations listed; 0 lists them for every query.",
							&organization_cache_seconds,
							60, 0, 86400,
							PGC_USERSET, GUC_UNIT_S,
							NULL, NULL, NULL);
	organization_cache = cks_mapping_cache_create("cks_fdw organizations", 8,
												  sizeof(OrganizationKey),
												  sizeof(OrganizationEntry),
												  offsetof(OrganizationEntry, cxt));
}

/* An entry of ListAccounts that is an ACTIVE account: its id, else NULL. */
static const char *
active_account_id(struct json_object *entry)
{
	const char *id = aws_json_entry_string(entry, "Id", NULL);
	const char *state = aws_json_entry_string(entry, "State", NULL);
	const char *status = aws_json_entry_string(entry, "Status", NULL);

	if (id == NULL || !cks_is_account_id(id))
		return NULL;
	if (state != NULL)
		return strcmp(state, "ACTIVE") == 0 ? id : NULL;
	return status != NULL && strcmp(status, "ACTIVE") == 0 ? id : NULL;
}

static void
report_bad_page(const CksAwsError *err)
{
	ereport(ERROR,
			(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
			 errmsg("Organizations ListAccounts returned a malformed response"),
			 errdetail_internal("%s (HTTP %ld%s%s).", err->message, err->http_status,
								err->request_id ? ", request id " : "",
								err->request_id ? err->request_id : "")));
}

/*
 * An account's Name, when the descriptor shows it (see shown_paths of
 * ListAccounts: a sensitive field cks_fdw shows for a stated reason).
 */
static const char *
account_name(struct json_object *entry)
{
	if (!cks_operation_shows(&cks_op_organizations_list_accounts,
							 "Accounts[].Name"))
		return NULL;
	return aws_json_entry_string(entry, "Name", NULL);
}

/* Take one page's ACTIVE accounts (ids, and names in 'names'); returns the
 * next token or NULL. */
static char *
read_page(CksCall *call, List **accounts, List **names)
{
	const CksOperation *op = &cks_op_organizations_list_accounts;
	CksJsonPage page;
	CksAwsError err;
	char	   *next = NULL;

	memset(&err, 0, sizeof(err));
	if (!aws_json_parse_page(&op->page, call->response_body, call->response_len,
							 call->http_status, &page, &err))
		report_bad_page(&err);
	for (int i = 0; i < page.nentries; i++)
	{
		const char *id = active_account_id(json_object_array_get_idx(page.entries, i));
		bool		seen = false;
		ListCell   *lc;

		if (id == NULL)
			continue;
		foreach(lc, *accounts)
			seen |= strcmp((char *) lfirst(lc), id) == 0;
		if (!seen)
		{
			const char *name = account_name(json_object_array_get_idx(page.entries, i));

			*accounts = lappend(*accounts, pstrdup(id));
			*names = lappend(*names, name ? pstrdup(name) : NULL);
		}
	}
	if (page.truncated)
		next = pstrdup(page.next_token);
	aws_json_page_free(&page);
	return next;
}

/*
 * ListAccounts, page after page, signed with the mapping's own keys.  A
 * caller that is not the management account or a delegated administrator
 * gets AccessDeniedException, reported with its hint.
 */
static List *
list_organization(const CksCredentialContext *ctx, List **names)
{
	const CksOperation *op = &cks_op_organizations_list_accounts;
	const char *values[CKS_MAX_OPERATION_PARAMETERS] = {0};
	SigV4Credentials *base = cks_base_credentials(ctx);
	List	   *accounts = NIL;
	char	   *token = NULL;
	int			pages = 0;

	do
	{
		CksCall		call;
		char	   *previous = token;

		if (++pages > CKS_ORGANIZATION_MAX_PAGES)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_ERROR),
					 errmsg("Organizations ListAccounts returned more than %d pages",
							CKS_ORGANIZATION_MAX_PAGES),
					 errhint("List the account ids in the server option accounts instead.")));
		cks_call_init(&call, op, ctx->opts->organizations_endpoint,
					  ORGANIZATIONS_SIGNING_REGION,
					  op->build_request(op, values, token, op->page.max_limit),
					  base, ctx->settings);
		cks_call_run(&call);
		if (ctx->sts_requests)
			*ctx->sts_requests += call.requests_sent;
		if (call.state == CKS_CALL_FAILED)
			cks_call_report(&call, ERROR, "Organizations ListAccounts", NULL);
		token = read_page(&call, &accounts, names);
		cks_call_reset(&call);
		if (token && previous && strcmp(token, previous) == 0)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
					 errmsg("Organizations ListAccounts returned the same NextToken twice"),
					 errdetail("Paginating further would never end.")));
	} while (token != NULL);
	return accounts;
}

static List *
organization_accounts(const CksCredentialContext *ctx)
{
	OrganizationKey key;
	OrganizationEntry *entry;
	List	   *accounts;
	List	   *names = NIL;
	MemoryContext old;
	bool		found;
	ListCell   *lc;

	memset(&key, 0, sizeof(key));
	key.serverid = ctx->user->serverid;
	key.umid = ctx->user->umid;
	entry = hash_search(organization_cache, &key, HASH_ENTER, &found);
	if (!found)
		entry->cxt = NULL;
	if (entry->cxt != NULL &&
		!TimestampDifferenceExceeds(entry->fetched_at, GetCurrentTimestamp(),
									organization_cache_seconds * 1000))
		return cks_copy_strings(entry->accounts);

	accounts = list_organization(ctx, &names);
	if (entry->cxt)
		MemoryContextDelete(entry->cxt);
	entry->cxt = AllocSetContextCreate(CacheMemoryContext,
									   "cks_fdw organization accounts",
									   ALLOCSET_SMALL_SIZES);
	old = MemoryContextSwitchTo(entry->cxt);
	entry->accounts = cks_copy_strings(accounts);
	entry->names = NIL;
	foreach(lc, names)
		entry->names = lappend(entry->names,
							   lfirst(lc) ? pstrdup(lfirst(lc)) : NULL);
	MemoryContextSwitchTo(old);
	entry->fetched_at = GetCurrentTimestamp();
	return accounts;
}

/*
 * The Name of an account of the organization the server lists, from the
 * last ListAccounts of this (server, user mapping) -- made by every scan
 * of such a server before its first row.  NULL when unknown.
 */
const char *
cks_organization_account_name(const UserMapping *user, const char *account_id)
{
	OrganizationKey key;
	OrganizationEntry *entry;
	ListCell   *id;
	ListCell   *name;

	if (account_id == NULL || organization_cache == NULL)
		return NULL;
	memset(&key, 0, sizeof(key));
	key.serverid = user->serverid;
	key.umid = user->umid;
	entry = hash_search(organization_cache, &key, HASH_FIND, NULL);
	if (entry == NULL || entry->cxt == NULL)
		return NULL;
	forboth(id, entry->accounts, name, entry->names)
		if (strcmp(lfirst(id), account_id) == 0)
			return lfirst(name);
	return NULL;
}

List *
cks_server_accounts(const CksCredentialContext *ctx)
{
	if (strcmp(ctx->opts->accounts, CKS_ACCOUNTS_ORGANIZATION) == 0)
		return organization_accounts(ctx);
	return cks_account_list(ctx->opts->accounts);
}
