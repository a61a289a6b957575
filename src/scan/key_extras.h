/*-------------------------------------------------------------------------
 *
 * key_extras.h
 *	  The extra calls of a table kind (CksExtraCall in table_kinds.h): for
 *	  a row that the scan produced and that passed the query's conditions
 *	  on its own fields, the calls its read columns need -- GetKeyLastUsage
 *	  and ListResourceTags of the key, and the region's ListAliases listing
 *	  (fetched once per account and region, then joined by key id).
 *
 *	  Rows wait in batches: the scan's entries that pass the prefilter are
 *	  gathered (the first waited for, the rest taken as they are ready),
 *	  their calls made together, then the rows handed out one by one.
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

/* Rows of a batch: at most this many entries wait for their extra calls
 * at once (the first batches are smaller: see key_extras.c). */
#define CKS_EXTRAS_MAX_BATCH	100

/* One entry of a batch, and its extras once fetched. */
typedef struct CksExtrasRow
{
	struct json_object *entry;	/* a reference, dropped with the batch */
	int			stream;			/* index of the scan's stream it is from */
	struct json_object *extras; /* its extras object, once fetched */
} CksExtrasRow;

typedef struct CksExtras
{
	const CksTableKind *kind;
	bool		wanted[CKS_MAX_EXTRAS]; /* from the row builder */
	bool		any;			/* some extra call is wanted */
	MemoryContext cxt;			/* region listings, for the whole scan */
	MemoryContext batch_cxt;	/* the current batch's rows and answers */
	List	   *listings;		/* per-region listings fetched (CksListing) */
	CksExtrasRow *rows;			/* the batch (batch_limit long) */
	int			nrows;
	int			next_row;		/* next row to hand out, once fetched */
	bool		fetched;		/* the batch's extra calls are made */
	int			batch_limit;	/* rows the batch may take */
	int			requests;		/* HTTP requests, retries included */
	int			max_pages;		/* of one listing, the scan's bound */
} CksExtras;

/* Set up for a scan whose row builder wants 'wanted' (per kind->extras);
 * memory lives under 'parent' and is freed with it, errors included. */
extern void cks_extras_init(CksExtras *extras, const CksTableKind *kind,
							const bool *wanted, MemoryContext parent);

/* True while the batch being gathered may take another entry. */
extern bool cks_extras_batch_open(const CksExtras *extras);

/* Add an entry of 'stream' (one of the scan's) to the batch; the entry is
 * kept (a reference) until the batch is used up. */
extern void cks_extras_add(CksExtras *extras, const CksScan *scan,
						   struct json_object *entry, const CksStream *stream);

/*
 * Make the batch's extra calls: each wanted per-entry call of every row,
 * all at once through the request scheduler (extra_calls.c), and each
 * wanted per-region listing at its first use.
 */
extern void cks_extras_fetch(CksExtras *extras, CksScan *scan);

/*
 * The next row of the fetched batch: its entry (NULL when the batch is
 * used up, which then starts a new one), its extras object and its
 * stream.  Valid until the next call.
 */
extern struct json_object *cks_extras_next(CksExtras *extras,
										   const CksScan *scan,
										   struct json_object **row_extras,
										   const CksStream **stream);

/* Forget the region listings (a rescan may use other credentials). */
extern void cks_extras_reset(CksExtras *extras);

/* EXPLAIN's "Extra Calls" line for these wanted calls, or NULL for none. */
extern char *cks_extras_explain(const CksTableKind *kind, const bool *wanted);

#endif							/* CKS_KEY_EXTRAS_H */
