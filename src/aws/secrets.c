/*-------------------------------------------------------------------------
 *
 * secrets.c
 *	  Wiping, redacting and checking secret strings.  See secrets.h.
 *
 *	  Secrets are wiped with explicit_bzero, which the compiler may not
 *	  drop as a dead store the way it may drop a memset before free.
 *
 *-------------------------------------------------------------------------
 */
#ifdef FRONTEND
#include "postgres_fe.h"
#else
#include "postgres.h"
#endif

#include "lib/stringinfo.h"
#include "aws/aws_names.h"
#include "aws/secrets.h"

void
cks_secret_wipe(char *s)
{
	if (s != NULL)
		explicit_bzero(s, strlen(s));
}

void
cks_secret_free(char *s)
{
	if (s == NULL)
		return;
	cks_secret_wipe(s);
	pfree(s);
}

/*
 * A credential goes verbatim into a header line and the canonical
 * request: CR or LF would end the header and start another one of the
 * sender's choosing, and a blank or a control character is never part of
 * a real key or token: the rule user-mapping values are checked with
 * (aws_names.c), so a value from STS passes exactly where one typed into a
 * user mapping would.
 */
bool
cks_credential_chars_ok(const char *value)
{
	return value != NULL && value[0] != '\0' && cks_is_printable_token(value);
}

/* The secret that starts at text, or NULL.  Longest first wins ties. */
static const char *
secret_at(const char *text, const char *const *secrets, int nsecrets)
{
	const char *found = NULL;
	int			i;

	for (i = 0; i < nsecrets; i++)
	{
		const char *secret = secrets[i];

		if (secret == NULL || secret[0] == '\0')
			continue;
		if (strncmp(text, secret, strlen(secret)) == 0 &&
			(found == NULL || strlen(secret) > strlen(found)))
			found = secret;
	}
	return found;
}

/*
 * Replacing whole occurrences before anything else shortens the text means
 * no cut can leave a recognisable piece of a secret behind: callers cap
 * and escape only the redacted result.
 */
char *
cks_redact_secrets(const char *text, const char *const *secrets,
				   int nsecrets)
{
	StringInfoData buf;
	const char *p = text;

	initStringInfo(&buf);
	while (*p != '\0')
	{
		const char *secret = secret_at(p, secrets, nsecrets);

		if (secret != NULL)
		{
			appendStringInfoString(&buf, CKS_REDACTED);
			p += strlen(secret);
		}
		else
			appendStringInfoChar(&buf, *p++);
	}
	return buf.data;
}
