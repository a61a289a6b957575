/*-------------------------------------------------------------------------
 *
 * sigv4.h
 *	  AWS Signature Version 4 (header signing) for the requests cks_fdw
 *	  sends to KMS and STS.
 *
 *	  Frontend-safe: compiled both into the extension and, with -DFRONTEND,
 *	  into the unit runner that checks it against AWS's test vectors.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CKS_SIGV4_H
#define CKS_SIGV4_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "net/http.h"			/* CksHeader */

typedef struct SigV4Credentials
{
	const char *access_key_id;
	const char *secret_access_key;
	const char *session_token;	/* NULL when the keys are long-term */
} SigV4Credentials;

typedef struct SigV4Request
{
	const char *method;			/* "POST", "GET" */
	const char *path;			/* path as sent, e.g. "/" (no query) */
	const char *query;			/* query string as sent without '?', or NULL */
	const CksHeader *headers;	/* headers to sign; must include Host (with
								 * the port when it is not the scheme's
								 * default).  X-Amz-Date and
								 * X-Amz-Security-Token are added by the
								 * signer and must not be here. */
	int			nheaders;
	const char *body;			/* payload, may be NULL when body_len == 0 */
	size_t		body_len;
	bool		normalize_path; /* true for every service but S3 */
} SigV4Request;

/*
 * What signing produced.  The caller sends the request's own headers plus
 * X-Amz-Date: amz_date, X-Amz-Security-Token (when a session token was
 * given) and Authorization: authorization.  The intermediate strings are
 * kept for tests and debugging; they hold no key, but canonical_request
 * holds the session token (it is a signed header): never log it.
 */
typedef struct SigV4Signature
{
	char		amz_date[17];	/* YYYYMMDD'T'HHMMSS'Z' */
	char		signature[65];	/* lower-case hex */
	char	   *canonical_request;	/* palloc'd */
	char	   *string_to_sign; /* palloc'd */
	char	   *authorization;	/* palloc'd, full Authorization value */
} SigV4Signature;

/*
 * Sign req for region/service at time 'when' (UTC seconds).  Returns false
 * (out->signature empty, its strings NULL) only when OpenSSL fails, e.g.
 * SHA-256 unavailable under the loaded providers, or 'when' is outside
 * years 0-9999; the request must then not be sent.
 */
extern bool sigv4_sign(const SigV4Request *req,
					   const SigV4Credentials *creds,
					   const char *region,
					   const char *service,
					   time_t when,
					   SigV4Signature *out);

/*
 * Lower-case hex SHA-256 of data into out[65]; used for payload hashes.
 * out is the empty string if OpenSSL fails.
 */
extern void sigv4_sha256_hex(const void *data, size_t len, char out[65]);

#endif							/* CKS_SIGV4_H */
