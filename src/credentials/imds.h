/*-------------------------------------------------------------------------
 *
 * imds.h
 *	  The EC2 instance metadata service, version 2, as credential_source
 *	  'instance' uses it: which endpoint (the SDKs' environment variables),
 *	  the session-token handshake, and the role-name answer.  The
 *	  credentials document itself is parsed by keyless.c.
 *
 *	  Frontend-safe (no backend needed): the requests are sent by
 *	  credential_sources.c.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CKS_IMDS_H
#define CKS_IMDS_H

#include <stdbool.h>
#include <stddef.h>

#include "credentials/keyless.h"

#define IMDS_ENDPOINT_IPV4		"http://169.254.169.254"
#define IMDS_ENDPOINT_IPV6		"http://[fd00:ec2::254]"
#define IMDS_TOKEN_PATH			"/latest/api/token"
#define IMDS_CREDENTIALS_PATH	"/latest/meta-data/iam/security-credentials/"
#define IMDS_TOKEN_TTL_HEADER	"X-aws-ec2-metadata-token-ttl-seconds"
#define IMDS_TOKEN_HEADER		"X-aws-ec2-metadata-token"
/* What the SDKs ask for: six hours, the most IMDS grants. */
#define IMDS_TOKEN_TTL_SECONDS	21600
#define IMDS_TOKEN_TTL_VALUE	"21600"
/* Real tokens are ~56 characters. */
#define IMDS_MAX_TOKEN_LEN		1024
/* IAM role names: 1 to 64 of [\w+=,.@-]. */
#define IMDS_MAX_ROLE_NAME_LEN	64

/* Defaults like the SDKs' (1 s, 1 attempt), with a little more patience. */
#define IMDS_DEFAULT_TIMEOUT_MS		1000
#define IMDS_DEFAULT_ATTEMPTS		2
#define IMDS_MAX_TIMEOUT_MS			60000
#define IMDS_MAX_ATTEMPTS			10

/*
 * The metadata endpoint, without a trailing '/': AWS_EC2_METADATA_SERVICE_
 * ENDPOINT when set, else the default of AWS_EC2_METADATA_SERVICE_
 * ENDPOINT_MODE (IPv4 unless "IPv6").  False with *problem (palloc'd)
 * when the value is not an http:// or https:// URL or the mode is unknown.
 */
extern bool imds_endpoint(CksGetenv env, char **endpoint, char **problem);

/* AWS_EC2_METADATA_DISABLED=true: the SDKs then never call IMDS. */
extern bool imds_disabled(CksGetenv env);

/*
 * Whether IMDSv1 (no token) may be used when the token request is
 * refused.  The SDKs allow it unless AWS_EC2_METADATA_V1_DISABLED=true;
 * cks_fdw is stricter: only when that variable is explicitly "false".
 */
extern bool imds_v1_fallback_allowed(CksGetenv env);

/*
 * Per-attempt timeout (AWS_METADATA_SERVICE_TIMEOUT, seconds) and attempts
 * (AWS_METADATA_SERVICE_NUM_ATTEMPTS), bounded; the defaults above when
 * unset or not a number in range.  Also used for the container endpoint.
 */
extern void metadata_timeouts(CksGetenv env, int *timeout_ms, int *attempts);

/* NULL if the body of PUT /latest/api/token is a usable token. */
extern const char *imds_token_problem(const char *body, size_t len);

/*
 * The role name of GET .../security-credentials/: its first line,
 * checked as an IAM role name.  NULL with *problem (palloc'd) if the
 * instance has no role or the answer is not a role name.
 */
extern char *imds_parse_role_name(const char *body, size_t len,
								  char **problem);

#endif							/* CKS_IMDS_H */
