/*-------------------------------------------------------------------------
 *
 * rows.c
 *	  Turning list entries into rows of a foreign table that declares any
 *	  subset of its kind's columns, in any order and with any type that has
 *	  an input function.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "datatype/timestamp.h"
#include "aws/aws_json.h"
#include "lib/stringinfo.h"
#include "options.h"
#include "organization.h"
#include "raw_jsonb.h"
#include "rows.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
#include "utils/rel.h"
#include "utils/timestamp.h"

const CksTableKind *
cks_table_kind_of(Oid relid)
{
	char	   *name = cks_table_kind_option(relid);
	const CksTableKind *kind;

	if (name == NULL)
		return &cks_kind_custom_key_stores;
	kind = cks_table_kind_by_name(name);
	if (kind == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_TABLE_NOT_FOUND),
				 errmsg("foreign table \"%s\" names an unknown remote table \"%s\"",
						get_rel_name(relid), name)));
	return kind;
}

static char *
valid_column_names(const CksTableKind *kind)
{
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	for (i = 0; i < kind->ncolumns; i++)
		appendStringInfo(&buf, "%s%s", i ? ", " : "", kind->columns[i].name);
	return buf.data;
}

int *
cks_map_table_columns(const CksTableKind *kind, Oid relid, TupleDesc tupdesc)
{
	int		   *column_of_att = palloc(sizeof(int) * Max(tupdesc->natts, 1));
	int			i;

	for (i = 0; i < tupdesc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(tupdesc, i);
		char	   *remote;

		column_of_att[i] = -1;
		if (att->attisdropped)
			continue;
		remote = cks_column_remote_name(relid, att->attnum);
		column_of_att[i] = cks_kind_column(kind, remote);
		if (column_of_att[i] < 0)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_COLUMN_NAME_NOT_FOUND),
					 errmsg("column \"%s\" of foreign table \"%s\" does not match any %s field",
							remote, get_rel_name(relid), kind->entry_noun),
					 errhint("Valid column names are: %s. Use the column option column_name to map another name.",
							 valid_column_names(kind))));
	}
	return column_of_att;
}

/*
 * A nested table's rows are elements of the entries' nested_entries array:
 * keep the sensitive paths below "Hsms[].", relative to the element.
 */
static int
nested_sensitive_paths(const CksTableKind *kind, const char **paths, int n)
{
	size_t		len = strlen(kind->nested_entries);
	int			kept = 0;
	int			i;

	for (i = 0; i < n; i++)
		if (strncmp(paths[i], kind->nested_entries, len) == 0 &&
			strncmp(paths[i] + len, "[].", 3) == 0 && paths[i][len + 3] != '\0')
			paths[kept++] = paths[i] + len + 3;
	return kept;
}

void
cks_row_builder_init(CksRowBuilder *builder, const CksTableKind *kind,
					 Relation rel, int *column_of_att, Bitmapset *attrs_used,
					 bool show_sensitive)
{
	TupleDesc	tupdesc = RelationGetDescr(rel);
	bool		whole_row = bms_is_member(0 - FirstLowInvalidHeapAttributeNumber, attrs_used);
	int			i;

	builder->kind = kind;
	builder->tupdesc = tupdesc;
	builder->relname = pstrdup(RelationGetRelationName(rel));
	builder->column_of_att = column_of_att;
	builder->wanted = palloc0(sizeof(bool) * Max(tupdesc->natts, 1));
	builder->input_functions = palloc0(sizeof(FmgrInfo) * Max(tupdesc->natts, 1));
	builder->typioparams = palloc0(sizeof(Oid) * Max(tupdesc->natts, 1));
	builder->needs_account_id = false;
	builder->organization_user = NULL;
	memset(builder->extra_wanted, 0, sizeof(builder->extra_wanted));
	/* entries are the lookup operation's (DescribeKey's for keys) */
	builder->show_sensitive = show_sensitive;
	builder->nsensitive = show_sensitive ? 0 :
		cks_entry_sensitive_paths(cks_lookup_operation(kind->operation),
								  builder->sensitive_paths);
	if (kind->nested_entries != NULL)
		builder->nsensitive = nested_sensitive_paths(kind, builder->sensitive_paths,
													 builder->nsensitive);

	for (i = 0; i < tupdesc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(tupdesc, i);
		Oid			input_function;

		if (column_of_att[i] < 0)
			continue;
		if (!whole_row &&
			!bms_is_member(att->attnum - FirstLowInvalidHeapAttributeNumber, attrs_used))
			continue;
		builder->wanted[i] = true;
		getTypeInputInfo(att->atttypid, &input_function, &builder->typioparams[i]);
		fmgr_info(input_function, &builder->input_functions[i]);
		if (kind->columns[column_of_att[i]].extra != NULL)
			builder->extra_wanted[cks_kind_extra_index(kind,
													   kind->columns[column_of_att[i]].extra)] = true;
		/* an entry that names its account needs no GetCallerIdentity */
		if (kind->columns[column_of_att[i]].conversion == CKS_CONV_ACCOUNT &&
			kind->account_field == NULL)
			builder->needs_account_id = true;
	}
}

/* Where a conversion error happened, for the error context line. */
typedef struct ConversionPosition
{
	const char *relname;
	const char *attname;
	const char *field;
} ConversionPosition;

static void
conversion_error_callback(void *arg)
{
	ConversionPosition *pos = arg;

	if (pos->attname == NULL)
		return;
	if (pos->field)
		errcontext("column \"%s\" of foreign table \"%s\", from field \"%s\"",
				   pos->attname, pos->relname, pos->field);
	else
		errcontext("column \"%s\" of foreign table \"%s\"",
				   pos->attname, pos->relname);
}

static int64 numeric_epoch_to_micros(const char *text);
pg_noreturn static void report_wrong_type(const CksRowBuilder *builder,
										  const char *field,
										  const char *expected);

/*
 * The common shape of CreationDate, "1700000000.123": whole seconds and at
 * most six fraction digits, converted exactly without numeric arithmetic.
 * Returns false for anything else (exponents, signs, more digits).
 */
static bool
plain_epoch_to_micros(const char *text, int64 *unix_micros)
{
	int64		seconds = 0;
	int64		fraction = 0;
	int			fraction_digits = 0;
	const char *p = text;

	if (!isdigit((unsigned char) *p))
		return false;
	for (; isdigit((unsigned char) *p); p++)
	{
		if (seconds > (PG_INT64_MAX / USECS_PER_SEC) / 10)
			return false;
		seconds = seconds * 10 + (*p - '0');
	}
	if (*p == '.')
	{
		for (p++; isdigit((unsigned char) *p); p++)
		{
			if (++fraction_digits > 6)
				return false;
			fraction = fraction * 10 + (*p - '0');
		}
	}
	if (*p != '\0')
		return false;
	for (; fraction_digits < 6; fraction_digits++)
		fraction *= 10;
	*unix_micros = seconds * USECS_PER_SEC + fraction;
	return true;
}

/*
 * CreationDate is epoch seconds with a fraction.  Going through numeric
 * keeps every digit AWS sent (a double would round microseconds); the
 * usual plain form takes a shortcut with the same result.
 */
static Datum
epoch_text_to_timestamptz(const char *text)
{
	int64		unix_micros;
	TimestampTz result;

	if (!plain_epoch_to_micros(text, &unix_micros))
		unix_micros = numeric_epoch_to_micros(text);
	result = unix_micros -
		((int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY * USECS_PER_SEC);
	if (!IS_VALID_TIMESTAMP(result))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range: \"%s\"", text)));
	return TimestampTzGetDatum(result);
}

static int64
numeric_epoch_to_micros(const char *text)
{
	Datum		seconds = DirectFunctionCall3(numeric_in, CStringGetDatum(text),
											  ObjectIdGetDatum(InvalidOid),
											  Int32GetDatum(-1));
	Datum		micros = DirectFunctionCall2(numeric_mul, seconds,
											 DirectFunctionCall1(int8_numeric, Int64GetDatum(USECS_PER_SEC)));
	Datum		rounded = DirectFunctionCall2(numeric_round, micros, Int32GetDatum(0));

	return DatumGetInt64(DirectFunctionCall1(numeric_int8, rounded));
}

static void
report_wrong_type(const CksRowBuilder *builder, const char *field,
				  const char *expected)
{
	ereport(ERROR,
			(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
			 errmsg("field \"%s\" of a %s entry is not a %s",
					field, cks_lookup_operation(builder->kind->operation)->action,
					expected)));
}

/*
 * A JSON array of strings as text[]; any element that is not a string is
 * an error, since a NULL element would hide what AWS sent.
 */
static Datum
string_array_datum(const CksRowBuilder *builder, struct json_object *array,
				   int length, const char *path)
{
	Datum	   *items = palloc(sizeof(Datum) * Max(length, 1));
	int			i;

	for (i = 0; i < length; i++)
	{
		const char *item = aws_json_array_string(array, i);

		if (item == NULL)
			report_wrong_type(builder, path, "array of strings");
		items[i] = CStringGetTextDatum(item);
	}
	return PointerGetDatum(construct_array(items, length, TEXTOID, -1, false,
										   TYPALIGN_INT));
}

/* The text[] of an array-of-strings field; false when absent (SQL NULL). */
static bool
string_array_value(const CksRowBuilder *builder, struct json_object *entry,
				   const char *path, Datum *value)
{
	int			length;
	bool		type_ok = true;
	struct json_object *array = aws_json_entry_array(entry, path, &length,
													 &type_ok);

	if (!type_ok)
		report_wrong_type(builder, path, "array of strings");
	if (array == NULL)
		return false;
	*value = string_array_datum(builder, array, length, path);
	return true;
}

/*
 * The sorted distinct strings a CKS_CONV_DISTINCT_WHERE column collects
 * (the Availability Zones of a cluster's ACTIVE HSMs) as text[]; false
 * when the array is absent (SQL NULL).
 */
static bool
distinct_where_value(const CksRowBuilder *builder, struct json_object *entry,
					 const CksColumnDef *column, Datum *value)
{
	const char **strings = NULL;
	bool		type_ok = true;
	Datum	   *items;
	int			n;
	int			i;

	n = aws_json_distinct_where(entry, column->json_path, column->where_field,
								column->where_value, column->element_field,
								&strings, &type_ok);
	if (!type_ok)
		report_wrong_type(builder, column->json_path, "array of objects");
	if (n < 0)
		return false;
	items = palloc(sizeof(Datum) * Max(n, 1));
	for (i = 0; i < n; i++)
		items[i] = CStringGetTextDatum(strings[i]);
	*value = PointerGetDatum(construct_array(items, n, TEXTOID, -1, false,
											 TYPALIGN_INT));
	return true;
}

/*
 * AWS sends timestamps as epoch seconds; an emulator (moto) sends ISO 8601
 * strings, which botocore accepts as well, so we do too.  A string without
 * a zone is UTC, like every AWS timestamp.  Anything else is an error.
 */
static const char *
iso_timestamp_text(const CksRowBuilder *builder, struct json_object *entry,
				   const char *path, bool *is_iso)
{
	bool		type_ok = true;
	double		ignored;
	const char *value = aws_json_entry_string(entry, path, &type_ok);
	const char *time_part;

	if (value == NULL)
	{
		if (type_ok)
			(void) aws_json_entry_number(entry, path, &ignored, &type_ok);
		if (!type_ok)
			report_wrong_type(builder, path, "number");
		return NULL;
	}
	time_part = strpbrk(value, "Tt ");
	if (value[0] == '\0' || !isdigit((unsigned char) value[0]) || time_part == NULL)
		report_wrong_type(builder, path, "number or ISO 8601 timestamp");
	*is_iso = true;
	if (strpbrk(time_part, "Zz+-") != NULL)
		return value;
	return psprintf("%s+00", value);
}

/*
 * The text of a column whose value sums up or reshapes a JSON structure
 * (an array's length, a count, tags, a nested object, a list) rather than
 * reading one scalar: apart from field_text so that each kind of value
 * reads in one screen.  NULL for SQL NULL.
 */
static const char *
structure_text(const CksRowBuilder *builder, struct json_object *entry,
			   const CksColumnDef *column)
{
	const char *path = column->json_path;
	bool		type_ok = true;
	int			number;
	struct json_object *json;
	Datum		array;

	switch (column->conversion)
	{
		case CKS_CONV_ARRAY_LENGTH:
			if (aws_json_entry_array(entry, path, &number, &type_ok) != NULL)
				return psprintf("%d", number);
			if (!type_ok)
				report_wrong_type(builder, path, "array");
			return NULL;
		case CKS_CONV_COUNT_WHERE:
			number = aws_json_count_where(entry, path, column->where_field,
										  column->where_value, &type_ok);
			if (!type_ok)
				report_wrong_type(builder, path, "array of objects");
			return number >= 0 ? psprintf("%d", number) : NULL;
		case CKS_CONV_TAG_OBJECT:
			{
				const char *value = aws_json_tag_object(entry, path, &type_ok);

				if (!type_ok)
					report_wrong_type(builder, path, "list of tags");
				return value;
			}
		case CKS_CONV_DISTINCT_WHERE:
			if (!distinct_where_value(builder, entry, column, &array))
				return NULL;
			return OidOutputFunctionCall(F_ARRAY_OUT, array);
		case CKS_CONV_JSON:
			json = aws_json_entry_value(entry, path, &type_ok);
			if (!type_ok)
				report_wrong_type(builder, path, "object");
			return json ? aws_json_entry_json(json) : NULL;
		case CKS_CONV_STRING_ARRAY:
			/* a column of another type gets text[]'s text form */
			if (!string_array_value(builder, entry, path, &array))
				return NULL;
			return OidOutputFunctionCall(F_ARRAY_OUT, array);
		case CKS_CONV_RAW:
			return aws_json_entry_json(entry);
		default:
			Assert(false);		/* field_text sends only the kinds above */
			return NULL;
	}
}

/*
 * The text of a column that says where the row came from (its region, its
 * account and that account's name) rather than what AWS said about it:
 * apart from field_text because these come from the scan, not from the
 * column's JSON path.  NULL for SQL NULL.
 */
static const char *
origin_text(const CksRowBuilder *builder, struct json_object *entry,
			const CksColumnDef *column, const char *region,
			const char *account_id)
{
	bool		type_ok = true;

	switch (column->conversion)
	{
		case CKS_CONV_REGION:
			return region;
		case CKS_CONV_ACCOUNT:
			if (account_id == NULL && builder->kind->account_field != NULL)
				return aws_json_entry_string(entry, builder->kind->account_field,
											 &type_ok);
			return account_id;
		case CKS_CONV_ACCOUNT_NAME:
			if (builder->organization_user == NULL)
				return NULL;
			return cks_organization_account_name(builder->organization_user,
												 account_id);
		default:
			Assert(false);		/* field_text sends only the kinds above */
			return NULL;
	}
}

/*
 * The text of one field, or NULL for SQL NULL; *is_iso when a timestamp
 * came as an ISO 8601 string rather than epoch seconds.  Scalars are read
 * here; structures and the row's origin have their own functions above.
 */
static const char *
field_text(const CksRowBuilder *builder, struct json_object *entry,
		   const CksColumnDef *column, const char *region,
		   const char *account_id, bool *is_iso)
{
	const char *path = column->json_path;
	const char *value;
	bool		type_ok = true;
	bool		flag;
	int			number;

	switch (column->conversion)
	{
		case CKS_CONV_BOOLEAN:
			if (aws_json_entry_boolean(entry, path, &flag, &type_ok))
				return flag ? "true" : "false";
			if (!type_ok)
				report_wrong_type(builder, path, "boolean");
			return NULL;
		case CKS_CONV_INTEGER:
			if (aws_json_entry_integer(entry, path, &number, &type_ok))
				return psprintf("%d", number);
			if (!type_ok)
				report_wrong_type(builder, path, "32-bit integer");
			return NULL;
		case CKS_CONV_ARRAY_LENGTH:
		case CKS_CONV_COUNT_WHERE:
		case CKS_CONV_TAG_OBJECT:
		case CKS_CONV_DISTINCT_WHERE:
		case CKS_CONV_JSON:
		case CKS_CONV_STRING_ARRAY:
		case CKS_CONV_RAW:
			return structure_text(builder, entry, column);
		case CKS_CONV_REGION:
		case CKS_CONV_ACCOUNT:
		case CKS_CONV_ACCOUNT_NAME:
			return origin_text(builder, entry, column, region, account_id);
		case CKS_CONV_NUMBER:
			value = aws_json_entry_raw_text(entry, path);
			if (value == NULL && aws_json_entry_value(entry, path, &type_ok) != NULL)
				report_wrong_type(builder, path, "number");
			return value;
		case CKS_CONV_EPOCH_TIME:
			value = aws_json_entry_raw_text(entry, path);
			if (value == NULL)
				value = iso_timestamp_text(builder, entry, path, is_iso);
			return value;
		case CKS_CONV_STRING:
			break;
	}
	value = aws_json_entry_string(entry, path, &type_ok);
	if (!type_ok)
		report_wrong_type(builder, path, "string");
	return value;
}

/*
 * The row of an entry.  A column filled by an extra call reads 'extras'
 * (key_extras.c), NULL when none were fetched: such columns are NULL.
 */
void
cks_build_row(CksRowBuilder *builder, struct json_object *entry,
			  struct json_object *extras,
			  const char *region, const char *account_id,
			  Datum *values, bool *nulls)
{
	ConversionPosition pos = {builder->relname, NULL, NULL};
	ErrorContextCallback errcallback;
	int			i;

	errcallback.callback = conversion_error_callback;
	errcallback.arg = &pos;
	errcallback.previous = error_context_stack;
	error_context_stack = &errcallback;

	for (i = 0; i < builder->nsensitive; i++)
		(void) aws_json_remove_path(entry, builder->sensitive_paths[i]);

	for (i = 0; i < builder->tupdesc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(builder->tupdesc, i);
		const CksColumnDef *column;
		struct json_object *source;
		const char *text;
		bool		is_iso;

		values[i] = (Datum) 0;
		nulls[i] = true;
		if (!builder->wanted[i])
			continue;
		column = &builder->kind->columns[builder->column_of_att[i]];
		if (column->sensitive && !builder->show_sensitive)
			continue;			/* removed above; NULL whatever the path says */
		source = column->extra ? extras : entry;
		if (source == NULL)
			continue;
		pos.attname = NameStr(att->attname);
		pos.field = column->json_path;

		if (column->conversion == CKS_CONV_RAW && att->atttypid == JSONBOID)
		{
			values[i] = cks_entry_to_jsonb(entry);
			nulls[i] = false;
			continue;
		}
		if (column->conversion == CKS_CONV_DISTINCT_WHERE &&
			att->atttypid == TEXTARRAYOID)
		{
			nulls[i] = !distinct_where_value(builder, entry, column, &values[i]);
			continue;
		}
		if (column->conversion == CKS_CONV_STRING_ARRAY &&
			att->atttypid == TEXTARRAYOID)
		{
			nulls[i] = !string_array_value(builder, source, column->json_path,
										   &values[i]);
			continue;
		}
		is_iso = false;
		text = field_text(builder, source, column, region, account_id, &is_iso);
		if (text == NULL)
			continue;
		if (column->conversion == CKS_CONV_EPOCH_TIME && !is_iso &&
			att->atttypid == TIMESTAMPTZOID)
			values[i] = epoch_text_to_timestamptz(text);
		else
			values[i] = InputFunctionCall(&builder->input_functions[i],
										  (char *) text,
										  builder->typioparams[i],
										  att->atttypmod);
		nulls[i] = false;
	}
	pos.attname = NULL;
	error_context_stack = errcallback.previous;
}
