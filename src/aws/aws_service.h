/*-------------------------------------------------------------------------
 *
 * aws_service.h
 *	  What cks_fdw knows about each AWS service and each operation it
 *	  calls, as data: how a service is signed, addressed and spoken to
 *	  (AWS JSON 1.0 or 1.1, or Query/XML), how its errors are read, and for an
 *	  operation its parameters, its page rule and its "not found" code.
 *
 *	  The call engine (aws_call.c) and the scanner (scan.c) read these
 *	  descriptors instead of knowing any service by name, so a new
 *	  read-only list operation is one more CksOperation here plus a column
 *	  table in table_kinds.c.
 *
 *	  Frontend-safe (no backend needed).
 *
 *-------------------------------------------------------------------------
 */
#ifndef CKS_AWS_SERVICE_H
#define CKS_AWS_SERVICE_H

#include <stdbool.h>
#include <stddef.h>

#include "aws/aws_error.h"

typedef enum CksProtocol
{
	CKS_PROTOCOL_JSON,			/* AWS JSON 1.0 or 1.1 (content_type says
								 * which): JSON body, X-Amz-Target */
	CKS_PROTOCOL_QUERY			/* AWS Query: form body, XML response */
} CksProtocol;

/*
 * Turn a non-2xx response into err.  error_type_header is X-Amzn-ErrorType
 * (JSON protocol only), request_id_header x-amzn-RequestId; both may be NULL.
 */
typedef void (*CksErrorParser) (long http_status,
								const char *error_type_header,
								const char *request_id_header,
								const char *body, size_t len,
								CksAwsError *err);

typedef struct CksService
{
	const char *signing_name;	/* SigV4 service name, e.g. "kms" */
	const char *endpoint_option;	/* server option holding the endpoint */
	const char *default_endpoint;	/* its default; {region} is replaced */
	CksProtocol protocol;
	const char *content_type;
	const char *target_prefix;	/* JSON: X-Amz-Target is prefix.Action */
	const char *api_version;	/* Query: the Version every body carries */
	CksErrorParser parse_error;
	const char *iam_prefix;		/* IAM actions are prefix:Action */
	const char *display_name;	/* "KMS", "CloudHSM": EXPLAIN's label */
	const char *model_name;		/* botocore's data/<model_name>/ directory:
								 * "cloudhsmv2" (tests/unit/check_sensitive.py) */
} CksService;

extern const CksService cks_service_kms;
extern const CksService cks_service_sts;
extern const CksService cks_service_cloudhsm;
extern const CksService cks_service_organizations;
extern const CksService cks_service_cloudwatch;

/*
 * How a list operation pages: the request carries a token field (and a
 * limit field), the response an entries array and the next token.  A
 * response has more pages when truncated_field says so or, for services
 * without one, whenever it carries a non-empty next token.
 */
typedef struct CksPageRule
{
	const char *entries_field;	/* "CustomKeyStores" */
	bool		single_entry;	/* entries_field is one object, not an
								 * array (DescribeKey's "KeyMetadata") */
	const char *request_token;	/* "Marker", "NextToken" */
	const char *response_token; /* "NextMarker", "NextToken" */
	const char *truncated_field;	/* "Truncated", or NULL */
	const char *limit_field;	/* "Limit", "MaxResults" */
	int			max_limit;		/* largest limit the service takes */
	bool		token_before_limit; /* body order of botocore's model */
} CksPageRule;

/* Parameters an operation accepts from pushed-down quals, at most. */
#define CKS_MAX_OPERATION_PARAMETERS	6

/*
 * Values of a filter list (DescribeClusters's clusterIds) sent in one
 * request: = ANY with more makes one request per this many.  AWS's model
 * sets no bound on the list; the request body stays small.
 */
#define CKS_FILTER_VALUES_PER_REQUEST	100

/* Sensitive fields of one operation's answer, at most. */
#define CKS_MAX_SENSITIVE_PATHS	4

struct CksOperation;
struct CksJsonPage;

/*
 * An operation that must be told which things to ask about (GetMetricData
 * of each external key store) finds them first when no qual names them:
 * a listing (DescribeCustomKeyStores) whose entries with where_field equal
 * to where_value give their entry_field as values of 'parameter', a list,
 * sent in as few requests as the operation takes (values_per_request).
 */
typedef struct CksDiscovery
{
	const struct CksOperation *operation;	/* the listing */
	const char *entry_field;	/* "CustomKeyStoreId" */
	const char *where_field;	/* "CustomKeyStoreType" */
	const char *where_value;	/* "EXTERNAL_KEY_STORE" */
	int			parameter;		/* index in the operation's parameters */
} CksDiscovery;

/*
 * A list operation whose entries only name things (ListKeys gives a KeyId
 * and an ARN) is expanded: each entry is replaced by the single entry a
 * follow-up operation answers for it (DescribeKey of that KeyId).  The
 * scanner runs the follow-ups concurrently, while the listing goes on; a
 * follow-up failing with its not_found_code (the thing was deleted in
 * between) drops the entry.
 */
typedef struct CksExpansion
{
	const struct CksOperation *operation;	/* single-entry, one parameter */
	const char *entry_field;	/* field of the listed entry: "KeyId" */
	const char *parameter;		/* operation's parameter it fills */
} CksExpansion;

/*
 * The request body of one page: values[i] is the value of parameter i of
 * the operation (NULL: absent), token the page token (NULL on the first
 * page), limit the page size (0: absent).  palloc'd.
 */
typedef char *(*CksRequestBuilder) (const struct CksOperation *op,
									const char *const *values,
									const char *token, int limit);

typedef struct CksOperation
{
	const CksService *service;
	const char *action;			/* "DescribeCustomKeyStores" */
	const char *iam_resource;	/* appended to the IAM action in the
								 * AccessDenied hint, or NULL */
	/* request parameters quals can fill, in botocore's body order */
	const char *parameters[CKS_MAX_OPERATION_PARAMETERS + 1];
	const char *filter_field;	/* when set, the parameters are members of
								 * this object and each carries a list of
								 * values ("Filters": {"clusterIds": [..]});
								 * a value is then the JSON text of that
								 * list (cks_json_string_list), so = ANY
								 * is one request */
	CksPageRule page;			/* list operations; entries_field NULL else */
	CksRequestBuilder build_request;	/* list operations */
	const char *not_found_code; /* a lookup failing with it is zero rows */
	bool		lookups_unpaged;	/* a request naming one entry sends no
									 * limit (it returns at most one) */
	const CksExpansion *expansion;	/* entries to expand, or NULL */

	/*
	 * Every parameter carries a JSON list of values (as filter_field's
	 * do) without a filter object: the request builder reads the lists
	 * (GetMetricData's KeyStoreIds, MetricNames, Stat).
	 */
	bool		takes_lists;

	/* For a list-taking operation: how many values of the first list one
	 * request may carry, given the other parameters; NULL:
	 * CKS_FILTER_VALUES_PER_REQUEST. */
	int			(*values_per_request) (const struct CksOperation *op,
									   const char *const *values);

	/* Turn a parsed page's entries into rows (GetMetricData's results
	 * into one row per datapoint), or NULL: the entries are the rows. */
	bool		(*page_rows) (struct CksJsonPage *page, CksAwsError *err);

	/* what to list first when no qual names the things, or NULL */
	const CksDiscovery *discovery;

	/* what EXPLAIN shows for each parameter no qual fills (the default
	 * the request sends), for an operation with a discovery */
	const char *parameter_defaults[CKS_MAX_OPERATION_PARAMETERS + 1];

	/*
	 * The fields of the answer that hold a secret: every member botocore's
	 * model marks "sensitive", and those it leaves unmarked but that are
	 * secrets all the same (a cluster's PreCoPassword).  Dotted member
	 * names from the output's root, "[]" after a list member:
	 * "CustomKeyStores[].XksProxyConfiguration.AccessKeyId".  No column and
	 * no raw shows them unless the foreign table has show_sensitive
	 * 'true' (rows.c); tests/unit/check_sensitive.py fails when the model
	 * marks a member that is missing here.  NULL-terminated.
	 */
	const char *sensitive_paths[CKS_MAX_SENSITIVE_PATHS + 1];

	/*
	 * Sensitive paths (listed above too) that cks_fdw shows all the same,
	 * each for a stated reason at the descriptor: the model marks an
	 * organization's account names sensitive, but account_name is what a
	 * report over many accounts needs, and its readers may know their own
	 * accounts' names.  NULL-terminated.
	 */
	const char *shown_paths[CKS_MAX_SENSITIVE_PATHS + 1];
} CksOperation;

/* True when 'path' is one of op's shown_paths. */
extern bool cks_operation_shows(const CksOperation *op, const char *path);

extern const CksOperation cks_op_describe_custom_key_stores;
extern const CksOperation cks_op_list_keys;
extern const CksOperation cks_op_describe_key;
extern const CksOperation cks_op_get_key_last_usage;
extern const CksOperation cks_op_list_resource_tags;
extern const CksOperation cks_op_list_aliases;
extern const CksOperation cks_op_describe_clusters;
extern const CksOperation cks_op_describe_backups;
extern const CksOperation cks_op_get_metric_data;
extern const CksOperation cks_op_organizations_list_accounts;
extern const CksOperation cks_op_sts_assume_role;
extern const CksOperation cks_op_sts_get_caller_identity;
extern const CksOperation cks_op_sts_assume_role_with_web_identity;

/* Every operation cks_fdw calls, NULL-terminated: what the sensitive-field
 * check compares with botocore's models. */
extern const CksOperation *const cks_operations[];

/* X-Amz-Target of a JSON operation ("TrentService.DescribeCustomKeyStores"),
 * palloc'd; NULL for the Query protocol, which has none. */
extern char *cks_operation_target(const CksOperation *op);

/* True when op's parameters carry lists of values (filter_field or
 * takes_lists): = ANY is one request. */
extern bool cks_operation_takes_lists(const CksOperation *op);

/* Values of the first list one request of op carries (see
 * values_per_request), given the other parameters' values. */
extern int	cks_operation_values_per_request(const CksOperation *op,
											 const char *const *values);

/* Index of a parameter in op->parameters, -1 when op has none by that name. */
extern int	cks_operation_parameter(const CksOperation *op, const char *name);

/*
 * The operation that looks one entry up: for an expanded listing, its
 * follow-up (a KeyId pushed down is one DescribeKey, no ListKeys); else
 * the operation itself.  Pushed-down parameters are that operation's.
 */
extern const CksOperation *cks_lookup_operation(const CksOperation *op);

/*
 * The sensitive paths of op that lie inside one of its entries, relative
 * to the entry ("XksProxyConfiguration.AccessKeyId"): pointers into the
 * descriptor's own strings, at most CKS_MAX_SENSITIVE_PATHS.  Returns how
 * many were stored in paths.
 */
extern int	cks_entry_sensitive_paths(const CksOperation *op, const char **paths);

#endif							/* CKS_AWS_SERVICE_H */
