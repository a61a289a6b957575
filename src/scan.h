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
 *-------------------------------------------------------------------------
 */
#ifndef CKS_SCAN_H
#define CKS_SCAN_H

#include "postgres.h"

#include "aws_call.h"
#include "aws_json.h"
#include "aws_service.h"
#include "nodes/pg_list.h"
#include "options.h"

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

typedef struct CksStream
{
	const CksOperation *operation;
	const char *account_id;		/* for rows and messages; may be NULL */
	const SigV4Credentials *credentials;
	const char *region;
	char	   *url;
	/* values of operation->parameters to send; NULL: absent */
	const char *values[CKS_MAX_OPERATION_PARAMETERS];
	int			lookup_parameter;	/* the one set, or -1: a listing */
	CksCall		call;
	bool		started;
	bool		finished;
	CksJsonPage page;
	bool		has_page;
	int			next_entry;
	char	   *token;			/* token of the page asked for next */
	List	   *tokens_seen;	/* the last CKS_TOKENS_REMEMBERED */
	int			pages;			/* pages received so far */
} CksStream;

typedef struct CksScanStats
{
	int			requests;		/* HTTP requests, retries included */
	int			pages;
	long		rows;
	List	   *failed_regions; /* "[account/]region (code)", on_error 'warn';
								 * each once, in the query's context */
} CksScanStats;

typedef struct CksScan
{
	MemoryContext cxt;			/* streams, tokens; reset by begin */
	MemoryContext stats_cxt;	/* the parent: outlives restarts */
	CksStream  *streams;
	int			nstreams;
	int			allocated;		/* length of the streams array */
	int			next_to_start;
	int			current;
	CksCallSettings settings;
	int			page_size;
	int			max_in_flight;	/* max_concurrent_requests */
	bool		on_error_warn;
	CksScanStats stats;			/* summed across restarts */
} CksScan;

/*
 * Streams of one operation for one account: one per region, or, when
 * 'parameter' is an index into the operation's parameters, one per region
 * and value (no values, e.g. only NULLs pushed: no stream at all).
 * Strings and credentials must outlive the scan; values are copied.
 */
typedef struct CksStreamSet
{
	const CksOperation *operation;
	const char *account_id;		/* may be NULL */
	const SigV4Credentials *credentials;
	const char *endpoint_template;	/* {region} is replaced */
	List	   *regions;		/* char * */
	int			parameter;		/* -1: a full listing */
	List	   *values;			/* char *, for 'parameter' */
} CksStreamSet;

/* Transport settings and on_error from the options, and the page size
 * (the plan's, which a LIMIT may have lowered), for every stream. */
extern void cks_scan_configure(CksScan *scan, const CksScanOptions *opts,
							   int page_size);

/* Drop the streams of a previous (re)scan; nothing is sent yet. */
extern void cks_scan_begin(CksScan *scan, MemoryContext parent);

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
