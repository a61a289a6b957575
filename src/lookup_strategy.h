/*-------------------------------------------------------------------------
 *
 * lookup_strategy.h
 *	  Lookups or one scan: the planner's choice for an IN list (or a join
 *	  key) on a column whose values become one lookup each, priced in the
 *	  seconds AWS's request quotas let the requests take, and how EXPLAIN
 *	  states the choice ("Lookup Strategy").
 *
 *-------------------------------------------------------------------------
 */
#ifndef CKS_LOOKUP_STRATEGY_H
#define CKS_LOOKUP_STRATEGY_H

#include "postgres.h"

#include "options.h"
#include "table_kinds.h"

/*
 * The round trip of one request as the planner sees it: request_cost
 * prices one, so a second of waiting for quota costs request_cost / this.
 */
#define CKS_PLAN_REQUEST_SECONDS	0.1

/* One choice weighed, per (account, region): its figures are EXPLAIN's. */
typedef struct CksLookupChoice
{
	bool		one_scan;		/* the choice: one scan, else lookups */
	bool		per_outer_row;	/* join lookups: one per outer row, in turn */
	double		lookups;		/* values (or outer rows) looked up */
	double		lookup_rate;	/* the lookup operation's quota; 0: none */
	double		lookup_seconds;
	double		pages;			/* pages of one scan */
	double		scan_seconds;
} CksLookupChoice;

/*
 * True when the lookups that a clause on the kind's column sends could be
 * replaced by one scan filtered locally: the listing is the same
 * operation without the parameter, and the row shows the value compared
 * (not one AWS resolves, like a key alias), so the local recheck keeps
 * exactly the rows the lookups would have returned.
 */
extern bool cks_lookups_replaceable(const CksTableKind *kind, int column);

/* Pages of a full scan of one (account, region). */
extern double cks_scan_pages(const CksTableKind *kind, int page_size,
							 double rows_per_region);

/*
 * Seconds 'n' requests of 'op' in one (account, region) take: sent at once
 * (lookups of a list), or one after another (pages, a nested loop's
 * lookups), each waiting for its quota's token when the burst is spent.
 */
extern double cks_requests_seconds(const CksOperation *op,
								   const CksScanOptions *opts, double n,
								   bool in_turn);

/*
 * Weigh 'lookups' lookups (per_outer_row: a nested loop's, in turn)
 * against one scan of 'rows_per_region' rows; lookups win ties, as they
 * read only the rows asked for.
 */
extern void cks_weigh_lookups(const CksTableKind *kind,
							  const CksScanOptions *opts,
							  double rows_per_region, double lookups,
							  bool per_outer_row, CksLookupChoice *choice);

/*
 * EXPLAIN's "Lookup Strategy" (ASCII, whatever the encoding): "one scan
 * (8 lookups at 5/s ~ 0.8 s > 1 page ~ 0.1 s)", "lookups (2 lookups at
 * 5/s ~ 0.1 s <= 1 page ~ 0.1 s)", "a lookup per outer row (~2 rows ...)".
 */
extern char *cks_lookup_strategy_text(const CksLookupChoice *choice);

#endif							/* CKS_LOOKUP_STRATEGY_H */
