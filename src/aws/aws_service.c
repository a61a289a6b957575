/*-------------------------------------------------------------------------
 *
 * aws_service.c
 *	  The service and operation descriptors (see aws_service.h): data, plus
 *	  the two small functions that derive a target header and a parameter
 *	  index from them.
 *
 *	  Five services (KMS, STS, CloudHSM v2, Organizations, CloudWatch) and the
 *	  operations cks_fdw calls on them: a new table's listing is one more
 *	  descriptor here and a column table in table_kinds.c.
 *
 *-------------------------------------------------------------------------
 */
#ifdef FRONTEND
#include "postgres_fe.h"
#else
#include "postgres.h"
#endif

#include "aws/aws_json.h"
#include "aws/aws_service.h"
#include "aws/metric_queries.h"
#include "aws/sts.h"

/* AWS JSON 1.0 and 1.1 differ on the wire only by this header for what
 * cks_fdw reads (the error shape is the same): data, not code */
#define JSON_1_0_CONTENT_TYPE	"application/x-amz-json-1.0"
#define JSON_1_1_CONTENT_TYPE	"application/x-amz-json-1.1"

/*
 * The Query protocol's error document carries its own request id and no
 * X-Amzn-ErrorType header; adapt sts_parse_error to the common shape.
 */
static void
query_parse_error(long http_status, const char *error_type_header,
				  const char *request_id_header, const char *body,
				  size_t len, CksAwsError *err)
{
	sts_parse_error(http_status, request_id_header, body, len, err);
}

/*
 * Positional, in the order of CksService: signing name, endpoint option,
 * default endpoint; protocol, content type, target prefix, API version;
 * error parser, IAM prefix, display name; botocore's model directory.
 */
const CksService cks_service_kms = {"kms", "endpoint", "https://kms.{region}.amazonaws.com",
	CKS_PROTOCOL_JSON, JSON_1_1_CONTENT_TYPE, "TrentService", NULL, aws_json_parse_error, "kms", "KMS", "kms"};

const CksService cks_service_sts = {"sts", "sts_endpoint", "https://sts.{region}.amazonaws.com",
	CKS_PROTOCOL_QUERY, STS_CONTENT_TYPE, NULL, STS_API_VERSION, query_parse_error, "sts", "STS", "sts"};

const CksService cks_service_cloudhsm = {"cloudhsm", "cloudhsm_endpoint", "https://cloudhsmv2.{region}.amazonaws.com",
	CKS_PROTOCOL_JSON, JSON_1_1_CONTENT_TYPE, "BaldrApiService", NULL, aws_json_parse_error, "cloudhsm", "CloudHSM", "cloudhsmv2"};

/* Organizations has one endpoint for the whole partition. */
const CksService cks_service_organizations = {"organizations", "organizations_endpoint",
	"https://organizations.us-east-1.amazonaws.com", CKS_PROTOCOL_JSON, JSON_1_1_CONTENT_TYPE,
	"AWSOrganizationsV20161128", NULL, aws_json_parse_error, "organizations",
	"Organizations", "organizations"};

/* CloudWatch speaks AWS JSON 1.0 and signs as "monitoring". */
const CksService cks_service_cloudwatch = {"monitoring", "cloudwatch_endpoint",
	"https://monitoring.{region}.amazonaws.com", CKS_PROTOCOL_JSON, JSON_1_0_CONTENT_TYPE,
	"GraniteServiceVersion20100801", NULL, aws_json_parse_error, "cloudwatch",
	"CloudWatch", "cloudwatch"};

/*
 * How KMS pages a listing: Limit and Marker in (in that body order, as
 * botocore's model lists them), NextMarker and Truncated out, at most 1000
 * entries a page.  One initializer, so KMS's list operations cannot drift
 * apart; only the field holding the entries differs.
 */
#define KMS_MARKER_PAGING(entries) \
	{ \
		.entries_field = (entries), \
		.request_token = "Marker", \
		.response_token = "NextMarker", \
		.truncated_field = "Truncated", \
		.limit_field = "Limit", \
		.max_limit = 1000, \
		.token_before_limit = false, \
	}

/*
 * How CloudHSM v2 and Organizations page a listing: MaxResults and
 * NextToken in (the token first), NextToken out, no truncated flag; only
 * the field holding the entries and the page's size differ.
 */
#define NEXT_TOKEN_PAGING(entries, max) \
	{ \
		.entries_field = (entries), \
		.request_token = "NextToken", \
		.response_token = "NextToken", \
		.truncated_field = NULL, \
		.limit_field = "MaxResults", \
		.max_limit = (max), \
		.token_before_limit = true, \
	}

/*
 * DescribeCustomKeyStores: CustomKeyStoreId or CustomKeyStoreName names one
 * store (and then no Limit is sent); without either it lists them all,
 * Limit/Marker in, NextMarker/Truncated out.
 */
const CksOperation cks_op_describe_custom_key_stores = {
	.service = &cks_service_kms,
	.action = "DescribeCustomKeyStores",
	.parameters = {"CustomKeyStoreId", "CustomKeyStoreName"},
	.page = KMS_MARKER_PAGING("CustomKeyStores"),
	.build_request = aws_json_list_request,
	.not_found_code = "CustomKeyStoreNotFoundException",
	.lookups_unpaged = true,
	/* the XKS proxy's authentication credential id (sensitive in the model) */
	.sensitive_paths = {"CustomKeyStores[].XksProxyConfiguration.AccessKeyId"},
};

/*
 * DescribeKey: the KeyMetadata of one key, named by id, key ARN, alias name
 * or alias ARN.  It is both ListKeys's expansion and the lookup a pushed
 * key_id becomes; a key that does not exist (or was deleted after ListKeys
 * named it) is NotFoundException.
 */
const CksOperation cks_op_describe_key = {
	.service = &cks_service_kms,
	.action = "DescribeKey",
	.parameters = {"KeyId"},
	.page = {
		.entries_field = "KeyMetadata",
		.single_entry = true,
	},
	.build_request = aws_json_list_request,
	.not_found_code = "NotFoundException",
	.lookups_unpaged = true,
};

static const CksExpansion describe_each_key = {
	.operation = &cks_op_describe_key,
	.entry_field = "KeyId",
	.parameter = "KeyId",
};

/*
 * ListKeys: KeyId and KeyArn of every key of the account and region,
 * Limit/Marker in, NextMarker/Truncated out; each entry is expanded by
 * DescribeKey, since ListKeys alone cannot tell a key's state or owner.
 */
const CksOperation cks_op_list_keys = {
	.service = &cks_service_kms,
	.action = "ListKeys",
	.page = KMS_MARKER_PAGING("Keys"),
	.build_request = aws_json_list_request,
	.expansion = &describe_each_key,
};

/*
 * GetKeyLastUsage: the last successful cryptographic use of one key (key
 * id or key ARN) since KMS began tracking (TrackingStartDate); the answer
 * has no KeyLastUsage when there was none.  A keys-table follow-up made
 * only when a last-use column is read (key_extras.c).  AWS's default
 * quota: 5 requests per second per account and region.
 */
const CksOperation cks_op_get_key_last_usage = {
	.service = &cks_service_kms,
	.action = "GetKeyLastUsage",
	.parameters = {"KeyId"},
	.page = {
		.entries_field = "KeyLastUsage",
		.single_entry = true,
	},
	.build_request = aws_json_list_request,
	.not_found_code = "NotFoundException",
	.lookups_unpaged = true,
};

/*
 * ListResourceTags: the tags of one key, Limit/Marker in, NextMarker/
 * Truncated out; AWS returns at most 50 a page.  A keys-table follow-up
 * made only when tags is read.
 */
const CksOperation cks_op_list_resource_tags = {
	.service = &cks_service_kms,
	.action = "ListResourceTags",
	.parameters = {"KeyId"},
	.page = {
		.entries_field = "Tags",
		.request_token = "Marker",
		.response_token = "NextMarker",
		.truncated_field = "Truncated",
		.limit_field = "Limit",
		.max_limit = 50,
		.token_before_limit = false,
	},
	.build_request = aws_json_list_request,
	.not_found_code = "NotFoundException",
};

/*
 * ListAliases: every alias of the account and region (those without a
 * target too), Limit/Marker in, at most 100 a page.  Listed once per
 * region when aliases is read, and joined to the keys by TargetKeyId.
 */
const CksOperation cks_op_list_aliases = {
	.service = &cks_service_kms,
	.action = "ListAliases",
	.parameters = {"KeyId"},
	.page = {
		.entries_field = "Aliases",
		.request_token = "Marker",
		.response_token = "NextMarker",
		.truncated_field = "Truncated",
		.limit_field = "Limit",
		.max_limit = 100,
		.token_before_limit = false,
	},
	.build_request = aws_json_list_request,
};

/*
 * CloudHSM v2 DescribeClusters: pushed values go in the Filters object
 * (every filter must match); NextToken in and out with no truncated flag,
 * MaxResults at most 25.  An id that matches nothing is an empty page,
 * not an error.
 */
const CksOperation cks_op_describe_clusters = {
	.service = &cks_service_cloudhsm,
	.action = "DescribeClusters",
	.parameters = {"clusterIds", "states", "vpcIds"},
	.filter_field = "Filters",
	.page = NEXT_TOKEN_PAGING("Clusters", 25),
	.build_request = aws_json_list_request,
	/* the password of the cluster's Pre-Crypto Officer: botocore's model
	 * leaves it unmarked, but it is a password */
	.sensitive_paths = {"Clusters[].PreCoPassword"},
};

/*
 * CloudHSM v2 DescribeBackups: the same Filters object as DescribeClusters
 * (backupIds, clusterIds, states, neverExpires), NextToken in and out with
 * no truncated flag, MaxResults at most 50 (BackupsMaxSize).
 */
const CksOperation cks_op_describe_backups = {
	.service = &cks_service_cloudhsm,
	.action = "DescribeBackups",
	.parameters = {"backupIds", "clusterIds", "states", "neverExpires"},
	.filter_field = "Filters",
	.page = {
		.entries_field = "Backups",
		.request_token = "NextToken",
		.response_token = "NextToken",
		.truncated_field = NULL,
		.limit_field = "MaxResults",
		.max_limit = 50,
		.token_before_limit = true,
	},
	.build_request = aws_json_list_request,
};

/*
 * Without a store qual, key_store_metrics first lists each account's and
 * region's custom key stores and asks about the external ones.
 */
static const CksDiscovery external_key_stores = {
	.operation = &cks_op_describe_custom_key_stores,
	.entry_field = "CustomKeyStoreId",
	.where_field = "CustomKeyStoreType",
	.where_value = "EXTERNAL_KEY_STORE",
	.parameter = CKS_METRIC_PARAM_STORES,
};

/*
 * CloudWatch GetMetricData of the AWS/KMS metrics of external key stores
 * (metric_queries.c builds the queries and reads the answer): every
 * parameter is a list, the stores first; at most 500 queries a request,
 * so a request carries as many stores as their queries allow.  NextToken
 * in and out; no MaxDatapoints is sent (AWS's 100,800 a page).  The model
 * marks no member of the answer sensitive.
 */
const CksOperation cks_op_get_metric_data = {
	.service = &cks_service_cloudwatch,
	.action = "GetMetricData",
	.parameters = {"KeyStoreIds", "MetricNames", "Stat", "Period", "StartTime", "EndTime"},
	.page = {
		.entries_field = "MetricDataResults",
		.request_token = "NextToken",
		.response_token = "NextToken",
		.truncated_field = NULL,
		.limit_field = "MaxDatapoints",
		.max_limit = 100800,
		.token_before_limit = true,
	},
	.build_request = cks_metric_data_request,
	.lookups_unpaged = true,
	.takes_lists = true,
	.values_per_request = cks_metric_stores_per_request,
	.page_rows = cks_metric_page_rows,
	.discovery = &external_key_stores,
	.parameter_defaults = {"<each EXTERNAL_KEY_STORE CustomKeyStoreId>",
		"<every XKS metric>", "'" CKS_METRIC_DEFAULT_STAT "'", "300",
	"<EndTime - 3 hours>", "<now>"},
};

/*
 * Organizations ListAccounts: every account of the organization, 20 at
 * most per page, NextToken in and out (no truncated flag).  Only the
 * management account or a delegated administrator may call it.
 */
const CksOperation cks_op_organizations_list_accounts = {
	.service = &cks_service_organizations,
	.action = "ListAccounts",
	.page = NEXT_TOKEN_PAGING("Accounts", 20),
	.build_request = aws_json_list_request,
	/* the e-mail addresses never reach a row */
	.sensitive_paths = {"Accounts[].Email", "Accounts[].Name"},

	/*
	 * The model marks Name sensitive, yet the account's name is the
	 * account_name column of every table on an organization server: a
	 * report of many accounts is read by their names, and they are not
	 * secret to the people who run those accounts.  Its only reader is
	 * organization.c.
	 */
	.shown_paths = {"Accounts[].Name"},
};

/*
 * Bodies of the STS calls come from sts.c; these say how to send them.
 * Their credentials never reach a row; they are listed as sensitive so
 * that the model check covers every answer cks_fdw reads.
 */
const CksOperation cks_op_sts_assume_role = {
	.service = &cks_service_sts,
	.action = "AssumeRole",
	.iam_resource = " on the role",
	.sensitive_paths = {"Credentials.SecretAccessKey", "Credentials.SessionToken"},
};

/* Sent unsigned by credential_sources.c (web_identity); described here
 * for the sensitive fields of its answer. */
const CksOperation cks_op_sts_assume_role_with_web_identity = {
	.service = &cks_service_sts,
	.action = "AssumeRoleWithWebIdentity",
	.sensitive_paths = {"Credentials.SecretAccessKey", "Credentials.SessionToken"},
};

const CksOperation cks_op_sts_get_caller_identity = {
	.service = &cks_service_sts,
	.action = "GetCallerIdentity",
};

const CksOperation *const cks_operations[] = {
	&cks_op_describe_custom_key_stores,
	&cks_op_list_keys,
	&cks_op_describe_key,
	&cks_op_get_key_last_usage,
	&cks_op_list_resource_tags,
	&cks_op_list_aliases,
	&cks_op_describe_clusters,
	&cks_op_describe_backups,
	&cks_op_get_metric_data,
	&cks_op_organizations_list_accounts,
	&cks_op_sts_assume_role,
	&cks_op_sts_get_caller_identity,
	&cks_op_sts_assume_role_with_web_identity,
	NULL
};

char *
cks_operation_target(const CksOperation *op)
{
	if (op->service->protocol != CKS_PROTOCOL_JSON)
		return NULL;
	return psprintf("%s.%s", op->service->target_prefix, op->action);
}

bool
cks_operation_takes_lists(const CksOperation *op)
{
	return op->filter_field != NULL || op->takes_lists;
}

int
cks_operation_values_per_request(const CksOperation *op,
								 const char *const *values)
{
	if (op->values_per_request == NULL)
		return CKS_FILTER_VALUES_PER_REQUEST;
	return op->values_per_request(op, values);
}

int
cks_operation_parameter(const CksOperation *op, const char *name)
{
	int			i;

	for (i = 0; op->parameters[i] != NULL; i++)
		if (strcmp(op->parameters[i], name) == 0)
			return i;
	return -1;
}

bool
cks_operation_shows(const CksOperation *op, const char *path)
{
	int			i;

	for (i = 0; op->shown_paths[i] != NULL; i++)
		if (strcmp(op->shown_paths[i], path) == 0)
			return true;
	return false;
}

const CksOperation *
cks_lookup_operation(const CksOperation *op)
{
	return op->expansion ? op->expansion->operation : op;
}

/*
 * The row builder removes sensitive fields from an entry, which is one
 * element of the entries field ("CustomKeyStores[]") or, for a
 * single-entry answer, the field itself ("KeyMetadata"): the descriptor's
 * paths below that prefix, with the prefix cut off.
 */
int
cks_entry_sensitive_paths(const CksOperation *op, const char **paths)
{
	const char *entries = op->page.entries_field;
	const char *suffix = op->page.single_entry ? "." : "[].";
	size_t		len;
	int			n = 0;
	int			i;

	if (entries == NULL)
		return 0;
	len = strlen(entries);
	for (i = 0; op->sensitive_paths[i] != NULL; i++)
	{
		const char *path = op->sensitive_paths[i];

		if (strncmp(path, entries, len) == 0 &&
			strncmp(path + len, suffix, strlen(suffix)) == 0 &&
			path[len + strlen(suffix)] != '\0')
			paths[n++] = path + len + strlen(suffix);
	}
	return n;
}
