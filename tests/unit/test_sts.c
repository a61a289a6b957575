/*-------------------------------------------------------------------------
 *
 * test_sts.c
 *	  Unit tests of src/aws/sts.c: Query-protocol form bodies (byte for byte as
 *	  botocore sends them), AssumeRole and GetCallerIdentity responses, STS
 *	  error documents, hostile XML (DTDs, entity bombs), and the account id
 *	  of an ARN.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <time.h>

#include "aws/sts.h"
#include "unit.h"

#define SECRET_KEY		"wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY"
#define SESSION_TOKEN	"AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA=="

/*
 * An AssumeRole response as in the AWS STS API reference, with the
 * expiration, the access key id and the whitespace around the token left
 * for the caller to fill in.
 */
static char *
assume_role_document(const char *access_key_id, const char *expiration)
{
	return psprintf("<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n"
					"  <AssumeRoleResult>\n"
					"    <SourceIdentity>Alice</SourceIdentity>\n"
					"    <AssumedRoleUser>\n"
					"      <Arn>arn:aws:sts::123456789012:assumed-role/demo/TestAR</Arn>\n"
					"      <AssumedRoleId>ARO123EXAMPLE123:TestAR</AssumedRoleId>\n"
					"    </AssumedRoleUser>\n"
					"    <Credentials>\n"
					"      <AccessKeyId>%s</AccessKeyId>\n"
					"      <SecretAccessKey>" SECRET_KEY "</SecretAccessKey>\n"
					"      <SessionToken>\n        " SESSION_TOKEN "\n      </SessionToken>\n"
					"      <Expiration>%s</Expiration>\n"
					"    </Credentials>\n"
					"    <PackedPolicySize>6</PackedPolicySize>\n"
					"  </AssumeRoleResult>\n"
					"  <ResponseMetadata>\n"
					"    <RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId>\n"
					"  </ResponseMetadata>\n"
					"</AssumeRoleResponse>\n",
					access_key_id, expiration);
}

static const char *caller_identity_document =
"<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n"
"  <GetCallerIdentityResult>\n"
"    <Arn>arn:aws:iam::123456789012:user/Alice</Arn>\n"
"    <UserId>AIDACKCEVSQ6C2EXAMPLE</UserId>\n"
"    <Account>123456789012</Account>\n"
"  </GetCallerIdentityResult>\n"
"  <ResponseMetadata>\n"
"    <RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId>\n"
"  </ResponseMetadata>\n"
"</GetCallerIdentityResponse>\n";

static const char *access_denied_document =
"<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n"
"  <Error>\n"
"    <Type>Sender</Type>\n"
"    <Code>AccessDenied</Code>\n"
"    <Message>User: arn:aws:iam::123456789012:user/alice is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::111122223333:role/kms-reader</Message>\n"
"  </Error>\n"
"  <RequestId>4cbd5d46-5d1a-4d4d-8b3a-2b8f0c0a6e11</RequestId>\n"
"</ErrorResponse>\n";

/* The classic "billion laughs": 10^9 "lol"s if anything expanded it. */
static const char *entity_bomb =
"<?xml version=\"1.0\"?>\n"
"<!DOCTYPE lolz [\n"
" <!ENTITY lol \"lol\">\n"
" <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
" <!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">\n"
" <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"
" <!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">\n"
" <!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">\n"
" <!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">\n"
" <!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">\n"
" <!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">\n"
" <!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">\n"
"]>\n"
"<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
"<GetCallerIdentityResult><Account>&lol9;</Account></GetCallerIdentityResult>"
"</GetCallerIdentityResponse>\n";

/* An external entity that would read a local file (XXE). */
static const char *external_entity =
"<?xml version=\"1.0\"?>\n"
"<!DOCTYPE r [<!ENTITY xxe SYSTEM \"file:///etc/hostname\">]>\n"
"<GetCallerIdentityResponse><GetCallerIdentityResult>"
"<Account>&xxe;</Account></GetCallerIdentityResult></GetCallerIdentityResponse>";

/* ----------------------------------------------------------------
 * Form bodies
 * ----------------------------------------------------------------
 */

static void
check_assume_role_body(const StsAssumeRoleParams *params, const char *want)
{
	char	   *body = sts_assume_role_body(params);

	CHECK_STR(body, want);
	pfree(body);
}

/*
 * The expected bodies are botocore's (1.29, percent_encode_sequence over
 * the Query serializer's output) for the same parameters.
 */
static void
test_form_bodies(void)
{
	StsAssumeRoleParams params = {0};
	char	   *body;

	params.role_arn = "arn:aws:iam::123456789012:role/a/b";
	params.role_session_name = "s1";
	check_assume_role_body(&params,
						   "Action=AssumeRole&Version=2011-06-15"
						   "&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fa%2Fb"
						   "&RoleSessionName=s1");

	params.external_id = "a b&c=d~_.-!*'()é+";
	params.duration_seconds = 900;
	check_assume_role_body(&params,
						   "Action=AssumeRole&Version=2011-06-15"
						   "&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fa%2Fb"
						   "&RoleSessionName=s1"
						   "&ExternalId=a%20b%26c%3Dd~_.-%21%2A%27%28%29%C3%A9%2B"
						   "&DurationSeconds=900");

	/* duration without external id; session name characters IAM allows */
	params.external_id = NULL;
	params.duration_seconds = 43200;
	params.role_arn = "arn:aws-us-gov:iam::123456789012:role/path/to/Reader";
	params.role_session_name = "cks_fdw-user@example.com,=.";
	check_assume_role_body(&params,
						   "Action=AssumeRole&Version=2011-06-15"
						   "&RoleArn=arn%3Aaws-us-gov%3Aiam%3A%3A123456789012%3Arole%2Fpath%2Fto%2FReader"
						   "&RoleSessionName=cks_fdw-user%40example.com%2C%3D."
						   "&DurationSeconds=43200");

	body = sts_get_caller_identity_body();
	CHECK_STR(body, "Action=GetCallerIdentity&Version=2011-06-15");
	pfree(body);
}

/* ----------------------------------------------------------------
 * AssumeRole responses
 * ----------------------------------------------------------------
 */

static bool
parse_assume_role(const char *body, StsCredentials *creds, CksAwsError *err)
{
	memset(err, 0, sizeof(*err));
	memset(creds, 0x7f, sizeof(*creds));	/* must be overwritten */
	return sts_parse_assume_role_response(body, body ? strlen(body) : 0, 200,
										  creds, err);
}

static void
test_assume_role_response(void)
{
	static const struct
	{
		const char *text;
		time_t		epoch;
	}			stamps[] = {
		{"2019-11-09T13:34:41Z", 1573306481},
		{"2026-11-29T02:00:00.123Z", 1795917600},
		{"2026-11-29T02:00:00.999999999Z", 1795917600},
		{"2024-02-29T23:59:59Z", 1709251199},
	};
	size_t		i;

	for (i = 0; i < lengthof(stamps); i++)
	{
		char	   *doc = assume_role_document("ASIAIOSFODNN7EXAMPLE",
											   stamps[i].text);
		StsCredentials creds;
		CksAwsError err;

		if (CHECK(parse_assume_role(doc, &creds, &err)))
		{
			CHECK_STR(creds.access_key_id, "ASIAIOSFODNN7EXAMPLE");
			CHECK_STR(creds.secret_access_key, SECRET_KEY);
			/* the whitespace around the token is not part of it */
			CHECK_STR(creds.session_token, SESSION_TOKEN);
			CHECK(creds.expiration == stamps[i].epoch);
			sts_credentials_free(&creds);
		}
		CHECK(err.kind == CKS_OK && err.message == NULL);
		pfree(doc);
	}
}

static void
test_assume_role_namespaces(void)
{
	StsCredentials creds;
	CksAwsError err;

	/* no namespace at all: accepted */
	if (CHECK(parse_assume_role("<AssumeRoleResponse><AssumeRoleResult><Credentials>"
								"<AccessKeyId>ASIA1</AccessKeyId>"
								"<SecretAccessKey>s</SecretAccessKey>"
								"<SessionToken>t</SessionToken>"
								"<Expiration>2026-11-29T02:00:00Z</Expiration>"
								"</Credentials></AssumeRoleResult></AssumeRoleResponse>",
								&creds, &err)))
	{
		CHECK_STR(creds.access_key_id, "ASIA1");
		CHECK(creds.expiration == 1795917600);
		sts_credentials_free(&creds);
	}

	/* a prefixed STS namespace: accepted, it is the same namespace */
	if (CHECK(parse_assume_role("<sts:AssumeRoleResponse xmlns:sts=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
								"<sts:AssumeRoleResult><sts:Credentials>"
								"<sts:AccessKeyId>ASIA2</sts:AccessKeyId>"
								"<sts:SecretAccessKey>s</sts:SecretAccessKey>"
								"<sts:SessionToken>t</sts:SessionToken>"
								"<sts:Expiration>2026-11-29T02:00:00Z</sts:Expiration>"
								"</sts:Credentials></sts:AssumeRoleResult></sts:AssumeRoleResponse>",
								&creds, &err)))
	{
		CHECK_STR(creds.access_key_id, "ASIA2");
		sts_credentials_free(&creds);
	}

	/* same local names in a foreign namespace are not STS's */
	CHECK(!parse_assume_role("<AssumeRoleResponse xmlns=\"urn:other\"><AssumeRoleResult/></AssumeRoleResponse>",
							 &creds, &err));
	CHECK_STR(err.message,
			  "response root element <AssumeRoleResponse> is not in the STS namespace");
	aws_error_free(&err);
}

/* A 2xx AssumeRole body that must be refused with exactly 'want'. */
static void
check_bad_assume_role(const char *body, size_t len, const char *want)
{
	StsCredentials creds;
	CksAwsError err;

	memset(&err, 0, sizeof(err));
	memset(&creds, 0x7f, sizeof(creds));
	CHECK(!sts_parse_assume_role_response(body, len, 200, &creds, &err));
	CHECK(err.kind == CKS_ERR_BAD_RESPONSE);
	CHECK(err.http_status == 200);
	CHECK(err.code == NULL && err.request_id == NULL);
	CHECK_STR(err.message, want);
	/* nothing is handed back, and no secret is quoted */
	CHECK(creds.access_key_id == NULL && creds.secret_access_key == NULL &&
		  creds.session_token == NULL && creds.expiration == 0);
	if (err.message != NULL)
	{
		CHECK(strstr(err.message, SECRET_KEY) == NULL);
		CHECK(strstr(err.message, "AQoDYXdzEPT") == NULL);
	}
	aws_error_free(&err);
}

static void
check_bad_assume_role_str(const char *body, const char *want)
{
	check_bad_assume_role(body, strlen(body), want);
}

static void
check_bad_expiration(const char *expiration, const char *want)
{
	char	   *doc = assume_role_document("ASIAIOSFODNN7EXAMPLE", expiration);

	check_bad_assume_role_str(doc, want);
	pfree(doc);
}

/*
 * Credentials that could inject headers are refused: a CR/LF (written as
 * character references, since XML turns a literal CR LF into LF), a LF, a
 * space or a control character inside a value.  The message names the
 * element, never the value.
 */
static void
test_assume_role_header_injection(void)
{
	static const char *const tokens[] = {
		"AQoDYXdzEPT&#13;&#10;X-Injected: 1",
		"AQoDYXdzEPT\nX-Injected:1",
		"AQoDYXdzEPT&#13;more",
		"AQoDYXdzEPT with-a-space",
		"AQoDYXdzEPT&#9;tab",
	};
	const char *where = "AssumeRoleResponse/AssumeRoleResult/Credentials";
	int			i;

	for (i = 0; i < lengthof(tokens); i++)
	{
		char	   *doc = psprintf("<AssumeRoleResponse><AssumeRoleResult><Credentials>"
								   "<AccessKeyId>ASIAIOSFODNN7EXAMPLE</AccessKeyId>"
								   "<SecretAccessKey>" SECRET_KEY "</SecretAccessKey>"
								   "<SessionToken>%s</SessionToken>"
								   "<Expiration>2026-11-29T02:00:00Z</Expiration>"
								   "</Credentials></AssumeRoleResult></AssumeRoleResponse>",
								   tokens[i]);

		check_bad_assume_role_str(doc, psprintf("response element <%s/SessionToken> contains a space or a control character", where));
		pfree(doc);
	}
	check_bad_assume_role_str("<AssumeRoleResponse><AssumeRoleResult><Credentials>"
							  "<AccessKeyId>ASIA&#10;X-Evil: 1</AccessKeyId>"
							  "<SecretAccessKey>k</SecretAccessKey><SessionToken>t</SessionToken>"
							  "<Expiration>2026-11-29T02:00:00Z</Expiration>"
							  "</Credentials></AssumeRoleResult></AssumeRoleResponse>",
							  psprintf("response element <%s/AccessKeyId> contains a space or a control character", where));
	check_bad_assume_role_str("<AssumeRoleResponse><AssumeRoleResult><Credentials>"
							  "<AccessKeyId>ASIA</AccessKeyId>"
							  "<SecretAccessKey>k&#127;</SecretAccessKey><SessionToken>t</SessionToken>"
							  "<Expiration>2026-11-29T02:00:00Z</Expiration>"
							  "</Credentials></AssumeRoleResult></AssumeRoleResponse>",
							  psprintf("response element <%s/SecretAccessKey> contains a space or a control character", where));
}

/* sts_credentials_free leaves no pointer and no expiry behind. */
static void
test_credentials_free(void)
{
	StsCredentials creds;

	creds.access_key_id = pstrdup("ASIAIOSFODNN7EXAMPLE");
	creds.secret_access_key = pstrdup(SECRET_KEY);
	creds.session_token = pstrdup(SESSION_TOKEN);
	creds.expiration = 1795917600;
	sts_credentials_free(&creds);
	CHECK(creds.access_key_id == NULL && creds.secret_access_key == NULL &&
		  creds.session_token == NULL && creds.expiration == 0);
	/* freeing twice, or an empty struct, is harmless */
	sts_credentials_free(&creds);
}

static void
test_assume_role_malformed(void)
{
	char	   *doc;

	check_bad_assume_role(NULL, 0, "response body is empty");
	check_bad_assume_role("", 0, "response body is empty");
	check_bad_assume_role_str("{\"Credentials\":{}}",
							  "response body is not well-formed XML: Start tag expected, '<' not found");
	check_bad_assume_role_str("<AssumeRoleResponse><AssumeRoleResult><Credentials>",
							  "response body is not well-formed XML: Premature end of data in tag Credentials line 1");
	check_bad_assume_role_str("<AssumeRoleResponse></AssumeRoleResponse>trailing",
							  "response body is not well-formed XML: Extra content at the end of the document");
	/* a NUL byte inside the body is not hidden by C string handling */
	check_bad_assume_role("<AssumeRoleResponse/>\0<x/>", 26,
						  "response body is not well-formed XML: NUL byte at offset 21");
	check_bad_assume_role_str("<AssumeRoleResponse><AssumeRoleResult>\xff</AssumeRoleResult></AssumeRoleResponse>",
							  "response body is not well-formed XML: Input is not proper UTF-8, indicate encoding !");

	/* the structure */
	check_bad_assume_role_str(access_denied_document,
							  "response root element is <ErrorResponse>, expected <AssumeRoleResponse>");
	check_bad_assume_role_str("<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
							  "<AssumeRoleResult><AssumedRoleUser/></AssumeRoleResult></AssumeRoleResponse>",
							  "response has no <AssumeRoleResponse/AssumeRoleResult/Credentials> element");
	check_bad_assume_role_str("<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"/>",
							  "response has no <AssumeRoleResponse/AssumeRoleResult> element");

	/* a field missing or empty, after the secret was already read */
	check_bad_assume_role_str("<AssumeRoleResponse><AssumeRoleResult><Credentials>"
							  "<AccessKeyId>ASIA1</AccessKeyId>"
							  "<SecretAccessKey>" SECRET_KEY "</SecretAccessKey>"
							  "<Expiration>2026-11-29T02:00:00Z</Expiration>"
							  "</Credentials></AssumeRoleResult></AssumeRoleResponse>",
							  "response has no <AssumeRoleResponse/AssumeRoleResult/Credentials/SessionToken> element");
	doc = assume_role_document("  ", "2026-11-29T02:00:00Z");
	check_bad_assume_role_str(doc,
							  "response element <AssumeRoleResponse/AssumeRoleResult/Credentials/AccessKeyId> is empty");
	pfree(doc);

	/* timestamps that are not "YYYY-MM-DDTHH:MM:SS[.fff]Z" or do not exist */
	check_bad_expiration("2026-11-29 02:00:00Z",
						 "response element <AssumeRoleResponse/AssumeRoleResult/Credentials/Expiration> is not an ISO 8601 UTC timestamp: \"2026-11-29 02:00:00Z\"");
	check_bad_expiration("2026-11-29T02:00:00+01:00",
						 "response element <AssumeRoleResponse/AssumeRoleResult/Credentials/Expiration> is not an ISO 8601 UTC timestamp: \"2026-11-29T02:00:00+01:00\"");
	check_bad_expiration("2026-11-29T02:00:00",
						 "response element <AssumeRoleResponse/AssumeRoleResult/Credentials/Expiration> is not an ISO 8601 UTC timestamp: \"2026-11-29T02:00:00\"");
	check_bad_expiration("2026-11-29T02:00:00.Z",
						 "response element <AssumeRoleResponse/AssumeRoleResult/Credentials/Expiration> is not an ISO 8601 UTC timestamp: \"2026-11-29T02:00:00.Z\"");
	check_bad_expiration("2026-02-30T02:00:00Z",
						 "response element <AssumeRoleResponse/AssumeRoleResult/Credentials/Expiration> is not an ISO 8601 UTC timestamp: \"2026-02-30T02:00:00Z\"");
	check_bad_expiration("2026-11-29T24:00:00Z",
						 "response element <AssumeRoleResponse/AssumeRoleResult/Credentials/Expiration> is not an ISO 8601 UTC timestamp: \"2026-11-29T24:00:00Z\"");
	check_bad_expiration("+026-11-29T02:00:00Z",
						 "response element <AssumeRoleResponse/AssumeRoleResult/Credentials/Expiration> is not an ISO 8601 UTC timestamp: \"+026-11-29T02:00:00Z\"");
	check_bad_expiration("1795917600",
						 "response element <AssumeRoleResponse/AssumeRoleResult/Credentials/Expiration> is not an ISO 8601 UTC timestamp: \"1795917600\"");
	/* a value not worth quoting is not quoted */
	check_bad_expiration("2026-11-29T02:00:00Z\xc3\xa9",
						 "response element <AssumeRoleResponse/AssumeRoleResult/Credentials/Expiration> is not an ISO 8601 UTC timestamp");
}

/*
 * DTDs are refused outright, before any entity is declared, let alone
 * expanded: the bomb comes back at once with a small message, and the
 * external entity is never fetched.
 */
static void
test_hostile_xml(void)
{
	char	   *account = (char *) "untouched";
	CksAwsError err;
	clock_t		start = clock();
	const char *undeclared_entity =
	"<GetCallerIdentityResponse>&xxe;</GetCallerIdentityResponse>";

	memset(&err, 0, sizeof(err));
	CHECK(!sts_parse_caller_identity_response(entity_bomb, strlen(entity_bomb),
											  200, &account, &err));
	CHECK(err.kind == CKS_ERR_BAD_RESPONSE);
	CHECK_STR(err.message, "response body contains a DTD, which is refused");
	CHECK(account == NULL);
	/* generous: expanding would take minutes and gigabytes */
	CHECK((clock() - start) / CLOCKS_PER_SEC < 2);
	aws_error_free(&err);

	CHECK(!sts_parse_caller_identity_response(external_entity,
											  strlen(external_entity),
											  200, &account, &err));
	CHECK_STR(err.message, "response body contains a DTD, which is refused");
	aws_error_free(&err);

	/* an entity without a DTD to declare it is simply not well-formed */
	CHECK(!sts_parse_caller_identity_response(undeclared_entity,
											  strlen(undeclared_entity),
											  200, &account, &err));
	CHECK_STR(err.message,
			  "response body is not well-formed XML: Entity 'xxe' not defined");
	aws_error_free(&err);

	/* an error document with a DTD is no error document */
	sts_parse_error(403, "req-h", entity_bomb, strlen(entity_bomb), &err);
	CHECK(err.kind == CKS_ERR_BAD_RESPONSE);
	CHECK_STR(err.message, "HTTP 403 with a non-XML body");
	CHECK_STR(err.request_id, "req-h");
	aws_error_free(&err);
}

/* ----------------------------------------------------------------
 * GetCallerIdentity
 * ----------------------------------------------------------------
 */

static void
test_caller_identity(void)
{
	char	   *account = NULL;
	CksAwsError err;
	const char *bad_account =
	"<GetCallerIdentityResponse><GetCallerIdentityResult>"
	"<Account>12345678901</Account>"
	"</GetCallerIdentityResult></GetCallerIdentityResponse>";
	const char *no_account =
	"<GetCallerIdentityResponse><GetCallerIdentityResult>"
	"<Arn>arn:aws:iam::123456789012:user/Alice</Arn>"
	"</GetCallerIdentityResult></GetCallerIdentityResponse>";

	memset(&err, 0, sizeof(err));
	if (CHECK(sts_parse_caller_identity_response(caller_identity_document,
												 strlen(caller_identity_document),
												 200, &account, &err)))
	{
		CHECK_STR(account, "123456789012");
		pfree(account);
	}

	CHECK(!sts_parse_caller_identity_response(bad_account, strlen(bad_account),
											  200, &account, &err));
	CHECK(err.kind == CKS_ERR_BAD_RESPONSE);
	CHECK_STR(err.message,
			  "response element <GetCallerIdentityResponse/GetCallerIdentityResult/Account> is not a 12-digit account id: \"12345678901\"");
	CHECK(account == NULL);
	aws_error_free(&err);

	CHECK(!sts_parse_caller_identity_response(no_account, strlen(no_account),
											  200, &account, &err));
	CHECK_STR(err.message,
			  "response has no <GetCallerIdentityResponse/GetCallerIdentityResult/Account> element");
	aws_error_free(&err);

	CHECK(!sts_parse_caller_identity_response("", 0, 200, &account, &err));
	CHECK_STR(err.message, "response body is empty");
	aws_error_free(&err);
}

/* ----------------------------------------------------------------
 * Error documents
 * ----------------------------------------------------------------
 */

static void
parse_error(long status, const char *rid_header, const char *body,
			CksAwsError *err)
{
	memset(err, 0x7f, sizeof(*err));	/* every field must be set */
	sts_parse_error(status, rid_header, body, body ? strlen(body) : 0, err);
}

static void
test_error_documents(void)
{
	CksAwsError err;

	/* the body's request id is preferred to the header's */
	parse_error(403, "header-request-id", access_denied_document, &err);
	CHECK(err.kind == CKS_ERR_AWS);
	CHECK(err.http_status == 403);
	CHECK_STR(err.code, "AccessDenied");
	CHECK_STR(err.message,
			  "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::111122223333:role/kms-reader");
	CHECK_STR(err.request_id, "4cbd5d46-5d1a-4d4d-8b3a-2b8f0c0a6e11");
	aws_error_free(&err);

	/* no RequestId in the body: the header's; no Message: NULL */
	parse_error(400, "header-request-id",
				"<ErrorResponse><Error><Type>Sender</Type>"
				"<Code>ExpiredToken</Code></Error></ErrorResponse>", &err);
	CHECK(err.kind == CKS_ERR_AWS);
	CHECK_STR(err.code, "ExpiredToken");
	CHECK(err.message == NULL);
	CHECK_STR(err.request_id, "header-request-id");
	aws_error_free(&err);

	parse_error(400, NULL,
				"<ErrorResponse><Error><Code>InvalidClientTokenId</Code>"
				"<Message>The security token included in the request is invalid.</Message>"
				"</Error></ErrorResponse>", &err);
	CHECK_STR(err.code, "InvalidClientTokenId");
	CHECK(err.request_id == NULL);
	aws_error_free(&err);

	/* no code */
	parse_error(400, NULL,
				"<ErrorResponse><Error><Message>bad</Message></Error>"
				"<RequestId>r-1</RequestId></ErrorResponse>", &err);
	CHECK(err.kind == CKS_ERR_BAD_RESPONSE);
	CHECK(err.code == NULL);
	CHECK_STR(err.message, "HTTP 400 error response without an error code: bad");
	CHECK_STR(err.request_id, "r-1");
	aws_error_free(&err);

	/* well-formed, but not an error document */
	parse_error(502, NULL, "<html><head><title>502 Bad Gateway</title></head></html>",
				&err);
	CHECK(err.kind == CKS_ERR_BAD_RESPONSE);
	CHECK_STR(err.message,
			  "HTTP 502 with an XML body that is not an STS error response");
	aws_error_free(&err);

	/* what proxies really send */
	parse_error(502, "rid",
				"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
				"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
				"</body>\r\n</html>\r\n", &err);
	CHECK(err.kind == CKS_ERR_BAD_RESPONSE);
	CHECK(err.code == NULL);
	CHECK_STR(err.message, "HTTP 502 with a non-XML body");
	CHECK_STR(err.request_id, "rid");
	aws_error_free(&err);

	parse_error(500, NULL, "", &err);
	CHECK(err.kind == CKS_ERR_BAD_RESPONSE);
	CHECK_STR(err.message, "HTTP 500 with an empty body");
	CHECK(err.request_id == NULL);
	aws_error_free(&err);

	parse_error(503, NULL, NULL, &err);
	CHECK_STR(err.message, "HTTP 503 with an empty body");
	aws_error_free(&err);

	parse_error(400, NULL, "{\"__type\":\"AccessDenied\"}", &err);
	CHECK_STR(err.message, "HTTP 400 with a non-XML body");
	aws_error_free(&err);
}

void
run_sts_tests(void)
{
	test_form_bodies();
	test_assume_role_response();
	test_assume_role_namespaces();
	test_assume_role_malformed();
	test_assume_role_header_injection();
	test_credentials_free();
	test_hostile_xml();
	test_caller_identity();
	test_error_documents();
}
