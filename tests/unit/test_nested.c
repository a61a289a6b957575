/*-------------------------------------------------------------------------
 *
 * test_nested.c
 *	  Unit tests of what the CloudHSM health tables add to the JSON layer:
 *	  filter lists (= ANY as one DescribeClusters request), the flattening
 *	  of a page into a nested table's rows (cloudhsm_hsms), the aggregates
 *	  over a cluster's HSMs (active_hsm_count, active_hsm_azs) and a
 *	  TagList as one object (cloudhsm_backups.tags).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <json-c/json.h>

#include "aws/aws_json.h"
#include "aws/aws_service.h"
#include "table_kinds.h"
#include "unit.h"

/* = ANY is one request: the filter value is the list of every value. */
static void
test_filter_lists(void)
{
	const char *ids[] = {"cluster-a", "cluster-\"b\""};
	const char *values[CKS_MAX_OPERATION_PARAMETERS] = {NULL};
	char	   *body;

	values[0] = aws_json_string_list(ids, 2);
	CHECK_STR(values[0], "[\"cluster-a\",\"cluster-\\\"b\\\"\"]");
	body = aws_json_list_request(&cks_op_describe_clusters, values, NULL, 25);
	CHECK_STR(body, "{\"Filters\":{\"clusterIds\":[\"cluster-a\",\"cluster-\\\"b\\\"\"]},"
			  "\"MaxResults\":25}");
	/* DescribeBackups: its own filters, MaxResults at most 50 */
	values[0] = NULL;
	values[1] = aws_json_string_list(ids, 1);
	values[2] = aws_json_string_list((const char *[]) {"READY"}, 1);
	body = aws_json_list_request(&cks_op_describe_backups, values, "t", 50);
	CHECK_STR(body, "{\"Filters\":{\"clusterIds\":[\"cluster-a\"],\"states\":[\"READY\"]},"
			  "\"NextToken\":\"t\",\"MaxResults\":50}");
	CHECK(cks_op_describe_backups.page.max_limit == 50);
	CHECK(cks_table_kind_by_name("cloudhsm_backups") == &cks_kind_cloudhsm_backups);
	CHECK(cks_table_kind_by_name("cloudhsm_hsms") == &cks_kind_cloudhsm_hsms);
	CHECK_STR(cks_kind_cloudhsm_hsms.nested_entries, "Hsms");
}

static bool
parse_clusters(const char *body, CksJsonPage *page, CksAwsError *err)
{
	return aws_json_parse_page(&cks_op_describe_clusters.page, body,
							   strlen(body), 200, page, err);
}

/* A page of clusters becomes a page of their HSMs, in order. */
static void
test_flatten(void)
{
	CksJsonPage page;
	CksAwsError err;

	if (CHECK(parse_clusters("{\"Clusters\":[{\"ClusterId\":\"c1\",\"Hsms\":"
							 "[{\"HsmId\":\"h1\"},{\"HsmId\":\"h2\"}]},"
							 "{\"ClusterId\":\"c2\"},"
							 "{\"ClusterId\":\"c3\",\"Hsms\":[{\"HsmId\":\"h3\"}]}],"
							 "\"NextToken\":\"n\"}", &page, &err)))
	{
		CHECK(aws_json_page_flatten(&page, "Hsms", &err));
		CHECK(page.nentries == 3);
		CHECK_STR(aws_json_entry_string(json_object_array_get_idx(page.entries, 2),
										"HsmId", NULL), "h3");
		CHECK(page.truncated);
		aws_json_page_free(&page);
	}
	if (CHECK(parse_clusters("{\"Clusters\":[{\"Hsms\":{}}]}", &page, &err)))
	{
		CHECK(!aws_json_page_flatten(&page, "Hsms", &err));
		CHECK(err.kind == CKS_ERR_BAD_RESPONSE);
		CHECK_STR(err.message, "field \"Hsms\" of entry 0 is not an array");
		aws_json_page_free(&page);
	}
	if (CHECK(parse_clusters("{\"Clusters\":[{\"Hsms\":[1]}]}", &page, &err)))
	{
		CHECK(!aws_json_page_flatten(&page, "Hsms", &err));
		CHECK_STR(err.message, "field \"Hsms[0]\" of entry 0 is not an object");
		aws_json_page_free(&page);
	}
}

/* The ACTIVE HSMs of a cluster: how many, and their sorted distinct AZs. */
static void
test_aggregates(void)
{
	struct json_object *entry = json_tokener_parse(
		"{\"Hsms\":[{\"State\":\"ACTIVE\",\"AvailabilityZone\":\"b\"},"
		"{\"State\":\"DEGRADED\",\"AvailabilityZone\":\"c\"},"
		"{\"State\":\"ACTIVE\",\"AvailabilityZone\":\"a\"},"
		"{\"State\":\"ACTIVE\",\"AvailabilityZone\":\"b\"},"
		"{\"State\":\"ACTIVE\"}],"
		"\"Bad\":[{\"State\":1}],\"Tags\":[{\"Key\":\"k\",\"Value\":\"v\"},"
		"{\"Key\":\"e\",\"Value\":\"\"}],\"BadTags\":[{\"Value\":\"v\"}]}");
	const char **azs = NULL;
	bool		ok;

	CHECK(aws_json_count_where(entry, "Hsms", "State", "ACTIVE", &ok) == 4 && ok);
	CHECK(aws_json_count_where(entry, "Absent", "State", "ACTIVE", &ok) == -1 && ok);
	CHECK(aws_json_count_where(entry, "Bad", "State", "ACTIVE", &ok) == -1 && !ok);
	if (CHECK(aws_json_distinct_where(entry, "Hsms", "State", "ACTIVE",
									  "AvailabilityZone", &azs, &ok) == 2 && ok))
	{
		CHECK_STR(azs[0], "a");
		CHECK_STR(azs[1], "b");
	}
	CHECK_STR(aws_json_tag_object(entry, "Tags", &ok), "{\"k\":\"v\",\"e\":\"\"}");
	CHECK(aws_json_tag_object(entry, "Absent", &ok) == NULL && ok);
	CHECK(aws_json_tag_object(entry, "BadTags", &ok) == NULL && !ok);
	json_object_put(entry);
}

void
run_nested_tests(void)
{
	test_filter_lists();
	test_flatten();
	test_aggregates();
}
