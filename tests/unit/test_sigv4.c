/*-------------------------------------------------------------------------
 *
 * test_sigv4.c
 *	  Checks src/aws/sigv4.c against signatures computed by others: AWS's own
 *	  SigV4 test suite (aws-c-auth vectors) and KMS requests signed by
 *	  botocore, both read in place from ../shared; test_sigv4_cases.c has
 *	  a few botocore results written down, so that a clone without
 *	  ../shared still tests signing.
 *
 *	  A signature we compute alone proves nothing: every expectation here
 *	  was produced by an independent implementation.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <dirent.h>
#include <time.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "aws/sigv4.h"
#include "test_sigv4.h"
#include "unit.h"

/* A request.txt of the AWS suite, split into what SigV4Request needs. */
typedef struct VectorRequest
{
	char	   *method;
	char	   *path;
	char	   *query;			/* NULL when the target has no '?' */
	CksHeader  *headers;		/* room for one more, see run_vector_case */
	int			nheaders;
	const char *body;
	size_t		body_len;
} VectorRequest;

/*
 * Compare everything signing produced with what an independent signer
 * produced, naming the case in every message so that a failure says which
 * vector broke.  A NULL expectation is not compared.  True if all matched.
 */
bool
sigv4_check_signature(const char *casename, const SigV4Signature *got,
				const char *canonical_request, const char *string_to_sign,
				const char *signature, const char *authorization)
{
	bool		ok = true;

	if (canonical_request)
		ok &= unit_check_str(got->canonical_request, canonical_request,
							 __FILE__, __LINE__,
							 psprintf("%s: canonical request", casename));
	if (string_to_sign)
		ok &= unit_check_str(got->string_to_sign, string_to_sign,
							 __FILE__, __LINE__,
							 psprintf("%s: string to sign", casename));
	if (signature)
		ok &= unit_check_str(got->signature, signature, __FILE__, __LINE__,
							 psprintf("%s: signature", casename));
	if (authorization)
		ok &= unit_check_str(got->authorization, authorization,
							 __FILE__, __LINE__,
							 psprintf("%s: authorization", casename));
	return ok;
}

/*
 * A UTC timestamp in the given sscanf layout (six integers, year first)
 * as time_t.  The whole text must match, so "2015-08-30T12:36:00+02:00"
 * is refused rather than read as UTC.
 */
static bool
parse_utc_timestamp(const char *text, const char *layout, time_t *out)
{
	struct tm	tm;
	int			consumed = -1;

	memset(&tm, 0, sizeof(tm));
	if (text == NULL ||
		sscanf(text, layout, &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
			   &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &consumed) != 6 ||
		consumed < 0 || text[consumed] != '\0')
		return false;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	*out = timegm(&tm);
	return *out != (time_t) -1;
}

#define ISO8601_LAYOUT	"%4d-%2d-%2dT%2d:%2d:%2dZ%n"
#define AMZ_DATE_LAYOUT "%4d%2d%2dT%2d%2d%2dZ%n"

/* The vector files carry no trailing newline, but tolerate one. */
static char *
read_expected(const char *dir, const char *file)
{
	char	   *text = unit_read_file(psprintf("%s/%s", dir, file), NULL);
	size_t		len;

	if (text == NULL)
		return NULL;
	len = strlen(text);
	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
		text[--len] = '\0';
	return text;
}

/*
 * The value of the Authorization line of header-signed-request.txt; a
 * placeholder that matches nothing when the line is missing, so that the
 * comparison fails instead of being skipped.
 */
static char *
signed_request_authorization(const char *signed_request)
{
	const char *line = strstr(signed_request, "\nAuthorization:");
	const char *end;

	if (line == NULL)
		return pstrdup("(no Authorization line in header-signed-request.txt)");
	line += strlen("\nAuthorization:");
	end = strchr(line, '\n');
	return pnstrdup(line, end ? (size_t) (end - line) : strlen(line));
}

/* The last occurrence of needle in haystack, or NULL. */
static char *
find_last(char *haystack, const char *needle)
{
	char	   *last = NULL;
	char	   *hit = haystack;

	while ((hit = strstr(hit, needle)) != NULL)
		last = hit++;
	return last;
}

/*
 * Split a request.txt: "METHOD TARGET HTTP/1.1", header lines, a blank
 * line, the body.  The target may contain spaces (get-space-*), so it ends
 * at the last " HTTP/".  A line starting with whitespace continues the
 * previous header's value (get-header-value-multiline); it is kept with
 * its line break so that folding it is the signer's job, not ours.
 * text is modified in place; the result points into it.
 */
static bool
parse_vector_request(char *text, size_t len, VectorRequest *req)
{
	char	   *end_of_text = text + len;
	char	   *line = text;
	char	   *line_end;
	char	   *version;
	char	   *target;
	char	   *question;
	int			max_headers = 2;
	char	   *p;

	memset(req, 0, sizeof(*req));
	for (p = text; p < end_of_text; p++)
		if (*p == '\n')
			max_headers++;
	req->headers = palloc0(sizeof(CksHeader) * max_headers);

	line_end = strchr(line, '\n');
	if (line_end == NULL)
		return false;
	*line_end = '\0';
	if (line_end > line && line_end[-1] == '\r')
		line_end[-1] = '\0';
	version = find_last(line, " HTTP/");
	target = strchr(line, ' ');
	if (version == NULL || target == NULL || target >= version)
		return false;
	*version = '\0';
	*target++ = '\0';
	req->method = line;
	req->path = target;
	question = strchr(target, '?');
	if (question)
	{
		*question = '\0';
		req->query = question + 1;
	}

	req->body = end_of_text;
	line = line_end + 1;
	while (line < end_of_text)
	{
		char	   *colon;

		line_end = memchr(line, '\n', end_of_text - line);
		if (line_end == NULL)
			line_end = end_of_text;
		*line_end = '\0';
		if (line_end > line && line_end[-1] == '\r')
			line_end[-1] = '\0';

		if (line[0] == '\0')
		{
			req->body = line_end < end_of_text ? line_end + 1 : end_of_text;
			break;
		}
		if (line[0] == ' ' || line[0] == '\t')
		{
			CksHeader  *previous;

			if (req->nheaders == 0)
				return false;
			previous = &req->headers[req->nheaders - 1];
			previous->value = psprintf("%s\n%s", previous->value, line);
		}
		else
		{
			colon = strchr(line, ':');
			if (colon == NULL)
				return false;
			*colon = '\0';
			req->headers[req->nheaders].name = line;
			req->headers[req->nheaders].value = colon + 1;
			req->nheaders++;
		}
		line = line_end + 1;
	}
	req->body_len = end_of_text - req->body;
	return true;
}

static const char *
json_string_member(struct json_object *obj, const char *key)
{
	struct json_object *member;

	if (!json_object_object_get_ex(obj, key, &member) ||
		!json_object_is_type(member, json_type_string))
		return NULL;
	return json_object_get_string(member);
}

static bool
json_bool_member(struct json_object *obj, const char *key, bool missing)
{
	struct json_object *member;

	if (!json_object_object_get_ex(obj, key, &member))
		return missing;
	return json_object_get_boolean(member);
}

/* What the AWS suite says one case must sign to (header-* files). */
typedef struct VectorExpectation
{
	char	   *canonical_request;
	char	   *string_to_sign;
	char	   *signature;
	char	   *signed_request;	/* we compare its Authorization line */
} VectorExpectation;

/*
 * Build the SigV4Request a case describes, sign it and compare.  Every
 * header-signing case applies to us, with two adaptations the suite's own
 * flags ask for:
 *   sign_body: the signer is expected to add x-amz-content-sha256 (S3
 *     style).  Our signer never adds it (KMS and STS do not want it), so
 *     the test adds the header, as a caller needing it would.
 *   omit_session_token: the token is attached after signing, unsigned.
 *     Our signer always signs a token it is given, so the test signs
 *     without the token, which is what such a caller's signature covers.
 * request_text is modified.  True if every comparison matched.
 */
static bool
sign_vector_case(const char *casename, struct json_object *context,
				 char *request_text, size_t request_len,
				 const VectorExpectation *expected)
{
	struct json_object *credentials = NULL;
	const char *region = json_string_member(context, "region");
	const char *service = json_string_member(context, "service");
	VectorRequest vreq;
	SigV4Request req;
	SigV4Credentials creds;
	SigV4Signature sig;
	time_t		when = 0;
	bool		ok;

	memset(&creds, 0, sizeof(creds));
	if (json_object_object_get_ex(context, "credentials", &credentials))
	{
		creds.access_key_id = json_string_member(credentials, "access_key_id");
		creds.secret_access_key = json_string_member(credentials,
													 "secret_access_key");
		creds.session_token = json_string_member(credentials, "token");
	}
	if (json_bool_member(context, "omit_session_token", false))
		creds.session_token = NULL;

	ok = unit_check(creds.access_key_id != NULL &&
					creds.secret_access_key != NULL &&
					region != NULL && service != NULL &&
					parse_utc_timestamp(json_string_member(context, "timestamp"),
										ISO8601_LAYOUT, &when),
					__FILE__, __LINE__, casename,
					"context.json lacks credentials, region, service or an ISO-8601 timestamp");
	ok &= unit_check(parse_vector_request(request_text, request_len, &vreq),
					 __FILE__, __LINE__, casename, "request.txt not understood");
	if (!ok)
		return false;

	if (json_bool_member(context, "sign_body", false))
	{
		char	   *payload_hash = palloc(65);

		sigv4_sha256_hex(vreq.body, vreq.body_len, payload_hash);
		vreq.headers[vreq.nheaders].name = "X-Amz-Content-Sha256";
		vreq.headers[vreq.nheaders].value = payload_hash;
		vreq.nheaders++;
	}

	memset(&req, 0, sizeof(req));
	req.method = vreq.method;
	req.path = vreq.path;
	req.query = vreq.query;
	req.headers = vreq.headers;
	req.nheaders = vreq.nheaders;
	req.body = vreq.body;
	req.body_len = vreq.body_len;
	req.normalize_path = json_bool_member(context, "normalize", true);

	if (!unit_check(sigv4_sign(&req, &creds, region, service, when, &sig),
					__FILE__, __LINE__, casename, "sigv4_sign failed"))
		return false;
	return sigv4_check_signature(casename, &sig, expected->canonical_request,
						   expected->string_to_sign, expected->signature,
						   signed_request_authorization(expected->signed_request));
}

/*
 * One directory of the AWS suite: read its files, sign, compare.  The
 * query-* files (presigned URLs) are not read: we only sign headers.
 */
static bool
run_vector_case(const char *suite_dir, const char *casename)
{
	char	   *dir = psprintf("%s/%s", suite_dir, casename);
	char	   *context_text = unit_read_file(psprintf("%s/context.json", dir),
											  NULL);
	size_t		request_len = 0;
	char	   *request_text = unit_read_file(psprintf("%s/request.txt", dir),
											  &request_len);
	struct json_object *context = NULL;
	VectorExpectation expected;
	bool		ok;

	expected.canonical_request = read_expected(dir, "header-canonical-request.txt");
	expected.string_to_sign = read_expected(dir, "header-string-to-sign.txt");
	expected.signature = read_expected(dir, "header-signature.txt");
	expected.signed_request = read_expected(dir, "header-signed-request.txt");
	if (context_text)
		context = json_tokener_parse(context_text);

	ok = unit_check(context != NULL && request_text != NULL &&
					expected.canonical_request != NULL &&
					expected.string_to_sign != NULL &&
					expected.signature != NULL &&
					expected.signed_request != NULL,
					__FILE__, __LINE__, casename,
					"context.json, request.txt or a header-* file missing or unreadable");
	if (ok)
		ok = sign_vector_case(casename, context, request_text, request_len,
							  &expected);

	json_object_put(context);
	free(context_text);
	free(request_text);
	free(expected.canonical_request);
	free(expected.string_to_sign);
	free(expected.signature);
	free(expected.signed_request);
	return ok;
}

static int
count_query_files(const char *dir)
{
	DIR		   *d = opendir(dir);
	struct dirent *entry;
	int			count = 0;

	if (d == NULL)
		return 0;
	while ((entry = readdir(d)) != NULL)
		if (strncmp(entry->d_name, "query-", 6) == 0)
			count++;
	closedir(d);
	return count;
}

static int
select_case_directory(const struct dirent *entry)
{
	return entry->d_name[0] != '.';
}

/* Every case of aws-signing-test-suite/v4, in name order. */
static void
run_aws_suite(const char *testdata)
{
	char	   *suite_dir = psprintf("%s/aws-signing-test-suite/v4", testdata);
	struct dirent **entries = NULL;
	int			ncases = scandir(suite_dir, &entries, select_case_directory,
								 alphasort);
	int			npassed = 0;
	int			nquery_files = 0;
	int			i;

	if (!unit_check(ncases > 0, __FILE__, __LINE__, suite_dir,
					"no test cases found"))
		return;

	for (i = 0; i < ncases; i++)
	{
		const char *casename = entries[i]->d_name;
		char	   *dir = psprintf("%s/%s", suite_dir, casename);

		nquery_files += count_query_files(dir);
		if (run_vector_case(suite_dir, casename))
			npassed++;
		else
			fprintf(stderr, "FAIL aws-signing-test-suite case %s\n", casename);
		free(entries[i]);
	}
	free(entries);

	printf("sigv4: aws-signing-test-suite: %d of %d cases passed\n",
		   npassed, ncases);
	if (nquery_files > 0)
		unit_skip(psprintf("aws-signing-test-suite query-* files (%d)",
						   nquery_files),
				  "presigned URLs are not implemented; header signing of the same cases is checked");
}

/*
 * What cks_fdw's request code does with an endpoint URL: path and query
 * for signing, and the Host header with the port only when it is not the
 * scheme's default (curl's CURLU_NO_DEFAULT_PORT).
 */
static bool
split_url(const char *url, char **host_header, char **path, char **query)
{
	CURLU	   *u = curl_url();
	char	   *host = NULL;
	char	   *port = NULL;
	char	   *url_path = NULL;
	char	   *url_query = NULL;
	bool		ok;

	ok = u != NULL &&
		curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
		curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
		curl_url_get(u, CURLUPART_PATH, &url_path, 0) == CURLUE_OK;
	if (ok)
	{
		if (curl_url_get(u, CURLUPART_PORT, &port, CURLU_NO_DEFAULT_PORT) != CURLUE_OK)
			port = NULL;
		if (curl_url_get(u, CURLUPART_QUERY, &url_query, 0) != CURLUE_OK)
			url_query = NULL;
		*host_header = port ? psprintf("%s:%s", host, port) : pstrdup(host);
		*path = pstrdup(url_path);
		*query = url_query ? pstrdup(url_query) : NULL;
	}
	curl_free(host);
	curl_free(port);
	curl_free(url_path);
	curl_free(url_query);
	curl_url_cleanup(u);
	return ok;
}

/*
 * One case of kms-sigv4-golden.json: a DescribeCustomKeyStores request
 * exactly as cks_fdw builds it, signed by botocore.  True if it matched.
 */
static bool
run_golden_case(struct json_object *c)
{
	const char *name = json_string_member(c, "name");
	const char *url = json_string_member(c, "url");
	const char *body = json_string_member(c, "body_utf8");
	struct json_object *before = NULL;
	CksHeader  *headers;
	int			nheaders = 0;
	char	   *host_header = NULL;
	char	   *path = NULL;
	char	   *query = NULL;
	SigV4Request req;
	SigV4Credentials creds;
	SigV4Signature sig;
	time_t		when = 0;
	bool		ok;

	if (name == NULL)
		name = "(unnamed golden case)";
	if (!unit_check(url != NULL && body != NULL &&
					json_string_member(c, "canonical_request") != NULL &&
					json_string_member(c, "string_to_sign") != NULL &&
					json_string_member(c, "signature") != NULL &&
					json_string_member(c, "authorization") != NULL &&
					json_object_object_get_ex(c, "headers_before_signing",
											  &before) &&
					json_object_is_type(before, json_type_object) &&
					split_url(url, &host_header, &path, &query) &&
					parse_utc_timestamp(json_string_member(c, "amz_date"),
										AMZ_DATE_LAYOUT, &when),
					__FILE__, __LINE__, name,
					"golden case lacks url, body_utf8, headers_before_signing, amz_date or an expected value"))
		return false;

	headers = palloc0(sizeof(CksHeader) * (json_object_object_length(before) + 1));
	{
		json_object_object_foreach(before, key, value)
		{
			headers[nheaders].name = key;
			headers[nheaders].value = json_object_get_string(value);
			nheaders++;
		}
	}
	headers[nheaders].name = "Host";
	headers[nheaders].value = host_header;
	nheaders++;

	memset(&req, 0, sizeof(req));
	req.method = "POST";
	req.path = path;
	req.query = query;
	req.headers = headers;
	req.nheaders = nheaders;
	req.body = body;
	req.body_len = strlen(body);
	req.normalize_path = true;

	memset(&creds, 0, sizeof(creds));
	creds.access_key_id = json_string_member(c, "access_key_id");
	creds.secret_access_key = json_string_member(c, "secret_access_key");
	creds.session_token = json_string_member(c, "session_token");

	/* the loopback endpoint keeps its port in Host, and so in the signature */
	if (strcmp(name, "describe-loopback-port") == 0)
		unit_check_str(host_header, "127.0.0.1:4566", __FILE__, __LINE__,
					   "describe-loopback-port: Host header from URL");

	if (!unit_check(sigv4_sign(&req, &creds, json_string_member(c, "region"),
							   json_string_member(c, "service"), when, &sig),
					__FILE__, __LINE__, name, "sigv4_sign failed"))
		return false;
	ok = unit_check_str(sig.amz_date, json_string_member(c, "amz_date"),
						__FILE__, __LINE__, psprintf("%s: amz date", name));
	ok &= sigv4_check_signature(name, &sig,
						  json_string_member(c, "canonical_request"),
						  json_string_member(c, "string_to_sign"),
						  json_string_member(c, "signature"),
						  json_string_member(c, "authorization"));
	return ok;
}

static void
run_kms_golden(const char *testdata)
{
	char	   *file = psprintf("%s/kms-sigv4-golden.json", testdata);
	char	   *text = unit_read_file(file, NULL);
	struct json_object *golden = text ? json_tokener_parse(text) : NULL;
	struct json_object *cases = NULL;
	bool		saw_loopback = false;
	int			ncases = 0;
	int			npassed = 0;
	int			i;

	if (!unit_check(golden != NULL &&
					json_object_object_get_ex(golden, "cases", &cases) &&
					json_object_is_type(cases, json_type_array) &&
					json_object_array_length(cases) > 0,
					__FILE__, __LINE__, file, "missing, not JSON, or no cases"))
	{
		json_object_put(golden);
		free(text);
		return;
	}

	ncases = (int) json_object_array_length(cases);
	for (i = 0; i < ncases; i++)
	{
		struct json_object *c = json_object_array_get_idx(cases, i);
		const char *name = json_string_member(c, "name");

		if (name && strcmp(name, "describe-loopback-port") == 0)
			saw_loopback = true;
		if (run_golden_case(c))
			npassed++;
		else
			fprintf(stderr, "FAIL kms-sigv4-golden case %s\n",
					name ? name : "(unnamed)");
	}
	unit_check(saw_loopback, __FILE__, __LINE__, file,
			   "the describe-loopback-port case (Host with port) is missing");
	printf("sigv4: kms-sigv4-golden: %d of %d cases passed\n", npassed, ncases);

	json_object_put(golden);
	free(text);
}

void
run_sigv4_tests(void)
{
	const char *testdata = unit_shared_testdata();

	run_sigv4_written_down_cases();

	if (testdata == NULL)
	{
		unit_skip("sigv4: aws-signing-test-suite and kms-sigv4-golden",
				  "../shared absent");
		return;
	}
	run_aws_suite(testdata);
	run_kms_golden(testdata);
}
