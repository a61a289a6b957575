/*-------------------------------------------------------------------------
 *
 * aws_json.h
 *	  The AWS JSON 1.1 protocol without the networking: the body of one
 *	  page of a list operation, the strict parse of a page by the
 *	  operation's page rule, the field accessors the row builder uses, and
 *	  the AWS JSON error shape.
 *
 *	  aws_json.c builds requests and parses pages and errors;
 *	  aws_json_fields.c reads the fields of one entry.  Frontend-safe (no
 *	  backend needed); parsing is done with json-c.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CKS_AWS_JSON_H
#define CKS_AWS_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include "aws/aws_error.h"
#include "aws/aws_service.h"

struct json_object;

/*
 * How we print JSON: compact, and "/" left alone, which is what botocore
 * sends.  The request signature covers the body, so matching botocore byte
 * for byte keeps our requests comparable with its golden signatures.
 * (Expands to json-c constants: for files that include json-c.)
 */
#define AWS_JSON_PRINT_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

/* Member 'key' of an object, or NULL when absent or JSON null. */
extern struct json_object *aws_json_member(struct json_object *obj,
										   const char *key);

/*
 * One parsed page.  'root' owns the parsed document; 'entries' is the
 * entries array inside it (borrowed).  Release with aws_json_page_free, on
 * every path.
 */
typedef struct CksJsonPage
{
	struct json_object *root;
	struct json_object *entries;
	struct json_object *owned_entries;	/* the array wrapping a single
										 * entry, or NULL */
	int			nentries;
	char	   *next_token;		/* palloc'd, NULL when absent */
	bool		truncated;		/* another page follows */
} CksJsonPage;

/* Zero every string value of a parsed document (before json_object_put). */
extern void aws_json_wipe_strings(struct json_object *obj);

/*
 * The JSON body of one page of a list operation (a CksRequestBuilder):
 * the present parameters in the operation's order, then the limit and the
 * token in the order of its page rule.  palloc'd, compact, "/" unescaped,
 * byte for byte what botocore sends.
 */
extern char *aws_json_list_request(const CksOperation *op,
								   const char *const *values,
								   const char *token, int limit);

/*
 * The value of a filter parameter (an operation with a filter_field):
 * the JSON array of these strings, which aws_json_list_request sends as
 * the filter's list.  palloc'd.
 */
extern char *aws_json_string_list(const char *const *values, int nvalues);

/*
 * Rows of a nested table: replace the page's entries by the elements of
 * the array field 'field' of each entry, in order (an entry without it
 * gives none).  A field that is not an array of objects is
 * CKS_ERR_BAD_RESPONSE, as for the page itself; the page keeps its root.
 */
extern bool aws_json_page_flatten(CksJsonPage *page, const char *field,
								  CksAwsError *err);

/*
 * Parse a 2xx page by 'rule'.  On a body that is not the documented shape
 * (empty, not JSON, not an object, the entries field not an array of
 * objects -- or, for a single-entry rule, not an object, which the page
 * then holds as a one-element array -- the token not a string, the
 * truncated flag not a boolean)
 * returns false with err->kind = CKS_ERR_BAD_RESPONSE and a message naming
 * what was wrong; page is then empty and needs no free.  A JSON null counts
 * as absent; a truncated flag without a next token is refused (following it
 * would restart the listing forever).
 */
extern bool aws_json_parse_page(const CksPageRule *rule,
								const char *body, size_t len,
								long http_status,
								CksJsonPage *page, CksAwsError *err);

extern void aws_json_page_free(CksJsonPage *page);

/* Make 'rows' (a new array) the page's entries, owned by the page. */
extern void aws_json_page_replace_entries(CksJsonPage *page,
										  struct json_object *rows);

/*
 * Field accessors for the row builder, reading one entry of page->entries
 * (a JSON object).  Every pointer returned is owned by the page: valid until
 * aws_json_page_free, never to be freed by the caller.
 *
 * 'path' may be dotted to reach into a nested object
 * ("XksProxyConfiguration.UriEndpoint").  A field that is absent or JSON
 * null gives NULL / false with *type_ok = true (SQL NULL); a field (or an
 * intermediate step) of the wrong type gives NULL / false with
 * *type_ok = false (an error naming the column).  type_ok may be NULL.
 */

/* A string field.  A string holding "\u0000" counts as the wrong type. */
extern const char *aws_json_entry_string(struct json_object *entry,
									const char *path, bool *type_ok);

/* A number field (integer or not, finite) as a double; true if present. */
extern bool aws_json_entry_number(struct json_object *entry, const char *field,
							 double *value, bool *type_ok);

/* A boolean field; true if present. */
extern bool aws_json_entry_boolean(struct json_object *entry, const char *path,
								   bool *value, bool *type_ok);

/* An integer field within int32 (no fraction, no exponent); true if present. */
extern bool aws_json_entry_integer(struct json_object *entry, const char *path,
								   int *value, bool *type_ok);

/* Any field (object, array or scalar) as json-c holds it, or NULL. */
extern struct json_object *aws_json_entry_value(struct json_object *entry,
												const char *path,
												bool *type_ok);

/*
 * Remove the field at 'path' from entry, wiping its strings first, and
 * return how many fields were removed.  A step ending in "[]" is an array
 * whose every element the rest of the path is followed into
 * ("Hsms[].Password"); a step that is absent or of another type removes
 * nothing.  The row builder removes sensitive fields this way before any
 * column, raw included, reads the entry.
 */
extern int	aws_json_remove_path(struct json_object *entry, const char *path);

/* An array field and its length, or NULL (length 0). */
extern struct json_object *aws_json_entry_array(struct json_object *entry,
												const char *path,
												int *length, bool *type_ok);

/*
 * Aggregates over the array of objects at 'path' (a cluster's Hsms), of
 * the elements whose string field where_field is where_value: how many
 * (aws_json_count_where), and the distinct strings of their element_field,
 * sorted byte-wise, into *values (palloc'd array of pointers owned by the
 * page; aws_json_distinct_where).  Both return -1 when the array is
 * absent, and -1 with *type_ok = false when it or a field read is of
 * another type.
 */
extern int	aws_json_count_where(struct json_object *entry, const char *path,
								 const char *where_field,
								 const char *where_value, bool *type_ok);
extern int	aws_json_distinct_where(struct json_object *entry, const char *path,
									const char *where_field,
									const char *where_value,
									const char *element_field,
									const char ***values, bool *type_ok);

/*
 * A TagList ([{"Key": k, "Value": v}, ...]) as the compact text of one
 * JSON object {k: v}, the last value winning for a repeated key; NULL when
 * absent, NULL with *type_ok = false when it is not that shape.  palloc'd.
 */
extern char *aws_json_tag_object(struct json_object *entry, const char *path,
								 bool *type_ok);

/* Element 'index' of an array when it is a string (without \u0000), else
 * NULL. */
extern const char *aws_json_array_string(struct json_object *array, int index);

/*
 * The original text of a number field exactly as AWS sent it
 * ("1700000000.123", "1.700000000123E9"), so no digit is lost to a double;
 * NULL when absent, null or not a number.  (Integers are printed from
 * json-c's int64, which is the same text for anything in int64 range.)
 * Valid until the page is freed or the same field is asked for again.
 */
extern const char *aws_json_entry_raw_text(struct json_object *entry,
									  const char *field);

/*
 * The whole entry as compact JSON ("/" not escaped, non-ASCII as raw UTF-8,
 * numbers in their original text).  Valid until the page is freed or the
 * same entry is serialized again.
 */
extern const char *aws_json_entry_json(struct json_object *entry);

/*
 * Turn a non-2xx JSON 1.1 response into err, by the AWS JSON rules: code
 * from the X-Amzn-ErrorType header (may be NULL), else the body's "__type"
 * or "code"; namespace and suffix stripped ("aws.foo#Bar:http://..." ->
 * "Bar"); message from "message" or "Message"; request id from the
 * x-amzn-RequestId header (may be NULL).  A body that is empty or not JSON
 * gives kind = CKS_ERR_BAD_RESPONSE with the HTTP status in the message
 * (unless the header alone gave a code, which stays CKS_ERR_AWS).
 */
extern void aws_json_parse_error(long http_status,
								 const char *error_type_header,
								 const char *request_id_header,
								 const char *body, size_t len,
								 CksAwsError *err);

/* "prefix#Code:suffix" -> "Code", palloc'd. */
extern char *aws_sanitize_error_code(const char *raw);

#endif							/* CKS_AWS_JSON_H */
