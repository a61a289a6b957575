/*-------------------------------------------------------------------------
 *
 * fuzz_kms.c
 *	  libFuzzer target for the AWS JSON side of the wire (src/aws/aws_json.c,
 *	  src/aws/aws_json_fields.c), as KMS uses it: whatever bytes a KMS endpoint (or something
 *	  pretending to be one) sends back must be refused or parsed without a
 *	  crash, a leak or undefined behaviour, and the promises of aws_json.h
 *	  must hold on every input.
 *
 *	  Each input goes to
 *	    - aws_json_parse_page by DescribeCustomKeyStores's page rule, and
 *	      when it parses, every entry through every accessor the row
 *	      builder uses (the custom_key_stores columns' paths, plus every
 *	      key the entry actually has, one level into nested objects) and
 *	      aws_json_entry_json, then through aws_json_remove_path as the row
 *	      builder removes sensitive fields (nothing may be left there);
 *	    - for every entry, the aggregates of the cluster columns
 *	      (aws_json_count_where, aws_json_distinct_where) and the TagList
 *	      object of cloudhsm_backups.tags, on "Hsms" and on every key;
 *	      then the page flattened into its entries' "Hsms" elements as
 *	      cloudhsm_hsms reads it (aws_json_page_flatten);
 *	    - aws_json_parse_page by GetMetricData's page rule, then
 *	      cks_metric_page_rows (key_store_metrics's datapoints, read back
 *	      from the query Ids);
 *	    - aws_json_parse_error without headers, and with the input itself
 *	      (up to its first NUL) as the X-Amzn-ErrorType header.
 *
 *	  Built as frontend code (palloc is libpgcommon's malloc wrapper) by
 *	  "make fuzz"; run by tests/suites/fuzz.sh.  A broken promise calls
 *	  abort(), which libFuzzer reports as a crash with the reproducer.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include <json-c/json.h>

#include "fuzz_common.h"
#include "aws/aws_json.h"
#include "aws/metric_queries.h"

/* The JSON paths of the custom_key_stores columns (src/table_kinds.c),
 * and odd ones. */
static const char *const entry_paths[] = {
	"CustomKeyStoreId",
	"CustomKeyStoreName",
	"CustomKeyStoreType",
	"CloudHsmClusterId",
	"TrustAnchorCertificate",
	"ConnectionState",
	"ConnectionErrorCode",
	"CreationDate",
	"XksProxyConfiguration.Connectivity",
	"XksProxyConfiguration.UriEndpoint",
	"XksProxyConfiguration.UriPath",
	"XksProxyConfiguration.VpcEndpointServiceName",
	"XksProxyConfiguration.VpcEndpointServiceOwner",
	"XksProxyConfiguration.AccessKeyId",
	/* through a scalar, empty steps, a path ending in a dot */
	"CustomKeyStoreId.Deeper",
	"XksProxyConfiguration..UriPath",
	"XksProxyConfiguration.",
	".",
	"",
};

/*
 * Every accessor on one path.  A string handed back must be the whole
 * value (no embedded NUL), a number must be finite, and the raw text of a
 * number must be there exactly when the number is.
 */
static void
probe_path(struct json_object *entry, const char *path)
{
	bool		type_ok = false;
	const char *text;
	const char *raw;
	double		number = 0;
	bool		found;

	text = aws_json_entry_string(entry, path, &type_ok);
	if (text != NULL && !type_ok)
		broken_promise("fuzz_kms", "aws_json_entry_string returned a value with type_ok = false");
	if (text != NULL)
		(void) strlen(text);
	(void) aws_json_entry_string(entry, path, NULL);

	found = aws_json_entry_number(entry, path, &number, &type_ok);
	if (found && (!type_ok || !isfinite(number)))
		broken_promise("fuzz_kms", "aws_json_entry_number found a non-finite number or said type_ok = false");
	(void) aws_json_entry_number(entry, path, &number, NULL);

	raw = aws_json_entry_raw_text(entry, path);
	if (found && raw == NULL)
		broken_promise("fuzz_kms", "aws_json_entry_raw_text gave nothing for a number aws_json_entry_number found");
	if (raw != NULL)
		(void) strlen(raw);
}

/*
 * aws_json_entry_json must print valid JSON that parses back to an object (the
 * "raw" column is cast to jsonb by users).
 */
static void
probe_entry_json(struct json_object *entry)
{
	const char *json = aws_json_entry_json(entry);
	struct json_object *back;

	if (json == NULL)
		broken_promise("fuzz_kms", "aws_json_entry_json returned NULL");
	back = json_tokener_parse(json);
	if (back == NULL || !json_object_is_type(back, json_type_object))
		broken_promise("fuzz_kms", "aws_json_entry_json printed something that is not a JSON object");
	json_object_put(back);
}

/* Every accessor on every known path and on every key the entry has. */
static void
probe_entry(struct json_object *entry)
{
	size_t		i;

	for (i = 0; i < lengthof(entry_paths); i++)
		probe_path(entry, entry_paths[i]);

	json_object_object_foreach(entry, key, value)
	{
		probe_path(entry, key);
		if (json_object_is_type(value, json_type_object))
		{
			json_object_object_foreach(value, subkey, subvalue)
			{
				char	   *path = psprintf("%s.%s", key, subkey);

				(void) subvalue;
				probe_path(entry, path);
				pfree(path);
			}
		}
	}
	probe_entry_json(entry);
	/* serializing twice must reuse json-c's buffer without harm */
	probe_entry_json(entry);
}

/* Sensitive paths as descriptors write them, and odd ones. */
static const char *const removal_paths[] = {
	"XksProxyConfiguration.AccessKeyId",
	"PreCoPassword",
	"Hsms[].EniIp",
	"XksProxyConfiguration[].AccessKeyId",
	"A[][].B",
	"[]",
	"[].",
	".",
	"",
};

/*
 * The row builder's removal of sensitive fields: afterwards nothing is
 * left at the path, and the entry still prints as a JSON object.
 */
static void
probe_removal(struct json_object *entry)
{
	size_t		i;

	for (i = 0; i < lengthof(removal_paths); i++)
		(void) aws_json_remove_path(entry, removal_paths[i]);
	if (aws_json_entry_value(entry, "XksProxyConfiguration.AccessKeyId", NULL) != NULL ||
		aws_json_entry_value(entry, "PreCoPassword", NULL) != NULL)
		broken_promise("fuzz_kms", "a removed sensitive field is still there");
	if (aws_json_remove_path(entry, "PreCoPassword") != 0)
		broken_promise("fuzz_kms", "a field was removed twice");
	probe_entry_json(entry);
}

/*
 * The cluster aggregates: a count only with type_ok; distinct strings
 * sorted, without repeats and no more than the count; a tag object that
 * parses back to a JSON object.
 */
static void
probe_aggregates_at(struct json_object *entry, const char *path)
{
	bool		ok;
	const char **values = NULL;
	int			count = aws_json_count_where(entry, path, "State", "ACTIVE", &ok);
	int			distinct;
	char	   *tags;
	int			i;

	if (count >= 0 && !ok)
		broken_promise("fuzz_kms", "aws_json_count_where counted with type_ok = false");
	distinct = aws_json_distinct_where(entry, path, "State", "ACTIVE",
									   "AvailabilityZone", &values, &ok);
	if (distinct >= 0 && (!ok || distinct > count))
		broken_promise("fuzz_kms", "aws_json_distinct_where disagrees with aws_json_count_where");
	for (i = 1; i < distinct; i++)
		if (strcmp(values[i - 1], values[i]) >= 0)
			broken_promise("fuzz_kms", "aws_json_distinct_where is not sorted and distinct");
	if (values != NULL)
		pfree(values);
	tags = aws_json_tag_object(entry, path, &ok);
	if (tags != NULL)
	{
		struct json_object *back = json_tokener_parse(tags);

		if (!ok || back == NULL || !json_object_is_type(back, json_type_object))
			broken_promise("fuzz_kms", "aws_json_tag_object printed something that is not an object");
		json_object_put(back);
		pfree(tags);
	}
}

static void
probe_aggregates(struct json_object *entry)
{
	probe_aggregates_at(entry, "Hsms");
	json_object_object_foreach(entry, key, value)
	{
		(void) value;
		probe_aggregates_at(entry, key);
	}
}

/* A page flattened into its entries' Hsms: objects only, counted right. */
static void
probe_flatten(CksJsonPage *page)
{
	CksAwsError err;
	int			i;

	memset(&err, 0, sizeof(err));
	if (!aws_json_page_flatten(page, "Hsms", &err))
	{
		if (err.kind != CKS_ERR_BAD_RESPONSE || err.message == NULL)
			broken_promise("fuzz_kms", "a refused flatten without CKS_ERR_BAD_RESPONSE");
		aws_error_free(&err);
		return;
	}
	if ((int) json_object_array_length(page->entries) != page->nentries)
		broken_promise("fuzz_kms", "flattened nentries disagrees with the array");
	for (i = 0; i < page->nentries; i++)
		if (!json_object_is_type(json_object_array_get_idx(page->entries, i),
								 json_type_object))
			broken_promise("fuzz_kms", "a flattened row is not an object");
}

static void
fuzz_describe_response(const uint8_t *data, size_t size)
{
	CksJsonPage		page;
	CksAwsError err;
	int			i;

	memset(&err, 0, sizeof(err));
	if (!aws_json_parse_page(&cks_op_describe_custom_key_stores.page,
							 (const char *) data, size, 200, &page, &err))
	{
		if (err.kind != CKS_ERR_BAD_RESPONSE || err.message == NULL)
			broken_promise("fuzz_kms", "refused page without CKS_ERR_BAD_RESPONSE and a message");
		if (page.root != NULL || page.entries != NULL ||
			page.next_token != NULL || page.nentries != 0)
			broken_promise("fuzz_kms", "refused page is not empty");
		aws_error_free(&err);
		return;
	}

	if (page.root == NULL || page.nentries < 0)
		broken_promise("fuzz_kms", "accepted page without a root or with a negative count");
	if (page.truncated &&
		(page.next_token == NULL || page.next_token[0] == '\0'))
		broken_promise("fuzz_kms", "accepted a truncated page without a marker");
	if (page.nentries > 0 &&
		(int) json_object_array_length(page.entries) != page.nentries)
		broken_promise("fuzz_kms", "nentries disagrees with the entries array");

	for (i = 0; i < page.nentries; i++)
	{
		struct json_object *entry = json_object_array_get_idx(page.entries, i);

		if (!json_object_is_type(entry, json_type_object))
			broken_promise("fuzz_kms", "accepted page has an entry that is not an object");
		probe_entry(entry);
		probe_aggregates(entry);
		probe_removal(entry);
	}
	probe_flatten(&page);
	aws_json_page_free(&page);
	aws_json_page_free(&page);		/* documented as safe on a freed page */
}

/* GetMetricData's answer as key_store_metrics reads it: rows are objects,
 * counted right, or the page is refused as a bad response. */
static void
fuzz_metric_response(const uint8_t *data, size_t size)
{
	CksJsonPage page;
	CksAwsError err;
	int			i;

	memset(&err, 0, sizeof(err));
	if (!aws_json_parse_page(&cks_op_get_metric_data.page,
							 (const char *) data, size, 200, &page, &err))
	{
		aws_error_free(&err);
		return;
	}
	if (!cks_metric_page_rows(&page, &err))
	{
		if (err.kind != CKS_ERR_BAD_RESPONSE || err.message == NULL)
			broken_promise("fuzz_kms", "refused datapoints without CKS_ERR_BAD_RESPONSE");
		aws_error_free(&err);
		aws_json_page_free(&page);
		return;
	}
	if ((int) json_object_array_length(page.entries) != page.nentries)
		broken_promise("fuzz_kms", "datapoint rows disagree with their count");
	for (i = 0; i < page.nentries; i++)
	{
		struct json_object *row = json_object_array_get_idx(page.entries, i);

		if (!json_object_is_type(row, json_type_object))
			broken_promise("fuzz_kms", "a datapoint row is not an object");
		probe_entry(row);
	}
	aws_json_page_free(&page);
}

static void
fuzz_error_response(const uint8_t *data, size_t size)
{
	CksAwsError err;
	char	   *header = pnstrdup((const char *) data, size);
	char	   *code;

	memset(&err, 0, sizeof(err));
	aws_json_parse_error(400, NULL, NULL, (const char *) data, size, &err);
	check_error_result("fuzz_kms", "aws_json_parse_error", &err, 400);
	check_sanitized_error("fuzz_kms", &err);
	if (err.request_id != NULL)
		broken_promise("fuzz_kms", "request id without a request id header");
	aws_error_free(&err);

	aws_json_parse_error(503, header, "req-0000", (const char *) data, size,
						 &err);
	check_error_result("fuzz_kms", "aws_json_parse_error", &err, 503);
	check_sanitized_error("fuzz_kms", &err);
	if (err.request_id == NULL || strcmp(err.request_id, "req-0000") != 0)
		broken_promise("fuzz_kms", "request id header not kept");
	aws_error_free(&err);

	code = aws_sanitize_error_code(header);
	if (code == NULL || strchr(code, ':') != NULL || strchr(code, '#') != NULL)
		broken_promise("fuzz_kms", "sanitized error code still has ':' or '#'");
	pfree(code);
	pfree(header);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_describe_response(data, size);
	fuzz_metric_response(data, size);
	fuzz_error_response(data, size);
	return 0;
}
