/*-------------------------------------------------------------------------
 *
 * kms_scan.h
 *	  The remote side of one foreign scan: the DescribeCustomKeyStores call
 *	  sequences ("streams") it needs, one per region and pushed-down value,
 *	  each paginating on its own, all in flight together.  Entries come out
 *	  one at a time, and a stream's next page is asked for only when its
 *	  current page is used up, so memory is bounded by one page per stream.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CKS_KMS_SCAN_H
#define CKS_KMS_SCAN_H

#include "postgres.h"

#include "aws_call.h"
#include "kms.h"
#include "nodes/pg_list.h"

/* At most this many streams have a request in flight at once. */
#define CKS_MAX_IN_FLIGHT	16

typedef struct CksStream
{
	const char *region;
	char	   *url;
	const char *id;				/* CustomKeyStoreId to send, or NULL */
	const char *name;			/* CustomKeyStoreName to send, or NULL */
	CksCall		call;
	bool		started;
	bool		finished;
	KmsPage		page;
	bool		has_page;
	int			next_entry;
	char	   *marker;			/* marker of the page asked for next */
	List	   *markers_seen;
} CksStream;

typedef struct CksKmsScanStats
{
	int			requests;		/* HTTP requests, retries included */
	int			pages;
	long		rows;
	List	   *failed_regions; /* "region: code" strings, on_error 'warn' */
} CksKmsScanStats;

typedef struct CksKmsScan
{
	MemoryContext cxt;			/* streams, markers; reset by restart */
	CksStream  *streams;
	int			nstreams;
	int			next_to_start;
	int			current;
	const SigV4Credentials *credentials;
	/* called, once per scan, when KMS answers ExpiredToken; may be NULL */
	const SigV4Credentials *(*renew_credentials) (void *arg);
	void	   *renew_arg;
	bool		credentials_renewed;
	CksCallSettings settings;
	int			page_size;
	bool		on_error_warn;
	const char *account_id;		/* for messages; may be NULL */
	CksKmsScanStats stats;		/* summed across restarts */
} CksKmsScan;

/*
 * Set up streams for every region (and every value, when 'values' is not
 * NIL: ids if values_are_names is false, names otherwise).  has_parameter
 * with values == NIL means the pushed values were all NULL: no stream.
 * Nothing is sent until the first cks_kms_scan_next.
 */
extern void cks_kms_scan_begin(CksKmsScan *scan, MemoryContext parent,
							   List *regions, const char *endpoint_template,
							   bool has_parameter, List *values,
							   bool values_are_names);

/*
 * The next entry (owned by the scan until the next call), or NULL at the
 * end.  Without 'wait', returns NULL with *would_block set when no entry
 * is ready yet (asynchronous execution).
 */
extern struct json_object *cks_kms_scan_next(CksKmsScan *scan,
											 const char **region,
											 bool wait, bool *would_block);

/* When an asynchronous scan must look again even without socket activity:
 * milliseconds, or -1 for "only on activity". */
extern long cks_kms_scan_next_wakeup_ms(CksKmsScan *scan);

/* True when cks_kms_scan_next would not block now. */
extern bool cks_kms_scan_ready(CksKmsScan *scan);

/* Drop every stream and page (for ReScan and EndForeignScan). */
extern void cks_kms_scan_release(CksKmsScan *scan);

#endif							/* CKS_KMS_SCAN_H */
