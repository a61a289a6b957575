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

#include "aws_call.h"
#include "foreign/foreign.h"
#include "options.h"
#include "scan.h"
#include "sigv4.h"

/* Create the cache and its invalidation callbacks (from credentials.c). */
extern void cks_account_roles_initialize(void);

/*
 * How a scan assumes the mapping's role in its accounts, in its own
 * non-blocking loop.  Allocated in the current memory context, which must
 * outlive the scan; settings and *sts_requests (blocking fetches of the
 * base keys from a credential source) too.
 */
extern const CksCredentialCalls *cks_role_credential_calls(UserMapping *user,
														   const CksScanOptions *opts,
														   const CksCallSettings *settings,
														   int *sts_requests);

/* The role's keys in the account, cached or from one blocking AssumeRole;
 * copied into the current memory context. */
extern SigV4Credentials *cks_role_credentials(UserMapping *user,
											  const char *account_id,
											  const CksScanOptions *opts,
											  const CksCallSettings *settings,
											  int *sts_requests);

/* Drop the cached keys of the role in the account (AWS said expired). */
extern void cks_forget_role_credentials(UserMapping *user,
										const char *account_id);

/*
 * The server's "accounts" and a role_arn with {account} go together: an
 * error with the fix when only one of them is set.
 */
extern void cks_check_account_template(UserMapping *user,
									   const CksScanOptions *opts,
									   const char *role_arn);

#endif							/* CKS_ACCOUNT_ROLES_H */
