/*-------------------------------------------------------------------------
 *
 * raw_jsonb.c
 *	  The raw column: a DescribeCustomKeyStores entry as jsonb, built
 *	  straight from json-c's parsed tree.
 *
 *	  Kept apart from rows.c because json-c's "json_object" type clashes
 *	  with PostgreSQL's json_object() in utils/builtins.h.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <json-c/json.h>

#include "fmgr.h"
#include "raw_jsonb.h"
#include "utils/fmgroids.h"
#include "utils/jsonb.h"

static void push_json_value(JsonbParseState **state, struct json_object *value,
							JsonbIteratorToken token);

/* A json-c number as a jsonb numeric, from the text AWS sent. */
static void
set_numeric(JsonbValue *v, struct json_object *value)
{
	const char *text = json_object_to_json_string_ext(value, JSON_C_TO_STRING_PLAIN);

	v->type = jbvNumeric;
	v->val.numeric = DatumGetNumeric(OidFunctionCall3(F_NUMERIC_IN,
													  CStringGetDatum(text),
													  ObjectIdGetDatum(InvalidOid),
													  Int32GetDatum(-1)));
}

static void
set_string(JsonbValue *v, const char *str, int len)
{
	/* jsonb cannot hold \u0000, and jsonb_in would refuse it too */
	if (memchr(str, '\0', len) != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNTRANSLATABLE_CHARACTER),
				 errmsg("unsupported Unicode escape sequence"),
				 errdetail("\\u0000 cannot be converted to text.")));
	v->type = jbvString;
	v->val.string.val = (char *) str;
	v->val.string.len = len;
}

/* Returns the finished value when this object is the outermost one. */
static JsonbValue *
push_json_object(JsonbParseState **state, struct json_object *object)
{
	struct json_object_iterator it = json_object_iter_begin(object);
	struct json_object_iterator end = json_object_iter_end(object);

	pushJsonbValue(state, WJB_BEGIN_OBJECT, NULL);
	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it))
	{
		const char *key = json_object_iter_peek_name(&it);
		JsonbValue	k;

		set_string(&k, key, strlen(key));
		pushJsonbValue(state, WJB_KEY, &k);
		push_json_value(state, json_object_iter_peek_value(&it), WJB_VALUE);
	}
	return pushJsonbValue(state, WJB_END_OBJECT, NULL);
}

/*
 * Build jsonb straight from the parsed tree: serialising the entry to text
 * and parsing it again with jsonb_in cost more than the rest of the row.
 */
static void
push_json_value(JsonbParseState **state, struct json_object *value,
				JsonbIteratorToken token)
{
	JsonbValue	v;
	size_t		i;

	switch (json_object_get_type(value))
	{
		case json_type_object:
			(void) push_json_object(state, value);
			return;
		case json_type_array:
			pushJsonbValue(state, WJB_BEGIN_ARRAY, NULL);
			for (i = 0; i < json_object_array_length(value); i++)
				push_json_value(state, json_object_array_get_idx(value, i), WJB_ELEM);
			pushJsonbValue(state, WJB_END_ARRAY, NULL);
			return;
		case json_type_null:
			v.type = jbvNull;
			break;
		case json_type_boolean:
			v.type = jbvBool;
			v.val.boolean = json_object_get_boolean(value);
			break;
		case json_type_int:
		case json_type_double:
			set_numeric(&v, value);
			break;
		case json_type_string:
			set_string(&v, json_object_get_string(value), json_object_get_string_len(value));
			break;
	}
	pushJsonbValue(state, token, &v);
}

Datum
cks_entry_to_jsonb(struct json_object *entry)
{
	JsonbParseState *state = NULL;

	return JsonbPGetDatum(JsonbValueToJsonb(push_json_object(&state, entry)));
}

