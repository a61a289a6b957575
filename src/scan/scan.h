/*-------------------------------------------------------------------------
 *
 * scan.h
 *	  The remote side of one foreign scan, for any list operation: a set of
 *	  streams, each one (account, region, operation, parameters) paginating
 *	  by its operation's page rule, all in flight together up to a cap.
 *	  Entries come out one at a time, and a stream's next page is asked for
 *	  only when its current page is used up, so memory is bounded by one
 *	  page per stream.
 *
 *	  An operation with an expansion (ListKeys -> DescribeKey) has each
 *	  listed entry replaced by its follow-up's answer: follow-ups start as
 *	  soon as a page of the listing arrives, share the scan's cap on
 *	  requests in flight with the listings, and are emitted as they finish.
 *
 *	  An account whose credentials are not known yet (a role to assume in
 *	  it) has its streams held back while its credential call (AssumeRole)
 *	  runs in the same loop, under the same cap (scan_accounts.c): the
 *	  roles of many accounts are assumed at once.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CKS_SCAN_H
#define CKS_SCAN_H

#include "postgres.h"

#include "aws/aws_call.h"
#include "aws/aws_json.h"
#include "aws/aws_service.h"
#include "nodes/pg_list.h"
#include "options.h"
#include "scan/scan_types.h"
#include "table_kinds.h"


/*
 * Pagination bounds.  A stream follows at most cks_fdw.max_pages pages
 * (default CKS_DEFAULT_MAX_PAGES: 100 million key stores at 1,000 a page,
 * far beyond AWS's quotas), so an endpoint that keeps handing out fresh
 * tokens cannot keep a scan running forever.  A repeated token is caught
 * at once when it is among the last CKS_TOKENS_REMEMBERED, which keeps
 * the memory per stream bounded whatever the page count.
 */
#define CKS_DEFAULT_MAX_PAGES	100000
#define CKS_TOKENS_REMEMBERED	64

extern int	cks_max_pages;

/* Define the cks_fdw.max_pages setting; called from _PG_init. */
extern void cks_scan_initialize(void);


/* Transport settings, on_error and max_concurrent_requests from the
 * options, and the page size (the plan's, which a LIMIT may have lowered),
 * for every stream. */
extern void cks_scan_configure(CksScan *scan, const CksScanOptions *opts,
							   int page_size);

/* Skip entries whose string field 'field' is present and is not 'value'
 * (the keys table's key_manager option); field NULL: keep every entry. */
extern void cks_scan_set_filter(CksScan *scan, const char *field,
								const char *value);

/*
 * cks_scan_configure plus what the table kind adds: keys without
 * key_manager 'ALL' keep only customer managed keys.
 */
extern void cks_scan_configure_for_kind(CksScan *scan,
										const CksScanOptions *opts,
										const CksTableKind *kind,
										int page_size);

/* Drop the streams of a previous (re)scan; nothing is sent yet. */
extern void cks_scan_begin(CksScan *scan, MemoryContext parent);

/*
 * The streams of op's discovery listing (added as usual) find what op is
 * asked about: each page of theirs becomes streams of op at
 * endpoint_template, sending 'fixed' beside the values found (copied).
 * After cks_scan_begin, before the first cks_scan_next.
 */
extern void cks_scan_set_discovery(CksScan *scan, const CksOperation *op,
								   const char *endpoint_template,
								   const char *const *fixed);

/* Add streams; nothing is sent until the first cks_scan_next. */
extern void cks_scan_add_streams(CksScan *scan, const CksStreamSet *set);

/*
 * The next entry (owned by the scan until the next call), or NULL at the
 * end; *stream says where it came from.  Without 'wait', returns NULL with
 * *would_block set when no entry is ready yet (asynchronous execution).
 */
extern struct json_object *cks_scan_next(CksScan *scan,
										 const CksStream **stream,
										 bool wait, bool *would_block);

/* When an asynchronous scan must look again even without socket activity:
 * milliseconds, or -1 for "only on activity". */
extern long cks_scan_next_wakeup_ms(CksScan *scan);

/* True when cks_scan_next would not block now. */
extern bool cks_scan_ready(CksScan *scan);

/* Drop every stream and page (for ReScan and EndForeignScan). */
extern void cks_scan_release(CksScan *scan);

#endif							/* CKS_SCAN_H */
