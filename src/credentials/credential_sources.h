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
#include "credentials/credential_context.h"
#include "credentials/keyless.h"
#include "aws/sts.h"

/*
 * The source's current credentials, copied into the current memory
 * context (release them with sts_credentials_free of sts.h).  Fetches only when the
 * backend has none that are fresh; web identity uses ctx's STS endpoint
 * and call settings.  ereports, naming the source, when it
 * is not available.
 */
extern void cks_source_credentials(CksCredentialSource source,
								   const CksCredentialContext *ctx,
								   StsCredentials *out);

/* Drop the cached credentials of a source (AWS said they expired). */
extern void cks_source_forget(CksCredentialSource source);

#endif							/* CKS_CREDENTIAL_SOURCES_H */
