/*-------------------------------------------------------------------------
 *
 * credential_context.h
 *	  What every link of the credentials chain needs to know about the
 *	  user mapping and the query it serves, gathered once per query
 *	  (cks_credential_context_init in static_keys.h) and handed down the
 *	  chain: the mapping, its options read once, the server's options, the
 *	  call settings for STS, and the counter of blocking requests.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CKS_CREDENTIAL_CONTEXT_H
#define CKS_CREDENTIAL_CONTEXT_H

#include "postgres.h"

#include "aws/aws_call.h"
#include "foreign/foreign.h"
#include "options.h"

typedef struct CksCredentialContext
{
	UserMapping *user;
	/* the mapping's options, without its keys (only the cache keeps those):
	 * role_arn (may hold {account}), role settings, credential_source */
	CksUserOptions mapping;
	const CksScanOptions *opts; /* the server's: sts_endpoint, regions */
	const CksCallSettings *settings;	/* STS timeouts, CA file, proxy */
	int		   *sts_requests;	/* counts blocking STS and Organizations
								 * requests; may be NULL */
	const char *sts_region;		/* the server's first region */
	const char *sts_url;		/* sts_endpoint for sts_region */
} CksCredentialContext;

#endif							/* CKS_CREDENTIAL_CONTEXT_H */
