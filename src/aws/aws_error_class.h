/*-------------------------------------------------------------------------
 *
 * aws_error_class.h
 *	  What a failed AWS call means to the user: the tables of AWS error
 *	  codes (transient, bad credentials, access denied) and the category
 *	  that picks the SQLSTATE and the hint.
 *
 *	  Frontend-safe: the backend glue (aws_call.c) only maps a category to
 *	  an ERRCODE and reports; the tables are unit-tested here.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CKS_AWS_ERROR_CLASS_H
#define CKS_AWS_ERROR_CLASS_H

#include <stdbool.h>

#include "aws/aws_error.h"

typedef enum CksErrorCategory
{
	CKS_ERRCAT_UNREACHABLE,		/* no usable HTTP response */
	CKS_ERRCAT_BAD_RESPONSE,	/* the endpoint does not speak the protocol */
	CKS_ERRCAT_ACCESS_DENIED,	/* the identity lacks a permission */
	CKS_ERRCAT_CREDENTIALS,		/* keys or token wrong, expired, missing */
	CKS_ERRCAT_THROTTLED,		/* a transient error that outlasted retries */
	CKS_ERRCAT_OTHER			/* any other AWS error */
} CksErrorCategory;

/* The transient error codes of botocore's standard retry mode. */
extern bool aws_code_is_retryable(const char *code);
/* A code asking the caller to slow down (a subset of the retryable). */
extern bool aws_code_is_throttling(const char *code);

/* Codes that mean the signing keys or token are wrong or expired. */
extern bool aws_code_is_credential_error(const char *code);

/* Codes that mean the identity may not do this. */
extern bool aws_code_is_access_error(const char *code);

/* The category of a failed call's error (err->kind != CKS_OK). */
extern CksErrorCategory aws_error_category(const CksAwsError *err);

/*
 * The hint for a category, palloc'd, or NULL when there is nothing useful
 * to say.  'service' is the AWS service called ("kms", "sts"),
 * 'permission' what the identity needs for the call (for access errors),
 * 'credential_source' the user mapping's (NULL when it has keys), so that
 * a credentials hint points at what the mapping really uses.
 */
extern char *aws_error_hint(CksErrorCategory category, const char *service,
							const char *permission,
							const char *credential_source);

#endif							/* CKS_AWS_ERROR_CLASS_H */
