/*-------------------------------------------------------------------------
 *
 * test_secrets.c
 *	  Unit tests of src/aws/secrets.c: wiping, the credential character rule
 *	  and redaction.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <time.h>

#include "aws/secrets.h"
#include "unit.h"

/* Every byte of buf[0..len) is zero. */
static bool
all_zero(const char *buf, size_t len)
{
	size_t		i;

	for (i = 0; i < len; i++)
	{
		if (buf[i] != '\0')
			return false;
	}
	return true;
}

static void
test_wipe(void)
{
	char		buf[] = "secret-key/ABC\0after";

	cks_secret_wipe(buf);
	/* the secret up to its terminator is zeroed; nothing past it touched */
	CHECK(all_zero(buf, 15));
	CHECK_STR(buf + 15, "after");
	cks_secret_wipe(NULL);
	cks_secret_free(NULL);
	cks_secret_free(pstrdup("freed after wiping"));
}

static void
test_credential_chars(void)
{
	CHECK(cks_credential_chars_ok("ASIAEXAMPLE12345"));
	CHECK(cks_credential_chars_ok("IQoJb3JpZ2luX2VjE+/abc=="));
	CHECK(!cks_credential_chars_ok(NULL));
	CHECK(!cks_credential_chars_ok(""));
	CHECK(!cks_credential_chars_ok("token\r\nX-Injected: 1"));
	CHECK(!cks_credential_chars_ok("token\nmore"));
	CHECK(!cks_credential_chars_ok("token\rmore"));
	CHECK(!cks_credential_chars_ok("two words"));
	CHECK(!cks_credential_chars_ok("tab\there"));
	CHECK(!cks_credential_chars_ok("del\x7f"));
	CHECK(!cks_credential_chars_ok("nul\x01"));
}

static void
test_redact(void)
{
	const char *secrets[] = {"AKIDEXAMPLE", NULL, "", "tok/en+=", "tok"};

	CHECK_STR(cks_redact_secrets("key AKIDEXAMPLE, value tok/en+=.", secrets, 5),
			  "key [redacted], value [redacted].");
	/* a short secret: any whole occurrence, even inside a longer word */
	CHECK_STR(cks_redact_secrets("stoke", secrets, 5), "s[redacted]e");
	/* touching runs are one marker */
	CHECK_STR(cks_redact_secrets("tok/en+=tok", secrets, 5), "[redacted]");
	CHECK_STR(cks_redact_secrets("AKIDEXAMPLEAKIDEXAMPLE", secrets, 5),
			  "[redacted]");
	CHECK_STR(cks_redact_secrets("AKIDEXAMPLE AKIDEXAMPLE", secrets, 5),
			  "[redacted] [redacted]");
	CHECK_STR(cks_redact_secrets("nothing to hide", secrets, 5),
			  "nothing to hide");
	CHECK_STR(cks_redact_secrets("AKIDEXAMPLE", NULL, 0), "AKIDEXAMPLE");
	CHECK_STR(cks_redact_secrets("", secrets, 5), "");
}

#define LONG_TOKEN "IQoJb3JpZ2luX2VjEcks-unit-test-token/AAAA+BBBB==\"q\\"

/* Pieces of a secret: any run of 8 or more bytes, none of 7. */
static void
test_redact_fragments(void)
{
	const char *secrets[] = {LONG_TOKEN};

	/* the first half, the second half, a piece from the middle */
	CHECK_STR(cks_redact_secrets("a IQoJb3JpZ2luX2VjEcks-unit b", secrets, 1),
			  "a [redacted] b");
	CHECK_STR(cks_redact_secrets("a -token/AAAA+BBBB==\"q\\ b", secrets, 1),
			  "a [redacted] b");
	CHECK_STR(cks_redact_secrets("a:luX2VjEc:b", secrets, 1), "a:[redacted]:b");
	/* seven bytes are not recognised (too common to tell) */
	CHECK_STR(cks_redact_secrets("a:luX2VjE:b", secrets, 1), "a:luX2VjE:b");
	/* digits alone are not a piece: account ids stay, the key id goes */
	{
		const char *key_id[] = {"AKIDCKSTEST111111111"};

		CHECK_STR(cks_redact_secrets("arn:aws:iam::111111111111:user/x", key_id, 1),
				  "arn:aws:iam::111111111111:user/x");
		/* what a gram with a letter covers goes; 2 digits past it stay */
		CHECK_STR(cks_redact_secrets("key AKIDCKSTEST111111111.", key_id, 1),
				  "key [redacted]11.");
		CHECK_STR(cks_redact_secrets("key ST1111111.", key_id, 1),
				  "key [redacted].");
	}
	/* two pieces with other text between them: two markers */
	CHECK_STR(cks_redact_secrets("IQoJb3Jp and BBBB==\"q", secrets, 1),
			  "[redacted] and [redacted]");
}

/* The forms a secret takes on its way into text. */
static void
test_redact_encoded(void)
{
	const char *secrets[] = {LONG_TOKEN, "tok/en+="};

	/* URL-encoded, upper and lower case hex, whole and in part */
	CHECK_STR(cks_redact_secrets("x=tok%2Fen%2B%3D&y", secrets, 2), "x=[redacted]&y");
	CHECK_STR(cks_redact_secrets("x=tok%2fen%2b%3d&y", secrets, 2), "x=[redacted]&y");
	CHECK_STR(cks_redact_secrets("t=IQoJb3JpZ2luX2VjEcks-unit-test-token%2FAAAA%2BBB", secrets, 2),
			  "t=[redacted]");
	CHECK_STR(cks_redact_secrets("t=AA%2BBBBB%3D%3D%22q%5C&", secrets, 2), "t=[redacted]&");
	/* JSON-escaped: \/ \" \\ */
	CHECK_STR(cks_redact_secrets("{\"m\":\"tok\\/en+=\"}", secrets, 2),
			  "{\"m\":\"[redacted]\"}");
	CHECK_STR(cks_redact_secrets("{\"m\":\"B==\\\"q\\\\\"}", secrets, 2),
			  "{\"m\":\"[redacted]\"}");
}

/*
 * Every run of 8 or more bytes of a random secret, at every offset, is
 * redacted wherever it sits in text of bytes the secret does not use.
 */
static void
test_redact_every_piece(void)
{
	char		secret[41];
	const char *secrets[] = {secret};
	int			i;
	int			start;
	int			len;
	bool		all_redacted = true;

	for (i = 0; i < 40; i++)
		secret[i] = "abcdefghijklmnopqrstuvwxyz0123456789+/=_"[(i * 7 + 3) % 40];
	secret[40] = '\0';
	for (start = 0; start < 40; start++)
	{
		for (len = 8; start + len <= 40; len++)
		{
			char	   *text = psprintf("[%.*s]", len, secret + start);
			char	   *shown = cks_redact_secrets(text, secrets, 1);

			if (strcmp(shown, "[[redacted]]") != 0)
				all_redacted = false;
			pfree(text);
			pfree(shown);
		}
	}
	CHECK(all_redacted);
}

/*
 * Linear, not text x secrets: 1 MiB of text that is nearly a secret
 * everywhere against five 16 KiB secrets takes milliseconds (a byte-by-
 * byte comparison at every offset would take minutes).
 */
static void
test_redact_scales(void)
{
	size_t		text_len = 1024 * 1024;
	char	   *text = palloc(text_len + 1);
	char	   *secret_bufs[5];
	const char *secrets[5];
	clock_t		started;
	char	   *shown;
	double		seconds;
	int			i;

	memset(text, 'A', text_len);
	text[text_len] = '\0';
	for (i = 0; i < 5; i++)
	{
		secret_bufs[i] = palloc(16 * 1024 + 1);
		memset(secret_bufs[i], 'A', 16 * 1024);
		secret_bufs[i][16 * 1024 - 1] = 'a' + i;	/* differs at the end */
		secret_bufs[i][16 * 1024] = '\0';
		secrets[i] = secret_bufs[i];
	}
	started = clock();
	shown = cks_redact_secrets(text, secrets, 5);
	seconds = (double) (clock() - started) / CLOCKS_PER_SEC;
	/* every 8 A's are a piece of each secret */
	CHECK_STR(shown, "[redacted]");
	CHECK(seconds < 2.0);
	for (i = 0; i < 5; i++)
		pfree(secret_bufs[i]);
	pfree(text);
	pfree(shown);
}

void
run_secrets_tests(void)
{
	test_wipe();
	test_credential_chars();
	test_redact();
	test_redact_fragments();
	test_redact_encoded();
	test_redact_every_piece();
	test_redact_scales();
}
