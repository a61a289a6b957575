/*-------------------------------------------------------------------------
 *
 * rows.c
 *	  Turning DescribeCustomKeyStores entries into rows of a foreign table
 *	  that declares any subset of the interface's columns, in any order and
 *	  with any type that has an input function.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "datatype/timestamp.h"
#include "kms.h"
#include "lib/stringinfo.h"
#include "options.h"
#include "raw_jsonb.h"
#include "rows.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
#include "utils/rel.h"
#include "utils/timestamp.h"

const CksColumnDef cks_columns[CKS_NUM_COLUMNS] = {
	{"custom_key_store_id", "text", "CustomKeyStoreId"},
	{"custom_key_store_name", "text", "CustomKeyStoreName"},
	{"custom_key_store_type", "text", "CustomKeyStoreType"},
	{"cloud_hsm_cluster_id", "text", "CloudHsmClusterId"},
	{"trust_anchor_certificate", "text", "TrustAnchorCertificate"},
	{"connection_state", "text", "ConnectionState"},
	{"connection_error_code", "text", "ConnectionErrorCode"},
	{"creation_date", "timestamptz", "CreationDate"},
	{"xks_proxy_connectivity", "text", "XksProxyConfiguration.Connectivity"},
	{"xks_proxy_uri_endpoint", "text", "XksProxyConfiguration.UriEndpoint"},
	{"xks_proxy_uri_path", "text", "XksProxyConfiguration.UriPath"},
	{"xks_proxy_vpc_endpoint_service_name", "text", "XksProxyConfiguration.VpcEndpointServiceName"},
	{"xks_proxy_vpc_endpoint_service_owner", "text", "XksProxyConfiguration.VpcEndpointServiceOwner"},
	{"xks_proxy_access_key_id", "text", "XksProxyConfiguration.AccessKeyId"},
	{"region", "text", NULL},
	{"account_id", "text", NULL},
	{"raw", "jsonb", NULL},
};

int
cks_column_by_name(const char *name)
{
	int			i;

	for (i = 0; i < CKS_NUM_COLUMNS; i++)
		if (strcmp(cks_columns[i].name, name) == 0)
			return i;
	return -1;
}

static char *
valid_column_names(void)
{
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	for (i = 0; i < CKS_NUM_COLUMNS; i++)
		appendStringInfo(&buf, "%s%s", i ? ", " : "", cks_columns[i].name);
	return buf.data;
}

int *
cks_map_table_columns(Oid relid, TupleDesc tupdesc)
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
		column_of_att[i] = cks_column_by_name(remote);
		if (column_of_att[i] < 0)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_COLUMN_NAME_NOT_FOUND),
					 errmsg("column \"%s\" of foreign table \"%s\" does not match any custom key store field",
							remote, get_rel_name(relid)),
					 errhint("Valid column names are: %s. Use the column option column_name to map another name.",
							 valid_column_names())));
	}
	return column_of_att;
}

void
cks_row_builder_init(CksRowBuilder *builder, Relation rel, int *column_of_att,
					 Bitmapset *attrs_used)
{
	TupleDesc	tupdesc = RelationGetDescr(rel);
	bool		whole_row = bms_is_member(0 - FirstLowInvalidHeapAttributeNumber, attrs_used);
	int			i;

	builder->tupdesc = tupdesc;
	builder->relname = pstrdup(RelationGetRelationName(rel));
	builder->column_of_att = column_of_att;
	builder->wanted = palloc0(sizeof(bool) * Max(tupdesc->natts, 1));
	builder->input_functions = palloc0(sizeof(FmgrInfo) * Max(tupdesc->natts, 1));
	builder->typioparams = palloc0(sizeof(Oid) * Max(tupdesc->natts, 1));
	builder->needs_account_id = false;

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
		if (column_of_att[i] == CKS_COL_ACCOUNT_ID)
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
report_wrong_type(const char *field, const char *expected)
{
	ereport(ERROR,
			(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
			 errmsg("field \"%s\" of a DescribeCustomKeyStores entry is not a %s",
					field, expected)));
}

/* The text of one field, or NULL for SQL NULL. */
static const char *
field_text(struct json_object *entry, CksColumn column, const char *region,
		   const char *account_id)
{
	const char *path = cks_columns[column].json_path;
	const char *value;
	bool		type_ok = true;

	switch (column)
	{
		case CKS_COL_REGION:
			return region;
		case CKS_COL_ACCOUNT_ID:
			return account_id;
		case CKS_COL_RAW:
			return kms_entry_json(entry);
		case CKS_COL_CREATION_DATE:
			value = kms_entry_raw_text(entry, path);
			if (value == NULL)
			{
				double		ignored;

				(void) kms_entry_number(entry, path, &ignored, &type_ok);
				if (!type_ok)
					report_wrong_type(path, "number");
			}
			return value;
		default:
			value = kms_entry_string(entry, path, &type_ok);
			if (!type_ok)
				report_wrong_type(path, "string");
			return value;
	}
}

void
cks_build_row(CksRowBuilder *builder, struct json_object *entry,
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

	for (i = 0; i < builder->tupdesc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(builder->tupdesc, i);
		CksColumn	column;
		const char *text;

		values[i] = (Datum) 0;
		nulls[i] = true;
		if (!builder->wanted[i])
			continue;
		column = (CksColumn) builder->column_of_att[i];
		pos.attname = NameStr(att->attname);
		pos.field = cks_columns[column].json_path;

		if (column == CKS_COL_RAW && att->atttypid == JSONBOID)
		{
			values[i] = cks_entry_to_jsonb(entry);
			nulls[i] = false;
			continue;
		}
		text = field_text(entry, column, region, account_id);
		if (text == NULL)
			continue;
		if (column == CKS_COL_CREATION_DATE && att->atttypid == TIMESTAMPTZOID)
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
