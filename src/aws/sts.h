/*-------------------------------------------------------------------------
 *
 * sts.h
 *	  The STS side of the wire: AssumeRole and GetCallerIdentity over the
 *	  AWS Query protocol (form-encoded POST, XML response), parsed with
 *	  libxml2.
 *
 *	  Frontend-safe (no backend needed).
 *
 *-------------------------------------------------------------------------
 */
#ifndef CKS_STS_H
#define CKS_STS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "aws/aws_error.h"

#define STS_SERVICE			"sts"
#define STS_CONTENT_TYPE	"application/x-www-form-urlencoded; charset=utf-8"
#define STS_API_VERSION		"2011-06-15"

typedef struct StsAssumeRoleParams
{
	const char *role_arn;
	const char *role_session_name;
	const char *external_id;	/* NULL when absent */
	int			duration_seconds;	/* 0 when absent */
} StsAssumeRoleParams;

/* AssumeRoleWithWebIdentity: the token is read from the token file. */
typedef struct StsWebIdentityParams
{
	const char *role_arn;
	const char *role_session_name;
	const char *web_identity_token;	/* a secret: the body holds it too */
	int			duration_seconds;	/* 0 when absent */
} StsWebIdentityParams;

/* Temporary credentials; every string palloc'd. */
typedef struct StsCredentials
{
	char	   *access_key_id;
	char	   *secret_access_key;
	char	   *session_token;
	time_t		expiration;		/* UTC */
} StsCredentials;

/* Wipe (explicit_bzero) and pfree the strings of creds, then zero it. */
extern void sts_credentials_free(StsCredentials *creds);

/* Form bodies, palloc'd, values percent-encoded (RFC 3986). */
extern char *sts_assume_role_body(const StsAssumeRoleParams *params);
extern char *sts_get_caller_identity_body(void);
extern char *sts_web_identity_body(const StsWebIdentityParams *params);

/*
 * Parse a 2xx response; false + CKS_ERR_BAD_RESPONSE when malformed.
 * AssumeRole credentials with a space or control character are malformed.
 */
extern bool sts_parse_assume_role_response(const char *body, size_t len,
										   long http_status,
										   StsCredentials *out,
										   CksAwsError *err);
extern bool sts_parse_web_identity_response(const char *body, size_t len,
											long http_status,
											StsCredentials *out,
											CksAwsError *err);
extern bool sts_parse_caller_identity_response(const char *body, size_t len,
											   long http_status,
											   char **account_id,
											   CksAwsError *err);

/*
 * Turn a non-2xx Query-protocol response (<ErrorResponse><Error><Code>,
 * <Message>, <RequestId>) into err; request_id_header (may be NULL) is used
 * when the body has none.  Not XML -> CKS_ERR_BAD_RESPONSE with the status.
 */
extern void sts_parse_error(long http_status, const char *request_id_header,
							const char *body, size_t len, CksAwsError *err);

/*
 * "YYYY-MM-DDTHH:MM:SS[.fraction]Z" (STS, IMDS and the ECS endpoint write
 * expirations this way) into *result; false for anything else.
 */
extern bool aws_parse_iso8601_utc(const char *text, time_t *result);

#endif							/* CKS_STS_H */
