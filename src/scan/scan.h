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

typedef struct CksStream
{
	const CksOperation *operation;
	const char *account_id;		/* for rows and messages; may be NULL */
	bool		name_account;	/* messages name the account (several) */
	const SigV4Credentials *credentials;
	const SigV4Credentials *signed_with;	/* those of the call in flight */
	bool		credentials_renewed;	/* renewed once already */
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
	int			next_entry;		/* next entry to emit, or to expand */
	char	   *token;			/* token of the page asked for next */
	List	   *tokens_seen;	/* the last CKS_TOKENS_REMEMBERED */
	int			pages;			/* pages received so far */
	bool		failed;			/* on_error 'warn' gave it up: the rest of
								 * its follow-ups are dropped */
} CksStream;

/*
 * One follow-up request of an expansion (a DescribeKey of one listed key)
 * and, once it answered, its single entry, until emitted.  Its strings live
 * in its own context, reset when the slot is reused, so a scan of 100,000
 * keys uses no more memory than one of 100.
 */
typedef struct CksFollowUp
{
	int			stream;			/* index of the listing it expands */
	MemoryContext cxt;
	const char *values[CKS_MAX_OPERATION_PARAMETERS];
	CksCall		call;
	bool		busy;			/* in flight, or holding an entry */
	bool		has_page;
	CksJsonPage page;
} CksFollowUp;

typedef struct CksScanStats
{
	int			requests;		/* HTTP requests, retries included */
	int			pages;
	long		rows;
	int			throttled;		/* answers AWS throttled */
	long		quota_wait_ms;	/* requests' waits for a token or a slot */
	List	   *failed_regions; /* "[account/]region (code)", on_error 'warn';
								 * each once, in the query's context */
} CksScanStats;

/*
 * Streams held back until their account's credentials arrive: the set to
 * add then (its lists copied into the scan's context), and the call.
 */
typedef struct CksScanAccount
{
	struct CksStreamSet *streams;
	CksCall		call;
	bool		started;
	bool		answered;		/* streams added, or the account failed */
	bool		retried;		/* renew_signer said yes once */
} CksScanAccount;

typedef struct CksScan
{
	MemoryContext cxt;			/* streams, tokens; reset by begin */
	MemoryContext stats_cxt;	/* the parent: outlives restarts */
	CksStream  *streams;
	int			nstreams;
	int			allocated;		/* length of the streams array */
	int			next_to_start;
	int			current;
	CksFollowUp *follow_ups;	/* max_in_flight slots, made when needed */
	bool		expands;		/* a stream's operation has an expansion */
	int			emitted_follow_up;	/* slot whose entry was returned last,
									 * freed at the next call; or -1 */
	CksCallSettings settings;
	int			page_size;
	int			max_in_flight;	/* requests in flight at once, all kinds */
	bool		on_error_warn;
	const char *filter_field;	/* entries whose field differs from */
	const char *filter_value;	/* filter_value are skipped; NULL: none */
	const char *nested_entries; /* rows are this array field's elements of
								 * each entry (CksTableKind), or NULL */
	CksScanStats stats;			/* summed across restarts */

	/* accounts whose credentials come from credential_calls */
	const CksCredentialCalls *credential_calls;
	CksScanAccount *accounts;
	int			naccounts;
	int			accounts_allocated;
	int			next_account;	/* accounts before it have started */

	/*
	 * Called when AWS answers ExpiredToken to a stream's credentials that
	 * we thought fresh: new credentials for that stream's account (to
	 * outlive the scan), at most once per account and scan.  May be NULL.
	 */
	const SigV4Credentials *(*renew_credentials) (void *arg,
												  const CksStream *stream);
	void	   *renew_arg;
} CksScan;

/*
 * Streams of one operation for one account: one per region, or, when
 * 'parameter' is an index into the operation's parameters, one per region
 * and value (no values, e.g. only NULLs pushed: no stream at all).
 * Strings and credentials must outlive the scan; values are copied.
 * Credentials NULL, with the scan's credential_calls set: the streams
 * start once those calls have given the account's credentials.
 */
typedef struct CksStreamSet
{
	const CksOperation *operation;
	const char *account_id;		/* may be NULL */
	bool		name_account;	/* messages name it: a scan of several */
	const SigV4Credentials *credentials;
	const char *endpoint_template;	/* {region} is replaced */
	List	   *regions;		/* char * */
	int			parameter;		/* -1: a full listing */
	List	   *values;			/* char *, for 'parameter' */
	/* other parameters every stream sends (a filter operation's other
	 * filters, each a JSON list); NULL: absent.  Copied. */
	const char *fixed[CKS_MAX_OPERATION_PARAMETERS];
} CksStreamSet;

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
