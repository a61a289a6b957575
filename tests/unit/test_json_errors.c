/*-------------------------------------------------------------------------
 *
 * test_json_errors.c
 *	  Unit tests of the AWS JSON 1.1 error rules in src/aws/aws_json.c: where
 *	  the code comes from (header or body, namespaces and suffixes cut),
 *	  how it is bounded and sanitized, and what a hostile or broken error
 *	  body becomes.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <json-c/json.h>

#include "aws/aws_json.h"
#include "unit.h"

static void
parse_error(long status, const char *type_header, const char *rid_header,
			const char *body, CksAwsError *err)
{
	memset(err, 0x7f, sizeof(*err));	/* every field must be set */
	aws_json_parse_error(status, type_header, rid_header, body,
						 body ? strlen(body) : 0, err);
}

static void
test_sanitize_error_code(void)
{
	static const char *const cases[][2] = {
		{"ThrottlingException", "ThrottlingException"},
		{"com.amazonaws.kms#ThrottlingException", "ThrottlingException"},
		{"aws.protocoltests.restjson#FooError:http://internal.amazon.com/coral/com.amazon.coral.validate/",
		"FooError"},
		{"FooError:http://internal.amazon.com/coral/com.amazon.coral.validate/",
		"FooError"},
		{"a.b#c#NotFoundException", "NotFoundException"},
		/* ':' cuts first, so a '#' after it does not count */
		{"ValidationException:http://x/#frag", "ValidationException"},
		{" KMSInternalException \r\n", "KMSInternalException"},
		{"ns#", ""},
		{"", ""},
	};
	size_t		i;

	for (i = 0; i < lengthof(cases); i++)
	{
		char	   *code = aws_sanitize_error_code(cases[i][0]);

		CHECK_STR(code, cases[i][1]);
		pfree(code);
	}
	CHECK(aws_sanitize_error_code(NULL) == NULL);
}

static void
test_error_documents(void)
{
	CksAwsError err;

	/* the header alone is enough, even with an empty body */
	parse_error(400, "NotFoundException", "5ab0c0b6-4e57-4b2a-9cf4-000000000001",
				"", &err);
	CHECK(err.kind == CKS_ERR_AWS);
	CHECK(err.http_status == 400);
	CHECK_STR(err.code, "NotFoundException");
	CHECK(err.message == NULL);
	CHECK_STR(err.request_id, "5ab0c0b6-4e57-4b2a-9cf4-000000000001");
	aws_error_free(&err);

	/* __type with the Smithy namespace, lower-case message */
	parse_error(400, NULL, "req-1",
				"{\"__type\":\"com.amazonaws.kms#ThrottlingException\","
				"\"message\":\"Rate exceeded\"}", &err);
	CHECK(err.kind == CKS_ERR_AWS);
	CHECK_STR(err.code, "ThrottlingException");
	CHECK_STR(err.message, "Rate exceeded");
	CHECK_STR(err.request_id, "req-1");
	aws_error_free(&err);

	/* "code" when there is no __type; capitalized Message */
	parse_error(400, NULL, NULL,
				"{\"code\":\"CustomKeyStoreNotFoundException\","
				"\"Message\":\"Custom key store cks-0 not found\"}", &err);
	CHECK(err.kind == CKS_ERR_AWS);
	CHECK_STR(err.code, "CustomKeyStoreNotFoundException");
	CHECK_STR(err.message, "Custom key store cks-0 not found");
	CHECK(err.request_id == NULL);
	aws_error_free(&err);

	/* "message" wins over "Message" */
	parse_error(400, NULL, NULL,
				"{\"__type\":\"X\",\"Message\":\"upper\",\"message\":\"lower\"}",
				&err);
	CHECK_STR(err.message, "lower");
	aws_error_free(&err);

	/* the header wins over the body and loses its ":http://..." suffix */
	parse_error(400,
				"AccessDeniedException:http://internal.amazon.com/coral/com.amazon.coral.service/",
				"req-2",
				"{\"__type\":\"com.amazonaws.kms#ValidationException\","
				"\"message\":\"User: arn:aws:iam::111122223333:user/x is not authorized\"}",
				&err);
	CHECK(err.kind == CKS_ERR_AWS);
	CHECK_STR(err.code, "AccessDeniedException");
	CHECK_STR(err.message,
			  "User: arn:aws:iam::111122223333:user/x is not authorized");
	aws_error_free(&err);

	/* __type that is not a string falls through to "code" */
	parse_error(400, NULL, NULL,
				"{\"__type\":7,\"code\":\"KMSInternalException\"}", &err);
	CHECK_STR(err.code, "KMSInternalException");
	CHECK(err.message == NULL);
	aws_error_free(&err);

	/* an empty header counts as none */
	parse_error(400, "", NULL, "{\"__type\":\"DependencyTimeoutException\"}",
				&err);
	CHECK_STR(err.code, "DependencyTimeoutException");
	aws_error_free(&err);
}

static void
test_error_bad_bodies(void)
{
	CksAwsError err;

	parse_error(500, NULL, "req-3", "", &err);
	CHECK(err.kind == CKS_ERR_BAD_RESPONSE);
	CHECK(err.http_status == 500);
	CHECK(err.code == NULL);
	CHECK_STR(err.message, "HTTP 500 with an empty body");
	CHECK_STR(err.request_id, "req-3");
	aws_error_free(&err);

	parse_error(503, NULL, NULL, NULL, &err);
	CHECK_STR(err.message, "HTTP 503 with an empty body");
	CHECK(err.request_id == NULL);
	aws_error_free(&err);

	parse_error(502, NULL, NULL,
				"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n"
				"<body><center><h1>502 Bad Gateway</h1></center></body>\r\n</html>\r\n",
				&err);
	CHECK(err.kind == CKS_ERR_BAD_RESPONSE);
	CHECK(err.code == NULL);
	CHECK_STR(err.message, "HTTP 502 with a non-JSON body");
	aws_error_free(&err);

	parse_error(400, NULL, NULL, "{\"message\":\"Something went wrong\"}", &err);
	CHECK(err.kind == CKS_ERR_BAD_RESPONSE);
	CHECK(err.code == NULL);
	CHECK_STR(err.message,
			  "HTTP 400 error response without an error code: Something went wrong");
	aws_error_free(&err);

	parse_error(400, NULL, NULL, "{}", &err);
	CHECK_STR(err.message, "HTTP 400 error response without an error code");
	aws_error_free(&err);

	parse_error(400, NULL, NULL, "[\"ThrottlingException\"]", &err);
	CHECK(err.kind == CKS_ERR_BAD_RESPONSE);
	CHECK_STR(err.message, "HTTP 400 with a JSON body that is not an object");
	aws_error_free(&err);

	/* truncated JSON and non-UTF-8 bytes are not JSON */
	parse_error(400, NULL, NULL, "{\"__type\":\"Throttl", &err);
	CHECK_STR(err.message, "HTTP 400 with a non-JSON body");
	aws_error_free(&err);
	parse_error(400, NULL, NULL, "{\"__type\":\"\xff\xfe\"}", &err);
	CHECK_STR(err.message, "HTTP 400 with a non-JSON body");
	aws_error_free(&err);

	/* a non-JSON body does not hide the header's code */
	parse_error(503, "ServiceUnavailableException", NULL,
				"<html>busy</html>", &err);
	CHECK(err.kind == CKS_ERR_AWS);
	CHECK_STR(err.code, "ServiceUnavailableException");
	CHECK(err.message == NULL);
	aws_error_free(&err);
}

/* Large and hostile inputs: refused cleanly, never a crash. */
static void
test_error_hostile_bodies(void)
{
	CksAwsError err;
	size_t		len = 4 * 1024 * 1024;
	char	   *big = malloc(len + 1);
	const char *prefix = "{\"__type\":\"X\",\"message\":\"";
	size_t		i;

	if (!CHECK(big != NULL))
		return;

	/* 4 MB of '[' */
	memset(big, '[', len);
	big[len] = '\0';
	parse_error(400, NULL, NULL, big, &err);
	CHECK(err.kind == CKS_ERR_BAD_RESPONSE);
	CHECK_STR(err.message, "HTTP 400 with a non-JSON body");
	aws_error_free(&err);

	/* a 4 MB message passes through whole */
	strcpy(big, prefix);
	for (i = strlen(prefix); i < len - 2; i++)
		big[i] = 'm';
	strcpy(big + len - 2, "\"}");
	parse_error(400, NULL, NULL, big, &err);
	CHECK(err.kind == CKS_ERR_AWS);
	CHECK(err.message != NULL &&
		  strlen(err.message) == len - 2 - strlen(prefix));
	aws_error_free(&err);

	/* binary noise */
	for (i = 0; i < len; i++)
		big[i] = (char) ((i * 2654435761u) >> 13);
	aws_json_parse_error(500, NULL, NULL, big, len, &err);
	CHECK(err.kind == CKS_ERR_BAD_RESPONSE);
	aws_error_free(&err);

	free(big);
}

void
run_json_error_tests(void)
{
	test_sanitize_error_code();
	test_error_documents();
	test_error_bad_bodies();
	test_error_hostile_bodies();
}
