/*-------------------------------------------------------------------------
 *
 * account_pruning.h
 *	  Which of a server's accounts a scan calls: the planner's count (for
 *	  costs and EXPLAIN) and the executor's list, after account_id quals.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CKS_ACCOUNT_PRUNING_H
#define CKS_ACCOUNT_PRUNING_H

#include "postgres.h"

#include "nodes/pg_list.h"
#include "options.h"

/* A guess at an organization's size, for the planner only. */
#define CKS_PLANNED_ORGANIZATION_ACCOUNTS	20

/*
 * How many accounts a scan will call as far as planning can tell (a
 * constant account_id qual in 'pushed' prunes a listed server's accounts),
 * and, when explain is not NULL, how EXPLAIN says it: "3", "1 of 3",
 * "organization", or "" without the accounts option (then 1).
 */
extern int	cks_accounts_for_plan(const CksScanOptions *opts, List *pushed,
								  char **explain);

#endif							/* CKS_ACCOUNT_PRUNING_H */
