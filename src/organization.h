/*-------------------------------------------------------------------------
 *
 * organization.h
 *	  Which accounts a server with the option "accounts" covers: its list
 *	  of ids, or the ACTIVE accounts of its AWS Organization, discovered
 *	  with ListAccounts and cached per backend for a short while
 *	  (cks_fdw.organization_cache_seconds).
 *
 *-------------------------------------------------------------------------
 */
#ifndef CKS_ORGANIZATION_H
#define CKS_ORGANIZATION_H

#include "postgres.h"

#include "credentials/credential_context.h"

/* ListAccounts pages read at most: 20 accounts each. */
#define CKS_ORGANIZATION_MAX_PAGES	1000

/* Define the GUC and the invalidation callbacks (_PG_init). */
extern void cks_organization_initialize(void);

/*
 * The account ids (char *, palloc'd, in AWS's order) of the server's
 * "accounts" option: the listed ones, or the organization's ACTIVE ones,
 * listed with the mapping's own (base) credentials.  ctx->sts_requests
 * counts the ListAccounts requests sent.
 */
extern List *cks_server_accounts(const CksCredentialContext *ctx);

/* An organization account's Name (account_name), or NULL; see the .c. */
extern const char *cks_organization_account_name(const UserMapping *user,
												 const char *account_id);

#endif							/* CKS_ORGANIZATION_H */
