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
} CksRelInfo;

/*
 * Startup and total cost of a scan that sends 'requests' requests and
 * returns 'rows' rows.
 */
extern void cks_estimate_costs(const CksRelInfo *info, double requests,
							   double rows, Cost *startup_cost,
							   Cost *total_cost);

/* Requests a scan with the relation's restriction clauses sends. */
extern double cks_requests_for_scan(const CksRelInfo *info);

/* Add the paths that look up, per outer row, the key a join supplies. */
extern void cks_add_parameterized_paths(PlannerInfo *root, RelOptInfo *baserel,
										CksRelInfo *info);

/* Attribute numbers the query reads: only those are converted. */
extern List *cks_retrieved_attrs(PlannerInfo *root, RelOptInfo *baserel,
								 List *scan_clauses);

/* The Limit each page of the scan asks for. */
extern int	cks_page_limit(PlannerInfo *root, const CksRelInfo *info,
						   List *scan_clauses);

#endif							/* CKS_PLANNING_H */
