/*-------------------------------------------------------------------------
 *
 * test_metrics.c
 *	  Unit tests of CloudWatch GetMetricData for key_store_metrics
 *	  (metric_queries.c): the request body (queries per store, metric,
 *	  state and statistic, defaults, at most 500 queries), how many stores
 *	  a request takes, and the rows read back from an answer's query Ids,
 *	  bad answers refused.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <json-c/json.h>

#include "aws/aws_json.h"
#include "aws/metric_queries.h"
#include "aws/parse_guard.h"
#include "lib/stringinfo.h"
#include "table_kinds.h"
#include "unit.h"

/* hex of "cks-1" */
#define STORE_HEX "636b732d31"

static int
query_count(const char *body)
{
	char	   *problem = NULL;
	struct json_object *root = cks_parse_json(body, strlen(body), &problem);
	struct json_object *queries = NULL;
	int			n = -1;

	if (root && json_object_object_get_ex(root, "MetricDataQueries", &queries))
		n = (int) json_object_array_length(queries);
	json_object_put(root);
	return n;
}

/* One store, one metric: one query, the defaults sent. */
static void
test_request(void)
{
	const char *values[CKS_MAX_OPERATION_PARAMETERS] = {NULL};
	char	   *body;

	CHECK_STR(cks_service_cloudwatch.content_type, "application/x-amz-json-1.0");
	CHECK_STR(cks_service_cloudwatch.signing_name, "monitoring");
	CHECK_STR(cks_service_cloudwatch.target_prefix, "GraniteServiceVersion20100801");
	CHECK_STR(cks_service_cloudwatch.endpoint_option, "cloudwatch_endpoint");
	values[CKS_METRIC_PARAM_STORES] = aws_json_string_list((const char *[]) {"cks-1"}, 1);
	values[CKS_METRIC_PARAM_METRICS] =
		aws_json_string_list((const char *[]) {"XksProxyErrors"}, 1);
	values[CKS_METRIC_PARAM_START] = "1700000000";
	values[CKS_METRIC_PARAM_END] = "1700010800";
	body = cks_metric_data_request(&cks_op_get_metric_data, values, NULL, 0);
	CHECK_STR(body, "{\"MetricDataQueries\":[{\"Id\":\"q200_300_" STORE_HEX "\","
			  "\"MetricStat\":{\"Metric\":{\"Namespace\":\"AWS/KMS\","
			  "\"MetricName\":\"XksProxyErrors\",\"Dimensions\":[{\"Name\":"
			  "\"KeyStoreId\",\"Value\":\"cks-1\"}]},\"Period\":300,"
			  "\"Stat\":\"Average\"},\"ReturnData\":true}],"
			  "\"StartTime\":1700000000,\"EndTime\":1700010800}");
	/* every metric: four, and the states metric once per state */
	values[CKS_METRIC_PARAM_METRICS] = NULL;
	values[CKS_METRIC_PARAM_PERIOD] = "[\"60\"]";
	body = cks_metric_data_request(&cks_op_get_metric_data, values, "tok", 0);
	CHECK(query_count(body) == 7);
	CHECK(strstr(body, "\"Period\":60,") != NULL);
	CHECK(strstr(body, "\"Id\":\"q420_60_" STORE_HEX "\"") != NULL);
	CHECK(strstr(body, "{\"Name\":\"XksExternalKeyManagerState\",\"Value\":\"Unavailable\"}") != NULL);
	CHECK(strstr(body, "\"EndTime\":1700010800,\"NextToken\":\"tok\"}") != NULL);
	/* a metric or statistic we do not know is not asked for */
	values[CKS_METRIC_PARAM_METRICS] =
		aws_json_string_list((const char *[]) {"Nope", "XksProxyLatency"}, 2);
	values[CKS_METRIC_PARAM_STATS] =
		aws_json_string_list((const char *[]) {"Maximum", "p99", "Sum"}, 3);
	body = cks_metric_data_request(&cks_op_get_metric_data, values, NULL, 0);
	CHECK(query_count(body) == 2);
}

/* Stores a request takes: as many as their queries fit in 500. */
static void
test_stores_per_request(void)
{
	const char *values[CKS_MAX_OPERATION_PARAMETERS] = {NULL};
	const char *stores[600];
	char		names[600][16];
	int			i;

	CHECK(cks_metric_stores_per_request(&cks_op_get_metric_data, values) == 71);
	values[CKS_METRIC_PARAM_METRICS] =
		aws_json_string_list((const char *[]) {"XksProxyCertificateDaysToExpire"}, 1);
	CHECK(cks_metric_stores_per_request(&cks_op_get_metric_data, values) == 500);
	values[CKS_METRIC_PARAM_STATS] =
		aws_json_string_list((const char *[]) {"Minimum", "Maximum"}, 2);
	CHECK(cks_metric_stores_per_request(&cks_op_get_metric_data, values) == 250);
	/* a list too long for one request is cut at 500 queries, never more */
	for (i = 0; i < 600; i++)
	{
		snprintf(names[i], sizeof(names[i]), "cks-%d", i);
		stores[i] = names[i];
	}
	values[CKS_METRIC_PARAM_STATS] = NULL;
	values[CKS_METRIC_PARAM_STORES] = aws_json_string_list(stores, 600);
	values[CKS_METRIC_PARAM_START] = "1";
	values[CKS_METRIC_PARAM_END] = "2";
	CHECK(query_count(cks_metric_data_request(&cks_op_get_metric_data, values,
											  NULL, 0)) == 500);
	CHECK(cks_operation_takes_lists(&cks_op_get_metric_data));
	CHECK(cks_operation_values_per_request(&cks_op_describe_clusters, values) ==
		  CKS_FILTER_VALUES_PER_REQUEST);
}

static bool
rows_of(const char *body, CksJsonPage *page, CksAwsError *err)
{
	memset(err, 0, sizeof(*err));
	if (!aws_json_parse_page(&cks_op_get_metric_data.page, body, strlen(body),
							 200, page, err))
		return false;
	if (cks_metric_page_rows(page, err))
		return true;
	aws_json_page_free(page);
	return false;
}

/* An answer with one datapoint more than CloudWatch ever sends in one
 * call, split over two results: refused, not turned into rows.  Numbers
 * are written long (16 characters) so the body is sparse enough for the
 * parse guard and the datapoint bound is what refuses it. */
static bool
too_many_datapoints_accepted(CksJsonPage *page, CksAwsError *err)
{
	StringInfoData body;
	int			half = CKS_METRIC_MAX_DATAPOINTS / 2 + 1;
	int			r,
				i;
	bool		ok;

	initStringInfo(&body);
	appendStringInfoString(&body, "{\"MetricDataResults\":[");
	for (r = 0; r < 2; r++)
	{
		appendStringInfo(&body, "%s{\"Id\":\"q000_300_" STORE_HEX "\",\"Timestamps\":[",
						 r ? "," : "");
		for (i = 0; i < half; i++)
			appendStringInfo(&body, "%s%d.00000", i ? "," : "", 1700000000 + i);
		appendStringInfoString(&body, "],\"Values\":[");
		for (i = 0; i < half; i++)
			appendStringInfoString(&body, i ? ",1.00000000000000" : "1.00000000000000");
		appendStringInfoString(&body, "]}");
	}
	appendStringInfoString(&body, "]}");
	ok = rows_of(body.data, page, err);
	if (ok)
		aws_json_page_free(page);
	pfree(body.data);
	return ok;
}

/* Each datapoint is a row, its store, metric, state, statistic and period
 * read back from the query's Id; numbers as AWS wrote them. */
static void
test_rows(void)
{
	CksJsonPage page;
	CksAwsError err;
	struct json_object *row;
	bool		ok;

	ok = rows_of("{\"MetricDataResults\":[{\"Id\":\"q421_300_" STORE_HEX "\","
				 "\"Label\":\"x\",\"Timestamps\":[1700000300,1700000000],"
				 "\"Values\":[1.0,0.5],\"StatusCode\":\"Complete\"},"
				 "{\"Id\":\"q000_60_" STORE_HEX "\",\"Timestamps\":[],\"Values\":[]}],"
				 "\"NextToken\":\"n\",\"Messages\":[]}", &page, &err);
	CHECK(ok);
	CHECK(page.nentries == 2);
	CHECK(page.truncated);
	row = json_object_array_get_idx(page.entries, 1);
	CHECK_STR(aws_json_entry_json(row),
			  "{\"KeyStoreId\":\"cks-1\",\"MetricName\":\"XksExternalKeyManagerStates\","
			  "\"XksExternalKeyManagerState\":\"Degraded\",\"Stat\":\"Sum\","
			  "\"Period\":300,\"Timestamp\":1700000000,\"Value\":0.5}");
	aws_json_page_free(&page);

	/* what is not ours, or not a series, is a bad response */
	CHECK(!rows_of("{\"MetricDataResults\":[{\"Id\":\"other\"}]}", &page, &err));
	CHECK(err.kind == CKS_ERR_BAD_RESPONSE);
	CHECK(!rows_of("{\"MetricDataResults\":[{\"Id\":\"q010_300_" STORE_HEX "\"}]}",
				   &page, &err));
	CHECK(!rows_of("{\"MetricDataResults\":[{\"Id\":\"q000_300_636\"}]}", &page, &err));
	CHECK(!rows_of("{\"MetricDataResults\":[{\"Id\":\"q000_300_0000\"}]}", &page, &err));
	CHECK(!rows_of("{\"MetricDataResults\":[{\"Id\":\"q000_300_" STORE_HEX "\","
				   "\"Timestamps\":[1],\"Values\":[]}]}", &page, &err));
	CHECK(strstr(err.message, "1 Timestamps but 0 Values") != NULL);
	CHECK(!rows_of("{\"MetricDataResults\":[{\"Id\":\"q000_300_" STORE_HEX "\","
				   "\"Timestamps\":[\"x\"],\"Values\":[1]}]}", &page, &err));
	CHECK(!too_many_datapoints_accepted(&page, &err));
	CHECK(err.message != NULL && strstr(err.message, "more than 100800 datapoints") != NULL);
	CHECK(cks_table_kind_by_name("key_store_metrics") == &cks_kind_key_store_metrics);
	CHECK(cks_remote_schema_exists("cloudwatch"));
}

void
run_metrics_tests(void)
{
	test_request();
	test_stores_per_request();
	test_rows();
}
