/*-------------------------------------------------------------------------
 *
 * test_sigv4_cases.c
 *	  Signatures of src/aws/sigv4.c against botocore results written down here
 *	  (they need no ../shared, so a bare clone still checks signing), plus
 *	  the properties no vector covers: header order, an impossible time,
 *	  SHA-256 itself.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <time.h>

#include "aws/sigv4.h"
#include "test_sigv4.h"
#include "unit.h"

/* A request signed once with botocore; see run_hand_written_cases. */
typedef struct HandCase
{
	const char *name;
	const char *method;
	const char *path;
	const char *query;
	CksHeader	headers[3];
	int			nheaders;
	const char *body;
	const char *region;
	const char *service;
	const char *access_key_id;
	const char *secret_access_key;
	const char *session_token;
	time_t		when;
	const char *amz_date;
	const char *canonical_request;
	const char *string_to_sign;
	const char *signature;
	const char *authorization;
} HandCase;

/*
 * Expectations computed once with botocore 1.29.27 (Debian's
 * python3-botocore): SigV4Auth(Credentials(akid, secret, token), service,
 * region).add_auth() on an AWSRequest with the URL https?://<Host><path>?
 * <query>, the same headers and body, and datetime.utcnow() pinned to
 * 'when'; canonical request and string to sign from the same SigV4Auth.
 * They need no ../shared, so a bare clone still checks signing.
 */
static const HandCase hand_cases[] = {
	{
		/* end of a leap day: the date in the scope is the 29th */
		"kms-leap-day-end", "POST", "/", NULL,
		{{"Content-Type", "application/x-amz-json-1.1"},
		 {"X-Amz-Target", "TrentService.DescribeCustomKeyStores"},
		 {"Host", "kms.eu-central-1.amazonaws.com"}}, 3,
		"{\"Limit\":2}",
		"eu-central-1", "kms", "AKIDHANDWRITTEN01",
		"hand/written+Secret0123456789abcdefABCD", NULL,
		1709251199, "20240229T235959Z",
		"POST\n/\n\ncontent-type:application/x-amz-json-1.1\nhost:kms.eu-central-1.amazonaws.com\nx-amz-date:20240229T235959Z\nx-amz-target:TrentService.DescribeCustomKeyStores\n\ncontent-type;host;x-amz-date;x-amz-target\n700aafb23187e4756a5825fcd6ee4c42ed07ce75fe056235f6286b8d2a3a0f5d",
		"AWS4-HMAC-SHA256\n20240229T235959Z\n20240229/eu-central-1/kms/aws4_request\n1b4f111160af51022ab2456ba65707e2ed7ae734550a3a34ffe858cf362dd62b",
		"09ab4acc2dbf1ffb7af23248cf6e5adc2e3193a4b414b69a52e5bbd19c094b78",
		"AWS4-HMAC-SHA256 Credential=AKIDHANDWRITTEN01/20240229/eu-central-1/kms/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=09ab4acc2dbf1ffb7af23248cf6e5adc2e3193a4b414b69a52e5bbd19c094b78"
	},
	{
		/* STS with a session token (signed) and a non-default port */
		"sts-session-token-port", "POST", "/", NULL,
		{{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
		 {"Host", "sts.us-east-1.amazonaws.com:8443"}}, 2,
		"Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fcks&RoleSessionName=cks_fdw",
		"us-east-1", "sts", "ASIAHANDWRITTEN02",
		"another/Secret+Key9876543210zyxwvuTSRQ",
		"FwoGZXIvYXdzEHandWritten//Session+Token/Value==",
		1735689600, "20250101T000000Z",
		"POST\n/\n\ncontent-type:application/x-www-form-urlencoded; charset=utf-8\nhost:sts.us-east-1.amazonaws.com:8443\nx-amz-date:20250101T000000Z\nx-amz-security-token:FwoGZXIvYXdzEHandWritten//Session+Token/Value==\n\ncontent-type;host;x-amz-date;x-amz-security-token\n991897c83ac928579c177e6392a1091607a804a6966ea0e3c0cc6c2fa5ddbdd5",
		"AWS4-HMAC-SHA256\n20250101T000000Z\n20250101/us-east-1/sts/aws4_request\n71f0709f9702cc50987262ddde1c75164e77acfd4d1ba17b442a5af53f994e2d",
		"47742fd619d59bbb2c5ac1480486676a9f88ec2bbfb10a00670048405431d076",
		"AWS4-HMAC-SHA256 Credential=ASIAHANDWRITTEN02/20250101/us-east-1/sts/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, Signature=47742fd619d59bbb2c5ac1480486676a9f88ec2bbfb10a00670048405431d076"
	},
	{
		/* body {"CustomKeyStoreName":"Café – 東京 🔐"} in UTF-8 */
		"kms-unicode-body", "POST", "/", NULL,
		{{"Content-Type", "application/x-amz-json-1.1"},
		 {"X-Amz-Target", "TrentService.DescribeCustomKeyStores"},
		 {"Host", "kms.ap-northeast-1.amazonaws.com"}}, 3,
		"{\"CustomKeyStoreName\":\"Caf\303\251 \342\200\223 \346\235\261\344\272\254 \360\237\224\220\"}",
		"ap-northeast-1", "kms", "AKIDHANDWRITTEN03",
		"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", NULL,
		1907741350, "20300615T080910Z",
		"POST\n/\n\ncontent-type:application/x-amz-json-1.1\nhost:kms.ap-northeast-1.amazonaws.com\nx-amz-date:20300615T080910Z\nx-amz-target:TrentService.DescribeCustomKeyStores\n\ncontent-type;host;x-amz-date;x-amz-target\nd783f6f68ba112fbed220badecd3c053279fbfb043af628d31b8f390aa94801c",
		"AWS4-HMAC-SHA256\n20300615T080910Z\n20300615/ap-northeast-1/kms/aws4_request\n8a667b3c76d8aa5124333b5656ede5ca135e367550f1a99a4026644039299cd1",
		"9d7e2958b0cd4f11ea39b24cffa0bfe85838277e0a41b1b83fb80d525af9e64e",
		"AWS4-HMAC-SHA256 Credential=AKIDHANDWRITTEN03/20300615/ap-northeast-1/kms/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=9d7e2958b0cd4f11ea39b24cffa0bfe85838277e0a41b1b83fb80d525af9e64e"
	},
	{
		/* query sorted by key then value, "c" without value; value folded */
		"get-query-folded-header", "GET", "/a/b", "b=2&a=1&a=0&c",
		{{"My-Header", "  two   spaces  "},
		 {"Host", "127.0.0.1:4566"}}, 2,
		"",
		"us-west-2", "kms", "AKIDHANDWRITTEN04",
		"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", NULL,
		1795955760, "20261129T123600Z",
		"GET\n/a/b\na=0&a=1&b=2&c=\nhost:127.0.0.1:4566\nmy-header:two spaces\nx-amz-date:20261129T123600Z\n\nhost;my-header;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		"AWS4-HMAC-SHA256\n20261129T123600Z\n20261129/us-west-2/kms/aws4_request\nad82f7ded743a7683805ff515e794c5dd2372710ca0e3fe696f505885f2ddae5",
		"259c8b0d5e191c20bcc1ceeae930333a22f784878e6c044e2c959d84e6e42b8f",
		"AWS4-HMAC-SHA256 Credential=AKIDHANDWRITTEN04/20261129/us-west-2/kms/aws4_request, SignedHeaders=host;my-header;x-amz-date, Signature=259c8b0d5e191c20bcc1ceeae930333a22f784878e6c044e2c959d84e6e42b8f"
	},
	{
		/*
		 * Dot segments and "//" removed, the already-encoded %20 encoded
		 * again (non-S3 double encoding); raw and encoded UTF-8 query keys
		 * sort by their encoded form.
		 */
		"get-dot-segments-encoded-path", "GET", "/a//b/./c/../d%20e/",
		"Z=1&%E1%88%B4=x",
		{{"Host", "kms.us-east-1.amazonaws.com"}}, 1,
		"",
		"us-east-1", "kms", "AKIDHANDWRITTEN05",
		"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", NULL,
		1795955760, "20261129T123600Z",
		"GET\n/a/b/d%2520e/\n%E1%88%B4=x&Z=1\nhost:kms.us-east-1.amazonaws.com\nx-amz-date:20261129T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		"AWS4-HMAC-SHA256\n20261129T123600Z\n20261129/us-east-1/kms/aws4_request\n3cfd36d99829570fa1ca6d6288953c3463bc0b193780ef7a119acc5334b40d1a",
		"bec07523457e0d420c08bcf20ee06ef406c0a5679f66b1b0175c77f927b00e40",
		"AWS4-HMAC-SHA256 Credential=AKIDHANDWRITTEN05/20261129/us-east-1/kms/aws4_request, SignedHeaders=host;x-amz-date, Signature=bec07523457e0d420c08bcf20ee06ef406c0a5679f66b1b0175c77f927b00e40"
	},
};

/*
 * Sign each hand-written case and compare with botocore.  Also check that
 * neither secret appears in what the signer hands back, except the
 * session token in the canonical request, where SigV4 puts it.
 */
static void
run_hand_written_cases(void)
{
	int			i;

	for (i = 0; i < lengthof(hand_cases); i++)
	{
		const HandCase *hc = &hand_cases[i];
		SigV4Request req;
		SigV4Credentials creds;
		SigV4Signature sig;

		memset(&req, 0, sizeof(req));
		req.method = hc->method;
		req.path = hc->path;
		req.query = hc->query;
		req.headers = hc->headers;
		req.nheaders = hc->nheaders;
		req.body = hc->body;
		req.body_len = strlen(hc->body);
		req.normalize_path = true;

		creds.access_key_id = hc->access_key_id;
		creds.secret_access_key = hc->secret_access_key;
		creds.session_token = hc->session_token;

		if (!unit_check(sigv4_sign(&req, &creds, hc->region, hc->service,
								   hc->when, &sig),
						__FILE__, __LINE__, hc->name, "sigv4_sign failed"))
			continue;
		unit_check_str(sig.amz_date, hc->amz_date, __FILE__, __LINE__,
					   psprintf("%s: amz date", hc->name));
		sigv4_check_signature(hc->name, &sig, hc->canonical_request,
						hc->string_to_sign, hc->signature,
						hc->authorization);
		unit_check(strstr(sig.canonical_request, hc->secret_access_key) == NULL &&
				   strstr(sig.string_to_sign, hc->secret_access_key) == NULL &&
				   strstr(sig.authorization, hc->secret_access_key) == NULL &&
				   (hc->session_token == NULL ||
					(strstr(sig.string_to_sign, hc->session_token) == NULL &&
					 strstr(sig.authorization, hc->session_token) == NULL)),
				   __FILE__, __LINE__, hc->name,
				   "a secret leaked into the signer's output");
	}
}

/*
 * Signing must not depend on the order the caller lists its headers in,
 * and must keep a duplicated header's values in the caller's order.
 */
static void
run_header_order_cases(void)
{
	const CksHeader forward[] = {
		{"Host", "example.amazonaws.com"},
		{"X-B", "2"}, {"x-a", "first"}, {"X-A", "second"}
	};
	const CksHeader backward[] = {
		{"x-a", "first"}, {"X-B", "2"}, {"X-A", "second"},
		{"Host", "example.amazonaws.com"}
	};
	SigV4Credentials creds = {"AKIDEXAMPLE",
	"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", NULL};
	SigV4Request req;
	SigV4Signature sig_forward;
	SigV4Signature sig_backward;

	memset(&req, 0, sizeof(req));
	req.method = "POST";
	req.path = "/";
	req.normalize_path = true;
	req.headers = forward;
	req.nheaders = lengthof(forward);
	CHECK(sigv4_sign(&req, &creds, "us-east-1", "kms", 1440938160,
					 &sig_forward));
	req.headers = backward;
	req.nheaders = lengthof(backward);
	CHECK(sigv4_sign(&req, &creds, "us-east-1", "kms", 1440938160,
					 &sig_backward));
	CHECK_STR(sig_backward.signature, sig_forward.signature);
	CHECK(strstr(sig_forward.canonical_request,
				 "\nx-a:first,second\nx-amz-date:20150830T123600Z\nx-b:2\n") != NULL);
	CHECK_STR(sig_forward.amz_date, "20150830T123600Z");
}

/* A time past year 9999 has no SigV4 date: refuse rather than sign garbage. */
static void
run_bad_time_case(void)
{
	const CksHeader headers[] = {{"Host", "example.amazonaws.com"}};
	SigV4Credentials creds = {"AKIDEXAMPLE",
	"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", NULL};
	SigV4Request req;
	SigV4Signature sig;

	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.path = "/";
	req.headers = headers;
	req.nheaders = 1;
	req.normalize_path = true;
	/* 10000-01-01T00:00:00Z */
	CHECK(!sigv4_sign(&req, &creds, "us-east-1", "kms",
					  (time_t) 253402300800LL, &sig));
	CHECK(sig.signature[0] == '\0' && sig.authorization == NULL);
}

static void
run_sha256_cases(void)
{
	char		hex[65];

	sigv4_sha256_hex("", 0, hex);
	CHECK_STR(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	sigv4_sha256_hex(NULL, 0, hex);
	CHECK_STR(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	sigv4_sha256_hex("abc", 3, hex);
	CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

void
run_sigv4_written_down_cases(void)
{
	run_sha256_cases();
	run_hand_written_cases();
	run_header_order_cases();
	run_bad_time_case();
}
