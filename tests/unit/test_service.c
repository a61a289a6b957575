/*-------------------------------------------------------------------------
 *
 * test_service.c
 *	  Unit tests of the descriptors (src/aws/aws_service.c, src/table_kinds.c)
 *	  and of what makes a new list operation "a descriptor plus a column
 *	  table": the Organizations ListAccounts descriptor, with
 *	  NextToken/MaxResults and no truncated flag, is served by the same
 *	  request builder and page parser as DescribeCustomKeyStores.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <json-c/json.h>

#include "aws/aws_json.h"
#include "aws/aws_service.h"
#include "table_kinds.h"
#include "unit.h"

static void
test_targets_and_parameters(void)
{
	char	   *target = cks_operation_target(&cks_op_describe_custom_key_stores);

	CHECK_STR(target, "TrentService.DescribeCustomKeyStores");
	pfree(target);
	target = cks_operation_target(&cks_op_organizations_list_accounts);
	CHECK_STR(target, "AWSOrganizationsV20161128.ListAccounts");
	pfree(target);
	/* the Query protocol has no target header */
	CHECK(cks_operation_target(&cks_op_sts_assume_role) == NULL);

	CHECK(cks_operation_parameter(&cks_op_describe_custom_key_stores, "CustomKeyStoreId") == 0);
	CHECK(cks_operation_parameter(&cks_op_describe_custom_key_stores, "CustomKeyStoreName") == 1);
	CHECK(cks_operation_parameter(&cks_op_describe_custom_key_stores, "Limit") == -1);
	CHECK(cks_operation_parameter(&cks_op_organizations_list_accounts, "CustomKeyStoreId") == -1);
}

/* Service descriptors: signing names and protocols the wire needs. */
static void
test_services(void)
{
	CHECK_STR(cks_service_kms.signing_name, "kms");
	CHECK(cks_service_kms.protocol == CKS_PROTOCOL_JSON);
	CHECK_STR(cks_service_kms.content_type, "application/x-amz-json-1.1");
	CHECK_STR(cks_service_sts.signing_name, "sts");
	CHECK(cks_service_sts.protocol == CKS_PROTOCOL_QUERY);
	CHECK_STR(cks_service_sts.api_version, "2011-06-15");
	CHECK_STR(cks_service_cloudhsm.signing_name, "cloudhsm");
	CHECK_STR(cks_service_cloudhsm.target_prefix, "BaldrApiService");
	CHECK_STR(cks_service_organizations.endpoint_option, "organizations_endpoint");
}

/* Each service's error parser reads its own protocol's error document. */
static void
test_error_parsers(void)
{
	const char *json = "{\"__type\":\"AccessDeniedException\",\"message\":\"no\"}";
	const char *xml = "<ErrorResponse><Error><Code>AccessDenied</Code>"
		"<Message>no</Message></Error><RequestId>r-1</RequestId></ErrorResponse>";
	CksAwsError err;

	memset(&err, 0, sizeof(err));
	cks_service_kms.parse_error(400, NULL, "r-0", json, strlen(json), &err);
	CHECK(err.kind == CKS_ERR_AWS);
	CHECK_STR(err.code, "AccessDeniedException");
	aws_error_free(&err);

	cks_service_sts.parse_error(403, NULL, NULL, xml, strlen(xml), &err);
	CHECK(err.kind == CKS_ERR_AWS);
	CHECK_STR(err.code, "AccessDenied");
	CHECK_STR(err.request_id, "r-1");
	aws_error_free(&err);
}

static void
check_list_accounts_body(const char *token, int limit, const char *want)
{
	const char *values[CKS_MAX_OPERATION_PARAMETERS] = {0};
	char	   *body = cks_op_organizations_list_accounts.build_request(&cks_op_organizations_list_accounts, values,
												   token, limit);

	CHECK_STR(body, want);
	pfree(body);
}

/* botocore's ListAccounts input shape lists NextToken before MaxResults. */
static void
test_token_rule_request(void)
{
	check_list_accounts_body(NULL, 0, "{}");
	check_list_accounts_body(NULL, 20, "{\"MaxResults\":20}");
	check_list_accounts_body("tok/1", 20, "{\"NextToken\":\"tok/1\",\"MaxResults\":20}");
}

static bool
parse_accounts(const char *body, CksJsonPage *page, CksAwsError *err)
{
	memset(err, 0, sizeof(*err));
	return aws_json_parse_page(&cks_op_organizations_list_accounts.page, body, strlen(body), 200,
							   page, err);
}

/* Without a truncated flag, a non-empty NextToken is what says "more". */
static void
test_token_rule_pages(void)
{
	CksJsonPage page;
	CksAwsError err;

	if (CHECK(parse_accounts("{\"Accounts\":[{\"Id\":\"111111111111\"},{\"Id\":\"222222222222\"}],"
							 "\"NextToken\":\"t2\"}", &page, &err)))
	{
		CHECK(page.nentries == 2);
		CHECK(page.truncated);
		CHECK_STR(page.next_token, "t2");
		CHECK_STR(aws_json_entry_string(json_object_array_get_idx(page.entries, 1),
										"Id", NULL), "222222222222");
		aws_json_page_free(&page);
	}
	if (CHECK(parse_accounts("{\"Accounts\":[]}", &page, &err)))
	{
		CHECK(page.nentries == 0 && !page.truncated && page.next_token == NULL);
		aws_json_page_free(&page);
	}
	/* an empty or null token ends the listing too */
	if (CHECK(parse_accounts("{\"Accounts\":[],\"NextToken\":\"\"}", &page, &err)))
	{
		CHECK(!page.truncated);
		aws_json_page_free(&page);
	}
	if (CHECK(parse_accounts("{\"NextToken\":null}", &page, &err)))
	{
		CHECK(!page.truncated && page.entries == NULL);
		aws_json_page_free(&page);
	}

	/* the rule's own field names appear in what is refused */
	CHECK(!parse_accounts("{\"Accounts\":{}}", &page, &err));
	CHECK_STR(err.message, "response field \"Accounts\" is not an array");
	aws_error_free(&err);
	CHECK(!parse_accounts("{\"Accounts\":[1]}", &page, &err));
	CHECK_STR(err.message, "response field \"Accounts[0]\" is not an object");
	aws_error_free(&err);
	CHECK(!parse_accounts("{\"Accounts\":[],\"NextToken\":7}", &page, &err));
	CHECK_STR(err.message, "response field \"NextToken\" is not a string");
	aws_error_free(&err);
	/* a Truncated member means nothing to this rule */
	if (CHECK(parse_accounts("{\"Accounts\":[],\"Truncated\":\"yes\"}", &page, &err)))
	{
		CHECK(!page.truncated);
		aws_json_page_free(&page);
	}
}

/*
 * Every table kind is consistent: columns unique, every pushed-down column
 * names a parameter its operation has, data columns have a path, the
 * operation is a list operation, and lookup by name finds it.
 */
static void
test_table_kinds(void)
{
	int			k;

	CHECK(cks_table_kind_by_name("custom_key_stores") == &cks_kind_custom_key_stores);
	CHECK(cks_table_kind_by_name("no_such_table") == NULL);
	CHECK(cks_remote_schema_exists("kms"));
	CHECK(!cks_remote_schema_exists("public"));

	for (k = 0; cks_table_kinds[k] != NULL; k++)
	{
		const CksTableKind *kind = cks_table_kinds[k];
		int			i;

		const CksPushdown *p;

		CHECK(kind->operation->page.entries_field != NULL);
		CHECK(kind->operation->build_request != NULL);
		for (p = kind->pushdown; p->column != NULL; p++)
		{
			CHECK(cks_kind_column(kind, p->column) >= 0);
			CHECK(cks_operation_parameter(cks_lookup_operation(kind->operation),
										  p->parameter) >= 0);
		}
		for (i = 0; i < kind->ncolumns; i++)
		{
			const CksColumnDef *col = &kind->columns[i];

			CHECK(cks_kind_column(kind, col->name) == i);
			CHECK((col->json_path == NULL) ==
				  (col->conversion == CKS_CONV_REGION ||
				   col->conversion == CKS_CONV_ACCOUNT ||
				   col->conversion == CKS_CONV_ACCOUNT_NAME ||
				   col->conversion == CKS_CONV_RAW));
		}
	}
	CHECK(cks_kind_column(&cks_kind_custom_key_stores, "custom_key_store_id") == 0);
	CHECK(cks_kind_column(&cks_kind_custom_key_stores, "nope") == -1);
	CHECK(cks_kind_custom_key_stores.ncolumns == 18);
	CHECK_STR(cks_kind_pushdown(&cks_kind_custom_key_stores, 0)->parameter, "CustomKeyStoreId");
	CHECK_STR(cks_kind_pushdown(&cks_kind_custom_key_stores, 1)->parameter, "CustomKeyStoreName");
	CHECK(cks_kind_pushdown(&cks_kind_custom_key_stores, 2) == NULL);

	/* keys: 35 columns; key_id is DescribeKey's KeyId, answered by AWS */
	CHECK(cks_kind_keys.ncolumns == 35);
	CHECK(cks_table_kind_by_name("keys") == &cks_kind_keys);
	CHECK(cks_lookup_operation(cks_kind_keys.operation) == &cks_op_describe_key);
	CHECK(cks_lookup_operation(&cks_op_describe_clusters) == &cks_op_describe_clusters);
	CHECK(cks_kind_pushdown(&cks_kind_keys, 0)->resolved_by_aws);
	CHECK(cks_kind_pushdown_of_parameter(&cks_kind_keys, 0) ==
		  cks_kind_pushdown(&cks_kind_keys, 0));

	/* cloudhsm_clusters: 21 columns, three filters, states from the enum */
	CHECK(cks_remote_schema_exists("cloudhsm"));
	CHECK(cks_kind_cloudhsm_clusters.ncolumns == 25);
	CHECK_STR(cks_kind_pushdown_of_parameter(&cks_kind_cloudhsm_clusters, 1)->column, "state");
	CHECK(cks_pushdown_value_is_valid(cks_kind_pushdown_of_parameter(&cks_kind_cloudhsm_clusters, 1),
									  "DEGRADED"));
	CHECK(!cks_pushdown_value_is_valid(cks_kind_pushdown_of_parameter(&cks_kind_cloudhsm_clusters, 1),
									   "degraded"));
	CHECK(cks_pushdown_value_is_valid(cks_kind_pushdown_of_parameter(&cks_kind_cloudhsm_clusters, 0),
									  "anything"));
}

/* DescribeClusters: pushed values go in Filters, as one-value lists, in
 * botocore's member order (Filters, NextToken, MaxResults). */
static void
test_filter_request(void)
{
	const char *values[CKS_MAX_OPERATION_PARAMETERS] = {NULL};
	char	   *body;

	body = aws_json_list_request(&cks_op_describe_clusters, values, NULL, 25);
	CHECK_STR(body, "{\"MaxResults\":25}");
	values[0] = "cluster-1a23b4cdefg";
	body = aws_json_list_request(&cks_op_describe_clusters, values, "t/1", 25);
	CHECK_STR(body, "{\"Filters\":{\"clusterIds\":[\"cluster-1a23b4cdefg\"]},"
			  "\"NextToken\":\"t/1\",\"MaxResults\":25}");
	values[0] = NULL;
	values[1] = "DEGRADED";
	body = aws_json_list_request(&cks_op_describe_clusters, values, NULL, 0);
	CHECK_STR(body, "{\"Filters\":{\"states\":[\"DEGRADED\"]}}");
	/* DescribeKey: the key alone, no limit */
	values[0] = "alias/app";
	values[1] = NULL;
	body = aws_json_list_request(&cks_op_describe_key, values, NULL, 0);
	CHECK_STR(body, "{\"KeyId\":\"alias/app\"}");
	/* the keys table's extra calls, in botocore's body order */
	values[0] = "k1";
	body = aws_json_list_request(&cks_op_get_key_last_usage, values, NULL, 0);
	CHECK_STR(body, "{\"KeyId\":\"k1\"}");
	body = aws_json_list_request(&cks_op_list_resource_tags, values, "m/1",
								 cks_op_list_resource_tags.page.max_limit);
	CHECK_STR(body, "{\"KeyId\":\"k1\",\"Limit\":50,\"Marker\":\"m/1\"}");
	values[0] = NULL;
	body = aws_json_list_request(&cks_op_list_aliases, values, NULL,
								 cks_op_list_aliases.page.max_limit);
	CHECK_STR(body, "{\"Limit\":100}");
}

/*
 * The keys table's extra calls: which column each fills, per entry or
 * per region, and the one sensitive field shown on purpose.
 */
static void
test_extras(void)
{
	const CksTableKind *kind = &cks_kind_keys;
	int			col = cks_kind_column(kind, "last_used_at");
	int			tags = cks_kind_column(kind, "tags");
	int			aliases = cks_kind_column(kind, "aliases");

	CHECK(col >= 0 && kind->columns[col].extra != NULL);
	CHECK(kind->columns[col].extra->operation == &cks_op_get_key_last_usage);
	CHECK(cks_kind_extra_index(kind, kind->columns[col].extra) == 0);
	CHECK(kind->columns[tags].extra->operation == &cks_op_list_resource_tags);
	CHECK_STR(kind->columns[tags].extra->refused_code, "AccessDeniedException");
	CHECK(kind->columns[aliases].extra->scope == CKS_EXTRA_PER_REGION);
	CHECK(kind->columns[cks_kind_column(kind, "key_id")].extra == NULL);
	CHECK(kind->columns[cks_kind_column(kind, "raw")].extra == NULL);
	CHECK(cks_kind_extra_index(&cks_kind_custom_key_stores,
							   kind->columns[col].extra) == -1);
	CHECK_STR(kind->account_field, "AWSAccountId");
	CHECK(cks_kind_column(&cks_kind_cloudhsm_clusters, "account_name") >= 0);
	CHECK(cks_operation_shows(&cks_op_organizations_list_accounts, "Accounts[].Name"));
	CHECK(!cks_operation_shows(&cks_op_organizations_list_accounts, "Accounts[].Email"));
	CHECK(!cks_operation_shows(&cks_op_describe_custom_key_stores,
							   "CustomKeyStores[].XksProxyConfiguration.AccessKeyId"));
}

static bool
parse_key(const char *body, CksJsonPage *page, CksAwsError *err)
{
	memset(err, 0, sizeof(*err));
	return aws_json_parse_page(&cks_op_describe_key.page, body, strlen(body),
							   200, page, err);
}

/* DescribeKey's one KeyMetadata object is a page of one entry. */
static void
test_single_entry_pages(void)
{
	CksJsonPage page;
	CksAwsError err;

	if (CHECK(parse_key("{\"KeyMetadata\":{\"KeyId\":\"k1\"}}", &page, &err)))
	{
		CHECK(page.nentries == 1);
		CHECK_STR(aws_json_entry_string(json_object_array_get_idx(page.entries, 0),
										"KeyId", NULL), "k1");
		CHECK(!page.truncated);
		aws_json_page_free(&page);
	}
	if (CHECK(parse_key("{}", &page, &err)))
	{
		CHECK(page.nentries == 0);
		aws_json_page_free(&page);
	}
	CHECK(!parse_key("{\"KeyMetadata\":[{\"KeyId\":\"k1\"}]}", &page, &err));
	CHECK_STR(err.message, "response field \"KeyMetadata\" is not an object");
	CHECK(err.kind == CKS_ERR_BAD_RESPONSE);
}

/* The accessors of the new conversions: present, absent (null), wrong type. */
static void
test_typed_accessors(void)
{
	const char *text = "{\"Enabled\":true,\"Window\":7,\"Big\":4294967296,"
		"\"Frac\":7.5,\"Algs\":[\"A\",\"B\"],\"Mixed\":[\"A\",1],"
		"\"Null\":null,\"Str\":\"x\",\"Obj\":{\"a\":[1]}}";
	struct json_object *entry = json_tokener_parse(text);
	bool		flag = false;
	bool		ok;
	int			n = 0;
	struct json_object *array;

	CHECK(aws_json_entry_boolean(entry, "Enabled", &flag, &ok) && flag && ok);
	CHECK(!aws_json_entry_boolean(entry, "Null", &flag, &ok) && ok);
	CHECK(!aws_json_entry_boolean(entry, "Absent", &flag, &ok) && ok);
	CHECK(!aws_json_entry_boolean(entry, "Str", &flag, &ok) && !ok);
	CHECK(aws_json_entry_integer(entry, "Window", &n, &ok) && n == 7 && ok);
	CHECK(!aws_json_entry_integer(entry, "Big", &n, &ok) && !ok);
	CHECK(!aws_json_entry_integer(entry, "Frac", &n, &ok) && !ok);
	CHECK(!aws_json_entry_integer(entry, "Str", &n, &ok) && !ok);
	array = aws_json_entry_array(entry, "Algs", &n, &ok);
	CHECK(array != NULL && n == 2 && ok);
	CHECK_STR(aws_json_array_string(array, 1), "B");
	array = aws_json_entry_array(entry, "Mixed", &n, &ok);
	CHECK(array != NULL && aws_json_array_string(array, 1) == NULL);
	CHECK(aws_json_entry_array(entry, "Obj", &n, &ok) == NULL && !ok && n == 0);
	CHECK(aws_json_entry_array(entry, "Null", &n, &ok) == NULL && ok);
	CHECK(aws_json_entry_value(entry, "Obj.a", &ok) != NULL && ok);
	CHECK(aws_json_entry_value(entry, "Str.a", &ok) == NULL && !ok);
	json_object_put(entry);
}

void
run_service_tests(void)
{
	test_filter_request();
	test_extras();
	test_single_entry_pages();
	test_typed_accessors();
	test_targets_and_parameters();
	test_services();
	test_error_parsers();
	test_token_rule_request();
	test_token_rule_pages();
	test_table_kinds();
}
