/*-------------------------------------------------------------------------
 *
 * test_kms.c
 *	  Unit tests of src/aws_json.c and src/aws_json_fields.c as
 *	  DescribeCustomKeyStores's descriptor drives them: the request body
 *	  (byte for byte, against botocore's golden bodies when ../shared is
 *	  there), the strict page parse and the entry accessors.  The AWS JSON
 *	  1.1 error rules are in test_json_errors.c.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <json-c/json.h>

#include "aws_json.h"
#include "unit.h"

/*
 * The XKS entry (over a VPC endpoint) of the page below, exactly as
 * aws_json_entry_json must give it back.
 */
#define XKS_ENTRY \
"{\"ConnectionErrorCode\":null," \
"\"ConnectionState\":\"CONNECTED\"," \
"\"CreationDate\":1700000000.123," \
"\"CustomKeyStoreId\":\"cks-9876543210fedcba9\"," \
"\"CustomKeyStoreName\":\"ExampleVPCExternalKeyStore\"," \
"\"CustomKeyStoreType\":\"EXTERNAL_KEY_STORE\"," \
"\"XksProxyConfiguration\":{" \
"\"AccessKeyId\":\"ABCDE12345670EXAMPLE\"," \
"\"Connectivity\":\"VPC_ENDPOINT_SERVICE\"," \
"\"UriEndpoint\":\"https://myproxy-private.xks.example.com\"," \
"\"UriPath\":\"/kms/xks/v1\"," \
"\"VpcEndpointServiceName\":\"com.amazonaws.vpce.us-east-1.vpce-svc-example1\"," \
"\"VpcEndpointServiceOwner\":\"111122223333\"}}"

/* A realistic page: one CloudHSM key store, one XKS over a VPC endpoint. */
static const char *two_store_page =
"{\"CustomKeyStores\":["
"{\"CloudHsmClusterId\":\"cluster-1a23b4cdefg\","
"\"ConnectionState\":\"CONNECTED\","
"\"CreationDate\":1.499288695918E9,"
"\"CustomKeyStoreId\":\"cks-1234567890abcdef0\","
"\"CustomKeyStoreName\":\"ExampleKeyStore\","
"\"CustomKeyStoreType\":\"AWS_CLOUDHSM\","
"\"TrustAnchorCertificate\":\"-----BEGIN CERTIFICATE-----\\nMIIDXTCCAkWgAwIBAgIJAJC1HiIAZAiIMA0G\\n-----END CERTIFICATE-----\"},"
XKS_ENTRY "],"
"\"NextMarker\":null,"
"\"Truncated\":false}";

/* The second entry above, as it must come back from aws_json_entry_json. */
static const char *xks_entry_json = XKS_ENTRY;

/* ----------------------------------------------------------------
 * Request bodies
 * ----------------------------------------------------------------
 */

/* DescribeCustomKeyStores's parameters; NULL / 0 means "absent". */
typedef struct DescribeParams
{
	const char *custom_key_store_id;
	const char *custom_key_store_name;
	int			limit;
	const char *marker;
} DescribeParams;

/* The body the operation's descriptor builds for these parameters. */
static void
check_body(const DescribeParams *params, const char *want)
{
	const char *values[CKS_MAX_OPERATION_PARAMETERS] = {
		params->custom_key_store_id, params->custom_key_store_name
	};
	char	   *body = aws_json_list_request(&cks_op_describe_custom_key_stores,
											 values, params->marker,
											 params->limit);

	CHECK_STR(body, want);
	pfree(body);
}

/*
 * All 16 combinations of the four parameters: each present parameter
 * appears once, in botocore's order, and nothing else does.
 */
static void
test_request_body_combinations(void)
{
	static const char *fragment[4] = {
		"\"CustomKeyStoreId\":\"cks-1234567890abcdef0\"",
		"\"CustomKeyStoreName\":\"ExampleKeyStore\"",
		"\"Limit\":1000",
		"\"Marker\":\"AQICAHh+/==\"",
	};
	int			mask;

	for (mask = 0; mask < 16; mask++)
	{
		DescribeParams params = {0};
		char		want[512] = "{";
		int			i;

		if (mask & 1)
			params.custom_key_store_id = "cks-1234567890abcdef0";
		if (mask & 2)
			params.custom_key_store_name = "ExampleKeyStore";
		if (mask & 4)
			params.limit = 1000;
		if (mask & 8)
			params.marker = "AQICAHh+/==";
		for (i = 0; i < 4; i++)
		{
			if (mask & (1 << i))
			{
				if (want[1] != '\0')
					strcat(want, ",");
				strcat(want, fragment[i]);
			}
		}
		strcat(want, "}");
		check_body(&params, want);
	}
}

static void
test_request_body_escaping(void)
{
	DescribeParams params = {0};

	/* non-ASCII goes through as raw UTF-8, like botocore's body */
	params.custom_key_store_name = "Ünïcode ключ 🔑";
	check_body(&params, "{\"CustomKeyStoreName\":\"Ünïcode ключ 🔑\"}");

	/* quotes, backslashes and control characters are escaped, '/' is not */
	params.custom_key_store_name = "my \"quoted\" C:\\keys/store\ttab\x01";
	check_body(&params,
			   "{\"CustomKeyStoreName\":\"my \\\"quoted\\\" C:\\\\keys/store\\ttab\\u0001\"}");

	/* an empty string is still a present parameter */
	params.custom_key_store_name = "";
	check_body(&params, "{\"CustomKeyStoreName\":\"\"}");

	/* Limit 0 means absent */
	params.custom_key_store_name = NULL;
	params.limit = 0;
	check_body(&params, "{}");
	params.limit = 1;
	check_body(&params, "{\"Limit\":1}");
}

/*
 * The golden file's bodies are what botocore sent for those requests and
 * what its signatures cover: rebuild each from its own parameters and
 * compare the bytes.
 */
static void
test_request_body_golden(void)
{
	const char *dir = unit_shared_testdata();
	char		path[1024];
	char	   *text;
	struct json_object *golden;
	struct json_object *cases;
	size_t		i;
	int			compared = 0;

	if (dir == NULL)
	{
		unit_skip("kms golden request bodies",
				  "../shared/testdata is absent");
		return;
	}
	snprintf(path, sizeof(path), "%s/kms-sigv4-golden.json", dir);
	text = unit_read_file(path, NULL);
	if (!CHECK(text != NULL))
		return;
	golden = json_tokener_parse(text);
	free(text);
	if (!CHECK(golden != NULL) ||
		!CHECK(json_object_object_get_ex(golden, "cases", &cases)))
	{
		json_object_put(golden);
		return;
	}

	for (i = 0; i < json_object_array_length(cases); i++)
	{
		struct json_object *c = json_object_array_get_idx(cases, i);
		struct json_object *body_obj;
		struct json_object *sent;
		struct json_object *v;
		DescribeParams params = {0};
		const char *want;

		if (!CHECK(json_object_object_get_ex(c, "body_utf8", &body_obj)))
			continue;
		want = json_object_get_string(body_obj);
		sent = json_tokener_parse(want);
		if (!CHECK(sent != NULL))
			continue;
		if (json_object_object_get_ex(sent, "CustomKeyStoreId", &v))
			params.custom_key_store_id = json_object_get_string(v);
		if (json_object_object_get_ex(sent, "CustomKeyStoreName", &v))
			params.custom_key_store_name = json_object_get_string(v);
		if (json_object_object_get_ex(sent, "Limit", &v))
			params.limit = json_object_get_int(v);
		if (json_object_object_get_ex(sent, "Marker", &v))
			params.marker = json_object_get_string(v);
		check_body(&params, want);
		compared++;
		json_object_put(sent);
	}
	/* the file has six cases, among them the Unicode name */
	CHECK(compared >= 6);
	json_object_put(golden);
}

/* ----------------------------------------------------------------
 * Page parsing
 * ----------------------------------------------------------------
 */

static bool
parse_page(const char *body, CksJsonPage *page, CksAwsError *err)
{
	memset(err, 0, sizeof(*err));
	return aws_json_parse_page(&cks_op_describe_custom_key_stores.page,
							   body, body ? strlen(body) : 0, 200, page, err);
}

static void
test_parse_normal_page(void)
{
	CksJsonPage		page;
	CksAwsError err;

	if (!CHECK(parse_page(two_store_page, &page, &err)))
		return;
	CHECK(page.root != NULL);
	CHECK(page.entries != NULL);
	CHECK(page.nentries == 2);
	CHECK(page.next_token == NULL);
	CHECK(!page.truncated);
	CHECK(err.kind == CKS_OK);
	aws_json_page_free(&page);
	CHECK(page.root == NULL && page.nentries == 0);
	/* freeing twice is harmless */
	aws_json_page_free(&page);
}

static void
test_parse_empty_pages(void)
{
	CksJsonPage		page;
	CksAwsError err;

	/* an empty list */
	if (CHECK(parse_page("{\"CustomKeyStores\":[],\"Truncated\":false}",
						 &page, &err)))
	{
		CHECK(page.nentries == 0);
		CHECK(!page.truncated);
		aws_json_page_free(&page);
	}

	/* CustomKeyStores left out altogether */
	if (CHECK(parse_page("{\"Truncated\":false}", &page, &err)))
	{
		CHECK(page.nentries == 0);
		CHECK(page.entries == NULL);
		aws_json_page_free(&page);
	}
	if (CHECK(parse_page(" {} \n", &page, &err)))
	{
		CHECK(page.nentries == 0);
		CHECK(!page.truncated);
		CHECK(page.next_token == NULL);
		aws_json_page_free(&page);
	}

	/* JSON null counts as absent */
	if (CHECK(parse_page("{\"CustomKeyStores\":null,\"NextMarker\":null,\"Truncated\":null}",
						 &page, &err)))
	{
		CHECK(page.nentries == 0);
		CHECK(!page.truncated);
		aws_json_page_free(&page);
	}
}

static void
test_parse_truncated_page(void)
{
	CksJsonPage		page;
	CksAwsError err;
	const char *body =
	"{\n  \"CustomKeyStores\": [\n    {\"CustomKeyStoreId\": \"cks-1\"}\n  ],\n"
	"  \"NextMarker\": \"AQICAHh+/==\\u00e9\",\n  \"Truncated\": true\n}\n";

	if (!CHECK(parse_page(body, &page, &err)))
		return;
	CHECK(page.nentries == 1);
	CHECK(page.truncated);
	CHECK_STR(page.next_token, "AQICAHh+/==\xc3\xa9");
	aws_json_page_free(&page);
}

/* A DescribeCustomKeyStores page aws_json_parse_page must refuse with exactly 'want'. */
static void
check_bad_page(const char *body, size_t len, const char *want)
{
	CksJsonPage		page;
	CksAwsError err;

	memset(&err, 0, sizeof(err));
	memset(&page, 0x7f, sizeof(page));	/* must come back zeroed */
	CHECK(!aws_json_parse_page(&cks_op_describe_custom_key_stores.page,
							   body, len, 200, &page, &err));
	CHECK(err.kind == CKS_ERR_BAD_RESPONSE);
	CHECK(err.http_status == 200);
	CHECK(err.code == NULL);
	CHECK_STR(err.message, want);
	CHECK(page.root == NULL && page.entries == NULL &&
		  page.next_token == NULL && page.nentries == 0 && !page.truncated);
	aws_error_free(&err);
}

static void
check_bad_page_str(const char *body, const char *want)
{
	check_bad_page(body, strlen(body), want);
}

static void
test_parse_wrong_types(void)
{
	check_bad_page_str("{\"CustomKeyStores\":{}}",
					   "response field \"CustomKeyStores\" is not an array");
	check_bad_page_str("{\"CustomKeyStores\":\"none\"}",
					   "response field \"CustomKeyStores\" is not an array");
	check_bad_page_str("{\"CustomKeyStores\":[{\"CustomKeyStoreId\":\"cks-1\"},42]}",
					   "response field \"CustomKeyStores[1]\" is not an object");
	check_bad_page_str("{\"CustomKeyStores\":[null]}",
					   "response field \"CustomKeyStores[0]\" is not an object");
	check_bad_page_str("{\"CustomKeyStores\":[],\"NextMarker\":17}",
					   "response field \"NextMarker\" is not a string");
	check_bad_page_str("{\"CustomKeyStores\":[],\"Truncated\":\"true\"}",
					   "response field \"Truncated\" is not a boolean");
	check_bad_page_str("{\"CustomKeyStores\":[],\"Truncated\":1}",
					   "response field \"Truncated\" is not a boolean");
	/* a marker was parsed before the failure: must not leak (valgrind) */
	check_bad_page_str("{\"CustomKeyStores\":[],\"NextMarker\":\"m\",\"Truncated\":0}",
					   "response field \"Truncated\" is not a boolean");
	/* following this page would restart the listing forever */
	check_bad_page_str("{\"CustomKeyStores\":[],\"Truncated\":true}",
					   "response says \"Truncated\" but has no \"NextMarker\"");
	check_bad_page_str("{\"CustomKeyStores\":[],\"NextMarker\":\"\",\"Truncated\":true}",
					   "response says \"Truncated\" but has no \"NextMarker\"");
	/* found by fuzz_kms: a marker cut at its NUL would not be the marker */
	check_bad_page_str("{\"CustomKeyStores\":[],\"NextMarker\":\"\\u0000VyLTE=\",\"Truncated\":true}",
					   "response field \"NextMarker\" contains a NUL byte");
	check_bad_page_str("{\"CustomKeyStores\":[],\"NextMarker\":\"ab\\u0000c\"}",
					   "response field \"NextMarker\" contains a NUL byte");
}

static void
test_parse_not_json(void)
{
	char		deep[200];
	int			i;

	check_bad_page(NULL, 0, "response body is empty");
	check_bad_page("", 0, "response body is empty");
	check_bad_page_str("[{\"CustomKeyStoreId\":\"cks-1\"}]",
					   "response body is not a JSON object");
	check_bad_page_str("\"CustomKeyStores\"",
					   "response body is not a JSON object");
	check_bad_page_str("<html><title>502 Bad Gateway</title></html>",
					   "response body is not valid JSON: unexpected character at offset 0");
	/* cut short in the middle of the list */
	check_bad_page_str("{\"CustomKeyStores\":[{\"CustomKeyStoreId\":\"cks-1\"},",
					   "response body is not valid JSON: unexpected end of input");
	check_bad_page_str("{\"CustomKeyStores\":[]}{\"CustomKeyStores\":[]}",
					   "response body is not valid JSON: unexpected character at offset 22");
	check_bad_page_str("{\"CustomKeyStores\":[]}xyz",
					   "response body is not valid JSON: unexpected character at offset 22");
	/* a NUL byte ends json-c's view of the input: we still see the rest */
	check_bad_page("{\"CustomKeyStores\":[]}\0junk", 27,
				   "response body has unexpected data after the JSON value at offset 22");
	check_bad_page("{\"CustomKeyStores\":[],\"NextMarker\":\"a\xff\"}", 39,
				   "response body is not valid JSON: invalid utf-8 string at offset 37");
	/* single-quoted and trailing-comma JSON-ish text is not JSON */
	check_bad_page_str("{\"CustomKeyStores\":[],}",
					   "response body is not valid JSON: unexpected character at offset 22");

	/* nesting far deeper than any real page: refused, not a crash */
	strcpy(deep, "{\"CustomKeyStores\":");
	for (i = strlen(deep); i < (int) sizeof(deep) - 1; i++)
		deep[i] = '[';
	deep[sizeof(deep) - 1] = '\0';
	check_bad_page_str(deep,
					   "response body is not valid JSON: nesting too deep at offset 50");
}

/*
 * A page of 'n' copies of 'entry' (joined by commas) in a malloc'd buffer;
 * *len is its length.
 */
static char *
repeated_page(const char *entry, size_t n, size_t *len)
{
	const char *head = "{\"CustomKeyStores\":[";
	const char *tail = "],\"Truncated\":false}";
	size_t		entry_len = strlen(entry);
	size_t		size = strlen(head) + n * (entry_len + 1) + strlen(tail) + 1;
	char	   *body = malloc(size);
	char	   *p = body;
	size_t		i;

	if (body == NULL)
		return NULL;
	p += sprintf(p, "%s", head);
	for (i = 0; i < n; i++)
	{
		if (i > 0)
			*p++ = ',';
		memcpy(p, entry, entry_len);
		p += entry_len;
	}
	p += sprintf(p, "%s", tail);
	*len = p - body;
	return body;
}

/*
 * Bodies whose parse would cost far more memory than their size are
 * refused before json-c builds anything (8 MiB of "{}" once cost 3 GB),
 * while the densest real pages still parse.
 */
static void
test_parse_dense_bodies(void)
{
	CksJsonPage page;
	CksAwsError err;
	size_t		len;
	char	   *body;
	char		message[200];

	/* 8 MiB of empty entries */
	body = repeated_page("{}", 8 * 1024 * 1024 / 3, &len);
	if (!CHECK(body != NULL))
		return;
	snprintf(message, sizeof(message),
			 "response body is too dense to parse: %zu objects, 1 arrays and %zu values in %zu bytes",
			 (size_t) (8 * 1024 * 1024 / 3 + 1), (size_t) (8 * 1024 * 1024 / 3 + 2), len);
	check_bad_page(body, len, message);
	free(body);

	/* empty arrays, and one-member objects: refused as well */
	body = repeated_page("[]", 4 * 1024 * 1024 / 3, &len);
	memset(&err, 0, sizeof(err));
	CHECK(!aws_json_parse_page(&cks_op_describe_custom_key_stores.page, body, len, 200, &page, &err));
	CHECK(err.message != NULL && strncmp(err.message, "response body is too dense", 26) == 0);
	aws_error_free(&err);
	free(body);
	body = repeated_page("{\"a\":1}", 8 * 1024 * 1024 / 8, &len);
	memset(&err, 0, sizeof(err));
	CHECK(!aws_json_parse_page(&cks_op_describe_custom_key_stores.page, body, len, 200, &page, &err));
	CHECK(err.message != NULL && strncmp(err.message, "response body is too dense", 26) == 0);
	aws_error_free(&err);
	free(body);

	/* braces inside strings are text, not objects */
	body = repeated_page("{\"CustomKeyStoreName\":\"{{{{{{{{{{{{{{{{{{{{{{{{{{{{[[[[[[[[[[[[[[[[,,,,,,:::::\\\"{{{{{{\"}", 1000, &len);
	memset(&err, 0, sizeof(err));
	if (CHECK(aws_json_parse_page(&cks_op_describe_custom_key_stores.page, body, len, 200, &page, &err)))
		CHECK(page.nentries == 1000);
	aws_json_page_free(&page);
	free(body);

	/* the densest real page: 1,000 XKS entries with every field */
	body = repeated_page("{\"CustomKeyStoreId\":\"cks-1234567890abcdef0\","
						 "\"CustomKeyStoreName\":\"x\",\"ConnectionState\":\"CONNECTED\","
						 "\"CreationDate\":1.7E9,\"CustomKeyStoreType\":\"EXTERNAL_KEY_STORE\","
						 "\"XksProxyConfiguration\":{\"AccessKeyId\":\"AKIA\",\"Connectivity\":"
						 "\"VPC_ENDPOINT_SERVICE\",\"UriEndpoint\":\"https://x\",\"UriPath\":\"/\","
						 "\"VpcEndpointServiceName\":\"s\",\"VpcEndpointServiceOwner\":\"1\"}}",
						 1000, &len);
	memset(&err, 0, sizeof(err));
	if (CHECK(aws_json_parse_page(&cks_op_describe_custom_key_stores.page, body, len, 200, &page, &err)))
		CHECK(page.nentries == 1000);
	aws_json_page_free(&page);
	free(body);

	/* and 1,000 minimal entries */
	body = repeated_page("{\"CustomKeyStoreId\":\"c\"}", 1000, &len);
	memset(&err, 0, sizeof(err));
	if (CHECK(aws_json_parse_page(&cks_op_describe_custom_key_stores.page, body, len, 200, &page, &err)))
		CHECK(page.nentries == 1000);
	aws_json_page_free(&page);
	free(body);
}

/* ----------------------------------------------------------------
 * Entry accessors
 * ----------------------------------------------------------------
 */

/* The string accessor: plain and dotted names; absent, null, wrongly typed. */
static void
test_entry_accessors(void)
{
	CksJsonPage		page;
	CksAwsError err;
	struct json_object *hsm;
	struct json_object *xks;
	bool		type_ok;

	if (!CHECK(parse_page(two_store_page, &page, &err)))
		return;
	hsm = json_object_array_get_idx(page.entries, 0);
	xks = json_object_array_get_idx(page.entries, 1);

	/* plain and dotted strings */
	type_ok = false;
	CHECK_STR(aws_json_entry_string(hsm, "CustomKeyStoreId", &type_ok),
			  "cks-1234567890abcdef0");
	CHECK(type_ok);
	CHECK_STR(aws_json_entry_string(hsm, "TrustAnchorCertificate", &type_ok),
			  "-----BEGIN CERTIFICATE-----\nMIIDXTCCAkWgAwIBAgIJAJC1HiIAZAiIMA0G\n-----END CERTIFICATE-----");
	CHECK_STR(aws_json_entry_string(xks, "XksProxyConfiguration.UriEndpoint", &type_ok),
			  "https://myproxy-private.xks.example.com");
	CHECK(type_ok);
	CHECK_STR(aws_json_entry_string(xks, "XksProxyConfiguration.VpcEndpointServiceOwner", &type_ok),
			  "111122223333");

	/* absent, JSON null, absent parent: NULL and still type_ok */
	type_ok = false;
	CHECK(aws_json_entry_string(hsm, "ConnectionErrorCode", &type_ok) == NULL);
	CHECK(type_ok);
	type_ok = false;
	CHECK(aws_json_entry_string(xks, "ConnectionErrorCode", &type_ok) == NULL);
	CHECK(type_ok);
	type_ok = false;
	CHECK(aws_json_entry_string(hsm, "XksProxyConfiguration.UriEndpoint", &type_ok) == NULL);
	CHECK(type_ok);
	type_ok = false;
	CHECK(aws_json_entry_string(xks, "XksProxyConfiguration.NoSuchField", &type_ok) == NULL);
	CHECK(type_ok);

	/* wrong type: a number asked for as a string, a string as a parent */
	type_ok = true;
	CHECK(aws_json_entry_string(hsm, "CreationDate", &type_ok) == NULL);
	CHECK(!type_ok);
	type_ok = true;
	CHECK(aws_json_entry_string(hsm, "CustomKeyStoreName.Inner", &type_ok) == NULL);
	CHECK(!type_ok);
	type_ok = true;
	CHECK(aws_json_entry_string(xks, "XksProxyConfiguration", &type_ok) == NULL);
	CHECK(!type_ok);
	/* type_ok may be NULL */
	CHECK_STR(aws_json_entry_string(xks, "CustomKeyStoreType", NULL),
			  "EXTERNAL_KEY_STORE");

	aws_json_page_free(&page);
}

/* The numbers of a page's entries, their original text, the whole entry. */
static void
test_entry_numbers(void)
{
	CksJsonPage		page;
	CksAwsError err;
	struct json_object *hsm;
	struct json_object *xks;
	bool		type_ok = true;
	double		number;

	if (!CHECK(parse_page(two_store_page, &page, &err)))
		return;
	hsm = json_object_array_get_idx(page.entries, 0);
	xks = json_object_array_get_idx(page.entries, 1);

	/* numbers */
	number = 0;
	CHECK(aws_json_entry_number(xks, "CreationDate", &number, &type_ok));
	CHECK(type_ok);
	CHECK(number > 1700000000.12 && number < 1700000000.13);
	CHECK(aws_json_entry_number(hsm, "CreationDate", &number, &type_ok));
	CHECK(number > 1499288695.91 && number < 1499288695.92);
	type_ok = false;
	CHECK(!aws_json_entry_number(hsm, "NoSuchField", &number, &type_ok));
	CHECK(type_ok);
	type_ok = false;
	CHECK(!aws_json_entry_number(xks, "ConnectionErrorCode", &number, &type_ok));
	CHECK(type_ok);
	type_ok = true;
	CHECK(!aws_json_entry_number(hsm, "CustomKeyStoreName", &number, &type_ok));
	CHECK(!type_ok);

	/* the original text of numbers: every digit kept */
	CHECK_STR(aws_json_entry_raw_text(xks, "CreationDate"), "1700000000.123");
	CHECK_STR(aws_json_entry_raw_text(hsm, "CreationDate"), "1.499288695918E9");
	CHECK(aws_json_entry_raw_text(hsm, "CustomKeyStoreName") == NULL);
	CHECK(aws_json_entry_raw_text(hsm, "NoSuchField") == NULL);
	CHECK(aws_json_entry_raw_text(xks, "ConnectionErrorCode") == NULL);

	/* the whole entry, exactly as sent ("/" unescaped, null kept) */
	CHECK_STR(aws_json_entry_json(xks), xks_entry_json);
	/* and asking again for a raw text did not disturb it */
	CHECK_STR(aws_json_entry_raw_text(xks, "CreationDate"), "1700000000.123");

	aws_json_page_free(&page);
}

static void
test_entry_accessor_edges(void)
{
	CksJsonPage		page;
	CksAwsError err;
	struct json_object *entry;
	bool		type_ok;
	double		number;
	const char *body =
	"{\"CustomKeyStores\":[{\"Nul\":\"a\\u0000b\",\"Int\":1700000000,"
	"\"Big\":1e400,\"Bool\":true,\"Name\":\"\xc3\xa9t\xc3\xa9 \\\"q\\\" \\\\\","
	"\"Obj\":{\"Deep\":{\"Leaf\":\"x\"}}}]}";

	if (!CHECK(parse_page(body, &page, &err)))
		return;
	entry = json_object_array_get_idx(page.entries, 0);

	/* a string PostgreSQL could not hold is refused, not cut at the NUL */
	type_ok = true;
	CHECK(aws_json_entry_string(entry, "Nul", &type_ok) == NULL);
	CHECK(!type_ok);
	CHECK_STR(aws_json_entry_string(entry, "Name", &type_ok),
			  "\xc3\xa9t\xc3\xa9 \"q\" \\");
	CHECK(type_ok);
	CHECK_STR(aws_json_entry_string(entry, "Obj.Deep.Leaf", &type_ok), "x");

	/* integers are numbers too */
	CHECK(aws_json_entry_number(entry, "Int", &number, &type_ok));
	CHECK(number == 1700000000.0);
	CHECK_STR(aws_json_entry_raw_text(entry, "Int"), "1700000000");

	/* an infinite value is not a usable number */
	type_ok = true;
	CHECK(!aws_json_entry_number(entry, "Big", &number, &type_ok));
	CHECK(!type_ok);
	CHECK_STR(aws_json_entry_raw_text(entry, "Big"), "1e400");

	type_ok = true;
	CHECK(!aws_json_entry_number(entry, "Bool", &number, &type_ok));
	CHECK(!type_ok);
	CHECK(aws_json_entry_raw_text(entry, "Bool") == NULL);

	aws_json_page_free(&page);
}

void
run_kms_tests(void)
{
	test_request_body_combinations();
	test_request_body_escaping();
	test_request_body_golden();
	test_parse_normal_page();
	test_parse_empty_pages();
	test_parse_truncated_page();
	test_parse_wrong_types();
	test_parse_not_json();
	test_parse_dense_bodies();
	test_entry_accessors();
	test_entry_numbers();
	test_entry_accessor_edges();
}
