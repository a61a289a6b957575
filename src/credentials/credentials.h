/*-------------------------------------------------------------------------
 *
 * credentials.h
 *	  The credentials facade: which keys sign a user mapping's requests,
 *	  and which AWS account they belong to: the mapping's base keys
 *	  (static_keys.h: static, or a credential source's), or temporary keys
 *	  from STS AssumeRole in an account (account_roles.h), cached for the
 *	  life of the backend and refreshed before they expire.  The model is
 *	  postgres_fdw's connection.c: a hash keyed by user mapping,
 *	  invalidated by syscache callbacks when the server or user mapping
 *	  changes.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CKS_CREDENTIALS_H
#define CKS_CREDENTIALS_H

#include "postgres.h"

#include "aws/sigv4.h"
#include "credentials/credential_context.h"
#include "credentials/static_keys.h"	/* the context's set-up, base keys */

/*
 * Credentials to sign with, copied into the current memory context so a
 * refresh or invalidation later cannot pull them from under a scan: the
 * base keys, or those of the role_arn's account (AssumeRole when the
 * cached ones are missing or about to expire).  Blocking; a scan gets its
 * accounts' roles through cks_role_credential_calls instead.
 */
extern SigV4Credentials *cks_get_credentials(const CksCredentialContext *ctx);

/*
 * The same after AWS answered ExpiredToken: forget the keys of the role
 * in account_id (NULL: the role_arn's one account) and the credential
 * source's keys, and get new ones.
 */
extern SigV4Credentials *cks_renew_credentials(const CksCredentialContext *ctx,
											   const char *account_id);

/*
 * The AWS account the mapping's requests act in: from the role ARN when a
 * role (without {account}) is assumed, else from STS GetCallerIdentity, called at most once per
 * user mapping per backend.  palloc'd copy.
 */
extern char *cks_get_account_id(const CksCredentialContext *ctx);

/* Create the caches of the chain and their invalidation callbacks (_PG_init). */
extern void cks_credentials_initialize(void);

#endif							/* CKS_CREDENTIALS_H */
