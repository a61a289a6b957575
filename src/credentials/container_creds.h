/*-------------------------------------------------------------------------
 *
 * container_creds.h
 *	  The ECS task-role and EKS Pod Identity credentials endpoint, as
 *	  credential_source 'container' uses it: which URL the SDKs'
 *	  environment variables name, which hosts a plain-http URL may point
 *	  at, and the authorization token.  The answer is the JSON credentials
 *	  document that keyless.c parses.
 *
 *	  Frontend-safe (no backend needed).
 *
 *-------------------------------------------------------------------------
 */
#ifndef CKS_CONTAINER_CREDS_H
#define CKS_CONTAINER_CREDS_H

#include <stdbool.h>

#include "credentials/keyless.h"

/* Where AWS_CONTAINER_CREDENTIALS_RELATIVE_URI is resolved. */
#define ECS_CREDENTIALS_HOST	"http://169.254.170.2"

/*
 * The URL to GET: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI appended to
 * ECS_CREDENTIALS_HOST when set (it wins, as in the SDKs), else
 * AWS_CONTAINER_CREDENTIALS_FULL_URI, which must be https://, or http://
 * to a loopback host or to the ECS / EKS Pod Identity agents'
 * link-local addresses (169.254.170.2, 169.254.170.23, [fd00:ec2::23]).
 * False with *problem (palloc'd) otherwise; no request is made then.
 */
extern bool container_credentials_url(CksGetenv env, char **url,
									  char **problem);

/* Whether a plain-http URL may be used, by its host (as curl gives it). */
extern bool container_host_allowed(const char *host);

/*
 * The Authorization header value, or NULL when none is configured (ECS
 * with a relative URI needs none): AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE
 * (read on every fetch: EKS rotates it), else
 * AWS_CONTAINER_AUTHORIZATION_TOKEN.  On a bad or missing file, NULL with
 * *problem (palloc'd) and *missing_file as cks_read_token_file sets it.
 */
extern char *container_authorization(CksGetenv env, char **problem,
									 bool *missing_file);

#endif							/* CKS_CONTAINER_CREDS_H */
