/*-------------------------------------------------------------------------
 *
 * aws_json.c
 *	  The AWS JSON 1.1 protocol, without the networking: the request body of
 *	  one page of a list operation, the check of a page by the operation's
 *	  page rule (the body is parsed by parse_guard.c, behind its cost
 *	  guard), and
 *	  the AWS JSON 1.1 error shape.  Reading the fields of one entry is in
 *	  aws_json_fields.c.
 *
 *	  Everything JSON goes through json-c.  This file needs no backend: it
 *	  reports failures through return values and CksAwsError, never ereport,
 *	  so the unit runner can exercise it as frontend code.
 *
 *-------------------------------------------------------------------------
 */
#ifdef FRONTEND
#include "postgres_fe.h"
#else
#include "postgres.h"
#endif

#include <ctype.h>
#include <limits.h>

#include <json-c/json.h>
#include <json-c/printbuf.h>

#include "aws/aws_json.h"
#include "aws/parse_guard.h"

static void
add_string_member(struct json_object *obj, const char *key, const char *value)
{
	json_object_object_add(obj, key, json_object_new_string(value));
}

/*
 * The strings of a filter value: the JSON array of strings the scan made
 * (aws_json_string_list), each element in order.  Anything else (a caller
 * passing a bare value) is one value.  The list is read back through the
 * parse guard like any other JSON text (no other file may call json-c's
 * parser, tests/unit/parse-doorway.sh); it is small and made by us.
 */
static void
add_list_values(struct json_object *list, const char *value)
{
	char	   *problem = NULL;
	struct json_object *parsed = cks_parse_json(value, strlen(value), &problem);
	size_t		i;

	if (parsed != NULL && json_object_is_type(parsed, json_type_array))
	{
		for (i = 0; i < json_object_array_length(parsed); i++)
		{
			struct json_object *item = json_object_array_get_idx(parsed, i);

			if (json_object_is_type(item, json_type_string))
				json_object_array_add(list, json_object_get(item));
		}
	}
	else
		json_object_array_add(list, json_object_new_string(value));
	json_object_put(parsed);
	if (problem)
		pfree(problem);
}

char *
aws_json_string_list(const char *const *values, int nvalues)
{
	struct json_object *list = json_object_new_array();
	char	   *text;
	int			i;

	for (i = 0; i < nvalues; i++)
		json_object_array_add(list, json_object_new_string(values[i]));
	text = pstrdup(json_object_to_json_string_ext(list, AWS_JSON_PRINT_FLAGS));
	json_object_put(list);
	return text;
}

/*
 * Parameters are added in the operation's order and the page fields in its
 * page rule's (the order botocore's model lists them), so the body is
 * deterministic and identical to botocore's for the same parameters.  An
 * operation with a filter object (CloudHSM's "Filters") gets its
 * parameters there, each the list its value holds.
 */
char *
aws_json_list_request(const CksOperation *op, const char *const *values,
					  const char *token, int limit)
{
	const CksPageRule *rule = &op->page;
	struct json_object *request = json_object_new_object();
	char	   *body;
	int			i;

	for (i = 0; op->parameters[i] != NULL; i++)
	{
		if (values[i] == NULL)
			continue;
		if (op->filter_field == NULL)
			add_string_member(request, op->parameters[i], values[i]);
		else
		{
			struct json_object *filters;
			struct json_object *list = json_object_new_array();

			if (!json_object_object_get_ex(request, op->filter_field, &filters))
			{
				filters = json_object_new_object();
				json_object_object_add(request, op->filter_field, filters);
			}
			add_list_values(list, values[i]);
			json_object_object_add(filters, op->parameters[i], list);
		}
	}
	if (token != NULL && rule->token_before_limit)
		add_string_member(request, rule->request_token, token);
	if (limit > 0)
		json_object_object_add(request, rule->limit_field,
							   json_object_new_int(limit));
	if (token != NULL && !rule->token_before_limit)
		add_string_member(request, rule->request_token, token);

	body = pstrdup(json_object_to_json_string_ext(request,
												  AWS_JSON_PRINT_FLAGS));
	json_object_put(request);
	return body;
}

/*
 * Zero every string value under obj; depth is bounded by the parser's
 * JSON_MAX_DEPTH (parse_guard.c).  Keys are names, not values, and stay.
 */
void
aws_json_wipe_strings(struct json_object *obj)
{
	if (obj == NULL)
		return;
	switch (json_object_get_type(obj))
	{
		case json_type_string:
			explicit_bzero((char *) json_object_get_string(obj),
						   json_object_get_string_len(obj));
			break;
		case json_type_array:
			for (size_t i = 0; i < json_object_array_length(obj); i++)
				aws_json_wipe_strings(json_object_array_get_idx(obj, i));
			break;
		case json_type_object:
			{
				json_object_object_foreach(obj, key, member)
				{
					(void) key;
					aws_json_wipe_strings(member);
				}
				break;
			}
		default:
			break;
	}
}

/* Fill err for a body that is not what the protocol promises. */
static void
set_bad_response(CksAwsError *err, long http_status, char *message,
				 char *request_id)
{
	err->kind = CKS_ERR_BAD_RESPONSE;
	err->http_status = http_status;
	err->code = NULL;
	err->message = message;
	err->request_id = request_id;
}

/*
 * A JSON null counts as absent: AWS and botocore treat the two alike, and
 * the row builder turns both into SQL NULL.
 */
struct json_object *
aws_json_member(struct json_object *obj, const char *key)
{
	struct json_object *value = NULL;

	if (!json_object_object_get_ex(obj, key, &value))
		return NULL;
	return value;				/* NULL for a JSON null too */
}

/*
 * Check the documented shape of a page and fill page from it; returns a
 * palloc'd description of the first violation, or NULL when the page is
 * sound.
 *
 * Besides types we also refuse a truncated flag without a next token:
 * asking for the next page without a token would restart the listing and
 * a scan would loop forever.  For a rule without a truncated flag, a
 * non-empty next token is what says another page follows.
 */
static char *
check_page(const CksPageRule *rule, struct json_object *root, CksJsonPage *page)
{
	struct json_object *entries;
	struct json_object *token;
	struct json_object *truncated;
	size_t		n;
	size_t		i;

	if (!json_object_is_type(root, json_type_object))
		return pstrdup("response body is not a JSON object");

	entries = aws_json_member(root, rule->entries_field);
	if (rule->single_entry)
	{
		if (entries == NULL)
			return NULL;		/* no entry: an empty page */
		if (!json_object_is_type(entries, json_type_object))
			return psprintf("response field \"%s\" is not an object",
							rule->entries_field);
		/* an array of the one entry, so callers see one shape */
		page->owned_entries = json_object_new_array();
		json_object_array_add(page->owned_entries, json_object_get(entries));
		page->entries = page->owned_entries;
		page->nentries = 1;
		return NULL;
	}
	if (entries != NULL)
	{
		if (!json_object_is_type(entries, json_type_array))
			return psprintf("response field \"%s\" is not an array",
							rule->entries_field);
		n = json_object_array_length(entries);
		for (i = 0; i < n; i++)
		{
			if (!json_object_is_type(json_object_array_get_idx(entries, i),
									 json_type_object))
				return psprintf("response field \"%s[%zu]\" is not an object",
								rule->entries_field, i);
		}
		page->entries = entries;
		page->nentries = (int) n;
	}

	token = aws_json_member(root, rule->response_token);
	if (token != NULL && !json_object_is_type(token, json_type_string))
		return psprintf("response field \"%s\" is not a string",
						rule->response_token);
	/* a NUL would cut the token we send back: the next page would differ */
	if (token != NULL &&
		strlen(json_object_get_string(token)) !=
		(size_t) json_object_get_string_len(token))
		return psprintf("response field \"%s\" contains a NUL byte",
						rule->response_token);

	if (rule->truncated_field == NULL)
		page->truncated = token != NULL && json_object_get_string_len(token) > 0;
	else if ((truncated = aws_json_member(root, rule->truncated_field)) != NULL)
	{
		if (!json_object_is_type(truncated, json_type_boolean))
			return psprintf("response field \"%s\" is not a boolean",
							rule->truncated_field);
		page->truncated = json_object_get_boolean(truncated);
	}

	if (page->truncated &&
		(token == NULL || json_object_get_string_len(token) == 0))
		return psprintf("response says \"%s\" but has no \"%s\"",
						rule->truncated_field, rule->response_token);

	if (token != NULL)
		page->next_token = pstrdup(json_object_get_string(token));
	return NULL;
}

bool
aws_json_parse_page(const CksPageRule *rule, const char *body, size_t len,
					long http_status, CksJsonPage *page, CksAwsError *err)
{
	struct json_object *root;
	char	   *problem;

	memset(page, 0, sizeof(*page));

	root = cks_parse_json(body, len, &problem);
	if (root == NULL)
	{
		set_bad_response(err, http_status, problem, NULL);
		return false;
	}

	problem = check_page(rule, root, page);
	if (problem != NULL)
	{
		json_object_put(root);
		if (page->owned_entries != NULL)
			json_object_put(page->owned_entries);
		if (page->next_token != NULL)
			pfree(page->next_token);
		memset(page, 0, sizeof(*page));
		set_bad_response(err, http_status, problem, NULL);
		return false;
	}

	page->root = root;
	return true;
}

/*
 * A nested table's rows are inside the entries (a cluster's Hsms): the
 * page's entries become those elements, held by a new array the page owns
 * (each element referenced, so the root still frees the document).  The
 * same checks as for the entries themselves: an array of objects, or
 * absent.
 */
bool
aws_json_page_flatten(CksJsonPage *page, const char *field, CksAwsError *err)
{
	struct json_object *rows = json_object_new_array();
	int			i;

	for (i = 0; i < page->nentries; i++)
	{
		struct json_object *entry = json_object_array_get_idx(page->entries, i);
		struct json_object *nested = aws_json_member(entry, field);
		size_t		j;

		if (nested != NULL && !json_object_is_type(nested, json_type_array))
		{
			json_object_put(rows);
			set_bad_response(err, 200,
							 psprintf("field \"%s\" of entry %d is not an array",
									  field, i), NULL);
			return false;
		}
		for (j = 0; nested != NULL && j < json_object_array_length(nested); j++)
		{
			struct json_object *row = json_object_array_get_idx(nested, j);

			if (!json_object_is_type(row, json_type_object))
			{
				json_object_put(rows);
				set_bad_response(err, 200,
								 psprintf("field \"%s[%zu]\" of entry %d is not an object",
										  field, j, i), NULL);
				return false;
			}
			json_object_array_add(rows, json_object_get(row));
		}
	}
	aws_json_page_replace_entries(page, rows);
	return true;
}

/*
 * A page whose entries were rebuilt from the answer (nested entries,
 * datapoints) owns the new array; the one it owned before is released, so
 * every reader of the page sees only the rebuilt rows.
 */
void
aws_json_page_replace_entries(CksJsonPage *page, struct json_object *rows)
{
	if (page->owned_entries != NULL)
		json_object_put(page->owned_entries);
	page->owned_entries = rows;
	page->entries = rows;
	page->nentries = (int) json_object_array_length(rows);
}

void
aws_json_page_free(CksJsonPage *page)
{
	if (page == NULL)
		return;
	if (page->owned_entries != NULL)
		json_object_put(page->owned_entries);
	if (page->root != NULL)
		json_object_put(page->root);
	if (page->next_token != NULL)
		pfree(page->next_token);
	memset(page, 0, sizeof(*page));
}

/*
 * The AWS JSON 1.1 rule for error codes (Smithy awsJson1_1): cut at the
 * first ':' (a URI suffix some services append), then keep what follows the
 * last '#' (the Smithy namespace).  Surrounding whitespace from a header is
 * dropped too.
 */
char *
aws_sanitize_error_code(const char *raw)
{
	const char *start;
	const char *end;
	const char *hash;

	if (raw == NULL)
		return NULL;

	end = strchr(raw, ':');
	if (end == NULL)
		end = raw + strlen(raw);

	start = raw;
	for (hash = raw; hash < end; hash++)
	{
		if (*hash == '#')
			start = hash + 1;
	}

	while (start < end && isspace((unsigned char) *start))
		start++;
	while (end > start && isspace((unsigned char) end[-1]))
		end--;

	return pnstrdup(start, end - start);
}

/* A string member of obj, or NULL when absent or not a string. */
static const char *
get_string_member(struct json_object *obj, const char *key)
{
	struct json_object *value = aws_json_member(obj, key);

	if (value == NULL || !json_object_is_type(value, json_type_string))
		return NULL;
	return json_object_get_string(value);
}

/* Sanitized code, or NULL when raw is absent or sanitizes to nothing. */
static char *
usable_error_code(const char *raw)
{
	char	   *code = aws_sanitize_error_code(raw);

	if (code != NULL && code[0] == '\0')
	{
		pfree(code);
		code = NULL;
	}
	return code;
}

/*
 * Error responses are where the least trustworthy bodies show up: load
 * balancers and proxies answer with HTML or nothing at all.  The header code
 * (when there is one) is enough to call it an AWS error; without a code
 * anywhere we report the status and what kind of body came back, never the
 * body itself.
 */
void
aws_json_parse_error(long http_status, const char *error_type_header,
					 const char *request_id_header, const char *body,
					 size_t len, CksAwsError *err)
{
	struct json_object *root = NULL;
	char	   *problem = NULL;
	char	   *code;
	const char *message = NULL;
	bool		empty = (body == NULL || cks_body_is_blank(body, len));

	err->http_status = http_status;
	err->request_id = request_id_header ? pstrdup(request_id_header) : NULL;
	err->code = NULL;
	err->message = NULL;

	if (!empty)
		root = cks_parse_json(body, len, &problem);
	if (problem != NULL)
		pfree(problem);

	code = usable_error_code(error_type_header);
	if (root != NULL && json_object_is_type(root, json_type_object))
	{
		if (code == NULL)
			code = usable_error_code(get_string_member(root, "__type"));
		if (code == NULL)
			code = usable_error_code(get_string_member(root, "code"));
		message = get_string_member(root, "message");
		if (message == NULL)
			message = get_string_member(root, "Message");
	}

	if (code != NULL)
	{
		err->kind = CKS_ERR_AWS;
		err->code = code;
		err->message = message ? pstrdup(message) : NULL;
	}
	else
	{
		err->kind = CKS_ERR_BAD_RESPONSE;
		err->message = aws_error_without_code(http_status,
											  empty ? "an empty body" :
											  root == NULL ? "a non-JSON body" :
											  !json_object_is_type(root, json_type_object) ?
											  "a JSON body that is not an object" : NULL,
											  message);
	}

	if (root != NULL)
		json_object_put(root);
}
