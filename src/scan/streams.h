/*-------------------------------------------------------------------------
 *
 * streams.h
 *	  The bottom stage of a scan (streams.c): streams as data, the count
 *	  of requests in flight, and stream descriptions for messages.  Private
 *	  to src/scan/; other callers use scan/scan.h.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CKS_SCAN_STREAMS_H
#define CKS_SCAN_STREAMS_H

#include "scan/scan_types.h"

/* add the streams of a set whose credentials are known */
extern void cks_streams_add(CksScan *scan, const CksStreamSet *set);
/* send (prepare) the stream's request for its next page */
extern void cks_stream_request_page(CksScan *scan, CksStream *stream);
/* the stream's page is used up: ask for the next one, or end it */
extern void cks_stream_page_consumed(CksScan *scan, CksStream *stream);

extern bool cks_stream_waits_for_page(const CksStream *stream);
extern bool cks_scan_account_in_flight(const CksScanAccount *account);
extern bool cks_scan_account_waits_for_quota(const CksScanAccount *account);
/* streams, follow-ups and accounts' calls in flight: the cap's count */
extern int	cks_scan_requests_in_flight(CksScan *scan);

extern char *cks_stream_describe(const CksStream *stream);
extern char *cks_describe_place(const char *account_id, bool name_account,
								const char *region);

#endif							/* CKS_SCAN_STREAMS_H */
