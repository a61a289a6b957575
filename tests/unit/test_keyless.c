/*-------------------------------------------------------------------------
 *
 * test_keyless.c
 *	  Unit tests of the keyless credential sources' backend-free parts:
 *	  src/credentials/keyless.c (option values, the chain's order, credential checks,
 *	  the metadata services' JSON document, token files, environment keys),
 *	  src/credentials/imds.c (endpoint selection, timeouts, token and role answers),
 *	  src/credentials/container_creds.c (URL and host rules, authorization token) and
 *	  the AssumeRoleWithWebIdentity body and response of src/aws/sts.c.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <sys/stat.h>
#include <unistd.h>

#include "credentials/container_creds.h"
#include "credentials/imds.h"
#include "credentials/keyless.h"
#include "aws/sts.h"
#include "unit.h"

/* ---- a fake environment ------------------------------------------------ */

#define MAX_FAKE_VARS 16
static const char *fake_names[MAX_FAKE_VARS];
static const char *fake_values[MAX_FAKE_VARS];
static int	nfake;

static void
env_clear(void)
{
	nfake = 0;
}

static void
env_set(const char *name, const char *value)
{
	fake_names[nfake] = name;
	fake_values[nfake++] = value;
}

static const char *
fake_getenv(const char *name)
{
	for (int i = 0; i < nfake; i++)
		if (strcmp(fake_names[i], name) == 0)
			return fake_values[i];
	return NULL;
}

/* A file in a fresh temporary directory, with these bytes. */
static char temp_dir[64];
static char *temp_paths[16];
static int	ntemp;

static char *
temp_file(const char *name, const char *content, size_t len)
{
	char	   *dir = temp_dir;
	char	   *path;
	FILE	   *f;

	if (dir[0] == '\0')
	{
		strcpy(dir, "/tmp/cks-unit.XXXXXX");
		if (mkdtemp(dir) == NULL)
			return NULL;
	}
	path = psprintf("%s/%s", dir, name);
	f = fopen(path, "wb");
	if (f == NULL)
		return NULL;
	fwrite(content, 1, len, f);
	fclose(f);
	if (ntemp < lengthof(temp_paths))
		temp_paths[ntemp++] = path;
	return path;
}

static void
remove_temp_files(void)
{
	for (int i = 0; i < ntemp; i++)
		unlink(temp_paths[i]);
	if (temp_dir[0] != '\0')
		rmdir(temp_dir);
}

/* ---- keyless.c ----------------------------------------------------------- */

static void
test_source_names(void)
{
	static const char *const names[] =
	{"instance", "container", "web_identity", "environment", "chain"};
	CksCredentialSource source;

	for (int i = 0; i < lengthof(names); i++)
	{
		CHECK(cks_credential_source_from_name(names[i], &source));
		CHECK_STR(cks_credential_source_name(source), names[i]);
	}
	CHECK(!cks_credential_source_from_name("Instance", &source));
	CHECK(!cks_credential_source_from_name("imds", &source));
	CHECK(!cks_credential_source_from_name("", &source));
}

static void
test_chain_order(void)
{
	env_clear();
	CHECK(cks_chain_source(fake_getenv) == CKS_SOURCE_INSTANCE);
	env_set("AWS_EC2_METADATA_DISABLED", "TRUE");
	CHECK(cks_chain_source(fake_getenv) == CKS_SOURCE_NONE);
	env_set("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1/c");
	CHECK(cks_chain_source(fake_getenv) == CKS_SOURCE_CONTAINER);
	/* a token file without a role is not web identity, as in botocore */
	env_set("AWS_WEB_IDENTITY_TOKEN_FILE", "/t");
	CHECK(cks_chain_source(fake_getenv) == CKS_SOURCE_CONTAINER);
	env_set("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/r");
	CHECK(cks_chain_source(fake_getenv) == CKS_SOURCE_WEB_IDENTITY);
	env_set("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE");
	CHECK(cks_chain_source(fake_getenv) == CKS_SOURCE_ENVIRONMENT);

	/* empty values count as unset */
	env_clear();
	env_set("AWS_ACCESS_KEY_ID", "");
	env_set("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "");
	CHECK(cks_chain_source(fake_getenv) == CKS_SOURCE_INSTANCE);
}

static void
test_credential_values(void)
{
	char		long_value[CKS_MAX_ACCESS_KEY_ID_LEN + 2];
	StsCredentials creds = {"AKIDEXAMPLE", "secret/key+x", "token==", 0};
	char	   *problem = NULL;

	CHECK(cks_credential_value_problem("AKIDEXAMPLE", 128) == NULL);
	CHECK(cks_credential_value_problem("", 128) != NULL);
	CHECK(cks_credential_value_problem(NULL, 128) != NULL);
	CHECK(cks_credential_value_problem("a b", 128) != NULL);
	CHECK(cks_credential_value_problem("ab\r\nX-Injected: 1", 128) != NULL);
	CHECK(cks_credential_value_problem("ab\x7f", 128) != NULL);
	memset(long_value, 'A', sizeof(long_value) - 1);
	long_value[sizeof(long_value) - 1] = '\0';
	CHECK(cks_credential_value_problem(long_value, CKS_MAX_ACCESS_KEY_ID_LEN) != NULL);
	CHECK(cks_header_value_problem("Bearer abc", 64, true) == NULL);
	CHECK(cks_header_value_problem("Bearer abc\n", 64, true) != NULL);

	CHECK(cks_check_credentials(&creds, false, &problem));
	creds.session_token = NULL;
	CHECK(cks_check_credentials(&creds, true, &problem));
	CHECK(!cks_check_credentials(&creds, false, &problem));
	CHECK(problem && strstr(problem, "session token") != NULL);
	creds.secret_access_key = "bad\nsecret";
	CHECK(!cks_check_credentials(&creds, true, &problem));
	/* the message names the field, never the value */
	CHECK(problem && strstr(problem, "secret access key") != NULL &&
		  strstr(problem, "bad") == NULL);
}

static void
test_environment_credentials(void)
{
	StsCredentials creds;
	char	   *problem = NULL;

	env_clear();
	CHECK(!cks_environment_credentials(fake_getenv, &creds, &problem));
	CHECK(problem && strstr(problem, "are not set") != NULL);

	env_set("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE");
	CHECK(!cks_environment_credentials(fake_getenv, &creds, &problem));
	CHECK(problem && strstr(problem, "AWS_SECRET_ACCESS_KEY is not") != NULL);

	env_set("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG");
	CHECK(cks_environment_credentials(fake_getenv, &creds, &problem));
	CHECK_STR(creds.access_key_id, "AKIDEXAMPLE");
	CHECK(creds.session_token == NULL && creds.expiration == 0);
	sts_credentials_free(&creds);
	CHECK(creds.access_key_id == NULL);

	env_set("AWS_SESSION_TOKEN", "tok\r\nen");
	CHECK(!cks_environment_credentials(fake_getenv, &creds, &problem));
	CHECK(creds.access_key_id == NULL);
}

#define GOOD_DOCUMENT \
	"{\"Code\": \"Success\", \"LastUpdated\": \"2024-05-01T10:00:00Z\", " \
	"\"Type\": \"AWS-HMAC\", \"AccessKeyId\": \"ASIAEXAMPLE\", " \
	"\"SecretAccessKey\": \"wJalrXUtnFEMI/K7MDENG\", \"Token\": \"IQoJb3JpZ2luX2Vj==\", " \
	"\"Expiration\": \"2024-05-01T16:00:00Z\"}"

static bool
document_fails(const char *body, bool require_code, const char *needle)
{
	StsCredentials creds;
	char	   *problem = NULL;
	bool		ok = cks_parse_credentials_document(body, strlen(body),
												   require_code, &creds,
												   &problem);

	return !ok && creds.access_key_id == NULL && problem != NULL &&
		strstr(problem, needle) != NULL;
}

static void
test_credentials_document(void)
{
	StsCredentials creds;
	char	   *problem = NULL;
	char	   *big;

	CHECK(cks_parse_credentials_document(GOOD_DOCUMENT, strlen(GOOD_DOCUMENT),
										 true, &creds, &problem));
	CHECK_STR(creds.access_key_id, "ASIAEXAMPLE");
	CHECK_STR(creds.session_token, "IQoJb3JpZ2luX2Vj==");
	CHECK(creds.expiration == 1714579200);	/* 2024-05-01T16:00:00Z */
	sts_credentials_free(&creds);

	/* the ECS/EKS endpoints need not send Code */
	CHECK(cks_parse_credentials_document(
		"{\"AccessKeyId\":\"ASIA1\",\"SecretAccessKey\":\"s\",\"Token\":\"t\","
		"\"Expiration\":\"2030-01-01T00:00:00.123Z\",\"RoleArn\":\"arn:aws:iam::1:role/x\"}",
		strlen("{\"AccessKeyId\":\"ASIA1\",\"SecretAccessKey\":\"s\",\"Token\":\"t\","
			   "\"Expiration\":\"2030-01-01T00:00:00.123Z\",\"RoleArn\":\"arn:aws:iam::1:role/x\"}"),
		false, &creds, &problem));
	sts_credentials_free(&creds);

	CHECK(document_fails("{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"s\",\"Token\":\"t\",\"Expiration\":\"2030-01-01T00:00:00Z\"}",
						 true, "\"Code\""));
	CHECK(document_fails("{\"Code\":\"AssumeRoleUnauthorizedAccess\",\"Message\":\"x\"}",
						 true, "is not \"Success\""));
	CHECK(document_fails("{\"Code\":\"Success\",\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"s\",\"Expiration\":\"2030-01-01T00:00:00Z\"}",
						 true, "\"Token\""));
	CHECK(document_fails("{\"Code\":\"Success\",\"AccessKeyId\":7,\"SecretAccessKey\":\"s\",\"Token\":\"t\",\"Expiration\":\"2030-01-01T00:00:00Z\"}",
						 true, "\"AccessKeyId\""));
	CHECK(document_fails("{\"Code\":\"Success\",\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"s\",\"Token\":\"t\",\"Expiration\":\"tomorrow\"}",
						 true, "Expiration"));
	/* a token that would inject a header is refused, and not quoted */
	CHECK(document_fails("{\"Code\":\"Success\",\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"s\",\"Token\":\"t\\r\\nX-Evil: 1\",\"Expiration\":\"2030-01-01T00:00:00Z\"}",
						 true, "session token"));
	CHECK(document_fails("[1,2]", true, "not a JSON object"));
	CHECK(document_fails("not json", true, "not valid JSON"));
	CHECK(document_fails(GOOD_DOCUMENT "x", true, "JSON"));

	big = palloc0(CKS_MAX_CREDENTIALS_DOCUMENT + 16);
	memset(big, ' ', CKS_MAX_CREDENTIALS_DOCUMENT + 8);
	big[0] = '{';
	big[CKS_MAX_CREDENTIALS_DOCUMENT + 8] = '}';
	CHECK(document_fails(big, true, "larger than"));
	pfree(big);
}

static void
test_token_files(void)
{
	char	   *problem = NULL;
	bool		missing = false;
	char	   *path;
	char	   *token;
	char	   *big;

	path = temp_file("token", "eyJhbGciOi.eyJzdWIi.c2ln\n", 25);
	token = cks_read_token_file(path, 100, false, &problem, &missing);
	CHECK_STR(token, "eyJhbGciOi.eyJzdWIi.c2ln");

	token = cks_read_token_file("/nonexistent/cks/token", 100, false, &problem, &missing);
	CHECK(token == NULL && missing && problem != NULL);

	path = temp_file("empty", "\n", 1);
	token = cks_read_token_file(path, 100, false, &problem, &missing);
	CHECK(token == NULL && !missing && strstr(problem, "empty") != NULL);

	path = temp_file("crlf", "abc\r\nX-Evil: 1\n", 15);
	token = cks_read_token_file(path, 100, true, &problem, &missing);
	CHECK(token == NULL && strstr(problem, "control character") != NULL);

	path = temp_file("nul", "abc\0def", 7);
	token = cks_read_token_file(path, 100, false, &problem, &missing);
	CHECK(token == NULL && strstr(problem, "NUL") != NULL);

	big = palloc(200);
	memset(big, 'a', 200);
	path = temp_file("big", big, 200);
	token = cks_read_token_file(path, 100, false, &problem, &missing);
	CHECK(token == NULL && strstr(problem, "larger than") != NULL);
	/* exactly the maximum plus a line end is fine */
	big[100] = '\n';
	path = temp_file("max", big, 101);
	token = cks_read_token_file(path, 100, false, &problem, &missing);
	CHECK(token != NULL && strlen(token) == 100);
	pfree(big);

	token = cks_read_token_file("/tmp", 100, false, &problem, &missing);
	CHECK(token == NULL && strstr(problem, "not a regular file") != NULL);
}

/* ---- imds.c -------------------------------------------------------------- */

static void
test_imds_rules(void)
{
	char	   *endpoint = NULL;
	char	   *problem = NULL;
	char	   *role;
	int			timeout_ms;
	int			attempts;

	env_clear();
	CHECK(imds_endpoint(fake_getenv, &endpoint, &problem));
	CHECK_STR(endpoint, "http://169.254.169.254");
	env_set("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv6");
	CHECK(imds_endpoint(fake_getenv, &endpoint, &problem));
	CHECK_STR(endpoint, "http://[fd00:ec2::254]");
	env_clear();
	env_set("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv5");
	CHECK(!imds_endpoint(fake_getenv, &endpoint, &problem));
	env_set("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:8080//");
	CHECK(imds_endpoint(fake_getenv, &endpoint, &problem));
	CHECK_STR(endpoint, "http://127.0.0.1:8080");
	env_clear();
	env_set("AWS_EC2_METADATA_SERVICE_ENDPOINT", "file:///etc/passwd");
	CHECK(!imds_endpoint(fake_getenv, &endpoint, &problem));
	env_clear();
	env_set("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1/\r\nX: y");
	CHECK(!imds_endpoint(fake_getenv, &endpoint, &problem));

	env_clear();
	CHECK(!imds_disabled(fake_getenv));
	CHECK(!imds_v1_fallback_allowed(fake_getenv));
	metadata_timeouts(fake_getenv, &timeout_ms, &attempts);
	CHECK(timeout_ms == IMDS_DEFAULT_TIMEOUT_MS && attempts == IMDS_DEFAULT_ATTEMPTS);
	env_set("AWS_EC2_METADATA_DISABLED", "true");
	env_set("AWS_EC2_METADATA_V1_DISABLED", "false");
	env_set("AWS_METADATA_SERVICE_TIMEOUT", "3");
	env_set("AWS_METADATA_SERVICE_NUM_ATTEMPTS", "1");
	CHECK(imds_disabled(fake_getenv));
	CHECK(imds_v1_fallback_allowed(fake_getenv));
	metadata_timeouts(fake_getenv, &timeout_ms, &attempts);
	CHECK(timeout_ms == 3000 && attempts == 1);
	env_clear();
	env_set("AWS_METADATA_SERVICE_TIMEOUT", "100000");
	env_set("AWS_METADATA_SERVICE_NUM_ATTEMPTS", "x");
	metadata_timeouts(fake_getenv, &timeout_ms, &attempts);
	CHECK(timeout_ms == IMDS_DEFAULT_TIMEOUT_MS && attempts == IMDS_DEFAULT_ATTEMPTS);

	CHECK(imds_token_problem("AQAEAHx0kEXAMPLE==", 18) == NULL);
	CHECK(imds_token_problem("", 0) != NULL);
	CHECK(imds_token_problem("tok\nen", 6) != NULL);
	CHECK(imds_token_problem("tok\0en", 6) != NULL);

	role = imds_parse_role_name("cks-instance-role\n", 18, &problem);
	CHECK_STR(role, "cks-instance-role");
	role = imds_parse_role_name("role_a\nrole_b", 13, &problem);
	CHECK_STR(role, "role_a");
	CHECK(imds_parse_role_name("", 0, &problem) == NULL);
	CHECK(imds_parse_role_name("../../etc", 9, &problem) == NULL);
	CHECK(imds_parse_role_name("a\0b", 3, &problem) == NULL);
	CHECK(imds_parse_role_name("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 69,
							   &problem) == NULL);
}

/* ---- container_creds.c -------------------------------------------------- */

static bool
full_uri_allowed(const char *uri)
{
	char	   *url = NULL;
	char	   *problem = NULL;

	env_clear();
	env_set("AWS_CONTAINER_CREDENTIALS_FULL_URI", uri);
	return container_credentials_url(fake_getenv, &url, &problem) &&
		url != NULL && strcmp(url, uri) == 0;
}

static void
test_container_rules(void)
{
	char	   *url = NULL;
	char	   *problem = NULL;
	char	   *token;
	char	   *path;
	bool		missing;

	env_clear();
	CHECK(!container_credentials_url(fake_getenv, &url, &problem));
	env_set("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/abc");
	env_set("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:9/x");
	CHECK(container_credentials_url(fake_getenv, &url, &problem));
	CHECK_STR(url, "http://169.254.170.2/v2/credentials/abc");
	env_clear();
	env_set("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "v2/credentials");
	CHECK(!container_credentials_url(fake_getenv, &url, &problem));
	/* without the '/', "@evil.example" would make the host userinfo */
	env_clear();
	env_set("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "@evil.example/x");
	CHECK(!container_credentials_url(fake_getenv, &url, &problem));

	CHECK(full_uri_allowed("https://creds.example.com/role"));
	CHECK(full_uri_allowed("http://127.0.0.1:8080/creds"));
	CHECK(full_uri_allowed("http://127.1.2.3/creds"));
	CHECK(full_uri_allowed("http://localhost/creds"));
	CHECK(full_uri_allowed("http://[::1]:80/creds"));
	CHECK(full_uri_allowed("http://169.254.170.2/v2/credentials/x"));
	CHECK(full_uri_allowed("http://169.254.170.23/v1/credentials"));
	CHECK(full_uri_allowed("http://[fd00:ec2::23]/v1/credentials"));
	CHECK(!full_uri_allowed("http://10.0.0.1/creds"));
	CHECK(!full_uri_allowed("http://169.254.169.254/latest"));
	CHECK(!full_uri_allowed("http://example.com/creds"));
	CHECK(!full_uri_allowed("http://127.0.0.1.evil.example/creds"));
	CHECK(!full_uri_allowed("ftp://127.0.0.1/creds"));
	CHECK(!full_uri_allowed("http://127.0.0.1/a b"));

	env_clear();
	CHECK(container_authorization(fake_getenv, &problem, &missing) == NULL &&
		  problem == NULL);
	env_set("AWS_CONTAINER_AUTHORIZATION_TOKEN", "Basic abc=");
	token = container_authorization(fake_getenv, &problem, &missing);
	CHECK_STR(token, "Basic abc=");
	path = temp_file("ecs-token", "from-the-file\n", 14);
	env_set("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", path);
	token = container_authorization(fake_getenv, &problem, &missing);
	CHECK_STR(token, "from-the-file");
	env_clear();
	env_set("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "/nonexistent/token");
	token = container_authorization(fake_getenv, &problem, &missing);
	CHECK(token == NULL && missing && strstr(problem, "/nonexistent/token") != NULL);
	env_clear();
	env_set("AWS_CONTAINER_AUTHORIZATION_TOKEN", "abc\r\nX-Evil: 1");
	CHECK(container_authorization(fake_getenv, &problem, &missing) == NULL &&
		  problem != NULL && strstr(problem, "abc") == NULL);
}

/* ---- sts.c: AssumeRoleWithWebIdentity ----------------------------------- */

static void
test_web_identity(void)
{
	StsWebIdentityParams params = {
		"arn:aws:iam::333333333333:role/cks-web-identity", "cks_fdw",
		"eyJh.eyJz.c2ln", 0
	};
	static const char response[] =
		"<AssumeRoleWithWebIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n"
		"  <AssumeRoleWithWebIdentityResult>\n"
		"    <SubjectFromWebIdentityToken>system:serviceaccount:cks:fdw</SubjectFromWebIdentityToken>\n"
		"    <Credentials>\n"
		"      <SessionToken>FwoGZXIvYXdzEXAMPLE</SessionToken>\n"
		"      <SecretAccessKey>wJalrXUtnFEMI/K7MDENG</SecretAccessKey>\n"
		"      <Expiration>2030-01-01T00:00:00Z</Expiration>\n"
		"      <AccessKeyId>ASIAWEBIDENTITY</AccessKeyId>\n"
		"    </Credentials>\n"
		"  </AssumeRoleWithWebIdentityResult>\n"
		"</AssumeRoleWithWebIdentityResponse>\n";
	StsCredentials creds;
	CksAwsError err;

	CHECK_STR(sts_web_identity_body(&params),
			  "Action=AssumeRoleWithWebIdentity&Version=2011-06-15"
			  "&RoleArn=arn%3Aaws%3Aiam%3A%3A333333333333%3Arole%2Fcks-web-identity"
			  "&RoleSessionName=cks_fdw&WebIdentityToken=eyJh.eyJz.c2ln");
	params.duration_seconds = 900;
	CHECK(strstr(sts_web_identity_body(&params), "&DurationSeconds=900") != NULL);

	memset(&err, 0, sizeof(err));
	CHECK(sts_parse_web_identity_response(response, strlen(response), 200,
										  &creds, &err));
	CHECK_STR(creds.access_key_id, "ASIAWEBIDENTITY");
	CHECK_STR(creds.session_token, "FwoGZXIvYXdzEXAMPLE");
	CHECK(creds.expiration == 1893456000);
	sts_credentials_free(&creds);

	/* an AssumeRole answer is not a web identity answer */
	CHECK(!sts_parse_web_identity_response("<AssumeRoleResponse/>", 21, 200,
										   &creds, &err));
	CHECK(err.kind == CKS_ERR_BAD_RESPONSE);
}

void
run_keyless_tests(void)
{
	test_source_names();
	test_chain_order();
	test_credential_values();
	test_environment_credentials();
	test_credentials_document();
	test_token_files();
	test_imds_rules();
	test_container_rules();
	test_web_identity();
	remove_temp_files();
}
