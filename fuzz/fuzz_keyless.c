/*-------------------------------------------------------------------------
 *
 * fuzz_keyless.c
 *	  libFuzzer target for the answers of the metadata services that the
 *	  keyless credential sources read (src/credentials/keyless.c, src/credentials/imds.c): whatever
 *	  bytes IMDS or an ECS / EKS credentials endpoint (or whoever answers
 *	  in their place) sends must be refused or parsed without a crash, a
 *	  leak or undefined behaviour, and what is accepted must be safe to put
 *	  in an HTTP header.
 *
 *	  Each input goes to cks_parse_credentials_document (with and without
 *	  the IMDS "Code"), imds_parse_role_name and imds_token_problem.
 *
 *	  Built as frontend code by "make fuzz"; run by tests/suites/fuzz.sh.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <stdint.h>

#include "fuzz_common.h"
#include "credentials/imds.h"
#include "credentials/keyless.h"

/* Accepted credentials are non-empty, bounded, without blanks or controls. */
static void
check_credentials(const StsCredentials *creds)
{
	if (cks_credential_value_problem(creds->access_key_id, CKS_MAX_ACCESS_KEY_ID_LEN) ||
		cks_credential_value_problem(creds->secret_access_key, CKS_MAX_SECRET_KEY_LEN) ||
		cks_credential_value_problem(creds->session_token, CKS_MAX_SESSION_TOKEN_LEN))
		broken_promise("fuzz_keyless", "accepted credentials unfit for a header");
}

static void
fuzz_document(const char *data, size_t size, bool require_code)
{
	StsCredentials creds;
	char	   *problem = NULL;

	if (cks_parse_credentials_document(data, size, require_code, &creds, &problem))
	{
		check_credentials(&creds);
		sts_credentials_free(&creds);
	}
	else
	{
		if (problem == NULL || creds.access_key_id != NULL ||
			creds.secret_access_key != NULL || creds.session_token != NULL)
			broken_promise("fuzz_keyless", "refused document without a problem, or with leftovers");
		pfree(problem);
	}
}

static void
fuzz_role_name(const char *data, size_t size)
{
	char	   *problem = NULL;
	char	   *role = imds_parse_role_name(data, size, &problem);

	if (role == NULL)
	{
		if (problem == NULL)
			broken_promise("fuzz_keyless", "refused role name without a problem");
		pfree(problem);
		return;
	}
	if (role[0] == '\0' || strlen(role) > IMDS_MAX_ROLE_NAME_LEN ||
		strpbrk(role, "/ \r\n\t%?#") != NULL)
		broken_promise("fuzz_keyless", "accepted role name unfit for a URL path");
	pfree(role);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* the parsers get the body as curl delivers it: NUL-terminated */
	char	   *body = malloc(size + 1);

	memcpy(body, data, size);
	body[size] = '\0';
	fuzz_document(body, size, true);
	fuzz_document(body, size, false);
	fuzz_role_name(body, size);
	if (imds_token_problem(body, size) == NULL &&
		cks_credential_value_problem(body, IMDS_MAX_TOKEN_LEN) != NULL)
		broken_promise("fuzz_keyless", "accepted token unfit for a header");
	free(body);
	return 0;
}
