/*-------------------------------------------------------------------------
 *
 * aws_json_fields.c
 *	  Reading the fields of one entry of a parsed AWS JSON 1.1 page: the
 *	  typed accessors the row builder uses (string, number, boolean,
 *	  integer, array, any value, dotted paths into nested objects) and the
 *	  compact text of an entry or of a number as AWS sent it.
 *
 *	  Every accessor keeps one contract: a field that is absent or JSON
 *	  null is SQL NULL, a field of the wrong type is an error naming the
 *	  column.  Parsing the page itself is in aws_json.c.  Frontend-safe,
 *	  so the unit runner and the fuzzers exercise it without a backend.
 *
 *-------------------------------------------------------------------------
 */
#ifdef FRONTEND
#include "postgres_fe.h"
#else
#include "postgres.h"
#endif

#include <limits.h>
#include <math.h>

#include <json-c/json.h>

#include "aws/aws_json.h"

/* Decides whether a present, non-null value has the type a column wants. */
typedef bool (*CksJsonTypeCheck) (struct json_object *value);

/*
 * Follow a dotted path ("XksProxyConfiguration.UriEndpoint") from entry.
 * Returns the value, or NULL when some step is absent or JSON null.  When a
 * step that must be an object is something else, returns NULL with
 * *type_ok = false, so the caller can tell "AWS left it out" (SQL NULL)
 * from "AWS sent nonsense" (an error naming the column).
 */
static struct json_object *
lookup_path(struct json_object *entry, const char *path, bool *type_ok)
{
	struct json_object *node = entry;
	const char *step = path;

	*type_ok = true;
	while (node != NULL)
	{
		const char *dot = strchr(step, '.');
		char	   *key;

		if (!json_object_is_type(node, json_type_object))
		{
			*type_ok = false;
			return NULL;
		}
		if (dot == NULL)
			return aws_json_member(node, step);

		key = pnstrdup(step, dot - step);
		node = aws_json_member(node, key);
		pfree(key);
		step = dot + 1;
	}
	return NULL;
}

/*
 * The one place the accessors' contract is kept: look path up, and when
 * the value is present but 'accepts' refuses it, answer as for a wrong
 * type (NULL with *type_ok = false) so no accessor can turn nonsense into
 * SQL NULL by mistake.  'accepts' NULL takes any value.
 */
static struct json_object *
lookup_typed(struct json_object *entry, const char *path,
			 CksJsonTypeCheck accepts, bool *type_ok)
{
	bool		ok;
	struct json_object *value = lookup_path(entry, path, &ok);

	if (value != NULL && accepts != NULL && !accepts(value))
	{
		value = NULL;
		ok = false;
	}
	if (type_ok != NULL)
		*type_ok = ok;
	return value;
}

/*
 * A string with an embedded NUL ("\u0000") cannot be stored in a
 * PostgreSQL text value and would be silently cut short, so it is refused
 * like a wrong type.
 */
static bool
is_text_string(struct json_object *value)
{
	return json_object_is_type(value, json_type_string) &&
		strlen(json_object_get_string(value)) ==
		(size_t) json_object_get_string_len(value);
}

static bool
is_json_number(struct json_object *value)
{
	return json_object_is_type(value, json_type_double) ||
		json_object_is_type(value, json_type_int);
}

static bool
is_finite_number(struct json_object *value)
{
	return is_json_number(value) && isfinite(json_object_get_double(value));
}

static bool
is_boolean(struct json_object *value)
{
	return json_object_is_type(value, json_type_boolean);
}

/*
 * json-c keeps integers as int64 (and saturates beyond), so a number with
 * a fraction or an exponent, or outside int32, is refused rather than
 * rounded or clamped into a wrong count.
 */
static bool
is_int32(struct json_object *value)
{
	int64_t		n = json_object_get_int64(value);

	return json_object_is_type(value, json_type_int) &&
		n >= INT_MIN && n <= INT_MAX;
}

static bool
is_array(struct json_object *value)
{
	return json_object_is_type(value, json_type_array);
}

const char *
aws_json_entry_string(struct json_object *entry, const char *path, bool *type_ok)
{
	struct json_object *value = lookup_typed(entry, path, is_text_string,
											 type_ok);

	return value != NULL ? json_object_get_string(value) : NULL;
}

bool
aws_json_entry_number(struct json_object *entry, const char *field, double *value,
					  bool *type_ok)
{
	struct json_object *number = lookup_typed(entry, field, is_finite_number,
											  type_ok);

	if (number == NULL)
		return false;
	*value = json_object_get_double(number);
	return true;
}

bool
aws_json_entry_boolean(struct json_object *entry, const char *path,
					   bool *value, bool *type_ok)
{
	struct json_object *flag = lookup_typed(entry, path, is_boolean, type_ok);

	if (flag == NULL)
		return false;
	*value = json_object_get_boolean(flag);
	return true;
}

bool
aws_json_entry_integer(struct json_object *entry, const char *path,
					   int *value, bool *type_ok)
{
	struct json_object *number = lookup_typed(entry, path, is_int32, type_ok);

	if (number == NULL)
		return false;
	*value = (int) json_object_get_int64(number);
	return true;
}

struct json_object *
aws_json_entry_value(struct json_object *entry, const char *path, bool *type_ok)
{
	return lookup_typed(entry, path, NULL, type_ok);
}

struct json_object *
aws_json_entry_array(struct json_object *entry, const char *path,
					 int *length, bool *type_ok)
{
	struct json_object *array = lookup_typed(entry, path, is_array, type_ok);

	*length = array != NULL ? (int) json_object_array_length(array) : 0;
	return array;
}

const char *
aws_json_array_string(struct json_object *array, int index)
{
	struct json_object *item = json_object_array_get_idx(array, index);

	if (item == NULL || !is_text_string(item))
		return NULL;
	return json_object_get_string(item);
}

/* Deeper than the parser lets a page nest (aws_json.c): never reached. */
#define REMOVE_MAX_DEPTH	32

/*
 * Zero every string below value before json-c frees it, so a removed
 * secret does not stay behind in freed memory.  json-c hands out its own
 * buffer, which it frees without reading again.
 */
static void
wipe_strings(struct json_object *value, int depth)
{
	size_t		i;

	if (depth > REMOVE_MAX_DEPTH)
		return;
	switch (json_object_get_type(value))
	{
		case json_type_string:
			explicit_bzero((char *) json_object_get_string(value),
						   json_object_get_string_len(value));
			break;
		case json_type_array:
			for (i = 0; i < json_object_array_length(value); i++)
				wipe_strings(json_object_array_get_idx(value, i), depth + 1);
			break;
		case json_type_object:
			{
				json_object_object_foreach(value, key, member)
				{
					(void) key;
					if (member != NULL)
						wipe_strings(member, depth + 1);
				}
				break;
			}
		default:
			break;
	}
}

/*
 * One step of aws_json_remove_path: the first dotted step of path in node.
 * Steps the entry does not have, or of another type than the path says,
 * remove nothing: an answer without the field has nothing to hide.
 */
static int
remove_path(struct json_object *node, const char *path, int depth)
{
	const char *dot = strchr(path, '.');
	size_t		len = dot ? (size_t) (dot - path) : strlen(path);
	bool		each = len > 2 && strncmp(path + len - 2, "[]", 2) == 0;
	char	   *name = pnstrdup(path, each ? len - 2 : len);
	struct json_object *child = NULL;
	int			removed = 0;
	size_t		i;

	if (depth <= REMOVE_MAX_DEPTH && json_object_is_type(node, json_type_object) &&
		json_object_object_get_ex(node, name, &child) && child != NULL)
	{
		if (dot == NULL)
		{
			/* the field itself ("[]" at the end: the whole array) */
			wipe_strings(child, 0);
			json_object_object_del(node, name);
			removed = 1;
		}
		else if (!each)
			removed = remove_path(child, dot + 1, depth + 1);
		else if (json_object_is_type(child, json_type_array))
			for (i = 0; i < json_object_array_length(child); i++)
				removed += remove_path(json_object_array_get_idx(child, i),
									   dot + 1, depth + 1);
	}
	pfree(name);
	return removed;
}

int
aws_json_remove_path(struct json_object *entry, const char *path)
{
	return remove_path(entry, path, 0);
}

/*
 * json-c remembers the source text of every non-integer number it parses
 * and prints that text back, so serializing the number alone returns what
 * AWS sent ("1700000000.123" stays exactly that, not 1700000000.1229999).
 */
const char *
aws_json_entry_raw_text(struct json_object *entry, const char *field)
{
	bool		ok;
	struct json_object *number = lookup_path(entry, field, &ok);

	if (number == NULL || !is_json_number(number))
		return NULL;
	return json_object_to_json_string_ext(number, AWS_JSON_PRINT_FLAGS);
}

const char *
aws_json_entry_json(struct json_object *entry)
{
	return json_object_to_json_string_ext(entry, AWS_JSON_PRINT_FLAGS);
}

/*
 * The objects of the array at 'path' whose string field where_field equals
 * where_value ("State" = "ACTIVE"), into *matches (palloc'd, borrowed
 * pointers; NULL when -1 is returned).  Returns their count, or -1 when
 * the array is absent; an array that is not one of objects sets
 * *type_ok = false.
 */
static int
elements_where(struct json_object *entry, const char *path,
			   const char *where_field, const char *where_value,
			   struct json_object ***matches, bool *type_ok)
{
	int			length;
	struct json_object *array = aws_json_entry_array(entry, path, &length,
													 type_ok);
	int			n = 0;
	int			i;

	if (array == NULL)
		return -1;
	*matches = palloc(sizeof(struct json_object *) * Max(length, 1));
	for (i = 0; i < length; i++)
	{
		struct json_object *element = json_object_array_get_idx(array, i);
		bool		ok = true;
		const char *value = NULL;

		if (json_object_is_type(element, json_type_object))
			value = aws_json_entry_string(element, where_field, &ok);
		else
			ok = false;
		if (!ok)
		{
			*type_ok = false;
			pfree(*matches);
			*matches = NULL;
			return -1;
		}
		if (value != NULL && strcmp(value, where_value) == 0)
			(*matches)[n++] = element;
	}
	return n;
}

int
aws_json_count_where(struct json_object *entry, const char *path,
					 const char *where_field, const char *where_value,
					 bool *type_ok)
{
	struct json_object **matches = NULL;
	int			n;

	*type_ok = true;
	n = elements_where(entry, path, where_field, where_value, &matches,
					   type_ok);
	if (matches != NULL)
		pfree(matches);
	return n;
}

static int
compare_strings(const void *a, const void *b)
{
	return strcmp(*(const char *const *) a, *(const char *const *) b);
}

int
aws_json_distinct_where(struct json_object *entry, const char *path,
						const char *where_field, const char *where_value,
						const char *element_field, const char ***values,
						bool *type_ok)
{
	struct json_object **matches = NULL;
	int			n;
	int			kept = 0;
	int			i;

	*type_ok = true;
	n = elements_where(entry, path, where_field, where_value, &matches,
					   type_ok);
	if (n < 0)
		return -1;
	*values = palloc(sizeof(const char *) * Max(n, 1));
	for (i = 0; i < n; i++)
	{
		bool		ok = true;
		const char *value = aws_json_entry_string(matches[i], element_field, &ok);

		if (!ok)
		{
			*type_ok = false;
			pfree(matches);
			return -1;
		}
		if (value != NULL)
			(*values)[kept++] = value;
	}
	pfree(matches);
	qsort(*values, kept, sizeof(const char *), compare_strings);
	n = 0;
	for (i = 0; i < kept; i++)
		if (n == 0 || strcmp((*values)[n - 1], (*values)[i]) != 0)
			(*values)[n++] = (*values)[i];
	return n;
}

char *
aws_json_tag_object(struct json_object *entry, const char *path, bool *type_ok)
{
	int			length;
	struct json_object *array = aws_json_entry_array(entry, path, &length,
													 type_ok);
	struct json_object *tags;
	char	   *text;
	int			i;

	if (array == NULL)
		return NULL;
	tags = json_object_new_object();
	for (i = 0; i < length; i++)
	{
		struct json_object *tag = json_object_array_get_idx(array, i);
		bool		key_ok = true;
		bool		value_ok = true;
		const char *key;
		const char *value;

		if (!json_object_is_type(tag, json_type_object))
		{
			*type_ok = false;
			break;
		}
		key = aws_json_entry_string(tag, "Key", &key_ok);
		value = aws_json_entry_string(tag, "Value", &value_ok);
		if (!key_ok || !value_ok || key == NULL)
		{
			*type_ok = false;
			break;
		}
		json_object_object_add(tags, key,
							   value ? json_object_new_string(value) : NULL);
	}
	text = *type_ok ?
		pstrdup(json_object_to_json_string_ext(tags, AWS_JSON_PRINT_FLAGS)) : NULL;
	json_object_put(tags);
	return text;
}
