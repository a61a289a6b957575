/*-------------------------------------------------------------------------
 *
 * import_schema.c
 *	  IMPORT FOREIGN SCHEMA: the CREATE FOREIGN TABLE statements for the
 *	  table kinds of a remote schema (kms, cloudhsm), every column as the
 *	  kind's column table gives it, honouring LIMIT TO and EXCEPT.  A
 *	  table LIMIT TO or EXCEPT names that the remote schema does not have
 *	  is an error (PostgreSQL itself would ignore it): a typo in LIMIT TO
 *	  would otherwise import nothing, and one in EXCEPT import too much.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "closest_name.h"
#include "import_schema.h"
#include "lib/stringinfo.h"
#include "table_kinds.h"
#include "utils/builtins.h"

static bool
import_wants_table(ImportForeignSchemaStmt *stmt, const char *name)
{
	ListCell   *lc;
	bool		listed = false;

	foreach(lc, stmt->table_list)
		if (strcmp(((RangeVar *) lfirst(lc))->relname, name) == 0)
			listed = true;
	switch (stmt->list_type)
	{
		case FDW_IMPORT_SCHEMA_LIMIT_TO:
			return listed;
		case FDW_IMPORT_SCHEMA_EXCEPT:
			return !listed;
		default:
			return true;
	}
}

/* CREATE FOREIGN TABLE for a kind: every column, and the table option. */
static char *
import_statement(const CksTableKind *kind, ForeignServer *server)
{
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	appendStringInfo(&buf, "CREATE FOREIGN TABLE %s (\n", quote_identifier(kind->name));
	for (i = 0; i < kind->ncolumns; i++)
		appendStringInfo(&buf, "  %s %s%s\n", quote_identifier(kind->columns[i].name),
						 kind->columns[i].sql_type, i + 1 < kind->ncolumns ? "," : "");
	appendStringInfo(&buf, ") SERVER %s OPTIONS (\"table\" %s)",
					 quote_identifier(server->servername),
					 quote_literal_cstr(kind->name));
	return buf.data;
}

/*
 * Every table LIMIT TO or EXCEPT lists must be one of the remote schema's,
 * or the statement is refused, naming the table, with the schema's tables
 * (or the closest one) as hint.
 */
static void
check_listed_tables(ImportForeignSchemaStmt *stmt)
{
	const char *names[16];
	int			n = 0;
	StringInfoData known;
	ListCell   *lc;

	initStringInfo(&known);
	for (int i = 0; cks_table_kinds[i] != NULL && n < lengthof(names) - 1; i++)
		if (strcmp(cks_table_kinds[i]->remote_schema, stmt->remote_schema) == 0)
		{
			names[n++] = cks_table_kinds[i]->name;
			appendStringInfo(&known, "%s%s", known.len > 0 ? ", " : "",
							 cks_table_kinds[i]->name);
		}
	names[n] = NULL;

	foreach(lc, stmt->table_list)
	{
		const char *name = ((RangeVar *) lfirst(lc))->relname;
		const char *closest;
		bool		found = false;

		for (int i = 0; i < n; i++)
			found |= strcmp(names[i], name) == 0;
		if (found)
			continue;
		closest = cks_closest_name(name, names, 4);
		ereport(ERROR,
				(errcode(ERRCODE_FDW_TABLE_NOT_FOUND),
				 errmsg("remote schema \"%s\" has no table \"%s\"",
						stmt->remote_schema, name),
				 closest ?
				 errhint("Perhaps you meant \"%s\". Remote schema \"%s\" has: %s.",
						 closest, stmt->remote_schema, known.data) :
				 errhint("Remote schema \"%s\" has: %s.",
						 stmt->remote_schema, known.data)));
	}
}

/*
 * An unknown remote schema is an error, as in postgres_fdw, rather than an
 * empty import that looks like success.
 */
List *
cks_import_statements(ImportForeignSchemaStmt *stmt, ForeignServer *server)
{
	List	   *statements = NIL;
	int			i;

	if (!cks_remote_schema_exists(stmt->remote_schema))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_SCHEMA_NOT_FOUND),
				 errmsg("remote schema \"%s\" does not exist", stmt->remote_schema),
				 errhint("cks_fdw's remote schemas are kms, cloudhsm and cloudwatch: IMPORT FOREIGN SCHEMA kms FROM SERVER %s INTO ...",
						 quote_identifier(server->servername))));
	check_listed_tables(stmt);
	for (i = 0; cks_table_kinds[i] != NULL; i++)
	{
		const CksTableKind *kind = cks_table_kinds[i];

		if (strcmp(kind->remote_schema, stmt->remote_schema) == 0 &&
			import_wants_table(stmt, kind->name))
			statements = lappend(statements, import_statement(kind, server));
	}
	return statements;
}
