/*-------------------------------------------------------------------------
 *
 * credentials.c
 *	  The facade: the one place that decides which keys sign a mapping's
 *	  requests, and which account they act in.  It calls down a one-way
 *	  chain and nothing calls back up into it:
 *
 *	    credentials.c         which keys, which account (this file)
 *	    account_roles.c       a role_arn's AssumeRole per account, cached
 *	    static_keys.c         the mapping's own keys or its source's
 *	    credential_sources.c  the server's own identity (keyless sources)
 *
 *	  An ExpiredToken answer drops the role's and the source's keys for one
 *	  more try.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "aws/sts.h"
#include "credentials/account_roles.h"
#include "credentials/credential_sources.h"
#include "credentials/credentials.h"
#include "credentials/static_keys.h"

void
cks_credentials_initialize(void)
{
	cks_static_keys_initialize();
	cks_account_roles_initialize();
}

/*
 * Run one STS call signed with the base keys; ereport on failure.  When
 * AWS says the source's keys expired (we trusted an expiry that was
 * wrong, or they were revoked), fetch them again and try once more.  The
 * response stays in call->response_body until cks_call_reset.
 */
static void
run_sts_call(CksCall *call, const CksOperation *operation, const char *body,
			 const CksCredentialContext *ctx, const CksMappingEntry *entry,
			 const char *what)
{
	CksCredentialSource source = ctx->mapping.credential_source;

	for (int attempt = 1;; attempt++)
	{
		StsCredentials base;
		SigV4Credentials signer;

		cks_base_keys(ctx, entry, &base);
		signer = cks_signing_keys(&base);
		cks_call_init(call, operation, ctx->sts_url, ctx->sts_region,
					  pstrdup(body), &signer, ctx->settings);
		cks_call_run(call);
		sts_credentials_free(&base);
		if (ctx->sts_requests)
			*ctx->sts_requests += call->requests_sent;
		if (call->state != CKS_CALL_FAILED)
			return;
		if (attempt == 1 && source != CKS_SOURCE_NONE &&
			cks_call_failed_as_expired(call))
		{
			cks_call_reset(call);
			cks_source_forget(source);
			continue;
		}
		cks_call_report(call, ERROR, what, NULL);
	}
}

static void
report_bad_sts_response(const CksAwsError *err, const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
			 errmsg("%s returned a malformed response", what),
			 errdetail_internal("%s (HTTP %ld%s%s).", err->message, err->http_status,
								err->request_id ? ", request id " : "",
								err->request_id ? err->request_id : "")));
}

/* The one account a role_arn without {account} names. */
static char *
role_account(const char *role_arn)
{
	char	   *account_id = cks_arn_account_id(role_arn);

	if (account_id == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
				 errmsg("option \"role_arn\" names no single account"),
				 errhint("A role_arn with {account} needs the server option accounts.")));
	return account_id;
}

SigV4Credentials *
cks_get_credentials(const CksCredentialContext *ctx)
{
	const char *role_arn = ctx->mapping.role_arn;

	if (role_arn == NULL)
		return cks_base_credentials(ctx);
	return cks_role_credentials(ctx, role_account(role_arn));
}

SigV4Credentials *
cks_renew_credentials(const CksCredentialContext *ctx, const char *account_id)
{
	const char *role_arn = ctx->mapping.role_arn;

	if (ctx->mapping.credential_source != CKS_SOURCE_NONE)
		cks_source_forget(ctx->mapping.credential_source);
	if (role_arn == NULL)
		return cks_base_credentials(ctx);
	if (account_id == NULL)
		account_id = role_account(role_arn);
	cks_forget_role_credentials(ctx->user, account_id);
	return cks_role_credentials(ctx, account_id);
}

char *
cks_get_account_id(const CksCredentialContext *ctx)
{
	CksMappingEntry *entry = cks_mapping_entry(ctx);
	CksCall		call;
	CksAwsError err;
	char	   *account_id = NULL;

	if (entry->account_id)
		return pstrdup(entry->account_id);

	if (ctx->mapping.role_arn)
		account_id = role_account(ctx->mapping.role_arn);
	else
	{
		run_sts_call(&call, &cks_op_sts_get_caller_identity,
					 sts_get_caller_identity_body(), ctx, entry,
					 "STS GetCallerIdentity");
		memset(&err, 0, sizeof(err));
		if (!sts_parse_caller_identity_response(call.response_body, call.response_len,
												call.http_status, &account_id, &err))
		{
			cks_call_reset(&call);
			report_bad_sts_response(&err, "STS GetCallerIdentity");
		}
		cks_call_reset(&call);
	}
	entry->account_id = MemoryContextStrdup(entry->cxt, account_id);
	return account_id;
}
