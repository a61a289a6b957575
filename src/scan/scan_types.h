/*-------------------------------------------------------------------------
 *
 * scan_types.h
 *	  The data of a scan, shared by its stages: the scan, its streams (one
 *	  listing each), its follow-up slots, the accounts whose streams wait
 *	  for credentials, and the stream sets callers hand in.  Only types
 *	  here, so that every stage (streams.c at the bottom, scan_failures.c,
 *	  follow_ups.c, scan_accounts.c, and scan.c above them) can see them
 *	  without depending on the stage that drives it.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CKS_SCAN_TYPES_H
#define CKS_SCAN_TYPES_H

#include "postgres.h"

#include "aws/aws_call.h"
#include "aws/aws_json.h"
#include "aws/aws_service.h"
#include "nodes/pg_list.h"

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

	/*
	 * The operation whose things a discovery listing finds (GetMetricData
	 * of the external key stores DescribeCustomKeyStores lists; see
	 * discovery.c), its endpoint template and the other parameters each of
	 * its streams sends; NULL: the scan discovers nothing.
	 */
	const CksOperation *discovered_operation;
	const char *discovered_endpoint;
	const char *discovered_fixed[CKS_MAX_OPERATION_PARAMETERS];


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

#endif							/* CKS_SCAN_TYPES_H */
