/*-------------------------------------------------------------------------
 *
 * fuzz_common.c
 *	  Checks shared by fuzz_kms.c and fuzz_sts.c.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include "fuzz_common.h"
#include "mb/pg_wchar.h"

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

/* The secret the fuzz targets redact: short, so inputs hit it often. */
#define FUZZ_SECRET "TOKEN"

/* A sanitized field: bounded, no control byte, valid UTF-8, no secret. */
static void
check_sanitized_field(const char *target, const char *field, size_t max)
{
	const unsigned char *p = (const unsigned char *) field;

	if (field == NULL)
		return;
	if (strlen(field) > max)
		broken_promise(target, "sanitized field longer than its cap");
	if (strstr(field, FUZZ_SECRET) != NULL)
		broken_promise(target, "sanitized field still holds the secret");
	if (aws_message_echo_start(field) != strlen(field))
		broken_promise(target, "sanitized field still holds a signing echo");
	while (*p != '\0')
	{
		int			len = aws_utf8_sequence_length(*p);

		if (*p < 0x20 || *p == 0x7f)
			broken_promise(target, "sanitized field holds a control character");
		if (strnlen((const char *) p, len) < (size_t) len ||
			!pg_utf8_islegal(p, len))
			broken_promise(target, "sanitized field is not valid UTF-8");
		p += len;
	}
}

void
check_sanitized_error(const char *target, CksAwsError *err)
{
	const char *secrets[] = {FUZZ_SECRET};
	bool		had_request_id = (err->request_id != NULL);

	aws_error_sanitize(err, secrets, lengthof(secrets));
	check_sanitized_field(target, err->code, CKS_AWS_CODE_MAX);
	check_sanitized_field(target, err->message, CKS_AWS_MESSAGE_MAX);
	check_sanitized_field(target, err->request_id, CKS_AWS_REQUEST_ID_MAX);
	if (had_request_id != (err->request_id != NULL))
		broken_promise(target, "sanitizing dropped or invented a request id");
}
