/*-------------------------------------------------------------------------
 *
 * account_roles.h
 *	  The role a user mapping's role_arn names in each account (the
 *	  server's "accounts" through {account}, or the role_arn's own):
 *	  AssumeRole signed with the mapping's base keys, its temporary keys
 *	  cached per (user mapping, account) for the life of the backend.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CKS_ACCOUNT_ROLES_H
#define CKS_ACCOUNT_ROLES_H

#include "postgres.h"

#include "aws/aws_call.h"
#include "credentials/credential_context.h"
#include "aws/sigv4.h"

/* Create the cache and its invalidation callbacks (from credentials.c). */
extern void cks_account_roles_initialize(void);

/*
 * How a scan assumes the mapping's role in its accounts, in its own
 * non-blocking loop.  Allocated in the current memory context, which must
 * outlive the scan; ctx too.
 */
extern const CksCredentialCalls *cks_role_credential_calls(const CksCredentialContext *ctx);

/* The role's keys in the account, cached or from one blocking AssumeRole;
 * copied into the current memory context. */
extern SigV4Credentials *cks_role_credentials(const CksCredentialContext *ctx,
											  const char *account_id);

/* Drop the cached keys of the role in the account (AWS said expired). */
extern void cks_forget_role_credentials(UserMapping *user,
										const char *account_id);

/*
 * The server's "accounts" and a role_arn with {account} go together: an
 * error with the fix when only one of them is set.
 */
extern void cks_check_account_template(const CksCredentialContext *ctx);

#endif							/* CKS_ACCOUNT_ROLES_H */
