/*-------------------------------------------------------------------------
 *
 * credential_sources.h
 *	  The database server's own AWS identity, for user mappings with a
 *	  credential_source instead of keys: the EC2 instance role (IMDSv2),
 *	  the ECS task role or EKS Pod Identity, EKS IRSA web identity, the
 *	  postmaster's environment, or the first of those the AWS SDKs' chain
 *	  finds.
 *
 *	  Each source's credentials are cached once per backend, whatever the
 *	  number of user mappings, servers or partitions that use them, and
 *	  fetched again only when they come near their expiry (see
 *	  cks_credentials_refresh_at in keyless.h) or AWS says they expired.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CKS_CREDENTIAL_SOURCES_H
#define CKS_CREDENTIAL_SOURCES_H

#include "postgres.h"

#include <time.h>

#include "aws/aws_call.h"
#include "credentials/keyless.h"
#include "aws/sts.h"

/* What a fetch may need besides the process environment. */
typedef struct CksSourceContext
{
	const char *sts_url;		/* for AssumeRoleWithWebIdentity */
	const char *sts_region;
	const CksCallSettings *settings;	/* STS timeouts, CA file */
	int		   *sts_requests;	/* counts STS requests; may be NULL */
} CksSourceContext;

/*
 * The source's current credentials, copied into the current memory
 * context (release them with sts_credentials_free of sts.h).  Fetches only when the
 * backend has none that are fresh.  ereports, naming the source, when it
 * is not available.
 */
extern void cks_source_credentials(CksCredentialSource source,
								   const CksSourceContext *ctx,
								   StsCredentials *out);

/* Drop the cached credentials of a source (AWS said they expired). */
extern void cks_source_forget(CksCredentialSource source);

#endif							/* CKS_CREDENTIAL_SOURCES_H */
