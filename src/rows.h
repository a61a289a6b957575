/*-------------------------------------------------------------------------
 *
 * rows.h
 *	  From list entries to tuples: which kind a foreign table is, how its
 *	  attributes map to the kind's columns, and the conversion of one entry
 *	  into a row by the kind's column table.
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
#include "foreign/foreign.h"
#include "nodes/pg_list.h"
#include "table_kinds.h"

struct json_object;

/*
 * The kind of a foreign table: its "table" option, or custom_key_stores
 * for a table created without one.
 */
extern const CksTableKind *cks_table_kind_of(Oid relid);

/*
 * Map every live attribute of the foreign table to the index of its column
 * in kind->columns; an unknown name is an error naming it and listing the
 * valid ones.  Returns a palloc'd array indexed by attnum - 1 (-1 for
 * dropped ones).
 */
extern int *cks_map_table_columns(const CksTableKind *kind, Oid relid,
								  TupleDesc tupdesc);

/*
 * The Name of an account, or NULL when unknown: the signature of
 * cks_organization_account_name (organization.h).
 */
typedef const char *(*CksAccountNameLookup) (const UserMapping *user,
											 const char *account_id);

/* Per-scan conversion state for the attributes a query needs. */
typedef struct CksRowBuilder
{
	const CksTableKind *kind;
	TupleDesc	tupdesc;
	const char *relname;
	int		   *column_of_att;	/* from cks_map_table_columns */
	bool	   *wanted;			/* per attribute: converted or left NULL */
	FmgrInfo   *input_functions;
	Oid		   *typioparams;
	bool		needs_account_id;
	/* accounts 'organization': account_name is looked up with
	 * account_name(organization_user, account id), a function the scan's
	 * caller hands in (organization.c's), so that building a row never
	 * reaches up into account discovery; NULL otherwise (account_name is
	 * NULL) */
	CksAccountNameLookup account_name;
	const UserMapping *organization_user;
	/* per extra call of the kind: one of its columns is read */
	bool		extra_wanted[CKS_MAX_EXTRAS];
	bool		show_sensitive; /* the table's option of that name */
	/* the entry's sensitive fields, removed before any column reads it;
	 * none when the table has show_sensitive 'true' */
	const char *sensitive_paths[CKS_MAX_SENSITIVE_PATHS];
	int			nsensitive;
} CksRowBuilder;

/*
 * show_sensitive: the table's option of that name; without it, the fields
 * the kind's operation marks sensitive reach no column and no raw.
 */
extern void cks_row_builder_init(CksRowBuilder *builder,
								 const CksTableKind *kind, Relation rel,
								 int *column_of_att, Bitmapset *attrs_used,
								 bool show_sensitive);

/*
 * Fill values/nulls (tupdesc->natts long) from one entry.  Errors name the
 * column (an error context callback) and the JSON field.  The entry's
 * sensitive fields are removed from it (and wiped) first, unless the
 * table shows them.
 */
extern void cks_build_row(CksRowBuilder *builder, struct json_object *entry,
						  struct json_object *extras, const char *region, const char *account_id,
						  Datum *values, bool *nulls);

#endif							/* CKS_ROWS_H */
