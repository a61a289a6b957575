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

#include <ctype.h>

#include "aws/aws_error.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "aws/secrets.h"

/*
 * Only this much of an endpoint's text is ever looked at: far more than
 * any cap, so a secret that straddles this limit is cut off by the cap
 * anyway, and a hostile 64 MB message costs no more than a short one.
 */
#define SANITIZE_INPUT_MAX	16384

void
aws_error_free(CksAwsError *err)
{
	cks_secret_free(err->code);
	cks_secret_free(err->message);
	cks_secret_free(err->request_id);
	memset(err, 0, sizeof(*err));
}

/*
 * The phrases that open AWS's echo of what it signed.  JSON services (KMS,
 * Organizations) send it in InvalidSignatureException messages, S3-style
 * services in SignatureDoesNotMatch; the canonical request includes
 * x-amz-security-token, so the echo must never be shown.
 */
static const char *const echo_openers[] = {
	"The Canonical String for this request should have been",
	"The String-to-Sign should have been",
	"The canonical request should have been",
	NULL
};

size_t
aws_message_echo_start(const char *message)
{
	size_t		len = strlen(message);
	size_t		cut = len;
	size_t		i;
	int			j;

	for (j = 0; echo_openers[j] != NULL; j++)
	{
		size_t		opener_len = strlen(echo_openers[j]);

		for (i = 0; i + opener_len <= len && i < cut; i++)
		{
			if (pg_strncasecmp(message + i, echo_openers[j], opener_len) == 0)
			{
				cut = i;
				break;
			}
		}
	}
	/* the blank line(s) and spaces before the echo go with it */
	while (cut < len && cut > 0 && isspace((unsigned char) message[cut - 1]))
		cut--;
	return cut;
}

/*
 * The length a UTF-8 lead byte announces (1 for a byte that cannot lead);
 * pg_utf8_islegal then checks the whole sequence.  Spelled out here
 * because libpgcommon's pg_utf_mblen is not exported from PostgreSQL 18 on.
 */
int
aws_utf8_sequence_length(unsigned char lead)
{
	if ((lead & 0xe0) == 0xc0)
		return 2;
	if ((lead & 0xf0) == 0xe0)
		return 3;
	if ((lead & 0xf8) == 0xf0)
		return 4;
	return 1;
}

/*
 * The bytes that show one input unit (a character, or one byte that is not
 * valid UTF-8) in out; returns their count, *consumed the input bytes.
 */
static int
escaped_unit(const unsigned char *p, char *out, int *consumed)
{
	int			mblen;

	*consumed = 1;
	if (*p < 0x20 || *p == 0x7f)
	{
		switch (*p)
		{
			case '\n':
				return sprintf(out, "\\n");
			case '\r':
				return sprintf(out, "\\r");
			case '\t':
				return sprintf(out, "\\t");
			default:
				return sprintf(out, "\\x%02x", *p);
		}
	}
	if (*p < 0x80)
	{
		out[0] = (char) *p;
		return 1;
	}
	mblen = aws_utf8_sequence_length(*p);
	if (mblen > 1 && mblen <= 4 && strnlen((const char *) p, mblen) == mblen &&
		pg_utf8_islegal(p, mblen))
	{
		memcpy(out, p, mblen);
		*consumed = mblen;
		return mblen;
	}
	return sprintf(out, "\\x%02x", *p);
}

/*
 * Escape and cap in one pass, never splitting an escape or a UTF-8
 * character; "..." (inside the cap) says that text was dropped.
 */
static char *
escape_and_cap(const char *text, size_t max_bytes)
{
	StringInfoData buf;
	const unsigned char *p = (const unsigned char *) text;
	size_t		last_fit = 0;	/* a unit boundary leaving room for "..." */

	Assert(max_bytes >= 3);
	initStringInfo(&buf);
	while (*p != '\0' && buf.len <= max_bytes)
	{
		char		unit[8];
		int			consumed;
		int			n = escaped_unit(p, unit, &consumed);

		appendBinaryStringInfo(&buf, unit, n);
		p += consumed;
		if (buf.len + 3 <= max_bytes)
			last_fit = buf.len;
	}
	if (buf.len > max_bytes || *p != '\0')
	{
		buf.len = last_fit;
		buf.data[buf.len] = '\0';
		appendStringInfoString(&buf, "...");
	}
	return buf.data;
}

/*
 * Escaping can itself spell an echo opener: a TAB before "he String-to-Sign
 * should have been" becomes "\\t" + "he ...", which reads "the
 * String-to-Sign ..." (found by fuzz_kms).  So the escaped text is cut
 * again, with the backslash of an escape the cut would split.
 */
static void
cut_escaped_echo(char *escaped)
{
	size_t		cut = aws_message_echo_start(escaped);

	if (cut == strlen(escaped))
		return;
	if (cut > 0 && escaped[cut - 1] == '\\')
		cut--;
	escaped[cut] = '\0';
}

/*
 * Order matters: cut the echo first (it is where secrets are expected),
 * redact whole secrets before anything can cut one in half, and only then
 * escape and cap -- and cut again, since an escape ("\t" before "he
 * String-to-Sign ...") can spell an opener that the raw text did not.
 */
char *
aws_text_sanitize(const char *text, size_t max_bytes,
				  const char *const *secrets, int nsecrets)
{
	char	   *head;
	char	   *redacted;
	char	   *result;

	if (text == NULL)
		return NULL;
	head = pnstrdup(text, Min(strlen(text), SANITIZE_INPUT_MAX));
	head[aws_message_echo_start(head)] = '\0';
	redacted = cks_redact_secrets(head, secrets, nsecrets);
	result = escape_and_cap(redacted, max_bytes);
	cut_escaped_echo(result);
	cks_secret_free(head);
	cks_secret_free(redacted);
	return result;
}

/* Replace *field by its sanitized copy, wiping the original. */
static void
sanitize_field(char **field, size_t max_bytes, const char *const *secrets,
			   int nsecrets)
{
	char	   *clean;

	if (*field == NULL)
		return;
	clean = aws_text_sanitize(*field, max_bytes, secrets, nsecrets);
	cks_secret_free(*field);
	*field = clean;
}

void
aws_error_sanitize(CksAwsError *err, const char *const *secrets, int nsecrets)
{
	sanitize_field(&err->code, CKS_AWS_CODE_MAX, secrets, nsecrets);
	sanitize_field(&err->message, CKS_AWS_MESSAGE_MAX, secrets, nsecrets);
	sanitize_field(&err->request_id, CKS_AWS_REQUEST_ID_MAX, secrets,
				   nsecrets);
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
