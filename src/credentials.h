/*-------------------------------------------------------------------------
 *
 * credentials.h
 *	  Which keys sign a user mapping's KMS requests, and which AWS account
 *	  they belong to: the mapping's static keys, or temporary keys from STS
 *	  AssumeRole, cached per user mapping for the life of the backend and
 *	  refreshed before they expire.  The model is postgres_fdw's
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
 * Credentials to sign with, copied into the current memory context so a
 * refresh or invalidation later cannot pull them from under a scan.
 * Calls STS AssumeRole when the mapping has a role_arn and the cached
 * temporary keys are missing or about to expire.
 */
extern SigV4Credentials *cks_get_credentials(UserMapping *user,
											 const CksScanOptions *opts,
											 const CksCallSettings *settings,
											 int *sts_requests);

/*
 * The same after AWS answered ExpiredToken: forget the mapping's assumed
 * keys and its credential source's keys, and get new ones.
 */
extern SigV4Credentials *cks_renew_credentials(UserMapping *user,
											   const CksScanOptions *opts,
											   const CksCallSettings *settings,
											   int *sts_requests);

/*
 * The AWS account the mapping's requests act in: from the role ARN when a
 * role is assumed, else from STS GetCallerIdentity, called at most once per
 * user mapping per backend.  palloc'd copy.
 */
extern char *cks_get_account_id(UserMapping *user,
								const CksScanOptions *opts,
								const CksCallSettings *settings,
								int *sts_requests);

/* Create the cache and register its invalidation callbacks (_PG_init). */
extern void cks_credentials_initialize(void);

#endif							/* CKS_CREDENTIALS_H */
