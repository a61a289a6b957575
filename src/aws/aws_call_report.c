/*-------------------------------------------------------------------------
 *
 * aws_call_report.c
 *	  How a call that failed for good is told to the user: the SQLSTATE of
 *	  its error category, an errdetail with the AWS code, the sanitized
 *	  message, the HTTP status and the request id, and an errhint that names
 *	  the IAM permission or the credential source to fix.  Also which AWS
 *	  code a failure carries (a lookup's "not found" is zero rows; expired
 *	  keys are fetched again), and a
 *	  2xx body that did not parse recorded as a failure like any other.
 *
 *	  The categories and hint texts themselves are backend-free
 *	  (aws_error_class.c); this file is where they meet ereport.  The call
 *	  engine that produces the failures is aws_call.c.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "aws/aws_call.h"
#include "aws/aws_error_class.h"
#include "lib/stringinfo.h"

bool
cks_call_failed_with(const CksCall *call, const char *code)
{
	return call->state == CKS_CALL_FAILED && call->error.code != NULL &&
		strcmp(call->error.code, code) == 0;
}

/*
 * AWS refused the call's keys as expired: the one failure a caller answers
 * by fetching credentials again.  A call's error class, so that the scan
 * can ask it without knowing where credentials come from.
 */
bool
cks_call_failed_as_expired(const CksCall *call)
{
	return cks_call_failed_with(call, "ExpiredToken") ||
		cks_call_failed_with(call, "ExpiredTokenException");
}

/* The SQLSTATE of a category: the one place categories meet ERRCODEs. */
static int
sqlstate_for(CksErrorCategory category)
{
	switch (category)
	{
		case CKS_ERRCAT_UNREACHABLE:
			return ERRCODE_FDW_UNABLE_TO_ESTABLISH_CONNECTION;
		case CKS_ERRCAT_BAD_RESPONSE:
			return ERRCODE_FDW_INVALID_DATA_TYPE;
		case CKS_ERRCAT_ACCESS_DENIED:
			return ERRCODE_INSUFFICIENT_PRIVILEGE;
		case CKS_ERRCAT_CREDENTIALS:
			return ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION;
		case CKS_ERRCAT_THROTTLED:
		case CKS_ERRCAT_OTHER:
			break;
	}
	return ERRCODE_FDW_ERROR;
}

static int
report_hint(const CksCall *call, CksErrorCategory category)
{
	char	   *permission = psprintf("%s:%s%s", call->service->iam_prefix,
									  call->operation->action,
									  call->operation->iam_resource ?
									  call->operation->iam_resource : "");
	char	   *hint = aws_error_hint(category, call->service->signing_name,
									  permission,
									  call->settings->credential_source);

	if (hint == NULL)
		return 0;
	return errhint("%s", hint);
}

/*
 * The request id of the response when the error has none of its own (a
 * 2xx body that did not parse); from a header, so bounded here.
 */
static char *
shown_request_id(const CksCall *call)
{
	if (call->error.request_id)
		return call->error.request_id;
	if (call->request_id)
		return aws_text_sanitize(call->request_id, CKS_AWS_REQUEST_ID_MAX,
								 NULL, 0);
	return NULL;
}

static int
report_detail(const CksCall *call, const char *account_id)
{
	StringInfoData buf;
	char	   *request_id;

	initStringInfo(&buf);
	if (call->error.kind == CKS_ERR_AWS)
		appendStringInfo(&buf, "AWS error %s: %s",
						 call->error.code ? call->error.code : "(no code)",
						 call->error.message ? call->error.message : "(no message)");
	else if (call->error.kind == CKS_ERR_TRANSPORT)
		appendStringInfo(&buf, "%s", call->error.message);
	else
		appendStringInfo(&buf, "%s", call->error.message ? call->error.message : "malformed response");
	if (call->http_status)
		appendStringInfo(&buf, " (HTTP %ld", call->http_status);
	else
		appendStringInfoString(&buf, " (no HTTP response");
	request_id = shown_request_id(call);
	if (request_id)
		appendStringInfo(&buf, ", request id %s", request_id);
	if (account_id)
		appendStringInfo(&buf, ", account %s", account_id);
	appendStringInfoString(&buf, ").");
	return errdetail_internal("%s", buf.data);
}

/*
 * A call AWS kept throttling: say how often, and which quota to raise --
 * in AWS (Service Quotas) and in request_quotas, so cks_fdw paces to it.
 */
static void
report_throttled(const CksCall *call, int elevel, const char *what,
				 const char *account_id)
{
	ereport(elevel,
			(errcode(ERRCODE_FDW_ERROR),
			 errmsg("%s was throttled by AWS %d times", what, call->throttled),
			 report_detail(call, account_id),
			 errhint("The account's %s request quota (%s in region \"%s\") is spent by other clients or lower than cks_fdw paces to: raise it in Service Quotas and set the server option request_quotas '%s=N', or run fewer queries against this account at once.",
					 call->operation->action,
					 call->service->signing_name,
					 call->region ? call->region : "",
					 call->operation->action)));
}

void
cks_call_report(const CksCall *call, int elevel, const char *what,
				const char *account_id)
{
	CksErrorCategory category = aws_error_category(&call->error);

	if (call->throttled > 0 && call->error.kind == CKS_ERR_AWS &&
		aws_code_is_throttling(call->error.code))
		report_throttled(call, elevel, what, account_id);
	else if (call->attempts > 1)
		ereport(elevel,
				(errcode(sqlstate_for(category)),
				 errmsg("%s failed after %d attempts", what, call->attempts),
				 report_detail(call, account_id),
				 report_hint(call, category)));
	else
		ereport(elevel,
				(errcode(sqlstate_for(category)),
				 errmsg("%s failed", what),
				 report_detail(call, account_id),
				 report_hint(call, category)));
}

void
cks_call_fail_bad_response(CksCall *call, const CksAwsError *err)
{
	MemoryContext old = MemoryContextSwitchTo(call->mcxt);

	call->state = CKS_CALL_FAILED;
	call->error = *err;
	call->error.request_id = call->request_id ? pstrdup(call->request_id) : NULL;
	MemoryContextSwitchTo(old);
}
