/*-------------------------------------------------------------------------
 *
 * rows.h
 *	  From DescribeCustomKeyStores entries to tuples: the columns a
 *	  custom_key_stores table may declare, how a table's attributes map to
 *	  them, and the conversion of one entry into a row.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CKS_ROWS_H
#define CKS_ROWS_H

#include "postgres.h"

#include "access/tupdesc.h"
#include "fmgr.h"
#include "nodes/bitmapset.h"
#include "utils/relcache.h"
#include "nodes/pg_list.h"

struct json_object;

/* The columns of the interface page, in its order. */
typedef enum CksColumn
{
	CKS_COL_ID,
	CKS_COL_NAME,
	CKS_COL_TYPE,
	CKS_COL_CLUSTER_ID,
	CKS_COL_TRUST_ANCHOR,
	CKS_COL_STATE,
	CKS_COL_ERROR_CODE,
	CKS_COL_CREATION_DATE,
	CKS_COL_XKS_CONNECTIVITY,
	CKS_COL_XKS_URI_ENDPOINT,
	CKS_COL_XKS_URI_PATH,
	CKS_COL_XKS_VPC_SERVICE_NAME,
	CKS_COL_XKS_VPC_SERVICE_OWNER,
	CKS_COL_XKS_ACCESS_KEY_ID,
	CKS_COL_REGION,
	CKS_COL_ACCOUNT_ID,
	CKS_COL_RAW,
	CKS_NUM_COLUMNS
} CksColumn;

typedef struct CksColumnDef
{
	const char *name;			/* column name users declare */
	const char *sql_type;		/* type IMPORT FOREIGN SCHEMA declares */
	const char *json_path;		/* field in the entry; NULL if not from it */
} CksColumnDef;

extern const CksColumnDef cks_columns[CKS_NUM_COLUMNS];

/* -1 when name is not a column of the interface. */
extern int	cks_column_by_name(const char *name);

/*
 * Map every live attribute of the foreign table to its CksColumn; an
 * unknown name is an error naming it and listing the valid ones.
 * Returns a palloc'd array indexed by attnum - 1 (-1 for dropped ones).
 */
extern int *cks_map_table_columns(Oid relid, TupleDesc tupdesc);

/* Per-scan conversion state for the attributes a query needs. */
typedef struct CksRowBuilder
{
	TupleDesc	tupdesc;
	const char *relname;
	int		   *column_of_att;	/* from cks_map_table_columns */
	bool	   *wanted;			/* per attribute: converted or left NULL */
	FmgrInfo   *input_functions;
	Oid		   *typioparams;
	bool		needs_account_id;
} CksRowBuilder;

extern void cks_row_builder_init(CksRowBuilder *builder, Relation rel,
								 int *column_of_att, Bitmapset *attrs_used);

/*
 * Fill values/nulls (tupdesc->natts long) from one entry.  Errors name the
 * column (an error context callback) and the JSON field.
 */
extern void cks_build_row(CksRowBuilder *builder, struct json_object *entry,
						  const char *region, const char *account_id,
						  Datum *values, bool *nulls);

#endif							/* CKS_ROWS_H */
