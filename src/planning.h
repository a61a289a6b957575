/*-------------------------------------------------------------------------
 *
 * planning.h
 *	  Planner-side state of a cks_fdw relation, and the estimates and paths
 *	  built from it (planning.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef CKS_PLANNING_H
#define CKS_PLANNING_H

#include "postgres.h"

#include "lookup_strategy.h"
#include "nodes/pathnodes.h"
#include "options.h"
#include "quals.h"
#include "table_kinds.h"

/* Planner-side state for a foreign relation (baserel->fdw_private). */
typedef struct CksRelInfo
{
	const CksTableKind *kind;
	CksScanOptions opts;
	int		   *column_of_att;
	List	   *pushed;			/* CksPushedQual from baserestrictinfo */
	int			nregions;		/* (account, region) pairs called at once:
								 * regions after constant region quals,
								 * times naccounts */
	int			naccounts;		/* accounts after constant account_id
								 * quals; 1 without the accounts option */
	double		rows_per_region;	/* ANALYZE's count, or estimated_rows */
	double		join_lookup_rows;	/* outer rows of the cheapest join
									 * lookups one scan could replace; 0:
									 * none */
} CksRelInfo;

/*
 * ForeignPath.fdw_private of a path whose lookups were weighed against
 * one scan: Integer one_scan (1: send the listing, filter locally), and
 * String EXPLAIN's "Lookup Strategy".
 */
enum CksPathPrivateIndex
{
	CksPathOneScan,
	CksPathStrategyText
};

/* Add the scan's unparameterized path: lookups or one scan. */
extern void cks_add_scan_path(PlannerInfo *root, RelOptInfo *baserel,
							  CksRelInfo *info);

/* Add the paths that look up, per outer row, the key a join supplies. */
extern void cks_add_parameterized_paths(PlannerInfo *root, RelOptInfo *baserel,
										CksRelInfo *info);

/* Attribute numbers the query reads: only those are converted. */
extern List *cks_retrieved_attrs(PlannerInfo *root, RelOptInfo *baserel,
								 List *scan_clauses);

/*
 * EXPLAIN's "Lookup Strategy" for the chosen path, or NULL; *one_scan:
 * the plan sends the listing instead of the lookups the clauses allow.
 */
extern char *cks_path_strategy(const CksRelInfo *info, ForeignPath *path,
							   bool *one_scan);

/* The Limit each page of the scan asks for. */
extern int	cks_page_limit(PlannerInfo *root, const CksRelInfo *info,
						   List *scan_clauses);

#endif							/* CKS_PLANNING_H */
