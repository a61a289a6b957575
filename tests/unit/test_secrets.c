/*-------------------------------------------------------------------------
 *
 * test_secrets.c
 *	  Unit tests of src/aws/secrets.c: wiping, the credential character rule
 *	  and redaction.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

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
	/* any occurrence, even inside a longer word */
	CHECK_STR(cks_redact_secrets("stoke", secrets, 5), "s[redacted]e");
	/* the longest secret wins where two start at the same place */
	CHECK_STR(cks_redact_secrets("tok/en+=tok", secrets, 5),
			  "[redacted][redacted]");
	CHECK_STR(cks_redact_secrets("AKIDEXAMPLEAKIDEXAMPLE", secrets, 5),
			  "[redacted][redacted]");
	CHECK_STR(cks_redact_secrets("nothing to hide", secrets, 5),
			  "nothing to hide");
	CHECK_STR(cks_redact_secrets("AKIDEXAMPLE", NULL, 0), "AKIDEXAMPLE");
	CHECK_STR(cks_redact_secrets("", secrets, 5), "");
}

void
run_secrets_tests(void)
{
	test_wipe();
	test_credential_chars();
	test_redact();
}
