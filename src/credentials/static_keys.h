/*-------------------------------------------------------------------------
 *
 * static_keys.h
 *	  The keys a user mapping signs with itself (its static keys, or its
 *	  credential source's), cached per user mapping with the account id
 *	  they act in, and the copies and wiping every credential gets.  The
 *	  bottom of the credentials chain: credentials.h (the facade) and
 *	  account_roles.h build on it, credential_sources.h is below it.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CKS_STATIC_KEYS_H
#define CKS_STATIC_KEYS_H

#include "postgres.h"

#include "aws/aws_call.h"
#include "aws/sigv4.h"
#include "aws/sts.h"
#include "credentials/credential_context.h"

/* One user mapping's cache entry. */
typedef struct CksMappingEntry
{
	Oid			umid;			/* hash key: the user mapping's OID */
	bool		valid;
	MemoryContext cxt;			/* holds every string below */
	SigV4Credentials static_keys;
	char	   *account_id;
} CksMappingEntry;

/* Create the cache and register its invalidation callbacks. */
extern void cks_static_keys_initialize(void);

/*
 * Gather what the chain needs for one query into *ctx: the mapping's
 * options read once (its keys wiped at once), the STS endpoint of the
 * server's first region.  opts, settings and *sts_requests must outlive
 * every use of ctx.
 */
extern void cks_credential_context_init(CksCredentialContext *ctx,
										UserMapping *user,
										const CksScanOptions *opts,
										const CksCallSettings *settings,
										int *sts_requests);

/* The mapping's cache entry, (re)built (reading its keys) if needed. */
extern CksMappingEntry *cks_mapping_entry(const CksCredentialContext *ctx);

/*
 * The base keys of an entry into *out (palloc'd; sts_credentials_free):
 * its static keys, or its credential source's.  An error with the fix
 * when the mapping has neither.
 */
extern void cks_base_keys(const CksCredentialContext *ctx,
						  const CksMappingEntry *entry, StsCredentials *out);

/*
 * The keys the mapping itself signs with: its static keys, or its
 * credential source's.  Every other credential (an assumed role's, the
 * Organizations caller's) is signed with these.  Copied into the current
 * memory context, wiped with it; an error with the fix when there are none.
 */
extern SigV4Credentials *cks_base_credentials(const CksCredentialContext *ctx);

/* The keys of temporary credentials as a signer sees them (not copied). */
extern SigV4Credentials cks_signing_keys(const StsCredentials *temp);

/*
 * Copy src's strings into cxt as *dst, wiped when cxt goes away; dst must
 * not move while cxt lives.
 */
extern void cks_credentials_keep(MemoryContext cxt, SigV4Credentials *dst,
								 const SigV4Credentials *src);

/* A copy of creds in the current memory context, wiped with it. */
extern SigV4Credentials *cks_credentials_copy(const SigV4Credentials *creds);

/* Have cxt wipe creds' strings (which live in cxt) when it goes away. */
extern void cks_credentials_wipe_with_context(MemoryContext cxt,
											  SigV4Credentials *creds);

#endif							/* CKS_STATIC_KEYS_H */
