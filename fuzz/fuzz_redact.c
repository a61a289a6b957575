/*-------------------------------------------------------------------------
 *
 * fuzz_redact.c
 *	  libFuzzer target for cks_redact_secrets (src/aws/secrets.c): whatever
 *	  the secrets and the text, redaction must keep its promises:
 *	    - no run of CKS_SECRET_FRAGMENT_LEN or more bytes of any secret
 *	      (other than digits alone), as it is, URL-encoded (upper or lower
 *	      case hex) or JSON-escaped, is left in the result, and no shorter
 *	      secret (or form) whole;
 *	    - text that holds none of those comes back unchanged.
 *	  The checks find pieces by brute force (every window of every form,
 *	  spelt out again here), independently of the hash set.
 *
 *	  Input: secrets separated by 0x01 up to the first 0x00, then the
 *	  text up to the next 0x00.  Secrets that could not come from a user
 *	  mapping or a credential source (cks_credential_chars_ok) or that
 *	  contain a bracket (the marker's) are skipped.  Built by "make fuzz";
 *	  run by tests/suites/fuzz.sh.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include "fuzz_common.h"
#include "lib/stringinfo.h"
#include "aws/secrets.h"

#define MAX_SECRETS	5
#define MAX_FORMS	(MAX_SECRETS * 4)

/* secret spelt in form 0 plain, 1 %XX, 2 %xx, 3 JSON; palloc'd */
static char *
spell(const char *secret, int form)
{
	StringInfoData buf;
	const unsigned char *p;

	initStringInfo(&buf);
	for (p = (const unsigned char *) secret; *p; p++)
	{
		bool		unreserved = isalnum(*p) || strchr("-_.~", *p) != NULL;

		if (form == 0 || (form < 3 && unreserved) ||
			(form == 3 && *p != '"' && *p != '\\' && *p != '/'))
			appendStringInfoChar(&buf, (char) *p);
		else if (form < 3)
			appendStringInfo(&buf, form == 1 ? "%%%02X" : "%%%02x", *p);
		else
			appendStringInfo(&buf, "\\%c", *p);
	}
	return buf.data;
}

/* Whether text holds a window of 8 bytes of form (or form whole if shorter). */
static bool
holds_piece(const char *text, const char *form)
{
	size_t		len = strlen(form);
	size_t		i;

	if (len < CKS_SECRET_FRAGMENT_LEN)
		return strstr(text, form) != NULL;
	for (i = 0; i + CKS_SECRET_FRAGMENT_LEN <= len; i++)
	{
		char		window[CKS_SECRET_FRAGMENT_LEN + 1];

		memcpy(window, form + i, CKS_SECRET_FRAGMENT_LEN);
		window[CKS_SECRET_FRAGMENT_LEN] = '\0';
		/* runs of digits alone are not pieces (secrets.h) */
		if (strspn(window, "0123456789") == CKS_SECRET_FRAGMENT_LEN)
			continue;
		if (strstr(text, window) != NULL)
			return true;
	}
	return false;
}

/* result with each marker turned into one 0x02 byte, no secret has */
static char *
without_markers(const char *result)
{
	StringInfoData buf;
	const char *p = result;

	initStringInfo(&buf);
	while (*p)
	{
		if (strncmp(p, CKS_REDACTED, strlen(CKS_REDACTED)) == 0)
		{
			appendStringInfoChar(&buf, '\x02');
			p += strlen(CKS_REDACTED);
		}
		else
			appendStringInfoChar(&buf, *p++);
	}
	return buf.data;
}

static int
split_secrets(char *list, const char **secrets)
{
	int			n = 0;
	char	   *p = list;

	while (p != NULL && n < MAX_SECRETS)
	{
		char	   *next = strchr(p, '\x01');

		if (next)
			*next++ = '\0';
		if (cks_credential_chars_ok(p) && strpbrk(p, "[]") == NULL &&
			strlen(p) <= 256)
			secrets[n++] = p;
		p = next;
	}
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	   *input = pnstrdup((const char *) data, size);
	size_t		list_len = strlen(input);
	const char *text = list_len < size ? (const char *) data + list_len + 1 : "";
	char	   *text_copy = pnstrdup(text, size - (list_len < size ? list_len + 1 : size));
	const char *secrets[MAX_SECRETS];
	int			nsecrets = split_secrets(input, secrets);
	char	   *result = cks_redact_secrets(text_copy, secrets, nsecrets);
	char	   *plain = without_markers(result);
	bool		text_holds = false;
	int			i;
	int			form;

	for (i = 0; i < nsecrets; i++)
	{
		for (form = 0; form < 4; form++)
		{
			char	   *spelt = spell(secrets[i], form);

			if (holds_piece(plain, spelt))
				broken_promise("fuzz_redact", "a piece of a secret is left");
			if (holds_piece(text_copy, spelt))
				text_holds = true;
			pfree(spelt);
		}
	}
	if (!text_holds && strcmp(result, text_copy) != 0)
		broken_promise("fuzz_redact", "text without a secret was changed");
	pfree(plain);
	pfree(result);
	pfree(text_copy);
	pfree(input);
	return 0;
}
