/*-------------------------------------------------------------------------
 *
 * fuzz_sts.c
 *	  libFuzzer target for the STS side of the wire (src/aws/sts.c): whatever
 *	  bytes an STS endpoint (or a proxy in front of it) sends back must be
 *	  refused or parsed without a crash, a leak or undefined behaviour, and
 *	  the promises of sts.h must hold on every input.
 *
 *	  Each input goes to sts_parse_assume_role_response,
 *	  sts_parse_caller_identity_response and sts_parse_error (with and
 *	  without a request id header).  ARNs are fuzz_names.c's.
 *
 *	  Built as frontend code by "make fuzz"; run by tests/suites/fuzz.sh.
 *	  A broken promise calls abort(), which libFuzzer reports as a crash
 *	  with the reproducer.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>

#include "fuzz_common.h"
#include "aws/secrets.h"
#include "aws/sts.h"

/* What every refused 2xx body must look like. */
static void
check_refusal(const CksAwsError *err)
{
	if (err->kind != CKS_ERR_BAD_RESPONSE || err->message == NULL ||
		err->code != NULL)
		broken_promise("fuzz_sts", "refused response without CKS_ERR_BAD_RESPONSE and a message");
}

/* Values read from the document are trimmed and never empty. */
static void
check_value(const char *value, const char *what)
{
	size_t		len;

	if (value == NULL || value[0] == '\0')
		broken_promise("fuzz_sts", what);
	len = strlen(value);
	if (isspace((unsigned char) value[0]) ||
		isspace((unsigned char) value[len - 1]))
		broken_promise("fuzz_sts", what);
}

static void
fuzz_assume_role(const uint8_t *data, size_t size)
{
	StsCredentials creds;
	CksAwsError err;

	memset(&err, 0, sizeof(err));
	if (!sts_parse_assume_role_response((const char *) data, size, 200,
										&creds, &err))
	{
		check_refusal(&err);
		if (creds.access_key_id || creds.secret_access_key ||
			creds.session_token)
			broken_promise("fuzz_sts", "refused AssumeRole response left credentials behind");
		aws_error_free(&err);
		return;
	}
	check_value(creds.access_key_id, "AccessKeyId empty or untrimmed");
	check_value(creds.secret_access_key, "SecretAccessKey empty or untrimmed");
	check_value(creds.session_token, "SessionToken empty or untrimmed");
	if (!cks_credential_chars_ok(creds.access_key_id) ||
		!cks_credential_chars_ok(creds.secret_access_key) ||
		!cks_credential_chars_ok(creds.session_token))
		broken_promise("fuzz_sts", "accepted credentials that could inject headers");
	sts_credentials_free(&creds);
}

static void
fuzz_caller_identity(const uint8_t *data, size_t size)
{
	char	   *account_id = NULL;
	CksAwsError err;
	size_t		i;

	memset(&err, 0, sizeof(err));
	if (!sts_parse_caller_identity_response((const char *) data, size, 200,
											&account_id, &err))
	{
		check_refusal(&err);
		if (account_id != NULL)
			broken_promise("fuzz_sts", "refused GetCallerIdentity response left an account id");
		aws_error_free(&err);
		return;
	}
	if (account_id == NULL || strlen(account_id) != 12)
		broken_promise("fuzz_sts", "accepted account id is not 12 characters");
	for (i = 0; i < 12; i++)
	{
		if (!isdigit((unsigned char) account_id[i]))
			broken_promise("fuzz_sts", "accepted account id is not all digits");
	}
	pfree(account_id);
}

static void
fuzz_error(const uint8_t *data, size_t size)
{
	CksAwsError err;

	memset(&err, 0, sizeof(err));
	sts_parse_error(403, NULL, (const char *) data, size, &err);
	check_error_result("fuzz_sts", "sts_parse_error", &err, 403);
	check_sanitized_error("fuzz_sts", &err);
	aws_error_free(&err);

	sts_parse_error(500, "req-header-0000", (const char *) data, size, &err);
	check_error_result("fuzz_sts", "sts_parse_error", &err, 500);
	check_sanitized_error("fuzz_sts", &err);
	if (err.request_id == NULL)
		broken_promise("fuzz_sts", "request id header dropped");
	aws_error_free(&err);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_assume_role(data, size);
	fuzz_caller_identity(data, size);
	fuzz_error(data, size);
	return 0;
}
