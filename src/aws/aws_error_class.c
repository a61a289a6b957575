/*-------------------------------------------------------------------------
 *
 * aws_error_class.c
 *	  The AWS error-code tables and the category of a failed call.  See
 *	  aws_error_class.h.  Needs no backend.
 *
 *-------------------------------------------------------------------------
 */
#ifdef FRONTEND
#include "postgres_fe.h"
#else
#include "postgres.h"
#endif

#include "aws/aws_error_class.h"

/*
 * botocore's standard retry mode (botocore/retries/standard.py), so that
 * cks_fdw gives up where the AWS CLI and SDKs give up.
 */
static const char *const retryable_codes[] = {
	"Throttling", "ThrottlingException", "ThrottledException",
	"RequestThrottledException", "TooManyRequestsException",
	"ProvisionedThroughputExceededException", "TransactionInProgressException",
	"RequestLimitExceeded", "BandwidthLimitExceeded", "LimitExceededException",
	"RequestThrottled", "SlowDown", "PriorRequestNotComplete",
	"EC2ThrottledException", "RequestTimeout", "RequestTimeoutException",
	"InternalError", "KMSInternalException", "ServiceUnavailable",
	"ServiceUnavailableException", NULL
};

/*
 * The codes that mean "slow down" (botocore/retries/standard.py,
 * _THROTTLED_ERROR_CODES): the request scheduler lowers the quota's rate
 * and retries them on their own budget.
 */
static const char *const throttling_codes[] = {
	"Throttling", "ThrottlingException", "ThrottledException",
	"RequestThrottledException", "TooManyRequestsException",
	"ProvisionedThroughputExceededException", "TransactionInProgressException",
	"RequestLimitExceeded", "BandwidthLimitExceeded", "LimitExceededException",
	"RequestThrottled", "SlowDown", "EC2ThrottledException", NULL
};

/* KMS (JSON) and STS (Query) names of the same credential problems. */
static const char *const credential_codes[] = {
	"UnrecognizedClientException", "InvalidSignatureException",
	"IncompleteSignatureException", "MissingAuthenticationTokenException",
	"MissingAuthenticationToken", "ExpiredTokenException", "ExpiredToken",
	"InvalidClientTokenId", "SignatureDoesNotMatch", "IncompleteSignature",
	"RequestExpired", NULL
};

static const char *const access_codes[] = {
	"AccessDeniedException", "AccessDenied", NULL
};

static bool
code_is_any(const char *code, const char *const *codes)
{
	if (code == NULL)
		return false;
	for (; *codes; codes++)
	{
		if (strcmp(code, *codes) == 0)
			return true;
	}
	return false;
}

bool
aws_code_is_retryable(const char *code)
{
	return code_is_any(code, retryable_codes);
}

bool
aws_code_is_throttling(const char *code)
{
	return code_is_any(code, throttling_codes);
}

bool
aws_code_is_credential_error(const char *code)
{
	return code_is_any(code, credential_codes);
}

bool
aws_code_is_access_error(const char *code)
{
	return code_is_any(code, access_codes);
}

/*
 * Access before credentials: an AccessDenied is about the identity the
 * keys proved, so the keys themselves are fine.
 */
CksErrorCategory
aws_error_category(const CksAwsError *err)
{
	switch (err->kind)
	{
		case CKS_ERR_TRANSPORT:
			return CKS_ERRCAT_UNREACHABLE;
		case CKS_ERR_BAD_RESPONSE:
			return CKS_ERRCAT_BAD_RESPONSE;
		case CKS_ERR_AWS:
			if (aws_code_is_access_error(err->code))
				return CKS_ERRCAT_ACCESS_DENIED;
			if (aws_code_is_credential_error(err->code))
				return CKS_ERRCAT_CREDENTIALS;
			if (aws_code_is_retryable(err->code))
				return CKS_ERRCAT_THROTTLED;
			return CKS_ERRCAT_OTHER;
		case CKS_OK:
			break;
	}
	return CKS_ERRCAT_OTHER;
}

char *
aws_error_hint(CksErrorCategory category, const char *service,
			   const char *permission, const char *credential_source)
{
	switch (category)
	{
		case CKS_ERRCAT_UNREACHABLE:
			return pstrdup("Check the server's endpoint option, the network path to it, and connect_timeout_ms/request_timeout_ms.");
		case CKS_ERRCAT_BAD_RESPONSE:
			return psprintf("The endpoint did not answer like AWS %s; check the server's endpoint option.",
							service);
		case CKS_ERRCAT_ACCESS_DENIED:
			return psprintf("Grant the IAM identity of the user mapping %s, or check role_arn and external_id.",
							permission);
		case CKS_ERRCAT_CREDENTIALS:
			if (credential_source != NULL)
				return psprintf("The user mapping takes its credentials from credential_source '%s': check the role or keys the database server gets there, and the server's clock.",
								credential_source);
			return pstrdup("Check access_key_id, secret_access_key and session_token in the user mapping (ALTER USER MAPPING ... OPTIONS (SET ...)).");
		case CKS_ERRCAT_THROTTLED:
			return pstrdup("AWS kept refusing the request; retry later or raise max_attempts.");
		case CKS_ERRCAT_OTHER:
			break;
	}
	return NULL;
}
