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

/* pfree every string of err and zero it. */
extern void aws_error_free(CksAwsError *err);

/* The message for an error response without a code (palloc'd). */
extern char *aws_error_without_code(long http_status, const char *body_kind,
									const char *message);

#endif							/* CKS_AWS_ERROR_H */
