/*-------------------------------------------------------------------------
 *
 * import_schema.h
 *	  IMPORT FOREIGN SCHEMA for cks_fdw's table kinds.  See import_schema.c.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CKS_IMPORT_SCHEMA_H
#define CKS_IMPORT_SCHEMA_H

#include "foreign/foreign.h"
#include "nodes/parsenodes.h"

/* The statements to run for 'stmt' on 'server'; errors on an unknown schema. */
extern List *cks_import_statements(ImportForeignSchemaStmt *stmt,
								   ForeignServer *server);

#endif							/* CKS_IMPORT_SCHEMA_H */
