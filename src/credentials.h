/*-------------------------------------------------------------------------
 *
 * credentials.h
 *	  Which keys sign a user mapping's KMS requests, and which AWS account
 *	  they belong to: the mapping's base keys (static, or a credential
 *	  source's), or temporary keys from STS AssumeRole in an account
 *	  (account_roles.h), cached for the life of the backend and refreshed
 *	  before they expire.  The model is postgres_fdw's
 *	  connection.c: a hash keyed by user mapping, invalidated by syscache
 *	  callbacks when the server or user mapping changes.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CKS_CREDENTIALS_H
#define CKS_CREDENTIALS_H

#include "postgres.h"

#include "aws_call.h"
#include "foreign/foreign.h"
#include "options.h"
#include "sigv4.h"

/* Temporary credentials are replaced this long before they expire. */
#define CKS_CREDENTIAL_REFRESH_MARGIN_SECS	300

/*
 * When to stop using temporary credentials that expire at 'expiration',
 * obtained at 'now': CKS_CREDENTIAL_REFRESH_MARGIN_SECS before they
 * expire, or, for credentials that came with less than that left,
 * halfway through what they had -- so short-lived ones are still reused
 * for a while rather than fetched again for every scan.  0 (never
 * expires) stays 0.
 */
extern time_t cks_credentials_refresh_at(time_t expiration, time_t now);

/*
 * The keys the mapping itself signs with: its static keys, or its
 * credential source's.  Every other credential (an assumed role's, the
 * Organizations caller's) is signed with these.  Copied into the current
 * memory context, wiped with it; an error with the fix when there are none.
 */
extern SigV4Credentials *cks_base_credentials(UserMapping *user,
											  const CksScanOptions *opts,
											  const CksCallSettings *settings,
											  int *sts_requests);

/* The mapping's options with its keys already wiped: role_arn (which may
 * hold {account}), role settings, credential_source. */
extern void cks_mapping_role_options(UserMapping *user, CksUserOptions *uopts);

/*
 * Credentials to sign with, copied into the current memory context so a
 * refresh or invalidation later cannot pull them from under a scan: the
 * base keys, or those of the role_arn's account (AssumeRole when the
 * cached ones are missing or about to expire).  Blocking; a scan gets its
 * accounts' roles through cks_role_credential_calls instead.
 */
extern SigV4Credentials *cks_get_credentials(UserMapping *user,
											 const CksScanOptions *opts,
											 const CksCallSettings *settings,
											 int *sts_requests);

/*
 * The same after AWS answered ExpiredToken: forget the keys of the role
 * in account_id (NULL: the role_arn's one account) and the credential
 * source's keys, and get new ones.
 */
extern SigV4Credentials *cks_renew_credentials(UserMapping *user,
											   const char *account_id,
											   const CksScanOptions *opts,
											   const CksCallSettings *settings,
											   int *sts_requests);

/* A copy of creds in the current memory context, wiped with it. */
extern SigV4Credentials *cks_credentials_copy(const SigV4Credentials *creds);

/* Have cxt wipe creds' strings (which live in cxt) when it goes away. */
extern void cks_credentials_wipe_with_context(MemoryContext cxt,
											  SigV4Credentials *creds);

/* AWS refused the call's keys as expired. */
extern bool cks_call_failed_as_expired(const CksCall *call);

/*
 * The AWS account the mapping's requests act in: from the role ARN when a
 * role (without {account}) is assumed, else from STS GetCallerIdentity, called at most once per
 * user mapping per backend.  palloc'd copy.
 */
extern char *cks_get_account_id(UserMapping *user,
								const CksScanOptions *opts,
								const CksCallSettings *settings,
								int *sts_requests);

/* Create the cache and register its invalidation callbacks (_PG_init). */
extern void cks_credentials_initialize(void);

/*
 * GetUserMapping (the user's mapping, else PUBLIC's; an error when there
 * is none) without the stray copies of the options it leaves in the
 * current memory context; the credential options of the result are wiped
 * when that context is reset or deleted.
 */
extern UserMapping *cks_get_user_mapping(Oid userid, Oid serverid);

#endif							/* CKS_CREDENTIALS_H */
