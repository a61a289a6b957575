/*-------------------------------------------------------------------------
 *
 * test_aws_error.c
 *	  Unit tests of src/aws/aws_error.c (the sanitizer every endpoint-supplied
 *	  error string goes through: cut, redact, escape, cap) and of
 *	  src/aws/aws_error_class.c (the error-code tables, categories and hints).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include "aws/aws_error.h"
#include "aws/aws_error_class.h"
#include "unit.h"

#define TOKEN	"IQoJb3JpZ2luX2VjEcks-unit-test-token/AAAA+BBBB=="
#define AKID	"ASIACKSUNITTEST00001"
#define SECRET	"cks/unit/secret/XXXXXXXXXXXX"

static const char *const secrets[] = {AKID, SECRET, TOKEN};

/* KMS's InvalidSignatureException message, echo and all. */
static const char *aws_signature_message =
"The request signature we calculated does not match the signature you provided. "
"Check your AWS Secret Access Key and signing method. Consult the service "
"documentation for details.\n\n"
"The Canonical String for this request should have been\n"
"'POST\n/\n\ncontent-type:application/x-amz-json-1.1\nhost:kms.us-east-1.amazonaws.com\n"
"x-amz-date:20260101T000000Z\nx-amz-security-token:" TOKEN "\n"
"x-amz-target:TrentService.DescribeCustomKeyStores\n\n"
"content-type;host;x-amz-date;x-amz-security-token;x-amz-target\n"
"44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a'\n\n"
"The String-to-Sign should have been\n"
"'AWS4-HMAC-SHA256\n20260101T000000Z\n20260101/us-east-1/kms/aws4_request\n"
"0123456789abcdef'\n";

#define SIGNATURE_FIRST_PART \
"The request signature we calculated does not match the signature you provided. " \
"Check your AWS Secret Access Key and signing method. Consult the service " \
"documentation for details."

static char *
clean(const char *text, size_t max)
{
	return aws_text_sanitize(text, max, secrets, lengthof(secrets));
}

static void
test_cut(void)
{
	char	   *shown = clean(aws_signature_message, 1000);

	CHECK_STR(shown, SIGNATURE_FIRST_PART);
	CHECK(strstr(shown, TOKEN) == NULL);
	CHECK(aws_message_echo_start(aws_signature_message) == strlen(SIGNATURE_FIRST_PART));
	/* only a string to sign, in any case */
	CHECK_STR(clean("Bad.\n\nthe string-to-sign should have been\n'AWS4...'", 100),
			  "Bad.");
	/* the echo alone leaves nothing */
	CHECK_STR(clean("The Canonical String for this request should have been 'x'", 100), "");
	CHECK_STR(clean("Signature expired: 20261129T010000Z is now earlier than 20261129T010600Z (20261129T011100Z - 5 min.)", 400),
			  "Signature expired: 20261129T010000Z is now earlier than 20261129T010600Z (20261129T011100Z - 5 min.)");
	/* escaping a TAB must not spell an opener: "\t" + "he String-to-Sign" */
	CHECK_STR(clean("Bad\r\n\t\the String-to-Sign should have been\n'AWS4'", 400),
			  "Bad\\r\\n\\t");
}

static void
test_redact(void)
{
	/* secrets outside any echo, as a hostile endpoint might send them */
	CHECK_STR(clean("key " AKID " token " TOKEN " secret " SECRET ".", 400),
			  "key [redacted] token [redacted] secret [redacted].");
	/* redaction comes before the cap: a cut cannot leave half a token */
	CHECK_STR(clean("0123456789" TOKEN, 19), "0123456789[redac...");
	CHECK_STR(clean("0123456789" TOKEN, 20), "0123456789[redacted]");
	CHECK_STR(aws_text_sanitize("x " TOKEN, 400, NULL, 0), "x " TOKEN);
}

static void
test_escape(void)
{
	CHECK_STR(clean("a\r\nX-Injected: 1\tb\x01\x7f", 400),
			  "a\\r\\nX-Injected: 1\\tb\\x01\\x7f");
	/* valid UTF-8 stays, invalid bytes are shown as escapes */
	CHECK_STR(clean("cl\xc3\xa9 \xf0\x9f\x94\x91 bad \xc3( \xff", 400),
			  "cl\xc3\xa9 \xf0\x9f\x94\x91 bad \\xc3( \\xff");
	CHECK_STR(clean("", 10), "");
	CHECK(aws_text_sanitize(NULL, 10, NULL, 0) == NULL);
	/* an escape must not spell an echo opener (found by fuzz_kms) */
	CHECK_STR(clean("bad T\the String-to-Sign should have been\nAWS4", 400),
			  "bad T");
}

static void
test_cap(void)
{
	char		big[20000];
	char	   *shown;

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	shown = clean(big, CKS_AWS_MESSAGE_MAX);
	CHECK(strlen(shown) == CKS_AWS_MESSAGE_MAX);
	CHECK(strcmp(shown + CKS_AWS_MESSAGE_MAX - 3, "...") == 0);
	/* exactly at the cap: nothing cut */
	CHECK_STR(clean("0123456789", 10), "0123456789");
	CHECK_STR(clean("0123456789A", 10), "0123456...");
	/* an escape or a UTF-8 character is never split */
	CHECK_STR(clean("012345\n789", 8), "01234...");
	CHECK_STR(clean("0123\xc3\xa9xyz", 8), "0123...");
	CHECK_STR(clean("012\xc3\xa9xyzw", 8), "012\xc3\xa9...");
}

static void
test_sanitize_error(void)
{
	CksAwsError err;
	char		long_id[300];

	memset(long_id, 'r', sizeof(long_id) - 1);
	long_id[sizeof(long_id) - 1] = '\0';
	memset(&err, 0, sizeof(err));
	err.kind = CKS_ERR_AWS;
	err.http_status = 400;
	err.code = pstrdup("InvalidSignatureException\n" TOKEN);
	err.message = pstrdup(aws_signature_message);
	err.request_id = pstrdup(long_id);
	aws_error_sanitize(&err, secrets, lengthof(secrets));
	CHECK_STR(err.code, "InvalidSignatureException\\n[redacted]");
	CHECK_STR(err.message, SIGNATURE_FIRST_PART);
	CHECK(strlen(err.request_id) == CKS_AWS_REQUEST_ID_MAX);
	CHECK(err.kind == CKS_ERR_AWS && err.http_status == 400);
	aws_error_free(&err);
	CHECK(err.code == NULL && err.message == NULL && err.request_id == NULL);

	/* NULL fields stay NULL; sanitizing twice changes nothing more */
	err.kind = CKS_ERR_BAD_RESPONSE;
	err.message = pstrdup("line\none");
	aws_error_sanitize(&err, NULL, 0);
	aws_error_sanitize(&err, NULL, 0);
	CHECK_STR(err.message, "line\\none");
	CHECK(err.code == NULL && err.request_id == NULL);
	aws_error_free(&err);
}

static CksErrorCategory
category_of(CksErrorKind kind, const char *code)
{
	CksAwsError err;

	memset(&err, 0, sizeof(err));
	err.kind = kind;
	err.code = (char *) code;
	return aws_error_category(&err);
}

static void
test_categories(void)
{
	CHECK(category_of(CKS_ERR_TRANSPORT, NULL) == CKS_ERRCAT_UNREACHABLE);
	CHECK(category_of(CKS_ERR_BAD_RESPONSE, NULL) == CKS_ERRCAT_BAD_RESPONSE);
	CHECK(category_of(CKS_ERR_AWS, "AccessDeniedException") == CKS_ERRCAT_ACCESS_DENIED);
	CHECK(category_of(CKS_ERR_AWS, "AccessDenied") == CKS_ERRCAT_ACCESS_DENIED);
	CHECK(category_of(CKS_ERR_AWS, "InvalidSignatureException") == CKS_ERRCAT_CREDENTIALS);
	CHECK(category_of(CKS_ERR_AWS, "SignatureDoesNotMatch") == CKS_ERRCAT_CREDENTIALS);
	CHECK(category_of(CKS_ERR_AWS, "ExpiredToken") == CKS_ERRCAT_CREDENTIALS);
	CHECK(category_of(CKS_ERR_AWS, "UnrecognizedClientException") == CKS_ERRCAT_CREDENTIALS);
	CHECK(category_of(CKS_ERR_AWS, "InvalidClientTokenId") == CKS_ERRCAT_CREDENTIALS);
	CHECK(category_of(CKS_ERR_AWS, "ThrottlingException") == CKS_ERRCAT_THROTTLED);
	CHECK(category_of(CKS_ERR_AWS, "Throttling") == CKS_ERRCAT_THROTTLED);
	CHECK(category_of(CKS_ERR_AWS, "KMSInternalException") == CKS_ERRCAT_THROTTLED);
	CHECK(category_of(CKS_ERR_AWS, "ValidationException") == CKS_ERRCAT_OTHER);
	CHECK(category_of(CKS_ERR_AWS, NULL) == CKS_ERRCAT_OTHER);
	/* codes match exactly, never by prefix or case */
	CHECK(category_of(CKS_ERR_AWS, "accessdenied") == CKS_ERRCAT_OTHER);
	CHECK(category_of(CKS_ERR_AWS, "ThrottlingExceptionX") == CKS_ERRCAT_OTHER);

	CHECK(aws_code_is_retryable("ServiceUnavailableException"));
	CHECK(aws_code_is_retryable("RequestTimeout"));
	CHECK(!aws_code_is_retryable("AccessDeniedException"));
	CHECK(!aws_code_is_retryable(NULL));
	CHECK(aws_code_is_credential_error("RequestExpired"));
	CHECK(!aws_code_is_credential_error("AccessDenied"));
	CHECK(aws_code_is_access_error("AccessDeniedException"));
	CHECK(!aws_code_is_access_error(NULL));
}

static void
test_hints(void)
{
	CHECK_STR(aws_error_hint(CKS_ERRCAT_BAD_RESPONSE, "kms", "x", NULL),
			  "The endpoint did not answer like AWS kms; check the server's endpoint option.");
	CHECK_STR(aws_error_hint(CKS_ERRCAT_ACCESS_DENIED, "sts", "sts:AssumeRole on the role", NULL),
			  "Grant the IAM identity of the user mapping sts:AssumeRole on the role, or check role_arn and external_id.");
	CHECK(strstr(aws_error_hint(CKS_ERRCAT_CREDENTIALS, "kms", "x", NULL), "secret_access_key") != NULL);
	/* a keyless mapping is not told to check keys it does not have */
	CHECK_STR(aws_error_hint(CKS_ERRCAT_CREDENTIALS, "kms", "x", "instance"),
			  "The user mapping takes its credentials from credential_source 'instance': check the role or keys the database server gets there, and the server's clock.");
	CHECK(strstr(aws_error_hint(CKS_ERRCAT_THROTTLED, "kms", "x", NULL), "max_attempts") != NULL);
	CHECK(strstr(aws_error_hint(CKS_ERRCAT_UNREACHABLE, "kms", "x", NULL), "connect_timeout_ms") != NULL);
	CHECK(aws_error_hint(CKS_ERRCAT_OTHER, "kms", "x", NULL) == NULL);
}

void
run_aws_error_tests(void)
{
	test_cut();
	test_redact();
	test_escape();
	test_cap();
	test_sanitize_error();
	test_categories();
	test_hints();
}
