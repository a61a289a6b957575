/*-------------------------------------------------------------------------
 *
 * aws_error.c
 *	  Helpers shared by the protocol parsers (aws_json.c, sts.c) for the one
 *	  error shape of aws_error.h.  Frontend-safe.
 *
 *-------------------------------------------------------------------------
 */
#ifdef FRONTEND
#include "postgres_fe.h"
#else
#include "postgres.h"
#endif

#include "aws_error.h"

void
aws_error_free(CksAwsError *err)
{
	if (err->code)
		pfree(err->code);
	if (err->message)
		pfree(err->message);
	if (err->request_id)
		pfree(err->request_id);
	memset(err, 0, sizeof(*err));
}

/*
 * An error response the protocol rules cannot get a code from: say which
 * status it had and what the body was, so the user sees more than
 * "unknown error".  'body_kind' is NULL when the body held a recognisable
 * error document that just lacked the code.
 */
char *
aws_error_without_code(long http_status, const char *body_kind,
					   const char *message)
{
	if (body_kind != NULL)
		return psprintf("HTTP %ld with %s", http_status, body_kind);
	if (message != NULL)
		return psprintf("HTTP %ld error response without an error code: %s",
						http_status, message);
	return psprintf("HTTP %ld error response without an error code",
					http_status);
}
