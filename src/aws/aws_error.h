/*-------------------------------------------------------------------------
 *
 * aws_error.h
 *	  The one shape every failed AWS call is reduced to, whatever the
 *	  protocol (KMS JSON 1.1, STS Query/XML) or the layer (curl, parser).
 *
 *	  The client core fills it in; only the backend glue turns it into an
 *	  ereport, so this header needs no backend.  Strings are palloc'd (in a
 *	  frontend build palloc is libpgcommon's malloc wrapper).
 *
 *-------------------------------------------------------------------------
 */
#ifndef CKS_AWS_ERROR_H
#define CKS_AWS_ERROR_H

typedef enum CksErrorKind
{
	CKS_OK = 0,
	CKS_ERR_TRANSPORT,			/* no usable HTTP response: connect, TLS,
								 * timeout, connection reset */
	CKS_ERR_AWS,				/* AWS answered with an error document */
	CKS_ERR_BAD_RESPONSE		/* the body is not what the protocol promises:
								 * empty, not JSON/XML, wrong field types */
} CksErrorKind;

typedef struct CksAwsError
{
	CksErrorKind kind;
	long		http_status;	/* 0 when there was no response */
	char	   *code;			/* AWS error code without namespace, e.g.
								 * "ThrottlingException"; NULL if none */
	char	   *message;		/* AWS's message, or what was wrong */
	char	   *request_id;		/* x-amzn-RequestId / <RequestId>; NULL if
								 * none */
} CksAwsError;

/*
 * Bounds on what an endpoint may put in front of a user, in bytes after
 * escaping (an ellipsis marks a cut).
 */
#define CKS_AWS_MESSAGE_MAX		400
#define CKS_AWS_CODE_MAX		100
#define CKS_AWS_REQUEST_ID_MAX	100

/* Wipe and pfree every string of err (a message may echo a secret), zero it. */
extern void aws_error_free(CksAwsError *err);

/*
 * Make every endpoint-supplied string of err fit to show and log: the
 * canonical request and string to sign that AWS appends to signature
 * errors (they hold the session token) are cut, every occurrence of a
 * secret (NULL entries skipped) is replaced by "[redacted]", control
 * characters and invalid UTF-8 are escaped, and each field is capped.  The
 * raw strings are wiped before they are freed.
 */
extern void aws_error_sanitize(CksAwsError *err, const char *const *secrets,
							   int nsecrets);

/* One string treated like aws_error_sanitize's fields; palloc'd. */
extern char *aws_text_sanitize(const char *text, size_t max_bytes,
							   const char *const *secrets, int nsecrets);

/*
 * Offset at which an echo of the canonical request or string to sign
 * starts in message ("The Canonical String for this request should have
 * been ..."), or strlen(message) when there is none.
 */
extern size_t aws_message_echo_start(const char *message);

/* The message for an error response without a code (palloc'd). */
extern char *aws_error_without_code(long http_status, const char *body_kind,
									const char *message);

/*
 * The length a UTF-8 lead byte announces (1 for a byte that cannot lead);
 * pg_utf8_islegal checks the whole sequence.  libpgcommon's pg_utf_mblen
 * is not exported from PostgreSQL 18 on.
 */
extern int	aws_utf8_sequence_length(unsigned char lead);

#endif							/* CKS_AWS_ERROR_H */
