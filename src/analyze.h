/*-------------------------------------------------------------------------
 *
 * analyze.h
 *	  ANALYZE for cks_fdw foreign tables: a full listing of every region,
 *	  a reservoir sample of it for the column statistics, and the real row
 *	  count for pg_class.reltuples, which the planner then prefers over the
 *	  estimated_rows guess.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CKS_ANALYZE_H
#define CKS_ANALYZE_H

#include "postgres.h"

#include "foreign/fdwapi.h"
#include "foreign/foreign.h"

/* The AnalyzeForeignTable callback. */
extern bool cks_analyze_foreign_table(Relation relation,
									  AcquireSampleRowsFunc *func,
									  BlockNumber *totalpages);

/*
 * True when the foreign table or its server sets estimated_rows: the
 * user's figure then wins over what ANALYZE counted.
 */
extern bool cks_estimated_rows_is_set(ForeignTable *table);

#endif							/* CKS_ANALYZE_H */
