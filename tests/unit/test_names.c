/*-------------------------------------------------------------------------
 *
 * test_names.c
 *	  Unit tests of src/aws/aws_names.c, the grammars behind the option values:
 *	  region lists, the one ARN parser and what is built on it (role ARNs,
 *	  account ids), AssumeRole's external id and session name, endpoint
 *	  and proxy URLs with the loopback rule for http://, no_proxy lists.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include "aws/aws_names.h"
#include "unit.h"

static void
test_list_split(void)
{
	const char *cursor = " a ,b,\t,c";
	const char *item;
	size_t		len;
	const char *want[] = {"a", "b", "", "c"};
	int			n = 0;

	while (cks_list_next(&cursor, &item, &len))
	{
		if (!CHECK(n < lengthof(want)))
			break;
		CHECK(len == strlen(want[n]) && strncmp(item, want[n], len) == 0);
		n++;
	}
	CHECK(n == 4);

	cursor = "";
	CHECK(cks_list_next(&cursor, &item, &len) && len == 0);
	CHECK(!cks_list_next(&cursor, &item, &len));
}

static void
check_region_list(const char *value, CksRegionListProblem want,
				  const char *want_bad)
{
	const char *bad = NULL;
	size_t		bad_len = 0;
	CksRegionListProblem got = cks_check_region_list(value, &bad, &bad_len);

	if (!CHECK(got == want))
		fprintf(stderr, "  region list: \"%s\" (got %d, want %d)\n", value,
				(int) got, (int) want);
	if (want_bad)
		CHECK(bad != NULL && bad_len == strlen(want_bad) &&
			  strncmp(bad, want_bad, bad_len) == 0);
}

static void
test_regions(void)
{
	const char *good[] = {"us-east-1", "us-gov-west-1", "ap-southeast-2",
	"eu-central-2", "il-central-1", "cn-north-1", "us-isob-east-1"};
	const char *bad[] = {"", "us", "us-east", "useast1", "u-east-1",
		"us-east-1a", "us--east-1", "US-EAST-1", "us_east_1", "us-east-",
	"-us-east-1", "us-east-1 ", "us-1"};

	for (int i = 0; i < lengthof(good); i++)
		CHECK(cks_is_region_name(good[i]));
	for (int i = 0; i < lengthof(bad); i++)
		if (!CHECK(!cks_is_region_name(bad[i])))
			fprintf(stderr, "  accepted region: \"%s\"\n", bad[i]);
	/* a length bounds the name: no reading past it */
	CHECK(cks_is_region_name_n("us-east-1,eu", 9));
	CHECK(!cks_is_region_name_n("us-east-1", 8));

	check_region_list("us-east-1", CKS_REGION_LIST_OK, NULL);
	check_region_list(" us-east-1 ,\teu-west-1,us-east-1", CKS_REGION_LIST_OK, NULL);
	check_region_list("", CKS_REGION_LIST_NONE, NULL);
	check_region_list("  ", CKS_REGION_LIST_NONE, NULL);
	check_region_list(",", CKS_REGION_LIST_EMPTY_ELEMENT, NULL);
	check_region_list("us-east-1,,eu-west-1", CKS_REGION_LIST_EMPTY_ELEMENT, NULL);
	check_region_list(",us-east-1", CKS_REGION_LIST_EMPTY_ELEMENT, NULL);
	check_region_list("us-east-1, ", CKS_REGION_LIST_EMPTY_ELEMENT, NULL);
	check_region_list("us-east-1, eu_west_1 ,x", CKS_REGION_LIST_BAD_REGION, "eu_west_1");
	check_region_list("us-east-1 eu-west-1", CKS_REGION_LIST_BAD_REGION,
					  "us-east-1 eu-west-1");

	/* well-formed, but no AWS region: the last word is no direction */
	check_region_list("us-east-1,us-est-1", CKS_REGION_LIST_UNKNOWN_DIRECTION,
					  "us-est-1");
	check_region_list("eu-wset-1", CKS_REGION_LIST_UNKNOWN_DIRECTION, "eu-wset-1");
	CHECK(!cks_region_direction_known("us-gov-1x-1", 11));
	/* unknown regions of the same shape are accepted: nothing goes stale */
	check_region_list("xx-central-9,ap-southeast-7,cn-northwest-1,us-isob-east-1",
					  CKS_REGION_LIST_OK, NULL);
	CHECK(cks_region_direction_known("us-gov-west-1", 13));
	CHECK(cks_region_direction_known("us-east-1,eu", 9));
}

static void
check_account(const char *arn, const char *want)
{
	char	   *account = cks_arn_account_id(arn);

	if (!CHECK_STR(account, want))
		fprintf(stderr, "  arn: %s\n", arn ? arn : "(null)");
	if (account)
		pfree(account);
}

static void
test_arn_parse(void)
{
	CksArn		arn;
	const char *text = "arn:aws:kms:eu-west-1:123456789012:key/ab:cd";

	CHECK(cks_arn_parse(text, &arn));
	CHECK(arn.partition_len == 3 && strncmp(arn.partition, "aws", 3) == 0);
	CHECK(arn.service_len == 3 && strncmp(arn.service, "kms", 3) == 0);
	CHECK(arn.region_len == 9 && strncmp(arn.region, "eu-west-1", 9) == 0);
	CHECK(strncmp(arn.account, "123456789012", 12) == 0);
	CHECK_STR(arn.resource, "key/ab:cd");

	check_account("arn:aws:iam::123456789012:role/kms-reader", "123456789012");
	check_account("arn:aws-cn:iam::210987654321:role/path/reader", "210987654321");
	check_account("arn:aws-us-gov:iam::000000000001:role/r", "000000000001");
	check_account("arn:aws-iso:iam::123456789012:role/r", "123456789012");
	check_account("arn:aws-iso-b:iam::123456789012:role/r", "123456789012");
	check_account("arn:aws-eusc:iam::123456789012:role/r", "123456789012");
	check_account("arn:aws:sts::123456789012:assumed-role/demo/TestAR", "123456789012");
	check_account("arn:aws:lambda:us-east-1:123456789012:function:f:prod", "123456789012");

	check_account(NULL, NULL);
	check_account("", NULL);
	check_account("role/kms-reader", NULL);
	check_account("arn:aws:iam::12345678901:role/x", NULL);	/* 11 digits */
	check_account("arn:aws:iam::1234567890123:role/x", NULL);	/* 13 digits */
	check_account("arn:aws:iam::12345678901a:role/x", NULL);
	check_account("arn:aws:iam::123456789012", NULL);	/* no resource */
	check_account("arn:aws:iam::123456789012:", NULL);
	check_account("arn::iam::123456789012:role/x", NULL);	/* no partition */
	/* the ARN that CREATE USER MAPPING once took and the scan refused */
	check_account("arn:foo:iam::123456789012:role/x", NULL);
	check_account("arn:azure:iam::123456789012:role/x", NULL);
	check_account("arn:aws-:iam::123456789012:role/x", NULL);
	check_account("arn:aws-CN:iam::123456789012:role/x", NULL);
	check_account("arn:awsx:iam::123456789012:role/x", NULL);
	check_account("arn:aws-mars:iam::123456789012:role/x", NULL);
	check_account("arn:aws-iso-:iam::123456789012:role/x", NULL);
	check_account("arn:aws-iso-B:iam::123456789012:role/x", NULL);
	check_account("arn:aws:::123456789012:role/x", NULL);	/* no service */
	check_account("arn:aws:IAM::123456789012:role/x", NULL);
	check_account("arn:aws:kms:moon-1:123456789012:key/x", NULL);	/* region */
	check_account("ARN:aws:iam::123456789012:role/x", NULL);
	check_account("arn:aws:iam::123456789012:role/x y", NULL);
	check_account("arn:aws:iam::123456789012:role/x\n", NULL);
}

static void
test_role_arn(void)
{
	char		long_arn[CKS_ARN_MAX_LEN + 2];
	const char *good[] = {
		"arn:aws:iam::123456789012:role/reader",
		"arn:aws:iam::123456789012:role/service-role/Key_Store.Reader+1=2,3@4-5",
		"arn:aws-us-gov:iam::123456789012:role/a/b/c",
		"arn:aws-cn:iam::123456789012:role/r",
		"arn:aws-iso-f:iam::123456789012:role/r",
	};
	const char *bad[] = {
		"arn:foo:iam::123456789012:role/x",
		"arn:aws:iam::12345:role/reader",
		"arn:aws:iam::123456789012:user/reader",
		"arn:aws:iam::123456789012:role/",
		"arn:aws:iam::123456789012:role/path/",
		"arn:aws:iam::123456789012:role//x",
		"arn:aws:iam:us-east-1:123456789012:role/reader",
		"arn:aws:kms::123456789012:role/reader",
		"arn:aws:iam::123456789012:role/a:b",
		"arn:aws:iam::123456789012:role/a*",
		"arn:aws:iam::123456789012:role/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		"arn:aws:iam::{account}:role/x",
	};

	for (int i = 0; i < lengthof(good); i++)
		if (!CHECK(cks_is_role_arn(good[i])))
			fprintf(stderr, "  refused: %s\n", good[i]);
	for (int i = 0; i < lengthof(bad); i++)
		if (!CHECK(!cks_is_role_arn(bad[i])))
			fprintf(stderr, "  accepted: %s\n", bad[i]);

	/* 64 characters of role name is the limit */
	CHECK(cks_is_role_arn("arn:aws:iam::123456789012:role/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));

	/* ARNs are bounded as a whole: CKS_ARN_MAX_LEN passes, one more not */
	strcpy(long_arn, "arn:aws:iam::123456789012:role/");
	while (strlen(long_arn) + 2 < CKS_ARN_MAX_LEN)
		strcat(long_arn, "p/");
	while (strlen(long_arn) < CKS_ARN_MAX_LEN)
		strcat(long_arn, "r");
	CHECK(strlen(long_arn) == CKS_ARN_MAX_LEN);
	CHECK(cks_is_role_arn(long_arn));
	strcat(long_arn, "r");
	CHECK(!cks_is_role_arn(long_arn));
}

static void
test_assume_role_names(void)
{
	char		long_id[1226];

	CHECK(cks_is_account_id("000000000001"));
	CHECK(!cks_is_account_id("12345678901"));
	CHECK(!cks_is_account_id("1234567890123"));
	CHECK(!cks_is_account_id("12345678901a"));
	CHECK(!cks_is_account_id(""));

	CHECK(cks_is_external_id("vendor:42/x=y"));
	CHECK(cks_is_external_id("ab"));
	CHECK(!cks_is_external_id("x"));
	CHECK(!cks_is_external_id("no spaces"));
	CHECK(!cks_is_external_id("semi;colon"));
	memset(long_id, 'a', 1224);
	long_id[1224] = '\0';
	CHECK(cks_is_external_id(long_id));
	long_id[1224] = 'a';
	long_id[1225] = '\0';
	CHECK(!cks_is_external_id(long_id));

	CHECK(cks_is_role_session_name("nightly-report"));
	CHECK(cks_is_role_session_name("a_b+c=d,e.f@g"));
	CHECK(!cks_is_role_session_name("a"));
	CHECK(!cks_is_role_session_name("has space"));
	CHECK(!cks_is_role_session_name("a:b"));
	CHECK(!cks_is_role_session_name("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
}

static void
check_url(const char *url, CksUrlUse use, CksUrlProblem want)
{
	const char *message;
	CksUrlProblem got = cks_url_problem(url, use, &message);

	if (!CHECK(got == want))
		fprintf(stderr, "  url: \"%s\" (got %d, want %d)\n", url, (int) got,
				(int) want);
}

static void
test_urls(void)
{
	const CksUrlUse e = CKS_URL_ENDPOINT;
	const CksUrlUse p = CKS_URL_PROXY;

	check_url("https://kms.{region}.amazonaws.com", e, CKS_URL_OK);
	check_url("https://{region}.sts.example.com:8443/", e, CKS_URL_OK);
	check_url("http://127.0.0.1:8080/sts/{region}", e, CKS_URL_OK);
	check_url("http://127.255.0.9:1", e, CKS_URL_OK);
	check_url("http://[::1]:4566", e, CKS_URL_OK);
	check_url("http://[::ffff:127.0.0.1]:4566", e, CKS_URL_OK);
	check_url("http://localhost:8080", e, CKS_URL_OK);
	check_url("http://LOCALHOST", e, CKS_URL_OK);

	/* plain http:// leaves this machine: refused */
	check_url("http://kms.us-east-1.amazonaws.com", e, CKS_URL_HTTP_NOT_LOOPBACK);
	check_url("http://169.254.169.254/latest", e, CKS_URL_HTTP_NOT_LOOPBACK);
	check_url("http://10.0.0.1:8080", e, CKS_URL_HTTP_NOT_LOOPBACK);
	check_url("http://[::2]:80", e, CKS_URL_HTTP_NOT_LOOPBACK);
	check_url("http://128.0.0.1", e, CKS_URL_HTTP_NOT_LOOPBACK);
	check_url("http://localhost.example.com", e, CKS_URL_HTTP_NOT_LOOPBACK);
	check_url("http://127.0.0.1.nip.io", e, CKS_URL_HTTP_NOT_LOOPBACK);
	check_url("http://{region}.localhost", e, CKS_URL_HTTP_NOT_LOOPBACK);

	check_url("", e, CKS_URL_BAD_SCHEME);
	check_url("kms.us-east-1.amazonaws.com", e, CKS_URL_BAD_SCHEME);
	check_url("ftp://kms.example.com", e, CKS_URL_BAD_SCHEME);
	check_url("file:///etc/passwd", e, CKS_URL_BAD_SCHEME);
	check_url("https://", e, CKS_URL_NO_HOST);
	check_url("https:///path", e, CKS_URL_NO_HOST);
	check_url("https://kms.example.com:99999", e, CKS_URL_UNPARSABLE);
	check_url("https://user:pw@kms.example.com", e, CKS_URL_USERINFO);
	check_url("https://user@kms.example.com", e, CKS_URL_USERINFO);
	check_url("https://kms.example.com/?a=b", e, CKS_URL_QUERY);
	check_url("https://kms.example.com?", e, CKS_URL_QUERY);
	check_url("https://kms.example.com/#", e, CKS_URL_FRAGMENT);
	check_url("https://kms.example.com /", e, CKS_URL_BAD_CHARACTER);
	check_url("https://kms.example.com/\r\nX: 1", e, CKS_URL_BAD_CHARACTER);
	check_url("https://kms.ex\xc3\xa4mple.com", e, CKS_URL_BAD_CHARACTER);
	check_url("https://kms.{regoin}.amazonaws.com", e, CKS_URL_UNKNOWN_PLACEHOLDER);
	check_url("https://kms.{region.amazonaws.com", e, CKS_URL_UNKNOWN_PLACEHOLDER);

	check_url("http://proxy.example.com:3128", p, CKS_URL_OK);
	check_url("https://proxy.example.com:3128/", p, CKS_URL_OK);
	check_url("http://127.0.0.1:3128", p, CKS_URL_OK);
	check_url("http://proxy.example.com:3128/path", p, CKS_URL_PATH);
	check_url("http://u:pw@proxy.example.com:3128", p, CKS_URL_USERINFO);
	check_url("socks5://proxy.example.com:1080", p, CKS_URL_BAD_SCHEME);
	check_url("http://proxy.{region}.example.com", p, CKS_URL_UNKNOWN_PLACEHOLDER);
}

static void
test_loopback_and_no_proxy(void)
{
	CHECK(cks_host_is_loopback("127.0.0.1"));
	CHECK(cks_host_is_loopback("127.1.2.3"));
	CHECK(cks_host_is_loopback("::1"));
	CHECK(cks_host_is_loopback("[::1]"));
	CHECK(cks_host_is_loopback("[0:0:0:0:0:0:0:1]"));
	CHECK(cks_host_is_loopback("localhost"));
	CHECK(!cks_host_is_loopback("0.0.0.0"));
	CHECK(!cks_host_is_loopback("[::]"));
	CHECK(!cks_host_is_loopback("126.0.0.1"));
	CHECK(!cks_host_is_loopback("127.0.0.1.example.com"));
	CHECK(!cks_host_is_loopback("[::1"));
	CHECK(!cks_host_is_loopback(""));

	CHECK(cks_is_no_proxy_list("localhost"));
	CHECK(cks_is_no_proxy_list("localhost, .example.com,10.0.0.0/8,[::1],127.0.0.1"));
	CHECK(cks_is_no_proxy_list("*"));
	CHECK(!cks_is_no_proxy_list(""));
	CHECK(!cks_is_no_proxy_list("a,,b"));
	CHECK(!cks_is_no_proxy_list("a b"));
	CHECK(!cks_is_no_proxy_list("a;b"));
	CHECK(!cks_is_no_proxy_list("*.example.com"));
}

/* Role ARN templates and account lists of the server option accounts. */
static void
test_account_templates(void)
{
	const char *bad = NULL;
	size_t		bad_len = 0;
	char	   *arn;

	CHECK(cks_is_role_arn_template("arn:aws:iam::{account}:role/kms-reader"));
	CHECK(cks_is_role_arn_template("arn:aws:iam::{account}:role/path/reader-{account}"));
	CHECK(cks_is_role_arn_template("arn:aws:iam::123456789012:role/plain"));
	CHECK(!cks_is_role_arn_template("arn:aws:iam::{acct}:role/x"));
	CHECK(!cks_is_role_arn_template("arn:aws:iam::{account}{account}:role/x"));
	CHECK(!cks_is_role_arn_template("arn:aws:iam::{account}:user/x"));
	CHECK(!cks_is_role_arn_template("arn:aws:iam::1{account}:role/x"));
	CHECK(cks_has_account_placeholder("arn:aws:iam::{account}:role/x"));
	CHECK(!cks_has_account_placeholder("arn:aws:iam::123456789012:role/x"));

	arn = cks_role_arn_for_account("arn:aws:iam::{account}:role/r-{account}", "210987654321");
	CHECK(strcmp(arn, "arn:aws:iam::210987654321:role/r-210987654321") == 0);
	/* the account of a substituted template is the one put in */
	CHECK(strcmp(cks_arn_account_id(arn), "210987654321") == 0);

	CHECK(cks_check_account_list("111111111111", &bad, &bad_len));
	CHECK(cks_check_account_list("111111111111, 222222222222,333333333333", &bad, &bad_len));
	CHECK(!cks_check_account_list("111111111111,12345", &bad, &bad_len));
	CHECK(bad_len == 5 && strncmp(bad, "12345", 5) == 0);
	CHECK(!cks_check_account_list("111111111111,,222222222222", &bad, &bad_len));
	CHECK(bad_len == 0);
	CHECK(!cks_check_account_list("", &bad, &bad_len));
	CHECK(!cks_check_account_list("organization", &bad, &bad_len));
	CHECK(!cks_check_account_list("11111111111a", &bad, &bad_len));
}

void
run_names_tests(void)
{
	test_list_split();
	test_regions();
	test_arn_parse();
	test_role_arn();
	test_assume_role_names();
	test_account_templates();
	test_urls();
	test_loopback_and_no_proxy();
}
