/*-------------------------------------------------------------------------
 *
 * fuzz_common.c
 *	  Checks shared by fuzz_kms.c and fuzz_sts.c.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include "fuzz_common.h"

void
broken_promise(const char *target, const char *what)
{
	fprintf(stderr, "%s: broken promise: %s\n", target, what);
	abort();
}

void
check_error_result(const char *target, const char *parser,
				   const CksAwsError *err, long status)
{
	if (err->http_status != status)
		broken_promise(target, psprintf("%s lost the HTTP status", parser));
	if (err->kind == CKS_ERR_AWS)
	{
		if (err->code == NULL || err->code[0] == '\0')
			broken_promise(target, "CKS_ERR_AWS without an error code");
	}
	else if (err->kind == CKS_ERR_BAD_RESPONSE)
	{
		if (err->message == NULL || err->code != NULL)
			broken_promise(target, "CKS_ERR_BAD_RESPONSE without a message or with a code");
	}
	else
		broken_promise(target, psprintf("%s gave neither CKS_ERR_AWS nor CKS_ERR_BAD_RESPONSE", parser));
}
