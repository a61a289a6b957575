/*-------------------------------------------------------------------------
 *
 * test_parse_guard.c
 *	  Unit tests of src/aws/parse_guard.c, the one doorway from a response
 *	  body to json-c and libxml2, and of src/net/mem_budget.c, the budget it
 *	  charges: the STS bomb of empty elements is refused before libxml2
 *	  builds anything; the estimate is an upper bound of what the
 *	  libraries really allocate (measured here with mallinfo2 on the
 *	  densest shapes); no answer may cost more than 256 MB; what is parsed
 *	  is counted while it lives and given back when freed; an answer the
 *	  budget can never hold is refused through the budget's hook.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <malloc.h>

#include <json-c/json.h>
#include <libxml/parser.h>

#include "aws/aws_error.h"
#include "net/mem_budget.h"
#include "aws/parse_guard.h"
#include "aws/sts.h"
#include "unit.h"

#define STS_OPEN "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
#define STS_CLOSE "</AssumeRoleResponse>"

static const char sts_answer[] =
	STS_OPEN "<AssumeRoleResult><Credentials>"
	"<AccessKeyId>ASIAEXAMPLE000000001</AccessKeyId>"
	"<SecretAccessKey>secret/key/secret/key/secret/key/0001</SecretAccessKey>"
	"<SessionToken>token==</SessionToken>"
	"<Expiration>2030-01-01T00:00:00Z</Expiration>"
	"</Credentials><AssumedRoleUser><AssumedRoleId>AROA:s</AssumedRoleId>"
	"<Arn>arn:aws:sts::111111111111:assumed-role/r/s</Arn></AssumedRoleUser>"
	"</AssumeRoleResult><ResponseMetadata><RequestId>r-1</RequestId>"
	"</ResponseMetadata>" STS_CLOSE;

/* head, then unit repeated, then tail: about 'size' bytes, malloc'd */
static char *
repeated(const char *head, const char *unit, const char *tail, size_t size,
		 size_t *len)
{
	size_t		hl = strlen(head),
				ul = strlen(unit),
				tl = strlen(tail);
	size_t		n = (size - hl - tl) / ul;
	char	   *body = malloc(hl + n * ul + tl + 1);
	char	   *p = body;
	size_t		i;

	memcpy(p, head, hl);
	p += hl;
	for (i = 0; i < n; i++, p += ul)
		memcpy(p, unit, ul);
	memcpy(p, tail, tl + 1);
	*len = hl + n * ul + tl;
	return body;
}

static int	refusals;
static size_t refused_need;

static void
note_refusal(size_t need, size_t limit)
{
	refusals++;
	refused_need = need;
}

/*
 * The bomb of issue 19: a 2xx STS answer just under 16 MiB of empty
 * elements (504 MB in libxml2) is refused by the estimate, through the
 * STS parser like any answer, and nothing stays counted.
 */
static void
test_sts_bomb_refused(void)
{
	size_t		len;
	char	   *body = repeated(STS_OPEN, "<a/>", STS_CLOSE, 16 * 1024 * 1024 - 1, &len);
	StsCredentials creds;
	CksAwsError err;

	memset(&err, 0, sizeof(err));
	CHECK(!sts_parse_assume_role_response(body, len, 200, &creds, &err));
	CHECK(err.kind == CKS_ERR_BAD_RESPONSE);
	CHECK_STR(err.message, "response body is too dense to parse: 4194282 elements, 1 end tags and 1 attributes in 16777215 bytes");
	CHECK(cks_budget()->parsed == 0);
	aws_error_free(&err);
	free(body);
}

/* What malloc has handed out now, mmap'd chunks included. */
static size_t
heap_in_use(void)
{
	struct mallinfo2 info = mallinfo2();

	return info.uordblks + info.hblkhd;
}

/* Parse body with the library itself, unguarded, and say what it took. */
static size_t
measured_cost(CksBodyFormat format, const char *body, size_t len)
{
	size_t		before = heap_in_use();
	size_t		after;

	if (format == CKS_BODY_XML)
	{
		xmlDocPtr	doc = xmlReadMemory(body, (int) len, NULL, NULL,
										XML_PARSE_NONET | XML_PARSE_NOERROR |
										XML_PARSE_NOWARNING);

		after = heap_in_use();
		CHECK(doc != NULL);
		xmlFreeDoc(doc);
	}
	else
	{
		struct json_object *root = json_tokener_parse(body);

		after = heap_in_use();
		CHECK(root != NULL);
		json_object_put(root);
	}
	return after > before ? after - before : 0;
}

/*
 * The estimate is measured, not guessed: for the densest shapes each
 * library takes, what it really allocates for a 2 MB body stays below
 * what the guard estimates.
 */
static void
test_estimate_is_an_upper_bound(void)
{
	static const struct
	{
		CksBodyFormat format;
		const char *head;
		const char *unit;
		const char *tail;
	}			shapes[] = {
		{CKS_BODY_XML, "<r>", "<a/>", "</r>"},
		{CKS_BODY_XML, "<r>", " <a/>", "</r>"},
		{CKS_BODY_XML, "<r>", "<a b=\"x\"/>", "</r>"},
		{CKS_BODY_XML, "<r>", "<a b=\"\" c=\"\" d=\"\"/>", "</r>"},
		{CKS_BODY_XML, "<r>", "<a>1</a>", "</r>"},
		{CKS_BODY_XML, "<r>", "<a> <b/> </a>", "</r>"},
		{CKS_BODY_XML, "<r>", "<!---->", "</r>"},
		{CKS_BODY_XML, "<r>", "<?a?>", "</r>"},
		{CKS_BODY_XML, "<r>", "<a:b xmlns:a=\"u\"/>", "</r>"},
		{CKS_BODY_XML, "<r>", "<a b=\"&lt;&#60;\"/>", "</r>"},
		{CKS_BODY_XML, "<r>", "text&amp;", "</r>"},
		{CKS_BODY_JSON, "[", "{},", "{}]"},
		{CKS_BODY_JSON, "[", "[],", "[]]"},
		{CKS_BODY_JSON, "[", "1,", "1]"},
		{CKS_BODY_JSON, "{\"a\":[", "{\"a\":1},", "{}]}"},
	};
	int			i;

	for (i = 0; i < (int) lengthof(shapes); i++)
	{
		size_t		len;
		char	   *body = repeated(shapes[i].head, shapes[i].unit, shapes[i].tail,
									2 * 1024 * 1024, &len);
		size_t		real = measured_cost(shapes[i].format, body, len);
		uint64_t	estimate = cks_parse_cost(shapes[i].format, body, len);

		if (!CHECK(real > 0 && real <= estimate))
			fprintf(stderr, "  %s: %zu bytes allocated, %llu estimated\n",
					shapes[i].unit, real, (unsigned long long) estimate);
		free(body);
	}
}

/* Text-heavy bodies pass; 90 MB of text would cost more than 256 MB. */
static void
test_ceiling(void)
{
	size_t		len;
	char	   *body;
	char	   *problem = NULL;
	xmlDocPtr	doc;

	body = repeated("<r>", "<a>0123456789012345678901234567890123456789</a>", "</r>",
					16 * 1024 * 1024, &len);
	doc = cks_parse_xml(body, len, &problem);
	CHECK(doc != NULL && problem == NULL);
	cks_parse_xml_free(doc);
	free(body);

	body = repeated("<r>", "x", "</r>", 90 * 1024 * 1024, &len);
	doc = cks_parse_xml(body, len, &problem);
	CHECK(doc == NULL);
	if (CHECK(problem != NULL))
		CHECK(strstr(problem, "more than the 268435456 any answer may") != NULL);
	free(body);
}

/* Parse results are counted while they live, for JSON and XML alike. */
static void
test_parse_results_counted(void)
{
	CksMemBudget budget = {.limit = 64 * 1024 * 1024};
	char	   *problem = NULL;
	const char *json = "{\"CustomKeyStores\":[{\"CustomKeyStoreId\":\"cks-1\"}],\"Truncated\":false}";
	struct json_object *root;
	xmlDocPtr	doc;

	cks_budget_install(&budget);
	root = cks_parse_json(json, strlen(json), &problem);
	CHECK(root != NULL);
	/* the estimate while parsing, less the parser's own copy after */
	CHECK(budget.peak == cks_parse_cost(CKS_BODY_JSON, json, strlen(json)));
	CHECK(budget.used == budget.peak - strlen(json));
	CHECK(budget.parsed == budget.used && budget.used > 0);
	json_object_put(root);
	CHECK(budget.used == 0 && budget.parsed == 0);

	doc = cks_parse_xml(sts_answer, strlen(sts_answer), &problem);
	CHECK(doc != NULL);
	CHECK(budget.used == cks_parse_cost(CKS_BODY_XML, sts_answer, strlen(sts_answer)) -
		  strlen(sts_answer));
	cks_parse_xml_free(doc);
	CHECK(budget.used == 0 && budget.parsed == 0);

	/* a failed parse gives its charge back at once */
	CHECK(cks_parse_json("{\"a\":", 5, &problem) == NULL);
	CHECK(cks_parse_xml("<a>", 3, &problem) == NULL);
	CHECK(budget.used == 0);
	CHECK(budget.peak > 0);
	cks_budget_install(NULL);
}

/* An answer that the budget could never hold is refused through its hook. */
static void
test_refused_by_budget(void)
{
	CksMemBudget budget = {.limit = 4096, .refuse = note_refusal};
	char	   *problem = NULL;
	size_t		len;
	char	   *body = repeated("[", "\"abcdefgh\",", "1]", 8192, &len);

	refusals = 0;
	cks_budget_install(&budget);
	CHECK(cks_parse_json(body, len, &problem) == NULL);
	CHECK(refusals == 1 && refused_need > 4096);
	if (CHECK(problem != NULL))
		CHECK(strstr(problem, "more than the response memory budget of 4096 bytes") != NULL);
	/* the STS answer estimates more than 4 kB too */
	CHECK(cks_parse_cost(CKS_BODY_XML, sts_answer, strlen(sts_answer)) > 4096);
	CHECK(cks_parse_xml(sts_answer, strlen(sts_answer), &problem) == NULL);
	CHECK(refusals == 2);
	CHECK(budget.used == 0);
	cks_budget_install(NULL);
	free(body);
}

static size_t allocated_by_hook;

static void *
counting_alloc(size_t n)
{
	allocated_by_hook += n;
	return malloc(n);
}

/* The accounting object alone. */
static void
test_budget_object(void)
{
	CksMemBudget budget = {.limit = 1000, .alloc = counting_alloc};
	void	   *a;
	void	   *b;

	CHECK(cks_budget_fits(&budget, 1000, 0));
	CHECK(!cks_budget_fits(&budget, 1001, 0));
	CHECK(!cks_budget_fits(&budget, 600, 500));
	CHECK(!cks_budget_fits(&budget, SIZE_MAX, 0));
	CHECK(cks_budget_could_fit(&budget, 1000) && !cks_budget_could_fit(&budget, 1001));
	a = cks_budget_alloc(&budget, 600, 0);
	CHECK(a != NULL && budget.used == 600 && allocated_by_hook == 600);
	b = cks_budget_alloc(&budget, 500, 0);
	CHECK(b == NULL && budget.used == 600);
	b = cks_budget_alloc(&budget, 300, 100);
	CHECK(b != NULL && budget.used == 900);
	cks_budget_take_parsed(&budget, 500);	/* past the limit: counted */
	CHECK(budget.used == 1400 && budget.parsed == 500 && budget.peak == 1400);
	CHECK(!cks_budget_fits(&budget, 1, 0));
	cks_budget_give(&budget, 500, true);
	cks_budget_free(&budget, a, 600);
	cks_budget_free(&budget, b, 300);
	CHECK(budget.used == 0 && budget.parsed == 0 && budget.peak == 1400);
}

void
run_parse_guard_tests(void)
{
	test_sts_bomb_refused();
	test_estimate_is_an_upper_bound();
	test_ceiling();
	test_parse_results_counted();
	test_refused_by_budget();
	test_budget_object();
}
