/*-------------------------------------------------------------------------
 *
 * key_extras.h
 *	  The extra calls of a table kind (CksExtraCall in table_kinds.h): for
 *	  a row that the scan produced and that passed the query's conditions
 *	  on its own fields, the calls its read columns need -- GetKeyLastUsage
 *	  and ListResourceTags of the key, and the region's ListAliases listing
 *	  (fetched once per account and region, then joined by key id).
 *
 *-------------------------------------------------------------------------
 */
#ifndef CKS_KEY_EXTRAS_H
#define CKS_KEY_EXTRAS_H

#include "postgres.h"

#include "aws/aws_call.h"
#include "nodes/pg_list.h"
#include "scan/scan.h"
#include "table_kinds.h"

struct json_object;

typedef struct CksExtras
{
	const CksTableKind *kind;
	bool		wanted[CKS_MAX_EXTRAS]; /* from the row builder */
	bool		any;			/* some extra call is wanted */
	MemoryContext cxt;			/* region listings, for the whole scan */
	MemoryContext row_cxt;		/* the current row's extras */
	List	   *listings;		/* per-region listings fetched (CksListing) */
	struct json_object *current;	/* the last row's extras, or NULL */
	int			requests;		/* HTTP requests, retries included */
	int			throttled;		/* answers AWS throttled */
	long		quota_wait_ms;	/* waits for a token or a slot */
	int			max_pages;		/* of one listing, the scan's bound */
} CksExtras;

/* Set up for a scan whose row builder wants 'wanted' (per kind->extras);
 * memory lives under 'parent' and is freed with it, errors included. */
extern void cks_extras_init(CksExtras *extras, const CksTableKind *kind,
							const bool *wanted, MemoryContext parent);

/*
 * The extras object of one entry from 'stream' (its account, region,
 * credentials and URL): each wanted per-entry call made now, each wanted
 * per-region listing made at its first use.  Valid until the next call.
 */
extern struct json_object *cks_extras_fetch(CksExtras *extras,
											struct json_object *entry,
											const CksStream *stream,
											const CksCallSettings *settings,
											bool on_error_warn);

/* Forget the region listings (a rescan may use other credentials). */
extern void cks_extras_reset(CksExtras *extras);

/* EXPLAIN's "Extra Calls" line for these wanted calls, or NULL for none. */
extern char *cks_extras_explain(const CksTableKind *kind, const bool *wanted);

#endif							/* CKS_KEY_EXTRAS_H */
