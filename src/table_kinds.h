/*-------------------------------------------------------------------------
 *
 * table_kinds.h
 *	  The kinds of foreign table cks_fdw offers, as data: for each, the
 *	  remote schema and table name IMPORT FOREIGN SCHEMA uses, the list
 *	  operation that fills it, its column table (name, SQL type, JSON path,
 *	  conversion), and which columns' equalities become which request
 *	  parameters.
 *
 *	  The planner, the scanner and the row builder read a table's kind and
 *	  know no table by name: custom_key_stores, keys, cloudhsm_clusters,
 *	  cloudhsm_hsms, cloudhsm_backups and key_store_metrics are entries
 *	  here.
 *
 *	  Frontend-safe (no backend needed).
 *
 *-------------------------------------------------------------------------
 */
#ifndef CKS_TABLE_KINDS_H
#define CKS_TABLE_KINDS_H

#include "aws/aws_service.h"

/* How a column gets its value from an entry. */
typedef enum CksConversion
{
	CKS_CONV_STRING,			/* a JSON string, through the column type's
								 * input function */
	CKS_CONV_EPOCH_TIME,		/* a JSON number of epoch seconds (with a
								 * fraction): timestamptz, exactly */
	CKS_CONV_BOOLEAN,			/* a JSON true or false */
	CKS_CONV_INTEGER,			/* a JSON integer within int32 */
	CKS_CONV_NUMBER,			/* a JSON number, as AWS wrote it (double
								 * precision) */
	CKS_CONV_STRING_ARRAY,		/* a JSON array of strings: text[] */
	CKS_CONV_JSON,				/* any JSON value, as it is (jsonb) */
	CKS_CONV_ARRAY_LENGTH,		/* the number of elements of a JSON array */
	CKS_CONV_COUNT_WHERE,		/* the number of objects of a JSON array
								 * whose where_field is where_value */
	CKS_CONV_DISTINCT_WHERE,	/* the distinct element_field strings of
								 * those objects, sorted: text[] */
	CKS_CONV_TAG_OBJECT,		/* a TagList [{Key, Value}] as one JSON
								 * object {Key: Value} (jsonb) */
	CKS_CONV_REGION,			/* pseudo-column: the entry's region */
	CKS_CONV_ACCOUNT,			/* pseudo-column: the entry's account */
	CKS_CONV_ACCOUNT_NAME,		/* pseudo-column: that account's name in
								 * the organization (accounts
								 * 'organization'), else NULL */
	CKS_CONV_RAW				/* the whole entry, as AWS sent it (jsonb) */
} CksConversion;

/*
 * A call made for the rows of a table beyond the one that lists them, only
 * when one of its columns is read (key_extras.c): per entry (GetKeyLastUsage
 * of each key), or one listing per account and region joined to the
 * entries by a field (ListAliases by TargetKeyId).  Its answer is kept
 * under 'name' in a row's extras object, which its columns' paths start
 * from; 'raw' never shows it.
 */
typedef enum CksExtraScope
{
	CKS_EXTRA_PER_ENTRY,		/* one call (and its pages) per entry */
	CKS_EXTRA_PER_REGION		/* one listing per account and region */
} CksExtraScope;

typedef struct CksExtraCall
{
	const CksOperation *operation;
	CksExtraScope scope;
	const char *name;			/* member of the extras: "LastUsage" */
	const char *entry_field;	/* the entry's field sent (per entry) or
								 * matched (per region): "KeyId" */
	const char *match_field;	/* paged answers: each listed entry's key,
								 * "TagKey" (per entry: the object's
								 * member), "TargetKeyId" (per region:
								 * equal to the entry's entry_field) */
	const char *value_field;	/* ... and its value gathered: "TagValue"
								 * (one per key), "AliasName" (an array) */
	const char *refused_code;	/* an error meaning "not for this entry":
								 * NULL columns (AccessDeniedException for
								 * an AWS managed key's tags), or NULL */
} CksExtraCall;

/* Extra calls a kind has, at most. */
#define CKS_MAX_EXTRAS	4

typedef struct CksColumnDef
{
	const char *name;			/* column name users declare */
	const char *sql_type;		/* type IMPORT FOREIGN SCHEMA declares */
	const char *json_path;		/* dotted path in the entry, or NULL */
	CksConversion conversion;
	/* the field is one of the lookup operation's sensitive paths: the
	 * column is NULL unless the table has show_sensitive 'true' */
	bool		sensitive;
	/* CKS_CONV_COUNT_WHERE, CKS_CONV_DISTINCT_WHERE: which elements of the
	 * array at json_path count (where_field equals where_value), and for
	 * DISTINCT_WHERE the field of each that is collected */
	const char *where_field;
	const char *where_value;
	const char *element_field;

	/* the extra call filling the column (its path is from the extras
	 * object), or NULL: the entry's own field */
	const CksExtraCall *extra;
} CksColumnDef;

/* Which bound of a range a comparison on the column gives, if any. */
typedef enum CksBound
{
	CKS_BOUND_NONE,				/* equality (or = ANY) */
	CKS_BOUND_LOWER,			/* column > / >= value: StartTime */
	CKS_BOUND_UPPER				/* column < / <= value: EndTime */
} CksBound;

/* A column whose equality (or, with a bound, comparison) becomes a
 * request parameter. */
typedef struct CksPushdown
{
	const char *column;			/* "custom_key_store_id" */
	const char *parameter;		/* "CustomKeyStoreId", one of the lookup
								 * operation's parameters */
	/*
	 * AWS resolves the value to an entry whose column may read differently
	 * (DescribeKey takes an alias or an ARN for a key id), so the clause is
	 * answered by AWS and not rechecked on the row.
	 */
	bool		resolved_by_aws;
	/* the only values that can match (an enum), NULL-terminated; a value
	 * outside it matches nothing and is not sent.  NULL: any value. */
	const char *const *valid_values;
	/* a timestamptz column whose comparisons give this bound; its value
	 * is sent as epoch seconds (key_store_metrics.timestamp) */
	CksBound	bound;
} CksPushdown;

typedef struct CksTableKind
{
	const char *remote_schema;	/* IMPORT FOREIGN SCHEMA's schema */
	const char *name;			/* remote table name; the table option */
	const char *entry_noun;		/* "custom key store", for messages */
	const CksOperation *operation;
	const CksColumnDef *columns;
	int			ncolumns;
	const CksPushdown *pushdown;	/* ends with a {NULL, NULL} entry */
	/* field the table option key_manager compares with, or NULL */
	const char *key_manager_field;

	/*
	 * Rows are the elements of this array field of each entry, not the
	 * entries (cloudhsm_hsms: the "Hsms" of each DescribeClusters entry),
	 * so a table of nested things costs no request of its own.  NULL: one
	 * row per entry.
	 */
	const char *nested_entries;

	/*
	 * Field of the entry naming the account it belongs to (KeyMetadata's
	 * AWSAccountId), or NULL: account_id is read from it when the scan did
	 * not learn the account otherwise, so that reading account_id costs no
	 * GetCallerIdentity call.
	 */
	const char *account_field;

	/* its extra calls, NULL-terminated (see CksExtraCall) */
	const CksExtraCall *extras[CKS_MAX_EXTRAS + 1];
} CksTableKind;

/* Index of an extra call in kind->extras, or -1. */
extern int	cks_kind_extra_index(const CksTableKind *kind,
								 const CksExtraCall *extra);

extern const CksTableKind cks_kind_custom_key_stores;
extern const CksTableKind cks_kind_keys;
extern const CksTableKind cks_kind_cloudhsm_clusters;
extern const CksTableKind cks_kind_cloudhsm_hsms;
extern const CksTableKind cks_kind_cloudhsm_backups;
extern const CksTableKind cks_kind_key_store_metrics;

/* Every kind, in IMPORT FOREIGN SCHEMA's order; NULL-terminated. */
extern const CksTableKind *const cks_table_kinds[];

/* The kind whose name this is, or NULL. */
extern const CksTableKind *cks_table_kind_by_name(const char *name);

/* True when some kind lives in this remote schema. */
extern bool cks_remote_schema_exists(const char *remote_schema);

/* Index of a column of the kind, or -1. */
extern int	cks_kind_column(const CksTableKind *kind, const char *name);

/* The push-down entry of the kind's column giving this bound, or NULL. */
extern const CksPushdown *cks_kind_bound_pushdown(const CksTableKind *kind,
												  int column, CksBound bound);

/* The push-down entry of the kind's column (its equality), or NULL. */
extern const CksPushdown *cks_kind_pushdown(const CksTableKind *kind,
											int column);

/* The push-down entry that fills parameter 'parameter' (an index into the
 * lookup operation's parameters), or NULL. */
extern const CksPushdown *cks_kind_pushdown_of_parameter(const CksTableKind *kind,
														 int parameter);

/* True when 'value' is one the push-down entry allows. */
extern bool cks_pushdown_value_is_valid(const CksPushdown *pushdown,
										const char *value);

#endif							/* CKS_TABLE_KINDS_H */
