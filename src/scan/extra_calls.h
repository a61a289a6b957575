/*-------------------------------------------------------------------------
 *
 * extra_calls.h
 *	  The requests of the extra calls (extra_calls.c) that key_extras.c
 *	  asks for: many at once -- GetKeyLastUsage and ListResourceTags of
 *	  every key of a batch, a region's ListAliases listing -- each followed
 *	  through its pages, all driven in one loop through the request
 *	  scheduler (its in-flight cap, the operation's token bucket), with the
 *	  scan's ExpiredToken renewal.  Private to src/scan/.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CKS_SCAN_EXTRA_CALLS_H
#define CKS_SCAN_EXTRA_CALLS_H

#include "scan/scan_types.h"
#include "table_kinds.h"

struct json_object;

/*
 * One extra call to make, with its outcome.  The caller fills the first
 * part; cks_extra_calls_run sets 'out' (NULL when the columns stay NULL:
 * refused for this entry, not found, or failed under on_error 'warn').
 */
typedef struct CksExtraJob
{
	const CksExtraCall *extra;
	const char *key;			/* the entry's value sent, or NULL: a
								 * listing of the whole region */
	int			stream;			/* index of the scan's stream whose
								 * account, region, URL and keys it uses */
	int			max_pages;
	struct json_object *out;	/* the answer (single entry), or the pages
								 * gathered: an object, or (listing) an
								 * object of arrays; tied to the context */

	/* progress, private to extra_calls.c */
	CksCall		call;
	const SigV4Credentials *signed_with;
	char	   *token;
	int			pages;
	bool		active;
} CksExtraJob;

/* Release 'obj' when 'cxt' is reset or deleted. */
extern void cks_json_tie_to_context(MemoryContext cxt, struct json_object *obj);

/*
 * Make every job's call (and its further pages) at once, under the
 * scheduler's cap and quotas; answers live in 'cxt' (json objects are
 * released when it is reset).  Failures are reported at ERROR, or at
 * WARNING under the scan's on_error 'warn'.  Returns the HTTP requests
 * sent, retries included.
 */
extern int	cks_extra_calls_run(CksScan *scan, CksExtraJob *jobs, int njobs,
								MemoryContext cxt);

#endif							/* CKS_SCAN_EXTRA_CALLS_H */
