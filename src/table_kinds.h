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
 *	  know no table by name: custom_key_stores is one entry here.
 *
 *	  Frontend-safe (no backend needed).
 *
 *-------------------------------------------------------------------------
 */
#ifndef CKS_TABLE_KINDS_H
#define CKS_TABLE_KINDS_H

#include "aws_service.h"

/* How a column gets its value from an entry. */
typedef enum CksConversion
{
	CKS_CONV_STRING,			/* a JSON string, through the column type's
								 * input function */
	CKS_CONV_EPOCH_TIME,		/* a JSON number of epoch seconds (with a
								 * fraction): timestamptz, exactly */
	CKS_CONV_REGION,			/* pseudo-column: the entry's region */
	CKS_CONV_ACCOUNT,			/* pseudo-column: the entry's account */
	CKS_CONV_RAW				/* the whole entry, as AWS sent it (jsonb) */
} CksConversion;

typedef struct CksColumnDef
{
	const char *name;			/* column name users declare */
	const char *sql_type;		/* type IMPORT FOREIGN SCHEMA declares */
	const char *json_path;		/* dotted path in the entry, or NULL */
	CksConversion conversion;
} CksColumnDef;

/* A column whose equality becomes a request parameter. */
typedef struct CksPushdown
{
	const char *column;			/* "custom_key_store_id" */
	const char *parameter;		/* "CustomKeyStoreId", one of the
								 * operation's parameters */
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
} CksTableKind;

extern const CksTableKind cks_kind_custom_key_stores;

/* Every kind, in IMPORT FOREIGN SCHEMA's order; NULL-terminated. */
extern const CksTableKind *const cks_table_kinds[];

/* The kind whose name this is, or NULL. */
extern const CksTableKind *cks_table_kind_by_name(const char *name);

/* True when some kind lives in this remote schema. */
extern bool cks_remote_schema_exists(const char *remote_schema);

/* Index of a column of the kind, or -1. */
extern int	cks_kind_column(const CksTableKind *kind, const char *name);

/* The request parameter an equality on the kind's column becomes, or NULL. */
extern const char *cks_kind_pushdown_parameter(const CksTableKind *kind,
											   int column);

#endif							/* CKS_TABLE_KINDS_H */
